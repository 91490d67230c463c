"""AML's telemetry switch. jupyter_estimator collects no diagnostics, so this only records the wish."""

_send_diagnostics = False


def set_diagnostics_collection(send_diagnostics: bool = True, **_: object) -> None:
    global _send_diagnostics
    _send_diagnostics = bool(send_diagnostics)
