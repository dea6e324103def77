"""A training run and what it is built from: seeds, devices, the (model, head) pair, the run's record."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np
import torch

from spheredemo.config import TrainConfig
from spheredemo.losses import make_head
from spheredemo.margins import effective_margin
from spheredemo.models import make_model

__all__ = ["set_seed", "select_device", "History", "Run", "build", "place_model", "final_margin"]


def set_seed(seed: int) -> None:
    """Seed python, numpy and torch (all devices) for a reproducible run."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def select_device(name: str = "auto") -> torch.device:
    """``auto`` picks CUDA when present, else the CPU; any other name must be usable here."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {name!r} asked for, but no CUDA device is available; use 'cpu' or 'auto'")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"device {name!r} asked for, but MPS is not available; use 'cpu' or 'auto'")
    return device


@dataclass
class History:
    """Per-step training curves and per-epoch test accuracy."""

    step: list = field(default_factory=list)  # optimiser step of each record
    loss: list = field(default_factory=list)  # training loss of the batch
    accuracy: list = field(default_factory=list)  # plain-cosine accuracy of the batch
    lam: list = field(default_factory=list)  # λ used for the step (asoftmax only; else 0)
    epoch_test_accuracy: list = field(default_factory=list)  # test accuracy after each epoch

    def to_dict(self) -> dict:
        """The curves as plain lists by field name (what a checkpoint stores)."""
        return {k: list(v) for k, v in self.__dict__.items()}


@dataclass
class Run:
    """A trained (or rebuilt) model with its head, config, history and step count."""

    model: torch.nn.Module
    head: torch.nn.Module
    config: TrainConfig
    history: History
    step: int = 0
    epoch: int = 0
    seconds: float = 0.0  # training wall time, summed over resumes
    image_shape: tuple = (1, 28, 28)  # (C, H, W) of the images the model takes
    classes: tuple | None = None  # the training classes' names (identities for faces)
    world_size: int = 1  # processes training together (DDP); global batch = config.batch_size × world_size
    data_order: str = "sequential"  # sequential: one process's shuffles; distributed: DistributedSampler's


def build(config: TrainConfig, n_classes: int = 10, image_shape=(1, 28, 28)) -> tuple[torch.nn.Module,
                                                                                     torch.nn.Module]:
    """A fresh (model, head) pair as the config describes, for images of ``image_shape`` (C, H, W)."""
    channels, height, width = image_shape
    model = make_model(config.model_name, config.dim, config.width, (height, width), channels,
                       last_relu=config.last_relu, embedding_bias=config.embedding_bias, feature_bn=config.feature_bn)
    head = make_head(config.loss, config.dim, n_classes, m=config.m, bias=config.head_bias, s=config.s)
    if config.last_relu:
        # Class weights start where a ReLU leaves the features, in the positive orthant: a class whose weight
        # points elsewhere can lower its loss only by shrinking ‖x‖ to 0, which kills the ReLU (Fig. 8). The
        # model's half of the fix, no unit dead from the start, is models._alive_under_relu.
        with torch.no_grad():
            head.weight.abs_()
    return model, head


def place_model(model: torch.nn.Module, device) -> torch.nn.Module:
    """Move to ``device`` in channels_last layout: about 25% faster convolutions on the CPU,
    and the same layout for trained and reloaded models, so their outputs match bit for bit."""
    return model.to(device, memory_format=torch.channels_last)



def final_margin(run: Run):
    """The λ of the run's last step and the margin it left, m_eff of the binary boundary at θ12 = 90°
    (:func:`~spheredemo.margins.effective_margin`), as ``(lam, EffectiveMargin)``; None unless A-Softmax."""
    if run.config.loss != "asoftmax" or not run.history.lam:
        return None
    lam = run.history.lam[-1]
    return lam, effective_margin(run.config.m, lam, 90.0)
