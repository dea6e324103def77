"""The ψ explorer (Eq. 6, Appendix G): ψ(θ), the λ-blended target and the λ(t) schedule."""

from __future__ import annotations

import threading

import ipywidgets as widgets

import numpy as np

from spheredemo.margins import LambdaSchedule, annealed_target
from spheredemo.plots.psi import PsiDisplay, nominal_boundary_text
from spheredemo.widgets._base import Explorer, MplView, _control, _slider, explorer_style

__all__ = ["psi_explorer", "PsiExplorer", "LAMBDA_CHOICES", "GAMMA_CHOICES"]

LAMBDA_CHOICES = (0.0, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 1000.0)
# γ choices of the ψ explorer; 0.12 is the official value
GAMMA_CHOICES = (0.001, 0.003, 0.01, 0.03, 0.06, 0.12, 0.25, 0.5, 1.0, 2.0, 5.0)


class PsiExplorer(Explorer):
    """ψ(θ), the λ-blended target and the λ(t) schedule; the effective margin of m with λ.

    ``display`` is the :class:`~spheredemo.plots.psi.PsiDisplay` drawn, ``readout`` the margin line, ``zoom`` the
    magnified boundary crossing, which follows once the sliders rest for ``zoom_settle_s`` seconds (``settle()``
    applies it now).
    """

    zoom_settle_s = 0.15

    def __init__(self, m: int = 4, lam: float = 5.0, theta12: int = 36, lam_from: str = "slider", steps: int = 0):
        schedule = LambdaSchedule()
        controls = _psi_controls(m, lam, theta12, schedule, lam_from, steps)  # first: an argument out of range is refused by name
        self.view = MplView((10.0, 3.8))
        self.display = PsiDisplay(m, lam, theta12, schedule).plot(self.view.figure.subplots(1, 2))
        self.view.figure.subplots_adjust(left=0.07, right=0.98, bottom=0.14, top=0.86, wspace=0.25)
        self.view.animate(self.display.dynamic_artists, overlays=self.display.overlay_artists)
        self.readout = widgets.HTML().add_class("spheredemo-margin")
        self.zoom = _ZoomView()
        self._zoom_timer, self._zoom_lock = None, threading.Lock()
        super().__init__(
            controls,
            widgets.HBox([self.view.image, self.zoom.view.image]),
            extra=[self.readout],
            figure=self.view.figure,
            rows=[["m", "lam", "theta12"], ["lam_from", "steps"], ["base", "gamma", "power", "lambda_min"]],
            header="<b>ψ(θ) and annealing</b> (Eq. 6, Appendix G)",
        )

    def update(
        self,
        m: int = 4,
        lam: float = 5.0,
        theta12: int = 36,
        base: float = 1000.0,
        gamma: float = 0.12,
        power: float = 1.0,
        lambda_min: float = 5.0,
        lam_from: str = "slider",
        steps: int = 0,
    ) -> None:
        """Redraw ψ and the target for m, λ and θ12, and λ(t) for the schedule (base, γ, power, λ_min).

        ``lam_from="schedule"``: λ is the schedule's at step ``steps`` (T), so that moving γ, λ_min or T moves m_eff
        too; "slider": λ is ``lam``."""
        schedule = LambdaSchedule(base, gamma, power, lambda_min)
        if lam_from not in ("slider", "schedule"):
            raise ValueError(f"lam_from must be 'slider' or 'schedule', got {lam_from!r}")
        if lam_from == "schedule":
            lam = schedule(steps)
        self.controls["lam"].disabled = lam_from == "schedule"
        self.controls["steps"].disabled = lam_from != "schedule"
        self.display.update(m=m, lam=lam, theta12_deg=theta12, schedule=schedule)
        r = self.display.result
        source = f"the schedule at step T = {steps:,} gives λ = {r.lam:.3g}; " if lam_from == "schedule" else ""
        self.readout.value = (
            f"{source}<b>m = {r.m} with λ = {r.lam:.3g} acts like m_eff ≈ {r.m_eff:.2f}</b>: class-1 "
            f"boundary at {r.theta1:.1f}° from W1, {nominal_boundary_text(r)}, "
            f"margin {r.margin:.1f}°"
        )
        self.view.render()
        self._zoom_later(r.m, r.lam, r.theta12, r.theta1)

    def _zoom_later(self, *values) -> None:
        """Redraw the zoom (a full draw: its limits move with every change, about 30 ms) once no other update has come
        for ``zoom_settle_s`` seconds, so that a held arrow key moves the main panel without waiting for it."""
        with self._zoom_lock:
            if self._zoom_timer is not None:
                self._zoom_timer.cancel()
            self._zoom_timer = threading.Timer(self.zoom_settle_s, self.zoom.show, values)
            self._zoom_timer.daemon = True
            self._zoom_timer.start()

    def settle(self) -> None:
        """Apply a pending zoom update now."""
        with self._zoom_lock:
            timer, self._zoom_timer = self._zoom_timer, None
        if timer is not None:
            timer.cancel()
            timer.function(*timer.args)


class _ZoomView:
    """The class-1 boundary crossing magnified: the λ-blend and the class-2 logit cos(θ12 − θ) around θ1*, where at
    a small θ12 (36°) the main panel shows it in a few pixels; the nominal θ12/(m+1) dotted for comparison."""

    def __init__(self):
        self.view = MplView((3.4, 3.8))
        ax = self.ax = self.view.figure.add_subplot()
        self.view.figure.subplots_adjust(left=0.2, right=0.96, bottom=0.14, top=0.86)
        (self.blend,) = ax.plot([], [], color="#4575b4", lw=2.5, alpha=0.6, label="λ-blend")
        (self.other,) = ax.plot([], [], color="#d73027", lw=1.2, label="cos(θ12 − θ)")
        self.crossing = ax.axvline(0, color="#fc8d59", ls="--", lw=1.2, label="boundary θ1*")
        self.nominal = ax.axvline(0, color="0.4", ls=":", lw=1.0, label="θ12/(m+1)")
        ax.legend(fontsize=7, loc="upper right")
        ax.set_xlabel("θ (degrees)", fontsize=8)
        ax.tick_params(labelsize=7)

    def show(self, m, lam, theta12, theta1) -> None:
        """Draw the window around the crossing ``theta1`` (degrees) of m, λ at ``theta12``."""
        nominal = theta12 / (m + 1)
        low, high = min(theta1, nominal), max(theta1, nominal)
        pad = max(0.6 * (high - low), 0.08 * theta12, 1.0)
        theta = np.linspace(max(0.0, low - pad), min(180.0, high + pad), 200)
        blend = annealed_target(np.cos(np.radians(theta)), m, lam)
        other = np.cos(np.radians(theta12 - theta))
        self.blend.set_data(theta, blend)
        self.other.set_data(theta, other)
        self.crossing.set_xdata([theta1] * 2)
        self.nominal.set_xdata([nominal] * 2)
        values = np.concatenate([blend, other])
        span = max(float(np.ptp(values)), 1e-3)
        self.ax.set_xlim(theta[0], theta[-1])
        self.ax.set_ylim(values.min() - 0.05 * span, values.max() + 0.05 * span)
        self.ax.set_title(f"zoom: the boundary at θ1* = {theta1:.1f}°", fontsize=9)
        self.view.render(full=True)


def psi_explorer(m: int = 4, lam: float = 5.0, theta12: int = 36, lam_from: str = "slider", steps: int = 0,
                 style: str | None = None) -> PsiExplorer:
    """ψ(θ), the λ-blended target and the λ(t) schedule; the effective margin of m with λ.

    ``lam_from="schedule"`` takes λ from the schedule at step ``steps`` (the T slider) instead of the λ slider, so
    that the schedule's sliders move m_eff. ``style="slide"`` draws it for a projector
    (:func:`~spheredemo.widgets.explorer_style`)."""
    with explorer_style(style):
        return PsiExplorer(m, lam, theta12, lam_from, steps)


#: where λ comes from: the λ slider, or the schedule at step T
LAMBDA_SOURCES = [("λ from the slider", "slider"), ("λ = schedule(T)", "schedule")]


def _psi_controls(m, lam, theta12, schedule: LambdaSchedule, lam_from="slider", steps=0) -> dict:
    """m, λ and θ12, where λ comes from and the step T, then the λ(t) schedule's base, γ, power and λ_min (starting
    at ``schedule``)."""
    return {
        "m": _slider(widgets.IntSlider, m, "m", min=1, max=6),
        "lam": _slider(widgets.SelectionSlider, lam, "λ", "lam", options=LAMBDA_CHOICES),
        "theta12": _slider(widgets.IntSlider, theta12, "θ12 (degrees)", "theta12", min=10, max=180),
        "lam_from": _control(widgets.ToggleButtons, lam_from, "lam_from", options=LAMBDA_SOURCES),
        "steps": _slider(widgets.IntSlider, steps, "step T", "steps", min=0, max=30000, step=10),
        "base": _slider(
            widgets.FloatLogSlider, schedule.base, "λ base", "base", base=10, min=0, max=4, step=0.05
        ),
        "gamma": _slider(widgets.SelectionSlider, schedule.gamma, "γ", "gamma", options=GAMMA_CHOICES),
        "power": _slider(widgets.FloatSlider, schedule.power, "power", min=0.0, max=3.0, step=0.1),
        "lambda_min": _slider(
            widgets.FloatSlider, schedule.lambda_min, "λ_min", "lambda_min", min=0.0, max=50.0, step=0.5
        ),
    }
