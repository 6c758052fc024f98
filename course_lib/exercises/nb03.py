"""Checks for the exercises of notebook 03 (batch gradient descent).

Every expected value is computed here from its formula, so the checks can tell a near miss
(the right idea with a factor or a step off) from a wrong idea, and say which.
"""
from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from course_lib.exercises import Feedback, as_number, as_whole, describe_error, echo, not_answered

#: Exercise 1's data: the feature values of a 1-feature linear regression (targets do not matter).
EXERCISE_X = np.array([0.0, 1.0, 2.0, 3.0, 4.0])


def _hessian(x: np.ndarray) -> np.ndarray:
    """MSE Hessian in (w, b): (2/n) [[sum x^2, sum x], [sum x, n]]."""
    return 2.0 / len(x) * np.array([[x @ x, x.sum()], [x.sum(), len(x)]])



def check_stable_learning_rate(answer) -> Feedback:
    """Exercise 1: the largest learning rate for which GD converges on ``EXERCISE_X``: 2 / lambda_max.

    >>> check_stable_learning_rate(2 / np.linalg.eigvalsh(_hessian(EXERCISE_X)).max()).ok
    True
    """
    if answer is None:
        return not_answered("Build the Hessian A = (2/n) [[Σx², Σx], [Σx, n]], "
                            "then compute 2 / λ_max(A).")
    value = as_number(answer)
    if value is None:
        return Feedback(False, f"give one number (a float), got {type(answer).__name__}.")
    low, high = np.linalg.eigvalsh(_hessian(EXERCISE_X))
    x = EXERCISE_X
    design = np.column_stack([x, np.ones_like(x)])
    near = {
        1 / high: "that is 1/λ_max, where zig-zagging starts; gradient descent still converges up to "
                  "twice it.",
        2 / low: "you used the smallest eigenvalue: the steep direction (largest λ) is the one that "
                 "blows up.",
        2 / np.linalg.eigvalsh(design.T @ design).max():
            "you used XᵀX without the 2/n of the mean squared error: the Hessian of "
            "L = mean((wx+b-y)²) is (2/n) XᵀX.",
        4 / high: "that is 2/λ_max of (1/n) XᵀX: the square in the loss brings a factor 2 into the "
                  "Hessian.",
        2 / (low + high): "that is 2/trace(A): the trace adds both eigenvalues (λ_min + λ_max), so this "
                          "rate is safe but smaller than needed; the limit is set by the largest "
                          "eigenvalue alone, 2/λ_max.",
    }
    if math.isclose(value, 2 / high, rel_tol=0.01):
        return Feedback(True, f"2/λ_max = {2 / high:.4f} (λ_max = {high:.3f}); any larger rate makes the steep "
                              "direction grow at every step.")
    for candidate, message in near.items():
        if math.isclose(value, candidate, rel_tol=0.01):
            return Feedback(False, message)
    return Feedback(False, f"{value:g} is not 2/λ_max. Check the Hessian entries (Σx² = {x @ x:g}, "
                           f"Σx = {x.sum():g}, n = {len(x)}) and take its largest eigenvalue with "
                           "np.linalg.eigvalsh.")


def check_steps_to_converge(answer) -> Feedback:
    """Exercise 2: steps of GD on ``1/2 theta^T diag(1, 10) theta`` with lr 0.1 from (1, 1) until ||grad|| <= 1e-3.

    Along lambda = 10 the error vanishes in one step (1 - 0.1*10 = 0); along lambda = 1 it is
    0.9^t, so ``||grad|| = 0.9^t <= 1e-3`` first at ``t = ceil(log(1e-3) / log(0.9)) = 66``.

    >>> check_steps_to_converge(66).ok
    True
    """
    if answer is None:
        return not_answered("Follow each eigen-direction: its error is multiplied by (1 - lr·λ) per step.")
    value = as_whole(answer)
    if value is None:
        return Feedback(False, f"give a whole number of steps, got {echo(answer)}.")
    exact = math.log(1e-3) / math.log(0.9)
    expected = math.ceil(exact)
    if value == expected:
        return Feedback(True, f"the steep direction is done after 1 step; the flat one needs 0.9^t ≤ 1e-3, "
                              f"t ≥ {exact:.2f}, so {expected} steps: the flat direction sets the pace.")
    if value == expected - 1:
        return Feedback(False, f"after {expected - 1} steps ‖∇L‖ = 0.9^{expected - 1} = "
                               f"{0.9 ** (expected - 1):.5f} is still above 1e-3: round up, not down.")
    if value == 1:
        return Feedback(False, "the steep direction (λ = 10) is solved in one step, but the flat one (λ = 1) "
                               "shrinks only by 0.9 per step.")
    if value == math.ceil(math.log(1e-3) / math.log(0.81)):
        return Feedback(False, "0.81 = 0.9² is the factor of the loss, not of the gradient norm.")
    return Feedback(False, "not yet: write ‖∇L(θ_t)‖ along each eigen-direction and find the first t "
                           "with ‖∇L‖ ≤ 1e-3.")


#: The diverging case: |1 - 0.25 * 10| = 1.5 > 1, so from the first update on every iterate is
#: farther from the minimum than the start; a divergence check may stop it at any step >= 1.
DIVERGING = "a diverging learning rate (0.25 > 2/10)"


def _problems() -> list[tuple[str, np.ndarray, float, float, int, int | None]]:
    """(name, A, learning_rate, tol, max_steps, expected steps or None = never converges)."""
    return [("the ill-conditioned bowl diag(1, 10)", np.diag([1.0, 10.0]), 0.1, 1e-3, 500, 66),
            ("a tight budget", np.diag([1.0, 10.0]), 0.1, 1e-3, 10, None),
            (DIVERGING, np.diag([1.0, 10.0]), 0.25, 1e-3, 40, None)]


def check_gradient_descent(func: Callable | None) -> Feedback:
    """Exercise 3: ``gradient_descent(grad, theta0, learning_rate, tol, max_steps) -> (theta, steps, converged)``.

    On the diverging rate, stopping early (a divergence check) is as right as spending the budget.

    >>> def gd(grad, theta, learning_rate, tol, max_steps):
    ...     for step in range(max_steps + 1):
    ...         if np.linalg.norm(grad(theta)) <= tol:
    ...             return theta, step, True
    ...         if step < max_steps:
    ...             theta = theta - learning_rate * grad(theta)
    ...     return theta, max_steps, False
    >>> check_gradient_descent(gd).ok
    True
    """
    if func is None:
        return not_answered("Define gradient_descent(grad, theta0, learning_rate, tol, max_steps) "
                            "and pass it.")
    if not callable(func):
        return Feedback(False, f"pass the function itself (no parentheses), got a {type(func).__name__}.")
    note = ""
    for name, A, lr, tol, budget, expected in _problems():
        result = _run(func, name, A, lr, tol, budget)
        if isinstance(result, Feedback):
            return result
        verdict = _judge(result, name, A, lr, budget, expected)
        if verdict is not None:
            return verdict
        updates = as_whole(result[1])
        if name == DIVERGING and updates < budget:
            note = (f" Your divergence check stopped the diverging run after {updates} updates instead "
                    f"of spending all {budget}: good.")
    return Feedback(True, "it stops when ‖∇L‖ ≤ tol (66 steps on diag(1, 10)), respects the budget and "
                          "reports a diverging or unfinished run as not converged." + note)


def _run(func: Callable, name: str, A: np.ndarray, lr: float, tol: float, budget: int):
    """The learner's result on one problem, or a Feedback if it raised or ran past the budget."""
    calls = [0]

    def grad(theta):
        calls[0] += 1
        if calls[0] > 3 * budget + 10:
            raise RuntimeError("gradient budget exceeded")
        return A @ np.asarray(theta, dtype=float)

    try:
        return func(grad, np.array([1.0, 1.0]), lr, tol, budget)
    except RuntimeError as exc:
        if "budget exceeded" in describe_error(exc):
            return Feedback(False, f"on {name} your function kept going past max_steps = {budget}: stop "
                                   "after max_steps updates even when the criterion is not met.")
        return Feedback(False, f"on {name} your function raised {describe_error(exc)}.")
    except Exception as exc:  # the learner's code may raise anything; report it, don't crash
        return Feedback(False, f"on {name} your function raised {describe_error(exc)}.")


def _iterate(A: np.ndarray, lr: float, steps: int) -> np.ndarray:
    """The ``steps``-th gradient-descent iterate from (1, 1): (I - lr A)^steps (1, 1)."""
    return np.linalg.matrix_power(np.eye(2) - lr * A, steps) @ np.array([1.0, 1.0])


def _judge(result, name, A, lr, budget, expected) -> Feedback | None:
    if not (isinstance(result, tuple) and len(result) == 3):
        return Feedback(False, f"return a tuple (theta, steps, converged), got {echo(result)}.")
    theta, steps, converged = result
    count = as_whole(steps)
    if count is None:
        return Feedback(False, f"steps must be a whole number (the updates made), got {echo(steps)}.")
    if not isinstance(converged, (bool, np.bool_)):
        return Feedback(False, f"converged must be True or False, got {echo(converged)}.")
    try:
        theta = np.asarray(theta, dtype=float)
    except Exception:  # a string, a ragged list, an object...
        theta = None
    if theta is None or theta.shape != (2,):
        return Feedback(False, f"theta must be the last iterate, an array like theta0 (2 numbers here), "
                               f"got {echo(result[0])}.")
    if expected is None:
        if converged:
            return Feedback(False, f"on {name} the criterion is never met: converged must be False.")
        if name == DIVERGING and 1 <= count < budget:
            if not np.allclose(theta, _iterate(A, lr, count), rtol=1e-6):
                return Feedback(False, f"on {name} you stopped after {count} updates (a divergence check: "
                                       f"fine), but theta is not the iterate after {count} updates.")
            return None
        if name == DIVERGING and count == 0:
            return Feedback(False, f"on {name} you stopped before the first update: nothing has diverged "
                                   "yet at the start; update, then check.")
        if count != budget and name == DIVERGING:
            return Feedback(False, f"on {name} steps must be {budget} (the whole budget) or, with a "
                                   f"divergence check, the number of updates made when it fired; got {count}.")
        if count != budget:
            return Feedback(False, f"on {name} the whole budget is spent: steps must be {budget}, got {count} "
                                   "(this run converges, only too slowly for the budget).")
        return None
    if not converged:
        return Feedback(False, f"on {name} gradient descent does converge: return converged=True once "
                               "‖∇L‖ ≤ tol.")
    if count != expected:
        hint = "late" if count > expected else "early"
        return Feedback(False, f"on {name} the first iterate with ‖∇L‖ ≤ 1e-3 comes after {expected} "
                               f"updates; you report {count} (one check {hint}? test the criterion before "
                               "each update).")
    if not np.allclose(theta, _iterate(A, lr, expected), rtol=1e-6, atol=1e-9):
        return Feedback(False, f"the step count is right but theta is not the {expected}-th iterate: "
                               "is the update theta - learning_rate * grad(theta)?")
    return None
