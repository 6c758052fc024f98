"""The early-stopping explorer of notebook 07: patience, min_delta and validation noise, live.

The training runs are done once, before the widget exists (a :class:`StoredRun`: training,
validation and reference test losses per epoch). Moving a control only re-applies Keras's
stopping rule, :func:`course_lib.early_stopping.early_stopping_point`, to the stored curves:
a loop over a few hundred numbers, so the widget stays live.

The left panel shows where training stops and which epoch's weights are restored; the right
panel shows the price of patience (Prechelt, 1998): for every patience value, the epochs
trained against the test loss of the restored weights.
"""
from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from course_lib._checks import check_array, check_int, check_real
from course_lib.early_stopping import early_stopping_point
from course_lib.widgets._live import LiveFigure, show_widget, status_text

#: A restored model whose test loss is within this factor of the best epoch's counts as a good stop.
GOOD_ENOUGH = 1.05
#: The longest curve the explorer replays (every patience is a pass over it: 200 x 2,000 ~ 1 s).
MAX_EPOCHS = 2_000
#: The largest patience (and ``max_patience``) the frame functions accept.
MAX_PATIENCE = 200


def _losses(name: str, curve) -> np.ndarray:
    """A recorded loss curve: 2 to ``MAX_EPOCHS`` finite values >= 0, at least one > 0."""
    curve = check_array(name, curve, ndim=1)
    if not 2 <= len(curve) <= MAX_EPOCHS or np.any(curve < 0) or not np.any(curve > 0) \
            or curve.max() > 1e300:
        raise ValueError(f"{name} must hold 2 to {MAX_EPOCHS} losses in [0, 1e300], not all 0, got "
                         f"{len(curve)} values from {curve.min():.3g} to {curve.max():.3g}")
    return curve


def _curves(val_loss, test_loss) -> tuple[np.ndarray, np.ndarray]:
    """A validation curve (nan allowed: Keras's rule never counts it as an improvement) and a
    finite test curve of the same length, at most ``MAX_EPOCHS``."""
    val = check_array("val_loss", val_loss, ndim=1, finite=False)
    test = check_array("test_loss", test_loss, ndim=1)
    if len(val) > MAX_EPOCHS:
        raise ValueError(f"val_loss must have at most {MAX_EPOCHS} epochs, got {len(val)}")
    if len(test) != len(val):
        raise ValueError(f"test_loss must have {len(val)} epochs like val_loss, got {len(test)}")
    return val, test


@dataclass(frozen=True)
class StoredRun:
    """Per-epoch losses of one long training run, recorded once.

    ``val_loss`` maps a label (e.g. ``"50 samples"``) to the validation curve measured on a
    validation set of that kind, ordered from the least to the most noisy; ``test_loss`` is
    the reference: the loss on a large held-out set the stopping rule never sees.
    """

    train_loss: np.ndarray
    val_loss: dict[str, np.ndarray]
    test_loss: np.ndarray

    def __post_init__(self) -> None:
        train = _losses("train_loss", self.train_loss)
        test = _losses("test_loss", self.test_loss)
        if not isinstance(self.val_loss, dict) or not self.val_loss:
            raise ValueError("val_loss must be a non-empty dict of label -> curve")
        if not all(isinstance(k, str) for k in self.val_loss):
            raise ValueError(f"val_loss's labels must be strings, got {list(self.val_loss)!r:.200}")
        curves = {k: _losses(f"val_loss[{k!r}]", v) for k, v in self.val_loss.items()}
        if any(len(c) != len(train) for c in (test, *curves.values())):
            raise ValueError(f"every curve must have {len(train)} epochs like train_loss, got "
                             f"test_loss {len(test)}, val_loss {[len(c) for c in curves.values()]}")
        object.__setattr__(self, "train_loss", train)
        object.__setattr__(self, "test_loss", test)
        object.__setattr__(self, "val_loss", curves)

    @property
    def epochs(self) -> int:
        """Number of epochs recorded."""
        return len(self.train_loss)


@dataclass(frozen=True)
class EarlyStoppingFrame:
    """What the explorer draws for one setting of the controls."""

    stop_epoch: int | None      # the epoch at whose end training stops (None: ran to the end)
    best_epoch: int             # the epoch whose weights restore_best_weights puts back
    epochs_run: int
    restored_test: float        # test loss of the restored weights
    oracle_epoch: int           # the epoch with the lowest test loss (unknowable in practice)
    oracle_test: float
    tradeoff_epochs: np.ndarray  # for patience = 0, 1, ..., max_patience: epochs trained
    tradeoff_test: np.ndarray    # ... and the test loss of the restored weights
    status: str
    ok: bool


def patience_tradeoff(val_loss, test_loss, min_delta: float, max_patience: int
                      ) -> tuple[np.ndarray, np.ndarray]:
    """For every patience ``0..max_patience``: (epochs trained, test loss at the restored epoch).

    >>> epochs, test = patience_tradeoff([1.0, 0.5, 0.6, 0.7], [1.0, 0.4, 0.5, 0.9], 0.0, 2)
    >>> epochs.tolist(), test.tolist()
    ([3, 3, 4], [0.4, 0.4, 0.4])
    """
    val, test = _curves(val_loss, test_loss)
    top = check_int("max_patience", max_patience, low=0, high=MAX_PATIENCE)
    min_delta = check_real("min_delta", min_delta, low=0)
    # A patience of len(val) already never stops; larger ones give the same point.
    points = [early_stopping_point(val, patience=p, min_delta=min_delta)
              for p in range(min(top, len(val)) + 1)]
    points += [points[-1]] * (top + 1 - len(points))
    epochs = np.array([pt.epochs_run for pt in points])
    best = np.array([pt.best_epoch if pt.best_epoch is not None else len(val) - 1 for pt in points])
    return epochs, test[best]


def early_stopping_frame(val_loss, test_loss, patience: int, min_delta: float,
                         max_patience: int = 40) -> EarlyStoppingFrame:
    """Apply Keras's rule to a stored validation curve and judge the result on the test curve.

    >>> f = early_stopping_frame([1.0, 0.5, 0.6, 0.7, 0.8], [1.0, 0.4, 0.5, 0.9, 1.0], 2, 0.0, 3)
    >>> f.stop_epoch, f.best_epoch, f.epochs_run, f.restored_test, f.ok
    (3, 1, 4, 0.4, True)
    """
    patience = check_int("patience", patience, low=0, high=MAX_PATIENCE)
    min_delta = check_real("min_delta", min_delta, low=0)
    val, test = _curves(val_loss, test_loss)
    max_patience = check_int("max_patience", max_patience, low=0, high=MAX_PATIENCE)
    point = early_stopping_point(val, patience=patience, min_delta=min_delta)
    best = point.best_epoch if point.best_epoch is not None else len(val) - 1
    epochs, tests = patience_tradeoff(val, test, min_delta, max(max_patience, patience))
    oracle = int(np.argmin(test))
    restored, ideal = float(test[best]), float(test[oracle])
    status, ok = _judge(point.stop_epoch, best, point.epochs_run, len(val), restored, oracle, ideal)
    return EarlyStoppingFrame(point.stop_epoch, best, point.epochs_run, restored, oracle, ideal,
                              epochs, tests, status, ok)


def _judge(stop, best, run, total, restored, oracle, ideal) -> tuple[str, bool]:
    restored_text = (f"restored epoch {best}: test loss {restored:.3f} "
                     f"(best possible {ideal:.3f}, epoch {oracle})")
    if stop is None:
        return f"never stopped: all {total} epochs trained, nothing saved; {restored_text}", False
    saved = f"stopped at epoch {stop}, {run} of {total} epochs trained ({100 * run / total:.0f} %)"
    if restored > GOOD_ENOUGH * ideal:
        too_early = (" — too early: noise or a large min_delta ended training"
                     if best < oracle else "")
        return f"{saved}; {restored_text}{too_early}", False
    return f"{saved}; {restored_text}", True


class EarlyStoppingExplorer:
    """Patience, min_delta and validation noise -> where training stops and what is restored."""

    def __init__(self, run: StoredRun, patience: int = 10, min_delta: float = 0.0,
                 noise: str | None = None, max_patience: int = 40):
        if not isinstance(run, StoredRun):
            raise TypeError(f"run must be a StoredRun, got {type(run).__name__}")
        self.run = run
        self.max_patience = check_int("max_patience", max_patience, low=1, high=MAX_PATIENCE)
        patience = check_int("patience", patience, low=0, high=self.max_patience)
        min_delta = check_real("min_delta", min_delta, low=0.0, high=0.05)
        labels = list(run.val_loss)
        noise = labels[len(labels) // 2] if noise is None else noise
        if not isinstance(noise, str) or noise not in labels:
            raise ValueError(f"noise must be one of {labels}, got {noise!r:.100}")
        style = {"description_width": "initial"}   # show each description in full
        self.controls = {
            "patience": widgets.IntSlider(value=patience, min=0, max=self.max_patience,
                                          description="patience", style=style),
            "min_delta": widgets.FloatSlider(value=min_delta, min=0.0, max=0.05, step=0.0025,
                                             readout_format=".4f", description="min_delta",
                                             style=style),
            "noise": widgets.SelectionSlider(options=labels, value=noise,
                                             description="validation set", style=style),
        }
        self.status = widgets.HTML()
        self._build_figure()
        for control in self.controls.values():
            control.observe(self.update, "value")
        self.update()

    def _build_figure(self) -> None:
        run, epochs = self.run, np.arange(self.run.epochs)
        fig, (ax, ax_t) = plt.subplots(1, 2, figsize=(10, 3.8),
                                       gridspec_kw={"width_ratios": [3, 2]})
        all_val = np.concatenate(list(run.val_loss.values()))
        curves = np.concatenate([run.train_loss, run.test_loss, all_val])
        positive = curves[np.isfinite(curves) & (curves > 0)]
        low, high = positive.min() / 1.5, positive.max() * 1.5
        ax.semilogy(epochs, run.train_loss, color="0.55", lw=1.2, label="training loss")
        ax.semilogy(epochs, run.test_loss, color="0.2", ls="--", lw=1.2,
                    label="test loss (reference)")
        (self.val_line,) = ax.semilogy([], [], color="C0", lw=1.4, label="validation loss")
        self.shade = Rectangle((0, low), 0, high - low, color="0.5", alpha=0.15, lw=0,
                               label="not trained")
        ax.add_patch(self.shade)
        (self.stop_line,) = ax.plot([], [], color="C3", lw=1.5, label="stop")
        (self.best_dot,) = ax.plot([], [], "o", color="C3", ms=7, mfc="none", mew=2,
                                   label="restored (best) epoch")
        ax.set(xlim=(0, run.epochs - 1), ylim=(low, high), xlabel="epoch",
               ylabel="cross-entropy (log scale)", title="where training stops")
        # animated, so that its validation entry can name the current set without a full redraw
        self.legend = ax.legend(fontsize=8, loc="upper right", ncol=2)
        self.val_label = next(text for text in self.legend.get_texts()
                              if text.get_text() == "validation loss")
        ax_t.axhline(run.test_loss.min(), color="0.2", ls=":", lw=1, label="best possible")
        (self.trade_dots,) = ax_t.plot([], [], "o", color="C0", ms=4, alpha=0.6,
                                       label="patience 0..max")
        (self.trade_now,) = ax_t.plot([], [], "o", color="C3", ms=9, mfc="none", mew=2,
                                      label="current patience")
        top = run.test_loss.max() * 1.2
        ax_t.set(xlim=(0, run.epochs * 1.03), ylim=(run.test_loss.min() / 1.1, top), yscale="log",
                 xlabel="epochs trained", ylabel="test loss of restored weights",
                 title="the price of patience")
        ax_t.legend(fontsize=8, loc="upper right")
        fig.tight_layout()
        self.live = LiveFigure(fig, animated=[self.val_line, self.shade, self.stop_line,
                                              self.best_dot, self.trade_dots, self.trade_now,
                                              self.legend])
        self._ylim = (low, high)

    def update(self, change=None) -> EarlyStoppingFrame:
        """Re-apply the stopping rule to the stored curves and redraw; returns the frame."""
        val = self.run.val_loss[self.controls["noise"].value]
        patience = self.controls["patience"].value
        frame = early_stopping_frame(val, self.run.test_loss, patience,
                                     float(self.controls["min_delta"].value), self.max_patience)
        low, high = self._ylim
        last = frame.epochs_run - 1
        self.val_line.set_data(np.arange(val.size), np.clip(val, low, high))
        self.val_label.set_text(f"validation loss ({self.controls['noise'].value})")
        self.shade.set_x(last)
        self.shade.set_width(self.run.epochs - 1 - last)
        stopped = frame.stop_epoch is not None
        self.stop_line.set_data([last, last] if stopped else [], [low, high] if stopped else [])
        self.best_dot.set_data([frame.best_epoch], [np.clip(val[frame.best_epoch], low, high)])
        self.trade_dots.set_data(frame.tradeoff_epochs, frame.tradeoff_test)
        self.trade_now.set_data([frame.tradeoff_epochs[patience]], [frame.tradeoff_test[patience]])
        self.status.value = status_text(frame.status, frame.ok)
        self.live.refresh()
        self.frame = frame
        return frame

    def show(self) -> None:
        """Display the controls, the status line and the figure."""
        show_widget(widgets.HBox(list(self.controls.values())), self.status, self.live)
