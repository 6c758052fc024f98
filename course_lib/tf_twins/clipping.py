"""TensorFlow twins of :mod:`course_lib.clipping` (same arguments, numpy arrays back).

Each function runs the TensorFlow operation itself; the tests feed the same random
gradients to both halves and compare. :func:`keras_optimizer_clipping` goes further and
lets a real ``keras.optimizers.SGD`` (learning rate 1, no momentum) apply the gradients
with ``clipvalue`` / ``clipnorm`` / ``global_clipnorm`` to variables that start at zero, so
the update it makes, negated, is exactly the clipped gradient the optimizer used.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from course_lib._checks import _show, check_array, check_choice, check_real
from course_lib.clipping import apply_keras_clipping, global_norm

__all__ = ["clip_by_value", "clip_by_norm", "clip_by_global_norm", "keras_optimizer_clipping"]


_DTYPES = ("float32", "float64")


def _tensors(grads: Sequence[np.ndarray], dtype: str) -> list[tf.Tensor]:
    """Checked arrays (a non-empty list or tuple of finite real arrays) as ``dtype`` tensors.

    An entry beyond the range of ``dtype`` (float32: ~3.4e38) is refused: TensorFlow would make
    it inf.
    """
    dtype = check_choice("dtype", dtype, _DTYPES)
    if not isinstance(grads, (list, tuple)) or not grads:
        raise TypeError(f"grads must be a non-empty list or tuple of arrays, got {_show(grads)}")
    out = []
    for i, g in enumerate(grads):
        arr = check_array(f"grads[{i}]", g, dtype=None, nonempty=False)
        if arr.dtype.kind == "b":
            raise TypeError(f"grads[{i}] must hold real numbers, got booleans: {_show(g)}")
        with np.errstate(over="ignore"):
            cast = arr.astype(dtype)
        if not np.all(np.isfinite(cast)):
            raise ValueError(f"grads[{i}] has entries beyond {dtype}'s range "
                             f"(|g| up to {float(np.max(np.abs(arr))):.3g})")
        out.append(tf.constant(cast))
    return out


def _check_norms(tensors: list[tf.Tensor], dtype: str, each: bool, c: float) -> None:
    """Refuse gradients whose norm TensorFlow cannot form in ``dtype``, where it would clip
    silently wrong: ``sum(t * t)`` overflowing (the "clipped" gradient becomes 0) or, when the
    clipping applies, underflowing, and a scale ``c / N`` (or ``1 / N``) below the smallest
    normal number, which its CPU kernels flush to 0. The numpy twin scales first instead."""
    info = np.finfo(dtype)
    arrays = [t.numpy().astype(np.float64) for t in tensors]
    groups = [[a] for a in arrays] if each else [arrays]
    for i, group in enumerate(groups):
        where = f"grads[{i}]" if each else "grads"
        try:
            norm = global_norm(group)
        except ValueError:
            norm = math.inf
        problem = None
        if norm > math.sqrt(float(info.max)):
            problem = f"its sum of squares overflows {dtype}"
        elif (norm > c or not each) and 0 < norm < math.sqrt(float(info.tiny)):   # (global: the norm is returned)
            problem = f"its sum of squares underflows {dtype}"
        elif norm > c and (c / norm < float(info.tiny) or (not each and 1 / norm < float(info.tiny))):
            problem = f"the scale clip_norm / norm = {c / norm:.3g} is flushed to 0 in {dtype}"
        if problem:
            raise ValueError(f"{where} cannot be clipped by TensorFlow's norm in {dtype} (norm "
                             f"{norm:.3g}, clip norm {c!r}): {problem}; use the numpy "
                             f"course_lib.clipping, which scales first")


def _check_global_clip_norm(c: float, dtype: str, name: str) -> None:
    """TensorFlow scales by ``clip_norm * min(1 / norm, 1 / clip_norm)``: a ``clip_norm`` whose
    inverse is subnormal in ``dtype`` is flushed to 0 on CPU and every gradient becomes 0."""
    if 1.0 / c < float(np.finfo(dtype).tiny):
        raise ValueError(f"{name} must be at most {1 / float(np.finfo(dtype).tiny):.3g} for TensorFlow "
                         f"in {dtype} (it computes 1 / {name}, which would flush to 0), got {c!r}")


def _finite_result(name: str, arrays: list[np.ndarray], **arguments: Any) -> list[np.ndarray]:
    """TensorFlow's result, or a clear error where its arithmetic overflowed (``t * clip_norm``)."""
    if not all(np.all(np.isfinite(a)) for a in arrays):
        given = ", ".join(f"{k}={v!r}" for k, v in arguments.items())
        raise ValueError(f"TensorFlow's {name} overflowed for these grads and {given} (it forms "
                         f"t * clip_norm before dividing): use the numpy course_lib.clipping, "
                         f"which does not, or smaller values")
    return arrays


def clip_by_value(grads: Sequence[np.ndarray], clip_value_min: float, clip_value_max: float,
                  *, dtype: str = "float32") -> list[np.ndarray]:
    """``tf.clip_by_value`` on each array, computed in ``dtype``.

    >>> clip_by_value([np.array([-3.0, 0.5, 2.0])], -1.0, 1.0)
    [array([-1. ,  0.5,  1. ], dtype=float32)]
    """
    tensors = _tensors(grads, dtype)
    low = check_real("clip_value_min", clip_value_min)
    high = check_real("clip_value_max", clip_value_max)
    if low > high:
        raise ValueError(f"clip_value_min must be <= clip_value_max, got {low!r} > {high!r}")
    return [tf.clip_by_value(t, low, high).numpy() for t in tensors]


def clip_by_norm(grads: Sequence[np.ndarray], clip_norm: float,
                 *, dtype: str = "float32") -> list[np.ndarray]:
    """``tf.clip_by_norm`` on each array (each by its own norm), computed in ``dtype``.

    >>> clip_by_norm([np.array([3.0, 4.0])], 1.0, dtype="float64")
    [array([0.6, 0.8])]
    """
    tensors = _tensors(grads, dtype)
    c = _clip_norm(clip_norm, dtype)
    _check_norms(tensors, dtype, each=True, c=c)
    return _finite_result("clip_by_norm", [tf.clip_by_norm(t, c).numpy() for t in tensors], clip_norm=c)


def _clip_norm(clip_norm: Any, dtype: str, name: str = "clip_norm") -> float:
    c = check_real(name, clip_norm, low=0, low_open=True)
    with np.errstate(over="ignore"):
        as_dtype = np.dtype(dtype).type(c)
    if not np.isfinite(as_dtype) or as_dtype == 0:
        raise ValueError(f"{name} must be representable in {dtype} (> 0 and finite), got {c!r}")
    return c


def clip_by_global_norm(grads: Sequence[np.ndarray], clip_norm: float,
                        *, dtype: str = "float32") -> tuple[list[np.ndarray], float]:
    """``tf.clip_by_global_norm``: ``(clipped arrays, global norm before clipping)``.

    >>> clipped, norm = clip_by_global_norm([np.array([3.0]), np.array([4.0])], 1.0,
    ...                                     dtype="float64")
    >>> clipped, norm
    ([array([0.6]), array([0.8])], 5.0)
    """
    tensors = _tensors(grads, dtype)
    c = _clip_norm(clip_norm, dtype)
    _check_norms(tensors, dtype, each=False, c=c)
    _check_global_clip_norm(c, dtype, "clip_norm")
    clipped, norm = tf.clip_by_global_norm(tensors, c)
    if not np.isfinite(float(norm)):
        raise ValueError(f"the global norm of grads overflows {dtype} in TensorFlow")
    return _finite_result("clip_by_global_norm", [t.numpy() for t in clipped], clip_norm=c), float(norm)


def keras_optimizer_clipping(grads: Sequence[np.ndarray], clipvalue: float | None = None,
                             clipnorm: float | None = None,
                             global_clipnorm: float | None = None) -> list[np.ndarray]:
    """The gradients a ``keras.optimizers.SGD(learning_rate=1.0, clip...=...)`` really applied.

    The variables (float32, Keras's default) start at 0 and take one plain SGD step
    ``w <- w - 1.0 * clip(g)``, so ``-w`` is the clipped gradient, as float32 arrays.

    >>> keras_optimizer_clipping([np.array([3.0, 4.0])], clipnorm=1.0)
    [array([0.6, 0.8], dtype=float32)]
    """
    tensors = _tensors(grads, "float32")
    apply_keras_clipping([np.zeros(1)], clipvalue, clipnorm, global_clipnorm)  # at most one, each > 0
    for name, value in (("clipnorm", clipnorm), ("global_clipnorm", global_clipnorm)):
        if value is not None:
            _clip_norm(value, "float32", name)
            _check_norms(tensors, "float32", each=name == "clipnorm", c=float(value))
    if global_clipnorm is not None:
        _check_global_clip_norm(float(global_clipnorm), "float32", "global_clipnorm")
    variables = [keras.Variable(np.zeros(t.shape), dtype="float32") for t in tensors]
    optimizer = keras.optimizers.SGD(learning_rate=1.0, momentum=0.0, clipvalue=clipvalue,
                                     clipnorm=clipnorm, global_clipnorm=global_clipnorm)
    optimizer.apply_gradients(zip(tensors, variables))
    return _finite_result("keras_optimizer_clipping", [-np.asarray(v.numpy()) for v in variables],
                          clipvalue=clipvalue, clipnorm=clipnorm, global_clipnorm=global_clipnorm)
