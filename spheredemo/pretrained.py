"""Trained MNIST and face checkpoints shipped inside the package: the read-only catalog.

Entry points: ``load(dataset, dim, loss, m=None)`` returns ``(model, head)`` from the package's own files
(it never downloads and loads with ``weights_only=True``: no code in a file is executed);
``embeddings(ModelKey(...))`` the cached MNIST test features of a model, ``face_results(name)`` the cached LFW
verification of a face model; ``load_run`` the whole training run (config and history); ``manifest()`` what
each checkpoint's training recorded (config, seeds, data checksum, accuracy, device, time).

Nothing here writes: a cache that is missing or belongs to another checkpoint file is an error naming the
command that refreshes it. The recipes are :mod:`spheredemo.recipes`; the retraining that writes checkpoints,
caches and the manifest is :mod:`spheredemo.retrain` (``python -m spheredemo.retrain``), which imports this module
and never the other way round.
"""

from __future__ import annotations

import functools
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from spheredemo.analysis import Embeddings
from spheredemo.data import DataError, load_mnist
from spheredemo.keys import ModelKey
from spheredemo.recipes import FACE_3D_IDENTITIES, RECIPES, SEEDED, SEEDS
from spheredemo.train import Run, load_checkpoint
from spheredemo.verification import Verification, verify

# the entry points first: load() for (model, head), embeddings() for cached MNIST features, face_results() for
# cached LFW results; load_run() gives the whole training run
__all__ = ["load", "embeddings", "face_results", "load_run", "ModelKey", "FaceResults", "RECIPES", "SEEDS", "SEEDED",
           "FACE_3D_IDENTITIES", "CHECKPOINT_DIR", "manifest", "StaleCache", "REFRESH_COMMAND", "clear_caches"]

CHECKPOINT_DIR = Path(__file__).resolve().parent / "checkpoints"
#: the command that rewrites the cached features and LFW results of existing checkpoints
REFRESH_COMMAND = "python -m spheredemo.retrain --features-only --only {name}"


class StaleCache(DataError):
    """A shipped cache (``NAME.test.npz``, ``NAME.lfw.npz``) is missing or belongs to another checkpoint file."""


def _name(model, dataset: str | None = None) -> str:
    """The checkpoint name of a :class:`~spheredemo.keys.ModelKey` or of a name (checked by parsing it); with
    ``dataset``, a model of another data set is refused."""
    key = model if isinstance(model, ModelKey) else ModelKey.parse(model)
    if dataset is not None and key.dataset != dataset:
        other = {"mnist": "embeddings()", "lfw": "face_results()"}[key.dataset]
        raise ValueError(f"{key.name} is a model of {key.dataset!r}, not {dataset!r}: use {other} for it")
    return key.name



def manifest(directory: Path = CHECKPOINT_DIR) -> dict:
    """The manifest of the checkpoints in ``directory`` (name -> facts about its training)."""
    path = Path(directory) / "manifest.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def load_run(model, directory: Path = CHECKPOINT_DIR, device="cpu") -> Run:
    """The full :class:`~spheredemo.train.Run` (model, head, config, history) of a checkpoint, named by a
    :class:`~spheredemo.keys.ModelKey` or its name (``"mnist-d2-asoftmax-m4"``)."""
    name = model.name if isinstance(model, ModelKey) else model
    path = Path(directory) / f"{name}.pt"
    if not path.is_file():
        known = sorted(p.stem for p in Path(directory).glob("*.pt"))
        raise ValueError(f"no shipped checkpoint named {name!r}; available: {known}")
    return load_checkpoint(path, device)


def load(dataset: str = "mnist", dim: int = 2, loss: str = "asoftmax", m=None, variant: str | None = None,
         device="cpu"):
    """``(model, head)`` of a shipped checkpoint, in eval mode.

    The input contract (the one place it is written; :mod:`spheredemo.models` enforces it): a model maps a
    batch of images of its ``model.input_shape`` (C, H, W) to embeddings (B, dim). MNIST models take
    (B, 1, 28, 28), face models (B, 3, 64, 64). Images are either uint8 in [0, 255], as
    ``load_mnist(...).images`` and :func:`spheredemo.faces.load_faces` ``(...).images`` hold them (divided by
    255 inside, exactly as ``ImageSet.batch`` does), or float in [0, 1], as ``ImageSet.batch`` returns them.
    Any other shape, an integer type other than uint8, or floats far outside [0, 1] (a [0, 255] float tensor)
    raise a ValueError that says what was wrong.

    ``loss`` is softmax, modified or asoftmax (m = 1..4); ``variant`` is one of relu, warmup,
    nobias, imbalanced for the appendix models. Face models (``dataset="lfw"``, dim 512: softmax,
    modified, asoftmax m = 1..4, cosface, arcface; dim 3: asoftmax m = 1..4).
    The head has ``weight`` (C, dim).
    """
    if dataset not in ("mnist", "lfw"):
        raise ValueError(f"shipped checkpoints exist for datasets 'mnist' and 'lfw', got {dataset!r}")
    key = ModelKey(dataset, dim, loss, m, variant)
    if key.name not in RECIPES:
        raise ValueError(f"no shipped checkpoint for dim={dim}, loss={loss!r}, m={key.m!r}, variant={variant!r}; "
                         f"available: {sorted(RECIPES)}")
    run = load_run(key, device=device)
    return run.model, run.head


def embeddings(model, split: str = "test", per_class: int | None = None, directory: Path = CHECKPOINT_DIR):
    """Cached :class:`~spheredemo.analysis.Embeddings` of an MNIST split under a shipped model.

    ``model`` is a :class:`~spheredemo.keys.ModelKey` or its name. ``per_class`` keeps a fixed balanced subset
    (seed 0) of that many images per class. The whole test set's features ship beside each checkpoint
    (``NAME.test.npz``, checked against the checkpoint's sha256), so figures and explorers need not run
    10,000 images through it.
    """
    return _embeddings(_name(model, "mnist"), split, per_class, Path(directory))


@functools.lru_cache(maxsize=64)
def _embeddings(name: str, split: str, per_class: int | None, directory: Path):
    run = load_run(name, directory)
    if split == "test" and per_class is None:
        features, labels = _shipped_test_features(name, directory)
        return Embeddings.from_features(features, labels, run.head, name)
    # a subset or the training split: computed in memory from the model and the MNIST files, never written
    images = load_mnist(split)
    if per_class is not None:
        images = images.per_class(per_class, seed=0)
    return Embeddings.from_model(run.model, run.head, images, name=name)


def _read_cache(path: Path, name: str, directory: Path, what: str, refresh: str | None = None) -> dict:
    """The arrays of a shipped cache file, checked against the checkpoint it was computed from; ``refresh`` is the
    command that rewrites it (default :data:`REFRESH_COMMAND`)."""
    expected = manifest(directory).get(name, {}).get("file_sha256")
    refresh = refresh or REFRESH_COMMAND.format(name=name)
    if not path.is_file():
        raise StaleCache(f"the cached {what} of {name} ({path}) are missing; write them with: {refresh}")
    try:
        with np.load(path, allow_pickle=False) as cached:
            arrays = {key: cached[key] for key in cached.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise StaleCache(f"the cached {what} of {name} ({path}) cannot be read ({exc}); rewrite them with: "
                         f"{refresh}") from exc
    if expected is None or str(arrays.get("checkpoint_sha256")) != expected:
        raise StaleCache(f"the cached {what} of {name} ({path}) belong to another checkpoint file than the one "
                         f"the manifest records; rewrite them with: {refresh}")
    return arrays


def _shipped_test_features(name: str, directory: Path) -> tuple[np.ndarray, np.ndarray]:
    """(features, labels) of the MNIST test set under checkpoint ``name``, from its cache ``NAME.test.npz``; the
    labels are read from the MNIST files when an older cache lacks them."""
    cached = _read_cache(Path(directory) / f"{name}.test.npz", name, Path(directory), "MNIST test features")
    labels = cached["labels"] if "labels" in cached else load_mnist("test").labels.numpy()
    return cached["features"], labels


# --- faces ----------------------------------------------------------------------------------------------

@dataclass
class FaceResults:
    """What the figures and explorers show of a face checkpoint: LFW verification of unseen people,
    their angular Fisher score and, for the 3D models, the training identities' features."""

    name: str
    verification: Verification  # scores, same, folds, per-fold thresholds and accuracies
    left_paths: np.ndarray  # (P,) first image of each pair, relative to the LFW image tree
    right_paths: np.ndarray  # (P,) second image
    afs: float  # angular Fisher score of the unseen identities' features (those with >= 2 images)
    flip: bool  # features were [f(x); f(flipped x)] (512-d) or f(x) alone (3D: angles on the drawn sphere)
    train: Embeddings | None = None  # 3D models: the training identities' features and the class weights
    classes: tuple = ()  # the training identities (names)
    held_out: Embeddings | None = None  # 2D/3D models with held-out images: those images' features (never trained on)


def face_results(model, directory: Path = CHECKPOINT_DIR) -> FaceResults:
    """The cached :class:`FaceResults` of a face checkpoint (``NAME.lfw.npz``), named by a
    :class:`~spheredemo.keys.ModelKey` or its name; a cache that is missing or belongs to another checkpoint file
    is a :class:`StaleCache` error naming the command that rewrites it."""
    return _face_results(_name(model, "lfw"), Path(directory))


@functools.lru_cache(maxsize=32)
def _face_results(name: str, directory: Path) -> FaceResults:
    directory = Path(directory)
    cached = _read_cache(directory / f"{name}.lfw.npz", name, directory, "LFW results")
    run = load_run(name, directory)
    verification = verify(cached["scores"], cached["same"], cached["fold"])
    train = None
    if "train_features" in cached:
        train = Embeddings.from_features(cached["train_features"], cached["train_labels"], run.head, name)
    held_out = None
    if "held_out_features" in cached:
        held_out = Embeddings.from_features(cached["held_out_features"], cached["held_out_labels"], run.head, name)
    return FaceResults(name, verification, cached["left_paths"], cached["right_paths"], float(cached["afs"]),
                       bool(cached["flip"]), train, run.classes or (), held_out)


def clear_caches() -> None:
    """Forget the loaded embeddings and face results, so that the next read sees files rewritten since."""
    _embeddings.cache_clear()
    _face_results.cache_clear()


if __name__ == "__main__":  # the command that retrains moved to the module that retrains
    raise SystemExit("the retraining command is python -m spheredemo.retrain (same flags); spheredemo.pretrained "
                     "only reads the shipped checkpoints")
