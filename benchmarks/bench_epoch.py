"""One MNIST training epoch through ``spheredemo.train.fit`` against a bare training loop.

The bare loop is the least a training loop can do: shuffle, index the uint8 tensor, convert,
forward, cross-entropy, backward, step, on the same trunk and head. ``fit`` adds λ, the lr
schedule, input checks, batch accuracy, the progress bar, history and the end-of-epoch test
evaluation. Each runs once per round, the order rotating between rounds, and the best round
counts. Printed: fit's throughput over the bare loop's for the training loop alone (fit
evaluating on a 10-image test set; target: >= 0.95) and with the full 10,000-image test
evaluation that fit runs after every epoch.

    python benchmarks/bench_epoch.py [--rounds 3] [--per-class N] [--data DIR]
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
    parser.add_argument("--rounds", type=int, default=3, help="rounds; each runs all three once (best is kept)")
    args = parser.parse_args()
    train, test = load_mnist("train", args.data), load_mnist("test", args.data)
    if args.per_class:
        train = train.per_class(args.per_class)
    config = TrainConfig(dim=2, loss="asoftmax", m=4, epochs=1, device="cpu")
    tiny_test = test.subset(slice(0, 10))
    fit_times, fit_eval_times, bare_times = [], [], []

    def timed_fit(times, test_set):
        start = time.perf_counter()
        fit(config, progress=True, data=(train, test_set))
        times.append(time.perf_counter() - start)

    runs = [lambda: timed_fit(fit_times, tiny_test), lambda: timed_fit(fit_eval_times, test),
            lambda: bare_times.append(bare_epoch(config, train))]
    for round_ in range(args.rounds):  # rotate the order each round: no one always runs first (cold)
        for k in range(len(runs)):
            runs[(k + round_) % len(runs)]()
    bare = min(bare_times)
    print(f"epoch of {len(train)} images, batch {config.batch_size}, {torch.get_num_threads()} threads")
    print(f"bare loop {bare:.1f} s; fit {min(fit_times):.1f} s; fit with the 10,000-image test evaluation "
          f"{min(fit_eval_times):.1f} s")
    print(f"throughput ratio fit / bare, training loop: {bare / min(fit_times):.3f}x (target >= 0.95)")
    print(f"throughput ratio fit / bare, with evaluation: {bare / min(fit_eval_times):.3f}x")


if __name__ == "__main__":
    main()
