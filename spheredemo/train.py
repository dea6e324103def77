"""Training, evaluation and checkpoints; ``python -m spheredemo.train --help`` is the CLI.

The training loop owns λ: it asks the :class:`~spheredemo.margins.LambdaSchedule` for λ(t)
at every optimiser step and passes it to the head explicitly, so evaluation never moves it.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from spheredemo.atomic import atomic_path
from spheredemo.config import TrainConfig
from spheredemo.data import ImageSet, load_mnist, random_shift
from spheredemo.losses import make_head
from spheredemo.margins import LambdaSchedule
from spheredemo.models import make_model

__all__ = [
    "set_seed", "select_device", "build", "fit", "evaluate", "embed", "Run", "History",
    "save_checkpoint", "load_checkpoint", "TrainingDiverged", "load_training_data",
]

CHECKPOINT_FORMAT = "spheredemo-checkpoint-v1"
#: settings a resumed run may change: more epochs or steps, another device
RESUMABLE_CHANGES = frozenset({"epochs", "max_steps", "device"})
#: a loss above this is "exploding" (the Caffe 87.3 is ln of float32's smallest normal)
EXPLODING_LOSS = 80.0


class TrainingDiverged(RuntimeError):
    """The loss became NaN, infinite or exploded; the last good checkpoint is kept."""


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


def build(config: TrainConfig, n_classes: int = 10, image_shape=(1, 28, 28)) -> tuple[torch.nn.Module,
                                                                                     torch.nn.Module]:
    """A fresh (model, head) pair as the config describes, for images of ``image_shape`` (C, H, W)."""
    channels, height, width = image_shape
    model = make_model(config.model_name, config.dim, config.width, (height, width), channels,
                       last_relu=config.last_relu, embedding_bias=config.embedding_bias, feature_bn=config.feature_bn)
    head = make_head(config.loss, config.dim, n_classes, m=config.m, bias=config.head_bias, s=config.s)
    return model, head


def _place(model: torch.nn.Module, device) -> torch.nn.Module:
    """Move to ``device`` in channels_last layout: about 25% faster convolutions on the CPU,
    and the same layout for trained and reloaded models, so their outputs match bit for bit."""
    return model.to(device, memory_format=torch.channels_last)


def load_training_data(config: TrainConfig, root=None, progress: bool = True) -> tuple[ImageSet, ImageSet | None]:
    """The (train, test) sets of the config, with its per-class cap and imbalance applied.

    Faces have no closed-set test split (test is None): a face model is judged by verification
    of unseen people (:mod:`spheredemo.verify`). ``lfw`` trains on the LFW identities outside
    the evaluated folds 1–3; ``faces`` on any identity-per-folder tree at ``root``.
    """
    if config.is_faces:
        from spheredemo.faces import FacePreprocessing, lfw_training_set, load_faces

        preprocessing = FacePreprocessing(size=config.image_size, crop=config.face_crop)
        if config.dataset == "lfw":
            train = lfw_training_set(root, min_images=config.min_images, max_identities=config.max_identities,
                                     preprocessing=preprocessing, progress=progress)
        else:
            if root is None:
                raise ValueError("dataset 'faces' needs the folder of an identity-per-folder image tree (--data DIR)")
            train = load_faces(root, min_images=config.min_images, max_identities=config.max_identities,
                               preprocessing=preprocessing, progress=progress)
        if config.per_class is not None:
            train = train.per_class(config.per_class, seed=config.seed)
        return train, None
    train, test = load_mnist("train", root), load_mnist("test", root)
    if config.per_class is not None or config.imbalance < 1:
        n_max = config.per_class or int(torch.bincount(train.labels).min())
        # Class c keeps n_max · imbalance^(c/(C−1)) images: a geometric long tail.
        counts = [max(1, round(n_max * config.imbalance ** (c / (train.n_classes - 1))))
                  for c in range(train.n_classes)]
        train = train.per_class(counts, seed=config.seed)
    return train, test


@torch.no_grad()
def embed(model, images: ImageSet, batch_size: int = 1024, device=None, flip: bool = False) -> torch.Tensor:
    """The (N, D) embeddings of a whole set, in eval mode (the model's mode is restored).

    ``flip``: the paper's face feature [f(x); f(flipped x)], (N, 2D).
    """
    device = device or next(model.parameters()).device
    was_training = model.training
    model.eval()

    def features(x):
        return torch.cat([model(x), model(x.flip(-1))], dim=1) if flip else model(x)

    try:
        chunks = [features(images.batch(slice(i, i + batch_size), device)[0]).float().cpu()
                  for i in range(0, len(images), batch_size)]
    finally:
        model.train(was_training)
    return torch.cat(chunks)


@torch.no_grad()
def evaluate(model, head, images: ImageSet, batch_size: int = 1024) -> float:
    """Accuracy by the head's margin-free rule (plain cosines); never runs an optimiser step."""
    device = next(head.parameters()).device
    features = embed(model, images, batch_size, device).to(device)
    return float((head.predict(features).cpu() == images.labels).float().mean())


def _optimizer(config: TrainConfig, params):
    if config.optimizer == "adam":
        return torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    return torch.optim.SGD(params, lr=config.lr, momentum=0.9, weight_decay=config.weight_decay)


def _diverged_message(loss: float, step: int, lam: float, config: TrainConfig) -> str:
    cause = (
        f"λ was {lam:.3g}: a large margin (m={config.m}) with λ too small too soon; anneal "
        f"longer (smaller --lambda-gamma, larger --lambda-min) or warm up with a smaller m"
        if config.loss == "asoftmax" and lam < 50
        else "the learning rate may be too high"
    )
    return (
        f"training stopped at step {step}: the loss is {loss!r} (NaN, infinite or above "
        f"{EXPLODING_LOSS}). Likely cause: {cause}; also try a lower --lr (now {config.lr}). "
        f"The last good checkpoint, if any, was kept."
    )


def _lr_at(config: TrainConfig, step: int, total: int) -> float:
    """The learning rate of ``step``: linear warm-up over ``warmup_steps``, then constant or cosine decay."""
    warmup = min(1.0, (step + 1) / config.warmup_steps) if config.warmup_steps else 1.0
    if config.lr_schedule == "constant":
        return warmup * config.lr
    return warmup * 0.5 * config.lr * (1 + math.cos(math.pi * step / total))  # cosine decay to 0


def _train_step(run: Run, optimizer, images, labels, lam: float) -> tuple[float, float]:
    """One optimiser step; returns (loss, batch accuracy). Raises TrainingDiverged on a bad loss."""
    features = run.model(images)
    kwargs = {"lam": lam} if run.config.loss == "asoftmax" else {}
    loss = run.head(features, labels, **kwargs)
    loss_value = loss.item()
    if not math.isfinite(loss_value) or loss_value > EXPLODING_LOSS:
        raise TrainingDiverged(_diverged_message(loss_value, run.step, lam, run.config))
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        accuracy = float((run.head.predict(features) == labels).float().mean())
    return loss_value, accuracy


def _random_flip(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Each image mirrored left-right with probability 1/2 (the paper's face augmentation)."""
    flip = (torch.rand(len(images), generator=generator) < 0.5).to(images.device)
    return torch.where(flip[:, None, None, None], images.flip(-1), images)


def fit(config: TrainConfig, checkpoint=None, resume: bool = False, data_root=None,
        progress: bool = True, callback=None, data=None) -> Run:
    """Train as ``config`` says and return the :class:`Run` (its ``history`` holds the curves).

    Args:
        checkpoint: path written (atomically) after every epoch and when training stops.
        resume: continue from ``checkpoint`` if it exists (same config required); the run
            goes on exactly as if it had never stopped (same batches, λ and learning rate).
        data_root: folder with the MNIST files (see :func:`spheredemo.data.load_mnist`).
        progress: show a tqdm progress bar.
        callback: called as ``callback(run)`` every 10 steps; returning False stops training.
        data: a ready (train, test) pair of ImageSets instead of loading them.
    """
    from tqdm.auto import tqdm

    device = select_device(config.device)
    train, test = data if data is not None else load_training_data(config, data_root, progress)
    set_seed(config.seed)
    model, head = build(config, train.n_classes, tuple(train.images.shape[1:]))
    run = Run(_place(model, device), head.to(device), config, History(),
              image_shape=tuple(train.images.shape[1:]), classes=train.classes)
    optimizer = _optimizer(config, list(run.model.parameters()) + list(run.head.parameters()))
    if resume and checkpoint is not None and Path(checkpoint).exists():
        _restore(run, optimizer, checkpoint, device)
    steps_per_epoch = math.ceil(len(train) / config.batch_size)
    total = min(config.epochs * steps_per_epoch, config.max_steps or math.inf)
    schedule = LambdaSchedule(config.lambda_base, config.lambda_gamma, config.lambda_power, config.lambda_min)
    gen = torch.Generator().manual_seed(config.seed)
    orders = [torch.randperm(len(train), generator=gen) for _ in range(run.epoch + 1)]  # replay past shuffles
    bar = tqdm(total=total, initial=run.step, disable=not progress, desc=f"{config.loss} m={config.m} dim={config.dim}")
    started = time.perf_counter()
    try:
        while run.step < total:
            order, first = orders[-1], run.step - run.epoch * steps_per_epoch  # first batch not yet trained
            run.model.train()
            for batch in range(first, steps_per_epoch):
                if run.step >= total:
                    break
                for group in optimizer.param_groups:
                    group["lr"] = _lr_at(config, run.step, total)
                lam = schedule(run.step) if config.loss == "asoftmax" else 0.0
                images, labels = train.batch(order[batch * config.batch_size:(batch + 1) * config.batch_size], device)
                if config.augment_shift:  # seeded by the step, so a resumed run draws the same shifts
                    step_gen = torch.Generator().manual_seed(config.seed * 1_000_003 + run.step)
                    images = random_shift(images, config.augment_shift, step_gen)
                if config.augment_flip:  # left-right, each image with probability 1/2, seeded by the step
                    flip_gen = torch.Generator().manual_seed(config.seed * 1_000_033 + run.step)
                    images = _random_flip(images, flip_gen)
                loss, accuracy = _train_step(run, optimizer, images, labels, lam)
                run.step += 1
                for key, value in (("step", run.step), ("loss", loss), ("accuracy", accuracy), ("lam", lam)):
                    getattr(run.history, key).append(value)
                bar.update(1)
                bar.set_postfix(loss=f"{loss:.3f}", acc=f"{accuracy:.3f}", lam=f"{lam:.3g}", refresh=False)
                if callback is not None and run.step % 10 == 0 and callback(run) is False:
                    total = run.step  # stop here, keeping what was learned
            if run.step == (run.epoch + 1) * steps_per_epoch:
                run.epoch += 1
                if test is not None:
                    run.history.epoch_test_accuracy.append(evaluate(run.model, run.head, test))
                    bar.set_postfix(test_acc=f"{run.history.epoch_test_accuracy[-1]:.4f}")
                orders.append(torch.randperm(len(train), generator=gen))
            run.seconds += time.perf_counter() - started
            started = time.perf_counter()
            if checkpoint is not None:
                save_checkpoint(run, checkpoint, optimizer)
    finally:
        bar.close()
    return run


def save_checkpoint(run: Run, path, optimizer=None) -> Path:
    """Write weights, config, history and step atomically (temp file in place, then rename)."""
    path = Path(path)
    state = {
        "format": CHECKPOINT_FORMAT,
        "model": {k: v.detach().cpu() for k, v in run.model.state_dict().items()},
        "head": {k: v.detach().cpu() for k, v in run.head.state_dict().items()},
        "config": run.config.to_dict(),
        "history": run.history.to_dict(),
        "step": run.step,
        "epoch": run.epoch,
        "seconds": run.seconds,
        "image_shape": list(run.image_shape),
        "classes": list(run.classes) if run.classes is not None else None,
    }
    if optimizer is not None:
        state["optimizer"] = optimizer.state_dict()
    with atomic_path(path) as tmp:
        torch.save(state, tmp)
    return path


def _read_checkpoint(path, device="cpu") -> dict:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        state = torch.load(path, map_location=device, weights_only=True)
    except Exception as exc:  # a truncated or foreign file: say which, never run its code
        raise ValueError(f"{path} is not a readable spheredemo checkpoint ({exc.__class__.__name__}: {exc})") from None
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{path} is not a spheredemo checkpoint (format {CHECKPOINT_FORMAT} expected)")
    return state


def _restore(run: Run, optimizer, path, device) -> None:
    state = _read_checkpoint(path, device)
    saved = TrainConfig.from_dict(state["config"]).to_dict()
    wanted = run.config.to_dict()
    differ = sorted(k for k in wanted if k not in RESUMABLE_CHANGES and saved[k] != wanted[k])
    if differ:
        changes = ", ".join(f"{k}: {saved[k]!r} -> {wanted[k]!r}" for k in differ)
        raise ValueError(f"cannot resume from {path}: it was trained with other settings ({changes}); "
                         f"only {', '.join(sorted(RESUMABLE_CHANGES))} may change on resume")
    run.model.load_state_dict(state["model"])
    run.head.load_state_dict(state["head"])
    if "optimizer" in state:
        optimizer.load_state_dict(state["optimizer"])
    run.history = History(**state["history"])
    run.step, run.epoch, run.seconds = state["step"], state["epoch"], state.get("seconds", 0.0)


def load_checkpoint(path, device="cpu") -> Run:
    """Rebuild model and head from a checkpoint (loaded with ``weights_only=True``), in eval mode."""
    state = _read_checkpoint(path, device)
    config = TrainConfig.from_dict(state["config"])
    n_classes = state["head"]["weight"].shape[0]
    image_shape = tuple(state.get("image_shape", (1, 28, 28)))
    model, head = build(config, n_classes, image_shape)
    model.load_state_dict(state["model"])
    head.load_state_dict(state["head"])
    _place(model, device).eval()
    head.to(device).eval()
    classes = state.get("classes")
    return Run(model, head, config, History(**state["history"]), state["step"], state["epoch"],
               state.get("seconds", 0.0), image_shape, tuple(classes) if classes else None)


if __name__ == "__main__":
    from spheredemo.cli import train_main

    raise SystemExit(train_main())
