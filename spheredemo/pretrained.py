"""Trained MNIST checkpoints shipped inside the package, and the recipe that retrains them.

``load(dataset, dim, loss, m=None)`` returns ``(model, head)`` from the package's own files:
it never downloads and loads with ``weights_only=True`` (no code in a file is executed).
``python -m spheredemo.pretrained`` retrains every checkpoint (GPU if present) and rewrites
``checkpoints/manifest.json`` with config, seed, data checksum, accuracy, device and time.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import hashlib
import json
import time
from pathlib import Path

import numpy as np
import torch

from spheredemo.atomic import atomic_path
from spheredemo.config import TrainConfig
from spheredemo.data import MNIST_FILES, find_mnist_dir, load_mnist
from spheredemo.train import Run, fit, load_checkpoint, select_device

__all__ = ["RECIPES", "CHECKPOINT_DIR", "name_of", "load", "load_run", "manifest", "retrain", "embeddings",
           "cache_test_features",
           "test_embeddings"]

CHECKPOINT_DIR = Path(__file__).resolve().parent / "checkpoints"

#: Shared by every recipe: the m sweep differs only in loss and m, so the figures compare like with like.
_BASE = dict(dataset="mnist", epochs=10, batch_size=256, optimizer="adam", lr=3e-3, lr_schedule="cosine",
             weight_decay=5e-4, lambda_gamma=0.5, lambda_min=0.0, width=16, augment_shift=2, seed=0)


def name_of(dim: int, loss: str, m=None, variant: str | None = None) -> str:
    """Checkpoint name, e.g. ``mnist-d2-asoftmax-m4`` or ``mnist-d2-softmax-nobias``."""
    name = f"mnist-d{dim}-{loss}" + (f"-m{m}" if loss == "asoftmax" else "")
    return name + (f"-{variant}" if variant else "")


def _recipes() -> dict[str, dict]:
    recipes = {}
    for dim in (2, 3):
        recipes[name_of(dim, "softmax")] = dict(_BASE, dim=dim, loss="softmax", m=None)
        recipes[name_of(dim, "modified")] = dict(_BASE, dim=dim, loss="modified", m=None)
        for m in (1, 2, 3, 4):
            recipes[name_of(dim, "asoftmax", m)] = dict(_BASE, dim=dim, loss="asoftmax", m=m)
    # Appendix figures (2D): the last ReLU (Fig. 8), no bias (Fig. 11), class imbalance (Fig. 9).
    # (Fig. 8 uses the modified softmax: an A-Softmax m=4 head behind a ReLU collapses to chance.)
    recipes[name_of(2, "modified", None, "relu")] = dict(_BASE, dim=2, loss="modified", m=None, last_relu=True,
                                                         epochs=4)
    recipes[name_of(2, "softmax", None, "nobias")] = dict(_BASE, dim=2, loss="softmax", m=None,
                                                          head_bias=False, embedding_bias=False, epochs=4)
    recipes[name_of(2, "softmax", None, "imbalanced")] = dict(_BASE, dim=2, loss="softmax", m=None,
                                                              imbalance=0.05, epochs=4)
    return recipes


#: name -> TrainConfig keyword arguments; ``python -m spheredemo.pretrained`` trains them all.
RECIPES = _recipes()


def manifest(directory: Path = CHECKPOINT_DIR) -> dict:
    """The manifest of the checkpoints in ``directory`` (name -> facts about its training)."""
    path = Path(directory) / "manifest.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def load_run(name: str, directory: Path = CHECKPOINT_DIR, device="cpu") -> Run:
    """The full :class:`~spheredemo.train.Run` (model, head, config, history) of a checkpoint."""
    path = Path(directory) / f"{name}.pt"
    if not path.is_file():
        known = sorted(p.stem for p in Path(directory).glob("*.pt"))
        raise ValueError(f"no shipped checkpoint named {name!r}; available: {known}")
    return load_checkpoint(path, device)


def load(dataset: str = "mnist", dim: int = 2, loss: str = "asoftmax", m=None, variant: str | None = None,
         device="cpu"):
    """``(model, head)`` of a shipped checkpoint, in eval mode.

    The model maps float images in [0, 1] of shape (B, 1, 28, 28) to embeddings (B, dim);
    the head has ``weight`` (C, dim). ``loss`` is softmax, modified or asoftmax (m = 1..4);
    ``variant`` is one of relu, nobias, imbalanced for the appendix models.
    """
    if dataset != "mnist":
        raise ValueError(f"shipped checkpoints exist for dataset 'mnist' only, got {dataset!r}")
    if loss == "asoftmax" and m is None:
        m = 4
    if loss != "asoftmax" and m is not None:
        raise ValueError(f"m applies to loss='asoftmax' only; got m={m!r} with loss={loss!r}")
    name = name_of(dim, loss, m, variant)
    if name not in RECIPES:
        raise ValueError(f"no shipped checkpoint for dim={dim}, loss={loss!r}, m={m!r}, variant={variant!r}; "
                         f"available: {sorted(RECIPES)}")
    run = load_run(name, device=device)
    return run.model, run.head


@functools.lru_cache(maxsize=64)
def embeddings(name: str, split: str = "test", per_class: int | None = None, directory: Path = CHECKPOINT_DIR):
    """Cached :class:`~spheredemo.analysis.Embeddings` of an MNIST split under checkpoint ``name``.

    ``per_class`` keeps a fixed balanced subset (seed 0) of that many images per class. The
    whole test set's features ship beside each checkpoint (``NAME.test.npz``, checked against
    the checkpoint's sha256), so figures and explorers need not run 10,000 images through it.
    """
    from spheredemo.analysis import Embeddings

    run = load_run(name, directory)
    images = load_mnist(split)
    if per_class is not None:
        images = images.per_class(per_class, seed=0)
    elif split == "test":
        features = _shipped_test_features(name, Path(directory))
        if features is not None:
            return Embeddings.from_features(features, images.labels, run.head, name)
    return Embeddings.from_model(run.model, run.head, images, name=name)


def _shipped_test_features(name: str, directory: Path):
    """The cached test-set features of checkpoint ``name``, or None if absent or stale."""
    path = directory / f"{name}.test.npz"
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as cached:
        if str(cached["checkpoint_sha256"]) != manifest(directory).get(name, {}).get("file_sha256"):
            return None
        return cached["features"]


def cache_test_features(names=None, directory: Path = CHECKPOINT_DIR, data_root=None) -> None:
    """Write ``NAME.test.npz``: the MNIST test features of each checkpoint and its sha256."""
    from spheredemo.train import embed

    test = load_mnist("test", data_root)
    directory = Path(directory)
    for name in names or manifest(directory):
        run = load_run(name, directory)
        features = embed(run.model, test).numpy().astype(np.float32)
        with atomic_path(directory / f"{name}.test.npz") as tmp:
            with open(tmp, "wb") as f:
                np.savez_compressed(f, features=features,
                                    checkpoint_sha256=np.array(_sha256(directory / f"{name}.pt")))
    embeddings.cache_clear()


def test_embeddings(dim: int = 2, loss: str = "asoftmax", m=None, variant: str | None = None,
                    per_class: int | None = None, split: str = "test"):
    """Cached :class:`~spheredemo.analysis.Embeddings` of the MNIST test set under a shipped model."""
    if loss == "asoftmax" and m is None:
        m = 4
    return embeddings(name_of(dim, loss, m, variant), split, per_class)


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _write_json_atomic(path: Path, data: dict) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def _device_label(name: str) -> str:
    """e.g. ``cpu`` or ``cuda (NVIDIA H100 80GB HBM3)`` for the manifest."""
    device = select_device(name)
    return f"{device} ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else str(device)


def retrain(names=None, directory: Path = CHECKPOINT_DIR, device: str = "auto", quick: bool = False,
            data_root=None, progress: bool = True) -> dict:
    """Train the named recipes (default: all) and record them in the manifest.

    ``quick`` trains 30 steps on a tiny subset (for smoke tests, not for shipping; it refuses
    to write into the package's own checkpoint folder).
    Checkpoints are written atomically and without optimiser state (well under 1 MB each).
    """
    from spheredemo.train import evaluate, load_training_data, save_checkpoint

    if quick and Path(directory).resolve() == CHECKPOINT_DIR.resolve():
        raise ValueError("quick retraining would overwrite the shipped checkpoints; pass another directory")
    names = list(RECIPES) if names is None else list(names)
    unknown = sorted(set(names) - set(RECIPES))
    if unknown:
        raise ValueError(f"unknown recipe names {unknown}; known: {sorted(RECIPES)}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    if find_mnist_dir(data_root) is None:
        load_mnist("test", data_root)  # downloads the files, or says where to put them
    folder = find_mnist_dir(data_root)
    data_sha = _sha256(folder / next(iter(MNIST_FILES)))
    for name in names:
        values = dict(RECIPES[name], device=device)
        if quick:
            values.update(epochs=1, max_steps=30, per_class=values.get("per_class") or 100)
        config = TrainConfig(**values)
        train, test = load_training_data(config, data_root)
        started = time.perf_counter()
        run = fit(config, progress=progress, data=(train, test))
        seconds = time.perf_counter() - started
        path = save_checkpoint(run, directory / f"{name}.pt")
        entry = {
            "config": config.to_dict(),
            "seed": config.seed,
            "data_sha256": data_sha,
            "train_images": len(train),
            "class_counts": torch.bincount(train.labels, minlength=10).tolist(),
            "test_accuracy": evaluate(run.model, run.head, test),
            "device": _device_label(device),
            "torch": torch.__version__,
            "threads": torch.get_num_threads(),
            "train_seconds": round(seconds, 1),
            "steps": run.step,
            "file_sha256": _sha256(path),
            "trained_on": datetime.date.today().isoformat(),
            "quick": quick,
        }
        current = manifest(directory)  # re-read: another process may have added entries meanwhile
        current[name] = entry
        _write_json_atomic(directory / "manifest.json", current)
        cache_test_features([name], directory, data_root)
    return manifest(directory)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m spheredemo.pretrained",
        description="Retrain the shipped MNIST checkpoints from their recipes (GPU if present).",
    )
    parser.add_argument("--only", nargs="+", metavar="NAME", help="recipes to train (default: all; see --list)")
    parser.add_argument("--out", default=str(CHECKPOINT_DIR), help="folder for the checkpoints and manifest.json")
    parser.add_argument("--device", default="auto", help="auto (cuda if present), cpu, cuda, ...")
    parser.add_argument("--quick", action="store_true", help="30 steps on a tiny subset (a smoke test)")
    parser.add_argument("--data", default=None, help="MNIST folder (default: $SPHEREDEMO_DATA, cache, download)")
    parser.add_argument("--list", action="store_true", help="print the recipe names and exit")
    parser.add_argument("--features-only", action="store_true",
                        help="only recompute the cached test-set features (NAME.test.npz) of existing checkpoints")
    args = parser.parse_args(argv)
    if args.list:
        for name, values in RECIPES.items():
            print(f"{name:32s} {values['loss']:9s} m={values['m']} dim={values['dim']} epochs={values['epochs']}")
        return 0
    if args.features_only:
        cache_test_features(args.only, Path(args.out), args.data)
        return 0
    if args.quick and Path(args.out).resolve() == CHECKPOINT_DIR.resolve():
        parser.error("--quick trains 30-step smoke-test models: give --out DIR so the shipped checkpoints stay")
    try:
        result = retrain(args.only, Path(args.out), args.device, args.quick, args.data)
    except ValueError as exc:
        parser.error(str(exc))
    for name in args.only or RECIPES:
        entry = result[name]
        print(f"{name:32s} test accuracy {entry['test_accuracy']:.4f}  "
              f"{entry['train_seconds']:7.1f} s  {entry['device']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
