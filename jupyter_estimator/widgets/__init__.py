"""Notebook widgets: RunDetails (a live run monitor) and EstimatorForm (a submission form).
Imported only by notebooks; the training-script side never loads this package."""

from .run_details import RunDetails, RunDetailsWidget

__all__ = ["RunDetails", "RunDetailsWidget", "EstimatorForm"]


def __getattr__(name: str):
    if name == "EstimatorForm":
        from .form import EstimatorForm
        return EstimatorForm
    raise AttributeError(name)
