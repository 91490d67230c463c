"""A damaged or deleted index under a live server, and damaged run files (issue 9, items 7–8)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from .conftest import submit_body


def cli(workspace: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "JUPYTER_ESTIMATOR_HOME": str(workspace), "JUPYTER_ESTIMATOR_NO_SERVER": "1"}
    return subprocess.run([sys.executable, "-m", "jupyter_estimator.cli", *args], env=env, capture_output=True,
                          text=True, timeout=120)


def submit(server, name: str = "p") -> str:
    project = server.root / name
    project.mkdir(exist_ok=True)
    (project / "train.py").write_text("from jupyter_estimator import Run\nRun.get_context().log('acc', 0.5)\nprint('ok')\n")
    status, run, _ = server.request("POST", "runs", submit_body(project, "train.py"))
    assert status == 201, run
    return run["id"]


def wait_final(server, run_id: str) -> dict:
    import time
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        run = server.get(f"runs/{run_id}")
        if run["status"] in ("Completed", "Failed", "Canceled"):
            return run
        time.sleep(0.1)
    raise AssertionError(f"{run_id} did not finish")


def index_files(workspace: Path) -> list[Path]:
    return [p for p in workspace.iterdir() if p.name.startswith("index.sqlite")]


def test_deleting_the_index_under_a_live_server(live_server):
    first = submit(live_server, "a")
    assert wait_final(live_server, first)["status"] == "Completed"
    for path in index_files(live_server.workspace):
        path.unlink()
    # another process (the CLI) makes a new index: it is refilled from the run folders
    listed = cli(live_server.workspace, "runs", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [r["run_id"] for r in json.loads(listed.stdout)] == [first]
    # the server notices the replaced file, so a submit through it works and everyone sees the same runs
    second = submit(live_server, "b")
    assert wait_final(live_server, second)["status"] == "Completed"
    assert {r["id"] for r in live_server.get("runs")["runs"]} == {first, second}
    assert {r["run_id"] for r in json.loads(cli(live_server.workspace, "runs", "--json").stdout)} == {first, second}
    # and after rebuild-index (which replaces nothing but rewrites rows) too
    assert cli(live_server.workspace, "rebuild-index").returncode == 0
    third = submit(live_server, "c")
    assert wait_final(live_server, third)["status"] == "Completed"
    assert len(live_server.get("runs")["runs"]) == 3


def test_a_corrupt_index_degrades_the_server_until_rebuild_index_repairs_it(live_server):
    run_id = submit(live_server)
    assert wait_final(live_server, run_id)["status"] == "Completed"
    live_server.kill(signal.SIGTERM)
    for path in index_files(live_server.workspace):
        path.unlink()
    (live_server.workspace / "index.sqlite").write_bytes(b"this is not a database" * 500)
    live_server.start()  # the extension loads, degraded
    status, body, _ = live_server.request("GET", "runs")
    assert status == 503, body
    assert "damaged" in body["message"] and "rebuild-index" in body["message"] and body["field"] == "index"
    status, body, _ = live_server.request("GET", "runs", token=False)
    assert status in (401, 403) and b"damaged" not in _  # nothing is told to strangers
    repaired = cli(live_server.workspace, "rebuild-index")
    assert repaired.returncode == 0, repaired.stderr
    assert "moved it aside" in repaired.stdout and "1 runs" in repaired.stdout
    assert any(".damaged-" in p.name for p in live_server.workspace.iterdir())
    # the same server recovers without a restart
    assert [r["id"] for r in live_server.get("runs")["runs"]] == [run_id]
    another = submit(live_server, "after")
    assert wait_final(live_server, another)["status"] == "Completed"


def test_sigterm_stops_a_degraded_server(live_server):
    live_server.kill(signal.SIGTERM)
    for path in index_files(live_server.workspace):
        path.unlink()
    (live_server.workspace / "index.sqlite").write_bytes(b"garbage" * 1000)
    live_server.start()
    assert live_server.request("GET", "runs")[0] == 503
    live_server.process.send_signal(signal.SIGTERM)
    assert live_server.process.wait(timeout=30) == 0
    assert "AttributeError" not in live_server.log_path.read_text()


def test_damaged_run_files_are_skipped_or_repaired_with_a_warning(live_server):
    good, damaged = submit(live_server, "good"), submit(live_server, "damaged")
    for run_id in (good, damaged):
        wait_final(live_server, run_id)
    folder = live_server.workspace / "runs" / damaged
    status_path = folder / "status.json"
    status_path.write_text(status_path.read_text()[:25])  # truncated by a crash
    metrics = folder / "metrics" / "metrics.jsonl"
    with open(metrics, "a") as handle:
        handle.write('{"broken": \n')
        handle.write(json.dumps([1.0, "s", "acc", 0.75, None]) + "\n")
    result = cli(live_server.workspace, "rebuild-index")
    assert result.returncode == 0, result.stderr
    assert "2 runs" in result.stdout and str(status_path) in result.stdout  # the warning names the file
    run = live_server.get(f"runs/{damaged}")
    assert run["status"] == "Failed" and run["error"]["code"] == "DamagedStatus"
    assert any(p.name.startswith("status.json.damaged-") for p in folder.iterdir())
    got = live_server.get(f"runs/{damaged}/metrics")
    assert [r["value"] for r in got["records"]] == [0.5, 0.75]
    assert live_server.get(f"runs/{good}")["status"] == "Completed"
