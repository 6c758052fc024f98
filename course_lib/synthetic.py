"""Seeded generators of small didactic datasets (every call with the same seed is identical).

>>> a = make_linear_regression(5, seed=3); b = make_linear_regression(5, seed=3)
>>> bool(np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y))
True
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course_lib._checks import check_array, check_int, check_real

#: Bounds of the generators: at most MAX_VALUES numbers per array (80 MB of float64), a noise
#: std of at most MAX_NOISE (so that y and y**2 stay finite), condition numbers of at most
#: MAX_CONDITION (beyond, float64 rounding of the rotated matrix swamps its small eigenvalue).
MAX_VALUES = 10**7
MAX_NOISE = 1e150
MAX_CONDITION = 1e8


def _size(name: str, value, *, low: int) -> int:
    return check_int(name, value, low=low, high=MAX_VALUES)


def _check_total(rows: tuple[str, int], columns: tuple[str, int]) -> None:
    """``rows * columns`` numbers at most ``MAX_VALUES``; the message names both arguments."""
    (r_name, r), (c_name, c) = rows, columns
    if r * c > MAX_VALUES:
        raise ValueError(f"{r_name} * {c_name} must be <= MAX_VALUES = {MAX_VALUES} numbers, got "
                         f"{r_name}={r} and {c_name}={c}")


@dataclass(frozen=True)
class Regression:
    """Features ``X`` (n, d), noisy targets ``y`` and the true coefficients that made them."""

    X: np.ndarray
    y: np.ndarray
    true_weights: np.ndarray
    true_bias: float

    def __post_init__(self) -> None:
        X = check_array("X", self.X, ndim=2)
        y = check_array("y", self.y, ndim=1)
        w = check_array("true_weights", self.true_weights, ndim=1)
        if len(y) != len(X) or len(w) != X.shape[1]:
            raise ValueError(f"X (n, d), y (n,) and true_weights (d,) must agree, got shapes "
                             f"{X.shape}, {y.shape} and {w.shape}")
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "true_weights", w)
        object.__setattr__(self, "true_bias", check_real("true_bias", self.true_bias))


def make_linear_regression(n_samples: int = 100, n_features: int = 1, *, noise: float = 0.5,
                           seed: int = 0) -> Regression:
    r"""``y = X w + b + noise``, with ``X ~ U(-2, 2)``, ``w ~ N(0, 2^2)``, ``b ~ N(0, 1)``, noise ``N(0, noise^2)``.

    Bounds: ``n_samples * n_features <= MAX_VALUES`` (10**7), ``0 <= noise <= MAX_NOISE`` (1e150).
    """
    n_samples = _size("n_samples", n_samples, low=1)
    n_features = _size("n_features", n_features, low=1)
    _check_total(("n_samples", n_samples), ("n_features", n_features))
    noise = check_real("noise", noise, low=0, high=MAX_NOISE)
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
    Bounds: ``2 <= n_samples <= MAX_VALUES``, ``0 <= noise <= MAX_NOISE``.
    """
    n_samples = _size("n_samples", n_samples, low=2)
    noise = check_real("noise", noise, low=0, high=MAX_NOISE)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    x = np.sort(rng.uniform(0.0, 1.0, n_samples))
    return x, np.sin(2 * np.pi * x) + rng.normal(0.0, noise, n_samples)


def polynomial_features(x, degree: int) -> np.ndarray:
    """Columns ``x, x^2, ..., x^degree`` of a 1-D ``x`` (the bias is the model's own).

    At most ``MAX_VALUES`` numbers in all; a power that overflows float64 is refused (not inf).

    >>> polynomial_features([2.0], 3).tolist()
    [[2.0, 4.0, 8.0]]
    """
    x = check_array("x", x, ndim=1)
    degree = check_int("degree", degree, low=1, high=MAX_VALUES)
    _check_total(("len(x)", len(x)), ("degree", degree))
    with np.errstate(over="ignore"):
        powers = x[:, None] ** np.arange(1, degree + 1)
    if not np.all(np.isfinite(powers)):
        raise ValueError(f"x ** degree overflows float64 (|x| up to {np.abs(x).max():g}, degree "
                         f"{degree}); standardize x or lower the degree")
    return powers


@dataclass(frozen=True)
class QuadraticBowl:
    r"""``f(w) = 1/2 (w - w*)^T A (w - w*)`` with ``A`` symmetric positive definite.

    Its gradient is ``A (w - w*)``; gradient descent converges for learning rates below
    ``2 / lambda_max(A)``, and its speed is set by the condition number
    ``lambda_max / lambda_min``.
    """

    A: np.ndarray
    minimizer: np.ndarray

    def __post_init__(self) -> None:
        A = check_array("A", self.A, ndim=2)
        d = A.shape[0]
        if A.shape != (d, d):
            raise ValueError(f"A must be a square matrix, got shape {A.shape}")
        if np.any(np.abs(A - A.T) > 1e-10 * np.abs(A).max()):
            raise ValueError("A must be symmetric (A == A.T up to rounding: 1e-10 of its largest entry)")
        ev = np.linalg.eigvalsh(A / 2 + A.T / 2)
        with np.errstate(over="ignore"):  # a condition number beyond float64 is refused, not warned
            ok = bool(np.all(np.isfinite(ev)) and ev[0] > 0 and np.isfinite(ev[-1] / ev[0]))
        if not ok:
            raise ValueError(f"A must be positive definite with finite eigenvalues (a bowl with one "
                             f"minimum), got eigenvalues {ev.tolist()}")
        minimizer = check_array("minimizer", self.minimizer, ndim=1)
        if minimizer.shape != (d,):
            raise ValueError(f"minimizer must hold {d} numbers (A is {d}x{d}), got shape {minimizer.shape}")
        object.__setattr__(self, "A", A)
        object.__setattr__(self, "minimizer", minimizer)

    def _offset(self, w) -> np.ndarray:
        w = check_array("w", w)
        if w.ndim == 0 or w.shape[-1] != self.minimizer.size:
            raise ValueError(f"w must have shape ({self.minimizer.size},) or a batch (..., "
                             f"{self.minimizer.size}), got shape {w.shape}")
        with np.errstate(over="ignore"):  # an overflow is refused by loss and grad
            return w - self.minimizer

    def _finite(self, value: np.ndarray, what: str) -> np.ndarray:
        if not np.all(np.isfinite(value)):
            raise ValueError(f"w is too far from the minimizer: the {what} overflows float64")
        return value

    def loss(self, w) -> np.ndarray:
        """Value at ``w`` (shape (d,) or a batch (..., d)); refuses a ``w`` whose loss overflows."""
        d = self._offset(w)
        with np.errstate(over="ignore", invalid="ignore"):
            return self._finite(0.5 * np.einsum("...i,ij,...j->...", d, self.A, d), "loss")

    def grad(self, w) -> np.ndarray:
        """Gradient ``A (w - w*)`` (shape like ``w``); refuses a ``w`` whose gradient overflows."""
        d = self._offset(w)
        with np.errstate(over="ignore", invalid="ignore"):
            return self._finite(d @ self.A, "gradient")

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

    ``1 <= condition_number <= MAX_CONDITION`` (1e8); ``minimizer``: 2 finite numbers.

    >>> round(make_quadratic_bowl(25.0).condition_number, 6)
    25.0
    """
    kappa = check_real("condition_number", condition_number, low=1, high=MAX_CONDITION)
    theta = np.deg2rad(check_real("angle_deg", angle_deg))
    R = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    A = R @ np.diag([1.0, kappa]) @ R.T
    return QuadraticBowl((A + A.T) / 2, check_array("minimizer", minimizer, ndim=1))
