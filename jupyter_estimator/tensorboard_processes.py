"""TensorBoard processes: starting them tied to their starter's life, stopping them, and sweeping strays.

A TensorBoard lives no longer than the process that started it (a Jupyter server, a kernel): on Linux it is
started through a tiny wrapper that sets the parent-death signal (prctl PR_SET_PDEATHSIG, SIGKILL), so it dies
with its starter even when that is SIGKILLed. Each one has its own temp folder (its output, and TMPDIR for
TensorBoard's own temp files) and, when a workspace is known, an entry under `<workspace>/tensorboards/` naming
its pid and start time and its starter's. `reap_strays` (run when a server starts, and periodically) stops the
TensorBoards whose starter is gone (matched by pid *and* start time, so a reused pid is never killed) and
removes their temp folders and entries.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .store.files import read_json
from .store.liveness import boot_id, command_line, is_alive, process_start_ticks

TEMP_PREFIX = "jupyter-estimator-tensorboard-"  # each TensorBoard's own temp folder, in the system temp dir
REGISTRY_FOLDER = "tensorboards"  # under the workspace: one JSON entry per TensorBoard started


@dataclass
class _Process:
    process: subprocess.Popen
    url: str
    log_path: str
    temp_dir: str | None = None
    entry: Path | None = None  # its registry entry, if any


def _terminate(running: _Process) -> None:
    process = running.process
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _kill_group(process.pid)  # its own session: TensorBoard's data server goes too
            process.wait(timeout=10)
    if running.temp_dir is not None:
        _remove(running.temp_dir, running.entry)
    else:
        try:
            os.unlink(running.log_path)
        except OSError:
            pass


def _kill_group(pid: int) -> None:
    """SIGKILL `pid` and, when it leads its own process group (it was started in a new session), the group."""
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, signal.SIGKILL)
        else:
            os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def _remove(temp_dir: str | None, entry: Path | None) -> None:
    if temp_dir and os.path.basename(temp_dir.rstrip("/")).startswith(TEMP_PREFIX):
        shutil.rmtree(temp_dir, ignore_errors=True)
    if entry is not None:
        try:
            os.unlink(entry)
        except OSError:
            pass


# --- Tied to the starter's life: parent-death signal, and a registry a later starter sweeps -----------------

# Run by `python -I -S -c`: set the parent-death signal, make sure the starter did not die before that (the
# signal would never come), then become TensorBoard (exec keeps the pid, the start time and the signal).
_PDEATHSIG_WRAPPER = """
import ctypes, os, sys
try:
    ctypes.CDLL(None, use_errno=True).prctl(1, int(sys.argv[2]), 0, 0, 0)  # PR_SET_PDEATHSIG
except Exception:
    pass
if os.getppid() != int(sys.argv[1]):
    sys.exit(70)
os.execv(sys.argv[3], sys.argv[3:])
"""

# The parent-death signal comes when the *thread* that forked the process ends, not the process: TensorBoards
# are forked from this one thread, which lives as long as the process (a pool thread would also do, but ends
# when the pool shrinks or shuts down, and a request thread ends at once).
_spawner: ThreadPoolExecutor | None = None
_spawner_pid: int | None = None
_spawner_lock = threading.Lock()


def _spawn(argv: list[str], **popen: Any) -> subprocess.Popen:
    global _spawner, _spawner_pid
    if not sys.platform.startswith("linux"):
        return subprocess.Popen(argv, **popen)
    with _spawner_lock:
        if _spawner is None or _spawner_pid != os.getpid():  # none yet, or a forked copy of this process
            _spawner, _spawner_pid = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tensorboard-spawner"), os.getpid()
        spawner = _spawner
    wrapped = [sys.executable, "-I", "-S", "-c", _PDEATHSIG_WRAPPER, str(os.getpid()), str(int(signal.SIGKILL)), *argv]
    return spawner.submit(subprocess.Popen, wrapped, **popen).result()


def _identity(pid: int) -> dict[str, Any]:
    return {"pid": pid, "start_ticks": process_start_ticks(pid), "boot_id": boot_id()}


def _same_process(pid: Any, start_ticks: Any, recorded_boot: Any) -> bool:
    """Whether `pid` is still the very process recorded: same boot, same start time. Without a recorded start
    time (no procfs) nothing can be proved, and the answer is no."""
    if not isinstance(pid, int) or pid <= 0 or not isinstance(start_ticks, int) or recorded_boot != boot_id():
        return False
    return process_start_ticks(pid) == start_ticks


def _owner_alive(owner: Any) -> bool:
    if not isinstance(owner, dict) or not isinstance(owner.get("pid"), int):
        return False
    if owner.get("boot_id") != boot_id():
        return False  # recorded before a reboot: that process is gone
    return is_alive(owner["pid"], owner.get("start_ticks"))


def _is_tensorboard(pid: int) -> bool:
    return b"tensorboard.main" in command_line(pid)


def reap_strays(registry: str | Path, wait: float = 10.0) -> list[dict[str, Any]]:
    """Stop the TensorBoards recorded in `registry` whose starter is gone, and remove their temp folders and
    entries. A recorded pid is signalled only while it is still the same process (pid, start time and boot
    match, and it runs tensorboard.main): a pid reused by another program is left alone. Returns the entries
    swept (each with `killed`: whether a live TensorBoard had to be stopped)."""
    folder = Path(registry)
    try:
        entries = sorted(folder.glob(TEMP_PREFIX + "*.json"))
    except OSError:
        return []
    swept = []
    for path in entries:
        try:
            record = read_json(path)
        except (OSError, ValueError):
            record = None
        if not isinstance(record, dict):
            if time.time() - _mtime(path) > 60:  # unreadable for a minute: not one being written right now
                _remove(None, path)
            continue
        if _owner_alive(record.get("owner")):
            continue  # its starter is running (this process included): the TensorBoard is in use
        pid, ticks = record.get("pid"), record.get("start_ticks")
        boot = (record.get("owner") or {}).get("boot_id")
        killed = False
        if _same_process(pid, ticks, boot) and _is_tensorboard(pid):
            _kill_group(pid)
            killed = True
            deadline = time.monotonic() + wait
            while _same_process(pid, ticks, boot) and time.monotonic() < deadline:
                time.sleep(0.05)
        temp_dir = record.get("temp_dir")
        _remove(temp_dir if isinstance(temp_dir, str) else None, path)
        swept.append({**record, "killed": killed})
    return swept


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return time.time()


def _tail(path: str, lines: int = 30) -> str:
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
