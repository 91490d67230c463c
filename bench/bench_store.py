"""get_runs first page with 100 000 runs in the store; re-snapshot of an unchanged 2 000-file, 300 MB tree;
and what `from jupyter_estimator import Run` costs a training script."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import bare_python_seconds, median_seconds, report, temporary_workspace

RUNS = 100_000


def fill_index(ws, count: int) -> None:
    """Bulk rows straight into the index (submitting 100k real runs would measure process start-up instead)."""
    index = ws.store.index
    experiment_ids = [ws.store.experiments.id_of(f"exp-{i}") for i in range(10)]
    now = time.time() - count
    with index.write() as conn:
        conn.executemany(
            "INSERT INTO runs(run_id, experiment_id, run_number, run_type, status, target, created_time)"
            " VALUES (?,?,?,?,?,?,?)",
            ((f"exp-{i % 10}_{i}", experiment_ids[i % 10], i // 10 + 1, "azureml.scriptrun",
              "Completed" if i % 7 else "Failed", "local", now + i) for i in range(count)))
        conn.executemany("INSERT INTO run_tags VALUES (?,?,?)", ((f"exp-{i % 10}_{i}", "lr", str(i % 5)) for i in range(count)))


def bench_get_runs() -> None:
    from jupyter_estimator import Experiment, Workspace
    with temporary_workspace():
        ws = Workspace()
        fill_index(ws, RUNS)
        exp = Experiment(ws, "exp-3")

        def first_page() -> list:
            runs = exp.get_runs()
            return [next(runs) for _ in range(100)]

        def filtered_page() -> list:
            runs = exp.get_runs(tags={"lr": "3"})
            return [next(runs) for _ in range(100)]

        first_page()
        page = median_seconds(first_page, 9)
        filtered = median_seconds(filtered_page, 9)
        everything = median_seconds(lambda: ws.store.index.read("SELECT * FROM runs"), 3)
        report(f"get_runs first page of 100 ({RUNS} runs stored)", page * 1000, "ms", "reading all runs", everything * 1000,
               goal="<= 50 ms")
        report("get_runs first page filtered by tag", filtered * 1000, "ms", "reading all runs", everything * 1000)


def make_tree(root: Path, files: int = 2000, total_mb: int = 300) -> None:
    size = total_mb * 1024 * 1024 // files
    block = os.urandom(size)
    for i in range(files):
        folder = root / f"d{i % 40}"
        folder.mkdir(exist_ok=True)
        (folder / f"f{i}.bin").write_bytes(block[i % 251:] + block[:i % 251])


def bench_snapshot() -> None:
    from jupyter_estimator.store.snapshot import SnapshotStore
    with tempfile.TemporaryDirectory() as folder:
        tree = Path(folder) / "tree"
        tree.mkdir()
        make_tree(tree)
        store = SnapshotStore(Path(folder) / "snapshots")
        started = time.perf_counter()
        first = store.take(tree)
        cold = time.perf_counter() - started
        samples = []
        for _ in range(7):
            started = time.perf_counter()
            again = store.take(tree)
            samples.append(time.perf_counter() - started)
            assert again.snapshot_id == first.snapshot_id
        report(f"re-snapshot unchanged tree ({first.file_count} files, {first.total_bytes / 2**20:.0f} MiB)",
               statistics.median(samples) * 1000, "ms", "first snapshot", cold * 1000)
        bench_resubmit(Path(folder), tree, store, "this file system")
    bench_resubmit_on_reflink_fs()


def bench_resubmit(folder: Path, tree: Path, store, where: str) -> None:
    """Re-submit of an unchanged tree = re-snapshot + the run's private copy, beside hard links and cp -r."""
    from jupyter_estimator.store.snapshot import private_copy
    snapshot_id = store.take(tree).snapshot_id
    counter = iter(range(10**6))

    def private() -> None:
        store.take(tree)
        store.materialize(snapshot_id, folder / f"run-{next(counter)}")

    def hard_links() -> None:  # what wave 1 did: shared, so a run could change another run's files
        store.take(tree)
        dest = folder / f"links-{next(counter)}"
        for relative, digest, _size, _x in store.manifest(snapshot_id)["files"]:
            target = dest / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(store._blob_path(digest), target)

    probe = folder / "probe"
    how = private_copy(next(p for p in tree.rglob("*") if p.is_file()), probe, 0o644)
    private_ms = median_seconds(private, 5) * 1000
    links_ms = median_seconds(hard_links, 5) * 1000
    copy_ms = median_seconds(lambda: subprocess.run(["cp", "-r", str(tree), str(folder / f"cp-{next(counter)}")],
                                                    check=True), 3) * 1000
    report(f"re-submit unchanged 2 000-file 300 MiB tree, private copies by {how} ({where})", private_ms, "ms",
           "cp -r", copy_ms, goal="<= 150 ms where clones exist")
    print(f"(for scale on {where}: shared hard links as before {links_ms:.0f} ms; cp -r {copy_ms:.0f} ms)", flush=True)


def bench_resubmit_on_reflink_fs() -> None:
    """The same on XFS with reflink, in a loop-mounted image (needs root and mkfs.xfs from xfsprogs)."""
    import shutil
    from jupyter_estimator.store.snapshot import SnapshotStore
    if os.geteuid() != 0 or not shutil.which("mkfs.xfs"):
        print("(re-submit with clones: skipped — needs root and mkfs.xfs: apt-get install xfsprogs)", flush=True)
        return
    with tempfile.TemporaryDirectory() as folder:
        image, mount = Path(folder) / "xfs.img", Path(folder) / "mnt"
        mount.mkdir()
        subprocess.run(["truncate", "-s", "2G", str(image)], check=True)
        subprocess.run(["mkfs.xfs", "-q", "-m", "reflink=1", str(image)], check=True)
        if subprocess.run(["mount", "-o", "loop", str(image), str(mount)], capture_output=True).returncode != 0:
            print("(re-submit with clones: skipped — could not loop-mount an XFS image here)", flush=True)
            return
        try:
            tree = mount / "tree"
            tree.mkdir()
            make_tree(tree)
            store = SnapshotStore(mount / "snapshots")
            bench_resubmit(mount, tree, store, "XFS with reflink")
        finally:
            subprocess.run(["umount", str(mount)], check=False)


def bench_import() -> None:
    code = "from jupyter_estimator import Run; Run.get_context()"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    ours = median_seconds(lambda: subprocess.run([sys.executable, "-c", code], check=True, env=env, capture_output=True), 9)
    floor = bare_python_seconds(9)
    report("script import of jupyter_estimator.Run (minus python -c pass)", (ours - floor) * 1000, "ms", goal="<= 50 ms")


def main() -> None:
    bench_get_runs()
    bench_snapshot()
    bench_import()


if __name__ == "__main__":
    main()
