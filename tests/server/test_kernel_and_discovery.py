"""The SDK in a kernel finds its server (DESIGN §5 order) and submits through REST; schemathesis on the live API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from jupyter_estimator.client.server_link import find_server



def test_notebook_kernel_submits_through_the_server(live_server, monkeypatch):
    project = live_server.root / "nbproject"
    project.mkdir()
    (project / "train.py").write_text("from jupyter_estimator import Run\nRun.get_context().log('acc', 0.91)\nprint('trained')\n")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "from jupyter_estimator import Workspace, Experiment, ScriptRunConfig, Environment\n"
            "ws = Workspace()\n"
            "env = Environment('nb'); env.python.user_managed_dependencies = True\n"
            f"run = Experiment(ws, 'from-notebook').submit(ScriptRunConfig({str(project)!r}, script='train.py', environment=env))\n"
            "run.wait_for_completion(show_output=True)\n"
            "print('SERVER', ws.server_url)\n"
            "print('PORTAL', run.get_portal_url())\n"
            "print('RUN', run.id)\n"
            "print('METRICS', run.get_metrics())"),
    ]
    monkeypatch.setenv("JUPYTER_ESTIMATOR_SERVER_URL", live_server.url)
    monkeypatch.setenv("JUPYTER_ESTIMATOR_SERVER_TOKEN", live_server.token)
    monkeypatch.setenv("JUPYTER_ESTIMATOR_HOME", str(live_server.workspace))
    monkeypatch.delenv("JUPYTER_ESTIMATOR_NO_SERVER", raising=False)
    NotebookClient(notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(project)}}).execute()
    text = "".join(o.get("text", "") for o in notebook.cells[0].outputs if o.output_type == "stream")
    values = {line.split(" ", 1)[0]: line.split(" ", 1)[1] for line in text.splitlines() if line.split(" ", 1)[0] in ("SERVER", "PORTAL", "RUN", "METRICS")}
    assert values["SERVER"] == live_server.url
    assert values["PORTAL"] == f"{live_server.url}lab?estimator-run={values['RUN']}"
    assert values["METRICS"] == "{'acc': 0.91}"
    assert "trained" in text and "Execution Summary" in text
    details = live_server.get(f"runs/{values['RUN']}")
    assert details["properties"]["jupyter_estimator.submitted_via"] == "server"  # the server saw the submission
    assert details["status"] == "Completed"


def test_discovery_order(live_server, monkeypatch, tmp_path):
    monkeypatch.delenv("JUPYTER_ESTIMATOR_NO_SERVER", raising=False)
    for name in ("JUPYTER_ESTIMATOR_SERVER_URL", "JPY_PARENT_PID", "JUPYTERHUB_SERVICE_URL", "JUPYTERHUB_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    workspace = str(live_server.workspace)
    found = find_server(workspace)
    assert found is not None and found.found_by == "scan" and found.url == live_server.url
    monkeypatch.setenv("JUPYTERHUB_SERVICE_URL", live_server.url)
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", live_server.token)
    assert find_server(workspace).found_by == "jupyterhub"
    monkeypatch.setenv("JPY_PARENT_PID", str(live_server.process.pid))
    assert find_server(workspace).found_by == "parent"
    monkeypatch.setenv("JUPYTER_ESTIMATOR_SERVER_URL", live_server.url)
    monkeypatch.setenv("JUPYTER_ESTIMATOR_SERVER_TOKEN", live_server.token)
    assert find_server(workspace).found_by == "env"
    assert find_server(str(tmp_path / "another-workspace")) is None  # a server for another workspace is not ours
    monkeypatch.setenv("JUPYTER_ESTIMATOR_SERVER_TOKEN", "wrong")
    assert find_server(workspace).found_by == "parent"  # refused with a bad token: falls through to the next
    monkeypatch.setenv("JUPYTER_ESTIMATOR_NO_SERVER", "1")
    assert find_server(workspace) is None


def test_schemathesis_finds_no_server_errors(live_server, tmp_path):
    spec = Path(__file__).resolve().parents[2] / "jupyter_estimator" / "server" / "openapi.yaml"
    schemathesis = Path(sys.executable).parent / "schemathesis"
    command = [str(schemathesis), "run", str(spec), "--url", f"{live_server.url}estimator/api",
               "-H", f"Authorization: token {live_server.token}", "--checks", "not_a_server_error",
               "--max-examples", "25", "--generation-deterministic", "--request-timeout", "20",
               "--report", "junit", "--report-junit-path", str(tmp_path / "schemathesis.xml")]
    out = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=tmp_path,
                         env={**os.environ, "SCHEMATHESIS_HOOKS": ""})
    assert out.returncode == 0, out.stdout[-6000:] + out.stderr[-2000:]
    assert "500" not in "".join(l for l in out.stdout.splitlines() if "Server error" in l)


def test_sdk_tensorboard_uses_the_servers_manager(live_server, monkeypatch):
    """With a server hosting the workspace, Tensorboard([run]).start() goes through its manager and proxy."""
    import urllib.request
    from jupyter_estimator import Experiment, Run, Tensorboard, Workspace
    from .test_tensorboard import finished_run
    run_info = finished_run(live_server)
    monkeypatch.setenv("JUPYTER_ESTIMATOR_SERVER_URL", live_server.url)
    monkeypatch.setenv("JUPYTER_ESTIMATOR_SERVER_TOKEN", live_server.token)
    monkeypatch.setenv("JUPYTER_ESTIMATOR_HOME", str(live_server.workspace))
    monkeypatch.delenv("JUPYTER_ESTIMATOR_NO_SERVER", raising=False)
    ws = Workspace()
    assert ws.server_url == live_server.url
    run = Run(Experiment(ws, run_info["experiment"]), run_info["id"])
    board = Tensorboard([run])
    url = board.start()
    assert url.startswith(f"{live_server.url}estimator/tensorboard/")
    request = urllib.request.Request(url + "data/runs", headers={"Authorization": f"token {live_server.token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert any(name.startswith(run.id) for name in json.loads(response.read()))
    assert [b["id"] for b in live_server.get("tensorboards")["tensorboards"]] == [board.server_key]
    board.stop()
    assert live_server.get("tensorboards")["tensorboards"] == []
