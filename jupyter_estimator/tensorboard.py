"""`Tensorboard([runs]).start()` (AML's name): a TensorBoard process over the runs' `logs/` folders.

It listens on 127.0.0.1 only, on a free port; readiness is awaited with a generous timeout and its
output is kept, so a failure says why. TensorBoard re-reads the folders every `RELOAD_SECONDS`, so new
event files and new scalars written by a running script appear without a restart.

One process serves one set of runs: starting TensorBoard again over the same runs (another click, another
`Tensorboard` object over the same runs) reuses the process that is already running. Runs that have
nothing for TensorBoard (no event files under `logs/`) and will not write any more (they are final) are
refused with a message that names them and says how to log, instead of an empty TensorBoard.

How a TensorBoard's life is tied to its starter's: see tensorboard_processes.py.
"""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from .core.errors import ExperimentExecutionException, UserErrorException, invalid
from .core.status import is_terminal
from .store.liveness import process_start_ticks
from .store.files import write_json_atomic
from .tensorboard_processes import (REGISTRY_FOLDER, TEMP_PREFIX, _identity, _Process, _remove, _spawn,  # noqa: F401
                                    _tail, _terminate, reap_strays)

READY_TIMEOUT = 90.0
RELOAD_SECONDS = 2  # how often TensorBoard re-reads the logs folders (its default is 5 s)


class NoTensorboardLogs(UserErrorException):
    """None of the runs has anything TensorBoard can show, and none of them is still running."""

    def __init__(self, run_ids: list[str]) -> None:
        self.run_ids = list(run_ids)
        names = ", ".join(self.run_ids)
        verb = "has" if len(self.run_ids) == 1 else "have"
        super().__init__(
            f"runs: {names} {verb} no TensorBoard logs (no event files under logs/), so TensorBoard would be empty. "
            "Fix: write TensorBoard event files to ./logs in the training script, e.g. "
            "torch.utils.tensorboard.SummaryWriter('logs') or tf.summary.create_file_writer('logs'), "
            "and run it again.", field="runs")


def free_port(preferred: int | None = None) -> int:
    for candidate in ([preferred] if preferred else []) + [0]:  # preferred 0/None: any free port
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise OSError("no free port")


def logdir_spec(runs: list[Any]) -> str:
    parts = []
    for run in runs:
        logs = Path(run.path) / "logs"
        parts.append(f"{run.id}:{logs}")
    return ",".join(parts)


def has_tensorboard_data(logs: Path) -> bool:
    """Whether `logs` holds anything TensorBoard shows: an event file (`*tfevents*`) or plugin data (`plugins/`)."""
    if not logs.is_dir():
        return False
    for root, dirs, files in os.walk(logs):
        if any("tfevents" in name for name in files):
            return True
        if "plugins" in Path(root).relative_to(logs).parts and files:
            return True
    return False


def _is_live(run: Any) -> bool:
    """Whether the run may still write logs; unknown counts as live (never refuse what might fill up)."""
    live = getattr(run, "live", None)
    if isinstance(live, bool):
        return live
    get_status = getattr(run, "get_status", None)
    if callable(get_status):
        try:
            return not is_terminal(get_status())
        except Exception:  # noqa: BLE001 - a status we cannot read must not block TensorBoard
            return True
    return True


def runs_without_logs(runs: list[Any]) -> list[str]:
    return [run.id for run in runs if not has_tensorboard_data(Path(run.path) / "logs")]


def check_logs(runs: list[Any]) -> list[str]:
    """Raise NoTensorboardLogs when TensorBoard over `runs` would be empty for good; else return the ids of the
    runs that have no logs (yet), which TensorBoard will simply not list until they write some."""
    missing = runs_without_logs(runs)
    if len(missing) == len(runs) and not any(_is_live(run) for run in runs):
        raise NoTensorboardLogs(missing)
    return missing


# The TensorBoard processes this Python process started, one per set of runs (and path prefix).
_running: dict[tuple, _Process] = {}
_starting: dict[tuple, threading.Lock] = {}
_registry_lock = threading.Lock()


def _process_key(runs: list[Any], path_prefix: str) -> tuple:
    return (path_prefix,) + tuple(sorted({(str(r.id), str(r.path)) for r in runs}))


class Tensorboard:
    def __init__(self, runs: list[Any], local_root: str | None = None, port: int = 6006, path_prefix: str = "",
                 registry: str | Path | None = None) -> None:
        if not isinstance(runs, (list, tuple)) or not runs or not all(hasattr(r, "id") and hasattr(r, "path") for r in runs):
            raise invalid("runs", runs, "must be a non-empty list of Run objects", "pass e.g. Tensorboard([run])")
        self.runs, self.port, self.path_prefix = list(runs), port, path_prefix.rstrip("/")
        self.process: subprocess.Popen | None = None
        self.url: str | None = None
        self._log_path: str | None = None
        self.registry = registry  # where to record the process (default: `tensorboards/` in the runs' workspace)

    def _server(self) -> Any:
        experiment = getattr(self.runs[0], "experiment", None)
        return getattr(getattr(experiment, "workspace", None), "_server", None) if experiment is not None else None

    def start(self, start_browser: bool = False) -> str:
        """Start (or reuse) TensorBoard over the runs and return its URL: behind the Jupyter server's
        authenticated proxy when the workspace has one, else a local process on 127.0.0.1."""
        if self.process is not None and self.process.poll() is None:
            return self.url or ""
        server = self._server()
        if server is not None and not self.path_prefix:
            described = server.request("POST", "tensorboards", {"runs": [r.id for r in self.runs]}, timeout=180)
            self.server_key = described["id"]
            self.url = server.url + described["path"]
            return self.url
        key = _process_key(self.runs, self.path_prefix)
        with _registry_lock:
            lock = _starting.setdefault(key, threading.Lock())
        with lock:
            running = _running.get(key)
            if running is None or running.process.poll() is not None:
                if running is not None:
                    _terminate(running)  # it exited by itself: only its output file is left to remove
                check_logs(self.runs)
                running = self._launch()
                with _registry_lock:
                    _running[key] = running
        self.process, self.url, self._log_path = running.process, running.url, running.log_path
        if start_browser:
            import webbrowser
            webbrowser.open(self.url)
        return self.url

    def _registry(self) -> Path | None:
        if self.registry is not None:
            return Path(self.registry)
        workspace = getattr(getattr(self.runs[0], "experiment", None), "workspace", None)
        store = getattr(workspace, "store", None)
        root = getattr(store, "root", None)
        return Path(root) / REGISTRY_FOLDER if root is not None else None

    def _launch(self) -> _Process:
        registry = self._registry()
        if registry is not None:
            reap_strays(registry)  # what an earlier, killed starter left behind
        port = free_port(self.port)
        argv = [sys.executable, "-m", "tensorboard.main", "--logdir_spec", logdir_spec(self.runs), "--host", "127.0.0.1",
                "--port", str(port), "--reload_interval", str(RELOAD_SECONDS)]
        if self.path_prefix:
            argv += ["--path_prefix", self.path_prefix]
        temp_dir = tempfile.mkdtemp(prefix=TEMP_PREFIX)
        log_path = os.path.join(temp_dir, "tensorboard.log")
        own_tmp = os.path.join(temp_dir, "tmp")  # TensorBoard's own temp files (.tensorboard-info, its data server's)
        os.mkdir(own_tmp)
        entry, record = None, {"temp_dir": temp_dir, "owner": _identity(os.getpid()), "pid": None, "start_ticks": None,
                               "argv": argv}
        if registry is not None:  # recorded before the process exists: a starter killed right now leaves no stray folder
            try:
                registry.mkdir(parents=True, exist_ok=True)
                entry = registry / (os.path.basename(temp_dir) + ".json")
                write_json_atomic(entry, record)
            except OSError:  # a read-only workspace: TensorBoard still starts, tied to its starter all the same
                entry = None
        env = {**os.environ, "TMPDIR": own_tmp, "TEMP": own_tmp, "TMP": own_tmp}
        handle = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            process = _spawn(argv, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             start_new_session=True, env=env)
        except BaseException:
            _remove(temp_dir, entry)
            raise
        finally:
            os.close(handle)
        if entry is not None:
            try:
                write_json_atomic(entry, {**record, "pid": process.pid, "start_ticks": process_start_ticks(process.pid)})
            except OSError:
                pass  # the entry without a pid still lets a later sweep remove the temp folder
        running = _Process(process, f"http://127.0.0.1:{port}{self.path_prefix}/", log_path, temp_dir, entry)
        atexit.register(_terminate, running)
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if process.poll() is not None:
                output = _tail(log_path)
                _terminate(running)
                raise ExperimentExecutionException(f"TensorBoard exited with code {process.returncode}:\n{output}")
            try:
                with urllib.request.urlopen(running.url + "data/logdir", timeout=2):
                    return running
            except OSError:
                time.sleep(0.2)
        output = _tail(log_path)
        _terminate(running)
        raise ExperimentExecutionException(f"TensorBoard did not answer within {READY_TIMEOUT:.0f} s:\n{output}")

    def stderr_tail(self, lines: int = 30) -> str:
        return _tail(self._log_path, lines) if self._log_path else ""

    def stop(self) -> None:
        key = getattr(self, "server_key", None)
        if key is not None:
            server = self._server()
            if server is not None:
                server.request("delete", f"tensorboards/{key}")
            self.server_key = None
        if self.process is not None:
            with _registry_lock:
                ours = [key for key, running in _running.items() if running.process is self.process]
                stopping = [_running.pop(key) for key in ours]
            for running in stopping:
                _terminate(running)
            if self.process.poll() is None:  # not from the registry (should not happen): stop it all the same
                _terminate(_Process(self.process, self.url or "", self._log_path or ""))
        self.process = None
