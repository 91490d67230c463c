"""A container runs as the caller: for an unprivileged user, nothing in the run folder comes back root-owned."""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from .conftest import TEST_IMAGE

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(os.geteuid() != 0, reason="switching to the 'nobody' user needs root")
def test_an_unprivileged_callers_container_writes_files_it_owns(docker_client):
    nobody = pwd.getpwnam("nobody")
    docker_gid = os.stat("/var/run/docker.sock").st_gid  # the engine's socket group lets nobody reach the engine
    tmp = Path(tempfile.mkdtemp(prefix="je-docker-nobody-"))  # pytest's own temp root is closed to other users
    try:
        python = _python_for(tmp)
        home = tmp / "home"
        (home / "project").mkdir(parents=True)
        (home / "project" / "train.py").write_text(
            "import os\nos.makedirs('outputs/sub', exist_ok=True)\n"
            "open('outputs/sub/model.bin', 'wb').write(b'w')\nopen('logs/events.txt', 'w').write('e')\n"
            "print(f'inside uid={os.getuid()} gid={os.getgid()}', flush=True)\n")
        code = ("from jupyter_estimator import Workspace, Experiment, Estimator\n"
                "ws = Workspace()\n"
                f"run = Experiment(ws, 'nobody').submit(Estimator(source_directory={str(home / 'project')!r}, "
                f"entry_script='train.py', compute_target='local', custom_docker_image={TEST_IMAGE!r}, user_managed=True))\n"
                "print('STATUS', run.wait_for_completion(raise_on_error=False)['status'], run.path)\n")
        for path in (home, *home.rglob("*")):
            shutil.chown(path, nobody.pw_uid, nobody.pw_gid)
        os.chmod(tmp, 0o755)
        for needed in (*tmp.parents, *REPO.parents, REPO):
            if needed != Path("/") and not os.stat(needed).st_mode & 0o001:
                pytest.skip(f"{needed} is not searchable by 'nobody'")
        env = {"PATH": f"{Path(python).parent}:/usr/bin:/bin", "HOME": str(home), "JUPYTER_ESTIMATOR_HOME": str(home / "ws"),
               "JUPYTER_ESTIMATOR_NO_SERVER": "1", "PYTHONPATH": str(REPO)}
        result = subprocess.run([python, "-c", code], env=env, capture_output=True, text=True, timeout=180,
                                user=nobody.pw_uid, group=nobody.pw_gid, extra_groups=[docker_gid], cwd=str(home))
        status_line = next((line for line in result.stdout.splitlines() if line.startswith("STATUS")), "")
        assert status_line.split()[1:2] == ["Completed"], result.stdout + result.stderr
        run_path = Path(status_line.split()[2])
        assert f"inside uid={nobody.pw_uid} gid={nobody.pw_gid}" in (run_path / "user_logs" / "std_log.txt").read_text()
        owners = {(p.relative_to(run_path).as_posix(), p.stat().st_uid) for p in run_path.rglob("*") if not p.is_symlink()}
        assert {name for name, uid in owners if uid != nobody.pw_uid} == set(), owners
        assert (run_path / "outputs" / "sub" / "model.bin").stat().st_uid == nobody.pw_uid
        assert grp.getgrgid(docker_gid)  # the socket's group exists: the test really used group access
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _python_for(tmp: Path) -> str:
    """An interpreter 'nobody' may run: a uv venv on the system Python with what the SDK's submit path needs."""
    from jupyter_estimator.runner.environments import find_uv
    system = shutil.which("python3", path="/usr/bin:/bin")
    if system is None:
        pytest.skip("no system python3 for the unprivileged user")
    venv = tmp / "venv"
    uv = find_uv()
    subprocess.run([uv, "venv", "--quiet", "--python", system, str(venv)], check=True, capture_output=True)
    subprocess.run([uv, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), "pydantic>=2.6",
                    "pathspec", "PyYAML", "jupyter_core", "docker>=7"], check=True, capture_output=True)
    return str(venv / "bin" / "python")
