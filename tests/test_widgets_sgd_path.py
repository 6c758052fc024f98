"""SGD and mini-batch gradient descent on a 1-feature regression (notebook 04's widget).

Expected values come from outside the code under test: sums recomputed batch by batch in a
plain loop, a step-by-step loop over course_lib.models' MSE gradient, Keras's inverse-time
formula as written by course_lib.schedules, the full-batch path of gd_path, and hand
calculation for the step at which a run diverges.
"""
import numpy as np
import pytest

from course_lib.models import LinearRegression
from course_lib.schedules import inverse_time_decay
from course_lib.synthetic import make_linear_regression
from course_lib.widgets.gd_path import gd_path, linear_regression_surface
from course_lib.widgets.sgd_path import (SGDPathWidget, batch_statistics, learning_rates, sgd_path,
                                         shuffled_orders)


@pytest.fixture(scope="module")
def data():
    d = make_linear_regression(50, 1, noise=0.8, seed=11)
    return d.X[:, 0], d.y


@pytest.mark.parametrize("batch_size", [1, 7, 16, 50])
def test_batch_sums_match_a_plain_loop(data, batch_size):
    x, y = data
    orders = shuffled_orders(len(x), 3, np.random.default_rng(1))
    s = batch_statistics(x, y, orders, batch_size)
    expected = []
    for order in orders:
        for i in range(0, len(x), batch_size):
            idx = order[i:i + batch_size]
            expected.append([x[idx] @ x[idx], x[idx].sum(), len(idx), x[idx] @ y[idx], y[idx].sum()])
    np.testing.assert_allclose(np.column_stack([s.sxx, s.sx, s.count, s.sxy, s.sy]), expected, rtol=1e-12)
    assert s.steps_per_epoch == -(-len(x) // batch_size)  # ceil(n / B): the last batch is smaller


@pytest.mark.parametrize("batch_size, decay", [(1, 0.0), (7, 0.5), (50, 2.0)])
def test_path_is_minibatch_sgd_on_the_data(data, batch_size, decay):
    """The same updates as a loop over course_lib.models' gradient on each batch (tol 1e-9)."""
    x, y = data
    orders = shuffled_orders(len(x), 2, np.random.default_rng(2))
    surface = linear_regression_surface(x, y)
    frame = sgd_path(batch_statistics(x, y, orders, batch_size), surface, 0.05, decay, start=(1.0, -1.0))
    model, params, t = LinearRegression(1), {"W": np.array([[1.0]]), "b": np.array([-1.0])}, 0
    steps_per_epoch = -(-len(x) // batch_size)
    for order in orders:
        for i in range(0, len(x), batch_size):
            idx = order[i:i + batch_size]
            _, g = model.loss_and_grad(params, x[idx, None], y[idx])
            lr = 0.05 / (1 + decay * t / steps_per_epoch)
            params = {k: params[k] - lr * g[k] for k in params}
            t += 1
            np.testing.assert_allclose(frame.path[t], [params["W"][0, 0], params["b"][0]], rtol=1e-9)
    assert len(frame.path) == t + 1
    np.testing.assert_allclose(frame.epoch[-1], 2.0)


def test_learning_rates_are_keras_inverse_time_decay():
    for decay in (0.3, 1.0, 4.0):
        schedule = inverse_time_decay(0.2, decay_steps=8, decay_rate=decay)
        np.testing.assert_allclose(learning_rates(0.2, decay, 40, 8), schedule(np.arange(40)), rtol=1e-12)
    np.testing.assert_array_equal(learning_rates(0.2, 0.0, 5, 8), np.full(5, 0.2))  # zero decay: constant


def test_full_batch_is_gradient_descent(data):
    x, y = data
    surface = linear_regression_surface(x, y)
    orders = shuffled_orders(len(x), 15, np.random.default_rng(3))
    sgd = sgd_path(batch_statistics(x, y, orders, len(x)), surface, 0.1, 0.0, start=(2.0, 2.0))
    gd = gd_path(surface, 0.1, steps=15, start=(2.0, 2.0), tol=0.0)
    np.testing.assert_allclose(sgd.path, gd.path, rtol=1e-9, atol=1e-12)  # shuffling cannot matter
    assert "fell at every step" in sgd.status


def test_divergence_step_is_named():
    # x = (1, -1), y = 0: theta* = 0 and the excess loss is |theta|^2. Sample x = 1 alone has
    # Hessian 2 [[1, 1], [1, 1]] (eigenvalue 4 along (1, 1)): with lr = 1 it multiplies w + b by
    # -3 and the loss by 9; sample x = -1 leaves theta = c (1, 1) alone. Visiting x = 1 first in
    # each epoch, the loss is 9^k after step 2k - 1: 9^4 = 6561 > 1000 first at step 7.
    surface = linear_regression_surface([1.0, -1.0], [0.0, 0.0])
    stats = batch_statistics([1.0, -1.0], [0.0, 0.0], [[0, 1]] * 10, batch_size=1)
    frame = sgd_path(stats, surface, 1.0, 0.0, start=(1.0, 1.0))
    assert frame.diverged_at == 7 and not frame.ok
    assert frame.status.startswith("diverged at step 7 (epoch 3.50)")
    np.testing.assert_allclose(frame.excess_loss, 2.0 * 9.0 ** np.array([0, 1, 1, 2, 2, 3, 3, 4]))


def test_small_batches_are_noisy_and_decay_quiets_them(data):
    x, y = data
    surface = linear_regression_surface(x, y)
    stats = batch_statistics(x, y, shuffled_orders(len(x), 20, np.random.default_rng(4)), 1)
    constant = sgd_path(stats, surface, 0.1, 0.0)
    decayed = sgd_path(stats, surface, 0.1, 3.0)
    assert "rose at" in constant.status and constant.ok
    # In the last epoch the decayed run moves 1 + 3 * 19 = 58 times less per unit of gradient.
    spread = [np.ptp(f.path[-50:], axis=0).max() for f in (constant, decayed)]
    assert spread[1] < spread[0] / 5


@pytest.mark.parametrize("call, word", [
    (lambda x, y, o: batch_statistics(x, y, o, 0), "batch_size"),
    (lambda x, y, o: batch_statistics(x, y, o, 51), "batch_size"),
    (lambda x, y, o: batch_statistics(x, y, o[:, ::-1][:, 1:], 5), "orders"),
    (lambda x, y, o: batch_statistics(x, y, np.zeros_like(o), 5), "permutations"),
    (lambda x, y, o: learning_rates(0.0, 1.0, 3, 1), "learning_rate"),
    (lambda x, y, o: learning_rates(0.1, -1.0, 3, 1), "decay"),
    (lambda x, y, o: shuffled_orders(0, 2, np.random.default_rng(0)), "n_samples"),
])
def test_bad_arguments_raise(data, call, word):
    x, y = data
    orders = shuffled_orders(len(x), 2, np.random.default_rng(0))
    with pytest.raises(ValueError, match=word):
        call(x, y, orders)


def test_widget_controls_redraw_and_extremes_still_draw(data):
    x, y = data
    ui = SGDPathWidget(x, y, epochs=4, start=(-2.0, 2.0), batch_size=8, learning_rate=0.05)
    first = ui.live.png
    ui.controls["batch_size"].value = 1
    assert len(ui.frame.path) == 4 * 50 + 1 and ui.frame.ok
    lr = ui.controls["learning_rate"]
    lr.value = 10 ** lr.max  # just below full batch's 2 / lambda_max: single samples are far steeper
    assert ui.frame.diverged_at is not None and "diverged at step" in ui.status.value
    assert len(ui.curve.get_xdata()) > 0 and ui.live.png != first  # still draws what happened
    ui.controls["batch_size"].value = 50
    assert ui.frame.diverged_at is None  # full batch, just below its bound: converges, slowly
    lr.value = 10 ** lr.min
    ui.controls["decay"].value = 5.0
    assert ui.frame.ok and ui.frame.learning_rate[-1] == pytest.approx(lr.value / (1 + 5.0 * 3))
    assert len(ui.reference.get_xdata()) == 5  # the full-batch reference: one point per epoch


def test_widget_rejects_a_batch_size_it_cannot_show(data):
    with pytest.raises(ValueError, match="batch_size"):
        SGDPathWidget(*data, batch_size=3)


@pytest.mark.parametrize("batch_size", [1, 7, 50])
def test_path_equals_course_fit_with_the_same_batch_order(data, batch_size):
    """sgd_path replays training.fit exactly when it is given fit's batch order (tol 1e-10)."""
    from course_lib.optim import SGD
    from course_lib.training import fit

    x, y = data
    start = {"W": np.array([[0.5]]), "b": np.array([1.5])}
    h = fit(LinearRegression(1), x[:, None], y, batch_size=batch_size, epochs=3, optimizer=SGD(),
            learning_rate=0.04, params=start, rng=9)
    frame = sgd_path(batch_statistics(x, y, h.batch_order, batch_size), linear_regression_surface(x, y),
                     0.04, 0.0, start=(0.5, 1.5))
    np.testing.assert_allclose(frame.path[-1], [h.params["W"][0, 0], h.params["b"][0]], rtol=1e-10)
    # shuffled_orders draws exactly fit's permutations from the same seed
    np.testing.assert_array_equal(shuffled_orders(len(x), 3, np.random.default_rng(9)), h.batch_order)


@pytest.mark.tf
def test_path_equals_the_gradient_tape_twin():
    """On random data, sgd_path equals tf_twins.training.fit_tf (float64, same order; tol 1e-9)."""
    import keras

    from course_lib.tf_twins.training import fit_tf

    rng = np.random.default_rng(31)
    x, y = rng.normal(0.0, 1.5, 30), rng.normal(0.0, 1.0, 30)
    start = rng.normal(0.0, 1.0, 2)
    lr = 0.03125  # exact in float32, the type of Keras's learning-rate variable
    h = fit_tf(LinearRegression(1), x[:, None], y, batch_size=4, epochs=2, optimizer=keras.optimizers.SGD(lr),
               params={"W": start[:1, None], "b": start[1:]}, rng=3, dtype="float64")
    frame = sgd_path(batch_statistics(x, y, h.batch_order, 4), linear_regression_surface(x, y), lr,
                     start=start)
    np.testing.assert_allclose(frame.path[-1], [h.params["W"][0, 0], h.params["b"][0]], rtol=1e-9)


# ---- every control moves the frame the way it means (section 5 of issue 9) ----------------

@pytest.fixture(scope="module")
def explorer(data):
    return SGDPathWidget(*data, epochs=3, start=(-2.0, 2.0), batch_size=8, learning_rate=0.05)


def test_the_batch_size_slider_sets_the_steps_per_epoch(explorer, data):
    # n = 50 samples: ceil(50 / B) steps per epoch, 3 epochs; each step averages its batch
    for b in (1, 2, 8, 32, 50):
        explorer.controls["batch_size"].value = b
        per = -(-50 // b)
        assert len(explorer.frame.path) == 3 * per + 1, b
        assert explorer.frame.epoch[per] == 1.0 and f"of {b} sample" in explorer.frame.status
        # the zoomed cloud shows the last epoch's iterates
        assert len(explorer.cloud.get_xdata()) == per + 1


def test_the_batch_size_slider_replays_sgd_on_those_batches(explorer, data):
    # first step by hand: the mean gradient of the first batch of the first shuffled epoch
    x, y = data
    explorer.controls["batch_size"].value = 8
    order = shuffled_orders(50, 3, np.random.default_rng(0))[0][:8]
    lr = explorer.controls["learning_rate"].value
    w, b = -2.0, 2.0
    r = w * x[order] + b - y[order]
    want = (w - lr * 2 * np.mean(r * x[order]), b - lr * 2 * np.mean(r))
    np.testing.assert_allclose(explorer.frame.path[1], want, rtol=1e-12)


def test_the_learning_rate_slider_scales_the_first_step(explorer):
    explorer.controls["batch_size"].value = 50        # full batch: the step is -lr * gradient
    explorer.controls["decay"].value = 0.0
    steps = {}
    for lr in (0.01, 0.04):
        explorer.controls["learning_rate"].value = lr
        steps[lr] = explorer.frame.path[1] - explorer.frame.path[0]
        assert explorer.frame.learning_rate[0] == lr
    np.testing.assert_allclose(steps[0.04], 4 * steps[0.01], rtol=1e-12)


def test_the_decay_slider_is_keras_inverse_time_decay_per_epoch(explorer):
    explorer.controls["batch_size"].value = 8          # 7 steps per epoch
    explorer.controls["learning_rate"].value = 0.02
    for decay in (0.0, 0.5, 5.0):
        explorer.controls["decay"].value = decay
        t = np.arange(len(explorer.frame.learning_rate))
        np.testing.assert_allclose(explorer.frame.learning_rate, 0.02 / (1 + decay * t / 7), rtol=1e-12)
    assert "final lr 0.00" in explorer.frame.status or explorer.frame.learning_rate[-1] < 0.02


def test_widget_defaults_and_refusals(data):
    ui = SGDPathWidget(*data)
    v = {k: c.value for k, c in ui.controls.items()}
    assert v == {"batch_size": 1, "learning_rate": 0.05, "decay": 0.0}   # decay 0: a constant rate
    for kwargs, word in [({"learning_rate": 10.0}, "learning_rate"), ({"decay": 6.0}, "decay"),
                         ({"epochs": 10**6}, "epochs"), ({"batch_size": 3}, "batch_size"),
                         ({"start": (1e200, 0.0)}, "start")]:
        with pytest.raises(ValueError, match=word):
            SGDPathWidget(*data, **kwargs)


def test_sgd_path_keeps_no_overflowed_iterate(data):
    x, y = data
    stats = batch_statistics(x, y, shuffled_orders(50, 1, np.random.default_rng(0)), 50)
    f = sgd_path(stats, linear_regression_surface(x, y), 1e300)
    assert f.diverged_at == 1 and len(f.path) == 1 and np.all(np.isfinite(f.excess_loss))
    assert len(f.learning_rate) == 1 and "diverged at step 1" in f.status


# ---- what mutation testing found unchecked (make mutation PATHS=course_lib/widgets/sgd_path.py) ----

import re  # noqa: E402
import warnings  # noqa: E402

from course_lib.widgets.sgd_path import BatchStatistics  # noqa: E402


def test_batch_statistics_record_checks():
    base = dict(sxx=[1.0, 2.0], sx=[1.0, -1.0], count=[1, 2], sxy=[0.0, 1.0], sy=[0.5, 0.5], batch_size=2,
                steps_per_epoch=2)
    s = BatchStatistics(**base)
    assert all(isinstance(getattr(s, k), np.ndarray) and getattr(s, k).dtype == float
               for k in ("sxx", "sx", "count", "sxy", "sy"))
    assert BatchStatistics(**{**base, "sx": [1e150, -1e150]}).sx.max() == 1e150
    for change, text in [({"sxx": [1.0]}, r"^sxx, sx, count, sxy and sy must have one value per step, got lengths "
                                          r"\[1, 2, 2, 2, 2\]$"),
                         ({"count": [0.5, 1.0]}, r"^count must be >= 1 \(samples per batch\), sxx >= 0 and at most "
                                                 r"1000000 steps$"),
                         ({"sxx": [-1e-9, 1.0]}, r"^count must be >= 1"),
                         ({"sxy": [float(np.nextafter(1e150, np.inf)), 0.0]}, r"^sxx, sx, sxy and sy must lie within "
                                                                               r"±1e150 \(standardize x and y\)$"),
                         ({"sy": [[0.5, 0.5]]}, r"^sy must"), ({"sxx": "a"}, r"^sxx must"), ({"sx": [np.nan, 0]}, r"^sx must"),
                         ({"count": [[1, 2]]}, r"^count must"), ({"sxy": [[0.0, 1.0]]}, r"^sxy must"),
                         ({"batch_size": 0}, r"^batch_size must"), ({"steps_per_epoch": 0}, r"^steps_per_epoch must"),
                         ({"steps_per_epoch": 3}, r"^steps_per_epoch must be an integer >= 1 and <= 2")]:
        with pytest.raises(ValueError, match=text):
            BatchStatistics(**{**base, **change})
    n = 1_000_001
    with pytest.raises(ValueError, match="at most 1000000 steps"):
        BatchStatistics(np.ones(n), np.ones(n), np.ones(n), np.ones(n), np.ones(n), 1, 1)


def test_shuffled_orders_recipe_and_limits():
    orders = shuffled_orders(5, 3, np.random.default_rng(7))
    rng = np.random.default_rng(7)
    assert orders.tolist() == [rng.permutation(5).tolist() for _ in range(3)]
    assert shuffled_orders(1000, 1000, np.random.default_rng(0)).shape == (1000, 1000)   # 1e6 visits: the limit
    assert shuffled_orders(1, 1, np.random.default_rng(0)).tolist() == [[0]]
    for args, text in [((1000, 1001), r"^epochs must be an integer >= 1 and <= 1000, got 1001$"),
                       ((5, 0), r"^epochs must"), ((1_000_001, 1), r"^n_samples must"), ((0, 1), r"^n_samples must")]:
        with pytest.raises(ValueError, match=text):
            shuffled_orders(*args, np.random.default_rng(0))
    with pytest.raises(TypeError, match=r"^rng must be a numpy Generator \(np.random.default_rng\(seed\)\), got int$"):
        shuffled_orders(3, 1, 0)


def test_batch_statistics_limits_and_messages():
    x, y = np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 1.0])
    s = batch_statistics(x, y, [[2, 0, 1], [0, 1, 2]], batch_size=2)   # batches {3, 1}, {2}; {1, 2}, {3}
    assert s.count.tolist() == [2, 1, 2, 1] and s.steps_per_epoch == 2 and s.batch_size == 2
    assert s.sxx.tolist() == [10.0, 4.0, 5.0, 9.0] and s.sxy.tolist() == [4.0, 0.0, 1.0, 3.0]
    assert s.sx.tolist() == [4.0, 2.0, 3.0, 3.0] and s.sy.tolist() == [2.0, 0.0, 1.0, 1.0]
    assert batch_statistics(x, y, [[0, 1, 2]], 3).count.tolist() == [3.0]          # batch_size = n: one step
    assert batch_statistics([1e75, 0.0], [0.0, -1e75], [[0, 1]], 1).sxx.max() == pytest.approx(1e150, rel=1e-15)
    big = float(np.nextafter(1e75, np.inf))
    for args, text in [(([big, 0.0], [0.0, 1.0], [[0, 1]], 1), r"^x and y must lie within ±1e75 \(their batch sums"),
                       (([0.0, 1.0], [0.0, -big], [[0, 1]], 1), r"^x and y must lie within ±1e75"),
                       ((x, y, [[0, 1.5, 2]], 1), r"^orders must hold whole sample indices, at most 1000000 in all$"),
                       ((x, y[:2], [[0, 1, 2]], 1), r"^y must have 3 values like x, got 2$"),
                       ((x, y, [[0, 1]], 1), r"^orders must be permutations of range\(3\) \(one row per epoch\), "
                                             r"got shape \(1, 2\)$"),
                       ((x, y, [[0, 0, 2]], 1), r"^orders must be permutations of range\(3\)"),
                       ((x, y, [[0, 1, 2]], 4), r"^batch_size must be an integer >= 1 and <= 3, got 4$"),
                       (([[1.0, 2.0]], y, [[0, 1]], 1), r"^x must"), ((x, [[1.0]], [[0, 1, 2]], 1), r"^y must"),
                       ((x, y, [0, 1, 2], 1), r"^orders must")]:
        with pytest.raises(ValueError, match=text):
            batch_statistics(*args)
    with pytest.raises(ValueError, match=r"^orders must hold whole sample indices, at most 1000000"):
        batch_statistics(np.zeros(1), np.zeros(1), np.zeros((1_000_001, 1)), 1)


def test_learning_rates_limits():
    assert learning_rates(0.1, 0.0, 1, 1).tolist() == [0.1] and len(learning_rates(0.1, 0.0, 1_000_000, 7)) == 10**6
    np.testing.assert_allclose(learning_rates(0.3, 2.0, 4, 2), 0.3 / (1 + 2.0 * np.arange(4) / 2), rtol=1e-15)
    with warnings.catch_warnings():
        warnings.simplefilter("error")     # a huge decay: every rate after step 0 is 0, quietly
        r = learning_rates(0.1, 1e308, 3, 1)         # 0.1 / (1 + 1e308), then 0.1 / inf
    assert r[0] == 0.1 and r[1] == pytest.approx(1e-309, rel=1e-6) and r[2] == 0.0
    for args, text in [((0.1, 0.0, 0, 1), r"^steps must"), ((0.1, 0.0, 1_000_001, 1), r"^steps must"),
                       ((0.1, 0.0, 3, 0), r"^steps_per_epoch must"), ((0.1, np.inf, 3, 1), r"^decay must"),
                       ((np.inf, 0.0, 3, 1), r"^learning_rate must")]:
        with pytest.raises(ValueError, match=text):
            learning_rates(*args)


def test_divergence_uses_the_full_quadratic_form_with_its_cross_term():
    # off-centre x = (1, 2): the Hessian has an off-diagonal term, so the limit 1000 x L(start) - L*
    # (computed here as the mean squared error minus its minimum) depends on it
    x, y = np.array([1.0, 2.0]), np.array([0.0, 1.0])        # y = x - 1 exactly: L* = 0
    surface = linear_regression_surface(x, y)
    stats = batch_statistics(x, y, [[1, 0]] * 30, batch_size=1)
    start = np.array([0.3, -0.2])
    mse = lambda th: np.mean((th[0] * x + th[1] - y) ** 2)   # noqa: E731
    for lr in (0.3, 0.45, 0.6):
        f = sgd_path(stats, surface, lr, 0.0, start=start)
        theta, want = start.copy(), None                      # plain SGD on one sample per step
        for t in range(1, 61):
            i = [1, 0][(t - 1) % 2]
            r = theta[0] * x[i] + theta[1] - y[i]
            theta = theta - lr * 2 * r * np.array([x[i], 1.0])
            if not mse(theta) <= 1000 * mse(start):
                want = t
                break
        assert f.diverged_at == want, lr
    assert want is not None and f.status.startswith(f"diverged at step {want} (epoch {want / 2:.2f}): loss above "
                                                    "1000× its start; lower the learning rate or raise the batch size")
    assert f.ok is False and len(f.path) == want + 1 and len(f.learning_rate) == want
    # from (1, 9), ten above b* = -1 with w = w*: the b-term of the form alone decides the step
    start = np.array([1.0, 9.0])
    for lr in (0.45, 0.6):
        f = sgd_path(stats, surface, lr, 0.0, start=start)
        theta, want = start.copy(), None
        for t in range(1, 61):
            i = [1, 0][(t - 1) % 2]
            theta = theta - lr * 2 * (theta[0] * x[i] + theta[1] - y[i]) * np.array([x[i], 1.0])
            if not mse(theta) <= 1000 * mse(start):
                want = t
                break
        assert f.diverged_at == want and want is not None, lr
    with pytest.raises(ValueError, match=r"^start \[1e\+200, 0.0\] is too far from the minimum"):
        sgd_path(stats, surface, 0.1, start=(1e200, 0.0))
    with pytest.raises(TypeError, match=r"^stats must be BatchStatistics \(from batch_statistics\), got str$"):
        sgd_path("s", surface, 0.1)
    with pytest.raises(TypeError, match=r"^surface must be a LossSurface"):
        sgd_path(stats, "s", 0.1)


def test_status_sentence_of_a_run_in_full():
    x, y = np.array([1.0, -1.0]), np.array([1.0, -1.0])
    surface = linear_regression_surface(x, y)             # A = I: full-batch GD shrinks the loss every step
    f = sgd_path(batch_statistics(x, y, [[0, 1]], 2), surface, 0.25)
    assert f.status == "1 epoch × 1 step of 2 samples: excess loss 2.5e-01; the full-data loss fell at every step " \
                       "of the last epoch; final lr 0.25" and f.ok is True
    stats = batch_statistics(x, y, [[0, 1], [1, 0], [0, 1]], 1)
    f = sgd_path(stats, surface, 0.1, 1.0)                 # rates 0.1 / (1 + t / 2): final 0.1 / 3.5
    assert f.status.startswith("3 epochs × 2 steps of 1 sample: excess loss ")
    assert f.status.endswith(f"; final lr {0.1 / 3.5:.3g}")
    loss = np.array([np.mean((w * x + b - y) ** 2) for w, b in f.path])   # independent of the frame
    rose = np.mean(np.diff(loss[-3:]) > 1e-15)
    assert (f"rose at {rose:.0%} of the last epoch's steps (gradient noise)" in f.status) == (rose > 0)
    assert f"excess loss {loss[-1] - 0.0:.1e};" in f.status


def test_widget_sliders_figure_and_show(data, monkeypatch):
    import course_lib.widgets._live as live
    from matplotlib.colors import to_hex

    x, y = data
    n = len(x)
    H = 2 / n * np.array([[x @ x, x.sum()], [x.sum(), n]])
    top = np.floor(100 * np.log10(2 / np.linalg.eigvalsh(H).max())) / 100     # rounded down to 0.01
    ui = SGDPathWidget(x, y, epochs=2, seed=3, batch_size=50, learning_rate=10 ** (top - 3), decay=5.0)
    c = ui.controls
    assert c["batch_size"].options == (1, 2, 4, 8, 16, 32, 50) and c["batch_size"].description == "batch size"
    lr = c["learning_rate"]
    assert (lr.min, lr.max) == pytest.approx((top - 3, top)) and (lr.step, lr.base, lr.readout_format) == (0.05, 10, ".3g")
    assert (c["decay"].min, c["decay"].max, c["decay"].step, c["decay"].value) == (0.0, 5.0, 0.1, 5.0)
    assert [w.description for w in c.values()] == ["batch size", "learning rate", "decay"]
    assert all(w.style.description_width == "initial" for w in c.values())
    for kwargs, word in [({"learning_rate": 10 ** (top - 3) * 0.99}, "learning_rate"),
                         ({"learning_rate": 10**top * 1.01}, "learning_rate"), ({"decay": -0.1}, "decay"),
                         ({"decay": 5.01}, "decay"), ({"epochs": 0}, "epochs"), ({"epochs": 2001}, "epochs"),
                         ({"seed": -1}, "seed"), ({"batch_size": 0}, "batch_size"), ({"batch_size": 3}, "batch_size"),
                         ({"x": x[:, None]}, "x"),
                         ({"y": y[:, None]}, "y")]:
        args = {"x": x, "y": y, **kwargs}
        with pytest.raises(ValueError, match=rf"^{word} must"):
            SGDPathWidget(args.pop("x"), args.pop("y"), **args)
    # the seed sets the batch order of every epoch
    assert ui.stats[8].sx.tolist() == batch_statistics(x, y, shuffled_orders(50, 2, np.random.default_rng(3)), 8).sx.tolist()
    # figure: whole path and a x20 zoom around the minimum, the loss panel over the epochs
    assert (ui.ax_path.get_title(), ui.ax_zoom.get_title()) == ("whole path", "last epoch, zoomed ×20")
    w0, w1 = ui.ax_path.get_xlim()
    z0, z1 = ui.ax_zoom.get_xlim()
    half = 1.3 * np.abs(ui.start - ui.surface.bowl.minimizer).max()
    assert (w1 - w0) == pytest.approx(2 * half) and (z1 - z0) == pytest.approx(2 * half / 20)
    excess0 = float(ui.surface.bowl.loss(ui.start))
    assert ui.ax_loss.get_xlim() == (0, 2) and ui.ax_loss.get_ylim() == pytest.approx((1e-9 * excess0, 1e4 * excess0))
    assert (ui.ax_loss.get_xlabel(), ui.ax_loss.get_ylabel(), ui.ax_loss.get_title()) == (
        "epoch", "L(θ) − L* on all data (log)", "excess loss per step")
    assert [t.get_text() for t in ui.ax_loss.get_legend().get_texts()] == ["this batch size", "full batch, same lr"]
    # full batch: 1 step per epoch, 2 epochs; the second step's rate is lr / (1 + 5 x 1)
    assert ui.note.get_text() == f"final lr {10 ** (top - 3) / 6:.2g}" and to_hex(ui.note.get_color()) == "#1a7f37"
    np.testing.assert_allclose(ui.reference.get_ydata(), np.maximum(ui.frame.excess_loss, 1e-9 * excess0))
    c["batch_size"].value = 1
    c["decay"].value = 0.0
    c["learning_rate"].value = 10**top                     # single samples: far beyond their stable rate
    assert ui.note.get_text() == "diverged" and to_hex(ui.note.get_color()) == "#b42318"
    shown = []
    monkeypatch.setattr(live, "display", lambda obj, **kw: shown.append(obj))
    ui.show()
    box, image = shown
    assert list(box.children[0].children) == list(c.values()) and box.children[1] is ui.status
    assert image.data == ui.live.png


def test_a_long_run_is_drawn_thinned_to_about_700_points():
    x = np.linspace(-1, 1, 100)
    ui = SGDPathWidget(x, 0.5 * x, epochs=20, batch_size=1, learning_rate=0.05)   # 2,000 steps
    every = 2001 // 700                                       # = 2
    assert len(ui.frame.path) == 2001 and len(ui.line.get_xdata()) == len(range(0, 2001, every))
    np.testing.assert_array_equal(ui.line.get_xdata(), ui.frame.path[::every, 0])
    np.testing.assert_array_equal(ui.curve.get_xdata(), ui.frame.epoch[::every])
    assert len(ui.cloud.get_xdata()) == 101                   # the last epoch: 100 steps and the one before
