"""Checks for the exercises of notebook 05 (scheduling by time and by performance; gradient clipping)."""
from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping

import numpy as np

from course_lib._checks import check_int
from course_lib.exercises import (Feedback, as_number, as_text, as_whole, by_letter, describe_error, echo,
                                  not_answered)

#: Exercise 1: Keras ``InverseTimeDecay(0.1, decay_steps=100, decay_rate=0.5)`` at step 450.
INVERSE_TIME = {"initial_learning_rate": 0.1, "decay_steps": 100, "decay_rate": 0.5, "step": 450}

#: Exercise 2: halve the learning rate every 10 epochs, 1,600 samples, batch size 32.
PER_STEP = {"epochs_per_halving": 10, "n_samples": 1600, "batch_size": 32}

#: Exercise 3: a validation-loss curve replayed through ReduceLROnPlateau.
PLATEAU = {"val_loss": [1.00, 0.80, 0.795, 0.792, 0.70, 0.705, 0.71, 0.73, 0.74, 0.68, 0.685, 0.69],
           "factor": 0.5, "patience": 2, "min_delta": 0.01, "cooldown": 2}

#: Exercise 4: each statement is about "clipping" or "scheduling".
STATEMENTS = {
    "a": "limits the length of the gradient vector before the update",
    "b": "halves the learning rate when the validation loss has stopped improving",
    "c": "keeps one rare, huge gradient from throwing the weights far away",
    "d": "is what the chapter's §3.4 (学习率裁剪) is really about",
    "e": "depends on the epoch number or on the validation curve",
    "f": "decides from the current step's gradient alone, and leaves a short gradient as it is",
}
_KINDS = {"a": "clipping", "b": "scheduling", "c": "clipping", "d": "scheduling",
          "e": "scheduling", "f": "clipping"}
#: why each statement belongs where it does (shown for the statements labelled wrong)
_WHY = {
    "a": "a: changing the gradient vector itself is clipping.",
    "b": "b: a rate cut driven by the validation curve is performance-based scheduling.",
    "c": "c: surviving rare, huge gradients is what clipping is for.",
    "d": "d: §3.4 adjusts the learning rate by training time and by the performance curve: "
         "scheduling, whatever the word 裁剪 suggests.",
    "e": "e: step or epoch counters and validation curves drive schedules; clipping never reads them.",
    "f": "f: a schedule never reads the gradient; clipping reads only the current step's gradient, "
         "and a gradient shorter than the threshold passes unchanged.",
}


def check_inverse_time_lr(answer: float | None) -> Feedback:
    """Exercise 1: the learning rate of inverse-time decay at step 450 (continuous, not staircase).

    >>> check_inverse_time_lr(0.1 / 3.25).ok
    True
    """
    if answer is None:
        return not_answered("Compute 0.1 / (1 + 0.5 * 450 / 100) and give it as a number.")
    value = as_number(answer)
    if value is None:
        return Feedback(False, f"give a number (a float), got {echo(answer)}.")
    c = INVERSE_TIME
    t = c["step"] / c["decay_steps"]
    right = c["initial_learning_rate"] / (1 + c["decay_rate"] * t)
    if math.isclose(value, right, rel_tol=1e-3):
        return Feedback(True, f"lr = 0.1 / (1 + 0.5 * 4.5) = {right:.6f}; the rate has fallen to "
                              "1/3.25 of its start, slower and slower (like 1/t), never to zero.")
    near = {
        "staircase": c["initial_learning_rate"] / (1 + c["decay_rate"] * math.floor(t)),
        "exponential": c["initial_learning_rate"] * c["decay_rate"] ** t,
        "inverted": c["initial_learning_rate"] * (1 + c["decay_rate"] * t),
    }
    if math.isclose(value, near["staircase"], rel_tol=1e-3):
        return Feedback(False, "that is the staircase value (floor(450/100) = 4); the continuous "
                               "schedule uses t / decay_steps = 4.5.")
    if math.isclose(value, near["exponential"], rel_tol=1e-3):
        return Feedback(False, "that is exponential decay, 0.1 * 0.5**4.5; inverse-time decay "
                               "divides by (1 + decay_rate * t / decay_steps).")
    if math.isclose(value, near["inverted"], rel_tol=1e-3):
        return Feedback(False, "you multiplied by (1 + 0.5 * 4.5); the schedule divides by it.")
    return Feedback(False, f"not {value:g}: use lr = initial / (1 + decay_rate * step / decay_steps).")


def check_decay_steps(answer: int | None) -> Feedback:
    """Exercise 2: ``decay_steps`` of a per-step schedule meant to halve the rate every 10 epochs.

    >>> check_decay_steps(500).ok
    True
    """
    if answer is None:
        return not_answered("Count the optimizer steps in 10 epochs (steps per epoch = samples / batch).")
    value = as_number(answer)
    if value is None:
        return Feedback(False, f"give a whole number of steps, got {echo(answer)}.")
    c = PER_STEP
    per_epoch = math.ceil(c["n_samples"] / c["batch_size"])
    right = c["epochs_per_halving"] * per_epoch
    if value == right:
        return Feedback(True, f"{per_epoch} steps per epoch x 10 epochs = {right} steps: Keras "
                              "calls a schedule with the optimizer's step count, not the epoch.")
    if value == c["epochs_per_halving"]:
        return Feedback(False, f"10 is in epochs, but the schedule is called every step: it would "
                               f"halve every 10 steps, {per_epoch} times too fast.")
    if value == per_epoch:
        return Feedback(False, f"{per_epoch} is one epoch of steps; the rate must halve every 10 epochs.")
    if value == c["n_samples"] * c["epochs_per_halving"]:
        return Feedback(False, "that counts samples; one step processes a whole batch of 32.")
    return Feedback(False, f"not {value:g}: steps per epoch = 1600 / 32; how many in 10 epochs?")


def check_plateau_epochs(answer: list[int] | None) -> Feedback:
    """Exercise 3: the epochs (0-based) at whose end ReduceLROnPlateau lowers the rate.

    >>> check_plateau_epochs([3, 6, 11]).ok
    True
    """
    if answer is None:
        return not_answered("List the 0-based epochs at whose end the rate is reduced, e.g. [4, 9].")
    given = _epoch_list(answer)
    if given is None:
        return Feedback(False, f"give a list of whole epoch numbers, got {echo(answer)}.")
    right = _plateau_reductions(**PLATEAU)
    if given == right:
        return Feedback(True, f"reductions at the end of epochs {right}: 0.795 and 0.792 are no "
                              "improvement (not below best - 0.01), and with cooldown=2 the epoch "
                              "right after a reduction does not count towards the patience.")
    if given == [e + 1 for e in right]:
        return Feedback(False, "those are 1-based (Keras's printout counts from 1); give 0-based epochs.")
    if given == _plateau_reductions(**{**PLATEAU, "cooldown": 0}):
        return Feedback(False, "that ignores the cooldown: with cooldown=2, Keras holds the wait "
                               "counter at 0 in the epoch right after a reduction.")
    if given == _plateau_reductions(**{**PLATEAU, "cooldown": PLATEAU["cooldown"] + 1}):
        return Feedback(False, "that pauses cooldown=2 whole epochs after each cut, as PyTorch's "
                               "ReduceLROnPlateau does. Keras pauses cooldown - 1 = 1: its counter "
                               "reaches 0 in the second epoch after a cut, and that epoch already "
                               "counts towards the patience (so the second cut comes at the end of "
                               "epoch 6, not 7).")
    if given == _plateau_reductions(**{**PLATEAU, "min_delta": 0.0}):
        return Feedback(False, "that ignores min_delta: 0.795 < 0.80 is not an improvement, because "
                               "an improvement must beat the best by more than 0.01.")
    return Feedback(False, f"not {given}: track best, wait and cooldown epoch by epoch.")


def _epoch_list(answer) -> list[int] | None:
    """The answer as a sorted list of whole numbers (a list, tuple, set, array or generator of
    at most 100 of them), or None."""
    if isinstance(answer, (str, bytes, Mapping)) or not hasattr(answer, "__iter__"):
        return None
    try:
        items = list(itertools.islice(answer, 101))
    except Exception:  # an iterator that raises
        return None
    epochs = [as_whole(e) for e in items]
    if len(epochs) > 100 or None in epochs:
        return None
    return sorted(epochs)


def _plateau_reductions(val_loss, factor, patience, min_delta, cooldown) -> list[int]:
    """The epochs at whose end Keras's rule cuts the rate (``course_lib.plateau``)."""
    from course_lib.plateau import plateau_learning_rates

    _, cuts = plateau_learning_rates(val_loss, 1.0, factor=factor, patience=patience,
                                     min_delta=min_delta, cooldown=cooldown)
    return [int(e) for e in cuts]


def check_clipping_or_scheduling(answers: dict[str, str] | None) -> Feedback:
    """Exercise 4: label each statement of ``STATEMENTS`` "clipping" or "scheduling".

    >>> check_clipping_or_scheduling({"a": "clipping"}).ok
    False
    """
    if answers is None:
        return not_answered('Map each letter a-f to "clipping" or "scheduling".')
    if not isinstance(answers, Mapping):
        return Feedback(False, f"give a dict such as {{'a': 'clipping', ...}}, got {type(answers).__name__}.")
    answers = by_letter(answers, "".join(_KINDS))
    if answers is None:
        return Feedback(False, "two keys name the same letter; label each of a-f once.")
    missing = [k for k in _KINDS if k not in answers]
    if missing:
        return Feedback(False, f"missing {', '.join(missing)}; label all six statements.")
    norm = {k: as_text(v) for k, v in answers.items()}
    odd = [k for k in _KINDS if norm[k] not in ("clipping", "scheduling")]
    if odd:
        return Feedback(False, f'{", ".join(odd)}: answer "clipping" or "scheduling".')
    wrong = [k for k in _KINDS if norm[k] != _KINDS[k]]
    if wrong:
        return Feedback(False, f"{', '.join(wrong)} not right yet: clipping changes the gradient of "
                               "one step; scheduling changes the learning rate over training. "
                        + " ".join(_WHY[k] for k in wrong))
    return Feedback(True, "clipping bounds each step's gradient; scheduling sets the learning rate "
                          "from the step, the epoch or the validation curve. §3.4 is scheduling.")


def check_clip_by_norm(fn: Callable[[np.ndarray, float], np.ndarray] | None, seed: int = 0) -> Feedback:
    """Exercise 5: ``fn(g, clip_norm)`` must equal ``tf.clip_by_norm`` on random gradients.

    >>> from course_lib.clipping import clip_by_norm
    >>> check_clip_by_norm(clip_by_norm).ok
    True
    """
    check_int("seed", seed, low=0)
    if fn is None:
        return not_answered("Write my_clip_by_norm(g, clip_norm) and pass the function itself.")
    if not callable(fn):
        return Feedback(False, f"pass the function itself (no parentheses), got {type(fn).__name__}.")
    from course_lib.clipping import clip_by_norm

    rng = np.random.default_rng(seed)
    cases = [(np.array([3.0, 4.0]), 1.0), (np.array([0.3, 0.4]), 1.0)]
    cases += [(rng.normal(size=rng.integers(1, 6)) * 10 ** rng.uniform(-2, 2), float(rng.uniform(0.1, 3)))
              for _ in range(20)]
    for g, c in cases:
        try:
            out = fn(g.copy(), c)
            if out is None:
                return not_answered("your function returns None: return the clipped array.")
            got = np.asarray(out, dtype=float)
        except Exception as exc:  # the learner's code: report, don't crash the notebook
            return Feedback(False, f"your function raised {describe_error(exc)}.")
        want = clip_by_norm(g, c)
        if got.shape != g.shape:
            return Feedback(False, f"the result must keep the gradient's shape {g.shape}, got {got.shape}.")
        if not np.allclose(got, want, rtol=1e-9, atol=1e-12):
            return Feedback(False, _clip_hint(g, c, got))
    return Feedback(True, "g * c / max(||g||, c): long gradients are scaled to length c, short ones "
                          "left alone, and the direction never changes.")


def _clip_hint(g: np.ndarray, c: float, got: np.ndarray) -> str:
    norm = float(np.linalg.norm(g))
    if norm <= c and np.isclose(np.linalg.norm(got), c):
        return (f"a gradient already shorter than clip_norm (||g|| = {norm:.3g} <= {c:.3g}) must be "
                "left unchanged; you stretched it to length clip_norm.")
    if norm > c and np.allclose(got, g):
        return f"||g|| = {norm:.3g} > clip_norm = {c:.3g}, but you returned g unchanged."
    if norm > c and np.allclose(got, np.clip(g, -c, c)):
        return "that clips each entry (clip by value); clip by norm rescales the whole vector."
    return (f"for g with norm {norm:.3g} and clip_norm {c:.3g} you returned norm "
            f"{np.linalg.norm(got):.3g}; expected g * c / max(||g||, c).")
