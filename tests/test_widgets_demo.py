"""The demo widget of notebook 00 and the LiveFigure pattern every widget shares."""
import numpy as np
import pytest

from course_lib.widgets.demo import ParabolaDemo, parabola_frame


@pytest.mark.parametrize("lr", [0.05, 0.3, 0.7, 0.99])
def test_frame_follows_the_closed_form(lr):
    frame = parabola_frame(lr, steps=15, w0=1.5)
    expected = 1.5 * (1 - 2 * lr) ** np.arange(16)   # w_t = w0 (1 - 2 lr)^t on f = w^2
    np.testing.assert_allclose(frame.w, expected, rtol=1e-12)
    np.testing.assert_allclose(frame.loss, expected**2, rtol=1e-12)
    assert frame.ok


@pytest.mark.parametrize("lr, word", [(1.0, "bouncing"), (1.2, "diverging"), (0.7, "oscillating")])
def test_status_names_what_happened(lr, word):
    assert word in parabola_frame(lr).status


@pytest.mark.parametrize("lr, words", [
    # |1 - 2 lr| by hand: 0.1 -> 0.8, 0.7 -> 0.4, 1.5 -> 2
    (0.1, "converging: |w| shrinks by a factor of 0.8 per step"),
    (0.7, "oscillating: |w| shrinks by a factor of 0.4 per step"),
    (1.5, "diverging: |w| grows by a factor of 2 per step")])
def test_status_gives_the_factor_per_step(lr, words):
    assert words in parabola_frame(lr).status


@pytest.mark.parametrize("bad", [0, -0.1, float("nan")])
def test_rejects_non_positive_learning_rate(bad):
    with pytest.raises(ValueError, match="learning_rate"):
        parabola_frame(bad)


def test_slider_redraws_in_place_and_extremes_still_draw():
    demo = ParabolaDemo(learning_rate=0.1)
    first = demo.live.png
    slider = demo.controls["learning_rate"]
    slider.value = 10 ** slider.max  # the largest value of a log slider (max is its exponent)
    assert "diverging" in demo.frame.status and "b42318" in demo.status.value
    xs, ys = demo.path.get_data()
    assert np.all(np.isfinite(xs)) and np.all(np.abs(xs) <= 2)  # pinned to the axes, still drawn
    assert demo.live.png != first and demo.live.png.startswith(b"\x89PNG")
    slider.value = 10 ** slider.min
    assert demo.frame.ok


def test_the_slider_sets_the_factor_per_step():
    # w_t = (1 - 2 lr)^t by hand: the slider's value is the rate itself (not its exponent)
    demo = ParabolaDemo(learning_rate=0.1, steps=6)
    for lr in (0.05, 0.3, 0.75, 1.5):
        demo.controls["learning_rate"].value = lr
        np.testing.assert_allclose(demo.frame.w, (1 - 2 * lr) ** np.arange(7), rtol=1e-12)
        np.testing.assert_allclose(demo.path.get_xdata(), np.clip((1 - 2 * lr) ** np.arange(7), -2, 2))
        np.testing.assert_allclose(demo.curve.get_ydata(), (1 - 2 * lr) ** (2 * np.arange(7)), rtol=1e-12)


def test_demo_bounds_and_refusals():
    with pytest.raises(ValueError, match="steps"):
        parabola_frame(0.1, steps=10**6)
    with pytest.raises(ValueError, match="learning_rate"):
        ParabolaDemo(learning_rate=5.0)       # beyond the slider's 10**0.3: it would be clamped
    f = parabola_frame(1e300, steps=5)      # w_1 = 2e300, whose square overflows: the path stops at w_0
    assert len(f.w) == 1 and np.all(np.isfinite(f.loss)) and "overflowed float64 after step 0" in f.status
    assert ParabolaDemo().controls["learning_rate"].value == 0.1
