"""Train notebook 08's workflow grid once and store every epoch in ``data/workflow_runs.csv``.

The workflow widget (:mod:`course_lib.widgets.workflow`) never trains: it replays these runs.
Every combination of learning rate x schedule x dropout rate is trained from the same seeded
initial weights and the same batch order for ``EPOCHS`` epochs, without early stopping (the
widget applies Keras's stopping rule afterwards, for any patience, to the stored curves).

The model is the notebook's MLP, 64 -> Dense(128, ReLU) -> Dropout(rate) -> Dense(10) (logits,
``SparseCategoricalCrossentropy(from_logits=True)``), trained with SGD with momentum 0.9 in a
compiled ``GradientTape`` step, on the course's digits: a stratified 60/20/20 split
(``train_val_test_split(seed=0, stratify=True)``), standardized with training statistics only.

Each epoch records what Keras's ``model.fit`` logs — ``loss`` and ``accuracy`` as the
batch-size-weighted mean over the epoch's batches (training mode: dropout on), ``val_loss`` and
``val_accuracy`` on the whole validation set (inference mode), the rate in use — and the
test loss and accuracy, which only the widget's "what restoring would give" line reads. A run
whose batch loss becomes nan or inf stops at that batch, as ``keras.callbacks.TerminateOnNaN``
stops ``fit``; one whose validation or test loss overflows to inf stops after that epoch (as
``course_lib.training.fit`` stops when the validation loss blows up): its last row holds the
nan/inf values of that epoch.

    .venv/bin/python scripts/make_workflow_runs.py          # ~5 minutes on 2 busy cores

Afterwards, put the printed SHA-256 into ``course_lib/data.py`` (FILES) and ``data/README.md``.
"""
from __future__ import annotations

import csv
import datetime
import hashlib
import math
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_lib.data import Standardizer, load_digits, train_val_test_split  # noqa: E402
from course_lib.widgets.workflow import (COLUMNS, DROPOUTS, EPOCHS, LEARNING_RATES, PLATEAU_FACTOR,  # noqa: E402
                                         PLATEAU_PATIENCE, SCHEDULES)

SEED = 0
BATCH_SIZE = 32
HIDDEN = 128
MOMENTUM = 0.9
OUT = ROOT / "data" / "workflow_runs.csv"


def digits_split() -> tuple[np.ndarray, ...]:
    """Train / validation / test digits as float32, standardized with training statistics."""
    d = load_digits()
    s = train_val_test_split(d.X, d.y, seed=SEED, stratify=True)
    scaler = Standardizer.fit(s.X_train)
    return tuple(a.astype(np.float32) if a.dtype.kind == "f" else a
                 for a in (scaler.transform(s.X_train), s.y_train, scaler.transform(s.X_val), s.y_val,
                           scaler.transform(s.X_test), s.y_test))


def train_run(learning_rate: float, schedule: str, dropout: float, data: tuple[np.ndarray, ...],
              epochs: int = EPOCHS) -> list[list[float]]:
    """One run of the grid: a row per epoch ``[epoch, learning_rate, loss, ..., test_accuracy]``.

    The cosine schedule always decays over the full ``EPOCHS`` (so that a shorter regeneration,
    ``epochs=2``, repeats the first rows of the stored run exactly).
    """
    import keras
    import tensorflow as tf

    from course_lib.tf_twins import make_deterministic

    X, y, Xv, yv, Xt, yt = data
    make_deterministic(SEED)           # same initial weights, dropout masks and batches for every run
    steps_per_epoch = math.ceil(len(X) / BATCH_SIZE)
    rate = (keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=EPOCHS * steps_per_epoch)
            if schedule == "cosine" else learning_rate)
    net = keras.Sequential([keras.Input((X.shape[1],)), keras.layers.Dense(HIDDEN, activation="relu"),
                            keras.layers.Dropout(dropout), keras.layers.Dense(10)])
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    net.compile(optimizer=keras.optimizers.SGD(rate, momentum=MOMENTUM), loss=loss_fn)
    optimizer = net.optimizer
    plateau = keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=PLATEAU_FACTOR,
                                                patience=PLATEAU_PATIENCE, min_lr=0.0)
    plateau.set_model(net)

    @tf.function
    def step(xb, yb):
        with tf.GradientTape() as tape:
            logits = net(xb, training=True)
            loss = loss_fn(yb, logits)
        optimizer.apply_gradients(zip(tape.gradient(loss, net.trainable_variables), net.trainable_variables))
        hits = tf.reduce_sum(tf.cast(tf.equal(tf.argmax(logits, -1), yb), tf.float32))
        return loss, hits

    def evaluate(Xa, ya):
        logits = net(Xa, training=False)
        return float(loss_fn(ya, logits)), float(np.mean(np.argmax(logits.numpy(), -1) == ya))

    order_rng = np.random.default_rng(SEED)
    rows = []
    for epoch in range(epochs):
        order = order_rng.permutation(len(X))
        total, hits_total, seen = 0.0, 0.0, 0
        for start in range(0, len(X), BATCH_SIZE):
            idx = order[start:start + BATCH_SIZE]
            loss, hits = step(tf.constant(X[idx]), tf.constant(y[idx]))
            total, hits_total, seen = total + float(loss) * len(idx), hits_total + float(hits), seen + len(idx)
            if not math.isfinite(float(loss)):
                break                   # keras.callbacks.TerminateOnNaN: stop at this batch
        used_rate = float(optimizer.learning_rate)        # at the end of the epoch, as Keras logs it
        logs = {"loss": total / seen, "accuracy": hits_total / seen}
        logs["val_loss"], logs["val_accuracy"] = evaluate(Xv, yv)
        test = evaluate(Xt, yt)
        rows.append([epoch, used_rate, logs["loss"], logs["accuracy"], logs["val_loss"], logs["val_accuracy"], *test])
        if not all(math.isfinite(v) for v in rows[-1][2:]):
            break                       # diverged: a nan/inf training, validation or test loss
        if schedule == "plateau":
            plateau.on_epoch_end(epoch, dict(logs))
    return rows


def number(value: float) -> str:
    """Nine significant digits (float32 values survive the round trip); nan and inf as words."""
    return format(value, ".9g") if math.isfinite(value) else str(value)


def main() -> None:
    import keras
    import tensorflow as tf

    start = time.perf_counter()
    data = digits_split()
    lines = []
    for lr in LEARNING_RATES:
        for schedule in SCHEDULES:
            for dropout in DROPOUTS:
                t = time.perf_counter()
                rows = train_run(lr, schedule, dropout, data)
                for row in rows:
                    lines.append([number(lr), schedule, number(dropout), str(row[0])] + [number(v) for v in row[1:]])
                last = rows[-1]
                print(f"lr={lr:g} {schedule:8s} dropout={dropout:g}: {len(rows)} epochs, final loss {last[2]:.3g}, "
                      f"val_accuracy {last[5]:.3f} ({time.perf_counter() - t:.1f} s)", flush=True)
    with OUT.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(COLUMNS)
        out.writerows(lines)
    digest = hashlib.sha256(OUT.read_bytes()).hexdigest()
    print(f"{OUT.name}: {len(lines)} rows, {OUT.stat().st_size} bytes, sha256 {digest}")
    print(f"generated in {time.perf_counter() - start:.0f} s on {datetime.date.today()} with Python "
          f"{platform.python_version()}, numpy {np.__version__}, TensorFlow {tf.__version__}, "
          f"Keras {keras.__version__}, seed {SEED}, {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
