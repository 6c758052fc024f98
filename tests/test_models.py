"""Tests of course_lib.models: known values, finite differences, and agreement with Keras/TensorFlow.

Tolerances: finite differences (central, h = 1e-6, float64) agree with the hand-written gradient
to rtol 1e-5 / atol 1e-7 (truncation error ~h^2 and round-off ~1e-16/h); Keras twins built in
float64 agree with the numpy losses and gradients to rtol 1e-9 / atol 1e-12 (only summation
order differs); the float32 Keras twins agree to rtol 1e-4 / atol 1e-5.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.models import MLP, LinearRegression, LogisticRegression, SoftmaxRegression, sigmoid, softmax


def random_case(kind: str, rng: np.random.Generator, scale: float = 1.0):
    """A model of ``kind`` with random sizes, random (non-initial) params and random data."""
    n, d, k, h = rng.integers(1, 12), rng.integers(1, 6), rng.integers(2, 5), rng.integers(1, 7)
    model = {"linear": LinearRegression(int(d)), "logistic": LogisticRegression(int(d)),
             "softmax": SoftmaxRegression(int(d), int(k)), "mlp": MLP(int(d), int(h), int(k))}[kind]
    params = {key: scale * rng.standard_normal(shape) for key, shape in model.param_shapes().items()}
    X = rng.standard_normal((int(n), int(d)))
    if kind == "linear":
        y = rng.standard_normal(int(n)) * 3
    elif kind == "logistic":
        y = rng.integers(0, 2, int(n)).astype(float)
    else:
        y = rng.integers(0, int(k), int(n))
    return model, params, X, y


KINDS = ["linear", "logistic", "softmax", "mlp"]


def numeric_grad(model, params, X, y, h=1e-6):
    grads = {}
    for key, value in params.items():
        g = np.zeros_like(value)
        for idx in np.ndindex(value.shape):
            plus = {k: v.copy() for k, v in params.items()}
            minus = {k: v.copy() for k, v in params.items()}
            plus[key][idx] += h
            minus[key][idx] -= h
            g[idx] = (model.loss(plus, X, y) - model.loss(minus, X, y)) / (2 * h)
        grads[key] = g
    return grads


# ---- known values, derived by hand -------------------------------------------------------

def test_linear_regression_known_values():
    # y_hat = [1*1 + 2*0 + 1, 1*0 + 2*1 + 1] = [2, 3]; errors [2-1, 3-5] = [1, -2]
    model = LinearRegression(2)
    params = {"W": np.array([[1.0], [2.0]]), "b": np.array([1.0])}
    X, y = np.eye(2), np.array([1.0, 5.0])
    loss, grads = model.loss_and_grad(params, X, y)
    assert loss == pytest.approx((1 + 4) / 2)
    # dL/dW = X^T 2 e / n = [1, -2]; dL/db = sum 2 e / n = -1
    np.testing.assert_allclose(grads["W"], [[1.0], [-2.0]])
    np.testing.assert_allclose(grads["b"], [-1.0])
    assert model.metric(params, X, y) == pytest.approx(2.5)


def test_softmax_uniform_logits_give_log_k():
    # zero weights -> equal probabilities 1/k -> loss log(k), gradient of b = mean(1/k - onehot)
    model = SoftmaxRegression(3, 4)
    params = {"W": np.zeros((3, 4)), "b": np.zeros(4)}
    X, y = np.ones((2, 3)), np.array([0, 0])
    loss, grads = model.loss_and_grad(params, X, y)
    assert loss == pytest.approx(np.log(4))
    np.testing.assert_allclose(grads["b"], [0.25 - 1, 0.25, 0.25, 0.25])
    np.testing.assert_allclose(model.predict(params, X), np.full((2, 4), 0.25))


@pytest.mark.parametrize("z", [1000.0, -1000.0, 745.0, -745.0, 40.0])
def test_bce_never_overflows(z):
    # For |z| large, BCE = softplus(z) - y z is z (y=0, z>0) or 0 (y=1, z>0); mirrored for z<0.
    model = LogisticRegression(1)
    params = {"W": np.array([[z]]), "b": np.zeros(1)}
    X = np.ones((2, 1))
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss, grads = model.loss_and_grad(params, X, np.array([0.0, 1.0]))
        p = model.predict(params, X)
    expected = (np.logaddexp(0, z) + np.logaddexp(0, -z)) / 2
    assert loss == pytest.approx(expected)
    assert np.all(np.isfinite(grads["W"])) and np.all((p >= 0) & (p <= 1))


def test_softmax_cross_entropy_never_overflows():
    model = SoftmaxRegression(1, 3)
    params = {"W": np.array([[1000.0, -1000.0, 0.0]]), "b": np.zeros(3)}
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss, grads = model.loss_and_grad(params, np.ones((1, 1)), np.array([1]))
    assert loss == pytest.approx(2000.0)  # log-sum-exp = 1000 + log(1 + e^-1000 + e^-2000)
    np.testing.assert_allclose(grads["b"], [1.0, -1.0, 0.0], atol=1e-300)


def test_sigmoid_and_softmax_helpers():
    z = np.linspace(-30, 30, 13)
    np.testing.assert_allclose(sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-14)
    p = softmax(np.array([[1.0, 2.0, 3.0]]))
    np.testing.assert_allclose(p, np.exp([[1, 2, 3]]) / np.exp([1, 2, 3]).sum())


def test_accuracy_counts_correct_predictions():
    model = SoftmaxRegression(2, 2)
    params = {"W": np.eye(2), "b": np.zeros(2)}  # predicts the larger coordinate
    X = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 1.0], [0.0, 3.0]])
    assert model.metric(params, X, [0, 1, 1, 0]) == 0.5
    logistic = LogisticRegression(1)
    assert logistic.metric({"W": np.ones((1, 1)), "b": np.zeros(1)}, [[1.0], [-1.0], [2.0]], [1, 1, 1]) == 2 / 3


# ---- properties over random inputs ---------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), kind=st.sampled_from(KINDS))
def test_gradient_matches_finite_differences(seed, kind):
    model, params, X, y = random_case(kind, np.random.default_rng(seed))
    _, grads = model.loss_and_grad(params, X, y)
    if kind == "mlp":  # a pre-activation within h of 0 makes the ReLU kink show in the difference
        z1 = X @ params["W1"] + params["b1"]
        if np.min(np.abs(z1)) < 1e-4:
            return
    numeric = numeric_grad(model, params, X, y)
    for key in params:
        np.testing.assert_allclose(grads[key], numeric[key], rtol=1e-5, atol=1e-7, err_msg=key)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), kind=st.sampled_from(KINDS))
def test_inputs_are_not_mutated(seed, kind):
    model, params, X, y = random_case(kind, np.random.default_rng(seed))
    copies = {k: v.copy() for k, v in params.items()}, X.copy(), y.copy()
    model.loss_and_grad(params, X, y)
    model.predict(params, X)
    for key in params:
        np.testing.assert_array_equal(params[key], copies[0][key])
    np.testing.assert_array_equal(X, copies[1])
    np.testing.assert_array_equal(y, copies[2])


def test_init_params_is_glorot_uniform_with_zero_biases():
    model = MLP(300, 200, 10)
    params = model.init_params(np.random.default_rng(0))
    assert {k: v.shape for k, v in params.items()} == {"W1": (300, 200), "b1": (200,), "W2": (200, 10),
                                                       "b2": (10,)}
    for key, (n_in, n_out) in (("W1", (300, 200)), ("W2", (200, 10))):
        limit = np.sqrt(6 / (n_in + n_out))  # Glorot & Bengio (2010), eq. 16
        w = params[key]
        assert np.abs(w).max() <= limit and np.abs(w).max() > 0.95 * limit
        # U(-l, l) has variance l^2 / 3; with >= 2,000 draws the sample variance is within 10 %
        assert abs(w.var() / (limit**2 / 3) - 1) < 0.1
    assert not params["b1"].any() and not params["b2"].any()
    again = model.init_params(np.random.default_rng(0))
    assert all(np.array_equal(params[k], again[k]) for k in params)


def test_weight_keys_and_metric_names():
    assert LinearRegression(2).metric_name == "mse"
    assert {LogisticRegression(2).metric_name, SoftmaxRegression(2, 3).metric_name, MLP(2, 3, 4).metric_name} \
        == {"accuracy"}
    assert MLP(2, 3, 4).weight_keys == ("W1", "W2") and SoftmaxRegression(2, 3).weight_keys == ("W",)


# ---- bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize("make, message", [
    (lambda: LinearRegression(0), "n_features must be an integer >= 1"),
    (lambda: SoftmaxRegression(3, 1), "n_classes must be an integer >= 2"),
    (lambda: MLP(3, 0, 2), "n_hidden must be an integer >= 1"),
    (lambda: MLP(3, 2.5, 2), "n_hidden must be an integer"),
])
def test_bad_constructor_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_data_and_params():
    model = SoftmaxRegression(2, 3)
    params = model.init_params(np.random.default_rng(0))
    X, y = np.ones((4, 2)), np.array([0, 1, 2, 1])
    cases = [
        (lambda: model.loss(params, np.ones((4, 3)), y), "X must have 2 features"),
        (lambda: model.loss(params, np.ones(4), y), "X must have 2 dimension"),
        (lambda: model.loss(params, X, y[:3]), "same number of samples"),
        (lambda: model.loss(params, np.full((4, 2), np.nan), y), "X must contain only finite values"),
        (lambda: model.loss(params, X, [0, 1, 3, 1]), r"integer class labels in \[0, 2\]"),
        (lambda: model.loss(params, X, [0, 1, 0.5, 1]), "integer class labels"),
        (lambda: model.loss({"W": params["W"]}, X, y), "params must be a dict with keys"),
        (lambda: model.loss({"W": params["W"].T, "b": params["b"]}, X, y), r"params\['W'\] must have shape"),
        (lambda: LogisticRegression(2).loss({"W": np.ones((2, 1)), "b": np.ones(1)}, X, [0, 1, 2, 0]),
         "binary labels 0 or 1"),
        (lambda: model.init_params(42), "rng must be a numpy Generator"),
    ]
    for call, message in cases:
        with pytest.raises((ValueError, TypeError), match=message):
            call()


KIND_MODELS = {"linear": LinearRegression(2), "logistic": LogisticRegression(2), "softmax": SoftmaxRegression(2, 3),
               "mlp": MLP(2, 3, 3)}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("method", ["loss", "loss_and_grad", "metric"])
@pytest.mark.parametrize("y, message", [
    ([0, 1, 2.5], "integer class labels|binary labels"),
    ([0, 1, -1], r"integer class labels in \[0, 2\]|binary labels"),
    ([0, 1, 1e19], r"got values in \[0, 1e\+19\]|binary labels"),
    ([0, 1, 10**30], "y must be numeric|integer class labels|binary labels"),
    ([0, 1, np.nan], "y must contain only finite values"),
    ([0, 1, None], "y must be"),
    (["0", "1", "1"], "y must be numeric"),
    ([[0], [1], [1]], "y must have 1 dimension"),
    (1, "y must have 1 dimension"),
    ([0, 1], "same number of samples"),
])
def test_every_method_refuses_bad_labels(kind, method, y, message):
    model = KIND_MODELS[kind]
    params = model.init_params(np.random.default_rng(0))
    if kind == "linear" and "label" in message:       # any finite real is a regression target
        getattr(model, method)(params, np.ones((3, 2)), np.asarray(y, dtype=float))
        return
    if kind == "linear" and "1e+19" in message:
        return
    with pytest.raises((ValueError, TypeError), match=message):
        getattr(model, method)(params, np.ones((3, 2)), y)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("X, message", [
    (np.ones(2), "X must have 2 dimension"), (np.array(1.0), "X must have 2 dimension"),
    (np.ones((1, 2, 2)), "X must have 2 dimension"), (np.ones((1, 3)), "X must have 2 features"),
    (np.zeros((0, 2)), "X must not be empty"), ([[1.0, None]], "X must be"), ([["a", "b"]], "X must be numeric"),
    ([[1.0, np.inf]], "X must contain only finite values"),
])
def test_every_method_refuses_bad_inputs(kind, X, message):
    model = KIND_MODELS[kind]
    params = model.init_params(np.random.default_rng(0))
    y = np.zeros(len(np.atleast_2d(X)), dtype=int) if np.ndim(X) == 2 else np.zeros(1, dtype=int)
    with pytest.raises((ValueError, TypeError), match=message):
        model.predict(params, X)
    for method in ("loss", "loss_and_grad", "metric"):
        with pytest.raises((ValueError, TypeError), match=message):
            getattr(model, method)(params, X, y)


@pytest.mark.parametrize("kind", KINDS)
def test_every_method_refuses_bad_params(kind):
    model = KIND_MODELS[kind]
    good = model.init_params(np.random.default_rng(0))
    key = next(iter(good))
    bad = [({k: v for k, v in good.items() if k != key}, "params must be a dict with keys"),
           (good | {"extra": np.ones(1)}, "params must be a dict with keys"),
           (None, "params must be a dict with keys"), ([1.0], "params must be a dict with keys"),
           (good | {key: None}, rf"params\['{key}'\] must be"),
           (good | {key: np.full(good[key].shape, np.nan)}, rf"params\['{key}'\] must contain only finite"),
           (good | {key: np.ones(good[key].shape, dtype=bool)}, rf"params\['{key}'\] must hold real numbers"),
           (good | {key: np.ones((7, 7))}, rf"params\['{key}'\] must have shape")]
    for params, message in bad:
        for call in (lambda: model.predict(params, np.ones((1, 2))), lambda: model.loss(params, np.ones((1, 2)), [0]),
                     lambda: model.loss_and_grad(params, np.ones((1, 2)), [0]),
                     lambda: model.metric(params, np.ones((1, 2)), [0]), lambda: model.check_params(params)):
            with pytest.raises((ValueError, TypeError), match=message):
                call()
    with pytest.raises(TypeError, match="^rng must be a numpy Generator"):
        model.init_params(None)


@pytest.mark.parametrize("kind", KINDS)
def test_overflow_is_refused_naming_the_inputs_not_returned_as_inf(kind):
    # finite inputs whose products overflow float64: a clear error, never a silent inf or nan
    model = KIND_MODELS[kind]
    params = {k: np.full(v.shape, 1e200) for k, v in model.init_params(np.random.default_rng(0)).items()}
    X, y = np.full((2, 2), 1e200), np.array([0, 1])
    calls = [lambda: model.loss(params, X, y), lambda: model.loss_and_grad(params, X, y)]
    if kind != "logistic":   # a sigmoid saturates at 0 or 1 without overflowing
        calls.append(lambda: model.predict(params, X))
    for call in calls:
        with pytest.raises(ValueError, match=r"overflowed to nan/inf: X, y or params hold values too large"):
            call()


@pytest.mark.parametrize("kind", KINDS)
def test_one_sample_and_one_feature(kind):
    # the smallest problem: n = 1, d = 1; gradients still match finite differences
    model = {"linear": LinearRegression(1), "logistic": LogisticRegression(1), "softmax": SoftmaxRegression(1, 2),
             "mlp": MLP(1, 1, 2)}[kind]
    params = {k: np.full(shape, 0.3) for k, shape in model.param_shapes().items()}
    X, y = np.array([[0.7]]), np.array([1])
    loss, grads = model.loss_and_grad(params, X, y)
    numeric = numeric_grad(model, params, X, y)
    for key in params:
        np.testing.assert_allclose(grads[key], numeric[key], rtol=1e-5, atol=1e-8)
    if kind == "linear":   # (0.3 * 0.7 + 0.3 - 1)^2 = 0.49^2
        assert loss == pytest.approx(0.49**2, rel=1e-14)
    assert model.predict(params, X).shape == ((1,) if kind in ("linear", "logistic") else (1, 2))


def test_constructor_sizes_are_bounded():
    for make, message in [(lambda: LinearRegression(10**30), "n_features must be an integer >= 1 and <= 100000"),
                          (lambda: MLP(10**5, 10**5, 10), r"make 10001100010 parameters; at most 10000000"),
                          (lambda: SoftmaxRegression(10**4, 10**4), "at most 10000000"),
                          (lambda: LogisticRegression(True), "n_features must be an integer"),
                          (lambda: MLP(2, 3, 1), "n_classes must be an integer >= 2")]:
        with pytest.raises(ValueError, match=message):
            make()


def test_helpers_check_their_arguments():
    from course_lib.models import glorot_uniform
    assert sigmoid(np.zeros(0)).shape == (0,) and float(sigmoid(np.array(0.0))) == 0.5   # empty and 0-d
    assert sigmoid(np.float32([1.0])).dtype == np.float32
    for bad, message in [(None, "z must be numeric"), ([np.nan], "z must contain only finite"), (["a"], "z must be")]:
        for f in (sigmoid, softmax):
            with pytest.raises((ValueError, TypeError), match=message):
                f(bad)
    with pytest.raises(ValueError, match="z must have 1 or 2 or 3 dimension"):
        softmax(np.array(1.0))
    with pytest.raises(TypeError, match="^rng must be a numpy Generator"):
        glorot_uniform(0, 2, 2)
    with pytest.raises(ValueError, match="^n_out must be an integer >= 1"):
        glorot_uniform(np.random.default_rng(0), 2, 0)
    with pytest.raises(ValueError, match="^n_in \\* n_out must be at most"):
        glorot_uniform(np.random.default_rng(0), 10**5, 10**5)


def test_logistic_accuracy_at_a_logit_of_exactly_zero_counts_as_negative():
    # p = sigmoid(0) = 0.5 exactly; Keras's BinaryAccuracy predicts 1 only for p > 0.5 (threshold 0.5)
    model = LogisticRegression(1)
    params = {"W": np.ones((1, 1)), "b": np.zeros(1)}
    X = np.array([[0.0], [0.0], [1e-300], [-1e-300]])
    assert model.predict(params, X)[0] == 0.5
    assert model.metric(params, X[:2], [0, 1]) == 0.5            # predicted 0: right for 0, wrong for 1
    assert model.metric(params, X[:2], [0, 0]) == 1.0
    assert model.metric(params, X[2:], [1, 0]) == 1.0            # the tiniest logits decide by their sign


# ---- agreement with TensorFlow -------------------------------------------------------------

def tape_loss_and_grads(model, params, X, y, dtype):
    from course_lib.tf_twins.models import get_params, keras_loss, set_params, to_keras  # before TF: quiet logs
    import tensorflow as tf
    net = to_keras(model, dtype=dtype)
    set_params(net, model, params)
    np.testing.assert_allclose(get_params(net, model)["b" if "b" in params else "b1"],
                               params["b" if "b" in params else "b1"], rtol=1e-6)
    with tf.GradientTape() as tape:
        loss = keras_loss(model, dtype)(y.astype(dtype), net(X.astype(dtype)))
    grads = tape.gradient(loss, net.trainable_weights)
    keys = list(model.param_shapes())
    return float(loss), {k: g.numpy() for k, g in zip(keys, grads)}, net


@pytest.mark.tf
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype, rtol, atol", [("float64", 1e-9, 1e-12), ("float32", 1e-4, 1e-5)])
def test_loss_and_gradient_match_gradient_tape(kind, dtype, rtol, atol):
    rng = np.random.default_rng(KINDS.index(kind) + (17 if dtype == "float64" else 29))
    for _ in range(4):
        model, params, X, y = random_case(kind, rng)
        loss, grads = model.loss_and_grad(params, X, y)
        tf_loss, tf_grads, net = tape_loss_and_grads(model, params, X, y, dtype)
        assert loss == pytest.approx(tf_loss, rel=rtol, abs=atol)
        for key in params:
            np.testing.assert_allclose(grads[key], tf_grads[key], rtol=rtol, atol=atol, err_msg=key)
        np.testing.assert_allclose(model.predict(params, X), np.asarray(net(X.astype(dtype))).reshape(
            model.predict(params, X).shape), rtol=rtol, atol=atol)


@pytest.mark.tf
def test_logistic_accuracy_at_a_logit_of_exactly_zero_matches_keras_binary_accuracy():
    import keras
    model = LogisticRegression(1)
    params = {"W": np.ones((1, 1)), "b": np.zeros(1)}
    X = np.array([[0.0], [0.0], [2.0], [-2.0], [0.0]])
    y = np.array([1, 0, 1, 1, 0])
    p = model.predict(params, X)
    keras_acc = keras.metrics.BinaryAccuracy(threshold=0.5)
    keras_acc.update_state(y.astype("float64"), p)
    assert model.metric(params, X, y) == pytest.approx(float(keras_acc.result())) == 0.6   # 0.5 counts as 0
    assert keras.metrics.BinaryAccuracy().threshold == 0.5      # the default the course relies on


@pytest.mark.tf
@pytest.mark.parametrize("kind", ["logistic", "softmax"])
def test_extreme_logits_match_tensorflow(kind):
    # logits of +-1000: both must stay finite and agree (Keras computes these losses from logits)
    model, params, X, y = random_case(kind, np.random.default_rng(3), scale=1000.0)
    loss, grads = model.loss_and_grad(params, X, y)
    tf_loss, tf_grads, _ = tape_loss_and_grads(model, params, X, y, "float64")
    assert np.isfinite(loss) and loss == pytest.approx(tf_loss, rel=1e-9)
    for key in params:
        np.testing.assert_allclose(grads[key], tf_grads[key], rtol=1e-9, atol=1e-9)
