"""Training, evaluation and checkpoints; ``python -m spheredemo.train --help`` is the CLI.

One module a concern, each importing only those before it:

- :mod:`~spheredemo.train.run`: seeds, devices, the (model, head) pair, :class:`Run` and its :class:`History`;
- :mod:`~spheredemo.train.data`: the training set a config names, the image order of each epoch (one process's
  shuffles, or DistributedSampler's), the batches, and the DDP barrier around loading;
- :mod:`~spheredemo.train.augment`: which augmentation each batch gets, each kind from its own seed stream
  (the augmentations themselves are in :mod:`spheredemo.data`);
- :mod:`~spheredemo.train.evaluate`: features and accuracy of a whole set;
- :mod:`~spheredemo.train.checkpoints`: atomic checkpoints, reading them safely, resuming;
- :mod:`~spheredemo.train.loop`: the optimiser, λ and the learning rate per step, :func:`fit`, with the DDP
  objective (torchrun: every process runs it, rank 0 alone evaluates and writes).

This package re-exports their public names, so ``from spheredemo.train import fit`` keeps working.
"""

from __future__ import annotations

from spheredemo.data import random_flip
from spheredemo.train.checkpoints import CHECKPOINT_FORMAT, RESUMABLE_CHANGES, load_checkpoint, save_checkpoint
from spheredemo.train.data import load_training_data
from spheredemo.train.evaluate import embed, evaluate
from spheredemo.train.loop import (EXPLODING_LOSS, TrainingDiverged, fit, lambda_schedule, lr_at, make_optimizer,
                                   train_step)
from spheredemo.train.run import History, Run, build, final_margin, place_model, select_device, set_seed

__all__ = [
    "set_seed", "select_device", "build", "fit", "evaluate", "embed", "Run", "History",
    "save_checkpoint", "load_checkpoint", "TrainingDiverged", "load_training_data", "lambda_schedule",
    "CHECKPOINT_FORMAT", "RESUMABLE_CHANGES", "EXPLODING_LOSS",
    # the steps of fit's loop, for a loop of one's own (lesson 06 trains two heads side by side)
    "make_optimizer", "lr_at", "train_step", "place_model", "random_flip", "final_margin",
]
