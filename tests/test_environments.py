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


def test_an_old_exact_pin_is_relaxed_to_the_nearest_wheel_release(ws, exp, project, capsys):
    """Issue 8 item 4: `joblib==0.13.2` beside scikit-learn (a 2019 sample's pins) builds from wheels, saying so."""
    project.write("t.py", "import joblib, sklearn\nprint('versions', joblib.__version__, sklearn.__version__)\n")
    est = Estimator(str(project), compute_target="local", entry_script="t.py", pip_packages=["joblib==0.13.2", "scikit-learn"])
    run = exp.submit(est)
    details = run.wait_for_completion(show_output=True)
    shown = capsys.readouterr().out
    assert details["status"] == "Completed", details
    build_log = (Path(run.path) / "azureml-logs" / "20_environment_build.txt").read_text()
    relaxed = [line for line in build_log.splitlines() if line.startswith("WARNING: pip_packages: joblib==0.13.2")]
    assert len(relaxed) == 1, build_log
    chosen = relaxed[0].split("installing joblib==", 1)[1].split(",", 1)[0]
    assert f"versions {chosen} " in read_log(run)  # the run got exactly the release the warning named
    assert relaxed[0] in shown  # wait_for_completion(show_output=True) shows it too
    assert "--no-build" in build_log  # wheels only: nothing is compiled


def test_strict_pins_fail_fast_with_the_resolvers_message(ws, exp, project):
    ws.set_settings(environment_pins="strict")
    project.write("t.py", "print('never')")
    run = exp.submit(Estimator(str(project), compute_target="local", entry_script="t.py",
                               pip_packages=["joblib==0.13.2", "scikit-learn"]))
    details = run.wait_for_completion(raise_on_error=False)
    assert details["status"] == "Failed" and details["error"]["code"] == "EnvironmentBuildFailed"
    message = details["error"]["message"]
    assert "environment_pins is strict" in message and "joblib==0.13.2" in message and "unsatisfiable" in message
    assert "environment_pins='relax'" in message  # the fix
    assert "never" not in read_log(run)


def test_a_pin_with_no_wheel_for_this_python_moves_to_the_nearest_one(ws, exp, project):
    """scikit-learn==0.22.1 has no wheel for Python 3.11+: the nearest release that has one is installed."""
    import sys
    if sys.version_info < (3, 11):
        pytest.skip("scikit-learn 0.22.1 has wheels for this Python")
    project.write("t.py", "import sklearn\nprint('sklearn', sklearn.__version__)\n")
    run = exp.submit(Estimator(str(project), compute_target="local", entry_script="t.py",
                               pip_packages=["scikit-learn==0.22.1"]))
    assert run.wait_for_completion(raise_on_error=False)["status"] == "Completed"
    build_log = (Path(run.path) / "azureml-logs" / "20_environment_build.txt").read_text()
    line = next(l for l in build_log.splitlines() if l.startswith("WARNING: pip_packages: scikit-learn==0.22.1"))
    chosen = line.split("installing scikit-learn==", 1)[1].split(",", 1)[0]
    assert f"sklearn {chosen}" in read_log(run)
    # the nearest release with a wheel (1.1.3) was built against numpy 1 and fails to import beside numpy 2:
    # the builder says so and takes the newest release instead, rather than leaving a broken environment
    if "the nearest, does not import" in line:
        assert "does not import beside the other packages" in build_log
    else:
        assert tuple(int(p) for p in chosen.split(".")[:2]) < (1, 3), chosen


def test_build_output_streams_into_the_log_while_the_installer_runs(tmp_path):
    """Issue 8 item 5: each installer line is in the build log as it comes, not after the installer exits."""
    import sys
    import threading
    import time
    from jupyter_estimator.runner.environments import _run
    release = tmp_path / "release"
    log_path = tmp_path / "20_environment_build.txt"
    # printed as separate words so that the echoed command line does not hold the lines themselves
    code = ("import os, sys, time\nprint('Resolved', 3, 'packages', flush=True)\n"
            f"while not os.path.exists({str(release)!r}): time.sleep(0.02)\nprint('Installed', 3, 'packages')\n")
    with open(log_path, "a") as log:
        worker = threading.Thread(target=_run, args=([sys.executable, "-c", code], log))
        worker.start()
        deadline = time.monotonic() + 30
        while "Resolved 3 packages" not in log_path.read_text() and time.monotonic() < deadline:
            time.sleep(0.02)
        seen_while_running = log_path.read_text()
        release.touch()
        worker.join(30)
    assert "Resolved 3 packages" in seen_while_running and "Installed 3 packages" not in seen_while_running
    assert "Installed 3 packages" in log_path.read_text()
