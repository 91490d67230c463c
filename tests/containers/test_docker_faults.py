"""Docker runs outlive whoever started them: a SIGKILLed Jupyter server, a SIGKILLed supervisor."""

from __future__ import annotations

import json
import os
import signal
import time

from conftest import wait_for
from server.conftest import LiveServer, submit_body

from .conftest import TEST_IMAGE

NUMBERED = "import time\nfor i in range(1, 61):\n    print(f'line {i:03d}', flush=True)\n    time.sleep(0.1)\n"


def docker_body(source, script: str, experiment: str) -> dict:
    body = submit_body(source, script, experiment=experiment, use_docker=True)
    body["environment"]["docker"].update({"enabled": True, "base_image": TEST_IMAGE})
    return body


def test_a_server_killed_mid_run_leaves_the_container_run_complete_with_every_line_once(tmp_path, docker_client):
    root = tmp_path / "root"
    (root / "project").mkdir(parents=True)
    (root / "project" / "train.py").write_text(NUMBERED)
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    server = LiveServer(root, tmp_path / "workspace", "/", runtime).start()
    try:
        status, run, _ = server.request("POST", "runs", docker_body(root / "project", "train.py", "docker-kill"))
        assert status == 201, run
        log = tmp_path / "workspace" / "runs" / run["id"] / "user_logs" / "std_log.txt"
        wait_for(lambda: log.exists() and "line 005" in log.read_text(), 60, message="the container's first lines")
        server.kill(signal.SIGKILL)
        time.sleep(1.0)
        server.start()  # a new server over the same workspace
        final = wait_for(lambda: (r := server.get(f"runs/{run['id']}"))["status"] in ("Completed", "Failed") and r,
                         60, message="the run to finish")
        assert final["status"] == "Completed", final
        lines = [line for line in log.read_text().splitlines() if line.startswith("line ")]
        assert lines == [f"line {i:03d}" for i in range(1, 61)]  # every numbered line, once, in order
        assert not docker_client.containers.list(all=True, filters={"label": f"jupyter_estimator.run_id={run['id']}"})
    finally:
        server.kill(signal.SIGTERM)


def test_a_killed_supervisor_stops_its_container_and_the_run_is_reconciled(docker_ws, project, docker_client):
    from jupyter_estimator import Environment, Experiment, ScriptRunConfig
    project.write("train.py", "import time\nprint('started', flush=True)\ntime.sleep(600)\n")
    env = Environment.from_docker_image("image-env", TEST_IMAGE)
    env.python.user_managed_dependencies = True
    exp = Experiment(docker_ws, "docker-orphan")
    run = exp.submit(ScriptRunConfig(str(project), script="train.py", compute_target="local", environment=env))
    log = run._folder.path / "user_logs" / "std_log.txt"
    wait_for(lambda: log.exists() and "started" in log.read_text(), 60, message="the script to start")
    label = {"label": f"jupyter_estimator.run_id={run.id}"}
    status = json.loads(run._folder.status_path.read_text())
    os.kill(status["supervisor"]["pid"], signal.SIGKILL)
    # the container's init sees the supervisor's lock come free and stops the script: the container ends by itself
    wait_for(lambda: not docker_client.containers.list(filters=label), 15, message="the orphaned container to stop")
    wait_for(lambda: run.get_status() == "Failed", 30, message="the run to be reconciled as Failed")
    assert "stops its script by itself" in run.get_details()["error"]["message"]
    assert docker_client.containers.list(all=True, filters=label)  # stopped, kept until the next Docker run
    project.write("quick.py", "print('next')\n")
    nxt = exp.submit(ScriptRunConfig(str(project), script="quick.py", compute_target="local", environment=env))
    assert nxt.wait_for_completion(raise_on_error=False)["status"] == "Completed"
    assert not docker_client.containers.list(all=True, filters=label)  # the next run removed the leftover
