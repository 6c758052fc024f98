"""Tests of course_lib.regularization (and its twin, course_lib.tf_twins.regularization).

Expected values come from the formulas (worked by hand in comments), from central finite
differences, from ridge regression's closed form, or from Keras's own regularizers.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from course_lib.regularization import L1, L1L2, L2, ProximalL1, soft_threshold

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
weights = arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 4)), elements=finite)
factors = st.floats(0.0, 10.0, allow_nan=False)


# ---------------------------------------------------------------- known values
W = np.array([[1.0, -2.0], [0.0, 3.0]])


def test_penalties_known_values():
    # sum|w| = 1 + 2 + 0 + 3 = 6 ; sum w^2 = 1 + 4 + 0 + 9 = 14
    assert L1(0.5).penalty(W) == 3.0
    assert L2(0.25).penalty(W) == 3.5
    assert L1L2(l1=0.5, l2=0.25).penalty(W) == 6.5
    assert ProximalL1(0.5).penalty(W) == 3.0


def test_gradients_known_values():
    assert np.array_equal(L1(0.5).gradient(W), [[0.5, -0.5], [0.0, 0.5]])  # 0 at w = 0
    assert np.array_equal(L2(0.25).gradient(W), [[0.5, -1.0], [0.0, 1.5]])  # 2 * l2 * w
    assert np.array_equal(L1L2(l1=0.5, l2=0.25).gradient(W), [[1.0, -1.5], [0.0, 2.0]])
    assert np.array_equal(ProximalL1(0.5).gradient(W), np.zeros((2, 2)))


def test_keras_defaults():
    assert (L1().l1, L2().l2, L1L2().l1, L1L2().l2, ProximalL1().l1) == (0.01, 0.01, 0.0, 0.0, 0.01)


def test_keras_l2_is_textbook_with_lambda_twice_l2():
    # textbook: lambda/2 ||w||^2, gradient lambda w; Keras: l2 ||w||^2 -> lambda = 2 l2
    lam = 0.3
    assert L2(lam / 2).penalty(W) == pytest.approx(lam / 2 * np.sum(W**2), rel=1e-15)
    assert np.allclose(L2(lam / 2).gradient(W), lam * W, rtol=1e-15, atol=0)


@pytest.mark.parametrize("reg", [L1(0.7), L2(0.7), L1L2(l1=0.3, l2=0.9)])
def test_gradient_matches_central_differences(reg):
    # away from 0 every penalty is smooth; central differences are O(h^2) accurate, tol 1e-6
    rng = np.random.default_rng(0)
    w = rng.uniform(0.5, 2.0, (3, 2)) * rng.choice([-1.0, 1.0], (3, 2))
    h = 1e-6
    numeric = np.zeros_like(w)
    for i in np.ndindex(w.shape):
        e = np.zeros_like(w)
        e[i] = h
        numeric[i] = (reg.penalty(w + e) - reg.penalty(w - e)) / (2 * h)
    assert np.allclose(reg.gradient(w), numeric, rtol=1e-6, atol=1e-6)


def test_soft_threshold_known_values():
    # |w| <= t -> 0 ; otherwise shrink towards 0 by t
    out = soft_threshold([1.5, -1.5, 0.5, -0.5, 1.0, 0.0], 1.0)
    assert np.array_equal(out, [0.5, -0.5, 0.0, 0.0, 0.0, 0.0])
    assert np.array_equal(ProximalL1(2.0).prox([1.5, -0.2], learning_rate=0.5), [0.5, 0.0])


def test_inputs_are_not_mutated():
    w = W.copy()
    for reg in (L1(1.0), L2(1.0), L1L2(1.0, 1.0), ProximalL1(1.0)):
        reg.penalty(w), reg.gradient(w)
    ProximalL1(1.0).prox(w, 0.5)
    assert np.array_equal(w, W)


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("make, name", [
    (lambda: L1(-0.1), "l1"), (lambda: L2(-1e-9), "l2"), (lambda: L1L2(l1=-1.0), "l1"),
    (lambda: L1L2(l2=-1.0), "l2"), (lambda: ProximalL1(-0.5), "l1"),
    (lambda: L2(float("nan")), "l2"), (lambda: L1(float("inf")), "l1"), (lambda: L2("0.1"), "l2"),
])
def test_bad_factors_raise(make, name):
    with pytest.raises(ValueError, match=rf"^{name} must be a finite number >= 0"):
        make()


def test_bad_weights_and_thresholds_raise():
    with pytest.raises(ValueError, match="^w must not be empty"):
        L2(0.1).penalty(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="^w must not be empty"):
        L1(0.1).gradient([])
    with pytest.raises(ValueError, match="^threshold must be a finite number >= 0"):
        soft_threshold([1.0], -0.1)
    with pytest.raises(ValueError, match="^learning_rate must be a finite number >= 0"):
        ProximalL1(0.1).prox([1.0], learning_rate=-1.0)


@pytest.mark.parametrize("call", [
    lambda: L2(0.1).penalty([np.nan, 1.0]), lambda: L1(0.1).penalty([np.inf]),
    lambda: L2(0.1).gradient([np.inf]), lambda: L1L2(0.1, 0.1).gradient([np.inf]),
    lambda: L1(0.1).gradient([np.nan]), lambda: soft_threshold([np.inf], 0.1),
    lambda: ProximalL1(0.1).prox([np.nan], 0.1), lambda: ProximalL1(0.1).penalty([-np.inf]),
])
def test_non_finite_weights_are_refused_where_the_result_would_be_nan_or_inf(call):
    with pytest.raises(ValueError, match="^w must"):
        call()


@pytest.mark.parametrize("call", [lambda: L2().penalty(None), lambda: L1().gradient([None, 1.0]),
                                  lambda: soft_threshold(None, 0.1), lambda: L1L2(0.1).penalty("1.5"),
                                  lambda: ProximalL1().prox(None, 0.1), lambda: L2().gradient([1 + 1j]),
                                  lambda: L1().penalty(np.array([True, False]))])
def test_none_strings_complex_and_booleans_are_refused_not_nan(call):
    with pytest.raises((ValueError, TypeError), match="^w must"):
        call()


def test_zero_factor_skips_its_term_as_keras_does():
    # Keras's L1L2 adds a term only `if self.l1` / `if self.l2`: 0 * inf and 0 * (1e160)**2
    # (an overflow) never happen. Expected values by hand.
    assert L1L2(l1=0.25, l2=0).penalty([1e160, -2]) == 0.25 * (1e160 + 2)     # 2.5e159
    assert L1L2(l1=0, l2=0.25).penalty([1e100, -2]) == 0.25 * (1e200 + 4)
    np.testing.assert_array_equal(L1L2(0.25, 0).gradient([np.inf, 1]), [0.25, 0.25])
    np.testing.assert_array_equal(L1L2(0.25, 0).gradient([-np.inf, 0.0]), [-0.25, 0.0])
    np.testing.assert_array_equal(L1L2(0, 0.5).gradient([1e300, -2]), [1e300, -2.0])
    # a factor of 0 is no penalty at all, whatever the weights (Keras's L1(0)/L2(0) give nan on inf)
    for reg in (L1(0.0), L2(0.0), L1L2(0.0, 0.0), ProximalL1(0.0)):
        assert reg.penalty([np.inf, -np.inf, 1e308]) == 0.0
        np.testing.assert_array_equal(reg.gradient([np.inf, 1e308]), [0.0, 0.0])
    np.testing.assert_array_equal(ProximalL1(0.0).prox([1e308, -3.0], 1e308), [1e308, -3.0])
    np.testing.assert_array_equal(L1(0.5).gradient([np.inf, -np.inf]), [0.5, -0.5])  # sign(±inf)


def test_huge_weights_exact_where_representable_refused_where_not():
    # the plain sum of squares overflows at |w| ~ 1.3e154; the penalty itself only above 1.8e308
    assert L2(0.01).penalty([1e155]) == pytest.approx(1e308, rel=1e-15)          # 0.01 * 1e310
    assert L2(0.0625).penalty([3e154, 4e154]) == pytest.approx(1.5625e308, rel=1e-15)  # /16 of 25e308
    assert L1(0.5).penalty([1e308, 1e308, 1e308]) == pytest.approx(1.5e308, rel=1e-15)
    # 0.5 * 2e308 is representable, but 1e-10 * 2e616 = 2e606 is not
    with pytest.raises(ValueError, match="exceeds float64's range.*l2=1e-10"):
        L1L2(0.5, 1e-10).penalty([1e308, 1e308])
    with pytest.raises(ValueError, match="^the penalty l2 \\* sum\\(w\\*\\*2\\) exceeds float64's range"):
        L2(0.25).penalty([1e160])                              # 2.5e319 > 1.8e308
    with pytest.raises(ValueError, match="^the penalty l1 \\* sum\\(|w|\\) exceeds"):
        L1(2.0).penalty([1e308])
    with pytest.raises(ValueError, match="^the gradient 2 \\* l2 \\* w exceeds"):
        L2(1.0).gradient([1e308])
    np.testing.assert_array_equal(L2(0.25).gradient([1e308]), [0.5e308])
    # subnormal weights: l * 5e-324 rounds to 0 or to the smallest subnormal, as in Keras
    assert L1(0.5).penalty([5e-324]) == 0.0 and L1(1.0).penalty([5e-324]) == 5e-324
    assert L2(1.0).penalty([5e-324]) == 0.0
    np.testing.assert_array_equal(L2(0.5).gradient([5e-324]), [5e-324])
    # TensorFlow flushes subnormals to 0 before abs: its L1 subgradient there is 0, and so is ours
    np.testing.assert_array_equal(L1(0.5).gradient([5e-324, -1e-310, 2.3e-308, -2.3e-308]),
                                  [0.0, 0.0, 0.5, -0.5])


def test_zero_d_and_one_element_weights():
    assert L2(0.5).penalty(np.array(3.0)) == 4.5 and L1(0.5).penalty(np.array(-3.0)) == 1.5
    assert L2(0.5).gradient(np.array(3.0)).shape == () and L2(0.5).gradient(np.array(3.0)) == 3.0
    assert L1L2(1.0, 1.0).gradient(np.array([-2.0])).tolist() == [-5.0]   # -1 + 2 * (-2)
    assert soft_threshold(np.array(0.5), 0.2).shape == () and float(soft_threshold(np.array(0.5), 0.2)) == 0.3


def test_fit_still_reports_divergence_as_training_diverged_with_a_regularizer():
    # the loop checks its loss and gradient before any penalty could meet a non-finite weight
    from course_lib.models import LinearRegression
    from course_lib.optim import GradientDescent
    from course_lib.training import TrainingDiverged, fit

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 2)), rng.normal(size=20)
    for reg in (L2(0.01), L1(0.01), L1L2(0.01, 0.01), ProximalL1(0.01)):
        with pytest.raises(TrainingDiverged):
            fit(LinearRegression(2), X, y, batch_size=20, epochs=2000, optimizer=GradientDescent(),
                learning_rate=10.0, regularizer=reg, rng=np.random.default_rng(1))


# ---------------------------------------------------------------- properties
# Subnormal weights are left out: l1 * 5e-324 underflows to 0 in float64, a limit of the
# arithmetic, not of the penalty. Every normal weight (|w| >= 2.2e-308) gives a non-zero product.
normal_weights = arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 4)),
                        elements=st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False,
                                           allow_subnormal=False))


@given(w=normal_weights, l1=st.floats(1e-3, 10.0))
def test_l1_penalty_nonnegative_and_zero_only_at_zero(w, l1):
    value = L1(l1).penalty(w)
    assert value >= 0.0
    assert (value == 0.0) == (not np.any(w))


@given(w=weights, l1=factors, l2=factors)
def test_l1l2_is_the_sum_of_l1_and_l2(w, l1, l2):
    both = L1L2(l1=l1, l2=l2)
    assert both.penalty(w) == pytest.approx(L1(l1).penalty(w) + L2(l2).penalty(w), rel=1e-12, abs=1e-300)
    assert np.allclose(both.gradient(w), L1(l1).gradient(w) + L2(l2).gradient(w), rtol=1e-12, atol=0)


@given(w=weights, t=st.floats(0.0, 100.0))
def test_soft_threshold_is_the_prox_of_the_l1_norm(w, t):
    v = soft_threshold(w, t)
    assert np.all(np.abs(v) <= np.abs(w))
    assert np.all((v == 0) == (np.abs(w) <= t))
    assert np.all(np.sign(v[v != 0]) == np.sign(w[v != 0]))
    # v minimises 1/2 (v - w)^2 + t |v| elementwise: no nearby point does better
    objective = lambda u: 0.5 * (u - w) ** 2 + t * np.abs(u)  # noqa: E731
    for step in (1e-3, -1e-3, 0.5, -0.5):
        assert np.all(objective(v) <= objective(v + step) + 1e-9 * (1 + np.abs(w)) ** 2)


def _ridge(X, y, l2):
    # minimiser of mean((Xw - y)^2) + l2 ||w||^2  (Keras convention):  (X^T X + n l2 I) w = X^T y
    n, d = X.shape
    return np.linalg.solve(X.T @ X + n * l2 * np.eye(d), X.T @ y)


@settings(max_examples=50)
@given(seed=st.integers(0, 2**32 - 1), l2s=st.lists(st.floats(0.0, 100.0), min_size=2, max_size=6))
def test_raising_l2_never_increases_the_ridge_weight_norm(seed, l2s):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(20, 4)), rng.normal(size=20)
    norms = [np.linalg.norm(_ridge(X, y, l2)) for l2 in sorted(l2s)]
    assert all(b <= a * (1 + 1e-9) for a, b in zip(norms, norms[1:]))


def test_closed_form_ridge_is_stationary_for_our_l2_gradient():
    # checks the convention end to end: data gradient + L2.gradient vanishes at the closed form
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(30, 3)), rng.normal(size=30)
    for l2 in (0.01, 0.3, 5.0):
        w = _ridge(X, y, l2)
        grad = 2 / len(y) * X.T @ (X @ w - y) + L2(l2).gradient(w)
        assert np.allclose(grad, 0.0, atol=1e-12)


def _lasso_ista(X, y, l1, steps=3000):
    # proximal gradient on mean((Xw - y)^2) + l1 ||w||_1, step 1/L
    lr = 1.0 / (2 / len(y) * np.linalg.eigvalsh(X.T @ X)[-1])
    w, prox = np.zeros(X.shape[1]), ProximalL1(l1)
    for _ in range(steps):
        w = prox.prox(w - lr * 2 / len(y) * X.T @ (X @ w - y), learning_rate=lr)
    return w


def test_raising_l1_never_increases_the_lasso_weight_norm():
    # the lasso solution's L1 norm is non-increasing in lambda (a convex problem); ISTA with
    # our prox converges here to ~1e-12, so allow 1e-9 of slack
    rng = np.random.default_rng(2)
    X = rng.normal(size=(40, 5))
    y = X @ np.array([2.0, -1.0, 0.5, 0.0, 0.0]) + 0.1 * rng.normal(size=40)
    norms = [np.abs(_lasso_ista(X, y, l1)).sum() for l1 in (0.0, 0.01, 0.1, 0.5, 1.0, 2.0, 5.0)]
    assert all(b <= a + 1e-9 for a, b in zip(norms, norms[1:]))
    assert norms[-1] == 0.0  # l1 above max|2 X^T y / n| zeroes every weight exactly


def test_subgradient_l1_leaves_tiny_nonzeros_where_proximal_l1_gives_exact_zeros():
    # two irrelevant features (true weight 0); same data, step size and l1 for both methods
    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 4))
    y = X @ np.array([1.5, -2.0, 0.0, 0.0]) + 0.05 * rng.normal(size=200)
    lr, l1 = 0.05, 0.1
    data_grad = lambda w: 2 / len(y) * X.T @ (X @ w - y)  # noqa: E731
    w_sub, w_prox = np.full(4, 0.3), np.full(4, 0.3)
    for _ in range(2000):
        w_sub = w_sub - lr * (data_grad(w_sub) + L1(l1).gradient(w_sub))
        w_prox = ProximalL1(l1).prox(w_prox - lr * data_grad(w_prox), learning_rate=lr)
    assert np.all(w_prox[2:] == 0.0)                       # exact zeros
    assert np.all(w_sub[2:] != 0.0)                        # never exactly zero ...
    assert np.all(np.abs(w_sub[2:]) < 2 * lr * l1)         # ... but jittering within a step of 0
    assert np.allclose(w_sub[:2], w_prox[:2], atol=2 * lr * l1)  # same relevant weights


# ---------------------------------------------------------------- Keras twin
@pytest.mark.tf
def test_penalty_and_gradient_agree_with_keras_on_random_weights():
    # float64 weights with exact zeros; factors rounded to float32 because keras L1 stores l1
    # as a float32 tensor. Penalty: rtol 1e-12 (summation order); gradient: rtol 1e-12, and
    # exactly 0 where w = 0 (TensorFlow's gradient of abs at 0).
    from course_lib.tf_twins.regularization import penalty_and_gradient, to_keras

    rng = np.random.default_rng(4)
    for _ in range(20):
        w = rng.normal(0, 3, rng.integers(1, 6, size=2))
        w[rng.random(w.shape) < 0.2] = 0.0
        l1, l2 = (float(np.float32(x)) for x in rng.uniform(0, 2, 2))
        for reg in (L1(l1), L2(l2), L1L2(l1=l1, l2=l2)):
            value, grad = penalty_and_gradient(to_keras(reg), w)
            assert value == pytest.approx(reg.penalty(w), rel=1e-12, abs=1e-300)
            assert np.allclose(reg.gradient(w), grad, rtol=1e-12, atol=0)
            assert np.all(grad[w == 0] == 0)


@pytest.mark.tf
def test_float32_weights_agree_with_keras():
    # Keras computes in the weights' dtype: float32 here, so rtol 1e-5
    from course_lib.tf_twins.regularization import penalty_and_gradient, to_keras

    w = np.random.default_rng(5).normal(size=(8, 3)).astype(np.float32)
    for reg in (L1(0.1), L2(0.1), L1L2(l1=0.05, l2=0.2)):
        value, grad = penalty_and_gradient(to_keras(reg), w)
        assert grad.dtype == np.float32
        assert value == pytest.approx(reg.penalty(w.astype(np.float64)), rel=1e-5)
        assert np.allclose(grad, reg.gradient(w.astype(np.float64)), rtol=1e-5, atol=1e-7)


@pytest.mark.tf
def test_tf_soft_threshold_matches_numpy_and_proximal_has_no_keras_twin():
    from course_lib.tf_twins.regularization import soft_threshold as tf_soft_threshold
    from course_lib.tf_twins.regularization import to_keras

    w = np.random.default_rng(6).normal(size=(5, 4))
    assert np.array_equal(tf_soft_threshold(w, 0.7).numpy(), soft_threshold(w, 0.7))  # exact
    with pytest.raises(ValueError, match="ProximalL1 has no Keras counterpart"):
        to_keras(ProximalL1(0.1))
    with pytest.raises(ValueError, match="^regularizer must be"):
        to_keras("l2")


# ---------------------------------------------------------------- in course_lib.training.fit
def _fit_linear(X, y, regularizer, epochs, learning_rate):
    from course_lib.models import LinearRegression
    from course_lib.optim import GradientDescent
    from course_lib.training import fit

    params = {"W": np.zeros((X.shape[1], 1)), "b": np.zeros(1)}
    return fit(LinearRegression(X.shape[1]), X, y, batch_size=len(y), epochs=epochs, optimizer=GradientDescent(),
               learning_rate=learning_rate, regularizer=regularizer, params=params, shuffle=False)


def test_fit_with_l2_reaches_ridge_with_an_unpenalized_bias_and_shrinks_with_l2():
    # closed form with the bias left out of the penalty: centre X and y, solve ridge, b = mean
    # residual. Full-batch GD: Hessian eigenvalues 0.37..7.5 (+20 for l2=10), so lr=0.065 is
    # stable and 1500 steps contract the error by (1 - 0.065 * 0.37)^1500 ~ 1e-16.
    rng = np.random.default_rng(7)
    X = rng.normal(size=(50, 3)) + 1.0        # off-centre, so a penalized bias would show
    y = X @ np.array([1.0, -2.0, 0.5]) + 3.0 + 0.3 * rng.normal(size=50)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    norms = []
    for l2 in (0.0, 0.01, 0.1, 1.0, 10.0):
        h = _fit_linear(X, y, L2(l2), epochs=1500, learning_rate=0.065)
        w = _ridge(Xc, yc, l2)
        assert np.allclose(h.params["W"][:, 0], w, rtol=0, atol=1e-9)
        assert h.params["b"][0] == pytest.approx(y.mean() - X.mean(axis=0) @ w, abs=1e-9)
        norms.append(np.linalg.norm(h.params["W"]))
    assert all(b <= a for a, b in zip(norms, norms[1:]))


def test_fit_subgradient_l1_leaves_tiny_nonzeros_where_proximal_l1_gives_exact_zeros():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 4))
    y = X @ np.array([1.5, -2.0, 0.0, 0.0]) + 0.05 * rng.normal(size=200)
    lr, l1 = 0.05, 0.1
    sub = _fit_linear(X, y, L1(l1), epochs=1000, learning_rate=lr).params["W"][:, 0]
    prox = _fit_linear(X, y, ProximalL1(l1), epochs=1000, learning_rate=lr).params["W"][:, 0]
    assert np.all(prox[2:] == 0.0) and np.all(prox[:2] != 0.0)
    assert np.all(sub[2:] != 0.0) and np.all(np.abs(sub[2:]) < 2 * lr * l1)


@pytest.mark.tf
@pytest.mark.parametrize("reg", [L1(0.25), L2(0.125), L1L2(l1=0.25, l2=0.5)])
def test_regularized_gradient_matches_a_keras_kernel_regularizer(reg):
    # the fit contract (kernel penalized, bias not) is Keras's kernel_regularizer: same loss and
    # gradients for Dense(3) + mse + model.losses, float64, rtol 1e-12
    import keras
    import tensorflow as tf

    from course_lib.models import LinearRegression
    from course_lib.tf_twins.regularization import to_keras

    rng = np.random.default_rng(9)
    X, y = rng.normal(size=(10, 3)), rng.normal(size=10)
    params = {"W": rng.normal(size=(3, 1)), "b": rng.normal(size=1)}
    params["W"][1, 0] = 0.0   # the subgradient at 0
    loss, grads = LinearRegression(3).loss_and_grad(params, X, y)
    loss += reg.penalty(params["W"])
    grads["W"] = grads["W"] + reg.gradient(params["W"])
    dense = keras.layers.Dense(1, kernel_regularizer=to_keras(reg), dtype="float64")
    dense.build((None, 3))
    dense.set_weights([params["W"], params["b"]])
    with tf.GradientTape() as tape:
        k_loss = tf.reduce_mean(tf.square(dense(X)[:, 0] - y)) + tf.add_n(dense.losses)
    k_grads = tape.gradient(k_loss, [dense.kernel, dense.bias])
    assert float(k_loss) == pytest.approx(loss, rel=1e-12)
    assert np.allclose(k_grads[0].numpy(), grads["W"], rtol=1e-12, atol=1e-15)
    assert np.allclose(k_grads[1].numpy(), grads["b"], rtol=1e-12, atol=1e-15)


# ---------------------------------------------------------------- Keras twin at the edges
def _keras_value_and_grad(reg, w):
    """Keras's penalty and autodiff gradient, straight (no refusal of non-finite results)."""
    import tensorflow as tf

    from course_lib.tf_twins.regularization import to_keras
    variable = tf.Variable(np.asarray(w, dtype=np.float64))
    with tf.GradientTape() as tape:
        value = to_keras(reg)(variable)
    grad = tape.gradient(value, variable)
    return float(value), (np.zeros(np.shape(w)) if grad is None else grad.numpy())


EDGE_WEIGHTS = [np.array(3.0), np.array([-2.0]), np.array([1e160, -2.0]), np.array([1e150, -1e150]),
                np.array([5e-324, -1e-310, 0.0]), np.array([1e308, 1.0]), np.zeros((2, 2))]
# factors exact in float32, one of them 0 in each L1L2: Keras rounds factors through float32
EDGE_REGS = [L1(0.25), L2(0.25), L1L2(0.25, 0.0), L1L2(0.0, 0.25), L1L2(0.5, 0.125), L1(0.0), L2(0.0),
             L1L2(0.0, 0.0)]


@pytest.mark.tf
@pytest.mark.parametrize("reg", EDGE_REGS, ids=repr)
def test_agrees_with_keras_on_0d_huge_subnormal_and_zero_factor_inputs(reg):
    # Where Keras's penalty and gradient are finite we agree to rtol 1e-12 (TensorFlow's CPU
    # kernels flush subnormals to 0: atol 2.2e-308). Where Keras overflows (1e160**2) we are
    # exact or refuse with a clear error; nowhere do we return nan or inf.
    tiny = np.finfo(np.float64).tiny
    for w in EDGE_WEIGHTS:
        value, grad = _keras_value_and_grad(reg, w)
        try:
            ours = reg.penalty(w)
        except ValueError as exc:
            assert "exceeds float64's range" in str(exc) and not np.isfinite(value)
            continue
        if np.isfinite(value):
            assert ours == pytest.approx(value, rel=1e-12, abs=tiny), (reg, w)
        else:   # Keras overflowed in w**2 (1e160**2) where the penalty itself fits: ours is exact
            l1, l2 = getattr(reg, "l1", 0.0), getattr(reg, "l2", 0.0)
            # (a zero factor is no term at all: Keras's L2(0) gives 0 * inf = nan here)
            exact = ((l1 * math.fsum(np.abs(w).tolist()) if l1 else 0.0)
                     + (l2 * math.fsum((x * x for x in w.tolist())) if l2 else 0.0))
            assert ours == pytest.approx(exact, rel=1e-12), (reg, w)
        try:
            ours_grad = reg.gradient(w)
        except ValueError as exc:
            assert "exceeds float64's range" in str(exc) and not np.all(np.isfinite(grad))
            continue
        assert ours_grad.shape == np.shape(w)
        if np.all(np.isfinite(grad)):
            np.testing.assert_allclose(ours_grad, grad, rtol=1e-12, atol=tiny, err_msg=f"{reg} {w}")


@pytest.mark.tf
def test_infinite_weights_agree_with_keras_where_keras_is_finite():
    # the case: Keras's L1L2(0.25, 0) skips the zero L2 term, so its gradient at inf is
    # sign(inf) * 0.25 = 0.25. Penalties of inf weights are inf in Keras: refused here.
    w = np.array([np.inf, 1.0])
    for reg in (L1(0.25), L1L2(0.25, 0.0)):
        value, grad = _keras_value_and_grad(reg, w)
        np.testing.assert_array_equal(reg.gradient(w), grad)        # [0.25, 0.25] both
        np.testing.assert_array_equal(grad, [0.25, 0.25])
        assert value == np.inf
        with pytest.raises(ValueError, match="^w must contain only finite values"):
            reg.penalty(w)
    # Keras's L1(0) and L2(0) compute 0 * inf = nan; a zero factor here is no penalty at all
    assert np.isnan(_keras_value_and_grad(L2(0.0), w)[0]) and L2(0.0).penalty(w) == 0.0


@pytest.mark.tf
def test_keras_rounds_every_factor_through_float32():
    # the docstring of tf_twins.regularization: not only L1 - L2 and L1L2 too (ops.cast of a
    # Python float makes a float32 constant first). 0.7 is not exact in float32.
    w = np.array([1.0, -2.0])   # sum|w| = 3, sum w^2 = 5
    f32 = float(np.float32(0.7))
    assert f32 != 0.7
    assert _keras_value_and_grad(L1(0.7), w)[0] == 3 * f32
    assert _keras_value_and_grad(L2(0.7), w)[0] == 5 * f32
    assert _keras_value_and_grad(L1L2(0.7, 0.0), w)[0] == 3 * f32
    assert _keras_value_and_grad(L1L2(0.0, 0.7), w)[0] == 5 * f32
    assert L2(0.7).penalty(w) == 5 * 0.7   # the numpy twin keeps the exact factor


@pytest.mark.tf
def test_regularizer_defaults_are_keras_defaults():
    import inspect

    import keras
    for ours, theirs, names in [(L1, keras.regularizers.L1, ("l1",)), (L2, keras.regularizers.L2, ("l2",)),
                                (L1L2, keras.regularizers.L1L2, ("l1", "l2"))]:
        mine, keras_sig = inspect.signature(ours).parameters, inspect.signature(theirs).parameters
        for name in names:
            assert mine[name].default == keras_sig[name].default, (ours.__name__, name)


# ---------------------------------------------------------------- exact messages and boundaries
def test_messages_and_boundaries_exactly():
    tiny = np.finfo(np.float64).tiny            # the smallest normal number keeps its sign
    np.testing.assert_array_equal(L1(1.0).gradient([tiny, -tiny, np.nextafter(tiny, 0)]), [1.0, -1.0, 0.0])
    with pytest.raises(ValueError, match=r"^w must not contain nan; found 2 nan$"):
        L1(0.0).penalty([np.nan, np.nan, 1.0])             # nan is refused even with a zero factor
    with pytest.raises(ValueError, match=r"^w must contain only finite values here \(the result would be "
                                         r"infinite\); found 1 inf$"):
        L2(0.5).penalty([np.inf, 1.0])
    with pytest.raises(TypeError, match=r"^w must hold real numbers, got booleans: \[True\]$"):
        L2(0.5).gradient([True])
    with pytest.raises(ValueError, match=r"^the penalty l1 \* sum\(\|w\|\) exceeds float64's range \(~1\.8e308\) "
                                         r"for l1=4\.0 and w with \|w\| up to 1e\+308: w must be smaller$"):
        L1(4.0).penalty([1e308])
    with pytest.raises(ValueError, match=r"^the penalty l1 \* sum\(\|w\|\) \+ l2 \* sum\(w\*\*2\) exceeds "
                                         r"float64's range for l1=0\.5, l2=5e-309"):
        L1L2(0.5, 5e-309).penalty([1e308, 1e308])          # each term (1e308) fits, their sum does not
    with pytest.raises(ValueError, match=r"^the gradient 2 \* l2 \* w exceeds float64's range for l2=1\.0 "
                                         r"and \|w\| up to 1e\+308: w must be smaller$"):
        L1L2(0.0, 1.0).gradient([1e308, 1.0])
    # just below the limits: exact
    assert L1(1.0).penalty([1e308, 7e307]) == pytest.approx(1.7e308, rel=1e-15)
    np.testing.assert_array_equal(L2(0.5).gradient([1e308]), [1e308])
    assert ProximalL1(0.5).prox([3.0, -0.5], learning_rate=1.0).tolist() == [2.5, -0.0]
    with pytest.raises(ValueError, match="^learning_rate must be a finite number >= 0, got -1"):
        ProximalL1(0.5).prox([1.0], learning_rate=-1)


def test_factors_become_floats_and_no_numpy_warning_on_overflow():
    import warnings
    for reg, name in ((L1(1), "l1"), (L2(np.float32(0.5)), "l2"), (L1L2(1, np.int64(2)), "l1"),
                      (L1L2(1, np.int64(2)), "l2"), (ProximalL1(np.float64(0.25)), "l1")):
        assert type(getattr(reg, name)) is float
    with pytest.raises(ValueError, match="^w must contain only finite values"):
        L1L2(0.5, 0.0).penalty([np.inf])          # one factor 0 does not make inf acceptable
    with warnings.catch_warnings():
        warnings.simplefilter("error")             # overflow is handled (exact, or a clear error)
        assert L1(0.5).penalty([1e308, 1e308]) == pytest.approx(1e308, rel=1e-15)
        assert L2(1e-10).penalty([1e155]) == pytest.approx(1e300, rel=1e-15)
        with pytest.raises(ValueError, match="^the gradient 2 \\* l2 \\* w exceeds"):
            L2(1.0).gradient([1e308])
