"""Lessons 4 and 6: a student's A-Softmax logits against :meth:`spheredemo.losses.ASoftmax.logits` (values and
gradients), and the evaluation rule (plain cosines, no margin) against :meth:`ASoftmax.predict`."""

from __future__ import annotations

import numpy as np
import torch

from spheredemo.lessons.checking import (CheckResult, _call, _count_slip, _diagnose, _failed, _feature_sets,
                                         _not_written, _NotWritten, _passed)
from spheredemo.losses import ASoftmax
from spheredemo.margins import annealed_target

__all__ = ["check_asoftmax_logits", "check_accuracy"]

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


def _head_with(weight: torch.Tensor, m: int) -> ASoftmax:
    """The package's head in float64 with class weights ``weight`` (C, D)."""
    head = ASoftmax(weight.shape[1], weight.shape[0], m=m).double()
    with torch.no_grad():
        head.weight.copy_(weight)
    return head


@torch.no_grad()
def _package_logits(x, y, weight, m, lam):
    return _head_with(weight, m).logits(x, y, lam=lam).numpy()


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
        return _not_written(name, "asoftmax_logits")
    points = len(settings) * x.shape[0] * weight.shape[0]
    bad = _logits_differ(yours, x, y, weight)
    if bad:
        known = {}
        for s in settings:
            for text, values in _logit_mistakes(x, y, weight, *s).items():
                known.setdefault(text, {})[s] = values
        return _failed(name, f"Your logits differ from ASoftmax.logits {bad}."
                             + _diagnose(yours, known), points)
    gradient = _gradient_problem(fn, x, y, weight)
    if gradient:
        return _failed(name, gradient, points)
    return _passed(name, f"Your logits match ASoftmax.logits at {points:,} values (120 features × 4 classes for "
                         f"m = {', '.join(map(str, ms))} and λ = {', '.join(f'{lam:g}' for lam in lams)}), and their "
                         f"gradients are finite.", points)


def _logits_differ(yours: dict, x, y, weight) -> str:
    """Where ``yours`` differs ("" nowhere): the settings (m, λ), grouped by the logits wrong there (target,
    non-target or both), said once for all of them when every setting is wrong alike."""
    onehot = np.eye(len(weight))[y.numpy()].astype(bool)
    groups = {}  # "target" / "non-target" / "target and non-target" -> [(m, λ)]
    for (m, lam), logits in yours.items():
        wrong = ~np.isclose(logits, _package_logits(x, y, weight, m, lam), atol=1e-5)
        if wrong.any():
            where = " and ".join(w for w, mask in (("target", onehot), ("non-target", ~onehot)) if (wrong & mask).any())
            groups.setdefault(where, []).append((m, lam))
    parts = []
    for where, settings in groups.items():
        if len(settings) == len(yours) > 1:
            ms, lams = sorted({m for m, _ in settings}), sorted({lam for _, lam in settings})
            at = (f"at every m and λ tried (m = {', '.join(map(str, ms))}; λ = "
                  f"{', '.join(f'{lam:g}' for lam in lams)})")
        else:
            at = "at " + "; ".join(f"m = {m}, λ = {lam:g}" for m, lam in settings)
        parts.append(f"{at}, in the {where} logits")
    return "; and ".join(parts)


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


# --- the evaluation rule -------------------------------------------------------------------------------------

@torch.no_grad()
def _head_accuracy(x, y, weight, m=1, lam=None) -> float:
    """The plain-cosine accuracy (``lam`` None), or that of the training logits with margin m and λ."""
    head = _head_with(weight, m)
    decided = head.predict(x) if lam is None else head.logits(x, y, lam=lam).argmax(1)
    return float((decided == y).double().mean())


def check_accuracy(fn) -> CheckResult:
    """Compare ``fn(features, labels, weight)`` (torch float64; weight (C, D) not normalised) with the margin-free
    rule the package evaluates with, the fraction of features whose largest cos θ_j is their own class's
    (``ASoftmax.predict``), on three sets of 200 features near the class boundaries."""
    name, sets = "accuracy", _feature_sets()
    try:
        yours = [_call(fn, "accuracy", (x.clone(), y.clone(), w.clone()), ()) for x, y, w in sets]
    except _NotWritten:
        return _not_written(name, "accuracy")
    truth = [_head_accuracy(*s) for s in sets]
    if np.allclose(yours, truth, atol=1e-9):
        return _passed(name, f"Your accuracy matches the plain-cosine rule on 3 sets of 200 features "
                             f"({', '.join(f'{100 * a:.1f} %' for a in truth)}).", 600)
    text = "; ".join(f"set {i + 1}: yours {100 * a:.1f} %, the package {100 * b:.1f} %"
                     for i, (a, b) in enumerate(zip(yours, truth)))
    return _failed(name, f"Your accuracy differs from the plain-cosine rule ({text})."
                   + _diagnose(yours, _accuracy_mistakes(sets, truth)), 600)


def _accuracy_mistakes(sets, truth) -> dict:
    """Explanation -> the accuracies a classic slip gives on ``sets``."""
    known = {f"This is exactly the accuracy of the training logits with the margin (m = {m}, λ = {lam:g}): at "
             f"evaluation there is no margin and no λ (nor any label to put them on); a feature belongs to the "
             f"class with the largest cos θ_j, the m = 1 rule.": [_head_accuracy(*s, m=m, lam=lam) for s in sets]
             for m in (2, 3, 4) for lam in (0.0, 1.0, 5.0)}
    with torch.no_grad():
        known["This is exactly argmax of x·W_j with W not normalised: compare cos θ_j (normalise W)."] = [
            float(((x @ w.T).argmax(1) == y).double().mean()) for x, y, w in sets]
    known["These are the right numbers in percent: return a fraction between 0 and 1."] = [100 * a for a in truth]
    known.update(_count_slip(truth, [len(y) for _, y, _ in sets], "features classified right", "features"))
    return known
