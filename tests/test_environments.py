"""Real environments built with uv (these reach the package index, as a user's runs would)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import read_log
from jupyter_estimator import Environment, Estimator, CondaDependencies

pytestmark = pytest.mark.slow

SEED = """
import argparse
import six, yaml
from jupyter_estimator.azureml.core import Run

parser = argparse.ArgumentParser()
parser.add_argument('--data-folder')
parser.add_argument('--regularization', type=float)
parser.add_argument('--verbose', action='store_true')
args = parser.parse_args()
run = Run.get_context()
run.log('regularization', args.regularization)
print('packages', six.__name__, yaml.__name__, 'verbose', args.verbose)
try:
    import pydantic
    print('LEAKED pydantic')
except ImportError:
    print('isolated from the submitter')
"""


def test_seed_example_estimator_with_conda_and_pip_packages(exp, project):
    project.write("train.py", SEED)
    est = Estimator(source_directory=str(project), compute_target="local", entry_script="train.py",
                    script_params={"--data-folder": "/data", "--regularization": 0.5, "--verbose": ""},
                    conda_packages=["pyyaml"], pip_packages=["six"])
    run = exp.submit(est)
    details = run.wait_for_completion()
    assert details["status"] == "Completed"
    assert details["runDefinition"]["arguments"] == ["--data-folder", "/data", "--regularization", "0.5", "--verbose"]
    log = read_log(run)
    assert "packages six yaml verbose True" in log and "isolated from the submitter" in log
    assert run.get_metrics() == {"regularization": 0.5}
    build_log = (Path(run.path) / "azureml-logs" / "20_environment_build.txt").read_text()
    assert "no conda, mamba or micromamba on PATH" in build_log and "pyyaml" in build_log
    again = exp.submit(est)
    again.wait_for_completion()
    assert "is cached; reusing it" in (Path(again.path) / "azureml-logs" / "20_environment_build.txt").read_text()


def test_two_runs_with_the_same_spec_share_one_build(ws, exp, project):
    project.write("t.py", "import six; print('ok', six.__name__)")
    first = exp.submit(Estimator(str(project), compute_target="local", entry_script="t.py", pip_packages=["six", "pyyaml"]))
    second = exp.submit(Estimator(str(project), compute_target="local", entry_script="t.py", pip_packages=["pyyaml", "six"]))
    for run in (first, second):
        assert run.wait_for_completion()["status"] == "Completed"
    envs = [p for p in ws.store.envs_dir.iterdir() if p.is_dir()]
    assert len(envs) == 1
    logs = [(Path(r.path) / "azureml-logs" / "20_environment_build.txt").read_text() for r in (first, second)]
    assert sum("uv pip install" in log for log in logs) == 1
    assert sum(("built by another run" in log) or ("is cached" in log) for log in logs) == 1


def test_failed_build_fails_the_run_with_the_installers_message(exp, project):
    project.write("t.py", "print('never')")
    run = exp.submit(Estimator(str(project), compute_target="local", entry_script="t.py",
                               pip_packages=["jupyter-estimator-no-such-package-8f3a"]))
    details = run.wait_for_completion(raise_on_error=False)
    assert details["status"] == "Failed" and details["error"]["code"] == "EnvironmentBuildFailed"
    assert "jupyter-estimator-no-such-package-8f3a" in details["error"]["message"]
    assert "never" not in read_log(run)


def test_conda_package_without_pypi_equivalent_fails_clearly(exp, project):
    project.write("t.py", "print('never')")
    run = exp.submit(Estimator(str(project), compute_target="local", entry_script="t.py", conda_packages=["cudatoolkit=11.8"]))
    details = run.wait_for_completion(raise_on_error=False)
    assert details["status"] == "Failed"
    assert "cudatoolkit=11.8" in details["error"]["message"] and "no PyPI equivalent" in details["error"]["message"]


def test_build_local_warms_the_cache(ws, exp, project):
    env = Environment("warm")
    env.environment_variables = {}
    env.python.conda_dependencies = CondaDependencies.create(pip_packages=["six"])
    interpreter = env.build_local(ws)
    assert Path(interpreter).exists()
    project.write("t.py", "import six; print('warm ok')")
    from jupyter_estimator import ScriptRunConfig
    run = exp.submit(ScriptRunConfig(str(project), script="t.py", environment=env))
    run.wait_for_completion()
    assert "is cached" in (Path(run.path) / "azureml-logs" / "20_environment_build.txt").read_text()
