"""Fuzz specs of course_lib.diagnose (tests/fuzz_api.py states the contract).

Every check gets a small history on which its finding appears with the valid arguments, so that
a bad threshold cannot hide behind an early "not applicable"; ``ok`` checks that what comes
back is a Finding of the check's own name, or None.
"""
from __future__ import annotations

import dataclasses

import numpy as np
from fuzz_api import Spec, fuzz_tests

from course_lib import diagnose as dg
from course_lib.training import History

EXEMPT = {"course_lib.diagnose.Finding": "a frozen result record, returned by every check of "
                                        "course_lib.diagnose and by diagnose(); never built by learners"}


def H(train=(3.0, 1.0, 0.5, 0.3, 0.2, 0.1), val=(2.0, 1.1, 0.7, 0.8, 0.9, 1.0), P=1, fixed=True):
    train = np.asarray(train, dtype=float)
    E = len(train)
    val = val[:E]
    rng = np.random.default_rng(0)
    steps = np.repeat(train, P) + (np.tile(rng.normal(0, 0.3, P), E) if P > 1 else 0)
    order = np.stack([np.arange(P) if fixed else rng.permutation(P) for _ in range(E)])
    n = len(steps)
    return History(steps, np.full(n, 0.1), np.linspace(1, 10, n), train, np.full(E, 0.6), np.asarray(val, float),
                   np.linspace(0.5, 0.9, len(val)), np.full(E, 0.1), {}, "accuracy", 1, order)


def ok_named(name):
    def ok(kwargs, result):
        assert result is None or (isinstance(result, dg.Finding) and result.name == name)
    return ok


def ok_diagnose(kwargs, result):
    assert isinstance(result, list) and all(isinstance(f, dg.Finding) for f in result)
    got = [f.name for f in result]
    assert got == [n for n in dg.CHECKS if n in got]


GRADS = lambda: np.array([[1e-4, 1e-2, 1.0], [2e-4, 1e-2, 1.0]])   # noqa: E731
CURVE = {"history": ("history",)}

SPECS = [
    Spec("course_lib.diagnose.diagnose", call=dg.diagnose, ok=ok_diagnose,
         valid=lambda: {"history": H(), "n_classes": 10, "baseline_loss": None, "n_val": 30,
                        "layer_grad_norms": GRADS(), "activation_stats": {"h": np.array([0.0, 0.0, 0.3])},
                        "clipped_fraction": 0.9, "clip_threshold": 2.0, "X_train": np.eye(3),
                        "X_val": np.eye(3)[:2], "max_overlap": 0.01, "blowup_factor": 1000.0,
                        "init_factor": 2.0, "rise_tolerance": 0.1, "swing_fraction": 0.5, "min_swing": 0.01,
                        "progress_ratio": 0.9, "late_share": 0.1, "plateau_share": 0.02, "plateau_level": 0.5,
                        "underfit_fraction": 0.5, "generalization_loss": 0.05, "min_difference": 0.1, "z": 1.96,
                        "periodic_autocorrelation": 0.5, "vanishing_gain": 0.5, "exploding_gain": 2.0,
                        "dead_fraction": 0.5, "max_clipped_fraction": 0.5, "min_epochs": 4},
         ),
    Spec("course_lib.diagnose.divergence", call=dg.divergence, ok=ok_named("divergence"),
         valid=lambda: {"history": H(train=(3.0, 1.0, np.inf, 0.3), val=(1.0, 1.0, 1.0, 1.0)),
                        "blowup_factor": 1000.0}),
    Spec("course_lib.diagnose.init_loss", call=dg.init_loss, ok=ok_named("init_loss"),
         valid=lambda: {"history": H(train=(9.0, 1.0, 0.5, 0.3)), "n_classes": 10, "baseline_loss": 2.0,
                        "init_factor": 2.0}),
    Spec("course_lib.diagnose.train_val_overlap", call=dg.train_val_overlap, ok=ok_named("train_val_overlap"),
         valid=lambda: {"X_train": np.eye(3), "X_val": np.r_[np.eye(3)[:1], np.ones((2, 3))], "max_overlap": 0.01},
         names={"X_val": ("X_val", "columns"), "X_train": ("X_train", "columns")}),
    Spec("course_lib.diagnose.loss_rising", call=dg.loss_rising, ok=ok_named("loss_rising"),
         valid=lambda: {"history": H(train=(2.0, 1.0, 0.5, 1.0), val=(1.0,) * 4), "rise_tolerance": 0.1,
                        "min_epochs": 4}),
    Spec("course_lib.diagnose.oscillation", call=dg.oscillation, ok=ok_named("oscillation"),
         valid=lambda: {"history": H(train=(1.0, 1.5, 1.0, 1.5, 1.0, 1.5), val=(1.0,) * 6), "swing_fraction": 0.5,
                        "min_swing": 0.01, "progress_ratio": 0.9, "min_epochs": 4}),
    Spec("course_lib.diagnose.slow_progress", call=dg.slow_progress, ok=ok_named("slow_progress"),
         valid=lambda: {"history": H(train=(3.0, 2.8, 2.6, 2.4, 2.2, 2.0), val=(1.0,) * 6), "late_share": 0.1,
                        "plateau_share": 0.02, "plateau_level": 0.5, "min_epochs": 4}),
    Spec("course_lib.diagnose.underfitting", call=dg.underfitting, ok=ok_named("underfitting"),
         valid=lambda: {"history": H(train=(3.0, 2.8, 2.6, 2.4), val=(3.0, 2.8, 2.6, 2.4)), "n_classes": 10,
                        "baseline_loss": 2.0, "underfit_fraction": 0.5, "min_epochs": 4}),
    Spec("course_lib.diagnose.overfitting", call=dg.overfitting, ok=ok_named("overfitting"),
         valid=lambda: {"history": H(), "generalization_loss": 0.05, "min_epochs": 4}),
    Spec("course_lib.diagnose.noisy_validation", call=dg.noisy_validation, ok=ok_named("noisy_validation"),
         valid=lambda: {"history": H(), "n_val": 30, "min_difference": 0.1, "z": 1.96}),
    Spec("course_lib.diagnose.periodic_loss", call=dg.periodic_loss, ok=ok_named("periodic_loss"),
         valid=lambda: {"history": H(P=6), "periodic_autocorrelation": 0.5}),
    Spec("course_lib.diagnose.vanishing_gradients", call=dg.vanishing_gradients,
         ok=ok_named("vanishing_gradients"), valid=lambda: {"layer_grad_norms": GRADS(), "vanishing_gain": 0.5},
         names={"layer_grad_norms": ("layer_grad_norms",)}),
    Spec("course_lib.diagnose.exploding_gradients", call=dg.exploding_gradients,
         ok=ok_named("exploding_gradients"),
         valid=lambda: {"layer_grad_norms": GRADS()[:, ::-1].copy(), "exploding_gain": 2.0}),
    Spec("course_lib.diagnose.dead_relus", call=dg.dead_relus, ok=ok_named("dead_relus"),
         valid=lambda: {"activation_stats": {"h": np.array([0.0, 0.0, 0.3]), "g": np.array([[0.2, 0.0]])},
                        "dead_fraction": 0.5}),
    Spec("course_lib.diagnose.clipping_too_often", call=dg.clipping_too_often, ok=ok_named("clipping_too_often"),
         valid=lambda: {"history": H(), "clipped_fraction": 0.9, "clip_threshold": 2.0,
                        "max_clipped_fraction": 0.5}),
]

# The checks are cheap, but 85 arguments x ~80 values add up: 5 random values per argument on top of
# every listed one keep this file near 10 s on one core.
SPECS = [dataclasses.replace(spec, max_examples=5) for spec in SPECS]
test_fuzz = fuzz_tests(SPECS)


def test_each_valid_history_raises_its_finding():
    """The valid arguments above make every check find its problem (so the fuzzing reaches the rule)."""
    for spec in SPECS[1:]:
        assert spec.call(**spec.valid()) is not None, spec.target
    assert len(spec_names := [s.target for s in SPECS]) == len(set(spec_names))
