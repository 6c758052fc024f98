"""Checks for the exercises of notebook 00 (course overview)."""
from __future__ import annotations

import re
from collections.abc import Mapping

from course_lib.exercises import Feedback, as_text, not_answered

_TERMS = {
    "早停": ("early stopping",),
    "正则化": ("regularization", "regularisation"),
    "随机梯度下降": ("stochastic gradient descent", "sgd"),
    "学习率": ("learning rate",),
    "泛化误差": ("generalization error", "generalisation error"),
}


def _name(value) -> str | None:
    """A term as the glossary compares it: lower case, hyphens as spaces, and a parenthetical
    such as the glossary's own "(SGD)" left out."""
    text = as_text(value)
    if text is None:
        return None
    return " ".join(re.sub(r"\([^)]*\)", " ", text).replace("-", " ").split())


def check_glossary(answers: dict[str, str] | None) -> Feedback:
    """Exercise 1: the English names of five terms of the chapter.

    >>> check_glossary({"早停": "Early stopping"}).ok
    False
    """
    if answers is None:
        return not_answered("Fill the dictionary with the English name of each term.")
    if not isinstance(answers, Mapping):
        return Feedback(False, f"give a dict from each Chinese term to its English name, "
                               f"got a {type(answers).__name__}.")
    missing = [t for t in _TERMS if t not in answers]
    if missing:
        return Feedback(False, f"missing {', '.join(missing)}; give all five terms.")
    wrong = [t for t, names in _TERMS.items() if _name(answers[t]) not in names]
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
    a = (as_text(answer) or "").replace("minibatch", "mini-batch").replace("mini batch", "mini-batch")
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
