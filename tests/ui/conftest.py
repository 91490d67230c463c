"""A real JupyterLab server and the system Chromium (through Playwright; browsers are never downloaded)."""

from __future__ import annotations

import shutil
import signal
from pathlib import Path

import pytest

from server.conftest import LiveServer

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = REPO / "test-output" / "ui"
FLAGS = ["--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]
HAVE_CHROMIUM = Path(CHROMIUM).exists()


class LabServer(LiveServer):
    command = "jupyterlab"


def start_lab(tmp_path: Path, monkeypatch, estimator_enabled: bool = True) -> LabServer:
    root = tmp_path / "root"
    shutil.copytree(REPO / "notebooks", root)
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(runtime))
    return LabServer(root, tmp_path / "workspace", "/", runtime, estimator_enabled=estimator_enabled).start()


@pytest.fixture
def lab(tmp_path, monkeypatch):
    server = start_lab(tmp_path, monkeypatch)
    yield server
    server.kill(signal.SIGTERM)


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        yield page
        browser.close()
