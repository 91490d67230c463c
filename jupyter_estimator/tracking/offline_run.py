"""`Run.get_context()` outside a submitted run: an offline run that prints what it would have logged."""

from __future__ import annotations

import uuid
from typing import Any

from ..core.status import RunStatus


class _OfflineRun:
    """What `Run.get_context()` returns outside a submitted run: it prints what it would have logged."""

    def __init__(self) -> None:
        self.id = f"OfflineRun_{uuid.uuid4()}"
        self.experiment = None
        self.status = RunStatus.RUNNING
        self._tags: dict[str, Any] = {}
        self._properties: dict[str, Any] = {}

    def log(self, name: str, value: Any, description: str = "", step: int | None = None) -> None:
        print(f"Attempted to log scalar metric {name}:\n{value}")

    def log_list(self, name: str, value: Any, description: str = "") -> None:
        print(f"Attempted to log list metric {name}:\n{list(value)}")

    def log_row(self, name: str, description: str | None = None, **kwargs: Any) -> None:
        print(f"Attempted to log row metric {name}:\n{kwargs}")

    def log_table(self, name: str, value: Any, description: str = "") -> None:
        print(f"Attempted to log table metric {name}:\n{value}")

    def log_image(self, name: str, path: Any = None, plot: Any = None, description: str = "") -> None:
        print(f"Attempted to log image metric {name}:\n{path or plot}")

    def _print_document(self, name: str, value: Any, description: str = "") -> None:
        print(f"Attempted to log metric {name}:\n{value}")

    log_confusion_matrix = log_accuracy_table = log_residuals = log_predictions = _print_document

    def upload_file(self, name: str, path_or_stream: Any, datastore_name: Any = None) -> None:
        print(f"Attempted to upload file {name}")

    def upload_folder(self, name: str, path: Any, datastore_name: Any = None) -> None:
        print(f"Attempted to upload folder {name}")

    def tag(self, key: str, value: Any = None) -> None:
        self._tags[key] = value

    def set_tags(self, tags: dict) -> None:
        self._tags.update(tags)

    def get_tags(self) -> dict:
        return dict(self._tags)

    def add_properties(self, properties: dict) -> None:
        self._properties.update(properties)

    def get_properties(self) -> dict:
        return dict(self._properties)

    def flush(self, timeout_seconds: int = 300) -> None:
        return None

    def complete(self, _set_status: bool = True) -> None:
        self.status = RunStatus.COMPLETED

    def fail(self, error_details: Any = None, error_code: Any = None, _set_status: bool = True) -> None:
        self.status = RunStatus.FAILED

    def get_status(self) -> str:
        return self.status

    def child_run(self, name: str | None = None, run_id: str | None = None, outputs: Any = None) -> "_OfflineRun":
        return _OfflineRun()

    def __enter__(self) -> "_OfflineRun":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.complete()

    def __repr__(self) -> str:
        return f"Run(Experiment: None,\nId: {self.id},\nType: None,\nStatus: {self.status})"

