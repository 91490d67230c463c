"""A real JupyterLab server and the system Chromium (through Playwright; browsers are never downloaded)."""

from __future__ import annotations

import json
import shutil
import signal
import time
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


def project(lab, name: str, code: str) -> Path:
    """A script in a folder under the server's root (REST submissions may snapshot only there)."""
    folder = lab.root / "ui-project"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(code)
    return folder


def submit(lab, name: str, code: str, experiment: str, **extra) -> dict:
    """Submit `code` as script `name` through the server's REST API, as a kernel would; the run's summary."""
    from server.conftest import submit_body
    status, body, raw = lab.request("POST", "runs", submit_body(project(lab, name, code), name, experiment=experiment, **extra))
    assert status == 201, raw
    return body


def wait_final(lab, run_id: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = lab.get(f"runs/{run_id}")["status"]
        if status in ("Completed", "Failed", "Canceled"):
            return status
        time.sleep(0.1)
    raise AssertionError(f"run {run_id} did not finish in {timeout} s")


def open_lab(page, lab, query: str = "") -> None:
    """JupyterLab with the run browser shown."""
    page.goto(f"{lab.url}lab?token={lab.token}{query}", timeout=120_000)
    page.wait_for_selector(".jp-LabShell", timeout=120_000)
    tab = page.locator(".jp-SideBar [title='Estimator runs']").first
    tab.wait_for(timeout=60_000)
    page.wait_for_timeout(1000)  # let the layout restore first: a click on an already open panel would close it
    if not page.locator(".jest-lab-browser").is_visible():
        tab.click()
    page.wait_for_selector(".jest-lab-browser .jest-lab-count", timeout=30_000)


def row(page, run_id: str):
    return page.locator(f".jest-lab-run-row[data-run-id='{run_id}']")


def open_run_view(page, run_id: str):
    """Double-click the run's row; the run view (main area) that opens."""
    target = row(page, run_id)
    target.wait_for(timeout=30_000)
    target.dblclick()
    view = page.locator(f".jest-lab-run-view[data-run-ids='{run_id}']")
    view.wait_for(timeout=30_000)
    return view


def lab_settings(lab, **values) -> None:
    """User settings of the extension (Settings → Estimator runs), written where this server's Lab reads them."""
    folder = lab.root.parent / "lab-settings" / "jupyter-estimator"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plugin.jupyterlab-settings").write_text(json.dumps(values))
