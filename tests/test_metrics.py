"""Tests of course_lib.metrics against hand counts, scikit-learn and keras.metrics.

scikit-learn is a test-only dependency here: an independent implementation of the same
definitions (agreement to 1e-12). Keras computes in float32: agreement to 1e-7 for
Precision/Recall, 1e-6 for F1Score (which adds epsilon = 1e-7 to its denominators).
"""
from __future__ import annotations

import numpy as np
import pytest
import sklearn.metrics as skm
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.metrics import (accuracy, confusion_matrix, f1_score, metric_direction, precision,
                                recall, threshold_sweep)

AVERAGES = ("macro", "micro", "weighted", None)
SCORES = {"precision": (precision, skm.precision_score), "recall": (recall, skm.recall_score),
          "f1": (f1_score, skm.f1_score)}


@st.composite
def label_sets(draw, max_classes=5):
    """(y_true, y_pred, n_classes): labels drawn from a random subset of the classes, so that
    classes absent from the labels, never predicted, or absent from both are common."""
    n_classes = draw(st.integers(2, max_classes))
    n = draw(st.integers(1, 30))
    classes = st.integers(0, n_classes - 1)
    true_set = draw(st.lists(classes, min_size=1, max_size=n_classes, unique=True))
    pred_set = draw(st.lists(classes, min_size=1, max_size=n_classes, unique=True))
    y_true = draw(st.lists(st.sampled_from(true_set), min_size=n, max_size=n))
    y_pred = draw(st.lists(st.sampled_from(pred_set), min_size=n, max_size=n))
    return np.array(y_true), np.array(y_pred), n_classes


# ---------------------------------------------------------------- known values
def test_confusion_matrix_counts_by_hand():
    y_true = [0, 0, 1, 1, 1, 2]
    y_pred = [0, 1, 1, 1, 2, 2]
    # (0,0) (0,1) | (1,1) (1,1) (1,2) | (2,2)
    assert confusion_matrix(y_true, y_pred).tolist() == [[1, 1, 0], [0, 2, 1], [0, 0, 1]]
    assert confusion_matrix(y_true, y_pred, n_classes=4)[3].tolist() == [0, 0, 0, 0]


def test_accuracy_lies_on_imbalanced_data():
    y_true = np.array([0] * 95 + [1] * 5)
    always_zero = np.zeros(100, dtype=int)
    assert accuracy(y_true, always_zero) == 0.95
    assert recall(y_true, always_zero) == 0.0          # every positive missed
    assert precision(y_true, always_zero) == 0.0       # nothing predicted positive: 0/0 -> 0
    assert f1_score(y_true, always_zero) == 0.0


def test_binary_counts_by_hand():
    y_true = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    y_pred = [1, 1, 1, 0, 1, 1, 0, 0, 0, 0]  # TP 3, FN 1, FP 2, TN 4
    assert precision(y_true, y_pred) == pytest.approx(3 / 5, abs=1e-15)
    assert recall(y_true, y_pred) == pytest.approx(3 / 4, abs=1e-15)
    assert f1_score(y_true, y_pred) == pytest.approx(2 * 3 / (2 * 3 + 2 + 1), abs=1e-15)
    assert accuracy(y_true, y_pred) == pytest.approx(7 / 10, abs=1e-15)


def test_zero_division_cases_by_hand():
    # class 1: labelled, never predicted; class 2: predicted, never labelled; class 3: neither
    y_true, y_pred = [0, 0, 1, 1], [0, 2, 0, 0]
    cm = confusion_matrix(y_true, y_pred, n_classes=4)
    assert cm.tolist() == [[1, 0, 1, 0], [2, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]
    for zd in (0, 1):
        p = precision(y_true, y_pred, average=None, n_classes=4, zero_division=zd)
        r = recall(y_true, y_pred, average=None, n_classes=4, zero_division=zd)
        f = f1_score(y_true, y_pred, average=None, n_classes=4, zero_division=zd)
        assert p.tolist() == [1 / 3, zd, 0.0, zd]     # class 1 and 3 never predicted: 0/0
        assert r.tolist() == [0.5, 0.0, zd, zd]       # class 2 and 3 never labelled: 0/0
        assert f.tolist() == [2 / 5, 0.0, 0.0, zd]    # 2TP/(2TP+FP+FN) is 0/0 only for class 3
        assert precision(y_true, y_pred, average="macro", n_classes=4, zero_division=zd) == \
            pytest.approx((1 / 3 + 2 * zd) / 4, abs=1e-15)
    # binary, no positive anywhere: all three are 0/0
    assert (precision([0, 0], [0, 0], zero_division=1), recall([0, 0], [0, 0], zero_division=1),
            f1_score([0, 0], [0, 0], zero_division=1)) == (1.0, 1.0, 1.0)


def test_micro_average_is_accuracy_and_weighted_uses_support():
    y_true, y_pred = [0, 0, 0, 1, 2, 2], [0, 1, 0, 1, 1, 2]
    for score in (precision, recall, f1_score):
        assert score(y_true, y_pred, average="micro") == pytest.approx(4 / 6, abs=1e-15)
    # per-class recall 2/3, 1, 1/2 with supports 3, 1, 2 -> (2 + 1 + 1) / 6
    assert recall(y_true, y_pred, average="weighted") == pytest.approx(4 / 6, abs=1e-15)
    assert recall(y_true, y_pred, average="macro") == pytest.approx((2 / 3 + 1 + 1 / 2) / 3, abs=1e-15)


def test_column_labels_are_accepted():
    y = np.array([[0], [1], [1]])
    assert accuracy(y, [0, 1, 0]) == pytest.approx(2 / 3)


def test_threshold_sweep_by_hand():
    y, s = [0, 1, 1, 0, 1], [0.2, 0.9, 0.4, 0.6, 0.4]
    sweep = threshold_sweep(y, s)                    # thresholds 0.2, 0.4, 0.6, 0.9
    assert sweep.thresholds.tolist() == [0.2, 0.4, 0.6, 0.9]
    # score > 0.2: 4 predicted, 3 TP ; > 0.4: {0.9, 0.6}, 1 TP ; > 0.6: {0.9}, 1 TP ; > 0.9: none
    assert sweep.precision.tolist() == [3 / 4, 1 / 2, 1.0, 0.0]
    assert sweep.recall.tolist() == [1.0, 1 / 3, 1 / 3, 0.0]
    assert np.allclose(sweep.f1, [6 / 7, 2 / 5, 1 / 2, 0.0], rtol=0, atol=1e-15)
    assert threshold_sweep(y, s, zero_division=1).precision[-1] == 1.0


# ---------------------------------------------------------------- scikit-learn
@settings(max_examples=60)
@given(data=label_sets(), zero_division=st.sampled_from([0, 1]))
def test_agrees_with_sklearn_on_random_label_sets(data, zero_division):
    y_true, y_pred, n = data
    labels = np.arange(n)
    assert np.array_equal(confusion_matrix(y_true, y_pred, n), skm.confusion_matrix(y_true, y_pred, labels=labels))
    assert accuracy(y_true, y_pred) == pytest.approx(skm.accuracy_score(y_true, y_pred), abs=1e-12)
    for ours, theirs in SCORES.values():
        for average in AVERAGES:
            got = ours(y_true, y_pred, average=average, n_classes=n, zero_division=zero_division)
            want = theirs(y_true, y_pred, labels=labels, average=average, zero_division=zero_division)
            assert np.allclose(got, want, rtol=0, atol=1e-12), (average, got, want)


@settings(max_examples=50)
@given(data=label_sets(max_classes=2), zero_division=st.sampled_from([0, 1]))
def test_binary_agrees_with_sklearn(data, zero_division):
    y_true, y_pred, _ = data
    for ours, theirs in SCORES.values():
        want = theirs(y_true, y_pred, labels=[0, 1], average="binary", zero_division=zero_division)
        assert ours(y_true, y_pred, zero_division=zero_division) == pytest.approx(want, abs=1e-12)


@settings(max_examples=50)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 40))
def test_threshold_sweep_agrees_with_sklearn_precision_recall_curve(seed, n):
    # sklearn predicts 1 when score >= t; ours when score > t: shift each t one float down
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    y[0] = 1  # sklearn's recall needs a positive
    s = np.round(rng.random(n), 1)  # rounding makes ties
    p_sk, r_sk, t_sk = skm.precision_recall_curve(y, s)
    sweep = threshold_sweep(y, s, np.nextafter(t_sk, -np.inf))
    assert np.allclose(sweep.precision, p_sk[:-1], rtol=0, atol=1e-12)  # sklearn appends (P=1, R=0)
    assert np.allclose(sweep.recall, r_sk[:-1], rtol=0, atol=1e-12)


# ---------------------------------------------------------------- properties
@given(data=label_sets(), zero_division=st.sampled_from([0, 1]))
def test_metrics_stay_in_unit_interval(data, zero_division):
    y_true, y_pred, n = data
    assert 0.0 <= accuracy(y_true, y_pred) <= 1.0
    for ours, _ in SCORES.values():
        for average in AVERAGES:
            got = np.asarray(ours(y_true, y_pred, average=average, n_classes=n, zero_division=zero_division))
            assert np.all((got >= 0.0) & (got <= 1.0))


@given(data=label_sets(), zero_division=st.sampled_from([0, 1]))
def test_f1_is_the_harmonic_mean_of_precision_and_recall(data, zero_division):
    # per class, binary and micro (not macro: a mean of harmonic means is not a harmonic mean)
    y_true, y_pred, n = data
    for average in (None, "micro"):
        kw = dict(average=average, n_classes=n, zero_division=zero_division)
        p, r, f = (np.asarray(g(y_true, y_pred, **kw)) for g in (precision, recall, f1_score))
        harmonic = np.where(p + r > 0, 2 * p * r / np.where(p + r > 0, p + r, 1), 0.0)
        assert np.allclose(f, harmonic, rtol=0, atol=1e-12)


@given(seed=st.integers(0, 2**32 - 1))
def test_recall_never_rises_with_the_threshold(seed):
    rng = np.random.default_rng(seed)
    y, s = rng.integers(0, 2, 30), rng.normal(size=30)
    sweep = threshold_sweep(y, s, np.sort(rng.normal(size=10)))
    assert np.all(np.diff(sweep.recall) <= 0)
    for metric in (sweep.precision, sweep.recall, sweep.f1):
        assert np.all((metric >= 0) & (metric <= 1))


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("call, message", [
    (lambda: accuracy([0, 1], [0, 1, 1]), "^y_true and y_pred must have the same number of samples"),
    (lambda: accuracy([], []), "^y_true must not be empty"),
    (lambda: accuracy([0, -1], [0, 1]), r"^y_true must hold integer class labels >= 0, got -1"),
    (lambda: accuracy([0, 1], [0, 0.5]), r"^y_pred must hold integer class labels >= 0, got 0.5"),
    (lambda: accuracy([0, 1], [0, np.nan]), "^y_pred must contain only finite values"),
    (lambda: accuracy(np.zeros((3, 2)), [0, 1, 1]), r"^y_true must be 1-D class labels"),
    (lambda: confusion_matrix([0, 3], [0, 1], n_classes=3), r"^y_true must hold labels in 0..2 \(n_classes=3\), got 3"),
    (lambda: precision([0, 1], [0, 5], average="macro", n_classes=2), "^y_pred must hold labels in 0..1"),
    (lambda: confusion_matrix([0], [0], n_classes=0), "^n_classes must be an integer >= 1"),
    (lambda: precision([0, 2], [0, 1]), "^average='binary' needs labels 0 and 1"),
    (lambda: recall([0, 1], [0, 1], average="samples"), "^average must be one of"),
    (lambda: f1_score([0, 1], [0, 1], zero_division="warn"), "^zero_division must be one of 0, 1"),
    (lambda: threshold_sweep([0, 2], [0.1, 0.2]), "^y_true must hold binary labels 0 and 1"),
    (lambda: threshold_sweep([0, 1], [0.1]), "^y_true and scores must have the same number"),
    (lambda: threshold_sweep([0, 1], [0.1, np.inf]), "^scores must contain only finite values"),
    (lambda: threshold_sweep([0, 1], [0.1, 0.2], []), "^thresholds must not be empty"),
    (lambda: metric_direction("val_banana"), "^cannot tell whether monitor 'val_banana'"),
])
def test_bad_input_raises_naming_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_metric_direction_follows_keras_names():
    assert [metric_direction(m) for m in ("loss", "val_loss", "mse", "val_mae")] == ["min"] * 4
    assert [metric_direction(m) for m in ("accuracy", "val_accuracy", "val_f1_score", "precision")] == ["max"] * 4


# ---------------------------------------------------------------- keras.metrics
EDGE = (np.array([0, 0, 1, 1, 1, 2, 2, 0, 1, 3]),  # class 4 absent from labels
        np.array([0, 1, 1, 0, 1, 4, 0, 0, 1, 4]),  # classes 2 and 3 never predicted
        5)


def _random_labels(rng):
    n_classes = int(rng.integers(2, 6))
    y_true = rng.integers(0, n_classes, int(rng.integers(5, 60)))
    y_pred = np.where(rng.random(len(y_true)) < 0.5, y_true, rng.integers(0, n_classes, len(y_true)))
    y_pred[y_pred == n_classes - 1] = 0               # last class never predicted
    if n_classes > 2:
        y_true[y_true == 1] = 0                       # class 1 absent from the labels
    return y_true, y_pred, n_classes


@pytest.mark.tf
def test_agrees_with_keras_metrics_on_random_label_sets():
    from course_lib.tf_twins.metrics import (keras_confusion_matrix, keras_f1_score, keras_precision,
                                             keras_recall)

    rng = np.random.default_rng(7)
    for y_true, y_pred, n in [EDGE] + [_random_labels(rng) for _ in range(6)]:
        assert np.array_equal(confusion_matrix(y_true, y_pred, n), keras_confusion_matrix(y_true, y_pred, n))
        for average in AVERAGES:   # F1Score: epsilon in the denominators -> 1e-6
            want = keras_f1_score(y_true, y_pred, average=average, n_classes=n)
            assert np.allclose(f1_score(y_true, y_pred, average=average, n_classes=n), want, rtol=0, atol=1e-6)
        p = precision(y_true, y_pred, average=None, n_classes=n)
        r = recall(y_true, y_pred, average=None, n_classes=n)
        for k in range(n):         # Precision/Recall: exact counts, float32 division -> 1e-7
            assert p[k] == pytest.approx(keras_precision(y_true, y_pred, class_id=k, n_classes=n), abs=1e-7)
            assert r[k] == pytest.approx(keras_recall(y_true, y_pred, class_id=k, n_classes=n), abs=1e-7)
        yb, pb = (y_true > 0).astype(int), (y_pred > 0).astype(int)
        assert precision(yb, pb) == pytest.approx(keras_precision(yb, pb), abs=1e-7)
        assert recall(yb, pb) == pytest.approx(keras_recall(yb, pb), abs=1e-7)


@pytest.mark.tf
def test_threshold_sweep_agrees_with_keras_thresholds():
    # scores and thresholds are float32 numbers so that Keras's float32 comparison `score > t`
    # decides exactly as ours; ties between scores and thresholds are included on purpose
    from course_lib.tf_twins.metrics import keras_threshold_sweep

    rng = np.random.default_rng(8)
    y = rng.integers(0, 2, 200)
    s = (rng.integers(1, 64, 200) / 64).astype(np.float32).astype(np.float64)
    t = np.sort(np.concatenate([rng.choice(s, 5), rng.random(5).astype(np.float32)])).astype(np.float64)
    p_k, r_k = keras_threshold_sweep(y, s, t)
    sweep = threshold_sweep(y, s, t)
    assert np.allclose(sweep.precision, p_k, rtol=1e-7, atol=0)
    assert np.allclose(sweep.recall, r_k, rtol=1e-7, atol=0)
