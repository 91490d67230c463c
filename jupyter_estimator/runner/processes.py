"""What the supervisor watches while a script runs: a local process group or a container, behind one interface.

Both hand the supervisor two readable pipes (stdout, stderr) and say when the script has ended; the supervisor
frames the output into the run's log and decides when to stop it, whatever runs the script.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from typing import IO, Any


class LocalProcess:
    """A script in its own session and process group on this machine (signals reach everything it started)."""

    def __init__(self, popen: subprocess.Popen) -> None:
        self.popen = popen
        self.pid = popen.pid
        self.stdout: IO[bytes] = popen.stdout
        self.stderr: IO[bytes] = popen.stderr

    def poll(self) -> int | None:
        return self.popen.poll()

    def wait(self) -> int:
        return self.popen.wait()

    def terminate(self) -> None:
        signal_group(self.pid, signal.SIGTERM)

    def kill(self) -> None:
        signal_group(self.pid, signal.SIGKILL)

    def close(self) -> None:
        self.kill()  # leave no grandchild holding the pipes


class ContainerProcess:
    """A run's container: its output arrives over the engine's attach stream and is copied into local pipes."""

    def __init__(self, client: Any, container: Any) -> None:
        self.client, self.container = client, container
        self.pid = None
        out_read, out_write = os.pipe()
        err_read, err_write = os.pipe()
        self.stdout: IO[bytes] = os.fdopen(out_read, "rb", buffering=0)
        self.stderr: IO[bytes] = os.fdopen(err_read, "rb", buffering=0)
        self._exit_code: int | None = None
        self._ended = threading.Event()
        # Attach before starting, so not a byte of the script's first output is missed.
        stream = client.api.attach(container.id, stdout=True, stderr=True, stream=True, logs=True, demux=True)
        container.start()
        threading.Thread(target=self._copy, args=(stream, out_write, err_write), daemon=True,
                         name="container-output").start()
        threading.Thread(target=self._wait, daemon=True, name="container-wait").start()

    def _copy(self, stream: Any, out_fd: int, err_fd: int) -> None:
        try:
            for out, err in stream:
                if out:
                    _write_all(out_fd, out)
                if err:
                    _write_all(err_fd, err)
        except Exception:  # the engine closed the stream (container removed, engine restarted): the pipes end
            pass
        finally:
            os.close(out_fd)
            os.close(err_fd)

    def _wait(self) -> None:
        try:
            self._exit_code = int(self.container.wait().get("StatusCode", 1))
        except Exception:
            self._exit_code = self._inspect_exit_code()
        self._ended.set()

    def _inspect_exit_code(self) -> int:
        try:
            self.container.reload()
            return int(self.container.attrs["State"]["ExitCode"])
        except Exception:
            return 255

    def poll(self) -> int | None:
        return self._exit_code if self._ended.is_set() else None

    def wait(self) -> int:
        self._ended.wait()
        return self._exit_code if self._exit_code is not None else 255

    @property
    def returncode(self) -> int | None:
        return self.poll()

    def terminate(self) -> None:
        self._signal("SIGTERM")  # the container's init forwards it to the script's process group

    def kill(self) -> None:
        self._signal("SIGKILL")  # PID 1 killed: the kernel ends every process in the container

    def close(self) -> None:
        """Stop and remove the container (whatever state it is in)."""
        try:
            self.container.remove(force=True)
        except Exception:  # already gone
            pass

    def _signal(self, name: str) -> None:
        try:
            self.client.api.kill(self.container.id, signal=name)
        except Exception:  # not running any more
            pass


def signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
