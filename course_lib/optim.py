"""Gradient descent, momentum, Nesterov momentum and Adam, by Keras 3's formulas.

Each optimizer is a small frozen dataclass of hyper-parameters with two pure methods:
``init(params) -> state`` and ``update(grads, state, params, learning_rate) -> (new_params,
new_state)``. Nothing is mutated; ``state`` is a printable dataclass. The learning rate is
passed to every ``update`` (so a schedule or a plateau callback can change it between steps),
where Keras keeps it inside the optimizer.

>>> import numpy as np
>>> opt = SGD(momentum=0.9)
>>> params, grads = {"w": np.array([1.0])}, {"w": np.array([2.0])}
>>> state = opt.init(params)
>>> params, state = opt.update(grads, state, params, learning_rate=0.1)
>>> params["w"].tolist(), state.velocity["w"].tolist(), state.iterations
([0.8], [-0.2], 1)
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from course_lib._checks import _show, check_array, check_int, check_real

Params = dict[str, np.ndarray]


def _check_params(name: str, params: Any) -> Params:
    """``params`` (or ``grads``) as a dict of finite real float arrays, dtype kept (int -> float)."""
    if not isinstance(params, dict):
        raise TypeError(f"{name} must be a dict of arrays (name -> array), got {_show(params)}")
    out = {}
    for key, value in params.items():
        arr = check_array(f"{name}[{key!r}]", value, dtype=None, nonempty=False)
        if arr.dtype.kind == "b":
            raise TypeError(f"{name}[{key!r}] must hold real numbers, got booleans: {_show(value)}")
        out[key] = arr if arr.dtype.kind == "f" else arr.astype(float)
    return out


def _check_keys(name: str, arrays: Params, params: Params, what: str = "params") -> None:
    if set(arrays) != set(params):
        raise ValueError(f"{name} must have the keys of {what}, {sorted(map(str, params))}, "
                         f"got {sorted(map(str, arrays))}")
    for key, a in arrays.items():
        if a.shape != params[key].shape:
            raise ValueError(f"{name}[{key!r}] must have the shape of {what}[{key!r}], "
                             f"{params[key].shape}, got {a.shape}")


def _check_update(optimizer: Any, grads: Any, state: Any, params: Any,
                  learning_rate: Any) -> tuple[Params, Any, Params, float]:
    """The checks of every ``update``: the arguments, converted, or a clear error."""
    params = _check_params("params", params)
    grads = _check_params("grads", grads)
    _check_keys("grads", grads, params)
    state_type = optimizer._state_type()
    if not isinstance(state, state_type):
        raise TypeError(f"state must be the {state_type.__name__} made by {type(optimizer).__name__}"
                        f".init(params), got {_show(state)}")
    check_int("state.iterations", state.iterations, low=0)
    for field_name in optimizer._moment_fields():
        moments = _check_params(f"state.{field_name}", getattr(state, field_name))
        _check_keys(f"state.{field_name}", moments, params)
    return grads, state, params, check_real("learning_rate", learning_rate, low=0)


def _checked_result(optimizer: Any, result: tuple[Params, Any], learning_rate: float) -> tuple[Params, Any]:
    """Refuse a step that overflowed float64 (finite inputs, non-finite output): never a silent inf."""
    new, state = result
    arrays = [("params", new)] + [(f"state.{f}", getattr(state, f)) for f in optimizer._moment_fields()]
    for where, group in arrays:
        for key, value in group.items():
            if not np.all(np.isfinite(value)):
                raise ValueError(f"{type(optimizer).__name__}.update overflowed float64 in the new "
                                 f"{where}[{key!r}]: the grads, the params or learning_rate="
                                 f"{learning_rate!r} are too large (scale the gradients, e.g. by "
                                 f"clipping, or lower the learning_rate)")
    return new, state


def _update(optimizer: Any, grads: Any, state: Any, params: Any, learning_rate: Any):
    grads, state, params, learning_rate = _check_update(optimizer, grads, state, params, learning_rate)
    with np.errstate(over="ignore", invalid="ignore"):   # overflow is reported just below
        result = optimizer._apply(grads, state, params, learning_rate)
    return _checked_result(optimizer, result, learning_rate)


def _zeros_like(params: Params) -> Params:
    return {k: np.zeros_like(v) for k, v in params.items()}


def _state(cls: type, *values: Any) -> Any:
    """A state made by the optimizers themselves, without the public constructor's checks
    (they are the update's own results: the training loop makes one per step)."""
    state = object.__new__(cls)
    for f, value in zip(fields(cls), values):
        object.__setattr__(state, f.name, value)
    return state


def _check_state_fields(state: Any, *moments: str) -> None:
    """The public constructor's checks: a step count, and dicts of finite float arrays."""
    object.__setattr__(state, "iterations", check_int("iterations", state.iterations, low=0))
    for name in moments:
        object.__setattr__(state, name, _check_params(name, getattr(state, name)))


@dataclass(frozen=True)
class GradientDescentState:
    """Number of updates done (Keras: ``optimizer.iterations``)."""

    iterations: int = 0

    def __post_init__(self) -> None:
        _check_state_fields(self)


@dataclass(frozen=True)
class GradientDescent:
    """The plain step ``w <- w - learning_rate * g`` (Keras: ``SGD(momentum=0.0)``)."""

    def init(self, params: Params) -> GradientDescentState:
        """A fresh state: no memory besides the step count."""
        _check_params("params", params)
        return _state(GradientDescentState, 0)

    def update(self, grads: Params, state: GradientDescentState, params: Params,
               learning_rate: float) -> tuple[Params, GradientDescentState]:
        """One step; returns new params and state (each argument checked, overflow refused)."""
        return _update(self, grads, state, params, learning_rate)

    @staticmethod
    def _state_type() -> type:
        return GradientDescentState

    def _moment_fields(self) -> tuple[str, ...]:
        return ()

    def _apply(self, grads, state, params, learning_rate):
        # np.asarray: a 0-d parameter stays a 0-d array (0-d arithmetic gives numpy scalars)
        return {k: np.asarray(w - learning_rate * grads[k]) for k, w in params.items()}, \
            _state(GradientDescentState, state.iterations + 1)


@dataclass(frozen=True)
class SGDState:
    """Step count and the velocity ``v`` of each parameter (empty without momentum)."""

    iterations: int
    velocity: Params

    def __post_init__(self) -> None:
        _check_state_fields(self, "velocity")


@dataclass(frozen=True)
class SGD:
    """Stochastic gradient descent with optional (Nesterov) momentum: Keras ``optimizers.SGD``.

    With ``momentum`` = mu > 0:  ``v <- mu v - lr g`` then ``w <- w + v``.
    With ``nesterov=True`` Keras uses the re-parametrized form ``w <- w + mu v - lr g`` (with the
    new ``v``): the weights it stores are the look-ahead point ``w + mu v`` of Sutskever et al.
    (2013), whose textbook form evaluates the gradient at ``w + mu v`` instead.
    With ``momentum=0`` it is :class:`GradientDescent`. Defaults are Keras's (``momentum=0.0``,
    ``nesterov=False``).
    """

    momentum: float = 0.0
    nesterov: bool = False

    def __post_init__(self) -> None:
        check_real("momentum", self.momentum, low=0, high=1)
        if not isinstance(self.nesterov, (bool, np.bool_)):
            raise TypeError(f"nesterov must be True or False, got {_show(self.nesterov)}")

    def init(self, params: Params) -> SGDState:
        """Zero velocity for each parameter (none when ``momentum == 0``, like Keras)."""
        params = _check_params("params", params)
        return _state(SGDState, 0, _zeros_like(params) if self.momentum else {})

    def update(self, grads: Params, state: SGDState, params: Params,
               learning_rate: float) -> tuple[Params, SGDState]:
        """One step; returns new params and state (each argument checked, overflow refused)."""
        return _update(self, grads, state, params, learning_rate)

    @staticmethod
    def _state_type() -> type:
        return SGDState

    def _moment_fields(self) -> tuple[str, ...]:
        return ("velocity",) if self.momentum else ()

    def _apply(self, grads, state, params, learning_rate):
        if not self.momentum:
            return {k: np.asarray(w - learning_rate * grads[k]) for k, w in params.items()}, \
                _state(SGDState, state.iterations + 1, {})
        mu = self.momentum
        velocity = {k: np.asarray(mu * state.velocity[k] - learning_rate * g) for k, g in grads.items()}
        if self.nesterov:
            new = {k: np.asarray(w + (mu * velocity[k] - learning_rate * grads[k]))
                   for k, w in params.items()}
        else:
            new = {k: np.asarray(w + velocity[k]) for k, w in params.items()}
        return new, _state(SGDState, state.iterations + 1, velocity)


@dataclass(frozen=True)
class AdamState:
    """Step count and the first (``m``) and second (``v``) moment estimates of each parameter."""

    iterations: int
    m: Params
    v: Params

    def __post_init__(self) -> None:
        _check_state_fields(self, "m", "v")


@dataclass(frozen=True)
class Adam:
    """Adam (Kingma & Ba, 2015) exactly as Keras ``optimizers.Adam`` computes it.

    At step t = iterations + 1:  ``m <- m + (1 - beta_1)(g - m)``, ``v <- v + (1 - beta_2)(g^2 - v)``,
    ``alpha = lr sqrt(1 - beta_2^t) / (1 - beta_1^t)``, ``w <- w - alpha m / (sqrt(v) + epsilon)``.
    This is the paper's "efficient version" (end of its Section 2): epsilon is added to the
    *uncorrected* ``sqrt(v)``, so it equals the paper's epsilon-hat. Algorithm 1 of the paper adds
    epsilon to ``sqrt(v_hat)`` instead: Keras's epsilon acts like a paper epsilon of
    ``epsilon / sqrt(1 - beta_2^t)``, larger in the first steps (sqrt(1 - 0.999) ~ 0.03 at t = 1).
    (Keras turns ``beta_1``, ``beta_2`` and SGD's ``momentum`` into float32 constants before
    casting them, so even with float64 weights it uses float32-rounded values; here they are exact.)
    Defaults are Keras's (``beta_1=0.9``, ``beta_2=0.999``, ``epsilon=1e-7``). A gradient above
    ~1e154 overflows ``g**2`` in float64 (as in Keras): ``update`` then refuses the step.
    """

    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-7

    def __post_init__(self) -> None:
        check_real("beta_1", self.beta_1, low=0, high=1, high_open=True)
        check_real("beta_2", self.beta_2, low=0, high=1, high_open=True)
        check_real("epsilon", self.epsilon, low=0, low_open=True)

    def init(self, params: Params) -> AdamState:
        """Zero moments, step count 0."""
        params = _check_params("params", params)
        return _state(AdamState, 0, _zeros_like(params), _zeros_like(params))

    def update(self, grads: Params, state: AdamState, params: Params,
               learning_rate: float) -> tuple[Params, AdamState]:
        """One step; returns new params and state (each argument checked, overflow refused)."""
        return _update(self, grads, state, params, learning_rate)

    @staticmethod
    def _state_type() -> type:
        return AdamState

    def _moment_fields(self) -> tuple[str, ...]:
        return ("m", "v")

    def _apply(self, grads, state, params, learning_rate):
        t = state.iterations + 1
        alpha = learning_rate * math.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)  # a Python float:
        # it keeps float32 arrays float32 (a numpy float64 scalar would promote them)
        m, v, new = {}, {}, {}
        for k, g in grads.items():  # fresh arrays, changed in place: fewer temporaries, same result
            # np.asarray: on 0-d parameters numpy's arithmetic returns scalars, which `out=` refuses
            m[k] = np.asarray(g - state.m[k])
            m[k] *= 1 - self.beta_1
            m[k] += state.m[k]
            v[k] = np.asarray(g * g)
            v[k] -= state.v[k]
            v[k] *= 1 - self.beta_2
            v[k] += state.v[k]
            step = np.asarray(np.sqrt(v[k]))
            step += self.epsilon
            np.divide(m[k] * alpha, step, out=step)
            new[k] = np.asarray(params[k] - step)
        return new, _state(AdamState, t, m, v)
