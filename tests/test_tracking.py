"""The tracking API as a training script uses it, inside real submitted runs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import PYTHON, read_log, submit_script


def test_metrics_come_back_in_aml_shapes(exp, project):
    run = submit_script(exp, project, "metrics.py", """
        from jupyter_estimator import Run
        run = Run.get_context()
        run.log("once", 0.5)
        for i in range(3):
            run.log("loss", 1.0 / (i + 1), step=i)
        run.log("note", "text value")
        run.log_list("accuracies", [0.1, 0.2, 0.3])
        run.log_row("single_row", x=1, y=2)
        run.log_row("rows", epoch=1, acc=0.5)
        run.log_row("rows", epoch=2, acc=0.7)
        run.log_table("table", {"a": [1, 2], "b": [3, 4]})
        run.log_confusion_matrix("cm", {"schema_type": "confusion_matrix", "data": {"matrix": [[1, 0], [0, 1]]}})
    """)
    run.wait_for_completion()
    metrics = run.get_metrics()
    assert metrics["once"] == 0.5
    assert metrics["loss"] == [1.0, 0.5, 1 / 3]
    assert metrics["note"] == "text value"
    assert metrics["accuracies"] == [0.1, 0.2, 0.3]
    assert metrics["single_row"] == {"x": 1, "y": 2}
    assert metrics["rows"] == {"epoch": [1, 2], "acc": [0.5, 0.7]}
    assert metrics["table"] == {"a": [1, 2], "b": [3, 4]}
    assert metrics["cm"]["data"]["matrix"] == [[1, 0], [0, 1]]
    assert run.get_metrics(name="loss") == {"loss": [1.0, 0.5, 1 / 3]}
    summary = {r["name"]: r["count"] for r in exp.workspace.store.index.read(
        "SELECT name, count FROM run_metrics_latest WHERE run_id = ?", (run.id,))}
    assert summary["loss"] == 3 and summary["once"] == 1


def test_log_refuses_lists_with_aml_message(exp, project):
    run = submit_script(exp, project, "badlog.py", """
        from jupyter_estimator import Run
        run = Run.get_context()
        try:
            run.log("xs", [1, 2])
        except ValueError as exc:
            print("REFUSED", exc)
    """)
    run.wait_for_completion()
    assert "run.log does not support list type. Use run.log_list instead" in read_log(run)


def test_images_files_and_folders(exp, project):
    project.write("chart_source.png", "not really a png")
    run = submit_script(exp, project, "files.py", """
        import os
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from jupyter_estimator import Run
        run = Run.get_context()
        fig = plt.figure(); plt.plot([1, 2, 3])
        run.log_image("curve", plot=fig)
        run.log_image("from_path", path="chart_source.png")
        os.makedirs("extra/sub", exist_ok=True)
        open("extra/a.txt", "w").write("A")
        open("extra/sub/b.txt", "w").write("B")
        run.upload_file("outputs/uploaded.txt", "extra/a.txt")
        run.upload_folder("folder", "extra")
        for bad in ("../escape.txt", "/etc/passwd", "run.json"):
            try:
                run.upload_file(bad, "extra/a.txt")
            except ValueError as exc:
                print("REFUSED", bad)
    """)
    run.wait_for_completion()
    names = run.get_file_names()
    assert "outputs/uploaded.txt" in names and "folder/a.txt" in names and "folder/sub/b.txt" in names
    assert "chart_source.png" in names
    curve = run.get_metrics()["curve"]
    assert curve.startswith("curve_") and curve.endswith(".png") and curve in names
    assert (Path(run.path) / curve).read_bytes()[:4] == b"\x89PNG"
    log = read_log(run)
    assert log.count("REFUSED") == 3
    assert not (Path(run.path).parent / "escape.txt").exists()


def test_tags_and_immutable_properties_from_the_script(exp, project):
    run = submit_script(exp, project, "tags.py", """
        from jupyter_estimator import Run
        run = Run.get_context()
        run.tag("stage", "train")
        run.set_tags({"lr": 0.1, "empty": None})
        run.add_properties({"dataset": "v1"})
        run.add_properties({"dataset": "v1"})  # same value: fine
        try:
            run.add_properties({"dataset": "v2"})
        except ValueError as exc:
            print("IMMUTABLE", exc)
    """)
    run.wait_for_completion()
    assert run.get_tags() == {"stage": "train", "lr": "0.1", "empty": None}
    assert run.get_properties()["dataset"] == "v1"
    assert "IMMUTABLE properties['dataset']" in read_log(run)
    meta = [json.loads(line) for line in (Path(run.path) / "meta.jsonl").read_text().splitlines()]
    assert [m[1] for m in meta] == ["properties", "tags", "tags", "properties", "properties"]  # submit, then the script


def test_child_runs_from_a_script(exp, project):
    run = submit_script(exp, project, "children.py", """
        from jupyter_estimator import Run
        run = Run.get_context()
        with run.child_run(name="fold-0") as child:
            child.log("score", 0.9)
        kids = run.create_children(tag_key="fold", tag_values=["1", "2"])
        for kid in kids:
            kid.log("score", 0.8)
            kid.complete()
    """)
    run.wait_for_completion()
    children = list(run.get_children())
    assert len(children) == 3
    assert {c.get_status() for c in children} == {"Completed"}
    assert sorted(c.get_tags().get("fold", "0") for c in children) == ["0", "1", "2"]
    assert run.get_metrics(recursive=True)[children[0].id] == {"score": children[0].get_metrics()["score"]}
    assert [r.id for r in exp.get_runs()][0] == run.id  # children are not top-level runs
    assert len(list(exp.get_runs(include_children=True))) == 4


def test_fail_from_the_script_marks_the_run_failed(exp, project):
    run = submit_script(exp, project, "selffail.py", """
        from jupyter_estimator import Run
        Run.get_context().fail(error_details="validation accuracy too low")
    """)
    details = run.wait_for_completion(raise_on_error=False)
    assert details["status"] == "Failed"
    assert details["error"]["message"] == "validation accuracy too low"


def test_metrics_survive_sigterm(exp, project):
    run = submit_script(exp, project, "term.py", """
        import os, signal, time
        from jupyter_estimator import Run
        run = Run.get_context()
        for i in range(1000):
            run.log("x", i)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)
    """)
    details = run.wait_for_completion(raise_on_error=False)
    assert details["signal"] == "SIGTERM"
    assert run.get_metrics()["x"] == list(range(1000))


def test_offline_run_prints_what_it_would_log(tmp_path, monkeypatch):
    monkeypatch.delenv("JUPYTER_ESTIMATOR_RUN_ID", raising=False)
    out = subprocess.run([PYTHON, "-c", "from jupyter_estimator import Run\nr = Run.get_context()\nr.log('acc', 0.9)\n"
                          "print(r.id.startswith('OfflineRun_'))"], capture_output=True, text=True, cwd=tmp_path)
    assert out.stdout == "Attempted to log scalar metric acc:\n0.9\nTrue\n"


def test_importing_for_a_script_pulls_in_no_heavy_modules():
    code = ("import sys\nfrom jupyter_estimator import Run\nfrom jupyter_estimator.azureml.core import Run as R2\n"
            "assert R2 is Run\nr = Run.get_context()\nr.log('a', 1)\n"
            "import jupyter_estimator.client.experiment, jupyter_estimator.client.workspace  # what a run inside a run loads\n"
            "heavy = [m for m in sys.modules if m.split('.')[0] in ('pydantic', 'jupyter_server', 'tornado', "
            "'ipywidgets', 'IPython', 'yaml', 'pathspec', 'jupyter_core')]\nprint(heavy)")
    out = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stderr


def test_metric_records_round_trip_through_the_fast_encoder():
    import json
    import math
    from jupyter_estimator.tracking.metric_buffer import encode_record
    records = [[1.5, "s", "loss", 0.25, 3], [2.0, "s", 'quote"name', 7, None], [3.0, "s", "nan", float("nan"), None],
               [4.0, "s", "inf", float("inf"), 1], [5.0, "s", "flag", True, None], [6.0, "l", "xs", [1, 2], None]]
    decoded = [json.loads(encode_record(r)) for r in records]
    assert decoded[0] == records[0] and decoded[1] == records[1] and decoded[4] == records[4] and decoded[5] == records[5]
    assert math.isnan(decoded[2][3]) and decoded[3][3] == float("inf")


@pytest.mark.slow
def test_the_readme_demo_trains_and_registers_a_model(home):
    out = subprocess.run([PYTHON, "-m", "jupyter_estimator.demo"], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert "Status: Completed" in out.stdout and "model: demo-logreg:1" in out.stdout
    accuracy = float(out.stdout.split("final accuracy: ")[1].split()[0])
    assert accuracy > 0.8
