"""Latency of the tuning-loop explorer (notebook 01): one control change, as a user feels it.

The runs are trained once (timed separately: it is the notebook's cost, not the slider's); a
change selects stored curves, updates six artists and blits. Target: median <= 50 ms per change.

    .venv/bin/python -m benchmarks.bench_widgets_tuning_loop      (from the repository root)
"""
from __future__ import annotations

import time

import matplotlib

matplotlib.use("Agg")

from benchmarks.widget_timing import print_rows, time_control_changes  # noqa: E402
from course_lib.data import load_digits, standardize, train_val_test_split  # noqa: E402
from course_lib.models import MLP, SoftmaxRegression  # noqa: E402
from course_lib.plotting import use_course_style  # noqa: E402
from course_lib.widgets.tuning_loop import TuningLoopExplorer, train_grid  # noqa: E402

#: the notebook's setting
MODELS = {"MLP, 2 hidden units": MLP(64, 2, 10), "softmax regression": SoftmaxRegression(64, 10),
          "MLP, 64 hidden units": MLP(64, 64, 10)}
SIZES = [50, 100, 200, 400, 1079]


def run() -> list[dict]:
    """Rows: the one-off training of the grid, then each control swept there and back."""
    use_course_style()
    d = load_digits()
    s, _ = standardize(train_val_test_split(d.X, d.y, seed=0, stratify=True))
    start = time.perf_counter()
    grid = train_grid(MODELS, s.X_train, s.y_train, s.X_val, s.y_val, SIZES, updates=1700)
    seconds = time.perf_counter() - start
    ui = TuningLoopExplorer(grid)
    sizes = SIZES + SIZES[::-1]
    names = list(MODELS) + list(MODELS)[::-1]
    return [{"benchmark": "tuning-loop widget: precompute 3 models x 5 sizes x 1,700 updates (once)",
             "median_ms": seconds * 1000, "p90_ms": seconds * 1000, "changes": 1,
             "target": "one-off, not a change", "ok": ""},
            {"benchmark": "tuning-loop widget: training size",
             **time_control_changes(ui, "training_size", sizes, repeats=3)},
            {"benchmark": "tuning-loop widget: model",
             **time_control_changes(ui, "model_name", names, repeats=3)}]


if __name__ == "__main__":
    print_rows(run())
