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
]

_NEITHER = "#d9d9d9"  # the sphere where neither constraint holds (the plane uses a lighter grey)
# plotly colorscale of the caps' labels 0 (neither), 1 and 2 (the classes), over cmin=0 .. cmax=2
_CAPS_COLORSCALE = [
    [0, _NEITHER],
    [0.33, _NEITHER],
    [0.34, class_color(0)],
    [0.66, class_color(0)],
    [0.67, class_color(1)],
    [1, class_color(1)],
]


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


def _caps_traces(points, labels, loss: str, weights) -> list:
    """One scene's traces: the sphere coloured by ``labels``, then the W1 and W2 lines."""
    import plotly.graph_objects as go

    surface = go.Surface(
        x=points[..., 0],
        y=points[..., 1],
        z=points[..., 2],
        surfacecolor=labels,
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
    return [surface, *arrows]


def sphere_caps_figure(
    theta12_deg=90.0, m=4, losses=("euclidean", "modified", "asoftmax"), euclidean_margin=0.3, n=60
):
    """Fig. 3, row 2: the caps of the unit sphere where each class's constraint holds (plotly).

    One 3D scene per loss; each scene has a surface whose ``surfacecolor`` is the label
    (0 neither, 1 class 1, 2 class 2) and the two weight vectors, θ12 = ``theta12_deg`` degrees
    apart, as lines. ``euclidean_margin`` is the distance d of the Euclidean loss.
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
        for trace in _caps_traces(points, labels, loss, weights):
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
            surface, *arrows = fig.data[3 * k : 3 * k + 3]
            surface.surfacecolor = caps[k]
            surface.name = loss
            for arrow, w in zip(arrows, weights):
                arrow.x, arrow.y, arrow.z = [0, 1.3 * w[0]], [0, 1.3 * w[1]], [0, 1.3 * w[2]]
            if k < len(fig.layout.annotations):  # the subplot titles
                fig.layout.annotations[k].text = _caps_title(loss)
