"""Fuzz specs of ``course_lib.widgets``: every pure frame function, helper, record, widget
constructor and widget method (tests/fuzz_api.py states the contract: a clear error naming the
argument, or a correct, finite result, within a few seconds).

The fixtures are small (a 2-D bowl, 8 sine points at degree 3, a 4-epoch plateau problem, a
40-step least-squares problem) and built once: the callees never mutate them. Widget
constructors build a matplotlib figure on every accepted call, so they draw few random
examples. Each ``ok`` check recomputes part of the result by its own route (a closed form, a
plain loop, or the argument itself), so a spec cannot pass a wrong frame.
"""
from __future__ import annotations

import dataclasses
import functools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from fuzz_api import Spec, fuzz_tests  # noqa: E402

from course_lib.models import LogisticRegression  # noqa: E402
from course_lib.plateau import ReduceLROnPlateau  # noqa: E402
from course_lib.synthetic import QuadraticBowl  # noqa: E402
from course_lib.widgets import demo, early_stopping, gd_path, plateau, regularization  # noqa: E402
from course_lib.widgets import schedules, sgd_path, tuning_loop  # noqa: E402

FEW = 4          # random examples per argument for the slow (figure-building) callables
RANDOM = 10      # random examples per argument for the others
SLOW = 30.0      # seconds: building a figure on 2 shared cores can take a few seconds


def once(f):
    return functools.lru_cache(maxsize=None)(f)


def arr(v) -> np.ndarray:
    return np.asarray(v, dtype=float)


# ---- fixtures ---------------------------------------------------------------------------

def bowl_surface() -> gd_path.LossSurface:
    return gd_path.LossSurface(QuadraticBowl(np.diag([1.0, 4.0]), np.array([1.0, -1.0])))


@once
def line_data() -> tuple[np.ndarray, np.ndarray]:
    x = np.linspace(-1.0, 1.0, 8)
    return x, 2.0 * x + 0.5 + 0.1 * np.sin(7 * x)


@once
def line_surface() -> gd_path.LossSurface:
    return gd_path.linear_regression_surface(*line_data())


@once
def orders() -> np.ndarray:
    return sgd_path.shuffled_orders(8, 3, np.random.default_rng(0))


@once
def stats() -> sgd_path.BatchStatistics:
    x, y = line_data()
    return sgd_path.batch_statistics(x, y, orders(), 2)


@once
def sine() -> tuple[np.ndarray, ...]:
    x = np.linspace(0.0, 1.0, 8)
    xv = np.linspace(0.05, 0.95, 6)
    return x, np.sin(6 * x), xv, np.sin(6 * xv)


@once
def reg_grid() -> regularization.RegularizationGrid:
    return regularization.fit_grid(*sine(), degree=3, lambdas=[1e-3, 1e-1, 1e1], mixes=[0.0, 1.0])


@once
def plateau_problem() -> plateau.PlateauProblem:
    return plateau.plateau_problem(epochs=4)


@once
def ls_problem() -> schedules.LeastSquaresProblem:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 2))
    return schedules.least_squares_problem(X, X @ np.array([1.0, -0.5]) + 0.1 * rng.normal(size=20),
                                           batch_size=4, steps=40)


def curves(n=30):
    e = np.arange(n)
    test = 0.2 + 2.0 * np.exp(-e / 5) + 0.004 * e
    return 2.2 * np.exp(-e / 6) + 1e-3, {"clean": test * 1.01, "noisy": test * (1 + 0.1 * np.sin(e))}, test


@once
def stored_run() -> early_stopping.StoredRun:
    return early_stopping.StoredRun(*curves())


@once
def class_data() -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(0)
    X, Xv = rng.normal(size=(16, 2)), rng.normal(size=(8, 2))
    return X, (X[:, 0] > 0).astype(float), Xv, (Xv[:, 0] > 0).astype(float)


@once
def run_grid() -> tuning_loop.RunGrid:
    return tuning_loop.train_grid({"logistic": LogisticRegression(2)}, *class_data(), sizes=[8, 16],
                                  updates=6, batch_size=4)


def grid_fields() -> dict:
    g = run_grid()
    return {"model_names": g.model_names, "sizes": g.sizes.copy(), "updates": g.updates,
            "epoch_updates": g.epoch_updates, "epoch_train": g.epoch_train, "epoch_val": g.epoch_val,
            "final_train": g.final_train.copy(), "final_val": g.final_val.copy()}


# Widgets whose methods are fuzzed: built once.
@once
def parabola_ui():
    return demo.ParabolaDemo(0.1, steps=5)


@once
def gd_ui():
    return gd_path.GDPathWidget(bowl_surface(), start=(3.0, 2.0), max_steps=20)


@once
def sgd_ui():
    return sgd_path.SGDPathWidget(*line_data(), epochs=2, learning_rate=0.05, start=(0.0, 0.0))


@once
def plateau_ui():
    return plateau.PlateauExplorer(plateau_problem())


@once
def reg_ui():
    return regularization.RegularizationExplorer(None, None, None, None, grid=reg_grid(), lam=0.1)


@once
def schedule_ui():
    return schedules.ScheduleExplorer(ls_problem(), decay_steps=20)


@once
def es_ui():
    return early_stopping.EarlyStoppingExplorer(stored_run(), patience=3, max_patience=10)


@once
def tuning_ui():
    return tuning_loop.TuningLoopExplorer(run_grid())


def fresh_axes():
    fig, ax = plt.subplots()
    plt.close(fig)
    return ax


# ---- correctness checks -----------------------------------------------------------------

def _equal(got, want):
    assert got == want, f"{got} != {want}"


def ok_parabola(kw, f):
    lr, w0 = float(kw["learning_rate"]), float(kw.get("w0", 1.0))
    k = np.arange(len(f.w))
    np.testing.assert_allclose(f.w, w0 * (1 - 2 * lr) ** k, rtol=1e-12)
    assert 1 <= len(f.w) <= kw.get("steps", 20) + 1 and f.ok == (abs(1 - 2 * lr) < 1)


def ok_gd(kw, f):
    s, lr = kw["surface"], float(kw["learning_rate"])
    np.testing.assert_array_equal(f.path[0], arr(kw.get("start", (0.0, 0.0))))
    for a, b in zip(f.path[:-1], f.path[1:]):   # every kept step is one gradient step
        np.testing.assert_allclose(b, a - lr * s.bowl.A @ (a - s.bowl.minimizer), rtol=1e-9, atol=1e-12)
    assert len(f.path) - 1 <= kw["steps"]
    assert (f.diverged_at is not None) == ("diverg" in f.status)


def ok_sgd(kw, f):
    assert np.all(np.isfinite(f.path)) and len(f.learning_rate) <= len(kw["stats"].count)
    np.testing.assert_array_equal(f.path[0], arr(kw.get("start", (0.0, 0.0))))
    assert (f.diverged_at is not None) == ("diverged" in f.status)


def ok_rates(kw, r):
    t = np.arange(kw["steps"])
    want = float(kw["learning_rate"]) / (1 + float(kw["decay"]) * t / int(kw["steps_per_epoch"]))
    np.testing.assert_allclose(r, want, rtol=1e-12)


def ok_extent(kw, r):
    half = 1.5 * np.abs(arr(kw["start"]) - [1.0, -1.0]).max() + 1e-9
    np.testing.assert_allclose(r, (1 - half, 1 + half, -1 - half, -1 + half), rtol=1e-12)


def ok_val_loss(kw, r):
    p, w = plateau_problem(), arr(kw["w"])
    np.testing.assert_allclose(r, w @ p.val_A @ w - 2 * p.val_b @ w + p.val_c, rtol=1e-9, atol=1e-9)


def ok_ridge(kw, r):
    y = arr(kw["y"])        # X = [[1], [-1]]: centred already, X^T X / n = 1
    np.testing.assert_allclose(r[0], [(y[0] - y[1]) / 2 / (1.0 + float(kw["l2"]))], rtol=1e-9, atol=1e-300)


def ok_plateau_widget(kw, ui):
    assert np.isnan(ui.frame.val_loss).any() == ("diverged" in ui.frame.status)
    assert all(np.all(np.isfinite(line.get_ydata())) for line in (ui.val_line, ui.lr_line))


def ok_plateau_frame(kw, f):
    diverged = np.isnan(f.val_loss).any()
    assert diverged == ("diverged" in f.status)
    assert np.all(np.diff(f.learning_rates[np.isfinite(f.learning_rates)]) <= 0)   # only cuts


def ok_trained(kw, result):
    vals, lrs, cuts = result
    assert np.isnan(vals).any() or np.all(np.isfinite(lrs))


def ok_frame_choice(kw, f):
    g = kw["grid"]
    j = int(np.argmin(np.abs(np.log10(g.lambdas) - np.log10(float(kw["lam"])))))
    assert f.lam == g.lambdas[j] and f.n_zero == int(np.sum(f.weights == 0))


def ok_tradeoff(kw, result):
    epochs, test = result
    assert len(epochs) == kw["max_patience"] + 1 and np.all(np.diff(epochs) >= 0)


def ok_diagnose(kw, result):
    text, healthy = result
    assert isinstance(text, str) and healthy == text.startswith("good fit")


def ok_excess(kw, runs):
    for curve, at in runs:
        assert np.all(np.isfinite(curve)) and (at is None or len(curve) == at)


# ---- specs ------------------------------------------------------------------------------

SPECS = [
    # demo
    Spec("course_lib.widgets.demo.parabola_frame", call=demo.parabola_frame,
         valid=lambda: {"learning_rate": 0.3, "steps": 6, "w0": 1.5}, ok=ok_parabola,
         extra_bad={"steps": [10**6, 2**24], "learning_rate": [1e300]}),
    Spec("course_lib.widgets.demo.ParabolaDemo", call=lambda **kw: demo.ParabolaDemo(**kw),
         valid=lambda: {"learning_rate": 0.2, "steps": 4}, max_examples=FEW, timeout=SLOW),
    Spec("course_lib.widgets.demo.ParabolaDemo.update", call=lambda **kw: parabola_ui().update(**kw),
         valid=lambda: {"change": None}, timeout=SLOW),
    Spec("course_lib.widgets.demo.ParabolaDemo.show", call=lambda: parabola_ui().show(), valid=dict, timeout=SLOW),
    # gd_path
    Spec("course_lib.widgets.gd_path.LossSurface", call=lambda **kw: gd_path.LossSurface(**kw),
         valid=lambda: {"bowl": QuadraticBowl(np.eye(2), np.zeros(2)), "min_loss": 0.5, "labels": ("w", "b")}),
    Spec("course_lib.widgets.gd_path.LossSurface.loss", call=lambda **kw: bowl_surface().loss(**kw),
         valid=lambda: {"theta": np.array([[0.0, 0.0], [2.0, 1.0]])},
         ok=lambda kw, r: np.testing.assert_allclose(r, 0.5 * ((arr(kw["theta"])[..., 0] - 1) ** 2
                                                            + 4 * (arr(kw["theta"])[..., 1] + 1) ** 2))),
    Spec("course_lib.widgets.gd_path.LossSurface.grad", call=lambda **kw: bowl_surface().grad(**kw),
         valid=lambda: {"theta": np.array([2.0, 1.0])},
         ok=lambda kw, r: np.testing.assert_allclose(r, (arr(kw["theta"]) - [1.0, -1.0]) * [1.0, 4.0])),
    Spec("course_lib.widgets.gd_path.linear_regression_surface", call=gd_path.linear_regression_surface,
         valid=lambda: {"x": [0.0, 1.0, 2.0], "y": [1.0, 3.0, 5.0], "labels": ("w", "b")},
         ok=lambda kw, s: np.testing.assert_allclose(s.bowl.minimizer, [2.0, 1.0], atol=1e-12)),
    Spec("course_lib.widgets.gd_path.gd_path", call=gd_path.gd_path,
         valid=lambda: {"surface": bowl_surface(), "learning_rate": 0.3, "steps": 30, "start": (3.0, 2.0),
                        "tol": 1e-6},
         ok=ok_gd, extra_bad={"steps": [10**6, 2**24], "learning_rate": [1e300, 0.6], "start": [(1e200, 0.0)]}),
    Spec("course_lib.widgets.gd_path.check_start", call=gd_path.check_start,
         valid=lambda: {"start": (1.0, 2.0), "surface": bowl_surface()},
         ok=lambda kw, r: np.testing.assert_array_equal(r, arr(kw["start"]))),
    Spec("course_lib.widgets.gd_path.check_surface", call=gd_path.check_surface,
         valid=lambda: {"surface": bowl_surface()}),
    Spec("course_lib.widgets.gd_path.check_extent", call=gd_path.check_extent,
         valid=lambda: {"extent": (-1.0, 1.0, -2.0, 2.0)},
         extra_bad={"extent": [(1.0, -1.0, 0.0, 1.0), (0.0, 1.0, 0.0, 1.0, 2.0)]}),
    Spec("course_lib.widgets.gd_path.default_extent", call=gd_path.default_extent,
         valid=lambda: {"surface": bowl_surface(), "start": (3.0, 2.0)},
         ok=ok_extent),
    Spec("course_lib.widgets.gd_path.draw_contours", call=gd_path.draw_contours,
         valid=lambda: {"ax": fresh_axes(), "surface": bowl_surface(), "extent": (-2.0, 4.0, -4.0, 2.0),
                        "start": (3.0, 2.0), "levels": 5}, max_examples=FEW, timeout=SLOW),
    Spec("course_lib.widgets.gd_path.GDPathWidget", call=lambda **kw: gd_path.GDPathWidget(**kw),
         valid=lambda: {"surface": bowl_surface(), "start": (3.0, 2.0), "learning_rate": 0.2,
                        "max_steps": 20, "steps": 10, "extent": None, "tol": 1e-6},
         max_examples=FEW, timeout=SLOW, extra_bad={"max_steps": [10**6], "learning_rate": [10.0]}),
    Spec("course_lib.widgets.gd_path.GDPathWidget.update", call=lambda **kw: gd_ui().update(**kw),
         valid=lambda: {"change": None}, timeout=SLOW),
    Spec("course_lib.widgets.gd_path.GDPathWidget.show", call=lambda: gd_ui().show(), valid=dict, timeout=SLOW),
    # sgd_path
    Spec("course_lib.widgets.sgd_path.BatchStatistics", call=lambda **kw: sgd_path.BatchStatistics(**kw),
         valid=lambda: {"sxx": [2.0, 1.0], "sx": [0.0, 1.0], "count": [2.0, 1.0], "sxy": [1.0, 0.5],
                        "sy": [0.0, 0.5], "batch_size": 2, "steps_per_epoch": 2}),
    Spec("course_lib.widgets.sgd_path.shuffled_orders", call=sgd_path.shuffled_orders,
         valid=lambda: {"n_samples": 5, "epochs": 3, "rng": np.random.default_rng(0)},
         ok=lambda kw, r: np.testing.assert_array_equal(
             np.sort(r, axis=1), np.tile(np.arange(kw["n_samples"]), (kw["epochs"], 1))),
         extra_bad={"epochs": [10**7], "n_samples": [10**7]}),
    Spec("course_lib.widgets.sgd_path.batch_statistics", call=sgd_path.batch_statistics,
         valid=lambda: {"x": [1.0, 2.0, 3.0], "y": [1.0, 1.0, 2.0], "orders": [[2, 0, 1]], "batch_size": 2},
         ok=lambda kw, s: np.testing.assert_allclose(s.sxx, [9.0 + 1.0, 4.0]),
         extra_bad={"orders": [[[0.5, 1.2, 2.0]], [[0, 0, 1]]]}),
    Spec("course_lib.widgets.sgd_path.learning_rates", call=sgd_path.learning_rates,
         valid=lambda: {"learning_rate": 0.1, "decay": 1.0, "steps": 5, "steps_per_epoch": 2}, ok=ok_rates,
         extra_bad={"steps": [10**9]}),
    Spec("course_lib.widgets.sgd_path.sgd_path", call=sgd_path.sgd_path,
         valid=lambda: {"stats": stats(), "surface": line_surface(), "learning_rate": 0.1, "decay": 0.5,
                        "start": (0.0, 0.0)},
         ok=ok_sgd, extra_bad={"learning_rate": [1e300, 50.0], "start": [(1e200, 0.0)]}),
    Spec("course_lib.widgets.sgd_path.SGDPathWidget", call=lambda **kw: sgd_path.SGDPathWidget(**kw),
         valid=lambda: {"x": line_data()[0], "y": line_data()[1], "epochs": 2, "seed": 0, "start": (0.0, 0.0),
                        "learning_rate": 0.05, "batch_size": 2, "decay": 0.0},
         max_examples=FEW, timeout=SLOW, extra_bad={"epochs": [10**6], "batch_size": [3], "learning_rate": [100.0]}),
    Spec("course_lib.widgets.sgd_path.SGDPathWidget.update", call=lambda **kw: sgd_ui().update(**kw),
         valid=lambda: {"change": None}, timeout=SLOW),
    Spec("course_lib.widgets.sgd_path.SGDPathWidget.show", call=lambda: sgd_ui().show(), valid=dict, timeout=SLOW),
    # plateau
    Spec("course_lib.widgets.plateau.plateau_data", call=plateau.plateau_data,
         valid=lambda: {"n_features": 3, "condition_number": 10.0, "n_train": 8, "n_val": 5, "seed": 0},
         ok=lambda kw, r: _equal([a.shape for a in r], [(kw["n_train"], kw["n_features"]), (kw["n_train"],),
                                                        (kw["n_val"], kw["n_features"]), (kw["n_val"],)])),
    Spec("course_lib.widgets.plateau.plateau_problem", call=plateau.plateau_problem,
         valid=lambda: {"batch_size": 4, "epochs": 2, "seed": 0},
         ok=lambda kw, p: _equal(p.G.shape, (kw["epochs"] * 100 // kw["batch_size"], 7, 7)),
         extra_bad={"epochs": [10**6], "batch_size": [3]}),
    Spec("course_lib.widgets.plateau.PlateauProblem", call=lambda **kw: plateau.PlateauProblem(**kw),
         valid=lambda: {"G": np.tile(np.eye(2), (4, 1, 1)), "h": np.ones((4, 2)), "val_A": np.eye(2),
                        "val_b": np.ones(2), "val_c": 3.0, "floor": 1.0, "val_min": 1.0, "epochs": 2,
                        "steps_per_epoch": 2}),
    Spec("course_lib.widgets.plateau.PlateauProblem.val_loss",
         call=lambda **kw: plateau_problem().val_loss(**kw), valid=lambda: {"w": np.zeros(7)}, ok=ok_val_loss),
    Spec("course_lib.widgets.plateau.train_with_plateau", call=plateau.train_with_plateau,
         valid=lambda: {"problem": plateau_problem(), "initial_learning_rate": 0.4,
                        "plateau": ReduceLROnPlateau(factor=0.5, patience=1)},
         allow_nan=True, ok=ok_trained, extra_bad={"initial_learning_rate": [1e30, 50.0]}),
    Spec("course_lib.widgets.plateau.plateau_frame", call=plateau.plateau_frame,
         valid=lambda: {"problem": plateau_problem(), "factor": 0.5, "patience": 1, "min_delta": 0.01,
                        "cooldown": 0, "initial_learning_rate": 0.4, "min_lr": 0.0},
         allow_nan=True, ok=ok_plateau_frame, extra_bad={"initial_learning_rate": [50.0]}),
    Spec("course_lib.widgets.plateau.PlateauExplorer", call=lambda **kw: plateau.PlateauExplorer(**kw),
         valid=lambda: {"problem": plateau_problem(), "factor": 0.5, "patience": 2, "min_delta": 0.01,
                        "cooldown": 0, "initial_learning_rate": 0.4},
         max_examples=FEW, timeout=SLOW, allow_nan=True, ok=ok_plateau_widget,
         extra_bad={"factor": [0.99], "patience": [16], "initial_learning_rate": [50.0]}),
    Spec("course_lib.widgets.plateau.PlateauExplorer.update", call=lambda **kw: plateau_ui().update(**kw),
         valid=lambda: {"change": None}, allow_nan=True, timeout=SLOW),
    Spec("course_lib.widgets.plateau.PlateauExplorer.show", call=lambda: plateau_ui().show(), valid=dict, timeout=SLOW),
    # regularization
    Spec("course_lib.widgets.regularization.ridge", call=regularization.ridge,
         valid=lambda: {"X": [[1.0], [-1.0]], "y": [1.0, -1.0], "l2": 1.0},
         ok=ok_ridge),
    Spec("course_lib.widgets.regularization.elastic_net", call=regularization.elastic_net,
         valid=lambda: {"X": [[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]], "y": [3.0, 1.0, -1.0, -3.0],
                        "l1": 2.0, "l2": 0.0}),
    Spec("course_lib.widgets.regularization.fit_grid", call=regularization.fit_grid,
         valid=lambda: {"x_train": sine()[0], "y_train": sine()[1], "x_val": sine()[2], "y_val": sine()[3],
                        "degree": 3, "lambdas": [1e-2, 1.0], "mixes": [0.0, 1.0]},
         extra_bad={"degree": [21, 10**4], "lambdas": [np.geomspace(1e-3, 1, 3000)],
                    "x_train": [np.linspace(0, 1e200, 8)]}),
    Spec("course_lib.widgets.regularization.RegularizationGrid",
         call=lambda **kw: regularization.RegularizationGrid(**kw),
         valid=lambda: {k: getattr(reg_grid(), k) for k in ("lambdas", "mixes", "weights", "biases",
                                                            "train_mse", "val_mse", "scaler", "data")}),
    Spec("course_lib.widgets.regularization.RegularizationGrid.predict",
         call=lambda **kw: reg_grid().predict(**kw), valid=lambda: {"x": [0.0, 0.5], "i": 0, "j": 1},
         extra_bad={"x": [[1e100]], "i": [2], "j": [3]}),
    Spec("course_lib.widgets.regularization.regularization_frame", call=regularization.regularization_frame,
         valid=lambda: {"grid": reg_grid(), "lam": 0.05, "mix": 1.0, "x_plot": None}, ok=ok_frame_choice,
         extra_bad={"x_plot": [[1e100], np.zeros(10**6)]}),
    Spec("course_lib.widgets.regularization.RegularizationExplorer",
         call=lambda **kw: regularization.RegularizationExplorer(**kw),
         valid=lambda: {"x_train": sine()[0], "y_train": sine()[1], "x_val": sine()[2], "y_val": sine()[3],
                        "degree": 2, "lam": 1e-3, "mix": 0.0, "truth": np.sin, "grid": None},
         max_examples=FEW, timeout=SLOW, extra_bad={"truth": [lambda x: x[:2], lambda x: x * np.nan], "lam": [1e-30]}),
    Spec("course_lib.widgets.regularization.RegularizationExplorer.update",
         call=lambda **kw: reg_ui().update(**kw), valid=lambda: {"change": None}, timeout=SLOW),
    Spec("course_lib.widgets.regularization.RegularizationExplorer.show", call=lambda: reg_ui().show(),
         valid=dict, timeout=SLOW),
    # schedules
    Spec("course_lib.widgets.schedules.least_squares_problem", call=schedules.least_squares_problem,
         valid=lambda: {"X": np.eye(3), "y": np.ones(3), "batch_size": 3, "steps": 2, "seed": 0,
                        "reshuffle": True},
         ok=lambda kw, p: np.testing.assert_allclose(p.initial_excess, 1.0, atol=1e-12),
         extra_bad={"steps": [10**6], "X": [np.full((3, 3), 1e200)]}),
    Spec("course_lib.widgets.schedules.LeastSquaresProblem",
         call=lambda **kw: schedules.LeastSquaresProblem(**kw),
         valid=lambda: {"G": np.tile(2 * np.eye(2), (3, 1, 1)), "h": np.ones((3, 2)), "A": np.eye(2),
                        "w_star": np.ones(2), "initial_excess": 2.0, "batches": np.zeros((3, 1), int)}),
    Spec("course_lib.widgets.schedules.diabetes_problem", call=schedules.diabetes_problem,
         valid=lambda: {"batch_size": 8, "steps": 20, "seed": 0, "reshuffle": False},
         extra_bad={"steps": [10**6]}),
    Spec("course_lib.widgets.schedules.linear_warmup", call=lambda **kw: schedules.linear_warmup(**kw)(np.arange(4)),
         valid=lambda: {"schedule": lambda t: np.full(np.shape(t), 0.1), "warmup_steps": 2},
         ok=lambda kw, r: np.testing.assert_allclose(r, [0.0, 0.05, 0.1, 0.1] if kw["warmup_steps"] == 2
                                                     else r)),
    Spec("course_lib.widgets.schedules.build_schedule", call=lambda **kw: schedules.build_schedule(**kw)(np.arange(6)),
         valid=lambda: {"name": "piecewise_constant", "initial_learning_rate": 1.0, "decay_rate": 0.5,
                        "decay_steps": 2, "staircase": False, "end_learning_rate": 0.0, "warmup_steps": 0,
                        "total_steps": 5},
         extra_bad={"total_steps": [10**30], "decay_rate": [10.0], "name": [np.array(["constant"])]}),
    Spec("course_lib.widgets.schedules.sgd_excess_loss", call=schedules.sgd_excess_loss,
         valid=lambda: {"problem": ls_problem(), "learning_rates": np.full((2, 40), 0.1), "start": None},
         ok=ok_excess, extra_bad={"learning_rates": [np.full(41, 0.1), np.full(40, -0.1), np.full(40, 1e300)]}),
    Spec("course_lib.widgets.schedules.schedule_frame", call=schedules.schedule_frame,
         valid=lambda: {"problem": ls_problem(), "name": "exponential_decay", "initial_learning_rate": 0.1,
                        "decay_rate": 0.5, "decay_steps": 10, "staircase": False, "end_learning_rate": 0.0,
                        "warmup_steps": 5},
         extra_bad={"initial_learning_rate": [1e300, 50.0], "decay_rate": [1e300]}),
    Spec("course_lib.widgets.schedules.ScheduleExplorer", call=lambda **kw: schedules.ScheduleExplorer(**kw),
         valid=lambda: {"problem": ls_problem(), "name": "cosine_decay", "initial_learning_rate": 0.1,
                        "decay_rate": 0.5, "decay_steps": 20, "staircase": False, "end_learning_rate": 0.0,
                        "warmup_steps": 0},
         max_examples=FEW, timeout=SLOW, extra_bad={"decay_steps": [41], "warmup_steps": [21], "initial_learning_rate": [0.9]}),
    Spec("course_lib.widgets.schedules.ScheduleExplorer.update", call=lambda **kw: schedule_ui().update(**kw),
         valid=lambda: {"change": None}, timeout=SLOW),
    Spec("course_lib.widgets.schedules.ScheduleExplorer.values", call=lambda: schedule_ui().values(), valid=dict, timeout=SLOW),
    Spec("course_lib.widgets.schedules.ScheduleExplorer.show", call=lambda: schedule_ui().show(), valid=dict, timeout=SLOW),
    # early stopping
    Spec("course_lib.widgets.early_stopping.StoredRun", call=lambda **kw: early_stopping.StoredRun(**kw),
         valid=lambda: dict(zip(("train_loss", "val_loss", "test_loss"), curves())),
         extra_bad={"val_loss": [{"a": np.ones(29)}, {1: np.ones(30)}, {"a": -np.ones(30)}],
                    "train_loss": [np.ones(10**4)]}),
    Spec("course_lib.widgets.early_stopping.patience_tradeoff", call=early_stopping.patience_tradeoff,
         valid=lambda: {"val_loss": [1.0, 0.5, 0.6, 0.7], "test_loss": [1.0, 0.4, 0.5, 0.9], "min_delta": 0.0,
                        "max_patience": 6},
         ok=ok_tradeoff, extra_bad={"max_patience": [10**6], "val_loss": [np.ones(10**5)]}),
    Spec("course_lib.widgets.early_stopping.early_stopping_frame", call=early_stopping.early_stopping_frame,
         valid=lambda: {"val_loss": [1.0, 0.5, 0.6, 0.7, 0.8], "test_loss": [1.0, 0.4, 0.5, 0.9, 1.0],
                        "patience": 2, "min_delta": 0.0, "max_patience": 3},
         extra_bad={"patience": [10**6], "max_patience": [10**6]}),
    Spec("course_lib.widgets.early_stopping.EarlyStoppingExplorer",
         call=lambda **kw: early_stopping.EarlyStoppingExplorer(**kw),
         valid=lambda: {"run": stored_run(), "patience": 2, "min_delta": 0.0, "noise": "noisy", "max_patience": 8},
         max_examples=FEW, timeout=SLOW, extra_bad={"patience": [9], "min_delta": [0.06], "noise": [np.array(["noisy"])]}),
    Spec("course_lib.widgets.early_stopping.EarlyStoppingExplorer.update",
         call=lambda **kw: es_ui().update(**kw), valid=lambda: {"change": None}, timeout=SLOW),
    Spec("course_lib.widgets.early_stopping.EarlyStoppingExplorer.show", call=lambda: es_ui().show(),
         valid=dict, timeout=SLOW),
    # tuning loop
    Spec("course_lib.widgets.tuning_loop.draw_tuning_loop", call=lambda **kw: plt.close(
         tuning_loop.draw_tuning_loop(**kw)), valid=lambda: {"ax": None}, max_examples=FEW, timeout=SLOW),
    Spec("course_lib.widgets.tuning_loop.train_grid", call=tuning_loop.train_grid,
         valid=lambda: {"models": {"logistic": LogisticRegression(2)}, "X_train": class_data()[0],
                        "y_train": class_data()[1], "X_val": class_data()[2], "y_val": class_data()[3],
                        "sizes": [8, 16], "updates": 4, "batch_size": 4, "learning_rate": 0.1, "seed": 0},
         max_examples=FEW, timeout=SLOW,
         extra_bad={"updates": [10**7], "sizes": [[16, 8], [8, 17], [8.5]], "learning_rate": [1e300]}),
    Spec("course_lib.widgets.tuning_loop.RunGrid", call=lambda **kw: tuning_loop.RunGrid(**kw),
         valid=grid_fields),
    Spec("course_lib.widgets.tuning_loop.diagnose", call=tuning_loop.diagnose,
         valid=lambda: {"epoch_val": [0.5, 0.3, 0.4], "final_train": 0.01, "final_val": 0.4}, ok=ok_diagnose),
    Spec("course_lib.widgets.tuning_loop.tuning_frame", call=tuning_loop.tuning_frame,
         valid=lambda: {"grid": run_grid(), "model_name": "logistic", "training_size": 8},
         extra_bad={"training_size": [9, np.array([8])], "model_name": [np.array(["logistic"])]}),
    Spec("course_lib.widgets.tuning_loop.TuningLoopExplorer",
         call=lambda **kw: tuning_loop.TuningLoopExplorer(**kw),
         valid=lambda: {"grid": run_grid(), "model_name": "logistic", "training_size": 16}, max_examples=FEW, timeout=SLOW),
    Spec("course_lib.widgets.tuning_loop.TuningLoopExplorer.update",
         call=lambda **kw: tuning_ui().update(**kw), valid=lambda: {"change": None}, timeout=SLOW),
    Spec("course_lib.widgets.tuning_loop.TuningLoopExplorer.show", call=lambda: tuning_ui().show(), valid=dict, timeout=SLOW),
]


# ---- workflow (notebook 08): a 2 x 1 x 2 grid of 6-epoch runs; the largest rate diverges at epoch 2 --
from test_exercises_nb07 import _keras_rule  # noqa: E402  (one transcription of Keras's stopping rule)

from course_lib.widgets import workflow  # noqa: E402

WF_VAL = [1.0, 0.8, 0.7, 0.75, 0.72, 0.9]


def wf_fields(diverged: bool = False) -> dict:
    n = 2 if diverged else 6
    val = np.array(WF_VAL[:n])
    return {"learning_rate": np.full(n, 0.01), "loss": np.linspace(2.0, 0.5, n), "accuracy": np.linspace(0.3, 0.9, n),
            "val_loss": val, "val_accuracy": 1.2 - val, "test_loss": val + 0.05, "test_accuracy": 1.15 - val,
            "diverged_at": n if diverged else None, "divergence": "training loss nan" if diverged else ""}


def wf_grid() -> dict:
    runs = {(lr, "constant", d): workflow.WorkflowRun(**wf_fields(lr == 1.0)) for lr in (0.01, 1.0) for d in (0.0, 0.5)}
    return {"learning_rates": (0.01, 1.0), "schedules": ("constant",), "dropouts": (0.0, 0.5), "epochs": 6,
            "runs": runs, "plateau_patience": 3}


@once
def wf_runs() -> workflow.WorkflowRuns:
    return workflow.WorkflowRuns(**wf_grid())


def wf_columns() -> dict:
    rows = []
    for (lr, s, d), run in wf_runs().runs.items():
        rows += [[lr, s, d, e] + [float(getattr(run, c)[e]) for c in workflow.CURVES] for e in range(run.epochs)]
        if run.diverged_at is not None:
            rows.append([lr, s, d, run.diverged_at] + [np.nan] * len(workflow.CURVES))
    return {name: np.array(col, dtype=str if name == "schedule" else float)
            for name, col in zip(workflow.COLUMNS, zip(*rows))}


@once
def wf_ui():
    return workflow.WorkflowExplorer(wf_runs(), patience=2, max_patience=8)


def ok_wf_lookup(kw, result):
    (lr, schedule, dropout), run = result
    want_lr = 0.01 if np.log10(float(kw["learning_rate"])) < -1 else 1.0     # log midpoint of 0.01 and 1 is 0.1
    assert abs(np.log10(float(kw["learning_rate"])) + 1) < 1e-12 or lr == want_lr
    assert abs(float(kw["dropout"]) - 0.25) < 1e-12 or dropout == (0.0 if float(kw["dropout"]) < 0.25 else 0.5)
    assert run is wf_runs().runs[(lr, schedule, dropout)]


def ok_wf_frame(kw, f):
    (lr, _, _), run = wf_runs().run(kw["learning_rate"], kw["schedule"], kw["dropout"])
    stop, best = _keras_rule(run.val_loss.tolist(), int(kw["patience"]), 0.0)
    assert (f.stop_epoch, f.best_epoch) == (stop, best) and f.learning_rate == lr
    assert f.diverged_at == (run.diverged_at if stop is None else None)
    assert f.kept_epoch == (best if kw.get("restore_best_weights", True) else
                            (None if f.diverged_at is not None else f.epochs_run - 1))


WORKFLOW_SPECS = [
    Spec("course_lib.widgets.workflow.WorkflowRun", call=lambda **kw: workflow.WorkflowRun(**kw), valid=wf_fields,
         extra_bad={"loss": [np.ones(5), -np.ones(6), np.ones(2000)], "accuracy": [np.full(6, 1.5)],
                    "diverged_at": [6, 5, 0], "divergence": ["nan", np.array(["nan"])]},
         names={c: (c, "every curve") for c in workflow.CURVES}),
    Spec("course_lib.widgets.workflow.WorkflowRun", call=lambda **kw: workflow.WorkflowRun(**kw),
         valid=lambda: wf_fields(diverged=True),
         extra_bad={"diverged_at": [None, 3, True], "divergence": ["", "x" * 41, 3]},
         names={c: (c, "every curve") for c in workflow.CURVES}),
    Spec("course_lib.widgets.workflow.WorkflowRuns", call=lambda **kw: workflow.WorkflowRuns(**kw), valid=wf_grid,
         extra_bad={"learning_rates": [(1.0, 0.01), (0.0, 1.0), (0.01,)], "dropouts": [(0.0, 1.0), (0.5, 0.0)],
                    "schedules": [("constant", "constant"), "constant", ("",)], "epochs": [7, 5],
                    "runs": [{}, {**wf_grid()["runs"], (0.01, "constant", 0.0): "run"}]}),
    Spec("course_lib.widgets.workflow.WorkflowRuns.from_columns",
         call=lambda **kw: workflow.WorkflowRuns.from_columns(**kw), valid=lambda: {"columns": wf_columns()},
         extra_bad={"columns": [{**wf_columns(), "epoch": wf_columns()["epoch"][::-1].copy()},
                                {**wf_columns(), "loss": np.full(16, np.nan)},
                                {**wf_columns(), "schedule": np.zeros(16)},
                                {k: v[:-3] for k, v in wf_columns().items()}]},
         ok=lambda kw, r: _equal(set(r.runs), set(wf_runs().runs))),
    Spec("course_lib.widgets.workflow.WorkflowRuns.load", call=workflow.WorkflowRuns.load, valid=dict,
         ok=lambda kw, r: _equal((r.learning_rates, r.dropouts, r.epochs),
                                 (workflow.LEARNING_RATES, workflow.DROPOUTS, workflow.EPOCHS))),
    Spec("course_lib.widgets.workflow.WorkflowRuns.run", call=lambda **kw: wf_runs().run(**kw),
         valid=lambda: {"learning_rate": 0.05, "schedule": "constant", "dropout": 0.3}, ok=ok_wf_lookup,
         extra_bad={"learning_rate": [0.0, -0.01, 1e300, 5e-324], "dropout": [1.0, 0.999999, -1e-9],
                    "schedule": ["cosine", np.array(["constant"])]}),
    Spec("course_lib.widgets.workflow.workflow_frame", call=workflow.workflow_frame,
         valid=lambda: {"runs": wf_runs(), "learning_rate": 0.01, "schedule": "constant", "dropout": 0.0,
                        "patience": 1, "restore_best_weights": True}, ok=ok_wf_frame,
         extra_bad={"patience": [0, 10**6, 1000, 2**24], "learning_rate": [1.0, 0.2, 1e300],
                    "restore_best_weights": [np.False_, 1, None]}),
    Spec("course_lib.widgets.workflow.WorkflowExplorer", call=lambda **kw: workflow.WorkflowExplorer(**kw),
         valid=lambda: {"runs": wf_runs(), "learning_rate": 1.0, "schedule": "constant", "dropout": 0.5,
                        "patience": 2, "restore_best_weights": False, "max_patience": 8},
         max_examples=FEW, timeout=SLOW, extra_bad={"patience": [9], "max_patience": [0, 10**6], "runs": [wf_grid()]}),
    Spec("course_lib.widgets.workflow.WorkflowExplorer.update", call=lambda **kw: wf_ui().update(**kw),
         valid=lambda: {"change": None}, timeout=SLOW),
    Spec("course_lib.widgets.workflow.WorkflowExplorer.show", call=lambda: wf_ui().show(), valid=dict, timeout=SLOW),
]
SPECS += WORKFLOW_SPECS

_RECORD = "a frozen record that a frame function returns for the widget to draw; never built by hand"
EXEMPT = {f"course_lib.widgets.{name}": _RECORD for name in (
    "demo.ParabolaFrame", "gd_path.GDFrame", "sgd_path.SGDFrame", "plateau.PlateauFrame",
    "regularization.RegularizationFrame", "schedules.ScheduleFrame", "early_stopping.EarlyStoppingFrame",
    "tuning_loop.TuningFrame")}
EXEMPT["course_lib.widgets.workflow.WorkflowFrame"] = _RECORD

# Every listed bad value always runs; random ones are fewer than the harness's default (25):
# the 68 specs have 230 arguments, and widgets are slow to build.
SPECS = [dataclasses.replace(spec, max_examples=min(spec.max_examples, RANDOM)) for spec in SPECS]

# Figure-building callables (the explorers, their update and show) draw a whole figure for every
# value they accept: each argument gets every third listed bad value (a different third per
# argument) and FEW random ones; the pure functions they call get every value, above.
SPECS = [dataclasses.replace(spec, listed_every=3) if spec.timeout == SLOW else spec for spec in SPECS]
test_fuzz = fuzz_tests(SPECS)
