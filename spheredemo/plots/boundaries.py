"""Binary decision boundaries (Table 1) and constraint regions (Fig. 3), from the closed forms.

Two unit class weights W1, W2 lie on the unit circle θ12 apart, W1 at 90° − θ12/2 and W2 at
90° + θ12/2 (so going from W1 towards W2 is counter-clockwise). The rules compared:

- ``softmax``: (W1 − W2)·x + b1 − b2 = 0, a line that the biases move off the origin;
- ``modified``: ‖x‖(cos θ1 − cos θ2) = 0, the bisector;
- ``asoftmax``: ‖x‖(cos mθ1 − cos θ2) = 0 for class 1 and ‖x‖(cos θ1 − cos mθ2) = 0 for class 2,
  rays at θ12/(m+1) and mθ12/(m+1) from W1; between them lies the margin (m−1)/(m+1)·θ12;
- ``euclidean`` (Fig. 3 only): ‖x − W1‖ + d < ‖x − W2‖, a margin d in distance.

The plain functions compute (:func:`binary_boundaries`, :func:`region_labels`); the rest draws.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from matplotlib import colors as matplotlib_colors
from matplotlib.patches import Polygon

from spheredemo.analysis import unit
from spheredemo.margins import (
    BINARY_M_BOUND,
    MULTICLASS_M_BOUND,
    angular_margin,
    boundary_angles,
    check_m,
    psi_from_cos,
    softmax_boundary,
)
from spheredemo.plots.style import MARGIN_COLOR, UNIT_CIRCLE_COLOR, WEIGHT_COLOR, class_color

__all__ = [
    "RULES",
    "BinaryBoundaries",
    "binary_boundaries",
    "region_labels",
    "bounds_text",
    "BoundaryDisplay",
    "draw_boundaries",
    "draw_constraint_regions",
    "sphere_caps_figure",
    "draw_sphere_regions",
    "update_sphere_caps",
    "boundary_slider_figure",
]

RULES = ("softmax", "modified", "asoftmax", "euclidean")
RULE_TITLES = {
    "softmax": "softmax",
    "modified": "modified softmax",
    "asoftmax": "A-Softmax",
    "euclidean": "Euclidean margin",
}
LIMIT = 1.45  # half-width of the square view around the unit circle
RAY = 1.35  # length drawn for the A-Softmax boundary rays


def _check_rule(rule: str, allowed=RULES) -> str:
    if rule not in allowed:
        raise ValueError(f"rule must be one of {allowed}, got {rule!r}")
    return rule


def _check_theta12(theta12) -> float:
    theta12 = float(theta12)
    if not 0 < theta12 <= 180:
        raise ValueError(
            f"theta12 (angle between W1 and W2) must lie in (0, 180] degrees, got {theta12!r}"
        )
    return theta12


def _direction(angle_deg) -> np.ndarray:
    a = np.radians(angle_deg)
    return np.stack([np.cos(a), np.sin(a)], axis=-1)


@dataclass
class BinaryBoundaries:
    """Everything Table 1 shows for one setting, in plain arrays (angles in degrees)."""

    theta12: float  # angle between W1 and W2
    m: int  # A-Softmax margin (used by the asoftmax rule only)
    rule: str  # softmax, modified or asoftmax
    b1: float  # softmax biases (softmax rule only)
    b2: float
    w1: np.ndarray  # (2,) unit weight of class 1
    w2: np.ndarray  # (2,) unit weight of class 2
    boundary1: np.ndarray  # (2, 2) segment: class 1's boundary
    # (2, 2) segment: class 2's boundary (the same line for one-boundary rules)
    boundary2: np.ndarray
    margin: float  # angular margin between the two boundaries, 0 without one
    wedge: np.ndarray  # (K, 2) polygon of the margin wedge on the unit disc; (0, 2) without one
    arc_angles: np.ndarray  # (n,) angles of a grid on the unit circle
    arc_labels: np.ndarray  # (n,) which class wins there (1, 2) or 0 inside a margin

    @property
    def margin_text(self) -> str:
        if self.rule == "asoftmax" and self.m > 1:
            return f"margin (m−1)/(m+1)·θ12 = {self.margin:.1f}°"
        return "margin = 0° (one shared boundary)"


def binary_boundaries(
    theta12=90.0, m=4, rule="asoftmax", b1=0.0, b2=0.0, n_arc=721
) -> BinaryBoundaries:
    """Compute the Table 1 picture for two unit weights ``theta12`` degrees apart."""
    theta12, m = _check_theta12(theta12), check_m(m)
    _check_rule(rule, RULES[:3])
    phi1 = 90.0 - theta12 / 2
    w1, w2 = _direction(phi1), _direction(phi1 + theta12)
    wedge = np.zeros((0, 2))
    if rule == "asoftmax":
        a1, a2 = (phi1 + a for a in boundary_angles(m, theta12))
        boundary1 = np.array([[0.0, 0.0], RAY * _direction(a1)])
        boundary2 = np.array([[0.0, 0.0], RAY * _direction(a2)])
        margin = float(angular_margin(m, theta12))
        if margin > 0:
            arc = _direction(np.linspace(a1, a2, max(2, int(margin) + 2)))
            wedge = np.vstack([[0.0, 0.0], arc])
    else:
        normal, offset = softmax_boundary(
            w1, w2, b1 if rule == "softmax" else 0.0, b2 if rule == "softmax" else 0.0
        )
        foot = -offset * normal / (normal @ normal)  # the point of the line nearest the origin
        along = np.array([-normal[1], normal[0]]) / np.linalg.norm(normal)
        boundary1 = boundary2 = np.array([foot - 3 * LIMIT * along, foot + 3 * LIMIT * along])
        margin = 0.0
    angles = np.linspace(0.0, 360.0, n_arc)
    labels = region_labels(_direction(angles), w1, w2, rule, m=m, b1=b1, b2=b2)
    return BinaryBoundaries(
        theta12=theta12,
        m=m,
        rule=rule,
        b1=float(b1),
        b2=float(b2),
        w1=w1,
        w2=w2,
        boundary1=boundary1,
        boundary2=boundary2,
        margin=margin,
        wedge=wedge,
        arc_angles=angles,
        arc_labels=labels,
    )


def region_labels(points, w1, w2, rule="asoftmax", m=4, b1=0.0, b2=0.0, margin=0.3) -> np.ndarray:
    """Which class's constraint a point satisfies: 1, 2, or 0 for neither (a margin), shape (...).

    ``points`` (..., D) with unit weights ``w1``, ``w2`` (D,). Class 1 wins where its training
    logit beats the other class's: softmax W1·x + b1 > W2·x + b2; modified cos θ1 > cos θ2;
    A-Softmax ψ(θ1) > cos θ2 (with ψ of paper Eq. 6); Euclidean ‖x − W1‖ + margin < ‖x − W2‖.
    """
    _check_rule(rule)
    points = np.asarray(points, dtype=np.float64)
    w1, w2 = unit(np.asarray(w1, dtype=np.float64)), unit(np.asarray(w2, dtype=np.float64))
    if rule == "softmax":
        f1, f2 = points @ w1 + b1, points @ w2 + b2
        return np.where(f1 > f2, 1, np.where(f2 > f1, 2, 0))
    if rule == "euclidean":
        d1 = np.linalg.norm(points - w1, axis=-1)
        d2 = np.linalg.norm(points - w2, axis=-1)
        return np.where(d1 + margin < d2, 1, np.where(d2 + margin < d1, 2, 0))
    x = unit(points)
    cos1, cos2 = np.clip(x @ w1, -1, 1), np.clip(x @ w2, -1, 1)
    defined = np.linalg.norm(points, axis=-1) > 0
    if rule == "modified":
        m = 1
    win1 = defined & (psi_from_cos(cos1, m) > cos2)
    win2 = defined & (psi_from_cos(cos2, m) > cos1)
    return np.where(win1, 1, np.where(win2, 2, 0))


def bounds_text(m) -> str:
    """Where m stands against Property 2 (binary, m ≥ 2+√3) and Property 3 (multi-class, m ≥ 3)."""
    m = check_m(m)
    binary = "✓" if m >= BINARY_M_BOUND else "✗"
    multi = "✓" if m >= MULTICLASS_M_BOUND else "✗"
    return (
        f"{binary} m ≥ 2+√3 ≈ {BINARY_M_BOUND:.2f} (binary, Property 2)\n"
        f"{multi} m ≥ {MULTICLASS_M_BOUND} (multi-class, Property 3)"
    )


def _masked_arc(b: BinaryBoundaries, label: int) -> tuple[np.ndarray, np.ndarray]:
    xy = _direction(np.where(b.arc_labels == label, b.arc_angles, np.nan))
    return xy[:, 0], xy[:, 1]


class BoundaryDisplay:
    """Table 1 on the unit circle: W1, W2, boundaries, the margin wedge and its width.

    ``BoundaryDisplay(binary_boundaries(...)).plot(ax)`` draws once and keeps the artists;
    :meth:`update` recomputes and moves them in place (``set_data``, ``set_xy``, ``set_text``).
    """

    def __init__(self, boundaries: BinaryBoundaries):
        self.boundaries = boundaries
        self.ax = None

    def plot(self, ax=None) -> BoundaryDisplay:
        if ax is None:
            import matplotlib.pyplot as plt

            ax = plt.gca()
        self.ax = ax
        t = np.linspace(0, 2 * math.pi, 361)
        ax.plot(np.cos(t), np.sin(t), color=UNIT_CIRCLE_COLOR, lw=0.8)
        self.arcs = [
            ax.plot(
                [],
                [],
                color=class_color(i),
                lw=5,
                solid_capstyle="butt",
                label=f"class {i + 1} wins",
            )[0]
            for i in range(2)
        ]
        self.wedge = ax.add_patch(
            Polygon(
                np.zeros((3, 2)), closed=True, color=MARGIN_COLOR, alpha=0.35, lw=0, label="margin"
            )
        )
        self.boundary_lines = [
            ax.plot([], [], color=class_color(i), lw=2, ls="--")[0] for i in range(2)
        ]
        self.arrows = [
            ax.annotate(
                "",
                xy=(1, 0),
                xytext=(0, 0),
                arrowprops=dict(arrowstyle="-|>", color=WEIGHT_COLOR, lw=2, shrinkA=0, shrinkB=0),
            )
            for _ in range(2)
        ]
        self.weight_labels = [
            ax.text(0, 0, f"$W_{i + 1}$", ha="center", va="center", fontsize=12) for i in range(2)
        ]
        self.margin_label = ax.text(0.5, 0.04, "", transform=ax.transAxes, ha="center", fontsize=12)
        self.bounds_label = ax.text(
            0.02, 0.98, "", transform=ax.transAxes, ha="left", va="top", fontsize=8, linespacing=1.4
        )
        ax.set_xlim(-LIMIT, LIMIT)
        ax.set_ylim(-LIMIT, LIMIT)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.spines[:].set_visible(False)  # the circle is the frame
        self._refresh()
        return self

    @property
    def dynamic_artists(self) -> list:
        """The artists :meth:`update` moves (for blitting: everything else stays put)."""
        return [
            *self.arcs,
            self.wedge,
            *self.boundary_lines,
            *self.arrows,
            *self.weight_labels,
            self.margin_label,
            self.bounds_label,
            self.ax.title,
        ]

    def update(self, **changes) -> BoundaryDisplay:
        """Recompute with ``changes`` (theta12, m, rule, b1, b2) and move the drawn artists."""
        b = self.boundaries
        settings = dict(theta12=b.theta12, m=b.m, rule=b.rule, b1=b.b1, b2=b.b2)
        settings.update(changes)
        self.boundaries = binary_boundaries(**settings)
        if self.ax is not None:
            self._refresh()
        return self

    def _refresh(self) -> None:
        b = self.boundaries
        for label, line in enumerate(self.arcs, start=1):
            line.set_data(*_masked_arc(b, label))
        self.wedge.set_xy(b.wedge if len(b.wedge) else np.zeros((3, 2)))
        self.wedge.set_visible(len(b.wedge) > 0)
        for line, segment in zip(self.boundary_lines, (b.boundary1, b.boundary2)):
            line.set_data(segment[:, 0], segment[:, 1])
        for arrow, text, w in zip(self.arrows, self.weight_labels, (b.w1, b.w2)):
            arrow.xy = tuple(w)
            text.set_position(tuple(1.15 * w))
        self.margin_label.set_text(b.margin_text)
        self.bounds_label.set_text(bounds_text(b.m) if b.rule == "asoftmax" else "")
        self.ax.set_title(
            f"{RULE_TITLES[b.rule]}, θ12 = {b.theta12:.0f}°"
            + (f", m = {b.m}" if b.rule == "asoftmax" else "")
            + (f", b1 − b2 = {b.b1 - b.b2:+.2f}" if b.rule == "softmax" else "")
        )


def draw_boundaries(ax=None, theta12=90.0, m=4, rule="asoftmax", b1=0.0, b2=0.0) -> BoundaryDisplay:
    """Draw Table 1's picture for one setting; returns the :class:`BoundaryDisplay`."""
    return BoundaryDisplay(binary_boundaries(theta12, m, rule, b1, b2)).plot(ax)


def draw_constraint_regions(rule="asoftmax", ax=None, theta12=90.0, m=4, margin=0.3, n=301):
    """Fig. 3, row 1: where each class's constraint holds in the plane (grey: neither).

    Returns the AxesImage of the regions (its array holds the labels 0, 1, 2).
    """
    from matplotlib.colors import ListedColormap

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
        ax.annotate(
            "",
            xy=tuple(w),
            xytext=(0, 0),
            arrowprops=dict(arrowstyle="-|>", color=WEIGHT_COLOR, lw=2, shrinkA=0, shrinkB=0),
        )
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.spines[:].set_visible(False)
    ax.set_title(RULE_TITLES[rule] + (f" (m = {check_m(m)})" if rule == "asoftmax" else ""))
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


def draw_sphere_regions(rule="asoftmax", ax=None, theta12=90.0, m=4, margin=0.3, n=60,
                        elev=25.0, azim=90.0):
    """Fig. 3, row 2, in matplotlib: the unit sphere coloured by the class whose constraint
    holds there (grey: neither), with W1 and W2. Returns the surface (``.labels`` holds the
    (n, 2n) grid of labels it was coloured by)."""
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.figure().add_subplot(projection="3d")
    labels = _caps(theta12, m, rule, margin, n)
    points = _sphere_grid(n)
    palette = np.array([matplotlib_colors.to_rgba("#d9d9d9"), matplotlib_colors.to_rgba(class_color(0)),
                        matplotlib_colors.to_rgba(class_color(1))])
    surface = ax.plot_surface(points[..., 0], points[..., 1], points[..., 2], facecolors=palette[labels],
                              rstride=1, cstride=1, linewidth=0, antialiased=False, shade=False)
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
    ax.set_title(RULE_TITLES[rule] + (f" (m = {check_m(m)})" if rule == "asoftmax" else "") + ": on the sphere")
    return surface


def sphere_caps_figure(
    theta12=90.0, m=4, rules=("euclidean", "modified", "asoftmax"), margin=0.3, n=60
):
    """Fig. 3, row 2: the caps of the unit sphere where each class's constraint holds (plotly).

    One 3D scene per rule; each scene has a surface whose ``surfacecolor`` is the label
    (0 neither, 1 class 1, 2 class 2) and the two weight vectors as lines.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    rules = tuple(_check_rule(r) for r in rules)
    fig = make_subplots(
        rows=1,
        cols=len(rules),
        specs=[[{"type": "scene"}] * len(rules)],
        subplot_titles=[RULE_TITLES[r] + ": class caps" for r in rules],
    )
    points = _sphere_grid(n)
    colorscale = [
        [0, "#d9d9d9"],
        [0.33, "#d9d9d9"],
        [0.34, class_color(0)],
        [0.66, class_color(0)],
        [0.67, class_color(1)],
        [1, class_color(1)],
    ]
    for col, rule in enumerate(rules, start=1):
        fig.add_trace(
            go.Surface(
                x=points[..., 0],
                y=points[..., 1],
                z=points[..., 2],
                surfacecolor=_caps(theta12, m, rule, margin, n),
                cmin=0,
                cmax=2,
                colorscale=colorscale,
                showscale=False,
                name=rule,
                hoverinfo="skip",
                lighting=dict(ambient=0.85, diffuse=0.25, specular=0.05),
            ),
            row=1,
            col=col,
        )
        for i, w in enumerate(_sphere_weights(_check_theta12(theta12))):
            fig.add_trace(
                go.Scatter3d(
                    x=[0, 1.3 * w[0]],
                    y=[0, 1.3 * w[1]],
                    z=[0, 1.3 * w[2]],
                    mode="lines+text",
                    text=["", f"W{i + 1}"],
                    line=dict(color=WEIGHT_COLOR, width=6),
                    showlegend=False,
                ),
                row=1,
                col=col,
            )
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


def boundary_slider_figure(theta12=90.0, ms=range(1, 7)):
    """Table 1 as a plotly figure with a kernel-free m slider: one frame per m (for slides)."""
    import plotly.graph_objects as go

    ms = [check_m(m) for m in ms]
    t = np.linspace(0, 2 * math.pi, 361)

    def traces(b: BinaryBoundaries):
        arcs = [
            go.Scatter(
                x=x,
                y=y,
                mode="lines",
                line=dict(color=class_color(i), width=7),
                name=f"class {i + 1} wins",
                connectgaps=False,
            )
            for i, (x, y) in enumerate(_masked_arc(b, label) for label in (1, 2))
        ]
        wedge = b.wedge if len(b.wedge) else np.zeros((1, 2))
        return arcs + [
            go.Scatter(
                x=wedge[:, 0],
                y=wedge[:, 1],
                fill="toself",
                mode="lines",
                line=dict(width=0),
                fillcolor="rgba(127,127,127,0.35)",
                name="margin",
            ),
            *(
                go.Scatter(
                    x=s[:, 0],
                    y=s[:, 1],
                    mode="lines",
                    showlegend=False,
                    line=dict(color=class_color(i), dash="dash", width=3),
                )
                for i, s in enumerate((b.boundary1, b.boundary2))
            ),
        ]

    states = {m: binary_boundaries(theta12, m, "asoftmax") for m in ms}
    first = states[ms[0]]
    fig = go.Figure(
        traces(first)
        + [
            go.Scatter(
                x=np.cos(t),
                y=np.sin(t),
                mode="lines",
                showlegend=False,
                line=dict(color=UNIT_CIRCLE_COLOR, width=1),
            )
        ]
    )

    def annotations(b: BinaryBoundaries):
        arrows = [
            dict(
                x=w[0],
                y=w[1],
                ax=0,
                ay=0,
                xref="x",
                yref="y",
                axref="x",
                ayref="y",
                showarrow=True,
                arrowhead=2,
                arrowwidth=3,
                text="",
                arrowcolor=WEIGHT_COLOR,
            )
            for w in (b.w1, b.w2)
        ]
        labels = [
            dict(
                x=1.15 * w[0], y=1.15 * w[1], text=f"W{i + 1}", showarrow=False, font=dict(size=20)
            )
            for i, w in enumerate((b.w1, b.w2))
        ]
        return (
            arrows
            + labels
            + [
                dict(
                    x=0.5,
                    y=-0.02,
                    xref="paper",
                    yref="paper",
                    showarrow=False,
                    font=dict(size=22),
                    text=f"m = {b.m}: {b.margin_text}",
                    name="margin",
                ),
                dict(
                    x=0.5,
                    y=1.04,
                    xref="paper",
                    yref="paper",
                    showarrow=False,
                    font=dict(size=14),
                    text=bounds_text(b.m).replace("\n", "    "),
                ),
            ]
        )

    fig.frames = [
        go.Frame(
            name=str(m),
            data=traces(b),
            traces=list(range(5)),
            layout=dict(annotations=annotations(b)),
        )
        for m, b in states.items()
    ]
    steps = [
        dict(
            method="animate",
            label=str(m),
            args=[
                [str(m)],
                dict(
                    mode="immediate",
                    frame=dict(duration=0, redraw=True),
                    transition=dict(duration=0),
                ),
            ],
        )
        for m in ms
    ]
    axis = dict(range=[-LIMIT, LIMIT], visible=False)
    fig.update_layout(
        annotations=annotations(first),
        xaxis=axis,
        yaxis=dict(axis, scaleanchor="x"),
        sliders=[dict(active=0, currentvalue=dict(prefix="m = "), steps=steps, pad=dict(t=40))],
        title=f"A-Softmax boundaries (Table 1), θ12 = {theta12:.0f}°",
        height=650,
        plot_bgcolor="white",
        margin=dict(t=80, b=40),
    )
    return fig
