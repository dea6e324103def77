"""Face trees: identity-per-folder images (LFW, CASIA-WebFace, Extended Yale B, AT&T), read whole or streamed.

A face tree is ``<root>/<identity>/<image>`` (``.jpg``, ``.png``, ``.pgm``, ...). Every image goes
through one function, :func:`preprocess_face` (centre crop, resize, RGB or grey), in training and in
evaluation alike. JPEGs are decoded once with Pillow (a progress bar, a thread per core) and the
decoded set is cached as an ``.npy`` keyed by the folder, the file list, the files' sizes and times and the
preprocessing (memory-mapped copy-on-write when read), so a second load only reads one file.
:class:`FaceFiles` is the same selection as a file list, decoded in DataLoader workers.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from spheredemo.atomic import atomic_path
from spheredemo.config import FACE_CROP, FACE_SIZE
from spheredemo.imageset import DataError, ImageSet, cache_dir

__all__ = ["FacePreprocessing", "preprocess_face", "load_image_files", "identity_folders", "image_tree",
           "load_faces", "FaceFiles", "IMAGE_SUFFIXES", "LFW_IMAGE_DIRS", "FACE_SIZE"]

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".pgm", ".bmp", ".ppm", ".webp")
LFW_IMAGE_DIRS = ("lfw-deepfunneled", "lfw_funneled", "lfw", "images")  # where a copy may keep its images


@dataclass(frozen=True)
class FacePreprocessing:
    """The one preprocessing of every face image (see :func:`preprocess_face`).

    The default suits LFW's 250×250 deep-funneled images, whose face fills about the central
    110–120 px: keep the central 48 % of the shorter side. Tightly cropped sets (Extended
    Yale B, AT&T) use ``crop=1.0``.
    """

    size: int = FACE_SIZE  # output side, pixels (square)
    crop: float = FACE_CROP  # fraction of the image's shorter side kept around its centre
    grayscale: bool = False  # one grey channel instead of RGB

    def __post_init__(self):
        if isinstance(self.size, bool) or not isinstance(self.size, int) or not 8 <= self.size <= 512:
            raise ValueError(f"size (pixels) must be an integer in 8..512, got {self.size!r}")
        if not isinstance(self.crop, (int, float)) or not 0 < self.crop <= 1:
            raise ValueError(f"crop (a fraction of the shorter side) must lie in (0, 1], got {self.crop!r}")

    @property
    def channels(self) -> int:
        return 1 if self.grayscale else 3

    def key(self) -> dict:
        return {"size": self.size, "crop": float(self.crop), "grayscale": self.grayscale, "version": 1}


def preprocess_face(image, preprocessing: FacePreprocessing = FacePreprocessing()) -> np.ndarray:
    """A PIL image -> uint8 array (C, size, size): centre crop, resize (bilinear, antialiased), RGB or grey.

    The crop is a square of ``crop`` × the shorter side, centred on the image: LFW's deep-funneled
    images are aligned so that the face sits there, which approximates the paper's landmark
    alignment (MTCNN + similarity transform to 112×96).
    """
    from PIL import Image

    image = image.convert("L" if preprocessing.grayscale else "RGB")
    width, height = image.size
    side = preprocessing.crop * min(width, height)
    left, top = (width - side) / 2, (height - side) / 2
    box = (round(left), round(top), round(left + side), round(top + side))
    face = image.resize((preprocessing.size, preprocessing.size), Image.Resampling.BILINEAR, box=box)
    array = np.asarray(face, dtype=np.uint8)
    return array[None] if array.ndim == 2 else array.transpose(2, 0, 1)  # (C, H, W)


def _decode(path: Path, preprocessing: FacePreprocessing) -> np.ndarray:
    from PIL import Image

    try:
        with Image.open(path) as image:
            return preprocess_face(image, preprocessing)
    except Exception as exc:  # a truncated or foreign file: say which one
        raise DataError(f"cannot read the image {path}: {exc.__class__.__name__}: {exc}") from None


def _cache_key(root: Path, relative: list[str], preprocessing: FacePreprocessing) -> str:
    base = str(root)
    stats = [os.stat(os.path.join(base, rel)) for rel in relative]  # plain strings: 3x faster than pathlib here
    # sizes alone cannot tell apart two trees of same-sized images (PGM) or an image edited in place
    text = json.dumps({"root": str(root.resolve()), "files": relative, "sizes": [st.st_size for st in stats],
                       "mtimes_ns": [st.st_mtime_ns for st in stats], "preprocessing": preprocessing.key()})
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def load_image_files(root, relative_paths, preprocessing: FacePreprocessing = FacePreprocessing(),
                     cache: bool | str | Path = True, progress: bool = True) -> np.ndarray:
    """Decode ``root/<relative path>`` for each path into one uint8 array (N, C, size, size).

    With ``cache`` (True: the user cache; or a folder) the decoded array is kept in an ``.npy``
    named by a hash of the folder, the file list, the files' sizes and modification times and the
    preprocessing: a changed file, list, folder or preprocessing gives another name.
    """
    root = Path(root)
    relative = [str(p) for p in relative_paths]
    if not relative:
        raise DataError(f"no images to load under {root}")
    cache_file = None
    if cache:
        folder = (cache_dir() / "faces") if cache is True else Path(cache)
        cache_file = folder / f"faces-{_cache_key(root, relative, preprocessing)}.npy"
        if cache_file.is_file():
            try:
                cached = np.load(cache_file, mmap_mode="c", allow_pickle=False)  # pages read on first use
                if cached.ndim == 4 and len(cached) == len(relative):
                    return cached
            except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
                pass  # an unreadable cache is rebuilt below
    from tqdm.auto import tqdm

    with ThreadPoolExecutor(max_workers=max(1, min(8, os.cpu_count() or 1))) as pool:
        jobs = pool.map(lambda rel: _decode(root / rel, preprocessing), relative)
        images = np.stack(list(tqdm(jobs, total=len(relative), desc="decoding faces", unit="img",
                                    disable=not progress, leave=False)))
    if cache_file is not None:
        try:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(cache_file) as tmp, open(tmp, "wb") as f:
                np.save(f, images)
        except OSError as exc:  # a read-only cache folder: the images are decoded all the same
            warnings.warn(f"could not write the decoded-face cache {cache_file}: {exc}", stacklevel=2)
    return images


def _is_image_name(name: str) -> bool:
    return not name.startswith(".") and os.path.splitext(name)[1].lower() in IMAGE_SUFFIXES


def identity_folders(root: Path) -> dict[str, list[str]]:
    """identity -> sorted image file names, for every sub-folder that holds images (os.scandir: one call
    per folder, no stat per file, so a tree of thousands of folders lists in a blink)."""
    found = {}
    with os.scandir(root) as entries:
        folders = sorted(entry.name for entry in entries if entry.is_dir())
    base = str(root)
    for folder in folders:
        with os.scandir(os.path.join(base, folder)) as entries:
            names = sorted(e.name for e in entries if _is_image_name(e.name) and e.is_file())
        if names:
            found[folder] = names
    return found


def _holds_images(root: Path) -> bool:
    """Whether some sub-folder of ``root`` holds an image (stops at the first one)."""
    with os.scandir(root) as entries:
        for entry in entries:
            if entry.is_dir():
                with os.scandir(entry.path) as files:
                    if any(_is_image_name(f.name) and f.is_file() for f in files):
                        return True
    return False


def image_tree(root) -> Path:
    """The identity-per-folder tree at ``root``: an LFW copy's image folder (``lfw-deepfunneled/`` ...) when
    it has one, else ``root`` itself when one of its sub-folders holds images."""
    root = Path(root).expanduser()
    if not root.is_dir():
        raise DataError(f"{root} is not a folder; give the folder of an identity-per-folder image tree "
                        f"(<root>/<identity>/<image>.jpg)")
    for name in LFW_IMAGE_DIRS:  # first: a copy's image folder beside its text files
        if (root / name).is_dir() and _holds_images(root / name):
            return root / name
    if _holds_images(root):
        return root
    raise DataError(f"{root} is not an image tree: no sub-folder holds images ({', '.join(IMAGE_SUFFIXES)}). "
                    f"Expected <root>/<identity>/<image>, one folder per identity.")


def _select_identities(root, min_images: int, max_identities: int | None, include, exclude,
                       min_identities: int) -> tuple[Path, list[str], list[str], list[int]]:
    """(tree, identities kept in sorted order, image paths relative to the tree, labels): the selection of
    :func:`load_faces`, shared with :class:`FaceFiles` so that both pick the same images."""
    from spheredemo._validate import check_int

    tree = image_tree(root)
    check_int("min_images", min_images)
    if max_identities is not None:
        check_int("max_identities", max_identities)
    folders = identity_folders(tree)
    if include is not None:
        include = [include] if isinstance(include, str) else list(include)
        unknown = sorted(set(include) - set(folders))
        if unknown:
            raise DataError(f"include names identities that {tree} does not hold: {unknown[:10]}"
                            + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""))
        folders = {name: folders[name] for name in include}
    for name in [exclude] if isinstance(exclude, str) else (exclude or ()):
        folders.pop(name, None)
    chosen = [name for name in folders if len(folders[name]) >= min_images]
    chosen.sort(key=lambda name: (-len(folders[name]), name))
    chosen = sorted(chosen[:max_identities])
    if len(chosen) < min_identities:
        raise DataError(f"{tree} has {len(chosen)} identities with at least {min_images} images after the "
                        f"include/exclude lists; at least {min_identities} are needed. Lower min_images or "
                        f"check the folder.")
    paths = [f"{name}/{file}" for name in chosen for file in folders[name]]
    labels = [label for label, name in enumerate(chosen) for _ in folders[name]]
    return tree, chosen, paths, labels


def load_faces(root, *, min_images: int = 1, max_identities: int | None = None, include=None, exclude=None,
               min_identities: int = 2, preprocessing: FacePreprocessing = FacePreprocessing(),
               cache: bool | str | Path = True, progress: bool = True) -> ImageSet:
    """Read an identity-per-folder face tree into an :class:`ImageSet` with ``paths``.

    Args:
        root: the tree (``<root>/<identity>/<image>``), or a folder holding one (an LFW copy's
            ``lfw-deepfunneled/``).
        min_images: keep identities with at least this many images.
        max_identities: then keep only this many, the largest first (ties by name).
        include: identity names to keep (every one must exist); ``exclude``: names to drop.
        min_identities: fewer identities left than this is an error (a classifier needs two).
        preprocessing: the crop, size and colour of every image (:func:`preprocess_face`).
        cache: keep the decoded images in the user cache (True), in a given folder, or not (False).

    Classes are the identity names in sorted order; ``labels`` index them; ``paths`` are the
    files relative to the tree.
    """
    tree, chosen, paths, labels = _select_identities(root, min_images, max_identities, include, exclude,
                                                     min_identities)
    images = load_image_files(tree, paths, preprocessing, cache, progress)
    return ImageSet(torch.from_numpy(images), torch.tensor(labels, dtype=torch.int64), tuple(chosen),
                    paths=tuple(paths), root=str(tree))


# --- streaming: a face tree as a file list, decoded in DataLoader workers ----------------------------------

class FaceFiles(torch.utils.data.Dataset):
    """A face tree as a list of files, decoded on demand: ``files[i]`` is (uint8 (C, size, size), label).

    The streaming counterpart of :func:`load_faces` for trees too big to hold decoded (CASIA-WebFace:
    494,414 images, about 18 GB as 112×112 RGB): only the paths and labels live in memory, and a
    ``torch.utils.data.DataLoader`` decodes each batch in its worker processes with the same
    :func:`preprocess_face`, so an image is byte for byte the one the in-memory set holds. Memory is
    bounded by the workers' prefetched batches. The paths are one numpy string array (not a list of
    Python strings), so forked workers do not copy them page by page as they read them.

    Build one with :meth:`from_tree` (the identities :func:`load_faces` would keep) or
    :func:`spheredemo.faces.lfw_training_files` (the set :func:`~spheredemo.faces.lfw_training_set` gives).
    """

    def __init__(self, root, paths, labels, classes, preprocessing: FacePreprocessing = FacePreprocessing()):
        self.root = str(root)
        self.paths = np.asarray(paths, dtype=str)  # (N,) each image's file, relative to root
        self.labels = torch.as_tensor(labels, dtype=torch.int64)  # (N,) index into classes
        self.classes = tuple(classes)
        self.preprocessing = preprocessing
        if len(self.paths) != len(self.labels):
            raise ValueError(f"paths must name every image: {len(self.paths)} paths for {len(self.labels)} labels")

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        image = _decode(Path(self.root) / str(self.paths[index]), self.preprocessing)
        return torch.from_numpy(np.array(image)), int(self.labels[index])  # a writable, contiguous copy

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """(C, H, W) of every decoded image."""
        size = self.preprocessing.size
        return (self.preprocessing.channels, size, size)

    @classmethod
    def from_tree(cls, root, *, min_images: int = 1, max_identities: int | None = None, exclude=None,
                  min_identities: int = 2, preprocessing: FacePreprocessing = FacePreprocessing()) -> FaceFiles:
        """The images :func:`load_faces` would load with these arguments, listed but not decoded."""
        tree, chosen, paths, labels = _select_identities(root, min_images, max_identities, None, exclude,
                                                         min_identities)
        return cls(tree, paths, labels, chosen, preprocessing)

    def per_class(self, n, seed: int = 0) -> FaceFiles:
        """The images :meth:`ImageSet.per_class` keeps with the same ``n`` and ``seed``.

        It is that very method, run on an ImageSet with no pixels (N × 0 × 0 × 0), so the two can never differ.
        """
        shell = ImageSet(torch.empty((len(self), 0, 0, 0), dtype=torch.uint8), self.labels, self.classes,
                         paths=tuple(self.paths.tolist()), root=self.root)
        kept = shell.per_class(n, seed=seed)
        return FaceFiles(self.root, kept.paths, kept.labels, self.classes, self.preprocessing)
