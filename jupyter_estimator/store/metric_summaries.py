"""The index's summary of each run's metrics (last value, step, count per name), for listings and compare views.

The full series live in each run's metrics files; this table is rebuilt from them whenever they change."""

from __future__ import annotations

import json
from typing import Any, Mapping, NamedTuple

from .index import Index


class MetricSummary(NamedTuple):
    name: str
    value: Any  # the last value, decoded
    step: int | None
    count: int


class MetricSummaries:
    def __init__(self, index: Index) -> None:
        self.index = index

    def of_run(self, run_id: str) -> list[MetricSummary]:
        rows = self.index.read("SELECT name, value, step, count FROM run_metrics_latest WHERE run_id = ?", (run_id,))
        return [MetricSummary(r["name"], _decode(r["value"]), r["step"], r["count"]) for r in rows]

    def last_values(self, run_ids: list[str]) -> dict[str, dict[str, Any]]:
        """run id → {metric name: last value}, in one query for a page of runs."""
        if not run_ids:
            return {}
        marks = ",".join("?" * len(run_ids))
        result: dict[str, dict[str, Any]] = {}
        for row in self.index.read(f"SELECT run_id, name, value FROM run_metrics_latest WHERE run_id IN ({marks})", run_ids):
            result.setdefault(row["run_id"], {})[row["name"]] = _decode(row["value"])
        return result

    def replace(self, run_id: str, summary: Mapping[str, tuple[Any, Any, int]]) -> None:
        with self.index.write() as conn:
            replace_summary_rows(conn, run_id, summary)


def replace_summary_rows(conn: Any, run_id: str, summary: Mapping[str, tuple[Any, Any, int]]) -> None:
    """Inside an open write transaction (shared with the index rebuild)."""
    conn.execute("DELETE FROM run_metrics_latest WHERE run_id = ?", (run_id,))
    conn.executemany("INSERT INTO run_metrics_latest VALUES (?,?,?,?,?)",
                     [(run_id, name, json.dumps(value, default=str), step, count) for name, (value, step, count) in summary.items()])


def _decode(text: str | None) -> Any:
    return json.loads(text) if text else None
