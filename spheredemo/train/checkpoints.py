"""Checkpoints: written atomically (weights, config, history, step, the data order), read with
``weights_only=True`` (no code in a file runs), resumed only with the settings that may change."""

from __future__ import annotations

from pathlib import Path

import torch

from spheredemo.atomic import atomic_path
from spheredemo.config import TrainConfig
from spheredemo.train.run import History, Run, build, place_model

__all__ = ["CHECKPOINT_FORMAT", "RESUMABLE_CHANGES", "save_checkpoint", "load_checkpoint", "restore"]

CHECKPOINT_FORMAT = "spheredemo-checkpoint-v1"
#: settings a resumed run may change: more epochs or steps, another device, how faces are read. The batch
#: per process may change too, as long as the global batch (per process × processes) stays the same.
RESUMABLE_CHANGES = frozenset({"epochs", "max_steps", "device", "stream", "workers"})


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
