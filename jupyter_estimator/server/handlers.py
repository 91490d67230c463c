"""REST handlers for runs under `{base_url}estimator/api/`, and the route table. Every method is @authenticated
then @authorized (resource "estimator"; submit and cancel need "execute"). Errors are JSON (server/errors.py)."""

from __future__ import annotations

import asyncio
import mimetypes

from jupyter_server.auth.decorator import authorized
from tornado import web

from .._version import __version__
from ..service import views
from ..store.files import safe_relative
from .handlers_base import RESOURCE, EstimatorHandler  # noqa: F401 (RESOURCE: re-exported)
from .registry_handlers import (ComputeTargetsHandler, EnvironmentsHandler, ModelFileHandler, ModelHandler,
                                ModelsHandler)

class WorkspaceHandler(EstimatorHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        ws = self.estimator.workspace
        self.write_json({"name": ws.name, "path": ws.path, "version": __version__,
                         "settings": await self.blocking(ws.store.settings),
                         "allowed_targets": list(self.estimator.allowed_targets)})


class ExperimentsHandler(EstimatorHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.write_json({"experiments": await self.blocking(views.list_experiments, self.store)})


class RunsHandler(EstimatorHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.write_json(await self.blocking(
            views.list_runs, self.store, experiment=self.get_argument("experiment", None), status=self.get_argument("status", None),
            tags=self.get_arguments("tag"), properties=self.get_arguments("property"),
            parent=self.get_argument("parent", None), include_children=self.bool_argument("include_children"),
            limit=self.int_argument("limit", 50), offset=self.int_argument("offset", 0),
            sort=self.get_argument("sort", "-created_time"), since=self.float_argument("since"),
            until=self.float_argument("until"), search=self.get_argument("search", None),
            with_total=self.bool_argument("total")))

    @web.authenticated
    @authorized(action="execute")
    async def post(self) -> None:
        # Snapshotting a large project takes a moment: on a worker thread, never the event loop.
        summary = await self.blocking(self.estimator.run_backend.submit, self.json_body())
        self.estimator.watcher.poke()  # announce it without waiting for the next tick
        self.write_json(summary, status=201)


class RunHandler(EstimatorHandler):
    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        self.write_json(await self.blocking(lambda: views.run_summary(self.store, views.require_row(self.store, run_id),
                                                                      with_details=True)))

    @web.authenticated
    @authorized
    async def delete(self, run_id: str) -> None:
        await self.blocking(self.estimator.run_backend.delete, run_id)
        self.set_status(204)
        self.finish()


class CancelHandler(EstimatorHandler):
    @web.authenticated
    @authorized(action="execute")
    async def post(self, run_id: str) -> None:
        self.write_json(await self.blocking(self.estimator.run_backend.cancel, run_id), status=202)


class ResubmitHandler(EstimatorHandler):
    @web.authenticated
    @authorized(action="execute")
    async def post(self, run_id: str) -> None:
        summary = await self.blocking(self.estimator.run_backend.resubmit, run_id)
        self.estimator.watcher.poke()
        self.write_json(summary, status=201)


class LogsHandler(EstimatorHandler):
    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        """A chunk from `offset`; with `wait=S`, holds the request up to S seconds until there is more."""
        file = self.get_argument("file", "user_logs/std_log.txt")
        offset = self.int_argument("offset", 0)
        limit = self.int_argument("limit", views.MAX_LOG_CHUNK)
        wait = min(max(self.float_argument("wait") or 0.0, 0.0), 30.0)
        chunk = await self.blocking(views.read_log, self.store, run_id, file, offset, limit)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        folder = self.store.run_folder(run_id)
        while not chunk["data"] and not chunk["eof"] and loop.time() < deadline:
            # Woken by the one poller when the file grows or the run's status changes; nothing re-read meanwhile.
            await self.estimator.log_waiters.wait(folder.path / safe_relative(file, "file"), offset, folder.status_path,
                                                  deadline - loop.time())
            chunk = await self.blocking(views.read_log, self.store, run_id, file, offset, limit)
        self.write_json(chunk)


class MetricsHandler(EstimatorHandler):
    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        self.write_json(await self.blocking(views.read_metrics, self.store, run_id, self.int_argument("after", 0),
                                            self.get_argument("name", None),
                                            self.int_argument("limit", views.MAX_METRIC_RECORDS)))


class SeriesHandler(EstimatorHandler):
    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        self.write_json(await self.blocking(views.metric_series, self.store, run_id, self.get_arguments("name") or None,
                                            self.int_argument("points", 1000)))


class FilesHandler(EstimatorHandler):
    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        self.write_json({"files": await self.blocking(views.list_files, self.store, run_id)})


class FileHandler(EstimatorHandler):
    @web.authenticated
    @authorized
    async def get(self, run_id: str, path: str) -> None:
        target = await self.blocking(views.file_path, self.store, run_id, path)
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        self.set_header("Content-Type", content_type)
        self.set_header("Content-Disposition", f'attachment; filename="{target.name}"')
        self.set_header("Content-Length", str(target.stat().st_size))
        self.set_header("X-Content-Type-Options", "nosniff")
        with open(target, "rb") as handle:
            while chunk := await self.blocking(handle.read, 1024 * 1024):
                self.write(chunk)
                await self.flush()
        self.finish()


class ChildrenHandler(EstimatorHandler):
    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        limit, offset = self.int_argument("limit", 100), self.int_argument("offset", 0)
        await self.blocking(views.require_row, self.store, run_id)
        self.write_json(await self.blocking(views.list_runs, self.store, parent=run_id, include_children=True,
                                            limit=limit, offset=offset))


RUN = r"(?P<run_id>[^/]+)"


def routes(prefix: str) -> list[tuple[str, type]]:
    return [
        (f"{prefix}/workspace", WorkspaceHandler),
        (f"{prefix}/experiments", ExperimentsHandler),
        (f"{prefix}/runs", RunsHandler),
        (f"{prefix}/runs/{RUN}", RunHandler),
        (f"{prefix}/runs/{RUN}/cancel", CancelHandler),
        (f"{prefix}/runs/{RUN}/resubmit", ResubmitHandler),
        (f"{prefix}/runs/{RUN}/logs", LogsHandler),
        (f"{prefix}/runs/{RUN}/metrics", MetricsHandler),
        (f"{prefix}/runs/{RUN}/metrics/series", SeriesHandler),
        (f"{prefix}/runs/{RUN}/files", FilesHandler),
        (f"{prefix}/runs/{RUN}/files/(?P<path>.+)", FileHandler),
        (f"{prefix}/runs/{RUN}/children", ChildrenHandler),
        (f"{prefix}/models", ModelsHandler),
        (f"{prefix}/models/(?P<name>[^/]+)", ModelHandler),
        (f"{prefix}/models/(?P<name>[^/]+)/versions/(?P<version>[^/]+)", ModelHandler),
        (f"{prefix}/models/(?P<name>[^/]+)/versions/(?P<version>[^/]+)/files/(?P<path>.+)", ModelFileHandler),
        (f"{prefix}/environments", EnvironmentsHandler),
        (f"{prefix}/compute-targets", ComputeTargetsHandler),
    ]
