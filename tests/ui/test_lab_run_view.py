"""The run view (main area) in the system Chromium: its Cancel, Re-submit and TensorBoard buttons, system
properties folded under "System", the compare view (one colour per run in every chart and the legend; a
table of parameters and final metric values), the charts (tooltips, gaps for non-finite values, a single
value as a number, a million points), the log picker, and a TensorBoard panel that shows the server's error.
Screenshots go to test-output/ui/."""

from __future__ import annotations

import re
import subprocess

import pytest

from .conftest import HAVE_CHROMIUM, SCREENSHOTS, open_lab, open_run_view, project, row, submit, wait_final

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not HAVE_CHROMIUM, reason="needs the system Chromium (apt-get install chromium)")]

GATED = ("import os, time\ngate = os.environ.get('GATE', '')\nwhile gate and not os.path.exists(gate):\n"
         "    print('tick', flush=True)\n    time.sleep(0.2)\nprint('released')\n")


def test_run_view_buttons_cancel_resubmit_and_open_tensorboard(lab, browser_page, tmp_path):
    from playwright.sync_api import expect
    page = browser_page
    open_lab(page, lab)
    gate = tmp_path / "gate"
    run = submit(lab, "gated.py", GATED, "buttons", environment_variables={"GATE": str(gate)})
    view = open_run_view(page, run["id"])
    expect(view.locator(".jest-lab-view-header .jest-lab-badge")).to_have_text("Running", timeout=60_000)
    page.screenshot(path=str(SCREENSHOTS / "run-view-buttons.png"))

    view.locator("button[data-action='tensorboard']").click()
    expect(page.locator(f".jest-lab-tensorboard[data-runs='{run['id']}']")).to_be_visible(timeout=60_000)
    page.locator(".lm-DockPanel .lm-TabBar-tabLabel", has_text=re.compile(f"^{re.escape(run['id'])}$")).click()

    view.locator("button[data-action='cancel']").click()
    expect(view.locator(".jest-lab-view-header .jest-lab-badge")).to_have_text("Canceled", timeout=60_000)
    assert lab.get(f"runs/{run['id']}")["status"] == "Canceled"
    expect(view.locator("button[data-action='cancel']")).to_be_disabled()

    view.locator("button[data-action='resubmit']").click()
    new_view = page.locator(".jest-lab-run-view:not([data-run-ids='%s'])" % run["id"]).filter(has_text="buttons")
    expect(new_view).to_be_visible(timeout=60_000)
    new_id = new_view.get_attribute("data-run-ids")
    assert new_id != run["id"]
    again = lab.get(f"runs/{new_id}")
    assert again["experiment"] == "buttons"
    assert again["properties"].get("jupyter_estimator.resubmitted_from") == run["id"]
    gate.write_text("go")
    expect(new_view.locator(".jest-lab-log")).to_contain_text("released", timeout=60_000)


def test_run_view_folds_system_properties_under_system(lab, browser_page):
    from playwright.sync_api import expect
    page = browser_page
    folder = project(lab, "props.py", "print('props')\n")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "init.defaultBranch=main"]
    for args in (["init", "-q"], ["remote", "add", "origin", "https://example.org/repo.git"], ["add", "."],
                 ["commit", "-q", "-m", "start"]):
        subprocess.run(git + args, cwd=folder, check=True)  # the service records the git properties
    html = "<img src=x onerror=window.__xss=1>"  # user text must stay text, in the sidebar and the run view
    run = submit(lab, "props.py", "print('props')\n", "props", tags={"team": "vision", "note": html})
    wait_final(lab, run["id"])
    open_lab(page, lab)
    view = open_run_view(page, run["id"])
    overview = view.locator(".jest-lab-overview")
    expect(overview).to_contain_text("vision", timeout=30_000)
    system = overview.locator("details.jest-lab-system")
    expect(system.locator("summary")).to_have_text("System")
    keys = ["azureml.git.commit", "mlflow.source.git.commit", "ContentSnapshotId", "jupyter_estimator.submitted_via"]
    for key in keys:
        cell = system.locator("td", has_text=key).first
        expect(cell).to_be_attached()
        expect(cell).to_be_hidden()  # folded until asked for
    main_table = overview.locator(":scope > table").inner_text()
    assert not any(key in main_table for key in keys), main_table
    system.locator("summary").click()
    for key in keys:
        expect(system.locator("td", has_text=key).first).to_be_visible()
    expect(overview).to_contain_text(html)
    expect(row(page, run["id"])).to_contain_text(html)
    assert page.locator(".jest-lab-browser img, .jest-lab-run-view img").count() == 0
    assert page.evaluate("window.__xss") is None
    page.screenshot(path=str(SCREENSHOTS / "run-view-system.png"))


COMPARED = """import sys
from jupyter_estimator import Run
run = Run.get_context()
scale = float(sys.argv[2])
for step in range(30):
    run.log('loss', scale * 10 / (step + 1), step=step)
    if scale > 0.25:
        run.log('extra', step * scale, step=step)
"""

PIXELS = """([canvas, rgb, from, to]) => {
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let count = 0;
  for (let y = 0; y < canvas.height; y++) {
    for (let x = Math.floor(from * canvas.width); x < Math.ceil(to * canvas.width); x++) {
      const i = (y * canvas.width + x) * 4;
      if (Math.abs(data[i] - rgb[0]) < 12 && Math.abs(data[i + 1] - rgb[1]) < 12 && Math.abs(data[i + 2] - rgb[2]) < 12
          && data[i + 3] > 200) count++;
    }
  }
  return count;
}"""


def pixels(chart, rgb: list[int], start: float = 0.0, end: float = 1.0) -> int:
    """How many pixels of the chart's canvas, between fractions start and end of its width, have colour rgb."""
    canvas = chart.locator("canvas").first
    return canvas.evaluate(f"(canvas, args) => ({PIXELS})([canvas, ...args])", [rgb, start, end])


def rgb_of(locator) -> list[int]:
    colour = locator.evaluate("node => getComputedStyle(node).backgroundColor")
    return [int(v) for v in re.findall(r"\d+", colour)[:3]]


def test_compare_view_keeps_one_colour_per_run_and_tables_parameters_and_final_metrics(lab, browser_page):
    from playwright.sync_api import expect
    page = browser_page
    runs = [submit(lab, "compared.py", COMPARED, "compare", arguments=["--lr", str(lr)]) for lr in (0.1, 0.2, 0.3)]
    ids = [run["id"] for run in runs]
    for run_id in ids:
        assert wait_final(lab, run_id) == "Completed"
    open_lab(page, lab)
    for index, run_id in enumerate(ids):
        row(page, run_id).click(modifiers=["Control"] if index else [])
    row(page, ids[0]).click(button="right")
    page.locator(".lm-Menu-itemLabel", has_text="Compare Selected Runs").first.click()
    view = page.locator(f".jest-lab-run-view[data-run-ids='{','.join(ids)}']")
    expect(view.locator(".jest-lab-metric[data-metric='extra'] .jest-lab-chart canvas")).to_be_visible(timeout=60_000)

    colours = {run_id: rgb_of(view.locator(f".jest-lab-legend-item[data-run-id='{run_id}'] .jest-lab-swatch"))
               for run_id in ids}
    assert len({tuple(c) for c in colours.values()}) == 3, colours
    extra = view.locator(".jest-lab-metric[data-metric='extra']")  # only the third run logs it
    assert pixels(extra, colours[ids[2]]) > 20
    assert pixels(extra, colours[ids[0]]) == 0
    assert pixels(extra, colours[ids[1]]) == 0
    loss = view.locator(".jest-lab-metric[data-metric='loss']")
    for run_id in ids:
        assert pixels(loss, colours[run_id]) > 20, run_id
    # the tooltip names each run in its colour too
    loss.locator(".u-over").hover(position={"x": 40, "y": 20})
    tip = loss.locator(".jest-lab-tooltip")
    expect(tip).to_be_visible()
    for run_id in ids:
        assert rgb_of(tip.locator(f"[data-run-id='{run_id}'] .jest-lab-swatch")) == colours[run_id]

    table = view.locator("table.jest-lab-compare")
    headers = table.locator("th").all_inner_texts()
    assert {"run", "--lr", "loss", "extra"} <= set(headers), headers
    cells = {}
    for run_id in ids:
        values = table.locator(f"tr[data-run-id='{run_id}'] td").all_inner_texts()
        cells[run_id] = dict(zip(headers, values))
    assert [cells[i]["--lr"] for i in ids] == ["0.1", "0.2", "0.3"]
    assert [cells[i]["loss"] for i in ids] == ["0.03333", "0.06667", "0.1"]  # the last step's value, rounded
    assert [cells[i]["extra"] for i in ids] == ["", "", "8.7"]
    page.screenshot(path=str(SCREENSHOTS / "compare-view.png"))


CHARTED = """from jupyter_estimator import Run
run = Run.get_context()
for step in range(40):
    if 10 <= step <= 30:
        value = ['NaN', 'Infinity', None][step % 3]   # non-finite values, as the JSON API sends them
    else:
        value = 1 / (3 + step)
    run.log('loss', value, step=step)
run.log('final_acc', 0.973123)
run.log_list('big', [(i % 1000) / 1000 for i in range(1_000_000)])
"""


def test_charts_show_tooltips_gaps_single_values_and_a_million_points(lab, browser_page):
    from playwright.sync_api import expect
    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    run = submit(lab, "charted.py", CHARTED, "charts")
    assert wait_final(lab, run["id"], timeout=120) == "Completed"
    open_lab(page, lab)
    view = open_run_view(page, run["id"])

    single = view.locator(".jest-lab-metric[data-metric='final_acc']")
    expect(single.locator(".jest-lab-metric-value")).to_have_text("0.9731", timeout=60_000)
    expect(single.locator("canvas")).to_have_count(0)

    loss = view.locator(".jest-lab-metric[data-metric='loss']")
    expect(loss.locator(".jest-lab-chart canvas")).to_be_visible(timeout=60_000)
    over = loss.locator(".u-over")
    box = over.bounding_box()
    over.hover(position={"x": box["width"] * 0.05, "y": box["height"] / 2})
    tip = loss.locator(".jest-lab-tooltip")
    expect(tip).to_be_visible()
    expect(tip).to_contain_text(re.compile(r"step \d"))
    value = tip.locator(".jest-lab-tooltip-value").first.inner_text()
    assert re.fullmatch(r"0\.\d{1,4}", value), value  # rounded, not 0.3333333333333333
    page.screenshot(path=str(SCREENSHOTS / "charts.png"))
    colour = rgb_of(tip.locator(f"[data-run-id='{run['id']}'] .jest-lab-swatch"))
    assert pixels(loss, colour, 0.15, 0.3) > 10   # steps 0-9 are drawn (an Infinity did not flatten the scale)
    assert pixels(loss, colour, 0.45, 0.6) == 0   # steps 10-30 are gaps, not a line across them

    big = view.locator(".jest-lab-metric[data-metric='big']")
    expect(big.locator(".jest-lab-chart canvas")).to_be_visible(timeout=120_000)
    assert pixels(big, colour) > 100
    assert not [e for e in errors if "call stack" in e], errors
    big.screenshot(path=str(SCREENSHOTS / "chart-million-points.png"))


def test_log_picker_switches_files_during_a_long_poll_and_after_the_end(lab, browser_page, tmp_path):
    from playwright.sync_api import expect
    page = browser_page
    open_lab(page, lab)
    gate = tmp_path / "gate"
    run = submit(lab, "ticks.py", GATED, "logs", environment_variables={"GATE": str(gate)})
    view = open_run_view(page, run["id"])
    log = view.locator(".jest-lab-log")
    picker = view.locator(".jest-lab-log-select")
    expect(log).to_contain_text("tick", timeout=60_000)
    build = "azureml-logs/20_environment_build.txt"
    expect(picker.locator(f"option[value='{build}']")).to_have_count(1, timeout=30_000)

    picker.select_option(build)  # while a long-poll for std_log.txt is open and ticks keep coming
    expect(log).to_contain_text("nothing installed", timeout=30_000)
    page.wait_for_timeout(1500)  # room for a late answer about the previous file to (wrongly) show up
    assert "tick" not in log.inner_text()

    gate.write_text("go")
    assert wait_final(lab, run["id"]) == "Completed"
    expect(view.locator(".jest-lab-view-header .jest-lab-badge")).to_have_text("Completed", timeout=30_000)
    page.wait_for_timeout(500)
    picker.select_option("user_logs/std_log.txt")  # after the end of the file: a fresh read
    expect(log).to_contain_text("released", timeout=30_000)
    assert "nothing installed" not in log.inner_text()
    picker.select_option(build)
    expect(log).to_contain_text("nothing installed", timeout=30_000)
    assert "tick" not in log.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "run-view-log-picker.png"))


def test_tensorboard_panel_shows_the_servers_error(lab, browser_page):
    from playwright.sync_api import expect
    page = browser_page
    run = submit(lab, "nologs.py", "print('no tensorboard logs here')\n", "nologs")
    wait_final(lab, run["id"])
    status, body, _ = lab.request("POST", "tensorboards", {"runs": [run["id"]]}, timeout=120)
    assert 400 <= status < 500 and body["message"], (status, body)  # the server refuses: nothing to show
    open_lab(page, lab)
    view = open_run_view(page, run["id"])
    view.locator("button[data-action='tensorboard']").click()
    panel = page.locator(f".jest-lab-tensorboard[data-runs='{run['id']}']")
    expect(panel.locator(".jest-lab-message")).to_have_text(re.compile(re.escape(body["message"])), timeout=60_000)
    expect(panel.locator("iframe")).to_have_count(0)
    page.screenshot(path=str(SCREENSHOTS / "tensorboard-error.png"))
