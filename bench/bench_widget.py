"""RunDetails kernel-side cost: following a run that logs 10 000 metric points and 50 000 log lines.
Reported as the share of one core its refresh work takes; baseline: a naive monitor that re-reads the
whole log and all metrics every refresh (what polling get_metrics() + the log file costs)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from common import report, temporary_workspace

SCRIPT = """
import time
from jupyter_estimator import Run
run = Run.get_context()
for i in range(50000):
    print(f"line {i} " + "x" * 60)
    if i % 5 == 0:
        run.log("loss", 1.0 / (1 + i), step=i // 5)
    if i % 500 == 0:
        time.sleep(0.05)
"""


def main(interval: float = 0.5) -> None:
    from jupyter_estimator import Environment, Experiment, ScriptRunConfig, Workspace
    from jupyter_estimator.widgets.run_details import RunDetailsWidget

    with temporary_workspace(), tempfile.TemporaryDirectory() as folder:
        Path(folder, "noisy.py").write_text(SCRIPT)
        env = Environment("bench")
        env.python.user_managed_dependencies = True
        run = Experiment(Workspace(), "widget-bench").submit(ScriptRunConfig(folder, script="noisy.py", environment=env))
        widget = RunDetailsWidget(run, interval=interval, start=False)
        cpu = 0.0
        refreshes = 0
        started = time.monotonic()
        while True:
            before = time.thread_time()
            alive = widget.refresh()
            cpu += time.thread_time() - before
            refreshes += 1
            if not alive:
                break
            time.sleep(interval)
        wall = time.monotonic() - started
        assert widget.metrics["loss"]["count"] == 10000 and widget.log_line_count == 50000, (widget.metrics["loss"]["count"], widget.log_line_count)
        # baseline: a monitor that re-reads everything each refresh, over the same finished run
        naive_cpu = 0.0
        for _ in range(refreshes):
            before = time.thread_time()
            run.get_metrics()
            (Path(run.path) / "user_logs" / "std_log.txt").read_text()
            naive_cpu += time.thread_time() - before
        share = cpu / wall * 100
        report("RunDetails refresh work (10k points, 50k lines)", share, "% of one core", "re-read-everything monitor",
               naive_cpu / wall * 100, goal="<= 5 %")
        print(f"({refreshes} refreshes over {wall:.1f} s, {cpu / refreshes * 1000:.2f} ms CPU each; naive {naive_cpu / refreshes * 1000:.2f} ms)")


if __name__ == "__main__":
    main()
