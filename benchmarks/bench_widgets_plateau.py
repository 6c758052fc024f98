"""Latency of the plateau explorer (notebook 05): one control change, as a user feels it.

One change = a real re-training (60 epochs x 25 SGD steps of a 6-feature least-squares
model, Keras's ReduceLROnPlateau rule after every epoch) + artist updates + the PNG sent to
the browser. Each slider is dragged through every position and back. Target: median <= 50 ms.

    .venv/bin/python -m benchmarks.bench_widgets_plateau      (from the repository root)
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from benchmarks.widget_timing import print_rows, time_control_changes  # noqa: E402
from course_lib.plotting import use_course_style  # noqa: E402
from course_lib.widgets.plateau import PlateauExplorer  # noqa: E402


def positions(slider) -> list:
    """Every position of a slider, low to high and back (a drag there and back)."""
    values = [type(slider.value)(v) for v in np.arange(slider.min, slider.max + 1e-9, slider.step)]
    return values + values[::-1]


def run() -> list[dict]:
    """One row per control: median and p90 latency in ms."""
    use_course_style()
    ui = PlateauExplorer()
    return [{"benchmark": f"plateau widget: {name}", **time_control_changes(ui, name, positions(control))}
            for name, control in ui.controls.items()]


if __name__ == "__main__":
    print_rows(run())
