"""Ending a run cleanly when its disk fills up.

A full disk must not cost the run its record: the supervisor keeps a small file of real bytes in the
run's folder from the start and deletes it once a write fails with ENOSPC, which gives back just the
room needed to append the kept tail of the log and to write the final status. Output that cannot be
written meanwhile is counted, and its last bytes are kept in memory. Standard library only.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import BinaryIO

RESERVE_NAME = ".space-reserve"
RESERVE_BYTES = 512 * 1024
TAIL_BYTES = 64 * 1024


class DiskReserve:
    def __init__(self, path: Path, size: int = RESERVE_BYTES) -> None:
        self.path = path
        self.released = False
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                try:  # the blocks are really taken (not sparse), without writing or syncing half a megabyte
                    os.posix_fallocate(fd, 0, size)
                except (AttributeError, OSError) as exc:
                    if getattr(exc, "errno", None) == errno.ENOSPC:
                        raise
                    os.write(fd, b"\0" * size)  # a file system without fallocate
            finally:
                os.close(fd)
        except OSError:  # already full: nothing to keep aside, the run will say so when it fails
            self.release()

    def release(self) -> None:
        self.released = True
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


class TailKeepingLog:
    """Writes to the log while it can; on ENOSPC keeps counting and holds the last TAIL_BYTES in memory."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.lost_bytes = 0
        self.kept = b""
        self.full_path: str | None = None

    def write(self, data: bytes) -> None:
        if not self.lost_bytes:
            view = memoryview(data)
            try:
                while view:  # an unbuffered file may take part of it and fail on the rest
                    view = view[self.handle.write(view) or 0:]
                return
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
                self.full_path = os.path.dirname(self.handle.name) or str(self.handle.name)
                data = bytes(view)
        self.lost_bytes += len(data)
        self.kept = (self.kept + data)[-TAIL_BYTES:]

    def flush(self) -> None:
        """Nothing is buffered here (the file is opened unbuffered), so nothing can fail at close."""

    def write_kept_tail(self, path: Path) -> None:
        """After the reserve is released: the note and the kept tail, on whole lines."""
        tail = self.kept
        cut = tail.find(b"\n") + 1 if len(tail) == TAIL_BYTES else 0
        note = (f"\n[jupyter_estimator: no space left on {self.full_path}; {self.lost_bytes} bytes of output were "
                f"not written. The last {len(tail) - cut} bytes follow.]\n").encode()
        try:
            with open(path, "ab") as handle:
                handle.write(note + tail[cut:])
        except OSError:
            pass
