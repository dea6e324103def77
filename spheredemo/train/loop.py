"""The training loop: the optimiser, the learning rate and λ of every step, one step, the epochs, :func:`fit`.

The loop owns λ: it asks the :class:`~spheredemo.margins.LambdaSchedule` for λ(t) at every optimiser step and
passes it to the head explicitly, so evaluation never moves it. Under a process group (torchrun) the same loop is
DDP: each process takes its share of every global batch, gradients are averaged, λ and the learning rate follow
the global step, rank 0 alone evaluates and writes checkpoints.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from spheredemo import distributed
from spheredemo.config import TrainConfig
from spheredemo.data import ImageSet
from spheredemo.faces import FaceFiles
from spheredemo.margins import LambdaSchedule
from spheredemo.train.augment import augment
from spheredemo.train.checkpoints import init_weights, restore, save_checkpoint
from spheredemo.train.data import EpochOrder, batches, image_shape, load_data
from spheredemo.train.evaluate import evaluate
from spheredemo.train.run import History, Run, build, place_model, select_device, set_seed

__all__ = ["fit", "train_step", "make_optimizer", "lr_at", "lambda_schedule", "TrainingDiverged", "EXPLODING_LOSS"]

#: a loss above this is "exploding" (the Caffe 87.3 is ln of float32's smallest normal)
EXPLODING_LOSS = 80.0


class TrainingDiverged(RuntimeError):
    """The loss became NaN, infinite or exploded; the last good checkpoint is kept."""



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

    def __init__(self, model: torch.nn.Module, head: torch.nn.Module, loss: str, autocast: str = "off"):
        super().__init__()
        self.model, self.head, self.loss, self.autocast = model, head, loss, autocast

    def forward(self, images, labels, lam: float):
        """(loss, features) of a batch: ``lam`` is λ for A-Softmax, ignored by the other heads. With
        ``autocast="bf16"`` the trunk runs in bfloat16 autocast; the features go to the head in float32, since
        cos(mθ)'s Chebyshev polynomial and ψ lose the margin in bfloat16's 8 bits of mantissa."""
        with torch.autocast(images.device.type, dtype=torch.bfloat16, enabled=self.autocast == "bf16"):
            features = self.model(images)  # (B, D)
        features = features.float()
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
    objective = _Objective(run.model, run.head, run.config.loss, run.config.autocast)
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
    if objective is None:
        objective = _Objective(run.model, run.head, run.config.loss, run.config.autocast)
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



@dataclass
class _Loop:
    """What :func:`fit` sets up once and then drives, epoch after epoch."""

    run: Run
    optimizer: torch.optim.Optimizer
    objective: torch.nn.Module  # model + head, DDP-wrapped in a distributed run
    train: ImageSet | FaceFiles
    test: ImageSet | None
    order: EpochOrder
    schedule: LambdaSchedule
    device: torch.device
    steps_per_epoch: int  # optimiser steps per pass: ceil(N / global batch), for any number of processes
    total: int  # the step the run ends at
    step: object = None  # the optimiser step: train_step, or the caller's (see fit)



def _setup(config: TrainConfig, checkpoint, data, data_root, progress: bool, step=None) -> _Loop:
    """Data, model, head and optimiser (restored from ``checkpoint`` if it exists), the order and the schedules."""
    device = distributed.device(config.device) if distributed.is_active() else select_device(config.device)
    train, test = data if data is not None else load_data(config, data_root, progress)
    shape = image_shape(train)
    set_seed(config.seed)
    model, head = build(config, train.n_classes, shape)
    run = Run(place_model(model, device), head.to(device), config, History(), image_shape=shape, classes=train.classes,
              world_size=distributed.world_size(),
              data_order="distributed" if distributed.is_active() else "sequential")
    optimizer = make_optimizer(config, list(run.model.parameters()) + list(run.head.parameters()))
    if checkpoint is not None and Path(checkpoint).exists():
        restore(run, optimizer, checkpoint, device)
    elif config.init_from is not None:
        init_weights(run, config.init_from, device)
    steps_per_epoch = math.ceil(len(train) / (config.batch_size * run.world_size))
    total = min(config.epochs * steps_per_epoch, config.max_steps or math.inf)
    order = EpochOrder(run.data_order, len(train), config.seed, run.world_size, distributed.rank())
    schedule = lambda_schedule(config, total)
    return _Loop(run, optimizer, _objective(run, device), train, test, order, schedule, device, steps_per_epoch,
                 total, step or train_step)


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
    for images, labels in batches(loop.train, index, loop.device, config.workers):
        for group in loop.optimizer.param_groups:
            group["lr"] = lr_at(config, run.step, loop.total)  # keyed on the global step: the same on every rank
        lam = loop.schedule(run.step) if config.loss == "asoftmax" else 0.0
        images = augment(images, config, run.step, distributed.rank())
        loss, accuracy = loop.step(run, loop.optimizer, images, labels, lam, loop.objective)
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
                if loop.test is not None and distributed.is_main():  # DDP: rank 0 alone evaluates (and saves)
                    run.history.epoch_test_accuracy.append(evaluate(run.model, run.head, loop.test))
                    bar.set_postfix(test_acc=f"{run.history.epoch_test_accuracy[-1]:.4f}")
            run.seconds += time.perf_counter() - started
            started = time.perf_counter()
            if checkpoint is not None and distributed.is_main():
                save_checkpoint(run, checkpoint, loop.optimizer)
    finally:
        bar.close()


def fit(config: TrainConfig, checkpoint=None, resume: bool = False, data_root=None,
        progress: bool = True, callback=None, data=None, step=None) -> Run:
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
        step: the optimiser step, called as ``step(run, optimizer, images, labels, lam, objective)`` with the
            step's learning rate already set and returning (loss, batch accuracy); :func:`train_step` by
            default. The loop does the rest (batches, λ(t), history, checkpoints): a step that also trains
            something else on the same batch (lesson 6's second head, :mod:`spheredemo.lessons.side_by_side`)
            wraps :func:`train_step`. Under DDP only what goes through ``objective`` has its gradients
            averaged over the processes; anything else a step trains stays each process's own.

    Under a process group (torchrun and :func:`spheredemo.distributed.init`, or one the caller set up)
    this is DDP: ``config.batch_size`` images per process and step (the global batch is that × the
    world size), rank 0 alone shows the bar and writes the checkpoint, the callback runs on every rank
    and any rank's False stops all, and a failure on any rank is raised as
    :class:`~spheredemo.distributed.RankFailed`, naming the rank. A checkpoint written by a DDP run
    resumes on any number of processes with the same global batch and continues the same schedule.
    """
    loop = None
    try:
        loop = _setup(config, checkpoint if resume else None, data, data_root, progress, step)
        _train(loop, checkpoint, progress, callback)
        distributed.barrier()  # every rank returns once rank 0's last checkpoint is on disk
    except Exception as exc:
        if not distributed.is_active():
            raise
        raise distributed.RankFailed(exc, distributed.rank(), distributed.world_size(),
                                     loop.run.step if loop is not None else None) from exc
    return loop.run
