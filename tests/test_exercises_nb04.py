"""Notebook 04's exercise checks: right answers pass, typical mistakes get their own message.

Right answers are derived here: 1000 = 31 * 32 + 8, so 32 batches per epoch and 160 updates in
5 epochs, 5000 per-sample gradients; Var = 4/16 * (256-16)/(256-1) = 0.2353; exercise 3 is
checked with reference functions written in this file.
"""
import numpy as np
import pytest

from course_lib.exercises.nb04 import check_batch_variance, check_counts, check_minibatches


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
