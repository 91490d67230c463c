"""`jupyter estimator …`: submit, list, follow, cancel and download runs from a terminal."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any
from pathlib import Path

from .core.errors import EstimatorError
from .store.run_filter import RunFilter


def _pairs(values: list[str] | None, option: str) -> dict[str, str]:
    from .client.submit_options import key_value_pairs
    from .core.errors import EstimatorError
    try:
        return key_value_pairs(values or [], option)
    except EstimatorError as exc:
        raise SystemExit(str(exc)) from None


def _workspace(args: argparse.Namespace):
    from .client.workspace import Workspace
    return Workspace(path=args.workspace) if args.workspace else Workspace()


def _run(args: argparse.Namespace):
    from .client.run import Run
    return Run.get(_workspace(args), args.run_id)


def cmd_submit(args: argparse.Namespace) -> int:
    from .client.experiment import Experiment
    from .core.estimator import Estimator
    from .client.submit_options import SubmitOptions
    source = Path(args.source_directory or ".")
    options = SubmitOptions(target=args.target, script=args.script, params=_pairs(args.param, "--param"), pip=args.pip or [],
                            conda=args.conda or [], requirements=args.requirements, user_managed=args.user_managed,
                            env=_pairs(args.env, "--env"), max_run_duration=args.max_run_duration,
                            docker_image=args.image, use_docker=True if args.docker else None)
    estimator = Estimator(str(source), _deprecation_warning=False, **options.estimator_kwargs())
    experiment = Experiment(_workspace(args), args.experiment or source.absolute().name.replace(" ", "-") or "default")
    config = estimator._as_script_run_config()
    config.arguments += list(args.script_args)
    run = experiment.submit(config, tags=_pairs(args.tag, "--tag") or None)
    print(f"Submitted {run.id} (experiment {experiment.name}, workspace {experiment.workspace.path})")
    if args.detach:
        return 0
    details = run.wait_for_completion(show_output=True, raise_on_error=False)
    print(f"Status: {details['status']}")
    return 0 if details["status"] == "Completed" else 1


def cmd_runs(args: argparse.Namespace) -> int:
    workspace = _workspace(args)
    workspace.reconcile()
    run_filter = RunFilter(experiment_name=args.experiment, status=args.status, tags=_pairs(args.tag, "--tag") or None,
                           top_level_only=not args.all)
    rows = workspace.store.runs.list(run_filter, limit=args.limit)
    if args.json:
        print(json.dumps([row.as_dict() for row in rows], indent=1, default=str))
        return 0
    print(f"{'RUN ID':<48} {'EXPERIMENT':<20} {'STATUS':<15} {'CREATED':<19} DURATION")
    for row in rows:
        created = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(row.created_time))
        end = row.end_time or (time.time() if row.start_time else None)
        duration = f"{end - row.start_time:.1f}s" if row.start_time and end else "-"
        print(f"{row.run_id:<48} {row.experiment_name:<20} {row.status:<15} {created:<19} {duration}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    run = _run(args)
    details = run.get_details()
    details["tags"] = run.get_tags()
    details["metrics"] = run.get_metrics()
    details["files"] = run.get_file_names()
    print(json.dumps(details, indent=1, default=str))
    return 0


def cmd_logs(args: argparse.Namespace) -> int:
    run = _run(args)
    if args.follow:
        details = run.wait_for_completion(show_output=True, raise_on_error=False)
        return 0 if details["status"] == "Completed" else 1
    path = Path(run.path) / "user_logs" / "std_log.txt"
    if path.exists():
        sys.stdout.write(path.read_text(encoding="utf-8", errors="replace"))
    return 0


def cmd_cancel(args: argparse.Namespace) -> int:
    run = _run(args)
    if run.cancel():
        print(f"Cancel requested for {run.id}")
        return 0
    print(f"{run.id} is already {run.get_status()}; nothing to cancel")
    return 1


def cmd_download(args: argparse.Namespace) -> int:
    run = _run(args)
    for path in run.download_files(prefix=args.prefix, output_directory=args.output):
        print(path)
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from .client.model import Model
    models = Model.list(_workspace(args), name=args.name)
    print(f"{'NAME':<32} {'VERSION':>7}  {'RUN':<48} TAGS")
    for model in models:
        print(f"{model.name:<32} {model.version:>7}  {model.run_id or '-':<48} {json.dumps(model.tags)}")
    return 0


def cmd_images(args: argparse.Namespace) -> int:
    from .runner import docker_image_admin as admin
    from .runner.docker_engine import EngineUnavailable, connect, engine_address
    if not args.prune and (args.dry_run or args.older_than is not None):
        print("error: --dry-run and --older-than go with --prune", file=sys.stderr)
        return 2
    workspace = _workspace(args)
    config = admin.engine_config(workspace.store, args.target)
    try:
        client = connect(config)
    except EngineUnavailable as exc:  # one line, no traceback: the message names the engine and the fix
        print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1
    import docker
    import requests
    try:
        if args.prune:
            images = admin.prune_environment_images(client, workspace.store, args.older_than, args.dry_run)
        else:
            images = admin.list_environment_images(client, workspace.store)
    except (docker.errors.DockerException, requests.RequestException) as exc:  # it stopped answering mid-way
        print(f"error: docker: the engine at {engine_address(config)} failed: {' '.join(str(exc).split())}",
              file=sys.stderr)
        return 1
    finally:
        client.close()
    if args.json:
        print(json.dumps([image.as_dict() for image in images], indent=1))
        return 0
    lines = admin.prune_report(images, args.dry_run, args.older_than) if args.prune else admin.table(images)
    print("\n".join(lines))
    return 0


def cmd_rebuild_index(args: argparse.Namespace) -> int:
    import warnings
    from .core.errors import IndexDamaged
    from .store.db import move_damaged_aside
    from .store.index import reset_connections
    try:
        workspace = _workspace(args)
    except IndexDamaged as exc:  # the one command that may set a damaged index aside: it rebuilds at once
        aside = move_damaged_aside(Path(str(exc.path)))
        reset_connections()
        print(f"The index was damaged; moved it aside to {aside}")
        workspace = _workspace(args)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        counts = workspace.rebuild_index()
    for warning in caught:
        print(f"warning: {warning.message}")
    print(f"Rebuilt the index from disk: {counts['runs']} runs, {counts['models']} models")
    return 0


def _days(text: str) -> float:
    if not text.replace(".", "", 1).isdigit():
        raise argparse.ArgumentTypeError(f"expected a number of days >= 0, got {text!r}")
    return float(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jupyter estimator", description=__doc__)
    parser.add_argument("--workspace", help="workspace folder (default: $JUPYTER_ESTIMATOR_HOME or the Jupyter data dir)")
    commands = parser.add_subparsers(dest="command", required=True)
    _add_submit(commands)
    _add_listing_commands(commands)
    _add_images(commands)
    rebuild = commands.add_parser("rebuild-index", help="rebuild the run and model index from the folders on disk")
    rebuild.set_defaults(func=cmd_rebuild_index)
    return parser


def _add_submit(commands: Any) -> None:
    submit = commands.add_parser("submit", help="submit a script and stream its output",
                                 usage="jupyter estimator submit SCRIPT [options] [-- SCRIPT ARGS...]")
    submit.add_argument("script", help="entry script, relative to --source-directory")
    submit.add_argument("-d", "--source-directory", help="folder to snapshot (default: .)")
    submit.add_argument("-e", "--experiment", help="experiment name (default: the folder's name)")
    submit.add_argument("-t", "--target", default="local", help="compute target (default: local)")
    submit.add_argument("-p", "--param", action="append", help="script parameter KEY=VALUE (repeatable)")
    submit.add_argument("--pip", action="append", help="pip package (repeatable)")
    submit.add_argument("--conda", action="append", help="conda package (repeatable)")
    submit.add_argument("--requirements", help="pip requirements file, relative to the source directory")
    submit.add_argument("--user-managed", action="store_true", help="run with this Python as it is")
    submit.add_argument("--docker", action="store_true",
                        help="run in a container (the workspace's docker_default_image unless --image names one)")
    submit.add_argument("--image", help="Docker image to run in (implies --docker)")
    submit.add_argument("--env", action="append", help="environment variable KEY=VALUE (repeatable)")
    submit.add_argument("--tag", action="append", help="tag KEY=VALUE (repeatable)")
    submit.add_argument("--max-run-duration", type=int, help="seconds before the run is stopped")
    submit.add_argument("--detach", action="store_true", help="return after submitting")
    submit.set_defaults(func=cmd_submit)


def _add_listing_commands(commands: Any) -> None:
    runs = commands.add_parser("runs", help="list runs, newest first")
    runs.add_argument("-e", "--experiment")
    runs.add_argument("--status")
    runs.add_argument("--tag", action="append")
    runs.add_argument("--limit", type=int, default=20)
    runs.add_argument("--all", action="store_true", help="include child runs")
    runs.add_argument("--json", action="store_true")
    runs.set_defaults(func=cmd_runs)

    for name, func, text in (("show", cmd_show, "details, metrics and files of a run"),
                             ("cancel", cmd_cancel, "cancel a run")):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("run_id")
        sub.set_defaults(func=func)
    logs = commands.add_parser("logs", help="print a run's log")
    logs.add_argument("run_id")
    logs.add_argument("-f", "--follow", action="store_true", help="stream until the run ends")
    logs.set_defaults(func=cmd_logs)
    download = commands.add_parser("download", help="download a run's files")
    download.add_argument("run_id")
    download.add_argument("--prefix", help="only files under this prefix, e.g. outputs/")
    download.add_argument("-o", "--output", default=".", help="destination folder")
    download.set_defaults(func=cmd_download)
    models = commands.add_parser("models", help="list registered models")
    models.add_argument("name", nargs="?")
    models.set_defaults(func=cmd_models)


def _add_images(commands: Any) -> None:
    images = commands.add_parser(
        "images", help="list the Docker environment images with size and last use; --prune removes unused ones",
        description="Docker runs build one environment image (jupyter-estimator/env:<key>) per base image and "
                    "package list. LAST USED is this workspace's last run with the image ('never here': none). "
                    "--prune removes the ones no container (running or stopped) uses; base images are never removed.")
    images.add_argument("--prune", action="store_true", help="remove environment images no container uses")
    images.add_argument("--older-than", type=_days, metavar="DAYS",
                        help="with --prune: only images not used for DAYS days (by this workspace; else since built)")
    images.add_argument("--dry-run", action="store_true", help="with --prune: say what would go, remove nothing")
    images.add_argument("-t", "--target", default="local",
                        help="the engine of this Docker compute target (default: local, i.e. DOCKER_HOST or the "
                             "current Docker context)")
    images.add_argument("--json", action="store_true")
    images.set_defaults(func=cmd_images)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    script_args: list[str] = []
    if "--" in argv:  # everything after `--` goes to the script untouched
        cut = argv.index("--")
        argv, script_args = argv[:cut], argv[cut + 1:]
    args = build_parser().parse_args(argv)
    args.script_args = script_args
    try:
        return args.func(args)
    except EstimatorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
