"""Fuzz specs of the exercise checks and their shared helpers (tests/fuzz_api.py states the contract).

A check is stricter than the rest of the API: whatever the learner passes, it answers with a
:class:`Feedback` (never an exception, not even a clear one) whose message is at most
``MAX_MESSAGE`` characters. Only the checks' own settings (``seed``) may raise, and then a clear
``ValueError``/``TypeError`` naming them. Each check's valid call is its right answer, so ``ok``
also requires the verdict ``True`` there, derived independently in tests/test_exercises_nb*.py.
"""
from __future__ import annotations

import math

import numpy as np
from test_exercises_nb07 import _keras_rule  # one transcription of Keras's rule
from fuzz_api import Spec, fuzz_tests

from course_lib import exercises
from course_lib.clipping import clip_by_norm
from course_lib.exercises import MAX_MESSAGE, Feedback, nb00, nb01, nb02, nb03, nb04, nb05, nb06, nb07
from course_lib.regularization import soft_threshold
from course_lib.widgets.regularization import ridge


class CheckRaised(Exception):
    """A check raised: the harness reports it as an obscure exception (checks never raise)."""


def never_raises(check, settings=()):
    """Call ``check``; an exception is a failure unless it is a clear error naming a setting."""
    def call(**kwargs):
        try:
            return check(**kwargs)
        except (ValueError, TypeError) as exc:
            if any(str(exc).startswith(name) for name in settings):
                raise
            raise CheckRaised(f"{check.__name__} raised {type(exc).__name__}: {exc}") from exc
        except Exception as exc:
            raise CheckRaised(f"{check.__name__} raised {type(exc).__name__}: {exc}") from exc
    return call


def feedback_ok(right: dict):
    """``ok`` for a check whose valid arguments are ``right`` (the right answer, by identity)."""
    def ok(kwargs, result):
        assert isinstance(result, Feedback), f"a check returned {type(result).__name__}, not Feedback"
        assert isinstance(result.ok, bool) and isinstance(result.message, str)
        assert 0 < len(result.message) <= MAX_MESSAGE
        if all(kwargs.get(k) is v for k, v in right.items()):
            assert result.ok is True, f"the right answer was refused: {result!r}"
    return ok


def check_spec(check, right: dict, settings: dict | None = None) -> Spec:
    settings = settings or {}
    names = {k: (k,) for k in settings}
    return Spec(f"{check.__module__}.{check.__name__}", call=never_raises(check, tuple(settings)),
                valid=lambda: {**right, **settings}, names=names, ok=feedback_ok(right))




def _gradient_descent(grad, theta, learning_rate, tol, max_steps):
    for step in range(max_steps + 1):
        if np.linalg.norm(grad(theta)) <= tol:
            return theta, step, True
        if step < max_steps:
            theta = theta - learning_rate * grad(theta)
    return theta, max_steps, False


def _minibatches(n, batch_size, rng):
    order = rng.permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def _standardize(a, b):
    std = np.where(a.std(0) > 0, a.std(0), 1.0)
    return (a - a.mean(0)) / std, (b - a.mean(0)) / std


# Right answers, by hand (see each tests/test_exercises_nbXX.py for the derivation).
GLOSSARY = {"早停": "early stopping", "正则化": "regularization", "随机梯度下降": "stochastic gradient descent (SGD)",
            "学习率": "learning rate", "泛化误差": "generalization error"}
ROLES = {"a": "optimization (loss)", "b": "evaluation", "c": "tuning", "d": "optimization (efficiency)",
         "e": "tuning", "f": "evaluation"}
KERAS = {"exponential": "ExponentialDecay", "linear": "PolynomialDecay", "inverse time": "InverseTimeDecay",
         "step": "PiecewiseConstantDecay", "cosine": "CosineDecay"}
CLAIMS = {"a": False, "b": True, "c": False, "d": True, "e": True}
COUNTS = {"updates": 160, "gradient_evaluations": 5000}
LABELS = {"a": "clipping", "b": "scheduling", "c": "clipping", "d": "scheduling", "e": "scheduling",
          "f": "clipping"}
PLATEAU_CUTS = [3, 6, 11]
STOP_BEST = (6, 3)
RESTORED = {True: 3, False: 6}
LAMBDA_MAX = 7 + math.sqrt(41)


CHECK_SPECS = [
    check_spec(nb00.check_glossary, {"answers": GLOSSARY}),
    check_spec(nb00.check_which_descent, {"answer": "mini-batch"}),
    check_spec(nb01.check_roles, {"answers": ROLES}),
    check_spec(nb01.check_best_epoch, {"epoch": 5, "gap": 0.20}),
    check_spec(nb01.check_what_to_report, {"answer": "(c)"}),
    check_spec(nb01.check_standardize, {"fn": _standardize}),
    check_spec(nb02.check_exponential_rates, {"staircase": 0.1 * 0.96**5, "continuous": 0.1 * 0.96**5.5}),
    check_spec(nb02.check_linear_decay,
               {"schedule": lambda t: 0.099 * (1 - np.minimum(t, 1000) / 1000) + 0.001}),
    check_spec(nb02.check_keras_names, {"answers": KERAS}),
    check_spec(nb02.check_claims, {"answers": CLAIMS}),
    check_spec(nb03.check_stable_learning_rate, {"answer": 2 / LAMBDA_MAX}),
    check_spec(nb03.check_steps_to_converge, {"answer": 66}),
    check_spec(nb03.check_gradient_descent, {"func": _gradient_descent}),
    check_spec(nb04.check_counts, {"answer": COUNTS}),
    check_spec(nb04.check_batch_variance, {"answer": 4 / 16 * 240 / 255}),
    check_spec(nb04.check_minibatches, {"func": _minibatches}),
    check_spec(nb05.check_inverse_time_lr, {"answer": 0.1 / 3.25}),
    check_spec(nb05.check_decay_steps, {"answer": 500}),
    check_spec(nb05.check_plateau_epochs, {"answer": PLATEAU_CUTS}),
    check_spec(nb05.check_clipping_or_scheduling, {"answers": LABELS}),
    check_spec(nb05.check_clip_by_norm, {"fn": clip_by_norm}, settings={"seed": 0}),
    check_spec(nb06.check_keras_l2, {"answer": 2.5e-4}),
    check_spec(nb06.check_soft_threshold, {"fn": soft_threshold}),
    check_spec(nb06.check_lambda_choice, {"answer": 1e-3}),
    check_spec(nb06.check_faq_claim, {"answer": "b"}),
    check_spec(nb06.check_ridge, {"fn": ridge}),
    check_spec(nb07.check_stop_and_best, {"answer": STOP_BEST}),
    check_spec(nb07.check_patience_counts, {"answer": "epochs"}),
    check_spec(nb07.check_restored_weights, {"answer": RESTORED}),
    check_spec(nb07.check_stopping_rule, {"fn": _keras_rule}, settings={"seed": 0}),
]


def _reader_ok(kind):
    def ok(kwargs, result):
        assert result is None or isinstance(result, kind), result
        if isinstance(result, float):
            assert math.isfinite(result)
    return ok


def _echo_ok(kwargs, result):
    assert isinstance(result, str) and len(result) <= kwargs["limit"]


def _no_answer_ok(kwargs, result):
    assert isinstance(result, Feedback) and result.ok is False
    assert result.message == "no answer yet. " + kwargs["hint"] or result.message.endswith("[... cut]")


def _error_text_ok(kwargs, result):
    # "ValueError: " + the message cut to limit characters
    assert isinstance(result, str) and len(result) <= len(type(kwargs["exc"]).__name__) + 2 + kwargs["limit"]


def _feedback_fields_ok(kwargs, result):
    assert isinstance(result, Feedback) and result.ok is bool(kwargs["ok"])
    assert result.message == kwargs["message"][:MAX_MESSAGE] or result.message.endswith("[... cut]")


HELPER_SPECS = [
    Spec("course_lib.exercises.Feedback", call=lambda **kw: Feedback(**kw),
         valid=lambda: {"ok": False, "message": "not yet: try again."}, ok=_feedback_fields_ok,
         extra_bad={"message": ["m" * 10**6]}),
    Spec("course_lib.exercises.not_answered", call=lambda **kw: exercises.not_answered(**kw),
         valid=lambda: {"hint": "Give a number."},
         ok=_no_answer_ok),
    Spec("course_lib.exercises.as_number", call=lambda **kw: exercises.as_number(**kw),
         valid=lambda: {"answer": "0.5"}, ok=_reader_ok(float)),
    Spec("course_lib.exercises.as_whole", call=lambda **kw: exercises.as_whole(**kw),
         valid=lambda: {"answer": 5.0}, ok=_reader_ok(int)),
    Spec("course_lib.exercises.as_text", call=lambda **kw: exercises.as_text(**kw),
         valid=lambda: {"answer": " Early Stopping ", "limit": 200}, ok=_reader_ok(str)),
    Spec("course_lib.exercises.as_letter", call=lambda **kw: exercises.as_letter(**kw),
         valid=lambda: {"answer": "(c)", "letters": "abcd"}, ok=_reader_ok(str),
         extra_bad={"letters": ["ABC", "a b", "é"]}),
    Spec("course_lib.exercises.by_letter", call=lambda **kw: exercises.by_letter(**kw),
         valid=lambda: {"answers": {"(a)": 1, "B": 2}, "letters": "abc"}, ok=_reader_ok(dict),
         extra_bad={"answers": [{"a": 1, "(a)": 2}, {object(): 1}]}),
    Spec("course_lib.exercises.echo", call=lambda **kw: exercises.echo(**kw),
         valid=lambda: {"answer": "x" * 1000, "limit": 60}, ok=_echo_ok),
    Spec("course_lib.exercises.describe_error", call=lambda **kw: exercises.describe_error(**kw),
         valid=lambda: {"exc": ValueError("v" * 1000), "limit": 200},
         ok=_error_text_ok),
]

SPECS = CHECK_SPECS + HELPER_SPECS
test_fuzz = fuzz_tests(SPECS)


# ---- notebook 08 (appended with it): right answers derived in tests/test_exercises_nb08.py -------
import pytest  # noqa: E402
from test_exercises_nb08 import _log_uniform, _repaired_loop  # noqa: E402

from course_lib.exercises import nb08  # noqa: E402

CONFIDENT_MISTAKE = (100.0, 16.118)
CURVE_FIXES = {"a": 1, "b": 2, "c": 3}
CALLBACK_EPOCHS = ([4, 7, 9], 10)

NB08_SPECS = [
    check_spec(nb08.check_confident_mistake, {"answer": CONFIDENT_MISTAKE}),
    check_spec(nb08.check_read_the_curves, {"answers": CURVE_FIXES}),
    check_spec(nb08.check_callback_epochs, {"answer": CALLBACK_EPOCHS}),
    check_spec(nb08.check_log_uniform, {"fn": _log_uniform}),
    # runs TensorFlow on a tiny problem for a callable answer (the first call also imports it)
    Spec("course_lib.exercises.nb08.check_repaired_loop", call=never_raises(nb08.check_repaired_loop),
         valid=lambda: {"fn": _repaired_loop}, ok=feedback_ok({"fn": _repaired_loop}), max_examples=5,
         timeout=120.0, marks=(pytest.mark.tf,)),
]
SPECS += NB08_SPECS
test_fuzz_nb08 = fuzz_tests(NB08_SPECS)
