"""Files shipped beside the checkpoints so the deck and the figures build with no data set on disk.

``python -m spheredemo.offline_assets`` writes them (it needs MNIST once, on the machine that ships the
package); :func:`train_subset` and :func:`training_movie` read them back. Fig. 12's training panels: the features of a
fixed balanced subset of the MNIST *training* set (500 images per digit, ``ImageSet.per_class(500, seed=0)``,
the subset ``figures`` has always drawn) under each 2D A-Softmax checkpoint, ``NAME.train500.npz``. Each file
records the sha256 of the checkpoint it was computed from; a file that belongs to another checkpoint is a
:class:`~spheredemo.pretrained.StaleCache` error naming the command that rewrites it. The training movie
(``training_movie.npz``): 2D MNIST features of a fixed test subset on the circle for m = 1 and m = 4 as they
train, one frame every 10 optimiser steps, recorded by :func:`spheredemo.train.fit`'s own callback during a real
run (the training explorer's recipe: 300 images per digit, width 8, batch 128, λ from 1000 to near 5 half-way).
Every file is written atomically (:mod:`spheredemo.atomic`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from spheredemo.analysis import Embeddings
from spheredemo.atomic import atomic_path
from spheredemo.pretrained import CHECKPOINT_DIR, StaleCache, _read_cache, load_run, manifest

__all__ = ["TRAIN_SUBSET_PER_CLASS", "TRAIN_SUBSET_MODELS", "train_subset_path", "train_subset",
           "write_train_subset", "COMMAND", "MOVIE_PATH", "MOVIE_MS", "record_training", "write_training_movie",
           "training_movie", "main"]

TRAIN_SUBSET_PER_CLASS = 500  # images per digit of the training subset Fig. 12 draws
TRAIN_SUBSET_SEED = 0
#: the checkpoints whose training-subset features ship (Fig. 12's four panels)
TRAIN_SUBSET_MODELS = tuple(f"mnist-d2-asoftmax-m{m}" for m in (1, 2, 3, 4))
COMMAND = "python -m spheredemo.offline_assets --only {name}"


def train_subset_path(name: str, directory: Path = CHECKPOINT_DIR) -> Path:
    return Path(directory) / f"{name}.train{TRAIN_SUBSET_PER_CLASS}.npz"


def write_train_subset(name: str, directory: Path = CHECKPOINT_DIR, root=None) -> Path:
    """Compute and write ``NAME.train500.npz`` (features, labels, checkpoint_sha256); needs MNIST."""
    from spheredemo.data import load_mnist

    directory = Path(directory)
    sha = manifest(directory).get(name, {}).get("file_sha256")
    if sha is None:
        raise ValueError(f"{name} is not in {directory / 'manifest.json'}; known: {sorted(manifest(directory))}")
    run = load_run(name, directory)
    images = load_mnist("train", root=root).per_class(TRAIN_SUBSET_PER_CLASS, seed=TRAIN_SUBSET_SEED)
    emb = Embeddings.from_model(run.model, run.head, images, name=name)
    path = train_subset_path(name, directory)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:  # np.savez on a path would append ".npz" to the temp name
            np.savez_compressed(f, features=emb.features.astype(np.float32), labels=emb.labels.astype(np.int64),
                                checkpoint_sha256=np.array(sha))
    return path


def train_subset(name: str, per_class: int | None = None, directory: Path = CHECKPOINT_DIR) -> Embeddings:
    """The shipped training-subset :class:`~spheredemo.analysis.Embeddings` of ``name``; ``per_class`` keeps
    the first that many of each digit (for ``--quick``)."""
    directory = Path(directory)
    arrays = _read_cache(train_subset_path(name, directory), name, directory, "training-subset features",
                         refresh=COMMAND.format(name=name))
    emb = Embeddings.from_features(arrays["features"], arrays["labels"], load_run(name, directory).head, name)
    return emb if per_class is None else emb.first_per_class(per_class)


MOVIE_PATH = CHECKPOINT_DIR / "training_movie.npz"
MOVIE_MS = (1, 4)
MOVIE_SHOWN_PER_CLASS = 30  # test images per digit drawn in each frame
MOVIE_EPOCHS = 12


def _movie_config(m: int):
    from spheredemo.config import TrainConfig

    per_class, batch = 300, 128
    steps = MOVIE_EPOCHS * (10 * per_class // batch)
    return TrainConfig(loss="asoftmax", m=m, dim=2, epochs=MOVIE_EPOCHS, width=8, batch_size=batch,
                       per_class=per_class, head_bias=False, lambda_gamma=199.0 / max(1, steps // 2),
                       lambda_min=0.0, seed=0)


def record_training(config, shown, root=None) -> dict:
    """Train ``config`` with :func:`spheredemo.train.fit` and record, from its callback (every 10 steps), the
    unit features of the images ``shown`` (an ImageSet), the step, λ and the class weights' directions. As the
    training explorer does, the per-epoch test accuracy is measured on 100 test images per digit."""
    from spheredemo.data import load_mnist
    from spheredemo.train import embed, fit

    train = load_mnist("train", root=root).per_class(config.per_class, seed=config.seed)
    data = (train, load_mnist("test", root=root).per_class(100, seed=config.seed))

    frames = {"features": [], "weights": [], "step": [], "lam": []}

    def callback(run):
        was_training = run.model.training
        features = np.asarray(embed(run.model, shown, 1024, next(run.head.parameters()).device), dtype=np.float64)
        run.model.train(was_training)
        weight = run.head.weight.detach().cpu().numpy()
        frames["features"].append(features / np.linalg.norm(features, axis=1, keepdims=True))
        frames["weights"].append(weight / np.linalg.norm(weight, axis=1, keepdims=True))
        frames["step"].append(run.step)
        frames["lam"].append(run.history.lam[-1] if run.history.lam else 0.0)

    run = fit(config, data_root=root, progress=False, callback=callback, data=data)
    callback(run)  # the trained model as the last frame
    return {key: np.asarray(value) for key, value in frames.items()}


def write_training_movie(path: Path = MOVIE_PATH, root=None) -> Path:
    """Record m = 1 and m = 4 training side by side (a real run each) and write ``training_movie.npz``."""
    from spheredemo.data import load_mnist

    shown = load_mnist("test", root=root).per_class(MOVIE_SHOWN_PER_CLASS, seed=0)
    arrays = {"labels": shown.labels.numpy().astype(np.int64), "ms": np.array(MOVIE_MS)}
    for m in MOVIE_MS:
        frames = record_training(_movie_config(m), shown, root)
        arrays.update({f"m{m}_{key}": value.astype(np.float32) if value.dtype.kind == "f" else value
                       for key, value in frames.items()})
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            np.savez_compressed(f, **arrays)
    return path


def training_movie(path: Path = MOVIE_PATH) -> dict:
    """The recorded movie: {"labels", "ms", and per m: "m{m}_features" (F, N, 2), "m{m}_weights" (F, C, 2),
    "m{m}_step" (F,), "m{m}_lam" (F,)}; a missing file is a StaleCache error naming the command."""
    if not Path(path).is_file():
        raise StaleCache(f"the training movie ({path}) is missing; record it with: "
                         "python -m spheredemo.offline_assets --movie")
    with np.load(path, allow_pickle=False) as cached:
        return {key: cached[key] for key in cached.files}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m spheredemo.offline_assets",
                                     description="Write the files the deck and figures need beside the "
                                     "checkpoints, so they build with no data set (needs MNIST once).")
    parser.add_argument("--only", nargs="+", choices=TRAIN_SUBSET_MODELS, default=TRAIN_SUBSET_MODELS,
                        metavar="NAME", help=f"checkpoints to write (default all: {', '.join(TRAIN_SUBSET_MODELS)})")
    parser.add_argument("--movie", action="store_true", help="record the training movie (two short real runs, "
                        "about a minute each on a laptop CPU) instead of the training subsets")
    parser.add_argument("--data", default=None, help="folder holding MNIST (default: $SPHEREDEMO_DATA, the cache)")
    args = parser.parse_args(argv)
    if args.movie:
        path = write_training_movie(root=args.data)
        print(f"wrote {path} ({path.stat().st_size / 1e3:.0f} kB)")
        return 0
    for name in args.only:
        path = write_train_subset(name, root=args.data)
        print(f"wrote {path} ({path.stat().st_size / 1e3:.0f} kB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
