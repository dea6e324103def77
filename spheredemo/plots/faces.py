"""Drawing face verification results: pair-angle histograms with the threshold, ROC curves, the
LFW accuracy table beside the paper's, angular Fisher scores, and pairs of faces as images.

Every function takes results (:class:`~spheredemo.verification.Verification`, plain rows),
draws into ``ax`` (a new one when None) and returns what it drew.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np

from spheredemo.plots.embeddings import angle_bars, finish_angle_axes
from spheredemo.plots.style import class_color
from spheredemo.verification import Verification

__all__ = ["VerificationHistogramArtists", "draw_verification_histograms", "draw_roc", "draw_accuracy_bars",
           "draw_afs_bars", "draw_face_pair"]


@dataclass
class VerificationHistogramArtists:
    ax: plt.Axes
    positive: object  # bars of the matched (same person) pair angles
    negative: object  # bars of the mismatched pair angles
    threshold_line: object  # vertical line at the chosen threshold angle


def draw_verification_histograms(result: Verification, ax=None, bins: int = 60, title: str | None = None,
                                 legend: bool = True) -> VerificationHistogramArtists:
    """Angles between the two faces of every matched (same person) and mismatched LFW pair, with the
    threshold angle (chosen on all pairs) that best splits them: pairs left of it are called "same"."""
    ax = ax if ax is not None else plt.figure().add_subplot()
    edges, pos, neg = result.histograms(bins)
    positive, negative = angle_bars(ax, edges, pos, neg, f"same person ({result.same.sum()} pairs)",
                                    f"different people ({(~result.same).sum()})")
    line = ax.axvline(result.threshold_deg, color="k", lw=1.2, ls="--",
                      label=f"threshold {result.threshold_deg:.1f}°")
    finish_angle_axes(ax, "angle between the pair's features (degrees)", title, legend)
    return VerificationHistogramArtists(ax, positive, negative, line)


def draw_roc(results: dict, ax=None, title: str | None = None) -> list:
    """ROC curves (true accept rate against false accept rate), one per labelled result, AUC in the legend."""
    ax = ax if ax is not None else plt.figure().add_subplot()
    lines = []
    for k, (label, result) in enumerate(results.items()):
        fpr, tpr, _ = result.roc()
        (line,) = ax.plot(fpr, tpr, color=class_color(k), lw=1.5, label=f"{label} (AUC {result.auc:.3f})")
        lines.append(line)
    ax.plot([0, 1], [0, 1], color="0.7", lw=0.8, ls=":")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    # one 0 at the corner: the two axes' "0.0" labels meet there at the slide style's sizes
    ax.set_xticks([0, 0.2, 0.4, 0.6, 0.8, 1.0], ["0", "0.2", "0.4", "0.6", "0.8", "1.0"])
    ax.set_yticks([0.2, 0.4, 0.6, 0.8, 1.0])
    ax.set_aspect("equal")
    ax.set_xlabel("false accept rate (different people called same)")
    ax.set_ylabel("true accept rate")
    ax.legend(loc="lower right", fontsize="small")
    if title:
        ax.set_title(title)
    return lines


def draw_accuracy_bars(labels, means_pct, stds_pct, paper_pct=None, ax=None, title: str | None = None):
    """Bars of LFW accuracy (mean ± std, in %) per model, with the paper's numbers as diamonds where it has one."""
    ax = ax if ax is not None else plt.figure().add_subplot()
    x = np.arange(len(labels))
    bars = ax.bar(x, means_pct, yerr=stds_pct, capsize=4, color=[class_color(k) for k in range(len(labels))],
                  alpha=0.85, label="here (mean ± std)")
    for rect, mean, std in zip(bars, means_pct, stds_pct):  # each number above its error bar, never crossed by it
        ax.annotate(f"{mean:.1f}", (rect.get_x() + rect.get_width() / 2, mean + std), xytext=(0, 3),
                    textcoords="offset points", ha="center", va="bottom", fontsize="small")
    paper = None
    if paper_pct is not None:
        known = [(k, v) for k, v in enumerate(paper_pct) if v is not None]
        if known:
            paper = ax.scatter([k for k, _ in known], [v for _, v in known], marker="D", color="k", zorder=3,
                               label="paper (CASIA, 64 layers)")
    # the axis starts 5 points under the lowest bar's error bar: the differences between models are a few points
    low = 5 * np.floor((min(m - s for m, s in zip(means_pct, stds_pct)) - 5) / 5)
    ax.set_ylim(low, 100)
    ax.set_xticks(x, labels, fontsize="small")  # short lines (loss, m, m_eff), never rotated
    ax.set_ylabel("LFW verification accuracy (%)")
    # the legend in the empty band between the tallest bar and the paper's lowest diamond
    top = max(m + s for m, s in zip(means_pct, stds_pct)) + 2
    ceiling = min([v for v in (paper_pct or []) if v is not None], default=100.0)
    ax.legend(loc="center", bbox_to_anchor=(0.5, ((top + ceiling) / 2 - low) / (100 - low)), fontsize="small",
              ncols=2)
    if title:
        ax.set_title(title)
    return bars, paper


def draw_afs_bars(labels, afs_means, afs_stds=None, ax=None, title: str | None = None):
    """Bars of the angular Fisher score (S_w / S_b, lower is better) per model."""
    ax = ax if ax is not None else plt.figure().add_subplot()
    x = np.arange(len(labels))
    bars = ax.bar(x, afs_means, yerr=afs_stds, capsize=4, color=[class_color(k) for k in range(len(labels))],
                  alpha=0.85)
    for rect, value, std in zip(bars, afs_means, afs_stds if afs_stds is not None else [0.0] * len(labels)):
        ax.annotate(f"{value:.3f}", (rect.get_x() + rect.get_width() / 2, value + std), xytext=(0, 3),
                    textcoords="offset points", ha="center", va="bottom", fontsize="small")
    ax.set_xticks(x, labels, fontsize="small")
    ax.set_ylabel("angular Fisher score (lower is better)")
    if title:
        ax.set_title(title)
    return bars


def draw_face_pair(left: np.ndarray, right: np.ndarray, axes, caption: str, correct: bool):
    """Two face images (uint8 (C, H, W)) side by side with a caption; a green frame if decided right, red if not."""
    images = []
    for ax, image in zip(axes, (left, right)):
        picture = image.transpose(1, 2, 0)
        images.append(ax.imshow(picture.squeeze(-1) if picture.shape[-1] == 1 else picture,
                                cmap="gray" if picture.shape[-1] == 1 else None))
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(True)
            spine.set_color("#1a9850" if correct else "#d73027")
            spine.set_linewidth(3)
    axes[0].set_title(caption, loc="left", fontsize="small")
    return images
