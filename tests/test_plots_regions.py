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
    points = np.stack([x, y, z], -1)
    w1 = np.array([math.cos(math.radians(45)), math.sin(math.radians(45)), 0])
    w2 = np.array([-w1[0], w1[1], 0])
    np.testing.assert_array_equal(
        caps == 1, psi_from_cos(np.clip(points @ w1, -1, 1), 4) > points @ w2
    )
    update_sphere_caps(fig, 90, 1)
    np.testing.assert_array_equal(
        np.asarray(fig.data[6].surfacecolor), np.asarray(fig.data[3].surfacecolor)
    )
    update_sphere_caps(fig, 60, 4, losses=("softmax", "modified", "asoftmax"), b1=0.2)
    assert fig.data[0].name == "softmax" and fig.layout.annotations[0].text.startswith("softmax")
    np.testing.assert_array_equal(
        np.asarray(fig.data[0].surfacecolor), sphere_region_labels("softmax", 60, 4, n=20, b1=0.2)
    )
    with pytest.raises(ValueError, match="3 scenes, got 1 losses"):
        update_sphere_caps(fig, 60, 4, losses=("softmax",))
    with pytest.raises(ValueError, match="looks like radians"):
        update_sphere_caps(fig, 0.5, 4)
