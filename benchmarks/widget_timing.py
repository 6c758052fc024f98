"""Shared timing for widget benchmarks: the latency of one control change, as a user feels it.

One change = the widget's callback: the pure computation, the artist updates and the new PNG
that :class:`course_lib.widgets.LiveFigure` renders (the bytes sent to the browser).
"""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any


def time_calls(call: Callable[[], Any], repeats: int) -> dict:
    """Call ``call`` ``repeats`` times; median and 90th-percentile milliseconds per call."""
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {"median_ms": statistics.median(samples), "p90_ms": samples[int(0.9 * (repeats - 1))],
            "changes": repeats}


def time_control_changes(widget: Any, control: str, values: Sequence[Any], repeats: int = 3) -> dict:
    """Set ``widget.controls[control]`` to each value in turn, ``repeats`` times over.

    Returns the median and 90th-percentile latency in milliseconds per change.
    """
    slider = widget.controls[control]
    samples = []
    for _ in range(repeats):
        for value in values:
            start = time.perf_counter()
            slider.value = value  # fires the callback synchronously, which re-renders the PNG
            samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {"median_ms": statistics.median(samples),
            "p90_ms": samples[int(0.9 * (len(samples) - 1))], "changes": len(samples)}


def print_rows(rows: list[dict], note: str = "") -> None:
    """Print widget benchmark rows as an aligned table (the __main__ of each bench_widgets_* module)."""
    width = max(len(r["benchmark"]) for r in rows)
    for r in rows:
        print(f"{r['benchmark']:<{width}} median {r['median_ms']:7.1f} ms   p90 {r['p90_ms']:7.1f} ms"
              f"   ({r['changes']} changes)")
    print("target: median <= 50 ms per change" + (f"; {note}" if note else ""))
