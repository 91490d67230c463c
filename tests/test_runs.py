"""Submitted runs end to end, with real supervisor and script processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from conftest import PYTHON, python_env, read_log, submit_script, wait_for
from jupyter_estimator import Estimator, Run, ScriptRunConfig
from jupyter_estimator.core.errors import ActivityFailedException
from jupyter_estimator.store.liveness import is_alive


def test_completed_run_records_lifecycle_arguments_and_output(exp, project):
    run = submit_script(exp, project, "train.py", """
        import sys
        print("hello", sys.argv[1:])
    """, arguments=["--lr", 0.5])
    assert run.id.startswith("tests_") and len(run.id.split("_")[-1]) == 8
    details = run.wait_for_completion()
    assert details["status"] == "Completed"
    assert details["runDefinition"]["arguments"] == ["--lr", "0.5"]
    assert "hello ['--lr', '0.5']" in read_log(run)
    history = [h[0] for h in json.loads((Path(run.path) / "status.json").read_text())["history"]]
    assert history == ["NotStarted", "Preparing", "Starting", "Running", "Finalizing", "Completed"]
    assert details["exitCode"] == 0
    assert details["startTimeUtc"] and details["endTimeUtc"]


def test_failing_script_is_failed_with_its_traceback(exp, project):
    run = submit_script(exp, project, "bad.py", """
        def inner():
            raise ValueError("boom at step 3")
        inner()
    """)
    with pytest.raises(ActivityFailedException, match="boom at step 3") as caught:
        run.wait_for_completion()
    assert run.get_status() == "Failed"
    log = read_log(run)
    assert "Traceback (most recent call last)" in log and 'line 3, in inner' in log
    assert caught.value.error_details["code"] == "UserError"
    assert run.get_details()["exitCode"] == 1


def test_exit_code_and_signal_are_recorded(exp, project):
    run = submit_script(exp, project, "exit3.py", "import sys; sys.exit(3)")
    details = run.wait_for_completion(raise_on_error=False)
    assert details["status"] == "Failed" and details["exitCode"] == 3
    run = submit_script(exp, project, "killed.py", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)")
    details = run.wait_for_completion(raise_on_error=False)
    assert details["exitCode"] == -9 and details["signal"] == "SIGKILL"
    assert "SIGKILL" in details["error"]["message"]


def test_cancel_kills_the_script_and_its_children(exp, project, tmp_path):
    pids = tmp_path / "pids.txt"
    run = submit_script(exp, project, "spawner.py", f"""
        import subprocess, sys, time
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        open({str(pids)!r}, "w").write(f"{{child.pid}}\\n")
        print("started child", flush=True)
        time.sleep(600)
    """)
    wait_for(lambda: "started child" in read_log(run), message="the child to start")
    child_pid = int(pids.read_text())
    record = json.loads((Path(run.path) / "status.json").read_text())
    script_pid = record["process"]["pid"]
    assert run.cancel() is True
    details = run.wait_for_completion(raise_on_error=False)
    assert details["status"] == "Canceled"
    wait_for(lambda: not is_alive(child_pid, None) and not is_alive(script_pid, None), timeout=15,
             message="the script and its child to die")
    assert run.cancel() is False  # already final


def test_run_outlives_the_process_that_submitted_it(home, project, exp):
    project.write("slow.py", """
        import time
        for i in range(20):
            print("tick", i, flush=True)
            time.sleep(0.1)
    """)
    submitter = subprocess.Popen([PYTHON, "-c", f"""
import time
from jupyter_estimator import Workspace, Experiment, ScriptRunConfig, Environment
env = Environment('e'); env.python.user_managed_dependencies = True
run = Experiment(Workspace(), 'tests').submit(ScriptRunConfig({str(project)!r}, script='slow.py', environment=env))
print(run.id, flush=True)
time.sleep(600)
"""], env=python_env(home), stdout=subprocess.PIPE, text=True)
    run_id = submitter.stdout.readline().strip()
    run = Run(exp, run_id)
    wait_for(lambda: "tick 2" in read_log(run), message="the run to start ticking")
    submitter.kill()  # SIGKILL: no cleanup in the submitter
    submitter.wait()
    assert run.wait_for_completion()["status"] == "Completed"
    assert [line for line in read_log(run).splitlines() if line.startswith("tick")] == [f"tick {i}" for i in range(20)]


def test_output_is_line_complete_and_nothing_is_lost(exp, project):
    run = submit_script(exp, project, "chatty.py", """
        import sys
        for i in range(20000):
            stream = sys.stdout if i % 2 else sys.stderr
            print(f"line {i:05d} " + "x" * 50, file=stream)
        sys.stdout.write("no newline at the end")
    """)
    run.wait_for_completion()
    lines = read_log(run).splitlines()
    numbered = sorted(l for l in lines if l.startswith("line "))
    assert numbered == [f"line {i:05d} " + "x" * 50 for i in range(20000)]
    assert lines[-1] == "no newline at the end"


def test_max_run_duration_stops_the_run(exp, project):
    run = submit_script(exp, project, "forever.py", "import time; print('up', flush=True); time.sleep(600)",
                        max_run_duration_seconds=1)
    details = run.wait_for_completion(raise_on_error=False)
    assert details["status"] == "Failed"
    assert details["error"]["code"] == "MaxRunDurationExceeded"


def test_max_concurrent_runs_queues_the_rest(ws, exp, project, tmp_path):
    ws.set_settings(max_concurrent_runs=1)
    gate = tmp_path / "gate"
    code = f"""
        import os, time
        print('running', flush=True)
        while not os.path.exists({str(gate)!r}):
            time.sleep(0.05)
    """
    first = submit_script(exp, project, "gated.py", code)
    wait_for(lambda: first.get_status() == "Running", message="the first run to start")
    second = submit_script(exp, project, "gated.py", code)
    wait_for(lambda: second.get_status() == "Queued", message="the second run to queue")
    time.sleep(0.5)
    assert second.get_status() == "Queued" and "max_concurrent_runs" in second.get_detailed_status()["details"]
    gate.write_text("go")
    assert first.wait_for_completion()["status"] == "Completed"
    assert second.wait_for_completion()["status"] == "Completed"


def test_cancel_while_queued(ws, exp, project, tmp_path):
    ws.set_settings(max_concurrent_runs=1)
    gate = tmp_path / "gate"
    first = submit_script(exp, project, "gated.py", f"""
        import os, time
        while not os.path.exists({str(gate)!r}):
            time.sleep(0.05)
    """)
    wait_for(lambda: first.get_status() == "Running")
    second = submit_script(exp, project, "quick.py", "print('should never run')")
    wait_for(lambda: second.get_status() == "Queued")
    second.cancel()
    assert second.wait_for_completion(raise_on_error=False)["status"] == "Canceled"
    assert "should never run" not in read_log(second)
    gate.write_text("go")
    first.wait_for_completion()


def test_script_sees_its_run_folder_and_variables(exp, project, monkeypatch):
    from jupyter_estimator import Environment
    monkeypatch.delenv("MY_VAR", raising=False)  # it can only come from the environment below
    project.write("env.py", """
        import os, json
        keys = ["AZUREML_RUN_ID", "AZUREML_ARM_PROJECT_NAME", "JUPYTER_ESTIMATOR_RUN_ID", "MY_VAR"]
        os.makedirs("outputs", exist_ok=True)
        open("outputs/env.json", "w").write(json.dumps({k: os.environ.get(k) for k in keys}))
        open("logs/events.txt", "w").write("for tensorboard")
        print("cwd", os.getcwd())
    """)
    env = Environment("env-with-variables")
    env.python.user_managed_dependencies = True
    env.environment_variables = {"MY_VAR": "set by the environment: a b=c"}
    run = exp.submit(ScriptRunConfig(str(project), script="env.py", arguments=["$AZUREML_RUN_ID"], environment=env))
    run.wait_for_completion()
    seen = json.loads((Path(run.path) / "outputs" / "env.json").read_text())
    assert seen["MY_VAR"] == "set by the environment: a b=c"
    assert seen["AZUREML_RUN_ID"] == run.id == seen["JUPYTER_ESTIMATOR_RUN_ID"]
    assert seen["AZUREML_ARM_PROJECT_NAME"] == "tests"
    assert (Path(run.path) / "logs" / "events.txt").exists()
    assert f"cwd {Path(run.path) / 'snapshot'}" in read_log(run)
    assert run.get_details()["runDefinition"]["arguments"] == ["$AZUREML_RUN_ID"]


def test_dollar_variables_in_arguments_are_expanded_without_a_shell(exp, project):
    run = submit_script(exp, project, "args.py", "import sys; print('ARGS', sys.argv[1:])",
                        arguments=["$AZUREML_RUN_ID", "${NOT_SET_ANYWHERE}", "; rm -rf /"])
    run.wait_for_completion()
    assert f"ARGS ['{run.id}', '${{NOT_SET_ANYWHERE}}', '; rm -rf /']" in read_log(run)


def test_command_instead_of_script(exp, project):
    from jupyter_estimator import Environment
    project.write("mod.py", "import sys; print('via command', sys.argv[1:])")
    env = Environment("e")
    env.python.user_managed_dependencies = True
    run = exp.submit(ScriptRunConfig(str(project), command=["python", "mod.py", "a b"], environment=env))
    run.wait_for_completion()
    assert "via command ['a b']" in read_log(run)


def test_snapshot_honours_amlignore_and_is_content_addressed(exp, project):
    project.write("train.py", "print('ok')")
    project.write("data/big.bin", "x" * 1000)
    project.write("keep/me.txt", "kept")
    project.write(".gitignore", "keep/\n")
    project.write(".amlignore", "data/\n")  # .amlignore wins over .gitignore
    from jupyter_estimator import Environment
    env = Environment("e")
    env.python.user_managed_dependencies = True
    first = exp.submit(ScriptRunConfig(str(project), script="train.py", environment=env))
    second = exp.submit(ScriptRunConfig(str(project), script="train.py", environment=env))
    snapshot = Path(first.path) / "snapshot"
    assert (snapshot / "keep" / "me.txt").exists() and not (snapshot / "data").exists()
    assert first.get_snapshot_id() == second.get_snapshot_id()
    # one stored copy, but each run its own private file (issue 9 item 1)
    assert os.stat(snapshot / "train.py").st_ino != os.stat(Path(second.path) / "snapshot" / "train.py").st_ino
    project.write("train.py", "print('changed')")
    third = exp.submit(ScriptRunConfig(str(project), script="train.py", environment=env))
    assert third.get_snapshot_id() != first.get_snapshot_id()
    archive = first.restore_snapshot(path=str(project.path.parent))
    with zipfile.ZipFile(archive) as zf:
        assert sorted(zf.namelist()) == [".amlignore", ".gitignore", "keep/me.txt", "train.py"]
        assert zf.read("train.py") == b"print('ok')"
    for run in (first, second, third):
        run.wait_for_completion()


def test_git_properties_are_recorded(exp, project):
    project.write("train.py", "print('ok')")
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run(["git", "init", "-q", "-b", "main", str(project)], check=True)
    subprocess.run(git + ["-C", str(project), "add", "."], check=True)
    subprocess.run(git + ["-C", str(project), "commit", "-qm", "init"], check=True)
    subprocess.run(["git", "-C", str(project), "remote", "add", "origin", "https://example.com/repo.git"], check=True)
    commit = subprocess.run(["git", "-C", str(project), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    run = submit_script(exp, project, "train.py", "print('ok')")
    props = run.get_properties()
    assert props["azureml.git.commit"] == commit == props["mlflow.source.git.commit"]
    assert props["azureml.git.branch"] == "main"
    assert props["azureml.git.repository_uri"] == "https://example.com/repo.git"
    assert props["azureml.git.dirty"] == "False"
    project.write("train.py", "print('edited')")
    assert submit_script(exp, project, "train.py", "print('edited')").get_properties()["azureml.git.dirty"] == "True"
    run.wait_for_completion()


def test_estimator_submit_overrides_only_script_params(exp, project):
    project.write("p.py", "import sys; print('P', sys.argv[1:])")
    est = Estimator(str(project), compute_target="local", entry_script="p.py", script_params={"--a": 1, "--b": 2},
                    user_managed=True)
    run = exp.submit(est, script_params={"--b": 3})
    run.wait_for_completion()
    assert "P ['--a', '1', '--b', '3']" in read_log(run)
    assert est.script_params == {"--a": 1, "--b": 2}
    from jupyter_estimator.core.errors import TrainingException
    with pytest.raises(TrainingException, match="node_count: cannot be overridden"):
        exp.submit(est, node_count=2)


def test_supervisor_death_is_reconciled_as_failed(exp, project):
    run = submit_script(exp, project, "sleepy.py", "import time; print('up', flush=True); time.sleep(600)")
    wait_for(lambda: "up" in read_log(run))
    record = json.loads((Path(run.path) / "status.json").read_text())
    os.kill(record["supervisor"]["pid"], signal.SIGKILL)
    wait_for(lambda: not is_alive(record["supervisor"]["pid"], record["supervisor"]["start_ticks"]))
    assert run.get_status() == "Failed"
    assert "supervisor" in run.get_details()["error"]["message"]
    wait_for(lambda: not is_alive(record["process"]["pid"], None), message="the orphaned script to be stopped")
