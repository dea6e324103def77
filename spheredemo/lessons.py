"""Checks for the lessons in ``notebooks/``: a student's answer against the package, at many points.

Each ``check_*`` compares what the student wrote (a function or a number) with the package's own
math, :mod:`spheredemo.margins` and :class:`spheredemo.losses.ASoftmax`, computed here on a grid
of angles, m and λ that does not go through the student's code. It returns a :class:`CheckResult`
whose message says where the answer differs (which angles, which m, which λ) and, when the
difference is exactly a classic mistake (ψ without the −2k term, cos(mθ) without the sign flip,
λ applied at evaluation, degrees for radians ...), names it. A wrong answer never raises. An
answer that cannot be checked (not callable, wrong shape or type) raises ValueError; an exercise
stub still raising NotImplementedError (or returning None / ``...``) reads "not written yet".

:func:`train_side_by_side` trains the package's :class:`~spheredemo.losses.ASoftmax` head and the
student's own logits (:class:`StudentHead`) on the same digits from the same start.
"""

from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass

import numpy as np
import torch

from spheredemo.losses import ASoftmax
from spheredemo.margins import LambdaSchedule, angular_margin, annealed_target, cos_m_theta, effective_margin, psi

__all__ = [
    "CheckResult", "check_psi", "check_cos_m_theta", "check_annealed_target", "check_asoftmax_logits",
    "check_accuracy", "check_margin_formula", "check_own_angles", "check_verification_accuracy",
    "check_margin_answer", "check_boundary_answer", "check_smallest_m", "check_psi_value",
    "check_effective_margin_answer", "check_lambda_answer", "check_lambda_steps_answer", "check_tightest_answer",
    "check_separation_answer", "face_accuracies", "check_best_face_model", "StudentHead", "SideBySide",
    "train_side_by_side",
]

THETA = np.linspace(0.0, math.pi, 721)  # the angle grid of the function checks: 0..180° in 0.25° steps


@dataclass
class CheckResult:
    """The verdict of a check: ``passed`` and a message saying where the answer differs."""

    name: str  # what was checked, e.g. "ψ(θ)"
    passed: bool
    message: str  # starts with ✔ (passed), ✘ (differs) or … (not written / answered yet)
    points: int = 0  # how many values were compared

    def __repr__(self) -> str:  # what a notebook cell shows
        return self.message

    __str__ = __repr__


class _NotWritten(Exception):
    """The student's function is still a stub."""


def _passed(name, text, points=0) -> CheckResult:
    return CheckResult(name, True, f"✔ {name}: passed. {text}", points)


def _failed(name, text, points=0) -> CheckResult:
    return CheckResult(name, False, f"✘ {name}: not yet. {text}", points)


def _not_written(name, what) -> CheckResult:
    return CheckResult(name, False, f"… {name}: {what} (then run this cell again; the worked answer is below)")


def _to_array(value, what: str) -> np.ndarray:
    if value is None or value is Ellipsis:
        raise _NotWritten
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().double().numpy()
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must return numbers (a float, numpy array or torch tensor), "
                         f"got {type(value).__name__}") from None


def _call(fn, what: str, args, shape, torch_args=None) -> np.ndarray:
    """``fn(*args)`` as a float64 array of ``shape``; retried with ``torch_args`` if it only takes tensors."""
    if not callable(fn):
        raise ValueError(f"pass your function itself (e.g. check(psi), not check(psi(...))); got {type(fn).__name__}")
    try:
        try:
            out = fn(*args)
        except (TypeError, AttributeError):
            if torch_args is None:
                raise
            out = fn(*torch_args)
    except NotImplementedError:
        raise _NotWritten from None
    out = _to_array(out, what)
    if out.shape != tuple(shape):
        raise ValueError(f"{what} must return shape {tuple(shape)} for this input, got {out.shape}")
    return out


def _intervals(degrees: np.ndarray) -> str:
    """Angles on the 0.25° grid as a short list of ranges: "[90.25°, 180°]"."""
    if len(degrees) == 0:
        return "nowhere"
    breaks = np.flatnonzero(np.diff(degrees) > 0.26)
    starts, ends = np.r_[degrees[0], degrees[breaks + 1]], np.r_[degrees[breaks], degrees[-1]]
    parts = [f"{a:g}°" if a == b else f"[{a:g}°, {b:g}°]" for a, b in zip(starts, ends)]
    return ", ".join(parts[:4]) + (f" and {len(parts) - 4} more ranges" if len(parts) > 4 else "")


def _diagnose(yours, mistakes: dict) -> str:
    """The explanation of the first known mistake that gives exactly ``yours`` (an array, or a dict of arrays
    with the same keys as each mistake's values); "" if none does."""
    def as_dict(values):
        return values if isinstance(values, dict) else {0: values}

    for explanation, values in mistakes.items():
        values, mine = as_dict(values), as_dict(yours)
        if all(np.allclose(mine[key], values[key], atol=1e-5, equal_nan=True) for key in mine):
            return " " + explanation
    return ""


def _settings_text(settings) -> str:
    """(m,) or (m, λ) settings as "m = 2, 3", "m = 2, 3 with λ = 0, 5 each" or "m = 2 (λ = 0), m = 3 (λ = 5)"."""
    by_m = {}
    for s in settings:
        by_m.setdefault(s[0], []).extend(s[1:])
    if all(not lams for lams in by_m.values()):
        return "m = " + ", ".join(map(str, by_m))
    lam_lists = {tuple(lams) for lams in by_m.values()}
    if len(lam_lists) == 1 and len(by_m) > 1:
        return f"m = {', '.join(map(str, by_m))} with λ = {', '.join(f'{lam:g}' for lam in lam_lists.pop())} each"
    return ", ".join(f"m = {m} (λ = {', '.join(f'{lam:g}' for lam in lams)})" for m, lams in by_m.items())


def _theta_check(name, fn, reference, mistakes, settings, what) -> CheckResult:
    """Shared by the θ-grid checks: ``reference(theta, *s)`` per setting ``s`` ((m,) or (m, λ)), yours
    ``fn(theta, *s)`` with θ a numpy array in radians (a torch tensor if your function only takes those)."""
    try:
        yours = {s: _call(fn, what, (THETA.copy(), *s), THETA.shape, (torch.tensor(THETA), *s)) for s in settings}
    except _NotWritten:
        return _not_written(name, f"{what} is not written yet: fill in the exercise cell above")
    degrees = np.degrees(THETA)
    wrong = {s: ~np.isclose(yours[s], reference(THETA, *s), atol=1e-5) for s in settings}
    points = len(settings) * len(THETA)
    if not any(w.any() for w in wrong.values()):
        return _passed(name, f"Your {what} matches the package at {points:,} points ({len(THETA)} angles from 0° to "
                             f"180° for each of {_settings_text(settings)}).", points)
    bad = [s for s in settings if wrong[s].any()]
    first = bad[0]
    expected = reference(THETA, *first)
    i = int(np.nanargmax(np.where(wrong[first], np.abs(np.nan_to_num(yours[first], nan=np.inf) - expected), -1)))
    good = [s for s in settings if s not in bad]
    text = (f"Your {what} differs from the package for {_settings_text(bad)}"
            + (f"; it matches for {_settings_text(good)}" if good else "") + ". "
            f"At {_settings_text([first])} it differs on θ ∈ {_intervals(degrees[wrong[first]])}; most at θ = "
            f"{degrees[i]:g}°: yours {yours[first][i]:.4f}, the package {expected[i]:.4f}.")
    known = {text: {s: f(THETA, *s) for s in settings} for text, f in mistakes.items()}
    return _failed(name, text + _diagnose(yours, known), points)


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


def _chebyshev(c, m, sign=-1):
    t_prev, t = np.ones_like(c), c
    for _ in range(m - 1):
        t_prev, t = t, 2 * c * t + sign * t_prev
    return t if m > 0 else np.ones_like(c)


def _not_defined(name, what, signature) -> CheckResult:
    """The check was handed None: the cell with the student's ``def`` has not run yet (``globals().get``)."""
    return CheckResult(name, False, f"… {name}: {what} is not defined yet: run the cell with def {signature} above "
                                    "first (then run this cell again; the worked answer is below)")


#: just outside [−1, 1], where T_m(c) is a finite polynomial value but arccos is undefined (NaN)
_PAST_ONE = np.array([-(1.0 + 1e-6), 1.0 + 1e-6])


def _misses_past_one(fn, ms) -> list:
    """The m for which ``fn(c, m)`` misses T_m(c) at c = ±(1 + 10⁻⁶): NaN, or the clipped value T_m(±1) (acos)."""
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # arccos(1 + 1e-6): the finding, not a warning to show
        try:
            yours = {m: _call(fn, "cos_m_theta", (_PAST_ONE.copy(), m), _PAST_ONE.shape, (torch.tensor(_PAST_ONE), m))
                     for m in ms}
        except (_NotWritten, ValueError, ArithmeticError):
            return list(ms)
    return [m for m in ms if not np.allclose(yours[m], cos_m_theta(_PAST_ONE, m), rtol=1e-9, atol=1e-9)]


def check_cos_m_theta(fn, ms=range(1, 7)) -> CheckResult:
    """Compare ``fn(c, m)``, cos(mθ) from c = cos θ, with the package's Chebyshev T_m(c) at 801 values of c in
    [−1, 1] for each m; then ask for T_m at c = ±(1 + 10⁻⁶), just outside, where the polynomial is finite but
    arccos is NaN, and, if it takes torch tensors, for a finite gradient at c = ±1: both catch acos.
    ``fn`` None (``globals().get`` before the ``def`` cell ran) reads "not defined yet"."""
    name, c = "cos(mθ) from cos θ", np.linspace(-1.0, 1.0, 801)
    if fn is None:
        return _not_defined(name, "cos_m_theta", "cos_m_theta(c, m)")
    mistakes = {
        "This is exactly cos(m·c): c is cos θ, not θ; go back to θ first, or better, use T_m(c).":
            lambda m: np.cos(m * c),
        "This is exactly T_(m−1)(c): the recursion runs one step too few.": lambda m: _chebyshev(c, m - 1),
        "This is exactly T_(m+1)(c): the recursion runs one step too many.": lambda m: _chebyshev(c, m + 1),
        "This is exactly the recursion with + T_(n−1): it is T_(n+1) = 2c·T_n − T_(n−1).":
            lambda m: _chebyshev(c, m, sign=1),
    }
    try:
        yours = {m: _call(fn, "cos_m_theta", (c.copy(), m), c.shape, (torch.tensor(c), m)) for m in ms}
    except _NotWritten:
        return _not_written(name, "cos_m_theta is not written yet: fill in the exercise cell above")
    bad = [m for m in ms if not np.allclose(yours[m], cos_m_theta(c, m), atol=1e-6)]
    points = len(c) * len(ms)
    if bad:
        m = bad[0]
        i = int(np.argmax(~np.isclose(yours[m], cos_m_theta(c, m), atol=1e-6)))
        text = (f"Your cos_m_theta differs for m = {', '.join(map(str, bad))}; first at m = {m}, c = {c[i]:g}: yours "
                f"{yours[m][i]:.4g}, cos(mθ) {cos_m_theta(c[i], m):.4g}.")
        return _failed(name, text + _diagnose(yours, {k: {m: f(m) for m in ms} for k, f in mistakes.items()}), points)
    past_one = _misses_past_one(fn, ms)
    grad = _gradient_at_ends(fn, max(ms))
    if past_one:
        m = past_one[-1]  # the largest m: the farthest from a clipped acos's T_m(±1)
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            try:
                got = _call(fn, "cos_m_theta", (_PAST_ONE.copy(), m), _PAST_ONE.shape, (torch.tensor(_PAST_ONE), m))
                got = f"yours gives {got[0]:.7g} and {got[1]:.7g}"
            except (_NotWritten, ValueError, ArithmeticError) as exc:
                got = f"yours fails ({type(exc).__name__})"
        want = cos_m_theta(_PAST_ONE, m)
        text = (f"Your values are right on [−1, 1], but it looks like acos was used: just outside, at c = ±(1 + 10⁻⁶), "
                f"where T_{m}(c) is a finite polynomial value ({want[0]:.7g} and {want[1]:.7g}), {got} (m = "
                f"{', '.join(map(str, past_one))}). arccos is undefined beyond ±1 (NaN, or a clipped value), and a "
                "cos θ computed from features can round to just past ±1.")
        if grad is False:
            text += " The gradient at c = ±1 is not finite either: acos has an infinite slope there."
        return _failed(name, text + " Build cos(mθ) from c alone with T_(n+1) = 2c·T_n − T_(n−1): a polynomial, no "
                                    "acos, no NaN.", points)
    if grad is False:
        return _failed(name, "Your values are right, but the gradient at c = ±1 is not finite: acos has an infinite "
                             "slope there. Build cos(mθ) from c with T_(n+1) = 2c·T_n − T_(n−1): no acos, no NaN.",
                       points)
    note = "" if grad else " (values only: your function takes numpy arrays, so its gradient was not checked)"
    return _passed(name, f"Your cos_m_theta matches T_m(c) at {points:,} points (c from −1 to 1, m = "
                         f"{min(ms)}..{max(ms)}){note}.", points)


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


# --- the A-Softmax logits and the evaluation rule ------------------------------------------------------------

#: the check's class weights: 4 classes in 2D at these angles, with norms that are not 1
_W_ANGLES, _W_NORMS = np.radians([0.0, 70.0, 150.0, 250.0]), np.array([1.5, 0.7, 2.0, 1.0])


def _logit_setup():
    """(x (B, 2), y (B,), weight (C, 2)) in float64: features every 3° with norms 0.5, 1, 3, labels in turn."""
    weight = torch.tensor(np.stack([np.cos(_W_ANGLES), np.sin(_W_ANGLES)], 1) * _W_NORMS[:, None])
    angles = np.radians(np.arange(0.0, 360.0, 3.0))
    norms = np.resize([0.5, 1.0, 3.0], len(angles))
    x = torch.tensor(np.stack([np.cos(angles), np.sin(angles)], 1) * norms[:, None])
    y = torch.arange(len(angles)) % len(_W_NORMS)
    x[:4] = weight[y[:4]] / weight[y[:4]].norm(dim=1, keepdim=True)  # lying exactly on their own W: cos θ = 1
    return x, y, weight


def _package_logits(x, y, weight, m, lam):
    head = ASoftmax(weight.shape[1], weight.shape[0], m=m).double()
    with torch.no_grad():
        head.weight.copy_(weight)
        return head.logits(x, y, lam=lam).numpy()


def _logit_mistakes(x, y, weight, m, lam) -> dict:
    xn, w = x.norm(dim=1, keepdim=True).numpy(), weight.numpy()
    cos = np.clip((x.numpy() / xn) @ (w / np.linalg.norm(w, axis=1, keepdims=True)).T, -1, 1)
    ref = _package_logits(x, y, weight, m, lam)
    return {
        "This is exactly the logits with x normalised: A-Softmax keeps ‖x‖ (f_j = ‖x‖cos θ_j); only W is "
        "normalised.": ref / xn,
        "This is exactly the logits with W not normalised: use W_j/‖W_j‖ (F.normalize(weight, dim=1)).":
            ref * np.linalg.norm(w, axis=1)[None, :],
        "This is exactly the margin on every class: only the target class y gets ψ; the others keep ‖x‖cos θ_j.":
            xn * annealed_target(cos, m, lam),
        "This is exactly the logits with λ ignored (λ = 0): blend (λ cos θ_y + ψ(θ_y))/(1 + λ).":
            _package_logits(x, y, weight, m, 0.0),
        "This is exactly the modified softmax: the target logit has no ψ.": xn * cos,
    }


def check_asoftmax_logits(fn, ms=(1, 2, 3, 4), lams=(0.0, 5.0)) -> CheckResult:
    """Compare ``fn(x, y, weight, m, lam)`` (torch tensors in float64; weight (C, D) not normalised) with
    ``ASoftmax.logits(x, y, lam=lam)`` on 120 features every 3° (norms 0.5, 1, 3), 4 classes, each m and λ;
    then ask for finite gradients, also for features lying exactly on their class weight."""
    name = "A-Softmax logits"
    x, y, weight = _logit_setup()
    settings = [(m, lam) for m in ms for lam in lams]
    shape = (len(x), len(weight))
    try:
        yours = {s: _call(fn, "asoftmax_logits", (x.clone(), y.clone(), weight.clone(), *s), shape) for s in settings}
    except _NotWritten:
        return _not_written(name, "asoftmax_logits is not written yet: fill in the exercise cell above")
    points = len(settings) * x.shape[0] * weight.shape[0]
    onehot = np.eye(len(weight))[y.numpy()].astype(bool)
    bad = []
    for m, lam in settings:
        wrong = ~np.isclose(yours[m, lam], _package_logits(x, y, weight, m, lam), atol=1e-5)
        if wrong.any():
            where = " and ".join(w for w, mask in (("target", onehot), ("non-target", ~onehot)) if (wrong & mask).any())
            bad.append(f"m = {m}, λ = {lam:g} ({where} logits)")
    if bad:
        known = {}
        for s in settings:
            for text, values in _logit_mistakes(x, y, weight, *s).items():
                known.setdefault(text, {})[s] = values
        return _failed(name, f"Your logits differ from ASoftmax.logits for {'; '.join(bad)}."
                             + _diagnose(yours, known), points)
    gradient = _gradient_problem(fn, x, y, weight)
    if gradient:
        return _failed(name, gradient, points)
    return _passed(name, f"Your logits match ASoftmax.logits at {points:,} values (120 features × 4 classes for "
                         f"m = {', '.join(map(str, ms))} and λ = {', '.join(f'{lam:g}' for lam in lams)}), and their "
                         f"gradients are finite.", points)


def _gradient_problem(fn, x, y, weight) -> str:
    """What is wrong with the gradients of the cross-entropy of ``fn``'s logits (m = 4, λ = 0), or ""."""
    x = x.clone().requires_grad_(True)
    weight = weight.clone().requires_grad_(True)
    logits = fn(x, y, weight, 4, 0.0)
    if not isinstance(logits, torch.Tensor) or not logits.requires_grad:
        return ("Your logits are right, but no gradient flows through them: build them from x and weight with torch "
                "operations (no .detach(), .item() or numpy), or training learns nothing.")
    torch.nn.functional.cross_entropy(logits, y).backward()
    if x.grad is None or weight.grad is None:
        return (f"Your logits are right, but no gradient reaches {'x' if x.grad is None else 'weight'}: the "
                "features and the class weights must both learn.")
    if not (torch.isfinite(x.grad).all() and torch.isfinite(weight.grad).all()):
        return ("Your logits are right, but their gradient is NaN or infinite for a feature lying exactly on its class "
                "weight (cos θ = 1): acos has an infinite slope at ±1. Clamp cos θ just inside (−1, 1) before acos, "
                "or compute ψ from cos θ without acos.")
    return ""


def _scalar(value, what: str) -> float:
    if value is None or value is Ellipsis:
        raise _NotWritten
    out = _to_array(value, what)
    if out.size != 1:
        raise ValueError(f"{what} must return one number, got shape {out.shape}")
    return float(out.reshape(()))


def _accuracy_sets():
    """Three labelled sets of 200 features near their class boundaries, weights not of norm 1 (float64)."""
    gen = torch.Generator().manual_seed(0)
    sets = []
    for dim, n_classes in ((2, 4), (2, 10), (3, 6)):
        scale = 0.5 + torch.rand(n_classes, 1, generator=gen, dtype=torch.float64)
        weight = torch.randn(n_classes, dim, generator=gen, dtype=torch.float64) * scale
        y = torch.arange(200) % n_classes
        noise = 0.6 * torch.randn(200, dim, generator=gen, dtype=torch.float64)
        sets.append((torch.nn.functional.normalize(weight[y], dim=1) + noise, y, weight))
    return sets


@torch.no_grad()
def _head_accuracy(x, y, weight, m=1, lam=None) -> float:
    """The plain-cosine accuracy (``lam`` None), or that of the training logits with margin m and λ."""
    head = ASoftmax(weight.shape[1], weight.shape[0], m=m).double()
    head.weight.copy_(weight)
    decided = head.predict(x) if lam is None else head.logits(x, y, lam=lam).argmax(1)
    return float((decided == y).double().mean())


def check_accuracy(fn) -> CheckResult:
    """Compare ``fn(features, labels, weight)`` (torch float64; weight (C, D) not normalised) with the margin-free
    rule the package evaluates with, the fraction of features whose largest cos θ_j is their own class's
    (``ASoftmax.predict``), on three sets of 200 features near the class boundaries."""
    name, sets = "accuracy", _accuracy_sets()
    try:
        yours = [_call(fn, "accuracy", (x.clone(), y.clone(), w.clone()), ()) for x, y, w in sets]
    except _NotWritten:
        return _not_written(name, "accuracy is not written yet: fill in the exercise cell above")
    truth = [_head_accuracy(*s) for s in sets]
    if np.allclose(yours, truth, atol=1e-9):
        return _passed(name, f"Your accuracy matches the plain-cosine rule on 3 sets of 200 features "
                             f"({', '.join(f'{100 * a:.1f} %' for a in truth)}).", 600)
    known = {f"This is exactly the accuracy of the training logits with the margin (m = {m}, λ = {lam:g}): at "
             f"evaluation there is no margin and no λ (nor any label to put them on); a feature belongs to the "
             f"class with the largest cos θ_j, the m = 1 rule.": [_head_accuracy(*s, m=m, lam=lam) for s in sets]
             for m in (2, 3, 4) for lam in (0.0, 1.0, 5.0)}
    with torch.no_grad():
        known["This is exactly argmax of x·W_j with W not normalised: compare cos θ_j (normalise W)."] = [
            float(((x @ w.T).argmax(1) == y).double().mean()) for x, y, w in sets]
    known["These are the right numbers in percent: return a fraction between 0 and 1."] = [100 * a for a in truth]
    text = "; ".join(f"set {i + 1}: yours {100 * a:.1f} %, the package {100 * b:.1f} %"
                     for i, (a, b) in enumerate(zip(yours, truth)))
    return _failed(name, f"Your accuracy differs from the plain-cosine rule ({text})." + _diagnose(yours, known), 600)


def check_margin_formula(fn) -> CheckResult:
    """Compare ``fn(m, theta12)`` (θ12 in degrees, plain numbers) with (m−1)/(m+1)·θ12 for m = 1..6 and θ12 =
    10°, 20°, ..., 180°. ``fn`` None (``globals().get`` before the ``def`` cell ran) reads "not defined yet"."""
    name, grid = "margin formula", [(m, t) for m in range(1, 7) for t in range(10, 181, 10)]
    if fn is None:
        return _not_defined(name, "margin", "margin(m, theta12)")
    try:
        yours = np.array([_call(fn, "margin", (m, float(t)), ()) for m, t in grid])
    except _NotWritten:
        return _not_written(name, "margin is not written yet: fill in the exercise cell above")
    truth = np.array([float(angular_margin(m, float(t))) for m, t in grid])
    if np.allclose(yours, truth, atol=1e-6):
        return _passed(name, f"Your margin matches (m−1)/(m+1)·θ12 at {len(grid)} settings (m = 1..6, θ12 = "
                             "10°..180°).", len(grid))
    bad = sorted({m for (m, _), ok in zip(grid, np.isclose(yours, truth, atol=1e-6)) if not ok})
    i = int(np.argmax(~np.isclose(yours, truth, atol=1e-6)))
    known = {
        "This is exactly θ12/(m+1): that is where class 1's boundary lies, measured from W1; the margin is the gap "
        "between class 1's boundary and class 2's.": [t / (m + 1) for m, t in grid],
        "This is exactly mθ12/(m+1): that is where class 2's boundary lies, measured from W1.":
            [m * t / (m + 1) for m, t in grid],
        "This is exactly (m−1)/m·θ12: class 1 needs θ1 < θ2/m with θ1 + θ2 = θ12, so its boundary is at "
        "θ12/(m+1).": [(m - 1) / m * t for m, t in grid],
        "This is exactly the margin in radians: the check passes θ12 in degrees and wants degrees back.":
            [math.radians((m - 1) / (m + 1) * t) for m, t in grid],
    }
    return _failed(name, f"Your margin differs for m = {', '.join(map(str, bad))}; first at m = {grid[i][0]}, θ12 = "
                         f"{grid[i][1]}°: yours {yours[i]:.4g}°, the package {truth[i]:.4g}°."
                   + _diagnose(yours, known), len(grid))


def _unit(a: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(a, axis=-1, keepdims=True)
    return a / np.where(norm > 0, norm, 1.0)


def check_own_angles(fn) -> CheckResult:
    """Compare ``fn(features, labels, weight)`` (numpy: (N, D), (N,), (C, D)) with the angle in degrees between
    each feature and its own class weight (``Embeddings.own_angles``), on three sets of 200 features."""
    name = "angle to own W"
    sets = [tuple(t.numpy() for t in s) for s in _accuracy_sets()]
    try:
        yours = {i: _call(fn, "own_angles", (x.copy(), y.copy(), w.copy()), (len(x),),
                          (torch.tensor(x), torch.tensor(y), torch.tensor(w))) for i, (x, y, w) in enumerate(sets)}
    except _NotWritten:
        return _not_written(name, "own_angles is not written yet: fill in the exercise cell above")

    def angles(x, w_rows, unit_w=True):
        cos = np.sum(_unit(x) * (_unit(w_rows) if unit_w else w_rows), axis=1)
        return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))

    truth = {i: angles(x, w[y]) for i, (x, y, w) in enumerate(sets)}
    points = sum(len(x) for x, _, _ in sets)
    if all(np.allclose(yours[i], truth[i], atol=1e-4) for i in truth):
        return _passed(name, f"Your angles match the package's at {points} features (three sets, 2D and 3D).", points)
    known = {
        "These are the right angles in radians: multiply by 180/π (np.degrees).":
            {i: np.radians(truth[i]) for i in truth},
        "These are cosines, not angles: take arccos (and np.degrees).":
            {i: np.cos(np.radians(truth[i])) for i in truth},
        "These are the angles to the predicted class's weight: the question is the own (true) class's, W[labels].":
            {i: angles(x, w[np.argmax(_unit(x) @ _unit(w).T, axis=1)]) for i, (x, _, w) in enumerate(sets)},
        "These angles use W without normalising it: divide each W_j by its norm (and x by its norm).":
            {i: angles(x, w[y], unit_w=False) for i, (x, y, w) in enumerate(sets)},
    }
    i = next(i for i in truth if not np.allclose(yours[i], truth[i], atol=1e-4))
    j = int(np.argmax(~np.isclose(yours[i], truth[i], atol=1e-4)))
    n_wrong = sum(int((~np.isclose(yours[k], truth[k], atol=1e-4)).sum()) for k in truth)
    return _failed(name, f"Your angles differ at {n_wrong} of {points} features; e.g. set {i + 1}, feature {j}: "
                         f"yours {yours[i][j]:.4g}, the package {truth[i][j]:.4g}°." + _diagnose(yours, known), points)


def check_verification_accuracy(fn) -> CheckResult:
    """Compare ``fn(angles_deg, same, threshold_deg)`` with the fraction of pairs decided right when "same
    person" means an angle below the threshold (:func:`spheredemo.verification.accuracy_at` on cosines)."""
    from spheredemo.verification import accuracy_at

    name, rng = "verification accuracy", np.random.default_rng(0)
    same = np.arange(400) % 2 == 0
    angles = np.where(same, rng.uniform(0, 70, 400), rng.uniform(30, 110, 400))
    thresholds = (30.0, 45.0, 52.5, 60.0, 75.0)
    try:
        yours = np.array([_call(fn, "verification_accuracy", (angles.copy(), same.copy(), t), ()) for t in thresholds])
    except _NotWritten:
        return _not_written(name, "verification_accuracy is not written yet: fill in the exercise cell above")

    def right(threshold_deg):
        return [accuracy_at(np.cos(np.radians(angles)), same, math.cos(math.radians(t))) for t in threshold_deg]

    truth = np.array(right(thresholds))
    if np.allclose(yours, truth, atol=1e-9):
        return _passed(name, f"Your accuracy matches the package's on 400 pairs at {len(thresholds)} thresholds.", 400)
    known = {
        "This is exactly the rule reversed: a small angle means the same person (angle < threshold).": 1 - truth,
        "These are the right numbers in percent: return a fraction between 0 and 1.": 100 * truth,
        "This is exactly the threshold read as radians: angles and threshold are both in degrees here.":
            np.array([np.mean((angles < math.radians(t)) == same) for t in thresholds]),
    }
    text = ", ".join(f"{t:g}°: yours {a:.3f}, the package {b:.3f}" for t, a, b in zip(thresholds, yours, truth))
    return _failed(name, f"Your accuracy differs ({text})." + _diagnose(yours, known), 400)


# --- predictions: a number, a word or a model the student reads off an explorer ------------------------------

def _number(name, answer, expected, tol, unit, mistakes=(), where="") -> CheckResult:
    """A numeric prediction within ``tol`` of ``expected``; ``mistakes`` are (value, explanation) pairs."""
    in_unit = {"°": " in degrees", " steps": " of steps"}.get(unit, "")
    if answer is None or answer is Ellipsis:
        return CheckResult(name, False, f"… {name}: not answered yet: put your prediction in the cell (a number"
                                        f"{in_unit}) and run it again")
    if isinstance(answer, torch.Tensor) and answer.numel() == 1:
        answer = answer.item()
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real) or not math.isfinite(answer):
        raise ValueError(f"the answer must be a finite number{in_unit}, got {answer!r}")
    if abs(answer - expected) <= tol:  # no value echoed: a worked answer's output must not spoil the exercise
        return _passed(name, f"Your prediction is right (within {tol:g}{unit} of the package's value).", 1)
    hint = next((text for value, text in mistakes if abs(answer - value) <= tol), "")
    side = "too large" if answer > expected else "too small"
    return _failed(name, f"{answer:g}{unit} is {side}. " + (hint + " " if hint else "") + where, 1)


def check_margin_answer(answer, m=3, theta12=60.0) -> CheckResult:
    """A prediction of the angular margin (degrees) between the two A-Softmax boundaries at m and θ12."""
    truth, t = float(angular_margin(m, theta12)), float(theta12)
    mistakes = [(t / (m + 1), "That is where class 1's boundary lies, θ12/(m+1) from W1; the margin is the gap "
                              "between the two boundaries."),
                (t / 2, "That is the bisector, the one boundary of the modified softmax (m = 1)."),
                (math.radians(truth), "That looks like radians: the explorer speaks degrees."),
                (m * t / (m + 1), "That is where class 2's boundary lies, measured from W1.")]
    return _number(f"margin at m = {m}, θ12 = {t:g}°", answer, truth, 0.5, "°", mistakes,
                   "Move the sliders to your m and θ12 and read the bold margin line above the pictures, just "
                   "under the sliders.")


def check_boundary_answer(answer, m=4, theta12=90.0) -> CheckResult:
    """A prediction of the angle (degrees) from W1 to class 1's A-Softmax boundary: θ12/(m+1)."""
    t = float(theta12)
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


def check_effective_margin_answer(answer, m=4, lam=5.0, theta12=36.0) -> CheckResult:
    """A prediction of m_eff, the margin the λ-blended loss really trains at (:func:`effective_margin`), ±0.05."""
    r = effective_margin(m, lam, theta12)
    mistakes = [(m, "That is the nominal m: λ is not the margin, but it dilutes it: the target is "
                    f"({lam:g} cos θ + ψ(θ))/{1 + lam:g}, mostly cos θ."),
                (r.margin, "That is the margin in degrees; the question asks for m_eff."),
                (1.0, "That is the λ → ∞ limit (the modified softmax); at this λ some margin is left.")]
    if (m, lam) == (4, 5.0):  # the rough "m = 4 behaves like m ≈ 1.5" of the official repository's issue 11
        mistakes.append((1.5, "That is the rough \"m = 4 behaves like m ≈ 1.5\" of the official repository's issue "
                              f"11; the exact m_eff depends on θ12: read it at θ12 = {theta12:g}°."))
    if theta12 != 90.0:
        at_90 = effective_margin(m, lam, 90.0).m_eff
        mistakes.append((at_90, f"That is m_eff at θ12 = 90° ({at_90:.2f}); the question asks for θ12 = "
                                f"{theta12:g}°."))
    return _number(f"m_eff at m = {m}, λ = {lam:g}, θ12 = {theta12:g}°", answer, r.m_eff, 0.05, "", mistakes,
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
    """A prediction of the first step at which λ(t) reaches λ_min (official schedule by default), ±1 step."""
    s = schedule or LambdaSchedule()
    mistakes = [(s.base / (s.lambda_min * s.gamma), "That forgets the 1 + in (1 + γt): solve 1 + γt = base/λ_min.")]
    return _number("steps until λ = λ_min", answer, s.first_step_at_min(), 1.0, " steps", mistakes,
                   "Solve base/(1 + γt) = λ_min for t.")


def _choice(answer, allowed: dict, what: str):
    """The canonical key of a word answer (case and spaces ignored), or ValueError listing what is allowed."""
    key = str(answer).strip().lower().replace(" ", "")
    if isinstance(answer, bool):
        key = "yes" if answer else "no"
    elif isinstance(answer, numbers.Integral):
        key = f"m={answer}"
    for canonical, spellings in allowed.items():
        if key in spellings:
            return canonical
    raise ValueError(f"{what} must be one of {', '.join(repr(k) for k in allowed)}, got {answer!r}")


_MODELS = {"softmax": ("softmax", None), "modified": ("modified", None),
           **{f"m={m}": ("asoftmax", m) for m in range(1, 5)}}
_MODEL_SPELLINGS = {key: {key, key.replace("m=", "asoftmax-"), key.replace("m=", "a-softmaxm="),
                          key.replace("m=", "asoftmaxm="), "modifiedsoftmax" if key == "modified" else key}
                    for key in _MODELS}


def check_tightest_answer(answer, dim=2) -> CheckResult:
    """Which shipped MNIST model ('softmax', 'modified', 'm=1' .. 'm=4', or an integer m) has the smallest mean
    angle between a test feature and its own class weight? Computed from the shipped test features."""
    from spheredemo import pretrained

    name = f"tightest {dim}D model"
    if answer is None or answer is Ellipsis:
        return CheckResult(name, False, f"… {name}: not answered yet: put 'softmax', 'modified' or 'm=1' .. 'm=4' "
                                        "in the cell and run it again")
    choice = _choice(answer, _MODEL_SPELLINGS, "the answer")
    angles = {key: float(pretrained.test_embeddings(dim, loss, m).own_angles().mean())
              for key, (loss, m) in _MODELS.items()}
    best = min(angles, key=angles.get)
    if choice == best:
        return _passed(name, f"That model's test features lie {angles[best]:.2f}° from their own W on average, the "
                             "least of the six.", 6)
    return _failed(name, f"{choice}'s features lie {angles[choice]:.2f}° from their own W on average; another model's "
                         "lie closer. Move the 'loss / m' slider and read 'mean angle to own W' in the table.", 6)


def check_separation_answer(answer, dim=3, m=4) -> CheckResult:
    """Yes or no: for the shipped A-Softmax model, is every positive-pair angle of Fig. 5's two classes below every
    negative-pair angle (the paper's max intra < min inter)? Computed from the shipped test features."""
    from spheredemo import pretrained
    from spheredemo.analysis import pair_angles

    name = f"max intra < min inter ({dim}D, m = {m})"
    if answer is None or answer is Ellipsis:
        return CheckResult(name, False, f"… {name}: not answered yet: put 'yes' or 'no' in the cell and run it again")
    said = _choice(answer, {"yes": {"yes", "true", "y"}, "no": {"no", "false", "n"}}, "the answer")
    pairs = pair_angles(pretrained.test_embeddings(dim, "asoftmax", m))
    truth = "yes" if pairs.separated else "no"
    facts = (f"the largest positive-pair angle is {pairs.max_positive:.1f}° and the smallest negative-pair angle "
             f"{pairs.min_negative:.1f}° (digits {pairs.classes[0]} and {pairs.classes[1]})")
    if said == truth:
        return _passed(name, "That is what the shipped model's test features show.",
                       len(pairs.positive) + len(pairs.negative))
    return _failed(name, f"'{said}' is not what the shipped model shows: {facts}. Compare 'max positive pair' with "
                         "'min negative pair' in the explorer's table.", len(pairs.positive) + len(pairs.negative))


def face_accuracies() -> dict:
    """Share of LFW pairs of unseen people decided right (mean over folds 1–3) by each shipped 512-d face model:
    'softmax', 'modified', 'm=1' .. 'm=4' -> accuracy. Read from the shipped face checkpoints' cached results."""
    from spheredemo import pretrained

    return {key: pretrained.face_results(pretrained.name_of(512, loss, m, dataset="lfw")).verification.mean
            for key, (loss, m) in _MODELS.items()}


def check_best_face_model(answer) -> CheckResult:
    """Which of the shipped 512-d LFW models ('softmax', 'modified', 'm=1' .. 'm=4') decides the most pairs of
    unseen people right (:func:`face_accuracies`)?"""
    name = "best face model"
    if answer is None or answer is Ellipsis:
        return CheckResult(name, False, f"… {name}: not answered yet: put 'softmax', 'modified' or 'm=1' .. 'm=4' "
                                        "in the cell and run it again")
    choice = _choice(answer, _MODEL_SPELLINGS, "the answer")
    accuracy = face_accuracies()
    best = max(accuracy, key=accuracy.get)
    if choice == best:
        return _passed(name, f"That model decides {100 * accuracy[best]:.1f} % of the unseen pairs right, the most "
                             "of the six.", 6)
    return _failed(name, f"{choice} decides {100 * accuracy[choice]:.1f} % right; another model does better. Move "
                         "the loss and m controls and read the bold accuracy in the readout.", 6)


# --- your own head, trained beside the package's -------------------------------------------------------------

class StudentHead(ASoftmax):
    """An :class:`~spheredemo.losses.ASoftmax` whose training logits come from a student's function
    ``logits(x, y, weight, m, lam)`` (weight: the raw (C, D) parameter); ``predict`` keeps plain cosines."""

    def __init__(self, logits, in_features: int = 2, n_classes: int = 10, m: int = 4):
        if not callable(logits):
            raise ValueError(f"logits must be your function logits(x, y, weight, m, lam), got {type(logits).__name__}")
        super().__init__(in_features, n_classes, m)
        self.student_logits = logits

    def logits(self, x: torch.Tensor, y: torch.Tensor, lam: float = 0.0) -> torch.Tensor:
        self._check(x, y)
        out = self.student_logits(x, y, self.weight, self.m, lam)
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (x.shape[0], self.n_classes):
            got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise ValueError(f"your logits must be a tensor of shape ({x.shape[0]}, {self.n_classes}), got {got}")
        return out


@dataclass
class SideBySide:
    """Two runs from the same start on the same batches: the package's head and yours."""

    runs: dict  # "package" / "yours" -> spheredemo.train.Run
    accuracy: dict  # test accuracy (plain cosines) of each
    mean_angle: dict  # mean angle (degrees) between a test feature and its own class weight
    passed: bool
    message: str
    png: bytes = b""  # the last picture drawn

    def __repr__(self) -> str:
        return self.message

    __str__ = __repr__


def _draw_side_by_side(runs: dict, shown, title: str) -> tuple[bytes, dict]:
    """Both runs' shown test features on the unit circle, side by side, as PNG; and their Embeddings."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from spheredemo.analysis import Embeddings
    from spheredemo.plots.embeddings import draw_circle_features

    fig = Figure(figsize=(9.0, 4.6), dpi=80)
    FigureCanvasAgg(fig)
    embeddings = {}
    for ax, (label, run) in zip(fig.subplots(1, 2), runs.items()):
        emb = embeddings[label] = Embeddings.from_model(run.model, run.head, shown)
        owner = "the package's head" if label == "package" else "your head"
        draw_circle_features(emb, ax=ax, max_points=None, size=14, alpha=0.6, jitter=0.15,
                             title=f"{owner}: {100 * emb.accuracy:.0f} % of the shown digits right")
    fig.suptitle(title)
    fig.subplots_adjust(left=0.05, right=0.98, bottom=0.06, top=0.86, wspace=0.15)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue(), embeddings


def _display(png: bytes, handle=None):
    """Show (or replace) a PNG in the notebook; None outside IPython."""
    try:
        from IPython import get_ipython
        from IPython.display import Image, display
    except ImportError:
        return None
    if get_ipython() is None:
        return None
    if handle is None:
        return display(Image(data=png, format="png"), display_id=True)
    handle.update(Image(data=png, format="png"))
    return handle


def train_side_by_side(logits, m: int = 4, per_class: int = 300, epochs: int = 3, width: int = 8,
                       batch_size: int = 64, shown_per_class: int = 30, seed: int = 0, draw_every: int = 20,
                       data_root=None, show: bool = True) -> SideBySide:
    """Train a 2D MNIST model with the package's ASoftmax head and another with ``logits`` (your function
    ``logits(x, y, weight, m, lam)``), from the same initial weights on the same batches, and draw both on the
    circle every ``draw_every`` steps. λ anneals from 1000 to 5 halfway through (as in the training explorer).

    The defaults (3,000 digits, 3 epochs, 141 steps per head) take about 15–20 s on two idle CPU cores and reach
    about 70–75 % test accuracy: enough to see the classes gather on the circle, not a finished model.
    """
    from spheredemo.config import TrainConfig
    from spheredemo.data import load_mnist
    from spheredemo.train import (History, Run, TrainingDiverged, _lr_at, _optimizer, _place, _train_step, build,
                                  evaluate, set_seed)

    student = StudentHead(logits, 2, 10, m)  # refuses a non-function before anything loads
    train = load_mnist("train", data_root).per_class(per_class, seed=seed)
    test = load_mnist("test", data_root).per_class(100, seed=seed)
    shown = test.per_class(shown_per_class, seed=seed + 1)
    steps_per_epoch = math.ceil(len(train) / batch_size)
    total = epochs * steps_per_epoch
    config = TrainConfig(loss="asoftmax", m=m, dim=2, epochs=epochs, width=width, batch_size=batch_size,
                         per_class=per_class, lambda_gamma=199.0 / max(1, total // 2), lambda_min=0.0, seed=seed,
                         device="cpu")
    runs, optimizers = {}, {}
    for label in ("package", "yours"):
        set_seed(seed)  # the same initial trunk and class weights for both
        model, head = build(config)
        if label == "yours":
            student.load_state_dict(head.state_dict())
            head = student
        runs[label] = Run(_place(model, "cpu"), head, config, History())
        optimizers[label] = _optimizer(config, list(model.parameters()) + list(head.parameters()))
    schedule = LambdaSchedule(config.lambda_base, config.lambda_gamma, config.lambda_power, config.lambda_min)
    gen = torch.Generator().manual_seed(seed)
    handle, failure, step, lam = None, "", 0, schedule(0)
    png, _ = _draw_side_by_side(runs, shown, f"A-Softmax m = {m}: step 0 of {total}")
    handle = _display(png, handle) if show else None
    while step < total and not failure:
        order = torch.randperm(len(train), generator=gen)
        for batch in range(steps_per_epoch):
            lam = schedule(step)
            images, labels = train.batch(order[batch * batch_size:(batch + 1) * batch_size], "cpu")
            for label, run in runs.items():
                for group in optimizers[label].param_groups:
                    group["lr"] = _lr_at(config, step, total)
                run.model.train()
                try:
                    loss, batch_accuracy = _train_step(run, optimizers[label], images, labels, lam)
                except TrainingDiverged:
                    owner = "your head's" if label == "yours" else "the package's head's"
                    failure = f"{owner} loss became NaN or exploded at step {step} (λ = {lam:.3g})"
                    break
                run.step = step + 1
                for key, value in (("step", run.step), ("loss", loss), ("accuracy", batch_accuracy), ("lam", lam)):
                    getattr(run.history, key).append(value)
            step += 1
            if failure or step >= total:
                break
            if step % draw_every == 0 and show:
                png, _ = _draw_side_by_side(runs, shown, f"A-Softmax m = {m}: step {step} of {total}, λ = {lam:.3g}")
                handle = _display(png, handle)
    png, embeddings = _draw_side_by_side(runs, shown, f"A-Softmax m = {m} after {step} steps (λ ended at {lam:.3g})")
    if show:
        _display(png, handle)
    accuracy = {label: evaluate(run.model, run.head, test) for label, run in runs.items()}
    mean_angle = {label: float(emb.own_angles().mean()) for label, emb in embeddings.items()}
    gap = abs(accuracy["yours"] - accuracy["package"])
    passed = not failure and gap <= 0.05
    facts = (f"test accuracy {100 * accuracy['yours']:.1f} % (yours) vs {100 * accuracy['package']:.1f} % (the "
             f"package's), mean angle to own W {mean_angle['yours']:.1f}° vs {mean_angle['package']:.1f}° on the "
             f"shown digits, {step} steps")
    if failure:
        message = f"✘ side by side: {failure}. Check your logits with check_asoftmax_logits (gradients too)."
    elif passed:
        message = f"✔ side by side: passed. Your head trains like the package's: {facts}."
    else:
        message = (f"✘ side by side: not yet. Your head trains differently from the package's: {facts}. Check your "
                   "logits with check_asoftmax_logits.")
    return SideBySide(runs, accuracy, mean_angle, passed, message, png)
