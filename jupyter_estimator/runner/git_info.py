"""Git properties of a submission (`azureml.git.*` and `mlflow.source.git.*`), as AML records them."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

_OVERRIDES = {"repository_uri": "AZUREML_GIT_REPOSITORY_URI", "branch": "AZUREML_GIT_BRANCH",
              "commit": "AZUREML_GIT_COMMIT", "dirty": "AZUREML_GIT_DIRTY", "build_id": "AZUREML_GIT_BUILD_ID",
              "build_uri": "AZUREML_GIT_BUILD_URI"}


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def git_properties(source_directory: Path) -> dict[str, str]:
    info: dict[str, str | None] = {}
    if shutil.which("git") and _git(["rev-parse", "--is-inside-work-tree"], source_directory) == "true":
        info["commit"] = _git(["rev-parse", "HEAD"], source_directory)
        info["branch"] = _git(["symbolic-ref", "--short", "-q", "HEAD"], source_directory)
        remote = _git(["config", "--get", "remote.origin.url"], source_directory)
        info["repository_uri"] = remote
        status = _git(["status", "--porcelain", "."], source_directory)
        info["dirty"] = None if status is None else str(bool(status))
    for key, variable in _OVERRIDES.items():
        if os.environ.get(variable):
            info[key] = os.environ[variable]
    properties = {f"azureml.git.{k}": v for k, v in info.items() if v}
    mirror = {"repository_uri": "mlflow.source.git.repoURL", "branch": "mlflow.source.git.branch",
              "commit": "mlflow.source.git.commit"}
    properties.update({mirror[k]: v for k, v in info.items() if k in mirror and v})
    return properties
