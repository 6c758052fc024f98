"""Exercise checks of notebook 01: right answers pass, typical wrong answers get their own message.

Right answers, by hand:
1. (a) SGD on the training loss: optimization (loss); (b) validation accuracy: evaluation;
   (c) more hidden units after reading the curves: tuning; (d) int8 weights for speed:
   optimization (efficiency); (e) picking a learning rate by validation loss: tuning;
   (f) the final test accuracy: evaluation.
2. val_loss = [1.05, 0.66, 0.50, 0.44, 0.42, 0.43, 0.47, 0.52] is lowest at index 4 (0.42), which
   is epoch 5 counting from 1 as Keras prints; loss[4] = 0.22, so the gap there is 0.42 - 0.22 = 0.20
   (at the last epoch, 8: 0.52 - 0.08 = 0.44). The training loss is lowest at epoch 8.
3. (c): the model chosen on validation, measured once on the untouched test set.
4. Training mean and std (std 0 -> 1 for constant features) applied to both arrays; the sample
   std (ddof=1) is accepted too, with a note on the n / (n - 1) difference.
"""
import numpy as np
import pytest

from course_lib.exercises import nb01

RIGHT_ROLES = {"a": "optimization (loss)", "b": "evaluation", "c": "tuning",
               "d": "optimization (efficiency)", "e": "tuning", "f": "evaluation"}


def test_roles():
    assert nb01.check_roles(RIGHT_ROLES).ok
    short = {"a": "optimization: minimizing the loss", "b": "Evaluation", "c": "tuning", "d": "efficiency",
             "e": "Tuning", "f": "eval"}
    assert nb01.check_roles(short).ok


@pytest.mark.parametrize("change, words", [
    ({"a": "optimization"}, "which sense"), ({"e": "evaluation"}, "picking a hyperparameter"),
    ({"d": "optimization (loss)"}, "quantization"), ({"a": "training"}, "answer one of"),
])
def test_roles_wrong(change, words):
    fb = nb01.check_roles({**RIGHT_ROLES, **change})
    assert not fb.ok and words in fb.message


def test_roles_bad_shapes():
    assert "missing f" in nb01.check_roles({k: v for k, v in RIGHT_ROLES.items() if k != "f"}).message
    assert "give a dict" in nb01.check_roles(["tuning"]).message
    assert "no answer yet" in nb01.check_roles(None).message


@pytest.mark.parametrize("epoch, gap, ok, words", [
    (5, 0.20, True, "starts to overfit"), (5, 0.2004, True, "0.20"),
    (4, 0.20, False, "count from 1"), (8, 0.44, False, "training* loss"),
    (2, 0.2, False, "not the lowest"), (5, -0.20, False, "sign"), (5, 0.44, False, "last epoch"),
    (5, 0.3, False, "the epoch is right"),
    ("four", 0.2, False, "whole number"), (None, None, False, "no answer yet")])
def test_best_epoch(epoch, gap, ok, words):
    fb = nb01.check_best_epoch(epoch, gap)
    assert fb.ok is ok and words in fb.message


@pytest.mark.parametrize("answer, ok, words", [
    ("c", True, "unbiased"), (" C) ", True, "unbiased"), ("a", False, "chosen* by the test set"),
    ("b", False, "optimistic"), ("d", False, "average quality"), ("z", False, "one letter"),
    (None, False, "no answer yet")])
def test_what_to_report(answer, ok, words):
    fb = nb01.check_what_to_report(answer)
    assert fb.ok is ok and words in fb.message


def _scale(a, b, ref):
    std = np.where(ref.std(0) > 0, ref.std(0), 1.0)
    return (a - ref.mean(0)) / std, (b - ref.mean(0)) / std


def test_standardize_right():
    assert nb01.check_standardize(lambda a, b: _scale(a, b, a)).ok

    def with_course_lib(a, b):
        from course_lib.data import Standardizer
        s = Standardizer.fit(a)
        return s.transform(a), s.transform(b)
    assert nb01.check_standardize(with_course_lib).ok


def test_standardize_with_the_sample_std_passes_with_a_note():
    def sample_std(a, b):
        std = np.where(a.std(0, ddof=1) > 0, a.std(0, ddof=1), 1.0)
        return (a - a.mean(0)) / std, (b - a.mean(0)) / std
    fb = nb01.check_standardize(sample_std)
    # sqrt(40 / 39) - 1 = 0.0127 for the check's 40 rows; sqrt(1079 / 1078) - 1 = 0.00046
    assert fb.ok and "ddof=1" in fb.message and "1.3 %" in fb.message and "0.05 %" in fb.message


@pytest.mark.parametrize("fn, words", [
    (lambda a, b: ((a - a.mean(0)) / a.std(0), (b - a.mean(0)) / a.std(0)), "constant feature"),
    (lambda a, b: (_scale(a, b, a)[0], _scale(b, b, b)[0]), "its own statistics"),
    (lambda a, b: _scale(a, b, np.r_[a, b]), "leaks"),
    (lambda a, b: (a - a.mean(0), b - a.mean(0)), "not yet"),
    (lambda a, b: (a,), "failed"),
    (lambda a, b: (a[:, :2], b), "shaped like the inputs"),
    ("scale", "function itself"), (None, "no answer yet")])
def test_standardize_wrong(fn, words):
    fb = nb01.check_standardize(fn)
    assert not fb.ok and words in fb.message
