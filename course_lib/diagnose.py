r"""A training doctor: read a training run's curves and signals, name what went wrong.

Each check is a short pure function that reads a :class:`~course_lib.training.History` (or
the ``TrainingDiverged`` exception that carries one) and, for some checks, signals that
``fit`` or a Keras callback records on request (per-layer gradient norms, activation
statistics, the fraction of clipped steps). It returns a :class:`Finding` -- a stable name,
the evidence (numbers and epochs), the likely causes, the fix to try first and the source of
its rule -- or ``None``. :func:`diagnose` runs them all, in the order of :data:`CHECKS`.

Every threshold is a keyword argument whose default is a module constant documented below with
its source: Google's *Deep Learning Tuning Playbook* (clipping), Karpathy's *A Recipe for
Training Neural Networks* (loss at initialization ``ln K``), AUTOTRAINER (Zhang et al., ICSE
2021: the forms of the gradient, dying-ReLU and oscillation rules, re-derived here), Prechelt's
*Early Stopping -- But When?* (1998: the generalization loss), or the course's own choice,
with the reason. Epochs count from 0, as in Keras and ``History``.

>>> import numpy as np
>>> from course_lib.training import History
>>> def run(train, val):   # a History from per-epoch losses (one step per epoch)
...     E = len(train)
...     return History(train, np.zeros(E), np.ones(E), train, np.zeros(E), val, np.zeros(E),
...                    np.zeros(E), {}, "accuracy", 1, np.zeros((E, 1), dtype=int))
>>> healthy = run([2.3, 1.0, 0.5, 0.35, 0.3, 0.28], [2.2, 1.1, 0.6, 0.45, 0.42, 0.41])
>>> diagnose(healthy, n_classes=10)
[]
>>> over = run([2.3, 1.0, 0.5, 0.3, 0.2, 0.1], [2.2, 1.1, 0.7, 0.8, 0.9, 1.0])
>>> [f.name for f in diagnose(over, n_classes=10)]
['overfitting']
>>> print(overfitting(over).evidence["began_at_epoch"])
2
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from course_lib._checks import _show, check_array, check_int, check_real
from course_lib.training import DIVERGENCE_FACTOR, History, TrainingDiverged

__all__ = ["Finding", "diagnose", "CHECKS", "divergence", "init_loss", "train_val_overlap", "loss_rising",
           "oscillation", "slow_progress", "underfitting", "overfitting", "noisy_validation", "periodic_loss",
           "vanishing_gradients", "exploding_gradients", "dead_relus", "clipping_too_often"]

# ---- thresholds: each the default of a keyword argument of the same (lower-case) name ----
BLOWUP_FACTOR = DIVERGENCE_FACTOR
"""Divergence: a loss above this many times the first step's loss (``fit``'s own rule, 1000: see
``course_lib.training.fit`` for why a diverging run passes it long before it overflows)."""
INIT_FACTOR = 2.0
"""Loss at init: the first step's loss outside ``[ln K / 2, 2 ln K]``. Karpathy's recipe: a softmax
classifier should start at ``-ln(1/K) = ln K``. The factor 2 is the course's choice: Glorot-initialized
models on standardized course data start at 0.74-1.68 x ln K (measured: the MLP and softmax regression
on the digits, logistic regression and an MLP on breast cancer, seeds 0-3), while the broken setups start
outside (unscaled digits: 3.7 x; an L2 penalty of 0.1 in the loss: 3.8 x)."""
RISE_TOLERANCE = 0.1
"""Loss rising: an epoch's training loss undoes more than 10 % of the progress made before it (from the first
step's loss to the best epoch so far). Measured relative to the progress, not to the loss, so that the
jitter of a run converged near zero (0.04 -> 0.05) is not a rise. The course's choice: an epoch's loss is a
mean over all its batches; the healthy runs of ``INIT_FACTOR`` undo at most 0.17 % (the digits MLP at batch
gradient descent and rate 3 undoes 32 %: a spike, then recovery)."""
SWING_FRACTION = 0.5
"""Oscillation: at least half of the interior epochs are turning points (the difference to the next
epoch changes sign). A smooth descent has none; independent noise around a level turns at 2/3 of the
epochs, a period-2 bounce (a rate past the stable limit) at all. AUTOTRAINER counts peak-to-trough
pairs of the accuracy in at least 20 % of the epochs; we count turning points of the loss instead
and ask for more of them, because we also require a swing of ``min_swing``."""
MIN_SWING = 0.01
"""Oscillation: a turning point counts only if both differences beside it exceed 1 % of the first
step's loss (the course's choice, after AUTOTRAINER's minimum amplitude of 0.03 accuracy), so that
the jitter of a converged run near zero loss is not taken for oscillation."""
PROGRESS_RATIO = 0.9
"""Oscillation: "no net progress" means the mean training loss of the second half of the epochs is
at least 0.9 x that of the first half (the course's choice: less than 10 % gained by half the run)."""
LATE_SHARE = 0.1
"""Slow progress (a crawl): the last quarter of the epochs still brings at least 10 % of the run's
whole decrease of the training loss. A linear crawl brings 25 %; the same four healthy runs as for
``INIT_FACTOR`` (8 epochs, SGD with momentum, rate 0.05) bring 0.25-1.8 %, the digits MLP at rate 0.0005
17 %. The course's choice."""
PLATEAU_SHARE = 0.02
"""Slow progress (an early plateau): the last half of the epochs brings less than 2 % of the run's
decrease while the loss is still above ``plateau_level`` x its start. The course's choice."""
PLATEAU_LEVEL = 0.5
"""Slow progress (an early plateau): the final training loss above half the first step's loss. The course's
choice: a run that stalls before removing half its initial loss has stalled early (the healthy runs of
``INIT_FACTOR`` end at most at 8.4 % of it)."""
UNDERFIT_FRACTION = 0.5
"""Underfitting: the best training and the best validation loss both above half the baseline (``ln K``,
the loss of predicting 1/K for every class, or ``baseline_loss``): the model has removed less than half
of what an input-independent guess leaves. The course's choice (AUTOTRAINER's analogue is a best accuracy
below a "satisfied" 0.7)."""
GENERALIZATION_LOSS = 0.05
"""Overfitting: Prechelt's generalization loss ``GL(t) = val(t) / min val - 1`` above 5 % at the last
epoch while the training loss fell since the best epoch (Prechelt 1998 studies GL_alpha for alpha = 1..5 %;
we take his largest class)."""
MIN_DIFFERENCE = 0.1
"""Noisy validation: the accuracy difference to be read (two epochs or two models). Flagged when the
95 % half-width of a difference of two accuracies measured on ``n_val`` samples, ``z sqrt(2 p (1-p) / n_val)``,
exceeds it. The course's choice: 10 points is the coarsest difference worth reading (0.85 against 0.95);
a set that cannot resolve it cannot rank models at all. It takes ``n_val >= 768 p (1 - p)`` samples: 192 at
p = 0.5, 69 at p = 0.9 (the digits' 359 always suffice; a 30-sample set never does below p = 0.96). At least 1e-4
(a difference that small needs billions of samples)."""
Z_95 = 1.96
"""Noisy validation: the normal quantile of a two-sided 95 % interval."""
PERIODIC_AUTOCORRELATION = 0.5
"""Periodic loss: the autocorrelation, at a lag of one epoch, of the step losses minus their moving average
over one epoch (which removes the trend, however steep).
A repeated batch order makes it 0.6-1 on the digits (0.98 sorted by label, 0.71 in a fixed random order);
independent batches about 0 (standard deviation ~ 1/sqrt(number of pairs), 0.06 for 300 steps), but a slow
oscillation (momentum ringing) can reach 0.3-0.4 at that lag even with shuffled batches, so the check also
asks that ``batch_order`` be the same every epoch. 0.5 is the course's choice between the two."""
VANISHING_GAIN = 0.5
"""Vanishing gradients: the first layer's gradient norm, relative to the last layer's, shrinks by more than
a factor 2 per layer on average (``ratio^(1/(L-1)) < 0.5``). AUTOTRAINER flags a first/last ratio below 1e-3
whatever the depth; per layer, the rule means the same for a 2-layer and a 10-layer net (0.5^9 = 2e-3)."""
EXPLODING_GAIN = 2.0
"""Exploding gradients: the first layer's gradient norm grows by more than a factor 2 per layer relative to
the last (AUTOTRAINER's ratio above 70 is 2^6 = 64, a 7-layer net, restated per layer)."""
DEAD_FRACTION = 0.5
"""Dead ReLUs: at least half the units of a layer never active on any recorded sample. AUTOTRAINER counts
70 % of zero gradient entries; zero inputs (blank pixels) also zero gradient entries, so we count units
that never fire. Half a layer's width lost is the course's choice."""
MAX_CLIPPED_FRACTION = 0.5
"""Clipping too often: more than half the steps clipped. The Tuning Playbook: ">50% of the updates getting
clipped" is "extremely aggressive" clipping, "a strange way of reducing the learning rate"; it suggests a
threshold at the 90th percentile of the gradient norms."""
MAX_OVERLAP = 0.01
"""Train/validation overlap: more than 1 % of the validation rows are exact copies of training rows. The
course's choice: none of the course's datasets has a duplicate row (digits, breast cancer, diabetes), so a
copy is suspect; 1 % tolerates the odd genuine duplicate of a discrete dataset, while a leak (validation
drawn from the training set) copies tens of percent."""
MIN_EPOCHS = 4
"""The curve checks need at least 4 epochs (they compare quarters and halves of the run)."""

PLAYBOOK = "Google Research, Deep Learning Tuning Playbook (2023), 'How can optimization failures be debugged'"
KARPATHY = "A. Karpathy, A Recipe for Training Neural Networks (2019), 'verify loss @ init'"
AUTOTRAINER = "X. Zhang et al., AUTOTRAINER, ICSE 2021 (rule form re-derived, threshold: see the constant)"
PRECHELT = "L. Prechelt, Early Stopping -- But When? (1998), generalization loss GL"
COURSE = "the course's own choice (see the constant's docstring in course_lib.diagnose)"


@dataclass(frozen=True)
class Finding:
    """One diagnosis, like a linter's message: a stable ``name``, a one-line ``summary``, the
    ``evidence`` (numbers and epochs), the likely ``causes``, the ``fix`` to try first, the
    ``source`` of the rule and its threshold, and ``see``, where the course teaches it.
    Returned by the checks of this module (never built by hand)."""

    name: str
    summary: str
    evidence: dict[str, Any] = field(default_factory=dict)
    causes: tuple[str, ...] = ()
    fix: str = ""
    source: str = ""
    see: str = "notebook 13 (common problems)"

    def __str__(self) -> str:
        facts = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in self.evidence.items())
        return (f"{self.name}: {self.summary}\n  evidence: {facts}\n  likely causes: {'; '.join(self.causes)}\n"
                f"  first fix: {self.fix}\n  rule: {self.source}")


def _num(x: float) -> float | str:
    """Evidence number: a float, or its text when it is nan/inf (the evidence of a divergence)."""
    x = float(x)
    return x if math.isfinite(x) else str(x)


def _history(history: Any) -> tuple[History, TrainingDiverged | None]:
    if isinstance(history, TrainingDiverged):
        inner = getattr(history, "history", None)
        if not isinstance(inner, History):
            raise TypeError(f"history is a TrainingDiverged without a History attached, got {_show(inner)}")
        return inner, history
    if not isinstance(history, History):
        raise TypeError("history must be a course_lib.training.History (what fit returns) or the "
                        f"TrainingDiverged exception fit raised, got {_show(history)}")
    return history, None


def _curve(values: np.ndarray, min_epochs: int) -> np.ndarray | None:
    """A finite curve of at least ``min_epochs`` epochs, else None (the check does not apply)."""
    if len(values) < min_epochs or not np.all(np.isfinite(values)):
        return None
    return values


def _first_loss(h: History) -> float | None:
    """The loss of the first step, before any update (finite and > 0), else None."""
    if h.n_steps == 0 or not math.isfinite(h.step_loss[0]) or h.step_loss[0] <= 0:
        return None
    return float(h.step_loss[0])


def _baseline(n_classes: int | None, baseline_loss: float | None) -> float | None:
    if n_classes is not None:
        return math.log(check_int("n_classes", n_classes, low=2, high=10**9))
    if baseline_loss is not None:
        return check_real("baseline_loss", baseline_loss, low=0, low_open=True)
    return None


def divergence(history: Any, *, blowup_factor: float = BLOWUP_FACTOR) -> Finding | None:
    """The run blew up: ``fit`` raised ``TrainingDiverged`` (pass the exception), or a step's loss or
    gradient norm, an epoch's loss or validation loss is nan/inf, or an epoch's training loss or
    validation loss exceeds ``blowup_factor`` x the first step's loss."""
    h, exc = _history(history)
    blowup_factor = check_real("blowup_factor", blowup_factor, low=1)
    start = _first_loss(h)
    with np.errstate(over="ignore", invalid="ignore"):
        curves = {"step_loss": h.step_loss, "step_grad_norm": h.step_grad_norm, "epoch_loss": h.epoch_loss,
                  "epoch_val_loss": h.epoch_val_loss}
        bad = {k: np.flatnonzero(~np.isfinite(v)) for k, v in curves.items()}
        big = {k: np.flatnonzero(np.isfinite(v) & (v > blowup_factor * start)) if start else np.zeros(0, int)
               for k, v in curves.items() if k in ("epoch_loss", "epoch_val_loss")}
    where = [(k, int(i[0]), "nan/inf") for k, i in bad.items() if i.size] + \
            [(k, int(i[0]), f"above {blowup_factor:g} x the first loss") for k, i in big.items() if i.size]
    if exc is None and not where:
        return None
    evidence: dict[str, Any] = {"first_loss": _num(start) if start else "n/a", "epochs_completed": h.n_epochs}
    if exc is not None:
        evidence |= {"step": int(exc.step), "epoch": int(exc.epoch), "learning_rate": _num(exc.learning_rate),
                     "raised": str(exc)[:300]}
    for k, i, what in where[:2]:
        evidence[f"{k}_at"] = f"index {i}: {_num(curves[k][i])} ({what})"
    if h.n_steps:
        evidence.setdefault("learning_rate", _num(h.step_learning_rate[-1]))
    return Finding("divergence", "the loss blew up (nan/inf or orders of magnitude above its start)", evidence,
                   ("learning rate too high", "no warmup for a high rate", "unscaled inputs",
                    "exploding gradients in a deep net"),
                   "divide the learning rate by 10 (then try warmup or clipping at the 90th percentile "
                   "of the gradient norms to win the rate back)",
                   f"course_lib.training.fit's divergence rule (factor {blowup_factor:g}); {PLAYBOOK}")


def init_loss(history: Any, *, n_classes: int | None = None, baseline_loss: float | None = None,
              init_factor: float = INIT_FACTOR) -> Finding | None:
    """The first step's loss (before any update) is outside ``[L*/f, f L*]``, ``L* = ln K`` for
    ``K = n_classes`` classes (softmax cross-entropy predicting 1/K), else ``baseline_loss``;
    ``f = init_factor``. No expected value given: no finding."""
    h, _ = _history(history)
    expected = _baseline(n_classes, baseline_loss)
    init_factor = check_real("init_factor", init_factor, low=1, low_open=True)
    if expected is None or h.n_steps == 0 or not math.isfinite(h.step_loss[0]):
        return None
    start = float(h.step_loss[0])
    if expected / init_factor <= start <= expected * init_factor:
        return None
    high = start > expected
    causes = (("inputs not standardized", "initial weights too large", "labels out of range or wrong",
               "a large regularization penalty (step_loss includes it)") if high else
              ("labels leaked into the inputs", "the wrong loss (e.g. averaged over classes)",
               "a final layer initialized to the label frequencies (then it is fine)"))
    return Finding("init_loss", f"the loss at initialization is {'far above' if high else 'far below'} "
                   f"{'ln K' if n_classes is not None else 'the baseline'}",
                   {"first_loss": start, "expected": expected, "ratio": start / expected}, causes,
                   "standardize the inputs and use the default (Glorot/He) initialization; check the loss "
                   "and its from_logits flag", f"{KARPATHY}; factor {init_factor:g}: {COURSE}")


def _undone(train: np.ndarray, start: float, rise_tolerance: float) -> np.ndarray:
    """Per epoch ``e >= 1``: whether ``L[e] - min(L[:e]) > t x (L0 - min(L[:e]))`` (or ``t x L0`` if no progress)."""
    best = np.minimum.accumulate(train)[:-1]
    with np.errstate(over="ignore", invalid="ignore"):
        progress = start - best
        scale = np.where(progress > 0, progress, start)
        return np.concatenate([[False], (train[1:] - best > rise_tolerance * scale) & (train[1:] > best)])


def loss_rising(history: Any, *, rise_tolerance: float = RISE_TOLERANCE,
                min_epochs: int = MIN_EPOCHS) -> Finding | None:
    """The training loss undoes its progress: at some epoch ``e``, ``L[e] - m > t (L0 - m)`` where ``m``
    is the best loss of the epochs before ``e``, ``L0`` the first step's loss and ``t = rise_tolerance``
    (``t L0`` when nothing was gained yet). ``kind``: ``"still rising"`` if the last epoch is such an
    epoch (a bug, or a rate too high for the later part), else ``"spike"`` (instability that recovered)."""
    h, _ = _history(history)
    rise_tolerance = check_real("rise_tolerance", rise_tolerance, low=0, low_open=True)
    train, start = _curve(h.epoch_loss, check_int("min_epochs", min_epochs, low=4)), _first_loss(h)
    if train is None or start is None:
        return None
    undone = _undone(train, start, rise_tolerance)
    if not undone.any():
        return None
    epochs = np.flatnonzero(undone)
    peak = int(epochs[np.argmax(train[epochs])])
    rising = bool(undone[-1])
    evidence = {"first_epoch": int(epochs[0]), "last_epoch": int(epochs[-1]), "peak_epoch": peak,
                "peak_loss": float(train[peak]), "best_before_peak": float(train[:peak].min()),
                "first_loss": start, "kind": "still rising" if rising else "spike"}
    if rising:
        return Finding("loss_rising", "the training loss rises and stays up: training undoes itself", evidence,
                       ("a bug: the update goes uphill (sign of the gradient) or the data change under the model",
                        "a learning rate too high for the later, sharper part of the loss",
                        "a regularizer or schedule that grows"),
                       "check the gradient by finite differences on one batch, then lower the learning rate",
                       f"undoing more than {rise_tolerance:g} of the progress: {COURSE}")
    return Finding("loss_rising", f"the training loss spiked in epochs {epochs[0]}-{epochs[-1]}, then recovered",
                   evidence, ("a learning rate at the edge of stability", "no warmup for a high rate",
                              "outlier gradients (see the gradient norm)"),
                   "add learning-rate warmup, or clip the gradient at the 90th percentile of its norms",
                   f"{PLAYBOOK} (loss going up during periods of training); {rise_tolerance:g}: {COURSE}")


def _turning_points(values: np.ndarray, min_swing: float) -> int:
    """How many interior points have differences of opposite signs beside them, both above min_swing."""
    with np.errstate(over="ignore", invalid="ignore"):
        d = np.diff(values)
    big = np.abs(d) > min_swing
    return int(np.sum((np.sign(d[1:]) * np.sign(d[:-1]) < 0) & big[1:] & big[:-1]))


def oscillation(history: Any, *, swing_fraction: float = SWING_FRACTION, min_swing: float = MIN_SWING,
                progress_ratio: float = PROGRESS_RATIO, min_epochs: int = MIN_EPOCHS) -> Finding | None:
    """The training loss goes up and down without net progress: at least ``swing_fraction`` of the
    ``E - 2`` interior epochs are turning points whose differences both exceed ``min_swing`` x the first
    step's loss, and the mean loss of the last ``E // 2`` epochs is at least ``progress_ratio`` x the
    mean of the first ``E // 2``."""
    h, _ = _history(history)
    swing_fraction = check_real("swing_fraction", swing_fraction, low=0, low_open=True, high=1)
    min_swing = check_real("min_swing", min_swing, low=0)
    progress_ratio = check_real("progress_ratio", progress_ratio, low=0, low_open=True)
    train, start = _curve(h.epoch_loss, check_int("min_epochs", min_epochs, low=4)), _first_loss(h)
    if train is None or start is None:
        return None
    turns, half = _turning_points(train, min_swing * start), len(train) // 2
    with np.errstate(over="ignore", invalid="ignore"):
        first, last = float(np.mean(train[:half])), float(np.mean(train[-half:]))
    if turns < swing_fraction * (len(train) - 2) or not last >= progress_ratio * first:
        return None
    return Finding("oscillation", "the training loss oscillates without net progress",
                   {"turning_points": turns, "interior_epochs": len(train) - 2, "first_half_mean": _num(first),
                    "second_half_mean": _num(last)},
                   ("learning rate too high (steps overshoot the valley)", "batch too small for the rate",
                    "momentum too high"),
                   "divide the learning rate by 3-10, or decay it (a schedule)",
                   f"{AUTOTRAINER}; fractions {swing_fraction:g}, {min_swing:g}, {progress_ratio:g}: {COURSE}")


def slow_progress(history: Any, *, late_share: float = LATE_SHARE, plateau_share: float = PLATEAU_SHARE,
                  plateau_level: float = PLATEAU_LEVEL, min_epochs: int = MIN_EPOCHS) -> Finding | None:
    """The training loss crawls or stalls early. With ``D = L_start - L_end`` (``L_start`` the first
    step's loss, ``L_end`` the last epoch's): a *crawl* when the last ``E // 4`` epochs bring at least
    ``late_share`` of ``D``; an *early plateau* when the last ``E // 2`` bring less than ``plateau_share``
    of ``D`` while ``L_end > plateau_level x L_start``. No decrease at all (``D <= 0``) is left to
    :func:`loss_rising` and :func:`oscillation`."""
    h, _ = _history(history)
    late_share = check_real("late_share", late_share, low=0, low_open=True, high=1)
    plateau_share = check_real("plateau_share", plateau_share, low=0, high=1)
    plateau_level = check_real("plateau_level", plateau_level, low=0, high=1)
    train, start = _curve(h.epoch_loss, check_int("min_epochs", min_epochs, low=4)), _first_loss(h)
    if train is None or start is None:
        return None
    E, end = len(train), float(train[-1])
    with np.errstate(over="ignore", invalid="ignore"):
        total = start - end
        late = (float(train[E - 1 - E // 4]) - end) / total if total > 0 else 0.0
        second = (float(train[E - 1 - E // 2]) - end) / total if total > 0 else 0.0
    if not (total > 0 and math.isfinite(total)):
        return None
    crawl = late >= late_share
    plateau = second < plateau_share and end > plateau_level * start
    if not (crawl or plateau):
        return None
    kind = "still falling steadily at the end (a crawl)" if crawl else "stalled early at a high loss"
    return Finding("slow_progress", f"the training loss is {kind}",
                   {"first_loss": start, "last_loss": end, "share_of_decrease_last_quarter": late,
                    "share_of_decrease_last_half": second, "kind": "crawl" if crawl else "early plateau"},
                   ("learning rate too low", "too few epochs", "too strong regularization",
                    "a saturated or dead network (see the gradient findings)") if crawl else
                   ("too strong regularization", "learning rate too low for a non-convex net",
                    "model too small", "a softmax fed to a from_logits loss"),
                   "multiply the learning rate by 10 (an LR range test finds the range)" if crawl else
                   "weaken the regularization, then raise the learning rate",
                   f"shares {late_share:g}, {plateau_share:g}, level {plateau_level:g}: {COURSE}")


def underfitting(history: Any, *, n_classes: int | None = None, baseline_loss: float | None = None,
                 underfit_fraction: float = UNDERFIT_FRACTION, min_epochs: int = MIN_EPOCHS) -> Finding | None:
    """The best training loss and the best validation loss are both above ``underfit_fraction`` x the
    baseline (``ln K`` for ``n_classes = K``, else ``baseline_loss``). Without validation data, the
    training loss alone. No baseline given: no finding."""
    h, _ = _history(history)
    base = _baseline(n_classes, baseline_loss)
    underfit_fraction = check_real("underfit_fraction", underfit_fraction, low=0, low_open=True)
    train = _curve(h.epoch_loss, check_int("min_epochs", min_epochs, low=4))
    val = _curve(h.epoch_val_loss, min_epochs) if len(h.epoch_val_loss) else np.array([np.inf])
    if base is None or train is None or val is None:
        return None
    limit = underfit_fraction * base
    if not (train.min() > limit and val.min() > limit):
        return None
    evidence = {"best_train_loss": float(train.min()), "baseline": base, "limit": limit}
    if len(h.epoch_val_loss):
        evidence["best_val_loss"] = float(val.min())
    return Finding("underfitting", "training and validation losses both stay high against the baseline",
                   evidence, ("model too small or too constrained", "too strong regularization",
                              "too few epochs or too low a rate", "features that do not carry the label"),
                   "make the model bigger or the regularization weaker; check that one small batch can be "
                   "overfitted", f"fraction {underfit_fraction:g} of ln K or the baseline: {COURSE}")


def overfitting(history: Any, *, generalization_loss: float = GENERALIZATION_LOSS,
                min_epochs: int = MIN_EPOCHS) -> Finding | None:
    """The validation loss rose while the training loss fell: with ``b`` the best validation epoch,
    ``val[-1] / val[b] - 1 > generalization_loss`` and ``train[-1] < train[b]``."""
    h, _ = _history(history)
    generalization_loss = check_real("generalization_loss", generalization_loss, low=0, low_open=True)
    train = _curve(h.epoch_loss, check_int("min_epochs", min_epochs, low=4))
    val = _curve(h.epoch_val_loss, min_epochs)
    if train is None or val is None:
        return None
    b = int(np.argmin(val))
    if val[b] < 0:   # not a loss: a generalization loss means nothing
        return None
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        gl = float(val[-1] / val[b] - 1) if val[b] > 0 else (math.inf if val[-1] > 0 else 0.0)
    if not (gl > generalization_loss and train[-1] < train[b]):
        return None
    with np.errstate(over="ignore"):
        gap = float(val[-1] - train[-1])
    evidence = {"began_at_epoch": b, "best_val_loss": float(val[b]), "last_val_loss": float(val[-1]),
                "generalization_loss": _num(gl), "gap": _num(gap), "last_train_loss": float(train[-1])}
    if len(h.epoch_metric) == len(train) and np.all(np.isfinite(h.epoch_metric)):
        evidence |= {f"last_{h.metric_name}": float(h.epoch_metric[-1]),
                     f"last_val_{h.metric_name}": float(h.epoch_val_metric[-1])}
    return Finding("overfitting", f"the validation loss rose from epoch {b} while the training loss fell",
                   evidence, ("model too big for the data", "too little regularization", "training too long",
                              "labels that carry no signal (memorization: validation accuracy at chance)"),
                   f"stop early (restore epoch {b}'s weights), then add L2/dropout or more data",
                   f"{PRECHELT}; alpha {generalization_loss:g}")


def noisy_validation(history: Any, *, n_val: int | None = None, min_difference: float = MIN_DIFFERENCE,
                     z: float = Z_95) -> Finding | None:
    """The validation set is too small for the accuracy differences read from it: at the best validation
    accuracy ``p`` on ``n_val`` samples, the half-width ``z sqrt(2 p (1 - p) / n_val)`` of a 95 % interval
    of a difference of two accuracies exceeds ``min_difference``. Needs ``n_val`` and an accuracy metric."""
    h, _ = _history(history)
    min_difference = check_real("min_difference", min_difference, low=1e-4, high=1)
    z = check_real("z", z, low=0, low_open=True, high=10)
    if n_val is None:
        return None
    n_val = check_int("n_val", n_val, low=1)
    acc = h.epoch_val_metric
    if "acc" not in h.metric_name or not len(acc) or not np.all(np.isfinite(acc)) or acc.min() < 0 or acc.max() > 1:
        return None
    p = float(acc.max())
    half = z * math.sqrt(2 * p * (1 - p) / n_val)
    if not half > min_difference:
        return None
    return Finding("noisy_validation", f"{n_val} validation samples cannot resolve accuracy differences "
                   f"below {half:.3f}",
                   {"n_val": n_val, "best_val_accuracy": p, "standard_error": half / z / math.sqrt(2),
                                          "half_width_of_a_difference": half, "min_difference": min_difference},
                   ("validation set too small", "a split that left few samples for validation"),
                   f"use at least {math.ceil(2 * p * (1 - p) * (z / min_difference) ** 2)} validation samples "
                   "(or cross-validation) before ranking models or epochs",
                   f"binomial standard error of an accuracy; difference {min_difference:g}: {COURSE}")


def periodic_loss(history: Any, *, periodic_autocorrelation: float = PERIODIC_AUTOCORRELATION) -> Finding | None:
    """The step loss repeats with the epoch: the autocorrelation at a lag of one epoch (``P`` steps) of
    ``x_t = L_t - m_t`` is at least ``periodic_autocorrelation``, where ``m_t`` is the mean of the ``P``
    step losses centred on ``t`` (the trend), and ``batch_order`` is the same in every epoch (the data were
    never shuffled). Needs three complete epochs of at least two steps."""
    h, _ = _history(history)
    threshold = check_real("periodic_autocorrelation", periodic_autocorrelation, low=0, low_open=True, high=1)
    if h.batch_order.shape[0] == 0:
        return None
    P = -(-h.batch_order.shape[1] // h.batch_size)
    E = min(h.n_steps // P, h.batch_order.shape[0])
    if P < 2 or E < 3 or not np.all(np.isfinite(h.step_loss[:E * P])):
        return None
    steps = h.step_loss[:E * P]
    with np.errstate(over="ignore", invalid="ignore"):
        scale = float(np.max(np.abs(steps)))   # scaled, so that 1e308-sized losses cannot overflow
        steps = steps / scale if scale > 0 else steps
        c = np.concatenate([[0.0], np.cumsum(steps)])
        trend = (c[P:] - c[:-P]) / P   # trend[i] = mean of steps[i:i+P], in O(n) (np.convolve is O(n P))
        x = steps[P // 2: P // 2 + len(trend)] - trend
        a, b = x[:-P], x[P:]
        den = math.sqrt(float(a @ a) * float(b @ b))
        r = float(a @ b) / den if den > 0 and math.isfinite(den) else 0.0
    shuffled = bool(np.any(h.batch_order[1:E] != h.batch_order[0]))
    if shuffled or not (math.isfinite(r) and r >= threshold):
        return None
    return Finding("periodic_loss", "the step loss repeats every epoch: the batches come in the same order",
                   {"autocorrelation_at_one_epoch": r, "steps_per_epoch": P, "epochs": E,
                    "order": "as stored (0, 1, 2, ...)" if np.all(np.diff(h.batch_order[0]) > 0)
                    else "one permutation, never redrawn"},
                   ("data never shuffled (shuffle=False) and stored sorted by label",
                    "a data pipeline that repeats the same batches", "validation samples duplicated in training"),
                   "shuffle the training data every epoch (fit's shuffle=True, tf.data's shuffle)",
                   f"autocorrelation {threshold:g}: {COURSE}")


def train_val_overlap(X_train: Any, X_val: Any, *, max_overlap: float = MAX_OVERLAP) -> Finding | None:
    """More than ``max_overlap`` of the rows of ``X_val`` are exact copies of rows of ``X_train`` (a leak:
    the validation score then measures memory, and looks like success). Rows are compared bit for bit
    after conversion to float64 (``-0.0`` counts as ``0.0``)."""
    max_overlap = check_real("max_overlap", max_overlap, low=0, high=1, high_open=True)
    if X_train is None or X_val is None:
        return None
    train = check_array("X_train", X_train, ndim=2) + 0.0
    val = check_array("X_val", X_val, ndim=2) + 0.0
    if train.shape[1] != val.shape[1]:
        raise ValueError(f"X_train and X_val must have the same number of columns, got {train.shape[1]} "
                         f"and {val.shape[1]}")
    seen = set(map(bytes, np.ascontiguousarray(train)))
    copies = int(sum(bytes(row) in seen for row in np.ascontiguousarray(val)))
    if not copies > max_overlap * len(val):
        return None
    return Finding("train_val_overlap", f"{copies} of the {len(val)} validation samples are also training samples",
                   {"copies": copies, "n_val": len(val), "fraction": copies / len(val)},
                   ("the validation set was drawn from the training set (or split after augmentation)",
                    "duplicated records in the raw data", "the same data shuffled twice into both parts"),
                   "split once, before anything else (course_lib.data.train_val_test_split), and remove duplicates",
                   f"exact copies above {max_overlap:g}: {COURSE}")


def _layer_norms(layer_grad_norms: Any) -> tuple[np.ndarray, list[str]]:
    """``(steps, layers)`` norms, input layer first, and the layer names."""
    if isinstance(layer_grad_norms, Mapping):
        if len(layer_grad_norms) < 2 or not all(isinstance(k, str) for k in layer_grad_norms):
            raise ValueError("layer_grad_norms must map at least 2 layer names (str, input layer first) to "
                             f"arrays of per-step norms, got {_show(layer_grad_norms)}")
        cols = [check_array(f"layer_grad_norms[{k!r}]", v, ndim=1) for k, v in layer_grad_norms.items()]
        if len({len(c) for c in cols}) > 1:
            raise ValueError(f"layer_grad_norms must hold one norm per step for every layer, got lengths "
                             f"{[len(c) for c in cols]}")
        norms, names = np.stack(cols, axis=1), list(layer_grad_norms)
    else:
        norms = check_array("layer_grad_norms", layer_grad_norms, ndim=2)
        names = [f"layer {i}" for i in range(norms.shape[1])]
    if norms.shape[1] < 2 or np.any(norms < 0):
        raise ValueError(f"layer_grad_norms must hold norms >= 0 of at least 2 layers, got shape {norms.shape}")
    return norms, names


def _gain(layer_grad_norms: Any) -> tuple[float, float, list[str], np.ndarray] | None:
    """The median (over steps) first/last norm ratio and its per-layer geometric mean ``ratio^(1/(L-1))``."""
    norms, names = _layer_norms(layer_grad_norms)
    ok = norms[:, -1] > 0
    if not ok.any():
        return None
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        log_ratio = np.log(norms[ok, 0]) - np.log(norms[ok, -1])
    with np.errstate(over="ignore"):
        ratio = float(np.exp(np.median(log_ratio)))
        gain = float(np.exp(np.median(log_ratio) / (norms.shape[1] - 1)))
        med = np.median(norms, axis=0)   # for the evidence: 1e308 and 1e308 give inf, said as such
    return ratio, gain, names, med


def _gradient_finding(name: str, ratio: float, gain: float, names: list[str], med: np.ndarray,
                      limit: float) -> Finding:
    grow = name == "exploding_gradients"
    factor = gain if grow else 1 / max(gain, 1e-300)
    return Finding(name, f"the gradient {'grows' if grow else 'shrinks'} by a factor {factor:.3g} "
                   "per layer on its way back to the input",
                   {"first_to_last_ratio": _num(ratio), "per_layer_factor": _num(gain), "layers": len(names),
                    "median_norms": ", ".join(f"{n}: {v:.3g}" for n, v in zip(names, med)), "limit": limit},
                   ("a deep plain net with too large initial weights", "no normalization or residual connections")
                   if grow else ("a deep plain net with too small initial weights", "saturating activations "
                                 "(sigmoid/tanh)", "dead ReLUs"),
                   "use He/Glorot initialization, add normalization or residual connections"
                   + ("; clip the gradient meanwhile" if grow else ""),
                   f"{AUTOTRAINER}; per-layer factor {limit:g}")


def vanishing_gradients(layer_grad_norms: Any, *, vanishing_gain: float = VANISHING_GAIN) -> Finding | None:
    """The first layer's gradient norm over the last's, median over steps, ``ratio``; flagged when
    ``ratio^(1/(L-1)) < vanishing_gain`` for ``L`` layers. ``layer_grad_norms``: ``(steps, layers)``
    (input layer first) or a dict ``{layer name: per-step norms}`` in that order; ``None``: no finding."""
    vanishing_gain = check_real("vanishing_gain", vanishing_gain, low=0, low_open=True, high=1)
    got = None if layer_grad_norms is None else _gain(layer_grad_norms)
    if got is None or not got[1] < vanishing_gain:
        return None
    return _gradient_finding("vanishing_gradients", *got, vanishing_gain)


def exploding_gradients(layer_grad_norms: Any, *, exploding_gain: float = EXPLODING_GAIN) -> Finding | None:
    """As :func:`vanishing_gradients`, flagged when ``ratio^(1/(L-1)) > exploding_gain``."""
    exploding_gain = check_real("exploding_gain", exploding_gain, low=1)
    got = None if layer_grad_norms is None else _gain(layer_grad_norms)
    if got is None or not got[1] > exploding_gain:
        return None
    return _gradient_finding("exploding_gradients", *got, exploding_gain)


def dead_relus(activation_stats: Any, *, dead_fraction: float = DEAD_FRACTION) -> Finding | None:
    """Some layer has at least ``dead_fraction`` of its units active on no sample. ``activation_stats``:
    a dict ``{layer name: active fraction per unit}`` -- for each unit the fraction of the recorded
    samples on which its output was > 0, shape ``(units,)``, or ``(records, units)`` (the last record is read)."""
    dead_fraction = check_real("dead_fraction", dead_fraction, low=0, low_open=True, high=1)
    if activation_stats is None:
        return None
    if not isinstance(activation_stats, Mapping) or not activation_stats or \
            not all(isinstance(k, str) for k in activation_stats):
        raise TypeError("activation_stats must map layer names (str) to the active fraction of each unit, got "
                        f"{_show(activation_stats)}")
    worst = None
    for key, value in activation_stats.items():
        active = check_array(f"activation_stats[{key!r}]", value, ndim=(1, 2))
        active = active[-1] if active.ndim == 2 else active
        if active.size == 0 or active.min() < 0 or active.max() > 1:
            raise ValueError(f"activation_stats[{key!r}] must hold fractions in [0, 1] for at least one unit")
        dead = int(np.sum(active == 0))
        if dead >= dead_fraction * active.size and (worst is None or dead / active.size > worst[1] / worst[2]):
            worst = (key, dead, active.size)
    if worst is None:
        return None
    key, dead, units = worst
    return Finding("dead_relus", f"{dead} of the {units} units of {key} never activate",
                   {"layer": key, "dead_units": dead, "units": units, "dead_fraction": dead / units},
                   ("a learning rate too high early on pushed the biases negative", "a bad initialization "
                    "(negative biases, too large weights)", "unscaled inputs"),
                   "use He initialization with zero biases and a lower learning rate (or leaky ReLU)",
                   f"{AUTOTRAINER}; fraction {dead_fraction:g}: {COURSE}")


def clipping_too_often(history: Any = None, *, clipped_fraction: float | None = None,
                       clip_threshold: float | None = None,
                       max_clipped_fraction: float = MAX_CLIPPED_FRACTION) -> Finding | None:
    """More than ``max_clipped_fraction`` of the steps were clipped: ``clipped_fraction`` as recorded,
    else the fraction of ``history.step_grad_norm`` (the norm before clipping) above ``clip_threshold``
    (a global-norm threshold). The evidence gives the playbook's threshold, the 90th percentile."""
    max_clipped_fraction = check_real("max_clipped_fraction", max_clipped_fraction, low=0, high=1, high_open=True)
    h = None if history is None else _history(history)[0]
    norms = np.zeros(0) if h is None else h.step_grad_norm[np.isfinite(h.step_grad_norm)]
    if clip_threshold is not None:
        clip_threshold = check_real("clip_threshold", clip_threshold, low=0, low_open=True)
    if clipped_fraction is not None:
        frac = check_real("clipped_fraction", clipped_fraction, low=0, high=1)
    elif clip_threshold is not None:
        if norms.size == 0:
            return None
        frac = float(np.mean(norms > clip_threshold))
    else:
        return None
    if not frac > max_clipped_fraction:
        return None
    evidence: dict[str, Any] = {"clipped_fraction": frac}
    if norms.size:
        evidence["p90_grad_norm"] = float(np.percentile(norms, 90))
    if clip_threshold is not None:
        evidence["clip_threshold"] = float(clip_threshold)
    return Finding("clipping_too_often", f"{frac:.0%} of the steps were clipped: clipping acts as a lower rate",
                   evidence, ("a clipping threshold below the typical gradient norm", "a learning rate too high, "
                              "held back by clipping"),
                   "lower the learning rate instead, and clip at the 90th percentile of the gradient norms",
                   f"{PLAYBOOK}; fraction {max_clipped_fraction:g}")


CHECKS = ("divergence", "init_loss", "train_val_overlap", "loss_rising", "oscillation", "slow_progress",
          "underfitting", "overfitting", "noisy_validation", "periodic_loss", "vanishing_gradients",
          "exploding_gradients", "dead_relus", "clipping_too_often")
"""The names of the findings, in the order :func:`diagnose` runs (and reports) them."""

_CURVE_CHECKS = ("loss_rising", "oscillation", "slow_progress", "underfitting", "overfitting", "noisy_validation",
                 "periodic_loss")


def diagnose(history: Any, *, n_classes: int | None = None, baseline_loss: float | None = None,
             n_val: int | None = None, layer_grad_norms: Any = None, activation_stats: Any = None,
             clipped_fraction: float | None = None, clip_threshold: float | None = None,
             X_train: Any = None, X_val: Any = None, max_overlap: float = MAX_OVERLAP,
             blowup_factor: float = BLOWUP_FACTOR, init_factor: float = INIT_FACTOR,
             rise_tolerance: float = RISE_TOLERANCE, swing_fraction: float = SWING_FRACTION,
             min_swing: float = MIN_SWING, progress_ratio: float = PROGRESS_RATIO, late_share: float = LATE_SHARE,
             plateau_share: float = PLATEAU_SHARE, plateau_level: float = PLATEAU_LEVEL,
             underfit_fraction: float = UNDERFIT_FRACTION, generalization_loss: float = GENERALIZATION_LOSS,
             min_difference: float = MIN_DIFFERENCE, z: float = Z_95,
             periodic_autocorrelation: float = PERIODIC_AUTOCORRELATION, vanishing_gain: float = VANISHING_GAIN,
             exploding_gain: float = EXPLODING_GAIN, dead_fraction: float = DEAD_FRACTION,
             max_clipped_fraction: float = MAX_CLIPPED_FRACTION, min_epochs: int = MIN_EPOCHS) -> list[Finding]:
    """Every check of this module on one run; the findings in the order of :data:`CHECKS`.

    ``history``: a ``History`` or the ``TrainingDiverged`` exception ``fit`` raised. ``n_classes``
    (or ``baseline_loss``, the loss of an input-independent guess) enables the checks against a
    baseline; ``n_val`` the validation-size check; ``layer_grad_norms``, ``activation_stats``,
    ``clipped_fraction`` (or ``clip_threshold``) the checks of recorded signals (see each check for
    the format); ``X_train`` and ``X_val`` (both) the overlap check. Each threshold is passed to the
    check of the same keyword. When the run diverged, the curve checks (``loss_rising`` ...
    ``periodic_loss``) are dropped: a curve that blew up says nothing else reliable.
    """
    _history(history)
    calls = {
        "divergence": lambda: divergence(history, blowup_factor=blowup_factor),
        "init_loss": lambda: init_loss(history, n_classes=n_classes, baseline_loss=baseline_loss,
                                       init_factor=init_factor),
        "train_val_overlap": lambda: train_val_overlap(X_train, X_val, max_overlap=max_overlap),
        "loss_rising": lambda: loss_rising(history, rise_tolerance=rise_tolerance, min_epochs=min_epochs),
        "oscillation": lambda: oscillation(history, swing_fraction=swing_fraction, min_swing=min_swing,
                                           progress_ratio=progress_ratio, min_epochs=min_epochs),
        "slow_progress": lambda: slow_progress(history, late_share=late_share, plateau_share=plateau_share,
                                               plateau_level=plateau_level, min_epochs=min_epochs),
        "underfitting": lambda: underfitting(history, n_classes=n_classes, baseline_loss=baseline_loss,
                                             underfit_fraction=underfit_fraction, min_epochs=min_epochs),
        "overfitting": lambda: overfitting(history, generalization_loss=generalization_loss, min_epochs=min_epochs),
        "noisy_validation": lambda: noisy_validation(history, n_val=n_val, min_difference=min_difference, z=z),
        "periodic_loss": lambda: periodic_loss(history, periodic_autocorrelation=periodic_autocorrelation),
        "vanishing_gradients": lambda: vanishing_gradients(layer_grad_norms, vanishing_gain=vanishing_gain),
        "exploding_gradients": lambda: exploding_gradients(layer_grad_norms, exploding_gain=exploding_gain),
        "dead_relus": lambda: dead_relus(activation_stats, dead_fraction=dead_fraction),
        "clipping_too_often": lambda: clipping_too_often(history, clipped_fraction=clipped_fraction,
                                                         clip_threshold=clip_threshold,
                                                         max_clipped_fraction=max_clipped_fraction),
    }
    found = [calls[name]() for name in CHECKS]  # all run, so that every argument is checked
    diverged = found[0] is not None
    return [f for name, f in zip(CHECKS, found) if f is not None and not (diverged and name in _CURVE_CHECKS)]
