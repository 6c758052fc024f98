"""TensorFlow twins of :mod:`course_lib.schedules`: the matching Keras schedule objects.

``to_keras(schedule)`` builds the ``keras.optimizers.schedules`` object with the same
arguments, ready to pass to an optimizer as ``learning_rate``; ``keras_learning_rates``
evaluates one on an array of steps (Keras computes in float32).
"""
from __future__ import annotations

from typing import Any

import keras
import numpy as np
import tensorflow as tf

from course_lib.schedules import Schedule

__all__ = ["to_keras", "keras_learning_rates"]

_KS = keras.optimizers.schedules


def to_keras(schedule: Schedule) -> float | _KS.LearningRateSchedule:
    """The Keras counterpart of a ``course_lib.schedules`` schedule.

    ``constant`` becomes a plain ``float`` (what Keras users pass as ``learning_rate``);
    ``exponential_decay`` -> ``ExponentialDecay``; ``linear_decay`` ->
    ``PolynomialDecay(power=1.0, cycle=False)``; ``inverse_time_decay`` ->
    ``InverseTimeDecay``; ``piecewise_constant`` -> ``PiecewiseConstantDecay``;
    ``cosine_decay`` -> ``CosineDecay`` (with its warmup arguments).

    >>> from course_lib.schedules import linear_decay
    >>> to_keras(linear_decay(0.1, 100)).get_config()["power"]
    1.0
    """
    if not isinstance(schedule, Schedule):
        raise ValueError(f"schedule must be a course_lib.schedules.Schedule, got {schedule!r}")
    c = schedule.config
    if schedule.name == "constant":
        return c["learning_rate"]
    if schedule.name == "exponential_decay":
        return _KS.ExponentialDecay(**c)
    if schedule.name == "linear_decay":
        return _KS.PolynomialDecay(**c, power=1.0, cycle=False)
    if schedule.name == "inverse_time_decay":
        return _KS.InverseTimeDecay(**c)
    if schedule.name == "piecewise_constant":
        return _KS.PiecewiseConstantDecay(c["boundaries"], [float(v) for v in c["values"]])
    if schedule.name == "cosine_decay":
        return _KS.CosineDecay(**c)
    raise ValueError(f"no Keras counterpart known for schedule {schedule.name!r}")


def keras_learning_rates(keras_schedule: Any, steps: Any) -> np.ndarray:
    """Evaluate a Keras schedule (or a plain float rate) at each step; a float32 array.

    Steps go in as int64, like an optimizer's ``iterations``. ``CosineDecay`` with a
    warmup branches with ``ops.cond``, which needs one scalar step, so it is called step by
    step; the others take the whole array at once.

    >>> keras_learning_rates(keras.optimizers.schedules.ExponentialDecay(1.0, 2, 0.5), [0, 2, 4])
    array([1.  , 0.5 , 0.25], dtype=float32)
    """
    steps = np.asarray(steps, dtype=np.int64)
    if isinstance(keras_schedule, (int, float)):
        return np.full(steps.shape, keras_schedule, dtype=np.float32)
    if isinstance(keras_schedule, _KS.CosineDecay) and keras_schedule.warmup_target is not None:
        flat = [keras_schedule(tf.constant(s)) for s in steps.ravel()]
        return np.array([np.asarray(v) for v in flat], dtype=np.float32).reshape(steps.shape)
    return np.asarray(keras_schedule(tf.constant(steps)), dtype=np.float32)
