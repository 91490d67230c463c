"""`max_concurrent_runs`: slots are lock files; holding a flock on one is holding the slot.

The kernel releases a flock when its holder dies, so a crashed supervisor never leaks a slot.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..store.locks import HeldLock, try_hold


class NoLimit:
    """What try_acquire returns when max_concurrent_runs is not set: a slot that holds nothing."""

    def close(self) -> None:
        pass


def try_acquire(slots_dir: Path, limit: int | None) -> HeldLock | NoLimit | None:
    """A held slot (close() frees it), NoLimit when there is no limit, or None when all are taken."""
    if limit is None:
        return NoLimit()
    slots_dir.mkdir(parents=True, exist_ok=True)
    for number in range(limit):
        held = try_hold(slots_dir / f"slot-{number}", str(os.getpid()))
        if held is not None:
            return held
    return None
