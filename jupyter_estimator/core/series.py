"""Metric series for drawing: min/max-preserving thinning and JSON-safe values, shared by the server's series
endpoint and the RunDetails widget (standard library only)."""

from __future__ import annotations

import math
from typing import Any

MAX_POINTS = 400


def is_finite_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


NON_FINITE_SPELLINGS = {"nan": math.nan, "inf": math.inf, "infinity": math.inf, "-inf": -math.inf,
                        "-infinity": -math.inf}


def as_number(value: Any) -> float | int | None:
    """A logged value as a number for charts: numbers as they are; None and the spellings of NaN/±inf (what a
    script that round-tripped a value through JSON logs) as non-finite floats — gaps; anything else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if value is None:
        return math.nan
    if isinstance(value, str):
        return NON_FINITE_SPELLINGS.get(value.strip().lower())
    return None


def json_safe(value: Any) -> Any:
    """`value` with every NaN and ±inf inside it as "NaN", "Infinity", "-Infinity" (what JavaScript prints; JSON
    has no such numbers); tuples as lists, keys as strings. Used by the REST API and the widget alike."""
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {k if isinstance(k, str) else str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def thin(x: list, y: list, max_points: int = MAX_POINTS, has_gaps: bool = True) -> tuple[list, list]:
    """Keep at most `max_points` points: each bucket's min and max, so spikes survive the thinning, and its first
    non-finite value, so gaps do too. `has_gaps=False` (the caller counted none) skips the per-value checks."""
    if len(y) <= max_points:
        return list(x), list(y)
    buckets = max(1, max_points // 3)
    size = len(y) / buckets
    value_at = y.__getitem__
    out_x, out_y = [], []
    for bucket in range(buckets):
        start, end = int(bucket * size), max(int((bucket + 1) * size), int(bucket * size) + 1)
        segment = range(start, min(end, len(y)))
        if has_gaps:
            numbers = [i for i in segment if is_finite_number(y[i])]
            gap = next((i for i in segment if not is_finite_number(y[i])), None)
        else:
            numbers, gap = segment, None
        keep = {min(numbers, key=value_at), max(numbers, key=value_at)} if numbers else set()
        if gap is not None:
            keep.add(gap)
        for i in sorted(keep):
            out_x.append(x[i])
            out_y.append(y[i])
    return out_x, out_y
