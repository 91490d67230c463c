"""Building (or reusing) the Python environment a run executes in.

An environment is identified by its spec's hash; `<workspace>/envs/<hash>/` holds it and a
`.ready` marker. Builds of one hash are serialised with a file lock, so concurrent runs with the
same spec share a single build and a cache hit costs a stat. Packages are installed with uv;
conda packages with conda/mamba/micromamba when one is on PATH, else from PyPI by name map.
Standard library only: this runs inside the detached supervisor.
"""

from __future__ import annotations

import collections
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

from ..core.conda_map import NoPyPIEquivalent, conda_to_pypi
from ..core.errors import EnvironmentBuildError
from ..store.locks import exclusive
from .wheel_plan import plan_install, uv_compiler

READY = ".ready"
CONDA_TOOLS = ("micromamba", "mamba", "conda")


def environment_python(env_dir: Path) -> Path:
    return env_dir / "bin" / "python"


def cached_interpreter(envs_dir: Path, env_hash: str) -> Path | None:
    """The interpreter of an already built environment, or None: the whole cost of a cache hit."""
    env_dir = envs_dir / env_hash
    return environment_python(env_dir) if (env_dir / READY).exists() else None


def ensure_environment(store: Any, spec: Any, log: IO[str] | None, env_hash: str | None = None) -> str:
    """Return the interpreter for `spec` (dict or EnvironmentSpec), building it first if needed."""
    if hasattr(spec, "model_dump"):
        env_hash = env_hash or spec.content_hash()
        spec = spec.model_dump()
    if spec["user_managed"]:
        _say(log, f"user_managed=True: running with {spec['interpreter']} as it is; nothing installed.")
        return spec["interpreter"]
    assert env_hash, "a built environment needs its hash"
    envs_dir: Path = store.envs_dir
    hit = cached_interpreter(envs_dir, env_hash)
    if hit is not None:
        _say(log, f"Environment {env_hash} is cached; reusing it.")
        return str(hit)
    with exclusive(envs_dir / f"{env_hash}.lock"):
        hit = cached_interpreter(envs_dir, env_hash)  # another run may have built it while we waited
        if hit is not None:
            _say(log, f"Environment {env_hash} was built by another run; reusing it.")
            return str(hit)
        env_dir = envs_dir / env_hash
        if env_dir.exists():
            shutil.rmtree(env_dir)  # a build that died half-way
        started = time.monotonic()
        try:
            build_into(env_dir, spec, log)
        except BaseException:
            shutil.rmtree(env_dir, ignore_errors=True)
            raise
        (env_dir / READY).write_text(json.dumps({"spec": spec, "built": time.time()}, indent=1))
        _say(log, f"Environment {env_hash} built in {time.monotonic() - started:.1f} s.")
        return str(environment_python(env_dir))


def build_into(env_dir: Path, spec: dict[str, Any], log: IO[str] | None) -> None:
    """Create the environment at `env_dir` (here, or inside a build container for a Docker run)."""
    uv = find_uv()
    conda_tool = next((t for t in CONDA_TOOLS if shutil.which(t)), None) if spec["conda"] else None
    pip = list(spec["pip"])
    if conda_tool:
        python = f"python={spec['python_version']}" if spec["python_version"] else f"python={_version_of(spec['interpreter'])}"
        channels = [arg for channel in spec["channels"] for arg in ("-c", channel)]
        _run([conda_tool, "create", "--yes", "--prefix", str(env_dir), *channels, python, *spec["conda"]], log)
    else:
        for package in spec["conda"]:
            try:
                mapped = conda_to_pypi(package)
            except NoPyPIEquivalent:
                raise EnvironmentBuildError(
                    f"conda_packages: {package!r} has no PyPI equivalent and no conda/mamba/micromamba is on PATH. "
                    "Fix: install micromamba, or drop the package / replace it with a pip package.") from None
            if mapped:
                pip.append(mapped)
        if spec["conda"]:
            _say(log, f"WARNING: no conda, mamba or micromamba on PATH; installing conda packages {spec['conda']} "
                      "from PyPI by name map instead.")
        python = spec["python_version"] or spec["interpreter"]
        _run([uv, "venv", "--quiet", "--seed", "--python", python, str(env_dir)], log)
    if pip:
        _install_pip(uv, str(environment_python(env_dir)), pip, spec, log)


def _install_pip(uv: str, python: str, pip: list[str], spec: dict[str, Any], log: IO[str] | None) -> None:
    options = [part for option in spec["pip_options"] for part in shlex.split(option)]
    source_builds = bool(spec.get("source_builds"))
    policy = spec.get("pin_policy") or "relax"
    python_version = _version_of(python)
    _say(log, f"Resolving {len(pip)} pip package(s) for Python {python_version} "
              f"({'source builds allowed' if source_builds else 'wheels only'}, pins: {policy}).")
    plan, relaxed = plan_install(uv_compiler(uv, python, options, source_builds, _uv_env()), pip,
                                 pin_policy=policy, source_builds=source_builds, python_version=python_version)
    install = [uv, "pip", "install", "--python", python, *([] if source_builds else ["--no-build"]), *options]
    _run([*install, *plan], log)
    # Old releases' metadata may not know a newer dependency breaks them (e.g. built against numpy 1): a moved
    # pin must import, else it goes to the newest release that resolves instead.
    broken = [(pin, error) for pin in relaxed if (error := _import_error(python, pin.name))]
    if broken:
        for pin, error in broken:
            _say(log, f"{pin.name}=={pin.chosen} does not import beside the other packages ({error}); "
                      f"trying {pin.name}=={pin.newest}.")
        relaxed = [pin._replace(chosen=pin.newest, why=f"the newest release that resolves ({pin.name}=={pin.chosen}, "
                                                       "the nearest, does not import)")
                   if any(pin is b for b, _ in broken) else pin for pin in relaxed]
        _run([*install, *[pin.requirement(pip[pin.index]) for pin in relaxed]], log)
    for pin in relaxed:
        _say(log, pin.warning(python_version))


def _import_error(python: str, distribution: str) -> str | None:
    """None when the distribution's top-level modules import in the environment, else the error's last line."""
    code = ("import importlib, importlib.metadata as md, sys\n"
            "d = md.distribution(sys.argv[1])\n"
            "tops = (d.read_text('top_level.txt') or '').split() or sorted({str(f).split('/')[0].removesuffix('.py') "
            "for f in (d.files or []) if '.dist-info' not in str(f) and not str(f).startswith('..') "
            "and (str(f).endswith('.py') or '/' in str(f))})\n"
            "[importlib.import_module(t) for t in tops if t.isidentifier() and not t.startswith('_')]\n")
    proc = subprocess.run([python, "-c", code, distribution], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if proc.returncode == 0:
        return None
    lines = [line for line in proc.stderr.strip().splitlines() if line.strip()]
    return lines[-1] if lines else f"exit {proc.returncode}"


def find_uv() -> str:
    if os.environ.get("JUPYTER_ESTIMATOR_UV"):  # a build container has the host's uv mounted in
        return os.environ["JUPYTER_ESTIMATOR_UV"]
    try:
        import uv  # the `uv` package ships the binary beside the Python module
        return uv.find_uv_bin()
    except (ImportError, FileNotFoundError):
        pass
    candidate = Path(sys.executable).parent / "uv"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("uv")
    if not found:
        raise EnvironmentBuildError("environment: uv is needed to build environments and was not found. "
                                    "Fix: pip install uv, or set user_managed=True.")
    return found


def _version_of(interpreter: str) -> str:
    out = subprocess.run([interpreter, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def _uv_env() -> dict[str, str]:
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", "UV_NO_PROGRESS": "1", "NO_COLOR": "1"}
    env.pop("VIRTUAL_ENV", None)
    return env


def _run(argv: list[str], log: IO[str] | None) -> None:
    """Run an installer, its output going into the build log line by line as it comes (a long install shows progress)."""
    _say(log, "$ " + " ".join(shlex.quote(a) for a in argv))
    tail: collections.deque[str] = collections.deque(maxlen=15)
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_uv_env(),
                            stdin=subprocess.DEVNULL, bufsize=1, errors="replace")
    assert proc.stdout is not None
    with proc:
        for line in proc.stdout:
            line = line.rstrip("\n")
            tail.append(line)
            _say(log, line)
    if proc.returncode != 0:
        raise EnvironmentBuildError(f"environment: `{Path(argv[0]).name} {argv[1]}` failed (exit {proc.returncode}):\n"
                                    + "\n".join(tail))


def _say(log: IO[str] | None, text: str) -> None:
    if log is not None and text:
        log.write(text + "\n")
        log.flush()
