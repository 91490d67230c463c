"""Submit → first output line on a warm (built, cached) local environment, minus bare `python -c pass`;
and the environment cache hit on its own."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from common import bare_python_seconds, report, temporary_workspace


def main(repeat: int = 7) -> None:
    from jupyter_estimator import CondaDependencies, Environment, Experiment, ScriptRunConfig, Workspace
    from jupyter_estimator.core.spec import environment_spec
    from jupyter_estimator.runner.environments import ensure_environment

    with temporary_workspace(), tempfile.TemporaryDirectory() as folder:
        source = Path(folder)
        (source / "train.py").write_text("print('first line', flush=True)\n")
        ws = Workspace()
        env = Environment("bench")
        env.python.conda_dependencies = CondaDependencies.create(pip_packages=["six"])
        started = time.perf_counter()
        env.build_local(ws)
        cold_build = time.perf_counter() - started
        spec = environment_spec(env, None)
        env_hash = spec.content_hash()
        hits = []
        for _ in range(repeat):
            started = time.perf_counter()
            ensure_environment(ws.store, spec.model_dump(), None, env_hash)
            hits.append(time.perf_counter() - started)
        exp = Experiment(ws, "bench")
        latencies, submits = [], []
        for _ in range(repeat):
            started = time.perf_counter()
            run = exp.submit(ScriptRunConfig(str(source), script="train.py", environment=env))
            submitted = time.perf_counter()
            log = Path(run.path) / "user_logs" / "std_log.txt"
            while not (log.exists() and b"first line" in log.read_bytes()):
                time.sleep(0.001)
            latencies.append(time.perf_counter() - started)
            submits.append(submitted - started)
            run.wait_for_completion()
        floor = bare_python_seconds()
        first_line = statistics.median(latencies)
        report("submit -> first line (warm env)", first_line * 1000, "ms", "python -c pass", floor * 1000)
        report("submit -> first line minus python -c pass", (first_line - floor) * 1000, "ms", goal="<= 300 ms")
        print(f"submit() call returns in: {statistics.median(submits) * 1000:.1f} ms (median of {repeat})")
        report("environment cache hit", statistics.median(hits) * 1000, "ms", "cold build with uv", cold_build * 1000,
               goal="<= 200 ms")


if __name__ == "__main__":
    main()
