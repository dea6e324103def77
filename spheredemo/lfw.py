"""A trained face model on LFW pairs: its preprocessing, the folds and feature it is judged with by
default, its pair features and the paper's protocol on them (:mod:`spheredemo.verification`).

Before anything is measured, the model's training identities are checked against the evaluated
pairs: a model that saw one of those people is refused. ``python -m spheredemo.verify`` is the
command-line front of this module.
"""

from __future__ import annotations

import warnings

import numpy as np

from spheredemo.faces import LFW_HELD_OUT_FOLDS, FacePreprocessing, LFWPairs, check_disjoint
from spheredemo.train import Run, embed
from spheredemo.verification import Verification, cosine_scores, verify

__all__ = ["preprocessing_of", "pair_features", "verify_run", "default_folds", "default_flip"]


def preprocessing_of(run: Run) -> FacePreprocessing:
    """The face preprocessing a model was trained with (its images' size and crop)."""
    channels, height, _ = run.image_shape
    return FacePreprocessing(size=height, crop=run.config.face_crop, grayscale=channels == 1)


def default_folds(run: Run):
    """The LFW folds a model is judged on by default: those its training held out (``lfw``: folds 1–3);
    for a model trained on another set, every fold whose images are all present (None)."""
    return LFW_HELD_OUT_FOLDS if run.config.dataset == "lfw" else None


def default_flip(run: Run) -> bool:
    """The paper's [f(x); f(flipped x)] feature for real embeddings; f(x) alone for 2D/3D ones, so that a pair's
    angle is the one drawn on the circle or sphere."""
    return run.config.dim > 3


def pair_features(run: Run, pairs: LFWPairs, flip: bool = True) -> np.ndarray:
    """The feature of every distinct pair image: [f(x); f(flipped x)] (N, 2D), or f(x) without ``flip``."""
    return embed(run.model, pairs.images, batch_size=256, flip=flip).numpy()


def verify_run(run: Run, pairs: LFWPairs, flip: bool | None = None, features: np.ndarray | None = None
               ) -> Verification:
    """LFW accuracy of ``run`` on ``pairs`` by the paper's protocol; refuses identities seen in training.

    ``flip`` defaults to :func:`default_flip`; ``features`` (from :func:`pair_features`) skips running the
    model again.
    """
    if run.classes is None:
        warnings.warn("this checkpoint does not name its training identities: whether they overlap the "
                      "evaluated people cannot be checked", stacklevel=2)
    else:
        check_disjoint(run.classes, pairs.identities)
        if run.config.dataset == "faces" and not set(run.classes) & pairs.identities:
            warnings.warn("the training identities were compared with the evaluated people by name only; if your "
                          "training set names people otherwise (CASIA-WebFace's numbered folders), make sure the "
                          "LFW people were removed from it", stacklevel=2)
    if features is None:
        features = pair_features(run, pairs, default_flip(run) if flip is None else flip)
    scores = cosine_scores(features[pairs.left], features[pairs.right])
    return verify(scores, pairs.same, pairs.fold)
