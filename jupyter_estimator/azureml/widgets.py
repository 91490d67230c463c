"""azureml.widgets.RunDetails: the live notebook monitor arrives with the notebook-experience version.
Until then `RunDetails(run).show()` streams the run's log as text, which is still useful in any frontend."""

from __future__ import annotations

from typing import Any


class RunDetails:
    def __init__(self, run_instance: Any) -> None:
        self.run = run_instance

    def show(self) -> None:
        self.run.wait_for_completion(show_output=True, raise_on_error=False)

    def get_widget_data(self) -> dict[str, Any]:
        return {"status": self.run.get_status(), "metrics": self.run.get_metrics()}
