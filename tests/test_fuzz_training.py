"""Fuzz specs of training, early stopping, plateau scheduling, the models and their TensorFlow twins
(tests/fuzz_api.py states the contract: a clear error naming the argument, or a correct, finite
result, within a few seconds).

The data are tiny (4 samples, 2 features) so that each call takes milliseconds. The ``ok``
checks recompute results by their own route: the models' losses from the formulas in plain
numpy, the plateau's first step and the early-stopping decisions by hand. ``TrainingDiverged``
is an allowed outcome of ``fit`` and ``fit_tf`` (an extreme learning rate or data scale makes a
run blow up; the message then names ``learning_rate``), and so are the nan values that the
early-stopping records hold when the monitored curve itself holds nan (Keras's rule keeps a
first nan as the best; it is the input's value, reported back). The TensorFlow specs are
marked ``tf`` and draw few random examples.
"""
from __future__ import annotations

import importlib
import math
from types import SimpleNamespace

import numpy as np
import pytest
from fuzz_api import Spec, fuzz_tests

from course_lib.early_stopping import EarlyStopping, StopPoint, early_stopping_point
from course_lib.models import MLP, LinearRegression, LogisticRegression, SoftmaxRegression, glorot_uniform, sigmoid, \
    softmax
from course_lib.optim import SGD, GradientDescent
from course_lib.plateau import ReduceLROnPlateau, plateau_learning_rates
from course_lib.regularization import L2
from course_lib.training import History, TrainingDiverged, TrainState, batch_indices, batch_size_name, epoch_order, \
    fit

TF = (pytest.mark.tf,)
TF_EXAMPLES, TF_TIMEOUT = 3, 60.0
DIVERGED = (TrainingDiverged,)


def X4():
    return np.array([[0.5, -1.0], [1.0, 0.25], [-0.5, 0.75], [0.0, -0.25]])


MODELS = {"LinearRegression": (lambda: LinearRegression(2), lambda: np.array([0.5, -1.0, 2.0, 0.0])),
          "LogisticRegression": (lambda: LogisticRegression(2), lambda: np.array([0, 1, 1, 0])),
          "SoftmaxRegression": (lambda: SoftmaxRegression(2, 3), lambda: np.array([0, 2, 1, 2])),
          "MLP": (lambda: MLP(2, 3, 3), lambda: np.array([1, 0, 2, 1]))}


def P(name):
    model = MODELS[name][0]()
    return {k: np.linspace(-0.5, 0.7, int(np.prod(s))).reshape(s) for k, s in model.param_shapes().items()}


def _as(a):
    return np.asarray(a, dtype=float)


def ref_logits(model, params, X):
    X = _as(X)
    if isinstance(model, MLP):
        h = np.maximum(X @ _as(params["W1"]) + _as(params["b1"]), 0)
        return h @ _as(params["W2"]) + _as(params["b2"])
    return X @ _as(params["W"]) + _as(params["b"])


def ref_loss(model, params, X, y):
    z, y = ref_logits(model, params, X), _as(y)
    if isinstance(model, LinearRegression):
        return float(np.mean((z[:, 0] - y) ** 2))
    if isinstance(model, LogisticRegression):
        return float(np.mean(np.logaddexp(0, z[:, 0]) - y * z[:, 0]))
    top = z.max(1)   # logsumexp(z) - z_y, with the shift taken out first (no cancellation)
    return float(np.mean(np.log(np.sum(np.exp(z - top[:, None]), 1)) + (top - z[np.arange(len(y)), y.astype(int)])))


def ref_metric(model, params, X, y):
    z, y = ref_logits(model, params, X), _as(y)
    if isinstance(model, LinearRegression):
        return float(np.mean((z[:, 0] - y) ** 2))
    if isinstance(model, LogisticRegression):
        return float(np.mean((z[:, 0] > 0) == (y == 1)))
    return float(np.mean(z.argmax(1) == y))


def model_specs(name):
    make, Y = MODELS[name]
    target = f"course_lib.models.{name}"
    m = make()
    bad_params = [P(name) | {next(iter(P(name))): np.full(P(name)[next(iter(P(name)))].shape, np.nan)},
                  {k: np.full(v.shape, 1e200) for k, v in P(name).items()},
                  {k: v.astype(bool) for k, v in P(name).items()}, {k: v[..., :1] for k, v in P(name).items()}]
    bad_X = [np.full((4, 2), 1e200), np.ones((4, 3)), np.ones((4, 2), dtype=np.float32) * np.float32(3e38)]
    bad_y = [np.array([0, 1, 1e19, 0]), np.array([0, 1, 0.5, 0]), np.array([0, -1, 1, 0]),
             np.array([0, 1, 2, 10**6]), np.array([0, 1, 1, 0], dtype=object)]

    def ok_loss(kw, result):
        assert result == pytest.approx(ref_loss(m, kw["params"], kw["X"], kw["y"]), rel=1e-10, abs=1e-12)

    def ok_grad(kw, result):
        ok_loss(kw, result[0])
        scales = [np.abs(_as(kw["X"])).max(), np.abs(_as(kw["y"])).max(),
                  *(np.abs(_as(v)).max() for v in kw["params"].values())]
        if max(scales) > 1e3:
            return  # central differences lose all their digits at extreme scales
        h = 1e-6   # central differences of the reference loss, on one entry of each array
        for key, g in result[1].items():
            plus = {k: _as(v).copy() for k, v in kw["params"].items()}
            minus = {k: _as(v).copy() for k, v in kw["params"].items()}
            plus[key].flat[0] += h
            minus[key].flat[0] -= h
            numeric = (ref_loss(m, plus, kw["X"], kw["y"]) - ref_loss(m, minus, kw["X"], kw["y"])) / (2 * h)
            assert g.flat[0] == pytest.approx(numeric, rel=1e-4, abs=1e-6), key

    def ok_metric(kw, result):
        assert result == pytest.approx(ref_metric(m, kw["params"], kw["X"], kw["y"]), rel=1e-10, abs=1e-12)

    def ok_predict(kw, result):
        z = ref_logits(m, kw["params"], kw["X"])
        if isinstance(m, LinearRegression):
            want = z[:, 0]
        elif isinstance(m, LogisticRegression):
            want = 1 / (1 + np.exp(-z[:, 0]))
        else:
            e = np.exp(z - z.max(1, keepdims=True))
            want = e / e.sum(1, keepdims=True)
        np.testing.assert_allclose(result, want, rtol=1e-10, atol=1e-15)

    def ok_init(kw, result):
        assert {k: v.shape for k, v in result.items()} == m.param_shapes()

    ctor_args = {"LinearRegression": {"n_features": 2}, "LogisticRegression": {"n_features": 2},
                 "SoftmaxRegression": {"n_features": 2, "n_classes": 3},
                 "MLP": {"n_inputs": 2, "n_hidden": 3, "n_classes": 3}}[name]
    cls = type(m)
    data = lambda: {"params": P(name), "X": X4(), "y": Y()}  # noqa: E731
    common = dict(extra_bad={"params": bad_params, "X": bad_X, "y": bad_y}, names={"y": ("y", "X and y")})
    return [
        Spec(target, call=lambda **kw: cls(**kw), valid=lambda: dict(ctor_args),
             extra_bad={k: [10**6, 10**5, 1.0] for k in ctor_args}),
        Spec(f"{target}.param_shapes", call=lambda: make().param_shapes(), valid=dict),
        Spec(f"{target}.init_params", call=lambda rng: make().init_params(rng),
             valid=lambda: {"rng": np.random.default_rng(0)}, extra_bad={"rng": [np.random.RandomState(0), 0]},
             ok=ok_init),
        Spec(f"{target}.check_params", call=lambda params: make().check_params(params),
             valid=lambda: {"params": P(name)}, extra_bad={"params": bad_params[:1] + bad_params[2:]}),
        Spec(f"{target}.check_data", call=lambda X, y: make().check_data(X, y),
             valid=lambda: {"X": X4(), "y": Y()}, extra_bad={"X": bad_X[1:], "y": bad_y},
             names={"y": ("y", "X and y"), "X": ("X",)}),
        Spec(f"{target}.loss", call=lambda **kw: make().loss(**kw), valid=data, ok=ok_loss, **common),
        Spec(f"{target}.loss_and_grad", call=lambda **kw: make().loss_and_grad(**kw), valid=data, ok=ok_grad,
             **common),
        Spec(f"{target}.metric", call=lambda **kw: make().metric(**kw), valid=data, ok=ok_metric, **common),
        Spec(f"{target}.predict", call=lambda **kw: make().predict(**kw),
             valid=lambda: {"params": P(name), "X": X4()}, ok=ok_predict,
             extra_bad={"params": bad_params, "X": bad_X}),
    ]


def ok_sigmoid(kw, result):
    z = _as(kw["z"])
    np.testing.assert_allclose(result, 0.5 * (1 + np.tanh(z / 2)), rtol=1e-12, atol=1e-300)


def ok_softmax(kw, result):
    z = _as(kw["z"])
    with np.errstate(over="ignore"):
        e = np.exp(z - z.max(axis=-1, keepdims=True))
    np.testing.assert_allclose(result, e / e.sum(axis=-1, keepdims=True), rtol=1e-12)


SPECS = [spec for name in MODELS for spec in model_specs(name)] + [
    Spec("course_lib.models.glorot_uniform", call=lambda **kw: glorot_uniform(**kw),
         valid=lambda: {"rng": np.random.default_rng(0), "n_in": 3, "n_out": 2},
         extra_bad={"n_in": [10**6, 2.0], "n_out": [10**5 + 1]},
         ok=lambda kw, r: (r.shape == (kw["n_in"], kw["n_out"])
                           and np.all(np.abs(r) <= math.sqrt(6 / (kw["n_in"] + kw["n_out"])))) or pytest.fail(r)),
    Spec("course_lib.models.sigmoid", call=lambda z: sigmoid(z), valid=lambda: {"z": np.array([-800.0, 0.0, 3.0])},
         ok=ok_sigmoid, extra_bad={"z": [np.array([1e308, -1e308]), np.float32([100.0])]}),
    Spec("course_lib.models.softmax", call=lambda z: softmax(z), valid=lambda: {"z": np.array([[1000.0, 0.0]])},
         ok=ok_softmax, extra_bad={"z": [np.array([[1e308, -1e308]]), np.zeros((2, 0))]}),
]


# ---- training ----------------------------------------------------------------------------------

def fit_args():
    return {"model": LinearRegression(2), "X": X4(), "y": np.array([0.5, -1.0, 2.0, 0.0]), "batch_size": 2,
            "epochs": 2, "optimizer": GradientDescent(), "learning_rate": 0.1, "schedule": None,
            "schedule_per": "step", "validation_data": (X4(), np.zeros(4)), "regularizer": None,
            "clipvalue": None, "clipnorm": None, "global_clipnorm": None, "callbacks": [], "rng": 0,
            "params": {"W": np.zeros((2, 1)), "b": np.zeros(1)}, "shuffle": True, "dtype": "float64",
            "divergence_factor": 1000.0}


def ok_fit(kw, h):
    """Counts, and the first step's loss by hand when it starts from zero weights: mean(y_batch^2)."""
    assert isinstance(h, History) and h.n_epochs == kw["epochs"]
    n, bs = len(h.batch_order[0]), h.batch_size
    assert h.n_steps == h.n_epochs * -(-n // bs) and len(h.epoch_learning_rate) == h.n_epochs
    zero_start = isinstance(kw["params"], dict) and all(not np.any(v) for v in kw["params"].values())
    if zero_start and isinstance(kw["model"], LinearRegression) and isinstance(kw["rng"], int) \
            and kw["regularizer"] is None and kw["shuffle"] is True:
        first = np.random.default_rng(kw["rng"]).permutation(n)[:bs]
        assert h.step_loss[0] == pytest.approx(np.mean(np.asarray(kw["y"], dtype=float)[first] ** 2), rel=1e-12)


class Counter:
    def __init__(self):
        self.n = 0

    def on_epoch_end(self, epoch, logs, state):
        self.n += 1


SPECS += [
    # timeout: a random `epochs` in the thousands is a legitimate run of seconds on a busy machine, not a
    # hang; fit bounds every run at MAX_STEPS updates
    Spec("course_lib.training.fit", call=lambda **kw: fit(**kw), valid=fit_args, also_raises=DIVERGED, ok=ok_fit,
         max_examples=15, timeout=30.0,
         names={"X": ("X", "diverged"), "y": ("y", "X and y", "diverged"), "learning_rate": ("learning_rate",),
                "schedule": ("schedule", "learning_rate"), "params": ("params",),
                "validation_data": ("validation_data", "validation")},
         extra_bad={"X": [np.full((4, 2), 1e200), np.full((4, 2), 1e150)], "learning_rate": [1e300, 3.0],
                    "callbacks": [[Counter], [Counter(), "EarlyStopping"], (EarlyStopping(),)],
                    "validation_data": [(np.full((1, 2), 1e300), [0.0]), (X4(),), [X4(), None]],
                    "divergence_factor": [1.0, 1 + 1e-16]}),
    Spec("course_lib.training.batch_size_name", call=lambda **kw: batch_size_name(**kw),
         valid=lambda: {"batch_size": 8, "n": 100},
         ok=lambda kw, r: r == {kw["n"]: "batch gradient descent", 1: "stochastic gradient descent"}.get(
             kw["batch_size"], f"mini-batch gradient descent ({kw['batch_size']} of {kw['n']} samples)")
         or pytest.fail(r)),
    Spec("course_lib.training.epoch_order", call=lambda **kw: epoch_order(**kw),
         valid=lambda: {"n": 5, "rng": np.random.default_rng(1), "shuffle": True},
         extra_bad={"shuffle": ["no", 1, np.array([True])], "rng": [np.random.RandomState(0), 1.5]},
         ok=lambda kw, r: sorted(r.tolist()) == list(range(kw["n"])) or pytest.fail(r)),
    Spec("course_lib.training.batch_indices", call=lambda **kw: batch_indices(**kw),
         valid=lambda: {"n": 5, "batch_size": 2, "rng": 3, "shuffle": True},
         extra_bad={"shuffle": ["no", 0], "n": [10**8]},
         ok=lambda kw, r: sorted(np.concatenate(r).tolist()) == list(range(kw["n"])) or pytest.fail(r)),
    Spec("course_lib.training.TrainState", call=lambda **kw: TrainState(**kw),
         valid=lambda: {"params": {"W": np.zeros(2)}, "learning_rate": 0.1, "epoch": 0, "step": 0,
                        "stop_training": False}),
    Spec("course_lib.training.History", call=lambda **kw: History(**kw), allow_nan=True, allow_inf=True,
         valid=lambda: {"step_loss": np.array([1.0, 0.5]), "step_learning_rate": np.array([0.1, 0.1]),
                        "step_grad_norm": np.array([2.0, 1.0]), "epoch_loss": np.array([0.75]),
                        "epoch_metric": np.array([0.5]), "epoch_val_loss": np.array([0.8]),
                        "epoch_val_metric": np.array([0.5]), "epoch_learning_rate": np.array([0.1]),
                        "params": {"W": np.zeros(2)}, "metric_name": "mse", "batch_size": 2,
                        "batch_order": np.array([[1, 0, 3, 2]]), "stopped_early": False}),
]


# ---- plateau and early stopping ------------------------------------------------------------------

def primed_plateau():
    plateau = ReduceLROnPlateau(factor=0.5, patience=0, min_delta=0.0)
    plateau.update(1.0, 0.1)  # best = 1.0
    return plateau


def ok_primed_update(kw, lr):
    # by hand: with best 1.0, patience 0: an improvement keeps the rate, anything else halves it
    current = float(np.asarray(kw["current"]).reshape(()))
    with np.errstate(over="ignore"):   # beyond float32's range: inf, as the docstring of _monitor says
        improved = np.float32(current) < np.float32(1.0)
    want = float(kw["learning_rate"]) if improved or not np.float32(kw["learning_rate"]) > 0 else \
        float(np.float32(np.float32(kw["learning_rate"]) * 0.5))
    assert lr == want


def _below_one_in_float32(current) -> bool:
    with np.errstate(over="ignore"):
        return bool(np.float32(float(np.asarray(current).reshape(()))) < 1)


PLATEAU_STATE = lambda: SimpleNamespace(learning_rate=0.1)  # noqa: E731
ES_STATE = lambda: SimpleNamespace(stop_training=False, params={"W": np.ones(2)})  # noqa: E731

SPECS += [
    Spec("course_lib.plateau.ReduceLROnPlateau", call=lambda **kw: ReduceLROnPlateau(**kw),
         valid=lambda: {"monitor": "val_loss", "factor": 0.1, "patience": 10, "mode": "auto", "min_delta": 1e-4,
                        "cooldown": 0, "min_lr": 0.0},
         extra_bad={"mode": [np.array(["min", "max"]), "MIN"], "factor": [1.0, np.array(0.5)],
                    "monitor": ["val_banana", np.array(["val_loss"])]}),
    Spec("course_lib.plateau.ReduceLROnPlateau.update", call=lambda **kw: primed_plateau().update(**kw),
         valid=lambda: {"current": 1.5, "learning_rate": 0.1}, ok=ok_primed_update, allow_inf=False,
         extra_bad={"current": [np.array([1.0, 2.0]), np.bool_(True)], "learning_rate": [np.array(0.1), -1]}),
    Spec("course_lib.plateau.ReduceLROnPlateau.improves", call=lambda current: primed_plateau().improves(current),
         valid=lambda: {"current": 0.5},
         ok=lambda kw, r: r == _below_one_in_float32(kw["current"]) or pytest.fail(r)),
    Spec("course_lib.plateau.ReduceLROnPlateau.on_epoch_end",
         call=lambda **kw: primed_plateau().on_epoch_end(**kw),
         valid=lambda: {"epoch": 0, "logs": {"val_loss": 0.5}, "state": PLATEAU_STATE()},
         extra_bad={"logs": [{"loss": 1.0}, {"val_loss": None}, {"val_loss": "0.5"}],
                    "state": [SimpleNamespace(), SimpleNamespace(learning_rate=None)]},
         names={"logs": ("logs", "monitor")}),
    Spec("course_lib.plateau.ReduceLROnPlateau.on_train_begin",
         call=lambda **kw: primed_plateau().on_train_begin(**kw), valid=lambda: {"state": PLATEAU_STATE()}),
    Spec("course_lib.plateau.ReduceLROnPlateau.reset", call=lambda: primed_plateau().reset(), valid=dict),
    Spec("course_lib.plateau.plateau_learning_rates", call=lambda **kw: plateau_learning_rates(**kw),
         valid=lambda: {"values": [1.0, 1.0, 0.5], "initial_learning_rate": 0.1, "factor": 0.5, "patience": 1,
                        "min_delta": 0.0},
         extra_bad={"values": [[[1.0]], "abc"], "factor": [1.0]},
         ok=lambda kw, r: (len(r[0]) == 0 or r[0][0] == kw["initial_learning_rate"]) and np.all(np.diff(r[0]) <= 0)
         or pytest.fail(r)),
]


def fresh_stopper(**kw):
    return EarlyStopping(patience=1, **kw)


def ok_first_step(kw, outcome):
    # by hand: a fresh rule skips epochs before start_from_epoch (0 here) and improves at the first
    assert outcome == "improved"


SPECS += [
    Spec("course_lib.early_stopping.EarlyStopping", call=lambda **kw: EarlyStopping(**kw),
         valid=lambda: {"monitor": "val_loss", "min_delta": 0.0, "patience": 0, "mode": "auto", "baseline": None,
                        "restore_best_weights": False, "start_from_epoch": 0},
         extra_bad={"mode": [np.array(["min", "max"])], "restore_best_weights": ["yes", 1],
                    "monitor": ["val_banana"]}),
    Spec("course_lib.early_stopping.EarlyStopping.step", call=lambda **kw: fresh_stopper().step(**kw),
         valid=lambda: {"epoch": 0, "current": 0.5}, ok=ok_first_step, allow_nan=True),
    Spec("course_lib.early_stopping.EarlyStopping.improves", call=lambda **kw: fresh_stopper().improves(**kw),
         valid=lambda: {"current": 0.5, "reference": 1.0},
         ok=lambda kw, r: (kw["reference"] is None or isinstance(r, bool)) or pytest.fail(r)),
    Spec("course_lib.early_stopping.EarlyStopping.on_epoch_end",
         call=lambda **kw: fresh_stopper(restore_best_weights=True).on_epoch_end(**kw),
         valid=lambda: {"epoch": 0, "logs": {"val_loss": 0.5}, "state": ES_STATE()},
         extra_bad={"logs": [{"loss": 1.0}, {"val_loss": None}], "state": [SimpleNamespace(stop_training=False),
                                                                         SimpleNamespace(params={})]},
         names={"logs": ("logs", "monitor")}),
    Spec("course_lib.early_stopping.EarlyStopping.on_train_begin",
         call=lambda **kw: fresh_stopper().on_train_begin(**kw), valid=lambda: {"state": ES_STATE()}),
    Spec("course_lib.early_stopping.EarlyStopping.on_train_end",
         call=lambda **kw: _stopped_once().on_train_end(**kw), valid=lambda: {"state": ES_STATE()}),
    Spec("course_lib.early_stopping.EarlyStopping.reset", call=lambda: fresh_stopper().reset(), valid=dict),
    Spec("course_lib.early_stopping.EarlyStopping.end_reason", call=lambda: _stopped_once().end_reason(),
         valid=dict, ok=lambda kw, r: r.startswith("not stopped: val_loss best 0.5") or pytest.fail(r)),
    Spec("course_lib.early_stopping.StopPoint", call=lambda **kw: StopPoint(**kw), allow_nan=True,
         valid=lambda: {"stop_epoch": 3, "best_epoch": 1, "best": 0.7, "epochs_run": 4, "reason": "stopped"}),
    Spec("course_lib.early_stopping.early_stopping_point", call=lambda **kw: early_stopping_point(**kw),
         allow_nan=True,
         valid=lambda: {"values": [0.9, 0.7, 0.75, 0.72, 0.8], "monitor": "val_loss", "min_delta": 0.0,
                        "patience": 2, "mode": "auto", "baseline": None, "restore_best_weights": False,
                        "start_from_epoch": 0},
         extra_bad={"values": [[[1.0]], [None, 1.0]], "mode": [np.array(["min"])]},
         ok=lambda kw, r: r.epochs_run <= max(len(np.atleast_1d(kw["values"])), 0) or pytest.fail(r)),
]


def _stopped_once():
    stopper = EarlyStopping(restore_best_weights=True, patience=3)
    stopper.on_epoch_end(0, {"val_loss": 0.5}, ES_STATE())
    return stopper


# ---- TensorFlow twins (marked tf; few random examples) ----------------------------------------

def tf(name):
    return importlib.import_module(f"course_lib.tf_twins.{name}")


def tf_spec(target, call, valid, **kw):
    kw.setdefault("max_examples", TF_EXAMPLES)
    return Spec(target, call=call, valid=valid, marks=TF, timeout=TF_TIMEOUT, **kw)


_NETS: dict = {}


def net():
    if "net" not in _NETS:
        _NETS["net"] = tf("models").to_keras(LinearRegression(2))
    return _NETS["net"]


def keras_sgd():
    import keras
    return keras.optimizers.SGD(0.1)


def ok_fit_tf(kw, h):
    # float32 Keras against the float64 numpy fit from the same params and batches
    np_kw = {k: v for k, v in kw.items() if k not in ("optimizer", "dtype", "callbacks")}
    ours = fit(**np_kw, optimizer=GradientDescent(), learning_rate=0.1)
    np.testing.assert_allclose(h.step_loss, ours.step_loss, rtol=1e-4, atol=1e-6)


def fit_tf_args():
    return {"model": LinearRegression(2), "X": X4(), "y": np.array([0.5, -1.0, 2.0, 0.0]), "batch_size": 2,
            "epochs": 1, "optimizer": keras_sgd(), "params": {"W": np.zeros((2, 1)), "b": np.zeros(1)}, "rng": 0,
            "shuffle": True, "validation_data": None, "dtype": "float32", "regularizer": None,
            "divergence_factor": 1000.0, "callbacks": keras_callbacks()}


def keras_callbacks():
    # real Keras callbacks on the valid path; they never act in one epoch (EarlyStopping stops only
    # after epoch 0, ReduceLROnPlateau after `patience` epochs), so ok's numpy run needs none
    import keras
    return [keras.callbacks.EarlyStopping(monitor="loss"), keras.callbacks.ReduceLROnPlateau(monitor="loss")]


def bad_callbacks():
    # course_lib's numpy callbacks belong to fit (the Keras ones are tried in tests/test_tf_training.py,
    # so that collecting this file does not import TensorFlow)
    return [[EarlyStopping()], [EarlyStopping], [None], ["early_stopping"], EarlyStopping(), [ReduceLROnPlateau()]]


def line_net():
    # one net for all examples (building one per example cost most of this spec's time), its weights
    # reset to zeros each time: a run that diverged or trained leaves nothing behind
    import keras
    if "line" not in _NETS:
        _NETS["line"] = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    net = _NETS["line"]
    net.set_weights([np.zeros((2, 1)), np.zeros(1)])
    return net


def train_keras_args():
    return {"net": line_net(), "X": X4(), "y": np.array([0.5, -1.0, 2.0, 0.0]), "loss": "mse",
            "optimizer": keras_sgd(), "batch_size": 2, "epochs": 1, "rng": 0, "shuffle": True,
            "validation_data": None, "callbacks": keras_callbacks(), "metric": "mae", "divergence_factor": 1000.0,
            "progress": False}


def ok_ordered_batches(kw, batches):
    # every epoch is a permutation of the samples, cut in slices of batch_size (the last one shorter)
    X = np.asarray(kw["X"], dtype=float)
    per_epoch = -(-len(X) // kw["batch_size"])
    assert len(batches) == kw["epochs"] * per_epoch
    for e in range(kw["epochs"]):
        epoch = batches[e * per_epoch:(e + 1) * per_epoch]
        assert all(len(b) == kw["batch_size"] for b, _ in epoch[:-1])
        rows = np.concatenate([b for b, _ in epoch])
        np.testing.assert_array_equal(np.sort(rows, axis=0), np.sort(X, axis=0))


def ok_train_keras(kw, h):
    # the zero-initialised Dense(1) net with mse is LinearRegression(2) from zeros: numpy fit, float64
    if kw["loss"] != "mse" or len(h.params) != 2:
        return
    ours = fit(LinearRegression(2), kw["X"], kw["y"], batch_size=kw["batch_size"], epochs=kw["epochs"],
               optimizer=GradientDescent(), learning_rate=0.1, params={"W": np.zeros((2, 1)), "b": np.zeros(1)},
               rng=kw["rng"], shuffle=kw["shuffle"])
    np.testing.assert_allclose(h.step_loss, ours.step_loss, rtol=1e-4, atol=1e-6)


def keras_specs():
    import tensorflow as tf_
    return tf_.TensorSpec([None, 2], "float32"), tf_.TensorSpec([None], "float32")


SPECS += [
    tf_spec("course_lib.tf_twins.models.to_keras", call=lambda **kw: tf("models").to_keras(**kw),
            valid=lambda: {"model": MLP(2, 3, 3), "dtype": "float32", "kernel_regularizer": None},
            extra_bad={"model": [MLP, "MLP"], "kernel_regularizer": [L2(0.1)]},
            ok=lambda kw, r: [tuple(w.shape) for w in r.weights] == list(kw["model"].param_shapes().values())
            or pytest.fail(r)),
    tf_spec("course_lib.tf_twins.models.set_params", call=lambda **kw: tf("models").set_params(**kw),
            valid=lambda: {"keras_model": net(), "model": LinearRegression(2),
                           "params": {"W": np.ones((2, 1)), "b": np.zeros(1)}},
            extra_bad={"model": [MLP(2, 3, 3), LinearRegression(3)], "params": [{"W": np.ones((2, 1))}]},
            names={"model": ("model", "keras_model")}),
    tf_spec("course_lib.tf_twins.models.get_params", call=lambda **kw: tf("models").get_params(**kw),
            valid=lambda: {"keras_model": net(), "model": LinearRegression(2)},
            extra_bad={"model": [MLP(2, 3, 3), LinearRegression(3)]}, names={"model": ("model", "keras_model")}),
    tf_spec("course_lib.tf_twins.models.keras_loss", call=lambda **kw: tf("models").keras_loss(**kw),
            valid=lambda: {"model": SoftmaxRegression(2, 3), "dtype": "float64"}),
    tf_spec("course_lib.tf_twins.models.keras_metric_name", call=lambda **kw: tf("models").keras_metric_name(**kw),
            valid=lambda: {"model": LogisticRegression(2)},
            ok=lambda kw, r: r == "binary_accuracy" or pytest.fail(r)),
    tf_spec("course_lib.tf_twins.training.make_train_step",
            call=lambda **kw: tf("training").make_train_step(**kw),
            valid=lambda: {"net": net(), "loss_fn": tf("models").keras_loss(LinearRegression(2)),
                           "metric_fn": lambda y, p: p[:, 0] - y, "optimizer": keras_sgd(),
                           "x_spec": keras_specs()[0], "y_spec": keras_specs()[1]}),
    tf_spec("course_lib.tf_twins.training.fit_tf", call=lambda **kw: tf("training").fit_tf(**kw),
            valid=fit_tf_args, also_raises=DIVERGED, ok=ok_fit_tf, max_examples=2,
            names={"X": ("X", "diverged"), "y": ("y", "X and y"), "validation_data": ("validation_data", "validation")},
            extra_bad={"optimizer": [SGD(), "sgd"], "regularizer": [L2], "callbacks": bad_callbacks()}),
    tf_spec("course_lib.tf_twins.training.ordered_batches",
            call=lambda **kw: list(tf("training").ordered_batches(**kw)),
            valid=lambda: {"X": X4(), "y": np.array([0, 1, 1, 0]), "batch_size": 3, "epochs": 2, "rng": 0,
                           "shuffle": True},
            names={"y": ("y", "X and y")},
            ok=lambda kw, r: ok_ordered_batches(kw, r)),
    tf_spec("course_lib.tf_twins.training.train_keras", call=lambda **kw: tf("training").train_keras(**kw),
            valid=train_keras_args, also_raises=DIVERGED, ok=ok_train_keras, max_examples=2,
            names={"X": ("X", "diverged"), "y": ("y", "X and y", "loss"), "net": ("net",),
                   "validation_data": ("validation_data", "validation")},
            extra_bad={"optimizer": [SGD(), "sgd"], "callbacks": bad_callbacks(), "net": [LinearRegression(2)],
                       "loss": ["no_such_loss", L2(0.1)], "metric": ["no_such_metric", L2(0.1)]}),
]

test_fuzz = fuzz_tests(SPECS)
