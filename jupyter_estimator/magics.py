"""IPython magics: `%%estimator` (the cell is the training script) and line magics for runs.

    %load_ext jupyter_estimator
    %%estimator --param lr=0.1 --pip scikit-learn --wait --name run
    import sys; print(sys.argv)

Formatters: tell black/ruff to leave cells starting with `%%estimator` alone (e.g. jupyter-black's
`--skip-magics`, or ruff's notebook support, which skips cell magics by default).
"""

from __future__ import annotations

import argparse
import html
import shlex
import time
from pathlib import Path
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.display import HTML, display

from .client.notebook import notebook_experiment_name
from .core.errors import ActivityFailedException, EstimatorError

DISTRIBUTED = {"mpi": "Mpi", "pytorch": "PyTorchConfiguration", "tensorflow": "TensorflowConfiguration"}
CONFIG_KEYS = {"source_directory", "entry_script", "script", "compute_target", "script_params", "arguments", "pip_packages",
               "conda_packages", "pip_requirements_file", "conda_dependencies_file", "custom_docker_image", "node_count",
               "process_count_per_node", "distributed_training", "environment_variables", "user_managed",
               "max_run_duration_seconds", "experiment", "tags", "use_gpu", "shm_size"}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would exit the kernel's process
        raise UsageError(f"%%estimator: {message}\n{self.format_usage()}")


def _parser() -> _Parser:
    parser = _Parser(prog="%%estimator", add_help=False, description="Submit the cell as a training script.")
    parser.add_argument("--experiment", help="experiment name (default: the notebook's name)")
    parser.add_argument("--script", default="train.py", help="file name the cell is written to")
    parser.add_argument("--source-directory", help="folder snapshotted with the cell (default: only the cell)")
    parser.add_argument("--target", default="local", help="compute target")
    parser.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", help="script parameter (repeatable)")
    parser.add_argument("--pip", action="append", default=[], help="pip package (repeatable)")
    parser.add_argument("--conda", action="append", default=[], help="conda package (repeatable)")
    parser.add_argument("--requirements", help="pip requirements file in the source directory")
    parser.add_argument("--docker-image", help="Docker image to run in")
    parser.add_argument("--nodes", type=int, default=1)
    parser.add_argument("--processes-per-node", type=int, default=1)
    parser.add_argument("--distributed", choices=sorted(DISTRIBUTED))
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE", help="environment variable (repeatable)")
    parser.add_argument("--tag", action="append", default=[], metavar="KEY=VALUE", help="run tag (repeatable)")
    parser.add_argument("--user-managed", action="store_true", help="run with the kernel's Python as it is")
    parser.add_argument("--max-run-duration", type=int, help="seconds before the run is stopped")
    parser.add_argument("--wait", action="store_true", help="stream the run's output until it ends; a failed run fails the cell")
    parser.add_argument("--name", help="store the Run in this notebook variable")
    parser.add_argument("--config", action="store_true", help="the cell is a YAML estimator config, not a script")
    return parser


def _pairs(values: list[str], option: str) -> dict[str, str]:
    result = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"%%estimator: {option} expects KEY=VALUE, got {item!r}")
        result[key] = value
    return result


@magics_class
class EstimatorMagics(Magics):
    @cell_magic
    def estimator(self, line: str, cell: str) -> Any:
        try:
            args = _parser().parse_args(shlex.split(line))
        except ValueError as exc:
            raise UsageError(f"%%estimator: {exc}") from None
        if args.name is not None and not args.name.isidentifier():
            raise UsageError(f"%%estimator: --name must be a Python identifier, got {args.name!r}")
        try:
            run = self._submit(args, cell)
        except EstimatorError as exc:
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
        from .core.estimator import Mpi
        from .core.run_configuration import PyTorchConfiguration, TensorflowConfiguration
        params = {(k if k.startswith("-") else f"--{k}"): v for k, v in _pairs(args.param, "--param").items()}
        kwargs: dict[str, Any] = {"compute_target": args.target, "script_params": params or None,
                                  "pip_packages": args.pip or None, "conda_packages": args.conda or None,
                                  "pip_requirements_file": args.requirements, "custom_docker_image": args.docker_image,
                                  "node_count": args.nodes, "process_count_per_node": args.processes_per_node,
                                  "environment_variables": _pairs(args.env, "--env") or None,
                                  "user_managed": args.user_managed, "max_run_duration_seconds": args.max_run_duration}
        if args.source_directory:
            kwargs["source_directory"] = args.source_directory
        if args.distributed == "mpi":
            kwargs["distributed_training"] = Mpi(process_count_per_node=args.processes_per_node)
        elif args.distributed == "pytorch":
            kwargs["distributed_training"] = PyTorchConfiguration(communication_backend="gloo", node_count=args.nodes)
        elif args.distributed == "tensorflow":
            kwargs["distributed_training"] = TensorflowConfiguration(worker_count=args.nodes, parameter_server_count=0)
        return {k: v for k, v in kwargs.items() if v is not None}

    # line magics --------------------------------------------------------------------------------
    @line_magic
    def estimator_runs(self, line: str) -> None:
        from .client.workspace import Workspace
        workspace = Workspace()
        rows = workspace.store.index.list_runs(experiment_name=line.strip() or None, limit=20)
        cells = "".join(
            f"<tr><td>{html.escape(r['run_id'])}</td><td>{html.escape(r['experiment_name'])}</td>"
            f"<td>{html.escape(r['status'])}</td><td>{time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(r['created_time']))}</td></tr>"
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
    def estimator_form(self, line: str) -> Any:
        from .widgets.form import EstimatorForm
        form = EstimatorForm()
        display(form)
        return None


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
