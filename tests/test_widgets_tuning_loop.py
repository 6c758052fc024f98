"""The tuning-loop figure and explorer of notebook 01: stored runs, the diagnosis rules, the widget."""
import numpy as np
import pytest
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from course_lib.data import load_digits, standardize, train_val_test_split
from course_lib.models import MLP, SoftmaxRegression
from course_lib.optim import SGD
from course_lib.training import fit
from course_lib.widgets.tuning_loop import (LARGE_GAP, OVERFIT_RISE, UNDERFIT_LOSS, RunGrid,
                                            TuningLoopExplorer, diagnose, draw_tuning_loop,
                                            train_grid, tuning_frame)

SIZES = [30, 60, 120]


@pytest.fixture(scope="module")
def data():
    d = load_digits()
    split, _ = standardize(train_val_test_split(d.X, d.y, seed=0, stratify=True))
    return split


@pytest.fixture(scope="module")
def models():
    return {"softmax": SoftmaxRegression(64, 10), "mlp": MLP(64, 8, 10)}


@pytest.fixture(scope="module")
def grid(data, models):
    return train_grid(models, data.X_train, data.y_train, data.X_val, data.y_val, SIZES, updates=12,
                      seed=3)


def test_figure_has_four_steps_a_test_box_and_five_arrows():
    fig = draw_tuning_loop()
    ax = fig.axes[0]
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    texts = " ".join(t.get_text() for t in ax.texts)
    assert len(boxes) == 5 and len(arrows) == 5
    for word in ("Train", "Evaluate", "Diagnose", "Adjust", "Test set"):
        assert word in texts


def test_grid_reproduces_a_run_trained_by_hand(data, models, grid):
    """Independent wiring check: size 60 of the 'mlp' is fit on the first 60 of rng(3)'s permutation.

    60 samples in batches of 32 make 2 updates per epoch, so a budget of 12 updates is 6 epochs.
    """
    order = np.random.default_rng(3).permutation(len(data.y_train))[:60]
    h = fit(models["mlp"], data.X_train[order], data.y_train[order], batch_size=32, epochs=6,
            optimizer=SGD(), learning_rate=0.1, validation_data=(data.X_val, data.y_val),
            rng=np.random.default_rng(3))
    np.testing.assert_allclose(grid.epoch_train[1][1], h.epoch_loss, rtol=1e-12)
    np.testing.assert_allclose(grid.epoch_val[1][1], h.epoch_val_loss, rtol=1e-12)
    assert grid.final_train[1, 1] == pytest.approx(models["mlp"].loss(h.params, data.X_train[order],
                                                                      data.y_train[order]), rel=1e-12)
    for i in range(2):
        assert grid.final_val[i].tolist() == [run[-1] for run in grid.epoch_val[i]]
    assert grid.model_names == ("softmax", "mlp") and grid.updates == 12


def test_every_size_gets_the_same_number_of_updates(grid):
    """By hand: 30 samples are one batch of 30 (12 epochs of 1 update), 60 are batches of 32 + 28
    (6 epochs of 2), 120 are 32 + 32 + 32 + 24 (3 epochs of 4): 12 updates each."""
    assert [at.tolist() for at in grid.epoch_updates] == [list(range(1, 13)), list(range(2, 13, 2)),
                                                          [4, 8, 12]]
    assert [len(run) for run in grid.epoch_val[0]] == [12, 6, 3]


def test_budget_rounds_up_to_whole_epochs(data, models):
    """A budget of 5 updates: 30 samples -> 5 epochs of 1; 60 -> 3 epochs of 2 (6 updates);
    120 -> 2 epochs of 4 (8 updates): never fewer updates than the budget, less than one epoch more."""
    g = train_grid({"softmax": models["softmax"]}, data.X_train, data.y_train, data.X_val,
                   data.y_val, SIZES, updates=5)
    assert [int(at[-1]) for at in g.epoch_updates] == [5, 6, 8]


@pytest.mark.parametrize("val, train_loss, val_loss, start, ok", [
    ([1.0, 0.8, 0.7], UNDERFIT_LOSS + 0.01, 0.7, "underfitting", False),
    ([1.0, 0.5, 0.5 * (1 + OVERFIT_RISE) + 0.01], 0.05, 0.56, "overfitting, past its best epoch", False),
    ([1.0, 0.5, 0.5 * (1 + OVERFIT_RISE) - 0.01], 0.05, 0.05 + LARGE_GAP + 0.01, "overfitting: a large", False),
    ([1.0, 0.5, 0.45], 0.40, 0.45, "underfitting", False),
    ([1.0, 0.5, 0.45], 0.40 - 0.2, 0.45, "overfitting: a large", False),
    ([1.0, 0.5, 0.2], 0.15, 0.2, "good fit", True),
])
def test_diagnosis_rules_in_order(val, train_loss, val_loss, start, ok):
    status, healthy = diagnose(val, train_loss, val_loss)
    assert status.startswith(start) and healthy is ok


def test_overfitting_names_the_best_epoch_counting_from_1():
    # the minimum 0.5 is the 2nd epoch (as Keras prints it); 0.7 / 0.5 - 1 = 40 %
    assert "lowest at epoch 2 and has risen 40 %" in diagnose([1.0, 0.5, 0.7], 0.01, 0.7)[0]


def test_frame_selects_the_stored_run(grid):
    f = tuning_frame(grid, "softmax", 120)
    np.testing.assert_array_equal(f.epoch_val, grid.epoch_val[0][2])
    np.testing.assert_array_equal(f.epoch_updates, [4, 8, 12])
    np.testing.assert_array_equal(f.size_val, grid.final_val[0])
    assert f.size_index == 2 and f.status == diagnose(grid.epoch_val[0][2], grid.final_train[0, 2],
                                                       grid.final_val[0, 2])[0]
    assert f.title == "softmax, 120 images (3 epochs)"


@pytest.mark.parametrize("name, size, word", [("svm", 60, "model_name"), ("mlp", 61, "training_size")])
def test_frame_rejects_unknown_settings(grid, name, size, word):
    with pytest.raises(ValueError, match=word):
        tuning_frame(grid, name, size)


@pytest.mark.parametrize("bad, word", [({"updates": 0}, "updates"), ({"batch_size": 0}, "batch_size")])
def test_train_grid_rejects_bad_arguments(data, models, bad, word):
    with pytest.raises(ValueError, match=word):
        train_grid(models, data.X_train, data.y_train, data.X_val, data.y_val, SIZES, **bad)


def test_widget_follows_its_controls_and_stays_on_its_axes(grid):
    ui = TuningLoopExplorer(grid)
    first = ui.live.png
    assert ui.controls["training_size"].value == 120 and ui.controls["model_name"].value == "softmax"
    low, high = ui.LOSS_LIMITS
    for name in grid.model_names:
        for size in SIZES:
            ui.controls["model_name"].value, ui.controls["training_size"].value = name, size
            expected = np.clip(tuning_frame(grid, name, size).epoch_val, low, high)
            np.testing.assert_array_equal(ui.val_line.get_ydata(), expected)
            np.testing.assert_array_equal(ui.val_line.get_xdata(), ui.frame.epoch_updates)
            assert list(ui.here.get_xdata()) == [size, size]
            assert ui.frame.status in ui.status.value
            assert ui.ax_run.get_title() == f"{name}, {size} images ({len(expected)} epochs)"
    assert ui.live.png != first and ui.live.png.startswith(b"\x89PNG")


def test_widget_extreme_losses_are_pinned_to_the_axes():
    # a run that blew up (huge losses) and one that reached ~0 both stay drawable
    bad, perfect = np.array([5.0, 50.0, 1e6]), np.array([1e-9, 1e-12, 0.0])
    runs = ((bad,), (perfect,))
    final = np.array([[bad[-1]], [perfect[-1]]])
    grid = RunGrid(("bad", "perfect"), np.array([10]), 3, (np.array([1, 2, 3]),), runs, runs,
                   final, final)
    ui = TuningLoopExplorer(grid)
    for name in ("bad", "perfect"):
        ui.controls["model_name"].value = name
        ys = ui.val_line.get_ydata()
        assert np.all((ys >= ui.LOSS_LIMITS[0]) & (ys <= ui.LOSS_LIMITS[1])) and ui.frame.status
    assert ui.frame.ok and not tuning_frame(grid, "bad", 10).ok


# ---- every control moves the frame the way it means (section 5 of issue 9) ----------------

def _by_hand(data, model, size, seed=3, updates=12):
    """The run train_grid must store for (model, size): fit on the first `size` samples of
    rng(seed)'s permutation, ceil(updates / ceil(size / 32)) epochs of batch 32 -- trained here."""
    order = np.random.default_rng(seed).permutation(len(data.y_train))[:size]
    batch = min(32, size)
    epochs = -(-updates // -(-size // batch))
    return fit(model, data.X_train[order], data.y_train[order], batch_size=batch, epochs=epochs,
               optimizer=SGD(), learning_rate=0.1, validation_data=(data.X_val, data.y_val),
               rng=np.random.default_rng(seed))


@pytest.mark.parametrize("name, size", [("softmax", 30), ("mlp", 30), ("softmax", 120), ("mlp", 120)])
def test_the_controls_select_the_run_trained_with_those_settings(data, models, grid, name, size):
    ui = TuningLoopExplorer(grid, model_name="mlp" if name == "softmax" else "softmax", training_size=60)
    ui.controls["model_name"].value = name
    ui.controls["training_size"].value = size
    h = _by_hand(data, models[name], size)
    np.testing.assert_allclose(ui.frame.epoch_val, h.epoch_val_loss, rtol=1e-12)
    np.testing.assert_allclose(ui.frame.epoch_train, h.epoch_loss, rtol=1e-12)
    np.testing.assert_allclose(ui.val_line.get_ydata(), np.clip(h.epoch_val_loss, *ui.LOSS_LIMITS), rtol=1e-12)
    assert ui.frame.title.startswith(f"{name}, {size} images")
    # the learning-curve panel: this model's final validation loss at every size
    assert ui.size_val.get_ydata()[SIZES.index(size)] == pytest.approx(h.epoch_val_loss[-1], rel=1e-12)


def test_controls_default_to_the_first_model_and_the_largest_size(grid):
    ui = TuningLoopExplorer(grid)
    assert (ui.controls["model_name"].value, ui.controls["training_size"].value) == ("softmax", 120)
    for kwargs, word in [({"model_name": "svm"}, "model_name"), ({"training_size": 61}, "training_size"),
                         ({"training_size": np.array([60])}, "training_size")]:
        with pytest.raises(ValueError, match=word):
            TuningLoopExplorer(grid, **kwargs)


def test_diagnose_checks_its_numbers():
    for kwargs, word in [({"final_train": None}, "final_train"), ({"final_val": float("nan")}, "final_val"),
                         ({"epoch_val": [0.5, -1.0]}, "epoch_val")]:
        args = {"epoch_val": [0.5, 0.4], "final_train": 0.1, "final_val": 0.4, **kwargs}
        with pytest.raises(ValueError, match=word):
            diagnose(**args)
