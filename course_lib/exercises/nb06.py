"""Checks for the exercises of notebook 06 (L1 and L2 regularization)."""
from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from course_lib.exercises import Feedback, as_letter, as_number, describe_error, echo, not_answered
from course_lib.regularization import soft_threshold
from course_lib.widgets.regularization import ridge

#: Exercise 1: a paper's penalty (lambda / 2) * ||w||^2 with lambda = 5e-4, losses are batch means.
PAPER_LAMBDA = 5e-4

#: Exercise 3: errors of one model family against lambda (made-up but typical numbers).
LAMBDA_TABLE = {
    "lambda": [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1],
    "train_mse": [0.010, 0.012, 0.018, 0.030, 0.060, 0.120],
    "val_mse": [0.300, 0.110, 0.071, 0.064, 0.090, 0.150],
    "test_mse": [0.280, 0.100, 0.062, 0.070, 0.095, 0.160],
}

#: Exercise 4: what regularization with a well-chosen lambda usually does.
FAQ_CHOICES = {
    "a": "it lowers the training error, which is why the model generalizes better",
    "b": "it raises the training error a little and narrows the gap to the validation error",
    "c": "it leaves the training error unchanged and lowers only the validation error",
}



def check_keras_l2(answer: float | None) -> Feedback:
    """Exercise 1: the ``keras.regularizers.L2`` factor equal to a paper's (lambda/2)||w||^2, lambda = 5e-4.

    >>> check_keras_l2(2.5e-4).ok, check_keras_l2(5e-4).ok
    (True, False)
    """
    if answer is None:
        return not_answered("Give the number to pass as keras.regularizers.L2(l2=...).")
    value = as_number(answer)
    if value is None:
        return Feedback(False, f"give a number (a float), got {echo(answer)}.")
    if math.isclose(value, PAPER_LAMBDA / 2, rel_tol=1e-6):
        return Feedback(True, "l2 = λ/2 = 2.5e-4: Keras's l2·Σw² has gradient 2·l2·w, the paper's "
                              "(λ/2)‖w‖² has gradient λ·w, so they match when 2·l2 = λ.")
    if math.isclose(value, PAPER_LAMBDA, rel_tol=1e-6):
        return Feedback(False, "that is the paper's λ copied as is: Keras's L2 has no 1/2 in front, so "
                               "L2(5e-4) penalizes twice as hard as the paper did.")
    if math.isclose(value, 2 * PAPER_LAMBDA, rel_tol=1e-6):
        return Feedback(False, "you doubled λ; compare the gradients 2·l2·w (Keras) and λ·w (paper).")
    return Feedback(False, f"not {value:g}: write both penalties' gradients and make them equal.")


def check_soft_threshold(fn: Callable | None) -> Feedback:
    """Exercise 2: ``fn(w, t)`` must return ``sign(w) * max(|w| - t, 0)`` element-wise.

    >>> check_soft_threshold(lambda w, t: np.sign(w) * np.maximum(np.abs(w) - t, 0)).ok
    True
    """
    if fn is None:
        return not_answered("Define my_soft_threshold(w, t) and pass the function itself.")
    if not callable(fn):
        return Feedback(False, f"pass a function (my_soft_threshold, without parentheses), got {type(fn).__name__}.")
    rng = np.random.default_rng(6)
    cases = [(np.array([0.3, -0.05, -2.0, 0.1, 0.0]), 0.1), (rng.normal(size=50), 0.5), (rng.normal(size=20), 0.0)]
    for w, t in cases:
        try:
            got = fn(w.copy(), t)
            if got is None:  # the notebook's template body is `return None`
                return not_answered("Replace `return None` in my_soft_threshold by your code.")
            got = np.asarray(got, dtype=float)
        except Exception as exc:  # the learner's code: report any error instead of crashing
            return Feedback(False, f"calling your function raised {describe_error(exc)}.")
        want = soft_threshold(w, t)
        if got.shape != want.shape:
            return Feedback(False, f"return an array of the same shape as w {w.shape}, got {got.shape}.")
        if np.allclose(got, want, atol=1e-12):
            continue
        return Feedback(False, _soft_threshold_hint(got, w, t))
    return Feedback(True, "weights within t of 0 become exactly 0 and the others move t closer to 0: "
                          "that is why proximal L1 produces exact zeros.")


def _soft_threshold_hint(got: np.ndarray, w: np.ndarray, t: float) -> str:
    if np.allclose(got, np.where(np.abs(w) > t, w, 0.0)):
        return "that is hard thresholding: the surviving weights must also shrink by t."
    if np.allclose(got, np.maximum(np.abs(w) - t, 0.0)):
        return "negative weights come out positive: multiply by sign(w)."
    if np.allclose(got, w - t * np.sign(w)):
        return ("small weights cross 0 instead of stopping there (that is the subgradient step): "
                "clip |w| - t at 0.")
    i = int(np.flatnonzero(~np.isclose(got, soft_threshold(w, t), atol=1e-12))[0])
    return f"for w = {w[i]:.3g}, t = {t:g} expected {float(soft_threshold(w, t)[i]):.3g}, got {got[i]:.3g}."


def check_lambda_choice(answer: float | None) -> Feedback:
    """Exercise 3: the lambda to pick from :data:`LAMBDA_TABLE`.

    >>> check_lambda_choice(1e-3).ok, check_lambda_choice(1e-4).ok
    (True, False)
    """
    if answer is None:
        return not_answered("Give the λ you would pick, as a number (e.g. 1e-5).")
    value = as_number(answer)
    if value is None:
        return Feedback(False, f"give a number (a float), got {echo(answer)}.")
    t = LAMBDA_TABLE
    pick = {name: t["lambda"][int(np.argmin(t[name]))] for name in ("train_mse", "val_mse", "test_mse")}
    if math.isclose(value, pick["val_mse"], rel_tol=1e-6):
        return Feedback(True, "λ = 1e-3 has the least validation error. The test error (0.070) is then "
                              "reported once, as the estimate of the error on new data.")
    if math.isclose(value, pick["test_mse"], rel_tol=1e-6):
        return Feedback(False, "that λ was chosen by the test set: its test error is no longer an "
                               "honest estimate. Choose by validation; look at the test set once, at the end.")
    if math.isclose(value, pick["train_mse"], rel_tol=1e-6):
        return Feedback(False, "the training error always falls as λ shrinks (less constraint), so it "
                               "always picks the smallest λ: choose by validation error.")
    if value not in t["lambda"] and not any(math.isclose(value, v, rel_tol=1e-6) for v in t["lambda"]):
        return Feedback(False, f"pick one of the λ of the table: {t['lambda']}.")
    return Feedback(False, "look for the smallest validation error in the table.")


def check_faq_claim(answer: str | None) -> Feedback:
    """Exercise 4: which statement of :data:`FAQ_CHOICES` is usually true.

    >>> check_faq_claim("b").ok
    True
    """
    if answer is None:
        return not_answered('Answer "a", "b" or "c".')
    key = as_letter(answer, "".join(FAQ_CHOICES))
    if key == "b":
        return Feedback(True, "the penalty trades a little training fit for less variance: training "
                              "error rises, validation error falls, the gap narrows.")
    if key == "a":
        return Feedback(False, "that is the FAQ's claim, and it is backwards: the unpenalized fit "
                               "minimizes the training error, so adding a penalty can only raise it.")
    if key == "c":
        return Feedback(False, "the training error does change: the penalized optimum is a different "
                               "point, with a larger training error (look at the table of §5.1, the chapter's "
                               "FAQ corrected with numbers: the training error goes up with the penalty).")
    return Feedback(False, f'answer one letter, "a", "b" or "c", got {echo(answer)}.')


def check_ridge(fn: Callable | None) -> Feedback:
    """Exercise 5: ``fn(X, y, l2) -> (w, b)`` minimizing ``mean((y - Xw - b)^2) + l2 * sum(w^2)``.

    >>> check_ridge(ridge).ok
    True
    """
    if fn is None:
        return not_answered("Define my_ridge(X, y, l2) returning (w, b) and pass the function itself.")
    if not callable(fn):
        return Feedback(False, f"pass a function (my_ridge, without parentheses), got {type(fn).__name__}.")
    rng = np.random.default_rng(60)
    X = rng.normal(size=(40, 4)) + 2.0
    y = X @ rng.normal(size=4) + 3.0 + 0.3 * rng.normal(size=40)
    l2 = 0.5
    try:
        answer = fn(X.copy(), y.copy(), l2)
        if answer is None:  # the notebook's template body is `return None`
            return not_answered("Replace `return None` in my_ridge by your code, returning (w, b).")
        w, b = answer
        w, b = np.asarray(w, dtype=float).ravel(), np.asarray(b, dtype=float)
        if b.size != 1:
            return Feedback(False, f"b must be one number (the bias), got shape {b.shape}.")
        b = float(b.reshape(()))
    except Exception as exc:  # the learner's code: report any error instead of crashing
        return Feedback(False, f"calling my_ridge(X, y, 0.5) raised {describe_error(exc)}.")
    if w.shape != (4,):
        return Feedback(False, f"w must have one weight per column of X (4), got shape {w.shape}.")
    want_w, want_b = ridge(X, y, l2)
    if np.allclose(w, want_w, rtol=1e-6) and math.isclose(b, want_b, rel_tol=1e-6, abs_tol=1e-9):
        return Feedback(True, "w = (XcᵀXc/n + l2·I)⁻¹ Xcᵀyc/n on centred data, b = ȳ - x̄ᵀw: "
                              "the bias is fitted, never shrunk.")
    return Feedback(False, _ridge_hint(w, b, X, y, l2))


def _ridge_hint(w: np.ndarray, b: float, X: np.ndarray, y: np.ndarray, l2: float) -> str:
    n = len(y)
    for wrong_l2, why in [(l2 / 2, "your penalty is the textbook (l2/2)·‖w‖²: Keras's is l2·Σw² (gradient 2·l2·w)."),
                          (2 * l2, "your penalty is twice Keras's: the normal equations use l2·I, not 2·l2·I."),
                          (l2 / n, "you minimized the *sum* of squared errors: the loss is their *mean*, "
                                   "so the penalty weighs n times less in yours.")]:
        if np.allclose(w, ridge(X, y, wrong_l2)[0], rtol=1e-6):
            return why
    Xb = np.hstack([X, np.ones((n, 1))])
    both = np.linalg.solve(Xb.T @ Xb / n + l2 * np.eye(5), Xb.T @ y / n)
    if np.allclose(w, both[:4], rtol=1e-6) or math.isclose(b, both[4], rel_tol=1e-6):
        return "you penalized the bias too: centre X and y (or leave b out of the penalty)."
    if np.allclose(w, ridge(X, y, l2)[0], rtol=1e-6):
        return "w is right but b is not: b = mean(y) - mean(X, axis=0) @ w."
    return "w differs from the ridge solution: check (XcᵀXc/n + l2·I) w = Xcᵀyc/n with centred Xc, yc."
