"""The exact boundaries of A-Softmax's caps on the unit sphere (Fig. 3), as closed curves.

Class 1's constraint ψ(θ1) > cos θ2 holds where θ1 < θ2/m: ψ falls monotonically and equals cos mθ1 on
[0, π/m], below −1 beyond it. So class 1's cap is {x : m·θ1(x) < θ2(x)} and its boundary the curve
m·θ1 = θ2. Around W1, a point at angle t from W1 in the direction β (β = 0 towards W2) has

    cos θ2 = cos t · cos θ12 + sin t · sin θ12 · cos β,

and g(t) = m t − θ2(t, β) rises from −θ12 at t = 0 to π − θ2 ≥ 0 at t = π/m with slope ≥ m − 1 > 0 (θ2 moves
at most as fast as t): one root per β for m ≥ 2, found by bisection. For m = 1 the boundary is the bisecting
great circle x · (W1 − W2) = 0. Class 2's cap is the mirror image (W1 and W2 swapped). Angles in degrees
outside, radians inside.
"""

from __future__ import annotations

import numpy as np

from spheredemo.geometry import class_weights
from spheredemo.margins import check_m, check_theta12_deg

__all__ = ["cap_boundary"]


def _frame(w: np.ndarray, towards: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two unit tangents at w: u towards ``towards``, v = w × u."""
    u = towards - np.dot(towards, w) * w
    u /= np.linalg.norm(u)
    return u, np.cross(w, u)


def cap_boundary(theta12_deg=90.0, m=4, label: int = 1, n: int = 241, tol_rad: float = 1e-12) -> np.ndarray:
    """Class ``label``'s cap boundary as (n, 3) unit points of a closed curve (first point = last), for
    W1, W2 of :func:`spheredemo.geometry.class_weights` (dim 3) θ12 = ``theta12_deg`` degrees apart."""
    theta12, m = np.radians(check_theta12_deg(theta12_deg)), check_m(m)
    if label not in (1, 2):
        raise ValueError(f"label must be 1 or 2 (the class whose cap), got {label!r}")
    w1, w2 = class_weights(np.degrees(theta12), dim=3)
    own, other = (w1, w2) if label == 1 else (w2, w1)
    beta = np.linspace(0.0, 2 * np.pi, n)
    u, v = _frame(own, other)
    if m == 1:  # the bisecting great circle, the same for both classes
        normal = (w1 - w2) / np.linalg.norm(w1 - w2)
        a, b = _frame(normal, w1 + w2)
        return np.cos(beta)[:, None] * a + np.sin(beta)[:, None] * b
    lo, hi = np.zeros(n), np.full(n, np.pi / m)
    while np.max(hi - lo) > tol_rad:
        t = (lo + hi) / 2
        cos2 = np.clip(np.cos(t) * np.cos(theta12) + np.sin(t) * np.sin(theta12) * np.cos(beta), -1, 1)
        inside = m * t < np.arccos(cos2)
        lo, hi = np.where(inside, t, lo), np.where(inside, hi, t)
    t = (lo + hi) / 2
    direction = np.cos(beta)[:, None] * u + np.sin(beta)[:, None] * v
    return np.cos(t)[:, None] * own + np.sin(t)[:, None] * direction
