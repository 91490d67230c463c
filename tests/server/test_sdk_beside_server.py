"""The SDK next to a running server (issue 8, items 1–2): a plain script never fails because a server with
another root hosts the same workspace, and a workspace inside the source folder breaks nothing."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

SUBMIT = textwrap.dedent("""
    import json, sys
    from jupyter_estimator import Environment, Experiment, ScriptRunConfig, Workspace
    ws = Workspace()
    env = Environment("plain"); env.python.user_managed_dependencies = True
    found = []
    for i in range(int(sys.argv[1])):
        run = Experiment(ws, "beside").submit(ScriptRunConfig(source_directory=".", script="train.py", environment=env))
        run.wait_for_completion(show_output=False, raise_on_error=False)
        found.append([run.id, run.get_status()])
    print("RESULT", json.dumps({"server": ws.server_url, "runs": found}))
""")
TRAIN = "from jupyter_estimator import Run\nRun.get_context().log('ok', 1)\nprint('trained')\n"


def run_plain_python(cwd: Path, env: dict[str, str], count: int = 1) -> dict:
    (cwd / "submit.py").write_text(SUBMIT)
    (cwd / "train.py").write_text(TRAIN)
    out = subprocess.run([sys.executable, "submit.py", str(count)], cwd=cwd, env=env, capture_output=True, text=True,
                         timeout=240)
    assert out.returncode == 0, out.stdout + out.stderr
    line = next(l for l in out.stdout.splitlines() if l.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def index_statuses(workspace: Path) -> dict[str, str]:
    with sqlite3.connect(workspace / "index.sqlite") as conn:
        return dict(conn.execute("SELECT run_id, status FROM runs").fetchall())


def test_plain_script_submits_from_outside_the_server_root(live_server, tmp_path):
    elsewhere = tmp_path / "elsewhere"  # not under the server's root_dir
    elsewhere.mkdir()
    env = {**live_server.env(), "JUPYTER_ESTIMATOR_SERVER_URL": live_server.url,
           "JUPYTER_ESTIMATOR_SERVER_TOKEN": live_server.token}
    result = run_plain_python(elsewhere, env)
    assert result["server"] == live_server.url  # it really went through the server
    (run_id, status), = result["runs"]
    assert status == "Completed"
    details = live_server.get(f"runs/{run_id}")
    assert details["status"] == "Completed"
    assert details["properties"]["jupyter_estimator.submitted_via"] == "server"
    assert details["run_definition"]["script"] == "train.py"
    snapshot = live_server.workspace / "runs" / run_id / "snapshot"
    assert (snapshot / "train.py").read_text() == TRAIN and (snapshot / "submit.py").read_text() == SUBMIT


def test_rest_submission_naming_a_path_still_keeps_to_the_allowed_roots(live_server, tmp_path):
    from .conftest import submit_body
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "train.py").write_text(TRAIN)
    status, body, _ = live_server.request("POST", "runs", submit_body(elsewhere, "train.py"))
    assert status == 400 and body["field"] == "source_directory"
    # a made-up snapshot id is refused by name, and reads nothing
    status, body, _ = live_server.request("POST", "runs", submit_body(
        elsewhere, "train.py", snapshot_id="00000000-0000-0000-0000-000000000000"))
    assert status == 400 and body["field"] == "snapshot_id", body
    status, body, _ = live_server.request("POST", "runs", submit_body(elsewhere, "train.py", snapshot_id="../../etc"))
    assert status == 400 and "snapshot_id" in body["message"], body


def test_three_runs_with_the_workspace_inside_the_source_folder(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    workspace = project / "home" / "ws"
    env = {**os.environ, "JUPYTER_ESTIMATOR_HOME": str(workspace), "JUPYTER_ESTIMATOR_NO_SERVER": "1"}
    result = run_plain_python(project, env, count=3)
    assert [status for _, status in result["runs"]] == ["Completed"] * 3
    on_disk = {run_id: json.loads((workspace / "runs" / run_id / "status.json").read_text())["status"]
               for run_id, _ in result["runs"]}
    assert index_statuses(workspace) == on_disk
    for run_id, _ in result["runs"]:
        snapshot = workspace / "runs" / run_id / "snapshot"
        names = {p.relative_to(snapshot).as_posix() for p in snapshot.rglob("*")}
        assert "home" not in names and not any(n.endswith(("-wal", "-shm", "-journal")) for n in names), names
        assert "trained" in (workspace / "runs" / run_id / "user_logs" / "std_log.txt").read_text()


def test_index_catches_up_with_status_json_on_read(tmp_path, monkeypatch):
    """A lost mirror write (a process killed between status.json and the index) lasts no longer than one read."""
    from jupyter_estimator import Workspace
    from jupyter_estimator.service import views
    monkeypatch.setenv("JUPYTER_ESTIMATOR_NO_SERVER", "1")
    project = tmp_path / "project"
    project.mkdir()
    workspace = tmp_path / "ws"
    env = {**os.environ, "JUPYTER_ESTIMATOR_HOME": str(workspace), "JUPYTER_ESTIMATOR_NO_SERVER": "1"}
    (run_id, _), = run_plain_python(project, env)["runs"]
    ws = Workspace(path=str(workspace))  # opened first: what it reconciles at start-up is not what is tested
    from jupyter_estimator import Experiment
    for read in (lambda: views.list_runs(ws.store)["runs"][0]["status"],
                 lambda: views.run_summary(ws.store, views.require_row(ws.store, run_id))["status"],
                 lambda: [r.get_status() for r in Experiment(ws, "beside").get_runs()][0]):
        with sqlite3.connect(workspace / "index.sqlite") as conn:  # the index lags behind the truth
            conn.execute("UPDATE runs SET status = 'Running' WHERE run_id = ?", (run_id,))
        assert read() == "Completed"
        assert index_statuses(workspace)[run_id] == "Completed"
