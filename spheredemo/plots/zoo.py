"""The margin zoo drawn: SphereFace (A-Softmax), CosFace and ArcFace side by side.

:class:`MarginZooDisplay` is the explorer's picture (four panels drawn once, then moved): the three families'
target logits against θ (the ArcFace paper's target-logit figure), the selected family's binary boundaries and
margin wedge on the circle, each family's binary margin against θ12, and the target class's softmax probability
against θ at the chosen scale. :func:`draw_margin_zoo` is the figure ``margin_zoo`` of ``python -m
spheredemo.figures``; :func:`margin_zoo_plotly` and :func:`margin_zoo_notes` are the deck's kernel-free slide and
its speaker notes. Every number comes from :mod:`spheredemo.margin_zoo` and :func:`spheredemo.margins.target_logit`;
angles are in degrees here but ArcFace's m (radians, as the heads take it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from spheredemo._validate import check_finite
from spheredemo.margin_zoo import ZOO_TITLES, binary_margin_deg, check_zoo_margin, zoo_boundaries
from spheredemo.margins import ZOO_DEFAULTS, ZOO_LOSSES, check_theta12_deg, target_logit

__all__ = ["ZooSettings", "MarginZooDisplay", "zoo_target_curves", "zoo_margin_curves", "target_probability",
           "draw_margin_zoo", "margin_zoo_plotly", "margin_zoo_notes", "OTHER_CLASSES", "ZOO_COLORS"]

THETA_DEG = np.linspace(0.0, 180.0, 361)  # the θ grid of the target-logit and probability curves
THETA12_DEG = np.arange(10.0, 180.1, 2.0)  # the θ12 grid of the margin curves
#: the classes the probability panel's softmax has besides the target: 103, those of the faces' 104 identities,
#: each at θ_j = 90° (logit 0), where unrelated classes sit in a high-dimensional embedding
OTHER_CLASSES = 103
# not the class colours (blue, orange: the circle's two classes), and a line style each, for colour-blind eyes
ZOO_COLORS = {"asoftmax": "#bd1f01", "cosface": "#832db6", "arcface": "#a96b59"}
ZOO_DASHES = {"asoftmax": "-", "cosface": "--", "arcface": "-."}
_LOGIT_RANGE = (-1.6, 1.08)  # target logit / scale; A-Softmax's ψ falls to 1 − 2m and leaves through the bottom
_MARGIN_MAX_DEG = 120.0


@dataclass(frozen=True)
class ZooSettings:
    """One setting of the three families: each one's margin, the scales and θ12 (degrees)."""

    family: str = "arcface"  # the selected family: drawn on the circle and in the probability panel
    asoftmax_m: int = ZOO_DEFAULTS["asoftmax"]["m"]
    lam: float = 0.0  # A-Softmax's λ
    x_norm: float = 30.0  # A-Softmax's scale ‖x‖
    cosface_m: float = ZOO_DEFAULTS["cosface"]["m"]
    arcface_m: float = ZOO_DEFAULTS["arcface"]["m"]  # radians
    s: float = ZOO_DEFAULTS["cosface"]["s"]  # the scale of CosFace and ArcFace
    theta12: float = 36.0  # degrees

    def __post_init__(self):
        if self.family not in ZOO_LOSSES:
            raise ValueError(f"family must be one of {ZOO_LOSSES}, got {self.family!r}")
        for loss in ZOO_LOSSES:
            check_zoo_margin(loss, self.margin(loss))
        check_theta12_deg(self.theta12, "theta12")
        check_finite("lam (A-Softmax's λ)", self.lam)
        check_finite("x_norm (A-Softmax's ‖x‖)", self.x_norm, strict=True)
        check_finite("s (the scale of CosFace and ArcFace)", self.s, strict=True)

    def margin(self, loss: str):
        """The margin parameter of ``loss``: A-Softmax's integer m, CosFace's cosine m, ArcFace's m (radians)."""
        return {"asoftmax": self.asoftmax_m, "cosface": self.cosface_m, "arcface": self.arcface_m}[loss]

    def scale(self, loss: str) -> float:
        return self.x_norm if loss == "asoftmax" else self.s

    def lam_of(self, loss: str) -> float:
        return self.lam if loss == "asoftmax" else 0.0

    def label(self, loss: str) -> str:
        """"A-Softmax m = 4, λ = 0", "CosFace m = 0.116", "ArcFace m = 0.50 rad (28.6°)" (:func:`_margin_digits`)."""
        if loss == "asoftmax":
            return f"A-Softmax m = {self.asoftmax_m}, λ = {self.lam:g}"
        if loss == "cosface":
            return f"CosFace m = {_margin_digits(self.cosface_m)}"
        return f"ArcFace m = {_margin_digits(self.arcface_m)} rad ({math.degrees(self.arcface_m):.1f}°)"


def _margin_digits(m: float) -> str:
    """A real margin as the sliders hold it: two decimals, or three where the third is not 0 (0.116, not 0.12)."""
    return f"{m:.2f}" if abs(m - round(m, 2)) < 1e-9 else f"{m:.3f}"


def _logit_kwargs(settings: ZooSettings, loss: str, scale=None) -> dict:
    scale = settings.scale(loss) if scale is None else scale
    if loss == "asoftmax":
        return dict(m=settings.asoftmax_m, lam=settings.lam, x_norm=scale)
    return dict(m=settings.margin(loss), s=scale)


def zoo_target_curves(settings: ZooSettings, theta_deg=THETA_DEG) -> dict[str, np.ndarray]:
    """Each family's target logit divided by its scale (s, or ‖x‖) on the θ grid ``theta_deg`` (degrees)."""
    theta = np.radians(np.asarray(theta_deg, dtype=np.float64))
    return {loss: target_logit(loss, theta, **_logit_kwargs(settings, loss, scale=1.0)) for loss in ZOO_LOSSES}


def zoo_margin_curves(settings: ZooSettings, theta12_deg=THETA12_DEG) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each family's binary margin (degrees) against θ12: {loss: (θ12 grid, margins)}, NaN where no feature
    satisfies either class (A-Softmax with λ > 0: one bisection over the whole grid at once)."""
    out = {}
    for loss in ZOO_LOSSES:
        grid = np.asarray(theta12_deg, dtype=np.float64)
        values = binary_margin_deg(loss, grid, settings.margin(loss), settings.lam_of(loss))
        out[loss] = (grid, values)
    return out


def target_probability(settings: ZooSettings, loss: str, theta_deg=THETA_DEG, no_margin: bool = False,
                       other_classes: int = OTHER_CLASSES) -> np.ndarray:
    """The softmax probability of the target class at θ (degrees), e^{f_y} / (e^{f_y} + C′·e^0), with f_y the
    family's target logit at its scale and C′ = ``other_classes`` other classes at 90° (logit 0). ``no_margin``:
    the same scale with the margin set to zero (cos θ times the scale), to see what the scale alone does."""
    theta = np.radians(np.asarray(theta_deg, dtype=np.float64))
    if no_margin:
        f = settings.scale(loss) * np.cos(theta)
    else:
        f = target_logit(loss, theta, **_logit_kwargs(settings, loss))
    return 1.0 / (1.0 + other_classes * np.exp(-f))


def _label_theta_axis(ax, xlabel="θ to the class's own weight (°)") -> None:
    ax.set_xlim(0, 180)
    ax.set_xticks(range(0, 181, 30))
    ax.set_xlabel(xlabel)


def _arc_xy(b, label):
    a = np.radians(np.where(b.arc_labels == label, b.arc_angles, np.nan))
    return np.cos(a), np.sin(a)


class MarginZooDisplay:
    """The four panels of the margin explorer, drawn once by :meth:`plot`; :meth:`update` moves their artists.

    ``lines`` holds the target-logit curves by family, ``margin_lines`` the margin-against-θ12 curves,
    ``prob_line`` / ``prob_free_line`` the probability with and without the margin, and ``boundaries`` the
    selected family's :class:`~spheredemo.margin_zoo.ZooBoundaries`.
    """

    def __init__(self, settings: ZooSettings | None = None):
        self.settings = settings or ZooSettings()
        self._margin_cache = {}

    def plot(self, axes) -> MarginZooDisplay:
        """Draw into four axes (target logits, circle, margin against θ12, probability); returns self."""
        self.axes = ax_logit, ax_circle, ax_margin, ax_prob = axes
        self.legends = []
        theta = THETA_DEG
        ax_logit.plot(theta, np.cos(np.radians(theta)), color="k", ls=":", lw=1.2, label="cos θ (no margin)")
        self.lines = {loss: ax_logit.plot([], [], color=ZOO_COLORS[loss], ls=ZOO_DASHES[loss], lw=2,
                                          label=ZOO_TITLES[loss])[0]
                      for loss in ZOO_LOSSES}
        self.other_line = ax_logit.plot([], [], color="0.45", lw=1.2, ls="--", label="class 2: cos(θ12 − θ)")[0]
        _label_theta_axis(ax_logit)
        ax_logit.set_ylim(*_LOGIT_RANGE)
        ax_logit.set_ylabel("target logit / scale (s or ‖x‖)")
        ax_logit.set_title("target logits (the ArcFace paper's figure)", fontsize=10)
        self.legends.append(ax_logit.legend(loc="lower left", fontsize=7, framealpha=1.0))
        self._plot_circle(ax_circle)
        ax_margin.plot([0, _MARGIN_MAX_DEG], [0, _MARGIN_MAX_DEG], color="0.6", ls=":", lw=1,
                       label="margin = θ12")
        self.margin_lines = {loss: ax_margin.plot([], [], color=ZOO_COLORS[loss], ls=ZOO_DASHES[loss], lw=2,
                                                  label=ZOO_TITLES[loss])[0]
                             for loss in ZOO_LOSSES}
        self.margin_marks = ax_margin.plot([], [], "o", color="k", ms=4)[0]
        self.theta12_line = ax_margin.axvline(0, color="0.4", ls="--", lw=1)
        ax_margin.set_xlim(0, 180)
        ax_margin.set_xticks(range(0, 181, 30))
        ax_margin.set_ylim(0, _MARGIN_MAX_DEG)
        ax_margin.set_xlabel("θ12 between the two class weights (°)")
        ax_margin.set_ylabel("binary margin (degrees)")
        ax_margin.set_title("margin against θ12", fontsize=10)
        self.legends.append(ax_margin.legend(loc="upper left", fontsize=7, framealpha=1.0))
        self.prob_free_line = ax_prob.plot([], [], color="0.45", lw=1.2, ls="--", label="same scale, m = 0")[0]
        self.prob_line = ax_prob.plot([], [], color="k", lw=2, label="with the margin (family colour)")[0]
        _label_theta_axis(ax_prob)
        ax_prob.set_ylim(-0.02, 1.02)
        ax_prob.set_ylabel(f"p(target), {OTHER_CLASSES + 1} classes")
        self.prob_title = ax_prob.set_title("", fontsize=10)
        self.legends.append(ax_prob.legend(loc="upper right", fontsize=7, framealpha=1.0))
        self.update()
        return self

    def _plot_circle(self, ax) -> None:
        from matplotlib.patches import Circle, Polygon

        ax.add_patch(Circle((0, 0), 1.0, fill=False, color="0.25", lw=1))
        self.wedge = ax.add_patch(Polygon(np.zeros((3, 2)), closed=True, color="0.5", alpha=0.35, lw=0))
        self.arcs = [ax.plot([], [], color=c, lw=6, solid_capstyle="butt")[0] for c in ("#3f90da", "#ffa90e")]
        self.rays = [ax.plot([], [], color=c, ls="--", lw=1.6)[0] for c in ("#3f90da", "#ffa90e")]
        self.weights = [ax.plot([], [], color="k", lw=2.2, marker="o", ms=5, markevery=[1])[0] for _ in (1, 2)]
        self.weight_labels = [ax.text(0, 0, f"W{i}", ha="center", va="center", fontsize=9) for i in (1, 2)]
        self.circle_title = ax.set_title("", fontsize=10)
        ax.set_xlim(-1.3, 1.3)
        ax.set_ylim(-1.3, 1.3)
        ax.set_aspect("equal")
        ax.axis("off")

    @property
    def dynamic_artists(self) -> list:
        return [*self.lines.values(), self.other_line, self.wedge, *self.arcs, *self.rays, *self.weights,
                *self.weight_labels, self.circle_title, *self.margin_lines.values(), self.margin_marks,
                self.theta12_line, self.prob_free_line, self.prob_line, self.prob_title]

    @property
    def overlay_artists(self) -> list:
        return list(self.legends)

    def margins_at_theta12(self) -> dict[str, float]:
        """Each family's binary margin (degrees) at the current θ12, NaN where none is defined."""
        s = self.settings
        return {loss: float(binary_margin_deg(loss, np.array([s.theta12]), s.margin(loss), s.lam_of(loss))[0])
                for loss in ZOO_LOSSES}

    def update(self, **changes) -> MarginZooDisplay:
        """Change any :class:`ZooSettings` field; every curve, the circle and the texts move in place."""
        new = replace(self.settings, **changes)  # validated before anything moves
        self.settings = s = new
        for loss, values in zoo_target_curves(s).items():
            self.lines[loss].set_data(THETA_DEG, values)
            self.lines[loss].set_linewidth(3.2 if loss == s.family else 1.6)
        other = THETA_DEG[THETA_DEG <= s.theta12]
        self.other_line.set_data(other, np.cos(np.radians(s.theta12 - other)))
        self._update_circle(s)
        key = (s.asoftmax_m, s.lam, s.cosface_m, s.arcface_m)
        if key not in self._margin_cache:
            self._margin_cache = {key: zoo_margin_curves(s)}  # only the latest: a λ sweep must not grow it
        self.margin_curves = self._margin_cache[key]
        for loss, (grid, values) in self.margin_curves.items():
            self.margin_lines[loss].set_data(grid, values)
            self.margin_lines[loss].set_linewidth(3.2 if loss == s.family else 1.6)
        at = self.margins_at_theta12()
        self.margin_marks.set_data([s.theta12] * 3, [at[loss] for loss in ZOO_LOSSES])
        self.theta12_line.set_xdata([s.theta12] * 2)
        self.prob_line.set_data(THETA_DEG, target_probability(s, s.family))
        self.prob_line.set_color(ZOO_COLORS[s.family])
        self.prob_free_line.set_data(THETA_DEG, target_probability(s, s.family, no_margin=True))
        scale = f"‖x‖ = {s.x_norm:g}" if s.family == "asoftmax" else f"s = {s.s:g}"
        self.prob_title.set_text(f"{ZOO_TITLES[s.family]}, {scale}: s sharpens, m shifts")
        return self

    def _update_circle(self, s: ZooSettings) -> None:
        b = self.boundaries = zoo_boundaries(s.family, s.theta12, s.margin(s.family), s.lam_of(s.family))
        for i, arc in enumerate(self.arcs):
            arc.set_data(*_arc_xy(b, i + 1))
        for i, angle in enumerate((90 - s.theta12 / 2, 90 + s.theta12 / 2)):
            a = math.radians(angle)
            self.weights[i].set_data([0, 0.8 * math.cos(a)], [0, 0.8 * math.sin(a)])
            self.weight_labels[i].set_position((0.62 * math.cos(a) + 0.1 * (-1) ** i, 0.62 * math.sin(a)))
        if b.satisfiable:
            for ray, angle in zip(self.rays, (b.boundary1, b.boundary2)):
                a = math.radians(angle)
                ray.set_data([0, 1.25 * math.cos(a)], [0, 1.25 * math.sin(a)])
            arc = np.radians(np.linspace(b.boundary1, b.boundary2, max(2, int(b.margin) + 2)))
            self.wedge.set_xy(np.vstack([[0, 0], np.c_[np.cos(arc), np.sin(arc)]]))
            note = "\nwider than θ12: W1, W2 miss their own class" if b.wider_than_theta12 else ""
            self.circle_title.set_text(f"{s.label(s.family)}, θ12 = {s.theta12:g}°: margin {b.margin:.1f}°{note}")
        else:
            for ray in self.rays:
                ray.set_data([], [])
            self.wedge.set_xy(np.zeros((3, 2)))
            self.circle_title.set_text(f"{s.label(s.family)}, θ12 = {s.theta12:g}°:\nno feature satisfies either class")


# --- the figure margin_zoo ----------------------------------------------------------------------------------------

def draw_margin_zoo(fig, settings: ZooSettings | None = None, tuned: dict | None = None) -> dict:
    """The figure ``margin_zoo``: target logits against θ and binary margin against θ12 for the three families at
    ``settings`` (the package defaults), and, where ``tuned`` ({loss: margin}) is given, dashed at those margins.
    Returns {"axes": (ax_logit, ax_margin)}."""
    settings = settings or ZooSettings()
    ax_logit, ax_margin = fig.subplots(1, 2)
    ax_logit.plot(THETA_DEG, np.cos(np.radians(THETA_DEG)), color="k", ls=":", label="cos θ (no margin)")
    for loss, values in zoo_target_curves(settings).items():
        ax_logit.plot(THETA_DEG, values, color=ZOO_COLORS[loss], ls=ZOO_DASHES[loss], lw=2, label=settings.label(loss))
    _label_theta_axis(ax_logit)
    ax_logit.set_ylim(*_LOGIT_RANGE)
    ax_logit.set_ylabel("target logit / scale (s or ‖x‖)")
    ax_logit.set_title("target logit against θ")
    ax_margin.plot([0, _MARGIN_MAX_DEG], [0, _MARGIN_MAX_DEG], color="0.6", ls=":", label="margin = θ12")
    for loss, (grid, values) in zoo_margin_curves(settings).items():
        ax_margin.plot(grid, values, color=ZOO_COLORS[loss], ls=ZOO_DASHES[loss], lw=2, label=settings.label(loss))
    for loss, m in (tuned or {}).items():
        tuned_settings = replace(settings, **{f"{loss}_m": m})
        grid, values = zoo_margin_curves(tuned_settings)[loss]
        ax_margin.plot(grid, values, color=ZOO_COLORS[loss], lw=1, marker=".", label=f"{tuned_settings.label(loss)} "
                                                                                  "(tuned)")
    cos_36 = binary_margin_deg("cosface", 36.0, settings.cosface_m)
    ax_margin.annotate(f"CosFace at θ12 = 36°: {cos_36:.0f}°,\nwider than θ12", (36, cos_36), (52, 96),
                       arrowprops=dict(arrowstyle="->", color="0.3"), fontsize="small")
    ax_margin.set_xlim(0, 180)
    ax_margin.set_ylim(0, _MARGIN_MAX_DEG)
    ax_margin.set_xticks(range(0, 181, 30))
    ax_margin.set_xlabel("θ12 between the two class weights (°)")
    ax_margin.set_ylabel("binary margin (degrees)")
    ax_margin.set_title("binary margin: A-Softmax's grows,\nArcFace's stays, CosFace's shrinks")
    # one legend below both panels: the three families' lines are the same in both (the slide style's large text
    # leaves no room for two)
    handles, labels = ax_logit.get_legend_handles_labels()
    extra = [(h, label) for h, label in zip(*ax_margin.get_legend_handles_labels()) if label not in labels]
    fig.legend(handles + [h for h, _ in extra], labels + [label for _, label in extra], loc="outside lower center",
               ncol=3, frameon=False)
    return {"axes": (ax_logit, ax_margin)}


# --- the deck's slide ---------------------------------------------------------------------------------------------

#: the margins each family's slide slider steps through
SLIDE_MARGINS = {"asoftmax": (1, 2, 3, 4, 5, 6), "cosface": (0.0, 0.1, 0.2, 0.35, 0.5, 0.7),
                 "arcface": (0.0, 0.1, 0.2, 0.3, 0.5, 0.7)}


_PLOTLY_DASH = {"asoftmax": "solid", "cosface": "dash", "arcface": "dashdot"}


def _null(values) -> list:
    """NaN as None: plotly draws a gap."""
    return [None if not np.isfinite(v) else round(float(v), 5) for v in values]


def margin_zoo_plotly(style: str = "slide"):
    """A kernel-free plotly figure for the deck: the three families' target logits against θ (left) and binary
    margins against θ12 (right), at the package defaults; one slider per family steps its margin through
    :data:`SLIDE_MARGINS` (each step restyles that family's two curves with data computed here, no math in
    JavaScript), and buttons show all three families or one. ``style``: "slide" (large text) or "paper"."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    if style not in ("slide", "paper"):
        raise ValueError(f"style must be 'slide' or 'paper', got {style!r}")
    base = ZooSettings()
    fig = make_subplots(rows=1, cols=2, subplot_titles=("target logit / scale against θ (degrees)",
                                                        "binary margin (degrees) against θ12 (degrees)"))
    fig.add_trace(go.Scatter(x=THETA_DEG, y=np.cos(np.radians(THETA_DEG)), name="cos θ (no margin)",
                             line=dict(color="black", dash="dot")), 1, 1)
    fig.add_trace(go.Scatter(x=[0, _MARGIN_MAX_DEG], y=[0, _MARGIN_MAX_DEG], name="margin = θ12",
                             line=dict(color="grey", dash="dot")), 1, 2)
    traces, data = {}, {}
    for loss in ZOO_LOSSES:
        data[loss] = []
        for m in SLIDE_MARGINS[loss]:
            s = replace(base, **{f"{loss}_m": m})
            grid, values = zoo_margin_curves(s)[loss]
            data[loss].append((s.label(loss), _null(zoo_target_curves(s)[loss]), grid, _null(values)))
        label, curve, grid, margin = data[loss][SLIDE_MARGINS[loss].index(base.margin(loss))]
        traces[loss] = len(fig.data)
        fig.add_trace(go.Scatter(x=THETA_DEG, y=curve, name=label, legendgroup=loss,
                                 line=dict(color=ZOO_COLORS[loss], width=3, dash=_PLOTLY_DASH[loss])), 1, 1)
        fig.add_trace(go.Scatter(x=grid, y=margin, name=label, legendgroup=loss, showlegend=False,
                                 line=dict(color=ZOO_COLORS[loss], width=3, dash=_PLOTLY_DASH[loss])), 1, 2)
    sliders = []
    for row, loss in enumerate(ZOO_LOSSES):
        steps = [dict(method="restyle", label=f"{m:g}",
                      args=[{"y": [curve, margin], "name": [label, label]}, [traces[loss], traces[loss] + 1]])
                 for m, (label, curve, _, margin) in zip(SLIDE_MARGINS[loss], data[loss])]
        sliders.append(dict(active=SLIDE_MARGINS[loss].index(base.margin(loss)), steps=steps, y=-0.18 - 0.2 * row,
                            x=0.1, len=0.8, pad=dict(t=10), currentvalue=dict(
                                prefix=f"{ZOO_TITLES[loss]} m{' (radians)' if loss == 'arcface' else ''} = ")))
    n = len(fig.data)
    visible = {loss: [i < 2 or i in (traces[loss], traces[loss] + 1) for i in range(n)] for loss in ZOO_LOSSES}
    buttons = [dict(method="restyle", label="all three", args=[{"visible": [True] * n}])] + [
        dict(method="restyle", label=ZOO_TITLES[loss], args=[{"visible": visible[loss]}]) for loss in ZOO_LOSSES]
    font = 18 if style == "slide" else 12
    fig.update_layout(sliders=sliders, updatemenus=[dict(type="buttons", direction="right", buttons=buttons,
                                                         x=0.0, y=1.18, xanchor="left", showactive=True)],
                      font=dict(size=font), margin=dict(t=110, b=260, l=60, r=20), height=720,
                      legend=dict(orientation="h", y=1.08, x=0.45, xanchor="left"))
    fig.update_xaxes(range=[0, 180], dtick=30)
    fig.update_yaxes(range=list(_LOGIT_RANGE), row=1, col=1)
    fig.update_yaxes(range=[0, _MARGIN_MAX_DEG], row=1, col=2)
    return fig


def margin_zoo_notes() -> str:
    """The slide's speaker notes: each 'ask the class' with its answer, every number computed here."""
    d = ZooSettings()
    m = {loss: {t: binary_margin_deg(loss, t, d.margin(loss)) for t in (36.0, 90.0, 120.0)} for loss in ZOO_LOSSES}
    cos_edge = math.degrees(math.acos(1 - d.cosface_m))
    cos_none = math.degrees(2 * math.asin(d.cosface_m / 2))
    match = 2 * math.sin(math.radians(18)) * math.sin(math.radians(m["asoftmax"][36.0]) / 2)
    return "\n".join([
        "Three margins on one target logit: A-Softmax multiplies the angle (cos mθ, ψ), ArcFace adds to the angle "
        "(cos(θ + m)), CosFace subtracts from the cosine (cos θ − m). Defaults: A-Softmax m = 4, CosFace m = 0.35, "
        "ArcFace m = 0.5 rad, s = 30.",
        f"Ask the class: which margin grows with the angle θ12 between two classes? Answer: A-Softmax's, "
        f"(m−1)/(m+1)·θ12: {m['asoftmax'][36.0]:.1f}° at θ12 = 36°, {m['asoftmax'][90.0]:.1f}° at 90°. ArcFace's "
        f"stays m = {m['arcface'][36.0]:.1f}° at every θ12 above it; CosFace's shrinks: {m['cosface'][36.0]:.1f}° at "
        f"36°, {m['cosface'][90.0]:.1f}° at 90°, {m['cosface'][120.0]:.1f}° at 120°.",
        f"Ask the class: can a margin be wider than θ12 itself? Answer: CosFace's, below θ12 = {cos_edge:.1f}° "
        f"(m > 1 − cos θ12): at 36° it is {m['cosface'][36.0]:.1f}°, so W1 itself misses its own class; below "
        f"θ12 = {cos_none:.1f}° (m ≥ 2 sin(θ12/2)) no feature satisfies either class.",
        f"Ask the class: which CosFace m gives A-Softmax m = 4's margin at θ12 = 36°? Answer: "
        f"m = 2 sin(18°) sin({m['asoftmax'][36.0]:.1f}°/2) = {match:.3f}; the two part again at other θ12.",
        "Ask the class: what does s do that m does not? Answer: s scales every logit (it sharpens the softmax); m "
        "moves the target logit (it shifts where the class wins). The boundaries and margins here do not depend "
        "on s at all.",
        "Ask the class: ArcFace's m = 0.5, in which unit? Answer: radians (28.6°), as the heads take it; "
        "pytorch-metric-learning's ArcFaceLoss takes degrees, where 0.5 would be a tiny margin.",
    ])
