"""Training, evaluation and checkpoints; ``python -m spheredemo.train --help`` is the CLI.

The training loop owns λ: it asks the :class:`~spheredemo.margins.LambdaSchedule` for λ(t)
at every optimiser step and passes it to the head explicitly, so evaluation never moves it.

Started by torchrun (``torchrun --nproc-per-node N -m spheredemo.train ...``), :func:`fit` trains
with DistributedDataParallel: each of the N processes takes its share of every global batch
(DistributedSampler), gradients are averaged, λ and the learning rate follow the global step, and
rank 0 alone writes checkpoints. :mod:`spheredemo.distributed` holds the process-group plumbing.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, DistributedSampler

from spheredemo import distributed
from spheredemo.atomic import atomic_path
from spheredemo.config import TrainConfig
from spheredemo.data import ImageSet, load_mnist, random_affine, random_erase, random_photometric, random_shift
from spheredemo.faces import FaceFiles
from spheredemo.losses import make_head
from spheredemo.margins import LambdaSchedule, effective_margin
from spheredemo.models import make_model

__all__ = [
    "set_seed", "select_device", "build", "fit", "evaluate", "embed", "Run", "History",
    "save_checkpoint", "load_checkpoint", "TrainingDiverged", "load_training_data",
    # the steps of fit's loop, for a loop of one's own (lesson 06 trains two heads side by side)
    "make_optimizer", "lr_at", "train_step", "place_model", "random_flip", "final_margin",
]

CHECKPOINT_FORMAT = "spheredemo-checkpoint-v1"
#: settings a resumed run may change: more epochs or steps, another device, how faces are read. The batch
#: per process may change too, as long as the global batch (per process × processes) stays the same.
RESUMABLE_CHANGES = frozenset({"epochs", "max_steps", "device", "stream", "workers"})
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


def load_training_data(config: TrainConfig, root=None,
                       progress: bool = True) -> tuple[ImageSet | FaceFiles, ImageSet | None]:
    """The (train, test) sets of the config, with its per-class cap and imbalance applied.

    Faces have no closed-set test split (test is None): a face model is judged by verification
    of unseen people (:mod:`spheredemo.lfw`). ``lfw`` trains on the LFW identities outside
    the evaluated folds 1–3; ``faces`` on any identity-per-folder tree at ``root``. With
    ``config.stream`` the faces are a :class:`~spheredemo.faces.FaceFiles` file list, decoded
    batch by batch during training, instead of an ImageSet decoded whole.
    """
    if config.is_faces:
        from spheredemo.faces import FacePreprocessing, lfw_training_set, load_faces

        preprocessing = FacePreprocessing(size=config.image_size, crop=config.face_crop)
        selection = dict(min_images=config.min_images, max_identities=config.max_identities,
                         preprocessing=preprocessing)
        if config.dataset == "faces" and root is None:
            raise ValueError("dataset 'faces' needs the folder of an identity-per-folder image tree (--data DIR)")
        if config.stream:
            train = (FaceFiles.lfw_training(root, **selection, exclude=_validation_exclude(config, root))
                     if config.dataset == "lfw"
                     else FaceFiles.from_tree(root, **selection))
        elif config.dataset == "lfw":
            train = lfw_training_set(root, **selection, progress=progress, exclude=_validation_exclude(config, root))
        else:
            train = load_faces(root, **selection, progress=progress)
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


def _validation_exclude(config: TrainConfig, root) -> tuple:
    """The validation people a ``holdout="validation"`` LFW run leaves out of training (none otherwise)."""
    if config.holdout != "validation":
        return ()
    from spheredemo.validation import validation_people

    return tuple(name for fold in validation_people(root) for name in fold)


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


def make_optimizer(config: TrainConfig, params):
    """The config's optimiser over ``params``: AdamW ("adam") or SGD with momentum 0.9, both with its weight decay."""
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


def lr_at(config: TrainConfig, step: int, total: int) -> float:
    """The learning rate of ``step``: linear warm-up over ``warmup_steps``, then constant or cosine decay."""
    warmup = min(1.0, (step + 1) / config.warmup_steps) if config.warmup_steps else 1.0
    if config.lr_schedule == "constant":
        return warmup * config.lr
    return warmup * 0.5 * config.lr * (1 + math.cos(math.pi * step / total))  # cosine decay to 0


class _Objective(torch.nn.Module):
    """Model and head as one module, so that DDP averages the class weights' gradients with the trunk's.

    ``forward`` returns (loss, features): the batch's loss under λ (A-Softmax) and its embeddings (B, D).
    """

    def __init__(self, model: torch.nn.Module, head: torch.nn.Module, loss: str):
        super().__init__()
        self.model, self.head, self.loss = model, head, loss

    def forward(self, images, labels, lam: float):
        """(loss, features) of a batch: ``lam`` is λ for A-Softmax, ignored by the other heads."""
        features = self.model(images)  # (B, D)
        kwargs = {"lam": lam} if self.loss == "asoftmax" else {}
        return self.head(features, labels, **kwargs), features


def _objective(run: Run, device: torch.device) -> torch.nn.Module:
    """The run's model and head as one module; wrapped in DistributedDataParallel when a process group is up.

    BatchNorm: plain BatchNorm in every process, not SyncBatchNorm. Each rank normalises with its own
    batch's statistics (64 images per GPU for the paper's global batch of 512 on 8 GPUs: plenty), and DDP
    copies rank 0's running statistics to the other ranks before every forward pass (broadcast_buffers),
    so the one model saved is rank 0's. SyncBatchNorm would reproduce one process's big batch exactly, but
    it costs an all-reduce per BatchNorm layer in every forward pass (20 in SphereFace-20) and PyTorch
    runs it on GPUs only; the paper's own net has no BatchNorm at all. A DDP run therefore equals a
    one-process run with the same global batch up to BatchNorm's batch statistics: exactly, to float
    tolerance, where BatchNorm is frozen (eval mode), which is how tests/test_distributed.py checks it.
    """
    objective = _Objective(run.model, run.head, run.config.loss)
    if not distributed.is_active():
        return objective
    from torch.nn.parallel import DistributedDataParallel

    return DistributedDataParallel(objective, device_ids=[device.index] if device.type == "cuda" else None)


def train_step(run: Run, optimizer, images, labels, lam: float, objective=None) -> tuple[float, float]:
    """One optimiser step; returns (loss, batch accuracy). Raises TrainingDiverged on a bad loss.

    ``objective``: the run's model and head as one module (:func:`_objective`, DDP-wrapped in a
    distributed run; by default a plain one). Loss and accuracy are the global batch's, averaged over
    the ranks, so every rank sees the same values and all of them refuse a diverged loss together.
    """
    objective = objective if objective is not None else _Objective(run.model, run.head, run.config.loss)
    loss, features = objective(images, labels, lam)
    loss_value = distributed.mean(loss)
    if not math.isfinite(loss_value) or loss_value > EXPLODING_LOSS:
        raise TrainingDiverged(_diverged_message(loss_value, run.step, lam, run.config))
    optimizer.zero_grad(set_to_none=True)
    loss.backward()  # DDP: gradients averaged over the ranks here
    optimizer.step()
    with torch.no_grad():
        accuracy = distributed.mean((run.head.predict(features) == labels).float().mean())
    return loss_value, accuracy


def random_flip(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Each image mirrored left-right with probability 1/2 (the paper's face augmentation)."""
    flip = (torch.rand(len(images), generator=generator) < 0.5).to(images.device)
    return torch.where(flip[:, None, None, None], images.flip(-1), images)


def _augment(images: torch.Tensor, config: TrainConfig, step: int, rank: int) -> torch.Tensor:
    """The configured augmentation, drawn from generators seeded by (seed, step, rank) and one stream per kind:
    a resumed run draws the same shifts, views, flips, light and rectangles again, each rank draws its own,
    and rank 0 draws what one process draws."""
    if config.augment_shift:
        images = random_shift(images, config.augment_shift, _generator(config.seed * 1_000_003 + step, rank))
    if config.augment_zoom or config.augment_translate or config.augment_rotate_deg:
        images = random_affine(images, config.augment_zoom, config.augment_translate, config.augment_rotate_deg,
                               _generator(_stream_seed("affine", config.seed, step), rank))
    if config.augment_flip:  # left-right, each image with probability 1/2
        images = random_flip(images, _generator(_stream_seed("flip", config.seed, step), rank))
    if config.augment_brightness or config.augment_contrast or config.augment_grayscale:
        images = random_photometric(images, config.augment_brightness, config.augment_contrast,
                                    config.augment_grayscale, _generator(_stream_seed("photometric", config.seed, step),
                                                                         rank))
    if config.augment_erase:
        images = random_erase(images, config.augment_erase, config.augment_erase_size,
                              _generator(_stream_seed("erase", config.seed, step), rank))
    return images


#: one seed offset per kind of random draw in :func:`_augment`, far apart in the generator's 32 bits, so that no
#: two kinds share a stream (the shifts keep the seeds the shipped MNIST models were trained with)
_STREAMS = {"affine": 1, "flip": 2, "photometric": 3, "erase": 4}


def _stream_seed(kind: str, seed: int, step: int) -> int:
    return (_STREAMS[kind] * 0x85EBCA6B + seed * 1_000_003 + step) % 2**32


def _generator(seed: int, rank: int) -> torch.Generator:
    # the CPU generator keeps a seed's low 32 bits only: ranks are spread over them by the golden ratio (2^32 / φ)
    return torch.Generator().manual_seed(seed + rank * 0x9E3779B9)


class _EpochOrder:
    """The positions of the training images this rank trains on in an epoch, in order.

    ``sequential``: the one-process order every run had before DDP (one generator seeded once, one
    permutation per epoch, past ones replayed on resume). ``distributed``: DistributedSampler over the
    index range, reshuffled per epoch by ``set_epoch`` (permutation seeded by seed + epoch, padded to a
    multiple of the world size W, rank r taking positions r, r + W, r + 2W, ...). Rank r's k-th batch of b
    images is then positions [W·k·b, W·(k+1)·b) of that permutation taken r, r + W, ...: the k-th global
    batch is the same set of images for any W, which is what lets a run resume on another number of
    processes. In epoch 0 both orders are the same permutation.
    """

    def __init__(self, kind: str, n: int, seed: int, world_size: int = 1, rank: int = 0):
        self.kind, self.n, self.seed, self.world_size, self.rank = kind, n, seed, world_size, rank
        self._generator = torch.Generator().manual_seed(seed)
        self._orders = []

    def __call__(self, epoch: int) -> torch.Tensor:
        if self.kind == "distributed":
            sampler = DistributedSampler(range(self.n), num_replicas=self.world_size, rank=self.rank, shuffle=True,
                                         seed=self.seed)
            sampler.set_epoch(epoch)
            return torch.tensor(list(sampler))
        while len(self._orders) <= epoch:  # replay past shuffles
            self._orders.append(torch.randperm(self.n, generator=self._generator))
        return self._orders[epoch]


def _batches(train, index: list, device: torch.device, workers: int):
    """(images, labels) for each tensor of positions in ``index``: float images in [0, 1] and labels on ``device``.

    An ImageSet is sliced in memory; :class:`~spheredemo.faces.FaceFiles` are decoded by a DataLoader's
    ``workers`` processes over exactly these batches, so both paths give the same tensors.
    """
    if isinstance(train, ImageSet):
        for positions in index:
            yield train.batch(positions, device)
        return
    loader = DataLoader(train, batch_sampler=[positions.tolist() for positions in index], num_workers=workers,
                        pin_memory=device.type == "cuda", generator=torch.Generator())
    for images, labels in loader:  # uint8 (B, C, H, W), decoded in the workers
        yield images.to(device, non_blocking=True).float().div_(255.0), labels.to(device, non_blocking=True)


def _image_shape(train) -> tuple:
    return tuple(train.images.shape[1:]) if isinstance(train, ImageSet) else train.image_shape


@dataclass
class _Loop:
    """What :func:`fit` sets up once and then drives, epoch after epoch."""

    run: Run
    optimizer: torch.optim.Optimizer
    objective: torch.nn.Module  # model + head, DDP-wrapped in a distributed run
    train: ImageSet | FaceFiles
    test: ImageSet | None
    order: _EpochOrder
    schedule: LambdaSchedule
    device: torch.device
    steps_per_epoch: int  # optimiser steps per pass: ceil(N / global batch), for any number of processes
    total: int  # the step the run ends at


def _load_data(config: TrainConfig, data_root, progress: bool):
    """:func:`load_training_data`; in a distributed run the first process of each machine goes first, so the
    face images are decoded and cached once per machine and the other processes read the cache."""
    first = distributed.local_rank() == 0
    if distributed.is_active() and not first:
        distributed.barrier()
    data = load_training_data(config, data_root, progress and distributed.is_main())
    if distributed.is_active() and first:
        distributed.barrier()
    return data


def _setup(config: TrainConfig, checkpoint, data, data_root, progress: bool) -> _Loop:
    """Data, model, head and optimiser (restored from ``checkpoint`` if it exists), the order and the schedules."""
    device = distributed.device(config.device) if distributed.is_active() else select_device(config.device)
    train, test = data if data is not None else _load_data(config, data_root, progress)
    shape = _image_shape(train)
    set_seed(config.seed)
    model, head = build(config, train.n_classes, shape)
    run = Run(place_model(model, device), head.to(device), config, History(), image_shape=shape, classes=train.classes,
              world_size=distributed.world_size(),
              data_order="distributed" if distributed.is_active() else "sequential")
    optimizer = make_optimizer(config, list(run.model.parameters()) + list(run.head.parameters()))
    if checkpoint is not None and Path(checkpoint).exists():
        _restore(run, optimizer, checkpoint, device)
    steps_per_epoch = math.ceil(len(train) / (config.batch_size * run.world_size))
    total = min(config.epochs * steps_per_epoch, config.max_steps or math.inf)
    order = _EpochOrder(run.data_order, len(train), config.seed, run.world_size, distributed.rank())
    schedule = lambda_schedule(config, total)
    return _Loop(run, optimizer, _objective(run, device), train, test, order, schedule, device, steps_per_epoch,
                 total)


def lambda_schedule(config: TrainConfig, total_steps: int) -> LambdaSchedule:
    """The λ schedule of a run of ``total_steps``: the config's (base, γ, power, λ_min), or with
    ``lambda_reach`` the one that reaches λ_min at that fraction of the run (:meth:`LambdaSchedule.reaching`)."""
    if config.lambda_reach is None:
        return LambdaSchedule(config.lambda_base, config.lambda_gamma, config.lambda_power, config.lambda_min)
    return LambdaSchedule.reaching(config.lambda_min, max(1, round(config.lambda_reach * total_steps)),
                                   base=config.lambda_base)


def _train_epoch(loop: _Loop, bar, callback) -> None:
    """The rest of the current epoch, up to ``loop.total`` steps; a callback returning False ends the run here."""
    run, config = loop.run, loop.run.config
    first = run.step - run.epoch * loop.steps_per_epoch  # the epoch's first batch not yet trained
    last = min(loop.steps_per_epoch, first + loop.total - run.step)
    order = loop.order(run.epoch)
    index = [order[k * config.batch_size:(k + 1) * config.batch_size] for k in range(first, last)]
    run.model.train()
    for images, labels in _batches(loop.train, index, loop.device, config.workers):
        for group in loop.optimizer.param_groups:
            group["lr"] = lr_at(config, run.step, loop.total)  # keyed on the global step: the same on every rank
        lam = loop.schedule(run.step) if config.loss == "asoftmax" else 0.0
        images = _augment(images, config, run.step, distributed.rank())
        loss, accuracy = train_step(run, loop.optimizer, images, labels, lam, loop.objective)
        run.step += 1
        for key, value in (("step", run.step), ("loss", loss), ("accuracy", accuracy), ("lam", lam)):
            getattr(run.history, key).append(value)
        bar.update(1)
        bar.set_postfix(loss=f"{loss:.3f}", acc=f"{accuracy:.3f}", lam=f"{lam:.3g}", refresh=False)
        if callback is not None and run.step % 10 == 0 and distributed.any_rank(callback(run) is False):
            loop.total = run.step  # stop here (every rank), keeping what was learned
            return


def _train(loop: _Loop, checkpoint, progress: bool, callback) -> None:
    """Epochs until ``loop.total`` steps; after each (or a stop): the test accuracy and rank 0's checkpoint."""
    from tqdm.auto import tqdm

    run, config = loop.run, loop.run.config
    bar = tqdm(total=loop.total, initial=run.step, disable=not progress or not distributed.is_main(),
               desc=f"{config.loss} m={config.m} dim={config.dim}")
    started = time.perf_counter()
    try:
        while run.step < loop.total:
            _train_epoch(loop, bar, callback)
            if run.step == (run.epoch + 1) * loop.steps_per_epoch:
                run.epoch += 1
                if loop.test is not None:
                    run.history.epoch_test_accuracy.append(evaluate(run.model, run.head, loop.test))
                    bar.set_postfix(test_acc=f"{run.history.epoch_test_accuracy[-1]:.4f}")
            run.seconds += time.perf_counter() - started
            started = time.perf_counter()
            if checkpoint is not None and distributed.is_main():
                save_checkpoint(run, checkpoint, loop.optimizer)
    finally:
        bar.close()


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
        data: a ready (train, test) pair instead of loading them: ImageSets, or FaceFiles (streamed,
            decoded by ``config.workers`` DataLoader processes) and None.

    Under a process group (torchrun and :func:`spheredemo.distributed.init`, or one the caller set up)
    this is DDP: ``config.batch_size`` images per process and step (the global batch is that × the
    world size), rank 0 alone shows the bar and writes the checkpoint, the callback runs on every rank
    and any rank's False stops all, and a failure on any rank is raised as
    :class:`~spheredemo.distributed.RankFailed`, naming the rank. A checkpoint written by a DDP run
    resumes on any number of processes with the same global batch and continues the same schedule.
    """
    loop = None
    try:
        loop = _setup(config, checkpoint if resume else None, data, data_root, progress)
        _train(loop, checkpoint, progress, callback)
        distributed.barrier()  # every rank returns once rank 0's last checkpoint is on disk
    except Exception as exc:
        if not distributed.is_active():
            raise
        raise distributed.RankFailed(exc, distributed.rank(), distributed.world_size(),
                                     loop.run.step if loop is not None else None) from exc
    return loop.run


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
        "world_size": run.world_size,  # processes that trained it (DDP)
        "global_batch": run.config.batch_size * run.world_size,  # images per optimiser step, all processes
        "data_order": run.data_order,
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
    differ = sorted(k for k in wanted if k not in RESUMABLE_CHANGES | {"batch_size"} and saved[k] != wanted[k])
    if differ:
        changes = ", ".join(f"{k}: {saved[k]!r} -> {wanted[k]!r}" for k in differ)
        raise ValueError(f"cannot resume from {path}: it was trained with other settings ({changes}); "
                         f"only {', '.join(sorted(RESUMABLE_CHANGES))} may change on resume")
    _check_global_batch(path, state, saved["batch_size"], run)
    run.model.load_state_dict(state["model"])
    run.head.load_state_dict(state["head"])
    if "optimizer" in state:
        optimizer.load_state_dict(state["optimizer"])
    run.history = History(**state["history"])
    run.step, run.epoch, run.seconds = state["step"], state["epoch"], state.get("seconds", 0.0)
    if state.get("data_order") == "distributed":  # a DDP run goes on with DistributedSampler's batches
        run.data_order = "distributed"


def _check_global_batch(path, state: dict, saved_batch: int, run: Run) -> None:
    """A resumed run must keep the global batch, so that its steps, λ(t) and learning rate go on unchanged.

    It may change how that batch is split: a 2-process checkpoint with 16 images per process resumes in one
    process with 32, or on 4 processes with 8.
    """
    saved_world = state.get("world_size", 1)
    saved_global = state.get("global_batch", saved_batch * saved_world)
    here = run.config.batch_size * run.world_size
    if here == saved_global:
        return
    processes = f"{run.world_size} process{'es' if run.world_size > 1 else ''}"
    advice = (f"use --batch-size {saved_global // run.world_size} with {processes}"
              if saved_global % run.world_size == 0 else
              f"use a number of processes that divides {saved_global}")
    raise ValueError(f"cannot resume from {path}: it was trained with a global batch of {saved_global} "
                     f"({saved_batch} per process × {saved_world}), here it would be {here} "
                     f"({run.config.batch_size} per process × {run.world_size}); the schedule of steps, λ and "
                     f"learning rate continues only with the same global batch: {advice}")


def final_margin(run: Run):
    """The λ of the run's last step and the margin it left, m_eff of the binary boundary at θ12 = 90°
    (:func:`~spheredemo.margins.effective_margin`), as ``(lam, EffectiveMargin)``; None unless A-Softmax."""
    if run.config.loss != "asoftmax" or not run.history.lam:
        return None
    lam = run.history.lam[-1]
    return lam, effective_margin(run.config.m, lam, 90.0)


def load_checkpoint(path, device="cpu") -> Run:
    """Rebuild model and head from a checkpoint (loaded with ``weights_only=True``), in eval mode."""
    state = _read_checkpoint(path, device)
    config = TrainConfig.from_dict(state["config"])
    n_classes = state["head"]["weight"].shape[0]
    image_shape = tuple(state.get("image_shape", (1, 28, 28)))
    model, head = build(config, n_classes, image_shape)
    model.load_state_dict(state["model"])
    head.load_state_dict(state["head"])
    place_model(model, device).eval()
    head.to(device).eval()
    classes = state.get("classes")
    return Run(model, head, config, History(**state["history"]), state["step"], state["epoch"],
               state.get("seconds", 0.0), image_shape, tuple(classes) if classes else None,
               world_size=state.get("world_size", 1), data_order=state.get("data_order", "sequential"))
