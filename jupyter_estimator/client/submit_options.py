"""The submit options the CLI, the `%%estimator` magic and the EstimatorForm share, mapped to Estimator
arguments in one place (so `--nodes 2 --distributed mpi` means the same thing in all three)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..core.errors import invalid
from ..core.estimator import Mpi
from ..core.run_configuration import PyTorchConfiguration, TensorflowConfiguration

DISTRIBUTED = ("mpi", "pytorch", "tensorflow")


@dataclass
class SubmitOptions:
    target: str = "local"
    script: str | None = None
    params: dict[str, Any] = field(default_factory=dict)  # `lr=0.1` or `--lr=0.1`: both become `--lr 0.1`
    pip: list[str] = field(default_factory=list)
    conda: list[str] = field(default_factory=list)
    requirements: str | None = None
    docker_image: str | None = None
    nodes: int = 1
    processes_per_node: int = 1
    distributed: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    user_managed: bool = False
    max_run_duration: int | None = None

    def estimator_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for Estimator (those left unset are left out, so its defaults apply)."""
        params = {(k if k.startswith("-") else f"--{k}"): v for k, v in self.params.items()}
        kwargs: dict[str, Any] = {
            "compute_target": self.target, "entry_script": self.script, "script_params": params or None,
            "pip_packages": list(self.pip) or None, "conda_packages": list(self.conda) or None,
            "pip_requirements_file": self.requirements, "custom_docker_image": (self.docker_image or "").strip() or None,
            "node_count": self.nodes, "process_count_per_node": self.processes_per_node,
            "environment_variables": dict(self.env) or None, "user_managed": self.user_managed,
            "max_run_duration_seconds": self.max_run_duration}
        if self.distributed is not None and self.distributed not in DISTRIBUTED:
            raise invalid("distributed", self.distributed, f"must be one of {list(DISTRIBUTED)}", "pass e.g. mpi")
        if self.distributed == "mpi":
            kwargs["distributed_training"] = Mpi(process_count_per_node=self.processes_per_node)
        elif self.distributed == "pytorch":
            kwargs["distributed_training"] = PyTorchConfiguration(communication_backend="gloo", node_count=self.nodes)
        elif self.distributed == "tensorflow":
            kwargs["distributed_training"] = TensorflowConfiguration(worker_count=self.nodes, parameter_server_count=0)
        return {k: v for k, v in kwargs.items() if v is not None}


def key_value_pairs(values: list[str], option: str) -> dict[str, str]:
    """`KEY=VALUE` items (repeatable options) as a dict; anything else names the option and the fix."""
    result = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise invalid(option, item, "expects KEY=VALUE", f"pass e.g. {option} lr=0.1")
        result[key] = value
    return result
