"""What a server does with runs on a caller's behalf: submit, resubmit, cancel, delete, with the server's policy.

The REST handlers stay thin: they parse HTTP and call this. Deployers swap it through
`EstimatorApp.run_backend_class` (a subclass can, say, queue submissions elsewhere or add checks);
tests swap it to observe what the handlers ask for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from ..core.errors import UserErrorException
from ..core.paths import is_inside
from ..core.submit_request import SubmitRequest
from . import views
from .runs import resubmit_run, submit_run

SUBMITTED_VIA = "jupyter_estimator.submitted_via"  # a property on every run a server created


class RunBackend:
    def __init__(self, workspace: Any, *, source_roots: Iterable[Path], allowed_targets: Iterable[str]) -> None:
        self.workspace = workspace
        self.store = workspace.store
        self.source_roots = [Path(root).resolve() for root in source_roots]
        self.allowed_targets = list(allowed_targets)

    def submit(self, body: Any) -> dict[str, Any]:
        """Validate a REST body against the server's policy, create and start the run; returns its summary."""
        if not isinstance(body, dict):
            raise UserErrorException("body: must be a JSON object describing the run. Fix: see SubmitRequest in openapi.yaml.",
                                     field="body")
        request = SubmitRequest.model_validate(body)
        self.check_source(request)
        self.check_target(request.compute_target)
        return self._record(submit_run(self.workspace, request, caller_owns_source=False))

    def resubmit(self, run_id: str) -> dict[str, Any]:
        views.require_row(self.store, run_id)
        return self._record(resubmit_run(self.workspace, run_id))

    def cancel(self, run_id: str) -> dict[str, Any]:
        return views.cancel_run(self.store, run_id)

    def delete(self, run_id: str) -> None:
        views.delete_run(self.store, run_id)

    # policy ---------------------------------------------------------------------------------------
    def check_source(self, request: SubmitRequest) -> None:
        # A request carrying a snapshot_id names its folder only as a record: the server reads no client path then.
        if request.source_directory is None or request.snapshot_id is not None:
            return
        source = Path(request.source_directory).resolve()
        if not any(is_inside(source, root) for root in self.source_roots):
            raise UserErrorException(f"source_directory: {request.source_directory!r} is outside the folders this server "
                                     f"may snapshot ({[str(r) for r in self.source_roots]}). Fix: submit a "
                                     "folder under the server's root, or set EstimatorApp.allowed_source_roots.",
                                     field="source_directory")

    def check_target(self, name: str) -> None:
        if name == "local" or "*" in self.allowed_targets or name in self.allowed_targets:
            return
        raise UserErrorException(f"compute_target: {name!r} is not allowed on this server "
                                 f"(allowed: {sorted(self.allowed_targets)}). "
                                 "Fix: ask the server's admin to add it to EstimatorApp.allowed_targets.", field="compute_target")

    def _record(self, run_id: str) -> dict[str, Any]:
        self.store.runs.add_properties(run_id, {SUBMITTED_VIA: "server"})
        self.store.run_folder(run_id).append_meta("properties", {SUBMITTED_VIA: "server"})
        return views.run_summary(self.store, self.store.runs.get(run_id), with_details=True)
