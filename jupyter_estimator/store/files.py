"""Small file primitives: atomic JSON writes and paths that cannot leave their root."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from ..core.errors import invalid
from ..core.paths import is_inside as _inside, resolve_inside, safe_relative  # noqa: F401 (re-exported)

# A folder holding this file is a workspace store; no snapshot ever contains one (runs, blobs, the index).
WORKSPACE_MARKER = ".jupyter-estimator-workspace"


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


class TreeFiles:
    """The files of a tree that may be copied or served, and what was left out (with why)."""

    def __init__(self, files: list[tuple[str, Path]] | None = None, skipped: list[tuple[str, str]] | None = None) -> None:
        self.files = files if files is not None else []  # (posix path relative to the tree, file to read)
        self.skipped = skipped if skipped is not None else []  # (posix path, why)

    def warning(self, what: str) -> str | None:
        if not self.skipped:
            return None
        shown = "; ".join(f"{name} ({why})" for name, why in self.skipped[:10])
        more = f" and {len(self.skipped) - 10} more" if len(self.skipped) > 10 else ""
        return f"{what}: skipped {len(self.skipped)} item(s) that may not be copied: {shown}{more}."


def tree_files(tree: Path, boundary: Path | None = None) -> TreeFiles:
    """Every file under `tree`, by the one rule for copying or serving a tree.

    Symbolic links are never followed out of `boundary` (default: the tree itself): a link to a file
    inside it is read through, a link that leaves it (or is broken) is skipped and reported, and links to
    folders are not descended (what they hold is either inside the boundary already or not ours to copy).
    """
    tree = Path(tree)
    limit = Path(boundary or tree).resolve()
    result = TreeFiles()
    if tree.is_symlink() and not _inside(tree.resolve(), limit):
        result.skipped.append((tree.name, f"a link to {tree.resolve()}, outside {limit}"))
        return result
    for current, dirs, names in os.walk(tree, followlinks=False):
        prefix = os.path.relpath(current, tree).replace(os.sep, "/")
        prefix = "" if prefix == "." else prefix + "/"
        for name in list(dirs):
            if os.path.islink(os.path.join(current, name)):
                dirs.remove(name)
                result.skipped.append((prefix + name, "a link to a folder (not followed)"))
        dirs.sort()
        for name in sorted(names):
            path = Path(current) / name
            relative = prefix + name
            if path.is_symlink():
                target = path.resolve()
                if not _inside(target, limit):
                    result.skipped.append((relative, f"a link to {target}, outside {limit}"))
                    continue
                if not target.is_file():
                    result.skipped.append((relative, "a link to nothing that can be copied"))
                    continue
                result.files.append((relative, target))
            elif path.is_file():
                result.files.append((relative, path))
            else:
                result.skipped.append((relative, "not a regular file"))
    return result


def checked_file(path: Path, boundary: Path) -> Path:
    """The file to read for `path`, refusing a link that leaves `boundary`."""
    target = Path(path).resolve()
    if not _inside(target, Path(boundary).resolve()):
        raise invalid("path", str(path), f"is a link to {target}, outside {boundary}",
                      "copy the file itself into the folder instead of linking to it")
    return target


class _suppress:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return True
