"""The deck's charts: every state of a slide's controls, computed, with a caption per state.

Each ``*_states`` function returns ``(figure, controls, captions)``: the frames are named by
:func:`spheredemo.plots.sliders.state_key` of the controls' keys, ``captions`` maps each frame name to the
readout the slide shows under the chart. The numbers come from :mod:`spheredemo.margins`,
:mod:`spheredemo.sphere_caps` and the shipped caches, here; :mod:`spheredemo.plots.deck` draws them, and the
page only picks a frame.
"""

from __future__ import annotations

import numpy as np

from spheredemo.analysis import angle_stats
from spheredemo.geometry import class_weights
from spheredemo.keys import SWEEP, ModelKey
from spheredemo.margins import annealed_target, check_m, effective_margin, psi
from spheredemo.plots import deck
from spheredemo.plots.deck import strip_fonts
from spheredemo.plots.psi import THETA_DEG
from spheredemo.plots.sliders import boundary_states_figure, state_key
from spheredemo.results import trained_m_eff
from spheredemo.slides.page import Control
from spheredemo.sphere_caps import cap_boundary

__all__ = ["movie_states", "boundary_states", "caps_states", "psi_states", "blend_states", "embedding_states",
           "face_states", "strip_fonts", "EMBEDDING_MODELS", "FACE_SLIDE_MODELS", "THETA12_CHOICES", "LAMBDA_CHOICES"]

THETA12_CHOICES = (30.0, 45.0, 60.0, 90.0, 120.0, 150.0)
LAMBDA_CHOICES = (0.0, 0.5, 1.0, 2.0, 5.0, 10.0, 100.0, 1000.0)
#: the shipped 2D checkpoints, in the order the embedding control visits them (frames are named by key.label)
EMBEDDING_MODELS = [ModelKey("mnist", 2).with_loss(loss_name) for loss_name in SWEEP]
#: the face models the faces slide visits
FACE_SLIDE_MODELS = [ModelKey("lfw", 512).with_loss(key.loss_name) for key in EMBEDDING_MODELS]


def boundary_states(theta12_deg: float = 90.0):
    """Table 1 with θ12 and m controls."""
    thetas = sorted(set(THETA12_CHOICES) | {float(theta12_deg)})
    fig, captions = boundary_states_figure(thetas, range(1, 7), theta12_deg, 1)
    controls = [Control("theta12", "θ12", [f"{t:g}" for t in thetas], [f"{t:g}°" for t in thetas],
                        f"{theta12_deg:g}"), Control("m", "m", range(1, 7))]
    return strip_fonts(fig), controls, captions


def caps_states(theta12_deg: float = 90.0, ms=range(1, 7), n: int = 181):
    """Fig. 3 on the sphere: each class's cap boundary m·θ1 = θ2 as an exact closed curve (a few kB per m),
    class colours, with an m control at the fixed θ12."""
    ms = [check_m(m) for m in ms]
    first = ms[min(3, len(ms) - 1)]
    curves = {str(m): tuple(cap_boundary(theta12_deg, m, label, n) for label in (1, 2)) for m in ms}
    fig = deck.caps_figure(curves, str(first), class_weights(theta12_deg, dim=3), shared={"1"})
    captions = {}
    for m in ms:
        margin = (m - 1) / (m + 1) * theta12_deg
        captions[str(m)] = (f"m = {m}, θ12 = {theta12_deg:g}°: each cap reaches θ12/(m+1) = "
                            f"{theta12_deg / (m + 1):.1f}° towards the other weight; the band between the caps "
                            f"is {margin:.1f}° wide there" if m > 1 else
                            "m = 1: one shared boundary, the great circle halfway between W1 and W2")
    return fig, [Control("m", "m", ms, initial=first)], captions


def psi_states(ms=range(1, 7)):
    """ψ(θ) for one m at a time beside cos θ and cos mθ, with the sector edges kπ/m (an m control)."""
    theta = np.radians(THETA_DEG)
    ms = [check_m(m) for m in ms]
    curves = {str(m): dict(cos_m=np.cos(m * theta), psi=psi(theta, m), edges_deg=np.arange(1, m) * 180.0 / m,
                           edge_bottom=-2 * m) for m in ms}
    fig = deck.psi_figure(THETA_DEG, curves, "4", y_low=-2 * max(ms) + 0.8)
    captions = {str(m): f"m = {m}: ψ(90°) = {float(psi(np.pi / 2, m)):.2f}; cos mθ turns back up after "
                        f"π/m = {180 / m:.0f}°, ψ keeps falling" if m > 1 else "m = 1: ψ(θ) = cos θ"
                for m in ms}
    return fig, [Control("m", "m", ms, initial=4)], captions


def blend_states(theta12_deg: float = 90.0, ms=(2, 3, 4), lams=LAMBDA_CHOICES):
    """The λ blend: both sides of the class-1 boundary equation (λ cos θ1 + ψ(θ1))/(1 + λ) = cos(θ12 − θ1)
    against θ1 (they cross at the boundary θ1*), and m_eff against λ with the chosen λ marked."""
    theta1 = np.linspace(0.0, theta12_deg, 181)
    lam_axis = np.concatenate([[0.0], np.logspace(-2, 3, 41)])
    states, captions = {}, {}
    for m in ms:
        curve = [effective_margin(m, x, theta12_deg).m_eff for x in lam_axis]
        for lam in lams:
            key = state_key(m, float(lam))
            r = effective_margin(m, lam, theta12_deg)
            states[key] = dict(m=m, lam=lam, target=annealed_target(np.cos(np.radians(theta1)), m, lam),
                               theta1=r.theta1, m_eff_curve=curve, m_eff=r.m_eff)
            captions[key] = (f"m = {m}, λ = {lam:g}: boundary θ1* = {r.theta1:.1f}° from W1 (θ12/(m+1) = "
                             f"{theta12_deg / (m + 1):.1f}° at λ = 0), m_eff = {r.m_eff:.2f}, margin {r.margin:.1f}°")
    titles = [f"both sides of the boundary equation, θ12 = {theta12_deg:g}°", "m_eff of the blend against λ"]
    fig = deck.blend_figure(theta1, np.cos(np.radians(theta12_deg - theta1)), lam_axis, states, state_key(4, 5.0),
                            titles, m_eff_top=max(ms) + 0.2)
    controls = [Control("m", "m", ms, initial=4),
                Control("lam", "λ", [f"{x:g}" for x in lams], initial="5")]
    return fig, controls, captions


def embedding_states(load, models=EMBEDDING_MODELS, per_class: int = 150, bins: int = 45):
    """Lesson 3: the test features on the circle (left) and the histogram of every test feature's angle to its
    own class weight (right, where the narrowing shows), one frame per model (a model control)."""
    top_deg = 30  # the histogram's last bin holds every angle beyond it
    edges = np.linspace(0.0, top_deg, bins + 1)
    states, captions, stats = {}, {}, {}
    for key in models:
        emb = load(key)
        shown = emb.first_per_class(per_class)
        counts, _ = np.histogram(np.minimum(emb.own_angles(), edges[-1]), edges)
        states[key.label] = dict(points=shown.unit_features, labels=shown.labels, weights=emb.unit_weight * 0.8,
                                 share_percent=100 * counts / len(emb.labels))
        s = stats[key.label] = angle_stats(emb)
        captions[key.label] = (f"{key.label}: accuracy {100 * s.accuracy:.2f} %, mean angle to own W "
                               f"{s.mean_own_angle:.1f}°, AFS {s.afs:.3f}")
    n_classes = load(models[0]).n_classes
    fig = deck.embedding_figure(states, (edges[:-1] + edges[1:]) / 2, n_classes,
                                ["test features on the unit circle", "angle to own W (all 10,000 test images)"],
                                top_deg)
    controls = [Control("model", "model", [k.label for k in models])]
    return fig, controls, captions, stats


def face_states(load, models=FACE_SLIDE_MODELS, bins: int = 60):
    """Lesson 5: densities of same-person and different-people pair angles of unseen people with each fold's
    threshold, one frame per face model. ``load(name) -> FaceResults``."""
    states, captions, results = {}, {}, {}
    for key in models:
        r = results[key.label] = load(key.name)
        v = r.verification
        edges, same, different = v.histograms(bins)
        states[key.label] = dict(centres_deg=(edges[:-1] + edges[1:]) / 2, same=same, different=different,
                                 threshold_deg=v.threshold_deg)
        m_eff = trained_m_eff(key.name)  # the m_eff an A-Softmax m ≥ 2 trained at, beside its m
        trained = f" (m_eff {m_eff[1]:.2f})" if m_eff else ""
        captions[key.label] = (f"{key.label}{trained}: {100 * v.mean:.1f} % ± {100 * v.std:.1f} of {len(v.scores):,} "
                               f"unseen pairs right; threshold {v.threshold_deg:.1f}°; AUC {v.auc:.3f}")
    controls = [Control("model", "model", [k.label for k in models])]
    return deck.pair_density_figure(states), controls, captions, results


def movie_states(movie: dict, every: int = 1):
    """The recorded training movie (:func:`spheredemo.offline_assets.training_movie`): m = 1 and m = 4 side by side
    on the unit circle, one frame per recorded step (a step control with Play)."""
    ms, labels = [int(m) for m in movie["ms"]], movie["labels"]
    n = min(len(movie[f"m{m}_step"]) for m in ms)
    keys = [str(i) for i in range(0, n, every)]
    frames = {k: [(movie[f"m{m}_features"][int(k)], 0.8 * movie[f"m{m}_weights"][int(k)]) for m in ms] for k in keys}
    fig = deck.movie_figure(frames, labels, 10, [f"A-Softmax m = {m}" for m in ms])
    steps = {m: movie[f"m{m}_step"] for m in ms}
    lams = movie[f"m{ms[-1]}_lam"]
    captions = {k: f"step {int(steps[ms[0]][int(k)])} of {int(steps[ms[0]][n - 1])}, λ = {float(lams[int(k)]):.3g}"
                for k in keys}
    labels_shown = [f"{int(steps[ms[0]][int(k)])}" for k in keys]
    return fig, [Control("step", "step", keys, labels_shown, play=True)], captions
