"""One MNIST training epoch through ``spheredemo.train.fit`` against a bare training loop.

The bare loop is the least a training loop can do: shuffle, index the uint8 tensor, convert,
forward, cross-entropy, backward, step, on the same trunk and head. ``fit`` adds λ, the
progress bar, history and the end-of-epoch test evaluation. Both are run twice, alternating;
the printed ratio is fit's throughput over the bare loop's (target: >= 0.95).

    python benchmarks/bench_epoch.py [--per-class N] [--data DIR]
"""

import argparse
import time

import torch

from spheredemo.config import TrainConfig
from spheredemo.data import load_mnist
from spheredemo.margins import LambdaSchedule
from spheredemo.train import build, fit, set_seed


def bare_epoch(config, train):
    set_seed(config.seed)
    model, head = build(config)
    model = model.to(memory_format=torch.channels_last)
    optimizer = torch.optim.AdamW(list(model.parameters()) + list(head.parameters()), lr=config.lr)
    schedule = LambdaSchedule()
    order = torch.randperm(len(train))
    start = time.perf_counter()
    for step, i in enumerate(range(0, len(train), config.batch_size)):
        index = order[i:i + config.batch_size]
        images = train.images[index].float().div_(255.0)
        loss = head(model(images), train.labels[index], lam=schedule(step))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-class", type=int, default=None, help="images per class to train on "
                        "(default: all 60,000)")
    parser.add_argument("--data", default=None, help="MNIST folder (default: $SPHEREDEMO_DATA / cache)")
    args = parser.parse_args()
    train, test = load_mnist("train", args.data), load_mnist("test", args.data)
    if args.per_class:
        train = train.per_class(args.per_class)
    config = TrainConfig(dim=2, loss="asoftmax", m=4, epochs=1, device="cpu")
    fit_times, bare_times = [], []
    for _ in range(2):
        start = time.perf_counter()
        fit(config, progress=True, data=(train, test))
        fit_times.append(time.perf_counter() - start)
        bare_times.append(bare_epoch(config, train))
    fit_best, bare_best = min(fit_times), min(bare_times)
    print(f"epoch of {len(train)} images, batch {config.batch_size}, {torch.get_num_threads()} threads")
    print(f"fit (incl. test-set evaluation): {fit_best:.1f} s   bare loop: {bare_best:.1f} s")
    print(f"throughput ratio fit / bare: {bare_best / fit_best:.3f}x (target >= 0.95)")


if __name__ == "__main__":
    main()
