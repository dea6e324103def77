"""Lesson 1: where A-Softmax puts the two binary boundaries (Table 1) and the angular margin (m−1)/(m+1)·θ12
between them: a student's formula and their predictions, against :func:`spheredemo.margins.angular_margin`."""

from __future__ import annotations

import math

import numpy as np

from spheredemo.lessons.checking import (CheckResult, _call, _diagnose, _failed, _not_defined, _not_written,
                                         _NotWritten, _number, _passed)
from spheredemo.margins import angular_margin, check_theta12_deg

__all__ = ["check_margin_formula", "check_margin_answer", "check_boundary_answer", "check_smallest_m"]


def check_margin_formula(fn) -> CheckResult:
    """Compare ``fn(m, theta12)`` (θ12 in degrees, plain numbers) with (m−1)/(m+1)·θ12 for m = 1..6 and θ12 =
    10°, 20°, ..., 180°. ``fn`` None (``globals().get`` before the ``def`` cell ran) reads "not defined yet"."""
    name, grid = "margin formula", [(m, t) for m in range(1, 7) for t in range(10, 181, 10)]
    if fn is None:
        return _not_defined(name, "margin", "margin(m, theta12)")
    try:
        yours = np.array([_call(fn, "margin", (m, float(t)), ()) for m, t in grid])
    except _NotWritten:
        return _not_written(name, "margin")
    truth = np.array([float(angular_margin(m, float(t))) for m, t in grid])
    if np.allclose(yours, truth, atol=1e-6):
        return _passed(name, f"Your margin matches (m−1)/(m+1)·θ12 at {len(grid)} settings (m = 1..6, θ12 = "
                             "10°..180°).", len(grid))
    right = np.isclose(yours, truth, atol=1e-6)
    bad = sorted({m for (m, _), ok in zip(grid, right) if not ok})
    i = int(np.argmax(~right))
    return _failed(name, f"Your margin differs for m = {', '.join(map(str, bad))}; first at m = {grid[i][0]}, θ12 = "
                         f"{grid[i][1]}°: yours {yours[i]:.4g}°, the package {truth[i]:.4g}°."
                   + _diagnose(yours, _formula_mistakes(grid)), len(grid))


def _formula_mistakes(grid) -> dict:
    """Explanation -> the values a classic slip gives at each (m, θ12) of ``grid``."""
    return {
        "This is exactly θ12/(m+1): that is where class 1's boundary lies, measured from W1; the margin is the gap "
        "between class 1's boundary and class 2's.": [t / (m + 1) for m, t in grid],
        "This is exactly mθ12/(m+1): that is where class 2's boundary lies, measured from W1.":
            [m * t / (m + 1) for m, t in grid],
        "This is exactly (m−1)/m·θ12: class 1 needs θ1 < θ2/m with θ1 + θ2 = θ12, so its boundary is at "
        "θ12/(m+1).": [(m - 1) / m * t for m, t in grid],
        "This is exactly the margin in radians: the check passes θ12 in degrees and wants degrees back.":
            [math.radians((m - 1) / (m + 1) * t) for m, t in grid],
    }


def check_margin_answer(answer, m=3, theta12_deg=60.0) -> CheckResult:
    """A prediction of the angular margin (degrees) between the two A-Softmax boundaries at m and θ12 (degrees)."""
    truth, t = float(angular_margin(m, theta12_deg)), float(theta12_deg)
    mistakes = [(t / (m + 1), "That is where class 1's boundary lies, θ12/(m+1) from W1; the margin is the gap "
                              "between the two boundaries."),
                (t / 2, "That is the bisector, the one boundary of the modified softmax (m = 1)."),
                (math.radians(truth), "That looks like radians: the explorer speaks degrees."),
                (m * t / (m + 1), "That is where class 2's boundary lies, measured from W1.")]
    return _number(f"margin at m = {m}, θ12 = {t:g}°", answer, truth, 0.5, "°", mistakes,
                   "Move the sliders to your m and θ12 and read the bold margin line above the pictures, just "
                   "under the sliders.")


def check_boundary_answer(answer, m=4, theta12_deg=90.0) -> CheckResult:
    """A prediction of the angle (degrees) from W1 to class 1's A-Softmax boundary: θ12/(m+1), θ12 in degrees."""
    t = check_theta12_deg(theta12_deg)
    mistakes = [(t / 2, "That is the bisector: the m = 1 boundary. A margin pulls class 1's boundary towards W1."),
                (t / m, f"That is θ12/m = {t:g}°/{m}: it solves θ1 = θ12/m, but class 1 needs θ1 < θ2/m, and on "
                        "the arc between W1 and W2 θ2 = θ12 − θ1, not θ12."),
                (m * t / (m + 1), "That is class 2's boundary, mθ12/(m+1) from W1: the ray nearer W2. Class 1's "
                                  "is the ray nearer W1."),
                (float(angular_margin(m, t)), "That is the margin between both boundaries, not the position of one.")]
    return _number(f"class-1 boundary at m = {m}, θ12 = {t:g}°", answer, t / (m + 1), 0.5, "°", mistakes,
                   "Hint: solve θ1 = θ2/m with θ1 + θ2 = θ12; or set the sliders and read \"class 1's boundary at "
                   "…° from W1\" in the explorer's readout, just under the sliders.")


def check_smallest_m(answer, case="binary") -> CheckResult:
    """The smallest integer m for which max intra-class < min inter-class angle: binary (Property 2, m ≥ 2+√3)
    gives 4, multi-class with uniformly spaced weights (Property 3, m ≥ 3) gives 3."""
    if case not in ("binary", "multiclass"):
        raise ValueError(f"case must be 'binary' or 'multiclass', got {case!r}")
    truth = 4 if case == "binary" else 3
    mistakes = [(2 + math.sqrt(3), "m must be an integer: the smallest integer at or above 2 + √3 ≈ 3.73.")]
    return _number(f"smallest m ({case})", answer, truth, 0.01, "", mistakes,
                   "Look at the ✓/✗ lines in the boundary explorer's readout, just under the sliders, as you "
                   "move m.")
