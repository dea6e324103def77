"""One colour per class, kept across every figure, and the paper / slide style presets.

The class colours are Petroff's 10-colour sequence (arXiv:2107.02270), chosen by a user
study to stay distinguishable under the common colour-vision deficiencies.
"""

from __future__ import annotations

CLASS_COLORS = (
    "#3f90da", "#ffa90e", "#bd1f01", "#94a4a2", "#832db6",
    "#a96b59", "#e76300", "#b9ac70", "#717581", "#92dadd",
)
WEIGHT_COLOR = "#000000"  # class weight arrows are outlined in black, filled with the class colour
MARGIN_COLOR = "#7f7f7f"  # shaded margin wedges
UNIT_CIRCLE_COLOR = "#404040"
# Pair-angle histograms are not about one class, so they use two neutral, CVD-safe tones.
POSITIVE_COLOR = "#2b2b2b"  # same-class pairs
NEGATIVE_COLOR = "#e69f00"  # cross-class pairs (Okabe-Ito orange)

#: rcParams for figures meant for a page (used with ``plt.style.context``).
PAPER_STYLE = {
    "figure.dpi": 110,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
}

#: rcParams for classroom slides: 16:9 canvas, large fonts, thick lines.
SLIDE_STYLE = {
    **PAPER_STYLE,
    "figure.figsize": (40 / 3, 7.5),  # at savefig.dpi 144: 1920 x 1080 px
    "savefig.dpi": 144,
    "savefig.bbox": "standard",  # the canvas as it is: every slide the same size
    "font.size": 18,
    "axes.titlesize": 20,
    "axes.labelsize": 18,
    "legend.fontsize": 14,
    "xtick.labelsize": 14,
    "ytick.labelsize": 14,
    "lines.linewidth": 2.5,
}

STYLES = {"paper": PAPER_STYLE, "slide": SLIDE_STYLE}


def class_color(index: int) -> str:
    """The colour of class ``index`` (classes past ten reuse the palette)."""
    return CLASS_COLORS[int(index) % len(CLASS_COLORS)]
