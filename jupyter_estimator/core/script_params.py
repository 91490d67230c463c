"""Flattening `script_params` exactly as AML's Estimator does."""

from __future__ import annotations

from typing import Any

from .errors import TrainingException, invalid


def flatten_script_params(script_params: Any) -> list[Any]:
    """{'--a': 1, '--flag': '', '--xs': [1, 2]} → ['--a', 1, '--flag', '--xs', 1, 2].

    Insertion order is kept; a value of None or "" keeps only the key (a store_true flag);
    list and tuple values are spread; 0 and False are kept as values.
    """
    if script_params is None:
        return []
    if not isinstance(script_params, dict):
        raise invalid("script_params", script_params, "must be a dict of argument name -> value",
                      "pass e.g. script_params={'--lr': 0.1, '--verbose': ''}", TrainingException)
    flat: list[Any] = []
    for key, value in script_params.items():
        if not isinstance(key, str) or not key:
            raise invalid("script_params", key, "keys must be non-empty strings", "use keys such as '--lr'", TrainingException)
        flat.append(key)
        if value is None or (isinstance(value, str) and value == ""):
            continue
        if isinstance(value, (list, tuple)):
            flat.extend(value)
        else:
            flat.append(value)
    return flat
