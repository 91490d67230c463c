"""The Docker target: submit → first output line on a cached environment image (beside the local target and a bare
`docker run`), the environment image cache hit, and a cold environment image (beside `docker build` with pip).

Needs a Docker engine and the offline test image (scripts/docker_engine.sh, scripts/build_test_image.sh); says
"skipped" without them. Run alone: `cd bench && ../.venv/bin/python bench_docker.py`.
"""

from __future__ import annotations

import io
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from common import median_seconds, report, temporary_workspace

IMAGE = "jupyter-estimator/test-base:bookworm"
BASELINE_REPOSITORY = "jupyter-estimator/bench-pip-baseline"
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
Row = tuple[str, float, str, float | None, str]  # figure, ms, baseline, baseline ms, goal


def main(repeat: int = 5) -> None:
    problem = _docker_problem()
    if problem:
        print(f"(docker benchmarks: skipped — {problem})", flush=True)
        return
    from jupyter_estimator.runner.docker_engine import connect

    client = connect()
    built_here: set[str] = set()  # environment image tags this benchmark built: removed however it ends
    with temporary_workspace() as home, tempfile.TemporaryDirectory(prefix="je-bench-src-") as folder:
        try:
            rows = _measure(client, home, Path(folder), built_here, repeat)
        finally:
            _remove_images(client, built_here)
            _leftover_containers(client, home)
    for name, value, base_name, base, goal in rows:
        report(name, value, "ms", base_name or None, base, goal or None)
    _table(rows, repeat)


def _measure(client: Any, home: Path, source: Path, built_here: set[str], repeat: int) -> list[Row]:
    from jupyter_estimator import Estimator, Experiment, Workspace
    from jupyter_estimator.runner.docker_images import environment_image

    (source / "train.py").write_text("print('first line', flush=True)\n")
    ws = Workspace(path=home)
    ws.set_settings(docker_default_image=IMAGE)
    exp = Experiment(ws, "bench")

    def first_line(**options: Any) -> tuple[float, Any]:
        """Seconds from submit() to the script's first line in std_log.txt (polled, as bench_submit does)."""
        est = Estimator(source_directory=str(source), entry_script="train.py", compute_target="local", **options)
        started = time.perf_counter()
        run = exp.submit(est)
        log = Path(run._folder.path) / "user_logs" / "std_log.txt"
        while not (log.exists() and b"first line" in log.read_bytes()):
            if run.get_status() in ("Failed", "Canceled"):
                raise RuntimeError(f"bench run {run.id} ended {run.get_status()}: see {run._folder.path}")
            time.sleep(0.001)
        elapsed = time.perf_counter() - started
        run.wait_for_completion()
        return elapsed, run

    docker_options = {"custom_docker_image": IMAGE, "pip_packages": ["six"]}
    # Warm-up (not timed): builds the environment image if this engine lacks it, and warms the page cache.
    _, warm = first_line(**docker_options)
    build_log = (Path(warm._folder.path) / "azureml-logs" / "20_image_build.txt").read_text()
    tag = next(w for w in build_log.split() if w.startswith("jupyter-estimator/env:"))
    if f"{tag} built in" in build_log:  # ours to remove; one another run built or had cached is left alone
        built_here.add(tag)
    first_line(user_managed=True)
    container = statistics.median(first_line(**docker_options)[0] for _ in range(repeat))
    local = statistics.median(first_line(user_managed=True)[0] for _ in range(repeat))
    floor = statistics.median(_docker_run_first_line() for _ in range(repeat))
    rows: list[Row] = [
        ("submit -> first line, container (cached env image)", container * 1000, "local target, user_managed",
         local * 1000, "<= 1.0 s"),
        ("submit -> first line, container (cached env image)", container * 1000, "bare docker run python3 (floor)",
         floor * 1000, "<= 1.0 s")]

    # The cache hit on its own, for the spec just used: the engine lookup by tag plus the bookkeeping.
    spec = warm._folder.read_spec()["environment"]
    settings = ws.store.settings()
    hit = median_seconds(lambda: environment_image(client, ws.store, IMAGE, spec, settings, io.StringIO()), 7)
    lookup = median_seconds(lambda: client.images.get(tag), 7)  # one engine lookup by tag: the least a hit costs
    rows.append(("environment image cache hit", hit * 1000, "engine lookup client.images.get", lookup * 1000,
                 "<= 200 ms"))

    # Cold: a pin no run has asked for changes the image key, so this really builds (uv, host CA bundle).
    fresh = {**spec, "pip": [f"six!=0.0.{time.time_ns()}"]}
    log = io.StringIO()
    started = time.perf_counter()
    try:
        fresh_tag, _ = environment_image(client, ws.store, IMAGE, fresh, settings, log)
    except Exception:
        print(log.getvalue()[-2000:], flush=True)
        raise
    cold = time.perf_counter() - started
    built_here.add(fresh_tag)
    baseline = _docker_build_with_pip()
    rows.append(("cold environment image, pip six", cold * 1000, "docker build, venv + pip install six",
                 baseline * 1000, ""))
    return rows


def _docker_problem() -> str | None:
    from jupyter_estimator.runner.docker_engine import engine_problem
    problem = engine_problem()
    if problem:
        return problem + " (scripts/docker_engine.sh starts one)"
    if subprocess.run(["docker", "image", "inspect", IMAGE], capture_output=True, check=False).returncode:
        return f"{IMAGE} missing (scripts/build_test_image.sh builds it)"
    return None


def _docker_run_first_line() -> float:
    """The floor: the CLI starting a container from the same base image, timed to its first line of output (what
    the submit figures time too), then waited for so containers don't pile up."""
    started = time.perf_counter()
    process = subprocess.Popen(["docker", "run", "--rm", IMAGE, "python3", "-c", "print(1)"], stdout=subprocess.PIPE)
    process.stdout.readline()
    elapsed = time.perf_counter() - started
    process.communicate()
    if process.returncode:
        raise RuntimeError(f"docker run {IMAGE} exited {process.returncode}")
    return elapsed


def _docker_build_with_pip() -> float:
    """What one would write by hand: a venv and `pip install six` in a Dockerfile on the same base image. The legacy
    builder (the only one here) has no --secret, so the host CA bundle is COPYed into the image: fine for a
    baseline, not for real images. --no-cache plus a changing ARG make sure pip really runs."""
    nonce = str(time.time_ns())
    tag = f"{BASELINE_REPOSITORY}:{nonce}"
    with tempfile.TemporaryDirectory(prefix="je-bench-build-") as context:
        shutil.copyfile(CA_BUNDLE, Path(context) / "ca.crt")
        (Path(context) / "Dockerfile").write_text(
            f"FROM {IMAGE}\nARG BUST\nCOPY ca.crt /ca.crt\n"
            "RUN echo $BUST >/dev/null && python3 -m venv /v && "
            "PIP_CERT=/ca.crt PIP_DISABLE_PIP_VERSION_CHECK=1 /v/bin/pip install -q six\n")
        # The same proxy variables our builds forward (docker build takes the proxy ones as predefined ARGs).
        proxies = [arg for name in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy")
                   if os.environ.get(name) for arg in ("--build-arg", name)]
        command = ["docker", "build", "--no-cache", "--force-rm", "-q", "--build-arg", f"BUST={nonce}", *proxies,
                   "-t", tag, context]
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False,
                              env={**os.environ, "DOCKER_BUILDKIT": "0"})
        elapsed = time.perf_counter() - started
    subprocess.run(["docker", "image", "rm", "-f", tag], capture_output=True, check=False)
    if done.returncode:
        raise RuntimeError(f"baseline docker build failed:\n{done.stdout[-1000:]}{done.stderr[-2000:]}")
    return elapsed


def _remove_images(client: Any, tags: set[str]) -> None:
    import docker
    for tag in tags:
        try:
            client.images.remove(tag, force=True)
        except docker.errors.APIError as exc:  # a concurrent run may hold it; say so rather than fail the benchmark
            print(f"(could not remove {tag}: {exc})", flush=True)


def _leftover_containers(client: Any, workspace: Path) -> None:
    """The bench's runs must not leave containers behind (the supervisor removes them); say so if one did."""
    from jupyter_estimator.runner.docker_launch import LABEL_WORKSPACE
    left = client.containers.list(all=True, filters={"label": f"{LABEL_WORKSPACE}={workspace}"})
    for container in left:
        print(f"(left behind by a run, removing: container {container.short_id})", flush=True)
        container.remove(force=True)


def _table(rows: list[Row], repeat: int) -> None:
    print(f"\n{'figure':<52} {'ms':>9}  {'baseline':<38} {'ms':>9}  {'ours/base':>9}  goal")
    for name, value, base_name, base, goal in rows:
        base_ms, ratio = (f"{base:.1f}", f"{value / base:.2f}x") if base else ("-", "-")
        print(f"{name:<52} {value:>9.1f}  {base_name or '-':<38} {base_ms:>9}  {ratio:>9}  {goal or '-'}")
    print(f"(ours/base above 1 = slower than the baseline; the lines before the table give baseline/ours as every "
          f"benchmark does. Submit and docker run: median of {repeat}; cache hit: median of 7; cold builds: one each)",
          flush=True)


if __name__ == "__main__":
    main()
