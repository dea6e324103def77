"""A trained face model on LFW pairs, with one owner: :func:`evaluate` (load the pairs the model is judged on at
its preprocessing, check the open-set rule, run the paper's protocol). Everything that verifies a face model
(the training CLI, ``python -m spheredemo.verify``, the retraining and the margin map) calls it.

What a model is judged on is recorded with it, in the config its checkpoint keeps: the preprocessing
(``image_size``, ``face_crop``, the channels) and the people held out (``dataset="lfw"``: the people of LFW
folds 1–3; ``holdout="validation"``: the validation people of :mod:`spheredemo.validation` as well, and such a
model is judged on those, never on the reported folds). Before anything is measured, the model's training
identities are checked against the evaluated pairs: a model that saw one of those people is refused.
"""

from __future__ import annotations

import warnings

import numpy as np

from spheredemo.faces import LFW_HELD_OUT_FOLDS, FacePreprocessing, LFWPairs, check_disjoint
from spheredemo.train import Run, embed
from spheredemo.verification import Verification, cosine_scores, verify

__all__ = ["evaluate", "evaluation_pairs", "preprocessing_of", "pair_features", "verify_run", "default_folds",
           "default_flip"]


def preprocessing_of(run: Run) -> FacePreprocessing:
    """The face preprocessing a model was trained with, as its config records it (size, crop; grey when it
    takes one channel), checked against the image shape it was built for."""
    channels, height, width = run.image_shape
    preprocessing = FacePreprocessing(size=run.config.image_size, crop=run.config.face_crop, grayscale=channels == 1)
    if (height, width) != (preprocessing.size, preprocessing.size):
        raise ValueError(f"the checkpoint's config says {preprocessing.size}×{preprocessing.size} face images, but "
                         f"its model was built for {height}×{width}: the checkpoint is inconsistent")
    return preprocessing


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


def evaluation_pairs(run: Run, *, root=None, folds=None, progress: bool = False) -> LFWPairs:
    """The pairs ``run`` is judged on, at its preprocessing: the LFW ``folds`` if given; else for a
    ``holdout="validation"`` model its validation pairs (:mod:`spheredemo.validation`), and otherwise the folds
    its training held out (:func:`default_folds`). ``root`` is the LFW copy (default ``$SPHEREDEMO_DATA``)."""
    from spheredemo.faces import load_lfw_pairs

    if folds is None and run.config.holdout == "validation":
        from spheredemo.validation import load_validation_pairs

        return load_validation_pairs(root, preprocessing_of(run), progress=progress)
    return load_lfw_pairs(root, default_folds(run) if folds is None else folds, preprocessing_of(run),
                          progress=progress)


def evaluate(run: Run, pairs: LFWPairs | None = None, *, root=None, folds=None, flip: bool | None = None,
             progress: bool = False) -> Verification:
    """Verification accuracy of a face model by the paper's protocol: on ``pairs`` (any
    :class:`~spheredemo.faces.LFWPairs`, the validation pairs among them), or on :func:`evaluation_pairs`
    (``root``, ``folds``). Refuses a model that trained on an evaluated person; ``flip`` defaults to
    :func:`default_flip`."""
    if not run.config.is_faces:
        raise ValueError(f"this model was trained on {run.config.dataset!r}; verification needs a face model "
                         f"(dataset lfw or faces)")
    if pairs is None:
        pairs = evaluation_pairs(run, root=root, folds=folds, progress=progress)
    elif folds is not None or root is not None:
        raise ValueError("give either pairs or (root, folds) to load them, not both")
    return verify_run(run, pairs, flip=flip)
