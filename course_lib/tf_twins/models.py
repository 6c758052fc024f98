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

from typing import Any

import keras
import numpy as np

from course_lib._checks import _show, check_choice
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
    raise TypeError(f"model must be one of LinearRegression, LogisticRegression, SoftmaxRegression, "
                    f"MLP from course_lib.models, got {_show(model)}")


def to_keras(model, dtype: str = "float32", kernel_regularizer: Any = None) -> keras.Sequential:
    """A Keras model with the same architecture as the numpy ``model`` (weights: Keras's own init).

    ``dtype`` is ``"float32"`` (Keras's default) or ``"float64"`` (to compare with numpy to ~1e-12).
    ``kernel_regularizer`` (a ``keras.regularizers`` object, e.g. from
    :func:`course_lib.tf_twins.regularization.to_keras`) penalizes every kernel, never a bias, as
    ``fit(..., regularizer=...)`` penalizes ``model.weight_keys``.
    """
    layers_of = _layers_of(model)
    check_choice("dtype", dtype, ("float32", "float64"))
    if kernel_regularizer is not None and not isinstance(kernel_regularizer, keras.regularizers.Regularizer):
        raise TypeError(f"kernel_regularizer must be a keras.regularizers.Regularizer or None, "
                        f"got {_show(kernel_regularizer)}")
    n_in = model.param_shapes()[layers_of[0][0]][0]
    layers = [keras.Input((n_in,), dtype=dtype)]
    layers += [keras.layers.Dense(units, activation=act, dtype=dtype, kernel_regularizer=kernel_regularizer)
               for _, _, units, act in layers_of]
    return keras.Sequential(layers)


def _dense_layers(keras_model: Any, model) -> list:
    """The Dense layers of ``keras_model``, checked to have ``model``'s shapes (as ``to_keras`` builds)."""
    layers_of = _layers_of(model)
    if not isinstance(keras_model, keras.Model):
        raise TypeError(f"keras_model must be a keras.Model (e.g. to_keras(model)), got {_show(keras_model)}")
    dense = [layer for layer in keras_model.layers if isinstance(layer, keras.layers.Dense)]
    shapes = model.param_shapes()
    found = [(tuple(layer.kernel.shape), tuple(layer.bias.shape)) if layer.built and layer.use_bias else None
             for layer in dense]
    wanted = [(shapes[wk], shapes[bk]) for wk, bk, _, _ in layers_of]
    if found != wanted:
        raise ValueError(f"keras_model must have the Dense layers of {type(model).__name__} with (kernel, bias) "
                         f"shapes {wanted}, got {found}")
    return dense


def set_params(keras_model: keras.Model, model, params: Params) -> None:
    """Copy numpy ``params`` (checked against ``model``) into ``keras_model``'s Dense layers."""
    dense = _dense_layers(keras_model, model)
    params = model.check_params(params)
    for layer, (wk, bk, _, _) in zip(dense, _layers_of(model), strict=True):
        layer.kernel.assign(params[wk].astype(layer.kernel.dtype))
        layer.bias.assign(params[bk].astype(layer.bias.dtype))


def get_params(keras_model: keras.Model, model) -> Params:
    """The Keras weights as a numpy ``dict`` keyed like ``model``'s params (float64 copies)."""
    dense = _dense_layers(keras_model, model)
    out = {}
    for layer, (wk, bk, _, _) in zip(dense, _layers_of(model), strict=True):
        out[wk] = np.array(layer.kernel.numpy(), dtype=np.float64)
        out[bk] = np.array(layer.bias.numpy(), dtype=np.float64)
    return out


def keras_loss(model, dtype: str = "float32") -> keras.losses.Loss:
    """The Keras loss object matching ``model.loss`` (mean over the batch), computing in ``dtype``."""
    _layers_of(model)  # rejects unknown models
    check_choice("dtype", dtype, ("float32", "float64"))
    if isinstance(model, LinearRegression):
        return keras.losses.MeanSquaredError(dtype=dtype)
    if isinstance(model, LogisticRegression):
        return keras.losses.BinaryCrossentropy(dtype=dtype)
    return keras.losses.SparseCategoricalCrossentropy(dtype=dtype)


def keras_metric_name(model) -> str:
    """The Keras metric matching ``model.metric`` (``compile(metrics=[...])`` accepts it)."""
    _layers_of(model)
    return {LinearRegression: "mean_squared_error", LogisticRegression: "binary_accuracy"}.get(
        type(model), "sparse_categorical_accuracy")
