"""Binary decision boundaries (Table 1), from the closed forms.

Two unit class weights W1, W2 lie on the unit circle θ12 apart, W1 at 90° − θ12/2 and W2 at
90° + θ12/2 (so going from W1 towards W2 is counter-clockwise). The rules compared:

- ``softmax``: (W1 − W2)·x + b1 − b2 = 0, a line that the biases move off the origin;
- ``modified``: ‖x‖(cos θ1 − cos θ2) = 0, the bisector;
- ``asoftmax``: ‖x‖(cos mθ1 − cos θ2) = 0 for class 1 and ‖x‖(cos θ1 − cos mθ2) = 0 for class 2,
  rays at θ12/(m+1) and mθ12/(m+1) from W1; between them lies the margin (m−1)/(m+1)·θ12;
- ``euclidean`` (Fig. 3 only): ‖x − W1‖ + d < ‖x − W2‖, a margin d in distance.

The plain functions compute (:func:`binary_boundaries`, :func:`region_labels`); the rest draws.
Fig. 3's constraint regions (in the plane and on the sphere) are drawn by
:mod:`spheredemo.plots.regions`, from :func:`region_labels`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
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


def _weight_arrow(ax, xy):
    """An arrow from the origin to ``xy``: a class weight W1 or W2."""
    return ax.annotate(
        "",
        xy=xy,
        xytext=(0, 0),
        arrowprops=dict(arrowstyle="-|>", color=WEIGHT_COLOR, lw=2, shrinkA=0, shrinkB=0),
    )


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

    @property
    def boundary_text(self) -> str:
        """Where each class's boundary lies, in degrees from W1 towards W2 (angle rules only; "" for
        softmax, whose biases move a line that need not pass through the origin)."""
        if self.rule == "asoftmax" and self.m > 1:
            a1, a2 = boundary_angles(self.m, self.theta12)
            return f"class 1's boundary at {float(a1):.1f}° from W1, class 2's at {float(a2):.1f}°"
        if self.rule in ("asoftmax", "modified"):
            return f"one boundary, the bisector, at {self.theta12 / 2:.1f}° from W1"
        return ""


def binary_boundaries(
    theta12=90.0, m=4, rule="asoftmax", b1=0.0, b2=0.0, n_arc=721
) -> BinaryBoundaries:
    """Compute the Table 1 picture for two unit weights ``theta12`` degrees apart."""
    theta12, m = _check_theta12(theta12), check_m(m)
    _check_rule(rule, RULES[:3])
    phi1 = 90.0 - theta12 / 2
    w1, w2 = _direction(phi1), _direction(phi1 + theta12)
    if rule == "asoftmax":
        boundary1, boundary2, margin, wedge = _asoftmax_rays(phi1, theta12, m)
    else:
        biases = (b1, b2) if rule == "softmax" else (0.0, 0.0)
        boundary1 = boundary2 = _shared_line(w1, w2, *biases)
        margin, wedge = 0.0, np.zeros((0, 2))
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


def _asoftmax_rays(phi1, theta12, m):
    """A-Softmax's two boundary rays (2, 2), the margin between them and its wedge (K, 2).

    The rays start at the origin, at θ12/(m+1) and mθ12/(m+1) from W1 (which lies at ``phi1``);
    the wedge is the origin then an arc of the unit circle, (0, 2) where there is no margin.
    """
    a1, a2 = (phi1 + a for a in boundary_angles(m, theta12))
    boundary1 = np.array([[0.0, 0.0], RAY * _direction(a1)])
    boundary2 = np.array([[0.0, 0.0], RAY * _direction(a2)])
    margin = float(angular_margin(m, theta12))
    wedge = np.zeros((0, 2))
    if margin > 0:
        arc = _direction(np.linspace(a1, a2, max(2, int(margin) + 2)))
        wedge = np.vstack([[0.0, 0.0], arc])
    return boundary1, boundary2, margin, wedge


def _shared_line(w1, w2, b1, b2) -> np.ndarray:
    """The one boundary (W1 − W2)·x + b1 − b2 = 0 as a (2, 2) segment across the whole view."""
    normal, offset = softmax_boundary(w1, w2, b1, b2)
    foot = -offset * normal / (normal @ normal)  # the point of the line nearest the origin
    along = np.array([-normal[1], normal[0]]) / np.linalg.norm(normal)
    return np.array([foot - 3 * LIMIT * along, foot + 3 * LIMIT * along])


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
        self._draw_geometry(ax)
        self._draw_labels(ax)
        ax.set_xlim(-LIMIT, LIMIT)
        ax.set_ylim(-LIMIT, LIMIT)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.spines[:].set_visible(False)  # the circle is the frame
        self._refresh()
        return self

    def _draw_geometry(self, ax) -> None:
        """The unit circle, the winning arcs, the margin wedge and the boundaries (empty for now)."""
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

    def _draw_labels(self, ax) -> None:
        """The weight arrows and their labels, the margin readout and the m bounds (empty for now)."""
        self.arrows = [_weight_arrow(ax, (1, 0)) for _ in range(2)]
        self.weight_labels = [
            ax.text(0, 0, f"$W_{i + 1}$", ha="center", va="center", fontsize=12) for i in range(2)
        ]
        self.margin_label = ax.text(0.5, 0.04, "", transform=ax.transAxes, ha="center", fontsize=12)
        self.bounds_label = ax.text(
            0.02, 0.98, "", transform=ax.transAxes, ha="left", va="top", fontsize=8, linespacing=1.4
        )

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


def _slider_traces(b: BinaryBoundaries) -> list:
    """The five traces a slider frame moves: the two winning arcs, the wedge, the two boundaries."""
    import plotly.graph_objects as go

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


def _slider_weight_annotations(b: BinaryBoundaries) -> list[dict]:
    """The W1, W2 arrows (plotly annotations in data coordinates), then their labels."""
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
        dict(x=1.15 * w[0], y=1.15 * w[1], text=f"W{i + 1}", showarrow=False, font=dict(size=20))
        for i, w in enumerate((b.w1, b.w2))
    ]
    return arrows + labels


def _slider_annotations(b: BinaryBoundaries) -> list[dict]:
    """A frame's annotations: the weights, the margin caption below and the m bounds above."""
    return _slider_weight_annotations(b) + [
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


def _slider_steps(ms) -> list[dict]:
    """One slider step per m, each jumping to the frame of that name at once."""
    return [
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


def boundary_slider_figure(theta12=90.0, ms=range(1, 7)):
    """Table 1 as a plotly figure with a kernel-free m slider: one frame per m (for slides)."""
    import plotly.graph_objects as go

    ms = [check_m(m) for m in ms]
    t = np.linspace(0, 2 * math.pi, 361)
    states = {m: binary_boundaries(theta12, m, "asoftmax") for m in ms}
    first = states[ms[0]]
    fig = go.Figure(
        _slider_traces(first)
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
    fig.frames = [
        go.Frame(
            name=str(m),
            data=_slider_traces(b),
            traces=list(range(5)),
            layout=dict(annotations=_slider_annotations(b)),
        )
        for m, b in states.items()
    ]
    axis = dict(range=[-LIMIT, LIMIT], visible=False)
    fig.update_layout(
        annotations=_slider_annotations(first),
        xaxis=axis,
        yaxis=dict(axis, scaleanchor="x"),
        sliders=[
            dict(active=0, currentvalue=dict(prefix="m = "), steps=_slider_steps(ms), pad=dict(t=40))
        ],
        title=f"A-Softmax boundaries (Table 1), θ12 = {theta12:.0f}°",
        height=650,
        plot_bgcolor="white",
        margin=dict(t=80, b=40),
    )
    return fig
