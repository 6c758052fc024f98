"""The tuning loop of notebook 01: its figure, and one turn of it as a widget.

One turn is *adjust -> train -> evaluate -> diagnose*. The widget lets you adjust two things,
the model's capacity and the size of the training set; the runs behind every setting are
trained once, up front (:func:`train_grid`), all for the same number of updates, so that a
change of size changes the data and nothing else; a change only selects stored curves. The
status line is the diagnosis, by rules simple enough to state (see :func:`diagnose`).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from course_lib._checks import check_array, check_choice, check_int, check_real, check_same_length
from course_lib.curves import learning_curve_by_size
from course_lib.optim import SGD
from course_lib.training import TrainingDiverged, fit
from course_lib.widgets._live import LiveFigure, show_widget, status_text

#: diagnosis thresholds (losses are mean cross-entropies)
UNDERFIT_LOSS = 0.25   # training loss still above this at the end: the model does not fit the data
OVERFIT_RISE = 0.10    # validation loss 10 % above its best epoch: training went past the best point
LARGE_GAP = 0.10       # validation minus training loss above this: a large generalization gap
#: the largest budget of SGD updates per run :func:`train_grid` accepts (10 runs of it take minutes)
MAX_UPDATES = 100_000


def draw_tuning_loop(ax: plt.Axes | None = None) -> plt.Figure:
    """Draw the loop train -> evaluate -> diagnose -> adjust, and the test set's single exit."""
    if ax is not None and not isinstance(ax, plt.Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 4.0))
    ax.set(xlim=(0, 10), ylim=(-0.65, 5.45)), ax.axis("off")
    steps = [(2.0, 4.6, "1  Train", "minimize the training loss\n(optimization, first sense)"),
             (8.0, 4.6, "2  Evaluate", "loss and accuracy on\nthe validation set"),
             (8.0, 1.6, "3  Diagnose", "read the curves: under- or\noverfitting? how big a gap?"),
             (2.0, 1.6, "4  Adjust (tune)", "hyperparameters, model,\ndata")]
    for x, y, title, body in steps:
        ax.add_patch(FancyBboxPatch((x - 1.8, y - 0.7), 3.6, 1.4, boxstyle="round,pad=0.08",
                                    fc="#e8f1fa", ec="0.35", lw=1.2))
        ax.text(x, y + 0.33, title, ha="center", va="center", fontsize=10.5, weight="bold")
        ax.text(x, y - 0.22, body, ha="center", va="center", fontsize=9)
    for a, b in [((3.9, 4.6), (6.1, 4.6)), ((8.0, 3.8), (8.0, 2.4)), ((6.1, 1.6), (3.9, 1.6)),
                 ((2.0, 2.4), (2.0, 3.8))]:
        ax.add_patch(FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=18, lw=1.8, color="#0072B2"))
    ax.add_patch(FancyBboxPatch((2.4, -0.5), 5.2, 0.55, boxstyle="round,pad=0.08", fc="#fde7e9",
                                ec="#b42318", lw=1.2))
    ax.text(5.0, -0.22, "Test set: evaluated once, at the very end", ha="center", va="center", fontsize=9.5)
    ax.add_patch(FancyArrowPatch((7.2, 0.8), (6.8, 0.15), arrowstyle="-|>", mutation_scale=14, lw=1.3,
                                 ls="--", color="#b42318"))
    ax.text(7.35, 0.35, "good enough:\nleave the loop", color="#b42318", fontsize=8.5, va="center")
    ax.text(5.0, 3.1, "repeat: the validation set\nis used at every turn,\nthe test set never",
            ha="center", va="center", fontsize=9, style="italic", color="0.3")
    return ax.figure


@dataclass(frozen=True)
class RunGrid:
    """Stored runs: every model on every training-set size (nested subsets of one permutation).

    Every run made ``updates`` SGD steps or up to one epoch more (see :func:`train_grid`).
    ``epoch_updates[j]``: the
    update count at the end of each epoch of size ``j``. ``epoch_train[i][j]`` /
    ``epoch_val[i][j]``: model ``i``'s per-epoch losses on size ``j`` (the training value is
    Keras's running mean over the epoch's batches). ``final_train`` / ``final_val``: the losses
    of the final weights on the training subset and the validation set (``(models, sizes)``).
    """

    model_names: tuple[str, ...]
    sizes: np.ndarray
    updates: int
    epoch_updates: tuple[np.ndarray, ...]
    epoch_train: tuple[tuple[np.ndarray, ...], ...]
    epoch_val: tuple[tuple[np.ndarray, ...], ...]
    final_train: np.ndarray
    final_val: np.ndarray

    def __post_init__(self) -> None:
        names = self.model_names
        if not isinstance(names, tuple) or not names or not all(isinstance(k, str) for k in names):
            raise ValueError(f"model_names must be a non-empty tuple of strings, got {names!r:.100}")
        sizes = _sizes(self.sizes)
        object.__setattr__(self, "sizes", sizes)
        object.__setattr__(self, "updates", check_int("updates", self.updates, low=1))
        shape = (len(names), len(sizes))
        for key in ("final_train", "final_val"):
            arr = check_array(key, getattr(self, key), ndim=2)
            if arr.shape != shape:
                raise ValueError(f"{key} must have shape {shape} (models, sizes), got {arr.shape}")
            object.__setattr__(self, key, arr)
        if not isinstance(self.epoch_updates, tuple) or len(self.epoch_updates) != len(sizes):
            raise ValueError(f"epoch_updates must be a tuple of {len(sizes)} arrays (one per size)")
        at = tuple(check_array("epoch_updates", a, ndim=1) for a in self.epoch_updates)
        object.__setattr__(self, "epoch_updates", at)
        for key in ("epoch_train", "epoch_val"):
            rows = getattr(self, key)
            if not isinstance(rows, tuple) or len(rows) != len(names) or any(
                    not isinstance(r, tuple) or len(r) != len(sizes) for r in rows):
                raise ValueError(f"{key} must be a tuple (models) of tuples (sizes) of curves")
            curves = tuple(tuple(check_array(key, c, ndim=1) for c in r) for r in rows)
            if any(len(c) != len(a) for r in curves for c, a in zip(r, at)):
                raise ValueError(f"{key}'s curves must have one value per epoch of epoch_updates")
            object.__setattr__(self, key, curves)


def _sizes(sizes) -> np.ndarray:
    """Training-set sizes: whole numbers >= 1, strictly increasing."""
    arr = check_array("sizes", sizes, ndim=1)
    if np.any(arr != np.round(arr)) or np.any(arr < 1) or np.any(np.diff(arr) <= 0) or arr.max() > 10**9:
        raise ValueError(f"sizes must be whole numbers >= 1 in increasing order, got {arr.tolist()!r:.200}")
    return arr.astype(int)


def train_grid(models: Mapping[str, Any], X_train, y_train, X_val, y_val, sizes, *,
               updates: int = 1700, batch_size: int = 32, learning_rate: float = 0.1,
               seed: int = 0) -> RunGrid:
    """Train each model (plain SGD, ``course_lib.training.fit``) on each size; record the curves.

    Every size gets the same budget of ``updates`` SGD steps, rounded up to whole epochs: a set of
    ``n`` samples has ``k = ceil(n / B)`` batches, so it runs ``ceil(updates / k)`` epochs. With a
    fixed number of *epochs* instead, size would be confounded with the amount of training (50
    images make 2 updates per epoch, 1,079 images 34). Every model sees the same nested subsets:
    ``learning_curve_by_size`` with a fresh ``rng(seed)``.
    """
    updates = check_int("updates", updates, low=1, high=MAX_UPDATES)
    batch_size = check_int("batch_size", batch_size, low=1)
    learning_rate = check_real("learning_rate", learning_rate, low=0, low_open=True)
    seed = check_int("seed", seed, low=0)
    if not isinstance(models, Mapping) or not models or not all(isinstance(k, str) for k in models):
        raise TypeError(f"models must be a non-empty dict of name -> course_lib model, got {type(models).__name__}")
    X_train, y_train = check_array("X_train", X_train, ndim=2), check_array("y_train", y_train, ndim=1)
    X_val, y_val = check_array("X_val", X_val, ndim=2), check_array("y_val", y_val, ndim=1)
    check_same_length(X_train=X_train, y_train=y_train)
    check_same_length(X_val=X_val, y_val=y_val)
    sizes = _sizes(sizes)
    if sizes[-1] > len(y_train):
        raise ValueError(f"sizes must be at most the {len(y_train)} training samples, got {sizes[-1]}")
    updates_at, e_train, e_val = [None] * len(sizes), [], []
    finals = np.empty((2, len(models), len(sizes)))
    for i, model in enumerate(models.values()):
        train_curves, val_curves = [None] * len(sizes), [None] * len(sizes)

        def train_and_score(idx, model=model, train_curves=train_curves, val_curves=val_curves):
            batch = min(batch_size, len(idx))
            per_epoch = -(-len(idx) // batch)                               # ceil(n / B)
            try:
                h = fit(model, X_train[idx], y_train[idx], batch_size=batch,
                        epochs=-(-updates // per_epoch), optimizer=SGD(), learning_rate=learning_rate,
                        validation_data=(X_val, y_val), rng=np.random.default_rng(seed))
            except TrainingDiverged as exc:
                raise ValueError(f"training diverged at learning_rate={learning_rate}: {exc}") from None
            j = int(np.searchsorted(sizes, len(idx)))
            updates_at[j] = per_epoch * np.arange(1, h.n_epochs + 1)
            train_curves[j], val_curves[j] = h.epoch_loss, h.epoch_val_loss
            return model.loss(h.params, X_train[idx], y_train[idx]), h.epoch_val_loss[-1]
        by_size = learning_curve_by_size(train_and_score, sizes, n_available=len(y_train),
                                         rng=np.random.default_rng(seed))
        finals[:, i] = by_size.train_mean, by_size.val_mean
        e_train.append(tuple(train_curves))
        e_val.append(tuple(val_curves))
    return RunGrid(tuple(models), sizes, updates, tuple(updates_at), tuple(e_train), tuple(e_val),
                   finals[0], finals[1])


def diagnose(epoch_val, final_train: float, final_val: float) -> tuple[str, bool]:
    """A one-line diagnosis and whether it is healthy, by three stated rules, in this order.

    1. training loss above ``UNDERFIT_LOSS``: underfitting; 2. the last validation loss more than
    ``OVERFIT_RISE`` above its best epoch: overfitting; 3. ``val - train`` above ``LARGE_GAP``:
    a large generalization gap. Otherwise: a good fit. Epochs are counted from 1, as Keras prints.

    >>> diagnose([0.5, 0.3, 0.4], 0.01, 0.4)[0][:60]
    'overfitting, past its best epoch: the validation loss was lo'
    """
    val = check_array("epoch_val", epoch_val, ndim=1)
    final_train = check_real("final_train", final_train, low=0, high=1e300)
    final_val = check_real("final_val", final_val, low=0, high=1e300)
    if np.any(val < 0) or val.max() > 1e300:
        raise ValueError("epoch_val must hold losses in [0, 1e300]")
    best = int(np.argmin(val))
    rise, gap = val[-1] / max(val[best], 1e-300) - 1.0, final_val - final_train
    if final_train > UNDERFIT_LOSS:
        return (f"underfitting: even the training loss stays at {final_train:.2f} (too simple a model, "
                f"or too little training)"), False
    if rise > OVERFIT_RISE:
        return (f"overfitting, past its best epoch: the validation loss was lowest at epoch {best + 1} "
                f"and has risen {100 * rise:.0f} % since (gap {gap:.2f})"), False
    if gap > LARGE_GAP:
        return (f"overfitting: a large generalization gap, validation {final_val:.3f} vs training "
                f"{final_train:.3f}; more data or regularization would help"), False
    return f"good fit: gap {gap:.2f}, validation loss {final_val:.3f}, still at its best", True


@dataclass(frozen=True)
class TuningFrame:
    """What the explorer draws for one (model, size) setting."""

    epoch_updates: np.ndarray   # x of the run's curves: updates done at the end of each epoch
    epoch_train: np.ndarray
    epoch_val: np.ndarray
    size_train: np.ndarray      # final training loss at every size, for this model
    size_val: np.ndarray
    size_index: int
    title: str                  # which run this is: model, size, epochs
    status: str
    ok: bool


def tuning_frame(grid: RunGrid, model_name: str, training_size: int) -> TuningFrame:
    """Select the stored run of ``model_name`` on ``training_size`` samples and diagnose it."""
    if not isinstance(grid, RunGrid):
        raise TypeError(f"grid must be a RunGrid (from train_grid), got {type(grid).__name__}")
    if not isinstance(model_name, str):
        raise TypeError(f"model_name must be one of {grid.model_names}, got {type(model_name).__name__}")
    i = grid.model_names.index(check_choice("model_name", model_name, grid.model_names))
    training_size = check_int("training_size", training_size, low=1)
    j = list(grid.sizes).index(check_choice("training_size", training_size, grid.sizes.tolist()))
    at, val = grid.epoch_updates[j], grid.epoch_val[i][j]
    status, ok = diagnose(val, grid.final_train[i, j], grid.final_val[i, j])
    title = f"{model_name}, {training_size:,} images ({at.size} epochs)"
    return TuningFrame(at, grid.epoch_train[i][j], val, grid.final_train[i], grid.final_val[i], j,
                       title, status, ok)


class TuningLoopExplorer:
    """Adjust capacity and data, see the curves and the diagnosis: one turn of the loop, live."""

    LOSS_LIMITS = (1e-4, 5.0)

    def __init__(self, grid: RunGrid, model_name: str | None = None,
                 training_size: int | None = None):
        if not isinstance(grid, RunGrid):
            raise TypeError(f"grid must be a RunGrid (from train_grid), got {type(grid).__name__}")
        model_name = grid.model_names[0] if model_name is None else model_name
        training_size = int(grid.sizes[-1]) if training_size is None else training_size
        tuning_frame(grid, model_name, training_size)   # checks both against the grid
        self.grid = grid
        style = {"description_width": "initial"}
        self.controls = {
            "model_name": widgets.Dropdown(options=list(grid.model_names), description="model",
                                           value=model_name, style=style),
            "training_size": widgets.SelectionSlider(
                options=grid.sizes.tolist(), description="training-set size", style=style,
                value=training_size)}
        self.status = widgets.HTML()
        self._build_figure()
        for control in self.controls.values():
            control.observe(self.update, "value")
        self.update()

    def _build_figure(self) -> None:
        fig, (self.ax_run, self.ax_size) = plt.subplots(1, 2, figsize=(9, 3.6))
        (self.train_line,) = self.ax_run.semilogy([], [], color="C0", label="training")
        (self.val_line,) = self.ax_run.semilogy([], [], color="C1", label="validation")
        (self.best,) = self.ax_run.plot([], [], "o", color="C1", ms=7, mfc="none", mew=2,
                                        label="lowest validation")
        last = max(int(at[-1]) for at in self.grid.epoch_updates)
        self.ax_run.set(xlabel="updates (SGD steps)", ylabel="cross-entropy loss (log)",
                        ylim=self.LOSS_LIMITS, xlim=(0, last * 1.02))
        self.ax_run.set_title("the selected run", fontsize=10)   # named by update()
        self.ax_run.legend(loc="lower left", fontsize=8)
        sizes = self.grid.sizes
        (self.size_train,) = self.ax_size.semilogx(sizes, sizes * 0.0 + 1, "o-", color="C0",
                                                   label="training")
        (self.size_val,) = self.ax_size.semilogx(sizes, sizes * 0.0 + 1, "o-", color="C1",
                                                 label="validation")
        (self.here,) = self.ax_size.plot([], [], "s", color="k", ms=9, mfc="none", mew=2,
                                         label="this run")
        self.ax_size.set(xlabel="training-set size (log)", ylabel="loss of the final weights (log)",
                         yscale="log", ylim=self.LOSS_LIMITS, xlim=(sizes[0] / 1.3, sizes[-1] * 1.3),
                         title=f"learning curve: {self.grid.updates:,} updates per run")
        self.ax_size.title.set_fontsize(10)
        self.ax_size.legend(loc="lower right", fontsize=8)
        fig.tight_layout()
        self.live = LiveFigure(fig, animated=[self.train_line, self.val_line, self.best,
                                              self.size_train, self.size_val, self.here,
                                              self.ax_run.title])

    def update(self, change=None) -> TuningFrame:
        """Select, redraw (blitted: the axes never change), return the frame."""
        f = tuning_frame(self.grid, self.controls["model_name"].value,
                         self.controls["training_size"].value)
        low, high = self.LOSS_LIMITS
        self.train_line.set_data(f.epoch_updates, np.clip(f.epoch_train, low, high))
        self.val_line.set_data(f.epoch_updates, np.clip(f.epoch_val, low, high))
        k = int(np.argmin(f.epoch_val))
        self.best.set_data([f.epoch_updates[k]], [np.clip(f.epoch_val[k], low, high)])
        self.size_train.set_ydata(np.clip(f.size_train, low, high))
        self.size_val.set_ydata(np.clip(f.size_val, low, high))
        j = f.size_index
        self.here.set_data([self.grid.sizes[j]] * 2,
                           np.clip([f.size_train[j], f.size_val[j]], low, high))
        self.ax_run.set_title(f.title, fontsize=10)
        self.status.value = status_text(f.status, f.ok)
        self.live.refresh()
        self.frame = f
        return f

    def show(self) -> None:
        """Display the controls, the status line and the figure."""
        show_widget(widgets.HBox(list(self.controls.values())), self.status, self.live)
