"""`DockerConfiguration.arguments` / `environment.docker.arguments`: the `docker run` options a run may add.

AML passed these to `docker run` verbatim. Here they become Docker SDK settings, so only options with a
clear meaning for one container are accepted; anything else is refused at submit with the list of what is
(never passed to a shell, never able to make a container privileged or reach the host's namespaces).
"""

from __future__ import annotations

from typing import Any

from .errors import invalid

# option → (SDK keyword, takes a value)
_OPTIONS: dict[str, str] = {"--cpus": "nano_cpus", "--memory": "mem_limit", "-m": "mem_limit", "--env": "environment",
                            "-e": "environment", "--ipc": "ipc_mode", "--ulimit": "ulimits", "--shm-size": "shm_size",
                            "--cpuset-cpus": "cpuset_cpus", "--pids-limit": "pids_limit"}
_IPC_MODES = ("private", "shareable", "none")  # never "host": the host's shared memory is not a run's


def docker_run_options(arguments: list[str], field: str = "docker.arguments") -> dict[str, Any]:
    """The SDK keywords for `arguments` (e.g. ['--cpus', '2', '-e', 'A=1']); a clear error for anything else."""
    if not isinstance(arguments, list) or not all(isinstance(a, str) for a in arguments):
        raise invalid(field, arguments, "must be a list of strings", "pass e.g. ['--cpus', '2']")
    options: dict[str, Any] = {}
    items = list(arguments)
    while items:
        token = items.pop(0)
        name, sep, value = token.partition("=")
        if name not in _OPTIONS:
            raise invalid(field, token, f"is not a docker run option this target accepts (accepted: {sorted(_OPTIONS)})",
                          "drop it, or use the Estimator's own settings (shm_size, use_gpu, environment_variables)")
        if not sep:
            if not items:
                raise invalid(field, token, "needs a value", f"pass e.g. ['{name}', 'VALUE']")
            value = items.pop(0)
        _apply(options, _OPTIONS[name], name, value, field)
    return options


def _apply(options: dict[str, Any], keyword: str, name: str, value: str, field: str) -> None:
    if keyword == "nano_cpus":
        try:
            options[keyword] = int(float(value) * 1e9)
        except ValueError:
            raise invalid(field, value, f"{name} takes a number of CPUs", f"pass e.g. ['{name}', '2']") from None
    elif keyword == "environment":
        key, has_value, text = value.partition("=")
        if not key or not has_value:
            raise invalid(field, value, f"{name} takes NAME=VALUE", f"pass e.g. ['{name}', 'OMP_NUM_THREADS=2']")
        options.setdefault("environment", {})[key] = text
    elif keyword == "ipc_mode":
        if value not in _IPC_MODES:
            raise invalid(field, value, f"{name} must be one of {list(_IPC_MODES)}", "use shm_size for more shared memory")
        options[keyword] = value
    elif keyword == "ulimits":
        limit_name, _, limits = value.partition("=")
        soft, _, hard = limits.partition(":")
        try:
            options.setdefault("ulimits", []).append({"Name": limit_name, "Soft": int(soft), "Hard": int(hard or soft)})
        except ValueError:
            raise invalid(field, value, f"{name} takes NAME=SOFT[:HARD]", f"pass e.g. ['{name}', 'nofile=1024:2048']") from None
    elif keyword == "pids_limit":
        try:
            options[keyword] = int(value)
        except ValueError:
            raise invalid(field, value, f"{name} takes a whole number", f"pass e.g. ['{name}', '512']") from None
    else:
        options[keyword] = value
