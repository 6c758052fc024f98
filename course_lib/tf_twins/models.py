"""Keras twins of :mod:`course_lib.models`: the same layers, and numpy params loaded in and out.

``to_keras(model)`` builds a ``keras.Sequential`` of ``Dense`` layers with the numpy model's
shapes (kernel ``(n_in, n_out)``, bias ``(n_out,)``), its output activation and its Keras loss.
``set_params`` / ``get_params`` copy a numpy ``dict`` into the layers and back, so that both
twins can start from the very same weights.

>>> from course_lib.models import MLP
>>> net = to_keras(MLP(4, 8, 3))
>>> [tuple(w.shape) for w in net.weights]
[(4, 8), (8,), (8, 3), (3,)]
>>> keras_loss(MLP(4, 8, 3)).name, keras_metric_name(MLP(4, 8, 3))
('sparse_categorical_crossentropy', 'sparse_categorical_accuracy')
"""
from __future__ import annotations

import keras
import numpy as np

from course_lib._checks import check_choice
from course_lib.models import MLP, LinearRegression, LogisticRegression, Params, SoftmaxRegression


def _layers_of(model) -> list[tuple[str, str, int, str | None]]:
    """(kernel key, bias key, units, activation) for each ``Dense`` layer of ``model``."""
    if isinstance(model, MLP):
        return [("W1", "b1", model.n_hidden, "relu"), ("W2", "b2", model.n_classes, "softmax")]
    if isinstance(model, LinearRegression):
        return [("W", "b", 1, None)]
    if isinstance(model, LogisticRegression):
        return [("W", "b", 1, "sigmoid")]
    if isinstance(model, SoftmaxRegression):
        return [("W", "b", model.n_classes, "softmax")]
    raise ValueError(f"model must be one of LinearRegression, LogisticRegression, SoftmaxRegression, "
                     f"MLP from course_lib.models, got {type(model).__name__}")


def to_keras(model, dtype: str = "float32") -> keras.Sequential:
    """A Keras model with the same architecture as the numpy ``model`` (weights: Keras's own init).

    ``dtype`` is ``"float32"`` (Keras's default) or ``"float64"`` (to compare with numpy to ~1e-12).
    """
    check_choice("dtype", dtype, ("float32", "float64"))
    n_in = model.param_shapes()[_layers_of(model)[0][0]][0]
    layers = [keras.Input((n_in,), dtype=dtype)]
    layers += [keras.layers.Dense(units, activation=act, dtype=dtype) for _, _, units, act in _layers_of(model)]
    return keras.Sequential(layers)


def set_params(keras_model: keras.Model, model, params: Params) -> None:
    """Copy numpy ``params`` (checked against ``model``) into ``keras_model``'s Dense layers."""
    params = model.check_params(params)
    dense = [layer for layer in keras_model.layers if isinstance(layer, keras.layers.Dense)]
    for layer, (wk, bk, _, _) in zip(dense, _layers_of(model), strict=True):
        layer.kernel.assign(params[wk].astype(layer.kernel.dtype))
        layer.bias.assign(params[bk].astype(layer.bias.dtype))


def get_params(keras_model: keras.Model, model) -> Params:
    """The Keras weights as a numpy ``dict`` keyed like ``model``'s params (float64 copies)."""
    dense = [layer for layer in keras_model.layers if isinstance(layer, keras.layers.Dense)]
    out = {}
    for layer, (wk, bk, _, _) in zip(dense, _layers_of(model), strict=True):
        out[wk] = np.array(layer.kernel.numpy(), dtype=np.float64)
        out[bk] = np.array(layer.bias.numpy(), dtype=np.float64)
    return out


def keras_loss(model, dtype: str = "float32") -> keras.losses.Loss:
    """The Keras loss object matching ``model.loss`` (mean over the batch), computing in ``dtype``."""
    check_choice("dtype", dtype, ("float32", "float64"))
    if isinstance(model, LinearRegression):
        return keras.losses.MeanSquaredError(dtype=dtype)
    if isinstance(model, LogisticRegression):
        return keras.losses.BinaryCrossentropy(dtype=dtype)
    _layers_of(model)  # rejects unknown models
    return keras.losses.SparseCategoricalCrossentropy(dtype=dtype)


def keras_metric_name(model) -> str:
    """The Keras metric matching ``model.metric`` (``compile(metrics=[...])`` accepts it)."""
    _layers_of(model)
    return {LinearRegression: "mean_squared_error", LogisticRegression: "binary_accuracy"}.get(
        type(model), "sparse_categorical_accuracy")
