"""One training loop, in which the batch size decides the algorithm. Keras: ``model.fit``.

``fit`` splits the (shuffled) training set into batches of ``batch_size`` samples, the last
one possibly smaller (kept, as Keras keeps it); each batch gives one update
``w <- optimizer(w, grad L_batch(w), learning_rate)``. With ``batch_size == n`` that is batch
gradient descent (one update per epoch), with ``1`` stochastic gradient descent (n updates
per epoch), in between mini-batch gradient descent.

Logs follow Keras: an epoch's ``loss`` is the sample-weighted mean of its batch losses (each
taken before its update, penalty included), its training metric likewise; ``val_loss`` and
``val_<metric>`` are computed on the validation set with the end-of-epoch weights.

Speed: ``fit`` keeps all parameters in one flat vector and hands the optimizer ``{"all": w}``.
Every optimizer of :mod:`course_lib.optim` is element-wise, so this is exactly the per-array
update, in a few numpy calls instead of a few per array (an optimizer of your own must be
element-wise too). The loop runs BLAS single-threaded (``threadpoolctl``, as scikit-learn's
KMeans does; restored afterwards): for the course's small matrices a second BLAS thread gains
little, and on a busy 2-core machine it made ``fit`` 5-10x slower. The default dtype is
float64: the course checks gradients by finite differences and stores printed numbers that
must not depend on the machine's rounding; ``dtype="float32"`` (Keras's default) makes the
matrix products about twice as fast.

>>> import numpy as np
>>> from course_lib.models import LinearRegression
>>> from course_lib.optim import GradientDescent
>>> X = np.linspace(-1, 1, 20)[:, None]; y = 3 * X[:, 0] + 1
>>> h = fit(LinearRegression(1), X, y, batch_size=20, epochs=200, optimizer=GradientDescent(),
...         learning_rate=0.5, rng=np.random.default_rng(0))
>>> h.n_steps, round(float(h.params["W"][0, 0]), 6), round(float(h.params["b"][0]), 6)
(200, 3.0, 1.0)
"""
from __future__ import annotations

import contextlib
import math
import numbers
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np

from course_lib._checks import _show, check_array, check_bool, check_int, check_real
from course_lib._fit_args import MAX_SAMPLES, as_rng, check_fit, check_params, schedule_values
from course_lib.clipping import apply_keras_clipping

__all__ = ["fit", "History", "TrainState", "TrainingDiverged", "batch_indices", "batch_size_name",
           "epoch_order", "DIVERGENCE_FACTOR"]

DIVERGENCE_FACTOR = 1e3
"""``fit`` stops when a step's loss exceeds this many times the initial loss (see :func:`fit`)."""


class TrainingDiverged(FloatingPointError):
    """Training blew up. ``history`` keeps everything up to that step.

    Raised when the loss or the gradient becomes nan/inf, when the loss exceeds
    ``divergence_factor`` times the initial loss (see :func:`fit`), when the validation loss
    becomes nan/inf, or when a callback leaves nan/inf parameters or learning rate. The epoch
    arrays of ``history`` all hold the same completed epochs; its step arrays every step made.
    A ``FloatingPointError`` (what numpy raises under ``np.seterr(all="raise")``), so
    ``except FloatingPointError`` catches it too. Also carries ``step``, ``epoch``, ``learning_rate``.
    """

    def __init__(self, message: str, *, history: "History", step: int, epoch: int,
                 learning_rate: float) -> None:
        super().__init__(message)
        self.history, self.step, self.epoch, self.learning_rate = history, step, epoch, learning_rate


@dataclass
class TrainState:
    """What callbacks see at epoch ends, and may change: params, learning_rate, stop_training."""

    params: dict[str, np.ndarray]
    learning_rate: float
    epoch: int = 0
    step: int = 0
    stop_training: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.params, dict):
            raise TypeError(f"params must be a dict of arrays, got {_show(self.params)}")
        self.learning_rate = check_real("learning_rate", self.learning_rate, low=0)
        self.epoch, self.step = check_int("epoch", self.epoch, low=0), check_int("step", self.step, low=0)
        self.stop_training = check_bool("stop_training", self.stop_training)


@dataclass(frozen=True)
class History:
    """Plain arrays, one entry per update (``step_*``) and per completed epoch (``epoch_*``).

    ``epoch_val_*`` are empty without ``validation_data``. ``step_grad_norm`` is the global norm
    of the gradient (penalty included) *before* clipping. ``batch_order[e]`` is the permutation
    of the training set used in epoch ``e``; its batches are consecutive slices of it.
    """

    step_loss: np.ndarray
    step_learning_rate: np.ndarray
    step_grad_norm: np.ndarray
    epoch_loss: np.ndarray
    epoch_metric: np.ndarray
    epoch_val_loss: np.ndarray
    epoch_val_metric: np.ndarray
    epoch_learning_rate: np.ndarray
    params: dict[str, np.ndarray]
    metric_name: str
    batch_size: int
    batch_order: np.ndarray
    stopped_early: bool = False

    def __post_init__(self) -> None:
        """Checks and converts, so that a History is always plain arrays of matching lengths.

        The last step of a diverged run may be nan/inf (the evidence): finiteness is not required.
        """
        steps = ("step_loss", "step_learning_rate", "step_grad_norm")
        epochs = ("epoch_loss", "epoch_metric", "epoch_learning_rate")
        val = ("epoch_val_loss", "epoch_val_metric")
        for name in steps + epochs + val:
            object.__setattr__(self, name, check_array(name, getattr(self, name), ndim=1, finite=False,
                                                       nonempty=False))
        for group in (steps, epochs, val):
            if len({len(getattr(self, k)) for k in group}) > 1:
                raise ValueError(f"{', '.join(group)} must have the same length, got "
                                 f"{[len(getattr(self, k)) for k in group]}")
        if len(self.epoch_val_loss) not in (0, len(self.epoch_loss)):
            raise ValueError(f"epoch_val_loss must be empty or hold one value per epoch ({len(self.epoch_loss)}), "
                             f"got {len(self.epoch_val_loss)}")
        if not isinstance(self.params, dict) or not all(isinstance(k, str) for k in self.params):
            raise TypeError(f"params must be a dict of arrays keyed by name, got {_show(self.params)}")
        params = {k: check_array(f"params[{k!r}]", v, dtype=None, finite=False, nonempty=False)
                  for k, v in self.params.items()}
        object.__setattr__(self, "params", params)
        if not isinstance(self.metric_name, str) or not self.metric_name:
            raise TypeError(f"metric_name must be a non-empty string such as 'accuracy', got {_show(self.metric_name)}")
        check_int("batch_size", self.batch_size, low=1)
        order = check_array("batch_order", self.batch_order, ndim=2, dtype=np.intp, nonempty=False)
        object.__setattr__(self, "batch_order", order)
        object.__setattr__(self, "stopped_early", check_bool("stopped_early", self.stopped_early))

    @property
    def n_steps(self) -> int:
        """Number of updates made."""
        return len(self.step_loss)

    @property
    def n_epochs(self) -> int:
        """Number of epochs completed."""
        return len(self.epoch_loss)

    @property
    def stopped_epoch(self) -> int | None:
        """The last epoch run if a callback stopped training, else None."""
        return self.n_epochs - 1 if self.stopped_early else None

    @property
    def history(self) -> dict[str, list[float]]:
        """The per-epoch logs as Keras's ``History.history`` (same keys)."""
        out = {"loss": self.epoch_loss, self.metric_name: self.epoch_metric}
        if len(self.epoch_val_loss):
            out |= {"val_loss": self.epoch_val_loss, f"val_{self.metric_name}": self.epoch_val_metric}
        out["learning_rate"] = self.epoch_learning_rate
        return {k: v.tolist() for k, v in out.items()}


def batch_size_name(batch_size: int, n: int) -> str:
    """Which algorithm ``batch_size`` makes of ``fit`` on ``n`` samples.

    >>> [batch_size_name(b, 100) for b in (100, 32, 1)]  # doctest: +NORMALIZE_WHITESPACE
    ['batch gradient descent', 'mini-batch gradient descent (32 of 100 samples)',
     'stochastic gradient descent']
    """
    n = check_int("n", n, low=1)
    batch_size = check_int("batch_size", batch_size, low=1, high=n)
    if batch_size == n:
        return "batch gradient descent"
    if batch_size == 1:
        return "stochastic gradient descent"
    return f"mini-batch gradient descent ({batch_size} of {n} samples)"


def epoch_order(n: int, rng: np.random.Generator | int | None, shuffle: bool) -> np.ndarray:
    """One epoch's order of the ``n`` samples: ``rng.permutation(n)``, or ``0..n-1`` unshuffled.

    ``rng`` is a Generator (or an int seed); it may be ``None`` when ``shuffle`` is False.

    >>> epoch_order(4, None, False).tolist(), epoch_order(4, 0, True).tolist()
    ([0, 1, 2, 3], [2, 0, 1, 3])
    """
    n = check_int("n", n, low=1, high=MAX_SAMPLES)
    shuffle = check_bool("shuffle", shuffle)
    rng = as_rng(rng, needed=shuffle)
    return rng.permutation(n) if shuffle else np.arange(n)


def batch_indices(n: int, batch_size: int, rng: np.random.Generator | int | None,
                  shuffle: bool = True) -> list[np.ndarray]:
    """The index batches of one epoch, exactly as ``fit`` draws them from the same ``rng``.

    >>> [b.tolist() for b in batch_indices(5, 2, None, shuffle=False)]
    [[0, 1], [2, 3], [4]]
    """
    n = check_int("n", n, low=1, high=MAX_SAMPLES)
    batch_size = check_int("batch_size", batch_size, low=1, high=n)
    order = epoch_order(n, rng, shuffle)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def fit(model: Any, X: Any, y: Any, *, batch_size: int, epochs: int, optimizer: Any,
        learning_rate: float | None = None, schedule: Callable | None = None,
        schedule_per: str = "step", validation_data: tuple[Any, Any] | None = None,
        regularizer: Any = None, clipvalue: float | None = None, clipnorm: float | None = None,
        global_clipnorm: float | None = None, callbacks: Iterable[Any] | None = (),
        rng: np.random.Generator | int | None = None, params: dict[str, np.ndarray] | None = None,
        shuffle: bool = True, dtype: str = "float64",
        divergence_factor: float | None = DIVERGENCE_FACTOR) -> History:
    """Train ``model`` on ``(X, y)`` and return a :class:`History`; raise :class:`TrainingDiverged`.

    Give exactly one of ``learning_rate`` (a constant, which callbacks such as
    ``ReduceLROnPlateau`` may change) and ``schedule`` (``step -> rate``, or ``epoch -> rate``
    with ``schedule_per="epoch"``). A schedule is called once with the array of all step
    numbers if it accepts arrays (those of :mod:`course_lib.schedules` do), else once per step
    with a Python ``int`` (``lambda t: 0.1 if t < 5 else 0.01`` works); its rates must be
    finite and >= 0. A callback that changes a scheduled rate raises ``ValueError``, as Keras
    refuses to set a scheduled rate. ``rng`` (a Generator or a seed) draws the initial params
    if none are given, then shuffles every epoch. ``logs["learning_rate"]`` is the rate of the
    epoch's last step. A ``regularizer`` adds ``penalty(W)`` to the loss and ``gradient(W)`` to
    the gradient of each ``model.weight_keys`` entry, and applies ``prox(W, learning_rate)``
    after each step if it has one. ``clipvalue`` / ``clipnorm`` / ``global_clipnorm`` clip as
    the Keras optimizer arguments. ``callbacks`` is a list of objects with any of the hooks
    ``on_train_begin(state)``, ``on_epoch_end(epoch, logs, state)``, ``on_train_end(state)``.

    Divergence (:class:`TrainingDiverged`, with the partial history) is one of: a step whose
    loss or gradient is nan/inf; a validation loss that is nan/inf; a training loss above
    ``divergence_factor * L0``, where ``L0`` is the loss (penalty included) of the initial
    params on the whole training set. That last rule is checked on each epoch's loss (the mean
    over its batches, ``logs["loss"]``) and, at once, on any batch whose loss alone proves it:
    losses are >= 0, so a batch of ``B`` of the ``n`` samples with a loss above
    ``n / B * divergence_factor * L0`` puts the training loss above the limit (for batch
    gradient descent, ``B = n``, every step is checked against the limit itself).
    ``divergence_factor=None`` turns the rule off; it is off when ``L0 == 0`` too.
    Why 1000 by default: a diverging run grows its loss geometrically, so it passes 1000 x
    ``L0`` steps before it overflows, while healthy runs stay far below: the course's noisiest
    run (SGD, B = 1, lr = 3 on the digits, notebook 04) has single-sample losses up to ~800 x
    ``L0`` (hence the ``n / B`` margin for one batch) but epoch losses below 7 x ``L0``; no
    run of notebooks 01-07 comes near the limit. The course's widgets flag "loss above 1000x
    its start" by the same factor. (The learning-rate range tests of fastai and PyTorch
    Lightning stop at 4 x the best smoothed loss; a training run, noisy batches included,
    needs a wider margin.)
    """
    s = check_fit(model, X, y, batch_size, epochs, optimizer, learning_rate, schedule, schedule_per,
                   validation_data, regularizer, (clipvalue, clipnorm, global_clipnorm), callbacks,
                   rng, params, shuffle, dtype, divergence_factor)
    return _Loop(s).run()


class _Packer:
    """Packs a params dict into one flat vector and gives dicts of views back."""

    def __init__(self, params: dict[str, np.ndarray], dtype: np.dtype) -> None:
        self.keys, self.dtype = list(params), dtype
        self.shapes = [np.shape(params[k]) for k in self.keys]
        ends = np.cumsum([int(np.prod(shape)) for shape in self.shapes]).tolist()
        self.slices = [slice(a, b) for a, b in zip([0] + ends[:-1], ends)]

    def pack(self, params: dict[str, np.ndarray]) -> np.ndarray:
        return np.concatenate([np.ravel(params[k]) for k in self.keys]).astype(self.dtype, copy=False)

    def views(self, w: np.ndarray) -> dict[str, np.ndarray]:
        return {k: w[sl].reshape(shape) for k, sl, shape in zip(self.keys, self.slices, self.shapes)}


class _Loop:
    """One ``fit`` call: preallocated records, the epoch loop and its hot inner loop."""

    def __init__(self, s: SimpleNamespace) -> None:
        self.s, self.packer = s, _Packer(s.params, s.dtype)
        n_batches = -(-s.n // s.batch_size)
        count = s.epochs if s.schedule_per == "epoch" else s.epochs * n_batches
        self.lrs = None if s.schedule is None else schedule_values(s.schedule, count)
        total = s.epochs * n_batches
        self.step_loss, self.step_lr, self.step_norm = np.empty(total), np.empty(total), np.empty(total)
        self.logs: dict[str, list[float]] = {k: [] for k in ("loss", "metric", "val_loss", "val_metric", "lr")}
        self.orders: list[np.ndarray] = []
        self.step, self.views, self.limit, self.step_limit = 0, None, math.inf, math.inf

    def run(self) -> History:
        s = self.s
        w = self.packer.pack(s.params)
        opt_state = s.optimizer.init({"all": w})
        lr = float(self.lrs[0]) if self.lrs is not None else s.learning_rate
        state = TrainState(self._views_for_state(w), lr)
        # divergence is detected and reported by the loop itself, hence no numpy warnings
        with _single_threaded_blas(), np.errstate(all="ignore"):
            self.limit = self._loss_limit(w)
            self.step_limit = self.limit * (s.n / s.batch_size)
            w, lr = self._callbacks(state, "on_train_begin", w, lr)
            for epoch in range(s.epochs):
                state.epoch = epoch
                order = epoch_order(s.n, s.rng, s.shuffle)
                self.orders.append(order)
                Xp, yp = (s.X[order], s.y[order]) if s.shuffle else (s.X, s.y)
                w, opt_state, lr = self._run_epoch(Xp, yp, w, opt_state, lr, epoch)
                w, lr = self._end_epoch(state, w, lr, epoch)
                if state.stop_training:
                    break
            w, _ = self._callbacks(state, "on_train_end", w, lr)
        return self._history(w, stopped=bool(state.stop_training))

    def _loss_limit(self, w) -> float:
        """``divergence_factor * L0``, L0 the loss of the initial params on the training set."""
        s = self.s
        params = self.packer.views(w)
        loss = float(s.forward(params, s.X, s.y, False)[0])
        if s.regularizer is not None:
            loss = self._regularize(params, loss, np.zeros_like(w))
        if not math.isfinite(loss):
            raise ValueError(f"the loss of the initial params on the training data is {loss}: X, y or "
                             "params hold values too large for the model's arithmetic (rescale the data, "
                             "e.g. standardize X)")
        if s.divergence_factor is None or loss == 0:
            return math.inf
        return s.divergence_factor * loss

    def _run_epoch(self, Xp, yp, w, opt_state, lr, epoch):
        s, pack, views = self.s, self.packer.pack, self.packer.views
        forward, update, reg, lrs, limit = s.forward, s.update, s.regularizer, self.lrs, self.step_limit
        step, bs, loss_sum, metric_sum = self.step, s.batch_size, 0.0, 0.0
        for start in range(0, s.n, bs):
            params = views(w)
            xb, yb = Xp[start:start + bs], yp[start:start + bs]
            loss, grads, metric = forward(params, xb, yb, True)
            g = pack(grads)
            if reg is not None:
                loss = self._regularize(params, loss, g)
            norm = math.sqrt(float(g @ g))
            if lrs is not None:
                lr = float(lrs[epoch if s.schedule_per == "epoch" else step])
            self.step_loss[step], self.step_lr[step], self.step_norm[step] = loss, lr, norm
            if not (loss <= limit and math.isfinite(norm)):  # also catches a nan loss
                self.step = step + 1
                self._diverged(w, step, epoch, lr, loss, norm)
            if s.clipping:
                parts = [g] if s.clips["clipnorm"] is None else list(views(g).values())
                g = np.concatenate([np.ravel(p) for p in apply_keras_clipping(parts, **s.clips)])
            new, opt_state = update({"all": g}, opt_state, {"all": w}, lr)
            w = new["all"] if new["all"].dtype == s.dtype else new["all"].astype(s.dtype)
            if s.prox:
                w = self._prox(w, lr)
            loss_sum += loss * len(yb)
            metric_sum += metric * len(yb)
            step += 1
        self.step = step
        if not loss_sum / s.n <= self.limit:
            self._diverged(w, step - 1, epoch, lr, loss_sum / s.n, norm, epoch_mean=True)
        self.logs["loss"].append(loss_sum / s.n)
        self.logs["metric"].append(metric_sum / s.n)
        return w, opt_state, lr

    def _regularize(self, params, loss, g):
        """Add the penalty to ``loss`` and its gradient into ``g`` (a fresh array, ours to change)."""
        reg, g_views = self.s.regularizer, self.packer.views(g)
        for key in self.s.model.weight_keys:
            try:
                loss += float(reg.penalty(params[key]))
                g_views[key] += reg.gradient(params[key])
            except (ValueError, FloatingPointError):  # a regularizer refuses inf weights: divergence
                if all(np.all(np.isfinite(v)) for v in params.values()):
                    raise
                return math.nan
        return loss

    def _prox(self, w, lr):
        w = w.copy()  # never change arrays that a callback may hold
        w_views = self.packer.views(w)
        for key in self.s.model.weight_keys:
            if not np.all(np.isfinite(w_views[key])):  # the update overflowed: the next step reports it
                return w
            w_views[key][...] = self.s.regularizer.prox(w_views[key], lr)
        return w

    def _end_epoch(self, state: TrainState, w, lr, epoch):
        s = self.s
        logs = {"loss": self.logs["loss"][-1], s.model.metric_name: self.logs["metric"][-1]}
        if s.validation_data is not None:
            params = self.packer.views(w)
            val_loss, _, val_metric = s.forward(params, *s.validation_data, False)
            if s.regularizer is not None:
                val_loss = self._regularize(params, val_loss, np.zeros_like(w))
            if not math.isfinite(val_loss):
                self._validation_diverged(w, epoch, lr, val_loss)
            logs |= {"val_loss": val_loss, f"val_{s.model.metric_name}": val_metric}
            self.logs["val_loss"].append(val_loss)
            self.logs["val_metric"].append(val_metric)
        logs["learning_rate"] = lr
        self.logs["lr"].append(lr)
        state.params, state.learning_rate, state.step = self._views_for_state(w), lr, self.step
        return self._callbacks(state, "on_epoch_end", w, lr, epoch, logs)

    def _callbacks(self, state: TrainState, hook: str, w, lr, *args):
        """Call ``hook`` of every callback, and take up what each changed (checked)."""
        for i, cb in enumerate(self.s.callbacks):
            method = getattr(cb, hook, None)
            if method is None:
                continue
            before = w.copy()  # the params to report if this callback breaks them in place
            method(*args, state) if args else method(state)
            w, lr = self._take_state(state, w, lr, f"callbacks[{i}] ({type(cb).__name__}).{hook}", before)
        return w, lr

    def _views_for_state(self, w):
        self.views = self.packer.views(w)
        return self.views

    def _take_state(self, state: TrainState, w, lr, who: str, before):
        """Take up what a callback changed: new params (checked, re-packed), a new constant rate."""
        if state.params is not self.views:
            if _has_nonfinite(state.params):
                self._broken_state(f"{who} set state.params to values with nan/inf", before, lr)
            try:
                params = check_params(self.s.model, state.params)
            except (TypeError, ValueError) as exc:
                self._broken_state(f"{who} set state.params to something fit cannot use: {exc}", before, lr,
                                   error=type(exc))
            w = self.packer.pack(params)
            state.params = self._views_for_state(w)
        elif not np.all(np.isfinite(w)):
            self._broken_state(f"{who} changed state.params in place to nan/inf", before, lr)
        if not isinstance(state.stop_training, (bool, np.bool_)):
            self._broken_state(f"{who} set state.stop_training to {_show(state.stop_training)}; it must be "
                               "True or False", w, lr, error=TypeError)
        new = state.learning_rate
        if new is lr:
            return w, lr
        ok = isinstance(new, numbers.Real) and not isinstance(new, bool)
        if ok and not math.isfinite(float(new)):
            self._broken_state(f"{who} set state.learning_rate to {new!r}", w, lr)
        if not ok or new < 0:
            self._broken_state(f"{who} set state.learning_rate to {_show(new)}; it must be a finite "
                               "number >= 0", w, lr, error=ValueError)
        if float(new) != lr:
            if self.lrs is not None:
                self._broken_state(f"{who} changed state.learning_rate while a schedule is in use; pass a "
                                   "constant learning_rate instead (Keras refuses this too)", w, lr,
                                   error=ValueError)
            lr = float(new)
        return w, lr

    def _broken_state(self, what: str, w, lr, error: type | None = None):
        """A callback left the state unusable: stop, keeping the history of the completed epochs."""
        history, done = self._history(w, stopped=False), len(self.logs["lr"])
        if error is None:
            raise TrainingDiverged(f"training stopped: {what} (at step {self.step}, {done} epoch(s) "
                                   "completed)", history=history, step=self.step, epoch=done, learning_rate=lr)
        exc = error(what)
        exc.history = history
        raise exc

    def _diverged(self, w, step, epoch, lr, loss, norm, epoch_mean=False):
        if math.isfinite(loss) and math.isfinite(norm):
            which = f"the loss of epoch {epoch} (mean over its batches)" if epoch_mean else "the loss"
            what = (f"{which} grew to {loss:.4g}, more than divergence_factor={self.s.divergence_factor:g} "
                    f"times the initial loss {self.limit / self.s.divergence_factor:.4g},")
        else:
            what = "the " + ("loss" if not math.isfinite(loss) else "gradient") + " became nan/inf"
        raise TrainingDiverged(
            f"training diverged: {what} at step {step} (epoch {epoch}, "
            f"batch_size={self.s.batch_size}) with learning_rate={lr:.6g}; try a smaller learning rate, "
            "a decaying schedule or gradient clipping", history=self._history(w, stopped=False),
            step=step, epoch=epoch, learning_rate=lr)

    def _validation_diverged(self, w, epoch, lr, val_loss):
        """The weights are finite and train well, but the validation loss is not: say so."""
        for key in ("loss", "metric"):  # epoch `epoch` is incomplete: keep only the completed ones
            del self.logs[key][len(self.logs["lr"]):]
        raise TrainingDiverged(
            f"training diverged: the validation loss became {val_loss} at the end of epoch {epoch} "
            f"(step {self.step - 1}) while the training loss stayed finite: the model's outputs on "
            "validation_data overflow. Check that validation_data is scaled like the training data "
            "(standardized with the training set's statistics) and holds no extreme values",
            history=self._history(w, stopped=False), step=self.step - 1, epoch=epoch, learning_rate=lr)

    def _history(self, w, stopped: bool) -> History:
        lg, k = {key: np.array(v, dtype=float) for key, v in self.logs.items()}, self.step
        order = np.array(self.orders, dtype=np.intp).reshape(len(self.orders), self.s.n)
        return History(self.step_loss[:k].copy(), self.step_lr[:k].copy(), self.step_norm[:k].copy(),
                       lg["loss"], lg["metric"], lg["val_loss"], lg["val_metric"], lg["lr"],
                       {key: v.copy() for key, v in self.packer.views(w).items()},
                       self.s.model.metric_name, self.s.batch_size, order, stopped_early=stopped)


def _has_nonfinite(params: Any) -> bool:
    """Whether a dict of arrays holds nan/inf (anything else is left to the params check)."""
    if not isinstance(params, dict):
        return False
    try:
        return any(not np.all(np.isfinite(np.asarray(v, dtype=float))) for v in params.values())
    except (TypeError, ValueError):
        return False


def _single_threaded_blas() -> contextlib.AbstractContextManager:
    """BLAS limited to one thread for the ``with`` block (no-op without ``threadpoolctl``)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # only speed depends on it
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")
