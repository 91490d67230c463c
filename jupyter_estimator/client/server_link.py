"""Finding the Jupyter server a kernel belongs to, and talking to its REST API (standard library only).

Order (DESIGN §5): explicit variables (JUPYTER_ESTIMATOR_SERVER_URL / _TOKEN), then the parent
server's jpserver-<JPY_PARENT_PID>.json, then JupyterHub's variables, then a scan of running
servers. A server is used only if it hosts the workspace this process would open, so an unrelated
server never receives our runs. Tokens are sent in a header and never logged or put in URLs.
"""

from __future__ import annotations

import glob
import json
import logging
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from ..core.errors import EstimatorError, ExperimentExecutionException, RunNotFoundException, UserErrorException

log = logging.getLogger(__name__)
API = "estimator/api"
NO_SERVER = "JUPYTER_ESTIMATOR_NO_SERVER"


@dataclass
class ServerLink:
    url: str  # the server's base URL, ending in "/"
    token: str
    workspace_path: str
    found_by: str

    def request(self, method: str, path: str, body: Any = None, timeout: float = 60.0) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}{API}/{path.lstrip('/')}", data=data, method=method.upper())
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"token {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                payload = response.read()
        except urllib.error.HTTPError as exc:
            raise _error_from(exc) from None
        except (urllib.error.URLError, OSError) as exc:
            raise ExperimentExecutionException(f"The Jupyter server at {self.url} did not answer ({exc}). "
                                               f"Fix: restart it, or set {NO_SERVER}=1 to work without it.") from None
        return json.loads(payload) if payload else None

    def submit(self, submit_request: Any) -> str:
        return self.request("POST", "runs", submit_request.model_dump(mode="json"))["id"]

    def portal_url(self, run_id: str) -> str:
        return f"{self.url}lab?estimator-run={run_id}"


def _error_from(exc: urllib.error.HTTPError) -> EstimatorError:
    try:
        body = json.loads(exc.read() or b"{}")
    except ValueError:
        body = {}
    message = body.get("message") or f"HTTP {exc.code}"
    field = body.get("field")
    if exc.code == 404:
        return RunNotFoundException(message, field=field)
    if exc.code in (400, 409, 413):
        return UserErrorException(message, field=field)
    return ExperimentExecutionException(f"The Jupyter server refused the request (HTTP {exc.code}): {message}")


def _runtime_dir() -> Path:
    try:
        from jupyter_core.paths import jupyter_runtime_dir
        return Path(jupyter_runtime_dir())
    except ImportError:
        return Path(os.path.expanduser("~/.local/share/jupyter/runtime"))


def _from_server_file(path: Path) -> tuple[str, str] | None:
    try:
        info = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    pid = info.get("pid")
    if pid:
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
    url = info.get("url")
    if not url:
        return None
    return (url if url.endswith("/") else url + "/"), info.get("token", "")


def _candidates() -> Iterator[tuple[str, str, str]]:
    """(base url, token, how it was found), in DESIGN order."""
    explicit = os.environ.get("JUPYTER_ESTIMATOR_SERVER_URL")
    if explicit:
        yield (explicit if explicit.endswith("/") else explicit + "/"), os.environ.get("JUPYTER_ESTIMATOR_SERVER_TOKEN", ""), "env"
    runtime = _runtime_dir()
    parent = os.environ.get("JPY_PARENT_PID")
    if parent:
        found = _from_server_file(runtime / f"jpserver-{parent}.json")
        if found:
            yield (*found, "parent")
    hub_url = os.environ.get("JUPYTERHUB_SERVICE_URL")
    if hub_url and os.environ.get("JUPYTERHUB_API_TOKEN"):
        yield (hub_url if hub_url.endswith("/") else hub_url + "/"), os.environ["JUPYTERHUB_API_TOKEN"], "jupyterhub"
    for path in sorted(glob.glob(str(runtime / "jpserver-*.json"))):
        found = _from_server_file(Path(path))
        if found:
            yield (*found, "scan")


def find_server(workspace_path: str) -> ServerLink | None:
    """The first running server with this extension that hosts `workspace_path`, or None."""
    if os.environ.get(NO_SERVER) or os.environ.get("JUPYTER_ESTIMATOR_RUN_ID"):
        return None
    seen: set[tuple[str, str]] = set()
    wanted = os.path.realpath(workspace_path)
    for url, token, how in _candidates():
        if (url, token) in seen:
            continue
        seen.add((url, token))
        link = ServerLink(url, token, "", how)
        try:
            info = link.request("GET", "workspace", timeout=2.0)
        except EstimatorError:
            continue
        if isinstance(info, dict) and os.path.realpath(info.get("path", "")) == wanted:
            link.workspace_path = info["path"]
            log.debug("jupyter_estimator: using the Jupyter server at %s (found by %s)", url, how)
            return link
    return None
