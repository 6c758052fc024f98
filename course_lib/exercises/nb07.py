"""Checks for the exercises of notebook 07 (early stopping)."""
from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from course_lib._checks import check_int
from course_lib.exercises import Feedback, as_text, as_whole, describe_error, echo, not_answered

#: Exercises 1 and 3: one validation-loss curve and Keras ``EarlyStopping`` settings.
RUN = {"val_loss": [0.90, 0.70, 0.62, 0.60, 0.605, 0.595, 0.61, 0.62, 0.63, 0.64],
       "patience": 3, "min_delta": 0.01}


def _keras_points(val_loss: list[float], patience: int, min_delta: float) -> tuple[int | None, int]:
    from course_lib.early_stopping import early_stopping_point

    point = early_stopping_point(val_loss, patience=patience, min_delta=min_delta)
    return point.stop_epoch, point.best_epoch


def _pair(answer: Any) -> tuple[int, int] | None:
    """Two whole numbers given as a tuple, list or array of two, or None."""
    if isinstance(answer, (str, bytes, Mapping)) or not hasattr(answer, "__iter__"):
        return None
    try:
        items = list(itertools.islice(answer, 3))
    except Exception:  # an iterator that raises
        return None
    if len(items) != 2:
        return None
    first, second = as_whole(items[0]), as_whole(items[1])
    return None if first is None or second is None else (first, second)


def check_stop_and_best(answer: tuple[int, int] | None) -> Feedback:
    """Exercise 1: ``(stopped_epoch, best_epoch)``, 0-based, for ``RUN``.

    >>> check_stop_and_best((6, 3)).ok
    True
    """
    if answer is None:
        return not_answered("Give a pair (stopped_epoch, best_epoch), both counted from 0.")
    given = _pair(answer)
    if given is None:
        return Feedback(False, f"give a pair of whole numbers like (7, 4), got {echo(answer)}.")
    stop, best = _keras_points(**RUN)
    if given == (stop, best):
        return Feedback(True, f"best epoch {best} (0.60); 0.605, 0.595 and 0.61 do not beat 0.60 by "
                              f"more than 0.01, so the wait reaches 3 at epoch {stop} and training stops.")
    if given == (best, stop):
        return Feedback(False, "swapped: the pair is (stopped_epoch, best_epoch), and training stops "
                               "after the best epoch.")
    if given == (stop + 1, best + 1):
        return Feedback(False, "those are 1-based (Keras prints 'Epoch 7'); count from 0 like `epoch` "
                               "in callbacks.")
    if given == _keras_points(RUN["val_loss"], RUN["patience"], 0.0):
        return Feedback(False, "that ignores min_delta: 0.595 is below 0.60, but by 0.005 only, which "
                               "is not 'more than min_delta = 0.01'.")
    if given[1] == int(np.argmin(RUN["val_loss"])):
        return Feedback(False, "epoch 5 has the lowest value, but it is no *improvement* (it beats 0.60 "
                               "by less than min_delta), so Keras never records it as the best epoch.")
    if given[0] == stop - 1 or given[0] == stop + 1:
        return Feedback(False, f"stopped epoch off by one: the wait counts the epochs since the best, "
                               f"and training stops when it reaches patience = {RUN['patience']}.")
    return Feedback(False, f"not {given}: walk through the epochs keeping best and wait.")


_COUNTS = {"evaluations": True, "epochs": True, "validations": True,
           "steps": False, "iterations": False, "batches": False, "updates": False, "seconds": False}


def check_patience_counts(answer: str | None) -> Feedback:
    """Exercise 2: what one unit of ``patience`` is.

    >>> check_patience_counts("iterations").ok
    False
    """
    if answer is None:
        return not_answered('Answer with one word: "steps", "epochs", "evaluations", "batches", ...')
    word = (as_text(answer) or "").rstrip(".")
    word = {"evaluation": "evaluations", "epoch": "epochs", "step": "steps", "iteration": "iterations",
            "batch": "batches", "validation": "validations", "update": "updates"}.get(word, word)
    if word not in _COUNTS:
        return Feedback(False, f'answer one of {", ".join(sorted(_COUNTS))}; got {echo(answer)}.')
    if _COUNTS[word]:
        return Feedback(True, "patience counts evaluations of the monitored value: Keras checks it at "
                              "the end of each epoch, so usually epochs; with validation_freq=k only "
                              "every k-th epoch has a val_loss, and only those count.")
    return Feedback(False, f"not {word}: the callback runs at the end of an epoch, after the "
                           "validation pass. The chapter's 'a number of iterations' is the slip.")


def check_restored_weights(answer: dict[bool, int] | None) -> Feedback:
    """Exercise 3: whose weights the model holds after ``fit`` for ``RUN``, with and without restoring.

    >>> check_restored_weights({True: 3, False: 6}).ok
    True
    """
    if answer is None:
        return not_answered("Give {True: epoch, False: epoch} for restore_best_weights=True / False.")
    if not isinstance(answer, Mapping) or set(answer) != {True, False}:
        return Feedback(False, "give a dict with the two keys True and False, e.g. {True: 2, False: 5}.")
    stop, best = _keras_points(**RUN)
    restored, kept = as_whole(answer[True]), as_whole(answer[False])
    if restored is None or kept is None:
        return Feedback(False, "the values must be whole epoch numbers.")
    if (restored, kept) == (best, stop):
        return Feedback(True, f"with restore_best_weights=True the model goes back to the end of epoch "
                              f"{best}; without it, it keeps the last trained weights (epoch {stop}), "
                              "which are already past the best.")
    if (restored, kept) == (stop, best):
        return Feedback(False, "the other way round: restoring brings back the best epoch's weights.")
    if restored == int(np.argmin(RUN["val_loss"])):
        return Feedback(False, "restoring uses Keras's best epoch, the last *improvement*, not the "
                               "lowest value (epoch 5 did not improve by min_delta).")
    if restored == best and kept == best:
        return Feedback(False, f"restoring gives epoch {best}, right; without restoring nothing goes back: "
                               f"the model keeps the weights of the last epoch that ran, {stop}.")
    if restored == best and kept == len(RUN["val_loss"]) - 1:
        return Feedback(False, f"restoring gives epoch {best}, right; but training stopped at epoch {stop}, "
                               "so the later epochs of the list never ran.")
    if restored == best:
        return Feedback(False, f"restoring gives epoch {best}, right; without restoring the model keeps the "
                               "weights of the epoch at which training stopped (exercise 1).")
    return Feedback(False, f"not {{True: {restored}, False: {kept}}}: find the best and the stopped epoch "
                           "first (exercise 1).")


def check_stopping_rule(fn: Callable[[list[float], int, float], tuple[int | None, int]] | None,
                        seed: int = 0) -> Feedback:
    """Exercise 4: ``fn(values, patience, min_delta) -> (stopped_epoch or None, best_epoch)``.

    Compared with :func:`course_lib.early_stopping.early_stopping_point` (Keras's rule) on
    random noisy curves, including exact ties.
    """
    check_int("seed", seed, low=0)
    if fn is None:
        return not_answered("Write my_stopping_rule(values, patience, min_delta) and pass the function.")
    if not callable(fn):
        return Feedback(False, f"pass the function itself (no parentheses), got {type(fn).__name__}.")
    rng = np.random.default_rng(seed)
    cases = [(RUN["val_loss"], 3, 0.01), ([1.0, 0.5, 0.5, 0.5], 2, 0.0), ([1.0, 1.1, 1.2], 0, 0.0)]
    for _ in range(40):
        n = int(rng.integers(2, 30))
        values = np.round(1 / (1 + np.arange(n)) + rng.normal(0, 0.05, n), 2).tolist()
        cases.append((values, int(rng.integers(0, 6)), float(rng.choice([0.0, 0.005, 0.025]))))
    for values, patience, min_delta in cases:
        try:
            got = fn(list(values), patience, min_delta)
        except Exception as exc:  # the learner's code: report, don't crash the notebook
            return Feedback(False, f"your function raised {describe_error(exc)}.")
        if got is None:
            return not_answered("your function returns None: return (stopped_epoch or None, best_epoch).")
        want = _keras_points(values, patience, min_delta)
        pair = _stop_pair(got)
        if pair is None:
            return Feedback(False, f"return a pair (stopped_epoch or None, best_epoch) of whole numbers, "
                                   f"got {echo(got)}.")
        if pair != want:
            return Feedback(False, f"for values={values}, patience={patience}, min_delta={min_delta} "
                                   f"you returned {echo(got)}, Keras's rule gives {want}.")
    return Feedback(True, f"your rule matches Keras's EarlyStopping on {len(cases)} curves.")


def _stop_pair(got: Any) -> tuple[int | None, int] | None:
    """``(stopped_epoch or None, best_epoch)`` from the learner's tuple, or None if it is not one."""
    if not (isinstance(got, tuple) and len(got) == 2) or any(isinstance(e, (str, bytes)) for e in got):
        return None
    stop = None if got[0] is None else as_whole(got[0])
    best = as_whole(got[1])
    if best is None or (stop is None and got[0] is not None):
        return None
    return stop, best
