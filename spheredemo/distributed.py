"""Process groups for data-parallel training: PyTorch's own engine (torchrun + DistributedDataParallel).

``torchrun --nproc-per-node N -m spheredemo.train ...`` starts N copies of the training command and
tells each its place in the environment (``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR``,
``MASTER_PORT``). :func:`init` joins the group they form (NCCL on CUDA, gloo on the CPU) and gives the
process the GPU of its local rank; :func:`~spheredemo.train.fit` sees the group and trains with DDP.
Without torchrun nothing here is used and training is the one-process run it always was.

Everything else is a thin, named wrapper over ``torch.distributed`` that also works in one process
(rank 0 of 1), so the training loop reads the same either way::

    if distributed.is_main():           # rank 0 writes checkpoints and shows the progress bar
        save_checkpoint(run, path)
    loss = distributed.mean(loss)       # the global batch's loss, the same on every rank
"""

from __future__ import annotations

import contextlib
import datetime
import os
import signal
import sys

import torch
import torch.distributed as dist

__all__ = [
    "launched_by_torchrun", "init", "teardown", "session", "is_active", "rank", "world_size", "local_rank",
    "is_main", "device", "barrier", "mean", "any_rank", "RankFailed",
]

#: how long a collective (a barrier while rank 0 decodes a face tree, say) may wait before it is an error
TIMEOUT = datetime.timedelta(minutes=30)


class RankFailed(RuntimeError):
    """One process of a distributed run failed; its message names the rank, the step and the cause."""

    def __init__(self, cause: BaseException, rank: int, world_size: int, step: int | None = None):
        self.cause, self.rank, self.world_size, self.step = cause, rank, world_size, step
        where = f" at step {step}" if step is not None else " before training began"
        super().__init__(
            f"rank {rank} of {world_size} failed{where}: {cause.__class__.__name__}: {cause}. The whole job stops "
            f"(torchrun ends the other ranks). The last checkpoint, written by rank 0 after a finished epoch, is "
            f"intact: run the same command with --resume to continue.")


def launched_by_torchrun() -> bool:
    """True in a process that torchrun started (it sets RANK, WORLD_SIZE and LOCAL_RANK)."""
    return all(name in os.environ for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK"))


def is_active() -> bool:
    """A process group is up: :func:`~spheredemo.train.fit` trains with DDP."""
    return dist.is_available() and dist.is_initialized()


def rank() -> int:
    """This process's rank in the group (0 in one process)."""
    return dist.get_rank() if is_active() else 0


def world_size() -> int:
    """How many processes train together (1 in one process)."""
    return dist.get_world_size() if is_active() else 1


def local_rank() -> int:
    """This process's index on its machine: torchrun's LOCAL_RANK, else the rank (one machine)."""
    return int(os.environ.get("LOCAL_RANK", rank()))


def is_main() -> bool:
    """Rank 0: the process that writes checkpoints, prints and shows the progress bar."""
    return rank() == 0


def device(name: str = "auto", local: int | None = None) -> torch.device:
    """The device of the process with local rank ``local`` (default: this one).

    ``auto`` and ``cuda`` give each process the GPU of its local rank (``cuda:LOCAL_RANK``), or the CPU
    for ``auto`` where there is no GPU; ``cpu`` keeps every process on the CPU (gloo).
    """
    local = local_rank() if local is None else local
    if name == "cpu":
        return torch.device("cpu")
    if name == "auto" and not torch.cuda.is_available():
        return torch.device("cpu")
    if name in ("auto", "cuda"):
        if not torch.cuda.is_available():
            raise ValueError("device 'cuda' asked for, but no CUDA device is available; use 'cpu' or 'auto'")
        if local >= torch.cuda.device_count():
            raise ValueError(f"local rank {local} has no GPU: this machine has {torch.cuda.device_count()}; "
                             f"start at most that many processes per machine (--nproc-per-node)")
        return torch.device("cuda", local)
    raise ValueError(f"device {name!r} cannot be shared out by rank: with torchrun every process takes the GPU of "
                     f"its LOCAL_RANK; use --device auto, cuda or cpu (and CUDA_VISIBLE_DEVICES to pick GPUs)")


def init(device_name: str = "auto") -> torch.device:
    """Join the process group torchrun described in the environment; return this process's device.

    The backend follows the device: NCCL for GPUs, gloo for the CPU. SIGTERM (how torchrun ends the
    other ranks when one fails) becomes SystemExit, so an unfinished checkpoint's temp file is removed
    on the way out instead of being left beside the last good checkpoint.
    """
    if not launched_by_torchrun():
        raise RuntimeError("spheredemo.distributed.init() joins a group that torchrun started; RANK, WORLD_SIZE "
                           "and LOCAL_RANK are not set. Launch with torchrun, or train in one process.")
    here = device(device_name)
    if here.type == "cuda":
        torch.cuda.set_device(here)
    dist.init_process_group("nccl" if here.type == "cuda" else "gloo", timeout=TIMEOUT)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    return here


def teardown() -> None:
    """Leave the process group, if one is up (call it once training is over)."""
    if is_active():
        dist.destroy_process_group()


@contextlib.contextmanager
def session(device_name: str = "auto"):
    """``with session() as device:``: join torchrun's group when launched by it (else the plain device of
    one process), and leave it at the end. After an error the group is not torn down: a clean teardown
    would wait for the ranks that are still inside a collective; torchrun ends them instead."""
    if not launched_by_torchrun():
        yield None
        return
    here = init(device_name)
    yield here
    teardown()


def barrier() -> None:
    """Wait until every rank gets here (nothing to wait for in one process)."""
    if not is_active():
        return
    if dist.get_backend() == "nccl":
        dist.barrier(device_ids=[torch.cuda.current_device()])
    else:
        dist.barrier()


def mean(value: torch.Tensor) -> float:
    """A scalar tensor averaged over the ranks, as a float: with equal per-rank batches, the global batch's mean."""
    if not is_active():
        return value.item()
    total = value.detach().clone().float()
    dist.all_reduce(total)
    return total.item() / world_size()


def any_rank(flag: bool) -> bool:
    """True on every rank when ``flag`` is True on at least one (e.g. a callback asking to stop)."""
    if not is_active():
        return flag
    here = torch.device("cuda", torch.cuda.current_device()) if dist.get_backend() == "nccl" else "cpu"
    value = torch.tensor(float(flag), device=here)
    dist.all_reduce(value, op=dist.ReduceOp.MAX)
    return bool(value.item())
