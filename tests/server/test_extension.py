"""The extension inside pytest-jupyter's server: auth, authorization, events, activity, bad input, OpenAPI."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml
from tornado.httpclient import HTTPClientError

from jupyter_estimator.server import handlers as handlers_module
from jupyter_estimator.server.openapi import DOCUMENT, render
from jupyter_estimator.server.status_watcher import SCHEMA_ID

from .conftest import submit_body

pytestmark = pytest.mark.filterwarnings("error::jupyter_server.utils.JupyterServerAuthWarning")


def extension(jp_serverapp):
    return jp_serverapp.web_app.settings["jupyter_estimator"]


async def call(jp_fetch, method: str, path: str, body=None, raw: bytes | None = None, **params):
    kwargs = {"method": method, "params": params}
    if raw is not None or body is not None or method == "POST":
        kwargs["body"] = raw if raw is not None else json.dumps(body if body is not None else {})
    try:
        response = await jp_fetch("estimator", "api", *path.split("/"), **kwargs)
        return response.code, json.loads(response.body) if response.body else None
    except HTTPClientError as exc:
        payload = exc.response.body if exc.response is not None else b""
        return exc.code, json.loads(payload) if payload else None


def project(root: Path, name: str, code: str) -> Path:
    folder = root / "project"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(code)
    return folder


async def wait_final(jp_fetch, jp_serverapp, run_id: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        extension(jp_serverapp).watcher.tick()
        code, run = await call(jp_fetch, "GET", f"runs/{run_id}")
        if run["status"] in ("Completed", "Failed", "Canceled"):
            return run
        time.sleep(0.05)
    raise AssertionError("run did not finish")


async def test_extension_loads_with_auth_required_and_no_auth_warnings(jp_fetch, jp_serverapp):
    assert jp_serverapp.allow_unauthenticated_access is False
    code, info = await call(jp_fetch, "GET", "workspace")
    assert code == 200 and Path(info["path"]).name == "estimator-ws"


async def test_status_events_and_activity(jp_fetch, jp_serverapp, jp_root_dir):
    events = []

    async def listener(logger, schema_id, data):
        events.append(data)

    jp_serverapp.event_logger.add_listener(schema_id=SCHEMA_ID, listener=listener)
    source = project(jp_root_dir, "t.py", "import time\ntime.sleep(0.5)\nprint('done')\n")
    code, run = await call(jp_fetch, "POST", "runs", submit_body(source, "t.py"))
    assert code == 201
    before = jp_serverapp.web_app.last_activity()
    time.sleep(0.3)
    extension(jp_serverapp).watcher.tick()
    assert jp_serverapp.web_app.settings["estimator_last_activity"] > before
    await wait_final(jp_fetch, jp_serverapp, run["id"])
    import asyncio
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the index mirrors status.json a moment later; listeners run as tasks
        extension(jp_serverapp).watcher.tick()
        await asyncio.sleep(0.05)
        if any(e["run_id"] == run["id"] and e["status"] == "Completed" for e in events):
            break
    statuses = [e["status"] for e in events if e["run_id"] == run["id"]]
    assert statuses[0] in ("NotStarted", "Preparing", "Starting", "Running") and statuses[-1] == "Completed"
    assert len(statuses) == len(set(statuses))  # each change announced once
    assert events[0]["previous_status"] is None and events[0]["experiment"] == "rest"


async def test_bad_input_on_every_endpoint_is_a_4xx_with_a_message(jp_fetch, jp_serverapp, jp_root_dir):
    source = project(jp_root_dir, "t.py", "print('ok')\n")
    code, run = await call(jp_fetch, "POST", "runs", submit_body(source, "t.py"))
    assert code == 201
    await wait_final(jp_fetch, jp_serverapp, run["id"])
    rid = run["id"]
    good = submit_body(source, "t.py")
    cases = [
        ("POST", "runs", None, b"{not json", {}, 400),
        ("POST", "runs", None, b"[1, 2]", {}, 400),
        ("POST", "runs", None, json.dumps({**good, "arguments": "not a list"}).encode(), {}, 400),
        ("POST", "runs", None, json.dumps({**good, "experiment": "bad name!"}).encode(), {}, 400),
        ("POST", "runs", None, json.dumps({**good, "max_run_duration_seconds": 0}).encode(), {}, 400),
        ("POST", "runs", None, json.dumps({**good, "unknown_field": 1}).encode(), {}, 400),
        ("POST", "runs", None, json.dumps({**good, "script": "../escape.py"}).encode(), {}, 400),
        ("POST", "runs", None, json.dumps({**good, "source_directory": "/etc"}).encode(), {}, 400),
        ("POST", "runs", None, json.dumps({**good, "compute_target": "gpu-cluster"}).encode(), {}, 400),
        ("POST", "runs", None, json.dumps({**good, "use_docker": True, "environment": {
            **good["environment"], "docker": {"enabled": True, "arguments": ["--privileged"]}}}).encode(), {}, 400),
        ("POST", "runs", None, b"x" * (1024 * 1024 + 10), {}, 413),
        ("GET", "runs", None, None, {"limit": "many"}, 400),
        ("GET", "runs", None, None, {"limit": "0"}, 400),
        ("GET", "runs", None, None, {"status": "Sleeping"}, 400),
        ("GET", "runs", None, None, {"sort": "name"}, 400),
        ("GET", "runs", None, None, {"since": "yesterday"}, 400),
        ("GET", "runs", None, None, {"include_children": "maybe"}, 400),
        ("GET", "runs/no_such_run", None, None, {}, 404),
        ("GET", "runs/bad%20id", None, None, {}, 400),
        ("DELETE", "runs/no_such_run", None, None, {}, 404),
        ("POST", "runs/no_such_run/cancel", None, None, {}, 404),
        ("POST", f"runs/{rid}/cancel", None, None, {}, 409),
        ("GET", f"runs/{rid}/logs", None, None, {"offset": "-1"}, 400),
        ("GET", f"runs/{rid}/logs", None, None, {"offset": "x"}, 400),
        ("GET", f"runs/{rid}/logs", None, None, {"file": "../../index.sqlite"}, 400),
        ("GET", f"runs/{rid}/logs", None, None, {"file": "run.json"}, 400),
        ("GET", "runs/no_such_run/logs", None, None, {}, 404),
        ("GET", f"runs/{rid}/metrics", None, None, {"after": "-5"}, 400),
        ("GET", "runs/no_such_run/metrics", None, None, {}, 404),
        ("GET", "runs/no_such_run/files", None, None, {}, 404),
        ("GET", f"runs/{rid}/files/../../index.sqlite", None, None, {}, 400),
        ("GET", f"runs/{rid}/files/outputs/../../../index.sqlite", None, None, {}, 400),
        ("GET", f"runs/{rid}/files/run.json", None, None, {}, 400),
        ("GET", f"runs/{rid}/files/outputs/missing.bin", None, None, {}, 404),
        ("GET", "runs/no_such_run/children", None, None, {}, 404),
        ("GET", "models/no-such-model", None, None, {}, 404),
        ("GET", "models/no-such-model/versions/x", None, None, {}, 400),
        ("GET", "models/no-such-model/versions/1", None, None, {}, 404),
        ("GET", "models/no-such-model/versions/1/files/a.bin", None, None, {}, 404),
        ("GET", "models", None, None, {"latest": "perhaps"}, 400),
    ]
    for method, path, body, raw, params, expected in cases:
        code, payload = await call(jp_fetch, method, path, body=body, raw=raw, **params)
        assert code == expected, (method, path, params, code, payload)
        assert payload and payload.get("message"), (method, path, payload)
    code, _ = await call(jp_fetch, "DELETE", f"runs/{rid}")
    assert code == 204


async def test_a_denying_authorizer_gets_403(jp_fetch, jp_serverapp):
    from jupyter_server.auth.authorizer import Authorizer

    class DenyEstimator(Authorizer):
        def is_authorized(self, handler, user, action, resource):
            return resource != "estimator"

    original = jp_serverapp.web_app.settings["authorizer"]
    jp_serverapp.web_app.settings["authorizer"] = DenyEstimator(parent=jp_serverapp, identity_provider=jp_serverapp.identity_provider)
    try:
        for method, path in (("GET", "workspace"), ("GET", "runs"), ("POST", "runs"), ("GET", "runs/x/logs"),
                             ("POST", "runs/x/cancel"), ("DELETE", "runs/x"), ("GET", "models"), ("GET", "environments"),
                             ("GET", "compute-targets"), ("GET", "experiments")):
            code, _ = await call(jp_fetch, method, path)
            assert code == 403, (method, path, code)
    finally:
        jp_serverapp.web_app.settings["authorizer"] = original


async def test_models_environments_targets_experiments(jp_fetch, jp_serverapp, jp_root_dir, tmp_path):
    from jupyter_estimator import Environment, Model
    ws = extension(jp_serverapp).workspace
    weights = tmp_path / "w.bin"
    weights.write_bytes(b"w")
    Model.register(ws, str(weights), "served", tags={"a": "1"})
    Environment("listed").register(ws)
    assert (await call(jp_fetch, "GET", "models"))[1]["models"][0]["id"] == "served:1"
    assert [v["version"] for v in (await call(jp_fetch, "GET", "models/served"))[1]["versions"]] == [1]
    assert (await call(jp_fetch, "GET", "models/served/versions/1"))[1]["files"] == ["w.bin"]
    response = await jp_fetch("estimator", "api", "models", "served", "versions", "1", "files", "w.bin")
    assert response.body == b"w"
    assert [e["name"] for e in (await call(jp_fetch, "GET", "environments"))[1]["environments"]] == ["listed"]
    targets = {t["name"]: t for t in (await call(jp_fetch, "GET", "compute-targets"))[1]["compute_targets"]}
    assert targets["local"]["available"] is True and targets["ray"]["available"] is False
    source = project(jp_root_dir, "t.py", "print('ok')\n")
    await call(jp_fetch, "POST", "runs", submit_body(source, "t.py", experiment="counted"))
    experiments = {e["name"]: e for e in (await call(jp_fetch, "GET", "experiments"))[1]["experiments"]}
    assert experiments["counted"]["run_count"] == 1


def test_openapi_document_is_current_and_matches_the_handlers():
    assert DOCUMENT.read_text() == render(), "run: python -m jupyter_estimator.server.openapi"
    spec = yaml.safe_load(DOCUMENT.read_text())
    documented = {(path, method.upper()) for path, item in spec["paths"].items() for method in item if method != "parameters"}
    served = set()
    from jupyter_estimator.server.tensorboard_handlers import tensorboard_routes
    api_routes = handlers_module.routes("") + [r for r in tensorboard_routes("", "/proxy") if not r[0].startswith("/proxy")]
    for pattern, handler in api_routes:
        path = pattern.replace("/(?P<path>.+)", "/{path}").replace("(?P<key>[0-9a-f]{12})", "{id}")
        for name in ("run_id", "name", "version"):
            path = path.replace(f"(?P<{name}>[^/]+)", "{" + name + "}")
        for method in ("GET", "POST", "DELETE", "PUT", "PATCH"):
            if method.lower() in vars(handler):
                served.add((path, method))
    assert documented == served


class CountingWatcher:  # defined at module level so that traitlets can import it by name
    pass


def test_services_are_swappable_by_configuration(tmp_path):
    """Deployers and tests swap the watcher and the TensorBoard manager through traitlets (Type), as
    jupyter-scheduler does for its scheduler; a class of the wrong kind is refused."""
    import traitlets
    from jupyter_estimator.server.app import EstimatorApp
    from jupyter_estimator.server.status_watcher import StatusWatcher

    class QuietWatcher(StatusWatcher):
        pass

    app = EstimatorApp()
    app.status_watcher_class = QuietWatcher
    assert app.status_watcher_class is QuietWatcher
    with pytest.raises(traitlets.TraitError):
        app.status_watcher_class = CountingWatcher
