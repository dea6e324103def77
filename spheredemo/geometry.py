"""The geometry of Table 1 and Fig. 3, in plain numpy: boundaries, margins and constraint regions.

Two unit class weights W1, W2 lie θ12 apart on the unit circle, W1 at 90° − θ12/2 and W2 at
90° + θ12/2 (so going from W1 towards W2 is counter-clockwise); on the sphere they lie on the
equator, z = 0. Every angle here is in degrees (the unit the figures and widgets show), θ12 as
``theta12_deg``. The losses compared (``loss``, one of :data:`BOUNDARY_LOSSES`):

- ``softmax``: (W1 − W2)·x + b1 − b2 = 0, a line that the biases move off the origin;
- ``modified``: ‖x‖(cos θ1 − cos θ2) = 0, the bisector;
- ``asoftmax``: ‖x‖(cos mθ1 − cos θ2) = 0 for class 1 and ‖x‖(cos θ1 − cos mθ2) = 0 for class 2,
  rays at θ12/(m+1) and mθ12/(m+1) from W1; between them lies the angular margin (m−1)/(m+1)·θ12;
- ``euclidean`` (Fig. 3 only): ‖x − W1‖ + d < ‖x − W2‖, with d = ``euclidean_margin`` a distance.

Nothing here draws: :mod:`spheredemo.plots.boundaries`, :mod:`spheredemo.plots.regions` and
:mod:`spheredemo.plots.sliders` draw these results.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from spheredemo.keys import LOSS_LABELS
from spheredemo.margins import (
    BINARY_M_BOUND,
    MULTICLASS_M_BOUND,
    angular_margin,
    boundary_angles,
    check_m,
    check_theta12_deg,
    psi_from_cos,
    softmax_boundary,
    unit,
)

__all__ = [
    "BOUNDARY_LOSSES",
    "TABLE1_LOSSES",
    "LOSS_TITLES",
    "VIEW_LIMIT",
    "check_loss",
    "direction",
    "class_weights",
    "BinaryBoundaries",
    "binary_boundaries",
    "region_labels",
    "plane_region_labels",
    "sphere_grid",
    "sphere_region_labels",
    "bounds_text",
]

#: the losses whose decision boundaries are drawn here (not the training losses of config.LOSSES)
BOUNDARY_LOSSES = ("softmax", "modified", "asoftmax", "euclidean")
TABLE1_LOSSES = BOUNDARY_LOSSES[:3]  # the losses of Table 1 (the Euclidean margin is Fig. 3's only)
LOSS_TITLES = {**{loss: LOSS_LABELS[loss] for loss in TABLE1_LOSSES}, "euclidean": "Euclidean margin"}
VIEW_LIMIT = 1.45  # half-width of the square around the unit circle that the pictures show
RAY = 1.35  # length of the A-Softmax boundary rays


def check_loss(loss: str, allowed=BOUNDARY_LOSSES) -> str:
    """``loss`` itself, or a ValueError naming the allowed losses."""
    if loss not in allowed:
        raise ValueError(f"loss must be one of {allowed}, got {loss!r}")
    return loss


def direction(angle_deg) -> np.ndarray:
    """Unit vectors (cos φ, sin φ) at the angles φ = ``angle_deg`` (degrees), shape (..., 2)."""
    a = np.radians(angle_deg)
    return np.stack([np.cos(a), np.sin(a)], axis=-1)


def class_weights(theta12_deg=90.0, dim: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """The unit weights W1 at 90° − θ12/2 and W2 at 90° + θ12/2, each (dim,) with dim 2 or 3.

    ``theta12_deg``: θ12 in degrees. In 3D they lie on the equator (z = 0).
    """
    theta12 = check_theta12_deg(theta12_deg)
    if dim not in (2, 3):
        raise ValueError(f"dim must be 2 (the circle) or 3 (the sphere), got {dim!r}")
    w1, w2 = direction(90.0 - theta12 / 2), direction(90.0 + theta12 / 2)
    if dim == 3:
        w1, w2 = np.append(w1, 0.0), np.append(w2, 0.0)
    return w1, w2


@dataclass
class BinaryBoundaries:
    """Everything Table 1 shows for one setting, in plain arrays (angles in degrees)."""

    theta12: float  # θ12, the angle between W1 and W2 (degrees)
    m: int  # A-Softmax margin (used by the asoftmax loss only)
    loss: str  # softmax, modified or asoftmax
    b1: float  # softmax biases (softmax loss only)
    b2: float
    w1: np.ndarray  # (2,) unit weight of class 1
    w2: np.ndarray  # (2,) unit weight of class 2
    boundary1: np.ndarray  # (2, 2) segment: class 1's boundary
    # (2, 2) segment: class 2's boundary (the same line for one-boundary losses)
    boundary2: np.ndarray
    margin: float  # angular margin between the two boundaries (degrees), 0 without one
    wedge: np.ndarray  # (K, 2) polygon of the margin wedge on the unit disc; (0, 2) without one
    arc_angles: np.ndarray  # (n,) angles (degrees) of a grid on the unit circle
    arc_labels: np.ndarray  # (n,) which class wins there (1, 2) or 0 inside a margin

    @property
    def margin_text(self) -> str:
        """The angular margin (m−1)/(m+1)·θ12 in words, or that there is one shared boundary."""
        if self.loss == "asoftmax" and self.m > 1:
            return f"margin (m−1)/(m+1)·θ12 = {self.margin:.1f}°"
        return "margin = 0° (one shared boundary)"

    @property
    def boundary_text(self) -> str:
        """Where each class's boundary lies, in degrees from W1 towards W2 (angle losses only; "" for
        softmax, whose biases move a line that need not pass through the origin)."""
        if self.loss == "asoftmax" and self.m > 1:
            a1, a2 = boundary_angles(self.m, self.theta12)
            return f"class 1's boundary at {float(a1):.1f}° from W1, class 2's at {float(a2):.1f}°"
        if self.loss in ("asoftmax", "modified"):
            return f"one boundary, the bisector, at {self.theta12 / 2:.1f}° from W1"
        return ""

    def winning_arc(self, label: int) -> tuple[np.ndarray, np.ndarray]:
        """x and y (n,) of the unit circle where class ``label`` (1 or 2) wins, NaN elsewhere."""
        xy = direction(np.where(self.arc_labels == label, self.arc_angles, np.nan))
        return xy[:, 0], xy[:, 1]


def binary_boundaries(
    theta12_deg=90.0, m=4, loss="asoftmax", b1=0.0, b2=0.0, n_arc=721
) -> BinaryBoundaries:
    """Table 1 for two unit weights θ12 = ``theta12_deg`` degrees apart, under one loss.

    A-Softmax's boundaries are the rays cos(mθ1) = cos θ2 and cos θ1 = cos(mθ2), at θ12/(m+1) and
    mθ12/(m+1) from W1 with the margin (m−1)/(m+1)·θ12 between them; the modified softmax has
    the bisector; softmax the line (W1 − W2)·x + b1 − b2 = 0. The biases count for softmax only.
    """
    theta12, m = check_theta12_deg(theta12_deg), check_m(m)
    check_loss(loss, TABLE1_LOSSES)
    phi1 = 90.0 - theta12 / 2
    w1, w2 = class_weights(theta12)
    if loss == "asoftmax":
        boundary1, boundary2, margin, wedge = _asoftmax_rays(phi1, theta12, m)
    else:
        biases = (b1, b2) if loss == "softmax" else (0.0, 0.0)
        boundary1 = boundary2 = _shared_line(w1, w2, *biases)
        margin, wedge = 0.0, np.zeros((0, 2))
    angles = np.linspace(0.0, 360.0, n_arc)
    labels = region_labels(direction(angles), w1, w2, loss, m=m, b1=b1, b2=b2)
    return BinaryBoundaries(
        theta12=theta12,
        m=m,
        loss=loss,
        b1=float(b1),
        b2=float(b2),
        w1=w1,
        w2=w2,
        boundary1=boundary1,
        boundary2=boundary2,
        margin=margin,
        wedge=wedge,
        arc_angles=angles,
        arc_labels=labels,
    )


def _asoftmax_rays(phi1, theta12, m):
    """A-Softmax's two boundary rays (2, 2), the margin between them and its wedge (K, 2).

    The rays start at the origin, at θ12/(m+1) and mθ12/(m+1) from W1 (which lies at ``phi1``
    degrees); the wedge is the origin then an arc of the unit circle, (0, 2) where there is no margin.
    """
    a1, a2 = (phi1 + a for a in boundary_angles(m, theta12))
    boundary1 = np.array([[0.0, 0.0], RAY * direction(a1)])
    boundary2 = np.array([[0.0, 0.0], RAY * direction(a2)])
    margin = float(angular_margin(m, theta12))
    wedge = np.zeros((0, 2))
    if margin > 0:
        arc = direction(np.linspace(a1, a2, max(2, int(margin) + 2)))
        wedge = np.vstack([[0.0, 0.0], arc])
    return boundary1, boundary2, margin, wedge


def _shared_line(w1, w2, b1, b2) -> np.ndarray:
    """The one boundary (W1 − W2)·x + b1 − b2 = 0 as a (2, 2) segment across the whole view."""
    normal, offset = softmax_boundary(w1, w2, b1, b2)
    foot = -offset * normal / (normal @ normal)  # the point of the line nearest the origin
    along = np.array([-normal[1], normal[0]]) / np.linalg.norm(normal)
    return np.array([foot - 3 * VIEW_LIMIT * along, foot + 3 * VIEW_LIMIT * along])


def _winner(score1, score2) -> np.ndarray:
    """1 where class 1's constraint holds, 2 where class 2's does, 0 where neither does."""
    return np.where(score1, 1, np.where(score2, 2, 0))


def region_labels(
    points, w1, w2, loss="asoftmax", m=4, b1=0.0, b2=0.0, euclidean_margin=0.3
) -> np.ndarray:
    """Which class's constraint a point satisfies: 1, 2, or 0 for neither (a margin), shape (...).

    ``points`` (..., D) with unit weights ``w1``, ``w2`` (D,). Class 1 wins where its training
    logit beats the other class's: softmax W1·x + b1 > W2·x + b2; modified cos θ1 > cos θ2;
    A-Softmax ψ(θ1) > cos θ2 (ψ of paper Eq. 6); Euclidean ‖x − W1‖ + d < ‖x − W2‖ with the
    distance d = ``euclidean_margin``. The origin has no angle: neither angular loss holds there.
    """
    check_loss(loss)
    points = np.asarray(points, dtype=np.float64)
    w1, w2 = unit(w1), unit(w2)
    if loss == "softmax":
        f1, f2 = points @ w1 + b1, points @ w2 + b2
        return _winner(f1 > f2, f2 > f1)
    if loss == "euclidean":
        d1 = np.linalg.norm(points - w1, axis=-1)
        d2 = np.linalg.norm(points - w2, axis=-1)
        return _winner(d1 + euclidean_margin < d2, d2 + euclidean_margin < d1)
    x = unit(points)
    cos1, cos2 = np.clip(x @ w1, -1, 1), np.clip(x @ w2, -1, 1)
    defined = np.linalg.norm(points, axis=-1) > 0
    m = 1 if loss == "modified" else m
    return _winner(defined & (psi_from_cos(cos1, m) > cos2), defined & (psi_from_cos(cos2, m) > cos1))


def plane_region_labels(
    loss="asoftmax", theta12_deg=90.0, m=4, euclidean_margin=0.3, n=301
) -> np.ndarray:
    """Fig. 3, row 1: :func:`region_labels` on an (n, n) grid over the square ±:data:`VIEW_LIMIT`.

    Row i is y = grid[i], column j is x = grid[j] (``origin="lower"`` in imshow terms);
    ``theta12_deg``: θ12 in degrees; ``euclidean_margin``: the Euclidean loss's distance d.
    """
    w1, w2 = class_weights(theta12_deg)
    grid = np.linspace(-VIEW_LIMIT, VIEW_LIMIT, n)
    xx, yy = np.meshgrid(grid, grid)
    points = np.stack([xx, yy], axis=-1)  # (n, n, 2)
    return region_labels(points, w1, w2, loss, m=m, euclidean_margin=euclidean_margin)


def sphere_grid(n: int = 60) -> np.ndarray:
    """Points of the unit sphere on an (n, 2n) longitude–colatitude grid, shape (n, 2n, 3)."""
    u, v = np.meshgrid(np.linspace(0, 2 * math.pi, 2 * n), np.linspace(0, math.pi, n))
    return np.stack([np.cos(u) * np.sin(v), np.sin(u) * np.sin(v), np.cos(v)], axis=-1)


def sphere_region_labels(
    loss="asoftmax", theta12_deg=90.0, m=4, euclidean_margin=0.3, n=60, b1=0.0, b2=0.0
) -> np.ndarray:
    """Fig. 3, row 2: :func:`region_labels` on :func:`sphere_grid` (n), shape (n, 2n).

    W1 and W2 lie on the equator θ12 = ``theta12_deg`` degrees apart; ``euclidean_margin`` is the
    Euclidean loss's distance d; ``b1``, ``b2`` are the softmax biases.
    """
    w1, w2 = class_weights(theta12_deg, dim=3)
    return region_labels(
        sphere_grid(n), w1, w2, loss, m=m, b1=b1, b2=b2, euclidean_margin=euclidean_margin
    )


def bounds_text(m) -> str:
    """Where m stands against Property 2 (binary, m ≥ 2+√3) and Property 3 (multi-class, m ≥ 3)."""
    m = check_m(m)
    binary = "✓" if m >= BINARY_M_BOUND else "✗"
    multi = "✓" if m >= MULTICLASS_M_BOUND else "✗"
    return (
        f"{binary} m ≥ 2+√3 ≈ {BINARY_M_BOUND:.2f} (binary, Property 2)\n"
        f"{multi} m ≥ {MULTICLASS_M_BOUND} (multi-class, Property 3)"
    )


# the margin zoo (SphereFace, CosFace, ArcFace side by side) lives in its own module; its names are geometry's too
from spheredemo.margin_zoo import (ZOO_LOSSES, ZOO_TITLES, MatchedMargins, ZooBoundaries,  # noqa: E402
                                   binary_margin_deg, blended_margin_deg, boundary_phi_deg, check_zoo_margin,
                                   combined_margin_deg, combined_target, matched_margins, sphere_boundary_curve,
                                   zoo_boundaries, zoo_region_labels)

__all__ += ["ZOO_LOSSES", "ZOO_TITLES", "MatchedMargins", "ZooBoundaries", "binary_margin_deg", "blended_margin_deg",
            "boundary_phi_deg", "check_zoo_margin", "combined_margin_deg", "combined_target", "matched_margins",
            "sphere_boundary_curve", "zoo_boundaries", "zoo_region_labels"]
