"""How an exception becomes an HTTP answer: one table, typed errors carry their status, the rest is a 500.

A server bug (a ValueError, a KeyError deep in the code) must look like one — a logged 500 — not like
a client mistake; only the project's own errors, pydantic's validation of a request, a busy index and a
full disk are answered with a 4xx/5xx JSON body that names the field and the fix.
"""

from __future__ import annotations

import errno
import sqlite3
from typing import Any

from pydantic import ValidationError

from ..core.errors import (ComputeTargetException, EstimatorError, ModelNotFoundException, NoSpaceLeft,
                           RunNotFoundException, StoreError)
from ..service.views import Conflict

# (exception type, status, default field); the first match wins, so the more specific come first
STATUS_TABLE: list[tuple[Any, int, str | None]] = [
    (Conflict, 409, None),
    ((RunNotFoundException, ModelNotFoundException), 404, None),
    (ComputeTargetException, 400, "compute_target"),
    (NoSpaceLeft, 507, "workspace"),
    (StoreError, 503, "index"),
    (EstimatorError, 400, None),
]
BUSY_MESSAGE = ("The workspace index is busy: another process has held its write lock for longer than this server "
                "waits. Fix: retry in a moment; if it persists, look for a process stuck writing to the workspace.")


def status_for(exc: BaseException) -> tuple[int | None, str | None]:
    """(HTTP status, field) for an error we answer ourselves; (None, None) for anything else (a logged 500)."""
    field = getattr(exc, "field", None)
    if isinstance(exc, ValidationError):
        errors = exc.errors()
        return 400, ".".join(str(p) for p in errors[0]["loc"]) if errors else None
    if isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc)):
        return 503, "index"
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return 507, "workspace"
    for kind, status, default_field in STATUS_TABLE:
        if isinstance(exc, kind):
            return status, field or default_field
    return None, None


def message_for(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return str(NoSpaceLeft(exc.filename or "the workspace", "the request could not be completed"))
    if isinstance(exc, sqlite3.OperationalError):
        return BUSY_MESSAGE
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()[:5]) + \
            ". Fix: see the request schema in openapi.yaml."
    return str(exc)
