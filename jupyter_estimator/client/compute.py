"""Compute targets: a registry of named targets in the workspace, with AML's classes.

`local` always exists. `AmlCompute` targets are accepted so AML notebooks run unchanged: a
"cluster" created with `ComputeTarget.create(ws, name, AmlCompute.provisioning_configuration(...))`
is a named target backed by the local target (its node limits become the run's limits when
distributed launch arrives). Docker and Ray targets join this registry in later versions.
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


_TYPES: dict[str, type[ComputeTarget]] = {"LocalCompute": LocalCompute, "AmlCompute": AmlCompute}


def get_compute_target(workspace: Any, name: Any) -> ComputeTarget:
    if isinstance(name, ComputeTarget):
        name = name.name
    resolved = resolve_target(workspace.store, name)
    return object.__new__(_TYPES.get(resolved.type, ComputeTarget))._setup(workspace, resolved.name, resolved.config)


def list_compute_targets(workspace: Any) -> dict[str, ComputeTarget]:
    targets: dict[str, ComputeTarget] = {LOCAL: object.__new__(LocalCompute)._setup(workspace, LOCAL, {})}
    for record in ComputeTargetRecords(workspace.store.index).list():
        targets[record.name] = object.__new__(_TYPES.get(record.type, ComputeTarget))._setup(workspace, record.name, record.config)
    return targets
