"""Faces: decoding the LFW training subset against loading it from the decoded cache, and face training
through ``spheredemo.train.fit`` against a bare loop over the same cached tensors.

1. ``lfw_training_set`` with an empty cache folder (Pillow decodes 3,103 JPEGs, a thread per core) against
   the second load of the same subset (one ``.npz`` read). Target: second load >= 20x faster.
2. Epochs of the shipped face recipe (SphereFace-4, width 16, 64x64, A-Softmax m=4, random zooms, moves, turns
   and flips) through ``fit`` against a bare loop (shuffle, index, convert, augment, forward, loss, backward,
   step) on the same model, head, optimizer and tensors, both timed from building the model to the last step.
   Each runs once per round, the order rotating, the best round counts.
   Target: fit's throughput >= 0.95x the bare loop's.
3. The same epochs through ``fit`` in float32 (today's path) against ``autocast="bf16"`` (the trunk's forward in
   bfloat16 autocast, the head in float32), side by side in the same rounds. Target: >= 1.2x. Whether bf16 keeps
   the accuracy is a separate, validation-set question (``python -m spheredemo.face_map``).

    python benchmarks/bench_faces.py [--lfw DIR] [--rounds 3] [--epochs 1] [--threads N]
"""

import argparse
import tempfile
import time

import torch

from spheredemo.config import TrainConfig
from spheredemo.faces import lfw_training_set
from spheredemo.margins import LambdaSchedule
from spheredemo.recipes import RECIPES
from spheredemo.data import random_affine
from spheredemo.train import make_optimizer, random_flip, build, fit, set_seed


def time_loads(lfw, rounds):
    first, second = [], []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as cache:
            start = time.perf_counter()
            lfw_training_set(lfw, cache=cache, progress=False)
            first.append(time.perf_counter() - start)
            start = time.perf_counter()
            train = lfw_training_set(lfw, cache=cache, progress=False)
            second.append(time.perf_counter() - start)
    return min(first), min(second), train


def bare_epochs(config, train):
    """The least a training loop can do, timed like ``fit`` as a whole: build, then shuffle, index, convert,
    augment (the recipe's zooms, moves, turns and flips), forward, loss, backward, step, with the recipe's own
    optimizer (SGD with momentum)."""
    start, step = time.perf_counter(), 0
    set_seed(config.seed)
    model, head = build(config, train.n_classes, tuple(train.images.shape[1:]))
    model = model.to(memory_format=torch.channels_last)
    optimizer = make_optimizer(config, list(model.parameters()) + list(head.parameters()))
    schedule = LambdaSchedule(config.lambda_base, config.lambda_gamma, config.lambda_power, config.lambda_min)
    gen = torch.Generator().manual_seed(0)
    for _ in range(config.epochs):
        order = torch.randperm(len(train))
        for i in range(0, len(train), config.batch_size):
            index = order[i:i + config.batch_size]
            images = random_affine(train.images[index].float().div_(255.0), config.augment_zoom,
                                   config.augment_translate, config.augment_rotate_deg, gen)
            images = random_flip(images, gen)
            loss = head(model(images), train.labels[index], lam=schedule(step))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            step += 1
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lfw", default=None, help="LFW copy (default: $SPHEREDEMO_DATA/faces/lfw)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (best is kept)")
    parser.add_argument("--epochs", type=int, default=1, help="epochs per timed training run")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    decode, cached, train = time_loads(args.lfw, args.rounds)
    print(f"LFW training subset ({len(train)} images, {train.n_classes} identities): decode {decode:.2f} s, "
          f"from the cache {cached:.3f} s: second load {decode / cached:.1f}x faster (target >= 20x)")
    config = TrainConfig(**dict(RECIPES["lfw-d512-asoftmax-m4"], epochs=args.epochs, device="cpu"))
    bf16 = TrainConfig(**dict(config.to_dict(), autocast="bf16"))
    fit_times, bare_times, bf16_times = [], [], []

    def timed_fit(which, times):
        start = time.perf_counter()
        fit(which, progress=False, data=(train, None))
        times.append(time.perf_counter() - start)

    runs = [lambda: timed_fit(config, fit_times), lambda: bare_times.append(bare_epochs(config, train)),
            lambda: timed_fit(bf16, bf16_times)]
    for round_ in range(args.rounds):
        for k in range(len(runs)):
            runs[(k + round_) % len(runs)]()
    print(f"{args.epochs} epoch(s), batch {config.batch_size}, {torch.get_num_threads()} threads: bare loop "
          f"{min(bare_times):.1f} s, fit {min(fit_times):.1f} s")
    print(f"throughput ratio fit / bare: {min(bare_times) / min(fit_times):.3f}x (target >= 0.95)")
    print(f"bf16 autocast: fit {min(bf16_times):.1f} s against {min(fit_times):.1f} s in float32: "
          f"{min(fit_times) / min(bf16_times):.2f}x faster (target >= 1.2x; {torch.backends.cpu.get_cpu_capability()})")


if __name__ == "__main__":
    main()
