"""The azureml compatibility namespace and the `jupyter estimator` CLI."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

from conftest import PYTHON, python_env

AML_IMPORTS = {
    "core": ["Workspace", "Experiment", "Run", "ScriptRunConfig", "Environment", "Model", "RunConfiguration", "ComputeTarget", "VERSION"],
    "core.run": ["Run"],
    "core.script_run": ["ScriptRun"],
    "core.runconfig": ["RunConfiguration", "MpiConfiguration", "PyTorchConfiguration", "TensorflowConfiguration",
                       "DockerConfiguration", "DEFAULT_CPU_IMAGE", "DEFAULT_GPU_IMAGE"],
    "core.script_run_config": ["ScriptRunConfig"],
    "core.environment": ["Environment"],
    "core.conda_dependencies": ["CondaDependencies"],
    "core.model": ["Model"],
    "core.compute": ["ComputeTarget", "AmlCompute", "RemoteCompute"],
    "core.compute_target": ["ComputeTargetException"],
    "train.estimator": ["Estimator", "Mpi", "Gloo", "Nccl", "ParameterServer"],
    "train.dnn": ["PyTorch", "TensorFlow", "Chainer", "Mpi", "Gloo", "Nccl", "ParameterServer"],
    "train.sklearn": ["SKLearn"],
    "widgets": ["RunDetails"],
    "telemetry": ["set_diagnostics_collection"],
    "exceptions": ["ActivityFailedException", "UserErrorException"],
}


@pytest.mark.parametrize("module", sorted(AML_IMPORTS))
def test_aml_module_paths_resolve_to_the_projects_classes(module):
    loaded = importlib.import_module(f"jupyter_estimator.azureml.{module}")
    for name in AML_IMPORTS[module]:
        assert getattr(loaded, name) is not None, f"{module}.{name}"
    import jupyter_estimator
    if "Run" in AML_IMPORTS[module]:
        assert loaded.Run is jupyter_estimator.Run


def test_a_ported_aml_notebook_cell_runs(home, project):
    project.write("train.py", "from jupyter_estimator.azureml.core import Run\nRun.get_context().log('acc', 0.9)\nprint('ported')")
    code = f"""
from jupyter_estimator.azureml.core import Workspace, Experiment
from jupyter_estimator.azureml.train.estimator import Estimator
from jupyter_estimator.azureml.core.compute import ComputeTarget, AmlCompute
from jupyter_estimator.azureml.core.compute_target import ComputeTargetException
ws = Workspace.from_config() if False else Workspace()
try:
    target = ComputeTarget(workspace=ws, name='cpu-cluster')
except ComputeTargetException:
    target = ComputeTarget.create(ws, 'cpu-cluster', AmlCompute.provisioning_configuration(vm_size='STANDARD_D2_V2', max_nodes=4))
    target.wait_for_completion(show_output=True)
est = Estimator(source_directory={str(project)!r}, compute_target=target, entry_script='train.py', user_managed=True)
run = Experiment(workspace=ws, name='ported').submit(est)
run.wait_for_completion(show_output=True)
print(run.get_metrics())
"""
    out = subprocess.run([PYTHON, "-c", code], env=python_env(home), capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "Succeeded" in out.stdout and "ported" in out.stdout and "{'acc': 0.9}" in out.stdout


def cli(home, *args, check=True):
    out = subprocess.run([PYTHON, "-m", "jupyter_estimator.cli", *args], env=python_env(home), capture_output=True,
                         text=True, timeout=120)
    if check:
        assert out.returncode == 0, out.stderr + out.stdout
    return out


def test_cli_submit_runs_show_logs_download_models_cancel(home, project, tmp_path):
    project.write("train.py", """
        import os, sys
        from jupyter_estimator import Run
        run = Run.get_context()
        print('cli args', sys.argv[1:])
        os.makedirs('outputs', exist_ok=True)
        open('outputs/model.txt', 'w').write('m')
        run.log('score', 1.5)
    """)
    out = cli(home, "submit", "train.py", "-d", str(project), "-e", "cli", "--user-managed", "-p", "lr=0.1", "--tag", "k=v",
              "--", "extra")
    assert "cli args ['--lr', '0.1', 'extra']" in out.stdout and "Status: Completed" in out.stdout
    run_id = out.stdout.split()[1]
    listing = json.loads(cli(home, "runs", "--json").stdout)
    assert listing[0]["run_id"] == run_id and listing[0]["status"] == "Completed"
    shown = json.loads(cli(home, "show", run_id).stdout)
    assert shown["metrics"] == {"score": 1.5} and shown["tags"] == {"k": "v"} and "outputs/model.txt" in shown["files"]
    assert "cli args" in cli(home, "logs", run_id).stdout
    cli(home, "download", run_id, "--prefix", "outputs/", "-o", str(tmp_path / "dl"))
    assert (tmp_path / "dl" / "outputs" / "model.txt").read_text() == "m"
    assert cli(home, "cancel", run_id, check=False).returncode == 1  # already final
    assert "NAME" in cli(home, "models").stdout
    bad = cli(home, "submit", "missing.py", "-d", str(project), check=False)
    assert bad.returncode == 2 and "entry_script" in bad.stderr and "Fix:" in bad.stderr


def test_cli_detach_then_cancel(home, project):
    project.write("long.py", "import time\nprint('up', flush=True)\ntime.sleep(600)")
    out = cli(home, "submit", "long.py", "-d", str(project), "--user-managed", "--detach")
    run_id = out.stdout.split()[1]
    assert cli(home, "cancel", run_id).returncode == 0
    followed = cli(home, "logs", run_id, "--follow", check=False)
    assert followed.returncode == 1 and "Execution Summary" in followed.stdout
    assert json.loads(cli(home, "show", run_id).stdout)["status"] == "Canceled"


def test_jupyter_estimator_subcommand_lists_runs(home, exp):
    """`jupyter estimator …` as a user types it: the `jupyter` launcher finds the installed `jupyter-estimator`."""
    import os
    import shutil
    bin_dir = os.path.dirname(sys.executable)
    jupyter = shutil.which("jupyter", path=bin_dir) or shutil.which("jupyter")
    assert jupyter, f"no `jupyter` command in {bin_dir} or on PATH"
    done = exp.start_logging(snapshot_directory=None)
    done.complete()
    failed = exp.start_logging(snapshot_directory=None)
    failed.fail()
    env = python_env(home)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    out = subprocess.run([jupyter, "estimator", "runs", "--json"], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr + out.stdout
    listed = {row["run_id"]: (row["experiment_name"], row["status"]) for row in json.loads(out.stdout)}
    assert listed == {done.id: ("tests", "Completed"), failed.id: ("tests", "Failed")}
    only_failed = subprocess.run([jupyter, "estimator", "runs", "--json", "--status", "Failed"], env=env,
                                 capture_output=True, text=True, timeout=120)
    assert [row["run_id"] for row in json.loads(only_failed.stdout)] == [failed.id]
