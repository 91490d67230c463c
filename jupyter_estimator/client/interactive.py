"""`Experiment.start_logging()`: a run driven from this process, Running until it is completed."""

from __future__ import annotations

import atexit
import weakref
from pathlib import Path
from typing import Any

from ..core.status import RunStatus, is_terminal
from ..runner.git_info import git_properties
from ..store.snapshot import SnapshotStore
from .run import Run, _create_owned_run

_open_runs: "weakref.WeakSet[Run]" = weakref.WeakSet()


def start_interactive_run(experiment: Any, *, display_name: str | None, run_id: str | None, outputs: Any,
                          snapshot_directory: str | None) -> Run:
    properties = {"azureml.runsource": "experiment"}
    if snapshot_directory is not None:
        source = Path(snapshot_directory)
        snapshot = SnapshotStore(experiment.workspace.store.snapshots_dir, experiment.workspace.store.root).take(source)
        properties["ContentSnapshotId"] = snapshot.snapshot_id
        properties.update(git_properties(source.absolute()))
    run = _create_owned_run(experiment, run_id=run_id, display_name=display_name, status=RunStatus.RUNNING,
                            properties=properties)
    run._outputs_source = _outputs_dir(outputs)  # type: ignore[attr-defined]
    if run._outputs_source is not None:  # AML makes the folder, so `joblib.dump(m, 'outputs/m.pkl')` just works
        run._outputs_source.mkdir(parents=True, exist_ok=True)
    _open_runs.add(run)
    return run


def _outputs_dir(outputs: Any) -> Path | None:
    if outputs is False:
        return None
    if outputs is None or outputs is True:
        return Path("outputs").absolute()
    return Path(outputs).absolute()


def collect_outputs(run: Run) -> None:
    """AML uploads the tracked outputs folder when an interactive run completes."""
    source = getattr(run, "_outputs_source", None)
    if source is not None and source.is_dir() and any(source.iterdir()):
        run.upload_folder("outputs", str(source))


@atexit.register
def _fail_abandoned_runs() -> None:
    """An interactive run left Running when its process exits is marked Failed, with the reason."""
    for run in list(_open_runs):
        try:
            if not is_terminal(run._folder.read_status().get("status", "")):
                run.fail(error_details="The process that started this interactive run exited without completing it.",
                         error_code="AbandonedRun")
        except Exception:
            pass
