"""Run statuses with AML's names, and which transitions are legal. Standard library only."""

from __future__ import annotations


class RunStatus:
    NOT_STARTED = "NotStarted"
    QUEUED = "Queued"
    PREPARING = "Preparing"
    STARTING = "Starting"
    RUNNING = "Running"
    FINALIZING = "Finalizing"
    CANCEL_REQUESTED = "CancelRequested"
    COMPLETED = "Completed"
    FAILED = "Failed"
    CANCELED = "Canceled"


TERMINAL_STATUSES = frozenset({RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELED})
ALL_STATUSES = frozenset(v for k, v in vars(RunStatus).items() if not k.startswith("_"))

# Forward order of the happy path; a run never goes back in it.
_ORDER = [
    RunStatus.NOT_STARTED,
    RunStatus.QUEUED,
    RunStatus.PREPARING,
    RunStatus.STARTING,
    RunStatus.RUNNING,
    RunStatus.FINALIZING,
]


def is_terminal(status: str) -> bool:
    return status in TERMINAL_STATUSES


def can_transition(current: str, new: str) -> bool:
    """Terminal states are final; CancelRequested only leads to a terminal state; the happy path only moves forward."""
    if current in TERMINAL_STATUSES:
        return False
    if new in TERMINAL_STATUSES:
        return True
    if current == RunStatus.CANCEL_REQUESTED:
        return False
    if new == RunStatus.CANCEL_REQUESTED:
        return True
    return _ORDER.index(new) > _ORDER.index(current)

SCRIPT_RUN_TYPE = "azureml.scriptrun"  # run_type of a submitted script run (AML's name)
