"""`EstimatorApp`: the server extension. Hosts the job runner and run history; runs are *not* stopped
with the server (their supervisors are detached), and are reconciled when it starts."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from jupyter_server.extension.application import ExtensionApp
from traitlets import Float, Integer, List, Unicode

from ..client.workspace import Workspace
from .handlers import routes
from .status_watcher import SCHEMA_ID, StatusWatcher

EVENT_SCHEMA = Path(__file__).parent / "events" / "run_status.yaml"
API_PREFIX = "estimator/api"


class EstimatorApp(ExtensionApp):
    name = "jupyter_estimator"
    load_other_extensions = True

    workspace_path = Unicode(None, allow_none=True, config=True,
                             help="Workspace folder; default $JUPYTER_ESTIMATOR_HOME or <jupyter data dir>/estimator.")
    max_concurrent_runs = Integer(None, allow_none=True, config=True,
                                  help="Runs allowed at once in this workspace (others wait as Queued); None keeps the workspace setting.")
    allowed_targets = List(Unicode(), default_value=["*"], config=True,
                           help="Compute targets that REST submissions may use; '*' allows every registered target.")
    allowed_source_roots = List(Unicode(), default_value=[], config=True,
                                help="Folders REST submissions may snapshot (and any folder inside them); "
                                     "default: the server's root_dir.")
    status_poll_interval = Float(0.25, config=True, help="Seconds between checks for run status changes.")

    def initialize_settings(self) -> None:
        self.workspace = Workspace(path=self.workspace_path) if self.workspace_path else Workspace(path=_default_path())
        if self.max_concurrent_runs is not None:
            self.workspace.set_settings(max_concurrent_runs=self.max_concurrent_runs)
        # Kernels started by this server inherit this, so their SDK opens the same workspace.
        os.environ["JUPYTER_ESTIMATOR_HOME"] = self.workspace.path
        self.workspace.reconcile()
        event_logger = self.serverapp.event_logger
        if SCHEMA_ID not in event_logger.schemas.schema_ids:
            event_logger.register_event_schema(EVENT_SCHEMA)
        self.watcher = StatusWatcher(self.workspace.store, self._emit, self._mark_activity, self.status_poll_interval)
        roots = self.allowed_source_roots or [self.serverapp.root_dir]
        self.source_roots = [Path(os.path.expanduser(r)).resolve() for r in roots]
        self.settings.update({"jupyter_estimator": self})
        self.log.info("jupyter_estimator: workspace %s", self.workspace.path)

    def initialize_handlers(self) -> None:
        self.handlers.extend(routes("/" + API_PREFIX))  # ExtensionApp prepends the server's base_url

    def _emit(self, data: dict[str, Any]) -> None:
        self.serverapp.event_logger.emit(schema_id=SCHEMA_ID, data=data)

    def _mark_activity(self, when: Any) -> None:
        self.serverapp.web_app.settings["estimator_last_activity"] = when

    async def _start_jupyter_server_extension(self, serverapp: Any) -> None:
        self.watcher.start()

    async def stop_extension(self) -> None:
        # Only our own background work stops; runs keep going under their detached supervisors.
        await self.watcher.stop()


def _default_path() -> str:
    from ..store.workspace_store import default_home
    return str(default_home())
