"""The experiments repository: every SQL statement about experiments."""

from __future__ import annotations

import json
import time
from typing import Any, NamedTuple

from .index import Index


class ExperimentRecord(NamedTuple):
    id: int
    name: str
    created_time: float
    archived_time: float | None = None
    tags: dict[str, Any] | None = None
    run_count: int | None = None  # top-level runs; filled by with_counts()
    last_run: float | None = None  # when the newest top-level run was created; filled by with_counts()


def _record(row: Any, counts: bool = False) -> ExperimentRecord:
    extra = {"run_count": row["run_count"], "last_run": row["last_run"]} if counts else {}
    return ExperimentRecord(row["id"], row["name"], row["created_time"], row["archived_time"], json.loads(row["tags"]), **extra)


class ExperimentRecords:
    def __init__(self, index: Index) -> None:
        self.index = index

    def id_of(self, name: str, create: bool = True) -> int | None:
        rows = self.index.read("SELECT id FROM experiments WHERE name = ?", (name,))
        if rows or not create:
            return rows[0]["id"] if rows else None
        with self.index.write() as conn:
            conn.execute("INSERT OR IGNORE INTO experiments(name, created_time) VALUES (?, ?)", (name, time.time()))
            return conn.execute("SELECT id FROM experiments WHERE name = ?", (name,)).fetchone()["id"]

    def list(self) -> list[ExperimentRecord]:
        return [_record(r) for r in self.index.read("SELECT * FROM experiments ORDER BY name")]

    def get(self, name: str) -> ExperimentRecord | None:
        rows = self.index.read("SELECT * FROM experiments WHERE name = ?", (name,))
        return _record(rows[0]) if rows else None

    def with_counts(self) -> list[ExperimentRecord]:
        """Each experiment with its number of top-level runs and when the last one was created."""
        rows = self.index.read(
            "SELECT e.*, COUNT(r.run_id) AS run_count, MAX(r.created_time) AS last_run"
            " FROM experiments e LEFT JOIN runs r ON r.experiment_id = e.id AND r.parent_run_id IS NULL"
            " GROUP BY e.id ORDER BY e.name")
        return [_record(r, counts=True) for r in rows]

    def set_tags(self, name: str, tags: dict[str, Any]) -> None:
        with self.index.write() as conn:
            conn.execute("UPDATE experiments SET tags = ? WHERE name = ?", (json.dumps(tags), name))

    def set_archived(self, name: str, archived_time: float | None) -> None:
        with self.index.write() as conn:
            conn.execute("UPDATE experiments SET archived_time = ? WHERE name = ?", (archived_time, name))
