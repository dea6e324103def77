"""Fig. 3 drawing: the constraint regions in the plane and the caps on the sphere hold the labels
(computed by spheredemo.geometry, tested in test_geometry.py)."""

import math

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

from spheredemo.geometry import plane_region_labels, sphere_region_labels
from spheredemo.margins import psi_from_cos
from spheredemo.plots.regions import (
    draw_constraint_regions,
    draw_sphere_regions,
    CAPS_SURFACE_VALUE,
    sphere_caps_figure,
    update_sphere_caps,
)

matplotlib.use("Agg")


def new_ax():
    return Figure().add_subplot()


def test_constraint_regions_image_holds_the_labels():
    ax = new_ax()
    image = draw_constraint_regions("asoftmax", ax, theta12_deg=90, m=4, n=51)
    labels = np.asarray(image.get_array())
    assert labels.shape == (51, 51) and set(np.unique(labels)) == {0, 1, 2}
    np.testing.assert_array_equal(labels, plane_region_labels("asoftmax", 90, 4, n=51))
    assert "A-Softmax" in ax.get_title()
    image = draw_constraint_regions("euclidean", new_ax(), theta12_deg=60, euclidean_margin=0.5, n=31)
    np.testing.assert_array_equal(
        np.asarray(image.get_array()), plane_region_labels("euclidean", 60, euclidean_margin=0.5, n=31)
    )


def test_sphere_regions_surface_holds_the_labels():
    ax = Figure().add_subplot(projection="3d")
    surface = draw_sphere_regions("modified", ax, theta12_deg=60, n=16)
    np.testing.assert_array_equal(surface.labels, sphere_region_labels("modified", 60, n=16))
    assert ax.get_title() == "modified softmax: on the sphere"


def test_sphere_caps_figure_and_update():
    fig = sphere_caps_figure(90, 4, n=20)
    surfaces = [t for t in fig.data if t.type == "surface"]
    assert len(surfaces) == 3 and [t.name for t in surfaces] == [
        "euclidean",
        "modified",
        "asoftmax",
    ]
    x, y, z = (np.asarray(getattr(surfaces[2], a)) for a in "xyz")
    np.testing.assert_allclose(x**2 + y**2 + z**2, 1.0)
    caps = np.asarray(surfaces[2].surfacecolor)
    assert set(np.unique(caps)) == {0, 1, 2}
    caps = np.array([1, 0, 2])[caps.astype(int)]  # back to the labels: surfacecolor is class 1, neither, class 2
    points = np.stack([x, y, z], -1)
    w1 = np.array([math.cos(math.radians(45)), math.sin(math.radians(45)), 0])
    w2 = np.array([-w1[0], w1[1], 0])
    np.testing.assert_array_equal(
        caps == 1, psi_from_cos(np.clip(points @ w1, -1, 1), 4) > points @ w2
    )
    update_sphere_caps(fig, 90, 1)
    scene = [k for k, t in enumerate(fig.data) if t.type == "surface"]
    assert scene == [0, 5, 10]  # each scene: the surface, W1, W2, the two cap boundaries
    np.testing.assert_array_equal(
        np.asarray(fig.data[10].surfacecolor), np.asarray(fig.data[5].surfacecolor)
    )
    update_sphere_caps(fig, 60, 4, losses=("softmax", "modified", "asoftmax"), b1=0.2)
    assert fig.data[0].name == "softmax" and fig.layout.annotations[0].text.startswith("softmax")
    np.testing.assert_array_equal(
        np.asarray(fig.data[0].surfacecolor),
        CAPS_SURFACE_VALUE[sphere_region_labels("softmax", 60, 4, n=20, b1=0.2)],
    )
    with pytest.raises(ValueError, match="3 scenes, got 1 losses"):
        update_sphere_caps(fig, 60, 4, losses=("softmax",))
    with pytest.raises(ValueError, match="looks like radians"):
        update_sphere_caps(fig, 0.5, 4)


def test_sphere_caps_draw_the_exact_cap_boundaries_at_every_setting():
    """The A-Softmax scene's two curves lie on m·θ1 = θ2 (class 1) and m·θ2 = θ1 (class 2), in the classes'
    colours, and follow an update; at θ12 = 10°, m = 6, where the caps are smaller than a grid cell, they are
    still there; the softmax scene (no closed form here) has none."""
    from spheredemo.plots.style import class_color

    fig = sphere_caps_figure(90, 4, losses=("softmax", "asoftmax"), n=20)
    for theta12, m in ((90, 4), (10, 6), (150, 2)):
        update_sphere_caps(fig, theta12, m)
        w1 = np.array([math.cos(math.radians(90 - theta12 / 2)), math.sin(math.radians(90 - theta12 / 2)), 0])
        w2 = np.array([-w1[0], w1[1], 0])
        assert len(fig.data[3].x) == 0 and len(fig.data[4].x) == 0  # softmax: the surface only
        for trace, (own, other), color in ((fig.data[8], (w1, w2), class_color(0)),
                                           (fig.data[9], (w2, w1), class_color(1))):
            points = np.column_stack([trace.x, trace.y, trace.z])
            points /= np.linalg.norm(points, axis=1, keepdims=True)
            t_own = np.degrees(np.arccos(np.clip(points @ own, -1, 1)))
            t_other = np.degrees(np.arccos(np.clip(points @ other, -1, 1)))
            assert len(points) > 100 and trace.line.color == color
            np.testing.assert_allclose(m * t_own, t_other, atol=1e-6)
