"""The schedule explorer of notebook 02: its schedules, its SGD runs, its status line, its controls."""
import numpy as np
import pytest

from course_lib import schedules
from course_lib.models import LinearRegression
from course_lib.widgets.schedules import (DIVERGED, SCHEDULES, USES, ScheduleExplorer, build_schedule,
                                          diabetes_problem, least_squares_problem, linear_warmup,
                                          schedule_frame, sgd_excess_loss)

STEPS = np.arange(400)


@pytest.fixture(scope="module")
def problem():
    return diabetes_problem()


@pytest.fixture(scope="module")
def toy():
    # X = [[1], [-1]], y = [1, -1] with a bias column: X_b^T X_b = 2I, so every batch (both
    # samples) has G = (2/2) * 2I = 2I, w* = (1, 0) and A = I. One SGD step with rate lr maps
    # the gap w - w* to (1 - 2 lr) (w - w*), so L(w_t) - L* = prod_s (1 - 2 lr_s)^2.
    return least_squares_problem([[1.0], [-1.0]], [1.0, -1.0], batch_size=2, steps=30)


# --- schedules built from the controls: known values from the formulas ---------------------

def test_each_schedule_follows_its_formula():
    t = STEPS.astype(float)
    cases = {
        ("exponential_decay", False): 0.2 * 0.5 ** (t / 100),
        ("exponential_decay", True): 0.2 * 0.5 ** np.floor(t / 100),
        ("inverse_time_decay", False): 0.2 / (1 + 0.5 * t / 100),
        ("inverse_time_decay", True): 0.2 / (1 + 0.5 * np.floor(t / 100)),
        ("linear_decay", False): 0.2 - (0.2 - 0.02) * np.minimum(t, 100) / 100,
        ("cosine_decay", False): 0.02 + (0.2 - 0.02) * 0.5 * (1 + np.cos(np.pi * np.minimum(t, 100) / 100)),
        ("constant", False): np.full(400, 0.2),
    }
    for (name, stairs), expected in cases.items():
        got = build_schedule(name, 0.2, decay_rate=0.5, decay_steps=100, staircase=stairs,
                             end_learning_rate=0.02)(STEPS)
        np.testing.assert_allclose(got, expected, rtol=1e-12, err_msg=name)


def test_step_schedule_halves_after_each_boundary_keras_style():
    # boundaries 100, 200, 300; Keras's PiecewiseConstantDecay keeps the old value AT a boundary
    lr = build_schedule("piecewise_constant", 0.4, decay_rate=0.5, decay_steps=100)(STEPS)
    assert lr[100] == 0.4 and lr[101] == 0.2 and lr[200] == 0.2 and lr[201] == 0.1 and lr[399] == 0.05


def test_warmup_on_cosine_is_keras_cosine_decay_with_warmup():
    # independent implementation: course_lib's cosine_decay with Keras's warmup arguments
    ours = linear_warmup(schedules.cosine_decay(0.3, 200, alpha=0.1), 50)(STEPS)
    keras_like = schedules.cosine_decay(0.0, 200, alpha=0.1, warmup_target=0.3, warmup_steps=50)(STEPS)
    np.testing.assert_allclose(ours, keras_like, rtol=1e-12, atol=1e-15)


def test_warmup_ramps_from_zero_then_shifts_the_schedule():
    base = schedules.exponential_decay(0.1, 10, 0.5)
    lr = linear_warmup(base, 20)(np.arange(40))
    np.testing.assert_allclose(lr[:20], 0.1 * np.arange(20) / 20)
    np.testing.assert_allclose(lr[20:], base(np.arange(20)))
    assert linear_warmup(base, 0) is base


@pytest.mark.parametrize("kwargs, word", [
    ({"name": "adam"}, "name"), ({"initial_learning_rate": 0.0}, "initial_learning_rate"),
    ({"decay_steps": 0}, "decay_steps"), ({"end_learning_rate": -0.1}, "end_learning_rate"),
    ({"warmup_steps": -1}, "warmup_steps"), ({"decay_rate": 0.0}, "decay_rate"),
])
def test_bad_arguments_say_what_is_allowed(kwargs, word):
    args = {"name": "exponential_decay", "initial_learning_rate": 0.1, **kwargs}
    if kwargs.get("decay_rate") == 0.0:
        args["name"] = "piecewise_constant"
    with pytest.raises(ValueError, match=word):
        build_schedule(**args)


def test_bad_problem_arguments():
    with pytest.raises(ValueError, match="batch_size"):
        least_squares_problem(np.ones((4, 1)), np.ones(4), batch_size=5)
    with pytest.raises(ValueError, match="steps"):
        least_squares_problem(np.ones((4, 1)), np.ones(4), batch_size=2, steps=0)


# --- the SGD runs ------------------------------------------------------------------------------

def test_toy_problem_follows_the_closed_form(toy):
    rng = np.random.default_rng(1)
    rates = rng.uniform(0.01, 0.9, size=(3, 30))
    for lr, (curve, diverged) in zip(rates, sgd_excess_loss(toy, rates)):
        expected = np.concatenate([[1.0], np.cumprod((1 - 2 * lr) ** 2)])
        # float64 rounding of w near w* = (1, 0) leaves ~1e-16 in the gap: atol covers its square
        np.testing.assert_allclose(curve, expected, rtol=1e-9, atol=1e-14)
        assert diverged is None


def test_divergence_is_detected_at_the_step_derived_by_hand(toy):
    # lr = 1.5: the gap is multiplied by 1 - 3 = -2, the excess by 4 per step;
    # 4^9 = 262144 <= 1e6 < 4^10, so the run diverges at step 10 and keeps steps 0..9.
    (curve, diverged), = sgd_excess_loss(toy, np.full((1, 30), 1.5))
    assert DIVERGED == 1e6 and diverged == 10
    np.testing.assert_allclose(curve, 4.0 ** np.arange(10))


def test_matches_plain_sgd_with_the_model_gradients(problem):
    """Independent check: the same batches stepped with LinearRegression.loss_and_grad (1e-9)."""
    from course_lib.data import load_diabetes, standardize, train_val_test_split
    d = load_diabetes()
    split, _ = standardize(train_val_test_split(d.X, d.y, seed=0))
    X, y = split.X_train, (split.y_train - split.y_train.mean()) / split.y_train.std()
    model = LinearRegression(X.shape[1])
    params = {"W": np.zeros((X.shape[1], 1)), "b": np.zeros(1)}
    lr = build_schedule("cosine_decay", 0.1, decay_steps=300, warmup_steps=20)(np.arange(120))
    best = {"W": problem.w_star[:-1, None], "b": problem.w_star[-1:]}
    expected = [model.loss(params, X, y) - model.loss(best, X, y)]
    for t in range(120):
        _, grads = model.loss_and_grad(params, X[problem.batches[t]], y[problem.batches[t]])
        params = {k: params[k] - lr[t] * grads[k] for k in params}
        expected.append(model.loss(params, X, y) - model.loss(best, X, y))
    (curve, diverged), = sgd_excess_loss(problem, lr[None, :])
    assert diverged is None
    np.testing.assert_allclose(curve, expected, rtol=1e-9, atol=1e-12)


def test_start_elsewhere_follows_the_closed_form(toy):
    # from w = (1.5, 0): the gap to w* = (1, 0) is (0.5, 0), so L - L* = 0.25 * prod_s (1 - 2 lr_s)^2
    lr = np.random.default_rng(2).uniform(0.01, 0.9, size=30)
    (curve, diverged), = sgd_excess_loss(toy, lr[None, :], start=[1.5, 0.0])
    expected = 0.25 * np.concatenate([[1.0], np.cumprod((1 - 2 * lr) ** 2)])
    np.testing.assert_allclose(curve, expected, rtol=1e-9, atol=1e-14)
    with pytest.raises(ValueError, match="start must hold 2 weights"):
        sgd_excess_loss(toy, lr[None, :], start=[1.0, 0.0, 0.0])


def test_independent_batches_are_drawn_afresh_at_every_step():
    p = diabetes_problem(steps=400, seed=0, reshuffle=False)
    assert p.batches.shape == (400, 16)
    assert all(len(np.unique(row)) == 16 for row in p.batches)    # B distinct samples per batch
    first_epoch = p.batches[:266 // 16].ravel()
    assert len(np.unique(first_epoch)) < first_epoch.size           # but repeats across steps
    assert np.array_equal(p.batches, diabetes_problem(steps=400, seed=0, reshuffle=False).batches)


def test_independent_batches_give_the_first_order_noise_floor():
    """Started at w*, SGD with independent batches settles at E[L - L*] = lr tr(C) / 4 + O(lr^2).

    C, the covariance of a batch gradient at w*, is computed here from the per-sample gradients
    g_i = 2 x_i (x_i . w* - y_i): tr C = (n - B) / (B (n - 1)) mean_i |g_i|^2 (B distinct samples
    of n). Statistical, seeded: lr = 0.01, mean over steps 1000..4000; seeds 0-2 give 0.94-1.02
    times the prediction, so the tolerance is 10 %. Reshuffled epochs must stay far below it.
    """
    from course_lib.data import load_diabetes, standardize, train_val_test_split
    d = load_diabetes()
    split, _ = standardize(train_val_test_split(d.X, d.y, seed=0))
    y = (split.y_train - split.y_train.mean()) / split.y_train.std()
    Xb = np.c_[split.X_train, np.ones(len(y))]
    n, B, lr = len(y), 16, 0.01
    w_star = np.linalg.lstsq(Xb, y, rcond=None)[0]
    g = 2 * Xb * (Xb @ w_star - y)[:, None]
    predicted = lr * (n - B) / (B * (n - 1)) * np.mean(np.sum(g**2, axis=1)) / 4
    floors = {}
    for reshuffle in (False, True):
        p = diabetes_problem(steps=4000, seed=0, reshuffle=reshuffle)
        (curve, _), = sgd_excess_loss(p, np.full((1, 4000), lr), start=p.w_star)
        floors[reshuffle] = curve[1000:].mean()
    assert abs(floors[False] / predicted - 1) < 0.10
    assert floors[True] < 0.5 * predicted


def test_batches_cover_each_epoch_without_repeats(problem):
    per_epoch = 266 // 16  # diabetes training part: 60 % of 442 = 266 samples
    first = problem.batches[:per_epoch].ravel()
    assert problem.batches.shape == (400, 16) and len(np.unique(first)) == first.size


# --- the frame: what is drawn and said ---------------------------------------------------------

def test_frame_for_a_decaying_schedule_beats_the_fixed_rate(problem):
    f = schedule_frame(problem, "exponential_decay", 0.1, decay_rate=0.5, decay_steps=100)
    assert f.ok and f.diverged_at is None and f.excess_loss.size == 401
    np.testing.assert_allclose(f.learning_rate, 0.1 * 0.5 ** (np.arange(400) / 100))
    # the noise floor of SGD scales with the rate: the decayed run ends lower than the fixed one
    assert f.excess_loss[-1] < f.baseline_loss[-1] and "lower than with the fixed rate 0.1" in f.status


def test_frame_reports_divergence_and_still_draws(problem):
    f = schedule_frame(problem, "constant", 0.5)
    assert not f.ok and f.diverged_at is not None and f"diverged at step {f.diverged_at}" in f.status
    assert f.excess_loss.size == f.diverged_at and np.all(np.isfinite(f.excess_loss))


def test_frame_says_when_only_the_fixed_rate_diverges(problem):
    f = schedule_frame(problem, "exponential_decay", 0.4, decay_rate=0.1, decay_steps=20)
    assert f.ok and "the fixed rate 0.4 diverges" in f.status


def test_frame_names_a_rising_rate(problem):
    assert "warmup" in schedule_frame(problem, "cosine_decay", 0.1, warmup_steps=50).status
    assert "rises" in schedule_frame(problem, "linear_decay", 0.01, end_learning_rate=0.05).status


# --- the widget --------------------------------------------------------------------------------

def test_controls_redraw_in_place_and_grey_out_unused_ones(problem):
    ui = ScheduleExplorer(problem)
    first = ui.live.png
    ui.controls["name"].value = "constant"
    assert all(ui.controls[k].disabled for k in ("decay_rate", "decay_steps", "staircase"))
    assert ui.live.png != first and ui.live.png.startswith(b"\x89PNG")
    for name in SCHEDULES:
        ui.controls["name"].value = name
        for key in ("decay_rate", "decay_steps", "staircase", "end_learning_rate"):
            assert ui.controls[key].disabled == (key not in USES[name])
    ui.controls["name"].value = "linear_decay"
    ui.controls["decay_steps"].value = 200
    np.testing.assert_allclose(ui.lr_line.get_ydata(), build_schedule("linear_decay", 0.1, decay_steps=200)(STEPS))


def test_with_warmup_the_rate_control_is_named_the_peak(problem):
    # Keras's CosineDecay(initial_learning_rate, ..., warmup_target) starts the ramp at
    # initial_learning_rate; the explorer's eta_0 is where the ramp ends, so it says "peak".
    ui = ScheduleExplorer(problem, name="cosine_decay", initial_learning_rate=0.2)
    assert ui.controls["initial_learning_rate"].description == "initial rate η₀"
    ui.controls["warmup_steps"].value = 100
    assert ui.controls["initial_learning_rate"].description == "peak rate η₀"
    assert ui.frame.learning_rate[0] == 0.0 and np.isclose(ui.frame.learning_rate.max(), 0.2)
    assert "from 0 to its peak 0.2" in ui.frame.status
    ui.controls["warmup_steps"].value = 0
    assert ui.controls["initial_learning_rate"].description == "initial rate η₀"


def test_extreme_settings_still_draw(problem):
    ui = ScheduleExplorer(problem, name="piecewise_constant")
    c = ui.controls
    extremes = [("decay_steps", c["decay_steps"].min), ("decay_rate", c["decay_rate"].min),
                ("warmup_steps", c["warmup_steps"].max), ("initial_learning_rate", 10 ** c["initial_learning_rate"].max),
                ("initial_learning_rate", 10 ** c["initial_learning_rate"].min), ("name", "linear_decay"),
                ("end_learning_rate", c["end_learning_rate"].max)]
    for key, value in extremes:
        c[key].value = value
        xs, ys = ui.loss_line.get_data()
        assert len(xs) > 0 and np.all(np.isfinite(ys)), key
        low, high = ui.LOSS_LIMITS
        assert np.all((ys >= low) & (ys <= high)), key   # clipped to the fixed axes, still visible
        assert ui.frame.status, key
    c["name"].value, c["warmup_steps"].value = "constant", 0
    assert "diverged" in ui.frame.status or ui.frame.ok


def test_largest_rate_diverges_visibly(problem):
    ui = ScheduleExplorer(problem, name="constant")
    ui.controls["initial_learning_rate"].value = 10 ** ui.controls["initial_learning_rate"].max
    assert not ui.frame.ok and "b42318" in ui.status.value
    assert list(ui.marker.get_xdata()) == [ui.frame.diverged_at]
    ui.controls["initial_learning_rate"].value = 0.05
    assert ui.frame.ok and len(ui.marker.get_xdata()) == 0


# --- the TensorFlow twin: Keras SGD with the Keras schedule object on the same batches --------

@pytest.mark.tf
@pytest.mark.parametrize("name", ["exponential_decay", "piecewise_constant", "cosine_decay"])
def test_keras_sgd_with_the_keras_schedule_gives_the_same_run(problem, name):
    """The widget's run equals Keras SGD driven by the matching Keras schedule, batch for batch.

    Tolerance rtol 1e-5: Keras evaluates its schedules in float32 (rates off by ~1e-7 relative);
    the model itself runs in float64.
    """
    import keras
    import tensorflow as tf

    from course_lib.data import load_diabetes, standardize, train_val_test_split
    from course_lib.tf_twins.models import set_params, to_keras
    from course_lib.tf_twins.schedules import to_keras as schedule_to_keras
    d = load_diabetes()
    split, _ = standardize(train_val_test_split(d.X, d.y, seed=0))
    X, y = split.X_train, (split.y_train - split.y_train.mean()) / split.y_train.std()
    model = LinearRegression(X.shape[1])
    net = to_keras(model, dtype="float64")
    set_params(net, model, {"W": np.zeros((X.shape[1], 1)), "b": np.zeros(1)})
    schedule = build_schedule(name, 0.1, decay_rate=0.5, decay_steps=40)
    optimizer = keras.optimizers.SGD(learning_rate=schedule_to_keras(schedule))
    mse = keras.losses.MeanSquaredError()
    Xb = np.c_[X, np.ones(len(X))]
    keras_curve = [float(problem.initial_excess)]
    for t in range(80):
        xb, yb = tf.constant(X[problem.batches[t]]), tf.constant(y[problem.batches[t]][:, None])
        with tf.GradientTape() as tape:
            loss = mse(yb, net(xb))
        optimizer.apply_gradients(zip(tape.gradient(loss, net.trainable_variables), net.trainable_variables))
        w = np.r_[net.layers[-1].kernel.numpy()[:, 0], net.layers[-1].bias.numpy()]
        keras_curve.append(float(np.mean((Xb @ w - y) ** 2)) - float(np.mean((Xb @ problem.w_star - y) ** 2)))
    (curve, _), = sgd_excess_loss(problem, schedule(np.arange(80))[None, :])
    np.testing.assert_allclose(curve, keras_curve, rtol=1e-5, atol=1e-9)


# ---- every control moves the frame the way it means (section 5 of issue 9) ----------------
# Each expected rate is Keras's formula written out here (keras.optimizers.schedules), not the
# course's schedules: ExponentialDecay lr0 * r^(t/s) (staircase: floor(t/s)); InverseTimeDecay
# lr0 / (1 + r t/s) (staircase: floor); PolynomialDecay(power=1) (lr0 - end)(1 - min(t,s)/s) + end;
# CosineDecay lr0 ((1 - a)(1 + cos(pi min(t,s)/s))/2 + a), a = end/lr0; the step schedule
# lr0 r^k with k the number of boundaries s, 2s, ... strictly below t (PiecewiseConstantDecay);
# warmup w: lr0 t / w for t < w, then the schedule at t - w.

def keras_rate(name, t, lr0, rate, s, stair, end):
    t = np.asarray(t, dtype=float)
    p = np.floor(t / s) if stair else t / s
    if name == "constant":
        return np.full(t.shape, lr0)
    if name == "exponential_decay":
        return lr0 * rate**p
    if name == "inverse_time_decay":
        return lr0 / (1 + rate * p)
    if name == "linear_decay":
        return (lr0 - end) * (1 - np.minimum(t, s) / s) + end
    if name == "cosine_decay":
        a = min(end / lr0, 1.0)
        return lr0 * ((1 - a) * 0.5 * (1 + np.cos(np.pi * np.minimum(t, s) / s)) + a)
    k = np.maximum(np.ceil(t / s) - 1, 0)      # boundaries s, 2s, ... strictly below t
    return lr0 * rate**k


def expected_rates(v, total=400):
    t = np.arange(total)
    w = v["warmup_steps"]
    args = (v["name"], v["initial_learning_rate"], v["decay_rate"], v["decay_steps"], v["staircase"],
            v["end_learning_rate"])
    plain = lambda u: keras_rate(args[0], u, *args[1:])  # noqa: E731
    if not w:
        return plain(t)
    return np.where(t < w, v["initial_learning_rate"] * t / w, plain(np.maximum(t - w, 0)))


@pytest.fixture(scope="module")
def explorer(problem):
    return ScheduleExplorer(problem, name="exponential_decay", initial_learning_rate=0.1)


MOVES = [("name", n) for n in SCHEDULES] + [
    ("initial_learning_rate", 0.02), ("initial_learning_rate", 0.3), ("decay_rate", 0.05), ("decay_rate", 0.9),
    ("decay_steps", 10), ("decay_steps", 250), ("staircase", True), ("staircase", False),
    ("end_learning_rate", 0.03), ("end_learning_rate", 0.1), ("warmup_steps", 60), ("warmup_steps", 0)]


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_every_control_sets_the_rate_by_keras_formula(explorer, name):
    ui = explorer
    ui.controls["name"].value = name
    for key, value in MOVES[len(SCHEDULES):]:
        before = ui.frame.learning_rate.copy()
        ui.controls[key].value = value
        v = ui.values()
        np.testing.assert_allclose(ui.frame.learning_rate, expected_rates(v), rtol=1e-9, atol=1e-15,
                                   err_msg=f"{name}: {key}={value}")
        np.testing.assert_allclose(ui.lr_line.get_ydata(), ui.frame.learning_rate)
        # a control the schedule uses changes the rates; one it does not use is greyed out
        used = key in USES[name] or key in ("initial_learning_rate", "warmup_steps")
        if not used:
            assert ui.controls[key].disabled or key == "initial_learning_rate"
        changed = not np.allclose(before, ui.frame.learning_rate)
        assert changed or not used or _no_op(name, key, value, before, v), (name, key, value)


def _no_op(name, key, value, before, v):
    """Moves that leave the rates as they were by the formula itself (so no change is right)."""
    return np.allclose(before, expected_rates(v))


def test_each_used_control_matters_for_its_schedule(explorer):
    """From a fixed base, every control a schedule uses changes its rates (checked by formula)."""
    ui = explorer
    base = {"initial_learning_rate": 0.1, "decay_rate": 0.5, "decay_steps": 100, "staircase": False,
            "end_learning_rate": 0.02, "warmup_steps": 0}
    other = {"initial_learning_rate": 0.2, "decay_rate": 0.25, "decay_steps": 150, "staircase": True,
             "end_learning_rate": 0.05, "warmup_steps": 40}
    for name in SCHEDULES:
        for key in USES[name] + ("initial_learning_rate", "warmup_steps"):
            ui.controls["name"].value = name
            for k, val in base.items():
                ui.controls[k].value = val
            before = ui.frame.learning_rate.copy()
            ui.controls[key].value = other[key]
            assert not np.allclose(before, ui.frame.learning_rate), (name, key)
            np.testing.assert_allclose(ui.frame.learning_rate, expected_rates(ui.values()), rtol=1e-9,
                                       atol=1e-15)


def test_the_loss_curve_is_sgd_with_the_frame_rates(explorer, problem):
    ui = explorer
    ui.controls["name"].value = "inverse_time_decay"
    ui.controls["warmup_steps"].value = 0
    lr = ui.frame.learning_rate
    w = np.zeros(problem.w_star.size)
    for t in range(20):   # plain SGD, step by step, from the precomputed batch products
        w = w - lr[t] * (problem.G[t] @ w - problem.h[t])
    gap = w - problem.w_star
    assert ui.frame.excess_loss[20] == pytest.approx(gap @ problem.A @ gap, rel=1e-9)


def test_control_defaults_mirror_keras_where_they_can(problem):
    ui = ScheduleExplorer(problem)
    v = ui.values()
    # staircase=False is Keras's default (ExponentialDecay, InverseTimeDecay). The end rate
    # feeds two Keras schedules with different defaults, PolynomialDecay's end_learning_rate
    # (1e-4) and CosineDecay's alpha (0): the explorer starts at 0, decay to zero.
    assert v["staircase"] is False and v["end_learning_rate"] == 0.0 and v["warmup_steps"] == 0
    assert (v["name"], v["initial_learning_rate"], v["decay_rate"], v["decay_steps"]) == \
        ("exponential_decay", 0.1, 0.5, 100)


@pytest.mark.parametrize("kwargs, word", [({"initial_learning_rate": 0.9}, "initial_learning_rate"),
                                          ({"decay_rate": 0.01}, "decay_rate"), ({"decay_steps": 401}, "decay_steps"),
                                          ({"end_learning_rate": 0.2}, "end_learning_rate"),
                                          ({"warmup_steps": 201}, "warmup_steps"), ({"staircase": 1}, "staircase"),
                                          ({"name": "step"}, "name")])
def test_explorer_refuses_values_its_controls_would_clamp(problem, kwargs, word):
    with pytest.raises((ValueError, TypeError), match=word):
        ScheduleExplorer(problem, **kwargs)


@pytest.mark.tf
def test_keras_named_defaults_match_keras_where_one_default_exists():
    import inspect

    import keras
    ours = inspect.signature(ScheduleExplorer).parameters
    for cls in (keras.optimizers.schedules.ExponentialDecay, keras.optimizers.schedules.InverseTimeDecay):
        assert ours["staircase"].default == inspect.signature(cls).parameters["staircase"].default is False
    # the end rate serves two Keras schedules whose defaults differ; the explorer's 0 is CosineDecay's
    assert inspect.signature(keras.optimizers.schedules.CosineDecay).parameters["alpha"].default == 0.0
    assert inspect.signature(keras.optimizers.schedules.PolynomialDecay).parameters[
        "end_learning_rate"].default == 1e-4 != ours["end_learning_rate"].default == 0.0


# ---- what mutation testing found unchecked (make mutation PATHS=course_lib/widgets/schedules.py) ----

import re  # noqa: E402

from course_lib.widgets.schedules import LeastSquaresProblem  # noqa: E402


def _toy(steps=30):
    # the toy of the fixture above, written exactly (lstsq gives w* = 1 - 4e-16): G = 2I, h = 2 w*,
    # w* = (1, 0), A = I, so L(w_t) - L* = prod_s (1 - 2 lr_s)^2 from L(0) - L* = 1
    return LeastSquaresProblem(G=np.tile(2 * np.eye(2), (steps, 1, 1)), h=np.tile([2.0, 0.0], (steps, 1)),
                               A=np.eye(2), w_star=np.array([1.0, 0.0]), initial_excess=1.0,
                               batches=np.zeros((steps, 2)))


def test_least_squares_problem_by_hand():
    X, y = np.array([[1.0], [2.0], [3.0]]), np.array([1.0, 2.0, 2.0])
    p = least_squares_problem(X, y, batch_size=3, steps=2)
    Xb = np.c_[X, np.ones(3)]
    w, b = np.polyfit(X[:, 0], y, 1)                   # independent least squares
    np.testing.assert_allclose(p.w_star, [w, b], rtol=1e-12)
    np.testing.assert_allclose(p.A, Xb.T @ Xb / 3, rtol=1e-12)
    for t in range(2):                                  # a batch of all 3 samples: G and h of the whole set
        np.testing.assert_allclose(p.G[t], 2 / 3 * Xb.T @ Xb, rtol=1e-12)
        np.testing.assert_allclose(p.h[t], 2 / 3 * Xb.T @ y, rtol=1e-12)
    # L(0) - L* = mean(y^2) - mean residual^2
    assert p.initial_excess == pytest.approx(np.mean(y**2) - np.mean((w * X[:, 0] + b - y) ** 2), rel=1e-12)
    assert type(p.initial_excess) is float and p.batches.dtype == np.intp


def test_reshuffled_batches_are_fresh_permutations_without_the_last_incomplete_batch():
    # n = 5, B = 2: an epoch is 2 batches of a fresh permutation's first 4 samples (Keras drops none,
    # the course drops the last incomplete batch so that every step has B samples)
    p = least_squares_problem(np.arange(5.0)[:, None], np.zeros(5), batch_size=2, steps=5, seed=3)
    rng = np.random.default_rng(3)
    order = np.concatenate([rng.permutation(5)[:4] for _ in range(3)])
    assert p.batches.tolist() == order[:10].reshape(5, 2).tolist()
    p = least_squares_problem(np.arange(5.0)[:, None], np.zeros(5), batch_size=2, steps=3, seed=3, reshuffle=False)
    expected = np.random.default_rng(3).permuted(np.tile(np.arange(5), (3, 1)), axis=1)[:, :2]
    assert p.batches.tolist() == expected.tolist()


def test_least_squares_problem_limits_and_messages():
    X, y = np.ones((4, 1)), np.ones(4)
    X[0] = 2.0
    assert least_squares_problem(X, y, batch_size=1, steps=1).G.shape == (1, 2, 2)
    assert least_squares_problem(X, y, batch_size=4, steps=1).batches.shape == (1, 4)
    big = float(np.nextafter(1e75, np.inf))
    assert least_squares_problem([[1e75], [0.0]], [0.0, -1e75], batch_size=2, steps=1).G.shape == (1, 2, 2)
    for kwargs, text in [({"y": np.ones(3)}, r"^y must have one value per row of X \(4\), got 3$"),
                         ({"X": [[big], [0.0]], "y": [0.0, 1.0]}, r"^X and y must lie within ±1e75 \(standardize them\)"),
                         ({"X": [[0.0], [1.0]], "y": [0.0, -big]}, r"^X and y must lie within ±1e75"),
                         ({"X": np.ones(4)}, r"^X must"), ({"y": np.ones((4, 1))}, r"^y must"),
                         ({"batch_size": 0}, r"^batch_size must"), ({"batch_size": 5}, r"^batch_size must.*<= 4"),
                         ({"steps": 0}, r"^steps must"), ({"steps": 100_001}, r"^steps must.*<= 100000"),
                         ({"X": np.ones((4, 9))}, None), ({"reshuffle": "no"}, r"^reshuffle must be True or False, got 'no'$"),
                         ({"seed": -1}, r"^seed must")]:
        if text is None:   # 9 features + bias: (d x d) = 100 numbers per step, at most 5e6 / 100 = 50,000 steps
            with pytest.raises(ValueError, match=r"^steps must.*<= 50000, got 50001"):
                least_squares_problem(np.ones((4, 9)), y, batch_size=1, steps=50_001)
            continue
        with pytest.raises((ValueError, TypeError), match=text):
            least_squares_problem(**{"X": X, "y": y, "batch_size": 2, "steps": 3, **kwargs})
    with pytest.raises(ValueError, match=r"^steps x batch_size must be at most 5000000, got 100000 x 51$"):
        least_squares_problem(np.arange(51.0)[:, None], np.zeros(51), batch_size=51, steps=100_000)
    assert least_squares_problem(X, y, batch_size=1, steps=100_000).G.shape == (100_000, 2, 2)


def test_problem_record_checks_and_converts():
    base = dict(G=np.ones((2, 1, 1)), h=np.ones((2, 1)), A=np.eye(1), w_star=np.ones(1), initial_excess=1,
                batches=[[0.0], [1.0]])
    p = LeastSquaresProblem(**base)
    assert p.batches.dtype == np.intp and type(p.initial_excess) is float and isinstance(p.G, np.ndarray)
    listed = LeastSquaresProblem(G=[[[1.0]]] * 2, h=[[1.0]] * 2, A=[[1.0]], w_star=[1.0], initial_excess=1.0,
                                 batches=[[0], [1]])   # lists in, arrays stored
    assert all(isinstance(getattr(listed, k), np.ndarray) for k in ("G", "h", "A", "w_star"))
    for change, text in [({"batches": [[0.5], [1.0]]}, r"^batches must hold sample indices \(whole numbers >= 0\)$"),
                         ({"batches": [[-1.0], [1.0]]}, r"^batches must hold sample indices"),
                         ({"batches": [0.0, 1.0]}, r"^batches must"), ({"G": np.ones((2, 1))}, r"^G must"),
                         ({"h": np.ones(2)}, r"^h must"), ({"A": np.ones(1)}, r"^A must"),
                         ({"w_star": np.ones((1, 1))}, r"^w_star must"),
                         ({"A": np.eye(2)}, r"^G, h, A and w_star must have shapes \(T, d, d\), \(T, d\), \(d, d\), \(d,\), "
                                            r"got \(2, 1, 1\), \(2, 1\), \(2, 2\), \(1,\)$"),
                         ({"h": np.ones((2, 2))}, r"^G, h, A and w_star"), ({"w_star": np.ones(2)}, r"^G, h, A and w_star"),
                         ({"G": np.ones((2, 1, 2))}, r"^G, h, A and w_star"),
                         ({"batches": [[0.0]] * 3}, r"^G and batches must hold the same number of steps \(at most 100000\), "
                                                    r"got 2 and 3$"),
                         ({"initial_excess": -1e-9}, r"^initial_excess must")]:
        with pytest.raises(ValueError, match=text):
            LeastSquaresProblem(**{**base, **change})
    n = 100_001
    with pytest.raises(ValueError, match=r"at most 100000\), got 100001 and 100001"):
        LeastSquaresProblem(**{**base, "G": np.ones((n, 1, 1)), "h": np.ones((n, 1)), "batches": np.zeros((n, 1))})


def test_diabetes_problem_defaults():
    from course_lib.data import load_diabetes, standardize, train_val_test_split

    p = diabetes_problem()
    d = load_diabetes()
    split, _ = standardize(train_val_test_split(d.X, d.y, seed=0))
    y = (split.y_train - split.y_train.mean()) / split.y_train.std()
    q = least_squares_problem(split.X_train, y, batch_size=16, steps=400, seed=0, reshuffle=True)
    assert p.G.shape == (400, 11, 11) and p.batches.shape == (400, 16)
    np.testing.assert_array_equal(p.batches, q.batches)
    np.testing.assert_allclose(p.w_star, q.w_star, rtol=1e-12)
    other = diabetes_problem(batch_size=8, steps=30, seed=1, reshuffle=False)
    assert other.batches.shape == (30, 8) and not np.array_equal(other.batches[:2], p.batches[:2, :8])


def test_linear_warmup_refusals():
    with pytest.raises(TypeError, match=r"^schedule must be a function step -> learning rate, got str$"):
        linear_warmup("cosine", 5)
    with pytest.raises(ValueError, match=r"^warmup_steps must"):
        linear_warmup(schedules.constant(0.1), -1)

    def broken(t):
        raise ValueError("no")

    with pytest.raises(TypeError, match=r"^schedule must return a number for step 0 \(no\)$"):
        linear_warmup(broken, 3)
    with pytest.raises(ValueError, match=r"^schedule must return one rate for step 0, got shape \(2,\)$"):
        linear_warmup(lambda t: np.array([0.1, 0.2]), 3)
    with pytest.raises(ValueError, match=r"^schedule\(0\), the peak of the warmup must"):
        linear_warmup(lambda t: -0.1, 3)
    assert linear_warmup(lambda t: 0.0 * np.asarray(t) + 0.4, 1)(np.array([0, 1, 5])).tolist() == [0.0, 0.4, 0.4]


def test_build_schedule_defaults_limits_and_messages():
    t = np.arange(401)
    # defaults: decay_rate 0.5 every 100 steps, not staircase, end 0, no warmup, 400 steps
    np.testing.assert_allclose(build_schedule("exponential_decay", 0.1)(t), 0.1 * 0.5 ** (t / 100), rtol=1e-12)
    np.testing.assert_allclose(build_schedule("linear_decay", 0.1)(t), 0.1 * (1 - np.minimum(t, 100) / 100), atol=1e-15)
    assert build_schedule("piecewise_constant", 0.1)(t)[[0, 100, 101, 201, 301, 400]].tolist() == pytest.approx(
        [0.1, 0.1, 0.05, 0.025, 0.0125, 0.0125])
    np.testing.assert_allclose(build_schedule("cosine_decay", 0.1, end_learning_rate=0.5)(t), 0.1)  # alpha capped at 1
    np.testing.assert_allclose(build_schedule("cosine_decay", 0.2, end_learning_rate=0.05)(np.array([100.0])), 0.05)
    # decay_steps beyond total_steps: one boundary, at total_steps; total_steps 1 still has one
    assert build_schedule("piecewise_constant", 1.0, 0.5, 10, total_steps=5)(np.arange(7)).tolist() == [1.0] * 6 + [0.5]
    assert build_schedule("piecewise_constant", 1.0, 0.5, 10, total_steps=1)(np.arange(3)).tolist() == [1.0, 1.0, 0.5]
    assert build_schedule("piecewise_constant", 1.0, 1.0, 10)(np.array([399])).tolist() == [1.0]   # rate 1 allowed
    for kwargs, text in [({"name": 3}, r"^name must be one of 'constant', 'exponential_decay', .*, got int$"),
                         ({"total_steps": 0}, r"^total_steps must"), ({"total_steps": 100_001}, r"^total_steps must"),
                         ({"staircase": 1}, r"^staircase must be True or False, got 1$"),
                         ({"name": "piecewise_constant", "decay_rate": 1.01}, r"^decay_rate must"),
                         ({"name": "piecewise_constant", "initial_learning_rate": 1e-300, "decay_rate": 1e-10,
                           "decay_steps": 10}, re.escape("initial_learning_rate * decay_rate ** k underflows to 0 within "
                                                         "total_steps (1e-300 * 1e-10 ** 39, decay_steps 10)"))]:
        with pytest.raises((TypeError, ValueError), match=text):
            build_schedule(**{"name": "exponential_decay", "initial_learning_rate": 0.1, **kwargs})


def test_sgd_excess_loss_limit_start_and_messages():
    toy = _toy()
    # (1 - 2 lr)^2 = 1e6 exactly at lr = 500.5: step 1 lands on the limit, 1e6 x L(0) - L* = 1e6 (kept)
    (curve, at), = sgd_excess_loss(toy, [[500.5] * 3])
    assert curve.tolist() == [1.0, 1e6] and at == 2
    (curve, at), = sgd_excess_loss(toy, [0.25, 0.25], start=[2.0, 1.0])    # 1-D rates: one run
    np.testing.assert_allclose(curve, [2.0, 0.5, 0.125]) and at is None   # gap (1, 1) halves each step
    for kwargs, text in [({"start": [1.0, 2.0, 3.0]}, r"^start must hold 2 weights \(the bias last\), got 3$"),
                         ({"learning_rates": [-0.1]}, r"^learning_rates must be >= 0, with at most 30 steps \(the "
                                                      r"problem's\) per run and 5000000 in all, got shape \(1, 1\)$"),
                         ({"learning_rates": np.zeros(31)}, r"^learning_rates must .*got shape \(1, 31\)$")]:
        with pytest.raises(ValueError, match=text):
            sgd_excess_loss(toy, **{"learning_rates": [0.1], **kwargs})
    with pytest.raises(TypeError, match=r"^problem must be a LeastSquaresProblem, got str$"):
        sgd_excess_loss("p", [0.1])


def test_schedule_frame_status_sentences():
    toy = _toy()
    with pytest.raises(TypeError, match=r"^problem must be a LeastSquaresProblem, got str$"):
        schedule_frame("p", "constant", 0.1)
    f = schedule_frame(toy, "constant", 0.25)              # (1 - 0.5)^2 = 0.25 per step: 0.25^30
    assert f.status == f"after 30 steps the loss is {0.25**30:.2e} above its minimum" and f.ok is True
    f = schedule_frame(toy, "exponential_decay", 0.25, decay_rate=1.0, decay_steps=10)   # the same rates
    assert f.status.endswith("above its minimum, 1× lower than with the fixed rate 0.25")
    f = schedule_frame(toy, "constant", 0.25, warmup_steps=10)   # ramp 0.025 t for t < 10, then 0.25
    lr = np.r_[0.25 * np.arange(10) / 10, np.full(20, 0.25)]
    loss = np.prod((1 - 2 * lr) ** 2)
    assert f.status == (f"after 30 steps the loss is {loss:.2e} above its minimum, {loss / 0.25**30:.2g}× higher than "
                        "with the fixed rate 0.25 — warmup: the rate rises from 0 to its peak 0.25")
    f = schedule_frame(toy, "exponential_decay", 600.0, decay_rate=0.5, decay_steps=1)   # 600, 300, ...
    assert f.status == "diverged at step 1: the loss passed 1e+06 × its start (learning rate there 600)"
    assert f.ok is False and f.diverged_at == 1 and f.excess_loss.tolist() == [1.0]
    f = schedule_frame(toy, "linear_decay", 0.01, decay_steps=10, end_learning_rate=0.02)
    assert f.status.endswith(" — the rate rises") and f.ok is True
    with pytest.raises(ValueError, match=r"^exponential_decay\(.*has no finite learning rate at step 16"):
        schedule_frame(toy, "exponential_decay", 0.1, decay_rate=1e20, decay_steps=1)   # refused by the schedule


def test_explorer_limits_each_side():
    toy = _toy(20)
    lo = dict(initial_learning_rate=1e-3, decay_rate=0.05, decay_steps=10, end_learning_rate=0.0, warmup_steps=0)
    hi = dict(initial_learning_rate=10**-0.3, decay_rate=1.0, decay_steps=20, end_learning_rate=0.1, warmup_steps=10)
    ui = ScheduleExplorer(toy, name="constant", **hi)          # every control at its top end: accepted
    assert {k: ui.values()[k] for k in hi} == pytest.approx(hi) and ui.total == 20
    for key, value in [("initial_learning_rate", 0.00099), ("initial_learning_rate", 0.502), ("decay_rate", 0.049),
                       ("decay_rate", 1.001), ("decay_steps", 9), ("decay_steps", 21), ("end_learning_rate", -1e-9),
                       ("end_learning_rate", 0.1001), ("warmup_steps", -1), ("warmup_steps", 11)]:
        with pytest.raises(ValueError, match=rf"^{key} must"):
            ScheduleExplorer(toy, **{**lo, key: value})
    with pytest.raises(ValueError, match=r"^problem must have at least 20 steps \(the sliders' range\), got 19$"):
        ScheduleExplorer(_toy(19))
    with pytest.raises(TypeError, match=r"^problem must be a LeastSquaresProblem, got str$"):
        ScheduleExplorer("p")
    with pytest.raises(TypeError, match=r"^name must be one of 'constant', .*, got int$"):
        ScheduleExplorer(toy, name=1, decay_steps=10)
    with pytest.raises(TypeError, match=r"^staircase must be True or False, got 1$"):
        ScheduleExplorer(toy, staircase=1, decay_steps=10)


def test_explorer_controls_figure_and_show(monkeypatch):
    import course_lib.widgets._live as live

    toy = _toy(40)
    ui = ScheduleExplorer(toy, name="linear_decay", initial_learning_rate=0.2, decay_steps=20, warmup_steps=10,
                          end_learning_rate=0.05, decay_rate=0.7, staircase=True)
    c = ui.controls
    assert c["name"].options == tuple((label, key) for key, label in SCHEDULES.items())
    assert c["name"].value == "linear_decay" and c["name"].description == "schedule"
    lr = c["initial_learning_rate"]
    assert (lr.base, lr.min, lr.max, lr.step, lr.readout_format) == (10, -3, -0.3, 0.05, ".3f")
    assert (c["decay_rate"].min, c["decay_rate"].max, c["decay_rate"].step, c["decay_rate"].value) == (0.05, 1.0, 0.05, 0.7)
    assert (c["decay_steps"].min, c["decay_steps"].max, c["decay_steps"].step) == (10, 40, 10)
    assert c["staircase"].value is True and c["staircase"].description == "staircase"
    assert (c["end_learning_rate"].min, c["end_learning_rate"].max, c["end_learning_rate"].step) == (0.0, 0.1, 0.002)
    assert c["end_learning_rate"].readout_format == ".3f" and c["end_learning_rate"].value == 0.05
    assert (c["warmup_steps"].min, c["warmup_steps"].max, c["warmup_steps"].step, c["warmup_steps"].value) == (0, 20, 10, 10)
    assert [w.description for w in c.values()] == ["schedule", "peak rate η₀", "decay rate", "decay steps", "staircase",
                                                   "end rate", "warmup steps"]
    assert all(w.style.description_width == "120px" for w in c.values())
    # the figure: rate panel (linear) and loss panel (log, fixed limits), both over 0..T
    assert (ui.ax_lr.get_xlabel(), ui.ax_lr.get_ylabel(), ui.ax_lr.get_title()) == (
        "step t", r"learning rate $\eta_t$", "learning rate")
    assert ui.ax_loss.get_ylabel() == r"$L(w_t) - L^*$  (log scale)" and ui.ax_loss.get_yscale() == "log"
    assert ui.ax_loss.get_title() == "training loss above its minimum" and ui.ax_loss.get_xlabel() == "step t"
    assert ui.ax_lr.get_xlim() == ui.ax_loss.get_xlim() == (0, 40) and ui.ax_loss.get_ylim() == (1e-4, 1e2)
    assert [t.get_text() for t in ui.ax_loss.get_legend().get_texts()] == [r"fixed rate $\eta_0$", "schedule"]
    assert ui.base_lr.get_linestyle() == "--" and ui.marker.get_marker() == "x"
    # the rates drawn: the schedule (with its ramp), the fixed rate flat at eta_0; the axis 1.6 x the top rate
    want = build_schedule("linear_decay", 0.2, 0.7, 20, True, 0.05, 10, 40)(np.arange(40))
    np.testing.assert_allclose(ui.lr_line.get_ydata(), want, rtol=1e-12)
    np.testing.assert_allclose(ui.base_lr.get_ydata(), np.full(40, 0.2))
    assert ui.ax_lr.get_ylim() == pytest.approx((0.0, 1.6 * 0.2))
    np.testing.assert_allclose(ui.loss_line.get_ydata(), np.clip(ui.frame.excess_loss, 1e-4, 1e2))
    np.testing.assert_allclose(ui.base_loss.get_ydata(), np.clip(0.36 ** np.arange(41), 1e-4, 1e2))  # (1 - 0.4)^2
    # the rate axis rescales when the curve leaves it or falls below a fifth of it, and not otherwise
    c["warmup_steps"].value = 0
    c["initial_learning_rate"].value = 0.1      # top 0.1: inside (0, 0.32) and above 0.32 / 5 -> kept
    assert ui.ax_lr.get_ylim() == pytest.approx((0.0, 0.32))
    c["initial_learning_rate"].value = 0.05     # 0.05 < 0.064: rescaled to 1.6 x 0.05
    assert ui.ax_lr.get_ylim() == pytest.approx((0.0, 0.08))
    c["name"].value = "constant"
    c["initial_learning_rate"].value = 10**-0.3     # constant 0.5 on G = 2I: (1 - 1)^2 = 0 -> clipped at 1e-4
    assert ui.loss_line.get_ydata()[1] == 1e-4 and ui.ax_lr.get_ylim() == pytest.approx((0.0, 1.6 * 10**-0.3))
    shown = []
    monkeypatch.setattr(live, "display", lambda obj, **kw: shown.append(obj))
    ui.show()
    box, image = shown
    (row, status) = box.children
    left, right = row.children
    assert list(left.children) == [c["name"], c["initial_learning_rate"], c["warmup_steps"], c["staircase"]]
    assert list(right.children) == [c["decay_rate"], c["decay_steps"], c["end_learning_rate"]]
    assert status is ui.status and image.data == ui.live.png


def test_explorer_marks_a_divergence_just_inside_the_top():
    toy = _toy(20)
    big = LeastSquaresProblem(G=np.tile(8 * np.eye(2), (20, 1, 1)), h=np.tile([8.0, 0.0], (20, 1)), A=np.eye(2),
                              w_star=np.array([1.0, 0.0]), initial_excess=1.0, batches=np.zeros((20, 2)))
    ui = ScheduleExplorer(big, name="constant", initial_learning_rate=10**-0.3, decay_steps=10)  # (1 - 8 x 0.5)^2 = 9 per step
    assert ui.frame.diverged_at == 7 and list(ui.marker.get_xdata()) == [7]    # 9^7 = 4.8e6 > 1e6
    assert list(ui.marker.get_ydata()) == [100 / 3]


def test_the_frame_builds_its_schedule_for_the_problem_s_own_steps():
    # piecewise boundaries every 10 steps up to the problem's 30 steps (not the default 400): a rate
    # of 1e-300 x (1e-10)^2 = 1e-320 is still above 0, where 39 boundaries would underflow it
    f = schedule_frame(_toy(30), "piecewise_constant", 1e-300, decay_rate=1e-10, decay_steps=10)
    assert f.learning_rate[-1] == pytest.approx(1e-320, rel=1e-2) and f.ok is True


def test_status_when_a_run_lands_exactly_on_the_minimum():
    import warnings

    toy = _toy(20)    # G = 2I: a rate of 0.5 lands on w* in one step, (1 - 2 x 0.5)^2 = 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")      # no 0/0: the ratio is not computed
        f = schedule_frame(toy, "exponential_decay", 0.5, decay_rate=1.0, decay_steps=10)
        assert f.status == "after 20 steps the loss is 0.00e+00 above its minimum, exactly at the minimum, " \
                           "as with the fixed rate 0.5"
        f = schedule_frame(toy, "constant", 0.25, warmup_steps=2)   # ramp 0, 0.125, then 0.25: never exactly 0
        assert "× higher than with the fixed rate 0.25" in f.status
        f = schedule_frame(toy, "constant", 0.5, warmup_steps=2)    # ramp 0, 0.25, then 0.5: lands on w* too
        assert "exactly at the minimum, as with the fixed rate 0.5" in f.status
        f = schedule_frame(toy, "piecewise_constant", 0.5, decay_rate=0.5, decay_steps=10)   # 0.5 first: at w*
        assert "exactly at the minimum, as with" in f.status
        f = schedule_frame(toy, "linear_decay", 0.25, decay_steps=10, end_learning_rate=0.5)  # reaches 0.5 at step 10
        assert f.status == "after 20 steps the loss is 0.00e+00 above its minimum, exactly at the minimum " \
                           "(the fixed rate 0.25 is not) — the rate rises"
