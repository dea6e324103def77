"""Settings for models and training runs, as dataclasses (one comment per field)."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from spheredemo._validate import (ARCFACE_M_LIMIT, COSFACE_M_LIMIT, DEFAULT_M, LAMBDA_BASE, LAMBDA_GAMMA, LAMBDA_MIN,
                                  LAMBDA_POWER, check_augment, check_below, check_finite, check_int, check_m)

__all__ = ["TrainConfig", "LOSSES", "DATASETS", "OPTIMIZERS", "MODEL_NAMES", "HOLDOUTS", "FACE_SIZE", "FACE_CROP"]

LOSSES = ("softmax", "modified", "asoftmax", "cosface", "arcface")
DATASETS = ("mnist", "lfw", "faces")
MODEL_NAMES = ("auto", "mnist-cnn", "sphereface4", "sphereface10", "sphereface20", "sphereface36", "sphereface64")
OPTIMIZERS = ("adam", "sgd")
#: the default face image: the side of the square crop every face model sees, pixels (the paper: 112×96), and the
#: fraction of an image's shorter side kept around its centre (LFW's 250×250 deep-funneled images: the face)
FACE_SIZE = 64
FACE_CROP = 0.48
HOLDOUTS = ("test", "validation")
AUTOCASTS = ("off", "bf16")
_DEVICE = re.compile(r"auto|cpu|mps|cuda(:\d+)?")


@dataclass
class TrainConfig:
    """Everything that defines a training run; saved inside every checkpoint."""

    dataset: str = "mnist"  # mnist; lfw (identities outside LFW folds 1-3, the open-set split); faces (any tree)
    model: str = "auto"  # auto (mnist-cnn for digits, sphereface10 for faces), mnist-cnn, sphereface4/10/20/36/64
    dim: int = 2  # embedding size: 2 or 3 can be drawn, any value >= 2 trains
    loss: str = "asoftmax"  # head: softmax, modified, asoftmax, cosface or arcface
    m: int | float | None = None  # margin: asoftmax integer >= 1 (default 4); cosface/arcface (default 0.35/0.5)
    s: float | None = None  # scale of the normalised-feature losses (cosface, arcface); None = default 30
    epochs: int = 1  # passes over the training set
    max_steps: int | None = None  # stop after this many optimiser steps (smoke tests); None = no cap
    batch_size: int = 256  # images per optimiser step and process (torchrun: global batch = this × processes)
    optimizer: str = "adam"  # adam or sgd (momentum 0.9)
    lr: float = 3e-3  # peak learning rate
    lr_schedule: str = "cosine"  # cosine: decay to 0 over the run; constant: keep lr
    warmup_steps: int = 0  # raise the learning rate linearly from lr/warmup_steps to lr over this many steps
    weight_decay: float = 5e-4  # L2 penalty on all weights
    lambda_base: float = LAMBDA_BASE  # annealing λ(t) = max(λ_min, base·(1+γt)^−power): base
    lambda_gamma: float = LAMBDA_GAMMA  # γ of the λ schedule (official value 0.12)
    lambda_power: float = LAMBDA_POWER  # power of the λ schedule (official value 1)
    lambda_min: float = LAMBDA_MIN  # floor of λ (official 5; 0 reaches the pure A-Softmax)
    lambda_reach: float | None = None  # reach λ_min at this fraction of the run (γ derived, power 1); None: use γ
    width: int = 16  # channels of the first conv stage (later stages 2x, 4x, 8x)
    image_size: int = FACE_SIZE  # faces: side of the square face crop fed to the model, pixels
    holdout: str = "test"  # lfw: test (train on people outside folds 1-3); validation (also keep 20 people out)
    face_crop: float = FACE_CROP  # faces: fraction of the image's shorter side kept around the centre (1 = all)
    min_images: int = 10  # faces: keep identities with at least this many images
    max_identities: int | None = None  # faces: keep only this many identities, the largest first
    holdout_images: float = 0.0  # faces: keep this fraction of each identity's images out of training (Fig. 5)
    feature_bn: bool = False  # faces: BatchNorm on the feature after FC1 (not in the paper; helps small data)
    augment_flip: bool = False  # flip each training image left-right with probability 1/2 (faces)
    stream: bool = False  # faces: decode in DataLoader workers every epoch, memory bounded (CASIA), not once into RAM
    workers: int = 4  # faces with --stream true: DataLoader processes decoding images (0 = the training process)
    last_relu: bool = False  # ReLU after the embedding (Appendix A: don't)
    embedding_bias: bool = True  # bias in the embedding layer
    head_bias: bool = True  # bias b_j in the softmax head (Appendix C: not needed)
    augment_shift: int = 0  # shift each training image by up to this many pixels (0 = no augmentation)
    augment_zoom: float = 0.0  # zoom each training image in: cut up to this fraction of its side away (0 to 0.5)
    augment_translate: float = 0.0  # move the view's centre by up to this fraction of the image's side (0-0.25)
    augment_rotate_deg: float = 0.0  # turn each training image by up to ± this many degrees (0 to 45)
    augment_brightness: float = 0.0  # scale each training image's brightness by a factor in [1 − this, 1 + this]
    augment_contrast: float = 0.0  # scale each training image's contrast about its mean by [1 − this, 1 + this]
    augment_grayscale: float = 0.0  # turn a training image grey with this probability (0 to 1)
    augment_erase: float = 0.0  # paint one grey rectangle on a training image with this probability (0 to 1)
    augment_erase_size: float = 0.4  # the erased rectangle's sides: each a fraction in [this/2, this] of the image's
    per_class: int | None = None  # keep at most this many training images per class; None = all
    imbalance: float = 1.0  # smallest/largest class size ratio (<1 makes a long-tailed set, Fig. 9)
    seed: int = 0  # seeds python, numpy and torch
    device: str = "auto"  # auto (cuda if present, else cpu), cpu, cuda, cuda:1, mps
    init_from: str | None = None  # start from this checkpoint's weights: a new run (step 0, fresh optimiser)
    autocast: str = "off"  # off; bf16: the trunk's forward pass in bfloat16 autocast (the head's margin stays float32)
    extra: dict = field(default_factory=dict)  # free-form notes kept with the checkpoint

    def __post_init__(self):
        self.validate()

    def validate(self) -> None:
        """Raise ValueError naming the first field that is wrong and what it allows."""
        for name, allowed in (("dataset", DATASETS), ("loss", LOSSES), ("optimizer", OPTIMIZERS),
                              ("autocast", AUTOCASTS), ("lr_schedule", ("cosine", "constant"))):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got {getattr(self, name)!r}")
        check_int("dim", self.dim, minimum=2)
        for name in ("epochs", "batch_size", "width"):
            check_int(name, getattr(self, name))
        if self.model not in MODEL_NAMES:
            raise ValueError(f"model must be one of {MODEL_NAMES}, got {self.model!r}")
        if self.dataset == "mnist" and self.model.startswith("sphereface"):
            raise ValueError(f"model {self.model!r} is a face net; MNIST trains with mnist-cnn (or auto)")
        check_int("image_size", self.image_size, minimum=16, maximum=512)
        check_int("min_images", self.min_images)
        if not (isinstance(self.face_crop, (int, float)) and 0 < self.face_crop <= 1):
            raise ValueError(f"face_crop (a fraction of the shorter side) must lie in (0, 1], got {self.face_crop!r}")
        if self.holdout not in HOLDOUTS:
            raise ValueError(f"holdout must be one of {HOLDOUTS}, got {self.holdout!r}")
        if self.holdout != "test" and self.dataset != "lfw":
            raise ValueError(f"holdout={self.holdout!r} applies to dataset 'lfw' (its validation people) only")
        if not (isinstance(self.holdout_images, (int, float)) and 0 <= self.holdout_images < 1):
            raise ValueError(f"holdout_images (a fraction of each identity's images) must lie in [0, 1), got "
                             f"{self.holdout_images!r}")
        if self.holdout_images and (not self.is_faces or self.stream):
            raise ValueError("holdout_images applies to the face datasets held in memory (lfw, faces; not --stream)")
        if self.init_from is not None and not (isinstance(self.init_from, str) and self.init_from):
            raise ValueError(f"init_from must be the path of a spheredemo checkpoint, got {self.init_from!r}")
        if self.lambda_reach is not None and not (isinstance(self.lambda_reach, (int, float))
                                                  and 0 < self.lambda_reach <= 1):
            raise ValueError(f"lambda_reach (a fraction of the run) must lie in (0, 1], got {self.lambda_reach!r}")
        for name in ("max_steps", "per_class", "max_identities"):
            if getattr(self, name) is not None:
                check_int(name, getattr(self, name))
        check_int("augment_shift", self.augment_shift, minimum=0, maximum=8)
        check_int("warmup_steps", self.warmup_steps, minimum=0)
        check_augment("augment_", zoom=self.augment_zoom, translate=self.augment_translate,
                      rotate_deg=self.augment_rotate_deg, brightness=self.augment_brightness,
                      contrast=self.augment_contrast, grayscale=self.augment_grayscale, erase=self.augment_erase,
                      erase_size=self.augment_erase_size)
        check_int("workers", self.workers, minimum=0)
        if self.stream and not self.is_faces:
            raise ValueError("stream applies to the face datasets (lfw, faces); MNIST is always held in memory")
        self._validate_margin()
        check_finite("lr", self.lr, strict=True)
        for name in ("lambda_base", "lambda_gamma", "lambda_power", "lambda_min", "weight_decay"):
            check_finite(name, getattr(self, name))
        if not (isinstance(self.imbalance, (int, float)) and 0 < self.imbalance <= 1):
            raise ValueError(f"imbalance must lie in (0, 1], got {self.imbalance!r}")
        if not isinstance(self.device, str) or not _DEVICE.fullmatch(self.device):
            raise ValueError(f"device must be auto, cpu, cuda, cuda:N or mps, got {self.device!r}")

    def _validate_margin(self) -> None:
        if self.loss == "asoftmax":
            self.m = check_m(DEFAULT_M if self.m is None else self.m)
        elif self.loss in ("softmax", "modified") and self.m is not None:
            raise ValueError(f"m applies to asoftmax, cosface and arcface only; got m={self.m!r} "
                             f"with loss={self.loss!r}")
        elif self.loss == "cosface" and self.m is not None:
            check_below("m (the cosine margin of cosface)", self.m, COSFACE_M_LIMIT)
        elif self.loss == "arcface" and self.m is not None:
            check_below("m (the additive angular margin of arcface, radians)", self.m, ARCFACE_M_LIMIT)
        if self.s is not None:
            if self.loss not in ("cosface", "arcface"):
                raise ValueError(f"s (the scale) applies to cosface and arcface only, got s={self.s!r} "
                                 f"with loss={self.loss!r}")
            check_finite("s", self.s, strict=True)

    @property
    def model_name(self) -> str:
        """The model ``auto`` stands for: mnist-cnn for digits, sphereface10 for faces."""
        if self.model != "auto":
            return self.model
        return "mnist-cnn" if self.dataset == "mnist" else "sphereface10"

    @property
    def is_faces(self) -> bool:
        return self.dataset != "mnist"

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
