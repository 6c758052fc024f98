"""Exercise checks of notebook 07: right answers pass, typical wrong answers get their own message.

The right answers are derived by hand from Keras's EarlyStopping rule for
RUN = [0.90, 0.70, 0.62, 0.60, 0.605, 0.595, 0.61, ...], patience 3, min_delta 0.01:
epochs 1-3 improve by more than 0.01 (best 0.60 at epoch 3); 0.605, 0.595 and 0.61 do not
beat 0.60 - 0.01 = 0.59, so wait = 1, 2, 3 at epochs 4, 5, 6 and training stops at epoch 6.
"""
import numpy as np
import pytest

from course_lib.exercises import nb07
from test_exercises_common import every_message_reads_well  # noqa: F401 - the fixture below

pytestmark = pytest.mark.usefixtures("every_message_reads_well")


def test_stop_and_best():
    assert nb07.check_stop_and_best((6, 3)).ok
    assert "no answer yet" in nb07.check_stop_and_best(None).message


@pytest.mark.parametrize("answer, words", [
    ((7, 4), "1-based"),
    ((8, 5), "min_delta"),       # without min_delta: 0.595 improves, stop at 5 + 3 = 8
    ((6, 5), "lowest value"),
    ((5, 3), "off by one"),
    ("six", "pair"),
])
def test_stop_and_best_near_misses(answer, words):
    fb = nb07.check_stop_and_best(answer)
    assert not fb.ok and words in fb.message


@pytest.mark.parametrize("answer, ok", [("evaluations", True), ("Epochs", True), ("epoch", True),
                                        ("iterations", False), ("steps", False), ("batches", False)])
def test_patience_counts(answer, ok):
    fb = nb07.check_patience_counts(answer)
    assert fb.ok is ok
    if not ok:
        assert "end of an epoch" in fb.message


def test_patience_counts_unknown_word():
    assert "answer one of" in nb07.check_patience_counts("lunch").message


def test_restored_weights():
    assert nb07.check_restored_weights({True: 3, False: 6}).ok
    assert "other way round" in nb07.check_restored_weights({True: 6, False: 3}).message
    assert "lowest value" in nb07.check_restored_weights({True: 5, False: 6}).message
    assert "two keys" in nb07.check_restored_weights([3, 6]).message
    assert "no answer yet" in nb07.check_restored_weights(None).message


def _keras_rule(values, patience, min_delta):
    """An independent transcription of keras.callbacks.EarlyStopping.on_epoch_end (mode min)."""
    best, best_epoch, wait = None, 0, 0
    for epoch, v in enumerate(values):
        wait += 1
        if best is None or np.float32(v + min_delta) < np.float32(best):
            best, best_epoch, wait = v, epoch, 0
            continue
        if wait >= patience and epoch > 0:
            return epoch, best_epoch
    return None, best_epoch


def test_stopping_rule_accepts_a_correct_rule():
    fb = nb07.check_stopping_rule(_keras_rule)
    assert fb.ok, fb.message


def test_stopping_rule_catches_an_off_by_one_and_a_crash():
    def off_by_one(values, patience, min_delta):  # stops one epoch late (wait > patience)
        return _keras_rule(values, patience + 1, min_delta)

    fb = nb07.check_stopping_rule(off_by_one)
    assert not fb.ok and "Keras's rule gives" in fb.message
    assert "raised ZeroDivisionError" in nb07.check_stopping_rule(lambda v, p, d: 1 / 0).message
    assert "pair" in nb07.check_stopping_rule(lambda v, p, d: 3).message
    assert "function itself" in nb07.check_stopping_rule(42).message


def test_stopping_rule_template_returning_none_is_no_answer():
    assert "no answer yet" in nb07.check_stopping_rule(lambda v, p, d: None).message


# ---- every accepted form, every kind of wrong answer ------------------------------------------
# By hand (module docstring): stop 6, best 3; epoch 5 has the lowest value (0.595), no improvement.

@pytest.mark.parametrize("answer", [(6, 3), [6, 3], np.array([6, 3]), (6.0, 3.0), ("6", "3"),
                                    (np.int64(6), np.int64(3)), "iterator"])
def test_stop_and_best_forms(answer):
    if isinstance(answer, str):                # a fresh one per run: an iterator is used up once read
        answer = iter([6, 3])
    fb = nb07.check_stop_and_best(answer)
    assert fb.ok is True and "wait reaches 3 at epoch 6" in fb.message


@pytest.mark.parametrize("answer, words", [
    ((3, 6), "swapped"), ((7, 3), "off by one"), ((6, 4), "walk through"), ((6, 2), "walk through"),
    ((9, 3), "walk through"), ((None, 3), "pair of whole numbers"), ((6, 5), "lowest value"),
    ((7, 4), "1-based"), ((6,), "pair of whole numbers"), ((6, 3, 0), "pair of whole numbers"),
    ("63", "pair of whole numbers"), ({6: 3}, "pair of whole numbers"), ((6.5, 3), "pair of whole numbers"),
    ((True, 3), "pair of whole numbers"), (6, "pair of whole numbers"), ((float("nan"), 3), "pair of whole")])
def test_stop_and_best_wrong(answer, words):
    fb = nb07.check_stop_and_best(answer)
    assert fb.ok is False and words in fb.message


@pytest.mark.parametrize("answer", ["evaluations", "Epochs", "epoch", "epoch.", " validation ", "validations",
                                    np.str_("epochs")])
def test_patience_counts_right_words(answer):
    fb = nb07.check_patience_counts(answer)
    assert fb.ok is True and "validation_freq=k" in fb.message


@pytest.mark.parametrize("answer", ["step", "steps", "iteration", "batch", "update", "updates", "seconds"])
def test_patience_counts_wrong_words(answer):
    fb = nb07.check_patience_counts(answer)
    word = {"step": "steps", "iteration": "iterations", "batch": "batches", "update": "updates"}.get(answer, answer)
    assert fb.ok is False and fb.message.startswith(f"not {word}: ")


@pytest.mark.parametrize("answer", ["", "patience", 3, float("nan"), ["epochs"], True, "epochs epochs"])
def test_patience_counts_unreadable(answer):
    fb = nb07.check_patience_counts(answer)
    assert fb.ok is False and fb.message.startswith("answer one of batches, epochs, evaluations")


@pytest.mark.parametrize("answer", [{True: 3, False: 6}, {1: 3, 0: 6}, {True: 3.0, False: "6"},
                                    {np.bool_(True): np.int64(3), np.bool_(False): np.int64(6)}])
def test_restored_weights_forms(answer):
    fb = nb07.check_restored_weights(answer)
    assert fb.ok is True and "epoch 3" in fb.message and "(epoch 6)" in fb.message


@pytest.mark.parametrize("kept", [e for e in range(-1, 12) if e != 6])
def test_restored_weights_false_must_be_the_stopped_epoch(kept):
    # the planted bug of issue 9: any epoch accepted for restore_best_weights=False
    fb = nb07.check_restored_weights({True: 3, False: kept})
    assert fb.ok is False


@pytest.mark.parametrize("restored", [e for e in range(-1, 12) if e != 3])
def test_restored_weights_true_must_be_the_best_epoch(restored):
    fb = nb07.check_restored_weights({True: restored, False: 6})
    assert fb.ok is False


@pytest.mark.parametrize("answer, words", [
    ({True: 3, False: 3}, "keeps the weights of the last epoch that ran, 6"),
    ({True: 3, False: 9}, "later epochs of the list never ran"),
    ({True: 3, False: 7}, "epoch at which training stopped"),
    ({True: 3, False: 5}, "epoch at which training stopped"),
    ({True: 6, False: 3}, "other way round"), ({True: 5, False: 6}, "lowest value"),
    ({True: 5, False: 5}, "lowest value"), ({True: 4, False: 7}, "not {True: 4, False: 7}"),
    ({True: 3.5, False: 6}, "whole epoch numbers"), ({True: 3, False: None}, "whole epoch numbers"),
    ({True: True, False: 6}, "whole epoch numbers"), ({True: (3, 0), False: 6}, "whole epoch numbers"),
    ({True: 3}, "two keys"), ({True: 3, False: 6, None: 1}, "two keys"), ({"True": 3, "False": 6}, "two keys"),
    ((3, 6), "two keys"), ("3, 6", "two keys")])
def test_restored_weights_wrong(answer, words):
    fb = nb07.check_restored_weights(answer)
    assert fb.ok is False and words in fb.message


def test_stopping_rule_seed_is_checked_and_numpy_results_are_fine():
    def numpy_typed(values, patience, min_delta):
        stop, best = _keras_rule(values, patience, min_delta)
        return (None if stop is None else np.int64(stop), np.int64(best))

    assert nb07.check_stopping_rule(numpy_typed).ok is True
    assert nb07.check_stopping_rule(_keras_rule, seed=5).ok is True
    for seed in (-1, 0.5, None, "1"):
        with pytest.raises((ValueError, TypeError), match="seed"):
            nb07.check_stopping_rule(_keras_rule, seed=seed)


@pytest.mark.parametrize("fn, words", [
    (lambda v, p, d: [6, 3], "return a pair"), (lambda v, p, d: (np.ones(2), 3), "return a pair"),
    (lambda v, p, d: ("6", 3), "return a pair"), (lambda v, p, d: (6.5, 3), "return a pair"),
    (lambda v, p, d: (6, None), "return a pair"), (lambda v, p, d: (6, 3, 0), "return a pair"),
    (lambda v, p, d: (None, 3), "you returned (None, 3), Keras's rule gives (6, 3)"),
    (lambda v, p, d: _keras_rule(v, p, 0.0), "Keras's rule gives"),        # ignores min_delta
    (lambda v, p, d: _keras_rule(v, max(p - 1, 0), d), "Keras's rule gives"),
    ("rule", "function itself"),
])
def test_stopping_rule_more_mistakes(fn, words):
    fb = nb07.check_stopping_rule(fn)
    assert fb.ok is False and words in fb.message


def test_stopping_rule_right_message_counts_the_curves():
    assert "on 43 curves" in nb07.check_stopping_rule(_keras_rule).message    # 3 fixed + 40 random
