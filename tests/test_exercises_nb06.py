"""Exercise checks of notebook 06: right answers pass; typical wrong answers get their own message."""
import numpy as np
import pytest

from course_lib.exercises import nb06


def test_placeholders_say_no_answer_yet():
    for check in (nb06.check_keras_l2, nb06.check_soft_threshold, nb06.check_lambda_choice,
                  nb06.check_faq_claim, nb06.check_ridge):
        feedback = check(None)
        assert not feedback and "no answer yet" in feedback.message


def test_template_functions_returning_none_are_not_answered_yet():
    # The notebook's templates are `def my_...(...): return None`.
    for check in (nb06.check_soft_threshold, nb06.check_ridge):
        feedback = check(lambda *args: None)
        assert not feedback and "no answer yet" in feedback.message and "return None" in feedback.message


# ---- 1: Keras's L2 factor from a paper's lambda/2 ----------------------------------------------

@pytest.mark.parametrize("answer, ok, words", [
    (2.5e-4, True, "2.5e-4"),        # 2 * l2 = lambda  =>  l2 = 5e-4 / 2
    ("0.00025", True, "2·l2 = λ"),   # a numeric string is accepted
    (5e-4, False, "no 1/2"),
    (1e-3, False, "doubled"),
    (1e-4, False, "not 0.0001"),
    ("half", False, "give a number"),
])
def test_keras_l2(answer, ok, words):
    feedback = nb06.check_keras_l2(answer)
    assert feedback.ok is ok and words in feedback.message


# ---- 2: soft thresholding ---------------------------------------------------------------------

def right_soft_threshold(w, t):
    return np.sign(w) * np.maximum(np.abs(w) - t, 0.0)


@pytest.mark.parametrize("fn, ok, words", [
    (right_soft_threshold, True, "exactly 0"),
    (lambda w, t: np.where(np.abs(w) > t, w, 0.0), False, "hard thresholding"),
    (lambda w, t: np.maximum(np.abs(w) - t, 0.0), False, "sign(w)"),
    (lambda w, t: w - t * np.sign(w), False, "cross 0"),
    (lambda w, t: np.sign(w) * np.maximum(np.abs(w) - t / 2, 0.0), False, "expected"),
    (lambda w, t: w[:1], False, "same shape"),
    (lambda w, t: undefined_name, False, "NameError"),  # noqa: F821 - a learner's typo
    (right_soft_threshold(np.ones(2), 0.5), False, "pass a function"),
])
def test_soft_threshold(fn, ok, words):
    feedback = nb06.check_soft_threshold(fn)
    assert feedback.ok is ok and words in feedback.message


# ---- 3: choosing lambda -----------------------------------------------------------------------

def test_table_has_three_different_minimizers():
    # The exercise only teaches something if train, validation and test each favour another lambda.
    t = nb06.LAMBDA_TABLE
    picks = {name: int(np.argmin(t[name])) for name in ("train_mse", "val_mse", "test_mse")}
    assert len(set(picks.values())) == 3
    assert np.all(np.diff(t["train_mse"]) > 0)   # training error rises with lambda, as it must


@pytest.mark.parametrize("answer, ok, words", [
    (1e-3, True, "validation"),
    (1e-4, False, "test set"),
    (1e-6, False, "always falls"),
    (1e-2, False, "smallest validation"),
    (3e-3, False, "one of the λ"),
    ([1e-3], False, "give a number"),
])
def test_lambda_choice(answer, ok, words):
    feedback = nb06.check_lambda_choice(answer)
    assert feedback.ok is ok and words in feedback.message


# ---- 4: the FAQ's claim -----------------------------------------------------------------------

@pytest.mark.parametrize("answer, ok, words", [
    ("b", True, "gap narrows"), (" (B) ", True, "gap narrows"), ("a", False, "backwards"),
    ("c", False, "does change"), ("d", False, 'answer one letter'),
])
def test_faq_claim(answer, ok, words):
    feedback = nb06.check_faq_claim(answer)
    assert feedback.ok is ok and words in feedback.message


# ---- 5: ridge in closed form ------------------------------------------------------------------

def right_ridge(X, y, l2):
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    n, d = X.shape
    w = np.linalg.solve(Xc.T @ Xc / n + l2 * np.eye(d), Xc.T @ yc / n)
    return w, y.mean() - X.mean(axis=0) @ w


def ridge_with_factor(factor):
    return lambda X, y, l2: right_ridge(X, y, factor * l2)


def ridge_penalizing_bias(X, y, l2):
    Xb = np.hstack([X, np.ones((len(y), 1))])
    both = np.linalg.solve(Xb.T @ Xb / len(y) + l2 * np.eye(Xb.shape[1]), Xb.T @ y / len(y))
    return both[:-1], both[-1]


@pytest.mark.parametrize("fn, ok, words", [
    (right_ridge, True, "never shrunk"),
    (ridge_with_factor(0.5), False, "textbook"),
    (ridge_with_factor(2.0), False, "twice"),
    (ridge_with_factor(1 / 40), False, "*sum*"),   # the check's data has n = 40 samples
    (ridge_penalizing_bias, False, "penalized the bias"),
    (lambda X, y, l2: (right_ridge(X, y, l2)[0], 0.0), False, "b is not"),
    (lambda X, y, l2: (np.zeros(4), y.mean()), False, "differs"),
    (lambda X, y, l2: (np.zeros(3), 0.0), False, "one weight per column"),
    (lambda X, y: None, False, "TypeError"),
    (lambda X, y, l2: np.zeros(4), False, "ValueError"),   # w alone: cannot unpack (w, b)
    ("my_ridge", False, "pass a function"),
])
def test_ridge(fn, ok, words):
    feedback = nb06.check_ridge(fn)
    assert feedback.ok is ok and words in feedback.message
