import pytest

from jupyter_estimator.core.errors import TrainingException
from jupyter_estimator.core.script_params import flatten_script_params


def test_insertion_order_and_values_kept():
    assert flatten_script_params({"--b": 2, "--a": 1}) == ["--b", 2, "--a", 1]


def test_none_and_empty_string_drop_the_value():
    assert flatten_script_params({"--flag": "", "--other": None, "--x": 3}) == ["--flag", "--other", "--x", 3]


def test_zero_and_false_are_values():
    assert flatten_script_params({"--n": 0, "--b": False}) == ["--n", 0, "--b", False]


def test_lists_and_tuples_are_spread():
    assert flatten_script_params({"--xs": [1, 2], "--ys": (3,)}) == ["--xs", 1, 2, "--ys", 3]


def test_none_gives_no_arguments():
    assert flatten_script_params(None) == []


def test_non_dict_is_refused_naming_the_field():
    with pytest.raises(TrainingException, match="script_params"):
        flatten_script_params(["--a", 1])
