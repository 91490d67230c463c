"""The model registry: versioned copies of model files, per name from version 1.

Files are copied into `<workspace>/models/<name>/<version>/` before the version is claimed, and the
claim (index row + rename into place) happens in one write transaction, so concurrent
registrations get distinct versions and a failed one leaves nothing behind.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

from ..core.errors import ModelNotFoundException, ModelPathNotFoundException, UserErrorException, invalid
from ..store.files import checked_file, resolve_inside, safe_relative, tree_files

NAME_PATTERN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9\-\._]{0,254}$")


class _Framework:
    CUSTOM = "Custom"
    TENSORFLOW = "TensorFlow"
    SCIKITLEARN = "ScikitLearn"
    ONNX = "Onnx"
    TFKERAS = "TfKeras"
    PYTORCH = "PyTorch"
    MULTI = "Multi"


def _check_name(name: Any, field: str = "model_name") -> str:
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise invalid(field, name, "model names start with a letter or digit and hold only letters, digits, '-', '.', '_' "
                      "(at most 255)", "pass e.g. 'sklearn-mnist'")
    return name


def _check_mapping(value: Any, field: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid(field, value, "must be a dict of str -> str", f"pass e.g. {field}={{'area': 'mnist'}}")
    return {str(k): (None if v is None else str(v)) for k, v in value.items()}


class Model:
    Framework = _Framework

    def __init__(self, workspace: Any, name: str | None = None, id: str | None = None, tags: Any = None,
                 properties: Any = None, version: int | None = None, run_id: str | None = None,
                 model_framework: str | None = None, expand: bool = True, **_: Any) -> None:
        if id is not None:
            if not isinstance(id, str) or ":" not in id:
                raise invalid("id", id, "model ids look like 'name:version'", "pass e.g. id='mnist:3'")
            name, _, version_text = id.rpartition(":")
            if not version_text.isdigit():
                raise invalid("id", id, "the version part must be a number", "pass e.g. id='mnist:3'")
            version = int(version_text)
        if name is None:
            raise invalid("name", None, "pass a model name or id", "Model(ws, name='mnist') or Model(ws, id='mnist:3')")
        _check_name(name, "name")
        if version is not None and (not isinstance(version, int) or isinstance(version, bool) or version < 1):
            raise invalid("version", version, "must be an int >= 1", "pass e.g. version=2")
        candidates = Model.list(workspace, name=name, tags=tags, properties=properties, run_id=run_id,
                                model_framework=model_framework)
        if version is not None:
            candidates = [m for m in candidates if m.version == version]
        if not candidates:
            raise ModelNotFoundException(f"ModelNotFound: Model with name {name}"
                                         + (f" and version {version}" if version is not None else "")
                                         + " not found in provided workspace. Fix: list models with Model.list(ws).")
        self.__dict__.update(candidates[0].__dict__)

    @classmethod
    def _from_row(cls, workspace: Any, row: Any) -> "Model":
        model = cls.__new__(cls)
        model.workspace = workspace
        model.name, model.version = row["name"], row["version"]
        model.id = f"{model.name}:{model.version}"
        model.description = row["description"]
        model.tags = json.loads(row["tags"])
        model.properties = json.loads(row["properties"])
        model.model_framework = row["framework"]
        model.model_framework_version = row["framework_version"]
        model.run_id, model.experiment_name = row["run_id"], row["experiment_name"]
        model.created_time, model.created_by = row["created_time"], row["created_by"]
        model._relative_path = row["path"]
        model.url = (workspace.store.models_dir / model.name / str(model.version)).as_uri()
        model.mime_type = "application/octet-stream"
        model.unpack = False
        model.datasets = json.loads(row["datasets"])
        return model

    @property
    def run(self) -> Any:
        if not self.run_id:
            return None
        from .run import Run
        return Run.get(self.workspace, self.run_id)

    @property
    def _folder(self) -> Path:
        return self.workspace.store.models_dir / self.name / str(self.version)

    # registering --------------------------------------------------------------------------------
    @staticmethod
    def register(workspace: Any, model_path: str, model_name: str, tags: dict | None = None,
                 properties: dict | None = None, description: str | None = None, datasets: list | None = None,
                 model_framework: str | None = None, model_framework_version: str | None = None,
                 child_paths: list | None = None, sample_input_dataset: Any = None, sample_output_dataset: Any = None,
                 resource_configuration: Any = None, **_: Any) -> "Model":
        """Copy a local file or folder into the registry as the next version of `model_name`."""
        _check_name(model_name)
        if not isinstance(model_path, (str, os.PathLike)) or not Path(model_path).exists():
            raise invalid("model_path", model_path, "no such file or folder", "pass the path of the saved model")
        source = Path(model_path)
        paths = [source]
        if child_paths is not None:
            if not source.is_dir() or not isinstance(child_paths, list):
                raise invalid("child_paths", child_paths, "needs model_path to be a folder and a list of paths in it", "pass child_paths=['model.pkl']")
            paths = [source / safe_relative(p, "child_paths") for p in child_paths]
            for path in paths:
                if not path.exists():
                    raise invalid("child_paths", str(path), "no such file in model_path", "list files inside model_path")
        return _register(workspace, paths, source, model_name, tags=tags, properties=properties, description=description,
                         datasets=datasets, model_framework=model_framework, model_framework_version=model_framework_version)

    # listing ------------------------------------------------------------------------------------
    @staticmethod
    def list(workspace: Any, name: str | None = None, tags: Any = None, properties: Any = None,
             run_id: str | None = None, latest: bool = False, dataset_id: str | None = None, expand: bool = True,
             page_count: int = 255, model_framework: str | None = None) -> list["Model"]:
        if not isinstance(page_count, int) or not 1 <= page_count <= 255:
            raise invalid("page_count", page_count, "must be an int from 1 to 255", "pass page_count=255")
        tag_filters = _list_filters(tags, "tags")
        property_filters = _list_filters(properties, "properties")
        rows = workspace.store.models.list(name=name, run_id=run_id, framework=model_framework)
        models = [Model._from_row(workspace, row) for row in rows]
        models = [m for m in models if _matches(m.tags, tag_filters) and _matches(m.properties, property_filters)]
        if latest:
            seen: set[str] = set()
            models = [m for m in models if not (m.name in seen or seen.add(m.name))]
        return models

    # files --------------------------------------------------------------------------------------
    def download(self, target_dir: str = ".", exist_ok: bool = False, exists_ok: bool | None = None) -> str:
        exist_ok = exists_ok if exists_ok is not None else exist_ok
        target = Path(target_dir)
        target.mkdir(parents=True, exist_ok=True)
        written = []
        tree = tree_files(self._folder)  # a registry damaged by hand still never serves a link out of it
        tops = sorted({name.split("/", 1)[0] for name, _ in tree.files})
        for top in tops:
            if (target / top).exists() and not exist_ok:
                raise invalid("target_dir", str(target / top), "already exists", "pass exist_ok=True to overwrite")
        for name, source in tree.files:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target / name)
        if tree.warning(f"Model {self.name}:{self.version} download"):
            warnings.warn(tree.warning(f"Model {self.name}:{self.version} download"), stacklevel=2)
        written = [target / top for top in tops]
        return str(written[0] if len(written) == 1 else target)

    @staticmethod
    def get_model_path(model_name: str, version: int | None = None, _workspace: Any = None) -> str:
        """Where the model's files are for this process: downloaded to ./azureml-models/<name>/<version>/."""
        _check_name(model_name)
        if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
            raise invalid("version", version, "must be an int", "pass e.g. version=2")
        workspace = _workspace or _context_workspace()
        if workspace is not None:
            try:
                model = Model(workspace, name=model_name, version=version)
            except ModelNotFoundException:
                model = None
            if model is not None:
                folder = Path("azureml-models") / model.name / str(model.version)
                return model.download(str(folder), exist_ok=True)
        local = Path("azureml-models") / model_name
        if local.is_dir():
            versions = sorted((p for p in local.iterdir() if p.name.isdigit()), key=lambda p: int(p.name))
            chosen = local / str(version) if version is not None else (versions[-1] if versions else None)
            if chosen is not None and chosen.is_dir():
                entries = list(chosen.iterdir())
                return str(entries[0] if len(entries) == 1 else chosen)
        if Path(model_name).exists():
            return model_name
        raise ModelNotFoundException(f"ModelNotFound: model {model_name!r} is neither registered nor in ./azureml-models. "
                                     "Fix: register it with Model.register or run.register_model.")

    # metadata -----------------------------------------------------------------------------------
    def _save_metadata(self) -> None:
        self.workspace.store.models.update_metadata(self.name, self.version, self.tags, self.properties, self.description)

    def update(self, tags: dict | None = None, description: str | None = None, **_: Any) -> None:
        if tags is not None:
            self.tags = _check_mapping(tags, "tags")
        if description is not None:
            self.description = description
        self._save_metadata()

    def add_tags(self, tags: dict) -> None:
        self.tags.update(_check_mapping(tags, "tags"))
        self._save_metadata()

    def remove_tags(self, tags: list[str]) -> None:
        for key in tags:
            self.tags.pop(key, None)
        self._save_metadata()

    def add_properties(self, properties: dict) -> None:
        for key, value in _check_mapping(properties, "properties").items():
            if key in self.properties and self.properties[key] != value:
                raise invalid(f"properties[{key!r}]", value, "model properties are immutable", "use a new key or a tag")
            self.properties[key] = value
        self._save_metadata()

    def update_tags_properties(self, add_tags: dict | None = None, remove_tags: list | None = None,
                               add_properties: dict | None = None) -> None:
        if add_tags:
            self.tags.update(_check_mapping(add_tags, "add_tags"))
        for key in remove_tags or []:
            self.tags.pop(key, None)
        if add_properties:
            self.add_properties(add_properties)
        self._save_metadata()

    def delete(self) -> None:
        self.workspace.store.models.delete(self.name, self.version)
        shutil.rmtree(self._folder, ignore_errors=True)

    def serialize(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "id": self.id, "description": self.description,
                "tags": self.tags, "properties": self.properties, "modelFramework": self.model_framework,
                "modelFrameworkVersion": self.model_framework_version, "runId": self.run_id,
                "experimentName": self.experiment_name, "createdTime": self.created_time, "url": self.url}

    @staticmethod
    def deserialize(workspace: Any, model_payload: dict[str, Any]) -> "Model":
        return Model(workspace, name=model_payload["name"], version=model_payload.get("version"))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Model) and other.id == self.id and other.workspace == self.workspace

    def __hash__(self) -> int:
        return hash(self.id)

    def __repr__(self) -> str:
        return (f"Model(workspace={self.workspace!r}, name={self.name}, id={self.id}, version={self.version}, "
                f"tags={self.tags}, properties={self.properties})")


def _register(workspace: Any, paths: list[Path], root: Path, model_name: str, *, tags: Any, properties: Any,
              description: Any, datasets: Any, model_framework: Any, model_framework_version: Any,
              run_id: str | None = None, experiment_name: str | None = None, boundary: Path | None = None) -> Model:
    tags = _check_mapping(tags, "tags")
    properties = _check_mapping(properties, "properties")
    if model_framework_version is not None and model_framework is None:
        raise invalid("model_framework_version", model_framework_version, "needs model_framework", "pass model_framework=Model.Framework.SCIKITLEARN")
    if datasets is not None and not isinstance(datasets, list):
        raise invalid("datasets", datasets, "must be a list of (scenario, dataset) pairs", "pass datasets=[('training data', ds)]")
    dataset_refs = [[str(scenario), getattr(ds, "name", str(ds))] for scenario, ds in (datasets or [])]
    print(f"Registering model {model_name}")
    models_dir = workspace.store.models_dir
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=models_dir))
    try:
        limit = boundary or (root if root.is_dir() else root.parent)
        for path in paths:
            relative = path.relative_to(root) if path != root else Path(path.name)
            destination = staging / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            if path.is_dir() and not path.is_symlink():
                tree = tree_files(path, limit)  # links out of the run (or model folder) are never followed
                for name, source in tree.files:
                    (destination / name).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(source, destination / name)
                if tree.warning(f"register_model {model_name!r}"):
                    warnings.warn(tree.warning(f"register_model {model_name!r}"), stacklevel=3)
            else:
                shutil.copyfile(checked_file(path, limit), destination)
        stored_path = root.name
        (models_dir / model_name).mkdir(exist_ok=True)
        version = workspace.store.models.add(
            model_name, description=description, tags=tags, properties=properties, framework=model_framework,
            framework_version=model_framework_version, run_id=run_id, experiment_name=experiment_name,
            datasets=dataset_refs, path=stored_path,
            place_files=lambda number: os.rename(staging, models_dir / model_name / str(number)))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Model(workspace, name=model_name, version=version)


def register_from_run(run: Any, model_name: str, model_path: str | None, **options: Any) -> Model:
    _check_name(model_name)
    wanted = os.path.normpath(model_path if model_path is not None else model_name).replace(os.sep, "/")
    relative = safe_relative(wanted, "model_path")
    source = resolve_inside(run._folder.path, relative, "model_path")
    names = run.get_file_names()
    if not source.exists() or not any(n == relative.as_posix() or n.startswith(relative.as_posix() + "/") for n in names):
        raise ModelPathNotFoundException(f"model_path: Could not locate the provided model_path {model_path or model_name} "
                                         f"in the set of files uploaded to the run: {names}. Fix: save the model under "
                                         "./outputs in the script, or upload it with run.upload_file.", field="model_path")
    return _register(run.experiment.workspace, [source], source, model_name, run_id=run.id,
                     experiment_name=run.experiment.name, boundary=run._folder.path, **options)


def _context_workspace() -> Any:
    from ..tracking import context
    home = os.environ.get(context.HOME)
    if not home:
        return None
    from .workspace import Workspace
    return Workspace(path=home)


def _list_filters(value: Any, field: str) -> list[tuple[str, str | None]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise UserErrorException(f"{field}: Model.list takes {field} as a list such as ['key', ['key2', 'value']] "
                                 f"(got {value!r}). Fix: wrap it in a list.", field=field)
    filters = []
    for item in value:
        if isinstance(item, str):
            filters.append((item, None))
        elif isinstance(item, (list, tuple)) and len(item) == 2:
            filters.append((str(item[0]), str(item[1])))
        else:
            raise invalid(field, item, "each entry is a key or a [key, value] pair", f"pass e.g. {field}=['key', ['key2', 'v']]")
    return filters


def _matches(values: dict[str, Any], filters: list[tuple[str, str | None]]) -> bool:
    return all(key in values and (wanted is None or values[key] == wanted) for key, wanted in filters)
