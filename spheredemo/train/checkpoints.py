"""Checkpoints: written atomically (weights, config, history, step, the data order), read with
``weights_only=True`` (no code in a file runs), resumed only with the settings that may change."""

from __future__ import annotations

from pathlib import Path

import torch

from spheredemo.atomic import atomic_path
from spheredemo.config import TrainConfig
from spheredemo.train.run import History, Run, build, place_model

__all__ = ["CHECKPOINT_FORMAT", "RESUMABLE_CHANGES", "save_checkpoint", "load_checkpoint", "restore", "init_weights"]

CHECKPOINT_FORMAT = "spheredemo-checkpoint-v1"
#: settings a resumed run may change: more epochs or steps, another device, how faces are read. The batch
#: per process may change too, as long as the global batch (per process × processes) stays the same.
RESUMABLE_CHANGES = frozenset({"epochs", "max_steps", "device", "stream", "workers"})
#: what a run started from another run's weights (``init_from``) must share with it: the same net on the same classes
INIT_SHARED = ("dataset", "model", "dim", "width", "image_size", "face_crop", "last_relu", "embedding_bias",
               "feature_bn", "holdout", "min_images", "max_identities")


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


def restore(run: Run, optimizer, path, device) -> None:
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


def init_weights(run: Run, path, device) -> None:
    """Start ``run`` from the weights of the checkpoint at ``path`` (``TrainConfig.init_from``): a new run, at step
    0 with a fresh optimiser and its own schedules, unlike :func:`restore`. The net and its classes must be the
    checkpoint's (:data:`INIT_SHARED`, the identities in order); the head's class weights carry over when both heads
    hold the same tensors (A-Softmax m = 1 to m = 4, any of the normalised heads), else the head starts fresh.

    This is the recipe users of the official code report for A-Softmax m = 4 on small sets: train m = 1 (the
    modified softmax) first, then the margin from its weights at a lower learning rate (wy1iu/sphereface issues
    14, 74, 78)."""
    state = _read_checkpoint(path, device)
    saved = TrainConfig.from_dict(state["config"]).to_dict()
    wanted = run.config.to_dict()
    differ = [k for k in INIT_SHARED if saved[k] != wanted[k]]
    if differ or tuple(state.get("image_shape") or ()) != tuple(run.image_shape):
        changes = ", ".join(f"{k}: {saved[k]!r} there, {wanted[k]!r} here" for k in differ) or (
            f"images {tuple(state.get('image_shape') or ())} there, {tuple(run.image_shape)} here")
        raise ValueError(f"cannot start from {path}: it is another net ({changes}); init_from needs the same "
                         f"{', '.join(INIT_SHARED)}")
    saved_classes = tuple(state.get("classes") or ())
    if run.classes is not None and saved_classes != tuple(run.classes):
        raise ValueError(f"cannot start from {path}: it was trained on other classes ({len(saved_classes)} there, "
                         f"{len(run.classes)} here, or in another order); init_from needs the same training set")
    run.model.load_state_dict(state["model"])
    head = run.head.state_dict()
    if head.keys() == state["head"].keys() and all(head[k].shape == state["head"][k].shape for k in head):
        run.head.load_state_dict(state["head"])


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
