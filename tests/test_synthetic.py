"""Seeded didactic data."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.synthetic import (make_linear_regression, make_quadratic_bowl, make_sine_regression,
                                  polynomial_features)


def test_linear_regression_is_seeded_and_recoverable():
    a = make_linear_regression(2000, 3, noise=0.1, seed=4)
    b = make_linear_regression(2000, 3, noise=0.1, seed=4)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y)
    design = np.column_stack([a.X, np.ones(2000)])
    coef = np.linalg.lstsq(design, a.y, rcond=None)[0]
    np.testing.assert_allclose(coef[:3], a.true_weights, atol=0.02)
    np.testing.assert_allclose(coef[3], a.true_bias, atol=0.02)


def test_sine_regression_is_sorted_and_seeded():
    x, y = make_sine_regression(12, seed=1)
    assert x.shape == y.shape == (12,) and np.all(np.diff(x) >= 0)
    assert np.array_equal(y, make_sine_regression(12, seed=1)[1])


@settings(max_examples=50, deadline=None)
@given(kappa=st.floats(1.0, 1e4), angle=st.floats(-90, 90))
def test_bowl_has_the_requested_conditioning_and_gradient(kappa, angle):
    bowl = make_quadratic_bowl(kappa, angle_deg=angle)
    np.testing.assert_allclose(bowl.eigenvalues, [1.0, kappa], rtol=1e-9)
    assert bowl.loss(bowl.minimizer) == 0
    w = np.array([0.3, -1.2])
    eps = 1e-6
    numeric = [(bowl.loss(w + eps * e) - bowl.loss(w - eps * e)) / (2 * eps) for e in np.eye(2)]
    np.testing.assert_allclose(bowl.grad(w), numeric, rtol=1e-5, atol=1e-6)


def test_polynomial_features_and_bad_arguments():
    assert polynomial_features([3.0], 2).tolist() == [[3.0, 9.0]]
    for call, word in [(lambda: polynomial_features([1.0], 0), "degree"),
                       (lambda: make_linear_regression(0), "n_samples"),
                       (lambda: make_sine_regression(5, noise=-1), "noise"),
                       (lambda: make_quadratic_bowl(0.5), "condition_number")]:
        with pytest.raises(ValueError, match=word):
            call()
