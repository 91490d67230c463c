"""`max_concurrent_runs`: slots are lock files; holding a flock on one is holding the slot.

The kernel releases a flock when its holder dies, so a crashed supervisor never leaks a slot.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO


def try_acquire(slots_dir: Path, limit: int | None) -> IO | None | bool:
    """An open handle holding a free slot; True when there is no limit; None when all are taken."""
    if limit is None:
        return True
    slots_dir.mkdir(parents=True, exist_ok=True)
    for number in range(limit):
        handle = open(slots_dir / f"slot-{number}", "a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        handle.truncate(0)
        handle.write(str(os.getpid()))
        handle.flush()
        return handle
    return None
