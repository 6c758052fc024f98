"""Keras's "did the monitored value improve?" test, shared by early stopping and plateau scheduling."""
from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from course_lib._checks import _show, check_int


def check_monitored(name: str, value: Any) -> float:
    """A monitored value as a Python float: a real number (``nan`` and ``inf`` allowed, as Keras
    logs may hold them) or a one-element numeric array; ``None``, strings and ``bool`` refused.

    >>> check_monitored("current", None)
    Traceback (most recent call last):
    TypeError: current must be a number (the monitored value, e.g. logs['val_loss']), got None
    """
    ok = isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
    if not ok and isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "iuf":
        value, ok = value.reshape(()).item(), True
    if not ok:
        raise TypeError(f"{name} must be a number (the monitored value, e.g. logs['val_loss']), got {_show(value)}")
    try:
        return float(value)
    except OverflowError:  # an int beyond float range: as large as a float gets
        return float("inf") if value > 0 else float("-inf")


def monitored_value(monitor: str, epoch: Any, logs: Any) -> float:
    """``logs[monitor]`` of a callback's ``on_epoch_end(epoch, logs, state)``, all checked."""
    check_int("epoch", epoch, low=0)
    if logs is not None and not isinstance(logs, Mapping):
        raise TypeError(f"logs must be a dict of the epoch's values, e.g. {{'val_loss': 0.3}}, got {_show(logs)}")
    if monitor not in (logs or {}):
        raise ValueError(f"monitor {monitor!r} is not in the logs; available: "
                         f"{', '.join(sorted(map(str, logs or {}))) or 'none'} (Keras would only warn)")
    return check_monitored(f"logs[{monitor!r}]", logs[monitor])


def improves(current: float, reference: float | None, min_delta: float, mode: str) -> bool:
    """Keras's ``monitor_op(current -/+ min_delta, reference)``: strict, and decided in float32.

    Keras subtracts (``max`` mode) or adds (``min`` mode) ``min_delta`` in Python floats and
    compares with ``keras.ops.greater`` / ``less``, which cast both sides to float32; so a
    value that beats ``reference`` by exactly ``min_delta``, or by less than float32 can
    resolve, is not an improvement. ``nan`` never improves. ``current`` is taken as a Python
    float first (a ``np.float32`` would otherwise be shifted in float32, unlike Keras).

    Two differences are left. (1) TensorFlow's CPU kernels flush float32 subnormals, below
    1.2e-38, to zero; numpy keeps them. (2) A finite value beyond float32's range (``|x| >
    3.4e38``, e.g. ``1e39``) is compared here as ``inf``. ``keras.ops.less`` converts a Python
    float to float32 and raises ``ValueError`` ("Can't convert Python sequence with a value out
    of range") on such a value; but it cannot come out of a Keras ``fit``, whose float32
    metrics would hold ``inf`` there. So the numpy twin answers as Keras does for the value its
    float32 logs would hold, instead of raising.

    >>> improves(0.9, 1.0, 0.1, "min"), improves(0.89, 1.0, 0.1, "min"), improves(1.0 - 1e-9, 1.0, 0.0, "min")
    (False, True, False)
    >>> improves(1e39, 1.0, 0.0, "min"), improves(1.0, 1e39, 0.0, "min")   # 1e39 compares as inf
    (False, True)
    """
    if reference is None:
        return True
    current = float(current)
    with np.errstate(over="ignore"):  # beyond float32's range: inf (see the docstring)
        if mode == "max":
            return bool(np.float32(current - min_delta) > np.float32(reference))
        return bool(np.float32(current + min_delta) < np.float32(reference))
