"""TensorBoard over the server: the API that starts and stops instances, and the authenticated proxy.

The proxy forwards only to ports the manager started (it never takes a port from the request). Jupyter's
credentials never reach TensorBoard: it drops Cookie and Authorization, and `token` and `_xsrf` from the query
(every other query parameter is passed on as sent), before forwarding, and Set-Cookie on the way back. It
redirects the bare instance URL to its trailing-slash form. TensorBoard's front end fetches some data with POST and no
Jupyter XSRF token: those are read-only queries, so a POST is accepted without the token only for
`data/` paths (also under `experiment/<id>/`) and only when the browser says it comes from this same origin.

TensorBoard's page asks for some files by absolute path (`/font-roboto/…` in its CSS, `/tf-imports/vs` for the
debugger's editor), which `--path_prefix` does not cover: outside the proxy they would 404. The proxy rewrites
those references in the HTML, CSS and JavaScript it passes on so that they point under the instance's own
prefix, and so through this authenticated proxy. It also adds one script of ours to the page that switches
TensorBoard's front-end auto-reload on (TensorBoard ships with it off) unless the user has chosen otherwise,
so a live run's new scalars appear without a manual refresh.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any
from urllib.parse import unquote_plus, urlparse

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import JupyterHandler
from tornado import httpclient, web

from ..core.errors import UserErrorException
from ..tensorboard import NoTensorboardLogs
from .handlers_base import RESOURCE, EstimatorHandler

# TensorBoard's read-only data queries: data/… and experiment/<id>/data/…
DATA_PATH = re.compile(r"^(experiment/[^/]+/)?data/")
HOP_HEADERS = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
               "transfer-encoding", "upgrade", "host", "content-length"}
DROPPED_REQUEST_HEADERS = HOP_HEADERS | {"cookie", "authorization", "x-xsrftoken", "x-csrftoken"}
DROPPED_RESPONSE_HEADERS = HOP_HEADERS | {"set-cookie", "content-encoding"}
DROPPED_QUERY_PARAMETERS = {"token", "_xsrf"}  # Jupyter's credentials: TensorBoard never needs them


def forwarded_query(query: str) -> str:
    """`query` without Jupyter's credentials (`token`, `_xsrf`, however encoded, each occurrence); every other
    parameter is kept as sent: same order, same encoding, repeated ones repeated."""
    kept = [part for part in query.split("&")
            if part and unquote_plus(part.split("=", 1)[0]) not in DROPPED_QUERY_PARAMETERS]
    return "&".join(kept)


def forward_url(port: int, prefix: str, path: str, query: str) -> str:
    """The URL the proxy asks TensorBoard for: always 127.0.0.1 and the instance's port, never the request's."""
    url = f"http://127.0.0.1:{port}{prefix}/{path}"
    query = forwarded_query(query)
    return url + "?" + query if query else url

# Served by the proxy itself (never forwarded): turns TensorBoard's front-end auto-reload on by default.
AUTORELOAD_PATH = "_estimator/autoreload.js"
AUTORELOAD_SETTINGS_KEY = "_tb_global_settings"  # where TensorBoard's front end keeps its settings
AUTORELOAD_SCRIPT = """(function () {
  // TensorBoard's "Reload data" setting is off unless chosen; a live run should update on its own.
  // A choice the user made in TensorBoard's settings (autoReload true or false) is kept.
  try {
    var key = "%s";
    var settings = JSON.parse(window.localStorage.getItem(key) || "{}");
    if (!settings || typeof settings !== "object" || Array.isArray(settings)) { settings = {}; }
    if (typeof settings.autoReload !== "boolean") {
      settings.autoReload = true;
      window.localStorage.setItem(key, JSON.stringify(settings));
    }
  } catch (error) { /* no storage: TensorBoard keeps its own default */ }
})();
""" % AUTORELOAD_SETTINGS_KEY

# Root-relative references in HTML and CSS: url(/x), url('/x'), src="/x", href='/x' (not protocol-relative //x).
ROOT_REFERENCE = re.compile(rb"""(url\(\s*['"]?|(?:src|href)\s*=\s*['"])/(?!/)""", re.IGNORECASE)
# Root-relative file paths in TensorBoard's JavaScript (the debugger's editor loader).
SCRIPT_ROOT_REFERENCE = re.compile(rb"""(["'])/(tf-imports/)""")
SCRIPT_TAG = re.compile(rb"<script\b", re.IGNORECASE)


def rewrite_root_references(body: bytes, content_type: str, prefix: str) -> bytes:
    """Point the root-relative references in TensorBoard's `body` under `prefix` (the instance's path prefix,
    e.g. /user/x/estimator/tensorboard/<key>), so that the browser fetches them through the proxy."""
    kind = content_type.split(";")[0].strip().lower()
    target = prefix.rstrip("/").encode()
    own = target.lstrip(b"/") + b"/"

    def under_prefix(match: re.Match) -> bytes:
        rest = match.string[match.end():match.end() + len(own)]
        return match.group(0) if rest == own else match.group(1) + target + b"/"

    if kind in ("text/html", "text/css"):
        body = ROOT_REFERENCE.sub(under_prefix, body)
    if kind == "text/html":
        tag = b'<script src="' + target + b"/" + AUTORELOAD_PATH.encode() + b'"></script>'
        first = SCRIPT_TAG.search(body)  # before TensorBoard's own script, which reads the settings at start
        body = body[:first.start()] + tag + body[first.start():] if first else body + tag
    elif kind in ("application/javascript", "text/javascript", "application/x-javascript"):
        body = SCRIPT_ROOT_REFERENCE.sub(lambda m: m.group(1) + target + b"/" + m.group(2), body)
    return body


class TensorboardsHandler(EstimatorHandler):
    @web.authenticated
    @authorized
    def get(self) -> None:
        self.write_json({"tensorboards": self.estimator.tensorboards.describe_all()})

    @web.authenticated
    @authorized(action="execute")
    async def post(self) -> None:
        body = self.json_body()
        if not isinstance(body, dict) or set(body) - {"runs"}:
            raise UserErrorException('body: expected {"runs": [run ids]}. Fix: send the ids of the runs to show.', field="body")
        manager = self.estimator.tensorboards
        try:
            instance = await asyncio.get_running_loop().run_in_executor(None, manager.start, body.get("runs"))
        except NoTensorboardLogs as exc:  # a message for the panel instead of an empty TensorBoard
            self.write_json({"message": str(exc), "reason": type(exc).__name__, "field": exc.field,
                             "runs_without_logs": exc.run_ids}, status=400)
            return
        self.write_json(instance.describe(self.base_url), status=201)


class TensorboardHandler(EstimatorHandler):
    @web.authenticated
    @authorized(action="execute")
    def delete(self, key: str) -> None:
        if not self.estimator.tensorboards.stop(key):
            from ..core.errors import RunNotFoundException
            raise RunNotFoundException(f"id: no TensorBoard {key!r} is running.", field="id")
        self.set_status(204)
        self.finish()


class TensorboardProxyHandler(JupyterHandler):
    auth_resource = RESOURCE
    SUPPORTED_METHODS = ("GET", "POST", "HEAD")

    def check_xsrf_cookie(self) -> None:
        path = self.path_kwargs.get("path", "") or ""
        if self.request.method == "POST" and DATA_PATH.match(path) and self._same_origin():
            return None
        return super().check_xsrf_cookie()

    def _same_origin(self) -> bool:
        source = self.request.headers.get("Origin") or self.request.headers.get("Referer")
        return bool(source) and urlparse(source).netloc == self.request.host

    @web.authenticated
    @authorized(action="read")
    async def get(self, key: str, path: str) -> None:
        await self._forward(key, path)

    @web.authenticated
    @authorized(action="read")
    async def head(self, key: str, path: str) -> None:
        await self._forward(key, path)

    @web.authenticated
    @authorized(action="read")
    async def post(self, key: str, path: str) -> None:
        await self._forward(key, path)

    async def _forward(self, key: str, path: str) -> None:
        estimator = self.settings["jupyter_estimator"]
        instance = estimator.tensorboards.get(key)
        if instance is None:
            raise web.HTTPError(404, reason=f"No TensorBoard {key!r} is running")
        prefix = f"{self.base_url}estimator/tensorboard/{key}"
        if path == AUTORELOAD_PATH and self.request.method in ("GET", "HEAD"):
            self.set_header("Content-Type", "text/javascript; charset=utf-8")
            self.set_header("Cache-Control", "no-cache")
            self.finish(AUTORELOAD_SCRIPT if self.request.method == "GET" else None)
            return
        url = forward_url(instance.port, prefix, path, self.request.query)
        headers = {k: v for k, v in self.request.headers.get_all() if k.lower() not in DROPPED_REQUEST_HEADERS}
        body = self.request.body if self.request.method == "POST" else None
        request = httpclient.HTTPRequest(url, method=self.request.method, headers=headers, body=body,
                                         follow_redirects=False, request_timeout=120, decompress_response=True,
                                         allow_nonstandard_methods=True)
        try:
            response = await httpclient.AsyncHTTPClient().fetch(request, raise_error=False)
        except OSError as exc:
            raise web.HTTPError(502, reason=f"TensorBoard did not answer: {exc}") from None
        self.set_status(response.code, response.reason)
        self.clear_header("Content-Type")
        for name, value in response.headers.get_all():
            if name.lower() not in DROPPED_RESPONSE_HEADERS:
                self.add_header(name, value)
        if self.request.method != "HEAD" and response.body:
            body = response.body
            if response.code == 200:
                body = rewrite_root_references(body, response.headers.get("Content-Type", ""), prefix)
            self.write(body)
        self.finish()

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"message": self._reason}))


class TensorboardRedirectHandler(JupyterHandler):
    auth_resource = RESOURCE

    @web.authenticated
    @authorized(action="read")
    def get(self, key: str) -> None:
        target = self.request.path + "/" + (("?" + self.request.query) if self.request.query else "")
        self.redirect(target, permanent=False)


def tensorboard_routes(api_prefix: str, proxy_prefix: str) -> list[tuple[str, type]]:
    return [
        (f"{api_prefix}/tensorboards", TensorboardsHandler),
        (f"{api_prefix}/tensorboards/(?P<key>[0-9a-f]{{12}})", TensorboardHandler),
        (f"{proxy_prefix}/(?P<key>[0-9a-f]{{12}})", TensorboardRedirectHandler),
        (f"{proxy_prefix}/(?P<key>[0-9a-f]{{12}})/(?P<path>.*)", TensorboardProxyHandler),
    ]
