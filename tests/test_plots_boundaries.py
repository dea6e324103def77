"""Table 1 drawing: the computed geometry follows the closed forms, the artists hold it."""

import math

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

from spheredemo.margins import psi_from_cos
from spheredemo.plots.boundaries import (
    binary_boundaries,
    bounds_text,
    boundary_slider_figure,
    draw_boundaries,
    region_labels,
)

matplotlib.use("Agg")


def polar_deg(xy):
    xy = np.atleast_2d(xy)
    return np.degrees(np.arctan2(xy[:, 1], xy[:, 0]))


def new_ax():
    return Figure().add_subplot()


@pytest.mark.parametrize("theta12", [20.0, 36.0, 90.0, 150.0, 180.0])
@pytest.mark.parametrize("m", [1, 2, 3, 4, 6])
def test_asoftmax_boundaries_and_margin(theta12, m):
    b = binary_boundaries(theta12, m, "asoftmax")
    assert np.linalg.norm(b.w1) == pytest.approx(1) and np.linalg.norm(b.w2) == pytest.approx(1)
    assert math.degrees(math.acos(np.clip(b.w1 @ b.w2, -1, 1))) == pytest.approx(theta12)
    phi1 = polar_deg(b.w1)[0]
    assert polar_deg(b.boundary1[1])[0] - phi1 == pytest.approx(theta12 / (m + 1))
    assert polar_deg(b.boundary2[1])[0] - phi1 == pytest.approx(m * theta12 / (m + 1))
    assert b.margin == pytest.approx((m - 1) / (m + 1) * theta12)
    if m == 1:
        assert len(b.wedge) == 0
    else:
        arc = b.wedge[1:]  # the wedge is the origin, then an arc of the unit circle
        np.testing.assert_allclose(b.wedge[0], [0, 0])
        np.testing.assert_allclose(np.linalg.norm(arc, axis=1), 1.0)
        angles = polar_deg(arc)
        assert angles.max() - angles.min() == pytest.approx(b.margin)
        assert f"{b.margin:.1f}°" in b.margin_text


@pytest.mark.parametrize("theta12", [20.0, 60.0, 90.0, 180.0])
@pytest.mark.parametrize("m", [2, 4, 6])
def test_boundary_text_states_where_the_drawn_rays_are(theta12, m):
    b = binary_boundaries(theta12, m, "asoftmax")
    phi1 = polar_deg(b.w1)[0]
    ray1, ray2 = (polar_deg(s[1])[0] - phi1 for s in (b.boundary1, b.boundary2))
    assert b.boundary_text == f"class 1's boundary at {ray1:.1f}° from W1, class 2's at {ray2:.1f}°"


def test_boundary_text_of_each_rule():
    assert binary_boundaries(90, 4).boundary_text == "class 1's boundary at 18.0° from W1, class 2's at 72.0°"
    assert binary_boundaries(90, 1).boundary_text == "one boundary, the bisector, at 45.0° from W1"
    assert binary_boundaries(90, 4, "modified").boundary_text == "one boundary, the bisector, at 45.0° from W1"
    assert binary_boundaries(90, 4, "softmax", b1=0.5).boundary_text == ""


def test_paper_margins_for_ten_classes():
    # PAPER.md: θ12 = 36° gives 12°, 18°, 21.6° for m = 2, 3, 4.
    assert [round(binary_boundaries(36, m).margin, 6) for m in (2, 3, 4)] == [12.0, 18.0, 21.6]


def test_modified_is_the_bisector_and_softmax_bias_shifts_it():
    b = binary_boundaries(60, rule="modified")
    normal = b.w1 - b.w2
    for point in b.boundary1:
        assert normal @ point == pytest.approx(0, abs=1e-12)
    assert b.margin == 0 and len(b.wedge) == 0
    s = binary_boundaries(60, rule="softmax", b1=0.3, b2=-0.1)
    for point in s.boundary1:
        assert normal @ point + 0.4 == pytest.approx(0, abs=1e-12)  # (W1 − W2)·x + b1 − b2 = 0
    # biases ignored
    assert binary_boundaries(60, rule="modified", b1=0.3).boundary1 == pytest.approx(b.boundary1)


def test_arc_labels_match_the_rule():
    b = binary_boundaries(90, 4, "asoftmax")
    phi1 = 90 - 45
    at = lambda angle: b.arc_labels[np.argmin(np.abs(b.arc_angles - angle))]  # noqa: E731
    assert at(phi1) == 1 and at(phi1 + 90) == 2
    assert at(phi1 + 45) == 0  # the bisector lies inside the margin
    assert at(phi1 + 90 / 5 - 1) == 1 and at(phi1 + 90 / 5 + 1) == 0


def test_region_labels_rules():
    w1, w2 = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    rng = np.random.default_rng(0)
    points = rng.normal(size=(2000, 2))
    x = points / np.linalg.norm(points, axis=1, keepdims=True)
    cos1, cos2 = x @ w1, x @ w2
    modified = region_labels(points, w1, w2, "modified")
    np.testing.assert_array_equal(modified, np.where(cos1 > cos2, 1, 2))
    np.testing.assert_array_equal(region_labels(points, w1, w2, "asoftmax", m=1), modified)
    a4 = region_labels(points, w1, w2, "asoftmax", m=4)
    np.testing.assert_array_equal(a4 == 1, psi_from_cos(cos1, 4) > cos2)
    # A-Softmax regions are smaller
    assert np.all(modified[a4 == 1] == 1) and np.all(modified[a4 == 2] == 2)
    assert (a4 == 0).sum() > 0
    euclid = region_labels(points, w1, w2, "euclidean", margin=0.3)
    d1, d2 = np.linalg.norm(points - w1, axis=1), np.linalg.norm(points - w2, axis=1)
    np.testing.assert_array_equal(euclid == 1, d1 + 0.3 < d2)
    soft = region_labels(points, w1, w2, "softmax", b1=0.5)
    np.testing.assert_array_equal(soft == 1, points @ w1 + 0.5 > points @ w2)
    assert region_labels(np.zeros((1, 2)), w1, w2, "asoftmax")[0] == 0  # the origin has no angle
    # 3D works
    assert region_labels(np.array([[1.0, 0, 0]]), [1.0, 0, 0], [0, 1.0, 0], "asoftmax")[0] == 1


def test_bad_input_messages():
    with pytest.raises(ValueError, match=r"theta12 .* \(0, 180\]"):
        binary_boundaries(0)
    with pytest.raises(ValueError, match="m must be a positive integer"):
        binary_boundaries(90, 2.5)
    with pytest.raises(ValueError, match="rule must be one of"):
        binary_boundaries(90, 4, "arcface")
    with pytest.raises(ValueError, match="rule must be one of"):
        region_labels(np.zeros((1, 2)), [1, 0], [0, 1], "cosface")


def test_bounds_text():
    assert bounds_text(3).splitlines()[0].startswith("✗") and bounds_text(3).splitlines()[
        1
    ].startswith("✓")
    assert bounds_text(4).count("✓") == 2
    assert "3.73" in bounds_text(1)


def test_display_draws_and_updates_in_place():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    ax = new_ax()
    display = draw_boundaries(ax, theta12=90, m=4)
    assert plt.get_fignums() == before  # drew into the given axes, no pyplot figure
    wedge, arrows, line1 = display.wedge, list(display.arrows), display.boundary_lines[0]
    display.update(m=2, theta12=60)
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
    display.update(rule="modified")
    assert not display.wedge.get_visible()
    assert set(display.dynamic_artists) >= {display.wedge, *display.arrows, display.margin_label}


def test_boundary_slider_figure_frames():
    fig = boundary_slider_figure(90, range(1, 7))
    assert [f.name for f in fig.frames] == [str(m) for m in range(1, 7)]
    for m, frame in zip(range(1, 7), fig.frames):
        texts = [a.text for a in frame.layout.annotations if a.text and "margin" in a.text]
        assert texts == [f"m = {m}: " + binary_boundaries(90, m).margin_text]
    assert [s.label for s in fig.layout.sliders[0].steps] == [str(m) for m in range(1, 7)]
