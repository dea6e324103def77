"""Face verification of a trained model on LFW pairs: ``python -m spheredemo.verify --help`` (the
command-line front of :mod:`spheredemo.lfw`, whose functions it re-exports).

The paper's protocol: each image's feature is [f(x); f(flipped x)], a pair's score is the cosine
of its two features, and each fold is judged with the threshold chosen on the other folds
(:mod:`spheredemo.verification`). Before anything is measured, the model's training identities
are checked against the evaluated pairs: a model that saw one of those people is refused.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

from spheredemo.atomic import atomic_path
from spheredemo.lfw import default_flip, default_folds, evaluate, pair_features, preprocessing_of, verify_run
from spheredemo.train import load_checkpoint
from spheredemo.verification import Verification

__all__ = ["evaluate", "preprocessing_of", "pair_features", "verify_run", "default_folds", "default_flip", "main"]


def _write_roc(result: Verification, path: Path) -> None:
    fpr, tpr, thresholds = result.roc()
    with atomic_path(path) as tmp:
        np.savetxt(tmp, np.c_[fpr, tpr, thresholds], delimiter=",", header="fpr,tpr,threshold", comments="",
                   fmt="%.6g")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m spheredemo.verify",
        description="LFW verification accuracy (mean ± std over folds) of a face checkpoint, by the paper's "
        "protocol: [f(x); f(flipped x)] features, cosine scores, each fold's threshold chosen on the others.")
    parser.add_argument("--checkpoint", required=True, help="a face checkpoint (.pt) from spheredemo.train")
    parser.add_argument("--lfw", default=None, help="your LFW copy (images + pairs.txt); default "
                        "$SPHEREDEMO_DATA/faces/lfw, then the user cache's lfw/")
    parser.add_argument("--folds", type=int, nargs="+", default=None,
                        help="folds to evaluate (default: those an lfw-trained model held out, 1 2 3; for other "
                        "models every fold whose images are all present)")
    parser.add_argument("--no-flip", action="store_true", help="features of the original images only (the "
                        "default for 2D/3D models, whose pair angles are then the ones drawn)")
    parser.add_argument("--roc", default=None, help="write the ROC curve here as CSV (fpr,tpr,threshold)")
    args = parser.parse_args(argv)
    try:
        run = load_checkpoint(args.checkpoint)
        if not run.config.is_faces:
            raise ValueError(f"{args.checkpoint} was trained on {run.config.dataset!r}; verification needs a "
                             f"face model (dataset lfw or faces)")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if not args.folds and run.config.holdout == "validation":
                print("note: evaluating the validation people, the ones this validation model's training held out "
                      "(the reported folds 1-3 are never looked at for it); --folds chooses LFW folds",
                      file=sys.stderr)
            elif not args.folds and default_folds(run) is not None:
                print(f"note: evaluating folds {', '.join(map(str, default_folds(run)))}, the ones this model's "
                      f"training held out (the other folds' people were trained on); --folds chooses others",
                      file=sys.stderr)
            try:
                result = evaluate(run, root=args.lfw, folds=args.folds or None, flip=False if args.no_flip else None,
                                  progress=True)
                summary = result.summary()
            finally:  # the notes (pairs left out, unchecked identities) also when the run is refused
                for warning in caught:
                    print(f"note: {warning.message}", file=sys.stderr)
    except (ValueError, FileNotFoundError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for f, accuracy, threshold in zip(result.folds, result.accuracies, result.thresholds):
        print(f"fold {f:2d}: accuracy {100 * accuracy:.2f} %  (threshold cos {threshold:.4f}, chosen on the other "
              f"folds){'  [single fold: chosen on itself]' if len(result.folds) == 1 else ''}")
    print(f"LFW verification: {summary}")
    if args.roc:
        _write_roc(result, Path(args.roc))
        print(f"ROC curve written to {args.roc}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
