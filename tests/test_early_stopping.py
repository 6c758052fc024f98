"""Tests of course_lib.early_stopping: hand-worked sequences, and replays against Keras.

The Keras comparisons replay scripted metric sequences through the real
``keras.callbacks.EarlyStopping``: inside a real ``model.fit`` (a callback placed before
EarlyStopping overwrites ``logs[monitor]`` with the scripted value each epoch; Keras 3 hands
one logs dict to every callback in order), and, for many more sequences, by calling the
Keras callback's hooks directly as fit does. Stop epoch, best epoch and best value must be
identical (exact equality: both compare in float32).
"""
from __future__ import annotations

import functools
import math
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.early_stopping import EarlyStopping, StopPoint, early_stopping_point


def _run(values, **kwargs):
    """Drive the numpy callback as fit does; returns (epochs run, callback, state)."""
    stopper = EarlyStopping(**kwargs)
    state = SimpleNamespace(params={"W": np.zeros(2)}, stop_training=False)
    stopper.on_train_begin(state)
    epochs = 0
    for epoch, value in enumerate(values):
        state.params = {"W": np.full(2, float(epoch))}
        stopper.on_epoch_end(epoch, {"loss": 0.0, stopper.monitor: value}, state)
        epochs += 1
        if state.stop_training:
            break
    stopper.on_train_end(state)
    return epochs, stopper, state


# ---------------------------------------------------------------- worked by hand
@pytest.mark.parametrize("values, kwargs, stop_epoch, best_epoch", [
    # e0 best 0.9; e1 best 0.7 (wait 0); e2 wait 1; e3 wait 2 >= patience -> stop
    ([0.9, 0.7, 0.75, 0.72, 0.8], dict(patience=2), 3, 1),
    # patience 0 stops at the first epoch without improvement
    ([1.0, 2.0, 0.0], dict(patience=0), 1, 0),
    # an equal value is no improvement
    ([1.0, 1.0], dict(patience=0), 1, 0),
    # 0.95 + min_delta 0.1 is not below 1.0 -> no improvement
    ([1.0, 0.95, 0.9], dict(patience=1, min_delta=0.1), 1, 0),
    # baseline 0.5 never beaten: e0, e1 improve on best but wait keeps counting (1, 2); e2 wait 3
    ([1.0, 0.9, 0.95, 0.97], dict(patience=2, baseline=0.5), 2, 1),
    # ... yet improving epochs never stop it: the patience check follows only a non-improvement
    ([1.0, 0.9, 0.8, 0.7, 0.6], dict(patience=2, baseline=0.5), None, 4),
    # e0, e1 are warm-up; e2 best; e3 wait 1 -> stop
    ([5.0, 4.0, 3.0, 10.0, 10.0], dict(patience=1, start_from_epoch=2), 3, 2),
    # mode auto on val_accuracy maximises
    ([0.5, 0.6, 0.6], dict(monitor="val_accuracy", patience=0), 2, 1),
    # Keras compares in float32: 1 - 1e-9 rounds to 1.0, so it is not an improvement
    ([1.0, 1.0 - 1e-9, 0.5], dict(patience=0), 1, 0),
    # nan becomes "best" at epoch 0 (nothing to compare with) and nothing ever beats nan
    ([math.nan, 0.5, 0.4], dict(patience=1), 1, 0),
    # never stops: ran to the end
    ([3.0, 2.0, 1.0], dict(patience=0), None, 2),
])
def test_known_sequences(values, kwargs, stop_epoch, best_epoch):
    point = early_stopping_point(values, **kwargs)
    assert (point.stop_epoch, point.best_epoch) == (stop_epoch, best_epoch)
    assert point.epochs_run == (len(values) if stop_epoch is None else stop_epoch + 1)
    epochs, stopper, _ = _run(values, **kwargs)
    assert epochs == point.epochs_run
    assert stopper.stopped_epoch == (stop_epoch or 0)   # Keras: 0 when it never stopped
    assert stopper.best_epoch == best_epoch


def test_reasons_are_readable():
    stopped = early_stopping_point([0.9, 0.7, 0.75, 0.72], patience=2)
    assert stopped.reason == ("stopped at epoch 3: val_loss did not improve on 0.7 (epoch 1) by more "
                              "than min_delta=0 for 2 epochs (patience=2)")
    baseline = early_stopping_point([1.0, 0.9, 0.95], patience=2, baseline=0.5)
    assert "never beat baseline=0.5" in baseline.reason
    assert early_stopping_point([3.0, 2.0], patience=0).reason.startswith("not stopped: val_loss best 2")
    warm = early_stopping_point([3.0, 2.0], start_from_epoch=5)
    assert (warm.best_epoch, warm.best, warm.stop_epoch) == (None, None, None)
    assert "start_from_epoch=5" in warm.reason
    _, stopper, _ = _run([0.9, 0.7, 0.75, 0.72], patience=2, restore_best_weights=True)
    assert stopper.reason.endswith("; restored the weights of epoch 1")


def test_restore_best_weights_bit_for_bit_and_even_without_stopping():
    rng = np.random.default_rng(0)
    history = [{"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)} for _ in range(6)]
    for values, best in (([0.5, 0.4, 0.45, 0.41, 0.6, 0.7], 1), ([0.5, 0.4, 0.3, 0.2, 0.35, 0.36], 3)):
        stopper = EarlyStopping(patience=3, restore_best_weights=True)
        state = SimpleNamespace(params={k: v.copy() for k, v in history[0].items()}, stop_training=False)
        stopper.on_train_begin(state)
        for epoch, value in enumerate(values):
            for k in state.params:          # an in-place optimizer step must not touch the copy
                state.params[k][...] = history[epoch][k]
            stopper.on_epoch_end(epoch, {"val_loss": value}, state)
            if state.stop_training:
                break
        stopper.on_train_end(state)
        for k in history[best]:
            assert state.params[k].tobytes() == history[best][k].tobytes()
        assert stopper.best_epoch == best


def test_instance_is_reset_by_on_train_begin():
    stopper = EarlyStopping(patience=0)
    _run_with = lambda values: [stopper.on_train_begin(None)] + [  # noqa: E731
        stopper.on_epoch_end(e, {"val_loss": v}, SimpleNamespace(stop_training=False)) for e, v in enumerate(values)]
    _run_with([1.0, 2.0])
    assert stopper.stopped_epoch == 1
    _run_with([1.0, 0.5])
    assert (stopper.stopped_epoch, stopper.best_epoch, stopper.best) == (0, 1, 0.5)


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("kwargs, message", [
    (dict(patience=-1), "^patience must be an integer >= 0, got -1"),
    (dict(patience=1.5), "^patience must be an integer >= 0"),
    (dict(min_delta=-0.1), "^min_delta must be a finite number >= 0, got -0.1"),
    (dict(mode="minimum"), "^mode must be one of 'auto', 'min', 'max', got 'minimum'"),
    (dict(monitor="val_banana"), "^cannot tell whether monitor 'val_banana' should go up or down"),
    (dict(monitor=""), "^monitor must be a non-empty log name"),
    (dict(baseline=math.nan), "^baseline must be a finite number"),
    (dict(start_from_epoch=-2), "^start_from_epoch must be an integer >= 0"),
    (dict(restore_best_weights="yes"), "^restore_best_weights must be True or False"),
])
def test_bad_arguments_raise_naming_the_argument(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        EarlyStopping(**kwargs)
    with pytest.raises((ValueError, TypeError), match=message):
        early_stopping_point([1.0, 2.0], **kwargs)


def test_unknown_monitor_in_logs_names_the_available_keys():
    stopper = EarlyStopping(monitor="val_loss")
    with pytest.raises(ValueError, match=r"^monitor 'val_loss' is not in the logs; available: accuracy, loss"):
        stopper.on_epoch_end(0, {"loss": 1.0, "accuracy": 0.5}, SimpleNamespace(stop_training=False))


def test_mode_min_or_max_accepts_any_monitor_name():
    assert early_stopping_point([1.0, 2.0], monitor="my_score", mode="max").stop_epoch is None


@pytest.mark.parametrize("values", [[], [[1.0, 2.0]]])
def test_bad_curves_raise(values):
    with pytest.raises(ValueError, match="^values must"):
        early_stopping_point(values)


# ---------------------------------------------------------------- properties
VALUE = st.one_of(st.sampled_from([i / 8 for i in range(9)]),   # exact ties
                  st.floats(0.0, 1.0),
                  st.sampled_from([0.5 + 1e-9, 0.5 - 1e-9, math.nan]))  # float32 ties, nan
CONFIG = st.fixed_dictionaries({
    "monitor": st.sampled_from(["val_loss", "val_accuracy"]),
    "mode": st.sampled_from(["auto", "min", "max"]),
    "patience": st.integers(0, 4),
    "min_delta": st.sampled_from([0.0, 0.125, 0.1, 0.3]),
    "baseline": st.sampled_from([None, 0.25, 0.5, 0.7]),
    "start_from_epoch": st.integers(0, 3),
    "restore_best_weights": st.booleans(),
})


@given(values=st.lists(VALUE, min_size=1, max_size=12), config=CONFIG)
def test_pure_replay_equals_the_callback(values, config):
    point = early_stopping_point(values, **config)
    from_point = (point.epochs_run, point.stop_epoch or 0, point.best_epoch or 0, point.best)
    assert _same(_ours(values, config), from_point)
    assert point.epochs_run <= len(values)
    if point.stop_epoch is not None and config["baseline"] is None:
        # without a baseline it waits `patience` epochs (at least one) after its best
        assert point.stop_epoch - point.best_epoch >= max(config["patience"], 1)


# ---------------------------------------------------------------- Keras
@functools.lru_cache(maxsize=1)
def _keras_model():
    import keras

    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.01), "mse", metrics=["accuracy"])  # gives val_accuracy a direction
    model.fit(np.zeros((2, 1)), np.zeros(2), epochs=1, verbose=0)  # builds the metrics mode="auto" reads
    return model


def _keras_fit_replay(values, config):
    """The real callback in a real model.fit; returns (epochs run, stopped, best epoch, best)."""
    import keras

    monitor = config["monitor"]

    class Script(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs[monitor] = float(values[epoch])

    stopper = keras.callbacks.EarlyStopping(**config)
    x = np.zeros((2, 1), np.float32)
    history = _keras_model().fit(x, x[:, 0], epochs=len(values), batch_size=2, verbose=0,
                                 callbacks=[Script(), stopper])
    return len(history.history["loss"]), stopper.stopped_epoch, stopper.best_epoch, stopper.best


def _keras_hook_replay(values, config):
    """The real callback's hooks called as fit calls them (fast enough for many sequences)."""
    import keras

    model = _keras_model()
    stopper = keras.callbacks.EarlyStopping(**config)
    stopper.set_model(model)
    model.stop_training = False
    stopper.on_train_begin()
    epochs = 0
    for epoch, value in enumerate(values):
        stopper.on_epoch_end(epoch, {"loss": 0.0, config["monitor"]: float(value)})
        epochs += 1
        if model.stop_training:
            break
    stopper.on_train_end()
    return epochs, stopper.stopped_epoch, stopper.best_epoch, stopper.best


def _ours(values, config):
    epochs, stopper, _ = _run(values, **config)
    return epochs, stopper.stopped_epoch, stopper.best_epoch, stopper.best


def _same(a, b):
    return a[:3] == b[:3] and (a[3] == b[3] or (a[3] != a[3] and b[3] != b[3]))  # nan == nan here


@pytest.mark.tf
@settings(max_examples=120, deadline=None)
@given(values=st.lists(VALUE, min_size=1, max_size=12), config=CONFIG)
def test_same_decisions_as_the_keras_callback(values, config):
    assert _same(_ours(values, config), _keras_hook_replay(values, config))


@pytest.mark.tf
@settings(max_examples=10, deadline=None)
@given(values=st.lists(VALUE, min_size=1, max_size=8), config=CONFIG)
def test_same_stop_and_best_epoch_as_keras_in_a_real_fit(values, config):
    assert _same(_ours(values, config), _keras_fit_replay(values, config))


@pytest.mark.tf
@pytest.mark.parametrize("values, kwargs", [
    ([1.0, 0.9, 0.95, 0.97, 0.99], dict(patience=2, baseline=0.5)),
    ([1.0, 0.9, 0.8, 0.7, 0.6], dict(patience=2, baseline=0.5)),
    ([1.0, 1.0 - 1e-9, 0.5], dict(patience=0)),
    ([math.nan, 0.5, 0.4], dict(patience=1)),
    ([0.5, 0.6, 0.6, 0.7], dict(monitor="val_accuracy", patience=1, mode="auto")),
    ([5.0, 4.0, 3.0, 10.0, 10.0], dict(patience=1, start_from_epoch=2)),
])
def test_hand_worked_edge_cases_in_a_real_keras_fit(values, kwargs):
    config = {"monitor": "val_loss", **kwargs}
    assert _same(_ours(values, config), _keras_fit_replay(values, config))


@pytest.mark.tf
def test_keras_restore_best_weights_in_a_real_fit_is_bit_for_bit():
    # the TensorFlow side of restore_best_weights: Keras's own callback in a real training run
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(keras.optimizers.SGD(0.1), "mse")
    values, snapshots = [0.9, 0.5, 0.7, 0.6, 0.8], []

    class ScriptAndRecord(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["val_loss"] = values[epoch]
            snapshots.append([w.copy() for w in self.model.get_weights()])

    stopper = keras.callbacks.EarlyStopping(patience=2, restore_best_weights=True)
    rng = np.random.default_rng(0)
    model.fit(rng.normal(size=(8, 3)), rng.normal(size=(8, 2)), epochs=5, batch_size=4, verbose=0,
              callbacks=[ScriptAndRecord(), stopper])
    ours = early_stopping_point(values, patience=2, restore_best_weights=True)
    assert (stopper.stopped_epoch, stopper.best_epoch) == (ours.stop_epoch, ours.best_epoch) == (3, 1)
    for got, want in zip(model.get_weights(), snapshots[1]):
        assert got.tobytes() == want.tobytes()
    assert any(a.tobytes() != b.tobytes() for a, b in zip(snapshots[1], snapshots[3]))  # it did train


def test_stop_point_is_a_small_record():
    point = early_stopping_point([1.0, 2.0])
    assert point == StopPoint(1, 0, 1.0, 2, point.reason)


# ---------------------------------------------------------------- in course_lib.training.fit
def _overfitting_run(callbacks, epochs=200):
    """A degree-9 polynomial on 12 noisy sine points, mini-batch GD: validation loss turns up."""
    from course_lib.models import LinearRegression
    from course_lib.optim import GradientDescent
    from course_lib.synthetic import make_sine_regression, polynomial_features
    from course_lib.training import fit

    x, y = make_sine_regression(12, seed=0)
    xv, yv = make_sine_regression(50, seed=1)
    return fit(LinearRegression(9), polynomial_features(x, 9), y, batch_size=4, epochs=epochs,
               optimizer=GradientDescent(), learning_rate=0.3, callbacks=callbacks, rng=np.random.default_rng(0),
               validation_data=(polynomial_features(xv, 9), yv))


class _Snapshots:
    """Placed before EarlyStopping: copies the parameters at every epoch end."""

    def __init__(self):
        self.params = []

    def on_epoch_end(self, epoch, logs, state):
        self.params.append({k: v.copy() for k, v in state.params.items()})


@pytest.mark.parametrize("patience, epochs, stops", [(5, 200, True), (500, 30, False)])
def test_in_fit_stop_and_restore_bit_for_bit(patience, epochs, stops):
    snapshots, stopper = _Snapshots(), EarlyStopping(patience=patience, restore_best_weights=True)
    history = _overfitting_run([snapshots, stopper], epochs)
    point = early_stopping_point(history.history["val_loss"], patience=patience)
    assert history.stopped_early is stops is (point.stop_epoch is not None)
    assert history.n_epochs == point.epochs_run == len(snapshots.params)
    assert stopper.best_epoch == point.best_epoch < history.n_epochs - 1   # the weights moved on after it
    best, last = snapshots.params[stopper.best_epoch], snapshots.params[-1]
    assert any(best[k].tobytes() != last[k].tobytes() for k in best)
    for k in best:   # restored even when training was not stopped early (Keras 3 does so too)
        assert history.params[k].tobytes() == best[k].tobytes()


def test_in_fit_without_validation_data_the_error_lists_the_logs():
    from course_lib.models import LinearRegression
    from course_lib.optim import GradientDescent
    from course_lib.training import fit

    with pytest.raises(ValueError, match=r"^monitor 'val_loss' is not in the logs; available: learning_rate, loss, mse"):
        fit(LinearRegression(1), np.ones((4, 1)), np.ones(4), batch_size=4, epochs=2, optimizer=GradientDescent(),
            learning_rate=0.1, callbacks=[EarlyStopping()], rng=np.random.default_rng(0))


@pytest.mark.tf
def test_our_callback_in_a_keras_fit_decides_like_keras_and_restores_bit_for_bit():
    # our numpy callback runs inside a real keras model.fit through a small adapter (params = the
    # model's weights), next to the real Keras callback on the same logs (fit_tf takes Keras's own
    # callbacks; tests/test_tf_training.py checks those against fit with ours)
    import keras

    class Adapter(keras.callbacks.Callback):
        def __init__(self, ours):
            super().__init__()
            self.ours, self.state, self.snapshots = ours, SimpleNamespace(params=None, stop_training=False), []

        def _sync(self):
            self.state.params = {str(i): w for i, w in enumerate(self.model.get_weights())}

        def on_train_begin(self, logs=None):
            self._sync()
            self.ours.on_train_begin(self.state)

        def on_epoch_end(self, epoch, logs=None):
            self._sync()
            self.snapshots.append([w.copy() for w in self.model.get_weights()])
            self.ours.on_epoch_end(epoch, logs, self.state)
            if self.state.stop_training:
                self.model.stop_training = True

        def on_train_end(self, logs=None):
            self.ours.on_train_end(self.state)
            self.model.set_weights([self.state.params[str(i)] for i in range(len(self.state.params))])

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    X, Xv = rng.normal(size=(16, 8)), rng.normal(size=(64, 8))
    w = rng.normal(size=8)
    y, yv = X @ w + rng.normal(size=16), Xv @ w + rng.normal(size=64)
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(32, "relu"), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.05), "mse")
    adapter = Adapter(EarlyStopping(patience=2, restore_best_weights=True))
    theirs = keras.callbacks.EarlyStopping(patience=2)
    model.fit(X, y, validation_data=(Xv, yv), epochs=40, batch_size=4, verbose=0, callbacks=[adapter, theirs])
    ours = adapter.ours
    assert theirs.stopped_epoch > 0 and ours.stopped_epoch == theirs.stopped_epoch
    assert ours.best_epoch == theirs.best_epoch < ours.stopped_epoch
    for got, want in zip(model.get_weights(), adapter.snapshots[ours.best_epoch]):
        assert got.tobytes() == want.tobytes()


# ---------------------------------------------------------------- defaults, patience, methods
@pytest.mark.tf
def test_defaults_are_the_keras_defaults():
    # read from keras itself, so that a changed default on either side fails here
    import inspect

    import keras
    theirs = inspect.signature(keras.callbacks.EarlyStopping).parameters
    ours = inspect.signature(EarlyStopping).parameters
    assert set(ours) == set(theirs) - {"verbose"}
    assert {k: p.default for k, p in ours.items()} == {k: theirs[k].default for k in ours}
    default, keras_default = EarlyStopping(), keras.callbacks.EarlyStopping()
    for attr in ("monitor", "min_delta", "patience", "baseline", "restore_best_weights", "start_from_epoch"):
        assert getattr(default, attr) == getattr(keras_default, attr), attr
    replay = inspect.signature(early_stopping_point).parameters     # the pure replay: the same defaults
    assert {k: replay[k].default for k in ours} == {k: theirs[k].default for k in ours}


@pytest.mark.tf
@pytest.mark.parametrize("patience", [0, 1, 2, 3, 5])
@pytest.mark.parametrize("start_from_epoch", [0, 3])
def test_patience_off_by_one_against_keras(patience, start_from_epoch):
    # best at epoch 1, then a plateau: by hand, wait reaches max(patience, 1) at epoch
    # 1 + max(patience, 1), where it stops (later when the warm-up ends after epoch 1)
    values = [2.0, 1.0] + [1.0] * 10
    config = {"monitor": "val_loss", "patience": patience, "start_from_epoch": start_from_epoch,
              "mode": "auto", "min_delta": 0.0, "baseline": None, "restore_best_weights": False}
    ours = _ours(values, config)
    best = 1 if start_from_epoch == 0 else start_from_epoch
    assert ours[1:3] == (best + max(patience, 1), best)
    assert _same(ours, _keras_hook_replay(values, config))


@pytest.mark.parametrize("call, error, message", [
    (lambda s: s.on_epoch_end(-1, {"val_loss": 1.0}, SimpleNamespace(stop_training=False)), ValueError,
     "^epoch must be an integer >= 0"),
    (lambda s: s.on_epoch_end(0.5, {"val_loss": 1.0}, SimpleNamespace(stop_training=False)), ValueError, "^epoch"),
    (lambda s: s.on_epoch_end(0, ["val_loss"], SimpleNamespace(stop_training=False)), TypeError, "^logs must be a dict"),
    (lambda s: s.on_epoch_end(0, {"val_loss": None}, SimpleNamespace(stop_training=False)), TypeError,
     r"^logs\['val_loss'\] must be a number"),
    (lambda s: s.on_epoch_end(0, {"val_loss": "0.3"}, SimpleNamespace(stop_training=False)), TypeError,
     r"^logs\['val_loss'\] must be a number"),
    (lambda s: s.on_epoch_end(0, {"val_loss": 1.0}, None), TypeError, "^state must be the training loop's state"),
    (lambda s: s.step(0, None), TypeError, "^current must be a number"),
    (lambda s: s.step(None, 1.0), ValueError, "^epoch must be an integer"),
    (lambda s: s.improves(None, 1.0), TypeError, "^current must be a number"),
    (lambda s: s.improves(1.0, "best"), TypeError, "^reference must be a number"),
    (lambda s: EarlyStopping(mode=np.array(["min", "max"])), ValueError, "^mode must be one of"),
    (lambda s: EarlyStopping(monitor=None), ValueError, "^monitor must be a non-empty"),
    (lambda s: EarlyStopping(patience=None), ValueError, "^patience must be an integer"),
    (lambda s: early_stopping_point(None), ValueError, "^values must be numeric"),
    (lambda s: early_stopping_point(["a", "b"]), ValueError, "^values must be numeric"),
])
def test_methods_check_their_arguments(call, error, message):
    stopper = EarlyStopping()
    with pytest.raises(error, match=message):
        call(stopper)
    assert (stopper.best, stopper.wait) == (None, 0)          # a refused call changes nothing


def test_restore_best_weights_needs_params_in_the_state():
    stopper = EarlyStopping(restore_best_weights=True)
    with pytest.raises(TypeError, match="^state must be the training loop's state, with stop_training and params"):
        stopper.on_epoch_end(0, {"val_loss": 1.0}, SimpleNamespace(stop_training=False))
    with pytest.raises(TypeError, match="^state.params must be a dict of arrays"):
        stopper.on_epoch_end(0, {"val_loss": 1.0}, SimpleNamespace(stop_training=False, params=[1.0]))
    stopper.on_epoch_end(0, {"val_loss": 1.0}, SimpleNamespace(stop_training=False, params={"W": np.ones(2)}))
    with pytest.raises(TypeError, match="^state must be the training loop's state, with params"):
        stopper.on_train_end(None)


def test_step_takes_numbers_of_any_kind():
    stopper = EarlyStopping(patience=0)
    assert stopper.step(0, np.array(1.0)) == "improved" and stopper.step(1, np.float32(1.0)) == "stop"
    assert EarlyStopping().step(0, 1) == "improved" and EarlyStopping().step(0, np.array([0.5])) == "improved"


def test_defaults_are_keras_documented_defaults_without_tensorflow():
    # Keras's documented signature: EarlyStopping(monitor="val_loss", min_delta=0, patience=0,
    # mode="auto", baseline=None, restore_best_weights=False, start_from_epoch=0)
    import inspect
    want = {"monitor": "val_loss", "min_delta": 0, "patience": 0, "mode": "auto", "baseline": None,
            "restore_best_weights": False, "start_from_epoch": 0}
    for f in (EarlyStopping, early_stopping_point):
        assert {k: p.default for k, p in inspect.signature(f).parameters.items() if k in want} == want
    s = EarlyStopping()
    assert (s.monitor, s.min_delta, s.patience, s.mode, s.baseline, s.restore_best_weights, s.start_from_epoch,
            s.best_weights, s.reason) == ("val_loss", 0.0, 0, "min", None, False, 0, None, "not started")


def test_beating_the_baseline_restarts_the_wait():
    # e0 1.0 improves but not below 0.5 (wait 1); e1 0.4 beats both: wait 0; e2, e3 wait 1, 2 -> stop at 3
    point = early_stopping_point([1.0, 0.4, 0.45, 0.46, 0.47], patience=2, baseline=0.5)
    assert (point.stop_epoch, point.best_epoch) == (3, 1) and "never beat" not in point.reason
    assert "did not improve on 0.4 (epoch 1)" in point.reason


def test_step_outcomes_and_epoch_zero_never_stops():
    rule = EarlyStopping(patience=0, start_from_epoch=1)
    assert [rule.step(0, 1.0), rule.step(1, 1.0), rule.step(2, 1.0)] == ["skipped", "improved", "stop"]
    rule = EarlyStopping(patience=2)
    assert [rule.step(0, 1.0), rule.step(1, 2.0), rule.step(2, 2.0)] == ["improved", "waiting", "stop"]
    again = EarlyStopping(patience=0)
    assert [again.step(0, 1.0), again.step(0, 2.0)] == ["improved", "waiting"]   # Keras: `epoch > 0`
    with pytest.raises(ValueError, match="^epoch must be an integer >= 0, got -1"):
        again.step(-1, 1.0)


def test_restore_without_any_epoch_changes_nothing_and_reason_keeps_its_start():
    stopper, state = EarlyStopping(restore_best_weights=True), SimpleNamespace(params={"W": np.ones(2)})
    stopper.on_train_end(state)
    assert state.params["W"].tolist() == [1.0, 1.0] and stopper.reason.startswith("not stopped")
    _, stopper, _ = _run([0.5, 0.6, 0.7], patience=5, restore_best_weights=True)
    assert stopper.reason.startswith("not stopped: val_loss best 0.5 at epoch 0")
    assert stopper.reason.endswith("; restored the weights of epoch 0")


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(stop_epoch=-1), ValueError, "^stop_epoch must be an integer >= 0, got -1"),
    (dict(best_epoch=1.5), ValueError, "^best_epoch must be an integer >= 0, got 1.5"),
    (dict(best="0.7"), TypeError, "^best must be a number .*got '0.7'"),
    (dict(epochs_run=-1), ValueError, "^epochs_run must be an integer >= 0, got -1"),
    (dict(reason=3), TypeError, "^reason must be a string, got 3"),
])
def test_stop_point_checks_its_fields(kwargs, error, message):
    fields = dict(stop_epoch=3, best_epoch=1, best=0.7, epochs_run=4, reason="stopped") | kwargs
    with pytest.raises(error, match=message):
        StopPoint(**fields)
    assert StopPoint(None, None, None, 0, "").epochs_run == 0


def test_error_messages_show_what_was_given():
    stopper = EarlyStopping(restore_best_weights=True)
    with pytest.raises(TypeError, match="with stop_training and params, got 'state'$"):
        stopper.on_epoch_end(0, {"val_loss": 1.0}, "state")
    with pytest.raises(TypeError, match=r"^state.params must be a dict of arrays, got \[1.0\]"):
        stopper.on_epoch_end(0, {"val_loss": 1.0}, SimpleNamespace(stop_training=False, params=[1.0]))
    stopper.on_epoch_end(0, {"val_loss": 1.0}, SimpleNamespace(stop_training=False, params={"W": np.ones(2)}))
    with pytest.raises(TypeError, match="with params, got 'state'$"):
        stopper.on_train_end("state")


def test_replay_defaults_in_use_and_best_stored_as_a_python_float():
    assert early_stopping_point([1.0, 2.0, 3.0]).stop_epoch == 1        # patience=0 by default
    best = StopPoint(1, 0, np.array([0.5]), 2, "stopped").best
    assert type(best) is float and best == 0.5
