"""The workspace index: one shared SQLite connection per file and process, with reads and locked write transactions.

The repositories (run_records, experiment_records, metric_summaries, model_records, environment_records,
compute_targets) hold every SQL statement; this module holds none. The index is a mirror for fast listing:
run folders stay the source of truth for status, logs, metrics and files.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any, Iterable

from .db import connect, write_transaction


class _Shared:
    """One process-wide connection per index file, remembered with the file's identity.

    If the file is deleted or replaced under a long-lived process (someone removed index.sqlite, or
    moved a damaged one aside and rebuilt), the old connection would go on using the unlinked file while
    every other process used the new one. Each use compares (device, inode) — a stat, about a microsecond
    — and reopens on a change.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.RLock()
        self.created = not path.exists()
        self.conn = connect(path)
        self.identity = _identity(path)

    def current(self) -> sqlite3.Connection:
        if _identity(self.path) != self.identity:
            with self.lock:
                if _identity(self.path) != self.identity:
                    old = self.conn
                    self.created = not self.path.exists()
                    self.conn = connect(self.path)
                    self.identity = _identity(self.path)
                    with contextlib.suppress(sqlite3.Error):
                        old.close()
                    if self.created and self.on_recreated is not None:
                        self.created = False
                        self.on_recreated()
        return self.conn

    on_recreated: Any = None


_connections: dict[str, _Shared] = {}
_connections_lock = threading.Lock()


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino


def _shared_connection(path: Path) -> _Shared:
    key = str(path)
    with _connections_lock:
        if key not in _connections:
            _connections[key] = _Shared(path)
        return _connections[key]


def set_process_busy_timeout(milliseconds: int) -> None:
    """Apply a busy timeout to this process's index connections, open and future."""
    from .db import set_busy_timeout
    set_busy_timeout(milliseconds)
    with _connections_lock:
        for shared in _connections.values():
            with shared.lock:
                shared.conn.execute(f"PRAGMA busy_timeout={int(milliseconds)}")


def reset_connections() -> None:
    """Forget cached connections (after fork, or in tests that delete workspaces)."""
    with _connections_lock:
        for shared in _connections.values():
            try:
                shared.conn.close()
            except sqlite3.Error:
                pass
        _connections.clear()


class Index:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._shared = _shared_connection(path)

    def take_created(self) -> bool:
        """True once after this process made the file (a new or lost index, to be filled from the run folders)."""
        created, self._shared.created = self._shared.created, False
        return created

    def on_recreated(self, callback: Any) -> None:
        self._shared.on_recreated = callback

    @property
    def conn(self) -> sqlite3.Connection:
        return self._shared.current()

    @property
    def lock(self) -> threading.RLock:
        return self._shared.lock

    def read(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        conn = self.conn
        with self.lock:
            return conn.execute(sql, tuple(params)).fetchall()

    def write(self):  # noqa: ANN201 - context manager
        return _LockedTransaction(self)


class _LockedTransaction:
    def __init__(self, index: Index) -> None:
        self.index = index
        self._inner = None

    def __enter__(self) -> sqlite3.Connection:
        self.index.lock.acquire()
        try:
            self._inner = write_transaction(self.index.conn)
            return self._inner.__enter__()
        except BaseException:
            self.index.lock.release()
            raise

    def __exit__(self, *exc: Any) -> bool | None:
        try:
            return self._inner.__exit__(*exc)
        finally:
            self.index.lock.release()

