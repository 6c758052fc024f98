"""The course's plotting style and a few small helpers.

Nothing changes on import: a notebook applies the style explicitly with
:func:`use_course_style`, so that every figure has the same size, dpi and look on every
machine (and stored notebooks stay small).
"""
from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from course_lib._checks import check_array

#: Figure defaults: modest size and dpi (stored PNGs stay small, text stays readable on a
#: projector), a grid, no top/right spines, a colour-blind-safe cycle (Okabe & Ito).
COURSE_STYLE: dict[str, object] = {
    "figure.figsize": (7.0, 3.6),
    "figure.dpi": 80,
    "savefig.dpi": 80,
    "font.size": 11,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": mpl.cycler(color=["#0072B2", "#E69F00", "#009E73", "#D55E00",
                                         "#CC79A7", "#56B4E9", "#F0E442", "#000000"]),
    "legend.frameon": False,
    "lines.linewidth": 1.8,
}


def use_course_style() -> None:
    """Apply :data:`COURSE_STYLE` to matplotlib's global settings (call it once per notebook)."""
    plt.rcParams.update(COURSE_STYLE)


def log_or_linear(values) -> str:
    """``"log"`` when positive values span more than two decades, else ``"linear"``.

    ``values``: numbers of any shape (a curve, several curves); ``nan``, ``inf`` and values
    ``<= 0`` (which a log axis cannot show) are ignored, and none left means ``"linear"``.

    >>> log_or_linear([1.0, 0.5, 0.001]), log_or_linear([1.0, 0.5])
    ('log', 'linear')
    """
    v = check_array("values", values, dtype=None, finite=False, nonempty=False)
    if v.dtype.kind == "b":
        raise TypeError("values must be numbers, got booleans")
    v = v.astype(float)
    v = v[np.isfinite(v) & (v > 0)]
    if v.size == 0:
        return "linear"
    return "log" if v.max() / 100 > v.min() else "linear"
