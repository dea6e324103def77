"""The results the package states, computed once from the manifest: the README's results tables and claim
sentences, generated (``python -m spheredemo.results``); what the faces' validation chose, and the margin map's
table and claims, are :mod:`spheredemo.validation_report`'s, and this module writes them in too.

A difference is called a trend only where two means differ by more than their two seed standard deviations
together (:meth:`SeedSpread.beyond_noise`, in :mod:`spheredemo.seed_noise`, re-exported here); every verdict
sentence ("beyond the seed noise", "inside it") is decided by that rule, never written by hand. The README holds the generated blocks between markers::

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
from pathlib import Path

from spheredemo import pretrained
from spheredemo.atomic import atomic_path
from spheredemo.imageset import DataError
from spheredemo.keys import SWEEP, ModelKey
from spheredemo.margins import ZOO_DEFAULTS
from spheredemo.recipes import FACE_LOSSES
from spheredemo.seed_noise import (SeedSpread, face_seed_stats, join_names, seed_spread,  # noqa: F401 (re-exported)
                                   value_range, verdict, wrap)
from spheredemo.validation_report import face_map_claims, face_map_table, validation_claims

__all__ = ["SeedSpread", "seed_spread", "face_seed_stats", "FACE_MODELS", "FACE_3D_MODELS", "PAPER_TABLE3",
           "trained_margin", "trained_m_eff", "margin_setting", "face_tick_label", "BLOCKS", "generate", "render_readme", "write_readme", "README",
           "main"]

README = Path(__file__).resolve().parents[1] / "README.md"

#: the 512-d face models compared, as (checkpoint name, label)
FACE_MODELS = [(key.name, key.label) for key in (ModelKey("lfw", 512).with_loss(loss) for loss in FACE_LOSSES)]
FACE_3D_MODELS = [ModelKey("lfw", 3, "asoftmax", m).name for m in (1, 2, 3, 4)]
#: the paper's Table 3 (LFW %, CASIA-WebFace, 64-layer CNN); it has no modified-softmax, CosFace or ArcFace row
PAPER_TABLE3 = {"lfw-d512-softmax": 97.88, "lfw-d512-asoftmax-m1": 97.90, "lfw-d512-asoftmax-m2": 98.40,
                "lfw-d512-asoftmax-m3": 99.25, "lfw-d512-asoftmax-m4": 99.42}


# --- the README's generated blocks ------------------------------------------------------------------------

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
             f"trained; reported once), accuracy %, mean ± std over seeds ({join_names([str(k) for k in n_val])} on "
             f"validation, {join_names([str(k) for k in n])} on folds 1–3; the paper: CASIA-WebFace, 64 layers, 112×96):",
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


def margin_setting(name: str, checkpoints=pretrained.CHECKPOINT_DIR) -> tuple[float, float]:
    """(s, m) a CosFace or ArcFace checkpoint trained with: its recorded config's, or where that left them unset
    the head's own defaults (what :func:`spheredemo.losses.make_head` then built)."""
    import inspect

    from spheredemo.losses import HEADS

    config = pretrained.manifest(checkpoints)[name]["config"]
    if config["loss"] not in ("cosface", "arcface"):
        raise ValueError(f"{name} is not a CosFace or ArcFace model (loss {config['loss']!r}); only they have (s, m)")
    defaults = inspect.signature(HEADS[config["loss"]]).parameters
    return tuple(float(config[k]) if config[k] is not None else float(defaults[k].default) for k in ("s", "m"))


def trained_m_eff(name: str, checkpoints=pretrained.CHECKPOINT_DIR) -> tuple[float, float] | None:
    """(λ_min, m_eff at θ12 = 90°) a face model's m trains as, from its manifest entry, for A-Softmax m ≥ 2 (the
    λ-blended loss is an unblended A-Softmax of m_eff, :func:`spheredemo.margins.effective_margin`); None for the
    others (their margin is the m they name)."""
    entry = pretrained.manifest(checkpoints)[name]
    config = entry["config"]
    if config["loss"] != "asoftmax" or config["m"] == 1 or entry.get("m_eff_90deg") is None:
        return None
    return float(config["lambda_min"]), float(entry["m_eff_90deg"])


def trained_margin(name: str, checkpoints=pretrained.CHECKPOINT_DIR) -> str:
    """:func:`trained_m_eff` as text, "λ_min 2 → m_eff 2.23 at θ12 = 90°"; "" where there is none."""
    trained = trained_m_eff(name, checkpoints)
    return "" if trained is None else f"λ_min {trained[0]:g} → m_eff {trained[1]:.2f} at θ12 = 90°"


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
        names = "m = " + join_names([w[-1] for w in winners])
        past_folds = all(g > fold_std for g in gaps)
        bullets.append(
            f"An angular margin helps on unseen people: A-Softmax {names} {'is' if len(winners) == 1 else 'are'} "
            f"{value_range(gaps, 1)} points above softmax, modified softmax and m = 1, beyond the seed noise (each "
            f"difference of means is larger than the two seed stds added)"
            + (f" and beyond the fold spread of the shipped m = 4 model ({fold_std:.2f})." if past_folds else
               f", though not all beyond the fold spread of the shipped m = 4 model ({fold_std:.2f})."))
    else:
        bullets.append("No A-Softmax model with m ≥ 2 beats all of softmax, modified softmax and m = 1 beyond the "
                       "seed noise on unseen people.")
    m1, soft, mod = acc["asoftmax-m1"], acc["softmax"], acc["modified"]
    bullets.append(f"m = 1 against softmax: {m1.mean - soft.mean:+.2f} points, {verdict(m1, soft)}; against the "
                   f"modified softmax {m1.mean - mod.mean:+.2f}, {verdict(m1, mod)} (m = 1 is the modified softmax).")
    # 2. the means along m
    means = " → ".join(f"{acc[f'asoftmax-m{m}'].mean:.2f}" for m in (1, 2, 3, 4))
    pairs = [(a, b) for i, a in enumerate(margin_losses) for b in margin_losses[i + 1:]]
    apart = [f"m = {a[-1]} and {b[-1]}" for a, b in pairs if acc[a].beyond_noise(acc[b])]
    m_eff = [manifest[ModelKey("lfw", 512, "asoftmax", m).name].get("m_eff_90deg") for m in (2, 3, 4)]
    trained = (f" (the margins trained are m_eff = {', '.join(f'{v:.2f}' for v in m_eff)} at θ12 = 90°, "
               f"`margins.effective_margin`)" if None not in m_eff else "")
    bullets.append(f"Along m the means run {means} for m = 1..4; between m = 2, 3 and 4{trained} "
                   + ("every difference is inside the seed noise." if not apart else
                      f"only {join_names(apart)} differ beyond the seed noise."))
    # 3. AFS and AUC of the unseen people
    afs = {loss: _face(checkpoints, loss, "afs_unseen") for loss in (*base_losses, *margin_losses)}
    auc = {loss: _face(checkpoints, loss, "lfw_auc") for loss in (*base_losses, *margin_losses)}
    bullets.append(f"The angular Fisher score of the unseen people's features (lower is better, Table 6) is "
                   f"{value_range([afs[b].mean for b in base_losses], 3)} for softmax, modified and m = 1 and "
                   f"{value_range([afs[w].mean for w in margin_losses], 3)} for m = 2, 3, 4; the AUC "
                   f"{value_range([auc[b].mean for b in base_losses], 3)} against "
                   f"{value_range([auc[w].mean for w in margin_losses], 3)} (seed means).")
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
        s, m = margin_setting(ModelKey("lfw", 512).with_loss(loss).name, checkpoints)
        parts.append(f"{label} (s = {s:g}, m = {m:g}) {a.mean:.2f} % against softmax's {soft.mean:.2f} % "
                     f"({'above' if a.mean > soft.mean else 'below'}, {verdict(a, soft)}; AUC {a_auc.mean:.3f} "
                     f"against {s_auc.mean:.3f}, {verdict(a_auc, s_auc)})")
    bullets.append("; ".join(parts) + ". Each at the (s, m) validation chose on the margin map, m ∈ {0.1, 0.2, "
                   "0.35} (CosFace) or {0.1, 0.2, 0.3, 0.5} (ArcFace) × s ∈ {AdaCos's 6.55, 16, 30}.")
    bullets += validation_claims(checkpoints, acc)
    # 6. the 3D models
    names3 = FACE_3D_MODELS
    afs3 = [seed_spread(checkpoints, n, "afs_unseen") for n in names3]
    acc3 = [seed_spread(checkpoints, n, "lfw_accuracy", 100.0) for n in names3]
    steps = sorted({manifest[n]["steps"] for n in names3})
    trend = any(a.beyond_noise(b) for values in (afs3, acc3) for a in values for b in values)
    bullets.append(f"3D models of the {manifest[names3[0]]['config']['max_identities']} largest training identities "
                   f"(Fig. 5 on faces, {steps[0]:,} steps): the angular Fisher score of the unseen people runs "
                   f"{' → '.join(f'{a.mean:.3f}' for a in afs3)} for m = 1..4 (seed means, stds "
                   f"{value_range([a.std for a in afs3], 3)}), their verification accuracy "
                   f"{value_range([a.mean for a in acc3], 2)} % (stds {value_range([a.std for a in acc3], 1)}); "
                   + ("some of these differ beyond the seed noise." if trend else
                      "neither moves with m beyond the seed noise: three numbers per face are too few to verify "
                      "strangers. The picture is about the sphere, the 512-d table about accuracy."))
    return "\n".join("- " + wrap(b, 116, "  ") for b in bullets)


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


def write_readme(path: Path = README, checkpoints=pretrained.CHECKPOINT_DIR) -> int:
    """Rewrite every generated block of ``path`` from the manifest (atomically); returns how many there are."""
    path = Path(path)
    text = path.read_text()
    if not _BLOCK.search(text):
        raise DataError(f"{path} holds no generated block")
    fresh = render_readme(text, checkpoints)
    if fresh != text:
        with atomic_path(path) as tmp:
            Path(tmp).write_text(fresh)
    return len(_BLOCK.findall(fresh))


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
    if args.check:
        fresh = render_readme(text)
        if fresh != text:
            stale = [m.group("name") for m in _BLOCK.finditer(text)
                     if m.group("body") != generate(m.group("name"))]
            print(f"{path}: generated blocks {stale} differ from the manifest; run python -m spheredemo.results "
                  f"--write", file=sys.stderr)
            return 1
        print(f"{path}: every generated block matches the manifest")
        return 0
    print(f"{path}: {write_readme(path)} generated blocks rewritten")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
