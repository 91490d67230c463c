"""The submit options the CLI, the `%%estimator` magic and the EstimatorForm share, mapped to Estimator
arguments in one place (so `--nodes 2 --distributed mpi` means the same thing in all three)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..core.errors import EstimatorError, invalid
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
    use_docker: bool | None = None  # None: Docker when docker_image is set (Estimator's auto); True: AML's default image
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
            "use_docker": self.use_docker,
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


def target_rows(workspace: Any) -> list[dict[str, Any]]:
    """Every compute target with whether it can run here now and why not, and whether it can run a container
    and why not: `{name, type, available, reason, docker, docker_reason}` rows. With a Jupyter server hosting
    the workspace these are the server's own (it runs the runs, so its Docker engine is the one that counts);
    in-process, the workspace's, each Docker engine asked now."""
    server = getattr(workspace, "_server", None)
    if server is not None:
        try:
            listed = server.request("GET", "compute-targets", timeout=10.0)["compute_targets"]
        except (EstimatorError, KeyError, TypeError):
            listed = None
        if listed and any(row.get("name") == "local" for row in listed):
            return listed
    from .compute import target_availability
    return target_availability(workspace)


def describe_targets(rows: list[dict[str, Any]]) -> str:
    """The rows as lines of text: name, type, and what it can do here or why not."""
    width = max([len(str(row.get("name", ""))) for row in rows] + [4])
    lines = []
    for row in rows:
        if row.get("available"):
            state = "available" + ("; Docker: yes" if row.get("docker") else
                                   f"; Docker: no ({row['docker_reason']})" if row.get("docker_reason") else "")
        else:
            state = f"not available: {row.get('reason') or 'no reason given'}"
        lines.append(f"  {row.get('name', '')!s:<{width}}  {row.get('type', '')!s:<14}  {state}")
    return "\n".join(lines)


def key_value_pairs(values: list[str], option: str) -> dict[str, str]:
    """`KEY=VALUE` items (repeatable options) as a dict; anything else names the option and the fix."""
    result = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise invalid(option, item, "expects KEY=VALUE", f"pass e.g. {option} lr=0.1")
        result[key] = value
    return result
