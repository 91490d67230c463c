"""TensorBoard started by the SDK in this process (no server): reuse per run set, idle reaping, and the page's
auto-reload bootstrap that the server's proxy injects."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .test_tensorboard import EVENTS, tensorboard_pids, wait_for  # noqa: F401


def logged_run(exp, tag: str, events: bool = True):
    """A completed interactive run; with `events`, one TensorBoard scalar in its logs/."""
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.summary_pb2 import Summary
    from tensorboard.summary.writer.event_file_writer import EventFileWriter
    run = exp.start_logging(snapshot_directory=None)
    if events:
        writer = EventFileWriter(str(Path(run.path) / "logs"))
        writer.add_event(Event(wall_time=time.time(), step=0, summary=Summary(value=[Summary.Value(tag=tag, simple_value=1.0)])))
        writer.close()
    run.complete()
    return run


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "data/logdir", timeout=5):
            return True
    except OSError:
        return False


def test_idle_instances_are_reaped_and_busy_ones_kept(ws, exp, monkeypatch):
    from jupyter_estimator.server.tensorboard_manager import TensorboardManager
    monkeypatch.setenv("JUPYTER_ESTIMATOR_NO_SERVER", "1")
    idle_run, busy_run = logged_run(exp, "idle"), logged_run(exp, "busy")
    manager = TensorboardManager(ws.store, "/", idle_seconds=3600)
    try:
        idle, busy = manager.start([idle_run.id]), manager.start([busy_run.id])
        idle_process, busy_process = idle.board.process, busy.board.process
        idle_url, busy_url = idle.board.url, busy.board.url
        assert answers(idle_url) and answers(busy_url)
        idle.last_access -= 7200  # untouched for two hours; `busy` was used just now
        assert manager.reap_idle() == [idle.key]
        assert idle_process.poll() is not None, "the idle TensorBoard should have exited"
        assert not answers(idle_url)
        assert manager.get(idle.key) is None and manager.get(busy.key) is busy
        assert busy_process.poll() is None and answers(busy_url)
        # asked for again, the reaped set gets a fresh instance
        again = manager.start([idle_run.id])
        assert again.pid != idle_process.pid and answers(again.board.url)
    finally:
        manager.stop_all()
    assert busy_process.poll() is not None and manager.instances == {}


def test_sdk_reuses_one_local_process_per_set_of_runs(ws, exp, monkeypatch):
    """Without a server: each click (a new Tensorboard object) over the same runs gets the running process."""
    from jupyter_estimator import Tensorboard
    from jupyter_estimator.tensorboard import NoTensorboardLogs
    monkeypatch.setenv("JUPYTER_ESTIMATOR_NO_SERVER", "1")
    first_run, second_run = logged_run(exp, "one"), logged_run(exp, "two")
    first = Tensorboard([first_run, second_run], port=0)
    try:
        url = first.start()
        again = Tensorboard([second_run, first_run], port=0)
        assert again.start() == url and again.process.pid == first.process.pid
        other = Tensorboard([first_run], port=0)
        assert other.start() != url and other.process.pid != first.process.pid
        other.stop()
    finally:
        first.stop()
    assert not answers(url)
    silent = logged_run(exp, "none", events=False)
    with pytest.raises(NoTensorboardLogs) as caught:
        Tensorboard([silent], port=0).start()
    assert silent.id in str(caught.value) and "Fix:" in str(caught.value) and caught.value.run_ids == [silent.id]


def test_the_bootstrap_script_is_plain_javascript_that_keeps_a_users_choice():
    """The auto-reload bootstrap, run by Node if present: it turns autoReload on, and leaves an explicit choice."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("needs node")
    from jupyter_estimator.server.tensorboard_handlers import AUTORELOAD_SCRIPT, AUTORELOAD_SETTINGS_KEY
    harness = """
const store = {};
global.window = {localStorage: {getItem: k => (k in store ? store[k] : null), setItem: (k, v) => { store[k] = String(v); }}};
const script = %s;
const key = %s;
eval(script);
const fresh = JSON.parse(store[key]);
store[key] = JSON.stringify({autoReload: false, pageSize: 5});
eval(script);
const chosen = JSON.parse(store[key]);
store[key] = JSON.stringify({pageSize: 7});
eval(script);
const merged = JSON.parse(store[key]);
console.log(JSON.stringify([fresh, chosen, merged]));
""" % (json.dumps(AUTORELOAD_SCRIPT), json.dumps(AUTORELOAD_SETTINGS_KEY))
    out = subprocess.run([node, "-e", harness], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [{"autoReload": True}, {"autoReload": False, "pageSize": 5},
                                      {"pageSize": 7, "autoReload": True}]
