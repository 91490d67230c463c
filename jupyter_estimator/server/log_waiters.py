"""Long-polling log readers wait here, and one poller wakes them.

A client following a log asks for bytes after an offset and, when there are none yet, waits up to
`wait` seconds. Rather than each waiting request re-reading the index and status.json every few
milliseconds, every waiter is registered with the log file it wants and the size it has seen; a
single task stats each watched file (one system call) and wakes the waiters whose file grew or whose
run's status file changed (the run ended: the client should see eof). The poller runs only while
someone waits.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from pathlib import Path

POLL_SECONDS = 0.02


def _size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _mtime(path: Path) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0


@dataclass(eq=False)
class _Waiter:
    log: Path
    seen_size: int
    status: Path
    seen_status: float
    future: asyncio.Future = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class LogWaiters:
    def __init__(self) -> None:
        self._waiters: set[_Waiter] = set()
        self._task: asyncio.Task | None = None

    async def wait(self, log: Path, offset: int, status: Path, timeout: float) -> None:
        """Return when `log` holds bytes past `offset`, the run's status changes, or `timeout` passes."""
        if timeout <= 0 or _size(log) > offset:
            return
        waiter = _Waiter(log, offset, status, _mtime(status))
        self._waiters.add(waiter)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._poll())
        try:
            await asyncio.wait_for(asyncio.shield(waiter.future), timeout)
        except asyncio.TimeoutError:
            pass
        finally:
            self._waiters.discard(waiter)

    async def _poll(self) -> None:
        while self._waiters:
            await asyncio.sleep(POLL_SECONDS)
            sizes: dict[Path, int] = {}
            for waiter in list(self._waiters):
                size = sizes.setdefault(waiter.log, _size(waiter.log))
                if (size > waiter.seen_size or _mtime(waiter.status) != waiter.seen_status) and not waiter.future.done():
                    waiter.future.set_result(None)

    @property
    def waiting(self) -> int:
        return len(self._waiters)
