"""The plateau explorer of notebook 05: its SGD run, Keras's cutting rule inside it, the widget.

Expected cut epochs are derived by hand from Keras's rule (ReduceLROnPlateau.on_epoch_end):
with a min_delta so large that nothing after epoch 0 improves, ``wait`` reaches ``patience``
every ``patience`` epochs; with a cooldown ``c >= 1`` the epoch of the cut is followed by
``c - 1`` epochs that do not count, so cuts come every ``patience + c - 1`` epochs.
"""
import numpy as np
import pytest

from course_lib.plateau import ReduceLROnPlateau, plateau_learning_rates
from course_lib.widgets.plateau import (PlateauExplorer, PlateauProblem, plateau_frame, plateau_problem,
                                        train_with_plateau)

PROBLEM = plateau_problem()


def test_one_dimensional_sgd_by_hand():
    # loss (w - 1)^2 on every batch: G = 2, h = 2, so w <- w - lr (2 w - 2); lr 0.25 from 0:
    # w = 0.5, 0.75, 0.875 and validation loss (w - 1)^2 = 0.25, 0.0625, 0.015625.
    p = PlateauProblem(G=np.full((3, 1, 1), 2.0), h=np.full((3, 1), 2.0), val_A=np.eye(1),
                       val_b=np.ones(1), val_c=1.0, floor=0.0, val_min=0.0, epochs=3, steps_per_epoch=1)
    vals, lrs, cuts = train_with_plateau(p, 0.25, None)
    np.testing.assert_allclose(vals, [0.25, 0.0625, 0.015625], rtol=1e-12)
    assert lrs.tolist() == [0.25] * 3 and cuts.size == 0


@pytest.mark.parametrize("patience, cooldown, expected", [
    (3, 0, [3, 6, 9, 12]), (2, 0, [2, 4, 6, 8, 10, 12]), (2, 1, [2, 4, 6, 8, 10, 12]),
    (2, 3, [2, 6, 10]), (4, 2, [4, 9])])
def test_cut_epochs_when_nothing_improves(patience, cooldown, expected):
    p = plateau_problem(epochs=13)
    f = plateau_frame(p, 0.5, patience, 1e9, cooldown)
    assert f.cuts.tolist() == expected
    # each cut halves the rate of the epochs after it (Keras keeps it in float32, hence the
    # tolerance); a cut at the last epoch, 12, has no epoch left to act on
    earlier = len([e for e in expected if e < 12])
    np.testing.assert_allclose(f.learning_rates[-1], 0.4 * 0.5 ** earlier, rtol=1e-6)


def test_the_rate_in_the_run_is_keras_rule_replayed_on_its_own_curve():
    f = plateau_frame(PROBLEM, 0.3, 2, 0.01, 1)
    lrs, cuts = plateau_learning_rates(f.val_loss, 0.4, factor=0.3, patience=2, min_delta=0.01, cooldown=1)
    assert np.array_equal(lrs, f.learning_rates) and np.array_equal(cuts, f.cuts)
    assert np.all(np.diff(f.learning_rates) <= 0)


def test_training_responds_to_the_cuts():
    constant, _, _ = train_with_plateau(PROBLEM, 0.4, None)
    f = plateau_frame(PROBLEM, 0.5, 3, 0.01, 0)
    first = f.cuts[0]
    np.testing.assert_array_equal(f.val_loss[:first + 1], constant[:first + 1])  # same batches, same rate
    assert not np.allclose(f.val_loss[first + 1:], constant[first + 1:])
    # SGD noise grows with the rate: the cut run ends lower than the constant-rate run
    assert f.val_loss[-10:].mean() < constant[-10:].mean()
    assert f.ok and abs(f.val_loss[-5:].mean() - PROBLEM.floor) < 0.05 * PROBLEM.floor


def test_problem_starts_far_above_its_floor():
    # initial loss ~ 6 * 2^2 + 1 = 25 (see plateau_problem), floor ~ noise variance 1
    start = PROBLEM.val_loss(np.zeros(7))
    assert 15 < start < 40 and 0.8 < PROBLEM.floor < 1.3 and PROBLEM.val_min <= PROBLEM.floor


def test_extremes_say_what_happened():
    f = plateau_frame(PROBLEM, 0.05, 0, 0.2, 0)
    assert not f.ok and "collapsed" in f.status
    f = plateau_frame(PROBLEM, 0.5, 3, 0.01, 0, initial_learning_rate=5.0)
    assert not f.ok and "diverged in epoch 0" in f.status and np.isnan(f.val_loss[1:]).all()


def test_a_rate_that_underflows_float32_is_reported_as_such():
    # patience 0 and a min_delta nothing beats: a cut at the end of every epoch from epoch 1 on,
    # the rate after k cuts ~ 0.4 * 0.05^k, kept in float32 (as Keras keeps it), whose smallest
    # positive number is 1.4e-45. After 33 cuts it is 4.7e-44 (33 units of 1.4e-45), after 34
    # 2.3e-45 -> 2 units, after 35 0.1 units -> 0. Then the rate is no longer above min_lr = 0,
    # and Keras cuts no more.
    f = plateau_frame(PROBLEM, 0.05, 0, 1e9, 0)
    assert f.cuts.tolist() == list(range(1, 36)) and f.learning_rates[-1] == 0.0
    assert "final rate 0 (underflowed" in f.status and not f.ok


@pytest.mark.parametrize("kwargs, word", [
    ({"factor": 1.0}, "factor"), ({"patience": -1}, "patience"),
    ({"min_delta": -0.1}, "min_delta"), ({"cooldown": 0.5}, "cooldown")])
def test_bad_arguments_raise(kwargs, word):
    args = {"factor": 0.5, "patience": 2, "min_delta": 0.0, "cooldown": 0, **kwargs}
    with pytest.raises(ValueError, match=word):
        plateau_frame(PROBLEM, **args)


def test_bad_problem_arguments_raise():
    with pytest.raises(ValueError, match="batch_size"):
        plateau_problem(batch_size=0)
    with pytest.raises(ValueError, match="initial_learning_rate"):
        train_with_plateau(PROBLEM, 0.0, ReduceLROnPlateau())


def test_controls_drive_the_figure_and_extremes_still_draw():
    ui = PlateauExplorer(PROBLEM)
    first, cuts = ui.live.png, ui.frame.cuts
    ui.controls["cooldown"].value = 10
    assert ui.live.png != first and len(ui.frame.cuts) < len(cuts)
    xs, _ = ui.lr_cuts.get_data()
    assert list(xs) == ui.frame.cuts.tolist()
    ui.controls["cooldown"].value = 0
    ui.controls["patience"].value = 0
    ui.controls["min_delta"].value = ui.controls["min_delta"].max
    ui.controls["factor"].value = ui.controls["factor"].min
    _, ys = ui.lr_line.get_data()
    assert np.all(np.isfinite(ys)) and "b42318" in ui.status.value  # collapsed rate, still drawn
    diverging = PlateauExplorer(PROBLEM, initial_learning_rate=5.0)
    _, ys = diverging.val_line.get_data()
    assert np.all(np.isfinite(ys)) and "diverged" in diverging.frame.status


def test_the_widget_run_is_a_fit_run():
    """The fast replay equals course_lib.training.fit with the plateau callback (float64, rtol 1e-9:
    only the summation order of the precomputed batch products differs)."""
    from course_lib.models import LinearRegression
    from course_lib.optim import GradientDescent
    from course_lib.training import fit
    from course_lib.widgets.plateau import plateau_data

    X, y, X_val, y_val = plateau_data()
    kwargs = {"factor": 0.5, "patience": 3, "min_delta": 0.01, "cooldown": 2}
    h = fit(LinearRegression(6), X, y, batch_size=4, epochs=60, optimizer=GradientDescent(),
            learning_rate=0.4, callbacks=[ReduceLROnPlateau(**kwargs)], rng=0, validation_data=(X_val, y_val),
            params={"W": np.zeros((6, 1)), "b": np.zeros(1)})
    f = plateau_frame(PROBLEM, initial_learning_rate=0.4, **kwargs)
    np.testing.assert_allclose(f.val_loss, h.epoch_val_loss, rtol=1e-9)
    np.testing.assert_array_equal(f.learning_rates, h.epoch_learning_rate)


# ---- every control moves the frame the way it means (section 5 of issue 9) ----------------
# The reference is Keras 3's ReduceLROnPlateau.on_epoch_end written out here (mode min,
# min_lr 0): in cooldown, count it down and reset wait; an improvement is current < best -
# min_delta; else, out of cooldown, wait += 1 and at wait >= patience the rate (a float32
# variable in Keras) becomes float32(rate * factor), cooldown restarts, wait = 0.

def keras_plateau(vals, lr0, factor, patience, min_delta, cooldown):
    """(rate used in each epoch, cut epochs) for a validation curve, by Keras's rule."""
    lr, best, wait, cool, lrs, cuts = lr0, np.inf, 0, 0, [], []
    for epoch, v in enumerate(vals):
        lrs.append(lr)
        if cool > 0:
            cool, wait = cool - 1, 0
        if v < best - min_delta:
            best, wait = v, 0
        elif cool == 0:
            wait += 1
            if wait >= patience and np.float32(lr) > 0:
                lr = float(np.float32(float(np.float32(lr)) * factor))
                cuts.append(epoch)
                cool, wait = cooldown, 0
    return np.array(lrs), cuts


BASE = {"factor": 0.5, "patience": 3, "min_delta": 0.01, "cooldown": 0}
SETTINGS = [BASE] + [dict(BASE, **{k: v}) for k, vs in
                     [("factor", [0.05, 0.3, 0.95]), ("patience", [0, 1, 6, 15]),
                      ("min_delta", [0.0, 0.05, 0.2]), ("cooldown", [1, 4, 10])] for v in vs]


@pytest.fixture(scope="module")
def explorer():
    return PlateauExplorer(PROBLEM)


def _set(ui, **values):
    for key, value in values.items():
        ui.controls[key].value = value
    return ui.frame


def test_every_setting_cuts_where_keras_would_on_its_own_curve(explorer):
    for setting in SETTINGS:
        f = _set(explorer, **setting)
        lrs, cuts = keras_plateau(f.val_loss, 0.4, **setting)
        assert f.cuts.tolist() == cuts, setting
        np.testing.assert_allclose(f.learning_rates, lrs, rtol=1e-12)
        # drawn: the rate per epoch and a marker at every cut
        assert list(explorer.lr_cuts.get_xdata()) == cuts
        np.testing.assert_allclose(explorer.lr_line.get_ydata(), np.clip(lrs, *explorer._lrlim))


def test_each_control_changes_the_run(explorer):
    """Every value tried for a control changes the cuts or the rates from the base setting
    Two are equivalent to the base by the rule itself: cooldown 1 (its one epoch is counted
    down before that epoch is checked, so it blocks nothing) and, on this curve, min_delta 0
    (no gain smaller than 0.01 decides a cut)."""
    base = _set(explorer, **BASE)
    for setting in SETTINGS[1:]:
        if setting["min_delta"] == 0.0 or setting["cooldown"] == 1:
            continue
        f = _set(explorer, **setting)
        assert f.cuts.tolist() != base.cuts.tolist() or not np.allclose(f.learning_rates, base.learning_rates), \
            setting


def test_factor_is_the_ratio_of_the_rates_around_a_cut(explorer):
    for factor in (0.05, 0.3, 0.95):
        f = _set(explorer, **dict(BASE, factor=factor))
        k = f.cuts[0]
        assert f.learning_rates[k + 1] / f.learning_rates[k] == pytest.approx(factor, rel=1e-6)


def test_larger_patience_cuts_first_strictly_later(explorer):
    # Up to the first cut every run is the same constant-rate run, whose wait counter reaches
    # p + 1 one epoch after it reaches p: the first cut moves strictly later with patience.
    firsts = []
    for p in range(0, 16):
        f = _set(explorer, **dict(BASE, patience=p))
        firsts.append(int(f.cuts[0]))
    # (patience 0 and 1 both cut at the first epoch that does not improve: wait is 1 there)
    assert firsts[0] == firsts[1] and all(a < b for a, b in zip(firsts[1:], firsts[2:])), firsts


def test_larger_min_delta_cuts_first_no_later(explorer):
    # A larger min_delta makes fewer epochs count as improvements, so wait never lags behind.
    firsts = [int(_set(explorer, **dict(BASE, min_delta=d)).cuts[0]) for d in (0.0, 0.01, 0.05, 0.2)]
    assert firsts == sorted(firsts, reverse=True) and firsts[0] > firsts[-1]


def test_cooldown_spaces_the_cuts(explorer):
    # Nothing counts as an improvement with min_delta at its maximum (0.2) once on the plateau:
    # after a cut, cooldown c epochs do not count (the c-th ends the cooldown before it is
    # checked), so cuts are at least patience + c - 1 >= c epochs apart, and exactly so here.
    for c in (1, 4, 10):
        f = _set(explorer, **dict(BASE, min_delta=0.2, patience=3, cooldown=c))
        gaps = np.diff(f.cuts)
        assert gaps.size and np.all(gaps >= 3 + c - 1), (c, f.cuts)
    assert len(_set(explorer, **dict(BASE, cooldown=10)).cuts) < len(_set(explorer, **BASE).cuts)


def test_control_defaults_and_ranges():
    ui = PlateauExplorer(PROBLEM)
    # cooldown 0 and min_lr 0 are Keras's defaults; factor 0.5, patience 3 and min_delta 0.01
    # (Keras: 0.1, 10, 1e-4) are the explorer's starting point: on a 60-epoch run Keras's
    # patience 10 would cut only a few times.
    assert {k: c.value for k, c in ui.controls.items()} == BASE
    assert [(c.min, c.max) for c in ui.controls.values()] == [(0.05, 0.95), (0, 15), (0.0, 0.2), (0, 10)]


@pytest.mark.parametrize("kwargs, word", [({"factor": 0.99}, "factor"), ({"patience": 16}, "patience"),
                                          ({"min_delta": 0.3}, "min_delta"), ({"cooldown": 11}, "cooldown"),
                                          ({"problem": "p"}, "problem")])
def test_explorer_refuses_values_its_sliders_would_clamp(kwargs, word):
    kwargs = dict(kwargs)  # the parameter's own dict is shared by every run of this test (mutmut reruns)
    with pytest.raises((ValueError, TypeError), match=word):
        PlateauExplorer(PROBLEM if "problem" not in kwargs else kwargs.pop("problem"), **kwargs)


@pytest.mark.tf
def test_keras_named_defaults_match_keras_where_the_explorer_keeps_them():
    import inspect

    import keras
    keras_params = inspect.signature(keras.callbacks.ReduceLROnPlateau).parameters
    ours = inspect.signature(PlateauExplorer).parameters
    assert ours["cooldown"].default == keras_params["cooldown"].default == 0
    frame_params = inspect.signature(plateau_frame).parameters
    assert frame_params["min_lr"].default == keras_params["min_lr"].default == 0


# ---- what mutation testing found unchecked (make mutation PATHS=course_lib/widgets/plateau.py) ----
# Every test below builds its own problem: a module-level PROBLEM is computed once, before any
# planted change is switched on, so it cannot notice a change in plateau_problem or plateau_data.

import warnings  # noqa: E402

from course_lib.widgets.plateau import _rate_text, plateau_data  # noqa: E402


def _one_dim(epochs=2, per=1, G=2.0, h=4.0, A=1.0, b=2.0, c=4.0, floor=0.0, val_min=0.0):
    """loss (w - 2)^2 on every batch (G = 2, h = 4); validation loss w^2 - 4 w + 4 = (w - 2)^2."""
    T = epochs * per
    return PlateauProblem(G=np.full((T, 1, 1), G), h=np.full((T, 1), h), val_A=[[A]], val_b=[b], val_c=c,
                          floor=floor, val_min=val_min, epochs=epochs, steps_per_epoch=per)


def test_plateau_data_is_its_documented_recipe():
    # scales 1 .. 1/sqrt(kappa) (log-spaced), w_i = +-2/s_i, X ~ N(0, s^2), y = X w + N(0, 1),
    # drawn in that order from default_rng(seed): signs, X, X_val, then the two noises
    for kw in ({}, {"n_features": 3, "condition_number": 100.0, "n_train": 9, "n_val": 11, "seed": 4}):
        d, kappa = kw.get("n_features", 6), kw.get("condition_number", 50.0)
        n, n_val = kw.get("n_train", 100), kw.get("n_val", 500)
        rng = np.random.default_rng(kw.get("seed", 0))
        s = np.array([kappa ** (-0.5 * i / (d - 1)) for i in range(d)])
        w = 2.0 / s * rng.choice([-1.0, 1.0], d)
        X, X_val = rng.normal(size=(n, d)) * s, rng.normal(size=(n_val, d)) * s
        want = (X, X @ w + rng.normal(size=n), X_val, X_val @ w + rng.normal(size=n_val))
        for got, expected in zip(plateau_data(**kw), want):
            np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert np.all(np.abs(s * w) == 2.0)  # every direction starts with the same share, s^2 w^2 = 4


@pytest.mark.parametrize("kwargs, word", [
    ({"n_features": 0}, "n_features"), ({"n_features": 101, "n_train": 200, "n_val": 200}, "n_features"),
    ({"condition_number": 0.999}, "condition_number"),
    ({"condition_number": float(np.nextafter(1e12, np.inf))}, "condition_number"),
    ({"n_train": 6}, "n_train"), ({"n_train": 100_001}, "n_train"),
    ({"n_val": 6}, "n_val"), ({"n_val": 100_001}, "n_val"), ({"seed": -1}, "seed")])
def test_plateau_data_refuses_just_outside_each_limit(kwargs, word):
    with pytest.raises(ValueError, match=rf"^{word} must be"):
        plateau_data(**kwargs)


def test_plateau_data_accepts_each_limit():
    assert plateau_data(n_features=1, n_train=2, n_val=2)[0].shape == (2, 1)
    assert plateau_data(n_features=100, n_train=101, n_val=101)[0].shape == (101, 100)
    assert plateau_data(condition_number=1.0)[0].shape == (100, 6)
    X = plateau_data(condition_number=1e12, n_features=2, n_train=100_000, n_val=3)[0]
    assert X.shape == (100_000, 2) and 0.9e-6 < X[:, 1].std() < 1.1e-6   # s = 1/sqrt(1e12)
    assert plateau_data(n_train=7, n_val=7, seed=0)[2].shape == (7, 6)


def test_a_fresh_default_problem_is_a_fit_run_of_its_documented_defaults():
    """batch 4, 60 epochs, seed 0: plateau_problem() replays fit(..., batch_size=4, epochs=60, rng=0)
    from zero weights, with the validation loss of X_val; floor and val_min by least squares."""
    from course_lib.models import LinearRegression
    from course_lib.optim import GradientDescent
    from course_lib.training import fit

    p = plateau_problem()
    X, y, X_val, y_val = plateau_data()
    assert (p.epochs, p.steps_per_epoch, p.G.shape) == (60, 25, (1500, 7, 7))
    h = fit(LinearRegression(6), X, y, batch_size=4, epochs=60, optimizer=GradientDescent(), learning_rate=0.2,
            rng=0, validation_data=(X_val, y_val), params={"W": np.zeros((6, 1)), "b": np.zeros(1)})
    vals, _, _ = train_with_plateau(p, 0.2, None)
    np.testing.assert_allclose(vals, h.epoch_val_loss, rtol=1e-9)
    Xv1 = np.c_[X_val, np.ones(len(X_val))]
    w = np.r_[h.params["W"][:, 0], h.params["b"]]
    assert p.val_loss(w) == pytest.approx(np.mean((Xv1 @ w - y_val) ** 2), rel=1e-9)
    w_fit = np.linalg.lstsq(np.c_[X, np.ones(len(X))], y, rcond=None)[0]
    assert p.floor == pytest.approx(np.mean((Xv1 @ w_fit - y_val) ** 2), rel=1e-9)
    w_val = np.linalg.lstsq(Xv1, y_val, rcond=None)[0]
    assert p.val_min == pytest.approx(np.mean((Xv1 @ w_val - y_val) ** 2), rel=1e-9)
    # another seed is another problem, also in its data
    assert not np.allclose(plateau_problem(epochs=1, seed=1).val_b, plateau_problem(epochs=1).val_b)
    _, _, X3, y3 = plateau_data(seed=3)
    np.testing.assert_allclose(plateau_problem(epochs=1, seed=3).val_b, np.r_[X3.T @ y3, y3.sum()] / 500, rtol=1e-12)


def test_problem_batches_by_hand_with_batch_size_one_and_two():
    X, y, _, _ = plateau_data(n_features=1, n_train=4, n_val=3, seed=2)
    for B in (1, 2):
        p = plateau_problem(batch_size=B, epochs=1, n_features=1, n_train=4, n_val=3, seed=2)
        order = np.random.default_rng(2).permutation(4).reshape(-1, B)
        assert p.steps_per_epoch == 4 // B
        for t, idx in enumerate(order):
            Xb = np.c_[X[idx], np.ones(B)]
            np.testing.assert_allclose(p.G[t], 2 / B * Xb.T @ Xb, rtol=1e-12)
            np.testing.assert_allclose(p.h[t], 2 / B * Xb.T @ y[idx], rtol=1e-12)


def test_problem_limits():
    for kwargs, word in [({"batch_size": 0}, r"^batch_size must be"), ({"batch_size": 3}, "must divide the 100"),
                         ({"epochs": 0}, r"^epochs must be"), ({"epochs": 4001}, r"^epochs must be.*<= 4000"),
                         ({"n_features": 20, "epochs": 454}, r"^epochs must be.*<= 453"),
                         ({"n_train": 100_000, "batch_size": 1, "epochs": 2}, r"^epochs .*<= 1, got 2")]:
        with pytest.raises(ValueError, match=word):
            plateau_problem(**kwargs)
    # MAX_STEPS = 100,000 steps: 4000 epochs of 25; MAX_ENTRIES = 5e6 numbers: 453 epochs at d + 1 = 21
    assert plateau_problem(epochs=4000, n_features=1, n_val=2).G.shape == (100_000, 2, 2)
    assert plateau_problem(n_features=20, epochs=453).G.shape == (453 * 25, 21, 21)


def test_problem_record_checks_and_converts_its_fields():
    p = _one_dim(epochs=2, c=np.float32(4.0), floor=1, val_min=np.int64(0))
    listed = PlateauProblem(G=[[[2.0]]], h=[[4.0]], val_A=[[1.0]], val_b=[2.0], val_c=4.0, floor=0.0, val_min=0.0,
                            epochs=1, steps_per_epoch=1)   # lists in, arrays stored
    assert all(isinstance(getattr(listed, k), np.ndarray) for k in ("G", "h", "val_A", "val_b"))
    assert all(isinstance(getattr(p, k), np.ndarray) for k in ("G", "h", "val_A", "val_b"))
    assert p.val_A.dtype == float and type(p.val_c) is float and type(p.floor) is float and type(p.val_min) is float
    base = dict(G=np.ones((2, 1, 1)), h=np.ones((2, 1)), val_A=np.eye(1), val_b=np.ones(1), val_c=0.0,
                floor=0.0, val_min=0.0, epochs=2, steps_per_epoch=1)
    for change, word in [({"G": np.ones((2, 1))}, r"^G must"), ({"h": np.ones(2)}, r"^h must"),
                         ({"val_A": np.ones(1)}, r"^val_A must"), ({"val_b": np.ones((1, 1))}, r"^val_b must"),
                         ({"G": np.ones((2, 1, 2))}, r"shapes \(T, d, d\).*got \(2, 1, 2\)"),
                         ({"h": np.ones((2, 2))}, r"shapes .*got \(2, 1, 1\), \(2, 2\)"),
                         ({"val_A": np.eye(2)}, r"shapes .*\(2, 2\), \(1,\)$"),
                         ({"val_b": np.ones(2)}, r"shapes .*\(1, 1\), \(2,\)$"),
                         ({"epochs": 0}, r"^epochs must"), ({"steps_per_epoch": 0}, r"^steps_per_epoch must"),
                         ({"epochs": 3}, r"epochs x steps_per_epoch = 3 x 1 steps \(at most 100000\), got 2"),
                         ({"val_c": "x"}, r"^val_c must"), ({"floor": None}, r"^floor must"),
                         ({"val_min": np.inf}, r"^val_min must")]:
        with pytest.raises(ValueError, match=word):
            PlateauProblem(**{**base, **change})
    big = dict(base, G=np.ones((100_000, 1, 1)), h=np.ones((100_000, 1)), epochs=100_000)
    assert PlateauProblem(**big).G.shape[0] == 100_000       # MAX_STEPS itself is allowed
    big = dict(big, G=np.ones((100_001, 1, 1)), h=np.ones((100_001, 1)), epochs=100_001)
    with pytest.raises(ValueError, match="at most 100000"):
        PlateauProblem(**big)


def test_val_loss_formula_and_refusals():
    p = PlateauProblem(G=np.ones((1, 2, 2)), h=np.ones((1, 2)), val_A=[[2.0, 0.5], [0.5, 1.0]], val_b=[1.0, -3.0],
                       val_c=7.0, floor=0.0, val_min=0.0, epochs=1, steps_per_epoch=1)
    # w = (1, 2): w^T A w = 2 + 2 * 0.5 * 2 + 4 = 8; 2 b.w = 2 (1 - 6) = -10; + 7 -> 25
    assert p.val_loss([1.0, 2.0]) == 25.0
    with pytest.raises(ValueError, match=r"^w must hold 2 weights \(the bias last\), got 3"):
        p.val_loss([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"^w must"):
        p.val_loss([[1.0, 2.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"^w is too large: its validation loss overflows float64$"):
            p.val_loss([1e200, 0.0])


def test_divergence_is_a_loss_above_a_million_times_the_start():
    # validation loss (w - 2)^2 starts at 4 (w = 0): the limit is 4e6. One step from 0 gives
    # w = 4 lr; lr = 500.5 lands exactly on (2002 - 2)^2 = 4e6 (kept), lr = 501 just above it.
    vals, lrs, _ = train_with_plateau(_one_dim(), 500.5, None)
    assert vals[0] == 4e6 and lrs[0] == 500.5 and np.isnan(vals[1])  # epoch 0 kept; epoch 1 overshoots
    vals, lrs, _ = train_with_plateau(_one_dim(), 501.0, None)
    assert np.isnan(vals).all() and lrs[0] == 501.0 and np.isnan(lrs[1])
    with warnings.catch_warnings():  # an overflow inside an epoch ends the run without a numpy warning
        warnings.simplefilter("error")
        vals, _, _ = train_with_plateau(_one_dim(epochs=2, per=400), 1e30, None)
    assert np.isnan(vals).all()
    f = plateau_frame(_one_dim(), 0.5, 1, 0.0, 0, initial_learning_rate=501.0)
    assert f.status == "diverged in epoch 0 at learning rate 501" and f.ok is False


def test_train_with_plateau_refusals():
    p = _one_dim()
    assert np.isfinite(train_with_plateau(p, 1e30, None)[1][0])  # the highest rate Keras's float32 keeps
    for lr in (0.0, float(np.nextafter(1e30, np.inf)), 1e31):
        with pytest.raises(ValueError, match=r"^initial_learning_rate must"):
            train_with_plateau(p, lr, None)
    with pytest.raises(TypeError, match=r"^problem must be a PlateauProblem \(from plateau_problem\), got str$"):
        train_with_plateau("p", 0.1, None)
    with pytest.raises(TypeError, match=r"^plateau must be a ReduceLROnPlateau or None, got dict$"):
        train_with_plateau(p, 0.1, {})


def test_status_lists_at_most_six_cut_epochs():
    f = plateau_frame(plateau_problem(epochs=15), 0.5, 2, 1e9, 0)   # cuts every 2 epochs: 2, 4, ..., 14
    assert f.status.startswith("7 cut(s) (after epochs 2, 4, 6, 8, 10, 12, ...); final rate ")
    f = plateau_frame(plateau_problem(epochs=13), 0.5, 2, 1e9, 0)
    assert f.status.startswith("6 cut(s) (after epochs 2, 4, 6, 8, 10, 12); final rate ")
    # 5 cuts (2..10): the last epoch runs at 0.4 / 2^5 = 0.0125 (float32: 0.01250000019), the one before at 0.025
    f = plateau_frame(plateau_problem(epochs=12), 0.5, 2, 1e9, 0)
    assert "(after epochs 2, 4, 6, 8, 10); final rate 0.013; last-5-epoch val loss " in f.status


def test_status_of_each_outcome():
    p8 = plateau_problem(epochs=8)
    f = plateau_frame(p8, 0.5, 15, 1e9, 0)                   # patience 15 on 8 epochs: never cut
    assert f.status.startswith("no cut; final rate 0.4; last-5-epoch val loss ")
    assert f.status.endswith(f"(floor {p8.floor:.3f}) — stuck on the noisy plateau of the initial rate")
    assert f.ok is False and f"val loss {np.mean(f.val_loss[3:]):.3f} " in f.status   # epochs 3..7
    f = plateau_frame(plateau_problem(epochs=13), 0.5, 10, 1e9, 0)   # one cut, after epoch 10
    assert f.status.startswith("1 cut(s) (after epochs 10); final rate 0.2;")
    assert f.status.endswith(" — not converged yet") and f.ok is False
    f = plateau_frame(plateau_problem(), 0.05, 0, 0.2, 0)
    # rates 0.4 -> 0.02 -> 0.001 -> 5e-5: the first epoch below 0.4e-3 is the first at 5e-5
    first = int(np.flatnonzero(np.isclose(f.learning_rates, 0.4 * 0.05 ** 3, rtol=1e-6))[0])
    assert f.status.endswith(f" — rate collapsed below 0.0004 by epoch {first}: training froze") and f.ok is False
    assert first > 0
    assert "final rate 0 (underflowed: below float32's smallest number, 1.4e-45, as in Keras);" in f.status


def test_converged_means_within_five_percent_of_the_floor_inclusive():
    vals, _, _ = train_with_plateau(_one_dim(epochs=5), 0.1, None)
    final = float(vals.mean())
    floor = final / 1.05
    while 1.05 * floor < final:
        floor = np.nextafter(floor, np.inf)
    while 1.05 * floor > final:
        floor = np.nextafter(floor, -np.inf)
    if 1.05 * floor != final:
        pytest.skip("no float floor with 1.05 * floor == final exactly")
    f = plateau_frame(_one_dim(epochs=5, floor=floor), 0.5, 15, 0.0, 0, initial_learning_rate=0.1)
    assert f.ok is True and f.status.startswith("no cut; final rate 0.1;")
    f = plateau_frame(_one_dim(epochs=5, floor=np.nextafter(floor, -np.inf)), 0.5, 15, 0.0, 0,
                      initial_learning_rate=0.1)
    assert f.ok is False


def test_rate_text():
    assert _rate_text(0.025) == "0.025" and _rate_text(3e-30) == "3e-30" and _rate_text(1.0) == "1"
    assert _rate_text(0.0) == "0 (underflowed: below float32's smallest number, 1.4e-45, as in Keras)"


def test_min_lr_is_passed_to_the_rule():
    # Keras: new rate max(rate * factor, min_lr), and no cut once the rate is not above min_lr
    f = plateau_frame(plateau_problem(epochs=13), 0.5, 2, 1e9, 0, min_lr=0.1)
    assert f.cuts.tolist() == [2, 4]
    np.testing.assert_allclose(f.learning_rates, [0.4] * 3 + [0.2] * 2 + [0.1] * 8, rtol=1e-6)


def test_explorer_figure_shows_what_its_labels_say_and_draws_a_divergence_at_its_edges():
    p = plateau_problem(epochs=6)
    ui = PlateauExplorer(p, initial_learning_rate=1.0)   # the constant run diverges in epoch 1
    ax_v, ax_lr = ui.live.fig.axes
    assert (ax_v.get_xlabel(), ax_lr.get_xlabel()) == ("epoch", "epoch")
    assert ax_v.get_ylabel() == "val. MSE - lowest possible (log)"
    assert ax_lr.get_ylabel() == "learning rate (log scale)" and ax_v.get_yscale() == ax_lr.get_yscale() == "log"
    assert ax_v.get_title() == "validation loss, above its minimum"
    assert ax_lr.get_title() == "learning rate used in each epoch"
    assert ax_v.get_xlim() == ax_lr.get_xlim() == (-0.5, 5.5)
    assert ax_lr.get_ylim() == pytest.approx((1e-6, 3.0), rel=1e-12)
    labels = [t.get_text() for t in ax_v.get_legend().get_texts()]
    assert labels == ["constant lr=1", "least-squares fit (lr -> 0)", "with ReduceLROnPlateau", "cut"]
    constant, _, _ = train_with_plateau(p, 1.0, None)
    assert np.isfinite(constant[0]) and np.isnan(constant[1:]).all()
    top = 3 * (constant[0] - p.val_min)                  # the only finite epoch sets the axis
    low = max((p.floor - p.val_min) / 3, top * 1e-12)
    assert ax_v.get_ylim() == pytest.approx((low, top), rel=1e-12)
    ref, floor_line = ax_v.lines[0], ax_v.lines[1]
    np.testing.assert_allclose(ref.get_xdata(), np.arange(6))
    np.testing.assert_allclose(ref.get_ydata(), [constant[0] - p.val_min] + [top] * 5, rtol=1e-12)  # nan: at the top
    np.testing.assert_allclose(floor_line.get_ydata(), [p.floor - p.val_min] * 2, rtol=1e-12)
    assert ui.lr_line.get_drawstyle() == "steps-post"       # a rate holds for its whole epoch
    assert ui.lr_cuts.get_marker() == ui.val_cuts.get_marker() == "v" and ui.val_cuts.get_linestyle() == "None"
    assert "diverged in epoch 1" in ui.frame.status
    ys, lrs = ui.val_line.get_ydata(), ui.lr_line.get_ydata()
    assert ys[0] == pytest.approx(constant[0] - p.val_min, rel=1e-12) and np.all(ys[1:] == top)
    assert lrs[0] == pytest.approx(1.0) and lrs[1] == pytest.approx(1.0) and np.all(lrs[2:] == 1e-6)


def test_explorer_limits_and_controls(monkeypatch):
    import course_lib.widgets._live as live

    p = plateau_problem(epochs=4)
    for kwargs, word in [({"initial_learning_rate": 0.99e-6}, "initial_learning_rate"),
                         ({"initial_learning_rate": 100.5}, "initial_learning_rate"),
                         ({"factor": 0.049}, "factor"), ({"patience": -1}, "patience"),
                         ({"min_delta": -0.001}, "min_delta"), ({"cooldown": -1}, "cooldown")]:
        with pytest.raises(ValueError, match=rf"^{word} must be"):
            PlateauExplorer(p, **kwargs)
    with pytest.raises(TypeError, match=r"^problem must be a PlateauProblem \(from plateau_problem\), got str$"):
        PlateauExplorer("p")
    # no problem given: the notebook's default problem; every control at its top, the rate at its bottom
    ui = PlateauExplorer(factor=0.95, patience=15, min_delta=0.2, cooldown=10, initial_learning_rate=1e-6)
    assert ui.problem.epochs == 60 and ui.problem.G.shape == (1500, 7, 7) and ui.lr0 == 1e-6
    c = ui.controls
    assert {k: w.value for k, w in c.items()} == {"factor": 0.95, "patience": 15, "min_delta": 0.2, "cooldown": 10}
    assert [w.description for w in c.values()] == ["factor", "patience", "min_delta", "cooldown"]
    assert all(w.style.description_width == "initial" for w in c.values())
    assert (c["factor"].step, c["min_delta"].step, c["min_delta"].readout_format) == (0.05, 0.005, ".3f")
    before = ui.frame
    c["cooldown"].value = 3
    assert ui.frame is not before      # each control redraws when its value changes
    shown = []
    monkeypatch.setattr(live, "display", lambda obj, **kw: shown.append(obj))
    ui.show()                          # the four sliders in two rows, the status, the figure
    box, image = shown
    rows, status = box.children
    assert [list(r.children) for r in rows.children] == [[c["factor"], c["patience"]], [c["min_delta"], c["cooldown"]]]
    assert status is ui.status and image.data == ui.live.png
