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
           "read_results", "map_points", "CHOSEN_FOR", "FAILED_AUC", "failed_cells", "chosen_cells", "validation_cells",
           "cell_spread", "main"]

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
    # The recipe users of the official code report for m = 4 beyond CASIA: m = 1 first (the cell above), then the
    # margin from its weights at a fifth of the learning rate, for half a run more (wy1iu/sphereface 14, 74, 78)
    cells["asoftmax-m4-from-m1"] = dict(loss="asoftmax", m=4, lambda_min=2.0, lr=0.01, init_cell="asoftmax-m1",
                                        max_steps=MAP_STEPS // 2)
    # The training length and the weight decay, chosen on folds 1–3 earlier, checked on validation at the best
    # cell of the λ grid: L2 1e-3, 3e-3 and 3e-2 beside the recipe's 1e-2; half and one and a half runs
    for weight_decay in (1e-3, 3e-3, 3e-2):
        cells[f"asoftmax-m2-lmin1-wd{weight_decay:g}"] = dict(loss="asoftmax", m=2, lambda_min=1.0,
                                                             weight_decay=weight_decay)
    for steps in (MAP_STEPS // 2, MAP_STEPS * 3 // 2):
        cells[f"asoftmax-m2-lmin1-steps{steps}"] = dict(loss="asoftmax", m=2, lambda_min=1.0, max_steps=steps)
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


def cell_config(name: str, seed: int = 0, holdout: str = "validation", runs_dir: Path = Path("runs/face_map")):
    """The :class:`~spheredemo.config.TrainConfig` of a cell: the shipped face recipe with the cell's loss,
    trained for :data:`MAP_STEPS` steps (unless the cell says otherwise) on the training identities less the
    validation people. A cell with an ``init_cell`` starts from that cell's checkpoint of the same seed in
    ``runs_dir`` (``init_from``)."""
    from spheredemo.config import TrainConfig
    from spheredemo.recipes import RECIPES

    if name not in CELLS:
        raise ValueError(f"no map cell named {name!r}; the cells are {sorted(CELLS)}")
    recipe = dict(RECIPES["lfw-d512-softmax"])  # the face recipe; the cell sets the loss
    for key in ("loss", "m", "s", "lambda_gamma", "lambda_min", "lambda_reach"):
        recipe.pop(key, None)
    cell = dict(CELLS[name])
    if cell["loss"] == "asoftmax":
        cell["lambda_reach"] = LAMBDA_REACH
    init_cell = cell.pop("init_cell", None)
    if init_cell is not None:
        cell["init_from"] = str(Path(runs_dir) / f"{init_cell}-s{seed}.pt")
    # as many steps as a final run, whatever the number of images: epochs enough, capped by max_steps
    return TrainConfig(**dict(recipe, **dict(dict(max_steps=MAP_STEPS), **cell), seed=seed, holdout=holdout,
                              epochs=1000))


def run_cell(name: str, seed: int, data_root=None, runs_dir: Path = Path("runs/face_map"),
             out_dir: Path = RESULTS_DIR, progress: bool = False) -> dict:
    """Train one cell (resuming its checkpoint in ``runs_dir``), verify it on the validation pairs and write
    ``out_dir/NAME-sSEED.json``; returns what it wrote."""
    from spheredemo.lfw import evaluation_pairs, verify_run
    from spheredemo.train import final_margin, fit

    config = cell_config(name, seed, runs_dir=runs_dir)
    if config.init_from is not None and not Path(config.init_from).is_file():
        raise FileNotFoundError(f"cell {name} starts from {config.init_from}, which is not there: train cell "
                                f"{CELLS[name]['init_cell']} with seed {seed} first (same --runs)")
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
    probe: bool = False  # another setting of a grid cell (bf16, weight decay, length, a warm start): off the grid

    @property
    def on_grid(self) -> bool:
        """Whether the map's figures draw it: the grid's cells, not the probes of one of them (a bf16 cell is a
        probe too: autocast is no setting of the grid)."""
        return not self.probe


def _mean_std(values) -> tuple[float, float]:
    """Mean and sample std (ddof=1; 0 for one seed), as :class:`spheredemo.seed_noise.SeedSpread` counts them."""
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
                               first.get("config", {}).get("autocast", "off"), is_probe(cell)))
    return points


#: the settings a cell of the map's grid may set; a cell setting anything else is a probe of a grid cell
GRID_SETTINGS = frozenset({"loss", "m", "s", "lambda_min"})


def is_probe(cell: str) -> bool:
    """Whether ``cell`` checks another setting of a grid cell (weight decay, run length, bf16, a warm start)."""
    return not CELLS[cell].keys() <= GRID_SETTINGS


#: the families whose settings the map chooses, and the recipe each choice sets: A-Softmax per m (its λ_min),
#: CosFace and ArcFace (their s and m); softmax, modified softmax, m = 1 and the normalised softmax have one cell
CHOSEN_FOR = {"asoftmax-m2": "lfw-d512-asoftmax-m2", "asoftmax-m3": "lfw-d512-asoftmax-m3",
              "asoftmax-m4": "lfw-d512-asoftmax-m4", "cosface": "lfw-d512-cosface", "arcface": "lfw-d512-arcface"}


def _choice_family(cell: str) -> str | None:
    settings = CELLS[cell]
    if set(settings) - {"loss", "m", "s", "lambda_min"}:
        return None  # a speed check (bf16) or a probe of the rest of the recipe, not a loss setting to choose
    if settings["loss"] == "asoftmax" and settings["m"] >= 2:
        return f"asoftmax-m{settings['m']}"
    if settings["loss"] in ("cosface", "arcface") and settings.get("m"):
        return settings["loss"]
    return None


#: a run whose validation AUC is below this failed to train (0.5 is chance): its cell is not a usable setting
FAILED_AUC = 0.7


def failed_cells(results=None) -> set[str]:
    """The cells with a seed that failed to train (validation AUC below :data:`FAILED_AUC`)."""
    results = read_results() if results is None else results
    return {r["cell"] for r in results if r["val_auc"] < FAILED_AUC}


def chosen_cells(results=None) -> dict[str, str]:
    """family -> the cell the map chooses for it (keys of :data:`CHOSEN_FOR`): the best validation accuracy of
    seed 0, the one seed every cell has (ties: the higher AUC), among the cells none of whose seeds failed to
    train (:func:`failed_cells`). The chosen cells then train seeds 1 and 2 too: a chosen cell that fails on one
    of them is no setting to ship, and the next cell takes its place (and its seeds); otherwise the extra seeds
    report the spread and choose nothing (a choice remade on the winners' extra seeds would favour the cells that
    happened to get them)."""
    results = read_results() if results is None else results
    first = {r["cell"]: r for r in results if r["seed"] == 0}
    failed = failed_cells(results)
    best: dict[str, str] = {}
    for cell in CELLS:
        family = _choice_family(cell)
        if family is None or cell not in first or cell in failed:
            continue
        score = (first[cell]["val_accuracy"], first[cell]["val_auc"])
        if family not in best or score > (first[best[family]]["val_accuracy"], first[best[family]]["val_auc"]):
            best[family] = cell
    return best


#: the shipped 512-d recipes with nothing to choose, and the map cell that trains each on validation
_CONTROL_CELLS = {"lfw-d512-softmax": "softmax", "lfw-d512-modified": "modified", "lfw-d512-asoftmax-m1": "asoftmax-m1"}


def validation_cells(results=None) -> dict[str, str]:
    """shipped 512-d recipe name -> the map cell that is its setting on validation (the chosen cell of its family,
    or the one cell of softmax, modified softmax and m = 1): the validation column of the results tables."""
    chosen = chosen_cells(results)
    return {**_CONTROL_CELLS, **{CHOSEN_FOR[family]: cell for family, cell in chosen.items()}}


def cell_spread(cell: str, results=None) -> tuple[float, float, int] | None:
    """Validation accuracy (%) of a cell over its recorded seeds: (mean, sample std, seeds), None if not run."""
    import numpy as np

    results = read_results() if results is None else results
    values = np.array([100 * r["val_accuracy"] for r in results if r["cell"] == cell])
    if not len(values):
        return None
    return (*_mean_std(values), len(values))


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
            try:
                record = run_cell(name, seed, args.data, Path(args.runs))
            except FileNotFoundError as exc:  # a cell that starts from another cell's checkpoint
                print(f"error: {exc}", file=sys.stderr)
                return 1
            print(f"{name} seed {seed}: validation {100 * record['val_accuracy']:.2f} ± "
                  f"{100 * record['val_fold_std']:.2f} %, AUC {record['val_auc']:.4f}, "
                  f"{record['train_seconds']:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
