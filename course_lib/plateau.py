"""Performance-based scheduling: cut the learning rate when a monitored value stops improving.

The rule of ``keras.callbacks.ReduceLROnPlateau`` (Keras 3), at the end of every epoch,
for the monitored value ``v`` (``val_loss`` by default):

1. if in cooldown: ``cooldown_counter -= 1`` and ``wait = 0``;
2. if ``v`` improves on ``best`` (mode min: ``v + min_delta < best``; mode max:
   ``v - min_delta > best``; the first value always does): ``best = v``, ``wait = 0``;
3. otherwise, unless still in cooldown: ``wait += 1``, and once ``wait >= patience``, if
   ``lr > min_lr``: ``lr = max(lr * factor, min_lr)``, ``wait = 0``,
   ``cooldown_counter = cooldown``. (At ``min_lr`` nothing is reset: ``wait`` keeps growing.)

So a value exactly ``min_delta`` better than the best is *not* an improvement, and the
epochs of a cooldown count neither towards ``patience`` nor against it. Because the
counter is decremented before it is checked, ``cooldown=c`` pauses ``c - 1`` epochs
(``cooldown=1`` changes nothing), exactly as in Keras.

Float32, kept on purpose so that this twin matches Keras bit for bit: Keras compares
``v - min_delta`` with ``best`` after casting both Python floats to float32 (``keras.ops``),
and keeps the learning rate in a float32 variable. Here too: comparisons are made in
float32, and a *reduced* rate is the float32 value Keras would store, ``f32(max(f32(lr) *
factor, min_lr))``. A rate never reduced is left exactly as given.
Differences from Keras: a missing ``monitor`` raises ``ValueError`` (Keras warns and skips
the epoch); ``mode`` other than auto/min/max, ``factor`` outside (0, 1), a negative
``patience``, ``cooldown``, ``min_delta`` or ``min_lr``, and a rate or ``min_lr`` beyond float32's range
(~3.4e38, which Keras's float32 variable would hold as inf) are refused.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from course_lib._checks import _show, check_array, check_choice, check_int, check_real
from course_lib._monitor import check_monitored, improves, monitored_value
from course_lib.metrics import metric_direction

__all__ = ["ReduceLROnPlateau", "plateau_learning_rates"]

F32_MAX = float(np.finfo(np.float32).max)  # Keras keeps the rate in a float32 variable: no larger rate exists


class ReduceLROnPlateau:
    """Keras's ``ReduceLROnPlateau`` as a callback of ``course_lib.training.fit``.

    It reads ``logs[monitor]`` in ``on_epoch_end`` and sets ``state.learning_rate``; its
    counters (``best``, ``wait``, ``cooldown_counter``) are public, as in Keras. The rule is
    in the module docstring; :meth:`update` applies it to one value without a training loop.

    >>> from types import SimpleNamespace
    >>> state = SimpleNamespace(learning_rate=0.1)
    >>> plateau = ReduceLROnPlateau(factor=0.5, patience=2, min_delta=0.0)
    >>> plateau.on_train_begin(state)
    >>> for epoch, val_loss in enumerate([1.0, 0.9, 0.9, 0.95, 0.8]):
    ...     plateau.on_epoch_end(epoch, {"val_loss": val_loss}, state)
    >>> round(state.learning_rate, 6), plateau.best   # halved after epochs 2 and 3 didn't improve
    (0.05, 0.8)
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 mode: str = "auto", min_delta: float = 1e-4, cooldown: int = 0,
                 min_lr: float = 0.0) -> None:
        if not isinstance(monitor, str) or not monitor:
            raise ValueError(f"monitor must be a non-empty log name such as 'val_loss', got {monitor!r}")
        self.monitor = monitor
        self.factor = check_real("factor", factor, low=0, high=1, low_open=True, high_open=True)
        self.patience = check_int("patience", patience, low=0)
        check_choice("mode", mode, ("auto", "min", "max"))
        self.mode = metric_direction(monitor) if mode == "auto" else mode
        self.min_delta = check_real("min_delta", min_delta, low=0)
        self.cooldown = check_int("cooldown", cooldown, low=0)
        self.min_lr = check_real("min_lr", min_lr, low=0, high=F32_MAX)
        self.reset()

    def reset(self) -> None:
        """Forget the best value and the counters (Keras does this in ``on_train_begin``)."""
        self.best: float | None = None
        self.wait = 0
        self.cooldown_counter = 0

    def improves(self, current: float) -> bool:
        """Keras's ``monitor_op(current -/+ min_delta, best)``, compared in float32 (see ``_monitor``)."""
        return improves(check_monitored("current", current), self.best, self.min_delta, self.mode)

    def update(self, current: float, learning_rate: float) -> float:
        """Apply the rule to one epoch's monitored value; return the next learning rate.

        ``current`` is a number (``nan`` allowed: never an improvement, as in Keras);
        ``learning_rate`` a finite number >= 0.
        """
        current = check_monitored("current", current)
        return self._step(current, check_real("learning_rate", learning_rate, low=0, high=F32_MAX))[0]

    def _step(self, current: float, learning_rate: float) -> tuple[float, bool]:
        """The rule for one epoch: ``(next learning rate, whether it was reduced)``."""
        current = float(current)           # Keras's logs hold Python floats
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self.improves(current):
            self.best, self.wait = current, 0
            return learning_rate, False
        if self.cooldown_counter > 0:
            return learning_rate, False
        self.wait += 1
        old = float(np.float32(learning_rate))          # the float32 variable Keras reads
        if self.wait < self.patience or not old > np.float32(self.min_lr):
            return learning_rate, False
        self.wait, self.cooldown_counter = 0, self.cooldown
        return float(np.float32(max(old * self.factor, self.min_lr))), True

    def on_train_begin(self, state: Any = None) -> None:
        """Reset, so that one instance can serve several runs (as Keras)."""
        self.reset()

    def on_epoch_end(self, epoch: int, logs: dict[str, float], state: Any) -> None:
        """Read ``logs[monitor]`` and set ``state.learning_rate`` by the rule."""
        current = monitored_value(self.monitor, epoch, logs)
        if not hasattr(state, "learning_rate"):
            raise TypeError(f"state must be the training loop's state, with a learning_rate, got {_show(state)}")
        learning_rate = check_real("state.learning_rate", state.learning_rate, low=0, high=F32_MAX)
        state.learning_rate = self._step(current, learning_rate)[0]

    def __repr__(self) -> str:
        return (f"ReduceLROnPlateau(monitor={self.monitor!r}, factor={self.factor}, "
                f"patience={self.patience}, mode={self.mode!r}, min_delta={self.min_delta}, "
                f"cooldown={self.cooldown}, min_lr={self.min_lr})")


def plateau_learning_rates(values: Any, initial_learning_rate: float,
                           **kwargs: Any) -> tuple[np.ndarray, np.ndarray]:
    """Replay monitored values through :class:`ReduceLROnPlateau`; no training needed.

    ``values[e]`` is the monitored value at the end of epoch ``e``; the keyword arguments
    are those of :class:`ReduceLROnPlateau`. Returns ``(lrs, reduction_epochs)``: ``lrs[e]``
    is the rate used *during* epoch ``e`` (what Keras's ``History`` logs as
    ``learning_rate``), and ``reduction_epochs`` the epochs at whose end it was cut. Values
    may be nan (never an improvement, as in Keras).

    >>> lrs, cuts = plateau_learning_rates([1.0, 1.0, 1.0, 1.0, 0.5], 0.1, factor=0.5,
    ...                                    patience=1, cooldown=2, min_delta=0.0)
    >>> lrs.round(6), cuts            # cut after epoch 1; epoch 2 is cooldown; cut after 3
    (array([0.1  , 0.1  , 0.05 , 0.05 , 0.025]), array([1, 3]))
    """
    series = check_array("values", values, ndim=1, finite=False, nonempty=False)
    lr = check_real("initial_learning_rate", initial_learning_rate, low=0, low_open=True, high=F32_MAX)
    plateau = ReduceLROnPlateau(**kwargs)
    lrs = np.empty(len(series))
    cuts = []
    for epoch, current in enumerate(series.tolist()):
        lrs[epoch] = lr
        lr, reduced = plateau._step(current, lr)
        if reduced:
            cuts.append(epoch)
    return lrs, np.array(cuts, dtype=int)
