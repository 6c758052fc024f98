"""Argument checks of :func:`course_lib.training.fit` (kept apart so the loop reads on its own).

Every check raises ``ValueError`` or ``TypeError`` naming the argument of ``fit`` and what is
allowed.
"""
from __future__ import annotations

import difflib
import numbers
import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np

from course_lib._checks import _show, check_array, check_bool, check_callable, check_choice, check_int, check_real
from course_lib.clipping import apply_keras_clipping

HOOKS = ("on_train_begin", "on_epoch_end", "on_train_end")
_KERAS_HOOK = re.compile(r"on_((train|test|predict)_)?(batch_)?(begin|end)|on_epoch_begin")
MAX_STEPS = 1_000_000  # a minute or more of training: 100x the longest run of the course
MAX_SAMPLES = 10_000_000  # one epoch's permutation of this many samples is 80 MB


def as_rng(rng: Any, *, needed: bool) -> np.random.Generator | None:
    """A Generator from ``rng`` (a Generator or an int seed); ``None`` only if not ``needed``."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        if needed:
            raise ValueError("rng must be a numpy Generator or an int seed when shuffle=True or params "
                             "is None (randomness is passed in), got None")
        return None
    if not isinstance(rng, numbers.Integral) or isinstance(rng, bool):
        raise TypeError(f"rng must be a numpy Generator or an int seed >= 0, got {_show(rng)}")
    return np.random.default_rng(check_int("rng", rng, low=0))


def _check_data(model: Any, X: Any, y: Any, names: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """The model's own checks if it has them (course_lib.models), else finite arrays of one length."""
    try:
        if hasattr(model, "check_data"):
            return model.check_data(X, y)
        X, y = check_array("X", X), check_array("y", y, dtype=None)
        if X.ndim == 0 or y.ndim == 0:
            raise ValueError(f"X and y must be arrays with one row per sample, got shapes {X.shape}, {y.shape}")
        if len(X) != len(y):
            raise ValueError(f"X and y must have the same number of samples, got X: {len(X)}, y: {len(y)}")
        return X, y
    except (TypeError, ValueError) as exc:  # name the argument of fit, e.g. validation_data's X
        raise type(exc)(f"{names[0]}/{names[1]}: {exc}") from None


def check_params(model: Any, params: Any) -> dict[str, np.ndarray]:
    """The model's own params check (course_lib.models), else a non-empty dict of finite arrays."""
    if hasattr(model, "check_params"):
        return model.check_params(params)
    if not isinstance(params, dict) or not params:
        raise ValueError(f"params must be a non-empty dict of arrays, got {type(params).__name__}")
    return {k: check_array(f"params[{k!r}]", v) for k, v in params.items()}


def check_callbacks(callbacks: Any) -> list[Any]:
    """A list or tuple of callback *instances*, each with at least one hook of :data:`HOOKS`.

    A public ``on_*`` method that ``fit`` never calls is refused: it is a misspelt hook
    (``on_epoch_ends``) or a Keras callback, and would be skipped without a word otherwise.
    ``None`` means no callbacks, as in Keras.
    """
    if callbacks is None:
        return []
    if not isinstance(callbacks, (list, tuple)):
        raise TypeError(f"callbacks must be a list or tuple of callback objects, e.g. [EarlyStopping()], "
                        f"got {_show(callbacks)}")
    for i, cb in enumerate(callbacks):
        name = f"callbacks[{i}]"
        if isinstance(cb, type):
            raise TypeError(f"{name} is the class {cb.__name__}, not an instance of it: write "
                            f"{cb.__name__}(...) in the list")
        try:
            unknown = [a for a in dir(cb) if a.startswith("on_") and a not in HOOKS]
        except Exception:  # an object whose __dir__ fails is no callback
            unknown = []
        if unknown:
            close = difflib.get_close_matches(unknown[0], HOOKS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close and not _KERAS_HOOK.fullmatch(unknown[0]) else \
                " (a Keras hook: Keras callbacks do not work with course_lib.training.fit)"
            raise ValueError(f"{name} ({type(cb).__name__}) has a method {unknown[0]!r} that fit never calls"
                             f"{hint}; fit calls only {', '.join(HOOKS)}")
        hooks = [h for h in HOOKS if getattr(cb, h, None) is not None]
        if not hooks:
            raise TypeError(f"{name} must have at least one of the methods on_train_begin(state), "
                            f"on_epoch_end(epoch, logs, state), on_train_end(state), got {_show(cb)}")
        for h in hooks:
            check_callable(f"{name}.{h}", getattr(cb, h))
    return list(callbacks)


def check_fit(model, X, y, batch_size, epochs, optimizer, learning_rate, schedule, schedule_per,
              validation_data, regularizer, clips, callbacks, rng, params, shuffle, dtype,
              divergence_factor) -> SimpleNamespace:
    """All of ``fit``'s arguments checked and converted, as one namespace for the loop."""
    for attr in ("loss", "loss_and_grad", "metric", "metric_name", "weight_keys"):
        if not hasattr(model, attr):
            raise ValueError(f"model must follow the contract of course_lib.models (missing {attr!r}), "
                             f"got {_show(model)}")
    if not (callable(getattr(optimizer, "init", None)) and callable(getattr(optimizer, "update", None))):
        raise ValueError(f"optimizer must have init(params) and update(grads, state, params, learning_rate) "
                         f"(see course_lib.optim), got {_show(optimizer)}")
    X, y = _check_data(model, X, y, ("X", "y"))
    s = SimpleNamespace(model=model, n=len(X), epochs=check_int("epochs", epochs, low=1, high=MAX_STEPS),
                        optimizer=optimizer, batch_size=check_int("batch_size", batch_size, low=1, high=len(X)),
                        dtype=np.dtype(check_choice("dtype", dtype, ("float64", "float32"))),
                        callbacks=check_callbacks(callbacks),
                        update=getattr(optimizer, "_apply", None) or optimizer.update,
                        forward=getattr(model, "_forward_backward", None) or public_forward(model))
    steps = s.epochs * -(-s.n // s.batch_size)
    if steps > MAX_STEPS:
        raise ValueError(f"epochs={s.epochs} with batch_size={s.batch_size} on {s.n} samples makes {steps} "
                         f"steps; at most {MAX_STEPS} are allowed (use fewer epochs or a larger batch_size)")
    s.divergence_factor = None if divergence_factor is None else check_real(
        "divergence_factor", divergence_factor, low=1, low_open=True)
    s.shuffle = check_bool("shuffle", shuffle)
    s.rng = as_rng(rng, needed=s.shuffle or params is None)
    s.params = check_params(model, params if params is not None else model.init_params(s.rng))
    s.X, s.y = X.astype(s.dtype), (y.astype(s.dtype) if y.dtype.kind == "f" else y)
    s.validation_data = None
    if validation_data is not None:
        if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
            raise ValueError(f"validation_data must be a pair (X_val, y_val), got {_show(validation_data)}")
        Xv, yv = _check_data(model, *validation_data, ("validation_data X", "y"))
        s.validation_data = (Xv.astype(s.dtype), yv.astype(s.dtype) if yv.dtype.kind == "f" else yv)
    _check_rates_and_extras(s, learning_rate, schedule, schedule_per, regularizer, clips)
    return s


def _check_rates_and_extras(s, learning_rate, schedule, schedule_per, regularizer, clips) -> None:
    if (learning_rate is None) == (schedule is None):
        raise ValueError("give exactly one of learning_rate (a number > 0) and schedule (step -> rate), "
                         f"got learning_rate={_show(learning_rate)}, schedule={_show(schedule)}")
    if schedule is not None and not callable(schedule):
        raise TypeError(f"schedule must be callable (step -> learning rate), got {_show(schedule)}")
    s.schedule, s.schedule_per = schedule, check_choice("schedule_per", schedule_per, ("step", "epoch"))
    s.learning_rate = None if learning_rate is None else check_real("learning_rate", learning_rate, low=0,
                                                                    low_open=True)
    s.clips = dict(zip(("clipvalue", "clipnorm", "global_clipnorm"), clips))
    apply_keras_clipping([np.zeros(1)], **s.clips)  # validates: at most one, each > 0
    s.clipping = any(v is not None for v in clips)
    for attr in ("penalty", "gradient"):
        if regularizer is not None and not callable(getattr(regularizer, attr, None)):
            raise ValueError(f"regularizer must have penalty(w) and gradient(w) (see course_lib.regularization), "
                             f"got {_show(regularizer)}")
    s.regularizer, s.prox = regularizer, callable(getattr(regularizer, "prox", None))


def schedule_values(schedule: Callable, count: int) -> np.ndarray:
    """``schedule(t)`` for ``t = 0 .. count-1``, as floats; named errors for bad rates.

    A schedule of :mod:`course_lib.schedules` takes the whole array of steps at once. A plain
    Python function such as ``lambda t: 0.1 if t < 5 else 0.01`` cannot (``t < 5`` on an array
    has no single truth value); it is called once per step with a Python ``int`` instead.
    """
    values = None
    try:
        with np.errstate(all="ignore"):
            out = np.asarray(schedule(np.arange(count)))
        if out.shape == (count,) and out.dtype.kind in "iuf":
            values = out.astype(float)
    except Exception:  # noqa: BLE001 - a scalar-only function: evaluated step by step below
        values = None
    if values is None:
        values = np.array([_scalar_rate(schedule, t) for t in range(count)], dtype=float)
    bad = np.flatnonzero(~np.isfinite(values) | (values < 0))
    if bad.size:
        t = int(bad[0])
        raise ValueError(f"schedule must return learning rates that are finite numbers >= 0, "
                         f"got schedule({t}) = {float(values[t])!r}")
    return values


def _scalar_rate(schedule: Callable, t: int) -> float:
    try:
        with np.errstate(all="ignore"):
            rate = schedule(t)
    except Exception as exc:  # noqa: BLE001 - the user's function failed: say where, keep the cause
        raise ValueError(f"schedule({t}) raised {type(exc).__name__}: {exc} (a schedule maps a step "
                         f"number to a learning rate)") from exc
    arr = np.asarray(rate) if isinstance(rate, (numbers.Real, np.ndarray)) else None
    if isinstance(rate, bool) or arr is None or arr.size != 1 or arr.dtype.kind not in "iuf":
        raise TypeError(f"schedule must return a learning rate (a number) for each step, "
                        f"got schedule({t}) = {_show(rate)}")
    return float(arr.reshape(()))


def public_forward(model: Any) -> Callable:
    """``(params, X, y, need_grad) -> (loss, grads or None, metric)`` from the public model API."""
    def forward(params, X, y, need_grad):
        loss, grads = model.loss_and_grad(params, X, y) if need_grad else (model.loss(params, X, y), None)
        return loss, grads, model.metric(params, X, y)
    return forward
