"""The Run API from the notebook's side: details, waiting, files, listing, interactive runs."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from conftest import submit_script
from jupyter_estimator import Run
from jupyter_estimator.core.errors import RunNotFoundException, UserErrorException

SCRIPT = """
    import os
    from jupyter_estimator import Run
    run = Run.get_context()
    os.makedirs("outputs/nested", exist_ok=True)
    open("outputs/model.pkl", "wb").write(b"weights")
    open("outputs/nested/info.txt", "w").write("info")
    for i in range(3):
        print("epoch", i)
        run.log("acc", i / 10)
"""


@pytest.fixture
def finished(exp, project):
    run = submit_script(exp, project, "train.py", SCRIPT)
    run.wait_for_completion()
    return run


def test_get_details_has_aml_fields(finished):
    details = finished.get_details()
    for key in ("runId", "target", "status", "startTimeUtc", "endTimeUtc", "properties", "runDefinition", "logFiles",
                "submittedBy"):
        assert key in details, key
    assert details["target"] == "local"
    assert "user_logs/std_log.txt" in details["logFiles"]
    assert details["runDefinition"]["script"] == "train.py"
    with_logs = finished.get_details_with_logs()
    assert "epoch 2" in with_logs["logFiles"]["user_logs/std_log.txt"]


def test_wait_for_completion_streams_in_aml_layout(exp, project):
    run = submit_script(exp, project, "stream.py", "print('first line')\nprint('second line')")
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        run.wait_for_completion(show_output=True)
    text = buffer.getvalue()
    assert text.startswith(f"RunId: {run.id}\nWeb View: ")
    assert "\nStreaming user_logs/std_log.txt\n" + "=" * len("user_logs/std_log.txt" + " " * 10) + "\n\n" in text
    assert text.index("first line") < text.index("second line") < text.index("Execution Summary\n=================")


def test_files_list_and_download_with_guards(finished, tmp_path):
    names = finished.get_file_names()
    assert {"outputs/model.pkl", "outputs/nested/info.txt", "user_logs/std_log.txt"} <= set(names)
    assert not any(n.startswith(("snapshot", "run.json", "status.json", "metrics")) for n in names)
    target = finished.download_file("outputs/model.pkl", str(tmp_path / "m.pkl"))
    assert Path(target).read_bytes() == b"weights"
    for bad in ("../../index.sqlite", "/etc/passwd", "outputs/../../x", "run.json", "snapshot/train.py", "outputs/missing"):
        with pytest.raises(UserErrorException, match="name"):
            finished.download_file(bad, str(tmp_path / "x"))
    written = finished.download_files(prefix="outputs/", output_directory=str(tmp_path / "all"))
    assert sorted(Path(p).relative_to(tmp_path / "all").as_posix() for p in written) == ["outputs/model.pkl", "outputs/nested/info.txt"]
    flat = finished.download_files(prefix="outputs/", output_directory=str(tmp_path / "flat"), append_prefix=False)
    assert (tmp_path / "flat" / "nested" / "info.txt").exists() and len(flat) == 2


def test_symlink_inside_run_cannot_escape(finished, tmp_path):
    (Path(finished.path) / "outputs" / "evil").symlink_to("/etc/passwd")
    with pytest.raises(UserErrorException, match="outside the run"):
        finished.download_file("outputs/evil", str(tmp_path / "x"))


def test_load_runs_by_id_and_list_with_filters(exp, project, finished):
    again = Run(exp, finished.id)
    assert again.id == finished.id and again.get_status() == "Completed" and again.number == finished.number
    with pytest.raises(RunNotFoundException, match="no run"):
        Run(exp, "tests_0_deadbeef")
    other = submit_script(exp, project, "train.py", SCRIPT)
    other.tag("keep", "yes")
    other.wait_for_completion()
    runs = list(exp.get_runs())
    assert [r.id for r in runs[:2]] == [other.id, finished.id]  # newest first
    assert [r.id for r in exp.get_runs(tags="keep")] == [other.id]
    assert [r.id for r in exp.get_runs(tags={"keep": "yes"})] == [other.id]
    assert [r.id for r in exp.get_runs(tags={"keep": "no"})] == []
    assert len(list(exp.get_runs(properties={"azureml.runsource": "experiment"}))) == 2
    assert len(list(exp.get_runs(type="azureml.scriptrun"))) == 2


def test_repr_and_html(finished):
    assert repr(finished) == f"Run(Experiment: tests,\nId: {finished.id},\nType: azureml.scriptrun,\nStatus: Completed)"
    assert "<table" in finished._repr_html_() and finished.id in finished._repr_html_()
    assert finished.get_portal_url().startswith(f"jupyter estimator show {finished.id}")


def test_start_logging_context_manager(exp, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "outputs").mkdir()
    (tmp_path / "outputs" / "artifact.txt").write_text("made interactively")
    with exp.start_logging(snapshot_directory=None) as run:
        assert run.get_status() == "Running"
        run.log("alpha", 0.3)
        run.log("alpha", 0.4)
        assert run.get_metrics() == {"alpha": [0.3, 0.4]}
    assert run.get_status() == "Completed"
    assert "outputs/artifact.txt" in run.get_file_names()
    with pytest.raises(ZeroDivisionError):
        with exp.start_logging(snapshot_directory=str(tmp_path)) as failing:
            1 / 0
    assert failing.get_status() == "Failed"
    assert "ZeroDivisionError" in failing.get_details()["error"]["message"]
    assert failing.get_snapshot_id()


def test_start_logging_makes_the_outputs_folder(exp, tmp_path, monkeypatch):
    """AML's default outputs='./outputs' exists right after start_logging (issue 8, item 3)."""
    import pickle
    monkeypatch.chdir(tmp_path)
    with exp.start_logging(snapshot_directory=None) as run:
        with open("outputs/model.pkl", "wb") as handle:  # what `joblib.dump(model, 'outputs/model.pkl')` does
            pickle.dump({"weights": [1, 2]}, handle)
    assert "outputs/model.pkl" in run.get_file_names()
    elsewhere = tmp_path / "no-outputs"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    with exp.start_logging(snapshot_directory=None, outputs=False):
        pass
    assert not (elsewhere / "outputs").exists()
    with exp.start_logging(snapshot_directory=None, outputs="artifacts/out"):
        assert (elsewhere / "artifacts" / "out").is_dir()


def test_interactive_run_abandoned_by_a_dead_process_is_reconciled(home, exp, tmp_path):
    import subprocess
    from conftest import PYTHON, python_env
    code = ("import os\nfrom jupyter_estimator import Workspace, Experiment\n"
            "run = Experiment(Workspace(), 'tests').start_logging(snapshot_directory=None)\n"
            "print(run.id, flush=True)\nos._exit(0)")
    run_id = subprocess.run([PYTHON, "-c", code], env=python_env(home), capture_output=True, text=True).stdout.strip()
    run = Run(exp, run_id)
    assert run.get_status() == "Failed"
    assert "the process that started it" in run.get_details()["error"]["message"]


def test_display_name_and_description(finished):
    finished.display_name = "baseline"
    finished.description = "first try"
    again = Run(finished.experiment, finished.id)
    assert again.display_name == "baseline" and again.description == "first try"
