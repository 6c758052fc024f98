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
from test_exercises_common import every_message_reads_well  # noqa: F401 - the fixture below

pytestmark = pytest.mark.usefixtures("every_message_reads_well")

LAMBDA_MAX, LAMBDA_MIN = 7 + math.sqrt(41), 7 - math.sqrt(41)  # eigenvalues of [[12, 4], [4, 2]]


def test_stable_learning_rate_right_answer():
    feedback = check_stable_learning_rate(2 / LAMBDA_MAX)
    assert feedback.ok is True and "2/λ_max" in feedback.message
    # the numbers it quotes are the exercise's own, computed here by hand
    assert f"2/λ_max = {2 / LAMBDA_MAX:.4f} (λ_max = {LAMBDA_MAX:.3f})" in feedback.message
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


# ---- tolerances, forms, neighbouring answers, wrong types -------------------------------------

@pytest.mark.parametrize("answer", [2 / LAMBDA_MAX * 1.009, 2 / LAMBDA_MAX * 0.991, str(2 / LAMBDA_MAX),
                                    np.float32(2 / LAMBDA_MAX), np.array(2 / LAMBDA_MAX), "0.149"])
def test_stable_learning_rate_accepted_forms_and_tolerance(answer):
    assert check_stable_learning_rate(answer).ok is True


@pytest.mark.parametrize("answer", [2 / LAMBDA_MAX * 1.011, 2 / LAMBDA_MAX * 0.989, 0.151, 0.147])
def test_stable_learning_rate_just_outside_the_tolerance(answer):
    # 1.1 % off: refused now, accepted by a tolerance loosened tenfold
    fb = check_stable_learning_rate(answer)
    assert fb.ok is False and "is not 2/λ_max" in fb.message


def test_stable_learning_rate_two_over_the_trace():
    # the Hessian (2/5) [[30, 10], [10, 5]] = [[12, 4], [4, 2]] has trace 14: 2/trace = 1/7, 4 % below 2/λ_max
    fb = check_stable_learning_rate(2 / 14)
    assert fb.ok is False and "2/trace(A)" in fb.message and "largest" in fb.message
    assert check_stable_learning_rate(2 / 14 * 1.009).ok is False


def test_stable_learning_rate_near_miss_tolerances():
    assert "zig-zagging" in check_stable_learning_rate(1 / LAMBDA_MAX * 1.009).message
    assert "zig-zagging" not in check_stable_learning_rate(1 / LAMBDA_MAX * 1.011).message
    assert "smallest eigenvalue" in check_stable_learning_rate(2 / LAMBDA_MIN * 0.991).message


def test_stable_learning_rate_generic_message_quotes_the_hessian_entries():
    # sum x^2 = 0 + 1 + 4 + 9 + 16 = 30, sum x = 10, n = 5
    fb = check_stable_learning_rate(0.5)
    assert "0.5 is not 2/λ_max" in fb.message and "Σx² = 30, Σx = 10, n = 5" in fb.message


@pytest.mark.parametrize("answer", [float("nan"), float("inf"), [0.149], (0.149,), {}, 1j, "fast", False])
def test_stable_learning_rate_wrong_types(answer):
    fb = check_stable_learning_rate(answer)
    assert fb.ok is False and "give one number" in fb.message


def test_stable_learning_rate_right_message_quotes_lambda_max():
    assert f"λ_max = {LAMBDA_MAX:.3f}" in check_stable_learning_rate(2 / LAMBDA_MAX).message


@pytest.mark.parametrize("answer", [66, 66.0, "66", np.int64(66), np.float32(66)])
def test_steps_to_converge_forms(answer):
    fb = check_steps_to_converge(answer)
    assert fb.ok is True and "t ≥ 65.56" in fb.message     # log(1e-3) / log(0.9) = 65.56


@pytest.mark.parametrize("answer, words", [
    (67, "not yet"), (64, "not yet"), (65, "0.9^65 = 0.00106"), (0, "not yet"), (-66, "not yet"),
    (2, "not yet"), (1, "flat one"), (33, "factor of the loss"), (34, "not yet"),
    (True, "whole number"), (65.56, "whole number"), (float("nan"), "whole number"),
    (10**400, "whole number"), ([66], "whole number")])
def test_steps_to_converge_wrong(answer, words):
    fb = check_steps_to_converge(answer)
    assert fb.ok is False and words in fb.message


def _returning(value):
    return lambda grad, theta, learning_rate, tol, max_steps: value


@pytest.mark.parametrize("func, words", [
    (_returning((np.ones(2), np.array([66, 1]), True)), "steps must be a whole number"),
    (_returning((np.ones(2), 66.5, True)), "steps must be a whole number"),
    (_returning((np.ones(2), 66, np.array([True, False]))), "converged must be True or False"),
    (_returning((np.ones(2), 66, "yes")), "converged must be True or False"),
    (_returning((np.ones(2), 66, 1)), "converged must be True or False"),
    (_returning(("theta", 66, True)), "theta must be the last iterate"),
    (_returning((np.ones(3), 66, True)), "theta must be the last iterate"),
    (_returning((None, 66, True)), "theta must be the last iterate"),
    (_returning([np.ones(2), 66, True]), "return a tuple"),
    (_returning((np.ones(2), 66)), "return a tuple"),
    (print, "return a tuple"),
])
def test_gradient_descent_results_of_the_wrong_kind(func, words):
    fb = check_gradient_descent(func)
    assert fb.ok is False and words in fb.message


def test_gradient_descent_numpy_results_are_accepted():
    def numpy_typed(grad, theta, learning_rate, tol, max_steps):
        theta, steps, ok = reference(grad, theta, learning_rate, tol, max_steps)
        return theta.tolist(), np.int64(steps), np.bool_(ok)

    assert check_gradient_descent(numpy_typed).ok is True


def test_gradient_descent_off_by_one_early_and_tight_budget():
    def one_early(grad, theta, learning_rate, tol, max_steps):
        theta, steps, ok = reference(grad, theta, learning_rate, tol, max_steps)
        return theta, steps - 1 if ok else steps, ok

    fb = check_gradient_descent(one_early)
    assert fb.ok is False and "you report 65 (one check early" in fb.message

    def ignores_the_budget_in_the_count(grad, theta, learning_rate, tol, max_steps):
        theta, steps, ok = reference(grad, theta, learning_rate, tol, max_steps)
        return theta, steps if ok else steps + 1, ok

    fb = check_gradient_descent(ignores_the_budget_in_the_count)
    assert fb.ok is False and "the whole budget is spent: steps must be 10, got 11" in fb.message

    def claims_convergence_on_the_budget(grad, theta, learning_rate, tol, max_steps):
        theta, steps, ok = reference(grad, theta, learning_rate, tol, max_steps)
        return theta, steps, ok or max_steps == 10

    fb = check_gradient_descent(claims_convergence_on_the_budget)
    assert fb.ok is False and "on a tight budget the criterion is never met" in fb.message


def test_gradient_descent_diverging_run_reports():
    def diverging_steps_wrong(grad, theta, learning_rate, tol, max_steps):
        theta, steps, ok = reference(grad, theta, learning_rate, tol, max_steps)
        return (theta, max_steps + 5, ok) if learning_rate > 0.2 else (theta, steps, ok)

    fb = check_gradient_descent(diverging_steps_wrong)
    assert fb.ok is False and "steps must be 40 (the whole budget)" in fb.message and "got 45" in fb.message
    fb = check_gradient_descent(reference)
    assert "divergence check" not in fb.message          # spent the whole budget: no note

    def budget_exceeded_text(grad, theta, learning_rate, tol, max_steps):
        raise RuntimeError("my own error")

    fb = check_gradient_descent(budget_exceeded_text)
    assert fb.ok is False and "raised RuntimeError: my own error" in fb.message


def test_gradient_descent_stopped_by_its_own_budget_guard():
    def forever(grad, theta, learning_rate, tol, max_steps):
        while True:
            theta = theta - learning_rate * grad(theta)

    fb = check_gradient_descent(forever)
    assert fb.ok is False and "kept going past max_steps = 500" in fb.message


@pytest.mark.parametrize("scale", [1 + 1e-4, 1 - 1e-4, 1.01])
def test_gradient_descent_refuses_a_converged_theta_that_is_slightly_off(scale):
    # the right count, a theta off by 1e-4 relative: far outside the check's rtol 1e-6, and the
    # kind of error a learner's extra half-step or float32 cast would make
    def off(grad, theta, learning_rate, tol, max_steps):
        out, steps, ok = reference(grad, theta, learning_rate, tol, max_steps)
        return (out * scale if ok else out), steps, ok
    fb = check_gradient_descent(off)
    assert fb.ok is False and "theta" in fb.message
