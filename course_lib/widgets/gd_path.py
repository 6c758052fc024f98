r"""Batch gradient descent on a 2-D loss surface: its path on the contours and its loss curve.

On a quadratic surface ``L(theta) = L* + 1/2 (theta - theta*)^T A (theta - theta*)`` the
full-batch update ``theta <- theta - lr * A (theta - theta*)`` multiplies the error along the
i-th eigenvector of ``A`` by ``1 - lr * lambda_i`` at every step, so gradient descent

* converges when ``0 < lr < 2 / lambda_max`` (it zig-zags once ``lr > 1 / lambda_max``),
* diverges when ``lr > 2 / lambda_max``,
* and needs about ``kappa = lambda_max / lambda_min`` times more steps along the flattest
  direction than along the steepest one.

A one-feature linear regression with mean squared error, in ``(w, b)``, is exactly such a
surface: ``A = (2/n) [x 1]^T [x 1]`` (its Hessian), ``theta*`` the least-squares solution.
"""
from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from course_lib._checks import check_array, check_int, check_real
from course_lib.synthetic import QuadraticBowl
from course_lib.widgets._live import LiveFigure, show_widget, status_text

#: A run has diverged once its excess loss exceeds this multiple of the starting excess loss.
DIVERGENCE_FACTOR = 1e3
#: The most steps :func:`gd_path` runs (a plain loop: 10**5 steps take about half a second).
MAX_STEPS = 100_000
#: The most steps the widget's slider offers (every slider move reruns the path).
MAX_WIDGET_STEPS = 10_000


def _check_labels(labels) -> tuple[str, str]:
    if not isinstance(labels, (tuple, list)) or len(labels) != 2 or not all(isinstance(v, str) for v in labels):
        raise ValueError(f"labels must be two strings (the names of w and b), got {labels!r}")
    return tuple(labels)


def _points(theta) -> np.ndarray:
    theta = check_array("theta", theta, ndim=(1, 2, 3))
    if theta.shape[-1] != 2:
        raise ValueError(f"theta must hold points (w, b): last dimension 2, got shape {theta.shape}")
    return theta


def _excess(bowl: QuadraticBowl, theta: np.ndarray) -> np.ndarray:
    """``1/2 d^T A d``, ``d = theta - theta*``: the bowl's own formula, but inf (no error) on overflow."""
    d = theta - bowl.minimizer
    with np.errstate(over="ignore", invalid="ignore"):
        return 0.5 * np.einsum("...i,ij,...j->...", d, bowl.A, d)


def _gradient(bowl: QuadraticBowl, theta: np.ndarray) -> np.ndarray:
    """``A (theta - theta*)``, the bowl's own formula, inf (no error) on overflow."""
    with np.errstate(over="ignore", invalid="ignore"):
        return (theta - bowl.minimizer) @ bowl.A


def _finite(name: str, value):
    if not np.all(np.isfinite(value)):
        raise ValueError(f"{name} is too far from the minimum: the loss overflows float64")
    return value


@dataclass(frozen=True)
class LossSurface:
    """A 2-D quadratic loss: a :class:`QuadraticBowl` lifted by its minimum ``min_loss``."""

    bowl: QuadraticBowl
    min_loss: float = 0.0
    labels: tuple[str, str] = ("w", "b")

    def __post_init__(self) -> None:
        if not isinstance(self.bowl, QuadraticBowl) or np.shape(self.bowl.A) != (2, 2):
            raise TypeError(f"bowl must be a 2-D QuadraticBowl, got {self.bowl!r}")
        object.__setattr__(self, "min_loss", check_real("min_loss", self.min_loss, low=0))
        object.__setattr__(self, "labels", _check_labels(self.labels))

    def loss(self, theta) -> np.ndarray:
        """``L* + 1/2 d^T A d`` with ``d = theta - theta*`` (one point or a batch (..., 2))."""
        return _finite("theta", self.min_loss + _excess(self.bowl, _points(theta)))

    def grad(self, theta) -> np.ndarray:
        """``A (theta - theta*)``."""
        return _finite("theta", _gradient(self.bowl, _points(theta)))

    @property
    def stable_learning_rate(self) -> float:
        """``2 / lambda_max``: gradient descent converges for learning rates strictly below it."""
        return float(2.0 / self.bowl.eigenvalues[-1])


def linear_regression_surface(x, y, labels: tuple[str, str] = ("w", "b")) -> LossSurface:
    r"""The MSE surface of ``y ~ w x + b`` over ``(w, b)``: Hessian, least-squares minimum and loss.

    ``labels`` name the two coordinates on plots (e.g. ``("w_z", "b_z")`` for a standardized x).

    ``A = (2/n) [[sum x^2, sum x], [sum x, n]]``; ``theta*`` solves the normal equations
    (computed with ``np.linalg.lstsq``); ``L*`` is the mean squared residual there.

    >>> s = linear_regression_surface([0.0, 1.0, 2.0], [1.0, 3.0, 5.0])
    >>> s.bowl.minimizer.round(12).tolist(), round(s.min_loss, 12)
    ([2.0, 1.0], 0.0)
    """
    x = check_array("x", x, ndim=1)
    y = check_array("y", y, ndim=1)
    labels = _check_labels(labels)
    n = len(x)
    if len(y) != n or n < 2:
        raise ValueError(f"x and y must have the same length >= 2, got {n} and {len(y)}")
    if np.abs(x).max() > 1e100 or np.abs(y).max() > 1e100:
        raise ValueError("x and y must lie within ±1e100 (their squares must fit in float64)")
    design = np.column_stack([x, np.ones(n)])
    hessian = (2.0 / n) * design.T @ design
    if np.linalg.eigvalsh(hessian)[0] <= 1e-12 * np.abs(hessian).max():
        raise ValueError("x must take at least two different values (else (w, b) has no unique minimum)")
    theta, *_ = np.linalg.lstsq(design, y, rcond=None)
    residual = design @ theta - y
    return LossSurface(QuadraticBowl(hessian, theta), float(residual @ residual / n), labels)


@dataclass(frozen=True)
class GDFrame:
    """One run: iterates ``path`` (k+1, 2), their excess loss ``L - L*`` and gradient norms (k+1),
    the step at which it converged or diverged (or None), a status sentence and an ok flag."""

    path: np.ndarray
    excess_loss: np.ndarray
    grad_norm: np.ndarray
    converged_at: int | None
    diverged_at: int | None
    status: str
    ok: bool


def gd_path(surface: LossSurface, learning_rate: float, steps: int, start=(0.0, 0.0),
            tol: float = 1e-6) -> GDFrame:
    r"""Full-batch gradient descent ``theta <- theta - lr * grad L(theta)`` from ``start``.

    Stops at the first iterate whose gradient norm is ``<= tol`` (converged), when the excess
    loss exceeds ``DIVERGENCE_FACTOR`` times its starting value or stops being finite
    (diverged), or after ``steps`` updates (budget spent; at most ``MAX_STEPS``). An iterate
    that overflows float64 is not kept: the path then ends one step before ``diverged_at``.
    Keras: ``keras.optimizers.SGD`` with ``batch_size`` equal to the training-set size.

    >>> s = LossSurface(QuadraticBowl(np.eye(2), np.zeros(2)))
    >>> f = gd_path(s, 0.5, steps=3, start=(8.0, 0.0), tol=0.0)
    >>> f.path[:, 0].tolist(), f.excess_loss.tolist()
    ([8.0, 4.0, 2.0, 1.0], [32.0, 8.0, 2.0, 0.5])
    """
    check_surface(surface)
    lr = check_real("learning_rate", learning_rate, low=0, low_open=True)
    steps = check_int("steps", steps, low=1, high=MAX_STEPS)
    tol = check_real("tol", tol, low=0)
    theta = check_start(start, surface)
    bowl = surface.bowl
    limit = DIVERGENCE_FACTOR * max(float(_excess(bowl, theta)), 1e-300)
    path, grads = [theta], [float(np.hypot(*_gradient(bowl, theta)))]
    converged = 0 if grads[0] <= tol else None
    diverged = None
    with np.errstate(over="ignore", invalid="ignore"):
        while converged is None and diverged is None and len(path) <= steps:
            new = theta - lr * _gradient(bowl, theta)  # the whole update: one full-batch step
            excess = float(_excess(bowl, new))
            grad = float(np.hypot(*_gradient(bowl, new)))
            if not excess <= limit:  # above the limit, or nan
                diverged = len(path)
                if not (np.isfinite(excess) and np.isfinite(grad)):
                    break  # overflowed: the path keeps its last finite iterate
            theta = new
            path.append(theta)
            grads.append(grad)
            if diverged is None and grad <= tol:
                converged = len(path) - 1
    path = np.array(path)
    return GDFrame(path, _excess(bowl, path), np.array(grads), converged, diverged,
                   *_describe(surface, lr, steps, tol, converged, diverged, grads[-1]))


def check_surface(surface) -> "LossSurface":
    """``surface`` must be a :class:`LossSurface` (TypeError otherwise)."""
    if not isinstance(surface, LossSurface):
        raise TypeError(f"surface must be a LossSurface, got {type(surface).__name__}")
    return surface


def check_start(start, surface: "LossSurface | None" = None) -> np.ndarray:
    """A starting point ``(w, b)``: two finite numbers, as a float array.

    With a ``surface``, its excess loss there times ``DIVERGENCE_FACTOR`` must also be finite.
    """
    theta = check_array("start", start, ndim=1)
    if theta.shape != (2,):
        raise ValueError(f"start must hold 2 numbers (w, b), got shape {theta.shape}")
    if surface is not None:
        with np.errstate(over="ignore", invalid="ignore"):
            far = not np.isfinite(DIVERGENCE_FACTOR * 100 * _excess(check_surface(surface).bowl, theta))
        if far:
            raise ValueError(f"start {theta.tolist()} is too far from the minimum: its loss overflows float64")
    return theta


def _describe(surface, lr, steps, tol, converged, diverged, last_grad) -> tuple[str, bool]:
    bound = surface.stable_learning_rate
    limit = f"lr = {lr:.3g}, stable below 2/λ_max = {bound:.3g}"
    if diverged is not None:
        return f"diverged at step {diverged}: loss above {DIVERGENCE_FACTOR:.0f}× its start ({limit})", False
    if np.isclose(lr, bound, rtol=1e-9):
        return f"bouncing: at lr = 2/λ_max the steepest direction flips sign and never shrinks ({limit})", False
    if lr > bound:
        return f"diverging: the loss grows at every step, not yet {DIVERGENCE_FACTOR:.0f}× ({limit})", False
    shape = "zig-zagging, " if lr > bound / 2 else ""
    if converged is not None:
        return f"converged at step {converged}: ‖∇L‖ ≤ {tol:.0e} ({shape}{limit})", True
    return (f"not converged after {steps} steps: ‖∇L‖ = {last_grad:.2g} > {tol:.0e} "
            f"({shape}{limit})", False)


class GDPathWidget:
    """Learning rate (log slider) and step budget -> GD path on the contours and its loss curve."""

    def __init__(self, surface: LossSurface, start=(0.0, 0.0), *, learning_rate: float | None = None,
                 max_steps: int = 100, steps: int | None = None,
                 extent: tuple[float, float, float, float] | None = None, tol: float = 1e-6):
        self.surface, self.start = check_surface(surface), check_start(start, surface)
        self.tol = check_real("tol", tol, low=0)
        self.max_steps = check_int("max_steps", max_steps, low=1, high=MAX_WIDGET_STEPS)
        bound = surface.stable_learning_rate
        # Exponents rounded to the slider's step: the same slider (and stored repr) on every machine.
        exp_hi, exp_lo = round(float(np.log10(1.5 * bound)), 2), round(float(np.log10(bound / 300)), 2)
        lr = 0.5 * bound if learning_rate is None else check_real(
            "learning_rate", learning_rate, low=10.0**exp_lo, high=10.0**exp_hi)
        self.controls = {
            "learning_rate": widgets.FloatLogSlider(value=lr, base=10, min=exp_lo, max=exp_hi, step=0.01,
                                                    description="learning rate", readout_format=".3g"),
            "steps": widgets.IntSlider(value=min(50, self.max_steps) if steps is None else
                                       check_int("steps", steps, low=1, high=self.max_steps),
                                       min=1, max=self.max_steps, description="steps")}
        self.status = widgets.HTML()
        self.extent = default_extent(surface, self.start) if extent is None else check_extent(extent)
        self._build_figure()
        for control in self.controls.values():
            control.observe(self.update, "value")
        self.update()

    def _build_figure(self) -> None:
        fig, (self.ax_path, self.ax_loss) = plt.subplots(1, 2, figsize=(9, 3.8))
        draw_contours(self.ax_path, self.surface, self.extent, start=self.start)
        self.ax_path.set_title("GD path on the loss contours")
        (self.line,) = self.ax_path.plot([], [], "o-", ms=3, lw=1.2, color="#0072B2")
        # Where a divergent path left the view (pinned to the border, drawn over it).
        (self.end,) = self.ax_path.plot([], [], "X", ms=12, color="#D55E00", clip_on=False)
        excess0 = max(float(self.surface.bowl.loss(self.start)), 1e-300)
        top = DIVERGENCE_FACTOR * excess0
        (self.curve,) = self.ax_loss.semilogy([], [], "-", color="#0072B2")
        self.marker = self.ax_loss.axvline(0, color="#D55E00", ls="--", lw=1)
        self.ax_loss.axhline(top, color="#D55E00", lw=0.8, alpha=0.6)
        self.ax_loss.annotate(f"divergence: {DIVERGENCE_FACTOR:.0f}× the start", (0.98, top), ha="right",
                              va="bottom", xycoords=("axes fraction", "data"), fontsize=8, color="#D55E00")
        self.ax_loss.set(xlim=(0, self.max_steps), ylim=(1e-14 * excess0, 10 * top), xlabel="step",
                         ylabel="L(θ) − L* (log scale)", title="excess loss per step")
        self.note = self.ax_loss.text(0.98, 0.04, "", transform=self.ax_loss.transAxes, ha="right")
        fig.tight_layout()
        self.live = LiveFigure(fig, animated=[self.line, self.end, self.curve, self.marker, self.note])

    def update(self, change=None) -> GDFrame:
        """Rerun gradient descent for the current controls, redraw the moving artists."""
        frame = gd_path(self.surface, self.controls["learning_rate"].value, self.controls["steps"].value,
                        self.start, self.tol)
        stop = frame.diverged_at if frame.diverged_at is not None else frame.converged_at
        x0, x1, y0, y1 = self.extent
        # A diverging path is drawn up to ten views away: its direction shows, no huge coordinates.
        wx, wy = 10 * (x1 - x0), 10 * (y1 - y0)
        self.line.set_data(np.clip(frame.path[:, 0], x0 - wx, x1 + wx), np.clip(frame.path[:, 1], y0 - wy, y1 + wy))
        last = frame.path[-1]
        self.end.set_data([np.clip(last[0], x0, x1)], [np.clip(last[1], y0, y1)])
        self.end.set_visible(frame.diverged_at is not None)  # where the path left the view
        floor = self.ax_loss.get_ylim()[0]
        self.curve.set_data(np.arange(len(frame.excess_loss)), np.maximum(frame.excess_loss, floor))
        self.marker.set_xdata([0 if stop is None else stop] * 2)
        self.marker.set_visible(stop is not None)  # the step at which the run converged or diverged
        self.marker.set_color("#D55E00" if frame.diverged_at is not None else "#009E73")
        self.note.set_text(frame.status.split(":")[0].split(" (")[0])  # the outcome, in the figure too
        self.note.set_color("#1a7f37" if frame.ok else "#b42318")
        self.status.value = status_text(frame.status, frame.ok)
        self.live.refresh()
        self.frame = frame
        return frame

    def show(self) -> None:
        """Display the controls, the status line and the figure."""
        show_widget(widgets.HBox(list(self.controls.values())), self.status, self.live)


def draw_contours(ax: plt.Axes, surface: LossSurface, extent: tuple[float, float, float, float],
                  start=None, levels: int = 12) -> None:
    """Loss contours over ``extent = (w0, w1, b0, b1)`` at geometric levels, the minimum (and the start).

    Equal axis scales, so that a gradient step looks perpendicular to the contour it leaves.
    """
    if not isinstance(ax, plt.Axes):
        raise TypeError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")
    check_surface(surface)
    x0, x1, y0, y1 = check_extent(extent)
    levels = check_int("levels", levels, low=2, high=100)
    start = None if start is None else check_start(start)
    gw, gb = np.meshgrid(np.linspace(x0, x1, 120), np.linspace(y0, y1, 120))
    excess = _excess(surface.bowl, np.stack([gw, gb], -1))
    if not np.all(np.isfinite(excess)):
        raise ValueError("extent is too far from the minimum: the loss overflows float64 there")
    ax.contour(gw, gb, excess, levels=np.geomspace(1e-3, 1.0, levels) * excess.max(), colors="0.65",
               linewidths=0.8)
    marks = [(surface.bowl.minimizer, " minimum", "*", "#009E73")]
    marks += [] if start is None else [(np.asarray(start, dtype=float), " start", "s", "0.3")]
    for point, text, style, colour in marks:
        ax.plot(*point, style, ms=10, color=colour)
        if start is not None:  # without a start the star alone marks the minimum (no label over a cloud)
            ax.annotate(text, point, fontsize=9, xytext=(4, 4), textcoords="offset points")
    ax.set(xlim=(x0, x1), ylim=(y0, y1), xlabel=surface.labels[0], ylabel=surface.labels[1])
    ax.set_aspect("equal", adjustable="box")


def default_extent(surface: LossSurface, start) -> tuple[float, float, float, float]:
    """A square centred on the minimum that holds ``start`` with a margin on every side."""
    centre = check_surface(surface).bowl.minimizer
    half = 1.5 * np.abs(check_start(start, surface) - centre).max() + 1e-9
    return centre[0] - half, centre[0] + half, centre[1] - half, centre[1] + half


def check_extent(extent) -> tuple[float, float, float, float]:
    """``(w0, w1, b0, b1)``: four finite numbers with ``w0 < w1`` and ``b0 < b1``."""
    box = check_array("extent", extent, ndim=1)
    if box.shape != (4,) or not (box[0] < box[1] and box[2] < box[3]) or np.abs(box).max() > 1e100:
        raise ValueError(f"extent must be (w0, w1, b0, b1) with w0 < w1, b0 < b1, within ±1e100, "
                         f"got {box.tolist()}")
    return tuple(float(v) for v in box)
