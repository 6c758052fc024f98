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
