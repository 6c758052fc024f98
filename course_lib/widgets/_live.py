"""The display half of every widget: one figure, shown once, redrawn in place."""
from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
from IPython.display import display


class LiveFigure:
    """Show a matplotlib figure as a normal output and redraw it in place on demand.

    With the inline backend a figure is a PNG; ``display(fig, display_id=True)`` stores that
    PNG in the notebook (a reader without a kernel sees it), and ``refresh()`` sends the new
    PNG to the same output (``update_display_data``), so the picture changes where it is
    instead of piling up copies. Outside a notebook ``refresh()`` just draws the canvas.
    """

    def __init__(self, fig: plt.Figure):
        self.fig = fig
        self._handle: Any = None
        plt.close(fig)  # the inline backend must not show it a second time at the cell's end

    def show(self) -> None:
        """Display the figure (once) where the cell's output is."""
        self._handle = display(self.fig, display_id=True)

    def refresh(self) -> None:
        """Re-render after the artists changed."""
        if self._handle is None:
            self.fig.canvas.draw()
        else:
            self._handle.update(self.fig)


def status_text(message: str, ok: bool = True) -> str:
    """HTML for a widget's status line (green when all is well, red when something went wrong)."""
    colour = "#1a7f37" if ok else "#b42318"
    return f'<span style="color:{colour}; font-weight:600">{message}</span>'
