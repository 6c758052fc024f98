"""TensorFlow twin of :func:`course_lib.training.fit`: a ``GradientTape`` step compiled with ``tf.function``.

``fit_tf`` builds the Keras twin of a numpy model (:func:`course_lib.tf_twins.models.to_keras`),
loads the given numpy ``params`` into it and trains it with a Keras optimizer, consuming the
*same* batch order as ``fit`` (both draw it with :func:`course_lib.training.epoch_order` from
the ``rng`` they are given). Learning-rate schedules and clipping are the Keras optimizer's own
(``keras.optimizers.Adam(learning_rate=ExponentialDecay(...), global_clipnorm=1.0)``); the
regularizer and callbacks of ``fit`` have no counterpart here. It returns the same
:class:`~course_lib.training.History`, so that the two runs compare array by array.

>>> import numpy as np, keras
>>> from course_lib.models import LinearRegression
>>> X = np.linspace(-1, 1, 8)[:, None]; y = 2 * X[:, 0]
>>> h = fit_tf(LinearRegression(1), X, y, batch_size=4, epochs=2, optimizer=keras.optimizers.SGD(0.5),
...            params={"W": np.zeros((1, 1)), "b": np.zeros(1)}, rng=np.random.default_rng(0))
>>> h.n_steps, h.batch_order.shape
(4, (2, 8))
"""
from __future__ import annotations

from typing import Any

import keras
import numpy as np
import tensorflow as tf

from course_lib._checks import check_choice, check_int
from course_lib.models import LinearRegression, LogisticRegression
from course_lib.tf_twins.models import get_params, keras_loss, set_params, to_keras
from course_lib._fit_args import as_rng
from course_lib.training import History, epoch_order


def _metric_fn(model):
    """Batch value of ``model.metric`` in TensorFlow: Keras's accuracy or mean squared error."""
    if isinstance(model, LinearRegression):
        return lambda y, p: tf.reduce_mean(tf.square(p[:, 0] - y))
    if isinstance(model, LogisticRegression):
        return lambda y, p: tf.reduce_mean(tf.cast(tf.equal(p[:, 0] > 0.5, y > 0.5), p.dtype))
    return lambda y, p: tf.reduce_mean(tf.cast(tf.equal(tf.argmax(p, axis=-1), tf.cast(y, tf.int64)), p.dtype))


def make_train_step(net: keras.Model, loss_fn, metric_fn, optimizer, x_spec, y_spec):
    """``step(xb, yb) -> (loss, metric, grad_norm)``: one tape, one optimizer update, compiled once."""

    @tf.function(input_signature=[x_spec, y_spec])
    def step(xb, yb):
        with tf.GradientTape() as tape:
            pred = net(xb, training=True)
            loss = loss_fn(yb, pred)
        grads = tape.gradient(loss, net.trainable_variables)
        optimizer.apply_gradients(zip(grads, net.trainable_variables))
        return loss, metric_fn(yb, pred), tf.linalg.global_norm(grads)

    return step


def fit_tf(model: Any, X: Any, y: Any, *, batch_size: int, epochs: int, optimizer: keras.optimizers.Optimizer,
           params: dict[str, np.ndarray], rng: np.random.Generator | int | None = None, shuffle: bool = True,
           validation_data: tuple[Any, Any] | None = None, dtype: str = "float32") -> History:
    """Train the Keras twin of ``model`` from ``params`` with a compiled ``GradientTape`` step.

    ``step_grad_norm`` is the norm before the optimizer's own clipping, as in ``fit``.
    """
    X, y = model.check_data(X, y)
    n = len(X)
    batch_size = check_int("batch_size", batch_size, low=1, high=n)
    epochs = check_int("epochs", epochs, low=1)
    check_choice("dtype", dtype, ("float32", "float64"))
    if not isinstance(optimizer, keras.optimizers.Optimizer):
        raise ValueError(f"optimizer must be a keras.optimizers.Optimizer, got {optimizer!r}")
    rng = as_rng(rng, needed=shuffle)
    net = to_keras(model, dtype)
    set_params(net, model, params)
    loss_fn, metric_fn = keras_loss(model, dtype), _metric_fn(model)
    y_dtype = dtype if y.dtype.kind == "f" else "int64"
    X, y = X.astype(dtype), y.astype(y_dtype)
    if validation_data is not None:
        Xv, yv = model.check_data(*validation_data)
        Xv, yv = Xv.astype(dtype), yv.astype(y_dtype)
    step = make_train_step(net, loss_fn, metric_fn, optimizer, tf.TensorSpec([None, X.shape[1]], dtype),
                           tf.TensorSpec([None], y_dtype))
    rec: dict[str, list] = {k: [] for k in ("loss", "lr", "norm", "e_loss", "e_metric", "val_loss",
                                            "val_metric", "e_lr", "order")}
    for _ in range(epochs):
        order = epoch_order(n, rng, shuffle)
        rec["order"].append(order)
        Xp, yp = X[order], y[order]
        loss_sum = metric_sum = 0.0
        for start in range(0, n, batch_size):
            lr = float(optimizer.learning_rate)  # a schedule's rate at optimizer.iterations
            loss, metric, norm = step(Xp[start:start + batch_size], yp[start:start + batch_size])
            size = len(Xp[start:start + batch_size])
            rec["loss"].append(float(loss))
            rec["lr"].append(lr)
            rec["norm"].append(float(norm))
            loss_sum, metric_sum = loss_sum + float(loss) * size, metric_sum + float(metric) * size
        rec["e_loss"].append(loss_sum / n)
        rec["e_metric"].append(metric_sum / n)
        rec["e_lr"].append(rec["lr"][-1])
        if validation_data is not None:
            pred = net(Xv, training=False)
            rec["val_loss"].append(float(loss_fn(yv, pred)))
            rec["val_metric"].append(float(metric_fn(yv, pred)))
    arr = {k: np.array(v, dtype=float) for k, v in rec.items() if k != "order"}
    return History(arr["loss"], arr["lr"], arr["norm"], arr["e_loss"], arr["e_metric"], arr["val_loss"],
                   arr["val_metric"], arr["e_lr"], get_params(net, model), model.metric_name, batch_size,
                   np.array(rec["order"], dtype=np.intp))
