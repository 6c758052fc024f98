"""Checks for the exercises of notebook 00 (course overview)."""
from __future__ import annotations

from course_lib.exercises import Feedback, not_answered

_TERMS = {
    "早停": ("early stopping",),
    "正则化": ("regularization", "regularisation"),
    "随机梯度下降": ("stochastic gradient descent", "sgd"),
    "学习率": ("learning rate",),
    "泛化误差": ("generalization error", "generalisation error"),
}


def check_glossary(answers: dict[str, str] | None) -> Feedback:
    """Exercise 1: the English names of five terms of the chapter.

    >>> check_glossary({"早停": "Early stopping"}).ok
    False
    """
    if answers is None:
        return not_answered("Fill the dictionary with the English name of each term.")
    missing = [t for t in _TERMS if t not in answers]
    if missing:
        return Feedback(False, f"missing {', '.join(missing)}; give all five terms.")
    wrong = [t for t, names in _TERMS.items() if str(answers[t]).strip().lower() not in names]
    if wrong:
        return Feedback(False, f"{', '.join(wrong)} not right yet; look them up in the glossary above.")
    return Feedback(True, "all five terms match the glossary.")


def check_which_descent(answer: str | None) -> Feedback:
    """Exercise 2: which algorithm §3.2's steps really describe.

    >>> check_which_descent("mini-batch").ok
    True
    """
    if answer is None:
        return not_answered('Answer "batch", "mini-batch" or "stochastic".')
    a = str(answer).strip().lower().replace("minibatch", "mini-batch").replace("mini batch", "mini-batch")
    if a.startswith("mini-batch"):
        return Feedback(True, "a random part of the data per step is mini-batch gradient descent; "
                              "batch gradient descent uses the whole training set for every step.")
    if a.startswith("batch") or a.startswith("full"):
        return Feedback(False, "that is the chapter's name for it, but step 2 picks a random *part* "
                               "of the data: which variant uses a part?")
    if a.startswith("stochastic") or a == "sgd":
        return Feedback(False, "stochastic gradient descent uses a single sample per step; "
                               "§3.2 takes a batch of several.")
    return Feedback(False, 'answer "batch", "mini-batch" or "stochastic".')
