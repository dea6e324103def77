"""Table 1 drawing: the artists hold the geometry that spheredemo.geometry computes (tested in test_geometry.py)."""

import math

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

from spheredemo.geometry import binary_boundaries
from spheredemo.plots.boundaries import BoundaryDisplay, draw_boundaries, draw_weight_arrow

matplotlib.use("Agg")


def polar_deg(xy):
    xy = np.atleast_2d(xy)
    return np.degrees(np.arctan2(xy[:, 1], xy[:, 0]))


def new_ax():
    return Figure().add_subplot()


def test_display_draws_and_updates_in_place():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    ax = new_ax()
    display = draw_boundaries(ax, theta12_deg=90, m=4)
    assert plt.get_fignums() == before  # drew into the given axes, no pyplot figure
    wedge, arrows, line1 = display.wedge, list(display.arrows), display.boundary_lines[0]
    display.update(m=2, theta12_deg=60)
    assert (
        display.wedge is wedge and display.arrows == arrows and display.boundary_lines[0] is line1
    )
    angles = polar_deg(wedge.get_xy()[1:-1])  # the Polygon closes itself with the first vertex
    assert angles.max() - angles.min() == pytest.approx(60 / 3)
    assert np.asarray(arrows[0].xy) == pytest.approx(
        [math.cos(math.radians(60)), math.sin(math.radians(60))]
    )
    assert np.asarray(arrows[1].xy) == pytest.approx(
        [math.cos(math.radians(120)), math.sin(math.radians(120))]
    )
    assert display.margin_label.get_text() == "margin (m−1)/(m+1)·θ12 = 20.0°"
    x, y = line1.get_data()
    assert polar_deg([x[1], y[1]])[0] == pytest.approx(60 + 20)
    for label, arc in zip((1, 2), display.arcs):
        x, y = arc.get_data()
        ok = ~np.isnan(x)
        np.testing.assert_allclose(np.hypot(x[ok], y[ok]), 1.0)
    display.update(loss="modified")
    assert not display.wedge.get_visible()
    assert set(display.dynamic_artists) >= {display.wedge, *display.arrows, display.margin_label}


@pytest.mark.parametrize("loss, m, title", [("softmax", 4, "softmax, θ12 = 60°, b1 − b2 = +0.30"),
                                             ("modified", 4, "modified softmax, θ12 = 60°"),
                                             ("asoftmax", 3, "A-Softmax, θ12 = 60°, m = 3")])
def test_display_titles_and_bounds_follow_the_loss(loss, m, title):
    display = BoundaryDisplay(binary_boundaries(60, m, loss, b1=0.3)).plot(new_ax())
    assert display.ax.get_title() == title
    assert bool(display.bounds_label.get_text()) == (loss == "asoftmax")
    for arc in display.arcs:  # the arcs are the boundaries' winning_arc
        assert arc.get_xdata().shape == display.boundaries.arc_angles.shape


def test_weight_arrow_points_from_the_origin():
    ax = new_ax()
    arrow = draw_weight_arrow(ax, (0.6, 0.8))
    assert np.asarray(arrow.xy) == pytest.approx([0.6, 0.8]) and np.asarray(arrow.xyann) == pytest.approx([0, 0])
