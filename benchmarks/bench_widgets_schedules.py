"""Latency of the schedule explorer (notebook 02): one control change, as a user feels it.

Each control is dragged through its own slider positions (every step of the slider, as a
drag delivers them; the menu and the checkbox through each of their values) under each
schedule that uses it. One change = compute (two SGD runs of 400 steps) + artist updates +
the PNG sent to the browser. Target: median <= 50 ms per change.

    .venv/bin/python -m benchmarks.bench_widgets_schedules      (from the repository root)
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")


import numpy as np  # noqa: E402

from benchmarks.widget_timing import print_rows, time_calls, time_control_changes  # noqa: E402
from course_lib.plotting import use_course_style  # noqa: E402
from course_lib.widgets.schedules import SCHEDULES, USES, ScheduleExplorer, schedule_frame  # noqa: E402


def slider_positions(slider) -> list:
    """Every value a slider can take, low to high and back (a drag there and back)."""
    if hasattr(slider, "base"):  # FloatLogSlider: min/max/step are exponents
        values = list(slider.base ** np.arange(slider.min, slider.max + 1e-9, slider.step))
    elif hasattr(slider, "options"):
        return [value for _, value in slider.options]
    elif isinstance(slider.value, bool):
        return [True, False]
    else:
        values = list(np.arange(slider.min, slider.max + 1e-9, slider.step))
    values = [type(slider.value)(v) for v in values]
    return values + values[::-1]


def run() -> list[dict]:
    """One row per control (and per schedule for the parameters): median and p90 in ms."""
    use_course_style()
    ui = ScheduleExplorer()
    rows = [_drag(ui, "name", "schedule menu", repeats=3)]
    rows += [_drag(ui, control, f"{control} (exponential_decay)")
             for control in ("initial_learning_rate", "warmup_steps")]
    for name in ("exponential_decay", "linear_decay", "inverse_time_decay", "piecewise_constant", "cosine_decay"):
        ui = ScheduleExplorer(name=name)
        rows += [_drag(ui, control, f"{control} ({name})", repeats=5 if control == "staircase" else 1)
                 for control in USES[name]]
    problem = ui.problem
    rows.append({"benchmark": "schedules widget: schedule_frame alone (compute only)",
                 **time_calls(lambda: schedule_frame(problem, "cosine_decay", 0.1, warmup_steps=50), repeats=30)})
    return rows


def _drag(ui: ScheduleExplorer, control: str, label: str, repeats: int = 1) -> dict:
    values = slider_positions(ui.controls[control])
    return {"benchmark": f"schedules widget: {label}",
            **time_control_changes(ui, control, values, repeats=repeats)}




if __name__ == "__main__":
    print_rows(run(), note=f"schedules: {', '.join(SCHEDULES)}")
