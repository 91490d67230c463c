"""Name rules shared by the SDK and the REST request model (standard library only: scripts import this)."""

from __future__ import annotations

import re

EXPERIMENT_NAME = re.compile(r"^[a-zA-Z0-9][\w\-]{0,254}$")
EXPERIMENT_NAME_RULE = "experiment names start with a letter or digit and hold only letters, digits, '_' and '-' (at most 255)"
