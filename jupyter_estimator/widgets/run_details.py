"""`RunDetails(run).show()`: a live monitor of a run, as an anywidget (front-end code ships with the package,
so it works in JupyterLab, Notebook 7 and VS Code with no extra extension).

A daemon thread in the kernel follows the run incrementally — status file, log by byte offset, metric
records by offset, children and files — and pushes only what changed. It stops once the run and its
children are final. Without a widget manager, the static HTML snapshot in the mimebundle still shows
the status, the last log lines and the metrics.
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
from ..tracking.log_tail import LogTail
from .series import MetricSeries

STATIC = Path(__file__).parent / "static"
LOG_LINES_KEPT = 400
MAX_INLINE_IMAGE = 2 * 1024 * 1024


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
        self._log = LogTail(self._folder.path / self.log_file)
        self._lines: list[str] = []
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
        while not self._stop.wait(self.interval):
            try:
                if not self.refresh():
                    break
            except Exception as exc:  # keep the notebook usable whatever happens on disk
                self.message = f"refresh failed: {exc}"
        self.refreshing = False

    def stop(self) -> None:
        self._stop.set()

    def refresh(self) -> bool:
        """One incremental update; returns False once the run and its children are final (nothing left to follow)."""
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
            done = final and children_final
            if done:
                self.refreshing = False
            return not done

    def _refresh_log(self, final: bool) -> None:
        text = self._log.read_new(final=final)
        if not text:
            return
        new_lines = text.splitlines()
        self._lines.extend(new_lines)
        del self._lines[:-LOG_LINES_KEPT]
        self.log_line_count += len(new_lines)
        self.log_tail = "\n".join(self._lines)

    def _switch_log(self, change: dict) -> None:
        with self._lock:
            self._log = LogTail(self._folder.path / change["new"])
            self._lines = []
            self.log_line_count = 0
            self.log_tail = ""
            self._refresh_log(is_terminal(self.status))

    def _refresh_metrics(self) -> None:
        changed = set()
        for _seq, (_when, kind, name, value, step) in self._metrics_tail.read_new():
            self._series.setdefault(name, MetricSeries()).add(kind, value, step)
            changed.add(name)
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
        rows = self.run._index.list_runs(parent_run_id=self.run.id, limit=200)
        children = [{"id": r["run_id"], "status": r["status"], "name": r["display_name"] or r["run_id"],
                     "start_time": r["start_time"], "end_time": r["end_time"]} for r in rows]
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
        """What a frontend without a widget manager shows: status, metrics' last values, the last log lines."""
        rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(str(v.get('last', '')))}</td></tr>"
                       for k, v in sorted(self.metrics.items()))
        tail = html.escape("\n".join(self.log_tail.splitlines()[-20:]))
        return (f"<div class='jestimator-snapshot'><b>Run {html.escape(self.run_id)}</b> "
                f"({html.escape(self.experiment)}): <b>{html.escape(self.status)}</b>"
                f"<table>{rows}</table><pre>{tail}</pre></div>")


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
        return {"status": widget.status, "metrics": widget.metrics, "children": widget.children,
                "files": widget.files, "log": widget.log_tail}
