"""`RunConfiguration` and the distributed/Docker sections it holds, with AML's names and defaults."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from .environment import Environment
from .errors import RunConfigurationException, invalid


def _positive_int(field: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise invalid(field, value, "must be an int >= 1", f"pass e.g. {field}=1", RunConfigurationException)
    return value


class DockerConfiguration:
    def __init__(self, use_docker: bool = False, shared_volumes: bool = True, arguments: list[str] | None = None,
                 shm_size: str | None = "2g") -> None:
        if not isinstance(use_docker, bool):
            raise invalid("use_docker", use_docker, "must be True or False", "pass use_docker=True", RunConfigurationException)
        if arguments is not None and (not isinstance(arguments, list) or not all(isinstance(a, str) for a in arguments)):
            raise invalid("arguments", arguments, "must be a list of strings", "pass e.g. ['--ipc=host']", RunConfigurationException)
        if shm_size is not None:
            _check_shm_size(shm_size)
        self.use_docker, self.shared_volumes, self.arguments, self.shm_size = use_docker, shared_volumes, arguments or [], shm_size


def _check_shm_size(value: Any) -> None:
    import re
    if not isinstance(value, str) or not re.fullmatch(r"\d+[bkmgBKMG]?", value):
        raise invalid("shm_size", value, "must be a size such as '2g' or '512m'", "pass e.g. shm_size='2g'", RunConfigurationException)


class MpiConfiguration:
    def __init__(self, process_count_per_node: int = 1, node_count: int = 1) -> None:
        self.process_count_per_node = _positive_int("process_count_per_node", process_count_per_node)
        self.node_count = _positive_int("node_count", node_count)


class PyTorchConfiguration:
    def __init__(self, communication_backend: str = "Nccl", process_count: int | None = None, node_count: int = 1) -> None:
        if not isinstance(communication_backend, str) or communication_backend.lower() not in ("nccl", "gloo"):
            raise invalid("communication_backend", communication_backend, "must be 'nccl' or 'gloo'",
                          "pass communication_backend='gloo' on CPU", RunConfigurationException)
        self.communication_backend = communication_backend.lower()
        self.process_count = None if process_count is None else _positive_int("process_count", process_count)
        self.node_count = _positive_int("node_count", node_count)


class TensorflowConfiguration:
    def __init__(self, worker_count: int = 1, parameter_server_count: int = 1) -> None:
        self.worker_count = _positive_int("worker_count", worker_count)
        if not isinstance(parameter_server_count, int) or isinstance(parameter_server_count, bool) or parameter_server_count < 0:
            raise invalid("parameter_server_count", parameter_server_count, "must be an int >= 0",
                          "pass 0 for MultiWorkerMirroredStrategy", RunConfigurationException)
        self.parameter_server_count = parameter_server_count

    @property
    def node_count(self) -> int:
        return self.worker_count


class ParallelTaskConfiguration:
    def __init__(self, max_retries_per_worker: int = 0, worker_count_per_node: int = 1,
                 terminal_exit_codes: list[int] | None = None) -> None:
        self.max_retries_per_worker = max_retries_per_worker
        self.worker_count_per_node = worker_count_per_node
        self.terminal_exit_codes = terminal_exit_codes


class HistoryConfiguration:
    def __init__(self) -> None:
        self.output_collection = True
        self.snapshot_project = True
        self.directories_to_watch = ["logs"]


class AmlComputeSection:
    def __init__(self) -> None:
        self.vm_size: str | None = None
        self.vm_priority: str | None = None
        self._cluster_max_node_count: int | None = None


class RunConfiguration:
    def __init__(self, script: str | None = None, arguments: list | None = None, framework: str | None = None,
                 communicator: str | None = None, conda_dependencies: Any = None, _history_enabled: Any = None,
                 _path: Any = None, _name: Any = None, command: Any = None) -> None:
        self.script = script
        self.arguments = list(arguments) if arguments is not None else []
        self.command = command or ""
        self._target = "local"
        self.framework = framework or "Python"
        self.communicator = communicator or "None"
        self.node_count = 1
        self.max_run_duration_seconds: int | None = None
        self.priority = None
        self.environment = Environment("environment")
        if conda_dependencies is not None:
            self.environment.python.conda_dependencies = conda_dependencies
        self.environment_variables: dict[str, str] = {}
        self.history = HistoryConfiguration()
        self.docker = DockerConfiguration()
        self.mpi = MpiConfiguration()
        self.pytorch = PyTorchConfiguration()
        self.tensorflow = TensorflowConfiguration()
        self.paralleltask = ParallelTaskConfiguration()
        self.data: dict = {}
        self.data_references: dict = {}
        self.output_data: dict = {}
        self.datacaches: list = []
        self.amlcompute = AmlComputeSection()
        self.source_directory_data_store = None
        self.credential_passthrough = False
        self.services: dict = {}

    @property
    def target(self) -> str:
        return self._target

    @target.setter
    def target(self, value: Any) -> None:
        self._target = target_name(value)

    # files --------------------------------------------------------------------------------------
    def save(self, path: str | None = None, name: str | None = None, separate_environment_yaml: bool = False) -> None:
        folder = Path(path or ".") / ".azureml"
        folder.mkdir(parents=True, exist_ok=True)
        data = {"script": self.script, "arguments": [str(a) for a in self.arguments], "command": self.command,
                "target": self.target, "framework": self.framework, "communicator": self.communicator,
                "node_count": self.node_count, "max_run_duration_seconds": self.max_run_duration_seconds,
                "environment": self.environment._to_spec(), "environment_variables": self.environment_variables,
                "docker": vars(self.docker)}
        (folder / f"{name or 'run'}.runconfig").write_text(json.dumps(data, indent=2))

    @staticmethod
    def load(path: str, name: str | None = None) -> "RunConfiguration":
        candidate = Path(path)
        if candidate.is_dir():
            candidate = candidate / ".azureml" / f"{name or 'run'}.runconfig"
        if not candidate.is_file():
            raise invalid("path", path, "no saved run configuration there", "save one with run_config.save(path, name)")
        data = json.loads(candidate.read_text())
        config = RunConfiguration(script=data.get("script"), arguments=data.get("arguments"),
                                  framework=data.get("framework"), communicator=data.get("communicator"),
                                  command=data.get("command"))
        config.target = data.get("target", "local")
        config.node_count = data.get("node_count", 1)
        config.max_run_duration_seconds = data.get("max_run_duration_seconds")
        config.environment = Environment._from_spec(data.get("environment", {}))
        config.environment_variables = data.get("environment_variables", {})
        config.docker = DockerConfiguration(**data.get("docker", {}))
        return config

    @staticmethod
    def delete(path: str, name: str) -> None:
        target = Path(path) / ".azureml" / f"{name}.runconfig"
        if target.exists():
            target.unlink()

    def clone(self) -> "RunConfiguration":
        return copy.deepcopy(self)


def target_name(value: Any) -> str:
    """`compute_target` may be a name or a target object (anything with a string `.name`)."""
    if value is None:
        return "local"
    if isinstance(value, str):
        if not value.strip():
            raise invalid("compute_target", value, "must not be empty", "pass 'local' or a compute target name")
        return value
    name = getattr(value, "name", None)
    if isinstance(name, str) and name:
        return name
    raise invalid("compute_target", value, "must be 'local', a target name or a ComputeTarget object",
                  "pass compute_target='local'")
