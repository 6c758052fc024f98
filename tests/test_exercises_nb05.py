"""Exercise checks of notebook 05: right answers pass, typical wrong answers get their own message.

Right answers, by hand:
1. InverseTimeDecay(0.1, 100, 0.5) at step 450: 0.1 / (1 + 0.5 * 4.5) = 0.1 / 3.25.
2. 1600 / 32 = 50 steps per epoch; halving every 10 epochs -> decay_steps = 500.
3. Keras's ReduceLROnPlateau on [1.00, 0.80, 0.795, 0.792, 0.70, 0.705, 0.71, 0.73, 0.74, 0.68,
   0.685, 0.69], factor 0.5, patience 2, min_delta 0.01, cooldown 2:
   e2, e3 no improvement (not below 0.80 - 0.01) -> wait 2 -> cut at 3, cooldown 2;
   e4 cooldown 2->1, improves (0.70); e5 cooldown 1->0, then counts: wait 1; e6 wait 2 -> cut at 6;
   e7 cooldown 2->1, no count; e8 cooldown 1->0, wait 1; e9 improves (0.68); e10, e11 -> cut at 11.
   Without cooldown: cuts at 3, 6, 8, 11. Without min_delta: 0.795, 0.792 improve -> cuts at 6, 11.
"""
import numpy as np
import pytest

from course_lib.clipping import clip_by_norm
from course_lib.exercises import nb05


def test_inverse_time():
    assert nb05.check_inverse_time_lr(0.1 / 3.25).ok
    assert nb05.check_inverse_time_lr(0.03077).ok            # rounded to 4 significant digits


@pytest.mark.parametrize("answer, words", [
    (0.1 / 3, "staircase"), (0.1 * 0.5 ** 4.5, "exponential"), (0.1 * 3.25, "multiplied"),
    (0.5, "initial / (1 + decay_rate"), ("fast", "give a number"), (None, "no answer yet")])
def test_inverse_time_near_misses(answer, words):
    fb = nb05.check_inverse_time_lr(answer)
    assert not fb.ok and words in fb.message


@pytest.mark.parametrize("answer, ok, words", [
    (500, True, "50 steps per epoch"), (10, False, "50 times too fast"), (50, False, "one epoch"),
    (16000, False, "counts samples"), (320, False, "how many in 10 epochs"), ("x", False, "whole number")])
def test_decay_steps(answer, ok, words):
    fb = nb05.check_decay_steps(answer)
    assert fb.ok is ok and words in fb.message


@pytest.mark.parametrize("answer, ok, words", [
    ([3, 6, 11], True, "cooldown=2"), ([4, 7, 12], False, "1-based"),
    ([3, 6, 8, 11], False, "ignores the cooldown"), ([6, 11], False, "ignores min_delta"),
    ([3, 6], False, "track best"), ("3, 6, 11", False, "list"), (None, False, "no answer yet")])
def test_plateau_epochs(answer, ok, words):
    fb = nb05.check_plateau_epochs(answer)
    assert fb.ok is ok and words in fb.message


RIGHT = {"a": "clipping", "b": "scheduling", "c": "clipping", "d": "scheduling",
         "e": "scheduling", "f": "clipping"}


def test_clipping_or_scheduling():
    assert nb05.check_clipping_or_scheduling(RIGHT).ok
    assert nb05.check_clipping_or_scheduling({**RIGHT, "Extra": "x"}).ok  # extra keys are ignored
    assert "d not right" in nb05.check_clipping_or_scheduling({**RIGHT, "d": "clipping"}).message
    assert "missing e, f" in nb05.check_clipping_or_scheduling({k: RIGHT[k] for k in "abcd"}).message
    assert '"clipping" or "scheduling"' in nb05.check_clipping_or_scheduling({**RIGHT, "a": "x"}).message
    assert "give a dict" in nb05.check_clipping_or_scheduling(["clipping"]).message


def test_clipping_or_scheduling_explains_each_wrong_label():
    fb = nb05.check_clipping_or_scheduling({**RIGHT, "f": "scheduling", "e": "clipping"})
    assert not fb.ok and fb.message.startswith("e, f not right yet")
    assert "a schedule never reads the gradient" in fb.message and "never reads them" in fb.message
    assert "a:" not in fb.message                      # only the wrong ones are explained


def test_statement_f_holds_for_clipping_and_not_for_scheduling():
    """The notebook's table: clipping acts only on steps whose gradient exceeds c, reading that
    gradient alone; schedules act on every step and never read the gradient. Statement f must
    match the clipping row, not mix in 'every step' (the scheduling row)."""
    f = nb05.STATEMENTS["f"]
    assert "gradient" in f and "every" not in f and RIGHT["f"] == "clipping"


def test_clip_by_norm_accepts_a_correct_function():
    def mine(g, c):
        return g * c / max(np.sqrt(np.sum(g * g)), c)

    assert nb05.check_clip_by_norm(mine).ok
    assert nb05.check_clip_by_norm(clip_by_norm).ok


@pytest.mark.parametrize("fn, words", [
    (lambda g, c: g * c / np.linalg.norm(g), "must be left unchanged"),     # always rescales
    (lambda g, c: g, "returned g unchanged"),
    (lambda g, c: np.clip(g, -c, c), "clip by value"),
    (lambda g, c: g / 2, "expected g * c / max"),
    (lambda g, c: g[:1], "keep the gradient's shape"),
    (lambda g, c: 1 / 0, "raised ZeroDivisionError"),
    ("clip", "function itself"),
])
def test_clip_by_norm_wrong_functions(fn, words):
    fb = nb05.check_clip_by_norm(fn)
    assert not fb.ok and words in fb.message


def test_clip_by_norm_template_returning_none_is_no_answer():
    def template(g, c):
        return None

    assert "no answer yet" in nb05.check_clip_by_norm(template).message
