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
