"""Notices run status changes (written by detached supervisors) and announces them on the event bus.

Each tick reads only the live runs and those created or ended since the previous tick, so its cost
does not grow with the history. It also keeps the server's `estimator_last_activity` fresh while
runs are live, so an idle culler does not stop a server that is supervising work, and reconciles
runs whose owner died.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timezone
from typing import Any, Callable

from ..core.status import is_terminal
from ..runner.reconcile import reconcile_all
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
        for row in store.index.non_terminal_runs():
            self.known[row["run_id"]] = row["status"]

    def start(self) -> None:
        self._task = asyncio.get_event_loop().create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def _loop(self) -> None:
        while True:
            try:
                self.tick()
            except Exception:  # never let one bad tick end the watcher
                log.exception("jupyter_estimator status watcher tick failed")
            await asyncio.sleep(self.interval)

    def tick(self) -> None:
        now = time.time()
        if now - self._last_reconcile > self.reconcile_every:
            self._last_reconcile = now
            reconcile_all(self.store)
        live_ids = [run_id for run_id, status in self.known.items() if not is_terminal(status)]
        if live_ids:  # a supervisor's index write may have been lost: status.json decides
            self.store.sync_statuses([r for r in (self.store.index.run_row(i) for i in live_ids) if r is not None])
        rows = self.store.index.runs_changed_since(self._since - 1.0)
        self._since = now
        live = False
        for row in rows:
            previous = self.known.get(row["run_id"])
            status = row["status"]
            if previous != status:
                self.emit({"run_id": row["run_id"], "experiment": row["experiment_name"], "status": status,
                           "previous_status": previous, "parent_run_id": row["parent_run_id"]})
            if is_terminal(status):
                self.known[row["run_id"]] = status  # kept until it ages out of the window below
            else:
                self.known[row["run_id"]] = status
                live = True
        # forget final runs that are no longer in the window, keeping the dict small
        in_window = {row["run_id"] for row in rows}
        for run_id in [r for r, s in self.known.items() if is_terminal(s) and r not in in_window]:
            del self.known[run_id]
        if live:
            self.mark_activity(datetime.now(timezone.utc))
