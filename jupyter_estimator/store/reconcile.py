"""Bring recorded state back in line with reality after crashes.

A run in a non-terminal state must have a living owner: the detached supervisor of a submitted
run, or the process that started an interactive run. When that owner is gone, the run is marked
Failed with the reason, and a training process group it left behind is stopped.
"""

from __future__ import annotations

import os
import signal
import time

from ..core.status import RunStatus, is_terminal
from .workspace_store import WorkspaceStore
from .liveness import is_alive, process_start_ticks

# A submission writes status.json before its supervisor has recorded itself; give it this long.
LAUNCH_GRACE_SECONDS = 60.0


def reconcile_run(store: WorkspaceStore, run_id: str) -> dict:
    folder = store.run_folder(run_id)
    record = folder.read_status()
    if is_terminal(record.get("status", RunStatus.NOT_STARTED)):
        return record
    owner_key = "supervisor" if "supervisor" in record else "owner" if "owner" in record else None
    if owner_key is None:
        created = record.get("created_time") or 0
        if time.time() - created < LAUNCH_GRACE_SECONDS or record.get("run_type") == "detached-child":
            return record
        reason = "no process ever took charge of this run (its launch failed)"
    else:
        owner = record[owner_key]
        if is_alive(owner.get("pid"), owner.get("start_ticks")):
            return record
        what = "its supervisor" if owner_key == "supervisor" else "the process that started it"
        reason = f"{what} (pid {owner.get('pid')}) is gone, and the run did not reach a final status"
    _stop_orphan(record.get("process"))
    if record.get("container"):
        reason += (f"; its container {record['container'].get('name')} stops its script by itself once it sees that, "
                   "and the next Docker run removes it")
    updated = store.transition(run_id, RunStatus.FAILED,
                               error={"code": "OwnerLost", "message": f"Run {run_id} was marked Failed: {reason}."})
    return updated or folder.read_status()


def reconcile_all(store: WorkspaceStore) -> list[str]:
    """Reconcile every run the index believes unfinished; returns the ids that were changed."""
    changed = []
    for row in store.runs.non_terminal():
        try:
            before = store.run_folder(row.run_id).read_status().get("status")
            after = reconcile_run(store, row.run_id).get("status")
        except Exception:  # a damaged folder must not stop the others
            continue
        if after != before or after != row.status:
            store.runs.update(row.run_id, status=after)
            changed.append(row.run_id)
    return changed


def _stop_orphan(process: dict | None) -> None:
    """Kill the run's whole process group, whether or not its leader still lives.

    The script may have died with the supervisor (a broken pipe) while something it started goes on
    in the same group. Linux never hands out a pid that is still some group's id, so while any member
    lives the group id is ours. The one unsafe case is a leader pid reused by a stranger after the
    whole group ended: then that pid exists with another start time, and nothing is killed.
    """
    if not process or not process.get("pgid"):
        return
    pid, pgid = process.get("pid"), process["pgid"]
    leader_is_ours = is_alive(pid, process.get("start_ticks"))
    leader_pid_free = process_start_ticks(pid) is None if pid else True
    if not (leader_is_ours or leader_pid_free):
        return
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
