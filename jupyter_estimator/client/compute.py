"""Compute targets: a registry of named targets in the workspace, with AML's classes.

`local` always exists. `AmlCompute` targets are accepted so AML notebooks run unchanged: a
"cluster" created with `ComputeTarget.create(ws, name, AmlCompute.provisioning_configuration(...))`
is a named target backed by the local target (its node limits become the run's limits when
distributed launch arrives). `DockerCompute` targets run every run in a container on a Docker engine.
"""

from __future__ import annotations

import re
from typing import Any

from ..core.errors import CapabilityNotAvailable, ComputeTargetException, invalid
from ..runner.targets import LOCAL, resolve_target
from ..store.compute_targets import ComputeTargetRecords

NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9-]{1,31}$")


class ComputeTargetStatus:
    def __init__(self, state: str, node_count: int = 0) -> None:
        self.provisioning_state, self.current_node_count = state, node_count

    def serialize(self) -> dict[str, Any]:
        return {"provisioningState": self.provisioning_state, "currentNodeCount": self.current_node_count}


class ComputeTarget:
    type = "ComputeTarget"
    backend = LOCAL

    def __new__(cls, workspace: Any = None, name: str | None = None, *args: Any, **kwargs: Any) -> "ComputeTarget":
        if workspace is None:
            return super().__new__(cls)
        target = get_compute_target(workspace, name)
        if cls is not ComputeTarget and not isinstance(target, cls):
            raise ComputeTargetException(f"name: compute target {name!r} is a {target.type}, not a {cls.__name__}. "
                                         f"Fix: use ComputeTarget(workspace, {name!r}).")
        return target

    def __init__(self, workspace: Any = None, name: str | None = None, *args: Any, **kwargs: Any) -> None:
        pass  # __new__ returned a fully built object

    def _setup(self, workspace: Any, name: str, config: dict[str, Any]) -> "ComputeTarget":
        self.workspace, self.name, self.config = workspace, name, config
        return self

    @property
    def provisioning_state(self) -> str:
        return "Succeeded"

    def get_status(self) -> ComputeTargetStatus:
        return ComputeTargetStatus(self.provisioning_state, self.config.get("max_nodes", 1) or 1)

    def wait_for_completion(self, show_output: bool = False, min_node_count: int | None = None,
                            timeout_in_minutes: int = 20, is_delete_operation: bool = False) -> None:
        if show_output:
            print(f"{self.provisioning_state}")

    def delete(self) -> None:
        if self.name == LOCAL:
            raise invalid("name", self.name, "the local target is built in", "delete only targets you created")
        ComputeTargetRecords(self.workspace.store.index).delete(self.name)

    def detach(self) -> None:
        self.delete()

    def serialize(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "properties": self.config}

    @staticmethod
    def create(workspace: Any, name: str, provisioning_configuration: Any) -> "ComputeTarget":
        if not isinstance(name, str) or not NAME_PATTERN.match(name) or name == LOCAL:
            raise invalid("name", name, "compute target names are 2-32 letters, digits or '-', starting with a letter "
                          "('local' is built in)", "pass e.g. name='cpu-cluster'", ComputeTargetException)
        if not isinstance(provisioning_configuration, _ProvisioningConfiguration):
            raise invalid("provisioning_configuration", provisioning_configuration, "is not a provisioning configuration",
                          "pass AmlCompute.provisioning_configuration(vm_size='STANDARD_D2_V2', max_nodes=4)", ComputeTargetException)
        ComputeTargetRecords(workspace.store.index).create(name, provisioning_configuration.target_type,
                                                          provisioning_configuration.as_dict())
        return get_compute_target(workspace, name)

    @staticmethod
    def attach(workspace: Any, name: str, attach_configuration: Any) -> "ComputeTarget":
        raise CapabilityNotAvailable("attach_configuration: attaching remote machines is not available in this version. "
                                     "Fix: use compute_target='local'.", field="attach_configuration")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(workspace={self.workspace.name!r}, name={self.name!r}, type={self.type!r})"


class LocalCompute(ComputeTarget):
    """Processes on this machine, started by a detached supervisor per run."""
    type = "LocalCompute"


class _ProvisioningConfiguration:
    target_type = "AmlCompute"

    def __init__(self, **values: Any) -> None:
        self._values = values

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)


class AmlCompute(ComputeTarget):
    """An AML cluster name, backed by the local target."""
    type = "AmlCompute"

    @staticmethod
    def provisioning_configuration(vm_size: str = "", vm_priority: str = "dedicated", min_nodes: int = 0,
                                   max_nodes: int | None = None, idle_seconds_before_scaledown: int | None = None,
                                   admin_username: str | None = None, admin_user_password: str | None = None,
                                   admin_user_ssh_key: str | None = None, vnet_resourcegroup_name: str | None = None,
                                   vnet_name: str | None = None, subnet_name: str | None = None, tags: dict | None = None,
                                   description: str | None = None, remote_login_port_public_access: str = "NotSpecified",
                                   identity_type: str | None = None, identity_id: list | None = None,
                                   location: str | None = None, enable_node_public_ip: bool = True) -> _ProvisioningConfiguration:
        if vm_priority not in ("dedicated", "lowpriority"):
            raise invalid("vm_priority", vm_priority, "must be 'dedicated' or 'lowpriority'", "pass vm_priority='dedicated'", ComputeTargetException)
        if not isinstance(min_nodes, int) or isinstance(min_nodes, bool) or min_nodes < 0:
            raise invalid("min_nodes", min_nodes, "must be an int >= 0", "pass min_nodes=0", ComputeTargetException)
        if max_nodes is not None and (not isinstance(max_nodes, int) or isinstance(max_nodes, bool) or max_nodes < max(1, min_nodes)):
            raise invalid("max_nodes", max_nodes, "must be an int >= max(1, min_nodes)", "pass e.g. max_nodes=4", ComputeTargetException)
        return _ProvisioningConfiguration(vm_size=vm_size, vm_priority=vm_priority, min_nodes=min_nodes,
                                          max_nodes=max_nodes or 4, description=description, tags=tags or {})

    @staticmethod
    def supported_vmsizes(workspace: Any, location: str | None = None) -> list[dict[str, Any]]:
        import os
        return [{"name": "local", "vCPUs": os.cpu_count(), "gpus": 0}]


class RemoteCompute(ComputeTarget):
    type = "RemoteCompute"

    @staticmethod
    def attach_configuration(username: str | None = None, address: str | None = None, ssh_port: int = 22,
                             password: str = "", private_key_file: str | None = None, private_key_passphrase: str | None = None) -> Any:
        raise CapabilityNotAvailable("address: remote SSH machines are not available in this version. "
                                     "Fix: use compute_target='local'.", field="address")


class _DockerProvisioning(_ProvisioningConfiguration):
    target_type = "DockerCompute"


class DockerCompute(ComputeTarget):
    """A Docker engine as a named target: every run submitted to it runs in a container there.

    The engine is found as the Docker CLI finds it (DOCKER_HOST, the current context, the default socket)
    unless `base_url` names one (unix://, tcp:// with TLS from DOCKER_CERT_PATH/DOCKER_TLS_VERIFY, ssh://).
    """
    type = "DockerCompute"

    @staticmethod
    def provisioning_configuration(base_url: str | None = None, default_image: str | None = None, shm_size: str = "2g",
                                   gpus: Any = None, network: str = "bridge", tls_verify: bool | None = None,
                                   cert_path: str | None = None) -> _ProvisioningConfiguration:
        from ..core.run_configuration import _check_shm_size
        if base_url is not None and (not isinstance(base_url, str)
                                     or not base_url.startswith(("unix://", "tcp://", "ssh://", "npipe://"))):
            raise invalid("base_url", base_url, "must be an engine address", "pass e.g. 'unix:///var/run/docker.sock', "
                          "'tcp://host:2376' or 'ssh://user@host' (or None to find it as the Docker CLI does)",
                          ComputeTargetException)
        if default_image is not None and (not isinstance(default_image, str) or not default_image.strip() or " " in default_image):
            raise invalid("default_image", default_image, "must be an image reference", "pass e.g. 'python:3.11-slim'",
                          ComputeTargetException)
        _check_shm_size(shm_size)
        if gpus not in (None, "all") and not (isinstance(gpus, int) and not isinstance(gpus, bool) and gpus >= 1):
            raise invalid("gpus", gpus, "must be None, 'all' or a number of GPUs", "pass gpus='all' or gpus=1",
                          ComputeTargetException)
        if not isinstance(network, str) or not network or network == "host":
            raise invalid("network", network, "must be a Docker network name other than 'host'",
                          "pass network='bridge' or a network you made with `docker network create`", ComputeTargetException)
        return _DockerProvisioning(base_url=base_url, default_image=default_image, shm_size=shm_size, gpus=gpus,
                                   network=network, tls_verify=tls_verify, cert_path=cert_path)

    def availability(self) -> str | None:
        """None when the engine answers, else why not."""
        from ..runner.docker_engine import engine_problem
        return engine_problem(self.config)


_TYPES: dict[str, type[ComputeTarget]] = {"LocalCompute": LocalCompute, "AmlCompute": AmlCompute,
                                          "DockerCompute": DockerCompute}


def get_compute_target(workspace: Any, name: Any) -> ComputeTarget:
    if isinstance(name, ComputeTarget):
        name = name.name
    resolved = resolve_target(workspace.store, name)
    return object.__new__(_TYPES.get(resolved.type, ComputeTarget))._setup(workspace, resolved.name, resolved.config)


def target_availability(workspace: Any) -> list[dict[str, Any]]:
    """Every target with whether it can run here now and, if not, why (what the form, the CLI and the API show)."""
    from ..runner.targets import target_kinds
    kinds = target_kinds()
    rows = []
    for target in list_compute_targets(workspace).values():
        kind = next((k for k in kinds.values() if target.type in k.types), kinds[LOCAL])
        reason = kind.availability(target.config) if target.name != LOCAL else None
        if reason or not kind.supported_features()["docker"]:
            docker = reason or "this target does not run containers"
        else:
            docker = kind.docker_problem(target.config)
        rows.append({"name": target.name, "type": target.type, "available": reason is None, "reason": reason,
                     "docker": docker is None, "docker_reason": docker})
    return rows


def list_compute_targets(workspace: Any) -> dict[str, ComputeTarget]:
    targets: dict[str, ComputeTarget] = {LOCAL: object.__new__(LocalCompute)._setup(workspace, LOCAL, {})}
    for record in ComputeTargetRecords(workspace.store.index).list():
        targets[record.name] = object.__new__(_TYPES.get(record.type, ComputeTarget))._setup(workspace, record.name, record.config)
    return targets
