"""Metric series kept in the kernel and thinned for drawing: a chart never receives more than MAX_POINTS
per metric, however many the run logs, so refreshing stays cheap.

Values that are not finite numbers (NaN, ±inf) are sent as null in a series, which the chart draws as a gap, and
as the strings "NaN", "Infinity", "-Infinity" (what JavaScript prints, and what the server's API sends) in last
values, tables and documents, however deep: JSON has no NaN, and a widget message carrying one would otherwise
arrive as a string or not at all."""

from __future__ import annotations

from typing import Any

from ..core.series import MAX_POINTS, as_number, is_finite_number, json_safe, thin  # noqa: F401  (re-exported)


class MetricSeries:
    def __init__(self) -> None:
        self.kind = "line"
        self.x: list[float] = []
        self.y: list[Any] = []
        self.columns: dict[str, list] = {}
        self.last: Any = None

    def add(self, kind: str, value: Any, step: Any) -> None:
        if kind == "s":
            number = as_number(value)  # None and "NaN"/"Infinity" spellings are gaps in a numeric series
            if number is None or self.kind == "text":
                self.kind, self.last = "text", value
                return
            self.x.append(step if is_finite_number(step) else len(self.x))
            self.y.append(number)
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
            return {"kind": "line", "x": x, "y": [v if is_finite_number(v) else None for v in y], "count": len(self.y),
                    "last": json_safe(self.last)}
        if self.kind == "table":
            return {"kind": "table", "columns": {k: [json_safe(v) for v in cells[-200:]] for k, cells in self.columns.items()}}
        return {"kind": self.kind, "last": json_safe(self.last)}
