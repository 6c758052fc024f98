"""Linear, logistic and softmax regression and a one-hidden-layer MLP, with hand-written gradients.

Parameters are a ``dict[str, np.ndarray]`` with Keras ``Dense`` shapes: kernel ``W`` of shape
``(n_in, n_out)``, bias ``b`` of shape ``(n_out,)``; the MLP has ``W1, b1, W2, b2``. Every loss
is the batch mean, computed from the *logits* ``z`` in a form that never overflows:

* mean squared error  ``L = mean((z - y)^2)``, ``dL/dz = 2 (z - y) / n``  (Keras ``"mse"``)
* binary cross-entropy ``L = mean(max(z, 0) - y z + log(1 + exp(-|z|)))``, ``dL/dz = (sigmoid(z) - y) / n``
* sparse categorical cross-entropy ``L = -mean(z_y - logsumexp(z))``, ``dL/dz = (softmax(z) - onehot(y)) / n``

The computations follow the dtype of the parameters (``float64`` from :meth:`init_params`).

>>> import numpy as np
>>> model = SoftmaxRegression(n_features=4, n_classes=3)
>>> params = model.init_params(np.random.default_rng(0))
>>> {k: v.shape for k, v in params.items()}
{'W': (4, 3), 'b': (3,)}
>>> X, y = np.ones((5, 4)), np.array([0, 1, 2, 1, 0])
>>> loss, grads = model.loss_and_grad(params, X, y)
>>> bool(grads["W"].shape == params["W"].shape), model.metric_name
(True, 'accuracy')
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from course_lib._checks import _show, check_array, check_int

Params = dict[str, np.ndarray]
MAX_UNITS = 100_000          # inputs, hidden units or classes of one layer
MAX_PARAMS = 10_000_000      # 80 MB of float64 weights: far beyond a course model, and bounded


def _check_rng(rng) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy Generator (np.random.default_rng(seed)), got {_show(rng)}")
    return rng


def glorot_uniform(rng: np.random.Generator, n_in: int, n_out: int) -> np.ndarray:
    """Kernel drawn from U(-l, l), ``l = sqrt(6 / (n_in + n_out))`` (Keras ``GlorotUniform``).

    >>> w = glorot_uniform(np.random.default_rng(0), 3, 3)
    >>> bool(np.all(np.abs(w) <= 1.0))
    True
    """
    rng = _check_rng(rng)
    n_in, n_out = check_int("n_in", n_in, low=1, high=MAX_UNITS), check_int("n_out", n_out, low=1, high=MAX_UNITS)
    if n_in * n_out > MAX_PARAMS:
        raise ValueError(f"n_in * n_out must be at most {MAX_PARAMS} weights, got {n_in} * {n_out}")
    limit = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-limit, limit, size=(n_in, n_out))


def sigmoid(z: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-z))`` computed as ``e/(1+e)`` with ``e = exp(-|z|)``: never overflows.

    >>> sigmoid(np.array([-1000.0, 0.0, 1000.0])).tolist()
    [0.0, 0.5, 1.0]
    """
    return _sigmoid(_float_array("z", z, nonempty=False))


def _float_array(name: str, value, *, nonempty: bool = True, ndim=None) -> np.ndarray:
    """A finite array of floats, keeping float32 as float32 (the dtype fit computes in)."""
    arr = check_array(name, value, dtype=None, ndim=ndim, nonempty=nonempty)
    return arr if arr.dtype.kind == "f" else arr.astype(float)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _mse_head(z, y, need_grad):
    d = z[:, 0] - y
    loss = float(d @ d) / len(y)
    return loss, (2.0 / len(y)) * d[:, None] if need_grad else None, loss


def _bce_head(z, y, need_grad):
    z = z[:, 0]
    loss = float(np.mean(np.maximum(z, 0) - y * z + np.log1p(np.exp(-np.abs(z)))))
    acc = np.count_nonzero((z > 0) == (y > 0.5)) / len(y)  # p > 0.5 exactly when z > 0, as Keras counts
    return loss, ((_sigmoid(z) - y) / len(y))[:, None] if need_grad else None, acc


def _col_sums(a: np.ndarray) -> np.ndarray:
    """``a.sum(axis=0)`` as ``ones @ a``: a BLAS product, ~3x faster on a (256, 128) batch."""
    return np.ones(len(a), a.dtype) @ a


def _scce_head(z, y, need_grad):
    """Loss, gradient and accuracy from logits ``z``, which it overwrites (callers pass fresh ones)."""
    n, rows = len(y), np.arange(len(y))
    best = z.argmax(axis=1)
    acc = np.count_nonzero(best == y) / n
    z -= z[rows, best][:, None]  # shift by the row max (read off the argmax: faster than z.max(1))
    e = np.exp(z)
    total = e @ np.ones(z.shape[1], z.dtype)  # row sums
    loss = float(np.log(total).sum() - z[rows, y].sum()) / n
    if not need_grad:
        return loss, None, acc
    e *= (1.0 / n) / total[:, None]  # softmax(z) / n
    e[rows, y] -= 1.0 / n
    return loss, e, acc


@dataclass(frozen=True)
class _Model:
    """Shared checks and public methods; subclasses define ``_forward_backward``."""

    metric_name: ClassVar[str] = "accuracy"
    weight_keys: ClassVar[tuple[str, ...]] = ("W",)

    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        raise NotImplementedError

    def check_params(self, params: Params) -> Params:
        """Every expected key, with Keras's shape, finite; raises ``ValueError`` otherwise."""
        shapes = self.param_shapes()
        if not isinstance(params, dict) or set(params) != set(shapes):
            got = sorted(map(str, params)) if isinstance(params, dict) else type(params).__name__
            raise ValueError(f"params must be a dict with keys {sorted(shapes)}, got {got}")
        out = {}
        for k in shapes:
            arr = check_array(f"params[{k!r}]", params[k], dtype=None, nonempty=False)
            if arr.dtype.kind not in "iuf":
                raise TypeError(f"params[{k!r}] must hold real numbers, got dtype {arr.dtype}")
            out[k] = arr if arr.dtype.kind == "f" else arr.astype(float)
        for k, shape in shapes.items():
            if out[k].shape != shape:
                raise ValueError(f"params[{k!r}] must have shape {shape}, got {out[k].shape}")
        return out

    def check_data(self, X, y) -> tuple[np.ndarray, np.ndarray]:
        """``X`` (n, n_features) finite, ``y`` valid targets of the same length."""
        X = self._check_X(X)
        y = self._check_targets(check_array("y", y, ndim=1))
        if len(y) != len(X):
            raise ValueError(f"X and y must have the same number of samples, got X: {len(X)}, y: {len(y)}")
        return X, y

    def _check_X(self, X) -> np.ndarray:
        X = check_array("X", X, ndim=2)
        n_in = self.param_shapes()["W" if "W" in self.weight_keys else "W1"][0]
        if X.shape[1] != n_in:
            raise ValueError(f"X must have {n_in} features (columns), got {X.shape[1]}")
        return X

    def _check_targets(self, y: np.ndarray) -> np.ndarray:
        k = getattr(self, "n_classes")
        if np.any(y != np.round(y)) or y.min() < 0 or y.max() > k - 1:
            raise ValueError(f"y must hold integer class labels in [0, {k - 1}], "
                             f"got values in [{y.min():.6g}, {y.max():.6g}]")
        return y.astype(np.intp)

    def _finite_result(self, method: str, result, params: Params, X: np.ndarray):
        """``result`` if all its numbers are finite; else a ``ValueError`` saying why (overflow)."""
        parts = [result] if not isinstance(result, tuple) else [
            r for part in result for r in (part.values() if isinstance(part, dict) else [part])]
        if all(np.all(np.isfinite(part)) for part in parts):
            return result
        big = max(float(np.max(np.abs(v), initial=0)) for v in params.values())
        raise ValueError(f"{type(self).__name__}.{method} overflowed to nan/inf: X, y or params hold values "
                         f"too large for float arithmetic (largest |X| = {float(np.max(np.abs(X))):.3g}, "
                         f"largest |params| = {big:.3g}); rescale the data, e.g. standardize X")

    def _init_dense(self, rng: np.random.Generator) -> Params:
        rng = _check_rng(rng)
        out = {}
        for k, shape in self.param_shapes().items():
            out[k] = glorot_uniform(rng, *shape) if len(shape) == 2 else np.zeros(shape)
        return out

    def init_params(self, rng: np.random.Generator) -> Params:
        """Glorot-uniform kernels and zero biases, like a fresh Keras ``Dense`` layer."""
        return self._init_dense(rng)

    def predict(self, params: Params, X) -> np.ndarray:
        """The model's output: the value (regression) or class probabilities."""
        params, X = self.check_params(params), self._check_X(X)
        with np.errstate(all="ignore"):
            return self._finite_result("predict", self._predict(params, X), params, X)

    def loss(self, params: Params, X, y) -> float:
        """Mean loss over the samples (see the module docstring for the formulas)."""
        return self._public("loss", params, X, y, False)[0]

    def loss_and_grad(self, params: Params, X, y) -> tuple[float, Params]:
        """The loss and its gradient, a dict keyed like ``params`` (back-propagated by hand)."""
        loss, grads, _ = self._public("loss_and_grad", params, X, y, True)
        return loss, grads

    def metric(self, params: Params, X, y) -> float:
        """Keras's metric ``metric_name``: accuracy for classifiers, mean squared error for regression."""
        return self._public("metric", params, X, y, False)[2]

    def _public(self, method: str, params, X, y, need_grad: bool):
        params, (X, y) = self.check_params(params), self.check_data(X, y)
        with np.errstate(all="ignore"):
            loss, grads, metric = self._forward_backward(params, X, y, need_grad)
        self._finite_result(method, (loss, grads or {}, metric), params, X)
        return loss, grads, metric


@dataclass(frozen=True)
class _OneLayer(_Model):
    n_features: int

    def __post_init__(self) -> None:
        check_int("n_features", self.n_features, low=1, high=MAX_UNITS)

    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        return {"W": (self.n_features, self._n_out), "b": (self._n_out,)}

    def _forward_backward(self, params, X, y, need_grad):
        loss, dz, metric = self._head(X @ params["W"] + params["b"], y, need_grad)
        return loss, ({"W": X.T @ dz, "b": _col_sums(dz)} if need_grad else None), metric


@dataclass(frozen=True)
class LinearRegression(_OneLayer):
    """``y_hat = X W + b``, mean squared error. Keras: ``Dense(1)`` with ``loss="mse"``.

    >>> m = LinearRegression(2); p = {"W": np.array([[1.0], [2.0]]), "b": np.array([0.5])}
    >>> m.predict(p, [[1.0, 1.0]]).tolist(), m.loss(p, [[1.0, 1.0]], [3.0])
    ([3.5], 0.25)
    """

    metric_name: ClassVar[str] = "mse"
    _n_out: ClassVar[int] = 1
    _head = staticmethod(_mse_head)

    def _check_targets(self, y: np.ndarray) -> np.ndarray:
        return y

    def _predict(self, params, X):
        return (X @ params["W"] + params["b"])[:, 0]


@dataclass(frozen=True)
class LogisticRegression(_OneLayer):
    """``p = sigmoid(X W + b)``, binary cross-entropy; labels 0/1. Keras: ``Dense(1, "sigmoid")``.

    >>> m = LogisticRegression(1); p = {"W": np.array([[1000.0]]), "b": np.zeros(1)}
    >>> m.loss(p, [[1.0], [-1.0]], [1, 0]), m.loss(p, [[1.0]], [0])
    (0.0, 1000.0)
    """

    _n_out: ClassVar[int] = 1
    _head = staticmethod(_bce_head)

    def _check_targets(self, y: np.ndarray) -> np.ndarray:
        if not np.all((y == 0) | (y == 1)):
            raise ValueError(f"y must hold binary labels 0 or 1, got values in [{y.min()}, {y.max()}]")
        return y

    def _predict(self, params, X):
        return _sigmoid(X @ params["W"] + params["b"])[:, 0]


@dataclass(frozen=True)
class SoftmaxRegression(_OneLayer):
    """``p = softmax(X W + b)``, sparse categorical cross-entropy. Keras: ``Dense(k, "softmax")``."""

    n_classes: int

    def __post_init__(self) -> None:
        super().__post_init__()
        check_int("n_classes", self.n_classes, low=2, high=MAX_UNITS)
        _check_size(self)

    @property
    def _n_out(self) -> int:
        return self.n_classes

    _head = staticmethod(_scce_head)

    def _predict(self, params, X):
        return _softmax(X @ params["W"] + params["b"])


@dataclass(frozen=True)
class MLP(_Model):
    """``p = softmax(relu(X W1 + b1) W2 + b2)``; Keras: ``Dense(h, "relu")`` then ``Dense(k, "softmax")``.

    Back-propagation: ``dZ2 = (p - onehot(y)) / n``, ``dW2 = H^T dZ2``, ``dH = dZ2 W2^T``,
    ``dZ1 = dH * [Z1 > 0]`` (TensorFlow's ReLU gradient is 0 at 0 too), ``dW1 = X^T dZ1``.
    """

    n_inputs: int
    n_hidden: int
    n_classes: int
    weight_keys: ClassVar[tuple[str, ...]] = ("W1", "W2")

    def __post_init__(self) -> None:
        check_int("n_inputs", self.n_inputs, low=1, high=MAX_UNITS)
        check_int("n_hidden", self.n_hidden, low=1, high=MAX_UNITS)
        check_int("n_classes", self.n_classes, low=2, high=MAX_UNITS)
        _check_size(self)

    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        return {"W1": (self.n_inputs, self.n_hidden), "b1": (self.n_hidden,),
                "W2": (self.n_hidden, self.n_classes), "b2": (self.n_classes,)}

    def _predict(self, params, X):
        return _softmax(np.maximum(X @ params["W1"] + params["b1"], 0) @ params["W2"] + params["b2"])

    def _forward_backward(self, params, X, y, need_grad):
        h = X @ params["W1"]
        h += params["b1"]
        np.maximum(h, 0, out=h)
        z = h @ params["W2"]
        z += params["b2"]
        loss, dz, metric = _scce_head(z, y, need_grad)
        if not need_grad:
            return loss, None, metric
        dh = dz @ params["W2"].T
        dh *= h > 0
        return loss, {"W1": X.T @ dh, "b1": _col_sums(dh), "W2": h.T @ dz, "b2": _col_sums(dz)}, metric


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise ``exp(z - max z) / sum exp(z - max z)``: never overflows.

    >>> softmax(np.array([[1000.0, 1000.0]])).tolist()
    [[0.5, 0.5]]
    """
    z = _float_array("z", z, ndim=(1, 2, 3))
    with np.errstate(over="ignore"):  # z - max z may reach -inf (a spread beyond float range): exp gives 0
        return _softmax(z)


def _check_size(model) -> None:
    """A model's weights must fit in memory (``MAX_PARAMS``): refuse, don't allocate terabytes."""
    total = sum(int(np.prod(shape)) for shape in model.param_shapes().values())
    if total > MAX_PARAMS:
        sizes = ", ".join(f"{k}={getattr(model, k)}" for k in ("n_features", "n_inputs", "n_hidden", "n_classes")
                          if hasattr(model, k))
        raise ValueError(f"{sizes} make {total} parameters; at most {MAX_PARAMS} are allowed")


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
