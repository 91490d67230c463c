"""Run every benchmark: `python bench/run_all.py`."""

import bench_log
import bench_server
import bench_store
import bench_submit

if __name__ == "__main__":
    for module in (bench_log, bench_submit, bench_store, bench_server):
        print(f"== {module.__name__}", flush=True)
        module.main()
