"""Tests of course_lib.curves: epoch curves, curves against training-set size, the gap."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from course_lib.curves import epoch_curves, generalization_gap, learning_curve_by_size


# ---------------------------------------------------------------- generalization gap
def test_gap_sign_says_better_on_training_data():
    assert generalization_gap([0.5, 0.25], [1.0, 0.75]).tolist() == [0.5, 0.5]             # losses
    assert generalization_gap([1.0, 0.75], [0.5, 0.25], mode="max").tolist() == [0.5, 0.5]  # accuracies


@given(train=st.lists(st.floats(0, 10), min_size=1, max_size=20), shift=st.floats(0, 5))
def test_gap_is_positive_when_validation_is_worse(train, shift):
    train = np.array(train)
    assert np.all(generalization_gap(train, train + shift) >= 0)
    assert np.all(generalization_gap(train, train - shift, mode="max") >= 0)


# ---------------------------------------------------------------- against epochs
def test_epoch_curves_of_a_loss_history():
    history = {"loss": [1.0, 0.5, 0.25, 0.125], "val_loss": [1.5, 0.75, 0.75, 1.0], "accuracy": [0.5] * 4}
    c = epoch_curves(history)
    assert c.epochs.tolist() == [0, 1, 2, 3]
    assert c.gap.tolist() == [0.5, 0.25, 0.5, 0.875]
    assert c.best_epoch == 1   # first of the tied minima, like EarlyStopping (equal is no improvement)


def test_epoch_curves_of_accuracy_maximise_and_accept_a_history_object():
    history = SimpleNamespace(history={"accuracy": [0.5, 0.75, 1.0], "val_accuracy": [0.5, 0.75, 0.5]})
    c = epoch_curves(history, "accuracy")
    assert c.best_epoch == 1
    assert c.gap.tolist() == [0.0, 0.0, 0.5]


def test_nan_epochs_do_not_become_best():
    assert epoch_curves({"loss": [1.0, 2.0, 3.0], "val_loss": [0.5, np.nan, 0.25]}).best_epoch == 2


@pytest.mark.parametrize("history, kwargs, message", [
    ({"loss": [1.0]}, {}, r"^metric 'loss' needs 'val_loss' in the history; available: loss"),
    ({"loss": [1.0], "val_loss": [1.0]}, {"metric": "accuracy"}, "^metric 'accuracy' needs 'accuracy'"),
    ({"loss": [1.0, 2.0], "val_loss": [1.0]}, {}, r"^history\['loss'\] and history\['val_loss'\] must have one value per epoch each, got 2 and 1"),
    ({"loss": [], "val_loss": []}, {}, r"^history\['loss'\] must not be empty"),
    ({"loss": [1.0, None], "val_loss": [1.0, 2.0]}, {}, r"^history\['loss'\] must be numeric"),
    ({"loss": [1.0, 2.0], "val_loss": [np.nan, np.nan]}, {}, r"^history\['val_loss'\] has no finite value"),
    ({"loss": [1.0, 2.0], "val_loss": [np.inf, np.nan]}, {}, r"^history\['val_loss'\] has no finite value"),
    ({"loss": [1.0], "val_loss": [[1.0]]}, {}, r"^history\['val_loss'\] must have 1 dimension"),
    ([1.0, 2.0], {}, "^history must be a mapping"),
    (None, {}, "^history must be a mapping"),
    ({"loss": [1.0], "val_loss": [1.0]}, {"metric": None}, "^metric must be a log name"),
    ({"loss": [1.0], "val_loss": [1.0]}, {"mode": np.array(["min", "max"])}, "^mode must be one of"),
    ({"loss": [1.0], "val_loss": [1.0]}, {"mode": "up"}, "^mode must be one of"),
    ({"score": [1.0], "val_score": [1.0]}, {"metric": "score"}, "^cannot tell whether monitor 'score'"),
])
def test_epoch_curves_bad_input(history, kwargs, message):
    with pytest.raises((TypeError, ValueError), match=message):
        epoch_curves(history, **kwargs)


# ---------------------------------------------------------------- against training-set size
def test_subsets_are_nested_random_and_reproducible():
    calls = []

    def record(idx):
        calls.append(idx.copy())
        return float(idx.sum()), float(len(idx))

    sizes = [2, 5, 9]
    c = learning_curve_by_size(record, sizes, n_available=10, repeats=3, rng=np.random.default_rng(0))
    assert [len(idx) for idx in calls] == sizes * 3
    for r in range(3):
        a, b, full = calls[3 * r: 3 * r + 3]
        assert np.array_equal(full[:5], b) and np.array_equal(b[:2], a)     # nested prefixes
        assert len(set(full.tolist())) == 9 and full.min() >= 0 and full.max() <= 9
    assert not all(np.array_equal(calls[j], calls[j + 3]) for j in range(3))  # repeats differ
    assert c.val_scores.tolist() == [[2.0, 5.0, 9.0]] * 3
    sums = np.array([[idx.sum() for idx in calls[3 * r: 3 * r + 3]] for r in range(3)], dtype=float)
    assert np.array_equal(c.train_scores, sums)
    assert np.allclose(c.train_mean, sums.mean(axis=0)) and np.allclose(c.train_std, sums.std(axis=0))
    again = learning_curve_by_size(lambda idx: (float(idx.sum()), 0.0), sizes, n_available=10, repeats=3,
                                   rng=np.random.default_rng(0))
    assert np.array_equal(again.train_scores, c.train_scores)


def _least_squares_scorer(X, y, X_val, y_val):
    def train_and_score(idx):
        w, *_ = np.linalg.lstsq(X[idx], y[idx], rcond=None)
        return float(np.mean((X[idx] @ w - y[idx]) ** 2)), float(np.mean((X_val @ w - y_val) ** 2))
    return train_and_score


def test_more_data_closes_the_gap_of_least_squares():
    # theory for OLS with d features and noise s^2: E[train MSE] = s^2 (1 - d/n),
    # E[val MSE] ~ s^2 (1 + d/(n - d - 1)): the gap shrinks like 1/n, both tend to s^2 = 0.25
    rng = np.random.default_rng(1)
    w_true = rng.normal(size=4)
    X, X_val = rng.normal(size=(400, 4)), rng.normal(size=(2000, 4))
    y, y_val = X @ w_true + 0.5 * rng.normal(size=400), X_val @ w_true + 0.5 * rng.normal(size=2000)
    c = learning_curve_by_size(_least_squares_scorer(X, y, X_val, y_val), [8, 25, 100, 400],
                               n_available=400, repeats=20, rng=rng)
    assert np.all(np.diff(c.gap) < 0)
    assert c.train_mean[0] < c.train_mean[-1] < c.val_mean[-1] < c.val_mean[0]
    assert c.train_mean[0] == pytest.approx(0.25 * (1 - 4 / 8), rel=0.5)  # sd ~16 % over 20 repeats: 3 sd
    assert c.val_mean[-1] == pytest.approx(0.25 * (1 + 4 / (400 - 5)), rel=0.1)


@pytest.mark.parametrize("kwargs, message", [
    (dict(sizes=[3, 2]), "^sizes must be strictly increasing"),
    (dict(sizes=[2, 2]), "^sizes must be strictly increasing"),
    (dict(sizes=[0, 2]), r"^sizes must be integers in 1..10"),
    (dict(sizes=[2, 11]), r"^sizes must be integers in 1..10"),
    (dict(sizes=[2.5]), r"^sizes must be integers in 1..10"),
    (dict(sizes=[]), "^sizes must not be empty"),
    (dict(repeats=0), "^repeats must be an integer >= 1"),
    (dict(n_available=0), "^n_available must be an integer >= 1"),
    (dict(rng=0), "^rng must be a numpy Generator"),
    (dict(mode="auto"), "^mode must be one of 'min', 'max'"),
    (dict(train_and_score=lambda idx: 1.0), r"^train_and_score must return \(train score, validation score\)"),
    (dict(train_and_score="fit"), "^train_and_score must be callable"),
])
def test_learning_curve_by_size_bad_input(kwargs, message):
    args = dict(train_and_score=lambda idx: (0.0, 0.0), sizes=[2, 4], n_available=10,
                rng=np.random.default_rng(0))
    with pytest.raises((TypeError, ValueError), match=message):
        learning_curve_by_size(**{**args, **kwargs})


# ---------------------------------------------------------------- with course_lib.training.fit
def test_epoch_curves_of_a_fit_history_and_its_early_stopping_point():
    from course_lib.early_stopping import early_stopping_point
    from course_lib.models import LogisticRegression
    from course_lib.optim import GradientDescent
    from course_lib.training import fit

    rng = np.random.default_rng(4)
    X, Xv = rng.normal(size=(30, 5)), rng.normal(size=(200, 5))
    w = np.array([2.0, -1.0, 0.0, 0.0, 0.0])
    y, yv = (X @ w + rng.normal(size=30) > 0).astype(int), (Xv @ w + rng.normal(size=200) > 0).astype(int)
    h = fit(LogisticRegression(5), X, y, batch_size=10, epochs=40, optimizer=GradientDescent(), learning_rate=0.5,
            validation_data=(Xv, yv), rng=rng)
    for metric in ("loss", "accuracy"):
        c = epoch_curves(h, metric)       # fit's History has Keras's .history dict
        train, val = np.array(h.history[metric]), np.array(h.history[f"val_{metric}"])
        assert len(c.epochs) == h.n_epochs == 40
        assert np.array_equal(c.gap, val - train if metric == "loss" else train - val)
    best = epoch_curves(h).best_epoch
    assert h.history["val_loss"][best] == min(h.history["val_loss"])
    # the early-stopping rule with unlimited patience ends on the same best epoch
    assert early_stopping_point(h.history["val_loss"], patience=1000).best_epoch == best


def test_learning_curve_by_size_with_fit():
    # least squares by fit (full-batch GD from zeros, converged) on growing subsets
    from course_lib.models import LinearRegression
    from course_lib.optim import GradientDescent
    from course_lib.synthetic import make_linear_regression
    from course_lib.training import fit

    data = make_linear_regression(300, 3, noise=0.5, seed=5)
    X, y, X_val, y_val = data.X[:200], data.y[:200], data.X[200:], data.y[200:]
    model = LinearRegression(3)

    def train_and_score(idx):
        h = fit(model, X[idx], y[idx], batch_size=len(idx), epochs=300, optimizer=GradientDescent(),
                learning_rate=0.2, params={"W": np.zeros((3, 1)), "b": np.zeros(1)}, shuffle=False)
        return h.epoch_loss[-1], model.loss(h.params, X_val, y_val)

    c = learning_curve_by_size(train_and_score, [6, 25, 200], n_available=200, repeats=3,
                               rng=np.random.default_rng(0))
    # 6 samples for 4 parameters: worse on validation, and a larger gap, than with 200
    assert c.val_mean[0] > c.val_mean[-1] and c.gap[0] > c.gap[-1]
    assert c.train_std[-1] < 1e-12     # the full set in every repeat (rows in another order)
    # on the full set, fit converged to the least-squares solution
    A = np.c_[X, np.ones(200)]
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    assert c.val_mean[-1] == pytest.approx(np.mean((np.c_[X_val, np.ones(100)] @ coef - y_val) ** 2), rel=1e-6)


# ---------------------------------------------------------------- mode="max", nan epochs, bounds
def test_learning_curve_by_size_mode_max_signs_the_gap_for_accuracies():
    # accuracies by hand: train 1.0 at every size, val 0.5 + size / 20 -> gap = train - val
    def scorer(idx):
        return 1.0, 0.5 + len(idx) / 20

    sizes = [2, 4, 8]
    kw = dict(n_available=10, rng=np.random.default_rng(0))
    acc = learning_curve_by_size(scorer, sizes, mode="max", **kw)
    assert acc.gap.tolist() == [1.0 - 0.6, 1.0 - 0.7, 1.0 - 0.9]
    assert np.all(acc.gap > 0)                                       # better on training: positive
    loss = learning_curve_by_size(scorer, sizes, mode="min", n_available=10, rng=np.random.default_rng(0))
    assert loss.gap.tolist() == [0.6 - 1.0, 0.7 - 1.0, 0.9 - 1.0]   # the same numbers read as losses
    assert np.array_equal(acc.val_mean, loss.val_mean) and np.array_equal(acc.train_mean, loss.train_mean)


def test_learning_curve_by_size_default_mode_is_min():
    import inspect
    assert inspect.signature(learning_curve_by_size).parameters["mode"].default == "min"
    assert inspect.signature(learning_curve_by_size).parameters["repeats"].default == 1


def test_epoch_curves_mode_max_and_nan_epochs():
    history = {"accuracy": [0.5, np.nan, 0.9, 1.0], "val_accuracy": [0.4, 0.95, np.inf, 0.6]}
    c = epoch_curves(history, "accuracy")                            # auto -> max
    assert c.best_epoch == 1                                         # inf is not "best", nan train ok
    assert np.isnan(c.gap[[1, 2]]).all() and c.gap[[0, 3]].tolist() == [0.5 - 0.4, 1.0 - 0.6]
    assert epoch_curves(history, "accuracy", mode="min").best_epoch == 0
    c = epoch_curves({"loss": [1.0, 2.0, 3.0], "val_loss": [np.nan, 2.5, 2.5]})
    assert c.best_epoch == 1 and np.isnan(c.gap[0]) and c.gap[1:].tolist() == [0.5, -0.5]


def test_gap_refuses_nan_and_overflow_instead_of_returning_them():
    with pytest.raises(ValueError, match="^train must contain only finite values"):
        generalization_gap([np.nan], [1.0])
    with pytest.raises(ValueError, match="^val must contain only finite values"):
        generalization_gap([1.0], [np.inf])
    with pytest.raises(ValueError, match="^train and val are too far apart"):
        generalization_gap([-1e308], [1e308])
    with pytest.raises(ValueError, match="^train and val are too far apart"):
        epoch_curves({"loss": [-1e308], "val_loss": [1e308]})
    assert generalization_gap([1e308], [1e308]).tolist() == [0.0]
    assert generalization_gap([[1.0, 2.0]], [[1.5, 1.0]], mode="max").tolist() == [[-0.5, 1.0]]
    for bad in (None, [None, 1.0], "ab", [[1.0], [1.0, 2.0]], []):
        with pytest.raises(ValueError, match="^train must"):
            generalization_gap(bad, [1.0])
    with pytest.raises(ValueError, match="^mode must be one of"):
        generalization_gap([1.0], [1.0], mode=np.array(["min", "max"]))


@pytest.mark.parametrize("result", [
    (np.nan, 1.0), (1.0, np.inf), (True, 1.0), ("0.5", 1.0), (np.array([1.0]), 1.0),
    (1.0, None), (1.0, 2.0, 3.0), None, 1.0, "ab", (1 + 2j, 1.0),
])
def test_train_and_score_must_return_two_finite_numbers(result):
    with pytest.raises(ValueError, match="^train_and_score must return"):
        learning_curve_by_size(lambda idx: result, [1, 2], n_available=2, rng=np.random.default_rng(0))


def test_train_and_score_may_return_numpy_scalars_and_ints():
    c = learning_curve_by_size(lambda idx: (np.float32(0.5), len(idx)), [1, 2], n_available=2,
                               rng=np.random.default_rng(0))
    assert c.val_mean.tolist() == [1.0, 2.0] and c.train_mean.tolist() == [0.5, 0.5]


def test_scores_too_large_to_average_are_refused():
    with pytest.raises(ValueError, match="^train_and_score returned scores too large to average"):
        learning_curve_by_size(lambda idx: (1e308, 1.0), [1, 2], n_available=2, repeats=2,
                               rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="^train_and_score returned training and validation scores too far apart"):
        learning_curve_by_size(lambda idx: (-1e308, 1e308), [1, 2], n_available=2, rng=np.random.default_rng(0))


def test_bounds_are_documented_and_enforced():
    from course_lib.curves import MAX_AVAILABLE, MAX_REPEATS
    assert (MAX_AVAILABLE, MAX_REPEATS) == (10**7, 1000)
    kw = dict(train_and_score=lambda idx: (0.0, 0.0), sizes=[1], rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"^n_available must be an integer >= 1 and <= 10000000"):
        learning_curve_by_size(n_available=MAX_AVAILABLE + 1, **kw)
    with pytest.raises(ValueError, match=r"^repeats must be an integer >= 1 and <= 1000"):
        learning_curve_by_size(n_available=1, repeats=MAX_REPEATS + 1, **kw)
    assert learning_curve_by_size(n_available=1, repeats=MAX_REPEATS, **kw).train_scores.shape == (1000, 1)


def test_result_dataclasses_check_their_fields():
    from course_lib.curves import EpochCurves, SizeCurves

    ok = dict(metric="loss", epochs=np.arange(2), train=[1.0, 2.0], val=[np.nan, 1.0], gap=[np.nan, -1.0],
              best_epoch=1)
    assert EpochCurves(**ok).epochs.dtype == np.int64
    for change, message in [(dict(metric=None), "^metric must be a log name"),
                            (dict(epochs=[0, 2]), "^epochs must be 0, 1"),
                            (dict(train=[1.0]), r"^train must have one value per epoch \(epochs has 2\), got 1"),
                            (dict(gap=[None, 1.0]), "^gap must be numeric"),
                            (dict(best_epoch=2), "^best_epoch must be an integer >= 0 and <= 1"),
                            (dict(best_epoch=0), "^best_epoch must be an epoch with a finite val"),
                            (dict(best_epoch=True), "^best_epoch must be an integer")]:
        with pytest.raises((TypeError, ValueError), match=message):
            EpochCurves(**{**ok, **change})
    s = dict(sizes=[1, 2], train_scores=[[0.0, 0.0]], val_scores=[[1.0, 1.0]], train_mean=[0.0, 0.0],
             train_std=[0.0, 0.0], val_mean=[1.0, 1.0], val_std=[0.0, 0.0], gap=[1.0, 1.0])
    assert SizeCurves(**s).sizes.dtype == np.int64
    for change, message in [(dict(sizes=[2, 1]), "^sizes must be strictly increasing"),
                            (dict(train_scores=[[0.0]]), r"^train_scores must have shape \(repeats, 2\)"),
                            (dict(val_scores=[[1.0, 1.0]] * 2), r"^val_scores must have shape \(repeats, 2\)"),
                            (dict(train_std=[-1.0, 0.0]), "^train_std must be >= 0"),
                            (dict(gap=[1.0]), "^gap must have one value per size"),
                            (dict(val_mean=[np.nan, 1.0]), "^val_mean must contain only finite")]:
        with pytest.raises(ValueError, match=message):
            SizeCurves(**{**s, **change})


# ---------------------------------------------------------------- what mutation testing found untested
def _message(call):
    with pytest.raises((TypeError, ValueError)) as info:
        call()
    return str(info.value)


def test_overflow_and_inf_minus_inf_are_handled_without_warnings():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="too far apart"):
            generalization_gap([-1e308], [1e308])
        c = epoch_curves({"loss": [np.inf, 1.0], "val_loss": [np.inf, 2.0]})     # inf - inf: no warning
        assert np.isnan(c.gap[0]) and c.gap[1] == 1.0
        with pytest.raises(ValueError, match="too large to average"):
            learning_curve_by_size(lambda idx: (1e308, 1.0), [1, 2], n_available=2, repeats=2,
                                   rng=np.random.default_rng(0))


@pytest.mark.parametrize("call, text", [
    (lambda: epoch_curves([1.0]), "history must be a mapping of log names to per-epoch values (or have one as "
                                  ".history, like keras.callbacks.History), got list"),
    (lambda: epoch_curves({}), "metric 'loss' needs 'loss' in the history; available: none (validation "
                               "curves need validation data)"),
    (lambda: epoch_curves({"b": [1.0], "a": [1.0]}), "metric 'loss' needs 'loss' in the history; available: "
                                                     "a, b (validation curves need validation data)"),
    (lambda: epoch_curves({"loss": [1.0], "val_loss": [1.0]}, metric=3), "metric must be a log name such as "
                                                                         "'loss' or 'accuracy' (a str), got int"),
    (lambda: epoch_curves({"loss": [1.0], "val_loss": [np.nan]}), "history['val_loss'] has no finite value "
                                                                  "(every epoch is nan or inf, the run diverged): "
                                                                  "there is no best epoch to report"),
    (lambda: generalization_gap([1.0, 2.0], [1.0]), "train and val must have the same shape, got (2,) and (1,)"),
    (lambda: generalization_gap(1.0, [1.0]), "train must have 1 or 2 dimension(s), got shape ()"),
    (lambda: generalization_gap([1.0], np.ones((1, 1, 1))), "val must have 1 or 2 dimension(s), got shape (1, 1, 1)"),
    (lambda: learning_curve_by_size(lambda idx: (0.0, 0.0), [[1, 2]], n_available=2, rng=np.random.default_rng(0)),
     "sizes must have 1 dimension(s), got shape (1, 2)"),
    (lambda: learning_curve_by_size(lambda idx: (0.0, 0.0), [1], n_available=2, rng=None),
     "rng must be a numpy Generator (np.random.default_rng(seed)), got NoneType"),
    (lambda: learning_curve_by_size(lambda idx: (0.0, np.nan), [1, 2], n_available=2, rng=np.random.default_rng(0)),
     "train_and_score must return two finite numbers (train score, validation score), got (0.0, nan) for 1 "
     "samples (repeat 0)"),
    (lambda: learning_curve_by_size(lambda idx: [0.0], [1], n_available=2, rng=np.random.default_rng(0)),
     "train_and_score must return (train score, validation score), got [0.0]"),
    (lambda: learning_curve_by_size(lambda idx: (-1e308, 1e308), [1], n_available=2, rng=np.random.default_rng(0)),
     "train_and_score returned training and validation scores too far apart: their gap overflows float64"),
])
def test_messages_in_full(call, text):
    assert _message(call) == text


def test_an_error_inside_train_and_score_is_not_hidden():
    with pytest.raises(ZeroDivisionError):         # the learner's own bug, with its own traceback
        learning_curve_by_size(lambda idx: (0.0, 1.0 / (len(idx) - 2)), [1, 2], n_available=2,
                               rng=np.random.default_rng(0))


def test_the_repeat_and_size_of_a_bad_score_are_named():
    calls = []

    def scorer(idx):
        calls.append(len(idx))
        return (0.0, np.inf) if len(calls) == 5 else (0.0, 1.0)   # the 2nd size of the 2nd repeat

    message = _message(lambda: learning_curve_by_size(scorer, [1, 3, 4], n_available=4, repeats=2,
                                                      rng=np.random.default_rng(0)))
    assert message.endswith("got (0.0, inf) for 3 samples (repeat 1)")


@pytest.mark.parametrize("sizes, shown", [
    ([0, 1, 2, 3, 4, 5, 6, 7], "[0, 1, 2, 3, 4, 5, 6, 7]"),            # 8 values: all shown
    ([0, 1, 2, 3, 4, 5, 6, 7, 8], "[0, 1, 2, 3, 4, 5, 6, 7, ...]"),    # 9: the first 8 and "..."
    ([2.5], "[2.5]"),
])
def test_bad_sizes_are_shown_briefly(sizes, shown):
    message = _message(lambda: learning_curve_by_size(lambda idx: (0.0, 0.0), sizes, n_available=10,
                                                      rng=np.random.default_rng(0)))
    assert message == f"sizes must be integers in 1..10 (n_available), got {shown}"
    message = _message(lambda: learning_curve_by_size(lambda idx: (0.0, 0.0), [3, 2], n_available=10,
                                                      rng=np.random.default_rng(0)))
    assert message == "sizes must be strictly increasing, got [3, 2]"


def test_epoch_curves_mode_max_explicitly():
    c = epoch_curves({"loss": [1.0, 2.0, 3.0], "val_loss": [1.0, 3.0, 2.0]}, mode="max")
    assert c.best_epoch == 1 and c.gap.tolist() == [0.0, -1.0, 1.0]


def test_epoch_curves_record_converts_and_names_its_fields():
    from course_lib.curves import EpochCurves, SizeCurves

    c = EpochCurves("loss", [0.0, 1.0], [1.0, 2.0], [1.0, 0.5], [0.0, -1.5], np.int64(1))
    assert isinstance(c.epochs, np.ndarray) and c.epochs.dtype == np.int64 and c.epochs.tolist() == [0, 1]
    assert type(c.best_epoch) is int and c.best_epoch == 1
    assert isinstance(c.train, np.ndarray) and c.train.dtype == np.float64
    fields = dict(metric="loss", epochs=[0, 1], train=[1.0, 2.0], val=[1.0, 0.5], gap=[0.0, -1.5], best_epoch=1)
    for change, text in [
        (dict(epochs=[[0, 1]]), "epochs must have 1 dimension(s), got shape (1, 2)"),
        (dict(epochs=[0.5, 1.0]), "epochs must contain only integers, got [0.5, 1.0]"),
        (dict(epochs=[1, 2]), "epochs must be 0, 1, ..., 1, got [1, 2]..."),
        (dict(epochs=[0, 1, 2, 3, 4, 6]), "epochs must be 0, 1, ..., 5, got [0, 1, 2, 3, 4]..."),
        (dict(metric=5), "metric must be a log name (str), got int"),
    ]:
        assert _message(lambda: EpochCurves(**{**fields, **change})) == text
    s = dict(sizes=[1, 2], train_scores=[[0.0, 0.0]], val_scores=[[1.0, 1.0]], train_mean=[0.0, 0.0],
             train_std=[0.0, 0.0], val_mean=[1.0, 1.0], val_std=[0.0, 0.0], gap=[1.0, 1.0])
    for change, text in [
        (dict(train_scores=[0.0, 0.0]), "train_scores must have 2 dimension(s), got shape (2,)"),
        (dict(val_scores=[[[1.0, 1.0]]]), "val_scores must have 2 dimension(s), got shape (1, 1, 2)"),
        (dict(train_mean=[[0.0, 0.0]]), "train_mean must have 1 dimension(s), got shape (1, 2)"),
        (dict(gap=[[1.0, 1.0]]), "gap must have 1 dimension(s), got shape (1, 2)"),
        (dict(val_std=None), "val_std must be numeric (an array of real numbers), got None"),
    ]:
        assert _message(lambda: SizeCurves(**{**s, **change})) == text
