"""Lessons 2 and 6: a student's ψ(θ) (Eq. 6) and cos(mθ) from cos θ (the Chebyshev polynomial T_m) against
:mod:`spheredemo.margins`, and a prediction of ψ at one angle."""

from __future__ import annotations

import math

import numpy as np
import torch

from spheredemo.lessons.checking import (CheckResult, _call_array, _diagnose, _failed, _not_defined, _not_written,
                                         _NotWritten, _number, _passed, _quiet_invalid, _theta_check)
from spheredemo.margins import cos_m_theta, psi

__all__ = ["check_psi", "check_cos_m_theta", "check_psi_value"]


def _sector(theta, m):
    return np.clip(np.floor(theta * m / math.pi), 0, m - 1)


_PSI_MISTAKES = {
    "This is exactly ψ without the −2k term: (−1)^k cos(mθ) jumps back up at every θ = kπ/m; subtracting 2k "
    "makes each piece start where the last one ended, so ψ keeps falling all the way to 1 − 2m.":
        lambda t, m: (-1.0) ** _sector(t, m) * np.cos(m * t),
    "This is exactly cos(mθ) − 2k without the (−1)^k sign flip: on odd sectors k cos(mθ) rises, so ψ would "
    "rise too; the sign flip makes every piece fall.":
        lambda t, m: np.cos(m * t) - 2 * _sector(t, m),
    "This is exactly plain cos(mθ): it is ψ only on [0, π/m]; after that it goes up and down, so a larger "
    "angle could give a larger target logit.": lambda t, m: np.cos(m * t),
    "This is exactly ψ with θ read as degrees: the check passes θ in radians (0 to π); use np.cos / torch.cos "
    "on radians and k = floor(mθ/π).": lambda t, m: psi(np.radians(t), m),
    "This is exactly cos θ: m is not used.": lambda t, m: np.cos(t),
}


def check_psi(fn, ms=range(1, 6)) -> CheckResult:
    """Compare ``fn(theta, m)`` (θ in radians, a numpy array or a torch tensor) with ψ of paper Eq. 6,
    ψ(θ) = (−1)^k cos(mθ) − 2k on [kπ/m, (k+1)π/m], at 721 angles in [0, π] for each m."""
    return _theta_check("ψ(θ)", fn, lambda t, m: psi(t, m), _PSI_MISTAKES, [(m,) for m in ms], "psi")


# --- cos(mθ) from cos θ --------------------------------------------------------------------------------------

def _chebyshev(c, m, sign=-1):
    t_prev, t = np.ones_like(c), c
    for _ in range(m - 1):
        t_prev, t = t, 2 * c * t + sign * t_prev
    return t if m > 0 else np.ones_like(c)


def _cos_mistakes(c) -> dict:
    """Explanation -> the slip's values at ``c`` as a function of m."""
    return {
        "This is exactly cos(m·c): c is cos θ, not θ; go back to θ first, or better, use T_m(c).":
            lambda m: np.cos(m * c),
        "This is exactly T_(m−1)(c): the recursion runs one step too few.": lambda m: _chebyshev(c, m - 1),
        "This is exactly T_(m+1)(c): the recursion runs one step too many.": lambda m: _chebyshev(c, m + 1),
        "This is exactly the recursion with + T_(n−1): it is T_(n+1) = 2c·T_n − T_(n−1).":
            lambda m: _chebyshev(c, m, sign=1),
    }


#: just outside [−1, 1], where T_m(c) is a finite polynomial value but arccos is undefined (NaN)
_PAST_ONE = np.array([-(1.0 + 1e-6), 1.0 + 1e-6])
_RECURSION = "T_(n+1) = 2c·T_n − T_(n−1)"


def check_cos_m_theta(fn, ms=range(1, 7)) -> CheckResult:
    """Compare ``fn(c, m)``, cos(mθ) from c = cos θ, with the package's Chebyshev T_m(c) at 801 values of c in
    [−1, 1] for each m; then ask for T_m at c = ±(1 + 10⁻⁶), just outside, where the polynomial is finite but
    arccos is NaN, and, if it takes torch tensors, for a finite gradient at c = ±1: both catch acos.
    ``fn`` None (``globals().get`` before the ``def`` cell ran) reads "not defined yet"."""
    name, c = "cos(mθ) from cos θ", np.linspace(-1.0, 1.0, 801)
    if fn is None:
        return _not_defined(name, "cos_m_theta", "cos_m_theta(c, m)")
    try:
        yours = {m: _call_array(fn, "cos_m_theta", c, m) for m in ms}
    except _NotWritten:
        return _not_written(name, "cos_m_theta")
    points = len(c) * len(ms)
    bad = [m for m in ms if not np.allclose(yours[m], cos_m_theta(c, m), atol=1e-6)]
    if bad:
        return _failed(name, _cos_difference(c, yours, bad, ms), points)
    past_one, grad = _past_one(fn, ms), _gradient_at_ends(fn, max(ms))
    missed = _missed_past_one(past_one)
    if missed:
        return _failed(name, _acos_text(past_one, missed, grad), points)
    if grad is False:
        return _failed(name, "Your values are right, but the gradient at c = ±1 is not finite: acos has an infinite "
                             f"slope there. Build cos(mθ) from c with {_RECURSION}: no acos, no NaN.", points)
    note = "" if grad else " (values only: your function takes numpy arrays, so its gradient was not checked)"
    return _passed(name, f"Your cos_m_theta matches T_m(c) at {points:,} points (c from −1 to 1, m = "
                         f"{min(ms)}..{max(ms)}){note}.", points)


def _cos_difference(c, yours: dict, bad: list, ms) -> str:
    """Where ``yours`` differs from T_m(c) on [−1, 1], and the slip it is, if known."""
    m = bad[0]
    i = int(np.argmax(~np.isclose(yours[m], cos_m_theta(c, m), atol=1e-6)))
    text = (f"Your cos_m_theta differs for m = {', '.join(map(str, bad))}; first at m = {m}, c = {c[i]:g}: yours "
            f"{yours[m][i]:.4g}, cos(mθ) {cos_m_theta(c[i], m):.4g}.")
    return text + _diagnose(yours, {k: {m: f(m) for m in ms} for k, f in _cos_mistakes(c).items()})


def _past_one(fn, ms) -> dict:
    """m -> ``fn(c, m)`` at c = ±(1 + 10⁻⁶), or the exception it raised there."""
    values = {}
    with _quiet_invalid():  # arccos(1 + 1e-6): the finding, not a warning to show
        for m in ms:
            try:
                values[m] = _call_array(fn, "cos_m_theta", _PAST_ONE, m)
            except (_NotWritten, ValueError, ArithmeticError) as exc:
                values[m] = exc
    return values


def _missed_past_one(values: dict) -> list:
    """The m whose values miss T_m(c) at c = ±(1 + 10⁻⁶): NaN, the clipped T_m(±1) (acos); all if one failed."""
    if any(isinstance(v, Exception) for v in values.values()):
        return list(values)
    return [m for m, v in values.items() if not np.allclose(v, cos_m_theta(_PAST_ONE, m), rtol=1e-9, atol=1e-9)]


def _acos_text(values: dict, missed: list, grad) -> str:
    """Right on [−1, 1], wrong just outside: what that says (acos), for the largest m missed."""
    m = missed[-1]  # the largest m: the farthest from a clipped acos's T_m(±1)
    got = values[m]
    got = (f"yours fails ({type(got).__name__})" if isinstance(got, Exception)
           else f"yours gives {got[0]:.7g} and {got[1]:.7g}")
    want = cos_m_theta(_PAST_ONE, m)
    text = (f"Your values are right on [−1, 1], but it looks like acos was used: just outside, at c = ±(1 + 10⁻⁶), "
            f"where T_{m}(c) is a finite polynomial value ({want[0]:.7g} and {want[1]:.7g}), {got} (m = "
            f"{', '.join(map(str, missed))}). arccos is undefined beyond ±1 (NaN, or a clipped value), and a "
            "cos θ computed from features can round to just past ±1.")
    if grad is False:
        text += " The gradient at c = ±1 is not finite either: acos has an infinite slope there."
    return text + f" Build cos(mθ) from c alone with {_RECURSION}: a polynomial, no acos, no NaN."


def _gradient_at_ends(fn, m):
    """True if fn's gradient is finite at c = −1, 0, 1 with tensors; False if not; None if it takes no tensors."""
    c = torch.tensor([-1.0, 0.0, 1.0], dtype=torch.float64, requires_grad=True)
    try:
        out = fn(c, m)
        if not isinstance(out, torch.Tensor) or not out.requires_grad:
            return None
        out.sum().backward()
    except (TypeError, AttributeError, RuntimeError):
        return None
    return bool(torch.isfinite(c.grad).all())


def check_psi_value(answer, theta_deg=90.0, m=4) -> CheckResult:
    """A prediction of ψ(θ) at one angle (degrees) for one m, within 0.05."""
    t = math.radians(theta_deg)
    k = min(math.floor(t * m / math.pi), m - 1)
    mistakes = [(math.cos(m * t), "That is cos(mθ): ψ adds the sign flip (−1)^k and the −2k step."),
                ((-1) ** k * math.cos(m * t), "That forgets the −2k term: each piece of ψ starts where the last "
                                              "ended."),
                (math.cos(m * t) - 2 * k, "That forgets the (−1)^k sign flip."),
                (math.cos(t), "That is cos θ, the m = 1 curve.")]
    # the hint must not give the sector k away (finding it is the exercise), and the lesson speaks degrees
    return _number(f"ψ({theta_deg:g}°) at m = {m}", answer, float(psi(t, m)), 0.05, "", mistakes,
                   f"First find the sector k with θ in [k·180°/m, (k+1)·180°/m] (for m = {m}: sectors "
                   f"{180 / m:g}° wide), then ψ = (−1)^k cos(mθ) − 2k. Or read the red dashed ψ(θ) curve off the "
                   f"left panel at θ = {theta_deg:g}°.")
