"""Latency of the SGD / mini-batch path widget (notebook 04): one control change.

One change = replay SGD over the precomputed batch sums for the new setting (the notebook's
size: 256 samples, 10 epochs, so batch size 1 is 2,560 scalar updates), plus the full-batch
reference run, move the path, the zoomed cloud and the loss curves, and render the PNG sent to
the browser. Target: median <= 50 ms.

    .venv/bin/python -m benchmarks.bench_widgets_sgd_path      (from the repository root)
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from benchmarks.widget_timing import print_rows, time_control_changes  # noqa: E402
from course_lib.plotting import use_course_style  # noqa: E402
from course_lib.synthetic import make_linear_regression  # noqa: E402
from course_lib.widgets.sgd_path import SGDPathWidget  # noqa: E402


def run() -> list[dict]:
    """One row per control, each swept there and back at batch size 1 (the slowest replay)."""
    use_course_style()
    d = make_linear_regression(256, 1, noise=1.0, seed=2)
    ui = SGDPathWidget(d.X[:, 0], d.y, epochs=10, start=(-2.0, 2.0), batch_size=1, learning_rate=0.05)
    sizes = list(ui.controls["batch_size"].options)
    lr = ui.controls["learning_rate"]
    rates = list(10 ** np.linspace(lr.min, lr.max, 16))
    decays = list(np.round(np.arange(0.0, 5.01, 0.5), 2))
    rows = []
    for name, values in [("batch_size", sizes), ("learning_rate", rates), ("decay", decays)]:
        rows.append({"benchmark": f"SGD path widget: {name}",
                     **time_control_changes(ui, name, values + values[::-1], repeats=2)})
        ui.controls["batch_size"].value, lr.value = 1, 0.05
    return rows


if __name__ == "__main__":
    print_rows(run())
