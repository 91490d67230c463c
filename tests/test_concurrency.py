"""Many processes submitting at once into one embedded store."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import PYTHON, python_env, wait_for
from jupyter_estimator import Experiment

SUBMITTER = """
import sys
from jupyter_estimator import Workspace, Experiment, ScriptRunConfig, Environment
env = Environment('e'); env.python.user_managed_dependencies = True
exp = Experiment(Workspace(), 'swarm')
for i in range(25):
    run = exp.submit(ScriptRunConfig(sys.argv[1], script='t.py', arguments=[sys.argv[2], i], environment=env),
                     tags={'worker': sys.argv[2]})
    print(run.id, flush=True)
"""


def test_four_processes_submit_25_runs_each(home, ws, project):
    project.write("t.py", "from jupyter_estimator import Run\nimport sys\nRun.get_context().log('i', int(sys.argv[2]))\n")
    procs = [subprocess.Popen([PYTHON, "-c", SUBMITTER, str(project), str(w)], env=python_env(home),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for w in range(4)]
    outputs = [p.communicate(timeout=300) for p in procs]
    for (out, err), proc in zip(outputs, procs):
        assert proc.returncode == 0, err
        assert "locked" not in err
        assert len(out.split()) == 25
    ids = {run_id for out, _ in outputs for run_id in out.split()}
    assert len(ids) == 100
    rows = ws.store.index.read("SELECT run_id, run_number FROM runs")
    assert {r["run_id"] for r in rows} == ids
    assert sorted(r["run_number"] for r in rows) == list(range(1, 101))
    exp = Experiment(ws, "swarm")

    def all_final():
        statuses = [r["status"] for r in ws.store.index.read("SELECT status FROM runs")]
        return all(s in ("Completed", "Failed", "Canceled") for s in statuses) and statuses
    statuses = wait_for(all_final, timeout=240, interval=0.5, message="all 100 runs to finish")
    assert statuses.count("Completed") == 100
    for run_id in ids:
        log = (Path(ws.path) / "runs" / run_id / "supervisor.log").read_text()
        assert "locked" not in log, log
    assert len(list(exp.get_runs(tags={"worker": "3"}))) == 25
