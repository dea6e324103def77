"""LFW's pairs (View 2) and the identity-disjoint split they impose on training.

``pairs.txt`` holds 10 folds of matched and mismatched pairs; folds are identity-disjoint. :func:`load_lfw_pairs`
reads the folds whose images are all present (reporting the pairs it had to leave out, by count),
:func:`check_disjoint` refuses a training set that shares an identity with an evaluated pair (the paper's open-set
rule), and :func:`lfw_training_set` / :func:`lfw_training_files` are the LFW people outside the evaluated folds.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from spheredemo.faces.trees import FaceFiles, FacePreprocessing, image_tree, load_faces, load_image_files
from spheredemo.imageset import DataError, ImageSet, cache_dir

__all__ = ["LFW_HELD_OUT_FOLDS", "find_lfw", "read_pairs", "LFWPairs", "load_lfw_pairs", "pairs_of_files",
           "pair_identities", "check_disjoint", "lfw_held_out", "lfw_training_set", "lfw_training_files"]

LFW_HELD_OUT_FOLDS = (1, 2, 3)  # the View-2 folds dataset "lfw" keeps out of training and evaluates


def find_lfw(root=None) -> tuple[Path, Path]:
    """(image tree, pairs.txt) of an LFW copy: ``root``, else ``$SPHEREDEMO_DATA/faces/lfw``, else the user
    cache's ``lfw/``. ``pairs.txt`` may sit in the copy's root, its ``meta/`` folder or beside the images."""
    from spheredemo.imageset import ENV_VAR, env_data_root

    env = env_data_root() if root is None else None
    candidates = [Path(root).expanduser()] if root is not None else [
        *([env / "faces" / "lfw"] if env is not None else []), cache_dir() / "lfw"]
    for base in candidates:
        if not base.is_dir():
            continue
        tree = image_tree(base)
        for pairs in (base / "pairs.txt", base / "meta" / "pairs.txt", tree / "pairs.txt", tree.parent / "pairs.txt"):
            if pairs.is_file():
                return tree, pairs
        raise DataError(f"{base} holds LFW images but no pairs.txt (looked in {base}, {base / 'meta'} and {tree})")
    raise DataError("no LFW copy found in " + ", ".join(str(c) for c in candidates)
                    + f". Point at the folder of your LFW copy (its images and pairs.txt): set {ENV_VAR}=DIR (the "
                    f"folder holding faces/lfw), or pass it as the root argument (face_explorer(lfw=...), "
                    f"load_lfw_pairs(root)) or on the command line (python -m spheredemo.train --data, "
                    f"python -m spheredemo.verify --lfw).")


def read_pairs(path) -> list[tuple[int, bool, str, str]]:
    """``pairs.txt`` as (fold, same, image1, image2) with images as ``Name/Name_NNNN.jpg`` and folds from 1.

    The file starts with ``<folds> <pairs per kind>``; each fold then lists that many matched
    pairs (``name n1 n2``) followed by as many mismatched ones (``name1 n1 name2 n2``).
    """
    numbered = [(number, line.split()) for number, line in enumerate(Path(path).read_text().splitlines(), 1)
                if line.strip()]  # (line number in the file, fields), blank lines skipped
    try:
        n_folds, per_kind = (int(v) for v in numbered[0][1])
    except (ValueError, IndexError):
        raise DataError(f"{path}: the first line must be '<folds> <pairs per kind>', got "
                        f"{numbered[0][1] if numbered else 'an empty file'}") from None
    if len(numbered) - 1 != n_folds * 2 * per_kind:
        raise DataError(f"{path}: expected {n_folds} folds × {2 * per_kind} pairs, found {len(numbered) - 1} lines")

    pairs = []
    for i, (number, fields) in enumerate(numbered[1:]):
        fold, same = i // (2 * per_kind) + 1, i % (2 * per_kind) < per_kind
        expected = "name n1 n2" if same else "name1 n1 name2 n2"
        try:
            if same and len(fields) == 3:
                pairs.append((fold, True, _lfw_image(fields[0], fields[1]), _lfw_image(fields[0], fields[2])))
                continue
            if not same and len(fields) == 4:
                pairs.append((fold, False, _lfw_image(fields[0], fields[1]), _lfw_image(fields[2], fields[3])))
                continue
        except ValueError:
            pass  # an image number that is not a number
        raise DataError(f"{path}, line {number}: expected a {'matched' if same else 'mismatched'} pair "
                        f"({expected}, image numbers as integers), got {' '.join(fields)!r}")
    return pairs


def _lfw_image(name: str, number: str) -> str:
    """LFW's file of image ``number`` of ``name``: ``Name/Name_NNNN.jpg``."""
    return f"{name}/{name}_{int(number):04d}.jpg"


@dataclass
class LFWPairs:
    """The evaluated LFW pairs and the images they use (each image once)."""

    images: ImageSet  # the distinct images of the pairs; labels index identities (classes)
    left: np.ndarray  # (P,) index into images of each pair's first image
    right: np.ndarray  # (P,) index of its second image
    same: np.ndarray  # (P,) bool: a matched pair (same person)
    fold: np.ndarray  # (P,) the View-2 fold of each pair, from 1
    missing: dict  # fold -> number of that fold's pairs left out because an image is missing

    def __len__(self) -> int:
        return len(self.same)

    @property
    def folds(self) -> list[int]:
        return sorted(set(self.fold.tolist()))

    @property
    def identities(self) -> set[str]:
        return set(self.images.classes)


def load_lfw_pairs(root=None, folds=None, preprocessing: FacePreprocessing = FacePreprocessing(),
                   cache: bool | str | Path = True, progress: bool = True) -> LFWPairs:
    """The LFW View-2 pairs of ``folds`` (default: every fold whose images are all present).

    A fold asked for by number keeps its present pairs and the rest are counted in ``missing``
    (with a warning); left to the default, incomplete folds are left out whole, with a warning
    that says how many pairs they held. With the full LFW this is all 10 folds.
    """
    tree, pairs_file = find_lfw(root)
    pairs = read_pairs(pairs_file)
    all_folds = sorted({p[0] for p in pairs})
    present = {p: (tree / p).is_file() for pair in pairs for p in pair[2:]}
    missing = {f: sum(1 for p in pairs if p[0] == f and not (present[p[2]] and present[p[3]])) for f in all_folds}
    if folds is None:
        folds = [f for f in all_folds if missing[f] == 0]
        dropped = {f: n for f, n in missing.items() if n}
        if dropped:
            warnings.warn(f"LFW at {tree}: folds {sorted(dropped)} miss images for {sum(dropped.values())} pairs "
                          f"and are left out; evaluating the complete folds {folds}", stacklevel=2)
        if not folds:
            example = next(p for pair in pairs for p in pair[2:] if not present[p])
            raise DataError(f"no LFW fold at {tree} has all its images (e.g. {tree / example} is missing); name "
                            f"the folds to use the pairs present, or check that the folder is the LFW image tree")
    else:
        folds = sorted({int(f) for f in ([folds] if isinstance(folds, int) else folds)})
        unknown = sorted(set(folds) - set(all_folds))
        if not folds:
            raise ValueError(f"folds must name at least one of {all_folds}")
        if unknown:
            raise ValueError(f"folds must be among {all_folds}, got {unknown}")
        short = {f: missing[f] for f in folds if missing[f]}
        if short:
            warnings.warn(f"LFW at {tree}: {sum(short.values())} pairs of folds {sorted(short)} miss an image "
                          f"and are left out (by fold: {short})", stacklevel=2)
    kept = [p for p in pairs if p[0] in folds and present[p[2]] and present[p[3]]]
    return pairs_of_files(tree, kept, {f: missing[f] for f in folds}, preprocessing, cache, progress)


def pairs_of_files(tree: Path, kept, missing: dict, preprocessing: FacePreprocessing = FacePreprocessing(),
                   cache: bool | str | Path = True, progress: bool = True) -> LFWPairs:
    """:class:`LFWPairs` of ``kept`` pairs (fold, same, image1, image2; images as ``Name/file`` under ``tree``),
    each distinct image decoded once: LFW's View-2 pairs and the validation people's pairs alike."""
    files = sorted({path for p in kept for path in p[2:]})
    position = {path: i for i, path in enumerate(files)}
    names = sorted({path.split("/")[0] for path in files})
    label_of = {name: i for i, name in enumerate(names)}
    images = load_image_files(tree, files, preprocessing, cache, progress)
    image_set = ImageSet(torch.from_numpy(images),
                         torch.tensor([label_of[p.split("/")[0]] for p in files], dtype=torch.int64),
                         tuple(names), paths=tuple(files), root=str(tree))
    return LFWPairs(
        images=image_set,
        left=np.array([position[p[2]] for p in kept]),
        right=np.array([position[p[3]] for p in kept]),
        same=np.array([p[1] for p in kept], dtype=bool),
        fold=np.array([p[0] for p in kept]),
        missing=missing,
    )


def pair_identities(root=None, folds=None, pairs_file=None) -> set[str]:
    """The identities of every LFW pair of ``folds`` (default: all folds in pairs.txt), images or not."""
    pairs_file = pairs_file or find_lfw(root)[1]
    return {path.split("/")[0] for fold, _, *paths in read_pairs(pairs_file)
            if folds is None or fold in folds for path in paths}


def check_disjoint(train_classes, evaluated_identities) -> None:
    """Refuse a training set that holds an identity of an evaluated pair (the open-set rule).

    The check is by name: it cannot see an overlap between LFW and a set whose folders are numbers
    (CASIA-WebFace); for such a set, remove the LFW people before training, as the paper did.
    """
    shared = sorted(set(train_classes) & set(evaluated_identities))
    if shared:
        raise ValueError(f"leaky split: {len(shared)} training identities appear in the evaluated pairs "
                         f"({', '.join(shared[:5])}{', ...' if len(shared) > 5 else ''}); verification must be "
                         f"on people the model never saw. Evaluate only folds whose people were held out of "
                         f"training (--folds), or exclude these people from training.")


def lfw_held_out(root, folds) -> tuple[Path, set[str]]:
    """(image tree, the people of every pair of ``folds``) of an LFW copy: whom training must leave out."""
    tree, pairs_file = find_lfw(root)
    return tree, pair_identities(folds=set(folds), pairs_file=pairs_file)


def lfw_training_set(root=None, folds=LFW_HELD_OUT_FOLDS, min_images: int = 10, max_identities: int | None = None,
                     preprocessing: FacePreprocessing = FacePreprocessing(), cache=True,
                     progress: bool = True, exclude=()) -> ImageSet:
    """The CASIA-style training subset: LFW identities with ≥ ``min_images`` images that appear in no
    pair of the evaluated ``folds`` (for the shared copy: 104 identities, 3,103 images), less ``exclude``
    (the validation people of :mod:`spheredemo.validation`)."""
    tree, held_out = lfw_held_out(root, folds)
    train = load_faces(tree, min_images=min_images, max_identities=max_identities, exclude=held_out | set(exclude),
                       preprocessing=preprocessing, cache=cache, progress=progress)
    check_disjoint(train.classes, held_out)
    return train


def lfw_training_files(root=None, folds=LFW_HELD_OUT_FOLDS, min_images: int = 10, max_identities: int | None = None,
                       preprocessing: FacePreprocessing = FacePreprocessing(), exclude=()) -> FaceFiles:
    """The images of :func:`lfw_training_set` (LFW people in no pair of ``folds``, less ``exclude``) as
    :class:`~spheredemo.faces.trees.FaceFiles`: listed, not decoded."""
    tree, held_out = lfw_held_out(root, folds)
    files = FaceFiles.from_tree(tree, min_images=min_images, max_identities=max_identities,
                                exclude=held_out | set(exclude), preprocessing=preprocessing)
    check_disjoint(files.classes, held_out)
    return files
