"""Listing and pruning the environment images Docker runs leave on an engine (`jupyter estimator images`).

Only images tagged in ENV_REPOSITORY and labelled by our builder are considered: base images (pulled, or
built from a base_dockerfile) are never candidates. An image is removed by its tag, never forced, so the
engine itself refuses to delete an image a container was started from since we looked, and an image with
another tag (say, one the user reuses as a base image) only loses our tag. "Last used" comes from this
workspace's `envs/docker/<key>.json` (written by docker_images.record_use); the engine keeps no such time.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from typing import Any

from .docker_images import ENV_REPOSITORY, LABEL_BASE, LABEL_ENV

DAY = 86400.0


@dataclass(frozen=True)
class EnvironmentImage:
    tag: str  # jupyter-estimator/env:<key>
    key: str
    image_id: str
    base_image: str | None
    size: int  # bytes, shared layers included (what `docker images` shows)
    created: float  # epoch seconds
    last_used: float | None  # None: this workspace never ran with it
    in_use: bool  # a container (running or stopped) was made from it

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def list_environment_images(client: Any, store: Any) -> list[EnvironmentImage]:
    """Every environment image on the engine, most recently used (or created) first."""
    # The low-level calls answer in one request each; the high-level ones inspect every image again.
    used_ids = {c.get("ImageID") for c in client.api.containers(all=True)}
    images = []
    for entry in client.api.images(filters={"label": LABEL_ENV}):
        labels = entry.get("Labels") or {}
        for tag in entry.get("RepoTags") or []:
            repository, _, key = tag.rpartition(":")
            if repository != ENV_REPOSITORY or not key:
                continue
            images.append(EnvironmentImage(
                tag=tag, key=key, image_id=entry["Id"], base_image=labels.get(LABEL_BASE),
                size=int(entry.get("Size") or 0), created=float(entry.get("Created") or 0),
                last_used=_last_used(store, key), in_use=entry["Id"] in used_ids))
    images.sort(key=lambda image: image.last_used or image.created, reverse=True)
    return images


def prune_environment_images(client: Any, store: Any, older_than_days: float | None = None,
                             dry_run: bool = False) -> list[EnvironmentImage]:
    """Remove the environment images no container uses (and, with older_than_days, not used for that long);
    returns what was removed, or with dry_run what would be. Each removed image's use record goes too."""
    import docker
    images = list_environment_images(client, store)
    # An environment image a run named as its base_image is a base image too: keep it while its child exists.
    bases = {image.base_image for image in images if image.base_image}
    cutoff = None if older_than_days is None else time.time() - older_than_days * DAY
    removed = []
    for image in images:
        if image.in_use or image.tag in bases:
            continue
        # Never used here: its age is the best evidence of how long it has sat unused.
        if cutoff is not None and (image.last_used or image.created) > cutoff:
            continue
        if not dry_run:
            try:
                client.api.remove_image(image.tag, force=False)
            except docker.errors.NotFound:  # removed meanwhile (another prune, `docker rmi`): nothing to do
                _forget(store, image.key)
                continue
            except docker.errors.APIError as exc:
                if exc.status_code == 409:  # a container was made from it since we listed: it is in use now
                    continue
                raise
            _forget(store, image.key)
        removed.append(image)
    return removed


def engine_config(store: Any, target: str) -> dict[str, Any]:
    """The engine settings (base_url, TLS) of a named Docker compute target; {} for 'local' (DOCKER_HOST, context)."""
    from ..core.errors import ComputeTargetException
    if target == "local":
        return {}
    record = store.compute_targets.get(target)
    if record is None:
        raise ComputeTargetException(f"--target: no compute target named {target!r} in this workspace. Fix: use "
                                     "'local', or a name from ws.compute_targets.")
    return dict(record.config)


def _record_path(store: Any, key: str) -> Any:
    return store.envs_dir / "docker" / f"{key}.json"


def _last_used(store: Any, key: str) -> float | None:
    try:
        value = json.loads(_record_path(store, key).read_text()).get("last_used")
    except (OSError, ValueError, AttributeError):  # no record, or a damaged one: treat as never used here
        return None
    return float(value) if isinstance(value, (int, float)) else None


def _forget(store: Any, key: str) -> None:
    _record_path(store, key).unlink(missing_ok=True)


def table(images: list[EnvironmentImage], now: float | None = None) -> list[str]:
    """The `jupyter estimator images` table, one line per image."""
    lines = [f"{'IMAGE':<47} {'BASE':<38} {'SIZE':>9}  {'LAST USED':<14} IN USE"]
    for image in images:
        lines.append(f"{image.tag:<47} {image.base_image or '-':<38} {human_size(image.size):>9}  "
                     f"{human_age(image.last_used, now):<14} {'yes' if image.in_use else 'no'}")
    return lines


def prune_report(removed: list[EnvironmentImage], dry_run: bool, older_than_days: float | None) -> list[str]:
    verb = "Would remove" if dry_run else "Removed"
    lines = [f"{verb} {image.tag} ({human_size(image.size)}, "
             f"{'last used ' + human_age(image.last_used) if image.last_used else 'never used here'})"
             for image in removed]
    if not removed:
        unused = f"unused for {older_than_days:g} days" if older_than_days is not None else "unused"
        return [f"Nothing to prune: no environment image is {unused} (images a container uses are kept)."]
    # Sizes count layers shared with the base image and other images, which stay: the space freed is at most this.
    total = human_size(sum(image.size for image in removed))
    lines.append(f"{verb} {len(removed)} environment image{'s' if len(removed) != 1 else ''} (up to {total})"
                 + ("; dry run, nothing was removed." if dry_run else "."))
    return lines


def human_size(size: int) -> str:
    """Decimal units, as `docker images` prints them: 512.3 MB."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"


def human_age(then: float | None, now: float | None = None) -> str:
    """'3 min ago'; 'never here' when this workspace has no record of using the image."""
    if then is None:
        return "never here"
    seconds = max(0.0, (now or time.time()) - then)
    for limit, unit, divisor in ((60, "s", 1), (3600, "min", 60), (DAY, "h", 3600)):
        if seconds < limit:
            return f"{int(seconds // divisor)} {unit} ago"
    days = int(seconds // DAY)
    return f"{days} day{'s' if days != 1 else ''} ago"
