"""The shared improvement test of early stopping and plateau scheduling, against real Keras."""
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib._monitor import improves


def test_float32_input_is_shifted_like_a_python_float():
    """Keras adds min_delta to a Python float; numpy 2 would add it to a float32 in float32.

    For this current value (found by a search) the two shifted values round to neighbouring
    float32 numbers; the reference lies on the upper one, so only the Keras order says "improved".
    """
    current, min_delta = np.float32(0.08194705098867416), 0.3
    as_keras = np.float32(float(current) + min_delta)
    in_float32 = np.float32(current + min_delta)
    assert as_keras < in_float32  # the case really separates the two orders
    assert improves(current, float(in_float32), min_delta, "min")


def test_value_beyond_float32_range_is_compared_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not improves(1e39, 1.0, 0.0, "min")
        assert improves(1.0, 1e39, 0.0, "min")


@pytest.mark.tf
def test_beyond_float32_range_is_compared_as_the_inf_keras_float32_logs_would_hold():
    # the documented difference: keras.ops converts a Python float to float32 and refuses one
    # beyond float32's range; a Keras fit's float32 logs would hold inf there, and improves()
    # answers as Keras does for that inf
    from keras import ops
    with pytest.raises(ValueError, match="out of range"):
        ops.less(1e39, 1.0)
    big = float(np.finfo(np.float32).max)
    as_logged = lambda x: x if abs(x) <= big else math.copysign(math.inf, x)  # noqa: E731
    for current, reference in [(1e39, 1.0), (1.0, 1e39), (-1e39, 1.0), (1e39, math.inf), (-1e39, -math.inf)]:
        for mode, op in (("min", ops.less), ("max", ops.greater)):
            keras_says = bool(op(as_logged(current), as_logged(reference)))
            assert improves(current, reference, 0.0, mode) == keras_says, (current, reference, mode)


def test_monitored_values_are_checked():
    from course_lib._monitor import check_monitored, monitored_value
    assert check_monitored("v", np.array([0.5])) == 0.5 and check_monitored("v", 10**400) == np.inf
    assert np.isnan(check_monitored("v", np.nan))
    for bad in (None, "0.5", True, np.bool_(True), [0.5], np.array([1.0, 2.0]), 1j, object()):
        with pytest.raises(TypeError, match="^v must be a number"):
            check_monitored("v", bad)
    with pytest.raises(ValueError, match="^monitor 'val_loss' is not in the logs; available: loss"):
        monitored_value("val_loss", 0, {"loss": 1.0})
    with pytest.raises(ValueError, match="^epoch must be an integer >= 0"):
        monitored_value("val_loss", 1.5, {"val_loss": 1.0})


def test_nan_never_improves():
    assert not improves(float("nan"), 1.0, 0.0, "min") and not improves(float("nan"), 1.0, 0.0, "max")


# Values that are float32 subnormals (0 < |x| < 1.2e-38) are left out; see the docstring.
float32_normal = st.floats(-10, 10).filter(lambda x: x == 0 or abs(x) >= np.finfo(np.float32).tiny)


@pytest.mark.tf
@settings(max_examples=60, deadline=None)
@given(current=float32_normal, reference=float32_normal,
       min_delta=st.sampled_from([0.0, 1e-4, 0.1, 1.0]), mode=st.sampled_from(["min", "max"]))
def test_agrees_with_keras_monitor_op(current, reference, min_delta, mode):
    """Exact agreement (a boolean) with the comparison Keras's callbacks make.

    Values that are float32 subnormals are left out: TensorFlow's CPU kernels flush them (below
    1.2e-38) to zero, numpy does not, so 5e-45 > 0 is True here and False in Keras.
    """
    from keras import ops
    shifted = current - min_delta if mode == "max" else current + min_delta
    keras_op = ops.greater if mode == "max" else ops.less
    assert improves(current, reference, min_delta, mode) == bool(keras_op(shifted, reference))


def test_monitored_value_messages_and_huge_integers():
    from course_lib._monitor import check_monitored, monitored_value
    assert check_monitored("v", 10**400) == math.inf and check_monitored("v", -(10**400)) == -math.inf
    assert check_monitored("v", np.array([3], dtype=np.int64)) == 3.0
    with pytest.raises(TypeError, match=r"got 'abc'$"):
        check_monitored("v", "abc")
    with pytest.raises(TypeError, match=r"^logs must be a dict .*got \[1.0\]$"):
        monitored_value("val_loss", 0, [1.0])
    with pytest.raises(ValueError, match=r"^monitor 'val_loss' is not in the logs; available: none "):
        monitored_value("val_loss", 0, {})
