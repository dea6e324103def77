"""The A-Softmax margin math of SphereFace (Liu et al., CVPR 2017), written once.

Every function here is pure and accepts torch tensors or numpy arrays (or Python floats,
returned as numpy values); the result has the input's type, dtype and device. Losses,
analysis, plots and widgets all compose these functions instead of repeating the formulas.

Symbols follow the paper: ``m`` the integer angular margin, θ the angle between a feature x and
a class weight W_j, ``psi`` the target-logit function ψ, ``lam`` the annealing weight λ, θ12 the
angle between two class weights W1 and W2.

Units are in the parameter names. The tensor math the loss uses takes radians (``theta_rad`` of
:func:`psi`; most of it takes cosines and no angle at all). Every function that takes θ12 takes
degrees (``theta12_deg``), the unit the figures and widgets show, and refuses a θ12 below 1°,
which is far more likely radians passed by mistake than a real setting (:func:`check_theta12_deg`).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
import torch

from spheredemo._validate import (DEFAULT_M, LAMBDA_BASE, LAMBDA_GAMMA, LAMBDA_MIN, LAMBDA_POWER, check_finite,
                                  check_m)

__all__ = [
    "DEFAULT_M",
    "unit",
    "check_m",
    "check_theta12_deg",
    "cos_m_theta",
    "psi",
    "psi_from_cos",
    "annealed_target",
    "angular_margin",
    "boundary_angles",
    "softmax_boundary",
    "LambdaSchedule",
    "EffectiveMargin",
    "effective_margin",
    "BINARY_M_BOUND",
    "MULTICLASS_M_BOUND",
]

#: Property 2: binary A-Softmax needs m >= 2 + √3 for max intra-class < min inter-class angle.
BINARY_M_BOUND = 2.0 + math.sqrt(3.0)
#: Property 3: multi-class A-Softmax (uniformly spaced weights) needs m >= 3.
MULTICLASS_M_BOUND = 3


def unit(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to norm 1 (zero rows stay zero): the projection on the unit circle/sphere."""
    vectors = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


def _as_array(x):
    """Torch tensors pass through; everything else becomes a float numpy array."""
    if isinstance(x, torch.Tensor):
        return x
    arr = np.asarray(x)
    return arr if np.issubdtype(arr.dtype, np.floating) else arr.astype(np.float64)


def check_theta12_deg(theta12_deg, name: str = "theta12_deg"):
    """θ12 in degrees, checked: a float for a number; arrays and tensors as given, each element checked.

    θ12, the angle between W1 and W2, must lie in (0, 180] degrees. A value below 1° is refused
    too: ``math.pi / 5`` (36° in radians) would otherwise silently mean 0.63°.
    """
    scalar = isinstance(theta12_deg, numbers.Real) and not isinstance(theta12_deg, (bool, np.bool_))
    if isinstance(theta12_deg, torch.Tensor):
        values = theta12_deg.detach().cpu().double().numpy().ravel()
    elif scalar or (isinstance(theta12_deg, (list, tuple, np.ndarray))
                    and np.asarray(theta12_deg).dtype.kind in "iuf"):
        values = np.asarray(theta12_deg, dtype=np.float64).ravel()
    else:
        raise ValueError(f"{name} must be a number of degrees in (0, 180], got {theta12_deg!r}")
    outside = values[~((values > 0) & (values <= 180))]  # NaN is outside too
    if outside.size:
        raise ValueError(
            f"{name} (the angle between W1 and W2) must lie in (0, 180] degrees, got {outside[0]:g}"
        )
    small = values[values < 1]
    if small.size:
        raise ValueError(
            f"{name}={small[0]:g} looks like radians; pass degrees in (0, 180] (a θ12 below 1° is "
            f"refused: {small[0]:g} rad is {math.degrees(small[0]):.4g}°)"
        )
    return float(theta12_deg) if scalar else theta12_deg


def cos_m_theta(cos, m):
    """cos(mθ) from c = cos θ by the multiple-angle (Chebyshev) polynomial T_m(c), no acos.

    T_0 = 1, T_1 = c, T_{n+1} = 2c·T_n − T_{n−1}; e.g. m=2: 2c²−1, m=3: 4c³−3c,
    m=4: 8c⁴−8c²+1. Exact for every integer m >= 1 and differentiable in c everywhere,
    including c = ±1 where acos is not.
    """
    m = check_m(m)
    c = _as_array(cos)
    t_prev, t = c * 0 + 1, c
    for _ in range(m - 1):
        t_prev, t = t, 2 * c * t - t_prev
    return t


def _sector_index(cos, m: int):
    """k with θ ∈ [kπ/m, (k+1)π/m], found from c = cos θ alone (no gradient flows through k).

    θ >= jπ/m exactly when c <= cos(jπ/m), so k counts the thresholds j = 1..m−1 that c is
    at or below. At a threshold both neighbouring k give the same ψ (ψ is continuous).
    """
    c = _as_array(cos)
    if isinstance(c, torch.Tensor):
        c = c.detach()
        k = torch.zeros_like(c)
    else:
        k = np.zeros_like(c)
    for j in range(1, m):
        k = k + (c <= math.cos(j * math.pi / m))
    return k


def psi_from_cos(cos, m):
    """ψ(θ) = (−1)^k cos(mθ) − 2k (paper Eq. 6), from c = cos θ, θ ∈ [kπ/m, (k+1)π/m].

    This is the form the loss uses: cos(mθ) by :func:`cos_m_theta` and k from c without
    gradient, so nothing calls acos and nothing is NaN at c = ±1. ψ is continuous and
    decreasing on [0, π], equals cos(mθ) on [0, π/m] and ranges over [1 − 2m, 1].
    """
    m = check_m(m)
    c = _as_array(cos)
    k = _sector_index(c, m)
    sign = 1 - 2 * (k % 2)  # (−1)^k
    return sign * cos_m_theta(c, m) - 2 * k


def psi(theta_rad, m):
    """ψ(θ) = (−1)^k cos(mθ) − 2k for θ ∈ [kπ/m, (k+1)π/m], k ∈ {0, …, m−1} (paper Eq. 6).

    ``theta_rad``: θ in radians, within [0, π] (a ValueError says otherwise, and suggests
    ``math.radians`` when the values look like degrees). m = 1 gives cos θ, the modified softmax.
    """
    m = check_m(m)
    t = _as_array(theta_rad)
    lib = torch if isinstance(t, torch.Tensor) else np
    if bool((t < 0).any()) or bool((t > math.pi + 1e-6).any()) or bool(lib.isnan(t).any()):
        hint = "; these look like degrees: convert with math.radians" if bool((t > 3.5).any()) else ""
        raise ValueError(
            "theta_rad must lie in [0, pi] radians (it is an angle between two vectors)" + hint
        )
    k = lib.clip(lib.floor(t * m / math.pi), 0, m - 1)
    if isinstance(k, torch.Tensor):
        k = k.detach()
    sign = 1 - 2 * (k % 2)
    return sign * lib.cos(m * t) - 2 * k


def annealed_target(cos, m, lam=0.0):
    """The annealed target-logit factor (λ cos θ + ψ(θ)) / (1 + λ) (paper Appendix G).

    Multiplied by ‖x‖ it is the A-Softmax target logit f_y used in training. λ = 0 is the
    pure A-Softmax; large λ gives back the modified softmax (cos θ). ``lam`` must be >= 0.
    """
    lam = check_finite("lam (the annealing weight λ)", lam)
    c = _as_array(cos)
    return (lam * c + psi_from_cos(c, m)) / (1.0 + lam)


def angular_margin(m, theta12_deg):
    """The angular margin between the two A-Softmax binary boundaries: (m−1)/(m+1)·θ12, in degrees.

    ``theta12_deg``: θ12, the angle between W1 and W2, in degrees (:func:`check_theta12_deg`;
    arrays and tensors work element-wise). The class-1 boundary lies at θ1 = θ12/(m+1) from W1
    and the class-2 boundary at θ2 = θ12/(m+1) from W2 (Table 1: cos(mθ1) = cos θ2 with
    θ1 + θ2 = θ12). m = 1..4 give 0, 1/3, 1/2, 3/5 of θ12.
    """
    m = check_m(m)
    t = _as_array(check_theta12_deg(theta12_deg))
    return (m - 1) / (m + 1) * t


def boundary_angles(m, theta12_deg):
    """Angles (degrees) from W1, towards W2, of the class-1 and class-2 A-Softmax boundaries (Table 1).

    ``theta12_deg``: θ12 in degrees. Class 1 needs θ1 < θ2/m, so on the arc between W1 and W2
    its boundary is at θ12/(m+1); class 2's is at θ12 − θ12/(m+1) = m·θ12/(m+1). For m = 1 both
    coincide with the bisector θ12/2 (the modified-softmax boundary).
    """
    m = check_m(m)
    t = _as_array(check_theta12_deg(theta12_deg))
    return t / (m + 1), m * t / (m + 1)


def softmax_boundary(w1, w2, b1=0.0, b2=0.0):
    """Softmax binary boundary (W1 − W2)·x + b1 − b2 = 0 (Table 1) as (normal, offset).

    Points x on the boundary satisfy ``normal @ x + offset == 0``. With b1 = b2 the line
    passes through the origin; the bias shifts it and breaks the radial picture.
    """
    w1 = np.asarray(w1, dtype=np.float64)
    w2 = np.asarray(w2, dtype=np.float64)
    if w1.shape != w2.shape or w1.ndim != 1:
        raise ValueError(f"w1 and w2 must be vectors of one shape, got {w1.shape} and {w2.shape}")
    return w1 - w2, float(b1) - float(b2)


@dataclass(frozen=True)
class LambdaSchedule:
    """λ(t) = max(λ_min, base·(1 + γ·t)^(−power)), the official SphereFace annealing.

    Called with the optimiser step t (an explicit input, never a hidden counter that an
    evaluation call could advance). With the official values λ(1) ≈ 892.9 and λ first
    reaches λ_min = 5 at t = 1659.
    """

    base: float = LAMBDA_BASE  # λ at step 0
    gamma: float = LAMBDA_GAMMA  # how fast λ decays with the step
    power: float = LAMBDA_POWER  # exponent of the decay
    lambda_min: float = LAMBDA_MIN  # floor: λ never goes below this (0 for pure A-Softmax at the end)
    floor_from: int | None = None  # from this step on λ = λ_min exactly (None: only the max() floors it)

    def __post_init__(self):
        for name in ("base", "gamma", "power", "lambda_min"):
            check_finite(f"LambdaSchedule.{name}", getattr(self, name))
        if self.floor_from is not None and (isinstance(self.floor_from, bool)
                                            or not isinstance(self.floor_from, numbers.Integral)
                                            or self.floor_from < 1):
            raise ValueError(f"LambdaSchedule.floor_from must be a step >= 1 or None, got {self.floor_from!r}")

    def __call__(self, step) -> float:
        if isinstance(step, bool) or not isinstance(step, numbers.Integral) or step < 0:
            raise ValueError(f"step must be an integer >= 0, got {step!r}")
        if self.floor_from is not None and step >= self.floor_from:
            return float(self.lambda_min)
        return max(self.lambda_min, self.base * (1.0 + self.gamma * step) ** (-self.power))

    @classmethod
    def reaching(cls, lambda_min: float, step: int, base: float = LAMBDA_BASE) -> LambdaSchedule:
        """The power-1 schedule that falls from ``base`` to λ_min by ``step``: λ(t) = base/(1 + γt) with
        γ = (base/λ* − 1)/step, λ* = max(λ_min, :data:`REACH_LAMBDA`), and λ = λ_min from ``step`` on.

        The official form base/(1 + γt) never reaches 0, so for λ_min = 0 it falls to λ* = 0.1 at ``step``
        (where the blend (λ cos θ + ψ)/(1 + λ) is already within 10 % of ψ) and is cut to 0 there.
        """
        check_finite("lambda_min", lambda_min)
        if isinstance(step, bool) or not isinstance(step, numbers.Integral) or step < 1:
            raise ValueError(f"step (where λ reaches λ_min) must be an integer >= 1, got {step!r}")
        target = max(lambda_min, REACH_LAMBDA)
        gamma = max(0.0, (base / target - 1.0) / step)
        return cls(base=base, gamma=gamma, power=1.0, lambda_min=lambda_min, floor_from=step)

    def first_step_at_min(self) -> int:
        """The first step t at which λ(t) equals λ_min (0 if base <= λ_min)."""
        if self.base <= self.lambda_min:
            return 0
        if self.floor_from is not None and (self.lambda_min == 0 or self.gamma == 0 or self.power == 0):
            return self.floor_from
        if self.lambda_min == 0 or self.gamma == 0 or self.power == 0:
            raise ValueError("this schedule never reaches lambda_min")
        t = ((self.base / self.lambda_min) ** (1.0 / self.power) - 1.0) / self.gamma
        step = max(0, math.floor(t))
        while self(step) > self.lambda_min:  # guard the float rounding of the closed form
            step += 1
        return step if self.floor_from is None else min(step, self.floor_from)


#: the λ that :meth:`LambdaSchedule.reaching` falls to before it cuts to λ_min = 0
REACH_LAMBDA = 0.1


@dataclass(frozen=True)
class EffectiveMargin:
    """Where the λ-blended A-Softmax puts the class-1 boundary (every angle in degrees)."""

    m: int  # nominal margin
    lam: float  # annealing weight λ
    theta12: float  # angle between W1 and W2, degrees
    theta1: float  # the class-1 boundary angle θ1* from W1, degrees
    m_eff: float  # the margin with θ12 / (m_eff + 1) = θ1*

    @property
    def margin(self) -> float:
        """The angular margin this gives in degrees, θ12 − 2θ1* = (m_eff − 1)/(m_eff + 1)·θ12."""
        return self.theta12 - 2 * self.theta1


def effective_margin(m, lam, theta12_deg=90.0, tol_rad=1e-10) -> EffectiveMargin:
    """Solve (λ cos θ1 + ψ(θ1)) / (1 + λ) = cos(θ12 − θ1) for θ1 ∈ [0, θ12/2] by bisection (App. G).

    ``theta12_deg``: θ12 in degrees (:func:`check_theta12_deg`); ``tol_rad``: the bisection's
    tolerance on θ1, in radians. The result's angles are in degrees. The left side decreases in
    θ1 and the right side increases, so the root is unique: at θ1 = 0 the difference is
    1 − cos θ12 > 0, at θ12/2 it is ≤ 0 since ψ ≤ cos. λ = 0 gives back θ12/(m + 1) (while
    mθ1 ≤ π) and so m_eff = m; λ → ∞ gives m_eff → 1.
    """
    m = check_m(m)
    lam = check_finite("lam (the annealing weight λ)", lam)
    theta12 = check_theta12_deg(theta12_deg)
    t12 = math.radians(theta12)

    def gap(t1: float) -> float:  # target logit of class 1 minus the class-2 logit
        return float(annealed_target(math.cos(t1), m, lam)) - math.cos(t12 - t1)

    lo, hi = 0.0, t12 / 2
    while hi - lo > tol_rad:
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if gap(mid) > 0 else (lo, mid)
    theta1 = math.degrees(0.5 * (lo + hi))
    return EffectiveMargin(m, lam, theta12, theta1, theta12 / theta1 - 1)


# --- the margin zoo's target logits (SphereFace, CosFace, ArcFace side by side) ------------------------------

from spheredemo._validate import ARCFACE_M_LIMIT, COSFACE_M_LIMIT, check_below  # noqa: E402 (kept with its use)

#: the families of the margin zoo (:mod:`spheredemo.margin_zoo`), in the order the pictures show them
ZOO_LOSSES = ("asoftmax", "cosface", "arcface")
#: the package defaults of each family: those of :class:`~spheredemo.losses.ASoftmax`, ``CosFace`` and ``ArcFace``
ZOO_DEFAULTS = {"asoftmax": {"m": DEFAULT_M}, "cosface": {"m": 0.35, "s": 30.0}, "arcface": {"m": 0.5, "s": 30.0}}
__all__ += ["ZOO_LOSSES", "ZOO_DEFAULTS", "target_logit"]


def target_logit(loss: str, theta_rad, m=None, s=None, lam: float = 0.0, x_norm=None):
    """The target-class logit f_y at θ_y = ``theta_rad`` (radians, in [0, π]) of one margin family, the one
    formula each head in :mod:`spheredemo.losses` uses (numpy or torch in, the same out):

    - ``"asoftmax"``: f_y = ‖x‖ (λ cos θ + ψ(θ)) / (1 + λ) (Eq. 6, Appendix G), integer ``m`` (default 4),
      ``x_norm`` = ‖x‖ (default 1; a float or an array broadcasting with θ), ``lam`` = λ; it has no ``s``;
    - ``"cosface"``: f_y = s (cos θ − m), default s = 30, m = 0.35;
    - ``"arcface"``: f_y = s cos(θ + m) for θ < π − m, and s (cos θ − m·sin m) from θ = π − m on, default s = 30,
      m = 0.5 radians. Past π − m, cos(θ + m) would rise again (a feature farther from its class scoring
      higher); the choice made here and in :class:`~spheredemo.losses.ArcFace` is the fix of ArcFace's own code
      (``easy_margin=False``) and pytorch-metric-learning: the line cos θ − m·sin m, which keeps falling (with a
      downward step of cos m + m·sin m − 1 at π − m: 0.117 for m = 0.5).

    Every other class keeps its plain logit (‖x‖ cos θ_j, or s cos θ_j). A keyword a family does not have (``s``
    for A-Softmax; ``lam`` or ``x_norm`` for CosFace and ArcFace) is a ValueError, not silently ignored.
    """
    if loss not in ZOO_LOSSES:
        raise ValueError(f"loss must be one of {ZOO_LOSSES}, got {loss!r}")
    t = _as_array(theta_rad)
    lib = torch if isinstance(t, torch.Tensor) else np
    if bool((t < 0).any()) or bool((t > math.pi + 1e-6).any()) or bool(lib.isnan(t).any()):
        hint = "; these look like degrees: convert with math.radians" if bool((t > 3.5).any()) else ""
        raise ValueError("theta_rad must lie in [0, pi] radians (the angle between x and its class weight)" + hint)
    if loss == "asoftmax":
        if s is not None:
            raise ValueError("asoftmax has no scale s: its logits are scaled by the feature norm, pass x_norm (‖x‖)")
        m = check_m(DEFAULT_M if m is None else m)
        norm = 1.0 if x_norm is None else x_norm
        return norm * annealed_target(lib.cos(t), m, lam)
    if lam != 0 or x_norm is not None:
        raise ValueError(f"{loss} has no λ and no ‖x‖ (x is normalised, scaled by s): pass m and s only")
    defaults = ZOO_DEFAULTS[loss]
    m = defaults["m"] if m is None else m
    m = (check_below("m (the cosine margin of cosface)", m, COSFACE_M_LIMIT) if loss == "cosface" else
         check_below("m (the additive angular margin of arcface, radians)", m, ARCFACE_M_LIMIT))
    s = check_finite("s (the scale)", defaults["s"] if s is None else s, strict=True)
    if loss == "cosface":
        return s * (lib.cos(t) - m)
    shifted = lib.cos(t + m)
    return s * lib.where(t < math.pi - m, shifted, lib.cos(t) - m * math.sin(m))
