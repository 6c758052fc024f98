"""Gradient clipping: limit the *gradient* before the update (not the learning rate).

The chapter's §3.4 calls learning-rate scheduling "clipping" (裁剪); real gradient clipping is
this module. Three rules, each the numpy twin of a TensorFlow function:

* by value       ``g_i -> min(max(g_i, lo), hi)``              ``tf.clip_by_value``
* by norm        ``g -> g * c / max(||g||, c)``                ``tf.clip_by_norm``
* by global norm ``g_k -> g_k * c / max(N, c)``, ``N = sqrt(sum_k ||g_k||^2)``
                                                               ``tf.clip_by_global_norm``

and :func:`apply_keras_clipping`, what a Keras optimizer does with its ``clipvalue``,
``clipnorm`` or ``global_clipnorm`` argument before every update.

``grads`` is one array, a list/tuple of arrays, or a dict of arrays (the training loop's
gradients are keyed like its parameters); the result has the same kind. Inputs are never
modified. Each array must hold finite real numbers: ``None``, strings, booleans and nan/inf
entries are refused with an error naming the entry (``grads[1]``, ``grads['W']``), where
TensorFlow would return nan everywhere (``course_lib.training.fit`` checks the gradient's
norm before clipping, so its divergence report comes first). Norms are computed without
overflow (the entries are scaled by a power of two, which is exact), so huge gradients and
huge ``clip_norm`` values give exact results, where TensorFlow's ``t * clip_norm / norm``
overflows to inf; only a global norm beyond float64's range (~1.8e308) is refused.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import math

import numpy as np

from course_lib._checks import _show, check_array, check_real

__all__ = ["clip_by_value", "clip_by_norm", "clip_by_global_norm", "global_norm",
           "apply_keras_clipping"]

Grads = Any  # np.ndarray | list[np.ndarray] | tuple[np.ndarray, ...] | dict[str, np.ndarray]


def _as_float(name: str, g: Any) -> np.ndarray:
    arr = check_array(name, g, dtype=None, nonempty=False)
    if arr.dtype.kind == "b":
        raise TypeError(f"{name} must hold real numbers, got booleans: {_show(g)}")
    return arr if arr.dtype.kind == "f" else arr.astype(float)


def _unpack(grads: Grads) -> tuple[list[np.ndarray], Callable[[list[np.ndarray]], Grads]]:
    """Split ``grads`` into a list of float arrays and a function that rebuilds its kind."""
    if isinstance(grads, dict):
        if not grads:
            raise ValueError("grads must not be empty, got an empty dict")
        keys = list(grads)
        return [_as_float(f"grads[{k!r}]", grads[k]) for k in keys], lambda out: dict(zip(keys, out))
    if isinstance(grads, (list, tuple)):
        if not grads:
            raise ValueError(f"grads must not be empty, got an empty {type(grads).__name__}")
        kind = type(grads)
        return [_as_float(f"grads[{i}]", g) for i, g in enumerate(grads)], lambda out: kind(out)
    return [_as_float("grads", grads)], lambda out: out[0]


def _scaled_norm(arrays: list[np.ndarray]) -> tuple[float, int]:
    """``(n, e)`` with the global L2 norm ``N = n * 2**e``, computed without overflow.

    Plain ``sqrt(sum(g*g))`` when that is finite and its sum of squares no subnormal; else
    the entries are scaled by ``2**-e`` (exact) so that the largest is in [0.5, 1).
    """
    with np.errstate(over="ignore", under="ignore"):
        total = sum(float(np.vdot(g, g)) for g in arrays)
    if math.isfinite(total) and total >= max(np.finfo(g.dtype).tiny for g in arrays):
        return math.sqrt(total), 0
    if not any(np.any(g) for g in arrays):
        return 0.0, 0
    e = math.frexp(max(float(np.max(np.abs(g))) for g in arrays if g.size))[1]
    with np.errstate(under="ignore"):
        scaled = [np.ldexp(g, -e) for g in arrays]
        return math.sqrt(sum(float(np.vdot(g, g)) for g in scaled)), e


def _norm_value(n: float, e: int) -> float:
    """``n * 2**e`` as a float, or a clear error when it exceeds float64's range."""
    try:
        return math.ldexp(n, e)
    except OverflowError:
        raise ValueError(f"the global norm of grads exceeds float64's range (~1.8e308): about "
                         f"2**{e + math.frexp(n)[1]}; scale the gradients down first") from None


def _rescaled(g: np.ndarray, c: float, n: float, e: int) -> np.ndarray:
    """``g * c / N`` for ``N = n * 2**e > c``, without overflow or a spurious underflow."""
    with np.errstate(under="ignore"):
        ratio = math.ldexp(c / n, -e)          # c / N < 1: never overflows
        if ratio >= np.finfo(g.dtype).tiny:   # (float32 arrays turn a Python float into float32)
            return g * ratio                   # the common case: one multiplication
        # c / N is subnormal (a tiny clip_norm, a huge norm): multiply mantissas, add exponents
        (mc, ec), (mn, en) = math.frexp(c), math.frexp(n)
        mg, eg = np.frexp(g)
        return np.ldexp(mg * (mc / mn), eg + (ec - en - e)).astype(g.dtype, copy=False)


def _exceeds(n: float, e: int, c: float) -> bool:
    """``N = n * 2**e > c``, also when ``N`` itself is beyond float64's range."""
    try:
        return math.ldexp(n, e) > c
    except OverflowError:
        return True


def clip_by_value(grads: Grads, clip_value_min: float, clip_value_max: float) -> Grads:
    """Clip every entry to ``[clip_value_min, clip_value_max]``: ``g_i -> min(max(g_i, lo), hi)``.

    TensorFlow: ``tf.clip_by_value``. It can change the gradient's direction, not only
    its length (each coordinate is cut on its own).

    >>> clip_by_value(np.array([-3.0, 0.5, 2.0]), -1.0, 1.0)
    array([-1. ,  0.5,  1. ])
    """
    low = check_real("clip_value_min", clip_value_min)
    high = check_real("clip_value_max", clip_value_max)
    if low > high:
        raise ValueError(f"clip_value_min must be <= clip_value_max, got {low!r} > {high!r}")
    arrays, rebuild = _unpack(grads)
    return rebuild([np.clip(g, low, high) for g in arrays])


def clip_by_norm(grads: Grads, clip_norm: float) -> Grads:
    """Rescale each array to L2 norm at most ``clip_norm``: ``g -> g * c / max(||g||, c)``.

    TensorFlow: ``tf.clip_by_norm`` (with ``axes=None``). A list is clipped array by array,
    each by its own norm, as Keras's ``clipnorm`` does. The direction never changes.

    >>> clip_by_norm(np.array([3.0, 4.0]), 1.0)   # norm 5 -> 1
    array([0.6, 0.8])
    """
    c = check_real("clip_norm", clip_norm, low=0, low_open=True)
    arrays, rebuild = _unpack(grads)
    out = []
    for g in arrays:
        n, e = _scaled_norm([g])
        out.append(_rescaled(g, c, n, e) if _exceeds(n, e, c) else g.copy())
    return rebuild(out)


def global_norm(grads: Grads) -> float:
    """The L2 norm of all entries together: ``N = sqrt(sum_k ||g_k||^2)``.

    TensorFlow: ``tf.linalg.global_norm``.

    >>> global_norm([np.array([3.0]), np.array([[4.0]])])
    5.0
    """
    return _norm_value(*_scaled_norm(_unpack(grads)[0]))


def clip_by_global_norm(grads: Grads, clip_norm: float) -> tuple[Grads, float]:
    """Rescale all arrays by one factor so that their global norm is at most ``clip_norm``.

    ``g_k -> g_k * c / max(N, c)`` with ``N = sqrt(sum_k ||g_k||^2)``; returns
    ``(clipped, N)`` where ``N`` is the norm *before* clipping, as TensorFlow's
    ``tf.clip_by_global_norm`` returns it. Unlike per-array clipping, it keeps the direction of
    the whole update. (TensorFlow makes every entry nan when ``N`` is nan or inf; here
    non-finite gradients are refused.)

    >>> clipped, norm = clip_by_global_norm([np.array([3.0]), np.array([4.0])], 1.0)
    >>> clipped, norm
    ([array([0.6]), array([0.8])], 5.0)
    """
    c = check_real("clip_norm", clip_norm, low=0, low_open=True)
    arrays, rebuild = _unpack(grads)
    n, e = _scaled_norm(arrays)
    norm = _norm_value(n, e)
    if not _exceeds(n, e, c):
        return rebuild([g.copy() for g in arrays]), norm
    return rebuild([_rescaled(g, c, n, e) for g in arrays]), norm


def apply_keras_clipping(grads: Grads, clipvalue: float | None = None, clipnorm: float | None = None,
                         global_clipnorm: float | None = None) -> Grads:
    """Clip gradients as a Keras optimizer does before its update (at most one argument set).

    * ``clipvalue=v``:       every entry to ``[-v, v]``   (:func:`clip_by_value`)
    * ``clipnorm=c``:        each array by its own norm  (:func:`clip_by_norm`)
    * ``global_clipnorm=c``: all arrays by their global norm (:func:`clip_by_global_norm`)
    * none set: the gradients unchanged.

    Keras: the ``clipvalue`` / ``clipnorm`` / ``global_clipnorm`` arguments of every
    ``keras.optimizers.Optimizer`` (``BaseOptimizer._clip_gradients``). Keras refuses two
    at once, as here; it silently skips a value of 0, which here is an error (a value must
    be > 0).

    >>> apply_keras_clipping([np.array([3.0, 4.0]), np.array([0.3, 0.4])], clipnorm=1.0)
    [array([0.6, 0.8]), array([0.3, 0.4])]
    """
    given = {k: v for k, v in (("clipvalue", clipvalue), ("clipnorm", clipnorm),
                               ("global_clipnorm", global_clipnorm)) if v is not None}
    if len(given) > 1:
        raise ValueError(f"at most one of clipvalue, clipnorm, global_clipnorm may be set, "
                         f"got {', '.join(f'{k}={v!r}' for k, v in given.items())}")
    if not given:
        arrays, rebuild = _unpack(grads)
        return rebuild(arrays)
    (name, value), = given.items()
    value = check_real(name, value, low=0, low_open=True)
    if name == "clipvalue":
        return clip_by_value(grads, -value, value)
    if name == "clipnorm":
        return clip_by_norm(grads, value)
    return clip_by_global_norm(grads, value)[0]
