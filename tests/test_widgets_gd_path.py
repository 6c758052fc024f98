"""Batch gradient descent on a 2-D loss surface (notebook 03's widget).

Expected values come from outside the code under test: np.polyfit for the least-squares line,
the MSE formula and course_lib.models for the surface, the closed form
theta_t - theta* = (I - lr A)^t (theta_0 - theta*) for the path, and hand calculation for the
step at which a run converges or diverges.
"""
import re

import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.models import LinearRegression
from course_lib.synthetic import QuadraticBowl, make_linear_regression
from course_lib.widgets.gd_path import (DIVERGENCE_FACTOR, GDPathWidget, LossSurface, default_extent,
                                        draw_contours, gd_path, linear_regression_surface)


@pytest.fixture(scope="module")
def data():
    d = make_linear_regression(60, 1, noise=0.4, seed=5)
    return 1.5 * d.X[:, 0] + 2.0, d.y  # an off-centre feature: an elongated bowl


def test_surface_is_the_mse_of_the_line(data):
    x, y = data
    s = linear_regression_surface(x, y)
    w, b = np.polyfit(x, y, 1)  # independent least squares
    np.testing.assert_allclose(s.bowl.minimizer, [w, b], rtol=1e-9)
    np.testing.assert_allclose(s.min_loss, np.mean((w * x + b - y) ** 2), rtol=1e-9)
    rng = np.random.default_rng(0)
    model = LinearRegression(1)
    for theta in rng.normal(0, 3, (5, 2)):  # the quadratic form is the loss, everywhere (tol 1e-9)
        np.testing.assert_allclose(s.loss(theta), np.mean((theta[0] * x + theta[1] - y) ** 2), rtol=1e-9)
        _, g = model.loss_and_grad({"W": theta[:1, None], "b": theta[1:]}, x[:, None], y)
        np.testing.assert_allclose(s.grad(theta), [g["W"][0, 0], g["b"][0]], rtol=1e-9, atol=1e-12)


def test_stable_learning_rate_is_two_over_the_largest_hessian_eigenvalue(data):
    x, y = data
    n = len(x)
    hessian = 2 / n * np.array([[x @ x, x.sum()], [x.sum(), n]])
    assert linear_regression_surface(x, y).stable_learning_rate == pytest.approx(
        2 / np.linalg.eigvalsh(hessian).max(), rel=1e-12)


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9])
def test_path_follows_the_closed_form(data, fraction):
    s = linear_regression_surface(*data)
    lr, start = fraction * s.stable_learning_rate, np.array([-1.0, 3.0])
    frame = gd_path(s, lr, steps=25, start=start, tol=0.0)
    step = np.eye(2) - lr * s.bowl.A
    expected = [s.bowl.minimizer + np.linalg.matrix_power(step, t) @ (start - s.bowl.minimizer)
                for t in range(26)]
    np.testing.assert_allclose(frame.path, expected, rtol=1e-9, atol=1e-12)
    assert frame.ok is False and "not converged after 25 steps" in frame.status  # tol 0: never met


def test_path_is_gradient_descent_on_the_data(data):
    """The same updates as a loop over course_lib.models' hand-written MSE gradient (tol 1e-9)."""
    x, y = data
    s = linear_regression_surface(x, y)
    lr, model = 0.3 * s.stable_learning_rate, LinearRegression(1)
    params = {"W": np.array([[0.5]]), "b": np.array([-0.5])}
    frame = gd_path(s, lr, steps=10, start=(0.5, -0.5), tol=0.0)
    for t in range(1, 11):
        _, g = model.loss_and_grad(params, x[:, None], y)
        params = {k: params[k] - lr * g[k] for k in params}
        np.testing.assert_allclose(frame.path[t], [params["W"][0, 0], params["b"][0]], rtol=1e-9)


def test_isotropic_bowl_with_lr_one_over_lambda_converges_in_one_step():
    s = LossSurface(QuadraticBowl(4.0 * np.eye(2), np.array([1.0, 2.0])))
    frame = gd_path(s, 0.25, steps=10, start=(5.0, -3.0))
    assert frame.converged_at == 1 and frame.diverged_at is None and frame.ok
    np.testing.assert_allclose(frame.path, [[5.0, -3.0], [1.0, 2.0]])
    assert frame.status.startswith("converged at step 1")


def test_convergence_step_matches_the_contraction_factor():
    # A = I, lr = 0.5: |grad| = |theta| halves each step; from |theta| = 1, |grad| <= 1e-3 first at t = 10.
    s = LossSurface(QuadraticBowl(np.eye(2), np.zeros(2)))
    frame = gd_path(s, 0.5, steps=50, start=(1.0, 0.0), tol=1e-3)
    assert frame.converged_at == 10
    np.testing.assert_allclose(frame.grad_norm, 0.5 ** np.arange(11))


def test_divergence_step_is_named():
    # A = I, lr = 3: theta is multiplied by -2 per step, the loss by 4; 4^5 = 1024 > 1000 at step 5.
    assert DIVERGENCE_FACTOR == 1e3
    s = LossSurface(QuadraticBowl(np.eye(2), np.zeros(2)))
    frame = gd_path(s, 3.0, steps=50, start=(1.0, 1.0))
    assert frame.diverged_at == 5 and not frame.ok
    assert frame.status.startswith("diverged at step 5")
    np.testing.assert_allclose(frame.path[:, 0], (-2.0) ** np.arange(6))


@pytest.mark.parametrize("lr, words", [(1.5, "zig-zagging"), (0.4, "converged"), (2.0, "bouncing"),
                                       (2.05, "diverging: the loss grows")])
def test_status_names_the_regime(lr, words):
    s = LossSurface(QuadraticBowl(np.eye(2), np.zeros(2)))  # lambda_max = 1: 2/lambda_max = 2
    assert words in gd_path(s, lr, steps=30, start=(1.0, 0.0)).status


@settings(max_examples=40, deadline=None)
@given(st.floats(0.2, 5.0), st.floats(1.0, 50.0), st.floats(0.0, 180.0), st.floats(0.01, 0.99))
def test_stable_learning_rates_never_raise_the_loss(scale, kappa, angle, fraction):
    """Below 2/lambda_max every eigen-component of the error shrinks, so the loss never rises."""
    A = scale * np.diag([1.0, kappa])
    rot = np.array([[np.cos(np.radians(angle)), -np.sin(np.radians(angle))],
                    [np.sin(np.radians(angle)), np.cos(np.radians(angle))]])
    s = LossSurface(QuadraticBowl(rot @ A @ rot.T, np.array([0.3, -0.7])))
    frame = gd_path(s, fraction * s.stable_learning_rate, steps=40, start=(2.0, 1.0), tol=0.0)
    assert np.all(np.diff(frame.excess_loss) <= 1e-12 * frame.excess_loss[0])


@pytest.mark.parametrize("kwargs, word", [({"learning_rate": 0}, "learning_rate"),
                                          ({"learning_rate": float("nan")}, "learning_rate"),
                                          ({"steps": 0}, "steps"), ({"tol": -1.0}, "tol"),
                                          ({"start": (1.0, 2.0, 3.0)}, "start")])
def test_bad_arguments_raise(kwargs, word):
    s = LossSurface(QuadraticBowl(np.eye(2), np.zeros(2)))
    args = {"learning_rate": 0.1, "steps": 5, "start": (1.0, 0.0), "tol": 1e-6} | kwargs
    with pytest.raises(ValueError, match=word):
        gd_path(s, **args)


def test_surface_rejects_degenerate_data():
    with pytest.raises(ValueError, match="two different values"):
        linear_regression_surface([2.0, 2.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="same length"):
        linear_regression_surface([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="labels must be two strings"):
        linear_regression_surface([1.0, 2.0], [1.0, 2.0], labels=("w",))


def test_contours_carry_the_surface_labels():
    s = linear_regression_surface([-1.0, 1.0], [0.0, 2.0], labels=("w_z", "b_z"))
    fig, ax = plt.subplots()
    draw_contours(ax, s, default_extent(s, (0.0, 0.0)))
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("w_z", "b_z") and np.allclose(s.bowl.minimizer, [1.0, 1.0])
    plt.close(fig)


def test_widget_sliders_redraw_and_extremes_still_draw(data):
    s = linear_regression_surface(*data)
    ui = GDPathWidget(s, start=(0.0, 0.0), max_steps=60)
    first = ui.live.png
    lr = ui.controls["learning_rate"]
    lr.value = 10 ** lr.max  # 1.5 x the stable bound
    assert ui.frame.diverged_at is not None and "diverged at step" in ui.status.value
    assert "b42318" in ui.status.value and ui.end.get_visible()
    x0, x1, y0, y1 = ui.extent
    (ex,), (ey,) = ui.end.get_data()
    assert x0 <= ex <= x1 and y0 <= ey <= y1  # the exit marker is pinned to the view
    wx, wy = 10 * (x1 - x0), 10 * (y1 - y0)   # the path itself is drawn up to ten views away, in w and b
    np.testing.assert_allclose(ui.line.get_xdata(), np.clip(ui.frame.path[:, 0], x0 - wx, x1 + wx))
    np.testing.assert_allclose(ui.line.get_ydata(), np.clip(ui.frame.path[:, 1], y0 - wy, y1 + wy))
    assert ui.live.png != first and ui.live.png.startswith(b"\x89PNG")
    lr.value = 10 ** lr.min
    ui.controls["steps"].value = 7
    assert len(ui.frame.path) == 8 and "not converged after 7 steps" in ui.frame.status
    assert not ui.end.get_visible() and len(ui.curve.get_xdata()) == 8
    lr.value = 0.5 * s.stable_learning_rate
    ui.controls["steps"].value = 60
    assert np.all(np.diff(ui.frame.excess_loss) <= 0) and ui.frame.diverged_at is None


def test_widget_reports_convergence_on_a_round_bowl():
    ui = GDPathWidget(LossSurface(QuadraticBowl(np.eye(2), np.zeros(2))), start=(1.0, 1.0), learning_rate=0.5)
    assert ui.frame.ok and ui.frame.converged_at == 21  # |grad| = sqrt(2) 0.5^t <= 1e-6 first at t = 21
    assert "converged at step 21" in ui.status.value and "1a7f37" in ui.status.value


def test_widget_marks_the_stopping_step_only_when_there_is_one():
    ui = GDPathWidget(LossSurface(QuadraticBowl(np.eye(2), np.zeros(2))), start=(1.0, 1.0), learning_rate=0.5)
    assert ui.marker.get_visible() and ui.marker.get_xdata()[0] == 21
    ui.controls["steps"].value = 5
    assert not ui.marker.get_visible()


def test_path_equals_course_fit_with_the_full_batch(data):
    """gd_path is training.fit with batch_size = n on the same problem (tol 1e-10 relative)."""
    from course_lib.optim import GradientDescent
    from course_lib.training import fit

    x, y = data
    s = linear_regression_surface(x, y)
    lr = 0.8 * s.stable_learning_rate
    h = fit(LinearRegression(1), x[:, None], y, batch_size=len(x), epochs=30, optimizer=GradientDescent(),
            learning_rate=lr, params={"W": np.array([[1.0]]), "b": np.array([-2.0])}, shuffle=False)
    end = gd_path(s, lr, steps=30, start=(1.0, -2.0), tol=0.0).path[-1]
    np.testing.assert_allclose(end, [h.params["W"][0, 0], h.params["b"][0]], rtol=1e-10)


@pytest.mark.tf
def test_path_equals_keras_sgd_with_the_full_batch():
    """On random data, gd_path equals Keras SGD with batch_size = len(x), all in float64 (tol 1e-10).

    Keras casts numpy inputs, losses and its learning-rate variable to ``floatx`` (float32 by
    default) even for a float64 model, so the whole Keras run happens under floatx = float64.
    """
    import keras

    from course_lib.tf_twins.models import get_params, set_params, to_keras

    rng = np.random.default_rng(21)
    x, y = rng.normal(1.0, 2.0, 40), rng.normal(0.0, 1.0, 40)
    s = linear_regression_surface(x, y)
    lr, start = 0.7 * s.stable_learning_rate, rng.normal(0.0, 1.0, 2)
    keras.config.set_floatx("float64")
    try:
        net = to_keras(LinearRegression(1), dtype="float64")
        set_params(net, LinearRegression(1), {"W": start[:1, None], "b": start[1:]})
        net.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
        net.fit(x[:, None], y, batch_size=len(x), epochs=12, shuffle=False, verbose=0)
    finally:
        keras.config.set_floatx("float32")
    p = get_params(net, LinearRegression(1))
    end = gd_path(s, lr, steps=12, start=start, tol=0.0).path[-1]
    np.testing.assert_allclose(end, [p["W"][0, 0], p["b"][0]], rtol=1e-10)


# ---- every control moves the frame the way it means (section 5 of issue 9) ----------------

def test_the_learning_rate_slider_sets_each_step(data):
    # theta_1 = theta_0 - lr A (theta_0 - theta*), with A and theta* from np.polyfit and the MSE
    # formula (not from the surface under test): the first step is linear in lr.
    x, y = data
    w_star, b_star = np.polyfit(x, y, 1)
    A = 2 * np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]])
    s = linear_regression_surface(x, y)
    ui = GDPathWidget(s, start=(0.0, 0.0), max_steps=30, steps=30)
    for fraction in (0.01, 0.3, 0.9, 1.2):
        lr = fraction * s.stable_learning_rate
        ui.controls["learning_rate"].value = lr
        want = np.zeros(2) - lr * A @ (np.zeros(2) - [w_star, b_star])
        np.testing.assert_allclose(ui.frame.path[1], want, rtol=1e-9)
        np.testing.assert_allclose(ui.line.get_xdata()[1], np.clip(want[0], ui.extent[0] - 10 * (
            ui.extent[1] - ui.extent[0]), ui.extent[1] + 10 * (ui.extent[1] - ui.extent[0])))
        assert ("zig-zagging" in ui.frame.status) == (0.5 < fraction < 1) or fraction > 1


def test_a_larger_stable_rate_converges_in_fewer_steps():
    # Round bowl A = I, start (1, 1): |grad_t| = sqrt(2) |1 - lr|^t, converged once <= 1e-6,
    # i.e. at t = ceil(log(1e-6 / sqrt 2) / log|1 - lr|) -- by hand, for each rate.
    s = LossSurface(QuadraticBowl(np.eye(2), np.zeros(2)))
    ui = GDPathWidget(s, start=(1.0, 1.0), learning_rate=0.1, max_steps=400, steps=400)
    for lr in (0.1, 0.3, 0.6, 1.0):
        ui.controls["learning_rate"].value = lr
        want = 1 if lr == 1.0 else int(np.ceil(np.log(1e-6 / np.sqrt(2)) / np.log(abs(1 - lr))))
        assert ui.frame.converged_at == want, lr


def test_the_steps_slider_sets_the_budget():
    s = LossSurface(QuadraticBowl(np.diag([1.0, 0.01]), np.zeros(2)))   # slow: never converges here
    ui = GDPathWidget(s, start=(1.0, 1.0), learning_rate=1.0, max_steps=100, steps=10)
    for steps in (1, 10, 37, 100):
        ui.controls["steps"].value = steps
        assert len(ui.frame.path) == steps + 1 and len(ui.curve.get_xdata()) == steps + 1
        assert f"not converged after {steps} steps" in ui.frame.status
        # the flat direction shrinks by 0.99 per step: b_t = 0.99^t exactly as the closed form says
        assert ui.frame.path[-1, 1] == pytest.approx(0.99**steps, rel=1e-12)


def test_widget_defaults_and_refusals():
    s = LossSurface(QuadraticBowl(np.eye(2), np.zeros(2)))
    ui = GDPathWidget(s, start=(1.0, 1.0))
    # default rate: half the stable bound 2/lambda_max = 2, i.e. 1; default budget min(50, max_steps)
    assert ui.controls["learning_rate"].value == pytest.approx(1.0, rel=1e-12)
    assert ui.controls["steps"].value == 50 and ui.controls["steps"].max == 100
    for kwargs, word in [({"learning_rate": 10.0}, "learning_rate"), ({"steps": 101}, "steps"),
                         ({"max_steps": 10**6}, "max_steps"), ({"extent": (1, 0, 0, 1)}, "extent"),
                         ({"start": (1e200, 0.0)}, "start")]:
        with pytest.raises(ValueError, match=word):
            GDPathWidget(s, **{"start": (1.0, 1.0), **kwargs})
    with pytest.raises(TypeError, match="surface"):
        GDPathWidget("bowl")


def test_gd_path_bounds_its_steps_and_keeps_no_overflowed_iterate():
    s = LossSurface(QuadraticBowl(np.eye(2), np.zeros(2)))
    with pytest.raises(ValueError, match="steps"):
        gd_path(s, 1e-6, steps=10**6)
    f = gd_path(s, 1e300, steps=5, start=(1.0, 1.0))   # the first step overflows float64
    assert f.diverged_at == 1 and len(f.path) == 1 and np.all(np.isfinite(f.excess_loss))
    assert "diverged at step 1" in f.status


# ---- what mutation testing found unchecked (make mutation PATHS=course_lib/widgets/gd_path.py) ----

ROUND = LossSurface(QuadraticBowl(np.eye(2), np.zeros(2)))   # lambda = 1: stable below lr = 2


def test_surface_refuses_anything_but_a_2d_bowl():
    for bowl in ("bowl", QuadraticBowl(np.eye(3), np.zeros(3))):
        with pytest.raises(TypeError, match=r"^bowl must be a 2-D QuadraticBowl, got "):
            LossSurface(bowl)
    with pytest.raises(ValueError, match=r"^min_loss must"):
        LossSurface(QuadraticBowl(np.eye(2), np.zeros(2)), min_loss=-1.0)
    assert type(LossSurface(QuadraticBowl(np.eye(2), np.zeros(2)), min_loss=1).min_loss) is float


def test_surface_loss_and_grad_take_points_and_batches_and_name_theta():
    s = LossSurface(QuadraticBowl(np.diag([2.0, 4.0]), np.array([1.0, -1.0])), min_loss=0.5)
    # L = 0.5 + (w - 1)^2 + 2 (b + 1)^2, grad = (2 (w - 1), 4 (b + 1)), by hand at (2, 0): 0.5 + 1 + 2
    assert s.loss([2.0, 0.0]) == 3.5 and s.grad([2.0, 0.0]).tolist() == [2.0, 4.0]
    batch = np.array([[[2.0, 0.0], [1.0, -1.0], [0.0, 0.0]]] * 2)          # (2, 3, 2): a 3-D batch
    np.testing.assert_array_equal(s.loss(batch), [[3.5, 0.5, 3.5]] * 2)
    np.testing.assert_array_equal(s.loss(batch[0]), [3.5, 0.5, 3.5])
    assert s.grad(batch).shape == (2, 3, 2)
    for bad, text in [(np.zeros((1, 1, 1, 2)), r"^theta must"), (5.0, r"^theta must"),
                      ([1.0, 2.0, 3.0], r"^theta must hold points \(w, b\): last dimension 2, got shape \(3,\)$"),
                      ([1e308, 1e308], r"^theta is too far from the minimum: the loss overflows float64$")]:
        for method in (s.loss, s.grad):
            with pytest.raises(ValueError, match=text):
                method(bad)
    with pytest.raises(ValueError, match=r"^theta is too far"):
        s.loss([1e200, 0.0])    # its gradient, 2e200, is still finite


def test_surface_refuses_huge_or_degenerate_data_just_outside_its_limits():
    just = float(np.nextafter(1e100, np.inf))
    assert linear_regression_surface([0.0, 1.0], [0.0, -1e100]).bowl.A.shape == (2, 2)  # 1e100 itself is fine
    with pytest.raises(ValueError, match="two different values"):   # x = 1e100 passes the range check, but
        linear_regression_surface([0.0, 1e100], [0.0, 1.0])         # its Hessian is singular in float64
    for x, y in [([0.0, just], [0.0, 1.0]), ([0.0, 1.0], [0.0, -just])]:
        with pytest.raises(ValueError, match=r"^x and y must lie within ±1e100 \(their squares must fit in float64\)$"):
            linear_regression_surface(x, y)
    # x nearly constant (1e6 and 1e6 + 1e-4): the Hessian's smallest eigenvalue ~5e-21 is far below
    # 1e-12 of its largest entry (2e12): no unique minimum in float64
    with pytest.raises(ValueError, match=r"^x must take at least two different values \(else \(w, b\) has no unique"):
        linear_regression_surface([1e6, 1e6 + 1e-4], [0.0, 1.0])
    for x, y, word in [([[1.0, 2.0]], [1.0, 2.0], "x"), ([1.0, 2.0], [[1.0, 2.0]], "y"), ([1.0, np.nan], [1.0, 2.0], "x"),
                       ([1.0, 2.0], [1.0, np.inf], "y")]:
        with pytest.raises(ValueError, match=rf"^{word} must"):
            linear_regression_surface(x, y)


def test_widget_learning_rate_slider_spans_its_stated_range():
    # stable bound 2: log10(1.5 * 2) = 0.477 -> 0.48, log10(2 / 300) = -2.176 -> -2.18 (rounded to the step)
    ui = GDPathWidget(ROUND, start=(1.0, 1.0), learning_rate=10 ** -2.18, max_steps=10_000, steps=1, tol=0.0,
                      extent=(-3, 2, -1, 4))
    assert ui.extent == (-3.0, 2.0, -1.0, 4.0) and ui.ax_path.get_xlim() == (-3.0, 2.0)   # the extent given
    lr = ui.controls["learning_rate"]
    assert (lr.min, lr.max, lr.step, lr.base, lr.readout_format) == (-2.18, 0.48, 0.01, 10, ".3g")
    assert lr.description == "learning rate" and lr.value == pytest.approx(10 ** -2.18, rel=1e-12)
    steps = ui.controls["steps"]
    assert (steps.min, steps.max, steps.value, steps.description) == (1, 10_000, 1, "steps") and ui.tol == 0.0
    assert len(ui.frame.path) == 2 and ui.frame.converged_at is None     # tol 0: one step, never converged
    for value in (0.0066, 3.03):        # just below 10^-2.18 = 0.006607 and above 10^0.48 = 3.020
        with pytest.raises(ValueError, match=r"^learning_rate must"):
            GDPathWidget(ROUND, start=(1.0, 1.0), learning_rate=value)
    for kwargs, word in [({"tol": -1e-12}, "tol"), ({"tol": np.nan}, "tol"), ({"max_steps": 0}, "max_steps"),
                         ({"max_steps": 10_001}, "max_steps"), ({"steps": 0}, "steps"),
                         ({"steps": 11, "max_steps": 10}, "steps")]:
        with pytest.raises(ValueError, match=rf"^{word} must"):
            GDPathWidget(ROUND, start=(1.0, 1.0), **kwargs)


def test_widget_checks_start_and_extent_even_when_the_extent_is_given():
    with pytest.raises(ValueError, match=r"^start \[1e\+200, 0.0\] is too far from the minimum"):
        GDPathWidget(ROUND, start=(1e200, 0.0), extent=(-1.0, 1.0, -1.0, 1.0))


def test_check_start_surface_and_extent_messages_and_limits():
    from course_lib.widgets.gd_path import check_extent, check_start, check_surface

    with pytest.raises(TypeError, match=r"^surface must be a LossSurface, got str$"):
        check_surface("s")
    with pytest.raises(ValueError, match=r"^start must hold 2 numbers \(w, b\), got shape \(3,\)$"):
        check_start([1.0, 2.0, 3.0])
    # a start is refused once 1e5 x its excess loss 0.5 w^2 overflows (1.8e308): w = 5.98e151 is in, 6.0e151 out
    assert check_start((5.98e151, 0.0), ROUND).tolist() == [5.98e151, 0.0]
    assert check_start((6.0e151, 0.0)).tolist() == [6.0e151, 0.0]       # no surface: any two finite numbers
    with pytest.raises(ValueError, match=r"^start \[6e\+151, 0.0\] is too far from the minimum: its loss overflows"):
        check_start((6.0e151, 0.0), ROUND)
    assert check_extent([0, 1, -1e100, 1e100]) == (0.0, 1.0, -1e100, 1e100)
    assert all(type(v) is float for v in check_extent(np.array([0, 1, 2, 3])))
    for bad in ([1, 0, 0, 1], [0, 1, 1, 0], [0, 0, 0, 1], [0, 1, 2], [0, 1, 0, float(np.nextafter(1e100, np.inf))]):
        with pytest.raises(ValueError, match="^" + re.escape("extent must be (w0, w1, b0, b1) with w0 < w1, b0 < b1, "
                                                             f"within ±1e100, got {[float(v) for v in bad]}") + "$"):
            check_extent(bad)


def test_default_extent_is_a_square_around_the_minimum_holding_the_start():
    s = LossSurface(QuadraticBowl(np.eye(2), np.array([1.0, 2.0])))
    # start (3, 1): the farthest coordinate is 2 away, the half-width 1.5 x 2 (+ 1e-9)
    np.testing.assert_allclose(default_extent(s, (3.0, 1.0)), (-2.0, 4.0, -1.0, 5.0), rtol=0, atol=1e-8)
    w0, w1, b0, b1 = default_extent(s, (1.0, 2.0))     # the start at the minimum: a 2e-9 square, not empty
    assert (w1 - w0, b1 - b0) == pytest.approx((2e-9, 2e-9), rel=1e-6)


def test_draw_contours_levels_marks_and_refusals():
    s = LossSurface(QuadraticBowl(np.eye(2), np.zeros(2)))
    fig, ax = plt.subplots()
    draw_contours(ax, s, (-2.0, 2.0, -1.0, 1.0), start=(1.0, 0.5), levels=5)
    (cs,) = [c for c in ax.collections if hasattr(c, "levels")]
    top = 0.5 * (2.0**2 + 1.0**2)                 # the grid's corner (+-2, +-1) is its highest point
    np.testing.assert_allclose(cs.levels, np.geomspace(1e-3, 1.0, 5) * top, rtol=1e-12)
    (star, square) = ax.get_lines()
    assert star.get_marker() == "*" and square.get_marker() == "s"
    assert (star.get_xdata()[0], star.get_ydata()[0], square.get_xdata()[0], square.get_ydata()[0]) == (0, 0, 1, 0.5)
    assert [t.get_text() for t in ax.texts] == [" minimum", " start"]
    assert ax.get_xlim() == (-2.0, 2.0) and ax.get_ylim() == (-1.0, 1.0) and ax.get_aspect() == 1.0
    ax.clear()
    draw_contours(ax, s, (-2.0, 2.0, -1.0, 1.0))   # without a start: the star alone, no labels, 12 levels
    (cs,) = [c for c in ax.collections if hasattr(c, "levels")]
    assert len(cs.levels) == 12 and len(ax.get_lines()) == 1 and len(ax.texts) == 0
    draw_contours(ax, s, (-1.0, 1.0, -1.0, 1.0), levels=2)
    draw_contours(ax, s, (-1.0, 1.0, -1.0, 1.0), levels=100)
    for kwargs, text in [({"levels": 1}, r"^levels must"), ({"levels": 101}, r"^levels must"),
                         ({"start": (1.0,)}, r"^start must hold 2 numbers")]:
        with pytest.raises(ValueError, match=text):
            draw_contours(ax, s, **{"extent": (-1.0, 1.0, -1.0, 1.0), **kwargs})
    steep = LossSurface(QuadraticBowl(1e200 * np.eye(2), np.zeros(2)))   # 0.5e200 w^2 overflows at w = 1e100
    with pytest.raises(ValueError, match=r"^extent is too far from the minimum: the loss overflows float64 there$"):
        draw_contours(ax, steep, (-1e100, 1e100, 0.0, 1.0))
    with pytest.raises(TypeError, match=r"^ax must be a matplotlib Axes, got Figure$"):
        draw_contours(fig, s, (-1.0, 1.0, -1.0, 1.0))
    plt.close(fig)


def test_gd_path_stopping_rules_at_their_boundaries():
    # A = I, lr = 0.5 from (1, 0): |grad_t| = 0.5^t exactly, so a tol equal to it stops there (<=)
    assert gd_path(ROUND, 0.5, steps=10, start=(1.0, 0.0), tol=0.25).converged_at == 2
    f = gd_path(ROUND, 0.5, steps=10, start=(1.0, 0.0), tol=1.0)        # the start itself already meets tol
    assert f.converged_at == 0 and len(f.path) == 1 and f.status.startswith("converged at step 0")
    f = gd_path(ROUND, 0.5, steps=10, start=(0.0, 0.0), tol=0.0)        # at the minimum: gradient 0 <= 0
    assert f.converged_at == 0 and f.diverged_at is None and f.ok is True and f.excess_loss.tolist() == [0.0]
    f = gd_path(ROUND, 3.0, steps=4, start=(1.0, 1.0))                   # 4^4 = 256 < 1000: still only growing
    assert f.diverged_at is None and f.converged_at is None and len(f.path) == 5
    f = gd_path(ROUND, 0.5, steps=3, start=(1.0, 0.0), tol=0.0)
    assert f.ok is False and f.converged_at is None and f.grad_norm.tolist() == [1.0, 0.5, 0.25, 0.125]


@pytest.mark.parametrize("lr, steps, status, ok", [
    (3.0, 50, "diverged at step 5: loss above 1000× its start (lr = 3, stable below 2/λ_max = 2)", False),
    (2.0, 5, "bouncing: at lr = 2/λ_max the steepest direction flips sign and never shrinks "
             "(lr = 2, stable below 2/λ_max = 2)", False),
    (2.0 * (1 + 1e-10), 5, "bouncing: at lr = 2/λ_max", False),                          # within rtol 1e-9
    (2.05, 30, "diverging: the loss grows at every step, not yet 1000× (lr = 2.05, stable below 2/λ_max = 2)", False),
    (1.0, 5, "converged at step 1: ‖∇L‖ ≤ 1e-06 (lr = 1, stable below 2/λ_max = 2)", True),   # lr = bound/2: no zig-zag
    (1.5, 40, "converged at step 20: ‖∇L‖ ≤ 1e-06 (zig-zagging, lr = 1.5, stable below 2/λ_max = 2)", True),
    (0.5, 3, "not converged after 3 steps: ‖∇L‖ = 0.12 > 1e-06 (lr = 0.5, stable below 2/λ_max = 2)", False),
    (1.9, 3, "not converged after 3 steps: ‖∇L‖ = 0.73 > 1e-06 (zig-zagging, lr = 1.9, stable below", False)])
def test_status_sentences_in_full(lr, steps, status, ok):
    # A = I from (1, 0): |grad_t| = |1 - lr|^t (0.5^3 = 0.125 -> "0.12"; 0.9^3 = 0.729 -> "0.73");
    # at lr = 1.5 it is 0.5^t, first <= 1e-6 at t = 20 (0.5^19 = 1.9e-6, 0.5^20 = 9.5e-7)
    start = (1.0, 1.0) if lr == 3.0 else (1.0, 0.0)
    f = gd_path(ROUND, lr, steps=steps, start=start)
    assert f.status.startswith(status) and f.ok is ok


def test_widget_redraw_marks_outcome_colours_and_clipping(monkeypatch):
    import course_lib.widgets._live as live
    from matplotlib.colors import to_hex

    ui = GDPathWidget(ROUND, start=(1.0, 0.0), learning_rate=0.5, max_steps=40, steps=40)
    assert ui.ax_path.get_title() == "GD path on the loss contours"
    assert ui.ax_loss.get_title() == "excess loss per step" and ui.ax_loss.get_yscale() == "log"
    assert ui.ax_path.get_position().x1 <= ui.ax_loss.get_position().x0   # side by side
    texts = [t.get_text() for t in ui.ax_path.texts]
    assert " start" in texts and " minimum" in texts                     # the start is marked too
    # the loss panel: steps 0..max_steps, from 1e-14 x the start's excess (0.5) up to 10 x the divergence line
    assert ui.ax_loss.get_xlim() == (0, 40) and ui.ax_loss.get_ylim() == pytest.approx((0.5e-14, 5000.0), rel=1e-12, abs=0)
    assert ui.ax_loss.get_xlabel() == "step" and ui.ax_loss.get_ylabel() == "L(θ) − L* (log scale)"
    (line,) = [ln for ln in ui.ax_loss.get_lines() if ln not in (ui.curve, ui.marker)]
    assert line.get_ydata()[0] == pytest.approx(500.0)                   # 1000 x the start's excess loss
    assert [t.get_text() for t in ui.ax_loss.texts if t is not ui.note] == ["divergence: 1000× the start"]
    # converged at step 20 (0.5^t <= 1e-6): a green marker there, the outcome written in the figure
    assert ui.frame.converged_at == 20 and ui.marker.get_visible() and ui.marker.get_xdata()[0] == 20
    assert to_hex(ui.marker.get_color()) == "#009e73" and ui.note.get_text() == "converged at step 20"
    assert to_hex(ui.note.get_color()) == "#1a7f37" and not ui.end.get_visible()
    np.testing.assert_allclose(ui.curve.get_ydata(), np.maximum(0.5 * 0.25 ** np.arange(21), 0.5e-14))
    ui.controls["learning_rate"].value = 3.0      # theta x (-2) per step: diverged at step 5 (4^5 > 1000)
    assert ui.frame.diverged_at == 5 and ui.marker.get_xdata()[0] == 5 and to_hex(ui.marker.get_color()) == "#d55e00"
    assert ui.note.get_text() == "diverged at step 5" and to_hex(ui.note.get_color()) == "#b42318"
    x0, x1 = ui.extent[:2]
    wx = 10 * (x1 - x0)
    np.testing.assert_allclose(ui.line.get_xdata(), np.clip((-2.0) ** np.arange(6), x0 - wx, x1 + wx))
    assert ui.end.get_visible() and ui.end.get_xdata()[0] == x0          # -32: pinned to the left border
    ui.controls["steps"].value = 3
    assert ui.note.get_text() == "diverging" and not ui.marker.get_visible()
    ui.controls["learning_rate"].value = 0.5
    assert ui.note.get_text() == "not converged after 3 steps" and ui.marker.get_visible() is False
    shown = []
    monkeypatch.setattr(live, "display", lambda obj, **kw: shown.append(obj))
    ui.show()
    box, image = shown
    controls, status = box.children
    assert list(controls.children) == [ui.controls["learning_rate"], ui.controls["steps"]] and status is ui.status
    assert image.data == ui.live.png
