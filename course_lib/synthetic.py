"""Seeded generators of small didactic datasets (every call with the same seed is identical).

>>> a = make_linear_regression(5, seed=3); b = make_linear_regression(5, seed=3)
>>> bool(np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y))
True
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course_lib._checks import check_array, check_int, check_real


@dataclass(frozen=True)
class Regression:
    """Features ``X`` (n, d), noisy targets ``y`` and the true coefficients that made them."""

    X: np.ndarray
    y: np.ndarray
    true_weights: np.ndarray
    true_bias: float


def make_linear_regression(n_samples: int = 100, n_features: int = 1, *, noise: float = 0.5,
                           seed: int = 0) -> Regression:
    r"""``y = X w + b + noise``, with ``X ~ U(-2, 2)``, ``w ~ N(0, 2^2)``, ``b ~ N(0, 1)``, noise ``N(0, noise^2)``."""
    n_samples = check_int("n_samples", n_samples, low=1)
    n_features = check_int("n_features", n_features, low=1)
    noise = check_real("noise", noise, low=0)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    w = rng.normal(0.0, 2.0, n_features)
    b = float(rng.normal())
    X = rng.uniform(-2.0, 2.0, (n_samples, n_features))
    return Regression(X, X @ w + b + rng.normal(0.0, noise, n_samples), w, b)


def make_sine_regression(n_samples: int = 12, *, noise: float = 0.25, seed: int = 0
                         ) -> tuple[np.ndarray, np.ndarray]:
    r"""A few noisy points of ``sin(2 pi x)`` on [0, 1] (Bishop's curve-fitting example).

    With a dozen points a degree-9 polynomial passes near every one of them and swings wildly
    in between: the classic picture of overfitting. Returns ``(x, y)``, ``x`` sorted.
    """
    n_samples = check_int("n_samples", n_samples, low=2)
    noise = check_real("noise", noise, low=0)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    x = np.sort(rng.uniform(0.0, 1.0, n_samples))
    return x, np.sin(2 * np.pi * x) + rng.normal(0.0, noise, n_samples)


def polynomial_features(x, degree: int) -> np.ndarray:
    """Columns ``x, x^2, ..., x^degree`` of a 1-D ``x`` (the bias is the model's own).

    >>> polynomial_features([2.0], 3).tolist()
    [[2.0, 4.0, 8.0]]
    """
    x = check_array("x", x, ndim=1)
    degree = check_int("degree", degree, low=1)
    return x[:, None] ** np.arange(1, degree + 1)


@dataclass(frozen=True)
class QuadraticBowl:
    r"""``f(w) = 1/2 (w - w*)^T A (w - w*)`` with ``A`` symmetric positive definite.

    Its gradient is ``A (w - w*)``; gradient descent converges for learning rates below
    ``2 / lambda_max(A)``, and its speed is set by the condition number
    ``lambda_max / lambda_min``.
    """

    A: np.ndarray
    minimizer: np.ndarray

    def loss(self, w) -> np.ndarray:
        """Value at ``w`` (shape (2,) or a batch (..., 2))."""
        d = np.asarray(w, dtype=float) - self.minimizer
        return 0.5 * np.einsum("...i,ij,...j->...", d, self.A, d)

    def grad(self, w) -> np.ndarray:
        """Gradient ``A (w - w*)``."""
        return (np.asarray(w, dtype=float) - self.minimizer) @ self.A

    @property
    def eigenvalues(self) -> np.ndarray:
        """Eigenvalues of ``A`` in increasing order."""
        return np.linalg.eigvalsh(self.A)

    @property
    def condition_number(self) -> float:
        """``lambda_max / lambda_min``."""
        ev = self.eigenvalues
        return float(ev[-1] / ev[0])


def make_quadratic_bowl(condition_number: float = 10.0, *, angle_deg: float = 30.0,
                        minimizer=(1.0, -0.5)) -> QuadraticBowl:
    """A 2-D bowl with eigenvalues 1 and ``condition_number``, its axes rotated by ``angle_deg``.

    >>> round(make_quadratic_bowl(25.0).condition_number, 6)
    25.0
    """
    kappa = check_real("condition_number", condition_number, low=1)
    theta = np.deg2rad(check_real("angle_deg", angle_deg))
    R = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    A = R @ np.diag([1.0, kappa]) @ R.T
    return QuadraticBowl((A + A.T) / 2, check_array("minimizer", minimizer, ndim=1))
