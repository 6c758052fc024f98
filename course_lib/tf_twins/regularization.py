"""TensorFlow twins of :mod:`course_lib.regularization`: the Keras regularizer objects.

``to_keras`` builds the ``keras.regularizers`` object with the same factors;
``penalty_and_gradient`` evaluates any Keras regularizer and its gradient by autodiff, which
is what the tests compare with the hand-written numpy gradients. ``soft_threshold`` is the
proximal step for a ``GradientTape`` loop (Keras has no proximal regularizer).

One Keras detail: ``keras.regularizers.L1`` stores ``l1`` as a float32 tensor, so on float64
weights it uses ``float32(l1)`` (``L2`` and ``L1L2`` keep a Python float).

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

from course_lib._checks import check_array, check_real
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
                     f"got {regularizer!r}")


def penalty_and_gradient(regularizer: Any, w: Any) -> tuple[float, np.ndarray]:
    """``regularizer(w)`` and its gradient by ``tf.GradientTape``, computed in ``w``'s dtype."""
    w = np.asarray(w)
    variable = tf.Variable(w)
    with tf.GradientTape() as tape:
        value = regularizer(variable)
    return float(value), tape.gradient(value, variable).numpy()


def soft_threshold(w: Any, threshold: float) -> tf.Tensor:
    """``sign(w) * max(|w| - threshold, 0)`` in TensorFlow (twin of the numpy one).

    In a ``GradientTape`` loop: ``v.assign(soft_threshold(v, learning_rate * l1))`` after
    ``optimizer.apply_gradients``.
    """
    threshold = check_real("threshold", threshold, low=0)
    if not tf.is_tensor(w) and not isinstance(w, tf.Variable):
        w = check_array("w", w, finite=False)
    w = tf.convert_to_tensor(w)
    # tf.constant in w's dtype: tf.cast(0.7, tf.float64) would round 0.7 through float32 first
    return tf.sign(w) * tf.maximum(tf.abs(w) - tf.constant(threshold, dtype=w.dtype), 0)
