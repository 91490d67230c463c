"""A run's metrics as chart-ready series, thinned (each bucket's min and max kept), and kept once computed.

The answer for a metrics file is kept in memory and in `metrics/series-<points>.json`, both keyed by the file's
size and modification time: a finished run (whose supervisor computes it while finalizing) opens at once, even
after a server restart, and a live run is recomputed only when it has logged something new.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ..core.series import as_number, is_finite_number, json_safe, thin
from . import metrics_file
from .files import read_json, write_json_atomic


def cached_series(path: Path, names: list[str] | None = None, points: int = 1000) -> dict[str, Any]:
    try:
        st = path.stat()
    except OSError:
        return {}
    stamp = [st.st_size, st.st_mtime_ns]
    key = (str(path), *stamp, points, tuple(sorted(names or ())))
    series = _SERIES_CACHE.get(key)
    if series is not None:
        return series
    disk = path.with_name(f"series-{points}.json")
    if not names:
        try:
            stored = read_json(disk)
        except ValueError:
            stored = None
        if isinstance(stored, dict) and stored.get("stamp") == stamp:
            series = stored["series"]
    if series is None:
        series = read_series(path, set(names) if names else None, points)
        if not names:
            try:
                write_json_atomic(disk, {"stamp": stamp, "series": series})
            except OSError:
                pass  # read-only or full: the memory cache still serves
    _SERIES_CACHE[key] = series
    while len(_SERIES_CACHE) > 16:
        _SERIES_CACHE.pop(next(iter(_SERIES_CACHE)))
    return series


_SERIES_CACHE: dict[tuple, dict[str, Any]] = {}


def read_series(path: Path, wanted: set[str] | None, points: int) -> dict[str, Any]:
    collected: dict[str, MetricSeriesData] = {}
    for block in metrics_file.iter_record_blocks(path):
        for _when, kind, metric, value, step in block:
            if wanted is None or metric in wanted:
                data = collected.get(metric)
                if data is None:
                    data = collected[metric] = MetricSeriesData()
                data.add(kind, value, step)
    return {name: data.payload(points) for name, data in sorted(collected.items())}


class MetricSeriesData:
    """One metric's points as logged; numbers and steps only (tables, images and documents keep their last value)."""

    def __init__(self) -> None:
        self.kind, self.x, self.y, self.last, self.nonfinite = "line", [], [], None, 0

    def add(self, kind: str, value: Any, step: Any) -> None:
        if kind == "s" and type(value) in (int, float) and self.kind == "line":  # the common case, kept short
            self.x.append(step if type(step) is int else len(self.x) if step is None else step)
            self.y.append(value)
            self.last = value
            if value != value or value in (math.inf, -math.inf):
                self.nonfinite += 1
            return
        if kind == "l" and isinstance(value, list):
            for item in value:
                self.add("s", item, None)
            return
        number = as_number(value) if kind == "s" else None
        if number is None or self.kind != "line":
            self.kind, self.last = {"s": "text", "r": "table", "t": "table", "i": "image"}.get(kind, "document"), value
            return
        self.x.append(step if is_finite_number(step) else len(self.x))
        self.y.append(number)
        self.last = value
        self.nonfinite += not is_finite_number(number)

    def payload(self, points: int) -> dict[str, Any]:
        if self.kind != "line":
            return {"kind": self.kind, "count": 1, "last": json_safe(self.last)}
        x, y = thin(self.x, self.y, points, has_gaps=bool(self.nonfinite))
        return {"kind": "line", "x": x, "y": [v if is_finite_number(v) else None for v in y], "count": len(self.y),
                "nonfinite": self.nonfinite, "last": json_safe(self.last)}
