"""Run every benchmark: `python bench/run_all.py`. One alone: `python bench/bench_NAME.py` (each has its own main)."""

import bench_docker
import bench_lab
import bench_log
import bench_server
import bench_store
import bench_submit
import bench_widget

if __name__ == "__main__":
    for module in (bench_log, bench_submit, bench_docker, bench_store, bench_server, bench_widget, bench_lab):
        print(f"== {module.__name__}", flush=True)
        module.main()
