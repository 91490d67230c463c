"""`Environment`: what a run's process needs (packages, interpreter, image, variables), with AML's API.

Registered environments live in the workspace index, versioned per name from 1.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from .conda_dependencies import CondaDependencies
from .errors import UserErrorException, invalid

DEFAULT_CPU_IMAGE = "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04"
DEFAULT_GPU_IMAGE = "mcr.microsoft.com/azureml/openmpi4.1.0-cuda11.3-cudnn8-ubuntu20.04"
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,254}$")


class ContainerRegistry:
    def __init__(self, address: str | None = None, username: str | None = None, password: str | None = None) -> None:
        self.address, self.username, self.password = address, username, password


class PythonSection:
    def __init__(self) -> None:
        self.user_managed_dependencies = False
        self.interpreter_path = "python"
        self.conda_dependencies = CondaDependencies()
        self.conda_dependencies_file: str | None = None


class DockerSection:
    def __init__(self) -> None:
        self._enabled = False
        self.base_image: str | None = DEFAULT_CPU_IMAGE
        self.base_dockerfile: str | None = None
        self.base_image_registry = ContainerRegistry()
        self.shm_size = "2g"
        self.shared_volumes = True
        self.arguments: list[str] = []
        self.gpu_support = False

    @property
    def enabled(self) -> bool:
        return self._enabled

    @enabled.setter
    def enabled(self, value: bool) -> None:
        self._enabled = bool(value)


class Environment:
    def __init__(self, name: str, **kwargs: Any) -> None:
        _check_name(name)
        self.name = name
        self.version: str | None = None
        self.python = PythonSection()
        self.docker = DockerSection()
        self.environment_variables: dict[str, str] = {"EXAMPLE_ENV_VAR": "EXAMPLE_VALUE"}
        self.inferencing_stack_version = None
        self.spark = None
        self.r = None

    # factories ----------------------------------------------------------------------------------
    @staticmethod
    def from_pip_requirements(name: str, file_path: str, pip_version: str | None = None) -> "Environment":
        env = Environment(name)
        lines = read_requirements(Path(file_path), "file_path")
        env.python.conda_dependencies.set_pip_requirements([l for l in lines if not l.startswith("-")])
        for option in (l for l in lines if l.startswith("-")):
            env.python.conda_dependencies.set_pip_option(option)
        return env

    @staticmethod
    def from_conda_specification(name: str, file_path: str) -> "Environment":
        env = Environment(name)
        env.python.conda_dependencies = CondaDependencies(conda_dependencies_file_path=file_path)
        return env

    @staticmethod
    def from_existing_conda_environment(name: str, conda_environment_name: str) -> "Environment":
        from .errors import CapabilityNotAvailable
        raise CapabilityNotAvailable("conda_environment_name: exporting an existing conda environment needs conda, "
                                     "which this installation does not use. Fix: export it yourself with "
                                     "`conda env export --no-builds > env.yml` and use from_conda_specification.",
                                     field="conda_environment_name")

    @staticmethod
    def from_docker_image(name: str, image: str, container_registry: ContainerRegistry | None = None,
                          conda_specification: str | None = None, pip_requirements: str | None = None) -> "Environment":
        if pip_requirements:
            env = Environment.from_pip_requirements(name, pip_requirements)
        elif conda_specification:
            env = Environment.from_conda_specification(name, conda_specification)
        else:
            env = Environment(name)
            env.python.user_managed_dependencies = True
        if not isinstance(image, str) or not image:
            raise invalid("image", image, "must be an image reference", "pass e.g. 'python:3.11-slim'")
        env.docker.base_image = image
        env.docker.enabled = True
        if container_registry is not None:
            env.docker.base_image_registry = container_registry
        return env

    @staticmethod
    def from_dockerfile(name: str, dockerfile: str, conda_specification: str | None = None,
                        pip_requirements: str | None = None) -> "Environment":
        env = Environment.from_docker_image(name, "dockerfile", None, conda_specification, pip_requirements)
        text = Path(dockerfile).read_text() if os.path.isfile(dockerfile) else dockerfile
        env.docker.base_image, env.docker.base_dockerfile = None, text
        return env

    def clone(self, new_name: str) -> "Environment":
        env = Environment._from_spec(self._to_spec())
        _check_name(new_name)
        env.name, env.version = new_name, None
        return env

    # registry -----------------------------------------------------------------------------------
    def register(self, workspace: Any) -> "Environment":
        if self.name.lower().startswith(("microsoft", "azureml")):
            raise invalid("name", self.name, "names starting with 'Microsoft' or 'AzureML' are reserved for curated environments",
                          "choose another name")
        definition = json.dumps({**self._to_spec(), "version": None}, sort_keys=True)
        version = workspace.store.environments.register(self.name, definition)
        registered = Environment._from_spec(json.loads(definition))
        registered.version = str(version)
        return registered

    @staticmethod
    def get(workspace: Any, name: str, version: str | int | None = None, label: str | None = None) -> "Environment":
        if version is not None and label is not None:
            raise invalid("version/label", (version, label), "version and label are exclusive", "pass only one")
        if label is not None:
            raise invalid("label", label, "environment labels are not supported", "pass version= or nothing for the latest")
        if version is not None and not str(version).isdigit():
            raise invalid("version", version, "must be a version number such as '2'", "pass a registered version")
        record = workspace.store.environments.get(name, None if version is None else int(version))
        if record is None:
            known = workspace.store.environments.names()
            raise UserErrorException(f"name: no registered environment {name!r}"
                                     + (f" version {version}" if version is not None else "")
                                     + f". Fix: register it with env.register(ws); registered: {known}", field="name")
        env = Environment._from_spec(json.loads(record.definition))
        env.version = str(record.version)
        return env

    @staticmethod
    def list(workspace: Any) -> dict[str, "Environment"]:
        result = {}
        for record in workspace.store.environments.latest_versions():
            env = Environment._from_spec(json.loads(record.definition))
            env.version = str(record.version)
            result[record.name] = env
        return result

    # local build --------------------------------------------------------------------------------
    def build_local(self, workspace: Any, platform: Any = None, **kwargs: Any) -> str:
        """Build (or reuse) this environment now, so the first run with it starts warm; returns its interpreter."""
        return workspace.build_environment(self)  # the workspace knows the runner; this config object does not

    # files --------------------------------------------------------------------------------------
    def save_to_directory(self, path: str, overwrite: bool = False) -> None:
        folder = Path(path)
        target = folder / "azureml_environment.json"
        if target.exists() and not overwrite:
            raise invalid("overwrite", overwrite, f"{target} exists", "pass overwrite=True")
        folder.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(self._to_spec(), indent=2))
        self.python.conda_dependencies.save(str(folder / "conda_dependencies.yml"))

    @staticmethod
    def load_from_directory(path: str) -> "Environment":
        source = Path(path) / "azureml_environment.json"
        if not source.is_file():
            raise invalid("path", path, "holds no azureml_environment.json", "pass a folder written by save_to_directory")
        return Environment._from_spec(json.loads(source.read_text()))

    # (de)serialisation --------------------------------------------------------------------------
    def _to_spec(self) -> dict[str, Any]:
        registry = self.docker.base_image_registry
        return {
            "name": self.name, "version": self.version,
            "python": {"user_managed_dependencies": bool(self.python.user_managed_dependencies),
                       "interpreter_path": self.python.interpreter_path,
                       "conda_dependencies": self.python.conda_dependencies.as_dict()},
            "docker": {"enabled": self.docker.enabled, "base_image": self.docker.base_image,
                       "base_dockerfile": self.docker.base_dockerfile, "shm_size": self.docker.shm_size,
                       "arguments": list(self.docker.arguments), "gpu_support": self.docker.gpu_support,
                       "registry": {"address": registry.address, "username": registry.username}},
            "environment_variables": dict(self.environment_variables or {}),
        }

    @staticmethod
    def _from_spec(spec: dict[str, Any]) -> "Environment":
        env = Environment(spec.get("name") or "environment")
        env.version = spec.get("version")
        python = spec.get("python", {})
        env.python.user_managed_dependencies = python.get("user_managed_dependencies", False)
        env.python.interpreter_path = python.get("interpreter_path", "python")
        env.python.conda_dependencies = CondaDependencies(_underlying_structure=python.get("conda_dependencies") or {"dependencies": []})
        docker = spec.get("docker", {})
        env.docker.enabled = docker.get("enabled", False)
        env.docker.base_image = docker.get("base_image", DEFAULT_CPU_IMAGE)
        env.docker.base_dockerfile = docker.get("base_dockerfile")
        env.docker.shm_size = docker.get("shm_size", "2g")
        env.docker.arguments = list(docker.get("arguments", []))
        env.docker.gpu_support = docker.get("gpu_support", False)
        registry = docker.get("registry") or {}
        env.docker.base_image_registry = ContainerRegistry(registry.get("address"), registry.get("username"))
        env.environment_variables = dict(spec.get("environment_variables", {}))
        return env

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Environment) and other._to_spec() == self._to_spec()

    def __repr__(self) -> str:
        return f"Environment(Name: {self.name},\nVersion: {self.version})"


def _check_name(name: Any) -> None:
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise invalid("name", name, "environment names start with a letter or digit and hold letters, digits, '_', '.', '-'",
                      "pass e.g. Environment('my-env')")


def read_requirements(path: Path, field: str) -> list[str]:
    """Requirement lines with comments and blanks dropped; `-r other.txt` includes are followed."""
    if not path.is_file():
        raise invalid(field, str(path), "no such requirements file", "pass the path of a pip requirements.txt")
    lines = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("-r ", "--requirement ")):
            lines += read_requirements(path.parent / line.split(None, 1)[1], field)
        else:
            lines.append(line)
    return lines
