"""Paths that cannot leave their root: the one containment rule for run folders, snapshots and source folders."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from .errors import invalid


def is_inside(target: Path, root: Path) -> bool:
    """Whether `target` is `root` or below it (both already resolved)."""
    return target == root or root in target.parents


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


def resolve_inside(root: Path, relative: PurePosixPath | str, field: str, where: str = "the run's folder",
                   fix: str = "name a file inside the run") -> Path:
    """Join and resolve symlinks, then refuse anything that ends up outside `root` (absolute names included)."""
    root_resolved = Path(root).resolve()
    if Path(relative).is_absolute():
        raise invalid(field, str(relative), f"must be inside {where}, not absolute", fix)
    target = (root_resolved / relative).resolve()
    if not is_inside(target, root_resolved):
        raise invalid(field, str(relative), f"resolves outside {where}", fix)
    return target
