"""The results the package states, computed once from the manifest: the seed-noise rule, the per-seed spreads,
and the README's results tables and claim sentences, generated (``python -m spheredemo.results``).

A difference is called a trend only where two means differ by more than their two seed standard deviations
together (:meth:`SeedSpread.beyond_noise`); every verdict sentence ("beyond the seed noise", "inside it") is
decided by that rule here, never written by hand. The README holds the generated blocks between markers::

    <!-- BEGIN generated: NAME (python -m spheredemo.results --write) -->
    ...
    <!-- END generated: NAME -->

``python -m spheredemo.results --write`` rewrites every block from the manifest; ``--check`` exits 1 when the
README's blocks differ from what the manifest gives (a test runs it). The figures read the same functions.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from spheredemo import pretrained
from spheredemo.atomic import atomic_path
from spheredemo.imageset import DataError
from spheredemo.keys import SWEEP, ModelKey
from spheredemo.margins import ZOO_DEFAULTS
from spheredemo.recipes import FACE_LOSSES

__all__ = ["SeedSpread", "seed_spread", "face_seed_stats", "FACE_MODELS", "FACE_3D_MODELS", "PAPER_TABLE3",
           "trained_margin", "face_tick_label", "face_map_claims", "BLOCKS", "generate", "render_readme", "README", "main"]

README = Path(__file__).resolve().parents[1] / "README.md"

#: the 512-d face models compared, as (checkpoint name, label)
FACE_MODELS = [(key.name, key.label) for key in (ModelKey("lfw", 512).with_loss(loss) for loss in FACE_LOSSES)]
FACE_3D_MODELS = [ModelKey("lfw", 3, "asoftmax", m).name for m in (1, 2, 3, 4)]
#: the paper's Table 3 (LFW %, CASIA-WebFace, 64-layer CNN); it has no modified-softmax, CosFace or ArcFace row
PAPER_TABLE3 = {"lfw-d512-softmax": 97.88, "lfw-d512-asoftmax-m1": 97.90, "lfw-d512-asoftmax-m2": 98.40,
                "lfw-d512-asoftmax-m3": 99.25, "lfw-d512-asoftmax-m4": 99.42}


@dataclass(frozen=True)
class SeedSpread:
    """One number of a recipe over its recorded seeds: mean, sample std (ddof=1; 0 for one seed) and count."""

    mean: float
    std: float
    n: int

    def __format__(self, spec: str) -> str:
        return f"{self.mean:{spec}} ± {self.std:{spec}} (n={self.n})"

    def beyond_noise(self, other: SeedSpread) -> bool:
        """Whether the two means differ by more than the two seed spreads together (|Δmean| > std + std'):
        the rule the README and the tests use before they call a difference a trend."""
        return abs(self.mean - other.mean) > self.std + other.std

    @classmethod
    def of(cls, values) -> SeedSpread:
        values = np.asarray(values, dtype=float)
        return cls(float(values.mean()), float(values.std(ddof=1)) if len(values) > 1 else 0.0, len(values))


def seed_spread(checkpoints, name: str, key: str, scale: float = 1.0) -> SeedSpread:
    """:class:`SeedSpread` of the manifest number ``key`` (times ``scale``) over the seeds recorded for ``name``
    in the manifest of the folder ``checkpoints`` (or of a figures Context's)."""
    checkpoints = getattr(checkpoints, "checkpoints", checkpoints)
    entry = pretrained.manifest(checkpoints).get(name)
    if entry is None:
        raise DataError(f"{name} is not in the manifest of {checkpoints}; train it with "
                        f"python -m spheredemo.pretrained --only {name}")
    seeds = entry.get("seeds")
    if not seeds:
        raise DataError(f"{name} has no per-seed numbers in the manifest of {checkpoints}; record them with "
                        f"python -m spheredemo.pretrained --add-seeds --only {name}")
    return SeedSpread.of([scale * seeds[s][key] for s in sorted(seeds, key=int)])


def face_seed_stats(checkpoints, name: str) -> dict:
    """Mean and std (ddof=1) over the recorded seeds of LFW accuracy (%) and unseen-identity AFS."""
    accuracy = seed_spread(checkpoints, name, "lfw_accuracy", 100.0)
    afs = seed_spread(checkpoints, name, "afs_unseen")
    seeds = pretrained.manifest(getattr(checkpoints, "checkpoints", checkpoints))[name]["seeds"]
    return {"n_seeds": accuracy.n, "acc_mean": accuracy.mean, "acc_std": accuracy.std,
            "afs_mean": afs.mean, "afs_std": afs.std, "seeds": sorted(seeds, key=int)}


# --- the README's generated blocks ------------------------------------------------------------------------

def _verdict(a: SeedSpread, b: SeedSpread) -> str:
    return "beyond the seed noise" if a.beyond_noise(b) else "inside the seed noise"


def _range(values, digits: int) -> str:
    low, high = min(values), max(values)
    return f"{low:.{digits}f}" if f"{low:.{digits}f}" == f"{high:.{digits}f}" else f"{low:.{digits}f}–{high:.{digits}f}"


def _names(items) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


MNIST_ROWS = (("test accuracy %", "test_accuracy", 100.0, 2, (2, 3)),
              ("mean angle to own W (°)", "mean_angle_to_own_W_deg", 1.0, 2, (2, 3)),
              ("AFS", "angular_fisher_score", 1.0, 4, (2, 3)),
              ("empty arc between digits (°)", "mean_gap_deg", 1.0, 1, (2,)))


def mnist_table(checkpoints=pretrained.CHECKPOINT_DIR) -> str:
    """The MNIST m sweep, mean ± std over seeds, one row per dimension and quantity."""
    labels = [ModelKey("mnist", 2).with_loss(loss).label for loss in SWEEP]
    lines = ["| | " + " | ".join(labels) + " |", "|---" * (len(labels) + 1) + "|"]
    for label, key, scale, digits, dims in MNIST_ROWS:
        for dim in dims:
            cells = [seed_spread(checkpoints, ModelKey("mnist", dim).with_loss(loss).name, key, scale)
                     for loss in SWEEP]
            lines.append(f"| {dim}D {label} | " + " | ".join(f"{c.mean:.{digits}f} ± {c.std:.{digits}f}"
                                                            for c in cells) + " |")
    return "\n".join(lines)


def faces_table(checkpoints=pretrained.CHECKPOINT_DIR) -> str:
    """LFW folds 1–3 accuracy of the 512-d face models, mean ± std over seeds, beside the paper's Table 3."""
    from spheredemo import face_map

    labels = [label for _, label in FACE_MODELS]
    spreads = [seed_spread(checkpoints, name, "lfw_accuracy", 100.0) for name, _ in FACE_MODELS]
    n = sorted({s.n for s in spreads})
    results = face_map.read_results()
    cells = face_map.validation_cells(results)
    validation = [face_map.cell_spread(cells[name], results) for name, _ in FACE_MODELS]
    n_val = sorted({v[2] for v in validation if v})
    lines = [f"Validation (84 identities trained, 20 others judged; it chose each setting) and LFW folds 1–3 (all 104 "
             f"trained; reported once), accuracy %, mean ± std over seeds ({_names([str(k) for k in n_val])} on "
             f"validation, {_names([str(k) for k in n])} on folds 1–3; the paper: CASIA-WebFace, 64 layers, 112×96):",
             "", "| | " + " | ".join(labels) + " |", "|---" * (len(labels) + 1) + "|",
             "| setting | " + " | ".join(_setting(checkpoints, name) for name, _ in FACE_MODELS) + " |",
             "| validation | " + " | ".join(f"{v[0]:.2f} ± {v[1]:.2f}" if v else "" for v in validation) + " |",
             "| folds 1–3 | " + " | ".join(f"{s.mean:.2f} ± {s.std:.2f}" for s in spreads) + " |",
             "| paper (Table 3) | " + " | ".join(f"{PAPER_TABLE3[name]:.2f}" if name in PAPER_TABLE3 else ""
                                                 for name, _ in FACE_MODELS) + " |"]
    return "\n".join(lines).replace("|  |", "| |").replace("|  |", "| |")


def _setting(checkpoints, name: str) -> str:
    """The chosen setting of a shipped face model, as the table's ``setting`` row gives it."""
    config = pretrained.manifest(checkpoints)[name]["config"]
    if config["loss"] == "asoftmax":
        return f"λ_min {config['lambda_min']:g}" if config["m"] != 1 else "(λ moot)"
    if config["loss"] in ZOO_DEFAULTS:
        defaults = ZOO_DEFAULTS[config["loss"]]
        s, m = (defaults[k] if config[k] is None else config[k] for k in ("s", "m"))
        return f"s {s:g}, m {m:g}"
    return ""


def trained_margin(name: str, checkpoints=pretrained.CHECKPOINT_DIR) -> str:
    """What a face model's m trains as, from its manifest entry: "λ_min 2 → m_eff 2.23 at θ12 = 90°" for A-Softmax
    m ≥ 2 (the λ-blended loss is an unblended A-Softmax of m_eff, :func:`spheredemo.margins.effective_margin`),
    "" for the others (their margin is the m they name)."""
    entry = pretrained.manifest(checkpoints)[name]
    config = entry["config"]
    if config["loss"] != "asoftmax" or config["m"] == 1 or entry.get("m_eff_90deg") is None:
        return ""
    return f"λ_min {config['lambda_min']:g} → m_eff {entry['m_eff_90deg']:.2f} at θ12 = 90°"


def face_tick_label(name: str, checkpoints=pretrained.CHECKPOINT_DIR) -> str:
    """A face model's name on a bar chart's axis, on short lines: the loss, its m, and the m_eff it trained at."""
    key = ModelKey.parse(name)
    label = {"modified": "modified\nsoftmax"}.get(key.loss, key.label.replace(" m=", "\nm = "))
    entry = pretrained.manifest(checkpoints)[name]
    if entry.get("m_eff_90deg") is not None and key.m not in (None, 1):
        label += f"\nm_eff {entry['m_eff_90deg']:.2f}"
    elif key.loss in ZOO_DEFAULTS and key.loss != "asoftmax":
        label += "\n" + _setting(checkpoints, name)
    return label


def _face(checkpoints, loss: str, key="lfw_accuracy") -> SeedSpread:
    name = ModelKey("lfw", 512).with_loss(loss).name
    return seed_spread(checkpoints, name, key, 100.0 if key == "lfw_accuracy" else 1.0)


def faces_claims(checkpoints=pretrained.CHECKPOINT_DIR) -> str:
    """The claim sentences of the faces section, each verdict by the seed-noise rule."""
    manifest = pretrained.manifest(checkpoints)
    base_losses, margin_losses = ("softmax", "modified", "asoftmax-m1"), ("asoftmax-m2", "asoftmax-m3", "asoftmax-m4")
    acc = {loss: _face(checkpoints, loss) for loss in (*base_losses, *margin_losses, "cosface", "arcface")}
    m4 = manifest[ModelKey("lfw", 512, "asoftmax", 4).name]
    fold_std = 100 * m4["lfw_fold_std"]
    bullets = []
    # 1. the margin against the three losses without one
    winners = [loss for loss in margin_losses if all(acc[loss].beyond_noise(acc[b]) and acc[loss].mean > acc[b].mean
                                                     for b in base_losses)]
    gaps = [acc[w].mean - acc[b].mean for w in winners for b in base_losses]
    if winners:
        names = "m = " + _names([w[-1] for w in winners])
        past_folds = all(g > fold_std for g in gaps)
        bullets.append(
            f"An angular margin helps on unseen people: A-Softmax {names} {'is' if len(winners) == 1 else 'are'} "
            f"{_range(gaps, 1)} points above softmax, modified softmax and m = 1, beyond the seed noise (each "
            f"difference of means is larger than the two seed stds added)"
            + (f" and beyond the fold spread of the shipped m = 4 model ({fold_std:.2f})." if past_folds else
               f", though not all beyond the fold spread of the shipped m = 4 model ({fold_std:.2f})."))
    else:
        bullets.append("No A-Softmax model with m ≥ 2 beats all of softmax, modified softmax and m = 1 beyond the "
                       "seed noise on unseen people.")
    m1, soft, mod = acc["asoftmax-m1"], acc["softmax"], acc["modified"]
    bullets.append(f"m = 1 against softmax: {m1.mean - soft.mean:+.2f} points, {_verdict(m1, soft)}; against the "
                   f"modified softmax {m1.mean - mod.mean:+.2f}, {_verdict(m1, mod)} (m = 1 is the modified softmax).")
    # 2. the means along m
    means = " → ".join(f"{acc[f'asoftmax-m{m}'].mean:.2f}" for m in (1, 2, 3, 4))
    pairs = [(a, b) for i, a in enumerate(margin_losses) for b in margin_losses[i + 1:]]
    apart = [f"m = {a[-1]} and {b[-1]}" for a, b in pairs if acc[a].beyond_noise(acc[b])]
    m_eff = [manifest[ModelKey("lfw", 512, "asoftmax", m).name].get("m_eff_90deg") for m in (2, 3, 4)]
    trained = (f" (the margins trained are m_eff = {', '.join(f'{v:.2f}' for v in m_eff)} at θ12 = 90°, "
               f"`margins.effective_margin`)" if None not in m_eff else "")
    bullets.append(f"Along m the means run {means} for m = 1..4; between m = 2, 3 and 4{trained} "
                   + ("every difference is inside the seed noise." if not apart else
                      f"only {_names(apart)} differ beyond the seed noise."))
    # 3. AFS and AUC of the unseen people
    afs = {loss: _face(checkpoints, loss, "afs_unseen") for loss in (*base_losses, *margin_losses)}
    auc = {loss: _face(checkpoints, loss, "lfw_auc") for loss in (*base_losses, *margin_losses)}
    bullets.append(f"The angular Fisher score of the unseen people's features (lower is better, Table 6) is "
                   f"{_range([afs[b].mean for b in base_losses], 3)} for softmax, modified and m = 1 and "
                   f"{_range([afs[w].mean for w in margin_losses], 3)} for m = 2, 3, 4; the AUC "
                   f"{_range([auc[b].mean for b in base_losses], 3)} against "
                   f"{_range([auc[w].mean for w in margin_losses], 3)} (seed means).")
    # 4. the shipped model
    seeds = m4["seeds"]
    lowest = min(seeds, key=lambda seed: seeds[seed]["lfw_accuracy"])
    bullets.append(f"The shipped m = 4 model (seed {m4['seed']}) reaches {100 * m4['lfw_accuracy']:.2f} ± "
                   f"{fold_std:.2f} % over folds 1, 2, 3 ({acc['asoftmax-m4'].mean:.2f} % over seeds; the lowest, seed "
                   f"{lowest}, {100 * seeds[lowest]['lfw_accuracy']:.2f} %). The gap to the paper's 99 % is data and "
                   f"depth: 3,103 images of 104 people at 64×64 against 494k images of 10,575 at 112×96 with 64 "
                   f"layers.")
    # 5. CosFace and ArcFace against softmax
    parts = []
    for loss, label in (("cosface", "CosFace"), ("arcface", "ArcFace")):
        a, a_auc, s_auc = acc[loss], _face(checkpoints, loss, "lfw_auc"), _face(checkpoints, "softmax", "lfw_auc")
        config = manifest[ModelKey("lfw", 512).with_loss(loss).name]["config"]
        s = config["s"] if config["s"] is not None else 30
        m = config["m"] if config["m"] is not None else (0.35 if loss == "cosface" else 0.5)
        parts.append(f"{label} (s = {s:g}, m = {m:g}) {a.mean:.2f} % against softmax's {soft.mean:.2f} % "
                     f"({'above' if a.mean > soft.mean else 'below'}, {_verdict(a, soft)}; AUC {a_auc.mean:.3f} "
                     f"against {s_auc.mean:.3f}, {_verdict(a_auc, s_auc)})")
    bullets.append("; ".join(parts) + ". Each at the (s, m) validation chose on the margin map, m ∈ {0.1, 0.2, "
                   "0.35} (CosFace) or {0.1, 0.2, 0.3, 0.5} (ArcFace) × s ∈ {AdaCos's 6.55, 16, 30}.")
    bullets += _validation_claims(checkpoints, acc)
    # 6. the 3D models
    names3 = FACE_3D_MODELS
    afs3 = [seed_spread(checkpoints, n, "afs_unseen") for n in names3]
    acc3 = [seed_spread(checkpoints, n, "lfw_accuracy", 100.0) for n in names3]
    steps = sorted({manifest[n]["steps"] for n in names3})
    trend = any(a.beyond_noise(b) for values in (afs3, acc3) for a in values for b in values)
    bullets.append(f"3D models of the {manifest[names3[0]]['config']['max_identities']} largest training identities "
                   f"(Fig. 5 on faces, {steps[0]:,} steps): the angular Fisher score of the unseen people runs "
                   f"{' → '.join(f'{a.mean:.3f}' for a in afs3)} for m = 1..4 (seed means, stds "
                   f"{_range([a.std for a in afs3], 3)}), their verification accuracy "
                   f"{_range([a.mean for a in acc3], 2)} % (stds {_range([a.std for a in acc3], 1)}); "
                   + ("some of these differ beyond the seed noise." if trend else
                      "neither moves with m beyond the seed noise: three numbers per face are too few to verify "
                      "strangers. The picture is about the sphere, the 512-d table about accuracy."))
    return "\n".join("- " + _wrap(b, 116, "  ") for b in bullets)


#: issue 20's targets for the validation-chosen face recipes, on folds 1–3 (means of 3 seeds)
FACE_TARGETS = {"margin_over_softmax_points": 1.5, "best_accuracy_percent": 88.0}


def _fold_means(checkpoints, name: str):
    """Per-fold LFW accuracy (%) of a recipe, mean over its seeds; None where a seed did not record its folds."""
    seeds = pretrained.manifest(checkpoints)[name]["seeds"].values()
    folds = [s.get("lfw_fold_accuracy") for s in seeds]
    if not folds or any(not f for f in folds):
        return None
    return 100 * np.mean(np.array(folds, dtype=float), axis=0)


def _validation_claims(checkpoints, acc: dict) -> list[str]:
    """The bullets on the choice: the targets met or not, validation's ranking against the folds', and the
    probes of the rest of the recipe (weight decay, run length, m = 4 from m = 1)."""
    from spheredemo import face_map

    bullets = []
    soft = acc["softmax"]
    margin_losses = ("asoftmax-m2", "asoftmax-m3", "asoftmax-m4")
    best = max(margin_losses, key=lambda loss: acc[loss].mean)
    gap = acc[best].mean - soft.mean
    folds_best = _fold_means(checkpoints, ModelKey("lfw", 512).with_loss(best).name)
    folds_soft = _fold_means(checkpoints, ModelKey("lfw", 512).with_loss("softmax").name)
    met = {True: "met", False: "not met"}
    if folds_best is not None and folds_soft is not None:
        fold_gaps = folds_best - folds_soft
        each = (f"; on folds 1, 2, 3 {', '.join(f'{g:+.2f}' for g in fold_gaps)} (a positive gap on each fold: "
                f"{met[bool((fold_gaps > 0).all())]})")
    else:
        each = "; the per-fold gaps are not recorded for every seed"
    top = max(acc, key=lambda loss: acc[loss].mean)
    zoo = "; ".join(f"{label} {acc[loss].mean:.2f} against softmax's {soft.mean:.2f} (not below softmax: "
                    f"{met[acc[loss].mean >= soft.mean]})" for loss, label in (("cosface", "CosFace"),
                                                                              ("arcface", "ArcFace")))
    bullets.append(f"Against the targets set before the choice (folds 1–3, means of 3 seeds): the best A-Softmax "
                   f"model with m ≥ 2, m = {best[-1]}, is {gap:+.2f} points above softmax (≥ "
                   f"{FACE_TARGETS['margin_over_softmax_points']:g}: "
                   f"{met[gap >= FACE_TARGETS['margin_over_softmax_points']]})"
                   f"{each}; {zoo}; the best model, {ModelKey('lfw', 512).with_loss(top).label}, reaches "
                   f"{acc[top].mean:.2f} % (≥ {FACE_TARGETS['best_accuracy_percent']:g}: "
                   f"{met[acc[top].mean >= FACE_TARGETS['best_accuracy_percent']]}). Nothing was tuned on folds 1–3 "
                   f"to close the gaps.")
    results = face_map.read_results()
    cells = face_map.validation_cells(results)
    ranked = sorted(margin_losses, key=lambda loss: -face_map.cell_spread(
        cells[ModelKey("lfw", 512).with_loss(loss).name], results)[0])
    val = {loss: SeedSpread(*face_map.cell_spread(cells[ModelKey("lfw", 512).with_loss(loss).name], results))
           for loss in margin_losses}
    val_apart = any(val[a].beyond_noise(val[b]) for a in margin_losses for b in margin_losses)
    by_folds = sorted(margin_losses, key=lambda loss: -acc[loss].mean)
    sentence = (f"Validation ranks A-Softmax m = {', '.join(loss[-1] for loss in ranked)} "
                f"({', '.join(f'{val[loss].mean:.2f}' for loss in ranked)} %, "
                + ("some apart beyond the seed noise" if val_apart else "all inside the seed noise of each other")
                + f"); folds 1–3 rank them m = {', '.join(loss[-1] for loss in by_folds)} "
                f"({', '.join(f'{acc[loss].mean:.2f}' for loss in by_folds)} %).")
    first = {r["cell"]: r for r in results if r["seed"] == 0}
    for loss in margin_losses:
        if acc[loss].mean < soft.mean:
            m = int(loss[-1])
            chosen = cells[ModelKey("lfw", 512).with_loss(loss).name]
            others = [c for c in face_map.CELLS if c.startswith(f"asoftmax-m{m}-lmin") and c in first
                      and c != chosen and face_map.CELLS[c].keys() <= {"loss", "m", "lambda_min"}]
            sentence += (f" m = {m} at its chosen λ_min {face_map.CELLS[chosen]['lambda_min']:g} falls below softmax "
                         f"on folds 1–3 ({_verdict(acc[loss], soft)}), though it validated at "
                         f"{100 * first[chosen]['val_accuracy']:.2f} % on seed 0 against "
                         + ", ".join(f"{100 * first[c]['val_accuracy']:.2f} (λ_min "
                                     f"{face_map.CELLS[c]['lambda_min']:g})" for c in others)
                         + ": with folds of 4 people the single-seed map could not tell these apart, and the "
                           "choice did not carry from 84 identities to 104.")
    bullets.append(sentence)
    probes = [c for c in ("asoftmax-m2-lmin1-wd0.001", "asoftmax-m2-lmin1-wd0.003", "asoftmax-m2-lmin1-wd0.03",
                          "asoftmax-m2-lmin1-steps2450", "asoftmax-m2-lmin1-steps7350") if c in first]
    if "asoftmax-m2-lmin1" in first and probes:
        base = 100 * first["asoftmax-m2-lmin1"]["val_accuracy"]
        text = ", ".join(f"{_probe_label(c)} {100 * first[c]['val_accuracy']:.2f}" for c in probes)
        better = [c for c in probes if 100 * first[c]["val_accuracy"] > base]
        sentence = (f"Weight decay and run length, chosen on folds 1–3 earlier, re-checked on validation at m = 2, "
                    f"λ_min 1 (seed 0, {base:.2f} % at L2 0.01 and 4,900 steps): {text} %; "
                    + ("none is higher, so the recipe keeps them." if not better else
                       f"{_names([_probe_label(c) for c in better])} scored higher, by less than a fold's spread; "
                       "the recipe keeps its settings."))
        if "asoftmax-m4-from-m1" in first and "asoftmax-m4-lmin2" in first:
            sentence += (f" m = 4 trained from the m = 1 cell's weights at a fifth of the learning rate for half a "
                         f"run (the recipe reported for the official code): "
                         f"{100 * first['asoftmax-m4-from-m1']['val_accuracy']:.2f} % against "
                         f"{100 * first['asoftmax-m4-lmin2']['val_accuracy']:.2f} from scratch at the same λ_min.")
        bullets.append(sentence)
    return bullets


#: how a probe cell's settings read in the claims (the face map's cells that vary the rest of the recipe)
_PROBE_LABELS = {"weight_decay": "L2 {:g}", "max_steps": "{:,} steps"}


def _probe_label(cell: str) -> str:
    from spheredemo import face_map

    return ", ".join(_PROBE_LABELS[k].format(v) for k, v in face_map.CELLS[cell].items() if k in _PROBE_LABELS)


def _wrap(text: str, width: int, indent: str) -> str:
    import textwrap

    return ("\n" + indent).join(textwrap.wrap(text, width=width, break_on_hyphens=False))


def face_map_table(results=None) -> str:
    """The margin map on the validation people (:mod:`spheredemo.face_map`): one row per cell trained so far."""
    from spheredemo import face_map
    from spheredemo.margins import effective_margin

    results = face_map.read_results() if results is None else results
    if not results:
        return "The margin map has not been run yet (`python -m spheredemo.face_map --list`)."
    by_cell = {}
    for r in results:
        by_cell.setdefault(r["cell"], []).append(r)
    lines = ["| cell | loss | m | s | λ_min | m_eff (θ12 = 90°) | validation accuracy % | AUC | seeds |",
             "|---|---|---|---|---|---|---|---|---|"]
    for cell in face_map.CELLS:
        if cell not in by_cell:
            continue
        runs = by_cell[cell]
        first = runs[0]
        accuracy = SeedSpread.of([100 * r["val_accuracy"] for r in runs])
        auc = SeedSpread.of([r["val_auc"] for r in runs])
        m_eff = (f"{effective_margin(first['m'], first['final_lambda'], 90.0).m_eff:.2f}"
                 if first["loss"] == "asoftmax" else "")
        def spread(v: SeedSpread, digits: int) -> str:
            return f"{v.mean:.{digits}f} ± {v.std:.{digits}f}" if v.n > 1 else f"{v.mean:.{digits}f}"

        m, s, lambda_min = (("" if first[k] is None else f"{first[k]:g}") for k in ("m", "s", "lambda_min"))
        lines.append(f"| {cell} | {first['loss']} | {m} | {s} | {lambda_min} | {m_eff} | {spread(accuracy, 2)} | "
                     f"{spread(auc, 4)} | {len(runs)} |")
    n_pairs = sorted({r["val_pairs"] for r in results})
    fold_std = np.mean([100 * r["val_fold_std"] for r in results])
    lines += ["", f"{len(by_cell)} of {len(face_map.CELLS)} cells trained; validation: {n_pairs[0]:,} pairs of 20 "
              f"people in 5 person-disjoint folds (fold std about {fold_std:.1f} points); the models trained on the "
              f"other 84 identities for {results[0]['steps']:,} steps."]
    return "\n".join(lines)


def face_map_claims(results=None) -> str:
    """What the margin map says, generated from its results: where a margin helps on the validation people (the
    chosen cells against softmax and the modified softmax, seed means, by the seed-noise rule), where it is too
    much for 84 training identities (cells more than a fold's spread below softmax on seed 0, or with a seed that
    failed to train), and whether a cell that trains at its nominal m verifies well."""
    from spheredemo import face_map
    from spheredemo.margins import effective_margin

    results = face_map.read_results() if results is None else results
    first = {r["cell"]: r for r in results if r["seed"] == 0}
    if not {"softmax", "modified"} <= first.keys():
        return "The margin map's controls have not been run yet (`python -m spheredemo.face_map --list`)."
    spread = {c: SeedSpread(*face_map.cell_spread(c, results)) for c in first}
    fold_std = float(np.mean([100 * r["val_fold_std"] for r in results]))
    soft, modified = spread["softmax"], spread["modified"]
    chosen = face_map.chosen_cells(results)
    bullets = []
    # 1. where a margin helps: each family's chosen cell against the two controls without a margin
    parts = []
    for family, cell in chosen.items():
        v = spread[cell]
        label = f"A-Softmax m = {family[-1]}" if family.startswith("asoftmax") else face_map.FAMILIES[family]
        parts.append(f"{label} `{cell}` {v.mean:.2f} ± {v.std:.2f} ({v.mean - soft.mean:+.2f} against softmax, "
                     f"{_verdict(v, soft)}; {v.mean - modified.mean:+.2f} against the modified softmax, "
                     f"{_verdict(v, modified)})")
    bullets.append(f"Where a margin helps (validation, {soft.n} seeds each; softmax {soft.mean:.2f} ± {soft.std:.2f}, "
                   f"modified softmax {modified.mean:.2f} ± {modified.std:.2f}): " + "; ".join(parts) + ".")
    # 2. where it is too much: far below softmax on seed 0, or a seed that failed to train
    base = 100 * first["softmax"]["val_accuracy"]
    too_much = [c for c in face_map.CELLS if c in first and not face_map.is_probe(c)
                and 100 * first[c]["val_accuracy"] < base - fold_std]
    failed = sorted(face_map.failed_cells(results) - set(too_much), key=list(face_map.CELLS).index)

    def margin_of(cell):
        r = first[cell]
        if r["loss"] == "asoftmax":
            return f"m_eff {effective_margin(r['m'], r['final_lambda'], 90.0).m_eff:.2f}"
        return f"s {r['s']:g}, m {r['m']:g}"

    text = ", ".join(f"`{c}` {100 * first[c]['val_accuracy']:.2f} ({margin_of(c)})" for c in too_much)
    sentence = (f"Too much for 84 identities: {text or 'no cell'} — more than a fold's spread ({fold_std:.1f} points) "
                f"below softmax's {base:.2f} on seed 0")
    if failed:
        def seeds_of(cell):
            return ", ".join(f"{100 * r['val_accuracy']:.2f}" for r in results if r["cell"] == cell)

        sentence += ("; " + ", ".join(f"`{c}` ({seeds_of(c)} over its seeds)" for c in failed)
                     + " failed to train on a seed, so it was not chosen")
    bullets.append(sentence + ".")
    # 3. the nominal margin: the A-Softmax cells whose final λ leaves m_eff = m (λ_min 0)
    nominal = [c for c in face_map.CELLS if c in first and not face_map.is_probe(c) and first[c]["loss"] == "asoftmax"
               and first[c]["m"] > 1 and effective_margin(first[c]["m"], first[c]["final_lambda"], 90.0).m_eff
               >= 0.95 * first[c]["m"]]
    best = {c: spread[c] for f, c in chosen.items() if f.startswith("asoftmax")}
    if nominal:
        at_nominal = ", ".join(f"m = {first[c]['m']:g} (`{c}`) {100 * first[c]['val_accuracy']:.2f}" for c in nominal)
        at_chosen = ", ".join(f"{v.mean:.2f} for `{c}` ({margin_of(c)})" for c, v in best.items())
        near = [c for c in nominal if first[c]["m"] >= 3 and 100 * first[c]["val_accuracy"] >= base - fold_std]
        bullets.append(f"At its nominal m (λ_min 0, m_eff = m): {at_nominal} on seed 0, against {at_chosen} at the "
                       "chosen cells (seed means): "
                       + ("no A-Softmax cell with m ≥ 3 trains near its nominal m and verifies within a fold's spread "
                          "of softmax; the margins 84 people can use are the blended ones." if not near else
                          f"{_names([f'`{c}`' for c in near])} trains at its nominal m and verifies within a fold's "
                          "spread of softmax."))
    return "\n".join("- " + _wrap(b, 116, "  ") for b in bullets if b)


#: block name -> the function that generates it from the manifest
BLOCKS = {"mnist-table": mnist_table, "faces-table": faces_table, "faces-claims": faces_claims,
          "face-map": lambda checkpoints=None: face_map_table(),
          "face-map-claims": lambda checkpoints=None: face_map_claims()}

_BLOCK = re.compile(r"(<!-- BEGIN generated: (?P<name>[\w-]+) \(python -m spheredemo\.results --write\) -->\n)"
                    r"(?P<body>.*?)"
                    r"(\n<!-- END generated: (?P=name) -->)", re.S)


def generate(name: str, checkpoints=pretrained.CHECKPOINT_DIR) -> str:
    """The text of block ``name`` (one of :data:`BLOCKS`) from the manifest in ``checkpoints``."""
    if name not in BLOCKS:
        raise ValueError(f"no generated block named {name!r}; the blocks are {sorted(BLOCKS)}")
    return BLOCKS[name](checkpoints)


def render_readme(text: str, checkpoints=pretrained.CHECKPOINT_DIR) -> str:
    """``text`` with every generated block rewritten from the manifest; an unknown block name is an error."""
    return _BLOCK.sub(lambda match: match.group(1) + generate(match.group("name"), checkpoints) + match.group(4),
                      text)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m spheredemo.results",
                                     description="Rewrite (--write) or check (--check) the README's generated "
                                     "results blocks from the checkpoints' manifest.")
    parser.add_argument("--readme", default=str(README), help="the file holding the blocks")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="rewrite the blocks in place (atomically)")
    mode.add_argument("--check", action="store_true", help="exit 1 when a block differs from the manifest's")
    args = parser.parse_args(argv)
    path = Path(args.readme)
    text = path.read_text()
    if not _BLOCK.search(text):
        print(f"error: {path} holds no generated block", file=sys.stderr)
        return 1
    fresh = render_readme(text)
    if args.check:
        if fresh != text:
            stale = [m.group("name") for m in _BLOCK.finditer(text)
                     if m.group("body") != generate(m.group("name"))]
            print(f"{path}: generated blocks {stale} differ from the manifest; run python -m spheredemo.results "
                  f"--write", file=sys.stderr)
            return 1
        print(f"{path}: every generated block matches the manifest")
        return 0
    with atomic_path(path) as tmp:
        Path(tmp).write_text(fresh)
    print(f"{path}: {len(_BLOCK.findall(fresh))} generated blocks rewritten")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
