"""The runs repository: every SQL statement about runs, their tags and their properties.

Rows come back as `RunRecord`s, small frozen records with no SQLite in them, so a second backend (a
server database) can later implement the same interface. The index mirrors the run folders for fast
listing; `status.json` stays the truth for a run's status (see WorkspaceStore.sync_statuses).
"""

from __future__ import annotations

import time
from typing import Any, Iterable, Mapping, NamedTuple

from ..core.errors import invalid
from ..core.status import ALL_STATUSES, TERMINAL_STATUSES
from .index import Index
from .run_filter import RunFilter, where_clause

_SELECT = "SELECT r.*, e.name AS experiment_name FROM runs r JOIN experiments e ON e.id = r.experiment_id"
_INSERT = ("INSERT INTO runs(run_id, experiment_id, parent_run_id, run_number, run_type, status, target, display_name,"
           " description, created_time, start_time, end_time, submitted_by, snapshot_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
_UPDATABLE = frozenset({"status", "start_time", "end_time", "display_name", "description", "target"})
KEY_VALUE_TABLES = {"tags": "run_tags", "properties": "run_properties"}


class RunRecord(NamedTuple):  # a NamedTuple, not a dataclass: scripts load this, and dataclasses costs ~8 ms
    run_id: str
    experiment_name: str
    status: str
    created_time: float
    run_number: int = 0  # given by the store at creation
    parent_run_id: str | None = None
    run_type: str | None = None
    target: str | None = None
    display_name: str | None = None
    description: str | None = None
    start_time: float | None = None
    end_time: float | None = None
    submitted_by: str | None = None
    snapshot_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return self._asdict()


_FIELDS = RunRecord._fields


def _record(row: Any) -> RunRecord:
    return RunRecord._make([row[name] for name in _FIELDS])


def insert_run_rows(conn: Any, record: RunRecord, run_number: int | None = None, tags: Mapping[str, Any] | None = None,
                    properties: Mapping[str, Any] | None = None) -> int:
    """Insert one run (its experiment made if new) inside an open write transaction; returns its run number.

    Shared by run creation and the index rebuild, so both write the same columns the same way."""
    conn.execute("INSERT OR IGNORE INTO experiments(name, created_time) VALUES (?, ?)",
                 (record.experiment_name, record.created_time))
    experiment_id = conn.execute("SELECT id FROM experiments WHERE name = ?", (record.experiment_name,)).fetchone()[0]
    if run_number is None:
        run_number = conn.execute("SELECT COALESCE(MAX(run_number), 0) + 1 FROM runs WHERE experiment_id = ?",
                                  (experiment_id,)).fetchone()[0]
    conn.execute(_INSERT, (record.run_id, experiment_id, record.parent_run_id, run_number, record.run_type, record.status,
                           record.target, record.display_name, record.description, record.created_time,
                           record.start_time, record.end_time, record.submitted_by, record.snapshot_id))
    conn.executemany("INSERT OR REPLACE INTO run_tags VALUES (?,?,?)", [(record.run_id, k, v) for k, v in (tags or {}).items()])
    conn.executemany("INSERT OR REPLACE INTO run_properties VALUES (?,?,?)",
                     [(record.run_id, k, v) for k, v in (properties or {}).items()])
    return run_number


class RunRecords:
    def __init__(self, index: Index) -> None:
        self.index = index

    def create(self, record: RunRecord, tags: Mapping[str, Any] | None = None,
               properties: Mapping[str, Any] | None = None) -> RunRecord:
        """Insert a run with its tags and properties in one transaction; returns it with its run number."""
        with self.index.write() as conn:
            number = insert_run_rows(conn, record, tags=tags, properties=properties)
        return record._replace(run_number=number)

    def get(self, run_id: str) -> RunRecord | None:
        rows = self.index.read(f"{_SELECT} WHERE r.run_id = ?", (run_id,))
        return _record(rows[0]) if rows else None

    def update(self, run_id: str, **fields: Any) -> None:
        unknown = set(fields) - _UPDATABLE
        if unknown:  # column names go into the SQL text: only the allowed ones, checked even under python -O
            raise ValueError(f"RunRecords.update: {sorted(unknown)} are not updatable run fields")
        if not fields:
            return
        assignments = ", ".join(f"{name} = ?" for name in fields)
        with self.index.write() as conn:
            conn.execute(f"UPDATE runs SET {assignments} WHERE run_id = ?", (*fields.values(), run_id))

    def delete(self, run_id: str) -> None:
        with self.index.write() as conn:
            for table in ("run_tags", "run_properties", "run_metrics_latest", "runs"):
                conn.execute(f"DELETE FROM {table} WHERE run_id = ?", (run_id,))  # constant table names

    def has_children(self, run_id: str) -> bool:
        return bool(self.index.read("SELECT 1 FROM runs WHERE parent_run_id = ? LIMIT 1", (run_id,)))

    def non_terminal(self) -> list[RunRecord]:
        final = ",".join("?" * len(TERMINAL_STATUSES))
        return [_record(r) for r in self.index.read(f"{_SELECT} WHERE r.status NOT IN ({final})", sorted(TERMINAL_STATUSES))]

    def changed_since(self, since: float) -> list[RunRecord]:
        """Runs that are live, or were created or ended after `since`: what a status watcher must look at."""
        # Three indexed lookups joined by UNION: one OR over them would scan every run each tick.
        live = ",".join("?" * len(ALL_STATUSES - TERMINAL_STATUSES))
        rows = self.index.read(
            f"{_SELECT} WHERE r.run_id IN (SELECT run_id FROM runs WHERE status IN ({live})"
            " UNION SELECT run_id FROM runs WHERE created_time >= ?"
            " UNION SELECT run_id FROM runs WHERE end_time >= ?)", (*sorted(ALL_STATUSES - TERMINAL_STATUSES), since, since))
        return [_record(r) for r in rows]

    def list(self, run_filter: RunFilter | None = None, *, limit: int = 100, offset: int = 0,
             newest_first: bool = True) -> list[RunRecord]:
        """One page of runs, newest first by default."""
        clause, params = where_clause(run_filter or RunFilter())
        order = "DESC" if newest_first else "ASC"
        rows = self.index.read(f"{_SELECT} {clause} ORDER BY r.created_time {order}, r.run_id {order} LIMIT ? OFFSET ?",
                               (*params, limit, offset))
        return [_record(r) for r in rows]

    def count(self, run_filter: RunFilter | None = None) -> int:
        clause, params = where_clause(run_filter or RunFilter())
        return self.index.read(f"SELECT COUNT(*) FROM runs r {clause}", params)[0][0]

    # tags and properties ------------------------------------------------------------------------
    def key_values(self, kind: str, run_id: str) -> dict[str, Any]:
        """kind: 'tags' or 'properties'."""
        table = KEY_VALUE_TABLES[kind]  # a table name goes into the SQL text: only these two
        return {row["key"]: row["value"] for row in self.index.read(f"SELECT key, value FROM {table} WHERE run_id = ? ORDER BY key", (run_id,))}

    def tags(self, run_id: str) -> dict[str, Any]:
        return self.key_values("tags", run_id)

    def properties(self, run_id: str) -> dict[str, Any]:
        return self.key_values("properties", run_id)

    def tags_for(self, run_ids: list[str]) -> dict[str, dict[str, Any]]:
        result: dict[str, dict[str, Any]] = {run_id: {} for run_id in run_ids}
        if run_ids:
            marks = ",".join("?" * len(run_ids))
            for row in self.index.read(f"SELECT run_id, key, value FROM run_tags WHERE run_id IN ({marks}) ORDER BY key", run_ids):
                result[row["run_id"]][row["key"]] = row["value"]
        return result

    def set_tags(self, run_id: str, tags: Mapping[str, Any]) -> None:
        with self.index.write() as conn:
            conn.executemany("INSERT OR REPLACE INTO run_tags VALUES (?,?,?)", [(run_id, k, v) for k, v in tags.items()])

    def remove_tags(self, run_id: str, keys: Iterable[str]) -> None:
        with self.index.write() as conn:
            conn.executemany("DELETE FROM run_tags WHERE run_id = ? AND key = ?", [(run_id, k) for k in keys])

    def add_properties(self, run_id: str, properties: Mapping[str, Any]) -> None:
        """Properties are immutable: re-adding a key with another value is refused, nothing written."""
        with self.index.write() as conn:
            for key, value in properties.items():
                row = conn.execute("SELECT value FROM run_properties WHERE run_id = ? AND key = ?", (run_id, key)).fetchone()
                if row is not None and row["value"] != value:
                    raise invalid(f"properties[{key!r}]", value,
                                  f"properties are immutable and this run already has {key!r} = {row['value']!r}",
                                  "use a new key, or tags for values that change")
            conn.executemany("INSERT OR IGNORE INTO run_properties VALUES (?,?,?)",
                             [(run_id, k, v) for k, v in properties.items()])


def new_run_record(run_id: str, experiment_name: str, status: str, **fields: Any) -> RunRecord:
    """A record for a run about to be created, timestamped now unless created_time is given."""
    fields.setdefault("created_time", time.time())
    return RunRecord(run_id=run_id, experiment_name=experiment_name, status=status, **fields)
