"""Follows a text log from a byte offset, handing out whole lines only."""

from __future__ import annotations

from pathlib import Path


class LogTail:
    def __init__(self, path: Path) -> None:
        self.path, self.offset = path, 0

    def read_new(self, final: bool = False, max_bytes: int = 4 * 1024 * 1024) -> str:
        """New complete lines since the last call; with `final`, the unterminated rest too."""
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self.offset)
                data = handle.read(max_bytes)
        except FileNotFoundError:
            return ""
        cut = len(data) if final else data.rfind(b"\n") + 1
        self.offset += cut
        return data[:cut].decode("utf-8", errors="replace")
