"""The deck's speaker notes, generated from the numbers each slide draws: (what to say, [(question, answer)]).

No number here is typed by hand: margins and boundaries come from :mod:`spheredemo.margins`, the MNIST numbers
from the same :class:`~spheredemo.analysis.AngleStats` the slide's captions show, the faces numbers from the
shipped face results and the manifest's seeds (so they follow a retraining), the paper's from
:data:`spheredemo.results.PAPER_TABLE3`.
"""

from __future__ import annotations

import html

import numpy as np

from spheredemo.config import FACE_SIZE
from spheredemo.margins import effective_margin, psi

__all__ = ["Note", "closed_form_notes", "embedding_notes", "face_notes", "movie_notes", "render"]

Note = tuple  # (say: str, [(question: str, answer: str), ...])


def render(note: Note) -> str:
    say, asks = note
    questions = "".join(f"<p><b>Ask the class:</b> {html.escape(q)} <b>Answer:</b> {html.escape(a)}</p>"
                        for q, a in asks)
    return f'<aside class="notes"><p><b>Say:</b> {html.escape(say)}</p>{questions}</aside>'


def closed_form_notes(theta12_deg: float) -> dict[str, Note]:
    """Notes of the title, lessons 1, 2, 4, 6 and the misconceptions (closed forms only)."""
    t = theta12_deg
    m4_5 = effective_margin(4, 5.0, 90.0)
    m4_5_t = effective_margin(4, 5.0, t)
    psi90 = float(psi(np.pi / 2, 4))
    return {
        "title": ("Face recognisers compare angles between feature vectors. SphereFace (2017) trains the network so "
                  "that each class gathers in a narrow cap on a sphere around its weight W, with an angular gap (the "
                  "margin) between neighbouring caps; the integer m sets how wide that gap is, as a share of the "
                  "angle between the weights. Six short lessons, each with a notebook.",
                  [("If two photos give feature vectors x₁ and x₂, how would you decide they show the same person?",
                    "compare the angle between x₁ and x₂ with a threshold; the length of the vectors does not "
                    "matter.")]),
        "boundaries": ("Modified softmax (‖W‖ = 1, no bias) decides by angle: one boundary, the bisector. A-Softmax "
                       "asks class 1 for θ₁ < θ₂/m: two boundaries, at θ12/(m+1) and mθ12/(m+1) from W1, and between "
                       "them the margin (m−1)/(m+1)·θ12. Move m slowly from 1 to 6, then θ12.",
                       [(f"Before I move the slider: θ12 = {t:g}°, what is the margin at m = 3? And at m = 1?",
                         f"{2 / 4 * t:.1f}° at m = 3 ((3−1)/(3+1)·{t:g}°); 0° at m = 1 (one shared boundary)."),
                        ("Does the margin grow or shrink when the two weights move closer?",
                         "it shrinks in proportion: it is a fixed share (m−1)/(m+1) of θ12.")]),
        "caps": ("The same constraints on the sphere (Fig. 3): class 1 owns the cap m·θ1 < θ2 around W1, class 2 "
                 "the mirror cap; the rest of the sphere belongs to neither. Both curves are computed exactly. "
                 "Drag to rotate; move m.",
                 [("What happens to the caps as m grows?",
                   f"they shrink towards their weights: at θ12 = {t:g}° a cap reaches θ12/(m+1) towards the other "
                   f"weight, {t / 2:.1f}° at m = 1, {t / 5:.1f}° at m = 4."),
                  ("Why are the caps not circles centred on W?",
                   "moving towards the other weight shrinks θ2 while θ1 grows, so m·θ1 < θ2 fails sooner on that "
                   f"side: a cap reaches θ12/(m+1) towards its neighbour ({t / 5:.1f}° at m = 4) and "
                   f"θ12/(m−1) away from it ({t / 3:.1f}° at m = 4).")]),
        "psi": ("cos(mθ) rises again after π/m, so a feature far from its weight could score high. ψ(θ) = (−1)^k "
                "cos(mθ) − 2k flips every rising piece and steps it down: it falls on all of [0, π]. m = 1 gives "
                "cos θ back.",
                [("What is ψ(90°) at m = 4?", f"sector k = 2 (90° lies in [90°, 135°)): cos 360° − 4 = {psi90:.0f}."),
                 ("Why not use cos(mθ) everywhere?",
                  "beyond π/m it rises again: at m = 4, cos(4·90°) = 1, as high as a perfect match.")]),
        "annealing": ("m = 4 from scratch rarely trains, so the official code blends (λ cos θ + ψ)/(1 + λ), λ falling "
                      f"from 1000 to 5. λ is a weight, not the margin: at λ = 5, m = 4 puts the boundary where "
                      f"m = {m4_5.m_eff:.2f} would (θ12 = 90°). Left: the two sides of the boundary equation cross "
                      "at the boundary; right: m_eff against λ.",
                      [("While λ is large, which loss are we really training?",
                        "the modified softmax: the blend is almost cos θ, m_eff near 1."),
                       (f"Read m_eff at λ = 5, m = 4 off the right panel (θ12 = {t:g}°).",
                        f"{m4_5_t.m_eff:.2f}; the boundary sits at {m4_5_t.theta1:.1f}° from W1 instead of "
                        f"{t / 5:.1f}°.")]),
        "lesson4": ("Students train a 2D model in the notebook (under a minute per press). The official schedule needs "
                    "1659 steps to bring λ down to 5; a short run would train a modified softmax, so the explorer "
                    "anneals faster. The movie slide is the fallback when the live demo fails.",
                    [("Why must accuracy be measured without the margin?",
                      "there is no label at test time; the margin only shapes training.")]),
        "lesson6": ("The whole head in a few lines of PyTorch. Students write ψ, the λ blend and the logits, check each "
                    "against the package at thousands of angles, then train with their own head.",
                    [("Which slip makes ψ jump back up at 45° for m = 4?", "the missing −2k (or the (−1)^k sign).")]),
        "misconceptions": ("Three things students get wrong. A margin is an angle between boundaries, not a distance. "
                           "m multiplies the angle inside cos(mθ); it does not scale the logits (the norm ‖x‖ does). "
                           "λ only dilutes the margin during training; it is not the margin.",
                           [("Does doubling ‖x‖ change a decision?", "no: every decision compares angles."),
                            ("Does m = 4 make the logits 4× larger?", "no: it multiplies the angle, not the logit."),
                            ("Does λ = 5 mean a margin of 5?",
                             f"no: at m = 4 it leaves m_eff = {m4_5.m_eff:.2f} (θ12 = 90°).")]),
        "lesson3": ("Notebook 03 swaps the shipped MNIST models on the circle and the sphere, with Fig. 5's "
                    "pair-angle histograms.",
                    [("Which model will pack its digits closest to their weights?",
                      "A-Softmax with the largest m; the notebook's explorer shows it.")]),
        "lesson5": ("Notebook 05 shows LFW pairs of people never seen in training: pair angles, the threshold and the "
                    "pairs each model gets wrong. The faces slide needs the shipped face checkpoints.",
                    [("Why can't we use the trained classifier on LFW test faces?",
                      "the test people are not among the training classes: there is no class to name, so we compare "
                      "two faces' features by angle instead.")]),
    }


def embedding_notes(stats: dict) -> Note:
    """``stats``: model label -> AngleStats, the numbers the MNIST slide's captions show."""
    labels = list(stats)
    m1, m4 = stats[labels[2]], stats[labels[-1]]
    tightest = min(stats, key=lambda k: stats[k].mean_own_angle)
    accs = [100 * s.accuracy for s in stats.values()]
    return (f"Six shipped 2D models, same recipe, only the loss differs. At full view the circles look alike; the "
            f"right panel shows the narrowing: the mean angle to the own weight is {m1.mean_own_angle:.1f}° for "
            f"{labels[2]} and {m4.mean_own_angle:.1f}° for {labels[-1]}, while the accuracy stays between "
            f"{min(accs):.2f} % and {max(accs):.2f} %.",
            [("Which model packs its digits closest to their weights?",
              f"{tightest} (mean angle {stats[tightest].mean_own_angle:.1f}°)."),
             ("Does accuracy tell the story?",
              f"no: it moves by {max(accs) - min(accs):.2f} points over the six models, while the angles tell them "
              f"apart; verification of unseen classes needs the tight angles, not the accuracy.")])


def face_notes(results: dict, manifest: dict, paper: dict) -> Note:
    """``results``: model label -> FaceResults of the faces slide; ``manifest``: the checkpoints' manifest (its
    seeds give each model's spread); ``paper``: the paper's Table 3 by checkpoint name."""
    from spheredemo.seed_noise import SeedSpread

    spreads = {}
    for label, r in results.items():
        seeds = manifest.get(r.name, {}).get("seeds") or {}
        values = [100 * s["lfw_accuracy"] for s in seeds.values()] or [100 * r.verification.mean]
        spreads[label] = SeedSpread.of(values)
    best = max(spreads, key=lambda k: spreads[k].mean)
    tied = [k for k in spreads if k != best and not spreads[best].beyond_noise(spreads[k])]
    m4 = next((r for label, r in results.items() if label.endswith("m=4")), None)
    m_eff = manifest.get(m4.name, {}).get("m_eff_90deg") if m4 is not None else None
    paper_m4 = paper.get(m4.name) if m4 is not None else None
    lo, hi = min(s.mean for s in spreads.values()), max(s.mean for s in spreads.values())
    tie_text = (f"inside the seed noise of {', '.join(tied)}" if tied else "beyond the seed noise of every other model")
    say = (f"Open-set verification: the test people were never seen, so a pair is 'same person' when the angle "
           f"between the two features is below a threshold chosen on the other folds. Over the shipped seeds the "
           f"models score {lo:.1f}–{hi:.1f} %; the best mean is {best} ({spreads[best]:.1f}), {tie_text}.")
    asks = [("Which model will separate the two histograms best?",
             f"{best} on average over seeds ({spreads[best]:.1f}); " +
             (f"{', '.join(tied)} {'is' if len(tied) == 1 else 'are'} within the seed noise of it, so no single "
              "winner." if tied else
              "the lead is beyond the seed noise."))]
    entry = manifest.get(m4.name, {}) if m4 is not None else {}
    if paper_m4 is not None:
        asks.append((f"The paper reports {paper_m4} % for m = 4; why do we get {spreads[next(k for k in results if k.endswith('m=4'))].mean:.1f} %?",
                     f"it trained a 64-layer network on 0.5 M CASIA images of 10,575 people at 112×96; these are "
                     f"small networks on {entry.get('train_images', '?'):,} LFW training images of "
                     f"{len(entry.get('class_counts', ())):,} people at {FACE_SIZE}×{FACE_SIZE}."))
    if m_eff is not None:
        asks.append(("Does 'm = 4' here train with a margin of m = 4?",
                     f"no: λ ends at {manifest[m4.name].get('final_lambda', 5):g}, which leaves m_eff = {m_eff:.2f} at "
                     f"θ12 = 90°, a much smaller margin."))
    asks.append(("Why can't we use the trained classifier on LFW test faces?",
                 "the test people are not among the training classes: there is no class to name them by."))
    return say, asks


def movie_notes(movie: dict) -> Note:
    """Notes of the training movie, from its recorded frames: the spread of each digit at the end of each run."""
    ms, labels = [int(m) for m in movie["ms"]], movie["labels"]
    spread = {}
    for m in ms:
        f, w = movie[f"m{m}_features"][-1], movie[f"m{m}_weights"][-1]
        cos = np.clip(np.sum(f * w[labels], axis=1), -1, 1)
        spread[m] = float(np.degrees(np.arccos(cos)).mean())
    last = int(movie[f"m{ms[0]}_step"][-1])
    lams = movie[f"m{ms[-1]}_lam"]
    tight = min(spread, key=lambda m: spread[m])
    gap = max(spread.values()) - min(spread.values())
    numbers = ", ".join(f"{spread[m]:.1f}° at m = {m}" for m in ms)
    verdict = (f"m = {tight} ({numbers}, mean angle to the own W at the last frame)" if gap >= 1.0 else
               f"too close to call: {numbers} (mean angle to the own W at the last frame), one seed of a short run; "
               "the shipped, longer-trained models of the MNIST slide show the difference")
    return (f"Two real runs of the package's fit, recorded every 10 steps: the same test digits, m = {ms[0]} left, "
            f"m = {ms[-1]} right, {last} steps each. The fallback when the live demo fails. Watch the digits spread "
            f"round the circle and gather around their weights; λ falls from {float(lams[0]):.3g} at step "
            f"{int(movie[f'm{ms[-1]}_step'][0])} to {float(lams[-1]):.2g}.",
            [("Which run ends with tighter digits?", verdict),
             ("Why do both runs look alike for the first steps?",
              "λ is still large: the blended target is almost cos θ, so both train a modified softmax at first.")])
