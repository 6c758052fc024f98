"""The display half of every widget: one figure, shown once, redrawn in place, fast."""
from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Image, display
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image as PILImage


class LiveFigure:
    """Show a matplotlib figure as an ordinary output and redraw it in place on demand.

    The figure is rendered to a PNG with the Agg renderer and displayed with a display id:
    the stored notebook keeps that PNG (a reader without a kernel sees the figure), and
    :meth:`refresh` replaces it where it is (``update_display_data``) instead of adding copies.

    Speed comes from blitting: the artists listed as ``animated`` (the lines a slider moves)
    are left out of the full draw; the rest (axes, ticks, labels, static curves) is drawn once
    and kept as a background bitmap, and a refresh only pastes the background and draws the
    animated artists on it. When a change moves axis limits or static content, call
    ``refresh(full=True)`` to redraw the background too.
    """

    def __init__(self, fig: plt.Figure, animated: Iterable[Artist] = ()):
        if not isinstance(fig, Figure):
            raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
        if isinstance(animated, (str, bytes)) or not isinstance(animated, Iterable):
            raise TypeError(f"animated must be an iterable of matplotlib artists, got {type(animated).__name__}")
        animated = list(animated)
        wrong = [type(a).__name__ for a in animated if not isinstance(a, Artist) or a.figure is not fig]
        if wrong:
            raise ValueError(f"animated must hold artists of this figure, got {', '.join(wrong)}")
        plt.close(fig)  # the inline backend must not show it again at the end of the cell
        self.fig = fig
        self.canvas = FigureCanvasAgg(fig)
        self.animated = list(animated)
        for artist in self.animated:
            artist.set_animated(True)
        self._background: Any = None
        self._handle: Any = None
        self.png = b""

    def show(self) -> None:
        """Display the current figure where the cell's output is (call it once)."""
        if not self.png:
            self.refresh(full=True)
        self._handle = display(Image(data=self.png, format="png"), display_id=True)

    def refresh(self, full: bool = False) -> bytes:
        """Re-render after the artists changed; ``full`` also redraws the background."""
        if not isinstance(full, (bool, np.bool_)):
            raise TypeError(f"full must be True or False, got {full!r}")
        if full or self._background is None:
            self.canvas.draw()
            self._background = self.canvas.copy_from_bbox(self.fig.bbox)
        else:
            self.canvas.restore_region(self._background)
        renderer = self.canvas.get_renderer()
        for artist in self.animated:
            if artist.get_visible():
                artist.draw(renderer)
        buffer = io.BytesIO()
        PILImage.fromarray(np.asarray(self.canvas.buffer_rgba())).save(buffer, "png", compress_level=1)
        self.png = buffer.getvalue()
        if self._handle is not None:
            self._handle.update(Image(data=self.png, format="png"))
        return self.png


def show_widget(controls: widgets.Widget, status: widgets.HTML, live: LiveFigure) -> None:
    """What every widget's ``show()`` does: the controls, the status line under them, the figure."""
    for name, value, kind in [("controls", controls, widgets.Widget), ("status", status, widgets.HTML),
                              ("live", live, LiveFigure)]:
        if not isinstance(value, kind):
            raise TypeError(f"{name} must be a {kind.__name__}, got {type(value).__name__}")
    display(widgets.VBox([controls, status]))
    live.show()


def status_text(message: str, ok: bool = True) -> str:
    """HTML for a widget's status line (green when all is well, red when something went wrong).

    >>> status_text("converged", ok=True)
    '<span style="color:#1a7f37; font-weight:600">converged</span>'
    """
    if not isinstance(message, str):
        raise TypeError(f"message must be a str, got {type(message).__name__}")
    if not isinstance(ok, (bool, np.bool_)):
        raise TypeError(f"ok must be True or False, got {ok!r}")
    colour = "#1a7f37" if ok else "#b42318"
    return f'<span style="color:{colour}; font-weight:600">{message}</span>'
