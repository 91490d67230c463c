"""Reading a run's metric records back into AML's shapes.

Record: [time, kind, name, value, step]. Kinds: s scalar (log), l list (log_list), r row (log_row),
t table (log_table), i image (artifact path), j JSON document (confusion matrix and friends).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any, Iterator

from .tail import read_whole_lines

SCALAR, LIST, ROW, TABLE, IMAGE, DOCUMENT = "s", "l", "r", "t", "i", "j"


def iter_records(path: Path, after: int = 0) -> Iterator[tuple[int, list]]:
    """(sequence number from 1, record) for each complete line after `after`."""
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        return
    bad = 0
    with handle:
        for number, line in enumerate(handle, start=1):
            if number <= after or not line.endswith(b"\n"):
                continue
            record = parse_record(line)
            if record is None:
                bad += 1
                continue
            yield number, record
    if bad:
        warnings.warn(f"{path}: skipped {bad} damaged metric line(s).", stacklevel=2)


def iter_record_blocks(path: Path, block_lines: int = 8192) -> Iterator[list[list]]:
    """Every complete record, a block at a time, parsed as one JSON array per block (several times faster than a
    json.loads per line); a block with a damaged line falls back to line by line and skips that line."""
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        return
    bad = 0
    with handle:
        while True:
            lines = handle.readlines(block_lines * 48)
            if not lines:
                break
            if not lines[-1].endswith(b"\n"):  # a line still being written: not a record yet
                lines.pop()
                if not lines:
                    break
            try:
                block = json.loads(b"[" + b",".join(lines) + b"]")
                if all(isinstance(r, list) and len(r) == 5 and isinstance(r[2], str) for r in block):
                    yield block
                    continue
            except ValueError:
                pass
            parsed = [parse_record(line) for line in lines]
            bad += parsed.count(None)
            yield [r for r in parsed if r is not None]
    if bad:
        warnings.warn(f"{path}: skipped {bad} damaged metric line(s).", stacklevel=2)


def parse_record(line: bytes) -> list | None:
    """One metrics.jsonl line as [time, kind, name, value, step], or None for a damaged line (numbering keeps it)."""
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record if isinstance(record, list) and len(record) == 5 and isinstance(record[2], str) else None


def aggregate(records: Iterator[tuple[int, list]], name: str | None = None) -> dict[str, Any]:
    """Collapse records into {name: value} as AML's get_metrics returns them."""
    values: dict[str, list] = {}
    kinds: dict[str, str] = {}
    for _seq, (_t, kind, metric, value, _step) in records:
        if name is not None and metric != name:
            continue
        kinds.setdefault(metric, kind)
        values.setdefault(metric, []).append(value)
    result: dict[str, Any] = {}
    for metric, items in values.items():
        kind = kinds[metric]
        if kind in (SCALAR, IMAGE, DOCUMENT):
            result[metric] = items[0] if len(items) == 1 else items
        elif kind == LIST:
            result[metric] = [v for chunk in items for v in chunk]
        elif kind == ROW:
            result[metric] = items[0] if len(items) == 1 else _columns(items)
        elif kind == TABLE:
            merged: dict[str, list] = {}
            for table in items:
                for column, cells in table.items():
                    merged.setdefault(column, []).extend(cells)
            result[metric] = merged
    return result


def _columns(rows: list[dict]) -> dict[str, list]:
    columns: dict[str, list] = {}
    for row in rows:
        for column in row:
            columns.setdefault(column, [])
    for row in rows:
        for column in columns:
            columns[column].append(row.get(column))
    return columns


def summary(records: Iterator[tuple[int, list]]) -> dict[str, tuple[Any, Any, int]]:
    """Last value, last step and count per metric, for the index's run lists."""
    result: dict[str, tuple[Any, Any, int]] = {}
    for _seq, (_t, kind, metric, value, step) in records:
        count = result[metric][2] + 1 if metric in result else 1
        shown = value if kind in (SCALAR, IMAGE) else (value[-1] if kind == LIST and value else None)
        result[metric] = (shown, step, count)
    return result


def dumps(value: Any) -> str:
    return json.dumps(value, default=str)


class MetricsTail:
    """Follows a metrics file from where it last stopped (byte offset), so a live view reads each record once."""

    def __init__(self, path: Path) -> None:
        self.path, self.offset, self.seq = path, 0, 0

    def read_new(self, max_bytes: int = 8 * 1024 * 1024) -> list[tuple[int, list]]:
        """The whole records after the offset, about `max_bytes` of them (a longer record is read whole)."""
        data = read_whole_lines(self.path, self.offset, max_bytes, grow_long_line=True)  # a long log_list is read whole
        records = []
        for line in data.splitlines():
            self.seq += 1
            record = parse_record(line)
            if record is not None:  # a damaged line keeps its number and is skipped
                records.append((self.seq, record))
        self.offset += len(data)
        return records
