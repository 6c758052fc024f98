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

>>> import numpy as np
>>> w = np.array([[1.0, -2.0], [0.0, 3.0]])
>>> L2(0.1).penalty(w)    # 0.1 * (1 + 4 + 0 + 9)
1.4
>>> L1(0.1).gradient(w)   # 0.1 * sign(w), 0 at 0 as TensorFlow's gradient of abs
array([[ 0.1, -0.1],
       [ 0. ,  0.1]])
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from course_lib._checks import check_array, check_real

__all__ = ["L1", "L2", "L1L2", "ProximalL1", "soft_threshold"]


def _weights(w: Any) -> np.ndarray:
    # No finiteness check: a diverging fit must reach its own nan/inf message, not ours.
    return check_array("w", w, finite=False)


def _factor(name: str, value: Any) -> float:
    return check_real(name, value, low=0)


@dataclass(frozen=True)
class L1:
    r"""``l1 * sum(|w|)``; subgradient ``l1 * sign(w)`` (0 at 0). Keras: ``keras.regularizers.L1``.

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
        """``l1 * sum(|w|)``."""
        return self.l1 * float(np.sum(np.abs(_weights(w))))

    def gradient(self, w: Any) -> np.ndarray:
        """``l1 * sign(w)``: the subgradient TensorFlow's autodiff gives for ``abs`` (0 at 0)."""
        return self.l1 * np.sign(_weights(w))


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
        """``l2 * sum(w**2)``."""
        return self.l2 * float(np.sum(np.square(_weights(w))))

    def gradient(self, w: Any) -> np.ndarray:
        """``2 * l2 * w``."""
        return 2.0 * self.l2 * _weights(w)


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
        """``l1 * sum(|w|) + l2 * sum(w**2)``."""
        w = _weights(w)
        return self.l1 * float(np.sum(np.abs(w))) + self.l2 * float(np.sum(np.square(w)))

    def gradient(self, w: Any) -> np.ndarray:
        """``l1 * sign(w) + 2 * l2 * w``."""
        w = _weights(w)
        return self.l1 * np.sign(w) + 2.0 * self.l2 * w


def soft_threshold(w: Any, threshold: float) -> np.ndarray:
    r"""The proximal operator of ``threshold * |w|``: ``sign(w) * max(|w| - threshold, 0)``.

    :math:`\operatorname{prox}_{t|\cdot|}(w) = \arg\min_v \tfrac12 (v - w)^2 + t|v|`. Every
    weight within ``threshold`` of 0 becomes exactly 0; the others shrink by ``threshold``.

    >>> soft_threshold([0.3, -0.05, -2.0, 0.1], 0.1).tolist()
    [0.2, 0.0, -1.9, 0.0]
    """
    w = _weights(w)
    threshold = check_real("threshold", threshold, low=0)
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
        return self.l1 * float(np.sum(np.abs(_weights(w))))

    def gradient(self, w: Any) -> np.ndarray:
        """Zeros: the L1 term is handled by :meth:`prox`, not by the gradient."""
        return np.zeros_like(_weights(w))

    def prox(self, w: Any, learning_rate: float) -> np.ndarray:
        """``soft_threshold(w, learning_rate * l1)``, applied after each optimizer step."""
        learning_rate = check_real("learning_rate", learning_rate, low=0)
        return soft_threshold(w, learning_rate * self.l1)
