"""Shared fixtures: a fresh workspace per test, and helpers to write projects and wait for runs."""

from __future__ import annotations

import os
import sys
import textwrap
import time
from pathlib import Path

import pytest

from jupyter_estimator.store.index import reset_connections

REPO = Path(__file__).resolve().parents[1]
pytest_plugins = ["pytest_jupyter.jupyter_server"]


@pytest.fixture
def home(tmp_path, monkeypatch):
    path = tmp_path / "workspace"
    monkeypatch.setenv("JUPYTER_ESTIMATOR_HOME", str(path))
    yield path
    reset_connections()


@pytest.fixture
def ws(home):
    from jupyter_estimator import Workspace
    return Workspace()


@pytest.fixture
def exp(ws):
    from jupyter_estimator import Experiment
    return Experiment(ws, "tests")


@pytest.fixture
def project(tmp_path):
    """A source directory; `project.write(name, code)` adds a file (code is dedented)."""
    root = tmp_path / "project"
    root.mkdir()

    class Project:
        path = root

        def write(self, name: str, code: str) -> Path:
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(textwrap.dedent(code))
            return target

        def __str__(self) -> str:
            return str(root)

    return Project()


def submit_script(exp, project, script: str, code: str, **config):
    """Write `code` as `script` and submit it with the submitting interpreter (user_managed)."""
    from jupyter_estimator import ScriptRunConfig, Environment
    project.write(script, code)
    env = Environment("test-env")
    env.python.user_managed_dependencies = True
    arguments = config.pop("arguments", None)
    src = ScriptRunConfig(str(project), script=script, arguments=arguments, environment=env, **config)
    return exp.submit(src)


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.05, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")


def read_log(run) -> str:
    path = Path(run.path) / "user_logs" / "std_log.txt"
    return path.read_text() if path.exists() else ""


def python_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["JUPYTER_ESTIMATOR_HOME"] = str(home)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


PYTHON = sys.executable
