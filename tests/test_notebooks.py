"""notebooks/*.ipynb executed with nbclient in an environment made the way Binder makes one:
a fresh venv, `pip install -r binder/requirements.txt` from the repository root, then binder/postBuild."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

EXECUTE = """
import json, sys, nbformat
from nbclient import NotebookClient
path = sys.argv[1]
nb = nbformat.read(path, as_version=4)
NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}}).execute()
errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
texts = [o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "stream"]
kinds = [sorted(o.get("data", {})) for c in nb.cells if c.cell_type == "code" for o in c.outputs if "data" in o]
print(json.dumps({"errors": len(errors), "text": "".join(texts), "kinds": kinds}))
"""


@pytest.fixture(scope="module")
def binder_env(tmp_path_factory):
    """A fresh venv built from binder/ files, as repo2docker would (pip, then postBuild)."""
    root = tmp_path_factory.mktemp("binder")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = dict(os.environ, PATH=f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}", VIRTUAL_ENV=str(venv),
               JUPYTER_ESTIMATOR_HOME=str(root / "workspace"), JUPYTER_ESTIMATOR_NO_SERVER="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("PYTHONPATH", None)
    install = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "-r", "binder/requirements.txt"], cwd=REPO, env=env,
                             capture_output=True, text=True, timeout=1200)
    assert install.returncode == 0, install.stderr[-4000:]
    post = subprocess.run(["bash", "binder/postBuild"], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert post.returncode == 0, post.stdout[-2000:] + post.stderr[-2000:]
    return venv, env, root


def needs_docker(path: Path) -> bool:
    """Notebooks marked `"jupyter_estimator": {"needs_docker": true}` in their metadata need a Docker engine,
    which Binder lacks: tests/containers/test_docker_surfaces.py executes those where one runs."""
    return bool(json.loads(path.read_text()).get("metadata", {}).get("jupyter_estimator", {}).get("needs_docker"))


BINDER_NOTEBOOKS = sorted(p.name for p in (REPO / "notebooks").glob("*.ipynb") if not needs_docker(p))


@pytest.mark.parametrize("notebook", BINDER_NOTEBOOKS)
def test_notebook_runs_in_a_binder_made_environment(binder_env, notebook, tmp_path):
    venv, env, root = binder_env
    work = tmp_path / "notebooks"
    shutil.copytree(REPO / "notebooks", work)
    out = subprocess.run([str(venv / "bin" / "python"), "-c", EXECUTE, str(work / notebook), str(work)], cwd=work, env=env,
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-4000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["errors"] == 0, result
    if notebook == "quickstart.ipynb":
        assert "Completed" in result["text"] and "hello from the form" not in result["text"]  # the form's run logs to its monitor
        assert any("application/vnd.jupyter.widget-view+json" in kinds for kinds in result["kinds"])
        # the runs it made are in the workspace, with their metrics
        listing = subprocess.run([str(venv / "bin" / "jupyter-estimator"), "runs", "--json"], env=env, capture_output=True,
                                 text=True, timeout=120)
        runs = json.loads(listing.stdout)
        assert {r["experiment_name"] for r in runs} >= {"quickstart", "quickstart-form"}
        assert all(r["status"] == "Completed" for r in runs)


def test_the_wheel_installed_without_node_enables_both_extensions(binder_env):
    """binder/requirements.txt installs the project as a built wheel (not editable): its data files must
    enable the server extension and ship the prebuilt JupyterLab extension, with no Node.js around."""
    venv, env, _root = binder_env
    bare = dict(env, PATH=str(venv / "bin"))
    assert shutil.which("node", path=bare["PATH"]) is None and shutil.which("npm", path=bare["PATH"]) is None
    lab = subprocess.run([str(venv / "bin" / "jupyter"), "labextension", "list"], env=bare, capture_output=True, text=True, timeout=120)
    lab_text = lab.stdout + lab.stderr
    assert "jupyter-estimator v0.1.0" in lab_text and "enabled" in lab_text.split("jupyter-estimator v0.1.0")[1].splitlines()[0]
    assert "OK" in lab_text.split("jupyter-estimator v0.1.0")[1].splitlines()[0]
    server = subprocess.run([str(venv / "bin" / "jupyter"), "server", "extension", "list"], env=bare, capture_output=True, text=True, timeout=120)
    server_text = server.stdout + server.stderr
    assert "jupyter_estimator enabled" in server_text.replace("\x1b[32m", "").replace("\x1b[0m", "")
    assert "jupyter_estimator 0.1.0 OK" in server_text.replace("\x1b[32m", "").replace("\x1b[0m", "")
    installed = venv / "share" / "jupyter" / "labextensions" / "jupyter-estimator"
    assert (installed / "package.json").is_file() and not installed.is_symlink()
    assert any(p.name.startswith("remoteEntry.") for p in (installed / "static").iterdir())
