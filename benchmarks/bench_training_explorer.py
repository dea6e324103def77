"""What lesson 4's training explorer shows at its defaults: m = 1 against m = 4, over seeds.

The explorer trains a 2D model on 3,000 MNIST digits for 10 epochs (its defaults, `TrainingExplorer.train_config`)
and measures it on the 1,000 test digits it holds. This runs exactly that for A-Softmax m = 1 and m = 4 with
seeds 0, 1, 2 (the explorer's Train uses seed 0), and prints each run and the mean ± sample std of the test
accuracy and of the mean angle between a test feature and its own class weight, with the seed-noise verdict of
the package (:meth:`spheredemo.seed_noise.SeedSpread.beyond_noise`). Lesson 4's "What you should see" quotes it.

    python benchmarks/bench_training_explorer.py [--seeds 0 1 2] [--data DIR]
"""

import argparse

import torch

from spheredemo.analysis import Embeddings, angle_stats
from spheredemo.seed_noise import SeedSpread, verdict
from spheredemo.train import fit
from spheredemo.widgets.training import TrainingExplorer


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--data", default=None, help="the MNIST folder (default: $SPHEREDEMO_DATA, the cache)")
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    explorer = TrainingExplorer(data_root=args.data)
    train, test, _ = explorer._load_data()  # the explorer's own subsets
    spreads = {}
    print(f"{'m':>2} {'seed':>4} {'test accuracy %':>16} {'mean angle to own W (deg)':>26}")
    for m in (1, 4):
        accuracy, angle = [], []
        for seed in args.seeds:
            config = explorer.train_config("asoftmax", m, 2, 10, seed=seed, device="cpu")
            run = fit(config, data=(train, test), progress=False)
            stats = angle_stats(Embeddings.from_model(run.model, run.head, test))
            accuracy.append(100 * stats.accuracy)
            angle.append(stats.mean_own_angle)
            print(f"{m:>2} {seed:>4} {accuracy[-1]:>16.1f} {angle[-1]:>26.1f}", flush=True)
        spreads[m] = SeedSpread.of(accuracy), SeedSpread.of(angle)
    for m, (accuracy, angle) in spreads.items():
        print(f"m = {m}: test accuracy {accuracy:.1f} %, mean angle to own W {angle:.1f}°")
    (acc1, angle1), (acc4, angle4) = spreads[1], spreads[4]
    print(f"m = 4 against m = 1: accuracy {acc4.mean - acc1.mean:+.1f} points ({verdict(acc4, acc1)}), mean angle "
          f"{angle4.mean - angle1.mean:+.1f}° ({verdict(angle4, angle1)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
