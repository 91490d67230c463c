"""Is a recorded process still the one we started? A pid alone can be reused, so it is paired with
the process's start time (field 22 of /proc/<pid>/stat) when recorded."""

from __future__ import annotations

import os


def process_start_ticks(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    # The command name (field 2) may hold spaces or parentheses: split after its closing paren.
    fields = data[data.rindex(b")") + 2:].split()
    if fields[0] == b"Z":  # a zombie has finished its work
        return None
    return int(fields[19])


def is_alive(pid: int | None, start_ticks: int | None) -> bool:
    if not pid:
        return False
    if os.path.exists("/proc/self/stat"):
        ticks = process_start_ticks(pid)
        return ticks is not None and (start_ticks is None or ticks == start_ticks)
    try:  # no procfs: fall back to signal 0
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def identity(pid: int | None = None) -> dict[str, int | None]:
    pid = pid or os.getpid()
    return {"pid": pid, "start_ticks": process_start_ticks(pid)}


def boot_id() -> str | None:
    """This boot's id: a process recorded under another boot is gone, whatever its pid now names."""
    try:
        with open("/proc/sys/kernel/random/boot_id") as handle:
            return handle.read().strip()
    except OSError:
        return None


def command_line(pid: int) -> bytes:
    """The process's argv as NUL-separated bytes; empty when it is gone or unreadable."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read()
    except OSError:
        return b""
