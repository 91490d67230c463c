"""The inspecting half of `Run`: status, details, waiting with live output, metrics and files."""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Iterator

from ..core.errors import (ActivityFailedException, EstimatorError, ExperimentExecutionException, UserErrorException,
                           invalid)
from ..core.status import RunStatus, is_terminal
from ..store.files import resolve_inside, safe_relative
from ..store.run_filter import RunFilter
from ..store.tail import read_whole_lines
from ..store.run_folder import RESERVED_NAMES
from ..store import metrics_file as metrics_view
from .metric_buffer import flush_all

# Logs streamed by wait_for_completion, in AML's order: system (build) logs, then the user log.
_STREAMED_LOG = re.compile(r"^(user_logs/std_log[\D]*[0]*(?:_ps)?\.txt)|(azureml-logs/[\d]{2}.+\.txt)$")
_MISSING_MODULE = re.compile(r"ModuleNotFoundError: No module named '([\w.]+)'")
# Import names whose package is named otherwise (the common ones; the hint names the module either way).
_PACKAGE_OF_MODULE = {"sklearn": "scikit-learn", "cv2": "opencv-python", "PIL": "pillow", "yaml": "pyyaml",
                      "skimage": "scikit-image", "bs4": "beautifulsoup4", "dateutil": "python-dateutil"}


def _iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(timestamp)) + f".{int((timestamp % 1) * 1e6):06d}Z"


class InspectMixin:
    """Expects: self._store, self._folder, self.id, self.experiment, self._runs (the store's RunRecords)."""

    # status -------------------------------------------------------------------------------------
    def _status_record(self) -> dict[str, Any]:
        record = self._folder.read_status()
        if not is_terminal(record.get("status", RunStatus.NOT_STARTED)) and not getattr(self, "_is_owner", False):
            from ..store.reconcile import reconcile_run  # a dead owner turns into Failed here
            record = reconcile_run(self._store, self.id)
        return record

    def get_status(self) -> str:
        self._status = self._status_record().get("status", RunStatus.NOT_STARTED)
        return self._status

    def get_detailed_status(self) -> dict[str, Any]:
        record = self._status_record()
        return {"status": record.get("status"), "details": record.get("details")}

    def get_details(self) -> dict[str, Any]:
        record = self._status_record()
        spec = self._folder.read_spec()
        details: dict[str, Any] = {
            "runId": self.id,
            "target": spec.get("target", "local"),
            "status": record.get("status"),
            "startTimeUtc": _iso(record.get("start_time")),
            "properties": self.get_properties(),
            "inputDatasets": [],
            "outputDatasets": [],
            "runDefinition": spec.get("run_definition", {}),
            "logFiles": {name: (self._folder.path / name).as_uri() for name in self._log_names()},
            "submittedBy": spec.get("submitted_by"),
        }
        if record.get("end_time"):
            details["endTimeUtc"] = _iso(record["end_time"])
        for key in ("error", "warnings"):
            if record.get(key):
                details[key] = record[key]
        if "exit_code" in record:
            details["exitCode"] = record["exit_code"]
        if record.get("signal"):
            details["signal"] = record["signal"]
        return details

    def get_details_with_logs(self) -> dict[str, Any]:
        details = self.get_details()
        details["logFiles"] = {name: (self._folder.path / name).read_text(encoding="utf-8", errors="replace")
                               for name in details["logFiles"]}
        return details

    def _log_names(self) -> list[str]:
        names = []
        for folder in ("azureml-logs", "user_logs"):
            root = self._folder.path / folder
            if root.is_dir():
                names += sorted(f"{folder}/{p.relative_to(root).as_posix()}" for p in root.rglob("*") if p.is_file())
        return names

    def get_all_logs(self, destination: str | None = None) -> list[str]:
        target = Path(destination) if destination else Path.cwd() / "assets" / self.id
        return [self.download_file(name, str(target / name)) for name in self._log_names()]

    # waiting ------------------------------------------------------------------------------------
    def wait_for_completion(self, show_output: bool = False, wait_post_processing: bool = False,
                            raise_on_error: bool = True) -> dict[str, Any]:
        """Block until the run is final; with show_output, stream its logs live as AML does."""
        out = sys.stdout
        try:
            if show_output:
                self._stream_until_final(out)
            else:
                started = time.monotonic()
                while not is_terminal(self.get_status()):
                    elapsed = time.monotonic() - started
                    time.sleep(min(2.0, 0.05 + elapsed / 20))
        except KeyboardInterrupt:
            raise ExperimentExecutionException(
                "The output streaming for the run interrupted.\nBut the run is still executing on the compute target.\n"
                f"Details for canceling the run can be found here: run.cancel() or `jupyter estimator cancel {self.id}`") from None
        details = self.get_details()
        if show_output:
            out.write("\nExecution Summary\n=================\n")
            out.write(f"RunId: {self.id}\n{self._web_view()}")
            if details.get("warnings"):
                out.write(f"Warnings:\n{details['warnings']}\n")
            out.write("\n")
            out.flush()
        if raise_on_error and details["status"] == RunStatus.FAILED:
            error = details.get("error", {})
            raise ActivityFailedException(
                f"ActivityFailedException: Run {self.id} failed: {error.get('message', 'see the logs')}\n"
                f"{self._missing_module_hint()}Logs: {self._folder.std_log}", error_details=error)
        return details

    def _web_view(self) -> str:
        """A link that opens the run (JupyterLab when a server hosts the workspace, else the run folder), and the
        CLI command on its own line."""
        server = getattr(self.experiment.workspace, "_server", None)
        link = server.portal_url(self.id) if server is not None else self._folder.path.as_uri()
        return f"Web View: {link}\nCLI: jupyter estimator show {self.id}\n"

    def _missing_module_hint(self) -> str:
        """When the script died importing a module, say where the run's packages come from and how to add one."""
        try:
            with open(self._folder.std_log, "rb") as handle:
                handle.seek(max(0, os.path.getsize(self._folder.std_log) - 16384))
                tail = handle.read().decode("utf-8", errors="replace")
        except OSError:
            return ""
        found = _MISSING_MODULE.findall(tail)
        if not found:
            return ""
        module = found[-1].split(".")[0]
        package = _PACKAGE_OF_MODULE.get(module, module)
        environment = self._folder.read_spec().get("environment") or {}
        if environment.get("user_managed"):
            return (f"Hint: the script could not import {module!r}. The run used the submitting Python as it is "
                    f"(user_managed=True), which lacks it. Fix: install it there (`%pip install {package}`), or drop "
                    f"user_managed so the run gets its own environment with pip_packages=[{package!r}].\n")
        declared = list(environment.get("pip") or []) + list(environment.get("conda") or [])
        return (f"Hint: the script could not import {module!r}. The run's environment holds only the declared packages "
                f"({', '.join(declared) if declared else 'none'}), not what this kernel has installed. "
                f"Fix: declare the package that provides it: `%%estimator --pip {package}` in a notebook, or "
                f"Estimator(..., pip_packages=[{package!r}]) (conda_packages=[...] for conda).\n")

    def _stream_until_final(self, out: Any) -> None:
        out.write(f"RunId: {self.id}\n{self._web_view()}")
        out.flush()
        offsets: dict[str, int] = {}  # each streamed log, in the order it appeared, and how far it was shown
        while True:
            status = self.get_status()  # read before the logs: once final, nothing more is written to them
            final = is_terminal(status)
            for name in self._log_names():
                if _STREAMED_LOG.match(name) and name not in offsets:
                    offsets[name] = 0
                    out.write(f"\nStreaming {name}\n{'=' * (len(name) + 10)}\n\n")
            for name in offsets:
                while chunk := read_whole_lines(self._folder.path / name, offsets[name], 1 << 20, final=final):
                    offsets[name] += len(chunk)
                    text = chunk.decode("utf-8", errors="replace")
                    out.write(text + ("\n" if final and not text.endswith("\n") else ""))  # a last unterminated line
            out.flush()
            if final:
                return
            time.sleep(0.1)

    # metrics ------------------------------------------------------------------------------------
    def get_metrics(self, name: str | None = None, recursive: bool = False, run_type: str | None = None,
                    populate: bool = False) -> dict[str, Any]:
        if name is not None and not isinstance(name, str):
            raise invalid("name", name, "must be a metric name", "pass e.g. name='loss' or nothing for all")
        flush_all()  # an in-process run's pending points count too
        values = metrics_view.aggregate(metrics_view.iter_records(self._folder.metrics_dir / "metrics.jsonl"), name)
        if not recursive:
            return values
        result = {self.id: values}
        for child in self.get_children(recursive=True, type=run_type):
            result[child.id] = child.get_metrics(name)
        return result

    # files --------------------------------------------------------------------------------------
    def get_file_names(self) -> list[str]:
        from ..store.run_folder import run_files
        return sorted(name for name, _ in run_files(self._folder.path).files)

    def _existing_artifact(self, name: str, field: str = "name") -> Path:
        relative = safe_relative(name, field)
        if relative.parts[0] in RESERVED_NAMES:
            raise invalid(field, name, "is not one of the run's files", "see run.get_file_names()")
        source = resolve_inside(self._folder.path, relative, field)
        if not source.is_file():
            raise invalid(field, name, "is not one of the run's files", f"pick one of run.get_file_names() ({len(self.get_file_names())} files)")
        return source

    def download_file(self, name: str, output_file_path: str | None = None, _validate_checksum: bool = False) -> str:
        source = self._existing_artifact(name)
        target = Path(output_file_path) if output_file_path else Path.cwd() / source.name
        if target.is_dir():
            target = target / source.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        return str(target)

    def download_files(self, prefix: str | None = None, output_directory: str | None = None,
                       output_paths: list[str] | None = None, batch_size: int = 100, append_prefix: bool = True,
                       timeout_seconds: float | None = None) -> list[str]:
        if prefix is not None:
            safe_relative(prefix, "prefix")
        names = [n for n in self.get_file_names() if prefix is None or n.startswith(prefix)]
        if output_paths is not None and len(output_paths) != len(names):
            raise invalid("output_paths", output_paths, f"must name one path per file ({len(names)})", "omit it to use output_directory")
        base = Path(output_directory) if output_directory else Path.cwd()
        plan, refused = [], []
        for position, name in enumerate(names):  # the whole set is checked before a byte is written
            if output_paths is not None:
                target = Path(output_paths[position])
            else:
                relative = name if append_prefix or not prefix else name[len(prefix):].lstrip("/")
                target = base / relative
            try:
                plan.append((self._existing_artifact(name), target))
            except EstimatorError as exc:
                refused.append(f"{name} ({exc})")
        if refused:
            warnings.warn(f"download_files: skipped {len(refused)} of {len(names)} file(s): {'; '.join(refused[:10])}",
                          stacklevel=2)
        written = []
        for source, target in plan:
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
            except OSError as exc:
                raise UserErrorException(
                    f"output_directory: copying {source.name} to {target} failed ({exc}) after {len(written)} of "
                    f"{len(plan)} file(s) were written: {[str(w) for w in written[:5]]}{' …' if len(written) > 5 else ''}. "
                    "Fix: free space or pick another output_directory, then download again.",
                    field="output_directory") from exc
            written.append(str(target))
        return written

    # children -----------------------------------------------------------------------------------
    def get_children(self, recursive: bool = False, tags: Any = None, properties: Any = None,
                     type: str | None = None, status: str | None = None, _rehydrate_runs: bool = True) -> Iterator[Any]:
        offset = 0
        while True:
            rows = self._runs.list(RunFilter(parent_run_id=self.id, tags=tags, properties=properties, run_type=type,
                                             status=status), limit=100, offset=offset)
            for row in rows:
                child = type_of_run(self)._from_row(self.experiment, row)
                yield child
                if recursive:
                    yield from child.get_children(recursive=True, tags=tags, properties=properties, type=type, status=status)
            if len(rows) < 100:
                return
            offset += 100


def type_of_run(run: Any) -> Any:
    """The class child runs are read back as: the run's own, unless it names another (a sweep's parent does)."""
    return getattr(run, "_child_class", None) or type(run)
