"""Tests of course_lib.training.fit and its TensorFlow twin.

Reference values come from independent loops written here (model.loss_and_grad +
optimizer.update over course_lib.training.batch_indices), from closed forms, or from the TF
twin. Tolerances: the reference loops do the same float64 operations, compared at rtol 1e-12;
numpy fit vs the TF GradientTape twin over 3 epochs: float64 on both sides rtol 1e-10 on every
step loss (observed ~1e-15); TF in float32 vs numpy float64 rtol 1e-4 (observed ~1e-6: float32
rounding, 2^-24 ~ 6e-8 per operation, grows over the updates).
"""
from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.models import MLP, LinearRegression, LogisticRegression, SoftmaxRegression
from course_lib.optim import SGD, Adam, GradientDescent
from course_lib.training import (History, TrainingDiverged, batch_indices, batch_size_name, epoch_order,
                                 fit)


def regression_data(n=30, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    return X, X @ rng.standard_normal(d) + 0.5 + 0.1 * rng.standard_normal(n)


def classification_data(n=40, d=4, k=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.integers(0, k, n)


def reference_fit(model, X, y, params, optimizer, lrs, batch_size, epochs, seed, regularizer=None):
    """An independent, plain loop: per-key optimizer update over batch_indices(seed)."""
    rng, state, losses, step = np.random.default_rng(seed), optimizer.init(params), [], 0
    for _ in range(epochs):
        for idx in batch_indices(len(X), batch_size, rng):
            loss, grads = model.loss_and_grad(params, X[idx], y[idx])
            if regularizer is not None:
                for k in model.weight_keys:
                    loss += regularizer.penalty(params[k])
                    grads[k] = grads[k] + regularizer.gradient(params[k])
            losses.append(loss)
            params, state = optimizer.update(grads, state, params, lrs[step])
            if hasattr(regularizer, "prox"):
                params = {k: regularizer.prox(v, lrs[step]) if k in model.weight_keys else v
                          for k, v in params.items()}
            step += 1
    return params, np.array(losses)


class StandInL2:
    """A tiny L2 of our own (Keras convention: l2 * sum(w^2), gradient 2 l2 w)."""

    def __init__(self, l2):
        self.l2 = l2

    def penalty(self, w):
        return self.l2 * float(np.sum(w**2))

    def gradient(self, w):
        return 2 * self.l2 * w


class StandInProxL1(StandInL2):
    """Proximal L1: no gradient; soft-threshold by lr * l1 after each step."""

    def penalty(self, w):
        return self.l2 * float(np.sum(np.abs(w)))

    def gradient(self, w):
        return np.zeros_like(w)

    def prox(self, w, learning_rate):
        return np.sign(w) * np.maximum(np.abs(w) - learning_rate * self.l2, 0)


# ---- the batch size decides the algorithm ------------------------------------------------

@pytest.mark.parametrize("batch_size, per_epoch", [(30, 1), (8, 4), (1, 30)])
def test_number_of_updates_and_last_partial_batch(batch_size, per_epoch):
    X, y = regression_data()
    h = fit(LinearRegression(3), X, y, batch_size=batch_size, epochs=3, optimizer=GradientDescent(),
            learning_rate=0.01, rng=np.random.default_rng(0))
    assert h.n_steps == 3 * per_epoch and h.n_epochs == 3
    sizes = [len(b) for b in batch_indices(30, batch_size, 0)]
    assert sum(sizes) == 30 and len(sizes) == per_epoch  # 30 = 8+8+8+6: the partial batch is kept
    # the epoch loss is the sample-weighted mean of its batch losses
    np.testing.assert_allclose(h.epoch_loss[0], np.dot(h.step_loss[:per_epoch], sizes) / 30, rtol=1e-12)
    assert sorted(h.batch_order[1].tolist()) == list(range(30))


def test_batch_gradient_descent_matches_closed_form_updates():
    # L = mean((Xw + b - y)^2); grad_w = 2/n X^T r, grad_b = 2/n sum r; w <- w - lr grad
    X, y = regression_data()
    h = fit(LinearRegression(3), X, y, batch_size=30, epochs=25, optimizer=GradientDescent(),
            learning_rate=0.1, params={"W": np.zeros((3, 1)), "b": np.zeros(1)}, shuffle=False)
    w, b = np.zeros(3), 0.0
    for t in range(25):
        r = X @ w + b - y
        assert h.step_loss[t] == pytest.approx(np.mean(r**2), rel=1e-12)
        w, b = w - 0.1 * 2 / 30 * X.T @ r, b - 0.1 * 2 / 30 * r.sum()
    np.testing.assert_allclose(h.params["W"][:, 0], w, rtol=1e-12)
    np.testing.assert_allclose(h.params["b"], [b], rtol=1e-12)
    np.testing.assert_array_equal(h.batch_order, np.tile(np.arange(30), (25, 1)))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), batch_size=st.integers(1, 23), epochs=st.integers(1, 3),
       opt=st.sampled_from(["gd", "nesterov", "adam"]))
def test_fit_equals_an_independent_loop(seed, batch_size, epochs, opt):
    X, y = classification_data(n=23, seed=seed % 1000)
    model = MLP(4, 5, 3)
    params = model.init_params(np.random.default_rng(seed))
    optimizer = {"gd": GradientDescent(), "nesterov": SGD(0.9, nesterov=True), "adam": Adam()}[opt]
    h = fit(model, X, y, batch_size=batch_size, epochs=epochs, optimizer=optimizer, learning_rate=0.05,
            rng=np.random.default_rng(seed), params=params)
    ref_params, ref_losses = reference_fit(model, X, y, params, optimizer, [0.05] * h.n_steps, batch_size,
                                           epochs, seed)
    np.testing.assert_allclose(h.step_loss, ref_losses, rtol=1e-12)
    for key in params:
        np.testing.assert_allclose(h.params[key], ref_params[key], rtol=1e-10, atol=1e-13)
    assert h.n_steps == epochs * -(-23 // batch_size)


def test_inputs_are_not_mutated_and_history_is_plain_arrays():
    X, y = classification_data()
    model = SoftmaxRegression(4, 3)
    params = model.init_params(np.random.default_rng(1))
    frozen, X0 = {k: v.copy() for k, v in params.items()}, X.copy()
    h = fit(model, X, y, batch_size=7, epochs=2, optimizer=Adam(), learning_rate=0.01, params=params, rng=3)
    assert all(np.array_equal(params[k], frozen[k]) for k in params) and np.array_equal(X, X0)
    assert isinstance(h, History)
    for name in ("step_loss", "step_learning_rate", "step_grad_norm", "epoch_loss", "epoch_metric"):
        assert type(getattr(h, name)) is np.ndarray
    assert h.epoch_val_loss.size == 0 and set(h.history) == {"loss", "accuracy", "learning_rate"}


# ---- learning rates ---------------------------------------------------------------------

def test_schedule_per_step_and_per_epoch():
    X, y = regression_data()
    schedule = lambda t: 0.1 * 0.5 ** (np.asarray(t) / 4)  # noqa: E731
    h = fit(LinearRegression(3), X, y, batch_size=10, epochs=3, optimizer=GradientDescent(), schedule=schedule,
            rng=0)
    np.testing.assert_allclose(h.step_learning_rate, 0.1 * 0.5 ** (np.arange(9) / 4))
    np.testing.assert_allclose(h.epoch_learning_rate, h.step_learning_rate[[2, 5, 8]])
    h = fit(LinearRegression(3), X, y, batch_size=10, epochs=3, optimizer=GradientDescent(), schedule=schedule,
            schedule_per="epoch", rng=0)
    np.testing.assert_allclose(h.step_learning_rate, np.repeat(0.1 * 0.5 ** (np.arange(3) / 4), 3))


def test_scheduled_steps_match_the_reference_loop():
    X, y = classification_data()
    model = SoftmaxRegression(4, 3)
    params = model.init_params(np.random.default_rng(0))
    lrs = 0.2 / (1 + 0.3 * np.arange(12))
    h = fit(model, X, y, batch_size=10, epochs=3, optimizer=SGD(0.5), schedule=lambda t: lrs[t], params=params,
            rng=np.random.default_rng(4))
    ref, losses = reference_fit(model, X, y, params, SGD(0.5), lrs, 10, 3, 4)
    np.testing.assert_allclose(h.step_loss, losses, rtol=1e-12)
    np.testing.assert_allclose(h.params["W"], ref["W"], rtol=1e-12)


def test_a_plain_python_schedule_is_called_once_per_step():
    # `0.1 if t < 5 else 0.01` has no meaning on an array of steps; fit calls it with each int step
    X, y = regression_data()
    seen = []

    def piecewise(t):
        seen.append(t)
        return 0.1 if t < 5 else 0.01

    h = fit(LinearRegression(3), X, y, batch_size=10, epochs=3, optimizer=GradientDescent(), schedule=piecewise,
            rng=0)
    np.testing.assert_array_equal(h.step_learning_rate, [0.1] * 5 + [0.01] * 4)
    assert seen[-9:] == list(range(9)) and all(type(t) is int for t in seen[-9:])
    h = fit(LinearRegression(3), X, y, batch_size=10, epochs=3, optimizer=GradientDescent(),
            schedule=lambda t: 1e-2, rng=0)                       # a constant: the same rate each step
    np.testing.assert_array_equal(h.step_learning_rate, [1e-2] * 9)
    h = fit(LinearRegression(3), X, y, batch_size=10, epochs=4, optimizer=GradientDescent(),
            schedule=lambda e: [0.1, 0.05, 0.02, 0.0][e], schedule_per="epoch", rng=0)
    np.testing.assert_array_equal(h.step_learning_rate, np.repeat([0.1, 0.05, 0.02, 0.0], 3))  # 0 is allowed


@pytest.mark.parametrize("schedule, error, message", [
    (0.1, TypeError, r"^schedule must be callable \(step -> learning rate\), got 0.1"),
    ("exponential", TypeError, "^schedule must be callable"),
    (lambda t: -0.1, ValueError, r"^schedule must return learning rates that are finite numbers >= 0, "
                                 r"got schedule\(0\) = -0.1"),
    (lambda t: np.nan if t == 2 else 0.1, ValueError, r"got schedule\(2\) = nan"),
    (lambda t: np.full(np.shape(t), np.inf), ValueError, r"got schedule\(0\) = inf"),
    (lambda t: None, TypeError, r"^schedule must return a learning rate \(a number\) for each step, "
                                r"got schedule\(0\) = None"),
    (lambda t: "0.1", TypeError, r"got schedule\(0\) = '0.1'"),
    (lambda t: True, TypeError, r"got schedule\(0\) = True"),
    (lambda t: 1j, TypeError, r"got schedule\(0\) = 1j"),
    (lambda t: [0.1, 0.2], TypeError, r"got schedule\(0\) = \[0.1, 0.2\]"),
    (lambda t: 1 / (t - 2) if t != 2 else 1 / 0, ValueError, r"^schedule\(2\) raised ZeroDivisionError"),
    (lambda: 0.1, ValueError, r"^schedule\(0\) raised TypeError"),
])
def test_bad_schedules_are_refused_naming_the_schedule(schedule, error, message):
    X, y = regression_data()
    with pytest.raises(error, match=message):
        fit(LinearRegression(3), X, y, batch_size=10, epochs=1, optimizer=GradientDescent(), schedule=schedule,
            rng=0)


# ---- divergence --------------------------------------------------------------------------

def test_divergence_raises_with_step_epoch_and_learning_rate():
    X, y = regression_data()
    X = X * 100
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow RuntimeWarning escapes to a notebook's stderr
        with pytest.raises(TrainingDiverged) as info:
            fit(LinearRegression(3), X, y, batch_size=10, epochs=50, optimizer=GradientDescent(),
                learning_rate=1.0, rng=0, divergence_factor=None)
    err = info.value
    assert isinstance(err, FloatingPointError)
    assert re.search(rf"at step {err.step} \(epoch {err.epoch}, batch_size=10\) with learning_rate=1\b", str(err))
    assert "the loss became nan/inf" in str(err)
    h = err.history
    assert h.n_steps == err.step + 1 and not np.isfinite(h.step_loss[-1])
    assert np.all(np.isfinite(h.step_loss[:-1])) and h.n_epochs == err.epoch == err.step // 3
    # the loss grew by a factor > 1 at each step: gradient descent with lr far above 2/L
    assert np.all(np.diff(h.step_loss[1:-1]) > 0)


# A bowl whose every number is a power of 2: X = [[1], [-1], ...], y = 0 gives
# L(w, b) = w^2 + b^2 on any batch holding both signs, gradient (2w, 2b). From w = 1, b = 0 with
# lr = 1.5, GD maps w -> (1 - 2 lr) w = -2 w: the loss is 4^t at step t, and L0 = 1.
BOWL_X, BOWL_START = np.array([[1.0], [-1.0], [1.0], [-1.0]]), {"W": np.ones((1, 1)), "b": np.zeros(1)}


def bowl_fit(batch_size, **kw):
    n = 2 if batch_size == 2 and kw.pop("n", 4) == 2 else 4
    return fit(LinearRegression(1), BOWL_X[:n], np.zeros(n), batch_size=batch_size,
               **({"epochs": 10, "optimizer": GradientDescent(), "learning_rate": 1.5, "params": BOWL_START,
                   "shuffle": False} | kw))


@pytest.mark.parametrize("factor, stop_step", [(1000, 5), (2000, 6), (4**7 - 1, 7), (4**7, 8)])
def test_batch_gd_stops_once_the_loss_exceeds_divergence_factor_times_the_initial_loss(factor, stop_step):
    # 4^5 = 1024 > 1000 is the first loss above 1000 x L0; 4^7 is not above 4^7 (strict)
    with pytest.raises(TrainingDiverged) as info:
        bowl_fit(4, divergence_factor=factor)
    err, h = info.value, info.value.history
    assert (err.step, err.epoch, err.learning_rate) == (stop_step, stop_step, 1.5)
    np.testing.assert_array_equal(h.step_loss, 4.0 ** np.arange(stop_step + 1))
    assert h.n_epochs == stop_step and len(h.epoch_learning_rate) == stop_step  # the completed epochs
    assert f"the loss grew to {4**stop_step:.4g}, more than divergence_factor={factor:g} times the initial " \
           f"loss 1, at step {stop_step} (epoch {stop_step}, batch_size=4)" in str(err)
    assert np.isfinite(h.params["W"]).all() and h.params["W"][0, 0] == (-2.0) ** stop_step


def test_default_divergence_factor_is_1000_and_none_turns_the_rule_off():
    from course_lib.training import DIVERGENCE_FACTOR
    assert DIVERGENCE_FACTOR == 1000
    with pytest.raises(TrainingDiverged) as info:
        bowl_fit(4)
    assert info.value.step == 5
    h = bowl_fit(4, divergence_factor=None)              # 10 epochs: 4^9 is finite, so it returns
    np.testing.assert_array_equal(h.step_loss, 4.0 ** np.arange(10))


def test_mini_batches_are_judged_by_the_epoch_loss_or_by_a_batch_that_proves_it():
    # B = 2 of n = 4: two steps per epoch, step losses 4^t. Epoch means: 2.5, 40, 640, 10240.
    # factor 600: no batch exceeds n/B * 600 = 1200 before epoch 3, but epoch 2's mean 640 > 600
    with pytest.raises(TrainingDiverged) as info:
        bowl_fit(2, divergence_factor=600)
    err, h = info.value, info.value.history
    assert (err.step, err.epoch) == (5, 2) and "the loss of epoch 2 (mean over its batches) grew to 640" in str(err)
    assert h.n_steps == 6 and h.n_epochs == 2 and len(h.epoch_learning_rate) == len(h.epoch_metric) == 2
    # factor 1000: epoch 3's first batch, 4^6 = 4096 > n/B * 1000 = 2000, proves the mean is above 1000
    with pytest.raises(TrainingDiverged) as info:
        bowl_fit(2)
    assert (info.value.step, info.value.epoch) == (6, 3) and "the loss grew to 4096" in str(info.value)


def test_a_large_learning_rate_does_not_run_to_astronomical_losses():
    # the kind of run that used to return normally with a loss of 3.6e161
    X, y = regression_data()
    with pytest.raises(TrainingDiverged) as info:
        fit(LinearRegression(3), X, y, batch_size=30, epochs=5, optimizer=GradientDescent(), learning_rate=1e3,
            params={"W": np.zeros((3, 1)), "b": np.zeros(1)}, shuffle=False)
    h = info.value.history
    L0 = np.mean(y**2)                                   # zero weights predict 0
    assert h.step_loss[-1] > 1000 * L0 and np.all(h.step_loss[:-1] <= 1000 * L0)


def test_training_stops_when_the_gradient_becomes_infinite_while_the_loss_is_finite():
    # one sample x = 1e200, y = 1 from zero weights: loss (0 - 1)^2 = 1, gradient 2 x (0 - 1) = -2e200,
    # whose norm overflows: the step must not be taken
    with pytest.raises(TrainingDiverged) as info:
        fit(LinearRegression(1), [[1e200]], [1.0], batch_size=1, epochs=3, optimizer=GradientDescent(),
            learning_rate=0.1, params={"W": np.zeros((1, 1)), "b": np.zeros(1)}, shuffle=False)
    err = info.value
    assert "the gradient became nan/inf at step 0" in str(err)
    assert err.history.step_loss.tolist() == [1.0] and not np.isfinite(err.history.step_grad_norm[0])
    assert err.history.params["W"][0, 0] == 0.0        # the bad update was not applied

    class InfiniteGradientAtStep3:                       # the contract only: a truly infinite gradient
        metric_name, weight_keys, calls = "mse", ("w",), 0

        def loss(self, params, X, y):
            return float(np.mean((params["w"] - y) ** 2))

        def loss_and_grad(self, params, X, y):
            self.calls += 1
            g = np.inf if self.calls == 4 else 2 * np.mean(params["w"] - y)
            return self.loss(params, X, y), {"w": np.array([g])}

        def metric(self, params, X, y):
            return self.loss(params, X, y)

    with pytest.raises(TrainingDiverged) as info:
        fit(InfiniteGradientAtStep3(), np.zeros((4, 1)), np.ones(4), batch_size=4, epochs=10,
            optimizer=GradientDescent(), learning_rate=0.25, params={"w": np.array([0.0])}, shuffle=False)
    h = info.value.history
    assert info.value.step == 3 and "the gradient became nan/inf" in str(info.value)
    assert np.all(np.isfinite(h.step_loss)) and h.step_loss[-1] < h.step_loss[0]   # the loss was falling
    # w_t = 1 - 0.5^t: the three good updates, not the fourth
    assert h.params["w"][0] == 1 - 0.5**3 and h.n_epochs == 3


def test_divergent_validation_data_names_the_validation_loss_and_keeps_a_consistent_history():
    X = np.linspace(-1, 1, 8)[:, None]
    y = 2 * X[:, 0]
    # the validation input 1e154 makes (w 1e154)^2 overflow once |w| > ~1.34: after some epochs
    with pytest.raises(TrainingDiverged) as info:
        fit(LinearRegression(1), X, y, batch_size=8, epochs=200, optimizer=GradientDescent(), learning_rate=0.3,
            params={"W": np.zeros((1, 1)), "b": np.zeros(1)}, shuffle=False,
            validation_data=([[1e154]], [0.0]))
    err, h = info.value, info.value.history
    text = str(err)
    assert "the validation loss became inf at the end of epoch" in text and "validation_data" in text
    assert "smaller learning rate" not in text                # the training run itself is fine
    assert err.epoch >= 1
    lengths = {len(a) for a in (h.epoch_loss, h.epoch_metric, h.epoch_val_loss, h.epoch_val_metric,
                                h.epoch_learning_rate)}
    assert lengths == {err.epoch}                            # the completed epochs, all of them
    assert np.all(np.isfinite(h.epoch_val_loss)) and h.n_steps == err.epoch + 1 == err.step + 1


def test_a_regularizer_that_refuses_overflowing_weights_means_divergence():
    # course_lib's L2 refuses inf weights with a ValueError; inside fit that is the run diverging
    from course_lib.regularization import L2
    with pytest.raises(TrainingDiverged, match="became nan/inf"):
        bowl_fit(4, regularizer=L2(2**-4), learning_rate=40.0, epochs=400, divergence_factor=None)


def test_initial_loss_that_overflows_is_a_value_error_naming_the_data():
    with pytest.raises(ValueError, match="the loss of the initial params on the training data is inf: X, y or params"):
        fit(LinearRegression(1), [[1e200], [1.0]], [0.0, 1.0], batch_size=2, epochs=1, optimizer=GradientDescent(),
            learning_rate=0.1, params={"W": np.ones((1, 1)), "b": np.zeros(1)}, shuffle=False)


# ---- regularizer, clipping ---------------------------------------------------------------

def test_regularizer_adds_penalty_to_loss_and_gradient():
    X, y = classification_data()
    model, reg = MLP(4, 6, 3), StandInL2(0.01)
    params = model.init_params(np.random.default_rng(2))
    h = fit(model, X, y, batch_size=8, epochs=2, optimizer=SGD(0.9), learning_rate=0.05, regularizer=reg,
            params=params, rng=np.random.default_rng(5), validation_data=(X[:10], y[:10]))
    first = batch_indices(40, 8, np.random.default_rng(5))[0]
    penalty = reg.penalty(params["W1"]) + reg.penalty(params["W2"])  # biases are not penalized
    assert h.step_loss[0] == pytest.approx(model.loss(params, X[first], y[first]) + penalty, rel=1e-12)
    ref, losses = reference_fit(model, X, y, params, SGD(0.9), [0.05] * 10, 8, 2, 5, reg)
    np.testing.assert_allclose(h.step_loss, losses, rtol=1e-12)
    np.testing.assert_allclose(h.params["W1"], ref["W1"], rtol=1e-10)
    final_penalty = reg.penalty(h.params["W1"]) + reg.penalty(h.params["W2"])
    assert h.epoch_val_loss[-1] == pytest.approx(model.loss(h.params, X[:10], y[:10]) + final_penalty)


def test_proximal_regularizer_makes_exact_zeros():
    X, y = regression_data(d=6)
    model, reg = LinearRegression(6), StandInProxL1(0.5)
    params = model.init_params(np.random.default_rng(0))
    h = fit(model, X, y, batch_size=30, epochs=40, optimizer=GradientDescent(), learning_rate=0.05,
            regularizer=reg, params=params, rng=0)
    ref, _ = reference_fit(model, X, y, params, GradientDescent(), [0.05] * 40, 30, 40, 0, reg)
    np.testing.assert_allclose(h.params["W"], ref["W"], rtol=1e-12, atol=0)
    assert np.count_nonzero(h.params["W"] == 0.0) > 0


@pytest.mark.parametrize("kind", ["clipvalue", "clipnorm", "global_clipnorm"])
def test_clipping_bounds_each_update(kind):
    # plain GD: the update is -lr * clipped g, so its size is bounded by lr * c in the clip's own norm
    X, y = regression_data()
    X = X * 10
    model, c, lr = LinearRegression(3), 0.5, 0.01
    p0 = model.init_params(np.random.default_rng(0))
    h = fit(model, X, y, batch_size=30, epochs=1, optimizer=GradientDescent(), learning_rate=lr,
            params=p0, rng=0, **{kind: c})
    dw, db = p0["W"] - h.params["W"], p0["b"] - h.params["b"]
    assert h.step_grad_norm[0] > 10 * c  # recorded before clipping
    if kind == "clipvalue":
        assert max(np.abs(dw).max(), np.abs(db).max()) == pytest.approx(lr * c)
    elif kind == "clipnorm":  # each array by its own norm
        assert np.linalg.norm(dw) == pytest.approx(lr * c) and np.linalg.norm(db) <= lr * c * (1 + 1e-12)
    else:
        assert np.hypot(np.linalg.norm(dw), np.linalg.norm(db)) == pytest.approx(lr * c)


# ---- callbacks ---------------------------------------------------------------------------

class Recorder:
    def __init__(self, stop_at=None, new_lr=None):
        self.calls, self.stop_at, self.new_lr = [], stop_at, new_lr

    def on_train_begin(self, state):
        self.calls.append(("begin", state.epoch, state.step))

    def on_epoch_end(self, epoch, logs, state):
        self.calls.append(("epoch", epoch, dict(logs), state.step, state.learning_rate))
        if epoch == self.stop_at:
            state.stop_training = True
        if self.new_lr is not None:
            state.learning_rate = self.new_lr

    def on_train_end(self, state):
        self.calls.append(("end", state.epoch, state.step))


def test_callbacks_see_keras_logs_and_can_stop():
    X, y = classification_data()
    rec = Recorder(stop_at=2)
    h = fit(SoftmaxRegression(4, 3), X, y, batch_size=16, epochs=10, optimizer=Adam(), learning_rate=0.01,
            validation_data=(X[:8], y[:8]), callbacks=(rec,), rng=0)
    assert h.n_epochs == 3 and h.stopped_early and h.stopped_epoch == 2 and h.n_steps == 9
    assert rec.calls[0] == ("begin", 0, 0) and rec.calls[-1] == ("end", 2, 9)
    _, epoch, logs, step, lr = rec.calls[1]
    assert (epoch, step, lr) == (0, 3, 0.01)
    assert set(logs) == {"loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"}
    assert logs["loss"] == h.epoch_loss[0] and logs["val_accuracy"] == h.epoch_val_metric[0]
    assert h.history["val_loss"] == h.epoch_val_loss.tolist()


def test_callback_learning_rate_is_used_from_the_next_step():
    X, y = regression_data()
    h = fit(LinearRegression(3), X, y, batch_size=10, epochs=3, optimizer=GradientDescent(), learning_rate=0.1,
            callbacks=[Recorder(new_lr=0.025)], rng=0)
    np.testing.assert_array_equal(h.step_learning_rate, [0.1] * 3 + [0.025] * 6)
    np.testing.assert_array_equal(h.epoch_learning_rate, [0.1, 0.025, 0.025])
    with pytest.raises(ValueError, match="changed state.learning_rate while a schedule is in use"):
        fit(LinearRegression(3), X, y, batch_size=10, epochs=3, optimizer=GradientDescent(),
            schedule=lambda t: 0.1 + 0 * np.asarray(t), callbacks=[Recorder(new_lr=0.025)], rng=0)


def test_callback_can_replace_params():
    X, y = regression_data()
    zeros = {"W": np.zeros((3, 1)), "b": np.zeros(1)}

    class Restore:
        def on_train_end(self, state):
            state.params = zeros

    h = fit(LinearRegression(3), X, y, batch_size=10, epochs=2, optimizer=GradientDescent(), learning_rate=0.1,
            callbacks=[Restore()], rng=0)
    assert not h.params["W"].any() and h.params["W"] is not zeros["W"]


class OnlyEnd:
    def on_train_end(self, state):
        pass


class Misspelt:
    def on_epoch_ends(self, epoch, logs, state):
        pass


class KerasLike(OnlyEnd):
    def on_train_batch_end(self, batch, logs=None):
        pass


class HookNotCallable:
    on_epoch_end = 3


@pytest.mark.parametrize("callbacks, error, message", [
    ("EarlyStopping", TypeError, r"^callbacks must be a list or tuple of callback objects.*got 'EarlyStopping'"),
    (Recorder(), TypeError, "^callbacks must be a list or tuple"),
    ([Recorder], TypeError, r"^callbacks\[0\] is the class Recorder, not an instance of it: write Recorder\(...\)"),
    ([OnlyEnd(), None], TypeError, r"^callbacks\[1\] must have at least one of the methods on_train_begin"),
    ([object()], TypeError, r"^callbacks\[0\] must have at least one of the methods"),
    ([Misspelt()], ValueError, r"^callbacks\[0\] \(Misspelt\) has a method 'on_epoch_ends' that fit never calls "
                               r"\(did you mean 'on_epoch_end'\?\)"),
    ([KerasLike()], ValueError, r"'on_train_batch_end' that fit never calls \(a Keras hook: Keras callbacks do not work"),
    ([HookNotCallable()], TypeError, r"^callbacks\[0\].on_epoch_end must be callable, got 3"),
])
def test_callbacks_are_validated(callbacks, error, message):
    X, y = regression_data()
    with pytest.raises(error, match=message):
        fit(LinearRegression(3), X, y, batch_size=10, epochs=1, optimizer=GradientDescent(), learning_rate=0.1,
            callbacks=callbacks, rng=0)


def test_callbacks_none_means_no_callbacks_as_in_keras():
    X, y = regression_data()
    a, b = (fit(LinearRegression(3), X, y, batch_size=10, epochs=2, optimizer=GradientDescent(), learning_rate=0.1,
                callbacks=cbs, rng=0) for cbs in (None, []))
    np.testing.assert_array_equal(a.step_loss, b.step_loss)


class Breaker:
    """At the end of epoch `at`, breaks the state the way `how` says."""

    def __init__(self, at, how):
        self.at, self.how = at, how

    def on_epoch_end(self, epoch, logs, state):
        if epoch != self.at:
            return
        how = self.how if isinstance(self.how, str) else None
        if how == "nan in place":
            state.params["W"][0, 0] = np.nan
        elif how == "inf params":
            state.params = {"W": np.full((3, 1), np.inf), "b": np.zeros(1)}
        elif how == "wrong shape":
            state.params = {"W": np.zeros((2, 1)), "b": np.zeros(1)}
        elif how == "stop as an array":
            state.stop_training = np.array([True, False])
        else:
            state.learning_rate = self.how


@pytest.mark.parametrize("how, error, message", [
    ("nan in place", TrainingDiverged, r"callbacks\[0\] \(Breaker\)\.on_epoch_end changed state.params in place to nan/inf"),
    ("inf params", TrainingDiverged, r"set state.params to values with nan/inf"),
    (np.nan, TrainingDiverged, r"set state.learning_rate to nan"),
    (np.inf, TrainingDiverged, r"set state.learning_rate to inf"),
    (-1.0, ValueError, r"set state.learning_rate to -1.0; it must be a finite number >= 0"),
    ("0.1", ValueError, r"set state.learning_rate to '0.1'; it must be a finite number >= 0"),
    (np.array([0.1, 0.2]), ValueError, r"set state.learning_rate to array"),
    ("wrong shape", ValueError, r"set state.params to something fit cannot use: params\['W'\] must have shape"),
    ("stop as an array", TypeError, r"set state.stop_training to array\(\[ True, False\]\); it must be True or False"),
])
def test_a_callback_that_breaks_the_state_stops_fit_keeping_the_completed_epochs(how, error, message):
    X, y = regression_data()
    with pytest.raises(error, match=message) as info:
        fit(LinearRegression(3), X, y, batch_size=10, epochs=5, optimizer=GradientDescent(), learning_rate=0.1,
            callbacks=[Breaker(1, how)], rng=0)
    h = info.value.history
    assert h.n_steps == 6 and h.n_epochs == len(h.epoch_learning_rate) == 2   # epochs 0 and 1 completed
    assert all(np.isfinite(v).all() for v in h.params.values())               # the params before the break


def test_with_the_course_callbacks():
    # integration: the course's ReduceLROnPlateau and EarlyStopping(restore_best_weights)
    from course_lib.early_stopping import EarlyStopping
    from course_lib.plateau import ReduceLROnPlateau
    X, y = classification_data(n=60)
    stopper = EarlyStopping(patience=2, restore_best_weights=True)
    h = fit(MLP(4, 16, 3), X, y, batch_size=60, epochs=200, optimizer=SGD(), learning_rate=2.0,
            validation_data=(X[:20] + 0.3, y[:20]), rng=0,
            callbacks=[ReduceLROnPlateau(patience=1, factor=0.5), stopper])
    assert h.stopped_early and h.n_epochs < 200
    assert np.min(h.epoch_learning_rate) < 2.0  # the plateau callback cut the rate
    best = stopper.best_epoch  # EarlyStopping compares in float32, as Keras: the argmin up to that
    assert h.epoch_val_loss[best] == pytest.approx(h.epoch_val_loss.min(), rel=1e-6)
    assert MLP(4, 16, 3).loss(h.params, X[:20] + 0.3, y[:20]) == pytest.approx(h.epoch_val_loss[best])


# ---- dtype, helpers ----------------------------------------------------------------------

def test_float32_follows_float64():
    X, y = classification_data()
    model = MLP(4, 8, 3)
    p = model.init_params(np.random.default_rng(0))
    h64 = fit(model, X, y, batch_size=8, epochs=3, optimizer=Adam(), learning_rate=0.01, params=p, rng=1)
    h32 = fit(model, X, y, batch_size=8, epochs=3, optimizer=Adam(), learning_rate=0.01, params=p, rng=1,
              dtype="float32")
    assert h32.params["W1"].dtype == np.float32
    np.testing.assert_allclose(h32.step_loss, h64.step_loss, rtol=1e-4)  # float32 rounding over 15 steps


def test_a_model_with_only_the_contract_trains():
    # the contract of CONTRIBUTING.md, nothing more: a 1-parameter bowl L(w) = mean((w - y)^2)
    class Bowl:
        metric_name, weight_keys = "mse", ("w",)

        def loss(self, params, X, y):
            return float(np.mean((params["w"] - y) ** 2))

        def loss_and_grad(self, params, X, y):
            return self.loss(params, X, y), {"w": np.array([2 * np.mean(params["w"] - y)])}

        def metric(self, params, X, y):
            return self.loss(params, X, y)

    y = np.arange(10.0)
    h = fit(Bowl(), np.zeros((10, 1)), y, batch_size=10, epochs=100, optimizer=GradientDescent(),
            learning_rate=0.25, params={"w": np.array([0.0])}, shuffle=False)
    # w_t - 4.5 = (1 - 2 lr)^t (w_0 - 4.5) = 0.5^t (-4.5)
    assert h.params["w"][0] == pytest.approx(4.5 - 4.5 * 0.5**100)
    assert h.epoch_metric[0] == pytest.approx(np.mean(y**2))


def test_fit_leaves_blas_threads_as_they_were():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    blas = lambda: [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]  # noqa
    before, during = blas(), []

    class Spy:
        def on_epoch_end(self, epoch, logs, state):
            during.extend(blas())

    X, y = regression_data()
    fit(LinearRegression(3), X, y, batch_size=10, epochs=1, optimizer=GradientDescent(), learning_rate=0.1, rng=0,
        callbacks=[Spy()])
    assert during and set(during) == {1}
    with pytest.raises(TrainingDiverged):
        fit(LinearRegression(3), X * 1e3, y, batch_size=10, epochs=50, optimizer=GradientDescent(),
            learning_rate=10.0, rng=0)
    assert blas() == before


def test_batch_size_name_and_epoch_order():
    assert batch_size_name(50, 50) == "batch gradient descent"
    assert batch_size_name(1, 50) == "stochastic gradient descent"
    assert batch_size_name(10, 50) == "mini-batch gradient descent (10 of 50 samples)"
    np.testing.assert_array_equal(epoch_order(4, None, False), np.arange(4))
    np.testing.assert_array_equal(epoch_order(9, np.random.default_rng(3), True),
                                  np.random.default_rng(3).permutation(9))
    np.testing.assert_array_equal(epoch_order(9, 3, True), np.random.default_rng(3).permutation(9))  # a seed
    np.testing.assert_array_equal(epoch_order(1, 0, True), [0])
    assert [b.tolist() for b in batch_indices(1, 1, None, shuffle=False)] == [[0]]


# ---- bad input ---------------------------------------------------------------------------

def bad_calls():
    X, y = regression_data()
    m, gd = LinearRegression(3), GradientDescent()
    ok = dict(batch_size=10, epochs=1, optimizer=gd, learning_rate=0.1, rng=0)
    return [
        (lambda: fit(m, X, y, **(ok | {"batch_size": 0})), r"batch_size must be an integer >= 1 and <= 30, got 0"),
        (lambda: fit(m, X, y, **(ok | {"batch_size": 31})), r"batch_size must be an integer >= 1 and <= 30"),
        (lambda: fit(m, X, y, **(ok | {"epochs": 0})), "epochs must be an integer >= 1"),
        (lambda: fit(m, X, y, **(ok | {"learning_rate": 0.0})), "learning_rate must be a finite number > 0"),
        (lambda: fit(m, X, y, **(ok | {"learning_rate": -1})), "learning_rate must be a finite number > 0"),
        (lambda: fit(m, X, y, **(ok | {"learning_rate": None})), "exactly one of learning_rate"),
        (lambda: fit(m, X, y, **(ok | {"schedule": lambda t: t})), "exactly one of learning_rate"),
        (lambda: fit(m, X, y, **(ok | {"learning_rate": None, "schedule": lambda t: -np.ones(len(t))})),
         r"schedule must return learning rates that are finite numbers >= 0, got schedule\(0\) = -1.0"),
        (lambda: fit(m, X, y, **(ok | {"schedule_per": "batch"})), "schedule_per must be one of 'step', 'epoch'"),
        (lambda: fit(m, X[:, :2], y, **ok), "X must have 3 features"),
        (lambda: fit(m, X, y[:-1], **ok), "same number of samples"),
        (lambda: fit(m, np.where(X > 1, np.inf, X), y, **ok), "X must contain only finite values"),
        (lambda: fit(m, X, y, validation_data=(X[:, :1], y), **ok), "validation_data X/y: X must have 3"),
        (lambda: fit(m, X, y, validation_data=X, **ok), "validation_data must be a pair"),
        (lambda: fit(m, X, y, clipnorm=1.0, clipvalue=1.0, **ok), "at most one of clipvalue"),
        (lambda: fit(m, X, y, clipnorm=0.0, **ok), "clipnorm must be a finite number > 0"),
        (lambda: fit(m, X, y, **(ok | {"rng": None})), "rng must be a numpy Generator or an int seed"),
        (lambda: fit(m, X, y, dtype="float16", **ok), "dtype must be one of"),
        (lambda: fit(m, X, y, **(ok | {"optimizer": "adam"})), "optimizer must have init"),
        (lambda: fit(m, X, y, regularizer=0.01, **ok), "regularizer must have penalty"),
        (lambda: fit("model", X, y, **ok), "model must follow the contract of course_lib.models"),
        (lambda: fit(m, X, y, params={"W": np.ones((2, 1)), "b": np.ones(1)}, **ok), r"params\['W'\] must have"),
        (lambda: fit(m, X, y, shuffle=1, **ok), "shuffle must be True or False, got 1"),
        (lambda: fit(m, X, y, shuffle="no", **ok), "shuffle must be True or False, got 'no'"),
        (lambda: fit(m, X, y, **(ok | {"epochs": 10**6})), r"makes 3000000 steps; at most 1000000 are"),
        (lambda: fit(m, X, y, **(ok | {"epochs": 10**7})), r"epochs must be an integer >= 1 and <= 1000000"),
        (lambda: fit(m, X, y, divergence_factor=1.0, **ok), "divergence_factor must be a finite number > 1"),
        (lambda: fit(m, X, y, divergence_factor=np.nan, **ok), "divergence_factor must be a finite number > 1"),
        (lambda: fit(m, X, y, dtype=np.array(["float32", "float64"]), **ok), "dtype must be one of"),
        (lambda: fit(m, X, y, **(ok | {"rng": "seed"})), "rng must be a numpy Generator or an int seed"),
        (lambda: batch_indices(10, 11, 0), "batch_size must be an integer >= 1 and <= 10"),
        (lambda: batch_indices(4, 2, 0, shuffle="no"), "shuffle must be True or False, got 'no'"),
        (lambda: batch_indices(10**30, 2, 0), "n must be an integer >= 1 and <= 10000000"),
        (lambda: epoch_order(10, None, True), "rng must be a numpy Generator or an int seed when shuffle=True"),
        (lambda: epoch_order(10, 0, 1), "shuffle must be True or False, got 1"),
        (lambda: epoch_order(0, 0, True), "n must be an integer >= 1"),
        (lambda: epoch_order(10, 2.5, True), "rng must be a numpy Generator or an int seed >= 0, got 2.5"),
        (lambda: batch_size_name(0, 10), "batch_size must be an integer >= 1"),
    ]


@pytest.mark.parametrize("case", range(len(bad_calls())))
def test_bad_arguments_raise_value_error(case):
    call, message = bad_calls()[case]
    with pytest.raises((ValueError, TypeError), match=message):
        call()


# ---- agreement with the TensorFlow GradientTape twin --------------------------------------

@pytest.mark.tf
@pytest.mark.parametrize("batch_size", [60, 16, 1], ids=["batch-GD", "mini-batch", "SGD"])
@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-10), ("float32", 1e-4)])
def test_tensorflow_twin_agrees_over_three_epochs(batch_size, dtype, rtol):
    import keras

    from course_lib.tf_twins.training import fit_tf
    rng = np.random.default_rng(batch_size)
    X, y = rng.standard_normal((60, 5)), rng.integers(0, 3, 60)
    Xv, yv = rng.standard_normal((20, 5)), rng.integers(0, 3, 20)
    model = MLP(5, 8, 3)
    p0 = model.init_params(rng)
    # hyper-parameters exact in float32, since Keras rounds them through float32 (see test_optim)
    ours, theirs = {60: (SGD(), keras.optimizers.SGD(0.0625)),
                    16: (SGD(0.875, nesterov=True), keras.optimizers.SGD(0.0625, momentum=0.875, nesterov=True)),
                    1: (Adam(0.875, 1 - 2**-10), keras.optimizers.Adam(0.0625, beta_1=0.875, beta_2=1 - 2**-10))
                    }[batch_size]
    h = fit(model, X, y, batch_size=batch_size, epochs=3, optimizer=ours, learning_rate=0.0625, params=p0,
            rng=np.random.default_rng(7), validation_data=(Xv, yv))
    t = fit_tf(model, X, y, batch_size=batch_size, epochs=3, optimizer=theirs, params=p0,
               rng=np.random.default_rng(7), validation_data=(Xv, yv), dtype=dtype)
    np.testing.assert_array_equal(h.batch_order, t.batch_order)
    assert h.n_steps == t.n_steps == 3 * -(-60 // batch_size)
    np.testing.assert_allclose(h.step_loss, t.step_loss, rtol=rtol)
    np.testing.assert_allclose(h.step_grad_norm, t.step_grad_norm, rtol=10 * rtol)
    np.testing.assert_allclose(h.epoch_loss, t.epoch_loss, rtol=rtol)
    np.testing.assert_allclose(h.epoch_val_loss, t.epoch_val_loss, rtol=rtol)
    np.testing.assert_allclose(h.epoch_metric, t.epoch_metric, atol=1e-6)  # same predictions, same counts
    for key in p0:
        np.testing.assert_allclose(h.params[key], t.params[key], rtol=10 * rtol, atol=10 * rtol)


@pytest.mark.tf
def test_tensorflow_twin_agrees_with_a_schedule_and_clipping():
    # Keras evaluates ExponentialDecay in float32 (rates off by ~1e-8 relative), hence rtol 1e-6.
    import keras

    from course_lib.schedules import exponential_decay
    from course_lib.tf_twins.training import fit_tf
    rng = np.random.default_rng(11)
    X, y = rng.standard_normal((48, 5)) * 3, rng.integers(0, 3, 48)
    model = MLP(5, 8, 3)
    p0 = model.init_params(rng)
    h = fit(model, X, y, batch_size=10, epochs=3, optimizer=SGD(0.5), schedule=exponential_decay(0.25, 4, 0.5),
            global_clipnorm=0.5, params=p0, rng=np.random.default_rng(3))
    keras_opt = keras.optimizers.SGD(keras.optimizers.schedules.ExponentialDecay(0.25, 4, 0.5), momentum=0.5,
                                     global_clipnorm=0.5)
    t = fit_tf(model, X, y, batch_size=10, epochs=3, optimizer=keras_opt, params=p0, rng=np.random.default_rng(3),
               dtype="float64")
    np.testing.assert_allclose(h.step_learning_rate, t.step_learning_rate, rtol=1e-6)
    assert np.all(h.step_grad_norm > 0.5)  # clipping was active at every step
    np.testing.assert_allclose(h.step_loss, t.step_loss, rtol=1e-6)
    np.testing.assert_allclose(h.params["W1"], t.params["W1"], rtol=1e-5, atol=1e-7)


# ---- fit_tf agrees with fit on every model, with regularizers, clipping and schedules ---------

def _every_model_case(kind, n=40, d=5, k=3, seed=0):
    rng = np.random.default_rng(seed)
    model = {"linear": LinearRegression(d), "logistic": LogisticRegression(d), "softmax": SoftmaxRegression(d, k),
             "mlp": MLP(d, 4, k)}[kind]
    X = rng.standard_normal((n, d))
    y = {"linear": X @ rng.standard_normal(d) + 0.5, "logistic": rng.integers(0, 2, n).astype(float)}.get(
        kind, rng.integers(0, k, n))
    return model, X, y, model.init_params(rng)


def _config(name):
    """(numpy optimizer, Keras optimizer factory, fit's rate arguments, extra fit args, batch size).

    Hyper-parameters are exact in float32: Keras rounds them (and L1's factor) through float32."""
    import keras

    from course_lib.regularization import L1, L1L2, L2, ProximalL1
    from course_lib.schedules import piecewise_constant
    from course_lib.tf_twins.schedules import to_keras as schedule_to_keras
    steps = piecewise_constant([3, 7], [0.125, 0.0625, 0.03125])
    return {
        "SGD, mini-batch": (SGD(), lambda: keras.optimizers.SGD(0.125), {"learning_rate": 0.125}, {}, 16),
        "L2 + momentum, clipnorm": (SGD(0.5), lambda: keras.optimizers.SGD(0.125, momentum=0.5, clipnorm=0.25),
                                    {"learning_rate": 0.125}, {"regularizer": L2(0.0625), "clipnorm": 0.25}, 16),
        "L1L2 + Nesterov, clipvalue": (SGD(0.75, nesterov=True),
                                       lambda: keras.optimizers.SGD(0.0625, momentum=0.75, nesterov=True,
                                                                    clipvalue=0.125),
                                       {"learning_rate": 0.0625},
                                       {"regularizer": L1L2(2**-6, 2**-5), "clipvalue": 0.125}, 8),
        "L1 + Adam, schedule, global_clipnorm": (
            Adam(0.875, 1 - 2**-10), lambda: keras.optimizers.Adam(schedule_to_keras(steps), beta_1=0.875,
                                                                    beta_2=1 - 2**-10, global_clipnorm=0.5),
            {"schedule": steps}, {"regularizer": L1(2**-7), "global_clipnorm": 0.5}, 16),
        "ProximalL1, batch GD": (GradientDescent(), lambda: keras.optimizers.SGD(0.25), {"learning_rate": 0.25},
                                 {"regularizer": ProximalL1(2**-5)}, 40),
        "SGD, B = 1": (SGD(), lambda: keras.optimizers.SGD(0.03125), {"learning_rate": 0.03125}, {}, 1),
    }[name]


CONFIGS = ["SGD, mini-batch", "L2 + momentum, clipnorm", "L1L2 + Nesterov, clipvalue",
           "L1 + Adam, schedule, global_clipnorm", "ProximalL1, batch GD", "SGD, B = 1"]


@pytest.mark.tf
@pytest.mark.parametrize("kind", ["linear", "logistic", "softmax", "mlp"])
@pytest.mark.parametrize("config", CONFIGS)
def test_tensorflow_twin_agrees_on_every_model_and_configuration(kind, config):
    # float64 on both sides: only summation order differs (observed ~1e-15 relative), rtol 1e-10
    from course_lib.tf_twins.training import fit_tf
    ours, keras_opt, rate, extra, batch = _config(config)
    model, X, y, p0 = _every_model_case(kind, n=40 if batch != 1 else 12)
    val = (X[:10] + 0.5, y[:10])
    keras_extra = {"regularizer": extra["regularizer"]} if "regularizer" in extra else {}
    h = fit(model, X, y, batch_size=batch, epochs=3, optimizer=ours, params=p0, rng=np.random.default_rng(5),
            validation_data=val, **rate, **extra)
    t = fit_tf(model, X, y, batch_size=batch, epochs=3, optimizer=keras_opt(), params=p0,
               rng=np.random.default_rng(5), validation_data=val, dtype="float64", **keras_extra)
    np.testing.assert_array_equal(h.batch_order, t.batch_order)
    np.testing.assert_allclose(h.step_learning_rate, t.step_learning_rate, rtol=1e-15)
    np.testing.assert_allclose(h.step_loss, t.step_loss, rtol=1e-10)
    np.testing.assert_allclose(h.step_grad_norm, t.step_grad_norm, rtol=1e-9)
    np.testing.assert_allclose(h.epoch_val_loss, t.epoch_val_loss, rtol=1e-10)
    np.testing.assert_allclose(h.epoch_metric, t.epoch_metric, atol=1e-12)   # the same predictions
    np.testing.assert_allclose(h.epoch_val_metric, t.epoch_val_metric, rtol=1e-10, atol=1e-12)
    for key in p0:
        np.testing.assert_allclose(h.params[key], t.params[key], rtol=1e-9, atol=1e-12)
    assert any(np.abs(h.params[k] - p0[k]).max() > 1e-3 for k in p0)          # it did train
    if "clip" in config:
        limit = extra.get("clipnorm") or extra.get("global_clipnorm") or extra["clipvalue"]
        assert np.any(h.step_grad_norm > limit)                             # clipping was active


@pytest.mark.tf
@pytest.mark.parametrize("kind", ["linear", "logistic", "softmax", "mlp"])
def test_tensorflow_twin_agrees_on_one_sample_and_one_feature(kind):
    import keras

    from course_lib.tf_twins.training import fit_tf
    model, X, y, p0 = _every_model_case(kind, n=1, d=1, k=2, seed=3)
    h = fit(model, X, y, batch_size=1, epochs=4, optimizer=SGD(0.5), learning_rate=0.25, params=p0, rng=0)
    t = fit_tf(model, X, y, batch_size=1, epochs=4, optimizer=keras.optimizers.SGD(0.25, momentum=0.5),
               params=p0, rng=0, dtype="float64")
    np.testing.assert_allclose(h.step_loss, t.step_loss, rtol=1e-12)
    for key in p0:
        np.testing.assert_allclose(h.params[key], t.params[key], rtol=1e-12, atol=1e-15)


@pytest.mark.tf
def test_tensorflow_twin_stops_on_divergence_like_fit():
    import keras

    from course_lib.tf_twins.training import fit_tf
    for factor, stop in [(1000, 5), (None, None)]:
        kw = dict(batch_size=4, epochs=10, params=BOWL_START, shuffle=False, dtype="float64",
                  divergence_factor=factor)
        if stop is None:
            t = fit_tf(LinearRegression(1), BOWL_X, np.zeros(4), optimizer=keras.optimizers.SGD(1.5), **kw)
            np.testing.assert_array_equal(t.step_loss, 4.0 ** np.arange(10))
            continue
        with pytest.raises(TrainingDiverged) as info:
            fit_tf(LinearRegression(1), BOWL_X, np.zeros(4), optimizer=keras.optimizers.SGD(1.5), **kw)
        assert info.value.step == stop and info.value.history.n_epochs == stop
        np.testing.assert_array_equal(info.value.history.step_loss, 4.0 ** np.arange(stop + 1))
