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
from test_exercises_common import every_message_reads_well  # noqa: F401 - the fixture below

pytestmark = pytest.mark.usefixtures("every_message_reads_well")

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


# ---- every accepted form, every kind of wrong answer ------------------------------------------

HINT_WORDS = {"a": "SGD minimizes the training loss", "c": "changing the model",
              "d": "quantization", "e": "picking a hyperparameter", "f": "measuring the final model"}
OTHER_ROLE = {"a": "evaluation", "b": "tuning", "c": "evaluation", "d": "tuning", "e": "evaluation",
              "f": "tuning"}


@pytest.mark.parametrize("letter", sorted(RIGHT_ROLES))
def test_roles_each_single_wrong_letter_is_named(letter):
    fb = nb01.check_roles({**RIGHT_ROLES, letter: OTHER_ROLE[letter]})
    assert fb.ok is False and fb.message.startswith(f"({letter}) ")
    assert HINT_WORDS.get(letter, "not right yet") in fb.message
    assert [f"({k})" in fb.message for k in RIGHT_ROLES].count(True) == 1     # only that one


def test_roles_accepts_letter_keys_written_like_the_options():
    assert nb01.check_roles({f"({k})": v for k, v in RIGHT_ROLES.items()}).ok is True
    assert nb01.check_roles({k.upper(): v for k, v in RIGHT_ROLES.items()}).ok is True
    fb = nb01.check_roles({**RIGHT_ROLES, "(a)": "tuning"})                      # a given twice
    assert fb.ok is False and "same letter" in fb.message


def test_roles_swapped_pairs_and_the_two_optimizations():
    swapped = {**RIGHT_ROLES, "a": "optimization (efficiency)", "d": "optimization (loss)"}
    fb = nb01.check_roles(swapped)
    assert fb.ok is False and "(a)" in fb.message and "(d)" in fb.message
    fb = nb01.check_roles({**RIGHT_ROLES, "b": "tuning", "e": "evaluation"})
    assert fb.ok is False and "(b) not right yet" in fb.message and "(e)" in fb.message
    fb = nb01.check_roles({**RIGHT_ROLES, "d": "optimization", "a": "optimisation"})
    assert fb.ok is False and fb.message.startswith("a, d: which sense")


@pytest.mark.parametrize("value", [None, 3, float("nan"), ["tuning"], "", "training"])
def test_roles_unreadable_values(value):
    fb = nb01.check_roles({**RIGHT_ROLES, "c": value})
    assert fb.ok is False and fb.message.startswith("c: answer one of evaluation, tuning")


@pytest.mark.parametrize("epoch", [5, 5.0, "5", np.int64(5), np.float64(5.0)])
@pytest.mark.parametrize("gap", [0.20, 0.2049, 0.1951, "0.2", np.float32(0.2)])
def test_best_epoch_every_form_and_the_edges_of_the_tolerance(epoch, gap):
    # gap = val_loss[4] - loss[4] = 0.42 - 0.22 = 0.20, accepted within 0.005 (2 decimals)
    assert nb01.check_best_epoch(epoch, gap).ok is True


@pytest.mark.parametrize("gap", [0.2051, 0.1949, 0.21, 0.19, 0.25, 0.0, 0.42, 0.22])
def test_best_epoch_gap_just_outside_the_tolerance(gap):
    # 0.2051 is 0.0051 away: refused now, accepted by a tolerance loosened tenfold (0.05)
    fb = nb01.check_best_epoch(5, gap)
    assert fb.ok is False and "the epoch is right" in fb.message


@pytest.mark.parametrize("gap, words", [(-0.2, "sign"), (-0.2049, "sign"), (0.44, "last epoch"),
                                        (0.4449, "last epoch"), (0.4351, "last epoch"), (-0.1949, "the epoch is right"),
                                        (0.4349, "the epoch is right"), (0.4451, "the epoch is right")])
def test_best_epoch_gap_near_misses_have_their_own_tolerance(gap, words):
    fb = nb01.check_best_epoch(5, gap)
    assert fb.ok is False and words in fb.message


@pytest.mark.parametrize("epoch, words", [
    (4, "index in the list"), (6, "not the lowest"), (3, "not the lowest"), (1, "not the lowest"),
    (8, "training* loss"), (7, "not the lowest"), (0, "not the lowest"), (9, "not the lowest"),
    (-1, "not the lowest")])
def test_best_epoch_wrong_epochs(epoch, words):
    fb = nb01.check_best_epoch(epoch, 0.20)
    assert fb.ok is False and words in fb.message


def test_best_epoch_index_message_names_the_right_epoch():
    assert "the best epoch is 5" in nb01.check_best_epoch(4, 0.2).message


@pytest.mark.parametrize("epoch, gap", [
    (0.20, 5), (5.5, 0.2), (True, 0.2), (5, True), (float("nan"), 0.2), (5, float("nan")),
    (5, float("inf")), (10**400, 0.2), ([5], 0.2), (5, [0.2]), ((5, 0.2), 0.2), (5, "a lot")])
def test_best_epoch_wrong_types(epoch, gap):
    fb = nb01.check_best_epoch(epoch, gap)
    assert fb.ok is False and "give a whole number and a number" in fb.message


def test_best_epoch_placeholders():
    for epoch, gap in [(None, 0.2), (5, None), (None, None)]:
        fb = nb01.check_best_epoch(epoch, gap)
        assert fb.ok is False and fb.message.startswith("no answer yet. Give the epoch")


@pytest.mark.parametrize("answer", ["c", "C", "(c)", "c)", " (C). ", np.str_("c")])
def test_what_to_report_accepts_the_letter_as_the_options_print_it(answer):
    fb = nb01.check_what_to_report(answer)
    assert fb.ok is True and "unbiased" in fb.message


@pytest.mark.parametrize("answer, words", [
    ("(a)", "chosen* by the test set"), ("B", "optimistic"), ("d)", "average quality"),
    ("cat", "one letter"), ("e", "one letter"), ("", "one letter"), (3, "one letter"),
    (["c"], "one letter"), (float("nan"), "one letter"), (True, "one letter"), ("(c) (d)", "one letter"),
    ("the test accuracy of the model with the best validation accuracy", "one letter")])
def test_what_to_report_wrong(answer, words):
    fb = nb01.check_what_to_report(answer)
    assert fb.ok is False and words in fb.message


def test_standardize_placeholders_and_shapes_are_not_right():
    for fn in (None, "scale", 3):
        assert nb01.check_standardize(fn).ok is False
    fb = nb01.check_standardize(lambda a, b: (a, b))                           # unscaled
    assert fb.ok is False and "not yet" in fb.message
    fb = nb01.check_standardize(lambda a, b: _scale(a, b, a)[::-1])           # swapped outputs
    assert fb.ok is False and "shaped like the inputs" in fb.message
    fb = nb01.check_standardize(lambda a, b: (_scale(a, b, a)[0] * 1.01, _scale(a, b, a)[1]))
    assert fb.ok is False                                                      # 1 % off: not allclose
