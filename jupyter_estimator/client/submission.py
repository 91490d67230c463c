"""Turning a config (Estimator or ScriptRunConfig) into a started run.

Order matters for "bad input loses nothing": everything is validated and resolved first; then the
snapshot (content-addressed, harmless if unused) is taken; then the run folder is assembled under
a temporary name and renamed into place; then indexed; only then is the supervisor started. Any
failure before the rename leaves no run behind; a failure after it removes what was made.
"""

from __future__ import annotations

import getpass
import os
import secrets
import shutil
import time
from pathlib import Path
from typing import Any

from ..core.errors import CapabilityNotAvailable, invalid
from ..core.estimator import Estimator
from ..core.script_run_config import ScriptRunConfig
from ..core.spec import RunSpec, environment_spec
from ..core.status import RunStatus
from ..runner.git_info import git_properties
from ..runner.launch import start_supervisor
from ..store.files import write_json_atomic
from ..store.snapshot import SnapshotStore
from ..tracking.run import SCRIPT_RUN_TYPE, Run
from .compute import get_compute_target


def submit(experiment: Any, config: Any, tags: dict[str, Any] | None = None, run_id: str | None = None,
           parent_run_id: str | None = None, **overrides: Any) -> Run:
    if isinstance(config, Estimator):
        config = config._as_script_run_config(**overrides)
    elif overrides:
        name = next(iter(overrides))
        raise invalid(name, overrides[name], "is not a submit option for a ScriptRunConfig", "set it on the config instead")
    if not isinstance(config, ScriptRunConfig):
        raise invalid("config", config, "Experiment.submit takes an Estimator or a ScriptRunConfig",
                      "build one, e.g. ScriptRunConfig(source_directory='.', script='train.py')")
    if tags is not None and not isinstance(tags, dict):
        raise invalid("tags", tags, "must be a dict", "pass e.g. tags={'lr': '0.1'}")
    workspace = experiment.workspace
    store = workspace.store
    run_config = config.run_config
    target = get_compute_target(workspace, run_config.target)
    _require_available(config, target)
    source_directory = Path(config.source_directory).expanduser().absolute()
    script, command = _entry(config, source_directory)
    env_spec = environment_spec(run_config.environment, str(source_directory))
    run_id = run_id or _new_run_id(experiment.name)
    folder = store.run_folder(run_id, must_exist=False)
    if folder.path.exists():
        raise invalid("run_id", run_id, "a run with this id already exists", "leave run_id out for a fresh id")
    user = getpass.getuser()
    now = time.time()
    spec = RunSpec(
        run_id=run_id, experiment=experiment.name, workspace_name=workspace.name, parent_run_id=parent_run_id,
        target=target.name, target_type=target.type, backend=target.backend, source_directory=str(source_directory),
        snapshot_id="pending", script=script, command=command, arguments=[str(a) for a in config.arguments],
        environment=env_spec, environment_hash=env_spec.content_hash(),
        environment_variables={str(k): str(v) for k, v in (run_config.environment_variables or {}).items()},
        max_run_duration_seconds=run_config.max_run_duration_seconds, framework=run_config.framework,
        communicator=run_config.communicator, node_count=run_config.node_count, submitted_by=user, created_time=now)
    clean_tags = _clean_tags(tags)
    snapshot = SnapshotStore(store.snapshots_dir).take(source_directory)
    spec.snapshot_id = snapshot.snapshot_id
    spec.run_definition = _run_definition(spec, run_config)
    properties = {"ContentSnapshotId": snapshot.snapshot_id, "azureml.runsource": "experiment",
                  "_azureml.ComputeTargetType": target.type.lower(), **git_properties(source_directory)}
    _assemble_folder(store, folder, spec, snapshot.snapshot_id, now, clean_tags, properties)
    try:
        store.index.insert_run({"run_id": run_id, "experiment_name": experiment.name, "parent_run_id": parent_run_id,
                                "run_type": SCRIPT_RUN_TYPE, "status": RunStatus.NOT_STARTED, "target": target.name,
                                "created_time": now, "submitted_by": user, "snapshot_id": snapshot.snapshot_id},
                               tags=clean_tags, properties=properties)
    except BaseException:
        shutil.rmtree(folder.path, ignore_errors=True)
        raise
    start_supervisor(store.root, folder)
    return Run._from_row(experiment, store.index.run_row(run_id))


def _new_run_id(experiment_name: str) -> str:
    return f"{experiment_name}_{int(time.time())}_{secrets.token_hex(4)}"


def _entry(config: ScriptRunConfig, source_directory: Path) -> tuple[str | None, list[str] | None]:
    if config.command:
        import shlex
        command = shlex.split(config.command) if isinstance(config.command, str) else [str(c) for c in config.command]
        if not command:
            raise invalid("command", config.command, "is empty", "pass e.g. command=['python', 'train.py']")
        if not source_directory.is_dir():
            raise invalid("source_directory", str(source_directory), "is not an existing folder", "pass the folder holding your code")
        return None, command
    script = config.script
    root = source_directory.resolve()
    if not root.is_dir():
        raise invalid("source_directory", str(source_directory), "is not an existing folder", "pass the folder holding your script")
    resolved = (root / script).resolve()
    if os.path.isabs(script) or (resolved != root and root not in resolved.parents):
        raise invalid("script", script, f"must be inside source_directory {str(root)!r}",
                      "pass a path relative to source_directory, or move the script into it")
    if not resolved.is_file():
        raise invalid("script", script, f"no such file in source_directory {str(root)!r}", "check the name")
    return resolved.relative_to(root).as_posix(), None


def _require_available(config: ScriptRunConfig, target: Any) -> None:
    """Fail at once, naming what is missing, for what this version cannot run yet."""
    run_config = config.run_config
    missing = None
    if run_config.node_count > 1 or run_config.communicator not in ("None", None) or run_config.mpi.process_count_per_node > 1:
        missing = ("distributed_training", "distributed launch (mpirun / torchrun / TF_CONFIG) is not available in this version",
                   "drop node_count/distributed_training to run one process")
    elif run_config.docker.use_docker or run_config.environment.docker.enabled:
        missing = ("use_docker", "the Docker target is not available in this version",
                   "set use_docker=False and drop custom_docker_image to run locally")
    elif getattr(config, "_estimator_gpu", False) or run_config.environment.docker.gpu_support:
        missing = ("use_gpu", "GPU runs are not available in this version", "set use_gpu=False")
    elif run_config.data or run_config.data_references:
        missing = ("inputs", "datasets are not available in this version", "read data from a path the script can see")
    if missing:
        field, problem, fix = missing
        raise CapabilityNotAvailable(f"{field}: {problem}. Fix: {fix}.", field=field)
    if target.backend != "local":
        raise CapabilityNotAvailable(f"compute_target: the {target.type} backend is not available in this version. "
                                     "Fix: use compute_target='local'.", field="compute_target")


def _clean_tags(tags: dict[str, Any] | None) -> dict[str, Any]:
    clean = {}
    for key, value in (tags or {}).items():
        if not isinstance(key, str) or not key:
            raise invalid("tags", key, "tag keys must be non-empty strings", "use str keys")
        clean[key] = None if value is None else str(value)
    return clean


def _run_definition(spec: RunSpec, run_config: Any) -> dict[str, Any]:
    env = spec.environment
    return {
        "script": spec.script, "command": " ".join(spec.command) if spec.command else "", "arguments": spec.arguments,
        "target": spec.target, "framework": spec.framework, "communicator": spec.communicator,
        "nodeCount": spec.node_count, "maxRunDurationSeconds": spec.max_run_duration_seconds,
        "environmentVariables": spec.environment_variables,
        "environment": {"name": env.name, "version": env.version,
                        "python": {"userManagedDependencies": env.user_managed, "interpreterPath": env.interpreter,
                                   "condaDependencies": run_config.environment.python.conda_dependencies.as_dict()},
                        "docker": env.docker.model_dump(), "environmentVariables": env.environment_variables},
        "docker": {"useDocker": bool(run_config.docker.use_docker), "shmSize": run_config.docker.shm_size},
        "mpi": {"processCountPerNode": run_config.mpi.process_count_per_node},
        "pytorch": {"communicationBackend": run_config.pytorch.communication_backend, "processCount": run_config.pytorch.process_count},
        "tensorflow": {"workerCount": run_config.tensorflow.worker_count, "parameterServerCount": run_config.tensorflow.parameter_server_count},
        "data": {},
    }


def _assemble_folder(store: Any, folder: Any, spec: RunSpec, snapshot_id: str, now: float,
                     tags: dict[str, Any], properties: dict[str, Any]) -> None:
    staging = store.runs_dir / f".staging-{spec.run_id}"
    try:
        staging.mkdir()
        staged = type(folder)(staging)
        staged.create_layout()
        SnapshotStore(store.snapshots_dir).materialize(snapshot_id, staged.snapshot_dir)
        _link_run_dirs(staged)
        write_json_atomic(staged.spec_path, spec.model_dump(mode="json"))
        staged.write_initial_status({"status": RunStatus.NOT_STARTED, "created_time": now,
                                     "history": [[RunStatus.NOT_STARTED, now]]})
        if tags:
            staged.append_meta("tags", tags)
        staged.append_meta("properties", properties)
        os.rename(staging, folder.path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _link_run_dirs(folder: Any) -> None:
    """The script's ./outputs and ./logs are the run's outputs/ and logs/ (TensorBoard reads logs/ live)."""
    for name in ("outputs", "logs"):
        inside = folder.snapshot_dir / name
        if inside.is_dir() and not inside.is_symlink():
            for item in inside.iterdir():  # a project that ships a logs/ folder keeps its files
                os.replace(item, folder.path / name / item.name)
            inside.rmdir()
        elif inside.exists():
            inside.unlink()
        os.symlink(os.path.join("..", name), inside)
