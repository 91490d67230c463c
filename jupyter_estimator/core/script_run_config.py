"""`ScriptRunConfig`: a script (or command) + arguments + a mutable RunConfiguration."""

from __future__ import annotations

import warnings
from typing import Any

from .environment import Environment
from .errors import RunConfigurationException, invalid
from .run_configuration import (DockerConfiguration, MpiConfiguration, PyTorchConfiguration, RunConfiguration,
                                TensorflowConfiguration, target_name)


class ScriptRunConfig:
    MAX_DURATION_SECONDS_DEFAULT = 2592000

    def __init__(self, source_directory: str | None, script: str | None = None, arguments: list | None = None,
                 run_config: RunConfiguration | None = None, _telemetry_values: Any = None, compute_target: Any = None,
                 environment: Environment | None = None, distributed_job_config: Any = None, resume_from: Any = None,
                 max_run_duration_seconds: int | None = MAX_DURATION_SECONDS_DEFAULT, command: Any = None,
                 docker_runtime_config: DockerConfiguration | None = None) -> None:
        self.source_directory = source_directory if source_directory else "."
        if script is not None and (not isinstance(script, str) or not script):
            raise invalid("script", script, "must be a file name relative to source_directory", "pass e.g. script='train.py'",
                          RunConfigurationException)
        if arguments is not None and (isinstance(arguments, (str, dict)) or not isinstance(arguments, (list, tuple))):
            raise invalid("arguments", arguments, "must be a list", "pass e.g. arguments=['--lr', 0.1]", RunConfigurationException)
        if command is not None and not isinstance(command, (str, list)):
            raise invalid("command", command, "must be a string or a list", "pass e.g. command=['python', 'train.py']",
                          RunConfigurationException)
        if script is not None and command:
            raise invalid("script/command", (script, command), "pass either script (+ arguments) or command, not both",
                          "drop one of them", RunConfigurationException)
        if resume_from is not None:
            from .errors import CapabilityNotAvailable
            raise CapabilityNotAvailable("resume_from: checkpoints from datastores need the datasets capability, which "
                                         "this version lacks. Fix: pass the checkpoint path as an argument.", field="resume_from")
        if run_config is not None:
            if not isinstance(run_config, RunConfiguration):
                raise invalid("run_config", run_config, "must be a RunConfiguration", "pass RunConfiguration() or leave it out",
                              RunConfigurationException)
            if any(v is not None for v in (compute_target, environment, distributed_job_config, docker_runtime_config)):
                warnings.warn("If 'run_config' is specified, 'compute_target', 'environment', 'distributed_job_config' "
                              "and 'docker_runtime_config' are ignored.", stacklevel=2)
            self.run_config = run_config
        else:
            self.run_config = RunConfiguration()
            self.run_config.target = target_name(compute_target)
            if environment is not None:
                if not isinstance(environment, Environment):
                    raise invalid("environment", environment, "must be an Environment", "pass Environment('name') or leave it out",
                                  RunConfigurationException)
                self.run_config.environment = environment
                if environment.docker.enabled:
                    self.run_config.docker = DockerConfiguration(use_docker=True, shm_size=environment.docker.shm_size,
                                                                 arguments=list(environment.docker.arguments))
            if docker_runtime_config is not None:
                if not isinstance(docker_runtime_config, DockerConfiguration):
                    raise invalid("docker_runtime_config", docker_runtime_config, "must be a DockerConfiguration",
                                  "pass DockerConfiguration(use_docker=True)", RunConfigurationException)
                self.run_config.docker = docker_runtime_config
            if max_run_duration_seconds is not None:
                self.run_config.max_run_duration_seconds = _duration(max_run_duration_seconds)
            if distributed_job_config is not None:
                apply_distributed(self.run_config, distributed_job_config)
        self.script = script if script is not None else self.run_config.script
        self.arguments = list(arguments) if arguments is not None else list(self.run_config.arguments)
        self.command = command if command is not None else (self.run_config.command or None)
        self.run_config.script, self.run_config.arguments = self.script, self.arguments
        self.run_config.command = self.command or ""
        if not self.script and not self.command:
            raise invalid("script", None, "a ScriptRunConfig needs a script or a command", "pass script='train.py'",
                          RunConfigurationException)

    @property
    def target(self) -> str:
        return self.run_config.target


def _duration(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise invalid("max_run_duration_seconds", value, "must be a whole number of seconds >= 1",
                      "pass e.g. max_run_duration_seconds=3600", RunConfigurationException)
    return value


def apply_distributed(run_config: RunConfiguration, config: Any) -> None:
    """Copy a distributed config into the run configuration with AML's framework/communicator pairs."""
    if isinstance(config, MpiConfiguration):
        run_config.mpi, run_config.framework, run_config.communicator = config, "Python", "IntelMpi"
        run_config.node_count = config.node_count
    elif isinstance(config, PyTorchConfiguration):
        run_config.pytorch, run_config.framework = config, "PyTorch"
        run_config.communicator = config.communication_backend
        run_config.node_count = config.node_count
    elif isinstance(config, TensorflowConfiguration):
        run_config.tensorflow, run_config.framework, run_config.communicator = config, "TensorFlow", "ParameterServer"
        run_config.node_count = config.worker_count
    else:
        raise invalid("distributed_job_config", config,
                      "must be an MpiConfiguration, PyTorchConfiguration or TensorflowConfiguration",
                      "pass e.g. PyTorchConfiguration(communication_backend='gloo', node_count=2)", RunConfigurationException)
