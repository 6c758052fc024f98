r"""Stochastic and mini-batch gradient descent on a 1-feature linear regression: noise made visible.

Each step uses a batch ``B`` of the (shuffled) training set and the gradient of its mean loss,

    g_B = (2/|B|) sum_{i in B} x_i (x_i^T theta - y_i),   x_i = (x_i, 1),   theta = (w, b),

an unbiased but noisy estimate of the full gradient; ``theta <- theta - lr_t g_B``. With a
constant rate the iterates never settle: they wander in a "noise ball" around the minimum whose
size grows with ``lr`` and shrinks with ``|B|``. A decaying rate shrinks the ball. The rate here
is Keras's ``InverseTimeDecay`` with one decay period per epoch,
``lr_t = lr / (1 + decay * t / steps_per_epoch)`` (``decay = 0``: constant).

Everything a batch needs is a sum over its samples, so :func:`batch_statistics` precomputes
``sum x^2, sum x, |B|, sum x y, sum y`` per step once; a run is then a loop of scalar updates.
"""
from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from course_lib._checks import check_array, check_choice, check_int, check_real
from course_lib.widgets._live import LiveFigure, show_widget, status_text
from course_lib.widgets.gd_path import (DIVERGENCE_FACTOR, LossSurface, _excess, check_start,
                                        check_surface, draw_contours, linear_regression_surface)

#: The widget draws at most about this many points per line (a thinned path still shows the noise).
MAX_DRAWN = 700
#: The most SGD steps a run may take (a plain loop: 10**6 steps take about a second).
MAX_STEPS = 1_000_000
#: The most samples the precomputed epochs may hold in all (``n_samples * epochs``).
MAX_VISITS = 1_000_000
#: The same for the widget, which replays its runs on every slider move.
MAX_WIDGET_VISITS = 100_000


@dataclass(frozen=True)
class BatchStatistics:
    """Per-step sums over each batch (arrays of length ``steps``) and the batch layout."""

    sxx: np.ndarray
    sx: np.ndarray
    count: np.ndarray
    sxy: np.ndarray
    sy: np.ndarray
    batch_size: int
    steps_per_epoch: int

    def __post_init__(self) -> None:
        sums = {k: check_array(k, getattr(self, k), ndim=1) for k in ("sxx", "sx", "count", "sxy", "sy")}
        steps = len(sums["count"])
        if any(len(v) != steps for v in sums.values()):
            raise ValueError(f"sxx, sx, count, sxy and sy must have one value per step, got lengths "
                             f"{[len(v) for v in sums.values()]}")
        if steps > MAX_STEPS or np.any(sums["count"] < 1) or np.any(sums["sxx"] < 0):
            raise ValueError(f"count must be >= 1 (samples per batch), sxx >= 0 and at most {MAX_STEPS} steps")
        if np.abs(np.concatenate(list(sums.values()))).max() > 1e150:
            raise ValueError("sxx, sx, sxy and sy must lie within ±1e150 (standardize x and y)")
        for k, v in sums.items():
            object.__setattr__(self, k, v)
        object.__setattr__(self, "batch_size", check_int("batch_size", self.batch_size, low=1))
        object.__setattr__(self, "steps_per_epoch",
                           check_int("steps_per_epoch", self.steps_per_epoch, low=1, high=steps))


def shuffled_orders(n_samples: int, epochs: int, rng: np.random.Generator) -> np.ndarray:
    """One permutation of ``range(n_samples)`` per epoch, shape ``(epochs, n_samples)``.

    >>> shuffled_orders(4, 2, np.random.default_rng(0)).shape
    (2, 4)
    """
    n = check_int("n_samples", n_samples, low=1, high=MAX_VISITS)
    epochs = check_int("epochs", epochs, low=1, high=MAX_VISITS // n)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy Generator (np.random.default_rng(seed)), got {type(rng).__name__}")
    return np.stack([rng.permutation(n) for _ in range(epochs)])


def batch_statistics(x, y, orders, batch_size: int) -> BatchStatistics:
    """Sums over consecutive batches of each epoch's order; the last batch may be smaller.

    >>> s = batch_statistics([1.0, 2.0, 3.0], [1.0, 1.0, 1.0], [[2, 0, 1]], batch_size=2)
    >>> s.sxx.tolist(), s.count.tolist(), s.steps_per_epoch
    ([10.0, 4.0], [2.0, 1.0], 2)
    """
    x, y = check_array("x", x, ndim=1), check_array("y", y, ndim=1)
    if np.abs(x).max() > 1e75 or np.abs(y).max() > 1e75:
        raise ValueError("x and y must lie within ±1e75 (their batch sums must fit in float64)")
    raw = check_array("orders", orders, ndim=2)
    if raw.size > MAX_VISITS or np.any(raw != np.round(raw)):
        raise ValueError(f"orders must hold whole sample indices, at most {MAX_VISITS} in all")
    orders = raw.astype(np.intp)
    n = len(x)
    if len(y) != n:
        raise ValueError(f"y must have {n} values like x, got {len(y)}")
    if orders.shape[1] != n or np.any(np.sort(orders, axis=1) != np.arange(n)):
        raise ValueError(f"orders must be permutations of range({n}) (one row per epoch), "
                         f"got shape {orders.shape}")
    batch_size = check_int("batch_size", batch_size, low=1, high=n)
    starts = np.arange(0, n, batch_size)
    xs, ys = x[orders], y[orders]  # (epochs, n) in visiting order

    def sums(v: np.ndarray) -> np.ndarray:
        return np.add.reduceat(v, starts, axis=1).ravel()

    count = np.tile(np.diff(np.append(starts, n)).astype(float), len(orders))
    return BatchStatistics(sums(xs * xs), sums(xs), count, sums(xs * ys), sums(ys), batch_size, len(starts))


def learning_rates(learning_rate: float, decay: float, steps: int, steps_per_epoch: int) -> np.ndarray:
    """``lr / (1 + decay * t / steps_per_epoch)`` for ``t = 0 .. steps-1`` (Keras ``InverseTimeDecay``).

    >>> learning_rates(0.1, 1.0, 3, 1).tolist()
    [0.1, 0.05, 0.03333333333333333]
    """
    lr = check_real("learning_rate", learning_rate, low=0, low_open=True)
    decay = check_real("decay", decay, low=0)
    steps = check_int("steps", steps, low=1, high=MAX_STEPS)
    per = check_int("steps_per_epoch", steps_per_epoch, low=1)
    with np.errstate(over="ignore"):  # a huge decay: the rates after step 0 are 0, their limit
        return lr / (1.0 + decay * np.arange(steps) / per)


@dataclass(frozen=True)
class SGDFrame:
    """One run: iterates ``path`` (k+1, 2), epoch of each, full-data excess loss, rates, status."""

    path: np.ndarray
    epoch: np.ndarray
    excess_loss: np.ndarray
    learning_rate: np.ndarray
    diverged_at: int | None
    status: str
    ok: bool


def sgd_path(stats: BatchStatistics, surface: LossSurface, learning_rate: float, decay: float = 0.0,
             start=(0.0, 0.0)) -> SGDFrame:
    r"""Run ``theta <- theta - lr_t g_B`` over every precomputed batch, in order.

    Stops early when the full-data excess loss exceeds ``DIVERGENCE_FACTOR`` times its start or
    is not finite; an iterate that overflowed float64 is not kept (the path then ends one step
    before ``diverged_at``). Keras: ``keras.optimizers.SGD`` with ``model.fit(batch_size=...)``.

    >>> s = batch_statistics([1.0, -1.0], [1.0, -1.0], [[0, 1]], batch_size=2)
    >>> sgd_path(s, linear_regression_surface([1.0, -1.0], [1.0, -1.0]), 0.25).path.tolist()
    [[0.0, 0.0], [0.5, 0.0]]
    """
    if not isinstance(stats, BatchStatistics):
        raise TypeError(f"stats must be BatchStatistics (from batch_statistics), got {type(stats).__name__}")
    check_surface(surface)
    rates = learning_rates(learning_rate, decay, len(stats.count), stats.steps_per_epoch)
    w, b = check_start(start, surface).tolist()
    (a00, a01), (_, a11) = surface.bowl.A.tolist()
    ws, bs = surface.bowl.minimizer.tolist()
    limit = DIVERGENCE_FACTOR * max(0.5 * (a00 * (w - ws) ** 2 + 2 * a01 * (w - ws) * (b - bs)
                                           + a11 * (b - bs) ** 2), 1e-300)
    path, diverged = [(w, b)], None
    columns = zip(rates.tolist(), stats.sxx.tolist(), stats.sx.tolist(), stats.count.tolist(),
                  stats.sxy.tolist(), stats.sy.tolist())
    for t, (lr, sxx, sx, m, sxy, sy) in enumerate(columns, start=1):
        step = 2.0 * lr / m
        try:
            w, b = w - step * (w * sxx + b * sx - sxy), b - step * (w * sx + b * m - sy)
            dw, db = w - ws, b - bs
            excess = 0.5 * (a00 * dw * dw + 2 * a01 * dw * db + a11 * db * db)
        except OverflowError:  # Python floats raise where numpy would give inf
            excess = float("inf")
        if not excess <= limit:  # also catches nan
            diverged = t
            if np.isfinite(excess):
                path.append((w, b))
            break
        path.append((w, b))
    path = np.array(path)
    steps = t if diverged is not None else len(path) - 1   # updates made (rates used)
    excess = _excess(surface.bowl, path)
    status, ok = _describe(stats, excess, rates[:steps], diverged)
    return SGDFrame(path, np.arange(len(path)) / stats.steps_per_epoch, excess, rates[:steps], diverged,
                    status, ok)


def _describe(stats: BatchStatistics, excess: np.ndarray, rates: np.ndarray, diverged: int | None
              ) -> tuple[str, bool]:
    per = stats.steps_per_epoch
    if diverged is not None:
        return (f"diverged at step {diverged} (epoch {diverged / per:.2f}): loss above "
                f"{DIVERGENCE_FACTOR:.0f}× its start; lower the learning rate or raise the batch size",
                False)
    rises = float(np.mean(np.diff(excess[-per - 1:]) > 0))  # stable full-batch GD: never
    noise = (f"the full-data loss rose at {rises:.0%} of the last epoch's steps (gradient noise)" if rises
             else "the full-data loss fell at every step of the last epoch")
    steps = f"{per} step{'s' * (per > 1)} of {stats.batch_size} sample{'s' * (stats.batch_size > 1)}"
    epochs = len(rates) // per
    return (f"{epochs} epoch{'s' * (epochs > 1)} × {steps}: excess loss "
            f"{excess[-1]:.1e}; {noise}; final lr {rates[-1]:.3g}", True)


class SGDPathWidget:
    """Batch size, learning rate and decay -> SGD path (whole and near the minimum) and loss curve."""

    def __init__(self, x, y, *, epochs: int = 10, seed: int = 0, start=(0.0, 0.0),
                 learning_rate: float = 0.05, batch_size: int = 1, decay: float = 0.0):
        x, y = check_array("x", x, ndim=1), check_array("y", y, ndim=1)
        self.surface = linear_regression_surface(x, y)
        self.start = check_start(start, self.surface)
        epochs = check_int("epochs", epochs, low=1, high=max(1, MAX_WIDGET_VISITS // len(x)))
        orders = shuffled_orders(len(x), epochs, np.random.default_rng(check_int("seed", seed, low=0)))
        sizes = sorted({2**k for k in range(int(np.log2(len(x))) + 1)} | {len(x)})
        self.stats = {b: batch_statistics(x, y, orders, b) for b in sizes}  # the precomputed part
        # The slider ends just below full batch's 2 / lambda_max (exponent rounded down to 0.01).
        top = np.floor(100 * np.log10(self.surface.stable_learning_rate)) / 100
        check_int("batch_size", batch_size, low=1)
        learning_rate = check_real("learning_rate", learning_rate, low=10.0 ** (top - 3), high=10.0**top)
        whole = {"style": {"description_width": "initial"}}  # show each description whole
        self.controls = {
            "batch_size": widgets.SelectionSlider(
                options=sizes, description="batch size", value=check_choice("batch_size", batch_size, sizes),
                **whole),
            "learning_rate": widgets.FloatLogSlider(
                value=learning_rate, base=10, min=top - 3,
                max=top, step=0.05, description="learning rate", readout_format=".3g", **whole),
            "decay": widgets.FloatSlider(value=check_real("decay", decay, low=0, high=5), min=0.0, max=5.0,
                                         step=0.1, description="decay", **whole)}
        self.status = widgets.HTML()
        self._build_figure(epochs)
        for control in self.controls.values():
            control.observe(self.update, "value")
        self.update()

    def _build_figure(self, epochs: int) -> None:
        fig, (self.ax_path, self.ax_zoom, self.ax_loss) = plt.subplots(
            1, 3, figsize=(10.5, 3.4), gridspec_kw={"width_ratios": [1, 1, 1.3]})
        centre = self.surface.bowl.minimizer
        half = 1.3 * np.abs(self.start - centre).max() + 1e-9
        for ax, h, title in [(self.ax_path, half, "whole path"),
                             (self.ax_zoom, half / 20, "last epoch, zoomed ×20")]:
            draw_contours(ax, self.surface, (centre[0] - h, centre[0] + h, centre[1] - h, centre[1] + h),
                          levels=10)
            ax.set_title(title)
        self.ax_path.plot(*self.start, "s", color="0.3")
        (self.line,) = self.ax_path.plot([], [], "-", lw=0.6, color="#0072B2")
        (self.cloud,) = self.ax_zoom.plot([], [], ".", ms=3, color="#0072B2")
        excess0 = max(float(self.surface.bowl.loss(self.start)), 1e-300)
        (self.curve,) = self.ax_loss.semilogy([], [], "-", lw=0.8, color="#0072B2",
                                              label="this batch size")
        (self.reference,) = self.ax_loss.semilogy([], [], "o--", ms=3, lw=1, color="0.45",
                                                  label="full batch, same lr")
        self.ax_loss.legend(loc="lower left", fontsize=8)
        self.ax_loss.set(xlim=(0, epochs), ylim=(1e-9 * excess0, 10 * DIVERGENCE_FACTOR * excess0),
                         xlabel="epoch", ylabel="L(θ) − L* on all data (log)",
                         title="excess loss per step")
        self.note = self.ax_loss.text(0.98, 0.95, "", transform=self.ax_loss.transAxes, ha="right",
                                      va="top")
        fig.tight_layout()
        self.live = LiveFigure(fig, animated=[self.line, self.cloud, self.curve, self.reference, self.note])

    def update(self, change=None) -> SGDFrame:
        """Replay SGD on the precomputed batches for the current controls; redraw the moving artists."""
        stats = self.stats[self.controls["batch_size"].value]
        frame = sgd_path(stats, self.surface, self.controls["learning_rate"].value,
                         self.controls["decay"].value, self.start)
        every = max(1, len(frame.path) // MAX_DRAWN)  # thinned for speed; the frame keeps every step
        self.line.set_data(frame.path[::every, 0], frame.path[::every, 1])
        tail = frame.path[-stats.steps_per_epoch - 1:]
        self.cloud.set_data(tail[:, 0], tail[:, 1])
        floor = self.ax_loss.get_ylim()[0]
        self.curve.set_data(frame.epoch[::every], np.maximum(frame.excess_loss[::every], floor))
        full = sgd_path(self.stats[max(self.stats)], self.surface, self.controls["learning_rate"].value,
                        self.controls["decay"].value, self.start)
        self.reference.set_data(full.epoch, np.maximum(full.excess_loss, floor))
        self.note.set_text("diverged" if frame.diverged_at else f"final lr {frame.learning_rate[-1]:.2g}")
        self.note.set_color("#1a7f37" if frame.ok else "#b42318")
        self.status.value = status_text(frame.status, frame.ok)
        self.live.refresh()
        self.frame = frame
        return frame

    def show(self) -> None:
        """Display the controls, the status line and the figure."""
        show_widget(widgets.HBox(list(self.controls.values())), self.status, self.live)
