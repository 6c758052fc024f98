"""Exercise checks of notebook 06: right answers pass; typical wrong answers get their own message."""
import numpy as np
import pytest

from course_lib.exercises import nb06
from test_exercises_common import every_message_reads_well  # noqa: F401 - the fixture below

pytestmark = pytest.mark.usefixtures("every_message_reads_well")


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


# ---- tolerances, forms, neighbouring answers, wrong types -------------------------------------

@pytest.mark.parametrize("answer", [2.5e-4, 2.5e-4 * (1 + 9e-7), "2.5e-4", np.float32(2.5e-4), np.array(2.5e-4)])
def test_keras_l2_accepted_forms_and_tolerance(answer):
    # float32(2.5e-4) = 2.50000012e-4: 5e-8 relative, inside 1e-6
    assert nb06.check_keras_l2(answer).ok is True


@pytest.mark.parametrize("answer, words", [
    (2.5e-4 * (1 + 3e-6), "make them equal"), (2.5e-4 * (1 - 3e-6), "make them equal"),  # outside 1e-6
    (2.6e-4, "not 0.00026"), (5e-4 * (1 + 9e-7), "no 1/2"), (1e-3 * (1 - 9e-7), "doubled"),
    (1.25e-4, "not 0.000125"), (0, "not 0"),
    (True, "give a number"), (float("nan"), "give a number"), ([2.5e-4], "give a number")])
def test_keras_l2_wrong(answer, words):
    fb = nb06.check_keras_l2(answer)
    assert fb.ok is False and words in fb.message


def test_soft_threshold_tolerance_and_forms():
    # exact zeros must stay exact (atol 1e-12): 5e-12 everywhere fails there, a tenfold looser atol passes
    assert nb06.check_soft_threshold(lambda w, t: right_soft_threshold(w, t) + 5e-12).ok is False
    assert nb06.check_soft_threshold(lambda w, t: right_soft_threshold(w, t) + 5e-13).ok is True
    assert nb06.check_soft_threshold(lambda w, t: right_soft_threshold(w, t).tolist()).ok is True
    from course_lib.regularization import soft_threshold
    assert nb06.check_soft_threshold(soft_threshold).ok is True


@pytest.mark.parametrize("fn, words", [
    (lambda w, t: right_soft_threshold(w, 2 * t), "expected"),
    (lambda w, t: right_soft_threshold(w, 0.0), "expected"),
    (lambda w, t: -right_soft_threshold(w, t), "expected"),
    (lambda w, t: right_soft_threshold(w, t).reshape(-1, 1), "same shape"),
    (lambda w, t: "w", "raised ValueError"), (lambda w, t: [None] * len(w), "expected"),
])
def test_soft_threshold_more_mistakes(fn, words):
    fb = nb06.check_soft_threshold(fn)
    assert fb.ok is False and words in fb.message


def test_soft_threshold_generic_hint_quotes_the_first_wrong_entry():
    # on the first case [0.3, -0.05, -2.0, 0.1, 0.0], t = 0.1: 0.3 -> 0.2, got 0.3 * 0.5
    fb = nb06.check_soft_threshold(lambda w, t: np.where(np.abs(w) > t, w * 0.5, 0.0))
    assert fb.ok is False and "for w = 0.3, t = 0.1 expected 0.2, got 0.15." in fb.message


@pytest.mark.parametrize("answer", [1e-3, "1e-3", "0.001", np.float32(1e-3), 1e-3 * (1 + 9e-7)])
def test_lambda_choice_forms(answer):
    assert nb06.check_lambda_choice(answer).ok is True


@pytest.mark.parametrize("answer, words", [
    (1e-5, "smallest validation"), (1e-1, "smallest validation"), (1e-3 * (1 + 3e-6), "one of the λ"),
    (1e-4 * (1 - 9e-7), "test set"), (2e-3, "one of the λ"), (0.064, "one of the λ"),   # the error, not λ
    (3, "one of the λ"), (True, "give a number"), ("λ = 1e-3", "give a number")])
def test_lambda_choice_wrong(answer, words):
    fb = nb06.check_lambda_choice(answer)
    assert fb.ok is False and words in fb.message


def test_lambda_choice_right_message_quotes_the_test_error_of_the_chosen_lambda():
    t = nb06.LAMBDA_TABLE
    assert f"({t['test_mse'][t['lambda'].index(1e-3)]:.3f})" in nb06.check_lambda_choice(1e-3).message


@pytest.mark.parametrize("answer", ["b", "B", "(b)", "b)", "b.", np.str_("b")])
def test_faq_claim_letter_forms(answer):
    assert nb06.check_faq_claim(answer).ok is True


def test_faq_claim_points_to_a_section_that_exists():
    import json
    import re
    from pathlib import Path
    fb = nb06.check_faq_claim("c")
    assert fb.ok is False
    section = re.search(r"§(\d+(?:\.\d+)?)", fb.message).group(1)
    notebook = Path(__file__).resolve().parents[1] / "notebooks" / "06-regularization.ipynb"
    if notebook.exists():        # (the mutation runs copy only course_lib and tests)
        cells = json.loads(notebook.read_text())["cells"]
        headings = [line for c in cells if c["cell_type"] == "markdown"
                    for line in "".join(c["source"]).splitlines() if line.startswith("#")]
        assert any(re.match(rf"#+ {re.escape(section)}\.? ", h) for h in headings), (section, headings)
        assert "§Overfitting" not in fb.message


@pytest.mark.parametrize("answer", ["bb", "ab", "", 2, ["b"], True, float("nan"), "(b", "the second"])
def test_faq_claim_not_a_letter(answer):
    fb = nb06.check_faq_claim(answer)
    assert fb.ok is False and "answer one letter" in fb.message


def test_ridge_tolerances():
    w_b = right_ridge
    # 3e-6 relative: outside rtol 1e-6 (refused), inside a tenfold looser one
    assert nb06.check_ridge(lambda X, y, l2: (w_b(X, y, l2)[0] * (1 + 3e-6), w_b(X, y, l2)[1])).ok is False
    assert nb06.check_ridge(lambda X, y, l2: (w_b(X, y, l2)[0], w_b(X, y, l2)[1] * (1 + 3e-6))).ok is False
    assert nb06.check_ridge(lambda X, y, l2: (w_b(X, y, l2)[0] * (1 + 1e-7), w_b(X, y, l2)[1])).ok is True


@pytest.mark.parametrize("fn, ok, words", [
    (lambda X, y, l2: (right_ridge(X, y, l2)[0], np.array([right_ridge(X, y, l2)[1]])), True, "never shrunk"),
    (lambda X, y, l2: (right_ridge(X, y, l2)[0].reshape(4, 1), right_ridge(X, y, l2)[1]), True, "never shrunk"),
    (lambda X, y, l2: (right_ridge(X, y, l2)[0], np.ones(2)), False, "b must be one number"),
    (lambda X, y, l2: (right_ridge(X, y, l2)[0], "b"), False, "raised ValueError"),
    (lambda X, y, l2: right_ridge(X, y, l2)[::-1], False, "b must be one number"),      # (b, w) swapped
    (lambda X, y, l2: right_ridge(X, y, 0.0), False, "differs"),                       # no penalty
    (lambda X, y, l2: (right_ridge(X, y, l2)[0], right_ridge(X, y, l2)[1] + 1e-3), False, "b is not"),
])
def test_ridge_more_answers(fn, ok, words):
    fb = nb06.check_ridge(fn)
    assert fb.ok is ok and words in fb.message
