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
from test_exercises_common import every_message_reads_well  # noqa: F401 - the fixture below

pytestmark = pytest.mark.usefixtures("every_message_reads_well")


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


# ---- tolerances, forms, neighbouring answers, wrong types -------------------------------------

LR = 0.1 / 3.25        # by hand, see the module docstring


@pytest.mark.parametrize("answer", [LR, LR * 1.0009, LR * 0.9991, str(LR), np.float32(LR), "0.03077"])
def test_inverse_time_accepted_forms_and_tolerance(answer):
    fb = nb05.check_inverse_time_lr(answer)
    assert fb.ok is True and "0.030769" in fb.message


@pytest.mark.parametrize("answer", [LR * 1.0011, LR * 0.9989, 0.0307, 0.0309])
def test_inverse_time_just_outside_the_tolerance(answer):
    fb = nb05.check_inverse_time_lr(answer)     # 0.11 % off: refused; a tenfold looser tolerance accepts
    assert fb.ok is False and fb.message.startswith("not ")


@pytest.mark.parametrize("answer, words", [
    (0.1 / 3 * 1.0009, "staircase"), (0.1 / 3 * 1.0011, "not 0.0333"),
    (0.1 * 0.5 ** 4.5 * 0.9991, "exponential"), (0.325 * 1.0009, "multiplied"),
    (0.1 / 2.25, "not 0.0444"),                 # forgot the 1 +: 0.1 / 2.25
    (True, "give a number"), (float("nan"), "give a number"), ([LR], "give a number")])
def test_inverse_time_neighbours(answer, words):
    fb = nb05.check_inverse_time_lr(answer)
    assert fb.ok is False and words in fb.message


@pytest.mark.parametrize("answer", [500, 500.0, "500", np.int64(500)])
def test_decay_steps_forms(answer):
    fb = nb05.check_decay_steps(answer)
    assert fb.ok is True and "50 steps per epoch x 10 epochs = 500" in fb.message


@pytest.mark.parametrize("answer, words", [
    (499, "not 499"), (501, "not 501"), (5000, "not 5000"), (1600, "not 1600"), (320, "not 320"),
    (10, "every 10 steps, 50 times too fast"), (50.0, "50 is one epoch"), (16000, "counts samples"),
    (True, "whole number"), (float("nan"), "whole number"), ([500], "whole number")])
def test_decay_steps_wrong(answer, words):
    fb = nb05.check_decay_steps(answer)
    assert fb.ok is False and words in fb.message


@pytest.mark.parametrize("answer", [[3, 6, 11], (3, 6, 11), [11, 3, 6], np.array([3, 6, 11]),
                                    [3.0, 6.0, 11.0], {3, 6, 11}, "generator", ["3", "6", "11"]])
def test_plateau_epochs_forms(answer):
    if isinstance(answer, str):                # a fresh one per run: a generator is used up once read
        answer = (e for e in (3, 6, 11))
    assert nb05.check_plateau_epochs(answer).ok is True


def test_plateau_epochs_pytorch_style_cooldown():
    # cooldown pausing 2 whole epochs: cuts at 3; 4, 5 paused; 6, 7 count -> 7; 8, 9 paused
    # (9 improves to 0.68); 10, 11 count -> 11.
    fb = nb05.check_plateau_epochs([3, 7, 11])
    assert fb.ok is False and "PyTorch" in fb.message and "epoch 6, not 7" in fb.message


@pytest.mark.parametrize("answer, words", [
    ([2, 5, 10], "track best"),                 # one early everywhere: not 1-based
    ([3, 6, 12], "track best"), ([3, 6, 10], "track best"), ([3, 6, 11, 11], "track best"),
    ([3, 11], "track best"), ([], "track best"), ([6, 3], "track best"),
    ([3, 6.5, 11], "whole epoch numbers"), ([3, None, 11], "whole epoch numbers"),
    ([True, 6, 11], "whole epoch numbers"), ("3611", "whole epoch numbers"), (3, "whole epoch numbers"),
    ({3: 1, 6: 1, 11: 1}, "whole epoch numbers"), (list(range(101)), "whole epoch numbers"),
    ([float("inf")], "whole epoch numbers")])
def test_plateau_epochs_wrong(answer, words):
    fb = nb05.check_plateau_epochs(answer)
    assert fb.ok is False and words in fb.message


def test_plateau_epochs_an_endless_generator_is_refused_quickly():
    import itertools
    fb = nb05.check_plateau_epochs(itertools.count())
    assert fb.ok is False and "whole epoch numbers" in fb.message


def test_clipping_or_scheduling_forms_and_swaps():
    assert nb05.check_clipping_or_scheduling({f"({k})": v.upper() for k, v in RIGHT.items()}).ok is True
    assert nb05.check_clipping_or_scheduling({k: f" {v.title()} " for k, v in RIGHT.items()}).ok is True
    swapped = {k: ("scheduling" if v == "clipping" else "clipping") for k, v in RIGHT.items()}
    fb = nb05.check_clipping_or_scheduling(swapped)
    assert fb.ok is False and fb.message.startswith("a, b, c, d, e, f not right yet")
    fb = nb05.check_clipping_or_scheduling({**RIGHT, "(a)": "clipping"})
    assert fb.ok is False and "same letter" in fb.message
    for value in (None, True, 3, ["clipping"], "clip"):
        fb = nb05.check_clipping_or_scheduling({**RIGHT, "b": value})
        assert fb.ok is False and fb.message.startswith('b: answer "clipping" or "scheduling"')


@pytest.mark.parametrize("letter", sorted(RIGHT))
def test_clipping_or_scheduling_each_single_wrong_label(letter):
    other = "scheduling" if RIGHT[letter] == "clipping" else "clipping"
    fb = nb05.check_clipping_or_scheduling({**RIGHT, letter: other})
    assert fb.ok is False and fb.message.startswith(f"{letter} not right yet")
    assert f" {letter}: " in fb.message
    assert not any(f" {k}: " in fb.message for k in RIGHT if k != letter)     # only that one explained


def test_clip_by_norm_seed_is_checked_and_changes_the_cases():
    def mine(g, c):
        return g * c / max(np.linalg.norm(g), c)

    assert nb05.check_clip_by_norm(mine, seed=3).ok is True
    for seed in (-1, 1.5, "0", None, True):
        with pytest.raises((ValueError, TypeError), match="seed"):
            nb05.check_clip_by_norm(mine, seed=seed)


def test_clip_by_norm_tolerance_is_tight():
    def off(g, c):
        return clip_by_norm(g, c) * (1 + 1e-7)     # 1e-7 relative: outside rtol 1e-9

    assert nb05.check_clip_by_norm(off).ok is False
    assert nb05.check_clip_by_norm(lambda g, c: clip_by_norm(g, c) * (1 + 1e-10)).ok is True


@pytest.mark.parametrize("fn, words", [
    (lambda g, c: "g", "raised ValueError"), (lambda g, c: clip_by_norm(g, c).tolist(), "✓"),
    (lambda g, c: clip_by_norm(g, c).reshape(1, -1), "keep the gradient's shape"),
    (lambda g, c: g * c / np.linalg.norm(g) if np.linalg.norm(g) > c else g * 1.5, "expected g * c / max"),
])
def test_clip_by_norm_more_results(fn, words):
    fb = nb05.check_clip_by_norm(fn)
    if words == "✓":
        assert fb.ok is True              # a list of the right numbers is fine
    else:
        assert fb.ok is False and words in fb.message
