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

from course_lib._checks import check_array

__all__ = ["keras_confusion_matrix", "keras_precision", "keras_recall", "keras_f1_score",
           "keras_threshold_sweep"]


def _one_hot(y: Any, n_classes: int) -> np.ndarray:
    return np.eye(n_classes, dtype=np.float32)[np.asarray(y, dtype=np.int64)]


def _binary_or_class(y_true: Any, y_pred: Any, class_id: int | None, n_classes: int | None):
    if class_id is None:  # binary: labels 0/1 as an (n, 1) column
        return (np.asarray(y_true, np.float32)[:, None], np.asarray(y_pred, np.float32)[:, None])
    n = n_classes or int(max(np.max(y_true), np.max(y_pred))) + 1
    return _one_hot(y_true, n), _one_hot(y_pred, n)


def keras_confusion_matrix(y_true: Any, y_pred: Any, n_classes: int) -> np.ndarray:
    """``tf.math.confusion_matrix`` (rows: true class, columns: predicted)."""
    return tf.math.confusion_matrix(np.asarray(y_true), np.asarray(y_pred), num_classes=n_classes).numpy()


def keras_precision(y_true: Any, y_pred: Any, *, class_id: int | None = None,
                    n_classes: int | None = None) -> float:
    """``keras.metrics.Precision`` on hard 0/1 predictions, or on one class (``class_id``)."""
    metric = keras.metrics.Precision(class_id=class_id)
    metric.update_state(*_binary_or_class(y_true, y_pred, class_id, n_classes))
    return float(metric.result())


def keras_recall(y_true: Any, y_pred: Any, *, class_id: int | None = None,
                 n_classes: int | None = None) -> float:
    """``keras.metrics.Recall`` on hard 0/1 predictions, or on one class (``class_id``)."""
    metric = keras.metrics.Recall(class_id=class_id)
    metric.update_state(*_binary_or_class(y_true, y_pred, class_id, n_classes))
    return float(metric.result())


def keras_f1_score(y_true: Any, y_pred: Any, *, average: str | None = None,
                   n_classes: int | None = None) -> float | np.ndarray:
    """``keras.metrics.F1Score(average=...)`` on one-hot labels and one-hot predictions."""
    n = n_classes or int(max(np.max(y_true), np.max(y_pred))) + 1
    metric = keras.metrics.F1Score(average=average)
    metric.update_state(_one_hot(y_true, n), _one_hot(y_pred, n))
    result = metric.result().numpy()
    return result if average is None else float(result)


def keras_threshold_sweep(y_true: Any, scores: Any, thresholds: Any) -> tuple[np.ndarray, np.ndarray]:
    """Precision and recall of ``score > t`` for each ``t`` in [0, 1], by Keras's metrics.

    Keras evaluates in float32: pass float32-representable scores and thresholds to compare
    exactly with :func:`course_lib.metrics.threshold_sweep`.
    """
    thresholds = [float(t) for t in check_array("thresholds", thresholds, ndim=1)]
    y = np.asarray(y_true, np.float32)[:, None]
    s = np.asarray(scores, np.float32)[:, None]
    p, r = keras.metrics.Precision(thresholds=thresholds), keras.metrics.Recall(thresholds=thresholds)
    p.update_state(y, s)
    r.update_state(y, s)
    return np.atleast_1d(p.result().numpy()), np.atleast_1d(r.result().numpy())
