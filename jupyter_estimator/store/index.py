"""Queries over the workspace index (runs, experiments, tags, properties, summary metrics).

The index is a mirror for fast listing: run folders stay the source of truth for status,
logs, metrics and files. Models, environments and compute targets live here alone.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..core.errors import invalid
from ..core.status import ALL_STATUSES, TERMINAL_STATUSES
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

    # experiments --------------------------------------------------------------------------------
    def experiment_id(self, name: str, create: bool = True) -> int | None:
        rows = self.read("SELECT id FROM experiments WHERE name = ?", (name,))
        if rows or not create:
            return rows[0]["id"] if rows else None
        with self.write() as conn:
            conn.execute("INSERT OR IGNORE INTO experiments(name, created_time) VALUES (?, ?)", (name, time.time()))
            return conn.execute("SELECT id FROM experiments WHERE name = ?", (name,)).fetchone()["id"]

    def experiments(self) -> list[sqlite3.Row]:
        return self.read("SELECT * FROM experiments ORDER BY name")

    def experiment_row(self, name: str) -> sqlite3.Row | None:
        rows = self.read("SELECT * FROM experiments WHERE name = ?", (name,))
        return rows[0] if rows else None

    def set_experiment_field(self, name: str, field: str, value: Any) -> None:
        if field not in {"tags", "archived_time"}:  # a column name goes into the SQL text: only these two
            raise ValueError(f"set_experiment_field: {field!r} is not an experiment field")
        with self.write() as conn:
            conn.execute(f"UPDATE experiments SET {field} = ? WHERE name = ?", (value, name))

    # runs ---------------------------------------------------------------------------------------
    def insert_run(self, row: Mapping[str, Any], tags: Mapping[str, Any] | None = None,
                   properties: Mapping[str, Any] | None = None) -> int:
        """Insert a run with its tags and properties in one transaction; returns its run number."""
        with self.write() as conn:
            conn.execute("INSERT OR IGNORE INTO experiments(name, created_time) VALUES (?, ?)",
                         (row["experiment_name"], time.time()))
            experiment_id = conn.execute("SELECT id FROM experiments WHERE name = ?",
                                         (row["experiment_name"],)).fetchone()["id"]
            number = conn.execute("SELECT COALESCE(MAX(run_number), 0) + 1 FROM runs WHERE experiment_id = ?",
                                  (experiment_id,)).fetchone()[0]
            conn.execute(
                "INSERT INTO runs(run_id, experiment_id, parent_run_id, run_number, run_type, status, target,"
                " display_name, description, created_time, start_time, end_time, submitted_by, snapshot_id)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (row["run_id"], experiment_id, row.get("parent_run_id"), number, row.get("run_type"), row["status"],
                 row.get("target"), row.get("display_name"), row.get("description"), row["created_time"],
                 row.get("start_time"), row.get("end_time"), row.get("submitted_by"), row.get("snapshot_id")),
            )
            for key, value in (tags or {}).items():
                conn.execute("INSERT OR REPLACE INTO run_tags VALUES (?,?,?)", (row["run_id"], key, value))
            for key, value in (properties or {}).items():
                conn.execute("INSERT OR REPLACE INTO run_properties VALUES (?,?,?)", (row["run_id"], key, value))
            return number

    def run_row(self, run_id: str) -> sqlite3.Row | None:
        rows = self.read(
            "SELECT r.*, e.name AS experiment_name FROM runs r JOIN experiments e ON e.id = r.experiment_id"
            " WHERE r.run_id = ?", (run_id,))
        return rows[0] if rows else None

    def update_run(self, run_id: str, **fields: Any) -> None:
        allowed = {"status", "start_time", "end_time", "display_name", "description", "target"}
        unknown = set(fields) - allowed
        if unknown:  # column names go into the SQL text: only the allowed ones, checked even under python -O
            raise ValueError(f"update_run: {sorted(unknown)} are not run fields")
        if not fields:
            return
        assignments = ", ".join(f"{name} = ?" for name in fields)
        with self.write() as conn:
            conn.execute(f"UPDATE runs SET {assignments} WHERE run_id = ?", (*fields.values(), run_id))

    def delete_run(self, run_id: str) -> None:
        with self.write() as conn:
            for table in ("run_tags", "run_properties", "run_metrics_latest", "runs"):
                conn.execute(f"DELETE FROM {table} WHERE run_id = ?", (run_id,))

    def non_terminal_runs(self) -> list[sqlite3.Row]:
        final = ",".join("?" * len(TERMINAL_STATUSES))
        return self.read(f"SELECT run_id, status FROM runs WHERE status NOT IN ({final})", sorted(TERMINAL_STATUSES))

    def runs_changed_since(self, since: float) -> list[sqlite3.Row]:
        """Runs that are live, or were created or ended after `since`: what a status watcher must look at."""
        # Three indexed lookups joined by UNION: one OR over them would scan every run each tick.
        live = ",".join(f"'{s}'" for s in sorted(ALL_STATUSES - TERMINAL_STATUSES))  # constants, not caller input
        return self.read(
            "SELECT r.run_id, r.status, r.parent_run_id, e.name AS experiment_name FROM runs r"
            " JOIN experiments e ON e.id = r.experiment_id WHERE r.run_id IN ("
            f" SELECT run_id FROM runs WHERE status IN ({live})"
            " UNION SELECT run_id FROM runs WHERE created_time >= ?"
            " UNION SELECT run_id FROM runs WHERE end_time >= ?)", (since, since))

    def _run_filter(self, *, experiment_name: str | None = None, parent_run_id: str | None = None,
                    top_level_only: bool = True, tags: Any = None, properties: Any = None, run_type: str | None = None,
                    status: str | None = None, created_after: float | None = None, created_before: float | None = None,
                    search: str | None = None) -> tuple[str, list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        if created_after is not None:
            where.append("r.created_time >= ?")
            params.append(created_after)
        if created_before is not None:
            where.append("r.created_time < ?")
            params.append(created_before)
        if experiment_name is not None:
            where.append("r.experiment_id = (SELECT id FROM experiments WHERE name = ?)")
            params.append(experiment_name)
        if parent_run_id is not None:
            where.append("r.parent_run_id = ?")
            params.append(parent_run_id)
        elif top_level_only:
            where.append("r.parent_run_id IS NULL")
        if run_type is not None:
            where.append("r.run_type = ?")
            params.append(run_type)
        if status is not None:
            where.append("r.status = ?")
            params.append(status)
        if search:
            # The sidebar's search box: run id, display name, status, experiment, a tag's key or value.
            where.append("(r.run_id LIKE ? ESCAPE '\\' OR r.display_name LIKE ? ESCAPE '\\' OR r.status LIKE ? ESCAPE '\\'"
                         " OR r.experiment_id IN (SELECT id FROM experiments WHERE name LIKE ? ESCAPE '\\')"
                         " OR EXISTS (SELECT 1 FROM run_tags t WHERE t.run_id = r.run_id"
                         " AND (t.key LIKE ? ESCAPE '\\' OR t.value LIKE ? ESCAPE '\\')))")
            pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            params.extend([pattern] * 6)
        for table, spec, field in (("run_tags", tags, "tags"), ("run_properties", properties, "properties")):
            for key, value in _key_filters(spec, field):
                if value is None:
                    where.append(f"EXISTS (SELECT 1 FROM {table} t WHERE t.run_id = r.run_id AND t.key = ?)")
                    params.append(key)
                else:
                    where.append(f"EXISTS (SELECT 1 FROM {table} t WHERE t.run_id = r.run_id AND t.key = ? AND t.value = ?)")
                    params.extend([key, str(value)])
        return ("WHERE " + " AND ".join(where)) if where else "", params

    def list_runs(self, *, limit: int = 100, offset: int = 0, newest_first: bool = True, **filters: Any) -> list[sqlite3.Row]:
        """One page of runs, newest first by default. tags/properties: a key (present) or a dict (key = value)."""
        clause, params = self._run_filter(**filters)
        order = "DESC" if newest_first else "ASC"
        return self.read(
            "SELECT r.*, e.name AS experiment_name FROM runs r JOIN experiments e ON e.id = r.experiment_id "
            f"{clause} ORDER BY r.created_time {order}, r.run_id {order} LIMIT ? OFFSET ?", (*params, limit, offset))

    def count_runs(self, **filters: Any) -> int:
        clause, params = self._run_filter(**filters)
        return self.read(f"SELECT COUNT(*) FROM runs r {clause}", params)[0][0]

    def tags_for(self, run_ids: list[str]) -> dict[str, dict[str, Any]]:
        result: dict[str, dict[str, Any]] = {run_id: {} for run_id in run_ids}
        if run_ids:
            marks = ",".join("?" * len(run_ids))
            for row in self.read(f"SELECT run_id, key, value FROM run_tags WHERE run_id IN ({marks}) ORDER BY key", run_ids):
                result[row["run_id"]][row["key"]] = row["value"]
        return result

    def metric_summaries(self, run_ids: list[str]) -> dict[str, dict[str, Any]]:
        if not run_ids:
            return {}
        marks = ",".join("?" * len(run_ids))
        result: dict[str, dict[str, Any]] = {}
        for row in self.read(f"SELECT run_id, name, value FROM run_metrics_latest WHERE run_id IN ({marks})", run_ids):
            result.setdefault(row["run_id"], {})[row["name"]] = json.loads(row["value"]) if row["value"] else None
        return result

    # tags and properties ------------------------------------------------------------------------
    def key_values(self, table: str, run_id: str) -> dict[str, Any]:
        if table not in {"run_tags", "run_properties"}:  # a table name goes into the SQL text
            raise ValueError(f"key_values: {table!r} is not a key-value table")
        return {row["key"]: row["value"] for row in self.read(f"SELECT key, value FROM {table} WHERE run_id = ? ORDER BY key", (run_id,))}

    def set_tags(self, run_id: str, tags: Mapping[str, Any]) -> None:
        with self.write() as conn:
            conn.executemany("INSERT OR REPLACE INTO run_tags VALUES (?,?,?)", [(run_id, k, v) for k, v in tags.items()])

    def remove_tags(self, run_id: str, keys: Iterable[str]) -> None:
        with self.write() as conn:
            conn.executemany("DELETE FROM run_tags WHERE run_id = ? AND key = ?", [(run_id, k) for k in keys])

    def add_properties(self, run_id: str, properties: Mapping[str, Any]) -> None:
        """Properties are immutable: re-adding a key with another value is refused, nothing written."""
        with self.write() as conn:
            for key, value in properties.items():
                row = conn.execute("SELECT value FROM run_properties WHERE run_id = ? AND key = ?", (run_id, key)).fetchone()
                if row is not None and row["value"] != value:
                    raise invalid(f"properties[{key!r}]", value,
                                  f"properties are immutable and this run already has {key!r} = {row['value']!r}",
                                  "use a new key, or tags for values that change")
            conn.executemany("INSERT OR IGNORE INTO run_properties VALUES (?,?,?)",
                             [(run_id, k, v) for k, v in properties.items()])

    def has_children(self, run_id: str) -> bool:
        return bool(self.read("SELECT 1 FROM runs WHERE parent_run_id = ? LIMIT 1", (run_id,)))

    def experiments_with_counts(self) -> list[dict[str, Any]]:
        """Each experiment with its number of top-level runs and when the last one was created."""
        rows = self.read(
            "SELECT e.name, e.created_time, e.archived_time, e.tags, COUNT(r.run_id) AS run_count, MAX(r.created_time) AS last_run"
            " FROM experiments e LEFT JOIN runs r ON r.experiment_id = e.id AND r.parent_run_id IS NULL"
            " GROUP BY e.id ORDER BY e.name")
        return [{**dict(r), "tags": json.loads(r["tags"])} for r in rows]

    def metrics_latest(self, run_id: str) -> list[dict[str, Any]]:
        """The index's summary of a run's metrics: name, last value (JSON text), step, count."""
        return [dict(r) for r in self.read("SELECT name, value, step, count FROM run_metrics_latest WHERE run_id = ?",
                                           (run_id,))]

    # metrics summary ----------------------------------------------------------------------------
    def replace_metric_summary(self, run_id: str, summary: Mapping[str, tuple[Any, Any, int]]) -> None:
        with self.write() as conn:
            conn.execute("DELETE FROM run_metrics_latest WHERE run_id = ?", (run_id,))
            conn.executemany("INSERT INTO run_metrics_latest VALUES (?,?,?,?,?)",
                             [(run_id, name, json.dumps(value, default=str), step, count)
                              for name, (value, step, count) in summary.items()])


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


def _key_filters(spec: Any, field: str) -> list[tuple[str, Any]]:
    if spec is None:
        return []
    if isinstance(spec, str):
        return [(spec, None)]
    if isinstance(spec, Mapping):
        return [(str(k), v) for k, v in spec.items()]
    raise invalid(field, spec, "must be a key (str) or a dict of key: value", f"pass {field}='key' or {field}={{'key': 'value'}}")
