"""ψ curves, the annealed target, the λ schedule and the effective margin drawn (margins.effective_margin itself
is tested in test_margins.py)."""

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

from spheredemo.margins import LambdaSchedule, annealed_target, effective_margin, psi
from spheredemo.plots.psi import (
    LAMBDA_LINE_LABEL,
    THETA_DEG,
    PsiDisplay,
    draw_annealed,
    draw_lambda_schedule,
    draw_psi,
    nominal_boundary_text,
    psi_curves,
)

matplotlib.use("Agg")


def test_psi_curves():
    curves = psi_curves((1, 2, 3, 4))
    np.testing.assert_allclose(curves[1], np.cos(np.radians(THETA_DEG)))
    for m, values in curves.items():
        assert values[0] == pytest.approx(1.0) and values[-1] == pytest.approx(1 - 2 * m)
        assert np.all(np.diff(values) <= 1e-12)  # decreasing
        assert np.max(np.abs(np.diff(values))) < 0.2  # continuous on a half-degree grid


def test_draw_functions_return_their_lines():
    ax = Figure().add_subplot()
    lines = draw_psi((1, 4), ax)
    np.testing.assert_allclose(lines[4].get_ydata(), psi(np.radians(THETA_DEG), 4))
    np.testing.assert_allclose(lines["cos"].get_ydata(), np.cos(np.radians(THETA_DEG)))
    lines = draw_annealed(4, (0.0, 5.0), Figure().add_subplot())
    np.testing.assert_allclose(
        lines[5.0].get_ydata(), annealed_target(np.cos(np.radians(THETA_DEG)), 4, 5.0)
    )
    schedule = LambdaSchedule()
    line = draw_lambda_schedule(schedule, 100, Figure().add_subplot())
    assert line.get_ydata()[50] == pytest.approx(schedule(50))


def test_display_updates_in_place():
    fig = Figure()
    display = PsiDisplay(m=4, lam=5.0, theta12_deg=36).plot(fig.subplots(1, 2))
    blend = display.blend_line
    display.update(m=3, lam=1.0, theta12_deg=90, schedule=LambdaSchedule(100.0, 0.5, 1.0, 2.0))
    assert display.blend_line is blend
    cos = np.cos(np.radians(THETA_DEG))
    np.testing.assert_allclose(blend.get_ydata(), annealed_target(cos, 3, 1.0))
    assert display.boundary_line.get_xdata()[0] == pytest.approx(
        effective_margin(3, 1.0, 90).theta1
    )
    assert display.schedule_line.get_ydata()[10] == pytest.approx(
        LambdaSchedule(100.0, 0.5, 1.0, 2.0)(10)
    )
    x, _ = display.min_marker.get_data()
    assert x[0] == LambdaSchedule(100.0, 0.5, 1.0, 2.0).first_step_at_min()
    assert "m_eff ≈" in display.text.get_text()
    with pytest.raises(ValueError, match="m must be a positive integer"):
        display.update(m=0)
    assert display.settings["m"] == 3  # a refused update leaves the display as it was
    with pytest.raises(ValueError, match="looks like radians"):
        display.update(theta12_deg=0.6)
    assert display.settings["theta12_deg"] == 90
    # never reaches 0: said, not raised
    display.update(schedule=LambdaSchedule(lambda_min=0.0), lam=0.0)
    assert "not reached" in display.schedule_text.get_text()


def _pixels_near(fig, ax, color, tol=40) -> int:
    """How many pixels inside ``ax`` are within ``tol`` (per channel) of ``color``, after a full draw."""
    from matplotlib.colors import to_rgb

    fig.canvas.draw()
    rgba = np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(int)
    x0, y0, x1, y1 = (int(round(v)) for v in ax.get_window_extent().extents)
    height = rgba.shape[0]
    region = rgba[height - y1:height - y0, x0:x1]
    target = np.array(to_rgb(color)) * 255
    return int((np.abs(region - target) <= tol).all(axis=-1).sum())


def test_psi_stays_visible_under_the_blend_at_lambda_zero():
    """At λ = 0 the blend is ψ itself: ψ is drawn on top, dashed, over a translucent blend, so its red shows."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from spheredemo.plots.style import class_color

    fig = Figure(figsize=(10, 3.8), dpi=80)
    FigureCanvasAgg(fig)
    display = PsiDisplay(m=4, lam=0.0, theta12_deg=36).plot(fig.subplots(1, 2))
    np.testing.assert_allclose(display.blend_line.get_ydata(), display.psi_line.get_ydata(), atol=1e-12)  # one curve
    assert display.psi_line.get_zorder() > display.blend_line.get_zorder()
    assert display.psi_line.get_linestyle() == "--" and display.blend_line.get_alpha() < 1
    display.legends[0].set_visible(False)  # count the curve's red, not the legend's sample
    red = _pixels_near(fig, display.axes[0], class_color(2))
    assert red > 150, red  # about 240; hidden under the old opaque blend it was 0
    display.psi_line.set_visible(False)
    assert _pixels_near(fig, display.axes[0], class_color(2)) < red / 10


def test_the_lambda_line_is_in_the_schedule_legend():
    display = PsiDisplay(m=4, lam=5.0).plot(Figure().subplots(1, 2))
    legend = display.axes[1].get_legend()
    assert legend is not None and legend in display.legends
    labels = [t.get_text() for t in legend.get_texts()]
    assert LAMBDA_LINE_LABEL in labels and "λ(t) of the schedule" in labels
    assert display.lam_line.get_label() == LAMBDA_LINE_LABEL
    assert display.lam_line.get_ydata()[0] == pytest.approx(5.0)
    # the legends stay put and go over the moving lines that may cross them (opaque boxes pasted on top)
    assert display.overlay_artists == display.legends and not set(display.legends) & set(display.dynamic_artists)
    assert all(legend.get_frame().get_alpha() == 1.0 for legend in display.legends)


@pytest.mark.parametrize("m, lam, word", [(4, 0.0, "equal to"), (1, 5.0, "equal to"), (4, 5.0, "instead of"),
                                          (2, 1000.0, "instead of")])
def test_nominal_boundary_text(m, lam, word):
    r = effective_margin(m, lam, 36.0)
    assert nominal_boundary_text(r) == f"{word} θ12/(m+1) = {36 / (m + 1):.1f}°"
