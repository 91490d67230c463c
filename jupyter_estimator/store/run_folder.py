"""One run's folder: its layout, its status file and the lock that serialises status changes.

status.json is the truth for a run's status; the index mirrors it for listing. Any process may
move a run (the supervisor, a client cancelling, an in-process run completing), so transitions
take an exclusive flock and check legality against the state on disk, never a cached one.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import warnings
from pathlib import Path
from typing import Any

from ..core.status import RunStatus, can_transition
from .files import TreeFiles, read_json, tree_files, write_json_atomic
from .locks import exclusive

# Top-level names in a run folder that belong to the system, not to the run's artifacts.
RESERVED_NAMES = frozenset({"run.json", "status.json", "snapshot", "metrics", "meta.jsonl", ".status.lock",
                            "supervisor.log", "status_request.json"})
LOG_DIRS = ("user_logs", "azureml-logs")


class DamagedRecord(ValueError):
    """A run file that cannot be parsed; the message names it."""

    def __init__(self, path: Path, problem: Exception) -> None:
        super().__init__(f"{path} is damaged ({problem}).")
        self.path = path


def run_files(run_path: Path) -> TreeFiles:
    """A run's own files (what get_file_names lists and the files API serves), by the one tree rule."""
    tree = tree_files(run_path)
    def visible(name: str) -> bool:
        top = name.split("/", 1)[0]
        return top not in RESERVED_NAMES and not ("/" not in name and name.startswith("."))
    return TreeFiles([(n, p) for n, p in tree.files if visible(n)], [(n, why) for n, why in tree.skipped if visible(n)])


class RunFolder:
    def __init__(self, path: Path) -> None:
        self.path = path

    # layout -------------------------------------------------------------------------------------
    @property
    def spec_path(self) -> Path:
        return self.path / "run.json"

    @property
    def status_path(self) -> Path:
        return self.path / "status.json"

    @property
    def snapshot_dir(self) -> Path:
        return self.path / "snapshot"

    @property
    def outputs_dir(self) -> Path:
        return self.path / "outputs"

    @property
    def logs_dir(self) -> Path:
        return self.path / "logs"

    @property
    def user_logs_dir(self) -> Path:
        return self.path / "user_logs"

    @property
    def system_logs_dir(self) -> Path:
        return self.path / "azureml-logs"

    @property
    def std_log(self) -> Path:
        return self.user_logs_dir / "std_log.txt"

    @property
    def metrics_dir(self) -> Path:
        return self.path / "metrics"

    @property
    def meta_log(self) -> Path:
        return self.path / "meta.jsonl"

    @property
    def status_request_path(self) -> Path:
        return self.path / "status_request.json"

    def create_layout(self) -> None:
        for folder in (self.outputs_dir, self.logs_dir, self.user_logs_dir, self.system_logs_dir, self.metrics_dir):
            folder.mkdir(parents=True, exist_ok=True)

    def exists(self) -> bool:
        return self.spec_path.exists()

    # spec and status ----------------------------------------------------------------------------
    def read_spec(self) -> dict[str, Any]:
        try:
            return read_json(self.spec_path, {})
        except ValueError as exc:
            raise DamagedRecord(self.spec_path, exc) from None

    def read_status(self) -> dict[str, Any]:
        """status.json; a damaged one (truncated by a crash or a full disk) reads as Failed, saying so."""
        try:
            return read_json(self.status_path, {}) or {"status": RunStatus.NOT_STARTED}
        except ValueError as exc:
            message = (f"{self.status_path} is damaged ({exc}); the run's real outcome is unknown. Its logs, "
                       "metrics and outputs are intact.")
            warnings.warn(message, stacklevel=2)
            return {"status": RunStatus.FAILED, "damaged": True, "error": {"code": "DamagedStatus", "message": message}}

    def _status_lock(self) -> Any:
        return exclusive(self.path / ".status.lock")

    def transition(self, new_status: str, **fields: Any) -> dict[str, Any] | None:
        """Move to `new_status` if legal from the status on disk; returns the new record, or None if refused."""
        with self._status_lock():
            record = self.read_status()
            if not can_transition(record.get("status", RunStatus.NOT_STARTED), new_status):
                return None
            now = time.time()
            record["status"] = new_status
            record.setdefault("history", []).append([new_status, now])
            if new_status == RunStatus.RUNNING and "start_time" not in record:
                record["start_time"] = now
            if new_status in (RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELED):
                record["end_time"] = now
            record.update(fields)
            write_json_atomic(self.status_path, record)
            return record

    def update_status_fields(self, **fields: Any) -> dict[str, Any]:
        """Record handles (pids, exit codes) without changing the status."""
        with self._status_lock():
            record = self.read_status()
            record.update(fields)
            write_json_atomic(self.status_path, record)
            return record

    def write_initial_status(self, record: dict[str, Any]) -> None:
        write_json_atomic(self.status_path, record)

    def append_meta(self, kind: str, data: Any) -> None:
        """Append to meta.jsonl (tags, properties, names): the index can be rebuilt from these lines."""
        line = json.dumps([time.time(), kind, data], default=str) + "\n"
        with open(self.meta_log, "a", encoding="utf-8") as handle:
            handle.write(line)

    def read_meta(self) -> list[list]:
        try:
            with open(self.meta_log, encoding="utf-8", errors="replace") as handle:
                lines = [line for line in handle if line.endswith("\n")]
        except FileNotFoundError:
            return []
        entries, bad = [], 0
        for line in lines:
            try:
                entry = json.loads(line)
            except ValueError:
                bad += 1
                continue
            if isinstance(entry, list) and len(entry) == 3:
                entries.append(entry)
            else:
                bad += 1
        if bad:
            warnings.warn(f"{self.meta_log}: skipped {bad} damaged line(s).", stacklevel=2)
        return entries


def ensure_private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(PermissionError):
        os.chmod(path, 0o700)
    return path
