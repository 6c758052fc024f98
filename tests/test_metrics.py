"""Tests of course_lib.metrics against hand counts, scikit-learn and keras.metrics.

scikit-learn is a test-only dependency here: an independent implementation of the same
definitions (agreement to 1e-12). Keras computes in float32: agreement to 1e-7 for
Precision/Recall, 1e-6 for F1Score (which adds epsilon = 1e-7 to its denominators).
"""
from __future__ import annotations

import re

import numpy as np
import pytest
import sklearn.metrics as skm
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.metrics import (MAX_CLASSES, ThresholdSweep, accuracy, confusion_matrix, f1_score,
                                metric_direction, precision, recall, threshold_sweep)

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


# ---------------------------------------------------------------- labels: the kind, not the example
@pytest.mark.parametrize("bad, word", [
    ([1e19, 1, 0], "class labels 0..999"),          # was cast silently to a wrong count
    ([0, 10**6, 1], "class labels 0..999"),         # was a terabyte allocation
    ([0, 1000, 1], "class labels 0..999"),          # first label beyond MAX_CLASSES - 1
    ([0, 1, 2**63], "class labels 0..999"),
    ([0, 0.5, 1], "integer class labels >= 0, got 0.5"),
    ([0, -1, 1], "integer class labels >= 0, got -1"),
    ([0, 1, np.inf], "finite"),
    ([0, np.nan, 1], "finite"),
    ([0, None, 1], "numeric"),
    (["0", "1", "1"], "numeric"),
    (np.array([0, 1j, 1]), "numeric"),
    (None, "numeric"),
    (0, "dimension"),
    (np.zeros((3, 1, 1)), "dimension"),
])
@pytest.mark.parametrize("which", ["y_true", "y_pred"])
def test_labels_that_are_not_class_indices_are_refused_naming_the_argument(bad, word, which):
    good = [0, 1, 1]
    kwargs = {"y_true": good, "y_pred": good, which: bad}
    for call in (confusion_matrix, accuracy, precision, recall, f1_score):
        extra = {"average": "macro"} if call in (precision, recall, f1_score) else {}
        with pytest.raises(ValueError, match=rf"^{which} .*{re.escape(word)}"):
            call(**kwargs, **extra)


def test_max_classes_is_the_documented_bound():
    assert MAX_CLASSES == 1000
    top = np.array([0, MAX_CLASSES - 1])
    cm = confusion_matrix(top, top)                                 # the last allowed label
    assert cm.shape == (MAX_CLASSES, MAX_CLASSES) and cm.sum() == 2 and cm[-1, -1] == 1
    assert confusion_matrix([0], [0], n_classes=MAX_CLASSES).shape == (MAX_CLASSES, MAX_CLASSES)
    with pytest.raises(ValueError, match=r"^n_classes must be an integer >= 1 and <= 1000, got 1001"):
        confusion_matrix([0], [0], n_classes=MAX_CLASSES + 1)
    with pytest.raises(ValueError, match="^n_classes must be an integer"):
        confusion_matrix([0], [0], n_classes=10**30)


def test_integer_valued_labels_of_any_dtype_are_the_same_labels():
    want = confusion_matrix([0, 1, 2], [0, 2, 2]).tolist()
    assert want == [[1, 0, 0], [0, 0, 1], [0, 0, 1]]
    for cast in (np.int8, np.uint16, np.int64, np.float32, np.float64):
        assert confusion_matrix(np.array([0, 1, 2], cast), np.array([0, 2, 2], cast)).tolist() == want
    assert accuracy(np.array([True, False]), [1, 0]) == 1.0          # booleans are 0/1


@pytest.mark.parametrize("call, message", [
    (lambda: precision([0, 1], [0, 1], zero_division=True), "^zero_division must be one of 0, 1, got True"),
    (lambda: precision([0, 1], [0, 1], zero_division=np.array([0, 1])), "^zero_division must be one of"),
    (lambda: precision([0, 1], [0, 1], zero_division=None), "^zero_division must be one of"),
    (lambda: precision([0, 1], [0, 1], zero_division=0.5), "^zero_division must be one of"),
    (lambda: recall([0, 1], [0, 1], average=np.array(["macro", "micro"])), "^average must be one of"),
    (lambda: recall([0, 1], [0, 1], average=["macro"]), "^average must be one of"),
    (lambda: f1_score([0, 1], [0, 1], n_classes=True), "^n_classes must be an integer"),
    (lambda: f1_score([0, 1], [0, 1], n_classes=2.0), "^n_classes must be an integer"),
    (lambda: precision([0, 1], [0, 2]), r"^average='binary' needs labels 0 and 1 in y_true and y_pred, got y_pred label 2"),
    (lambda: precision([0, 1], [0, 1], n_classes=3), r"^average='binary' needs n_classes <= 2, got n_classes=3"),
    (lambda: threshold_sweep([0, 1], [0.1, 0.2], zero_division=np.nan), "^zero_division must be one of"),
    (lambda: threshold_sweep([0, 1], [0.1, 0.2], [[0.5]]), "^thresholds must have 1 dimension"),
    (lambda: threshold_sweep([0, 1], [0.1, None]), "^scores must be numeric"),
    (lambda: metric_direction(None), "^name must be a Keras log name"),
    (lambda: metric_direction(np.array(["loss"])), "^name must be a Keras log name"),
    (lambda: ThresholdSweep([0.5], [1.5], [0.5], [0.5]), r"^precision must lie in \[0, 1\]"),
    (lambda: ThresholdSweep([0.5, 0.6], [1.0], [0.5], [0.5]), "same number of samples"),
    (lambda: ThresholdSweep([np.nan], [1.0], [0.5], [0.5]), "^thresholds must contain only finite"),
])
def test_other_arguments_are_checked(call, message):
    with pytest.raises((TypeError, ValueError), match=message):
        call()


def test_zero_division_accepts_numpy_and_float_forms_of_0_and_1():
    for zd in (1, 1.0, np.float64(1.0), np.int64(1)):
        assert precision([0, 0], [0, 0], zero_division=zd) == 1.0


# ---------------------------------------------------------------- defaults: Keras's and scikit-learn's
def test_defaults_match_scikit_learn_and_keras():
    import inspect

    for ours, theirs in SCORES.values():
        ours_sig, theirs_sig = inspect.signature(ours).parameters, inspect.signature(theirs).parameters
        assert ours_sig["average"].default == theirs_sig["average"].default == "binary"
        assert ours_sig["zero_division"].default == 0    # scikit-learn's "warn" also returns 0 ...
    assert theirs_sig["zero_division"].default == "warn"
    import warnings
    with warnings.catch_warnings():                      # ... with a warning: same value, checked
        warnings.simplefilter("ignore")
        for ours, theirs in SCORES.values():
            assert ours([0, 0, 0], [0, 0, 0]) == theirs([0, 0, 0], [0, 0, 0]) == 0.0
            assert ours([1, 0, 1], [0, 0, 0]) == theirs([1, 0, 1], [0, 0, 0]) == 0.0
    assert inspect.signature(threshold_sweep).parameters["zero_division"].default == 0


@pytest.mark.tf
def test_keras_defaults_behind_the_docstrings():
    import keras

    # Precision/Recall predict 1 when score > 0.5 by default; F1Score averages nothing by default
    assert keras.metrics.Precision().thresholds == [0.5] and keras.metrics.Recall().thresholds == [0.5]
    assert keras.metrics.F1Score().average is None
    y = np.array([1, 1, 0, 1, 0], np.float32)[:, None]
    s = np.array([0.5, 0.75, 0.75, 0.25, 0.0], np.float32)[:, None]   # 0.5 exactly at the threshold
    p, r = keras.metrics.Precision(), keras.metrics.Recall()
    p.update_state(y, s)
    r.update_state(y, s)
    sweep = threshold_sweep(y[:, 0], s[:, 0], [0.5])
    # score > 0.5: {0.75 (pos), 0.75 (neg)} -> P = 1/2, R = 1/3 ; with >= 0.5 it would be 2/3, 2/3
    assert float(p.result()) == sweep.precision[0] == 0.5
    assert float(r.result()) == pytest.approx(sweep.recall[0], abs=1e-7) and sweep.recall[0] == 1 / 3
    # no positive predicted and no positive label: Keras's Precision and Recall give 0, as ours
    p, r = keras.metrics.Precision(), keras.metrics.Recall()
    p.update_state(np.zeros((3, 1)), np.zeros((3, 1)))
    r.update_state(np.zeros((3, 1)), np.zeros((3, 1)))
    assert float(p.result()) == precision([0, 0, 0], [0, 0, 0]) == 0.0
    assert float(r.result()) == recall([0, 0, 0], [0, 0, 0]) == 0.0


# ---------------------------------------------------------------- Keras twins at the edges
EDGE_CASES = [
    # (y_true, y_pred, n_classes): what makes the case an edge
    (np.zeros(6, int), np.zeros(6, int), 3),                         # one class only, two empty
    (np.ones(5, int), np.ones(5, int), 2),                           # all positive, all right
    (np.ones(5, int), np.zeros(5, int), 2),                          # all positive, all missed
    (np.zeros(5, int), np.ones(5, int), 2),                          # no positive, all predicted
    (np.array([2, 2, 2, 2]), np.array([0, 1, 2, 2]), 4),             # classes 0, 1 never true; 3 empty
    (np.array([0]), np.array([1]), 2),                               # one sample
    (np.arange(7), np.arange(7)[::-1], 7),                           # every class once, one right
]


@pytest.mark.tf
@pytest.mark.parametrize("y_true, y_pred, n", EDGE_CASES)
def test_keras_twins_agree_on_edge_label_sets(y_true, y_pred, n):
    from course_lib.tf_twins.metrics import (keras_confusion_matrix, keras_f1_score, keras_precision,
                                             keras_recall)

    assert np.array_equal(confusion_matrix(y_true, y_pred, n), keras_confusion_matrix(y_true, y_pred, n))
    for average in AVERAGES:
        want = keras_f1_score(y_true, y_pred, average=average, n_classes=n)
        assert np.allclose(f1_score(y_true, y_pred, average=average, n_classes=n), want, rtol=0, atol=1e-6)
    p = precision(y_true, y_pred, average=None, n_classes=n)
    r = recall(y_true, y_pred, average=None, n_classes=n)
    for k in range(n):
        assert p[k] == pytest.approx(keras_precision(y_true, y_pred, class_id=k, n_classes=n), abs=1e-7)
        assert r[k] == pytest.approx(keras_recall(y_true, y_pred, class_id=k, n_classes=n), abs=1e-7)
    if n == 2:
        assert precision(y_true, y_pred) == pytest.approx(keras_precision(y_true, y_pred), abs=1e-7)
        assert recall(y_true, y_pred) == pytest.approx(keras_recall(y_true, y_pred), abs=1e-7)


@pytest.mark.tf
def test_keras_threshold_sweep_agrees_with_ties_at_every_threshold_and_one_class_labels():
    from course_lib.tf_twins.metrics import keras_threshold_sweep

    s = np.array([0.0, 0.25, 0.25, 0.5, 0.5, 0.75, 1.0])
    t = np.array([0.0, 0.25, 0.5, 0.75, 1.0])                        # each threshold equals a score
    for y in (np.array([0, 1, 0, 1, 1, 0, 1]), np.zeros(7, int), np.ones(7, int)):
        p_k, r_k = keras_threshold_sweep(y, s, t)
        sweep = threshold_sweep(y, s, t)
        assert np.allclose(sweep.precision, p_k, rtol=0, atol=1e-7)
        assert np.allclose(sweep.recall, r_k, rtol=0, atol=1e-7)
    # by hand for the mixed labels at t = 0.5: score > 0.5 -> {0.75 (neg), 1.0 (pos)}
    sweep = threshold_sweep([0, 1, 0, 1, 1, 0, 1], s, [0.5])
    assert (sweep.precision[0], sweep.recall[0]) == (0.5, 0.25)


@pytest.mark.tf
@pytest.mark.parametrize("call, message", [
    ("keras_confusion_matrix([0, 1], [0, 2], 2)", r"^y_pred must hold labels in 0..1"),
    ("keras_confusion_matrix([0, 1e19], [0, 1], 2)", "^y_true must hold class labels 0..999"),
    ("keras_confusion_matrix([0, 1], [0, 1], None)", "^n_classes must be an integer"),
    ("keras_precision([0, 2], [0, 1])", "^y_true must hold binary labels"),
    ("keras_precision([0, 1], [0, 1], class_id=2)", r"^class_id must be an integer >= 0 and <= 1"),
    ("keras_recall([0, 1], [0, None])", "^y_pred must be numeric"),
    ("keras_f1_score([0, 1], [0, 1], average='binary')", "^average must be one of"),
    ("keras_threshold_sweep([0, 1], [0.1, 0.2], [1.5])", r"^thresholds must lie in \[0, 1\]"),
    ("keras_threshold_sweep([0, 1], [0.1], [0.5])", "^y_true and scores must have the same number"),
])
def test_keras_twins_check_their_arguments(call, message):
    from course_lib.tf_twins import metrics as tfm

    with pytest.raises((TypeError, ValueError), match=message):
        eval(call, vars(tfm))


# ---------------------------------------------------------------- what mutation testing found untested
def test_zero_division_divides_without_warnings_and_micro_is_a_plain_float():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")                      # no 0/0 computed and then masked
        p = precision([0, 0, 1], [0, 0, 0], average=None, n_classes=3, zero_division=1)
        s = threshold_sweep([0, 1], [0.2, 0.4], [0.5])
    assert p.tolist() == [2 / 3, 1.0, 1.0] and s.precision.tolist() == [0.0]
    for score in (precision, recall, f1_score):
        for average in ("micro", "macro", "weighted", "binary"):
            assert type(score([0, 1, 1], [0, 1, 0], average=average)) is float
        assert isinstance(score([0, 1, 1], [0, 1, 0], average=None), np.ndarray)


@pytest.mark.parametrize("call, text", [
    (lambda: precision([0, 2], [0, 1]), "average='binary' needs labels 0 and 1 in y_true and y_pred, got y_true "
                                        "label 2; use average='macro', 'micro', 'weighted' or None"),
    (lambda: recall([0, 1], [3, 1]), "average='binary' needs labels 0 and 1 in y_true and y_pred, got y_pred "
                                     "label 3; use average='macro', 'micro', 'weighted' or None"),
    (lambda: accuracy([0, 5000], [0, 1]), "y_true must hold class labels 0..999 (at most MAX_CLASSES = 1000 "
                                          "classes), got 5000; map other labels to indices with "
                                          "np.unique(y, return_inverse=True)"),
    (lambda: metric_direction(3), "name must be a Keras log name (a str such as 'val_loss'), got int"),
    (lambda: threshold_sweep([0, 0.5], [0.1, 0.2]), "y_true must hold integer class labels >= 0, got 0.5"),
    (lambda: threshold_sweep([0, 1], [[0.1], [0.2]]), "scores must have 1 dimension(s), got shape (2, 1)"),
    (lambda: threshold_sweep([0, 1], 0.5), "scores must have 1 dimension(s), got shape ()"),
    (lambda: threshold_sweep([0, 1], [0.1, 0.2], [[0.5]]), "thresholds must have 1 dimension(s), got shape (1, 1)"),
])
def test_messages_in_full(call, text):
    with pytest.raises((TypeError, ValueError)) as info:
        call()
    assert str(info.value) == text


def test_metric_direction_message_lists_the_known_names():
    with pytest.raises(ValueError) as info:
        metric_direction("val_banana")
    message = str(info.value)
    for known in ("'accuracy'", "'loss'", "'mse'", "'precision'", "'auc'"):
        assert known in message


@pytest.mark.parametrize("fields", [
    ([0.5, 0.6], [1.0, 1.0], [0.5], [0.5, 0.5]),          # recall short
    ([0.5, 0.6], [1.0], [0.5, 0.5], [0.5, 0.5]),          # precision short
    ([0.5, 0.6], [1.0, 1.0], [0.5, 0.5], [0.5]),          # f1 short
    ([0.5], [1.0, 1.0], [0.5, 0.5], [0.5, 0.5]),          # thresholds short
])
def test_threshold_sweep_record_needs_one_value_per_threshold(fields):
    with pytest.raises(ValueError, match="must have the same number of samples"):
        ThresholdSweep(*fields)
    with pytest.raises(ValueError, match=r"^thresholds must have 1 dimension"):
        ThresholdSweep([[0.5]], [1.0], [1.0], [1.0])
