"""Processes end cleanly: a dead supervisor takes its script's whole group with it, and a run never starts
with limits that cannot be enforced (issue 9, items 10–11)."""

from __future__ import annotations

import json
import os
import signal
import time

from conftest import submit_script, wait_for


def pid_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def test_supervisor_death_kills_the_scripts_grandchildren(home, exp, project):
    run = submit_script(exp, project, "train.py", """
        import subprocess, sys, time
        child = subprocess.Popen(["sleep", "300"])
        print("GRANDCHILD", child.pid, flush=True)
        while True:
            print("tick", flush=True)
            time.sleep(0.1)
        """)
    log = wait_for(lambda: "GRANDCHILD" in (text := _log(run)) and text, 60, message="the script's first line")
    grandchild = int(log.split("GRANDCHILD ", 1)[1].split()[0])
    status = json.loads((home / "runs" / run.id / "status.json").read_text())
    os.kill(status["supervisor"]["pid"], signal.SIGKILL)
    # the script dies of the broken pipe at its next print; the sleep it started does not
    wait_for(lambda: not pid_alive(status["process"]["pid"]), 30, message="the script to die with its supervisor")
    assert pid_alive(grandchild)
    wait_for(lambda: run.get_status() == "Failed", 60, message="the run to be reconciled as Failed")
    wait_for(lambda: not pid_alive(grandchild), 10, message=f"sleep 300 (pid {grandchild}) to be killed")
    assert "OwnerLost" in json.dumps(run.get_details()["error"]) or "is gone" in run.get_details()["error"]["message"]


def test_a_run_folder_with_an_unbounded_duration_never_starts_its_script(home, exp, project, tmp_path):
    """A run.json written by some other client with a huge limit: the supervisor refuses before starting anything."""
    from jupyter_estimator.runner.launch import start_supervisor
    marker = tmp_path / "started"
    run = submit_script(exp, project, "train.py", f"open({str(marker)!r}, 'w').write('ran')\n")
    run.wait_for_completion()
    assert marker.exists()
    marker.unlink()
    # a second run folder, made like the first, whose spec then says 10**400 seconds
    second = submit_script(exp, project, "train.py", f"import time; time.sleep(2); open({str(marker)!r}, 'w').write('ran')\n")
    second.wait_for_completion(raise_on_error=False)
    marker.unlink(missing_ok=True)
    folder = exp.workspace.store.run_folder(second.id)
    spec = json.loads(folder.spec_path.read_text())
    spec["max_run_duration_seconds"] = 10**400
    folder.spec_path.write_text(json.dumps(spec))
    (folder.path / "status.json").write_text(json.dumps({"status": "NotStarted", "created_time": time.time(),
                                                         "history": [["NotStarted", time.time()]]}))
    exp.workspace.store.runs.update(second.id, status="NotStarted")
    start_supervisor(exp.workspace.store.root, folder)
    wait_for(lambda: folder.read_status().get("status") == "Failed", 30, message="the supervisor to refuse the spec")
    error = folder.read_status()["error"]
    assert error["code"] == "InvalidRunSpec" and "max_run_duration_seconds" in error["message"]
    time.sleep(3)  # longer than the script would take to write its marker
    assert not marker.exists()


def test_sdk_refuses_an_unbounded_duration_naming_the_field(exp, project):
    import pytest
    from jupyter_estimator import ScriptRunConfig
    from jupyter_estimator.core.errors import UserErrorException
    project.write("train.py", "print('never')")
    config = ScriptRunConfig(str(project), script="train.py")
    config.run_config.max_run_duration_seconds = 10**400
    with pytest.raises(UserErrorException, match="max_run_duration_seconds"):
        exp.submit(config)
    assert list(exp.get_runs()) == []


def _log(run) -> str:
    path = os.path.join(run.path, "user_logs", "std_log.txt")
    return open(path).read() if os.path.exists(path) else ""
