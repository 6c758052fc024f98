"""Notebook 03's exercise checks: right answers pass, typical mistakes get their own message.

Right answers are derived here, independently: exercise 1 from the eigenvalues of the MSE
Hessian written out by hand for x = 0..4 ([[12, 4], [4, 2]], lambda = 7 +- sqrt(41)); exercise 2
from 0.9^t <= 1e-3; exercise 3 with a reference loop written in this file.
"""
import math

import numpy as np
import pytest

from course_lib.exercises.nb03 import (check_gradient_descent, check_stable_learning_rate,
                                       check_steps_to_converge)

LAMBDA_MAX, LAMBDA_MIN = 7 + math.sqrt(41), 7 - math.sqrt(41)  # eigenvalues of [[12, 4], [4, 2]]


def test_stable_learning_rate_right_answer():
    feedback = check_stable_learning_rate(2 / LAMBDA_MAX)
    assert feedback.ok and "2/λ_max" in feedback.message
    assert check_stable_learning_rate(round(2 / LAMBDA_MAX, 3)).ok  # 1 % tolerance


@pytest.mark.parametrize("answer, words", [
    (None, "no answer yet"), ("0.1.5", "one number"), (True, "one number"),
    (1 / LAMBDA_MAX, "zig-zagging starts"), (2 / LAMBDA_MIN, "smallest eigenvalue"),
    (2 / (2.5 * LAMBDA_MAX), "without the 2/n"),  # X^T X = (n/2) A with n = 5
    (4 / LAMBDA_MAX, "factor 2"), (0.5, "Check the Hessian entries")])
def test_stable_learning_rate_mistakes(answer, words):
    feedback = check_stable_learning_rate(answer)
    assert not feedback.ok and words in feedback.message


def test_steps_to_converge():
    assert check_steps_to_converge(66).ok and check_steps_to_converge(66.0).ok
    for answer, words in [(None, "no answer yet"), (65, "round up"), (1, "flat one"),
                          (33, "factor of the loss"), (66.5, "whole number"), ("sixty-six", "whole number"),
                          (100, "not yet")]:
        feedback = check_steps_to_converge(answer)
        assert not feedback.ok and words in feedback.message, (answer, feedback)


def reference(grad, theta, learning_rate, tol, max_steps):
    steps = 0
    while np.linalg.norm(grad(theta)) > tol:
        if steps == max_steps:
            return theta, steps, False
        theta = theta - learning_rate * grad(theta)
        steps += 1
    return theta, steps, True


def test_gradient_descent_right_answer():
    feedback = check_gradient_descent(reference)
    assert feedback.ok and "66 steps" in feedback.message


def test_gradient_descent_mistakes():
    def no_budget(grad, theta, learning_rate, tol, max_steps):
        steps = 0
        while np.linalg.norm(grad(theta)) > tol:
            theta, steps = theta - learning_rate * grad(theta), steps + 1
        return theta, steps, True

    def one_late(grad, theta, learning_rate, tol, max_steps):
        theta, steps, ok = reference(grad, theta, learning_rate, tol, max_steps)
        return theta, steps + 1 if ok else steps, ok

    def always_converged(grad, theta, learning_rate, tol, max_steps):
        return reference(grad, theta, learning_rate, tol, max_steps)[:2] + (True,)

    def wrong_sign(grad, theta, learning_rate, tol, max_steps):
        return reference(lambda t: -grad(t), theta, learning_rate, tol, max_steps)

    def no_lr(grad, theta, learning_rate, tol, max_steps):
        theta, steps, ok = reference(grad, theta, learning_rate, tol, max_steps)
        return theta * 2 + 1, steps, ok

    cases = [(None, "no answer yet"), (reference(lambda t: t, np.ones(2), 0.1, 1.0, 1), "function itself"),
             (no_budget, "past max_steps"), (one_late, "one check late"),
             (always_converged, "converged must be False"), (wrong_sign, "does converge"),
             (no_lr, "theta is not the 66-th iterate"), (lambda *a: (1, 2), "tuple (theta, steps, converged)"),
             (lambda *a: 1 / 0, "ZeroDivisionError")]
    for func, words in cases:
        feedback = check_gradient_descent(func)
        assert not feedback.ok and words in feedback.message, (words, feedback)


def with_divergence_check(factor):
    """The reference loop plus the check the notebook recommends: stop once ||grad|| > factor x the start."""
    def gradient_descent(grad, theta, learning_rate, tol, max_steps):
        start = np.linalg.norm(grad(theta))
        for step in range(max_steps + 1):
            norm = np.linalg.norm(grad(theta))
            if norm <= tol:
                return theta, step, True
            if norm > factor * start or step == max_steps:
                return theta, step, False
            theta = theta - learning_rate * grad(theta)
    return gradient_descent


def test_gradient_descent_may_stop_a_diverging_run_early():
    # On diag(1, 10) with lr 0.25 the steep component is multiplied by -1.5 per step, so the
    # gradient norm (~10 * 1.5^t) first exceeds 1000 x its start (sqrt(101) = 10.05) at t = 18
    # (1.5^17 = 985 < 1005 < 1.5^18 = 1478); a check at factor 1 fires after the first update.
    for factor, stop in [(1000.0, 18), (1.0, 1)]:
        feedback = check_gradient_descent(with_divergence_check(factor))
        assert feedback.ok and f"stopped the diverging run after {stop} updates" in feedback.message


def test_gradient_descent_early_stop_mistakes():
    def previous_theta(grad, theta, learning_rate, tol, max_steps):   # reports the iterate before
        out, steps, ok = with_divergence_check(1000.0)(grad, theta, learning_rate, tol, max_steps)
        return (out, steps, ok) if ok or steps == max_steps else (out, steps + 1, ok)

    def gives_up_at_once(grad, theta, learning_rate, tol, max_steps):
        if learning_rate > 0.2:
            return theta, 0, False
        return reference(grad, theta, learning_rate, tol, max_steps)

    def budget_off_by_one(grad, theta, learning_rate, tol, max_steps):  # gives up one update early
        out = reference(grad, theta, learning_rate, tol, max_steps - 1)
        return out if out[2] else (out[0], out[1], False)

    for func, words in [(previous_theta, "not the iterate after 19 updates"),
                        (gives_up_at_once, "before the first update"),
                        (budget_off_by_one, "steps must be 10, got 9")]:
        feedback = check_gradient_descent(func)
        assert not feedback.ok and words in feedback.message, (words, feedback)
