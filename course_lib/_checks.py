"""Argument checks shared by every public function of ``course_lib``.

Each check raises ``ValueError`` with a message that names the argument, says what is
allowed and shows what was given, e.g. ``decay_steps must be an integer >= 1, got 0``.
They return the value, converted, so a function can write ``n = check_int("n", n, low=1)``.
"""
from __future__ import annotations

import math
import numbers
import reprlib
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
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and _finite(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        raise ValueError(f"{name} must be a finite number{_range_text(low, high, low_open, high_open)}, "
                         f"got {_show(value)}")
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
        raise ValueError(f"{name} must be an integer{_range_text(low, high)}, "
                         f"got {_show(value)}")
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
    # Compare by type and equality one by one: `value in allowed` would ask numpy for the truth
    # value of an array (``mode=np.array(["min", "max"])``) or raise on an unhashable value.
    if not any(_same_choice(value, a) for a in allowed):
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}, got {_show(value)}")
    return value


def check_array(name: str, value: Any, *, ndim: int | tuple[int, ...] | None = None,
                dtype: Any = float, finite: bool = True, nonempty: bool = True) -> np.ndarray:
    """Convert to an array of ``dtype`` and check its rank, emptiness and finiteness.

    >>> check_array("X", [[1.0, float("nan")]], ndim=2)
    Traceback (most recent call last):
    ValueError: X must contain only finite values; found 1 nan/inf
    >>> check_array("X", None)
    Traceback (most recent call last):
    ValueError: X must be numeric (an array of real numbers), got None
    """
    arr = _numeric_array(name, value, dtype)
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
    if not arrays:
        raise TypeError("check_same_length needs at least one named array")
    lengths = {}
    for k, v in arrays.items():
        try:
            lengths[k] = len(v)
        except TypeError:  # a 0-d array or a scalar has no samples to count
            raise ValueError(f"{k} must be an array of samples (with a first dimension), got "
                             f"{_show(v)}") from None
    if len(set(lengths.values())) > 1:
        names = " and ".join(lengths)
        got = ", ".join(f"{k}: {n}" for k, n in lengths.items())
        raise ValueError(f"{names} must have the same number of samples, got {got}")
    return next(iter(lengths.values()))


def _range_text(low, high, low_open=False, high_open=False) -> str:
    parts = []
    if low is not None:
        parts.append(f"{'>' if low_open else '>='} {low}")
    if high is not None:
        parts.append(f"{'<' if high_open else '<='} {high}")
    return (" " + " and ".join(parts)) if parts else ""


def _finite(value: Any) -> bool:
    """``value`` is a finite real number (a Python int too large for a float is not)."""
    try:
        return math.isfinite(float(value))
    except (OverflowError, TypeError, ValueError):
        return False


def _same_choice(value: Any, allowed: Any) -> bool:
    """``value`` equals ``allowed`` and is of a comparable type (no array truth values)."""
    if isinstance(value, (np.ndarray, list, tuple, dict, set)):
        return False
    if isinstance(allowed, str) or isinstance(value, str):
        return isinstance(value, str) and isinstance(allowed, str) and value == allowed
    if isinstance(allowed, bool) or isinstance(value, (bool, np.bool_)):
        # a bool only matches a bool: True is not the choice 1 (as check_int(True) is refused)
        return isinstance(allowed, bool) and isinstance(value, (bool, np.bool_)) and bool(value) == allowed
    if allowed is None or value is None:
        return value is allowed
    try:
        return bool(value == allowed)
    except Exception:  # an object whose __eq__ raises or returns an array is not a choice
        return False


def _show(value: Any, limit: int = 80) -> str:
    """A short repr of ``value`` for an error message (never a megabyte, never a crash)."""
    try:
        text = reprlib.repr(value)
    except Exception:  # a broken __repr__ must not hide the real error
        text = f"<{type(value).__name__} object>"
    return text if len(text) <= limit else text[:limit - 3] + "..."


_NUMERIC_KINDS = "biuf"


def _numeric_array(name: str, value: Any, dtype: Any) -> np.ndarray:
    """``value`` as an array of ``dtype``, refusing what numpy would silently turn into nan or
    garbage: ``None`` (nan), strings ("1.5" parses), complex numbers (imaginary part dropped),
    objects and ragged lists; an integer ``dtype`` refuses non-integral values instead of
    truncating them."""
    if value is None or isinstance(value, (str, bytes)):
        raise ValueError(f"{name} must be numeric (an array of real numbers), got {_show(value)}")
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be convertible to a numeric array ({exc})") from None
    if raw.dtype.kind not in _NUMERIC_KINDS:
        what = {"c": "complex numbers", "U": "strings", "S": "bytes", "O": "objects or ragged lists",
                "M": "dates", "m": "time deltas", "V": "records"}.get(raw.dtype.kind, raw.dtype.kind)
        raise ValueError(f"{name} must be numeric (an array of real numbers), got {what} "
                         f"(dtype {raw.dtype}): {_show(value)}")
    if dtype is None:
        return raw
    target = np.dtype(dtype)
    if target.kind not in _NUMERIC_KINDS:  # a caller's mistake: numpy would "convert" 1.5 to a date
        raise TypeError(f"check_array converts to numeric dtypes only, not {target}")
    if target.kind in ("i", "u") and raw.dtype.kind == "f":
        finite = np.isfinite(raw)
        if not finite.all() or np.any(raw != np.round(raw)):
            raise ValueError(f"{name} must contain only integers, got {_show(value)}")
    if target.kind in ("i", "u") and raw.dtype.kind in ("f", "i", "u") and raw.size:
        # also int -> narrower int: astype would wrap 2**63 around to -2**63 without a word
        info = np.iinfo(target)
        if raw.min() < info.min or raw.max() > info.max:
            raise ValueError(f"{name} must contain integers between {info.min} and {info.max}, "
                             f"got {_show(value)}")
    with np.errstate(over="ignore"):  # numeric to numeric, in range: astype cannot fail
        arr = raw.astype(target, copy=False)
    if target.kind == "f" and raw.dtype.kind in ("f", "i", "u") and np.any(np.isinf(arr) & ~np.isinf(raw)):
        # float64 -> float32: 1e39 would become inf, even where inf is allowed (finite=False)
        raise ValueError(f"{name} must contain values within the range of {target} "
                         f"(|x| <= {np.finfo(target).max:.4g}), got {_show(value)}")
    return arr


def check_bool(name: str, value: Any) -> bool:
    """A real boolean (``True``/``False`` or numpy's); strings such as ``"no"`` are refused.

    >>> check_bool("shuffle", "no")
    Traceback (most recent call last):
    TypeError: shuffle must be True or False, got 'no'
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {_show(value)}")
    return bool(value)


def check_callable(name: str, value: Any) -> Any:
    """Something that can be called.

    >>> check_callable("schedule", 0.1)
    Traceback (most recent call last):
    TypeError: schedule must be callable, got 0.1
    """
    if not callable(value):
        raise TypeError(f"{name} must be callable, got {_show(value)}")
    return value
