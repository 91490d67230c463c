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
from .tensorboard_handlers import tensorboard_routes
from .tensorboard_manager import PROXY_PREFIX, TensorboardManager

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
    tensorboard_idle_seconds = Float(1800.0, config=True, help="Stop a TensorBoard nobody has used for this long.")
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
        self.tensorboards = TensorboardManager(self.workspace.store, self.serverapp.base_url, self.tensorboard_idle_seconds)
        self.watcher = StatusWatcher(self.workspace.store, self._emit, self._mark_activity, self.status_poll_interval)
        roots = self.allowed_source_roots or [self.serverapp.root_dir]
        self.source_roots = [Path(os.path.expanduser(r)).resolve() for r in roots]
        self.settings.update({"jupyter_estimator": self})
        self.log.info("jupyter_estimator: workspace %s", self.workspace.path)

    def initialize_handlers(self) -> None:
        self.handlers.extend(routes("/" + API_PREFIX))  # ExtensionApp prepends the server's base_url
        self.handlers.extend(tensorboard_routes("/" + API_PREFIX, "/" + PROXY_PREFIX))

    def _emit(self, data: dict[str, Any]) -> None:
        self.serverapp.event_logger.emit(schema_id=SCHEMA_ID, data=data)

    def _mark_activity(self, when: Any) -> None:
        self.serverapp.web_app.settings["estimator_last_activity"] = when

    async def _start_jupyter_server_extension(self, serverapp: Any) -> None:
        self.watcher.start()
        from tornado.ioloop import PeriodicCallback
        self._reaper = PeriodicCallback(self.tensorboards.reap_idle, 60_000)
        self._reaper.start()

    async def stop_extension(self) -> None:
        # Our own background work and TensorBoards stop; runs keep going under their detached supervisors.
        await self.watcher.stop()
        if getattr(self, "_reaper", None) is not None:
            self._reaper.stop()
        self.tensorboards.stop_all()


def _default_path() -> str:
    from ..store.workspace_store import default_home
    return str(default_home())
