"""TensorBoard over the server: the API that starts and stops instances, and the authenticated proxy.

The proxy forwards only to ports the manager started (it never takes a port from the request), drops
Cookie and Authorization before forwarding and Set-Cookie on the way back, and redirects the bare
instance URL to its trailing-slash form. TensorBoard's front end fetches some data with POST and no
Jupyter XSRF token: those are read-only queries, so a POST is accepted without the token only for
`data/` paths (also under `experiment/<id>/`) and only when the browser says it comes from this same origin.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any
from urllib.parse import urlparse

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import JupyterHandler
from tornado import httpclient, web

from ..core.errors import UserErrorException
from .handlers import RESOURCE, EstimatorHandler

# TensorBoard's read-only data queries: data/… and experiment/<id>/data/…
DATA_PATH = re.compile(r"^(experiment/[^/]+/)?data/")
HOP_HEADERS = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
               "transfer-encoding", "upgrade", "host", "content-length"}
DROPPED_REQUEST_HEADERS = HOP_HEADERS | {"cookie", "authorization", "x-xsrftoken", "x-csrftoken"}
DROPPED_RESPONSE_HEADERS = HOP_HEADERS | {"set-cookie", "content-encoding"}


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
        instance = await asyncio.get_event_loop().run_in_executor(None, manager.start, body.get("runs"))
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
        url = f"http://127.0.0.1:{instance.port}{prefix}/{path}"
        if self.request.query:
            url += "?" + self.request.query
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
            self.write(response.body)
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
