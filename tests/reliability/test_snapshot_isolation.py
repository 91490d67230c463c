"""Each run has a private, writable copy of its snapshot; the store underneath never changes through a run
(issue 9, item 1) — as root and as an unprivileged user."""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from conftest import submit_script

APPEND = """
with open('data.txt', 'a') as handle:
    handle.write('changed by the run\\n')
print('NOW', open('data.txt').read().replace('\\n', '|'))
"""


def test_a_run_rewriting_its_sources_leaves_the_next_run_untouched(exp, project):
    project.write("data.txt", "original\n")
    first = submit_script(exp, project, "train.py", APPEND)
    first.wait_for_completion()
    second = submit_script(exp, project, "train.py", APPEND)  # the same, unchanged tree
    second.wait_for_completion()
    assert first.get_snapshot_id() == second.get_snapshot_id()
    for run in (first, second):
        assert "NOW original|changed by the run|" in Path(run.path, "user_logs", "std_log.txt").read_text()
    assert (project.path / "data.txt").read_text() == "original\n"
    blobs = [p for p in exp.workspace.store.snapshots_dir.joinpath("blobs").rglob("*") if p.is_file()]
    assert b"original\n" in {p.read_bytes() for p in blobs}
    assert all(not p.read_bytes().endswith(b"changed by the run\n") for p in blobs)
    assert all(p.stat().st_mode & 0o222 == 0 for p in blobs)  # the store is read-only
    snapshot_file = Path(first.path, "snapshot", "data.txt")
    assert snapshot_file.stat().st_nlink == 1 and snapshot_file.stat().st_mode & stat.S_IWUSR


@pytest.mark.skipif(os.geteuid() != 0, reason="switching to the 'nobody' user needs root")
def test_an_unprivileged_user_can_write_its_own_snapshot():
    import tempfile
    nobody = pwd.getpwnam("nobody")
    tmp_path = Path(tempfile.mkdtemp(prefix="je-nobody-"))  # pytest's own temp root is closed to other users
    try:
        _run_as_nobody(nobody, tmp_path)
    finally:
        shutil.rmtree(tmp_path, ignore_errors=True)


def _python_for(tmp_path: Path) -> str:
    """An interpreter 'nobody' may run (this one may live under root's home): a uv venv on the system Python
    holding what the SDK's submit path imports; the project itself comes from PYTHONPATH."""
    from jupyter_estimator.runner.environments import find_uv
    system = shutil.which("python3", path="/usr/bin:/bin")
    if system is None:
        pytest.skip("no system python3 for the unprivileged user")
    venv = tmp_path / "venv"
    uv = find_uv()
    subprocess.run([uv, "venv", "--quiet", "--python", system, str(venv)], check=True, capture_output=True)
    subprocess.run([uv, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), "pydantic>=2.6",
                    "pathspec", "PyYAML", "jupyter_core"], check=True, capture_output=True)
    return str(venv / "bin" / "python")


def _run_as_nobody(nobody, tmp_path: Path) -> None:
    python = _python_for(tmp_path)
    secret = tmp_path / "secret.txt"  # readable by nobody: following the link would copy it
    secret.write_text("SECRET")
    os.chmod(secret, 0o644)
    home = tmp_path / "shared"
    home.mkdir()
    project = home / "project"
    project.mkdir()
    (project / "data.txt").write_text("original\n")
    (project / "train.py").write_text(APPEND)
    code = (
        "from jupyter_estimator import Workspace, Experiment, ScriptRunConfig, Environment\n"
        "env = Environment('nobody'); env.python.user_managed_dependencies = True\n"
        "exp = Experiment(Workspace(), 'nobody')\n"
        "for _ in range(2):\n"
        f"    run = exp.submit(ScriptRunConfig({str(project)!r}, script='train.py', environment=env))\n"
        "    print('STATUS', run.wait_for_completion(raise_on_error=False)['status'], run.path)\n"
        # the symlink rule as an unprivileged user: a link to a file outside the run is skipped, not followed
        "import os, warnings\n"
        "os.makedirs(os.path.join(run.path, 'outputs', 'model'), exist_ok=True)\n"
        "open(os.path.join(run.path, 'outputs', 'model', 'w.bin'), 'wb').write(b'w')\n"
        f"os.symlink({str(secret)!r}, os.path.join(run.path, 'outputs', 'model', 'extra'))\n"
        "with warnings.catch_warnings(record=True):\n"
        "    warnings.simplefilter('always')\n"
        "    model = run.register_model('m', 'outputs/model')\n"
        "print('MODEL', sorted(p.name for p in model._folder.rglob('*')))\n")
    shutil.chown(home, nobody.pw_uid, nobody.pw_gid)
    for path in home.rglob("*"):
        shutil.chown(path, nobody.pw_uid, nobody.pw_gid)
    os.chmod(tmp_path, 0o755)
    repo = Path(__file__).resolve().parents[2]
    for needed in (*tmp_path.parents, *repo.parents, repo):
        if needed != Path("/") and not os.stat(needed).st_mode & 0o001:
            pytest.skip(f"{needed} is not searchable by 'nobody'")
    env = {"PATH": f"{Path(python).parent}:/usr/bin:/bin", "HOME": str(home), "JUPYTER_ESTIMATOR_HOME": str(home / "ws"),
           "JUPYTER_ESTIMATOR_NO_SERVER": "1", "PYTHONPATH": str(repo)}
    result = subprocess.run([python, "-c", code], env=env, capture_output=True, text=True, timeout=120,
                            user=nobody.pw_uid, group=nobody.pw_gid, cwd=str(home))
    statuses = [line.split() for line in result.stdout.splitlines() if line.startswith("STATUS")]
    assert [s[1] for s in statuses] == ["Completed", "Completed"], result.stdout + result.stderr
    for _, _, path in statuses:
        assert "NOW original|changed by the run|" in Path(path, "user_logs", "std_log.txt").read_text()
    model_line = next(line for line in result.stdout.splitlines() if line.startswith("MODEL"))
    assert model_line == "MODEL ['model', 'w.bin']", result.stdout + result.stderr
