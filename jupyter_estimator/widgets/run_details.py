"""`RunDetails(run).show()`: a live monitor of a run, as an anywidget (front-end code ships with the package,
so it works in JupyterLab, Notebook 7 and VS Code with no extra extension).

A daemon thread in the kernel follows the run incrementally — status file, log by byte offset, metric
records by offset, children and files — and pushes only what changed. It stops once the run and its
children are final and everything they wrote has been read: a big metrics file is read in slices (so the
notebook stays responsive) until its end, and the log is shown from its tail (see log_view.py: a fresh
widget on a huge log shows its last lines, a line is capped with "… N bytes more"). Without a widget
manager, the static HTML snapshot in the mimebundle still shows the status, the last log lines and the
metrics, and stays small (SNAPSHOT_* below) however big the run.
"""

from __future__ import annotations

import base64
import html
import threading
import time
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from ..core.status import is_terminal
from ..store.metrics_file import MetricsTail
from .log_view import KEPT_LINES as LOG_LINES_KEPT  # noqa: F401  (LOG_LINES_KEPT re-exported)
from .log_view import LogView, shorten
from .series import MetricSeries

STATIC = Path(__file__).parent / "static"
MAX_INLINE_IMAGE = 2 * 1024 * 1024
METRICS_BYTES_PER_REFRESH = 16 * 1024 * 1024  # a bigger backlog is read over several refreshes, without waiting
SNAPSHOT_LOG_LINES = 20
SNAPSHOT_LINE_CHARS = 400
SNAPSHOT_CELL_CHARS = 200
SNAPSHOT_METRICS_CHARS = 100_000


class RunDetailsWidget(anywidget.AnyWidget):
    _esm = STATIC / "run_details.js"
    _css = STATIC / "run_details.css"

    run_id = traitlets.Unicode("").tag(sync=True)
    experiment = traitlets.Unicode("").tag(sync=True)
    status = traitlets.Unicode("").tag(sync=True)
    start_time = traitlets.Float(None, allow_none=True).tag(sync=True)
    end_time = traitlets.Float(None, allow_none=True).tag(sync=True)
    target = traitlets.Unicode("").tag(sync=True)
    properties = traitlets.Dict().tag(sync=True)
    tags = traitlets.Dict().tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    log_files = traitlets.List().tag(sync=True)
    log_file = traitlets.Unicode("user_logs/std_log.txt").tag(sync=True)
    log_tail = traitlets.Unicode("").tag(sync=True)
    log_line_count = traitlets.Int(0).tag(sync=True)
    metrics = traitlets.Dict().tag(sync=True)
    images = traitlets.Dict().tag(sync=True)
    children = traitlets.List().tag(sync=True)
    files = traitlets.List().tag(sync=True)
    file_base_url = traitlets.Unicode("").tag(sync=True)
    tensorboard_url = traitlets.Unicode("").tag(sync=True)
    refreshing = traitlets.Bool(True).tag(sync=True)
    message = traitlets.Unicode("").tag(sync=True)

    def __init__(self, run: Any, interval: float = 0.5, start: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.run = run
        self.interval = interval
        self.run_id, self.experiment = run.id, run.experiment.name
        self._folder = run._folder
        self._log = LogView(self._folder.path / self.log_file)
        self._behind = False  # the last refresh stopped before the end of the metrics file
        self._metrics_tail = MetricsTail(self._folder.metrics_dir / "metrics.jsonl")
        self._series: dict[str, MetricSeries] = {}
        self._files_checked = 0.0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        server = getattr(run.experiment.workspace, "_server", None)
        if server is not None:
            self.file_base_url = f"{server.url}estimator/api/runs/{run.id}/files/"
        self.on_msg(self._handle_message)
        self.observe(self._switch_log, names="log_file")
        self.refresh()
        self._thread = threading.Thread(target=self._follow, name=f"run-details-{run.id}", daemon=True)
        if start and self.refreshing:
            self._thread.start()

    # following ----------------------------------------------------------------------------------
    def _follow(self) -> None:
        while not self._stop.wait(0 if self._behind else self.interval):
            try:
                if not self.refresh():
                    break
            except Exception as exc:  # keep the notebook usable whatever happens on disk
                self.message = f"refresh failed: {exc}"
        self.refreshing = False

    def stop(self) -> None:
        self._stop.set()

    def refresh(self) -> bool:
        """One incremental update; returns False once the run and its children are final and all they wrote is read."""
        with self._lock:
            record = self._folder.read_status()
            status = record.get("status", "NotStarted")
            final = is_terminal(status)
            if not final and status != self.status:
                status = self.run.get_status()  # reconciles a run whose owner died
                final = is_terminal(status)
            with self.hold_sync():
                if status != self.status:
                    self.status = status
                    self.properties = self.run.get_properties()
                    self.tags = self.run.get_tags()
                    self.target = self._folder.read_spec().get("target", "local")
                self.start_time, self.end_time = record.get("start_time"), record.get("end_time")
                if record.get("error"):
                    self.error = str(record["error"].get("message", ""))
                self._refresh_log(final)
                self._refresh_metrics()
                children_final = self._refresh_children()
                now = time.monotonic()
                if final or now - self._files_checked > 5:
                    self._files_checked = now
                    self._refresh_files()
            done = final and children_final and not self._behind
            if done:
                self.refreshing = False
            return not done

    def _refresh_log(self, final: bool) -> None:
        if not self._log.read(final=final):
            return
        self.log_line_count = self._log.line_count
        self.log_tail = self._log.text()

    def _switch_log(self, change: dict) -> None:
        with self._lock:
            self._log = LogView(self._folder.path / change["new"])
            self.log_line_count = 0
            self.log_tail = ""
            self._refresh_log(is_terminal(self.status))

    def _refresh_metrics(self) -> None:
        """Read on to the end of the metrics file, or METRICS_BYTES_PER_REFRESH of it (then `_behind` is set)."""
        changed = set()
        tail, read = self._metrics_tail, 0
        self._behind = False
        while True:
            before = tail.offset
            for _seq, (_when, kind, name, value, step) in tail.read_new():
                try:
                    self._series.setdefault(name, MetricSeries()).add(kind, value, step)
                except (TypeError, AttributeError, ValueError):  # a record whose value does not fit its kind
                    continue
                changed.add(name)
            if tail.offset == before:
                break
            read += tail.offset - before
            if read >= METRICS_BYTES_PER_REFRESH:
                self._behind = True
                break
        if not changed:
            return
        metrics = dict(self.metrics)
        for name in changed:
            metrics[name] = self._series[name].payload()
            if metrics[name]["kind"] == "image":
                self._inline_image(name, metrics[name]["last"])
        self.metrics = metrics

    def _inline_image(self, name: str, artifact: str) -> None:
        path = self._folder.path / artifact
        if path.is_file() and path.stat().st_size <= MAX_INLINE_IMAGE:
            encoded = base64.b64encode(path.read_bytes()).decode()
            self.images = {**self.images, name: f"data:image/png;base64,{encoded}"}

    def _refresh_children(self) -> bool:
        from ..store.run_filter import RunFilter
        rows = self.run.experiment.workspace.store.runs.list(RunFilter(parent_run_id=self.run.id), limit=200)
        children = [{"id": r.run_id, "status": r.status, "name": r.display_name or r.run_id,
                     "start_time": r.start_time, "end_time": r.end_time} for r in rows]
        if children != self.children:
            self.children = children
        return all(is_terminal(c["status"]) for c in children)

    def _refresh_files(self) -> None:
        from ..service.views import log_files
        files = [{"path": name, "size": (self._folder.path / name).stat().st_size} for name in self.run.get_file_names()]
        if files != self.files:
            self.files = files
        logs = [f["path"] for f in log_files(self._folder.path)]
        if logs != self.log_files:
            self.log_files = logs

    # buttons ------------------------------------------------------------------------------------
    def _handle_message(self, _widget: Any, content: dict, _buffers: Any) -> None:
        action = content.get("type") if isinstance(content, dict) else None
        if action == "cancel":
            self.message = "Cancel requested." if self.run.cancel() else f"The run is already {self.run.get_status()}."
        elif action == "tensorboard":
            from ..tensorboard import Tensorboard
            try:
                self.tensorboard_url = Tensorboard([self.run]).start()
            except Exception as exc:
                self.message = f"TensorBoard could not start: {exc}"

    # static output ------------------------------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        with self._lock:  # the follower thread must not change traits while they are being rendered
            bundle = super()._repr_mimebundle_(**kwargs)
            data = bundle[0] if isinstance(bundle, tuple) else bundle
            if isinstance(data, dict):
                data["text/html"] = self.snapshot_html()
        return bundle

    def snapshot_html(self) -> str:
        """What a frontend without a widget manager shows: status, metrics' last values, the last log lines.
        It is saved in the notebook, so it stays small: cells, rows and lines are cut (saying how much is left out)."""
        rows, size, metrics = [], 0, sorted(self.metrics.items())
        for number, (name, series) in enumerate(metrics):
            if size > SNAPSHOT_METRICS_CHARS:
                rows.append(f"<tr><td colspan='2'>… {len(metrics) - number} more metrics</td></tr>")
                break
            last = series.get("last", "") if isinstance(series, dict) else ""
            row = f"<tr><td>{html.escape(_cell(name))}</td><td>{html.escape(_cell(last))}</td></tr>"
            rows.append(row)
            size += len(row)
        lines = [shorten(line, SNAPSHOT_LINE_CHARS) for line in self.log_tail.splitlines()[-SNAPSHOT_LOG_LINES:]]
        tail = html.escape("\n".join(lines), quote=False)
        return (f"<div class='jestimator-snapshot'><b>Run {html.escape(self.run_id)}</b> "
                f"({html.escape(self.experiment)}): <b>{html.escape(self.status)}</b>"
                f"<table>{''.join(rows)}</table><pre>{tail}</pre></div>")


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= SNAPSHOT_CELL_CHARS else f"{text[:SNAPSHOT_CELL_CHARS]}… {len(text) - SNAPSHOT_CELL_CHARS} characters more"


class RunDetails:
    """AML's `azureml.widgets.RunDetails`: `RunDetails(run).show()` displays the live monitor."""

    def __init__(self, run_instance: Any) -> None:
        self.run = run_instance
        self.widget: RunDetailsWidget | None = None

    def show(self) -> None:
        from IPython.display import display
        self.widget = RunDetailsWidget(self.run)
        display(self.widget)

    def get_widget_data(self, widget_settings: Any = None) -> dict[str, Any]:
        widget = self.widget or RunDetailsWidget(self.run, start=False)
        widget.refresh()
        while widget._behind:  # a big metrics file: read it to the end
            widget.refresh()
        return {"status": widget.status, "metrics": widget.metrics, "children": widget.children,
                "files": widget.files, "log": widget.log_tail}
