"""Submitting runs and reading them back, for any caller (kernel in-process, REST handler, CLI).

Order matters for "bad input loses nothing": everything is validated and resolved first; then the
snapshot (content-addressed, harmless if unused) is taken; then the run folder is assembled under
a temporary name and renamed into place; then indexed; only then is the supervisor started. Any
failure before the rename leaves no run behind; a failure after it removes what was made.
"""

from __future__ import annotations

import errno
import getpass
import os
import secrets
import time
from pathlib import Path
from typing import Any

from ..runner.targets import resolve_target
from ..core.errors import CapabilityNotAvailable, NoSpaceLeft, invalid
from ..core.docker_args import docker_run_options
from ..core.paths import resolve_inside
from ..core.spec import RunSpec
from ..core.status import RunStatus
from ..core.submit_request import SOURCE_PROPERTY_PREFIXES, SubmitRequest
from ..runner.git_info import git_properties
from ..runner.launch import start_supervisor
from ..store.run_creation import create_run
from ..store.run_records import RunRecord
from ..store.snapshot import SnapshotStore
from ..core.status import SCRIPT_RUN_TYPE


def preflight(workspace: Any, request: SubmitRequest) -> tuple[Any, Path | None, str | None]:
    """Every check `submit_run` makes before it creates anything, raising what it would raise.

    Forms and dry runs call this so that "ready to submit" means exactly that. Returns the compute
    target, the source folder (None when the snapshot is given or inline) and the entry script.
    """
    store = workspace.store
    target = resolve_target(store, request.compute_target)
    _require_available(request, target)
    if request.snapshot_id is not None:
        if request.inline_files:
            raise invalid("inline_files", sorted(request.inline_files), "cannot be sent with a snapshot_id",
                          "lay the files into the snapshot before taking it, or send a source_directory")
        script = _check_snapshot_entry(SnapshotStore(store.snapshots_dir), request)
        source_directory = None
    else:
        source_directory = Path(request.source_directory) if request.source_directory is not None else None
        if source_directory is not None and not source_directory.is_absolute():
            raise invalid("source_directory", request.source_directory, "must be an absolute path",
                          "send the folder's full path")
        script = _check_entry(source_directory, request)
    if request.parent_run_id is not None and store.runs.get(request.parent_run_id) is None:
        raise invalid("parent_run_id", request.parent_run_id, "names no run in this workspace", "pass an existing run id")
    if request.run_id is not None and store.run_folder(request.run_id, must_exist=False).path.exists():
        raise invalid("run_id", request.run_id, "a run with this id already exists", "leave run_id out for a fresh id")
    return target, source_directory, script


def take_snapshot(workspace: Any, source_directory: Path | None, inline_files: dict[str, str] | None = None,
                  links_may_leave: bool = True) -> str:
    return SnapshotStore(workspace.store.snapshots_dir, workspace.store.root).take(
        source_directory, inline_files=inline_files, links_may_leave=links_may_leave).snapshot_id


def with_snapshot(workspace: Any, request: SubmitRequest) -> SubmitRequest:
    """The request with its snapshot taken here, by the process that can read the source folder.

    An SDK talking to a server does this first, so the server never reads a path the client named
    (and a plain script never fails because a server with another root hosts the same workspace).
    """
    if request.snapshot_id is not None:
        return request
    source_directory = Path(request.source_directory) if request.source_directory is not None else None
    if source_directory is not None and not source_directory.is_absolute():
        raise invalid("source_directory", request.source_directory, "must be an absolute path", "send the folder's full path")
    _check_entry(source_directory, request)
    snapshot_id = take_snapshot(workspace, source_directory, request.inline_files)
    return request.model_copy(update={
        "snapshot_id": snapshot_id, "inline_files": {},
        "source_properties": git_properties(source_directory) if source_directory else {}})


def submit_run(workspace: Any, request: SubmitRequest, *, caller_owns_source: bool = True) -> str:
    """Create and start a run from a validated request; returns its id.

    `caller_owns_source=False` (a REST caller named the folder; the server reads it): links in the folder
    that lead out of it are skipped, never followed.
    """
    try:
        return _submit_run(workspace, request, caller_owns_source)
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise NoSpaceLeft(workspace.store.root, "the run was not created") from None
        raise


def _submit_run(workspace: Any, request: SubmitRequest, caller_owns_source: bool) -> str:
    store = workspace.store
    target, source_directory, script = preflight(workspace, request)
    run_id = request.run_id or _new_run_id(request.experiment)
    folder = store.run_folder(run_id, must_exist=False)
    if folder.path.exists():
        raise invalid("run_id", run_id, "a run with this id already exists", "leave run_id out for a fresh id")
    user = getpass.getuser()
    now = time.time()
    env = _with_build_settings(request.environment, store.settings())
    recorded_source = request.source_directory or ""
    spec = RunSpec(
        run_id=run_id, experiment=request.experiment, workspace_name=workspace.name, parent_run_id=request.parent_run_id,
        target=target.name, target_type=target.type, backend=target.backend,
        source_directory=recorded_source, snapshot_id="pending", script=script, command=request.command,
        arguments=request.arguments, environment=env, environment_hash=env.content_hash(),
        environment_variables=request.environment_variables,
        max_run_duration_seconds=request.max_run_duration_seconds, framework=request.distributed.framework,
        use_docker=_wants_docker(request, target), use_gpu=request.use_gpu, shm_size=request.shm_size,
        communicator=request.distributed.communicator, node_count=request.distributed.node_count,
        submitted_by=user, created_time=now)
    if request.snapshot_id is not None:
        snapshot_id = request.snapshot_id
        source_properties = dict(request.source_properties)
    else:
        snapshot_id = take_snapshot(workspace, source_directory, request.inline_files, links_may_leave=caller_owns_source)
        source_properties = git_properties(source_directory) if source_directory else {}
    spec.snapshot_id = snapshot_id
    spec.run_definition = _run_definition(spec, request)
    properties = {"ContentSnapshotId": snapshot_id, "azureml.runsource": "experiment",
                  "_azureml.ComputeTargetType": target.type.lower(), **source_properties}
    record = RunRecord(run_id=run_id, experiment_name=request.experiment, status=RunStatus.NOT_STARTED, created_time=now,
                       parent_run_id=request.parent_run_id, run_type=SCRIPT_RUN_TYPE, target=target.name,
                       submitted_by=user, snapshot_id=snapshot_id)
    create_run(store, record, spec.model_dump(mode="json"),
               {"status": RunStatus.NOT_STARTED, "created_time": now, "history": [[RunStatus.NOT_STARTED, now]]},
               tags=request.tags, properties=properties, fill=lambda staged: _fill_folder(store, staged, snapshot_id))
    start_supervisor(store.root, folder)
    return run_id


def _with_build_settings(env: Any, settings: dict[str, Any]) -> Any:
    """How packages install is the workspace's choice unless the request made it (it is part of the env's hash)."""
    return env.model_copy(update={
        "source_builds": env.source_builds if env.source_builds is not None else bool(settings["environment_source_builds"]),
        "pin_policy": env.pin_policy or settings["environment_pins"]})


def _check_snapshot_entry(snapshots: SnapshotStore, request: SubmitRequest) -> str | None:
    names = {entry[0] for entry in snapshots.manifest(request.snapshot_id)["files"]}
    if request.command:
        return None
    script = request.script
    if not script:
        raise invalid("script", script, "a run needs a script or a command", "pass script='train.py'")
    from ..store.files import safe_relative
    relative = safe_relative(script, "script").as_posix()
    if relative not in names:
        raise invalid("script", script, f"no such file in snapshot {request.snapshot_id}",
                      "check the name: it is relative to source_directory")
    return relative


def _new_run_id(experiment_name: str) -> str:
    return f"{experiment_name}_{int(time.time())}_{secrets.token_hex(4)}"


def _check_entry(source_directory: Path | None, request: SubmitRequest) -> str | None:
    from ..store.files import safe_relative
    for name in request.inline_files:
        safe_relative(name, "inline_files")
    script = request.script
    if source_directory is None:
        if request.command:
            return None
        if not script or script not in request.inline_files:
            raise invalid("script", script, "with no source_directory the script must be one of inline_files",
                          "send the script's text in inline_files, or a source_directory")
        return safe_relative(script, "script").as_posix()
    root = source_directory.resolve()
    if not root.is_dir():
        raise invalid("source_directory", str(source_directory), "is not an existing folder", "pass the folder holding your code")
    if request.command:
        return None
    if not script:
        raise invalid("script", script, "a run needs a script or a command", "pass script='train.py'")
    if script in request.inline_files:
        return safe_relative(script, "script").as_posix()
    resolved = resolve_inside(root, script, "script", f"source_directory {str(root)!r}",
                              "pass a path relative to source_directory, or move the script into it")
    if not resolved.is_file():
        raise invalid("script", script, f"no such file in source_directory {str(root)!r}", "check the name")
    return resolved.relative_to(root).as_posix()


def _require_available(request: SubmitRequest, target: Any) -> None:
    """Fail at once, naming what is missing, when the target's kind does not support what the request asks."""
    unavailable = target.kind.availability(target.config)
    if unavailable:
        raise CapabilityNotAvailable(f"compute_target: {target.name!r} cannot run here now: {unavailable}",
                                     field="compute_target")
    features = target.kind.supported_features()
    if _wants_docker(request, target) and features["docker"]:
        docker_run_options(list(request.environment.docker.arguments), "environment.docker.arguments")  # input first
        problem = target.kind.docker_problem(target.config)
        if problem:
            raise CapabilityNotAvailable(f"use_docker: the run asks for a container, but {problem}", field="use_docker")
    distributed = request.distributed
    missing = None
    if (distributed.node_count > features["max_nodes"] or distributed.communicator not in ("None", "")
            and not features["mpi"] or distributed.process_count_per_node > features["max_processes_per_node"]):
        missing = ("distributed_training", "distributed launch (mpirun / torchrun / TF_CONFIG) is not available in this version",
                   "drop node_count/distributed_training to run one process")
    elif request.use_docker and not features["docker"]:
        missing = ("use_docker", "the Docker target is not available in this version",
                   "set use_docker=False and drop custom_docker_image to run locally")
    elif request.use_gpu and not features["gpu"]:
        missing = ("use_gpu", "GPU runs are not available in this version", "set use_gpu=False")
    elif request.uses_datasets and not features["datasets"]:
        missing = ("inputs", "datasets are not available in this version", "read data from a path the script can see")
    if missing:
        field, problem, fix = missing
        raise CapabilityNotAvailable(f"{field}: {problem}. Fix: {fix}.", field=field)


def _wants_docker(request: SubmitRequest, target: Any) -> bool:
    return target.backend == "docker" or request.use_docker or request.environment.docker.enabled


def _run_definition(spec: RunSpec, request: SubmitRequest) -> dict[str, Any]:
    env = spec.environment
    return {
        "script": spec.script, "command": " ".join(spec.command) if spec.command else "", "arguments": spec.arguments,
        "target": spec.target, "framework": spec.framework, "communicator": spec.communicator,
        "nodeCount": spec.node_count, "maxRunDurationSeconds": spec.max_run_duration_seconds,
        "environmentVariables": spec.environment_variables,
        "environment": {"name": env.name, "version": env.version,
                        "python": {"userManagedDependencies": env.user_managed, "interpreterPath": env.interpreter,
                                   "condaDependencies": request.conda_dependencies},
                        "docker": env.docker.model_dump(), "environmentVariables": env.environment_variables},
        "docker": {"useDocker": spec.use_docker, "shmSize": request.shm_size},
        "mpi": {"processCountPerNode": request.distributed.process_count_per_node},
        "data": {},
    }


def _fill_folder(store: Any, staged: Any, snapshot_id: str) -> None:
    SnapshotStore(store.snapshots_dir).materialize(snapshot_id, staged.snapshot_dir)
    _link_run_dirs(staged)


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


def resubmit_run(workspace: Any, run_id: str) -> str:
    """Submit a run again with the same code (its snapshot), arguments, environment, target and tags."""
    from ..core.spec import EnvironmentSpec
    from ..core.submit_request import DistributedRequest
    store = workspace.store
    row = store.runs.get(run_id)
    if row is None:
        from ..core.errors import RunNotFoundException
        raise RunNotFoundException(f"run_id: no run {run_id!r} in this workspace.", field="run_id")
    folder = store.run_folder(run_id)
    spec = folder.read_spec()
    if row.run_type != "azureml.scriptrun" or not spec.get("environment"):
        raise invalid("run_id", run_id, "only submitted script runs can be re-submitted (not interactive or child runs)",
                      "re-run the code that created it")
    if not (store.snapshots_dir / "manifests" / f"{spec.get('snapshot_id')}.json").is_file():
        raise invalid("run_id", run_id, "its snapshot was cleaned, so its code is gone", "submit the source folder again")
    definition = spec.get("run_definition", {})
    request = SubmitRequest(
        experiment=row.experiment_name, source_directory=spec.get("source_directory") or None,
        snapshot_id=spec["snapshot_id"], script=spec.get("script"),
        source_properties={k: v for k, v in store.runs.properties(run_id).items()
                           if k.startswith(SOURCE_PROPERTY_PREFIXES) and v is not None},
        command=spec.get("command"), arguments=spec.get("arguments", []), compute_target=spec.get("target", "local"),
        environment=EnvironmentSpec.model_validate(spec["environment"]),
        environment_variables=spec.get("environment_variables", {}), tags=store.runs.tags(run_id),
        max_run_duration_seconds=spec.get("max_run_duration_seconds"),
        distributed=DistributedRequest(framework=spec.get("framework", "Python"), communicator=spec.get("communicator", "None"),
                                       node_count=spec.get("node_count", 1)),
        use_docker=spec.get("use_docker", False), use_gpu=spec.get("use_gpu", False), shm_size=spec.get("shm_size"),
        conda_dependencies=definition.get("environment", {}).get("python", {}).get("condaDependencies", {}))
    new_id = submit_run(workspace, request)
    store.runs.add_properties(new_id, {"jupyter_estimator.resubmitted_from": run_id})
    return new_id
