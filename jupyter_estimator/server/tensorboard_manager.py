"""TensorBoard processes started for the server: one per set of runs, on 127.0.0.1 and a free port, with
`--path_prefix` under the server's base URL so the authenticated proxy can serve it. Asking again for the
same set of runs (in any order, at the same moment from several clicks) returns the instance already
running. Idle instances are reaped; all are stopped with the server. The proxy forwards only to ports
recorded here.

Each instance is also recorded under `<workspace>/tensorboards/` and dies with the server even when the server
is SIGKILLed (see jupyter_estimator.tensorboard); `reap_strays` stops what a killed server left behind and
removes its temp folders: the server runs it when it starts and with every idle sweep."""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import RunNotFoundException, invalid
from ..core.status import is_terminal
from ..tensorboard import REGISTRY_FOLDER, Tensorboard, check_logs, reap_strays

PROXY_PREFIX = "estimator/tensorboard"


@dataclass
class _RunRef:
    id: str
    path: str
    live: bool = True


@dataclass
class TensorboardInstance:
    key: str
    run_ids: list[str]
    board: Tensorboard
    port: int
    started: float = field(default_factory=time.time)
    last_access: float = field(default_factory=time.time)
    runs_without_logs: list[str] = field(default_factory=list)

    def alive(self) -> bool:
        return self.board.process is not None and self.board.process.poll() is None

    @property
    def pid(self) -> int | None:
        return self.board.process.pid if self.board.process is not None else None

    def describe(self, base_url: str) -> dict[str, Any]:
        return {"id": self.key, "runs": self.run_ids, "url": f"{base_url}{PROXY_PREFIX}/{self.key}/",
                "path": f"{PROXY_PREFIX}/{self.key}/", "port": self.port, "pid": self.pid,
                "runs_without_logs": self.runs_without_logs,
                "alive": self.alive(), "started": self.started, "last_access": self.last_access}


class TensorboardManager:
    def __init__(self, store: Any, base_url: str, idle_seconds: float = 1800.0) -> None:
        self.store, self.base_url, self.idle_seconds = store, base_url, idle_seconds
        self.instances: dict[str, TensorboardInstance] = {}
        self._lock = threading.Lock()  # guards `instances` and `_starting`; held only briefly
        self._starting: dict[str, threading.Lock] = {}  # one per key, held while its TensorBoard starts
        self.registry = Path(store.root) / REGISTRY_FOLDER  # one entry per TensorBoard started (any starter)

    @staticmethod
    def key_for(run_ids: list[str]) -> str:
        return hashlib.sha1("\n".join(sorted(set(run_ids))).encode()).hexdigest()[:12]

    def path_prefix(self, key: str) -> str:
        return f"{self.base_url}{PROXY_PREFIX}/{key}"

    def start(self, run_ids: list[str]) -> TensorboardInstance:
        """Blocking (TensorBoard takes seconds to answer): call it from an executor."""
        if not isinstance(run_ids, list) or not run_ids or not all(isinstance(r, str) for r in run_ids) or len(run_ids) > 50:
            raise invalid("runs", run_ids, "must be a list of 1 to 50 run ids", "send e.g. {\"runs\": [\"exp_1700000000_ab12cd34\"]}")
        refs = []
        for run_id in sorted(set(run_ids)):
            folder = self.store.run_folder(run_id, must_exist=False)
            row = self.store.runs.get(run_id)
            if row is None:
                raise RunNotFoundException(f"runs: no run {run_id!r} in this workspace.", field="runs")
            refs.append(_RunRef(run_id, str(folder.path), live=not is_terminal(row.status)))
        key = self.key_for(run_ids)
        with self._lock:
            starting = self._starting.setdefault(key, threading.Lock())
        with starting:  # a second request for the same runs waits here, then finds the first one's instance
            instance = self.get(key)
            if instance is not None:
                return instance
            missing = check_logs(refs)
            with self._lock:
                dead = self.instances.pop(key, None)
            if dead is not None:
                dead.board.stop()
            board = Tensorboard(refs, port=0, path_prefix=self.path_prefix(key), registry=self.registry)
            board.start()
            port = int(board.url.split(":")[2].split("/")[0])
            instance = TensorboardInstance(key, [r.id for r in refs], board, port, runs_without_logs=missing)
            with self._lock:
                self.instances[key] = instance
            return instance

    def get(self, key: str) -> TensorboardInstance | None:
        instance = self.instances.get(key)
        if instance is not None and instance.alive():
            instance.last_access = time.time()
            return instance
        return None

    def stop(self, key: str) -> bool:
        with self._lock:
            instance = self.instances.pop(key, None)
        if instance is None:
            return False
        instance.board.stop()
        return True

    def reap_idle(self) -> list[str]:
        """Blocking (stopping a TensorBoard may wait up to 10 s): call it from an executor."""
        now = time.time()
        with self._lock:
            stale = [k for k, i in self.instances.items() if not i.alive() or now - i.last_access > self.idle_seconds]
        for key in stale:
            self.stop(key)
        return stale

    def reap_strays(self) -> list[dict[str, Any]]:
        """Stop the TensorBoards that a server (or kernel) no longer running left behind on this workspace, and
        remove their temp folders. Blocking: at start-up, or from an executor."""
        return reap_strays(self.registry)

    def stop_all(self) -> None:
        for key in list(self.instances):
            self.stop(key)

    def describe_all(self) -> list[dict[str, Any]]:
        return [i.describe(self.base_url) for i in list(self.instances.values())]
