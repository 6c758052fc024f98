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
from dataclasses import dataclass

import numpy as np

from course_lib._checks import check_real

Params = dict[str, np.ndarray]


def _check_update(grads: Params, params: Params, learning_rate: float) -> float:
    if not isinstance(grads, dict) or not isinstance(params, dict) or set(grads) != set(params):
        raise ValueError(f"grads and params must be dicts with the same keys, got "
                         f"{sorted(grads) if isinstance(grads, dict) else type(grads).__name__} and "
                         f"{sorted(params) if isinstance(params, dict) else type(params).__name__}")
    for key, g in grads.items():
        if np.shape(g) != np.shape(params[key]):
            raise ValueError(f"grads[{key!r}] must have the shape of params[{key!r}], "
                             f"{np.shape(params[key])}, got {np.shape(g)}")
    return check_real("learning_rate", learning_rate, low=0)


def _zeros_like(params: Params) -> Params:
    return {k: np.zeros_like(v) for k, v in params.items()}


@dataclass(frozen=True)
class GradientDescentState:
    """Number of updates done (Keras: ``optimizer.iterations``)."""

    iterations: int = 0


@dataclass(frozen=True)
class GradientDescent:
    """The plain step ``w <- w - learning_rate * g`` (Keras: ``SGD(momentum=0.0)``)."""

    def init(self, params: Params) -> GradientDescentState:
        """A fresh state: no memory besides the step count."""
        return GradientDescentState()

    def update(self, grads: Params, state: GradientDescentState, params: Params,
               learning_rate: float) -> tuple[Params, GradientDescentState]:
        """One step; returns new params and state."""
        return self._apply(grads, state, params, _check_update(grads, params, learning_rate))

    def _apply(self, grads, state, params, learning_rate):
        return {k: w - learning_rate * grads[k] for k, w in params.items()}, \
            GradientDescentState(state.iterations + 1)


@dataclass(frozen=True)
class SGDState:
    """Step count and the velocity ``v`` of each parameter (empty without momentum)."""

    iterations: int
    velocity: Params


@dataclass(frozen=True)
class SGD:
    """Stochastic gradient descent with optional (Nesterov) momentum: Keras ``optimizers.SGD``.

    With ``momentum`` = mu > 0:  ``v <- mu v - lr g`` then ``w <- w + v``.
    With ``nesterov=True`` Keras uses the re-parametrized form ``w <- w + mu v - lr g`` (with the
    new ``v``): the weights it stores are the look-ahead point ``w + mu v`` of Sutskever et al.
    (2013), whose textbook form evaluates the gradient at ``w + mu v`` instead.
    With ``momentum=0`` it is :class:`GradientDescent`.
    """

    momentum: float = 0.0
    nesterov: bool = False

    def __post_init__(self) -> None:
        check_real("momentum", self.momentum, low=0, high=1)
        if not isinstance(self.nesterov, bool):
            raise ValueError(f"nesterov must be True or False, got {self.nesterov!r}")

    def init(self, params: Params) -> SGDState:
        """Zero velocity for each parameter (none when ``momentum == 0``, like Keras)."""
        return SGDState(0, _zeros_like(params) if self.momentum else {})

    def update(self, grads: Params, state: SGDState, params: Params,
               learning_rate: float) -> tuple[Params, SGDState]:
        """One step; returns new params and state."""
        return self._apply(grads, state, params, _check_update(grads, params, learning_rate))

    def _apply(self, grads, state, params, learning_rate):
        if not self.momentum:
            return {k: w - learning_rate * grads[k] for k, w in params.items()}, \
                SGDState(state.iterations + 1, {})
        mu = self.momentum
        velocity = {k: mu * state.velocity[k] - learning_rate * g for k, g in grads.items()}
        if self.nesterov:
            new = {k: w + (mu * velocity[k] - learning_rate * grads[k]) for k, w in params.items()}
        else:
            new = {k: w + velocity[k] for k, w in params.items()}
        return new, SGDState(state.iterations + 1, velocity)


@dataclass(frozen=True)
class AdamState:
    """Step count and the first (``m``) and second (``v``) moment estimates of each parameter."""

    iterations: int
    m: Params
    v: Params


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
        return AdamState(0, _zeros_like(params), _zeros_like(params))

    def update(self, grads: Params, state: AdamState, params: Params,
               learning_rate: float) -> tuple[Params, AdamState]:
        """One step; returns new params and state."""
        return self._apply(grads, state, params, _check_update(grads, params, learning_rate))

    def _apply(self, grads, state, params, learning_rate):
        t = state.iterations + 1
        alpha = learning_rate * math.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)  # a Python float:
        # it keeps float32 arrays float32 (a numpy float64 scalar would promote them)
        m, v, new = {}, {}, {}
        for k, g in grads.items():  # fresh arrays, changed in place: fewer temporaries, same result
            m[k] = g - state.m[k]
            m[k] *= 1 - self.beta_1
            m[k] += state.m[k]
            v[k] = g * g
            v[k] -= state.v[k]
            v[k] *= 1 - self.beta_2
            v[k] += state.v[k]
            step = np.sqrt(v[k])
            step += self.epsilon
            np.divide(m[k] * alpha, step, out=step)
            new[k] = params[k] - step
        return new, AdamState(t, m, v)
