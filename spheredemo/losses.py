"""Classifier heads: softmax, modified softmax, A-Softmax (SphereFace 2017), CosFace, ArcFace.

Every head is an ``nn.Module`` with one interface:

- ``weight``: the class weights W, shape (C, D);
- ``logits(x, y, ...)``: the (B, C) training logits, margins included;
- ``forward(x, y, ...)``: the cross-entropy of those logits;
- ``cosine(x)``: cos θ_j between each feature and each normalised class weight, (B, C);
- ``predict(x)``: the margin-free decision (plain cosines; softmax uses its own W x + b).

The A-Softmax margin math is not written here: it comes from :mod:`spheredemo.margins`.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from spheredemo.config import LOSSES
from spheredemo._validate import ARCFACE_M_LIMIT, COSFACE_M_LIMIT, check_below, check_finite, check_int
from spheredemo.margins import DEFAULT_M, annealed_target, check_m

__all__ = ["Softmax", "ModifiedSoftmax", "ASoftmax", "CosFace", "ArcFace", "HEADS", "make_head"]


class _Head(nn.Module):
    """Shared parts: the (C, D) weight, input checks, cosines and the cross-entropy."""

    def __init__(self, in_features: int, n_classes: int):
        super().__init__()
        self.in_features = check_int("in_features", in_features)
        self.n_classes = check_int("n_classes", n_classes, minimum=2)
        self.weight = nn.Parameter(torch.empty(n_classes, in_features))
        nn.init.xavier_uniform_(self.weight)

    def _check(self, x: torch.Tensor, y: torch.Tensor | None = None) -> None:
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(
                f"x must have shape (batch, {self.in_features}) for this head, got {tuple(x.shape)}"
            )
        if x.dtype != self.weight.dtype or x.device != self.weight.device:
            raise ValueError(
                f"x is {x.dtype} on {x.device} but the head's weights are {self.weight.dtype} on "
                f"{self.weight.device}; move one to the other (e.g. head.to(x.device, x.dtype))"
            )
        if y is None:
            return
        if y.ndim != 1 or y.shape[0] != x.shape[0]:
            raise ValueError(f"y must have shape ({x.shape[0]},) to match x, got {tuple(y.shape)}")
        if y.dtype not in (torch.int64, torch.int32, torch.int16, torch.uint8):
            raise ValueError(f"y must hold integer class labels, got dtype {y.dtype}")
        if y.numel() and (int(y.min()) < 0 or int(y.max()) >= self.n_classes):
            raise ValueError(
                f"labels must lie in 0..{self.n_classes - 1}, got values from "
                f"{int(y.min())} to {int(y.max())}"
            )

    def unit_weight(self) -> torch.Tensor:
        """W_j / ‖W_j‖, the weights the logits really use (no parameter is overwritten)."""
        return F.normalize(self.weight, dim=1)

    def cosine(self, x: torch.Tensor) -> torch.Tensor:
        """cos θ_j = x·W_j / (‖x‖‖W_j‖), clamped to [−1, 1]; 0 for a zero feature."""
        self._check(x)
        x_unit = F.normalize(x, dim=1)
        return (x_unit @ self.unit_weight().T).clamp(-1.0, 1.0)  # (B, C)

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """The class of each feature by plain cosine (the m = 1 rule), never with the margin."""
        return self.cosine(x).argmax(dim=1)

    def forward(self, x: torch.Tensor, y: torch.Tensor, **kwargs) -> torch.Tensor:
        """Mean cross-entropy of :meth:`logits` (keyword arguments go to it, e.g. ``lam``)."""
        return F.cross_entropy(self.logits(x, y, **kwargs), y.long())

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, n_classes={self.n_classes}"


class Softmax(_Head):
    """The original softmax classifier: f_j = W_jᵀx + b_j = ‖W_j‖‖x‖cos θ_j + b_j."""

    def __init__(self, in_features: int, n_classes: int, bias: bool = True):
        super().__init__(in_features, n_classes)
        self.bias = nn.Parameter(torch.zeros(n_classes)) if bias else None

    def logits(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """(B, C) logits W_jᵀx + b_j (labels are not needed: softmax has no margin)."""
        self._check(x, y)
        return F.linear(x, self.weight, self.bias)  # (B, C)

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """Softmax decides by its own logits W x + b (the bias moves its boundaries)."""
        return self.logits(x).argmax(dim=1)


class ModifiedSoftmax(_Head):
    """Modified softmax: ‖W_j‖ = 1, b_j = 0, so f_j = ‖x‖cos θ_j (x itself is not normalised)."""

    def logits(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """(B, C) logits ‖x‖ cos θ_j (labels are not needed: no margin)."""
        self._check(x, y)
        return x @ self.unit_weight().T  # (B, C) = ‖x‖cos θ_j


class ASoftmax(_Head):
    """A-Softmax, the 2017 SphereFace loss (integer m, ‖x‖ logits, λ annealing).

    Only the target logit changes (paper Eq. 7 with the Appendix G annealing):

        f_y = ‖x‖ (λ cos θ_y + ψ(θ_y)) / (1 + λ),   f_j = ‖x‖ cos θ_j for j ≠ y,

    with ψ(θ) = (−1)^k cos(mθ) − 2k. λ is an explicit argument owned by the training loop
    (see :class:`spheredemo.margins.LambdaSchedule`); this module keeps no step counter.
    This is not opensphere's "SphereFace" (real m, normalised feature with scale s).
    """

    def __init__(self, in_features: int, n_classes: int, m: int = DEFAULT_M):
        super().__init__(in_features, n_classes)
        self.m = check_m(m)

    def logits(self, x: torch.Tensor, y: torch.Tensor, lam: float = 0.0) -> torch.Tensor:
        """(B, C) logits of ``x`` (B, D) with labels ``y`` (B,); the target one is ‖x‖(λ cos θ_y + ψ(θ_y))/(1 + λ).

        ``lam`` (λ ≥ 0) blends the margin-free cos θ_y into the target so that m ≥ 2 can train; the training loop
        owns it (a :class:`~spheredemo.margins.LambdaSchedule`) and nothing here moves it. λ = 0, the default, is
        the full margin (no annealing); a large λ is nearly the modified softmax.
        """
        self._check(x, y)
        w = self.unit_weight()
        logits = x @ w.T  # (B, C) = ‖x‖cos θ_j
        x_norm = x.norm(dim=1)  # (B,)
        cos_y = (logits.gather(1, y.long()[:, None])[:, 0] / x_norm.clamp_min(1e-12)).clamp(-1, 1)
        target = x_norm * annealed_target(cos_y, self.m, lam)  # (B,)
        return logits.scatter(1, y.long()[:, None], target[:, None].to(logits.dtype))

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, m={self.m}"


class CosFace(_Head):
    """CosFace / AM-Softmax (for comparison): f_y = s(cos θ_y − m), f_j = s cos θ_j; x normalised."""

    def __init__(self, in_features: int, n_classes: int, s: float = 30.0, m: float = 0.35):
        super().__init__(in_features, n_classes)
        self.s = check_finite("s (the scale)", s, strict=True)
        self.m = check_below("m (the cosine margin of cosface)", m, COSFACE_M_LIMIT)

    def logits(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """(B, C) logits: s(cos θ_y − m) for the target, s cos θ_j for the others."""
        cos = self.cosine(x)
        self._check(x, y)
        margin = F.one_hot(y.long(), self.n_classes).to(cos.dtype) * self.m
        return self.s * (cos - margin)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, s={self.s}, m={self.m}"


class ArcFace(_Head):
    """ArcFace (for comparison): f_y = s cos(θ_y + m), f_j = s cos θ_j; x normalised.

    Where θ_y + m would pass π, cos(θ + m) stops decreasing; there the target uses the
    usual linear extension cos θ − m·sin m so that the target logit keeps falling with θ.
    """

    def __init__(self, in_features: int, n_classes: int, s: float = 30.0, m: float = 0.5):
        super().__init__(in_features, n_classes)
        self.s = check_finite("s (the scale)", s, strict=True)
        self.m = check_below("m (the additive angular margin of arcface, radians)", m, ARCFACE_M_LIMIT)

    def logits(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """(B, C) logits: s cos(θ_y + m) for the target (linearly extended past π − m), s cos θ_j otherwise."""
        cos = self.cosine(x)
        self._check(x, y)
        cos_y = cos.gather(1, y.long()[:, None])[:, 0]
        sin_y = (1.0 - cos_y * cos_y).clamp_min(1e-12).sqrt()  # keeps d(sin)/d(cos) finite at ±1
        shifted = cos_y * math.cos(self.m) - sin_y * math.sin(self.m)  # cos(θ + m)
        target = torch.where(cos_y > math.cos(math.pi - self.m), shifted, cos_y - self.m * math.sin(self.m))
        return self.s * cos.scatter(1, y.long()[:, None], target[:, None])

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, s={self.s}, m={self.m}"


#: the head of each loss name of ``config.LOSSES`` (the one list of names configs and the command line accept)
HEADS = dict(zip(LOSSES, (Softmax, ModifiedSoftmax, ASoftmax, CosFace, ArcFace), strict=True))


def make_head(loss: str, in_features: int, n_classes: int, m=None, bias: bool = True, s=None) -> _Head:
    """Build a head by name (``HEADS``); ``m`` and ``s`` only for the losses that have them."""
    if loss not in HEADS:
        raise ValueError(f"loss must be one of {sorted(HEADS)}, got {loss!r}")
    if loss == "softmax":
        return Softmax(in_features, n_classes, bias=bias)
    if loss == "modified":
        return ModifiedSoftmax(in_features, n_classes)
    if loss == "asoftmax":
        return ASoftmax(in_features, n_classes, m=DEFAULT_M if m is None else m)
    kwargs = {}
    if m is not None:
        kwargs["m"] = m
    if s is not None:
        kwargs["s"] = s
    return HEADS[loss](in_features, n_classes, **kwargs)
