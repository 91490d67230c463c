"""`jupyter estimator images` against a real engine, driven as a user types it.

Pruning here always uses `--older-than` with a ten-year cutoff and throwaway images whose use record is
older still: a bare `--prune` would also delete the cached environment images that other tests (maybe
running at the same time on the same engine) rely on. The dry-run test covers what a bare `--prune` picks.
"""

from __future__ import annotations

import io
import json
import subprocess
import time

import docker
import pytest

from conftest import PYTHON, python_env
from jupyter_estimator.runner.docker_images import ENV_REPOSITORY, LABEL_BASE, LABEL_ENV
from .conftest import TEST_IMAGE

DECADE_DAYS = 3650
LONG_AGO = time.time() - (DECADE_DAYS + 1) * 86400


def cli(home, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-m", "jupyter_estimator.cli", "images", *args], capture_output=True, text=True,
                          env={**python_env(home), **(env or {})}, timeout=120)


def listing(home) -> dict[str, dict]:
    done = cli(home, "--json")
    assert done.returncode == 0, done.stderr
    return {image["tag"]: image for image in json.loads(done.stdout)}


@pytest.fixture
def throwaway(docker_client, docker_ws):
    """make(base=TEST_IMAGE, last_used=LONG_AGO) -> tag: a fresh environment image (its own image id, so no
    other test's container or tag shares it), recorded as used by this workspace at last_used."""
    tags: list[str] = []

    def make(base: str = TEST_IMAGE, last_used: float | None = LONG_AGO) -> str:
        key = f"test{time.time_ns():020d}"
        tag = f"{ENV_REPOSITORY}:{key}"
        dockerfile = f'FROM {TEST_IMAGE}\nLABEL {LABEL_ENV}="{key}" {LABEL_BASE}="{base}"\n'
        docker_client.images.build(fileobj=io.BytesIO(dockerfile.encode()), tag=tag, rm=True)
        tags.append(tag)
        if last_used is not None:
            record = docker_ws.store.envs_dir / "docker" / f"{key}.json"
            record.parent.mkdir(exist_ok=True)
            record.write_text(json.dumps({"image": tag, "base": base, "built": last_used, "last_used": last_used}))
        return tag

    yield make
    for tag in tags:
        for container in docker_client.containers.list(all=True, filters={"ancestor": tag}):
            container.remove(force=True)
        try:
            docker_client.images.remove(tag)
        except docker.errors.NotFound:
            pass


def record_of(docker_ws, tag: str):
    return docker_ws.store.envs_dir / "docker" / f"{tag.split(':')[1]}.json"


def present(docker_client, tag: str) -> bool:
    try:
        docker_client.images.get(tag)
        return True
    except docker.errors.ImageNotFound:
        return False


def test_the_list_shows_a_runs_image_with_its_size_and_last_use(docker_client, docker_ws, project, home):
    from jupyter_estimator import Estimator, Experiment
    project.write("train.py", "import six\nprint('six=' + six.__version__, flush=True)\n")
    # A spec of its own: the run builds the image it lists, whatever another test or prune did to the cache.
    estimator = Estimator(source_directory=str(project), entry_script="train.py", compute_target="local",
                          custom_docker_image=TEST_IMAGE, pip_packages=[f"six!=0.0.{time.time_ns()}"])
    run = Experiment(docker_ws, "docker-images").submit(estimator)
    build_log = run._folder.path / "azureml-logs" / "20_image_build.txt"
    assert run.wait_for_completion(raise_on_error=False)["status"] == "Completed", build_log.read_text()
    [record] = (docker_ws.store.envs_dir / "docker").glob("*.json")
    tag = json.loads(record.read_text())["image"]
    try:
        images = listing(home)
        assert tag in images, (tag, sorted(images))
        image = images[tag]
        assert image["size"] > 0 and image["base_image"] == TEST_IMAGE and image["in_use"] is False
        assert time.time() - 600 < image["last_used"] <= time.time()

        done = cli(home)
        assert done.returncode == 0, done.stderr
        header, *rows = done.stdout.splitlines()
        assert header.split() == ["IMAGE", "BASE", "SIZE", "LAST", "USED", "IN", "USE"]
        [row] = [line for line in rows if line.startswith(tag + " ")]
        assert " MB " in row and (" s ago " in row or " min ago " in row) and row.endswith(" no")
    finally:
        docker_client.images.remove(tag)


def test_prune_dry_run_lists_unused_images_but_removes_nothing(docker_client, docker_ws, home, throwaway):
    tag = throwaway()
    done = cli(home, "--prune", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert f"Would remove {tag} (" in done.stdout and "dry run, nothing was removed" in done.stdout
    assert "Removed" not in done.stdout
    assert present(docker_client, tag) and record_of(docker_ws, tag).exists()


def test_prune_keeps_images_a_container_or_another_image_uses_and_removes_the_rest(
        docker_client, docker_ws, home, throwaway):
    used = throwaway()
    docker_client.containers.create(used, command=["true"])  # created, never started: still uses the image
    parent = throwaway()
    child = throwaway(base=parent)  # a run named the environment image `parent` as its base image
    recent = throwaway(last_used=time.time())
    assert listing(home)[used]["in_use"] is True
    dry = cli(home, "--prune", "--dry-run", "--older-than", str(DECADE_DAYS))
    assert f"Would remove {child} (" in dry.stdout and used not in dry.stdout

    done = cli(home, "--prune", "--older-than", str(DECADE_DAYS))
    assert done.returncode == 0, done.stderr
    assert f"Removed {child} (" in done.stdout
    for kept in (used, parent, recent):
        assert kept not in done.stdout and present(docker_client, kept) and record_of(docker_ws, kept).exists()
    assert not present(docker_client, child) and not record_of(docker_ws, child).exists()
    assert present(docker_client, TEST_IMAGE)

    for container in docker_client.containers.list(all=True, filters={"ancestor": used}):
        container.remove()
    done = cli(home, "--prune", "--older-than", str(DECADE_DAYS))
    assert done.returncode == 0, done.stderr
    assert f"Removed {used} (" in done.stdout and f"Removed {parent} (" in done.stdout
    assert not present(docker_client, used) and not record_of(docker_ws, used).exists()
    assert present(docker_client, recent)


def test_an_image_removed_while_pruning_is_skipped(docker_client, docker_ws, throwaway):
    from jupyter_estimator.runner.docker_image_admin import prune_environment_images
    tag = throwaway()

    class Racing:  # the engine's API, with someone else's `docker rmi` landing just before ours
        def __getattr__(self, name: str):
            return getattr(docker_client.api, name)

        def remove_image(self, image: str, **options):
            docker_client.api.remove_image(image)
            return docker_client.api.remove_image(image, **options)

    class Client:
        api = Racing()

    removed = prune_environment_images(Client(), docker_ws.store, older_than_days=DECADE_DAYS)
    assert tag not in [image.tag for image in removed]
    assert not present(docker_client, tag) and not record_of(docker_ws, tag).exists()


def test_a_dead_engine_gives_one_clear_line_and_exit_1(home):
    done = cli(home, env={"DOCKER_HOST": "unix:///tmp/none.sock"})
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("error: docker: no Docker engine answered at unix:///tmp/none.sock (DOCKER_HOST)")
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    done = cli(home, "--prune", env={"DOCKER_HOST": "unix:///tmp/none.sock"})
    assert done.returncode == 1 and "no Docker engine answered" in done.stderr


def test_help_documents_the_command(home):
    done = cli(home, "--help")
    assert done.returncode == 0
    for option in ("--prune", "--older-than DAYS", "--dry-run", "--json", "--target"):
        assert option in done.stdout
