"""`EstimatorApp`: the server extension. Hosts the job runner and run history; runs are *not* stopped
with the server (their supervisors are detached), and are reconciled when it starts."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path
from typing import Any

from jupyter_server.extension.application import ExtensionApp
from traitlets import Float, Integer, List, Type, Unicode

from ..client.workspace import Workspace
from ..service.run_backend import RunBackend
from ..core.errors import StoreError
from ..store.index import set_process_busy_timeout
from .handlers import routes
from .log_waiters import LogWaiters
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
    index_busy_timeout = Float(5.0, config=True,
                               help="Seconds a request waits for another process's write lock on the index before "
                                    "answering 503 (busy, retry).")
    tensorboard_manager_class = Type(TensorboardManager, klass=TensorboardManager, config=True,
                                     help="The TensorBoard manager (a subclass of TensorboardManager): swap it to change "
                                          "how TensorBoards are started or proxied.")
    run_backend_class = Type(RunBackend, klass=RunBackend, config=True,
                             help="What the REST API's submit, resubmit, cancel and delete call (a subclass of "
                                  "jupyter_estimator.service.run_backend.RunBackend): swap it to change how runs start.")
    status_watcher_class = Type(StatusWatcher, klass=StatusWatcher, config=True,
                                help="The status watcher (a subclass of StatusWatcher) that announces run status changes.")
    _recovering = threading.Lock()

    def initialize_settings(self) -> None:
        self.watcher = None
        self.tensorboards = None
        self.degraded: str | None = None
        self._started = False
        set_process_busy_timeout(int(self.index_busy_timeout * 1000))
        self.settings.update({"jupyter_estimator": self})
        self.log_waiters = LogWaiters()
        event_logger = self.serverapp.event_logger
        if SCHEMA_ID not in event_logger.schemas.schema_ids:
            event_logger.register_event_schema(EVENT_SCHEMA)
        roots = self.allowed_source_roots or [self.serverapp.root_dir]
        self.source_roots = [Path(os.path.expanduser(r)).resolve() for r in roots]
        try:
            self._open_workspace()
        except StoreError as exc:
            # Loaded but degraded: the API says what is wrong and how to fix it, and recovers once it is fixed.
            self.degraded = str(exc)
            self.log.error("jupyter_estimator: %s", exc)

    def try_recover(self) -> str | None:
        """For a degraded extension: open the workspace again; None once it works, else what is still wrong."""
        with self._recovering:
            if self.degraded is None:
                return None
            from ..store.index import reset_connections
            reset_connections()
            try:
                self._open_workspace()
            except StoreError as exc:
                self.degraded = str(exc)
                return self.degraded
            self.degraded = None
            self.log.info("jupyter_estimator: the workspace opens again; leaving degraded mode")
            if self._started:
                self.serverapp.io_loop.add_callback(self._start_background)
            return None

    def _open_workspace(self) -> None:
        self.workspace = Workspace(path=self.workspace_path) if self.workspace_path else Workspace(path=_default_path())
        if self.max_concurrent_runs is not None:
            self.workspace.set_settings(max_concurrent_runs=self.max_concurrent_runs)
        # Kernels started by this server inherit this, so their SDK opens the same workspace.
        os.environ["JUPYTER_ESTIMATOR_HOME"] = self.workspace.path
        self.workspace.reconcile()
        self.run_backend = self.run_backend_class(self.workspace, source_roots=self.source_roots,
                                                  allowed_targets=self.allowed_targets)
        self.tensorboards = self.tensorboard_manager_class(self.workspace.store, self.serverapp.base_url,
                                                           self.tensorboard_idle_seconds)
        self._reap_stray_tensorboards()  # left by a server that was killed: stopped, temp folders removed
        self.watcher = self.status_watcher_class(self.workspace.store, self._emit, self._mark_activity,
                                                 self.status_poll_interval)
        self.log.info("jupyter_estimator: workspace %s", self.workspace.path)

    def initialize_handlers(self) -> None:
        self.handlers.extend(routes("/" + API_PREFIX))  # ExtensionApp prepends the server's base_url
        self.handlers.extend(tensorboard_routes("/" + API_PREFIX, "/" + PROXY_PREFIX))

    def _emit(self, data: dict[str, Any]) -> None:
        self.serverapp.event_logger.emit(schema_id=SCHEMA_ID, data=data)

    def _mark_activity(self, when: Any) -> None:
        self.serverapp.web_app.settings["estimator_last_activity"] = when

    async def _start_jupyter_server_extension(self, serverapp: Any) -> None:
        self._started = True
        if self.degraded is None:
            self._start_background()

    def _start_background(self) -> None:
        self.watcher.start()
        from tornado.ioloop import PeriodicCallback
        self._reaper = PeriodicCallback(self._reap_tensorboards, 60_000)  # awaited: one sweep at a time
        self._reaper.start()

    async def _reap_tensorboards(self) -> None:
        # Stopping a TensorBoard waits for it (up to 10 s each): off the event loop, which keeps serving.
        await asyncio.get_running_loop().run_in_executor(None, self._reap_tensorboards_blocking)

    def _reap_tensorboards_blocking(self) -> None:
        try:
            self.tensorboards.reap_idle()
        except Exception:  # noqa: BLE001 - a failed sweep must not stop the next one
            self.log.exception("jupyter_estimator: stopping idle TensorBoards failed")
        self._reap_stray_tensorboards()

    def _reap_stray_tensorboards(self) -> None:
        try:
            for stray in self.tensorboards.reap_strays():
                self.log.info("jupyter_estimator: removed TensorBoard pid %s left by a server that is gone (%s)%s",
                              stray.get("pid"), stray.get("temp_dir"), ", still running: stopped" if stray["killed"] else "")
        except Exception:  # noqa: BLE001 - strays left behind must not keep the server from starting
            self.log.exception("jupyter_estimator: removing TensorBoards left behind failed")

    async def stop_extension(self) -> None:
        # Our own background work and TensorBoards stop; runs keep going under their detached supervisors.
        # Whatever did not start (a degraded start) is simply not there to stop; one that fails to stop is
        # logged and the others are still stopped.
        for label, attribute, method in (("status watcher", "watcher", "stop"), ("TensorBoard reaper", "_reaper", "stop"),
                                         ("TensorBoards", "tensorboards", "stop_all")):
            service = getattr(self, attribute, None)
            if service is None:
                continue
            try:
                result = getattr(service, method)()
                if asyncio.iscoroutine(result):
                    await result
            except Exception:
                self.log.exception("jupyter_estimator: stopping the %s failed; stopping the rest", label)


def _default_path() -> str:
    from ..store.workspace_store import default_home
    return str(default_home())
