"""The data of a run: the training (and MNIST test) set a config names, the order of its images epoch by
epoch, and its batches (in memory, or decoded by DataLoader workers); in a distributed run the first process
of each machine loads first."""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader, DistributedSampler

from spheredemo import distributed
from spheredemo.config import TrainConfig
from spheredemo.data import ImageSet, load_mnist
from spheredemo.faces import FaceFiles

__all__ = ["load_training_data", "held_out_images", "EpochOrder", "batches", "image_shape", "load_data"]


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
        from spheredemo.faces import FacePreprocessing, lfw_training_files, lfw_training_set, load_faces

        preprocessing = FacePreprocessing(size=config.image_size, crop=config.face_crop)
        selection = dict(min_images=config.min_images, max_identities=config.max_identities,
                         preprocessing=preprocessing)
        if config.dataset == "faces" and root is None:
            raise ValueError("dataset 'faces' needs the folder of an identity-per-folder image tree (--data DIR)")
        if config.stream:
            train = (lfw_training_files(root, **selection, exclude=_validation_exclude(config, root))
                     if config.dataset == "lfw"
                     else FaceFiles.from_tree(root, **selection))
        elif config.dataset == "lfw":
            train = lfw_training_set(root, **selection, progress=progress, exclude=_validation_exclude(config, root))
        else:
            train = load_faces(root, **selection, progress=progress)
        if config.holdout_images:  # the held-out images: held_out_images(config, root) gives them back
            train = train.split_held_out(config.holdout_images)[0]
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


def held_out_images(config: TrainConfig, root=None, progress: bool = False) -> ImageSet:
    """The images a ``holdout_images`` face run kept out of training: the same identities, never trained on."""
    if not config.holdout_images:
        raise ValueError("this run held no images out (holdout_images is 0)")
    full = TrainConfig(**{**config.to_dict(), "holdout_images": 0.0, "per_class": None})
    train, _ = load_training_data(full, root, progress)
    return train.split_held_out(config.holdout_images)[1]


def _validation_exclude(config: TrainConfig, root) -> tuple:
    """The validation people a ``holdout="validation"`` LFW run leaves out of training (none otherwise)."""
    if config.holdout != "validation":
        return ()
    from spheredemo.validation import validation_people

    return tuple(name for fold in validation_people(root) for name in fold)



class EpochOrder:
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


def batches(train, index: list, device: torch.device, workers: int):
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


def image_shape(train) -> tuple:
    return tuple(train.images.shape[1:]) if isinstance(train, ImageSet) else train.image_shape



def load_data(config: TrainConfig, data_root, progress: bool):
    """:func:`load_training_data`; in a distributed run the first process of each machine goes first, so the
    face images are decoded and cached once per machine and the other processes read the cache."""
    first = distributed.local_rank() == 0
    if distributed.is_active() and not first:
        distributed.barrier()
    data = load_training_data(config, data_root, progress and distributed.is_main())
    if distributed.is_active() and first:
        distributed.barrier()
    return data
