"""SphereFace-20 training throughput on one GPU: bf16 autocast + channels_last against plain fp32.

The paper's net and input (SphereFace-20, width 64, 512-d feature, 112×96 RGB), an A-Softmax m = 4 head over
CASIA-WebFace's 10,575 identities, SGD with momentum: one process, synthetic images already on the GPU (so
this is the GPU's training speed; decoding is ``bench_decode.py``'s business). Three settings, measured side
by side in one run, each once per round with the order rotating, the best round kept:

- fp32, NCHW: the plain PyTorch default;
- fp32, channels_last: what ``spheredemo.train.fit`` runs today;
- bf16 autocast + channels_last: the candidate (``fit`` has no autocast option yet): the trunk under autocast,
  the A-Softmax head in fp32 outside it (cos(mθ) and ψ want fp32, and the head refuses mixed dtypes).

Printed: images/s and peak memory of each, the speed-up of bf16 + channels_last over fp32 NCHW, and the projected
time of the paper's run (28,000 iterations at a global batch of 512: ``torchrun --nproc-per-node N ...
--batch-size 512/N``) on 1, 4 and 8 GPUs, assuming DDP scales linearly (on one machine with NVLink it
usually reaches 90-95 %: measure it with torchrun before relying on the 8-GPU figure).

    python benchmarks/bench_gpu.py [--batch 256] [--steps 20] [--warmup 5] [--rounds 2]

Without a CUDA device it exits with a message and status 1; ``--cpu-smoke`` runs the same code on the CPU with
tiny sizes, to check the script itself (its numbers mean nothing).
"""

import argparse
import contextlib
import sys
import time

import torch

from spheredemo.losses import make_head
from spheredemo.margins import LambdaSchedule
from spheredemo.models import make_model

PAPER_ITERATIONS, PAPER_BATCH, CASIA_IDENTITIES = 28_000, 512, 10_575
SETTINGS = {  # name: (memory format, autocast dtype or None)
    "fp32, NCHW": (torch.contiguous_format, None),
    "fp32, channels_last": (torch.channels_last, None),
    "bf16 autocast + channels_last": (torch.channels_last, torch.bfloat16),
}


def images_per_second(setting, args, device) -> tuple[float, float]:
    """(images/s, peak memory in GiB) of ``args.steps`` training steps after ``args.warmup`` untimed ones."""
    memory_format, dtype = SETTINGS[setting]
    torch.manual_seed(0)
    model = make_model("sphereface20", args.dim, args.net_width, args.image, 3)
    model = model.to(device, memory_format=memory_format).train()
    head = make_head("asoftmax", args.dim, args.classes, m=4).to(device)
    optimizer = torch.optim.SGD(list(model.parameters()) + list(head.parameters()), lr=0.1, momentum=0.9,
                                weight_decay=5e-4)
    images = torch.rand(args.batch, 3, *args.image, device=device).contiguous(memory_format=memory_format)
    labels = torch.randint(0, args.classes, (args.batch,), device=device)
    schedule = LambdaSchedule()
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)

    def step(t):
        with torch.autocast(device.type, dtype=dtype) if dtype is not None else contextlib.nullcontext():
            features = model(images)  # (B, 512), bf16 under autocast
        loss = head(features.float(), labels, lam=schedule(t))  # the margin math in fp32, outside autocast
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    for t in range(args.warmup):
        step(t)
    _sync(device)
    start = time.perf_counter()
    for t in range(args.steps):
        step(args.warmup + t)
    _sync(device)
    seconds = time.perf_counter() - start
    peak = torch.cuda.max_memory_allocated(device) / 2**30 if device.type == "cuda" else float("nan")
    return args.batch * args.steps / seconds, peak


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.0f} min"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", type=int, default=256, help="images per step on this GPU (official: 256 per GPU)")
    parser.add_argument("--steps", type=int, default=20, help="timed steps per setting and round")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps first (cuDNN autotuning, allocator)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds; each runs every setting once (best is kept)")
    parser.add_argument("--cpu-smoke", action="store_true", help="run on the CPU with tiny sizes (checks the script)")
    args = parser.parse_args()
    args.dim, args.net_width, args.image, args.classes = 512, 64, (112, 96), CASIA_IDENTITIES  # the paper's
    if args.cpu_smoke:
        device = torch.device("cpu")
        args.batch, args.steps, args.warmup, args.rounds, args.net_width, args.classes = 2, 1, 1, 1, 4, 50
    elif not torch.cuda.is_available():
        print("bench_gpu: no CUDA device is present, so nothing was measured. Run it on a machine with an NVIDIA "
              "GPU (python benchmarks/bench_gpu.py), or add --cpu-smoke to check the script here.", file=sys.stderr)
        return 1
    else:
        device = torch.device("cuda")
        torch.backends.cudnn.benchmark = True  # pick the fastest conv algorithms for this fixed shape
    best = {}
    names = list(SETTINGS)
    for round_ in range(args.rounds):
        for k in range(len(names)):
            name = names[(k + round_) % len(names)]
            speed, peak = images_per_second(name, args, device)
            if name not in best or speed > best[name][0]:
                best[name] = (speed, peak)
    where = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU (smoke test: numbers mean nothing)"
    print(f"SphereFace-20 (width {args.net_width}, {args.dim}-d) at {args.image[0]}×{args.image[1]}, A-Softmax m=4 "
          f"over {args.classes} classes, batch {args.batch} on {where}; torch {torch.__version__}; "
          f"best of {args.rounds}")
    for name, (speed, peak) in best.items():
        print(f"  {name:32s} {speed:10,.0f} images/s   peak memory " + (f"{peak:.1f} GiB" if peak == peak else "n/a"))
    baseline, candidate = best["fp32, NCHW"][0], best["bf16 autocast + channels_last"][0]
    print(f"bf16 autocast + channels_last: {candidate / baseline:.2f}x the images/s of fp32 NCHW "
          f"({candidate / best['fp32, channels_last'][0]:.2f}x fit's fp32 channels_last)")
    print(f"the paper's run, {PAPER_ITERATIONS:,} iterations at a global batch of {PAPER_BATCH} "
          f"({PAPER_ITERATIONS * PAPER_BATCH / 494_414:.0f} epochs of CASIA-WebFace), assuming linear DDP scaling "
          f"and the GPUs kept fed (bench_decode.py: decoding workers per GPU):")
    for name, (speed, _) in best.items():
        seconds = PAPER_ITERATIONS * PAPER_BATCH / speed  # on one GPU
        print(f"  {name:32s} " + ", ".join(f"{gpus} GPU{'s' if gpus > 1 else ''} {_hours(seconds / gpus)}"
                                          for gpus in (1, 4, 8)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
