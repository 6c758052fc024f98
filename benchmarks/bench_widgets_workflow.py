"""Latency of the workflow explorer (notebook 08): one control change, as a user feels it.

The widget never trains: a change picks one of the stored runs (data/workflow_runs.csv: 36 runs
of 50 epochs), re-applies Keras's early-stopping rule to its validation curve, updates the
artists of the three panels and renders the PNG sent to the browser. Every control is dragged
over all its positions and back, from a setting that has all its curves (lr 0.01, constant,
dropout 0.2, patience 10). Target: median <= 50 ms.

    .venv/bin/python -m benchmarks.bench_widgets_workflow      (from the repository root)
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from benchmarks.widget_timing import print_rows, time_control_changes  # noqa: E402
from course_lib.plotting import use_course_style  # noqa: E402
from course_lib.widgets.workflow import WorkflowExplorer, WorkflowRuns  # noqa: E402


def sweep(control) -> list:
    """Every position of a control, there and back, each a real change: the control is first put at
    its first position, and the sweep ends there, so repeating it never sets an unchanged value
    (which would fire no callback and time nothing)."""
    if isinstance(control.value, bool):
        control.value = False
        return [True, False]
    if hasattr(control, "options"):
        opts = [o[1] if isinstance(o, tuple) else o for o in control.options]
    else:
        opts = list(range(control.min, control.max + 1, control.step))
    control.value = opts[0]
    return opts[1:] + opts[-2::-1]


def run() -> list[dict]:
    """One row per control: median and p90 latency in ms (the other controls at their defaults)."""
    use_course_style()
    ui = WorkflowExplorer(WorkflowRuns.load(), learning_rate=0.01, schedule="constant", dropout=0.2, patience=10)
    rows = []
    for name, control in ui.controls.items():
        default = control.value
        rows.append({"benchmark": f"workflow widget: {name}",
                     **time_control_changes(ui, name, sweep(control), repeats=3)})
        control.value = default
    return rows


if __name__ == "__main__":
    print_rows(run())
