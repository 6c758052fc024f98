"""Tests of course_lib.diagnose: each finding appears exactly when its rule holds.

Synthetic histories are built so that the quantity a rule reads (a ratio, a share, a count) is
known by construction, then placed just inside and just outside the threshold; the expected
outcome follows from the rule as documented, never from the doctor's own output. Real runs of
``fit`` on the digits (a healthy MLP, and the same run broken four ways) check the doctor on
curves it did not see built.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib import diagnose as dg
from course_lib.data import load_digits, standardize, train_val_test_split
from course_lib.models import MLP
from course_lib.optim import SGD
from course_lib.training import History, TrainingDiverged, fit

FEW = settings(max_examples=15, deadline=None)
EPS = 1e-6   # relative step just inside / outside a threshold


def make_history(train, val=None, *, first=None, steps=None, val_metric=None, metric_name="accuracy",
                 batch_order=None, batch_size=1, grad_norm=None):
    """A History with the given epoch curves; one step per epoch unless ``steps`` is given.
    ``first`` replaces the first step's loss (the loss at initialization)."""
    train = np.asarray(train, dtype=float)
    E = len(train)
    step_loss = train.copy() if steps is None else np.asarray(steps, dtype=float)
    if first is not None:
        step_loss[0] = first
    n = len(step_loss)
    val = np.zeros(0) if val is None else np.asarray(val, dtype=float)
    vm = np.full(len(val), 0.5) if val_metric is None else np.asarray(val_metric, dtype=float)
    order = np.zeros((E, 1), dtype=int) if batch_order is None else batch_order
    return History(step_loss, np.full(n, 0.1), np.ones(n) if grad_norm is None else grad_norm, train,
                   np.full(E, 0.5), val, vm, np.full(E, 0.1), {}, metric_name, batch_size, order)


def names(findings):
    return [f.name for f in findings]


# ---------------------------------------------------------------- divergence
def test_divergence_on_nan_and_on_a_finite_run():
    ok = make_history([2.0, 1.0, 0.5, 0.4])
    assert dg.divergence(ok) is None
    for field in ("step_loss", "epoch_loss"):
        train, steps = [2.0, 1.0, 0.5, 0.4], [2.0, 1.0, 0.5, 0.4]
        (steps if field == "step_loss" else train)[2] = math.nan
        f = dg.divergence(make_history(train, steps=steps))
        assert f.name == "divergence" and f.evidence[f"{field}_at"].startswith("index 2: nan")


@FEW
@given(factor=st.floats(1.0, 1e4), first=st.floats(1e-3, 1e3), outside=st.booleans())
def test_divergence_blowup_factor_exactly(factor, first, outside):
    c = 1 + EPS if outside else 1 - EPS
    h = make_history([first, first * 0.5, factor * first * c, first * 0.1])
    assert (dg.divergence(h, blowup_factor=factor) is not None) == outside


# ---------------------------------------------------------------- loss at init
@FEW
@given(K=st.integers(2, 1000), f=st.floats(1.05, 10), high=st.booleans(), outside=st.booleans())
def test_init_loss_band_around_ln_k(K, f, high, outside):
    scale = (1 + EPS) if outside else (1 - EPS)
    first = math.log(K) * f * scale if high else math.log(K) / f / scale
    h = make_history([first, 1.0, 0.5, 0.4])
    found = dg.init_loss(h, n_classes=K, init_factor=f)
    assert (found is not None) == outside
    assert dg.init_loss(h) is None   # no expected value, no finding


def test_init_loss_uses_baseline_loss_for_regression():
    h = make_history([30.0, 2.0, 1.0, 0.5])
    assert dg.init_loss(h, baseline_loss=10.0).evidence["expected"] == 10.0
    assert dg.init_loss(h, baseline_loss=20.0) is None


# ---------------------------------------------------------------- loss rising
@FEW
@given(t=st.floats(0.01, 2), outside=st.booleans(), spike=st.booleans())
def test_loss_rising_undoes_progress(t, outside, spike):
    # L0 = 2; best before epoch 3 is 0.8, the progress so far 1.2: flagged iff L[3] - 0.8 > t * 1.2
    x = 0.8 + t * 1.2 * (1 + EPS if outside else 1 - EPS)
    train = [1.5, 1.0, 0.8, x] + ([0.7, 0.6] if spike else [x, x])
    f = dg.loss_rising(make_history(train, first=2.0), rise_tolerance=t)
    assert (f is not None) == outside
    if outside:
        assert (f.evidence["first_epoch"], f.evidence["kind"]) == (3, "spike" if spike else "still rising")


def test_loss_rising_without_progress_uses_the_first_loss():
    # nothing gained (every epoch above L0 = 1): a rise must exceed t * L0 = 0.1
    assert dg.loss_rising(make_history([1.05, 1.1, 1.16, 1.1], first=1.0)).evidence["peak_epoch"] == 2
    assert dg.loss_rising(make_history([1.05, 1.1, 1.14, 1.1], first=1.0)) is None


def test_loss_rising_ignores_jitter_near_zero():
    # 0.04 -> 0.05 is 25 % of the loss but 0.5 % of the progress from 2.0
    assert dg.loss_rising(make_history([0.5, 0.1, 0.04, 0.05, 0.03], first=2.0)) is None


def test_loss_rising_needs_min_epochs():
    assert dg.loss_rising(make_history([1.0, 0.5, 2.0], first=2.0)) is None   # 3 < MIN_EPOCHS = 4


# ---------------------------------------------------------------- oscillation
def zigzag(E, turns, level=1.0, amp=0.2):
    """E epochs; exactly ``turns`` turning points (with big swings) at the start, then flat."""
    values = [level + amp * (-1) ** i for i in range(turns + 2)]
    return values + [values[-1]] * (E - len(values))


@pytest.mark.parametrize("E", [6, 10, 13])
def test_oscillation_counts_turning_points(E):
    need = math.ceil(0.5 * (E - 2))   # SWING_FRACTION of the interior epochs
    tiny = 1e-9                      # progress_ratio: the "no net progress" condition always holds
    assert dg.oscillation(make_history(zigzag(E, need), first=1.0), progress_ratio=tiny) is not None
    assert dg.oscillation(make_history(zigzag(E, need - 1), first=1.0), progress_ratio=tiny) is None


def test_oscillation_swings_must_exceed_min_swing():
    h = make_history(zigzag(10, 8, amp=0.01), first=1.0)     # differences 0.02
    assert dg.oscillation(h, min_swing=0.02 * (1 - EPS)) is not None
    assert dg.oscillation(h, min_swing=0.02 * (1 + EPS)) is None
    assert dg.oscillation(make_history(zigzag(10, 8, amp=0.2), first=1.0)) is not None   # the defaults


@pytest.mark.parametrize("ratio", [0.5, 0.9, 1.2])
def test_oscillation_needs_no_net_progress(ratio):
    base = np.array(zigzag(10, 8))
    for outside in (True, False):
        r = ratio * (1 + EPS if outside else 1 - EPS)
        train = np.concatenate([base[:5], base[5:] * r * base[:5].mean() / base[5:].mean()])
        found = dg.oscillation(make_history(train, first=1.0), progress_ratio=ratio, min_swing=0.0)
        assert (found is not None) == outside


# ---------------------------------------------------------------- slow progress
@FEW
@given(share=st.floats(0.02, 0.5), outside=st.booleans())
def test_slow_progress_crawl_share(share, outside):
    # 8 epochs: the last quarter is epochs 6-7, read from epoch 5. L0 = 2, end = 0.2.
    s = share * (1 + EPS if outside else 1 - EPS)
    end, total = 0.2, 1.8
    at5 = end + s * total
    train = [1.5, 1.2, 1.0, 0.9, 0.8, at5, (at5 + end) / 2, end]
    train = [max(v, at5) if i < 5 else v for i, v in enumerate(train)]
    f = dg.slow_progress(make_history(train, first=2.0), late_share=share)
    assert (f is not None) == outside
    if outside:
        assert f.evidence["kind"] == "crawl"
        assert f.evidence["share_of_decrease_last_quarter"] == pytest.approx(s)


@pytest.mark.parametrize("q", [0.01, 0.02, 0.05])
def test_slow_progress_early_plateau(q):
    # L0 = 2, end 1.5 (> 0.5 x 2): the last half (read from epoch 3 of 8) brings q of the decrease 0.5
    for outside in (True, False):
        s = q * (1 - EPS if outside else 1 + EPS)
        at3 = 1.5 + s * 0.5
        train = [1.8, 1.7, 1.6, at3, at3, 1.5 + s * 0.25, 1.5 + s * 0.1, 1.5]
        f = dg.slow_progress(make_history(train, first=2.0), plateau_share=q)
        assert (f is not None) == outside
        # ... and not a plateau when the loss fell below half its start
        low = [v - 0.6 for v in train]
        assert dg.slow_progress(make_history(low, first=2.0), plateau_share=q) is None


# ---------------------------------------------------------------- underfitting
@FEW
@given(K=st.integers(2, 100), u_train=st.floats(0.5, 2), u_val=st.floats(0.5, 2))
def test_underfitting_both_above_half_of_ln_k(K, u_train, u_val):
    limit = 0.5 * math.log(K)
    tmin, vmin = limit * u_train, limit * u_val
    h = make_history([3 * limit, 2 * limit, tmin, tmin], val=[3 * limit, vmin, vmin, 2 * limit])
    assert (dg.underfitting(h, n_classes=K) is not None) == (u_train > 1 and u_val > 1)
    assert dg.underfitting(h) is None


# ---------------------------------------------------------------- overfitting
@FEW
@given(alpha=st.floats(0.01, 1), outside=st.booleans(), b=st.integers(0, 3))
def test_overfitting_generalization_loss(alpha, outside, b):
    val = [1.0 + 0.1 * (3 - i) for i in range(b)] + [1.0] + [1.01] * (4 - b)
    val[-1] = 1.0 * (1 + alpha * (1 + EPS if outside else 1 - EPS))
    train = [2.0 - 0.3 * i for i in range(6)]
    val = val + [val[-1]] * (6 - len(val))
    f = dg.overfitting(make_history(train, val=val), generalization_loss=alpha)
    assert (f is not None) == outside
    if outside:
        assert f.evidence["began_at_epoch"] == b
        assert f.evidence["gap"] == pytest.approx(val[-1] - train[-1])


def test_overfitting_needs_the_training_loss_to_fall():
    val = [1.0, 0.8, 1.0, 1.2]
    assert dg.overfitting(make_history([1.0, 0.8, 0.7, 0.6], val=val)) is not None
    assert dg.overfitting(make_history([1.0, 0.8, 0.9, 0.85], val=val)) is None


# ---------------------------------------------------------------- noisy validation
@pytest.mark.parametrize("p", [0.5, 0.9, 0.99])
def test_noisy_validation_threshold_on_n_val(p):
    # flagged while 1.96 sqrt(2 p (1-p) / n) > 0.1, i.e. n < 2 p (1-p) 19.6^2 (n* = 192.08 at p = 0.5)
    n_star = 2 * p * (1 - p) * (1.96 / 0.1) ** 2
    h = make_history([2.0, 1.0, 0.5, 0.4], val=[2.0, 1.0, 0.5, 0.4], val_metric=[0.1, p, p - 0.05, p])
    below, above = math.floor(n_star), math.floor(n_star) + 1
    assert dg.noisy_validation(h, n_val=below) is not None
    assert dg.noisy_validation(h, n_val=above) is None
    assert dg.noisy_validation(h) is None
    assert dg.noisy_validation(make_history([2.0, 1.0, 0.5, 0.4], val=[2.0, 1.0, 0.5, 0.4],
                                            metric_name="mse"), n_val=5) is None


# ---------------------------------------------------------------- periodic loss
def periodic_run(pattern_size, rng, E=12, P=5, shuffled=False):
    trend = 0.5 + 1.5 * np.exp(-np.arange(E * P) / (2.0 * P))   # a smooth decay, removed by the detrend
    pattern = np.tile(rng.normal(0, 1, P), E) * pattern_size
    steps = trend + pattern + rng.normal(0, 0.05, E * P)
    order = np.stack([rng.permutation(P) if shuffled else np.arange(P) for _ in range(E)])
    return make_history(steps.reshape(E, P).mean(axis=1), steps=steps, batch_order=order, batch_size=1)


def test_periodic_loss_on_a_repeated_pattern_only():
    rng = np.random.default_rng(0)
    assert dg.periodic_loss(periodic_run(1.0, rng)) is not None            # pattern >> noise: r ~ 1
    assert dg.periodic_loss(periodic_run(0.0, rng)) is None                # noise alone: r ~ 0 (SD 0.14;
    # of 200 seeds none reaches 0.5 with 12 epochs, 5 do with 6)
    assert dg.periodic_loss(periodic_run(1.0, rng, shuffled=True)) is None  # reshuffled: not the data order
    assert dg.periodic_loss(periodic_run(1.0, rng, E=2)) is None           # fewer than 3 epochs


# ---------------------------------------------------------------- gradients
@FEW
@given(L=st.integers(2, 12), g=st.floats(0.05, 10), outside=st.booleans(), as_dict=st.booleans())
def test_gradient_gain_per_layer(L, g, outside, as_dict):
    # norms of layer l (input first) = g^(L-1-l): first/last ratio g^(L-1), per-layer factor g
    steps = 7
    norms = np.array([[g ** (L - 1 - l) for l in range(L)]] * steps)
    grads = {f"dense_{l}": norms[:, l] for l in range(L)} if as_dict else norms
    low, high = g * (1 + EPS), g * (1 - EPS)      # the gain is below `low` and above `high`
    if low <= 1:    # vanishing: flagged when the gain < vanishing_gain (at most 1)
        found = dg.vanishing_gradients(grads, vanishing_gain=low if outside else high)
        assert (found is not None) == outside
    if high >= 1:   # exploding: flagged when the gain > exploding_gain (at least 1)
        found = dg.exploding_gradients(grads, exploding_gain=high if outside else low)
        assert (found is not None) == outside


def test_gradient_defaults_and_bad_shapes():
    vanish = np.array([[1e-4, 1e-2, 1.0]])    # factor 0.01 per layer
    assert dg.vanishing_gradients(vanish).evidence["per_layer_factor"] == pytest.approx(0.01)
    assert dg.exploding_gradients(vanish) is None
    assert dg.exploding_gradients(vanish[:, ::-1]).name == "exploding_gradients"
    assert dg.vanishing_gradients(np.array([[0.6, 1.0]])) is None      # 0.6 per layer: fine
    assert dg.vanishing_gradients(None) is None
    for bad in (np.ones((3, 1)), -np.ones((3, 2)), {"only": np.ones(3)}, {"a": np.ones(3), "b": np.ones(4)}):
        with pytest.raises(ValueError, match="layer_grad_norms"):
            dg.vanishing_gradients(bad)


# ---------------------------------------------------------------- dead ReLUs
@pytest.mark.parametrize("units", [1, 4, 7, 32])
def test_dead_relus_fraction(units):
    need = math.ceil(0.5 * units)
    for dead, expected in ((need, True), (need - 1, False)):
        active = np.r_[np.zeros(dead), np.full(units - dead, 0.3)]
        stats = {"hidden": active, "ok": np.full(5, 0.5)}
        found = dg.dead_relus(stats)
        assert (found is not None) == expected
        if expected:
            assert (found.evidence["layer"], found.evidence["dead_units"]) == ("hidden", dead)
    history = {"hidden": np.array([[0.5, 0.5], [0.0, 0.0]])}   # records: the last one is read
    assert dg.dead_relus(history).evidence["dead_units"] == 2
    with pytest.raises(ValueError, match="activation_stats"):
        dg.dead_relus({"h": np.array([1.5])})


# ---------------------------------------------------------------- train/validation overlap
@pytest.mark.parametrize("n_val", [1, 99, 100, 101, 250])
def test_train_val_overlap_fraction(n_val):
    rng = np.random.default_rng(0)
    X_train = rng.normal(size=(300, 4))
    need = math.floor(0.01 * n_val) + 1   # "more than 1 %" of n_val copies
    for copies, expected in ((need, True), (need - 1, False)):
        X_val = np.r_[X_train[:copies], rng.normal(size=(n_val - copies, 4))]
        found = dg.train_val_overlap(X_train, X_val)
        assert (found is not None) == expected
        if expected:
            assert found.evidence["copies"] == copies
    assert dg.train_val_overlap(X_train, None) is None
    assert dg.train_val_overlap(np.zeros((1, 2)), -np.zeros((1, 2))) is not None   # -0.0 is 0.0
    with pytest.raises(ValueError, match="columns"):
        dg.train_val_overlap(X_train, np.ones((2, 3)))


# ---------------------------------------------------------------- clipping
def test_clipping_more_than_half_the_steps():
    norms = np.arange(1.0, 11.0)               # 1..10
    h = make_history(np.ones(10), grad_norm=norms)
    f = dg.clipping_too_often(h, clip_threshold=4.5)      # 6 of 10 above: 60 %
    assert f.evidence["clipped_fraction"] == 0.6
    assert f.evidence["p90_grad_norm"] == pytest.approx(9.1)   # linear interpolation at 0.9 * 9 = 8.1
    assert dg.clipping_too_often(h, clip_threshold=5.0) is None  # 5 of 10: exactly half is not more
    assert dg.clipping_too_often(clipped_fraction=0.5 + EPS) is not None
    assert dg.clipping_too_often(clipped_fraction=0.5) is None
    assert dg.clipping_too_often(h) is None


# ---------------------------------------------------------------- diagnose
def test_diagnose_order_and_divergence_skips_curve_checks():
    h = make_history([5.0, 1.0, 0.5, 0.3, 0.2, 0.1], val=[2.0, 1.1, 0.7, 0.8, 0.9, 1.0])
    found = dg.diagnose(h, n_classes=10, layer_grad_norms=np.array([[1e-4, 1.0]]),
                        activation_stats={"h": np.zeros(4)}, clipped_fraction=0.9, X_train=np.eye(3),
                        X_val=np.eye(3)[:1])
    assert names(found) == ["init_loss", "train_val_overlap", "overfitting", "vanishing_gradients", "dead_relus",
                            "clipping_too_often"]
    assert names(found) == [n for n in dg.CHECKS if n in names(found)]
    broken = make_history([5.0, 1.0, 0.5, math.inf], val=[2.0, 1.1, 0.7, 0.8])
    assert names(dg.diagnose(broken, n_classes=10)) == ["divergence", "init_loss"]
    assert "divergence: the loss blew up" in str(dg.diagnose(broken)[0])


def test_diagnose_passes_thresholds_on():
    h = make_history([2.0, 1.0, 0.5, 0.3, 0.2, 0.1], val=[2.0, 1.1, 0.7, 0.8, 0.9, 1.0])
    assert "overfitting" in names(dg.diagnose(h))
    assert "overfitting" not in names(dg.diagnose(h, generalization_loss=2.0))
    with pytest.raises(TypeError, match="history"):
        dg.diagnose({"loss": [1.0]})


# ---------------------------------------------------------------- real runs
@pytest.fixture(scope="module")
def digits():
    d = load_digits()
    split, _ = standardize(train_val_test_split(d.X, d.y, seed=0))
    return split


def train(split, *, learning_rate=0.05, epochs=8, X=None, y=None, shuffle=True, momentum=0.9):
    try:
        return fit(MLP(64, 32, 10), split.X_train if X is None else X, split.y_train if y is None else y,
                   batch_size=32, epochs=epochs, optimizer=SGD(momentum=momentum), learning_rate=learning_rate,
                   validation_data=(split.X_val, split.y_val), rng=np.random.default_rng(0), shuffle=shuffle)
    except TrainingDiverged as exc:
        return exc


def test_healthy_run_gets_no_finding(digits):
    h = train(digits)
    assert h.epoch_val_metric[-1] > 0.9   # it is healthy: 95 % on the validation set
    assert dg.diagnose(h, n_classes=10, n_val=len(digits.y_val)) == []


def test_rate_times_100_diverges(digits):
    exc = train(digits, learning_rate=5.0)
    assert isinstance(exc, TrainingDiverged)
    found = dg.diagnose(exc, n_classes=10)
    assert names(found) == ["divergence"] and found[0].evidence["learning_rate"] == 5.0


def test_rate_divided_by_100_crawls(digits):
    found = dg.diagnose(train(digits, learning_rate=0.0005), n_classes=10)
    assert "slow_progress" in names(found) and found[0].evidence["kind"] == "crawl"
    assert "overfitting" not in names(found)


def test_shuffled_labels_overfit(digits):
    y = np.random.default_rng(1).permutation(digits.y_train)
    found = {f.name: f for f in dg.diagnose(train(digits, y=y, epochs=20), n_classes=10)}
    assert "overfitting" in found
    assert found["overfitting"].evidence["last_val_accuracy"] < 0.2   # chance is 0.1


def test_sorted_labels_never_shuffled_are_periodic(digits):
    order = np.argsort(digits.y_train, kind="stable")
    h = train(digits, X=digits.X_train[order], y=digits.y_train[order], shuffle=False, learning_rate=0.01,
              momentum=0.0)
    assert "periodic_loss" in names(dg.diagnose(h, n_classes=10))
    assert dg.periodic_loss(train(digits)) is None


# ---------------------------------------------------------------- periodic: the rule against a loop
def autocorrelation_by_loop(steps, P):
    """The documented statistic, written as loops: x_t = L_t - mean(L_{t-P//2} .. L_{t-P//2+P-1})."""
    n = len(steps)
    x = [steps[t] - sum(steps[t - P // 2 + k] for k in range(P)) / P for t in range(P // 2, n - P + 1 + P // 2)]
    num = sum(x[t] * x[t + P] for t in range(len(x) - P))
    aa = sum(x[t] ** 2 for t in range(len(x) - P))
    bb = sum(x[t + P] ** 2 for t in range(len(x) - P))
    return num / math.sqrt(aa * bb)


@FEW
@given(seed=st.integers(0, 10**6), P=st.integers(2, 7), E=st.integers(3, 8), size=st.floats(0.1, 3),
       outside=st.booleans())
def test_periodic_loss_threshold_against_a_loop(seed, P, E, size, outside):
    rng = np.random.default_rng(seed)
    h = periodic_run(size, rng, E=E, P=P)
    r = autocorrelation_by_loop(h.step_loss.tolist(), P)
    if not 0.01 < r < 0.99:
        return
    threshold = r * (1 - EPS) if outside else r * (1 + EPS)
    found = dg.periodic_loss(h, periodic_autocorrelation=threshold)
    assert (found is not None) == outside
    if outside:
        assert found.evidence["autocorrelation_at_one_epoch"] == pytest.approx(r, rel=1e-9)


# ---------------------------------------------------------------- any history: an answer, never nan
curve_values = st.one_of(st.floats(0, 10), st.sampled_from([0.0, 5e-324, 1e-300, 1e300, 1e308]))


@settings(max_examples=40, deadline=None)
@given(train=st.lists(curve_values, min_size=0, max_size=9), data=st.data())
def test_diagnose_answers_any_finite_history(train, data):
    E = len(train)
    val = data.draw(st.lists(curve_values, min_size=E, max_size=E)) if data.draw(st.booleans()) else None
    P = data.draw(st.integers(1, 3))
    steps = data.draw(st.lists(curve_values, min_size=E * P, max_size=E * P))
    acc = data.draw(st.lists(st.floats(0, 1), min_size=E, max_size=E)) if val is not None else None
    h = make_history(train, val=val, steps=steps if steps else None, val_metric=acc,
                     batch_order=np.tile(np.arange(P), (E, 1)), batch_size=1)
    grads = np.array(data.draw(st.lists(st.lists(curve_values, min_size=3, max_size=3), min_size=1, max_size=4)))
    found = dg.diagnose(h, n_classes=10, n_val=data.draw(st.integers(1, 10**6)), layer_grad_norms=grads,
                        activation_stats={"h": np.array([0.0, 1.0])}, clip_threshold=1.0)
    assert names(found) == [n for n in dg.CHECKS if n in names(found)]
    for f in found:
        for value in f.evidence.values():
            assert not (isinstance(value, float) and math.isnan(value)), f
        assert f.summary and f.causes and f.fix and f.source


def test_empty_and_long_histories():
    empty = make_history([])
    assert dg.diagnose(empty, n_classes=10) == []
    n = 2**20   # a long run: one epoch of 2**18 steps, 4 epochs, unshuffled, iid losses
    rng = np.random.default_rng(0)
    steps = 1 + 0.1 * rng.random(n)
    h = make_history(steps.reshape(4, -1).mean(axis=1), steps=steps, batch_order=np.tile(np.arange(n // 4), (4, 1)))
    assert dg.periodic_loss(h) is None
    steps[:] = np.tile(steps[: n // 4], 4)   # the same losses every epoch
    assert dg.periodic_loss(h).evidence["autocorrelation_at_one_epoch"] == pytest.approx(1.0)


def test_rate_at_the_edge_of_stability_spikes(digits):
    # batch gradient descent at rate 3: the loss climbs from 1.27 (epoch 1) to 1.73 (epoch 4), then recovers
    h = fit(MLP(64, 32, 10), digits.X_train, digits.y_train, batch_size=len(digits.y_train), epochs=12,
            optimizer=SGD(), learning_rate=3.0, rng=np.random.default_rng(0))
    L, L0 = h.epoch_loss.tolist(), float(h.step_loss[0])
    undone = [e for e in range(1, len(L)) if L[e] - min(L[:e]) > 0.1 * (L0 - min(L[:e]))]   # the rule, by loop
    assert undone and L[-1] < min(L[:undone[0]])   # it spiked and recovered below its earlier best
    f = dg.loss_rising(h)
    assert f is not None and f.evidence["kind"] == "spike"
    assert (f.evidence["first_epoch"], f.evidence["last_epoch"]) == (undone[0], undone[-1])
    calm = fit(MLP(64, 32, 10), digits.X_train, digits.y_train, batch_size=len(digits.y_train), epochs=12,
               optimizer=SGD(), learning_rate=1.0, rng=np.random.default_rng(0))
    assert dg.loss_rising(calm) is None


def test_leaked_validation_set_overlaps(digits):
    assert dg.train_val_overlap(digits.X_train, digits.X_val) is None          # the course's split: no copy
    leaked = np.r_[digits.X_val[:200], digits.X_train[:159]]                    # 159 of 359 copied
    assert dg.train_val_overlap(digits.X_train, leaked).evidence["copies"] == 159


def test_every_threshold_is_a_documented_constant():
    """Each threshold keyword defaults to the module constant of its name, which has a docstring naming a source."""
    import ast
    import inspect
    tree = ast.parse(inspect.getsource(dg))
    documented = {}
    for node, nxt in zip(tree.body, tree.body[1:]):
        if isinstance(node, ast.Assign) and isinstance(nxt, ast.Expr) and isinstance(nxt.value, ast.Constant):
            documented[node.targets[0].id] = nxt.value.value
    for name in (*dg.CHECKS, "diagnose"):
        for p in inspect.signature(getattr(dg, name)).parameters.values():
            if p.kind is p.KEYWORD_ONLY and isinstance(p.default, (int, float)) and not isinstance(p.default, bool):
                const = "Z_95" if p.name == "z" else p.name.upper()
                assert p.default == getattr(dg, const), (name, p.name)
                assert len(documented[const]) > 40, const
    for const, text in documented.items():
        if const.isupper() and const not in ("PLAYBOOK", "KARPATHY", "AUTOTRAINER", "PRECHELT", "COURSE", "CHECKS"):
            assert any(w in text for w in ("course", "Playbook", "Karpathy", "AUTOTRAINER", "Prechelt", "fit",
                                           "quantile", "4 epochs")), const
