"""Time to load MNIST (both splits, checksums verified) into memory; target < 1 s.

Side by side, the same files decoded by the shortest possible numpy code without checks,
so the ratio shows what verification and tensor conversion cost.

    python benchmarks/bench_load.py [--data DIR] [--repeat 5]
"""

import argparse
import gzip
import statistics
import time

import numpy as np

from spheredemo.data import MNIST_FILES, find_mnist_dir, load_mnist


def bare_load(folder):
    return [np.frombuffer(gzip.open(folder / name).read(), np.uint8) for name in MNIST_FILES]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=None, help="MNIST folder (default: $SPHEREDEMO_DATA / cache)")
    parser.add_argument("--repeat", type=int, default=5, help="timed repetitions of each")
    args = parser.parse_args()
    folder = find_mnist_dir(args.data)
    if folder is None:
        load_mnist("test", args.data)  # downloads, or says where to put the files
        folder = find_mnist_dir(args.data)
    ours, bare = [], []
    for _ in range(args.repeat):
        start = time.perf_counter()
        load_mnist("train", args.data), load_mnist("test", args.data)
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        bare_load(folder)
        bare.append(time.perf_counter() - start)
    print(f"load_mnist train+test (sha256 checked): median {statistics.median(ours):.3f} s (target < 1 s)")
    print(f"bare gzip+frombuffer, no checks:        median {statistics.median(bare):.3f} s")
    print(f"ratio load_mnist / bare: {statistics.median(ours) / statistics.median(bare):.2f}x")


if __name__ == "__main__":
    main()
