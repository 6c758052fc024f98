"""Tests of course_lib.optim: known values, properties, and k steps against keras.optimizers.

Tolerance against Keras: float64 variables on both sides, rtol 1e-12 / atol 1e-14 after every
one of k = 8..12 steps (same formulas, same operation order; TensorFlow's pow may differ from
Python's in the last bit). Learning rates and hyper-parameters are rounded to float32 first:
Keras keeps the learning rate in a float32 variable, and `ops.cast(self.momentum, dtype)` turns
a Python float into a float32 constant before casting it to float64, so with 0.9 Keras really
uses 0.89999997615814 in Adam's bias correction (but the exact 0.9 in ``1 - beta_1``). With
Keras's default Adam (0.9, 0.999, not exact in float32) the comparison therefore allows an
absolute error of 1e-5 times the summed learning rates: 1 - float32(0.999) is off by 1.3e-5
relative, so each early step of size <= lr is off by <= 6.5e-6 of it. A separate test checks
that our defaults equal Keras's.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.optim import SGD, Adam, GradientDescent


def random_problem(rng: np.random.Generator, k: int):
    shapes = {"W": tuple(rng.integers(1, 5, 2)), "b": (int(rng.integers(1, 5)),)}
    params = {key: rng.standard_normal(s) for key, s in shapes.items()}
    grads = [{key: rng.standard_normal(s) * rng.choice([1e-3, 1.0, 1e3]) for key, s in shapes.items()}
             for _ in range(k)]
    rates = [float(np.float32(r)) for r in rng.uniform(1e-4, 0.5, k)]
    return params, grads, rates


def run(opt, params, grads, rates):
    state = opt.init(params)
    trajectory = []
    for g, lr in zip(grads, rates):
        params, state = opt.update(g, state, params, lr)
        trajectory.append(params)
    return trajectory, state


# ---- known values, derived by hand -------------------------------------------------------

def test_gradient_descent_step():
    new, state = GradientDescent().update({"w": np.array([2.0, -4.0])}, GradientDescent().init({}),
                                          {"w": np.array([1.0, 1.0])}, 0.25)
    np.testing.assert_allclose(new["w"], [0.5, 2.0])
    assert state.iterations == 1


def test_momentum_reaches_terminal_velocity():
    # constant g: v_k = -lr g (1 + mu + ... + mu^(k-1)) = -lr g (1 - mu^k) / (1 - mu)
    mu, lr, g = 0.9, 0.1, np.array([1.0])
    _, state = run(SGD(momentum=mu), {"w": np.zeros(1)}, [{"w": g}] * 50, [lr] * 50)
    np.testing.assert_allclose(state.velocity["w"], -lr * g * (1 - mu**50) / (1 - mu))


def test_nesterov_first_step():
    # v1 = -lr g; w1 = w0 + mu v1 - lr g = w0 - lr g (1 + mu)
    new, state = SGD(momentum=0.5, nesterov=True).update({"w": np.array([2.0])},
                                                         SGD(0.5, True).init({"w": np.zeros(1)}),
                                                         {"w": np.zeros(1)}, 0.1)
    np.testing.assert_allclose(new["w"], [-0.1 * 2 * 1.5])
    np.testing.assert_allclose(state.velocity["w"], [-0.2])


def test_adam_first_step_is_about_lr_times_sign():
    # t=1: m = (1-b1) g, v = (1-b2) g^2, alpha = lr sqrt(1-b2)/(1-b1)
    # -> step = lr sqrt(1-b2) |g| / (sqrt(1-b2) |g| + eps) * sign(g)
    g = np.array([3.0, -0.5, 1e-9])
    opt = Adam()
    new, state = opt.update({"w": g}, opt.init({"w": np.zeros(3)}), {"w": np.zeros(3)}, 0.01)
    s = np.sqrt(1 - 0.999) * np.abs(g)
    np.testing.assert_allclose(new["w"], -0.01 * np.sign(g) * s / (s + 1e-7), rtol=1e-12)
    assert abs(new["w"][0] + 0.01) < 1e-7 and abs(new["w"][2]) < 0.01 * 0.5  # eps tames tiny g
    assert state.iterations == 1


# ---- properties ----------------------------------------------------------------------------

@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_updates_do_not_mutate_and_plain_sgd_is_gradient_descent(seed):
    params, grads, rates = random_problem(np.random.default_rng(seed), 5)
    frozen = {k: v.copy() for k, v in params.items()}
    gd, _ = run(GradientDescent(), params, grads, rates)
    sgd, _ = run(SGD(), params, grads, rates)
    run(Adam(), params, grads, rates)
    run(SGD(0.9, True), params, grads, rates)
    for key in params:
        np.testing.assert_array_equal(params[key], frozen[key])
        np.testing.assert_array_equal(gd[-1][key], sgd[-1][key])


def test_states_print_small():
    text = repr(Adam().init({"w": np.zeros(2)}))
    assert text.startswith("AdamState(iterations=0, m={'w': array([0., 0.])}")


# ---- bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize("make, message", [
    (lambda: SGD(momentum=-0.1), "momentum must be a finite number >= 0 and <= 1"),
    (lambda: SGD(momentum=1.5), "momentum must be a finite number >= 0 and <= 1"),
    (lambda: SGD(0.9, nesterov="yes"), "nesterov must be True or False"),
    (lambda: SGD(0.9, nesterov=np.array([True, False])), "nesterov must be True or False"),
    (lambda: SGD(momentum=np.array([0.5, 0.9])), "momentum must be a finite number"),
    (lambda: Adam(beta_1=1.0), "beta_1 must be a finite number >= 0 and < 1"),
    (lambda: Adam(beta_2=-0.1), "beta_2 must be a finite number >= 0 and < 1"),
    (lambda: Adam(epsilon=0.0), "epsilon must be a finite number > 0"),
])
def test_bad_hyperparameters(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_bad_update_arguments():
    opt, params = Adam(), {"w": np.zeros(2)}
    state = opt.init(params)
    with pytest.raises(ValueError, match="learning_rate must be a finite number >= 0"):
        opt.update({"w": np.ones(2)}, state, params, -0.1)
    with pytest.raises(ValueError, match="learning_rate must be a finite number"):
        opt.update({"w": np.ones(2)}, state, params, float("nan"))
    with pytest.raises(ValueError, match=r"^grads must have the keys of params, \['w'\], got \['v'\]"):
        opt.update({"v": np.ones(2)}, state, params, 0.1)
    with pytest.raises(ValueError, match=r"grads\['w'\] must have the shape"):
        SGD().update({"w": np.ones(3)}, SGD().init(params), params, 0.1)


# ---- agreement with keras.optimizers ---------------------------------------------------------

def keras_trajectory(keras_opt, params, grads, rates):
    import course_lib.tf_twins  # noqa: F401  (quiet TensorFlow logs)
    import keras
    variables = [keras.Variable(v, dtype="float64") for v in params.values()]
    out = []
    for g, lr in zip(grads, rates):
        keras_opt.learning_rate = lr
        keras_opt.apply_gradients(zip([keras.ops.convert_to_tensor(g[k], "float64") for k in params], variables))
        out.append({k: np.asarray(v.numpy()) for k, v in zip(params, variables)})
    return out


@pytest.mark.tf
@pytest.mark.parametrize("name", ["gd", "momentum", "nesterov", "adam", "adam-custom"])
def test_k_steps_match_keras(name):
    import keras
    rng = np.random.default_rng(["gd", "momentum", "nesterov", "adam", "adam-custom"].index(name))
    for _ in range(3):
        k = int(rng.integers(8, 13))
        params, grads, rates = random_problem(rng, k)
        mu, b1, b2 = (float(np.float32(x)) for x in (rng.uniform(0.1, 0.99), rng.uniform(0.5, 0.95),
                                                        rng.uniform(0.9, 0.9999)))
        eps = float(10 ** rng.uniform(-8, -1))
        ours, theirs = {
            "gd": (GradientDescent(), keras.optimizers.SGD()),
            "momentum": (SGD(momentum=mu), keras.optimizers.SGD(momentum=mu)),
            "nesterov": (SGD(momentum=mu, nesterov=True), keras.optimizers.SGD(momentum=mu, nesterov=True)),
            "adam": (Adam(), keras.optimizers.Adam()),
            "adam-custom": (Adam(b1, b2, eps), keras.optimizers.Adam(beta_1=b1, beta_2=b2, epsilon=eps)),
        }[name]
        mine, _ = run(ours, params, grads, rates)
        for step, (a, b) in enumerate(zip(mine, keras_trajectory(theirs, params, grads, rates))):
            for key in params:
                rtol, atol = (0, 1e-5 * sum(rates[:step + 1])) if name == "adam" else (1e-12, 1e-14)
                np.testing.assert_allclose(a[key], b[key], rtol=rtol, atol=atol, err_msg=f"{name} step {step}")


@pytest.mark.tf
def test_defaults_are_keras_defaults():
    import keras
    adam = keras.optimizers.Adam().get_config()
    assert (Adam().beta_1, Adam().beta_2, Adam().epsilon) == (adam["beta_1"], adam["beta_2"], adam["epsilon"])
    sgd = keras.optimizers.SGD().get_config()
    assert (SGD().momentum, SGD().nesterov) == (sgd["momentum"], sgd["nesterov"])


@pytest.mark.parametrize("opt", [GradientDescent(), SGD(0.9), SGD(0.9, True), Adam()], ids=repr)
def test_float32_stays_float32(opt):
    # NumPy 2 promotes float32 arrays by float64 *numpy* scalars: the updates must not create any
    params = {"w": np.ones(3, dtype=np.float32)}
    state = opt.init(params)
    for _ in range(2):
        params, state = opt.update({"w": np.full(3, 0.5, dtype=np.float32)}, state, params, 0.1)
    assert params["w"].dtype == np.float32
