"""The REST API's run actions go through EstimatorApp.run_backend_class, so a deployer's subclass sees (and can
refuse) every submission, and the handlers hold no policy of their own."""

from __future__ import annotations

import pytest

from jupyter_estimator.core.errors import UserErrorException
from jupyter_estimator.service.run_backend import RunBackend

from .conftest import submit_body
from .test_extension import call, project

SEEN: list[tuple[str, object]] = []


class GatekeepingBackend(RunBackend):
    """Refuses runs tagged 'blocked', records everything it is asked."""

    def submit(self, body):
        SEEN.append(("submit", body.get("experiment") if isinstance(body, dict) else body))
        if isinstance(body, dict) and (body.get("tags") or {}).get("blocked"):
            raise UserErrorException("tags: this deployment refuses blocked runs. Fix: drop the tag.", field="tags")
        return super().submit(body)

    def cancel(self, run_id):
        SEEN.append(("cancel", run_id))
        return super().cancel(run_id)


@pytest.fixture
def jp_server_config(estimator_home):
    return {"ServerApp": {"jpserver_extensions": {"jupyter_estimator": True}, "allow_unauthenticated_access": False},
            "EstimatorApp": {"workspace_path": str(estimator_home), "status_poll_interval": 0.1,
                             "run_backend_class": GatekeepingBackend, "allowed_targets": ["local"]}}


async def test_a_configured_run_backend_handles_submit_and_cancel(jp_fetch, jp_serverapp, jp_root_dir):
    SEEN.clear()
    source = project(jp_root_dir, "train.py", "import time\nprint('hi', flush=True)\ntime.sleep(30)\n")
    code, body = await call(jp_fetch, "POST", "runs", {**submit_body(source, "train.py", experiment="gated"),
                                                       "tags": {"blocked": "yes"}})
    assert code == 400 and body["field"] == "tags" and "refuses blocked runs" in body["message"]
    code, run = await call(jp_fetch, "POST", "runs", submit_body(source, "train.py", experiment="gated"))
    assert code == 201, run
    assert run["properties"]["jupyter_estimator.submitted_via"] == "server"
    code, _ = await call(jp_fetch, "POST", f"runs/{run['id']}/cancel")
    assert code == 202
    assert SEEN == [("submit", "gated"), ("submit", "gated"), ("cancel", run["id"])]
    # the server's own policy still holds in the subclass: allowed_targets = ['local']
    code, body = await call(jp_fetch, "POST", "runs", {**submit_body(source, "train.py", experiment="gated"),
                                                       "compute_target": "elsewhere"})
    assert code == 400 and body["field"] == "compute_target"


def test_a_run_backend_of_the_wrong_kind_is_refused():
    import traitlets
    from jupyter_estimator.server.app import EstimatorApp
    app = EstimatorApp()
    with pytest.raises(traitlets.TraitError):
        app.run_backend_class = dict


async def test_one_service_failing_to_stop_does_not_keep_the_others_running():
    from jupyter_estimator.server.app import EstimatorApp

    class Broken:
        async def stop(self):
            raise RuntimeError("watcher stuck")

    class Recording:
        stopped = False

        def stop_all(self):
            Recording.stopped = True

    app = EstimatorApp()
    app.watcher, app._reaper, app.tensorboards = Broken(), None, Recording()
    await app.stop_extension()
    assert Recording.stopped
