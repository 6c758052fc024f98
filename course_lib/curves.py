r"""Learning curves: the data behind the plots of training vs validation performance.

Two kinds. **Against epochs** (:func:`epoch_curves`): one training run's history, per epoch.
**Against training-set size** (:func:`learning_curve_by_size`): retrain on growing subsets of
the training data and score each model on the training subset and on the validation set.
Both report the **generalization gap**, signed so that positive means "better on the
training data than on unseen data":

:math:`\text{gap} = \text{val} - \text{train}` for losses (lower is better),
:math:`\text{gap} = \text{train} - \text{val}` for accuracies (higher is better).

A gap that grows with the epochs is overfitting; a gap that shrinks as the training set
grows, with both curves levelling off high, is a model too simple for the data (high bias).

>>> generalization_gap([0.2, 0.1], [0.3, 0.4]).tolist()                 # losses: val - train
[0.1, 0.30000000000000004]
>>> generalization_gap([0.9, 1.0], [0.8, 0.7], mode="max").round(3).tolist()   # accuracies
[0.1, 0.3]
"""
from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from course_lib._checks import _show, check_array, check_callable, check_choice, check_int
from course_lib.metrics import metric_direction

__all__ = ["generalization_gap", "EpochCurves", "epoch_curves", "SizeCurves", "learning_curve_by_size",
           "MAX_AVAILABLE", "MAX_REPEATS"]


def generalization_gap(train: Any, val: Any, *, mode: str = "min") -> np.ndarray:
    """``val - train`` for ``mode="min"`` (losses), ``train - val`` for ``mode="max"`` (accuracies).

    ``train`` and ``val`` are finite arrays of one shape (1-D, or 2-D for several runs); for
    curves with ``nan`` epochs (a diverged Keras run) use :func:`epoch_curves`.
    """
    check_choice("mode", mode, ("min", "max"))
    train = check_array("train", train, ndim=(1, 2))
    val = check_array("val", val, ndim=(1, 2))
    if train.shape != val.shape:
        raise ValueError(f"train and val must have the same shape, got {train.shape} and {val.shape}")
    return _difference(train, val, mode)


def _difference(train: np.ndarray, val: np.ndarray, mode: str) -> np.ndarray:
    """The signed gap of finite values; refuses an overflow (1e308 - (-1e308)) instead of inf."""
    with np.errstate(over="ignore", invalid="ignore"):
        gap = val - train if mode == "min" else train - val
    both = np.isfinite(train) & np.isfinite(val)
    if not np.all(np.isfinite(gap[both])):
        raise ValueError("train and val are too far apart: their difference overflows float64 "
                         f"(train up to {np.max(np.abs(train[both])):g}, val up to {np.max(np.abs(val[both])):g})")
    return np.where(both, gap, np.nan)


@dataclass(frozen=True)
class EpochCurves:
    """Per-epoch training and validation values of one metric, and the gap between them.

    ``epochs`` counts from 0 like Keras's ``on_epoch_end(epoch)`` and ``History`` indices (and
    :mod:`course_lib.early_stopping`); plot ``epochs + 1`` for "epochs completed".
    ``best_epoch`` is where the validation curve is best (first one on ties), among its finite
    values. ``train`` and ``val`` may hold ``nan``/``inf`` (what Keras records for a diverged
    epoch); ``gap`` is ``nan`` exactly at the epochs where either is not finite.
    """

    metric: str
    epochs: np.ndarray
    train: np.ndarray
    val: np.ndarray
    gap: np.ndarray
    best_epoch: int

    def __post_init__(self) -> None:
        if not isinstance(self.metric, str):
            raise TypeError(f"metric must be a log name (str), got {type(self.metric).__name__}")
        epochs = check_array("epochs", self.epochs, ndim=1, dtype=np.int64)
        n = len(epochs)
        if not np.array_equal(epochs, np.arange(n)):
            raise ValueError(f"epochs must be 0, 1, ..., {n - 1}, got {epochs.tolist()[:5]}...")
        object.__setattr__(self, "epochs", epochs)
        for name in ("train", "val", "gap"):
            arr = _curve(name, getattr(self, name))
            if len(arr) != n:
                raise ValueError(f"{name} must have one value per epoch (epochs has {n}), got {len(arr)}")
            object.__setattr__(self, name, arr)
        best = check_int("best_epoch", self.best_epoch, low=0, high=n - 1)
        if not np.isfinite(self.val[best]):
            raise ValueError(f"best_epoch must be an epoch with a finite val, got {best} (val {self.val[best]})")
        object.__setattr__(self, "best_epoch", best)


def _curve(name: str, values: Any) -> np.ndarray:
    """A non-empty 1-D curve of real numbers; nan/inf epochs allowed (None is not a number)."""
    return check_array(name, values, ndim=1, finite=False)


def _history_dict(history: Any) -> Mapping[str, Any]:
    logs = getattr(history, "history", history)  # a Keras History, or a mapping of log names
    if not isinstance(logs, Mapping):
        raise TypeError(f"history must be a mapping of log names to per-epoch values (or have "
                        f"one as .history, like keras.callbacks.History), got {type(history).__name__}")
    return logs


def epoch_curves(history: Any, metric: str = "loss", *, mode: str = "auto") -> EpochCurves:
    """Training (``history[metric]``) and validation (``history["val_" + metric]``) curves.

    ``history``: ``History.history`` from Keras or from ``course_lib.training.fit``, or the
    ``History`` object itself. ``mode="auto"`` reads the direction from the name, as Keras.
    Epochs whose value is ``nan`` or ``inf`` (a diverged Keras run records them) get a ``nan``
    gap and never become best; a validation curve with no finite value is refused.

    >>> c = epoch_curves({"loss": [1.0, 0.5, 0.3], "val_loss": [1.1, 0.7, 0.8]})
    >>> c.gap.round(3).tolist(), c.best_epoch
    ([0.1, 0.2, 0.5], 1)
    """
    logs = _history_dict(history)
    if not isinstance(metric, str):
        raise TypeError(f"metric must be a log name such as 'loss' or 'accuracy' (a str), got "
                        f"{type(metric).__name__}")
    for key in (metric, f"val_{metric}"):
        if key not in logs:
            raise ValueError(f"metric {metric!r} needs {key!r} in the history; available: "
                             f"{', '.join(sorted(map(str, logs))) or 'none'} (validation curves need validation data)")
    check_choice("mode", mode, ("auto", "min", "max"))
    mode = metric_direction(metric) if mode == "auto" else mode
    train = _curve(f"history[{metric!r}]", logs[metric])
    val = _curve(f"history['val_{metric}']", logs[f"val_{metric}"])
    if train.shape != val.shape:
        raise ValueError(f"history[{metric!r}] and history['val_{metric}'] must have one value per "
                         f"epoch each, got {len(train)} and {len(val)}")
    finite = np.flatnonzero(np.isfinite(val))
    if finite.size == 0:
        raise ValueError(f"history['val_{metric}'] has no finite value (every epoch is nan or inf, "
                         "the run diverged): there is no best epoch to report")
    best = finite[np.argmin(val[finite]) if mode == "min" else np.argmax(val[finite])]
    return EpochCurves(metric, np.arange(len(train)), train, val, _difference(train, val, mode), int(best))


#: Bounds that keep :func:`learning_curve_by_size` from allocating or looping without end.
MAX_AVAILABLE = 10**7
MAX_REPEATS = 1000


@dataclass(frozen=True)
class SizeCurves:
    """Scores against training-set size; ``*_scores`` have shape ``(repeats, len(sizes))``.

    ``train_mean``/``train_std`` (and ``val_``) are the mean and std over the repeats;
    ``gap`` is the generalization gap of the means.
    """

    sizes: np.ndarray
    train_scores: np.ndarray
    val_scores: np.ndarray
    train_mean: np.ndarray
    train_std: np.ndarray
    val_mean: np.ndarray
    val_std: np.ndarray
    gap: np.ndarray

    def __post_init__(self) -> None:
        sizes = _sizes(self.sizes, MAX_AVAILABLE)
        object.__setattr__(self, "sizes", sizes)
        shape = None
        for name in ("train_scores", "val_scores"):
            arr = check_array(name, getattr(self, name), ndim=2)
            if arr.shape[1] != len(sizes) or shape not in (None, arr.shape):
                raise ValueError(f"{name} must have shape (repeats, {len(sizes)}) like the other scores, "
                                 f"got {arr.shape}")
            shape = arr.shape
            object.__setattr__(self, name, arr)
        for name in ("train_mean", "train_std", "val_mean", "val_std", "gap"):
            arr = check_array(name, getattr(self, name), ndim=1)
            if arr.shape != sizes.shape:
                raise ValueError(f"{name} must have one value per size ({len(sizes)}), got shape {arr.shape}")
            if name.endswith("std") and np.any(arr < 0):
                raise ValueError(f"{name} must be >= 0, got {arr.tolist()}")
            object.__setattr__(self, name, arr)


def _sizes(sizes: Any, n_available: int) -> np.ndarray:
    counts = check_array("sizes", sizes, ndim=1)
    if np.any(counts != np.round(counts)) or np.any(counts < 1) or np.any(counts > n_available):
        raise ValueError(f"sizes must be integers in 1..{n_available} (n_available), got "
                         f"{_show_list(counts)}")
    if np.any(np.diff(counts) <= 0):
        raise ValueError(f"sizes must be strictly increasing, got {_show_list(counts)}")
    return counts.astype(np.int64)


def _show_list(values: np.ndarray, limit: int = 8) -> str:
    text = ", ".join(f"{v:g}" for v in values[:limit])
    return f"[{text}{', ...' if len(values) > limit else ''}]"


def learning_curve_by_size(train_and_score: Callable[[np.ndarray], tuple[float, float]], sizes: Any,
                           *, n_available: int, rng: np.random.Generator, repeats: int = 1,
                           mode: str = "min") -> SizeCurves:
    """Call ``train_and_score(indices)`` on growing random subsets of ``range(n_available)``.

    ``train_and_score`` trains a fresh model on the training rows ``indices`` and returns
    ``(training score, validation score)`` -- e.g. a closure around ``course_lib.training.fit``;
    both must be finite numbers. ``sizes``: strictly increasing counts
    (``np.linspace(10, n, 8).astype(int)``). Within a repeat the subsets are nested (each is the
    start of one random permutation), so the curve shows the effect of adding data rather than
    of drawing a different sample; ``repeats`` draws new permutations and gives the spread
    (std over repeats). ``mode``: ``"min"`` for losses, ``"max"`` for accuracies (the gap's
    sign). Bounds: ``n_available <= MAX_AVAILABLE`` (10**7), ``repeats <= MAX_REPEATS`` (1000).
    Keras has no counterpart; scikit-learn's is ``learning_curve``.

    >>> rng = np.random.default_rng(0)
    >>> c = learning_curve_by_size(lambda idx: (0.0, 1.0 / len(idx)), [1, 2, 4], n_available=4, rng=rng)
    >>> c.val_mean.tolist(), c.gap.tolist()
    ([1.0, 0.5, 0.25], [1.0, 0.5, 0.25])
    """
    check_callable("train_and_score", train_and_score)
    n_available = check_int("n_available", n_available, low=1, high=MAX_AVAILABLE)
    counts = _sizes(sizes, n_available)
    repeats = check_int("repeats", repeats, low=1, high=MAX_REPEATS)
    check_choice("mode", mode, ("min", "max"))
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy Generator (np.random.default_rng(seed)), got {type(rng).__name__}")
    scores = np.empty((2, repeats, len(counts)))
    for r in range(repeats):
        order = rng.permutation(n_available)
        for j, n in enumerate(counts):
            scores[:, r, j] = _pair_of_scores(train_and_score(order[:n]), n, r)
    train, val = scores
    with np.errstate(over="ignore"):  # an overflow is refused just below
        stats = train.mean(axis=0), train.std(axis=0), val.mean(axis=0), val.std(axis=0)
    if not all(np.all(np.isfinite(a)) for a in stats):
        raise ValueError("train_and_score returned scores too large to average in float64 (up to "
                         f"{np.abs(scores).max():g}); return losses or accuracies of a sane scale")
    try:
        gap = generalization_gap(stats[0], stats[2], mode=mode)
    except ValueError:
        raise ValueError("train_and_score returned training and validation scores too far apart: "
                         "their gap overflows float64") from None
    return SizeCurves(counts, train, val, *stats, gap)


def _pair_of_scores(result: Any, n: int, repeat: int) -> tuple[float, float]:
    """Two finite real numbers (Python or numpy scalars; not bools, strings or arrays)."""
    try:
        pair = tuple(result)
    except TypeError:
        pair = ()
    if len(pair) != 2:
        raise ValueError(f"train_and_score must return (train score, validation score), got "
                         f"{_show(result)}")
    if not all(isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_)) and np.isfinite(v)
               for v in pair):
        raise ValueError(f"train_and_score must return two finite numbers (train score, validation "
                         f"score), got {_show(result)} for {n} samples (repeat {repeat})")
    return float(pair[0]), float(pair[1])
