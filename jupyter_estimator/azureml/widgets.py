"""azureml.widgets.RunDetails: the live run monitor (an anywidget)."""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "RunDetails":
        from ..widgets.run_details import RunDetails
        return RunDetails
    raise AttributeError(name)
