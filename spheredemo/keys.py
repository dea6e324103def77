"""ModelKey: one name for one shipped model, and one parser back.

``ModelKey("mnist", 2, "asoftmax", 4).name == "mnist-d2-asoftmax-m4"``; ``ModelKey.parse`` reads such a name
back. Checkpoint files, the manifest, the figures, the slides and the explorers all spell a model this way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from spheredemo._validate import DEFAULT_M, check_int, check_m
from spheredemo.config import LOSSES

__all__ = ["ModelKey", "SHIPPED_DATASETS", "LOSS_LABELS", "VARIANTS", "SWEEP"]

#: the data sets shipped models are trained on
SHIPPED_DATASETS = ("mnist", "lfw")
#: what a reader sees for each loss of ``config.LOSSES``
LOSS_LABELS = {"softmax": "softmax", "modified": "modified softmax", "asoftmax": "A-Softmax", "cosface": "CosFace",
               "arcface": "ArcFace"}
#: the appendix models' variants of a recipe (Fig. 8: relu and its no-ReLU twin warmup; Fig. 11: nobias;
#: Fig. 9: imbalanced)
VARIANTS = ("relu", "warmup", "nobias", "imbalanced")
#: the m sweep every table, slider and lesson walks, by loss name: softmax, modified softmax, A-Softmax m = 1..4
SWEEP = ("softmax", "modified", "asoftmax-m1", "asoftmax-m2", "asoftmax-m3", "asoftmax-m4")

_NAME = re.compile(r"(?P<dataset>[a-z]+)-d(?P<dim>\d+)-(?P<loss>[a-z]+)(?:-m(?P<m>\d+))?(?:-(?P<variant>[a-z]+))?")


@dataclass(frozen=True)
class ModelKey:
    """Which model: data set, embedding dimension, loss, margin m (A-Softmax only) and appendix variant.

    ``loss="asoftmax"`` without m means m = ``DEFAULT_M`` (4, the paper's); m with any other loss is refused.
    """

    dataset: str = "mnist"
    dim: int = 2
    loss: str = "asoftmax"
    m: int | None = None
    variant: str | None = None

    def __post_init__(self):
        if self.dataset not in SHIPPED_DATASETS:
            raise ValueError(f"dataset must be one of {list(SHIPPED_DATASETS)}, got {self.dataset!r}")
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {list(LOSSES)}, got {self.loss!r}")
        if self.variant is not None and self.variant not in VARIANTS:
            raise ValueError(f"variant must be None or one of {list(VARIANTS)}, got {self.variant!r}")
        check_int("dim", self.dim, minimum=2)
        if self.loss == "asoftmax":
            object.__setattr__(self, "m", check_m(DEFAULT_M if self.m is None else self.m))
        elif self.m is not None:
            raise ValueError(f"m applies to loss='asoftmax' only (shipped CosFace and ArcFace models keep their "
                             f"default margins); got m={self.m!r} with loss={self.loss!r}")

    @property
    def loss_name(self) -> str:
        """The loss and its m as names spell them: ``softmax``, ``asoftmax-m4``."""
        return self.loss + (f"-m{self.m}" if self.loss == "asoftmax" else "")

    @property
    def name(self) -> str:
        """The checkpoint name: ``mnist-d2-asoftmax-m4``, ``mnist-d2-softmax-nobias``, ``lfw-d512-cosface``."""
        return f"{self.dataset}-d{self.dim}-{self.loss_name}" + (f"-{self.variant}" if self.variant else "")

    @property
    def label(self) -> str:
        """What a legend or a table says: ``softmax``, ``A-Softmax m=4``."""
        return LOSS_LABELS[self.loss] + (f" m={self.m}" if self.loss == "asoftmax" else "")

    def with_loss(self, loss_name: str) -> ModelKey:
        """This key with the loss and m of ``loss_name`` (``"asoftmax-m2"``, ``"softmax"``; only A-Softmax has -mN)."""
        loss, _, m = loss_name.partition("-m")
        if m and not m.isdigit():
            raise ValueError(f"{loss_name!r} is not a loss name: only A-Softmax carries an integer margin, "
                             f"as in 'asoftmax-m4'")
        return replace(self, loss=loss, m=int(m) if m else None)

    @classmethod
    def parse(cls, name: str) -> ModelKey:
        """The key of a checkpoint name: ``ModelKey.parse("mnist-d3-asoftmax-m2")``."""
        match = _NAME.fullmatch(name)
        if match is None:
            raise ValueError(f"{name!r} is not a model name; names look like 'mnist-d2-asoftmax-m4', "
                             f"'mnist-d2-softmax-nobias' or 'lfw-d512-cosface'")
        try:
            key = cls(match["dataset"], int(match["dim"]), match["loss"], int(match["m"]) if match["m"] else None,
                      match["variant"])
        except ValueError as exc:
            raise ValueError(f"{name!r} is not a model name: {exc}") from None
        if key.name != name:  # e.g. "mnist-d2-asoftmax": the m is spelled out in names
            raise ValueError(f"{name!r} is not a model name; did you mean {key.name!r}?")
        return key
