"""Argument checks shared by every layer (standard library only), each raising a ValueError
that says what was wrong and what is allowed."""

from __future__ import annotations

import math
import numbers
from types import MappingProxyType

#: the paper's margin (Sec. 3.3, Table 3): what ``loss="asoftmax"`` means wherever no m is given
DEFAULT_M = 4
#: the official SphereFace λ annealing, λ(t) = max(λ_min, base·(1 + γt)^−power): the one source of the defaults of
#: ``TrainConfig`` and ``margins.LambdaSchedule``
LAMBDA_BASE, LAMBDA_GAMMA, LAMBDA_POWER, LAMBDA_MIN = 1000.0, 0.12, 1.0, 5.0

__all__ = ["DEFAULT_M", "LAMBDA_BASE", "LAMBDA_GAMMA", "LAMBDA_POWER", "LAMBDA_MIN",
           "check_m", "check_int", "check_finite", "check_below", "COSFACE_M_LIMIT", "ARCFACE_M_LIMIT",
           "AUGMENT_LIMITS", "check_augment"]

#: CosFace's cosine margin m lies in [0, 2): from m = 2 on, cos θ_y − m is below every other cosine
COSFACE_M_LIMIT = 2.0
#: ArcFace's additive angular margin m (radians) lies in [0, π/2)
ARCFACE_M_LIMIT = math.pi / 2
#: the largest amount of each random augmentation of :mod:`spheredemo.data`: the zoom (fraction of the side cut
#: away), move (fraction of the side) and turn (degrees) of ``random_affine``, beyond which a face leaves its own
#: crop; the brightness and contrast changes (fractions: a factor in [1 − a, 1 + a]) and the grey probability of
#: ``random_photometric``, kept short of a black or flat image; the probability and the largest side (fraction of
#: the image's side) of ``random_erase``'s rectangle, kept short of hiding the whole face
AUGMENT_LIMITS = MappingProxyType({"zoom": 0.5, "translate": 0.25, "rotate_deg": 45.0, "brightness": 0.9,
                                   "contrast": 0.9, "grayscale": 1.0, "erase": 1.0, "erase_size": 0.9})


def _is_bool(value) -> bool:
    return isinstance(value, bool) or type(value).__name__ == "bool_"  # numpy.bool_ without numpy


def check_m(m) -> int:
    """Return ``m`` as an int, or raise ValueError unless it is a positive integer.

    Booleans, strings and non-integral numbers are refused: the 2017 A-Softmax uses an
    integer margin (a real-valued m belongs to the later SphereFace-R variant).
    """
    if not _is_bool(m) and isinstance(m, numbers.Real) and not isinstance(m, numbers.Integral):
        m = int(m) if math.isfinite(m) and float(m).is_integer() else m
    if _is_bool(m) or not isinstance(m, numbers.Integral) or m < 1:
        raise ValueError(f"m must be a positive integer (1, 2, 3, ...), got {m!r}")
    return int(m)


def check_int(name: str, value, minimum: int = 1, maximum: int | None = None) -> int:
    """``value`` as an int within [minimum, maximum], else a ValueError naming ``name``."""
    if _is_bool(value) or not isinstance(value, numbers.Integral) or value < minimum or (
            maximum is not None and value > maximum):
        allowed = f">= {minimum}" if maximum is None else f"from {minimum} to {maximum}"
        raise ValueError(f"{name} must be an integer {allowed}, got {value!r}")
    return int(value)


def check_finite(name: str, value, minimum: float = 0.0, strict: bool = False) -> float:
    """``value`` as a finite float >= minimum (> minimum when ``strict``), else a ValueError."""
    ok = not _is_bool(value) and isinstance(value, numbers.Real) and math.isfinite(value) and (
        value > minimum if strict else value >= minimum)
    if not ok:
        raise ValueError(f"{name} must be a finite number {'>' if strict else '>='} {minimum:g}, got {value!r}")
    return float(value)


def check_below(name: str, value, limit: float) -> float:
    """``value`` as a finite float in [0, limit), else a ValueError naming ``name`` and the range."""
    ok = not _is_bool(value) and isinstance(value, numbers.Real) and math.isfinite(value) and 0 <= value < limit
    if not ok:
        raise ValueError(f"{name} must lie in [0, {limit:.4g}), got {value!r}")
    return float(value)


def check_augment(prefix: str = "", **amounts) -> dict:
    """Each augmentation amount (a key of :data:`AUGMENT_LIMITS`) a finite number from 0 to its limit, as
    floats, else a ValueError naming it (as ``prefix + name``) and its range."""
    checked = {}
    for key, value in amounts.items():
        if key not in AUGMENT_LIMITS:
            raise ValueError(f"unknown augmentation amount {key!r}; known: {sorted(AUGMENT_LIMITS)}")
        limit = AUGMENT_LIMITS[key]
        if (_is_bool(value) or not isinstance(value, numbers.Real) or not math.isfinite(value)
                or not 0 <= value <= limit):
            raise ValueError(f"{prefix + key} must be a finite number in [0, {limit:g}], got {value!r}")
        checked[key] = float(value)
    return checked
