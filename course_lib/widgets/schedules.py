"""The schedule explorer of notebook 02: pick a learning-rate schedule, see the rate and the loss.

The model is linear regression on the standardized diabetes data, trained by mini-batch SGD
(batch 16, a fixed, seeded batch order) for a few hundred steps. Its loss is quadratic, so the
whole run is cheap: with ``G_t = (2/B) X_t^T X_t`` and ``h_t = (2/B) X_t^T y_t`` precomputed
for each batch, step ``t`` is ``w <- w - lr(t) (G_t w - h_t)``, and the training loss above
its minimum is exactly ``L(w) - L* = (w - w*)^T A (w - w*)`` with ``A = X^T X / n``.
That is what the widget plots (log scale): with a fixed rate it stops falling at a noise floor.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from course_lib import schedules
from course_lib._checks import check_array, check_choice, check_int, check_real
from course_lib.data import load_diabetes, standardize, train_val_test_split
from course_lib.widgets._live import LiveFigure, show_widget, status_text

#: schedule name (the ``course_lib.schedules`` factory) -> label shown in the menu
SCHEDULES = {"constant": "fixed (constant)", "exponential_decay": "exponential decay",
             "linear_decay": "linear decay", "inverse_time_decay": "inverse-time decay",
             "piecewise_constant": "step (piecewise constant)", "cosine_decay": "cosine decay"}
#: which controls each schedule uses (the others are greyed out)
USES = {"constant": (), "exponential_decay": ("decay_rate", "decay_steps", "staircase"),
        "linear_decay": ("decay_steps", "end_learning_rate"),
        "inverse_time_decay": ("decay_rate", "decay_steps", "staircase"),
        "piecewise_constant": ("decay_rate", "decay_steps"),
        "cosine_decay": ("decay_steps", "end_learning_rate")}
DIVERGED = 1e6  # the run stops when the loss exceeds this multiple of its starting value
#: The most SGD steps a problem may hold (every step keeps a (d+1, d+1) matrix).
MAX_STEPS = 100_000
#: The most numbers the precomputed batches may hold in all (steps x (d+1)^2), about 40 MB.
MAX_ENTRIES = 5_000_000


@dataclass(frozen=True)
class LeastSquaresProblem:
    """A fixed sequence of mini-batches of a linear least-squares problem (bias as a column)."""

    G: np.ndarray        # (steps, d, d): (2/B) X_t^T X_t for the batch of step t
    h: np.ndarray        # (steps, d):    (2/B) X_t^T y_t
    A: np.ndarray        # (d, d): X^T X / n over the whole training set
    w_star: np.ndarray   # (d,): the least-squares solution (minimum of the training loss)
    initial_excess: float  # L(0) - L*
    batches: np.ndarray  # (steps, B): the sample indices of each step's batch

    def __post_init__(self) -> None:
        batches = check_array("batches", self.batches, ndim=2)
        if np.any(batches != np.round(batches)) or np.any(batches < 0):
            raise ValueError("batches must hold sample indices (whole numbers >= 0)")
        object.__setattr__(self, "batches", batches.astype(np.intp))
        G = check_array("G", self.G, ndim=3)
        steps, d, _ = G.shape
        h, A = check_array("h", self.h, ndim=2), check_array("A", self.A, ndim=2)
        w_star = check_array("w_star", self.w_star, ndim=1)
        if G.shape != (steps, d, d) or h.shape != (steps, d) or A.shape != (d, d) or w_star.shape != (d,):
            raise ValueError(f"G, h, A and w_star must have shapes (T, d, d), (T, d), (d, d), (d,), got "
                             f"{G.shape}, {h.shape}, {A.shape}, {w_star.shape}")
        if steps > MAX_STEPS or len(batches) != steps:
            raise ValueError(f"G and batches must hold the same number of steps (at most {MAX_STEPS}), "
                             f"got {steps} and {len(batches)}")
        for name, v in [("G", G), ("h", h), ("A", A), ("w_star", w_star)]:
            object.__setattr__(self, name, v)
        object.__setattr__(self, "initial_excess",
                           check_real("initial_excess", self.initial_excess, low=0))


def least_squares_problem(X, y, *, batch_size: int = 16, steps: int = 400, seed: int = 0,
                          reshuffle: bool = True) -> LeastSquaresProblem:
    """Precompute the batches of ``steps`` SGD steps, drawn with ``seed``.

    ``reshuffle=True`` (Keras's ``shuffle=True``): every epoch walks through a fresh permutation
    (the last incomplete batch dropped). ``reshuffle=False``: every batch is ``batch_size``
    distinct samples drawn afresh, independently of the other steps (the textbook SGD).

    >>> p = least_squares_problem(np.eye(3), np.ones(3), batch_size=3, steps=2)
    >>> p.G.shape, round(p.initial_excess, 12)
    ((2, 4, 4), 1.0)
    """
    X, y = check_array("X", X, ndim=2), check_array("y", y, ndim=1)
    if len(y) != len(X):
        raise ValueError(f"y must have one value per row of X ({len(X)}), got {len(y)}")
    if np.abs(X).max() > 1e75 or np.abs(y).max() > 1e75:
        raise ValueError("X and y must lie within ±1e75 (standardize them): their products must fit in float64")
    Xb = np.c_[X, np.ones(len(X))]
    n, B = len(Xb), check_int("batch_size", batch_size, low=1, high=len(Xb))
    d = Xb.shape[1]
    steps = check_int("steps", steps, low=1, high=min(MAX_STEPS, MAX_ENTRIES // (d * d)))
    if steps * B > MAX_ENTRIES:
        raise ValueError(f"steps x batch_size must be at most {MAX_ENTRIES}, got {steps} x {B}")
    if not isinstance(reshuffle, (bool, np.bool_)):
        raise TypeError(f"reshuffle must be True or False, got {reshuffle!r}")
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    if reshuffle:
        per_epoch = n // B  # drop the last incomplete batch so every step has B samples
        epochs = -(-steps // per_epoch)
        order = np.concatenate([rng.permutation(n)[:per_epoch * B] for _ in range(epochs)])
        batches = order[:steps * B].reshape(steps, B)
    else:
        batches = rng.permuted(np.tile(np.arange(n), (steps, 1)), axis=1)[:, :B]
    Xt, yt = Xb[batches], y[batches]
    G = (2.0 / B) * np.einsum("tbi,tbj->tij", Xt, Xt)
    h = (2.0 / B) * np.einsum("tbi,tb->ti", Xt, yt)
    w_star = np.linalg.lstsq(Xb, y, rcond=None)[0]
    A = Xb.T @ Xb / n
    return LeastSquaresProblem(G, h, A, w_star, float(w_star @ A @ w_star), batches)


def diabetes_problem(batch_size: int = 16, steps: int = 400, seed: int = 0,
                     reshuffle: bool = True) -> LeastSquaresProblem:
    """The widget's problem: diabetes, training part (60 %), features and target standardized."""
    d = load_diabetes()
    split, _ = standardize(train_val_test_split(d.X, d.y, seed=0))
    y = (split.y_train - split.y_train.mean()) / split.y_train.std()
    return least_squares_problem(split.X_train, y, batch_size=batch_size, steps=steps, seed=seed,
                                 reshuffle=reshuffle)


def linear_warmup(schedule: Callable, warmup_steps: int) -> Callable:
    """``lr(t) = schedule(0) * t / w`` for ``t < w``, then ``schedule(t - w)``: a ramp from 0.

    ``schedule(0)`` is the *peak* the ramp reaches. For a cosine decay this is Keras's
    ``CosineDecay(0.0, ..., warmup_target=peak, warmup_steps=w)``: there Keras's
    ``initial_learning_rate`` is the ramp's *start* (0 here), and the peak is ``warmup_target``.

    >>> linear_warmup(schedules.constant(0.1), 4)(np.arange(6)).tolist()
    [0.0, 0.025, 0.05, 0.075, 0.1, 0.1]
    """
    if not callable(schedule):
        raise TypeError(f"schedule must be a function step -> learning rate, got {type(schedule).__name__}")
    w = check_int("warmup_steps", warmup_steps, low=0)
    if w == 0:
        return schedule
    try:
        top = np.asarray(schedule(0), dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"schedule must return a number for step 0 ({exc})") from None
    if top.size != 1:
        raise ValueError(f"schedule must return one rate for step 0, got shape {top.shape}")
    top = check_real("schedule(0), the peak of the warmup", top.item(), low=0)

    def warmed(step):
        t = np.asarray(step, dtype=float)
        with np.errstate(over="ignore", invalid="ignore"):  # callers check the rates are finite
            return np.where(t < w, top * t / w, schedule(np.maximum(t - w, 0.0)))

    return warmed


def build_schedule(name: str, initial_learning_rate: float, decay_rate: float = 0.5,
                   decay_steps: int = 100, staircase: bool = False, end_learning_rate: float = 0.0,
                   warmup_steps: int = 0, total_steps: int = 400) -> Callable:
    """The ``course_lib.schedules`` schedule named ``name`` from the widget's controls.

    ``piecewise_constant`` multiplies the rate by ``decay_rate`` after every ``decay_steps``;
    ``cosine_decay`` ends at ``end_learning_rate`` (its ``alpha`` is end / initial, at most 1).
    With ``warmup_steps > 0``, ``initial_learning_rate`` is the peak reached after the ramp
    (Keras's ``warmup_target``), not the rate at step 0.

    >>> build_schedule("piecewise_constant", 1.0, 0.5, 2, total_steps=5)(np.arange(6)).tolist()
    [1.0, 1.0, 1.0, 0.5, 0.5, 0.25]
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be one of {', '.join(map(repr, SCHEDULES))}, got {type(name).__name__}")
    check_choice("name", name, SCHEDULES)
    lr0 = check_real("initial_learning_rate", initial_learning_rate, low=0, low_open=True)
    end = check_real("end_learning_rate", end_learning_rate, low=0)
    total_steps = check_int("total_steps", total_steps, low=1, high=MAX_STEPS)
    decay_steps = check_int("decay_steps", decay_steps, low=1)
    if not isinstance(staircase, (bool, np.bool_)):
        raise TypeError(f"staircase must be True or False, got {staircase!r}")
    if name == "constant":
        base = schedules.constant(lr0)
    elif name in ("exponential_decay", "inverse_time_decay"):
        base = getattr(schedules, name)(lr0, decay_steps, decay_rate, staircase)
    elif name == "linear_decay":
        base = schedules.linear_decay(lr0, decay_steps, end)
    elif name == "cosine_decay":
        base = schedules.cosine_decay(lr0, decay_steps, alpha=min(end / lr0, 1.0))
    else:
        rate = check_real("decay_rate", decay_rate, low=0, low_open=True, high=1)
        bounds = list(range(decay_steps, max(total_steps, 2), decay_steps))
        bounds = bounds or [total_steps]
        values = [lr0 * rate**i for i in range(len(bounds) + 1)]
        if values[-1] <= 0:
            raise ValueError(f"initial_learning_rate * decay_rate ** k underflows to 0 within total_steps "
                             f"({lr0:g} * {rate:g} ** {len(bounds)}, decay_steps {decay_steps})")
        base = schedules.piecewise_constant(bounds, values)
    return linear_warmup(base, warmup_steps)


def sgd_excess_loss(problem: LeastSquaresProblem, learning_rates, start=None
                    ) -> list[tuple[np.ndarray, int | None]]:
    """SGD runs, one per row of ``learning_rates`` (``(runs, T)``; row ``r`` uses rate ``[r, t]``
    at step ``t``), from the weights ``start`` (default 0; the bias last). For each: ``L(w_t) - L*``
    for t = 0.. and the step at which the run diverged (loss above ``DIVERGED`` times
    ``L(0) - L*``; the curve stops before it), or ``None``.

    The runs advance together, one ``matmul`` per step: ``w <- (I - lr G_t) w + lr h_t``.

    >>> p = least_squares_problem([[1.0], [-1.0]], [1.0, -1.0], batch_size=2, steps=3)
    >>> [(c.tolist(), k) for c, k in sgd_excess_loss(p, [[0.25] * 3, [1.5] * 3])]  # G = 2I
    [([1.0, 0.25, 0.0625, 0.015625], None), ([1.0, 4.0, 16.0, 64.0], None)]
    """
    if not isinstance(problem, LeastSquaresProblem):
        raise TypeError(f"problem must be a LeastSquaresProblem, got {type(problem).__name__}")
    rates = np.atleast_2d(check_array("learning_rates", learning_rates, ndim=(1, 2)))
    runs, total = rates.shape
    d = problem.w_star.size
    if total > problem.G.shape[0] or np.any(rates < 0) or rates.size * d * d > 4 * MAX_ENTRIES:
        raise ValueError(f"learning_rates must be >= 0, with at most {problem.G.shape[0]} steps (the "
                         f"problem's) per run and {4 * MAX_ENTRIES // (d * d)} in all, got shape {rates.shape}")
    M = np.eye(d) - rates[:, :, None, None] * problem.G[:total]
    c = (rates[:, :, None] * problem.h[:total])[..., None]
    W = np.zeros((total + 1, runs, d, 1))
    if start is not None:
        w0 = check_array("start", start, ndim=1)
        if w0.size != d:
            raise ValueError(f"start must hold {d} weights (the bias last), got {w0.size}")
        W[0] = w0[:, None]
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(total):
            W[t + 1] = M[:, t] @ W[t] + c[:, t]
        gaps = W[..., 0] - problem.w_star
        excess = np.einsum("tri,ij,trj->rt", gaps, problem.A, gaps)
    limit = DIVERGED * max(problem.initial_excess, 1e-300)
    out = []
    for curve in excess:
        bad = np.flatnonzero(~(curve <= limit))  # also catches nan and inf
        out.append((curve, None) if bad.size == 0 else (curve[:bad[0]], int(bad[0])))
    return out


@dataclass(frozen=True)
class ScheduleFrame:
    """What the explorer draws: the rate per step, the loss it produces, a fixed-rate baseline."""

    learning_rate: np.ndarray  # (T,) the rate used by step t = 0..T-1
    excess_loss: np.ndarray    # L(w_t) - L* for t = 0..k (k = T, or the step before divergence)
    baseline_loss: np.ndarray  # the same with the fixed rate initial_learning_rate
    diverged_at: int | None
    status: str
    ok: bool


def schedule_frame(problem: LeastSquaresProblem, name: str, initial_learning_rate: float,
                   decay_rate: float = 0.5, decay_steps: int = 100, staircase: bool = False,
                   end_learning_rate: float = 0.0, warmup_steps: int = 0) -> ScheduleFrame:
    """Build the schedule, train with it and with the fixed rate, and say what happened."""
    if not isinstance(problem, LeastSquaresProblem):
        raise TypeError(f"problem must be a LeastSquaresProblem, got {type(problem).__name__}")
    total = problem.G.shape[0]
    schedule = build_schedule(name, initial_learning_rate, decay_rate, decay_steps, staircase,
                              end_learning_rate, warmup_steps, total)
    lr = np.asarray(schedule(np.arange(total)), dtype=float)
    if not np.all(np.isfinite(lr)):
        raise ValueError(f"initial_learning_rate={initial_learning_rate!r} with decay_rate={decay_rate!r} "
                         f"gives rates beyond float64's range within {total} steps")
    (loss, diverged), (base, base_diverged) = sgd_excess_loss(
        problem, [lr, np.full(total, float(initial_learning_rate))])
    if diverged is not None:
        status = (f"diverged at step {diverged}: the loss passed {DIVERGED:.0e} × its start "
                  f"(learning rate there {lr[diverged - 1]:.3g})")
        return ScheduleFrame(lr, loss, base, diverged, status, False)
    status = f"after {total} steps the loss is {loss[-1]:.2e} above its minimum"
    if name != "constant" or warmup_steps:
        fixed = f"the fixed rate {initial_learning_rate:.3g}"
        status += (f"; {fixed} diverges (step {base_diverged})" if base_diverged is not None else
                   # a run that lands exactly on the minimum has no ratio (0/0 gave "nan×", x/0 "inf×")
                   ", exactly at the minimum" + (f", as with {fixed}" if base[-1] == 0 else f" ({fixed} is not)")
                   if loss[-1] == 0 else f", not at the minimum, where {fixed} is" if base[-1] == 0 else
                   f", {base[-1] / loss[-1]:.2g}× lower than with {fixed}" if loss[-1] <= base[-1] else
                   f", {loss[-1] / base[-1]:.2g}× higher than with {fixed}")
    if np.any(np.diff(lr) > 0):
        status += (f" — warmup: the rate rises from 0 to its peak {initial_learning_rate:.3g}" if warmup_steps
                   else " — the rate rises")
    return ScheduleFrame(lr, loss, base, None, status, True)


class ScheduleExplorer:
    """Controls for a schedule and its parameters; the rate curve and the loss curve it gives.

    Defaults: ``staircase=False`` as in Keras. The end rate feeds two Keras schedules whose
    defaults differ (``PolynomialDecay``'s ``end_learning_rate=1e-4``, ``CosineDecay``'s
    ``alpha=0``): the explorer starts at 0, a decay to zero, as the textbook draws it.
    """

    LOSS_LIMITS = (1e-4, 1e2)

    def __init__(self, problem: LeastSquaresProblem | None = None, name: str = "exponential_decay",
                 initial_learning_rate: float = 0.1, decay_rate: float = 0.5, decay_steps: int = 100,
                 staircase: bool = False, end_learning_rate: float = 0.0, warmup_steps: int = 0):
        self.problem = problem if problem is not None else diabetes_problem()
        if not isinstance(self.problem, LeastSquaresProblem):
            raise TypeError(f"problem must be a LeastSquaresProblem, got {type(self.problem).__name__}")
        self.total = self.problem.G.shape[0]
        if self.total < 20:
            raise ValueError(f"problem must have at least 20 steps (the sliders' range), got {self.total}")
        initial_learning_rate = check_real("initial_learning_rate", initial_learning_rate,
                                           low=10.0**-3, high=10.0**-0.3)
        decay_rate = check_real("decay_rate", decay_rate, low=0.05, high=1.0)
        decay_steps = check_int("decay_steps", decay_steps, low=10, high=self.total)
        end_learning_rate = check_real("end_learning_rate", end_learning_rate, low=0.0, high=0.1)
        warmup_steps = check_int("warmup_steps", warmup_steps, low=0, high=self.total // 2)
        if not isinstance(staircase, (bool, np.bool_)):
            raise TypeError(f"staircase must be True or False, got {staircase!r}")
        if not isinstance(name, str):
            raise TypeError(f"name must be one of {', '.join(map(repr, SCHEDULES))}, got {type(name).__name__}")
        self.controls = _make_controls(name, initial_learning_rate, decay_rate, decay_steps,
                                       staircase, end_learning_rate, warmup_steps, self.total)
        self.status = widgets.HTML()
        self._build_figure()
        self._lr_top = None
        for control in self.controls.values():
            control.observe(self.update, "value")
        self.update()

    def _build_figure(self) -> None:
        fig, (self.ax_lr, self.ax_loss) = plt.subplots(1, 2, figsize=(9, 3.4))
        steps = np.arange(self.total)
        (self.base_lr,) = self.ax_lr.plot(steps, steps * 0.0, "--", color="0.55", label=r"fixed rate $\eta_0$")
        (self.lr_line,) = self.ax_lr.plot(steps, steps * 0.0, color="C0", label="schedule")
        self.ax_lr.set(xlabel="step t", ylabel=r"learning rate $\eta_t$", title="learning rate",
                       xlim=(0, self.total))
        (self.base_loss,) = self.ax_loss.semilogy([], [], color="0.55", label=r"fixed rate $\eta_0$")
        (self.loss_line,) = self.ax_loss.semilogy([], [], color="C0", label="schedule")
        (self.marker,) = self.ax_loss.plot([], [], "x", color="#b42318", ms=10, mew=3)
        self.ax_loss.set(xlabel="step t", ylabel=r"$L(w_t) - L^*$  (log scale)", ylim=self.LOSS_LIMITS,
                         xlim=(0, self.total), title="training loss above its minimum")
        self.ax_loss.legend(loc="upper right")
        fig.tight_layout()
        self.live = LiveFigure(fig, animated=[self.base_lr, self.lr_line, self.base_loss,
                                              self.loss_line, self.marker])

    def values(self) -> dict:
        """The controls' current values, by name."""
        return {k: c.value for k, c in self.controls.items()}

    def update(self, change=None) -> ScheduleFrame:
        """Recompute and redraw; returns the frame it drew."""
        v = self.values()
        for key in ("decay_rate", "decay_steps", "staircase", "end_learning_rate"):
            self.controls[key].disabled = key not in USES[v["name"]]
        # With warmup, eta_0 is the peak the ramp reaches (Keras: warmup_target), not the start.
        self.controls["initial_learning_rate"].description = (
            "peak rate η₀" if v["warmup_steps"] else "initial rate η₀")
        frame = schedule_frame(self.problem, **v)
        low, high = self.LOSS_LIMITS
        self.lr_line.set_ydata(frame.learning_rate)
        self.base_lr.set_ydata(np.full(self.total, v["initial_learning_rate"]))
        self.loss_line.set_data(np.arange(frame.excess_loss.size), np.clip(frame.excess_loss, low, high))
        self.base_loss.set_data(np.arange(frame.baseline_loss.size), np.clip(frame.baseline_loss, low, high))
        at = [frame.diverged_at] if frame.diverged_at else []
        self.marker.set_data(at, [high / 3] * len(at))  # a cross just inside the top edge
        top = max(frame.learning_rate.max(), v["initial_learning_rate"])
        # Rescale the rate axis only when the curve leaves it or shrinks below a fifth of it:
        # a full redraw costs ~10x a blitted one, so a slider drag rescales once every few steps.
        full = self._lr_top is None or top > self._lr_top or top < self._lr_top / 5
        if full:
            self._lr_top = 1.6 * top
            self.ax_lr.set_ylim(0, self._lr_top)
        self.status.value = status_text(frame.status, frame.ok)
        self.live.refresh(full=full)
        self.frame = frame
        return frame

    def show(self) -> None:
        """Display the controls, the status line and the figure."""
        c = self.controls
        left = widgets.VBox([c["name"], c["initial_learning_rate"], c["warmup_steps"], c["staircase"]])
        right = widgets.VBox([c["decay_rate"], c["decay_steps"], c["end_learning_rate"]])
        show_widget(widgets.HBox([left, right]), self.status, self.live)


def _make_controls(name, lr0, decay_rate, decay_steps, staircase, end, warmup, total) -> dict:
    style = {"description_width": "120px"}
    return {
        "name": widgets.Dropdown(options=[(label, key) for key, label in SCHEDULES.items()],
                                 value=check_choice("name", name, SCHEDULES), description="schedule", style=style),
        "initial_learning_rate": widgets.FloatLogSlider(value=lr0, base=10, min=-3, max=-0.3, step=0.05,
                                                        description="initial rate η₀", readout_format=".3f", style=style),
        "decay_rate": widgets.FloatSlider(value=decay_rate, min=0.05, max=1.0, step=0.05,
                                          description="decay rate", style=style),
        "decay_steps": widgets.IntSlider(value=decay_steps, min=10, max=total, step=10,
                                         description="decay steps", style=style),
        "staircase": widgets.Checkbox(value=staircase, description="staircase", style=style),
        "end_learning_rate": widgets.FloatSlider(value=end, min=0.0, max=0.1, step=0.002,
                                                 description="end rate", readout_format=".3f", style=style),
        "warmup_steps": widgets.IntSlider(value=warmup, min=0, max=total // 2, step=10,
                                          description="warmup steps", style=style),
    }
