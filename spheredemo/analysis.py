"""Embeddings -> plain results: angles, pair-angle histograms, angular Fisher score.

Nothing here draws. Results are numpy arrays and small dataclasses that the matplotlib
figures, the plotly views and the widgets all take as they are ("compute once, draw many").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from spheredemo.margins import unit
from spheredemo.verification import accuracy_at, angle_densities, best_threshold

__all__ = [
    "Embeddings", "AngleStats", "PairAngles", "angle_stats", "angular_fisher_score",
    "pair_angles", "closest_pair", "unit", "weight_angles", "rank_correlation", "angular_gaps",
]


def _angles_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise angles in degrees between the rows of a and b, (len(a), len(b))."""
    return np.degrees(np.arccos(np.clip(unit(a) @ unit(b).T, -1.0, 1.0)))


@dataclass
class Embeddings:
    """Features of a labelled set, with the head that classifies them."""

    features: np.ndarray  # (N, D) embeddings as the model outputs them (not normalised)
    labels: np.ndarray  # (N,) true classes
    weight: np.ndarray  # (C, D) class weights W as the head stores them
    predictions: np.ndarray  # (N,) the head's margin-free decision (plain cosine; softmax: Wx + b)
    bias: np.ndarray | None = None  # (C,) softmax biases, None for the normalised heads
    name: str = ""  # a label for legends and tables

    @classmethod
    def from_model(cls, model, head, images, name: str = "", batch_size: int = 1024) -> Embeddings:
        """Embed a whole :class:`~spheredemo.data.ImageSet` (eval mode, no gradients)."""
        from spheredemo.train import embed

        features = embed(model, images, batch_size, next(head.parameters()).device)
        return cls.from_features(features, images.labels, head, name)

    @classmethod
    def from_features(cls, features, labels, head, name: str = "") -> Embeddings:
        """Wrap features a model already produced (e.g. cached ones) with the head's decisions."""
        device = next(head.parameters()).device
        features = torch.as_tensor(features, dtype=torch.float32)
        with torch.no_grad():
            predictions = head.predict(features.to(device)).cpu()
        bias = getattr(head, "bias", None)
        return cls(
            features=features.numpy().astype(np.float64),
            labels=np.asarray(labels),
            weight=head.weight.detach().cpu().numpy().astype(np.float64),
            predictions=predictions.numpy(),
            bias=None if bias is None else bias.detach().cpu().numpy().astype(np.float64),
            name=name,
        )

    @property
    def dim(self) -> int:
        """D, the embedding size."""
        return self.features.shape[1]

    @property
    def n_classes(self) -> int:
        """C, the number of classes the head knows."""
        return self.weight.shape[0]

    @property
    def accuracy(self) -> float:
        """Fraction of the features the head's margin-free rule classifies right."""
        return float((self.predictions == self.labels).mean())

    def first_per_class(self, n: int) -> Embeddings:
        """The first ``n`` features of every class, in their original order: the same images under every model."""
        index = np.sort(np.concatenate([np.flatnonzero(self.labels == c)[:n] for c in np.unique(self.labels)]))
        return Embeddings(self.features[index], self.labels[index], self.weight, self.predictions[index], self.bias,
                          self.name)

    @property
    def unit_features(self) -> np.ndarray:
        """x / ‖x‖: the features projected on the unit circle or sphere, (N, D)."""
        return unit(self.features)

    @property
    def unit_weight(self) -> np.ndarray:
        """W_j / ‖W_j‖: the class weights as A-Softmax sees them, (C, D)."""
        return unit(self.weight)

    def own_angles(self) -> np.ndarray:
        """Angle (degrees) between each feature and its own class weight, (N,)."""
        cos = np.sum(self.unit_features * self.unit_weight[self.labels], axis=1)
        return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def weight_angles(weight: np.ndarray) -> np.ndarray:
    """Angles (degrees) between every pair of class weights, (C, C), inf on the diagonal."""
    angles = _angles_deg(weight, weight)
    np.fill_diagonal(angles, np.inf)
    return angles


def closest_pair(weight: np.ndarray) -> tuple[int, int]:
    """The two classes whose weights are nearest in angle (the hardest pair to separate)."""
    i, j = np.unravel_index(np.argmin(weight_angles(weight)), (len(weight), len(weight)))
    return (int(min(i, j)), int(max(i, j)))


def angular_fisher_score(features: np.ndarray, labels: np.ndarray) -> float:
    """AFS = S_w / S_b (Appendix E, lower is better).

    S_w = Σ_i Σ_{x ∈ class i} (1 − cos⟨x, μ_i⟩), S_b = Σ_i n_i (1 − cos⟨μ_i, μ⟩), with μ_i the
    mean feature of class i and μ the mean of all features.
    """
    features = np.asarray(features, dtype=np.float64)
    labels = np.asarray(labels)
    if len(np.unique(labels)) < 2:
        raise ValueError("the angular Fisher score needs features of at least two classes")
    mu = features.mean(axis=0)
    s_w = s_b = 0.0
    for c in np.unique(labels):
        members = features[labels == c]
        mu_c = members.mean(axis=0)
        s_w += float(np.sum(1.0 - unit(members) @ unit(mu_c)))
        s_b += len(members) * float(1.0 - unit(mu_c) @ unit(mu))
    return s_w / s_b


@dataclass
class AngleStats:
    """How compact and how separated the classes are, in angle (degrees)."""

    accuracy: float  # fraction classified right by the margin-free rule
    mean_own_angle: float  # mean angle between a feature and its own class weight
    max_own_angle: float  # largest such angle
    min_weight_angle: float  # smallest angle between two class weights
    afs: float  # angular Fisher score (lower is better)


def angle_stats(emb: Embeddings) -> AngleStats:
    """Accuracy, the mean and largest angle θ_y between a feature and its own W_y, the smallest angle between two
    class weights, and the angular Fisher score (Appendix E) of ``emb``; angles in degrees."""
    own = emb.own_angles()
    return AngleStats(
        accuracy=emb.accuracy,
        mean_own_angle=float(own.mean()),
        max_own_angle=float(own.max()),
        min_weight_angle=float(weight_angles(emb.weight).min()),
        afs=angular_fisher_score(emb.features, emb.labels),
    )


@dataclass
class PairAngles:
    """Angles of positive pairs (same class) and negative pairs (one of each), Fig. 5."""

    classes: tuple[int, int]  # the two classes the pairs are built from
    positive: np.ndarray  # angles (degrees) of every same-class pair of either class
    negative: np.ndarray  # angles of every cross pair

    @property
    def max_positive(self) -> float:
        """The largest same-class pair angle (degrees): the paper wants it below :attr:`min_negative`."""
        return float(self.positive.max())

    @property
    def min_negative(self) -> float:
        """The smallest cross-class pair angle (degrees)."""
        return float(self.negative.min())

    @property
    def separated(self) -> bool:
        """Max intra-class angle below min inter-class angle (the paper's goal)."""
        return self.max_positive < self.min_negative

    @property
    def best_threshold(self) -> float:
        """The angle that best splits positives (below) from negatives (above)."""
        return self._best_split()[0]

    @property
    def overlap_fraction(self) -> float:
        """Fraction of all pairs on the wrong side of :attr:`best_threshold` (0 when separated).

        Unlike max-positive vs min-negative, which a single outlier pair decides, this counts
        how many pairs the two distributions really share.
        """
        return self._best_split()[1]

    def _angles_and_same(self) -> tuple[np.ndarray, np.ndarray]:
        return (np.concatenate([self.positive, self.negative]),
                np.concatenate([np.ones(len(self.positive), bool), np.zeros(len(self.negative), bool)]))

    def _best_split(self) -> tuple[float, float]:
        # verification's one threshold sweep, on −angle as the score: "same" when the angle is below the
        # threshold, as a face pair is judged
        angles, same = self._angles_and_same()
        threshold = best_threshold(-angles, same)
        return float(-threshold), 1.0 - accuracy_at(-angles, same, threshold)

    def histograms(self, bins: int = 90) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(edges, positive density, negative density) on a shared 0..180° grid
        (:func:`spheredemo.verification.angle_densities`)."""
        return angle_densities(*self._angles_and_same(), bins)


def pair_angles(emb: Embeddings, classes: tuple[int, int] | None = None) -> PairAngles:
    """All positive and negative pair angles of two classes (default: the closest pair of weights)."""
    a, b = closest_pair(emb.weight) if classes is None else classes
    for c in (a, b):
        if not 0 <= c < emb.n_classes:
            raise ValueError(f"classes must lie in 0..{emb.n_classes - 1}, got {classes}")
    if a == b:
        raise ValueError(f"the two classes must differ, got {classes}")
    fa, fb = emb.features[emb.labels == a], emb.features[emb.labels == b]
    positive = [_angles_deg(f, f)[np.triu_indices(len(f), k=1)] for f in (fa, fb)]
    return PairAngles((a, b), np.concatenate(positive), _angles_deg(fa, fb).ravel())


def rank_correlation(a, b) -> float:
    """Spearman's rank correlation of two equal-length sequences (ties get their average rank)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1 or len(a) < 2:
        raise ValueError(f"rank_correlation needs two 1-D sequences of one length >= 2, got {a.shape} and {b.shape}")

    def ranks(x):
        order = np.argsort(x, kind="stable")
        r = np.empty(len(x))
        r[order] = np.arange(len(x), dtype=np.float64)
        for value in np.unique(x):  # average rank for ties
            tied = x == value
            r[tied] = r[tied].mean()
        return r

    ra, rb = ranks(a), ranks(b)
    ra, rb = ra - ra.mean(), rb - rb.mean()
    return float(ra @ rb / np.sqrt((ra @ ra) * (rb @ rb)))


def angular_gaps(emb: Embeddings, low: float = 5.0, high: float = 95.0) -> np.ndarray:
    """For 2D features: the empty arc (degrees) between each class's sector and the next one around the circle.

    Each class's sector runs from the ``low`` to the ``high`` percentile of its features' polar angles,
    measured from the class's circular mean so that a sector may straddle ±180°; classes are taken in
    the order of their mean angles. A negative gap means the two sectors overlap (by less than 90°).
    Returns (C,) gaps; with every sector empty of overlap they sum with the sectors' widths to 360°.
    """
    if emb.dim != 2:
        raise ValueError(f"angular_gaps needs 2D embeddings, got dim={emb.dim}")
    angle = np.degrees(np.arctan2(emb.features[:, 1], emb.features[:, 0]))
    sectors = []
    for c in np.unique(emb.labels):
        unit_c = unit(emb.features[emb.labels == c]).mean(axis=0)
        centre = np.degrees(np.arctan2(unit_c[1], unit_c[0]))
        offset = (angle[emb.labels == c] - centre + 180.0) % 360.0 - 180.0
        sectors.append((centre + np.percentile(offset, low), centre + np.percentile(offset, high), centre))
    sectors.sort(key=lambda s: s[2] % 360.0)
    gaps = []
    for k, (_, end, _) in enumerate(sectors):
        start_next = sectors[(k + 1) % len(sectors)][0]
        gaps.append((start_next - end + 90.0) % 360.0 - 90.0)  # in [-90°, 270°): overlaps stay negative
    return np.array(gaps)
