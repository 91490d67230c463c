"""The first process of a run's container: `python -m jupyter_estimator.runner.container_init LOCK -- ARGV...`.

PID 1 in a container gets no default signal handling, so a script run there directly would ignore
`docker stop`'s SIGTERM. This init starts the script in its own process group, forwards SIGTERM/SIGINT/
SIGHUP to that group, reaps orphans, and exits with the script's status. It also watches the run's
supervisor through LOCK, a file in the run folder the supervisor holds locked for as long as it lives
(a bind mount shares the lock across the container boundary): if the lock comes free, the supervisor is
gone, nobody records the run any more, so the script is stopped and the container ends by itself.
Standard library only; it runs under the image's Python.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time

ORPHANED_EXIT = 137
WATCH_SECONDS = 0.5
GRACE_SECONDS = 5.0


def supervisor_gone(lock_path: str) -> bool:
    try:
        with open(lock_path, "rb") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True  # nobody holds it (closing the file releases it again)
    except BlockingIOError:
        return False
    except OSError:
        return True


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print("usage: python -m jupyter_estimator.runner.container_init LOCK -- ARGV...", file=sys.stderr)
        return 2
    lock_path, command = argv[0], argv[2:]
    try:
        child = subprocess.Popen(command, start_new_session=True)
    except OSError as exc:
        print(f"container_init: could not start {command[0]}: {exc}", file=sys.stderr, flush=True)
        return 127

    def forward(signum: int, _frame: object) -> None:
        try:
            os.killpg(child.pid, signum)
        except ProcessLookupError:
            pass

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, forward)
    stop_at = None
    while True:
        code = _reap(child.pid)
        if code is not None:
            return 128 - code if code < 0 else code
        if stop_at is None and supervisor_gone(lock_path):
            print("container_init: the run's supervisor is gone; stopping the script.", file=sys.stderr, flush=True)
            forward(signal.SIGTERM, None)
            stop_at = time.monotonic() + GRACE_SECONDS
        elif stop_at is not None and time.monotonic() > stop_at:
            forward(signal.SIGKILL, None)
            return ORPHANED_EXIT
        time.sleep(WATCH_SECONDS if stop_at is None else 0.1)


def _reap(script_pid: int) -> int | None:
    """As PID 1, reap every finished process (orphans the script left would stay zombies); the script's exit code
    once it has ended (negative: the signal that ended it), else None."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return 0  # nothing left to wait for
        if pid == 0:
            return None
        if pid == script_pid:
            return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
