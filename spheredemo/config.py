"""Settings for models and training runs, as dataclasses (one comment per field)."""

from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass, field

__all__ = ["TrainConfig", "LOSSES", "DATASETS", "OPTIMIZERS"]

LOSSES = ("softmax", "modified", "asoftmax", "cosface", "arcface")
DATASETS = ("mnist",)
OPTIMIZERS = ("adam", "sgd")


@dataclass
class TrainConfig:
    """Everything that defines a training run; saved inside every checkpoint."""

    dataset: str = "mnist"  # which data set to train on (see DATASETS)
    dim: int = 2  # embedding size: 2 or 3 can be drawn, any value >= 2 trains
    loss: str = "asoftmax"  # head: softmax, modified, asoftmax, cosface or arcface
    m: int | float | None = 4  # margin: integer >= 1 for asoftmax; cosine/angle margin for cosface/arcface
    s: float | None = None  # scale of the normalised-feature losses (cosface, arcface); None = default 30
    epochs: int = 1  # passes over the training set
    max_steps: int | None = None  # stop after this many optimiser steps (smoke tests); None = no cap
    batch_size: int = 256  # images per optimiser step
    optimizer: str = "adam"  # adam or sgd (momentum 0.9)
    lr: float = 3e-3  # peak learning rate
    lr_schedule: str = "cosine"  # cosine: decay to 0 over the run; constant: keep lr
    weight_decay: float = 5e-4  # L2 penalty on all weights
    lambda_base: float = 1000.0  # annealing λ(t) = max(λ_min, base·(1+γt)^−power): base
    lambda_gamma: float = 0.12  # γ of the λ schedule (official value 0.12)
    lambda_power: float = 1.0  # power of the λ schedule (official value 1)
    lambda_min: float = 5.0  # floor of λ (official 5; 0 reaches the pure A-Softmax)
    width: int = 16  # channels of the first conv stage (later stages 2x and 4x)
    last_relu: bool = False  # ReLU after the embedding (Appendix A: don't)
    embedding_bias: bool = True  # bias in the embedding layer
    head_bias: bool = True  # bias b_j in the softmax head (Appendix C: not needed)
    augment_shift: int = 0  # shift each training image by up to this many pixels (0 = no augmentation)
    per_class: int | None = None  # keep at most this many training images per class; None = all
    imbalance: float = 1.0  # smallest/largest class size ratio (<1 makes a long-tailed set, Fig. 9)
    seed: int = 0  # seeds python, numpy and torch
    device: str = "auto"  # auto (cuda if present, else cpu), cpu, cuda, cuda:1, mps
    extra: dict = field(default_factory=dict)  # free-form notes kept with the checkpoint

    def __post_init__(self):
        self.validate()

    def validate(self) -> None:
        """Raise ValueError naming the first field that is wrong and what it allows."""
        from spheredemo.margins import check_m

        if self.dataset not in DATASETS:
            raise ValueError(f"dataset must be one of {DATASETS}, got {self.dataset!r}")
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {self.loss!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {self.optimizer!r}")
        if self.lr_schedule not in ("cosine", "constant"):
            raise ValueError(f"lr_schedule must be 'cosine' or 'constant', got {self.lr_schedule!r}")
        _positive_int("dim", self.dim, minimum=2)
        _positive_int("epochs", self.epochs)
        _positive_int("batch_size", self.batch_size)
        _positive_int("width", self.width)
        if self.max_steps is not None:
            _positive_int("max_steps", self.max_steps)
        if isinstance(self.augment_shift, bool) or not isinstance(self.augment_shift, numbers.Integral) \
                or not 0 <= self.augment_shift <= 8:
            raise ValueError(f"augment_shift must be an integer from 0 to 8 pixels, got {self.augment_shift!r}")
        if self.per_class is not None:
            _positive_int("per_class", self.per_class)
        if self.loss == "asoftmax":
            self.m = check_m(4 if self.m is None else self.m)
        for name in ("lr", "lambda_base", "lambda_gamma", "lambda_power", "lambda_min", "weight_decay"):
            value = getattr(self, name)
            if not isinstance(value, numbers.Real) or not math.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
        if not self.lr > 0:
            raise ValueError(f"lr must be > 0, got {self.lr!r}")
        if not 0 < self.imbalance <= 1:
            raise ValueError(f"imbalance must lie in (0, 1], got {self.imbalance!r}")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> TrainConfig:
        """Rebuild from :meth:`to_dict` output; unknown keys are an error that names them."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown TrainConfig fields {unknown}; known fields are {sorted(known)}")
        return cls(**values)


def _positive_int(name: str, value, minimum: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
