"""Retraining the shipped checkpoints from :mod:`spheredemo.recipes`: ``python -m spheredemo.retrain``.

The producer of everything in ``spheredemo/checkpoints/``: each checkpoint, ``manifest.json`` (config, seed, data
checksum, every seed's numbers, device and time), the MNIST test features ``NAME.test.npz`` and the LFW results
``NAME.lfw.npz``, each written atomically. :mod:`spheredemo.pretrained` only reads them.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import time
from pathlib import Path

import numpy as np
import torch

from spheredemo.analysis import angle_stats, angular_fisher_score, angular_gaps, Embeddings
from spheredemo.atomic import atomic_path
from spheredemo.config import TrainConfig
from spheredemo.data import MNIST_FILES, find_mnist_dir, load_mnist
from spheredemo.pretrained import CHECKPOINT_DIR, clear_caches, load_run, manifest
from spheredemo.recipes import RECIPES, SEEDED, SEEDS
from spheredemo.train import Run, embed, final_margin, fit, load_training_data, save_checkpoint, select_device
from spheredemo.train.data import held_out_images

__all__ = ["retrain", "add_seeds", "cache_test_features", "cache_face_results", "build_parser", "main"]


def cache_test_features(names=None, directory: Path = CHECKPOINT_DIR, data_root=None) -> None:
    """Write ``NAME.test.npz``: the MNIST test features of each checkpoint and its sha256."""
    test = load_mnist("test", data_root)
    directory = Path(directory)
    if names is None:
        names = [n for n in manifest(directory) if n.startswith("mnist-")]
    for name in names:
        run = load_run(name, directory)
        features = embed(run.model, test).numpy().astype(np.float32)
        with atomic_path(directory / f"{name}.test.npz") as tmp:
            with open(tmp, "wb") as f:
                np.savez_compressed(f, features=features, labels=test.labels.numpy().astype(np.uint8),
                                    checkpoint_sha256=np.array(_sha256(directory / f"{name}.pt")))
    clear_caches()


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
    Checkpoints are written atomically and without optimiser state (MNIST about 370 kB each, the 3D face models 490 kB,
    the 512-d face models 5 MB).
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
                    "lfw_fold_accuracy": [float(a) for a in facts["result"].accuracies],  # fold by fold gaps
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



def _lfw_pairs(run: Run, data_root=None):
    """The pairs a face run is judged on (:func:`spheredemo.lfw.evaluation_pairs`: the folds its training held
    out, at its preprocessing); incomplete folds are left out without a warning."""
    import warnings

    from spheredemo.lfw import evaluation_pairs

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return evaluation_pairs(run, root=_root_of(run.config, data_root))


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
    if names is None:
        names = [n for n in manifest(directory) if RECIPES.get(n, {}).get("dataset") == "lfw"]
    for name in names:
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
            if run.config.holdout_images:  # Fig. 5: the same identities' images never trained on
                held = held_out_images(run.config, _root_of(run.config, data_root))
                arrays.update(held_out_features=embed(run.model, held).numpy().astype(np.float32),
                              held_out_labels=held.labels.numpy())
        with atomic_path(directory / f"{name}.lfw.npz") as tmp, open(tmp, "wb") as f:
            np.savez_compressed(f, **arrays)
    clear_caches()




def build_parser() -> argparse.ArgumentParser:
    """The flags of ``python -m spheredemo.retrain``."""
    parser = argparse.ArgumentParser(
        prog="python -m spheredemo.retrain",
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
    """``python -m spheredemo.retrain``: list, retrain, add seeds to or re-cache the shipped recipes."""
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
