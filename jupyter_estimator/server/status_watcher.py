"""Notices run status changes (written by detached supervisors) and announces them on the event bus.

Each tick reads only the live runs and those created or ended since the previous tick, so its cost
does not grow with the history. It also keeps the server's `estimator_last_activity` fresh while
runs are live, so an idle culler does not stop a server that is supervising work, and reconciles
runs whose owner died.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from datetime import datetime, timezone
from typing import Any, Callable

from ..core.status import is_terminal
from ..store.reconcile import reconcile_all
from ..store.workspace_store import WorkspaceStore

SCHEMA_ID = "https://events.jupyter.org/jupyter_estimator/run_status/v1"
log = logging.getLogger(__name__)


class StatusWatcher:
    def __init__(self, store: WorkspaceStore, emit: Callable[[dict[str, Any]], None],
                 mark_activity: Callable[[datetime], None], interval: float = 0.25, reconcile_every: float = 5.0) -> None:
        self.store, self.emit, self.mark_activity = store, emit, mark_activity
        self.interval, self.reconcile_every = interval, reconcile_every
        self.known: dict[str, str] = {}
        self._since = time.time()
        self._last_reconcile = 0.0
        self._task: asyncio.Task | None = None
        self._wake: asyncio.Event | None = None
        self._scanning = threading.Lock()
        for row in store.runs.non_terminal():
            self.known[row.run_id] = row.status

    def start(self) -> None:
        self._wake = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    def poke(self) -> None:
        """Look now rather than at the next interval (a submission just happened)."""
        if getattr(self, "_wake", None) is not None:
            self._wake.set()

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                # Reading the index and status files happens on a worker thread: another process holding
                # the index's write lock, or a slow disk, delays the watcher and never the server.
                events, live = await loop.run_in_executor(None, self.scan)
                self.announce(events, live)
            except Exception:  # never let one bad tick end the watcher
                log.exception("jupyter_estimator status watcher tick failed")
            try:
                await asyncio.wait_for(self._wake.wait(), self.interval)
            except asyncio.TimeoutError:
                pass
            self._wake.clear()

    def tick(self) -> None:
        """One scan and its announcements, in the calling thread (tests, and callers off the event loop)."""
        self.announce(*self.scan())

    def scan(self) -> tuple[list[dict[str, Any]], bool]:
        with self._scanning:  # the loop's worker and a direct tick() never interleave
            return self._scan()

    def _scan(self) -> tuple[list[dict[str, Any]], bool]:
        now = time.time()
        if now - self._last_reconcile > self.reconcile_every:
            self._last_reconcile = now
            reconcile_all(self.store)
        live_ids = [run_id for run_id, status in self.known.items() if not is_terminal(status)]
        if live_ids:  # a supervisor's index write may have been lost: status.json decides
            self.store.sync_statuses([r for r in (self.store.runs.get(i) for i in live_ids) if r is not None])
        rows = self.store.runs.changed_since(self._since - 1.0)
        self._since = now
        live = False
        events = []
        for row in rows:
            previous = self.known.get(row.run_id)
            status = row.status
            if previous != status:
                events.append({"run_id": row.run_id, "experiment": row.experiment_name, "status": status,
                               "previous_status": previous, "parent_run_id": row.parent_run_id})
            self.known[row.run_id] = status  # final ones are kept until they age out of the window below
            live = live or not is_terminal(status)
        # forget final runs that are no longer in the window, keeping the dict small
        in_window = {row.run_id for row in rows}
        for run_id in [r for r, s in self.known.items() if is_terminal(s) and r not in in_window]:
            del self.known[run_id]
        return events, live

    def announce(self, events: list[dict[str, Any]], live: bool) -> None:
        for event in events:
            self.emit(event)
        if live:
            self.mark_activity(datetime.now(timezone.utc))
