"""Training speed: numpy ``fit`` vs Keras ``model.fit`` vs the TensorFlow custom loop.

The same MLP (64 -> 128 -> 10, ReLU, softmax) on the digits (a stratified split: 1,079 training
samples, 359 validation), Adam(1e-3), batch sizes 32 and 256, validation every epoch. numpy ``fit``
runs with its full history, a callback (EarlyStopping that never triggers) and validation;
Keras ``fit`` with ``validation_data`` and ``verbose=0``; the custom loop is
``course_lib.tf_twins.training.fit_tf`` (a ``tf.function``-compiled GradientTape step).

Steps per second are steady-state: a warm-up run first (Keras traces its train function),
then the best of ``REPEATS`` timed runs, and beside it the spread of the repeats (min / median /
max steps/s); the numpy runs and the bounds take turns, so that load from other processes on a
shared machine falls on all of them alike. The custom loop re-traces on every call, so each of
its repeats times one call from the end of its first step (the traced one) to the end of its last:
(steps - 1) / that time, a ratio of a count and an elapsed time, never negative. (It used to be
the difference of two noisy timings, which printed -1,788 steps/s once.)

GFLOP/s counts only the five matrix products of one step (forward ``X W1``, ``H W2``;
backward ``H^T dZ2``, ``dZ2 W2^T``, ``X^T dZ1``): ``2 B (2*64*128 + 3*128*10)`` flops. The
**matmul-only bound** times exactly those products alone with numpy, for the same sequence of
batch shapes as one epoch, in the same dtype: whatever a training loop spends beyond that is
overhead. The bound is timed with BLAS as configured and with one BLAS thread (as ``fit``
runs it), and is the faster of the two. Targets (issue 3): numpy fit >= 10x Keras fit at
batch 32, and >= 50 % of the bound at batch 256, for numpy fit in float64 with Adam (its
default dtype, see ``course_lib.training``, and the chapter's optimizer). Beside it: plain SGD
(how much of a step Adam costs) and float32 (Keras's dtype, against its own float32 bound).
On a machine shared with other work the wall clock of every row drops, and not evenly; the
target row therefore also gives the ratio by CPU time (``time.process_time``) of fit and the
1-thread bound, which other processes do not inflate (both run on one thread).

    .venv/bin/python benchmarks/bench_training.py        (from the repository root)
"""
from __future__ import annotations

import contextlib
import os
import statistics
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
from course_lib.training import _single_threaded_blas, fit  # noqa: E402

REPEATS = 5
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


def timed_repeats(run, repeats: int = REPEATS) -> list[float]:
    """Wall-clock seconds of ``repeats`` calls of ``run``, after one warm-up call."""
    run()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return times


def interleaved_times(runs: dict, repeats: int = REPEATS) -> dict[str, tuple[list[float], list[float]]]:
    """Wall-clock and CPU times of each run's repeats, the runs taking turns (load falls on all).

    CPU time (``time.process_time``) does not count the time other processes hold the cores,
    so for single-threaded runs it is what the wall clock would read on an idle machine.
    """
    samples: dict[str, tuple[list[float], list[float]]] = {}
    for name, run in runs.items():
        run()  # warm-up
        samples[name] = ([], [])
    for _ in range(repeats):
        for name, run in runs.items():
            wall, cpu = time.perf_counter(), time.process_time()
            run()
            samples[name][0].append(time.perf_counter() - wall)
            samples[name][1].append(time.process_time() - cpu)
    return samples


def spread(rates: list[float]) -> str:
    """'min / median / max of N repeats' of a list of steps/s."""
    return (f"repeats {min(rates):,.0f} / {statistics.median(rates):,.0f} / {max(rates):,.0f} "
            f"(min / median / max of {len(rates)})")


def matmul_run(n: int, batch: int, dtype: str, one_thread: bool):
    """The five products alone, for one epoch's batch shapes, ~400 steps; returns (run, steps)."""
    rng = np.random.default_rng(0)
    W1 = rng.standard_normal((N_IN, N_HIDDEN)).astype(dtype)
    W2 = rng.standard_normal((N_HIDDEN, N_OUT)).astype(dtype)
    shapes = batch_sizes(n, batch)
    arrays = [(rng.standard_normal((b, N_IN)).astype(dtype), rng.standard_normal((b, N_HIDDEN)).astype(dtype),
               rng.standard_normal((b, N_OUT)).astype(dtype)) for b in shapes]
    rounds = max(1, 400 // len(shapes))

    def run():
        with _single_threaded_blas() if one_thread else contextlib.nullcontext():
            for _ in range(rounds):
                for X, H, dZ in arrays:
                    X @ W1, H @ W2, H.T @ dZ, dZ @ W2.T, X.T @ H
    return run, rounds * len(shapes)


def fit_run(X, y, Xv, yv, batch: int, dtype: str, optimizer):
    """numpy fit with validation, a callback and its full history; returns (run, steps)."""
    model = MLP(N_IN, N_HIDDEN, N_OUT)
    params = model.init_params(np.random.default_rng(0))
    epochs = EPOCHS[batch]

    def run():
        fit(model, X, y, batch_size=batch, epochs=epochs, optimizer=optimizer, learning_rate=1e-3,
            validation_data=(Xv, yv), callbacks=[EarlyStopping(patience=10**6)], params=params,
            rng=np.random.default_rng(0), dtype=dtype)
    return run, epochs * len(batch_sizes(len(X), batch))


def numpy_rates(X, y, Xv, yv, batch: int) -> tuple[dict[str, list[float]], float]:
    """Steps/s of each repeat of numpy fit (three set-ups) and of the bounds, timed in turns;
    and the ratio by CPU time of fit (float64, Adam) to the 1-thread bound."""
    runs = {"numpy fit (float64, Adam)": fit_run(X, y, Xv, yv, batch, "float64", Adam()),
            "numpy fit (float64, plain SGD)": fit_run(X, y, Xv, yv, batch, "float64", SGD()),
            "numpy fit (float32, Adam)": fit_run(X, y, Xv, yv, batch, "float32", Adam())}
    for dtype in ("float64", "float32"):
        runs[f"bound {dtype} as configured"] = matmul_run(len(X), batch, dtype, one_thread=False)
        runs[f"bound {dtype} 1 thread"] = matmul_run(len(X), batch, dtype, one_thread=True)
    samples = interleaved_times({name: run for name, (run, _) in runs.items()})
    rates = {name: [steps / t for t in samples[name][0]] for name, (_, steps) in runs.items()}
    cpu_per_step = {name: min(samples[name][1]) / runs[name][1]
                    for name in ("bound float64 1 thread", "numpy fit (float64, Adam)")}
    return rates, cpu_per_step["bound float64 1 thread"] / cpu_per_step["numpy fit (float64, Adam)"]


def keras_fit_rates(X, y, Xv, yv, batch: int) -> list[float]:
    import keras

    from course_lib.tf_twins.models import keras_loss, to_keras
    model = MLP(N_IN, N_HIDDEN, N_OUT)
    net = to_keras(model)
    net.compile(optimizer=keras.optimizers.Adam(1e-3), loss=keras_loss(model), metrics=["accuracy"])
    epochs = max(2, EPOCHS[batch] // 2)
    X32, Xv32 = X.astype("float32"), Xv.astype("float32")

    def run():
        net.fit(X32, y, batch_size=batch, epochs=epochs, validation_data=(Xv32, yv), verbose=0, shuffle=True)
    steps = epochs * len(batch_sizes(len(X), batch))
    return [steps / t for t in timed_repeats(run, repeats=3)]


def tf_loop_rates(X, y, Xv, yv, batch: int, repeats: int = 3) -> list[float]:
    """Steady-state steps/s of ``fit_tf``, one per call: its steps after the first (traced) one.

    Each call builds and traces a new step function, so a whole call's time is not steady state;
    the step function is wrapped to note when each step returns, and a call's rate is
    (steps - 1) / (time from the first step's return to the last's), validation included.
    """
    import keras

    from course_lib.tf_twins import training as training_tf
    model = MLP(N_IN, N_HIDDEN, N_OUT)
    params = model.init_params(np.random.default_rng(0))
    epochs = max(2, EPOCHS[batch] // 2)
    make_step = training_tf.make_train_step

    def one_call() -> float:
        returns: list[float] = []

        def timed_make_step(*args, **kwargs):
            step = make_step(*args, **kwargs)

            def timed_step(*batch_args):
                out = step(*batch_args)
                returns.append(time.perf_counter())
                return out
            return timed_step
        training_tf.make_train_step = timed_make_step
        try:
            training_tf.fit_tf(model, X, y, batch_size=batch, epochs=epochs, params=params,
                               optimizer=keras.optimizers.Adam(1e-3), rng=np.random.default_rng(0),
                               validation_data=(Xv, yv))
        finally:
            training_tf.make_train_step = make_step
        return (len(returns) - 1) / (returns[-1] - returns[0])
    one_call()  # warm-up (TensorFlow's first graph in this process)
    return [one_call() for _ in range(repeats)]


def run() -> list[dict]:
    """Rows for benchmarks/run_all.py: rates, ratios, GFLOP/s, bound; targets beside them."""
    X, y, Xv, yv = data()
    rows = []
    for batch in (32, 256):
        gflops = flops_per_step(len(X) / len(batch_sizes(len(X), batch))) / 1e9  # mean batch size
        samples, cpu_ratio = numpy_rates(X, y, Xv, yv, batch)
        samples["Keras model.fit (float32, Adam)"] = keras_fit_rates(X, y, Xv, yv, batch)
        samples["TF custom loop (float32, Adam)"] = tf_loop_rates(X, y, Xv, yv, batch)
        rates = {name: max(s) for name, s in samples.items()}  # the best repeat: least disturbed
        keras_rate = rates["Keras model.fit (float32, Adam)"]
        bounds = {dtype: max(rates[f"bound {dtype} as configured"], rates[f"bound {dtype} 1 thread"])
                  for dtype in ("float64", "float32")}
        for name, rate in rates.items():
            if name.startswith("bound"):
                continue
            row = {"benchmark": f"training, batch {batch}: {name}", "target": "", "ok": "",
                   "value": f"{rate:,.0f} steps/s, {rate * gflops:.1f} GFLOP/s, {rate / keras_rate:.1f}x Keras fit",
                   "steps_per_s": rate, "batch": batch}
            if name.startswith("numpy fit"):
                bound = bounds[name[11:18]]
                row["value"] += f", {rate / bound:.0%} of the matmul-only bound"
                if name == "numpy fit (float64, Adam)":
                    row["value"] += f" (by CPU time: {cpu_ratio:.0%} of the 1-thread bound)"
                    row |= ({"target": ">= 10x Keras fit", "ok": rate >= 10 * keras_rate} if batch == 32 else
                            {"target": ">= 50 % of the matmul-only bound", "ok": rate >= 0.5 * bound})
            row["value"] += f"; {spread(samples[name])}"
            rows.append(row)
        for dtype, bound in bounds.items():
            how = (f"BLAS as configured {rates[f'bound {dtype} as configured']:,.0f}, "
                   f"1 thread {rates[f'bound {dtype} 1 thread']:,.0f}")
            rows.append({"benchmark": f"training, batch {batch}: matmul-only bound ({dtype})", "target": "",
                         "ok": "", "value": f"{bound:,.0f} steps/s, {bound * gflops:.1f} GFLOP/s ({how})",
                         "steps_per_s": bound, "batch": batch})
    for row in rows:  # a rate is a count over an elapsed time: anything else is a bug here
        assert 0 < row["steps_per_s"] < float("inf"), row
    return rows


def main() -> None:
    rows = run()
    try:
        import threadpoolctl
        blas = [(i["internal_api"], i.get("architecture"), i["num_threads"]) for i in threadpoolctl.threadpool_info()]
    except ImportError:
        blas = "threadpoolctl not installed"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{os.cpu_count()} cores, load average {load:.1f} at the end; BLAS {blas}; "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')}\n")
    print("| benchmark | measured | target | met |\n|---|---|---|---|")
    for r in rows:
        ok = {True: "yes", False: "**no**"}.get(r["ok"], "")
        print(f"| {r['benchmark']} | {r['value']} | {r['target']} | {ok} |")


if __name__ == "__main__":
    main()
