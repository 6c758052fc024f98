r"""Widget of notebook 06: the penalty strength and the L1/L2 mix drive a polynomial fit, live.

The model is a degree-``d`` polynomial ``y = b + sum_k w_k z_k(x)`` on standardized powers
``z_k = (x^k - mean_k) / std_k`` (training statistics). For each penalty it minimizes, with
Keras's conventions (``keras.regularizers.L1L2`` and ``course_lib.regularization.L1L2``:
no 1/2 in front of the L2 term),

    J(w, b) = mean((y - Z w - b)^2) + l1 * sum|w_k| + l2 * sum w_k^2,
    l1 = lam * mix,  l2 = lam * (1 - mix),

and never penalizes the bias. Pure L2 (``mix = 0``) has a closed form (:func:`ridge`); any
L1 share is solved *exactly* by an active-set method (:func:`elastic_net`), so the exact
zeros it shows are real. :func:`fit_grid` solves every (lam, mix) of the sliders' grid once;
the slider callback only selects (:func:`regularization_frame`) and redraws.
"""
from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from course_lib._checks import check_array, check_int, check_real, check_same_length
from course_lib.data import Standardizer
from course_lib.synthetic import polynomial_features
from course_lib.widgets._live import LiveFigure, show_widget, status_text

#: The highest polynomial degree :func:`fit_grid` accepts (x^50 of x in [0, 1] is already ~0).
MAX_DEGREE = 50
#: The most (lambda, mix) fits :func:`fit_grid` solves (the default grid has 69 x 11 = 759).
MAX_FITS = 2500
#: The most points a curve is evaluated at.
MAX_POINTS = 100_000

__all__ = ["ridge", "elastic_net", "fit_grid", "RegularizationGrid", "regularization_frame",
           "RegularizationFrame", "RegularizationExplorer"]


def _centred(X, y) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    X = check_array("X", X, ndim=2)
    y = check_array("y", y, ndim=1)
    check_same_length(X=X, y=y)
    if np.abs(X).max() > 1e150 or np.abs(y).max() > 1e150:
        raise ValueError("X and y must lie within ±1e150 (their products must fit in float64)")
    x_mean, y_mean = X.mean(axis=0), float(y.mean())
    return X - x_mean, y - y_mean, x_mean, y_mean


def ridge(X, y, l2: float) -> tuple[np.ndarray, float]:
    r"""Minimize ``mean((y - X w - b)^2) + l2 * sum(w^2)`` exactly; the bias is not penalized.

    Closed form on centred data: :math:`w = (X_c^T X_c / n + l_2 I)^{-1} X_c^T y_c / n`,
    :math:`b = \bar y - \bar x^T w` (solved as a least-squares problem, which is better
    conditioned; for ``l2`` above 1e4 times the trace of :math:`X_c^T X_c / n`, from the
    normal equations, which are then the better conditioned). Keras:
    ``Dense(1, kernel_regularizer=L2(l2))`` with ``loss="mse"``, trained to convergence.
    ``l2 = 0`` is ordinary least squares.

    >>> w, b = ridge([[1.0], [-1.0]], [1.0, -1.0], l2=1.0)   # w = 1 / (1 + l2)
    >>> w.tolist(), b
    ([0.5], 0.0)
    """
    Xc, yc, x_mean, y_mean = _centred(X, y)
    l2 = check_real("l2", l2, low=0)
    n, d = Xc.shape
    G = Xc.T @ Xc / n
    if l2 > 1e4 * max(float(np.trace(G)), 1e-300):
        # So strong a penalty that G + l2 I is perfectly conditioned; the stacked least-squares
        # system, with rows of size sqrt(l2) beside rows of size 1, would lose digits instead.
        w = np.linalg.solve(G + l2 * np.eye(d), Xc.T @ yc / n)
        return _finite_fit(w, y_mean - float(x_mean @ w))
    A = np.vstack([Xc / np.sqrt(n), np.sqrt(l2) * np.eye(d)])
    w = np.linalg.lstsq(A, np.concatenate([yc / np.sqrt(n), np.zeros(d)]), rcond=None)[0]
    return _finite_fit(w, y_mean - float(x_mean @ w))


def _finite_fit(w: np.ndarray, b: float) -> tuple[np.ndarray, float]:
    if not (np.all(np.isfinite(w)) and np.isfinite(b)):
        raise ValueError("X and y give weights beyond float64's range; standardize X and y")
    return w, b


def _active_set(G: np.ndarray, c: np.ndarray, l1: float, l2: float, w: np.ndarray,
                max_iter: int = 500) -> tuple[np.ndarray, bool]:
    """Minimize ``w G w - 2 c w + l1 |w|_1 + l2 |w|^2`` from the feasible start ``w``.

    Primal active set: solve the optimality condition ``(G_AA + l2 I) w_A = c_A - l1/2 s_A``
    on the support ``A`` with signs ``s``; if a weight would cross 0, step only up to the
    first crossing and drop it; else add the weight that violates ``|c - G w|_j <= l1/2``
    most. Each step lowers the objective, so in exact arithmetic it ends. In floating point, on
    a nearly singular ``G`` a violation of ~1e-9 can be below what the solve resolves: coming
    back to a support already left is then the end (``converged`` if the violation < 1e-7).
    """
    w = w.copy()
    s, d, seen = np.sign(w), len(c), set()
    for _ in range(max_iter):
        A = s != 0
        target = np.zeros(d)
        if A.any():
            G_AA = G[np.ix_(A, A)] + l2 * np.eye(int(A.sum()))
            target[A] = _solve(G_AA, c[A] - l1 / 2 * s[A])
        crossing = A & (target * s <= 0)
        if crossing.any():
            frac = np.full(d, np.inf)
            frac[crossing] = w[crossing] / (w[crossing] - target[crossing])
            k = int(np.argmin(frac))
            w += frac[k] * (target - w)
            w[k], s[k] = 0.0, 0.0
            continue
        w = target
        excess = np.where(A, -np.inf, np.abs(c - G @ w) - l1 / 2)
        j = int(np.argmax(excess))
        if excess[j] <= 1e-9 * max(1.0, l1):
            return w, True
        if s.tobytes() in seen:  # cycling at the limit of the solve's precision
            return w, bool(excess[j] <= 1e-7)
        seen.add(s.tobytes())
        s[j] = np.sign((c - G @ w)[j])
    return w, False


def _solve(M: np.ndarray, r: np.ndarray) -> np.ndarray:
    """``M^{-1} r``; where ``M`` is singular to working precision, the least-norm least-squares answer.

    A singular ``M`` is met with more weights than training points (degree 21 on 12 points:
    the centred Gram matrix has rank 11), where pure L1 at a tiny ``l1`` adds a 12th weight
    whose column the others already span. Whether LAPACK then raises or returns a huge
    answer depends on the CPU's BLAS kernel; ``lstsq`` gives the same answer on every one.
    """
    try:
        x = np.linalg.solve(M, r)
    except np.linalg.LinAlgError:
        x = None
    if x is None or not np.all(np.isfinite(x)):
        x = np.linalg.lstsq(M, r, rcond=None)[0]
    return x


def elastic_net(X, y, l1: float, l2: float = 0.0) -> tuple[np.ndarray, float]:
    r"""Minimize ``mean((y - X w - b)^2) + l1 * sum|w| + l2 * sum(w^2)`` exactly (bias free).

    Keras: ``Dense(1, kernel_regularizer=L1L2(l1, l2))``, ``loss="mse"``. scikit-learn's
    ``ElasticNet(alpha, l1_ratio)`` minimizes half of this objective with
    ``alpha = l1 / 2 + l2`` and ``l1_ratio = (l1 / 2) / alpha``. With orthonormal columns
    (:math:`X_c^T X_c / n = I`) the answer is soft-thresholding:
    :math:`w = \operatorname{sign}(c)\max(|c| - l_1/2, 0) / (1 + l_2)`, :math:`c = X_c^T y_c / n`.

    >>> X = [[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]]   # c = (2, 1)
    >>> w, b = elastic_net(X, [3.0, 1.0, -1.0, -3.0], l1=2.0)
    >>> w.tolist(), b
    ([1.0, 0.0], 0.0)
    """
    Xc, yc, x_mean, y_mean = _centred(X, y)
    l1, l2 = check_real("l1", l1, low=0), check_real("l2", l2, low=0)
    n = len(yc)
    G, c = Xc.T @ Xc / n, Xc.T @ yc / n
    w, converged = _active_set(G, c, l1, l2, np.zeros(len(c)))
    if not converged:  # not met in practice; say so rather than return a wrong answer silently
        raise ValueError(f"elastic_net did not converge for l1={l1}, l2={l2}; standardize X")
    return _finite_fit(w, y_mean - float(x_mean @ w))


@dataclass(frozen=True)
class RegularizationGrid:
    """The sliders' grid: ``weights[i, j]`` is the fit at ``mixes[i]``, ``lambdas[j]``."""

    lambdas: np.ndarray       # (n_lam,) increasing
    mixes: np.ndarray         # (n_mix,) L1 share, 0 = pure L2 (ridge), 1 = pure L1 (lasso)
    weights: np.ndarray       # (n_mix, n_lam, degree), on standardized powers of x
    biases: np.ndarray        # (n_mix, n_lam)
    train_mse: np.ndarray     # (n_mix, n_lam), data loss only (no penalty)
    val_mse: np.ndarray       # (n_mix, n_lam)
    scaler: Standardizer      # training statistics of the powers x, x^2, ..., x^degree
    data: tuple[np.ndarray, ...]  # (x_train, y_train, x_val, y_val)

    def __post_init__(self) -> None:
        lambdas = check_array("lambdas", self.lambdas, ndim=1)
        mixes = check_array("mixes", self.mixes, ndim=1)
        shape = (len(mixes), len(lambdas))
        for name in ("weights", "biases", "train_mse", "val_mse"):
            arr = check_array(name, getattr(self, name), ndim=3 if name == "weights" else 2)
            if arr.shape[:2] != shape:
                raise ValueError(f"{name} must start with shape {shape} (mixes, lambdas), got {arr.shape}")
            object.__setattr__(self, name, arr)
        if not isinstance(self.scaler, Standardizer) or self.scaler.mean.size != self.weights.shape[2]:
            raise TypeError(f"scaler must be a Standardizer of as many powers of x as weights has "
                            f"columns ({self.weights.shape[2]})")
        if not isinstance(self.data, tuple) or len(self.data) != 4:
            raise TypeError("data must be the tuple (x_train, y_train, x_val, y_val)")
        names = ("x_train", "y_train", "x_val", "y_val")
        data = tuple(check_array(f"data's {k}", v, ndim=1) for k, v in zip(names, self.data))
        object.__setattr__(self, "lambdas", lambdas)
        object.__setattr__(self, "mixes", mixes)
        object.__setattr__(self, "data", data)

    def predict(self, x, i: int, j: int) -> np.ndarray:
        """The fitted polynomial of grid point ``(i, j)`` at the points ``x``."""
        i = check_int("i", i, low=0, high=len(self.mixes) - 1)
        j = check_int("j", j, low=0, high=len(self.lambdas) - 1)
        Z = self.scaler.transform(_powers("x", x, self.weights.shape[2]))
        with np.errstate(over="ignore", invalid="ignore"):
            out = Z @ self.weights[i, j] + self.biases[i, j]
        if not np.all(np.isfinite(out)):
            raise ValueError("x is too far from the data: the polynomial overflows float64")
        return out


def _powers(name: str, x, degree: int) -> np.ndarray:
    """``polynomial_features`` of ``x``, refusing values whose powers overflow float64."""
    x = check_array(name, x, ndim=1)
    if x.size > MAX_POINTS:
        raise ValueError(f"{name} must have at most {MAX_POINTS} points, got {x.size}")
    with np.errstate(over="ignore"):
        try:
            powers = polynomial_features(x, degree)
        except ValueError:  # it refuses an overflow itself, naming its own argument
            powers = np.array([np.inf])
    if not np.all(np.isfinite(powers)) or np.abs(powers).max() > 1e150:
        raise ValueError(f"{name} must keep x**{degree} within ±1e150, got values up to {np.abs(x).max():.3g}")
    return powers


def fit_grid(x_train, y_train, x_val, y_val, *, degree: int = 9, lambdas=None,
             mixes=None) -> RegularizationGrid:
    """Fit the penalized polynomial at every (mix, lambda), exactly (closed form or active set).

    Default grid: ``lambdas = 10**(-16), 10**(-15.75), ..., 10**1`` and ``mixes = 0, 0.1, ..., 1``.
    At most ``MAX_FITS`` grid points and ``degree <= MAX_DEGREE``. With more weights than
    training points (e.g. degree 21 on 12 points) the Gram matrix is singular: ridge is then
    solved by least squares and the active set falls back to least-norm solves, so the fits
    still meet their optimality conditions, identically on every CPU.
    The grid starts that low because "small" is relative to the eigenvalues of ``Z_c^T Z_c / n``:
    for the degree-9 sine example the smallest is ~3e-13, so ridge at 1e-12 already shrinks the
    least-squares fit; from ~1e-15 down it is the unpenalized fit. Each mix is solved from the
    largest lambda down, each fit starting from the previous one.

    >>> x = np.linspace(0, 1, 8)
    >>> y = np.sin(6 * x)
    >>> g = fit_grid(x, y, x, y, degree=3, lambdas=[1e-3, 1e3], mixes=[0.0, 1.0])
    >>> g.weights.shape, int(np.count_nonzero(g.weights[1, 1]))   # lasso at lam=1000: all zero
    ((2, 2, 3), 0)
    """
    degree = check_int("degree", degree, low=1, high=MAX_DEGREE)
    x_train = check_array("x_train", x_train, ndim=1)
    y_train = check_array("y_train", y_train, ndim=1)
    x_val, y_val = check_array("x_val", x_val, ndim=1), check_array("y_val", y_val, ndim=1)
    check_same_length(x_train=x_train, y_train=y_train)
    check_same_length(x_val=x_val, y_val=y_val)
    for name, v in [("y_train", y_train), ("y_val", y_val)]:
        if np.abs(v).max() > 1e100:
            raise ValueError(f"{name} must lie within ±1e100 (its squared errors must fit in float64)")
    if lambdas is None:
        lambdas = 10.0 ** np.arange(-16, 1.01, 0.25)
    lambdas = np.sort(check_array("lambdas", lambdas, ndim=1))
    mixes = check_array("mixes", np.linspace(0, 1, 11) if mixes is None else mixes, ndim=1)
    if lambdas[0] <= 0 or lambdas[-1] > 1e100:
        raise ValueError(f"lambdas must be in (0, 1e100], got values from {lambdas[0]} to {lambdas[-1]}")
    if np.any((mixes < 0) | (mixes > 1)):
        raise ValueError(f"mixes must be in [0, 1], got {mixes.tolist()}")
    if lambdas.size * mixes.size > MAX_FITS:
        raise ValueError(f"lambdas and mixes must make at most {MAX_FITS} grid points, "
                         f"got {lambdas.size} x {mixes.size}")
    powers = _powers("x_train", x_train, degree)
    scaler = Standardizer.fit(powers)
    Z = scaler.transform(powers)
    Zv = scaler.transform(_powers("x_val", x_val, degree))
    W = np.zeros((len(mixes), len(lambdas), degree))
    for i, mix in enumerate(mixes):
        W[i] = _path(Z, y_train, lambdas, float(mix))
    b = y_train.mean() - W @ Z.mean(axis=0)  # Z's training mean is 0 up to rounding
    train = np.mean((y_train - (W @ Z.T + b[..., None])) ** 2, axis=-1)
    val = np.mean((y_val - (W @ Zv.T + b[..., None])) ** 2, axis=-1)
    data = (x_train, y_train, x_val, y_val)
    return RegularizationGrid(lambdas, mixes, W, b, train, val, scaler, data)


def _path(Z: np.ndarray, y: np.ndarray, lambdas: np.ndarray, mix: float) -> np.ndarray:
    """Weights for each lambda at one mix: ridge's closed form, or warm-started active sets."""
    if mix == 0:
        return np.array([ridge(Z, y, lam)[0] for lam in lambdas])
    Zc, yc = Z - Z.mean(axis=0), y - y.mean()
    G, c = Zc.T @ Zc / len(y), Zc.T @ yc / len(y)
    out, w = np.zeros((len(lambdas), Z.shape[1])), np.zeros(Z.shape[1])
    for j in range(len(lambdas) - 1, -1, -1):
        w, converged = _active_set(G, c, lambdas[j] * mix, lambdas[j] * (1 - mix), w)
        if not converged:  # not met in practice (the tests solve thousands of grids)
            raise ValueError("the active-set solver did not converge at "
                             f"lam={lambdas[j]:.3g}, mix={mix}; lower the degree")
        out[j] = w
    return out


def _predict_named(grid: RegularizationGrid, name: str, x, i: int, j: int) -> np.ndarray:
    """``grid.predict`` whose errors name the caller's argument."""
    try:
        return grid.predict(x, i, j)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


@dataclass(frozen=True)
class RegularizationFrame:
    """What the widget draws for one (lam, mix): the fit, its weights, the loss curves, a status."""

    lam: float                 # the grid values actually used (nearest to the sliders')
    mix: float
    weights: np.ndarray        # (degree,)
    n_zero: int                # weights exactly 0
    curve: np.ndarray          # the fitted polynomial at ``x_plot``
    train_curve: np.ndarray    # training MSE against ``grid.lambdas`` at this mix
    val_curve: np.ndarray      # validation MSE against ``grid.lambdas`` at this mix
    train_mse: float
    val_mse: float
    best_lam: float            # the lambda of least validation MSE at this mix
    status: str
    ok: bool


def regularization_frame(grid: RegularizationGrid, lam: float, mix: float,
                         x_plot=None) -> RegularizationFrame:
    """Select the grid fit nearest to ``(lam, mix)`` (lam on a log scale) and describe it.

    ``ok`` is True when the validation MSE is within 10 % of the best one at this mix.

    >>> x = np.linspace(0, 1, 8)
    >>> g = fit_grid(x, np.sin(6 * x), x, np.sin(6 * x), degree=3, lambdas=[1e-3, 1e3], mixes=[1.0])
    >>> f = regularization_frame(g, lam=900.0, mix=1.0)
    >>> f.lam, f.n_zero, f.ok
    (1000.0, 3, False)
    """
    if not isinstance(grid, RegularizationGrid):
        raise TypeError(f"grid must be a RegularizationGrid (from fit_grid), got {type(grid).__name__}")
    lam = check_real("lam", lam, low=0, low_open=True)
    mix = check_real("mix", mix, low=0, high=1)
    i = int(np.argmin(np.abs(grid.mixes - mix)))
    j = int(np.argmin(np.abs(np.log10(grid.lambdas) - np.log10(lam))))
    x_plot = np.linspace(0, 1, 200) if x_plot is None else x_plot
    curve = _predict_named(grid, "x_plot", x_plot, i, j)
    w, tr, va = grid.weights[i, j], float(grid.train_mse[i, j]), float(grid.val_mse[i, j])
    k = int(np.argmin(grid.val_mse[i]))
    n_zero, d = int(np.count_nonzero(w == 0)), len(w)
    head = (f"λ = {grid.lambdas[j]:.1e}, {grid.mixes[i]:.0%} L1: "
            f"{n_zero} of {d} weights exactly 0; train MSE {tr:.3f}, validation MSE {va:.3f}. ")
    ok = va <= 1.1 * grid.val_mse[i, k]
    if n_zero == d:
        tail = "Every weight is 0: the model predicts the training mean (underfitting)."
    elif ok:
        tail = f"Near the best validation error for this mix (λ = {grid.lambdas[k]:.1e})."
    elif j < k:
        ratio = f"{va / tr:.0f}×" if tr > va / 1e6 else "far above"
        tail = f"Overfitting: validation error is {ratio} the training error; raise λ."
    else:
        tail = "Underfitting: both errors rise with λ; lower it."
    return RegularizationFrame(float(grid.lambdas[j]), float(grid.mixes[i]), w, n_zero,
                               curve, grid.train_mse[i], grid.val_mse[i],
                               tr, va, float(grid.lambdas[k]), head + tail, bool(ok))


class RegularizationExplorer:
    """Sliders for λ (log scale) and the L1 share drive the fit, the weights and the losses.

    Left: the data and the fitted polynomial. Middle: the weights as bars (symlog scale, × marks
    an exact 0). Right: training and validation MSE against λ at the current mix, with the
    current λ marked. Every fit is computed once (:func:`fit_grid`); a change only redraws.
    """

    def __init__(self, x_train, y_train, x_val, y_val, *, degree: int = 9, lam: float = 1e-4,
                 mix: float = 0.0, truth=None, grid: RegularizationGrid | None = None):
        if grid is None:
            grid = fit_grid(x_train, y_train, x_val, y_val, degree=degree)
        elif not isinstance(grid, RegularizationGrid):
            raise TypeError(f"grid must be a RegularizationGrid (from fit_grid), got {type(grid).__name__}")
        elif not all(v is None or np.array_equal(np.asarray(v, dtype=float), g) for v, g in
                     zip((x_train, y_train, x_val, y_val), grid.data)):
            raise ValueError("grid was fitted on other data than x_train, y_train, x_val, y_val "
                             "(pass the same arrays, or None)")
        self.grid = grid
        exps = np.log10(self.grid.lambdas)
        step = float(np.median(np.diff(exps))) if len(exps) > 1 else 1.0
        lam = check_real("lam", lam, low=self.grid.lambdas[0], high=self.grid.lambdas[-1])
        mix = check_real("mix", mix, low=0, high=1)
        if truth is not None and not callable(truth):
            raise TypeError(f"truth must be a function of x (or None), got {type(truth).__name__}")
        style = {"description_width": "initial"}   # show each description in full
        self.controls = {
            "lam": widgets.FloatLogSlider(value=lam, base=10, min=exps[0], max=exps[-1], step=step,
                                          description="λ", readout_format=".1e", style=style),
            "mix": widgets.FloatSlider(value=mix, min=0.0, max=1.0, step=0.1,
                                       description="L1 share", readout_format=".0%", style=style)}
        self.status = widgets.HTML()
        x_seen = self.grid.data[0]
        self.x_plot = np.linspace(min(x_seen.min(), 0.0), max(x_seen.max(), 1.0), 200)
        fig, (self.ax_fit, self.ax_w, self.ax_loss) = plt.subplots(1, 3, figsize=(11, 3.5))
        self._draw_fit(truth)
        self._draw_weights()
        self._draw_losses()
        fig.tight_layout()
        self.live = LiveFigure(fig, animated=[self.curve, *self.bars, self.zeros, self.train_line,
                                              self.val_line, self.marker, self.dots])
        for control in self.controls.values():
            control.observe(self.update, "value")
        self.update()

    def _draw_fit(self, truth) -> None:
        g, (x, y, xv, yv) = self.grid, self.grid.data
        lo, hi = min(y.min(), yv.min()), max(y.max(), yv.max())
        self.ax_fit.plot(xv, yv, "o", mfc="none", color="0.6", ms=4, label="validation")
        self.ax_fit.plot(x, y, "o", color="C0", label="training")
        if truth is not None:
            try:
                true_y = np.asarray(truth(self.x_plot), dtype=float)
            except (TypeError, ValueError) as exc:
                raise TypeError(f"truth must return numbers for an array of x ({exc})") from None
            if true_y.shape != self.x_plot.shape or not np.all(np.isfinite(true_y)):
                raise ValueError("truth must return one finite value per point of x")
            self.ax_fit.plot(self.x_plot, true_y, "--", color="0.4", lw=1, label="truth")
        (self.curve,) = self.ax_fit.plot([], [], color="C3", label="fit")
        self.ax_fit.set(xlabel="x", ylabel="y", ylim=(lo - 0.5 * (hi - lo), hi + 0.5 * (hi - lo)),
                        title=f"degree-{g.weights.shape[2]} polynomial fit")
        self.ax_fit.legend(fontsize=8, loc="lower left")

    def _draw_weights(self) -> None:
        g = self.grid
        k = np.arange(1, g.weights.shape[2] + 1)
        self.bars = list(self.ax_w.bar(k, np.zeros(len(k)), color="C0"))
        (self.zeros,) = self.ax_w.plot([], [], "x", color="C3", ms=8, mew=2)
        top = 2 * float(np.abs(g.weights).max()) + 1
        self.ax_w.set_yscale("symlog", linthresh=0.1)
        ticks = [v for e in range(0, 12, 2) for v in (10.0**e, -10.0**e) if 10.0**e < top]
        self.ax_w.set(ylim=(-top, top), xticks=k, xticklabels=[f"$x^{{{i}}}$" for i in k],
                      yticks=[0.0, *ticks],
                      ylabel="weight (symlog)", title="weights (× = exactly 0)")

    def _draw_losses(self) -> None:
        g = self.grid
        both = np.concatenate([g.train_mse.ravel(), g.val_mse.ravel()])
        # A training MSE of 0 (as many weights as points, tiny λ) stays on the log axis.
        top = max(float(both.max()), 1e-300)
        self._mse_floor = max(float(both.min()), top * 1e-12)
        self.ax_loss.set(xscale="log", yscale="log", xlim=(g.lambdas[0], g.lambdas[-1] * (1 + 1e-9 * (g.lambdas.size == 1))),
                         ylim=(self._mse_floor / 1.5, top * 8), xlabel="λ (log scale)",
                         ylabel="MSE (log scale)", title="error against λ (this mix)")
        fixed = {"scalex": False, "scaley": False}   # the limits set above stay
        (self.train_line,) = self.ax_loss.plot([], [], color="C0", label="training MSE", **fixed)
        (self.val_line,) = self.ax_loss.plot([], [], color="C1", label="validation MSE", **fixed)
        self.marker = self.ax_loss.axvline(g.lambdas[0], color="0.3", lw=1)
        (self.dots,) = self.ax_loss.plot([], [], "o", color="0.2", ms=5, scalex=False, scaley=False)
        self.ax_loss.legend(fontsize=8, loc="upper center", ncol=2)

    def update(self, change=None) -> RegularizationFrame:
        """Select the precomputed fit for the sliders, redraw the moving artists, return it."""
        lam, mix = self.controls["lam"].value, self.controls["mix"].value
        frame = regularization_frame(self.grid, lam, mix, self.x_plot)
        self.curve.set_data(self.x_plot, frame.curve)
        for bar, height in zip(self.bars, frame.weights):
            bar.set_height(height)
        zero = np.flatnonzero(frame.weights == 0)
        self.zeros.set_data(zero + 1, np.zeros(len(zero)))
        floor = self._mse_floor
        self.train_line.set_data(self.grid.lambdas, np.maximum(frame.train_curve, floor))
        self.val_line.set_data(self.grid.lambdas, np.maximum(frame.val_curve, floor))
        self.marker.set_xdata([frame.lam, frame.lam])
        self.dots.set_data([frame.lam, frame.lam], np.maximum([frame.train_mse, frame.val_mse], floor))
        self.status.value = status_text(frame.status, frame.ok)
        self.live.refresh()
        self.frame = frame
        return frame

    def show(self) -> None:
        """Display the sliders, the status line and the figure."""
        controls = widgets.HBox([self.controls["lam"], self.controls["mix"]])
        show_widget(controls, self.status, self.live)
