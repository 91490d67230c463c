"""Metric series kept in the kernel and thinned for drawing: a chart never receives more than MAX_POINTS
per metric, however many the run logs, so refreshing stays cheap."""

from __future__ import annotations

from typing import Any

MAX_POINTS = 400


class MetricSeries:
    def __init__(self) -> None:
        self.kind = "line"
        self.x: list[float] = []
        self.y: list[Any] = []
        self.columns: dict[str, list] = {}
        self.last: Any = None

    def add(self, kind: str, value: Any, step: Any) -> None:
        if kind == "s":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                self.kind, self.last = "text", value
                return
            self.x.append(step if step is not None else len(self.x))
            self.y.append(value)
            self.last = value
        elif kind == "l":
            self.kind = "line"
            for item in value:
                self.x.append(len(self.x))
                self.y.append(item)
                self.last = item
        elif kind in ("r", "t"):
            self.kind = "table"
            rows = value if kind == "t" else {k: [v] for k, v in value.items()}
            for column, cells in rows.items():
                self.columns.setdefault(column, []).extend(cells)
        elif kind == "i":
            self.kind, self.last = "image", value
        else:
            self.kind, self.last = "document", value

    def payload(self) -> dict[str, Any]:
        if self.kind == "line":
            x, y = thin(self.x, self.y)
            return {"kind": "line", "x": x, "y": y, "count": len(self.y), "last": self.last}
        if self.kind == "table":
            return {"kind": "table", "columns": {k: v[-200:] for k, v in self.columns.items()}}
        return {"kind": self.kind, "last": self.last}


def thin(x: list, y: list) -> tuple[list, list]:
    """Keep at most MAX_POINTS points: each bucket's min and max, so spikes survive the thinning."""
    if len(y) <= MAX_POINTS:
        return list(x), list(y)
    buckets = MAX_POINTS // 2
    size = len(y) / buckets
    out_x, out_y = [], []
    for bucket in range(buckets):
        start, end = int(bucket * size), max(int((bucket + 1) * size), int(bucket * size) + 1)
        segment = range(start, min(end, len(y)))
        low = min(segment, key=lambda i: y[i])
        high = max(segment, key=lambda i: y[i])
        for i in sorted({low, high}):
            out_x.append(x[i])
            out_y.append(y[i])
    return out_x, out_y
