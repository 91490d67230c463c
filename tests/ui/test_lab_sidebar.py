"""The run browser (left sidebar) in the system Chromium: empty states, an experiment filter that learns new
experiments and hides empty ones, search over experiment, tags, status and display name, readable rows, the
command palette, and a page of rows that failed to load is retried. Screenshots go to test-output/ui/."""

from __future__ import annotations

import re
import time

import pytest

from .conftest import HAVE_CHROMIUM, SCREENSHOTS, lab_settings, open_lab, row, submit, wait_final

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not HAVE_CHROMIUM, reason="needs the system Chromium (apt-get install chromium)")]


def in_process_workspace(lab, monkeypatch):
    """The server's workspace, opened by this test process directly (as a second SDK user would)."""
    monkeypatch.setenv("JUPYTER_ESTIMATOR_NO_SERVER", "1")
    from jupyter_estimator import Workspace
    return Workspace(path=lab.workspace)


def experiment_options(page) -> list[str]:
    return page.locator(".jest-lab-experiment option").evaluate_all("options => options.map(o => o.value)")


def test_experiment_filter_learns_new_experiments_and_leaves_out_empty_ones(lab, browser_page, monkeypatch):
    from playwright.sync_api import expect
    from jupyter_estimator import Experiment
    page = browser_page
    open_lab(page, lab)
    empty = page.locator(".jest-lab-browser .jest-lab-empty")
    expect(empty).to_have_text("No runs yet — submit one with %%estimator", timeout=30_000)
    page.locator(".jest-lab-browser").screenshot(path=str(SCREENSHOTS / "sidebar-empty.png"))

    # A refused submission (a target this server does not allow), and an experiment made without runs.
    from server.conftest import submit_body
    from .conftest import project
    refused = submit_body(project(lab, "refused.py", "print(1)\n"), "refused.py", experiment="refused-exp",
                          compute_target="nowhere")
    assert lab.request("POST", "runs", refused)[0] == 400
    Experiment(in_process_workspace(lab, monkeypatch), "ghost-exp")

    run = submit(lab, "late.py", "print('late')\n", "late-exp")  # an experiment created after the page loaded
    expect(row(page, run["id"])).to_be_visible(timeout=30_000)
    options = page.locator(".jest-lab-experiment option[value='late-exp']")
    expect(options).to_have_count(1, timeout=30_000)
    expect(options).to_have_text("late-exp (1)")
    assert "ghost-exp" not in experiment_options(page)
    assert "refused-exp" not in experiment_options(page)
    expect(empty).to_have_count(0)

    page.locator(".jest-lab-experiment").select_option("late-exp")
    expect(page.locator(".jest-lab-run-row")).to_have_count(1, timeout=30_000)
    page.locator(".jest-lab-search").fill("no-such-run-anywhere")
    expect(empty).to_have_text("No runs match", timeout=30_000)
    page.locator(".jest-lab-browser").screenshot(path=str(SCREENSHOTS / "sidebar-no-match.png"))


NAMED = "from jupyter_estimator import Run\nrun = Run.get_context()\nrun.display_name = 'baseline lr=0.1'\nprint('named')\n"


def search_ids(page, text: str, expected: set[str]) -> None:
    """Type `text` into the search box; the rows shown are exactly `expected` (waiting for the list to settle)."""
    page.locator(".jest-lab-search").fill(text)
    shown: set[str] = set()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        shown = set(page.locator(".jest-lab-run-row").evaluate_all("rows => rows.map(r => r.dataset.runId)"))
        if shown == expected:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"search {text!r}: rows {sorted(shown)}, expected {sorted(expected)}")


def test_search_matches_experiment_tags_status_and_display_name(lab, browser_page):
    page = browser_page
    named = submit(lab, "named.py", NAMED, "alpha-exp", tags={"team": "vision"})
    failing = submit(lab, "fails.py", "raise SystemExit(3)\n", "beta-exp", tags={"owner": "kim"})
    other = submit(lab, "other.py", "print('other')\n", "gamma-exp")
    assert wait_final(lab, named["id"]) == "Completed"
    assert wait_final(lab, failing["id"]) == "Failed"
    wait_final(lab, other["id"])
    open_lab(page, lab)
    row(page, other["id"]).wait_for(timeout=30_000)
    search_ids(page, "vision", {named["id"]})               # a tag's value
    search_ids(page, "owner", {failing["id"]})              # a tag's key
    search_ids(page, "Failed", {failing["id"]})             # the status
    search_ids(page, "baseline", {named["id"]})             # the display name
    search_ids(page, "gamma", {other["id"]})                # the experiment
    search_ids(page, named["id"][-8:], {named["id"]})       # the run id
    page.locator(".jest-lab-browser").screenshot(path=str(SCREENSHOTS / "sidebar-search.png"))


LONG_EXPERIMENT = "a-rather-long-experiment-name-that-does-not-fit-in-the-sidebar"


def test_rows_keep_the_end_of_the_run_id_visible_show_display_names_and_select_no_text(lab, browser_page):
    from playwright.sync_api import expect
    page = browser_page
    first = submit(lab, "long1.py", "print(1)\n", LONG_EXPERIMENT)
    second = submit(lab, "long2.py", "print(2)\n", LONG_EXPERIMENT)
    named = submit(lab, "named.py", NAMED, "named-exp")
    for run in (first, second, named):
        wait_final(lab, run["id"])
    open_lab(page, lab)
    for run in (first, second):
        tail = row(page, run["id"]).locator(".jest-lab-run-id-tail")
        expect(tail).to_be_visible(timeout=30_000)
        # The part that tells two runs of one experiment apart: shown whole, inside the row, not cut off.
        assert run["id"].endswith(tail.inner_text())
        assert run["id"].split("_")[-1] in tail.inner_text()
        box, row_box = tail.bounding_box(), row(page, run["id"]).bounding_box()
        assert box["x"] + box["width"] <= row_box["x"] + row_box["width"], (box, row_box)
        assert tail.evaluate("node => node.scrollWidth <= node.clientWidth")
    name = row(page, named["id"]).locator(".jest-lab-run-name")
    expect(name).to_contain_text("baseline lr=0.1", timeout=30_000)
    expect(name.locator(".jest-lab-run-id-tail")).to_have_text(named["id"].split("_")[-1])

    row(page, first["id"]).dblclick()
    page.locator(f".jest-lab-run-view[data-run-ids='{first['id']}']").wait_for(timeout=30_000)
    assert page.evaluate("window.getSelection().toString()") == ""
    page.locator(".jest-lab-browser").screenshot(path=str(SCREENSHOTS / "sidebar-rows.png"))


GATED = "import os, time\nwhile not os.path.exists(os.environ['GATE']):\n    time.sleep(0.05)\n"


def test_run_commands_are_in_the_command_palette(lab, browser_page, tmp_path):
    from playwright.sync_api import expect
    page = browser_page
    gate = tmp_path / "gate"
    done = submit(lab, "palette.py", "print(1)\n", "palette-exp")
    wait_final(lab, done["id"])
    live = submit(lab, "gated.py", GATED, "palette-exp", environment_variables={"GATE": str(gate)})  # so Cancel applies
    runs = [done, live]
    open_lab(page, lab)
    row(page, runs[0]["id"]).click()
    row(page, runs[1]["id"]).click(modifiers=["Control"])
    page.keyboard.press("Control+Shift+C")
    palette = page.locator("#command-palette")
    palette.locator("input").fill("estimator")
    items = palette.locator(".lm-CommandPalette-item")
    for label in ("Show Runs", "Refresh Runs", "Open Run", "Compare Selected Runs", "Cancel Run", "Re-submit Run",
                  "Open TensorBoard", "Copy Run Id"):
        expect(items.filter(has_text=label).first).to_be_visible(timeout=10_000)
    page.screenshot(path=str(SCREENSHOTS / "command-palette.png"))
    palette.locator("input").fill("estimator compare")
    items.filter(has_text="Compare Selected Runs").first.click()
    ids = ",".join(run["id"] for run in runs)
    expect(page.locator(f".jest-lab-run-view[data-run-ids='{ids}']")).to_be_visible(timeout=30_000)
    gate.write_text("go")


def test_a_page_of_rows_that_failed_to_load_is_retried(lab, browser_page, monkeypatch):
    from playwright.sync_api import expect
    ws = in_process_workspace(lab, monkeypatch)
    index = ws.store.index
    experiment = ws.store.experiments.id_of("paged")
    now = time.time() - 1000
    with index.write() as conn:  # index rows only: the list reads the index (submitting 300 runs would be slow)
        conn.executemany(
            "INSERT INTO runs(run_id, experiment_id, run_number, run_type, status, target, created_time)"
            " VALUES (?,?,?,?,?,?,?)",
            ((f"paged_{i:04d}", experiment, i + 1, "azureml.scriptrun", "Completed", "local", now + i) for i in range(300)))
    page = browser_page
    failed = []

    def fail_once(route):
        if not failed:
            failed.append(route.request.url)
            route.abort()  # the network drops this request once
        else:
            route.continue_()

    page.route(re.compile(r"/estimator/api/runs\?(.*&)?offset=100(&|$)"), fail_once)
    lab_settings(lab, refreshInterval=3600)  # no fallback poll during the test: only the retry can fill the page
    open_lab(page, lab)
    row(page, "paged_0299").wait_for(timeout=30_000)  # newest first
    viewport = page.locator(".jest-lab-viewport")
    # rows 130… are on the second page (offset 100)
    viewport.evaluate("node => { node.scrollTop = 130 * node.querySelector('.jest-lab-run-row').offsetHeight; }")
    expect(row(page, "paged_0169")).to_be_visible(timeout=30_000)  # shown once the retry succeeded
    assert failed, "the first request for the second page should have been dropped"
    page.locator(".jest-lab-browser").screenshot(path=str(SCREENSHOTS / "sidebar-paged.png"))
