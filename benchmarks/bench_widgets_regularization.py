"""Latency of the regularization explorer (notebook 06): one control change, as a user feels it.

Each slider is dragged through every one of its positions, there and back, at three settings
of the other slider (pure L2, an even mix, pure L1). One change = select the precomputed fit
+ evaluate the polynomial + update the artists (curve, 9 bar heights, loss curves, markers)
+ the blitted PNG sent to the browser. The one-off precomputation (every fit of the grid,
exactly) is timed too, since the learner waits for it once. Target: median <= 50 ms per change.

    .venv/bin/python -m benchmarks.bench_widgets_regularization      (from the repository root)
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")


import numpy as np  # noqa: E402

from benchmarks.widget_timing import print_rows, time_calls, time_control_changes  # noqa: E402
from course_lib.plotting import use_course_style  # noqa: E402
from course_lib.synthetic import make_sine_regression  # noqa: E402
from course_lib.widgets.regularization import (RegularizationExplorer, fit_grid,  # noqa: E402
                                               regularization_frame)


def slider_positions(slider) -> list[float]:
    """Every value a slider can take, low to high and back (a drag there and back)."""
    if hasattr(slider, "base"):  # FloatLogSlider: min/max/step are exponents
        values = list(slider.base ** np.arange(slider.min, slider.max + 1e-9, slider.step))
    else:
        values = list(np.arange(slider.min, slider.max + 1e-9, slider.step))
    values = [float(v) for v in values]
    return values + values[::-1]




def run() -> list[dict]:
    """One row per (control, setting of the other control), plus the precomputation and the pure frame."""
    use_course_style()
    data = (*make_sine_regression(12, seed=0), *make_sine_regression(50, seed=1))  # notebook 06's data
    rows = [{"benchmark": "regularization widget: fit_grid (once, in __init__)",
             **time_calls(lambda: fit_grid(*data), repeats=5), "target": "one-off, not a change", "ok": ""}]
    ui = RegularizationExplorer(*data, truth=lambda x: np.sin(2 * np.pi * x))
    for mix in (0.0, 0.5, 1.0):
        ui.controls["mix"].value = mix
        rows.append({"benchmark": f"regularization widget: lam slider (mix {mix:.0%})",
                     **time_control_changes(ui, "lam", slider_positions(ui.controls["lam"]), repeats=1)})
    for lam in (1e-10, 1e-4, 1.0):
        ui.controls["lam"].value = lam
        rows.append({"benchmark": f"regularization widget: mix slider (lam {lam:.0e})",
                     **time_control_changes(ui, "mix", slider_positions(ui.controls["mix"]), repeats=2)})
    grid = ui.grid
    rows.append({"benchmark": "regularization widget: regularization_frame alone (compute only)",
                 **time_calls(lambda: regularization_frame(grid, 1e-4, 0.5), repeats=50)})
    return rows


if __name__ == "__main__":
    print_rows(run())
