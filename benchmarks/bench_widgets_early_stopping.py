"""Latency of the early-stopping explorer (notebook 07): one control change, as a user feels it.

The widget never trains: it re-applies Keras's stopping rule to stored curves (once for the
current patience and once per patience 0..40 for the trade-off panel), updates the artists
and renders the PNG sent to the browser. The stored run here has the notebook's shape (200
epochs, four validation-set sizes); its curves are a seeded U-shaped formula with noise,
since the cost does not depend on where the numbers came from. Target: median <= 50 ms.

    .venv/bin/python -m benchmarks.bench_widgets_early_stopping      (from the repository root)
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from benchmarks.widget_timing import print_rows, time_control_changes  # noqa: E402
from course_lib.plotting import use_course_style  # noqa: E402
from course_lib.widgets.early_stopping import EarlyStoppingExplorer, StoredRun  # noqa: E402


def stored_run(epochs: int = 200, seed: int = 0) -> StoredRun:
    """A run of the notebook's size: reference loss U-shaped, validation noise ~ 1/sqrt(n)."""
    rng = np.random.default_rng(seed)
    e = np.arange(epochs)
    test = 0.15 + 2.0 * np.exp(-e / 6) + 0.001 * e
    vals = {f"{n} samples": test * np.exp(rng.normal(0, 1 / np.sqrt(n), epochs)) for n in (720, 180, 45, 12)}
    return StoredRun(2.2 * np.exp(-e / 10) + 1e-3, vals, test)


def positions(slider) -> list:
    """Every position of a slider, low to high and back (a drag there and back)."""
    if hasattr(slider, "options"):
        values = list(slider.options)
    else:
        values = [type(slider.value)(v) for v in np.arange(slider.min, slider.max + 1e-9, slider.step)]
    return values + values[::-1]


def run() -> list[dict]:
    """One row per control: median and p90 latency in ms."""
    use_course_style()
    ui = EarlyStoppingExplorer(stored_run(), patience=10)
    return [{"benchmark": f"early-stopping widget: {name}",
             **time_control_changes(ui, name, positions(control), repeats=2)}
            for name, control in ui.controls.items()]


if __name__ == "__main__":
    print_rows(run())
