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

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from course_lib._checks import check_array, check_choice, check_int
from course_lib.metrics import metric_direction

__all__ = ["generalization_gap", "EpochCurves", "epoch_curves", "SizeCurves", "learning_curve_by_size"]


def generalization_gap(train: Any, val: Any, *, mode: str = "min") -> np.ndarray:
    """``val - train`` for ``mode="min"`` (losses), ``train - val`` for ``mode="max"`` (accuracies)."""
    check_choice("mode", mode, ("min", "max"))
    train = check_array("train", train, ndim=(1, 2), finite=False)
    val = check_array("val", val, ndim=(1, 2), finite=False)
    if train.shape != val.shape:
        raise ValueError(f"train and val must have the same shape, got {train.shape} and {val.shape}")
    return val - train if mode == "min" else train - val


@dataclass(frozen=True)
class EpochCurves:
    """Per-epoch training and validation values of one metric, and the gap between them.

    ``epochs`` counts from 0 like Keras's ``on_epoch_end(epoch)`` and ``History`` indices (and
    :mod:`course_lib.early_stopping`); plot ``epochs + 1`` for "epochs completed".
    ``best_epoch`` is where the validation curve is best (first one on ties).
    """

    metric: str
    epochs: np.ndarray
    train: np.ndarray
    val: np.ndarray
    gap: np.ndarray
    best_epoch: int


def _history_dict(history: Any) -> Mapping[str, Any]:
    logs = getattr(history, "history", history)  # a Keras History, or a mapping of log names
    if not isinstance(logs, Mapping):
        raise ValueError(f"history must be a mapping of log names to per-epoch values (or have "
                         f"one as .history, like keras.callbacks.History), got {type(history).__name__}")
    return logs


def epoch_curves(history: Any, metric: str = "loss", *, mode: str = "auto") -> EpochCurves:
    """Training (``history[metric]``) and validation (``history["val_" + metric]``) curves.

    ``history``: ``History.history`` from Keras or from ``course_lib.training.fit``, or the
    ``History`` object itself. ``mode="auto"`` reads the direction from the name, as Keras.

    >>> c = epoch_curves({"loss": [1.0, 0.5, 0.3], "val_loss": [1.1, 0.7, 0.8]})
    >>> c.gap.round(3).tolist(), c.best_epoch
    ([0.1, 0.2, 0.5], 1)
    """
    logs = _history_dict(history)
    for key in (metric, f"val_{metric}"):
        if key not in logs:
            raise ValueError(f"metric {metric!r} needs {key!r} in the history; available: "
                             f"{', '.join(sorted(logs)) or 'none'} (validation curves need validation data)")
    check_choice("mode", mode, ("auto", "min", "max"))
    mode = metric_direction(metric) if mode == "auto" else mode
    train = check_array(metric, logs[metric], ndim=1, finite=False)
    val = check_array(f"val_{metric}", logs[f"val_{metric}"], ndim=1, finite=False)
    gap = generalization_gap(train, val, mode=mode)
    best = np.nanargmin(val) if mode == "min" else np.nanargmax(val)
    return EpochCurves(metric, np.arange(len(train)), train, val, gap, int(best))


@dataclass(frozen=True)
class SizeCurves:
    """Scores against training-set size; ``*_scores`` have shape ``(repeats, len(sizes))``."""

    sizes: np.ndarray
    train_scores: np.ndarray
    val_scores: np.ndarray
    train_mean: np.ndarray
    train_std: np.ndarray
    val_mean: np.ndarray
    val_std: np.ndarray
    gap: np.ndarray


def _sizes(sizes: Any, n_available: int) -> np.ndarray:
    counts = check_array("sizes", sizes, ndim=1)
    if np.any(counts != np.round(counts)) or np.any(counts < 1) or np.any(counts > n_available):
        raise ValueError(f"sizes must be integers in 1..{n_available} (n_available), got {counts.tolist()}")
    if np.any(np.diff(counts) <= 0):
        raise ValueError(f"sizes must be strictly increasing, got {counts.tolist()}")
    return counts.astype(np.int64)


def learning_curve_by_size(train_and_score: Callable[[np.ndarray], tuple[float, float]], sizes: Any,
                           *, n_available: int, rng: np.random.Generator, repeats: int = 1,
                           mode: str = "min") -> SizeCurves:
    """Call ``train_and_score(indices)`` on growing random subsets of ``range(n_available)``.

    ``train_and_score`` trains a fresh model on the training rows ``indices`` and returns
    ``(training score, validation score)`` -- e.g. a closure around ``course_lib.training.fit``.
    ``sizes``: strictly increasing counts (``np.linspace(10, n, 8).astype(int)``). Within a repeat the
    subsets are nested (each is the start of one random permutation), so the curve shows the
    effect of adding data rather than of drawing a different sample; ``repeats`` draws new
    permutations and gives the spread (std over repeats). ``mode``: ``"min"`` for losses,
    ``"max"`` for accuracies (the gap's sign). Keras has no counterpart; scikit-learn's is
    ``learning_curve``.

    >>> rng = np.random.default_rng(0)
    >>> c = learning_curve_by_size(lambda idx: (0.0, 1.0 / len(idx)), [1, 2, 4], n_available=4, rng=rng)
    >>> c.val_mean.tolist(), c.gap.tolist()
    ([1.0, 0.5, 0.25], [1.0, 0.5, 0.25])
    """
    if not callable(train_and_score):
        raise ValueError(f"train_and_score must be callable(indices) -> (train, val), got {train_and_score!r}")
    n_available = check_int("n_available", n_available, low=1)
    counts = _sizes(sizes, n_available)
    repeats = check_int("repeats", repeats, low=1)
    check_choice("mode", mode, ("min", "max"))
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy Generator (np.random.default_rng(seed)), got {rng!r}")
    scores = np.empty((2, repeats, len(counts)))
    for r in range(repeats):
        order = rng.permutation(n_available)
        for j, n in enumerate(counts):
            scores[:, r, j] = _pair_of_scores(train_and_score(order[:n]))
    train, val = scores
    return SizeCurves(counts, train, val, train.mean(axis=0), train.std(axis=0), val.mean(axis=0),
                      val.std(axis=0), generalization_gap(train.mean(axis=0), val.mean(axis=0), mode=mode))


def _pair_of_scores(result: Any) -> tuple[float, float]:
    try:
        train, val = result
        return float(train), float(val)
    except (TypeError, ValueError):
        raise ValueError(f"train_and_score must return (train score, validation score), got {result!r}") from None
