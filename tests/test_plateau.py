"""Tests of course_lib.plateau: hand-traced sequences, properties, and the real Keras callback.

Agreement with Keras: N_SEQUENCES random sequences of monitored values (both modes, with
plateaus, values exactly min_delta better than the best, values within 1e-12 of such a tie,
nan, cooldowns and min_lr floors) go through ``keras.callbacks.ReduceLROnPlateau`` attached
to a compiled Keras model (its SGD optimizer's float32 ``learning_rate`` variable is what the
callback reads and writes) and through this module. Tolerance: none. The reduced rates must
be bit-identical and the reduction epochs identical; the rate before the first reduction is
compared after rounding to float32, because Keras stores the given rate in a float32
variable while the numpy twin keeps it as given (see the module docstring).
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.plateau import ReduceLROnPlateau, plateau_learning_rates

N_SEQUENCES = 150
EPOCHS = 24
F32_TENTH = float(np.float32(0.1))     # 0.1 as Keras's float32 variable holds it


# --- known values, each traced by hand through the rule -------------------------------------

def test_patience_counts_epochs_without_improvement():
    # e0 sets best=5; e1 improves (4); e2, e3 don't (wait 1, 2) -> cut at the end of e3;
    # e4, e5 don't -> cut at e5; e6 improves.
    lrs, cuts = plateau_learning_rates([5, 4, 4, 4, 4, 4, 3], 0.1, factor=0.5, patience=2, min_delta=0.0)
    np.testing.assert_array_equal(cuts, [3, 5])
    # halving is exact in binary, so the cut rates are the float32 0.1 halved and quartered.
    np.testing.assert_array_equal(lrs, [0.1] * 4 + [F32_TENTH / 2] * 2 + [F32_TENTH / 4])


@pytest.mark.parametrize("mode, values", [("min", [2.0, 1.5, 1.0, 0.49]), ("max", [0.5, 0.75, 1.0, 1.26])])
def test_exactly_min_delta_better_is_not_an_improvement(mode, values):
    # min: 1.5 + 0.5 == 2.0 is not < 2.0 (a tie); 1.0 + 0.5 < 2.0 is; 0.49 + 0.5 < 1.0 is.
    # max: 0.75 - 0.25 == 0.5 is not > 0.5; 1.0 - 0.25 > 0.5 is; 1.26 - 0.25 > 1.0 is.
    plateau = ReduceLROnPlateau(mode=mode, min_delta=0.5 if mode == "min" else 0.25, patience=5)
    trace = []
    for v in values:
        plateau.update(v, 0.1)
        trace.append((plateau.best, plateau.wait))
    assert trace == [(values[0], 0), (values[0], 1), (values[2], 0), (values[3], 0)]


def test_comparison_is_made_in_float32_like_keras():
    # 0.7 - 1e-4 - 3e-12 beats 0.7 by min_delta in float64, but the 3e-12 is far below
    # float32's resolution near 0.7 (~6e-8), so in float32 it is a tie: no improvement.
    current, min_delta = 0.7 - 1e-4 - 3e-12, 1e-4
    assert current + min_delta < 0.7                          # float64 says "improved"
    plateau = ReduceLROnPlateau(min_delta=min_delta, patience=3)
    plateau.update(0.7, 0.1)
    plateau.update(current, 0.1)
    assert plateau.best == 0.7 and plateau.wait == 1


def test_min_lr_is_a_floor_and_then_wait_keeps_growing():
    # cut 1: max(f32(0.1) * 0.1, 0.02) = 0.02 -> stored as float32(0.02); then lr == min_lr, so
    # Keras neither cuts nor resets wait.
    plateau, lr = ReduceLROnPlateau(factor=0.1, patience=1, min_lr=0.02, min_delta=0.0), 0.1
    waits = []
    for v in [1.0, 1.0, 1.0, 1.0]:
        lr = plateau.update(v, lr)
        waits.append(plateau.wait)
    assert lr == float(np.float32(0.02))
    assert waits == [0, 0, 1, 2]


@pytest.mark.parametrize("cooldown, expected_cuts", [(0, [1, 2, 3, 4, 5]), (1, [1, 2, 3, 4, 5]),
                                                     (2, [1, 3, 5]), (3, [1, 4])])
def test_cooldown_decrements_before_it_is_checked(cooldown, expected_cuts):
    # constant values, patience 1: without cooldown every epoch after the first is a cut.
    # After a cut the counter is `cooldown`; it is decremented at the start of the next epoch
    # and checked after, so cooldown=c pauses c - 1 epochs (c=1 pauses none).
    _, cuts = plateau_learning_rates([1.0] * 6, 1.0, factor=0.5, patience=1, cooldown=cooldown)
    np.testing.assert_array_equal(cuts, expected_cuts)


def test_nan_never_improves():
    lrs, cuts = plateau_learning_rates([1.0, np.nan, np.nan, 0.5], 1.0, factor=0.5, patience=1)
    np.testing.assert_array_equal(cuts, [1, 2])        # 0.5 then improves on 1.0: no cut at e3
    assert lrs[-1] == 0.25


def test_callback_contract_with_a_training_state():
    plateau = ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_delta=0.0)
    state = SimpleNamespace(learning_rate=0.2, params={}, stop_training=False)
    plateau.on_train_begin(state)
    logs = {"loss": 1.0, "val_loss": 0.0}
    for epoch in range(3):
        plateau.on_epoch_end(epoch, logs, state)
    assert state.learning_rate == float(np.float32(0.2)) / 4 and state.stop_training is False
    assert logs == {"loss": 1.0, "val_loss": 0.0}                 # logs untouched
    plateau.on_train_begin(state)                                 # a new run starts afresh
    assert (plateau.best, plateau.wait, plateau.cooldown_counter) == (None, 0, 0)
    with pytest.raises(ValueError, match="monitor 'loss' is not in the logs; available: val_loss"):
        plateau.on_epoch_end(0, {"val_loss": 1.0}, state)


def test_mode_auto_follows_the_metric_name():
    assert ReduceLROnPlateau(monitor="val_loss").mode == "min"
    assert ReduceLROnPlateau(monitor="val_accuracy").mode == "max"
    with pytest.raises(ValueError, match="mode='min' or mode='max'"):
        ReduceLROnPlateau(monitor="val_something")


@pytest.mark.parametrize("kwargs, message", [
    ({"factor": 1.0}, "factor must be a finite number > 0 and < 1, got 1.0"),
    ({"factor": 0}, "factor"),
    ({"patience": -1}, "patience must be an integer >= 0"),
    ({"patience": 2.5}, "patience"),
    ({"mode": "maximize"}, "mode must be one of 'auto', 'min', 'max'"),
    ({"min_delta": -1e-4}, "min_delta must be a finite number >= 0"),
    ({"cooldown": -1}, "cooldown"),
    ({"min_lr": -0.1}, "min_lr"),
    ({"monitor": ""}, "monitor must be a non-empty"),
])
def test_bad_arguments_raise_value_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ReduceLROnPlateau(**kwargs)


@pytest.mark.parametrize("call, message", [
    (lambda: plateau_learning_rates([1.0, 2.0], 0.0), "initial_learning_rate must be a finite number > 0"),
    (lambda: plateau_learning_rates([[1.0]], 0.1), "values must have 1 dimension"),
    (lambda: plateau_learning_rates([1.0], 0.1, patience=-2), "patience"),
    (lambda: plateau_learning_rates([1.0], 0.1, verbose=1), "verbose"),
])
def test_bad_replay_arguments_raise(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


# --- properties over random inputs ----------------------------------------------------------

@settings(max_examples=150, deadline=None)
@given(st.integers(0, 6), st.integers(0, 5), st.integers(1, 60))
def test_constant_values_are_cut_every_max_patience_1_plus_cooldown_minus_1_epochs(patience, cooldown, n):
    # Derived from the rule: the first cut needs max(patience, 1) non-improving epochs after
    # epoch 0; each later one also waits out the cooldown's c - 1 paused epochs.
    gap = max(patience, 1) + max(cooldown - 1, 0)
    first = max(patience, 1)
    _, cuts = plateau_learning_rates(np.ones(n), 1.0, factor=0.5, patience=patience, cooldown=cooldown)
    np.testing.assert_array_equal(cuts, np.arange(first, n, gap))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=60), st.floats(0.01, 0.99),
       st.integers(0, 4), st.integers(0, 3), st.floats(0, 0.05), st.sampled_from(["min", "max"]))
def test_rate_never_rises_and_never_goes_below_min_lr(values, factor, patience, cooldown, min_lr, mode):
    lrs, cuts = plateau_learning_rates(values, 0.1, factor=factor, patience=patience,
                                       cooldown=cooldown, min_lr=min_lr, mode=mode)
    assert np.all(np.diff(lrs) <= 0)
    assert np.all(lrs >= np.float32(min_lr))
    assert np.all(np.diff(lrs)[cuts[cuts < len(lrs) - 1]] < 0)      # a cut really lowers it


# --- agreement with the real Keras callback --------------------------------------------------

def random_case(rng: np.random.Generator) -> tuple[list[float], float, dict]:
    """Monitored values built around the running best: ties, near ties, plateaus, nan."""
    mode = "min" if rng.random() < 0.5 else "max"
    min_delta = float(rng.choice([0.0, 1e-4, 0.0625, 0.25, 10 ** rng.uniform(-4, -1)]))
    lr0 = float(10 ** rng.uniform(-4, 0))
    kwargs = {"monitor": "val_loss" if mode == "min" else "val_accuracy",
              "mode": "auto" if mode == "min" and rng.random() < 0.3 else mode,
              "factor": float(rng.choice([0.1, 0.5, rng.uniform(0.05, 0.95)])),
              "patience": int(rng.integers(0, 5)), "min_delta": min_delta,
              "cooldown": int(rng.integers(0, 4)),
              "min_lr": float(rng.choice([0.0, lr0 * 10 ** rng.uniform(-3, -0.3)]))}
    better = -1.0 if mode == "min" else 1.0          # the direction of an improvement
    dyadic = rng.random() < 0.3                      # values on a 1/64 grid: exact ties in both precisions
    best, values = float(rng.uniform(0.5, 2.0)), []
    for _ in range(EPOCHS):
        r = rng.random()
        if r < 0.25:
            v = best + better * rng.uniform(-0.2, 3 * min_delta + 0.05)   # maybe an improvement
        elif r < 0.45:
            v = best + better * min_delta                                    # exactly at min_delta
        elif r < 0.55:
            v = best + better * min_delta + rng.choice([-1, 1]) * 1e-12      # a hair either side
        elif r < 0.8:
            v = values[-1] if values else best                               # a plateau
        elif r < 0.97:
            v = best - better * rng.uniform(0, 0.1)                          # worse
        else:
            v = float("nan")
        if dyadic and np.isfinite(v):
            v = round(v * 64) / 64
        values.append(float(v))
        if np.isfinite(v) and better * (v - best) > min_delta:
            best = v
    return values, lr0, kwargs


@pytest.mark.tf
# Keras's own convert_to_numpy(variable), inside the callback, trips numpy 2's __array__ notice.
@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
def test_matches_the_keras_callback_on_a_real_optimizer():
    import keras
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    rng = np.random.default_rng(7)
    seen = dict(cuts=0, floors=0, ties=0, float32_flips=0, cooldown_epochs=0, nan=0)
    for _ in range(N_SEQUENCES):
        values, lr0, kwargs = random_case(rng)
        callback = keras.callbacks.ReduceLROnPlateau(**kwargs)
        callback.set_model(model)
        model.optimizer.learning_rate = lr0
        callback.on_train_begin()
        keras_lrs = []
        for epoch, v in enumerate(values):
            keras_lrs.append(float(model.optimizer.learning_rate.numpy()))
            callback.on_epoch_end(epoch, {kwargs["monitor"]: v})
        keras_lrs.append(float(model.optimizer.learning_rate.numpy()))

        lrs, cuts = plateau_learning_rates(values, lr0, **kwargs)
        ours = ReduceLROnPlateau(**kwargs)                     # the callback path, traced
        state = SimpleNamespace(learning_rate=lr0)
        ours.on_train_begin(state)
        for epoch, v in enumerate(values):
            _count_paths(seen, ours, v, state.learning_rate)
            ours.on_epoch_end(epoch, {kwargs["monitor"]: v}, state)
        ours_lrs = np.append(lrs, state.learning_rate)

        keras_cuts = np.flatnonzero(np.diff(keras_lrs) < 0)
        np.testing.assert_array_equal(cuts, keras_cuts, err_msg=f"{values} {lr0} {kwargs}")
        np.testing.assert_array_equal(np.float32(ours_lrs), np.float32(keras_lrs))
        if len(cuts):                                 # every reduced rate: bit for bit
            np.testing.assert_array_equal(ours_lrs[cuts[0] + 1:], keras_lrs[cuts[0] + 1:])
        seen["cuts"] += len(cuts)
    # The random sequences must reach every branch of the rule, or agreement proves little.
    assert seen["cuts"] >= 300 and seen["floors"] >= 30 and seen["ties"] >= 200
    assert seen["float32_flips"] >= 10 and seen["cooldown_epochs"] >= 100 and seen["nan"] >= 50, seen


def _count_paths(seen: dict, plateau: ReduceLROnPlateau, v: float, lr: float) -> None:
    """Tally which branch of the rule this epoch will take (before it is applied)."""
    seen["nan"] += bool(np.isnan(v))
    seen["cooldown_epochs"] += plateau.cooldown_counter > 1
    if plateau.best is None or np.isnan(v):
        return
    shifted = v - plateau.min_delta if plateau.mode == "max" else v + plateau.min_delta
    seen["ties"] += bool(np.float32(shifted) == np.float32(plateau.best))
    in_64 = shifted > plateau.best if plateau.mode == "max" else shifted < plateau.best
    seen["float32_flips"] += bool(in_64 != plateau.improves(v))
    seen["floors"] += (plateau.wait + 1 >= plateau.patience and plateau.cooldown_counter == 0
                       and not float(np.float32(lr)) > np.float32(plateau.min_lr)
                       and not plateau.improves(v))


# --- defaults and patience against Keras's own ----------------------------------------------

@pytest.mark.tf
def test_defaults_are_the_keras_defaults():
    # read from keras itself, so that a changed default on either side fails here
    import inspect

    import keras
    theirs = inspect.signature(keras.callbacks.ReduceLROnPlateau).parameters
    ours = inspect.signature(ReduceLROnPlateau).parameters
    shared = [name for name in ours]
    assert set(shared) == {"monitor", "factor", "patience", "mode", "min_delta", "cooldown", "min_lr"}
    assert {k: ours[k].default for k in shared} == {k: theirs[k].default for k in shared}
    default, keras_default = ReduceLROnPlateau(), keras.callbacks.ReduceLROnPlateau()
    for attr in ("monitor", "factor", "patience", "min_delta", "cooldown", "min_lr"):
        assert getattr(default, attr) == getattr(keras_default, attr), attr
    assert (default.factor, default.patience, default.min_delta) == (0.1, 10, 1e-4)   # as documented


def _keras_plateau_cuts(values, **kwargs):
    import keras
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1.0), loss="mse")
    callback = keras.callbacks.ReduceLROnPlateau(**kwargs)
    callback.set_model(model)
    callback.on_train_begin()
    rates = []
    for epoch, v in enumerate(values):
        callback.on_epoch_end(epoch, {"val_loss": v})
        rates.append(float(model.optimizer.learning_rate.numpy()))
    return np.flatnonzero(np.diff([1.0] + rates) < 0)


@pytest.mark.tf
@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
@pytest.mark.parametrize("patience", [0, 1, 2, 3, 5])
@pytest.mark.parametrize("cooldown", [0, 2])
def test_patience_and_cooldown_off_by_one_against_keras(patience, cooldown):
    # epoch 0 sets best, epoch 1 improves, then a plateau: by hand, the first cut comes at the
    # end of epoch 1 + max(patience, 1), the next ones max(patience, 1) + max(cooldown - 1, 0) later
    values = [2.0, 1.0] + [1.0] * 14
    _, ours = plateau_learning_rates(values, 1.0, factor=0.5, patience=patience, cooldown=cooldown)
    first, gap = 1 + max(patience, 1), max(patience, 1) + max(cooldown - 1, 0)
    np.testing.assert_array_equal(ours, np.arange(first, len(values), gap))
    np.testing.assert_array_equal(ours, _keras_plateau_cuts(values, factor=0.5, patience=patience, cooldown=cooldown))


# --- the methods check their arguments too ----------------------------------------------------

@pytest.mark.parametrize("call, error, message", [
    (lambda p: p.update(1.0, learning_rate=-1), ValueError,
     r"^learning_rate must be a finite number >= 0 and <= 3.40\d+e\+38, got -1"),
    (lambda p: p.update(1.0, learning_rate=np.nan), ValueError, "^learning_rate must be a finite number"),
    (lambda p: p.update(1.0, learning_rate=None), ValueError, "^learning_rate must be a finite number"),
    (lambda p: p.update(None, 0.1), TypeError, r"^current must be a number \(the monitored value"),
    (lambda p: p.update("0.5", 0.1), TypeError, "^current must be a number"),
    (lambda p: p.update(True, 0.1), TypeError, "^current must be a number"),
    (lambda p: p.update(np.array([1.0, 2.0]), 0.1), TypeError, "^current must be a number"),
    (lambda p: p.improves(None), TypeError, "^current must be a number"),
    (lambda p: p.on_epoch_end(-1, {"val_loss": 1.0}, SimpleNamespace(learning_rate=0.1)), ValueError, "^epoch must"),
    (lambda p: p.on_epoch_end(0, "val_loss", SimpleNamespace(learning_rate=0.1)), TypeError, "^logs must be a dict"),
    (lambda p: p.on_epoch_end(0, {"val_loss": None}, SimpleNamespace(learning_rate=0.1)), TypeError,
     r"^logs\['val_loss'\] must be a number"),
    (lambda p: p.on_epoch_end(0, {"val_loss": 1.0}, None), TypeError, "^state must be the training loop's state"),
    (lambda p: p.on_epoch_end(0, {"val_loss": 1.0}, SimpleNamespace(learning_rate="fast")), ValueError,
     "^state.learning_rate must be a finite number >= 0"),
    (lambda p: ReduceLROnPlateau(mode=np.array(["min", "max"])), ValueError, "^mode must be one of"),
    (lambda p: ReduceLROnPlateau(monitor=np.array(["val_loss"])), ValueError, "^monitor must be a non-empty"),
    (lambda p: ReduceLROnPlateau(factor=None), ValueError, "^factor must be a finite number"),
])
def test_methods_check_their_arguments(call, error, message):
    plateau = ReduceLROnPlateau()
    with pytest.raises(error, match=message):
        call(plateau)
    assert (plateau.best, plateau.wait) == (None, 0)       # a refused call changes nothing


def test_update_takes_numbers_of_any_kind_and_zero_rates():
    plateau = ReduceLROnPlateau(patience=0, min_delta=0.0)
    assert plateau.update(np.array(1.0), 0.1) == 0.1 and plateau.best == 1.0   # a 0-d array
    assert plateau.update(np.float32(1.0), 0) == 0                             # a rate of 0 stays 0
    assert plateau.update(2, np.float64(0.5)) == float(np.float32(0.05))       # ints; reduced in float32


def test_defaults_are_keras_documented_defaults_without_tensorflow():
    # Keras's documented signature: ReduceLROnPlateau(monitor="val_loss", factor=0.1, patience=10,
    # verbose=0, mode="auto", min_delta=1e-4, cooldown=0, min_lr=0.0)
    p = ReduceLROnPlateau()
    assert (p.monitor, p.factor, p.patience, p.mode, p.min_delta, p.cooldown, p.min_lr) == \
        ("val_loss", 0.1, 10, "min", 1e-4, 0, 0.0)


def test_rates_beyond_float32_range_are_refused_everywhere():
    big = 1e39   # Keras's float32 variable would hold inf
    for call, message in [(lambda: plateau_learning_rates([1.0], big), "^initial_learning_rate must be"),
                          (lambda: ReduceLROnPlateau(min_lr=big), "^min_lr must be a finite number >= 0 and <= 3.4"),
                          (lambda: ReduceLROnPlateau().update(1.0, big), "^learning_rate must be"),
                          (lambda: ReduceLROnPlateau().on_epoch_end(0, {"val_loss": 1.0},
                                                                    SimpleNamespace(learning_rate=big)),
                           "^state.learning_rate must be a finite number >= 0 and <= 3.4")]:
        with pytest.raises(ValueError, match=message):
            call()
    with pytest.raises(ValueError, match="^cooldown must be an integer >= 0, got -1"):
        ReduceLROnPlateau(cooldown=-1)
    with pytest.raises(TypeError, match="with a learning_rate, got 'state'$"):
        ReduceLROnPlateau().on_epoch_end(0, {"val_loss": 1.0}, "state")


def test_an_empty_curve_replays_to_empty_arrays():
    lrs, cuts = plateau_learning_rates([], 0.1)
    assert lrs.shape == (0,) and cuts.shape == (0,)
