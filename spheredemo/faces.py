"""Face images: identity-per-folder trees (LFW, CASIA-WebFace, Extended Yale B, AT&T) and LFW's pairs.

A face tree is ``<root>/<identity>/<image>`` (``.jpg``, ``.png``, ``.pgm``, ...). Every image goes
through one function, :func:`preprocess_face` (centre crop, resize, RGB or grey), in training and in
evaluation alike. JPEGs are decoded once with Pillow (a progress bar, a thread per core) and the
decoded set is cached as an ``.npy`` keyed by the folder, the file list, the files' sizes and times and the
preprocessing (memory-mapped copy-on-write when read), so
a second load only reads one file.

The LFW protocol (View 2): ``pairs.txt`` holds 10 folds of matched and mismatched pairs; folds are
identity-disjoint. :func:`load_lfw_pairs` reads the folds whose images are all present (reporting the
pairs it had to leave out, by count) and :func:`check_disjoint` refuses a training set that shares an
identity with an evaluated pair (the paper's open-set rule).
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

__all__ = [
    "FacePreprocessing", "preprocess_face", "load_faces", "load_image_files", "find_lfw",
    "LFWPairs", "read_pairs", "load_lfw_pairs", "lfw_training_set", "check_disjoint", "IMAGE_SUFFIXES",
    "FACE_SIZE", "LFW_HELD_OUT_FOLDS",
]

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".pgm", ".bmp", ".ppm", ".webp")
LFW_HELD_OUT_FOLDS = (1, 2, 3)  # the View-2 folds dataset "lfw" keeps out of training and evaluates
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


def _identity_folders(root: Path) -> dict[str, list[str]]:
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


def _image_tree(root) -> Path:
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

    tree = _image_tree(root)
    check_int("min_images", min_images)
    if max_identities is not None:
        check_int("max_identities", max_identities)
    folders = _identity_folders(tree)
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


# --- LFW ------------------------------------------------------------------------------------------------

def find_lfw(root=None) -> tuple[Path, Path]:
    """(image tree, pairs.txt) of an LFW copy: ``root``, else ``$SPHEREDEMO_DATA/faces/lfw``, else the user
    cache's ``lfw/``. ``pairs.txt`` may sit in the copy's root, its ``meta/`` folder or beside the images."""
    from spheredemo.imageset import ENV_VAR

    candidates = [Path(root).expanduser()] if root is not None else [
        *([Path(os.environ[ENV_VAR]).expanduser() / "faces" / "lfw"] if os.environ.get(ENV_VAR) else []),
        cache_dir() / "lfw",
    ]
    for base in candidates:
        if not base.is_dir():
            continue
        tree = _image_tree(base)
        for pairs in (base / "pairs.txt", base / "meta" / "pairs.txt", tree / "pairs.txt", tree.parent / "pairs.txt"):
            if pairs.is_file():
                return tree, pairs
        raise DataError(f"{base} holds LFW images but no pairs.txt (looked in {base}, {base / 'meta'} and {tree})")
    raise DataError("no LFW copy found in " + ", ".join(str(c) for c in candidates)
                    + f". Point at the folder of your LFW copy (its images and pairs.txt): set {ENV_VAR}=DIR (the "
                    f"folder holding faces/lfw), or pass it as the root argument (face_explorer(lfw=...), "
                    f"load_lfw_pairs(root)) or on the command line (python -m spheredemo.train --data, "
                    f"python -m spheredemo.verify --lfw).")


def read_pairs(path) -> list[tuple[int, bool, str, str]]:
    """``pairs.txt`` as (fold, same, image1, image2) with images as ``Name/Name_NNNN.jpg`` and folds from 1.

    The file starts with ``<folds> <pairs per kind>``; each fold then lists that many matched
    pairs (``name n1 n2``) followed by as many mismatched ones (``name1 n1 name2 n2``).
    """
    numbered = [(number, line.split()) for number, line in enumerate(Path(path).read_text().splitlines(), 1)
                if line.strip()]  # (line number in the file, fields), blank lines skipped
    try:
        n_folds, per_kind = (int(v) for v in numbered[0][1])
    except (ValueError, IndexError):
        raise DataError(f"{path}: the first line must be '<folds> <pairs per kind>', got "
                        f"{numbered[0][1] if numbered else 'an empty file'}") from None
    if len(numbered) - 1 != n_folds * 2 * per_kind:
        raise DataError(f"{path}: expected {n_folds} folds × {2 * per_kind} pairs, found {len(numbered) - 1} lines")

    pairs = []
    for i, (number, fields) in enumerate(numbered[1:]):
        fold, same = i // (2 * per_kind) + 1, i % (2 * per_kind) < per_kind
        expected = "name n1 n2" if same else "name1 n1 name2 n2"
        try:
            if same and len(fields) == 3:
                pairs.append((fold, True, _lfw_image(fields[0], fields[1]), _lfw_image(fields[0], fields[2])))
                continue
            if not same and len(fields) == 4:
                pairs.append((fold, False, _lfw_image(fields[0], fields[1]), _lfw_image(fields[2], fields[3])))
                continue
        except ValueError:
            pass  # an image number that is not a number
        raise DataError(f"{path}, line {number}: expected a {'matched' if same else 'mismatched'} pair "
                        f"({expected}, image numbers as integers), got {' '.join(fields)!r}")
    return pairs


def _lfw_image(name: str, number: str) -> str:
    """LFW's file of image ``number`` of ``name``: ``Name/Name_NNNN.jpg``."""
    return f"{name}/{name}_{int(number):04d}.jpg"


@dataclass
class LFWPairs:
    """The evaluated LFW pairs and the images they use (each image once)."""

    images: ImageSet  # the distinct images of the pairs; labels index identities (classes)
    left: np.ndarray  # (P,) index into images of each pair's first image
    right: np.ndarray  # (P,) index of its second image
    same: np.ndarray  # (P,) bool: a matched pair (same person)
    fold: np.ndarray  # (P,) the View-2 fold of each pair, from 1
    missing: dict  # fold -> number of that fold's pairs left out because an image is missing

    def __len__(self) -> int:
        return len(self.same)

    @property
    def folds(self) -> list[int]:
        return sorted(set(self.fold.tolist()))

    @property
    def identities(self) -> set[str]:
        return set(self.images.classes)


def load_lfw_pairs(root=None, folds=None, preprocessing: FacePreprocessing = FacePreprocessing(),
                   cache: bool | str | Path = True, progress: bool = True) -> LFWPairs:
    """The LFW View-2 pairs of ``folds`` (default: every fold whose images are all present).

    A fold asked for by number keeps its present pairs and the rest are counted in ``missing``
    (with a warning); left to the default, incomplete folds are left out whole, with a warning
    that says how many pairs they held. With the full LFW this is all 10 folds.
    """
    tree, pairs_file = find_lfw(root)
    pairs = read_pairs(pairs_file)
    all_folds = sorted({p[0] for p in pairs})
    present = {p: (tree / p).is_file() for pair in pairs for p in pair[2:]}
    missing = {f: sum(1 for p in pairs if p[0] == f and not (present[p[2]] and present[p[3]])) for f in all_folds}
    if folds is None:
        folds = [f for f in all_folds if missing[f] == 0]
        dropped = {f: n for f, n in missing.items() if n}
        if dropped:
            warnings.warn(f"LFW at {tree}: folds {sorted(dropped)} miss images for {sum(dropped.values())} pairs "
                          f"and are left out; evaluating the complete folds {folds}", stacklevel=2)
        if not folds:
            example = next(p for pair in pairs for p in pair[2:] if not present[p])
            raise DataError(f"no LFW fold at {tree} has all its images (e.g. {tree / example} is missing); name "
                            f"the folds to use the pairs present, or check that the folder is the LFW image tree")
    else:
        folds = sorted({int(f) for f in ([folds] if isinstance(folds, int) else folds)})
        unknown = sorted(set(folds) - set(all_folds))
        if not folds:
            raise ValueError(f"folds must name at least one of {all_folds}")
        if unknown:
            raise ValueError(f"folds must be among {all_folds}, got {unknown}")
        short = {f: missing[f] for f in folds if missing[f]}
        if short:
            warnings.warn(f"LFW at {tree}: {sum(short.values())} pairs of folds {sorted(short)} miss an image "
                          f"and are left out (by fold: {short})", stacklevel=2)
    kept = [p for p in pairs if p[0] in folds and present[p[2]] and present[p[3]]]
    return pairs_of_files(tree, kept, {f: missing[f] for f in folds}, preprocessing, cache, progress)


def pairs_of_files(tree: Path, kept, missing: dict, preprocessing: FacePreprocessing = FacePreprocessing(),
                   cache: bool | str | Path = True, progress: bool = True) -> LFWPairs:
    """:class:`LFWPairs` of ``kept`` pairs (fold, same, image1, image2; images as ``Name/file`` under ``tree``),
    each distinct image decoded once: LFW's View-2 pairs and the validation people's pairs alike."""
    files = sorted({path for p in kept for path in p[2:]})
    position = {path: i for i, path in enumerate(files)}
    names = sorted({path.split("/")[0] for path in files})
    label_of = {name: i for i, name in enumerate(names)}
    images = load_image_files(tree, files, preprocessing, cache, progress)
    image_set = ImageSet(torch.from_numpy(images),
                         torch.tensor([label_of[p.split("/")[0]] for p in files], dtype=torch.int64),
                         tuple(names), paths=tuple(files), root=str(tree))
    return LFWPairs(
        images=image_set,
        left=np.array([position[p[2]] for p in kept]),
        right=np.array([position[p[3]] for p in kept]),
        same=np.array([p[1] for p in kept], dtype=bool),
        fold=np.array([p[0] for p in kept]),
        missing=missing,
    )


def pair_identities(root=None, folds=None, pairs_file=None) -> set[str]:
    """The identities of every LFW pair of ``folds`` (default: all folds in pairs.txt), images or not."""
    pairs_file = pairs_file or find_lfw(root)[1]
    return {path.split("/")[0] for fold, _, *paths in read_pairs(pairs_file)
            if folds is None or fold in folds for path in paths}


def check_disjoint(train_classes, evaluated_identities) -> None:
    """Refuse a training set that holds an identity of an evaluated pair (the open-set rule).

    The check is by name: it cannot see an overlap between LFW and a set whose folders are numbers
    (CASIA-WebFace); for such a set, remove the LFW people before training, as the paper did.
    """
    shared = sorted(set(train_classes) & set(evaluated_identities))
    if shared:
        raise ValueError(f"leaky split: {len(shared)} training identities appear in the evaluated pairs "
                         f"({', '.join(shared[:5])}{', ...' if len(shared) > 5 else ''}); verification must be "
                         f"on people the model never saw. Evaluate only folds whose people were held out of "
                         f"training (--folds), or exclude these people from training.")


def _lfw_held_out(root, folds) -> tuple[Path, set[str]]:
    """(image tree, the people of every pair of ``folds``) of an LFW copy: whom training must leave out."""
    tree, pairs_file = find_lfw(root)
    return tree, pair_identities(folds=set(folds), pairs_file=pairs_file)


def lfw_training_set(root=None, folds=LFW_HELD_OUT_FOLDS, min_images: int = 10, max_identities: int | None = None,
                     preprocessing: FacePreprocessing = FacePreprocessing(), cache=True,
                     progress: bool = True, exclude=()) -> ImageSet:
    """The CASIA-style training subset: LFW identities with ≥ ``min_images`` images that appear in no
    pair of the evaluated ``folds`` (for the shared copy: 104 identities, 3,103 images), less ``exclude``
    (the validation people of :mod:`spheredemo.validation`)."""
    tree, held_out = _lfw_held_out(root, folds)
    train = load_faces(tree, min_images=min_images, max_identities=max_identities, exclude=held_out | set(exclude),
                       preprocessing=preprocessing, cache=cache, progress=progress)
    check_disjoint(train.classes, held_out)
    return train


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
    :meth:`lfw_training` (the set :func:`lfw_training_set` gives).
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

    @classmethod
    def lfw_training(cls, root=None, folds=LFW_HELD_OUT_FOLDS, min_images: int = 10, max_identities: int | None = None,
                     preprocessing: FacePreprocessing = FacePreprocessing(), exclude=()) -> FaceFiles:
        """The images of :func:`lfw_training_set` (LFW people in no pair of ``folds``, less ``exclude``), not
        decoded."""
        tree, held_out = _lfw_held_out(root, folds)
        files = cls.from_tree(tree, min_images=min_images, max_identities=max_identities,
                              exclude=held_out | set(exclude), preprocessing=preprocessing)
        check_disjoint(files.classes, held_out)
        return files

    def per_class(self, n, seed: int = 0) -> FaceFiles:
        """The images :meth:`ImageSet.per_class` keeps with the same ``n`` and ``seed``.

        It is that very method, run on an ImageSet with no pixels (N × 0 × 0 × 0), so the two can never differ.
        """
        shell = ImageSet(torch.empty((len(self), 0, 0, 0), dtype=torch.uint8), self.labels, self.classes,
                         paths=tuple(self.paths.tolist()), root=self.root)
        kept = shell.per_class(n, seed=seed)
        return FaceFiles(self.root, kept.paths, kept.labels, self.classes, self.preprocessing)
