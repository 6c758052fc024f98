"""Tests of course_lib.clipping: known values, properties, and agreement with TensorFlow.

Tolerances of the TensorFlow agreement tests (stated here, used below):
* tf.clip_by_value / tf.clip_by_norm / tf.clip_by_global_norm run in float64 on the same
  random inputs: relative 1e-12 per entry (the only difference is summation order).
* keras.optimizers.SGD(learning_rate=1) with clipvalue / clipnorm / global_clipnorm runs in
  float32 (Keras's variable dtype). The numpy side gets the same float32-rounded gradients
  (as float64), so only the arithmetic differs: relative 1e-6 per entry (~8 float32 ulps;
  the largest error seen over these cases is ~1.6e-7).
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from course_lib.clipping import (apply_keras_clipping, clip_by_global_norm, clip_by_norm,
                                 clip_by_value, global_norm)

N_TF_CASES = 100          # random gradient lists compared with the tf.* operations
N_KERAS_CASES = 40        # ... and with a Keras optimizer, for each of the 3 arguments


# --- known values, each derived by hand -----------------------------------------------------

def test_clip_by_value_cuts_each_entry():
    out = clip_by_value(np.array([-3.0, -0.5, 0.0, 0.7, 9.0]), -1.0, 0.5)
    np.testing.assert_array_equal(out, [-1.0, -0.5, 0.0, 0.5, 0.5])


def test_clip_by_norm_3_4_5_triangle():
    # ||(3, 4)|| = 5 > 2.5, so the vector is scaled by 2.5 / 5 = 0.5.
    np.testing.assert_allclose(clip_by_norm(np.array([3.0, 4.0]), 2.5), [1.5, 2.0], rtol=1e-15)
    # Norm below the threshold: returned unchanged.
    np.testing.assert_array_equal(clip_by_norm(np.array([3.0, 4.0]), 5.0), [3.0, 4.0])


def test_clip_by_norm_clips_each_array_by_its_own_norm():
    big, small = np.array([[0.0, 6.0], [8.0, 0.0]]), np.array([0.3, 0.4])   # norms 10 and 0.5
    out_big, out_small = clip_by_norm([big, small], 1.0)
    np.testing.assert_allclose(out_big, big / 10, rtol=1e-15)
    np.testing.assert_array_equal(out_small, small)


def test_clip_by_global_norm_one_scale_for_all():
    grads = [np.array([6.0]), np.array([[8.0, 0.0]])]            # global norm sqrt(36+64) = 10
    clipped, norm = clip_by_global_norm(grads, 5.0)
    assert norm == 10.0
    np.testing.assert_allclose(clipped[0], [3.0], rtol=1e-15)
    np.testing.assert_allclose(clipped[1], [[4.0, 0.0]], rtol=1e-15)
    assert global_norm(grads) == 10.0


def test_zero_gradient_is_left_alone():
    zero = np.zeros(3)
    np.testing.assert_array_equal(clip_by_norm(zero, 1.0), zero)
    clipped, norm = clip_by_global_norm([zero], 1.0)
    assert norm == 0.0
    np.testing.assert_array_equal(clipped[0], zero)


def test_non_finite_gradients_are_refused_where_tensorflow_gives_nan():
    # fit checks the gradient norm before clipping, so this never hides its divergence report
    for call in (lambda: clip_by_global_norm([np.array([1.0, np.inf]), np.array([2.0])], 1.0),
                 lambda: clip_by_norm({"W": np.array([np.nan])}, 1.0),
                 lambda: clip_by_value((np.ones(2), np.array([-np.inf])), -1.0, 1.0),
                 lambda: global_norm(np.array([np.nan])),
                 lambda: apply_keras_clipping([np.array([np.inf])], clipnorm=1.0)):
        with pytest.raises(ValueError, match=r"^grads(\[\d\]|\['W'\])? must contain only finite values"):
            call()


@pytest.mark.parametrize("grads, name", [
    ([np.ones(2), None], r"grads\[1\]"), (None, "grads"), ({"W": "1.5"}, r"grads\['W'\]"),
    ([np.ones(2), [[1.0], [1.0, 2.0]]], r"grads\[1\]"), ([np.array([1 + 1j])], r"grads\[0\]"),
    (np.array([True]), "grads"), ([object()], r"grads\[0\]"),
])
def test_none_strings_ragged_complex_and_booleans_are_refused_not_nan(grads, name):
    for call in (lambda: clip_by_global_norm(grads, 1.0), lambda: clip_by_norm(grads, 1.0),
                 lambda: clip_by_value(grads, -1.0, 1.0), lambda: global_norm(grads),
                 lambda: apply_keras_clipping(grads)):
        with pytest.raises((ValueError, TypeError), match=f"^{name} must"):
            call()


def test_huge_values_and_huge_clip_norms_are_exact():
    # ||(3, 4)|| = 5 <= c: unchanged, exactly (TensorFlow's 3 * 1e308 / 1e308 overflows to inf)
    np.testing.assert_array_equal(clip_by_norm(np.array([3.0, 4.0]), 1e308), [3.0, 4.0])
    # entries whose squares overflow: norm 5e307 > 1 -> (0.6, 0.8), by hand
    np.testing.assert_allclose(clip_by_norm(np.array([3e307, 4e307]), 1.0), [0.6, 0.8], rtol=1e-15)
    np.testing.assert_allclose(clip_by_norm(np.array([3e307, 4e307]), 2.5e307), [1.5e307, 2e307], rtol=1e-15)
    assert global_norm([np.array([3e200]), np.array([[4e200]])]) == pytest.approx(5e200, rel=1e-15)
    clipped, norm = clip_by_global_norm([np.array([3e200]), np.array([4e200])], 1e200)
    assert norm == pytest.approx(5e200, rel=1e-15)
    np.testing.assert_allclose(np.concatenate(clipped), [0.6e200, 0.8e200], rtol=1e-15)
    # a norm beyond float64 (sqrt(2) * 1.5e308): clip_by_norm still exact, the norm itself refused
    np.testing.assert_allclose(clip_by_norm(np.array([1.5e308, -1.5e308]), 1.0),
                               [2**-0.5, -(2**-0.5)], rtol=1e-15)
    with pytest.raises(ValueError, match="global norm of grads exceeds float64's range"):
        global_norm(np.array([1.5e308, 1.5e308]))
    with pytest.raises(ValueError, match="global norm of grads exceeds float64's range"):
        clip_by_global_norm([np.array([1.5e308]), np.array([1.5e308])], 1.0)


def test_tiny_values_and_tiny_clip_norms_are_exact():
    # squares of 3e-170 underflow to 0: the norm is still 5e-170 and a smaller clip_norm clips
    assert global_norm(np.array([3e-170, 4e-170])) == pytest.approx(5e-170, rel=1e-15)
    np.testing.assert_allclose(clip_by_norm(np.array([3e-170, 4e-170]), 1e-170), [0.6e-170, 0.8e-170],
                               rtol=1e-15)
    # c / N below the smallest normal float: (3, 4) * 1e-310 / 5, correctly rounded subnormals
    np.testing.assert_allclose(clip_by_norm(np.array([3.0, 4.0]), 1e-310), [0.6e-310, 0.8e-310],
                               rtol=1e-9)
    # the smallest subnormal clip: 3/5 and 4/5 of 5e-324 both round to 5e-324
    np.testing.assert_array_equal(clip_by_norm(np.array([3.0, 4.0]), 5e-324), [5e-324, 5e-324])
    # float32: c / N = 1.2e-51 is 0 in float32, yet the result 6e-21 is a normal float32
    out = clip_by_norm(np.array([3e30, 4e30], dtype=np.float32), 1e-20)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [6e-21, 8e-21], rtol=1e-6)
    np.testing.assert_array_equal(clip_by_norm(np.zeros(3), 5e-324), np.zeros(3))


def test_zero_d_and_one_element_gradients():
    assert clip_by_norm(np.array(-4.0), 2.0) == -2.0 and clip_by_norm(np.array(-4.0), 2.0).shape == ()
    np.testing.assert_array_equal(clip_by_value([np.array(3.0), np.array([-3.0])], -1, 1)[1], [-1.0])
    clipped, norm = clip_by_global_norm({"b": np.array([-4.0])}, 1.0)
    assert norm == 4.0 and clipped["b"].tolist() == [-1.0]


@pytest.mark.parametrize("kind", [list, tuple, dict, "array"])
def test_returns_the_same_kind_and_never_mutates(kind):
    arrays = [np.array([3.0, 4.0]), np.array([[1.0], [-2.0]])]
    copies = [a.copy() for a in arrays]
    grads = {"W": arrays[0], "b": arrays[1]} if kind is dict else (
        arrays[0] if kind == "array" else kind(arrays))
    for out in (clip_by_value(grads, -1, 1), clip_by_norm(grads, 1.0),
                clip_by_global_norm(grads, 1.0)[0], apply_keras_clipping(grads, clipnorm=1.0)):
        if kind == "array":
            assert isinstance(out, np.ndarray) and out.shape == arrays[0].shape
        else:
            assert type(out) is kind
            if kind is dict:
                assert list(out) == ["W", "b"]
    for a, c in zip(arrays, copies):
        np.testing.assert_array_equal(a, c)


def test_apply_keras_clipping_dispatches_to_the_right_rule():
    grads = [np.array([3.0, 4.0]), np.array([0.0, 1.5])]
    np.testing.assert_array_equal(apply_keras_clipping(grads, clipvalue=1.0)[0], [1.0, 1.0])
    np.testing.assert_allclose(apply_keras_clipping(grads, clipnorm=1.0)[0], [0.6, 0.8])
    np.testing.assert_array_equal(apply_keras_clipping(grads, clipnorm=1.0)[1], [0.0, 1.0])
    # global norm sqrt(9 + 16 + 2.25) = 5.220...; each entry scaled by 1 / 5.220...
    scale = 1.0 / np.sqrt(27.25)
    np.testing.assert_allclose(apply_keras_clipping(grads, global_clipnorm=1.0)[1], [0.0, 1.5 * scale])
    unchanged = apply_keras_clipping(grads)
    assert all(np.array_equal(a, b) for a, b in zip(unchanged, grads))


@pytest.mark.parametrize("call, message", [
    (lambda: apply_keras_clipping([np.ones(2)], clipvalue=1.0, clipnorm=1.0), "at most one"),
    (lambda: apply_keras_clipping([np.ones(2)], clipnorm=0.0), "clipnorm must be a finite number > 0"),
    (lambda: apply_keras_clipping([np.ones(2)], global_clipnorm=-1), "global_clipnorm"),
    (lambda: apply_keras_clipping([np.ones(2)], clipvalue=np.inf), "clipvalue"),
    (lambda: clip_by_norm(np.ones(2), 0), "clip_norm must be a finite number > 0"),
    (lambda: clip_by_global_norm([np.ones(2)], float("nan")), "clip_norm"),
    (lambda: clip_by_value(np.ones(2), 1.0, -1.0), "clip_value_min must be <= clip_value_max"),
    (lambda: clip_by_value(np.ones(2), "a", 1.0), "clip_value_min"),
    (lambda: clip_by_norm([], 1.0), "must not be empty"),
    (lambda: global_norm({}), "must not be empty"),
])
def test_bad_arguments_raise_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- properties over random inputs ----------------------------------------------------------

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False)
arrays = hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=5), elements=finite)
thresholds = st.floats(1e-3, 1e3)
REL = 1e-12   # rounding slack when comparing norms after a rescale


@settings(max_examples=60, deadline=None)
@given(st.lists(arrays, min_size=1, max_size=4), thresholds)
def test_clipping_never_increases_a_norm(grads, c):
    norms = [np.linalg.norm(g) for g in grads]
    for g, n in zip(apply_keras_clipping(grads, clipvalue=c), norms):
        assert np.linalg.norm(g) <= n
        assert np.all(np.abs(g) <= c)
    for g, n in zip(clip_by_norm(grads, c), norms):
        assert np.linalg.norm(g) <= min(n, c) * (1 + REL)
    clipped, total = clip_by_global_norm(grads, c)
    assert np.isclose(total, np.sqrt(sum(n * n for n in norms)), rtol=1e-12)
    assert global_norm(clipped) <= min(total, c) * (1 + REL)
    for g, n in zip(clipped, norms):
        assert np.linalg.norm(g) <= n * (1 + REL)


@settings(max_examples=40, deadline=None)
@given(st.lists(arrays, min_size=1, max_size=4), thresholds)
def test_norm_clipping_keeps_the_direction(grads, c):
    clipped, total = clip_by_global_norm(grads, c)
    scale = min(1.0, c / total) if total > 0 else 1.0
    for g, out in zip(grads, clipped):
        np.testing.assert_allclose(out, g * scale, rtol=1e-12, atol=0)


# --- agreement with TensorFlow and Keras on random inputs -----------------------------------

def random_grads(rng: np.random.Generator, dtype=np.float64) -> tuple[list[np.ndarray], float]:
    """1-4 arrays of random shapes and magnitude, and a threshold around their global norm."""
    shapes = [tuple(rng.integers(1, 6, size=rng.integers(0, 3))) for _ in range(rng.integers(1, 5))]
    scale = 10.0 ** rng.uniform(-3, 3)
    grads = [(rng.standard_normal(s) * scale).astype(dtype).astype(np.float64) for s in shapes]
    threshold = global_norm(grads) * 10.0 ** rng.uniform(-1.0, 0.5)  # below and above the norm
    return grads, float(threshold)


@pytest.mark.tf
def test_matches_tf_clip_operations_on_random_inputs():
    from course_lib.tf_twins import clipping as tf_clipping
    rng = np.random.default_rng(20240603)
    for _ in range(N_TF_CASES):
        grads, c = random_grads(rng)
        low = -c * rng.uniform(0.0, 0.5) / np.sqrt(len(grads))
        high = c * rng.uniform(0.0, 0.5) / np.sqrt(len(grads))
        for ours, theirs in zip(clip_by_value(grads, low, high),
                                tf_clipping.clip_by_value(grads, low, high, dtype="float64")):
            np.testing.assert_array_equal(ours, theirs)   # a comparison, no rounding at all
        for ours, theirs in zip(clip_by_norm(grads, c), tf_clipping.clip_by_norm(grads, c, dtype="float64")):
            np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0)
        ours, norm = clip_by_global_norm(grads, c)
        theirs, tf_norm = tf_clipping.clip_by_global_norm(grads, c, dtype="float64")
        assert norm == pytest.approx(tf_norm, rel=1e-12)
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=0)


@pytest.mark.tf
@pytest.mark.parametrize("argument", ["clipvalue", "clipnorm", "global_clipnorm"])
def test_matches_a_keras_optimizer_with_clipping(argument):
    from course_lib.tf_twins.clipping import keras_optimizer_clipping
    rng = np.random.default_rng({"clipvalue": 1, "clipnorm": 2, "global_clipnorm": 3}[argument])
    n_clipped = 0
    for _ in range(N_KERAS_CASES):
        grads, c = random_grads(rng, dtype=np.float32)
        if argument == "clipvalue":
            c = c / np.sqrt(sum(g.size for g in grads))   # about the size of one entry
        ours = apply_keras_clipping(grads, **{argument: c})
        theirs = keras_optimizer_clipping(grads, **{argument: c})
        n_clipped += any(not np.array_equal(a, g) for a, g in zip(ours, grads))
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=0)
    # The random thresholds must really clip most cases, or this test proves little.
    assert n_clipped >= N_KERAS_CASES // 2


# --- the edges against TensorFlow: 0-d, 1-element, huge, subnormal (issue 9, section 2) -------

EDGE_GRADS = [[np.array(-4.0)], [np.array([3.0])], [np.array(2.0), np.array([[1e150, -1e150]])],
              [np.array([1e-300, 3e-300]), np.array(4e-300)], [np.array([5e-324, 1.0])],
              [np.array([1e300]), np.array([1.0])]]


@pytest.mark.tf
@pytest.mark.parametrize("grads", EDGE_GRADS, ids=lambda g: f"{len(g)}x{[a.shape for a in g]}")
@pytest.mark.parametrize("c", [0.5, 1e-300, 1e300])
def test_edges_match_tensorflow_in_float64(grads, c):
    # float64 on both sides: rtol 1e-12, atol 2.2e-308 (TensorFlow flushes subnormals to 0).
    # Where TensorFlow's own arithmetic fails (t * clip_norm or sum(t * t) overflowing, 1 / c
    # flushed to 0), its twin refuses and the numpy result is checked against the formula instead.
    from course_lib.tf_twins import clipping as tf_clipping
    tiny = np.finfo(np.float64).tiny
    n = math.hypot(*np.concatenate([g.ravel() for g in grads]))    # the norm, by Python's exact hypot
    for ours, theirs in zip(clip_by_value(grads, -c, c), tf_clipping.clip_by_value(grads, -c, c, dtype="float64")):
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=tiny)
    try:
        theirs = tf_clipping.clip_by_norm(grads, c, dtype="float64")
    except ValueError as exc:
        assert "TensorFlow" in str(exc)
        theirs = None
    for i, ours in enumerate(clip_by_norm(grads, c)):
        ni = math.hypot(*grads[i].ravel())
        want = grads[i] if ni <= c else grads[i] / ni * c     # (c / ni may underflow: divide first)
        np.testing.assert_allclose(ours, want, rtol=1e-12, atol=tiny)
        if theirs is not None:
            np.testing.assert_allclose(ours, theirs[i], rtol=1e-12, atol=tiny)
    ours, norm = clip_by_global_norm(grads, c)
    assert norm == pytest.approx(n, rel=1e-12)
    for g, out in zip(grads, ours):
        np.testing.assert_allclose(out, g if n <= c else g / n * c, rtol=1e-12, atol=tiny)
    try:
        theirs, tf_norm = tf_clipping.clip_by_global_norm(grads, c, dtype="float64")
    except ValueError as exc:
        assert "TensorFlow" in str(exc)
        return
    assert norm == pytest.approx(tf_norm, rel=1e-12, abs=tiny)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=tiny)


@pytest.mark.tf
@pytest.mark.parametrize("argument", ["clipvalue", "clipnorm", "global_clipnorm"])
def test_zero_d_and_one_element_match_a_keras_optimizer(argument):
    from course_lib.tf_twins.clipping import keras_optimizer_clipping
    grads = [np.array(-4.0), np.array([3.0]), np.array([[0.5]])]   # float32-exact values
    ours = apply_keras_clipping(grads, **{argument: 2.0})
    theirs = keras_optimizer_clipping(grads, **{argument: 2.0})
    for a, b in zip(ours, theirs):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=0)


@pytest.mark.tf
def test_tensorflow_twin_refuses_what_tensorflow_gets_wrong():
    # each of these would silently clip to 0 (or inf) in TensorFlow; the numpy twin is exact
    from course_lib.tf_twins import clipping as tf_clipping
    with pytest.raises(ValueError, match=r"grads\[0\] has entries beyond float32's range"):
        tf_clipping.clip_by_norm([np.array([1e39])], 1.0)
    with pytest.raises(ValueError, match="cannot be clipped by TensorFlow's norm in float32.*overflows"):
        tf_clipping.keras_optimizer_clipping([np.array([3e38, 3e38])], clipnorm=1.0)
    with pytest.raises(ValueError, match="global_clipnorm must be at most"):
        tf_clipping.keras_optimizer_clipping([np.array([3.0, 4.0])], global_clipnorm=1e38)
    with pytest.raises(ValueError, match="clip_norm must be at most"):
        tf_clipping.clip_by_global_norm([np.array([3.0, 4.0])], 1e308, dtype="float64")
    np.testing.assert_array_equal(clip_by_global_norm([np.array([3.0, 4.0])], 1e308)[0][0], [3.0, 4.0])


# --- exact messages and small contracts (each kills a planted bug mutmut found) ---------------

def test_messages_name_the_argument_exactly():
    with pytest.raises(TypeError, match=r"^grads must hold real numbers, got booleans: array\(\[ True\]\)$"):
        clip_by_norm(np.array([True]), 1.0)
    with pytest.raises(ValueError, match="^grads must not be empty, got an empty dict$"):
        clip_by_norm({}, 1.0)
    with pytest.raises(ValueError, match="^grads must not be empty, got an empty tuple$"):
        clip_by_value((), -1.0, 1.0)
    with pytest.raises(ValueError, match="^at most one of clipvalue, clipnorm, global_clipnorm may be set, "
                                         "got clipnorm=1.0, global_clipnorm=2.0$"):
        apply_keras_clipping([np.ones(1)], clipnorm=1.0, global_clipnorm=2.0)
    for bad in (0.0, -1.0, "1"):
        with pytest.raises(ValueError, match="^clip_norm must be a finite number > 0, got"):
            clip_by_global_norm([np.ones(1)], bad)
    with pytest.raises(ValueError, match="^clip_value_max must be a finite number, got 'a'"):
        clip_by_value(np.ones(1), -1.0, "a")
    with pytest.raises(ValueError, match="^clip_value_min must be a finite number, got None"):
        clip_by_value(np.ones(1), None, 1.0)
    # sqrt(2) * 1.5e308 = 0.575 * 2**1025
    with pytest.raises(ValueError, match=r"exceeds float64's range \(~1\.8e308\): about 2\*\*1025;"):
        global_norm(np.array([1.5e308, 1.5e308]))


def test_equal_bounds_integers_and_empty_arrays():
    np.testing.assert_array_equal(clip_by_value(np.array([-2.0, 0.0, 3.0]), 0.5, 0.5), [0.5, 0.5, 0.5])
    for out in (clip_by_norm(np.array([3, 4]), 10.0), clip_by_value(np.array([3, 4]), 0, 10),
                clip_by_global_norm([np.array([3, 4])], 10.0)[0][0]):
        assert out.dtype == np.float64 and out.tolist() == [3.0, 4.0]
    clipped = clip_by_norm([np.zeros(0), np.array([3.0, 4.0])], 1.0)
    assert clipped[0].shape == (0,) and clipped[1].tolist() == pytest.approx([0.6, 0.8], rel=1e-15)
    assert global_norm([np.zeros((0, 3)), np.zeros(2)]) == 0.0


def test_no_numpy_warning_at_the_extremes():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clip_by_norm(np.array([3e200, 4e200]), 1.0)
        clip_by_norm(np.array([3e-200, 4e-200]), 1e-210)
        clip_by_norm(np.array([3.0, 4.0]), 1e-310)
        clip_by_global_norm([np.array([1e300]), np.array([1e-300])], 1e-300)
        global_norm(np.array([1e-170, 1e170]))
