"""Tests of course_lib.schedules: known values, properties, and agreement with Keras.

Agreement with ``keras.optimizers.schedules``, twice over the same kind of random
configurations: 150 (25 per schedule, piecewise with 1 to 12 boundaries), each on a random
array of ~40 steps that includes 0, the multiples of ``decay_steps``, every boundary and the
steps beside it. In float64 (``to_keras(..., dtype="float64")``, the steps also up to 2**53):
relative 1e-12, see that test. In float32, as optimizers run them, tolerances stated:
* constant, exponential, inverse-time, piecewise: relative 2e-6. Their float32 error is
  multiplicative; for ``decay_rate ** (t / decay_steps)`` it grows with the exponent
  (~|p ln r| ulps; the largest seen over 3,000 trial configurations was 8.8e-7).
* linear and cosine: relative 1e-6 plus absolute 1e-6 x the schedule's peak rate, because
  both reach their end value by a subtraction (``1 - p``, ``1 + cos``) whose float32
  rounding is absolute (relative error up to ~1.5e-5 seen just before the end value 0).
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.schedules import (constant, cosine_decay, exponential_decay, inverse_time_decay,
                                  linear_decay, piecewise_constant)

KINDS = ("constant", "exponential_decay", "linear_decay", "inverse_time_decay",
         "piecewise_constant", "cosine_decay")
CONFIGS_PER_KIND = 25   # x 6 kinds = 150 random configurations


# --- known values, each derived by hand from the formula ------------------------------------

def test_exponential_decay_known_values():
    s = exponential_decay(0.1, 100, 0.96)
    assert s(250) == pytest.approx(0.1 * 0.96 ** 2.5, rel=1e-15)
    assert exponential_decay(0.1, 100, 0.96, staircase=True)(250) == pytest.approx(0.1 * 0.96 ** 2, rel=1e-15)


def test_linear_decay_reaches_the_end_value_then_stays():
    s = linear_decay(1.0, 10, end_learning_rate=0.1)
    np.testing.assert_allclose(s(np.array([0, 5, 10, 20])), [1.0, 0.55, 0.1, 0.1], rtol=1e-15)


def test_inverse_time_decay_known_values():
    s = inverse_time_decay(0.5, 10, 2.0)
    assert s(5) == pytest.approx(0.5 / (1 + 2.0 * 0.5), rel=1e-15)          # 0.25
    stairs = inverse_time_decay(0.5, 10, 2.0, staircase=True)
    assert stairs(5) == 0.5 and stairs(10) == pytest.approx(0.5 / 3, rel=1e-15)


def test_piecewise_constant_uses_keras_boundary_convention():
    # Keras: values[0] while step <= boundaries[0]; values[1] while b0 < step <= b1; ...
    s = piecewise_constant([10, 20], [1.0, 0.5, 0.1])
    np.testing.assert_array_equal(s(np.array([0, 10, 11, 20, 21, 1000])), [1.0, 1.0, 0.5, 0.5, 0.1, 0.1])


def test_cosine_decay_known_values():
    s = cosine_decay(1.0, 10, alpha=0.1)
    # at half way cos(pi/2) = 0: 0.9 * 0.5 * 1 + 0.1 = 0.55; at and after the end: alpha.
    np.testing.assert_allclose(s(np.array([0, 5, 10, 30])), [1.0, 0.55, 0.1, 0.1], rtol=1e-15)
    w = cosine_decay(0.0, 10, warmup_target=2.0, warmup_steps=4)
    # warmup: 0 -> 2 over 4 steps (0.5 per step); then decay from 2: half way at step 4 + 5.
    np.testing.assert_allclose(w(np.array([0, 2, 4, 9, 14, 100])), [0.0, 1.0, 2.0, 1.0, 0.0, 0.0],
                               rtol=1e-15, atol=1e-16)


def test_constant_and_return_types():
    s = constant(0.03)
    assert s(7) == 0.03 and isinstance(s(7), float)
    out = s(np.arange(4).reshape(2, 2))
    assert out.dtype == np.float64 and out.shape == (2, 2) and np.all(out == 0.03)
    assert s(np.array([], dtype=int)).shape == (0,)


def test_schedules_are_pure_and_immutable():
    s = exponential_decay(0.1, 10, 0.5)
    steps = np.arange(50)
    first = s(steps)
    np.testing.assert_array_equal(s(steps), first)
    np.testing.assert_array_equal(steps, np.arange(50))           # input untouched
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.name = "other"
    s.config["decay_rate"] = 0.9                                   # a copy: no effect
    np.testing.assert_array_equal(s(steps), first)
    assert s == exponential_decay(0.1, 10, 0.5) and s != exponential_decay(0.1, 10, 0.6)


def test_config_and_repr_round_trip():
    s = piecewise_constant((5, 9), (0.3, 0.2, 0.1))
    assert s.config == {"boundaries": [5, 9], "values": [0.3, 0.2, 0.1]}
    assert repr(s) == "piecewise_constant(boundaries=[5, 9], values=[0.3, 0.2, 0.1])"
    rebuilt = cosine_decay(**cosine_decay(0.0, 8, 0.1, warmup_target=1.0, warmup_steps=2).config)
    assert rebuilt == cosine_decay(0.0, 8, 0.1, warmup_target=1.0, warmup_steps=2)


@pytest.mark.parametrize("make, message", [
    (lambda: constant(0.0), "learning_rate must be a finite number > 0, got 0.0"),
    (lambda: constant(float("inf")), "learning_rate"),
    (lambda: exponential_decay(-0.1, 10, 0.5), "initial_learning_rate"),
    (lambda: exponential_decay(0.1, 0, 0.5), "decay_steps must be an integer >= 1 and <= 9007199254740992, got 0"),
    (lambda: exponential_decay(0.1, 2.5, 0.5), "decay_steps must be an integer"),
    (lambda: exponential_decay(0.1, 10, 0.0), "decay_rate must be a finite number > 0"),
    (lambda: exponential_decay(0.1, 10, 0.5, staircase="yes"), "staircase must be one of"),
    (lambda: inverse_time_decay(0.1, 10, -1.0), "decay_rate"),
    (lambda: inverse_time_decay(0.1, True, 1.0), "decay_steps"),
    (lambda: linear_decay(0.1, 10, end_learning_rate=-0.01), "end_learning_rate must be a finite number >= 0"),
    (lambda: piecewise_constant([], [0.1]), "non-empty, strictly increasing"),
    (lambda: piecewise_constant([5, 5], [0.1, 0.2, 0.3]), "strictly increasing"),
    (lambda: piecewise_constant([-1], [0.1, 0.2]), r"boundaries\[0\] must be an integer >= 0"),
    (lambda: piecewise_constant([5], [0.1]), "len\\(boundaries\\) \\+ 1 = 2"),
    (lambda: piecewise_constant([5], [0.1, 0.0]), r"values\[1\] must be a finite number > 0"),
    (lambda: piecewise_constant(5, [0.1, 0.2]), "boundaries must be a list"),
    (lambda: piecewise_constant({3, 1}, [0.1, 0.2, 0.3]), "boundaries must be a list"),   # no order
    (lambda: piecewise_constant(iter([3]), [0.1, 0.2]), "boundaries must be a list"),
    (lambda: piecewise_constant(range(10**30), [0.1]), "boundaries must hold at most 10001"),
    (lambda: piecewise_constant([2**53 + 1], [0.1, 0.2]), r"boundaries\[0\] must be an integer >= 0 and <="),
    (lambda: exponential_decay(0.1, 2**53 + 1, 0.5), "decay_steps must be an integer"),
    (lambda: cosine_decay(0.1, 10, alpha=1.5), "alpha must be a finite number >= 0 and <= 1"),
    (lambda: cosine_decay(0.1, 10, warmup_steps=5), "warmup_steps must be 0 when warmup_target is None"),
    (lambda: cosine_decay(0.0, 10), r"initial_learning_rate \(without a warmup_target\) must be a finite number > 0"),
    (lambda: cosine_decay(0.0, 10, warmup_target=0.1), "warmup_steps .* >= 1"),
    (lambda: cosine_decay(-0.1, 10, warmup_target=0.1, warmup_steps=3), "initial_learning_rate .* >= 0"),
    (lambda: cosine_decay(0.0, 10, warmup_target=0.0, warmup_steps=3), "warmup_target"),
])
def test_bad_arguments_raise_value_error(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


@pytest.mark.parametrize("step, message", [(-1, "step must be a finite number >= 0, got -1"),
                                           (np.array(-1), "step must be >= 0, got -1"),
                                           (np.array([3, -2]), "got -2"),
                                           (float("nan"), "finite"), ("a", "numeric")])
def test_bad_steps_raise_value_error(step, message):
    with pytest.raises(ValueError, match=message):
        linear_decay(0.1, 10)(step)


# --- properties over random inputs ----------------------------------------------------------

rates = st.floats(1e-5, 10.0)
decay_steps = st.integers(1, 500)
fractions = st.floats(0.01, 1.0)      # decay_rate <= 1, alpha, end / initial: a true decay


@st.composite
def decay_schedules(draw):
    """A random *decaying* schedule (cosine after its warmup), and where its decay starts."""
    kind = draw(st.sampled_from(KINDS[1:]))
    lr, d, f = draw(rates), draw(decay_steps), draw(fractions)
    if kind == "exponential_decay":
        return exponential_decay(lr, d, f, draw(st.booleans())), 0, lr
    if kind == "inverse_time_decay":
        return inverse_time_decay(lr, d, draw(st.floats(1e-3, 100.0)), draw(st.booleans())), 0, lr
    if kind == "linear_decay":
        return linear_decay(lr, d, end_learning_rate=lr * f * draw(st.sampled_from([0, 1]))), 0, lr
    if kind == "piecewise_constant":
        bounds = sorted(draw(st.sets(st.integers(0, 2000), min_size=1, max_size=5)))
        values = sorted(draw(st.lists(rates, min_size=len(bounds) + 1, max_size=len(bounds) + 1)),
                        reverse=True)
        return piecewise_constant(bounds, values), 0, values[0]
    if draw(st.booleans()):
        return cosine_decay(lr, d, alpha=f), 0, lr
    warm, start = draw(st.integers(1, 300)), draw(st.floats(0.0, 10.0))
    return cosine_decay(start, d, alpha=f, warmup_target=lr, warmup_steps=warm), warm, start


@settings(max_examples=200, deadline=None)
@given(decay_schedules(), st.lists(st.integers(0, 5000), min_size=2, max_size=30))
def test_a_decay_schedule_never_rises_and_starts_at_its_initial_value(case, steps):
    schedule, decay_start, initial = case
    assert schedule(0) == pytest.approx(initial, rel=1e-12, abs=1e-300)
    t = np.unique(np.concatenate([[decay_start], np.array(steps) + decay_start]))
    lr = schedule(t)
    assert np.all(np.diff(lr) <= 1e-12 * lr[:-1])      # never rises (rounding slack 1e-12)
    assert [schedule(int(k)) for k in t[:3]] == lr[:3].tolist()   # one step == same step in an array


@settings(max_examples=100, deadline=None)
@given(rates, decay_steps, st.floats(0.01, 5.0), st.integers(0, 50))
def test_staircase_and_continuous_agree_at_multiples_of_decay_steps(lr, d, rate, k):
    for factory in (exponential_decay, inverse_time_decay):
        stairs, smooth = factory(lr, d, rate, staircase=True), factory(lr, d, rate)
        assert stairs(k * d) == smooth(k * d)
        if d > 1:   # strictly inside a stair the staircase keeps the stair's value
            assert stairs(k * d + d - 1) == smooth(k * d)


# --- agreement with Keras on random configurations ------------------------------------------

def random_schedule(kind: str, rng: np.random.Generator):
    """A random configuration of ``kind``, its peak rate, and the steps worth visiting."""
    lr, d = float(10 ** rng.uniform(-4, 0)), int(rng.integers(1, 2000))
    special = [0, d, 2 * d, 3 * d, d - 1, d + 1]
    if kind == "constant":
        return constant(lr), lr, special
    if kind in ("exponential_decay", "inverse_time_decay"):
        rate = float(rng.uniform(0.05, 0.99)) if kind == "exponential_decay" else float(10 ** rng.uniform(-2, 1))
        factory = exponential_decay if kind == "exponential_decay" else inverse_time_decay
        return factory(lr, d, rate, staircase=bool(rng.integers(2))), lr, special
    if kind == "linear_decay":
        return linear_decay(lr, d, float(lr * rng.uniform(0, 1) * rng.integers(2))), lr, special
    if kind == "piecewise_constant":
        bounds = np.sort(rng.choice(5 * d + 12, size=rng.integers(1, 13), replace=False)).tolist()
        values = (10 ** rng.uniform(-4, 0, len(bounds) + 1)).tolist()
        near = [b + e for b in bounds for e in (-1, 0, 1)]
        return piecewise_constant(bounds, values), max(values), special + near
    if rng.integers(2):
        return cosine_decay(lr, d, float(rng.uniform(0, 0.5))), lr, special
    target, warm = float(10 ** rng.uniform(-4, 0)), int(rng.integers(1, 500))
    start = float(lr * rng.integers(2))                     # half the time warm up from 0
    schedule = cosine_decay(start, d, float(rng.uniform(0, 0.5)), warmup_target=target, warmup_steps=warm)
    return schedule, max(start, target), special + [warm - 1, warm, warm + 1, warm + d, warm + d + 1]


@pytest.mark.tf
def test_matches_keras_schedules_on_random_configurations():
    from course_lib.tf_twins.schedules import keras_learning_rates, to_keras
    rng = np.random.default_rng(83)
    for kind in KINDS:
        for _ in range(CONFIGS_PER_KIND):
            schedule, peak, special = random_schedule(kind, rng)
            d = schedule.config.get("decay_steps", 1000)
            steps = np.unique(np.concatenate([rng.integers(0, 6 * d + 10, 25), special]).clip(0))
            keras_schedule = to_keras(schedule)
            theirs = keras_learning_rates(keras_schedule, steps)
            if not isinstance(keras_schedule, float):
                assert keras_schedule(steps[0]).dtype == "float32"   # Keras really runs float32
            ours = schedule(steps)
            if kind in ("linear_decay", "cosine_decay"):
                np.testing.assert_allclose(theirs, ours, rtol=1e-6, atol=1e-6 * peak, err_msg=repr(schedule))
            else:
                np.testing.assert_allclose(theirs, ours, rtol=2e-6, atol=0, err_msg=repr(schedule))


@pytest.mark.tf
def test_to_keras_builds_the_matching_class_and_rejects_others():
    import keras
    from course_lib.tf_twins.schedules import to_keras
    ks = keras.optimizers.schedules
    poly = to_keras(linear_decay(0.1, 100, 0.01))
    assert isinstance(poly, ks.PolynomialDecay) and poly.power == 1.0 and poly.cycle is False
    assert isinstance(to_keras(cosine_decay(0.0, 10, warmup_target=0.1, warmup_steps=5)), ks.CosineDecay)
    assert isinstance(to_keras(piecewise_constant([3], [2, 1])), ks.PiecewiseConstantDecay)
    assert to_keras(constant(0.25)) == 0.25
    with pytest.raises(ValueError, match="must be a course_lib.schedules.Schedule"):
        to_keras(lambda step: 0.1)
    assert math.isclose(float(to_keras(inverse_time_decay(1.0, 1, 1.0))(3)), 0.25)


# --- float64 agreement, long step counts, many boundaries (issue 9, section 2) ----------------

BIG_STEPS = np.array([2**24 - 1, 2**24, 2**24 + 1, 2**31 + 7, 2**40 + 3, 2**53])


@pytest.mark.tf
def test_matches_keras_schedules_in_float64_on_random_configurations():
    # to_keras(..., dtype="float64") passes every rate as np.float64, so Keras computes in
    # float64 (checked below). Same formulas, so the only differences are TensorFlow's pow and
    # cos (an ulp or two) and its flush of subnormal results to 0: rtol 1e-12, plus absolute
    # 1e-12 x the peak rate for linear and cosine (their end value comes from a subtraction,
    # 1 - p or 1 + cos) and 2.2e-308 (the smallest normal float64) for the others. Steps: the
    # boundaries and the ends of decay, and 2**24 + 1 (not a float32), 2**31 + 7, 2**40 + 3, 2**53.
    from course_lib.tf_twins.schedules import keras_learning_rates, to_keras
    rng = np.random.default_rng(64)
    for kind in KINDS:
        for _ in range(CONFIGS_PER_KIND):
            schedule, peak, special = random_schedule(kind, rng)
            d = schedule.config.get("decay_steps", 1000)
            steps = np.unique(np.concatenate([rng.integers(0, 6 * d + 10, 25), special, BIG_STEPS]).clip(0))
            keras_schedule = to_keras(schedule, dtype="float64")
            theirs = keras_learning_rates(keras_schedule, steps)
            assert theirs.dtype == np.float64, repr(schedule)
            atol = 1e-12 * peak if kind in ("linear_decay", "cosine_decay") else np.finfo(np.float64).tiny
            np.testing.assert_allclose(theirs, schedule(steps), rtol=1e-12, atol=atol, err_msg=repr(schedule))


@pytest.mark.tf
@pytest.mark.parametrize("n_boundaries", [5, 8, 17])
def test_piecewise_constant_with_many_boundaries_matches_keras_exactly(n_boundaries):
    # Keras sums one masked term per interval; each step falls in exactly one, so the result is
    # that interval's value, bit for bit, in float64 (and float32-rounded in float32).
    from course_lib.tf_twins.schedules import keras_learning_rates, to_keras
    rng = np.random.default_rng(n_boundaries)
    bounds = np.sort(rng.choice(2**40, size=n_boundaries, replace=False)).tolist()
    values = (10 ** rng.uniform(-5, 0, n_boundaries + 1)).tolist()
    schedule = piecewise_constant(bounds, values)
    steps = np.unique(np.concatenate([[0], [b + e for b in bounds for e in (-1, 0, 1)], BIG_STEPS]).clip(0))
    expected = np.array([values[sum(1 for b in bounds if t > b)] for t in steps])   # by the rule
    np.testing.assert_array_equal(schedule(steps), expected)
    np.testing.assert_array_equal(keras_learning_rates(to_keras(schedule, dtype="float64"), steps), expected)
    np.testing.assert_array_equal(keras_learning_rates(to_keras(schedule), steps), expected.astype(np.float32))


def test_long_step_counts_known_values():
    # exact in float64 up to 2**53; by hand: (2**24 + 1) / 2**24 = 1 + 2**-24 (not a float32)
    t = 2**24 + 1
    assert exponential_decay(1.0, 2**24, 0.5)(t) == pytest.approx(0.5 ** (1 + 2**-24), rel=1e-15)
    assert exponential_decay(1.0, 2**24, 0.5, staircase=True)(t) == 0.5
    assert linear_decay(1.0, 2**25, end_learning_rate=0.0)(t) == pytest.approx(0.5 - 2**-25, rel=1e-15)
    assert piecewise_constant([2**24], [1.0, 0.5])(np.array([2**24, t])).tolist() == [1.0, 0.5]
    assert inverse_time_decay(1.0, 1, 1.0)(2**53) == pytest.approx(2.0**-53, rel=1e-15)
    assert cosine_decay(1.0, 2**40)(2**39) == pytest.approx(0.5, rel=1e-15)
    with pytest.raises(ValueError, match="no finite learning rate at step 1e\\+06"):
        exponential_decay(0.1, 10, 2.0)(np.array([0, 10**6]))   # 2**100000 overflows


# --- defaults: each Keras-named default is Keras's own -----------------------------------------

def test_linear_decay_default_end_rate_is_keras_1e_4():
    # a decision (issue 9, section 5): PolynomialDecay's end_learning_rate default is 1e-4, and
    # linear_decay follows it; by hand, (0.1 - 1e-4) * (1 - 5/10) + 1e-4 = 0.05005 at half way
    s = linear_decay(0.1, 10)
    assert s.config["end_learning_rate"] == 1e-4
    assert s(5) == pytest.approx(0.05005, rel=1e-15) and s(10) == s(10**6) == pytest.approx(1e-4, rel=1e-15)


@pytest.mark.tf
def test_every_schedule_default_is_keras_own_default():
    import inspect

    import keras
    ks = keras.optimizers.schedules
    pairs = [(exponential_decay, ks.ExponentialDecay, ("staircase",)),
             (inverse_time_decay, ks.InverseTimeDecay, ("staircase",)),
             (linear_decay, ks.PolynomialDecay, ("end_learning_rate",)),
             (cosine_decay, ks.CosineDecay, ("alpha", "warmup_target", "warmup_steps"))]
    for ours, theirs, names in pairs:
        mine, keras_sig = inspect.signature(ours).parameters, inspect.signature(theirs).parameters
        for name in names:
            assert mine[name].default == keras_sig[name].default, (ours.__name__, name)
    # and the Keras object built from our defaults has Keras's defaults in its config
    built = to_keras_defaults()
    assert built["end_learning_rate"] == ks.PolynomialDecay(0.1, 10).get_config()["end_learning_rate"]


def to_keras_defaults():
    from course_lib.tf_twins.schedules import to_keras
    return to_keras(linear_decay(0.1, 10)).get_config()


@pytest.mark.parametrize("make", [lambda: exponential_decay(0.1, 10, 0.5, staircase=np.array([True, False])),
                                  lambda: inverse_time_decay(0.1, 10, 0.5, staircase=np.array(["min", "max"])),
                                  lambda: exponential_decay(0.1, 10, 0.5, staircase=[True]),
                                  lambda: inverse_time_decay(0.1, 10, 0.5, staircase=1)])
def test_a_choice_given_an_array_or_a_number_is_a_clear_error(make):
    # not numpy's "truth value of an array is ambiguous", and 1 is not True
    with pytest.raises(ValueError, match="^staircase must be one of False, True, got"):
        make()


@pytest.mark.parametrize("rule, message", [
    (lambda t: None, "must be numeric"), (lambda t: t > 1, "booleans"), (lambda t: -t - 1, "negative"),
    (lambda t: np.ones(2), "one rate per step"), (lambda t: 1 / 0, "ZeroDivisionError"),
    (lambda t: np.exp(800.0 + t), "no finite learning rate at step 0"),
])
def test_a_hand_made_schedule_with_a_bad_rule_says_so(rule, message):
    from course_lib.schedules import Schedule
    with pytest.raises((ValueError, TypeError), match=message):
        Schedule("mine", (), rule)(np.arange(3))
    with pytest.raises(TypeError, match="^rule must be callable"):
        Schedule("mine", (), 0.1)


def test_limits_and_messages_exactly():
    from course_lib.schedules import MAX_BOUNDARIES, Schedule
    assert exponential_decay(0.1, 2**53, 0.5).config["decay_steps"] == 2**53          # the limit itself
    assert piecewise_constant([0, 2**53], [0.3, 0.2, 0.1])(2**53) == 0.2
    assert cosine_decay(0.0, 10, warmup_target=0.1, warmup_steps=2**53)(2**52) == pytest.approx(0.05, rel=1e-15)
    with pytest.raises(ValueError, match=r"^warmup_steps must be an integer >= 0 and <= 9007199254740992, got "):
        cosine_decay(0.1, 10, warmup_steps=2**53 + 1)
    n = MAX_BOUNDARIES
    many = piecewise_constant(list(range(n)), [1.0] * (n + 1))
    assert many(n + 5) == 1.0
    with pytest.raises(ValueError, match=f"^boundaries must hold at most {n + 1} integers"):
        piecewise_constant(list(range(n + 2)), [1.0] * (n + 3))
    with pytest.raises(ValueError, match=r"^boundaries must be a list of integers, got an array of shape \(1, 2\)$"):
        piecewise_constant(np.array([[1, 2]]), [0.3, 0.2, 0.1])
    assert piecewise_constant(np.array([1, 2]), np.array([0.3, 0.2, 0.1]))(2) == 0.2   # 1-d arrays are lists
    with pytest.raises(ValueError, match=r"^step must be >= 0, got -0\.5$"):
        constant(0.1)(np.array([0.0, -0.5]))
    assert constant(0.1)(0) == 0.1 and constant(0.1)(np.array([0.0])).tolist() == [0.1]
    zero = Schedule("zero", (), lambda t: np.zeros_like(t))          # a rate of 0 is allowed
    assert zero(3) == 0.0
    with pytest.raises(ValueError, match=r"^zero\(\) gives a negative learning rate at step 2: its rule must "
                                         r"return rates >= 0$"):
        Schedule("zero", (), lambda t: -(t == 2).astype(float))(np.arange(4))
    with pytest.raises(TypeError, match=r"^step must be a number or an array of numbers, got booleans: True$"):
        constant(0.1)(True)
    with pytest.raises(TypeError, match="^name must be a schedule's name"):
        Schedule("not a name", (), lambda t: t)
    with pytest.raises(TypeError, match=r"^arguments must be a tuple of \(name, value\) pairs"):
        Schedule("x", (("a",),), lambda t: t)


# --- names: each factory's repr and config use Keras's argument names (to_keras passes them on)

@pytest.mark.parametrize("schedule, text", [
    (constant(0.5), "constant(learning_rate=0.5)"),
    (exponential_decay(0.5, 10, 0.25, True),
     "exponential_decay(initial_learning_rate=0.5, decay_steps=10, decay_rate=0.25, staircase=True)"),
    (inverse_time_decay(0.5, 10, 0.25),
     "inverse_time_decay(initial_learning_rate=0.5, decay_steps=10, decay_rate=0.25, staircase=False)"),
    (linear_decay(0.5, 10, 0.25), "linear_decay(initial_learning_rate=0.5, decay_steps=10, end_learning_rate=0.25)"),
    (cosine_decay(0.5, 10, 0.25),
     "cosine_decay(initial_learning_rate=0.5, decay_steps=10, alpha=0.25, warmup_target=None, warmup_steps=0)"),
    (piecewise_constant([3], [0.5, 0.25]), "piecewise_constant(boundaries=[3], values=[0.5, 0.25])"),
])
def test_repr_and_config_use_keras_names(schedule, text):
    assert repr(schedule) == text


@pytest.mark.parametrize("factory, kwargs, name", [
    (constant, {"learning_rate": None}, "learning_rate"),
    (exponential_decay, {"initial_learning_rate": None, "decay_steps": 10, "decay_rate": 0.5}, "initial_learning_rate"),
    (exponential_decay, {"initial_learning_rate": 0.1, "decay_steps": None, "decay_rate": 0.5}, "decay_steps"),
    (exponential_decay, {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": None}, "decay_rate"),
    (inverse_time_decay, {"initial_learning_rate": None, "decay_steps": 10, "decay_rate": 0.5}, "initial_learning_rate"),
    (inverse_time_decay, {"initial_learning_rate": 0.1, "decay_steps": None, "decay_rate": 0.5}, "decay_steps"),
    (inverse_time_decay, {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": None}, "decay_rate"),
    (linear_decay, {"initial_learning_rate": None, "decay_steps": 10}, "initial_learning_rate"),
    (linear_decay, {"initial_learning_rate": 0.1, "decay_steps": None}, "decay_steps"),
    (cosine_decay, {"initial_learning_rate": 0.1, "decay_steps": None}, "decay_steps"),
    (cosine_decay, {"initial_learning_rate": 0.1, "decay_steps": 10, "warmup_target": None, "warmup_steps": None},
     "warmup_steps"),
    (cosine_decay, {"initial_learning_rate": 0.1, "decay_steps": 10, "warmup_target": "x", "warmup_steps": 2},
     "warmup_target"),
    (cosine_decay, {"initial_learning_rate": 0.1, "decay_steps": 10, "warmup_target": 0.2, "warmup_steps": 0},
     r"warmup_steps \(with a warmup_target\)"),
    (piecewise_constant, {"boundaries": [1], "values": None}, "values"),
    (piecewise_constant, {"boundaries": None, "values": [0.1, 0.2]}, "boundaries"),
])
def test_each_argument_is_named_in_its_error(factory, kwargs, name):
    with pytest.raises((ValueError, TypeError), match=f"^{name} must"):
        factory(**kwargs)


def test_messages_of_lists_steps_and_rules():
    with pytest.raises(TypeError, match=r"^values must be a list of learning rates, got None$"):
        piecewise_constant([1], None)
    with pytest.raises(ValueError, match=r"^boundaries must hold at most 10001 integers, got range\(0, "):
        piecewise_constant(range(10**30), [0.1])
    with pytest.raises(ValueError, match=r"^step must be numeric"):
        constant(0.1)(None)
    s = constant(0.25)
    assert type(s(np.array(3))) is float and s(np.array(3)) == 0.25      # a 0-d step gives a float
    assert s(np.array([1, 2], dtype=np.int64)).dtype == np.float64
    from course_lib.schedules import Schedule
    with pytest.raises(ValueError, match=r"^the rule of mine\(\) failed on step \(shape \(3,\)\): "
                                         r"ZeroDivisionError: division by zero$"):
        Schedule("mine", (), lambda t: 1 / 0)(np.arange(3))
    with pytest.raises(ValueError, match=r"^the rates that the rule of mine returned must be numeric"):
        Schedule("mine", (), lambda t: None)(np.arange(3))
    with pytest.raises(TypeError, match=r"^name must be a schedule's name \(an identifier\), got 3$"):
        Schedule(3, (), lambda t: t)
    with pytest.raises(TypeError, match=r"^arguments must be a tuple of \(name, value\) pairs, got \[\]$"):
        Schedule("x", [], lambda t: t)
    with pytest.raises(TypeError, match=r"^rule must be callable .*got 0\.1$"):
        Schedule("x", (), 0.1)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # overflow and inf * 0 in a rule: our error, no numpy warning
        with pytest.raises(ValueError, match="no finite learning rate"):
            exponential_decay(0.1, 1, 10.0)(np.array([1e6]))
        with pytest.raises(ValueError, match="no finite learning rate"):
            Schedule("mine", (), lambda t: np.inf * t)(np.arange(2))


def test_cosine_warmup_from_a_nonzero_start_by_hand():
    # 0.1 -> 0.5 over 4 steps: 0.1 + 0.4 * t / 4 ; at t = 2: 0.3
    s = cosine_decay(0.1, 10, warmup_target=0.5, warmup_steps=4)
    np.testing.assert_allclose(s(np.array([0, 2, 4])), [0.1, 0.3, 0.5], rtol=1e-15)
