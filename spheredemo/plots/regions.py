"""Constraint regions (Fig. 3): where each class's constraint holds, in the plane and on the sphere.

The two unit class weights W1, W2 are those of :mod:`spheredemo.plots.boundaries` (θ12 apart,
W1 at 90° − θ12/2, W2 at 90° + θ12/2; on the sphere they lie on the equator, z = 0). Every point
is labelled by :func:`~spheredemo.plots.boundaries.region_labels`: 1 or 2 where that class's
constraint holds, 0 where neither does (a margin, drawn grey). Besides the softmax rules of
Table 1, Fig. 3 shows ``euclidean``: ‖x − W1‖ + d < ‖x − W2‖, a margin d in distance.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.colors import ListedColormap, to_rgba

from spheredemo.margins import check_m
from spheredemo.plots.boundaries import (
    LIMIT,
    RULE_TITLES,
    _check_rule,
    _check_theta12,
    _direction,
    _weight_arrow,
    region_labels,
)
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


def _rule_title(rule: str, m) -> str:
    return RULE_TITLES[rule] + (f" (m = {check_m(m)})" if rule == "asoftmax" else "")


def draw_constraint_regions(rule="asoftmax", ax=None, theta12=90.0, m=4, margin=0.3, n=301):
    """Fig. 3, row 1: where each class's constraint holds in the plane (grey: neither).

    Returns the AxesImage of the regions (its array holds the labels 0, 1, 2).
    """
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    theta12 = _check_theta12(theta12)
    w1, w2 = _direction(90.0 - theta12 / 2), _direction(90.0 + theta12 / 2)
    grid = np.linspace(-LIMIT, LIMIT, n)
    xx, yy = np.meshgrid(grid, grid)
    labels = region_labels(np.stack([xx, yy], axis=-1), w1, w2, rule, m=m, margin=margin)
    cmap = ListedColormap(["#e6e6e6", class_color(0), class_color(1)])
    image = ax.imshow(
        labels,
        origin="lower",
        extent=(-LIMIT, LIMIT, -LIMIT, LIMIT),
        cmap=cmap,
        vmin=0,
        vmax=2,
        alpha=0.45,
        interpolation="nearest",
    )
    for w in (w1, w2):
        _weight_arrow(ax, tuple(w))
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.spines[:].set_visible(False)
    ax.set_title(_rule_title(rule, m))
    return image


def _sphere_grid(n: int = 60) -> np.ndarray:
    u, v = np.meshgrid(np.linspace(0, 2 * math.pi, 2 * n), np.linspace(0, math.pi, n))
    # (n, 2n, 3)
    return np.stack([np.cos(u) * np.sin(v), np.sin(u) * np.sin(v), np.cos(v)], axis=-1)


def _sphere_weights(theta12: float) -> tuple[np.ndarray, np.ndarray]:
    w1, w2 = _direction(90.0 - theta12 / 2), _direction(90.0 + theta12 / 2)
    return np.append(w1, 0.0), np.append(w2, 0.0)


def _caps(theta12, m, rule, margin, n, b1=0.0, b2=0.0) -> np.ndarray:
    points = _sphere_grid(n)
    return region_labels(
        points, *_sphere_weights(_check_theta12(theta12)), rule, m=m, b1=b1, b2=b2, margin=margin
    )


def draw_sphere_regions(
    rule="asoftmax", ax=None, theta12=90.0, m=4, margin=0.3, n=60, elev=25.0, azim=90.0
):
    """Fig. 3, row 2, in matplotlib: the unit sphere coloured by the class whose constraint
    holds there (grey: neither), with W1 and W2. Returns the surface (``.labels`` holds the
    (n, 2n) grid of labels it was coloured by)."""
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.figure().add_subplot(projection="3d")
    labels = _caps(theta12, m, rule, margin, n)
    points = _sphere_grid(n)
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
    for i, w in enumerate(_sphere_weights(_check_theta12(theta12))):
        ax.plot([0, 1.35 * w[0]], [0, 1.35 * w[1]], [0, 1.35 * w[2]], color=WEIGHT_COLOR, lw=2.5)
        ax.text(*(1.5 * w), f"$W_{i + 1}$", ha="center", fontsize=11)
    ax.set_box_aspect((1, 1, 1))
    ax.view_init(elev=elev, azim=azim)
    ax.set_xlim(1, -1)  # seen from +y, so flip x to keep W1 on the right as in the plane
    ax.set_ylim(-1, 1)
    ax.set_zlim(-1, 1)
    ax.set_axis_off()
    ax.set_title(_rule_title(rule, m) + ": on the sphere")
    return surface


def _caps_traces(points, labels, rule: str, weights) -> list:
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
        name=rule,
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
    theta12=90.0, m=4, rules=("euclidean", "modified", "asoftmax"), margin=0.3, n=60
):
    """Fig. 3, row 2: the caps of the unit sphere where each class's constraint holds (plotly).

    One 3D scene per rule; each scene has a surface whose ``surfacecolor`` is the label
    (0 neither, 1 class 1, 2 class 2) and the two weight vectors as lines.
    """
    from plotly.subplots import make_subplots

    rules = tuple(_check_rule(r) for r in rules)
    fig = make_subplots(
        rows=1,
        cols=len(rules),
        specs=[[{"type": "scene"}] * len(rules)],
        subplot_titles=[RULE_TITLES[r] + ": class caps" for r in rules],
    )
    points = _sphere_grid(n)
    for col, rule in enumerate(rules, start=1):
        labels = _caps(theta12, m, rule, margin, n)
        for trace in _caps_traces(points, labels, rule, _sphere_weights(_check_theta12(theta12))):
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
    fig.layout.meta = {"rules": list(rules), "n": n, "margin": margin}
    return fig


def update_sphere_caps(fig, theta12=90.0, m=4, rules=None, b1=0.0, b2=0.0) -> None:
    """Move the caps and weights of a :func:`sphere_caps_figure` in place (works on a FigureWidget).

    ``rules`` replaces the figure's rules (as many as it has scenes); ``b1``, ``b2`` are the
    softmax biases (used by a softmax scene only).
    """
    meta = dict(fig.layout.meta)
    if rules is not None:
        rules = tuple(_check_rule(r) for r in rules)
        if len(rules) != len(meta["rules"]):
            raise ValueError(f"this figure has {len(meta['rules'])} scenes, got {len(rules)} rules")
        meta["rules"] = list(rules)
    weights = _sphere_weights(_check_theta12(theta12))
    caps = [_caps(theta12, m, rule, meta["margin"], meta["n"], b1, b2) for rule in meta["rules"]]
    with fig.batch_update():
        fig.layout.meta = meta
        for k, rule in enumerate(meta["rules"]):
            surface, *arrows = fig.data[3 * k : 3 * k + 3]
            surface.surfacecolor = caps[k]
            surface.name = rule
            for arrow, w in zip(arrows, weights):
                arrow.x, arrow.y, arrow.z = [0, 1.3 * w[0]], [0, 1.3 * w[1]], [0, 1.3 * w[2]]
        for k, rule in enumerate(meta["rules"]):
            if k < len(fig.layout.annotations):  # the subplot titles
                fig.layout.annotations[k].text = RULE_TITLES[rule] + ": class caps"
