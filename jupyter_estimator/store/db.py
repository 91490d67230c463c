"""SQLite connection, pragmas and numbered migrations for the workspace index.

Many processes write here at once (kernels, supervisors, training scripts). WAL mode lets readers
run beside the one writer; every write transaction starts with BEGIN IMMEDIATE so a writer waits
on `busy_timeout` up front instead of failing half-way with "database is locked" on upgrade.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from pathlib import Path
from typing import Iterator

from ..core.errors import IndexDamaged, StoreError

BUSY_TIMEOUT_MS = 60_000
_busy_timeout_ms = BUSY_TIMEOUT_MS  # per process: a server sets a short one and answers 503 rather than wait


def set_busy_timeout(milliseconds: int) -> None:
    """How long this process waits for another process's write lock (new connections and write retries)."""
    global _busy_timeout_ms
    _busy_timeout_ms = int(milliseconds)

MIGRATIONS: list[str] = [
    # 1: the initial schema
    """
    CREATE TABLE experiments (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_time REAL NOT NULL,
        archived_time REAL,
        tags TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE runs (
        run_id TEXT PRIMARY KEY,
        experiment_id INTEGER NOT NULL REFERENCES experiments(id),
        parent_run_id TEXT,
        run_number INTEGER NOT NULL,
        run_type TEXT,
        status TEXT NOT NULL,
        target TEXT,
        display_name TEXT,
        description TEXT,
        created_time REAL NOT NULL,
        start_time REAL,
        end_time REAL,
        submitted_by TEXT,
        snapshot_id TEXT
    );
    CREATE INDEX runs_by_experiment_time ON runs(experiment_id, created_time DESC);
    CREATE INDEX runs_by_time ON runs(created_time DESC);
    CREATE INDEX runs_by_parent ON runs(parent_run_id);
    CREATE INDEX runs_by_status ON runs(status);
    CREATE TABLE run_tags (
        run_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT,
        PRIMARY KEY (run_id, key)
    ) WITHOUT ROWID;
    CREATE INDEX run_tags_by_key ON run_tags(key, value);
    CREATE TABLE run_properties (
        run_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT,
        PRIMARY KEY (run_id, key)
    ) WITHOUT ROWID;
    CREATE INDEX run_properties_by_key ON run_properties(key, value);
    CREATE TABLE run_metrics_latest (
        run_id TEXT NOT NULL, name TEXT NOT NULL, value TEXT, step INTEGER, count INTEGER NOT NULL,
        PRIMARY KEY (run_id, name)
    ) WITHOUT ROWID;
    CREATE TABLE models (
        name TEXT NOT NULL, version INTEGER NOT NULL,
        description TEXT, tags TEXT NOT NULL DEFAULT '{}', properties TEXT NOT NULL DEFAULT '{}',
        framework TEXT, framework_version TEXT, run_id TEXT, experiment_name TEXT,
        datasets TEXT NOT NULL DEFAULT '[]', created_time REAL NOT NULL, created_by TEXT, path TEXT NOT NULL,
        PRIMARY KEY (name, version)
    );
    CREATE TABLE environments (
        name TEXT NOT NULL, version INTEGER NOT NULL, definition TEXT NOT NULL, created_time REAL NOT NULL,
        PRIMARY KEY (name, version)
    );
    CREATE TABLE compute_targets (
        name TEXT PRIMARY KEY, type TEXT NOT NULL, config TEXT NOT NULL DEFAULT '{}', created_time REAL NOT NULL
    );
    """,
    # 2: listing orders by (created_time, run_id); indexes that match the whole ORDER BY avoid a sort of every run
    """
    DROP INDEX runs_by_experiment_time;
    DROP INDEX runs_by_time;
    CREATE INDEX runs_by_experiment_time ON runs(experiment_id, created_time DESC, run_id DESC);
    CREATE INDEX runs_by_time ON runs(created_time DESC, run_id DESC);
    CREATE INDEX runs_by_parent_time ON runs(parent_run_id, created_time DESC, run_id DESC);
    """,
    # 3: the status watcher asks "what ended recently?" several times a second
    """
    CREATE INDEX runs_by_end_time ON runs(end_time);
    """,
]


def connect(path: Path, busy_timeout_ms: int | None = None) -> sqlite3.Connection:
    """Open (creating and migrating if needed) the index at `path`."""
    busy_timeout_ms = _busy_timeout_ms if busy_timeout_ms is None else busy_timeout_ms
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=busy_timeout_ms / 1000, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    try:
        conn.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        _refuse_newer(conn, path)  # before anything writes to a file that a newer version made
        mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if mode.lower() != "wal":  # another process may hold the switch for a moment
            conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # reads the schema: garbage fails here
        _migrate(conn)
    except StoreError:
        conn.close()
        raise
    except sqlite3.DatabaseError as exc:
        conn.close()
        if "locked" in str(exc) or "busy" in str(exc):
            raise
        raise IndexDamaged(path, exc) from None
    return conn


def move_damaged_aside(path: Path) -> Path | None:
    """Rename a damaged index (and its WAL side files) out of the way; returns where it went."""
    if not path.exists():
        return None
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    for suffix in ("", "-wal", "-shm", "-journal"):
        source = Path(str(path) + suffix)
        if source.exists():
            os.replace(source, Path(str(aside) + suffix))
    return aside


def _refuse_newer(conn: sqlite3.Connection, path: Path) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise StoreError(
            f"workspace index {path}: schema version {version} is newer than this jupyter_estimator knows "
            f"({len(MIGRATIONS)}); it was written by a later release and is left unchanged. "
            "Fix: upgrade jupyter_estimator (pip install -U jupyter_estimator), or use another workspace "
            "(JUPYTER_ESTIMATOR_HOME)."
        )


def _migrate(conn: sqlite3.Connection) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):  # checked in connect(); a newer writer may have raced us since
        raise StoreError(f"workspace index: schema version {version} is newer than this jupyter_estimator knows "
                         f"({len(MIGRATIONS)}). Fix: upgrade jupyter_estimator.")
    if version == len(MIGRATIONS):
        return
    with write_transaction(conn):
        version = conn.execute("PRAGMA user_version").fetchone()[0]  # re-read under the write lock
        for number in range(version, len(MIGRATIONS)):
            for statement in MIGRATIONS[number].split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version={number + 1}")


@contextlib.contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT, retrying the BEGIN when the busy timeout is exceeded under heavy load."""
    deadline = time.monotonic() + _busy_timeout_ms / 1000
    while True:
        try:
            conn.execute("BEGIN IMMEDIATE")
            break
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")
