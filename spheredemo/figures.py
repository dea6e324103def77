"""The paper's figures, regenerated: ``python -m spheredemo.figures`` (``--help`` for options).

A registry maps each figure's name to the paper item it reproduces, a one-line description
and the function that draws it. Figure functions compute through :mod:`spheredemo.analysis`
and draw through :mod:`spheredemo.plots`; saving, styling and the gallery are done here only.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from spheredemo import analysis, pretrained
from spheredemo.atomic import atomic_path
from spheredemo.imageset import DataError
from spheredemo.keys import SWEEP, ModelKey
from spheredemo.margins import LambdaSchedule, annealed_target, effective_margin
from spheredemo.plots import boundaries as bplots
from spheredemo.plots import embeddings as eplots
from spheredemo.plots import faces as fplots
from spheredemo.plots import psi as pplots
from spheredemo.plots import regions as rplots
from spheredemo.plots.style import STYLES
from spheredemo.results import (FACE_3D_MODELS, FACE_MODELS, PAPER_TABLE3, SeedSpread,  # noqa: F401 (re-exported)
                                face_seed_stats, face_tick_label, seed_spread)
from spheredemo.train import final_margin

__all__ = ["FIGURES", "FigureSpec", "Context", "render", "main"]

def default_out() -> Path:
    """The repository's ``figures/`` when the package runs from a source checkout (it sits beside
    ``pyproject.toml``), else ``./figures`` in the current folder (an installed wheel never writes
    into site-packages)."""
    source = Path(__file__).resolve().parents[1]
    if (source / "pyproject.toml").is_file() and (source / "spheredemo" / "figures.py").is_file():
        return source / "figures"
    return Path.cwd() / "figures"


@dataclass
class Context:
    """What every figure function may use: where the checkpoints are and how big to go."""

    checkpoints: Path = pretrained.CHECKPOINT_DIR  # folder of the .pt files and manifest.json
    quick: bool = False  # tiny versions (few points) for smoke tests
    style: str = "paper"  # paper or slide
    used: set = field(default_factory=set)  # checkpoint names the figures read (for the gallery)

    @property
    def test_per_class(self):
        return 30 if self.quick else None  # None: the whole 10,000-image test set

    @property
    def train_per_class(self):
        return 30 if self.quick else 500  # the training panels show a fixed 5,000-image subset

    def faces(self, name: str) -> pretrained.FaceResults:
        self.used.add(name)
        return pretrained.face_results(name, self.checkpoints)

    def emb(self, name: str, split: str = "test") -> analysis.Embeddings:
        self.used.add(name)
        per_class = self.test_per_class if split == "test" else self.train_per_class
        if split == "train":  # the training subset ships (offline_assets): no MNIST needed on disk
            from spheredemo import offline_assets

            if name in offline_assets.TRAIN_SUBSET_MODELS and per_class <= offline_assets.TRAIN_SUBSET_PER_CLASS:
                return offline_assets.train_subset(name, per_class, self.checkpoints)
        if split == "test" and per_class is not None:  # --quick: a subset of the shipped features, no MNIST
            return pretrained.embeddings(name, "test", None, self.checkpoints).first_per_class(per_class)
        return pretrained.embeddings(name, split, per_class, self.checkpoints)


@dataclass
class FigureSpec:
    """One entry of the registry: a paper item, how to draw it and the checkpoints it reads."""

    name: str  # file stem in figures/
    paper: str  # the paper item it reproduces
    description: str  # one sentence: what to see in it
    draw: object  # callable(Context) -> matplotlib Figure, or None for table-only entries
    checkpoints: tuple = ()  # shipped checkpoints it uses (empty: analytic, or ``made_from``)
    made_from: str = ""  # what a figure without checkpoints reads when it is not analytic (the gallery says it)


FIGURES: dict[str, FigureSpec] = {}


def register(name: str, paper: str, description: str, checkpoints=(), made_from: str = ""):
    """Register a figure function ``draw(ctx) -> Figure`` under ``name``; its docstring becomes the paper item
    and the "what to see" sentence the gallery prints, so ``help(fig8)`` says what the figure shows."""
    def decorator(function):
        FIGURES[name] = FigureSpec(name, paper, description, function, tuple(checkpoints), made_from)
        function.__doc__ = f"{paper}: {description}"
        return function
    return decorator


def _row(ctx: Context, names, titles, ncols=None, size=3.2):
    fig, axes = plt.subplots(1, ncols or len(names), figsize=(size * (ncols or len(names)) + 1, size + 0.3),
                             layout="constrained")
    for ax, name, title in zip(axes, names, titles):
        eplots.draw_features(ctx.emb(name), ax=ax, title=title)
    return fig, axes


def _legend(fig, ax, n=10):
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles[:n], labels[:n], loc="outside right center", title="digit", markerscale=4, frameon=False)


@register("table1_boundaries", "Table 1",
          "Binary decision boundaries on the unit circle for W1, W2 90° apart: softmax (biases b1 − b2 = 0.3 shift "
          "the line off the origin), modified softmax (the bisector) and A-Softmax for m = 1..4, whose two boundaries "
          "open a shaded margin wedge of (m−1)/(m+1)·θ12 = 0°, 30°, 45°, 54°.")
def table1(ctx: Context):
    # Fixed margins, not constrained layout: it does not reserve room for the titles of these equal-aspect axes.
    fig, axes = plt.subplots(2, 3, figsize=(11, 7.9))
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.02, top=0.94, hspace=0.22, wspace=0.05)
    settings = [dict(loss="softmax", b1=0.15, b2=-0.15), dict(loss="modified")] + [
        dict(loss="asoftmax", m=m) for m in (1, 2, 3, 4)]
    for ax, setting in zip(axes.flat, settings):
        bplots.draw_boundaries(ax=ax, theta12_deg=90.0, **setting)
    return fig


@register("fig3_constraint_regions", "Fig. 3",
          "Where each class's training constraint holds (class colours; grey: neither) for a Euclidean margin, "
          "modified softmax and A-Softmax (m=4): in the plane (top) and on the unit sphere (bottom). Only "
          "A-Softmax carves an angular gap that scales with the sphere, not with distance.")
def fig3(ctx: Context):
    n = 41 if ctx.quick else 121
    fig = plt.figure(figsize=(11, 7.4), layout="constrained")
    for col, loss in enumerate(("euclidean", "modified", "asoftmax")):
        rplots.draw_constraint_regions(loss, ax=fig.add_subplot(2, 3, col + 1), theta12_deg=90.0, m=4,
                                       n=2 * n + 1)
        rplots.draw_sphere_regions(loss, ax=fig.add_subplot(2, 3, col + 4, projection="3d"), theta12_deg=90.0, m=4,
                                   n=n // 2 + 10)
    return fig


@register("psi_curves", "Eq. 6, App. G",
          "Left: ψ(θ) for m = 1..4 beside cos θ. Middle: the annealed target (λ cos θ + ψ(θ))/(1 + λ) for m = 4; "
          "with λ = 5 it hugs cos θ, so the effective margin is far smaller than m = 4. Right: λ(t) of the "
          "official schedule, reaching λ_min = 5 at step 1659.")
def psi_figure(ctx: Context):
    # ψ tall on the left, the blend and the schedule stacked on the right: 1.9:1, not a 3.4:1 strip
    mosaic = plt.figure(figsize=(12, 6.4), layout="constrained").subplot_mosaic("AB;AC")
    fig, axes = mosaic["A"].figure, [mosaic["A"], mosaic["B"], mosaic["C"]]
    pplots.draw_psi((1, 2, 3, 4), ax=axes[0])
    axes[0].set_title("ψ(θ) = (−1)^k cos(mθ) − 2k")
    pplots.draw_annealed(4, (0.0, 1.0, 5.0, 1000.0), ax=axes[1])
    effective = effective_margin(4, 5.0, theta12_deg=36.0)
    axes[1].set_title(f"m = 4 annealed: with λ = 5 it acts like m ≈ {effective.m_eff:.2f} (θ12 = 36°)")
    schedule = LambdaSchedule()
    pplots.draw_lambda_schedule(schedule, steps=3000, ax=axes[2])
    axes[2].axvline(schedule.first_step_at_min(), color="0.5", ls="--")
    axes[2].set_title(f"λ(t), official schedule: λ_min reached at t = {schedule.first_step_at_min()}")
    return fig


WORKSHEET_M, WORKSHEET_LAMBDA, WORKSHEET_THETA12 = 4, 5.0, 90.0


@register("worksheet_lambda_blend", "Worksheet (App. G)",
          "For the printed worksheet: both sides of the class-1 boundary equation of the λ-blended A-Softmax, "
          "(λ cos θ1 + ψ(θ1))/(1 + λ) and cos(θ12 − θ1), for m = 4, λ = 5, θ12 = 90°, on a 1° grid: students read "
          "the crossing θ1* and compute m_eff = θ12/θ1* − 1 (answer key: docs/teaching.md).")
def worksheet_blend(ctx: Context):
    import matplotlib.ticker as ticker

    theta1 = np.linspace(0.0, WORKSHEET_THETA12, 901)
    fig, ax = plt.subplots(figsize=(8, 5.6), layout="constrained")
    blend = annealed_target(np.cos(np.radians(theta1)), WORKSHEET_M, WORKSHEET_LAMBDA)
    ax.plot(theta1, blend, color="C0", lw=2.2, label=f"(λ cos θ1 + ψ(θ1))/(1 + λ), m = {WORKSHEET_M}, "
                                                     f"λ = {WORKSHEET_LAMBDA:g}")
    ax.plot(theta1, np.cos(np.radians(WORKSHEET_THETA12 - theta1)), color="C1", lw=2.2, ls="--",
            label=f"cos(θ12 − θ1), θ12 = {WORKSHEET_THETA12:g}°")
    ax.xaxis.set_major_locator(ticker.MultipleLocator(10))
    ax.xaxis.set_minor_locator(ticker.MultipleLocator(1))
    ax.yaxis.set_minor_locator(ticker.MultipleLocator(0.05))
    ax.grid(which="major", color="0.6", lw=0.8)
    ax.grid(which="minor", color="0.88", lw=0.5)
    ax.set_xlim(0, WORKSHEET_THETA12)
    ax.set_xlabel("θ1, the angle from W1 (degrees)")
    ax.set_ylabel("value")
    ax.set_title("Where do the two sides meet? Read θ1*, then m_eff = θ12/θ1* − 1")
    ax.legend(loc="lower left")
    return fig


def _draw_movie_frame(movie: dict, i: int, fig=None):
    """Frame ``i`` of the recorded training movie: one unit circle per m, the digits and the class weights."""
    from spheredemo.plots.style import class_color

    ms, labels = [int(m) for m in movie["ms"]], movie["labels"]
    fig = fig or plt.figure(figsize=(9, 4.8), layout="constrained")
    fig.clear()
    axes = fig.subplots(1, len(ms))
    for ax, m in zip(axes, ms):
        points, w = movie[f"m{m}_features"][i], movie[f"m{m}_weights"][i]
        for c in range(10):
            ax.scatter(points[labels == c, 0], points[labels == c, 1], s=9, color=class_color(c))
        for v in w:
            ax.plot([0, 0.8 * v[0]], [0, 0.8 * v[1]], color="k", lw=1.5)
        ax.set(xlim=(-1.15, 1.15), ylim=(-1.15, 1.15), aspect="equal", xticks=[], yticks=[])
        ax.set_title(f"A-Softmax m = {m}")
    fig.suptitle(f"step {int(movie[f'm{ms[0]}_step'][i])}, λ = {float(movie[f'm{ms[-1]}_lam'][i]):.3g}")
    return fig


@register("training_movie", "Fig. 12, in motion (App. D)",
          "2D MNIST test features on the unit circle for m = 1 and m = 4 side by side as they train, recorded every "
          "10 steps by the package's own fit (python -m spheredemo.offline_assets --movie); the PNG is the last "
          "frame, training_movie.gif the whole run (Pillow).",
          made_from="Made from the recorded frames shipped in `spheredemo/checkpoints/` (written by `python -m "
                    "spheredemo.offline_assets --movie`).")
def training_movie(ctx: Context):
    from spheredemo.offline_assets import training_movie as load_movie

    movie = load_movie()
    return _draw_movie_frame(movie, len(movie["m1_step"]) - 1)


def write_movie_gif(path: Path, frame_ms: int = 250) -> Path:
    """The training movie as an animated GIF (Pillow; no ffmpeg needed), every recorded frame, looping."""
    from PIL import Image

    from spheredemo.offline_assets import training_movie as load_movie

    movie = load_movie()
    fig, images = plt.figure(figsize=(9, 4.8), dpi=80, layout="constrained"), []
    for i in range(len(movie["m1_step"])):
        _draw_movie_frame(movie, i, fig)
        fig.canvas.draw()
        images.append(Image.fromarray(np.asarray(fig.canvas.buffer_rgba())[..., :3]).quantize(64))
    plt.close(fig)
    durations = [frame_ms] * (len(images) - 1) + [4 * frame_ms]  # linger on the trained models
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            images[0].save(f, format="GIF", save_all=True, append_images=images[1:], duration=durations, loop=0)
    return path


@register("margin_zoo", "Margin zoo (SphereFace, CosFace, ArcFace)",
          "Target logit / scale against θ (left) and binary margin against θ12 (right) for A-Softmax m = 4, CosFace "
          "m = 0.35 and ArcFace m = 0.5 rad at the package defaults: A-Softmax's margin grows with θ12, ArcFace's "
          "stays 28.6°, CosFace's shrinks and is wider than θ12 itself below 49.5° (69° at θ12 = 36°). Where the "
          "face models' validation chose another m, those margins are drawn too, with dots.")
def margin_zoo(ctx: Context):
    from spheredemo.plots import zoo as zplots

    from spheredemo.margins import ZOO_DEFAULTS

    # the face models' margins where validation chose other than the defaults (lines with dots); today it chose
    # the defaults for both, and the figure then draws one set of curves
    manifest = pretrained.manifest(ctx.checkpoints)
    tuned = {}
    for loss in ("cosface", "arcface"):
        m = manifest.get(ModelKey("lfw", 512).with_loss(loss).name, {}).get("config", {}).get("m")
        if m is not None and m != ZOO_DEFAULTS[loss]["m"]:
            tuned[loss] = m
    fig = plt.figure(figsize=(13, 5.6), layout="constrained")
    zplots.draw_margin_zoo(fig, tuned=tuned)
    return fig


@register("fig2_mnist_2d", "Fig. 2",
          "2D MNIST test features of softmax, modified softmax and A-Softmax (m=4): the original space (top) "
          "and the projection on the unit circle (bottom), with the class weights W_i as arrows and the softmax "
          "biases b listed. A-Softmax gives each digit the narrowest angular sector: the mean angle between a test "
          "feature and its own class weight is 7.8° (softmax), 3.2° (modified softmax), 2.1° (A-Softmax m=4).",
          ["mnist-d2-softmax", "mnist-d2-modified", "mnist-d2-asoftmax-m4"])
def fig2(ctx: Context):
    names = FIGURES["fig2_mnist_2d"].checkpoints
    titles = ["softmax", "modified softmax", "A-Softmax (m=4)"]
    fig, axes = plt.subplots(2, 3, figsize=(12, 7.6), layout="constrained")
    for col, (name, title) in enumerate(zip(names, titles)):
        emb = ctx.emb(name)
        eplots.draw_features(emb, ax=axes[0, col], title=f"{title}: original space")
        eplots.draw_circle_features(emb, ax=axes[1, col], title=f"{title}: on the unit circle")
    _legend(fig, axes[0, 0])
    return fig


@register("fig8_last_relu", "Fig. 8 (App. A)",
          "Modified-softmax 2D features with a ReLU after the embedding (left) and without (right), the same recipe "
          "(a 500-step lr warm-up each) but for the ReLU. The ReLU confines every feature to the first quadrant, a "
          "quarter of the angular space: 100.0 % of its test features have both coordinates >= 0 (0.0 % are "
          "exactly 0), against 20.4 % without it. The ten digits then share 90° instead of 360°; test accuracy "
          "97.9 % with the ReLU, 98.7 % without (one seed each).",
          ["mnist-d2-modified-relu", "mnist-d2-modified-warmup"])
def fig8(ctx: Context):
    names = FIGURES["fig8_last_relu"].checkpoints
    titles = [f"{label} (test accuracy {100 * ctx.emb(name).accuracy:.1f}%)"
              for label, name in zip(["with the last ReLU", "without"], names)]
    fig, axes = _row(ctx, names, titles, size=3.6)
    _legend(fig, axes[1])
    return fig


@register("fig11_bias", "Fig. 11 (App. C)",
          "Softmax 2D features trained with classifier (and embedding) biases (left) and without (right), 10 epochs "
          "each: without bias the classes fan out radially from the origin, the picture angular losses build on. "
          "Test accuracy 98.93 % with bias, 98.80 % without; mean angle to own W 7.8° and 10.8°. Both differences "
          "are inside the with-bias recipe's seed spread (98.90 ± 0.12 %, 8.5 ± 3.1° over 3 seeds).",
          ["mnist-d2-softmax", "mnist-d2-softmax-nobias"])
def fig11(ctx: Context):
    fig, axes = _row(ctx, FIGURES["fig11_bias"].checkpoints, ["softmax with bias", "softmax without bias"])
    _legend(fig, axes[0])
    return fig


@register("fig12_m_sweep_2d", "Fig. 12 (App. D)",
          "2D A-Softmax features for m = 1, 2, 3, 4 on a training subset (top) and the test set (bottom): "
          "as m grows each digit's sector narrows and the empty arc between neighbouring digits' sectors (5th–95th "
          "percentile, test set) widens: 25.2°, 27.1°, 28.1°, 29.3° on average for m = 1..4 (shipped seed); over 3 "
          "seeds 25.8 ± 0.6°, 27.2 ± 0.2°, 28.4 ± 0.3°, 29.5 ± 0.2°, each step from m = 1 on beyond the seed noise.",
          [f"mnist-d2-asoftmax-m{m}" for m in (1, 2, 3, 4)])
def fig12(ctx: Context):
    fig, axes = plt.subplots(2, 4, figsize=(15, 7.6), layout="constrained")
    for col, name in enumerate(FIGURES["fig12_m_sweep_2d"].checkpoints):
        m = col + 1
        eplots.draw_features(ctx.emb(name, "train"), ax=axes[0, col], title=f"m={m}, training subset")
        eplots.draw_features(ctx.emb(name), ax=axes[1, col], title=f"m={m}, test set")
    _legend(fig, axes[0, 0])
    return fig


@register("fig5_sphere_3d", "Fig. 5",
          "3D A-Softmax test features on the unit sphere for m = 1..4 (top) and, below each, the angles of "
          "positive pairs and negative pairs of the two classes with the closest weights; dashed: the largest "
          "positive-pair angle, dotted: the smallest negative-pair angle.",
          [f"mnist-d3-asoftmax-m{m}" for m in (1, 2, 3, 4)])
def fig5(ctx: Context):
    fig = plt.figure(figsize=(15, 7.8), layout="constrained")
    names = FIGURES["fig5_sphere_3d"].checkpoints
    for col, name in enumerate(names):
        emb = ctx.emb(name)
        ax = fig.add_subplot(2, 4, col + 1, projection="3d")
        eplots.draw_sphere_features(emb, ax=ax, title=f"m={col + 1}")
        pairs = analysis.pair_angles(emb, _fig5_classes(ctx))
        hist = eplots.draw_pair_histograms(pairs, ax=fig.add_subplot(2, 4, col + 5),
                                           title=f"m={col + 1}: {100 * pairs.overlap_fraction:.2f}% overlap\n"
                                                 f"max pos. {pairs.max_positive:.1f}°, min neg. "
                                                 f"{pairs.min_negative:.1f}°")
        if hist.ax.get_legend():  # one legend for the four panels: the numbers are in each title
            hist.ax.get_legend().remove()
    handles, labels = hist.ax.get_legend_handles_labels()
    labels = [label.split(" ")[0] + " " + label.split(" ")[1] if label.startswith(("max", "min")) else label
              for label in labels]
    fig.legend(handles, labels, loc="outside lower center", ncols=len(handles), frameon=False)
    return fig


def _fig5_classes(ctx: Context) -> tuple[int, int]:
    """One class pair for all four panels: the closest pair of weights at m=4 (the hardest case)."""
    return analysis.closest_pair(ctx.emb("mnist-d3-asoftmax-m4").weight)


@register("fig9_weight_norms", "Fig. 9 (App. B)",
          "Softmax trained on a long-tailed MNIST subset (class 9 keeps 5% of class 0's images), as many steps as "
          "the m sweep (32 epochs), to 97.3 % test accuracy: the norms of the class weights (0.56–0.79) do not "
          "follow the sample counts here (rank correlation -0.20), so the paper's observation that ‖W_i‖ grows "
          "with a class's count does not reproduce on this model (weight decay 5e-4 and BatchNorm in the trunk may "
          "hide it). A-Softmax normalises W, which makes the question moot.",
          ["mnist-d2-softmax-imbalanced"])
def fig9(ctx: Context):
    name = FIGURES["fig9_weight_norms"].checkpoints[0]
    counts = pretrained.manifest(ctx.checkpoints)[name]["class_counts"]
    fig, ax = plt.subplots(figsize=(5.2, 4), layout="constrained")
    eplots.draw_weight_norms(counts, ctx.emb(name).weight, ax=ax, title="softmax, long-tailed training set")
    return fig


@register("fig10_biases", "Fig. 10 (App. C)",
          "The learned classifier biases of the 2D and 3D softmax models: median |b_j| 0.28 (2D) and 0.15 (3D), "
          "against median logits |W_j x| of 26.0 and 10.1 they are added to.",
          ["mnist-d2-softmax", "mnist-d3-softmax"])
def fig10(ctx: Context):
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), sharey=True, layout="constrained")
    for ax, name, title in zip(axes, FIGURES["fig10_biases"].checkpoints, ["2D softmax", "3D softmax"]):
        emb = ctx.emb(name)
        eplots.draw_biases(emb.bias, ax=ax, title=f"{title} (median |logit| {_median_abs_logit(emb):.1f})")
    return fig


def _median_abs_logit(emb: analysis.Embeddings) -> float:
    return float(np.median(np.abs(emb.features @ emb.weight.T)))


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
          "margin each cell trained with at θ12 = 90°, one line per family (A-Softmax per m through its λ_min; "
          "CosFace and ArcFace per scale s); dashed: the losses without a margin.")
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


def face_results_rows(ctx: Context) -> list[dict]:
    """One row per face model: its validation cell and accuracy (which chose it), LFW folds 1–3 accuracy of the
    shipped seed and over seeds (which report it), AUC, AFS, λ_min and m_eff, the paper's number."""
    from spheredemo import face_map

    manifest = pretrained.manifest(ctx.checkpoints)
    results = face_map.read_results()
    cells = face_map.validation_cells(results)
    rows = []
    for name in [n for n, _ in FACE_MODELS] + FACE_3D_MODELS:
        stats = face_seed_stats(ctx, name)  # says how to train a model missing from the manifest
        entry = manifest[name]
        config = entry["config"]
        spread = face_map.cell_spread(cells[name], results) if name in cells else None
        rows.append({
            "model": name, "dim": config["dim"], "loss": config["loss"],
            "m": config["m"] if config["m"] is not None else "",
            "lambda_min": config["lambda_min"] if config["loss"] == "asoftmax" and config["m"] != 1 else "",
            "m_eff_90deg": entry.get("m_eff_90deg", ""),
            "validation_cell": cells.get(name, ""),  # what chose the recipe: 84 identities, 20 unseen people
            "validation_%_over_seeds": f"{spread[0]:.2f} ± {spread[1]:.2f} (n={spread[2]})" if spread else "",
            "lfw_%_shipped_seed": f"{100 * entry['lfw_accuracy']:.2f} ± {100 * entry['lfw_fold_std']:.2f} (folds)",
            "lfw_%_over_seeds": f"{stats['acc_mean']:.2f} ± {stats['acc_std']:.2f} (n={stats['n_seeds']})",
            "auc_shipped_seed": f"{entry['lfw_auc']:.4f}",
            "afs_unseen_over_seeds": f"{stats['afs_mean']:.4f} ± {stats['afs_std']:.4f}",
            "paper_table3_%": PAPER_TABLE3.get(name, ""),
        })
    return rows


# Published MNIST 2D test accuracies (PAPER.md): L-Softmax m=1..4 and a TF A-Softmax toy reproduction.
PUBLISHED_2D = {
    "softmax": "97.75 (TF toy, no bias)",
    "modified": "98.47 (TF toy)",
    "asoftmax-m1": "98.45 (L-Softmax m=1)",
    "asoftmax-m2": "98.96 (L-Softmax m=2)",
    "asoftmax-m3": "99.22 (L-Softmax m=3)",
    "asoftmax-m4": "99.34 (L-Softmax m=4); 98.96 (TF A-Softmax m=4)",
}
#: the m sweep of the results table, by loss name (the same for 2D and 3D)
TABLE_MODELS = list(SWEEP)


def _final_margin(ctx: Context, name: str) -> dict:
    """λ at the model's last training step and the margin it leaves (m_eff at θ12 = 90°; A-Softmax only)."""
    final = final_margin(pretrained.load_run(name, ctx.checkpoints))
    if final is None:
        return {"final_lambda": "", "m_eff_90deg": ""}
    lam, margin = final
    return {"final_lambda": f"{lam:.3g}", "m_eff_90deg": f"{margin.m_eff:.2f}"}


def results_rows(ctx: Context) -> list[dict]:
    """One row per model of the m sweep: accuracy and angle statistics on the test set of the shipped seed, and
    mean ± std over every recorded seed of the recipe."""
    rows = []
    for dim in (2, 3):
        for loss_name in TABLE_MODELS:
            key = ModelKey("mnist", dim).with_loss(loss_name)
            name = key.name
            stats = analysis.angle_stats(ctx.emb(name))
            rows.append({
                "model": name, "dim": dim, "loss": key.loss, "m": key.m if key.m is not None else "",
                "test_accuracy_%": f"{100 * stats.accuracy:.2f}",
                "test_accuracy_%_over_seeds": f"{seed_spread(ctx, name, 'test_accuracy', 100.0):.2f}",
                "mean_angle_to_own_W_deg": f"{stats.mean_own_angle:.2f}",
                "mean_angle_to_own_W_deg_over_seeds": f"{seed_spread(ctx, name, 'mean_angle_to_own_W_deg'):.2f}",
                "max_angle_to_own_W_deg": f"{stats.max_own_angle:.2f}",
                "min_angle_between_W_deg": f"{stats.min_weight_angle:.2f}",
                "angular_fisher_score": f"{stats.afs:.5f}",
                "angular_fisher_score_over_seeds": f"{seed_spread(ctx, name, 'angular_fisher_score'):.5f}",
                "mean_gap_deg_over_seeds": f"{seed_spread(ctx, name, 'mean_gap_deg'):.2f}" if dim == 2 else "",
                **_final_margin(ctx, name),
                "published_2d_%": PUBLISHED_2D.get(loss_name, "") if dim == 2 else "",
            })
    return rows


def _write_table(rows: list[dict], out: Path, stem: str) -> list[Path]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    header = "| " + " | ".join(rows[0]) + " |\n|" + "---|" * len(rows[0]) + "\n"
    markdown = header + "".join("| " + " | ".join(str(v) for v in r.values()) + " |\n" for r in rows)
    paths = [out / f"{stem}.csv", out / f"{stem}.md"]
    for path, text in zip(paths, (buffer.getvalue(), markdown)):
        with atomic_path(path) as tmp:
            tmp.write_text(text)
    return paths


def caption_rows(ctx: Context) -> list[dict]:
    """The number behind each MNIST figure's "what to see" sentence (figure, quantity, value)."""
    rows = []

    def add(figure, quantity, value, fmt=".2f"):
        rows.append({"figure": figure, "quantity": quantity, "value": f"{value:{fmt}}"})

    for name in FIGURES["fig2_mnist_2d"].checkpoints:
        add("fig2_mnist_2d", f"{name}: mean angle to own W (deg)", ctx.emb(name).own_angles().mean())
    for name in FIGURES["fig8_last_relu"].checkpoints:
        emb = ctx.emb(name)
        add("fig8_last_relu", f"{name}: test accuracy (%)", 100 * emb.accuracy)
        add("fig8_last_relu", f"{name}: features exactly 0 (%)", 100 * np.mean(np.all(emb.features == 0, axis=1)))
        add("fig8_last_relu", f"{name}: features with both coordinates >= 0 (%)",
            100 * np.mean(np.all(emb.features >= 0, axis=1)))
    name = FIGURES["fig9_weight_norms"].checkpoints[0]
    counts = pretrained.manifest(ctx.checkpoints)[name]["class_counts"]
    add("fig9_weight_norms", f"{name}: rank correlation of ||W_i|| with class count",
        analysis.rank_correlation(counts, np.linalg.norm(ctx.emb(name).weight, axis=1)), ".3f")
    add("fig9_weight_norms", f"{name}: test accuracy (%)", 100 * ctx.emb(name).accuracy)
    for name in FIGURES["fig10_biases"].checkpoints:
        emb = ctx.emb(name)
        add("fig10_biases", f"{name}: median |b_j|", float(np.median(np.abs(emb.bias))), ".3f")
        add("fig10_biases", f"{name}: median |W_j x|", _median_abs_logit(emb), ".3f")
    for name in FIGURES["fig11_bias"].checkpoints:
        emb = ctx.emb(name)
        epochs = pretrained.manifest(ctx.checkpoints)[name]["config"]["epochs"]
        add("fig11_bias", f"{name}: test accuracy (%) after {epochs} epochs", 100 * emb.accuracy)
        add("fig11_bias", f"{name}: mean angle to own W (deg)", emb.own_angles().mean())
    for name in FIGURES["fig12_m_sweep_2d"].checkpoints:
        add("fig12_m_sweep_2d", f"{name}: mean empty arc between neighbouring digits (deg, 5th-95th pct)",
            analysis.angular_gaps(ctx.emb(name)).mean())
    return rows


def write_results(ctx: Context, out: Path) -> list[Path]:
    """results.csv/.md (MNIST m sweep), captions.csv/.md (the numbers behind the MNIST captions) and
    results_faces.csv/.md (LFW verification)."""
    return (_write_table(results_rows(ctx), out, "results") + _write_table(caption_rows(ctx), out, "captions")
            + _write_table(face_results_rows(ctx), out, "results_faces"))


def render(name: str, ctx: Context | None = None):
    """Draw one registered figure and return the matplotlib Figure (nothing is saved)."""
    if name not in FIGURES:
        raise ValueError(f"unknown figure {name!r}; known: {', '.join(FIGURES)}")
    ctx = ctx or Context()
    style = STYLES[ctx.style]
    with plt.style.context(style):
        fig = FIGURES[name].draw(ctx)
        if ctx.style == "slide":  # one 16:9 canvas for every slide (1920x1080 px), whatever the page layout
            fig.set_size_inches(style["figure.figsize"])
            fig.set_dpi(style["savefig.dpi"])
            fit_titles(fig)
    fig._spheredemo_style = ctx.style  # save() writes a slide at its canvas size, a paper figure tight
    return fig


def fit_titles(fig) -> None:
    """Wrap every axes title wider than its axes onto more lines (at spaces), so squeezing a wide page layout
    onto the 16:9 slide canvas puts no title over its neighbour's."""
    import textwrap

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        for title in (ax.title, ax._left_title, ax._right_title, ax.xaxis.label):
            text = title.get_text()
            width, allowed = title.get_window_extent(renderer).width, ax.get_window_extent(renderer).width
            if not text or width <= allowed:
                continue
            longest = max(len(line) for line in text.split("\n"))
            chars = max(8, int(longest * allowed / width * 0.95))
            title.set_text("\n".join(textwrap.fill(line, chars, break_long_words=False)
                                     for line in text.split("\n")))
    if fig.get_layout_engine() is None:  # fixed margins sized for one-line titles: make room for the new lines
        fig.tight_layout()


def save(fig, out: Path, name: str, formats) -> list[Path]:
    slide = getattr(fig, "_spheredemo_style", "paper") == "slide"
    options = dict(dpi=STYLES["slide"]["savefig.dpi"], bbox_inches=None) if slide else {}
    paths = []
    for fmt in formats:
        path = out / f"{name}.{fmt}"
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=fmt, **options)
        paths.append(path)
    plt.close(fig)
    return paths


def gallery(ctx: Context, names, out: Path, command: str) -> str:
    """figures/README.md: each image, its paper item, what to see, and how it was made."""
    manifest = pretrained.manifest(ctx.checkpoints)
    lines = ["# Figures", "",
             f"Regenerated by `{command}` from the checkpoints shipped in `spheredemo/checkpoints/` "
             "(retrain them with `python -m spheredemo.figures --retrain`). MNIST test set unless a panel says "
             "otherwise. Do not edit by hand: this file is written with the figures.", "",
             "Every checkpoint was trained by the recipe in `spheredemo.pretrained.RECIPES` (one command: "
             "`python -m spheredemo.pretrained`) on the official MNIST files (sha256 of each checked; the "
             "training-image file's sha256 is recorded per checkpoint in `spheredemo/checkpoints/manifest.json` "
             "with its config, seed, device, time and test accuracy) or, for the face models (`lfw-*`), on the "
             "104 LFW identities outside View-2 folds 1–3 (a sha256 of the file list is recorded), verified on the "
             "1,800 pairs of folds 1–3 with every seed's result in the manifest.", ""]
    for name in names:
        spec = FIGURES[name]
        lines += [f"## {spec.paper}: `{name}`", "", f"![{spec.paper}]({name}.png)", "", spec.description, ""]
        if spec.checkpoints:
            made = []
            for ckpt in spec.checkpoints:
                entry = manifest.get(ckpt, {})
                score = (f"LFW folds 1–3 {100 * entry['lfw_accuracy']:.2f}%" if entry.get("lfw_accuracy") is not None
                         else f"test accuracy {100 * entry.get('test_accuracy', 0):.2f}%")
                made.append(f"`{ckpt}` (seed {entry.get('seed', '?')}, {entry.get('steps', '?')} steps on "
                            f"{entry.get('device', '?')}, {score})")
            lines += ["Made from " + "; ".join(made) + ".", ""]
        elif spec.made_from:
            lines += [spec.made_from, ""]
        else:
            lines += ["Analytic: drawn from the closed-form math in `spheredemo.margins`.", ""]
    if (out / "results.md").exists():
        lines += ["## Results table (Table 3 trend, Appendix E)", "",
                  "Test accuracy by plain cosine and angle statistics of every model of the m sweep "
                  "(`results.csv` has the same numbers):", "", (out / "results.md").read_text()]
    if (out / "results_faces.md").exists():
        lines += ["## Faces: LFW verification of unseen people (Table 3, Table 6)", "",
                  "LFW View-2 folds 1–3 (1,800 pairs), each fold judged with the threshold chosen on the other two; "
                  "models trained on the 104 LFW identities outside those folds. `± (folds)`: std over the 3 folds "
                  "of the shipped seed; `over seeds`: mean ± std of the fold means over independently trained "
                  "seeds (`results_faces.csv` has the same numbers):", "", (out / "results_faces.md").read_text()]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m spheredemo.figures",
        description="Regenerate the SphereFace paper's figures from the shipped checkpoints (no training needed).",
    )
    parser.add_argument("--out", default=None, help="folder for the images, results table and README.md (default: "
                        "the repository's figures/ in a source checkout, else ./figures)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="draw only these figures (see --list)")
    parser.add_argument("--format", nargs="+", default=["png"], choices=["png", "svg", "pdf"],
                        help="image formats to write")
    parser.add_argument("--style", default="paper", choices=sorted(STYLES), help="paper, or slide (16:9, large fonts)")
    parser.add_argument("--quick", action="store_true", help="tiny versions (30 test points per class) for smoke tests")
    parser.add_argument("--retrain", action="store_true",
                        help="retrain the checkpoints first (GPU if present); "
                        "with --quick, tiny ones into <out>/checkpoints")
    parser.add_argument("--list", action="store_true", help="print name, paper reference and description, then exit")
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.list:
        for spec in FIGURES.values():
            print(f"{spec.name:22s} {spec.paper:18s} {spec.description}")
        return 0
    names = args.only or list(FIGURES)
    unknown = [n for n in names if n not in FIGURES]
    if unknown:
        parser.error(f"unknown figure(s) {unknown}; choose from {', '.join(FIGURES)}")
    out = Path(args.out) if args.out else default_out()
    out.mkdir(parents=True, exist_ok=True)
    ctx = Context(quick=args.quick, style=args.style)
    if args.retrain:
        if args.quick:
            ctx.checkpoints = out / "checkpoints"
        from spheredemo.retrain import retrain  # the producer, imported only when asked to retrain

        retrain(directory=ctx.checkpoints, quick=args.quick)
    started = time.perf_counter()
    for name in names:
        t0 = time.perf_counter()
        try:
            fig = render(name, ctx)
        except DataError as exc:  # the face gallery shows LFW images, which are never shipped
            print(f"{name:22s} skipped: {exc}", file=sys.stderr)
            continue
        paths = save(fig, out, name, args.format)
        if name == "training_movie":
            paths.append(write_movie_gif(out / "training_movie.gif"))
        print(f"{name:22s} {time.perf_counter() - t0:5.1f} s  -> {', '.join(str(p) for p in paths)}")
    if not args.only:
        write_results(ctx, out)
        command = "python -m spheredemo.figures" + (" --quick" if args.quick else "")
        with atomic_path(out / "README.md") as tmp:
            tmp.write_text(gallery(ctx, names, out, command))
    print(f"done in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
