"""Lessons 2, 4 and 6: the λ blend (λ cos θ + ψ(θ))/(1 + λ) of Appendix G, the margin it really trains at
(m_eff) and the λ(t) schedule."""

from __future__ import annotations

import math

import numpy as np

from spheredemo.lessons.checking import CheckResult, _number, _theta_check
from spheredemo.margins import LambdaSchedule, annealed_target, effective_margin, psi

__all__ = ["check_annealed_target", "check_effective_margin_answer", "check_lambda_answer",
           "check_lambda_steps_answer"]

_BLEND_MISTAKES = {
    "This is exactly λ on the wrong term, (cos θ + λψ(θ))/(1 + λ): λ weighs cos θ, so a large λ (early "
    "training) gives back the easy modified softmax.": lambda t, m, lam: (np.cos(t) + lam * psi(t, m)) / (1 + lam),
    "This is exactly λ cos θ + ψ(θ) without dividing by 1 + λ: the blend must stay a weighted average.":
        lambda t, m, lam: lam * np.cos(t) + psi(t, m),
    "This is exactly ψ(θ) alone: λ is not used (that is the λ = 0 case only).": lambda t, m, lam: psi(t, m),
    "This is exactly ψ with θ read as degrees: the check passes θ in radians.":
        lambda t, m, lam: annealed_target(np.cos(np.radians(t)), m, lam),
}


def check_annealed_target(fn, ms=(1, 2, 3, 4), lams=(0.0, 0.5, 5.0, 1000.0)) -> CheckResult:
    """Compare ``fn(theta, m, lam)`` with the λ-blended target (λ cos θ + ψ(θ)) / (1 + λ) (Appendix G),
    at 721 angles in [0, π] for each m and λ."""
    return _theta_check("λ blend", fn, lambda t, m, lam: annealed_target(np.cos(t), m, lam), _BLEND_MISTAKES,
                        [(m, lam) for m in ms for lam in lams], "target")


def check_effective_margin_answer(answer, m=4, lam=5.0, theta12_deg=36.0) -> CheckResult:
    """A prediction of m_eff, the margin the λ-blended loss really trains at (:func:`effective_margin`, θ12 in
    degrees), ±0.05."""
    r = effective_margin(m, lam, theta12_deg)
    mistakes = [(m, "That is the nominal m: λ is not the margin, but it dilutes it: the target is "
                    f"({lam:g} cos θ + ψ(θ))/{1 + lam:g}, mostly cos θ."),
                (r.margin, "That is the margin in degrees; the question asks for m_eff."),
                (1.0, "That is the λ → ∞ limit (the modified softmax); at this λ some margin is left.")]
    if (m, lam) == (4, 5.0):  # the rough "m = 4 behaves like m ≈ 1.5" of the official repository's issue 11
        mistakes.append((1.5, "That is the rough \"m = 4 behaves like m ≈ 1.5\" of the official repository's issue "
                              f"11; the exact m_eff depends on θ12: read it at θ12 = {theta12_deg:g}°."))
    if theta12_deg != 90.0:
        at_90 = effective_margin(m, lam, 90.0).m_eff
        mistakes.append((at_90, f"That is m_eff at θ12 = 90° ({at_90:.2f}); the question asks for θ12 = "
                                f"{theta12_deg:g}°."))
    return _number(f"m_eff at m = {m}, λ = {lam:g}, θ12 = {theta12_deg:g}°", answer, r.m_eff, 0.05, "", mistakes,
                   "Set m, λ and θ12 on the sliders and read the bold line above the plots, just under the sliders "
                   "('acts like m_eff ≈ ...').")


def check_lambda_answer(answer, step=240, schedule: LambdaSchedule | None = None) -> CheckResult:
    """A prediction of λ(step) = max(λ_min, base·(1 + γ·step)^(−power)) (the official schedule by default), ±1 %."""
    s = schedule or LambdaSchedule()
    truth = s(step)
    mistakes = [(s.base * (s.gamma * step) ** -s.power if step else math.inf, "That forgets the 1 + in (1 + γt)."),
                (s.lambda_min, f"That is the floor λ_min; after {step} steps λ has not come down to it yet."),
                (s.base, "That is λ at step 0.")]
    return _number(f"λ at step {step}", answer, truth, max(0.01 * truth, 0.05), "", mistakes,
                   "λ(t) = max(λ_min, base·(1 + γt)^(−power)); the official values are base 1000, γ 0.12, power 1, "
                   "λ_min 5.")


def check_lambda_steps_answer(answer, schedule: LambdaSchedule | None = None) -> CheckResult:
    """A prediction of the first step at which λ(t) reaches λ_min (official schedule by default), exactly: one step
    earlier λ is still above it. A slip is named within one step."""
    s = schedule or LambdaSchedule()
    first = s.first_step_at_min()
    mistakes = [(s.base / (s.lambda_min * s.gamma), "That forgets the 1 + in (1 + γt): solve 1 + γt = base/λ_min."),
                (first - 1, f"At step {first - 1} λ is {s(first - 1):.4g}, still above λ_min = {s.lambda_min:g}: the "
                            "answer is the first whole step at or past the solution t, so round t up.")]
    return _number("steps until λ = λ_min", answer, first, 0, " steps", mistakes,
                   "Solve base/(1 + γt) = λ_min for t.", mistake_tol=1.0)
