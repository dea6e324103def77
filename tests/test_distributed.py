"""Distributed training (torchrun + DDP, gloo on the CPU) and the streaming face path.

Two processes with 16 images each train to the same weights as one process with a batch of 32; a rank that
fails stops the job with a message naming it and leaves the last checkpoint whole; that checkpoint resumes in
one process and ends where the uninterrupted DDP run ended.

BatchNorm: the package keeps plain BatchNorm per rank (see ``spheredemo.train.loop._objective``), so each rank
normalises with the statistics of its own 16 images, not of all 32: in train mode DDP and one process differ
by design. The equivalence is checked where it holds exactly, with BatchNorm frozen (eval mode, fixed
statistics) in every run compared; everything else (the split of each global batch, gradient averaging,
λ and the learning rate on the global step, checkpoints, resume) is the real code path.

Run as a script (``torchrun ... tests/test_distributed.py <train flags>``) this file is the torchrun entry of
the tests: the real ``spheredemo.train`` command, with the test-only changes named by TEST_* variables.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import types
from pathlib import Path

import pytest
import torch

from spheredemo import distributed
from spheredemo import train as train_module
from spheredemo.train import augment as train_augment
from spheredemo.train import data as train_data
from spheredemo.train import loop as loop_module  # where fit looks up build, save_checkpoint, train_step
from spheredemo.config import TrainConfig
from spheredemo.margins import LambdaSchedule

PER_RANK, RANKS = 16, 2  # 96 images: 3 steps per epoch with a global batch of 32
FAIL_STEP = 4  # the rank that fails does so at this step: after the epoch-1 checkpoint (step 3), before the end


def frozen_batchnorm(build):
    """``build`` whose models keep every BatchNorm in eval mode (fixed statistics), even under model.train()."""
    def build_frozen(*args, **kwargs):
        model, head = build(*args, **kwargs)
        for module in model.modules():
            if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                module.training = False
                module.train = types.MethodType(lambda self, mode=True: self, module)
        return model, head
    return build_frozen


def keeping_every_checkpoint(save):
    """``save_checkpoint`` that also keeps a copy per step (``run.step3.pt``), to compare runs mid-way."""
    def save_and_keep(run, path, optimizer=None):
        save(run, Path(path).with_suffix(f".step{run.step}.pt"), optimizer)
        return save(run, path, optimizer)
    return save_and_keep


def failing_at(step, rank, how, train_step):
    """``train_step`` that, on ``rank`` at ``step``, raises (how="raise") or is killed by SIGKILL (how="kill")."""
    def step_or_fail(run, *args, **kwargs):
        if run.step == step and distributed.rank() == rank:
            if how == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            raise RuntimeError("injected failure (the test's stand-in for a crash)")
        return train_step(run, *args, **kwargs)
    return step_or_fail


def _cli_args(tree, out, batch_size=PER_RANK, epochs=2):
    return ["--dataset", "faces", "--data", str(tree), "--model", "sphereface4", "--width", "4", "--image-size", "32",
            "--dim", "16", "--loss", "asoftmax", "--margin", "4", "--min-images", "10", "--epochs", str(epochs),
            "--batch-size", str(batch_size), "--optimizer", "sgd", "--lr", "0.05", "--lambda-gamma", "1",
            "--device", "cpu", "--no-progress", "--out", str(out)]


def _config(batch_size, epochs=2, **overrides):
    """The TrainConfig that :func:`_cli_args` gives."""
    values = dict(dataset="faces", model="sphereface4", width=4, image_size=32, dim=16, loss="asoftmax", m=4,
                  min_images=10, epochs=epochs, batch_size=batch_size, optimizer="sgd", lr=0.05, lambda_gamma=1.0,
                  device="cpu")
    values.update(overrides)
    return TrainConfig(**values)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _torchrun(tree, out, extra=(), **test_env) -> subprocess.CompletedProcess:
    """This file under torchrun (2 processes, gloo, rendezvous on 127.0.0.1 at a free port)."""
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nnodes", "1", "--nproc-per-node", str(RANKS),
           "--rdzv-backend", "c10d", "--rdzv-endpoint", f"127.0.0.1:{_free_port()}", "--max-restarts", "0",
           __file__, *_cli_args(tree, out), *extra]
    env = {**os.environ, "OMP_NUM_THREADS": "1", **{k: str(v) for k, v in test_env.items()}}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=240, env=env)


def _assert_same_weights(state, model, head, rtol=1e-4, atol=1e-5):
    for key, value in model.state_dict().items():
        torch.testing.assert_close(state["model"][key], value.cpu(), rtol=rtol, atol=atol, msg=key)
    torch.testing.assert_close(state["head"]["weight"], head.weight.detach().cpu(), rtol=rtol, atol=atol)


@pytest.fixture(scope="module")
def tree(lfw_root, tmp_path_factory):
    """A small face tree: the first 12 images of 8 LFW identities (96 images), decoded once into the test cache."""
    root = tmp_path_factory.mktemp("tree")
    source = next(p for p in (lfw_root / "lfw-deepfunneled", lfw_root) if p.is_dir())
    chosen = [d for d in sorted(source.iterdir()) if d.is_dir() and len(list(d.glob("*.jpg"))) >= 12][:8]
    for folder in chosen:
        (root / folder.name).mkdir()
        for image in sorted(folder.glob("*.jpg"))[:12]:
            shutil.copy(image, root / folder.name / image.name)
    train_module.load_training_data(_config(PER_RANK), root, progress=False)  # the ranks then read the cache
    return root


@pytest.fixture(scope="module")
def data(tree):
    return train_module.load_training_data(_config(PER_RANK), tree, progress=False)


@pytest.fixture(scope="module")
def ddp_run(tree, tmp_path_factory):
    """Two ranks, 2 epochs (6 steps), BatchNorm frozen; a checkpoint copy is kept at every save."""
    out = tmp_path_factory.mktemp("ddp") / "run.pt"
    done = _torchrun(tree, out, TEST_KEEP_CHECKPOINTS=1)
    assert done.returncode == 0, done.stdout + done.stderr
    return out, done


@pytest.fixture(scope="module")
def failed_run(tree, tmp_path_factory):
    """The same run, but rank 1 raises at step 4 (in epoch 2, after the epoch-1 checkpoint)."""
    out = tmp_path_factory.mktemp("failed") / "run.pt"
    return out, _torchrun(tree, out, TEST_FAIL_AT=FAIL_STEP, TEST_FAIL_HOW="raise")


@pytest.mark.slow
def test_two_ranks_match_one_process_with_the_same_global_batch(ddp_run, data, tmp_path, monkeypatch):
    out, done = ddp_run
    assert "DDP: 2 processes (gloo); global batch 32 = 16 per process × 2" in done.stdout
    assert done.stdout.count("checkpoint:") == 1  # rank 0 alone reports
    # One process, batch 32, the same 2-epoch run (the cosine learning rate depends on the run's length).
    # Epoch 1 is compared: there both runs shuffle alike; in epoch 2 a one-process run keeps its own order.
    monkeypatch.setattr(loop_module, "build", frozen_batchnorm(loop_module.build))
    monkeypatch.setattr(loop_module, "save_checkpoint", keeping_every_checkpoint(loop_module.save_checkpoint))
    train_module.fit(_config(PER_RANK * RANKS), checkpoint=tmp_path / "one.pt", progress=False, data=data)
    one = train_module.load_checkpoint(tmp_path / "one.step3.pt")
    after_epoch_1 = torch.load(out.with_suffix(".step3.pt"), weights_only=True)
    assert after_epoch_1["step"] == one.step == 3
    _assert_same_weights(after_epoch_1, one.model, one.head)
    torch.testing.assert_close(after_epoch_1["history"]["loss"], one.history.loss, rtol=1e-5, atol=1e-6)
    assert after_epoch_1["history"]["lam"] == one.history.lam

    final = torch.load(out, weights_only=True)
    assert final["step"] == 6 and final["epoch"] == 2
    assert final["world_size"] == 2 and final["global_batch"] == 32 and final["config"]["batch_size"] == 16
    assert not [key for key in final["model"] if key.startswith("module.")]  # the unwrapped model's state
    assert final["history"]["lam"] == [LambdaSchedule(gamma=1.0)(t) for t in range(6)]  # on the global step
    loaded = train_module.load_checkpoint(out)
    assert loaded.world_size == 2 and loaded.data_order == "distributed"


@pytest.mark.slow
def test_a_failing_rank_stops_the_job_with_its_name_and_the_checkpoint_survives(failed_run, ddp_run):
    out, done = failed_run
    assert done.returncode != 0
    assert (f"error: rank 1 of 2 failed at step {FAIL_STEP}: RuntimeError: injected failure" in done.stderr), \
        done.stderr
    assert "run the same command with --resume" in done.stderr
    assert sorted(os.listdir(out.parent)) == ["run.pt"], "no temp file may be left behind"
    survivor = train_module.load_checkpoint(out)
    assert survivor.step == 3 and survivor.epoch == 1  # the epoch-1 checkpoint, whole
    same_point = torch.load(ddp_run[0].with_suffix(".step3.pt"), weights_only=True)
    _assert_same_weights(same_point, survivor.model, survivor.head)  # the uninterrupted run's state at step 3


@pytest.mark.slow
def test_a_killed_rank_stops_the_job_and_torchrun_names_it(tree, tmp_path):
    out = tmp_path / "run.pt"  # streaming faces this time: the killed rank has a DataLoader worker decoding
    done = _torchrun(tree, out, ["--stream", "true", "--workers", "1"], TEST_FAIL_AT=FAIL_STEP, TEST_FAIL_HOW="kill")
    assert done.returncode != 0
    # torchrun's summary lists every rank that failed: rank 1 by SIGKILL (exit code -9), rank 0 after it
    assert re.search(r"rank\s*:\s*1 \(local_rank: 1\)\s*\n\s*exitcode\s*:\s*-9\b", done.stderr), done.stderr[-3000:]
    assert train_module.load_checkpoint(out).step == 3
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]


@pytest.mark.slow
def test_the_checkpoint_of_the_failed_run_resumes_in_one_process(failed_run, ddp_run, data, tmp_path,
                                                                  monkeypatch):
    path = tmp_path / "resumed.pt"
    shutil.copy(failed_run[0], path)
    monkeypatch.setattr(loop_module, "build", frozen_batchnorm(loop_module.build))
    with pytest.raises(ValueError, match=r"global batch of 32 \(16 per process × 2\).*--batch-size 32"):
        train_module.fit(_config(PER_RANK), checkpoint=path, resume=True, progress=False, data=data)
    resumed = train_module.fit(_config(PER_RANK * RANKS), checkpoint=path, resume=True, progress=False, data=data)
    assert resumed.step == 6 and resumed.epoch == 2 and resumed.data_order == "distributed"
    assert resumed.history.lam == [LambdaSchedule(gamma=1.0)(t) for t in range(6)]
    # epoch 2 in one process takes the same 32 images per step as the two ranks would have: same end point
    _assert_same_weights(torch.load(ddp_run[0], weights_only=True), resumed.model, resumed.head)
    state = torch.load(path, weights_only=True)
    assert state["world_size"] == 1 and state["global_batch"] == 32 and state["step"] == 6


def test_each_global_batch_is_the_same_images_for_any_number_of_ranks():
    n, batch = 50, 12
    for epoch in (0, 1, 3):
        one = train_data.EpochOrder("distributed", n, seed=7)(epoch)
        for world in (2, 3, 4):
            shards = [train_data.EpochOrder("distributed", n, seed=7, world_size=world, rank=r)(epoch)
                      for r in range(world)]
            per_rank = batch // world
            for k in range(n // batch):  # full global batches (the last one is padded with repeats)
                union = torch.cat([s[k * per_rank:(k + 1) * per_rank] for s in shards])
                assert sorted(union.tolist()) == sorted(one[k * batch:(k + 1) * batch].tolist())
    sequential = train_data.EpochOrder("sequential", n, seed=7)
    assert torch.equal(sequential(0), train_data.EpochOrder("distributed", n, seed=7)(0))  # epoch 0: same
    assert not torch.equal(sequential(1), train_data.EpochOrder("distributed", n, seed=7)(1))


def test_augmentation_is_drawn_per_rank_and_rank_0_draws_what_one_process_draws():
    images = torch.rand(64, 3, 8, 8)
    config = _config(8, augment_flip=True, seed=3)
    rank0 = train_augment.augment(images, config, step=5, rank=0)
    alone = train_module.random_flip(images, torch.Generator().manual_seed(train_augment._stream_seed("flip", 3, 5)))
    assert torch.equal(rank0, alone)
    rank1 = train_augment.augment(images, config, step=5, rank=1)
    assert not torch.equal(rank1, rank0) and torch.equal(rank1, train_augment.augment(images, config, 5, 1))


def test_the_process_helpers_work_in_one_process(monkeypatch):
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    assert not distributed.launched_by_torchrun() and not distributed.is_active()
    assert (distributed.rank(), distributed.world_size(), distributed.is_main()) == (0, 1, True)
    distributed.barrier()
    assert distributed.mean(torch.tensor(2.5)) == 2.5 and distributed.any_rank(True)
    assert distributed.device("cpu") == torch.device("cpu")
    with pytest.raises(ValueError, match="takes the GPU of its LOCAL_RANK"):
        distributed.device("cuda:1")
    with pytest.raises(RuntimeError, match="Launch with torchrun"):
        distributed.init("cpu")
    with distributed.session("cpu") as device:  # no torchrun: nothing to join
        assert device is None
    for name, value in (("RANK", "1"), ("WORLD_SIZE", "2"), ("LOCAL_RANK", "1")):
        monkeypatch.setenv(name, value)
    assert distributed.launched_by_torchrun() and distributed.local_rank() == 1
    message = str(distributed.RankFailed(OSError("disk full"), 1, 2, step=7))
    assert message.startswith("rank 1 of 2 failed at step 7: OSError: disk full.") and "--resume" in message


def test_streamed_faces_are_the_in_memory_ones_and_train_the_same(tree, data):
    from spheredemo.faces import FaceFiles

    config = _config(32, max_steps=3, stream=True, workers=1, augment_flip=True)
    files, _ = train_module.load_training_data(config, tree)
    assert isinstance(files, FaceFiles) and files.classes == data[0].classes and len(files) == len(data[0])
    assert tuple(files.paths.tolist()) == data[0].paths and torch.equal(files.labels, data[0].labels)
    for i in (0, 50, 95):
        image, label = files[i]
        assert torch.equal(image, data[0].images[i]) and label == data[0].labels[i]
    assert files.per_class(5, seed=1).paths.tolist() == list(data[0].per_class(5, seed=1).paths)
    streamed = train_module.fit(config, progress=False, data=(files, None))
    in_memory = train_module.fit(_config(32, max_steps=3, augment_flip=True), progress=False, data=data)
    _assert_same_weights({"model": streamed.model.state_dict(), "head": streamed.head.state_dict()},
                         in_memory.model, in_memory.head, rtol=0, atol=0)
    with pytest.raises(ValueError, match="stream applies to the face datasets"):
        TrainConfig(stream=True)


if __name__ == "__main__":  # the torchrun entry of the tests above: the real CLI, with TEST_* changes
    loop_module.build = frozen_batchnorm(loop_module.build)
    if os.environ.get("TEST_KEEP_CHECKPOINTS"):
        loop_module.save_checkpoint = keeping_every_checkpoint(loop_module.save_checkpoint)
    if os.environ.get("TEST_FAIL_AT"):
        loop_module.train_step = failing_at(int(os.environ["TEST_FAIL_AT"]), 1, os.environ["TEST_FAIL_HOW"],
                                             loop_module.train_step)
    from spheredemo.cli import train_main

    raise SystemExit(train_main(sys.argv[1:]))
