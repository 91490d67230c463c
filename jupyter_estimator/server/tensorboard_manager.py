"""TensorBoard processes started for the server: one per set of runs, on 127.0.0.1 and a free port, with
`--path_prefix` under the server's base URL so the authenticated proxy can serve it. Idle instances are
reaped; all are stopped with the server. The proxy forwards only to ports recorded here."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import RunNotFoundException, invalid
from ..tensorboard import Tensorboard

PROXY_PREFIX = "estimator/tensorboard"


@dataclass
class _RunRef:
    id: str
    path: str


@dataclass
class TensorboardInstance:
    key: str
    run_ids: list[str]
    board: Tensorboard
    port: int
    started: float = field(default_factory=time.time)
    last_access: float = field(default_factory=time.time)

    def alive(self) -> bool:
        return self.board.process is not None and self.board.process.poll() is None

    def describe(self, base_url: str) -> dict[str, Any]:
        return {"id": self.key, "runs": self.run_ids, "url": f"{base_url}{PROXY_PREFIX}/{self.key}/",
                "path": f"{PROXY_PREFIX}/{self.key}/",
                "alive": self.alive(), "started": self.started, "last_access": self.last_access}


class TensorboardManager:
    def __init__(self, store: Any, base_url: str, idle_seconds: float = 1800.0) -> None:
        self.store, self.base_url, self.idle_seconds = store, base_url, idle_seconds
        self.instances: dict[str, TensorboardInstance] = {}

    @staticmethod
    def key_for(run_ids: list[str]) -> str:
        return hashlib.sha1("\n".join(sorted(set(run_ids))).encode()).hexdigest()[:12]

    def start(self, run_ids: list[str]) -> TensorboardInstance:
        """Blocking (TensorBoard takes seconds to answer): call it from an executor."""
        if not isinstance(run_ids, list) or not run_ids or not all(isinstance(r, str) for r in run_ids) or len(run_ids) > 50:
            raise invalid("runs", run_ids, "must be a list of 1 to 50 run ids", "send e.g. {\"runs\": [\"exp_1700000000_ab12cd34\"]}")
        refs = []
        for run_id in sorted(set(run_ids)):
            folder = self.store.run_folder(run_id, must_exist=False)
            if self.store.index.run_row(run_id) is None:
                raise RunNotFoundException(f"runs: no run {run_id!r} in this workspace.", field="runs")
            refs.append(_RunRef(run_id, str(folder.path)))
        key = self.key_for(run_ids)
        instance = self.instances.get(key)
        if instance is not None and instance.alive():
            instance.last_access = time.time()
            return instance
        board = Tensorboard(refs, port=0, path_prefix=f"{self.base_url}{PROXY_PREFIX}/{key}")
        board.start()
        port = int(board.url.split(":")[2].split("/")[0])
        instance = TensorboardInstance(key, [r.id for r in refs], board, port)
        self.instances[key] = instance
        return instance

    def get(self, key: str) -> TensorboardInstance | None:
        instance = self.instances.get(key)
        if instance is not None and instance.alive():
            instance.last_access = time.time()
            return instance
        return None

    def stop(self, key: str) -> bool:
        instance = self.instances.pop(key, None)
        if instance is None:
            return False
        instance.board.stop()
        return True

    def reap_idle(self) -> list[str]:
        now = time.time()
        stale = [k for k, i in self.instances.items() if not i.alive() or now - i.last_access > self.idle_seconds]
        for key in stale:
            self.stop(key)
        return stale

    def stop_all(self) -> None:
        for key in list(self.instances):
            self.stop(key)

    def describe_all(self) -> list[dict[str, Any]]:
        return [i.describe(self.base_url) for i in self.instances.values()]
