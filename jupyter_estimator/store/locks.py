"""File locks held by a process, released by the kernel when it dies (so a crash never leaks one).

One helper for every lock in the project: a run's status file, environment builds, concurrency slots.
Standard library only, because a training script's environment holds nothing of ours but this code:
`fcntl.flock` on POSIX, `msvcrt.locking` on Windows, each imported only where it exists.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import IO, Iterator

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt


def _lock(handle: IO, blocking: bool) -> bool:
    if fcntl is not None:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            return True
        except BlockingIOError:
            return False
    handle.seek(0)
    try:
        msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK if blocking else msvcrt.LK_NBLCK, 1)
        return True
    except OSError:
        if blocking:
            raise
        return False


def _unlock(handle: IO) -> None:
    if fcntl is not None:
        fcntl.flock(handle, fcntl.LOCK_UN)
    else:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)


@contextlib.contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Hold `path`'s lock for the block, waiting for it if another process has it."""
    with open(path, "a") as handle:
        _lock(handle, blocking=True)
        try:
            yield
        finally:
            _unlock(handle)


class HeldLock:
    """A lock taken without waiting and held until close() (or until this process dies)."""

    def __init__(self, handle: IO) -> None:
        self.handle = handle

    def close(self) -> None:
        self.handle.close()  # closing the file releases the lock


def try_hold(path: Path, note: str = "") -> HeldLock | None:
    """Take `path`'s lock if it is free right now (writing `note` into it), else None."""
    handle = open(path, "a")
    if not _lock(handle, blocking=False):
        handle.close()
        return None
    handle.truncate(0)
    handle.write(note)
    handle.flush()
    return HeldLock(handle)
