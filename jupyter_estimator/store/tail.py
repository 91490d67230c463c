"""Reading a file that another process is still appending to, by byte offset, without splitting lines.

Every follower of a growing file (the log API, the metrics tail, `wait_for_completion(show_output=True)`)
reads through this, so the rule for a line still being written lives in one place. The notebook's log
view (widgets/log_view.py) feeds the same bytes into a line assembler of its own, because it also bounds
each line's length and skips ahead in huge logs.
"""

from __future__ import annotations

from pathlib import Path


def read_whole_lines(path: Path | str, offset: int, limit: int, *, final: bool = False,
                     grow_long_line: bool = False) -> bytes:
    """Up to `limit` bytes of `path` from `offset`, ending after the last newline, so the next read starts at
    `offset + len(result)` and no line is split between two reads.

    final: the writer is done, so an unterminated last line counts too.
    A line longer than `limit`: handed out in `limit`-sized pieces, or with `grow_long_line` read whole once
    its newline is there (a metrics record must be parsed whole). A missing file reads as empty.
    """
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        return b""
    with handle:
        handle.seek(offset)
        data = handle.read(limit)
        if final or not data or data.endswith(b"\n"):
            return data
        if len(data) == limit and b"\n" not in data:  # one line longer than a read
            if not grow_long_line:
                return data
            data += handle.readline()
            return data if data.endswith(b"\n") else b""
        return data[:data.rfind(b"\n") + 1]
