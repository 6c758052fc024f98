"""The smallest widget of the course, used by notebook 00 to show how every widget works.

Gradient descent on ``f(w) = w^2`` (gradient ``2w``): each step multiplies ``w`` by
``1 - 2 * learning_rate``, so it converges for ``0 < lr < 1``, oscillates for ``0.5 < lr < 1``,
bounces forever at ``lr = 1`` and diverges beyond.
"""
from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from course_lib._checks import check_int, check_real
from course_lib.widgets._live import LiveFigure, show_widget, status_text

#: The most steps :func:`parabola_frame` runs (a longer run is refused: it would only repeat).
MAX_STEPS = 10_000
#: The slider's range of learning rates, ``10**-2 .. 10**0.3`` (about 2: diverging).
LR_RANGE = (10.0**-2, 10.0**0.3)


@dataclass(frozen=True)
class ParabolaFrame:
    """What the demo draws: iterates ``w``, their losses, and a status sentence."""

    w: np.ndarray
    loss: np.ndarray
    status: str
    ok: bool


def parabola_frame(learning_rate: float, steps: int = 20, w0: float = 1.0) -> ParabolaFrame:
    """Run ``steps`` of gradient descent on ``w^2`` from ``w0``.

    ``steps`` is at most ``MAX_STEPS`` and ``|w0|`` at most ``1e6``. A diverging path that
    leaves float64's range stops at the last finite iterate, and the status says so.

    >>> f = parabola_frame(0.25, steps=2)
    >>> f.w.tolist(), f.status
    ([1.0, 0.5, 0.25], 'converging: |w| shrinks by a factor of 0.5 per step')
    """
    lr = check_real("learning_rate", learning_rate, low=0, low_open=True)
    steps = check_int("steps", steps, low=1, high=MAX_STEPS)
    w0 = check_real("w0", w0, low=-1e6, high=1e6)
    factor = 1.0 - 2.0 * lr
    with np.errstate(over="ignore", invalid="ignore"):
        w = w0 * factor ** np.arange(steps + 1)
        loss = w**2
    kept = int(np.argmin(np.isfinite(loss))) if not np.all(np.isfinite(loss)) else len(loss)
    w, loss = w[:kept], loss[:kept]
    if abs(factor) < 1:
        kind = "converging" if factor >= 0 else "converging while oscillating"
        return ParabolaFrame(w, loss, f"{kind}: |w| shrinks by a factor of {abs(factor):.3g} per step", True)
    if abs(factor) == 1:
        return ParabolaFrame(w, loss, "bouncing between +w0 and -w0 forever (lr = 1)", False)
    overflow = (f"; w² overflowed float64 after step {kept - 1}, the path stops there"
                if kept <= steps else "")
    return ParabolaFrame(w, loss, f"diverging: |w| grows by a factor of {abs(factor):.3g} per step"
                         f"{overflow}", False)


class ParabolaDemo:
    """A learning-rate slider driving the path of gradient descent on ``w^2``."""

    def __init__(self, learning_rate: float = 0.1, steps: int = 20):
        learning_rate = check_real("learning_rate", learning_rate, low=LR_RANGE[0], high=LR_RANGE[1])
        self.steps = check_int("steps", steps, low=1, high=MAX_STEPS)
        self.controls = {"learning_rate": widgets.FloatLogSlider(
            value=learning_rate, base=10, min=-2, max=0.3, step=0.05, description="learning rate",
            style={"description_width": "initial"},
            readout_format=".3f", continuous_update=True)}
        self.status = widgets.HTML()
        fig, (self.ax_path, self.ax_loss) = plt.subplots(1, 2, figsize=(8, 3))
        grid = np.linspace(-2, 2, 200)
        self.ax_path.plot(grid, grid**2, color="0.6")
        (self.path,) = self.ax_path.plot([], [], "o-", ms=4)
        self.ax_path.set(xlabel="w", ylabel="f(w) = w²", title="iterates on the curve")
        (self.curve,) = self.ax_loss.semilogy([], [], "o-", ms=3)
        self.ax_loss.set(xlabel="step", ylabel="f(w) (log scale)", title="loss per step")
        fig.tight_layout()
        self.live = LiveFigure(fig, animated=[self.path, self.curve])
        self._loss_limits = None
        self.controls["learning_rate"].observe(self.update, "value")
        self.update()

    def update(self, change=None) -> ParabolaFrame:
        """Recompute and redraw; returns the frame it drew."""
        frame = parabola_frame(self.controls["learning_rate"].value, self.steps)
        shown = np.clip(frame.w, -2, 2)  # a diverging path still draws, pinned to the axes
        self.path.set_data(shown, shown**2)
        self.curve.set_data(np.arange(frame.loss.size), np.maximum(frame.loss, 1e-300))
        # Rescale the loss axis only when the curve leaves it: the full redraw is the slow part.
        low, high = max(frame.loss.min(), 1e-300), max(frame.loss.max(), 1e-300)
        limits = self._loss_limits
        full = limits is None or low < limits[0] or high > limits[1] or high < limits[1] * 1e-3
        if full:
            # capped at 1e250: 10x a loss near float64's largest is inf (refused as an axis limit), and
            # matplotlib's log ticks overflow (a RuntimeWarning) on an axis reaching beyond ~1e280
            self._loss_limits = (low / 10, min(high, 1e249) * 10)
            self.ax_loss.set(xlim=(-0.5, self.steps + 0.5), ylim=self._loss_limits)
        self.status.value = status_text(frame.status, frame.ok)
        self.live.refresh(full=full)
        self.frame = frame
        return frame

    def show(self) -> None:
        """Display the controls, the status line and the figure."""
        show_widget(self.controls["learning_rate"], self.status, self.live)
