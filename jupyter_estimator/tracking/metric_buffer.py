"""Buffered, batched metric writing.

`run.log` appends a tuple to a deque (thread-safe, no lock, well under a microsecond); one
daemon thread per process drains every run's deque into its `metrics/metrics.jsonl` every
FLUSH_INTERVAL seconds, writing each batch with a single append. Everything is flushed at exit
and on SIGTERM/SIGINT, so a crash loses at most the last interval.
"""

from __future__ import annotations

import atexit
import collections
import json
import os
import signal
import threading
from pathlib import Path
from typing import Any

FLUSH_INTERVAL = 0.2
# Small batches: os.write releases the GIL between them, so a flush never holds up the training loop for long.
_BATCH = 2_000
_encode = json.JSONEncoder(separators=(",", ":"), default=str).encode  # one encoder, not one per record
_encoded_names: dict[str, str] = {}


def encode_record(record: list) -> str:
    """JSON for one record; the common case (a finite number under a str name) skips the generic encoder."""
    when, kind, name, value, step = record
    value_type = type(value)
    if kind == "s" and (value_type is int or (value_type is float and value - value == 0.0)) \
            and (step is None or type(step) is int) and type(name) is str:
        encoded = _encoded_names.get(name)
        if encoded is None:
            encoded = _encoded_names[name] = json.dumps(name)
        return f'[{when!r},"s",{encoded},{value!r},{"null" if step is None else step}]'
    return _encode(record)


class MetricBuffer:
    """The pending records of one run, and the file they go to. One per run and process: every `Run`
    object of that run shares it, so points keep their order and outlive a dropped `Run` object."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.pending: collections.deque = collections.deque()
        self._write_lock = threading.Lock()

    @staticmethod
    def for_path(path: Path) -> "MetricBuffer":
        return _flusher.buffer(path)

    def flush(self) -> None:
        with self._write_lock:
            pending = self.pending
            while pending:
                lines = []
                popleft = pending.popleft
                try:
                    for _ in range(_BATCH):
                        lines.append(encode_record(popleft()))
                except IndexError:
                    pass
                data = ("\n".join(lines) + "\n").encode()
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
                try:
                    os.write(fd, data)  # one append per batch: other writers' lines never interleave inside it
                finally:
                    os.close(fd)


class _Flusher:
    def __init__(self) -> None:
        self._buffers: dict[Path, MetricBuffer] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._wake = threading.Event()
        self._pid = os.getpid()

    def buffer(self, path: Path) -> MetricBuffer:
        with self._lock:
            if self._pid != os.getpid():  # forked child: the parent's thread and buffers are not ours
                self._thread, self._pid, self._buffers = None, os.getpid(), {}
            buffer = self._buffers.get(path)
            if buffer is None:
                buffer = self._buffers[path] = MetricBuffer(path)
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="jupyter-estimator-metrics", daemon=True)
                self._thread.start()
                _install_exit_hooks()
            return buffer

    def _loop(self) -> None:
        while True:
            self._wake.wait(FLUSH_INTERVAL)
            self._wake.clear()
            self.flush_all()

    def flush_all(self) -> None:
        for buffer in list(self._buffers.values()):
            try:
                buffer.flush()
            except OSError:
                pass  # the run folder vanished (deleted run); nothing to keep


_flusher = _Flusher()
_hooks_installed = False


def flush_all() -> None:
    _flusher.flush_all()


def _install_exit_hooks() -> None:
    global _hooks_installed
    if _hooks_installed:
        return
    _hooks_installed = True
    atexit.register(flush_all)
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGTERM,):
        # Only take over a signal nobody handles, then behave as the default would after flushing.
        if signal.getsignal(signum) is signal.SIG_DFL:
            signal.signal(signum, _flush_then_default)


def _flush_then_default(signum: int, _frame: Any) -> None:
    flush_all()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
