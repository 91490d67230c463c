"""Docker from every surface but the SDK (tests/containers/test_docker_runs.py): the EstimatorForm, the
`%%estimator` magic, the REST compute-targets endpoint and the demo notebook, on a real engine; and what
each shows when the engine does not answer (DOCKER_HOST at a socket nobody listens on)."""

from __future__ import annotations

import html
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from conftest import read_log
from server.conftest import estimator_home, jp_server_config  # noqa: F401 - the in-process server's fixtures
from server.test_extension import call, extension

from .conftest import MARKER_TEXT, PROVE_WHERE, REPO, TEST_IMAGE

DEAD = "unix:///tmp/jupyter-estimator-no-engine.sock"
METRIC = "from jupyter_estimator import Run\nRun.get_context().log('steps', 3)\n"


@pytest.fixture
def shell(docker_ws, monkeypatch, tmp_path):
    """An IPython shell with the extension loaded, in-process on docker_ws (as tests/test_notebook_experience.py)."""
    monkeypatch.setenv("JUPYTER_ESTIMATOR_NO_SERVER", "1")
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "Docker Notebook.ipynb"))
    monkeypatch.chdir(tmp_path)
    instance = InteractiveShell.instance()
    instance.run_line_magic("load_ext", "jupyter_estimator")
    yield instance
    InteractiveShell.clear_instance()


def box(ws, name: str = "box", **config):
    from jupyter_estimator import ComputeTarget, DockerCompute
    return ComputeTarget.create(ws, name, DockerCompute.provisioning_configuration(default_image=TEST_IMAGE, **config))


def run_count(ws) -> int:
    return ws.store.index.read("SELECT COUNT(*) AS n FROM runs")[0]["n"]


def image_build_log(run) -> str:
    return (Path(run.path) / "azureml-logs" / "20_image_build.txt").read_text()


# the form ---------------------------------------------------------------------------------------------------

def test_the_form_lists_a_docker_target_and_runs_in_docker(docker_ws, project):
    from jupyter_estimator.widgets import EstimatorForm
    box(docker_ws)
    project.write("train.py", PROVE_WHERE + METRIC)
    form = EstimatorForm(workspace=docker_ws, experiment="form-docker", source_directory=str(project))
    assert form.compute_target.options == ("local", "box") and form.unavailable_targets == {}
    assert not form.use_docker.disabled and not form.docker_image.disabled and form.docker_note.value == ""
    form.entry_script.value = "train.py"
    form.user_managed.value = True  # the image's Python as it is: nothing to build
    form.use_docker.value = True  # no image named: Azure ML's default, i.e. the workspace's docker_default_image
    assert form.docker_image.placeholder == "(the workspace's default image)"
    assert "use_docker=True" in form.code() and not form.submit_button.disabled, form.status.value
    run = form.submit()
    assert run.wait_for_completion(raise_on_error=False)["status"] == "Completed", read_log(run)
    assert f"marker={MARKER_TEXT}" in read_log(run) and "dockerenv=True" in read_log(run)
    assert run.get_metrics() == {"steps": 3}
    # the named target: every run there is in a container, so "Run in Docker" has nothing to choose
    form.compute_target.value = "box"
    assert form.use_docker.disabled and "every run on box runs in a container" in form.docker_note.value
    form.use_docker.value = False
    assert not form.submit_button.disabled, form.status.value
    on_box = form.submit()
    assert on_box.wait_for_completion(raise_on_error=False)["status"] == "Completed", read_log(on_box)
    assert f"marker={MARKER_TEXT}" in read_log(on_box)
    form.compute_target.value = "local"
    assert not form.use_docker.disabled


def test_without_an_engine_the_form_disables_docker_and_says_why(docker_ws, project, monkeypatch):
    from jupyter_estimator import Experiment
    from jupyter_estimator.core.errors import CapabilityNotAvailable
    from jupyter_estimator.widgets import EstimatorForm
    box(docker_ws)  # found the way the Docker CLI finds its engine: DOCKER_HOST
    box(docker_ws, "pinned", base_url="unix:///var/run/docker.sock")  # its own engine, which still answers
    project.write("train.py", "print('never runs')\n")
    monkeypatch.setenv("DOCKER_HOST", DEAD)
    form = EstimatorForm(workspace=docker_ws, experiment="form-dead", source_directory=str(project))
    assert form.compute_target.options == ("local", "pinned")
    assert list(form.unavailable_targets) == ["box"]
    listed = form.unavailable_targets["box"]
    assert listed.disabled and f"{DEAD} (DOCKER_HOST)" in listed.tooltip and "Fix:" in listed.tooltip
    for field in (form.use_docker, form.docker_image):
        assert field.disabled and f"{DEAD} (DOCKER_HOST)" in field.tooltip
    assert "jest-form-docker-reason" in form.docker_note.value and html.escape(f"{DEAD} (DOCKER_HOST)") in form.docker_note.value
    # what Submit would say to a Docker run, the form says too, in the same words
    form.entry_script.value = "train.py"
    assert "Ready to submit." in form.status.value
    form.docker_image.value = TEST_IMAGE
    with pytest.raises(CapabilityNotAvailable) as refusal:
        Experiment(docker_ws, "form-dead").submit(form.build())
    assert form.submit_button.disabled and html.escape(str(refusal.value)) in form.status.value
    form.docker_image.value = ""
    # a target whose engine answers runs containers: the image field comes back (every run there is in a container)
    form.compute_target.value = "pinned"
    assert not form.docker_image.disabled and form.docker_image.tooltip is None and form.docker_image.value == ""
    assert "every run on pinned runs in a container" in form.docker_note.value and "Ready to submit." in form.status.value
    form.docker_image.value = TEST_IMAGE
    form.compute_target.value = "local"  # back where no engine answers: nothing is left set that cannot be changed
    assert form.docker_image.disabled and form.docker_image.value == "" and "Ready to submit." in form.status.value
    form.compute_target.value = "pinned"  # and what was typed comes back
    assert form.docker_image.value == TEST_IMAGE and "Ready to submit." in form.status.value
    assert run_count(docker_ws) == 0


def test_the_form_shows_the_servers_list_when_a_server_hosts_the_workspace(docker_ws):
    """A kernel under Jupyter asks the server (its engine is the one runs use): the form shows those rows."""
    from jupyter_estimator.widgets import EstimatorForm
    rows = [{"name": "local", "type": "LocalCompute", "available": True, "reason": None, "docker": False,
             "docker_reason": "docker: no Docker engine answered at the server's engine"},
            {"name": "box", "type": "DockerCompute", "available": False, "reason": "docker: the server's box is down",
             "docker": False, "docker_reason": "docker: the server's box is down"},
            {"name": "ray", "type": "Ray", "available": False, "reason": "the Ray target is not available in this version",
             "docker": False, "docker_reason": None}]

    class Server:
        def request(self, method, path, body=None, timeout=60.0):
            assert (method, path) == ("GET", "compute-targets")
            return {"compute_targets": rows}

    docker_ws._server = Server()
    try:
        form = EstimatorForm(workspace=docker_ws, experiment="form-server")
    finally:
        docker_ws._server = None
    assert form.compute_target.options == ("local",) and sorted(form.unavailable_targets) == ["box", "ray"]
    assert form.unavailable_targets["box"].tooltip == "docker: the server's box is down"
    assert form.use_docker.disabled and "the server's engine" in form.use_docker.tooltip


# the magic --------------------------------------------------------------------------------------------------

def test_the_magic_runs_a_cell_in_docker(shell, docker_ws):
    box(docker_ws)
    with capture_output() as captured:
        shell.run_cell_magic("estimator", "--docker --user-managed --param epochs=2 --wait --name default_image",
                             PROVE_WHERE + METRIC)
        shell.run_cell_magic("estimator", f"--image {TEST_IMAGE} --pip six!=0.0.{time.time_ns()} --wait --name own_image",
                             PROVE_WHERE + "import six\nprint('six=' + six.__version__, flush=True)\n")
        shell.run_cell_magic("estimator", "--target box --user-managed --wait --name named", PROVE_WHERE)
    runs = {name: shell.user_ns[name] for name in ("default_image", "own_image", "named")}
    for name, run in runs.items():
        assert run.get_status() == "Completed", (name, read_log(run))
        assert f"marker={MARKER_TEXT}" in read_log(run) and "dockerenv=True" in read_log(run), name
    assert "args=--epochs 2" in read_log(runs["default_image"]) and runs["default_image"].get_metrics() == {"steps": 3}
    assert "nothing installed" in image_build_log(runs["default_image"])
    assert "six=" in read_log(runs["own_image"]) and "uv pip install" in image_build_log(runs["own_image"])  # a fresh pin: built
    assert "Azure ML's default" in image_build_log(runs["named"])
    assert "Streaming azureml-logs/20_image_build.txt" in captured.stdout


def test_the_magic_lists_the_targets_when_one_cannot_be_used(shell, docker_ws, monkeypatch):
    box(docker_ws)
    monkeypatch.setenv("DOCKER_HOST", DEAD)
    for target, says in (("box", "'box' cannot run here now"), ("nosuch", "no compute target named 'nosuch'")):
        with pytest.raises(UsageError) as refused:
            shell.run_cell_magic("estimator", f"--target {target} --user-managed", "print('never runs')")
        message = str(refused.value)
        assert message.startswith(f"%%estimator: --target '{target}': ") and says in message, message
        listing = message.split("Compute targets here:\n")[1].splitlines()
        assert listing[0].split()[:3] == ["local", "LocalCompute", "available;"] and "Docker: no (docker: " in listing[0]
        assert listing[1].split()[:4] == ["box", "DockerCompute", "not", "available:"] and f"{DEAD} (DOCKER_HOST)" in listing[1]
        assert listing[2] == "Fix: pass --target with one of ['local'], or create the target first (ComputeTarget.create)."
    with pytest.raises(UsageError, match=r"use_docker: the run asks for a container, but docker: no Docker engine answered"):
        shell.run_cell_magic("estimator", "--docker --user-managed", "print('never runs')")
    assert run_count(docker_ws) == 0
    with capture_output() as table:
        shell.run_line_magic("estimator_targets", "")
    shown = table.outputs[0].data["text/html"]
    assert "<td>box</td><td>DockerCompute</td><td>no: docker: no Docker engine answered" in shown
    assert html.escape(f"{DEAD} (DOCKER_HOST)") in shown


# the REST endpoint ------------------------------------------------------------------------------------------

async def test_the_compute_targets_endpoint_says_which_targets_run_containers(jp_fetch, jp_serverapp, docker_client,
                                                                               monkeypatch):
    ws = extension(jp_serverapp).workspace
    ws.set_settings(docker_default_image=TEST_IMAGE)
    box(ws)

    async def targets():
        status, body = await call(jp_fetch, "GET", "compute-targets")
        assert status == 200, body
        return {row["name"]: row for row in body["compute_targets"]}

    up = await targets()
    assert up["local"] == {"name": "local", "type": "LocalCompute", "available": True, "reason": None, "docker": True,
                           "docker_reason": None}
    assert up["box"] == {"name": "box", "type": "DockerCompute", "available": True, "reason": None, "docker": True,
                         "docker_reason": None}
    assert up["ray"]["available"] is False and up["ray"]["reason"]
    monkeypatch.setenv("DOCKER_HOST", DEAD)
    down = await targets()
    assert down["local"]["available"] is True and down["local"]["docker"] is False
    assert f"{DEAD} (DOCKER_HOST)" in down["local"]["docker_reason"] and "Fix:" in down["local"]["docker_reason"]
    assert down["box"]["available"] is False and down["box"]["docker"] is False
    assert f"{DEAD} (DOCKER_HOST)" in down["box"]["reason"]


# the demo notebook ------------------------------------------------------------------------------------------

EXECUTE = """
import json, sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}}).execute()
errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
texts = [o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "stream"]
print(json.dumps({"errors": [e["ename"] + ": " + e["evalue"] for e in errors], "text": "".join(texts)}))
"""


def test_the_docker_notebook_runs_top_to_bottom(docker_client, tmp_path):
    """notebooks/docker_quickstart.ipynb, executed with nbclient in this project's environment (Binder, which
    tests/test_notebooks.py stands for, has no Docker engine)."""
    notebook = json.loads((REPO / "notebooks" / "docker_quickstart.ipynb").read_text())
    assert notebook["metadata"]["jupyter_estimator"]["needs_docker"] is True  # left out of the Binder run
    work = tmp_path / "notebooks"
    shutil.copytree(REPO / "notebooks", work)
    home = tmp_path / "workspace"
    env = dict(os.environ, JUPYTER_ESTIMATOR_HOME=str(home), JUPYTER_ESTIMATOR_NO_SERVER="1",
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    out = subprocess.run([sys.executable, "-c", EXECUTE, str(work / "docker_quickstart.ipynb"), str(work)], cwd=work,
                         env=env, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-4000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["errors"] == [], result
    assert "runs start from jupyter-estimator/test-base:bookworm" in result["text"]
    assert "in a container: True; Python 3.11" in result["text"] and "Completed accuracy 0.93" in result["text"]
    assert "Environment image jupyter-estimator/env:" in result["text"]  # the pyyaml image: built, or reused
    from jupyter_estimator import Workspace
    from jupyter_estimator.store.run_filter import RunFilter
    rows = Workspace(path=home).store.runs.list(RunFilter(), limit=20)
    assert sorted(row.experiment_name for row in rows) == ["docker-quickstart", "docker-quickstart", "docker-quickstart-form"]
    for row in rows:  # the Estimator's, the magic's and the form's run: each in a container
        assert row.status == "Completed", row
        assert "in a container: True" in (home / "runs" / row.run_id / "user_logs" / "std_log.txt").read_text()
