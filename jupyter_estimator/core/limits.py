"""Upper bounds for every number a submission carries, so no value can overflow what uses it later.

The SDK and the REST models check the same constants; the supervisor checks again before it starts
anything, because a run folder may have been written by an older or a foreign client.
"""

from __future__ import annotations

MAX_RUN_DURATION_SECONDS = 366 * 24 * 3600  # a year: longer than any run, far below what time arithmetic breaks on
MAX_NODE_COUNT = 1024
MAX_PROCESSES_PER_NODE = 1024
MAX_QUERY_INT = 2**53  # offsets, limits and counts in query strings (exact in JSON numbers and SQLite integers)


def valid_duration(value: object) -> bool:
    return (value is None or (isinstance(value, int) and not isinstance(value, bool)
                              and 1 <= value <= MAX_RUN_DURATION_SECONDS))
