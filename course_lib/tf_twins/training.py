"""TensorFlow training loops: ``train_keras`` for any Keras model, ``fit_tf`` the twin of ``fit``.

One loop serves both. Each step is a ``GradientTape`` step compiled with ``tf.function``
(:func:`make_train_step`: the net called with ``training=True``, so Dropout is active; the
loss, the metric and the global gradient norm returned). Each epoch consumes the batch order
that :func:`course_lib.training.epoch_order` draws from the ``rng`` given, as ``fit`` does;
after it the whole validation set is evaluated with ``training=False``. Divergence is
``fit``'s rule (:class:`~course_lib.training.TrainingDiverged`, with the partial history).

``callbacks`` are real Keras callbacks (``keras.callbacks.EarlyStopping``,
``ReduceLROnPlateau``, ``ModelCheckpoint``, or a subclass of ``keras.callbacks.Callback``),
driven through ``keras.callbacks.CallbackList`` in the order of Keras's ``model.fit``:
``on_train_begin``; per epoch ``on_epoch_begin``, ``on_train_batch_begin/end`` (batch logs:
the running means, as ``model.fit``), ``on_test_begin/batch/end`` around the validation, and
``on_epoch_end(epoch, logs)`` with ``model.fit``'s keys (``loss``, the metric, ``val_loss``,
``val_<metric>``; ``ReduceLROnPlateau`` adds ``learning_rate`` itself, as there); then
``on_train_end``. The net is compiled with the loss, the optimizer and the metric's name, so
that callbacks find ``model.optimizer`` and ``mode="auto"`` finds the metric's direction.
``model.stop_training`` ends training after the epoch (after the batch, if set by a batch
hook). The history's ``params`` are read after ``on_train_end``: those restored by
``EarlyStopping(restore_best_weights=True)``. :func:`ordered_batches` yields the same batches for
Keras's own ``model.fit``, so that a run can be repeated there and compared.

``fit_tf`` builds the Keras twin of a numpy model (:func:`course_lib.tf_twins.models.to_keras`),
loads the given numpy ``params`` and trains it with a Keras optimizer. Learning-rate schedules
and clipping are the optimizer's own (``keras.optimizers.Adam(learning_rate=ExponentialDecay(...),
global_clipnorm=1.0)``). A ``regularizer`` of :mod:`course_lib.regularization` becomes the
layers' ``kernel_regularizer`` (its penalty joins the loss, as ``model.fit`` adds
``model.losses``); a ``ProximalL1`` instead soft-thresholds every kernel by
``learning_rate * l1`` after each step, as ``fit`` does. Both return the same
:class:`~course_lib.training.History` as ``fit``, so that runs compare array by array.

>>> import numpy as np, keras
>>> from course_lib.models import LinearRegression
>>> X = np.linspace(-1, 1, 8)[:, None]; y = 2 * X[:, 0]
>>> h = fit_tf(LinearRegression(1), X, y, batch_size=4, epochs=2, optimizer=keras.optimizers.SGD(0.5),
...            params={"W": np.zeros((1, 1)), "b": np.zeros(1)}, rng=np.random.default_rng(0))
>>> h.n_steps, h.batch_order.shape
(4, (2, 8))
>>> net = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, name="out")], name="line")
>>> h = train_keras(net, X, y, loss="mse", optimizer=keras.optimizers.SGD(0.1), batch_size=4, epochs=3,
...                 rng=0, metric="mae", callbacks=[keras.callbacks.EarlyStopping(monitor="loss")])
>>> sorted(h.params), h.metric_name, h.n_epochs
(['line/out/bias', 'line/out/kernel'], 'mae', 3)
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from course_lib._checks import _show, check_bool, check_callable, check_choice, check_int, check_real
from course_lib._fit_args import _check_data, as_rng
from course_lib.models import LinearRegression, LogisticRegression
from course_lib.regularization import ProximalL1
from course_lib.tf_twins.models import _layers_of, get_params, keras_loss, keras_metric_name, set_params, to_keras
from course_lib.tf_twins.regularization import soft_threshold
from course_lib.tf_twins.regularization import to_keras as regularizer_to_keras
from course_lib.training import DIVERGENCE_FACTOR, History, TrainingDiverged, epoch_order

__all__ = ["train_keras", "fit_tf", "make_train_step", "ordered_batches", "MAX_TF_STEPS"]

MAX_TF_STEPS = 10_000  # ~30 s of this Python-driven loop on the course's models; model.fit trains longer runs


def _metric_fn(model):
    """Batch value of ``model.metric`` in TensorFlow: Keras's accuracy or mean squared error."""
    if isinstance(model, LinearRegression):
        return lambda y, p: tf.reduce_mean(tf.square(p[:, 0] - y))
    if isinstance(model, LogisticRegression):
        return lambda y, p: tf.reduce_mean(tf.cast(tf.equal(p[:, 0] > 0.5, y > 0.5), p.dtype))
    return lambda y, p: tf.reduce_mean(tf.cast(tf.equal(tf.argmax(p, axis=-1), tf.cast(y, tf.int64)), p.dtype))


def make_train_step(net: keras.Model, loss_fn, metric_fn, optimizer, x_spec, y_spec):
    """``step(xb, yb) -> (loss, metric, grad_norm)``: one tape, one optimizer update, compiled once.

    ``loss`` includes the layers' regularization penalties (``net.losses``), as in ``model.fit``.
    The net runs with ``training=True`` (Dropout active, BatchNormalization on batch statistics).
    """
    if not isinstance(net, keras.Model):
        raise TypeError(f"net must be a keras.Model, got {_show(net)}")
    check_callable("loss_fn", loss_fn)
    check_callable("metric_fn", metric_fn)
    if not isinstance(optimizer, keras.optimizers.Optimizer):
        raise TypeError(f"optimizer must be a keras.optimizers.Optimizer, got {_show(optimizer)}")
    for name, spec in (("x_spec", x_spec), ("y_spec", y_spec)):
        if not isinstance(spec, tf.TensorSpec):
            raise TypeError(f"{name} must be a tf.TensorSpec, got {_show(spec)}")

    @tf.function(input_signature=[x_spec, y_spec])
    def step(xb, yb):
        with tf.GradientTape() as tape:
            pred = net(xb, training=True)
            loss = loss_fn(yb, pred)
            if net.losses:
                loss = loss + tf.add_n([tf.cast(p, loss.dtype) for p in net.losses])
        grads = tape.gradient(loss, net.trainable_variables)
        optimizer.apply_gradients(zip(grads, net.trainable_variables))
        return loss, metric_fn(yb, pred), tf.linalg.global_norm(grads)

    # every training run compiles its own step (a new net, a new optimizer): one trace per run is the
    # design, so TensorFlow's "frequent retracing" warning (keyed by this function's code) is noise
    step._omit_frequent_tracing_warning = True
    return step


# ---- arguments -------------------------------------------------------------------------------

def _check_callbacks(callbacks: Any, optimizer: keras.optimizers.Optimizer) -> list:
    """A list of Keras callback instances; a scheduled rate refuses ``ReduceLROnPlateau``."""
    if callbacks is None:
        return []
    allowed = ("keras.callbacks.Callback instances (EarlyStopping, ReduceLROnPlateau, ModelCheckpoint, "
               "or your own subclass of keras.callbacks.Callback)")
    if not isinstance(callbacks, (list, tuple)):
        raise TypeError(f"callbacks must be a list or tuple of {allowed}, got {_show(callbacks)}")
    for i, cb in enumerate(callbacks):
        if isinstance(cb, keras.callbacks.Callback):
            continue
        if isinstance(cb, type):
            got = f"the class {cb.__name__}, not an instance of it (write {cb.__name__}(...))"
        elif type(cb).__module__.startswith("course_lib"):
            got = (f"course_lib's numpy callback {type(cb).__name__}, which belongs to course_lib.training.fit "
                   f"(its Keras twin here is keras.callbacks.{type(cb).__name__})")
        else:
            got = _show(cb)
        raise TypeError(f"callbacks[{i}] must be one of the {allowed}, got {got}")
    rate = getattr(optimizer, "_learning_rate", None)
    scheduled = isinstance(rate, keras.optimizers.schedules.LearningRateSchedule) or callable(rate)
    setters = (keras.callbacks.ReduceLROnPlateau, keras.callbacks.LearningRateScheduler)
    for i, cb in enumerate(callbacks):
        if scheduled and isinstance(cb, setters):
            raise ValueError(f"callbacks[{i}] ({type(cb).__name__}) sets the learning rate, but the optimizer's "
                             "learning_rate is a schedule, which Keras does not let a callback change: give the "
                             "optimizer a constant learning_rate, or drop the callback")
    return list(callbacks)


def _check_optimizer(optimizer: Any) -> keras.optimizers.Optimizer:
    if not isinstance(optimizer, keras.optimizers.Optimizer):
        raise TypeError(f"optimizer must be a keras.optimizers.Optimizer (e.g. keras.optimizers.SGD(0.1)), "
                        f"got {_show(optimizer)}")
    return optimizer


def _check_steps(n: int, batch_size: Any, epochs: Any, who: str) -> tuple[int, int]:
    batch_size = check_int("batch_size", batch_size, low=1, high=n)
    epochs = check_int("epochs", epochs, low=1, high=MAX_TF_STEPS)
    if epochs * -(-n // batch_size) > MAX_TF_STEPS:
        raise ValueError(f"epochs={epochs} with batch_size={batch_size} on {n} samples makes more than "
                         f"{MAX_TF_STEPS} steps, the most {who} runs (its loop is driven from Python step by "
                         "step; train long runs with Keras's model.fit)")
    return batch_size, epochs


def _check_pair(validation_data: Any) -> tuple[Any, Any]:
    if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
        raise ValueError(f"validation_data must be a pair (X_val, y_val), got {_show(validation_data)}")
    return validation_data[0], validation_data[1]


def _check_factor(divergence_factor: Any) -> float | None:
    if divergence_factor is None:
        return None
    return check_real("divergence_factor", divergence_factor, low=1, low_open=True)


def _resolve_loss(loss: Any) -> Callable:
    """``(y_true, y_pred) -> scalar``: a Keras ``Loss``, a loss name or a function, its values averaged."""
    if isinstance(loss, keras.losses.Loss):
        return lambda y_true, y_pred: tf.reduce_mean(loss(y_true, y_pred))  # a scalar even with reduction=None
    if isinstance(loss, str):
        try:
            fn = keras.losses.get(loss)
        except (ValueError, TypeError):
            fn = None
        if fn is None:
            raise ValueError(f"loss must be a keras.losses.Loss, a Keras loss name such as "
                             f"'sparse_categorical_crossentropy', or a function (y_true, y_pred), got {loss!r}")
        if isinstance(fn, keras.losses.Loss):
            return _resolve_loss(fn)
    elif callable(loss) and not isinstance(loss, type):
        fn = loss
    else:
        raise TypeError(f"loss must be a keras.losses.Loss (e.g. keras.losses.SparseCategoricalCrossentropy"
                        f"(from_logits=True)), a Keras loss name, or a function (y_true, y_pred), got {_show(loss)}")
    return lambda y_true, y_pred: tf.reduce_mean(fn(y_true, y_pred))


def _resolve_metric(metric: Any, y1, p1) -> tuple[Any, str, Callable]:
    """(what ``compile(metrics=[...])`` gets, the logs' name, a batch function ``(y, p) -> mean``).

    A name is resolved by Keras's own rule (``"accuracy"`` becomes binary, sparse or categorical
    accuracy from the shapes of ``y`` and the net's output, and keeps the name ``accuracy``).
    """
    from keras.src.trainers.compile_utils import get_metric  # Keras's resolution of compile(metrics=[name])
    if isinstance(metric, str):
        try:
            obj, compiled = get_metric(metric, y1, p1), metric
        except (ValueError, TypeError) as exc:
            raise ValueError(f"metric must be a Keras metric name such as 'accuracy' or 'mae', or a function "
                             f"(y_true, y_pred), got {metric!r} ({exc})") from None
        name = metric
    elif callable(metric) and not isinstance(metric, (type, keras.metrics.Metric)):
        name = getattr(metric, "__name__", "")
        name = name if name.isidentifier() else "metric"
        obj, compiled = (keras.metrics.MeanMetricWrapper(metric, name=name) for _ in range(2))
    else:
        raise TypeError(f"metric must be a Keras metric name such as 'accuracy', or a function (y_true, y_pred) "
                        f"-> per-sample values, got {_show(metric)}")

    def batch_value(y_true, y_pred):  # the mean over one batch (obj's state is reset each time)
        obj.reset_state()
        obj.update_state(y_true, y_pred)
        return obj.result()
    return compiled, name, batch_value


def _brief(exc: Exception) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= 400 else text[:400] + " ..."


def _net_data(net: keras.Model, X: np.ndarray, y: np.ndarray, validation_data: Any):
    """X, y and validation_data in the net's dtype, and the net's output on the first sample (built if need be)."""
    built = [str(v.dtype) for v in net.weights if "float" in str(v.dtype)]
    try:
        net(X[:1].astype(built[0] if built else keras.backend.floatx()), training=False)
    except Exception as exc:  # noqa: BLE001 - any failure of the net on X is a mismatch of X and net
        raise ValueError(f"X/net: the net cannot take X of shape {X.shape}: {_brief(exc)}") from None
    floats = [str(v.dtype) for v in net.trainable_variables if "float" in str(v.dtype)]
    if not floats:
        raise ValueError(f"net must have trainable float weights, got {_show(net)}")
    dtype = floats[0]
    y_dtype = dtype if y.dtype.kind == "f" else "int64"
    X, y = X.astype(dtype), y.astype(y_dtype)
    val = None
    if validation_data is not None:
        Xv, yv = _check_data(None, *_check_pair(validation_data), ("validation_data X", "y"))
        if Xv.shape[1:] != X.shape[1:] or yv.shape[1:] != y.shape[1:]:
            raise ValueError(f"validation_data must have the shapes of X and y after the first axis, got "
                             f"{Xv.shape}, {yv.shape} for X {X.shape}, y {y.shape}")
        val = (Xv.astype(dtype), yv.astype(y_dtype))
    return X, y, val, tf.cast(net(X[:1], training=False), dtype)


def _limit(initial_loss: float, factor: float | None) -> float:
    if not math.isfinite(initial_loss):
        raise ValueError(f"the loss of the initial params on the training data is {initial_loss}: X, y or "
                         "params hold values too large for the model's arithmetic (rescale the data)")
    return math.inf if factor is None or initial_loss == 0 else factor * initial_loss


# ---- the loop --------------------------------------------------------------------------------

_CHECKED_HOOKS = ("on_train_begin", "on_epoch_begin", "on_epoch_end", "on_train_end")


class _Loop:
    """One run: compile the net, then epochs of compiled steps, records and Keras callbacks."""

    def __init__(self, net, data, val, *, loss_fn, metric_fn, metric_name, compile_loss, compile_metric,
                 optimizer, batch_size, epochs, rng, shuffle, callbacks, factor, progress, params_of,
                 penalty=None, after_step=None) -> None:
        self.net, self.data, self.val, self.loss_fn, self.metric_fn = net, data, val, loss_fn, metric_fn
        self.metric_name, self.optimizer, self.batch_size, self.epochs = metric_name, optimizer, batch_size, epochs
        self.rng, self.shuffle, self.factor, self.progress = rng, shuffle, factor, progress
        self.params_of, self.penalty, self.after_step = params_of, penalty, after_step
        X, y = data
        net.compile(optimizer=optimizer, loss=compile_loss, metrics=[compile_metric])
        net.compute_metrics(X[:1], y[:1], net(X[:1], training=False))  # builds them: mode="auto" reads them
        net.reset_metrics()
        self.n_batches = -(-len(X) // batch_size)
        self.cbs = keras.callbacks.CallbackList(callbacks, model=net, verbose=0, epochs=epochs,
                                                steps=self.n_batches)
        self.step = make_train_step(net, loss_fn, metric_fn, optimizer, tf.TensorSpec([None, *X.shape[1:]], X.dtype),
                                    tf.TensorSpec([None, *y.shape[1:]], y.dtype))
        self.rec: dict[str, list] = {k: [] for k in ("loss", "lr", "norm", "e_loss", "e_metric", "val_loss",
                                                     "val_metric", "e_lr", "order")}

    def full_loss(self, pred, y) -> float:
        """The loss of predictions ``pred`` plus every penalty, as ``fit`` reports it."""
        loss = float(self.loss_fn(y, pred))
        if self.net.losses:
            losses = self.net.losses
            loss += float(tf.add_n([tf.cast(p, losses[0].dtype) for p in losses]))
        return loss + (self.penalty() if self.penalty else 0.0)

    def run(self) -> History:
        X, y = self.data
        self.limit = _limit(self.full_loss(self.net(X, training=False), y), self.factor)
        self.net.stop_training = False
        self.call("on_train_begin")
        logs = None
        for epoch in range(self.epochs):
            self.call("on_epoch_begin", epoch)
            logs = self.run_epoch(epoch)
            self.call("on_epoch_end", epoch, logs)
            if self.net.stop_training:
                break
        self.call("on_train_end", logs)
        return self.history(stopped=bool(self.net.stop_training))

    def run_epoch(self, epoch: int) -> dict[str, float]:
        X, y = self.data
        n, bs = len(X), self.batch_size
        order = epoch_order(n, self.rng, self.shuffle)
        self.rec["order"].append(order)
        Xp, yp = (X[order], y[order]) if self.shuffle else (X, y)
        bar = self.progress_bar(epoch)
        loss_sum = metric_sum = 0.0
        seen = 0
        for i, start in enumerate(range(0, n, bs)):
            self.call("on_train_batch_begin", i)
            lr = float(self.optimizer.learning_rate)  # a schedule's rate at optimizer.iterations
            xb, yb = Xp[start:start + bs], yp[start:start + bs]
            loss, metric = self.train_step(xb, yb, lr, epoch)
            seen += len(xb)
            loss_sum, metric_sum = loss_sum + loss * len(xb), metric_sum + metric * len(xb)
            logs = {"loss": loss_sum / seen, self.metric_name: metric_sum / seen}  # running means, as Keras
            self.call("on_train_batch_end", i, logs)
            if bar is not None:
                bar.update(i + 1, list(logs.items()))
            if self.net.stop_training:
                break
        if not loss_sum / seen <= self.limit:
            self.diverged(f"the loss of epoch {epoch} (mean over its batches) grew to {loss_sum / seen:.4g}, more "
                          f"than divergence_factor={self.factor:g} times the initial loss", epoch, lr)
        if self.val is not None:
            logs |= self.validate(epoch, lr)
        self.rec["e_loss"].append(loss_sum / seen)
        self.rec["e_metric"].append(metric_sum / seen)
        self.rec["e_lr"].append(self.rec["lr"][-1])
        if bar is not None:
            bar.update(i + 1, list(logs.items()), finalize=True)
        return dict(logs)

    def train_step(self, xb, yb, lr: float, epoch: int) -> tuple[float, float]:
        reported = self.penalty() if self.penalty else 0.0  # fit reports the penalty before the step
        loss, metric, norm = (float(v) for v in self.step(xb, yb))
        loss += reported
        self.rec["loss"].append(loss)
        self.rec["lr"].append(lr)
        self.rec["norm"].append(norm)
        if not (loss <= self.limit * len(self.data[0]) / len(xb) and math.isfinite(norm)):
            what = "the loss became nan/inf" if not math.isfinite(loss) else (
                "the gradient became nan/inf" if not math.isfinite(norm) else
                f"the loss grew to {loss:.4g}, more than divergence_factor={self.factor:g} times the initial loss")
            self.diverged(what, epoch, lr)
        if self.after_step:
            self.after_step(lr)
        return loss, metric

    def validate(self, epoch: int, lr: float) -> dict[str, float]:
        """The whole validation set in one batch, ``training=False``; Keras's test hooks around it."""
        Xv, yv = self.val
        self.call("on_test_begin")
        self.call("on_test_batch_begin", 0)
        pred = self.net(Xv, training=False)
        val_loss = self.full_loss(pred, yv)
        if not math.isfinite(val_loss):
            self.diverged(f"the validation loss became {val_loss} at the end of epoch {epoch}", epoch, lr)
        logs = {"loss": val_loss, self.metric_name: float(self.metric_fn(yv, pred))}
        self.call("on_test_batch_end", 0, logs)
        self.call("on_test_end", logs)
        self.rec["val_loss"].append(val_loss)
        self.rec["val_metric"].append(logs[self.metric_name])
        return {f"val_{k}": v for k, v in logs.items()}

    def progress_bar(self, epoch: int):
        if not self.progress:
            return None
        print(f"Epoch {epoch + 1}/{self.epochs}")
        names = ["loss", self.metric_name, "val_loss", f"val_{self.metric_name}"]
        return keras.utils.Progbar(self.n_batches, stateful_metrics=names)

    def call(self, hook: str, *args) -> None:
        """``CallbackList.<hook>(*args)``; then, at the begin and end of epochs and training, check what they left."""
        try:
            getattr(self.cbs, hook)(*args)
        except TypeError as exc:
            if "not settable" not in str(exc):
                raise
            err = ValueError(f"callbacks: a callback's {hook} set the learning rate, but the optimizer's "
                             "learning_rate is a schedule, which Keras does not let a callback change; give the "
                             "optimizer a constant learning_rate")
            err.history = self.history(stopped=False)
            raise err from None
        if hook in _CHECKED_HOOKS:
            self.check_state(hook)

    def check_state(self, hook: str) -> None:
        lr = float(self.optimizer.learning_rate)
        bad = [v.path for v in self.net.weights if not np.all(np.isfinite(np.asarray(v.numpy(), dtype=float)))]
        what = f"nan/inf in the weights {bad}" if bad else (
            f"the learning rate at {lr!r}" if not (math.isfinite(lr) and lr >= 0) else None)
        if what is not None:
            done = len(self.rec["e_loss"])
            raise TrainingDiverged(f"training stopped: the callbacks' {hook} left {what} (at step "
                                   f"{len(self.rec['loss'])}, {done} epoch(s) completed)",
                                   history=self.history(stopped=False), step=len(self.rec["loss"]), epoch=done,
                                   learning_rate=lr)

    def diverged(self, what: str, epoch: int, lr: float):
        step_no = len(self.rec["loss"]) - 1
        raise TrainingDiverged(f"training diverged: {what} at step {step_no} (epoch {epoch}, batch_size="
                               f"{self.batch_size}) with learning_rate={lr:.6g}; try a smaller learning rate, a "
                               "decaying schedule or gradient clipping", history=self.history(stopped=False),
                               step=step_no, epoch=epoch, learning_rate=lr)

    def history(self, stopped: bool) -> History:
        arr = {k: np.array(v, dtype=float) for k, v in self.rec.items() if k != "order"}
        n, orders = len(self.data[0]), self.rec["order"]
        return History(arr["loss"], arr["lr"], arr["norm"], arr["e_loss"], arr["e_metric"], arr["val_loss"],
                       arr["val_metric"], arr["e_lr"], self.params_of(), self.metric_name, self.batch_size,
                       np.array(orders, dtype=np.intp).reshape(len(orders), n), stopped_early=stopped)


# ---- the public loops ------------------------------------------------------------------------

def ordered_batches(X: Any, y: Any, *, batch_size: int, epochs: int, rng: np.random.Generator | int | None = None,
                    shuffle: bool = True) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The batches ``fit``, ``fit_tf`` and ``train_keras`` train on with the same ``rng``, epoch after epoch.

    For Keras's own loop on the same batch order: ``model.fit(ordered_batches(X, y, batch_size=32,
    epochs=E, rng=seed), epochs=E, steps_per_epoch=math.ceil(len(X) / 32), shuffle=False)`` (the data are
already in order; Keras warns that it ignores ``shuffle=True`` on a generator). Arguments are checked
    here, at the call; the generator then yields ``epochs * steps_per_epoch`` pairs.

    >>> [yb.tolist() for _, yb in ordered_batches([[0.0], [1.0], [2.0]], [0, 1, 2], batch_size=2, epochs=2, rng=0)]
    [[2, 0], [1], [2, 1], [0]]
    """
    X, y = _check_data(None, X, y, ("X", "y"))
    batch_size, epochs = _check_steps(len(X), batch_size, epochs, "ordered_batches")
    shuffle = check_bool("shuffle", shuffle)
    rng = as_rng(rng, needed=shuffle)

    def generate():
        for _ in range(epochs):
            order = epoch_order(len(X), rng, shuffle)
            for start in range(0, len(X), batch_size):
                yield X[order[start:start + batch_size]], y[order[start:start + batch_size]]
    return generate()


def train_keras(net: keras.Model, X: Any, y: Any, *, loss: Any, optimizer: keras.optimizers.Optimizer,
                batch_size: int, epochs: int, rng: np.random.Generator | int | None = None, shuffle: bool = True,
                validation_data: tuple[Any, Any] | None = None, callbacks: list | tuple | None = None,
                metric: str | Callable = "accuracy", divergence_factor: float | None = DIVERGENCE_FACTOR,
                progress: bool = False) -> History:
    """Train any Keras model ``net`` (built, or buildable on ``X``) with the corrected loop; a ``History``.

    ``loss``: a ``keras.losses.Loss`` (e.g. ``SparseCategoricalCrossentropy(from_logits=True)``), a
    Keras loss name, or a function ``(y_true, y_pred)`` (its per-sample values are averaged).
    ``metric``: a name as ``compile(metrics=[...])`` takes it (``"accuracy"``, ``"mae"``; the logs
    use that name) or a function ``(y_true, y_pred) -> per-sample values`` (named after it); an
    epoch's value is the sample-weighted mean of its batch values, exact for mean metrics. The
    net is compiled with ``loss``, ``optimizer`` and ``metric`` (replacing an earlier compile).
    ``X`` is cast to the dtype of the net's first weight. ``History.params`` maps each weight's
    ``variable.path`` to a float64 copy. ``progress=True`` prints a ``keras.utils.Progbar`` per
    epoch (timings: never in a checked output). At most ``MAX_TF_STEPS`` steps. Callbacks,
    batch order and divergence: see the module docstring.
    """
    if not isinstance(net, keras.Model):
        raise TypeError(f"net must be a keras.Model (e.g. a keras.Sequential), got {_show(net)}")
    X, y = _check_data(None, X, y, ("X", "y"))
    batch_size, epochs = _check_steps(len(X), batch_size, epochs, "train_keras")
    optimizer = _check_optimizer(optimizer)
    callbacks = _check_callbacks(callbacks, optimizer)
    shuffle, progress = check_bool("shuffle", shuffle), check_bool("progress", progress)
    rng, factor = as_rng(rng, needed=shuffle), _check_factor(divergence_factor)
    loss_fn = _resolve_loss(loss)
    X, y, val, pred1 = _net_data(net, X, y, validation_data)
    y1 = tf.constant(y[:1])
    compiled, name, metric_fn = _resolve_metric(metric, y1, pred1)
    for what, fn in (("loss", loss_fn), ("metric", metric_fn)):
        try:
            float(fn(y1, pred1))
        except Exception as exc:  # noqa: BLE001 - reported as a mismatch of the argument and y / the net
            raise ValueError(f"{what} cannot be computed on y of shape {y.shape[1:]} per sample and the net's "
                             f"output of shape {tuple(pred1.shape[1:])}: {_brief(exc)}") from None

    def params_of():
        return {v.path: np.array(v.numpy(), dtype=np.float64) for v in net.weights}

    loop = _Loop(net, (X, y), val, loss_fn=loss_fn, metric_fn=metric_fn, metric_name=name, compile_loss=loss,
                 compile_metric=compiled, optimizer=optimizer, batch_size=batch_size, epochs=epochs, rng=rng,
                 shuffle=shuffle, callbacks=callbacks, factor=factor, progress=progress, params_of=params_of)
    return loop.run()


def fit_tf(model: Any, X: Any, y: Any, *, batch_size: int, epochs: int, optimizer: keras.optimizers.Optimizer,
           params: dict[str, np.ndarray], rng: np.random.Generator | int | None = None, shuffle: bool = True,
           validation_data: tuple[Any, Any] | None = None, dtype: str = "float32", regularizer: Any = None,
           divergence_factor: float | None = DIVERGENCE_FACTOR, callbacks: list | tuple | None = None) -> History:
    """Train the Keras twin of ``model`` from ``params`` with the loop of :func:`train_keras`.

    ``step_grad_norm`` is the norm before the optimizer's own clipping, as in ``fit``. At most
    ``MAX_TF_STEPS`` (10,000) steps. ``callbacks``: Keras callbacks, the twins of ``fit``'s
    (``keras.callbacks.EarlyStopping(...)`` for ``course_lib.early_stopping.EarlyStopping(...)``
    with the same arguments; the logs name the metric as Keras does,
    :func:`~course_lib.tf_twins.models.keras_metric_name`, e.g. ``val_sparse_categorical_accuracy``
    for ``fit``'s ``val_accuracy``; so does ``History.metric_name``). Divergence (nan/inf loss or
    gradient, a loss above ``divergence_factor`` times the initial loss, a nan/inf validation
    loss, a callback leaving nan/inf weights or rate) raises ``TrainingDiverged`` with the partial
    history, as ``fit``; one difference: the compiled step has already applied the diverging
    update, so that history's ``params`` are the weights after it (``fit`` keeps those before it).
    """
    _layers_of(model)
    X, y = _check_data(model, X, y, ("X", "y"))
    batch_size, epochs = _check_steps(len(X), batch_size, epochs, "fit_tf")
    check_choice("dtype", dtype, ("float32", "float64"))
    optimizer = _check_optimizer(optimizer)
    callbacks = _check_callbacks(callbacks, optimizer)
    shuffle = check_bool("shuffle", shuffle)
    rng, factor = as_rng(rng, needed=shuffle), _check_factor(divergence_factor)
    params = model.check_params(params)  # before building anything in Keras
    prox = isinstance(regularizer, ProximalL1)
    net = to_keras(model, dtype, None if regularizer is None or prox else regularizer_to_keras(regularizer))
    set_params(net, model, params)
    y_dtype = dtype if y.dtype.kind == "f" else "int64"
    val = None
    if validation_data is not None:
        Xv, yv = _check_data(model, *_check_pair(validation_data), ("validation_data X", "y"))
        val = (Xv.astype(dtype), yv.astype(y_dtype))
    kernels = [layer.kernel for layer in net.layers if isinstance(layer, keras.layers.Dense)]

    def l1_penalty():  # what fit adds to every loss with a ProximalL1: l1 * sum|w|
        return sum(regularizer.penalty(k.numpy()) for k in kernels)

    def soft_threshold_kernels(lr):
        for k in kernels:
            k.assign(soft_threshold(k, lr * regularizer.l1))

    loss_fn, name = keras_loss(model, dtype), keras_metric_name(model)
    loop = _Loop(net, (X.astype(dtype), y.astype(y_dtype)), val, loss_fn=loss_fn, metric_fn=_metric_fn(model),
                 metric_name=name, compile_loss=loss_fn, compile_metric=name, optimizer=optimizer,
                 batch_size=batch_size, epochs=epochs, rng=rng, shuffle=shuffle, callbacks=callbacks, factor=factor,
                 progress=False, params_of=lambda: get_params(net, model), penalty=l1_penalty if prox else None,
                 after_step=soft_threshold_kernels if prox else None)
    return loop.run()
