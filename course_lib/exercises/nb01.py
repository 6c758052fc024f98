"""Checks for the exercises of notebook 01 (core concepts: evaluation, tuning, optimization)."""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from course_lib.exercises import (Feedback, as_letter, as_number, as_text, as_whole, by_letter,
                                  describe_error, echo, not_answered)

#: Exercise 1: which activity is it?
ACTIVITIES = {
    "a": "running mini-batch SGD to lower the cross-entropy on the training set",
    "b": "computing the validation accuracy after each epoch",
    "c": "adding hidden units because both the training and the validation loss stay high",
    "d": "converting the weights to 8-bit integers so that predictions run faster",
    "e": "trying five learning rates and keeping the one with the lowest validation loss",
    "f": "reporting the test-set accuracy of the final model, once",
}
ROLES = ("evaluation", "tuning", "optimization (loss)", "optimization (efficiency)")
_ROLE_OF = {"a": "optimization (loss)", "b": "evaluation", "c": "tuning",
            "d": "optimization (efficiency)", "e": "tuning", "f": "evaluation"}

#: Exercise 2: a training history (Keras's History.history layout); entry 0 is epoch 1.
HISTORY = {"loss": [1.20, 0.62, 0.41, 0.30, 0.22, 0.16, 0.11, 0.08],
           "val_loss": [1.05, 0.66, 0.50, 0.44, 0.42, 0.43, 0.47, 0.52]}

#: Exercise 3: what to report after a search over 40 settings.
REPORT_OPTIONS = {
    "a": "the best test accuracy among the 40 models",
    "b": "the best validation accuracy among the 40 models",
    "c": "the test accuracy of the model with the best validation accuracy",
    "d": "the mean test accuracy of the 40 models",
}


def _role(value: Any) -> str | None:
    text = as_text(value) or ""
    if text.startswith("eval"):
        return "evaluation"
    if text.startswith("tun"):
        return "tuning"
    if "loss" in text or "minimi" in text:
        return "optimization (loss)"
    if "effic" in text or "speed" in text:
        return "optimization (efficiency)"
    return "optimization" if text.startswith("optim") else None


def check_roles(answers: dict[str, str] | None) -> Feedback:
    """Exercise 1: each activity of ``ACTIVITIES`` is one of ``ROLES``.

    >>> check_roles({"a": "optimization (loss)", "b": "evaluation", "c": "tuning",
    ...              "d": "optimization (efficiency)", "e": "tuning", "f": "evaluation"}).ok
    True
    """
    if answers is None:
        return not_answered(f"Fill a dict {{'a': ..., ..., 'f': ...}} with one of {', '.join(ROLES)}.")
    if not isinstance(answers, Mapping):
        return Feedback(False, f"give a dict from letter to role, got {type(answers).__name__}.")
    answers = by_letter(answers, "".join(ACTIVITIES))
    if answers is None:
        return Feedback(False, "two keys name the same letter; give each of a-f once.")
    missing = [k for k in ACTIVITIES if k not in answers]
    if missing:
        return Feedback(False, f"missing {', '.join(missing)}.")
    given = {k: _role(answers[k]) for k in ACTIVITIES}
    vague = [k for k in ACTIVITIES if given[k] == "optimization"]
    if vague:
        return Feedback(False, f"{', '.join(vague)}: which sense of optimization, minimizing the loss "
                               "or making training/inference efficient?")
    unknown = [k for k in ACTIVITIES if given[k] is None]
    if unknown:
        return Feedback(False, f"{', '.join(unknown)}: answer one of {', '.join(ROLES)}.")
    wrong = [k for k in ACTIVITIES if given[k] != _ROLE_OF[k]]
    if not wrong:
        return Feedback(True, "all six. Note (e): choosing among settings by their validation score "
                              "is tuning, even though it involves evaluating; and (f) happens once.")
    hints = {"a": "SGD minimizes the training loss: optimization in the first sense",
             "c": "changing the model because of what the curves show is tuning",
             "d": "quantization makes inference cheaper: the chapter's sense of optimization",
             "e": "picking a hyperparameter by validation score is tuning",
             "f": "measuring the final model on held-out data is evaluation"}
    return Feedback(False, "; ".join(f"({k}) {hints.get(k, 'not right yet')}" for k in wrong) + ".")


def check_best_epoch(epoch: int | None, gap: float | None) -> Feedback:
    """Exercise 2: the epoch (counted from 1, as Keras prints it) with the lowest validation loss,
    and the gap there.

    >>> check_best_epoch(5, 0.20).ok
    True
    """
    if epoch is None or gap is None:
        return not_answered("Give the epoch (counting from 1) and val_loss - loss at that epoch.")
    e, g = as_whole(epoch), as_number(gap)
    if e is None or g is None:
        return Feedback(False, f"give a whole number and a number, got {echo(epoch)} and {echo(gap)}.")
    val, train = np.array(HISTORY["val_loss"]), np.array(HISTORY["loss"])
    best = int(np.argmin(val))              # a list index, from 0
    right_gap = val[best] - train[best]
    if e == best:
        return Feedback(False, f"{e} is the index in the list (from 0, like epoch_curves' "
                               f"best_epoch); epochs count from 1, as Keras prints 'Epoch 1/8': "
                               f"the best epoch is {best + 1}.")
    if e != best + 1:
        if e == int(np.argmin(train)) + 1:
            return Feedback(False, "that is where the *training* loss is lowest; it falls all the "
                                   "way. Look for the minimum of val_loss.")
        return Feedback(False, f"at epoch {e} val_loss is not the lowest; find its minimum.")
    if math.isclose(g, -right_gap, abs_tol=5e-3):
        return Feedback(False, "the sign: the gap is val_loss - loss, positive when the model does "
                               "better on its training data.")
    if math.isclose(g, val[-1] - train[-1], abs_tol=5e-3):
        return Feedback(False, "that is the gap at the last epoch; the question asks at the best one.")
    if math.isclose(g, right_gap, abs_tol=5e-3):
        return Feedback(True, f"epoch {best + 1}: val_loss {val[best]:.2f} - loss {train[best]:.2f} "
                              f"= {right_gap:.2f}. After it the training loss keeps falling while the "
                              "validation loss rises: the model starts to overfit.")
    return Feedback(False, f"the epoch is right; the gap there is val_loss - loss at epoch {best + 1}.")


def check_what_to_report(answer: str | None) -> Feedback:
    """Exercise 3: the honest number to report after the search (a letter of ``REPORT_OPTIONS``).

    >>> check_what_to_report("c").ok
    True
    """
    if answer is None:
        return not_answered('Answer "a", "b", "c" or "d".')
    letter = as_letter(answer, "".join(REPORT_OPTIONS))
    why = {
        "a": "the best of 40 test scores was *chosen* by the test set: the leak of this notebook, "
             "it overstates what the model will do on new data",
        "b": "the validation set chose the model, so its best score is optimistic in the same way",
        "d": "that is the average quality of the search, not of the model you deliver",
    }
    if letter == "c":
        return Feedback(True, "the validation set chose the model and the test set, untouched "
                              "until then, measures it once: an unbiased estimate.")
    if letter in why:
        return Feedback(False, why[letter] + ".")
    return Feedback(False, 'answer one letter: "a", "b", "c" or "d".')


def check_standardize(fn: Callable | None) -> Feedback:
    """Exercise 4: ``fn(X_train, X_other) -> (train scaled, other scaled)`` with training statistics.

    >>> check_standardize(lambda a, b: ((a - a.mean(0)) / np.where(a.std(0) > 0, a.std(0), 1),
    ...                                 (b - a.mean(0)) / np.where(a.std(0) > 0, a.std(0), 1))).ok
    True
    """
    if fn is None:
        return not_answered("Write a function of (X_train, X_other) returning both scaled arrays.")
    if not callable(fn):
        return Feedback(False, f"pass the function itself (no parentheses), got {type(fn).__name__}.")
    rng = np.random.default_rng(7)
    A = np.c_[rng.normal(3.0, 2.0, (40, 3)), np.zeros(40)]       # last column constant, like pixel 0
    B = np.c_[rng.normal(5.0, 1.0, (15, 3)), np.zeros(15)]       # shifted: its own statistics differ
    mean, std = A.mean(0), np.where(A.std(0) > 0, A.std(0), 1.0)
    try:
        with np.errstate(all="ignore"):  # a 0/0 is reported below as feedback, not as a warning
            out = fn(A.copy(), B.copy())
        a, b = (np.asarray(o, dtype=float) for o in out)
    except Exception as exc:  # the learner's code: report any failure as feedback
        return Feedback(False, f"calling it failed ({describe_error(exc)}).")
    if a.shape != A.shape or b.shape != B.shape:
        return Feedback(False, f"return two arrays shaped like the inputs, got {a.shape} and {b.shape}.")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return Feedback(False, "nan or inf in the result: a constant feature has std 0. Divide by 1 "
                               "there instead (np.where(std > 0, std, 1)).")
    if np.allclose(a, (A - mean) / std) and np.allclose(b, (B - mean) / std):
        return Feedback(True, "training mean and std for both: the other set is scaled as the model "
                              "will see new data, and nothing about it leaks into training.")
    std1 = np.where(A.std(0, ddof=1) > 0, A.std(0, ddof=1), 1.0)
    if np.allclose(a, (A - mean) / std1) and np.allclose(b, (B - mean) / std1):
        return Feedback(True, "training statistics for both, with the sample std (ddof=1, divide by "
                              "n - 1). Standardizer, np.std's default and scikit-learn's "
                              "StandardScaler use ddof=0 (divide by n); the two scales differ by "
                              "sqrt(n / (n - 1)): 1.3 % for these 40 rows, 0.05 % for the 1,079 "
                              "training images. Either is right here.")
    if np.allclose(b, (B - B.mean(0)) / np.where(B.std(0) > 0, B.std(0), 1.0)):
        return Feedback(False, "the other set is scaled with its own statistics; use the training "
                               "mean and std for it too (new data arrives one sample at a time).")
    both = np.r_[A, B]
    if np.allclose(a, (A - both.mean(0)) / np.where(both.std(0) > 0, both.std(0), 1.0)):
        return Feedback(False, "the statistics come from the training and other data together: that "
                               "leaks the held-out data into preprocessing. Use X_train only.")
    return Feedback(False, "not yet: subtract the training mean and divide by the training std, "
                           "for both arrays.")
