"""Seeded didactic data."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.synthetic import (QuadraticBowl, make_linear_regression, make_quadratic_bowl,
                                  make_sine_regression, polynomial_features)


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


# ---------------------------------------------------------------- QuadraticBowl: shapes and checks
def test_bowl_loss_and_grad_by_hand_for_one_point_and_a_batch():
    bowl = QuadraticBowl(np.diag([2.0, 8.0]), np.array([1.0, -1.0]))
    # d = w - w* = (1, 2): loss = 1/2 (2 * 1 + 8 * 4) = 17, grad = (2 * 1, 8 * 2)
    assert bowl.loss([2.0, 1.0]) == 17.0
    assert bowl.grad([2.0, 1.0]).tolist() == [2.0, 16.0]
    batch = np.array([[[2.0, 1.0], [1.0, -1.0]], [[1.0, 0.0], [0.0, -1.0]]])   # (2, 2, 2)
    assert bowl.loss(batch).tolist() == [[17.0, 0.0], [4.0, 1.0]]
    assert bowl.grad(batch).shape == (2, 2, 2) and bowl.grad(batch)[1, 0].tolist() == [0.0, 8.0]
    assert bowl.condition_number == 4.0 and bowl.eigenvalues.tolist() == [2.0, 8.0]


@pytest.mark.parametrize("w", [np.zeros(3), np.zeros(1), np.zeros((4, 3)), 0.0, np.zeros((2, 0))])
def test_bowl_methods_refuse_a_w_of_the_wrong_shape(w):
    bowl = make_quadratic_bowl(minimizer=[1.0, 2.0])
    for method in (bowl.loss, bowl.grad):
        with pytest.raises(ValueError, match=r"^w must (have shape \(2,\)|not be empty)"):
            method(w)


@pytest.mark.parametrize("w, message", [
    (None, "^w must be numeric"), ([1.0, None], "^w must be numeric"), ("ab", "^w must be numeric"),
    ([np.nan, 0.0], "^w must contain only finite"), ([np.inf, 0.0], "^w must contain only finite"),
    ([1e200, 0.0], "^w is too far from the minimizer: the loss overflows"),
])
def test_bowl_loss_refuses_non_numbers_and_overflow(w, message):
    with pytest.raises(ValueError, match=message):
        make_quadratic_bowl().loss(w)


def test_bowl_grad_refuses_overflow_but_not_large_finite_values():
    bowl = make_quadratic_bowl(10.0)
    with pytest.raises(ValueError, match="^w is too far from the minimizer: the gradient overflows"):
        bowl.grad([1e308, 1e308])
    assert np.all(np.isfinite(bowl.grad([1e300, 0.0])))           # grad ~1e301 is finite
    assert bowl.loss([5e-324, 0.0]) == bowl.loss([0.0, 0.0])       # a subnormal step changes nothing


@pytest.mark.parametrize("kwargs, message", [
    (dict(minimizer=[1, 2, 3]), r"^minimizer must hold 2 numbers \(A is 2x2\), got shape \(3,\)"),
    (dict(minimizer=[[1, 2]]), "^minimizer must have 1 dimension"),
    (dict(minimizer=None), "^minimizer must be numeric"),
    (dict(minimizer=[1.0, np.nan]), "^minimizer must contain only finite"),
    (dict(condition_number=1e8 * 1.0001), r"^condition_number must be a finite number >= 1 and <= 100000000"),
    (dict(condition_number=np.inf), "^condition_number must be a finite number"),
    (dict(condition_number=None), "^condition_number must be a finite number"),
    (dict(angle_deg=np.nan), "^angle_deg must be a finite number"),
    (dict(angle_deg="30"), "^angle_deg must be a finite number"),
])
def test_make_quadratic_bowl_checks_its_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_quadratic_bowl(**kwargs)


def test_the_largest_condition_number_is_still_exact():
    bowl = make_quadratic_bowl(1e8, angle_deg=37.0)
    np.testing.assert_allclose(bowl.eigenvalues, [1.0, 1e8], rtol=1e-6)


@pytest.mark.parametrize("A, minimizer, message", [
    (np.eye(3), np.zeros(2), r"^minimizer must hold 3 numbers \(A is 3x3\)"),
    (np.ones((2, 3)), np.zeros(2), "^A must be a square matrix"),
    (np.array([[1.0, 0.5], [0.0, 1.0]]), np.zeros(2), "^A must be symmetric"),
    (np.diag([1.0, 0.0]), np.zeros(2), "^A must be positive definite"),
    (np.diag([1.0, -1.0]), np.zeros(2), "^A must be positive definite"),
    (np.diag([1e308, 1e-308]), np.zeros(2), "^A must be positive definite with finite eigenvalues"),
    (np.zeros(2), np.zeros(2), "^A must have 2 dimension"),
    (None, np.zeros(2), "^A must be numeric"),
])
def test_quadratic_bowl_checks_its_fields(A, minimizer, message):
    with pytest.raises(ValueError, match=message):
        QuadraticBowl(A, minimizer)


def test_quadratic_bowl_of_any_dimension_and_nearly_symmetric_matrices():
    rng = np.random.default_rng(0)
    M = rng.normal(size=(3, 3))
    A = M @ M.T + np.eye(3)                          # SPD; symmetric to rounding only
    bowl = QuadraticBowl(A, np.ones(3))
    assert bowl.loss(np.ones(3)) == 0.0
    assert bowl.loss(np.zeros(3)) == pytest.approx(0.5 * np.ones(3) @ A @ np.ones(3), rel=1e-14)


# ---------------------------------------------------------------- generators: bounds and kinds
def test_generators_enforce_their_documented_bounds():
    from course_lib.synthetic import MAX_CONDITION, MAX_NOISE, MAX_VALUES
    assert (MAX_VALUES, MAX_NOISE, MAX_CONDITION) == (10**7, 1e150, 1e8)
    with pytest.raises(ValueError, match=r"^n_samples \* n_features must be <= MAX_VALUES = 10000000 "
                                         r"numbers, got n_samples=1000001 and n_features=10"):
        make_linear_regression(10**6 + 1, 10)                        # 10**7 numbers at most
    with pytest.raises(ValueError, match=r"^n_features must be an integer >= 1 and <= 10000000"):
        make_linear_regression(1, 10**7 + 1)
    assert make_linear_regression(10**6, 10).X.shape == (10**6, 10)
    with pytest.raises(ValueError, match=r"^n_samples must be an integer >= 2 and <= 10000000"):
        make_sine_regression(10**30)
    with pytest.raises(ValueError, match=r"^noise must be a finite number >= 0 and <= 1e\+150"):
        make_linear_regression(5, noise=1e151)
    big = make_linear_regression(100, noise=MAX_NOISE, seed=1)
    assert np.all(np.isfinite(big.y)) and np.all(np.isfinite(big.y ** 2))
    with pytest.raises(ValueError, match=r"^len\(x\) \* degree must be <= MAX_VALUES"):
        polynomial_features([1.0, -1.0], 5_000_001)
    assert polynomial_features([1.0, -1.0], 5_000_000).shape == (2, 5_000_000)
    with pytest.raises(ValueError, match=r"^x \*\* degree overflows float64"):
        polynomial_features([1e200, 1.0], 2)
    assert polynomial_features([5e-324], 2).tolist() == [[5e-324, 0.0]]   # underflow is exact 0


@pytest.mark.parametrize("call, word", [
    (lambda: make_linear_regression(True), "n_samples"), (lambda: make_linear_regression(5.0), "n_samples"),
    (lambda: make_linear_regression(5, 0), "n_features"), (lambda: make_linear_regression(5, seed=-1), "seed"),
    (lambda: make_linear_regression(5, noise=None), "noise"), (lambda: make_sine_regression(1), "n_samples"),
    (lambda: make_sine_regression(5, seed=np.array([1])), "seed"),
    (lambda: polynomial_features(None, 2), "x"), (lambda: polynomial_features([[1.0]], 2), "x"),
    (lambda: polynomial_features([np.nan], 2), "x"), (lambda: polynomial_features([1.0], 2.0), "degree"),
])
def test_generator_arguments_are_named_in_errors(call, word):
    with pytest.raises(ValueError, match=f"^{word} must"):
        call()


def test_regression_checks_its_fields():
    from course_lib.synthetic import Regression
    ok = dict(X=np.zeros((3, 2)), y=np.zeros(3), true_weights=np.zeros(2), true_bias=0.5)
    assert Regression(**ok).true_bias == 0.5
    for change, message in [(dict(X=np.zeros(3)), "^X must have 2 dimension"),
                            (dict(y=np.zeros(2)), "must agree"), (dict(true_weights=np.zeros(3)), "must agree"),
                            (dict(true_bias=None), "^true_bias must be a finite number"),
                            (dict(y=[np.nan] * 3), "^y must contain only finite")]:
        with pytest.raises(ValueError, match=message):
            Regression(**{**ok, **change})


# ---------------------------------------------------------------- what mutation testing found untested
def _message(call):
    with pytest.raises((TypeError, ValueError)) as info:
        call()
    return str(info.value)


def test_generators_follow_their_documented_recipe_and_defaults():
    # the docstrings' recipe, drawn again from the same seed in the documented order
    r = make_linear_regression(50, 3, noise=0.7, seed=9)
    rng = np.random.default_rng(9)
    w, b = rng.normal(0.0, 2.0, 3), float(rng.normal())
    X = rng.uniform(-2.0, 2.0, (50, 3))
    assert np.array_equal(r.true_weights, w) and r.true_bias == b and np.array_equal(r.X, X)
    assert np.array_equal(r.y, X @ w + b + rng.normal(0.0, 0.7, 50))
    x, y = make_sine_regression(20, noise=0.1, seed=4)
    rng = np.random.default_rng(4)
    xs = np.sort(rng.uniform(0.0, 1.0, 20))
    assert np.array_equal(x, xs) and np.array_equal(y, np.sin(2 * np.pi * xs) + rng.normal(0.0, 0.1, 20))
    # defaults: 100 samples, 1 feature, noise 0.5, seed 0; sine: 12 points, noise 0.25, seed 0
    d, e = make_linear_regression(), make_linear_regression(100, 1, noise=0.5, seed=0)
    assert d.X.shape == (100, 1) and np.array_equal(d.y, e.y)
    assert all(np.array_equal(a, b) for a, b in zip(make_sine_regression(), make_sine_regression(12, noise=0.25, seed=0)))
    bowl = make_quadratic_bowl()
    assert bowl.minimizer.tolist() == [1.0, -0.5] and bowl.condition_number == pytest.approx(10.0, rel=1e-12)
    theta = np.deg2rad(30.0)                                 # the axis of the large eigenvalue
    axis = np.array([-np.sin(theta), np.cos(theta)])
    np.testing.assert_allclose(bowl.A @ axis, 10.0 * axis, rtol=1e-12)


@pytest.mark.parametrize("call, text", [
    (lambda: make_sine_regression(5, noise=1e151), "noise must be a finite number >= 0 and <= 1e+150, got 1e+151"),
    (lambda: make_sine_regression(5, seed=-1), "seed must be an integer >= 0, got -1"),
    (lambda: polynomial_features([1.0], 10**7 + 1), "degree must be an integer >= 1 and <= 10000000, got 10000001"),
    (lambda: QuadraticBowl(np.eye(2), [[1.0, 2.0]]), "minimizer must have 1 dimension(s), got shape (1, 2)"),
    (lambda: QuadraticBowl(np.eye(2), None), "minimizer must be numeric (an array of real numbers), got None"),
    (lambda: QuadraticBowl(np.diag([1e-160, 1e160]), np.zeros(2)),
     "A must be positive definite with finite eigenvalues (a bowl with one minimum), got eigenvalues [1e-160, 1e+160]"),
])
def test_messages_in_full(call, text):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")                      # overflow is refused, never warned
        assert _message(call) == text


def test_seed_zero_and_degree_one_are_allowed():
    assert make_sine_regression(3, seed=0)[0].shape == (3,)
    assert polynomial_features([2.0, 3.0], 1).tolist() == [[2.0], [3.0]]


def test_condition_number_beyond_float64_is_refused_in_any_dimension():
    for diag in ([1e-160, 1e160], [1e-160, 1.0, 1e160], [1e-160, 1e160, 1e160]):
        with pytest.raises(ValueError, match="^A must be positive definite with finite eigenvalues"):
            QuadraticBowl(np.diag(diag), np.zeros(len(diag)))
    assert QuadraticBowl(np.diag([1e-100, 1.0, 1e100]), np.zeros(3)).condition_number == pytest.approx(1e200)


def test_symmetry_tolerance_is_relative_to_the_matrix_scale():
    big = np.array([[1e6, 1e6 * (0.5 + 1e-12)], [1e6 * 0.5, 1e6]])        # 1e-12 relative: rounding
    assert QuadraticBowl(big, np.zeros(2)).A[0, 1] == big[0, 1]
    tiny = np.array([[1e-6, 1e-6 * 0.501], [1e-6 * 0.5, 1e-6]])           # 1e-3 relative: not symmetric
    with pytest.raises(ValueError, match="^A must be symmetric"):
        QuadraticBowl(tiny, np.zeros(2))


def test_overflow_in_loss_and_grad_is_refused_without_warnings():
    import warnings
    bowl = QuadraticBowl(np.eye(2), np.array([-1e308, 0.0]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="^w is too far from the minimizer: the loss overflows"):
            bowl.loss([1e308, 0.0])                           # w - w* overflows, then inf * 0
        with pytest.raises(ValueError, match="^w is too far from the minimizer: the gradient overflows"):
            bowl.grad([1e308, 0.0])
        with pytest.raises(ValueError, match=r"^x \*\* degree overflows"):
            polynomial_features([1e200], 2)


def test_records_store_converted_fields():
    from course_lib.synthetic import Regression
    bowl = QuadraticBowl([[2.0, 0.0], [0.0, 1.0]], [1, 2])
    assert isinstance(bowl.A, np.ndarray) and bowl.minimizer.dtype == np.float64
    r = Regression([[1.0]], [2.0], [3.0], np.float64(0.5))
    assert isinstance(r.X, np.ndarray) and isinstance(r.y, np.ndarray) and isinstance(r.true_weights, np.ndarray)
    assert type(r.true_bias) is float
    for call, text in [
        (lambda: Regression([[1.0]], [[2.0]], [3.0], 0.5), "y must have 1 dimension(s), got shape (1, 1)"),
        (lambda: Regression([[1.0]], [2.0], [[3.0]], 0.5), "true_weights must have 1 dimension(s), got shape (1, 1)"),
        (lambda: Regression([[1.0]], [2.0], None, 0.5), "true_weights must be numeric (an array of real numbers), got None"),
    ]:
        assert _message(call) == text
