"""TensorFlow twins of :mod:`course_lib.clipping` (same arguments, numpy arrays back).

Each function runs the TensorFlow operation itself; the tests feed the same random
gradients to both halves and compare. :func:`keras_optimizer_clipping` goes further and
lets a real ``keras.optimizers.SGD`` (learning rate 1, no momentum) apply the gradients
with ``clipvalue`` / ``clipnorm`` / ``global_clipnorm`` to variables that start at zero, so
the update it makes, negated, is exactly the clipped gradient the optimizer used.
"""
from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
import tensorflow as tf

__all__ = ["clip_by_value", "clip_by_norm", "clip_by_global_norm", "keras_optimizer_clipping"]


def _tensors(grads: Sequence[np.ndarray], dtype: str) -> list[tf.Tensor]:
    return [tf.constant(np.asarray(g), dtype=dtype) for g in grads]


def clip_by_value(grads: Sequence[np.ndarray], clip_value_min: float, clip_value_max: float,
                  *, dtype: str = "float32") -> list[np.ndarray]:
    """``tf.clip_by_value`` on each array, computed in ``dtype``.

    >>> clip_by_value([np.array([-3.0, 0.5, 2.0])], -1.0, 1.0)
    [array([-1. ,  0.5,  1. ], dtype=float32)]
    """
    return [tf.clip_by_value(t, clip_value_min, clip_value_max).numpy()
            for t in _tensors(grads, dtype)]


def clip_by_norm(grads: Sequence[np.ndarray], clip_norm: float,
                 *, dtype: str = "float32") -> list[np.ndarray]:
    """``tf.clip_by_norm`` on each array (each by its own norm), computed in ``dtype``.

    >>> clip_by_norm([np.array([3.0, 4.0])], 1.0, dtype="float64")
    [array([0.6, 0.8])]
    """
    return [tf.clip_by_norm(t, clip_norm).numpy() for t in _tensors(grads, dtype)]


def clip_by_global_norm(grads: Sequence[np.ndarray], clip_norm: float,
                        *, dtype: str = "float32") -> tuple[list[np.ndarray], float]:
    """``tf.clip_by_global_norm``: ``(clipped arrays, global norm before clipping)``.

    >>> clipped, norm = clip_by_global_norm([np.array([3.0]), np.array([4.0])], 1.0,
    ...                                     dtype="float64")
    >>> clipped, norm
    ([array([0.6]), array([0.8])], 5.0)
    """
    clipped, norm = tf.clip_by_global_norm(_tensors(grads, dtype), clip_norm)
    return [t.numpy() for t in clipped], float(norm)


def keras_optimizer_clipping(grads: Sequence[np.ndarray], clipvalue: float | None = None,
                             clipnorm: float | None = None,
                             global_clipnorm: float | None = None) -> list[np.ndarray]:
    """The gradients a ``keras.optimizers.SGD(learning_rate=1.0, clip...=...)`` really applied.

    The variables (float32, Keras's default) start at 0 and take one plain SGD step
    ``w <- w - 1.0 * clip(g)``, so ``-w`` is the clipped gradient, as float32 arrays.

    >>> keras_optimizer_clipping([np.array([3.0, 4.0])], clipnorm=1.0)
    [array([0.6, 0.8], dtype=float32)]
    """
    variables = [keras.Variable(np.zeros(np.shape(g)), dtype="float32") for g in grads]
    optimizer = keras.optimizers.SGD(learning_rate=1.0, momentum=0.0, clipvalue=clipvalue,
                                     clipnorm=clipnorm, global_clipnorm=global_clipnorm)
    optimizer.apply_gradients(zip(_tensors(grads, "float32"), variables))
    return [-np.asarray(v.numpy()) for v in variables]
