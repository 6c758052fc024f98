"""The workflow explorer of notebook 08: learning rate, schedule, dropout and patience, live.

The training runs are done once, by ``scripts/make_workflow_runs.py`` (an MLP on the digits,
trained with Keras for every combination of the grid below, for ``EPOCHS`` epochs, without
early stopping), and shipped in ``data/workflow_runs.csv``. Three controls pick a stored run;
the fourth, the early-stopping patience, needs no run of its own: Keras's rule
(:func:`course_lib.early_stopping.early_stopping_point`, ``monitor="val_loss"``) is applied to
the stored validation curve on every move, and ``restore_best_weights`` decides whether the
model ends with the best epoch's weights or the last trained epoch's. A run whose training loss
became nan or inf (a rate too high) is drawn up to its divergence, and the status line says so.

>>> runs = WorkflowRuns.load()
>>> f = workflow_frame(runs, learning_rate=0.01, schedule="constant", dropout=0.2, patience=5)
>>> f.diverged_at is None and f.kept_epoch == f.best_epoch
True
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from course_lib._checks import _show, check_array, check_bool, check_choice, check_int, check_real
from course_lib.early_stopping import early_stopping_point
from course_lib.widgets._live import LiveFigure, show_widget, status_text

#: The grid of ``scripts/make_workflow_runs.py`` (the generator imports it from here).
LEARNING_RATES = (0.001, 0.01, 0.1, 1.0)
SCHEDULES = ("constant", "cosine", "plateau")
DROPOUTS = (0.0, 0.2, 0.5)
EPOCHS = 50
#: ``keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=3)`` drives the "plateau" schedule.
PLATEAU_FACTOR = 0.5
PLATEAU_PATIENCE = 3
#: The columns of ``data/workflow_runs.csv``, one row per run x epoch.
COLUMNS = ("initial_learning_rate", "schedule", "dropout", "epoch", "learning_rate", "loss", "accuracy",
           "val_loss", "val_accuracy", "test_loss", "test_accuracy")
CURVES = ("learning_rate", "loss", "accuracy", "val_loss", "val_accuracy", "test_loss", "test_accuracy")
#: A kept model is judged good when its validation accuracy reaches this: the MLP reaches 0.97-0.98
#: on the digits with a sound setting, a linear model about 0.95.
GOOD_VAL_ACCURACY = 0.95
#: The longest run and the largest patience the record and the frame accept.
MAX_EPOCHS = 1_000
MAX_PATIENCE = 1_000
MAX_CHOICES = 20
#: The top of the loss axis (about 430 x ln 10): a diverging run's first blow-up shows, then it leaves.
LOSS_CEILING = 1e3


def _sorted_values(name: str, values: Any, low: float, high: float, low_open: bool) -> tuple[float, ...]:
    """A non-empty, strictly increasing tuple of at most MAX_CHOICES reals in the range."""
    arr = check_array(name, values, ndim=1)
    if arr.size > MAX_CHOICES or np.any(arr[1:] <= arr[:-1]) or \
            np.any(arr <= low if low_open else arr < low) or np.any(arr >= high):
        raise ValueError(f"{name} must be 1 to {MAX_CHOICES} increasing values in "
                         f"{'(' if low_open else '['}{low:g}, {high:g}), got {_show(arr.tolist())}")
    return tuple(float(v) for v in arr)


@dataclass(frozen=True)
class WorkflowRun:
    """One stored run: per-epoch curves of the epochs that finished before any divergence.

    ``diverged_at`` is the epoch whose training, validation or test loss became nan or inf (not
    part of the curves, which then have exactly ``diverged_at`` epochs), ``divergence`` says which
    and what it became (``"training loss nan"``); both stay ``None`` / ``""`` for a run that
    trained to the end.
    """

    learning_rate: np.ndarray     # the rate in use at the end of each epoch
    loss: np.ndarray              # training loss (epoch mean, dropout on), as Keras logs it
    accuracy: np.ndarray
    val_loss: np.ndarray
    val_accuracy: np.ndarray
    test_loss: np.ndarray
    test_accuracy: np.ndarray
    diverged_at: int | None = None
    divergence: str = ""

    def __post_init__(self) -> None:
        curves = {}
        for name in CURVES:
            curve = check_array(name, getattr(self, name), ndim=1, nonempty=False)
            high = 1.0 if name.endswith("accuracy") else 1e300
            if curve.size > MAX_EPOCHS or np.any(curve < 0) or np.any(curve > high):
                raise ValueError(f"{name} must hold at most {MAX_EPOCHS} values in [0, {high:g}], got "
                                 f"{curve.size} values{_span(curve)}")
            curves[name] = curve
        lengths = {len(c) for c in curves.values()}
        if len(lengths) > 1:
            raise ValueError(f"every curve must have the same number of epochs, got "
                             f"{ {k: len(v) for k, v in curves.items()} }")
        n = lengths.pop()
        if self.diverged_at is None:
            if n == 0 or not (isinstance(self.divergence, str) and self.divergence == ""):
                raise ValueError(f"diverged_at is None (trained to the end), so the curves must hold at least "
                                 f"one epoch and divergence must be '', got {n} epochs and "
                                 f"divergence={_show(self.divergence)}")
        else:
            check_int("diverged_at", self.diverged_at, low=0, high=MAX_EPOCHS)
            if self.diverged_at != n:
                raise ValueError(f"diverged_at must equal the number of epochs before the divergence "
                                 f"({n}), got {self.diverged_at}")
            if not isinstance(self.divergence, str) or not 0 < len(self.divergence) <= 40:
                raise ValueError(f"divergence must say which loss became what when diverged_at is set, in 1 "
                                 f"to 40 characters (e.g. 'training loss nan'), got {_show(self.divergence)}")
        for name, curve in curves.items():
            object.__setattr__(self, name, curve)

    @property
    def epochs(self) -> int:
        """Number of epochs that finished (before any divergence)."""
        return len(self.loss)


def _span(curve: np.ndarray) -> str:
    return f" from {curve.min():.3g} to {curve.max():.3g}" if curve.size else ""


@dataclass(frozen=True)
class WorkflowRuns:
    """Every run of a learning rate x schedule x dropout grid, each ``epochs`` long unless it diverged."""

    learning_rates: tuple[float, ...]
    schedules: tuple[str, ...]
    dropouts: tuple[float, ...]
    epochs: int
    runs: dict[tuple[float, str, float], WorkflowRun]
    plateau_patience: int = PLATEAU_PATIENCE

    def __post_init__(self) -> None:
        rates = _sorted_values("learning_rates", self.learning_rates, 0.0, 1e6, low_open=True)
        drops = _sorted_values("dropouts", self.dropouts, 0.0, 1.0, low_open=False)
        names = self.schedules
        if isinstance(names, (str, bytes)) or not isinstance(names, (tuple, list)) or not names \
                or len(names) > MAX_CHOICES or not all(isinstance(s, str) and s for s in names) \
                or len(set(names)) != len(names):
            raise ValueError(f"schedules must be 1 to {MAX_CHOICES} distinct non-empty names, got {_show(names)}")
        epochs = check_int("epochs", self.epochs, low=1, high=MAX_EPOCHS)
        check_int("plateau_patience", self.plateau_patience, low=0, high=MAX_PATIENCE)
        if not isinstance(self.runs, dict):
            raise TypeError(f"runs must be a dict (learning_rate, schedule, dropout) -> WorkflowRun, "
                            f"got {_show(self.runs)}")
        wanted = set(itertools.product(rates, tuple(names), drops))
        if set(self.runs) != wanted:
            missing, extra = sorted(wanted - set(self.runs)), list(set(self.runs) - wanted)
            raise ValueError(f"runs must hold one run per combination of learning_rates x schedules x "
                             f"dropouts; missing {_show(missing)}, unexpected {_show(extra)}")
        for key, run in self.runs.items():
            if not isinstance(run, WorkflowRun):
                raise TypeError(f"runs[{key!r}] must be a WorkflowRun, got {_show(run)}")
            if (run.diverged_at is None and run.epochs != epochs) or run.epochs > epochs:
                raise ValueError(f"runs[{key!r}] must have {epochs} epochs (or fewer, if it diverged), "
                                 f"got {run.epochs}")
        object.__setattr__(self, "learning_rates", rates)
        object.__setattr__(self, "schedules", tuple(names))
        object.__setattr__(self, "dropouts", drops)

    @classmethod
    def from_columns(cls, columns: dict[str, Any]) -> "WorkflowRuns":
        """Build the record from the file's columns (:func:`course_lib.data.load_workflow_runs`)."""
        if not isinstance(columns, dict) or set(columns) != set(COLUMNS):
            got = sorted(map(str, columns)) if isinstance(columns, dict) else _show(columns)
            raise ValueError(f"columns must be a dict with the keys {list(COLUMNS)}, got {got}")
        schedule = np.asarray(columns["schedule"])
        if schedule.ndim != 1 or schedule.dtype.kind != "U":
            raise ValueError(f"columns['schedule'] must be a 1-D array of names, got {_show(columns['schedule'])}")
        table = {k: check_array(f"columns[{k!r}]", v, ndim=1, finite=k not in CURVES)
                 for k, v in columns.items() if k != "schedule"}
        lengths = {len(v) for v in table.values()} | {len(schedule)}
        if len(lengths) != 1:
            raise ValueError(f"columns must all have the same length, got lengths {sorted(lengths)}")
        grid: dict[tuple, list[int]] = {}
        for i, key in enumerate(zip(table["initial_learning_rate"].tolist(), schedule.tolist(),
                                    table["dropout"].tolist())):
            grid.setdefault(key, []).append(i)
        try:
            runs = {key: _run_from_rows(key, table, rows) for key, rows in grid.items()}
            longest = max(run.epochs + (run.diverged_at is not None) for run in runs.values())
            return cls(tuple(sorted({k[0] for k in grid})), tuple(dict.fromkeys(k[1] for k in grid)),
                       tuple(sorted({k[2] for k in grid})), longest, runs)
        except (ValueError, TypeError) as exc:   # say where it came from: the columns given
            raise ValueError(f"columns do not hold a valid grid of runs: {exc}") from None

    @classmethod
    def load(cls) -> "WorkflowRuns":
        """The runs shipped with the course (``data/workflow_runs.csv``, checksummed)."""
        from course_lib.data import load_workflow_runs
        return cls.from_columns(load_workflow_runs())

    def run(self, learning_rate: float, schedule: str, dropout: float) -> tuple[tuple[float, str, float], WorkflowRun]:
        """The stored run nearest to the setting: ``learning_rate`` on a log scale, ``dropout`` linearly.

        Returns ``((learning_rate, schedule, dropout) of the grid, run)``.
        """
        lr = check_real("learning_rate", learning_rate, low=0, low_open=True)
        check_choice("schedule", schedule, self.schedules)
        rate = check_real("dropout", dropout, low=0, high=1, high_open=True)
        lr = self.learning_rates[int(np.argmin(np.abs(np.log10(self.learning_rates) - math.log10(lr))))]
        rate = self.dropouts[int(np.argmin(np.abs(np.asarray(self.dropouts) - rate)))]
        key = (lr, str(schedule), rate)
        return key, self.runs[key]


def _run_from_rows(key: tuple, table: dict[str, np.ndarray], rows: list[int]) -> WorkflowRun:
    """The rows of one run, epochs 0, 1, ... in order; a last row with a nan/inf is its divergence."""
    epochs = table["epoch"][rows]
    if not np.array_equal(epochs, np.arange(len(rows))):
        raise ValueError(f"the epochs of run {key} must count 0, 1, ..., got {_show(epochs.tolist())}")
    values = {name: table[name][rows] for name in CURVES}
    last = np.array([values[name][-1] for name in CURVES])
    if np.all(np.isfinite(last)):
        return WorkflowRun(**values)
    label, value = next((label, values[name][-1]) for label, name in _LOSSES if not np.isfinite(values[name][-1]))
    return WorkflowRun(**{name: v[:-1] for name, v in values.items()}, diverged_at=len(rows) - 1,
                       divergence=f"{label} {value:.3g}")


_LOSSES = (("training loss", "loss"), ("validation loss", "val_loss"), ("test loss", "test_loss"),
           ("training accuracy", "accuracy"), ("validation accuracy", "val_accuracy"),
           ("test accuracy", "test_accuracy"), ("learning rate", "learning_rate"))


@dataclass(frozen=True)
class WorkflowFrame:
    """What the explorer draws for one setting of the controls."""

    learning_rate: float        # the grid values the setting resolved to
    schedule: str
    dropout: float
    patience: int
    restore_best_weights: bool
    rates: np.ndarray           # the stored curves of the epochs that finished (none past a divergence)
    loss: np.ndarray
    val_loss: np.ndarray
    accuracy: np.ndarray
    val_accuracy: np.ndarray
    diverged_at: int | None     # the epoch whose loss became nan/inf (training ended there)
    stop_epoch: int | None      # the epoch at whose end early stopping fires (None: it never does)
    epochs_run: int             # epochs trained, the diverged one included
    best_epoch: int | None      # lowest validation loss among the trained epochs
    kept_epoch: int | None      # whose weights the model ends with (None: the nan weights of a divergence)
    kept_val_accuracy: float | None
    kept_test_loss: float | None
    kept_test_accuracy: float | None
    status: str
    ok: bool


def workflow_frame(runs: WorkflowRuns, learning_rate: float, schedule: str, dropout: float, patience: int,
                   restore_best_weights: bool = True) -> WorkflowFrame:
    """Pick the stored run, replay ``keras.callbacks.EarlyStopping(patience=...)`` on it, say what is kept.

    The rule is Keras's: after each epoch ``wait += 1``; a validation loss below the best so far
    resets ``wait`` to 0; training stops at the end of the epoch where ``wait >= patience``. A
    diverged run ends at its divergence (``TerminateOnNaN``) unless the rule stopped it before.
    With ``restore_best_weights`` the model ends with the best epoch's weights, as Keras's
    ``on_train_end`` puts them back (even when training never stopped early); without it, with the
    last trained epoch's, which after a divergence are nan.
    """
    if not isinstance(runs, WorkflowRuns):
        raise TypeError(f"runs must be a WorkflowRuns (WorkflowRuns.load()), got {_show(runs)}")
    (lr, schedule, dropout), run = runs.run(learning_rate, schedule, dropout)
    patience = check_int("patience", patience, low=0, high=MAX_PATIENCE)
    restore = check_bool("restore_best_weights", restore_best_weights)
    point = early_stopping_point(run.val_loss, patience=patience) if run.epochs else None
    stop = point.stop_epoch if point is not None else None
    diverged = run.diverged_at if stop is None else None
    epochs_run = stop + 1 if stop is not None else (run.diverged_at + 1 if diverged is not None else run.epochs)
    best = point.best_epoch if point is not None else None
    kept = best if restore else (None if diverged is not None else epochs_run - 1)
    scores = (None, None, None) if kept is None else (
        float(run.val_accuracy[kept]), float(run.test_loss[kept]), float(run.test_accuracy[kept]))
    status, ok = _judge(runs, run, lr, schedule, patience, restore, stop, diverged, epochs_run, best, kept,
                        scores)
    return WorkflowFrame(lr, schedule, dropout, patience, restore, run.learning_rate, run.loss, run.val_loss,
                         run.accuracy, run.val_accuracy, diverged, stop, epochs_run, best, kept, *scores,
                         status, ok)


def _judge(runs, run, lr, schedule, patience, restore, stop, diverged, epochs_run, best, kept, scores):
    val_acc, test_loss, test_acc = scores
    if diverged is not None:
        head = f"diverged at epoch {diverged} ({run.divergence}): learning rate {lr:g} is too high"
    elif stop is not None:
        head = f"stopped at epoch {stop} (patience {patience}), {epochs_run} of {runs.epochs} epochs trained"
        if schedule == "plateau" and not np.any(run.learning_rate[:epochs_run] < run.learning_rate[0]):
            head += (f"; ReduceLROnPlateau (patience {runs.plateau_patience}) never cut the rate before the "
                     "stop: give early stopping the longer patience")
    else:
        head = f"never stopped: all {run.epochs} epochs trained"
        if best == run.epochs - 1:
            head += ", val_loss still falling at the end (more epochs, or a larger rate)"
    if kept is None:
        tail = ("no epoch finished: nothing to restore" if best is None else
                "restore_best_weights is off: the model keeps the nan weights of the divergence")
        return f"{head}; {tail}", False
    which = f"restored epoch {kept}" if restore else f"kept epoch {kept} (restore_best_weights off)"
    tail = f"{which}: val acc {val_acc:.3f}, test acc {test_acc:.3f}, test loss {_loss_text(test_loss)}"
    if not restore and kept != best:
        tail += f" (the best epoch, {best}, had val acc {run.val_accuracy[best]:.3f})"
    ok = diverged is None and val_acc >= GOOD_VAL_ACCURACY
    if diverged is None and not ok:
        tail += f" — below {GOOD_VAL_ACCURACY:g}"
    return f"{head}; {tail}", ok


def _setting(frame: WorkflowFrame) -> str:
    """The grid setting a frame shows, as a legend would name it."""
    return (f"lr={frame.learning_rate:g}, {frame.schedule}, dropout={frame.dropout:g}, "
            f"patience={frame.patience}")


def _loss_text(loss: float) -> str:
    """Three decimals for a trained model's loss, three digits for a blown-up one (4.01e+06)."""
    return f"{loss:.3f}" if loss < 100 else f"{loss:.3g}"


class WorkflowExplorer:
    """Learning rate, schedule, dropout, patience and restore_best_weights -> curves, stop, kept epoch."""

    def __init__(self, runs: WorkflowRuns | None = None, learning_rate: float = 0.01, schedule: str = "constant",
                 dropout: float = 0.2, patience: int = 10, restore_best_weights: bool = True,
                 max_patience: int | None = None):
        runs = WorkflowRuns.load() if runs is None else runs
        if not isinstance(runs, WorkflowRuns):
            raise TypeError(f"runs must be a WorkflowRuns (or None: the shipped runs), got {_show(runs)}")
        self.runs = runs
        top = runs.epochs if max_patience is None else max_patience
        self.max_patience = check_int("max_patience", top, low=1, high=MAX_PATIENCE)
        (lr, schedule, dropout), _ = runs.run(learning_rate, schedule, dropout)
        patience = check_int("patience", patience, low=0, high=self.max_patience)
        restore = check_bool("restore_best_weights", restore_best_weights)
        style = {"description_width": "initial"}
        self.controls = {
            "learning_rate": widgets.SelectionSlider(options=[(f"{v:g}", v) for v in runs.learning_rates],
                                                     value=lr, description="learning rate", style=style),
            "schedule": widgets.ToggleButtons(options=list(runs.schedules), value=schedule,
                                              description="schedule", style=style),
            "dropout": widgets.SelectionSlider(options=[(f"{v:g}", v) for v in runs.dropouts], value=dropout,
                                               description="dropout rate", style=style),
            "patience": widgets.IntSlider(value=patience, min=0, max=self.max_patience,
                                          description="early-stopping patience", style=style),
            "restore_best_weights": widgets.Checkbox(value=restore, description="restore_best_weights",
                                                     style=style),
        }
        self.status = widgets.HTML()
        self._build_figure()
        for control in self.controls.values():
            control.observe(self.update, "value")
        self.update()

    def _build_figure(self) -> None:
        self._limits = _chart_limits(self.runs)
        fig, axes = plt.subplots(1, 3, figsize=(10, 3.8), gridspec_kw={"width_ratios": [3, 3, 2]})
        ax, ax_a, ax_r = axes
        (self.loss_line,) = ax.semilogy([], [], color="C0", lw=1.2, label="training")
        (self.val_line,) = ax.semilogy([], [], color="C1", lw=1.4, label="validation")
        (self.acc_line,) = ax_a.plot([], [], color="C0", lw=1.2)
        (self.val_acc_line,) = ax_a.plot([], [], color="C1", lw=1.4)
        (self.rate_line,) = ax_r.semilogy([], [], color="C2", lw=1.4)
        self.shades, self.stop_lines = [], []
        for axis, (lo, hi) in zip(axes, self._limits):
            self.shades.append(axis.add_patch(Rectangle((0, lo), 0, hi - lo, color="0.5", alpha=0.15, lw=0,
                                                        label="not trained")))
            self.stop_lines.append(axis.plot([], [], color="C3", lw=1.5, label="end of training")[0])
            axis.set(xlim=(0, self.runs.epochs - 1), ylim=(lo, hi), xlabel="epoch")
        self.kept_dots = [axis.plot([], [], "o", color="C3", ms=7, mfc="none", mew=2, label="kept weights")[0]
                          for axis in (ax, ax_a)]
        (self.diverged_mark,) = ax.plot([], [], "x", color="C3", ms=10, mew=2.5, label="diverged (nan/inf)")
        ax.set(ylabel="cross-entropy (log scale)", title="loss")
        ax_a.set(ylabel="accuracy", title="accuracy")
        ax_r.set(ylabel="learning rate (log scale)", title="learning rate in use")
        fig.legend(handles=[self.loss_line, self.val_line, self.shades[0], self.stop_lines[0], self.kept_dots[0],
                            self.diverged_mark], loc="lower center", ncol=6, fontsize=8, frameon=False)
        # fixed margins: tight_layout measured every log-axis tick label and took most of the build
        fig.subplots_adjust(left=0.07, right=0.99, bottom=0.22, top=0.92, wspace=0.33)
        self.live = LiveFigure(fig, animated=[self.loss_line, self.val_line, self.acc_line, self.val_acc_line,
                                              self.rate_line, *self.shades, *self.stop_lines, *self.kept_dots,
                                              self.diverged_mark])

    def update(self, change: Any = None) -> WorkflowFrame:
        """Pick the run, re-apply the stopping rule and redraw; returns the frame."""
        c = self.controls
        frame = workflow_frame(self.runs, c["learning_rate"].value, c["schedule"].value, c["dropout"].value,
                               c["patience"].value, c["restore_best_weights"].value)
        (low, high), _, (r_low, r_high) = self._limits
        epochs = np.arange(len(frame.loss))
        self.loss_line.set_data(epochs, _on_chart(frame.loss, low, high))
        self.val_line.set_data(epochs, _on_chart(frame.val_loss, low, high))
        self.acc_line.set_data(epochs, frame.accuracy)
        self.val_acc_line.set_data(epochs, frame.val_accuracy)
        self.rate_line.set_data(epochs, np.clip(frame.rates, r_low, r_high))
        last = frame.epochs_run - 1
        for shade in self.shades:
            shade.set_x(last)
            shade.set_width(max(self.runs.epochs - 1 - last, 0))
        ended = frame.epochs_run < self.runs.epochs
        for line, (lo, hi) in zip(self.stop_lines, self._limits):
            line.set_data([last, last] if ended else [], [lo, hi] if ended else [])
        kept = [] if frame.kept_epoch is None else [frame.kept_epoch]
        self.kept_dots[0].set_data(kept, [] if not kept else [np.clip(frame.val_loss[kept[0]], low, high)])
        self.kept_dots[1].set_data(kept, [] if not kept else [frame.val_accuracy[kept[0]]])
        self.diverged_mark.set_data(*(([frame.diverged_at], [high / 1.3]) if frame.diverged_at is not None
                                      else ([], [])))
        # the setting is named in the status line, not in the figure: an animated title cost 13 ms a change
        self.status.value = status_text(f"{_setting(frame)}: {frame.status}", frame.ok)
        self.live.refresh()
        self.frame = frame
        return frame

    def show(self) -> None:
        """Display the controls, the status line and the figure."""
        c = self.controls
        box = widgets.VBox([widgets.HBox([c["learning_rate"], c["dropout"]]), c["schedule"],
                            widgets.HBox([c["patience"], c["restore_best_weights"]])])
        show_widget(box, self.status, self.live)


def _chart_limits(runs: WorkflowRuns) -> list[tuple[float, float]]:
    """Fixed y ranges of the three panels (loss, accuracy, rate), so that a change never rescales them.

    The loss axis ends at LOSS_CEILING: a diverging run's first blow-up shows, the rest leaves the
    chart. The rate axis spans the grid's rates and every rate a schedule reached, at most 7 decades.
    """
    values = np.concatenate([c for run in runs.runs.values() for c in (run.loss, run.val_loss)])
    low = max(values[values > 0].min() / 1.5, 1e-4) if np.any(values > 0) else 1e-4
    rates = np.concatenate([run.learning_rate for run in runs.runs.values()] + [np.array(runs.learning_rates)])
    r_high = rates.max() * 2
    r_low = max(rates[rates > 0].min() / 2, r_high * 1e-7)
    return [(low, LOSS_CEILING), (0.0, 1.02), (r_low, r_high)]


def _on_chart(curve: np.ndarray, low: float, high: float) -> np.ndarray:
    """Losses to draw on a log axis: below the axis clipped to it, above it left out (a gap)."""
    return np.where(curve > high, np.nan, np.maximum(curve, low))
