"""TensorFlow twin of :func:`course_lib.training.fit`: a ``GradientTape`` step compiled with ``tf.function``.

``fit_tf`` builds the Keras twin of a numpy model (:func:`course_lib.tf_twins.models.to_keras`),
loads the given numpy ``params`` into it and trains it with a Keras optimizer, consuming the
*same* batch order as ``fit`` (both draw it with :func:`course_lib.training.epoch_order` from
the ``rng`` they are given). Learning-rate schedules and clipping are the Keras optimizer's own
(``keras.optimizers.Adam(learning_rate=ExponentialDecay(...), global_clipnorm=1.0)``). A
``regularizer`` of :mod:`course_lib.regularization` becomes the layers' ``kernel_regularizer``
(its penalty joins the loss, as ``model.fit`` adds ``model.losses``); a ``ProximalL1`` instead
soft-thresholds every kernel by ``learning_rate * l1`` after each step, as ``fit`` does. The
callbacks of ``fit`` have no counterpart here. It returns the same
:class:`~course_lib.training.History`, so that the two runs compare array by array, and it stops
on divergence by ``fit``'s rule (:class:`~course_lib.training.TrainingDiverged`).

>>> import numpy as np, keras
>>> from course_lib.models import LinearRegression
>>> X = np.linspace(-1, 1, 8)[:, None]; y = 2 * X[:, 0]
>>> h = fit_tf(LinearRegression(1), X, y, batch_size=4, epochs=2, optimizer=keras.optimizers.SGD(0.5),
...            params={"W": np.zeros((1, 1)), "b": np.zeros(1)}, rng=np.random.default_rng(0))
>>> h.n_steps, h.batch_order.shape
(4, (2, 8))
"""
from __future__ import annotations

import math
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from course_lib._checks import _show, check_bool, check_callable, check_choice, check_int, check_real
from course_lib._fit_args import _check_data, as_rng
from course_lib.models import LinearRegression, LogisticRegression
from course_lib.regularization import ProximalL1
from course_lib.tf_twins.models import _layers_of, get_params, keras_loss, set_params, to_keras
from course_lib.tf_twins.regularization import soft_threshold
from course_lib.tf_twins.regularization import to_keras as regularizer_to_keras
from course_lib.training import DIVERGENCE_FACTOR, History, TrainingDiverged, epoch_order

MAX_TF_STEPS = 10_000  # ~30 s of this eager-driven loop; the twin checks agreement, model.fit trains long


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

    return step


def fit_tf(model: Any, X: Any, y: Any, *, batch_size: int, epochs: int, optimizer: keras.optimizers.Optimizer,
           params: dict[str, np.ndarray], rng: np.random.Generator | int | None = None, shuffle: bool = True,
           validation_data: tuple[Any, Any] | None = None, dtype: str = "float32", regularizer: Any = None,
           divergence_factor: float | None = DIVERGENCE_FACTOR) -> History:
    """Train the Keras twin of ``model`` from ``params`` with a compiled ``GradientTape`` step.

    ``step_grad_norm`` is the norm before the optimizer's own clipping, as in ``fit``. At most
    ``MAX_TF_STEPS`` (10,000) steps: this loop is driven from Python step by step. Divergence
    (nan/inf loss or gradient, a loss above ``divergence_factor`` times the initial loss, a
    nan/inf validation loss) raises ``TrainingDiverged`` with the partial history, as ``fit``;
    one difference: the compiled step has already applied the diverging update, so that
    history's ``params`` are the weights after it (``fit`` keeps those before it).
    """
    _layers_of(model)
    X, y = _check_data(model, X, y, ("X", "y"))
    n = len(X)
    batch_size = check_int("batch_size", batch_size, low=1, high=n)
    epochs = check_int("epochs", epochs, low=1, high=MAX_TF_STEPS)
    if epochs * -(-n // batch_size) > MAX_TF_STEPS:
        raise ValueError(f"epochs={epochs} with batch_size={batch_size} on {n} samples makes more than "
                         f"{MAX_TF_STEPS} steps, the most fit_tf runs (it is the agreement twin of fit; "
                         "train long runs with Keras's model.fit)")
    check_choice("dtype", dtype, ("float32", "float64"))
    if not isinstance(optimizer, keras.optimizers.Optimizer):
        raise TypeError(f"optimizer must be a keras.optimizers.Optimizer, got {_show(optimizer)}")
    shuffle = check_bool("shuffle", shuffle)
    rng = as_rng(rng, needed=shuffle)
    factor = None if divergence_factor is None else check_real("divergence_factor", divergence_factor, low=1,
                                                                low_open=True)
    params = model.check_params(params)  # before building anything in Keras
    prox = isinstance(regularizer, ProximalL1)
    net = to_keras(model, dtype, None if regularizer is None or prox else regularizer_to_keras(regularizer))
    set_params(net, model, params)
    loss_fn, metric_fn = keras_loss(model, dtype), _metric_fn(model)
    y_dtype = dtype if y.dtype.kind == "f" else "int64"
    X, y = X.astype(dtype), y.astype(y_dtype)
    if validation_data is not None:
        if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
            raise ValueError(f"validation_data must be a pair (X_val, y_val), got {_show(validation_data)}")
        Xv, yv = _check_data(model, *validation_data, ("validation_data X", "y"))
        Xv, yv = Xv.astype(dtype), yv.astype(y_dtype)
    kernels = [layer.kernel for layer in net.layers if isinstance(layer, keras.layers.Dense)]

    def penalty():  # what fit adds to every loss: the Keras regularizer's, or ProximalL1's l1 * sum|w|
        if prox:
            return sum(regularizer.penalty(k.numpy()) for k in kernels)
        return float(tf.add_n(net.losses)) if net.losses else 0.0

    def full_loss(Xa, ya):
        return float(loss_fn(ya, net(Xa, training=False))) + penalty()

    limit = _limit(full_loss(X, y), factor)
    step = make_train_step(net, loss_fn, metric_fn, optimizer, tf.TensorSpec([None, X.shape[1]], dtype),
                           tf.TensorSpec([None], y_dtype))
    rec: dict[str, list] = {k: [] for k in ("loss", "lr", "norm", "e_loss", "e_metric", "val_loss",
                                            "val_metric", "e_lr", "order")}

    def history():
        arr = {k: np.array(v, dtype=float) for k, v in rec.items() if k != "order"}
        return History(arr["loss"], arr["lr"], arr["norm"], arr["e_loss"], arr["e_metric"], arr["val_loss"],
                       arr["val_metric"], arr["e_lr"], get_params(net, model), model.metric_name, batch_size,
                       np.array(rec["order"], dtype=np.intp).reshape(len(rec["order"]), n))

    def diverged(what, epoch, lr):
        step_no = len(rec["loss"]) - 1
        raise TrainingDiverged(f"training diverged: {what} at step {step_no} (epoch {epoch}, batch_size="
                               f"{batch_size}) with learning_rate={lr:.6g}", history=history(), step=step_no,
                               epoch=epoch, learning_rate=lr)

    for epoch in range(epochs):
        order = epoch_order(n, rng, shuffle)
        rec["order"].append(order)
        Xp, yp = X[order], y[order]
        loss_sum = metric_sum = 0.0
        for start in range(0, n, batch_size):
            lr = float(optimizer.learning_rate)  # a schedule's rate at optimizer.iterations
            xb, yb = Xp[start:start + batch_size], yp[start:start + batch_size]
            reported = penalty() if prox else 0.0  # fit reports l1 * sum|w| of the weights before the step
            loss, metric, norm = (float(v) for v in step(xb, yb))
            loss += reported
            rec["loss"].append(loss)
            rec["lr"].append(lr)
            rec["norm"].append(norm)
            if not (loss <= limit * n / len(xb) and math.isfinite(norm)):
                what = "the loss became nan/inf" if not math.isfinite(loss) else (
                    "the gradient became nan/inf" if not math.isfinite(norm) else
                    f"the loss grew to {loss:.4g}, more than divergence_factor={factor:g} times the initial loss")
                diverged(what, epoch, lr)
            if prox:
                for k in kernels:
                    k.assign(soft_threshold(k, lr * regularizer.l1))
            loss_sum, metric_sum = loss_sum + loss * len(xb), metric_sum + metric * len(xb)
        if not loss_sum / n <= limit:
            diverged(f"the loss of epoch {epoch} (mean over its batches) grew to {loss_sum / n:.4g}, more than "
                     f"divergence_factor={factor:g} times the initial loss", epoch, lr)
        if validation_data is not None:
            val_loss = full_loss(Xv, yv)
            if not math.isfinite(val_loss):
                diverged(f"the validation loss became {val_loss} at the end of epoch {epoch}", epoch, lr)
            rec["val_loss"].append(val_loss)
            rec["val_metric"].append(float(metric_fn(yv, net(Xv, training=False))))
        rec["e_loss"].append(loss_sum / n)
        rec["e_metric"].append(metric_sum / n)
        rec["e_lr"].append(rec["lr"][-1])
    return history()


def _limit(initial_loss: float, factor: float | None) -> float:
    if not math.isfinite(initial_loss):
        raise ValueError(f"the loss of the initial params on the training data is {initial_loss}: X, y or "
                         "params hold values too large for the model's arithmetic (rescale the data)")
    return math.inf if factor is None or initial_loss == 0 else factor * initial_loss
