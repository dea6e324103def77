"""Trained MNIST and face checkpoints shipped inside the package, and the recipes that retrain them.

Entry points: ``load(dataset, dim, loss, m=None)`` returns ``(model, head)`` from the package's own files
(it never downloads and loads with ``weights_only=True``: no code in a file is executed);
``embeddings(ModelKey(...))`` the cached MNIST test features of a model, ``face_results(name)`` the cached LFW
verification of a face model; ``load_run`` the whole training run (config and history).
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
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from spheredemo.atomic import atomic_path
from spheredemo.config import TrainConfig
from spheredemo.data import MNIST_FILES, DataError, find_mnist_dir, load_mnist
from spheredemo.keys import SWEEP, ModelKey
from spheredemo.analysis import Embeddings, angle_stats, angular_fisher_score, angular_gaps
from spheredemo.train import (Run, embed, final_margin, fit, load_checkpoint, load_training_data, save_checkpoint,
                              select_device)
from spheredemo.verification import Verification, verify

# the entry points first: load() for (model, head), embeddings() for cached MNIST features, face_results() for
# cached LFW results; load_run() gives the whole training run; the rest retrains and records
__all__ = ["load", "embeddings", "face_results", "load_run", "ModelKey", "FaceResults", "RECIPES", "SEEDS", "SEEDED",
           "CHECKPOINT_DIR", "manifest", "retrain", "add_seeds", "cache_test_features",
           "cache_face_results"]

CHECKPOINT_DIR = Path(__file__).resolve().parent / "checkpoints"

#: Shared by every recipe: the m sweep differs only in loss and m, so the figures compare like with like.
_BASE = dict(dataset="mnist", epochs=10, batch_size=256, optimizer="adam", lr=3e-3, lr_schedule="cosine",
             weight_decay=5e-4, lambda_gamma=0.5, lambda_min=0.0, width=16, augment_shift=2, seed=0)


#: Faces (LFW's open-set split, 104 identities): SphereFace-4 (Table 2's 4-conv net, the one of the paper's Table 6)
#: at 64×64, width 16, BatchNorm; SGD with momentum (lr 0.05, cosine decay), batch 64, 100 epochs (4,900 steps);
#: L2 1e-2, twenty times the paper's 5e-4. On 3,103 images the weight decay, the longer run and the smaller batch
#: each lift verification of unseen people (light changes and erased rectangles do not;
#: benchmarks/bench_face_recipe.py, README, Faces); λ annealed to the official floor λ_min = 5 by step 200
#: (PAPER.md: on this small set λ_min = 0 loses about 11 points); random flips as in the paper, and random zooms
#: (up to 15 % of the side), moves (4 %) and turns (5°)
_FACE_BASE = dict(dataset="lfw", model="sphereface4", width=16, image_size=64, face_crop=0.48, epochs=100,
                  batch_size=64, optimizer="sgd", lr=0.05, lr_schedule="cosine", weight_decay=1e-2,
                  lambda_gamma=1.0, lambda_min=5.0, augment_flip=True, augment_zoom=0.15, augment_translate=0.04,
                  augment_rotate_deg=5.0, seed=0)
#: the 3D face models see the 8 largest training identities (Fig. 5: "the 6 largest identities")
FACE_3D_IDENTITIES = 8
#: seeds of every swept recipe (the MNIST m sweeps and the faces): seed 0 ships, every seed's numbers (MNIST test
#: accuracy and angles, LFW verification of unseen people) are recorded in the manifest under ``seeds``
SEEDS = (0, 1, 2)


def _name(model, dataset: str | None = None) -> str:
    """The checkpoint name of a :class:`~spheredemo.keys.ModelKey` or of a name (checked by parsing it); with
    ``dataset``, a model of another data set is refused."""
    key = model if isinstance(model, ModelKey) else ModelKey.parse(model)
    if dataset is not None and key.dataset != dataset:
        other = {"mnist": "embeddings()", "lfw": "face_results()"}[key.dataset]
        raise ValueError(f"{key.name} is a model of {key.dataset!r}, not {dataset!r}: use {other} for it")
    return key.name


def _recipes() -> dict[str, dict]:
    recipes = {}

    def add(key: ModelKey, base: dict, **values) -> None:
        recipes[key.name] = dict(base, dim=key.dim, loss=key.loss, m=key.m, **values)

    for dim in (2, 3):
        for loss_name in SWEEP:
            add(ModelKey("mnist", dim).with_loss(loss_name), _BASE)
    # Appendix figures (2D), each the sweep's recipe but for the one thing its figure compares. Fig. 8: a ReLU
    # after the embedding against none, both with a 500-step lr warm-up (Adam's first full-size steps kill a
    # ReLU unit for every image; models.py and train.build start the ReLU model alive). Fig. 11: no biases.
    # Fig. 9: a long-tailed training set, trained for as many steps as the sweep (32 epochs of its 73 batches).
    add(ModelKey("mnist", 2, "modified", variant="relu"), _BASE, last_relu=True, warmup_steps=500)
    add(ModelKey("mnist", 2, "modified", variant="warmup"), _BASE, warmup_steps=500)
    add(ModelKey("mnist", 2, "softmax", variant="nobias"), _BASE, head_bias=False, embedding_bias=False)
    add(ModelKey("mnist", 2, "softmax", variant="imbalanced"), _BASE, imbalance=0.05, epochs=32)
    for loss_name in (*SWEEP, "cosface", "arcface"):
        add(ModelKey("lfw", 512).with_loss(loss_name), _FACE_BASE)
    for m in (1, 2, 3, 4):
        add(ModelKey("lfw", 3, "asoftmax", m), _FACE_BASE, max_identities=FACE_3D_IDENTITIES)
    return recipes


#: name -> TrainConfig keyword arguments; ``python -m spheredemo.pretrained`` trains them all.
RECIPES = _recipes()
#: the recipes trained with every seed of ``SEEDS``: the MNIST m sweeps (2D and 3D) and every face recipe; the
#: appendix models (relu, warmup, nobias, imbalanced) train their one seed
SEEDED = frozenset(name for name in RECIPES if ModelKey.parse(name).variant is None)


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
    images = load_mnist(split)
    if per_class is not None:
        images = images.per_class(per_class, seed=0)
    elif split == "test":
        features = _shipped_test_features(name, directory)
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
    test = load_mnist("test", data_root)
    directory = Path(directory)
    for name in names or [n for n in manifest(directory) if n.startswith("mnist-")]:
        run = load_run(name, directory)
        features = embed(run.model, test).numpy().astype(np.float32)
        with atomic_path(directory / f"{name}.test.npz") as tmp:
            with open(tmp, "wb") as f:
                np.savez_compressed(f, features=features,
                                    checkpoint_sha256=np.array(_sha256(directory / f"{name}.pt")))
    _embeddings.cache_clear()


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
            data_root=None, progress: bool = True, seeds=SEEDS) -> dict:
    """Train the named recipes (default: all) and record them in the manifest.

    The recipes in ``SEEDED`` (the MNIST m sweeps and the faces) train once per seed of ``seeds``: the recipe's
    own seed (0) ships, and every seed's numbers (MNIST test accuracy and angle statistics, LFW verification of
    unseen people) go into the manifest (``seeds``), so the results tables can give mean ± std over seeds.

    ``quick`` trains 30 steps on a tiny subset (for smoke tests, not for shipping; it refuses
    to write into the package's own checkpoint folder).
    Checkpoints are written atomically and without optimiser state (well under 1 MB each).
    """
    seeds = tuple(seeds)
    names = list(RECIPES) if names is None else list(names)
    _check_retrain(names, directory, quick, seeds)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for name in names:
        entry = _train_recipe(name, directory, device, quick, data_root, progress, seeds)
        current = manifest(directory)  # re-read: another process may have added entries meanwhile
        current[name] = entry
        _write_json_atomic(directory / "manifest.json", current)
        if RECIPES[name]["dataset"] == "lfw":
            cache_face_results([name], directory, data_root)
        else:
            cache_test_features([name], directory, data_root)
    return manifest(directory)


def _check_retrain(names, directory, quick: bool, seeds: tuple) -> None:
    """Refuse what :func:`retrain` cannot do, before anything trains."""
    if not seeds:
        raise ValueError("seeds must name at least one seed")
    if quick and Path(directory).resolve() == CHECKPOINT_DIR.resolve():
        raise ValueError("quick retraining would overwrite the shipped checkpoints; pass another directory")
    unknown = sorted(set(names) - set(RECIPES))
    if unknown:
        raise ValueError(f"unknown recipe names {unknown}; known: {sorted(RECIPES)}")
    for name in names:
        if name in SEEDED and RECIPES[name]["seed"] not in seeds:
            raise ValueError(f"seeds {list(seeds)} must include the recipe's own seed {RECIPES[name]['seed']} (the "
                             f"one that ships); add other seeds to a shipped recipe with --add-seeds")


def _train_recipe(name: str, directory: Path, device: str, quick: bool, data_root, progress: bool,
                  seeds: tuple) -> dict:
    """Train recipe ``name`` (every seed if it is in ``SEEDED``), save the shipped seed's checkpoint and
    return its manifest entry."""
    values = dict(RECIPES[name], device=device)
    if quick:
        values.update(epochs=1, max_steps=30, per_class=values.get("per_class") or (5 if values["dataset"]
                                                                                     == "lfw" else 100))
    config = TrainConfig(**values)
    data = load_training_data(config, _root_of(config, data_root))
    started = time.perf_counter()
    run = fit(config, progress=progress, data=data)
    seconds = time.perf_counter() - started
    path = save_checkpoint(run, directory / f"{name}.pt")
    evaluation = _Evaluation(run, data, data_root)
    per_seed = _seed_results(run, seeds if name in SEEDED else (config.seed,), data, evaluation, progress)
    return {
        "config": config.to_dict(),
        "seed": config.seed,
        **_data_facts(config, data, data_root),
        **_margin_facts(run),
        **evaluation.shipped_facts(per_seed[str(config.seed)]),
        **({"seeds": per_seed} if name in SEEDED else {}),
        "device": _device_label(device),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "train_seconds": round(seconds, 1),
        "steps": run.step,
        "file_sha256": _sha256(path),
        "trained_on": datetime.date.today().isoformat(),
        "quick": quick,
    }


class _Evaluation:
    """What a recipe's runs are judged on: the MNIST test set, or LFW's pairs of people never trained on."""

    def __init__(self, run: Run, data, data_root):
        self.faces = run.config.is_faces
        self.test = data[1]
        self.pairs = _lfw_pairs(run, data_root) if self.faces else None

    def seed_facts(self, run: Run) -> dict:
        """The numbers recorded for one seed's run."""
        if self.faces:
            facts = _evaluate_face_run(run, self.pairs)
            return {"lfw_accuracy": facts["result"].mean, "lfw_fold_std": facts["result"].std,
                    "lfw_auc": facts["result"].auc, "afs_unseen": facts["afs"]}
        emb = Embeddings.from_model(run.model, run.head, self.test)
        stats = angle_stats(emb)
        facts = {"test_accuracy": stats.accuracy, "mean_angle_to_own_W_deg": stats.mean_own_angle,
                 "angular_fisher_score": stats.afs}
        if emb.dim == 2:
            facts["mean_gap_deg"] = float(angular_gaps(emb).mean())  # Fig. 12's empty arcs
        return facts

    def shipped_facts(self, shipped: dict) -> dict:
        """The manifest's top-level numbers: those of the seed that ships."""
        if not self.faces:
            return {"test_accuracy": shipped["test_accuracy"]}
        return {"lfw_accuracy": shipped["lfw_accuracy"], "lfw_fold_std": shipped["lfw_fold_std"],
                "lfw_auc": shipped["lfw_auc"], "lfw_folds": list(self.pairs.folds), "lfw_pairs": len(self.pairs),
                "test_accuracy": None}


def _seed_results(run: Run, seeds, data, evaluation: _Evaluation, progress) -> dict:
    """seed -> recorded numbers of the recipe of ``run`` trained with that seed (``run`` itself for its own)."""
    per_seed = {}
    for seed in seeds:
        other = run if seed == run.config.seed else fit(
            TrainConfig(**{**run.config.to_dict(), "seed": seed}), progress=progress, data=data)
        per_seed[str(seed)] = evaluation.seed_facts(other)
    return per_seed


def _root_of(config: TrainConfig, data_root):
    """The data folder of a recipe: MNIST's folder, or the LFW copy (``data_root/faces/lfw`` when given)."""
    if not config.is_faces or data_root is None:
        return data_root
    return Path(data_root) / "faces" / "lfw" if (Path(data_root) / "faces" / "lfw").is_dir() else data_root


def _data_facts(config: TrainConfig, data, data_root) -> dict:
    """What the model was trained on: a checksum of the data, its size and class counts."""
    train = data[0]
    if config.is_faces:
        listing = json.dumps([train.paths, train.images.shape[1:]], default=list)
        sha = hashlib.sha256(listing.encode()).hexdigest()  # file list + decoded size
    else:
        folder = find_mnist_dir(data_root)
        sha = _sha256(folder / next(iter(MNIST_FILES)))
    return {"data_sha256": sha, "train_images": len(train),
            "class_counts": torch.bincount(train.labels, minlength=train.n_classes).tolist()}


def _margin_facts(run: Run) -> dict:
    """The final λ and the margin it leaves at θ12 = 90° (A-Softmax only; see margins.effective_margin)."""
    final = final_margin(run)
    if final is None:
        return {}
    lam, margin = final
    return {"final_lambda": lam, "m_eff_90deg": round(margin.m_eff, 4)}


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


def _lfw_pairs(run: Run, data_root=None):
    """The evaluated LFW pairs at the model's preprocessing (incomplete folds are left out without a warning)."""
    import warnings

    from spheredemo.faces import load_lfw_pairs
    from spheredemo.lfw import default_folds, preprocessing_of

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return load_lfw_pairs(_root_of(run.config, data_root), default_folds(run), preprocessing_of(run),
                              progress=False)


def _evaluate_face_run(run: Run, pairs) -> dict:
    """Verification and unseen-identity AFS of one face run (the numbers the manifest and npz keep)."""
    from spheredemo.lfw import default_flip, pair_features, verify_run

    flip = default_flip(run)
    features = pair_features(run, pairs, flip=flip)
    result = verify_run(run, pairs, features=features)
    labels = pairs.images.labels.numpy()
    counts = np.bincount(labels)
    repeated = counts[labels] >= 2
    afs = angular_fisher_score(features[repeated], labels[repeated])
    return {"result": result, "afs": afs, "flip": flip, "features": features}


def add_seeds(names, seeds, directory: Path = CHECKPOINT_DIR, data_root=None, progress: bool = True) -> dict:
    """Train shipped seeded recipes (``SEEDED``) with more ``seeds`` and record their numbers in the manifest
    (the shipped checkpoint and its entry otherwise stay as they are)."""
    directory = Path(directory)
    not_seeded = sorted(set(names) - SEEDED)
    if not_seeded:
        raise ValueError(f"{not_seeded} train one seed only; recipes with seeds: {sorted(SEEDED)}")
    for name in names:
        run = load_run(name, directory)
        recorded = manifest(directory)[name].get("seeds", {})
        # the shipped seed is evaluated from its checkpoint if its numbers are not recorded yet (no retraining)
        wanted = [s for s in dict.fromkeys([run.config.seed, *seeds]) if str(s) not in recorded]
        if not wanted:
            continue
        data = load_training_data(run.config, _root_of(run.config, data_root), progress)
        new = _seed_results(run, wanted, data, _Evaluation(run, data, data_root), progress)
        current = manifest(directory)  # re-read: another process may have written meanwhile
        current[name].setdefault("seeds", {}).update(new)
        _write_json_atomic(directory / "manifest.json", current)
    return manifest(directory)


def cache_face_results(names=None, directory: Path = CHECKPOINT_DIR, data_root=None) -> None:
    """Write ``NAME.lfw.npz``: pair scores, the unseen-identity AFS and (3D) the training features, with the
    checkpoint's sha256, so figures and explorers need neither the model nor the images."""
    directory = Path(directory)
    for name in names or [n for n in manifest(directory) if RECIPES.get(n, {}).get("dataset") == "lfw"]:
        run = load_run(name, directory)
        pairs = _lfw_pairs(run, data_root)
        facts = _evaluate_face_run(run, pairs)
        result = facts["result"]
        arrays = dict(scores=result.scores, same=result.same, fold=result.fold,
                      left_paths=np.array([pairs.images.paths[i] for i in pairs.left]),
                      right_paths=np.array([pairs.images.paths[i] for i in pairs.right]),
                      afs=np.array(facts["afs"]), flip=np.array(facts["flip"]),
                      checkpoint_sha256=np.array(_sha256(directory / f"{name}.pt")))
        if run.config.dim <= 3:
            train, _ = load_training_data(run.config, _root_of(run.config, data_root))
            arrays.update(train_features=embed(run.model, train).numpy().astype(np.float32),
                          train_labels=train.labels.numpy())
        with atomic_path(directory / f"{name}.lfw.npz") as tmp, open(tmp, "wb") as f:
            np.savez_compressed(f, **arrays)
    _face_results.cache_clear()


def face_results(model, directory: Path = CHECKPOINT_DIR) -> FaceResults:
    """The cached :class:`FaceResults` of a face checkpoint, named by a :class:`~spheredemo.keys.ModelKey` or its
    name (recomputed from the model and LFW when the cache is missing or belongs to another checkpoint file)."""
    return _face_results(_name(model, "lfw"), Path(directory))


@functools.lru_cache(maxsize=32)
def _face_results(name: str, directory: Path) -> FaceResults:
    directory = Path(directory)
    path = directory / f"{name}.lfw.npz"
    expected = manifest(directory).get(name, {}).get("file_sha256")
    fresh = False
    if path.is_file() and expected is not None:
        try:
            with np.load(path, allow_pickle=False) as cached:
                fresh = str(cached["checkpoint_sha256"]) == expected
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            fresh = False  # unreadable or from an older format: recompute
    if not fresh:
        try:
            cache_face_results([name], directory)
        except (DataError, OSError) as exc:
            raise DataError(f"the cached LFW results of {name} ({path}) are missing or belong to another checkpoint "
                            f"file, and recomputing them failed: {exc}") from exc
    run = load_run(name, directory)
    with np.load(path, allow_pickle=False) as cached:
        verification = verify(cached["scores"], cached["same"], cached["fold"])
        train = None
        if "train_features" in cached:
            train = Embeddings.from_features(cached["train_features"], cached["train_labels"], run.head, name)
        return FaceResults(name, verification, cached["left_paths"], cached["right_paths"], float(cached["afs"]),
                           bool(cached["flip"]), train, run.classes or ())


def build_parser() -> argparse.ArgumentParser:
    """The flags of ``python -m spheredemo.pretrained``."""
    parser = argparse.ArgumentParser(
        prog="python -m spheredemo.pretrained",
        description="Retrain the shipped MNIST and LFW checkpoints from their recipes (GPU if present).",
    )
    parser.add_argument("--only", nargs="+", metavar="NAME", help="recipes to train (default: all; see --list)")
    parser.add_argument("--out", default=str(CHECKPOINT_DIR), help="folder for the checkpoints and manifest.json")
    parser.add_argument("--device", default="auto", help="auto (cuda if present), cpu, cuda, ...")
    parser.add_argument("--quick", action="store_true", help="30 steps on a tiny subset (a smoke test)")
    parser.add_argument("--data", default=None, help="data folder holding mnist/ and faces/lfw/ (default: "
                        "$SPHEREDEMO_DATA, then the user cache; MNIST is downloaded when missing)")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS),
                        help="seeds of each swept recipe (MNIST m sweeps, faces): the recipe's seed 0 ships, every "
                        "one is evaluated and recorded")
    parser.add_argument("--list", action="store_true", help="print the recipe names and exit")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    parser.add_argument("--add-seeds", action="store_true",
                        help="seeded recipes: train only the --seeds not yet recorded and add their numbers "
                        "(the shipped checkpoints stay)")
    parser.add_argument("--features-only", action="store_true",
                        help="only recompute the cached test-set features (NAME.test.npz) of existing checkpoints")
    return parser


def _print_recipes() -> None:
    for name, values in RECIPES.items():
        seeds = "every seed" if name in SEEDED else "one seed"
        print(f"{name:32s} {values['loss']:9s} m={values['m']} dim={values['dim']} epochs={values['epochs']} "
              f"({seeds})")


def _print_results(names, result: dict) -> None:
    for name in names:
        entry = result[name]
        score = (f"LFW {100 * entry['lfw_accuracy']:.2f} %" if entry.get("lfw_accuracy") is not None
                 else f"test accuracy {entry['test_accuracy']:.4f}")
        print(f"{name:32s} {score}  {entry['train_seconds']:7.1f} s  {entry['device']}")


def main(argv=None) -> int:
    """``python -m spheredemo.pretrained``: list, retrain, add seeds to or re-cache the shipped recipes."""
    parser = build_parser()
    args = parser.parse_args(argv)
    out = Path(args.out)
    unknown = sorted(set(args.only or ()) - set(RECIPES))
    if unknown:
        parser.error(f"unknown recipe names {unknown}; see --list")
    try:
        if args.list:
            _print_recipes()
        elif args.features_only:
            names = args.only or list(manifest(out))
            cache_test_features([n for n in names if RECIPES[n]["dataset"] == "mnist"], out, args.data)
            cache_face_results([n for n in names if RECIPES[n]["dataset"] == "lfw"], out, args.data)
        elif args.add_seeds:
            add_seeds(args.only or sorted(SEEDED), args.seeds, out, args.data, progress=not args.no_progress)
        else:
            result = retrain(args.only, out, args.device, args.quick, args.data, progress=not args.no_progress,
                             seeds=args.seeds)
            _print_results(args.only or RECIPES, result)
    except ValueError as exc:
        parser.error(str(exc))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
