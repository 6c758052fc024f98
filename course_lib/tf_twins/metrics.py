"""The Keras metrics that :mod:`course_lib.metrics` reproduces, called on class labels.

Keras's confusion metrics want probabilities or one-hot rows, not labels; these helpers do
the conversion, so that a notebook's proof cell is one line per metric. Keras computes in
float32, so its answers agree with the numpy ones to float32 rounding (~1e-7), and
``F1Score`` adds ``epsilon = 1e-7`` to its denominators (answers off by up to ~1e-6).

>>> float(keras_precision([0, 1, 1, 0], [1, 1, 0, 0]))     # TP = 1, FP = 1
0.5
"""
from __future__ import annotations

from typing import Any

import keras
import numpy as np
import tensorflow as tf

from course_lib._checks import check_array, check_choice, check_int, check_same_length
from course_lib.metrics import _labels, _pair

__all__ = ["keras_confusion_matrix", "keras_precision", "keras_recall", "keras_f1_score",
           "keras_threshold_sweep"]


def _one_hot(y: np.ndarray, n_classes: int) -> np.ndarray:
    return np.eye(n_classes, dtype=np.float32)[y]


def _binary(name: str, y: np.ndarray) -> np.ndarray:
    if y.max() > 1:
        raise ValueError(f"{name} must hold binary labels 0 and 1 (pass class_id for one class of "
                         f"several), got label {y.max()}")
    return y.astype(np.float32)[:, None]


def _binary_or_class(y_true: Any, y_pred: Any, class_id: Any, n_classes: Any):
    y_true, y_pred, n = _pair(y_true, y_pred, n_classes)
    if class_id is None:  # binary: labels 0/1 as an (n, 1) column
        return _binary("y_true", y_true), _binary("y_pred", y_pred)
    check_int("class_id", class_id, low=0, high=n - 1)
    return _one_hot(y_true, n), _one_hot(y_pred, n)


def keras_confusion_matrix(y_true: Any, y_pred: Any, n_classes: int) -> np.ndarray:
    """``tf.math.confusion_matrix`` (rows: true class, columns: predicted)."""
    y_true, y_pred, n = _pair(y_true, y_pred, check_int("n_classes", n_classes, low=1))
    return tf.math.confusion_matrix(y_true, y_pred, num_classes=n).numpy()


def keras_precision(y_true: Any, y_pred: Any, *, class_id: int | None = None,
                    n_classes: int | None = None) -> float:
    """``keras.metrics.Precision`` on hard 0/1 predictions, or on one class (``class_id``)."""
    labels = _binary_or_class(y_true, y_pred, class_id, n_classes)
    metric = keras.metrics.Precision(class_id=None if class_id is None else int(class_id))
    metric.update_state(*labels)
    return float(metric.result())


def keras_recall(y_true: Any, y_pred: Any, *, class_id: int | None = None,
                 n_classes: int | None = None) -> float:
    """``keras.metrics.Recall`` on hard 0/1 predictions, or on one class (``class_id``)."""
    labels = _binary_or_class(y_true, y_pred, class_id, n_classes)
    metric = keras.metrics.Recall(class_id=None if class_id is None else int(class_id))
    metric.update_state(*labels)
    return float(metric.result())


def keras_f1_score(y_true: Any, y_pred: Any, *, average: str | None = None,
                   n_classes: int | None = None) -> float | np.ndarray:
    """``keras.metrics.F1Score(average=...)`` on one-hot labels and one-hot predictions."""
    check_choice("average", average, (None, "micro", "macro", "weighted"))
    y_true, y_pred, n = _pair(y_true, y_pred, n_classes)
    metric = keras.metrics.F1Score(average=average)
    metric.update_state(_one_hot(y_true, n), _one_hot(y_pred, n))
    result = metric.result().numpy()
    return result if average is None else float(result)


def keras_threshold_sweep(y_true: Any, scores: Any, thresholds: Any) -> tuple[np.ndarray, np.ndarray]:
    """Precision and recall of ``score > t`` for each ``t`` in [0, 1], by Keras's metrics.

    Keras evaluates in float32: pass float32-representable scores and thresholds to compare
    exactly with :func:`course_lib.metrics.threshold_sweep`. Keras accepts thresholds in
    [0, 1] only.
    """
    y = _binary("y_true", _labels("y_true", y_true))
    s = check_array("scores", scores, ndim=1)
    check_same_length(y_true=y, scores=s)
    t = check_array("thresholds", thresholds, ndim=1)
    if np.any((t < 0) | (t > 1)):
        raise ValueError(f"thresholds must lie in [0, 1] (Keras's rule), got {t[(t < 0) | (t > 1)][0]:g}")
    thresholds = [float(v) for v in t]
    with np.errstate(over="ignore"):  # beyond float32: +-inf, still compared right
        s = s.astype(np.float32)[:, None]
    p, r = keras.metrics.Precision(thresholds=thresholds), keras.metrics.Recall(thresholds=thresholds)
    p.update_state(y, s)
    r.update_state(y, s)
    return np.atleast_1d(p.result().numpy()), np.atleast_1d(r.result().numpy())
