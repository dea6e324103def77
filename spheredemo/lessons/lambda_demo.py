"""Lesson 2's λ demonstration: does A-Softmax m = 4 train from the first step without λ, and with the paper's recipe?

Four short runs of the package's own training code (:func:`spheredemo.train.fit` with its callback) on 2D MNIST,
A-Softmax m = 4, from the same start: λ = 0 from the first step against λ annealed from 1000 to 0 by the middle of
the run, each with the package's recipe (Adam, the digit CNN's BatchNorm) and with the paper's optimiser (SGD with
momentum). Every 10 steps the callback records the batch loss and accuracy, λ, and the mean feature norm ‖x‖ of
fixed test digits; at the end, their features on the circle and the test accuracy.

``python -m spheredemo.lessons.lambda_demo`` records them into ``lambda_demo.npz`` beside this module (written
atomically), which the lesson reads, so it runs in seconds; :func:`record` with ``steps`` re-runs the recipe, live
(the lesson's button) or briefly (the tests). The digit CNN always has BatchNorm: the paper's net without it is not
one of the package's models, so what is shown is the paper's optimiser on the package's net.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

__all__ = ["RUNS", "DEMO_PATH", "DemoRun", "record", "load", "save", "summary", "main"]

DEMO_PATH = Path(__file__).with_name("lambda_demo.npz")
STEPS = 200  # optimiser steps of each recorded run (0.85 of an MNIST epoch at batch 256)
SHOWN_PER_CLASS = 50  # test digits per class whose ‖x‖ is followed and whose features are drawn
#: (name, label, TrainConfig fields): the four runs; everything else is the base recipe of :func:`config`
RUNS = (
    ("adam-lambda0", "Adam + BatchNorm, λ = 0 from step 0", dict(lambda_base=0.0)),
    ("adam-annealed", "Adam + BatchNorm, λ annealed 1000 → 0", dict(lambda_reach=0.5)),
    ("sgd-lambda0", "SGD (the paper's), λ = 0 from step 0", dict(lambda_base=0.0, optimizer="sgd", lr=0.01)),
    ("sgd-annealed", "SGD (the paper's), λ annealed 1000 → 0", dict(lambda_reach=0.5, optimizer="sgd", lr=0.01)),
)


def config(name: str, steps: int = STEPS, seed: int = 0):
    """The TrainConfig of run ``name`` (one of RUNS): 2D MNIST, A-Softmax m = 4, batch 256, ``steps`` steps."""
    from spheredemo.config import TrainConfig

    fields = dict(next(f for n, _, f in RUNS if n == name))
    return TrainConfig(dataset="mnist", dim=2, loss="asoftmax", m=4, batch_size=256, epochs=2, max_steps=steps,
                       lambda_min=0.0, seed=seed, device="cpu", head_bias=False, **fields)


@dataclass
class DemoRun:
    """What one run recorded: curves every 10 steps, and the shown test digits' features at the end."""

    name: str
    label: str
    step: np.ndarray  # (T,) optimiser steps of the records
    loss: np.ndarray  # (T,) batch loss
    accuracy: np.ndarray  # (T,) batch accuracy, plain cosines
    lam: np.ndarray  # (T,) λ of the step
    norm: np.ndarray  # (T,) mean ‖x‖ of the shown test digits
    features: np.ndarray  # (N, 2) the shown test digits' features after the last step
    labels: np.ndarray  # (N,)
    weight: np.ndarray  # (10, 2) the class weights after the last step
    test_accuracy: float  # share of the shown test digits classified right at the end (NaN if it diverged)
    config: dict  # the TrainConfig, as fields
    diverged: str = ""  # fit's message where the run diverged ("training stopped at step 1: ..."), else ""


def _data(data_root=None):
    from spheredemo.data import load_mnist

    return load_mnist("train", data_root), load_mnist("test", data_root).per_class(SHOWN_PER_CLASS, seed=1)


def record(names=None, steps: int = STEPS, data_root=None, on_record=None, should_stop=None) -> list[DemoRun]:
    """Train the runs ``names`` (default: all RUNS) for ``steps`` steps each and return what they recorded.

    ``on_record(name, curves)`` is called every 10 steps (a live display); ``should_stop()`` returning True stops.
    """
    from spheredemo.analysis import Embeddings
    from spheredemo.train import fit
    from spheredemo.train import TrainingDiverged

    train, shown = _data(data_root)
    runs = []
    for name, label, _ in RUNS:
        if names is not None and name not in names:
            continue
        cfg = config(name, steps)
        curves = {key: [] for key in ("step", "loss", "accuracy", "lam", "norm")}

        def callback(run, curves=curves, name=name):
            emb = Embeddings.from_model(run.model, run.head, shown)
            h = run.history
            for key, value in (("step", run.step), ("loss", h.loss[-1]), ("accuracy", h.accuracy[-1]),
                               ("lam", h.lam[-1]), ("norm", float(np.linalg.norm(emb.features, axis=1).mean()))):
                curves[key].append(float(value))
            if on_record is not None:
                on_record(name, curves, emb)
            return not (should_stop is not None and should_stop())

        try:
            run = fit(cfg, data=(train, shown), progress=False, callback=callback)
        except TrainingDiverged as exc:  # an outcome to show, not an error: where and why it stopped
            diverged = str(exc).split(" Likely cause")[0]
            emb = None
        else:
            diverged, emb = "", Embeddings.from_model(run.model, run.head, shown)
        runs.append(DemoRun(name, label, *(np.asarray(curves[k]) for k in ("step", "loss", "accuracy", "lam", "norm")),
                            np.zeros((0, 2)) if emb is None else emb.features,
                            shown.labels[:0] if emb is None else emb.labels,
                            np.zeros((0, 2)) if emb is None else emb.weight,
                            float("nan") if emb is None else float(emb.accuracy), asdict(cfg), diverged))
    return runs


def save(runs: list[DemoRun], path=DEMO_PATH) -> Path:
    """Write ``runs`` to ``path`` atomically (a .npz with the configs as JSON)."""
    from spheredemo.atomic import atomic_path

    arrays = {}
    for r in runs:
        for key in ("step", "loss", "accuracy", "lam", "norm", "features", "labels", "weight"):
            arrays[f"{r.name}/{key}"] = getattr(r, key)
    meta = [dict(name=r.name, label=r.label, test_accuracy=r.test_accuracy, config=r.config, diverged=r.diverged)
            for r in runs]
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            np.savez_compressed(f, meta=np.array(json.dumps(meta)), **arrays)
    return Path(path)


def load(path=DEMO_PATH) -> list[DemoRun]:
    """The recorded runs; a missing file is a FileNotFoundError naming the command that writes it."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: python -m spheredemo.lessons.lambda_demo records it")
    from spheredemo.config import TrainConfig

    with np.load(path) as data:
        meta = json.loads(str(data["meta"]))
        # through TrainConfig, as a checkpoint's config is read: a field added since the recording (init_from)
        # takes its default, which is what the recorded run did; an unknown field is an error naming it
        return [DemoRun(m["name"], m["label"], *(data[f"{m['name']}/{k}"] for k in
                                                  ("step", "loss", "accuracy", "lam", "norm", "features", "labels",
                                                   "weight")), m["test_accuracy"],
                        TrainConfig.from_dict(m["config"]).to_dict(), m["diverged"])
                for m in meta]


def summary(runs: list[DemoRun] | None = None) -> str:
    """One line per run, from the recorded numbers: last batch loss, test accuracy of the shown digits, ‖x‖."""
    runs = load() if runs is None else runs
    lines = []
    for r in runs:
        if r.diverged:
            lines.append(f"{r.label}: diverged, {r.diverged}")
        else:
            lines.append(f"{r.label}: after {int(r.step[-1])} steps batch loss {r.loss[-1]:.2f}, "
                         f"{100 * r.test_accuracy:.1f} % of {len(r.labels)} test digits right, mean ‖x‖ "
                         f"{r.norm[-1]:.1f} (from {r.norm[0]:.1f} at step {int(r.step[0])})")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m spheredemo.lessons.lambda_demo",
                                     description="Record lesson 2's λ demonstration (four short 2D MNIST runs).")
    parser.add_argument("--steps", type=int, default=STEPS, help=f"steps per run (default {STEPS})")
    parser.add_argument("--out", type=Path, default=DEMO_PATH, help="where to write the .npz")
    parser.add_argument("--data", default=None, help="folder with the MNIST files (else SPHEREDEMO_DATA, cache)")
    args = parser.parse_args(argv)
    runs = record(steps=args.steps, data_root=args.data)
    save(runs, args.out)
    print(summary(runs))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
