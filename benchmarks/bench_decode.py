"""Faces at scale: decoding in DataLoader workers (``--stream true``) against the in-memory cached path.

A CASIA-WebFace copy (494,414 images) does not fit in memory decoded (17.3 GiB as 112×112 RGB uint8, per
process), so ``--stream true`` lists the files (``spheredemo.faces.FaceFiles``) and DataLoader workers
decode every batch with the package's ``preprocess_face`` each epoch. This measures, side by side in one run
on the same images:

1. the in-memory path: the set is read from its decoded ``.npz`` cache (timed separately) and batches are
   sliced from the tensor, as ``fit`` does without ``--stream``;
2. streaming with 0 (decoding in the training process), 1 and 2 DataLoader workers: images/s, and images/s
   per worker, which is the number that says how many workers a GPU needs (a GPU that trains N images/s
   needs about N / (images/s per worker) workers, given that many free cores).

Each setting runs once per round, the order rotating between rounds; the best round counts.

    python benchmarks/bench_decode.py [--data DIR] [--images 800] [--size 64] [--batch 64] [--rounds 2]
"""

import argparse
import os
import tempfile
import time

import numpy as np
import torch
from torch.utils.data import DataLoader

from spheredemo.faces import FacePreprocessing, FaceFiles, load_image_files
from spheredemo.imageset import ENV_VAR, ImageSet

CASIA_IMAGES = 494_414


def in_memory_epoch(files: FaceFiles, cache: str, batch: int) -> tuple[float, float]:
    """(seconds to read the decoded cache, seconds to slice every batch from memory)."""
    start = time.perf_counter()
    images = load_image_files(files.root, files.paths.tolist(), files.preprocessing, cache=cache, progress=False)
    read = time.perf_counter() - start
    train = ImageSet(torch.from_numpy(images), files.labels, files.classes)
    order = torch.randperm(len(train))
    epochs = []
    for _ in range(5):  # a pass takes milliseconds: the fastest of five
        start = time.perf_counter()
        for i in range(0, len(train), batch):
            train.batch(order[i:i + batch])
        epochs.append(time.perf_counter() - start)
    return read, min(epochs)


def streamed_epoch(files: FaceFiles, workers: int, batch: int) -> float:
    """Seconds to decode every image once through a DataLoader with ``workers`` processes."""
    loader = DataLoader(files, batch_size=batch, shuffle=True, num_workers=workers)
    start = time.perf_counter()
    for images, _ in loader:
        images.float().div_(255.0)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=None, help="a face tree or LFW copy (default $SPHEREDEMO_DATA/faces/lfw)")
    parser.add_argument("--images", type=int, default=800, help="images to decode per setting")
    parser.add_argument("--size", type=int, default=64, help="side of the decoded face, pixels (the paper: 112)")
    parser.add_argument("--batch", type=int, default=64, help="images per batch")
    parser.add_argument("--rounds", type=int, default=2, help="rounds; each runs every setting once (best is kept)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads of this process (DataLoader workers "
                        "use 1); on a busy machine 2 threads make the uint8->float copy 50x slower, waiting for a core")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    root = args.data or os.path.join(os.environ.get(ENV_VAR, "."), "faces", "lfw")
    preprocessing = FacePreprocessing(size=args.size)
    everything = FaceFiles.from_tree(root, min_images=1, preprocessing=preprocessing)
    pick = np.linspace(0, len(everything) - 1, min(args.images, len(everything))).astype(int)  # spread over the tree
    files = FaceFiles(everything.root, everything.paths[pick], everything.labels[pick], everything.classes,
                      preprocessing)
    n = len(files)
    with tempfile.TemporaryDirectory() as cache:
        start = time.perf_counter()
        load_image_files(files.root, files.paths.tolist(), preprocessing, cache=cache, progress=False)
        first_decode = time.perf_counter() - start  # the in-memory path's one-off decode (a thread per core)
        settings = {"in-memory": lambda: in_memory_epoch(files, cache, args.batch)}
        settings.update({f"stream, {w} workers": (lambda w=w: streamed_epoch(files, w, args.batch)) for w in (0, 1, 2)})
        best = {}
        names = list(settings)
        for round_ in range(args.rounds):
            for k in range(len(names)):
                name = names[(k + round_) % len(names)]
                result = settings[name]()
                best[name] = result if name not in best else min(best[name], result)
    read, sliced = best.pop("in-memory")
    image_bytes = int(np.prod(files.image_shape))
    print(f"{n} images of {files.image_shape[1]}×{files.image_shape[2]} from {files.root}; batch {args.batch}; "
          f"{os.cpu_count()} CPU cores, {args.threads} torch thread(s); best of {args.rounds} rounds")
    print(f"in-memory: first decode {n / first_decode:,.0f} img/s (thread pool, once); cache read "
          f"{n / read:,.0f} img/s; batches from memory {n / sliced:,.0f} img/s; holds {n * image_bytes / 2**20:.1f} "
          f"MiB (CASIA-WebFace at 112×112: {CASIA_IMAGES * 3 * 112 * 112 / 2**30:.1f} GiB per process)")
    for name, seconds in best.items():
        workers = int(name.split(", ")[1].split()[0])
        per_worker = f"{n / seconds / workers:,.0f} img/s per worker" if workers else "decoded in the training process"
        print(f"{name}: {n / seconds:,.0f} img/s ({per_worker}); {n / seconds / (n / sliced):.4f}x the in-memory "
              f"batches; prefetches 2 batches per worker ({2 * args.batch * image_bytes / 2**20:.1f} MiB each)")


if __name__ == "__main__":
    main()
