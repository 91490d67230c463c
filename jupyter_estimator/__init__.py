"""jupyter_estimator: submit training scripts from notebooks, watch them live, keep every run.

The public API keeps Azure ML SDK v1's names. Imports are lazy: a training script that does
`from jupyter_estimator import Run` loads the tracking code (standard library only) and nothing
else — no pydantic, no Jupyter, no widgets.
"""

from __future__ import annotations

import importlib
from typing import Any

from ._version import __version__

VERSION = __version__

_EXPORTS: dict[str, str] = {
    "Run": "client.run",
    "Workspace": "client.workspace",
    "Experiment": "client.experiment",
    "Model": "client.model",
    "ComputeTarget": "client.compute",
    "LocalCompute": "client.compute",
    "AmlCompute": "client.compute",
    "DockerCompute": "client.compute",
    "RemoteCompute": "client.compute",
    "Estimator": "core.estimator",
    "PyTorch": "core.estimator",
    "TensorFlow": "core.estimator",
    "Chainer": "core.estimator",
    "SKLearn": "core.estimator",
    "Mpi": "core.estimator",
    "Gloo": "core.estimator",
    "Nccl": "core.estimator",
    "ParameterServer": "core.estimator",
    "ScriptRunConfig": "core.script_run_config",
    "RunConfiguration": "core.run_configuration",
    "DockerConfiguration": "core.run_configuration",
    "MpiConfiguration": "core.run_configuration",
    "PyTorchConfiguration": "core.run_configuration",
    "TensorflowConfiguration": "core.run_configuration",
    "Environment": "core.environment",
    "CondaDependencies": "core.conda_dependencies",
    "RunStatus": "core.status",
    "Tensorboard": "tensorboard",
}

__all__ = ["VERSION", "__version__", *_EXPORTS]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from .server.app import EstimatorApp  # imported only by a Jupyter server, never by scripts
    return [{"module": "jupyter_estimator.server.app", "app": EstimatorApp}]


def load_ipython_extension(ipython: Any) -> None:
    """`%load_ext jupyter_estimator`: registers %%estimator and the line magics."""
    from .magics import load_ipython_extension as load
    load(ipython)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'jupyter_estimator' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
