"""Fuzz specs of metrics, data, synthetic data, curves and plotting, and the Keras metric twins
(tests/fuzz_api.py states the contract: a clear error naming the argument, or a correct,
finite result, within a few seconds).

Each ``ok`` recomputes the result by its own route (Python loops over the converted inputs,
scikit-learn, an exact decimal product, the formula written out), so a spec cannot pass a
wrong number. Valid label arrays have 6 entries, a length no generic bad value has, and the
``extra_bad`` values of the same length reach the checks behind the length check.
"""
from __future__ import annotations

import importlib
import math
import tempfile
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pytest
import sklearn.metrics as skm
from fuzz_api import Spec, fuzz_tests

from course_lib import curves, data, metrics, plotting, synthetic

TF = (pytest.mark.tf,)
TF_EXAMPLES, TF_TIMEOUT = 5, 60.0


def tf_metrics():
    """Imported only when a TensorFlow spec runs (not at collection)."""
    return importlib.import_module("course_lib.tf_twins.metrics")


def ints(values) -> list[int]:
    return [int(v) for v in np.asarray(values, dtype=float).ravel()]


# ---- metrics ---------------------------------------------------------------------------------

Y_TRUE, Y_PRED = [0, 1, 1, 2, 0, 1], [0, 1, 0, 2, 2, 1]
LABELS_BAD = [
    [0, 1, 1e19, 2, 0, 1], [0, 1, 10**6, 2, 0, 1], [0, 1, 1000, 2, 0, 1], [0, 1, -1, 2, 0, 1],
    [0, 1, 0.5, 2, 0, 1], [0, 1, np.nan, 2, 0, 1], [0, 1, np.inf, 2, 0, 1], [0, 1, None, 2, 0, 1],
    ["0", "1", "1", "2", "0", "1"], np.array([0, 1, 1, 2, 0, 1j]), np.zeros((6, 2)), np.zeros((6, 1, 1)),
    np.array([0, 1, 2**62, 2, 0, 1]), [True, False, True, True, False, False], np.array([[0], [1], [1], [2], [0], [1]]),
    np.full(6, 999), np.array([0, 1, 1, 2, 0, 1], dtype=np.uint8),
]


def counts(kw):
    """The confusion matrix by a Python loop over the (converted) labels."""
    t, p = ints(kw["y_true"]), ints(kw["y_pred"])
    n = kw.get("n_classes") or max(t + p) + 1
    cm = [[0] * n for _ in range(n)]
    for a, b in zip(t, p):
        cm[a][b] += 1
    return np.array(cm)


def ok_confusion(kw, result):
    assert np.array_equal(result, counts(kw))


def ok_accuracy(kw, result):
    t, p = ints(kw["y_true"]), ints(kw["y_pred"])
    assert result == pytest.approx(sum(a == b for a, b in zip(t, p)) / len(t), abs=1e-15)


def ok_score(reference):
    def ok(kw, result):
        t, p = ints(kw["y_true"]), ints(kw["y_pred"])
        n = kw.get("n_classes") or max(t + p) + 1
        average = kw.get("average", "binary")
        labels = [0, 1] if average == "binary" else list(range(n))
        want = reference(t, p, labels=labels, average=average, zero_division=kw.get("zero_division", 0.0))
        assert np.allclose(result, want, rtol=0, atol=1e-12)
    return ok


def score_spec(name, function, reference):
    return Spec(f"course_lib.metrics.{name}", call=lambda **kw: function(**kw),
                valid=lambda: {"y_true": list(Y_TRUE), "y_pred": list(Y_PRED), "average": "macro",
                               "n_classes": 4, "zero_division": 1},
                extra_bad={"y_true": LABELS_BAD, "y_pred": LABELS_BAD,
                           "average": ["binary", np.array("macro"), ["macro"], "Macro"],
                           "n_classes": [2, 3, 1000, 1001, np.int64(3), 3.0],
                           "zero_division": [np.float64(0.0), 1.0, 0.999, "warn", np.nan]},
                names={"average": ("average", "y_true", "y_pred", "n_classes")},
                ok=ok_score(reference))


def ok_sweep(kw, result):
    y = ints(kw["y_true"])
    s = np.asarray(kw["scores"], dtype=float)
    ts = np.unique(s) if kw.get("thresholds") is None else np.asarray(kw["thresholds"], dtype=float)
    zd = float(kw.get("zero_division", 0.0))
    assert np.array_equal(result.thresholds, ts)
    for i, t in enumerate(ts):
        pred = [int(v > t) for v in s]
        tp = sum(a == b == 1 for a, b in zip(y, pred))
        fp, fn = sum(pred) - tp, sum(y) - tp
        for got, num, den in ((result.precision[i], tp, tp + fp), (result.recall[i], tp, tp + fn),
                              (result.f1[i], 2 * tp, 2 * tp + fp + fn)):
            assert got == (num / den if den else zd)


SCORES = [0.1, 0.9, 0.4, 0.8, 0.4, 0.6]
Y_BIN = [0, 1, 0, 1, 1, 0]

METRIC_SPECS = [
    Spec("course_lib.metrics.confusion_matrix", call=lambda **kw: metrics.confusion_matrix(**kw),
         valid=lambda: {"y_true": list(Y_TRUE), "y_pred": list(Y_PRED), "n_classes": 4},
         extra_bad={"y_true": LABELS_BAD, "y_pred": LABELS_BAD, "n_classes": [2, 1000, 1001, np.int8(3)]},
         ok=ok_confusion),
    Spec("course_lib.metrics.accuracy", call=lambda **kw: metrics.accuracy(**kw),
         valid=lambda: {"y_true": list(Y_TRUE), "y_pred": list(Y_PRED)},
         extra_bad={"y_true": LABELS_BAD, "y_pred": LABELS_BAD}, ok=ok_accuracy),
    score_spec("precision", metrics.precision, skm.precision_score),
    score_spec("recall", metrics.recall, skm.recall_score),
    score_spec("f1_score", metrics.f1_score, skm.f1_score),
    # the binary default: average="binary" needs 0/1 labels
    Spec("course_lib.metrics.precision", call=lambda **kw: metrics.precision(**kw),
         valid=lambda: {"y_true": list(Y_BIN), "y_pred": [1, 1, 0, 0, 1, 1]},
         extra_bad={"y_true": LABELS_BAD, "y_pred": LABELS_BAD}, ok=ok_score(skm.precision_score)),
    Spec("course_lib.metrics.threshold_sweep", call=lambda **kw: metrics.threshold_sweep(**kw),
         valid=lambda: {"y_true": list(Y_BIN), "scores": list(SCORES), "thresholds": [0.0, 0.4, 0.5, 1.0],
                        "zero_division": 0},
         extra_bad={"y_true": LABELS_BAD + [[0, 1, 2, 1, 1, 0]],
                    "scores": [[0.1, 0.2, np.nan, 0.3, 0.4, 0.5], [0.1, None, 0.2, 0.3, 0.4, 0.5],
                               [1e308, -1e308, 5e-324, 0.0, 1.0, 2.0], np.zeros((6, 1))],
                    "thresholds": [[np.nan], [1e308, -1e308], [5e-324], np.arange(7.0), [[0.5]]],
                    "zero_division": [1.0, True, "warn"]},
         ok=ok_sweep),
    Spec("course_lib.metrics.threshold_sweep", call=lambda **kw: metrics.threshold_sweep(**kw),
         valid=lambda: {"y_true": list(Y_BIN), "scores": list(SCORES)}, ok=ok_sweep),
    Spec("course_lib.metrics.ThresholdSweep", call=lambda **kw: metrics.ThresholdSweep(**kw),
         valid=lambda: {"thresholds": [0.0, 0.5], "precision": [0.5, 1.0], "recall": [1.0, 0.5],
                        "f1": [2 / 3, 2 / 3]},
         extra_bad={"precision": [[0.5, 1.5], [-0.1, 0.5]], "recall": [[0.5, np.nan]], "f1": [[0.5]]}),
    Spec("course_lib.metrics.metric_direction", call=lambda **kw: metrics.metric_direction(**kw),
         valid=lambda: {"name": "val_accuracy"}, names={"name": ("monitor",)},
         extra_bad={"name": ["val_", "val_val_loss", "LOSS", "loss", "val_mae"]},
         ok=lambda kw, r: {"val_accuracy": "max", "loss": "min", "val_mae": "min"}[kw["name"]] == r
         or pytest.fail(f"{kw['name']} -> {r}")),
]


# ---- tf_twins.metrics ------------------------------------------------------------------------

def tf_spec(name, valid, reference=None, extra_bad=None):
    return Spec(f"course_lib.tf_twins.metrics.{name}", call=lambda **kw: getattr(tf_metrics(), name)(**kw),
                valid=valid, extra_bad=extra_bad or {}, ok=reference, marks=TF,
                max_examples=TF_EXAMPLES, timeout=TF_TIMEOUT)


def ok_keras_class_score(ours):
    def ok(kw, result):
        t, p = ints(kw["y_true"]), ints(kw["y_pred"])
        if kw.get("class_id") is None:
            want = ours(t, p, average="binary")
        else:
            n = kw.get("n_classes") or max(t + p) + 1
            want = ours(t, p, average=None, n_classes=n)[int(kw["class_id"])]
        assert result == pytest.approx(want, abs=1e-7)
    return ok


def ok_keras_f1(kw, result):
    want = metrics.f1_score(kw["y_true"], kw["y_pred"], average=kw.get("average"), n_classes=kw.get("n_classes"))
    assert np.allclose(result, want, rtol=0, atol=1e-6)


def ok_keras_sweep(kw, result):
    # Keras compares in float32; thresholds lie in [0, 1], so clipping scores to [-2, 2] (and
    # float32's inf with them) changes no comparison
    with np.errstate(over="ignore"):
        scores = np.clip(np.asarray(kw["scores"], np.float32).astype(float), -2.0, 2.0)
    sweep = metrics.threshold_sweep(kw["y_true"], scores, np.asarray(kw["thresholds"], np.float32).astype(float))
    assert np.allclose(result[0], sweep.precision, atol=1e-7) and np.allclose(result[1], sweep.recall, atol=1e-7)


TF_SPECS = [
    tf_spec("keras_confusion_matrix", lambda: {"y_true": list(Y_TRUE), "y_pred": list(Y_PRED), "n_classes": 4},
            ok_confusion, {"y_true": LABELS_BAD, "y_pred": LABELS_BAD, "n_classes": [2, 1001]}),
    tf_spec("keras_precision", lambda: {"y_true": list(Y_TRUE), "y_pred": list(Y_PRED), "class_id": 1, "n_classes": 4},
            ok_keras_class_score(metrics.precision),
            {"y_true": LABELS_BAD, "y_pred": LABELS_BAD, "class_id": [4, 3, np.int64(2)], "n_classes": [2, 1001]}),
    tf_spec("keras_precision", lambda: {"y_true": list(Y_BIN), "y_pred": [1, 1, 0, 0, 1, 1]},
            ok_keras_class_score(metrics.precision), {"y_true": LABELS_BAD, "y_pred": LABELS_BAD}),
    tf_spec("keras_recall", lambda: {"y_true": list(Y_TRUE), "y_pred": list(Y_PRED), "class_id": 2, "n_classes": 3},
            ok_keras_class_score(metrics.recall),
            {"y_true": LABELS_BAD, "y_pred": LABELS_BAD, "class_id": [3, -1], "n_classes": [2, 1001]}),
    tf_spec("keras_recall", lambda: {"y_true": list(Y_BIN), "y_pred": [1, 1, 0, 0, 1, 1]},
            ok_keras_class_score(metrics.recall), {"y_true": LABELS_BAD, "y_pred": LABELS_BAD}),
    tf_spec("keras_f1_score", lambda: {"y_true": list(Y_TRUE), "y_pred": list(Y_PRED), "average": "macro",
                                       "n_classes": 4},
            ok_keras_f1, {"y_true": LABELS_BAD, "y_pred": LABELS_BAD, "average": ["binary", None, "weighted"]}),
    tf_spec("keras_threshold_sweep", lambda: {"y_true": list(Y_BIN), "scores": list(SCORES),
                                              "thresholds": [0.0, 0.4, 0.5, 1.0]},
            ok_keras_sweep, {"y_true": LABELS_BAD, "thresholds": [[1.5], [-0.1], [np.nan]],
                             "scores": [[1e308, -1e308, 0.5, 0.5, 0.5, 0.5]]}),
]


# ---- data ------------------------------------------------------------------------------------

def X10():
    return np.arange(20.0).reshape(10, 2)


def part_size(fraction, n):
    return int((Decimal(str(float(fraction))) * n).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def ok_split(kw, s):
    X, y = np.asarray(kw["X"], dtype=float), np.asarray(kw["y"], dtype=float)
    n = len(y)
    fv, ft = kw.get("val_fraction", 0.2), kw.get("test_fraction", 0.2)
    if not kw.get("stratify", False):
        assert (len(s.y_val), len(s.y_test)) == (part_size(fv, n), part_size(ft, n))
    rows = np.concatenate([s.X_train, s.X_val, s.X_test])
    assert sorted(map(tuple, rows.tolist())) == sorted(map(tuple, X.tolist()))   # disjoint, complete
    if np.array_equal(X, X10()):                                                 # row i is (2i, 2i + 1)
        for Xp, yp in ((s.X_train, s.y_train), (s.X_val, s.y_val), (s.X_test, s.y_test)):
            for row, label in zip(Xp, yp):
                assert y[int(row[0] // 2)] == label                                # rows keep labels


def ok_standardizer_fit(kw, scaler):
    X = np.asarray(kw["X_train"], dtype=float)
    np.testing.assert_allclose(scaler.mean, X.mean(axis=0), rtol=1e-12)
    std = X.std(axis=0)
    np.testing.assert_allclose(scaler.std, np.where(std > 0, std, 1.0), rtol=1e-12)


def ok_transform(kw, Z):
    X = np.asarray(kw["X"], dtype=float)
    np.testing.assert_allclose(Z, (X - np.array([1.0, -2.0])) / np.array([2.0, 0.5]), rtol=1e-15)


@lru_cache(maxsize=1)
def mnist_file() -> str:
    path = Path(tempfile.mkdtemp(prefix="fuzz_mnist_")) / "mnist.npz"
    np.savez(path, x_train=np.zeros((2, 28, 28), np.uint8), y_train=np.zeros(2, np.uint8),
             x_test=np.zeros((1, 28, 28), np.uint8), y_test=np.zeros(1, np.uint8))
    return str(path)


def ok_mnist(kw, result):
    assert [a.shape for a in result] == [(2, 28, 28), (2,), (1, 28, 28), (1,)]


def split_fields():
    return {"X_train": np.zeros((3, 2)), "y_train": np.zeros(3), "X_val": np.ones((2, 2)), "y_val": np.ones(2),
            "X_test": np.zeros((1, 2)), "y_test": np.zeros(1)}


def ok_workflow_runs(kw, columns):
    """The file's columns, full length; nan/inf only in the last row of a run (its divergence)."""
    names = ["initial_learning_rate", "schedule", "dropout", "epoch", "learning_rate", "loss", "accuracy",
             "val_loss", "val_accuracy", "test_loss", "test_accuracy"]
    assert list(columns) == names and {len(v) for v in columns.values()} == {data.FILES["workflow_runs.csv"][1]}
    key = list(zip(columns["initial_learning_rate"], columns["schedule"], columns["dropout"]))
    for i in np.flatnonzero(~np.isfinite(columns["loss"]) | ~np.isfinite(columns["val_loss"])):
        assert i + 1 == len(key) or key[i + 1] != key[i], f"row {i}: nan/inf inside a run"


def ok_dataset(kw, d):
    assert d.X.shape == (3, 2) and len(d.feature_names) == 2


DATA_SPECS = [
    Spec("course_lib.data.load_digits", call=data.load_digits, valid=dict,
         ok=lambda kw, d: (d.X.shape, d.n_classes) == ((1797, 64), 10) or pytest.fail(str(d.X.shape))),
    Spec("course_lib.data.load_breast_cancer", call=data.load_breast_cancer, valid=dict,
         ok=lambda kw, d: int(d.y.sum()) == 212 or pytest.fail("212 malignant")),
    Spec("course_lib.data.load_diabetes", call=data.load_diabetes, valid=dict,
         ok=lambda kw, d: d.X.shape == (442, 10) or pytest.fail(str(d.X.shape))),
    Spec("course_lib.data.load_workflow_runs", call=data.load_workflow_runs, valid=dict,
         allow_nan=True, allow_inf=True, ok=ok_workflow_runs),   # a diverged run's last row holds nan/inf
    Spec("course_lib.data.load_mnist_if_cached", call=lambda **kw: data.load_mnist_if_cached(**kw),
         valid=lambda: {"path": mnist_file()}, also_raises=(FileNotFoundError,), ok=ok_mnist,
         extra_bad={"path": [Path(mnist_file()).parent, Path(__file__), str(Path(__file__)), b"/nonexistent"]}),
    Spec("course_lib.data.train_val_test_split", call=lambda **kw: data.train_val_test_split(**kw),
         valid=lambda: {"X": X10(), "y": np.arange(10) % 3, "val_fraction": 0.25, "test_fraction": 0.15,
                        "seed": 3, "stratify": True},
         extra_bad={"X": [np.zeros((10, 0)), np.full((10, 2), np.nan), np.zeros((9, 2))],
                    "y": [np.linspace(0, 1, 10), np.full(10, np.nan), np.zeros(9), [None] * 10],
                    "val_fraction": [0.85, 1.0, 0.7499999], "test_fraction": [0.75, 1.0],
                    "seed": [2**64, np.int64(7), 1.0], "stratify": ["no", 1, np.True_, np.array([True])]},
         names={"val_fraction": ("val_fraction", "training part"), "test_fraction": ("test_fraction", "training part")},
         ok=ok_split),
    Spec("course_lib.data.train_val_test_split", call=lambda **kw: data.train_val_test_split(**kw),
         valid=lambda: {"X": X10(), "y": np.linspace(0.0, 1.0, 10), "val_fraction": 0.25, "test_fraction": 0.35},
         extra_bad={"val_fraction": [0.65, 0.05, 0.0], "test_fraction": [0.0, 0.5]},
         ok=ok_split),
    Spec("course_lib.data.Standardizer.fit", call=lambda **kw: data.Standardizer.fit(**kw),
         valid=lambda: {"X_train": np.array([[1.0, 2.0], [3.0, 2.0], [5.0, 8.0]])},
         extra_bad={"X_train": [np.array([[1e200], [-1e200]]), np.array([[1e-300], [-1e-300]]),
                                np.full((3, 2), 1e308), np.array([[1.0, np.nan]])]},
         ok=lambda kw, s: ok_standardizer_fit(kw, s) if np.abs(np.asarray(kw["X_train"], float)).max() < 1e150
         and np.abs(np.asarray(kw["X_train"], float)).max() > 1e-150 else None),
    Spec("course_lib.data.Standardizer", call=lambda **kw: data.Standardizer(**kw),
         valid=lambda: {"mean": np.array([1.0, -2.0]), "std": np.array([2.0, 0.5])},
         extra_bad={"std": [np.array([1.0, 0.0]), np.array([1.0, -1.0]), np.ones(3)], "mean": [np.ones(3)]}),
    Spec("course_lib.data.Standardizer.transform",
         call=lambda **kw: data.Standardizer(np.array([1.0, -2.0]), np.array([2.0, 0.5])).transform(**kw),
         valid=lambda: {"X": np.array([[1.0, 0.0], [3.0, -2.5]])},
         extra_bad={"X": [np.zeros((2, 3)), np.zeros((0, 2)), np.full((1, 2), 1e308), np.array([[5e-324, 0.0]])]},
         ok=ok_transform),
    Spec("course_lib.data.standardize", call=lambda **kw: data.standardize(**kw),
         valid=lambda: {"split": data.train_val_test_split(X10(), np.arange(10), seed=1)},
         extra_bad={"split": [tuple(split_fields().values()), split_fields()]},
         ok=lambda kw, r: np.testing.assert_allclose(r[0].X_train.mean(axis=0), 0, atol=1e-12)),
    Spec("course_lib.data.Split", call=lambda **kw: data.Split(**kw), valid=split_fields,
         extra_bad={"X_val": [np.zeros((2, 3)), np.zeros((3, 2))], "y_test": [np.zeros(2), [np.nan]],
                    "X_train": [np.zeros((0, 2))]},
         names={k: (k, k.replace("X_", "y_"), k.replace("y_", "X_")) for k in split_fields()}),
    Spec("course_lib.data.Dataset", call=lambda **kw: data.Dataset(**kw),
         valid=lambda: {"X": np.zeros((3, 2)), "y": np.array([0, 1, 1]), "feature_names": ("a", "b"),
                        "target_name": "t"},
         extra_bad={"feature_names": [("a",), ("a", 1), "ab", ["a", None]], "y": [np.zeros(4), [0.0, np.nan, 1.0]]},
         names={"X": ("X",), "y": ("y",)}, ok=ok_dataset),
]


# ---- synthetic -------------------------------------------------------------------------------

BOWL_A = np.array([[2.0, 0.5], [0.5, 1.0]])
BOWL_MIN = np.array([1.0, -0.5])


def bowl():
    return synthetic.QuadraticBowl(BOWL_A.copy(), BOWL_MIN.copy())


def ok_bowl_loss(kw, result):
    w = np.asarray(kw["w"], dtype=float)
    flat = w.reshape(-1, 2) - BOWL_MIN
    want = [0.5 * (d[0] * (2.0 * d[0] + 0.5 * d[1]) + d[1] * (0.5 * d[0] + 1.0 * d[1])) for d in flat]
    np.testing.assert_allclose(np.ravel(result), want, rtol=1e-12, atol=1e-300)
    assert np.shape(result) == w.shape[:-1]


def ok_bowl_grad(kw, result):
    w = np.asarray(kw["w"], dtype=float)
    d = w - BOWL_MIN
    want = np.stack([2.0 * d[..., 0] + 0.5 * d[..., 1], 0.5 * d[..., 0] + 1.0 * d[..., 1]], axis=-1)
    np.testing.assert_allclose(result, want, rtol=1e-12, atol=1e-300)


def ok_poly(kw, result):
    x = np.asarray(kw["x"], dtype=float)
    degree = int(kw["degree"])
    want = np.column_stack([x ** k for k in range(1, degree + 1)])
    np.testing.assert_allclose(result, want, rtol=1e-14, atol=0)


def ok_linear(kw, r):
    n, d = int(kw.get("n_samples", 100)), int(kw.get("n_features", 1))
    assert r.X.shape == (n, d) and r.y.shape == (n,) and np.all(np.abs(r.X) <= 2)
    again = synthetic.make_linear_regression(**kw)
    assert np.array_equal(again.y, r.y)                              # seeded: the same twice
    if float(kw.get("noise", 0.5)) == 0:
        np.testing.assert_allclose(r.y, r.X @ r.true_weights + r.true_bias, rtol=1e-12)


def ok_sine(kw, r):
    x, y = r
    assert x.shape == y.shape == (int(kw["n_samples"]),) and np.all(np.diff(x) >= 0)
    assert np.all((x >= 0) & (x <= 1))
    if float(kw["noise"]) == 0:
        np.testing.assert_allclose(y, np.sin(2 * np.pi * x), rtol=0, atol=1e-15)


def ok_bowl(kw, b):
    np.testing.assert_allclose(b.eigenvalues, [1.0, float(kw.get("condition_number", 10.0))], rtol=1e-6)
    np.testing.assert_allclose(b.minimizer, np.asarray(kw.get("minimizer", (1.0, -0.5)), dtype=float))


SYNTHETIC_SPECS = [
    Spec("course_lib.synthetic.make_linear_regression", call=lambda **kw: synthetic.make_linear_regression(**kw),
         valid=lambda: {"n_samples": 20, "n_features": 3, "noise": 0.0, "seed": 4},
         extra_bad={"n_samples": [10**7, 2.0], "n_features": [10**6], "noise": [1e151, np.float64(2.0)],
                    "seed": [2**64, np.int64(3)]},
         ok=ok_linear),
    Spec("course_lib.synthetic.make_sine_regression", call=lambda **kw: synthetic.make_sine_regression(**kw),
         valid=lambda: {"n_samples": 12, "noise": 0.0, "seed": 1},
         extra_bad={"n_samples": [1, 10**7 + 1], "noise": [1e151]}, ok=ok_sine),
    Spec("course_lib.synthetic.polynomial_features", call=lambda **kw: synthetic.polynomial_features(**kw),
         valid=lambda: {"x": np.array([0.5, -2.0, 3.0]), "degree": 4},
         extra_bad={"x": [np.array([1e200]), np.array([5e-324, -5e-324]), np.array([[1.0]]), np.zeros(10**6)],
                    "degree": [10**7, 400, np.int64(2), 2.0]},
         ok=ok_poly),
    Spec("course_lib.synthetic.make_quadratic_bowl", call=lambda **kw: synthetic.make_quadratic_bowl(**kw),
         valid=lambda: {"condition_number": 25.0, "angle_deg": 30.0, "minimizer": [1.0, 2.0]},
         extra_bad={"minimizer": [[1, 2, 3], [[1.0, 2.0]], [1.0, np.nan]],
                    "condition_number": [1e8, 1.00000001e8, 0.999], "angle_deg": [1e308, -720.0]},
         ok=ok_bowl),
    Spec("course_lib.synthetic.QuadraticBowl", call=lambda **kw: synthetic.QuadraticBowl(**kw),
         valid=lambda: {"A": BOWL_A.copy(), "minimizer": BOWL_MIN.copy()},
         extra_bad={"A": [np.eye(3), np.diag([1.0, 0.0]), np.diag([1.0, -1.0]), np.array([[1.0, 1.0], [0.0, 1.0]]),
                          np.diag([1e308, 1e-308]), np.eye(2) * 1e308, np.eye(2) * 5e-324, np.ones((2, 3))],
                    "minimizer": [np.zeros(3), np.array([1e308, -1e308])]},
         names={"A": ("A",), "minimizer": ("minimizer",)}),
    Spec("course_lib.synthetic.QuadraticBowl.loss", call=lambda **kw: bowl().loss(**kw),
         valid=lambda: {"w": np.array([0.3, -1.2])},
         extra_bad={"w": [np.zeros(3), np.zeros((4, 2)), np.zeros((2, 3, 2)), np.array([1e200, 0.0]),
                          np.array([1e154, 1e154]), np.zeros((0, 2)), [[0.0, 1.0], [2.0]]]},
         ok=ok_bowl_loss),
    Spec("course_lib.synthetic.QuadraticBowl.grad", call=lambda **kw: bowl().grad(**kw),
         valid=lambda: {"w": np.array([0.3, -1.2])},
         extra_bad={"w": [np.zeros(3), np.zeros((4, 2)), np.array([1e308, 1e308]), np.array([1e300, 0.0])]},
         ok=ok_bowl_grad),
    Spec("course_lib.synthetic.Regression", call=lambda **kw: synthetic.Regression(**kw),
         valid=lambda: {"X": np.zeros((3, 2)), "y": np.zeros(3), "true_weights": np.zeros(2), "true_bias": 0.5},
         extra_bad={"y": [np.zeros(2)], "true_weights": [np.zeros(3)], "true_bias": [np.float64(1.0), 10**400]},
         names={"y": ("y",), "true_weights": ("true_weights",)}),
]


# ---- curves ----------------------------------------------------------------------------------

def ok_gap(kw, gap):
    train, val = np.asarray(kw["train"], dtype=float), np.asarray(kw["val"], dtype=float)
    want = val - train if kw.get("mode", "min") == "min" else train - val
    assert np.array_equal(gap, want)


def ok_epochs(kw, c):
    logs = getattr(kw["history"], "history", kw["history"])
    metric = kw.get("metric", "loss")
    train = np.asarray(logs[metric], dtype=float)
    val = np.asarray(logs[f"val_{metric}"], dtype=float)
    mode = kw.get("mode", "auto")
    mode = metrics.metric_direction(metric) if mode == "auto" else mode
    finite = [i for i in range(len(val)) if math.isfinite(val[i])]
    best = (min if mode == "min" else max)(finite, key=lambda i: val[i])   # the first on ties
    assert c.best_epoch == best
    for i in range(len(val)):
        if math.isfinite(train[i]) and math.isfinite(val[i]):
            assert c.gap[i] == (val[i] - train[i] if mode == "min" else train[i] - val[i])
        else:
            assert math.isnan(c.gap[i])                      # nan exactly where an input is not finite
    assert c.epochs.tolist() == list(range(len(val)))


def history():
    return {"loss": [1.0, 0.5, 0.25], "val_loss": [1.5, 0.75, 1.0], "accuracy": [0.5, 0.75, 1.0],
            "val_accuracy": [0.5, 0.75, 0.5]}


def sizes_scorer(idx):
    return float(len(idx)) / 10, 1.0 - float(len(idx)) / 20


def ok_sizes(kw, c):
    sizes = np.asarray(kw["sizes"], dtype=float)
    train, val = sizes / 10, 1.0 - sizes / 20
    np.testing.assert_allclose(c.train_mean, train, rtol=1e-14)
    np.testing.assert_allclose(c.val_mean, val, rtol=1e-14)
    np.testing.assert_allclose(c.train_std, 0, atol=1e-15)
    want = val - train if kw.get("mode", "min") == "min" else train - val
    np.testing.assert_allclose(c.gap, want, rtol=1e-13, atol=1e-15)
    assert c.train_scores.shape == (kw.get("repeats", 1), len(sizes))


def size_fields():
    return {"sizes": [1, 2], "train_scores": [[0.0, 0.0]], "val_scores": [[1.0, 1.0]], "train_mean": [0.0, 0.0],
            "train_std": [0.0, 0.0], "val_mean": [1.0, 1.0], "val_std": [0.0, 0.0], "gap": [1.0, 1.0]}


def epoch_fields():
    return {"metric": "loss", "epochs": np.arange(3), "train": [1.0, 0.5, 0.25], "val": [1.5, np.nan, 1.0],
            "gap": [0.5, np.nan, 0.75], "best_epoch": 2}


HISTORY_BAD = [
    {"loss": [1.0, 2.0], "val_loss": [np.nan, np.nan]}, {"loss": [1.0, 2.0], "val_loss": [np.inf, -np.inf]},
    {"loss": [1.0, None], "val_loss": [1.0, 2.0]}, {"loss": [1.0], "val_loss": [1.0, 2.0]},
    {"loss": [], "val_loss": []}, {"loss": [[1.0]], "val_loss": [[1.0]]}, {"loss": "ab", "val_loss": "ab"},
    {"loss": [-1e308, np.nan], "val_loss": [1e308, 1.0]}, {"loss": [1.0, np.nan], "val_loss": [np.nan, 2.0]},
    {1: [1.0]}, {"loss": np.array([1.0, 2.0]), "val_loss": np.array([3.0, 1.0])},
]

CURVE_SPECS = [
    Spec("course_lib.curves.generalization_gap", call=lambda **kw: curves.generalization_gap(**kw),
         valid=lambda: {"train": [0.2, 0.1], "val": [0.3, 0.4], "mode": "max"},
         extra_bad={"train": [[np.nan, 0.1], [-1e308, 0.0], [[0.2, 0.1]]], "val": [[1e308, 0.4], [0.3]]},
         names={"train": ("train",), "val": ("val",)}, ok=ok_gap),
    Spec("course_lib.curves.epoch_curves", call=lambda **kw: curves.epoch_curves(**kw),
         valid=lambda: {"history": history(), "metric": "accuracy", "mode": "auto"},
         extra_bad={"history": HISTORY_BAD, "metric": ["val_loss", "acc", "Loss"], "mode": ["min", "max", "Auto"]},
         names={"metric": ("metric", "monitor"), "history": ("history",)},
         allow_nan=True, ok=ok_epochs),
    Spec("course_lib.curves.EpochCurves", call=lambda **kw: curves.EpochCurves(**kw), valid=epoch_fields,
         extra_bad={"epochs": [np.arange(1, 4), [0, 1]], "best_epoch": [1, 3, np.int64(0)], "val": [[1.0, 2.0]]},
         names={f: (f, "epochs") for f in ("train", "val", "gap")}, allow_nan=True),
    Spec("course_lib.curves.learning_curve_by_size", call=lambda **kw: curves.learning_curve_by_size(**kw),
         valid=lambda: {"train_and_score": sizes_scorer, "sizes": [2, 4, 8], "n_available": 10,
                        "rng": np.random.default_rng(0), "repeats": 2, "mode": "max"},
         extra_bad={"train_and_score": [lambda idx: (np.nan, 1.0), lambda idx: (1e308, -1e308),
                                        lambda idx: (True, 1.0), lambda idx: ("0.5", 1.0), lambda idx: [1.0]],
                    "sizes": [[2, 2], [4, 2], [2.5], [0, 2], [2, 11]],
                    "n_available": [7, 10**7 + 1], "repeats": [1001, 3],
                    "rng": [np.random.RandomState(0), 0]},
         names={"n_available": ("n_available",)}, ok=ok_sizes),
    Spec("course_lib.curves.SizeCurves", call=lambda **kw: curves.SizeCurves(**kw), valid=size_fields,
         extra_bad={"sizes": [[2, 1]], "train_std": [[-1.0, 0.0]], "train_scores": [[[0.0]]], "gap": [[1.0]]}),
]


# ---- plotting --------------------------------------------------------------------------------

def styled():
    with mpl.rc_context():                        # the fuzz run must not restyle later tests
        plotting.use_course_style()
        return dict(mpl.rcParams)


def ok_style(kw, params):
    assert params["figure.dpi"] == 80 and params["axes.grid"] is True


def ok_scale(kw, result):
    v = [float(x) for x in np.asarray(kw["values"], dtype=float).ravel()]
    v = [x for x in v if math.isfinite(x) and x > 0]
    if not v:
        assert result == "linear"
        return
    ratio = Fraction(max(v)) / Fraction(min(v))                 # exact: no overflow, no rounding
    if abs(ratio - 100) > Fraction(1, 10**9):                   # (at 100 itself either is fine)
        assert result == ("log" if ratio > 100 else "linear")


PLOTTING_SPECS = [
    Spec("course_lib.plotting.use_course_style", call=styled, valid=dict, ok=ok_style),
    Spec("course_lib.plotting.log_or_linear", call=lambda **kw: plotting.log_or_linear(**kw),
         valid=lambda: {"values": [1.0, 0.5, 0.001]},
         extra_bad={"values": [[1e308, 5e-324], [np.nan, 1.0, 1000.0], [[1.0, 100.0], [101.0, 1.0]], [-1.0, -1e5]]},
         ok=ok_scale),
]


SPECS = METRIC_SPECS + TF_SPECS + DATA_SPECS + SYNTHETIC_SPECS + CURVE_SPECS + PLOTTING_SPECS

test_fuzz = fuzz_tests(SPECS)
