"""Latency of the batch-gradient-descent path widget (notebook 03): one control change.

One change = rerun gradient descent for the slider's value (at most ``max_steps`` 2-D updates,
stopping early on convergence or divergence), move the path, the loss curve and the markers,
and render the PNG sent to the browser. The widget is the notebook's: a 1-feature linear
regression with an off-centre feature (an elongated bowl, kappa ~ 45), up to 400 steps.
Target: median <= 50 ms.

    .venv/bin/python -m benchmarks.bench_widgets_gd_path      (from the repository root)
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from benchmarks.widget_timing import print_rows, time_control_changes  # noqa: E402
from course_lib.plotting import use_course_style  # noqa: E402
from course_lib.synthetic import make_linear_regression  # noqa: E402
from course_lib.widgets.gd_path import GDPathWidget, linear_regression_surface  # noqa: E402


def run() -> list[dict]:
    """One row per control: the learning rate swept over its whole log range (converging,
    zig-zagging and diverging runs) at the full budget, the step budget over 1..400; there and back."""
    use_course_style()
    d = make_linear_regression(200, 1, noise=0.5, seed=1)
    ui = GDPathWidget(linear_regression_surface(2 * d.X[:, 0] + 3, d.y), learning_rate=0.03, max_steps=400,
                      steps=400)
    lr = ui.controls["learning_rate"]
    rates = list(10 ** np.linspace(lr.min, lr.max, 25))
    budgets = list(range(1, 401, 16))
    rows = [{"benchmark": "batch-GD path widget: learning_rate",
             **time_control_changes(ui, "learning_rate", rates + rates[::-1], repeats=2)}]
    lr.value = 0.5 * ui.surface.stable_learning_rate
    rows.append({"benchmark": "batch-GD path widget: steps",
                 **time_control_changes(ui, "steps", budgets + budgets[::-1], repeats=2)})
    return rows


if __name__ == "__main__":
    print_rows(run())
