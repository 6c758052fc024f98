"""Checks for the exercises of notebook 04 (stochastic and mini-batch gradient descent).

Expected values are computed here from their formulas, so the checks can name the usual
near misses: a dropped last batch, sampling with replacement, an unshuffled epoch.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping

import numpy as np

from course_lib.exercises import Feedback, as_number, as_whole, describe_error, echo, not_answered

#: Exercise 1: the training run whose cost is counted.
N_SAMPLES, BATCH_SIZE, EPOCHS = 1000, 32, 5
#: Exercise 2: per-sample gradient variance about the full gradient, batch size and set size.
SIGMA2, VAR_BATCH, VAR_N = 4.0, 16, 256


def check_counts(answer: dict | None) -> Feedback:
    """Exercise 1: ``{"updates": ..., "gradient_evaluations": ...}`` for 1000 samples, batch 32, 5 epochs.

    >>> check_counts({"updates": 160, "gradient_evaluations": 5000}).ok
    True
    """
    if answer is None:
        return not_answered('Fill {"updates": ..., "gradient_evaluations": ...} (whole numbers).')
    if not isinstance(answer, Mapping) or set(answer) != {"updates", "gradient_evaluations"}:
        return Feedback(False, 'give a dict with exactly the keys "updates" and "gradient_evaluations".')
    updates, evaluations = as_whole(answer["updates"]), as_whole(answer["gradient_evaluations"])
    if updates is None or evaluations is None:
        return Feedback(False, "both counts are whole numbers.")
    per_epoch = math.ceil(N_SAMPLES / BATCH_SIZE)
    problems = []
    if updates == (N_SAMPLES // BATCH_SIZE) * EPOCHS:
        problems.append(f"{N_SAMPLES} = 31 × 32 + 8: the last, smaller batch of 8 samples is still an update "
                        "(Keras keeps it), so there are 32 updates per epoch")
    elif updates == per_epoch:
        problems.append("that is one epoch's updates; the run has 5 epochs")
    elif updates != per_epoch * EPOCHS:
        problems.append("updates = (batches per epoch) × epochs, with batches per epoch = ceil(N / B)")
    if evaluations == per_epoch * BATCH_SIZE * EPOCHS:
        problems.append("the last batch holds only 8 samples: every sample is used exactly once per epoch")
    elif evaluations != N_SAMPLES * EPOCHS:
        problems.append("each epoch evaluates the gradient of every sample once")
    if problems:
        return Feedback(False, "; ".join(problems) + ".")
    return Feedback(True, f"{per_epoch} updates per epoch × {EPOCHS} = {per_epoch * EPOCHS} updates, and "
                          f"{N_SAMPLES} × {EPOCHS} = {N_SAMPLES * EPOCHS} per-sample gradients — the same "
                          "work as 5 full-batch steps, spent on 32× more updates.")


def check_batch_variance(answer) -> Feedback:
    """Exercise 2: variance of a batch-16 gradient drawn without replacement from 256 samples, sigma^2 = 4.

    ``Var = sigma^2 / B * (N - B) / (N - 1) = 4 / 16 * 240 / 255``.

    >>> check_batch_variance(4 / 16 * 240 / 255).ok
    True
    """
    if answer is None:
        return not_answered("Use Var = σ²/B · (N − B)/(N − 1) for a batch drawn without replacement.")
    value, s2, b, n = as_number(answer), SIGMA2, VAR_BATCH, VAR_N
    if value is None:
        return Feedback(False, f"give one number, got {echo(answer)}.")
    expected = s2 / b * (n - b) / (n - 1)
    if math.isclose(value, expected, rel_tol=1e-3):
        return Feedback(True, f"{expected:.4f}: averaging B = {b} samples divides the variance by {b}, "
                              "and drawing them without replacement removes a further "
                              f"{1 - (n - b) / (n - 1):.1%}.")
    near = {s2 / b: "that is the variance with replacement; an epoch's batches are drawn without "
                    "replacement: multiply by (N − B)/(N − 1).",
            s2 / math.sqrt(b): "σ²/√B is off: the *standard deviation* shrinks like 1/√B, the variance "
                               "like 1/B.",
            s2: "that is one sample's variance: a batch averages B of them.",
            s2 / b * (n - b) / n: "close: the finite-population factor is (N − B)/(N − 1), "
                                  "not (N − B)/N."}
    for candidate, message in near.items():
        if math.isclose(value, candidate, rel_tol=1e-3):
            return Feedback(False, message)
    return Feedback(False, "not yet: start from σ²/B and correct for drawing without replacement.")


def check_minibatches(func: Callable | None) -> Feedback:
    """Exercise 3: ``minibatches(n, batch_size, rng) -> list of index arrays`` for one epoch.

    >>> check_minibatches(lambda n, b, rng: np.array_split(rng.permutation(n), range(b, n, b))).ok
    True
    """
    if func is None:
        return not_answered("Define minibatches(n, batch_size, rng) returning a list of index arrays.")
    if not callable(func):
        return Feedback(False, f"pass the function itself (no parentheses), got a {type(func).__name__}.")
    try:
        batches = _index_arrays(func(10, 4, np.random.default_rng(0)))
        again = _index_arrays(func(10, 4, np.random.default_rng(0)))
        big = _index_arrays(func(100, 100, np.random.default_rng(1)))
    except Exception as exc:  # the learner's code may raise anything; report it, don't crash
        return Feedback(False, f"your function raised {describe_error(exc)}.")
    if batches is None or again is None or big is None:
        return Feedback(False, "return a list of 1-d arrays of whole-number indices, one per batch "
                               "(at most n of them).")
    return _judge_batches(batches, again, np.concatenate(big) if big else np.array([], dtype=int))


def _index_arrays(result) -> list[np.ndarray] | None:
    """The learner's batches as 1-d integer arrays (at most 200 of them), or None."""
    if result is None or isinstance(result, (str, bytes, Mapping)) or not hasattr(result, "__iter__"):
        return None
    batches = list(itertools.islice(result, 201))
    out = []
    for batch in batches:
        arr = np.asarray(batch)
        if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
            return None
        out.append(arr.astype(int))
    return out if len(out) <= 200 else None


def _judge_batches(batches, again, big) -> Feedback:
    flat = np.concatenate(batches) if batches else np.array([], dtype=int)
    sizes = [len(b) for b in batches]
    if len(flat) < 10 and sorted(sizes) == [4, 4]:
        return Feedback(False, "the last 2 samples are missing: keep the last, smaller batch (sizes 4, 4, 2).")
    if len(np.unique(flat)) < len(flat) or len(flat) != 10:
        return Feedback(False, "every sample must appear exactly once per epoch: shuffle a permutation "
                               "(rng.permutation), don't draw with replacement (rng.integers / rng.choice).")
    if sorted(flat.tolist()) != list(range(10)):
        return Feedback(False, "the indices must be 0 .. n-1.")
    if sizes != [4, 4, 2]:
        return Feedback(False, f"with n = 10 and batch_size = 4 the sizes are [4, 4, 2], got {sizes}.")
    if np.array_equal(big, np.arange(100)):
        return Feedback(False, "the order is not shuffled: use rng.permutation(n) so each epoch visits the "
                               "samples in a new random order.")
    if not all(np.array_equal(a, b) for a, b in zip(batches, again)):
        return Feedback(False, "the same rng seed must give the same batches: draw from the rng you are "
                               "given, not from np.random or a new generator.")
    return Feedback(True, "one shuffled pass, every sample once, the last batch smaller, reproducible "
                          "from the rng: what model.fit(shuffle=True) does each epoch.")
