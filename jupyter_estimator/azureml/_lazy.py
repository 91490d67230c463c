"""Module-level lazy re-exports, so `from jupyter_estimator.azureml.core import Run` in a training
script loads only what it names."""

from __future__ import annotations

import importlib
from typing import Any, Callable


def lazy_module(package: str, exports: dict[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    def __getattr__(name: str) -> Any:
        target = exports.get(name)
        if target is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module_name, _, attribute = target.partition(":")
        return getattr(importlib.import_module(module_name), attribute or name)

    def __dir__() -> list[str]:
        return sorted(exports)

    return __getattr__, __dir__
