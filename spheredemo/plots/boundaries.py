"""Table 1 on the unit circle in matplotlib: W1, W2, the boundaries, the margin wedge and its width.

The geometry comes from :func:`spheredemo.geometry.binary_boundaries` (every angle in degrees);
this module only draws it. The plotly m-slider figure of the same picture is
:func:`spheredemo.plots.sliders.boundary_slider_figure`; Fig. 3's constraint regions are drawn by
:mod:`spheredemo.plots.regions`.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.patches import Polygon

from spheredemo.geometry import LOSS_TITLES, VIEW_LIMIT, BinaryBoundaries, binary_boundaries, bounds_text
from spheredemo.plots.style import MARGIN_COLOR, UNIT_CIRCLE_COLOR, WEIGHT_COLOR, class_color

__all__ = ["BoundaryDisplay", "draw_boundaries", "draw_weight_arrow"]


def draw_weight_arrow(ax, xy):
    """An arrow from the origin to ``xy``: a class weight W1 or W2. Returns the annotation."""
    return ax.annotate(
        "",
        xy=xy,
        xytext=(0, 0),
        arrowprops=dict(arrowstyle="-|>", color=WEIGHT_COLOR, lw=2, shrinkA=0, shrinkB=0),
    )


class BoundaryDisplay:
    """Table 1 on the unit circle: W1, W2, boundaries, the margin wedge and its width.

    ``BoundaryDisplay(binary_boundaries(...)).plot(ax)`` draws once and keeps the artists;
    :meth:`update` recomputes and moves them in place (``set_data``, ``set_xy``, ``set_text``).
    """

    def __init__(self, boundaries: BinaryBoundaries):
        self.boundaries = boundaries
        self.ax = None

    def plot(self, ax=None) -> BoundaryDisplay:
        """Draw into ``ax`` (the current axes when None), keep the artists and return self."""
        if ax is None:
            import matplotlib.pyplot as plt

            ax = plt.gca()
        self.ax = ax
        self._draw_geometry(ax)
        self._draw_labels(ax)
        ax.set_xlim(-VIEW_LIMIT, VIEW_LIMIT)
        ax.set_ylim(-VIEW_LIMIT, VIEW_LIMIT)
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
        self.arrows = [draw_weight_arrow(ax, (1, 0)) for _ in range(2)]
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
        """Recompute with ``changes`` (theta12_deg, m, loss, b1, b2) and move the drawn artists."""
        b = self.boundaries
        settings = dict(theta12_deg=b.theta12, m=b.m, loss=b.loss, b1=b.b1, b2=b.b2)
        settings.update(changes)
        self.boundaries = binary_boundaries(**settings)
        if self.ax is not None:
            self._refresh()
        return self

    def _refresh(self) -> None:
        b = self.boundaries
        for label, line in enumerate(self.arcs, start=1):
            line.set_data(*b.winning_arc(label))
        self.wedge.set_xy(b.wedge if len(b.wedge) else np.zeros((3, 2)))
        self.wedge.set_visible(len(b.wedge) > 0)
        for line, segment in zip(self.boundary_lines, (b.boundary1, b.boundary2)):
            line.set_data(segment[:, 0], segment[:, 1])
        for arrow, text, w in zip(self.arrows, self.weight_labels, (b.w1, b.w2)):
            arrow.xy = tuple(w)
            text.set_position(tuple(1.15 * w))
        self.margin_label.set_text(b.margin_text)
        self.bounds_label.set_text(bounds_text(b.m) if b.loss == "asoftmax" else "")
        self.ax.set_title(
            f"{LOSS_TITLES[b.loss]}, θ12 = {b.theta12:.0f}°"
            + (f", m = {b.m}" if b.loss == "asoftmax" else "")
            + (f", b1 − b2 = {b.b1 - b.b2:+.2f}" if b.loss == "softmax" else "")
        )


def draw_boundaries(
    ax=None, theta12_deg=90.0, m=4, loss="asoftmax", b1=0.0, b2=0.0
) -> BoundaryDisplay:
    """Draw Table 1's picture for one setting (θ12 = ``theta12_deg`` degrees); returns the
    :class:`BoundaryDisplay`."""
    return BoundaryDisplay(binary_boundaries(theta12_deg, m, loss, b1, b2)).plot(ax)
