"""The workflow explorer of notebook 08: the stored runs, the pure frame function and the widget.

Most tests use a hand-built grid (``synthetic_runs``) whose validation curves are V-shaped with a
known minimum, so that every expected stop, best and kept epoch is derived by hand from Keras's
rule; the comparison over every setting uses an independent transcription of
``keras.callbacks.EarlyStopping.on_epoch_end`` (tests/test_exercises_nb07.py), not the widget's
own code. The last tests read the shipped runs (data/workflow_runs.csv) and check them against
what the generator says it did: the cosine formula, Keras's ReduceLROnPlateau rule, and (marked
``tf``) a regeneration of two epochs with TensorFlow.
"""
from __future__ import annotations

import math
import sys

import numpy as np
import pytest
from test_exercises_nb07 import _keras_rule  # one transcription of Keras's EarlyStopping rule

from course_lib import data
from course_lib.widgets import workflow
from course_lib.widgets.workflow import (COLUMNS, CURVES, WorkflowExplorer, WorkflowRun, WorkflowRuns,
                                         workflow_frame)

LRS, SCHEDULES, DROPS, EPOCHS = (0.001, 0.01, 0.1, 1.0), ("constant", "plateau"), (0.0, 0.5), 30


def minimum_epoch(i: int, schedule: str, dropout: float) -> int:
    """Where the synthetic validation loss of a run is lowest (by construction)."""
    if i == 0:
        return EPOCHS - 1                     # the smallest rate: still falling at the end
    return 8 + 6 * i + (4 if dropout == 0.5 else 0) + (2 if schedule == "plateau" else 0)


def synthetic_run(i: int, schedule: str, dropout: float) -> WorkflowRun:
    """V-shaped validation loss (falls 0.02 per epoch to its minimum m, then rises 0.01 per epoch);
    the largest rate diverges at epoch 3 (at epoch 0 with dropout 0.5); the plateau schedule halves
    the rate after the end of epoch m + 3."""
    lr = LRS[i]
    if i == 3:
        n = 0 if dropout == 0.5 else 3
        e = np.arange(n)
        return WorkflowRun(np.full(n, lr), 2.0 + e, np.full(n, 0.3), 2.0 + e, np.full(n, 0.3), 2.1 + e,
                           np.full(n, 0.3), diverged_at=n, divergence="training loss nan")
    e, m = np.arange(EPOCHS), minimum_epoch(i, schedule, dropout)
    val = np.where(e <= m, 1.0 - 0.02 * e, 1.0 - 0.02 * m + 0.01 * (e - m))
    peak = 0.90 if i == 0 else 0.97
    val_acc = peak - 0.1 * (val - val[m])
    rate = np.where((schedule == "plateau") & (e > m + 3), lr / 2, lr)
    return WorkflowRun(rate, np.maximum(1.0 - 0.03 * e, 0.01), np.minimum(0.5 + 0.02 * e, 1.0), val, val_acc,
                       val + 0.01, val_acc - 0.005)


def synthetic_runs() -> WorkflowRuns:
    runs = {(lr, s, d): synthetic_run(i, s, d) for i, lr in enumerate(LRS) for s in SCHEDULES for d in DROPS}
    return WorkflowRuns(LRS, SCHEDULES, DROPS, EPOCHS, runs)


RUNS = synthetic_runs()


# ---- the frame, by hand ------------------------------------------------------------------------

def test_a_stop_by_hand():
    # lr 0.01 (i = 1), constant, dropout 0: minimum at 8 + 6 = 14; patience 5 -> epochs 15..19 do
    # not improve, wait reaches 5 at epoch 19: stop there, 20 epochs trained, restore epoch 14.
    f = workflow_frame(RUNS, 0.01, "constant", 0.0, patience=5)
    assert (f.stop_epoch, f.best_epoch, f.kept_epoch, f.epochs_run, f.diverged_at) == (19, 14, 14, 20, None)
    assert f.kept_val_accuracy == pytest.approx(0.97) and f.kept_test_accuracy == pytest.approx(0.965)
    assert f.kept_test_loss == pytest.approx(1.0 - 0.28 + 0.01)
    assert f.status.startswith("stopped at epoch 19 (patience 5), 20 of 30 epochs trained; restored epoch 14: "
                               "val acc 0.970, test acc 0.965, test loss 0.730") and f.ok


def test_patience_zero_stops_at_the_first_epoch_without_improvement():
    f = workflow_frame(RUNS, 0.01, "constant", 0.0, patience=0)
    assert (f.stop_epoch, f.best_epoch, f.epochs_run) == (15, 14, 16)   # wait 1 >= 0 at epoch 15


def test_patience_beyond_the_run_never_stops_and_still_restores_the_best():
    # minimum 14, 15 rising epochs to 29: patience 16 (or 1000) never reaches wait >= patience
    for patience in (16, 29, 30, workflow.MAX_PATIENCE):
        f = workflow_frame(RUNS, 0.01, "constant", 0.0, patience=patience)
        assert (f.stop_epoch, f.epochs_run, f.kept_epoch) == (None, 30, 14)
        assert f.status.startswith("never stopped: all 30 epochs trained; restored epoch 14")
    assert workflow_frame(RUNS, 0.01, "constant", 0.0, patience=15).stop_epoch == 29   # the last one


def test_still_falling_at_the_end_is_said_and_a_low_accuracy_is_not_ok():
    f = workflow_frame(RUNS, 0.001, "constant", 0.0, patience=3)
    assert (f.stop_epoch, f.kept_epoch) == (None, 29)
    assert "val_loss still falling at the end" in f.status and "below 0.95" in f.status and not f.ok


def test_a_divergence_is_drawn_up_to_it_and_said():
    f = workflow_frame(RUNS, 1.0, "constant", 0.0, patience=10)
    assert (f.diverged_at, f.stop_epoch, f.epochs_run, f.kept_epoch) == (3, None, 4, 0)
    assert len(f.loss) == len(f.val_loss) == len(f.rates) == 3 and np.all(np.isfinite(f.loss))
    assert f.status.startswith("diverged at epoch 3 (training loss nan): learning rate 1 is too high; "
                               "restored epoch 0") and not f.ok
    # without restore_best_weights the model keeps the weights of the nan epoch: no scores
    g = workflow_frame(RUNS, 1.0, "constant", 0.0, patience=10, restore_best_weights=False)
    assert g.kept_epoch is None and g.kept_test_accuracy is None and "nan weights" in g.status and not g.ok
    # patience 1 stops at epoch 1 (0 was the best, 1 is worse): early stopping wins the race
    h = workflow_frame(RUNS, 1.0, "constant", 0.0, patience=1)
    assert (h.stop_epoch, h.diverged_at, h.epochs_run, h.kept_epoch) == (1, None, 2, 0)


def test_a_divergence_at_the_first_epoch_has_nothing_to_restore():
    for restore in (True, False):
        f = workflow_frame(RUNS, 1.0, "constant", 0.5, patience=0, restore_best_weights=restore)
        assert (f.diverged_at, f.epochs_run, f.kept_epoch, f.best_epoch) == (0, 1, None, None)
        assert len(f.loss) == 0 and "nothing to restore" in f.status and not f.ok


# ---- every control moves the frame the way it means -----------------------------------------

def test_the_learning_rate_is_looked_up_on_a_log_scale():
    # 0.004: log10 = -2.40, nearer -2 (0.01) than -3; linearly it is nearer 0.001 (0.003 vs 0.006).
    # 0.35: log10 = -0.46, nearer 0 (1.0) than -1; linearly nearer 0.1. 0.0025: log -2.6 -> 0.001.
    assert workflow_frame(RUNS, 0.004, "constant", 0.0, 5).learning_rate == 0.01
    assert workflow_frame(RUNS, 0.35, "constant", 0.0, 5).diverged_at == 3
    assert workflow_frame(RUNS, 0.0025, "constant", 0.0, 5).learning_rate == 0.001
    key, _ = RUNS.run(3e-3, "plateau", 0.0)
    assert key == (0.001, "plateau", 0.0)          # log10 3e-3 = -2.52: nearer -3


def test_the_learning_rate_moves_the_minimum():
    best = [workflow_frame(RUNS, lr, "constant", 0.0, 3).best_epoch for lr in LRS[:3]]
    assert best == [29, 14, 20]                    # 8 + 6 i, and the still-falling smallest rate


def test_dropout_is_looked_up_linearly_and_moves_the_minimum():
    assert workflow_frame(RUNS, 0.01, "constant", 0.3, 3).dropout == 0.5     # 0.3 nearer 0.5 than 0
    assert workflow_frame(RUNS, 0.01, "constant", 0.2, 3).dropout == 0.0
    assert workflow_frame(RUNS, 0.01, "constant", 0.5, 3).best_epoch == 18   # 14 + 4


def test_the_schedule_picks_its_run_and_a_short_patience_is_warned_about():
    const = workflow_frame(RUNS, 0.01, "constant", 0.0, 3)
    plat = workflow_frame(RUNS, 0.01, "plateau", 0.0, 3)
    assert (const.best_epoch, plat.best_epoch) == (14, 16)
    assert np.all(const.rates == 0.01) and plat.rates[-1] == 0.005
    # patience 3 stops at 19, before the rate is cut (after epoch 19): said; patience 4 stops at
    # 20, and epoch 20 already ran at the halved rate: not said.
    assert plat.stop_epoch == 19 and "never cut the rate before the stop" in plat.status
    later = workflow_frame(RUNS, 0.01, "plateau", 0.0, 4)
    assert later.stop_epoch == 20 and "never cut" not in later.status
    assert "never cut" not in const.status


def test_restore_best_weights_decides_the_kept_epoch():
    on = workflow_frame(RUNS, 0.1, "constant", 0.0, 6, restore_best_weights=True)
    off = workflow_frame(RUNS, 0.1, "constant", 0.0, 6, restore_best_weights=False)
    # minimum 20, stop at 26: restored 20 or kept 26, whose validation loss is 6 x 0.01 higher
    assert (on.kept_epoch, off.kept_epoch) == (20, 26) and on.stop_epoch == off.stop_epoch == 26
    assert off.kept_val_accuracy == pytest.approx(0.97 - 0.1 * 0.06)
    assert "kept epoch 26 (restore_best_weights off)" in off.status and "the best epoch, 20" in off.status


def test_every_setting_stops_where_keras_would():
    for key, run in RUNS.runs.items():
        for patience in (0, 1, 2, 3, 4, 7, 15, 16, 29, 30, 45):
            for restore in (True, False):
                f = workflow_frame(RUNS, *key, patience=patience, restore_best_weights=restore)
                if run.epochs == 0:
                    assert (f.stop_epoch, f.diverged_at, f.kept_epoch) == (None, 0, None)
                    continue
                stop, best = _keras_rule(run.val_loss.tolist(), patience, 0.0)
                assert (f.stop_epoch, f.best_epoch) == (stop, best), (key, patience)
                trained = stop + 1 if stop is not None else run.epochs + (run.diverged_at is not None)
                assert f.epochs_run == trained
                assert f.diverged_at == (run.diverged_at if stop is None else None)
                last = None if f.diverged_at is not None else trained - 1
                assert f.kept_epoch == (best if restore else last)


# ---- bad arguments ---------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, word", [
    ({"learning_rate": 0.0}, "learning_rate"), ({"learning_rate": float("nan")}, "learning_rate"),
    ({"schedule": "cosine"}, "schedule"), ({"dropout": 1.0}, "dropout"), ({"dropout": -0.1}, "dropout"),
    ({"patience": -1}, "patience"), ({"patience": 1.5}, "patience"), ({"patience": 10**6}, "patience"),
    ({"restore_best_weights": "yes"}, "restore_best_weights")])
def test_frame_refuses_bad_arguments(kwargs, word):
    args = {"learning_rate": 0.01, "schedule": "constant", "dropout": 0.0, "patience": 2, **kwargs}
    with pytest.raises((ValueError, TypeError), match=f"^{word}"):   # check_bool raises TypeError
        workflow_frame(RUNS, **args)


def test_frame_refuses_something_else_as_runs():
    with pytest.raises(TypeError, match="^runs must be a WorkflowRuns"):
        workflow_frame({}, 0.01, "constant", 0.0, 2)


def test_records_check_their_curves_and_grid():
    good = synthetic_run(1, "constant", 0.0)
    fields = {name: getattr(good, name) for name in CURVES}
    bad_runs = [({"loss": np.ones(29)}, "^every curve must have the same number of epochs"),
                ({"accuracy": np.full(30, 1.5)}, r"^accuracy must hold at most 1000 values in \[0, 1\]"),
                ({"val_loss": -np.ones(30)}, "^val_loss must hold"),
                ({"loss": np.full(30, np.nan)}, "^loss must contain only finite values"),
                ({"diverged_at": 5}, "^diverged_at must equal the number of epochs before the divergence"),
                ({"divergence": "training loss nan"}, "^diverged_at is None"),
                ({"diverged_at": 30, "divergence": ""}, "^divergence must say which loss")]
    for change, message in bad_runs:
        with pytest.raises(ValueError, match=message):
            WorkflowRun(**{**fields, **change})
    runs = dict(RUNS.runs)
    grid = {"learning_rates": LRS, "schedules": SCHEDULES, "dropouts": DROPS, "epochs": EPOCHS, "runs": runs}
    bad_grids = [({"learning_rates": (0.01, 0.001, 0.1, 1.0)}, "^learning_rates must be 1 to 20 increasing"),
                 ({"learning_rates": (0.0, 0.01, 0.1, 1.0)}, "^learning_rates must be"),
                 ({"dropouts": (0.0, 1.0)}, "^dropouts must be"),
                 ({"schedules": ("constant", "constant")}, "^schedules must be"),
                 ({"schedules": "constant"}, "^schedules must be"),
                 ({"epochs": 31}, r"^runs\[.*\] must have 31 epochs"),
                 ({"runs": {k: v for k, v in runs.items() if k != (0.01, "plateau", 0.5)}},
                  r"^runs must hold one run per combination of learning_rates x schedules x dropouts; "
                  r"missing \[\(0.01, 'plateau', 0.5\)\]")]
    for change, message in bad_grids:
        with pytest.raises(ValueError, match=message):
            WorkflowRuns(**{**grid, **change})
    with pytest.raises(TypeError, match="^runs"):
        WorkflowRuns(**{**grid, "runs": {**runs, (0.01, "plateau", 0.5): "a run"}})


def columns_of(runs: WorkflowRuns) -> dict:
    """The file's layout, written out from a record: a diverged run gets a last row of nan."""
    rows = []
    for (lr, s, d), run in runs.runs.items():
        for e in range(run.epochs):
            rows.append([lr, s, d, e] + [float(getattr(run, c)[e]) for c in CURVES])
        if run.diverged_at is not None:
            rows.append([lr, s, d, run.diverged_at] + [math.nan] * len(CURVES))
    table = list(zip(*rows))
    return {name: np.array(col, dtype=str if name == "schedule" else float) for name, col in zip(COLUMNS, table)}


def test_from_columns_reads_back_what_was_written():
    back = WorkflowRuns.from_columns(columns_of(RUNS))
    assert (back.learning_rates, back.schedules, back.dropouts, back.epochs) == (LRS, SCHEDULES, DROPS, EPOCHS)
    for key, run in RUNS.runs.items():
        got = back.runs[key]
        assert (got.diverged_at, got.divergence) == (run.diverged_at, run.divergence)
        for c in CURVES:
            np.testing.assert_array_equal(getattr(got, c), getattr(run, c))
    cols = columns_of(RUNS)
    cols["epoch"] = cols["epoch"][::-1].copy()
    with pytest.raises(ValueError, match=r"^columns do not hold a valid grid of runs: the epochs of run "
                                         r"\(0.001, 'constant', 0.0\) must count 0, 1, \.\.\."):
        WorkflowRuns.from_columns(cols)
    cols = columns_of(RUNS)
    cols["loss"][5] = np.nan           # a nan inside a run (not its last row) is damage, not divergence
    with pytest.raises(ValueError, match="^columns do not hold a valid grid of runs: loss must contain only finite"):
        WorkflowRuns.from_columns(cols)
    cols = columns_of(RUNS)
    last = np.flatnonzero((cols["initial_learning_rate"] == 0.01) & (cols["schedule"] == "plateau")
                          & (cols["dropout"] == 0.5))[-1]
    cols["val_loss"][last] = np.inf    # only the validation loss overflowed at the last epoch
    back = WorkflowRuns.from_columns(cols).runs[(0.01, "plateau", 0.5)]
    assert (back.diverged_at, back.divergence, back.epochs) == (29, "validation loss inf", 29)
    with pytest.raises(ValueError, match="^columns do not hold a valid grid of runs: runs must hold one run"):
        WorkflowRuns.from_columns({k: v[:-40] for k, v in columns_of(RUNS).items()})
    with pytest.raises(ValueError, match="^columns must be a dict with the keys"):
        WorkflowRuns.from_columns({k: v for k, v in columns_of(RUNS).items() if k != "loss"})


# ---- the widget ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def explorer():
    return WorkflowExplorer(RUNS, learning_rate=0.01, schedule="constant", dropout=0.0, patience=5)


def _set(ui, **values):
    for key, value in values.items():
        ui.controls[key].value = value
    return ui.frame


def test_every_control_reaches_the_frame_and_the_figure(explorer):
    ui = explorer
    f = _set(ui, learning_rate=0.01, schedule="constant", dropout=0.0, patience=5, restore_best_weights=True)
    assert (f.stop_epoch, f.kept_epoch) == (19, 14)
    assert list(ui.stop_lines[0].get_xdata()) == [19, 19] and list(ui.kept_dots[0].get_xdata()) == [14]
    assert ui.status.value.startswith('<span style="color:#1a7f37; font-weight:600">lr=0.01, constant, '
                                      'dropout=0, patience=5: stopped at epoch 19')
    # what is drawn: the run's curves, the untrained epochs 19..29 shaded, the kept epoch circled
    run = RUNS.runs[(0.01, "constant", 0.0)]
    np.testing.assert_array_equal(ui.val_line.get_ydata(), run.val_loss)
    np.testing.assert_array_equal(ui.acc_line.get_ydata(), run.accuracy)
    assert all((shade.get_x(), shade.get_width()) == (19, 10) for shade in ui.shades)
    assert list(ui.kept_dots[0].get_ydata()) == [run.val_loss[14]] and list(ui.kept_dots[1].get_ydata()) == [0.97]
    # fixed axes: losses from the smallest stored (training loss 1 - 0.03 x 29 = 0.13, / 1.5) to the
    # ceiling; rates from half the smallest (0.001: its plateau run, still improving at epoch 29, is
    # never cut) to twice the largest (2)
    (lo, hi), acc, (r_lo, r_hi) = ui._limits
    assert (lo, hi, acc) == (pytest.approx(0.13 / 1.5), workflow.LOSS_CEILING, (0.0, 1.02))
    assert (r_lo, r_hi) == (pytest.approx(0.0005), 2.0)
    png = ui.live.png
    changes = [("learning_rate", 0.1, lambda g: g.best_epoch == 20), ("dropout", 0.5, lambda g: g.best_epoch == 24),
               ("schedule", "plateau", lambda g: g.best_epoch == 26), ("patience", 2, lambda g: g.stop_epoch == 28),
               ("restore_best_weights", False, lambda g: g.kept_epoch == 28)]
    for name, value, holds in changes:
        g = _set(ui, **{name: value})
        assert holds(g), (name, g)
        assert ui.live.png != png, name      # the figure was redrawn
        png = ui.live.png
    np.testing.assert_allclose(ui.rate_line.get_ydata(), RUNS.runs[(0.1, "plateau", 0.5)].learning_rate)
    assert "lr=0.1, plateau, dropout=0.5, patience=2: stopped at epoch 28" in ui.status.value


def test_extremes_still_draw(explorer):
    ui = explorer
    f = _set(ui, learning_rate=1.0, schedule="constant", dropout=0.0, patience=40, restore_best_weights=True)
    assert f.diverged_at == 3 and list(ui.diverged_mark.get_xdata()) == [3]
    assert ui.diverged_mark.get_ydata()[0] > 1e2          # near the top of the loss axis
    assert len(ui.loss_line.get_xdata()) == 3 and "b42318" in ui.status.value      # red: not ok
    assert list(ui.stop_lines[0].get_xdata()) == [3, 3]
    f = _set(ui, dropout=0.5)                       # diverged at epoch 0: empty curves
    assert len(ui.val_line.get_xdata()) == 0 and list(ui.kept_dots[0].get_xdata()) == []
    assert "nothing to restore" in ui.status.value and ui.live.png.startswith(b"\x89PNG")
    f = _set(ui, learning_rate=0.01, dropout=0.0, patience=ui.controls["patience"].max)
    assert f.stop_epoch is None and list(ui.stop_lines[0].get_xdata()) == [] and list(ui.diverged_mark.get_xdata()) == []
    assert all(shade.get_width() == 0 for shade in ui.shades)      # every epoch trained: nothing shaded
    assert "1a7f37" in ui.status.value
    f = _set(ui, patience=0)
    assert f.stop_epoch == 15


def test_losses_off_the_chart_leave_a_gap_and_tiny_ones_sit_on_the_axis():
    low, high = 0.01, 30.0
    np.testing.assert_array_equal(workflow._on_chart(np.array([1e-9, 1.0, 1e30]), low, high), [0.01, 1.0, np.nan])


def test_explorer_refusals(explorer):
    assert all(c.style.description_width == "initial" for c in explorer.controls.values())
    assert (explorer.controls["patience"].min, explorer.controls["patience"].max) == (0, EPOCHS)
    # each refused before a figure is built
    for kwargs, word in [({"patience": 31}, "patience"), ({"max_patience": 0}, "max_patience"),
                         ({"schedule": "cosine"}, "schedule"), ({"learning_rate": -1.0}, "learning_rate"),
                         ({"restore_best_weights": 1}, "restore_best_weights")]:
        with pytest.raises((ValueError, TypeError), match=f"^{word}"):
            WorkflowExplorer(RUNS, **kwargs)
    with pytest.raises(TypeError, match="^runs"):
        WorkflowExplorer(runs="runs")


# ---- the shipped runs -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def shipped():
    return WorkflowRuns.load()


def test_the_shipped_grid_is_the_generators(shipped):
    assert (shipped.learning_rates, shipped.schedules, shipped.dropouts, shipped.epochs) == (
        workflow.LEARNING_RATES, workflow.SCHEDULES, workflow.DROPOUTS, workflow.EPOCHS)
    columns = data.load_workflow_runs()
    assert tuple(columns) == COLUMNS and len(columns["epoch"]) == data.FILES["workflow_runs.csv"][1]
    # only the largest rate (SGD with momentum 0.9 at 1.0) blows up; it always does unless
    # ReduceLROnPlateau cuts it in time (a cut rate is visible in the run's learning_rate)
    for (lr, s, d), run in shipped.runs.items():
        assert run.diverged_at is None or lr == 1.0, (lr, s, d)
        if lr == 1.0 and s != "plateau":
            assert run.diverged_at is not None and run.divergence.endswith(("nan", "inf")), (s, d)
        if lr == 1.0 and run.diverged_at is None:
            assert run.learning_rate.min() < 1.0


def test_the_shipped_rates_are_what_each_schedule_says(shipped):
    steps = math.ceil(1079 / 32)   # 1,079 training digits (train_val_test_split's sizes), batches of 32
    for (lr, s, d), run in shipped.runs.items():
        e = np.arange(run.epochs)
        if s == "constant":
            np.testing.assert_allclose(run.learning_rate, lr, rtol=1e-7)
        elif s == "cosine":   # Keras's CosineDecay read after the epoch's last step: lr (1 + cos(pi t / T)) / 2
            want = lr * 0.5 * (1 + np.cos(np.pi * (e + 1) * steps / (workflow.EPOCHS * steps)))
            np.testing.assert_allclose(run.learning_rate, want, rtol=1e-5, atol=lr * 1e-6)
        else:
            np.testing.assert_allclose(run.learning_rate, keras_plateau_rates(run.val_loss, lr), rtol=1e-6)


def keras_plateau_rates(val_loss, lr):
    """Rates in use per epoch under keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=3) as
    Keras 3 writes it (min_delta 1e-4, cooldown 0): an improvement is v < best - min_delta; else
    wait += 1, and at wait >= patience the rate is halved (a float32 variable) and wait restarts."""
    rates, best, wait = [], np.inf, 0
    for v in val_loss:
        rates.append(lr)
        if v < best - 1e-4:
            best, wait = v, 0
        else:
            wait += 1
            if wait >= 3:
                lr, wait = float(np.float32(lr * 0.5)), 0
    return np.array(rates)


def test_the_shipped_runs_teach_what_the_notebook_says(shipped):
    good = workflow_frame(shipped, 0.01, "constant", 0.2, patience=10)
    assert good.diverged_at is None and good.ok and good.kept_val_accuracy > 0.95
    assert good.kept_test_accuracy > 0.95
    bad = workflow_frame(shipped, 1.0, "constant", 0.0, patience=10)
    assert bad.diverged_at is not None and bad.status.startswith("diverged at epoch")
    # at the smallest rate the first epoch barely moves the weights: its mean loss is near the
    # loss of uniform predictions, ln 10 (the check of issue 10, point 3)
    assert abs(shipped.runs[(0.001, "constant", 0.0)].loss[0] - math.log(10)) < 0.15


def test_the_runs_share_their_seeded_start(shipped):
    # Same initial weights, batches and dropout masks: a plateau run is the constant run of the same
    # rate and dropout, number for number, until the first epoch trained at a cut rate.
    for lr in workflow.LEARNING_RATES:
        for d in workflow.DROPOUTS:
            c, p = shipped.runs[(lr, "constant", d)], shipped.runs[(lr, "plateau", d)]
            cut = np.flatnonzero(p.learning_rate < lr * (1 - 1e-6))   # stored: float32 to 9 digits
            k = min(cut[0] if cut.size else p.epochs, c.epochs, p.epochs)
            assert k >= workflow.PLATEAU_PATIENCE + 1 or c.epochs < workflow.PLATEAU_PATIENCE + 1
            for name in CURVES:
                np.testing.assert_array_equal(getattr(c, name)[:k], getattr(p, name)[:k], err_msg=(lr, d, name))
            if cut.size and cut[0] < min(c.epochs, p.epochs):
                assert c.loss[cut[0]] != p.loss[cut[0]]    # and they part where the rate was cut


@pytest.mark.tf
def test_the_generator_repeats_the_stored_rows():
    """Two epochs of one configuration, trained again, against the stored rows. Tolerance: losses to
    1e-4 relative (same machine: bit for bit; another CPU's kernels differ around 1e-5), accuracies
    to one sample of the set they count."""
    gen = generator()
    rows = np.array(gen.train_run(0.01, "cosine", 0.2, gen.digits_split(), epochs=2))
    run = WorkflowRuns.load().runs[(0.01, "cosine", 0.2)]
    np.testing.assert_array_equal(rows[:, 0], [0, 1])
    for j, name in enumerate(CURVES, start=1):
        stored = getattr(run, name)[:2]
        if name.endswith("accuracy"):
            n = {"accuracy": 1079, "val_accuracy": 359, "test_accuracy": 359}[name]
            np.testing.assert_allclose(rows[:, j], stored, rtol=0, atol=1.01 / n, err_msg=name)
        else:
            np.testing.assert_allclose(rows[:, j], stored, rtol=1e-4, err_msg=name)


def one_run_grid(val_accuracy_at_best: float) -> WorkflowRuns:
    """A 1 x 1 x 1 grid of 4 epochs whose best epoch (1) has the given validation accuracy."""
    val = np.array([1.0, 0.5, 0.6, 0.7])
    run = WorkflowRun(np.full(4, 0.1), np.linspace(1, 0.1, 4), np.full(4, 0.9), val,
                      np.array([0.5, val_accuracy_at_best, 0.9, 0.9]), val, np.full(4, 0.9))
    return WorkflowRuns((0.1,), ("constant",), (0.0,), 4, {(0.1, "constant", 0.0): run})


def test_a_kept_model_is_good_from_exactly_the_named_accuracy():
    at = workflow_frame(one_run_grid(workflow.GOOD_VAL_ACCURACY), 0.1, "constant", 0.0, 1)
    below = workflow_frame(one_run_grid(np.nextafter(workflow.GOOD_VAL_ACCURACY, 0)), 0.1, "constant", 0.0, 1)
    assert (at.kept_epoch, at.ok, below.ok) == (1, True, False)
    assert "below 0.95" in below.status and "below" not in at.status


def test_losses_are_printed_to_three_decimals_until_they_blow_up():
    assert workflow._loss_text(0.26049) == "0.260" and workflow._loss_text(99.5) == "99.500"
    assert workflow._loss_text(100.0) == "100" and workflow._loss_text(4013415.75) == "4.01e+06"


def test_max_patience_bounds_patience():
    # refused before any figure is built (the slider's max would clamp 9 to 8 silently)
    with pytest.raises(ValueError, match="^patience must be an integer >= 0 and <= 8, got 9"):
        WorkflowExplorer(RUNS, patience=9, max_patience=8)


def test_the_notebook_usage_on_the_shipped_runs():
    """What H5-API.md tells notebook 08 to write, and the checks it suggests."""
    ui = WorkflowExplorer(schedule="plateau")
    assert {k: c.value for k, c in ui.controls.items()} == {   # the defaults: a sound setting
        "learning_rate": 0.01, "schedule": "plateau", "dropout": 0.2, "patience": 10, "restore_best_weights": True}
    assert ui.controls["patience"].max == workflow.EPOCHS      # max_patience None: the run length
    assert [o[1] for o in ui.controls["learning_rate"].options] == list(workflow.LEARNING_RATES)
    assert list(ui.controls["schedule"].options) == list(workflow.SCHEDULES)
    ui.controls["schedule"].value = "constant"
    ui.controls["learning_rate"].value = 1.0          # SGD + momentum 0.9 at rate 1 blows up
    assert ui.frame.diverged_at is not None and ui.frame.status.startswith("diverged at epoch")
    ui.controls["learning_rate"].value = 0.01
    ui.controls["patience"].value = 5
    assert ui.frame.kept_epoch == ui.frame.best_epoch and ui.frame.kept_val_accuracy > 0.95


def generator():
    """scripts/make_workflow_runs.py, imported (it imports TensorFlow only inside train_run and main)."""
    from pathlib import Path
    scripts = str(Path(__file__).resolve().parents[1] / "scripts")
    if scripts not in sys.path:
        sys.path.insert(0, scripts)
    import make_workflow_runs
    return make_workflow_runs


def test_the_generator_writes_what_the_loader_reads():
    gen = generator()
    X, y, Xv, yv, Xt, yt = gen.digits_split()
    assert (len(y), len(yv), len(yt)) == (1079, 359, 359)          # train_val_test_split's 60/20/20
    np.testing.assert_allclose(X.mean(axis=0), 0, atol=1e-5)      # standardized with training statistics
    assert X.dtype == np.float32 and np.bincount(y).min() >= 100   # stratified: every digit in training
    # nine significant digits give back every float32 exactly; nan and inf are written as words
    for v in (np.float32(0.1), np.float32(2.3025851), np.float32(1e-30), np.float32(3.4e38)):
        assert np.float32(float(gen.number(float(v)))) == v
    assert (gen.number(math.nan), gen.number(math.inf), gen.number(-math.inf)) == ("nan", "inf", "-inf")
    header = (data.DATA_DIR / "workflow_runs.csv").read_text().split("\n", 1)[0]
    assert tuple(header.split(",")) == COLUMNS
