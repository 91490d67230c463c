"""Unbounded numbers and deep nesting over REST get a 400 naming the field, and start nothing (issue 9, 11 and 15)."""

from __future__ import annotations

import pytest

from .conftest import submit_body


def project(server):
    folder = server.root / "project"
    folder.mkdir(exist_ok=True)
    (folder / "train.py").write_text("print('should never run')\n")
    return folder


@pytest.mark.parametrize("field, value", [
    ("max_run_duration_seconds", 10**400),
    ("max_run_duration_seconds", 10**12),
    ("distributed", {"node_count": 10**30}),
    ("distributed", {"process_count_per_node": 10**6}),
], ids=["duration-400-digits", "duration-1e12", "node-count-1e30", "processes-1e6"])
def test_unbounded_submit_fields_are_refused(live_server, field, value):
    body = submit_body(project(live_server), "train.py")
    body[field] = value if not isinstance(value, dict) else {**body[field], **value}
    status, answer, _ = live_server.request("POST", "runs", body)
    assert status == 400, answer
    assert answer["field"].startswith(field) and "Fix" in answer["message"]
    assert live_server.get("runs")["runs"] == []


@pytest.mark.parametrize("query", ["offset=" + "9" * 400, "offset=99999999999999999999999", "limit=1e400",
                                   "since=1e400", "since=nan", "until=-inf"],
                         ids=["offset-400-digits", "offset-1e23", "limit-1e400", "since-1e400", "since-nan", "until-inf"])
def test_unbounded_query_numbers_are_refused(live_server, query):
    status, answer, raw = live_server.request("GET", f"runs?{query}")
    assert status == 400, raw[:300]
    assert answer["field"] == query.split("=")[0]


def test_deeply_nested_json_is_a_400_not_a_500(live_server):
    for depth in (100_000, 1_000):
        raw = ("[" * depth + "]" * depth).encode()
        status, answer, _ = live_server.request("POST", "runs", raw=raw)
        assert status == 400, answer
        assert answer["field"] == "body" and "nests deeper" in answer["message"]
    # brackets inside strings do not count
    body = submit_body(project(live_server), "train.py", tags={"note": "[" * 500})
    status, answer, _ = live_server.request("POST", "runs", body)
    assert status == 201, answer
    status, answer, _ = live_server.request("POST", "tensorboards", raw=b"{" * 5000)
    assert status == 400 and answer["field"] == "body"
