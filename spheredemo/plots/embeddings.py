"""Drawing learned embeddings: 2D features in the plane and on the unit circle, 3D features
on the unit sphere (matplotlib and plotly), pair-angle histograms, weight norms and biases.

Every function takes results from :mod:`spheredemo.analysis`, draws into ``ax`` (a new one
when None) and returns the artists it made, so tests and widgets can reach the drawn data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np

from spheredemo.analysis import Embeddings, PairAngles, unit
from spheredemo.geometry import sphere_grid
from spheredemo.plots.style import NEGATIVE_COLOR, POSITIVE_COLOR, UNIT_CIRCLE_COLOR, class_color

__all__ = [
    "FeatureArtists", "draw_features", "draw_circle_features", "draw_sphere_features",
    "draw_pair_histograms", "draw_weight_norms", "draw_biases", "sphere_figure", "angle_bars", "finish_angle_axes",
]


@dataclass
class FeatureArtists:
    """What a feature plot drew: one scatter per class, the weight arrows, the circle."""

    ax: plt.Axes
    scatters: list = field(default_factory=list)  # PathCollection per class, in class order
    arrows: list = field(default_factory=list)  # one FancyArrow / line per class weight
    circle: object = None  # the unit circle (2D) or sphere wireframe (3D), if drawn
    bias_text: object = None  # softmax bias annotation, if drawn
    labels: list = field(default_factory=list)  # each class's name beside its weight, if drawn (2D)


def _subsample(emb: Embeddings, max_points: int | None, seed: int = 0) -> np.ndarray:
    index = np.arange(len(emb.labels))
    if max_points is not None and len(index) > max_points:
        index = np.sort(np.random.default_rng(seed).choice(index, max_points, replace=False))
    return index


def _scatter_classes(ax, points, labels, classes, size, alpha, **kwargs):
    scatters = []
    for c in range(classes):
        mask = labels == c
        coords = points[mask].T if points.shape[1] == 3 else (points[mask, 0], points[mask, 1])
        scatters.append(ax.scatter(*coords, s=size, color=class_color(c), alpha=alpha, linewidths=0,
                                   label=str(c), rasterized=True, **kwargs))
    return scatters


def draw_features(emb: Embeddings, ax=None, max_points: int | None = 5000, size: float = 3,
                  alpha: float = 0.6, show_weights: bool = True, title: str | None = None) -> FeatureArtists:
    """2D features in the original space, with the class weights W_j drawn as arrows.

    The arrows are the head's weights scaled to the 90th percentile of the feature norm (their
    directions are what matters for the angular decision); softmax biases are listed.
    """
    if emb.dim != 2:
        raise ValueError(f"draw_features needs 2D embeddings, got dim={emb.dim}; use draw_sphere_features")
    ax = ax if ax is not None else plt.figure().add_subplot()
    index = _subsample(emb, max_points)
    art = FeatureArtists(ax)
    art.scatters = _scatter_classes(ax, emb.features[index], emb.labels[index], emb.n_classes, size, alpha)
    if show_weights:
        radius = float(np.percentile(np.linalg.norm(emb.features, axis=1), 90))
        for c, w in enumerate(emb.unit_weight * radius):
            art.arrows.append(ax.annotate("", xy=w, xytext=(0, 0), arrowprops=dict(
                arrowstyle="-|>", color=class_color(c), lw=2, mutation_scale=14, shrinkA=0, shrinkB=0,
                path_effects=None)))
    if emb.bias is not None:
        values = [f"{b:+.2f}" for b in emb.bias]
        text = "b = " + ",\n      ".join(", ".join(values[i:i + 5]) for i in range(0, len(values), 5))
        art.bias_text = ax.text(0.02, 0.02, text, transform=ax.transAxes, fontsize=7, va="bottom", wrap=True)
    ax.set_aspect("equal", adjustable="datalim")
    ax.axhline(0, color="0.85", lw=0.8, zorder=0)
    ax.axvline(0, color="0.85", lw=0.8, zorder=0)
    ax.set_xlabel("feature 1")
    ax.set_ylabel("feature 2")
    if title:
        ax.set_title(title)
    return art


def draw_circle_features(emb: Embeddings, ax=None, max_points: int | None = 5000, size: float = 4,
                         alpha: float = 0.5, jitter: float = 0.0, title: str | None = None,
                         weight_labels: bool = False) -> FeatureArtists:
    """2D features projected on the unit circle (x/‖x‖), with unit class weights W_j as arrows.

    Each class's points sit on radius 1 + small radial jitter (``jitter``, 0 to disable) so
    that overlapping classes stay visible; with the default 0 every point has norm 1. ``weight_labels`` writes
    each class's name just outside the circle in the direction of its weight, in its colour (a legend that
    sits where the class is), moved with the weight by :func:`weight_label_position`.
    """
    if emb.dim != 2:
        raise ValueError(f"draw_circle_features needs 2D embeddings, got dim={emb.dim}")
    ax = ax if ax is not None else plt.figure().add_subplot()
    index = _subsample(emb, max_points)
    points = emb.unit_features[index]
    if jitter:
        radii = 1.0 + jitter * (emb.labels[index] - (emb.n_classes - 1) / 2) / emb.n_classes
        points = points * radii[:, None]
    art = FeatureArtists(ax)
    t = np.linspace(0, 2 * np.pi, 361)
    (art.circle,) = ax.plot(np.cos(t), np.sin(t), color=UNIT_CIRCLE_COLOR, lw=0.8, zorder=0)
    art.scatters = _scatter_classes(ax, points, emb.labels[index], emb.n_classes, size, alpha)
    for c, w in enumerate(emb.unit_weight):
        art.arrows.append(ax.annotate("", xy=0.8 * w, xytext=(0, 0), arrowprops=dict(
            arrowstyle="-|>", color=class_color(c), lw=2, mutation_scale=14, shrinkA=0, shrinkB=0)))
        if weight_labels:
            art.labels.append(ax.text(*weight_label_position(w, jitter), str(c), color=class_color(c), ha="center",
                                      va="center", fontsize="small", fontweight="bold"))
    ax.set_aspect("equal")
    lim = 1.15 + jitter
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_xticks([-1, 0, 1])
    ax.set_yticks([-1, 0, 1])
    if title:
        ax.set_title(title)
    return art


def weight_label_position(unit_weight, jitter: float = 0.0) -> tuple[float, float]:
    """Where :func:`draw_circle_features` writes a class's name: just outside the circle (and its jitter), in the
    direction of its unit weight."""
    return tuple(float(v) for v in (1.08 + jitter) * np.asarray(unit_weight))


def _sphere_wire(ax, n: int = 24):
    grid = sphere_grid(n)  # (n, 2n, 3)
    return ax.plot_wireframe(grid[..., 0], grid[..., 1], grid[..., 2], color="0.85", linewidth=0.3, rstride=2,
                             cstride=2)


def draw_sphere_features(emb: Embeddings, ax=None, max_points: int | None = 3000, size: float = 3,
                         alpha: float = 0.6, title: str | None = None, elev: float = 20,
                         azim: float = 35) -> FeatureArtists:
    """3D features projected on the unit sphere (matplotlib 3D axes), with W_j as lines to the sphere."""
    if emb.dim != 3:
        raise ValueError(f"draw_sphere_features needs 3D embeddings, got dim={emb.dim}")
    ax = ax if ax is not None else plt.figure().add_subplot(projection="3d")
    index = _subsample(emb, max_points)
    art = FeatureArtists(ax)
    art.circle = _sphere_wire(ax)
    art.scatters = _scatter_classes(ax, emb.unit_features[index], emb.labels[index], emb.n_classes, size, alpha,
                                    depthshade=False)
    for c, w in enumerate(emb.unit_weight * 1.25):
        (line,) = ax.plot([0, w[0]], [0, w[1]], [0, w[2]], color=class_color(c), lw=2.5)
        art.arrows.append(line)
    ax.set_box_aspect((1, 1, 1))
    ax.view_init(elev=elev, azim=azim)
    ax.set_xlim(-1, 1)
    ax.set_ylim(-1, 1)
    ax.set_zlim(-1, 1)
    ax.set_xticks([-1, 0, 1])
    ax.set_yticks([-1, 0, 1])
    ax.set_zticks([-1, 0, 1])
    if title:
        ax.set_title(title)
    return art


@dataclass
class HistogramArtists:
    ax: plt.Axes
    positive: object  # the positive-pair bars (BarContainer)
    negative: object  # the negative-pair bars
    max_positive_line: object  # vertical line at the largest positive-pair angle
    min_negative_line: object  # vertical line at the smallest negative-pair angle


def angle_bars(ax, edges, positive_density, negative_density, positive_label: str, negative_label: str):
    """The two overlaid pair-angle histograms (same class / person dark, different orange) on ``edges`` (degrees)."""
    width = edges[1] - edges[0]
    positive = ax.bar(edges[:-1], positive_density, width=width, align="edge", color=POSITIVE_COLOR, alpha=0.75,
                      label=positive_label)
    negative = ax.bar(edges[:-1], negative_density, width=width, align="edge", color=NEGATIVE_COLOR, alpha=0.6,
                      label=negative_label)
    return positive, negative


def finish_angle_axes(ax, xlabel: str, title: str | None = None, legend: bool = True) -> None:
    """The 0..180° axis, labels, legend and title every pair-angle histogram shares."""
    ax.set_xlim(0, 180)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("density")
    if legend:
        ax.legend(loc="upper right", fontsize="small")
    if title:
        ax.set_title(title)


def draw_pair_histograms(pairs: PairAngles, ax=None, bins: int = 90, title: str | None = None) -> HistogramArtists:
    """Histograms of positive-pair and negative-pair angles (Fig. 5, bottom row), with the
    largest positive and the smallest negative angle marked."""
    ax = ax if ax is not None else plt.figure().add_subplot()
    edges, pos, neg = pairs.histograms(bins)
    a, b = pairs.classes
    positive, negative = angle_bars(ax, edges, pos, neg, f"positive pairs ({a}–{a}, {b}–{b})",
                                    f"negative pairs ({a}–{b})")
    max_line = ax.axvline(pairs.max_positive, color="k", lw=1.2, ls="--",
                          label=f"max positive {pairs.max_positive:.1f}°")
    min_line = ax.axvline(pairs.min_negative, color="k", lw=1.2, ls=":",
                          label=f"min negative {pairs.min_negative:.1f}°")
    finish_angle_axes(ax, "angle between the pair (degrees)", title)
    return HistogramArtists(ax, positive, negative, max_line, min_line)


def draw_weight_norms(class_counts, weight, ax=None, title: str | None = None):
    """‖W_i‖ against the class's training-sample count (Fig. 9); returns the scatter."""
    ax = ax if ax is not None else plt.figure().add_subplot()
    counts = np.asarray(class_counts)
    norms = np.linalg.norm(np.asarray(weight), axis=1)
    scatter = ax.scatter(counts, norms, c=[class_color(c) for c in range(len(counts))], s=60, zorder=3,
                         edgecolors="k", linewidths=0.5)
    for c, (n, w) in enumerate(zip(counts, norms)):
        ax.annotate(str(c), (n, w), textcoords="offset points", xytext=(5, 4), fontsize=8)
    ax.set_xscale("log")
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())  # major ticks only: no overlapping labels
    ax.set_xlabel("training samples of the class (log scale)")
    ax.set_ylabel("‖W_i‖")
    if title:
        ax.set_title(title)
    return scatter


def draw_biases(bias, ax=None, title: str | None = None):
    """The learned softmax biases b_i per class (Fig. 10); returns the bars."""
    ax = ax if ax is not None else plt.figure().add_subplot()
    bias = np.asarray(bias)
    bars = ax.bar(np.arange(len(bias)), bias, color=[class_color(c) for c in range(len(bias))],
                  edgecolor="k", linewidth=0.5)
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xticks(np.arange(len(bias)))
    ax.set_xlabel("class")
    ax.set_ylabel("bias b_i")
    if title:
        ax.set_title(title)
    return bars


def sphere_figure(emb: Embeddings, max_points: int | None = 3000, title: str | None = None):
    """A rotatable plotly view of 3D features on the unit sphere, with the class weights.

    Takes the same :class:`~spheredemo.analysis.Embeddings` as :func:`draw_sphere_features`.
    Traces: the sphere surface, one scatter per class (named by class), one line per weight.
    """
    import plotly.graph_objects as go

    if emb.dim != 3:
        raise ValueError(f"sphere_figure needs 3D embeddings, got dim={emb.dim}")
    index = _subsample(emb, max_points)
    points, labels = emb.unit_features[index], emb.labels[index]
    grid = sphere_grid(20)  # (20, 40, 3)
    fig = go.Figure()
    fig.add_trace(go.Surface(x=grid[..., 0], y=grid[..., 1], z=grid[..., 2], opacity=0.15,
                             showscale=False, colorscale=[[0, "#dddddd"], [1, "#dddddd"]], hoverinfo="skip",
                             name="unit sphere"))
    for c in range(emb.n_classes):
        p = points[labels == c]
        fig.add_trace(go.Scatter3d(x=p[:, 0], y=p[:, 1], z=p[:, 2], mode="markers", name=f"class {c}",
                                   marker=dict(size=2, color=class_color(c))))
    for c, w in enumerate(unit(emb.weight) * 1.25):
        fig.add_trace(go.Scatter3d(x=[0, w[0]], y=[0, w[1]], z=[0, w[2]], mode="lines", name=f"W_{c}",
                                   line=dict(color=class_color(c), width=6), showlegend=False))
    axis = dict(range=[-1.3, 1.3], showticklabels=False)  # a unit sphere: ticks say nothing, and got cut at the edge
    # the title at the left: plotly's toolbar, shown on hover at the top right, covered a centred one
    fig.update_layout(title=dict(text=title, x=0.02, xanchor="left"), scene=dict(aspectmode="cube", xaxis=axis, yaxis=axis, zaxis=axis),
                      margin=dict(l=0, r=0, t=40 if title else 0, b=0), legend=dict(itemsizing="constant"))
    return fig
