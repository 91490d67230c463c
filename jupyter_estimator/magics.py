"""IPython magics: `%%estimator` (the cell is the training script) and line magics for runs.

    %load_ext jupyter_estimator
    %%estimator --param lr=0.1 --pip scikit-learn --wait --name run
    import sys; print(sys.argv)

    %%estimator --docker --pip scikit-learn --wait       (in a container: the workspace's default image)
    %%estimator --image python:3.11-slim --wait          (in a container of that image)
    %estimator_targets                                   (the compute targets, and why one cannot run here)

Formatters: tell black/ruff to leave cells starting with `%%estimator` alone (e.g. jupyter-black's
`--skip-magics`, or ruff's notebook support, which skips cell magics by default).
"""

from __future__ import annotations

import argparse
import html
import time
from pathlib import Path
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.display import HTML, display

from .client.notebook import notebook_experiment_name
from .client.submit_options import DISTRIBUTED, SubmitOptions, key_value_pairs
from .core.errors import ActivityFailedException, EstimatorError
from .store.run_filter import RunFilter

CONFIG_KEYS = {"source_directory", "entry_script", "script", "compute_target", "script_params", "arguments", "pip_packages",
               "conda_packages", "pip_requirements_file", "conda_dependencies_file", "custom_docker_image", "node_count",
               "process_count_per_node", "distributed_training", "environment_variables", "user_managed",
               "max_run_duration_seconds", "experiment", "tags", "use_gpu", "shm_size"}


def _pairs(values: list[str], option: str) -> dict[str, str]:
    try:
        return key_value_pairs(values, option)
    except EstimatorError as exc:
        raise UsageError(f"%%estimator: {exc}") from None


@magics_class
class EstimatorMagics(Magics):
    @magic_arguments()
    @argument("--experiment", help="experiment name (default: the notebook's name)")
    @argument("--script", default="train.py", help="file name the cell is written to (default: train.py)")
    @argument("--source-directory", help="folder snapshotted with the cell, which is laid over it (not touched)")
    @argument("--target", default="local",
              help="compute target (default: local); %%estimator_targets lists them, and why one cannot run here")
    @argument("--param", action="append", default=[], metavar="KEY=VALUE", help="script parameter (repeatable)")
    @argument("--pip", action="append", default=[], help="pip package (repeatable)")
    @argument("--conda", action="append", default=[], help="conda package (repeatable)")
    @argument("--requirements", help="pip requirements file in the source directory")
    @argument("--docker", action="store_true",
              help="run in a container (use_docker=True): the --image given, else the workspace's default image")
    @argument("--image", "--docker-image", dest="docker_image", metavar="IMAGE",
              help="Docker image to run in (implies --docker)")
    @argument("--nodes", type=int, default=1, help="node count (default: 1)")
    @argument("--processes-per-node", type=int, default=1, help="processes per node (default: 1)")
    @argument("--distributed", choices=sorted(DISTRIBUTED), help="distributed launch")
    @argument("--env", action="append", default=[], metavar="KEY=VALUE", help="environment variable (repeatable)")
    @argument("--tag", action="append", default=[], metavar="KEY=VALUE", help="run tag (repeatable)")
    @argument("--user-managed", action="store_true", help="run with the kernel's Python as it is")
    @argument("--max-run-duration", type=int, help="seconds before the run is stopped")
    @argument("--wait", action="store_true", help="stream the run's output until it ends; a failed run fails the cell")
    @argument("--name", help="store the Run in this notebook variable")
    @argument("--config", action="store_true", help="the cell is a YAML body of Estimator arguments, not a script")
    @cell_magic
    def estimator(self, line: str, cell: str) -> Any:
        """Submit the cell as a training script (a run in the notebook's experiment); returns the Run.

        The cell is written into the run's snapshot as --script, laid over a snapshot of --source-directory
        when given. A bad option is a usage error and submits nothing.
        """
        try:
            args = parse_argstring(self.estimator, line)
        except UsageError as exc:
            raise UsageError(f"%%estimator: {exc}") from None
        except ValueError as exc:  # unbalanced quotes in the line
            raise UsageError(f"%%estimator: {exc}") from None
        if args.name is not None and not args.name.isidentifier():
            raise UsageError(f"%%estimator: --name must be a Python identifier, got {args.name!r}")
        try:
            run = self._submit(args, cell)
        except EstimatorError as exc:
            if _about_the_target(exc):
                raise UsageError(f"%%estimator: --target {args.target!r}: {exc}\n{_targets_text()}") from None
            raise UsageError(f"%%estimator: {exc}") from None
        if args.name:
            self.shell.user_ns[args.name] = run
        print(f"Submitted {run.id} (experiment {run.experiment.name})")
        if args.wait:
            try:
                run.wait_for_completion(show_output=True)
            except ActivityFailedException as exc:  # fail the cell, so that Run All stops here
                raise exc.with_traceback(None) from None
        return None if args.name else run

    def _submit(self, args: argparse.Namespace, cell: str) -> Any:
        from .client.experiment import Experiment
        from .client.workspace import Workspace
        from .core.estimator import Estimator

        if args.config:
            kwargs, experiment_name, tags = _from_yaml(cell)
            cell_text = None
        else:
            kwargs, experiment_name, tags = self._from_options(args), args.experiment, _pairs(args.tag, "--tag")
            cell_text = cell
        experiment = Experiment(Workspace(), experiment_name or notebook_experiment_name())
        source = kwargs.pop("source_directory", None)
        if cell_text is not None:
            kwargs["entry_script"] = args.script
            estimator = Estimator(source, _inline_files={args.script: cell_text}, _deprecation_warning=False, **kwargs)
        else:
            estimator = Estimator(source or ".", _deprecation_warning=False, **kwargs)
        return experiment.submit(estimator, tags=tags or None)

    def _from_options(self, args: argparse.Namespace) -> dict[str, Any]:
        options = SubmitOptions(
            target=args.target, params=_pairs(args.param, "--param"), pip=args.pip, conda=args.conda,
            requirements=args.requirements, docker_image=args.docker_image, use_docker=True if args.docker else None,
            nodes=args.nodes,
            processes_per_node=args.processes_per_node, distributed=args.distributed, env=_pairs(args.env, "--env"),
            user_managed=args.user_managed, max_run_duration=args.max_run_duration)
        kwargs = options.estimator_kwargs()
        if args.source_directory:
            kwargs["source_directory"] = args.source_directory
        return kwargs

    # line magics --------------------------------------------------------------------------------
    @line_magic
    def estimator_runs(self, line: str) -> None:
        from .client.workspace import Workspace
        workspace = Workspace()
        rows = workspace.store.runs.list(RunFilter(experiment_name=line.strip() or None), limit=20)
        cells = "".join(
            f"<tr><td>{html.escape(r.run_id)}</td><td>{html.escape(r.experiment_name)}</td>"
            f"<td>{html.escape(r.status)}</td><td>{time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(r.created_time))}</td></tr>"
            for r in rows)
        display(HTML(f"<table><tr><th>Run</th><th>Experiment</th><th>Status</th><th>Created</th></tr>{cells}</table>"))

    def _run(self, line: str) -> Any:
        from .client.workspace import Workspace
        from .client.run import Run
        run_id = line.strip()
        if not run_id:
            raise UsageError("expected a run id, e.g. %estimator_logs my-exp_1700000000_abcd1234")
        try:
            return Run.get(Workspace(), run_id)
        except EstimatorError as exc:
            raise UsageError(str(exc)) from None

    @line_magic
    def estimator_logs(self, line: str) -> None:
        run = self._run(line)
        print((Path(run.path) / "user_logs" / "std_log.txt").read_text(errors="replace") if Path(run.path, "user_logs", "std_log.txt").exists() else "")

    @line_magic
    def estimator_cancel(self, line: str) -> None:
        run = self._run(line)
        print(f"Cancel requested for {run.id}" if run.cancel() else f"{run.id} is already {run.get_status()}")

    @line_magic
    def estimator_tensorboard(self, line: str) -> Any:
        from .tensorboard import Tensorboard
        runs = [self._run(run_id) for run_id in line.split()] if line.strip() else []
        if not runs:
            raise UsageError("expected one or more run ids")
        board = Tensorboard(runs)
        url = board.start()
        print(f"TensorBoard: {url}")
        return board

    @line_magic
    def estimator_targets(self, line: str) -> None:
        """List the compute targets: whether each can run here now (and why not), and whether it runs containers."""
        from .client.submit_options import target_rows
        from .client.workspace import Workspace
        rows = target_rows(Workspace())
        cells = "".join(
            f"<tr><td>{html.escape(r['name'])}</td><td>{html.escape(str(r.get('type', '')))}</td>"
            f"<td>{'yes' if r.get('available') else 'no: ' + html.escape(r.get('reason') or '')}</td>"
            f"<td>{'yes' if r.get('docker') else 'no: ' + html.escape(r.get('docker_reason') or '')}</td></tr>"
            for r in rows)
        display(HTML(f"<table><tr><th>Target</th><th>Type</th><th>Available here</th><th>Docker</th></tr>{cells}</table>"))

    @line_magic
    def estimator_form(self, line: str) -> Any:
        from .widgets.form import EstimatorForm
        form = EstimatorForm()
        display(form)
        return None


def _about_the_target(exc: EstimatorError) -> bool:
    """Whether a refusal is about --target (no such target, or it cannot run here now)."""
    from .core.errors import ComputeTargetException
    return (exc.field == "compute_target" or isinstance(exc, ComputeTargetException)
            or str(exc).startswith(("compute_target:", "name: compute target")))


def _targets_text() -> str:
    from .client.submit_options import describe_targets, target_rows
    from .client.workspace import Workspace
    try:
        rows = target_rows(Workspace())
    except EstimatorError as exc:  # the listing is a help; the refusal is what counts
        return f"(the compute targets could not be listed: {exc})"
    usable = [row["name"] for row in rows if row.get("available")]
    return (f"Compute targets here:\n{describe_targets(rows)}\n"
            f"Fix: pass --target with one of {usable}, or create the target first (ComputeTarget.create).")


def _from_yaml(text: str) -> tuple[dict[str, Any], str | None, dict[str, str]]:
    import yaml
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise UsageError(f"%%estimator --config: the cell is not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise UsageError("%%estimator --config: the cell must be a YAML mapping of Estimator arguments")
    unknown = sorted(set(data) - CONFIG_KEYS)
    if unknown:
        raise UsageError(f"%%estimator --config: unknown keys {unknown}; known: {sorted(CONFIG_KEYS)}")
    experiment = data.pop("experiment", None)
    data.setdefault("compute_target", "local")
    tags = {str(k): str(v) for k, v in (data.pop("tags", None) or {}).items()}
    if "script" in data:
        data["entry_script"] = data.pop("script")
    if "arguments" in data:
        raise UsageError("%%estimator --config: use script_params (a mapping), not arguments")
    return data, experiment, tags


def load_ipython_extension(ipython: Any) -> None:
    ipython.register_magics(EstimatorMagics)
