"""The error hierarchy. Standard library only: training scripts raise these too.

Every user-facing message names the field, the bad value and the fix, so a notebook user can
correct the call without reading our source. AML v1 exception names are kept as classes.
"""

from __future__ import annotations

from typing import Any


class EstimatorError(Exception):
    """Base of every error this package raises on purpose; `field` names the offending argument, if any."""

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class UserErrorException(EstimatorError, ValueError):
    """The caller passed something invalid. Nothing was created or changed."""


def invalid(field: str, value: Any, problem: str, fix: str, cls: type[EstimatorError] | None = None) -> EstimatorError:
    """Build a user error whose text reads: `field`: problem (got value). Fix: fix."""
    shown = repr(value)
    if len(shown) > 120:
        shown = shown[:117] + "..."
    exc_cls = cls or UserErrorException
    return exc_cls(f"{field}: {problem} (got {shown}). Fix: {fix}", field=field)


class TrainingException(UserErrorException):
    """AML's estimator validation error."""


class RunConfigurationException(UserErrorException):
    """AML's run-configuration validation error."""


class SnapshotException(UserErrorException):
    """The source directory cannot be snapshotted as asked."""


class CapabilityNotAvailable(UserErrorException):
    """The configuration asks for something this installation cannot do (yet)."""


class ComputeTargetException(EstimatorError, LookupError):
    """A compute target is missing or invalid."""


class ExperimentExecutionException(EstimatorError):
    """Submitting or following a run failed for a reason outside the script."""


class ActivityFailedException(EstimatorError):
    """The run ended Failed; `error_details` holds the recorded error."""

    def __init__(self, message: str, error_details: dict | None = None) -> None:
        super().__init__(message, field=None)
        self.error_details = error_details or {}


class RunNotFoundException(EstimatorError, LookupError):
    """No run with that id exists in the workspace."""


class WebserviceException(EstimatorError):
    """AML's model-registry error (kept for ported `except WebserviceException`)."""


class ModelNotFoundException(WebserviceException, LookupError):
    """No registered model matches."""


class ModelPathNotFoundException(UserErrorException):
    """register_model was given a path that the run does not hold."""


class EnvironmentBuildError(EstimatorError):
    """Building the run's Python environment failed; the message carries the installer's output."""


class StoreError(EstimatorError):
    """The workspace store is unreadable or from an incompatible version."""


class IndexDamaged(StoreError):
    """The workspace's SQLite index cannot be read; the run folders (the truth) are untouched."""

    def __init__(self, path: object, problem: object) -> None:
        super().__init__(
            f"workspace index {path} is damaged ({problem}). Runs, metrics and models are safe in their folders. "
            "Fix: run `jupyter estimator rebuild-index` (it moves the damaged file aside and rebuilds the index "
            "from the run folders).", field="index")
        self.path = path


class NoSpaceLeft(StoreError):
    """A write into the workspace failed because its disk is full; nothing half-made was left behind."""

    def __init__(self, path: object, what: str) -> None:
        super().__init__(f"No space left on the disk holding {path}: {what}. Fix: free space there (old run folders "
                         "under runs/ can go — then run `jupyter estimator rebuild-index`; environments under envs/ are "
                         "rebuilt when needed), then try again.", field="workspace")
        self.path = path
