"""Bad input: each case raises a clear error naming the field and the fix, and writes nothing."""

from __future__ import annotations


import pytest

from jupyter_estimator import (AmlCompute, ComputeTarget, CondaDependencies, DockerConfiguration, Environment, Estimator, Experiment, Model,
                               MpiConfiguration, PyTorchConfiguration, ScriptRunConfig, Workspace)
from jupyter_estimator.core.errors import EstimatorError


@pytest.fixture
def src(project):
    project.write("train.py", "print('hi')")
    project.write("requirements.txt", "six\n")
    project.write("env.yml", "name: e\ndependencies:\n  - pip:\n    - six\n")
    (project.path.parent / "outside.py").write_text("print('outside')")
    return str(project)


def _est(src, **kw):
    base = {"compute_target": "local", "entry_script": "train.py"}
    base.update(kw)
    return lambda: Estimator(src, **base)


def cases(ws, exp, src, finished_run):
    """(description, callable, field that the message must name)."""
    yield "missing entry_script", lambda: Estimator(src, compute_target="local"), "entry_script"
    yield "script outside source_directory", _est(src, entry_script="../outside.py"), "entry_script"
    yield "absolute entry_script", _est(src, entry_script="/etc/passwd"), "entry_script"
    yield "entry_script that does not exist", _est(src, entry_script="nope.py"), "entry_script"
    yield "source_directory missing", lambda: Estimator(src + "/nope", compute_target="local", entry_script="train.py"), "source_directory"
    yield "no target and no vm_size", lambda: Estimator(src, entry_script="train.py"), "compute_target"
    yield "node_count=0", _est(src, node_count=0), "node_count"
    yield "node_count as str", _est(src, node_count="2"), "node_count"
    yield "node_count>1 without backend", _est(src, node_count=2), "node_count"
    yield "process_count_per_node=0", _est(src, process_count_per_node=0), "process_count_per_node"
    yield "unknown distributed_backend", _est(src, distributed_backend="horovod"), "distributed_backend"
    yield "non-dict script_params", _est(src, script_params=["--a", 1]), "script_params"
    yield "conflicting environment_definition + packages", _est(src, environment_definition=Environment("x"), pip_packages=["six"]), "pip_packages"
    yield "both conda files", _est(src, conda_dependencies_file="env.yml", conda_dependencies_file_path="env.yml"), "conda_dependencies_file"
    yield "conda file + pip file", _est(src, conda_dependencies_file="env.yml", pip_requirements_file="requirements.txt"), "pip_requirements_file"
    yield "conda file + pip_packages", _est(src, conda_dependencies_file="env.yml", pip_packages=["six"]), "conda_dependencies_file"
    yield "user_managed with packages", _est(src, user_managed=True, pip_packages=["six"]), "pip_packages"
    yield "custom image without docker", _est(src, use_docker=False, custom_docker_image="python:3.11"), "use_docker"
    yield "both image arguments", _est(src, custom_docker_image="a", custom_docker_base_image="b"), "custom_docker_base_image"
    yield "bad shm_size", _est(src, shm_size="lots"), "shm_size"
    yield "max_run_duration_seconds=0", _est(src, max_run_duration_seconds=0), "max_run_duration_seconds"
    yield "pip_packages as a string", _est(src, pip_packages="six"), "pip_packages"
    yield "requirements file missing", _est(src, pip_requirements_file="missing.txt"), "pip_requirements_file"
    yield "bad vm_priority", _est(src, vm_priority="cheap"), "vm_priority"
    yield "ScriptRunConfig arguments as str", lambda: ScriptRunConfig(src, script="train.py", arguments="--a 1"), "arguments"
    yield "ScriptRunConfig script and command", lambda: ScriptRunConfig(src, script="train.py", command="python x.py"), "script/command"
    yield "ScriptRunConfig without script", lambda: ScriptRunConfig(src), "script"
    yield "PyTorch backend", lambda: PyTorchConfiguration(communication_backend="mpi"), "communication_backend"
    yield "MpiConfiguration node_count", lambda: MpiConfiguration(node_count=0), "node_count"
    yield "bad distributed_job_config", lambda: ScriptRunConfig(src, script="train.py", distributed_job_config="mpi"), "distributed_job_config"
    yield "unknown compute target", lambda: exp.submit(ScriptRunConfig(src, script="train.py", compute_target="gpu-cluster")), "compute_target"
    yield "ComputeTarget missing", lambda: ComputeTarget(ws, "missing-target"), "compute_target"
    yield "compute target bad name", lambda: ComputeTarget.create(ws, "x", AmlCompute.provisioning_configuration()), "name"
    yield "max_nodes < min_nodes", lambda: AmlCompute.provisioning_configuration(min_nodes=3, max_nodes=2), "max_nodes"
    yield "submit: script outside source", lambda: exp.submit(ScriptRunConfig(src, script="../outside.py")), "script"
    yield "submit: distributed not available", lambda: exp.submit(_est(src, node_count=2, distributed_backend="mpi")()), "distributed_training"
    yield "submit: docker option not allowed", lambda: exp.submit(ScriptRunConfig(
        src, script="train.py", docker_runtime_config=DockerConfiguration(use_docker=True, arguments=["--privileged"]))), \
        "environment.docker.arguments"
    yield "submit: non-dict tags", lambda: exp.submit(ScriptRunConfig(src, script="train.py"), tags=["a"]), "tags"
    yield "submit: not a config", lambda: exp.submit("train.py"), "config"
    yield "experiment name", lambda: Experiment(ws, "bad name!"), "name"
    yield "model name", lambda: Model.register(ws, src + "/train.py", "-bad name"), "model_name"
    yield "model path missing", lambda: Model.register(ws, src + "/nope.pkl", "ok-name"), "model_path"
    yield "framework version without framework", lambda: Model.register(ws, src + "/train.py", "ok", model_framework_version="1"), "model_framework_version"
    yield "download_file with ..", lambda: finished_run.download_file("../../index.sqlite"), "name"
    yield "download_file absolute", lambda: finished_run.download_file("/etc/passwd"), "name"
    yield "upload_file with ..", lambda: finished_run.upload_file("../x.txt", src + "/train.py"), "name"
    yield "environment name", lambda: Environment("bad name"), "name"
    yield "environment reserved name", lambda: Environment("AzureML-Tutorial").register(ws), "name"
    yield "environment not registered", lambda: Environment.get(ws, "never-registered"), "name"
    yield "conda package not a string", lambda: CondaDependencies.create(conda_packages=[3]), "conda_packages"
    yield "python version", lambda: CondaDependencies().set_python_version("latest"), "python_version"
    yield "workspace setting", lambda: ws.set_settings(max_concurrent_runs=0), "max_concurrent_runs"
    yield "unknown workspace setting", lambda: ws.set_settings(turbo=True), "turbo"
    yield "run_id with slash", lambda: ws.store.run_folder("../escape"), "run_id"
    yield "log a list", lambda: finished_run.log("xs", [1, 2]), "value"
    yield "log_table unequal", lambda: finished_run.log_table("t", {"a": [1], "b": [1, 2]}), "value"
    yield "log_image both", lambda: finished_run.log_image("i", path="a.png", plot=object()), "path/plot"
    yield "create_children both", lambda: finished_run.create_children(count=2, tag_key="k", tag_values=["a"]), "count/tag_key"
    yield "Workspace.from_config missing", lambda: Workspace.from_config(path=src), "path"
    yield "submit override unknown", lambda: exp.submit(_est(src)(), max_run_duration_seconds=5), "max_run_duration_seconds"


def _snapshot_state(ws):
    runs = sorted(p.name for p in ws.store.runs_dir.iterdir())
    rows = [tuple(r) for r in ws.store.index.read("SELECT run_id, status FROM runs ORDER BY run_id")]
    models = [tuple(r) for r in ws.store.index.read("SELECT name, version FROM models")]
    model_files = sorted(str(p) for p in ws.store.models_dir.rglob("*"))
    envs = [tuple(r) for r in ws.store.index.read("SELECT name, version FROM environments")]
    targets = [tuple(r) for r in ws.store.index.read("SELECT name FROM compute_targets")]
    return runs, rows, models, model_files, envs, targets


CASE_NAMES = [description for description, _, _ in cases(None, None, None, None)]  # the lambdas are not called here
assert len(set(CASE_NAMES)) == len(CASE_NAMES), "each case needs its own description"


@pytest.mark.parametrize("description", CASE_NAMES)
def test_bad_input_names_its_field_and_writes_nothing(description, ws, exp, src, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    finished = exp.start_logging(snapshot_directory=None)
    finished.complete()
    [(action, field)] = [(a, f) for d, a, f in cases(ws, exp, src, finished) if d == description]
    before = _snapshot_state(ws)
    with pytest.raises(EstimatorError) as caught:
        action()
    message = str(caught.value)
    assert field in message, f"{description}: {message!r} does not name {field!r}"
    assert "Fix:" in message or "Either compute target" in message or "instead" in message, f"{description}: no fix in {message!r}"
    assert _snapshot_state(ws) == before, f"{description} changed the store"
    assert not any(p.name.startswith(".staging") for p in ws.store.runs_dir.iterdir())
