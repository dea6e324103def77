"""Latency of one slider change in the explorers, in the kernel (no browser): median per change.

Targets (issue 4): analytic explorers < 50 ms (the margin zoo's too, issue 19); a checkpoint swap in the embedding
explorer < 150 ms once its embeddings are computed (each model is visited once before timing). The time
covers the whole update: the math, moving the artists, rendering the PNG and the plotly update.

    python benchmarks/bench_widgets.py [--rounds 5] [--fake]

``--fake`` times the embedding explorer on synthetic 10,000-point embeddings instead of the
shipped checkpoints (used automatically when no checkpoints ship).
"""

import argparse
import statistics
import time

import numpy as np

from spheredemo.analysis import Embeddings
from spheredemo.widgets import MODEL_CHOICES, boundary_explorer, embedding_explorer, margin_explorer, psi_explorer


def time_changes(explorer, name, values, rounds):
    """Median seconds per change of control ``name`` over ``values``, repeated ``rounds`` times."""
    control = explorer.controls[name]
    times = []
    for _ in range(rounds):
        for value in values:
            start = time.perf_counter()
            control.value = value
            times.append(time.perf_counter() - start)
    assert explorer.message.value == "", explorer.message.value
    return statistics.median(times), len(times)


def fake_loader(key, per_class=1000):
    dim, loss, m = key.dim, key.loss, key.m
    rng = np.random.default_rng(dim * 10 + (m or 0) + len(loss))
    weight = rng.normal(size=(10, dim))
    labels = np.repeat(np.arange(10), per_class)
    features = 4 * weight[labels] + rng.normal(scale=1.0 / (m or 0.7), size=(len(labels), dim))
    return Embeddings(features, labels, weight, np.argmax(features @ weight.T, 1), None, loss)


def checkpoints_ship() -> bool:
    try:
        from spheredemo import pretrained
    except ImportError:
        return False
    return all(
        pretrained.ModelKey("mnist", d).with_loss(model).name in pretrained.manifest()
        for d in (2, 3)
        for _, model in MODEL_CHOICES
    )


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5, help="passes over each slider's values")
    parser.add_argument(
        "--fake",
        action="store_true",
        help="synthetic embeddings instead of the shipped checkpoints",
    )
    args = parser.parse_args()
    rows = []
    boundary = boundary_explorer()
    rows.append(("boundary: m", *time_changes(boundary, "m", [1, 2, 3, 4, 5, 6], args.rounds), 50))
    rows.append(
        (
            "boundary: θ12",
            *time_changes(boundary, "theta12", [30, 60, 90, 120, 150, 180], args.rounds),
            50,
        )
    )
    psi = psi_explorer()
    rows.append(("ψ: m", *time_changes(psi, "m", [1, 2, 3, 4, 5, 6], args.rounds), 50))
    rows.append(
        ("ψ: λ", *time_changes(psi, "lam", [0.0, 1.0, 5.0, 20.0, 100.0, 1000.0], args.rounds), 50)
    )
    rows.append(
        ("ψ: γ", *time_changes(psi, "gamma", [0.01, 0.03, 0.12, 0.5, 1.0, 5.0], args.rounds), 50)
    )
    zoo = margin_explorer()  # the margin zoo: four panels, the selected family on the circle
    rows.append(("margin zoo: family", *time_changes(zoo, "family", ["asoftmax", "cosface", "arcface"],
                                                     args.rounds), 50))
    rows.append(("margin zoo: ArcFace m", *time_changes(zoo, "arcface_m", [0.1, 0.3, 0.5, 0.7, 0.9, 1.1],
                                                        args.rounds), 50))
    rows.append(("margin zoo: θ12", *time_changes(zoo, "theta12", [30, 60, 90, 120, 150, 180], args.rounds), 50))
    zoo.set(family="asoftmax")
    rows.append(("margin zoo: λ", *time_changes(zoo, "lam", [0.0, 1.0, 5.0, 20.0, 100.0], args.rounds), 50))
    fake = args.fake or not checkpoints_ship()
    models = [value for _, value in MODEL_CHOICES]
    for dim in (2, 3):
        emb = embedding_explorer(dim=dim, load=fake_loader if fake else None)
        for model in models:  # compute (and cache) every model's embeddings first
            emb.controls["model"].value = model
        source = "synthetic" if fake else "shipped"
        rows.append(
            (
                f"embedding {dim}D swap ({source})",
                *time_changes(emb, "model", models, args.rounds),
                150,
            )
        )
    print(f"median latency per slider change in the kernel, {args.rounds} rounds")
    print(f"{'change':32s} {'n':>4s} {'median ms':>10s} {'target ms':>10s} {'median/target':>14s}")
    for name, median, n, target in rows:
        print(
            f"{name:32s} {n:4d} {1000 * median:10.1f} {target:10d} {1000 * median / target:14.2f}"
        )


if __name__ == "__main__":
    main()
