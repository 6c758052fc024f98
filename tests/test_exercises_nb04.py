"""Notebook 04's exercise checks: right answers pass, typical mistakes get their own message.

Right answers are derived here: 1000 = 31 * 32 + 8, so 32 batches per epoch and 160 updates in
5 epochs, 5000 per-sample gradients; Var = 4/16 * (256-16)/(256-1) = 0.2353; exercise 3 is
checked with reference functions written in this file.
"""
import itertools

import numpy as np
import pytest

from course_lib.exercises.nb04 import check_batch_variance, check_counts, check_minibatches
from test_exercises_common import every_message_reads_well  # noqa: F401 - the fixture below

pytestmark = pytest.mark.usefixtures("every_message_reads_well")


def test_counts():
    assert check_counts({"updates": 160, "gradient_evaluations": 5000}).ok
    cases = [(None, "no answer yet"), ([160, 5000], "exactly the keys"), ({"updates": 160}, "exactly the keys"),
             ({"updates": 155, "gradient_evaluations": 5000}, "last, smaller batch"),
             ({"updates": 32, "gradient_evaluations": 5000}, "one epoch's updates"),
             ({"updates": 160, "gradient_evaluations": 5120}, "only 8 samples"),
             ({"updates": 156.25, "gradient_evaluations": 5000}, "whole numbers"),
             ({"updates": 5, "gradient_evaluations": 1000}, "ceil(N / B)")]
    for answer, words in cases:
        feedback = check_counts(answer)
        assert not feedback.ok and words in feedback.message, (answer, feedback)


def test_batch_variance():
    assert check_batch_variance(4 / 16 * 240 / 255).ok and check_batch_variance(0.2353).ok
    cases = [(None, "no answer yet"), ("a quarter", "one number"), ("0.24", "not yet"), (0.25, "without replacement"),
             (1.0, "standard deviation"), (4.0, "one sample's variance"), (4 / 16 * 240 / 256, "not (N − B)/N"),
             (0.3, "not yet")]
    for answer, words in cases:
        feedback = check_batch_variance(answer)
        assert not feedback.ok and words in feedback.message, (answer, feedback)


def right(n, batch_size, rng):
    order = rng.permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def test_minibatches_right_answer():
    assert check_minibatches(right).ok


@pytest.mark.parametrize("func, words", [
    (None, "no answer yet"),
    (right(10, 4, np.random.default_rng(0)), "function itself"),
    (lambda n, b, rng: right(n, b, rng)[:n // b], "last, smaller batch"),
    (lambda n, b, rng: [rng.integers(0, n, size=min(b, n - i)) for i in range(0, n, b)], "exactly once"),
    (lambda n, b, rng: [np.arange(n)[i:i + b] for i in range(0, n, b)], "not shuffled"),
    (lambda n, b, rng: right(n, b, np.random.default_rng()), "same rng seed"),
    (lambda n, b, rng: right(n, 3, rng), "sizes are [4, 4, 2]"),
    (lambda n, b, rng: [rng.permutation(n) + 1], "0 .. n-1"),
    (lambda n, b, rng: rng.shuffle(), "raised TypeError"),
])
def test_minibatches_mistakes(func, words):
    feedback = check_minibatches(func)
    assert not feedback.ok and words in feedback.message, feedback


# ---- every kind of wrong answer ----------------------------------------------------------------
# By hand: ceil(1000 / 32) = 32 batches per epoch (31 full and one of 8), so 32 * 5 = 160 updates
# and 1000 * 5 = 5000 per-sample gradients. Var = 4 / 16 * (256 - 16) / (256 - 1) = 0.2352941.

VAR = 4 / 16 * 240 / 255


@pytest.mark.parametrize("answer", [
    {"updates": 160, "gradient_evaluations": 5000}, {"updates": 160.0, "gradient_evaluations": 5e3},
    {"updates": np.int64(160), "gradient_evaluations": np.float64(5000)},
    {"updates": "160", "gradient_evaluations": "5000"}])
def test_counts_accepted_forms(answer):
    fb = check_counts(answer)
    assert fb.ok is True and "160 updates" in fb.message and "1000 × 5 = 5000" in fb.message


@pytest.mark.parametrize("updates, evaluations, words", [
    (155, 5000, "31 × 32 + 8"), (32, 5000, "one epoch's updates"), (161, 5000, "ceil(N / B)"),
    (159, 5000, "ceil(N / B)"), (5000, 160, "ceil(N / B)"),                # swapped
    (160, 5120, "only 8 samples"), (160, 1000, "every sample once"), (160, 4999, "every sample once"),
    (160, 5001, "every sample once"), (155, 5120, "31 × 32 + 8")])
def test_counts_wrong_values(updates, evaluations, words):
    fb = check_counts({"updates": updates, "gradient_evaluations": evaluations})
    assert fb.ok is False and words in fb.message


def test_counts_both_wrong_are_both_named():
    fb = check_counts({"updates": 155, "gradient_evaluations": 5120})
    assert fb.ok is False and "; " in fb.message and "only 8 samples" in fb.message


@pytest.mark.parametrize("answer, words", [
    ({"updates": 160.5, "gradient_evaluations": 5000}, "whole numbers"),
    ({"updates": True, "gradient_evaluations": 5000}, "whole numbers"),
    ({"updates": 160, "gradient_evaluations": float("nan")}, "whole numbers"),
    ({"updates": 160, "gradient_evaluations": float("inf")}, "whole numbers"),
    ({"updates": 160}, "exactly the keys"), ({"updates": 160, "gradient_evaluations": 5000, "x": 1},
                                            "exactly the keys"),
    ([160, 5000], "exactly the keys"), ((160, 5000), "exactly the keys"), (160, "exactly the keys")])
def test_counts_wrong_shapes(answer, words):
    fb = check_counts(answer)
    assert fb.ok is False and words in fb.message


@pytest.mark.parametrize("answer", [VAR, VAR * 1.0009, VAR * 0.9991, str(VAR), np.float32(VAR), "0.2353"])
def test_batch_variance_accepted_forms_and_tolerance(answer):
    assert check_batch_variance(answer).ok is True


@pytest.mark.parametrize("answer", [VAR * 1.0011, VAR * 0.9989, 0.235, 0.236])
def test_batch_variance_just_outside_the_tolerance(answer):
    fb = check_batch_variance(answer)      # 0.11 % off: refused; a tenfold looser 1 % would accept
    assert fb.ok is False and "not yet" in fb.message


@pytest.mark.parametrize("answer, words", [
    (0.25 * 1.0009, "with replacement"), (0.25 * 1.0011, "not yet"), (4 / 16 * 240 / 256 * 0.9991, "not (N − B)/N"),
    (True, "one number"), (float("nan"), "one number"), ([VAR], "one number"), (np.array([VAR]), "one number")])
def test_batch_variance_near_misses_keep_their_tolerance(answer, words):
    fb = check_batch_variance(answer)
    assert fb.ok is False and words in fb.message


def test_batch_variance_message_quotes_the_value():
    # 1 - 240/255 = 5.9 % removed by sampling without replacement
    assert "0.2353" in check_batch_variance(VAR).message and "5.9%" in check_batch_variance(VAR).message


@pytest.mark.parametrize("func, words", [
    (lambda n, b, rng: [np.array([0.0, 1.5])], "1-d arrays of whole-number indices"),
    (lambda n, b, rng: [np.ones((2, 2), dtype=int)], "1-d arrays"),
    (lambda n, b, rng: [np.array(3)], "1-d arrays"),
    (lambda n, b, rng: "0123456789", "1-d arrays"),
    (lambda n, b, rng: {0: [0, 1]}, "1-d arrays"),
    (lambda n, b, rng: 7, "1-d arrays"),
    (lambda n, b, rng: None, "1-d arrays"),
    (lambda n, b, rng: ([i] for i in itertools.count()), "1-d arrays"),
    (lambda n, b, rng: [], "exactly once"),
    (lambda n, b, rng: [rng.permutation(n)], "sizes are [4, 4, 2], got [10]"),
    (lambda n, b, rng: right(n, b, rng)[::-1], "sizes are [4, 4, 2], got [2, 4, 4]"),
    (lambda n, b, rng: right(n, b, rng) + [np.array([], dtype=int)], "sizes are [4, 4, 2], got [4, 4, 2, 0]"),
])
def test_minibatches_results_of_the_wrong_kind(func, words):
    fb = check_minibatches(func)
    assert fb.ok is False and words in fb.message


def test_minibatches_generator_of_batches_is_accepted():
    def generator(n, batch_size, rng):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            yield order[start:start + batch_size]

    assert check_minibatches(generator).ok is True
    assert check_minibatches(lambda n, b, rng: [a.tolist() for a in right(n, b, rng)]).ok is True


def test_minibatches_unshuffled_only_on_the_single_batch_case():
    # shuffled when there are several batches, but one batch of everything left in order
    def lazy(n, batch_size, rng):
        return [np.arange(n)] if batch_size >= n else right(n, batch_size, rng)

    fb = check_minibatches(lazy)
    assert fb.ok is False and "not shuffled" in fb.message
