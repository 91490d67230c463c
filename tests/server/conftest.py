"""Server fixtures: pytest-jupyter's in-process server (jp_fetch) and a real `jupyter server` subprocess,
both with only this extension enabled, token auth on, and parametrized over two base URLs."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest


BASE_URLS = ["/", "/user/someone/"]


@pytest.fixture(params=BASE_URLS, ids=["root", "prefixed"])
def jp_base_url(request):
    return request.param


@pytest.fixture
def estimator_home(tmp_path, monkeypatch):
    home = tmp_path / "estimator-ws"
    monkeypatch.setenv("JUPYTER_ESTIMATOR_HOME", str(home))  # restored after the test; the extension sets it too
    monkeypatch.setenv("JUPYTER_ESTIMATOR_NO_SERVER", "1")  # the test process itself stays in-process
    return home


@pytest.fixture
def jp_server_config(estimator_home):
    return {"ServerApp": {"jpserver_extensions": {"jupyter_estimator": True}, "allow_unauthenticated_access": False},
            "EstimatorApp": {"workspace_path": str(estimator_home), "status_poll_interval": 0.1}}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """A real `jupyter server` subprocess on 127.0.0.1, restartable on a new port over the same workspace."""

    command = "jupyter_server"

    def __init__(self, root: Path, workspace: Path, base_url: str, runtime: Path, estimator_enabled: bool = True) -> None:
        self.root, self.workspace, self.base_url, self.runtime = root, workspace, base_url, runtime
        self.estimator_enabled = estimator_enabled
        self.token = secrets.token_hex(16)
        self.process: subprocess.Popen | None = None
        self.port = 0
        self.log_path = root.parent / "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.base_url}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("JUPYTER_ESTIMATOR_NO_SERVER", None)
        env.update({"JUPYTER_RUNTIME_DIR": str(self.runtime), "JUPYTER_ESTIMATOR_HOME": str(self.workspace),
                    # JupyterLab's saved layouts and settings stay inside the test, not in the user's home
                    "JUPYTERLAB_WORKSPACES_DIR": str(self.root.parent / "lab-workspaces"),
                    "JUPYTERLAB_SETTINGS_DIR": str(self.root.parent / "lab-settings")})
        return env

    def start(self) -> "LiveServer":
        self.port = free_port()
        config = self.root.parent / "server_config.json"
        config.write_text(json.dumps({
            "IdentityProvider": {"token": self.token},
            "ServerApp": {"port": self.port, "ip": "127.0.0.1", "port_retries": 0, "open_browser": False,
                          "allow_root": True, "root_dir": str(self.root), "base_url": self.base_url,
                          "allow_unauthenticated_access": False,
                          "jpserver_extensions": {"jupyter_estimator": self.estimator_enabled}},
            "EstimatorApp": {"workspace_path": str(self.workspace), "status_poll_interval": 0.1}}))
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen([sys.executable, "-m", self.command, f"--config={config}"],
                                        env=self.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter server exited: {self.log_path.read_text()[-3000:]}")
            try:
                if self.estimator_enabled:
                    self.request("GET", "workspace", timeout=2)  # any answer: up (a degraded one answers 503)
                else:
                    urllib.request.urlopen(f"{self.url}api/status?token={self.token}", timeout=2).read()
                return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        raise RuntimeError(f"jupyter server did not start: {self.log_path.read_text()[-3000:]}")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=30)

    def request(self, method: str, path: str, body: Any = None, raw: bytes | None = None, token: bool = True,
                timeout: float = 30, headers: dict | None = None) -> tuple[int, Any, bytes]:
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        request = urllib.request.Request(f"{self.url}estimator/api/{path}", data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"token {self.token}")
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                payload = response.read()
                status = response.status
        except urllib.error.HTTPError as exc:
            payload, status = exc.read(), exc.code
        try:
            parsed = json.loads(payload) if payload else None
        except ValueError:
            parsed = None
        return status, parsed, payload

    def get(self, path: str, timeout: float = 30) -> Any:
        status, body, _ = self.request("GET", path, timeout=timeout)
        if status != 200:
            raise urllib.error.URLError(f"GET {path}: {status} {body}")
        return body


@pytest.fixture(params=BASE_URLS, ids=["root", "prefixed"])
def live_server(request, tmp_path, monkeypatch):
    root = tmp_path / "root"
    root.mkdir()
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(runtime))
    server = LiveServer(root, tmp_path / "workspace", request.param, runtime).start()
    yield server
    server.kill(signal.SIGTERM)


def submit_body(source_directory: Path, script: str, arguments: list | None = None, experiment: str = "rest",
                **extra: Any) -> dict[str, Any]:
    """The JSON a kernel sends: built by the SDK from a ScriptRunConfig (user_managed: this interpreter)."""
    from jupyter_estimator import Environment, ScriptRunConfig
    from jupyter_estimator.client.submission import build_request
    env = Environment("rest-env")
    env.python.user_managed_dependencies = True
    config = ScriptRunConfig(str(source_directory), script=script, arguments=arguments, environment=env)
    body = build_request(experiment, config).model_dump(mode="json")
    body.update(extra)
    return body
