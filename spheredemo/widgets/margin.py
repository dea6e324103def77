"""The margin explorer: SphereFace (A-Softmax), CosFace and ArcFace side by side, their target logits, binary
boundaries, margins against θ12 and the softmax probability, with a "match the margins" button."""

from __future__ import annotations

import math

import ipywidgets as widgets

from spheredemo.margin_zoo import ZOO_TITLES, matched_margins
from spheredemo.margins import ZOO_DEFAULTS, ZOO_LOSSES
from spheredemo.plots.zoo import OTHER_CLASSES, MarginZooDisplay, ZooSettings
from spheredemo.widgets._base import Explorer, MplView, _control, _slider, explorer_style

__all__ = ["margin_explorer", "MarginExplorer", "FAMILY_CHOICES"]

FAMILY_CHOICES = [(ZOO_TITLES[loss], loss) for loss in ZOO_LOSSES]


class MarginExplorer(Explorer):
    """The three margin families side by side; ``family`` picks the one drawn on the circle and in the probability
    panel, and the reference of :meth:`match`.

    ``display`` is the :class:`~spheredemo.plots.zoo.MarginZooDisplay` drawn, ``readout`` the margins line just
    under the sliders, ``match_button`` the "match the margins" button and ``last_match`` what it last set
    (a :class:`~spheredemo.margin_zoo.MatchedMargins`).
    """

    def __init__(self, family="arcface", asoftmax_m=ZOO_DEFAULTS["asoftmax"]["m"], lam=0.0, x_norm=30.0,
                 cosface_m=ZOO_DEFAULTS["cosface"]["m"], arcface_m=ZOO_DEFAULTS["arcface"]["m"],
                 s=ZOO_DEFAULTS["cosface"]["s"], theta12=36):
        controls = {  # first: an argument out of a control's range is refused by name, never clamped
            "family": _control(widgets.ToggleButtons, family, "family", options=FAMILY_CHOICES,
                               style={"button_width": "auto"}),  # the default width cut "SphereFace (A-So…"
            "asoftmax_m": _slider(widgets.IntSlider, asoftmax_m, "A-Softmax m", "asoftmax_m", min=1, max=6),
            "lam": _slider(widgets.FloatSlider, lam, "λ", "lam", min=0.0, max=100.0, step=0.01),
            "x_norm": _slider(widgets.FloatSlider, x_norm, "‖x‖", "x_norm", min=1.0, max=64.0, step=0.5),
            "cosface_m": _slider(widgets.FloatSlider, cosface_m, "CosFace m", "cosface_m", min=0.0, max=1.5,
                                 step=0.001, readout_format=".3f"),
            "arcface_m": _slider(widgets.FloatSlider, arcface_m, "ArcFace m (radians)", "arcface_m", min=0.0,
                                 max=1.5, step=0.001, readout_format=".3f"),
            "s": _slider(widgets.FloatSlider, s, "s (CosFace, ArcFace)", "s", min=1.0, max=64.0, step=0.5),
            "theta12": _slider(widgets.IntSlider, theta12, "θ12 (degrees)", "theta12", min=10, max=180),
        }
        self.view = MplView((10.0, 6.8))
        settings = ZooSettings(family, asoftmax_m, float(lam), float(x_norm), float(cosface_m), float(arcface_m),
                               float(s), float(theta12))
        self.display = MarginZooDisplay(settings).plot(self.view.figure.subplots(2, 2).ravel())
        self.view.figure.subplots_adjust(left=0.07, right=0.98, bottom=0.08, top=0.92, wspace=0.2, hspace=0.42)
        self.view.animate(self.display.dynamic_artists, overlays=self.display.overlay_artists)
        self.readout = widgets.HTML().add_class("spheredemo-margin")
        self.match_button = widgets.Button(description="match the margins", button_style="info",
                                           tooltip="set the other two families to the selected one's margin at θ12")
        self.match_button.add_class("spheredemo-match")
        self.match_button.on_click(lambda _: self.match())
        self.match_text = widgets.HTML().add_class("spheredemo-match-text")
        self.last_match, self._holding, self._matched_values = None, False, None
        super().__init__(
            controls,
            self.view.image,
            extra=[widgets.HBox([self.match_button, self.match_text]), self.readout],
            figure=self.view.figure,
            rows=[["family"], ["asoftmax_m", "lam", "x_norm"], ["cosface_m", "arcface_m", "s"], ["theta12"]],
            header="<b>The margin zoo</b>: SphereFace (A-Softmax), CosFace and ArcFace side by side",
        )

    def update(self, family="arcface", asoftmax_m=4, lam=0.0, x_norm=30.0, cosface_m=0.35, arcface_m=0.5, s=30.0,
               theta12=36) -> None:
        """Redraw the four panels and the readout for these settings (ArcFace's m in radians, θ12 in degrees)."""
        self.display.update(family=family, asoftmax_m=asoftmax_m, lam=float(lam), x_norm=float(x_norm),
                            cosface_m=float(cosface_m), arcface_m=float(arcface_m), s=float(s),
                            theta12=float(theta12))
        self.readout.value = _readout_html(self.display)
        self.view.render()
        if self._matched_values is not None and not _same_settings(self.values(), self._matched_values):
            # the status spoke of the sliders as match() left them; once one moves it would contradict the readout
            self._matched_values = None
            self.match_text.value = ("the sliders moved since the last match: the margins above are the ones set "
                                     "now; press the button to match again")

    def _changed(self, change=None) -> None:
        if not self._holding:  # match() moves three controls and redraws once
            super()._changed(change)

    def match(self) -> None:
        """Set the other two families to the selected family's binary margin δ at θ12 (CosFace m =
        2 sin(θ12/2) sin(δ/2), ArcFace m = δ in radians, A-Softmax the smallest integer m that reaches δ and the λ
        that brings it down to δ) and redraw; the margin panel then shows where they part at other θ12."""
        v = self.values()
        family = v["family"]
        margin = {"asoftmax": v["asoftmax_m"], "cosface": v["cosface_m"], "arcface": v["arcface_m"]}[family]
        try:
            match = matched_margins(family, v["theta12"], margin, v["lam"] if family == "asoftmax" else 0.0,
                                    lam_max=self.controls["lam"].max)
        except ValueError as exc:  # the reference has no margin here: say so, move nothing
            self.match_text.value = f"cannot match: {exc}"
            return
        new = {"asoftmax_m": match.asoftmax_m, "lam": round(match.lam, 2), "cosface_m": round(match.cosface_m, 3),
               "arcface_m": round(match.arcface_m, 3)}
        beyond = [name for name, value in new.items() if value > self.controls[name].max]
        new = {name: min(value, self.controls[name].max) for name, value in new.items()}
        self._holding = True
        try:
            for name, value in new.items():
                if name.split("_")[0] != family and not (family == "asoftmax" and name == "lam"):
                    self.controls[name].value = value
        finally:
            self._holding = False
        self.last_match = match
        self._matched_values = None  # the redraw below is the match's own
        self._changed()
        self._matched_values = self.values()
        unmatched = [ZOO_TITLES[f] for f in match.unmatched] + [f"{n} (beyond its slider)" for n in beyond]
        self.match_text.value = (f"matched to {ZOO_TITLES[family]}'s {match.margin:.1f}° at θ12 = "
                                 f"{match.theta12:g}°" + (f"; cannot reach it: {', '.join(unmatched)}"
                                                          if unmatched else ""))


def _same_settings(a: dict, b: dict) -> bool:
    """Whether two sets of control values are one: numbers within 1e-6, since the browser echoes a slider's value
    back as its own float (0.314 may come back as 0.31400000000000006), which is no move of the slider."""
    return a.keys() == b.keys() and all(
        math.isclose(a[k], b[k], rel_tol=0, abs_tol=1e-6) if isinstance(a[k], (int, float)) and not isinstance(a[k], bool)
        and isinstance(b[k], (int, float)) else a[k] == b[k] for k in a)


def _readout_html(display: MarginZooDisplay) -> str:
    """The margins line just under the sliders: each family's binary margin at θ12, the selected one's circle."""
    s, at = display.settings, display.margins_at_theta12()
    parts = []
    for loss in ZOO_LOSSES:
        value = at[loss]
        text = "no feature satisfies either class" if not math.isfinite(value) else f"{value:.1f}°" + (
            " (wider than θ12)" if value > s.theta12 + 1e-9 else "")
        name = f"<u>{s.label(loss)}</u>" if loss == s.family else s.label(loss)
        parts.append(f"{name}: {text}")
    scale = f"‖x‖ = {s.x_norm:g}" if s.family == "asoftmax" else f"s = {s.s:g}"
    return (f"<b>binary margin at θ12 = {s.theta12:g}°: " + " · ".join(parts) + "</b><br>"
            f"probability panel: {ZOO_TITLES[s.family]} at {scale}, the target class against {OTHER_CLASSES} "
            "others at 90°; s sharpens the curve, m shifts it")


def margin_explorer(family="arcface", asoftmax_m=ZOO_DEFAULTS["asoftmax"]["m"], lam=0.0, x_norm=30.0,
                    cosface_m=ZOO_DEFAULTS["cosface"]["m"], arcface_m=ZOO_DEFAULTS["arcface"]["m"],
                    s=ZOO_DEFAULTS["cosface"]["s"], theta12=36, style: str | None = None) -> MarginExplorer:
    """SphereFace (A-Softmax), CosFace and ArcFace side by side: their target logits against θ, the selected
    family's binary boundaries and margin wedge on the circle, each margin against θ12, and the target class's
    softmax probability at the chosen scale; "match the margins" sets the other two to the selected one's margin.

    ``arcface_m`` is in radians (as the heads take it), ``theta12`` in degrees; a value outside a control's range
    is a ValueError naming the range. ``style="slide"`` draws it for a projector."""
    with explorer_style(style):
        return MarginExplorer(family, asoftmax_m, lam, x_norm, cosface_m, arcface_m, s, theta12)
