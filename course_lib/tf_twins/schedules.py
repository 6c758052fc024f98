"""TensorFlow twins of :mod:`course_lib.schedules`: the matching Keras schedule objects.

``to_keras(schedule)`` builds the ``keras.optimizers.schedules`` object with the same
arguments, ready to pass to an optimizer as ``learning_rate``; ``keras_learning_rates``
evaluates one on an array of steps. Keras computes in the dtype of ``initial_learning_rate``
(of ``values[0]`` for ``PiecewiseConstantDecay``): float32 for the Python floats an optimizer
gets, float64 with ``to_keras(schedule, dtype="float64")``, which passes every rate as a numpy
float64 (a Python float would be cast through float32 by ``ops.cast``), so that the twins can
be compared to float64 rounding.
"""
from __future__ import annotations

from typing import Any

import keras
import numpy as np
import tensorflow as tf

from course_lib._checks import _show, check_array, check_choice, check_real
from course_lib.schedules import MAX_STEPS, Schedule

__all__ = ["to_keras", "keras_learning_rates"]

_KS = keras.optimizers.schedules


def to_keras(schedule: Schedule, dtype: str = "float32") -> float | _KS.LearningRateSchedule:
    """The Keras counterpart of a ``course_lib.schedules`` schedule.

    ``constant`` becomes a plain ``float`` (what Keras users pass as ``learning_rate``);
    ``exponential_decay`` -> ``ExponentialDecay``; ``linear_decay`` ->
    ``PolynomialDecay(power=1.0, cycle=False)``; ``inverse_time_decay`` ->
    ``InverseTimeDecay``; ``piecewise_constant`` -> ``PiecewiseConstantDecay``;
    ``cosine_decay`` -> ``CosineDecay`` (with its warmup arguments).

    With ``dtype="float64"`` the rates are numpy float64 scalars and Keras computes in float64
    (``constant`` then returns a ``np.float64``).

    >>> from course_lib.schedules import linear_decay
    >>> to_keras(linear_decay(0.1, 100)).get_config()["power"]
    1.0
    >>> float(to_keras(linear_decay(0.1, 100), dtype="float64")(50))   # float32 gives 0.05005000159
    0.05005
    """
    if not isinstance(schedule, Schedule):
        raise ValueError(f"schedule must be a course_lib.schedules.Schedule, got {_show(schedule)}")
    dtype = check_choice("dtype", dtype, ("float32", "float64"))
    rate = np.float64 if dtype == "float64" else float
    c = {k: rate(v) if isinstance(v, float) else v for k, v in schedule.config.items()}
    if schedule.name == "constant":
        return c["learning_rate"]
    if schedule.name == "exponential_decay":
        return _KS.ExponentialDecay(**c)
    if schedule.name == "linear_decay":
        return _KS.PolynomialDecay(**c, power=1.0, cycle=False)
    if schedule.name == "inverse_time_decay":
        return _KS.InverseTimeDecay(**c)
    if schedule.name == "piecewise_constant":
        return _KS.PiecewiseConstantDecay(c["boundaries"], [rate(v) for v in c["values"]])
    if schedule.name == "cosine_decay":
        return _KS.CosineDecay(**c)
    raise ValueError(f"no Keras counterpart known for schedule {schedule!r} (a hand-made Schedule)")


def keras_learning_rates(keras_schedule: Any, steps: Any) -> np.ndarray:
    """Evaluate a Keras schedule (or a plain rate) at each step; an array in the schedule's dtype.

    ``steps`` are integers >= 0 (at most 2**53) and go in as int64, like an optimizer's
    ``iterations``. ``CosineDecay`` with a warmup branches with ``ops.cond``, which needs one
    scalar step, so it is called step by step; the others take the whole array at once. A plain
    rate gives float32, or float64 for a ``np.float64`` (``to_keras(..., dtype="float64")``).
    A non-finite rate (a growing decay overflowing) is refused.

    >>> keras_learning_rates(keras.optimizers.schedules.ExponentialDecay(1.0, 2, 0.5), [0, 2, 4])
    array([1.  , 0.5 , 0.25], dtype=float32)
    """
    steps = check_array("steps", steps, dtype=np.int64, nonempty=False)
    if steps.size and (steps.min() < 0 or steps.max() > MAX_STEPS):
        raise ValueError(f"steps must be integers >= 0 and <= 2**53, got {_show(steps)}")
    if isinstance(keras_schedule, (int, float)) and not isinstance(keras_schedule, bool):
        rate = check_real("keras_schedule (a constant rate)", keras_schedule, low=0, low_open=True)
        kind = np.float64 if isinstance(keras_schedule, np.float64) else np.float32
        with np.errstate(over="ignore"):
            as_kind = kind(rate)
        if not np.isfinite(as_kind) or as_kind == 0:
            raise ValueError(f"keras_schedule (a constant rate) must be > 0 and finite in "
                             f"{kind.__name__}, got {rate!r}")
        return np.full(steps.shape, rate, dtype=kind)
    if not isinstance(keras_schedule, _KS.LearningRateSchedule):
        raise TypeError(f"keras_schedule must be a keras.optimizers.schedules.LearningRateSchedule "
                        f"or a rate, got {_show(keras_schedule)}")
    if isinstance(keras_schedule, _KS.CosineDecay) and keras_schedule.warmup_target is not None:
        flat = [np.asarray(keras_schedule(tf.constant(s))) for s in steps.ravel()]
        rates = np.array(flat, dtype=flat[0].dtype if flat else np.float32).reshape(steps.shape)
    else:
        rates = np.asarray(keras_schedule(tf.constant(steps)))
    if not np.all(np.isfinite(rates)):
        raise ValueError(f"keras_schedule gives a non-finite learning rate at some of these steps "
                         f"(largest step {int(steps.max())})")
    return rates
