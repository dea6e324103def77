"""The faces' margin map: every loss family at several margins and scales, trained on 84 LFW identities and
verified on the 20 validation people of :mod:`spheredemo.validation` — never on the reported folds 1–3.

``python -m spheredemo.face_map --cells NAME ... --seeds 0`` trains the named cells (``--list`` shows them),
one at a time in this process, and writes one result per cell and seed, ``face_map/NAME-sSEED.json`` beside the
shipped checkpoints (atomically, after the run: a stopped run leaves no half result, and its checkpoint under
``--runs`` resumes). Every cell is the shipped face recipe (SphereFace-4, 64×64, SGD 0.05 cosine, batch 64,
flips/zooms/moves/turns, 4,900 steps, as many as a final run on 104 identities) but for the loss, its margin,
its scale and its λ schedule; A-Softmax cells reach their λ_min at 40 % of the run
(:meth:`spheredemo.margins.LambdaSchedule.reaching`).

The figures and the README only read these files (:func:`read_results`).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from spheredemo.atomic import atomic_path

__all__ = ["CELLS", "ADACOS_S", "MAP_STEPS", "LAMBDA_REACH", "FAMILIES", "MapPoint", "cell_config", "run_cell",
           "read_results", "map_points", "main"]

#: AdaCos's fixed scale s = √2·ln(C − 1) for the C = 104 classes of a final run (arXiv:1905.00292), 6.55
ADACOS_S = round(math.sqrt(2.0) * math.log(104 - 1), 2)
#: optimiser steps of every cell: those of a final run (49 batches of 64 of 3,103 images × 100 epochs)
MAP_STEPS = 4900
#: the fraction of the run at which an A-Softmax cell's λ reaches its λ_min
LAMBDA_REACH = 0.4
RESULTS_DIR = Path(__file__).resolve().parent / "checkpoints" / "face_map"


def _cells() -> dict[str, dict]:
    """name -> the loss settings of each cell (the rest is the shipped face recipe)."""
    cells = {"softmax": dict(loss="softmax"), "modified": dict(loss="modified"),
             "asoftmax-m1": dict(loss="asoftmax", m=1, lambda_min=0.0)}
    for m in (2, 3, 4):
        for lambda_min in (0, 1, 2, 5):
            cells[f"asoftmax-m{m}-lmin{lambda_min}"] = dict(loss="asoftmax", m=m, lambda_min=float(lambda_min))
    # bfloat16 autocast (benchmarks/bench_faces.py: faster on an AVX-512 BF16 CPU): does it keep the accuracy?
    cells["softmax-bf16"] = dict(loss="softmax", autocast="bf16")
    cells["asoftmax-m4-lmin5-bf16"] = dict(loss="asoftmax", m=4, lambda_min=5.0, autocast="bf16")
    for s, s_name in ((ADACOS_S, "adacos"), (16.0, "16"), (30.0, "30")):
        cells[f"normsoftmax-s{s_name}"] = dict(loss="cosface", m=0.0, s=s)  # cos θ scaled, no margin
        for m in (0.1, 0.2, 0.35):
            cells[f"cosface-m{m}-s{s_name}"] = dict(loss="cosface", m=m, s=s)
        for m in (0.1, 0.2, 0.3, 0.5):
            cells[f"arcface-m{m}-s{s_name}"] = dict(loss="arcface", m=m, s=s)
    return cells


#: name -> TrainConfig overrides of each cell of the map
CELLS = _cells()


def cell_config(name: str, seed: int = 0, holdout: str = "validation"):
    """The :class:`~spheredemo.config.TrainConfig` of a cell: the shipped face recipe with the cell's loss,
    trained for :data:`MAP_STEPS` steps on the training identities less the validation people."""
    from spheredemo.config import TrainConfig
    from spheredemo.pretrained import RECIPES

    if name not in CELLS:
        raise ValueError(f"no map cell named {name!r}; the cells are {sorted(CELLS)}")
    recipe = dict(RECIPES["lfw-d512-asoftmax-m4"])
    for key in ("loss", "m", "s", "lambda_gamma", "lambda_min"):
        recipe.pop(key, None)
    cell = dict(CELLS[name])
    if cell["loss"] == "asoftmax":
        cell["lambda_reach"] = LAMBDA_REACH
    # as many steps as a final run, whatever the number of images: epochs enough, capped by max_steps
    return TrainConfig(**dict(recipe, **cell, seed=seed, holdout=holdout, epochs=1000, max_steps=MAP_STEPS))


def run_cell(name: str, seed: int, data_root=None, runs_dir: Path = Path("runs/face_map"),
             out_dir: Path = RESULTS_DIR, progress: bool = False) -> dict:
    """Train one cell (resuming its checkpoint in ``runs_dir``), verify it on the validation pairs and write
    ``out_dir/NAME-sSEED.json``; returns what it wrote."""
    from spheredemo.lfw import evaluation_pairs, verify_run
    from spheredemo.train import final_margin, fit

    config = cell_config(name, seed)
    runs_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    run = fit(config, checkpoint=runs_dir / f"{name}-s{seed}.pt", resume=True, data_root=data_root,
              progress=progress)
    pairs = evaluation_pairs(run, root=data_root)  # the validation people (holdout="validation")
    result = verify_run(run, pairs)
    final = final_margin(run)
    record = {
        "cell": name, "seed": seed, "loss": config.loss, "m": config.m, "s": config.s,
        "lambda_min": config.lambda_min if config.loss == "asoftmax" else None,
        "final_lambda": final[0] if final else None, "m_eff_90deg": final[1].m_eff if final else None,
        "val_accuracy": result.mean, "val_fold_std": result.std, "val_auc": result.auc,
        "val_fold_accuracy": [float(a) for a in result.accuracies], "val_pairs": len(pairs),
        "train_identities": len(run.classes), "steps": run.step, "train_seconds": round(run.seconds, 1),
        "wall_seconds": round(time.perf_counter() - started, 1), "config": config.to_dict(),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    with atomic_path(out_dir / f"{name}-s{seed}.json") as tmp:
        Path(tmp).write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    return record


def read_results(out_dir: Path = RESULTS_DIR) -> list[dict]:
    """Every recorded cell result, sorted by cell and seed (empty when the map has not been run)."""
    return sorted((json.loads(p.read_text()) for p in Path(out_dir).glob("*-s*.json")),
                  key=lambda r: (r["cell"], r["seed"]))


#: the family of each loss of the map, as its figures group the cells
FAMILIES = {"softmax": "softmax", "modified": "modified softmax", "asoftmax": "A-Softmax", "cosface": "CosFace",
            "arcface": "ArcFace"}


@dataclass(frozen=True)
class MapPoint:
    """One cell of the map over its seeds: its family, margin and scale, the binary angular margin it trained
    with at θ12 = 90° (degrees), and its validation accuracy (%) and AUC, mean ± std over seeds."""

    cell: str
    family: str  # softmax, modified softmax, normalised softmax, A-Softmax, CosFace, ArcFace
    m: float | None
    s: float | None
    lambda_min: float | None
    margin_deg: float  # the binary margin at θ12 = 90°, degrees (0 for the losses without a margin)
    m_eff: float | None  # A-Softmax: the m of an unblended A-Softmax with that margin (margins.effective_margin)
    accuracy: tuple  # (mean, std) over seeds, %
    auc: tuple  # (mean, std) over seeds
    seeds: int
    autocast: str = "off"  # bf16: a speed check of the same cell, not a cell of the map's grid


def _mean_std(values) -> tuple[float, float]:
    """Mean and sample std (ddof=1; 0 for one seed), as :class:`spheredemo.results.SeedSpread` counts them."""
    return float(values.mean()), float(values.std(ddof=1)) if len(values) > 1 else 0.0


def map_points(results=None) -> list[MapPoint]:
    """The map's cells with their effective binary margin at θ12 = 90°: A-Softmax through its final λ
    (:func:`spheredemo.margins.effective_margin`), CosFace and ArcFace by the closed forms of
    :func:`spheredemo.margin_zoo.binary_margin_deg`; the normalised softmax, softmax and modified softmax 0."""
    import numpy as np

    from spheredemo.margin_zoo import binary_margin_deg
    from spheredemo.margins import effective_margin

    results = read_results() if results is None else results
    cells: dict[str, list] = {}
    for record in results:
        cells.setdefault(record["cell"], []).append(record)
    points = []
    for cell in [c for c in CELLS if c in cells]:
        runs, first = cells[cell], cells[cell][0]
        loss, m = first["loss"], first["m"]
        m_eff = None
        if loss == "asoftmax":
            blended = effective_margin(m, first["final_lambda"], 90.0)
            margin, m_eff = blended.margin, blended.m_eff
        elif loss in ("cosface", "arcface") and m:
            margin = binary_margin_deg(loss, 90.0, m)
        else:
            margin = 0.0
        family = "normalised softmax" if loss == "cosface" and not m else FAMILIES[loss]
        accuracy = np.array([100 * r["val_accuracy"] for r in runs])
        auc = np.array([r["val_auc"] for r in runs])
        points.append(MapPoint(cell, family, m, first["s"], first["lambda_min"], float(margin), m_eff,
                               _mean_std(accuracy), _mean_std(auc), len(runs),
                               first.get("config", {}).get("autocast", "off")))
    return points


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m spheredemo.face_map", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cells", nargs="+", default=[], help="cells to train (see --list)")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0], help="training seeds of each cell")
    parser.add_argument("--data", default=None, help="the LFW copy (default $SPHEREDEMO_DATA/faces/lfw)")
    parser.add_argument("--runs", default="runs/face_map", help="folder of the cells' checkpoints (resumed)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    parser.add_argument("--redo", action="store_true", help="train a cell again although its result exists")
    parser.add_argument("--list", action="store_true", help="print the cells and the recorded results")
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if args.list:
        done = {(r["cell"], r["seed"]): r for r in read_results()}
        for name, cell in CELLS.items():
            seeds = [f"s{s}: {100 * r['val_accuracy']:.2f} %" for (n, s), r in sorted(done.items()) if n == name]
            print(f"{name:28s} {cell}  {'; '.join(seeds)}")
        return 0
    unknown = [c for c in args.cells if c not in CELLS]
    if unknown:
        print(f"error: unknown cells {unknown}; see --list", file=sys.stderr)
        return 2
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    for name in args.cells:
        for seed in args.seeds:
            if (RESULTS_DIR / f"{name}-s{seed}.json").exists() and not args.redo:
                print(f"{name} seed {seed}: recorded, skipped (--redo trains it again)", flush=True)
                continue
            record = run_cell(name, seed, args.data, Path(args.runs))
            print(f"{name} seed {seed}: validation {100 * record['val_accuracy']:.2f} ± "
                  f"{100 * record['val_fold_std']:.2f} %, AUC {record['val_auc']:.4f}, "
                  f"{record['train_seconds']:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
