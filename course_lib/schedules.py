"""Learning-rate schedules: pure factories returning ``schedule(step) -> learning rate``.

A schedule accepts one step (``int`` -> ``float``) or an array of steps (-> ``float64``
array), never changes, and keeps its arguments in ``schedule.config`` so that
:func:`course_lib.tf_twins.schedules.to_keras` can build the matching
``keras.optimizers.schedules`` object. Plotting one is ``ax.plot(steps, schedule(steps))``.

Each formula is Keras's exactly (argument names included), with ``t`` the step.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from course_lib._checks import _finite, _show, check_array, check_choice, check_int, check_real

__all__ = ["Schedule", "constant", "exponential_decay", "linear_decay", "inverse_time_decay",
           "piecewise_constant", "cosine_decay"]


@dataclass(frozen=True, repr=False)
class Schedule:
    """An immutable ``step -> learning rate`` function with its name and arguments.

    Made by the factories of this module; equal when name and arguments are equal. A rate
    that is not finite (``exponential_decay`` with ``decay_rate > 1`` at a huge step) is
    refused with an error naming the step. Step arguments of the factories (``decay_steps``,
    ``boundaries``...) are at most ``2**53``, the last step count float64 holds exactly.

    >>> s = exponential_decay(0.1, decay_steps=10, decay_rate=0.5)
    >>> s
    exponential_decay(initial_learning_rate=0.1, decay_steps=10, decay_rate=0.5, staircase=False)
    >>> s(20), s(np.array([0, 10]))
    (0.025, array([0.1 , 0.05]))
    """

    name: str
    arguments: tuple[tuple[str, Any], ...]
    rule: Callable[[np.ndarray], np.ndarray] = field(compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise TypeError(f"name must be a schedule's name (an identifier), got {_show(self.name)}")
        if not isinstance(self.arguments, tuple) or not all(
                isinstance(a, tuple) and len(a) == 2 and isinstance(a[0], str) for a in self.arguments):
            raise TypeError(f"arguments must be a tuple of (name, value) pairs, got {_show(self.arguments)}")
        if not callable(self.rule):
            raise TypeError(f"rule must be callable (an array of steps -> an array of rates), "
                            f"got {_show(self.rule)}")

    @property
    def config(self) -> dict[str, Any]:
        """The factory's arguments, as a fresh dict (sequences as lists, like Keras's)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.arguments}

    def __call__(self, step: Any) -> Any:
        if isinstance(step, numbers.Real) and not isinstance(step, (bool, np.bool_)):  # one step
            if not (_finite(step) and step >= 0):
                raise ValueError(f"step must be a finite number >= 0, got {_show(step)}")
            return float(self._rates(np.array([step], dtype=float))[0])   # same ulp as arrays
        steps = check_array("step", step, dtype=None, nonempty=False)
        if steps.dtype.kind == "b":
            raise TypeError(f"step must be a number or an array of numbers, got booleans: {_show(step)}")
        steps = steps.astype(float)
        if steps.size and steps.min() < 0:
            raise ValueError(f"step must be >= 0, got {steps.min():g}")
        rates = self._rates(steps)
        return float(rates) if rates.ndim == 0 else rates

    def _rates(self, steps: np.ndarray) -> np.ndarray:
        """The rule's rates, refused where they are not finite (a growing decay overflowing)."""
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                raw = self.rule(steps)
        except Exception as exc:   # a hand-made Schedule's rule: say whose code failed
            raise ValueError(f"the rule of {self!r} failed on step (shape {steps.shape}): "
                             f"{type(exc).__name__}: {str(exc)[:200]}") from exc
        rates = check_array(f"the rates that the rule of {self.name} returned", raw, dtype=None,
                            finite=False, nonempty=False)
        if rates.dtype.kind == "b":
            raise TypeError(f"the rule of {self!r} must return learning rates (numbers), got booleans")
        rates = rates.astype(float, copy=False)
        if rates.shape != steps.shape:
            raise ValueError(f"the rule of {self!r} must return one rate per step: shape "
                             f"{steps.shape}, got {rates.shape}")
        bad = ~np.isfinite(rates)
        if bad.any():
            raise ValueError(f"{self!r} has no finite learning rate at step {steps[bad].flat[0]:g}: "
                             f"its rule gives {rates[bad].flat[0]} (a growing rate overflows float64; "
                             f"use smaller steps or a rate that decays)")
        if rates.size and rates.min() < 0:
            raise ValueError(f"{self!r} gives a negative learning rate at step "
                             f"{steps[rates < 0].flat[0]:g}: its rule must return rates >= 0")
        return rates

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config.items())
        return f"{self.name}({args})"


def _rate(name: str, value: Any) -> float:
    return check_real(name, value, low=0, low_open=True)


def _flag(name: str, value: Any) -> bool:
    return bool(check_choice(name, value, (False, True)))


MAX_STEPS = 2**53   # the last step count float64 counts exactly; larger step arguments are refused
MAX_BOUNDARIES = 10_000


def _steps(name: str, value: Any, low: int = 1) -> int:
    return check_int(name, value, low=low, high=MAX_STEPS)


def _as_list(name: str, value: Any, what: str) -> list[Any]:
    """A list, tuple, range or 1-d array, in order (sets, dicts and iterators are refused)."""
    if isinstance(value, np.ndarray):
        if value.ndim != 1:
            raise ValueError(f"{name} must be a list of {what}, got an array of shape {value.shape}")
        value = value.tolist()
    if not isinstance(value, (list, tuple, range)):
        raise TypeError(f"{name} must be a list of {what}, got {_show(value)}")
    try:
        n = len(value)
    except OverflowError:   # a range longer than sys.maxsize
        n = MAX_BOUNDARIES + 2
    if n > MAX_BOUNDARIES + 1:
        raise ValueError(f"{name} must hold at most {MAX_BOUNDARIES + 1} {what}, got {_show(value)}")
    return list(value)


def constant(learning_rate: float) -> Schedule:
    """The same rate at every step: ``lr(t) = learning_rate``.

    Keras: a plain float passed as ``learning_rate`` to any optimizer.

    >>> constant(0.01)(np.arange(3))
    array([0.01, 0.01, 0.01])
    """
    lr = _rate("learning_rate", learning_rate)
    return Schedule("constant", (("learning_rate", lr),), lambda t: np.full_like(t, lr))


def exponential_decay(initial_learning_rate: float, decay_steps: int, decay_rate: float,
                      staircase: bool = False) -> Schedule:
    """``lr(t) = initial_learning_rate * decay_rate ** (t / decay_steps)``.

    With ``staircase=True`` the exponent is ``floor(t / decay_steps)``: the rate drops by
    ``decay_rate`` once every ``decay_steps`` steps. ``decay_rate > 1`` grows instead.
    Keras: ``keras.optimizers.schedules.ExponentialDecay``.

    >>> exponential_decay(1.0, 2, 0.5, staircase=True)(np.arange(5))
    array([1.  , 1.  , 0.5 , 0.5 , 0.25])
    """
    lr0 = _rate("initial_learning_rate", initial_learning_rate)
    steps = _steps("decay_steps", decay_steps)
    rate = _rate("decay_rate", decay_rate)
    stairs = _flag("staircase", staircase)

    def rule(t: np.ndarray) -> np.ndarray:
        p = np.floor(t / steps) if stairs else t / steps
        return lr0 * rate ** p

    return Schedule("exponential_decay", (("initial_learning_rate", lr0), ("decay_steps", steps),
                                          ("decay_rate", rate), ("staircase", stairs)), rule)


def linear_decay(initial_learning_rate: float, decay_steps: int,
                 end_learning_rate: float = 1e-4) -> Schedule:
    """A straight line to ``end_learning_rate`` at ``decay_steps``, then constant.

    ``lr(t) = (initial - end) * (1 - min(t, decay_steps) / decay_steps) + end``.
    Keras: ``keras.optimizers.schedules.PolynomialDecay(power=1.0, cycle=False)``, which
    clamps at ``decay_steps`` exactly like this. The default end rate is Keras's, ``1e-4``
    (not 0): pass ``end_learning_rate=0`` to decay to zero. As in Keras, an end rate above
    ``initial_learning_rate`` makes the line rise.

    >>> linear_decay(1.0, 4, end_learning_rate=0.2)(np.arange(6))
    array([1. , 0.8, 0.6, 0.4, 0.2, 0.2])
    """
    lr0 = _rate("initial_learning_rate", initial_learning_rate)
    steps = _steps("decay_steps", decay_steps)
    end = check_real("end_learning_rate", end_learning_rate, low=0)

    def rule(t: np.ndarray) -> np.ndarray:
        return (lr0 - end) * (1.0 - np.minimum(t, steps) / steps) + end

    return Schedule("linear_decay", (("initial_learning_rate", lr0), ("decay_steps", steps),
                                     ("end_learning_rate", end)), rule)


def inverse_time_decay(initial_learning_rate: float, decay_steps: int, decay_rate: float,
                       staircase: bool = False) -> Schedule:
    """"Time-based" decay: ``lr(t) = initial_learning_rate / (1 + decay_rate * t / decay_steps)``.

    With ``staircase=True``, ``t / decay_steps`` becomes ``floor(t / decay_steps)``.
    Keras: ``keras.optimizers.schedules.InverseTimeDecay``.

    >>> inverse_time_decay(1.0, 1, 1.0)(np.arange(4))
    array([1.        , 0.5       , 0.33333333, 0.25      ])
    """
    lr0 = _rate("initial_learning_rate", initial_learning_rate)
    steps = _steps("decay_steps", decay_steps)
    rate = _rate("decay_rate", decay_rate)
    stairs = _flag("staircase", staircase)

    def rule(t: np.ndarray) -> np.ndarray:
        p = np.floor(t / steps) if stairs else t / steps
        return lr0 / (1.0 + rate * p)

    return Schedule("inverse_time_decay", (("initial_learning_rate", lr0), ("decay_steps", steps),
                                           ("decay_rate", rate), ("staircase", stairs)), rule)


def piecewise_constant(boundaries: Iterable[int], values: Iterable[float]) -> Schedule:
    """``values[0]`` while ``t <= boundaries[0]``, ``values[i]`` while
    ``boundaries[i-1] < t <= boundaries[i]``, ``values[-1]`` once ``t > boundaries[-1]``.

    Note the ``<=``: the step *equal* to a boundary still gets the earlier value.
    Keras: ``keras.optimizers.schedules.PiecewiseConstantDecay``.

    >>> piecewise_constant([2, 4], [1.0, 0.5, 0.1])(np.arange(6))
    array([1. , 1. , 1. , 0.5, 0.5, 0.1])
    """
    bounds = tuple(_steps(f"boundaries[{i}]", b, low=0)
                   for i, b in enumerate(_as_list("boundaries", boundaries, "integers")))
    if not bounds or any(b >= c for b, c in zip(bounds, bounds[1:])):
        raise ValueError(f"boundaries must be a non-empty, strictly increasing list of steps, "
                         f"got {list(bounds)}")
    rates = tuple(_rate(f"values[{i}]", v)
                  for i, v in enumerate(_as_list("values", values, "learning rates")))
    if len(rates) != len(bounds) + 1:
        raise ValueError(f"values must hold len(boundaries) + 1 = {len(bounds) + 1} learning "
                         f"rates, got {len(rates)}")
    table = np.array(rates)

    def rule(t: np.ndarray) -> np.ndarray:
        # side="left": the number of boundaries strictly below t, i.e. t <= b keeps value i.
        return table[np.searchsorted(bounds, t, side="left")]

    return Schedule("piecewise_constant", (("boundaries", bounds), ("values", rates)), rule)


def cosine_decay(initial_learning_rate: float, decay_steps: int, alpha: float = 0.0,
                 warmup_target: float | None = None, warmup_steps: int = 0) -> Schedule:
    """Half a cosine from a start rate ``A`` down to ``alpha * A``, optionally after a warmup.

    Decay over ``d = decay_steps``: ``A * ((1 - alpha) * 0.5 * (1 + cos(pi * min(s, d) / d)) + alpha)``.
    Without warmup, ``A = initial_learning_rate`` and ``s = t``. With ``warmup_target``, the
    rate first rises linearly from ``initial_learning_rate`` (may be 0) to ``warmup_target``
    over ``w = warmup_steps`` steps, ``lr(t) = initial + (warmup_target - initial) * t / w``
    for ``t < w``, then decays with ``A = warmup_target`` and ``s = t - w``.
    Keras: ``keras.optimizers.schedules.CosineDecay`` (same arguments). Keras ignores
    ``warmup_steps`` without ``warmup_target`` and skips the warmup when ``warmup_steps=0``;
    both are errors here, so that no argument is silently unused.

    >>> cosine_decay(1.0, 4)(np.arange(6))
    array([1.        , 0.85355339, 0.5       , 0.14644661, 0.        , 0.        ])
    >>> cosine_decay(0.0, 2, warmup_target=1.0, warmup_steps=2)(np.arange(5))
    array([0. , 0.5, 1. , 0.5, 0. ])
    """
    steps = _steps("decay_steps", decay_steps)
    a = check_real("alpha", alpha, low=0, high=1)
    warm = _steps("warmup_steps", warmup_steps, low=0)
    if warmup_target is None:
        lr0, target = _rate("initial_learning_rate (without a warmup_target)", initial_learning_rate), None
        if warm:
            raise ValueError(f"warmup_steps must be 0 when warmup_target is None, got {warm}")
    else:
        lr0 = check_real("initial_learning_rate", initial_learning_rate, low=0)
        target = _rate("warmup_target", warmup_target)
        check_int("warmup_steps (with a warmup_target)", warm, low=1)

    def decay(s: np.ndarray, start: float) -> np.ndarray:
        return start * ((1.0 - a) * 0.5 * (1.0 + np.cos(np.pi * np.minimum(s, steps) / steps)) + a)

    def rule(t: np.ndarray) -> np.ndarray:
        if target is None:
            return decay(t, lr0)
        return np.where(t < warm, lr0 + (target - lr0) * t / warm, decay(t - warm, target))

    return Schedule("cosine_decay", (("initial_learning_rate", lr0), ("decay_steps", steps),
                                     ("alpha", a), ("warmup_target", target),
                                     ("warmup_steps", warm)), rule)
