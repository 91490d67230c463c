"""Starting a run's detached supervisor from whichever process submits (kernel, CLI, server)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from ..store.run_folder import RunFolder
from ..store.liveness import process_start_ticks


def start_supervisor(home: Path, folder: RunFolder) -> int:
    """Spawn the supervisor in a new session so that killing the submitter leaves the run going."""
    env = dict(os.environ)
    package_parent = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = package_parent + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    with open(folder.path / "supervisor.log", "ab") as log:
        process = subprocess.Popen([sys.executable, "-m", "jupyter_estimator.runner.supervisor", str(home), folder.path.name],
                                   stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True, close_fds=True, env=env, cwd=str(folder.path))
    # Record it at once, so that a supervisor dying before it records itself is seen as dead, not "launching".
    folder.update_status_fields(supervisor={"pid": process.pid, "start_ticks": process_start_ticks(process.pid)})
    # Reap it when it ends so long-lived kernels do not collect zombies; the run never depends on this thread.
    threading.Thread(target=process.wait, name=f"reap-{process.pid}", daemon=True).start()
    return process.pid
