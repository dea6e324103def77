"""The face figures (Table 3 and 6, ROC, Fig. 2 and 5 on faces, the margin map, the gallery), drawn from the
shipped face results and the margin map's results.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from spheredemo import analysis, pretrained
from spheredemo.imageset import DataError
from spheredemo.keys import ModelKey
from spheredemo.plots import embeddings as eplots
from spheredemo.plots import faces as fplots
from spheredemo.results import FACE_3D_MODELS, FACE_MODELS, PAPER_TABLE3, face_seed_stats, face_tick_label

from spheredemo.figures._registry import Context, register


# --- faces: LFW folds 1–3, people never seen in training ------------------------------------------------

def _seed_counts(stats: list[dict]) -> str:
    counts = sorted({s["n_seeds"] for s in stats})
    return str(counts[0]) if len(counts) == 1 else f"{counts[0]}–{counts[-1]}"


def _face_sweep_stats(ctx: Context) -> list[dict]:
    """:func:`face_seed_stats` of every 512-d face model, in FACE_MODELS order (recorded as used)."""
    ctx.used.update(name for name, _ in FACE_MODELS)
    return [face_seed_stats(ctx, name) for name, _ in FACE_MODELS]


def _face_ticks(ctx: Context) -> list[str]:
    """The 512-d face models' axis labels: loss, m and the m_eff it trained at (CosFace, ArcFace: s and m)."""
    return [face_tick_label(name, ctx.checkpoints) for name, _ in FACE_MODELS]


@register("table3_faces", "Table 3 (faces)",
          "LFW verification accuracy on folds 1–3 (1,800 pairs of people never seen in training), mean ± std over "
          "seeds, for every loss, beside the paper's Table 3 (diamonds: CASIA-WebFace, 64 layers, 99 % range). "
          "The numbers are in results_faces.md.",
          [name for name, _ in FACE_MODELS])
def table3_faces(ctx: Context):
    stats = _face_sweep_stats(ctx)
    fig, ax = plt.subplots(figsize=(8, 4.4), layout="constrained")
    fplots.draw_accuracy_bars(_face_ticks(ctx), [s["acc_mean"] for s in stats],
                              [s["acc_std"] for s in stats], [PAPER_TABLE3.get(name) for name, _ in FACE_MODELS],
                              ax=ax, title=f"LFW folds 1–3, unseen people ({_seed_counts(stats)} seeds per model)")
    return fig


@register("table6_faces_afs", "Table 6 (faces)",
          "Angular Fisher score (Appendix E, lower is better) of the LFW test identities' features, which no model "
          "saw in training, for every loss (mean ± std over seeds).",
          [name for name, _ in FACE_MODELS])
def table6_faces(ctx: Context):
    stats = _face_sweep_stats(ctx)
    fig, ax = plt.subplots(figsize=(8, 4.2), layout="constrained")
    fplots.draw_afs_bars(_face_ticks(ctx), [s["afs_mean"] for s in stats],
                         [s["afs_std"] for s in stats], ax=ax, title="angular Fisher score of unseen identities")
    return fig


@register("roc_faces", "Fig. 6 / ROC (faces)",
          "ROC curves of LFW verification (folds 1–3, shipped seed) for every loss: the fraction of same-person "
          "pairs accepted against the fraction of different-people pairs accepted, AUC in the legend.",
          [name for name, _ in FACE_MODELS])
def roc_faces(ctx: Context):
    fig, ax = plt.subplots(figsize=(5.6, 5.2), layout="constrained")
    fplots.draw_roc({label: ctx.faces(name).verification for name, label in FACE_MODELS}, ax=ax,
                    title="LFW folds 1–3, unseen people")
    return fig


@register("fig5_faces", "Fig. 5 (faces)",
          "3D A-Softmax features of the 6 largest LFW training identities on the unit sphere for m = 1..4 (top); "
          "below, as the paper drew it, the angles of positive pairs (same person) and negative pairs built from "
          "the two largest of them, on a fifth of their images held out of training; bottom row, labelled so: the "
          "angles of LFW pairs of people never seen at all (dashed: the threshold that best splits them).",
          FACE_3D_MODELS)
def fig5_faces(ctx: Context):
    fig = plt.figure(figsize=(15, 11), layout="constrained")
    held_axes, unseen_axes = [], []
    for col, name in enumerate(FACE_3D_MODELS):
        results = ctx.faces(name)
        art = eplots.draw_sphere_features(results.train, ax=fig.add_subplot(3, 4, col + 1, projection="3d"),
                                          title=f"m={col + 1}")
        for axis in (art.ax.xaxis, art.ax.yaxis, art.ax.zaxis):  # a unit sphere: its ticks say nothing here
            axis.set_ticklabels([])
        if results.held_out is not None:
            pairs = analysis.pair_angles(results.held_out, _two_largest(results))
            hist = eplots.draw_pair_histograms(pairs, ax=fig.add_subplot(3, 4, col + 5),
                                               title=f"{100 * pairs.overlap_fraction:.1f}% overlap")
            held_axes.append(hist.ax)
        v = results.verification
        ax = fig.add_subplot(3, 4, col + 9)
        fplots.draw_verification_histograms(v, ax=ax, legend=False, title=f"{100 * v.mean:.1f}% right")
        unseen_axes.append(ax)
    # the rows say what they show once, at the left; the legends once, below (the numbers are in each title)
    for axes, label in ((held_axes, "held-out"), (unseen_axes, "unseen people")):
        for k, ax in enumerate(axes):
            if ax.get_legend():
                ax.get_legend().remove()
            ax.set_ylabel(f"{label}\n(density)" if k == 0 else "")
            ax.set_xlabel("pair angle (degrees)" if axes is unseen_axes else "")
    handles, labels = [], []
    for ax in (held_axes[-1:] + unseen_axes[-1:]):
        for handle, label in zip(*ax.get_legend_handles_labels()):
            handles.append(handle)
            # each panel's own angle and threshold: the legend names the line, the picture shows where
            labels.append(" ".join(label.split(" ")[:2]) if label.startswith(("max", "min")) else
                          "threshold" if label.startswith("threshold") else label)
    fig.legend(handles, labels, loc="outside lower center", ncols=4, frameon=False)
    for scatter, identity in zip(art.scatters, results.classes):
        scatter.set_label(identity.replace("_", " "))
    fig.legend(handles=art.scatters, loc="outside right upper", markerscale=4, frameon=False, fontsize="small",
               title="training identities")
    return fig


def _two_largest(results: pretrained.FaceResults) -> tuple[int, int]:
    """The two training identities with the most held-out images (the paper's "class 1 and class 2")."""
    counts = np.bincount(results.held_out.labels, minlength=results.held_out.n_classes)
    first, second = np.argsort(-counts, kind="stable")[:2]
    return int(first), int(second)


FACE_2D_MODELS = [ModelKey("lfw", 2).with_loss(loss).name for loss in ("softmax", "modified", "asoftmax-m4")]


@register("fig2_faces", "Fig. 2 (faces)",
          "2D face features (FC1 of dimension 2) of the two largest LFW training identities for softmax, modified "
          "softmax and A-Softmax (m = 4, annealed to λ_min = 5 by step 200, the base face schedule): the original "
          "space (top) and the projection on the unit circle (bottom), with the class weights as arrows (and the "
          "softmax biases listed), as the paper drew its CASIA subset; the training images' features, beside the "
          "MNIST Fig. 2.",
          FACE_2D_MODELS)
def fig2_faces(ctx: Context):
    titles = ["softmax", "modified softmax", "A-Softmax (m=4)"]
    fig, axes = plt.subplots(2, 3, figsize=(12, 7.6), layout="constrained")
    drawn = []
    for col, (name, title) in enumerate(zip(FACE_2D_MODELS, titles)):
        results = ctx.faces(name)
        drawn.append(eplots.draw_features(results.train, ax=axes[0, col], title=f"{title}: original space"))
        eplots.draw_circle_features(results.train, ax=axes[1, col], title=f"{title}: on the unit circle")
    for scatter, identity in zip(drawn[0].scatters, results.classes):
        scatter.set_label(identity.replace("_", " "))
    fig.legend(handles=drawn[0].scatters, loc="outside right upper", markerscale=4, frameon=False,
               fontsize="small")
    return fig


def _map_points(ctx: Context):
    from spheredemo.face_map import map_points, read_results

    points = map_points(read_results(Path(ctx.checkpoints) / "face_map"))
    if not points:
        raise DataError("the margin map has not been run: python -m spheredemo.face_map --cells ... (see --list)")
    return points


@register("face_map_margin", "Margin map (faces, validation)",
          "Verification accuracy and AUC of the 20 validation people (never folds 1–3) against the binary angular "
          "margin each cell trained with at θ12 = 90°, a line per family and setting (A-Softmax: one per m, along "
          "its λ_min; CosFace and ArcFace: one per scale s); dashed: the losses without a margin.")
def face_map_margin(ctx: Context):
    from spheredemo.plots import face_map as mplots

    points = _map_points(ctx)
    fig, axes = plt.subplots(1, 2, figsize=(13, 5), layout="constrained")
    mplots.draw_map_lines(points, "accuracy", ax=axes[0], title="validation accuracy", legend=False)
    mplots.draw_map_lines(points, "auc", ax=axes[1], title="validation AUC", legend=False)
    # one legend for both panels, below them (inside, its 13 lines cover the cells that failed to train)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=4, fontsize="small",
               frameon=False)
    return fig


@register("face_map_asoftmax", "Margin map (faces, validation)",
          "A-Softmax on the validation people over m and λ_min (reached at 40 % of the run): accuracy, and the "
          "m_eff each cell's final λ leaves; the nominal m is reached only at λ_min = 0. Each m's chosen cell (seed "
          "0's best) shows its mean ± std over 3 seeds, the others seed 0 alone.")
def face_map_asoftmax(ctx: Context):
    from spheredemo.plots import face_map as mplots

    fig, ax = plt.subplots(figsize=(7, 4.2), layout="constrained")
    mplots.draw_asoftmax_grid(_map_points(ctx), ax=ax, title="A-Softmax: validation accuracy over (m, λ_min)")
    return fig


GALLERY_MODEL = "lfw-d512-asoftmax-m4"


@register("face_gallery", "Sec. 4.3 (faces)",
          "LFW test pairs of people never seen in training, judged by the 512-d A-Softmax m=4 model: the hardest "
          "pairs it gets right and the worst it gets wrong, with their angle and the threshold (green frame: "
          "right; red: wrong). Needs the LFW images (not shipped).",
          [GALLERY_MODEL])
def face_gallery(ctx: Context):
    from spheredemo.faces import find_lfw, load_image_files
    from spheredemo.verification import notable_pairs
    from spheredemo.lfw import preprocessing_of

    results = ctx.faces(GALLERY_MODEL)
    v = results.verification
    chosen = notable_pairs(v, n=2)
    rows = [(key, i) for key in ("hardest_same", "hardest_different", "worst_same", "worst_different")
            for i in chosen[key]]
    tree, _ = find_lfw()
    paths = [p for _, i in rows for p in (results.left_paths[i], results.right_paths[i])]
    preprocessing = preprocessing_of(pretrained.load_run(GALLERY_MODEL, ctx.checkpoints))
    images = load_image_files(tree, paths, preprocessing, progress=False)
    ncols = 4  # two pairs per row
    fig, axes = plt.subplots(max(1, (len(rows) + 1) // 2), ncols, figsize=(9, 2.6 * max(1, (len(rows) + 1) // 2)),
                             layout="constrained", squeeze=False)
    angles, correct, thresholds = v.angles_deg(), v.correct(), v.fold_thresholds_deg()
    words = {"hardest_same": "same person, right", "hardest_different": "different people, right",
             "worst_same": "same person, WRONG", "worst_different": "different people, WRONG"}
    for k, (key, i) in enumerate(rows):
        caption = f"{words[key]}\n{angles[i]:.1f}° vs threshold {thresholds[i]:.1f}°"
        fplots.draw_face_pair(images[2 * k], images[2 * k + 1], axes.flat[2 * k: 2 * k + 2], caption, correct[i])
    for ax in list(axes.flat)[2 * len(rows):]:
        ax.axis("off")
    return fig
