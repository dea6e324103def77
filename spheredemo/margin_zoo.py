"""The margin zoo's geometry: SphereFace (A-Softmax), CosFace and ArcFace side by side, in plain numpy.

Two unit class weights W1, W2 lie θ12 apart (as in :mod:`spheredemo.geometry`: W1 at 90° − θ12/2, W2 at
90° + θ12/2 on the circle). A feature at the signed angle φ from W1 towards W2 has θ1 = |φ| and cos θ2 =
cos(θ12 − φ). Class 1's training constraint holds where its target logit beats class 2's plain logit; dividing
both by the scale (s, or ‖x‖ for A-Softmax) that is T(θ1) > cos θ2 with the target's angular part T:

- ``"asoftmax"``: T = (λ cos θ + ψ(θ))/(1 + λ) (ψ of Eq. 6, m an integer): boundary cos(mθ1) = cos θ2 at λ = 0,
  at θ12/(m+1) from W1, binary margin (m−1)/(m+1)·θ12 (:func:`spheredemo.margins.angular_margin`; with λ > 0
  :func:`spheredemo.margins.effective_margin` solves it);
- ``"cosface"``: T = cos θ − m: cos θ1 − m = cos θ2, i.e. 2 sin(θ12/2) sin(θ12/2 − φ) = m, so the boundary lies
  at φ1 = θ12/2 − asin(m / (2 sin(θ12/2))) and the binary margin is 2·asin(m / (2 sin(θ12/2))). Above
  m = 1 − cos θ12 that is wider than θ12 itself: φ1 < 0, class 1's boundary lies beyond W1 and W1 itself does not
  satisfy its own class (69° at θ12 = 36°, m = 0.35). For m ≥ 2 sin(θ12/2) no feature on the circle satisfies
  either class;
- ``"arcface"``: T = cos(θ + m) (m in radians, as the heads take it; pytorch-metric-learning's ArcFaceLoss takes
  degrees), extended past θ = π − m by cos θ − m·sin m (:func:`spheredemo.margins.target_logit`): θ1 + m = θ2,
  the boundary at φ1 = (θ12 − m)/2 and the margin m itself (in degrees) while m < θ12; for m ≥ θ12 no feature
  satisfies either class.

The combined form cos(m1·θ + m2) − m3 (:func:`combined_target`) holds all three: m1 SphereFace's multiplicative
margin, m2 ArcFace's additive angular one, m3 CosFace's additive cosine one; its margin has no closed form and
:func:`combined_margin_deg` finds it by bisection. Every angle here is in degrees but ``theta_rad`` and ArcFace's
m (radians). Nothing here draws: :mod:`spheredemo.plots.zoo` draws these results.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from spheredemo._validate import ARCFACE_M_LIMIT, COSFACE_M_LIMIT, check_below, check_finite
from spheredemo.margins import (ZOO_DEFAULTS, ZOO_LOSSES, angular_margin, annealed_target, check_m,
                                check_theta12_deg, effective_margin, target_logit)

__all__ = [
    "ZOO_LOSSES", "ZOO_TITLES", "check_zoo_margin", "binary_margin_deg", "boundary_phi_deg", "combined_target",
    "combined_margin_deg", "blended_margin_deg",
    "ZooBoundaries", "zoo_boundaries", "zoo_region_labels", "sphere_boundary_curve",
    "matched_margins", "MatchedMargins",
]

ZOO_TITLES = {"asoftmax": "SphereFace (A-Softmax)", "cosface": "CosFace", "arcface": "ArcFace"}
_SCAN_DEG = 0.25  # the grid step of the numeric boundary searches, before bisection refines them
_TOL_DEG = 1e-9


def check_zoo_loss(loss: str) -> str:
    if loss not in ZOO_LOSSES:
        raise ValueError(f"loss must be one of {ZOO_LOSSES}, got {loss!r}")
    return loss


def check_zoo_margin(loss: str, m):
    """A family's margin checked: A-Softmax an integer m ≥ 1, CosFace m in [0, 2), ArcFace m in [0, π/2) radians."""
    check_zoo_loss(loss)
    if loss == "asoftmax":
        return check_m(m)
    if loss == "cosface":
        return check_below("m (the cosine margin of cosface)", m, COSFACE_M_LIMIT)
    value = check_below("m (the additive angular margin of arcface, radians)", m, ARCFACE_M_LIMIT)
    return value


def _scalar(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))


def _none_satisfies(loss, theta12, m) -> str:
    limit = {"cosface": f"m ≥ 2·sin(θ12/2) = {2 * math.sin(math.radians(theta12) / 2):.4g}",
             "arcface": f"m ≥ θ12 = {math.radians(theta12):.4g} rad"}.get(loss, "this setting")
    return (f"no feature on the circle satisfies either class for {loss} with m = {m:g} at θ12 = {theta12:g}° "
            f"({limit}): the binary margin is undefined")


def binary_margin_deg(loss: str, theta12_deg, m=None, lam: float = 0.0):
    """The angle (degrees) between the two binary decision boundaries of classes θ12 = ``theta12_deg`` apart.

    A-Softmax: (m−1)/(m+1)·θ12 at λ = 0, else the λ-blended margin of :func:`spheredemo.margins.effective_margin`;
    CosFace: 2·asin(m / (2 sin(θ12/2))); ArcFace: m in degrees (m given in radians). ``m`` None is the package
    default of the family. Where no feature satisfies either class (CosFace m ≥ 2 sin(θ12/2), ArcFace m ≥ θ12) a
    scalar θ12 raises ValueError and an array gives NaN there. Arrays of θ12 work element-wise.
    """
    check_zoo_loss(loss)
    m = check_zoo_margin(loss, ZOO_DEFAULTS[loss]["m"] if m is None else m)
    lam = check_finite("lam (the annealing weight λ)", lam)
    scalar = _scalar(theta12_deg)
    t = np.asarray(check_theta12_deg(theta12_deg), dtype=np.float64)
    if loss == "asoftmax":
        if lam == 0:
            out = np.asarray(angular_margin(m, t), dtype=np.float64)
        elif t.ndim == 0:  # the blend has no closed form: margins' bisection
            out = np.asarray(effective_margin(m, lam, float(t), tol_rad=1e-9).margin)
        else:
            out = blended_margin_deg(m, lam, t)
    elif loss == "cosface":
        ratio = m / (2 * np.sin(np.radians(t) / 2))
        with np.errstate(invalid="ignore"):
            out = np.where(ratio < 1, 2 * np.degrees(np.arcsin(np.minimum(ratio, 1.0))), np.nan)
    else:
        out = np.where(math.degrees(m) < t, math.degrees(m) + 0 * t, np.nan)
    if scalar:
        if not np.isfinite(out):
            raise ValueError(_none_satisfies(loss, float(t), m))
        return float(out)
    return out


def blended_margin_deg(m, lam: float, theta12_deg, tol_rad: float = 1e-9) -> np.ndarray:
    """The λ-blended A-Softmax binary margin (degrees) at each θ12 of an array: the bisection of
    :func:`spheredemo.margins.effective_margin` (the same equation, (λ cos θ1 + ψ(θ1))/(1 + λ) = cos(θ12 − θ1) with
    θ1 in [0, θ12/2], the target from :func:`spheredemo.margins.annealed_target`) run on every θ12 at once, so that
    a margin curve costs one bisection instead of one per point; the result is θ12 − 2θ1*."""
    m, lam = check_m(m), check_finite("lam (the annealing weight λ)", lam)
    t12 = np.radians(np.asarray(check_theta12_deg(theta12_deg), dtype=np.float64))
    lo, hi = np.zeros_like(t12), t12 / 2
    while np.max(hi - lo, initial=0.0) > tol_rad:
        mid = 0.5 * (lo + hi)
        above = annealed_target(np.cos(mid), m, lam) - np.cos(t12 - mid) > 0
        lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
    return np.degrees(t12 - (lo + hi))


def boundary_phi_deg(loss: str, theta12_deg, m=None, lam: float = 0.0):
    """Where class 1's binary boundary lies: its signed angle φ1 (degrees) from W1 towards W2, (θ12 − δ)/2 with δ
    the :func:`binary_margin_deg`; negative where the margin is wider than θ12 (the boundary beyond W1). Class 2's
    lies at θ12 − φ1 by symmetry. Scalars raise and arrays give NaN where no feature satisfies either class."""
    margin = binary_margin_deg(loss, theta12_deg, m, lam)
    return (np.asarray(theta12_deg, dtype=np.float64) - margin) / 2 if not _scalar(theta12_deg) else (
        float(theta12_deg) - margin) / 2


def combined_target(theta_rad, m1: float = 1.0, m2: float = 0.0, m3: float = 0.0):
    """The combined margin's angular part cos(m1·θ + m2) − m3 (InsightFace's combined loss), ``theta_rad`` in [0, π].

    m1 ≥ 1 is SphereFace's multiplicative margin, m2 ≥ 0 (radians) ArcFace's, m3 ≥ 0 CosFace's; (1, 0, 0) is cos θ.
    Past u = m1·θ + m2 = π, cos u would rise again; here it is extended the way ψ extends cos(mθ): on
    u ∈ [kπ, (k+1)π] it is (−1)^k cos u − 2k − m3, continuous and decreasing, so (m, 0, 0) with an integer m is ψ
    of Eq. 6 exactly. (The ArcFace head's own extension past π − m is the line cos θ − m·sin m instead: both lie
    below −1 there, where no cos θ2 reaches, so the binary boundary and margin do not depend on the choice.)
    """
    m1 = check_finite("m1 (the multiplicative margin)", m1, minimum=1.0)
    m2 = check_finite("m2 (the additive angular margin, radians)", m2)
    m3 = check_finite("m3 (the additive cosine margin)", m3)
    theta = np.asarray(theta_rad, dtype=np.float64)
    u = m1 * theta + m2
    k = np.floor(u / math.pi)
    return (1 - 2 * (k % 2)) * np.cos(u) - 2 * k - m3


def _near_edge_phi(gap, lo_deg: float, hi_deg: float) -> float:
    """The largest φ in [lo, hi] (degrees) where ``gap(φ)`` (vectorised) turns from > 0 to ≤ 0, by a scan of
    :data:`_SCAN_DEG` then bisection; NaN when the gap is nowhere positive."""
    grid = np.arange(lo_deg, hi_deg + _SCAN_DEG / 2, _SCAN_DEG)
    positive = np.flatnonzero(gap(grid) > 0)
    if positive.size == 0:
        return math.nan
    a = grid[positive[-1]]
    b = grid[positive[-1] + 1] if positive[-1] + 1 < grid.size else hi_deg
    while b - a > _TOL_DEG:
        mid = 0.5 * (a + b)
        a, b = (mid, b) if gap(np.array([mid]))[0] > 0 else (a, mid)
    return 0.5 * (a + b)


def combined_margin_deg(theta12_deg: float, m1: float = 1.0, m2: float = 0.0, m3: float = 0.0) -> float:
    """The binary margin (degrees) of the combined target cos(m1·θ + m2) − m3, found numerically: class 1's
    boundary is the φ nearest the bisector where cos(m1·|φ| + m2) − m3 = cos(θ12 − φ) (scanned, then bisected),
    and the margin is θ12 − 2φ1. ValueError where no feature satisfies either class."""
    theta12 = check_theta12_deg(theta12_deg)

    def gap(phi_deg):
        return combined_target(np.radians(np.abs(phi_deg)), m1, m2, m3) - np.cos(np.radians(theta12 - phi_deg))

    phi1 = _near_edge_phi(gap, theta12 / 2 - 180.0, theta12 / 2)
    if not math.isfinite(phi1):
        raise ValueError(f"no feature on the circle satisfies either class for the combined margin (m1, m2, m3) = "
                         f"({m1:g}, {m2:g}, {m3:g}) at θ12 = {theta12:g}°")
    return theta12 - 2 * phi1


def _angular_part(loss: str, m, lam: float):
    """θ (radians) -> the family's target logit divided by its scale (s, or ‖x‖)."""
    scale = {"x_norm": 1.0, "lam": lam} if loss == "asoftmax" else {"s": 1.0}
    return lambda theta: target_logit(loss, theta, m=m, **scale)


def zoo_region_labels(loss: str, theta12_deg, m=None, lam: float = 0.0, angles_deg=None) -> np.ndarray:
    """Which class's constraint a point of the unit circle at ``angles_deg`` (the picture's frame: W1 at
    90° − θ12/2) satisfies: 1, 2, or 0 for neither, from the target logits themselves (T(θ1) > cos θ2)."""
    theta12 = check_theta12_deg(theta12_deg)
    m = check_zoo_margin(loss, ZOO_DEFAULTS[loss]["m"] if m is None else m)
    angles = np.linspace(0.0, 360.0, 721) if angles_deg is None else np.asarray(angles_deg, dtype=np.float64)
    part = _angular_part(loss, m, lam)
    phi1 = np.radians(angles - (90.0 - theta12 / 2))
    phi2 = np.radians(angles - (90.0 + theta12 / 2))
    cos1, cos2 = np.cos(phi1), np.cos(phi2)
    theta1, theta2 = np.arccos(np.clip(cos1, -1, 1)), np.arccos(np.clip(cos2, -1, 1))
    one, two = part(theta1) > cos2, part(theta2) > cos1
    return np.where(one, 1, np.where(two, 2, 0))


@dataclass
class ZooBoundaries:
    """One family's binary picture on the circle (degrees; W1 at 90° − θ12/2, W2 at 90° + θ12/2)."""

    loss: str
    theta12: float
    m: float  # the family's margin (A-Softmax an integer, CosFace a cosine, ArcFace radians)
    lam: float  # A-Softmax's λ (0 for the others)
    margin: float  # the binary margin δ (degrees), NaN when no feature satisfies either class
    boundary1: float  # the direction (degrees, the picture's frame) of class 1's boundary, NaN likewise
    boundary2: float
    arc_angles: np.ndarray  # (n,) angles of the circle
    arc_labels: np.ndarray  # (n,) 1, 2, or 0 where neither class is satisfied

    @property
    def satisfiable(self) -> bool:
        return math.isfinite(self.margin)

    @property
    def wider_than_theta12(self) -> bool:
        """The margin is wider than θ12: each boundary lies beyond its own class weight (CosFace, m > 1 − cos θ12)."""
        return self.satisfiable and self.margin > self.theta12 + 1e-9


def zoo_boundaries(loss: str, theta12_deg, m=None, lam: float = 0.0, n_arc: int = 721) -> ZooBoundaries:
    """The binary boundaries, margin and winning arcs of one family at θ12 (degrees); never raises for an
    unsatisfiable setting (the margin and boundaries are NaN, every arc label 0)."""
    theta12 = check_theta12_deg(theta12_deg)
    m = check_zoo_margin(loss, ZOO_DEFAULTS[loss]["m"] if m is None else m)
    margin = float(binary_margin_deg(loss, np.array([theta12]), m, lam)[0])
    phi1 = (theta12 - margin) / 2
    w1_at = 90.0 - theta12 / 2
    angles = np.linspace(0.0, 360.0, n_arc)
    return ZooBoundaries(loss, theta12, m, float(lam), margin, w1_at + phi1, w1_at + theta12 - phi1, angles,
                         zoo_region_labels(loss, theta12, m, lam, angles))


def sphere_boundary_curve(loss: str, theta12_deg, m=None, lam: float = 0.0, n: int = 91) -> np.ndarray:
    """Class 1's binary boundary on the unit sphere (W1, W2 on the equator at azimuths ±θ12/2 about the y axis as
    in :func:`spheredemo.geometry.class_weights`), as (n, 3) points, one per elevation in (−90°, 90°); NaN rows
    where that latitude holds no boundary. Found per elevation e by the near-edge search of T(θ1) = cos θ2 with
    cos θ1 = cos e·cos φ, cos θ2 = cos e·cos(θ12 − φ). Class 2's is its mirror image x -> −x."""
    theta12 = check_theta12_deg(theta12_deg)
    m = check_zoo_margin(loss, ZOO_DEFAULTS[loss]["m"] if m is None else m)
    part = _angular_part(loss, m, lam)
    points = np.full((n, 3), np.nan)
    for i, e in enumerate(np.linspace(-90.0, 90.0, n + 2)[1:-1]):
        ce = math.cos(math.radians(e))

        def gap(phi_deg, ce=ce):
            cos1 = np.clip(ce * np.cos(np.radians(phi_deg)), -1, 1)
            return part(np.arccos(cos1)) - ce * np.cos(np.radians(theta12 - phi_deg))

        phi = _near_edge_phi(gap, theta12 / 2 - 180.0, theta12 / 2)
        if math.isfinite(phi):
            a = math.radians(90.0 - theta12 / 2 + phi)
            points[i] = (ce * math.cos(a), ce * math.sin(a), math.sin(math.radians(e)))
    return points


@dataclass(frozen=True)
class MatchedMargins:
    """The three families set to one binary margin ``margin`` (degrees) at ``theta12`` (degrees)."""

    reference: str  # the family whose margin the others match
    theta12: float
    margin: float
    asoftmax_m: int
    lam: float
    cosface_m: float
    arcface_m: float  # radians
    unmatched: tuple  # families that cannot reach the margin (their setting is the nearest they can)


def matched_margins(reference: str, theta12_deg, m=None, lam: float = 0.0, m_max: int = 6,
                    lam_max: float = 1000.0) -> MatchedMargins:
    """Set the other two families to the reference family's binary margin δ at θ12 (degrees): CosFace
    m = 2 sin(θ12/2) sin(δ/2), ArcFace m = δ in radians, A-Softmax the smallest integer m ≤ ``m_max`` whose
    λ = 0 margin reaches δ, with the λ in [0, ``lam_max``] that brings it down to δ (bisection: the margin falls
    as λ grows). A family that cannot reach δ (ArcFace needs δ < 90°, A-Softmax δ ≤ (m_max−1)/(m_max+1)·θ12) is
    named in ``unmatched`` and set to the nearest it can. ValueError where the reference has no margin."""
    theta12 = check_theta12_deg(theta12_deg)
    delta = binary_margin_deg(reference, theta12, m, lam)
    unmatched = []
    cosface_m = 2 * math.sin(math.radians(theta12) / 2) * math.sin(math.radians(delta) / 2)
    arcface_m = math.radians(delta)
    if arcface_m >= ARCFACE_M_LIMIT:
        arcface_m, unmatched = math.nextafter(ARCFACE_M_LIMIT, 0.0), unmatched + ["arcface"]
    a_m = next((k for k in range(1, m_max + 1) if float(angular_margin(k, theta12)) >= delta - 1e-9), None)
    a_lam = 0.0
    if a_m is None:
        a_m, unmatched = m_max, unmatched + ["asoftmax"]
    elif float(angular_margin(a_m, theta12)) > delta + 1e-9:
        lo, hi = 0.0, lam_max
        if effective_margin(a_m, hi, theta12).margin > delta:
            a_lam, unmatched = hi, unmatched + ["asoftmax"]
        else:
            while hi - lo > 1e-6 * max(1.0, hi):
                mid = 0.5 * (lo + hi)
                lo, hi = (mid, hi) if effective_margin(a_m, mid, theta12).margin > delta else (lo, mid)
            a_lam = 0.5 * (lo + hi)
    if reference == "asoftmax":
        a_m, a_lam = check_m(ZOO_DEFAULTS["asoftmax"]["m"] if m is None else m), float(lam)
    elif reference == "cosface":
        cosface_m = check_zoo_margin("cosface", ZOO_DEFAULTS["cosface"]["m"] if m is None else m)
    else:
        arcface_m = check_zoo_margin("arcface", ZOO_DEFAULTS["arcface"]["m"] if m is None else m)
    unmatched = tuple(u for u in unmatched if u != reference)
    return MatchedMargins(reference, theta12, float(delta), a_m, float(a_lam), float(cosface_m), float(arcface_m),
                          unmatched)
