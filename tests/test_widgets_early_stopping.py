"""The early-stopping explorer of notebook 07: the pure frame function and the live widget.

Expected stopping points are derived by hand from Keras's rule (wait += 1 each epoch, reset
on an improvement "by more than min_delta", stop once wait >= patience), written next to
each case.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.widgets.early_stopping import (EarlyStoppingExplorer, StoredRun, early_stopping_frame,
                                               patience_tradeoff)

VAL = [1.0, 0.6, 0.5, 0.52, 0.49, 0.55, 0.6, 0.7]
TEST = [1.0, 0.55, 0.46, 0.44, 0.43, 0.47, 0.5, 0.6]


def test_frame_stops_where_the_rule_says():
    # patience 2, min_delta 0: best 0.49 at epoch 4 (0.52 at epoch 3 is a wait of 1);
    # epochs 5 and 6 do not improve -> wait 2 at epoch 6 -> stop there, 7 epochs run.
    f = early_stopping_frame(VAL, TEST, patience=2, min_delta=0.0, max_patience=3)
    assert (f.stop_epoch, f.best_epoch, f.epochs_run) == (6, 4, 7)
    assert f.restored_test == 0.43 and f.oracle_epoch == 4 and f.ok


def test_min_delta_turns_a_small_gain_into_no_improvement():
    # min_delta 0.02: 0.49 beats 0.5 by only 0.01 -> best stays epoch 2; wait hits 2 at epoch 4.
    f = early_stopping_frame(VAL, TEST, patience=2, min_delta=0.02, max_patience=3)
    assert (f.stop_epoch, f.best_epoch) == (4, 2)
    assert f.restored_test == 0.46          # 0.46 > 1.05 * 0.43 = 0.4515: judged a poor stop
    assert not f.ok and "too early" in f.status


def test_patience_longer_than_the_run_never_stops():
    f = early_stopping_frame(VAL, TEST, patience=10, min_delta=0.0, max_patience=10)
    assert f.stop_epoch is None and f.epochs_run == len(VAL) and f.best_epoch == 4
    assert "never stopped" in f.status and not f.ok


def test_tradeoff_lists_every_patience():
    # patience 0: stop at epoch 3 (first non-improvement), best 2; 1: epoch 3 wait 1 -> stop, best 2;
    # 2: epoch 6 (see above), best 4; 3: epoch 7, best 4.
    epochs, test = patience_tradeoff(VAL, TEST, 0.0, 3)
    assert epochs.tolist() == [4, 4, 7, 8]
    assert test.tolist() == [0.46, 0.46, 0.43, 0.43]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.01, 5.0), min_size=2, max_size=60), st.sampled_from([0.0, 0.01, 0.1]))
def test_more_patience_never_stops_sooner(values, min_delta):
    epochs, _ = patience_tradeoff(values, np.ones(len(values)), min_delta, 8)
    assert np.all(np.diff(epochs) >= 0)
    assert np.all((1 <= epochs) & (epochs <= len(values)))


@pytest.mark.parametrize("kwargs, word", [({"patience": -1}, "patience"), ({"min_delta": -0.1}, "min_delta"),
                                          ({"patience": 1.5}, "patience")])
def test_bad_arguments_raise(kwargs, word):
    args = {"patience": 2, "min_delta": 0.0, **kwargs}
    with pytest.raises(ValueError, match=word):
        early_stopping_frame(VAL, TEST, **args)


def test_stored_run_checks_lengths_and_labels():
    with pytest.raises(ValueError, match="epochs"):
        StoredRun(np.ones(5), {"a": np.ones(4)}, np.ones(5))
    with pytest.raises(ValueError, match="val_loss"):
        StoredRun(np.ones(5), {}, np.ones(5))
    with pytest.raises(ValueError, match="noise"):
        EarlyStoppingExplorer(_run(), noise="no such set")


def _run(epochs=120, seed=0):
    """A U-shaped reference curve and validation curves with growing, seeded noise."""
    rng = np.random.default_rng(seed)
    e = np.arange(epochs)
    test = 0.2 + 2.0 * np.exp(-e / 8) + 0.002 * e
    vals = {f"{n} samples": test * np.exp(rng.normal(0, 1 / np.sqrt(n), epochs)) for n in (1000, 100, 10)}
    return StoredRun(2.2 * np.exp(-e / 10) + 1e-3, vals, test)


def test_controls_drive_the_figure_and_extremes_still_draw():
    ui = EarlyStoppingExplorer(_run(), patience=10)
    first = ui.live.png
    ui.controls["patience"].value = 0
    ui.controls["noise"].value = "10 samples"
    assert ui.frame.epochs_run < 120 and ui.live.png != first
    assert ui.val_label.get_text() == "validation loss (10 samples)"   # the legend names the set
    ui.controls["patience"].value = ui.controls["patience"].max
    ui.controls["min_delta"].value = ui.controls["min_delta"].max
    f = ui.frame
    xs, ys = ui.val_line.get_data()
    assert len(xs) == 120 and np.all(np.isfinite(ys))
    assert f.best_epoch <= (f.stop_epoch if f.stop_epoch is not None else 119)
    assert ("b42318" in ui.status.value) != f.ok
    assert ui.live.png.startswith(b"\x89PNG")


def test_controls_show_their_whole_description():
    ui = EarlyStoppingExplorer(_run())
    assert all(c.style.description_width == "initial" for c in ui.controls.values())


# ---- every control moves the frame the way it means (section 5 of issue 9) ----------------
# The reference is Keras 3's EarlyStopping.on_epoch_end, written out here (monitor val_loss,
# mode min, no baseline): wait += 1; an improvement is current - (-min_delta) < best (Keras
# negates min_delta in mode min; float32, as Keras compares tensors), which sets best and
# resets wait; else stop once wait >= patience
# (and epoch > 0). It shares no code with course_lib.early_stopping.

def keras_stop(values, patience, min_delta):
    """(stop_epoch or None, best_epoch, improvements) by Keras's rule."""
    best, best_epoch, wait, improvements = np.float32(np.inf), 0, 0, 0
    for epoch, v in enumerate(np.asarray(values, dtype=np.float32)):
        wait += 1
        if v + np.float32(min_delta) < best:
            best, best_epoch, wait, improvements = v, epoch, 0, improvements + 1
            continue
        if wait >= patience and epoch > 0:
            return epoch, best_epoch, improvements
    return None, best_epoch, improvements


def _steps_run():
    """Curves built so that every control matters. "smooth" falls by 0.01 per epoch for 20
    epochs, then rises; "creeping" falls by only 0.001 per epoch for 40 epochs, then rises (a
    min_delta of 0.0025 sees an improvement every 3rd epoch, one of 0.05 none at all)."""
    e = np.arange(60)
    val = np.where(e < 20, 1.0 - 0.01 * e, 0.81 + 0.002 * (e - 19))
    creeping = np.where(e < 40, 1.0 - 0.001 * e, 0.961 + 0.002 * (e - 39))
    return StoredRun(np.linspace(1.0, 0.1, 60), {"smooth": val, "creeping": creeping}, val + 0.05)


RUN = _steps_run()


@pytest.fixture(scope="module")
def explorer():
    return EarlyStoppingExplorer(RUN, patience=0, noise="smooth")


def test_the_widget_stops_where_keras_would_for_every_setting(explorer):
    ui = explorer
    for noise in ("smooth", "creeping"):
        ui.controls["noise"].value = noise
        for min_delta in (0.0, 0.0025, 0.0125, 0.05):
            ui.controls["min_delta"].value = min_delta
            for patience in (0, 1, 4, 9, 25, 40):
                ui.controls["patience"].value = patience
                stop, best, _ = keras_stop(RUN.val_loss[noise], patience, min_delta)
                assert (ui.frame.stop_epoch, ui.frame.best_epoch) == (stop, best), (noise, min_delta, patience)
                assert ui.frame.epochs_run == (60 if stop is None else stop + 1)
                # what is drawn: the chosen curve, the stop line at the last trained epoch
                np.testing.assert_allclose(ui.val_line.get_ydata(), np.clip(RUN.val_loss[noise], *ui._ylim))
                assert list(ui.stop_line.get_xdata()) == ([] if stop is None else [stop, stop])
                assert ui.best_dot.get_xdata()[0] == best


def test_larger_patience_stops_later_and_strictly_later_on_a_rising_curve(explorer):
    ui = explorer
    ui.controls["noise"].value, ui.controls["min_delta"].value = "smooth", 0.0
    stops = []
    for p in range(0, 41):
        ui.controls["patience"].value = p
        stops.append(ui.frame.epochs_run)
    # by hand: best at epoch 19 (the last fall), only rises after: patience p >= 1 stops at
    # epoch 19 + p (20 + p epochs run); patience 0 stops at the first worse epoch, 20
    assert stops == [21] + [min(20 + p, 60) for p in range(1, 41)]


def test_larger_min_delta_counts_fewer_improvements_and_stops_sooner(explorer):
    # "creeping" by hand, patience 5: min_delta 0 -> improvements at every epoch to 39, stop 44;
    # 0.0025 -> improvements every 3rd epoch (gain 0.003 > 0.0025): epochs 0, 3, ..., 39, stop 44;
    # 0.05 -> no gain ever exceeds it (0.039 in all): best stays epoch 0, stop at epoch 5.
    ui = explorer
    ui.controls["noise"].value, ui.controls["patience"].value = "creeping", 5
    seen = {}
    for d in (0.0, 0.0025, 0.05):
        ui.controls["min_delta"].value = d
        seen[d] = (ui.frame.stop_epoch, ui.frame.best_epoch)
    assert seen == {0.0: (44, 39), 0.0025: (44, 39), 0.05: (5, 0)}
    counts = [keras_stop(RUN.val_loss["creeping"], 60, d)[2] for d in (0.0, 0.0025, 0.0125, 0.05)]
    assert counts == [40, 14, 4, 1]   # 40 falls; every 3rd; every 13th (0.013 > 0.0125); only epoch 0


def test_the_noise_control_selects_the_curve_it_names(explorer):
    ui = explorer
    ui.controls["min_delta"].value, ui.controls["patience"].value = 0.0, 2
    ui.controls["noise"].value = "smooth"
    assert (ui.frame.stop_epoch, ui.frame.best_epoch) == (21, 19)
    ui.controls["noise"].value = "creeping"
    assert (ui.frame.stop_epoch, ui.frame.best_epoch) == (41, 39)
    assert ui.val_label.get_text() == "validation loss (creeping)"


def test_the_tradeoff_panel_follows_min_delta():
    ui = EarlyStoppingExplorer(RUN, patience=5, noise="creeping", max_patience=10)
    ui.controls["min_delta"].value = 0.05
    want = [keras_stop(RUN.val_loss["creeping"], p, 0.05)[0] for p in range(11)]
    assert ui.frame.tradeoff_epochs.tolist() == [max(p, 1) + 1 for p in range(11)] == \
        [60 if s is None else s + 1 for s in want]
    assert list(ui.trade_dots.get_xdata()) == ui.frame.tradeoff_epochs.tolist()
    assert ui.trade_now.get_xdata()[0] == ui.frame.tradeoff_epochs[5]


def test_control_defaults_and_ranges():
    ui = EarlyStoppingExplorer(RUN)
    # Keras's EarlyStopping defaults to min_delta=0 (kept); its patience=0 would stop at the
    # first noisy epoch, so the explorer starts at 10 and offers 0..max_patience
    assert ui.controls["min_delta"].value == 0.0 and ui.controls["patience"].value == 10
    assert (ui.controls["patience"].min, ui.controls["patience"].max) == (0, 40)
    assert ui.controls["noise"].value == "creeping"   # the middle label (of 2: index 1)


@pytest.mark.parametrize("kwargs, word", [({"patience": 41}, "patience"), ({"min_delta": 0.06}, "min_delta"),
                                          ({"max_patience": 0}, "max_patience"), ({"noise": 3}, "noise")])
def test_explorer_refuses_values_its_sliders_would_clamp(kwargs, word):
    with pytest.raises(ValueError, match=word):
        EarlyStoppingExplorer(RUN, **kwargs)


def test_bounds_on_curve_length_and_patience():
    with pytest.raises(ValueError, match="max_patience"):
        patience_tradeoff([1.0, 0.5], [1.0, 0.5], 0.0, 10**6)
    with pytest.raises(ValueError, match="val_loss"):
        patience_tradeoff(np.ones(10**5), np.ones(10**5), 0.0, 3)
    # patience beyond the run gives the no-stop point, computed once
    epochs, _ = patience_tradeoff([1.0, 0.9, 0.95], [1.0, 0.9, 0.95], 0.0, 200)
    assert epochs.tolist() == [3] * 201


@pytest.mark.tf
def test_keras_named_defaults_match_keras():
    import inspect

    import keras
    keras_default = inspect.signature(keras.callbacks.EarlyStopping).parameters["min_delta"].default
    assert EarlyStoppingExplorer(RUN).controls["min_delta"].value == keras_default == 0
    assert inspect.signature(EarlyStoppingExplorer).parameters["min_delta"].default == keras_default


def test_stored_run_checks_every_curve_and_keeps_them_as_arrays():
    train, vals, test = [1.0, 0.5, 0.4], {"a": [1.0, 0.6, 0.7]}, [1.0, 0.55, 0.6]
    run = StoredRun(train, vals, test)
    assert isinstance(run.train_loss, np.ndarray) and isinstance(run.test_loss, np.ndarray)
    assert isinstance(run.val_loss["a"], np.ndarray) and run.epochs == 3
    assert StoredRun([0.0, 1.0], {"a": [0.0, 1e300]}, [1.0, 0.0]).epochs == 2      # the edges are allowed
    bad = [({"train_loss": [1.0]}, r"^train_loss must hold 2 to 2000 losses in \[0, 1e300\], not all 0, got 1"),
           ({"train_loss": np.ones(2001)}, "^train_loss must hold 2 to 2000"),
           ({"test_loss": [1.0, -0.1, 0.5]}, "^test_loss must hold"),
           ({"test_loss": [0.0, 0.0, 0.0]}, "^test_loss must hold"),
           ({"test_loss": [1.0, 2e300, 0.5]}, "^test_loss must hold"),
           ({"val_loss": {"a": [1.0, float("nan"), 0.5]}}, r"^val_loss\['a'\] must contain only finite"),
           ({"val_loss": {"a": [1.0, 0.5]}}, r"^every curve must have 3 epochs like train_loss, got test_loss 3, "
                                             r"val_loss \[2\]"),
           ({"val_loss": {3: [1.0, 0.5, 0.4]}}, "^val_loss's labels must be strings"),
           ({"val_loss": []}, "^val_loss must be a non-empty dict")]
    for change, message in bad:
        args = {"train_loss": train, "val_loss": vals, "test_loss": test, **change}
        with pytest.raises(ValueError, match=message):
            StoredRun(**args)


# ---- what mutation testing found unchecked (make mutation PATHS=course_lib/widgets/early_stopping.py) ----

def test_curves_limits_and_messages():
    # a nan validation epoch is allowed (never an improvement); the test curve must be finite, same length
    epochs, test = patience_tradeoff([1.0, np.nan, 0.9, 1.0], [1.0, 0.8, 0.7, 0.9], 0.0, 2)
    assert epochs.tolist() == [2, 2, 4] and test.tolist() == [1.0, 1.0, 0.7]   # patience 2 waits past the nan
    assert patience_tradeoff(np.linspace(1, 0.5, 2000), np.ones(2000), 0.0, 0)[0].tolist() == [2000]
    for args, text in [((np.ones(2001), np.ones(2001), 0.0, 1), r"^val_loss must have at most 2000 epochs, got 2001$"),
                       (([1.0, 0.5], [1.0], 0.0, 1), r"^test_loss must have 2 epochs like val_loss, got 1$"),
                       (([1.0, 0.5], [1.0, np.nan], 0.0, 1), r"^test_loss must"),
                       (([1.0, 0.5], [[1.0], [0.5]], 0.0, 1), r"^test_loss must have 1 dimension"),
                       (([[1.0, 0.5]], [1.0, 0.5], 0.0, 1), r"^val_loss must"),
                       (([1.0, 0.5], [1.0, 0.5], -1e-9, 1), r"^min_delta must"),
                       (([1.0, 0.5], [1.0, 0.5], 0.0, -1), r"^max_patience must"),
                       (([1.0, 0.5], [1.0, 0.5], 0.0, 201), r"^max_patience must be an integer >= 0 and <= 200")]:
        with pytest.raises(ValueError, match=text):
            patience_tradeoff(*args)
    assert len(patience_tradeoff([1.0, 0.5], [1.0, 0.5], 0.0, 200)[0]) == 201


def test_stored_curves_must_be_one_dimensional():
    for change, name in [({"train_loss": [[1.0, 0.5], [0.4, 0.3]]}, "train_loss"),
                         ({"test_loss": [[1.0, 0.5], [0.4, 0.3]]}, "test_loss"),
                         ({"val_loss": {"a": [[1.0, 0.5], [0.4, 0.3]]}}, r"val_loss\['a'\]")]:
        args = {"train_loss": [1.0, 0.5], "val_loss": {"a": [1.0, 0.6]}, "test_loss": [1.0, 0.55], **change}
        with pytest.raises(ValueError, match=rf"^{name} must have 1 dimension"):
            StoredRun(**args)


def test_frame_defaults_limits_and_tradeoff_length():
    f = early_stopping_frame(VAL, TEST, 2, 0.0)                   # max_patience 40: 41 patience values
    assert len(f.tradeoff_epochs) == len(f.tradeoff_test) == 41
    f = early_stopping_frame(VAL, TEST, 5, 0.0, max_patience=3)   # widened to the patience used
    assert len(f.tradeoff_epochs) == 6 and f.tradeoff_epochs[5] == f.epochs_run
    assert early_stopping_frame(VAL, TEST, 200, 0.0, 0).stop_epoch is None
    for kwargs, text in [({"patience": 201}, r"^patience must be an integer >= 0 and <= 200"),
                         ({"max_patience": 201}, r"^max_patience must"), ({"min_delta": np.inf}, r"^min_delta must")]:
        with pytest.raises(ValueError, match=text):
            early_stopping_frame(VAL, TEST, **{"patience": 2, "min_delta": 0.0, **kwargs})


def test_judged_sentences_in_full_and_the_five_percent_rule():
    f = early_stopping_frame(VAL, TEST, 2, 0.0, 3)
    assert f.status == "stopped at epoch 6, 7 of 8 epochs trained (88 %); restored epoch 4: test loss 0.430 " \
                       "(best possible 0.430, epoch 4)" and f.ok is True
    f = early_stopping_frame(VAL, TEST, 2, 0.02, 3)
    assert f.status == "stopped at epoch 4, 5 of 8 epochs trained (62 %); restored epoch 2: test loss 0.460 " \
                       "(best possible 0.430, epoch 4) — too early: noise or a large min_delta ended training"
    f = early_stopping_frame(VAL, TEST, 10, 0.0, 10)
    assert f.status == "never stopped: all 8 epochs trained, nothing saved; restored epoch 4: test loss 0.430 " \
                       "(best possible 0.430, epoch 4)" and f.ok is False
    # restored exactly 1.05 x the best (0.525 = 1.05 / 2 in float64) is still good; just above is not
    val, test = [1.0, 0.5, 0.6, 0.7], [1.0, 0.525, 0.5, 0.9]
    f = early_stopping_frame(val, test, 1, 0.0, 1)
    assert (f.best_epoch, f.oracle_epoch, f.restored_test, f.ok) == (1, 2, 0.525, True)
    f = early_stopping_frame(val, [1.0, 0.5251, 0.5, 0.9], 1, 0.0, 1)
    assert f.ok is False and f.status.endswith(" — too early: noise or a large min_delta ended training")
    # a poor restore after the best test epoch is poor, but not "too early"
    f = early_stopping_frame([1.0, 0.9, 0.5, 0.6], [1.0, 0.5, 0.9, 0.95], 1, 0.0, 1)
    assert f.best_epoch == 2 and f.oracle_epoch == 1 and f.ok is False and "too early" not in f.status


def test_explorer_limits_controls_figure_and_show(monkeypatch):
    import course_lib.widgets._live as live

    with pytest.raises(TypeError, match=r"^run must be a StoredRun, got dict$"):
        EarlyStoppingExplorer({})
    for kwargs, text in [({"max_patience": 201}, r"^max_patience must"), ({"max_patience": 5, "patience": 6},
                                                                           r"^patience must be an integer >= 0 and <= 5"),
                         ({"patience": -1}, r"^patience must"), ({"min_delta": -0.001}, r"^min_delta must"),
                         ({"noise": 3}, r"^noise must be one of \['smooth', 'creeping'\], got 3$")]:
        with pytest.raises(ValueError, match=text):
            EarlyStoppingExplorer(RUN, **kwargs)
    ui = EarlyStoppingExplorer(RUN, patience=3, min_delta=0.05, noise="smooth", max_patience=200)
    c = ui.controls
    assert (c["patience"].min, c["patience"].max, c["patience"].value, c["patience"].description) == (0, 200, 3, "patience")
    md = c["min_delta"]
    assert (md.min, md.max, md.step, md.readout_format, md.value, md.description) == (0.0, 0.05, 0.0025, ".4f", 0.05,
                                                                                      "min_delta")
    assert c["noise"].options == ("smooth", "creeping") and c["noise"].description == "validation set"
    ax, ax_t = ui.live.fig.axes
    curves = np.concatenate([RUN.train_loss, RUN.test_loss, *RUN.val_loss.values()])
    assert ax.get_ylim() == pytest.approx((curves.min() / 1.5, curves.max() * 1.5)) and ax.get_xlim() == (0, 59)
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("epoch", "cross-entropy (log scale)",
                                                                  "where training stops")
    assert ax.get_yscale() == ax_t.get_yscale() == "log"
    assert [t.get_text() for t in ui.legend.get_texts()] == [
        "training loss", "test loss (reference)", "validation loss (smooth)", "not trained", "stop",
        "restored (best) epoch"]
    assert (ax_t.get_xlabel(), ax_t.get_ylabel(), ax_t.get_title()) == ("epochs trained", "test loss of restored weights",
                                                                        "the price of patience")
    assert ax_t.get_xlim() == pytest.approx((0, 60 * 1.03))
    assert ax_t.get_ylim() == pytest.approx((RUN.test_loss.min() / 1.1, RUN.test_loss.max() * 1.2))
    assert [t.get_text() for t in ax_t.get_legend().get_texts()] == ["best possible", "patience 0..max",
                                                                     "current patience"]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), RUN.train_loss)
    np.testing.assert_allclose(ax.lines[1].get_ydata(), RUN.test_loss)
    assert ax_t.lines[0].get_ydata()[0] == pytest.approx(RUN.test_loss.min())
    # min_delta 0.05: nothing after epoch 0 improves, patience 3 -> stop at epoch 3, best 0, 4 epochs run
    f = ui.frame
    assert (f.stop_epoch, f.best_epoch, f.epochs_run) == (3, 0, 4)
    assert ui.shade.get_x() == 3 and ui.shade.get_width() == 59 - 3
    assert list(ui.stop_line.get_xdata()) == [3, 3] and list(ui.stop_line.get_ydata()) == list(ui._ylim)
    assert list(ui.best_dot.get_xdata()) == [0] and ui.best_dot.get_ydata()[0] == pytest.approx(RUN.val_loss["smooth"][0])
    assert list(ui.trade_now.get_xdata()) == [f.tradeoff_epochs[3]] and len(ui.trade_dots.get_xdata()) == 201
    c["patience"].value = 200                  # never stops: no stop line, nothing shaded
    assert len(ui.stop_line.get_xdata()) == 0 and ui.shade.get_width() == 0 and ui.shade.get_x() == 59
    shown = []
    monkeypatch.setattr(live, "display", lambda obj, **kw: shown.append(obj))
    ui.show()
    box, image = shown
    assert list(box.children[0].children) == list(c.values()) and box.children[1] is ui.status
    assert image.data == ui.live.png
