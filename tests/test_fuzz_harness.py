"""The fuzz harness itself catches what it is meant to catch (a harness that cannot fail is a defect)."""
from __future__ import annotations

import time

import numpy as np
import pytest
from fuzz_api import BAD_FACTORIES, Spec, check_outcome, fuzz_tests, non_finite
from course_lib._checks import check_array, check_real


def clear(x):
    return float(check_array("x", x).sum())


def obscure(x):
    return [1, 2][int(check_real("x", x, low=0)) + 5]  # IndexError for every valid x


def silent_nan(x):
    return np.asarray(x, dtype=float) * np.nan


def unnamed(x):
    raise ValueError("something went wrong")


def hangs(x):
    time.sleep(10)


@pytest.mark.parametrize("func, complaint", [(obscure, "obscure IndexError"),
                                             (silent_nan, "non-finite"),
                                             (unnamed, "without naming 'x'"),
                                             (hangs, "hangs")])
def test_each_kind_of_breach_fails(func, complaint):
    spec = Spec("toy", call=func, valid=lambda: {"x": 1.0}, timeout=0.5)
    with pytest.raises((pytest.fail.Exception, AssertionError), match=complaint):
        check_outcome(spec, "x", {"x": 2.0})


def test_a_clear_error_or_a_finite_result_passes():
    spec = Spec("toy", call=clear, valid=lambda: {"x": [1.0]})
    for make in BAD_FACTORIES:
        check_outcome(spec, "x", {"x": make()})


def test_the_valid_call_must_succeed():
    spec = Spec("toy", call=unnamed, valid=lambda: {"x": 1.0})
    with pytest.raises(pytest.fail.Exception, match="raised ValueError"):
        check_outcome(spec, None, {"x": 1.0})


def test_non_finite_finds_nan_in_nested_results():
    assert non_finite({"a": [1.0, (np.array([0.0, np.nan]),)]}) is not None
    assert non_finite(np.array([np.inf])) is not None
    assert non_finite(np.array([np.inf]), allow_inf=True) is None
    assert non_finite([1, 2.5, np.arange(3)]) is None


def test_extra_bad_values_are_always_tried():
    seen = []

    def record(x):
        seen.append(x)
        return 1.0

    test = fuzz_tests([Spec("toy", call=record, valid=lambda: {"x": 1.0},
                            extra_bad={"x": ["planted"]}, max_examples=1)])
    params = test.pytestmark[0].args[1]  # [valid call, argument "x"]
    spec, arg = params[1].values
    test(spec, arg)
    assert any(isinstance(x, str) and x == "planted" for x in seen)
    assert len(seen) > len(BAD_FACTORIES)  # every listed value, then random ones


def test_listed_every_spreads_the_listed_values_over_the_arguments():
    seen = {"a": [], "b": [], "c": []}

    def record(a, b, c):
        for name, value in (("a", a), ("b", b), ("c", c)):
            seen[name].append(value)
        return 1.0

    spec = Spec("toy", call=record, valid=lambda: {"a": 1.0, "b": 1.0, "c": 1.0},
                listed_every=3, max_examples=1, extra_bad={"b": ["planted"]})
    params = fuzz_tests([spec]).pytestmark[0].args[1]
    calls = {}
    for param in params[1:]:
        before = {k: len(v) for k, v in seen.items()}
        fuzz_tests([spec])(*param.values)
        calls[param.values[1]] = seen[param.values[1]][before[param.values[1]]:]
    n = len(BAD_FACTORIES)
    random_draws = {arg: len(calls[arg]) - len(range(i, n, 3)) - (arg == "b") for i, arg in enumerate("abc")}
    assert all(d == 1 for d in random_draws.values()), random_draws  # a third listed, one random
    assert sum(len(range(i, n, 3)) for i in range(3)) == n            # together: every listed value
    assert any(isinstance(x, str) and x == "planted" for x in calls["b"])
