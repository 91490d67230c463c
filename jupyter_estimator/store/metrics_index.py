"""A block index beside a run's metrics.jsonl, so reading by name or from a sequence number skips what it can.

metrics.jsonl is append-only and written by the training script (standard library, batched, no index
upkeep there). Readers keep `metrics.index.json`: for each block of BLOCK_LINES complete lines, its first
sequence number, its byte offset and which metric names occur in it. A read seeks straight to the block
holding `after`, skips blocks that do not hold the wanted name, and parses only lines that mention it.
The index covers whole blocks only and is extended by whichever reader finds the file has grown; it is
a cache — deleting it costs one scan, and a damaged one is rebuilt.
"""

from __future__ import annotations

import bisect
import json
import os
from pathlib import Path
from typing import Any, Iterator

from .files import write_json_atomic
from .metrics_file import parse_record

BLOCK_LINES = 4096
INDEX_NAME = "metrics.index.json"
FORMAT = 1


class MetricsIndex:
    def __init__(self, metrics_path: Path) -> None:
        self.path = metrics_path
        self.index_path = metrics_path.with_name(INDEX_NAME)
        self.names: list[str] = []
        self.blocks: list[list[Any]] = []  # [first_seq, byte_offset, [name ids]]
        self.end_seq = 1  # the first sequence number after the indexed blocks
        self.end_offset = 0
        self._load()

    def _load(self) -> None:
        try:
            data = json.loads(self.index_path.read_text())
            if data.get("format") != FORMAT or data.get("block_lines") != BLOCK_LINES:
                return
            names, blocks, end_seq, end_offset = data["names"], data["blocks"], data["end_seq"], data["end_offset"]
        except (OSError, ValueError, KeyError, TypeError):
            return  # missing or damaged: start over
        size = _size(self.path)
        if end_offset > size:  # the file was replaced by a shorter one
            return
        self.names, self.blocks, self.end_seq, self.end_offset = names, blocks, end_seq, end_offset

    def refresh(self) -> None:
        """Index the whole blocks appended since the last reader looked."""
        if _size(self.path) - self.end_offset < BLOCK_LINES * 16:  # cannot hold a whole new block yet
            return
        ids = {name: i for i, name in enumerate(self.names)}
        grew = False
        with open(self.path, "rb") as handle:
            handle.seek(self.end_offset)
            while True:
                start = handle.tell()
                lines = []
                for _ in range(BLOCK_LINES):
                    line = handle.readline()
                    if not line.endswith(b"\n"):
                        break
                    lines.append(line)
                if len(lines) < BLOCK_LINES:
                    break
                present = set()
                for line in lines:
                    record = parse_record(line)
                    if record is not None:
                        present.add(ids.setdefault(record[2], len(ids)))
                self.blocks.append([self.end_seq, start, sorted(present)])
                self.end_seq += BLOCK_LINES
                self.end_offset = handle.tell()
                grew = True
        if grew:
            self.names = sorted(ids, key=ids.__getitem__)
            try:
                write_json_atomic(self.index_path, {"format": FORMAT, "block_lines": BLOCK_LINES, "names": self.names,
                                                    "blocks": self.blocks, "end_seq": self.end_seq,
                                                    "end_offset": self.end_offset})
            except OSError:
                pass  # a read-only or full disk: the index stays in memory for this read

    def records(self, after: int = 0, name: str | None = None) -> Iterator[tuple[int, list | None]]:
        """(seq, record) for lines after `after`; record is None for a skipped block's last seq (progress only)."""
        self.refresh()
        wanted = None if name is None else (self.names.index(name) if name in self.names else -1)
        needle = None if name is None else json.dumps(name).encode()
        first = max(0, bisect.bisect_right([b[0] for b in self.blocks], after + 1) - 1)
        try:
            handle = open(self.path, "rb")
        except FileNotFoundError:  # nothing logged yet
            return
        with handle:
            for position in range(first, len(self.blocks)):
                first_seq, offset, present = self.blocks[position]
                last_seq = first_seq + BLOCK_LINES - 1
                if last_seq <= after:
                    continue
                if wanted is not None and wanted not in present:
                    yield last_seq, None  # nothing wanted here: move the cursor past it unread
                    continue
                handle.seek(offset)
                yield from _lines(handle, first_seq, BLOCK_LINES, after, needle)
            handle.seek(self.end_offset)
            yield from _lines(handle, self.end_seq, None, after, needle)


def _lines(handle: Any, seq: int, count: int | None, after: int, needle: bytes | None) -> Iterator[tuple[int, list | None]]:
    """Records of complete lines from the handle's position; ends with (last seq read, None) as progress."""
    read = 0
    while count is None or read < count:
        line = handle.readline()
        if not line.endswith(b"\n"):
            break
        read += 1
        if seq > after and (needle is None or needle in line):  # a substring test is far cheaper than parsing
            record = parse_record(line)
            if record is not None:
                yield seq, record
        seq += 1
    if read and seq - 1 > after:
        yield seq - 1, None


def _size(path: Path) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0
