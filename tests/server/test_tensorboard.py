"""The server's TensorBoard manager and its authenticated proxy, on a real server (both base URLs)."""

from __future__ import annotations

import json
import signal
import time
import urllib.request


from .conftest import LiveServer, submit_body

EVENTS = """
import time
from tensorboard.compat.proto.event_pb2 import Event
from tensorboard.compat.proto.summary_pb2 import Summary
from tensorboard.summary.writer.event_file_writer import EventFileWriter
writer = EventFileWriter("logs")
for step in range(3):
    writer.add_event(Event(wall_time=time.time(), step=step, summary=Summary(value=[Summary.Value(tag="loss", simple_value=1.0 / (step + 1))])))
writer.close()
print("wrote events")
"""


def finished_run(server: LiveServer) -> dict:
    project = server.root / "tb"
    project.mkdir(exist_ok=True)
    (project / "events.py").write_text(EVENTS)
    run = server.request("POST", "runs", submit_body(project, "events.py"))[1]
    offset = 0
    while True:
        chunk = server.request("GET", f"runs/{run['id']}/logs?offset={offset}&wait=5")[1]
        offset = chunk["next_offset"]
        if chunk["eof"]:
            return run


def proxy(server: LiveServer, path: str, token: bool = True, headers: dict | None = None, method: str = "GET",
          data: bytes | None = None) -> tuple[int, bytes, dict]:
    request = urllib.request.Request(f"{server.url}{path}", method=method, data=data)
    if token:
        request.add_header("Authorization", f"token {server.token}")
    for key, value in (headers or {}).items():
        request.add_header(key, value)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def test_tensorboard_through_the_authenticated_proxy(live_server):
    run = finished_run(live_server)
    status, board, _ = live_server.request("POST", "tensorboards", {"runs": [run["id"]]}, timeout=180)
    assert status == 201, board
    assert board["url"] == f"{live_server.base_url}estimator/tensorboard/{board['id']}/"
    base = board["path"]
    code, body, _ = proxy(live_server, base)
    assert code == 200 and b"<html" in body.lower()
    code, body, headers = proxy(live_server, base + "data/plugin/scalars/tags")
    tags = json.loads(body)
    assert code == 200 and any(name.startswith(run["id"]) and "loss" in value for name, value in tags.items())
    # a second request for the same runs reuses the instance
    assert live_server.request("POST", "tensorboards", {"runs": [run["id"]]})[1]["id"] == board["id"]
    # the bare URL redirects to the trailing-slash one
    code, _, headers = proxy(live_server, base.rstrip("/"))
    assert code in (301, 302) and headers["Location"].endswith(f"estimator/tensorboard/{board['id']}/")
    # no token, no TensorBoard
    code, body, _ = proxy(live_server, base + "data/plugin/scalars/tags", token=False)
    assert code in (302, 401, 403) and b"loss" not in body
    # only instances the manager started: anything else is a 404, whatever the path
    for other in ("estimator/tensorboard/0123456789ab/", "estimator/tensorboard/0123456789ab/data/logdir",
                  "estimator/tensorboard/6006/", f"estimator/tensorboard/{board['id']}x/"):
        code, _, headers = proxy(live_server, other)
        if code in (301, 302):  # the server's trailing-slash handler; what it points to is no TensorBoard either
            code = proxy(live_server, headers["Location"].replace(live_server.base_url, "", 1).lstrip("/"))[0]
        assert code == 404, other
    listed = live_server.get("tensorboards")["tensorboards"]
    assert [b["id"] for b in listed] == [board["id"]] and listed[0]["alive"]
    # stopping it
    assert live_server.request("DELETE", f"tensorboards/{board['id']}")[0] == 204
    assert proxy(live_server, base)[0] == 404
    assert live_server.request("DELETE", f"tensorboards/{board['id']}")[0] == 404
    assert live_server.request("POST", "tensorboards", {"runs": ["no_such_run"]})[0] == 404
    assert live_server.request("POST", "tensorboards", {"runs": "not-a-list"})[0] == 400
    assert live_server.request("POST", "tensorboards", {"nope": 1})[0] == 400


def test_tensorboards_stop_with_the_server(live_server):
    run = finished_run(live_server)
    board = live_server.request("POST", "tensorboards", {"runs": [run["id"]]}, timeout=180)[1]
    code, _, _ = proxy(live_server, board["path"])
    assert code == 200
    import subprocess
    running = subprocess.run(["pgrep", "-f", f"estimator/tensorboard/{board['id']}"], capture_output=True, text=True).stdout.split()
    assert running, "the TensorBoard process should exist before the server stops"
    live_server.kill(signal.SIGTERM)
    leftovers = subprocess.run(["pgrep", "-f", f"estimator/tensorboard/{board['id']}"], capture_output=True, text=True).stdout.split()
    assert leftovers == [], leftovers


async def test_proxy_strips_cookies_and_credentials(jp_fetch, jp_serverapp, jp_base_url):
    """The forwarding itself, checked against an echo server standing in for a TensorBoard the manager started."""
    import http.server
    import subprocess
    import threading

    seen = {}

    class Echo(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.update({k.lower(): v for k, v in self.headers.items()})
            seen["path"] = self.path
            body = b"echo"
            self.send_response(200)
            self.send_header("Set-Cookie", "tb=leak")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    echo = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=echo.serve_forever, daemon=True).start()
    stand_in = subprocess.Popen(["sleep", "60"])
    try:
        from jupyter_estimator.server.tensorboard_manager import TensorboardInstance
        extension = jp_serverapp.web_app.settings["jupyter_estimator"]

        class Board:
            process = stand_in

            def stop(self):
                stand_in.kill()

        extension.tensorboards.instances["abcdefabcdef"] = TensorboardInstance("abcdefabcdef", ["r"], Board(), echo.server_address[1])
        response = await jp_fetch("estimator", "tensorboard", "abcdefabcdef", "data", "x", params={"q": "1"},
                                  headers={"Cookie": "_xsrf=secret; username-abc=secret", "X-Custom": "kept"})
        assert response.code == 200 and response.body == b"echo"
        assert "cookie" not in seen and "authorization" not in seen
        assert seen["x-custom"] == "kept"
        assert seen["path"] == f"{jp_base_url}estimator/tensorboard/abcdefabcdef/data/x?q=1"
        assert "tb=leak" not in response.headers.get_list("Set-Cookie"), response.headers.get_list("Set-Cookie")
    finally:
        stand_in.kill()
        echo.shutdown()


def test_idle_instances_are_reaped(tmp_path):
    from jupyter_estimator.server.tensorboard_manager import TensorboardManager
    import subprocess

    class Board:
        def __init__(self):
            self.process = subprocess.Popen(["sleep", "60"])

        def stop(self):
            self.process.kill()
            self.process = None

    from jupyter_estimator.server.tensorboard_manager import TensorboardInstance
    manager = TensorboardManager(store=None, base_url="/", idle_seconds=0.0)
    board = Board()
    process = board.process
    manager.instances["k"] = TensorboardInstance("k", ["r"], board, 1, last_access=time.time() - 1)
    assert manager.reap_idle() == ["k"] and manager.instances == {}
    assert process.wait(timeout=5) is not None
