"""TensorFlow twins of :mod:`course_lib.regularization`: the Keras regularizer objects.

``to_keras`` builds the ``keras.regularizers`` object with the same factors;
``penalty_and_gradient`` evaluates any Keras regularizer and its gradient by autodiff, which
is what the tests compare with the hand-written numpy gradients. ``soft_threshold`` is the
proximal step for a ``GradientTape`` loop (Keras has no proximal regularizer).

One Keras detail: all three round their factors through float32, even on float64 weights.
``keras.regularizers.L1`` stores ``l1`` as a float32 tensor; ``L2`` and ``L1L2`` keep a Python
float, but ``ops.cast(self.l2, dtype=x.dtype)`` first makes a float32 constant of it, then casts
that to ``x``'s dtype. So on float64 weights Keras's ``L2(0.7)`` uses ``float32(0.7) =
0.699999988...``; the numpy twins use the exact factor (round it with ``float(np.float32(l))``
to compare bit for bit). Keras's ``L1L2`` skips a term whose factor is 0, as the numpy ``L1L2``
does; its ``L1(0)`` and ``L2(0)`` give ``0 * inf = nan`` on infinite weights, where the numpy
twins give 0 (no penalty).

>>> import numpy as np
>>> from course_lib.regularization import L2
>>> value, grad = penalty_and_gradient(to_keras(L2(0.5)), np.array([1.0, -2.0]))
>>> value, grad.tolist()
(2.5, [1.0, -2.0])
"""
from __future__ import annotations

from typing import Any

import keras
import numpy as np
import tensorflow as tf

from course_lib._checks import _show, check_array, check_real
from course_lib.regularization import L1, L1L2, L2, ProximalL1

__all__ = ["to_keras", "penalty_and_gradient", "soft_threshold"]


def to_keras(regularizer: L1 | L2 | L1L2) -> keras.regularizers.Regularizer:
    """The ``keras.regularizers`` object with the same factors as a numpy regularizer."""
    if isinstance(regularizer, L1):
        return keras.regularizers.L1(regularizer.l1)
    if isinstance(regularizer, L2):
        return keras.regularizers.L2(regularizer.l2)
    if isinstance(regularizer, L1L2):
        return keras.regularizers.L1L2(l1=regularizer.l1, l2=regularizer.l2)
    if isinstance(regularizer, ProximalL1):
        raise ValueError("regularizer ProximalL1 has no Keras counterpart: train without a "
                         "kernel_regularizer and apply tf_twins.regularization.soft_threshold "
                         "after each optimizer step")
    raise ValueError(f"regularizer must be an L1, L2 or L1L2 from course_lib.regularization, "
                     f"got {_show(regularizer)}")


def penalty_and_gradient(regularizer: Any, w: Any) -> tuple[float, np.ndarray]:
    """``regularizer(w)`` and its gradient by ``tf.GradientTape``, computed in ``w``'s dtype.

    ``w`` is a real array (integers become float64); a nan or inf in the penalty or its gradient
    is refused with an error, as the numpy twins refuse them.
    """
    if not isinstance(regularizer, keras.regularizers.Regularizer):
        raise TypeError(f"regularizer must be a keras.regularizers.Regularizer (see to_keras), "
                        f"got {_show(regularizer)}")
    w = _real("w", w)
    variable = tf.Variable(w)
    with tf.GradientTape() as tape:
        value = regularizer(variable)
    grad = tape.gradient(value, variable)
    value, grad = float(value), (np.zeros_like(w) if grad is None else grad.numpy())
    if not (np.isfinite(value) and np.all(np.isfinite(grad))):
        raise ValueError(f"Keras's {type(regularizer).__name__} gives a non-finite penalty "
                         f"({value}) or gradient for these w (largest |w| "
                         f"{float(np.max(np.abs(w))) if w.size else 0.0:.3g}, dtype {w.dtype})")
    return value, grad


def _real(name: str, w: Any) -> np.ndarray:
    """A float array (float32/float64 kept, integers -> float64); booleans refused."""
    arr = check_array(name, w, dtype=None, finite=False, nonempty=False)
    if arr.dtype.kind == "b":
        raise TypeError(f"{name} must hold real numbers, got booleans: {_show(w)}")
    return arr if arr.dtype in (np.float32, np.float64) else arr.astype(np.float64)


def soft_threshold(w: Any, threshold: float) -> tf.Tensor:
    """``sign(w) * max(|w| - threshold, 0)`` in TensorFlow (twin of the numpy one).

    In a ``GradientTape`` loop: ``v.assign(soft_threshold(v, learning_rate * l1))`` after
    ``optimizer.apply_gradients``. Like the numpy twin, it refuses nan/inf weights.
    """
    threshold = check_real("threshold", threshold, low=0)
    if not tf.is_tensor(w) and not isinstance(w, tf.Variable):
        w = _real("w", w)
    w = tf.convert_to_tensor(w)
    if not w.dtype.is_floating:
        raise TypeError(f"w must be a floating-point tensor, got dtype {w.dtype.name}")
    if not bool(tf.reduce_all(tf.math.is_finite(w))):
        raise ValueError("w must contain only finite values")
    # tf.constant in w's dtype: tf.cast(0.7, tf.float64) would round 0.7 through float32 first
    return tf.sign(w) * tf.maximum(tf.abs(w) - tf.constant(threshold, dtype=w.dtype), 0)
