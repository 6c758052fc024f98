"""Interactive widgets of the course (ipywidgets + matplotlib).

Every widget follows one pattern, so that it stays live and testable:

* a **pure function** computes what to draw from the control values (unit-tested, and timed
  by the benchmark script);
* the widget's callback calls it and updates the **existing** matplotlib artists in place
  (``line.set_data``), then refreshes the figure through :class:`LiveFigure`;
* the figure is an ordinary display output, so a stored notebook shows it as a static PNG
  to a reader without a kernel, and a live kernel replaces it in place on every change.
"""
from course_lib.widgets._live import LiveFigure, show_widget, status_text

__all__ = ["LiveFigure", "show_widget", "status_text"]
