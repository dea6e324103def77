"""The faces' validation protocol: people kept out of the training identities to choose settings on.

LFW folds 1–3 report; nothing may be chosen by looking at them. Choices (the λ schedule of each m, s and m of
CosFace and ArcFace, weight decay, epochs) are made on *validation people*: 20 of the 104 LFW training
identities (those with ≥ 10 images outside folds 1–3), never among the 6 largest, split into 5 person-disjoint
folds of 4 people. Each fold holds same-person pairs (30 per person) and different-people pairs (20 for each
of the fold's 6 pairs of people), 120 + 120 = 240 pairs, 1,200 in all; as in LFW's View 2 each fold's threshold
is chosen on the other four (:func:`spheredemo.verification.verify`). A validation model trains on the other
84 identities (``TrainConfig(holdout="validation")``) for as many steps as a final run.

The selection depends only on the names and image counts of the identities and on :data:`VALIDATION_SEED`, so
every machine draws the same people and pairs.
"""

from __future__ import annotations

import numpy as np

from spheredemo.faces import (LFW_HELD_OUT_FOLDS, FacePreprocessing, LFWPairs, identity_folders, lfw_held_out,
                              pairs_of_files)

__all__ = ["VALIDATION_PEOPLE", "VALIDATION_FOLDS", "SKIP_LARGEST", "VALIDATION_SEED", "validation_people",
           "load_validation_pairs"]

VALIDATION_PEOPLE = 20  # validation identities drawn from the LFW training identities
VALIDATION_FOLDS = 5  # person-disjoint folds of the validation pairs (4 people each)
SKIP_LARGEST = 6  # the largest training identities are never validation people (Fig. 5 draws them)
SAME_PER_PERSON = 30  # same-person pairs drawn from each validation person's images
DIFFERENT_PER_COUPLE = 20  # different-people pairs drawn for each pair of people within a fold
VALIDATION_SEED = 20261203  # fixed: the same validation people on every machine, for every training seed
MIN_IMAGES = 10  # the LFW training identities have at least this many images


def _training_identities(root) -> tuple:
    """(tree, {name: image files}) of the LFW training identities: ≥ 10 images, in no pair of folds 1–3."""
    tree, held_out = lfw_held_out(root, LFW_HELD_OUT_FOLDS)
    folders = identity_folders(tree)
    return tree, {name: files for name, files in folders.items()
                  if name not in held_out and len(files) >= MIN_IMAGES}


def validation_people(root=None) -> tuple[tuple[str, ...], ...]:
    """The validation people of an LFW copy, as :data:`VALIDATION_FOLDS` folds of names (fold 1 first).

    Drawn with :data:`VALIDATION_SEED` from the training identities, never among the :data:`SKIP_LARGEST`
    largest (ties broken by name).
    """
    _, folders = _training_identities(root)
    by_size = sorted(folders, key=lambda name: (-len(folders[name]), name))
    candidates = sorted(by_size[SKIP_LARGEST:])
    if len(candidates) < VALIDATION_PEOPLE:
        raise ValueError(f"the LFW copy has {len(candidates)} training identities beyond the {SKIP_LARGEST} largest; "
                         f"the validation protocol needs {VALIDATION_PEOPLE}")
    rng = np.random.default_rng(VALIDATION_SEED)
    chosen = [candidates[i] for i in rng.permutation(len(candidates))[:VALIDATION_PEOPLE]]
    per_fold = VALIDATION_PEOPLE // VALIDATION_FOLDS
    return tuple(tuple(sorted(chosen[k * per_fold:(k + 1) * per_fold])) for k in range(VALIDATION_FOLDS))


def _pairs_of_fold(rng, people, folders) -> list[tuple[bool, str, str]]:
    """(same, left file, right file) of one fold: same-person pairs of each person, then different-people
    pairs of each couple of people, each drawn without repetition."""
    pairs = []
    for name in people:
        files = sorted(folders[name])
        all_pairs = [(i, j) for i in range(len(files)) for j in range(i + 1, len(files))]
        for k in rng.choice(len(all_pairs), size=min(SAME_PER_PERSON, len(all_pairs)), replace=False):
            i, j = all_pairs[k]
            pairs.append((True, f"{name}/{files[i]}", f"{name}/{files[j]}"))
    for a in range(len(people)):
        for b in range(a + 1, len(people)):
            left, right = sorted(folders[people[a]]), sorted(folders[people[b]])
            cells = rng.choice(len(left) * len(right), size=DIFFERENT_PER_COUPLE, replace=False)
            pairs += [(False, f"{people[a]}/{left[c // len(right)]}", f"{people[b]}/{right[c % len(right)]}")
                      for c in cells]
    return pairs


def load_validation_pairs(root=None, preprocessing: FacePreprocessing = FacePreprocessing(), cache=True,
                          progress: bool = True) -> LFWPairs:
    """The validation pairs of an LFW copy as :class:`~spheredemo.faces.LFWPairs` (``fold`` 1..5), ready for
    :func:`spheredemo.lfw.verify_run`: 1,200 pairs, half same-person, of the :func:`validation_people`."""
    tree, folders = _training_identities(root)
    folds = validation_people(root)
    rng = np.random.default_rng(VALIDATION_SEED + 1)
    kept = [(fold, *pair) for fold, people in enumerate(folds, start=1)
            for pair in _pairs_of_fold(rng, people, folders)]
    return pairs_of_files(tree, kept, {fold: 0 for fold in range(1, len(folds) + 1)}, preprocessing, cache, progress)
