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

from course_lib.optim import SGD, Adam, AdamState, GradientDescent, GradientDescentState, SGDState


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


# ---- 0-d and 1-element parameters, huge and tiny values (issue 9, section 2) ----------------

OPTIMIZERS = [GradientDescent(), SGD(), SGD(0.9), SGD(0.9, True), Adam(), Adam(0.5, 0.75, 1e-3)]


@pytest.mark.parametrize("opt", OPTIMIZERS, ids=repr)
@pytest.mark.parametrize("shape", [(), (1,), (1, 1)], ids=["0-d", "1-element", "1x1"])
def test_zero_d_and_one_element_parameters(opt, shape):
    # the same scalar problem in every shape gives the same numbers, and the shape is kept
    ref, _ = run(opt, {"w": np.full(3, 1.5)}, [{"w": np.full(3, g)} for g in (2.0, -1.0, 0.5)], [0.1] * 3)
    traj, state = run(opt, {"w": np.full(shape, 1.5)}, [{"w": np.full(shape, g)} for g in (2.0, -1.0, 0.5)],
                      [0.1] * 3)
    for a, b in zip(traj, ref):
        assert isinstance(a["w"], np.ndarray) and a["w"].shape == shape
        np.testing.assert_array_equal(a["w"].ravel(), b["w"][:1])
    assert state.iterations == 3


def test_adam_on_a_0d_parameter_by_hand():
    # t=1: m = 0.1 g, v = 0.001 g^2, alpha = lr sqrt(0.001) / 0.1 -> w1 = 1 - alpha m / (sqrt(v) + eps)
    g, lr = 0.5, 0.1
    new, _ = Adam().update({"w": np.array(g)}, Adam().init({"w": np.array(1.0)}), {"w": np.array(1.0)}, lr)
    m, v, alpha = 0.1 * g, 0.001 * g * g, lr * np.sqrt(0.001) / 0.1
    assert new["w"].shape == () and float(new["w"]) == pytest.approx(1 - alpha * m / (np.sqrt(v) + 1e-7), rel=1e-14)


@pytest.mark.parametrize("opt", OPTIMIZERS, ids=repr)
def test_huge_and_subnormal_values(opt):
    params = {"w": np.array([1e300, -1e300, 5e-324, 0.0])}
    grads = {"w": np.array([1e150, -1e150, 5e-324, -5e-324])}
    new, state = opt.update(grads, opt.init(params), params, 0.1)
    assert np.all(np.isfinite(new["w"]))
    if not isinstance(opt, Adam):   # plain and momentum steps: w - 0.1 g (or with (1 + mu) for Nesterov)
        factor = 1.9 if getattr(opt, "nesterov", False) else 1.0
        np.testing.assert_allclose(new["w"][:2], params["w"][:2] - 0.1 * factor * grads["w"][:2], rtol=1e-15)
    with pytest.raises(ValueError, match="overflowed float64.*learning_rate"):
        opt.update({"w": np.array([1e308])}, opt.init({"w": np.array([-1e308])}), {"w": np.array([-1e308])}, 10.0)


@pytest.mark.parametrize("opt", OPTIMIZERS, ids=repr)
@pytest.mark.parametrize("bad, message", [
    (lambda p, s: dict(grads={"w": None}), r"^grads\['w'\] must be numeric"),
    (lambda p, s: dict(grads=[np.ones(2)]), "^grads must be a dict"),
    (lambda p, s: dict(params={"w": np.array([np.nan, 1.0])}), r"^params\['w'\] must contain only finite"),
    (lambda p, s: dict(grads={"w": np.array([np.inf, 1.0])}), r"^grads\['w'\] must contain only finite"),
    (lambda p, s: dict(state=None), "^state must be the"),
    (lambda p, s: dict(state=GradientDescentState(5) if not isinstance(s, GradientDescentState) else SGDState(0, {})),
     "^state must be the"),
    (lambda p, s: dict(learning_rate=float("inf")), "^learning_rate must be a finite number >= 0"),
    (lambda p, s: dict(learning_rate=np.array([0.1, 0.2])), "^learning_rate must be a finite number"),
    (lambda p, s: dict(learning_rate=None), "^learning_rate must be a finite number"),
    (lambda p, s: dict(grads={"w": np.ones(2), "b": np.ones(1)}), r"^grads must have the keys of params"),
])
def test_update_validates_every_argument(opt, bad, message):
    params = {"w": np.ones(2)}
    state = opt.init(params)
    kwargs = dict(grads={"w": np.ones(2)}, state=state, params=params, learning_rate=0.1)
    kwargs.update(bad(params, state))
    with pytest.raises((ValueError, TypeError), match=message):
        opt.update(**kwargs)


def test_update_validates_the_state_against_params():
    params = {"w": np.ones(2)}
    with pytest.raises(ValueError, match=r"^state.velocity\['w'\] must have the shape of params\['w'\]"):
        SGD(0.9).update({"w": np.ones(2)}, SGD(0.9).init({"w": np.ones(3)}), params, 0.1)
    with pytest.raises(ValueError, match=r"^state.m must have the keys of params"):
        Adam().update({"w": np.ones(2)}, Adam().init({"v": np.ones(2)}), params, 0.1)
    with pytest.raises(ValueError, match=r"^state.v\['w'\] must contain only finite values"):
        Adam().update({"w": np.ones(2)}, _broken_adam_state(), params, 0.1)
    with pytest.raises(ValueError, match="^iterations must be an integer >= 0"):
        AdamState(-1, {}, {})
    with pytest.raises(ValueError, match=r"^velocity\['w'\] must contain only finite values"):
        SGDState(0, {"w": np.array([np.nan])})


def _broken_adam_state():
    # a state whose second moment was corrupted after construction (frozen, so by force)
    state = Adam().init({"w": np.ones(2)})
    object.__setattr__(state, "v", {"w": np.array([np.inf, 0.0])})
    return state


def _keras_optimizer(opt):
    import keras
    if isinstance(opt, GradientDescent):
        return keras.optimizers.SGD()
    if isinstance(opt, SGD):
        return keras.optimizers.SGD(momentum=opt.momentum, nesterov=opt.nesterov)
    return keras.optimizers.Adam(beta_1=opt.beta_1, beta_2=opt.beta_2, epsilon=opt.epsilon)


# Hyper-parameters exact in float32 (0.5, 0.75, 0.875 ...), so that Keras's float32 rounding of
# them (see the module docstring) plays no part: the comparison is then rtol 1e-12. Values at
# float64's extremes: TensorFlow's CPU kernels flush subnormals to zero, so atol is float64's
# smallest normal number (2.2e-308) there and 0 elsewhere.
TWIN_OPTIMIZERS = [GradientDescent(), SGD(0.875), SGD(0.5, True), Adam(0.5, 0.75, 2**-20)]


@pytest.mark.tf
@pytest.mark.parametrize("opt", TWIN_OPTIMIZERS, ids=repr)
@pytest.mark.parametrize("shape", [(), (1,)], ids=["0-d", "1-element"])
@pytest.mark.parametrize("scale", [1.0, 1e150, 1e-300], ids=["unit", "huge", "tiny"])
def test_zero_d_and_one_element_parameters_match_keras(opt, shape, scale):
    rng = np.random.default_rng(len(shape))
    params = {"w": np.full(shape, 1.5 * scale)}
    grads = [{"w": np.full(shape, g * scale)} for g in rng.standard_normal(6)]
    rates = [0.125, 0.5, 0.25, 0.0625, 0.125, 0.5]
    mine, _ = run(opt, params, grads, rates)
    theirs = keras_trajectory(_keras_optimizer(opt), params, grads, rates)
    atol = np.finfo(np.float64).tiny if scale < 1 else 0.0
    for step, (a, b) in enumerate(zip(mine, theirs)):
        assert a["w"].shape == b["w"].shape == shape
        np.testing.assert_allclose(a["w"], b["w"], rtol=1e-12, atol=atol, err_msg=f"step {step}")


@pytest.mark.tf
def test_every_keras_named_default_is_keras_own_default():
    # read from the signatures, so that a changed default on either side fails here
    import inspect

    import keras
    for ours, theirs, names in [(Adam, keras.optimizers.Adam, ("beta_1", "beta_2", "epsilon")),
                                (SGD, keras.optimizers.SGD, ("momentum", "nesterov"))]:
        mine, keras_sig = inspect.signature(ours).parameters, inspect.signature(theirs).parameters
        for name in names:
            assert mine[name].default == keras_sig[name].default, (ours.__name__, name)
            assert type(mine[name].default) is type(keras_sig[name].default), (ours.__name__, name)


# ---- known values over several steps, and exact messages (each kills a planted bug) ---------

def test_momentum_params_are_the_running_sum_of_velocities():
    # v1 = -lr g1; v2 = mu v1 - lr g2; w2 = w0 + v1 + v2 (by hand: -0.2, -0.5 * 0.2 - 0.1 * 3)
    opt, lr, mu = SGD(0.5), 0.1, 0.5
    (w1, w2), state = run(opt, {"w": np.array([1.0])}, [{"w": np.array([2.0])}, {"w": np.array([3.0])}], [lr, lr])
    v1, v2 = -lr * 2.0, mu * (-lr * 2.0) - lr * 3.0
    assert w1["w"].tolist() == [1.0 + v1] and w2["w"].tolist() == [pytest.approx(1.0 + v1 + v2, rel=1e-15)]
    assert state.velocity["w"].tolist() == [pytest.approx(v2, rel=1e-15)]


def test_adam_second_step_by_hand():
    # the moments carry over: m2 = b1 m1 + (1 - b1) g2, v2 = b2 v1 + (1 - b2) g2^2, bias-corrected
    b1, b2, eps, lr = 0.5, 0.75, 1e-3, 0.1
    g1, g2 = 2.0, -1.0
    opt = Adam(b1, b2, eps)
    (w1, w2), state = run(opt, {"w": np.array([1.0])}, [{"w": np.array([g1])}, {"w": np.array([g2])}], [lr, lr])
    m1, v1 = (1 - b1) * g1, (1 - b2) * g1**2
    m2, v2 = b1 * m1 + (1 - b1) * g2, b2 * v1 + (1 - b2) * g2**2
    a1, a2 = lr * np.sqrt(1 - b2) / (1 - b1), lr * np.sqrt(1 - b2**2) / (1 - b1**2)
    w_1 = 1.0 - a1 * m1 / (np.sqrt(v1) + eps)
    assert w1["w"][0] == pytest.approx(w_1, rel=1e-14)
    assert w2["w"][0] == pytest.approx(w_1 - a2 * m2 / (np.sqrt(v2) + eps), rel=1e-14)
    assert state.m["w"][0] == pytest.approx(m2, rel=1e-15) and state.v["w"][0] == pytest.approx(v2, rel=1e-15)


def test_empty_and_integer_parameters():
    for opt in OPTIMIZERS:
        new, state = opt.update({"e": np.zeros(0)}, opt.init({"e": np.zeros(0)}), {"e": np.zeros(0)}, 0.1)
        assert new["e"].shape == (0,)
    # integers become float64, in the state too
    assert SGD(0.9).init({"w": np.array([1, 2])}).velocity["w"].dtype == np.float64
    assert Adam().init({"w": [1, 2]}).v["w"].dtype == np.float64
    new, _ = SGD().update({"w": np.array([1, 1])}, SGD().init({"w": [1, 2]}), {"w": np.array([1, 2])}, 0.5)
    assert new["w"].tolist() == [0.5, 1.5]


@pytest.mark.parametrize("opt", OPTIMIZERS, ids=repr)
def test_init_names_params_in_its_errors(opt):
    with pytest.raises(ValueError, match=r"^params\['w'\] must be numeric .*got None"):
        opt.init({"w": None})
    with pytest.raises(TypeError, match=r"^params must be a dict of arrays \(name -> array\), got \[1\]$"):
        opt.init([1])
    with pytest.raises(TypeError, match=r"^params\['w'\] must hold real numbers, got booleans: array\(\[ True\]\)$"):
        opt.init({"w": np.array([True])})


def test_state_constructors_check_and_convert_their_fields():
    assert type(GradientDescentState(np.int64(3)).iterations) is int
    assert type(AdamState(np.int64(2), {}, {}).iterations) is int
    state = AdamState(1, {"w": [1.0]}, {"w": [2.0]})
    assert isinstance(state.m["w"], np.ndarray) and isinstance(state.v["w"], np.ndarray)
    assert isinstance(SGDState(0, {"w": [1.0]}).velocity["w"], np.ndarray)
    with pytest.raises(ValueError, match=r"^m\['w'\] must be numeric"):
        AdamState(0, {"w": None}, {"w": np.zeros(1)})
    with pytest.raises(ValueError, match=r"^v\['w'\] must contain only finite values"):
        AdamState(0, {"w": np.zeros(1)}, {"w": np.array([np.nan])})
    with pytest.raises(TypeError, match="^v must be a dict"):
        AdamState(0, {}, None)
    with pytest.raises(ValueError, match="^iterations must be an integer >= 0, got -1"):
        GradientDescentState(-1)


def test_update_messages_name_the_state_and_the_overflow():
    import warnings
    params = {"w": np.ones(2)}
    with pytest.raises(TypeError, match=r"^state must be the AdamState made by Adam\.init\(params\), got None$"):
        Adam().update({"w": np.ones(2)}, None, params, 0.1)
    bad = Adam().init(params)
    object.__setattr__(bad, "iterations", -1)
    with pytest.raises(ValueError, match="^state.iterations must be an integer >= 0, got -1"):
        Adam().update({"w": np.ones(2)}, bad, params, 0.1)
    with pytest.raises(TypeError, match="^nesterov must be True or False, got 'yes'$"):
        SGD(0.9, "yes")
    with warnings.catch_warnings():
        warnings.simplefilter("error")        # the overflow is reported by the error, not by numpy
        with pytest.raises(ValueError, match=r"^GradientDescent\.update overflowed float64 in the new "
                                             r"params\['w'\].*learning_rate=10\.0"):
            GradientDescent().update({"w": np.array([1e308])}, GradientDescent().init(params),
                                     {"w": np.array([-1e308])}, 10.0)
        with pytest.raises(ValueError, match=r"^Adam\.update overflowed float64 in the new state\.v\['w'\]"):
            Adam().update({"w": np.array([1e200])}, Adam().init({"w": np.ones(1)}), {"w": np.ones(1)}, 0.1)


def test_plain_sgd_state_has_no_velocity():
    _, state = SGD().update({"w": np.ones(1)}, SGD().init({"w": np.ones(1)}), {"w": np.ones(1)}, 0.1)
    assert state.velocity == {} and state.iterations == 1


def test_the_last_mutants():
    import warnings
    assert SGD().init({"w": np.ones(2)}).velocity == {}          # Keras: no slot without momentum
    with pytest.raises(TypeError, match=r"^state must be the SGDState made by SGD\.init\(params\), got 3$"):
        SGD().update({"w": np.ones(1)}, 3, {"w": np.ones(1)}, 0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # inf / inf inside Adam's step: refused, not a numpy warning
        with pytest.raises(ValueError, match="^Adam.update overflowed float64"):
            Adam().update({"w": np.array([1e308])}, Adam().init({"w": np.ones(1)}), {"w": np.ones(1)}, 1e308)
