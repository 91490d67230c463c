"""What the SDK can tell about the notebook it runs in (shared by the magics and the form)."""

from __future__ import annotations

import os
import re
from pathlib import Path


def notebook_experiment_name() -> str:
    """The notebook's file name (Jupyter sets JPY_SESSION_NAME; VS Code sets __vsc_ipynb_file__), as an experiment name."""
    path = os.environ.get("JPY_SESSION_NAME", "")
    try:
        from IPython import get_ipython
        shell = get_ipython()
        path = shell.user_ns.get("__vsc_ipynb_file__", path) if shell else path
    except ImportError:
        pass
    stem = Path(path).stem if path else "notebook"
    name = re.sub(r"[^\w\-]", "-", stem).lstrip("-_") or "notebook"
    return name[:255]
