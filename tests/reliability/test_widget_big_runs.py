"""RunDetails on big runs (issue 9, item 6): the widget reads the metrics file to its end before it stops, shows the
log from its tail, caps a shown line ("… N bytes more") so a 20 MB line neither freezes the live log nor floods the
front end, keeps its static HTML small, and sends NaN/±inf as JSON (null gaps in series, "NaN"/"Infinity" strings
in last values, tables and documents).

Each test uses a real run: a submitted script, or a finished run's folder appended to as the runner writes it
(metrics/metrics.jsonl: one JSON array [time, kind, name, value, step] a line; user_logs/std_log.txt: the log)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from conftest import submit_script, wait_for

BIG_LINE = 20_000_000


def finished_run(exp, project, code: str = "print('the script ran', flush=True)\n"):
    run = submit_script(exp, project, "train.py", code)
    run.wait_for_completion()
    assert run.get_status() == "Completed"
    return run


def append_metrics(run, records) -> Path:
    path = Path(run.path) / "metrics" / "metrics.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "ab") as handle:
        batch = []
        for record in records:
            batch.append(json.dumps(record).encode() + b"\n")
            if len(batch) >= 50_000:
                handle.write(b"".join(batch))
                batch = []
        handle.write(b"".join(batch))
    return path


def std_log(run) -> Path:
    return Path(run.path) / "user_logs" / "std_log.txt"


def follow_to_the_end(widget, timeout: float = 300) -> None:
    wait_for(lambda: not widget.refreshing, timeout=timeout, interval=0.1, message="the widget's refresh loop to finish")


def capped(line: str) -> tuple[str, int] | None:
    match = re.fullmatch(r"(.*)… (\d+) bytes more", line, re.DOTALL)
    return (match.group(1), int(match.group(2))) if match else None


def test_a_finished_run_with_a_million_points_and_1001_metrics_is_read_to_the_end(exp, project):
    from jupyter_estimator.azureml.widgets import RunDetails
    from jupyter_estimator.widgets import RunDetailsWidget
    run = finished_run(exp, project)
    points = 1_000_000

    def records():
        for i in range(points):
            value = 12345.678 if i == points - 1 else (i % 1000) / 1000
            yield [1700000000.0 + i * 0.001, "s", "loss", value, i]
        for k in range(1000):
            yield [1700001000.0 + k, "s", f"metric_{k:04d}", k * 0.5, None]

    path = append_metrics(run, records())
    assert path.stat().st_size > 40 * 1024 * 1024  # several times what one read takes

    widget = RunDetailsWidget(run, interval=0.05)
    follow_to_the_end(widget)
    metrics = widget.metrics
    assert len(metrics) == 1001, f"{len(metrics)} of 1001 metrics shown"
    loss = metrics["loss"]
    assert loss["count"] == points and loss["last"] == 12345.678
    assert len(loss["y"]) <= 400 and max(loss["y"]) == 12345.678 and min(loss["y"]) == 0.0  # thinned, extremes kept
    assert loss["x"][-1] == points - 1
    assert all(metrics[f"metric_{k:04d}"]["last"] == k * 0.5 for k in range(1000))
    assert widget.status == "Completed"

    data = RunDetails(run).get_widget_data()  # no widget shown: reads to the end all the same
    assert len(data["metrics"]) == 1001 and data["metrics"]["loss"]["count"] == points
    assert data["metrics"]["loss"]["last"] == 12345.678


def test_a_record_bigger_than_one_read_and_the_records_after_it_are_shown(exp, project):
    """A long log_list is one line of metrics.jsonl (here about 20 MB): it is read whole, not waited on forever."""
    from jupyter_estimator.widgets import RunDetailsWidget
    run = finished_run(exp, project, """
        from jupyter_estimator import Run
        run = Run.get_context()
        run.log_list("curve", [i + 0.123456789 for i in range(1_000_000)])
        run.log("after", 7.0)
    """)
    assert (Path(run.path) / "metrics" / "metrics.jsonl").stat().st_size > 10 * 1024 * 1024
    widget = RunDetailsWidget(run, interval=0.05)
    follow_to_the_end(widget)
    assert widget.metrics["curve"]["count"] == 1_000_000 and widget.metrics["curve"]["last"] == 999_999.123456789
    assert widget.metrics["after"]["last"] == 7.0


def test_a_20_mb_line_is_capped_and_the_live_log_goes_on(exp, project, tmp_path):
    from jupyter_estimator.widgets import RunDetailsWidget
    go, resume = tmp_path / "go", tmp_path / "resume"
    run = submit_script(exp, project, "long_line.py", f"""
        import os, sys, time
        sys.stdout.write("x" * {BIG_LINE})  # one line, no newline for a while
        sys.stdout.flush()
        time.sleep(0.3)
        print(" end of the long line", flush=True)
        for i in range(10):
            print("after", i, flush=True)
        while not os.path.exists({str(resume)!r}):
            time.sleep(0.05)
        for i in range(3):
            print("later", i, flush=True)
        while not os.path.exists({str(go)!r}):
            time.sleep(0.05)
        print("done", flush=True)
    """)
    widget = RunDetailsWidget(run, interval=0.05)
    try:
        wait_for(lambda: "after 9" in widget.log_tail, timeout=120, interval=0.1, message="the lines after the 20 MB line")
        assert widget.status == "Running"  # the script waits for `resume`: this is the live log
        lines = widget.log_tail.splitlines()
        long_lines = [line for line in lines if line.startswith("xxx")]
        assert len(long_lines) == 1
        head, more = capped(long_lines[0])
        cap = len(head)  # the bytes of a line shown (log_view.LINE_CAP)
        assert 1000 <= cap <= 10_000 and head == "x" * cap and more == BIG_LINE + len(" end of the long line") - cap
        assert lines[-10:] == [f"after {i}" for i in range(10)]
        assert len(widget.log_tail) < 300_000

        # a line still being written (no newline yet) that is already 20 MB: shown capped, and what follows shows too
        with open(std_log(run), "ab") as handle:  # the script is idle; the runner appends the same way
            handle.write(b"y" * BIG_LINE)
        def shown_partial():  # the line as shown now (it may be caught while the write is still going on)
            return [capped(line) for line in widget.log_tail.splitlines() if line.startswith("yyy")]
        wait_for(lambda: shown_partial() == [("y" * cap, BIG_LINE - cap)], timeout=120, interval=0.1,
                 message="the unterminated 20 MB line to show, capped")
        with open(std_log(run), "ab") as handle:
            handle.write(b"yy\n")
        resume.touch()
        wait_for(lambda: "later 2" in widget.log_tail, timeout=120, interval=0.1, message="the lines after the unterminated line")
        lines = widget.log_tail.splitlines()
        assert [capped(line) for line in lines if line.startswith("yyy")] == [("y" * cap, BIG_LINE + 2 - cap)]
        assert lines[-3:] == ["later 0", "later 1", "later 2"]

        go.touch()
        follow_to_the_end(widget, timeout=120)
        assert widget.status == "Completed"
        assert widget.log_tail.splitlines()[-1] == "done"
        assert len(widget.log_tail) < 300_000
    finally:  # whatever failed, the script ends
        resume.touch()
        go.touch()
        widget.stop()
        run.wait_for_completion(raise_on_error=False)


def test_a_fresh_widget_on_a_50_mb_log_shows_its_tail(exp, project):
    from jupyter_estimator.widgets import RunDetailsWidget
    run = finished_run(exp, project)
    total = 500_000
    with open(std_log(run), "ab") as handle:
        handle.writelines(b"".join(f"line {i:07d} {'.' * 86}\n".encode() for i in range(start, start + 50_000))
                          for start in range(0, total, 50_000))
    size = std_log(run).stat().st_size
    assert size >= 50_000_000
    lines_in_file = std_log(run).read_bytes().count(b"\n")

    widget = RunDetailsWidget(run, interval=0.05)
    follow_to_the_end(widget)
    shown = widget.log_tail.splitlines()
    assert "the script ran" not in widget.log_tail  # not the head of the file
    assert shown[-1] == f"line {total - 1:07d} {'.' * 86}"
    numbers = [int(line.split()[1]) for line in shown[1:]]
    assert numbers == list(range(total - len(numbers), total)) and len(numbers) >= 100  # the last lines, in order
    assert shown[0] == f"… {lines_in_file - len(numbers)} earlier lines not shown"
    assert widget.log_line_count == lines_in_file
    assert f"line {total - 1:07d}" in widget.snapshot_html()


def test_the_static_html_of_a_big_run_stays_small(exp, project):
    from jupyter_estimator.widgets import RunDetailsWidget
    run = finished_run(exp, project)
    append_metrics(run, [[1700000000.0 + k, "s", f"metric_{k:04d}_" + "n" * 120, k, None] for k in range(1000)]
                   + [[1700002000.0, "s", "notes", "<&>" * 300_000, None]])
    with open(std_log(run), "ab") as handle:
        handle.writelines(b"<" * 100_000 + f" wide line {i}\n".encode() for i in range(30))  # '<' is 4 once escaped
        handle.write(b"z" * BIG_LINE + b"\n")
        handle.write(b"the end\n")
    widget = RunDetailsWidget(run, interval=0.05)
    follow_to_the_end(widget)
    bundle = widget._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    page = data["text/html"]
    assert len(page.encode()) < 200_000, f"static HTML is {len(page.encode())} bytes"
    assert "Completed" in page and "the end" in page and "bytes more" in page
    assert "metric_0000_" in page and "more metrics" in page  # rows are cut, and it says so
    assert len(widget.log_tail) < 300_000
    for value in data.values():
        assert len(json.dumps(value)) < 200_000


def test_non_finite_values_reach_the_front_end_as_json(exp, project):
    from jupyter_estimator.widgets import RunDetailsWidget
    run = finished_run(exp, project, """
        from jupyter_estimator import Run
        nan, inf = float("nan"), float("inf")
        run = Run.get_context()
        for step, value in enumerate([1.0, nan, inf, -inf, 0.5]):
            run.log("loss", value, step=step)
        run.log("final", nan)
        run.log("top", inf)
        run.log("bottom", -inf)
        run.log_list("curve", [0.1, nan, 0.3, inf])
        run.log_row("pr", precision=nan, recall=-inf)
        run.log_table("table", {"a": [1.0, nan], "b": [inf, 2.0]})
        run.log_confusion_matrix("cm", {"schema_type": "confusion_matrix",
                                        "data": {"matrix": [[1, nan], [inf, -inf]], "labels": ["x", "y"]}})
    """)
    widget = RunDetailsWidget(run, interval=0.05)
    follow_to_the_end(widget)
    state = widget.get_state()
    json.dumps(state, allow_nan=False)  # every synced value is plain JSON
    metrics = widget.metrics
    assert metrics["loss"]["y"] == [1.0, None, None, None, 0.5] and metrics["loss"]["last"] == 0.5
    assert metrics["final"]["last"] == "NaN" and metrics["final"]["y"] == [None]
    assert metrics["top"]["last"] == "Infinity" and metrics["bottom"]["last"] == "-Infinity"
    assert metrics["curve"]["y"] == [0.1, None, 0.3, None] and metrics["curve"]["last"] == "Infinity"
    assert metrics["pr"]["columns"] == {"precision": ["NaN"], "recall": ["-Infinity"]}
    assert metrics["table"]["columns"] == {"a": [1.0, "NaN"], "b": ["Infinity", 2.0]}
    assert metrics["cm"]["last"]["data"]["matrix"] == [[1, "NaN"], ["Infinity", "-Infinity"]]
    page = widget.snapshot_html()
    assert "<td>final</td><td>NaN</td>" in page and "<td>top</td><td>Infinity</td>" in page
