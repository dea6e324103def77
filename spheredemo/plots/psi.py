"""ψ(θ) beside cos θ, the λ-blended target logit, the λ(t) schedule, and the effective margin.

The annealed A-Softmax (Appendix G) trains with the target (λ cos θ + ψ(θ)) / (1 + λ). Its binary
class-1 boundary sits where that target equals cos θ2 = cos(θ12 − θ1); :func:`effective_margin`
finds it and names the integer-free margin m_eff with θ12/(m_eff + 1) at the same place, which is
how one sees that m = 4 with λ = 5 behaves like a much smaller m.
Angles are in degrees here (the unit of the pictures, ``theta_deg``, ``theta12_deg``); only
:func:`spheredemo.margins.psi` takes radians, converted where it is called.
"""

from __future__ import annotations

import numpy as np

from spheredemo.margins import (
    EffectiveMargin,
    LambdaSchedule,
    annealed_target,
    check_m,
    effective_margin,
    psi,
)

__all__ = [
    "psi_curves",
    "draw_psi",
    "draw_annealed",
    "draw_lambda_schedule",
    "PsiDisplay",
    "nominal_boundary_text",
]

THETA_DEG = np.linspace(0.0, 180.0, 361)  # the θ grid of every curve
# fixed λ axis of the schedule panel (a log axis: λ = 0 shows at the bottom)
LAMBDA_RANGE = (1e-2, 2e4)
# the legend entry of the schedule panel's dashed line: the λ slider's value
LAMBDA_LINE_LABEL = "λ on the slider (0 at the bottom)"


def psi_curves(ms=(1, 2, 3, 4), theta_deg=THETA_DEG) -> dict[int, np.ndarray]:
    """ψ(θ) of paper Eq. 6 on the θ grid ``theta_deg`` (degrees) for each m: {m: (len(theta),) array}."""
    theta = np.radians(np.asarray(theta_deg, dtype=np.float64))
    return {check_m(m): psi(theta, m) for m in ms}


def nominal_boundary_text(r: EffectiveMargin) -> str:
    """θ1* against the λ = 0 boundary θ12/(m+1) (degrees): "equal to θ12/(m+1) = 7.2°" when the two
    read the same at 0.1°, else "instead of θ12/(m+1) = 7.2°"."""
    nominal = r.theta12 / (r.m + 1)
    word = "equal to" if f"{r.theta1:.1f}" == f"{nominal:.1f}" else "instead of"
    return f"{word} θ12/(m+1) = {nominal:.1f}°"


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    return ax


def _label_theta_axis(ax, ylabel: str) -> None:
    ax.set_xlim(0, 180)
    ax.set_xticks(range(0, 181, 30))
    ax.set_xlabel("θ (degrees)")
    ax.set_ylabel(ylabel)
    ax.axhline(0, color="0.8", lw=0.8, zorder=0)


def draw_psi(ms=(1, 2, 3, 4), ax=None) -> dict:
    """ψ(θ) for each m beside cos θ (paper Eq. 6); returns {m: Line2D, "cos": Line2D}."""
    from spheredemo.plots.style import class_color

    ax = _axes(ax)
    lines = {
        "cos": ax.plot(THETA_DEG, np.cos(np.radians(THETA_DEG)), color="k", ls=":", label="cos θ")[
            0
        ]
    }
    for i, (m, values) in enumerate(psi_curves(ms).items()):
        lines[m] = ax.plot(THETA_DEG, values, color=class_color(i), label=f"ψ, m = {m}")[0]
    _label_theta_axis(ax, "target logit / ‖x‖")
    ax.legend(loc="lower left")
    return lines


def draw_annealed(m=4, lams=(0.0, 5.0, 1000.0), ax=None) -> dict:
    """(λ cos θ + ψ(θ)) / (1 + λ) for each λ (Appendix G); returns {λ: Line2D}."""
    from spheredemo.plots.style import class_color

    ax = _axes(ax)
    cos = np.cos(np.radians(THETA_DEG))
    lines = {
        lam: ax.plot(
            THETA_DEG, annealed_target(cos, m, lam), color=class_color(i), label=f"λ = {lam:g}"
        )[0]
        for i, lam in enumerate(lams)
    }
    _label_theta_axis(ax, f"annealed target / ‖x‖ (m = {check_m(m)})")
    ax.legend(loc="lower left")
    return lines


def draw_lambda_schedule(schedule: LambdaSchedule | None = None, steps=3000, ax=None):
    """λ(t) of a :class:`LambdaSchedule` on a log axis, with the step where it reaches λ_min."""
    schedule = schedule or LambdaSchedule()
    ax = _axes(ax)
    t = np.arange(int(steps) + 1)
    line = ax.plot(t, [schedule(int(s)) for s in t], color="k")[0]
    ax.set_yscale("log")
    ax.set_xlabel("optimiser step t")
    ax.set_ylabel("λ(t)")
    return line


class PsiDisplay:
    """The ψ / annealing picture of the explorer: two axes whose lines :meth:`update` moves.

    Left: cos θ, ψ(θ) for the chosen m and the λ-blended target with the class-1 boundary
    θ1* marked (θ in degrees; θ12 = ``theta12_deg``). Right: λ(t) of the schedule with the
    current λ marked.
    """

    def __init__(
        self,
        m=4,
        lam=5.0,
        theta12_deg=36.0,
        schedule: LambdaSchedule | None = None,
        steps=3000,
        m_max=6,
    ):
        self.settings = dict(m=check_m(m), lam=float(lam), theta12_deg=float(theta12_deg))
        # the ψ axis fits ψ(π) = 1 − 2m up to m_max
        self.m_max = max(check_m(m_max), self.settings["m"])
        self.schedule = schedule or LambdaSchedule()
        self.steps = int(steps)

    def plot(self, axes) -> PsiDisplay:
        """Draw into the two ``axes`` (ψ panel, schedule panel), keep the artists, return self."""
        self.axes = ax_psi, ax_lam = axes
        self.legends = []
        self._plot_psi_panel(ax_psi)
        self._plot_schedule_panel(ax_lam)
        self.update()
        return self

    def _plot_psi_panel(self, ax) -> None:
        """cos θ, then the (empty for now) blend, ψ, class-2 logit and boundary lines, and the title."""
        from spheredemo.plots.style import class_color

        ax.plot(THETA_DEG, np.cos(np.radians(THETA_DEG)), color="k", ls=":", label="cos θ (m = 1)")
        # ψ dashed on top of the thick translucent blend: at λ = 0 the two are the same curve,
        # and ψ must stay visible there
        self.blend_line = ax.plot(
            [], [], color=class_color(0), lw=4, alpha=0.45, label="(λcos θ + ψ)/(1 + λ)"
        )[0]
        self.psi_line = ax.plot(
            [], [], color=class_color(2), lw=1.6, ls=(0, (4, 2)), zorder=3, label="ψ(θ)"
        )[0]
        self.other_line = ax.plot(
            [], [], color=class_color(1), lw=1.5, label="cos(θ12 − θ): class 2"
        )[0]
        self.boundary_line = ax.axvline(
            0, color=class_color(1), ls="--", label="class-1 boundary θ1*"
        )
        self.text = ax.set_title("", fontsize=10)
        _label_theta_axis(ax, "target logit / ‖x‖")
        ax.set_ylim(0.5 - 2 * self.m_max, 1.2)
        self.legends.append(ax.legend(loc="lower left", fontsize=8, framealpha=1.0))

    def _plot_schedule_panel(self, ax) -> None:
        """λ(t) of the schedule, the λ line, the λ_min marker and text, on a fixed log axis."""
        from spheredemo.plots.style import class_color

        t = np.arange(self.steps + 1)
        self.schedule_line = ax.plot(
            t, np.ones_like(t, dtype=float), color="k", label="λ(t) of the schedule"
        )[0]
        self.lam_line = ax.axhline(1.0, color=class_color(0), ls="--", label=LAMBDA_LINE_LABEL)
        self.min_marker = ax.plot(
            [], [], "o", color=class_color(1), label="where λ(t) reaches λ_min"
        )[0]
        self.schedule_text = ax.text(
            0.98, 0.97, "", transform=ax.transAxes, ha="right", va="top", fontsize=9
        )
        ax.set_yscale("log")
        ax.set_ylim(*LAMBDA_RANGE)
        ax.set_xlim(0, self.steps)
        ax.set_xlabel("optimiser step t")
        ax.set_ylabel("λ(t)")
        # below the "λ reaches λ_min" text, where the schedule has come down already
        self.legends.append(ax.legend(loc="upper right", bbox_to_anchor=(1.0, 0.9), fontsize=8, framealpha=1.0))

    @property
    def dynamic_artists(self) -> list:
        """The artists :meth:`update` moves (for blitting: axes, ticks and legends stay put; the legends, opaque,
        go over the moving lines that cross them: see :attr:`overlay_artists`)."""
        return [
            self.psi_line,
            self.blend_line,
            self.other_line,
            self.boundary_line,
            self.text,
            self.schedule_line,
            self.lam_line,
            self.min_marker,
            self.schedule_text,
        ]

    @property
    def overlay_artists(self) -> list:
        """The static artists that stay on top of the moving ones: the two legends (opaque boxes)."""
        return list(self.legends)

    @property
    def summary(self) -> str:
        """The caption: m, λ, θ12, the boundary θ1* (degrees) and the m_eff it acts like."""
        r = self.result
        return (
            f"m = {r.m}, λ = {r.lam:g}, θ12 = {r.theta12:g}°: boundary θ1* = {r.theta1:.1f}°\n"
            f"({nominal_boundary_text(r)}), acts like m_eff ≈ {r.m_eff:.2f}"
        )

    def update(self, schedule: LambdaSchedule | None = None, **settings) -> PsiDisplay:
        """Change m, lam, theta12_deg (degrees) and/or the schedule; the lines move in place."""
        new = {**self.settings, **settings}
        new["m"] = check_m(new["m"])
        # validates λ and θ12 before anything changes
        self.result = effective_margin(new["m"], new["lam"], new["theta12_deg"])
        self.settings, self.schedule = new, schedule or self.schedule
        self._update_psi_panel()
        self._update_schedule_panel()
        return self

    def _update_psi_panel(self) -> None:
        m, lam, theta12 = (self.settings[k] for k in ("m", "lam", "theta12_deg"))
        cos = np.cos(np.radians(THETA_DEG))
        self.psi_line.set_data(THETA_DEG, psi(np.radians(THETA_DEG), m))
        self.blend_line.set_data(THETA_DEG, annealed_target(cos, m, lam))
        other = THETA_DEG[THETA_DEG <= theta12]
        self.other_line.set_data(other, np.cos(np.radians(theta12 - other)))
        self.boundary_line.set_xdata([self.result.theta1] * 2)
        self.text.set_text(self.summary)

    def _update_schedule_panel(self) -> None:
        t = np.arange(self.steps + 1)
        lam_t = np.array([self.schedule(int(s)) for s in t])
        # a log axis cannot show λ = 0
        self.schedule_line.set_ydata(np.maximum(lam_t, LAMBDA_RANGE[0]))
        self.lam_line.set_ydata([max(self.settings["lam"], LAMBDA_RANGE[0])] * 2)
        try:
            t_min = self.schedule.first_step_at_min()
        except ValueError:
            t_min = None
        if t_min is not None and t_min <= self.steps:
            self.min_marker.set_data([t_min], [self.schedule(t_min)])
            self.schedule_text.set_text(
                f"λ reaches λ_min = {self.schedule.lambda_min:g} at t = {t_min}"
            )
        else:
            self.min_marker.set_data([], [])
            self.schedule_text.set_text(
                f"λ_min = {self.schedule.lambda_min:g} not reached by t = {self.steps}"
            )
