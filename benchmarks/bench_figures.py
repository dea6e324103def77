"""Wall time of ``python -m spheredemo.figures`` from the shipped checkpoints, full and --quick.

Both run in fresh subprocesses (imports, data loading and embedding included), one after the
other, each writing into its own temporary folder. Targets: full < 60 s, --quick < 20 s.

    python benchmarks/bench_figures.py [--repeat 1]
"""

import argparse
import subprocess
import sys
import tempfile
import time


def timed(*flags) -> float:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "spheredemo.figures", "--out", out, *flags], check=True,
                       capture_output=True)
        return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each (the best is reported)")
    args = parser.parse_args()
    full = min(timed() for _ in range(args.repeat))
    quick = min(timed("--quick") for _ in range(args.repeat))
    print(f"all figures (full):  {full:6.1f} s   target 60 s   ratio {full / 60:.2f}")
    print(f"all figures --quick: {quick:6.1f} s   target 20 s   ratio {quick / 20:.2f}")


if __name__ == "__main__":
    main()
