"""The images a Docker run starts from: its base image (pulled or built from a Dockerfile) and, unless the
environment is user-managed, one derived *environment image* per (base image, environment spec).

An environment image is built without `docker build`: a throw-away container from the base image runs this
package's own environment builder (runner/build_environment_main.py) with the host's `uv` binary mounted in,
then is committed. So nothing needs to be installed in the user's image first, and the host's CA bundle and
package-index settings reach the build as mounts and environment variables that the commit leaves behind
(the image keeps the base image's own environment and command). Images are tagged by a key of the spec and
the base image's id, and labelled, so a second run finds its image with one lookup and builds nothing.
"""

from __future__ import annotations

import collections
import hashlib
import io
import json
import os
import tempfile
import time
from pathlib import Path
from typing import IO, Any

from ..core.environment import DEFAULT_CPU_IMAGE, DEFAULT_GPU_IMAGE
from ..core.errors import EnvironmentBuildError
from ..store.locks import exclusive
from .environments import find_uv

ENV_REPOSITORY = "jupyter-estimator/env"
DOCKERFILE_REPOSITORY = "jupyter-estimator/base"
LABEL_ENV = "jupyter_estimator.environment"
LABEL_BASE = "jupyter_estimator.base_image"
LABEL_PYTHON = "jupyter_estimator.python"
ENV_PREFIX = "/opt/jupyter-estimator-env"  # where the environment lives inside the image
PACKAGE_MOUNT = "/opt/jupyter-estimator"  # this package, mounted read-only (PYTHONPATH)
# A build's tools (this package, uv, the CA bundle, the spec) are mounted inside its /tmp, a tmpfs: neither they nor
# their mount points are in the committed image.
TOOLS_MOUNT = "/tmp/jupyter-estimator-build"
DEFAULT_LOCAL_IMAGE = "python:3.11-slim"
_FORWARDED = ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "UV_INDEX_URL", "UV_EXTRA_INDEX_URL", "UV_DEFAULT_INDEX", "UV_INDEX",
              "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy", "PIP_DEFAULT_TIMEOUT")


def is_aml_default(image: str | None) -> bool:
    return not image or image in (DEFAULT_CPU_IMAGE, DEFAULT_GPU_IMAGE) or image.startswith("mcr.microsoft.com/azureml/")


def base_image_name(docker_spec: dict[str, Any], settings: dict[str, Any]) -> str:
    """The image named by the run; AML's default images map to the workspace's local default image."""
    image = docker_spec.get("base_image")
    if is_aml_default(image):
        return settings.get("docker_default_image") or DEFAULT_LOCAL_IMAGE
    return image


def package_dir() -> Path:
    return Path(__file__).resolve().parents[1]


def ensure_base_image(client: Any, store: Any, docker_spec: dict[str, Any], settings: dict[str, Any], log: IO[str]) -> str:
    """The base image's name, pulled or built first when it is not on the engine."""
    if docker_spec.get("base_dockerfile"):
        dockerfile = docker_spec["base_dockerfile"]
        tag = f"{DOCKERFILE_REPOSITORY}:{hashlib.sha256(dockerfile.encode()).hexdigest()[:16]}"
        if not _has_image(client, tag):
            with exclusive(store.envs_dir / f"docker-{tag.split(':')[1]}.lock"):  # concurrent runs build it once
                _ensure_dockerfile_image(client, dockerfile, tag, log)
        else:
            _say(log, f"Image {tag} (built from base_dockerfile) is cached; reusing it.")
        return tag
    name = base_image_name(docker_spec, settings)
    if docker_spec.get("base_image") != name:
        _say(log, f"Image {docker_spec.get('base_image') or 'default'} is Azure ML's default; using the local default "
                  f"image {name} (workspace setting docker_default_image).")
    _ensure_present(client, name, docker_spec.get("registry") or {}, log)
    return name


def _ensure_present(client: Any, name: str, registry: dict[str, Any], log: IO[str]) -> None:
    import docker
    try:
        client.images.get(name)
        _say(log, f"Image {name} is on the engine.")
        return
    except docker.errors.ImageNotFound:
        pass
    _say(log, f"Image {name} is not on the engine; pulling it.")
    auth = {"username": registry["username"], "password": registry.get("password") or ""} \
        if registry.get("username") else None
    repository, tag = _split_tag(name)
    try:
        last: dict[str, str] = {}
        for event in client.api.pull(repository, tag=tag, stream=True, decode=True, auth_config=auth):
            if "error" in event:
                raise docker.errors.APIError(event["error"])
            key, status = event.get("id", ""), event.get("status", "")
            if status and last.get(key) != status:  # one line per layer and phase, not every progress tick
                last[key] = status
                _say(log, f"  {key + ': ' if key else ''}{status}")
        client.images.get(name)
    except Exception as exc:
        raise EnvironmentBuildError(
            f"image: {name} was not found on the engine and could not be pulled ({_short(exc)}). Tried: the engine's "
            f"local images, then a pull from {repository.split('/')[0] if '.' in repository.split('/')[0] else 'Docker Hub'}. "
            f"Fix: `docker pull {name}` or `docker load` it where the registry is reachable, give registry credentials "
            "(ContainerRegistry), or pick an image the engine has (`docker images`).") from None


def _ensure_dockerfile_image(client: Any, dockerfile: str, tag: str, log: IO[str]) -> None:
    if _has_image(client, tag):
        _say(log, f"Image {tag} (built from base_dockerfile) was built by another run; reusing it.")
        return
    _say(log, f"Building {tag} from base_dockerfile.")
    tail: collections.deque[str] = collections.deque(maxlen=15)
    try:
        for event in client.api.build(fileobj=io.BytesIO(dockerfile.encode()), tag=tag, rm=True, forcerm=True, decode=True):
            if "error" in event:
                raise EnvironmentBuildError(f"base_dockerfile: the build failed: {event['error'].strip()}\n" + "\n".join(tail))
            for line in (event.get("stream") or event.get("status") or "").splitlines():
                if line.strip():
                    tail.append(line)
                    _say(log, line)
    except EnvironmentBuildError:
        raise
    except Exception as exc:
        raise EnvironmentBuildError(f"base_dockerfile: the build failed: {_short(exc)}. Fix: check the Dockerfile "
                                    "(`docker build -` with it shows the same).") from None


def environment_image(client: Any, store: Any, base: str, spec: dict[str, Any], settings: dict[str, Any],
                      log: IO[str]) -> tuple[str, str]:
    """(image, python) for the run: the base image itself when user-managed, else its environment image."""
    if spec["user_managed"]:
        _say(log, "user_managed=True: running with the image's own python3 as it is; nothing installed.")
        return base, "python3"
    key = environment_key(client.images.get(base).id, spec)
    tag = f"{ENV_REPOSITORY}:{key}"
    python = f"{ENV_PREFIX}/bin/python"
    if _has_image(client, tag):
        _say(log, f"Environment image {tag} is cached; reusing it.")
    else:
        with exclusive(store.envs_dir / f"docker-{key}.lock"):
            if _has_image(client, tag):
                _say(log, f"Environment image {tag} was built by another run; reusing it.")
            else:
                started = time.monotonic()
                _build_environment_image(client, base, tag, spec, settings, log)
                _say(log, f"Environment image {tag} built in {time.monotonic() - started:.1f} s.")
    record_use(store, key, tag, base)
    return tag, python


def environment_key(base_id: str, spec: dict[str, Any]) -> str:
    """Same packages on the same base image (by content) → same environment image."""
    key = {"builder": 3, "base": base_id, "python": spec.get("python_version"), "pip": sorted(spec["pip"]),
           "pip_options": sorted(spec["pip_options"]), "conda": sorted(spec["conda"]), "channels": spec["channels"],
           "source_builds": bool(spec.get("source_builds")), "pin_policy": spec.get("pin_policy") or "relax"}
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:24]


def _build_environment_image(client: Any, base: str, tag: str, spec: dict[str, Any], settings: dict[str, Any],
                             log: IO[str]) -> None:
    from docker.types import Mount
    base_config = client.images.get(base).attrs.get("Config") or {}
    with tempfile.TemporaryDirectory(prefix="jest-build-") as scratch:
        mounts = [Mount(f"{TOOLS_MOUNT}/package/jupyter_estimator", str(package_dir()), type="bind", read_only=True),
                  Mount(f"{TOOLS_MOUNT}/spec", scratch, type="bind", read_only=True),
                  Mount(f"{TOOLS_MOUNT}/uv", find_uv(), type="bind", read_only=True)]
        environment = {"JUPYTER_ESTIMATOR_UV": f"{TOOLS_MOUNT}/uv", "HOME": "/tmp", "UV_CACHE_DIR": "/tmp/uv-cache",
                       "UV_LINK_MODE": "copy", "PYTHONDONTWRITEBYTECODE": "1"}
        if settings.get("docker_build_host_settings", True):
            extra_mounts, extra_env = host_network_settings()
            mounts += extra_mounts
            environment.update(extra_env)
        # The build's variables travel in a mounted file, not the container's config: a commit keeps the config.
        (Path(scratch) / "spec.json").write_text(json.dumps({**spec, "interpreter": "python3"}))
        (Path(scratch) / "environment.json").write_text(json.dumps(environment))
        os.chmod(scratch, 0o755)
        container = client.containers.create(
            base, command=["python3", "-c", _BUILD_ENTRY, f"{TOOLS_MOUNT}/spec", ENV_PREFIX],
            entrypoint=[], user="0:0", working_dir="/", mounts=mounts, tmpfs={"/tmp": "exec"},
            labels={LABEL_ENV: tag.split(":")[-1], "jupyter_estimator.role": "environment-build"})
        try:
            container.start()
            tail: collections.deque[str] = collections.deque(maxlen=20)
            pending = b""
            for chunk in container.logs(stream=True, follow=True):
                lines = (pending + chunk).split(b"\n")
                pending = lines.pop()
                for line in lines:
                    text = line.decode("utf-8", errors="replace")
                    tail.append(text)
                    _say(log, text)
            if pending:
                tail.append(pending.decode("utf-8", errors="replace"))
                _say(log, tail[-1])
            code = container.wait().get("StatusCode", 1)
            if code != 0:
                message = next((t for t in reversed(tail) if t.startswith("environment:")), None)
                raise EnvironmentBuildError(message or (f"environment: building the environment image on {base} failed "
                                                        f"(exit {code}):\n" + "\n".join(tail)))
            # The committed image keeps the base image's settings: nothing of the build's environment (index URLs,
            # proxies, the CA path) stays in it, and the mounted files were never in its layers.
            container.commit(repository=tag.split(":")[0], tag=tag.split(":")[1], conf={
                "Env": base_config.get("Env") or [], "Cmd": base_config.get("Cmd"),
                "Entrypoint": base_config.get("Entrypoint"), "WorkingDir": base_config.get("WorkingDir") or "",
                "User": base_config.get("User") or "",
                "Labels": {**(base_config.get("Labels") or {}), LABEL_ENV: tag.split(":")[1], LABEL_BASE: base,
                           LABEL_PYTHON: f"{ENV_PREFIX}/bin/python"}})
        finally:
            container.remove(force=True)


_BUILD_ENTRY = (f"import sys; sys.path.insert(0, {TOOLS_MOUNT + '/package'!r}); "
                "from jupyter_estimator.runner.build_environment_main import main; sys.exit(main(sys.argv[1:]))")


def host_network_settings() -> tuple[list[Any], dict[str, str]]:
    """The host's CA bundle (mounted read-only) and package-index/proxy variables, for builds behind a proxy or
    a private CA. Index URLs that are local paths (file://) cannot be reached from a container and are left out."""
    from docker.types import Mount
    mounts, env = [], {}
    bundle = next((p for p in (os.environ.get("SSL_CERT_FILE"), os.environ.get("REQUESTS_CA_BUNDLE"),
                               "/etc/ssl/certs/ca-certificates.crt") if p and os.path.isfile(p)), None)
    if bundle:
        mounts.append(Mount(f"{TOOLS_MOUNT}/ca.crt", os.path.realpath(bundle), type="bind", read_only=True))
        env.update({"SSL_CERT_FILE": f"{TOOLS_MOUNT}/ca.crt", "PIP_CERT": f"{TOOLS_MOUNT}/ca.crt",
                    "REQUESTS_CA_BUNDLE": f"{TOOLS_MOUNT}/ca.crt"})
    for name in _FORWARDED:
        value = os.environ.get(name)
        if value and "file://" not in value:
            env[name] = value
    return mounts, env


def record_use(store: Any, key: str, tag: str, base: str) -> None:
    """When each environment image was last used (for `jupyter estimator images` and --prune)."""
    folder = store.envs_dir / "docker"
    folder.mkdir(exist_ok=True)
    path = folder / f"{key}.json"
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        record = {"image": tag, "base": base, "built": time.time()}
    record["last_used"] = time.time()
    path.write_text(json.dumps(record))


def _has_image(client: Any, tag: str) -> bool:
    import docker
    try:
        client.images.get(tag)
        return True
    except docker.errors.ImageNotFound:
        return False


def _split_tag(name: str) -> tuple[str, str]:
    if "@" in name:
        return name, None  # a digest names the image exactly
    repository, _, tag = name.rpartition(":")
    if not repository or "/" in tag:
        return name, "latest"
    return repository, tag


def _say(log: IO[str] | None, text: str) -> None:
    if log is not None:
        log.write(text + "\n")
        log.flush()


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) < 400 else text[:400] + "…"
