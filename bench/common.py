"""Helpers for benchmarks: timing, percentiles, and the one output format every benchmark prints.

    name: value unit (baseline NAME: value unit, ratio Rx)
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def report(name: str, value: float, unit: str, baseline_name: str | None = None, baseline: float | None = None,
           goal: str | None = None) -> None:
    line = f"{name}: {value:.3f} {unit}"
    if baseline_name is not None and baseline is not None:
        ratio = (baseline / value) if value else float("inf")
        line += f" (baseline {baseline_name}: {baseline:.3f} {unit}, ratio {ratio:.1f}x)"
    if goal:
        line += f" [goal {goal}]"
    print(line, flush=True)


def median_seconds(action: Callable[[], object], repeat: int = 5) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def bare_python_seconds(repeat: int = 7) -> float:
    return median_seconds(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), repeat)


@contextmanager
def temporary_workspace() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="je-bench-") as folder:
        home = Path(folder) / "workspace"
        previous = os.environ.get("JUPYTER_ESTIMATOR_HOME")
        os.environ["JUPYTER_ESTIMATOR_HOME"] = str(home)
        try:
            yield home
        finally:
            if previous is None:
                os.environ.pop("JUPYTER_ESTIMATOR_HOME", None)
            else:
                os.environ["JUPYTER_ESTIMATOR_HOME"] = previous
            from jupyter_estimator.store.index import reset_connections
            reset_connections()
