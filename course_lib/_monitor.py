"""Keras's "did the monitored value improve?" test, shared by early stopping and plateau scheduling."""
from __future__ import annotations

import numpy as np


def improves(current: float, reference: float | None, min_delta: float, mode: str) -> bool:
    """Keras's ``monitor_op(current -/+ min_delta, reference)``: strict, and decided in float32.

    Keras subtracts (``max`` mode) or adds (``min`` mode) ``min_delta`` in Python floats and
    compares with ``keras.ops.greater`` / ``less``, which cast both sides to float32; so a
    value that beats ``reference`` by exactly ``min_delta``, or by less than float32 can
    resolve, is not an improvement. ``nan`` never improves. (One difference is left: TensorFlow's
    CPU kernels flush float32 subnormals, below 1.2e-38, to zero; numpy keeps them.) ``current`` is taken as a Python
    float first (a ``np.float32`` would otherwise be shifted in float32, unlike Keras).

    >>> improves(0.9, 1.0, 0.1, "min"), improves(0.89, 1.0, 0.1, "min"), improves(1.0 - 1e-9, 1.0, 0.0, "min")
    (False, True, False)
    """
    if reference is None:
        return True
    current = float(current)
    with np.errstate(over="ignore"):  # a finite value beyond float32's range casts to inf, as in Keras
        if mode == "max":
            return bool(np.float32(current - min_delta) > np.float32(reference))
        return bool(np.float32(current + min_delta) < np.float32(reference))
