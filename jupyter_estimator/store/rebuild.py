"""Rebuild the index's runs and models from what lies on disk.

Run folders (run.json, status.json, meta.jsonl, metrics/) and model sidecars (models/<name>/<v>.json)
hold everything the index mirrors, so a lost or damaged index is recoverable. The rebuild runs in one
write transaction, so other processes see either the old rows or the new ones. Environments and
compute targets live in the index alone and are left as they are.
"""

from __future__ import annotations

import json
import os
import time
import warnings
from typing import Any

from . import metrics_file
from .files import write_json_atomic
from .metric_summaries import replace_summary_rows
from .run_folder import RunFolder
from .run_records import RunRecord, insert_run_rows
from .workspace_store import WorkspaceStore


MODEL_COLUMNS = ("name", "version", "description", "tags", "properties", "framework", "framework_version", "run_id",
                 "experiment_name", "datasets", "created_time", "created_by", "path")


def rebuild_index(store: WorkspaceStore) -> dict[str, int]:
    runs = [RunFolder(path) for path in sorted(store.runs_dir.iterdir()) if (path / "run.json").exists()]
    records = []
    for folder in runs:  # one damaged folder is reported and skipped; the others still count
        try:
            records.append(_run_record(folder))
        except (ValueError, OSError, KeyError, TypeError) as exc:
            warnings.warn(f"rebuild-index: skipped run folder {folder.path}: {exc}", stacklevel=2)
    records.sort(key=lambda r: r["run"].created_time)
    models = []
    for sidecar in sorted(store.models_dir.glob("*/*.json")):
        try:
            model = json.loads(sidecar.read_text())
            models.append(tuple(model[k] for k in MODEL_COLUMNS))
        except (ValueError, OSError, KeyError, TypeError) as exc:
            warnings.warn(f"rebuild-index: skipped model sidecar {sidecar}: {exc}", stacklevel=2)
    with store.index.write() as conn:
        for table in ("run_tags", "run_properties", "run_metrics_latest", "runs", "models"):
            conn.execute(f"DELETE FROM {table}")
        numbers: dict[str, int] = {}
        for record in records:
            run = record["run"]
            numbers[run.experiment_name] = numbers.get(run.experiment_name, 0) + 1
            insert_run_rows(conn, run, numbers[run.experiment_name], record["tags"], record["properties"])
            replace_summary_rows(conn, run.run_id, record["metrics"])
        for model in models:
            conn.execute("INSERT INTO models(name, version, description, tags, properties, framework, framework_version,"
                         " run_id, experiment_name, datasets, created_time, created_by, path) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                         model)
    return {"runs": len(records), "models": len(models)}


def _run_record(folder: RunFolder) -> dict[str, Any]:
    spec = folder.read_spec()
    if not isinstance(spec, dict) or not spec.get("experiment"):
        raise ValueError(f"{folder.spec_path} names no experiment")
    status = folder.read_status()
    if status.get("damaged"):  # keep the run listed, as Failed with the reason, and the damaged file beside it
        aside = folder.status_path.with_name(f"status.json.damaged-{int(time.time())}")
        os.replace(folder.status_path, aside)
        status["error"]["message"] += f" The damaged file was kept as {aside.name}."
        status.pop("damaged")
        status.setdefault("created_time", spec.get("created_time"))
        write_json_atomic(folder.status_path, status)
    tags: dict[str, Any] = {}
    properties: dict[str, Any] = {}
    names: dict[str, Any] = {"display_name": None, "description": None}
    for _when, kind, data in folder.read_meta():
        if kind == "tags":
            tags.update(data)
        elif kind == "remove_tags":
            for key in data:
                tags.pop(key, None)
        elif kind == "properties":
            for key, value in data.items():
                properties.setdefault(key, value)  # immutable: the first value stands
        elif kind in names:
            names[kind] = data
    metrics = metrics_file.summary(metrics_file.iter_records(folder.metrics_dir / "metrics.jsonl"))
    run = RunRecord(run_id=folder.path.name, experiment_name=spec["experiment"], parent_run_id=spec.get("parent_run_id"),
                    run_type=spec.get("run_type"), status=status.get("status", "NotStarted"), target=spec.get("target"),
                    created_time=spec.get("created_time") or status.get("created_time") or 0.0,
                    start_time=status.get("start_time"), end_time=status.get("end_time"),
                    submitted_by=spec.get("submitted_by"), snapshot_id=spec.get("snapshot_id"), **names)
    return {"run": run, "tags": tags, "properties": properties, "metrics": metrics}
