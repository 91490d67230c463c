"""Turning a config (Estimator or ScriptRunConfig) into a submission request, and sending it: to the
Jupyter server the kernel found (REST), or to the service in this process."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..core.errors import invalid
from ..core.estimator import Estimator
from ..core.script_run_config import ScriptRunConfig
from ..core.spec import environment_spec
from ..core.submit_request import DistributedRequest, SubmitRequest
from ..service.runs import submit_run, with_snapshot
from .run import Run


def build_request(experiment_name: str, config: Any, tags: dict[str, Any] | None = None, run_id: str | None = None,
                  parent_run_id: str | None = None, **overrides: Any) -> SubmitRequest:
    """Everything the service needs, as data; raises naming the field for anything malformed."""
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
    run_config = config.run_config
    inline_files = dict(getattr(config, "_inline_files", None) or {})
    only_inline = getattr(config, "_inline_only", False)
    source_directory = None if only_inline else Path(config.source_directory).expanduser().absolute()
    command = None
    if config.command:
        command = shlex.split(config.command) if isinstance(config.command, str) else [str(c) for c in config.command]
        if not command:
            raise invalid("command", config.command, "is empty", "pass e.g. command=['python', 'train.py']")
    environment = run_config.environment
    try:
        return _request(experiment_name, config, run_config, environment, source_directory, inline_files, command,
                        tags, run_id, parent_run_id)
    except ValidationError as exc:  # a value set on a config object after construction, checked only here
        error = exc.errors()[0]
        field = ".".join(str(p) for p in error["loc"]) or "config"
        value = error.get("input")
        shown = value if not isinstance(value, int) or abs(value) < 10**18 else f"a {len(str(abs(value)))}-digit number"
        raise invalid(field, shown, error["msg"].lower(), f"set {field} to an allowed value") from None


def _request(experiment_name: str, config: Any, run_config: Any, environment: Any, source_directory: Path | None,
             inline_files: dict[str, str], command: list[str] | None, tags: dict[str, Any] | None, run_id: str | None,
             parent_run_id: str | None) -> SubmitRequest:
    env_spec = environment_spec(environment, None if source_directory is None else str(source_directory))
    if run_config.docker.arguments:  # DockerConfiguration(arguments=...) joins the environment's docker arguments
        env_spec.docker.arguments = [*env_spec.docker.arguments, *map(str, run_config.docker.arguments)]
    return SubmitRequest(
        experiment=experiment_name, source_directory=None if source_directory is None else str(source_directory),
        inline_files=inline_files, script=None if command else config.script,
        command=command, arguments=[str(a) for a in config.arguments], compute_target=run_config.target,
        environment=env_spec,
        environment_variables={str(k): str(v) for k, v in (run_config.environment_variables or {}).items()},
        tags=_clean_tags(tags), max_run_duration_seconds=run_config.max_run_duration_seconds,
        distributed=DistributedRequest(framework=run_config.framework, communicator=str(run_config.communicator),
                                       node_count=run_config.node_count,
                                       process_count_per_node=run_config.mpi.process_count_per_node),
        use_docker=bool(run_config.docker.use_docker or environment.docker.enabled), shm_size=run_config.docker.shm_size,
        use_gpu=bool(getattr(config, "_estimator_gpu", False) or environment.docker.gpu_support),
        uses_datasets=bool(run_config.data or run_config.data_references), parent_run_id=parent_run_id, run_id=run_id,
        conda_dependencies=environment.python.conda_dependencies.as_dict())


def submit(experiment: Any, config: Any, tags: dict[str, Any] | None = None, run_id: str | None = None,
           parent_run_id: str | None = None, **overrides: Any) -> Run:
    request = build_request(experiment.name, config, tags, run_id, parent_run_id, **overrides)
    connection = getattr(experiment.workspace, "_server", None)
    if connection is not None:
        # The snapshot is taken here, into the workspace store the server shares; the server reads no client path.
        new_id = connection.submit(with_snapshot(experiment.workspace, request))
    else:
        new_id = submit_run(experiment.workspace, request)
    return Run._from_row(experiment, experiment.workspace.store.runs.get(new_id))


def _clean_tags(tags: dict[str, Any] | None) -> dict[str, Any]:
    clean = {}
    for key, value in (tags or {}).items():
        if not isinstance(key, str) or not key:
            raise invalid("tags", key, "tag keys must be non-empty strings", "use str keys")
        clean[key] = None if value is None else str(value)
    return clean
