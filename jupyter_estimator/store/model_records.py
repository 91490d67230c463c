"""The model registry's rows (name, version, metadata) in the workspace index, each mirrored to a sidecar
file `models/<name>/<version>.json` beside the model's files so the index can be rebuilt from disk."""

from __future__ import annotations

import getpass
import json
import os
import time
from pathlib import Path
from typing import Any, Callable

from .files import write_json_atomic
from .index import Index

COLUMNS = ("name", "version", "description", "tags", "properties", "framework", "framework_version", "run_id",
           "experiment_name", "datasets", "created_time", "created_by", "path")


class ModelRecords:
    def __init__(self, index: Index, models_dir: Path) -> None:
        self.index, self.models_dir = index, models_dir

    def list(self, name: str | None = None, run_id: str | None = None, framework: str | None = None) -> list[dict]:
        where, params = [], []
        for column, value in (("name", name), ("run_id", run_id), ("framework", framework)):
            if value is not None:
                where.append(f"{column} = ?")  # column names come from this fixed tuple, never from callers
                params.append(value)
        sql = "SELECT * FROM models" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY name, version DESC"
        return [dict(row) for row in self.index.read(sql, params)]

    def add(self, name: str, *, description: Any, tags: dict, properties: dict, framework: Any, framework_version: Any,
            run_id: str | None, experiment_name: str | None, datasets: list, path: str,
            place_files: Callable[[int], None]) -> int:
        """Take the next version and call `place_files(version)` in the same transaction: a failure keeps neither."""
        with self.index.write() as conn:
            version = conn.execute("SELECT COALESCE(MAX(version), 0) + 1 FROM models WHERE name = ?", (name,)).fetchone()[0]
            conn.execute("INSERT INTO models VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                         (name, version, description, json.dumps(tags), json.dumps(properties), framework,
                          framework_version, run_id, experiment_name, json.dumps(datasets), time.time(),
                          getpass.getuser(), path))
            place_files(version)
            self._write_sidecar(conn, name, version)
        return version

    def update_metadata(self, name: str, version: int, tags: dict, properties: dict, description: Any) -> None:
        with self.index.write() as conn:
            conn.execute("UPDATE models SET tags = ?, properties = ?, description = ? WHERE name = ? AND version = ?",
                         (json.dumps(tags), json.dumps(properties), description, name, version))
            self._write_sidecar(conn, name, version)

    def delete(self, name: str, version: int) -> None:
        with self.index.write() as conn:
            conn.execute("DELETE FROM models WHERE name = ? AND version = ?", (name, version))
        sidecar = self.models_dir / name / f"{version}.json"
        if sidecar.exists():
            os.unlink(sidecar)

    def _write_sidecar(self, conn: Any, name: str, version: int) -> None:
        row = conn.execute("SELECT * FROM models WHERE name = ? AND version = ?", (name, version)).fetchone()
        write_json_atomic(self.models_dir / name / f"{version}.json", dict(row))
