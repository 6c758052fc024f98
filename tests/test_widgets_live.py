"""The display half every widget shares (course_lib/widgets/_live.py): LiveFigure, show_widget, status_text.

Expected values come from the figure itself drawn the ordinary way (a full Agg draw), from the
PNG format's signature and from the documented HTML of a status line.
"""
import io

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image as PILImage

import course_lib.widgets._live as live
from course_lib.widgets._live import LiveFigure, show_widget, status_text


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(PILImage.open(io.BytesIO(png)).convert("RGBA"))


@pytest.fixture
def fig_line():
    fig, ax = plt.subplots(figsize=(2, 1.5), dpi=50)
    ax.set(xlim=(0, 1), ylim=(0, 1))
    (line,) = ax.plot([0, 1], [0, 1], lw=4, color="red")
    return fig, line


def test_refresh_draws_the_animated_artists_over_a_kept_background(fig_line):
    fig, line = fig_line
    lf = LiveFigure(fig, animated=[line])
    assert line.get_animated() and lf.animated == [line] and lf.png == b"" and lf.fig is fig
    png = lf.refresh()
    assert png is lf.png and png.startswith(b"\x89PNG\r\n\x1a\n")
    red = _pixels(png)[..., 0].astype(int) - _pixels(png)[..., 1]
    assert (red > 200).sum() > 50                       # the animated line is in the image
    line.set_ydata([1, 0])                              # moved: a blitted refresh shows the new line
    moved = _pixels(lf.refresh())
    assert not np.array_equal(moved, _pixels(png))
    line.set_visible(False)                             # a hidden artist is not drawn
    bare = _pixels(lf.refresh())
    assert ((bare[..., 0].astype(int) - bare[..., 1]) > 200).sum() == 0
    # the kept background is what a full draw gives without the line
    full = _pixels(lf.refresh(full=True))
    np.testing.assert_array_equal(full, bare)
    line.set_visible(True)
    line.set_ydata([0, 1])
    assert np.array_equal(_pixels(lf.refresh(full=np.bool_(True))), _pixels(png))


def test_refresh_reuses_the_background_until_asked_for_a_full_redraw(fig_line):
    fig, line = fig_line
    lf = LiveFigure(fig, animated=[line])
    lf.refresh()
    fig.axes[0].set_facecolor("blue")                   # a static change: invisible until full=True
    before = _pixels(lf.refresh())
    after = _pixels(lf.refresh(full=True))
    assert not np.array_equal(before, after)
    for bad in (1, None, "yes"):
        with pytest.raises(TypeError, match=r"^full must be True or False, got "):
            lf.refresh(full=bad)


def test_show_displays_once_and_refresh_updates_in_place(fig_line, monkeypatch):
    fig, line = fig_line
    shown, updates = [], []

    class Handle:
        def update(self, obj):
            updates.append(obj)

    def display(obj, display_id=None):
        shown.append((obj, display_id))
        return Handle()

    monkeypatch.setattr(live, "display", display)
    lf = LiveFigure(fig, animated=[line])
    lf.refresh()                                        # before show: nothing to update
    assert updates == []
    lf.show()
    ((image, display_id),) = shown
    assert display_id is True and image.data == lf.png and image.format == "png"
    line.set_ydata([0.5, 0.5])
    png = lf.refresh()
    ((new,),) = [(u,) for u in updates]
    assert new.data == png and new.format == "png"
    other = LiveFigure(plt.subplots()[0])               # show() on a never-refreshed figure renders it first
    other.show()
    assert shown[-1][0].data == other.png and other.png.startswith(b"\x89PNG")


def test_live_figure_refusals(fig_line):
    fig, line = fig_line
    _, other_ax = plt.subplots()
    (other_line,) = other_ax.plot([0, 1])
    for args, kind, text in [(("fig",), TypeError, r"^fig must be a matplotlib Figure, got str$"),
                             ((fig, "line"), TypeError, r"^animated must be an iterable of matplotlib artists, got str$"),
                             ((fig, b"x"), TypeError, r"^animated must be an iterable .*got bytes$"),
                             ((fig, 3), TypeError, r"^animated must be an iterable .*got int$"),
                             ((fig, [line, 3]), ValueError, r"^animated must hold artists of this figure, got int$"),
                             ((fig, [3, "a"]), ValueError, r"^animated must hold artists of this figure, got int, str$"),
                             ((fig, [other_line]), ValueError, r"^animated must hold artists of this figure, got Line2D$")]:
        with pytest.raises(kind, match=text):
            LiveFigure(*args)
    lf = LiveFigure(fig, animated=(a for a in [line]))    # any iterable: a generator is read once
    assert lf.animated == [line]
    plt.close("all")


def test_show_widget_displays_controls_status_then_figure(fig_line, monkeypatch):
    fig, line = fig_line
    shown = []
    monkeypatch.setattr(live, "display", lambda obj, **kw: shown.append(obj))
    lf, controls, status = LiveFigure(fig, [line]), widgets.IntSlider(), widgets.HTML("s")
    show_widget(controls, status, lf)
    box, image = shown
    assert isinstance(box, widgets.VBox) and list(box.children) == [controls, status] and image.data == lf.png
    for args, text in [(("c", status, lf), r"^controls must be a Widget, got str$"),
                       ((controls, "s", lf), r"^status must be a HTML, got str$"),
                       ((controls, status, fig), r"^live must be a LiveFigure, got Figure$")]:
        with pytest.raises(TypeError, match=text):
            show_widget(*args)


def test_status_text_colours_and_refusals():
    assert status_text("fine") == '<span style="color:#1a7f37; font-weight:600">fine</span>'
    assert status_text("bad", ok=False) == '<span style="color:#b42318; font-weight:600">bad</span>'
    assert status_text("np", ok=np.bool_(False)).startswith('<span style="color:#b42318')
    with pytest.raises(TypeError, match=r"^message must be a str, got int$"):
        status_text(3)
    with pytest.raises(TypeError, match=r"^ok must be True or False, got 1$"):
        status_text("x", ok=1)
