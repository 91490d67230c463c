"""`CondaDependencies`: the conda + pip package lists of an environment, with AML's API.

Deviation from AML: no python pin and no `azureml-defaults` by default. The run's interpreter
defaults to the submitting one, and the tracking code is provided by the runner, so neither is
needed; `azureml-*` packages named by ported code are dropped with a warning (see environment spec).
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

from .errors import invalid

DEFAULT_CHANNELS = ["conda-forge"]


class CondaDependencies:
    def __init__(self, conda_dependencies_file_path: str | os.PathLike | None = None,
                 _underlying_structure: dict | None = None) -> None:
        if conda_dependencies_file_path is not None:
            structure = _load_yaml(Path(conda_dependencies_file_path), "conda_dependencies_file_path")
        elif _underlying_structure is not None:
            structure = copy.deepcopy(_underlying_structure)
        else:
            structure = {"name": "project_environment", "dependencies": [], "channels": list(DEFAULT_CHANNELS)}
        _check_structure(structure, "conda_dependencies_file_path")
        self._conda_dependencies = structure

    @staticmethod
    def create(pip_indexurl: str | None = None, pip_packages: list[str] | None = None,
               conda_packages: list[str] | None = None, python_version: str | None = None,
               pin_sdk_version: bool = True) -> "CondaDependencies":
        deps = CondaDependencies()
        if python_version:
            deps.set_python_version(python_version)
        for package in _package_list(conda_packages, "conda_packages"):
            deps.add_conda_package(package)
        for package in _package_list(pip_packages, "pip_packages"):
            deps.add_pip_package(package)
        if pip_indexurl:
            deps.set_pip_index_url(pip_indexurl)
        return deps

    # conda --------------------------------------------------------------------------------------
    def _deps(self) -> list:
        return self._conda_dependencies.setdefault("dependencies", [])

    def _pip_section(self, create: bool = False) -> list | None:
        for item in self._deps():
            if isinstance(item, dict) and "pip" in item:
                return item["pip"]
        if create:
            section: list = []
            self._deps().append({"pip": section})
            return section
        return None

    @property
    def conda_packages(self) -> list[str]:
        return [d for d in self._deps() if isinstance(d, str) and not _is_python(d)]

    @property
    def pip_packages(self) -> list[str]:
        return [p for p in (self._pip_section() or []) if not p.startswith("-")]

    @property
    def pip_options(self) -> list[str]:
        return [p for p in (self._pip_section() or []) if p.startswith("-")]

    @property
    def conda_channels(self) -> list[str]:
        return list(self._conda_dependencies.get("channels", []))

    def add_conda_package(self, conda_package: str) -> None:
        _check_package(conda_package, "conda_packages")
        self.remove_conda_package(conda_package)
        self._deps().insert(len(self.conda_packages) + (1 if self.get_python_version() else 0), conda_package)

    def remove_conda_package(self, conda_package: str) -> None:
        name = _package_name(conda_package)
        self._conda_dependencies["dependencies"] = [
            d for d in self._deps() if not (isinstance(d, str) and _package_name(d) == name and not _is_python(d))]

    def add_pip_package(self, pip_package: str) -> None:
        _check_package(pip_package, "pip_packages")
        self.remove_pip_package(pip_package)
        self._pip_section(create=True).append(pip_package)

    def remove_pip_package(self, pip_package: str) -> None:
        section = self._pip_section()
        if section is not None:
            name = _package_name(pip_package)
            section[:] = [p for p in section if p.startswith("-") or _package_name(p) != name]

    def set_pip_requirements(self, pip_requirements: list[str]) -> None:
        for package in pip_requirements:
            _check_package(package, "pip_packages")
        section = self._pip_section(create=True)
        section[:] = [p for p in section if p.startswith("-")] + list(pip_requirements)

    def set_pip_option(self, pip_option: str) -> None:
        if not isinstance(pip_option, str) or not pip_option.startswith("-"):
            raise invalid("pip_option", pip_option, "pip options start with '-'", "pass e.g. '--extra-index-url https://…'")
        section = self._pip_section(create=True)
        if pip_option not in section:
            section.insert(0, pip_option)

    def remove_pip_option(self, pip_option: str) -> None:
        section = self._pip_section()
        if section is not None and pip_option in section:
            section.remove(pip_option)

    def set_pip_index_url(self, index_url: str) -> None:
        section = self._pip_section(create=True)
        section[:] = [p for p in section if not p.startswith("--index-url")]
        section.insert(0, f"--index-url {index_url}")

    def add_channel(self, channel: str) -> None:
        channels = self._conda_dependencies.setdefault("channels", [])
        if channel not in channels:
            channels.append(channel)

    def remove_channel(self, channel: str) -> None:
        channels = self._conda_dependencies.setdefault("channels", [])
        if channel in channels:
            channels.remove(channel)

    def set_python_version(self, version: str) -> None:
        if not isinstance(version, str) or not version[:1].isdigit():
            raise invalid("python_version", version, "must be a version such as '3.11'", "pass e.g. '3.11'")
        self._conda_dependencies["dependencies"] = [d for d in self._deps() if not (isinstance(d, str) and _is_python(d))]
        self._deps().insert(0, f"python={version}")

    def get_python_version(self) -> str | None:
        for item in self._deps():
            if isinstance(item, str) and _is_python(item):
                return item.split("=", 1)[1].lstrip("=") if "=" in item else None
        return None

    def add_tensorflow_pip_package(self, core_type: str = "cpu", version: str | None = None) -> None:
        self.add_pip_package("tensorflow" + (f"=={version}" if version else ""))

    def add_tensorflow_conda_package(self, core_type: str = "cpu", version: str | None = None) -> None:
        self.add_conda_package("tensorflow" + (f"={version}" if version else ""))

    # serialisation ------------------------------------------------------------------------------
    def as_dict(self) -> dict:
        return copy.deepcopy(self._conda_dependencies)

    def serialize_to_string(self) -> str:
        import yaml
        return yaml.safe_dump(self._conda_dependencies, sort_keys=False)

    def save(self, path: str | None = None) -> str:
        target = Path(path or "conda_dependencies.yml")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.serialize_to_string(), encoding="utf-8")
        return str(target)

    def save_to_file(self, base_directory: str, conda_file_path: str | None = None) -> str:
        return self.save(os.path.join(base_directory, conda_file_path or "conda_dependencies.yml"))

    @staticmethod
    def merge_requirements(requirements: list[str]) -> list[str]:
        seen: dict[str, str] = {}
        for requirement in requirements:
            seen[_package_name(requirement)] = requirement
        return list(seen.values())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CondaDependencies) and other._conda_dependencies == self._conda_dependencies

    def __repr__(self) -> str:
        return f"CondaDependencies(conda={self.conda_packages}, pip={self.pip_packages})"


def _is_python(spec: str) -> bool:
    return _package_name(spec) == "python"


def _package_name(spec: str) -> str:
    text = spec.split("::", 1)[-1].strip()
    for separator in ("[", "=", "<", ">", "!", "~", " ", ";", "@"):
        text = text.split(separator, 1)[0]
    return text.lower().replace("_", "-")


def _check_package(package: Any, field: str) -> str:
    if not isinstance(package, str) or not package.strip() or "\n" in package or "\x00" in package:
        raise invalid(field, package, "each package must be a non-empty one-line string", "pass e.g. 'numpy>=1.26'")
    return package


def _package_list(packages: Any, field: str) -> list[str]:
    if packages is None:
        return []
    if isinstance(packages, str) or not isinstance(packages, (list, tuple)):
        raise invalid(field, packages, "must be a list of package strings", f"pass e.g. {field}=['numpy']")
    return [_check_package(p, field) for p in packages]


def _load_yaml(path: Path, field: str) -> dict:
    import yaml
    if not path.is_file():
        raise invalid(field, str(path), "no such file", "pass the path of a conda environment .yml")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise invalid(field, str(path), f"is not valid YAML ({exc})", "fix the YAML syntax") from exc
    return data or {}


def _check_structure(structure: Any, field: str) -> None:
    if not isinstance(structure, dict):
        raise invalid(field, structure, "a conda specification must be a mapping", "use the `name/channels/dependencies` layout")
    deps = structure.get("dependencies", [])
    if not isinstance(deps, list):
        raise invalid(f"{field}.dependencies", deps, "must be a list", "list packages under `dependencies:`")
    for item in deps:
        if isinstance(item, dict):
            if set(item) != {"pip"} or not isinstance(item["pip"], list):
                raise invalid(f"{field}.dependencies", item, "the only nested entry allowed is `pip: [...]`", "move pip packages under `- pip:`")
            for package in item["pip"]:
                _check_package(package, f"{field}.dependencies.pip")
        else:
            _check_package(item, f"{field}.dependencies")
