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
    default = ParabolaDemo()
    assert default.controls["learning_rate"].value == 0.1 and default.steps == 20


def test_the_demo_is_built_as_notebook_00_describes_it():
    # The slider: a log slider over 10**-2 .. 10**0.3 (about 2, where w^2 diverges), steps of
    # 10**0.05, updating while dragged, its description shown whole.
    demo = ParabolaDemo(learning_rate=0.1, steps=20)
    s = demo.controls["learning_rate"]
    assert (s.base, s.min, s.max, s.step, s.value) == (10, -2, 0.3, 0.05, 0.1)
    assert (s.description, s.readout_format, s.continuous_update) == ("learning rate", ".3f", True)
    assert s.style.description_width == "initial"
    assert (demo.ax_path.get_xlabel(), demo.ax_path.get_ylabel()) == ("w", "f(w) = w²")
    assert demo.ax_path.get_title() == "iterates on the curve"
    assert (demo.ax_loss.get_xlabel(), demo.ax_loss.get_yscale()) == ("step", "log")
    assert demo.ax_loss.get_title() == "loss per step" and demo.ax_loss.get_ylabel() == "f(w) (log scale)"
    # the grey parabola over [-2, 2], the path with markers, the loss curve with markers
    (parabola, path) = demo.ax_path.get_lines()
    np.testing.assert_allclose(parabola.get_xdata(), np.linspace(-2, 2, 200))
    np.testing.assert_allclose(parabola.get_ydata(), np.linspace(-2, 2, 200) ** 2)
    assert path is demo.path and path.get_marker() == "o" and demo.curve.get_marker() == "o"
    assert demo.live.animated == [demo.path, demo.curve]


def test_the_loss_axis_follows_the_curve_and_rescales_only_when_needed():
    demo = ParabolaDemo(learning_rate=0.25, steps=10)        # w_t = 0.5^t: loss 1 .. 0.25^10
    f = demo.frame
    assert demo.ax_loss.get_xlim() == (-0.5, 10.5)
    assert demo.ax_loss.get_ylim() == pytest.approx((f.loss.min() / 10, f.loss.max() * 10))
    np.testing.assert_array_equal(demo.curve.get_xdata(), np.arange(11))
    limits = demo.ax_loss.get_ylim()
    demo.controls["learning_rate"].value = 0.2              # 0.6^t: inside the old limits -> kept
    assert demo.ax_loss.get_ylim() == limits
    demo.controls["learning_rate"].value = 1.5              # diverging: 4^t leaves them -> rescaled
    assert demo.ax_loss.get_ylim() == pytest.approx((1 / 10, 4.0**10 * 10))
    demo.controls["learning_rate"].value = 0.5              # w_1 = 0: a loss of 0 drawn at 1e-300
    assert demo.curve.get_ydata()[1] == 1e-300 and demo.frame.w[1] == 0.0
    assert demo.update() is demo.frame and demo.frame.status in demo.status.value
    assert "1a7f37" in demo.status.value                     # converging: green


def test_parabola_frame_defaults_bounds_and_messages():
    # mutation testing's survivors, each pinned: defaults 20 steps from w0 = 1
    f = parabola_frame(0.25)
    assert len(f.w) == 21 and f.w[0] == 1.0
    # lr = 1 bounces: w = +-1 forever, its loss 1, not ok
    f = parabola_frame(1.0, steps=3, w0=0.5)
    assert f.w.tolist() == [0.5, -0.5, 0.5, -0.5] and f.loss.tolist() == [0.25] * 4 and f.ok is False
    assert f.status == "bouncing between +w0 and -w0 forever (lr = 1)"
    # overflow at the last step (factor ~ -2e100: w_2 = 4e200, w_2^2 overflows): stops after step 1
    f = parabola_frame(1e100, steps=2)
    assert len(f.w) == 2 and f.status.endswith("; w² overflowed float64 after step 1, the path stops there")
    f = parabola_frame(1.5, steps=2)           # diverging without overflow: nothing appended
    assert f.status == "diverging: |w| grows by a factor of 2 per step" and f.ok is False
    assert len(parabola_frame(0.1, steps=1).w) == 2 and len(parabola_frame(0.1, steps=10_000).w) == 10_001
    assert parabola_frame(0.1, steps=2, w0=-1e6).w[0] == -1e6 and parabola_frame(0.1, w0=1e6).w[0] == 1e6
    for kwargs, message in [({"steps": 0}, "steps must be an integer >= 1 and <= 10000, got 0"),
                            ({"steps": 10_001}, "steps must be an integer >= 1 and <= 10000"),
                            ({"w0": 1e6 + 1}, "w0 must be a finite number >= -1000000.0 and <= 1000000.0"),
                            ({"w0": -2e6}, "w0 must be"), ({"learning_rate": 0.0}, "learning_rate must be")]:
        with pytest.raises(ValueError, match=f"^{message}"):
            parabola_frame(**{"learning_rate": 0.1, **kwargs})


def test_the_path_is_drawn_on_the_parabola_and_the_loss_axis_shrinks_back(monkeypatch):
    import course_lib.widgets._live as live

    demo = ParabolaDemo(learning_rate=0.3, steps=10)
    shown = []
    monkeypatch.setattr(live, "display", lambda obj, **kw: shown.append(obj))
    demo.show()                                                # the slider, the status, then the figure
    box, image = shown
    assert list(box.children) == [demo.controls["learning_rate"], demo.status] and image.data == demo.live.png
    w = 0.4 ** np.arange(11)                                  # w_t = (1 - 2 * 0.3)^t by hand
    np.testing.assert_allclose(demo.path.get_ydata(), w**2, rtol=1e-12)   # each iterate sits on f(w) = w^2
    demo.controls["learning_rate"].value = 1.5                # diverging: (-2)^t, pinned to |w| <= 2
    np.testing.assert_allclose(demo.path.get_ydata(), np.clip((-2.0) ** np.arange(11), -2, 2) ** 2)
    assert demo.ax_loss.get_ylim() == pytest.approx((0.1, 4.0**10 * 10))
    demo.controls["learning_rate"].value = 0.05               # 0.9^t: inside, but 1e4 times below the top
    assert demo.ax_loss.get_ylim() == pytest.approx((0.81**10 / 10, 10.0))   # -> rescaled to the curve


def test_demo_constructor_limits_and_defaults():
    demo = ParabolaDemo(learning_rate=0.01, steps=1)              # the slider's low end, one step
    assert demo.steps == 1 and len(demo.frame.w) == 2
    import warnings

    with warnings.catch_warnings():      # the slider's top rate for 10,000 steps: the loss overflows float64
        warnings.simplefilter("error")   # after ~320 steps; the loss axis stops at 1e250, without a warning
        demo = ParabolaDemo(learning_rate=10**0.3, steps=10_000)
    assert demo.frame.ok is False and "overflowed" in demo.frame.status and demo.ax_loss.get_ylim()[1] == 1e250
    for kwargs, word in [({"learning_rate": 0.0099}, "learning_rate"), ({"learning_rate": 1.996}, "learning_rate"),
                         ({"steps": 0}, "steps"), ({"steps": 10_001}, "steps")]:
        with pytest.raises(ValueError, match=rf"^{word} must be"):
            ParabolaDemo(**kwargs)


def test_lr_one_half_lands_on_the_minimum_without_oscillating():
    # factor 1 - 2 x 0.5 = 0: w jumps to 0 at once; a factor of 0 is not a sign change
    f = parabola_frame(0.5, steps=3)
    assert f.w.tolist() == [1.0, 0.0, 0.0, 0.0] and f.status == "converging: |w| shrinks by a factor of 0 per step"
