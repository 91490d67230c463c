"""The base of every REST handler: JSON in and out, bounded query numbers, work off the event loop, and the
error table applied to whatever a handler raises."""

from __future__ import annotations

import asyncio
import functools
import json
import math
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from jupyter_server.base.handlers import APIHandler
from tornado import web

from ..core.errors import StoreError, UserErrorException
from ..core.limits import MAX_QUERY_INT
from ..core.series import json_safe
from .errors import message_for, status_for

_WORKERS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="estimator-io")
MAX_BODY_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 64
RESOURCE = "estimator"


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
            text = json.dumps(json_safe(data), default=str, allow_nan=False)
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
        status, field = status_for(e)
        if status is None:
            return super()._handle_request_exception(e)
        if self._finished:
            return
        body: dict[str, Any] = {"message": message_for(e), "reason": type(e).__name__}
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
