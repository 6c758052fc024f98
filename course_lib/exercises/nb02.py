"""Checks for the exercises of notebook 02 (learning-rate schedules)."""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np

from course_lib.exercises import (Feedback, as_number, as_text, by_letter, describe_error, echo,
                                  not_answered)

#: Exercise 1: Keras ``ExponentialDecay(0.1, decay_steps=100, decay_rate=0.96)`` at step 550.
EXPONENTIAL = {"initial_learning_rate": 0.1, "decay_steps": 100, "decay_rate": 0.96, "step": 550}

#: Exercise 2: Keras ``PolynomialDecay(0.1, decay_steps=1000, end_learning_rate=0.001)`` (power 1).
LINEAR = {"initial_learning_rate": 0.1, "decay_steps": 1000, "end_learning_rate": 0.001}

#: Exercise 3: the Keras class (``keras.optimizers.schedules``) of each schedule.
KERAS_NAMES = {"exponential": "ExponentialDecay", "linear": "PolynomialDecay",
               "inverse time": "InverseTimeDecay", "step": "PiecewiseConstantDecay",
               "cosine": "CosineDecay"}

#: Exercise 4: true or false?
CLAIMS = {
    "a": "The learning rate is the speed at which the parameters change.",
    "b": "In plain gradient descent the update is the learning rate times the gradient, so its "
         "length also depends on how steep the loss is.",
    "c": "A learning-rate schedule always makes the rate smaller as training goes on.",
    "d": "With a fixed learning rate, mini-batch SGD stops improving at a noise floor that is "
         "lower for a smaller rate.",
    "e": "Warmup starts training with a small rate and raises it.",
}
_TRUTH = {"a": False, "b": True, "c": False, "d": True, "e": True}
_WHY = {
    "a": "it is a step-size *factor*: the change is lr * gradient, so with the same rate the "
         "parameters move fast where the loss is steep and slowly near a minimum",
    "b": "the step is lr * g: a constant rate still gives shrinking steps as the gradient shrinks",
    "c": "warmup raises it first, and cyclic schedules raise it again",
    "d": "the noise of the batch gradients keeps SGD bouncing at a level proportional to the rate",
    "e": "it ramps the rate up from (near) zero over the first steps, then a decay takes over",
}



def check_exponential_rates(staircase: float | None, continuous: float | None) -> Feedback:
    """Exercise 1: the rate at step 550 with ``staircase=True`` and with ``staircase=False``.

    >>> check_exponential_rates(0.1 * 0.96**5, 0.1 * 0.96**5.5).ok
    True
    """
    if staircase is None or continuous is None:
        return not_answered("Give both numbers: lr = 0.1 * 0.96 ** p, p = floor(550/100) or 550/100.")
    s, c = as_number(staircase), as_number(continuous)
    if s is None or c is None:
        return Feedback(False, f"give two numbers (floats), got {echo(staircase)} and {echo(continuous)}.")
    e = EXPONENTIAL
    p = e["step"] / e["decay_steps"]
    right_s = e["initial_learning_rate"] * e["decay_rate"] ** math.floor(p)
    right_c = e["initial_learning_rate"] * e["decay_rate"] ** p
    close = lambda a, b: math.isclose(a, b, rel_tol=1e-3)  # noqa: E731 - 4 significant digits
    if close(s, right_s) and close(c, right_c):
        return Feedback(True, f"staircase 0.1 * 0.96**5 = {right_s:.6f}, continuous 0.1 * 0.96**5.5 = "
                              f"{right_c:.6f}: the staircase keeps the rate of step 500 until step 600.")
    if close(s, right_c) and close(c, right_s):
        return Feedback(False, "the two values are swapped: the staircase uses floor(550/100) = 5.")
    if close(s, right_s):
        return Feedback(False, "the staircase value is right; the continuous one uses the exponent "
                               "550/100 = 5.5 (no rounding down).")
    if close(c, right_c):
        return Feedback(False, "the continuous value is right; the staircase exponent is floor(550/100) = 5.")
    if close(s, 0.1 * 0.96**550) or close(c, 0.1 * 0.96**550):
        return Feedback(False, "the exponent is step / decay_steps, not the step itself.")
    if close(s, 0.1 * (1 - 0.04 * 5)) or close(c, 0.1 * (1 - 0.04 * 5.5)):
        return Feedback(False, "that is a linear decrease; exponential decay multiplies by 0.96 per 100 steps.")
    return Feedback(False, "not yet: lr = initial_learning_rate * decay_rate ** p with p as above.")


def check_linear_decay(schedule: Callable | None) -> Feedback:
    """Exercise 2: your ``schedule(step)`` must equal Keras's PolynomialDecay (power 1), arrays in.

    >>> check_linear_decay(lambda t: 0.099 * (1 - np.minimum(t, 1000) / 1000) + 0.001).ok
    True
    """
    if schedule is None:
        return not_answered("Write a function of the step (an int or a numpy array) and pass it.")
    if not callable(schedule):
        return Feedback(False, f"pass the function itself (no parentheses), got {type(schedule).__name__}.")
    lr0, T, end = LINEAR["initial_learning_rate"], LINEAR["decay_steps"], LINEAR["end_learning_rate"]
    steps = np.array([0, 1, 250, 500, 999, 1000, 1500, 5000])
    right = (lr0 - end) * (1 - np.minimum(steps, T) / T) + end
    try:
        got = np.asarray(schedule(steps), dtype=float)
    except Exception as exc:  # the learner's code: report any failure as feedback
        return Feedback(False, f"calling it on an array of steps failed ({describe_error(exc)}); "
                               "use numpy operations (np.minimum, not min or if).")
    if got.shape != steps.shape:
        return Feedback(False, f"for {steps.size} steps it must return {steps.size} rates, got shape {got.shape}.")
    if np.allclose(got, right, rtol=1e-6):
        return Feedback(True, "it matches PolynomialDecay(power=1.0): a straight line to 0.001 at "
                              "step 1000, then constant (Keras clamps the step at decay_steps).")
    if np.allclose(got[:6], right[:6], rtol=1e-6):
        return Feedback(False, f"right up to step 1000, but after it the rate must stay at {end} "
                               f"(got {got[-1]:.4g} at step 5000): clamp the step with np.minimum.")
    if np.allclose(got, lr0 * (1 - np.minimum(steps, T) / T), rtol=1e-6):
        return Feedback(False, f"that decays to 0; it must end at end_learning_rate = {end}.")
    if np.isclose(got[0], end) and np.isclose(got[5], lr0):
        return Feedback(False, "the line goes the wrong way: it must start at 0.1 and end at 0.001.")
    return Feedback(False, f"at step 500 the rate should be {right[3]:.6f}, got {got[3]:.6g}: "
                           "lr = (initial - end) * (1 - min(t, decay_steps) / decay_steps) + end.")


def check_keras_names(answers: dict[str, str] | None) -> Feedback:
    """Exercise 3: the ``keras.optimizers.schedules`` class of each schedule.

    >>> check_keras_names(dict(KERAS_NAMES)).ok
    True
    """
    if answers is None:
        return not_answered(f"Fill a dict with the keys {', '.join(map(repr, KERAS_NAMES))}.")
    if not isinstance(answers, Mapping):
        return Feedback(False, f"give a dict from schedule to Keras class name, got {type(answers).__name__}.")
    missing = [k for k in KERAS_NAMES if k not in answers]
    if missing:
        return Feedback(False, f"missing {', '.join(missing)}.")
    norm = {k: (as_text(answers[k]) or "").split(".")[-1].replace("(", "").replace(")", "")
            for k in KERAS_NAMES}
    wrong = [k for k in KERAS_NAMES if norm[k] != KERAS_NAMES[k].lower()]
    if not wrong:
        return Feedback(True, "all five; note that linear decay is PolynomialDecay with power=1.0 and "
                              "that only CosineDecay has a warmup built in.")
    hints = []
    if "linear" in wrong and norm["linear"] in ("lineardecay", "linear"):
        hints.append("Keras has no LinearDecay: linear is PolynomialDecay with power=1.0")
    if "step" in wrong:
        hints.append("step decay is a piecewise-constant schedule")
    return Feedback(False, f"{', '.join(wrong)} not right yet" + (f" ({'; '.join(hints)})." if hints else "."))


def check_claims(answers: dict[str, bool] | None) -> Feedback:
    """Exercise 4: true or false for each claim of ``CLAIMS``.

    >>> check_claims({"a": False, "b": True, "c": False, "d": True, "e": True}).ok
    True
    """
    if answers is None:
        return not_answered('Fill a dict {"a": True or False, ..., "e": ...}.')
    if not isinstance(answers, Mapping):
        return Feedback(False, f"give a dict from letter to True/False, got {type(answers).__name__}.")
    answers = by_letter(answers, "".join(CLAIMS))
    if answers is None:
        return Feedback(False, "two keys name the same letter; give each of a-e once.")
    missing = [k for k in CLAIMS if k not in answers]
    if missing:
        return Feedback(False, f"missing {', '.join(missing)}.")
    not_bool = [k for k in CLAIMS if not isinstance(answers[k], (bool, np.bool_))]
    if not_bool:
        return Feedback(False, f"answer True or False (not strings) for {', '.join(not_bool)}.")
    wrong = [k for k in CLAIMS if bool(answers[k]) != _TRUTH[k]]
    if not wrong:
        return Feedback(True, "all five. (a) and (c) are the chapter's §3.1 wording; (b) and (e) "
                              "correct it, and (d) is why schedules decay at all.")
    return Feedback(False, "; ".join(f"({k}) is {_TRUTH[k]}: {_WHY[k]}" for k in wrong) + ".")
