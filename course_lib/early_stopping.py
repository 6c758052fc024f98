"""Early stopping with exactly the rule of ``keras.callbacks.EarlyStopping`` (Keras 3).

At the end of each epoch ``e >= start_from_epoch`` (epochs count from 0, as Keras's
``on_epoch_end(epoch)``): ``wait += 1``; if the monitored value improves on the best so far
by more than ``min_delta``, it becomes the best and ``wait`` returns to 0 (with a
``baseline``, only if it also beats the baseline); otherwise training stops once
``wait >= patience`` (and ``e > 0``). So ``patience=p`` stops after ``p`` epochs without
improvement, and ``patience=0`` stops at the first one.

Keras details kept on purpose: the comparison is made in float32 (``keras.ops.less`` casts
Python floats), so values closer than float32 resolution are equal, not better; ``nan`` never
improves; with ``restore_best_weights`` the best weights are put back at the end of training
even if it did not stop early. Differences: a missing ``monitor`` raises ``ValueError``
naming the available keys (Keras warns and skips the epoch), and a negative ``min_delta`` or
``patience`` is refused (Keras takes ``abs(min_delta)`` and treats ``patience < 0`` as 0).

>>> early_stopping_point([0.9, 0.7, 0.75, 0.72, 0.8], patience=2)
StopPoint(stop_epoch=3, best_epoch=1, best=0.7, epochs_run=4, reason='stopped at epoch 3: val_loss did not improve on 0.7 (epoch 1) by more than min_delta=0 for 2 epochs (patience=2)')
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from course_lib._checks import _show, check_array, check_bool, check_choice, check_int, check_real
from course_lib._monitor import check_monitored, improves, monitored_value
from course_lib.metrics import metric_direction

__all__ = ["EarlyStopping", "StopPoint", "early_stopping_point"]


class _Rule:
    """Keras's stopping decision, one monitored value at a time (no weights, no logs)."""

    def __init__(self, monitor: str, min_delta: float, patience: int, mode: str, baseline: float | None,
                 start_from_epoch: int) -> None:
        if not isinstance(monitor, str) or not monitor:
            raise ValueError(f"monitor must be a non-empty log name such as 'val_loss', got {monitor!r}")
        self.monitor = monitor
        self.min_delta = check_real("min_delta", min_delta, low=0)
        self.patience = check_int("patience", patience, low=0)
        check_choice("mode", mode, ("auto", "min", "max"))
        self.mode = metric_direction(monitor) if mode == "auto" else mode
        self.baseline = None if baseline is None else check_real("baseline", baseline)
        self.start_from_epoch = check_int("start_from_epoch", start_from_epoch, low=0)
        self.reset()

    def reset(self) -> None:
        self.wait, self.stopped_epoch, self.best_epoch = 0, 0, 0
        self.best: float | None = None
        self.beat_baseline, self.reason = False, "not started"

    def improves(self, current: float, reference: float | None) -> bool:
        """Keras's ``monitor_op(current -/+ min_delta, reference)``, in float32 (see ``_monitor``)."""
        current = check_monitored("current", current)
        reference = None if reference is None else check_monitored("reference", reference)
        return improves(current, reference, self.min_delta, self.mode)

    def step(self, epoch: int, current: float) -> str:
        """Update for one epoch; returns ``"skipped"``, ``"improved"``, ``"waiting"`` or ``"stop"``."""
        epoch, current = check_int("epoch", epoch, low=0), check_monitored("current", current)
        return self._step(epoch, current)

    def _step(self, epoch: int, current: float) -> str:
        if epoch < self.start_from_epoch:
            return "skipped"
        self.wait += 1
        if self.improves(current, self.best):
            self.best, self.best_epoch = float(current), epoch
            if self.baseline is None or self.improves(current, self.baseline):
                self.wait, self.beat_baseline = 0, True
            return "improved"
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.reason = self._stop_reason(epoch)
            return "stop"
        return "waiting"

    def _stop_reason(self, epoch: int) -> str:
        why = (f"did not improve on {self.best:.6g} (epoch {self.best_epoch}) by more than "
               f"min_delta={self.min_delta:g}")
        if self.baseline is not None and not self.beat_baseline:
            why = f"never beat baseline={self.baseline:g} by more than min_delta={self.min_delta:g}"
        return f"stopped at epoch {epoch}: {self.monitor} {why} for {self.wait} epochs (patience={self.patience})"

    def end_reason(self) -> str:
        if self.stopped_epoch:
            return self.reason
        if self.best is None:
            return f"not stopped: no epoch reached start_from_epoch={self.start_from_epoch}"
        return (f"not stopped: {self.monitor} best {self.best:.6g} at epoch {self.best_epoch}, "
                f"{self.wait} epoch(s) without improvement at the end (patience={self.patience})")


class EarlyStopping(_Rule):
    """Stop training when ``monitor`` stops improving. Keras: ``keras.callbacks.EarlyStopping``.

    A callback for ``course_lib.training.fit``: it reads ``logs[monitor]`` and sets
    ``state.stop_training``; with ``restore_best_weights`` it keeps a copy of
    ``state.params`` from the best epoch and assigns it back in ``on_train_end``. After
    training: ``best``, ``best_epoch``, ``stopped_epoch`` (0 if it never stopped, as in
    Keras), ``wait`` and a readable ``reason``.

    >>> from types import SimpleNamespace
    >>> stopper, state = EarlyStopping(patience=1), SimpleNamespace(stop_training=False, params={})
    >>> for epoch, val_loss in enumerate([1.0, 0.5, 0.6]):
    ...     stopper.on_epoch_end(epoch, {"val_loss": val_loss}, state)
    >>> state.stop_training, stopper.best_epoch
    (True, 1)
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 0,
                 mode: str = "auto", baseline: float | None = None,
                 restore_best_weights: bool = False, start_from_epoch: int = 0) -> None:
        super().__init__(monitor, min_delta, patience, mode, baseline, start_from_epoch)
        self.restore_best_weights = check_bool("restore_best_weights", restore_best_weights)
        self.best_weights: dict[str, np.ndarray] | None = None

    def on_train_begin(self, state: Any = None) -> None:
        """Reset, so that one instance can serve several runs (as Keras)."""
        self.reset()
        self.best_weights = None

    def on_epoch_end(self, epoch: int, logs: dict[str, float], state: Any) -> None:
        """Apply the rule to ``logs[monitor]``; may set ``state.stop_training``."""
        current = monitored_value(self.monitor, epoch, logs)
        needs = ("stop_training", "params") if self.restore_best_weights else ("stop_training",)
        if not all(hasattr(state, attr) for attr in needs):
            raise TypeError(f"state must be the training loop's state, with {' and '.join(needs)}, got {_show(state)}")
        if self.restore_best_weights and not isinstance(state.params, dict):
            raise TypeError(f"state.params must be a dict of arrays, got {_show(state.params)}")
        outcome = self._step(epoch, current)
        if outcome == "improved" and self.restore_best_weights:
            self.best_weights = {k: np.array(v, copy=True) for k, v in state.params.items()}
        elif outcome == "stop":
            state.stop_training = True

    def on_train_end(self, state: Any = None) -> None:
        """Restore the best weights (bit for bit) if asked; write ``reason``."""
        self.reason = self.end_reason()
        if self.restore_best_weights and self.best_weights is not None:
            if not hasattr(state, "params"):
                raise TypeError(f"state must be the training loop's state, with params, got {_show(state)}")
            state.params = {k: v.copy() for k, v in self.best_weights.items()}
            self.reason += f"; restored the weights of epoch {self.best_epoch}"


@dataclass(frozen=True)
class StopPoint:
    """Where the rule stops a stored curve: ``stop_epoch`` (None: it ran to the end), best epoch."""

    stop_epoch: int | None
    best_epoch: int | None
    best: float | None
    epochs_run: int
    reason: str

    def __post_init__(self) -> None:
        for name in ("stop_epoch", "best_epoch"):
            if getattr(self, name) is not None:
                check_int(name, getattr(self, name), low=0)
        if self.best is not None:  # the monitored value itself: nan if the curve's best was nan
            object.__setattr__(self, "best", check_monitored("best", self.best))
        check_int("epochs_run", self.epochs_run, low=0)
        if not isinstance(self.reason, str):
            raise TypeError(f"reason must be a string, got {_show(self.reason)}")


def early_stopping_point(values: Any, *, monitor: str = "val_loss", min_delta: float = 0.0,
                         patience: int = 0, mode: str = "auto", baseline: float | None = None,
                         restore_best_weights: bool = False, start_from_epoch: int = 0) -> StopPoint:
    """Replay ``EarlyStopping`` on a stored curve (``values[e]`` = monitored value after epoch ``e``).

    Pure and fast (a loop over the values): a widget can call it on every slider move.
    ``restore_best_weights`` is accepted so that the same keyword arguments serve both; it
    does not change where the rule stops.
    """
    values = check_array("values", values, ndim=1, finite=False)
    check_bool("restore_best_weights", restore_best_weights)
    rule = _Rule(monitor, min_delta, patience, mode, baseline, start_from_epoch)
    for epoch, current in enumerate(values.tolist()):
        if rule._step(epoch, current) == "stop":
            return StopPoint(epoch, rule.best_epoch, rule.best, epoch + 1, rule.reason)
    best_epoch = None if rule.best is None else rule.best_epoch
    return StopPoint(None, best_epoch, rule.best, len(values), rule.end_reason())
