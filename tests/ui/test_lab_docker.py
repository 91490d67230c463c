"""A Docker run in the JupyterLab run view (system Chromium): opened as soon as it is submitted (while its
environment image is being prepared), the view shows the container's log lines and its metric chart live,
while the run is Running, and lists the image build log. Screenshot: test-output/ui/lab-docker-run-view.png."""

from __future__ import annotations

import re
import time

import pytest

from conftest import wait_for
from containers.conftest import TEST_IMAGE, docker_client  # noqa: F401 - the engine and the test image, made ready
from server.conftest import submit_body

from .conftest import HAVE_CHROMIUM, SCREENSHOTS, open_lab, open_run_view, project

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not HAVE_CHROMIUM, reason="needs the system Chromium (apt-get install chromium)")]

NUMBERED = """
import os, time
from jupyter_estimator import Run
run = Run.get_context()
print('in a container:', os.path.exists('/.dockerenv'), flush=True)
for i in range(1, 601):
    print(f'line {i:03d}', flush=True)
    run.log('loss', 1 / i)
    time.sleep(0.25)
"""


def lines_shown(view) -> list[int]:
    return [int(n) for n in re.findall(r"line (\d{3})", view.locator(".jest-lab-log").inner_text())]


def points_shown(metric) -> int:
    return int(re.search(r"(\d+) points?", metric.locator(".jest-lab-metric-summary").inner_text()).group(1))


def test_a_docker_runs_log_and_metric_appear_live_in_the_run_view(lab, browser_page, docker_client):
    from playwright.sync_api import expect
    page = browser_page
    open_lab(page, lab)
    body = submit_body(project(lab, "numbered.py", NUMBERED), "numbered.py", experiment="lab-docker", use_docker=True)
    body["environment"]["docker"].update({"enabled": True, "base_image": TEST_IMAGE})
    status, run, raw = lab.request("POST", "runs", body)
    assert status == 201, raw
    label = {"label": f"jupyter_estimator.run_id={run['id']}"}
    try:
        view = open_run_view(page, run["id"])  # at once: the view follows the log from before the container starts
        log = view.locator(".jest-lab-log")
        expect(log).to_contain_text("in a container: True", timeout=120_000)
        expect(log).to_contain_text("line 005", timeout=60_000)
        first = max(lines_shown(view))
        expect(log).to_contain_text(f"line {first + 8:03d}", timeout=30_000)  # new lines keep arriving
        metric = view.locator(".jest-lab-metric[data-metric='loss']")
        expect(metric.locator(".jest-lab-chart canvas")).to_have_count(1, timeout=30_000)
        expect(metric.locator(".jest-lab-metric-summary")).to_contain_text("points", timeout=30_000)
        drawn = points_shown(metric)
        wait_for(lambda: points_shown(metric) >= drawn + 4, 30, message="the chart to grow")  # redrawn as points arrive
        expect(view.locator(".jest-lab-view-header .jest-lab-badge")).to_have_text("Running")
        assert docker_client.containers.list(filters=label)  # the lines come from a container running now
        assert lab.get(f"runs/{run['id']}")["status"] == "Running"  # what we saw was live
        shown = lines_shown(view)
        assert shown == list(range(1, max(shown) + 1)), shown  # every line once, in order
        options = [o.get_attribute("value") for o in view.locator(".jest-lab-log-select option").all()]
        assert "azureml-logs/20_image_build.txt" in options, options
        page.screenshot(path=str(SCREENSHOTS / "lab-docker-run-view.png"))
        # the build log, picked from the same view
        view.locator(".jest-lab-log-select").select_option("azureml-logs/20_image_build.txt")
        expect(log).to_contain_text(f"Image {TEST_IMAGE} is on the engine.", timeout=30_000)
    finally:
        lab.request("POST", f"runs/{run['id']}/cancel", {})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and docker_client.containers.list(all=True, filters=label):
        time.sleep(0.2)
    assert not docker_client.containers.list(all=True, filters=label)
