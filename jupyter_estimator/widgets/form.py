"""`EstimatorForm()`: build and submit an Estimator from a form, checked as you type with exactly the checks
Submit makes (the Estimator's own, the request's, and the service's preflight), then watch the run in a
RunDetails monitor below the form. "Insert code" adds a cell with the equivalent code at once (CodeInserter)."""

from __future__ import annotations

import html
import json
import uuid
from pathlib import Path
from typing import Any

import anywidget
import ipywidgets as w
import traitlets

from ..core.errors import EstimatorError

STATIC = Path(__file__).parent / "static"

DISTRIBUTED = ["none", "mpi", "pytorch", "tensorflow"]


def _split(text: str) -> list[str]:
    return [item.strip() for item in text.replace("\n", ",").split(",") if item.strip()]


class ParamTable(w.VBox):
    """Rows of (name, value) text boxes with add/remove buttons."""

    def __init__(self, on_change: Any) -> None:
        self._on_change = on_change
        self.add_button = w.Button(description="Add parameter", icon="plus", layout=w.Layout(width="160px"))
        self.add_button.on_click(lambda _b: self.add_row())
        self.rows: list[tuple[w.Text, w.Text, w.HBox]] = []
        super().__init__(children=[self.add_button])

    def add_row(self, key: str = "", value: str = "") -> None:
        name = w.Text(value=key, placeholder="--name", layout=w.Layout(width="180px"))
        val = w.Text(value=value, placeholder="value (empty: a flag)", layout=w.Layout(width="220px"))
        remove = w.Button(icon="trash", layout=w.Layout(width="40px"))
        row = w.HBox([name, val, remove])
        entry = (name, val, row)
        remove.on_click(lambda _b: self.remove_row(entry))
        for box in (name, val):
            box.observe(lambda _c: self._on_change(), names="value")
        self.rows.append(entry)
        self.children = [r[2] for r in self.rows] + [self.add_button]
        self._on_change()

    def remove_row(self, entry: tuple) -> None:
        self.rows.remove(entry)
        self.children = [r[2] for r in self.rows] + [self.add_button]
        self._on_change()

    @property
    def params(self) -> dict[str, str]:
        return {(k.value if k.value.startswith("-") else f"--{k.value}"): v.value for k, v, _ in self.rows if k.value.strip()}


class CodeInserter(anywidget.AnyWidget):
    """A button that inserts `code` as a new cell below the cell showing `anchor` (a widget's model id), in the
    browser at once (static/code_inserter.js, built from widgets_src/). Where the front end offers no notebook
    model it shows the code to copy instead. `last_result` is what the front end reported last."""

    _esm = STATIC / "code_inserter.js"
    code = traitlets.Unicode("").tag(sync=True)
    anchor = traitlets.Unicode("").tag(sync=True)
    description = traitlets.Unicode("Insert code").tag(sync=True)
    disabled = traitlets.Bool(False).tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.last_result: dict[str, Any] | None = None
        self.on_msg(self._handle_message)

    def _handle_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("type") in ("inserted", "shown"):
            self.last_result = content

    def insert(self) -> None:
        """Ask the front end to insert the cell now (what clicking the button does)."""
        self.send({"type": "insert", "request": uuid.uuid4().hex})


class EstimatorForm(w.VBox):
    def __init__(self, workspace: Any = None, experiment: str | None = None, source_directory: str = ".") -> None:
        from ..client.workspace import Workspace
        from ..client.notebook import notebook_experiment_name
        self.workspace = workspace or Workspace()
        self.run = None
        self.monitor = None
        style = {"description_width": "150px"}
        wide = w.Layout(width="520px")
        self.experiment = w.Text(value=experiment or notebook_experiment_name(), description="Experiment", style=style, layout=wide)
        self.source_directory = w.Text(value=source_directory, description="Source directory", style=style, layout=wide)
        self.entry_script = w.Combobox(options=self._scripts(source_directory), placeholder="train.py",
                                       description="Entry script", style=style, layout=wide, ensure_option=False)
        self.params = ParamTable(self._changed)
        from ..client.submit_options import target_rows
        # {name: {name, type, available, reason, docker, docker_reason}}: asked once, when the form is made
        self.targets = {row["name"]: row for row in target_rows(self.workspace)}
        available, unavailable = compute_target_choices(self.workspace, list(self.targets.values()))
        self.compute_target = w.Dropdown(options=available, value="local", description="Compute target", style=style)
        # Targets that cannot run here now (a Docker engine that does not answer, ...), shown disabled with the
        # reason as the tooltip.
        self.unavailable_targets = {name: w.Button(description=name, disabled=True, tooltip=reason, icon="ban",
                                                   layout=w.Layout(width="auto"))
                                    for name, reason in unavailable.items()}
        self.pip_packages = w.Text(description="pip packages", placeholder="comma separated", style=style, layout=wide)
        self.conda_packages = w.Text(description="conda packages", placeholder="comma separated", style=style, layout=wide)
        self.user_managed = w.Checkbox(value=False, description="Use this kernel's Python as it is (user_managed)", indent=False,
                                        layout=w.Layout(width="auto"))
        # "Run in Docker": on the local engine (or the one the target names); disabled with the reason when it
        # does not answer. The image field alone also means Docker (Estimator's use_docker=None: auto).
        self.use_docker = w.Checkbox(value=False, description="Run in Docker", indent=False, layout=w.Layout(width="auto"))
        self.docker_image = w.Text(description="Docker image", placeholder="(none: run locally)", style=style, layout=wide)
        self.docker_note = w.HTML()
        self._kept_docker: tuple[bool, str] | None = None  # set while Docker is off for the chosen target
        self.node_count = w.BoundedIntText(value=1, min=1, max=1024, description="Nodes", style=style)
        self.processes = w.BoundedIntText(value=1, min=1, max=1024, description="Processes per node", style=style)
        self.distributed = w.Dropdown(options=DISTRIBUTED, value="none", description="Distributed", style=style)
        self.submit_button = w.Button(description="Submit", button_style="primary", icon="play")
        self.code_button = CodeInserter()
        self.status = w.HTML()
        self.output = w.Output()
        self.touched = False  # no error is shown in red before the user has changed something
        self._wire()
        targets_row = [self.compute_target]
        if self.unavailable_targets:
            targets_row += [w.HTML("<span style='color:#888'>&nbsp;not available here:</span>"), *self.unavailable_targets.values()]
        super().__init__(children=[
            self.experiment, self.source_directory, self.entry_script, w.HTML("<b>Script parameters</b>"), self.params,
            w.HBox(targets_row), self.pip_packages, self.conda_packages, self.user_managed,
            w.HBox([self.use_docker, self.docker_note]), self.docker_image,
            w.HBox([self.node_count, self.processes, self.distributed]), w.HBox([self.submit_button, self.code_button]),
            self.status, self.output])
        self.add_class("jest-estimator-form")
        self.code_button.anchor = self.model_id  # the new cell goes below the cell that shows this form
        self._docker_state()
        self.validate()

    def _wire(self) -> None:
        self.submit_button.on_click(lambda _b: self.submit())
        for field in (self.experiment, self.entry_script, self.compute_target, self.pip_packages, self.conda_packages,
                      self.user_managed, self.use_docker, self.docker_image, self.node_count, self.processes, self.distributed):
            field.observe(lambda _c: self._changed(), names="value")
        self.compute_target.observe(lambda _c: self._docker_state(), names="value")
        self.use_docker.observe(lambda _c: self._docker_state(), names="value")
        self.source_directory.observe(self._source_changed, names="value")

    @staticmethod
    def _scripts(folder: str) -> list[str]:
        root = Path(folder)
        if not root.is_dir():
            return []
        return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.py")
                      if ".ipynb_checkpoints" not in p.parts and "__pycache__" not in p.parts)[:200]

    @property
    def docker_reason(self) -> str | None:
        """Why the chosen target cannot run a container here now; None when it can."""
        row = self.targets.get(self.compute_target.value) or {}
        if row.get("docker"):
            return None
        return row.get("docker_reason") or row.get("reason") or "this target does not run containers"

    def _docker_state(self) -> None:
        """Enable "Run in Docker" and the image field when the target's engine answers; else disable them and say why."""
        reason = self.docker_reason
        row = self.targets.get(self.compute_target.value) or {}
        always = row.get("type") == "DockerCompute" and reason is None
        if reason is not None and self._kept_docker is None:
            # Nothing the user cannot change stays set: what was typed comes back with a target that runs containers.
            self._kept_docker = (self.use_docker.value, self.docker_image.value)
            self.use_docker.value, self.docker_image.value = False, ""
        elif reason is None and self._kept_docker is not None:
            (self.use_docker.value, self.docker_image.value), self._kept_docker = self._kept_docker, None
        for field in (self.use_docker, self.docker_image):
            field.disabled = reason is not None
            field.tooltip = f"Docker is not available here: {reason}" if reason else None
        if always:
            self.use_docker.disabled = True
            self.use_docker.tooltip = f"every run on {row['name']!r} runs in a container"
        if reason:
            note = f"not available here: {_escape(reason)}"
            self.docker_note.value = (f"<span class='jest-form-docker-reason' style='color:#888;display:inline-block;"
                                      f"line-height:1.35'>{note}</span>")
        elif always:
            self.docker_note.value = (f"<span class='jest-form-docker-always' style='color:#888'>every run on "
                                      f"{_escape(row['name'])} runs in a container</span>")
        else:
            self.docker_note.value = ""
        self.docker_image.placeholder = ("(the workspace's default image)" if self.use_docker.value or always
                                         else "(none: run locally)")

    def _changed(self) -> None:
        self.touched = True
        self.validate()

    def _source_changed(self, _change: Any) -> None:
        self.entry_script.options = self._scripts(self.source_directory.value)
        self._changed()

    def estimator_kwargs(self) -> dict[str, Any]:
        from ..client.submit_options import SubmitOptions
        return SubmitOptions(
            target=self.compute_target.value, script=self.entry_script.value or None, params=self.params.params,
            pip=_split(self.pip_packages.value), conda=_split(self.conda_packages.value),
            user_managed=self.user_managed.value, docker_image=self.docker_image.value,
            use_docker=True if self.use_docker.value else None, nodes=self.node_count.value,
            processes_per_node=self.processes.value,
            distributed=self.distributed.value if self.distributed.value in ("mpi", "pytorch", "tensorflow") else None,
        ).estimator_kwargs()

    def build(self) -> Any:
        from ..core.estimator import Estimator
        return Estimator(self.source_directory.value, _deprecation_warning=False, **self.estimator_kwargs())

    def check(self) -> None:
        """Raise exactly what Submit would raise, creating nothing: the experiment name, the Estimator, the
        request built from it, and the service's preflight (target, capabilities, source folder, entry script)."""
        from ..client.experiment import validate_experiment_name
        from ..client.submission import build_request
        from ..service.runs import preflight
        validate_experiment_name(self.experiment.value)
        preflight(self.workspace, build_request(self.experiment.value, self.build()))

    def validate(self) -> bool:
        try:
            self.code_button.code = self.code()
        except Exception:  # the code shows what the fields say; a field that cannot be written yet is left out
            pass
        try:
            self.check()
        except Exception as exc:  # whatever Submit would refuse with, in its own words
            self.submit_button.disabled = True
            if self.touched:
                self.status.value = f"<span class='jest-form-error' style='color:#a00'>{_escape(str(exc))}</span>"
            else:
                self.status.value = ("<span class='jest-form-hint' style='color:#666'>Fill in the form: it is checked as "
                                     "you type, with the checks Submit makes.</span>")
            return False
        self.status.value = "<span class='jest-form-ready' style='color:#060'>Ready to submit.</span>"
        self.submit_button.disabled = False
        return True

    def submit(self) -> Any:
        from ..client.experiment import Experiment
        from .run_details import RunDetailsWidget
        self.touched = True
        if not self.validate():
            return None
        try:
            self.run = Experiment(self.workspace, self.experiment.value).submit(self.build())
        except EstimatorError as exc:
            self.status.value = f"<span class='jest-form-error' style='color:#a00'>{_escape(str(exc))}</span>"
            return None
        self.status.value = f"Submitted <code>{_escape(self.run.id)}</code>."
        self.monitor = RunDetailsWidget(self.run)
        self.output.clear_output()
        with self.output:
            from IPython.display import display
            display(self.monitor)
        return self.run

    def code(self) -> str:
        kwargs = {k: v for k, v in self.estimator_kwargs().items()
                  if v not in (None, False) and not (k in ("node_count", "process_count_per_node") and v == 1)}
        distributed = kwargs.pop("distributed_training", None)
        lines = ["from jupyter_estimator import Workspace, Experiment, Estimator"]
        if distributed is not None:
            lines.append(f"from jupyter_estimator import {type(distributed).__name__}")
        args = [f"source_directory={self.source_directory.value!r}"] + [f"{k}={v!r}" for k, v in kwargs.items()]
        if distributed is not None:
            args.append(f"distributed_training={_config_repr(distributed)}")
        lines += ["", "estimator = Estimator(" + ",\n                      ".join(args) + ")",
                  f"run = Experiment(Workspace(), {self.experiment.value!r}).submit(estimator)",
                  "run.wait_for_completion(show_output=True)"]
        return "\n".join(lines)

    def insert_code(self) -> None:
        """Insert the code in a new cell below the form now (the same as clicking "Insert code")."""
        self.code_button.code = self.code()
        self.code_button.insert()


def compute_target_choices(workspace: Any, rows: list[dict[str, Any]] | None = None) -> tuple[list[str], dict[str, str]]:
    """(targets a run can use, {target that cannot run here now: why}). With a Jupyter server hosting the
    workspace this is the server's own list; in-process, the workspace's targets, each Docker engine asked now
    (a DockerCompute target whose engine does not answer is listed with the engine's message)."""
    from ..client.submit_options import target_rows
    rows = target_rows(workspace) if rows is None else rows
    available = [row["name"] for row in rows if row.get("available")]
    unavailable = {row["name"]: row.get("reason") or "not available" for row in rows if not row.get("available")}
    return ["local", *sorted(name for name in available if name != "local")], unavailable


def _config_repr(config: Any) -> str:
    fields = {k: v for k, v in vars(config).items() if not k.startswith("_")}
    return f"{type(config).__name__}(" + ", ".join(f"{k}={json.dumps(v)}" for k, v in fields.items()) + ")"


def _escape(text: str) -> str:
    return html.escape(text)
