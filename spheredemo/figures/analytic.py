"""Figures drawn from the closed-form math alone (Table 1, Fig. 3, ψ, the worksheet, the margin zoo) and the
recorded training movie.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from spheredemo import pretrained
from spheredemo.atomic import atomic_path
from spheredemo.keys import ModelKey
from spheredemo.margins import LambdaSchedule, annealed_target, effective_margin
from spheredemo.plots import boundaries as bplots
from spheredemo.plots import psi as pplots
from spheredemo.plots import regions as rplots

from spheredemo.figures._registry import Context, register


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
