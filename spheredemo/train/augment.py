"""Which augmentation a run applies to each training batch, and the seed streams it draws from: every kind of
augmentation its own stream, seeded by (seed, step, rank), so a resumed run draws the same again and each rank
its own. The augmentations themselves live in :mod:`spheredemo.data`."""

from __future__ import annotations

import torch

from spheredemo.config import TrainConfig
from spheredemo.data import random_affine, random_erase, random_flip, random_photometric, random_shift

__all__ = ["augment"]


def augment(images: torch.Tensor, config: TrainConfig, step: int, rank: int) -> torch.Tensor:
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
