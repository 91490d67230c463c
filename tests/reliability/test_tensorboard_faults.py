"""TensorBoard faults from issue 9 (items 13 and 14, and the idle reaper), with real servers and real
TensorBoard processes:

- a SIGKILLed Jupyter server takes its TensorBoards with it, and the server restarted on the same workspace
  removes their temp folders; strays recorded by a starter that is gone are stopped, a reused pid never is;
- a TensorBoard started by a kernel's SDK dies with the kernel, also when it was started from a thread that
  has ended since;
- the proxy does not forward Jupyter's `token` (nor `_xsrf`) in the query to TensorBoard, and keeps every
  other query parameter;
- stopping an idle TensorBoard does not block the server's event loop.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from server.conftest import LiveServer
from server.test_tensorboard import finished_run, proxy
from server.test_tensorboard_local import logged_run

from jupyter_estimator.store.liveness import process_start_ticks


def same_process(pid: int, ticks: int | None) -> bool:
    """Whether `pid` is still the process first seen with start time `ticks` (a zombie is not)."""
    return ticks is not None and process_start_ticks(pid) == ticks


def process_state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            data = handle.read()
    except OSError:
        return "gone"
    return data[data.rindex(b")") + 2:].split()[0].decode()


def wait_for(predicate, timeout: float, message) -> None:
    """Wait until `predicate()` holds; else fail with `message` (a string, or a function called then)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f} s: {message() if callable(message) else message}")


def parent_of(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            data = handle.read()
    except OSError:
        return "-"
    return data[data.rindex(b")") + 2:].split()[1].decode()


def tensorboard_pid(board: dict) -> int:
    """The pid of the TensorBoard serving `board` (from the API, else found by its --path_prefix)."""
    if board.get("pid"):
        return board["pid"]
    out = subprocess.run(["pgrep", "-f", f"tensorboard.main .*estimator/tensorboard/{board['id']}"],
                         capture_output=True, text=True)
    pids = out.stdout.split()
    assert len(pids) == 1, pids
    return int(pids[0])


def run_path(workspace: Path, run_id: str) -> str:
    from jupyter_estimator import Workspace
    return str(Workspace(path=str(workspace)).store.run_folder(run_id).path)


def kill_if_same(pid: int, ticks: int | None) -> None:
    """Test clean-up: never leave a TensorBoard (or a stand-in) behind, never signal a reused pid."""
    if same_process(pid, ticks):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def tensorboard_temp_items(temp_root: Path) -> list[str]:
    """What TensorBoards left in `temp_root` (the servers' TMPDIR): their output files and folders, TensorBoard's
    own `.tensorboard-info` and its data server's folders."""
    return sorted(p.name for p in temp_root.iterdir() if "tensorboard" in p.name.lower())


@pytest.fixture
def own_temp(tmp_path, monkeypatch):
    """A TMPDIR for the servers this test starts (and so for their TensorBoards): what they leave is visible."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    return folder


@pytest.fixture
def server_factory(tmp_path, monkeypatch):
    """Real `jupyter server` processes over one workspace; all are stopped at the end."""
    root = tmp_path / "root"
    root.mkdir()
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(runtime))
    servers: list[LiveServer] = []

    def make() -> LiveServer:
        server = LiveServer(root, tmp_path / "workspace", "/", runtime)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.kill(signal.SIGTERM)


# --- item 13: TensorBoards die with the server; a restart sweeps what is left --------------------------------

def test_a_sigkilled_servers_tensorboard_dies_and_the_restart_removes_its_temp_folder(server_factory, own_temp):
    server = server_factory().start()
    run = finished_run(server)
    status, board, _ = server.request("POST", "tensorboards", {"runs": [run["id"]]}, timeout=180)
    assert status == 201, board
    pid = tensorboard_pid(board)
    ticks = process_start_ticks(pid)
    try:
        assert same_process(pid, ticks), "the TensorBoard should be running"
        assert proxy(server, board["path"] + "data/logdir")[0] == 200
        left = tensorboard_temp_items(own_temp)
        assert left, "the TensorBoard should have its temp files under the server's TMPDIR"
        server.kill(signal.SIGKILL)  # no shutdown hook runs
        wait_for(lambda: not same_process(pid, ticks), 30,
                 lambda: f"TensorBoard pid {pid} still runs after its server was SIGKILLed (parent now {parent_of(pid)})")
        server.start()  # the same workspace, a new port
        assert tensorboard_temp_items(own_temp) == [], f"temp files of the killed server's TensorBoard stayed: {left}"
        assert server.get("tensorboards")["tensorboards"] == []
        # and the restarted server serves TensorBoard as before; stopping it leaves nothing either
        status, again, _ = server.request("POST", "tensorboards", {"runs": [run["id"]]}, timeout=180)
        assert status == 201 and tensorboard_pid(again) != pid
        assert proxy(server, again["path"] + "data/logdir")[0] == 200
        assert server.request("DELETE", f"tensorboards/{again['id']}")[0] == 204
        assert tensorboard_temp_items(own_temp) == []
    finally:
        kill_if_same(pid, ticks)


STRAY_HOLDER = r"""
import time
print("ready", flush=True)
time.sleep(600)
"""


def test_restart_stops_strays_whose_server_is_gone_and_never_a_reused_pid(server_factory, own_temp, tmp_path):
    """Where the parent-death signal could not act (another OS, a starter that died before setting it), the
    registry does: a restarted server stops the TensorBoards recorded by a starter that is gone. A recorded pid
    whose start time differs is another process now and is not signalled."""
    from jupyter_estimator import Tensorboard
    from jupyter_estimator.store.liveness import identity
    from jupyter_estimator.tensorboard import REGISTRY_FOLDER, TEMP_PREFIX

    server = server_factory().start()
    run = finished_run(server)
    server.kill(signal.SIGTERM)
    registry = tmp_path / "workspace" / REGISTRY_FOLDER

    class Ref:  # the run as the server's manager passes it
        id, path, live = run["id"], run_path(tmp_path / "workspace", run["id"]), False

    # a real TensorBoard recorded in the workspace, as a server would have started it...
    board = Tensorboard([Ref()], port=0, path_prefix="/estimator/tensorboard/0123456789ab", registry=registry)
    url = board.start()
    pid, ticks = board.process.pid, process_start_ticks(board.process.pid)
    # ...whose starter is gone: a process that has exited
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead_identity = identity(dead.pid)
    dead.wait()
    entries = list(registry.glob(TEMP_PREFIX + "*.json"))
    assert len(entries) == 1, entries
    record = json.loads(entries[0].read_text())
    record["owner"] = {**record["owner"], **dead_identity}
    entries[0].write_text(json.dumps(record))
    stray_temp = Path(record["temp_dir"])
    assert stray_temp.is_dir()

    # a recorded TensorBoard whose pid now belongs to another program, one that even names tensorboard.main
    holder = subprocess.Popen([sys.executable, "-c", STRAY_HOLDER, "tensorboard.main"], stdout=subprocess.PIPE)
    holder_ticks = process_start_ticks(holder.pid)
    reused_temp = own_temp / (TEMP_PREFIX + "reused")
    reused_temp.mkdir()
    (registry / (TEMP_PREFIX + "reused.json")).write_text(json.dumps({
        "pid": holder.pid, "start_ticks": holder_ticks - 1, "temp_dir": str(reused_temp), "argv": [],
        "owner": {**record["owner"]}}))
    try:
        assert holder.stdout.readline().strip() == b"ready"
        assert same_process(pid, ticks) and urllib.request.urlopen(url + "data/logdir", timeout=10).status == 200
        server.start()  # sweeps at start
        wait_for(lambda: not same_process(pid, ticks), 30, "the stray TensorBoard to be stopped")
        assert not stray_temp.exists() and not reused_temp.exists()
        assert list(registry.glob("*.json")) == []
        assert holder.poll() is None and same_process(holder.pid, holder_ticks), "a reused pid was signalled"
    finally:
        holder.kill()
        holder.wait()
        board.stop()


def test_a_kernels_tensorboard_dies_with_the_kernel_even_if_its_thread_ended(server_factory, own_temp, tmp_path):
    """The SDK without a server (a kernel): TensorBoard is started from a thread that then ends (the parent-death
    signal follows the forking thread: it must not fire then), and dies when the kernel is SIGKILLed; a server
    started later on the workspace removes its temp folder."""
    server = server_factory().start()
    run = finished_run(server)
    server.kill(signal.SIGTERM)
    code = f"""
import os, sys, threading, time
os.environ["JUPYTER_ESTIMATOR_NO_SERVER"] = "1"
from jupyter_estimator import Experiment, Run, Tensorboard, Workspace
run = Run(Experiment(Workspace(path={str(tmp_path / 'workspace')!r}), "rest"), {run['id']!r})
started = {{}}
def start():
    board = Tensorboard([run], port=0)
    started["url"] = board.start()
    started["pid"] = board.process.pid
worker = threading.Thread(target=start)
worker.start()
worker.join()
time.sleep(1)  # the starting thread has ended
print(started["pid"], started["url"], flush=True)
time.sleep(600)
"""
    kernel = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              start_new_session=True)
    pid = ticks = None
    try:
        line = kernel.stdout.readline().decode().split()
        assert len(line) == 2, kernel.stderr.read().decode()[-3000:] if kernel.poll() is not None else line
        pid, url = int(line[0]), line[1]
        ticks = process_start_ticks(pid)
        assert same_process(pid, ticks), "TensorBoard died when the thread that started it ended"
        assert urllib.request.urlopen(url + "data/logdir", timeout=10).status == 200
        left = tensorboard_temp_items(own_temp)
        assert left, "the TensorBoard should have its temp files under the kernel's TMPDIR"
        kernel.kill()
        kernel.wait()
        wait_for(lambda: not same_process(pid, ticks), 30,
                 lambda: f"the kernel's TensorBoard (pid {pid}) still runs after the kernel was SIGKILLed "
                         f"(parent now {parent_of(pid)})")
        server.start()
        assert tensorboard_temp_items(own_temp) == [], f"temp files of the killed kernel's TensorBoard stayed: {left}"
    finally:
        kernel.kill()
        kernel.wait()
        if pid is not None:
            kill_if_same(pid, ticks)


# --- In-process server (pytest-jupyter) with a real TensorBoard ---------------------------------------------

@pytest.fixture
def jp_base_url():
    return "/user/someone/"


@pytest.fixture
def jp_server_config(home, monkeypatch):
    monkeypatch.setenv("JUPYTER_ESTIMATOR_NO_SERVER", "1")  # the test process itself stays in-process
    return {"ServerApp": {"jpserver_extensions": {"jupyter_estimator": True}, "allow_unauthenticated_access": False},
            "EstimatorApp": {"workspace_path": str(home), "status_poll_interval": 0.1}}


async def start_board(jp_fetch, run) -> dict:
    response = await jp_fetch("estimator", "api", "tensorboards", method="POST", body=json.dumps({"runs": [run.id]}),
                              request_timeout=180)
    assert response.code == 201
    return json.loads(response.body)


class Recorder:
    """A plain HTTP relay on 127.0.0.1 in front of the real TensorBoard: records each request line and headers
    it gets, and answers with what TensorBoard answered."""

    def __init__(self, target_port: int) -> None:
        import http.server
        self.seen: list[dict] = []
        recorder = self

        class Relay(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                recorder.seen.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}})
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{target_port}{self.path}", timeout=30) as answer:
                        code, body, kind = answer.status, answer.read(), answer.headers.get("Content-Type", "")
                except urllib.error.HTTPError as exc:
                    code, body, kind = exc.code, exc.read(), exc.headers.get("Content-Type", "")
                self.send_response(code)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Relay)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- item 14: no Jupyter token in what TensorBoard receives -------------------------------------------------

async def test_the_proxy_keeps_the_query_token_from_tensorboard(jp_fetch, jp_serverapp, exp, own_temp):
    """A real TensorBoard, seen through a recording relay placed on the instance's port: what the proxy sends has
    neither `token` nor `_xsrf`, has every other parameter in order, and TensorBoard answers it."""
    run = logged_run(exp, "loss")
    board = await start_board(jp_fetch, run)
    instance = jp_serverapp.web_app.settings["jupyter_estimator"].tensorboards.instances[board["id"]]
    relay = Recorder(instance.port)
    instance.port = relay.port
    token = jp_serverapp.identity_provider.token
    try:
        tags = json.loads((await jp_fetch("estimator", "tensorboard", board["id"], "data", "plugin", "scalars", "tags",
                                          params={"token": token})).body)
        run_name = next(name for name, values in tags.items() if "loss" in values)
        response = await jp_fetch("estimator", "tensorboard", board["id"], "data", "plugin", "scalars", "scalars",
                                  params={"run": run_name, "token": token, "tag": "loss", "_xsrf": "2|abc|def|1",
                                          "foo": "bar"})
        assert response.code == 200
        assert [point[2] for point in json.loads(response.body)] == [1.0]  # TensorBoard got run and tag
        forwarded = relay.seen[-1]["path"]
        assert token not in forwarded and "token=" not in forwarded and "_xsrf" not in forwarded, forwarded
        query = forwarded.split("?", 1)[1]
        assert query == urllib.parse.urlencode({"run": run_name, "tag": "loss", "foo": "bar"}), forwarded
        assert all("token" not in value for header in relay.seen for value in header["headers"].values())
        assert "token=" not in relay.seen[0]["path"], relay.seen[0]["path"]
    finally:
        relay.close()


def test_forwarded_query_drops_credentials_however_written_and_keeps_the_rest():
    from jupyter_estimator.server.tensorboard_handlers import forward_url, forwarded_query
    assert forwarded_query("token=abc&foo=bar") == "foo=bar"
    assert forwarded_query("a=1&%74oken=x&b=2&token=y&_xsrf=z&a=3") == "a=1&b=2&a=3"
    assert forwarded_query("tokenizer=1&my_token=2&q=token%3Dx&foo=a%26b") == "tokenizer=1&my_token=2&q=token%3Dx&foo=a%26b"
    assert forwarded_query("token&_xsrf=&&x") == "x"
    assert forward_url(6006, "/p/estimator/tensorboard/k", "data/x", "token=t") == "http://127.0.0.1:6006/p/estimator/tensorboard/k/data/x"
    assert forward_url(6006, "/p", "data/x", "token=t&run=r") == "http://127.0.0.1:6006/p/data/x?run=r"


# --- the idle reaper does not block the event loop ----------------------------------------------------------

async def test_reaping_an_idle_tensorboard_leaves_the_server_answering(jp_fetch, jp_serverapp, exp, own_temp):
    """A TensorBoard that takes its time to stop (stopped with SIGSTOP: the SIGTERM waits, then SIGKILL after the
    10 s grace) is reaped while the server goes on answering: a request made as the reaper starts is answered
    while that TensorBoard is still there, and the reaper does stop it."""
    from tornado.ioloop import IOLoop
    run = logged_run(exp, "loss")
    board = await start_board(jp_fetch, run)
    extension = jp_serverapp.web_app.settings["jupyter_estimator"]
    if getattr(extension, "_reaper", None) is None:  # pytest-jupyter does not run the extension's start hook
        await extension._start_jupyter_server_extension(jp_serverapp)
    instance = extension.tensorboards.instances[board["id"]]
    pid = instance.board.process.pid
    ticks = process_start_ticks(pid)
    os.kill(pid, signal.SIGSTOP)
    try:
        instance.last_access -= 10 * 3600  # idle for ten hours
        IOLoop.current().add_callback(extension._reaper.callback)  # as the periodic callback would, on the loop
        response = await jp_fetch("estimator", "api", "tensorboards", request_timeout=120)
        state_when_answered = process_state(pid) if same_process(pid, ticks) else "gone"
        assert response.code == 200
        assert state_when_answered == "T", (
            f"the server answered only after the reaper had finished with TensorBoard pid {pid} "
            f"(state {state_when_answered}): the reaper blocked the event loop")
        deadline = time.monotonic() + 60
        while same_process(pid, ticks) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        assert not same_process(pid, ticks), "the idle TensorBoard should have been reaped"
        assert board["id"] not in extension.tensorboards.instances
    finally:
        kill_if_same(pid, ticks)
