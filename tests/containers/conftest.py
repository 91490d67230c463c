"""A real Docker engine and the offline test image, made ready by the project's own scripts.

`scripts/docker_engine.sh` installs and starts dockerd if needed; `scripts/build_test_image.sh` builds the
test image (debootstrap, no registry) once per machine. Nothing here is skipped: a machine that can start
the engine runs every Docker test, and one that cannot fails with the scripts' own message.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TEST_IMAGE = "jupyter-estimator/test-base:bookworm"
MARKER = "/etc/jupyter-estimator-test-image"
MARKER_TEXT = "jupyter-estimator-test-image bookworm"


@pytest.fixture(scope="session")
def docker_client():
    for script in ("docker_engine.sh", "build_test_image.sh"):
        done = subprocess.run([str(REPO / "scripts" / script)], capture_output=True, text=True)
        assert done.returncode == 0, f"scripts/{script} failed:\n{done.stdout}\n{done.stderr}"
    import docker
    client = docker.from_env()
    client.images.get(TEST_IMAGE)
    yield client
    client.close()


@pytest.fixture
def docker_ws(ws, docker_client):
    """A workspace whose Azure ML default images stand for the offline test image."""
    ws.set_settings(docker_default_image=TEST_IMAGE)
    return ws


def host_mount_namespace() -> str:
    return os.readlink("/proc/self/ns/mnt")


PROVE_WHERE = '''
import os, sys
print("marker=" + open("/etc/jupyter-estimator-test-image").read().strip(), flush=True)
print(f"dockerenv={os.path.exists('/.dockerenv')} uid={os.getuid()} gid={os.getgid()}", flush=True)
print("mntns=" + os.readlink("/proc/self/ns/mnt"), flush=True)
print("args=" + " ".join(sys.argv[1:]), flush=True)
'''
