"""The regularization widget of notebook 06: its exact solvers, its grid, its frame and its sliders.

Independent references: scikit-learn's ``Ridge`` and ``ElasticNet`` (coordinate descent, their
own code), closed forms derived below, and the optimality (KKT) conditions of the objective
``J(w) = mean((y - X w - b)^2) + l1 |w|_1 + l2 |w|^2``.
"""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet, Ridge

from course_lib.regularization import soft_threshold
from course_lib.synthetic import make_sine_regression
from course_lib.widgets.regularization import (RegularizationExplorer, elastic_net, fit_grid,
                                               regularization_frame, ridge)


def random_problem(seed, n=30, d=5):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 2, d) + rng.normal(size=d)
    y = X @ rng.normal(size=d) + rng.normal() + 0.5 * rng.normal(size=n)
    return X, y


def kkt_violation(X, y, w, l1, l2):
    """Largest violation of 0 in the subdifferential of J at w (0 at the exact minimizer)."""
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    grad = 2 * Xc.T @ (Xc @ w - yc) / len(y) + 2 * l2 * w   # gradient of the smooth part
    on = w != 0
    return max(np.max(np.abs(grad + l1 * np.sign(w))[on], initial=0.0),
               np.max(np.abs(grad[~on]) - l1, initial=0.0))


# ---- ridge: closed form -------------------------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), l2=st.floats(1e-6, 10.0))
def test_ridge_equals_scikit_learn(seed, l2):
    # Ridge minimizes sum (y - Xw - b)^2 + alpha |w|^2 = n * (our J), so alpha = n * l2.
    # Tolerance 1e-8: both solve the same normal equations in float64 (condition <= ~1e3 here).
    X, y = random_problem(seed)
    w, b = ridge(X, y, l2)
    ref = Ridge(alpha=len(y) * l2, solver="cholesky").fit(X, y)
    np.testing.assert_allclose(w, ref.coef_, rtol=1e-8, atol=1e-10)
    assert b == pytest.approx(ref.intercept_, rel=1e-8, abs=1e-10)


def test_ridge_with_orthonormal_columns_divides_by_one_plus_l2():
    # X_c^T X_c / n = I, c = X_c^T y / n = (2, 1)  =>  w = c / (1 + l2) by the normal equations.
    X = np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]])
    w, b = ridge(X, [3.0 + 5, 1.0 + 5, -1.0 + 5, -3.0 + 5], l2=0.25)
    np.testing.assert_allclose(w, [2 / 1.25, 1 / 1.25], rtol=1e-12)
    assert b == pytest.approx(5.0)   # the bias is the mean of y, not shrunk towards 0


# ---- elastic net: exact active set -----------------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), l1=st.floats(1e-3, 2.0), share=st.floats(0.0, 1.0))
def test_elastic_net_equals_scikit_learn(seed, l1, share):
    # ElasticNet minimizes 1/(2n)|y - Xw - b|^2 + a r |w|_1 + a (1 - r)/2 |w|^2 = J / 2 with
    # a = l1/2 + l2, r = (l1/2)/a. Tolerance 1e-7 on the weights: sklearn run to tol=1e-14.
    X, y = random_problem(seed)
    l2 = share * l1
    w, b = elastic_net(X, y, l1, l2)
    alpha = l1 / 2 + l2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = ElasticNet(alpha=alpha, l1_ratio=(l1 / 2) / alpha, tol=1e-14, max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(w, ref.coef_, atol=1e-7)
    assert b == pytest.approx(ref.intercept_, abs=1e-6)


def test_orthonormal_lasso_is_soft_thresholding():
    # With X_c^T X_c / n = I the objective separates: w_k = soft_threshold(c_k, l1/2) / (1 + l2).
    X = np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]])
    y = np.array([3.0, 1.0, -1.0, -3.0])
    c = X.T @ y / 4
    for l1, l2 in [(0.5, 0.0), (1.0, 0.3), (2.5, 0.1), (5.0, 0.0)]:
        w, _ = elastic_net(X, y, l1, l2)
        np.testing.assert_allclose(w, soft_threshold(c, l1 / 2) / (1 + l2), atol=1e-14)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10**6), log_l1=st.floats(-9, 0), share=st.sampled_from([0.0, 0.1, 1.0]))
def test_elastic_net_meets_the_optimality_conditions_on_ill_conditioned_polynomials(seed, log_l1, share):
    # Standardized powers x..x^9 of 12 points: X^T X has condition ~1e13, where coordinate
    # descent stalls. The exact solver must still satisfy the KKT conditions (to 1e-7).
    x, y = make_sine_regression(12, seed=seed % 1000)
    Z = x[:, None] ** np.arange(1, 10)
    Z = (Z - Z.mean(axis=0)) / Z.std(axis=0)
    l1 = 10.0**log_l1
    w, _ = elastic_net(Z, y, l1, share * l1)
    assert kkt_violation(Z, y, w, l1, share * l1) < 1e-7


def test_elastic_net_does_not_cycle_where_the_solve_loses_precision():
    # Found by a stress run: pure L1 at l1 ~ 2e-9 on seed 916, where adding the last violating
    # weight (violation ~1e-9) gives it the wrong sign in the nearly singular solve. The solver
    # must stop there (KKT met to 1e-7) instead of cycling until it gives up.
    x, y = make_sine_regression(12, seed=916)
    Z = x[:, None] ** np.arange(1, 10)
    Z = (Z - Z.mean(axis=0)) / Z.std(axis=0)
    w, _ = elastic_net(Z, y, 1.7759676999875037e-09)
    assert kkt_violation(Z, y, w, 1.7759676999875037e-09, 0.0) < 1e-7


@pytest.mark.parametrize("seed", range(10, 20))
def test_fit_grid_solves_every_grid_point_for_other_samples(seed):
    # Every one of the 759 fits meets the KKT conditions to 1e-7. The training error rises with
    # lambda (to 1e-9) wherever the problem is well posed in float64: for lambda >= 1e-8. Below,
    # with pure L1 the Gram matrix alone (condition up to ~1e15 here) sets the flat directions,
    # and a KKT residual of 1e-9 can still leave training MSEs wrong by ~1e-5.
    x, y = make_sine_regression(12, seed=seed)
    xv, yv = make_sine_regression(50, seed=seed + 100)
    g = fit_grid(x, y, xv, yv)   # raises RuntimeError if a fit did not converge
    Z = g.scaler.transform(x[:, None] ** np.arange(1, 10))
    worst = max(kkt_violation(Z, y, g.weights[i, j], lam * mix, lam * (1 - mix))
                for i, mix in enumerate(g.mixes) for j, lam in enumerate(g.lambdas))
    assert worst < 1e-7
    assert np.all(np.diff(g.train_mse[:, g.lambdas >= 1e-8], axis=1) >= -1e-9)


def test_lasso_is_all_zero_exactly_from_twice_the_largest_correlation():
    # w = 0 is optimal iff |2 c_j| <= l1 for every j (c = X_c^T y_c / n): the threshold is 2 max|c|.
    X, y = random_problem(3)
    Xc = X - X.mean(axis=0)
    threshold = 2 * np.max(np.abs(Xc.T @ (y - y.mean()) / len(y)))
    assert np.count_nonzero(elastic_net(X, y, 1.001 * threshold)[0]) == 0
    assert np.count_nonzero(elastic_net(X, y, 0.999 * threshold)[0]) == 1


@pytest.mark.parametrize("kwargs, word", [({"l1": -1.0}, "l1"), ({"l1": 0.1, "l2": float("nan")}, "l2")])
def test_elastic_net_rejects_bad_factors(kwargs, word):
    X, y = random_problem(0)
    with pytest.raises(ValueError, match=word):
        elastic_net(X, y, **kwargs)


def test_solvers_reject_mismatched_data():
    with pytest.raises(ValueError, match="same number of samples"):
        ridge(np.ones((3, 2)), np.ones(4), 0.1)


# ---- the grid --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sine_grid():
    x, y = make_sine_regression(12, seed=0)
    xv, yv = make_sine_regression(50, seed=1)
    return fit_grid(x, y, xv, yv)


def test_grid_fits_equal_the_standalone_solvers(sine_grid):
    g, (x, y, xv, yv) = sine_grid, sine_grid.data
    Z = g.scaler.transform(x[:, None] ** np.arange(1, 10))
    for i, j in [(0, 36), (0, 68), (3, 46), (10, 41), (10, 56), (6, 61)]:   # lam from 1e-7 to 10
        lam, mix = g.lambdas[j], g.mixes[i]
        w, b = ridge(Z, y, lam) if mix == 0 else elastic_net(Z, y, lam * mix, lam * (1 - mix))
        np.testing.assert_allclose(g.weights[i, j], w, rtol=1e-6, atol=1e-9)
        assert g.biases[i, j] == pytest.approx(b, abs=1e-9)
        assert g.val_mse[i, j] == pytest.approx(np.mean((yv - g.predict(xv, i, j)) ** 2), rel=1e-12)


def test_grid_is_the_sliders_grid(sine_grid):
    np.testing.assert_allclose(np.log10(sine_grid.lambdas), np.arange(-16, 1.01, 0.25), atol=1e-12)
    np.testing.assert_allclose(sine_grid.mixes, np.arange(11) / 10, atol=1e-12)


def test_grid_starts_at_the_unpenalized_fit(sine_grid):
    # Ridge multiplies the least-squares weights' component along each eigenvector of
    # G = Z_c^T Z_c / n (eigenvalue h) by h / (h + lam). Here the smallest h is ~3e-13, so at
    # lam = 1e-16 every factor is >= 0.999 (the fit is least squares to ~1e-3 relative), while
    # at lam = 1e-12 the weakest direction keeps only h / (h + lam) ~ 0.24 of its size.
    x, y = sine_grid.data[:2]
    Z = sine_grid.scaler.transform(x[:, None] ** np.arange(1, 10))
    least_squares = np.linalg.lstsq(np.c_[Z, np.ones(len(x))], y, rcond=None)[0][:9]
    h = np.linalg.eigvalsh(np.cov(Z.T, bias=True))
    assert sine_grid.lambdas[0] == pytest.approx(1e-16) and h.min() / (h.min() + 1e-16) > 0.99
    np.testing.assert_allclose(sine_grid.weights[0, 0], least_squares, rtol=2e-3)
    at_1e12 = sine_grid.weights[0, np.argmin(np.abs(np.log10(sine_grid.lambdas) + 12))]
    assert np.abs(at_1e12).max() < 0.5 * np.abs(least_squares).max()


def test_training_error_never_falls_as_lambda_grows(sine_grid):
    # For J = loss + lam * Omega(w) with Omega fixed (fixed mix), comparing the optima at
    # lam1 < lam2 gives loss(lam1) <= loss(lam2) and Omega(lam1) >= Omega(lam2).
    assert np.all(np.diff(sine_grid.train_mse, axis=1) >= -1e-9)


def test_ridge_weights_shrink_and_lasso_weights_reach_zero(sine_grid):
    norms = np.linalg.norm(sine_grid.weights[0], axis=1)
    assert np.all(np.diff(norms) <= 1e-9) and np.all(sine_grid.weights[0, -1] != 0)
    assert np.count_nonzero(sine_grid.weights[-1, -1]) == 0
    assert np.count_nonzero(sine_grid.weights[0] == 0) == 0   # ridge: never an exact zero


def test_validation_error_is_u_shaped(sine_grid):
    val = sine_grid.val_mse[0]
    k = int(np.argmin(val))
    assert 0 < k < len(val) - 1 and val[0] > 3 * val[k] and val[-1] > 3 * val[k]


@pytest.mark.parametrize("kwargs, word", [({"lambdas": [0.0, 1.0]}, "lambdas"),
                                          ({"mixes": [0.5, 1.5]}, "mixes"), ({"degree": 0}, "degree")])
def test_fit_grid_rejects_bad_arguments(kwargs, word):
    x = np.linspace(0, 1, 6)
    with pytest.raises(ValueError, match=word):
        fit_grid(x, x, x, x, **kwargs)


# ---- the frame and the widget ----------------------------------------------------------------

def test_frame_selects_the_nearest_grid_point_on_a_log_scale(sine_grid):
    f = regularization_frame(sine_grid, lam=1.3e-4, mix=0.74)   # log10: -3.89 -> -4.0
    assert (f.lam, f.mix) == (pytest.approx(1e-4), pytest.approx(0.7))
    j = 48                                                         # 1e-16 * 10**(48 / 4) = 1e-4
    np.testing.assert_array_equal(f.weights, sine_grid.weights[7, j])
    assert f.n_zero == np.count_nonzero(sine_grid.weights[7, j] == 0)
    assert f.best_lam == sine_grid.lambdas[np.argmin(sine_grid.val_mse[7])]


@pytest.mark.parametrize("lam, mix, word, ok", [(1e-12, 0.0, "Overfitting", False), (10.0, 1.0, "Every weight is 0", False),
                                                (0.1, 0.0, "Underfitting", False), (5.6e-5, 0.0, "Near the best", True)])
def test_frame_status_names_the_regime(sine_grid, lam, mix, word, ok):
    f = regularization_frame(sine_grid, lam, mix)
    assert word in f.status and f.ok is ok


@pytest.mark.parametrize("lam, mix", [(0.0, 0.5), (-1.0, 0.5), (1e-3, 1.1), (1e-3, float("nan"))])
def test_frame_rejects_bad_settings(sine_grid, lam, mix):
    with pytest.raises(ValueError, match="lam|mix"):
        regularization_frame(sine_grid, lam, mix)


def test_sliders_redraw_bars_and_extremes_still_draw(sine_grid):
    x, y, xv, yv = sine_grid.data
    ui = RegularizationExplorer(x, y, xv, yv, grid=sine_grid)
    first = ui.live.png
    ui.controls["mix"].value = 1.0
    ui.controls["lam"].value = 1e-2
    heights = [bar.get_height() for bar in ui.bars]
    np.testing.assert_array_equal(heights, ui.frame.weights)
    assert len(ui.zeros.get_xdata()) == ui.frame.n_zero > 0
    assert ui.live.png != first and ui.live.png.startswith(b"\x89PNG")
    for lam in (10 ** ui.controls["lam"].min, 10 ** ui.controls["lam"].max):
        ui.controls["lam"].value = lam
        assert np.all(np.isfinite(ui.curve.get_ydata())) and "b42318" in ui.status.value
    assert all(c.style.description_width == "initial" for c in ui.controls.values())


# ---- every control moves the frame the way it means (section 5 of issue 9) ----------------

def _ridge_by_hand(Z, y, lam):
    """(Z_c^T Z_c / n + lam I)^-1 Z_c^T y_c / n: the closed form, by numpy, not by the grid."""
    Zc, yc = Z - Z.mean(axis=0), y - y.mean()
    n, d = Zc.shape
    return np.linalg.solve(Zc.T @ Zc / n + lam * np.eye(d), Zc.T @ yc / n)


def _powers(x, degree=9):
    """Standardized powers x..x^degree with the training statistics, computed here."""
    P = np.asarray(x)[:, None] ** np.arange(1, degree + 1)
    return P


def test_the_lambda_slider_is_looked_up_on_a_log_scale(sine_grid):
    # Grid neighbours 1e-4 and 10^-3.75 = 1.778e-4: their log midpoint is 10^-3.875 = 1.334e-4,
    # their linear midpoint 1.389e-4. At 1.36e-4 a log lookup picks 10^-3.75, a linear one 1e-4.
    ui = RegularizationExplorer(None, None, None, None, grid=sine_grid, lam=1e-4, mix=0.0)
    ui.controls["lam"].value = 1.36e-4
    assert ui.controls["lam"].value == 1.36e-4          # the slider keeps the value it was given
    assert ui.frame.lam == pytest.approx(10**-3.75, rel=1e-12)
    x, y = sine_grid.data[:2]
    P = _powers(x)
    Z = (P - P.mean(axis=0)) / P.std(axis=0)
    ridge_weights = _ridge_by_hand(Z, y, 10**-3.75)
    np.testing.assert_allclose(ui.frame.weights, ridge_weights, rtol=1e-5, atol=1e-8)
    heights = [bar.get_height() for bar in ui.bars]
    np.testing.assert_allclose(heights, ridge_weights, rtol=1e-5, atol=1e-8)
    assert ui.marker.get_xdata()[0] == ui.frame.lam
    # and the other side of the log midpoint goes to 1e-4
    ui.controls["lam"].value = 1.32e-4
    assert ui.frame.lam == pytest.approx(1e-4, rel=1e-12)


def test_a_larger_lambda_shrinks_the_ridge_weights(sine_grid):
    ui = RegularizationExplorer(None, None, None, None, grid=sine_grid, lam=1e-8, mix=0.0)
    norms, train = [], []
    for lam in (1e-8, 1e-6, 1e-4, 1e-2, 1.0):
        ui.controls["lam"].value = lam
        norms.append(np.linalg.norm(ui.frame.weights))
        train.append(ui.frame.train_mse)
    assert all(a > b for a, b in zip(norms, norms[1:])) and all(a <= b for a, b in zip(train, train[1:]))


def test_the_l1_share_slider_sets_the_penalty_mix(sine_grid):
    # At lam = 0.1 the fit must meet the optimality conditions of J with l1 = lam * mix,
    # l2 = lam * (1 - mix) -- checked from first principles (kkt_violation), for every mix.
    ui = RegularizationExplorer(None, None, None, None, grid=sine_grid, lam=0.1, mix=0.0)
    x, y = sine_grid.data[:2]
    P = _powers(x)
    Z = (P - P.mean(axis=0)) / P.std(axis=0)
    zeros = []
    for mix in (0.0, 0.3, 0.7, 1.0):
        ui.controls["mix"].value = mix
        assert ui.frame.mix == pytest.approx(mix)
        lam = ui.frame.lam
        assert kkt_violation(Z, y, ui.frame.weights, lam * mix, lam * (1 - mix)) < 1e-7
        zeros.append(ui.frame.n_zero)
        assert f"{mix:.0%} L1" in ui.frame.status
        assert list(ui.zeros.get_xdata()) == (np.flatnonzero(ui.frame.weights == 0) + 1).tolist()
    # pure L2 zeroes nothing; L1 zeroes weights, more of them as its share grows
    assert zeros[0] == 0 and zeros[-1] > 0 and zeros == sorted(zeros)


def test_the_loss_panel_follows_the_mix(sine_grid):
    ui = RegularizationExplorer(None, None, None, None, grid=sine_grid, lam=0.1, mix=0.0)
    ridge_curve = ui.val_line.get_ydata().copy()
    ui.controls["mix"].value = 1.0
    x, y, xv, yv = sine_grid.data
    P, Pv = _powers(x), _powers(xv)
    Zv = (Pv - P.mean(axis=0)) / P.std(axis=0)
    k = int(np.argmin(np.abs(np.log10(sine_grid.lambdas) - 0.0)))            # lam = 1
    pred = Zv @ sine_grid.weights[-1, k] + sine_grid.biases[-1, k]
    assert ui.val_line.get_ydata()[k] == pytest.approx(np.mean((yv - pred) ** 2), rel=1e-9)
    assert not np.allclose(ridge_curve, ui.val_line.get_ydata())


def test_explorer_defaults_and_refusals(sine_grid):
    ui = RegularizationExplorer(None, None, None, None, grid=sine_grid)
    assert ui.controls["lam"].value == 1e-4 and ui.controls["mix"].value == 0.0
    with pytest.raises(ValueError, match="lam"):
        RegularizationExplorer(None, None, None, None, grid=sine_grid, lam=100.0)
    with pytest.raises(ValueError, match="grid"):
        RegularizationExplorer(np.zeros(12), None, None, None, grid=sine_grid)
    with pytest.raises(TypeError, match="truth"):
        RegularizationExplorer(None, None, None, None, grid=sine_grid, truth=3)


@pytest.mark.parametrize("degree", [12, 21, 30])
def test_more_weights_than_points_still_solves(degree):
    # degree 21 on 12 points raised LinAlgError on AVX2 kernels (issue 9): the centred Gram
    # matrix has rank 11, and pure L1 at a tiny lam adds a 12th weight the others span.
    x, y = make_sine_regression(12, seed=0)
    xv, yv = make_sine_regression(50, seed=1)
    g = fit_grid(x, y, xv, yv, degree=degree, lambdas=10.0 ** np.arange(-16, 1.01, 1.0))
    P = x[:, None] ** np.arange(1, degree + 1)
    Z = g.scaler.transform(P)
    worst = max(kkt_violation(Z, y, g.weights[i, j], lam * mix, lam * (1 - mix))
                for i, mix in enumerate(g.mixes) for j, lam in enumerate(g.lambdas))
    assert worst < 1e-7 and np.all(np.isfinite(g.val_mse))
    ui = RegularizationExplorer(None, None, None, None, grid=g, lam=1e-16, mix=1.0)
    assert "far above" in ui.frame.status or "Overfitting" in ui.frame.status


def test_degree_and_grid_size_are_bounded():
    x, y = make_sine_regression(12, seed=0)
    with pytest.raises(ValueError, match="degree"):
        fit_grid(x, y, x, y, degree=51)
    with pytest.raises(ValueError, match="lambdas"):
        fit_grid(x, y, x, y, degree=3, lambdas=np.geomspace(1e-3, 1, 300))


def test_a_singular_support_is_solved_by_least_norm_on_every_cpu():
    # What LAPACK does with an exactly singular matrix depends on the BLAS kernel (raise, or a
    # huge answer): the solver's fallback must give the least-norm solution either way.
    from course_lib.widgets.regularization import _solve
    np.testing.assert_allclose(_solve(np.ones((2, 2)), np.array([1.0, 1.0])), [0.5, 0.5], rtol=1e-12)
    np.testing.assert_allclose(_solve(np.diag([2.0, 4.0]), np.array([1.0, 1.0])), [0.5, 0.25], rtol=1e-15)


# ---- what mutation testing found unchecked (make mutation PATHS=course_lib/widgets/regularization.py) ----

import re  # noqa: E402

from course_lib.widgets.regularization import RegularizationGrid  # noqa: E402


@pytest.fixture(scope="module")
def small_grid():
    x, xv = np.linspace(0, 1, 8), np.linspace(0.05, 0.95, 6)
    return fit_grid(x, np.sin(6 * x), xv, np.sin(6 * xv), degree=3, lambdas=[1e-6, 1e-3, 1.0, 1e3],
                    mixes=[0.0, 0.5, 1.0])


def test_solver_limits_and_messages():
    assert ridge([[1e150], [-1e150]], [1.0, -1.0], 0.0)[0][0] == pytest.approx(1e-150)
    just = float(np.nextafter(1e150, np.inf))
    for X, y in [([[just], [0.0]], [0.0, 1.0]), ([[1.0], [0.0]], [0.0, -just])]:
        for solve in (lambda X, y: ridge(X, y, 0.1), lambda X, y: elastic_net(X, y, 0.1)):
            with pytest.raises(ValueError, match=r"^X and y must lie within ±1e150 \(their products must fit in float64\)$"):
                solve(X, y)
    with pytest.raises(ValueError, match=r"^X and y give weights beyond float64's range; standardize X and y$"):
        ridge([[1e-160], [-1e-160]], [1e150, -1e150], 0.0)
    with pytest.raises(ValueError, match=r"^l2 must"):
        ridge([[1.0], [-1.0]], [1.0, -1.0], -1.0)
    with pytest.raises(ValueError, match=r"^X must"):
        ridge([1.0, -1.0], [1.0, -1.0], 0.1)
    with pytest.raises(ValueError, match=r"^y must"):
        elastic_net([[1.0], [-1.0]], [[1.0, -1.0]], 0.1)
    # a huge l2 (above 1e4 x trace(G)) is solved from the normal equations: w = c / (h + l2), exactly
    w, b = ridge([[1.0], [-1.0]], [1.0, -1.0], 1e8)
    assert w[0] == pytest.approx(1.0 / (1.0 + 1e8), rel=1e-12) and b == 0.0


def test_grid_record_checks(small_grid):
    g = small_grid
    base = dict(lambdas=g.lambdas, mixes=g.mixes, weights=g.weights, biases=g.biases, train_mse=g.train_mse,
                val_mse=g.val_mse, scaler=g.scaler, data=g.data)
    r = RegularizationGrid(**{**base, "lambdas": g.lambdas.tolist(), "data": tuple(v.tolist() for v in g.data)})
    assert isinstance(r.lambdas, np.ndarray) and all(isinstance(v, np.ndarray) for v in r.data)
    assert isinstance(RegularizationGrid(**{**base, "mixes": g.mixes.tolist()}).mixes, np.ndarray)
    for change, text, kind in [
            ({"weights": g.weights[:, :2]}, r"^weights must start with shape \(3, 4\) \(mixes, lambdas\), got \(3, 2, 3\)$",
             ValueError),
            ({"biases": g.biases[:2]}, r"^biases must start with shape \(3, 4\)", ValueError),
            ({"train_mse": g.train_mse.T}, r"^train_mse must start with shape", ValueError),
            ({"val_mse": g.val_mse[:, :1]}, r"^val_mse must start with shape", ValueError),
            ({"weights": g.weights[..., 0]}, r"^weights must", ValueError),
            ({"lambdas": [[1.0]]}, r"^lambdas must", ValueError), ({"mixes": "a"}, r"^mixes must", ValueError),
            ({"mixes": [g.mixes]}, r"^mixes must have 1 dimension", ValueError),
            ({"scaler": None}, r"^scaler must be a Standardizer of as many powers of x as weights has columns \(3\)$",
             TypeError),
            ({"weights": g.weights[..., :2]}, r"^scaler must be a Standardizer", TypeError),
            ({"data": list(g.data)}, r"^data must be the tuple \(x_train, y_train, x_val, y_val\)$", TypeError),
            ({"data": g.data[:3]}, r"^data must be the tuple", TypeError),
            ({"data": (g.data[0][:, None], *g.data[1:])}, r"^data's x_train must", ValueError),
            ({"data": (*g.data[:3], g.data[3][:, None])}, r"^data's y_val must", ValueError)]:
        with pytest.raises(kind, match=text):
            RegularizationGrid(**{**base, **change})


def test_predict_limits(small_grid):
    g = small_grid
    x = np.linspace(0, 1, 5)
    Z = g.scaler.transform(x[:, None] ** np.arange(1, 4))
    np.testing.assert_allclose(g.predict(x, 2, 3), Z @ g.weights[2, 3] + g.biases[2, 3], rtol=1e-12)
    assert g.predict(np.zeros(100_000), 0, 0).shape == (100_000,)
    for args, text in [((x, -1, 0), r"^i must be an integer >= 0 and <= 2"), ((x, 3, 0), r"^i must"),
                       ((x, 0, 4), r"^j must be an integer >= 0 and <= 3"), ((x, 0, -1), r"^j must"),
                       ((np.zeros(100_001), 0, 0), r"^x must have at most 100000 points, got 100001$"),
                       (([1e60], 0, 0), r"^x must keep x\*\*3 within ±1e150, got values up to 1e\+60$"),
                       (([1e120], 0, 0), r"^x must keep x\*\*3 within ±1e150"), (([[0.5]], 0, 0), r"^x must")]:
        with pytest.raises(ValueError, match=text):
            g.predict(*args)
    assert np.isfinite(g.predict([9e49], 0, 0)).all()       # (9e49)^3 = 7.3e149: inside the edge


def test_fit_grid_limits_defaults_and_messages():
    x = np.linspace(0, 1, 6)
    g = fit_grid(x, x, x, x, lambdas=[1e-3, 1e-6], mixes=[0.0])
    assert g.weights.shape == (1, 2, 9) and g.lambdas.tolist() == [1e-6, 1e-3]   # degree 9; lambdas sorted
    assert fit_grid(x, x, x, x, degree=1, lambdas=[1e100], mixes=[1.0]).weights.shape == (1, 1, 1)
    assert fit_grid(x, 1e100 * x, x, x, degree=1, lambdas=[1.0], mixes=[0.0]).weights.shape == (1, 1, 1)
    just = float(np.nextafter(1e100, np.inf))
    for kwargs, text in [({"y_train": just * x}, r"^y_train must lie within ±1e100 \(its squared errors must fit in "
                                                 r"float64\)$"),
                         ({"y_val": -just * x}, r"^y_val must lie within ±1e100"),
                         ({"lambdas": [1.0, just]}, r"^lambdas must be in \(0, 1e100\], got values from 1.0 to "),
                         ({"lambdas": [-1.0, 1.0]}, r"^lambdas must be in \(0, 1e100\], got values from -1.0 to 1.0$"),
                         ({"mixes": [-0.1, 0.5]}, re.escape("mixes must be in [0, 1], got [-0.1, 0.5]")),
                         ({"lambdas": np.geomspace(1e-3, 1, 41), "mixes": np.linspace(0, 1, 61)},
                          r"^lambdas and mixes must make at most 2500 grid points, got 41 x 61$"),
                         ({"degree": 51}, r"^degree must be an integer >= 1 and <= 50"),
                         ({"x_train": x[:, None]}, r"^x_train must"), ({"y_train": x[:, None]}, r"^y_train must"),
                         ({"x_val": x[:, None]}, r"^x_val must"), ({"y_val": x[:, None]}, r"^y_val must"),
                         ({"y_val": x[:3]}, "x_val"), ({"y_train": x[:3]}, "x_train"),
                         ({"x_val": x * 1e60}, r"^x_val must keep x\*\*9 within ±1e150"),
                         ({"lambdas": [[1.0, 2.0]]}, r"^lambdas must have 1 dimension"),
                         ({"mixes": [[0.0, 1.0]]}, r"^mixes must have 1 dimension")]:
        args = {"x_train": x, "y_train": x, "x_val": x, "y_val": x, "degree": 9, "lambdas": [1.0], "mixes": [0.0],
                **kwargs}
        with pytest.raises(ValueError, match=text):
            fit_grid(args.pop("x_train"), args.pop("y_train"), args.pop("x_val"), args.pop("y_val"), **args)


def test_frame_sentences_and_the_ten_percent_rule(small_grid):
    g = small_grid
    with pytest.raises(TypeError, match=r"^grid must be a RegularizationGrid \(from fit_grid\), got str$"):
        regularization_frame("g", 1.0, 0.0)
    for lam, mix, text in [(0.0, 0.0, r"^lam must"), (1.0, -0.1, r"^mix must"), (1.0, 1.1, r"^mix must")]:
        with pytest.raises(ValueError, match=text):
            regularization_frame(g, lam, mix)
    with pytest.raises(ValueError, match=r"^x_plot: x must keep x\*\*3 within ±1e150"):
        regularization_frame(g, 1.0, 0.0, x_plot=[1e60])
    f = regularization_frame(g, 1.0, 0.0)                     # default x_plot: 200 points on [0, 1]
    np.testing.assert_allclose(f.curve, g.predict(np.linspace(0, 1, 200), 0, 2), rtol=1e-12)
    best = int(np.argmin(g.val_mse[0]))
    for j, lam in enumerate(g.lambdas):
        f = regularization_frame(g, float(lam), 0.0)
        tr, va = g.train_mse[0, j], g.val_mse[0, j]
        assert f.status.startswith(f"λ = {lam:.1e}, 0% L1: 0 of 3 weights exactly 0; train MSE {tr:.3f}, "
                                   f"validation MSE {va:.3f}. ")
        assert f.ok is bool(va <= 1.1 * g.val_mse[0, best]) and f.best_lam == g.lambdas[best]
        if f.ok:
            assert f.status.endswith(f"Near the best validation error for this mix (λ = {g.lambdas[best]:.1e}).")
        elif j < best:
            assert f.status.endswith(f"Overfitting: validation error is {va / tr:.0f}× the training error; raise λ.")
        else:
            assert f.status.endswith("Underfitting: both errors rise with λ; lower it.")
    f = regularization_frame(g, 1e3, 1.0)
    assert f.status.endswith(" 3 of 3 weights exactly 0; " + f.status.split("; ", 1)[1].split(". ")[0] +
                             ". Every weight is 0: the model predicts the training mean (underfitting).")
    assert f.n_zero == 3 and f.ok is False and f.mix == 1.0 and f.lam == 1e3


def test_overfitting_far_above_and_the_boundary_of_near_the_best():
    # a hand-made grid: training MSE ~0 makes the ratio meaningless ("far above"); validation MSE
    # exactly 1.1 x the best counts as near the best
    x = np.linspace(0, 1, 5)
    g = fit_grid(x, x, x, x, degree=1, lambdas=[1e-3, 1e-2, 1e-1], mixes=[0.0])
    from course_lib.data import Standardizer
    scaler = Standardizer.fit(x[:, None])
    w, b = np.zeros((1, 3, 1)), np.zeros((1, 3))
    grid = RegularizationGrid(g.lambdas, g.mixes, w + 1.0, b, np.array([[1e-9, 0.5, 1.0]]),
                              np.array([[1.1, 1.0, 2.0]]), scaler, g.data)
    f = regularization_frame(grid, 1e-3, 0.0)
    assert f.ok is True and f.status.endswith("Near the best validation error for this mix (λ = 1.0e-02).")
    grid = RegularizationGrid(g.lambdas, g.mixes, w + 1.0, b, np.array([[1e-9, 0.5, 1.0]]),
                              np.array([[1.2, 1.0, 2.0]]), scaler, g.data)
    f = regularization_frame(grid, 1e-3, 0.0)
    assert f.ok is False and f.status.endswith("Overfitting: validation error is far above the training error; raise λ.")
    grid = RegularizationGrid(g.lambdas, g.mixes, w + 1.0, b, np.array([[2.4e-6, 0.5, 1.0]]),
                              np.array([[1.2, 1.0, 2.0]]), scaler, g.data)   # 1.2 / 2.4e-6: a ratio, not "far above"
    assert "validation error is 500000× the training" in regularization_frame(grid, 1e-3, 0.0).status
    grid = RegularizationGrid(g.lambdas, g.mixes, w + 1.0, b, np.array([[1.2e-6, 0.5, 1.0]]),
                              np.array([[1.2, 1.0, 2.0]]), scaler, g.data)   # exactly 1e6 x: "far above"
    assert "validation error is far above the training" in regularization_frame(grid, 1e-3, 0.0).status


def test_explorer_controls_figure_and_show(small_grid, monkeypatch):
    import course_lib.widgets._live as live

    g = small_grid
    x, y, xv, yv = g.data
    with pytest.raises(TypeError, match=r"^grid must be a RegularizationGrid \(from fit_grid\), got dict$"):
        RegularizationExplorer(None, None, None, None, grid={})
    with pytest.raises(ValueError, match=r"^grid was fitted on other data than x_train, y_train, x_val, y_val "
                                         r"\(pass the same arrays, or None\)$"):
        RegularizationExplorer(x, y, xv, yv + 1, grid=g)
    for kwargs, text in [({"lam": 0.99e-6}, r"^lam must"), ({"lam": 1.01e3}, r"^lam must"), ({"mix": 1.01}, r"^mix must"),
                         ({"mix": -0.01}, r"^mix must")]:
        with pytest.raises(ValueError, match=text):
            RegularizationExplorer(x, y, xv, yv, grid=g, **kwargs)
    with pytest.raises(TypeError, match=r"^truth must return numbers for an array of x \(boom\)$"):
        RegularizationExplorer(x, y, xv, yv, grid=g, lam=1.0, truth=lambda t: (_ for _ in ()).throw(ValueError("boom")))
    with pytest.raises(ValueError, match=r"^truth must return one finite value per point of x$"):
        RegularizationExplorer(x, y, xv, yv, grid=g, lam=1.0, truth=lambda t: t[:3])
    ui = RegularizationExplorer(x, y, xv, yv, grid=g, lam=1e3, mix=1.0, truth=lambda t: np.sin(6 * t))
    lam, mix = ui.controls["lam"], ui.controls["mix"]
    assert (lam.min, lam.max, lam.step, lam.base, lam.readout_format, lam.description) == (-6, 3, 3.0, 10, ".1e", "λ")
    assert (mix.min, mix.max, mix.step, mix.readout_format, mix.description, mix.value) == (0.0, 1.0, 0.1, ".0%",
                                                                                           "L1 share", 1.0)
    np.testing.assert_allclose(ui.x_plot, np.linspace(0, 1, 200))
    ax_fit, ax_w, ax_loss = ui.live.fig.axes
    assert [t.get_text() for t in ax_fit.get_legend().get_texts()] == ["validation", "training", "truth", "fit"]
    np.testing.assert_allclose(ax_fit.lines[2].get_ydata(), np.sin(6 * ui.x_plot))
    lo, hi = min(y.min(), yv.min()), max(y.max(), yv.max())
    assert ax_fit.get_ylim() == pytest.approx((lo - 0.5 * (hi - lo), hi + 0.5 * (hi - lo)))
    assert (ax_fit.get_xlabel(), ax_fit.get_ylabel(), ax_fit.get_title()) == ("x", "y", "degree-3 polynomial fit")
    top = 2 * float(np.abs(g.weights).max()) + 1
    assert ax_w.get_yscale() == "symlog" and ax_w.get_ylim() == pytest.approx((-top, top))
    assert [t.get_text() for t in ax_w.get_xticklabels()] == ["$x^{1}$", "$x^{2}$", "$x^{3}$"]
    assert list(ax_w.get_xticks()) == [1, 2, 3] and ax_w.get_title() == "weights (× = exactly 0)"
    assert ax_w.get_ylabel() == "weight (symlog)"
    assert list(ax_w.get_yticks()) == [0.0] + [v for e in range(0, 12, 2) for v in (10.0**e, -10.0**e) if 10.0**e < top]
    both = np.concatenate([g.train_mse.ravel(), g.val_mse.ravel()])
    floor = max(both.min(), both.max() * 1e-12)
    assert ax_loss.get_xscale() == ax_loss.get_yscale() == "log" and ax_loss.get_xlim() == pytest.approx((1e-6, 1e3))
    assert ax_loss.get_ylim() == pytest.approx((floor / 1.5, both.max() * 8))
    assert (ax_loss.get_xlabel(), ax_loss.get_ylabel(), ax_loss.get_title()) == (
        "λ (log scale)", "MSE (log scale)", "error against λ (this mix)")
    assert [t.get_text() for t in ax_loss.get_legend().get_texts()] == ["training MSE", "validation MSE"]
    # lasso at lambda 1000: every weight 0, three crosses, bars flat; the marker and dots at 1000
    assert list(ui.zeros.get_xdata()) == [1, 2, 3] and [b.get_height() for b in ui.bars] == [0.0, 0.0, 0.0]
    assert list(ui.marker.get_xdata()) == [1e3, 1e3] and list(ui.dots.get_xdata()) == [1e3, 1e3]
    np.testing.assert_allclose(ui.dots.get_ydata(), np.maximum([g.train_mse[2, 3], g.val_mse[2, 3]], floor))
    np.testing.assert_allclose(ui.val_line.get_ydata(), np.maximum(g.val_mse[2], floor))
    np.testing.assert_allclose(ui.train_line.get_ydata(), np.maximum(g.train_mse[2], floor))
    np.testing.assert_allclose(ui.curve.get_ydata(), g.predict(ui.x_plot, 2, 3))
    shown = []
    monkeypatch.setattr(live, "display", lambda obj, **kw: shown.append(obj))
    ui.show()
    box, image = shown
    assert list(box.children[0].children) == [lam, mix] and box.children[1] is ui.status and image.data == ui.live.png


def test_explorer_fits_its_own_grid_from_the_data():
    x, xv = np.linspace(0, 1, 8), np.linspace(0.05, 0.95, 6)
    y, yv = np.sin(6 * x), np.sin(6 * xv)
    ui = RegularizationExplorer(x, y, xv, yv, degree=2)      # no grid given: the default grid on this data
    assert ui.grid.weights.shape == (11, 69, 2) and all(np.array_equal(a, b) for a, b in zip(ui.grid.data, (x, y, xv, yv)))
