"""Fuzz specs of the numerical core: optim, regularization, clipping, schedules and their
TensorFlow twins (tests/fuzz_api.py states the contract: a clear error naming the argument, or
a correct, finite result, within a few seconds).

Each ``ok`` check recomputes the result from the formula by its own route (plain float64
numpy on the converted inputs, or exact Python fractions-free arithmetic), so a spec cannot
pass a wrong number. The TensorFlow specs are marked ``tf`` and draw few random examples
(TensorFlow is slow to call); the first call of each may import TensorFlow, hence their
longer time limit.
"""
from __future__ import annotations

import importlib
import math

import numpy as np
import pytest
from fuzz_api import Spec, fuzz_tests

from course_lib.clipping import (apply_keras_clipping, clip_by_global_norm, clip_by_norm,
                                 clip_by_value, global_norm)
from course_lib.optim import (SGD, Adam, AdamState, GradientDescent, GradientDescentState,
                              SGDState)
from course_lib.regularization import L1, L1L2, L2, ProximalL1, soft_threshold
from course_lib.schedules import (Schedule, constant, cosine_decay, exponential_decay,
                                  inverse_time_decay, linear_decay, piecewise_constant)

TF = (pytest.mark.tf,)
TF_EXAMPLES, TF_TIMEOUT = 5, 60.0


def tf_module(name: str):
    """A tf_twins module, imported only when a TensorFlow spec runs (not at collection)."""
    return importlib.import_module(f"course_lib.tf_twins.{name}")


def arr(value) -> np.ndarray:
    return np.asarray(value, dtype=float)


def close(got, want, rtol=1e-12, atol=0.0) -> None:
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(want, dtype=float),
                               rtol=rtol, atol=atol)


# TensorFlow's CPU kernels flush subnormal inputs and results to zero (numpy keeps them): the
# TensorFlow twins agree with the formula up to float64's smallest normal number.
FTZ = float(np.finfo(np.float64).tiny)


# ---- optim -----------------------------------------------------------------------------------

def P():
    return {"W": np.array([[1.0, -2.0]]), "b": np.array(0.5)}   # a 0-d parameter too


def G():
    return {"W": np.array([[0.5, 0.25]]), "b": np.array(-1.0)}


BAD_DICTS = [{"W": None, "b": np.array(0.5)}, {"W": "abc", "b": np.array(0.5)},
             {"W": np.array([[np.nan, 1.0]]), "b": np.array(0.5)}, {"W": np.ones((1, 3)), "b": np.array(0.5)},
             {"W": [[1.0], [1.0, 2.0]], "b": np.array(0.5)}, {"W": np.array([[True, False]]), "b": np.array(0.5)},
             {"W": np.array([[1e308, -1e308]]), "b": np.array(1e308)}, {"b": np.array(0.5)},
             {"W": np.array([[1.0, -2.0]]), "b": np.array(0.5), "extra": np.ones(1)}]


def ok_gd(kw, result):
    new, state = result
    for k in kw["params"]:
        close(new[k], arr(kw["params"][k]) - float(kw["learning_rate"]) * arr(kw["grads"][k]))
        assert np.shape(new[k]) == np.shape(kw["params"][k])
    assert state.iterations == kw["state"].iterations + 1


def ok_nesterov(kw, result):
    mu, lr = 0.9, float(kw["learning_rate"])
    new, state = result
    for k in kw["params"]:
        v = mu * arr(kw["state"].velocity[k]) - lr * arr(kw["grads"][k])
        close(state.velocity[k], v)
        close(new[k], arr(kw["params"][k]) + mu * v - lr * arr(kw["grads"][k]))


def ok_adam(kw, result):
    b1, b2, eps, lr = 0.9, 0.999, 1e-7, float(kw["learning_rate"])
    new, state = result
    t = kw["state"].iterations + 1
    for k in kw["params"]:
        g, m0, v0 = arr(kw["grads"][k]), arr(kw["state"].m[k]), arr(kw["state"].v[k])
        m, v = b1 * m0 + (1 - b1) * g, b2 * v0 + (1 - b2) * g * g
        step = lr * math.sqrt(1 - b2**t) / (1 - b1**t) * m / (np.sqrt(v) + eps)
        close(new[k], arr(kw["params"][k]) - step, rtol=1e-10)


def optimizer_specs(name, make, ok):
    target = f"course_lib.optim.{name}"
    return [
        Spec(f"{target}.init", call=lambda params: make().init(params), valid=lambda: {"params": P()},
             extra_bad={"params": BAD_DICTS[:6]}),
        Spec(f"{target}.update", call=lambda **kw: make().update(**kw),
             valid=lambda: {"grads": G(), "state": make().init(P()), "params": P(), "learning_rate": 0.1},
             extra_bad={"grads": BAD_DICTS, "params": BAD_DICTS,
                        "state": [make().init({"W": np.ones((1, 2))}), GradientDescentState(3),
                                  AdamState(0, {}, {}), SGDState(0, {})],
                        "learning_rate": [1e308, np.float64(1e300), np.array(0.1), 1e-320]},
             ok=ok),
    ]


SPECS = [
    Spec("course_lib.optim.GradientDescent", call=lambda: GradientDescent(), valid=dict),
    Spec("course_lib.optim.SGD", call=lambda **kw: SGD(**kw), valid=lambda: {"momentum": 0.9, "nesterov": True},
         extra_bad={"nesterov": ["yes", 1, np.array([True, False])], "momentum": [1.0000001, np.array(0.5)]}),
    Spec("course_lib.optim.Adam", call=lambda **kw: Adam(**kw),
         valid=lambda: {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
         extra_bad={"beta_1": [1.0], "beta_2": [1.0, np.array([0.9])]}),
    Spec("course_lib.optim.GradientDescentState", call=lambda **kw: GradientDescentState(**kw),
         valid=lambda: {"iterations": 3}),
    Spec("course_lib.optim.SGDState", call=lambda **kw: SGDState(**kw),
         valid=lambda: {"iterations": 0, "velocity": P()}, extra_bad={"velocity": BAD_DICTS[:6]}),
    Spec("course_lib.optim.AdamState", call=lambda **kw: AdamState(**kw),
         valid=lambda: {"iterations": 2, "m": P(), "v": P()}, extra_bad={"m": BAD_DICTS[:6], "v": BAD_DICTS[:6]}),
    *optimizer_specs("GradientDescent", GradientDescent, ok_gd),
    *optimizer_specs("SGD", lambda: SGD(0.9, nesterov=True), ok_nesterov),
    *optimizer_specs("Adam", Adam, ok_adam),
]


# ---- regularization --------------------------------------------------------------------------

W_BAD = [np.array([np.inf, 1.0]), np.array([1e160, -2.0]), np.array([1e308, 1e308]), np.array([5e-324]),
         np.array(3.0), [[1.0, 2.0], [3.0, np.nan]], np.array([1.0, 2.0], dtype=np.float32)]


def finite_or_refused(reference):
    """``ok`` for a penalty: the float64 formula on the converted weights, when that is finite."""
    def ok(kw, result):
        want = reference(kw)
        if math.isfinite(want):
            assert result == pytest.approx(want, rel=1e-12, abs=1e-300)
    return ok


def ok_grad(reference):
    def ok(kw, result):
        with np.errstate(all="ignore"):
            want = reference(kw)
        assert np.shape(result) == np.shape(kw["w"])
        if np.all(np.isfinite(want)):
            close(result, want)
    return ok


def _fsum(values) -> float:
    try:
        return math.fsum(values)
    except OverflowError:   # the exact sum is beyond float64: the library must refuse it
        return math.inf


def _sum_abs(w):
    return _fsum(np.abs(arr(w)).ravel().tolist())


def _sum_sq(w):
    return _fsum(x * x for x in np.abs(arr(w)).ravel().tolist())


def _sign(w):
    """sign(w), 0 for subnormal w as TensorFlow (which flushes them) and course_lib give it."""
    w = arr(w)
    return np.where(np.abs(w) < np.finfo(np.float64).tiny, 0.0, np.sign(w))


SPECS += [
    Spec("course_lib.regularization.L1", call=lambda **kw: L1(**kw), valid=lambda: {"l1": 0.01}),
    Spec("course_lib.regularization.L2", call=lambda **kw: L2(**kw), valid=lambda: {"l2": 0.01}),
    Spec("course_lib.regularization.L1L2", call=lambda **kw: L1L2(**kw), valid=lambda: {"l1": 0.25, "l2": 0.0}),
    Spec("course_lib.regularization.ProximalL1", call=lambda **kw: ProximalL1(**kw), valid=lambda: {"l1": 0.01}),
    Spec("course_lib.regularization.L1.penalty", call=lambda w: L1(0.25).penalty(w),
         valid=lambda: {"w": np.array([[1.0, -2.0]])}, extra_bad={"w": W_BAD},
         ok=finite_or_refused(lambda kw: 0.25 * _sum_abs(kw["w"]))),
    Spec("course_lib.regularization.L1.gradient", call=lambda w: L1(0.25).gradient(w),
         valid=lambda: {"w": np.array([[1.0, -2.0, 0.0]])}, extra_bad={"w": W_BAD},
         ok=ok_grad(lambda kw: 0.25 * _sign(kw["w"]))),
    Spec("course_lib.regularization.L2.penalty", call=lambda w: L2(0.25).penalty(w),
         valid=lambda: {"w": np.array([[1.0, -2.0]])}, extra_bad={"w": W_BAD},
         ok=finite_or_refused(lambda kw: 0.25 * _sum_sq(kw["w"]))),
    Spec("course_lib.regularization.L2.gradient", call=lambda w: L2(0.25).gradient(w),
         valid=lambda: {"w": np.array([[1.0, -2.0]])}, extra_bad={"w": W_BAD},
         ok=ok_grad(lambda kw: 0.5 * arr(kw["w"]))),
    # one factor 0, as in the issue: the zero term is skipped (Keras's L1L2 does the same)
    Spec("course_lib.regularization.L1L2.penalty", call=lambda w: L1L2(0.25, 0.0).penalty(w),
         valid=lambda: {"w": np.array([1e160, -2.0])}, extra_bad={"w": W_BAD},
         ok=finite_or_refused(lambda kw: 0.25 * _sum_abs(kw["w"]))),
    Spec("course_lib.regularization.L1L2.penalty", call=lambda w: L1L2(0.0, 0.25).penalty(w),
         valid=lambda: {"w": np.array([1e100, -2.0])}, extra_bad={"w": W_BAD},
         ok=finite_or_refused(lambda kw: 0.25 * _sum_sq(kw["w"]))),
    Spec("course_lib.regularization.L1L2.gradient", call=lambda w: L1L2(0.25, 0.0).gradient(w),
         valid=lambda: {"w": np.array([np.inf, 1.0])}, extra_bad={"w": W_BAD},
         ok=ok_grad(lambda kw: 0.25 * _sign(kw["w"]))),
    Spec("course_lib.regularization.L1L2.gradient", call=lambda w: L1L2(0.125, 0.5).gradient(w),
         valid=lambda: {"w": np.array([2.0, -1.0, 0.0])}, extra_bad={"w": W_BAD},
         ok=ok_grad(lambda kw: 0.125 * _sign(kw["w"]) + arr(kw["w"]))),
    Spec("course_lib.regularization.ProximalL1.penalty", call=lambda w: ProximalL1(0.5).penalty(w),
         valid=lambda: {"w": np.array([1.0, -3.0])}, extra_bad={"w": W_BAD},
         ok=finite_or_refused(lambda kw: 0.5 * _sum_abs(kw["w"]))),
    Spec("course_lib.regularization.ProximalL1.gradient", call=lambda w: ProximalL1(0.5).gradient(w),
         valid=lambda: {"w": np.array([1.0, -3.0])}, extra_bad={"w": W_BAD},
         ok=ok_grad(lambda kw: np.zeros(np.shape(kw["w"])))),
    Spec("course_lib.regularization.ProximalL1.prox", call=lambda **kw: ProximalL1(0.5).prox(**kw),
         valid=lambda: {"w": np.array([1.0, -3.0, 0.01]), "learning_rate": 0.1},
         extra_bad={"w": W_BAD, "learning_rate": [1e308, 1e-320]},
         ok=lambda kw, r: close(r, np.sign(arr(kw["w"])) * np.maximum(
             np.abs(arr(kw["w"])) - 0.5 * float(kw["learning_rate"]), 0))),
    Spec("course_lib.regularization.soft_threshold", call=lambda **kw: soft_threshold(**kw),
         valid=lambda: {"w": np.array([0.3, -0.05, -2.0]), "threshold": 0.1},
         extra_bad={"w": W_BAD, "threshold": [1e308, np.array(0.1)]},
         ok=lambda kw, r: close(r, np.sign(arr(kw["w"])) * np.maximum(
             np.abs(arr(kw["w"])) - float(kw["threshold"]), 0))),
]


# ---- clipping --------------------------------------------------------------------------------

def GR():
    return [np.array([3.0, 4.0]), np.array([[0.3], [0.4]])]


G_BAD = [[np.ones(2), None], [np.ones(2), np.array([np.nan])], {"W": np.array([np.inf])},
         [np.array([1e308, 1e308])], np.array([3e200, 4e200]), [np.array(1e-320)], (np.ones(2), "x"),
         [np.array([True])], [np.ones(2), [[1.0], [1.0, 2.0]]], [np.ones(2, dtype=np.float32) * 3e38]]


def parts(grads):
    if isinstance(grads, dict):
        return [arr(g) for g in grads.values()]
    if isinstance(grads, (list, tuple)):
        return [arr(g) for g in grads]
    return [arr(grads)]


def rtol_of(grads, rtol64=1e-9):
    """float32 gradients are clipped in float32 (as TensorFlow does): float32's precision."""
    values = grads.values() if isinstance(grads, dict) else grads if isinstance(grads, (list, tuple)) else [grads]
    return 1e-6 if any(np.asarray(g).dtype == np.float32 for g in values) else rtol64


def exact_norm(arrays) -> float:
    """sqrt(sum g^2) with math.hypot-style scaling by the largest entry (independent route)."""
    flat = np.concatenate([a.ravel() for a in arrays]) if arrays else np.zeros(0)
    m = float(np.max(np.abs(flat))) if flat.size else 0.0
    if m == 0.0:
        return 0.0
    return m * math.sqrt(math.fsum(((x / m) ** 2 for x in flat.tolist())))


def ok_norm_clip(kw, result, atol=1e-300):
    c, rtol = float(kw["clip_norm"]), rtol_of(kw["grads"])
    for g, out in zip(parts(kw["grads"]), parts(result)):
        n = exact_norm([g])
        want = g if n <= c else g * (c / n) if c / n > 1e-300 else None
        if want is not None:
            np.testing.assert_allclose(out, want, rtol=rtol, atol=atol)


def ok_global_clip(kw, result, atol=1e-300):
    clipped, norm = result
    arrays, c, rtol = parts(kw["grads"]), float(kw["clip_norm"]), rtol_of(kw["grads"])
    n = exact_norm(arrays)
    assert norm == pytest.approx(n, rel=max(rtol, 1e-12))
    for g, out in zip(arrays, parts(clipped)):
        if n <= c:
            np.testing.assert_allclose(out, g, rtol=0 if atol == 1e-300 else 1e-15, atol=atol)
        elif c / n > 1e-300:
            np.testing.assert_allclose(out, g * (c / n), rtol=rtol, atol=atol)


def ok_value_clip(kw, result, atol=0.0):
    lo, hi = float(kw["clip_value_min"]), float(kw["clip_value_max"])
    for g, out in zip(parts(kw["grads"]), parts(result)):
        np.testing.assert_allclose(out, np.minimum(np.maximum(g, lo), hi), rtol=0, atol=atol)


def ok_keras_clipping(kw, result, atol=1e-300):
    """Keras's rule: at most one argument set; a set one is that clipping, none leaves grads alone."""
    given = {k: kw.get(k) for k in ("clipvalue", "clipnorm", "global_clipnorm") if kw.get(k) is not None}
    assert len(given) <= 1
    if not given:
        for a, b in zip(parts(result), parts(kw["grads"])):
            np.testing.assert_allclose(a, b, rtol=0, atol=atol if atol > 1e-300 else 0)
    elif "clipvalue" in given:
        ok_value_clip({"grads": kw["grads"], "clip_value_min": -given["clipvalue"],
                       "clip_value_max": given["clipvalue"]}, result, atol=atol if atol > 1e-300 else 0)
    elif "clipnorm" in given:
        ok_norm_clip({"grads": kw["grads"], "clip_norm": given["clipnorm"]}, result, atol=atol)
    else:
        ok_global_clip({"grads": kw["grads"], "clip_norm": given["global_clipnorm"]},
                       (result, exact_norm(parts(kw["grads"]))), atol=atol)


SPECS += [
    Spec("course_lib.clipping.clip_by_value", call=lambda **kw: clip_by_value(**kw),
         valid=lambda: {"grads": GR(), "clip_value_min": -1.0, "clip_value_max": 1.0},
         extra_bad={"grads": G_BAD}, ok=ok_value_clip),
    Spec("course_lib.clipping.clip_by_norm", call=lambda **kw: clip_by_norm(**kw),
         valid=lambda: {"grads": GR(), "clip_norm": 1.0},
         extra_bad={"grads": G_BAD, "clip_norm": [1e308, 5e-324, 1e-310]}, ok=ok_norm_clip),
    Spec("course_lib.clipping.clip_by_norm", call=lambda **kw: clip_by_norm(**kw),
         valid=lambda: {"grads": np.array([3.0, 4.0]), "clip_norm": 1e308},
         extra_bad={"grads": G_BAD}, ok=ok_norm_clip),
    Spec("course_lib.clipping.global_norm", call=lambda grads: global_norm(grads),
         valid=lambda: {"grads": GR()}, extra_bad={"grads": G_BAD},
         ok=lambda kw, r: pytest.approx(exact_norm(parts(kw["grads"])), rel=rtol_of(kw["grads"], 1e-12)) == r
         or pytest.fail(f"global_norm {r} != {exact_norm(parts(kw['grads']))}")),
    Spec("course_lib.clipping.clip_by_global_norm", call=lambda **kw: clip_by_global_norm(**kw),
         valid=lambda: {"grads": {"W": np.array([[6.0, 8.0]]), "b": np.array(0.0)}, "clip_norm": 5.0},
         extra_bad={"grads": G_BAD, "clip_norm": [1e308, 5e-324]}, ok=ok_global_clip),
    Spec("course_lib.clipping.apply_keras_clipping", call=lambda **kw: apply_keras_clipping(**kw),
         valid=lambda: {"grads": GR(), "clipvalue": 0.5}, extra_bad={"grads": G_BAD}, ok=ok_keras_clipping),
    Spec("course_lib.clipping.apply_keras_clipping", call=lambda **kw: apply_keras_clipping(**kw),
         valid=lambda: {"grads": GR(), "clipnorm": 1.0}, extra_bad={"grads": G_BAD}, ok=ok_keras_clipping),
    Spec("course_lib.clipping.apply_keras_clipping", call=lambda **kw: apply_keras_clipping(**kw),
         valid=lambda: {"grads": GR(), "global_clipnorm": 1.0}, extra_bad={"grads": G_BAD},
         ok=ok_keras_clipping),
    Spec("course_lib.clipping.apply_keras_clipping", call=lambda **kw: apply_keras_clipping(**kw),
         valid=lambda: {"grads": GR(), "clipvalue": None, "clipnorm": None, "global_clipnorm": None},
         ok=ok_keras_clipping),
]


# ---- schedules -------------------------------------------------------------------------------

STEPS = np.array([0, 1, 5, 10, 11, 100])


def ok_schedule(formula):
    """``ok`` for a factory: its schedule at STEPS equals the formula (by hand, below)."""
    def ok(kw, schedule):
        assert isinstance(schedule, Schedule)
        try:
            got = schedule(STEPS)
        except ValueError as exc:   # a growing rate overflowing float64 is refused, naming the step
            assert "step" in str(exc)
            return
        with np.errstate(all="ignore"):
            want = formula({k: v for k, v in kw.items()}, STEPS.astype(float))
        close(got, want, rtol=1e-12)
    return ok


def exp_formula(kw, t):
    p = t / kw["decay_steps"]
    return kw["initial_learning_rate"] * kw["decay_rate"] ** (np.floor(p) if kw["staircase"] else p)


def inv_formula(kw, t):
    p = t / kw["decay_steps"]
    return kw["initial_learning_rate"] / (1 + kw["decay_rate"] * (np.floor(p) if kw["staircase"] else p))


def lin_formula(kw, t):
    d, lr0, end = kw["decay_steps"], kw["initial_learning_rate"], kw.get("end_learning_rate", 1e-4)
    return (lr0 - end) * (1 - np.minimum(t, d) / d) + end


def cos_formula(kw, t):
    d, a, w = kw["decay_steps"], kw["alpha"], kw["warmup_steps"]
    target = kw["warmup_target"]
    peak = kw["initial_learning_rate"] if target is None else target
    s = np.minimum(np.maximum(t - w, 0), d)
    decay = peak * ((1 - a) * 0.5 * (1 + np.cos(np.pi * s / d)) + a)
    if target is None:
        return decay
    return np.where(t < w, kw["initial_learning_rate"] + (target - kw["initial_learning_rate"]) * t / w, decay)


def pw_formula(kw, t):
    b, v = list(kw["boundaries"]), list(kw["values"])
    return np.array([v[sum(1 for x in b if step > x)] for step in t])


def call_spec(target, make, formula):
    """A spec of ``schedule(step)``: its one argument fuzzed."""
    def ok(kw, result):
        t = np.asarray(kw["step"], dtype=float)
        close(result, formula(t.ravel()).reshape(t.shape) if t.size else np.zeros(t.shape))
    return Spec(target, call=lambda step: make()(step), valid=lambda: {"step": STEPS},
                extra_bad={"step": [np.array([2**24, 2**53]), np.array([True]), np.float32(3.0), 2**24 + 1]},
                ok=ok)


EXP = {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5, "staircase": False}
INV = {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 2.0, "staircase": True}
LIN = {"initial_learning_rate": 0.1, "decay_steps": 10, "end_learning_rate": 0.01}
COS = {"initial_learning_rate": 0.0, "decay_steps": 10, "alpha": 0.1, "warmup_target": 0.2, "warmup_steps": 5}
PW = {"boundaries": [1, 5, 10, 11, 50], "values": [1.0, 0.5, 0.25, 0.125, 0.0625, 0.03125]}


def custom_rule(t):
    return 0.1 / (1.0 + t)


SPECS += [
    Spec("course_lib.schedules.constant", call=lambda **kw: constant(**kw), valid=lambda: {"learning_rate": 0.1},
         ok=ok_schedule(lambda kw, t: np.full(t.shape, float(kw["learning_rate"])))),
    Spec("course_lib.schedules.exponential_decay", call=lambda **kw: exponential_decay(**kw),
         valid=lambda: dict(EXP), extra_bad={"decay_steps": [2**53 + 1, 10.0]}, ok=ok_schedule(exp_formula)),
    Spec("course_lib.schedules.inverse_time_decay", call=lambda **kw: inverse_time_decay(**kw),
         valid=lambda: dict(INV), extra_bad={"staircase": [1, "yes", np.array([True, False])]},
         ok=ok_schedule(inv_formula)),
    Spec("course_lib.schedules.linear_decay", call=lambda **kw: linear_decay(**kw),
         valid=lambda: dict(LIN), ok=ok_schedule(lin_formula)),
    Spec("course_lib.schedules.cosine_decay", call=lambda **kw: cosine_decay(**kw),
         valid=lambda: dict(COS), ok=ok_schedule(cos_formula)),
    Spec("course_lib.schedules.cosine_decay", call=lambda **kw: cosine_decay(**kw),
         valid=lambda: {"initial_learning_rate": 0.1, "decay_steps": 10, "alpha": 0.0,
                        "warmup_target": None, "warmup_steps": 0}, ok=ok_schedule(cos_formula)),
    Spec("course_lib.schedules.piecewise_constant", call=lambda **kw: piecewise_constant(**kw),
         valid=lambda: {k: list(v) for k, v in PW.items()},
         extra_bad={"boundaries": [[5, 1, 10, 11, 50], {1, 5, 10, 11, 50}, range(10**30), iter([1, 2, 3, 4, 5]),
                                   [1, 5, 10, 11, 2**60], np.array([[1, 5, 10, 11, 50]])],
                    "values": [[1.0] * 5, [1.0, 0.5, 0.25, 0.125, 0.0625, -1.0], (v for v in [1.0] * 6)]},
         ok=ok_schedule(pw_formula)),
    Spec("course_lib.schedules.Schedule", call=lambda **kw: Schedule(**kw),
         valid=lambda: {"name": "custom", "arguments": (("learning_rate", 0.1),), "rule": custom_rule}),
    # a hand-made Schedule whose rule is anything: calling it never gives nan or an obscure error
    Spec("course_lib.schedules.Schedule", call=lambda rule: Schedule("custom", (), rule)(STEPS),
         valid=lambda: {"rule": custom_rule}, names={"rule": ("rule",)},
         extra_bad={"rule": [lambda t: t * np.nan, lambda t: 1 / 0, lambda t: "0.1", lambda t: None,
                             lambda t: np.ones(2), lambda t: -np.inf * t, lambda t: t > 1, lambda t: -t,
                             lambda t: [0.1] * len(t), lambda t: np.exp(800.0 + t)]},
         ok=lambda kw, r: close(r, kw["rule"](STEPS.astype(float)))),
    call_spec("course_lib.schedules.constant", lambda: constant(0.1), lambda t: np.full(t.shape, 0.1)),
    call_spec("course_lib.schedules.exponential_decay", lambda: exponential_decay(**EXP),
              lambda t: exp_formula(EXP, t)),
    call_spec("course_lib.schedules.exponential_decay", lambda: exponential_decay(0.1, 10, 1.5),
              lambda t: exp_formula({**EXP, "decay_rate": 1.5}, t)),     # grows: refused at overflow
    call_spec("course_lib.schedules.inverse_time_decay", lambda: inverse_time_decay(**INV),
              lambda t: inv_formula(INV, t)),
    call_spec("course_lib.schedules.linear_decay", lambda: linear_decay(**LIN), lambda t: lin_formula(LIN, t)),
    call_spec("course_lib.schedules.cosine_decay", lambda: cosine_decay(**COS), lambda t: cos_formula(COS, t)),
    call_spec("course_lib.schedules.piecewise_constant", lambda: piecewise_constant(**PW),
              lambda t: pw_formula(PW, t)),
]


# ---- TensorFlow twins (marked tf; few random examples) ----------------------------------------

def tf_spec(target, call, valid, **kw):
    kw.setdefault("max_examples", TF_EXAMPLES)
    return Spec(target, call=call, valid=valid, marks=TF, timeout=TF_TIMEOUT, **kw)


def keras_l2():
    return tf_module("regularization").to_keras(L2(0.5))


SPECS += [
    tf_spec("course_lib.tf_twins.make_deterministic",
            call=lambda **kw: importlib.import_module("course_lib.tf_twins").make_deterministic(**kw),
            valid=lambda: {"seed": 0, "threads": 1}, extra_bad={"seed": [2**32, -1], "threads": [0, 10**6]}),
    tf_spec("course_lib.tf_twins.regularization.to_keras",
            call=lambda regularizer: tf_module("regularization").to_keras(regularizer),
            valid=lambda: {"regularizer": L1L2(0.25, 0.0)}, extra_bad={"regularizer": [ProximalL1(0.1), L1L2]}),
    tf_spec("course_lib.tf_twins.regularization.penalty_and_gradient",
            call=lambda **kw: tf_module("regularization").penalty_and_gradient(**kw),
            valid=lambda: {"regularizer": keras_l2(), "w": np.array([1.0, -2.0])},
            extra_bad={"w": W_BAD, "regularizer": [L2(0.5), keras_l2]},
            ok=lambda kw, r: (pytest.approx(0.5 * _sum_sq(kw["w"]), rel=rtol_of([kw["w"]], 1e-12), abs=FTZ)
                              == r[0] or pytest.fail(f"penalty {r[0]}"))
            and close(r[1], arr(kw["w"]), rtol=rtol_of([kw["w"]], 1e-12), atol=FTZ)),
    tf_spec("course_lib.tf_twins.regularization.soft_threshold",
            call=lambda **kw: np.asarray(tf_module("regularization").soft_threshold(**kw)),
            valid=lambda: {"w": np.array([0.3, -0.05, -2.0]), "threshold": 0.1},
            extra_bad={"w": W_BAD, "threshold": [1e308]},
            ok=lambda kw, r: close(r, np.sign(arr(kw["w"])) * np.maximum(
                np.abs(arr(kw["w"])) - float(kw["threshold"]), 0), rtol=rtol_of([kw["w"]], 1e-12), atol=FTZ)),
    tf_spec("course_lib.tf_twins.clipping.clip_by_value",
            call=lambda **kw: tf_module("clipping").clip_by_value(**kw),
            valid=lambda: {"grads": GR(), "clip_value_min": -1.0, "clip_value_max": 1.0, "dtype": "float64"},
            extra_bad={"grads": G_BAD, "dtype": ["int32", "float16", np.float64]},
            ok=lambda kw, r: ok_value_clip(kw, r, atol=FTZ)),
    tf_spec("course_lib.tf_twins.clipping.clip_by_norm",
            call=lambda **kw: tf_module("clipping").clip_by_norm(**kw),
            valid=lambda: {"grads": GR(), "clip_norm": 1.0, "dtype": "float64"},
            extra_bad={"grads": G_BAD, "clip_norm": [1e308, 3.5e38]},
            ok=lambda kw, r: ok_norm_clip(kw, r, atol=FTZ)),
    tf_spec("course_lib.tf_twins.clipping.clip_by_global_norm",
            call=lambda **kw: tf_module("clipping").clip_by_global_norm(**kw),
            valid=lambda: {"grads": GR(), "clip_norm": 1.0, "dtype": "float64"},
            extra_bad={"grads": G_BAD}, ok=lambda kw, r: ok_global_clip(kw, r, atol=FTZ)),
    tf_spec("course_lib.tf_twins.clipping.keras_optimizer_clipping",
            call=lambda **kw: tf_module("clipping").keras_optimizer_clipping(**kw),
            valid=lambda: {"grads": GR(), "clipnorm": 1.0}, extra_bad={"grads": G_BAD},
            ok=lambda kw, r: ok_keras_clipping(
                {**kw, "grads": [np.asarray(g, dtype=np.float32) for g in kw["grads"]]}, r, atol=1e-38)),
    tf_spec("course_lib.tf_twins.schedules.to_keras",
            call=lambda **kw: tf_module("schedules").to_keras(**kw),
            valid=lambda: {"schedule": piecewise_constant(**PW), "dtype": "float64"},
            extra_bad={"schedule": [lambda t: 0.1, Schedule("custom", (), custom_rule)],
                       "dtype": ["float16", "int64"]}),
    tf_spec("course_lib.tf_twins.schedules.keras_learning_rates",
            call=lambda **kw: tf_module("schedules").keras_learning_rates(**kw),
            valid=lambda: {"keras_schedule": tf_module("schedules").to_keras(exponential_decay(0.1, 10, 0.5)),
                           "steps": STEPS},
            extra_bad={"steps": [np.array([1.5]), np.array([-1]), np.array([2**63 - 1])],
                       "keras_schedule": [exponential_decay(0.1, 10, 0.5), -0.1]},
            ok=lambda kw, r: close(r, np.full(np.shape(kw["steps"]), float(kw["keras_schedule"])), rtol=1e-7)
            if isinstance(kw["keras_schedule"], (int, float))
            else close(r, exp_formula(EXP, np.asarray(kw["steps"], dtype=float)), rtol=2e-6)),
]

test_fuzz = fuzz_tests(SPECS)
