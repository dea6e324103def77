"""Data sets: MNIST here; face trees and LFW pairs in :mod:`spheredemo.faces` (re-exported).

MNIST comes from its four original IDX .gz files: found locally or downloaded, checksummed, cached.

Where the files come from, in order:

1. the ``root`` argument;
2. the ``SPHEREDEMO_DATA`` environment variable;
3. the per-user cache (``$XDG_CACHE_HOME/spheredemo`` or ``~/.cache/spheredemo``);
4. a download from the usual mirrors (progress bar, sha256 checked before the file is kept)
   into the first of ``root``, ``$SPHEREDEMO_DATA`` and the user cache that is given.

In each directory the files may sit directly or in a ``mnist/`` sub-folder. A whole split is
decoded straight into tensors; training batches are drawn by tensor indexing.
"""

from __future__ import annotations

import gzip
import hashlib
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import torch

from spheredemo._validate import check_augment
from spheredemo.atomic import atomic_path
from spheredemo.faces import load_faces, load_lfw_pairs  # noqa: E402  (faces live in their own package)
from spheredemo.imageset import ENV_VAR, DataError, ImageSet, cache_dir, env_data_root

__all__ = ["ImageSet", "load_mnist", "load_faces", "load_lfw_pairs", "random_shift", "random_flip", "random_affine",
           "affine_views",
           "random_photometric", "random_erase", "find_mnist_dir", "cache_dir",
           "MNIST_FILES", "DataError", "ENV_VAR"]


#: file name -> sha256 of the official .gz file
MNIST_FILES = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}
_SPLIT_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)


def random_shift(images: torch.Tensor, max_shift: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Shift every image by its own random (dy, dx) in [−max_shift, max_shift], filling with 0.

    A cheap augmentation for digit images (vectorised: one gather for the whole batch).
    """
    if max_shift == 0:
        return images
    b, _, h, w = images.shape
    padded = torch.nn.functional.pad(images, (max_shift,) * 4)
    dy, dx = torch.randint(0, 2 * max_shift + 1, (2, b), generator=generator).to(images.device)
    rows = torch.arange(h, device=images.device)[None, :] + dy[:, None]  # (B, H)
    cols = torch.arange(w, device=images.device)[None, :] + dx[:, None]  # (B, W)
    batch = torch.arange(b, device=images.device)[:, None, None]
    return padded[batch, :, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)  # (B, C, H, W)


def random_affine(images: torch.Tensor, zoom: float = 0.0, translate: float = 0.0, rotate_deg: float = 0.0,
                  generator: torch.Generator | None = None) -> torch.Tensor:
    """Zoom, move and turn every image by its own random amount: a face seen a little closer, off-centre or tilted.

    Each image is resampled (bilinear, edge pixels repeated outward) from a view that covers a fraction
    s ~ U(1 − zoom, 1) of its side (a zoom-in by 1/s), whose centre moves by up to ``translate`` of the side
    in x and in y, turned by up to ± ``rotate_deg`` degrees (a true turn on non-square images too). All zero
    returns ``images`` unchanged. Half-precision images are resampled in float32 and returned in their dtype.

    Args:
        images: float (B, C, H, W).
        zoom: largest fraction of the side cut away, in [0, 0.5].
        translate: largest move of the view's centre, as a fraction of the side, in [0, 0.25].
        rotate_deg: largest turn, degrees, in [0, 45].
    """
    amounts = check_augment(zoom=zoom, translate=translate, rotate_deg=rotate_deg)
    _check_float_images(images, "random_affine")
    if not any(amounts.values()):
        return images
    height, width = images.shape[-2:]
    work = images if images.dtype in (torch.float32, torch.float64) else images.float()  # a bf16 grid is ~0.2 px off
    theta = affine_views(len(images), **amounts, generator=generator, aspect=height / width)
    grid = torch.nn.functional.affine_grid(theta.to(work.device, work.dtype), list(work.shape), align_corners=False)
    out = torch.nn.functional.grid_sample(work, grid, mode="bilinear", padding_mode="border", align_corners=False)
    return out.to(images.dtype)


def affine_views(n: int, zoom: float, translate: float, rotate_deg: float,
                 generator: torch.Generator | None = None, aspect: float = 1.0) -> torch.Tensor:
    """The (n, 2, 3) float64 matrices of :func:`random_affine`: output pixel at (x, y) in coordinates running
    from −1 to 1 across the image reads the input at theta @ (x, y, 1). ``aspect`` (height / width) keeps a
    turn a turn in pixels on a non-square image. Drawn on the CPU generator, so one seed gives the same views
    on every device."""
    def uniform(low, high):
        return low + (high - low) * torch.rand(n, generator=generator, dtype=torch.float64)

    scale = uniform(1 - zoom, 1.0)
    # across the image the coordinates span 2: a move of t sides is 2t there
    shift_x, shift_y = uniform(-2 * translate, 2 * translate), uniform(-2 * translate, 2 * translate)
    angle = torch.deg2rad(uniform(-rotate_deg, rotate_deg))
    cos, sin = scale * torch.cos(angle), scale * torch.sin(angle)
    # a turn in pixels, written in coordinates that span each side: diag(W, H)^-1 · R · diag(W, H)
    return torch.stack([torch.stack([cos, -sin * aspect, shift_x], 1),
                        torch.stack([sin / aspect, cos, shift_y], 1)], 1)


def _check_float_images(images: torch.Tensor, what: str) -> None:
    if not images.is_floating_point():
        raise ValueError(f"{what} takes float images (B, C, H, W) in [0, 1], got dtype {images.dtype}; "
                         f"convert with images.float() / 255")


def random_flip(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Each image mirrored left-right with probability 1/2 (the paper's face augmentation)."""
    flip = (torch.rand(len(images), generator=generator) < 0.5).to(images.device)
    return torch.where(flip[:, None, None, None], images.flip(-1), images)


def random_photometric(images: torch.Tensor, brightness: float = 0.0, contrast: float = 0.0, grayscale: float = 0.0,
                       generator: torch.Generator | None = None) -> torch.Tensor:
    """Change every image's light and colour by its own random amount: a face under another lamp or camera.

    In this order, each image is multiplied by a brightness factor ~ U(1 − brightness, 1 + brightness); its
    contrast is scaled about its own mean (over pixels and channels) by a factor ~ U(1 − contrast, 1 + contrast);
    with probability ``grayscale`` each of its pixels takes the mean of its channels in every channel; the
    result is clipped to [0, 1]. All zero returns ``images`` unchanged. The draws are made on the CPU
    ``generator`` (three per image, whichever amounts are zero), so one seed gives the same changes on every
    device.

    Args:
        images: float (B, C, H, W) in [0, 1].
        brightness, contrast: largest relative change of the factor, each in [0, 0.9].
        grayscale: probability of an image turning grey, in [0, 1].
    """
    amounts = check_augment(brightness=brightness, contrast=contrast, grayscale=grayscale)
    _check_float_images(images, "random_photometric")
    if not any(amounts.values()):
        return images
    draws = torch.rand(3, len(images), generator=generator, dtype=torch.float64)
    factor_shape = (len(images),) + (1,) * (images.ndim - 1)
    bright = (1 + (2 * draws[0] - 1) * amounts["brightness"]).to(images.device, images.dtype).view(factor_shape)
    stretch = (1 + (2 * draws[1] - 1) * amounts["contrast"]).to(images.device, images.dtype).view(factor_shape)
    grey = (draws[2] < amounts["grayscale"]).to(images.device).view(factor_shape)
    out = images * bright
    mean = out.mean(dim=tuple(range(1, images.ndim)), keepdim=True)
    out = (out - mean) * stretch + mean
    out = torch.where(grey, out.mean(dim=1, keepdim=True).expand_as(out), out)
    return out.clamp(0, 1)


def random_erase(images: torch.Tensor, probability: float = 0.0, max_size: float = 0.4,
                 generator: torch.Generator | None = None) -> torch.Tensor:
    """Paint one rectangle of one random grey on some images: a face partly hidden by a hand, a microphone, a
    shadow (random erasing, Zhong et al. 2020).

    Each image is chosen with probability ``probability``. Its rectangle's height and width are each a fraction
    ~ U(max_size / 2, max_size) of the image's height and width, rounded down to pixels; its top-left corner is
    uniform over the places where the whole rectangle fits; its grey level ~ U(0, 1) fills every channel.
    Six draws per image on the CPU ``generator``, so one seed gives the same rectangles on every device.

    Args:
        images: float (B, C, H, W) in [0, 1].
        probability: chance of an image being erased, in [0, 1].
        max_size: largest side of the rectangle as a fraction of the image's side, in [0, 0.9].
    """
    amounts = check_augment(erase=probability, erase_size=max_size)
    _check_float_images(images, "random_erase")
    if not amounts["erase"] or not amounts["erase_size"]:
        return images
    height, width = images.shape[-2:]
    chosen, size_y, size_x, place_y, place_x, grey = torch.rand(6, len(images), generator=generator,
                                                               dtype=torch.float64)
    # each side U(max_size / 2, max_size) of the image's side, in whole pixels
    rect_h = torch.floor(height * amounts["erase_size"] * (1 + size_y) / 2)
    rect_w = torch.floor(width * amounts["erase_size"] * (1 + size_x) / 2)
    top, left = torch.floor(place_y * (height - rect_h + 1)), torch.floor(place_x * (width - rect_w + 1))
    rows, cols = torch.arange(height, dtype=torch.float64), torch.arange(width, dtype=torch.float64)
    inside = (((rows >= top[:, None]) & (rows < (top + rect_h)[:, None]))[:, :, None]
              & ((cols >= left[:, None]) & (cols < (left + rect_w)[:, None]))[:, None, :])  # (B, H, W)
    inside &= (chosen < amounts["erase"])[:, None, None]
    fill = grey.to(images.device, images.dtype).view(-1, 1, 1, 1).expand_as(images)
    return torch.where(inside[:, None].to(images.device), fill, images)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _candidate_dirs(root) -> list[Path]:
    env = env_data_root() if root is None else None
    dirs = [Path(root).expanduser()] if root is not None else ([env] if env is not None else [])
    dirs.append(cache_dir())
    return [d / sub for d in dirs for sub in ("mnist", "")]


def find_mnist_dir(root=None) -> Path | None:
    """The first candidate directory holding all four MNIST files, or None."""
    for d in _candidate_dirs(root):
        if all((d / name).is_file() for name in MNIST_FILES):
            return d
    return None


def _verify(path: Path) -> None:
    expected = MNIST_FILES[path.name]
    actual = _sha256(path)
    if actual != expected:
        raise DataError(
            f"{path} is corrupt or truncated: its sha256 is {actual}, expected {expected}. "
            f"Delete it and load again (or copy the original file there)."
        )


def _download(name: str, target_dir: Path) -> Path:
    from tqdm.auto import tqdm

    errors = []
    for mirror in MIRRORS:
        url = mirror + name
        try:
            with atomic_path(target_dir / name) as tmp:  # a failed or corrupt download leaves nothing behind
                with open(tmp, "wb") as out, urllib.request.urlopen(url, timeout=30) as response:
                    total = int(response.headers.get("Content-Length") or 0) or None
                    with tqdm(total=total, unit="B", unit_scale=True, desc=name, leave=False) as bar:
                        for chunk in iter(lambda: response.read(1 << 16), b""):
                            out.write(chunk)
                            bar.update(len(chunk))
                if _sha256(tmp) != MNIST_FILES[name]:
                    raise DataError(f"checksum mismatch for {url}")
            return target_dir / name
        except (urllib.error.URLError, OSError, DataError, TimeoutError) as exc:
            errors.append(f"{url}: {exc}")
    raise DataError(f"could not download {name}:\n  " + "\n  ".join(errors))


def _missing_message(root) -> str:
    where = "\n  ".join(str(d) for d in _candidate_dirs(root))
    return (
        "MNIST files not found and not downloaded. Put these four files\n  "
        + "\n  ".join(MNIST_FILES)
        + f"\ninto one of\n  {where}\n"
        f"or point {ENV_VAR} (or the root argument) at the folder that holds them."
    )


def _read_idx(path: Path, magic: int) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        raw = f.read()
    found = int.from_bytes(raw[:4], "big")
    if found != magic:
        raise DataError(f"{path} is not an IDX file of the expected kind (magic {found}, expected {magic})")
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    offset = 4 + 4 * ndim
    data = np.frombuffer(raw, dtype=np.uint8, offset=offset)
    if data.size != int(np.prod(shape)):
        raise DataError(f"{path} is truncated: header says {shape}, found {data.size} values")
    return data.reshape(shape)


def load_mnist(split: str = "train", root=None, download: bool = True) -> ImageSet:
    """Load a whole MNIST split: images uint8 (N, 1, 28, 28) and labels int64 (N,).

    Args:
        split: ``"train"`` (60,000 images) or ``"test"`` (10,000).
        root: a folder with the four ``.gz`` files (or with a ``mnist/`` sub-folder holding
            them). Without it, ``$SPHEREDEMO_DATA`` and then the user cache are searched.
        download: fetch missing files when none are found, into ``root``, else
            ``$SPHEREDEMO_DATA``, else the user cache.

    Every file's sha256 is checked against the official one before it is used.
    """
    if split not in _SPLIT_FILES:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    folder = find_mnist_dir(root)
    if folder is None:
        if not download:
            raise DataError(_missing_message(root))
        base = Path(root).expanduser() if root is not None else (env_data_root() or cache_dir())
        try:
            for name in MNIST_FILES:
                if not (base / name).is_file():
                    _download(name, base)
        except DataError as exc:
            raise DataError(f"{exc}\n\n{_missing_message(root)}") from None
        folder = base
    image_file, label_file = (folder / name for name in _SPLIT_FILES[split])
    _verify(image_file)
    _verify(label_file)
    images = _read_idx(image_file, 2051)
    labels = _read_idx(label_file, 2049)
    return ImageSet(
        images=torch.from_numpy(images.copy()).unsqueeze(1),
        labels=torch.from_numpy(labels.astype(np.int64)),
        classes=tuple(str(d) for d in range(10)),
    )
