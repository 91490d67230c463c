"""The detached supervisor of one run: `python -m jupyter_estimator.runner.supervisor <home> <run_id>`.

It runs in its own session (not a child of the kernel, CLI or server that submitted), waits for a
slot, prepares the environment, starts the script in its own process group, frames its output
into whole lines in user_logs/std_log.txt, enforces max_run_duration_seconds, acts on cancel
requests, and records every status transition. Standard library only, so it starts fast.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import selectors
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from ..core.errors import EnvironmentBuildError
from ..core.limits import MAX_RUN_DURATION_SECONDS, valid_duration
from ..core.status import RunStatus
from ..store.workspace_store import WorkspaceStore
from ..store import metrics_file as metrics_view
from ..store.metric_series import cached_series
from ..tracking import context
from . import slots
from .environments import ensure_environment
from .disk_full import RESERVE_NAME, DiskReserve, TailKeepingLog
from ..store.liveness import identity, process_start_ticks
from ..store.locks import try_hold
from .processes import LocalProcess

SUPERVISOR_LOCK = ".supervisor.lock"  # also named in docker_launch (which the supervisor loads only when needed)

POLL_SECONDS = 0.05
_VAR = re.compile(r"\$(\w+)|\$\{(\w+)\}")


class Supervisor:
    def __init__(self, home: str, run_id: str) -> None:
        self.store = WorkspaceStore(Path(home))
        self.run_id = run_id
        self.folder = self.store.run_folder(run_id)
        self.spec: dict[str, Any] = self.folder.read_spec()
        self.settings = self.store.settings()
        self._status_mtime = 0.0
        self.process: Any = None  # a LocalProcess or ContainerProcess (runner/processes.py)
        self.container: Any = None  # the DockerLaunch of a run that asked for a container
        self.disk_full: str | None = None  # where a write failed for want of space
        self.cancel_reason: str | None = None
        self.timed_out = False

    # status helpers -----------------------------------------------------------------------------
    def move(self, status: str, **fields: Any) -> bool:
        try:
            return self.store.transition(self.run_id, status, **fields) is not None
        except OSError as exc:
            reserve = getattr(self, "reserve", None)
            if exc.errno != errno.ENOSPC or reserve is None or reserve.released:
                raise
            reserve.release()  # the room kept aside is for recording the run's end
            self.disk_full = str(self.folder.path)
            return self.store.transition(self.run_id, status, **fields) is not None

    def cancel_requested(self) -> bool:
        """Cheap to call often: re-reads status.json only when its mtime changed."""
        try:
            mtime = self.folder.status_path.stat().st_mtime
        except FileNotFoundError:
            return False
        if mtime != self._status_mtime:
            self._status_mtime = mtime
            if self.folder.read_status().get("status") == RunStatus.CANCEL_REQUESTED:
                self.cancel_reason = "canceled"
        return self.cancel_reason is not None

    # the run ------------------------------------------------------------------------------------
    def run(self) -> None:
        self.reserve = DiskReserve(self.folder.path / RESERVE_NAME)  # room to record the end if the disk fills
        # Held for this process's life: a container's init sees the lock come free if the supervisor dies.
        self.alive_lock = try_hold(self.folder.path / SUPERVISOR_LOCK, str(os.getpid()))
        self.folder.update_status_fields(supervisor=identity())
        problem = self.spec_problem()
        if problem:  # checked before anything starts: a bad limit must never leave a script running unchecked
            self.move(RunStatus.FAILED, error={"code": "InvalidRunSpec", "message": problem})
            return
        slot = self.wait_for_slot()
        if slot is None:
            self.move(RunStatus.CANCELED)
            return
        try:
            if not self.move(RunStatus.PREPARING):
                return self.finish_canceled_early()
            interpreter = self.prepare()
            if interpreter is None:
                return
            if self.cancel_requested() or not self.move(RunStatus.STARTING):
                return self.finish_canceled_early()
            self.execute(interpreter)
        finally:
            slot.close()

    def spec_problem(self) -> str | None:
        duration = self.spec.get("max_run_duration_seconds")
        if not valid_duration(duration):
            return (f"max_run_duration_seconds: {str(duration)[:40]!r} is not a whole number of seconds from 1 to "
                    f"{MAX_RUN_DURATION_SECONDS}. Fix: submit again with a valid max_run_duration_seconds.")
        grace = self.settings.get("cancel_grace_seconds", 10)
        if not isinstance(grace, (int, float)) or not 0 <= grace <= 3600:
            return (f"cancel_grace_seconds: {grace!r} is not a number of seconds from 0 to 3600. "
                    "Fix: ws.set_settings(cancel_grace_seconds=10).")
        return None

    def wait_for_slot(self) -> Any:
        limit = self.settings.get("max_concurrent_runs")
        handle = slots.try_acquire(self.store.root / "slots", limit)
        if handle is not None:
            return handle
        self.move(RunStatus.QUEUED, details=f"Waiting for one of {limit} run slots (max_concurrent_runs).")
        while handle is None:
            if self.cancel_requested():
                return None
            time.sleep(0.2)
            handle = slots.try_acquire(self.store.root / "slots", limit)
        return handle

    def finish_canceled_early(self) -> None:
        self.move(RunStatus.CANCELED)

    def prepare(self) -> str | None:
        name = "20_image_build.txt" if self.spec.get("use_docker") else "20_environment_build.txt"
        with open(self.folder.system_logs_dir / name, "a", encoding="utf-8") as log:
            try:
                if self.spec.get("use_docker"):
                    from .docker_launch import DockerLaunch  # the Docker SDK loads only for container runs
                    record = self.store.compute_targets.get(self.spec["target"])
                    self.container = DockerLaunch(self.store, self.folder, self.spec, self.settings,
                                                  record.config if record else {})
                    return self.container.prepare(log)
                return ensure_environment(self.store, self.spec["environment"], log, self.spec["environment_hash"])
            except EnvironmentBuildError as exc:
                log.write(f"\n{exc}\n")
                code = "ImageBuildFailed" if self.spec.get("use_docker") else "EnvironmentBuildFailed"
                self.move(RunStatus.FAILED, error={"code": code, "message": str(exc)})
                return None

    def run_context(self) -> dict[str, str]:
        return context.run_environment(
            str(self.store.root), self.run_id, self.spec["experiment"], self.spec["workspace_name"],
            str(self.folder.outputs_dir), self.spec["target"], self.spec.get("framework", "Python"),
            self.spec.get("communicator", "None"))

    def child_environment(self) -> dict[str, str]:
        if self.container is not None:
            return self.container.environment(self.run_context())
        env = dict(os.environ)
        for name in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "CONDA_PREFIX", "PYTHONSTARTUP"):
            env.pop(name, None)
        if not self.spec["environment"]["user_managed"]:
            env["PYTHONPATH"] = str(runtime_shim(self.store.root))
        else:
            env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])  # the submitter's own package location
        env.update(self.spec["environment"].get("environment_variables", {}))
        env.update(self.spec.get("environment_variables", {}))
        env.update(self.run_context())
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def command(self, interpreter: str, env: dict[str, str]) -> list[str]:
        if self.spec.get("command"):
            argv = list(self.spec["command"])
            if argv and argv[0] in ("python", "python3"):
                argv[0] = interpreter
        else:
            argv = [interpreter, self.spec["script"], *self.spec["arguments"]]
        # AML expands $VAR in arguments on the node; do it ourselves, with no shell involved.
        return [_VAR.sub(lambda m: env.get(m.group(1) or m.group(2), m.group(0)), arg) for arg in argv]

    def execute(self, interpreter: str) -> None:
        env = self.child_environment()
        argv = self.command(interpreter, env)
        try:
            if self.container is not None:
                process = self.container.start(argv, env)
            else:
                process = LocalProcess(subprocess.Popen(argv, cwd=self.folder.snapshot_dir, env=env, stdin=subprocess.DEVNULL,
                                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True))
                self.folder.update_status_fields(process={"pid": process.pid, "pgid": process.pid,
                                                          "start_ticks": process_start_ticks(process.pid)})
        except Exception as exc:  # OSError locally; the engine's APIError for a container
            self.move(RunStatus.FAILED, error={"code": "LaunchFailed", "message": f"Could not start {argv[0]}: {exc}"})
            return
        self.process = process
        self.folder.update_status_fields(command=argv)
        self.move(RunStatus.RUNNING)
        try:
            self.pump(process)
            self.finalize(process.wait())
        finally:
            if self.container is not None:
                process.close()  # a finished container is removed

    def pump(self, process: Any) -> None:
        """Copy stdout/stderr into std_log.txt whole lines at a time until the process and its pipes close."""
        deadline = None
        duration = self.spec.get("max_run_duration_seconds")
        if duration:
            deadline = time.monotonic() + duration
        selector = selectors.DefaultSelector()
        partial: dict[int, bytes] = {}
        for stream in (process.stdout, process.stderr):
            os.set_blocking(stream.fileno(), False)
            selector.register(stream, selectors.EVENT_READ)
            partial[stream.fileno()] = b""
        kill_at = None
        drain_until = None  # the script exited but something it started still holds the pipes
        with open(self.folder.std_log, "ab", buffering=0) as raw_log:
            log = self.log_writer = TailKeepingLog(raw_log)
            while selector.get_map():
                for key, _ in selector.select(timeout=POLL_SECONDS):
                    fd = key.fileobj.fileno()
                    try:
                        chunk = os.read(fd, 65536)
                    except BlockingIOError:
                        continue
                    if not chunk:
                        selector.unregister(key.fileobj)
                        if partial[fd]:
                            log.write(partial[fd] + b"\n")
                            partial[fd] = b""
                        continue
                    data = partial[fd] + chunk
                    cut = data.rfind(b"\n") + 1
                    if cut:
                        log.write(data[:cut])
                    partial[fd] = data[cut:]
                log.flush()
                if kill_at is None and (self.cancel_requested() or (deadline and time.monotonic() > deadline)):
                    if not self.cancel_reason:
                        self.timed_out, self.cancel_reason = True, "timeout"
                    kill_at = time.monotonic() + float(self.settings.get("cancel_grace_seconds", 10))
                    process.terminate()
                elif kill_at is not None and time.monotonic() > kill_at:
                    process.kill()
                    kill_at = float("inf")
                if process.poll() is not None:
                    if kill_at is not None:
                        process.kill()  # leave no grandchild holding the pipes
                    elif drain_until is None:
                        drain_until = time.monotonic() + 2.0
                    elif time.monotonic() > drain_until:
                        process.kill()
                        drain_until = float("inf")
        process.wait()

    def finalize(self, returncode: int) -> None:
        writer = getattr(self, "log_writer", None)
        if writer is not None and writer.lost_bytes:
            self.reserve.release()  # the room kept aside is for exactly this: the log's tail and the status
            writer.write_kept_tail(self.folder.std_log)
        self.move(RunStatus.FINALIZING)
        fields: dict[str, Any] = {"exit_code": returncode}
        if returncode < 0:
            fields["signal"] = signal.Signals(-returncode).name
        try:
            records = metrics_view.iter_records(self.folder.metrics_dir / "metrics.jsonl")
            self.store.metric_summaries.replace(self.run_id, metrics_view.summary(records))
            cached_series(self.folder.metrics_dir / "metrics.jsonl")  # the run view of a finished run opens at once
        except Exception as exc:  # a damaged metrics file must not hide the run's result
            fields["warnings"] = [f"metrics summary skipped: {exc}"]
        request = _read_request(self.folder.status_request_path)
        full_disk = (writer.full_path if writer is not None and writer.lost_bytes else None) or self.disk_full or \
            (_mount_point(self.folder.path) if returncode != 0 and _died_of_full_disk(self.folder.std_log) else None)
        if self.cancel_reason == "canceled":
            self.move(RunStatus.CANCELED, **fields)
        elif self.timed_out:
            limit = self.spec.get("max_run_duration_seconds")
            self.move(RunStatus.FAILED, error={"code": "MaxRunDurationExceeded",
                                               "message": f"The run exceeded max_run_duration_seconds={limit} and was stopped."}, **fields)
        elif full_disk:
            lost = (f" {writer.lost_bytes} bytes of the script's output could not be written (the last "
                    f"{len(writer.kept)} bytes were kept)." if writer is not None and writer.lost_bytes else "")
            self.move(RunStatus.FAILED, error={"code": "NoSpaceLeft", "message": (
                f"No space left on {full_disk}.{lost} {_failure_message(self.folder.std_log, returncode)} "
                "Fix: free space on that disk, then re-submit.")}, **fields)
        elif returncode != 0:
            self.move(RunStatus.FAILED, error={"code": "UserError", "message": _failure_message(self.folder.std_log, returncode)}, **fields)
        elif request and request.get("status") == RunStatus.FAILED:
            self.move(RunStatus.FAILED, error=request.get("error"), **fields)
        else:
            self.move(RunStatus.COMPLETED, **fields)


def runtime_shim(home: Path) -> Path:
    """A folder holding only a link to this package, put on PYTHONPATH so `import jupyter_estimator` works in
    any environment the runner builds without exposing the submitter's other packages."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256(str(package).encode()).hexdigest()[:12]
    shim = home / "runtime" / f"shim-{digest}"
    link = shim / "jupyter_estimator"
    if not link.exists():
        shim.mkdir(parents=True, exist_ok=True)
        temporary = shim / f".link-{os.getpid()}"
        os.symlink(package, temporary)
        os.replace(temporary, link)
    return shim


def _read_request(path: Path) -> dict | None:
    import json
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _died_of_full_disk(std_log: Path) -> bool:
    """The script's last words were ENOSPC (its traceback ends in `[Errno 28] No space left on device`)."""
    try:
        with open(std_log, "rb") as handle:
            handle.seek(max(0, os.path.getsize(std_log) - 4096))
            return b"[Errno 28]" in handle.read()
    except OSError:
        return False


def _mount_point(path: Path) -> str:
    path = path.resolve()
    while not os.path.ismount(path) and path != path.parent:
        path = path.parent
    return str(path)


def _failure_message(std_log: Path, returncode: int) -> str:
    """The script's exception line (last line of its traceback) when there is one, else the exit code."""
    how = f"signal {signal.Signals(-returncode).name}" if returncode < 0 else f"exit code {returncode}"
    try:
        with open(std_log, "rb") as handle:
            handle.seek(max(0, os.path.getsize(std_log) - 16384))
            tail = handle.read().decode("utf-8", errors="replace").splitlines()
    except OSError:
        tail = []
    if any(line.startswith("Traceback") for line in tail):
        last = next((line for line in reversed(tail) if line.strip() and not line.startswith(" ")), "")
        return f"{last} (the script ended with {how}; see user_logs/std_log.txt for the traceback)"
    return f"The script ended with {how}."


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m jupyter_estimator.runner.supervisor <workspace> <run_id>", file=sys.stderr)
        return 2
    supervisor = Supervisor(args[0], args[1])
    try:
        supervisor.run()
    except BaseException as exc:  # record, never leave a run hanging in a live state
        reserve = getattr(supervisor, "reserve", None)
        if reserve is not None:
            reserve.release()
        with contextlib.suppress(OSError):
            traceback.print_exc()
        if supervisor.process is not None:  # nor a script running with nobody watching it
            supervisor.process.kill()
            supervisor.process.close()
        if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
            error = {"code": "NoSpaceLeft", "message": f"No space left on {exc.filename or supervisor.folder.path}. "
                                                      "Fix: free space on that disk, then re-submit."}
        else:
            error = {"code": "SupervisorError", "message": f"{type(exc).__name__}: {exc}"}
        supervisor.move(RunStatus.FAILED, error=error)
        return 1
    finally:
        reserve = getattr(supervisor, "reserve", None)
        if reserve is not None:
            reserve.release()
    return 0


if __name__ == "__main__":
    sys.exit(main())
