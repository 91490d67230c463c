"""The logging half of `Run`: metrics, images, artifacts, tags and properties.

Metric calls only validate and enqueue (see metric_buffer); artifacts are copied into the run
folder at once, atomically, under a validated relative name.
"""

from __future__ import annotations

import io
import json
import numbers
import os
import shutil
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any, Iterable

from ..core.errors import UserErrorException, invalid
from ..store.files import resolve_inside, safe_relative
from ..store.run_folder import RESERVED_NAMES
from ..store.metrics_file import DOCUMENT, IMAGE, LIST, ROW, SCALAR, TABLE

_SCALARS = (int, float, bool, str, type(None))


def _check_name(name: Any, field: str = "name") -> str:
    if not isinstance(name, str) or not name or len(name) > 255:
        raise invalid(field, name, "metric names are non-empty strings of at most 255 characters", "pass e.g. 'loss'")
    return name


def _is_scalar(value: Any) -> bool:
    return isinstance(value, _SCALARS) or isinstance(value, numbers.Number) and not isinstance(value, complex)


def _plain(value: Any) -> Any:
    """numpy scalars and other Number types become plain Python numbers."""
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    return float(value)


class LoggingMixin:
    """Expects: self._append(record), self._store, self._folder, self.id, self._runs (the store's RunRecords)."""

    # metrics ------------------------------------------------------------------------------------
    def log(self, name: str, value: Any, description: str = "", step: int | None = None) -> None:
        """Log a scalar (int, float, bool, str or None); repeated calls under one name make a series."""
        if type(value) not in _SCALARS:  # the fast path skips these checks for plain scalars
            if isinstance(value, (list, tuple, range, set, dict)) or hasattr(value, "__next__"):
                raise UserErrorException("value: run.log does not support list type. Use run.log_list instead.", field="value")
            if not _is_scalar(value):
                raise invalid("value", value, "run.log takes an int, float, bool, str or None", "log a number or use log_list/log_table")
            value = _plain(value)
        if type(name) is not str or not name:
            _check_name(name)
        self._append([time.time(), SCALAR, name, value, step])

    def log_list(self, name: str, value: Iterable[Any], description: str = "") -> None:
        _check_name(name)
        if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
            raise invalid("value", value, "log_list takes a list of scalars", "pass e.g. [0.1, 0.2]")
        items = list(value)
        bad = [v for v in items if not _is_scalar(v)]
        if bad:
            raise invalid("value", bad[0], "log_list items must be scalars", "flatten nested lists or use log_table")
        self._append([time.time(), LIST, name, [_plain(v) for v in items], None])

    def log_row(self, name: str, description: str | None = None, **kwargs: Any) -> None:
        _check_name(name)
        if not kwargs:
            raise invalid("kwargs", kwargs, "log_row needs at least one column", "call e.g. run.log_row('pr', x=1, y=2)")
        bad = {k: v for k, v in kwargs.items() if not _is_scalar(v)}
        if bad:
            key = next(iter(bad))
            raise invalid(key, bad[key], "log_row cells must be scalars", "log one value per column")
        self._append([time.time(), ROW, name, {k: _plain(v) for k, v in kwargs.items()}, None])

    def log_table(self, name: str, value: dict[str, list], description: str = "") -> None:
        _check_name(name)
        if not isinstance(value, dict) or not value:
            raise invalid("value", value, "log_table takes a non-empty dict of column name -> list", "pass e.g. {'x': [1, 2], 'y': [3, 4]}")
        lengths = set()
        for column, cells in value.items():
            if isinstance(cells, (str, bytes)) or not hasattr(cells, "__iter__"):
                raise invalid(f"value[{column!r}]", cells, "each column must be a list", "pass lists of equal length")
            lengths.add(len(list(cells)))
        if len(lengths) > 1:
            raise invalid("value", {k: len(list(v)) for k, v in value.items()}, "columns must have equal lengths",
                          "pad or trim the columns to one length")
        self._append([time.time(), TABLE, name, {k: [_plain(c) if _is_scalar(c) else str(c) for c in v] for k, v in value.items()}, None])

    def log_image(self, name: str, path: str | os.PathLike | None = None, plot: Any = None, description: str = "") -> None:
        """Log an image file (`path`) or a matplotlib figure/pyplot (`plot`); exactly one of them."""
        _check_name(name)
        if (path is None) == (plot is None):
            raise invalid("path/plot", (path, plot), "log_image takes exactly one of path and plot",
                          "pass path='chart.png' or plot=fig")
        if plot is not None:
            artifact = f"{name}_{int(time.time())}.png"
            buffer = io.BytesIO()
            if not hasattr(plot, "savefig"):
                raise invalid("plot", plot, "must be a matplotlib figure or pyplot", "pass plot=fig or plot=plt")
            plot.savefig(buffer, format="png")
            self._write_artifact(artifact, buffer.getvalue())
        else:
            source = Path(path)
            if not source.is_file():
                raise invalid("path", str(path), "is not a file", "pass the path of a PNG/JPEG image")
            artifact = _artifact_name_for(source)
            self.upload_file(artifact, str(source))
        self._append([time.time(), IMAGE, name, artifact, None])

    def _log_document(self, name: str, value: Any, schema_type: str) -> None:
        _check_name(name)
        document = json.loads(value) if isinstance(value, str) else value
        if not isinstance(document, dict):
            raise invalid("value", value, f"{schema_type} must be a dict or a JSON string of one", "pass {'schema_type': ..., 'data': ...}")
        self._append([time.time(), DOCUMENT, name, document, None])

    def log_confusion_matrix(self, name: str, value: Any, description: str = "") -> None:
        self._log_document(name, value, "confusion_matrix")

    def log_accuracy_table(self, name: str, value: Any, description: str = "") -> None:
        self._log_document(name, value, "accuracy_table")

    def log_residuals(self, name: str, value: Any, description: str = "") -> None:
        self._log_document(name, value, "residuals")

    def log_predictions(self, name: str, value: Any, description: str = "") -> None:
        self._log_document(name, value, "predictions")

    # artifacts ----------------------------------------------------------------------------------
    def _artifact_target(self, name: str, field: str = "name") -> Path:
        relative = safe_relative(name, field)
        if relative.parts[0] in RESERVED_NAMES:
            raise invalid(field, name, f"{relative.parts[0]!r} is reserved for the run's own records",
                          "upload under another name, e.g. 'outputs/" + relative.name + "'")
        return resolve_inside(self._folder.path, relative, field)

    def _write_artifact(self, name: str, data: bytes) -> None:
        target = self._artifact_target(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)

    def upload_file(self, name: str, path_or_stream: Any, datastore_name: str | None = None) -> dict[str, str]:
        """Copy a file (or a readable binary stream) into the run as artifact `name`."""
        target = self._artifact_target(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with os.fdopen(fd, "wb") as out:
                if hasattr(path_or_stream, "read"):
                    shutil.copyfileobj(path_or_stream, out)
                else:
                    source = Path(path_or_stream)
                    if not source.is_file():
                        raise invalid("path_or_stream", str(path_or_stream), "is not a file", "pass an existing file path or an open binary stream")
                    if source.resolve() == target:
                        os.unlink(tmp)
                        return {"name": name}
                    with open(source, "rb") as src:
                        shutil.copyfileobj(src, out, 1024 * 1024)
            os.replace(tmp, target)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return {"name": name}

    def upload_files(self, names: list[str], paths: list[str], return_artifacts: bool = False,
                     timeout_seconds: float | None = None, datastore_name: str | None = None) -> Any:
        if not isinstance(names, (list, tuple)) or not isinstance(paths, (list, tuple)) or len(names) != len(paths):
            raise invalid("names/paths", (names, paths), "must be two lists of the same length", "pass one name per path")
        for name in names:  # validate all before copying any: nothing half-uploaded on a bad name
            self._artifact_target(name, "names")
        results = [self.upload_file(name, path) for name, path in zip(names, paths)]
        return results if return_artifacts else None

    def upload_folder(self, name: str, path: str | os.PathLike, datastore_name: str | None = None) -> list[str]:
        source = Path(path)
        if not source.is_dir():
            raise invalid("path", str(path), "is not a folder", "pass an existing folder")
        from ..store.files import tree_files
        tree = tree_files(source)  # links out of the folder are skipped and named, never followed
        if tree.warning(f"upload_folder {str(path)!r}"):
            warnings.warn(tree.warning(f"upload_folder {str(path)!r}"), stacklevel=2)
        names = [f"{name.rstrip('/')}/{relative}" for relative, _ in tree.files]
        self.upload_files(names, [str(file) for _, file in tree.files])
        return names

    # tags and properties ------------------------------------------------------------------------
    def tag(self, key: str, value: Any = None) -> None:
        self.set_tags({key: value})

    def set_tags(self, tags: dict[str, Any]) -> None:
        if not isinstance(tags, dict):
            raise invalid("tags", tags, "must be a dict of str -> str", "pass e.g. {'lr': '0.1'}")
        clean: dict[str, Any] = {}
        for key, value in tags.items():
            if not isinstance(key, str) or not key:
                raise invalid("tags", key, "tag keys must be non-empty strings", "use str keys")
            if value is not None and not isinstance(value, str):
                warnings.warn(f"Converting non-string tag value {key}={value!r} to str.", stacklevel=3)
                value = str(value)
            clean[key] = value
        if clean:
            self._runs.set_tags(self.id, clean)
            self._record_meta("tags", clean)

    def remove_tags(self, tags: list[str]) -> None:
        if isinstance(tags, str) or not isinstance(tags, (list, tuple, set)):
            raise invalid("tags", tags, "must be a list of keys", "pass e.g. ['old_tag']")
        self._runs.remove_tags(self.id, list(tags))
        self._record_meta("remove_tags", list(tags))

    def get_tags(self) -> dict[str, Any]:
        return self._runs.tags(self.id)

    def add_properties(self, properties: dict[str, Any]) -> None:
        if not isinstance(properties, dict):
            raise invalid("properties", properties, "must be a dict of str -> str", "pass e.g. {'dataset': 'v2'}")
        clean = {str(k): (None if v is None else str(v)) for k, v in properties.items()}
        if clean:
            self._runs.add_properties(self.id, clean)
            self._record_meta("properties", clean)

    def get_properties(self) -> dict[str, Any]:
        return self._runs.properties(self.id)

    def _record_meta(self, kind: str, data: Any) -> None:
        self._folder.append_meta(kind, data)


def _artifact_name_for(source: Path) -> str:
    """AML uploads `path` under its own relative path; absolute or escaping paths fall back to the file name."""
    try:
        relative = Path(os.path.abspath(source)).relative_to(os.path.abspath(os.getcwd()))
        return relative.as_posix()
    except ValueError:
        return source.name
