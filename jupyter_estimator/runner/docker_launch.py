"""Running one run's script in a container: image preparation, then the container itself.

The container sees the workspace at the same absolute path as the host (so every path the tracking code
records is the same in both), with the run's snapshot mounted read-only over it; ./outputs and ./logs are
the run folder's own (live for TensorBoard and downloads); this package is mounted read-only and importable,
so the user's image needs nothing of ours. It runs as the caller's uid:gid, never privileged, labelled
with the run and workspace, with `container_init` as PID 1 watching the supervisor's lock.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import IO, Any

from ..core.docker_args import docker_run_options
from ..core.errors import EnvironmentBuildError
from .docker_engine import connect, gpu_runtime
from .docker_images import PACKAGE_MOUNT, ensure_base_image, environment_image, package_dir
from .processes import ContainerProcess

LABEL_RUN = "jupyter_estimator.run_id"
LABEL_WORKSPACE = "jupyter_estimator.workspace"
SUPERVISOR_LOCK = ".supervisor.lock"


class DockerLaunch:
    def __init__(self, store: Any, folder: Any, spec: dict[str, Any], settings: dict[str, Any],
                 target_config: dict[str, Any]) -> None:
        self.store, self.folder, self.spec, self.settings = store, folder, spec, settings
        self.config = target_config
        self.docker = dict(spec["environment"].get("docker") or {})
        self.client: Any = None
        self.image: str | None = None

    def prepare(self, log: IO[str]) -> str:
        """Connect, pull or build what the run needs; returns the python to run inside the image."""
        self.client = connect(self.config)
        self._remove_leftovers()
        if self.spec.get("use_gpu") and not gpu_runtime(self.client):
            raise EnvironmentBuildError(
                "use_gpu: the Docker engine has no GPU runtime (no NVIDIA runtime or CDI GPU devices in `docker info`). "
                "Fix: install the NVIDIA Container Toolkit on the engine's host, or submit with use_gpu=False.")
        settings = dict(self.settings)
        if self.config.get("default_image"):
            settings["docker_default_image"] = self.config["default_image"]
        base = ensure_base_image(self.client, self.store, self.docker, settings, log)
        self.image, python = environment_image(self.client, self.store, base, self.spec["environment"], settings, log)
        return python

    def _remove_leftovers(self) -> None:
        """Containers whose supervisor died (they stopped by themselves) are removed once their run is final."""
        from ..core.status import is_terminal

        def is_final(run_id: str) -> bool:
            try:
                return is_terminal(self.store.run_folder(run_id).read_status().get("status", ""))
            except Exception:  # a run folder that is gone: nothing to keep the container for
                return True
        try:
            remove_finished_containers(self.client, self.store.root, is_final)
        except Exception:  # housekeeping must never fail a run
            pass

    def environment(self, run_environment: dict[str, str]) -> dict[str, str]:
        """The container's variables: the run's own and its context, nothing of the host's."""
        env = dict(self.spec["environment"].get("environment_variables", {}))
        env.update(self.spec.get("environment_variables", {}))
        env.update(run_environment)
        env.update({"PYTHONPATH": PACKAGE_MOUNT, "PYTHONUNBUFFERED": "1", "HOME": "/tmp"})
        return env

    def start(self, argv: list[str], env: dict[str, str]) -> ContainerProcess:
        from docker.types import DeviceRequest, Mount
        workspace = str(self.store.root)
        snapshot = str(self.folder.snapshot_dir)
        options = docker_run_options(list(self.docker.get("arguments") or []))
        env = {**options.pop("environment", {}), **env}
        if "ulimits" in options:
            from docker.types import Ulimit
            options["ulimits"] = [Ulimit(name=u["Name"], soft=u["Soft"], hard=u["Hard"]) for u in options["ulimits"]]
        shm_size = self.spec.get("shm_size") or self.docker.get("shm_size") or self.config.get("shm_size") or "2g"
        options.setdefault("shm_size", shm_size)
        gpus = self.config.get("gpus")
        if self.spec.get("use_gpu"):
            options["device_requests"] = [DeviceRequest(count=-1 if gpus in (None, "all") else int(gpus),
                                                        capabilities=[["gpu"]])]
        command = [argv[0], "-m", "jupyter_estimator.runner.container_init",
                   str(self.folder.path / SUPERVISOR_LOCK), "--", *argv]
        container = self.client.containers.create(
            self.image, command=command, entrypoint=[], name=container_name(self.spec["run_id"]),
            user=f"{os.getuid()}:{os.getgid()}", working_dir=snapshot, environment=env,
            mounts=[Mount(workspace, workspace, type="bind"),
                    Mount(snapshot, snapshot, type="bind", read_only=True),
                    Mount(f"{PACKAGE_MOUNT}/jupyter_estimator", str(package_dir()), type="bind", read_only=True)],
            labels={LABEL_RUN: self.spec["run_id"], LABEL_WORKSPACE: workspace},
            network_mode=self.config.get("network") or "bridge", privileged=False, init=False, stdin_open=False,
            tty=False, **options)
        self.folder.update_status_fields(container={"id": container.id, "name": container.name, "image": self.image})
        return ContainerProcess(self.client, container)


def container_name(run_id: str) -> str:
    return "jest-" + re.sub(r"[^A-Za-z0-9_.-]", "-", run_id)[:120]


def remove_finished_containers(client: Any, workspace: Path, is_final: Any) -> int:
    """Containers of this workspace's runs that ended while nobody watched (a supervisor died): removed."""
    removed = 0
    for container in client.containers.list(all=True, filters={"label": f"{LABEL_WORKSPACE}={workspace}",
                                                                "status": "exited"}):
        if is_final(container.labels.get(LABEL_RUN, "")):
            container.remove(force=True)
            removed += 1
    return removed
