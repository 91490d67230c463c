"""Creating a run: the one way a run folder and its index row come into being.

The folder is assembled under a staging name and renamed into place, so readers never see half a run;
the index row is written last, and the folder is removed again if that fails, so neither outlives the other.
Used by submitted runs (service.runs) and by runs a process owns itself (interactive runs and their children).
"""

from __future__ import annotations

import os
import shutil
from typing import Any, Callable, Mapping

from ..core.errors import invalid
from .files import write_json_atomic
from .run_folder import RunFolder
from .run_records import RunRecord
from .workspace_store import WorkspaceStore


def create_run(store: WorkspaceStore, record: RunRecord, spec: Mapping[str, Any], status: Mapping[str, Any], *,
               tags: Mapping[str, Any] | None = None, properties: Mapping[str, Any] | None = None,
               fill: Callable[[RunFolder], None] | None = None) -> RunRecord:
    """Make the run's folder (spec, status, meta, and whatever `fill` adds) and its index row; returns the record
    with its run number."""
    folder = store.run_folder(record.run_id, must_exist=False)  # validates the id's shape
    if folder.path.exists():
        raise invalid("run_id", record.run_id, "a run with this id already exists", "leave run_id out for a fresh id")
    staging = store.runs_dir / f".staging-{record.run_id}"
    try:
        staging.mkdir()
        staged = RunFolder(staging)
        staged.create_layout()
        if fill is not None:
            fill(staged)
        write_json_atomic(staged.spec_path, dict(spec))
        staged.write_initial_status(dict(status))
        if record.display_name:
            staged.append_meta("display_name", record.display_name)
        if tags:
            staged.append_meta("tags", dict(tags))
        if properties:
            staged.append_meta("properties", dict(properties))
        os.rename(staging, folder.path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    try:
        return store.runs.create(record, tags=tags, properties=properties)
    except BaseException:
        shutil.rmtree(folder.path, ignore_errors=True)
        raise
