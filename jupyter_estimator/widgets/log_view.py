"""The log as RunDetails shows it: the last lines of a file that may be huge, followed by byte offset.

- A view that starts on a big file, or falls far behind a fast writer, jumps to the tail (the skipped lines are
  counted) instead of reading from the start a chunk at a time. When earlier lines are not shown, the first line
  says how many.
- A line is shown up to LINE_CAP bytes, then "… N bytes more"; the rest of it is counted, never kept, so a line of
  any length (20 MB without a newline) costs no more than a short one and the lines after it still appear. A line
  still being written that is already over the cap is shown (capped) before its newline arrives.
- Each read goes to the end of the file as it was when the read began.
"""

from __future__ import annotations

import os
import re
from collections import deque
from pathlib import Path

LINE_CAP = 4096                 # bytes of one line shown
TAIL_WINDOW = 1024 * 1024       # a jump to the tail starts at the line holding this many bytes before the end
SKIP_AFTER = 2 * 1024 * 1024    # unread bytes beyond which the view jumps to the tail
KEPT_LINES = 400
KEPT_CHARS = 256 * 1024         # what the widget sends of the log, at most (about)
CHUNK = 4 * 1024 * 1024
MORE = re.compile(r"… (\d+) bytes more$")


def more_marker(count: int) -> str:
    return f"… {count} bytes more"


def cut_utf8(data: bytes, limit: int) -> int:
    """The largest cut at or below `limit` that does not split a UTF-8 character (a cut, not a validation)."""
    if limit >= len(data):
        return len(data)
    cut = limit
    while cut > 0 and limit - cut < 3 and (data[cut] & 0xC0) == 0x80:
        cut -= 1
    return cut if (data[cut] & 0xC0) != 0x80 else limit


def shorten(line: str, limit: int) -> str:
    """A shown line cut further to `limit` characters, its "… N bytes more" counting everything not shown."""
    match = MORE.search(line)
    body, more = (line[:match.start()], int(match.group(1))) if match else (line, 0)
    if len(body) <= limit:
        return line
    return body[:limit] + more_marker(more + len(body[limit:].encode("utf-8", errors="replace")))


class LogView:
    def __init__(self, path: Path, kept_lines: int = KEPT_LINES, kept_chars: int = KEPT_CHARS) -> None:
        self.path, self.kept_lines, self.kept_chars = path, kept_lines, kept_chars
        self.offset = 0           # bytes consumed: whole lines, plus the line in progress (held in _head/_extra)
        self.line_count = 0       # lines in the file so far (newline-terminated, and the last one once final)
        self.skipped_lines = 0
        self.lines: deque[tuple[int, str]] = deque()  # (line number from 1, text): a line may show as several
        self._chars = 0
        self._head = b""          # the start of the line in progress, at most LINE_CAP + 3 bytes
        self._extra = 0           # bytes of the line in progress beyond _head

    # reading -------------------------------------------------------------------------------------
    def read(self, final: bool = False) -> bool:
        """Read to the end of the file; with `final`, an unterminated last line counts as a line. True if anything changed."""
        changed = False
        try:
            handle = self.path.open("rb")
        except (FileNotFoundError, IsADirectoryError, PermissionError):
            return False
        with handle:
            size = os.fstat(handle.fileno()).st_size
            if size < self.offset:  # truncated or replaced: start again
                self.__init__(self.path, self.kept_lines, self.kept_chars)
                changed = True
            if size - self.offset > SKIP_AFTER:
                changed |= self._jump(handle, size)
            handle.seek(self.offset)
            while self.offset < size:
                chunk = handle.read(min(CHUNK, size - self.offset))
                if not chunk:
                    break
                self._feed(chunk)
                self.offset += len(chunk)
                changed = True
        if final and (self._head or self._extra):
            self._finish_line()
            changed = True
        return changed

    def _jump(self, handle, size: int) -> bool:
        start = self._line_start(handle, size - TAIL_WINDOW)
        if start <= self.offset:
            return False
        skipped = self._count_newlines(handle, self.offset, start)  # ends the line in progress, if any
        self._head, self._extra = b"", 0
        self.offset = start
        self.line_count += skipped
        self.skipped_lines += skipped
        return True

    def _line_start(self, handle, position: int) -> int:
        """Where the line holding byte `position` starts (not before self.offset)."""
        end = position
        while end > self.offset:
            begin = max(self.offset, end - CHUNK)
            handle.seek(begin)
            found = handle.read(end - begin).rfind(b"\n")
            if found >= 0:
                return begin + found + 1
            end = begin
        return self.offset

    @staticmethod
    def _count_newlines(handle, begin: int, end: int) -> int:
        handle.seek(begin)
        count = 0
        while begin < end:
            data = handle.read(min(CHUNK, end - begin))
            if not data:
                break
            count += data.count(b"\n")
            begin += len(data)
        return count

    def _feed(self, chunk: bytes) -> None:
        pieces = chunk.split(b"\n")
        if len(pieces) == 1:
            self._grow(chunk)
            return
        self._grow(pieces[0])
        self._finish_line()
        whole = pieces[1:-1]
        if len(whole) > self.kept_lines:  # only the last ones can still be shown: count the rest
            self.line_count += len(whole) - self.kept_lines
            whole = whole[-self.kept_lines:]
        for piece in whole:
            self._grow(piece)
            self._finish_line()
        self._grow(pieces[-1])

    def _grow(self, piece: bytes) -> None:
        room = LINE_CAP + 3 - len(self._head)
        if room >= len(piece):
            self._head += piece
        else:
            self._head += piece[:max(room, 0)]
            self._extra += len(piece) - max(room, 0)

    def _finish_line(self) -> None:
        self.line_count += 1
        self._show(self._render(self._head, self._extra))
        self._head, self._extra = b"", 0

    @staticmethod
    def _render(head: bytes, extra: int) -> list[str]:
        cut = cut_utf8(head, LINE_CAP)
        more = extra + len(head) - cut
        shown = head[:cut].decode("utf-8", errors="replace").splitlines() or [""]
        if more:
            shown[-1] += more_marker(more)
        return shown

    def _show(self, lines: list[str]) -> None:
        for line in lines:
            self.lines.append((self.line_count, line))
            self._chars += len(line) + 1
        while len(self.lines) > 1 and (len(self.lines) > self.kept_lines or self._chars > self.kept_chars):
            self._chars -= len(self.lines.popleft()[1]) + 1

    # showing -------------------------------------------------------------------------------------
    def shown_lines(self) -> list[str]:
        """The kept lines, and the line in progress once it is over the cap (it may never end)."""
        lines = [text for _number, text in self.lines]
        if len(self._head) > LINE_CAP or self._extra:
            lines.extend(self._render(self._head, self._extra))
        first = self.lines[0][0] if self.lines else self.line_count + 1
        if first > 1:
            lines.insert(0, f"… {first - 1} earlier line{'s' if first != 2 else ''} not shown")
        return lines

    def text(self) -> str:
        return "\n".join(self.shown_lines())
