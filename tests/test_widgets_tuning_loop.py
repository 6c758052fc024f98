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


# ---- what mutation testing found unchecked (make mutation PATHS=course_lib/widgets/tuning_loop.py) ----

import matplotlib.pyplot as plt  # noqa: E402

from course_lib.widgets.tuning_loop import MAX_UPDATES  # noqa: E402


def test_loop_figure_goes_round_train_evaluate_diagnose_adjust():
    fig, ax = plt.subplots()
    assert draw_tuning_loop(ax) is fig
    assert ax.get_xlim() == (0, 10) and ax.get_ylim() == (-0.65, 5.45) and not ax.axison
    texts = {t.get_text(): t.get_position() for t in ax.texts}
    # four steps clockwise from the top left, each title above its body
    for title, body, (x, y) in [("1  Train", "minimize the training loss\n(optimization, first sense)", (2.0, 4.6)),
                                ("2  Evaluate", "loss and accuracy on\nthe validation set", (8.0, 4.6)),
                                ("3  Diagnose", "read the curves: under- or\noverfitting? how big a gap?", (8.0, 1.6)),
                                ("4  Adjust (tune)", "hyperparameters, model,\ndata", (2.0, 1.6))]:
        assert texts[title] == pytest.approx((x, y + 0.33)) and texts[body] == pytest.approx((x, y - 0.22))
    assert texts["Test set: evaluated once, at the very end"] == pytest.approx((5.0, -0.22))
    assert texts["repeat: the validation set\nis used at every turn,\nthe test set never"] == pytest.approx((5.0, 3.1))
    boxes = [p.get_x() for p in ax.patches if isinstance(p, FancyBboxPatch)]
    assert boxes == pytest.approx([0.2, 6.2, 6.2, 0.2, 2.4])     # each step's box centred on its text
    assert "good enough:\nleave the loop" in texts
    assert "repeat: the validation set\nis used at every turn,\nthe test set never" in texts
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    ends = [tuple(map(tuple, a._posA_posB)) for a in arrows]
    assert ends[:4] == [((3.9, 4.6), (6.1, 4.6)), ((8.0, 3.8), (8.0, 2.4)), ((6.1, 1.6), (3.9, 1.6)),
                        ((2.0, 2.4), (2.0, 3.8))]       # train -> evaluate -> diagnose -> adjust -> train
    assert ends[4] == ((7.2, 0.8), (6.8, 0.15))          # the single exit, to the test set
    plt.close(fig)
    with pytest.raises(TypeError, match=r"^ax must be a matplotlib Axes or None, got str$"):
        draw_tuning_loop("ax")


def test_run_grid_checks_and_converts():
    curve = (np.array([0.5, 0.4]),)
    base = dict(model_names=("m",), sizes=[10.0], updates=2, epoch_updates=(np.array([1, 2]),),
                epoch_train=(curve,), epoch_val=(curve,), final_train=[[0.4]], final_val=[[0.4]])
    g = RunGrid(**base)
    assert g.sizes.dtype.kind == "i" and g.sizes.tolist() == [10] and isinstance(g.final_val, np.ndarray)
    assert g.epoch_updates[0].dtype == float and isinstance(g.epoch_train[0][0], np.ndarray)
    for change, text in [({"model_names": ["m"]}, r"^model_names must be a non-empty tuple of strings, got \['m'\]$"),
                         ({"model_names": ()}, r"^model_names must"), ({"model_names": (1,)}, r"^model_names must"),
                         ({"updates": 0}, r"^updates must"), ({"final_train": [0.4]}, r"^final_train must"),
                         ({"final_val": [[0.4, 0.5]]}, r"^final_val must have shape \(1, 1\) \(models, sizes\), "
                                                       r"got \(1, 2\)$"),
                         ({"epoch_updates": [np.array([1, 2])]}, r"^epoch_updates must be a tuple of 1 arrays "
                                                                 r"\(one per size\)$"),
                         ({"epoch_updates": (np.array([1, 2]), np.array([1]))}, r"^epoch_updates must be a tuple"),
                         ({"epoch_updates": (np.ones((1, 2)),)}, r"^epoch_updates must"),
                         ({"epoch_train": [curve]}, r"^epoch_train must be a tuple \(models\) of tuples \(sizes\) of "
                                                    r"curves$"),
                         ({"epoch_val": (curve, curve)}, r"^epoch_val must be a tuple"),
                         ({"epoch_val": ([np.ones(2)],)}, r"^epoch_val must be a tuple"),
                         ({"epoch_val": ((np.ones(2), np.ones(2)),)}, r"^epoch_val must be a tuple"),
                         ({"epoch_train": ((np.ones((2, 1)),),)}, r"^epoch_train must"),
                         ({"epoch_val": ((np.ones(3),),)}, r"^epoch_val's curves must have one value per epoch of "
                                                           r"epoch_updates$")]:
        with pytest.raises(ValueError, match=text):
            RunGrid(**{**base, **change})
    with pytest.raises(ValueError, match=r"^sizes must have 1 dimension"):
        RunGrid(**{**base, "sizes": [[10.0]]})
    for sizes in ([10.5], [0], [10, 10], [20, 10], [2e9]):
        with pytest.raises(ValueError, match=r"^sizes must be whole numbers >= 1 in increasing order, got "):
            RunGrid(**{**base, "sizes": sizes})
    assert RunGrid(**{**base, "sizes": [10**9]}).sizes.tolist() == [10**9]


def test_train_grid_refusals(data, models):
    args = (models, data.X_train, data.y_train, data.X_val, data.y_val, SIZES)
    for kwargs, text in [({"updates": MAX_UPDATES + 1}, r"^updates must be an integer >= 1 and <= 100000"),
                         ({"learning_rate": 0.0}, r"^learning_rate must"), ({"seed": -1}, r"^seed must"),
                         ({"batch_size": 0}, r"^batch_size must")]:
        with pytest.raises(ValueError, match=text):
            train_grid(*args, **kwargs)
    for bad in ({}, [1], {1: models["mlp"]}):
        with pytest.raises(TypeError, match=r"^models must be a non-empty dict of name -> course_lib model, got "
                                           rf"{type(bad).__name__}$"):
            train_grid(bad, *args[1:])
    X, y, Xv, yv = data.X_train, data.y_train, data.X_val, data.y_val
    for call, text in [((X[:, 0], y, Xv, yv), r"^X_train must"), ((X, y[:, None], Xv, yv), r"^y_train must"),
                       ((X, y, Xv[:, 0], yv), r"^X_val must"), ((X, y, Xv, yv[:, None]), r"^y_val must"),
                       ((X, y[:-1], Xv, yv), "X_train"), ((X, y, Xv, yv[:-1]), "X_val")]:
        with pytest.raises(ValueError, match=text):
            train_grid(models, *call, SIZES, updates=1)
    with pytest.raises(ValueError, match=rf"^sizes must be at most the {len(y)} training samples, got {len(y) + 1}$"):
        train_grid(models, X, y, Xv, yv, [30, len(y) + 1], updates=1)
    with pytest.raises(ValueError, match=r"^training diverged at learning_rate=1e\+30: "):
        train_grid({"m": MLP(64, 8, 10)}, X, y, Xv, yv, [30], updates=3, learning_rate=1e30)


def test_train_grid_defaults_are_1700_updates_of_batch_32_at_rate_0_1_from_seed_0(data):
    model = SoftmaxRegression(64, 10)
    g = train_grid({"s": model}, data.X_train, data.y_train, data.X_val, data.y_val, [40])
    assert g.updates == 1700 and g.epoch_updates[0][-1] == 1700    # 40 samples: 2 batches (32 + 8), 850 epochs
    order = np.random.default_rng(0).permutation(len(data.y_train))[:40]
    h = fit(model, data.X_train[order], data.y_train[order], batch_size=32, epochs=850, optimizer=SGD(),
            learning_rate=0.1, validation_data=(data.X_val, data.y_val), rng=np.random.default_rng(0))
    np.testing.assert_allclose(g.epoch_val[0][0], h.epoch_val_loss, rtol=1e-12)


def test_diagnose_boundaries_and_sentences():
    # exactly at each threshold is still healthy (strict >): training loss 0.25, gap 0.1 - 0 = 0.1
    assert diagnose([0.3, 0.25], 0.25, 0.25) == ("good fit: gap 0.00, validation loss 0.250, still at its best", True)
    assert diagnose([0.3, 0.1], 0.0, 0.1)[1] is True
    assert diagnose([0.0, 0.0], 0.0, 0.0) == ("good fit: gap 0.00, validation loss 0.000, still at its best", True)
    assert diagnose([0.3, 0.3], 0.26, 0.3) == ("underfitting: even the training loss stays at 0.26 (too simple a model, "
                                               "or too little training)", False)
    assert diagnose([0.5, 0.2, 0.32], 0.01, 0.32) == (
        "overfitting, past its best epoch: the validation loss was lowest at epoch 2 and has risen 60 % since "
        "(gap 0.31)", False)
    assert diagnose([0.5, 0.2, 0.2], 0.01, 0.2) == (
        "overfitting: a large generalization gap, validation 0.200 vs training 0.010; more data or regularization "
        "would help", False)
    assert diagnose([0.5, 0.3], 1e300, 1e300)[1] is False
    for kwargs, text in [({"final_train": 1.1e300}, r"^final_train must"), ({"final_val": -0.1}, r"^final_val must"),
                         ({"epoch_val": [0.5, 1.1e300]}, r"^epoch_val must hold losses in \[0, 1e300\]$"),
                         ({"epoch_val": [[0.5]]}, r"^epoch_val must")]:
        with pytest.raises(ValueError, match=text):
            diagnose(**{"epoch_val": [0.5, 0.4], "final_train": 0.1, "final_val": 0.4, **kwargs})


def test_frame_and_explorer_refusals(grid):
    with pytest.raises(TypeError, match=r"^grid must be a RunGrid \(from train_grid\), got str$"):
        tuning_frame("g", "mlp", 30)
    with pytest.raises(TypeError, match=r"^model_name must be one of \('softmax', 'mlp'\), got int$"):
        tuning_frame(grid, 1, 30)
    for size, text in [(0, r"^training_size must be an integer >= 1"), (30.0, r"^training_size must be an integer")]:
        with pytest.raises(ValueError, match=text):
            tuning_frame(grid, "mlp", size)
    with pytest.raises(TypeError, match=r"^grid must be a RunGrid \(from train_grid\), got dict$"):
        TuningLoopExplorer({})


def test_explorer_controls_figure_and_show(grid, monkeypatch):
    import course_lib.widgets._live as live

    ui = TuningLoopExplorer(grid, model_name="mlp", training_size=60)
    c = ui.controls
    assert c["model_name"].options == ("softmax", "mlp") and c["model_name"].description == "model"
    assert c["training_size"].options == (30, 60, 120) and c["training_size"].description == "training-set size"
    assert all(w.style.description_width == "initial" for w in c.values())
    assert (ui.ax_run.get_xlabel(), ui.ax_run.get_ylabel()) == ("updates (SGD steps)", "cross-entropy loss (log)")
    assert ui.ax_run.get_ylim() == (1e-4, 5.0) and ui.ax_run.get_xlim() == pytest.approx((0, 12 * 1.02))
    assert ui.ax_run.get_yscale() == "log" and ui.ax_size.get_xscale() == ui.ax_size.get_yscale() == "log"
    assert (ui.ax_size.get_xlabel(), ui.ax_size.get_ylabel()) == ("training-set size (log)",
                                                                  "loss of the final weights (log)")
    assert ui.ax_size.get_title() == "learning curve: 12 updates per run" and ui.ax_size.get_ylim() == (1e-4, 5.0)
    assert ui.ax_size.get_xlim() == pytest.approx((30 / 1.3, 120 * 1.3))
    assert [t.get_text() for t in ui.ax_run.get_legend().get_texts()] == ["training", "validation", "lowest validation"]
    assert [t.get_text() for t in ui.ax_size.get_legend().get_texts()] == ["training", "validation", "this run"]
    # the run of mlp on 60 images: 6 epochs of 2 updates; the ring on its lowest validation epoch
    val = grid.epoch_val[1][1]
    k = int(np.argmin(val))
    assert list(ui.best.get_xdata()) == [2 * (k + 1)] and ui.best.get_ydata()[0] == pytest.approx(val[k])
    np.testing.assert_allclose(ui.train_line.get_ydata(), np.clip(grid.epoch_train[1][1], 1e-4, 5.0))
    np.testing.assert_allclose(ui.size_train.get_ydata(), np.clip(grid.final_train[1], 1e-4, 5.0))
    assert list(ui.size_train.get_xdata()) == list(ui.size_val.get_xdata()) == [30, 60, 120]
    np.testing.assert_allclose(ui.size_val.get_ydata(), np.clip(grid.final_val[1], 1e-4, 5.0))
    np.testing.assert_allclose(ui.here.get_ydata(), np.clip([grid.final_train[1, 1], grid.final_val[1, 1]], 1e-4, 5))
    assert ui.ax_run.get_title() == "mlp, 60 images (6 epochs)"
    shown = []
    monkeypatch.setattr(live, "display", lambda obj, **kw: shown.append(obj))
    ui.show()
    box, image = shown
    assert list(box.children[0].children) == list(c.values()) and box.children[1] is ui.status
    assert image.data == ui.live.png
