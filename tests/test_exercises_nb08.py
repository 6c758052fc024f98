"""Exercise checks of notebook 08: right answers pass, typical wrong answers get their own message.

Right answers, derived by hand:

* exercise 1, z = (0, 100), class 0: from logits, -ln softmax(z)_0 = ln(1 + e^100) = 100 + ln(1 + e^-100)
  = 100.000; from float32 probabilities, p_0 = e^-100 ~ 3.7e-44 is returned as 0 by the softmax,
  Keras clips it to 1e-7, so the loss is -ln(1e-7) = 7 ln 10 = 16.118.
* exercise 2: run (a) blows up at learning rate 0.5 -> fix 1; (b) overfits -> fix 2; (c) its rate is
  cut to 1e-7 in a few epochs and it stalls -> fix 3.
* exercise 3, val_loss [1.0, 0.8, 0.7, 0.71, 0.72, 0.69, 0.70, 0.70, 0.71, 0.72, 0.73, 0.74]:
  ReduceLROnPlateau(patience=2): best 0.7 at epoch 2; epochs 3, 4 do not improve -> wait 2 -> cut at
  the end of epoch 4, wait 0; 0.69 (epoch 5) improves; 6, 7 do not -> cut after 7; 8, 9 -> cut after 9.
  EarlyStopping(patience=5): best 0.69 at epoch 5; epochs 6..10 -> wait 5 at epoch 10: stop at 10,
  so the cut that epoch 11 would bring never happens. Answer ([4, 7, 9], 10).
"""
import math

import numpy as np
import pytest

from course_lib.exercises import Feedback, nb08
from test_exercises_common import ANSWERS, every_message_reads_well  # noqa: F401 - the fixture below

pytestmark = pytest.mark.usefixtures("every_message_reads_well")

FROM_LOGITS, FROM_PROBABILITIES = 100.0, 7 * math.log(10)      # 100.000 and 16.118
CUTS, STOP = [4, 7, 9], 10


# ---- exercise 1 -----------------------------------------------------------------------------------

@pytest.mark.parametrize("answer", [(100, 16.118), [100.0, 16.1181], (np.float32(100), np.float64(16.118)),
                                    ("100", "16.118"), np.array([100.0, 16.118]), (FROM_LOGITS, FROM_PROBABILITIES),
                                    "iterator"])
def test_confident_mistake_right(answer):
    if isinstance(answer, str):
        answer = iter([100, 16.118])
    fb = nb08.check_confident_mistake(answer)
    assert fb.ok is True and "16.118" in fb.message and "zero gradient" in fb.message


@pytest.mark.parametrize("answer, words", [
    ((16.118, 100), "swapped"),
    ((100, 100), "float32's softmax returns p_0 = 0"),
    ((100, 1e30), "float32's softmax returns p_0 = 0"),          # ln 0 = inf, "very large"
    ((100, 16.0), "-ln of the clipped probability"),
    ((100, 6.9), "-ln of the clipped probability"),             # log10 instead of ln: 7
    ((2.303, 16.118), "the second is right"),
    ((0.0, 16.118), "the second is right"),
    ((-100, -16.118), "never negative"),
    ((100, -16.118), "never negative"),
    ((2.303, 2.303), "not (2.303, 2.303)"),
    ((100.2, 16.2), "not (100.2, 16.2)"),                      # close, but outside 1e-3
])
def test_confident_mistake_wrong(answer, words):
    fb = nb08.check_confident_mistake(answer)
    assert fb.ok is False and words in fb.message


@pytest.mark.parametrize("answer", [100, "100, 16.118", (100,), (100, 16.118, 0), {100: 16.118}, (None, 16.118),
                                    (float("nan"), 16.118), (True, 16.118), ([100], 16.118), (1j, 16.118)])
def test_confident_mistake_unreadable(answer):
    fb = nb08.check_confident_mistake(answer)
    assert fb.ok is False and fb.message.startswith("give a pair of two numbers")


def test_confident_mistake_placeholder():
    assert nb08.check_confident_mistake(None).message.startswith("no answer yet. Give a pair")


def test_confident_mistake_tolerance_edges():
    assert nb08.check_confident_mistake((100 * (1 + 9e-4), 16.118 * (1 - 9e-4))).ok is True
    assert nb08.check_confident_mistake((100 * (1 + 1.1e-3), 16.118)).ok is False
    assert nb08.check_confident_mistake((100, FROM_PROBABILITIES * (1 - 1.9e-3))).ok is True
    assert nb08.check_confident_mistake((100, FROM_PROBABILITIES * (1 - 2.1e-3))).ok is False
    assert nb08.check_confident_mistake((100, FROM_PROBABILITIES * (1 + 2.1e-3))).ok is False
    assert nb08.check_confident_mistake((100, 16.1)).ok is True          # 16.118 to three digits


@pytest.mark.parametrize("answer", [(100, float("inf")), (100, np.inf), (float("inf"), 16.118),
                                    [100, -np.inf]])
def test_confident_mistake_infinite(answer):
    fb = nb08.check_confident_mistake(answer)
    assert fb.ok is False and fb.message.startswith("a loss of inf is what -ln 0 would give")


def test_confident_mistake_matches_keras():
    """The two numbers are Keras's own (the notebook's §1 prints them)."""
    keras = pytest.importorskip("keras")
    tf = pytest.importorskip("tensorflow")
    z, y = tf.constant([[0.0, 100.0]]), tf.constant([0])
    assert math.isclose(float(keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y, z)), FROM_LOGITS,
                        rel_tol=1e-6)
    assert math.isclose(float(keras.losses.SparseCategoricalCrossentropy()(y, tf.nn.softmax(z))),
                        FROM_PROBABILITIES, rel_tol=1e-6)


# ---- exercise 2 -----------------------------------------------------------------------------------

@pytest.mark.parametrize("answer", [{"a": 1, "b": 2, "c": 3}, {"(a)": 1, "B": "2", "c)": 3.0},
                                    {"a": np.int64(1), "b": 2, "c": 3, "note": "why"}])
def test_read_the_curves_right(answer):
    fb = nb08.check_read_the_curves(answer)
    assert fb.ok is True and "overfits" in fb.message and "patience is far too short" in fb.message


@pytest.mark.parametrize("a", range(1, 6))
@pytest.mark.parametrize("b", range(1, 6))
@pytest.mark.parametrize("c", range(1, 6))
def test_read_the_curves_only_one_right_combination(a, b, c):
    fb = nb08.check_read_the_curves({"a": a, "b": b, "c": c})
    assert fb.ok is ((a, b, c) == (1, 2, 3))
    if not fb.ok:
        wrong = sum(x != y for x, y in zip((a, b, c), (1, 2, 3)))
        assert fb.message.startswith(f"{wrong} of 3 not yet; for run (")


@pytest.mark.parametrize("answer, words", [
    ({"a": 4, "b": 2, "c": 3}, "more epochs with the same settings"),
    ({"a": 1, "b": 2, "c": 5}, "a bigger model would stall the same way"),
    ({"a": 1, "b": 5, "c": 3}, "a bigger model would stall the same way"),
    ({"a": 1, "b": 2, "c": 1}, "fix 1 answers another run's problem"),
    ({"a": 2, "b": 1, "c": 3}, "for run (a)"),
])
def test_read_the_curves_hints(answer, words):
    fb = nb08.check_read_the_curves(answer)
    assert fb.ok is False and words in fb.message


@pytest.mark.parametrize("answer, words", [
    ({"a": 1, "b": 2}, 'keys "a", "b" and "c"'), ([1, 2, 3], 'keys "a", "b" and "c"'), ("123", 'keys "a"'),
    ({"a": 1, "(a)": 1, "b": 2, "c": 3}, 'keys "a"'),
    ({"a": 0, "b": 2, "c": 3}, "one of the fix numbers"), ({"a": 6, "b": 2, "c": 3}, "one of the fix numbers"),
    ({"a": 1.5, "b": 2, "c": 3}, "one of the fix numbers"), ({"a": None, "b": 2, "c": 3}, "one of the fix numbers"),
    ({"a": True, "b": 2, "c": 3}, "one of the fix numbers"), ({"a": "one", "b": 2, "c": 3}, "one of the fix"),
])
def test_read_the_curves_unreadable(answer, words):
    fb = nb08.check_read_the_curves(answer)
    assert fb.ok is False and words in fb.message


def test_the_curves_show_what_the_check_says():
    a, b, c = (nb08.CURVES[k] for k in "abc")
    assert np.all(np.isnan(a["loss"][6:])) and np.nanmax(a["loss"]) > 10 * a["loss"][0] / 2   # blow-up, then nan
    lowest = int(np.argmin(b["val_loss"]))
    assert 5 <= lowest <= 9 and b["val_loss"][-1] > 1.5 * b["val_loss"][lowest]          # overfitting
    assert np.all(np.diff(b["loss"]) < 0) and np.ptp(b["learning_rate"]) == 0
    assert c["learning_rate"][-1] <= 1e-4 * c["learning_rate"][0] and c["loss"][-1] > 1.0  # cut early, stalled
    assert np.all(np.abs(c["val_loss"] - c["loss"]) < 0.1)
    assert all(len(v) == 30 for run in nb08.CURVES.values() for v in run.values())


def test_read_the_curves_placeholder():
    assert nb08.check_read_the_curves(None).message.startswith("no answer yet. Give a dict")


# ---- exercise 3 -----------------------------------------------------------------------------------

@pytest.mark.parametrize("answer", [(CUTS, STOP), ([9, 7, 4], 10), ((4, 7, 9), 10.0), (np.array(CUTS), np.int64(10)),
                                    (["4", "7", "9"], "10"), [CUTS, STOP], (iter(CUTS), 10)])
def test_callback_epochs_right(answer):
    fb = nb08.check_callback_epochs(answer)
    assert fb.ok is True and "[4, 7, 9]" in fb.message and "at epoch 10" in fb.message


def test_callback_epochs_agree_with_keras_rules():
    """The hand derivation (module docstring) against course_lib's replays of the Keras callbacks."""
    from course_lib.early_stopping import early_stopping_point
    from course_lib.plateau import plateau_learning_rates

    values = nb08.SEEN["val_loss"]
    assert early_stopping_point(values, patience=5).stop_epoch == STOP
    _, cuts = plateau_learning_rates(values[:STOP + 1], 1.0, factor=0.5, patience=2, min_delta=0.0)
    assert cuts.tolist() == CUTS
    _, all_cuts = plateau_learning_rates(values, 1.0, factor=0.5, patience=2, min_delta=0.0)
    assert all_cuts.tolist() == CUTS + [11]          # the cut training never reaches


@pytest.mark.parametrize("answer, words", [
    (([5, 8, 10], 11), "1-based"),
    ((CUTS, 7), "0.69 at epoch 5 is an improvement"),
    (([4, 7, 9, 11], 10), "no cut happens after training has stopped"),
    (([4, 7, 8, 9, 10], 10), "wait restarts from 0"),                 # no reset after a cut
    (([4, 7, 9], 11), "count the epochs since the last improvement"),
    (([4, 7, 9], 9), "count the epochs since the last improvement"),
    (([3, 6, 8], 10), "an improvement resets the wait"),
    (([4, 9], 10), "an improvement resets the wait"),
    (([], 10), "an improvement resets the wait"),
    (([4, 7], 11), "count the epochs"),
])
def test_callback_epochs_wrong(answer, words):
    fb = nb08.check_callback_epochs(answer)
    assert fb.ok is False and words in fb.message


@pytest.mark.parametrize("answer", [10, "([4, 7, 9], 10)", (CUTS,), (CUTS, 10, 0), (10, CUTS), ({4: 7}, 10),
                                    (CUTS, None), (CUTS, 10.5), ([4.5, 7, 9], 10), ([None], 10), (CUTS, True),
                                    (list(range(200)), 10), ("479", 10)])
def test_callback_epochs_unreadable(answer):
    fb = nb08.check_callback_epochs(answer)
    assert fb.ok is False and fb.message.startswith("give a pair like ([3, 6], 9)")


# ---- exercise 4 -----------------------------------------------------------------------------------

def _log_uniform(rng, low, high, size):
    return 10 ** rng.uniform(np.log10(low), np.log10(high), size)


@pytest.mark.parametrize("fn", [_log_uniform,
                                lambda r, lo, hi, n: np.exp(r.uniform(np.log(lo), np.log(hi), n)),
                                lambda r, lo, hi, n: list(lo * (hi / lo) ** r.random(n))])
def test_log_uniform_right(fn):
    fb = nb08.check_log_uniform(fn)
    assert fb.ok is True and "a quarter of the draws" in fb.message


_GLOBAL = np.random.default_rng(99)


@pytest.mark.parametrize("fn, words", [
    (lambda r, lo, hi, n: r.uniform(lo, hi, n), "top decade"),
    (lambda r, lo, hi, n: r.uniform(np.log10(lo), np.log10(hi), n), "look like exponents"),
    (lambda r, lo, hi, n: 10 ** r.uniform(lo, hi, n), "not exponents"),
    (lambda r, lo, hi, n: 10 ** r.uniform(-6, -1, n), "must lie in [low, high]"),
    (lambda r, lo, hi, n: 10 ** _GLOBAL.uniform(-5, -1, n), "same rng seed gave different draws"),
    (lambda r, lo, hi, n: _log_uniform(np.random.default_rng(0), lo, hi, n), "different seeds gave the same"),
    (lambda r, lo, hi, n: lo + (hi - lo) * r.random(n) ** 4, "not a quarter each"),
    (lambda r, lo, hi, n: 10 ** r.normal(-3, 0.5, n).clip(-5, -1), "not a quarter each"),
    (lambda r, lo, hi, n: _log_uniform(r, lo, hi, 10), "array of `size` numbers"),
    (lambda r, lo, hi, n: _log_uniform(r, lo, hi, (n, 1)), "array of `size` numbers"),
    (lambda r, lo, hi, n: float(_log_uniform(r, lo, hi, 1)[0]), "array of `size` numbers"),
    (lambda r, lo, hi, n: ["0.01"] * n, "array of `size` numbers"),
    (lambda r, lo, hi, n: np.full(n, np.nan), "nan or inf"),
    (lambda r, lo, hi, n: 1 / 0, "raised ZeroDivisionError"),
    (lambda r, lo: lo, "raised TypeError"),
    (lambda r, lo, hi, n: None, "no answer yet. Your function returns None"),
    ("sample_log_uniform", "function itself"),
])
def test_log_uniform_wrong(fn, words):
    fb = nb08.check_log_uniform(fn)
    assert fb.ok is False and words in fb.message


def test_log_uniform_placeholder():
    assert nb08.check_log_uniform(None).message.startswith("no answer yet. Write sample_log_uniform")


def test_log_uniform_tolerance_catches_a_small_bias():
    # in range and reproducible, but a fifth of the draws moved into the top decade (0.40 instead of 0.25)
    def biased(r, lo, hi, n):
        e = r.uniform(-5, -1, n)
        e[: n // 5] = r.uniform(-2, -1, n // 5)          # a fifth moved into the top decade
        return 10 ** e
    assert nb08.check_log_uniform(biased).ok is False


# ---- exercise 5 (runs TensorFlow) ---------------------------------------------------------------

def _repaired_loop(model, loss_fn, optimizer, train_data, val_data, epochs, path):
    """The chapter's loop repaired (the notebook's §1 fixes, in a function)."""
    import keras
    import tensorflow as tf

    best_val_loss = float("inf")
    for epoch in range(epochs):
        for step, (x_batch_train, y_batch_train) in enumerate(train_data):
            with tf.GradientTape() as tape:
                logits = model(x_batch_train, training=True)
                loss = loss_fn(y_batch_train, logits)
            gradients = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        val_loss = float(np.mean([float(loss_fn(y, model(x, training=False))) for x, y in val_data]))
        if val_loss < best_val_loss:
            best_val_loss = val_loss
            model.save(path)
    return best_val_loss, keras.models.load_model(path)


def _variant(*, save_always=False, save_to=None, return_live=False, return_none_model=False, on_train=False,
             compiled=False, last_loss=False):
    """A loop with one planted mistake (or, with no argument, a second correct loop)."""
    def loop(model, loss_fn, optimizer, train_data, val_data, epochs, path):
        import keras
        import tensorflow as tf

        def step(x, y):
            with tf.GradientTape() as tape:
                loss = loss_fn(y, model(x, training=True))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
        step = tf.function(step) if compiled else step
        best, val_loss = float("inf"), None
        for _ in range(epochs):
            for x, y in train_data:
                step(x, y)
            x_v, y_v = next(iter(train_data if on_train else val_data))
            val_loss = float(loss_fn(y_v, model(x_v, training=False)))
            if val_loss < best or save_always:
                best = val_loss
                model.save(save_to or path)
        reported = val_loss if last_loss else best
        if return_none_model:
            return reported, None
        return reported, (model if return_live else keras.models.load_model(save_to or path))
    return loop


tf_test = pytest.mark.tf


@tf_test
def test_repaired_loop_right():
    fb = nb08.check_repaired_loop(_repaired_loop)
    assert fb.ok is True and "keeps epoch 2" in fb.message and "of 5" in fb.message


@tf_test
def test_repaired_loop_right_as_a_list():
    fb = nb08.check_repaired_loop(lambda *args: list(_repaired_loop(*args)))
    assert fb.ok is True and "keeps epoch 2" in fb.message


@tf_test
def test_repaired_loop_right_compiled_step():
    assert nb08.check_repaired_loop(_variant(compiled=True)).ok is True


@tf_test
def test_repaired_loop_the_chapter_as_printed():
    def chapter(model, loss_fn, optimizer, train_data, val_data, epochs, path):
        import tensorflow as tf
        for epoch in range(epochs):
            for step, (x_batch_train, y_batch_train) in enumerate(train_data):
                with tf.GradientTape() as tape:
                    logits = model(x_batch_train, training=True)
                    loss = loss_fn(y_batch_train, logits)
                gradients = tape.gradient(loss, model.trainable_variables)
                optimizer.apply_gradients(zip(gradients, model.trainable_variables))
            val_loss = ...
            val_accuracy = ...  # noqa: F841 - as printed
            if val_loss < best_val_loss:  # noqa: F821 - the chapter's bug
                best_val_loss = val_loss
                best_model = model.save('best_model.h5')
        return best_val_loss, best_model

    fb = nb08.check_repaired_loop(chapter)
    assert fb.ok is False and "raised UnboundLocalError" in fb.message


@tf_test
@pytest.mark.parametrize("mistake, words", [
    (dict(save_always=True, last_loss=True), "is the last epoch's validation loss"),
    (dict(save_always=True), "is the last epoch's validation loss"),
    (dict(save_to="best_model.h5"), "no model at `path`"),
    (dict(return_none_model=True), "best_model is None"),
    (dict(return_live=True), "best_model has validation loss"),
    (dict(on_train=True), "validate on val_data"),
])
def test_repaired_loop_mistakes(mistake, words):
    fb = nb08.check_repaired_loop(_variant(**mistake))
    assert fb.ok is False and words in fb.message


@tf_test
def test_repaired_loop_h5_is_written_in_a_scratch_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    nb08.check_repaired_loop(_variant(save_to="best_model.h5"))
    assert list(tmp_path.iterdir()) == []                # nothing left in the learner's folder


@tf_test
@pytest.mark.parametrize("returned, words", [
    (lambda model, path: (Ellipsis, model), "one finite number"),
    (lambda model, path: (float("nan"), model), "one finite number"),
    (lambda model, path: 0.5, "return a pair"),
    (lambda model, path: [0.5, model], "there is no model at `path`"),    # a list is a pair too
    (lambda model, path: (model, 0.5), "swapped: return (best_val_loss, best_model)"),
    (lambda model, path: (model, model), "one finite number"),
    (lambda model, path: (0.5, "model"), "must be a Keras model"),
    (lambda model, path: None, "no answer yet. Your function returns None"),
])
def test_repaired_loop_returns(returned, words):
    fb = nb08.check_repaired_loop(lambda model, *args: returned(model, args[-1]))
    assert fb.ok is False and words in fb.message


@tf_test
def test_repaired_loop_a_broken_file_is_reported():
    def garbage(model, loss_fn, optimizer, train_data, val_data, epochs, path):
        best, best_model = _repaired_loop(model, loss_fn, optimizer, train_data, val_data, epochs, path)
        with open(path, "w") as f:                      # the right loss, but no model in the file
            f.write("not a zip")
        return best, best_model
    fb = nb08.check_repaired_loop(garbage)
    assert fb.ok is False and fb.message.startswith("what your function returned or saved cannot be used")


def test_repaired_loop_not_a_function():
    assert "function itself" in nb08.check_repaired_loop("my_loop").message
    assert nb08.check_repaired_loop(None).message.startswith("no answer yet. Repair my_loop")


# ---- every check: any answer gets a short Feedback ------------------------------------------------

NUMPY_CHECKS = [nb08.check_confident_mistake, nb08.check_read_the_curves, nb08.check_callback_epochs,
                nb08.check_log_uniform]


@pytest.mark.parametrize("check", NUMPY_CHECKS, ids=lambda c: c.__name__)
def test_any_answer_gets_a_short_feedback(check):
    for answer in ANSWERS:
        fb = check(answer)
        assert isinstance(fb, Feedback) and fb.ok is False and len(fb.message) <= 1000


@tf_test
def test_any_answer_gets_a_short_feedback_loop():
    for answer in ANSWERS:
        fb = nb08.check_repaired_loop(answer)
        assert isinstance(fb, Feedback) and fb.ok is False and len(fb.message) <= 1000
