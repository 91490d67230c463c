"""Read-side operations with JSON-ready results, shared by the REST handlers and any other client."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from ..core.errors import EstimatorError, RunNotFoundException, invalid
from ..core.status import ALL_STATUSES, is_terminal
from ..store.reconcile import reconcile_run
from ..store.run_filter import RunFilter
from ..store.tail import read_whole_lines
from ..store.metric_series import cached_series
from ..store.metrics_index import MetricsIndex
from ..store.files import resolve_inside, safe_relative
from ..store.run_folder import RESERVED_NAMES, run_files
from ..store.workspace_store import WorkspaceStore

MAX_LOG_CHUNK = 1024 * 1024
MAX_METRIC_RECORDS = 10_000


class Conflict(EstimatorError):
    """The request is valid but the run's state forbids it (maps to HTTP 409)."""


def run_summary(store: WorkspaceStore, row: Any, with_details: bool = False, tags: dict | None = None) -> dict[str, Any]:
    run_id = row.run_id
    summary = {
        "id": run_id, "experiment": row.experiment_name, "number": row.run_number, "type": row.run_type,
        "status": row.status, "target": row.target, "display_name": row.display_name,
        "description": row.description, "parent_run_id": row.parent_run_id, "created_time": row.created_time,
        "start_time": row.start_time, "end_time": row.end_time, "submitted_by": row.submitted_by,
        "snapshot_id": row.snapshot_id,
        "tags": tags if tags is not None else store.runs.tags(run_id),
    }
    if with_details:
        folder = store.run_folder(run_id)
        record = folder.read_status()
        if not is_terminal(record.get("status", "")):
            record = reconcile_run(store, run_id)
        spec = folder.read_spec()
        summary.update({
            "status": record.get("status", summary["status"]),
            "properties": store.runs.properties(run_id),
            "run_definition": spec.get("run_definition", {}), "error": record.get("error"),
            "exit_code": record.get("exit_code"), "signal": record.get("signal"), "details": record.get("details"),
            "container": _container(record.get("container")),
            "history": record.get("history", []), "log_files": log_files(folder.path),
            "metrics_summary": {m.name: {"last": m.value, "step": m.step, "count": m.count}
                                for m in store.metric_summaries.of_run(run_id)},
        })
    return summary


def _container(record: Any) -> dict[str, Any] | None:
    """Where a Docker run ran: its container's name and image (the engine's id stays internal)."""
    if not isinstance(record, dict):
        return None
    return {"name": record.get("name"), "image": record.get("image")}


def list_experiments(store: WorkspaceStore) -> list[dict[str, Any]]:
    """Each experiment with its number of top-level runs and when the last one was created."""
    return [{"name": e.name, "created_time": e.created_time, "archived_time": e.archived_time, "tags": e.tags,
             "run_count": e.run_count, "last_run": e.last_run} for e in store.experiments.with_counts()]


def require_row(store: WorkspaceStore, run_id: str) -> Any:
    store.run_folder(run_id, must_exist=False)  # validates the id's shape
    row = store.runs.get(run_id)
    if row is None:
        raise RunNotFoundException(f"run_id: no run {run_id!r} in this workspace. Fix: list runs with GET runs.", field="run_id")
    return store.sync_statuses([row])[0]


def parse_key_filters(values: list[str], field: str) -> dict[str, Any] | None:
    """`key` (present) or `key:value` items, as given in query strings."""
    if not values:
        return None
    result: dict[str, Any] = {}
    for item in values:
        key, sep, value = item.partition(":")
        if not key:
            raise invalid(field, item, "must be 'key' or 'key:value'", f"pass e.g. {field}=lr:0.1")
        result[key] = value if sep else None
    return result


def list_runs(store: WorkspaceStore, *, experiment: str | None = None, status: str | None = None, tags: list[str] = (),
              properties: list[str] = (), parent: str | None = None, include_children: bool = False, limit: int = 50,
              offset: int = 0, sort: str = "-created_time", since: float | None = None, until: float | None = None,
              search: str | None = None, with_total: bool = False) -> dict[str, Any]:
    if status is not None and status not in ALL_STATUSES:
        raise invalid("status", status, "is not a run status", f"use one of {sorted(ALL_STATUSES)}")
    if sort not in ("-created_time", "created_time"):
        raise invalid("sort", sort, "runs sort by creation time only", "use sort=-created_time (newest first) or created_time")
    if not 1 <= limit <= 1000:
        raise invalid("limit", limit, "must be between 1 and 1000", "pass e.g. limit=50")
    if offset < 0:
        raise invalid("offset", offset, "must be >= 0", "pass offset=0")
    tag_filter = parse_key_filters(list(tags), "tag")
    property_filter = parse_key_filters(list(properties), "property")
    run_filter = RunFilter(experiment_name=experiment, parent_run_id=parent, top_level_only=not include_children,
                   tags=tag_filter, properties=property_filter, status=status, created_after=since,
                   created_before=until, search=search or None)
    rows = store.runs.list(run_filter, limit=limit + 1, offset=offset, newest_first=sort.startswith("-"))
    page = store.sync_statuses(rows[:limit])
    ids = [r.run_id for r in page]
    metrics, tags = store.metric_summaries.last_values(ids), store.runs.tags_for(ids)  # two queries for the page, not 2 per run
    runs = [{**run_summary(store, row, tags=tags[row.run_id]), "metrics": metrics.get(row.run_id, {})} for row in page]
    result: dict[str, Any] = {"runs": runs, "offset": offset, "limit": limit, "has_more": len(rows) > limit}
    if with_total:
        result["total"] = store.runs.count(run_filter)
    return result


def log_files(run_path: Path) -> list[dict[str, Any]]:
    files = []
    for folder in ("azureml-logs", "user_logs"):
        root = run_path / folder
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    files.append({"path": path.relative_to(run_path).as_posix(), "size": path.stat().st_size})
    return files


def read_log(store: WorkspaceStore, run_id: str, file: str = "user_logs/std_log.txt", offset: int = 0,
             limit: int = MAX_LOG_CHUNK) -> dict[str, Any]:
    """A chunk of a log from a byte offset, cut at the last whole line (unless the run is over)."""
    require_row(store, run_id)
    folder = store.run_folder(run_id)
    relative = safe_relative(file, "file")
    if relative.parts[0] not in ("user_logs", "azureml-logs"):
        raise invalid("file", file, "is not a log file", "use user_logs/std_log.txt or a file from the run's log_files")
    if offset < 0:
        raise invalid("offset", offset, "must be >= 0", "start at offset=0")
    if not 1 <= limit <= MAX_LOG_CHUNK:
        raise invalid("limit", limit, f"must be between 1 and {MAX_LOG_CHUNK}", "leave it out for the default")
    path = resolve_inside(folder.path, relative, "file")
    status = folder.read_status().get("status")
    terminal = is_terminal(status or "")
    size = path.stat().st_size if path.is_file() else 0
    data = read_whole_lines(path, offset, limit, final=terminal) if offset < size else b""
    next_offset = offset + len(data)
    return {"data": data.decode("utf-8", errors="replace"), "offset": offset, "next_offset": next_offset,
            "size": size, "eof": terminal and next_offset >= size, "status": status}


def read_metrics(store: WorkspaceStore, run_id: str, after: int = 0, name: str | None = None,
                 limit: int = MAX_METRIC_RECORDS) -> dict[str, Any]:
    require_row(store, run_id)
    if after < 0:
        raise invalid("after", after, "must be >= 0", "start at after=0")
    if not 1 <= limit <= MAX_METRIC_RECORDS:
        raise invalid("limit", limit, f"must be between 1 and {MAX_METRIC_RECORDS}", "leave it out for the default")
    folder = store.run_folder(run_id)
    records, last = [], after
    for seq, record in MetricsIndex(folder.metrics_dir / "metrics.jsonl").records(after, name):
        last = max(last, seq)
        if record is None or (name is not None and record[2] != name):
            continue
        when, kind, metric, value, step = record
        records.append({"seq": seq, "time": when, "kind": kind, "name": metric, "value": value, "step": step})
        if len(records) >= limit:
            break
    status = folder.read_status().get("status")
    return {"records": records, "after": after, "next_after": last, "status": status}


MAX_SERIES_POINTS = 5000


def metric_series(store: WorkspaceStore, run_id: str, names: list[str] | None = None, points: int = 1000) -> dict[str, Any]:
    """Every metric of a run as a chart-ready series, thinned on the server to at most `points` per metric.

    A run with a million points of one metric arrives as `points` of them (each bucket's min and max kept),
    so a browser never receives, parses or spreads the whole series. Non-finite values are gaps (null) in
    `y`, with the count of each kind; `last` keeps the logged value ("NaN", "Infinity" as strings). The
    answer is kept for the file's current size and time, so asking again for an unchanged run is free.
    """
    require_row(store, run_id)
    if not 10 <= points <= MAX_SERIES_POINTS:
        raise invalid("points", points, f"must be between 10 and {MAX_SERIES_POINTS}", "leave it out for 1000")
    folder = store.run_folder(run_id)
    series = cached_series(folder.metrics_dir / "metrics.jsonl", names, points)
    return {"series": series, "status": folder.read_status().get("status")}


def list_files(store: WorkspaceStore, run_id: str) -> list[dict[str, Any]]:
    require_row(store, run_id)
    return [{"path": name, "size": path.stat().st_size} for name, path in run_files(store.run_folder(run_id).path).files]


def file_path(store: WorkspaceStore, run_id: str, path: str) -> Path:
    """The absolute path of one of the run's files; refuses anything outside the run's folder or reserved."""
    require_row(store, run_id)
    relative = safe_relative(path, "path")
    if relative.parts[0] in RESERVED_NAMES:
        raise invalid("path", path, "is not one of the run's files", "pick a path from GET runs/{id}/files")
    target = resolve_inside(store.run_folder(run_id).path, relative, "path")
    if not target.is_file():
        raise RunNotFoundException(f"path: the run has no file {path!r}. Fix: pick one from GET runs/{{id}}/files.", field="path")
    return target


def cancel_run(store: WorkspaceStore, run_id: str) -> dict[str, Any]:
    require_row(store, run_id)
    if store.request_cancel(run_id) is None:
        status = store.run_folder(run_id).read_status().get("status")
        raise Conflict(f"run_id: run {run_id} is already {status}; there is nothing to cancel.", field="run_id")
    return run_summary(store, store.runs.get(run_id))


def delete_run(store: WorkspaceStore, run_id: str) -> None:
    require_row(store, run_id)
    folder = store.run_folder(run_id)
    status = folder.read_status().get("status", "")
    if not is_terminal(status):
        status = reconcile_run(store, run_id).get("status", "")
    if not is_terminal(status):
        raise Conflict(f"run_id: run {run_id} is {status}. Fix: cancel it and wait for it to end before deleting.", field="run_id")
    if store.runs.has_children(run_id):
        raise Conflict(f"run_id: run {run_id} has child runs. Fix: delete them first.", field="run_id")
    store.runs.delete(run_id)
    shutil.rmtree(folder.path, ignore_errors=True)
