"""Lessons 3 and 5: trained features and faces. A student's angle to the own class weight and verification
accuracy against the package, and which shipped model is tightest, separates Fig. 5's pair or verifies unseen
people best, read from the shipped checkpoints' cached results."""

from __future__ import annotations

import math

import numpy as np
import torch

from spheredemo.analysis import unit as _unit
from spheredemo.keys import SWEEP, ModelKey
from spheredemo.lessons.checking import (CheckResult, _blank, _call, _choice, _count_slip, _diagnose, _failed,
                                         _feature_sets, _not_answered, _not_written, _NotWritten, _passed, _unreadable)

__all__ = ["check_own_angles", "check_verification_accuracy", "check_tightest_answer", "check_separation_answer",
           "face_accuracies", "face_seed_spreads", "check_best_face_model"]


def _angles(x, w_rows, unit_w=True):
    """Degrees between each feature and its row of ``w_rows`` (normalised unless ``unit_w`` is False)."""
    cos = np.sum(_unit(x) * (_unit(w_rows) if unit_w else w_rows), axis=1)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def check_own_angles(fn) -> CheckResult:
    """Compare ``fn(features, labels, weight)`` (numpy: (N, D), (N,), (C, D)) with the angle in degrees between
    each feature and its own class weight (``Embeddings.own_angles``), on three sets of 200 features."""
    name = "angle to own W"
    sets = [tuple(t.numpy() for t in s) for s in _feature_sets()]
    try:
        yours = {i: _call(fn, "own_angles", (x.copy(), y.copy(), w.copy()), (len(x),),
                          (torch.tensor(x), torch.tensor(y), torch.tensor(w))) for i, (x, y, w) in enumerate(sets)}
    except _NotWritten:
        return _not_written(name, "own_angles")
    truth = {i: _angles(x, w[y]) for i, (x, y, w) in enumerate(sets)}
    points = sum(len(x) for x, _, _ in sets)
    if all(np.allclose(yours[i], truth[i], atol=1e-4) for i in truth):
        return _passed(name, f"Your angles match the package's at {points} features (three sets, 2D and 3D).", points)
    i = next(i for i in truth if not np.allclose(yours[i], truth[i], atol=1e-4))
    j = int(np.argmax(~np.isclose(yours[i], truth[i], atol=1e-4)))
    n_wrong = sum(int((~np.isclose(yours[k], truth[k], atol=1e-4)).sum()) for k in truth)
    return _failed(name, f"Your angles differ at {n_wrong} of {points} features; e.g. set {i + 1}, feature {j}: "
                         f"yours {yours[i][j]:.4g}, the package {truth[i][j]:.4g}°."
                   + _diagnose(yours, _own_angle_mistakes(sets, truth)), points)


def _own_angle_mistakes(sets, truth: dict) -> dict:
    """Explanation -> the angles a classic slip gives on each set."""
    return {
        "These are the right angles in radians: multiply by 180/π (np.degrees).":
            {i: np.radians(truth[i]) for i in truth},
        "These are cosines, not angles: take arccos (and np.degrees).":
            {i: np.cos(np.radians(truth[i])) for i in truth},
        "These are the angles to the predicted class's weight: the question is the own (true) class's, W[labels].":
            {i: _angles(x, w[np.argmax(_unit(x) @ _unit(w).T, axis=1)]) for i, (x, _, w) in enumerate(sets)},
        "These angles use W without normalising it: divide each W_j by its norm (and x by its norm).":
            {i: _angles(x, w[y], unit_w=False) for i, (x, y, w) in enumerate(sets)},
    }


def check_verification_accuracy(fn) -> CheckResult:
    """Compare ``fn(angles_deg, same, threshold_deg)`` with the fraction of pairs decided right when "same
    person" means an angle below the threshold (:func:`spheredemo.verification.accuracy_at` on cosines)."""
    from spheredemo.verification import accuracy_at

    name, rng = "verification accuracy", np.random.default_rng(0)
    same = np.arange(400) % 2 == 0
    angles = np.where(same, rng.uniform(0, 70, 400), rng.uniform(30, 110, 400))
    thresholds = (30.0, 45.0, 52.5, 60.0, 75.0)
    try:
        yours = np.array([_call(fn, "verification_accuracy", (angles.copy(), same.copy(), t), ()) for t in thresholds])
    except _NotWritten:
        return _not_written(name, "verification_accuracy")
    truth = np.array([accuracy_at(np.cos(np.radians(angles)), same, math.cos(math.radians(t))) for t in thresholds])
    if np.allclose(yours, truth, atol=1e-9):
        return _passed(name, f"Your accuracy matches the package's on 400 pairs at {len(thresholds)} thresholds.", 400)
    known = {
        "This is exactly the rule reversed: a small angle means the same person (angle < threshold).": 1 - truth,
        "These are the right numbers in percent: return a fraction between 0 and 1.": 100 * truth,
        "This is exactly the threshold read as radians: angles and threshold are both in degrees here.":
            np.array([np.mean((angles < math.radians(t)) == same) for t in thresholds]),
        **_count_slip(truth, [len(angles)] * len(thresholds), "pairs decided right", "pairs"),
    }
    text = ", ".join(f"{t:g}°: yours {a:.3f}, the package {b:.3f}" for t, a, b in zip(thresholds, yours, truth))
    return _failed(name, f"Your accuracy differs ({text})." + _diagnose(yours, known), 400)


# --- which shipped model ... ? -------------------------------------------------------------------------------

#: the answer keys of the which-model questions ('softmax', 'modified', 'm=1' .. 'm=4') -> (loss, m), over SWEEP
_MODELS = {(f"m={key.m}" if key.m else key.loss): (key.loss, key.m)
           for key in (ModelKey().with_loss(loss_name) for loss_name in SWEEP)}
#: what a student may write for each: the key, the checkpoint's loss name ('asoftmax-m4'), 'A-Softmax m=4', ...
_MODEL_SPELLINGS = {key: {key, key.replace("m=", "asoftmax-m"), key.replace("m=", "asoftmax-"),
                          key.replace("m=", "a-softmaxm="), key.replace("m=", "asoftmaxm="),
                          "modifiedsoftmax" if key == "modified" else key}
                    for key in _MODELS}


def _model_choice(name: str, answer):
    """(the model ``answer`` names, None), or (None, the CheckResult saying it is blank or names no model)."""
    if _blank(answer):
        return None, _not_answered(name, "'softmax', 'modified' or 'm=1' .. 'm=4' in the cell")
    try:
        return _choice(answer, _MODEL_SPELLINGS, "the answer"), None
    except ValueError as exc:
        return None, _unreadable(name, f"{str(exc)[0].upper()}{str(exc)[1:]}.")


def _which_model(name, answer, values, best, right, wrong) -> CheckResult:
    """A which-of-the-six-models question. ``answer`` names a model (any of ``_MODEL_SPELLINGS``); ``values()``
    gives each model's number, ``best`` (min or max) picks the right model; ``right(value)`` and ``wrong(choice,
    value)`` say why. The shipped results are read only once the answer is known to name a model."""
    choice, unanswered = _model_choice(name, answer)
    if unanswered is not None:
        return unanswered
    values = values()
    top = best(values, key=values.get)
    if choice == top:
        return _passed(name, right(values[top]), len(values))
    return _failed(name, wrong(choice, values[choice]), len(values))


def check_tightest_answer(answer, dim=2) -> CheckResult:
    """Which shipped MNIST model ('softmax', 'modified', 'm=1' .. 'm=4', or an integer m) has the smallest mean
    angle between a test feature and its own class weight? Computed from the shipped test features."""
    from spheredemo import pretrained

    def mean_angles():
        return {key: float(pretrained.embeddings(ModelKey("mnist", dim, loss, m)).own_angles().mean())
                for key, (loss, m) in _MODELS.items()}

    return _which_model(
        f"tightest {dim}D model", answer, mean_angles, min,
        lambda angle: f"That model's test features lie {angle:.2f}° from their own W on average, the least of the six.",
        lambda choice, angle: f"{choice}'s features lie {angle:.2f}° from their own W on average; another model's lie "
                              "closer. Move the 'loss / m' slider and read 'mean angle to own W' in the table.")


def face_accuracies() -> dict:
    """Share of LFW pairs of unseen people decided right (mean over folds 1–3) by each shipped 512-d face model:
    'softmax', 'modified', 'm=1' .. 'm=4' -> accuracy. Read from the shipped face checkpoints' cached results."""
    from spheredemo import pretrained

    return {key: pretrained.face_results(ModelKey("lfw", 512, loss, m).name).verification.mean
            for key, (loss, m) in _MODELS.items()}


def face_seed_spreads() -> dict:
    """LFW accuracy (%, folds 1–3) of each shipped 512-d face model over its recorded seeds: 'softmax', 'modified',
    'm=1' .. 'm=4' -> :class:`spheredemo.seed_noise.SeedSpread` (mean, sample std, number of seeds), from the
    manifest."""
    from spheredemo import pretrained
    from spheredemo.seed_noise import seed_spread

    return {key: seed_spread(pretrained.CHECKPOINT_DIR, ModelKey("lfw", 512, loss, m).name, "lfw_accuracy", 100.0)
            for key, (loss, m) in _MODELS.items()}


def _spread_text(key, spread) -> str:
    return f"{key} {spread.mean:.2f} ± {spread.std:.2f}"


def check_best_face_model(answer) -> CheckResult:
    """Which of the shipped 512-d LFW models ('softmax', 'modified', 'm=1' .. 'm=4') verifies unseen people best?

    Every model whose mean accuracy over its seeds is not beyond the seed noise of the highest mean
    (:meth:`spheredemo.seed_noise.SeedSpread.beyond_noise`: the means differ by more than the two stds together) is
    a right answer: the data cannot tell those apart, and the message says so and why. Read from the manifest, so
    a retraining changes the verdict with the numbers."""
    name = "best face model"
    choice, unanswered = _model_choice(name, answer)
    if unanswered is not None:
        return unanswered
    spreads = face_seed_spreads()
    top = max(spreads, key=lambda key: spreads[key].mean)
    tied = [key for key in spreads if not spreads[key].beyond_noise(spreads[top])]
    seeds = sorted({spread.n for spread in spreads.values()})
    n_seeds = str(seeds[0]) if len(seeds) == 1 else f"{seeds[0]}–{seeds[-1]}"
    why = (f"LFW accuracy on folds 1–3, mean ± std over {n_seeds} seeds (%): "
           + ", ".join(_spread_text(key, spreads[key]) for key in spreads) + ". ")
    if len(tied) > 1:
        why += (f"{', '.join(tied)} cannot be told apart by these data: each mean differs from the highest by less "
                "than the two seed spreads added (retrained with another seed, each moves by about its std), so any "
                "of them is a right answer and none is 'the best'. ")
    else:
        why += f"{top} is above every other model by more than the two seed spreads together. "
    why += ("(The explorer's bold number is the shipped seed alone, mean ± std over the LFW folds; this check "
            "compares the means over the seeds.)")
    if choice in tied:
        return _passed(name, why, len(spreads))
    return _failed(name, f"{_spread_text(choice, spreads[choice])} is below {_spread_text(top, spreads[top])} by "
                         f"more than the two seed spreads together. " + why, len(spreads))


def check_separation_answer(answer, dim=3, m=4) -> CheckResult:
    """Yes or no: for the shipped A-Softmax model, is every positive-pair angle of Fig. 5's two classes below every
    negative-pair angle (the paper's max intra < min inter)? Computed from the shipped test features."""
    from spheredemo import pretrained
    from spheredemo.analysis import pair_angles

    name = f"max intra < min inter ({dim}D, m = {m})"
    if _blank(answer):
        return _not_answered(name, "'yes' or 'no' in the cell")
    try:
        said = _choice(answer, {"yes": {"yes", "true", "y"}, "no": {"no", "false", "n"}}, "the answer")
    except ValueError as exc:
        return _unreadable(name, f"{str(exc)[0].upper()}{str(exc)[1:]}.")
    pairs = pair_angles(pretrained.embeddings(ModelKey("mnist", dim, "asoftmax", m)))
    truth = "yes" if pairs.separated else "no"
    facts = (f"the largest positive-pair angle is {pairs.max_positive:.1f}° and the smallest negative-pair angle "
             f"{pairs.min_negative:.1f}° (digits {pairs.classes[0]} and {pairs.classes[1]})")
    points = len(pairs.positive) + len(pairs.negative)
    if said == truth:
        return _passed(name, "That is what the shipped model's test features show.", points)
    return _failed(name, f"'{said}' is not what the shipped model shows: {facts}. Compare 'max positive-pair angle' "
                         "with 'min negative-pair angle' in the explorer's table, pairs of digits 'as Fig. 5'.", points)
