"""REST handlers under `{base_url}estimator/api/`. Every method is @authenticated then @authorized
(resource "estimator"; submit and cancel need "execute"). Errors are JSON with 4xx codes."""

from __future__ import annotations

import asyncio
import errno
import functools
from concurrent.futures import ThreadPoolExecutor
import json
import math
import mimetypes
import sqlite3
from pathlib import Path
from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from pydantic import ValidationError
from tornado import web

from .._version import __version__
from ..client.compute import list_compute_targets
from ..client.model import Model
from ..core.environment import Environment
from ..core.errors import (ComputeTargetException, EstimatorError, ModelNotFoundException, RunNotFoundException,
                           NoSpaceLeft, StoreError, UserErrorException)
from ..core.limits import MAX_QUERY_INT
from ..core.submit_request import SubmitRequest
from ..service import views
from ..service.runs import submit_run

_WORKERS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="estimator-io")
MAX_BODY_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 64
RESOURCE = "estimator"
SUBMITTED_VIA = "jupyter_estimator.submitted_via"


class EstimatorHandler(APIHandler):
    auth_resource = RESOURCE

    @property
    def estimator(self) -> Any:
        return self.settings["jupyter_estimator"]

    @property
    def store(self) -> Any:
        return self.estimator.workspace.store

    async def prepare(self) -> None:
        await super().prepare()
        # A damaged workspace leaves the extension loaded but degraded: signed-in callers are told what is wrong
        # and how to fix it (503), and each request tries again, so a repair needs no server restart.
        if getattr(self.estimator, "degraded", None) and self.current_user is not None:
            problem = await self.blocking(self.estimator.try_recover)
            if problem:
                raise StoreError(problem, field="index")

    async def blocking(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        """File scans and SQLite calls run on a worker thread: a slow read or another process holding the
        write lock delays this request, never the server's event loop (and so no other request)."""
        return await asyncio.get_running_loop().run_in_executor(_WORKERS, functools.partial(function, *args, **kwargs))

    def write_json(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        try:
            text = json.dumps(data, default=str, allow_nan=False)
        except ValueError:  # a NaN or ±inf somewhere (a logged metric): sent as "NaN"/"Infinity", never bare
            text = json.dumps(views.json_safe_deep(data), default=str, allow_nan=False)
        self.finish(text)

    def json_body(self) -> Any:
        body = self.request.body or b""
        if len(body) > MAX_BODY_BYTES:
            raise web.HTTPError(413, reason="Request body too large")
        text = body.decode("utf-8", errors="replace")
        if _nesting_depth(text) > MAX_JSON_DEPTH:  # json.loads would recurse until RecursionError (a 500)
            raise UserErrorException(f"body: nests deeper than {MAX_JSON_DEPTH} levels. Fix: send a flat JSON object "
                                     "as described in openapi.yaml.", field="body")
        try:
            return json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise UserErrorException(f"body: is not valid JSON ({exc}). Fix: send a JSON object.", field="body") from None

    def int_argument(self, name: str, default: int) -> int:
        raw = self.get_argument(name, None)
        if raw is None:
            return default
        try:
            value = int(raw) if len(raw) <= 20 else None
        except ValueError:
            value = None
        if value is None or not -MAX_QUERY_INT <= value <= MAX_QUERY_INT:
            raise UserErrorException(f"{name}: must be an integer of at most {MAX_QUERY_INT} (got {raw[:40]!r}). "
                                     f"Fix: pass e.g. {name}={default}.", field=name)
        return value

    def float_argument(self, name: str) -> float | None:
        raw = self.get_argument(name, None)
        if raw is None:
            return None
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise UserErrorException(f"{name}: must be a finite number (got {raw[:40]!r}). Fix: pass e.g. {name}=1700000000.",
                                     field=name)
        return value

    def bool_argument(self, name: str) -> bool:
        raw = (self.get_argument(name, "false") or "").lower()
        if raw not in ("true", "false", "1", "0", "yes", "no"):
            raise UserErrorException(f"{name}: must be true or false (got {raw!r}).", field=name)
        return raw in ("true", "1", "yes")

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        message = getattr(exc, "log_message", None) or getattr(exc, "reason", None) or self._reason
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"message": message, "reason": self._reason}))

    def _handle_request_exception(self, e: BaseException) -> None:
        status, field = _status_for(e)
        if status is None:
            return super()._handle_request_exception(e)
        if self._finished:
            return
        body: dict[str, Any] = {"message": _message(e), "reason": type(e).__name__}
        if field:
            body["field"] = field
        self.clear()
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body, default=str))


def _nesting_depth(text: str) -> int:
    """How deep brackets nest, ignoring those inside strings (linear, no recursion)."""
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:  # the usual body: counted in C, no loop
        return 0
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _status_for(exc: BaseException) -> tuple[int | None, str | None]:
    field = getattr(exc, "field", None)
    if isinstance(exc, web.HTTPError):
        return None, None
    if isinstance(exc, views.Conflict):
        return 409, field
    if isinstance(exc, (RunNotFoundException, ModelNotFoundException)):
        return 404, field
    if isinstance(exc, ComputeTargetException):
        return 400, field or "compute_target"
    if isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc)):
        return 503, "index"
    if isinstance(exc, NoSpaceLeft) or (isinstance(exc, OSError) and exc.errno == errno.ENOSPC):
        return 507, field or "workspace"
    if isinstance(exc, StoreError):
        return 503, field or "index"
    if isinstance(exc, ValidationError):
        errors = exc.errors()
        return 400, ".".join(str(p) for p in errors[0]["loc"]) if errors else None
    if isinstance(exc, (EstimatorError, ValueError)):
        return 400, field
    return None, None


def _message(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return str(NoSpaceLeft(exc.filename or "the workspace", "the request could not be completed"))
    if isinstance(exc, sqlite3.OperationalError):
        return ("The workspace index is busy: another process has held its write lock for longer than this server "
                "waits. Fix: retry in a moment; if it persists, look for a process stuck writing to the workspace.")
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()[:5]) + \
            ". Fix: see the request schema in openapi.yaml."
    return str(exc)


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
        self.write_json({"experiments": await self.blocking(self.store.index.experiments_with_counts)})


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
        body = self.json_body()
        if not isinstance(body, dict):
            raise UserErrorException("body: must be a JSON object describing the run. Fix: see SubmitRequest in openapi.yaml.", field="body")
        request = SubmitRequest.model_validate(body)
        # A request carrying a snapshot_id names its folder only as a record: the server reads no client path then.
        reads_path = request.source_directory is not None and request.snapshot_id is None
        source = Path(request.source_directory).resolve() if reads_path else None
        if source is not None and not any(source == root or root in source.parents for root in self.estimator.source_roots):
            raise UserErrorException(f"source_directory: {request.source_directory!r} is outside the folders this server "
                                     f"may snapshot ({[str(r) for r in self.estimator.source_roots]}). Fix: submit a "
                                     "folder under the server's root, or set EstimatorApp.allowed_source_roots.",
                                     field="source_directory")
        if request.compute_target not in self.estimator.allowed_targets and request.compute_target != "local" \
                and "*" not in self.estimator.allowed_targets:
            raise UserErrorException(f"compute_target: {request.compute_target!r} is not allowed on this server "
                                     f"(allowed: {sorted(self.estimator.allowed_targets)}). "
                                     "Fix: ask the server's admin to add it to EstimatorApp.allowed_targets.", field="compute_target")
        # Snapshotting a large project takes a moment: keep the event loop free meanwhile.
        run_id = await asyncio.get_event_loop().run_in_executor(
            None, functools.partial(submit_run, self.estimator.workspace, request, caller_owns_source=False))
        summary = await self.blocking(_record_server_submission, self.store, run_id)
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
        await self.blocking(views.delete_run, self.store, run_id)
        self.set_status(204)
        self.finish()


class CancelHandler(EstimatorHandler):
    @web.authenticated
    @authorized(action="execute")
    async def post(self, run_id: str) -> None:
        self.write_json(await self.blocking(views.cancel_run, self.store, run_id), status=202)


class ResubmitHandler(EstimatorHandler):
    @web.authenticated
    @authorized(action="execute")
    async def post(self, run_id: str) -> None:
        from ..service.runs import resubmit_run
        await self.blocking(views.require_row, self.store, run_id)
        new_id = await self.blocking(resubmit_run, self.estimator.workspace, run_id)
        summary = await self.blocking(_record_server_submission, self.store, new_id)
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
        deadline = asyncio.get_event_loop().time() + wait
        while not chunk["data"] and not chunk["eof"] and asyncio.get_event_loop().time() < deadline:
            await asyncio.sleep(0.02)
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


class ModelsHandler(EstimatorHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        models = await self.blocking(Model.list, self.estimator.workspace, name=self.get_argument("name", None),
                                     latest=self.bool_argument("latest"))
        self.write_json({"models": [m.serialize() for m in models]})


class ModelHandler(EstimatorHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str, version: str | None = None) -> None:
        if version is None:
            versions = await self.blocking(Model.list, self.estimator.workspace, name=name)
            if not versions:
                raise ModelNotFoundException(f"name: no model named {name!r}. Fix: list models with GET models.", field="name")
            self.write_json({"name": name, "versions": [m.serialize() for m in versions]})
            return
        if not version.isdigit():
            raise UserErrorException(f"version: must be a number (got {version!r}).", field="version")
        model = await self.blocking(Model, self.estimator.workspace, name=name, version=int(version))
        from ..store.files import tree_files
        files = [name for name, _ in (await self.blocking(tree_files, model._folder)).files]
        self.write_json({**model.serialize(), "files": files})


class ModelFileHandler(EstimatorHandler):
    @web.authenticated
    @authorized
    async def get(self, name: str, version: str, path: str) -> None:
        from ..store.files import resolve_inside, safe_relative
        if not version.isdigit():
            raise UserErrorException(f"version: must be a number (got {version!r}).", field="version")
        model = await self.blocking(Model, self.estimator.workspace, name=name, version=int(version))
        target = resolve_inside(model._folder, safe_relative(path, "path"), "path")
        if not target.is_file():
            raise ModelNotFoundException(f"path: model {model.id} has no file {path!r}.", field="path")
        self.set_header("Content-Type", "application/octet-stream")
        self.set_header("Content-Disposition", f'attachment; filename="{target.name}"')
        with open(target, "rb") as handle:
            while chunk := await self.blocking(handle.read, 1024 * 1024):
                self.write(chunk)
                await self.flush()
        self.finish()


class EnvironmentsHandler(EstimatorHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        envs = await self.blocking(Environment.list, self.estimator.workspace)
        self.write_json({"environments": [{**env._to_spec(), "version": env.version} for env in envs.values()]})


class ComputeTargetsHandler(EstimatorHandler):
    @web.authenticated
    @authorized
    def get(self) -> None:
        targets = [{"name": t.name, "type": t.type, "available": True, "reason": None}
                   for t in list_compute_targets(self.estimator.workspace).values()]
        for kind, reason in (("docker", "the Docker target is not available in this version"),
                             ("ray", "the Ray target is not available in this version")):
            targets.append({"name": kind, "type": kind.capitalize(), "available": False, "reason": reason})
        self.write_json({"compute_targets": targets})


def _record_server_submission(store: Any, run_id: str) -> dict[str, Any]:
    store.index.add_properties(run_id, {SUBMITTED_VIA: "server"})
    store.run_folder(run_id).append_meta("properties", {SUBMITTED_VIA: "server"})
    return views.run_summary(store, store.index.run_row(run_id), with_details=True)


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
