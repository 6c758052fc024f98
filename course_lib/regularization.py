r"""Weight penalties: L1, L2, L1+L2 (Keras's conventions) and proximal L1.

A regularizer adds a penalty :math:`\Omega(W)` to the loss of every penalized weight matrix
(a model's ``weight_keys``: kernels, never biases) and its (sub)gradient to the gradient.
``course_lib.training.fit(..., regularizer=...)`` calls ``penalty(W)`` and ``gradient(W)``,
and, if the regularizer has ``prox(w, learning_rate)``, applies it after the optimizer step.

**Keras's L2 has no 1/2.** ``keras.regularizers.L2(l2)`` adds ``l2 * sum(w**2)``, whose
gradient is ``2 * l2 * w``. Textbooks write :math:`\frac{\lambda}{2}\lVert w\rVert^2`, with
gradient :math:`\lambda w`. So the textbook's :math:`\lambda` is ``2 * l2``: Keras's
``L2(0.01)`` is the textbook's :math:`\lambda = 0.02`, and with plain gradient descent it is
weight decay by a factor ``1 - 2 * learning_rate * l2`` per step.

**Edges, as Keras or clearer.** A factor of 0 is no term at all (Keras's ``L1L2`` skips it),
so no ``0 * inf`` and no overflow of an unused ``w**2``. ``None``, strings, booleans and
``nan`` weights are refused; an infinite weight only where the result stays finite (the L1
subgradient ``sign(inf) = 1``, a zero factor). A penalty whose plain sum overflows
(``sum(w**2)`` past ~1e154) is computed exactly by power-of-two scaling where Keras gives inf,
and one beyond float64's range is refused. ``fit`` checks its loss and gradient norm every
step before any penalty meets a non-finite weight, so divergence is still reported there.

>>> import numpy as np
>>> w = np.array([[1.0, -2.0], [0.0, 3.0]])
>>> L2(0.1).penalty(w)    # 0.1 * (1 + 4 + 0 + 9)
1.4
>>> L1(0.1).gradient(w)   # 0.1 * sign(w), 0 at 0 as TensorFlow's gradient of abs
array([[ 0.1, -0.1],
       [ 0. ,  0.1]])
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from course_lib._checks import _show, check_array, check_real

__all__ = ["L1", "L2", "L1L2", "ProximalL1", "soft_threshold"]


def _weights(w: Any, *, inf_ok: bool = False) -> np.ndarray:
    """``w`` as a float64 array, or a clear error: ``None``, strings, booleans and nan are
    refused, and so is an infinite weight unless the result stays finite (``inf_ok``: the L1
    subgradient ``sign(inf) = 1``, a zero factor), where Keras too gives a finite value."""
    arr = check_array("w", w, finite=False)
    if np.asarray(w).dtype.kind == "b":
        raise TypeError(f"w must hold real numbers, got booleans: {_show(w)}")
    n_nan = int(np.count_nonzero(np.isnan(arr)))
    if n_nan:
        raise ValueError(f"w must not contain nan; found {n_nan} nan")
    if not inf_ok:
        n_inf = int(np.count_nonzero(np.isinf(arr)))
        if n_inf:
            raise ValueError(f"w must contain only finite values here (the result would be "
                             f"infinite); found {n_inf} inf")
    return arr


def _factor(name: str, value: Any) -> float:
    return check_real(name, value, low=0)


def _l1_term(l1: float, w: np.ndarray) -> float:
    """``l1 * sum(|w|)``; 0 when ``l1 == 0`` (Keras skips a zero term). Exact where the plain
    sum overflows but the penalty does not; a penalty beyond float64's range is refused."""
    if l1 == 0.0:
        return 0.0
    with np.errstate(over="ignore"):
        value = l1 * float(np.sum(np.abs(w)))
    if math.isfinite(value):
        return value
    # sum(|w|) overflowed: sum the entries scaled by a power of two (exact), scale back at the end
    e = math.frexp(float(np.max(np.abs(w))))[1]
    return _scale_back("l1 * sum(|w|)", l1 * float(np.sum(np.abs(np.ldexp(w, -e)))), e, w, "l1", l1)


def _l2_term(l2: float, w: np.ndarray) -> float:
    """``l2 * sum(w**2)``; 0 when ``l2 == 0``; overflow-safe as :func:`_l1_term`."""
    if l2 == 0.0:
        return 0.0
    with np.errstate(over="ignore"):
        value = l2 * float(np.sum(np.square(w)))
    if math.isfinite(value):
        return value
    e = math.frexp(float(np.max(np.abs(w))))[1]
    return _scale_back("l2 * sum(w**2)", l2 * float(np.sum(np.square(np.ldexp(w, -e)))), 2 * e,
                       w, "l2", l2)


def _scale_back(what: str, scaled: float, e: int, w: np.ndarray, name: str, factor: float) -> float:
    try:
        value = math.ldexp(scaled, e)
    except OverflowError:
        value = math.inf
    if not math.isfinite(value):
        raise ValueError(f"the penalty {what} exceeds float64's range (~1.8e308) for {name}="
                         f"{factor!r} and w with |w| up to {float(np.max(np.abs(w))):.3g}: "
                         f"w must be smaller")
    return value


_TINY = float(np.finfo(np.float64).tiny)   # 2.2e-308, the smallest normal float64


def _subgradient_sign(w: np.ndarray) -> np.ndarray:
    """``sign(w)``, 0 at 0, and 0 for subnormal weights (|w| < 2.2e-308) as in TensorFlow,
    whose CPU kernels flush subnormal numbers to zero before ``abs`` sees them."""
    return np.where(np.abs(w) < _TINY, 0.0, np.sign(w))   # an array also for 0-d w


def _l2_gradient(l2: float, w: np.ndarray) -> np.ndarray:
    """``2 * l2 * w`` (zeros when ``l2 == 0``); refused where it overflows float64."""
    if l2 == 0.0:
        return np.zeros_like(w)
    with np.errstate(over="ignore"):
        grad = (2.0 * l2) * w
    if not np.all(np.isfinite(grad)):
        raise ValueError(f"the gradient 2 * l2 * w exceeds float64's range for l2={l2!r} and "
                         f"|w| up to {float(np.max(np.abs(w))):.3g}: w must be smaller")
    return grad


@dataclass(frozen=True)
class L1:
    r"""``l1 * sum(|w|)``; subgradient ``l1 * sign(w)`` (0 at 0). Keras: ``keras.regularizers.L1``.

    As in TensorFlow on a CPU, which flushes subnormal numbers to zero, the subgradient is also
    0 at a subnormal weight (``|w| < 2.2e-308``), where the textbook ``sign(w)`` is ±1.

    :math:`\Omega(w) = \lambda_1 \sum_i |w_i|`. Gradient descent on it moves each weight by a
    constant ``learning_rate * l1`` towards 0 and overshoots: weights end up jittering around
    0 by tiny amounts, never exactly 0. For exact zeros use :class:`ProximalL1`.

    >>> L1(0.5).penalty([3.0, -1.0, 0.0])
    2.0
    """

    l1: float = 0.01

    def __post_init__(self) -> None:
        object.__setattr__(self, "l1", _factor("l1", self.l1))

    def penalty(self, w: Any) -> float:
        """``l1 * sum(|w|)`` (0 when ``l1 == 0``)."""
        return _l1_term(self.l1, _weights(w, inf_ok=not self.l1))

    def gradient(self, w: Any) -> np.ndarray:
        """``l1 * sign(w)``: the subgradient TensorFlow's autodiff gives for ``abs`` (0 at 0)."""
        return self.l1 * _subgradient_sign(_weights(w, inf_ok=True))


@dataclass(frozen=True)
class L2:
    r"""``l2 * sum(w**2)`` (no 1/2, as Keras); gradient ``2 * l2 * w``. Keras: ``keras.regularizers.L2``.

    :math:`\Omega(w) = \lambda_2 \sum_i w_i^2`; the textbook's
    :math:`\frac{\lambda}{2}\lVert w\rVert^2` is ``L2(l2=lambda / 2)``.

    >>> L2(0.5).gradient([3.0, -1.0]).tolist()
    [3.0, -1.0]
    """

    l2: float = 0.01

    def __post_init__(self) -> None:
        object.__setattr__(self, "l2", _factor("l2", self.l2))

    def penalty(self, w: Any) -> float:
        """``l2 * sum(w**2)`` (0 when ``l2 == 0``)."""
        return _l2_term(self.l2, _weights(w, inf_ok=not self.l2))

    def gradient(self, w: Any) -> np.ndarray:
        """``2 * l2 * w``."""
        return _l2_gradient(self.l2, _weights(w, inf_ok=not self.l2))


@dataclass(frozen=True)
class L1L2:
    r"""``l1 * sum(|w|) + l2 * sum(w**2)`` (elastic net). Keras: ``keras.regularizers.L1L2``.

    Keras's defaults: ``L1L2()`` penalizes nothing (``l1 = l2 = 0``).

    >>> L1L2(l1=1.0, l2=0.5).penalty([2.0, -1.0])   # 1*(2+1) + 0.5*(4+1)
    5.5
    """

    l1: float = 0.0
    l2: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "l1", _factor("l1", self.l1))
        object.__setattr__(self, "l2", _factor("l2", self.l2))

    def penalty(self, w: Any) -> float:
        """``l1 * sum(|w|) + l2 * sum(w**2)``; a term whose factor is 0 is skipped, as in Keras."""
        w = _weights(w, inf_ok=not (self.l1 or self.l2))
        total = _l1_term(self.l1, w) + _l2_term(self.l2, w)
        if not math.isfinite(total):
            raise ValueError(f"the penalty l1 * sum(|w|) + l2 * sum(w**2) exceeds float64's range "
                             f"for l1={self.l1!r}, l2={self.l2!r}: w must be smaller")
        return total

    def gradient(self, w: Any) -> np.ndarray:
        """``l1 * sign(w) + 2 * l2 * w``; a term whose factor is 0 is skipped, as in Keras."""
        w = _weights(w, inf_ok=not self.l2)
        grad = _l2_gradient(self.l2, w)
        if self.l1:
            grad = grad + self.l1 * _subgradient_sign(w)
        return grad


def soft_threshold(w: Any, threshold: float) -> np.ndarray:
    r"""The proximal operator of ``threshold * |w|``: ``sign(w) * max(|w| - threshold, 0)``.

    :math:`\operatorname{prox}_{t|\cdot|}(w) = \arg\min_v \tfrac12 (v - w)^2 + t|v|`. Every
    weight within ``threshold`` of 0 becomes exactly 0; the others shrink by ``threshold``.

    >>> soft_threshold([0.3, -0.05, -2.0, 0.1], 0.1).tolist()
    [0.2, 0.0, -1.9, 0.0]
    """
    return _soft(_weights(w), check_real("threshold", threshold, low=0))


def _soft(w: np.ndarray, threshold: float) -> np.ndarray:
    # threshold may be inf (learning_rate * l1 overflowed): every weight becomes 0, exactly
    return np.sign(w) * np.maximum(np.abs(w) - threshold, 0.0)


@dataclass(frozen=True)
class ProximalL1:
    r"""L1 by proximal gradient descent (ISTA): exact zeros. No Keras counterpart.

    The smooth loss takes the optimizer step; then ``prox`` soft-thresholds each penalized
    weight by ``learning_rate * l1``:
    :math:`w \leftarrow \operatorname{sign}(w)\max(|w| - \eta\lambda_1, 0)`.
    So ``gradient`` is zero (the penalty is not differentiated) while ``penalty`` still
    reports ``l1 * sum(|w|)``, so that the loss curves compare with :class:`L1`'s.

    >>> ProximalL1(0.5).prox([1.0, -0.02], learning_rate=0.1).tolist()
    [0.95, 0.0]
    """

    l1: float = 0.01

    def __post_init__(self) -> None:
        object.__setattr__(self, "l1", _factor("l1", self.l1))

    def penalty(self, w: Any) -> float:
        """``l1 * sum(|w|)`` (reported in the loss; not differentiated)."""
        return _l1_term(self.l1, _weights(w, inf_ok=not self.l1))

    def gradient(self, w: Any) -> np.ndarray:
        """Zeros: the L1 term is handled by :meth:`prox`, not by the gradient."""
        return np.zeros_like(_weights(w, inf_ok=True))

    def prox(self, w: Any, learning_rate: float) -> np.ndarray:
        """``soft_threshold(w, learning_rate * l1)``, applied after each optimizer step."""
        learning_rate = check_real("learning_rate", learning_rate, low=0)
        return _soft(_weights(w), learning_rate * self.l1 if self.l1 else 0.0)
