"""The server's TensorBoard manager and its authenticated proxy, on a real server (both base URLs), with real
TensorBoard processes: live updates, one instance per set of runs, a message for runs without logs, every file
the page asks for served through the proxy, idle reaping."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest

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

# A live run: writes the scalar `first`, waits for the gate file named by argv[1], then writes the scalar `later`.
LIVE_EVENTS = """
import os, sys, time
from tensorboard.compat.proto.event_pb2 import Event
from tensorboard.compat.proto.summary_pb2 import Summary
from tensorboard.summary.writer.event_file_writer import EventFileWriter
first, later, gate = sys.argv[1:4]
writer = EventFileWriter("logs")
def scalar(tag, step):
    writer.add_event(Event(wall_time=time.time(), step=step, summary=Summary(value=[Summary.Value(tag=tag, simple_value=float(step))])))
    writer.flush()
scalar(first, 0)
print("wrote", first, flush=True)
while not os.path.exists(gate):
    time.sleep(0.1)
scalar(later, 1)
writer.close()
print("wrote", later, flush=True)
"""

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def wait_for(predicate, timeout: float, message: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {message}")


def wait_until_final(server: LiveServer, run: dict) -> dict:
    offset = 0
    while True:
        chunk = server.request("GET", f"runs/{run['id']}/logs?offset={offset}&wait=5")[1]
        offset = chunk["next_offset"]
        if chunk["eof"]:
            return run


def submit(server: LiveServer, name: str, code: str, arguments: list | None = None) -> dict:
    project = server.root / name
    project.mkdir(exist_ok=True)
    (project / "script.py").write_text(code)
    status, run, _ = server.request("POST", "runs", submit_body(project, "script.py", arguments))
    assert status == 201, run
    return run


def finished_run(server: LiveServer) -> dict:
    return wait_until_final(server, submit(server, "tb", EVENTS))


def live_run(server: LiveServer, gate: Path, first: str, later: str) -> dict:
    return submit(server, "live", LIVE_EVENTS, [first, later, str(gate)])


def proxy(server: LiveServer, path: str, token: bool = True, headers: dict | None = None, method: str = "GET",
          data: bytes | None = None) -> tuple[int, bytes, dict]:
    url = path if path.startswith("http") else f"{server.url}{path}"
    request = urllib.request.Request(url, method=method, data=data)
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


def scalar_tags(server: LiveServer, board: dict) -> set[str]:
    code, body, _ = proxy(server, board["path"] + "data/plugin/scalars/tags")
    assert code == 200, body
    return {tag for tags in json.loads(body).values() for tag in tags}


def tensorboard_pids(key: str) -> list[str]:
    """The TensorBoard processes serving instance `key` (their --path_prefix names it)."""
    out = subprocess.run(["pgrep", "-f", f"tensorboard.main .*estimator/tensorboard/{key}"], capture_output=True, text=True)
    return out.stdout.split()


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
    # the bare URL redirects to the trailing-slash one
    code, _, headers = proxy(live_server, base.rstrip("/"))
    assert code in (301, 302) and headers["Location"].endswith(f"estimator/tensorboard/{board['id']}/")
    # no token, no TensorBoard
    code, body, _ = proxy(live_server, base + "data/plugin/scalars/tags", token=False)
    assert code in (302, 401, 403) and b"loss" not in body
    # only instances the manager started: anything else is a 404, whatever the path
    for other in ("estimator/tensorboard/0123456789ab/", "estimator/tensorboard/0123456789ab/data/logdir",
                  "estimator/tensorboard/0123456789ab/_estimator/autoreload.js",
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
    assert tensorboard_pids(board["id"]) == []
    assert live_server.request("DELETE", f"tensorboards/{board['id']}")[0] == 404
    assert live_server.request("POST", "tensorboards", {"runs": ["no_such_run"]})[0] == 404
    assert live_server.request("POST", "tensorboards", {"runs": "not-a-list"})[0] == 400
    assert live_server.request("POST", "tensorboards", {"nope": 1})[0] == 400


def test_a_live_runs_new_scalars_appear_without_a_restart(live_server, tmp_path):
    gate = tmp_path / "gate"
    run = live_run(live_server, gate, "first_scalar", "later_scalar")
    status, board, _ = live_server.request("POST", "tensorboards", {"runs": [run["id"]]}, timeout=180)
    assert status == 201, board  # a live run is accepted even before it has written anything
    wait_for(lambda: "first_scalar" in scalar_tags(live_server, board), 90, "the first scalar through the proxy")
    assert "later_scalar" not in scalar_tags(live_server, board)
    gate.write_text("go")  # the run now writes a new scalar, after TensorBoard started
    wait_for(lambda: "later_scalar" in scalar_tags(live_server, board), 90, "the later scalar through the proxy")
    listed = live_server.get("tensorboards")["tensorboards"]
    assert [(b["id"], b["pid"], b["port"]) for b in listed] == [(board["id"], board["pid"], board["port"])]
    assert tensorboard_pids(board["id"]) == [str(board["pid"])]  # the same process all along, no restart
    wait_until_final(live_server, run)


def test_one_instance_per_set_of_runs(live_server):
    first, second = submit(live_server, "a", EVENTS), submit(live_server, "b", EVENTS)
    first, second = wait_until_final(live_server, first), wait_until_final(live_server, second)
    a, b = first["id"], second["id"]
    answers: list = []

    def ask(runs: list[str]) -> None:
        answers.append(live_server.request("POST", "tensorboards", {"runs": runs}, timeout=180))

    # three clicks at once, the runs in any order and repeated: one TensorBoard
    clicks = [threading.Thread(target=ask, args=(runs,)) for runs in ([a, b], [b, a], [a, b, a])]
    for click in clicks:
        click.start()
    for click in clicks:
        click.join()
    ask([b, a])  # and a later one
    assert [status for status, _, _ in answers] == [201] * 4, answers
    instances = {(body["id"], body["pid"], body["port"]) for _, body, _ in answers}
    assert len(instances) == 1, instances
    key, pid, _ = instances.pop()
    assert tensorboard_pids(key) == [str(pid)]
    assert [t["id"] for t in live_server.get("tensorboards")["tensorboards"]] == [key]
    # another set of runs is another instance
    status, only_a, _ = live_server.request("POST", "tensorboards", {"runs": [a]}, timeout=180)
    assert status == 201 and only_a["id"] != key and only_a["pid"] != pid


def test_runs_without_logs_get_a_message_not_an_empty_tensorboard(live_server):
    silent = wait_until_final(live_server, submit(live_server, "silent", "print('no tensorboard here')"))
    status, body, _ = live_server.request("POST", "tensorboards", {"runs": [silent["id"]]}, timeout=180)
    assert status == 400, body
    assert body["reason"] == "NoTensorboardLogs" and body["field"] == "runs"
    assert body["runs_without_logs"] == [silent["id"]]
    assert silent["id"] in body["message"] and "logs" in body["message"] and "Fix:" in body["message"]
    assert live_server.get("tensorboards")["tensorboards"] == []  # nothing was started
    # with another run that has logs, TensorBoard starts and says which runs have none
    logged = finished_run(live_server)
    status, board, _ = live_server.request("POST", "tensorboards", {"runs": [silent["id"], logged["id"]]}, timeout=180)
    assert status == 201, board
    assert board["runs_without_logs"] == [silent["id"]]


REFERENCE = re.compile(r"""(?:\b(?:src|href)\s*=\s*["']([^"']+)["']|url\(\s*["']?([^"')]+)["']?\s*\))""", re.IGNORECASE)


def references(text: str) -> list[str]:
    found = [a or b for a, b in REFERENCE.findall(text)]
    return [ref.strip() for ref in found if not ref.strip().startswith(("data:", "#", "javascript:"))]


def test_every_file_the_page_references_loads_through_the_proxy(live_server):
    run = finished_run(live_server)
    board = live_server.request("POST", "tensorboards", {"runs": [run["id"]]}, timeout=180)[1]
    page_url = f"http://127.0.0.1:{live_server.port}{board['url']}"
    code, page, _ = proxy(live_server, page_url)
    assert code == 200
    pending = [urljoin(page_url, ref) for ref in references(page.decode())]
    assert any("/font-roboto/" in url for url in pending), "TensorBoard's page should reference its fonts"
    seen: dict[str, int] = {}
    while pending:
        url = pending.pop()
        if url in seen:
            continue
        assert url.startswith(page_url), f"{url} is outside the authenticated proxy {page_url}"
        code, body, headers = proxy(live_server, url)
        seen[url] = code
        if code == 200 and headers.get("Content-Type", "").startswith("text/css"):
            pending += [urljoin(url, ref) for ref in references(body.decode())]
        if code == 200 and "javascript" in headers.get("Content-Type", ""):
            # the debugger's editor loader names its folder in the script: it must be under the proxy too
            for folder in re.findall(r"""\bvs:\s*["']([^"']+)["']""", body.decode(errors="replace")):
                pending.append(urljoin(url, folder.rstrip("/") + "/editor/editor.main.js"))
    failed = {url: code for url, code in seen.items() if code != 200}
    assert failed == {}, failed
    fonts = [url for url in seen if url.endswith((".woff2", ".woff", ".ttf"))]
    assert fonts and all(urlparse(url).path.startswith(board["url"]) for url in fonts)
    autoreload = [url for url in seen if url.endswith("_estimator/autoreload.js")]
    assert autoreload, "the page should load the script that turns auto-reload on"
    assert b"autoReload" in proxy(live_server, autoreload[0])[1]


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs the system Chromium (apt-get install chromium)")
@pytest.mark.parametrize("live_server", ["/user/someone/"], indirect=True)
def test_in_a_browser_fonts_load_and_a_live_run_updates_without_a_refresh(live_server, tmp_path):
    """Playwright with the system Chromium: the page loads its fonts through the proxy, nothing it asks for
    fails, and a scalar that the run writes after the page opened shows up without reloading the page."""
    from playwright.sync_api import sync_playwright
    gate = tmp_path / "gate"
    run = live_run(live_server, gate, "seen_at_open", "written_after_open")
    board = live_server.request("POST", "tensorboards", {"runs": [run["id"]]}, timeout=180)[1]
    wait_for(lambda: "seen_at_open" in scalar_tags(live_server, board), 90, "the first scalar through the proxy")
    failures: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--disable-gpu", "--no-first-run",
                                                                             "--disable-dev-shm-usage"])
        try:
            context = browser.new_context(extra_http_headers={"Authorization": f"token {live_server.token}"},
                                          viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            page.on("response", lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 400 else None)
            page.on("requestfailed", lambda r: failures.append(f"failed {r.url}"))
            page.goto(f"{live_server.url}{board['path']}", wait_until="load")
            page.get_by_text("seen_at_open").first.wait_for(timeout=90_000)
            loaded = page.evaluate("""async () => { await document.fonts.ready;
                return [...document.fonts].filter(f => f.family.includes('Roboto') && f.status === 'loaded').length; }""")
            assert loaded > 0, "no Roboto face loaded"
            gate.write_text("go")
            page.get_by_text("written_after_open").first.wait_for(timeout=120_000)  # auto-reload, no page.reload()
        finally:
            browser.close()
    assert failures == [], failures
    wait_until_final(live_server, run)


def test_tensorboards_stop_with_the_server(live_server):
    run = finished_run(live_server)
    board = live_server.request("POST", "tensorboards", {"runs": [run["id"]]}, timeout=180)[1]
    code, _, _ = proxy(live_server, board["path"])
    assert code == 200
    assert tensorboard_pids(board["id"]) == [str(board["pid"])], "the TensorBoard process should exist before the server stops"
    live_server.kill(signal.SIGTERM)
    assert tensorboard_pids(board["id"]) == []


async def test_proxy_strips_cookies_and_credentials(jp_fetch, jp_serverapp, jp_base_url):
    """The forwarding itself, checked against an echo server standing in for a TensorBoard the manager started."""
    import http.server

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
