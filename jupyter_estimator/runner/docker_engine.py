"""Finding and talking to a Docker engine, the way the Docker CLI finds it.

A target's `base_url` wins; otherwise DOCKER_HOST (unix://, tcp:// with DOCKER_TLS_VERIFY/DOCKER_CERT_PATH,
ssh:// through the ssh client), else the current Docker context, else the default socket. Every failure
becomes a message naming the engine that was tried and how to fix it. The Docker SDK is imported here
only, when a Docker run or check needs it.
"""

from __future__ import annotations

import os
import time
from typing import Any

from ..core.errors import EnvironmentBuildError

PING_TIMEOUT = 3.0
PROBLEM_TTL = 5.0
_problems: dict[tuple[str, str], tuple[float, str | None]] = {}


class EngineUnavailable(EnvironmentBuildError):
    """No Docker engine answered where this target looks for one."""


def engine_address(config: dict[str, Any] | None = None) -> str:
    """Where the engine is looked for, in words (for messages)."""
    config = config or {}
    if config.get("base_url"):
        return f"{config['base_url']} (the target's base_url)"
    if os.environ.get("DOCKER_HOST"):
        return f"{os.environ['DOCKER_HOST']} (DOCKER_HOST)"
    context_host = _context_host()
    if context_host:
        return f"{context_host} (the current Docker context)"
    return "unix:///var/run/docker.sock (the default socket)"


def connect(config: dict[str, Any] | None = None, timeout: float = 60.0) -> Any:
    """A DockerClient for the target's engine, checked with a ping; EngineUnavailable when none answers."""
    try:
        import docker
    except ImportError:
        raise EngineUnavailable("docker: the Docker SDK for Python is not installed. Fix: pip install docker") from None
    config = config or {}
    base_url = config.get("base_url") or (None if os.environ.get("DOCKER_HOST") else _context_host())
    try:
        if base_url:
            tls = _tls_config(config) if base_url.startswith("tcp://") else None
            client = docker.DockerClient(base_url=base_url, tls=tls or False, timeout=int(timeout),
                                         use_ssh_client=base_url.startswith("ssh://"))
        else:
            client = docker.from_env(timeout=int(timeout))
        _ping(client)
        return client
    except EngineUnavailable:
        raise
    except Exception as exc:  # the SDK raises DockerException, requests' errors or OSError by case
        raise EngineUnavailable(
            f"docker: no Docker engine answered at {engine_address(config)}: {_short(exc)}. "
            "Fix: start Docker (e.g. `sudo dockerd` or `systemctl start docker`), or point DOCKER_HOST / the "
            "target's base_url at a running engine.") from None


def engine_problem(config: dict[str, Any] | None = None) -> str | None:
    """None when an engine answers within PING_TIMEOUT, else why not (shown by the form, the CLI and the API).

    Remembered for PROBLEM_TTL seconds per engine address: the form validates on every keystroke, and a dead
    remote engine would otherwise cost up to PING_TIMEOUT each time."""
    key = (engine_address(config), repr(sorted((config or {}).items())))
    now = time.monotonic()
    cached = _problems.get(key)
    if cached is not None and now - cached[0] < PROBLEM_TTL:
        return cached[1]
    try:
        connect(config, timeout=PING_TIMEOUT).close()
        problem = None
    except EngineUnavailable as exc:
        problem = str(exc)
    _problems[key] = (time.monotonic(), problem)
    return problem


def gpu_runtime(client: Any) -> bool:
    """Whether the engine can hand GPUs to containers (the NVIDIA runtime or CDI devices are configured)."""
    info = client.info()
    return "nvidia" in (info.get("Runtimes") or {}) or bool(info.get("CDISpecDirs")) and bool(info.get("DiscoveredDevices"))


def _ping(client: Any) -> None:
    if not client.ping():
        raise EngineUnavailable("docker: the engine did not answer the ping")


def _tls_config(config: dict[str, Any]) -> Any:
    import docker
    cert_path = config.get("cert_path") or os.environ.get("DOCKER_CERT_PATH")
    verify = config.get("tls_verify", os.environ.get("DOCKER_TLS_VERIFY", "") not in ("", "0"))
    if not cert_path and not verify:
        return None
    files = {name: os.path.join(cert_path, f"{name}.pem") for name in ("ca", "cert", "key")} if cert_path else {}
    return docker.tls.TLSConfig(client_cert=(files["cert"], files["key"]) if files else None,
                                ca_cert=files.get("ca") if verify else None, verify=bool(verify))


def _context_host() -> str | None:
    """The current Docker context's engine, when one other than the default is selected."""
    try:
        from docker.context import ContextAPI
        context = ContextAPI.get_current_context()
    except Exception:  # no SDK, no config, a damaged context store: fall back to the default socket
        return None
    if context is None or context.name == "default":
        return None
    return context.Host


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) < 300 else text[:300] + "…"
