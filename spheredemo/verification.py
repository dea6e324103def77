"""The face verification protocol, as plain math on pair scores (numpy only; nothing here runs a model).

LFW View 2 (the paper's Sec. 4.3): every pair gets a score, the cosine similarity of the two
images' features; for each fold, the threshold is the one that classifies the *other* folds
best, and the accuracy is measured on the held fold. The result is the mean ± standard
deviation over folds (sample standard deviation, ddof = 1), with the ROC curve and its AUC
over all pairs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["cosine_scores", "best_threshold", "accuracy_at", "roc_curve", "roc_auc", "angle_densities", "Verification",
           "verify", "notable_pairs"]


def cosine_scores(features_a: np.ndarray, features_b: np.ndarray) -> np.ndarray:
    """cos⟨a_i, b_i⟩ for each row pair, (P,); a zero feature scores 0."""
    a = np.asarray(features_a, dtype=np.float64)
    b = np.asarray(features_b, dtype=np.float64)
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return np.sum(a * b, axis=1) / np.where(norms > 0, norms, 1.0)


def accuracy_at(scores: np.ndarray, same: np.ndarray, threshold: float) -> float:
    """Fraction of pairs decided right when "same person" means score > threshold."""
    return float(np.mean((np.asarray(scores) > threshold) == np.asarray(same, dtype=bool)))


def best_threshold(scores: np.ndarray, same: np.ndarray) -> float:
    """The threshold (score > t means "same") with the highest accuracy on these pairs.

    Every distinct split is tried: below all scores, and each midpoint between neighbouring
    distinct scores. Ties go to the lowest such threshold.
    """
    scores = np.asarray(scores, dtype=np.float64)
    same = np.asarray(same, dtype=bool)
    if scores.ndim != 1 or len(scores) != len(same) or len(scores) == 0:
        raise ValueError(f"scores and same must be non-empty 1-D arrays of one length, got {scores.shape}, "
                         f"{same.shape}")
    order = np.argsort(scores, kind="stable")
    s, y = scores[order], same[order]
    distinct = np.flatnonzero(np.diff(s) > 0)  # split after position i: s[i] < t < s[i+1]
    # right(split after i) = negatives at or below i + positives above i
    negatives_below = np.cumsum(~y)
    positives_above = y.sum() - np.cumsum(y)
    right = negatives_below[distinct] + positives_above[distinct]
    candidates = [(y.sum(), s[0] - 1.0)]  # everything called "same"
    candidates += [(r, 0.5 * (s[i] + s[i + 1])) for r, i in zip(right, distinct)]
    candidates.append(((~y).sum(), s[-1]))  # everything called "different"
    best = max(r for r, _ in candidates)
    return float(next(t for r, t in candidates if r == best))


def angle_densities(angles_deg, same, bins: int = 60) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(edges, density of the ``same`` pairs' angles, density of the others') on one 0..180° grid of ``bins``:
    the one pair-angle histogram of the package (Fig. 5's pairs, LFW's pairs, the deck's faces slide)."""
    angles, same = np.asarray(angles_deg, dtype=np.float64), np.asarray(same, dtype=bool)
    edges = np.linspace(0.0, 180.0, bins + 1)
    positive, _ = np.histogram(angles[same], edges, density=True)
    negative, _ = np.histogram(angles[~same], edges, density=True)
    return edges, positive, negative


def roc_curve(scores: np.ndarray, same: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(false positive rate, true positive rate, thresholds), from (0, 0) to (1, 1), one point per distinct score."""
    scores = np.asarray(scores, dtype=np.float64)
    same = np.asarray(same, dtype=bool)
    if same.all() or not same.any():
        raise ValueError("a ROC curve needs both matched and mismatched pairs")
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], same[order]
    last = np.r_[np.flatnonzero(np.diff(s) != 0), len(s) - 1]  # last index of each distinct score
    tpr = np.r_[0.0, np.cumsum(y)[last] / y.sum()]
    fpr = np.r_[0.0, np.cumsum(~y)[last] / (~y).sum()]
    return fpr, tpr, np.r_[np.inf, s[last]]


def roc_auc(scores: np.ndarray, same: np.ndarray) -> float:
    """Area under the ROC curve (trapezoids): the chance that a matched pair outscores a mismatched one."""
    fpr, tpr, _ = roc_curve(scores, same)
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))


@dataclass
class Verification:
    """The protocol's result on a set of scored pairs."""

    scores: np.ndarray  # (P,) cosine similarity of each pair
    same: np.ndarray  # (P,) matched pair?
    fold: np.ndarray  # (P,) fold of each pair
    folds: tuple[int, ...]  # the folds evaluated
    thresholds: np.ndarray  # (F,) the cosine threshold each fold was judged with (chosen on the other folds)
    accuracies: np.ndarray  # (F,) accuracy on each fold

    @property
    def mean(self) -> float:
        """Mean verification accuracy over folds (a fraction)."""
        return float(self.accuracies.mean())

    @property
    def std(self) -> float:
        """Sample standard deviation over folds (0 with a single fold)."""
        return float(self.accuracies.std(ddof=1)) if len(self.accuracies) > 1 else 0.0

    @property
    def auc(self) -> float:
        """Area under the ROC curve; NaN when the pairs are all matched or all mismatched."""
        if self.same.all() or not self.same.any():
            return float("nan")
        return roc_auc(self.scores, self.same)

    def fold_thresholds_deg(self) -> np.ndarray:
        """(P,) the angle threshold (degrees) each pair was judged with: its fold's, chosen on the other folds."""
        threshold_of = dict(zip(self.folds, self.thresholds))
        cos = np.array([threshold_of[f] for f in self.fold])
        return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))

    def roc(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(false positive rate, true positive rate, cosine threshold) over every threshold, all pairs."""
        return roc_curve(self.scores, self.same)

    @property
    def threshold(self) -> float:
        """One threshold for all pairs (chosen on all of them), e.g. to mark on a histogram."""
        return best_threshold(self.scores, self.same)

    @property
    def threshold_deg(self) -> float:
        """:attr:`threshold` as an angle: pairs closer than this many degrees are called "same"."""
        return math.degrees(math.acos(max(-1.0, min(1.0, self.threshold))))

    def angles_deg(self) -> np.ndarray:
        """The angle between each pair's features, degrees."""
        return np.degrees(np.arccos(np.clip(self.scores, -1.0, 1.0)))

    def histograms(self, bins: int = 60) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(edges, same-person density, different-people density) of the pair angles (:func:`angle_densities`)."""
        return angle_densities(self.angles_deg(), self.same, bins)

    def correct(self) -> np.ndarray:
        """(P,) whether each pair is decided right by its own fold's threshold."""
        threshold_of = dict(zip(self.folds, self.thresholds))
        per_pair = np.array([threshold_of[f] for f in self.fold])
        return (self.scores > per_pair) == self.same

    def summary(self) -> str:
        """One line: accuracy mean ± std over folds, the folds, the number of pairs and the AUC."""
        return (f"{100 * self.mean:.2f} ± {100 * self.std:.2f} % over folds {list(self.folds)} "
                f"({len(self.scores)} pairs), AUC {self.auc:.4f}")


def verify(scores, same, fold) -> Verification:
    """Run the protocol: per fold, the threshold chosen on the other folds, accuracy on the fold.

    With a single fold there are no other folds: its threshold is chosen on itself (an
    optimistic number, flagged by ``len(folds) == 1``).
    """
    scores = np.asarray(scores, dtype=np.float64)
    same = np.asarray(same, dtype=bool)
    fold = np.asarray(fold)
    if not (len(scores) == len(same) == len(fold)) or len(scores) == 0:
        raise ValueError(f"scores, same and fold must be non-empty and of one length, got "
                         f"{len(scores)}, {len(same)}, {len(fold)}")
    if not np.all(np.isfinite(scores)):
        raise ValueError("scores must be finite (a NaN feature?)")
    folds = tuple(int(f) for f in np.unique(fold))
    thresholds, accuracies = [], []
    for f in folds:
        held = fold == f
        train = ~held if len(folds) > 1 else held
        t = best_threshold(scores[train], same[train])
        thresholds.append(t)
        accuracies.append(accuracy_at(scores[held], same[held], t))
    return Verification(scores, same, fold, folds, np.array(thresholds), np.array(accuracies))


def notable_pairs(result: Verification, n: int = 2) -> dict[str, np.ndarray]:
    """Indices of the pairs worth looking at, judged by each pair's own fold threshold:

    - ``hardest_same``: matched pairs decided right, with the widest angles (closest to the threshold);
    - ``hardest_different``: mismatched pairs decided right, with the narrowest angles;
    - ``worst_same``: matched pairs decided wrong, widest angle first;
    - ``worst_different``: mismatched pairs decided wrong, narrowest angle first.

    Each holds at most ``n`` indices (fewer when there are not that many such pairs).
    """
    angles = result.angles_deg()
    correct = result.correct()
    groups = {
        "hardest_same": (result.same & correct, -1),
        "hardest_different": (~result.same & correct, 1),
        "worst_same": (result.same & ~correct, -1),
        "worst_different": (~result.same & ~correct, 1),
    }
    chosen = {}
    for key, (mask, direction) in groups.items():
        index = np.flatnonzero(mask)
        chosen[key] = index[np.argsort(direction * angles[index], kind="stable")[:n]]
    return chosen
