"""The in-memory image set every data source produces, the data errors, and the user cache folder."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import torch

__all__ = ["ImageSet", "DataError", "RelativeDataPath", "cache_dir", "env_data_root", "ENV_VAR"]

ENV_VAR = "SPHEREDEMO_DATA"  # a folder holding mnist/ and faces/ (the staged copies, or the user's own)


class DataError(RuntimeError):
    """A data file is missing, corrupt or cannot be downloaded."""


class RelativeDataPath(DataError):
    """``$SPHEREDEMO_DATA`` is a relative path that names no folder from where this process runs."""


#: the seed that draws the held-out images of :meth:`ImageSet.split_held_out` (fixed: one split for all seeds)
HELD_OUT_SEED = 20170704


@dataclass
class ImageSet:
    """Images as uint8 (N, C, H, W) and labels as int64 (N,), kept whole in memory.

    Face sets also carry ``paths`` (each image's file relative to ``root``), so a result can be
    traced back to the face it came from.
    """

    images: torch.Tensor
    labels: torch.Tensor
    classes: tuple[str, ...]
    paths: tuple[str, ...] | None = None  # each image's file, relative to root (face sets)
    root: str | None = None  # the folder the paths are relative to

    def __post_init__(self):
        if self.images.ndim != 4 or self.labels.ndim != 1 or len(self.images) != len(self.labels):
            raise ValueError(
                f"images must be (N, C, H, W) and labels (N,), got {tuple(self.images.shape)} "
                f"and {tuple(self.labels.shape)}"
            )
        if self.paths is not None and len(self.paths) != len(self.labels):
            raise ValueError(f"paths must name every image: {len(self.paths)} paths for {len(self.labels)} images")

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    def batch(self, index, device=None) -> tuple[torch.Tensor, torch.Tensor]:
        """Float images in [0, 1] and labels for ``index`` (a tensor of positions or a slice)."""
        images = self.images[index].to(device, non_blocking=True).float().div_(255.0)
        return images, self.labels[index].to(device, non_blocking=True)

    def subset(self, index) -> ImageSet:
        """A new set holding only ``index`` (positions, a boolean mask or a slice)."""
        paths = None
        if self.paths is not None:
            positions = torch.arange(len(self))[index].reshape(-1).tolist()
            paths = tuple(self.paths[i] for i in positions)
        return ImageSet(self.images[index], self.labels[index], self.classes, paths, self.root)

    def per_class(self, n, seed: int = 0) -> ImageSet:
        """At most ``n`` randomly chosen images of every class (a balanced small subset).

        ``n`` may also be a list with one count per class (e.g. a long-tailed subset).
        """
        counts = [n] * self.n_classes if isinstance(n, int) else list(n)
        if len(counts) != self.n_classes or any(not isinstance(c, int) or c < 1 for c in counts):
            raise ValueError(f"n must be a count >= 1 or a list of {self.n_classes} such counts, got {n!r}")
        gen = torch.Generator().manual_seed(seed)
        order = torch.randperm(len(self), generator=gen)
        keep = torch.cat([order[self.labels[order] == c][:count] for c, count in enumerate(counts)])
        return self.subset(keep.sort().values)


    def split_held_out(self, fraction: float, seed: int = HELD_OUT_SEED) -> tuple[ImageSet, ImageSet]:
        """(kept, held out): ``fraction`` of every class's images, at least one where a class has two or more,
        drawn with a fixed ``seed`` (the same images whatever the training seed), both in the original order."""
        if not (isinstance(fraction, (int, float)) and 0 < fraction < 1):
            raise ValueError(f"fraction (of each class's images held out) must lie in (0, 1), got {fraction!r}")
        gen = torch.Generator().manual_seed(seed)
        order = torch.randperm(len(self), generator=gen)
        held = []
        for c in range(self.n_classes):
            members = order[self.labels[order] == c]
            count = min(len(members) - 1, max(1, round(fraction * len(members)))) if len(members) > 1 else 0
            held.append(members[:count])
        held = torch.cat(held).sort().values
        kept = torch.ones(len(self), dtype=torch.bool)
        kept[held] = False
        return self.subset(torch.nonzero(kept).flatten()), self.subset(held)


def env_data_root() -> Path | None:
    """The folder ``$SPHEREDEMO_DATA`` names, as an absolute path; None when it is unset or empty.

    A relative path is read from this process's folder, and a Jupyter kernel runs in its notebook's folder, not
    where ``jupyter lab`` was typed: ``SPHEREDEMO_DATA=../shared/data jupyter lab notebooks/`` means another
    folder to the kernel. A relative path that names no folder from here is a :class:`RelativeDataPath` error
    saying so, rather than a search that finds nothing (or a download into a folder made there).
    """
    value = os.environ.get(ENV_VAR)
    if not value:
        return None
    path = Path(value).expanduser()
    if path.is_absolute():
        return path
    here = Path.cwd()
    if not (here / path).is_dir():
        raise RelativeDataPath(
            f"{ENV_VAR}={value} is a relative path, and from this process's folder ({here}) it names no folder "
            f"({here / path}). A Jupyter kernel runs in its notebook's folder, not where jupyter lab was started: "
            f"give {ENV_VAR} an absolute path, e.g. {ENV_VAR}=\"$PWD/{value}\" jupyter lab notebooks/")
    return (here / path).resolve()


def cache_dir() -> Path:
    """The per-user cache for downloaded data: ``$XDG_CACHE_HOME/spheredemo`` or ``~/.cache/...``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "spheredemo"
