"""Constraint regions (Fig. 3): where each class's constraint holds, in the plane and on the sphere.

The labels come from :mod:`spheredemo.geometry` (:func:`~spheredemo.geometry.plane_region_labels`,
:func:`~spheredemo.geometry.sphere_region_labels`): 1 or 2 where that class's constraint holds,
0 where neither does (a margin, drawn grey), for W1, W2 θ12 apart (in degrees, ``theta12_deg``;
on the sphere on the equator). Besides the losses of Table 1, Fig. 3 shows ``euclidean``:
‖x − W1‖ + d < ‖x − W2‖, a margin d in distance (``euclidean_margin``). This module only draws.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import ListedColormap, to_rgba

from spheredemo.geometry import (
    LOSS_TITLES,
    VIEW_LIMIT,
    check_loss,
    class_weights,
    plane_region_labels,
    sphere_grid,
    sphere_region_labels,
)
from spheredemo.margins import check_m
from spheredemo.plots.boundaries import draw_weight_arrow
from spheredemo.plots.style import WEIGHT_COLOR, class_color

__all__ = [
    "draw_constraint_regions",
    "draw_sphere_regions",
    "sphere_caps_figure",
    "update_sphere_caps",
    "CAPS_SURFACE_VALUE",
]

_NEITHER = "#d9d9d9"  # the sphere where neither constraint holds (the plane uses a lighter grey)
# plotly colorscale of the caps over cmin=0 .. cmax=2, in the order class 1, neither, class 2: WebGL interpolates
# the value across each grid cell, so with "neither" in the middle an edge between class 2 and neither passes
# through no class-1 colour (labels 0, 1, 2 in that order outlined the orange cap in blue)
_CAPS_COLORSCALE = [
    [0, class_color(0)],
    [0.33, class_color(0)],
    [0.34, _NEITHER],
    [0.66, _NEITHER],
    [0.67, class_color(1)],
    [1, class_color(1)],
]
#: a label of sphere_region_labels (0 neither, 1, 2) -> its surfacecolor value in _CAPS_COLORSCALE's order
CAPS_SURFACE_VALUE = np.array([1, 0, 2])
#: traces per scene of sphere_caps_figure: the surface, W1 and W2, and the two exact cap boundaries
_TRACES_PER_SCENE = 5


def _loss_title(loss: str, m) -> str:
    return LOSS_TITLES[loss] + (f" (m = {check_m(m)})" if loss == "asoftmax" else "")


def _caps_title(loss: str) -> str:
    return LOSS_TITLES[loss] + ": class caps"


def draw_constraint_regions(
    loss="asoftmax", ax=None, theta12_deg=90.0, m=4, euclidean_margin=0.3, n=301
):
    """Fig. 3, row 1: where each class's constraint holds in the plane (grey: neither).

    ``theta12_deg``: θ12 in degrees; ``euclidean_margin``: the distance d of the Euclidean loss.
    Returns the AxesImage of the regions (its array holds the labels 0, 1, 2).
    """
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    labels = plane_region_labels(loss, theta12_deg, m, euclidean_margin, n)
    cmap = ListedColormap(["#e6e6e6", class_color(0), class_color(1)])
    image = ax.imshow(
        labels,
        origin="lower",
        extent=(-VIEW_LIMIT, VIEW_LIMIT, -VIEW_LIMIT, VIEW_LIMIT),
        cmap=cmap,
        vmin=0,
        vmax=2,
        alpha=0.45,
        interpolation="nearest",
    )
    for w in class_weights(theta12_deg):
        draw_weight_arrow(ax, tuple(w))
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.spines[:].set_visible(False)
    ax.set_title(_loss_title(loss, m))
    return image


def draw_sphere_regions(
    loss="asoftmax", ax=None, theta12_deg=90.0, m=4, euclidean_margin=0.3, n=60, elev=25.0, azim=90.0
):
    """Fig. 3, row 2, in matplotlib: the unit sphere coloured by the class whose constraint
    holds there (grey: neither), with W1 and W2 θ12 = ``theta12_deg`` degrees apart. Returns the
    surface (``.labels`` holds the (n, 2n) grid of labels it was coloured by)."""
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.figure().add_subplot(projection="3d")
    labels = sphere_region_labels(loss, theta12_deg, m, euclidean_margin, n)
    points = sphere_grid(n)
    palette = np.array([to_rgba(_NEITHER), to_rgba(class_color(0)), to_rgba(class_color(1))])
    surface = ax.plot_surface(
        points[..., 0],
        points[..., 1],
        points[..., 2],
        facecolors=palette[labels],
        rstride=1,
        cstride=1,
        linewidth=0,
        antialiased=False,
        shade=False,
    )
    surface.labels = labels
    _draw_sphere_weights(ax, class_weights(theta12_deg, dim=3))
    ax.set_box_aspect((1, 1, 1))
    ax.view_init(elev=elev, azim=azim)
    ax.set_xlim(1, -1)  # seen from +y, so flip x to keep W1 on the right as in the plane
    ax.set_ylim(-1, 1)
    ax.set_zlim(-1, 1)
    ax.set_axis_off()
    ax.set_title(_loss_title(loss, m) + ": on the sphere")
    return surface


def _draw_sphere_weights(ax, weights) -> None:
    """W1 and W2 as lines from the centre of a 3D axes, with their labels."""
    for i, w in enumerate(weights):
        ax.plot([0, 1.35 * w[0]], [0, 1.35 * w[1]], [0, 1.35 * w[2]], color=WEIGHT_COLOR, lw=2.5)
        ax.text(*(1.5 * w), f"$W_{i + 1}$", ha="center", fontsize="x-large")  # legible beside the sphere


def _cap_curves(loss: str, theta12_deg, m) -> list:
    """The two cap boundaries as (n, 3) points where they have a closed form (:func:`spheredemo.sphere_caps.
    cap_boundary`: A-Softmax, and the modified softmax as m = 1's great circle), just above the surface so that
    no grid cell hides them; two empty curves for the losses without one (softmax, Euclidean)."""
    from spheredemo.sphere_caps import cap_boundary

    if loss not in ("asoftmax", "modified"):
        return [np.zeros((0, 3)), np.zeros((0, 3))]
    m = check_m(m) if loss == "asoftmax" else 1
    return [1.004 * cap_boundary(theta12_deg, m, label, n=181) for label in (1, 2)]


def _off_the_poles(points, colatitude_rad: float = 1e-3) -> np.ndarray:
    """The sphere grid with its first and last rows moved 1e-3 rad off the poles: at a pole all 2n vertices of
    a row coincide, WebGL gets degenerate triangles without a normal and paints a white dot there."""
    points = np.array(points, dtype=float)
    u = np.linspace(0, 2 * np.pi, points.shape[1])
    for row, sign in ((0, 1.0), (-1, -1.0)):
        points[row] = np.stack([np.cos(u) * np.sin(colatitude_rad), np.sin(u) * np.sin(colatitude_rad),
                                np.full_like(u, sign * np.cos(colatitude_rad))], axis=-1)
    return points


def _caps_traces(points, labels, loss: str, weights, curves) -> list:
    """One scene's traces: the sphere coloured by ``labels``, the W1 and W2 lines, the two cap boundaries."""
    import plotly.graph_objects as go

    points = _off_the_poles(points)
    surface = go.Surface(
        x=points[..., 0],
        y=points[..., 1],
        z=points[..., 2],
        surfacecolor=CAPS_SURFACE_VALUE[labels],
        cmin=0,
        cmax=2,
        colorscale=_CAPS_COLORSCALE,
        showscale=False,
        name=loss,
        hoverinfo="skip",
        lighting=dict(ambient=0.85, diffuse=0.25, specular=0.05),
    )
    arrows = [
        go.Scatter3d(
            x=[0, 1.3 * w[0]],
            y=[0, 1.3 * w[1]],
            z=[0, 1.3 * w[2]],
            mode="lines+text",
            text=["", f"W{i + 1}"],
            line=dict(color=WEIGHT_COLOR, width=6),
            showlegend=False,
        )
        for i, w in enumerate(weights)
    ]
    boundaries = [
        go.Scatter3d(x=c[:, 0], y=c[:, 1], z=c[:, 2], mode="lines", line=dict(color=class_color(k), width=6),
                     hoverinfo="skip", showlegend=False, name=f"class {k + 1}'s cap boundary")
        for k, c in enumerate(curves)
    ]
    return [surface, *arrows, *boundaries]


def sphere_caps_figure(
    theta12_deg=90.0, m=4, losses=("euclidean", "modified", "asoftmax"), euclidean_margin=0.3, n=60
):
    """Fig. 3, row 2: the caps of the unit sphere where each class's constraint holds (plotly).

    One 3D scene per loss; each scene has a surface coloured by the label (its ``surfacecolor`` is
    ``CAPS_SURFACE_VALUE[label]``: 0 class 1, 1 neither, 2 class 2), the two weight vectors, θ12 =
    ``theta12_deg`` degrees apart, as lines, and the caps' exact boundaries as curves where they have a
    closed form (A-Softmax, modified softmax), which no grid step shows. ``euclidean_margin`` is the
    distance d of the Euclidean loss.
    """
    from plotly.subplots import make_subplots

    losses = tuple(check_loss(loss) for loss in losses)
    fig = make_subplots(
        rows=1,
        cols=len(losses),
        specs=[[{"type": "scene"}] * len(losses)],
        subplot_titles=[_caps_title(loss) for loss in losses],
    )
    points, weights = sphere_grid(n), class_weights(theta12_deg, dim=3)
    for col, loss in enumerate(losses, start=1):
        labels = sphere_region_labels(loss, theta12_deg, m, euclidean_margin, n)
        for trace in _caps_traces(points, labels, loss, weights, _cap_curves(loss, theta12_deg, m)):
            fig.add_trace(trace, row=1, col=col)
    axis = dict(visible=False, range=[-1.3, 1.3])
    # Look from the W1–W2 side of the sphere with +y up, so W1 is on the right as in the 2D picture.
    fig.update_scenes(
        xaxis=axis,
        yaxis=axis,
        zaxis=axis,
        aspectmode="cube",
        camera=dict(eye=dict(x=0.0, y=1.3, z=1.15), up=dict(x=0, y=1, z=0)),
    )
    fig.update_layout(margin=dict(l=0, r=0, t=30, b=0), height=360)
    fig.layout.meta = {"losses": list(losses), "n": n, "euclidean_margin": euclidean_margin}
    return fig


def update_sphere_caps(fig, theta12_deg=90.0, m=4, losses=None, b1=0.0, b2=0.0) -> None:
    """Move the caps and weights of a :func:`sphere_caps_figure` in place (works on a FigureWidget).

    ``theta12_deg``: θ12 in degrees; ``losses`` replaces the figure's losses (as many as it has
    scenes); ``b1``, ``b2`` are the softmax biases (used by a softmax scene only).
    """
    meta = dict(fig.layout.meta)
    if losses is not None:
        losses = tuple(check_loss(loss) for loss in losses)
        if len(losses) != len(meta["losses"]):
            raise ValueError(
                f"this figure has {len(meta['losses'])} scenes, got {len(losses)} losses"
            )
        meta["losses"] = list(losses)
    weights = class_weights(theta12_deg, dim=3)
    caps = [
        sphere_region_labels(loss, theta12_deg, m, meta["euclidean_margin"], meta["n"], b1, b2)
        for loss in meta["losses"]
    ]
    with fig.batch_update():
        fig.layout.meta = meta
        for k, loss in enumerate(meta["losses"]):
            surface, *arrows, b1_curve, b2_curve = fig.data[_TRACES_PER_SCENE * k : _TRACES_PER_SCENE * (k + 1)]
            surface.surfacecolor = CAPS_SURFACE_VALUE[caps[k]]
            surface.name = loss
            for arrow, w in zip(arrows, weights):
                arrow.x, arrow.y, arrow.z = [0, 1.3 * w[0]], [0, 1.3 * w[1]], [0, 1.3 * w[2]]
            for trace, curve in zip((b1_curve, b2_curve), _cap_curves(loss, theta12_deg, m)):
                trace.x, trace.y, trace.z = curve[:, 0], curve[:, 1], curve[:, 2]
            if k < len(fig.layout.annotations):  # the subplot titles
                fig.layout.annotations[k].text = _caps_title(loss)
