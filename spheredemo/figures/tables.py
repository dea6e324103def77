"""The results tables written beside the figures (results.csv/md, results_faces.csv/md) and the captions' rows.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from spheredemo import analysis, pretrained
from spheredemo.atomic import atomic_path
from spheredemo.keys import SWEEP, ModelKey
from spheredemo.results import FACE_3D_MODELS, FACE_MODELS, PAPER_TABLE3, face_seed_stats, seed_spread
from spheredemo.train import final_margin

from spheredemo.figures._registry import Context, FIGURES
from spheredemo.figures.mnist import _median_abs_logit


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
