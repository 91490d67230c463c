"""The resolved, validated form of a submission, as written to a run's `run.json`.

These pydantic models are the edge between the AML-style config objects (mutable, permissive
until submit) and the runner (which reads run.json with the standard library alone).
"""

from __future__ import annotations

import hashlib
import json
import logging
import platform
import sys
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .conda_map import split_conda_python
from .environment import Environment

log = logging.getLogger(__name__)
ENV_BUILDER_VERSION = "2"  # 2: wheels only by default, pins relaxed  # bump when the way environments are built changes


class DockerSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool = False
    base_image: str | None = None
    base_dockerfile: str | None = None
    shm_size: str | None = "2g"
    arguments: list[str] = Field(default_factory=list)
    gpu_support: bool = False


class EnvironmentSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    version: str | None = None
    user_managed: bool = False
    interpreter: str  # the interpreter to run (user_managed) or to base a new environment on
    python_version: str | None = None  # an explicit `python=X.Y` pin; None = the base interpreter's
    pip: list[str] = Field(default_factory=list)
    pip_options: list[str] = Field(default_factory=list)
    conda: list[str] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=list)
    environment_variables: dict[str, str] = Field(default_factory=dict)
    docker: DockerSpec = Field(default_factory=DockerSpec)
    dropped_packages: list[str] = Field(default_factory=list)
    # How pip packages install: wheels only unless source_builds; exact pins that cannot be met are moved ("relax")
    # or fail the build ("strict"). None until the service fills them in from the workspace settings.
    source_builds: bool | None = None
    pin_policy: Literal["relax", "strict"] | None = None

    def content_hash(self) -> str:
        """Same packages (in any order), same interpreter, same platform → same hash → same built environment."""
        key = {
            "builder": ENV_BUILDER_VERSION, "user_managed": self.user_managed, "interpreter": self.interpreter,
            "python": self.python_version, "pip": sorted(self.pip), "pip_options": sorted(self.pip_options),
            "conda": sorted(self.conda), "channels": self.channels,
            "image": self.docker.base_image if self.docker.enabled else None,
            "source_builds": bool(self.source_builds), "pin_policy": self.pin_policy or "relax",
            "platform": [sys.platform, platform.machine()],
        }
        return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:24]


class RunSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    run_id: str
    experiment: str
    workspace_name: str
    parent_run_id: str | None = None
    run_type: str = "azureml.scriptrun"
    target: str
    target_type: str
    backend: str = "local"
    source_directory: str
    snapshot_id: str
    script: str | None = None
    command: list[str] | None = None
    arguments: list[str] = Field(default_factory=list)
    environment: EnvironmentSpec
    environment_hash: str
    environment_variables: dict[str, str] = Field(default_factory=dict)
    max_run_duration_seconds: int | None = None
    framework: str = "Python"
    communicator: str = "None"
    node_count: int = 1
    use_docker: bool = False  # run in a container (a Docker target, or use_docker / environment.docker.enabled)
    use_gpu: bool = False
    shm_size: str | None = None
    run_definition: dict[str, Any] = Field(default_factory=dict)
    submitted_by: str
    created_time: float


def environment_spec(env: Environment, source_directory: str | None) -> EnvironmentSpec:
    deps = env.python.conda_dependencies
    conda, python_pin = split_conda_python(deps.conda_packages, deps.get_python_version())
    pip, dropped = [], []
    for package in deps.pip_packages:
        # The SDK's own packages are what jupyter_estimator replaces; installing them would pull in the cloud SDK.
        (dropped if package.lower().startswith("azureml") else pip).append(package)
    if dropped:
        log.warning("Dropping %s from the environment: jupyter_estimator provides the tracking API itself.", dropped)
    interpreter = env.python.interpreter_path
    if not env.python.user_managed_dependencies or interpreter in (None, "", "python", "python3"):
        interpreter = sys.executable
    return EnvironmentSpec(
        name=env.name, version=env.version, user_managed=bool(env.python.user_managed_dependencies),
        interpreter=interpreter, python_version=python_pin, pip=pip, pip_options=deps.pip_options, conda=conda,
        channels=deps.conda_channels, environment_variables={k: str(v) for k, v in (env.environment_variables or {}).items()},
        docker=DockerSpec(enabled=env.docker.enabled, base_image=env.docker.base_image,
                          base_dockerfile=env.docker.base_dockerfile, shm_size=env.docker.shm_size,
                          arguments=list(env.docker.arguments), gpu_support=env.docker.gpu_support),
        dropped_packages=dropped)
