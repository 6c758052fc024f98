"""Exercise checks of notebook 02: right answers pass, typical wrong answers get their own message.

Right answers, by hand:
1. ExponentialDecay(0.1, 100, 0.96) at step 550: staircase 0.1 * 0.96**floor(5.5) = 0.1 * 0.96**5
   = 0.0815373 (to 6 digits); continuous 0.1 * 0.96**5.5 = 0.0798898.
2. PolynomialDecay(0.1, 1000, 0.001), power 1: (0.1 - 0.001) * (1 - min(t, 1000)/1000) + 0.001,
   so 0.0505 at step 500 and 0.001 from step 1000 on.
3. Keras 3's keras.optimizers.schedules: ExponentialDecay, PolynomialDecay (power=1 is linear),
   InverseTimeDecay, PiecewiseConstantDecay, CosineDecay.
4. (a) false, (b) true, (c) false, (d) true, (e) true -- see notebook 02's pitfalls section.
"""
import numpy as np
import pytest

from course_lib.exercises import nb02
from test_exercises_common import every_message_reads_well  # noqa: F401 - the fixture below

pytestmark = pytest.mark.usefixtures("every_message_reads_well")


def test_exponential_rates_right_and_rounded():
    assert nb02.check_exponential_rates(0.0815373, 0.0798898).ok
    assert nb02.check_exponential_rates(0.08154, 0.07989).ok      # 4 significant digits


@pytest.mark.parametrize("s, c, words", [
    (0.0798898, 0.0815373, "swapped"), (0.0815373, 0.0815373, "5.5"), (0.0798898, 0.0798898, "floor"),
    (0.1 * 0.96**550, 0.1 * 0.96**550, "not the step itself"), (0.08, 0.078, "linear decrease"),
    (0.5, 0.5, "not yet"), ("x", 0.1, "give two numbers"), (None, 0.07989, "no answer yet")])
def test_exponential_rates_near_misses(s, c, words):
    fb = nb02.check_exponential_rates(s, c)
    assert not fb.ok and words in fb.message


def test_linear_decay_accepts_a_right_function():
    assert nb02.check_linear_decay(lambda t: 0.099 * (1 - np.minimum(t, 1000) / 1000) + 0.001).ok
    assert nb02.check_linear_decay(lambda t: np.interp(t, [0, 1000], [0.1, 0.001])).ok


@pytest.mark.parametrize("fn, words", [
    (lambda t: 0.099 * (1 - t / 1000) + 0.001, "clamp"),
    (lambda t: 0.1 * (1 - np.minimum(t, 1000) / 1000), "decays to 0"),
    (lambda t: 0.001 + 0.099 * np.minimum(t, 1000) / 1000, "wrong way"),
    (lambda t: 0.1 * 0.5 ** (t / 1000), "at step 500"),
    (lambda t: max(0.001, 0.1 - 0.000099 * t), "failed"),
    (lambda t: 0.05, "must return 8 rates"),
    (0.05, "function itself"), (None, "no answer yet")])
def test_linear_decay_wrong_functions(fn, words):
    fb = nb02.check_linear_decay(fn)
    assert not fb.ok and words in fb.message


RIGHT_NAMES = {"exponential": "ExponentialDecay", "linear": "PolynomialDecay", "inverse time": "InverseTimeDecay",
               "step": "PiecewiseConstantDecay", "cosine": "CosineDecay"}


def test_keras_names():
    assert nb02.check_keras_names(RIGHT_NAMES).ok
    dotted = {k: f"keras.optimizers.schedules.{v}" for k, v in RIGHT_NAMES.items()}
    assert nb02.check_keras_names(dotted).ok
    fb = nb02.check_keras_names({**RIGHT_NAMES, "linear": "LinearDecay"})
    assert not fb.ok and "PolynomialDecay with power=1.0" in fb.message
    fb = nb02.check_keras_names({**RIGHT_NAMES, "step": "StepDecay"})
    assert not fb.ok and "piecewise-constant" in fb.message
    assert "missing cosine" in nb02.check_keras_names({k: RIGHT_NAMES[k] for k in list(RIGHT_NAMES)[:4]}).message
    assert "give a dict" in nb02.check_keras_names(["ExponentialDecay"]).message
    assert "no answer yet" in nb02.check_keras_names(None).message


def test_claims():
    right = {"a": False, "b": True, "c": False, "d": True, "e": True}
    assert nb02.check_claims(right).ok
    fb = nb02.check_claims({**right, "a": True, "c": True})
    assert not fb.ok and "(a) is False" in fb.message and "warmup raises it" in fb.message
    assert "not strings" in nb02.check_claims({**right, "b": "True"}).message
    assert "missing e" in nb02.check_claims({k: right[k] for k in "abcd"}).message
    assert "no answer yet" in nb02.check_claims(None).message


# ---- tolerances, forms, and every kind of wrong answer ----------------------------------------

STAIR, CONT = 0.1 * 0.96**5, 0.1 * 0.96**5.5        # by hand: floor(550/100) = 5, 550/100 = 5.5


@pytest.mark.parametrize("s, c", [
    (STAIR, CONT), (STAIR * 1.0009, CONT * 0.9991), (str(STAIR), str(CONT)),
    (np.float32(STAIR), np.float64(CONT)), ("0.08154", "0.07989"),
    (0.0815, 0.0799)])                                    # 3 digits: 0.05 % and 0.01 % off
def test_exponential_rates_accepted_forms_and_tolerance(s, c):
    assert nb02.check_exponential_rates(s, c).ok is True


@pytest.mark.parametrize("s, c, words", [
    (STAIR * 1.0011, CONT, "continuous value is right"),     # 0.11 % off: outside 0.1 %
    (STAIR, CONT * 0.9989, "staircase value is right"),
    (STAIR * 1.0011, CONT * 1.0011, "not yet"),
])
def test_exponential_rates_just_outside_the_tolerance(s, c, words):
    # 0.11 % off is refused now and accepted by a tolerance loosened tenfold (1 %)
    fb = nb02.check_exponential_rates(s, c)
    assert fb.ok is False and words in fb.message


@pytest.mark.parametrize("s, c", [(True, CONT), (STAIR, float("nan")), ([STAIR], CONT), (STAIR, "fast"),
                                  (float("inf"), CONT), ((STAIR, CONT), CONT)])
def test_exponential_rates_wrong_types(s, c):
    fb = nb02.check_exponential_rates(s, c)
    assert fb.ok is False and "give two numbers" in fb.message


def test_exponential_rates_other_schedules_named():
    # the exponent without dividing by decay_steps, for either value
    assert "not the step itself" in nb02.check_exponential_rates(STAIR * 2, 0.1 * 0.96**550).message
    # linear: 0.1 * (1 - 0.04 * 5.5) in the continuous slot
    assert "linear decrease" in nb02.check_exponential_rates(0.5, 0.1 * (1 - 0.04 * 5.5)).message
    # the rate of step 600 (the next staircase step) is not the staircase value of step 550
    fb = nb02.check_exponential_rates(0.1 * 0.96**6, CONT)
    assert fb.ok is False and "continuous value is right" in fb.message
    assert nb02.check_exponential_rates(STAIR, None).message.startswith("no answer yet. Give both")


def keras_linear(t):
    """PolynomialDecay(0.1, 1000, 0.001), power 1, written from Keras's formula."""
    return (0.1 - 0.001) * (1 - np.minimum(t, 1000) / 1000) + 0.001


def test_linear_decay_tolerance_is_tight():
    assert nb02.check_linear_decay(lambda t: keras_linear(t) * (1 + 5e-7)).ok is True
    # 3e-6 relative: outside rtol 1e-6, inside a tenfold looser one
    fb = nb02.check_linear_decay(lambda t: keras_linear(t) * (1 + 3e-6))
    assert fb.ok is False


@pytest.mark.parametrize("fn, words", [
    (lambda t: keras_linear(np.minimum(t, 999)), "at step 500"),          # one step short
    (lambda t: keras_linear(t + 1), "at step 500"),                        # off by one step
    (lambda t: np.where(t > 1000, 0.002, keras_linear(t)), "stay at 0.001 (got 0.002"),
    (lambda t: [0.1] * 8, "at step 500"), (lambda t: None, "8 rates"), (lambda t: "fast", "failed"),
    (lambda t: np.ones((8, 1)), "8 rates"), (lambda t: keras_linear(t)[:7], "8 rates"),
    (print, "8 rates"), (3, "function itself"), ("linear", "function itself"),
])
def test_linear_decay_more_wrong_functions(fn, words):
    fb = nb02.check_linear_decay(fn)
    assert fb.ok is False and words in fb.message


def test_linear_decay_messages_quote_the_values():
    fb = nb02.check_linear_decay(lambda t: 0.099 * (1 - t / 1000) + 0.001)
    assert "got -0.395 at step 5000" in fb.message        # 0.099 * (1 - 5) + 0.001
    fb = nb02.check_linear_decay(lambda t: 0.1 * 0.5 ** (t / 1000))
    assert "should be 0.050500, got 0.0707107" in fb.message   # 0.099 * 0.5 + 0.001; 0.1 / sqrt 2


@pytest.mark.parametrize("names", [
    {k: v.lower() for k, v in RIGHT_NAMES.items()},
    {k: f"{v}()" for k, v in RIGHT_NAMES.items()},
    {k: f"  tf.keras.optimizers.schedules.{v} " for k, v in RIGHT_NAMES.items()},
    {**RIGHT_NAMES, "extra": None},
])
def test_keras_names_accepted_forms(names):
    assert nb02.check_keras_names(names).ok is True


@pytest.mark.parametrize("key", sorted(RIGHT_NAMES))
def test_keras_names_each_single_wrong_name(key):
    fb = nb02.check_keras_names({**RIGHT_NAMES, key: "CosineDecayRestarts"})
    assert fb.ok is False and fb.message.startswith(f"{key} not right yet")


def test_keras_names_swapped_and_unreadable():
    fb = nb02.check_keras_names({**RIGHT_NAMES, "exponential": "InverseTimeDecay",
                                 "inverse time": "ExponentialDecay"})
    assert fb.ok is False and fb.message == "exponential, inverse time not right yet."
    fb = nb02.check_keras_names({**RIGHT_NAMES, "linear": "linear"})
    assert "no LinearDecay" in fb.message
    for value in (None, 3, float("nan"), ["ExponentialDecay"]):
        fb = nb02.check_keras_names({**RIGHT_NAMES, "cosine": value})
        assert fb.ok is False and fb.message.startswith("cosine not right yet")
    assert "(" not in nb02.check_keras_names({**RIGHT_NAMES, "cosine": "Cos"}).message   # no hint


RIGHT_CLAIMS = {"a": False, "b": True, "c": False, "d": True, "e": True}   # see the module docstring


@pytest.mark.parametrize("letter", sorted(RIGHT_CLAIMS))
def test_claims_each_single_flip_is_explained(letter):
    fb = nb02.check_claims({**RIGHT_CLAIMS, letter: not RIGHT_CLAIMS[letter]})
    assert fb.ok is False and fb.message.startswith(f"({letter}) is {RIGHT_CLAIMS[letter]}: ")
    assert fb.message.count(") is ") == 1


def test_claims_forms():
    assert nb02.check_claims({k: np.bool_(v) for k, v in RIGHT_CLAIMS.items()}).ok is True
    assert nb02.check_claims({f"({k})": v for k, v in RIGHT_CLAIMS.items()}).ok is True
    assert nb02.check_claims({k.upper(): v for k, v in RIGHT_CLAIMS.items()}).ok is True
    all_flipped = nb02.check_claims({k: not v for k, v in RIGHT_CLAIMS.items()})
    assert all_flipped.ok is False and all_flipped.message.count(") is ") == 5
    for value in (1, 0, "False", None, float("nan")):
        fb = nb02.check_claims({**RIGHT_CLAIMS, "c": value})
        assert fb.ok is False and "answer True or False (not strings) for c" in fb.message
    fb = nb02.check_claims({**RIGHT_CLAIMS, "(b)": False})
    assert fb.ok is False and "same letter" in fb.message
    assert "give a dict" in nb02.check_claims([False, True]).message
