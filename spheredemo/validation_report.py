"""What the faces' validation chose and what it says, as the README states it: the targets met or not, the
validation ranking against folds 1–3's, the probes of the rest of the recipe, and the margin map's table and
claims (``python -m spheredemo.results --write`` writes them into the README's generated blocks).

Every verdict by the one seed-noise rule (:mod:`spheredemo.seed_noise`); the numbers from the manifest and the map's
results (:mod:`spheredemo.face_map`).
"""

from __future__ import annotations

import numpy as np

from spheredemo import pretrained
from spheredemo.keys import ModelKey
from spheredemo.seed_noise import SeedSpread, join_names, verdict, wrap

__all__ = ["FACE_TARGETS", "validation_claims", "face_map_table", "face_map_claims"]


#: issue 20's targets for the validation-chosen face recipes, on folds 1–3 (means of 3 seeds)
FACE_TARGETS = {"margin_over_softmax_points": 1.5, "best_accuracy_percent": 88.0}


def _fold_means(checkpoints, name: str):
    """Per-fold LFW accuracy (%) of a recipe, mean over its seeds; None where a seed did not record its folds."""
    seeds = pretrained.manifest(checkpoints)[name]["seeds"].values()
    folds = [s.get("lfw_fold_accuracy") for s in seeds]
    if not folds or any(not f for f in folds):
        return None
    return 100 * np.mean(np.array(folds, dtype=float), axis=0)


def validation_claims(checkpoints, acc: dict) -> list[str]:
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
                         f"on folds 1–3 ({verdict(acc[loss], soft)}), though it validated at "
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
                       f"{join_names([_probe_label(c) for c in better])} scored higher, by less than a fold's spread; "
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
                     f"{verdict(v, soft)}; {v.mean - modified.mean:+.2f} against the modified softmax, "
                     f"{verdict(v, modified)})")
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
                          f"{join_names([f'`{c}`' for c in near])} trains at its nominal m and verifies within a fold's "
                          "spread of softmax."))
    return "\n".join("- " + wrap(b, 116, "  ") for b in bullets if b)
