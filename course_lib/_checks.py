"""Argument checks shared by every public function of ``course_lib``.

Each check raises ``ValueError`` with a message that names the argument, says what is
allowed and shows what was given, e.g. ``decay_steps must be an integer >= 1, got 0``.
They return the value, converted, so a function can write ``n = check_int("n", n, low=1)``.
"""
from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np


def check_real(name: str, value: Any, *, low: float | None = None, high: float | None = None,
               low_open: bool = False, high_open: bool = False) -> float:
    """A finite real number in [low, high] (or an open end); returns it as ``float``.

    >>> check_real("learning_rate", 0.1, low=0, low_open=True)
    0.1
    >>> check_real("learning_rate", 0, low=0, low_open=True)
    Traceback (most recent call last):
    ValueError: learning_rate must be a finite number > 0, got 0
    """
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        raise ValueError(f"{name} must be a finite number{_range_text(low, high, low_open, high_open)}, "
                         f"got {value!r}")
    return float(value)


def check_int(name: str, value: Any, *, low: int | None = None, high: int | None = None) -> int:
    """An integer in [low, high]; returns it as ``int`` (``bool`` is refused).

    >>> check_int("decay_steps", 0, low=1)
    Traceback (most recent call last):
    ValueError: decay_steps must be an integer >= 1, got 0
    """
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if ok and low is not None:
        ok = value >= low
    if ok and high is not None:
        ok = value <= high
    if not ok:
        raise ValueError(f"{name} must be an integer{_range_text(low, high, False, False)}, got {value!r}")
    return int(value)


def check_choice(name: str, value: Any, allowed: Iterable[Any]) -> Any:
    """One of ``allowed``.

    >>> check_choice("mode", "max", ("min", "max"))
    'max'
    >>> check_choice("mode", "auto", ("min", "max"))
    Traceback (most recent call last):
    ValueError: mode must be one of 'min', 'max', got 'auto'
    """
    allowed = tuple(allowed)
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}, got {value!r}")
    return value


def check_array(name: str, value: Any, *, ndim: int | tuple[int, ...] | None = None,
                dtype: Any = float, finite: bool = True, nonempty: bool = True) -> np.ndarray:
    """Convert to an array of ``dtype`` and check its rank, emptiness and finiteness.

    >>> check_array("X", [[1.0, float("nan")]], ndim=2)
    Traceback (most recent call last):
    ValueError: X must contain only finite values; found 1 nan/inf
    """
    try:
        arr = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be convertible to a numeric array ({exc})") from None
    if ndim is not None:
        dims = (ndim,) if isinstance(ndim, int) else ndim
        if arr.ndim not in dims:
            raise ValueError(f"{name} must have {' or '.join(map(str, dims))} dimension(s), "
                             f"got shape {arr.shape}")
    if nonempty and arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    if finite and np.issubdtype(arr.dtype, np.inexact):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        if bad:
            raise ValueError(f"{name} must contain only finite values; found {bad} nan/inf")
    return arr


def check_same_length(**arrays: np.ndarray) -> int:
    """All arrays have the same first dimension; returns it.

    >>> check_same_length(X=np.zeros((3, 2)), y=np.zeros(4))
    Traceback (most recent call last):
    ValueError: X and y must have the same number of samples, got X: 3, y: 4
    """
    lengths = {k: len(v) for k, v in arrays.items()}
    if len(set(lengths.values())) > 1:
        names = " and ".join(lengths)
        got = ", ".join(f"{k}: {n}" for k, n in lengths.items())
        raise ValueError(f"{names} must have the same number of samples, got {got}")
    return next(iter(lengths.values()))


def _range_text(low, high, low_open, high_open) -> str:
    parts = []
    if low is not None:
        parts.append(f"{'>' if low_open else '>='} {low}")
    if high is not None:
        parts.append(f"{'<' if high_open else '<='} {high}")
    return (" " + " and ".join(parts)) if parts else ""
