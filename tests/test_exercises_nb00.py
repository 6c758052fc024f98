"""Exercise checks of notebook 00: right answers in every accepted spelling pass; wrong ones don't.

Right answers, from the glossary table of notebook 00 (中文 → English): 早停 early stopping,
正则化 regularization, 随机梯度下降 stochastic gradient descent (SGD), 学习率 learning rate,
泛化误差 generalization error. Exercise 2: §3.2's steps take a random *part* of the data, which is
mini-batch gradient descent.
"""
import numpy as np
import pytest

from course_lib.exercises.nb00 import check_glossary, check_which_descent
from test_exercises_common import every_message_reads_well  # noqa: F401 - the fixture below

pytestmark = pytest.mark.usefixtures("every_message_reads_well")

RIGHT = {"早停": "early stopping", "正则化": "regularization", "随机梯度下降": "stochastic gradient descent",
         "学习率": "learning rate", "泛化误差": "generalization error"}


@pytest.mark.parametrize("changes", [
    {},
    {"随机梯度下降": "stochastic gradient descent (SGD)"},          # the glossary's own entry
    {"随机梯度下降": "SGD"}, {"随机梯度下降": "SGD (stochastic gradient descent)"},
    {"早停": "Early Stopping", "学习率": "  Learning rate "}, {"早停": "early-stopping"},
    {"正则化": "regularisation", "泛化误差": "generalisation error"},
    {"学习率": "learning rate (step size)"}, {"早停": np.str_("early stopping")},
])
def test_glossary_accepts_every_spelling_of_the_right_names(changes):
    feedback = check_glossary({**RIGHT, **changes})
    assert feedback.ok is True and "all five" in feedback.message


@pytest.mark.parametrize("changes, wrong", [
    ({"早停": "early stop"}, "早停"),
    ({"正则化": "normalization"}, "正则化"),
    ({"随机梯度下降": "gradient descent"}, "随机梯度下降"),
    ({"随机梯度下降": "mini-batch gradient descent"}, "随机梯度下降"),
    ({"学习率": "learning rate schedule"}, "学习率"),
    ({"泛化误差": "generalization gap"}, "泛化误差"),
    ({"泛化误差": "training error"}, "泛化误差"),
    ({"早停": "regularization", "正则化": "early stopping"}, "早停, 正则化"),   # swapped
    ({"早停": "(early stopping)"}, "早停"),                                  # only a parenthetical
    ({"学习率": None}, "学习率"), ({"学习率": float("nan")}, "学习率"), ({"学习率": 0.1}, "学习率"),
    ({"学习率": ["learning rate"]}, "学习率"), ({"学习率": True}, "学习率"),
])
def test_glossary_names_the_wrong_terms(changes, wrong):
    feedback = check_glossary({**RIGHT, **changes})
    assert feedback.ok is False
    assert feedback.message == f"{wrong} not right yet; look them up in the glossary above."


def test_glossary_missing_terms_and_wrong_shapes():
    feedback = check_glossary({k: v for k, v in RIGHT.items() if k not in ("学习率", "早停")})
    assert feedback.ok is False and feedback.message == "missing 早停, 学习率; give all five terms."
    assert check_glossary({}).message.startswith("missing 早停, 正则化, 随机梯度下降, 学习率, 泛化误差")
    for answer, kind in ((float("nan"), "float"), ("early stopping", "str"), (list(RIGHT.values()), "list"),
                         (3, "int")):
        feedback = check_glossary(answer)
        assert feedback.ok is False and "give a dict" in feedback.message and f"got a {kind}." in feedback.message
    feedback = check_glossary(None)
    assert feedback.ok is False and feedback.message.startswith("no answer yet. Fill the dictionary")


def test_glossary_extra_keys_do_not_matter():
    assert check_glossary({**RIGHT, "过拟合": "overfitting", 3: None}).ok is True


@pytest.mark.parametrize("answer", ["mini-batch", "Mini-batch gradient descent", "minibatch",
                                    "mini batch", " MINI-BATCH ", np.str_("mini-batch")])
def test_which_descent_right(answer):
    feedback = check_which_descent(answer)
    assert feedback.ok is True and "mini-batch gradient descent" in feedback.message


@pytest.mark.parametrize("answer, words", [
    ("batch", "chapter's name for it"), ("Batch gradient descent", "chapter's name for it"),
    ("full-batch", "chapter's name for it"), ("stochastic", "single sample"), ("SGD", "single sample"),
    ("stochastic gradient descent", "single sample"), ("gradient descent", 'answer "batch"'),
    ("", 'answer "batch"'), (3, 'answer "batch"'), (float("nan"), 'answer "batch"'),
    (["mini-batch"], 'answer "batch"'), (True, 'answer "batch"'),
])
def test_which_descent_wrong(answer, words):
    feedback = check_which_descent(answer)
    assert feedback.ok is False and words in feedback.message


def test_which_descent_placeholder():
    feedback = check_which_descent(None)
    assert feedback.ok is False and feedback.message == 'no answer yet. Answer "batch", "mini-batch" or "stochastic".'
