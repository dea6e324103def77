"""Train-step time of each head on one trunk and batch, as a ratio to nn.Linear + cross-entropy.

The steps of all heads are interleaved round by round, so machine noise hits them alike;
the printed ratio is the median over rounds. Target: ASoftmax <= 1.05x.

    python benchmarks/bench_heads.py [--rounds 30] [--batch 256] [--dim 2]
"""

import argparse
import statistics
import time

import torch
import torch.nn.functional as F

from spheredemo.losses import make_head
from spheredemo.models import EmbeddingNet


class LinearCE(torch.nn.Module):
    """The baseline: a bare nn.Linear classifier with cross-entropy."""

    def __init__(self, dim, n_classes):
        super().__init__()
        self.linear = torch.nn.Linear(dim, n_classes)

    def forward(self, x, y):
        return F.cross_entropy(self.linear(x), y)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=30, help="timed rounds (each runs every head once)")
    parser.add_argument("--batch", type=int, default=256, help="images per step")
    parser.add_argument("--dim", type=int, default=2, help="embedding size")
    args = parser.parse_args()
    torch.manual_seed(0)
    images = torch.rand(args.batch, 1, 28, 28)
    labels = torch.randint(0, 10, (args.batch,))
    heads = {"nn.Linear+CE": LinearCE(args.dim, 10)}
    for name in ("softmax", "modified", "asoftmax", "cosface", "arcface"):
        heads[name] = make_head(name, args.dim, 10)
    setups = {}
    for name, head in heads.items():
        model = EmbeddingNet(dim=args.dim).to(memory_format=torch.channels_last)
        model.load_state_dict(EmbeddingNet(dim=args.dim).state_dict())
        optimizer = torch.optim.AdamW(list(model.parameters()) + list(head.parameters()), lr=1e-3)
        setups[name] = (model, head, optimizer)

    def step(name):
        model, head, optimizer = setups[name]
        kwargs = {"lam": 5.0} if name == "asoftmax" else {}
        loss = head(model(images), labels, **kwargs)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    for name in setups:  # warm-up
        for _ in range(3):
            step(name)
    times = {name: [] for name in setups}
    for _ in range(args.rounds):
        for name in setups:
            start = time.perf_counter()
            step(name)
            times[name].append(time.perf_counter() - start)
    base = times["nn.Linear+CE"]
    print(f"train step, batch {args.batch}, dim {args.dim}, {args.rounds} interleaved rounds, "
          f"{torch.get_num_threads()} threads")
    print(f"{'head':14s} {'median ms':>10s} {'ratio to nn.Linear+CE':>22s}")
    for name, ts in times.items():
        ratio = statistics.median(t / b for t, b in zip(ts, base))
        print(f"{name:14s} {1000 * statistics.median(ts):10.1f} {ratio:22.3f}x")


if __name__ == "__main__":
    main()
