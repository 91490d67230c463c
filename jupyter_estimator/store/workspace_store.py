"""Where a workspace lives on disk and what it holds.

<root>/
  workspace.json      name and settings (max_concurrent_runs, …)
  index.sqlite        the index (WAL)
  runs/<run_id>/      one folder per run (see RunFolder)
  snapshots/          content-addressed blobs + manifests
  envs/<hash>/        built Python environments, shared by every run with the same spec
  models/<name>/<v>/  registered model files
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from ..core.errors import RunNotFoundException, invalid
from .files import WORKSPACE_MARKER, read_json, write_json_atomic
from .compute_targets import ComputeTargetRecords
from .environment_records import EnvironmentRecords
from .experiment_records import ExperimentRecords
from .index import Index
from .metric_summaries import MetricSummaries
from .model_records import ModelRecords
from .run_folder import RunFolder
from .run_records import RunRecord, RunRecords

HOME_ENV = "JUPYTER_ESTIMATOR_HOME"
RUN_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-.]{0,255}$")

DEFAULT_SETTINGS: dict[str, Any] = {
    "max_concurrent_runs": None,  # None = no limit
    "cancel_grace_seconds": 10.0,
    "environment_source_builds": False,  # environments install wheels only unless this is True
    "environment_pins": "relax",  # exact pins that cannot be met with wheels move to the nearest release ("strict": fail)
    # The image Azure ML's default images (DEFAULT_CPU_IMAGE, mcr.microsoft.com/azureml/*) stand for on a Docker run.
    "docker_default_image": "python:3.11-slim",
    # Pass the host's CA bundle (mounted), package-index and proxy variables into Docker environment-image builds.
    "docker_build_host_settings": True,
}


def default_home() -> Path:
    """$JUPYTER_ESTIMATOR_HOME, else `estimator/` under the Jupyter data dir."""
    explicit = os.environ.get(HOME_ENV)
    if explicit:
        return Path(explicit).expanduser()
    try:
        from jupyter_core.paths import jupyter_data_dir  # only the submitting side has jupyter_core
        return Path(jupyter_data_dir()) / "estimator"
    except ImportError:
        base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
        return Path(base) / "jupyter" / "estimator"


class WorkspaceStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root).expanduser().absolute()
        for folder in (self.runs_dir, self.snapshots_dir, self.envs_dir, self.models_dir):
            folder.mkdir(parents=True, exist_ok=True)
        marker = self.root / WORKSPACE_MARKER  # snapshots of a folder around the workspace skip it by this
        if not marker.exists():
            marker.write_text("This folder is a jupyter_estimator workspace; snapshots never include it.\n")
        self.index = Index(self.root / "index.sqlite")
        # A lost index (deleted, or moved aside when damaged) is refilled from the run folders, the truth.
        self.index.on_recreated(self._refill_index)
        if self.index.take_created():
            self._refill_index()

    def _refill_index(self) -> None:
        if any(self.runs_dir.glob("*/run.json")) or any(self.models_dir.glob("*/*.json")):
            from .rebuild import rebuild_index
            rebuild_index(self)

    @property
    def runs(self) -> RunRecords:
        return RunRecords(self.index)

    @property
    def experiments(self) -> ExperimentRecords:
        return ExperimentRecords(self.index)

    @property
    def metric_summaries(self) -> MetricSummaries:
        return MetricSummaries(self.index)

    @property
    def environments(self) -> EnvironmentRecords:
        return EnvironmentRecords(self.index)

    @property
    def compute_targets(self) -> ComputeTargetRecords:
        return ComputeTargetRecords(self.index)

    @property
    def models(self) -> ModelRecords:
        return ModelRecords(self.index, self.models_dir)

    @property
    def runs_dir(self) -> Path:
        return self.root / "runs"

    @property
    def snapshots_dir(self) -> Path:
        return self.root / "snapshots"

    @property
    def envs_dir(self) -> Path:
        return self.root / "envs"

    @property
    def models_dir(self) -> Path:
        return self.root / "models"

    @property
    def settings_path(self) -> Path:
        return self.root / "workspace.json"

    def settings(self) -> dict[str, Any]:
        return {**DEFAULT_SETTINGS, **(read_json(self.settings_path, {}) or {}).get("settings", {})}

    def metadata(self) -> dict[str, Any]:
        return read_json(self.settings_path, {}) or {}

    def write_metadata(self, data: dict[str, Any]) -> None:
        write_json_atomic(self.settings_path, data)

    def run_folder(self, run_id: str, must_exist: bool = True) -> RunFolder:
        if not isinstance(run_id, str) or not RUN_ID_PATTERN.match(run_id):
            raise invalid("run_id", run_id, "is not a valid run id (letters, digits, '_', '-', '.')",
                          "pass an id as printed by `jupyter estimator runs`")
        folder = RunFolder(self.runs_dir / run_id)
        if must_exist and not folder.exists():
            raise RunNotFoundException(f"run_id: no run {run_id!r} in workspace {self.root}. "
                                       "Fix: list runs with `jupyter estimator runs`.")
        return folder

    # status, mirrored into the index ------------------------------------------------------------
    def transition(self, run_id: str, new_status: str, **fields: Any) -> dict[str, Any] | None:
        """Move a run on disk (the truth) and mirror the result into the index; None if the move was illegal."""
        record = self.run_folder(run_id).transition(new_status, **fields)
        if record is not None:
            self.runs.update(run_id, status=record["status"], start_time=record.get("start_time"),
                                  end_time=record.get("end_time"))
        return record

    def request_cancel(self, run_id: str) -> dict[str, Any] | None:
        """Ask a live run to stop: its supervisor kills the process group and records Canceled; a run with
        no supervisor (interactive) is Canceled at once. None when the run is already final."""
        from ..core.status import RunStatus, is_terminal
        record = self.run_folder(run_id).read_status()
        if is_terminal(record.get("status", "")):
            return None
        return self.transition(run_id, RunStatus.CANCEL_REQUESTED if "supervisor" in record else RunStatus.CANCELED)

    def sync_statuses(self, records: list[RunRecord | None]) -> list[RunRecord | None]:
        """Records with any non-final status checked against status.json (the truth), the index fixed where it lags.

        A mirror write can be lost (a process killed between the two writes); readers call this on what
        they are about to show, so a disagreement lasts no longer than one read. Final records cost nothing.
        """
        from ..core.status import is_terminal
        fixed: list[RunRecord | None] = []
        for record in records:
            if record is None or is_terminal(record.status):
                fixed.append(record)
                continue
            truth = RunFolder(self.runs_dir / record.run_id).read_status()
            status = truth.get("status")
            if status and status != record.status:
                self.runs.update(record.run_id, status=status, start_time=truth.get("start_time"),
                                 end_time=truth.get("end_time"))
                record = self.runs.get(record.run_id) or record
            fixed.append(record)
        return fixed
