"""run.log cost per call and durable points/s, beside mlflow.log_metric on an SQLite store."""

from __future__ import annotations

import gc
import tempfile
import time

from common import percentile, report, temporary_workspace

CALLS = 1_000_000


def ours() -> None:
    from jupyter_estimator import Experiment, Workspace
    run = Experiment(Workspace(), "bench").start_logging(snapshot_directory=None)
    log = run.log
    for i in range(1000):  # warm up the buffer and its thread
        log("warm", i)
    run.flush()
    samples = []
    clock = time.perf_counter_ns
    gc.disable()
    for i in range(CALLS):
        started = clock()
        log("loss", 0.5, step=i)
        samples.append(clock() - started)
    gc.enable()
    p50, p99, worst = percentile(samples, 50) / 1000, percentile(samples, 99) / 1000, max(samples) / 1000
    started = time.perf_counter()
    for i in range(200_000):
        log("throughput", i)
    run.flush()
    durable = 200_000 / (time.perf_counter() - started)
    run.complete()
    assert len(run.get_metrics("throughput")["throughput"]) == 200_000
    return p50, p99, worst, durable


def mlflow_baseline(calls: int = 300) -> tuple[float, float] | None:
    try:
        import mlflow
    except ImportError:
        return None
    import logging
    logging.getLogger("mlflow").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as folder:
        mlflow.set_tracking_uri(f"sqlite:///{folder}/mlflow.db")
        with mlflow.start_run():
            for i in range(20):
                mlflow.log_metric("warm", i)
            samples = []
            for i in range(calls):
                started = time.perf_counter_ns()
                mlflow.log_metric("loss", 0.5, step=i)
                samples.append(time.perf_counter_ns() - started)
    return percentile(samples, 50) / 1000, 1e9 / (sum(samples) / len(samples))


def main() -> None:
    with temporary_workspace():
        p50, p99, worst, durable = ours()
    baseline = mlflow_baseline()
    if baseline:
        report("run.log p50", p50, "us", "mlflow.log_metric(sqlite) p50", baseline[0], goal="<= 5 us, >= 100x mlflow")
        report("run.log durable throughput", 1 / durable * 1e6, "us/point", "mlflow.log_metric(sqlite)", 1 / baseline[1] * 1e6)
    else:
        report("run.log p50", p50, "us", goal="<= 5 us (mlflow not installed: no baseline)")
    print(f"run.log p99: {p99:.3f} us; max: {worst:.1f} us over {CALLS} calls")
    print(f"run.log durable points/s: {durable:,.0f}")


if __name__ == "__main__":
    main()
