"""A real browser (the system Chromium, driven by Playwright) runs the quickstart notebook in JupyterLab and
sees the RunDetails widget show Completed, log lines and a metric chart. Screenshots go to test-output/ui/."""

from __future__ import annotations

import pytest

from .conftest import CHROMIUM, FLAGS, HAVE_CHROMIUM, SCREENSHOTS

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not HAVE_CHROMIUM, reason="needs the system Chromium (apt-get install chromium)")]


def test_quickstart_runs_in_jupyterlab_and_the_widget_shows_the_run(lab):
    from playwright.sync_api import expect, sync_playwright
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        try:
            page.goto(f"{lab.url}lab/tree/quickstart.ipynb?token={lab.token}", timeout=120_000)
            page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=120_000)
            accept = page.locator(".jp-Dialog .jp-mod-accept")
            try:  # JupyterLab may ask which kernel to start; the notebook's own (python3) is preselected
                accept.wait_for(timeout=15_000)
                accept.click()
            except Exception:
                pass
            expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first).to_be_visible(timeout=120_000)
            page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
            status = page.locator(".jest-run-details .jest-status").first
            expect(status).to_have_text("Completed", timeout=90_000)
            widget = page.locator(".jest-run-details").first
            expect(widget.locator(".jest-log")).to_contain_text("epoch 24", timeout=30_000)
            chart = widget.locator(".jest-chart[data-metric='loss']")
            expect(chart.locator("canvas")).to_have_count(1)  # a uPlot chart
            expect(chart).to_have_attribute("data-points", "25")
            widget.scroll_into_view_if_needed()
            widget.screenshot(path=str(SCREENSHOTS / "run-details.png"))
            page.screenshot(path=str(SCREENSHOTS / "quickstart.png"), full_page=False)
            form_monitor = page.locator(".jest-run-details").nth(1)
            expect(form_monitor.locator(".jest-status")).to_have_text("Completed", timeout=120_000)
            expect(form_monitor.locator(".jest-log")).to_contain_text("hello from the form")
        except Exception:
            page.screenshot(path=str(SCREENSHOTS / "failure.png"))
            raise
        finally:
            browser.close()
