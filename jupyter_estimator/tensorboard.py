"""`Tensorboard([runs]).start()` (AML's name): a TensorBoard process over the runs' `logs/` folders.

It listens on 127.0.0.1 only, on a free port; readiness is awaited with a generous timeout and its
stderr is kept, so a failure says why. New event files written to a running script's ./logs appear
without a restart (TensorBoard reloads the folders itself).
"""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from .core.errors import ExperimentExecutionException, invalid

READY_TIMEOUT = 90.0


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


class Tensorboard:
    def __init__(self, runs: list[Any], local_root: str | None = None, port: int = 6006, path_prefix: str = "") -> None:
        if not isinstance(runs, (list, tuple)) or not runs or not all(hasattr(r, "id") and hasattr(r, "path") for r in runs):
            raise invalid("runs", runs, "must be a non-empty list of Run objects", "pass e.g. Tensorboard([run])")
        self.runs, self.port, self.path_prefix = list(runs), port, path_prefix.rstrip("/")
        self.process: subprocess.Popen | None = None
        self.url: str | None = None
        self._stderr = tempfile.NamedTemporaryFile(prefix="tensorboard-", suffix=".log", delete=False)

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
        port = free_port(self.port)
        argv = [sys.executable, "-m", "tensorboard.main", "--logdir_spec", logdir_spec(self.runs), "--host", "127.0.0.1",
                "--port", str(port), "--reload_interval", "2"]
        if self.path_prefix:
            argv += ["--path_prefix", self.path_prefix]
        self.process = subprocess.Popen(argv, stdout=self._stderr, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        start_new_session=True)
        atexit.register(self.stop)
        self.url = f"http://127.0.0.1:{port}{self.path_prefix}/"
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ExperimentExecutionException(f"TensorBoard exited with code {self.process.returncode}:\n{self.stderr_tail()}")
            try:
                with urllib.request.urlopen(self.url + "data/logdir", timeout=2):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            self.stop()
            raise ExperimentExecutionException(f"TensorBoard did not answer within {READY_TIMEOUT:.0f} s:\n{self.stderr_tail()}")
        if start_browser:
            import webbrowser
            webbrowser.open(self.url)
        return self.url

    def stderr_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(Path(self._stderr.name).read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        key = getattr(self, "server_key", None)
        if key is not None:
            server = self._server()
            if server is not None:
                server.request("DELETE", f"tensorboards/{key}")
            self.server_key = None
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None
        try:
            os.unlink(self._stderr.name)
        except OSError:
            pass
