"""The plateau explorer of notebook 05: ReduceLROnPlateau's four knobs, live, on a real SGD run.

Moving ``factor``, ``patience``, ``min_delta`` or ``cooldown`` re-trains a small model whose
validation loss really responds to each cut of the learning rate: linear least squares on a
seeded synthetic problem (6 features, condition number ~50, label noise of variance 1),
trained by mini-batch SGD (batch 4, 25 steps per epoch, 60 epochs) in the batch order of
``course_lib.training.fit``, so that a run here *is* a ``fit`` run (the tests check it).
With a constant rate, SGD stalls on a noisy plateau whose height grows with the rate; each
cut lowers it. The loss is quadratic, so with ``G_t = (2/B) X_t^T X_t`` and
``h_t = (2/B) X_t^T y_t`` precomputed per batch, a step is ``w <- w - lr (G_t w - h_t)`` and the
whole run costs a few milliseconds. After each epoch the validation loss goes to
:class:`course_lib.plateau.ReduceLROnPlateau` (Keras's rule), which sets the next rate.
"""
from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from course_lib._checks import check_array, check_int, check_real
from course_lib.plateau import ReduceLROnPlateau
from course_lib.widgets._live import LiveFigure, show_widget, status_text

#: a run counts as converged when its last 5 validation losses average within 5 % of the floor
CONVERGED = 1.05
#: a run has diverged once its validation loss exceeds this multiple of its starting value
DIVERGED = 1e6
#: the most SGD steps a problem may hold (``epochs * steps_per_epoch``; 60 x 25 = 1,500 here)
MAX_STEPS = 100_000
#: the most numbers its precomputed batches may hold (steps x (d+1)^2), about 40 MB
MAX_ENTRIES = 5_000_000


@dataclass(frozen=True)
class PlateauProblem:
    """Precomputed mini-batches of a least-squares problem and its validation quadratic."""

    G: np.ndarray            # (epochs * steps_per_epoch, d, d)
    h: np.ndarray            # (epochs * steps_per_epoch, d)
    val_A: np.ndarray        # validation loss(w) = w^T A w - 2 b^T w + c
    val_b: np.ndarray
    val_c: float
    floor: float             # validation loss of the least-squares fit of the training set
    val_min: float           # the lowest validation loss any weights reach (the plot's zero)
    epochs: int
    steps_per_epoch: int

    def __post_init__(self) -> None:
        G = check_array("G", self.G, ndim=3)
        T, d, _ = G.shape
        h, A, b = (check_array(k, getattr(self, k), ndim=n) for k, n in (("h", 2), ("val_A", 2), ("val_b", 1)))
        if G.shape != (T, d, d) or h.shape != (T, d) or A.shape != (d, d) or b.shape != (d,):
            raise ValueError(f"G, h, val_A and val_b must have shapes (T, d, d), (T, d), (d, d), (d,), "
                             f"got {G.shape}, {h.shape}, {A.shape}, {b.shape}")
        epochs = check_int("epochs", self.epochs, low=1)
        per = check_int("steps_per_epoch", self.steps_per_epoch, low=1)
        if epochs * per != T or T > MAX_STEPS:
            raise ValueError(f"G must hold epochs x steps_per_epoch = {epochs} x {per} steps "
                             f"(at most {MAX_STEPS}), got {T}")
        for k, v in (("G", G), ("h", h), ("val_A", A), ("val_b", b)):
            object.__setattr__(self, k, v)
        for k in ("val_c", "floor", "val_min"):
            object.__setattr__(self, k, check_real(k, getattr(self, k)))

    def val_loss(self, w: np.ndarray) -> float:
        """Mean squared error of ``w`` on the validation set."""
        w = check_array("w", w, ndim=1)
        if w.shape != self.val_b.shape:
            raise ValueError(f"w must hold {self.val_b.size} weights (the bias last), got {w.size}")
        with np.errstate(over="ignore", invalid="ignore"):
            loss = float(w @ self.val_A @ w - 2 * self.val_b @ w + self.val_c)
        if not np.isfinite(loss):
            raise ValueError("w is too large: its validation loss overflows float64")
        return loss


def plateau_data(*, n_features: int = 6, condition_number: float = 50.0, n_train: int = 100,
                 n_val: int = 500, seed: int = 0) -> tuple[np.ndarray, ...]:
    """The regression behind the widget: ``(X, y, X_val, y_val)``, seeded.

    Feature ``i`` is ``N(0, s_i^2)`` with scales ``s_i`` from 1 down to
    ``1/sqrt(condition_number)`` (at most 1e12); ``y = X w + N(0, 1)`` with ``w_i = ±2 / s_i``, so that every
    direction starts with the same share of the loss (``s_i^2 w_i^2 = 4``) but the small ones are
    learnt ``condition_number`` times more slowly.

    >>> X, y, X_val, y_val = plateau_data(n_train=8, n_val=7)   # n_train, n_val > n_features
    >>> X.shape, y.shape, X_val.shape
    ((8, 6), (8,), (7, 6))
    """
    d = check_int("n_features", n_features, low=1, high=100)
    kappa = check_real("condition_number", condition_number, low=1, high=1e12)
    n = check_int("n_train", n_train, low=d + 1, high=100_000)
    n_val = check_int("n_val", n_val, low=d + 1, high=100_000)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    scales = np.logspace(0, -0.5 * np.log10(kappa), d)
    w_true = 2.0 / scales * rng.choice([-1.0, 1.0], d)
    X, X_val = rng.normal(size=(n, d)) * scales, rng.normal(size=(n_val, d)) * scales
    return X, X @ w_true + rng.normal(size=n), X_val, X_val @ w_true + rng.normal(size=n_val)


def plateau_problem(*, batch_size: int = 4, epochs: int = 60, seed: int = 0, **data_kwargs) -> PlateauProblem:
    """Precompute the batches of ``epochs`` epochs of SGD on :func:`plateau_data`.

    The batch order is the one ``course_lib.training.fit(..., rng=seed)`` draws (a fresh
    ``rng.permutation`` per epoch), and the bias is a column of ones, so a run here is the
    run of ``fit(LinearRegression(d), X, y, batch_size, ..., rng=seed)`` from zero weights.
    The initial loss is about ``6 * 4 + 1 = 25``; the floor about 1, the noise variance.

    >>> p = plateau_problem(epochs=2)
    >>> p.G.shape, p.h.shape, bool(p.val_loss(np.zeros(7)) > 10 * p.floor > 10 * p.val_min)
    ((50, 7, 7), (50, 7), True)
    """
    X, y, X_val, y_val = plateau_data(seed=seed, **data_kwargs)
    n, d = X.shape
    B = check_int("batch_size", batch_size, low=1, high=n)
    if n % B:
        raise ValueError(f"batch_size must divide the {n} training samples, got {B}")
    most = min(MAX_STEPS, MAX_ENTRIES // (d + 1) ** 2) // (n // B)
    E = check_int("epochs", epochs, low=1, high=max(1, most))
    rng = np.random.default_rng(seed)
    X, X_val = np.c_[X, np.ones(n)], np.c_[X_val, np.ones(len(X_val))]
    batches = np.concatenate([rng.permutation(n) for _ in range(E)]).reshape(-1, B)
    Xb, yb = X[batches], y[batches]
    G = (2.0 / B) * np.einsum("tbi,tbj->tij", Xb, Xb)
    h = (2.0 / B) * np.einsum("tbi,tb->ti", Xb, yb)
    A, b, c = X_val.T @ X_val / len(X_val), X_val.T @ y_val / len(X_val), float(y_val @ y_val / len(X_val))
    w_fit = np.linalg.lstsq(X, y, rcond=None)[0]
    floor = float(w_fit @ A @ w_fit - 2 * b @ w_fit + c)
    val_min = float(c - b @ np.linalg.lstsq(A, b, rcond=None)[0])
    return PlateauProblem(G, h, A, b, c, floor, val_min, E, n // B)


@dataclass(frozen=True)
class PlateauFrame:
    """What the explorer draws: per-epoch validation loss and learning rate, and the cuts."""

    val_loss: np.ndarray        # after each epoch (nan after a divergence)
    learning_rates: np.ndarray  # the rate used during each epoch
    cuts: np.ndarray            # epochs at whose end the rate was cut
    status: str
    ok: bool


def train_with_plateau(problem: PlateauProblem, initial_learning_rate: float,
                       plateau: ReduceLROnPlateau | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SGD from ``w = 0``; after each epoch the plateau rule (if any) sets the next rate.

    Returns ``(val_loss, learning_rates, cuts)``. A loss above ``DIVERGED`` times the
    starting one (or not finite) ends the run: that epoch and the rest are nan.
    """
    if not isinstance(problem, PlateauProblem):
        raise TypeError(f"problem must be a PlateauProblem (from plateau_problem), got {type(problem).__name__}")
    if plateau is not None and not isinstance(plateau, ReduceLROnPlateau):
        raise TypeError(f"plateau must be a ReduceLROnPlateau or None, got {type(plateau).__name__}")
    # at most 1e30: Keras keeps the rate in float32 (largest 3.4e38)
    lr = check_real("initial_learning_rate", initial_learning_rate, low=0, low_open=True, high=1e30)
    E, m = problem.epochs, problem.steps_per_epoch
    vals, lrs, cuts = np.full(E, np.nan), np.full(E, np.nan), []
    w = np.zeros(problem.h.shape[1])
    limit = DIVERGED * problem.val_loss(w)
    quad = lambda v: float(v @ problem.val_A @ v - 2 * problem.val_b @ v + problem.val_c)  # noqa: E731
    if plateau is not None:
        plateau.reset()
    for epoch in range(E):
        lrs[epoch] = lr
        with np.errstate(over="ignore", invalid="ignore"):
            for t in range(epoch * m, (epoch + 1) * m):
                w = w - lr * (problem.G[t] @ w - problem.h[t])
            vals[epoch] = quad(w)
        if not vals[epoch] <= limit:  # also catches nan
            vals[epoch] = np.nan
            break
        if plateau is not None:
            new = plateau.update(vals[epoch], lr)
            if new < lr:
                cuts.append(epoch)
            lr = new
    return vals, lrs, np.array(cuts, dtype=int)


def plateau_frame(problem: PlateauProblem, factor: float, patience: int, min_delta: float,
                  cooldown: int, initial_learning_rate: float = 0.4, min_lr: float = 0.0) -> PlateauFrame:
    """Train once with Keras's ReduceLROnPlateau rule and say what happened.

    >>> f = plateau_frame(plateau_problem(epochs=8), 0.5, 2, 1e9, 0)   # nothing ever improves
    >>> f.cuts.tolist(), f.learning_rates[[0, 2, 3, 7]].tolist()
    ([2, 4, 6], [0.4, 0.4, 0.20000000298023224, 0.05000000074505806])
    """
    rule = ReduceLROnPlateau(factor=factor, patience=patience, min_delta=min_delta,
                             cooldown=cooldown, min_lr=min_lr)
    vals, lrs, cuts = train_with_plateau(problem, initial_learning_rate, rule)
    status, ok = _judge(problem, vals, lrs, cuts, float(initial_learning_rate))
    return PlateauFrame(vals, lrs, cuts, status, ok)


def _judge(problem, vals, lrs, cuts, lr0) -> tuple[str, bool]:
    if np.isnan(vals).any():
        epoch = int(np.flatnonzero(np.isnan(vals))[0])
        return f"diverged in epoch {epoch} at learning rate {lrs[epoch]:.3g}", False
    where = ", ".join(map(str, cuts[:6])) + (", ..." if len(cuts) > 6 else "")
    cut_text = f"{len(cuts)} cut(s) (after epochs {where})" if len(cuts) else "no cut"
    final = float(vals[-5:].mean())
    summary = (f"{cut_text}; final rate {_rate_text(lrs[-1])}; last-5-epoch val loss {final:.3f} "
               f"(floor {problem.floor:.3f})")
    if final <= CONVERGED * problem.floor:
        return summary, True
    if len(cuts) == 0:
        return summary + " — stuck on the noisy plateau of the initial rate", False
    frozen = int(np.argmax(lrs < lr0 * 1e-3)) if (lrs < lr0 * 1e-3).any() else None
    if frozen is not None:
        return f"{summary} — rate collapsed below {lr0 * 1e-3:.1g} by epoch {frozen}: training froze", False
    return summary + " — not converged yet", False


def _rate_text(lr: float) -> str:
    """A rate for the status line; a 0 says why (the rate is kept in float32, as in Keras).

    >>> _rate_text(0.025), _rate_text(3e-30), _rate_text(0.0)
    ('0.025', '3e-30', "0 (underflowed: below float32's smallest number, 1.4e-45, as in Keras)")
    """
    if lr > 0:
        return f"{lr:.2g}"
    return "0 (underflowed: below float32's smallest number, 1.4e-45, as in Keras)"


class PlateauExplorer:
    """factor, patience, min_delta, cooldown -> learning-rate and validation-loss curves."""

    def __init__(self, problem: PlateauProblem | None = None, factor: float = 0.5, patience: int = 3,
                 min_delta: float = 0.01, cooldown: int = 0, initial_learning_rate: float = 0.4):
        self.problem = plateau_problem() if problem is None else problem
        if not isinstance(self.problem, PlateauProblem):
            raise TypeError(f"problem must be a PlateauProblem (from plateau_problem), got "
                            f"{type(self.problem).__name__}")
        self.lr0 = check_real("initial_learning_rate", initial_learning_rate, low=1e-6, high=100)
        factor = check_real("factor", factor, low=0.05, high=0.95)
        patience = check_int("patience", patience, low=0, high=15)
        min_delta = check_real("min_delta", min_delta, low=0.0, high=0.2)
        cooldown = check_int("cooldown", cooldown, low=0, high=10)
        whole = {"style": {"description_width": "initial"}}  # show each description whole
        self.controls = {
            "factor": widgets.FloatSlider(value=factor, min=0.05, max=0.95, step=0.05, description="factor",
                                          **whole),
            "patience": widgets.IntSlider(value=patience, min=0, max=15, description="patience", **whole),
            "min_delta": widgets.FloatSlider(value=min_delta, min=0.0, max=0.2, step=0.005,
                                             readout_format=".3f", description="min_delta", **whole),
            "cooldown": widgets.IntSlider(value=cooldown, min=0, max=10, description="cooldown", **whole),
        }
        self.status = widgets.HTML()
        self._build_figure()
        for control in self.controls.values():
            control.observe(self.update, "value")
        self.update()

    def _build_figure(self) -> None:
        p, epochs = self.problem, np.arange(self.problem.epochs)
        reference, _, _ = train_with_plateau(p, self.lr0, None)
        fig, (ax_v, ax_lr) = plt.subplots(1, 2, figsize=(10, 3.6))
        seen = reference[np.isfinite(reference)]  # a diverging constant rate leaves only nan
        top = seen.max() if seen.size else p.val_loss(np.zeros(p.h.shape[1]))
        high = max(float(top - p.val_min) * 3, 1e-300)
        self._vlim = (max((p.floor - p.val_min) / 3, high * 1e-12), high)
        ax_v.semilogy(epochs, self._excess(reference), color="0.6", lw=1, label=f"constant lr={self.lr0:g}")
        ax_v.axhline(p.floor - p.val_min, color="0.2", ls=":", lw=1, label="least-squares fit (lr -> 0)")
        (self.val_line,) = ax_v.semilogy([], [], color="C0", label="with ReduceLROnPlateau")
        (self.val_cuts,) = ax_v.plot([], [], "v", color="C3", ms=7, label="cut")
        ax_v.set(xlim=(-0.5, p.epochs - 0.5), ylim=self._vlim, xlabel="epoch",
                 ylabel="val. MSE - lowest possible (log)", title="validation loss, above its minimum")
        ax_v.legend(fontsize=8, loc="upper right")
        self._lrlim = (self.lr0 * 1e-6, self.lr0 * 3)
        (self.lr_line,) = ax_lr.semilogy([], [], drawstyle="steps-post", color="C0")
        (self.lr_cuts,) = ax_lr.plot([], [], "v", color="C3", ms=7)
        ax_lr.set(xlim=(-0.5, p.epochs - 0.5), ylim=self._lrlim, xlabel="epoch",
                  ylabel="learning rate (log scale)", title="learning rate used in each epoch")
        fig.tight_layout()
        self.live = LiveFigure(fig, animated=[self.val_line, self.val_cuts, self.lr_line, self.lr_cuts])

    def _excess(self, val_loss: np.ndarray) -> np.ndarray:
        """Validation loss above its minimum, pinned to the axes (nan, after a divergence, at the top)."""
        excess = np.nan_to_num(val_loss - self.problem.val_min, nan=self._vlim[1])
        return np.clip(excess, *self._vlim)

    def update(self, change=None) -> PlateauFrame:
        """Re-train with the current settings and redraw; returns the frame."""
        c = self.controls
        frame = plateau_frame(self.problem, float(c["factor"].value), c["patience"].value,
                              float(c["min_delta"].value), c["cooldown"].value, self.lr0)
        epochs = np.arange(self.problem.epochs)
        vals = self._excess(frame.val_loss)
        lrs = np.clip(np.nan_to_num(frame.learning_rates, nan=self._lrlim[0]), *self._lrlim)
        self.val_line.set_data(epochs, vals)
        self.val_cuts.set_data(frame.cuts, vals[frame.cuts])
        self.lr_line.set_data(epochs, lrs)
        self.lr_cuts.set_data(frame.cuts, lrs[frame.cuts])
        self.status.value = status_text(frame.status, frame.ok)
        self.live.refresh()
        self.frame = frame
        return frame

    def show(self) -> None:
        """Display the controls, the status line and the figure."""
        c = self.controls
        show_widget(widgets.VBox([widgets.HBox([c["factor"], c["patience"]]),
                                  widgets.HBox([c["min_delta"], c["cooldown"]])]), self.status, self.live)
