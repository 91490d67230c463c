"""`Workspace`: a local workspace on the embedded store, with AML's names.

Standard library only (training scripts reach it through `run.experiment.workspace`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..core.errors import invalid
from ..store.workspace_store import WorkspaceStore, default_home

CONFIG_NAMES = ("config.json", os.path.join(".azureml", "config.json"))


class Workspace:
    """A workspace is a folder: an index plus run folders, environments and models.

    `Workspace()` opens the default (`$JUPYTER_ESTIMATOR_HOME` or the Jupyter data dir);
    `Workspace(path=...)` any other. The AML identity fields are accepted and kept for display.
    """

    def __init__(self, subscription_id: str | None = None, resource_group: str | None = None,
                 workspace_name: str | None = None, auth: Any = None, _location: str | None = None,
                 _disable_service_check: bool = False, _workspace_id: str | None = None,
                 sku: str = "basic", *, path: str | os.PathLike | None = None) -> None:
        if path is not None and not isinstance(path, (str, os.PathLike)):
            raise invalid("path", path, "must be a folder path", "pass a str or pathlib.Path")
        root = Path(path).expanduser() if path is not None else default_home()
        if root.exists() and not root.is_dir():
            raise invalid("path", str(root), "exists and is not a folder", "pass a folder path for the workspace")
        self._store = WorkspaceStore(root)
        meta = self._store.metadata()
        changed = not meta
        meta.setdefault("name", workspace_name or root.name or "default")
        for key, value in (("subscription_id", subscription_id), ("resource_group", resource_group)):
            if value and meta.get(key) != value:
                meta[key] = value
                changed = True
        if changed:
            self._store.write_metadata(meta)
        self._meta = meta
        # A kernel under Jupyter submits through its server (same store either way); an explicit path stays local.
        self._server = None
        if path is None:
            from .server_link import find_server
            self._server = find_server(str(self._store.root))

    # identity -----------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._meta["name"]

    @property
    def subscription_id(self) -> str:
        return self._meta.get("subscription_id", "local")

    @property
    def resource_group(self) -> str:
        return self._meta.get("resource_group", "local")

    @property
    def location(self) -> str:
        return "local"

    @property
    def path(self) -> str:
        return str(self._store.root)

    @property
    def server_url(self) -> str | None:
        """The Jupyter server this workspace's submissions go through, if any."""
        return self._server.url if self._server else None

    @property
    def store(self) -> WorkspaceStore:
        return self._store

    def get_details(self) -> dict[str, Any]:
        return {"name": self.name, "location": self.location, "subscriptionId": self.subscription_id,
                "resourceGroup": self.resource_group, "path": self.path, "settings": self._store.settings()}

    # settings -----------------------------------------------------------------------------------
    def set_settings(self, **settings: Any) -> None:
        """Change workspace settings, e.g. `max_concurrent_runs=2`; unknown names are refused."""
        known = set(self._store.settings())
        for key, value in settings.items():
            if key not in known:
                raise invalid(key, value, "is not a workspace setting", f"use one of {sorted(known)}")
            if key == "max_concurrent_runs" and value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
                raise invalid(key, value, "must be a positive int or None", "pass e.g. max_concurrent_runs=2")
            if key == "cancel_grace_seconds" and (not isinstance(value, (int, float)) or value < 0):
                raise invalid(key, value, "must be a number of seconds >= 0", "pass e.g. cancel_grace_seconds=5")
            if key == "environment_source_builds" and not isinstance(value, bool):
                raise invalid(key, value, "must be True or False", "pass environment_source_builds=True to allow source builds")
            if key == "docker_default_image" and (not isinstance(value, str) or not value.strip() or " " in value):
                raise invalid(key, value, "must be an image reference", "pass e.g. docker_default_image='python:3.11-slim'")
            if key == "docker_build_host_settings" and not isinstance(value, bool):
                raise invalid(key, value, "must be True or False",
                              "pass docker_build_host_settings=False to keep the host's CA bundle and index settings out of builds")
            if key == "environment_pins" and value not in ("relax", "strict"):
                raise invalid(key, value, "must be 'relax' or 'strict'", "pass environment_pins='strict' to fail on unmet pins")
        meta = self._store.metadata()
        meta.setdefault("settings", {}).update(settings)
        self._store.write_metadata(meta)
        self._meta = meta

    def build_environment(self, environment: Any) -> str:
        """Build (or reuse) an Environment's interpreter in this workspace now; returns its path."""
        from ..core.spec import environment_spec  # pydantic: absent from a run's environment, where Workspace also loads
        from ..runner.environments import ensure_environment
        spec = environment_spec(environment, source_directory=None)
        settings = self._store.settings()
        spec = spec.model_copy(update={"source_builds": bool(settings["environment_source_builds"]),
                                       "pin_policy": settings["environment_pins"]})
        return ensure_environment(self._store, spec, log=None)

    # maintenance --------------------------------------------------------------------------------
    def reconcile(self) -> list[str]:
        """Mark runs whose owner process is gone as Failed (with the reason); returns their ids."""
        from ..store.reconcile import reconcile_all
        return reconcile_all(self._store)

    def rebuild_index(self) -> dict[str, int]:
        """Rebuild runs and models in the index from the run folders and model sidecars on disk."""
        from ..store.rebuild import rebuild_index
        return rebuild_index(self._store)

    # collections --------------------------------------------------------------------------------
    @property
    def experiments(self) -> dict[str, Any]:
        from .experiment import Experiment
        return {row.name: Experiment(self, row.name) for row in self._store.experiments.list()}

    @property
    def compute_targets(self) -> dict[str, Any]:
        from .compute import list_compute_targets
        return list_compute_targets(self)

    @property
    def environments(self) -> dict[str, Any]:
        from ..core.environment import Environment
        return Environment.list(self)

    @property
    def models(self) -> dict[str, Any]:
        from .model import Model
        return {model.name: model for model in Model.list(self, latest=True)}

    # construction -------------------------------------------------------------------------------
    @staticmethod
    def from_config(path: str | os.PathLike | None = None, auth: Any = None, _logger: Any = None,
                    _file_name: str | None = None) -> "Workspace":
        """Find `config.json` (or `.azureml/config.json`) from `path` (default: cwd) upward, as AML does.

        An AML config maps to a local workspace: its `path` key (relative to the file) when given,
        else the default workspace, named after `workspace_name`.
        """
        config_path = _find_config(Path(path) if path else Path.cwd(), _file_name)
        try:
            data = json.loads(config_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise invalid("path", str(config_path), f"is not a readable JSON workspace config ({exc})",
                          "write it with Workspace.write_config()") from exc
        if not isinstance(data, dict):
            raise invalid("path", str(config_path), "must hold a JSON object", "write it with Workspace.write_config()")
        local = data.get("path") or (data.get("jupyter_estimator") or {}).get("path")
        root = (config_path.parent / local) if local else None
        return Workspace(data.get("subscription_id"), data.get("resource_group"),
                         data.get("workspace_name") or data.get("name"), path=root)

    @staticmethod
    def get(name: str, auth: Any = None, subscription_id: str | None = None, resource_group: str | None = None,
            location: str | None = None, **_: Any) -> "Workspace":
        """The default workspace when `name` matches it, else `<default home>/workspaces/<name>`."""
        default = Workspace()
        if name == default.name:
            return default
        return Workspace(subscription_id, resource_group, name, path=default_home() / "workspaces" / name)

    def write_config(self, path: str | os.PathLike | None = None, file_name: str | None = None) -> str:
        folder = Path(path) if path else Path.cwd() / ".azureml"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / (file_name or "config.json")
        target.write_text(json.dumps({"subscription_id": self.subscription_id, "resource_group": self.resource_group,
                                      "workspace_name": self.name, "path": self.path}, indent=2))
        return str(target)

    def get_default_datastore(self) -> Any:
        from ..core.errors import CapabilityNotAvailable
        raise CapabilityNotAvailable("get_default_datastore: datastores and datasets are not available in this "
                                     "version of jupyter_estimator. Fix: read data from a path inside source_directory "
                                     "or an absolute path the target can see.", field="datastore")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Workspace) and other.path == self.path

    def __hash__(self) -> int:
        return hash(self.path)

    def __repr__(self) -> str:
        return (f"Workspace.create(name='{self.name}', subscription_id='{self.subscription_id}', "
                f"resource_group='{self.resource_group}', path='{self.path}')")


def _find_config(start: Path, file_name: str | None) -> Path:
    start = start.expanduser().absolute()
    if start.is_file():
        return start
    names = (file_name, os.path.join(".azureml", file_name)) if file_name else CONFIG_NAMES
    for folder in (start, *start.parents):
        for name in names:
            candidate = folder / name
            if candidate.is_file():
                return candidate
    raise invalid("path", str(start), "no config.json or .azureml/config.json here or in any parent folder",
                  "create one with Workspace(path=...).write_config(), or use Workspace() for the default")
