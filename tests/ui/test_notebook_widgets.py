"""The notebook widgets in JupyterLab, in the system Chromium: the EstimatorForm shows no error before anything
is typed, refuses what Submit refuses in Submit's words, shows the targets the server cannot run (a Docker target
whose engine does not answer) disabled with the reason, offers "Run in Docker" where the engine answers, and
"Insert code" adds the cell below the form at once (no other cell runs); RunDetails draws
a metric as a uPlot chart with a tooltip on hover, a single value as a number, and NaN/inf as gaps.
Screenshots go to test-output/ui/."""

from __future__ import annotations

import json
import re

import pytest

from server.conftest import submit_body

from .conftest import HAVE_CHROMIUM, SCREENSHOTS, project

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not HAVE_CHROMIUM, reason="needs the system Chromium (apt-get install chromium)")]

CHART_SCRIPT = """from jupyter_estimator import Run
run = Run.get_context()
for step in range(25):
    run.log("loss", float("nan") if step == 5 else float("inf") if step == 6 else 1 / (step + 1) ** 0.5, step=step)
run.log("accuracy", 0.9375)
print("logged")
"""


def code_cell(source: str) -> dict:
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}


def write_notebook(path, cells: list[str]) -> None:
    path.write_text(json.dumps({"cells": [code_cell(c) for c in cells], "metadata": {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4, "nbformat_minor": 5}))


def open_notebook(page, lab, name: str) -> None:
    from playwright.sync_api import expect
    page.goto(f"{lab.url}lab/tree/{name}?token={lab.token}", timeout=120_000)
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=120_000)
    accept = page.locator(".jp-Dialog .jp-mod-accept")
    try:  # JupyterLab may ask which kernel to start; the notebook's own (python3) is preselected
        accept.wait_for(timeout=10_000)
        accept.click()
    except Exception:
        pass
    expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first).to_be_visible(timeout=120_000)


def run_cell(page, index: int) -> None:
    """Select the cell at `index` (command mode) and run it, staying there."""
    cell = page.locator(".jp-Notebook .jp-Cell").nth(index)
    cell.locator(".jp-InputPrompt").click()
    page.keyboard.press("Control+Enter")


def rounded(value: float) -> str:
    """Four significant digits, no trailing zeros (how the chart writes values)."""
    text = f"{value:.4g}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def cell_sources(page) -> list[str]:
    return [text.replace("\u200b", "") for text in page.locator(".jp-Notebook .jp-Cell .jp-InputArea-editor").all_inner_texts()]


def test_form_and_run_details_in_jupyterlab(lab, browser_page):
    from playwright.sync_api import expect
    page = browser_page
    project(lab, "train.py", "print('hello from the form')\n")
    from jupyter_estimator import ComputeTarget, DockerCompute, Workspace
    ComputeTarget.create(Workspace(path=lab.workspace), "deadbox", DockerCompute.provisioning_configuration(
        base_url="unix:///tmp/jupyter-estimator-no-engine.sock"))
    write_notebook(lab.root / "widgets.ipynb", [
        "%load_ext jupyter_estimator\nfrom jupyter_estimator.widgets import EstimatorForm\nform = EstimatorForm(experiment='ui-form', source_directory='ui-project')\nform",
        "print('the cell after the form')",
        "%%estimator --user-managed --experiment ui-chart --name chart_run --wait\n" + CHART_SCRIPT,
        "from jupyter_estimator.widgets import RunDetails\nRunDetails(chart_run).show()",
    ])
    try:
        open_notebook(page, lab, "widgets.ipynb")
        run_cell(page, 0)
        form = page.locator(".jest-estimator-form")
        expect(form).to_be_visible(timeout=60_000)
        expect(form.locator(".jest-form-hint")).to_be_visible(timeout=30_000)
        expect(form.locator(".jest-form-error")).to_have_count(0)  # nothing typed: no error
        expect(form.locator("button", has_text="Submit")).to_be_disabled()
        # the targets the server reports it cannot run: disabled, the reason as the tooltip
        expect(form.locator("button[title*='no Docker engine answered at unix:///tmp/jupyter-estimator-no-engine.sock']",
                            has_text="deadbox")).to_be_disabled()
        expect(form.locator("button[title*='Ray target is not available']", has_text="ray")).to_be_disabled()
        expect(form.locator(".widget-checkbox", has_text="Run in Docker").locator("input")).to_be_enabled()  # the engine answers
        form.locator("input[placeholder='train.py']").fill("train.py")
        expect(form.locator(".jest-form-ready")).to_have_text("Ready to submit.", timeout=30_000)
        expect(form.locator("button", has_text="Submit")).to_be_enabled()
        page.screenshot(path=str(SCREENSHOTS / "form-ready.png"))

        nodes = form.locator(".widget-inline-hbox", has=page.locator("label", has_text=re.compile("^Nodes$"))).locator("input")
        distributed = form.locator(".widget-dropdown", has_text="Distributed").locator("select")
        nodes.fill("2")
        nodes.press("Enter")
        distributed.select_option("mpi")
        body = submit_body(lab.root / "ui-project", "train.py", experiment="ui-form")
        body["distributed"]["node_count"] = 2
        refusal = lab.request("POST", "runs", body)
        assert refusal[0] == 400 and refusal[1]["message"].startswith("distributed_training: ")
        expect(form.locator(".jest-form-error")).to_have_text(refusal[1]["message"], timeout=30_000)  # Submit's words
        expect(form.locator("button", has_text="Submit")).to_be_disabled()
        form.screenshot(path=str(SCREENSHOTS / "form-refuses-nodes.png"))
        nodes.fill("1")
        nodes.press("Enter")
        distributed.select_option("none")
        form.locator("input[placeholder='(none: run locally)']").fill("python:3.11-slim")  # a Docker run: accepted
        expect(form.locator(".jest-form-ready")).to_have_text("Ready to submit.", timeout=30_000)

        before = cell_sources(page)
        assert len(before) == 4
        form.locator("button.jest-insert-code").click()
        cells = page.locator(".jp-Notebook .jp-Cell")
        expect(cells).to_have_count(5, timeout=15_000)  # at once: no other cell has run
        inserted = cells.nth(1).locator(".jp-InputArea-editor")
        expect(inserted).to_contain_text("from jupyter_estimator import Workspace, Experiment, Estimator")
        expect(inserted).to_contain_text("custom_docker_image='python:3.11-slim'")
        expect(cells.nth(2).locator(".jp-InputArea-editor")).to_contain_text("the cell after the form")
        assert page.locator(".jp-Notebook .jp-Cell .jp-InputPrompt", has_text="[2]").count() == 0  # nothing else ran
        page.screenshot(path=str(SCREENSHOTS / "form-inserted-code.png"))

        run_cell(page, 3)  # the %%estimator cell, which now follows the inserted one
        run_cell(page, 4)  # RunDetails(chart_run).show()
        details = page.locator(".jest-run-details").last
        expect(details.locator(".jest-status")).to_have_text("Completed", timeout=120_000)
        chart = details.locator(".jest-chart[data-metric='loss']")
        expect(chart.locator("canvas")).to_have_count(1, timeout=30_000)
        expect(chart).to_have_attribute("data-count", "25")
        expect(chart).to_have_attribute("data-points", "23")  # NaN and inf are gaps, not points
        expect(details.locator(".jest-chart[data-metric='accuracy'] .jest-single-value")).to_have_text("0.9375")
        details.scroll_into_view_if_needed()
        over = chart.locator(".u-over")
        box = over.bounding_box()
        over.hover(position={"x": box["width"] * 0.5, "y": box["height"] * 0.5})
        tooltip = chart.locator(".jest-tooltip")
        expect(tooltip).to_be_visible(timeout=10_000)
        text = tooltip.inner_text()
        match = re.search(r"step (\d+)\s+loss: ([\d.]+)", text)
        assert match, text
        step, shown = int(match.group(1)), match.group(2)
        assert shown == rounded(1 / (step + 1) ** 0.5)  # the logged value at that step, to four digits
        details.screenshot(path=str(SCREENSHOTS / "run-details-tooltip.png"))
        over.hover(position={"x": 2, "y": box["height"] * 0.5})
        expect(tooltip).to_contain_text("step 0")
        expect(details.locator(".jest-message")).to_have_text("")
    except Exception:
        page.screenshot(path=str(SCREENSHOTS / "widgets-failure.png"))
        raise
