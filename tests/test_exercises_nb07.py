"""Exercise checks of notebook 07: right answers pass, typical wrong answers get their own message.

The right answers are derived by hand from Keras's EarlyStopping rule for
RUN = [0.90, 0.70, 0.62, 0.60, 0.605, 0.595, 0.61, ...], patience 3, min_delta 0.01:
epochs 1-3 improve by more than 0.01 (best 0.60 at epoch 3); 0.605, 0.595 and 0.61 do not
beat 0.60 - 0.01 = 0.59, so wait = 1, 2, 3 at epochs 4, 5, 6 and training stops at epoch 6.
"""
import numpy as np
import pytest

from course_lib.exercises import nb07


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
