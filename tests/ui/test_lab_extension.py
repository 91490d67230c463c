"""The JupyterLab extension in the system Chromium: the sidebar follows runs live, the run view shows the
log and metrics, cancel works from the sidebar, and the TensorBoard panel shows scalars written after it
opened. Screenshots go to test-output/ui/."""

from __future__ import annotations

import time

import pytest

from server.conftest import submit_body

from .conftest import HAVE_CHROMIUM, SCREENSHOTS, lab_settings, open_lab, project, row, submit

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not HAVE_CHROMIUM, reason="needs the system Chromium (apt-get install chromium)")]


GATED = "import os, time\nwhile not os.path.exists(os.environ['GATE']):\n    time.sleep(0.05)\nprint('done')\n"


def test_sidebar_follows_status_changes_through_server_events(lab, browser_page, tmp_path):
    from playwright.sync_api import expect
    lab_settings(lab, refreshInterval=3600)  # the fallback poll never fires here: only server events can move a row
    page = browser_page
    open_lab(page, lab)
    gate = tmp_path / "gate"
    run = submit(lab, "gated.py", GATED, "sidebar", environment_variables={"GATE": str(gate)})
    target = row(page, run["id"])
    expect(target).to_have_attribute("data-status", "Running", timeout=60_000)  # held there until the gate opens
    gate.write_text("go")
    expect(target).to_have_attribute("data-status", "Completed", timeout=60_000)
    page.locator(".jest-lab-browser").screenshot(path=str(SCREENSHOTS / "sidebar.png"))


def test_run_view_shows_live_log_and_metrics_and_cancel_from_the_sidebar(lab, browser_page):
    page = browser_page
    open_lab(page, lab)
    source = project(lab, "long.py", (
        "import time\nfrom jupyter_estimator import Run\nrun = Run.get_context()\n"
        "for i in range(600):\n    print('tick', i, flush=True)\n    run.log('loss', 1 / (i + 1))\n    time.sleep(0.1)\n"))
    run = lab.request("POST", "runs", submit_body(source, "long.py", experiment="view", tags={"team": "vision"}))[1]
    row = page.locator(f".jest-lab-run-row[data-run-id='{run['id']}']")
    row.wait_for(timeout=10_000)
    row.dblclick()
    view = page.locator(f".jest-lab-run-view[data-run-ids='{run['id']}']")
    from playwright.sync_api import expect
    expect(view.locator(".jest-lab-log")).to_contain_text("tick 10", timeout=30_000)
    expect(view.locator(".jest-lab-metric[data-metric='loss'] .jest-lab-chart canvas")).to_have_count(1, timeout=10_000)
    assert lab.get(f"runs/{run['id']}")["status"] == "Running"  # what we saw was live
    page.screenshot(path=str(SCREENSHOTS / "run-view.png"))
    row.click(button="right")
    page.locator(".lm-Menu-itemLabel", has_text="Cancel Run").first.click()
    expect(row).to_have_attribute("data-status", "Canceled", timeout=30_000)
    assert lab.get(f"runs/{run['id']}")["status"] == "Canceled"


TB_SCRIPT = """
import os, time
from tensorboard.compat.proto.event_pb2 import Event
from tensorboard.compat.proto.summary_pb2 import Summary
from tensorboard.summary.writer.event_file_writer import EventFileWriter
writer = EventFileWriter("logs")
def scalar(tag, step, value):
    writer.add_event(Event(wall_time=time.time(), step=step, summary=Summary(value=[Summary.Value(tag=tag, simple_value=value)])))
    writer.flush()
for step in range(3):
    scalar("early_loss", step, 1.0 / (step + 1))
print("early written", flush=True)
while not os.path.exists(os.environ["GATE"]):
    time.sleep(0.1)
for step in range(3):
    scalar("late_accuracy", step, 0.5 + step / 10)
print("late written", flush=True)
time.sleep(120)
"""


def test_tensorboard_panel_shows_a_scalar_written_after_it_opened(lab, browser_page, tmp_path):
    page = browser_page
    open_lab(page, lab)
    gate = tmp_path / "gate"
    source = project(lab, "tb.py", TB_SCRIPT)
    run = lab.request("POST", "runs", submit_body(source, "tb.py", experiment="tb", environment_variables={"GATE": str(gate)}))[1]
    lab.request("GET", f"runs/{run['id']}/logs?wait=20")
    row = page.locator(f".jest-lab-run-row[data-run-id='{run['id']}']")
    row.wait_for(timeout=10_000)
    row.click(button="right")
    page.locator(".lm-Menu-itemLabel", has_text="Open TensorBoard").first.click()
    frame = page.frame_locator("iframe.jest-lab-tensorboard-frame")
    from playwright.sync_api import expect
    expect(frame.get_by_text("early_loss").first).to_be_visible(timeout=120_000)
    page.screenshot(path=str(SCREENSHOTS / "tensorboard-panel-before.png"))
    gate.write_text("go")  # only now does the script write the late scalar
    src = page.locator("iframe.jest-lab-tensorboard-frame").get_attribute("src")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # TensorBoard's backend reloads the folder on its own (every 2 s here)
        tags = page.evaluate(f"fetch({src!r} + 'data/plugin/scalars/tags').then(r => r.json())")
        if any("late_accuracy" in run_tags for run_tags in tags.values()):
            break
        time.sleep(0.5)
    reload = frame.locator("button[title^='Last Updated'], button[title*='eload']")
    try:
        reload.first.click(timeout=5_000)  # the front end would pick it up on its 30 s timer anyway
    except Exception:
        pass
    expect(frame.get_by_text("late_accuracy").first).to_be_visible(timeout=60_000)
    page.screenshot(path=str(SCREENSHOTS / "tensorboard-panel.png"))
    page.reload()  # the panel is restored with the layout
    expect(page.frame_locator("iframe.jest-lab-tensorboard-frame").get_by_text("late_accuracy").first).to_be_visible(timeout=120_000)
    lab.request("POST", f"runs/{run['id']}/cancel")


def test_deep_link_opens_the_run_view(lab, browser_page):
    from playwright.sync_api import expect
    source = project(lab, "linked.py", "from jupyter_estimator import Run\nRun.get_context().log('acc', 0.5)\nprint('linked run')\n")
    run = lab.request("POST", "runs", submit_body(source, "linked.py", experiment="links"))[1]
    browser_page.goto(f"{lab.url}lab?token={lab.token}&estimator-run={run['id']}", timeout=120_000)
    view = browser_page.locator(f".jest-lab-run-view[data-run-ids='{run['id']}']")
    expect(view.locator(".jest-lab-log")).to_contain_text("linked run", timeout=60_000)
    expect(view.locator(".jest-lab-badge")).to_have_text("Completed", timeout=30_000)


def test_sidebar_explains_a_missing_server_extension(tmp_path, monkeypatch, browser_page):
    import signal
    from playwright.sync_api import expect
    from .conftest import start_lab
    server = start_lab(tmp_path, monkeypatch, estimator_enabled=False)
    try:
        open_lab(browser_page, server)
        expect(browser_page.locator(".jest-lab-message")).to_contain_text("server extension is not enabled", timeout=30_000)
        expect(browser_page.locator(".jest-lab-message")).to_contain_text("jupyter server extension enable jupyter_estimator")
        browser_page.locator(".jest-lab-browser").screenshot(path=str(SCREENSHOTS / "sidebar-no-server-extension.png"))
    finally:
        server.kill(signal.SIGTERM)
