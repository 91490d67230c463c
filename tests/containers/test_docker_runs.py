"""Runs in containers on a real Docker engine: each test's script proves where it ran (the test image's
marker file, its own mount namespace) and the store sees its metrics, tags, outputs and exit exactly as for
a local run."""

from __future__ import annotations

import os
import time

import pytest

from conftest import wait_for
from .conftest import MARKER_TEXT, PROVE_WHERE, TEST_IMAGE, host_mount_namespace

TRAIN = PROVE_WHERE + '''
from jupyter_estimator import Run
import six
run = Run.get_context()
run.log("accuracy", 0.91)
run.tag("where", "container")
os.makedirs("outputs", exist_ok=True)
with open("outputs/model.txt", "w") as handle:
    handle.write("weights")
print("six=" + six.__version__, flush=True)
'''


def logs(run) -> tuple[str, str]:
    folder = run._folder.path
    return ((folder / "user_logs" / "std_log.txt").read_text(),
            (folder / "azureml-logs" / "20_image_build.txt").read_text())


def test_the_seed_estimator_runs_in_a_container_and_reuses_its_environment_image(docker_ws, project, docker_client):
    from jupyter_estimator import Estimator, Experiment
    project.write("train.py", TRAIN)
    exp = Experiment(docker_ws, "docker-seed")
    fresh = f"six!=0.0.{time.time_ns()}"  # a spec no earlier test session built: the first submit must build it

    def submit():
        estimator = Estimator(source_directory=str(project), entry_script="train.py", compute_target="local",
                              custom_docker_image=TEST_IMAGE, pip_packages=[fresh],
                              script_params={"--data-folder": "/data", "--regularization": 0.5})
        run = exp.submit(estimator)
        assert run.wait_for_completion(raise_on_error=False)["status"] == "Completed", logs(run)
        return run

    first = submit()
    std, build = logs(first)
    assert f"marker={MARKER_TEXT}" in std
    assert f"dockerenv=True uid={os.getuid()} gid={os.getgid()}" in std
    assert "mntns=" in std and f"mntns={host_mount_namespace()}" not in std  # its own mount namespace
    assert "args=--data-folder /data --regularization 0.5" in std
    assert "six=" in std
    assert first.get_metrics() == {"accuracy": 0.91} and first.get_tags()["where"] == "container"
    model = first._folder.path / "outputs" / "model.txt"
    assert model.read_text() == "weights" and model.stat().st_uid == os.getuid()  # owned by the caller
    assert "uv pip install" in build  # the environment image was built
    assert not docker_client.containers.list(all=True, filters={"label": f"jupyter_estimator.run_id={first.id}"})

    second = submit()
    _, build = logs(second)
    assert "is cached; reusing it" in build and "uv pip install" not in build  # nothing built the second time


def test_environment_docker_enabled_with_a_conda_package_on_local(docker_ws, project):
    from jupyter_estimator import Environment, Experiment, ScriptRunConfig
    from jupyter_estimator.azureml.core.conda_dependencies import CondaDependencies
    project.write("train.py", PROVE_WHERE + "import yaml\nprint('yaml=' + yaml.__version__, flush=True)\n")
    env = Environment("conda-in-docker")
    env.docker.enabled = True
    env.docker.base_image = TEST_IMAGE
    # A fresh pin too, so this session builds the image and its log shows how the conda package was installed.
    env.python.conda_dependencies = CondaDependencies.create(conda_packages=["pyyaml"],
                                                             pip_packages=[f"six!=0.0.{time.time_ns()}"])
    run = Experiment(docker_ws, "docker-conda").submit(ScriptRunConfig(str(project), script="train.py",
                                                                       compute_target="local", environment=env))
    assert run.wait_for_completion(raise_on_error=False)["status"] == "Completed", logs(run)
    std, build = logs(run)
    assert f"marker={MARKER_TEXT}" in std and "yaml=" in std
    assert "from PyPI by name map" in build  # the image has no conda: the package came through the name map


def test_docker_configuration_on_a_script_run_config_sets_shared_memory(docker_ws, project):
    from jupyter_estimator import Environment, Experiment, ScriptRunConfig
    from jupyter_estimator.azureml.core.runconfig import DockerConfiguration
    project.write("train.py", PROVE_WHERE + "st = os.statvfs('/dev/shm')\nprint(f'shm={st.f_blocks * st.f_frsize}', flush=True)\n"
                  "print('from_args=' + os.environ.get('FROM_ARGS', ''), flush=True)\n")
    env = Environment.from_docker_image("image-env", TEST_IMAGE)
    env.python.user_managed_dependencies = True  # the image's own python3, nothing installed
    config = ScriptRunConfig(str(project), script="train.py", compute_target="local", environment=env,
                             docker_runtime_config=DockerConfiguration(use_docker=True, shm_size="256m",
                                                                       arguments=["-e", "FROM_ARGS=yes", "--cpus", "1"]))
    run = Experiment(docker_ws, "docker-config").submit(config)
    assert run.wait_for_completion(raise_on_error=False)["status"] == "Completed", logs(run)
    std, build = logs(run)
    assert f"marker={MARKER_TEXT}" in std and f"shm={256 * 2**20}" in std and "from_args=yes" in std
    assert "nothing installed" in build


def test_a_failing_pip_install_fails_the_run_with_pips_message(docker_ws, project):
    from jupyter_estimator import Estimator, Experiment
    project.write("train.py", "print('never runs')\n")
    run = Experiment(docker_ws, "docker-badpip").submit(Estimator(
        source_directory=str(project), entry_script="train.py", compute_target="local", custom_docker_image=TEST_IMAGE,
        pip_packages=["jupyter-estimator-no-such-package-xyz"]))
    details = run.wait_for_completion(raise_on_error=False)
    assert details["status"] == "Failed"
    assert details["error"]["code"] == "ImageBuildFailed"
    assert "jupyter-estimator-no-such-package-xyz" in details["error"]["message"]
    assert "not found in the package registry" in details["error"]["message"]  # uv's own words
    assert "never runs" not in logs(run)[0] if (run._folder.path / "user_logs" / "std_log.txt").exists() else True


def test_a_missing_image_fails_at_preparing_naming_the_image_and_the_fix(docker_ws, project):
    from jupyter_estimator import Estimator, Experiment
    project.write("train.py", "print('never runs')\n")
    run = Experiment(docker_ws, "docker-noimage").submit(Estimator(
        source_directory=str(project), entry_script="train.py", compute_target="local",
        custom_docker_image="jupyter-estimator/not-there:1"))
    details = run.wait_for_completion(raise_on_error=False)
    assert details["status"] == "Failed"
    message = details["error"]["message"]
    assert "jupyter-estimator/not-there:1" in message and "could not be pulled" in message and "Fix:" in message
    history = [entry[0] for entry in run._folder.read_status()["history"]]
    assert "Preparing" in history and "Running" not in history


def test_an_engine_that_does_not_answer_is_refused_at_submit(docker_ws, project, monkeypatch):
    from jupyter_estimator import Estimator, Experiment
    from jupyter_estimator.client.compute import target_availability
    from jupyter_estimator.core.errors import CapabilityNotAvailable
    project.write("train.py", "print('never runs')\n")
    monkeypatch.setenv("DOCKER_HOST", "unix:///tmp/jupyter-estimator-no-engine.sock")
    exp = Experiment(docker_ws, "docker-dead")
    with pytest.raises(CapabilityNotAvailable) as raised:
        exp.submit(Estimator(source_directory=str(project), entry_script="train.py", compute_target="local",
                             use_docker=True))
    assert "unix:///tmp/jupyter-estimator-no-engine.sock (DOCKER_HOST)" in str(raised.value) and "Fix:" in str(raised.value)
    assert list(exp.get_runs()) == []  # nothing was created
    local = next(t for t in target_availability(docker_ws) if t["name"] == "local")
    assert local["available"] and not local["docker"] and "DOCKER_HOST" in local["docker_reason"]


def test_cancel_stops_and_removes_the_container(docker_ws, project, docker_client):
    from jupyter_estimator import Environment, Experiment, ScriptRunConfig
    project.write("train.py", PROVE_WHERE + "import time\nprint('started', flush=True)\ntime.sleep(600)\n")
    env = Environment.from_docker_image("image-env", TEST_IMAGE)
    env.python.user_managed_dependencies = True
    run = Experiment(docker_ws, "docker-cancel").submit(ScriptRunConfig(str(project), script="train.py",
                                                                        compute_target="local", environment=env))
    wait_for(lambda: "started" in (run._folder.path / "user_logs" / "std_log.txt").read_text()
             if (run._folder.path / "user_logs" / "std_log.txt").exists() else False, 60, message="the script to start")
    label = {"label": f"jupyter_estimator.run_id={run.id}"}
    assert docker_client.containers.list(filters=label)
    asked = time.monotonic()
    run.cancel()
    wait_for(lambda: not docker_client.containers.list(all=True, filters=label), 5.0, message="the container to go")
    gone_after = time.monotonic() - asked
    assert run.wait_for_completion(raise_on_error=False)["status"] == "Canceled"
    assert gone_after <= 5.0


def test_environment_images_keep_no_build_settings(docker_ws, project, docker_client):
    """The host's CA bundle and index settings reach the build as mounts and variables; the image keeps neither."""
    from jupyter_estimator import Estimator, Experiment
    project.write("train.py", "import six\n")
    run = Experiment(docker_ws, "docker-clean").submit(Estimator(
        source_directory=str(project), entry_script="train.py", compute_target="local", custom_docker_image=TEST_IMAGE,
        pip_packages=["six"]))
    assert run.wait_for_completion(raise_on_error=False)["status"] == "Completed"
    tag = run._folder.read_status()["container"]["image"]
    image = docker_client.images.get(tag)
    env = "\n".join(image.attrs["Config"].get("Env") or [])
    assert "SSL_CERT_FILE" not in env and "PIP_CERT" not in env and "JUPYTER_ESTIMATOR_UV" not in env
    assert image.labels["jupyter_estimator.environment"] == tag.split(":")[1]
    listing = docker_client.containers.run(tag, ["sh", "-c", "ls -A /opt /tmp"], remove=True).decode().split()
    assert listing == ["/opt:", "jupyter-estimator-env", "/tmp:"]  # the build's tools were mounted, never copied


def test_a_named_docker_target(docker_ws, project):
    from jupyter_estimator import ComputeTarget, DockerCompute, Estimator, Experiment
    from jupyter_estimator.core.errors import ComputeTargetException
    target = ComputeTarget.create(docker_ws, "box", DockerCompute.provisioning_configuration(default_image=TEST_IMAGE,
                                                                                            shm_size="1g"))
    assert isinstance(ComputeTarget(docker_ws, "box"), DockerCompute) and target.availability() is None
    with pytest.raises(ComputeTargetException, match="network"):
        DockerCompute.provisioning_configuration(network="host")
    project.write("train.py", PROVE_WHERE)
    run = Experiment(docker_ws, "docker-named").submit(Estimator(source_directory=str(project),
                                                                 entry_script="train.py", compute_target="box"))
    assert run.wait_for_completion(raise_on_error=False)["status"] == "Completed", logs(run)
    std, build = logs(run)
    assert f"marker={MARKER_TEXT}" in std
    assert "Azure ML's default" in build  # DEFAULT_CPU_IMAGE stood for the target's default image


def test_max_run_duration_stops_the_container(docker_ws, project, docker_client):
    from jupyter_estimator import Environment, Experiment, ScriptRunConfig
    project.write("train.py", "import time\nprint('started', flush=True)\ntime.sleep(600)\n")
    env = Environment.from_docker_image("image-env", TEST_IMAGE)
    env.python.user_managed_dependencies = True
    config = ScriptRunConfig(str(project), script="train.py", compute_target="local", environment=env,
                             max_run_duration_seconds=3)
    run = Experiment(docker_ws, "docker-timeout").submit(config)
    details = run.wait_for_completion(raise_on_error=False)
    assert details["status"] == "Failed" and details["error"]["code"] == "MaxRunDurationExceeded"
    assert not docker_client.containers.list(all=True, filters={"label": f"jupyter_estimator.run_id={run.id}"})


def test_a_gpu_run_on_an_engine_without_a_gpu_runtime_fails_naming_it(docker_ws, project, docker_client):
    from jupyter_estimator import Estimator, Experiment
    from jupyter_estimator.runner.docker_engine import gpu_runtime
    assert not gpu_runtime(docker_client)  # this machine's engine has none (a GPU machine would run the script)
    project.write("train.py", "print('never runs')\n")
    run = Experiment(docker_ws, "docker-gpu").submit(Estimator(
        source_directory=str(project), entry_script="train.py", compute_target="local", custom_docker_image=TEST_IMAGE,
        use_gpu=True, user_managed=True))
    details = run.wait_for_completion(raise_on_error=False)
    assert details["status"] == "Failed"
    assert "use_gpu" in details["error"]["message"] and "NVIDIA Container Toolkit" in details["error"]["message"]


def test_unsupported_docker_arguments_are_refused_at_submit(docker_ws, project):
    from jupyter_estimator import Environment, Experiment, ScriptRunConfig
    from jupyter_estimator.azureml.core.runconfig import DockerConfiguration
    from jupyter_estimator.core.errors import UserErrorException
    project.write("train.py", "print('never runs')\n")
    exp = Experiment(docker_ws, "docker-args")
    for env_arguments, config_arguments in ((["--privileged"], []), ([], ["--pid", "host"])):
        env = Environment.from_docker_image("image-env", TEST_IMAGE)
        env.docker.arguments = env_arguments
        with pytest.raises(UserErrorException, match=r"is not a docker run option.*got .--(privileged|pid)."):
            exp.submit(ScriptRunConfig(str(project), script="train.py", compute_target="local", environment=env,
                                       docker_runtime_config=DockerConfiguration(use_docker=True, arguments=config_arguments)))
    assert list(exp.get_runs()) == []


def test_a_base_dockerfile_is_built_once_and_runs_the_script(docker_ws, project, tmp_path):
    import uuid
    from jupyter_estimator import Environment, Experiment, ScriptRunConfig
    stamp = uuid.uuid4().hex  # a Dockerfile no earlier session built
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(f"FROM {TEST_IMAGE}\nRUN echo {stamp} > /etc/built-by-dockerfile\n")
    project.write("train.py", PROVE_WHERE + "print('built=' + open('/etc/built-by-dockerfile').read().strip(), flush=True)\n")
    env = Environment.from_dockerfile("dockerfile-env", str(dockerfile))
    env.python.user_managed_dependencies = True
    exp = Experiment(docker_ws, "docker-dockerfile")
    runs = [exp.submit(ScriptRunConfig(str(project), script="train.py", compute_target="local", environment=env))
            for _ in range(2)]
    for run in runs:
        assert run.wait_for_completion(raise_on_error=False)["status"] == "Completed", logs(run)
    first_std, first_build = logs(runs[0])
    assert f"built={stamp}" in first_std and f"marker={MARKER_TEXT}" in first_std
    builds = [logs(run)[1] for run in runs]
    assert sum("Building jupyter-estimator/base:" in b for b in builds) == 1  # the second found the first's image
    assert any("built from base_dockerfile)" in b and "reusing it" in b for b in builds)


def test_a_docker_target_with_an_explicit_engine_address(docker_ws, project):
    from jupyter_estimator import ComputeTarget, DockerCompute, Estimator, Experiment
    ComputeTarget.create(docker_ws, "sock", DockerCompute.provisioning_configuration(
        base_url="unix:///var/run/docker.sock", default_image=TEST_IMAGE))
    ComputeTarget.create(docker_ws, "nowhere", DockerCompute.provisioning_configuration(
        base_url="unix:///tmp/jupyter-estimator-no-engine.sock", default_image=TEST_IMAGE))
    project.write("train.py", PROVE_WHERE)
    exp = Experiment(docker_ws, "docker-address")
    run = exp.submit(Estimator(source_directory=str(project), entry_script="train.py", compute_target="sock"))
    assert run.wait_for_completion(raise_on_error=False)["status"] == "Completed", logs(run)
    from jupyter_estimator.core.errors import CapabilityNotAvailable
    with pytest.raises(CapabilityNotAvailable, match=r"no-engine.sock \(the target's base_url\)"):
        exp.submit(Estimator(source_directory=str(project), entry_script="train.py", compute_target="nowhere"))


def test_a_base_dockerfile_that_does_not_build_fails_the_run_with_the_builds_words(docker_ws, project):
    import uuid
    from jupyter_estimator import Environment, Experiment, ScriptRunConfig
    env = Environment.from_dockerfile("broken", f"FROM {TEST_IMAGE}\nRUN echo {uuid.uuid4().hex} && exit 3\n")
    env.python.user_managed_dependencies = True
    project.write("train.py", "print('never runs')\n")
    run = Experiment(docker_ws, "docker-badfile").submit(ScriptRunConfig(str(project), script="train.py",
                                                                          compute_target="local", environment=env))
    details = run.wait_for_completion(raise_on_error=False)
    assert details["status"] == "Failed" and details["error"]["code"] == "ImageBuildFailed"
    assert "base_dockerfile: the build failed" in details["error"]["message"]
    assert "returned a non-zero code: 3" in details["error"]["message"]


def test_the_cli_submits_a_docker_run(docker_ws, project, home):
    import subprocess
    import sys
    project.write("train.py", PROVE_WHERE)
    out = subprocess.run([sys.executable, "-m", "jupyter_estimator.cli", "submit", "train.py", "-d", str(project),
                          "-e", "docker-cli", "--image", TEST_IMAGE, "--user-managed", "--", "--lr", "0.5"],
                         env={**os.environ, "JUPYTER_ESTIMATOR_HOME": str(home), "JUPYTER_ESTIMATOR_NO_SERVER": "1"},
                         capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"marker={MARKER_TEXT}" in out.stdout and "args=--lr 0.5" in out.stdout
    assert "Status: Completed" in out.stdout


def test_the_engine_check_is_remembered_briefly(docker_client, monkeypatch):
    """The form validates on every keystroke: a dead engine is asked once per few seconds, not each time."""
    from jupyter_estimator.runner import docker_engine
    calls = []
    monkeypatch.setattr(docker_engine, "_problems", {})  # nothing remembered from earlier tests
    real = docker_engine.connect
    monkeypatch.setattr(docker_engine, "connect", lambda *a, **k: calls.append(1) or real(*a, **k))
    monkeypatch.setenv("DOCKER_HOST", f"unix:///tmp/jupyter-estimator-gone-{time.time_ns()}.sock")
    first = docker_engine.engine_problem()
    assert first and "DOCKER_HOST" in first
    assert [docker_engine.engine_problem() for _ in range(5)] == [first] * 5 and len(calls) == 1
    monkeypatch.delenv("DOCKER_HOST")  # another address: asked afresh, and this engine answers
    assert docker_engine.engine_problem() is None and len(calls) == 2
