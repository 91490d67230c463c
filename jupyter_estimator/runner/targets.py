"""The compute-target registry: what each kind of target can run, asked in one place.

Target kinds register through the `jupyter_estimator.targets` entry point group (the local target is
built in and registered the same way), so the SDK, the form and the REST API ask this registry what a
target supports instead of checking names. A named target in the workspace (an AML cluster name, for
instance) resolves to the kind that runs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from ..core.errors import ComputeTargetException, invalid
from ..store.compute_targets import ComputeTargetRecords

LOCAL = "local"
ENTRY_POINT_GROUP = "jupyter_estimator.targets"


class TargetKind:
    """One kind of compute target. Subclasses say what they support and whether they can run here now."""

    backend = "abstract"
    types: tuple[str, ...] = ()  # AML type names of the workspace targets this kind runs

    def supported_features(self) -> dict[str, Any]:
        return {"docker": False, "gpu": False, "max_nodes": 1, "max_processes_per_node": 1, "mpi": False,
                "datasets": False}

    def availability(self, config: dict[str, Any] | None = None) -> str | None:
        """None when this kind can run on this machine now, else why not (shown in the form and the API)."""
        return None

    def docker_problem(self, config: dict[str, Any] | None = None) -> str | None:
        """For a run that asks for Docker: None when an engine answers, else why not."""
        return "this target does not run containers"


class LocalTarget(TargetKind):
    """Processes on this machine, started by a detached supervisor per run; in a container on the local
    Docker engine when the run asks for Docker (use_docker, custom_docker_image, environment.docker.enabled)."""

    backend = LOCAL
    types = ("LocalCompute", "AmlCompute")

    def supported_features(self) -> dict[str, Any]:
        return {**super().supported_features(), "docker": True, "gpu": True}

    def docker_problem(self, config: dict[str, Any] | None = None) -> str | None:
        from .docker_engine import engine_problem
        return engine_problem(config)


class DockerTarget(LocalTarget):
    """A named Docker engine (DockerCompute): every run in a container there."""

    backend = "docker"
    types = ("DockerCompute",)

    def availability(self, config: dict[str, Any] | None = None) -> str | None:
        return self.docker_problem(config)


@dataclass(frozen=True)
class ResolvedTarget:
    name: str
    type: str
    backend: str
    kind: TargetKind
    config: dict[str, Any] = field(default_factory=dict)


def target_kinds() -> dict[str, TargetKind]:
    """Every registered kind by backend name; the built-in local one even without package metadata."""
    kinds: dict[str, TargetKind] = {LOCAL: LocalTarget(), "docker": DockerTarget()}
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if entry.name not in kinds:
            try:
                kinds[entry.name] = entry.load()()
            except Exception:  # noqa: BLE001 - a broken plug-in must not take the others down
                continue
    return kinds


def resolve_target(store: Any, name: Any) -> ResolvedTarget:
    """The target a run names ('local', or a named target in the workspace), with the kind that runs it."""
    if not isinstance(name, str) or not name:
        raise invalid("name", name, "must be a compute target name", "pass e.g. 'local'", ComputeTargetException)
    kinds = target_kinds()
    if name == LOCAL:
        return ResolvedTarget(LOCAL, "LocalCompute", LOCAL, kinds[LOCAL])
    record = ComputeTargetRecords(store.index).get(name)
    if record is None:
        known = [LOCAL, *(r.name for r in ComputeTargetRecords(store.index).list())]
        raise ComputeTargetException(f"compute_target: no compute target named {name!r} in this workspace "
                                     f"(known: {known}). Fix: use 'local', or create it with "
                                     f"ComputeTarget.create(ws, {name!r}, AmlCompute.provisioning_configuration(...)).")
    kind = next((k for k in kinds.values() if record.type in k.types), kinds[LOCAL])
    return ResolvedTarget(record.name, record.type, kind.backend, kind, record.config)
