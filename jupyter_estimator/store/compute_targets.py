"""Named compute targets kept in the workspace index (every SQL statement about them lives here)."""

from __future__ import annotations

import json
import time
from typing import Any, NamedTuple

from ..core.errors import ComputeTargetException
from .index import Index


class TargetRecord(NamedTuple):
    name: str
    type: str
    config: dict[str, Any]


class ComputeTargetRecords:
    def __init__(self, index: Index) -> None:
        self.index = index

    def get(self, name: str) -> TargetRecord | None:
        rows = self.index.read("SELECT name, type, config FROM compute_targets WHERE name = ?", (name,))
        return _record(rows[0]) if rows else None

    def list(self) -> list[TargetRecord]:
        return [_record(row) for row in self.index.read("SELECT name, type, config FROM compute_targets ORDER BY name")]

    def create(self, name: str, target_type: str, config: dict[str, Any]) -> None:
        """Create, or accept an identical existing one (AML's create is idempotent); a different one is refused."""
        with self.index.write() as conn:
            existing = conn.execute("SELECT type, config FROM compute_targets WHERE name = ?", (name,)).fetchone()
            if existing is not None and (existing["type"] != target_type or json.loads(existing["config"]) != config):
                raise ComputeTargetException(f"name: a compute target {name!r} already exists with another configuration. "
                                             f"Fix: use ComputeTarget(ws, {name!r}), or delete it first.")
            conn.execute("INSERT OR IGNORE INTO compute_targets VALUES (?,?,?,?)",
                         (name, target_type, json.dumps(config), time.time()))

    def delete(self, name: str) -> None:
        with self.index.write() as conn:
            conn.execute("DELETE FROM compute_targets WHERE name = ?", (name,))


def _record(row: Any) -> TargetRecord:
    return TargetRecord(row["name"], row["type"], json.loads(row["config"]))
