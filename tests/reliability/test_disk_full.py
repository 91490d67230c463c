"""A workspace on a small tmpfs that fills up (issue 9, item 9): the run ends Failed saying where space ran out,
its last log lines are kept, status.json stays valid, a submit while full is a clear 507, and nothing
half-written is left behind."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from .conftest import LiveServer, submit_body

FILLS_THE_DISK = """
import os, sys
print('LINE-BEFORE-THE-DISK-FILLED', flush=True)
os.makedirs('outputs', exist_ok=True)
block = b'x' * (1 << 20)
written = 0
with open('outputs/huge.bin', 'wb') as handle:
    while True:
        handle.write(block)
        handle.flush()
        written += 1
        print('wrote', written, 'MiB', flush=True)
"""


@pytest.fixture
def small_disk(tmp_path):
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / f"small-{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=20m", "tmpfs", str(mount)], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def run_filling_the_disk(workspace: Path, project: Path):
    from jupyter_estimator import Environment, Experiment, ScriptRunConfig, Workspace
    (project / "train.py").write_text(FILLS_THE_DISK)
    env = Environment("full")
    env.python.user_managed_dependencies = True
    ws = Workspace(path=str(workspace))
    run = Experiment(ws, "full").submit(ScriptRunConfig(str(project), script="train.py", environment=env))
    details = run.wait_for_completion(raise_on_error=False)
    return ws, run, details


def test_a_run_that_fills_the_disk_fails_clearly_and_keeps_its_last_lines(small_disk, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    ws, run, details = run_filling_the_disk(small_disk / "ws", project)
    assert details["status"] == "Failed", details
    error = details["error"]
    assert error["code"] == "NoSpaceLeft" and "No space left on" in error["message"] and str(small_disk) in error["message"]
    status = json.loads((Path(run.path) / "status.json").read_text())  # valid JSON, final
    assert status["status"] == "Failed"
    log = (Path(run.path) / "user_logs" / "std_log.txt").read_text(errors="replace")
    assert "LINE-BEFORE-THE-DISK-FILLED" in log
    assert "No space left on device" in log  # the script's last words are kept
    assert not (Path(run.path) / ".space-reserve").exists()
    # space comes back: the record still says what happened (not "OwnerLost")
    os.unlink(Path(run.path) / "outputs" / "huge.bin")
    assert run.get_details()["error"]["code"] == "NoSpaceLeft"


def test_submitting_while_the_disk_is_full_is_a_clear_507_and_leaves_nothing(small_disk, tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    server = LiveServer(root, small_disk / "ws", "/", runtime).start()
    try:
        filler = small_disk / "filler.bin"
        with open(filler, "wb") as handle:  # fill the disk
            try:
                while True:
                    handle.write(b"\0" * (1 << 20))
                    handle.flush()
            except OSError:
                pass
        project = root / "project"
        project.mkdir()
        (project / "train.py").write_text("print('x' * 100)\n" * 2000)  # a new file: its blob must be written
        status, body, raw = server.request("POST", "runs", submit_body(project, "train.py"))
        assert status == 507, raw[:500]
        assert "No space left" in body["message"] and "Fix" in body["message"]
        blobs = small_disk / "ws" / "snapshots" / "blobs"
        assert not [p for p in blobs.rglob(".incoming-*")]
        assert not [p for p in (small_disk / "ws" / "runs").iterdir() if p.name.startswith(".staging-")]
        assert server.get("runs")["runs"] == []
        os.unlink(filler)
        status, body, raw = server.request("POST", "runs", submit_body(project, "train.py"))
        assert status == 201, raw[:500]
    finally:
        server.kill()
