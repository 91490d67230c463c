"""A real `jupyter server` subprocess: REST submission, following logs, filters, files, cancel, restarts."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from .conftest import LiveServer, submit_body


def write(root: Path, name: str, code: str) -> Path:
    path = root / "project" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(code)
    return path.parent


def follow_logs(server: LiveServer, run_id: str, timeout: float = 60) -> str:
    """Follow the log endpoint by offset (long-polling) until eof, as a client would."""
    text, offset = "", 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, chunk, _ = server.request("GET", f"runs/{run_id}/logs?offset={offset}&wait=2")
        assert status == 200, chunk
        assert chunk["offset"] == offset
        text += chunk["data"]
        offset = chunk["next_offset"]
        if chunk["eof"]:
            return text
    raise AssertionError(f"log did not reach eof; got {text!r}")


def test_submit_follow_list_download_cancel(live_server):
    project = write(live_server.root, "train.py", (
        "import os, sys\nfrom jupyter_estimator import Run\nrun = Run.get_context()\n"
        "for i in range(5):\n    print('line', i, flush=True)\n    run.log('loss', 1 / (i + 1))\n"
        "os.makedirs('outputs', exist_ok=True)\nopen('outputs/model.pkl', 'wb').write(b'weights')\n"))
    status, run, _ = live_server.request("POST", "runs", submit_body(project, "train.py", ["--lr", 0.1],
                                                                     tags={"team": "vision"}))
    assert status == 201, run
    assert run["status"] in ("NotStarted", "Queued", "Preparing", "Starting", "Running", "Finalizing", "Completed")
    assert run["properties"]["jupyter_estimator.submitted_via"] == "server"
    log = follow_logs(live_server, run["id"])
    assert [l for l in log.splitlines() if l.startswith("line")] == [f"line {i}" for i in range(5)]
    done = live_server.get(f"runs/{run['id']}")
    assert done["status"] == "Completed" and done["run_definition"]["arguments"] == ["--lr", "0.1"]
    metrics = live_server.get(f"runs/{run['id']}/metrics")
    assert [r["value"] for r in metrics["records"]] == [1.0, 0.5, 1 / 3, 0.25, 0.2]
    assert live_server.get(f"runs/{run['id']}/metrics?after={metrics['next_after']}")["records"] == []
    # filters
    other = live_server.request("POST", "runs", submit_body(project, "train.py", experiment="other"))[1]
    assert [r["id"] for r in live_server.get("runs?experiment=rest")["runs"]] == [run["id"]]
    assert [r["id"] for r in live_server.get("runs?tag=team:vision")["runs"]] == [run["id"]]
    assert [r["id"] for r in live_server.get("runs?tag=team")["runs"]] == [run["id"]]
    assert live_server.get("runs?tag=team:audio")["runs"] == []
    page = live_server.get("runs?limit=1")
    assert page["has_more"] is True and page["runs"][0]["id"] == other["id"]
    assert live_server.get("runs?limit=1&sort=created_time")["runs"][0]["id"] == run["id"]
    assert live_server.get(f"runs?since={run['created_time'] + 1e-6}")["runs"][0]["id"] == other["id"]
    # files
    files = {f["path"]: f["size"] for f in live_server.get(f"runs/{run['id']}/files")["files"]}
    assert files["outputs/model.pkl"] == 7 and "user_logs/std_log.txt" in files
    status, _, payload = live_server.request("GET", f"runs/{run['id']}/files/outputs/model.pkl")
    assert status == 200 and payload == b"weights"
    for escape in ("..%2F..%2Findex.sqlite", "%2E%2E/%2E%2E/index.sqlite", "outputs/..%2F..%2F..%2Findex.sqlite",
                   "%2Fetc%2Fpasswd"):
        status, body, _ = live_server.request("GET", f"runs/{run['id']}/files/{escape}")
        assert status == 400 and "path" in body["message"], (escape, status, body)
    # cancel
    slow = write(live_server.root, "slow.py", "import time\nprint('up', flush=True)\ntime.sleep(600)\n")
    long_run = live_server.request("POST", "runs", submit_body(slow, "slow.py"))[1]
    assert live_server.request("GET", f"runs/{long_run['id']}/logs?wait=10")[1]["data"] == "up\n"
    status, canceled, _ = live_server.request("POST", f"runs/{long_run['id']}/cancel")
    assert status == 202, canceled
    follow_logs(live_server, long_run["id"])
    assert live_server.get(f"runs/{long_run['id']}")["status"] == "Canceled"
    assert live_server.request("POST", f"runs/{long_run['id']}/cancel")[0] == 409
    # delete
    assert live_server.request("DELETE", f"runs/{long_run['id']}")[0] == 204
    assert live_server.request("GET", f"runs/{long_run['id']}")[0] == 404


@pytest.mark.parametrize("stop_signal", [signal.SIGKILL, signal.SIGTERM], ids=["killed", "stopped"])
def test_server_killed_and_restarted_mid_run_loses_no_line(live_server, stop_signal):
    project = write(live_server.root, "count.py", (
        "import time\nfrom jupyter_estimator import Run\nrun = Run.get_context()\n"
        "for i in range(60):\n    print(f'n={i:03d}', flush=True)\n    run.log('i', i)\n    time.sleep(0.05)\n"))
    run = live_server.request("POST", "runs", submit_body(project, "count.py"))[1]
    first = live_server.request("GET", f"runs/{run['id']}/logs?wait=10")[1]
    assert first["data"].startswith("n=000")
    live_server.kill(stop_signal)
    record = json.loads((live_server.workspace / "runs" / run["id"] / "status.json").read_text())
    assert record["status"] == "Running"  # the server going away did not touch the run
    time.sleep(0.5)
    live_server.start()  # a new process on a new port, same workspace
    log = follow_logs(live_server, run["id"])
    assert [l for l in log.splitlines() if l.startswith("n=")] == [f"n={i:03d}" for i in range(60)]
    done = live_server.get(f"runs/{run['id']}")
    assert done["status"] == "Completed"
    metrics = live_server.get(f"runs/{run['id']}/metrics?name=i")["records"]
    assert [r["value"] for r in metrics] == list(range(60))


def test_supervisor_dying_while_the_server_is_down_is_reconciled(live_server):
    project = write(live_server.root, "sleep.py", "import time\nprint('up', flush=True)\ntime.sleep(600)\n")
    run = live_server.request("POST", "runs", submit_body(project, "sleep.py"))[1]
    live_server.request("GET", f"runs/{run['id']}/logs?wait=10")
    live_server.kill(signal.SIGKILL)
    status_file = live_server.workspace / "runs" / run["id"] / "status.json"
    record = json.loads(status_file.read_text())
    os.kill(record["supervisor"]["pid"], signal.SIGKILL)
    time.sleep(0.3)
    live_server.start()
    details = live_server.get(f"runs/{run['id']}")
    assert details["status"] == "Failed"
    assert "supervisor" in details["error"]["message"] and details["error"]["code"] == "OwnerLost"


def test_unauthenticated_requests_are_refused(live_server):
    for method, path in (("GET", "runs"), ("POST", "runs"), ("GET", "workspace"), ("GET", "models")):
        status, _, _ = live_server.request(method, path, body={} if method == "POST" else None, token=False)
        assert status in (401, 403), (method, path, status)
