"""NaN and ±inf logged by a script, and a million points of one metric, over the REST API (issue 9, items 4–5):
every answer is strict JSON, non-finite values arrive as "NaN"/"Infinity", and series arrive thinned."""

from __future__ import annotations

import json
import math

from .conftest import submit_body

LOGS_ODD_VALUES = """
from jupyter_estimator import Run
run = Run.get_context()
for i, value in enumerate([1.0, float('nan'), 0.5, float('inf'), float('-inf'), 0.25]):
    run.log('loss', value, step=i)
run.log_list('accs', [0.1, float('nan'), 0.3])
run.log_row('row', a=float('inf'), b=2)
run.log('final', float('nan'))
"""


def strict(raw: bytes):
    def refuse(name: str):
        raise AssertionError(f"bare {name} in a JSON answer")
    return json.loads(raw, parse_constant=refuse)


def test_non_finite_values_are_json_safe_everywhere(live_server):
    project = live_server.root / "odd"
    project.mkdir()
    (project / "train.py").write_text(LOGS_ODD_VALUES)
    status, run, _ = live_server.request("POST", "runs", submit_body(project, "train.py"))
    assert status == 201
    import time
    deadline = time.monotonic() + 60
    while live_server.get(f"runs/{run['id']}")["status"] != "Completed":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    for path in ("runs?limit=50", f"runs/{run['id']}", f"runs/{run['id']}/metrics", f"runs/{run['id']}/metrics/series",
                 f"runs/{run['id']}/metrics?name=loss"):
        status, _, raw = live_server.request("GET", path)
        assert status == 200, raw[:300]
        strict(raw)
    listed = strict(live_server.request("GET", "runs")[2])["runs"][0]
    assert listed["metrics"]["final"] == "NaN"
    records = strict(live_server.request("GET", f"runs/{run['id']}/metrics?name=loss")[2])["records"]
    assert [r["value"] for r in records] == [1.0, "NaN", 0.5, "Infinity", "-Infinity", 0.25]
    series = strict(live_server.request("GET", f"runs/{run['id']}/metrics/series")[2])["series"]
    assert series["loss"]["y"] == [1.0, None, 0.5, None, None, 0.25] and series["loss"]["nonfinite"] == 3
    assert series["accs"]["y"] == [0.1, None, 0.3] and series["final"]["last"] == "NaN"
    # stored as logged: the SDK reads the real floats back
    from jupyter_estimator import Run, Workspace
    metrics = Run.get(Workspace(path=str(live_server.workspace)), run["id"]).get_metrics()
    assert math.isnan(metrics["loss"][1]) and metrics["loss"][3] == math.inf and math.isnan(metrics["final"])


def test_a_million_points_arrive_thinned_with_extremes_kept(live_server):
    project = live_server.root / "big"
    project.mkdir()
    (project / "train.py").write_text("print('ok')\n")
    status, run, _ = live_server.request("POST", "runs", submit_body(project, "train.py"))
    import time
    deadline = time.monotonic() + 60
    while live_server.get(f"runs/{run['id']}")["status"] != "Completed":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    metrics = live_server.workspace / "runs" / run["id"] / "metrics" / "metrics.jsonl"
    lines = []
    for i in range(1_000_000):
        value = 5.0 if i == 654_321 else (-3.0 if i == 123_456 else (i % 1000) / 1000)
        lines.append(b'[0, "s", "loss", %r, %d]\n' % (value, i))
    lines += [b'[0, "s", "m%d", %d, 0]\n' % (i, i) for i in range(1000)]
    metrics.write_bytes(b"".join(lines))
    status, _, raw = live_server.request("GET", f"runs/{run['id']}/metrics/series?points=1000", timeout=120)
    assert status == 200
    series = strict(raw)["series"]
    loss = series["loss"]
    assert loss["count"] == 1_000_000 and len(loss["y"]) <= 1000
    assert max(loss["y"]) == 5.0 and min(loss["y"]) == -3.0  # spikes survive the thinning
    assert loss["x"] == sorted(loss["x"]) and len(series) == 1001
    one = strict(live_server.request("GET", f"runs/{run['id']}/metrics/series?name=m7")[2])["series"]
    assert list(one) == ["m7"] and one["m7"]["y"] == [7]
