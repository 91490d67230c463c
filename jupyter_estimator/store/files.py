"""Small file primitives: atomic JSON writes and paths that cannot leave their root."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

from ..core.errors import invalid


def write_json_atomic(path: Path, data: Any) -> None:
    """Write to a temporary file beside `path`, fsync-free, then rename over it: readers never see half a file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1, sort_keys=True, default=str)
        os.replace(tmp, path)
    except BaseException:
        with _suppress():
            os.unlink(tmp)
        raise


def read_json(path: Path, default: Any = None) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        return default


def safe_relative(name: str, field: str) -> PurePosixPath:
    """Validate a user-given relative artifact path: no absolute paths, no `..`, no empty parts."""
    if not isinstance(name, str) or not name.strip():
        raise invalid(field, name, "must be a non-empty relative path", "pass a path such as 'outputs/model.pkl'")
    text = name.replace("\\", "/")
    if text.startswith("/") or (len(text) > 1 and text[1] == ":"):
        raise invalid(field, name, "must be relative to the run, not absolute", "drop the leading '/' or drive, e.g. 'outputs/model.pkl'")
    parts = [p for p in text.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise invalid(field, name, "must not contain '..' (it would leave the run's folder)", "name a file inside the run, e.g. 'outputs/model.pkl'")
    if not parts or "\x00" in text:
        raise invalid(field, name, "is not a usable path", "pass a path such as 'outputs/model.pkl'")
    return PurePosixPath(*parts)


def resolve_inside(root: Path, relative: PurePosixPath, field: str) -> Path:
    """Join and resolve symlinks, then refuse anything that ends up outside `root`."""
    root_resolved = root.resolve()
    target = (root_resolved / relative).resolve()
    if target != root_resolved and root_resolved not in target.parents:
        raise invalid(field, str(relative), "resolves outside the run's folder", "name a file inside the run")
    return target


class _suppress:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return True
