"""`Run`: one execution of a script, with AML v1's API.

The same class serves the training script (logging through `Run.get_context()`) and the
notebook (inspecting, waiting, downloading), so it depends on the standard library alone.
"""

from __future__ import annotations

import getpass
import html
import os
import time
import uuid
from pathlib import Path
from typing import Any

from ..core.errors import RunNotFoundException, invalid
from ..core.status import SCRIPT_RUN_TYPE, RunStatus, is_terminal  # noqa: F401 (re-exported)
from ..store.run_records import RunRecord
from ..tracking import context
from ..tracking.metric_buffer import MetricBuffer
from ..tracking.offline_run import _OfflineRun  # noqa: F401 (AML's module path names it here too)
from ..tracking.run_inspect import InspectMixin
from ..tracking.run_logging import LoggingMixin



class Run(LoggingMixin, InspectMixin):
    def __init__(self, experiment: Any, run_id: str, outputs: Any = None, **kwargs: Any) -> None:
        row = experiment.workspace.store.runs.get(run_id) if isinstance(run_id, str) else None
        if row is None:
            if not isinstance(run_id, str):
                raise invalid("run_id", run_id, "must be a run id string", "pass an id from experiment.get_runs()")
            raise RunNotFoundException(f"run_id: no run {run_id!r} in experiment {experiment.name!r}. "
                                       "Fix: list runs with experiment.get_runs() or `jupyter estimator runs`.")
        self._bind(experiment, row)

    @classmethod
    def _from_row(cls, experiment: Any, row: RunRecord) -> "Run":
        run = cls.__new__(cls)
        if experiment.name != row.experiment_name:
            from .experiment import Experiment
            experiment = Experiment(experiment.workspace, row.experiment_name, _skip_name_validation=True)
        run._bind(experiment, row)
        return run

    def _bind(self, experiment: Any, row: RunRecord) -> None:
        self.experiment = experiment
        self._store = experiment.workspace.store
        self._runs = self._store.runs
        self.id = row.run_id
        self._folder = self._store.run_folder(self.id, must_exist=False)  # listing pages stat nothing
        self._number = row.run_number
        self._type = row.run_type
        self._parent_id = row.parent_run_id
        self._display_name = row.display_name
        self._description = row.description
        self._status = row.status
        self._in_script = False  # True for the run a submitted script is executing
        self._is_owner = False  # True in the process that created an interactive run
        self._buffer: MetricBuffer | None = None

    def _append(self, record: list) -> None:
        buffer = self._buffer
        if buffer is None:
            self._folder.metrics_dir.mkdir(exist_ok=True)
            buffer = self._buffer = MetricBuffer.for_path(self._folder.metrics_dir / "metrics.jsonl")
        buffer.pending.append(record)

    # identity -----------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._display_name or self.id

    @property
    def display_name(self) -> str:
        return self._display_name or self.id

    @display_name.setter
    def display_name(self, value: str) -> None:
        if not isinstance(value, str) or not value:
            raise invalid("display_name", value, "must be a non-empty string", "pass e.g. 'baseline lr=0.1'")
        self._runs.update(self.id, display_name=value)
        self._folder.append_meta("display_name", value)
        self._display_name = value

    @property
    def description(self) -> str | None:
        return self._description

    @description.setter
    def description(self, value: str) -> None:
        self._runs.update(self.id, description=value)
        self._folder.append_meta("description", value)
        self._description = value

    @property
    def number(self) -> int:
        return self._number

    @property
    def type(self) -> str | None:
        return self._type

    @property
    def status(self) -> str:
        return self._status

    @property
    def tags(self) -> dict[str, Any]:
        return self.get_tags()

    @property
    def properties(self) -> dict[str, Any]:
        return self.get_properties()

    @property
    def parent(self) -> "Run | None":
        return Run(self.experiment, self._parent_id) if self._parent_id else None

    @property
    def input_datasets(self) -> dict[str, Any]:
        return {}

    @property
    def output_datasets(self) -> dict[str, Any]:
        return {}

    @property
    def path(self) -> str:
        """The run's folder (outputs/, logs/, user_logs/ …)."""
        return str(self._folder.path)

    # construction -------------------------------------------------------------------------------
    @staticmethod
    def get_context(allow_offline: bool = True, used_for_context_manager: bool = False, **kwargs: Any) -> "Run":
        """The run this process executes in; an offline run that prints instead when there is none."""
        run_id = os.environ.get(context.RUN_ID)
        home = os.environ.get(context.HOME)
        if not run_id or not home:
            if not allow_offline:
                raise RunNotFoundException("Run.get_context(allow_offline=False) was called outside a submitted run. "
                                           "Fix: submit the script with Experiment.submit, or allow offline runs.")
            return _OfflineRun()
        from .experiment import Experiment
        from .workspace import Workspace
        workspace = Workspace(path=home)
        row = workspace.store.runs.get(run_id)
        if row is None:
            raise RunNotFoundException(f"{context.RUN_ID}={run_id!r} names no run in {home}.")
        run = Run._from_row(Experiment(workspace, row.experiment_name, _skip_name_validation=True), row)
        run._in_script = True
        return run

    @staticmethod
    def get(workspace: Any, run_id: str) -> "Run":
        row = workspace.store.runs.get(run_id) if isinstance(run_id, str) else None
        if row is None:
            raise RunNotFoundException(f"run_id: no run {run_id!r} in workspace {workspace.name!r}.")
        from .experiment import Experiment
        return Run._from_row(Experiment(workspace, row.experiment_name, _skip_name_validation=True), row)

    @staticmethod
    def list(experiment: Any, type: str | None = None, tags: Any = None, properties: Any = None,
             status: str | None = None, include_children: bool = False, **_: Any):
        return experiment.get_runs(type=type, tags=tags, properties=properties, include_children=include_children,
                                   status=status)

    # lifecycle ----------------------------------------------------------------------------------
    def _set_status(self, status: str, **fields: Any) -> bool:
        record = self._store.transition(self.id, status, **fields)
        if record is not None:
            self._status = record["status"]
        return record is not None

    def start(self) -> None:
        self._set_status(RunStatus.RUNNING)

    def flush(self, timeout_seconds: int = 300) -> None:
        if self._buffer is not None:
            self._buffer.flush()

    def complete(self, _set_status: bool = True) -> None:
        """Flush; for an interactive run also mark it Completed. A submitted script's status is its exit code's."""
        self.flush()
        if self._in_script or not _set_status:
            return
        if hasattr(self, "_outputs_source"):
            from .interactive import collect_outputs
            collect_outputs(self)
        self._summarize_metrics()
        self._set_status(RunStatus.COMPLETED)

    def fail(self, error_details: Any = None, error_code: str | None = None, _set_status: bool = True) -> None:
        self.flush()
        error = {"code": error_code or "UserError", "message": str(error_details or "Marked failed by the run's code")}
        if self._in_script:  # the supervisor applies it when the script exits
            from ..store.files import write_json_atomic
            write_json_atomic(self._folder.status_request_path, {"status": RunStatus.FAILED, "error": error})
            return
        if _set_status:
            self._summarize_metrics()
            self._set_status(RunStatus.FAILED, error=error)

    def cancel(self) -> bool:
        """Ask for cancellation: the supervisor stops the whole process group, then marks Canceled."""
        if "supervisor" not in self._folder.read_status():
            self.flush()  # an interactive run stops at once: what it logged so far is kept
        record = self._store.request_cancel(self.id)
        if record is not None:
            self._status = record["status"]
        return record is not None

    def _summarize_metrics(self) -> None:
        from ..store import metrics_file as metrics_view
        records = metrics_view.iter_records(self._folder.metrics_dir / "metrics.jsonl")
        self._store.metric_summaries.replace(self.id, metrics_view.summary(records))

    def __enter__(self) -> "Run":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.complete()
        else:
            self.fail(error_details=f"{exc_type.__name__}: {exc}", error_code="UserError")

    # children -----------------------------------------------------------------------------------
    def child_run(self, name: str | None = None, run_id: str | None = None, outputs: Any = None) -> "Run":
        """A started (Running) child run owned by this process; `with parent.child_run() as c:` completes it."""
        child = _create_owned_run(self.experiment, run_id=run_id, display_name=name, parent_run_id=self.id,
                                  status=RunStatus.RUNNING)
        return child

    def create_children(self, count: int | None = None, tag_key: str | None = None,
                        tag_values: list[str] | None = None) -> list["Run"]:
        if (count is None) == (tag_key is None and tag_values is None):
            raise invalid("count/tag_key", (count, tag_key), "pass either count or tag_key with tag_values",
                          "call create_children(count=3) or create_children(tag_key='fold', tag_values=['0', '1'])")
        if count is not None and (not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 100):
            raise invalid("count", count, "must be an int from 1 to 100", "pass e.g. count=4")
        if count is None:
            if not tag_key or not isinstance(tag_values, (list, tuple)) or not 1 <= len(tag_values) <= 100:
                raise invalid("tag_values", tag_values, "needs tag_key and a list of 1 to 100 values",
                              "pass tag_key='fold', tag_values=['0', '1']")
        children = []
        for position in range(count if count is not None else len(tag_values or [])):
            child = _create_owned_run(self.experiment, parent_run_id=self.id, status=RunStatus.NOT_STARTED)
            if tag_key:
                child.tag(tag_key, str(tag_values[position]))
            children.append(child)
        return children

    def submit_child(self, config: Any, tags: dict[str, Any] | None = None, **kwargs: Any) -> "Run":
        from .submission import submit
        return submit(self.experiment, config, tags=tags, parent_run_id=self.id, **kwargs)

    # models and snapshots -----------------------------------------------------------------------
    def register_model(self, model_name: str, model_path: str | None = None, tags: dict | None = None,
                       properties: dict | None = None, model_framework: str | None = None,
                       model_framework_version: str | None = None, description: str | None = None,
                       datasets: list | None = None, sample_input_dataset: Any = None, sample_output_dataset: Any = None,
                       resource_configuration: Any = None, **kwargs: Any) -> Any:
        from .model import register_from_run
        return register_from_run(self, model_name, model_path, tags=tags, properties=properties,
                                 model_framework=model_framework, model_framework_version=model_framework_version,
                                 description=description, datasets=datasets)

    def get_snapshot_id(self) -> str | None:
        return self.get_properties().get("ContentSnapshotId")

    def take_snapshot(self, file_or_folder_path: str) -> str:
        from ..store.snapshot import SnapshotStore
        path = Path(file_or_folder_path)
        if not path.is_dir():
            raise invalid("file_or_folder_path", file_or_folder_path, "must be an existing folder", "pass the project folder")
        result = SnapshotStore(self._store.snapshots_dir, self._store.root).take(path)
        self._record_meta("snapshot", result.snapshot_id)
        return result.snapshot_id

    def restore_snapshot(self, snapshot_id: str | None = None, path: str | None = None) -> str:
        """Write the snapshot as a ZIP (default: `<cwd>/<snapshot_id>.zip`) and return its path."""
        from ..store.snapshot import SnapshotStore
        snapshot_id = snapshot_id or self.get_snapshot_id()
        if not snapshot_id:
            raise invalid("snapshot_id", snapshot_id, "this run has no snapshot", "pass a snapshot id explicitly")
        target = Path(path) if path else Path.cwd() / f"{snapshot_id}.zip"
        if target.is_dir():
            target = target / f"{snapshot_id}.zip"
        return str(SnapshotStore(self._store.snapshots_dir).to_zip(snapshot_id, target))

    def get_environment(self) -> Any:
        from ..core.environment import Environment
        return Environment._from_spec(self._folder.read_spec().get("environment", {}))

    def clean(self) -> list[str]:
        removed = []
        snapshot = self._folder.snapshot_dir
        if snapshot.exists() and is_terminal(self.get_status()):
            import shutil
            shutil.rmtree(snapshot)
            removed.append(str(snapshot))
        return removed

    def get_portal_url(self) -> str:
        """A link that opens JupyterLab on this run when a server hosts the workspace; else how to see it."""
        server = getattr(self.experiment.workspace, "_server", None)
        if server is not None:
            return server.portal_url(self.id)
        return f"jupyter estimator show {self.id}  (run folder: {self._folder.path.as_uri()})"

    def __repr__(self) -> str:
        return f"Run(Experiment: {self.experiment.name},\nId: {self.id},\nType: {self.type},\nStatus: {self.get_status()})"

    def _repr_html_(self) -> str:
        cells = [self.experiment.name, self.id, str(self.type), self.get_status()]
        server = getattr(self.experiment.workspace, "_server", None)
        if server is not None:
            link = f'<a href="{html.escape(server.portal_url(self.id))}" target="_blank">Open in JupyterLab</a>'
        else:
            link = f'<a href="{html.escape(self._folder.path.as_uri())}" target="_blank">Run folder</a>'
        return ("<table style='width:100%'><tr><th>Experiment</th><th>Id</th><th>Type</th><th>Status</th>"
                "<th>Details Page</th></tr><tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells)
                + f"<td>{link}</td></tr></table>")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Run) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)


def _create_owned_run(experiment: Any, *, run_id: str | None = None, display_name: str | None = None,
                      parent_run_id: str | None = None, status: str = RunStatus.RUNNING, run_type: str | None = None, properties: dict | None = None) -> Run:
    """Create a run owned by this process (interactive, or a child of one): no supervisor involved."""
    from ..store.liveness import identity
    from ..store.run_creation import create_run
    store = experiment.workspace.store
    now = time.time()
    record = RunRecord(run_id=run_id or str(uuid.uuid4()), experiment_name=experiment.name, status=status,
                       created_time=now, parent_run_id=parent_run_id, run_type=run_type, target="local",
                       display_name=display_name, submitted_by=getpass.getuser(),
                       start_time=now if status == RunStatus.RUNNING else None)
    spec = {"run_id": record.run_id, "experiment": experiment.name, "run_type": run_type, "parent_run_id": parent_run_id,
            "target": "local", "submitted_by": record.submitted_by, "created_time": now}
    state: dict[str, Any] = {"status": status, "created_time": now, "owner": identity(), "history": [[status, now]]}
    if record.start_time is not None:
        state["start_time"] = now
    record = create_run(store, record, spec, state, properties=properties)
    run = Run._from_row(experiment, record)
    run._is_owner = True
    return run
