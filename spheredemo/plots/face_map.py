"""The faces' margin map, drawn: validation accuracy and AUC against the effective binary margin, one line per
family (and per scale s, as the marker), and the A-Softmax grid over (m, λ_min). Computed by
:func:`spheredemo.face_map.map_points`; nothing here trains or reads files."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from spheredemo.plots.style import class_color

__all__ = ["draw_map_lines", "draw_asoftmax_grid", "FAMILY_COLORS"]

FAMILY_COLORS = {"softmax": "#404040", "modified softmax": class_color(3), "normalised softmax": class_color(5),
                 "A-Softmax": class_color(0), "CosFace": class_color(1), "ArcFace": class_color(2)}
_S_MARKERS = {None: "o", 6.55: "s", 16.0: "^", 30.0: "D"}
#: A-Softmax's lines, one per m, in shades of its family's blue (light m = 1 to dark m = 4)
_ASOFTMAX_SHADES = {1: "#9ecae1", 2: "#4292c6", 3: "#2171b5", 4: "#08306b"}


def _label(point) -> str:
    if point.family == "A-Softmax":
        return f"A-Softmax m={point.m:g}"
    if point.s is None:
        return point.family
    return f"{point.family}, s={point.s:g}"


def draw_map_lines(points, metric: str = "accuracy", ax=None, title: str | None = None, legend: bool = True):
    """``metric`` (accuracy % or auc) of each cell against its binary margin at θ12 = 90° (degrees): a line per
    family and scale (A-Softmax: per m, through its λ_min cells), seeds as error bars; the losses without a margin
    as horizontal reference lines; ``legend=False`` leaves the legend to the caller (one for several panels).
    Returns {line label: the errorbar container}."""
    ax = ax if ax is not None else plt.figure().add_subplot()
    groups: dict[str, list] = {}
    for point in (p for p in points if p.on_grid):  # the probes (bf16, L2, length, warm start) are drawn elsewhere
        groups.setdefault(_label(point), []).append(point)
    drawn = {}
    for label, group in groups.items():
        group = sorted(group, key=lambda p: p.margin_deg)
        values = np.array([getattr(p, metric) for p in group])
        first = group[0]
        color = _ASOFTMAX_SHADES.get(int(first.m), FAMILY_COLORS["A-Softmax"]) if first.family == "A-Softmax" \
            else FAMILY_COLORS[first.family]
        if first.family in ("softmax", "modified softmax") or (first.family == "normalised softmax"):
            ax.axhline(values[0, 0], color=color, linestyle="--", linewidth=1.2, label=label)
            continue
        marker = _S_MARKERS.get(first.s, "o") if first.family != "A-Softmax" else "os^D"[int(first.m) % 4]
        drawn[label] = ax.errorbar([p.margin_deg for p in group], values[:, 0], yerr=values[:, 1], color=color,
                                   marker=marker, capsize=3, linewidth=1.5, label=label)
    ax.set_xlabel("binary angular margin at θ12 = 90° (degrees)")
    ax.set_ylabel("validation accuracy (%)" if metric == "accuracy" else "validation AUC")
    if legend:  # below the axes: inside, a legend of 13 lines covers the cells that failed to train
        ax.legend(fontsize="x-small", ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.14), frameon=False)
    if title:
        ax.set_title(title)
    return drawn


def draw_asoftmax_grid(points, ax=None, title: str | None = None):
    """The A-Softmax cells as a heat map over m (rows) and λ_min (columns): validation accuracy, each cell labelled
    with it and the m_eff its final λ leaves. Returns the image."""
    ax = ax if ax is not None else plt.figure().add_subplot()
    cells = [p for p in points if p.family == "A-Softmax" and p.lambda_min is not None and p.m > 1
             and p.on_grid]
    ms = sorted({p.m for p in cells})
    lams = sorted({p.lambda_min for p in cells})
    grid = np.full((len(ms), len(lams)), np.nan)
    for p in cells:
        grid[ms.index(p.m), lams.index(p.lambda_min)] = p.accuracy[0]
    image = ax.imshow(grid, cmap="viridis", aspect="auto", origin="lower")
    for p in cells:
        i, j = ms.index(p.m), lams.index(p.lambda_min)
        seeds = f" ± {p.accuracy[1]:.1f}\n({p.seeds} seeds)" if p.seeds > 1 else ""
        ax.text(j, i, f"{p.accuracy[0]:.1f}{seeds} %\nm_eff {p.m_eff:.2f}", ha="center", va="center",
                fontsize="x-small",
                color="white" if p.accuracy[0] < np.nanmean(grid) else "black")
    ax.set_xticks(range(len(lams)), [f"{v:g}" for v in lams])
    ax.set_yticks(range(len(ms)), [f"m = {v:g}" for v in ms])
    ax.set_xlabel("λ_min (reached at 40 % of the run)")
    plt.colorbar(image, ax=ax, label="validation accuracy (%)")
    if title:
        ax.set_title(title)
    return image
