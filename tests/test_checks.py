"""Tests of course_lib._checks, the argument checks every public function relies on.

Every check, every boundary (closed and open ends), the types it must accept (numpy's
integer and float scalars, Fractions) and refuse (bool for numbers, nan, inf, None, strings,
arrays for choices), and the message: it names the argument, says what is allowed and shows
what was given, briefly.
"""
from __future__ import annotations

import fractions
import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from course_lib._checks import (_show, check_array, check_bool, check_callable, check_choice, check_int,
                                check_real, check_same_length)


def raises(exc, message):
    """pytest.raises with the message matched literally from its start."""
    return pytest.raises(exc, match="^" + re.escape(message))


# ---------------------------------------------------------------- check_real
def test_check_real_returns_a_float_of_what_it_accepts():
    for value in (0.1, 1, -3, np.float64(0.25), np.float32(0.5), np.int64(7), np.uint8(3), np.float16(2.0),
                  fractions.Fraction(1, 4), 10**30, 5e-324, -1e308):
        out = check_real("x", value)
        assert type(out) is float and out == float(value)


@pytest.mark.parametrize("value", [True, False, np.bool_(True), None, "0.5", b"1", 1j, np.complex128(1),
                                   np.nan, np.inf, -np.inf, np.float32("nan"), 10**400, -(10**400),
                                   np.array(0.5), [0.5], (0.5,), {}, object()])
def test_check_real_refuses_non_numbers_bools_and_non_finite_values(value):
    with pytest.raises(ValueError, match=r"^rate must be a finite number, got "):
        check_real("rate", value)


@pytest.mark.parametrize("kwargs, value, ok", [
    # closed ends include the bound, open ends exclude it; each side alone and both together
    (dict(low=0), 0, True), (dict(low=0), -5e-324, False), (dict(low=0), 5e-324, True),
    (dict(low=0, low_open=True), 0, False), (dict(low=0, low_open=True), 5e-324, True),
    (dict(high=1), 1, True), (dict(high=1), 1.0000000000000002, False),
    (dict(high=1, high_open=True), 1, False), (dict(high=1, high_open=True), 0.9999999999999999, True),
    (dict(low=-1, high=1), -1, True), (dict(low=-1, high=1), 1, True), (dict(low=-1, high=1), 0, True),
    (dict(low=-1, high=1), -1.0000000000000002, False), (dict(low=-1, high=1), 1.0000000000000002, False),
    (dict(low=-1, high=1, low_open=True, high_open=True), -1, False),
    (dict(low=-1, high=1, low_open=True, high_open=True), 1, False),
    (dict(low=-1, high=1, low_open=True, high_open=True), 0.5, True),
    (dict(low=0, high_open=True), 1e308, True),        # an open end without its bound is no bound
    (dict(high=0, low_open=True), -1e308, True),
])
def test_check_real_boundaries(kwargs, value, ok):
    if ok:
        assert check_real("x", value, **kwargs) == value
    else:
        with pytest.raises(ValueError, match="^x must be a finite number"):
            check_real("x", value, **kwargs)


@pytest.mark.parametrize("kwargs, text", [
    (dict(low=0), "lr must be a finite number >= 0, got -2"),
    (dict(low=0, low_open=True), "lr must be a finite number > 0, got -2"),
    (dict(low=0, high=1), "lr must be a finite number >= 0 and <= 1, got -2"),
    (dict(low=0, high=1, low_open=True, high_open=True), "lr must be a finite number > 0 and < 1, got -2"),
    (dict(high=-5, high_open=True), "lr must be a finite number < -5, got -2"),
    (dict(high=-3), "lr must be a finite number <= -3, got -2"),
])
def test_check_real_message_states_the_allowed_range_exactly(kwargs, text):
    with raises(ValueError, text):
        check_real("lr", -2, **kwargs)
    with pytest.raises(ValueError) as info:
        check_real("lr", -2, **kwargs)
    assert str(info.value) == text


def test_check_real_message_shows_the_value_briefly():
    with raises(ValueError, "beta must be a finite number, got nan"):
        check_real("beta", float("nan"))
    with raises(ValueError, "beta must be a finite number, got 'x'"):
        check_real("beta", "x")
    with pytest.raises(ValueError) as info:
        check_real("beta", "x" * 10**6)                       # a 1 MB answer is not echoed back
    assert len(str(info.value)) < 200


# ---------------------------------------------------------------- check_int
def test_check_int_returns_an_int_of_what_it_accepts():
    for value in (0, -7, 10**30, np.int64(5), np.int8(-3), np.uint64(2**64 - 1), np.int32(0)):
        out = check_int("n", value)
        assert type(out) is int and out == int(value)


@pytest.mark.parametrize("value", [True, False, np.bool_(True), np.bool_(False), 1.0, 2.5, np.float64(3.0),
                                   np.nan, np.inf, None, "3", fractions.Fraction(3, 1), 1j, np.array(3),
                                   [3], object()])
def test_check_int_refuses_bools_floats_and_non_numbers(value):
    with pytest.raises(ValueError, match=r"^steps must be an integer, got "):
        check_int("steps", value)


@pytest.mark.parametrize("kwargs, value, ok", [
    (dict(low=1), 1, True), (dict(low=1), 0, False), (dict(low=1), 2, True),
    (dict(high=10), 10, True), (dict(high=10), 11, False), (dict(high=10), -10**30, True),
    (dict(low=-2, high=2), -2, True), (dict(low=-2, high=2), 2, True), (dict(low=-2, high=2), -3, False),
    (dict(low=-2, high=2), 3, False), (dict(low=0), np.int64(0), True), (dict(low=0), np.int64(-1), False),
    (dict(low=0, high=0), 0, True), (dict(low=0, high=0), 1, False),
])
def test_check_int_boundaries_are_closed(kwargs, value, ok):
    if ok:
        assert check_int("n", value, **kwargs) == value
    else:
        with pytest.raises(ValueError, match="^n must be an integer"):
            check_int("n", value, **kwargs)


@pytest.mark.parametrize("kwargs, text", [
    (dict(), "decay_steps must be an integer, got 0.5"),
    (dict(low=1), "decay_steps must be an integer >= 1, got 0.5"),
    (dict(high=3), "decay_steps must be an integer <= 3, got 0.5"),
    (dict(low=1, high=3), "decay_steps must be an integer >= 1 and <= 3, got 0.5"),
])
def test_check_int_message(kwargs, text):
    with pytest.raises(ValueError) as info:
        check_int("decay_steps", 0.5, **kwargs)
    assert str(info.value) == text
    with raises(ValueError, "patience must be an integer >= 0, got True"):
        check_int("patience", True, low=0)
    with raises(ValueError, "patience must be an integer >= 0, got -1"):
        check_int("patience", -1, low=0)


# ---------------------------------------------------------------- check_choice
def test_check_choice_returns_the_value_itself():
    value = "max"
    assert check_choice("mode", value, ("min", "max")) is value
    assert check_choice("mode", np.str_("min"), ["min", "max"]) == "min"
    assert check_choice("average", None, ("macro", None)) is None
    assert check_choice("zero_division", np.float64(1.0), (0, 1)) == 1
    assert check_choice("flag", np.bool_(True), (False, True)) == True  # noqa: E712 (numpy's bool)
    assert check_choice("mode", "max", (m for m in ("min", "max"))) == "max"    # any iterable


@pytest.mark.parametrize("value, allowed", [
    ("auto", ("min", "max")), ("MIN", ("min", "max")), ("min ", ("min", "max")),
    (np.array(["min", "max"]), ("min", "max")), (np.array("min"), ("min", "max")), (["min"], ("min", "max")),
    (("min",), ("min", "max")), ({"min"}, ("min", "max")), ({"min": 1}, ("min", "max")),
    (None, ("min", "max")), (0, (None, "macro")), ("None", (None, "macro")),
    (1, (False, True)), (0, (False, True)), (np.int64(1), (False, True)), ("True", (False, True)),
    (0.5, (0, 1)), (np.nan, (0, 1)), ("0", (0, 1)), (np.array([0, 1]), (0, 1)),
    (object(), ("min",)), (1, ("1",)),
])
def test_check_choice_refuses_other_values_and_arrays_without_asking_numpy(value, allowed):
    with pytest.raises(ValueError, match=r"^mode must be one of "):
        check_choice("mode", value, allowed)


def test_check_choice_message():
    with pytest.raises(ValueError) as info:
        check_choice("mode", "auto", ("min", "max"))
    assert str(info.value) == "mode must be one of 'min', 'max', got 'auto'"
    with pytest.raises(ValueError) as info:
        check_choice("average", "samples", ("binary", None))
    assert str(info.value) == "average must be one of 'binary', None, got 'samples'"


def test_check_choice_survives_objects_whose_comparison_raises():
    class Angry:
        def __eq__(self, other):
            raise RuntimeError("no comparing")

        __hash__ = object.__hash__

    with pytest.raises(ValueError, match="^mode must be one of"):
        check_choice("mode", Angry(), (1, 2))


# ---------------------------------------------------------------- check_array
def test_check_array_converts_to_the_dtype_and_keeps_shape():
    out = check_array("X", [[1, 2], [3, 4]], ndim=2)
    assert out.dtype == np.float64 and out.shape == (2, 2) and out.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert check_array("x", 3.5).shape == ()                          # 0-d is fine without ndim
    assert check_array("x", np.float32([1.5])).dtype == np.float64
    assert check_array("y", [1.0, 2.0], dtype=np.int64).dtype == np.int64
    assert check_array("y", [True, False]).tolist() == [1.0, 0.0]     # booleans are numbers 0/1
    raw = np.array([1, 2], dtype=np.int8)
    assert check_array("y", raw, dtype=None) is raw                   # dtype=None: unchanged
    same = np.array([1.0, 2.0])
    assert check_array("y", same) is same                             # no needless copy


@pytest.mark.parametrize("ndim, shape, ok", [
    (1, (3,), True), (1, (3, 1), False), (1, (), False), (2, (2, 2), True), (2, (4,), False),
    ((1, 2), (4,), True), ((1, 2), (4, 1), True), ((1, 2), (1, 1, 1), False), ((0, 1), (), True),
    (None, (1, 1, 1, 1), True),
])
def test_check_array_rank(ndim, shape, ok):
    value = np.ones(shape)
    if ok:
        assert check_array("w", value, ndim=ndim).shape == shape
    else:
        with pytest.raises(ValueError, match=rf"^w must have .* dimension\(s\), got shape {re.escape(str(shape))}"):
            check_array("w", value, ndim=ndim)


def test_check_array_rank_message():
    with raises(ValueError, "X must have 2 dimension(s), got shape (3,)"):
        check_array("X", np.zeros(3), ndim=2)
    with raises(ValueError, "X must have 1 or 2 dimension(s), got shape ()"):
        check_array("X", 1.0, ndim=(1, 2))


def test_check_array_emptiness():
    with raises(ValueError, "X must not be empty, got shape (0,)"):
        check_array("X", [])
    with raises(ValueError, "X must not be empty, got shape (3, 0)"):
        check_array("X", np.zeros((3, 0)))
    assert check_array("X", [], nonempty=False).shape == (0,)
    assert check_array("X", [0.0]).shape == (1,)                     # one element is not empty


def test_check_array_finiteness_counts_the_bad_values():
    with raises(ValueError, "X must contain only finite values; found 1 nan/inf"):
        check_array("X", [1.0, np.nan])
    with raises(ValueError, "X must contain only finite values; found 3 nan/inf"):
        check_array("X", [[np.inf, -np.inf], [np.nan, 0.0]])
    with raises(ValueError, "X must contain only finite values; found 1 nan/inf"):
        check_array("X", np.float32([np.inf]))
    assert np.isnan(check_array("X", [np.nan, 1.0], finite=False)[0])
    assert check_array("X", [1e308, -1e308, 5e-324]).tolist() == [1e308, -1e308, 5e-324]
    assert check_array("y", np.array([2, 3]), dtype=None).tolist() == [2, 3]   # ints: no finiteness check


@pytest.mark.parametrize("value, what", [
    (None, "got None"), ("1.5", "got '1.5'"), (b"1", "got b'1'"), ([None, 1.0], "objects or ragged lists"),
    ([[1.0, 2.0], [3.0]], "convertible to a numeric array"), (["1", "2"], "strings"), (np.array(["a"]), "strings"),
    ([1j], "complex"), (np.array([1 + 1j]), "complex"), (np.array([np.datetime64("2020")]), "dates"),
    (np.array([np.timedelta64(1)]), "time deltas"), ({"a": 1}, "objects"), (object(), "objects"),
    ([10**30], "objects"),
])
def test_check_array_refuses_what_numpy_would_turn_into_nan_or_garbage(value, what):
    with pytest.raises(ValueError) as info:
        check_array("X", value, finite=False)         # even where nan would be allowed
    message = str(info.value)
    assert message.startswith("X must be") and what in message and len(message) < 300


def test_check_array_integer_dtype_refuses_truncation_and_overflow():
    with raises(ValueError, "y must contain only integers, got [0.5]"):
        check_array("y", [0.5], dtype=np.int64)
    with raises(ValueError, "y must contain only integers"):
        check_array("y", [np.nan], dtype=np.int64, finite=False)
    with raises(ValueError, "y must contain only integers"):
        check_array("y", [np.inf], dtype=np.int64)
    with raises(ValueError, "y must contain integers between -128 and 127, got [300.0]"):
        check_array("y", [300.0], dtype=np.int8)
    with raises(ValueError, "y must contain integers between -128 and 127"):
        check_array("y", [-129.0], dtype=np.int8)
    assert check_array("y", [127.0, -128.0], dtype=np.int8).tolist() == [127, -128]    # both ends
    assert check_array("y", [3.0], dtype=np.int64).tolist() == [3]


def test_check_array_shows_a_short_repr_of_huge_values():
    with pytest.raises(ValueError) as info:
        check_array("X", ["a"] * 10**5)
    assert len(str(info.value)) < 300


# ---------------------------------------------------------------- check_same_length
def test_check_same_length():
    assert check_same_length(X=np.zeros((3, 2)), y=np.zeros(3)) == 3
    assert check_same_length(a=[1, 2], b=(3, 4), c=np.zeros((2, 5, 5))) == 2
    assert check_same_length(only=np.zeros(0)) == 0
    with raises(ValueError, "X and y must have the same number of samples, got X: 3, y: 4"):
        check_same_length(X=np.zeros((3, 2)), y=np.zeros(4))
    with raises(ValueError, "a and b and c must have the same number of samples, got a: 1, b: 1, c: 2"):
        check_same_length(a=[0], b=[0], c=[0, 0])


# ---------------------------------------------------------------- check_bool, check_callable
def test_check_bool():
    assert check_bool("shuffle", True) is True and check_bool("shuffle", False) is False
    assert check_bool("shuffle", np.bool_(True)) is True and check_bool("shuffle", np.False_) is False
    for bad in ("no", "True", 1, 0, 1.0, None, np.array([True]), np.array(True), [True]):
        with pytest.raises(TypeError, match="^shuffle must be True or False, got "):
            check_bool("shuffle", bad)


def test_check_callable():
    f = lambda t: 0.1  # noqa: E731
    assert check_callable("schedule", f) is f
    assert check_callable("schedule", print) is print
    assert check_callable("schedule", dict) is dict
    for bad in (0.1, None, "f", [f], np.array([1.0])):
        with pytest.raises(TypeError, match="^schedule must be callable, got "):
            check_callable("schedule", bad)
    with raises(TypeError, "schedule must be callable, got 0.1"):
        check_callable("schedule", 0.1)


# ---------------------------------------------------------------- _show
def test_show_is_short_and_never_crashes():
    assert _show(0.5) == "0.5" and _show("a") == "'a'" and _show(None) == "None"
    assert len(_show("x" * 10**6)) <= 80 and "..." in _show("x" * 10**6)
    assert len(_show(list(range(10**5)))) <= 80
    long = ["a" * 40] * 6                                   # reprlib's own repr is longer than 80
    assert len(_show(long)) == 80 and _show(long).endswith("...")
    assert _show(long, limit=1000).count("a") > 80          # the limit is the cut
    assert _show([1, 2, 3]) == "[1, 2, 3]"                  # short reprs are left whole

    class Broken:
        def __repr__(self):
            raise RuntimeError("no repr")

    assert _show(Broken()).startswith("<Broken") and _show([Broken()]).startswith("[<Broken")


# ---------------------------------------------------------------- properties
@given(value=st.floats(allow_nan=True, allow_infinity=True), low=st.floats(-1e6, 1e6),
       width=st.floats(0, 1e6), low_open=st.booleans(), high_open=st.booleans())
def test_check_real_accepts_exactly_the_interval(value, low, width, low_open, high_open):
    high = low + width
    inside = (math.isfinite(value) and (value > low if low_open else value >= low)
              and (value < high if high_open else value <= high))
    try:
        got = check_real("x", value, low=low, high=high, low_open=low_open, high_open=high_open)
    except ValueError as exc:
        assert not inside and str(exc).startswith("x must be a finite number")
    else:
        assert inside and got == value


@given(value=st.integers(-(10**40), 10**40), low=st.integers(-100, 100), width=st.integers(0, 200))
def test_check_int_accepts_exactly_the_closed_interval(value, low, width):
    inside = low <= value <= low + width
    try:
        got = check_int("n", value, low=low, high=low + width)
    except ValueError:
        assert not inside
    else:
        assert inside and got == value


# ---------------------------------------------------------------- what the checks no longer let through
def test_a_bool_is_never_a_numeric_choice():
    # check_int(True) is refused; check_choice(True, (0, 1)) must be too (True == 1 in Python)
    for value in (True, False, np.bool_(True), np.False_):
        with pytest.raises(ValueError, match="^zero_division must be one of 0, 1, got "):
            check_choice("zero_division", value, (0, 1))
        with pytest.raises(ValueError, match="^batch_size must be one of 1, 2, 4"):
            check_choice("batch_size", value, (1, 2, 4))
    assert check_choice("flag", True, (False, True)) is True
    assert check_choice("flag", np.False_, (False, True)) == False  # noqa: E712
    for value in (1, 0, np.int64(1), 1.0):
        with pytest.raises(ValueError, match="^flag must be one of False, True"):
            check_choice("flag", value, (False, True))


@pytest.mark.parametrize("raw, dtype, text", [
    (np.array([2**63], dtype=np.uint64), np.int64, "y must contain integers between -9223372036854775808 and "),
    (np.array([300]), np.uint8, "y must contain integers between 0 and 255"),
    (np.array([-1]), np.uint64, "y must contain integers between 0 and 18446744073709551615"),
    (np.array([128], dtype=np.int16), np.int8, "y must contain integers between -128 and 127"),
    (np.array([-129.0]), np.int8, "y must contain integers between -128 and 127"),
])
def test_check_array_refuses_integers_that_would_wrap_around(raw, dtype, text):
    with raises(ValueError, text):
        check_array("y", raw, dtype=dtype)


def test_check_array_keeps_integers_at_the_ends_of_the_range():
    assert check_array("y", np.array([255, 0]), dtype=np.uint8).tolist() == [255, 0]
    big = np.array([2**64 - 1], dtype=np.uint64)
    assert check_array("y", big, dtype=np.uint64)[0] == 2**64 - 1
    assert check_array("y", np.array([-(2**63), 2**63 - 1]), dtype=np.int64).tolist() == [-(2**63), 2**63 - 1]
    assert check_array("y", [True, False], dtype=np.int8).tolist() == [1, 0]


def test_check_array_refuses_finite_values_that_a_narrower_float_turns_into_inf():
    with raises(ValueError, "x must contain values within the range of float32 (|x| <= 3.403e+38), got [1e+39]"):
        check_array("x", [1e39], dtype=np.float32, finite=False)
    with raises(ValueError, "x must contain values within the range of float32"):
        check_array("x", [-1e39, 0.0], dtype=np.float32)
    with raises(ValueError, "x must contain values within the range of float16"):
        check_array("x", np.array([70000]), dtype=np.float16)
    kept = check_array("x", [np.inf, -np.inf, 3.4e38], dtype=np.float32, finite=False)   # inf stays inf
    assert np.isinf(kept[:2]).all() and np.isfinite(kept[2])
    assert check_array("x", [1e-50], dtype=np.float32).tolist() == [0.0]                  # underflow: 0


def test_check_same_length_names_an_argument_without_samples():
    with raises(ValueError, "w must be an array of samples (with a first dimension), got array(1.)"):
        check_same_length(X=np.zeros((1, 2)), w=np.array(1.0))
    with raises(ValueError, "X must be an array of samples"):
        check_same_length(X=3.0, y=np.zeros(3))
    with raises(TypeError, "check_same_length needs at least one named array"):
        check_same_length()


# ---------------------------------------------------------------- what mutation testing found untested
@pytest.mark.parametrize("value, what", [
    (np.array([1 + 1j]), "complex numbers (dtype complex128)"),
    (np.array(["ab"]), "strings (dtype <U2)"),
    (np.array([b"ab"]), "bytes (dtype |S2)"),
    (np.array([1, None], dtype=object), "objects or ragged lists (dtype object)"),
    (np.array(["2020-01-01"], dtype="datetime64[D]"), "dates (dtype datetime64[D])"),
    (np.array([1], dtype="timedelta64[s]"), "time deltas (dtype timedelta64[s])"),
    (np.zeros(1, dtype=[("a", float)]), "records (dtype [('a', '<f8')])"),
    (np.array(["ab"], dtype=np.dtypes.StringDType()), "T (dtype StringDType())"),   # no name: the kind
])
def test_check_array_names_each_non_numeric_kind_exactly(value, what):
    with pytest.raises(ValueError) as info:
        check_array("X", value)
    assert str(info.value) == f"X must be numeric (an array of real numbers), got {what}: {_show(value)}"


def test_check_array_refuses_a_non_numeric_target_dtype():
    for dtype in ("datetime64[s]", "U3", object, complex):
        with pytest.raises(TypeError, match="^check_array converts to numeric dtypes only"):
            check_array("x", [1.5], dtype=dtype)


def test_check_array_casts_without_warnings():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")                     # overflow in the cast is checked, not warned
        with pytest.raises(ValueError, match="range of float32"):
            check_array("x", [1e39], dtype=np.float32, finite=False)
        assert check_array("x", [3.0, 2**62], dtype=np.int64).tolist() == [3, 2**62]


def test_check_array_finiteness_applies_to_every_float_width():
    for dtype in (np.float16, np.float32, np.float64, np.longdouble):
        with raises(ValueError, "X must contain only finite values; found 1 nan/inf"):
            check_array("X", np.array([1.0, np.nan], dtype=dtype), dtype=None)
    assert check_array("X", np.array([2**62]), dtype=None).tolist() == [2**62]


def test_check_choice_bools_match_only_the_same_bool():
    with raises(ValueError, "flag must be one of False, got True"):
        check_choice("flag", True, (False,))
    with raises(ValueError, "flag must be one of True, got np.False_"):
        check_choice("flag", np.False_, (True,))
    assert check_choice("flag", False, (False,)) is False


def test_check_choice_is_not_fooled_by_an_object_equal_to_everything():
    class EqualsAll:
        def __eq__(self, other):
            return True

        __hash__ = object.__hash__

    for allowed in (("min", "max"), (None,), (False, True)):
        with pytest.raises(ValueError, match="^mode must be one of"):
            check_choice("mode", EqualsAll(), allowed)


def test_check_bool_message_shows_the_value():
    with pytest.raises(TypeError) as info:
        check_bool("shuffle", "no")
    assert str(info.value) == "shuffle must be True or False, got 'no'"


def test_show_keeps_exactly_80_characters_and_survives_a_repr_reprlib_trusts():
    x = [10**10] * 4 + [10**11] * 2                        # repr of exactly 80 characters
    assert len(repr(x)) == 80 and _show(x) == repr(x)
    y = [10**10] * 3 + [10**11] * 3                        # 81: cut to 77 + "..."
    assert len(repr(y)) == 81 and _show(y) == repr(y)[:77] + "..."
    assert _show(y, limit=81) == repr(y)

    def broken(self):
        raise RuntimeError("no repr")

    fake_int = type("int", (), {"__repr__": broken})()     # reprlib calls repr() itself for "int"
    assert _show(fake_int) == "<int object>"


def test_check_array_unsigned_targets_and_sources_are_checked_too():
    with raises(ValueError, "y must contain only integers, got [0.5]"):
        check_array("y", [0.5], dtype=np.uint8)               # not truncated to 0
    with raises(ValueError, "x must contain values within the range of float16"):
        check_array("x", np.array([70000], dtype=np.uint32), dtype=np.float16)
    assert check_array("x", np.array([60000], dtype=np.uint32), dtype=np.float16).tolist() == [60000.0]
