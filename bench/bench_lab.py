"""Sidebar first paint in Chromium with 100 000 runs stored: from the run browser asking for runs to the
first rows drawn (the list is virtualized, so the DOM holds only the rows in view). Baseline: the same
page of runs fetched by the browser alone (network + server, no rendering)."""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import report

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def main(samples: int = 5) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from bench_server import Server
    from bench_store import RUNS, fill_index
    from jupyter_estimator import Workspace
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        print("sidebar first paint: skipped (no system Chromium; apt-get install chromium)")
        return
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        fill_index(Workspace(path=folder / "ws"), RUNS)
        server = Server(folder, module="jupyterlab")
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--disable-gpu", "--no-first-run",
                                                                                    "--disable-background-networking"])
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                paints, fetches, rows = [], [], 0
                for _ in range(samples):
                    page.goto(f"http://127.0.0.1:{server.port}/lab?token={server.token}")
                    page.wait_for_selector(".jp-LabShell", timeout=120_000)
                    tab = page.locator(".jp-SideBar [title='Estimator runs']").first
                    tab.wait_for(timeout=60_000)
                    time.sleep(0.5)
                    if not page.locator(".jest-lab-browser").is_visible():
                        tab.click()
                    page.wait_for_selector(".jest-lab-browser[data-first-paint-ms]", timeout=60_000)
                    paints.append(float(page.locator(".jest-lab-browser").get_attribute("data-first-paint-ms")))
                    rows = page.locator(".jest-lab-run-row").count()
                    started = time.perf_counter()
                    server.get("estimator/api/runs?limit=100&offset=0&total=true")
                    fetches.append((time.perf_counter() - started) * 1000)
                browser.close()
        finally:
            server.stop()
    total = page_total = RUNS  # noqa: F841
    report(f"sidebar first paint ({total} runs stored)", statistics.median(paints), "ms",
           "the same page over plain HTTP", statistics.median(fetches), goal="<= 300 ms")
    print(f"(rows in the DOM after first paint: {rows} of {page_total}; median of {samples} page loads)")


if __name__ == "__main__":
    main()
