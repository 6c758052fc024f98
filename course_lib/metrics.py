r"""Classification metrics from scratch: accuracy, precision, recall, F1, confusion matrix.

From the confusion matrix ``C`` (rows: true class, columns: predicted class) each class
``k`` has ``TP = C[k, k]``, ``FP = sum(C[:, k]) - TP``, ``FN = sum(C[k, :]) - TP`` and
:math:`\text{precision} = \frac{TP}{TP+FP}`, :math:`\text{recall} = \frac{TP}{TP+FN}`,
:math:`F_1 = \frac{2PR}{P+R} = \frac{2TP}{2TP+FP+FN}`.

``average`` follows scikit-learn: ``"binary"`` (class 1 of 0/1 labels), ``"macro"`` (plain
mean over classes), ``"micro"`` (pool the counts; equals accuracy for single-label data),
``"weighted"`` (mean weighted by each class's support) or ``None`` (one value per class).

**Labels** are class indices ``0, 1, ..., n_classes - 1`` (Keras's sparse labels, as in
``tf.math.confusion_matrix``): integers stored as ints, floats or bools; ``n_classes`` defaults
to the largest label + 1. At most :data:`MAX_CLASSES` (1,000, ImageNet's count) classes: a
confusion matrix of ``n_classes**2`` counts would otherwise ask for terabytes at a label like
``10**6``. (scikit-learn instead ranks the distinct label values; map arbitrary labels to
indices first with ``np.unique(y, return_inverse=True)``.)

**Zero division.** A ratio whose denominator is 0 (a class never predicted has no precision;
a class absent from the labels has no recall) is ``zero_division`` (0 by default, as
scikit-learn's ``zero_division=0``). Keras agrees for the default: ``keras.metrics.Precision``
and ``Recall`` use a division that returns 0, and ``keras.metrics.F1Score`` adds
``epsilon = 1e-7`` to each denominator, which gives 0 too (and answers off by ~1e-7 elsewhere).

>>> y_true = [0, 1, 1, 1, 0, 1]
>>> y_pred = [0, 1, 0, 1, 1, 1]
>>> precision(y_true, y_pred), recall(y_true, y_pred), f1_score(y_true, y_pred)   # 3/4, 3/4
(0.75, 0.75, 0.75)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from course_lib._checks import check_array, check_choice, check_int, check_same_length

__all__ = ["MAX_CLASSES", "confusion_matrix", "accuracy", "precision", "recall", "f1_score",
           "ThresholdSweep", "threshold_sweep", "metric_direction"]

AVERAGES = ("binary", "micro", "macro", "weighted", None)

#: The largest number of classes a labelling may have (labels 0..MAX_CLASSES - 1).
MAX_CLASSES = 1000


def _labels(name: str, y: Any) -> np.ndarray:
    """Class labels 0..MAX_CLASSES-1, as a 1-D int array (a (n, 1) column is accepted)."""
    arr = check_array(name, y, ndim=(1, 2))
    if arr.ndim == 2:
        if arr.shape[1] != 1:
            raise ValueError(f"{name} must be 1-D class labels (or an (n, 1) column), got shape "
                             f"{arr.shape}; for probabilities take argmax(axis=1) first")
        arr = arr[:, 0]
    bad = arr[(arr != np.round(arr)) | (arr < 0)]
    if bad.size:
        raise ValueError(f"{name} must hold integer class labels >= 0, got {bad[0]:g}")
    if arr.max() >= MAX_CLASSES:
        raise ValueError(f"{name} must hold class labels 0..{MAX_CLASSES - 1} (at most MAX_CLASSES = "
                         f"{MAX_CLASSES} classes), got {arr.max():g}; map other labels to indices "
                         "with np.unique(y, return_inverse=True)")
    return arr.astype(np.int64)


def _pair(y_true: Any, y_pred: Any, n_classes: int | None) -> tuple[np.ndarray, np.ndarray, int]:
    y_true, y_pred = _labels("y_true", y_true), _labels("y_pred", y_pred)
    check_same_length(y_true=y_true, y_pred=y_pred)
    top = int(max(y_true.max(), y_pred.max()))
    if n_classes is None:
        return y_true, y_pred, top + 1
    n_classes = check_int("n_classes", n_classes, low=1, high=MAX_CLASSES)
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if y.max() >= n_classes:
            raise ValueError(f"{name} must hold labels in 0..{n_classes - 1} (n_classes="
                             f"{n_classes}), got {int(y.max())}")
    return y_true, y_pred, n_classes


def confusion_matrix(y_true: Any, y_pred: Any, n_classes: int | None = None) -> np.ndarray:
    """``C[i, j]`` = number of samples of true class ``i`` predicted as ``j``.

    ``n_classes`` defaults to the largest label + 1. Keras/TF: ``tf.math.confusion_matrix``.

    >>> confusion_matrix([0, 1, 2, 2], [0, 2, 2, 1]).tolist()
    [[1, 0, 0], [0, 0, 1], [0, 1, 1]]
    """
    y_true, y_pred, n = _pair(y_true, y_pred, n_classes)
    return np.bincount(y_true * n + y_pred, minlength=n * n).reshape(n, n)


def accuracy(y_true: Any, y_pred: Any) -> float:
    """Fraction of predictions equal to the labels. Keras: ``"accuracy"`` on class labels.

    >>> accuracy([0, 1, 2, 2], [0, 2, 2, 1])
    0.5
    """
    y_true, y_pred, _ = _pair(y_true, y_pred, None)
    return float(np.mean(y_true == y_pred))


def _divide(num: np.ndarray, den: np.ndarray, zero_division: float) -> np.ndarray:
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    return np.where(den == 0, zero_division, num / np.where(den == 0, 1.0, den))


def _zero_division(value: Any) -> float:
    """0 or 1 (scikit-learn's numeric choices; its "warn" and nan are not offered)."""
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"zero_division must be one of 0, 1, got {value!r}")
    return float(check_choice("zero_division", value, (0, 1)))


def _score(kind: str, y_true: Any, y_pred: Any, average: str | None, n_classes: int | None,
           zero_division: float) -> float | np.ndarray:
    check_choice("average", average, AVERAGES)
    zero_division = _zero_division(zero_division)
    y_true, y_pred, n = _pair(y_true, y_pred, n_classes)
    if average == "binary":
        for name, y in (("y_true", y_true), ("y_pred", y_pred)):
            if y.max() > 1:
                raise ValueError(f"average='binary' needs labels 0 and 1 in y_true and y_pred, got "
                                 f"{name} label {y.max()}; use average='macro', 'micro', 'weighted' or None")
        if n > 2:
            raise ValueError(f"average='binary' needs n_classes <= 2, got n_classes={n}; use "
                             "average='macro', 'micro', 'weighted' or None")
        n = 2  # class 1 is scored even when no label or prediction is 1
    cm = confusion_matrix(y_true, y_pred, n)
    tp = np.diag(cm)
    fp, fn = cm.sum(axis=0) - tp, cm.sum(axis=1) - tp
    if average == "micro":
        tp, fp, fn = tp.sum(), fp.sum(), fn.sum()
    den = {"precision": tp + fp, "recall": tp + fn, "f1": 2 * tp + fp + fn}[kind]
    num = 2 * tp if kind == "f1" else tp
    per_class = _divide(num, den, zero_division)
    if average == "binary":
        return float(per_class[1])
    if average == "macro":
        return float(per_class.mean())
    if average == "weighted":
        support = cm.sum(axis=1)
        return float(np.sum(per_class * support) / support.sum())
    return float(per_class) if average == "micro" else per_class


def precision(y_true: Any, y_pred: Any, *, average: str | None = "binary",
              n_classes: int | None = None, zero_division: float = 0.0) -> float | np.ndarray:
    """``TP / (TP + FP)``: of the samples predicted as a class, the fraction that are.

    Keras: ``keras.metrics.Precision`` (binary, or one class with ``class_id``).

    >>> precision([0, 1, 2, 2], [0, 2, 2, 1], average=None).tolist()   # class 1 never right
    [1.0, 0.0, 0.5]
    """
    return _score("precision", y_true, y_pred, average, n_classes, zero_division)


def recall(y_true: Any, y_pred: Any, *, average: str | None = "binary",
           n_classes: int | None = None, zero_division: float = 0.0) -> float | np.ndarray:
    """``TP / (TP + FN)``: of the samples of a class, the fraction found.

    Keras: ``keras.metrics.Recall``.

    >>> recall([0, 0, 0, 1], [0, 0, 0, 0])     # accuracy 0.75, yet the positive is missed
    0.0
    """
    return _score("recall", y_true, y_pred, average, n_classes, zero_division)


def f1_score(y_true: Any, y_pred: Any, *, average: str | None = "binary",
             n_classes: int | None = None, zero_division: float = 0.0) -> float | np.ndarray:
    """``2 TP / (2 TP + FP + FN)``, the harmonic mean of precision and recall.

    Keras: ``keras.metrics.F1Score`` (same ``average`` names, default ``None`` there).

    >>> f1_score([0, 1, 1, 1], [1, 1, 0, 1])    # P = R = 2/3
    0.666666
    """
    return _score("f1", y_true, y_pred, average, n_classes, zero_division)


@dataclass(frozen=True)
class ThresholdSweep:
    """Precision, recall and F1 of the rule ``score > threshold`` at each threshold."""

    thresholds: np.ndarray
    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray

    def __post_init__(self) -> None:
        for field in ("thresholds", "precision", "recall", "f1"):
            arr = check_array(field, getattr(self, field), ndim=1)
            if field != "thresholds" and np.any((arr < 0) | (arr > 1)):
                raise ValueError(f"{field} must lie in [0, 1], got {arr.tolist()[:5]}")
            object.__setattr__(self, field, arr)
        check_same_length(thresholds=self.thresholds, precision=self.precision, recall=self.recall,
                          f1=self.f1)


def threshold_sweep(y_true: Any, scores: Any, thresholds: Any = None, *,
                    zero_division: float = 0.0) -> ThresholdSweep:
    """Binary precision/recall/F1 against the decision threshold (predict 1 when ``score > t``).

    ``score > t`` is Keras's rule (``keras.metrics.Precision(thresholds=...)``); scikit-learn's
    ``precision_recall_curve`` uses ``score >= t``. Default thresholds: the distinct scores,
    ascending (the last predicts no positive: precision is ``zero_division`` there).

    >>> s = threshold_sweep([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.8], thresholds=[0.0, 0.5])
    >>> s.precision.tolist(), s.recall.tolist()
    ([0.5, 0.5], [1.0, 0.5])
    """
    y_true = _labels("y_true", y_true)
    if y_true.max() > 1:
        raise ValueError(f"y_true must hold binary labels 0 and 1, got {int(y_true.max())}")
    scores = check_array("scores", scores, ndim=1)
    check_same_length(y_true=y_true, scores=scores)
    zero_division = _zero_division(zero_division)
    thresholds = np.unique(scores) if thresholds is None else check_array("thresholds", thresholds, ndim=1)
    order = np.argsort(scores, kind="stable")
    sorted_scores, positives_below = scores[order], np.concatenate([[0], np.cumsum(y_true[order])])
    n_le = np.searchsorted(sorted_scores, thresholds, side="right")  # samples with score <= t
    tp = positives_below[-1] - positives_below[n_le]
    predicted = len(scores) - n_le
    fp, fn = predicted - tp, positives_below[-1] - tp
    return ThresholdSweep(thresholds, _divide(tp, tp + fp, zero_division),
                          _divide(tp, tp + fn, zero_division), _divide(2 * tp, 2 * tp + fp + fn, zero_division))


_HIGHER_IS_BETTER = {"accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
                     "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "precision",
                     "recall", "f1_score", "fbeta_score", "auc", "r2_score"}
_LOWER_IS_BETTER = {"loss", "mse", "mae", "mean_squared_error", "mean_absolute_error",
                    "root_mean_squared_error", "binary_crossentropy", "categorical_crossentropy",
                    "sparse_categorical_crossentropy", "hinge", "squared_hinge"}


def metric_direction(name: str) -> str:
    """``"max"`` or ``"min"`` for a Keras log name (``val_`` prefix ignored), as Keras's ``mode="auto"``.

    Keras 3 reads the direction from the compiled metric objects and raises for unknown
    names; so does this, from a table of Keras's metric names.

    >>> metric_direction("val_accuracy"), metric_direction("val_loss")
    ('max', 'min')
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a Keras log name (a str such as 'val_loss'), got {type(name).__name__}")
    base = name.removeprefix("val_")
    if base in _HIGHER_IS_BETTER:
        return "max"
    if base in _LOWER_IS_BETTER:
        return "min"
    raise ValueError(f"cannot tell whether monitor {name!r} should go up or down; pass mode='min' "
                     f"or mode='max' (mode='auto' knows {sorted(_HIGHER_IS_BETTER | _LOWER_IS_BETTER)})")
