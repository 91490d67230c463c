"""Workspace discovery, compute targets, environments and run configurations."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from jupyter_estimator import (AmlCompute, ComputeTarget, CondaDependencies, Environment, Estimator, LocalCompute,
                               PyTorch, RunConfiguration, ScriptRunConfig, SKLearn, TensorFlow, Workspace)
from jupyter_estimator.core.conda_map import NoPyPIEquivalent, conda_to_pypi
from jupyter_estimator.core.errors import ComputeTargetException, TrainingException


def test_default_workspace_lives_at_the_home_variable(home):
    ws = Workspace()
    assert Path(ws.path) == home and ws.name == "workspace" and ws.location == "local"
    assert (home / "index.sqlite").exists()
    assert ws.store.index.read("PRAGMA journal_mode")[0][0] == "wal"
    assert "Workspace.create(name='workspace'" in repr(ws)


def test_from_config_searches_upward_and_maps_to_local(tmp_path, monkeypatch, home):
    project = tmp_path / "repo" / "src" / "deep"
    project.mkdir(parents=True)
    config = tmp_path / "repo" / ".azureml" / "config.json"
    config.parent.mkdir()
    config.write_text(json.dumps({"subscription_id": "sub", "resource_group": "rg", "workspace_name": "aml-ws"}))
    monkeypatch.chdir(project)
    ws = Workspace.from_config()
    assert ws.subscription_id == "sub" and ws.resource_group == "rg" and ws.path == str(home)
    (tmp_path / "repo" / "config.json").write_text(json.dumps({"workspace_name": "w2", "path": "local-ws"}))
    ws2 = Workspace.from_config()
    assert ws2.path == str(tmp_path / "repo" / "local-ws") and ws2.name == "w2"
    written = Workspace(path=tmp_path / "x").write_config(path=str(tmp_path / "cfg"))
    assert Workspace.from_config(written).path == str(tmp_path / "x")


def test_compute_target_registry(ws):
    assert isinstance(ComputeTarget(ws, "local"), LocalCompute)
    with pytest.raises(ComputeTargetException, match="no compute target named 'cpu-cluster'"):
        ComputeTarget(workspace=ws, name="cpu-cluster")
    config = AmlCompute.provisioning_configuration(vm_size="STANDARD_D2_V2", max_nodes=4)
    cluster = ComputeTarget.create(ws, "cpu-cluster", config)
    cluster.wait_for_completion(show_output=False)
    assert isinstance(cluster, AmlCompute) and cluster.type == "AmlCompute" and cluster.provisioning_state == "Succeeded"
    assert isinstance(ComputeTarget(ws, "cpu-cluster"), AmlCompute)
    assert ComputeTarget.create(ws, "cpu-cluster", config).name == "cpu-cluster"  # idempotent
    assert set(ws.compute_targets) == {"local", "cpu-cluster"}
    assert cluster.get_status().serialize()["provisioningState"] == "Succeeded"


def test_named_aml_cluster_runs_on_the_local_target(ws, exp, project):
    from conftest import read_log
    ComputeTarget.create(ws, "cpu-cluster", AmlCompute.provisioning_configuration(vm_size="x"))
    project.write("t.py", "print('on the cluster')")
    est = Estimator(str(project), compute_target=ComputeTarget(ws, "cpu-cluster"), entry_script="t.py", user_managed=True)
    run = exp.submit(est)
    details = run.wait_for_completion()
    assert details["target"] == "cpu-cluster" and "on the cluster" in read_log(run)


def test_conda_dependencies_api(tmp_path):
    deps = CondaDependencies.create(pip_packages=["six"], conda_packages=["numpy=1.26"], python_version="3.11")
    assert deps.conda_packages == ["numpy=1.26"] and deps.pip_packages == ["six"] and deps.get_python_version() == "3.11"
    deps.add_pip_package("six>=1.16")
    assert deps.pip_packages == ["six>=1.16"]
    deps.set_pip_option("--extra-index-url https://example.org/simple")
    assert deps.pip_options == ["--extra-index-url https://example.org/simple"]
    saved = deps.save(str(tmp_path / "env.yml"))
    again = CondaDependencies(saved)
    assert again == deps
    deps.remove_conda_package("numpy")
    assert deps.conda_packages == []


def test_conda_to_pypi_map():
    assert conda_to_pypi("pytorch") == "torch"
    assert conda_to_pypi("py-xgboost=1.7") == "xgboost==1.7.*"
    assert conda_to_pypi("conda-forge::numpy=1.26.4=py311h") == "numpy==1.26.4"
    assert conda_to_pypi("scikit-learn>=1.3") == "scikit-learn>=1.3"
    assert conda_to_pypi("pip") is None
    with pytest.raises(NoPyPIEquivalent):
        conda_to_pypi("cudatoolkit=11.8")
    with pytest.raises(NoPyPIEquivalent):
        conda_to_pypi("r-ggplot2")


def test_environment_register_get_list(ws, tmp_path):
    env = Environment("train-env")
    env.python.conda_dependencies = CondaDependencies.create(pip_packages=["six"])
    first = env.register(ws)
    assert first.version == "1"
    assert env.register(ws).version == "1"  # unchanged definition: same version
    env.python.conda_dependencies.add_pip_package("pyyaml")
    assert env.register(ws).version == "2"
    assert Environment.get(ws, "train-env").python.conda_dependencies.pip_packages == ["six", "pyyaml"]
    assert Environment.get(ws, "train-env", version="1").python.conda_dependencies.pip_packages == ["six"]
    assert list(Environment.list(ws)) == ["train-env"]
    req = tmp_path / "req.txt"
    req.write_text("# comment\nsix==1.16.0\n\n--extra-index-url https://example.org\n")
    from_req = Environment.from_pip_requirements("from-req", str(req))
    assert from_req.python.conda_dependencies.pip_packages == ["six==1.16.0"]
    clone = from_req.clone("copy")
    assert clone.name == "copy" and clone.version is None
    from_req.save_to_directory(str(tmp_path / "saved"))
    assert Environment.load_from_directory(str(tmp_path / "saved")) == from_req


def test_estimator_builds_aml_run_configuration(project):
    project.write("train.py", "")
    project.write("requirements.txt", "pyyaml\n")
    est = Estimator(str(project), compute_target="local", entry_script="train.py", conda_packages=["numpy"],
                    pip_packages=["six"], pip_requirements_file="requirements.txt",
                    environment_variables={"A": "1"}, max_run_duration_seconds=60)
    rc = est.run_config
    assert rc.target == "local" and rc.framework == "Python" and rc.max_run_duration_seconds == 60
    assert est.conda_dependencies.conda_packages == ["numpy"]
    assert est.conda_dependencies.pip_packages == ["six", "pyyaml"]
    assert rc.environment_variables == {"A": "1"}
    assert rc.docker.use_docker is False  # auto: no image asked for
    docker_est = Estimator(str(project), compute_target="local", entry_script="train.py", custom_docker_image="python:3.11")
    assert docker_est.run_config.docker.use_docker is True
    assert Estimator(str(project), compute_target="local", entry_script="train.py", use_docker=True).run_config.docker.use_docker


def test_distributed_settings_map_to_aml_communicators(project):
    from jupyter_estimator import Mpi, Gloo, PyTorchConfiguration
    project.write("train.py", "")
    est = Estimator(str(project), compute_target="local", entry_script="train.py", node_count=2, distributed_training=Mpi(process_count_per_node=2))
    assert (est.run_config.communicator, est.run_config.node_count, est.run_config.mpi.process_count_per_node) == ("IntelMpi", 2, 2)
    torch_est = PyTorch(str(project), compute_target="local", entry_script="train.py", node_count=2, distributed_training=Gloo(), framework_version="2.13.0")
    assert (torch_est.run_config.framework, torch_est.run_config.communicator) == ("PyTorch", "gloo")
    assert "torch==2.13.0" in torch_est.conda_dependencies.pip_packages
    src = ScriptRunConfig(str(project), script="train.py", distributed_job_config=PyTorchConfiguration(communication_backend="Gloo", node_count=3))
    assert (src.run_config.communicator, src.run_config.node_count) == ("gloo", 3)
    with pytest.raises(TrainingException, match="node_count"):
        SKLearn(str(project), compute_target="local", entry_script="train.py", node_count=2)
    tf = TensorFlow(str(project), compute_target="local", entry_script="train.py", framework_version="2.16.1")
    assert "tensorflow==2.16.1" in tf.conda_dependencies.pip_packages
    assert TensorFlow.get_supported_versions()[-1] == "2.3"


def test_framework_estimator_without_a_version_uses_the_installed_one(project, tmp_path, monkeypatch):
    """Issue 8 item 4: no framework_version → the version this interpreter has (what the notebook ran), else newest."""
    import importlib
    from jupyter_estimator.core.estimator import SKLearn
    project.write("train.py", "print('fit')")
    assert SKLearn(str(project), compute_target="local", entry_script="train.py").conda_dependencies.pip_packages == ["scikit-learn"]
    site = tmp_path / "site"  # a real (metadata-only) installed distribution, found the way any other is
    (site / "scikit_learn-1.5.2.dist-info").mkdir(parents=True)
    (site / "scikit_learn-1.5.2.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: scikit-learn\nVersion: 1.5.2\n")
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    est = SKLearn(str(project), compute_target="local", entry_script="train.py")
    assert est.conda_dependencies.pip_packages == ["scikit-learn==1.5.2"] and est.framework_version == "1.5.2"
    assert SKLearn(str(project), compute_target="local", entry_script="train.py", framework_version="1.4.0").conda_dependencies.pip_packages == ["scikit-learn==1.4.0"]


def test_script_run_config_run_config_is_mutable(project):
    project.write("train.py", "")
    src = ScriptRunConfig(str(project), script="train.py", arguments=["--a", 1])
    src.run_config.target = "cpu-cluster"
    src.run_config.environment = Environment("e")
    assert src.run_config.target == "cpu-cluster" and src.arguments == ["--a", 1]
    rc = RunConfiguration(script="train.py")
    rc.save(str(project.path), name="mine")
    assert RunConfiguration.load(str(project.path), name="mine").script == "train.py"


def test_estimator_logs_the_deprecation_once(project, caplog):
    import jupyter_estimator.core.estimator as module
    module._warned.discard("Estimator")
    project.write("train.py", "")
    with caplog.at_level(logging.WARNING):
        Estimator(str(project), compute_target="local", entry_script="train.py")
        Estimator(str(project), compute_target="local", entry_script="train.py")
    assert sum("deprecated" in r.message for r in caplog.records) == 1


def test_index_is_rebuilt_from_run_folders_and_model_sidecars(home, exp, project):
    from conftest import submit_script
    from jupyter_estimator import Experiment, Model, Run
    from jupyter_estimator.store.index import reset_connections
    run = submit_script(exp, project, "t.py", """
        import os
        from jupyter_estimator import Run
        run = Run.get_context()
        run.log("acc", 0.5); run.log("acc", 0.75)
        run.tag("phase", "script")
        os.makedirs("outputs", exist_ok=True); open("outputs/m.bin", "w").write("m")
    """)
    run.wait_for_completion()
    run.set_tags({"kept": "yes", "dropped": "x"})
    run.remove_tags(["dropped"])
    run.display_name = "renamed"
    with exp.start_logging(snapshot_directory=None) as interactive:
        interactive.log("x", 1)
    model = run.register_model("rebuilt", "outputs/m.bin", tags={"t": "1"})
    model.add_tags({"t2": "2"})
    before_tags, before_props = run.get_tags(), run.get_properties()
    reset_connections()
    for suffix in ("", "-wal", "-shm"):
        path = home / f"index.sqlite{suffix}"
        if path.exists():
            path.unlink()
    ws = Workspace()
    assert ws.rebuild_index() == {"runs": 2, "models": 1}
    again = Run(Experiment(ws, "tests"), run.id)
    assert again.get_tags() == before_tags == {"phase": "script", "kept": "yes"}
    assert again.get_properties() == before_props and again.display_name == "renamed"
    assert again.get_status() == "Completed" and again.number == 1
    assert [r.id for r in Experiment(ws, "tests").get_runs()] == [interactive.id, run.id]
    assert Model(ws, "rebuilt").tags == {"t": "1", "t2": "2"} and Model(ws, "rebuilt").run_id == run.id
    summary = ws.store.index.read("SELECT value, count FROM run_metrics_latest WHERE run_id = ? AND name = 'acc'", (run.id,))
    assert (summary[0]["value"], summary[0]["count"]) == ("0.75", 2)


def test_experiment_list_tags_and_archive(ws):
    from jupyter_estimator import Experiment
    first, second = Experiment(ws, "alpha"), Experiment(ws, "beta")
    first.set_tags({"team": "vision"})
    second.archive()
    assert [e.name for e in Experiment.list(ws)] == ["alpha"]
    assert [e.name for e in Experiment.list(ws, view_type="ArchivedOnly")] == ["beta"]
    assert [e.name for e in Experiment.list(ws, view_type="All", tags={"team": "vision"})] == ["alpha"]
    second.reactivate()
    assert second.archived_time is None and set(ws.experiments) == {"alpha", "beta"}
    assert repr(first) == f"Experiment(Name: alpha,\nWorkspace: {ws.name})"
