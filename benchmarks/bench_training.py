"""Training speed: numpy ``fit`` vs Keras ``model.fit`` vs the TensorFlow custom loop.

The same MLP (64 -> 128 -> 10, ReLU, softmax) on the digits (a stratified split: 1,079 training
samples, 359 validation), Adam(1e-3), batch sizes 32 and 256, validation every epoch. numpy ``fit``
runs with its full history, a callback (EarlyStopping that never triggers) and validation;
Keras ``fit`` with ``validation_data`` and ``verbose=0``; the custom loop is
``course_lib.tf_twins.training.fit_tf`` (a ``tf.function``-compiled GradientTape step).

Steps per second are steady-state: a warm-up run first (Keras traces its train function),
then the best of ``REPEATS`` timed runs; the custom loop re-traces on every call, so its rate
is (steps of a long run - steps of a 1-epoch run) / (difference of their times).

GFLOP/s counts only the five matrix products of one step (forward ``X W1``, ``H W2``;
backward ``H^T dZ2``, ``dZ2 W2^T``, ``X^T dZ1``): ``2 B (2*64*128 + 3*128*10)`` flops. The
**matmul-only bound** times exactly those products alone with numpy, for the same sequence of
batch shapes as one epoch, in the same dtype: whatever a training loop spends beyond that is
overhead. The bound is timed with BLAS as configured and with one BLAS thread (as ``fit``
runs it), and is the faster of the two. Targets (issue 3): numpy fit >= 10x Keras fit at
batch 32, and >= 50 % of the bound at batch 256, for numpy fit in float64 with Adam (its
default dtype, see ``course_lib.training``, and the chapter's optimizer). Beside it: plain SGD
(how much of a step Adam costs) and float32 (Keras's dtype, against its own float32 bound).

    .venv/bin/python benchmarks/bench_training.py        (from the repository root)
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from course_lib.data import load_digits, standardize, train_val_test_split  # noqa: E402
from course_lib.early_stopping import EarlyStopping  # noqa: E402
from course_lib.models import MLP  # noqa: E402
from course_lib.optim import SGD, Adam  # noqa: E402
from course_lib.training import fit  # noqa: E402

REPEATS = 3
EPOCHS = {32: 10, 256: 70}  # 340 steps at batch 32, 350 at 256
N_IN, N_HIDDEN, N_OUT = 64, 128, 10


def flops_per_step(batch: int) -> int:
    """The five products of one step: 2 B (n_in h + h k) forward, 2 B (h k + k h + n_in h) backward."""
    return 2 * batch * (2 * N_IN * N_HIDDEN + 3 * N_HIDDEN * N_OUT)


def batch_sizes(n: int, batch: int) -> list[int]:
    return [min(batch, n - i) for i in range(0, n, batch)]


def data():
    d = load_digits()
    split, _ = standardize(train_val_test_split(d.X, d.y, val_fraction=0.2, test_fraction=0.2, seed=0,
                                                stratify=True))
    return split.X_train, split.y_train, split.X_val, split.y_val


def best_time(run, repeats: int = REPEATS) -> float:
    run()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def matmul_bound(n: int, batch: int, dtype: str) -> tuple[float, str]:
    """Steps/s of the five products alone over one epoch's batch shapes, and how BLAS ran.

    Timed twice, with BLAS as configured and with one BLAS thread (what ``fit`` uses); the
    bound is the faster of the two, so that it is a bound for either choice.
    """
    rng = np.random.default_rng(0)
    W1 = rng.standard_normal((N_IN, N_HIDDEN)).astype(dtype)
    W2 = rng.standard_normal((N_HIDDEN, N_OUT)).astype(dtype)
    shapes = batch_sizes(n, batch)
    arrays = [(rng.standard_normal((b, N_IN)).astype(dtype), rng.standard_normal((b, N_HIDDEN)).astype(dtype),
               rng.standard_normal((b, N_OUT)).astype(dtype)) for b in shapes]
    rounds = max(1, 400 // len(shapes))

    def run():
        for _ in range(rounds):
            for X, H, dZ in arrays:
                X @ W1, H @ W2, H.T @ dZ, dZ @ W2.T, X.T @ H
    as_is = rounds * len(shapes) / best_time(run)
    with _one_blas_thread():
        single = rounds * len(shapes) / best_time(run)
    how = f"as configured {as_is:,.0f}, 1 BLAS thread {single:,.0f}"
    return max(as_is, single), how


def _one_blas_thread():
    from course_lib.training import _single_threaded_blas
    return _single_threaded_blas()


def numpy_fit_rate(X, y, Xv, yv, batch: int, dtype: str, optimizer=None) -> float:
    model = MLP(N_IN, N_HIDDEN, N_OUT)
    params = model.init_params(np.random.default_rng(0))
    epochs = EPOCHS[batch]

    def run():
        fit(model, X, y, batch_size=batch, epochs=epochs, optimizer=optimizer or Adam(), learning_rate=1e-3,
            validation_data=(Xv, yv), callbacks=[EarlyStopping(patience=10**6)], params=params,
            rng=np.random.default_rng(0), dtype=dtype)
    return epochs * len(batch_sizes(len(X), batch)) / best_time(run)


def keras_fit_rate(X, y, Xv, yv, batch: int) -> float:
    import keras

    from course_lib.tf_twins.models import keras_loss, to_keras
    model = MLP(N_IN, N_HIDDEN, N_OUT)
    net = to_keras(model)
    net.compile(optimizer=keras.optimizers.Adam(1e-3), loss=keras_loss(model), metrics=["accuracy"])
    epochs = max(2, EPOCHS[batch] // 2)
    X32, Xv32 = X.astype("float32"), Xv.astype("float32")

    def run():
        net.fit(X32, y, batch_size=batch, epochs=epochs, validation_data=(Xv32, yv), verbose=0, shuffle=True)
    return epochs * len(batch_sizes(len(X), batch)) / best_time(run, repeats=2)


def tf_loop_rate(X, y, Xv, yv, batch: int) -> float:
    import keras

    from course_lib.tf_twins.training import fit_tf
    model = MLP(N_IN, N_HIDDEN, N_OUT)
    params = model.init_params(np.random.default_rng(0))
    per_epoch, long = len(batch_sizes(len(X), batch)), max(2, EPOCHS[batch] // 2)

    def seconds(epochs):
        start = time.perf_counter()
        fit_tf(model, X, y, batch_size=batch, epochs=epochs, optimizer=keras.optimizers.Adam(1e-3), params=params,
               rng=np.random.default_rng(0), validation_data=(Xv, yv))
        return time.perf_counter() - start
    seconds(1)  # warm-up
    diffs = [seconds(long) - seconds(1) for _ in range(2)]
    return (long - 1) * per_epoch / min(diffs)


def run() -> list[dict]:
    """Rows for benchmarks/run_all.py: rates, ratios, GFLOP/s, bound; targets beside them."""
    X, y, Xv, yv = data()
    rows = []
    for batch in (32, 256):
        gflops = flops_per_step(len(X) / len(batch_sizes(len(X), batch))) / 1e9  # mean batch size
        bounds = {dtype: matmul_bound(len(X), batch, dtype) for dtype in ("float64", "float32")}
        rates = {"numpy fit (float64, Adam)": numpy_fit_rate(X, y, Xv, yv, batch, "float64"),
                 "numpy fit (float64, plain SGD)": numpy_fit_rate(X, y, Xv, yv, batch, "float64", SGD()),
                 "numpy fit (float32, Adam)": numpy_fit_rate(X, y, Xv, yv, batch, "float32"),
                 "Keras model.fit (float32, Adam)": keras_fit_rate(X, y, Xv, yv, batch),
                 "TF custom loop (float32, Adam)": tf_loop_rate(X, y, Xv, yv, batch)}
        keras_rate = rates["Keras model.fit (float32, Adam)"]
        for name, rate in rates.items():
            row = {"benchmark": f"training, batch {batch}: {name}", "target": "", "ok": "",
                   "value": f"{rate:,.0f} steps/s, {rate * gflops:.1f} GFLOP/s, {rate / keras_rate:.1f}x Keras fit",
                   "steps_per_s": rate, "batch": batch}
            if name.startswith("numpy fit"):
                bound = bounds[name[11:18]][0]
                row["value"] += f", {rate / bound:.0%} of the matmul-only bound"
                if name == "numpy fit (float64, Adam)":
                    row |= ({"target": ">= 10x Keras fit", "ok": rate >= 10 * keras_rate} if batch == 32 else
                            {"target": ">= 50 % of the matmul-only bound", "ok": rate >= 0.5 * bound})
            rows.append(row)
        for dtype, (bound, how) in bounds.items():
            rows.append({"benchmark": f"training, batch {batch}: matmul-only bound ({dtype})", "target": "",
                         "ok": "", "value": f"{bound:,.0f} steps/s, {bound * gflops:.1f} GFLOP/s ({how})",
                         "steps_per_s": bound, "batch": batch})
    return rows


def main() -> None:
    rows = run()
    try:
        import threadpoolctl
        blas = [(i["internal_api"], i.get("architecture"), i["num_threads"]) for i in threadpoolctl.threadpool_info()]
    except ImportError:
        blas = "threadpoolctl not installed"
    print(f"{os.cpu_count()} cores; BLAS {blas}; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')}\n")
    print("| benchmark | measured | target | met |\n|---|---|---|---|")
    for r in rows:
        ok = {True: "yes", False: "**no**"}.get(r["ok"], "")
        print(f"| {r['benchmark']} | {r['value']} | {r['target']} | {ok} |")


if __name__ == "__main__":
    main()
