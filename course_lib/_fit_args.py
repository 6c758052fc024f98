"""Argument checks of :func:`course_lib.training.fit` (kept apart so the loop reads on its own).

Every check raises ``ValueError`` naming the argument of ``fit`` and what is allowed.
"""
from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np

from course_lib._checks import check_array, check_choice, check_int, check_real
from course_lib.clipping import apply_keras_clipping


def as_rng(rng: Any, *, needed: bool) -> np.random.Generator | None:
    """A Generator from ``rng`` (a Generator or an int seed); ``None`` only if not ``needed``."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        if needed:
            raise ValueError("rng must be a numpy Generator or an int seed when shuffle=True or params "
                             "is None (randomness is passed in), got None")
        return None
    return np.random.default_rng(check_int("rng", rng, low=0))


def _check_data(model: Any, X: Any, y: Any, names: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """The model's own checks if it has them (course_lib.models), else finite arrays of one length."""
    try:
        if hasattr(model, "check_data"):
            return model.check_data(X, y)
        X, y = check_array("X", X), check_array("y", y, dtype=None)
        if len(X) != len(y):
            raise ValueError(f"X and y must have the same number of samples, got X: {len(X)}, y: {len(y)}")
        return X, y
    except ValueError as exc:  # name the argument of fit, e.g. validation_data's X
        raise ValueError(f"{names[0]}/{names[1]}: {exc}") from None


def check_params(model: Any, params: Any) -> dict[str, np.ndarray]:
    """The model's own params check (course_lib.models), else a non-empty dict of finite arrays."""
    if hasattr(model, "check_params"):
        return model.check_params(params)
    if not isinstance(params, dict) or not params:
        raise ValueError(f"params must be a non-empty dict of arrays, got {type(params).__name__}")
    return {k: check_array(f"params[{k!r}]", v) for k, v in params.items()}


def check_fit(model, X, y, batch_size, epochs, optimizer, learning_rate, schedule, schedule_per,
              validation_data, regularizer, clips, callbacks, rng, params, shuffle, dtype) -> SimpleNamespace:
    """All of ``fit``'s arguments checked and converted, as one namespace for the loop."""
    for attr in ("loss", "loss_and_grad", "metric", "metric_name", "weight_keys"):
        if not hasattr(model, attr):
            raise ValueError(f"model must follow the contract of course_lib.models (missing {attr!r}), "
                             f"got {model!r}")
    if not (callable(getattr(optimizer, "init", None)) and callable(getattr(optimizer, "update", None))):
        raise ValueError(f"optimizer must have init(params) and update(grads, state, params, learning_rate) "
                         f"(see course_lib.optim), got {optimizer!r}")
    X, y = _check_data(model, X, y, ("X", "y"))
    s = SimpleNamespace(model=model, n=len(X), epochs=check_int("epochs", epochs, low=1), optimizer=optimizer,
                        batch_size=check_int("batch_size", batch_size, low=1, high=len(X)),
                        dtype=np.dtype(check_choice("dtype", dtype, ("float64", "float32"))),
                        callbacks=list(callbacks), update=getattr(optimizer, "_apply", None) or optimizer.update,
                        forward=getattr(model, "_forward_backward", None) or public_forward(model))
    if not isinstance(shuffle, bool):
        raise ValueError(f"shuffle must be True or False, got {shuffle!r}")
    s.shuffle, s.rng = shuffle, as_rng(rng, needed=shuffle or params is None)
    s.params = check_params(model, params if params is not None else model.init_params(s.rng))
    s.X, s.y = X.astype(s.dtype), (y.astype(s.dtype) if y.dtype.kind == "f" else y)
    s.validation_data = None
    if validation_data is not None:
        if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
            raise ValueError(f"validation_data must be a pair (X_val, y_val), got {type(validation_data).__name__}")
        Xv, yv = _check_data(model, *validation_data, ("validation_data X", "y"))
        s.validation_data = (Xv.astype(s.dtype), yv.astype(s.dtype) if yv.dtype.kind == "f" else yv)
    _check_rates_and_extras(s, learning_rate, schedule, schedule_per, regularizer, clips)
    return s


def _check_rates_and_extras(s, learning_rate, schedule, schedule_per, regularizer, clips) -> None:
    if (learning_rate is None) == (schedule is None):
        raise ValueError("give exactly one of learning_rate (a number > 0) and schedule (step -> rate), "
                         f"got learning_rate={learning_rate!r}, schedule={schedule!r}")
    if schedule is not None and not callable(schedule):
        raise ValueError(f"schedule must be callable (step -> learning rate), got {schedule!r}")
    s.schedule, s.schedule_per = schedule, check_choice("schedule_per", schedule_per, ("step", "epoch"))
    s.learning_rate = None if learning_rate is None else check_real("learning_rate", learning_rate, low=0,
                                                                    low_open=True)
    s.clips = dict(zip(("clipvalue", "clipnorm", "global_clipnorm"), clips))
    apply_keras_clipping([np.zeros(1)], **s.clips)  # validates: at most one, each > 0
    s.clipping = any(v is not None for v in clips)
    for attr in ("penalty", "gradient"):
        if regularizer is not None and not callable(getattr(regularizer, attr, None)):
            raise ValueError(f"regularizer must have penalty(w) and gradient(w) (see course_lib.regularization), "
                             f"got {regularizer!r}")
    s.regularizer, s.prox = regularizer, callable(getattr(regularizer, "prox", None))


def public_forward(model: Any) -> Callable:
    """``(params, X, y, need_grad) -> (loss, grads or None, metric)`` from the public model API."""
    def forward(params, X, y, need_grad):
        loss, grads = model.loss_and_grad(params, X, y) if need_grad else (model.loss(params, X, y), None)
        return loss, grads, model.metric(params, X, y)
    return forward
