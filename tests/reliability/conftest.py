"""Reliability tests: each reproduces a fault from issue 9 with real processes (servers, supervisors, scripts)."""

from __future__ import annotations

import signal

import pytest

from server.conftest import LiveServer, submit_body  # noqa: F401  (shared with the server tests)


@pytest.fixture
def live_server(tmp_path, monkeypatch):
    """One real `jupyter server` (root base URL) over a fresh workspace."""
    root = tmp_path / "root"
    root.mkdir()
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(runtime))
    server = LiveServer(root, tmp_path / "workspace", "/", runtime).start()
    yield server
    server.kill(signal.SIGTERM)
