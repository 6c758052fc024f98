"""Checks for the exercises of notebook 08 (the corrected TensorFlow tuning workflow).

The loop exercise (:func:`check_repaired_loop`) runs the learner's function on a tiny problem with
TensorFlow, imported only then; the other checks need numpy only.
"""
from __future__ import annotations

import itertools
import math
import os
import tempfile
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from course_lib.exercises import Feedback, as_number, as_whole, by_letter, describe_error, echo, not_answered

# ---- exercise 1: the loss of a confident mistake ---------------------------------------------------

#: Keras clips probabilities to [EPSILON, 1 - EPSILON] before taking the log (keras.backend.epsilon()).
EPSILON = 1e-7
LOGITS = (0.0, 100.0)  # the model's logits for an image of class 0


def _numbers(answer: Any, count: int) -> list[float] | None:
    """``count`` finite numbers given as a tuple, list or array, or None."""
    if isinstance(answer, (str, bytes, Mapping)) or not hasattr(answer, "__iter__"):
        return None
    try:
        items = list(itertools.islice(answer, count + 1))
    except Exception:  # an iterator that raises
        return None
    numbers = [as_number(item) for item in items]
    if len(numbers) != count or any(n is None for n in numbers):
        return None
    return numbers


def check_confident_mistake(answer: tuple[float, float] | None) -> Feedback:
    """Exercise 1: ``(loss from logits, loss from float32 softmax probabilities)`` for ``LOGITS``.

    >>> check_confident_mistake((100.0, 16.118)).ok
    True
    """
    if answer is None:
        return not_answered("Give a pair (loss with from_logits=True, loss from the softmax probabilities).")
    given = _numbers(answer, 2)
    if given is None and _has_infinity(answer):
        return Feedback(False, "a loss of inf is what -ln 0 would give, but Keras clips probabilities to "
                               "[1e-7, 1 - 1e-7] before the log: the loss is finite.")
    if given is None:
        return Feedback(False, f"give a pair of two numbers like (2.5, 1.0), got {echo(answer)}.")
    exact = math.log1p(math.exp(LOGITS[0] - LOGITS[1])) + LOGITS[1] - LOGITS[0]   # -ln softmax(z)_0
    clipped = -math.log(EPSILON)
    # 16.1 (three digits of 16.118) is a right answer: the second number's tolerance is 2e-3
    ok = [math.isclose(given[0], exact, rel_tol=1e-3), math.isclose(given[1], clipped, rel_tol=2e-3)]
    if all(ok):
        return Feedback(True, f"from logits the loss is ln(1 + e^100) = {exact:.3f}; from probabilities p_0 = "
                              f"e^-100 rounds to 0 in float32, Keras clips it to 1e-7 and the loss is stuck at "
                              f"-ln(1e-7) = {clipped:.3f}, with a zero gradient (unless Keras's own softmax "
                              f"handed the loss its logits).")
    if math.isclose(given[0], clipped, rel_tol=1e-3) and math.isclose(given[1], exact, rel_tol=1e-3):
        return Feedback(False, "swapped: the first number is the loss computed from the logits.")
    if any(g < 0 for g in given):
        return Feedback(False, "a cross-entropy is -ln p with p <= 1: it is never negative.")
    if ok[0] and (given[1] > 1e3 or math.isclose(given[1], exact, rel_tol=1e-3)):
        return Feedback(False, "the first is right; for the second, float32's softmax returns p_0 = 0 exactly, "
                               "and Keras clips probabilities to [1e-7, 1 - 1e-7] before the log.")
    if ok[0]:
        return Feedback(False, "the first is right; the second is -ln of the clipped probability 1e-7.")
    if ok[1]:
        return Feedback(False, "the second is right; the first is -z_0 + ln(e^z_0 + e^z_1) for z = (0, 100).")
    return Feedback(False, f"not {echo(answer)}: the loss of class 0 is -ln softmax(z)_0 = -z_0 + ln(e^0 + e^100).")


def _has_infinity(answer: Any) -> bool:
    """Whether ``answer`` is a pair holding an infinite number (a learner's -ln 0)."""
    if isinstance(answer, (str, bytes, Mapping)) or not hasattr(answer, "__iter__"):
        return False
    try:
        items = list(itertools.islice(answer, 3))
        return len(items) == 2 and any(math.isinf(float(item)) for item in items
                                       if isinstance(item, (int, float, np.number)))
    except Exception:  # an iterator that raises, a number too large for float
        return False


# ---- exercise 2: read the curves -------------------------------------------------------------------

#: What you could change. Exercise 2 pairs each run of ``CURVES`` with one of them.
FIXES = {1: "lower the learning rate (or warm it up)",
         2: "keep the best checkpoint and stop early; add dropout or L2",
         3: "give ReduceLROnPlateau a longer patience (still shorter than EarlyStopping's) or a min_lr",
         4: "train longer with the same settings",
         5: "use a model with more parameters"}
RIGHT_FIXES = {"a": 1, "b": 2, "c": 3}


def _curves() -> dict[str, dict[str, np.ndarray]]:
    """Three 30-epoch runs of the digits MLP (made up, but shaped like real ones)."""
    e = np.arange(30.0)
    blowup = np.concatenate([[2.1, 1.4, 1.6, 3.5, 9.0, 40.0], np.full(24, np.nan)])
    over_train = 0.02 + 1.6 * np.exp(-e / 3)
    over_val = 0.25 + 1.4 * np.exp(-e / 3) + 0.012 * np.maximum(e - 7, 0) ** 1.3
    stalled = np.concatenate([[2.0, 1.45, 1.25], 1.2 - 0.01 * np.log1p(e[3:] - 2)])
    cut = 0.01 * np.concatenate([[1, 1, 1], 0.1 ** np.minimum(np.arange(1, 28), 5)])
    return {"a": {"loss": blowup, "val_loss": blowup * 1.05, "learning_rate": np.full(30, 0.5)},
            "b": {"loss": over_train, "val_loss": over_val, "learning_rate": np.full(30, 0.01)},
            "c": {"loss": stalled, "val_loss": stalled + 0.06, "learning_rate": cut}}


#: Exercise 2's runs: per run ``loss``, ``val_loss`` and ``learning_rate`` per epoch (nan: diverged).
CURVES = _curves()

_WHY = {"a": "run (a) blows up in a few epochs at learning rate 0.5 (loss rising, then nan): too large a step",
        "b": f"run (b) overfits: validation is lowest at epoch {int(np.argmin(CURVES['b']['val_loss']))} and "
             "rises while training keeps falling",
        "c": "run (c) stalls high with training and validation close: the rate was cut to 1e-7 within a few "
             "epochs, so ReduceLROnPlateau's patience is far too short"}


def check_read_the_curves(answers: dict[str, int] | None) -> Feedback:
    """Exercise 2: for each run of ``CURVES``, the number of the fix in ``FIXES``.

    >>> check_read_the_curves({"a": 1, "b": 2, "c": 3}).ok
    True
    """
    if answers is None:
        return not_answered('Give a dict like {"a": 4, "b": 4, "c": 4}: one number of FIXES per run.')
    given = by_letter(answers, "abc")
    if given is None or set(given) != set("abc"):
        return Feedback(False, f'give a dict with the keys "a", "b" and "c", got {echo(answers)}.')
    numbers = {k: as_whole(v) for k, v in given.items()}
    if any(n not in FIXES for n in numbers.values()):
        return Feedback(False, f"each value must be one of the fix numbers {sorted(FIXES)}, got {echo(answers)}.")
    wrong = [k for k in "abc" if numbers[k] != RIGHT_FIXES[k]]
    if not wrong:
        return Feedback(True, "; ".join(_WHY[k] for k in "abc") + ".")
    k = wrong[0]
    hint = {4: "more epochs with the same settings would not change what goes wrong",
            5: "a bigger model would stall the same way at the rate this run is left with; the same "
               "network trains well elsewhere in the notebook"}.get(
        numbers[k], f"fix {numbers[k]} answers another run's problem")
    return Feedback(False, f"{len(wrong)} of 3 not yet; for run ({k}): {hint}. Look at its learning rate too.")


# ---- exercise 3: plateau and early stopping on one curve --------------------------------------------

#: Exercise 3: the validation losses both callbacks saw, and their settings (min_delta 0).
SEEN = {"val_loss": [1.0, 0.8, 0.7, 0.71, 0.72, 0.69, 0.70, 0.70, 0.71, 0.72, 0.73, 0.74],
        "plateau_patience": 2, "stopping_patience": 5}


def _callback_epochs() -> tuple[list[int], int | None]:
    from course_lib.early_stopping import early_stopping_point
    from course_lib.plateau import plateau_learning_rates

    point = early_stopping_point(SEEN["val_loss"], patience=SEEN["stopping_patience"])
    last = len(SEEN["val_loss"]) if point.stop_epoch is None else point.stop_epoch + 1
    _, cuts = plateau_learning_rates(SEEN["val_loss"][:last], 1.0, factor=0.5,
                                     patience=SEEN["plateau_patience"], min_delta=0.0)
    return [int(c) for c in cuts], point.stop_epoch


def check_callback_epochs(answer: tuple[list[int], int] | None) -> Feedback:
    """Exercise 3: ``([epochs at whose end the rate is cut], stopped_epoch)`` for ``SEEN``, 0-based.

    >>> check_callback_epochs(([4, 7, 9], 10)).ok
    True
    """
    if answer is None:
        return not_answered("Give ([epochs whose end cuts the rate], stopped_epoch), counted from 0.")
    parsed = _cuts_and_stop(answer)
    if parsed is None:
        return Feedback(False, f"give a pair like ([3, 6], 9): a list of epochs and one epoch, got {echo(answer)}.")
    cuts, stop = parsed
    want_cuts, want_stop = _callback_epochs()
    if (cuts, stop) == (want_cuts, want_stop):
        return Feedback(True, f"the rate is cut after epochs {want_cuts} (each time wait reaches 2, then wait "
                              f"restarts from 0); early stopping's best is 0.69 at epoch 5, and its wait reaches 5 "
                              f"at epoch {want_stop}.")
    if (cuts, stop) == ([c + 1 for c in want_cuts], want_stop + 1):
        return Feedback(False, "those are 1-based; count epochs from 0, as `epoch` in callbacks.")
    if stop == 7:
        return Feedback(False, "0.69 at epoch 5 is an improvement (it beats 0.70): early stopping's wait "
                               "restarts there.")
    messages = []
    if stop != want_stop:
        messages.append(f"training stops when early stopping's wait reaches {SEEN['stopping_patience']}: "
                        "count the epochs since the last improvement")
    if cuts != want_cuts:
        if any(c > want_stop for c in cuts):
            messages.append("no cut happens after training has stopped")
        elif set(want_cuts) < set(cuts):
            messages.append("after a cut, ReduceLROnPlateau's wait restarts from 0, so the next cut needs "
                            "2 more epochs without improvement")
        else:
            messages.append("the rate is cut at the end of an epoch whose wait reaches 2 (no improvement "
                            "for 2 epochs); an improvement resets the wait")
    return Feedback(False, "; ".join(messages) + ".")


def _cuts_and_stop(answer: Any) -> tuple[list[int], int] | None:
    if isinstance(answer, (str, bytes, Mapping)) or not hasattr(answer, "__iter__"):
        return None
    try:
        items = list(itertools.islice(answer, 3))
    except Exception:  # an iterator that raises
        return None
    if len(items) != 2 or isinstance(items[0], (str, bytes, Mapping)) or not hasattr(items[0], "__iter__"):
        return None
    try:
        epochs = list(itertools.islice(items[0], 101))
    except Exception:  # an iterator that raises
        return None
    cuts = [as_whole(e) for e in epochs]
    stop = as_whole(items[1])
    if len(cuts) > 100 or any(c is None for c in cuts) or stop is None:
        return None
    return sorted(cuts), stop


# ---- exercise 4: log-uniform draws ------------------------------------------------------------------

def check_log_uniform(fn: Callable[[np.random.Generator, float, float, int], Any] | None) -> Feedback:
    """Exercise 4: ``fn(rng, low, high, size)`` draws ``size`` values log-uniformly in ``[low, high]``.

    The check draws 4,000 values in [1e-5, 1e-1]: each of the four decades must hold a quarter of them
    (±0.04, about 7 standard errors), the same ``rng`` seed must give the same values and another seed
    others.
    """
    if fn is None:
        return not_answered("Write sample_log_uniform(rng, low, high, size) and pass the function.")
    if not callable(fn):
        return Feedback(False, f"pass the function itself (no parentheses), got {type(fn).__name__}.")
    low, high, size = 1e-5, 1e-1, 4000
    draws = []
    for seed in (0, 0, 1):
        try:
            values = fn(np.random.default_rng(seed), low, high, size)
        except Exception as exc:  # the learner's code: report, don't crash the notebook
            return Feedback(False, f"your function raised {describe_error(exc)}.")
        if values is None:
            return not_answered("Your function returns None: return the array of draws.")
        values = _float_array(values)
        if values is None or values.shape != (size,):
            return Feedback(False, f"return an array of `size` numbers (here {size}), got {echo(values)}.")
        draws.append(values)
    values = draws[0]
    if not np.all(np.isfinite(values)):
        return Feedback(False, "some of your draws are nan or inf.")
    if np.any(values < low) or np.any(values > high):
        if values.min() >= math.log10(low) - 1e-9 and values.max() <= math.log10(high) + 1e-9:
            return Feedback(False, "those look like exponents: raise 10 to them.")
        return Feedback(False, f"draws must lie in [low, high] = [{low:g}, {high:g}]; yours span "
                               f"[{values.min():.3g}, {values.max():.3g}] (low and high are values, not exponents).")
    if not np.array_equal(draws[0], draws[1]):
        return Feedback(False, "the same rng seed gave different draws: draw from the rng you are given.")
    if np.array_equal(draws[0], draws[2]):
        return Feedback(False, "two different seeds gave the same draws: draw from the rng you are given.")
    shares = np.histogram(np.log10(values), bins=4, range=(-5.0, -1.0))[0] / size
    if np.all(np.abs(shares - 0.25) <= 0.04):
        return Feedback(True, f"each decade of [1e-5, 1e-1] holds a quarter of the draws "
                              f"({', '.join(f'{s:.2f}' for s in shares)}).")
    if shares[-1] > 0.6:
        return Feedback(False, f"{shares[-1]:.0%} of your draws are in the top decade [0.01, 0.1]: that is uniform "
                               "in the value. Draw the exponent uniformly: 10 ** rng.uniform(log10(low), log10(high)).")
    return Feedback(False, f"the decades hold {', '.join(f'{s:.2f}' for s in shares)} of the draws, not a quarter "
                           "each: draw the exponent uniformly between log10(low) and log10(high).")


def _float_array(values: Any) -> np.ndarray | None:
    try:
        array = np.asarray(values)
    except Exception:  # a ragged list, an object whose __array__ raises...
        return None
    if array.dtype.kind not in "iuf":
        return None
    return array.astype(float)


# ---- exercise 5: repair the chapter's loop ----------------------------------------------------------

#: Exercise 5's tiny problem: 48 training and 48 validation points of 4 features, 3 classes (30 % of
#: the validation labels redrawn, so the validation loss is lowest before the last epoch).
LOOP_PROBLEM = {"seed": 3, "epochs": 5, "batch_size": 16, "learning_rate": 0.05}


def _tiny_problem():
    rng = np.random.default_rng(LOOP_PROBLEM["seed"])
    w = rng.normal(size=(4, 3))
    X = rng.normal(size=(96, 4)).astype("float32")
    y = np.argmax(X @ w, axis=1)
    X_val, y_val = X[48:], y[48:].copy()
    redrawn = rng.random(48) < 0.3
    y_val[redrawn] = rng.integers(0, 3, redrawn.sum())
    return X[:48], y[:48], X_val, y_val


def _tiny_model(keras):
    keras.utils.set_random_seed(LOOP_PROBLEM["seed"])
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(3)])


def _reference_losses(keras, tf, weights, data, loss_fn) -> list[float]:
    """The corrected loop's validation loss after every epoch, from ``weights``."""
    X, y, X_val, y_val = data
    model = _tiny_model(keras)
    model.set_weights(weights)
    optimizer = keras.optimizers.Adam(LOOP_PROBLEM["learning_rate"])
    batches = tf.data.Dataset.from_tensor_slices((X, y)).batch(LOOP_PROBLEM["batch_size"])
    losses = []
    for _ in range(LOOP_PROBLEM["epochs"]):
        for xb, yb in batches:
            with tf.GradientTape() as tape:
                loss = loss_fn(yb, model(xb, training=True))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
        losses.append(float(loss_fn(y_val, model(X_val, training=False))))
    return losses


def check_repaired_loop(fn: Callable[..., Any] | None) -> Feedback:
    """Exercise 5: ``fn(model, loss_fn, optimizer, train_data, val_data, epochs, path)`` is the chapter's
    loop repaired; it returns ``(best_val_loss, best_model)`` and leaves the best model at ``path``.

    The check runs it on a tiny problem (in a temporary working directory) and compares it with the
    corrected loop run from the same weights on the same batches.
    """
    if fn is None:
        return not_answered("Repair my_loop and pass the function.")
    if not callable(fn):
        return Feedback(False, f"pass the function itself (no parentheses), got {type(fn).__name__}.")
    import keras
    import tensorflow as tf

    data = _tiny_problem()
    X, y, X_val, y_val = data
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model = _tiny_model(keras)
    start = model.get_weights()
    train_data = tf.data.Dataset.from_tensor_slices((X, y)).batch(LOOP_PROBLEM["batch_size"])
    val_data = tf.data.Dataset.from_tensor_slices((X_val, y_val)).batch(len(y_val))
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, "best_model.keras")
        os.chdir(scratch)   # a loop that still writes 'best_model.h5' writes it here
        try:
            result = fn(model, loss_fn, keras.optimizers.Adam(LOOP_PROBLEM["learning_rate"]), train_data, val_data,
                        LOOP_PROBLEM["epochs"], path)
        except Exception as exc:  # the learner's code: report, never crash
            return Feedback(False, f"your function raised {describe_error(exc)}.")
        finally:
            os.chdir(here)
        try:
            return _judge_loop(keras, tf, result, path, start, data, loss_fn)
        except Exception as exc:  # what it returned or saved cannot be used (a broken file, a broken model...)
            return Feedback(False, f"what your function returned or saved cannot be used: {describe_error(exc)}.")


def _judge_loop(keras, tf, result, path, start, data, loss_fn) -> Feedback:
    X, y, X_val, y_val = data
    if result is None:
        return not_answered("Your function returns None: return (best_val_loss, best_model).")
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        return Feedback(False, f"return a pair (best_val_loss, best_model), got {echo(result)}.")
    if isinstance(result[0], keras.Model) and as_number(result[1]) is not None:
        return Feedback(False, "swapped: return (best_val_loss, best_model), the loss first.")
    best_val_loss, best_model = as_number(result[0]), result[1]
    if best_val_loss is None:
        return Feedback(False, f"best_val_loss must be one finite number, got {echo(result[0])}. Did val_loss stay "
                               "`...`?")
    if best_model is None:
        return Feedback(False, "best_model is None: model.save() returns None. Save to `path`, then "
                               "best_model = keras.models.load_model(path).")
    if not isinstance(best_model, keras.Model):
        return Feedback(False, f"best_model must be a Keras model, got {echo(best_model)}.")
    want = _reference_losses(keras, tf, start, data, loss_fn)
    if not os.path.isfile(path):
        return Feedback(False, "there is no model at `path`: save with model.save(path) (a .keras file), "
                               "not to 'best_model.h5'.")
    if math.isclose(best_val_loss, want[-1], rel_tol=1e-4) and not math.isclose(best_val_loss, min(want), rel_tol=1e-4):
        return Feedback(False, f"{best_val_loss:.4f} is the last epoch's validation loss; the best was "
                               f"{min(want):.4f}. Is best_val_loss updated only when val_loss improves?")
    if not math.isclose(best_val_loss, min(want), rel_tol=1e-4):
        return Feedback(False, f"best_val_loss is {best_val_loss:.4f}, but the loop's best validation loss is "
                               f"{min(want):.4f}: validate on val_data with training=False and the given loss_fn.")
    saved = keras.models.load_model(path)
    for who, candidate in (("the model saved at `path`", saved), ("best_model", best_model)):
        value = float(loss_fn(y_val, candidate(X_val, training=False)))
        if not math.isclose(value, min(want), rel_tol=1e-4):
            return Feedback(False, f"{who} has validation loss {value:.4f}, not the best {min(want):.4f}: save only "
                                   "when val_loss improves, and return the model loaded from `path`.")
    return Feedback(True, f"your loop keeps epoch {int(np.argmin(want))} (validation loss {min(want):.4f}) of "
                          f"{len(want)}, saved at path and reloaded: the chapter's loop, repaired.")
