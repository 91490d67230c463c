"""%%estimator magics, the RunDetails widget and the EstimatorForm, driven from Python against real runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from conftest import read_log, wait_for
from jupyter_estimator import Run


@pytest.fixture
def shell(ws, monkeypatch, tmp_path):
    monkeypatch.setenv("JUPYTER_ESTIMATOR_NO_SERVER", "1")
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "My Notebook.ipynb"))
    monkeypatch.chdir(tmp_path)
    instance = InteractiveShell.instance()
    instance.run_line_magic("load_ext", "jupyter_estimator")
    yield instance
    InteractiveShell.clear_instance()


def run_count(ws) -> int:
    return ws.store.index.read("SELECT COUNT(*) AS n FROM runs")[0]["n"]


def test_cell_magic_submits_the_cell_as_the_script(shell, ws):
    with capture_output() as captured:
        shell.run_cell_magic("estimator", "--user-managed --param lr=0.1 --param=--verbose= --tag stage=dev --name r --wait",
                             "import sys\nfrom jupyter_estimator import Run\nRun.get_context().log('lr', 0.1)\nprint('argv', sys.argv[1:])\n")
    run = shell.user_ns["r"]
    assert isinstance(run, Run) and run.get_status() == "Completed"
    assert run.experiment.name == "My-Notebook"  # the notebook's name, made a valid experiment name
    assert "argv ['--lr', '0.1', '--verbose']" in read_log(run)
    assert sorted(p.name for p in (Path(run.path) / "snapshot").iterdir() if p.name not in ("outputs", "logs")) == ["train.py"]
    assert run.get_tags() == {"stage": "dev"} and run.get_metrics() == {"lr": 0.1}
    assert "Execution Summary" in captured.stdout


def test_cell_magic_with_a_source_directory_and_script_name(shell, project):
    project.write("helper.py", "VALUE = 42\n")
    project.write("train.py", "raise SystemExit('the file on disk must be replaced by the cell')\n")
    shell.run_cell_magic("estimator", f"--user-managed --source-directory {project} --script train.py --experiment magic --name r",
                         "import helper\nprint('helper says', helper.VALUE)\n")
    run = shell.user_ns["r"]
    run.wait_for_completion()
    assert "helper says 42" in read_log(run)
    assert (project.path / "train.py").read_text().startswith("raise SystemExit")  # the project is not modified


def test_cell_magic_yaml_config(shell, project):
    project.write("fit.py", "import sys; print('fit', sys.argv[1:])\n")
    shell.run_cell_magic("estimator", "--config --name r",
                         f"source_directory: {project}\nentry_script: fit.py\nuser_managed: true\n"
                         "script_params:\n  --epochs: 3\nexperiment: yaml-exp\ntags: {kind: yaml}\n")
    run = shell.user_ns["r"]
    run.wait_for_completion()
    assert "fit ['--epochs', '3']" in read_log(run) and run.experiment.name == "yaml-exp"


@pytest.mark.parametrize("line, body, fragment", [
    ("--no-such-option", "print(1)", "unrecognized arguments"),
    ("--nodes two", "print(1)", "--nodes"),
    ("--param lr", "print(1)", "KEY=VALUE"),
    ("--distributed horovod", "print(1)", "--distributed"),
    ("--nodes 0", "print(1)", "node_count"),
    ("--nodes 2", "print(1)", "node_count"),
    ("--source-directory /no/such/folder", "print(1)", "source_directory"),
    ("--docker-image python:3.11 --user-managed", "print(1)", "use_docker"),
    ("--name 2bad", "print(1)", "identifier"),
    ("--config", "entry_script: [unclosed", "not valid YAML"),
    ("--config", "entry_script: a.py\nfavourite_colour: blue", "unknown keys"),
    ("--config", "- a\n- b", "mapping"),
    ("--experiment 'bad name!'", "print(1)", "name"),
])
def test_bad_magic_options_are_usage_errors_and_submit_nothing(shell, ws, line, body, fragment, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///tmp/jupyter-estimator-no-engine.sock")  # Docker is refused here
    before = run_count(ws)
    with pytest.raises(UsageError, match=fragment):
        shell.run_cell_magic("estimator", line, body)
    assert run_count(ws) == before


def test_wait_on_a_failed_run_fails_the_cell(shell, ws):
    """Run All must stop at a failed `--wait` cell: the cell errors as wait_for_completion() raises."""
    from jupyter_estimator.core.errors import ActivityFailedException
    with capture_output():
        result = shell.run_cell("%%estimator --user-managed --wait --name r\nprint('about to fail')\nraise SystemExit(3)\n")
    assert not result.success and isinstance(result.error_in_exec, ActivityFailedException)
    assert shell.user_ns["r"].get_status() == "Failed" and "exit code 3" in str(result.error_in_exec)
    with capture_output():
        assert shell.run_cell("%%estimator --user-managed --wait --name ok\nprint('fine')\n").success


def test_a_missing_module_says_the_environment_holds_only_declared_packages(shell, ws):
    with capture_output():
        result = shell.run_cell("%%estimator --pip six --wait\nimport yaml\n")  # the kernel has yaml; the run does not
    message = str(result.error_in_exec)
    assert "ModuleNotFoundError: No module named 'yaml'" in message
    assert "holds only the declared packages (six)" in message
    assert "--pip pyyaml" in message and "pip_packages=['pyyaml']" in message
    with capture_output():
        result = shell.run_cell("%%estimator --user-managed --wait\nimport no_such_module_here.sub\n")
    message = str(result.error_in_exec)
    assert "user_managed=True" in message and "%pip install no_such_module_here" in message


def test_line_magics(shell, ws):
    shell.run_cell_magic("estimator", "--user-managed --experiment lines --name done", "print('finished run')")
    shell.user_ns["done"].wait_for_completion()
    shell.run_cell_magic("estimator", "--user-managed --experiment lines --name slow",
                         "import time\nprint('sleeping', flush=True)\ntime.sleep(600)")
    slow = shell.user_ns["slow"]
    with capture_output() as listing:
        shell.run_line_magic("estimator_runs", "lines")
    html = listing.outputs[0].data["text/html"]
    assert slow.id in html and shell.user_ns["done"].id in html
    with capture_output() as logs:
        shell.run_line_magic("estimator_logs", shell.user_ns["done"].id)
    assert "finished run" in logs.stdout
    with capture_output() as cancel:
        shell.run_line_magic("estimator_cancel", slow.id)
    assert "Cancel requested" in cancel.stdout
    assert slow.wait_for_completion(raise_on_error=False)["status"] == "Canceled"
    with pytest.raises(UsageError, match="no run"):
        shell.run_line_magic("estimator_logs", "no_such_run_1")


def test_run_details_widget_follows_a_run_to_completion(exp, project):
    from jupyter_estimator.widgets import RunDetailsWidget
    project.write("w.py", """
        import time
        from jupyter_estimator import Run
        run = Run.get_context()
        for i in range(20):
            print("step", i, flush=True)
            run.log("loss", 1 / (i + 1), step=i)
            run.log_row("pr", precision=0.5, recall=i / 20)
            time.sleep(0.05)
        with run.child_run(name="evaluation") as child:
            child.log("score", 0.9)
    """)
    from jupyter_estimator import Environment, ScriptRunConfig
    env = Environment("w")
    env.python.user_managed_dependencies = True
    run = exp.submit(ScriptRunConfig(str(project), script="w.py", environment=env))
    widget = RunDetailsWidget(run, interval=0.1)
    seen_running = wait_for(lambda: widget.status == "Running" or widget.status == "Completed", timeout=30)
    assert seen_running
    wait_for(lambda: not widget.refreshing, timeout=60, message="the widget to stop refreshing")
    assert widget.status == "Completed"
    assert widget.log_tail.splitlines()[-1] == "step 19" and widget.log_line_count == 20
    loss = widget.metrics["loss"]
    assert loss["kind"] == "line" and loss["count"] == 20 and loss["x"] == list(range(20))
    assert widget.metrics["pr"]["kind"] == "table" and len(widget.metrics["pr"]["columns"]["recall"]) == 20
    assert [c["name"] for c in widget.children] == ["evaluation"] and widget.children[0]["status"] == "Completed"
    assert "user_logs/std_log.txt" in [f["path"] for f in widget.files]
    assert "user_logs/std_log.txt" in widget.log_files
    html = widget.snapshot_html()
    assert "Completed" in html and "step 19" in html
    bundle = widget._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "application/vnd.jupyter.widget-view+json" in data and "text/html" in data


def test_run_details_thins_long_series_and_cancels(exp, project):
    from jupyter_estimator.widgets import RunDetailsWidget
    from jupyter_estimator import Environment, ScriptRunConfig
    project.write("many.py", """
        import time
        from jupyter_estimator import Run
        run = Run.get_context()
        for i in range(10000):
            run.log("x", (i % 97) * 1.0)
        run.flush()
        print("logged", flush=True)
        time.sleep(600)
    """)
    env = Environment("m")
    env.python.user_managed_dependencies = True
    run = exp.submit(ScriptRunConfig(str(project), script="many.py", environment=env))
    widget = RunDetailsWidget(run, interval=0.1)
    wait_for(lambda: widget.metrics.get("x", {}).get("count") == 10000, timeout=60, message="10 000 points")
    series = widget.metrics["x"]
    assert len(series["y"]) <= 400 and max(series["y"]) == 96.0 and min(series["y"]) == 0.0
    widget._handle_message(widget, {"type": "cancel"}, [])
    assert widget.message == "Cancel requested."
    wait_for(lambda: not widget.refreshing, timeout=30)
    assert widget.status == "Canceled"


def test_run_details_sends_non_finite_values_as_gaps(exp, project):
    """NaN and ±inf cannot travel in a widget message (JSON): they reach the chart as null, drawn as gaps,
    and a long series keeps its gaps through the thinning."""
    import json
    from jupyter_estimator import Environment, ScriptRunConfig
    from jupyter_estimator.widgets import RunDetailsWidget
    project.write("nan.py", """
        from jupyter_estimator import Run
        run = Run.get_context()
        for i, value in enumerate([1.0, float("nan"), 0.5, float("inf"), float("-inf"), 0.25]):
            run.log("loss", value, step=i)
        for i in range(2000):
            run.log("long", float("nan") if 1000 <= i < 1010 else i % 7)
        run.log("accuracy", float("nan"))
        run.log_row("rows", value=float("inf"))
    """)
    env = Environment("nan")
    env.python.user_managed_dependencies = True
    run = exp.submit(ScriptRunConfig(str(project), script="nan.py", environment=env))
    run.wait_for_completion()
    widget = RunDetailsWidget(run, start=False)
    metrics = widget.metrics
    json.dumps(metrics, allow_nan=False)  # what the front end receives is plain JSON
    assert metrics["loss"]["x"] == [0, 1, 2, 3, 4, 5] and metrics["loss"]["y"] == [1.0, None, 0.5, None, None, 0.25]
    assert metrics["long"]["count"] == 2000 and len(metrics["long"]["y"]) <= 400 and None in metrics["long"]["y"]
    assert max(y for y in metrics["long"]["y"] if y is not None) == 6
    assert metrics["accuracy"] == {"kind": "line", "x": [0], "y": [None], "count": 1, "last": "NaN"}
    assert metrics["rows"]["columns"] == {"value": ["Infinity"]}
    assert "NaN" in widget.snapshot_html()


def test_aml_run_details_show_in_a_headless_shell(shell, exp, project):
    from jupyter_estimator.azureml.widgets import RunDetails
    from jupyter_estimator import Environment, ScriptRunConfig
    project.write("q.py", "print('quick')")
    env = Environment("q")
    env.python.user_managed_dependencies = True
    run = exp.submit(ScriptRunConfig(str(project), script="q.py", environment=env))
    details = RunDetails(run)
    with capture_output() as out:
        assert details.show() is None  # AML's show() returns nothing; the widget is displayed
    widget = details.widget
    assert out.outputs and "text/html" in out.outputs[0].data
    wait_for(lambda: not widget.refreshing, timeout=30)
    assert RunDetails(run).get_widget_data()["status"] == "Completed"


def test_estimator_form_validates_submits_and_emits_code(shell, ws, project):
    from jupyter_estimator.widgets import EstimatorForm
    project.write("train.py", "import sys\nprint('form args', sys.argv[1:])\n")
    form = EstimatorForm(workspace=ws, experiment="form-exp", source_directory=str(project))
    assert "train.py" in form.entry_script.options
    assert form.submit_button.disabled and "jest-form-hint" in form.status.value  # nothing chosen yet, nothing typed
    form.entry_script.value = "train.py"
    form.user_managed.value = True
    form.node_count.value = 2
    assert form.submit_button.disabled and "node_count" in form.status.value
    form.node_count.value = 1
    form.params.add_row("lr", "0.01")
    assert not form.submit_button.disabled, form.status.value
    run = form.submit()
    assert run is not None and form.monitor is not None
    wait_for(lambda: not form.monitor.refreshing, timeout=30)
    assert form.monitor.status == "Completed" and "form args ['--lr', '0.01']" in form.monitor.log_tail
    code = form.code()
    assert "Estimator(source_directory=" in code and "script_params={'--lr': '0.01'}" in code
    namespace: dict = {}
    exec(compile(code.replace("run.wait_for_completion(show_output=True)", "run.wait_for_completion()"), "form", "exec"), namespace)
    assert namespace["run"].get_status() == "Completed"
    assert form.code_button.code == code  # what "Insert code" inserts (in the browser: tests/ui/test_notebook_widgets.py)


def test_estimator_form_checks_exactly_what_submit_checks(shell, ws, project, monkeypatch):
    import html
    from jupyter_estimator import Experiment
    from jupyter_estimator.core.errors import EstimatorError
    from jupyter_estimator.widgets import EstimatorForm
    project.write("train.py", "print('hello')\n")
    monkeypatch.setenv("DOCKER_HOST", "unix:///tmp/jupyter-estimator-no-engine.sock")  # Docker is refused here
    form = EstimatorForm(workspace=ws, experiment="form-exp", source_directory=str(project))
    assert form.submit_button.disabled and "jest-form-hint" in form.status.value  # nothing typed: a hint, no error
    assert "jest-form-error" not in form.status.value and "#a00" not in form.status.value
    form.entry_script.value = "train.py"
    assert "Ready to submit." in form.status.value and not form.submit_button.disabled
    refusals = {}
    for name, fields, reset in [("docker", {"docker_image": "python:3.11-slim"}, {"docker_image": ""}),
                                ("mpi", {"node_count": 2, "distributed": "mpi"}, {"node_count": 1, "distributed": "none"})]:
        for field, value in fields.items():
            getattr(form, field).value = value
        with pytest.raises(EstimatorError) as refusal:  # what Submit says to the same fields
            Experiment(ws, "form-exp").submit(form.build())
        refusals[name] = str(refusal.value)
        assert f"<span class='jest-form-error' style='color:#a00'>{html.escape(refusals[name])}</span>" == form.status.value
        assert form.submit_button.disabled and form.submit() is None
        for field, value in reset.items():
            getattr(form, field).value = value
        assert "Ready to submit." in form.status.value
    assert "use_docker" in refusals["docker"] and "distributed_training" in refusals["mpi"]
    assert run_count(ws) == 0
    # "Run in Docker" is offered disabled, the service's reason as the tooltip (tests/containers/test_docker_surfaces.py)
    assert form.compute_target.options == ("local",)
    assert form.use_docker.disabled and form.use_docker.tooltip.endswith(refusals["docker"].split(" but ", 1)[1])


@pytest.mark.slow
def test_tensorboard_magic_serves_the_runs_scalars(shell, exp, project):
    import json
    import urllib.parse
    import urllib.request
    project.write("tb.py", """
        import time
        from tensorboard.compat.proto.event_pb2 import Event
        from tensorboard.compat.proto.summary_pb2 import Summary
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
        writer = EventFileWriter("logs")
        for step in range(5):
            value = Summary.Value(tag="loss", simple_value=1.0 / (step + 1))
            writer.add_event(Event(wall_time=time.time(), step=step, summary=Summary(value=[value])))
        writer.close()
    """)
    from jupyter_estimator import Environment, ScriptRunConfig
    env = Environment("tb")
    env.python.user_managed_dependencies = True
    run = exp.submit(ScriptRunConfig(str(project), script="tb.py", environment=env))
    run.wait_for_completion()
    with capture_output() as out:
        board = shell.run_line_magic("estimator_tensorboard", run.id)
    try:
        assert out.stdout.startswith("TensorBoard: http://127.0.0.1:")
        def scalars():
            with urllib.request.urlopen(board.url + "data/plugin/scalars/tags", timeout=5) as r:
                names = [name for name, tags in json.loads(r.read()).items() if name.startswith(run.id) and "loss" in tags]
            if not names:
                return None
            query = urllib.parse.urlencode({"run": names[0], "tag": "loss"})
            with urllib.request.urlopen(board.url + f"data/plugin/scalars/scalars?{query}", timeout=5) as r:
                return json.loads(r.read())
        points = wait_for(lambda: _quiet(scalars), timeout=60, interval=0.5, message="TensorBoard to load the events")
        assert [p[1] for p in points] == [0, 1, 2, 3, 4]
    finally:
        board.stop()
    assert board.process is None


def _quiet(action):
    try:
        return action()
    except Exception:
        return None


@pytest.mark.slow
def test_the_demo_prints_a_link_that_opens_the_run_and_the_cli_command_apart(tmp_path, monkeypatch):
    import re
    import signal
    import subprocess
    import sys
    import urllib.request
    from ui.conftest import LabServer
    root, runtime = tmp_path / "root", tmp_path / "runtime"
    root.mkdir()
    runtime.mkdir()
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(runtime))
    lab = LabServer(root, tmp_path / "workspace", "/", runtime).start()
    try:
        env = dict(lab.env(), JUPYTER_ESTIMATOR_SERVER_URL=lab.url, JUPYTER_ESTIMATOR_SERVER_TOKEN=lab.token)
        out = subprocess.run([sys.executable, "-m", "jupyter_estimator.demo"], cwd=tmp_path, env=env, capture_output=True,
                             text=True, timeout=600)
        assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
        run_id = re.search(r"^RunId: (\S+)$", out.stdout, re.M).group(1)
        link = f"{lab.url}lab?estimator-run={run_id}"
        lines = out.stdout.splitlines()
        assert f"Web View: {link}" in lines and f"Open the run: {link}" in lines
        assert f"CLI: jupyter estimator show {run_id}" in lines and f"  jupyter estimator show {run_id}" in lines
        assert not any(line.startswith("Web View: jupyter") for line in lines)
        assert lab.get(f"runs/{run_id}")["status"] == "Completed"  # the server hosts the run the link names
        with urllib.request.urlopen(urllib.request.Request(link, headers={"Authorization": f"token {lab.token}"}), timeout=30) as page:
            assert page.status == 200 and b"JupyterLab" in page.read()
    finally:
        lab.kill(signal.SIGTERM)


def test_the_cell_magic_documents_its_options(shell):
    """`%%estimator?` prints the options (IPython's magic_arguments), so a user need not open the README."""
    doc = shell.find_cell_magic("estimator").__doc__
    for option in ("--pip", "--source-directory", "--wait", "--docker-image", "--config", "--max-run-duration"):
        assert option in doc
    assert "Submit the cell as a training script" in doc
