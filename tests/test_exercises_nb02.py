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
