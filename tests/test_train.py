"""Training: it learns, λ belongs to the loop, checkpoints round-trip and survive crashes.

The command (``python -m spheredemo.train``) is tested in test_cli.py."""

import math
import os

import pytest
import torch

from spheredemo.train import checkpoints as checkpoints_module
from spheredemo.config import TrainConfig
from spheredemo.margins import LambdaSchedule
from spheredemo.train import TrainingDiverged, embed, evaluate, fit, load_checkpoint, save_checkpoint


def small_config(**overrides):
    values = dict(dim=2, loss="asoftmax", m=4, epochs=1, batch_size=32, lr=3e-3, device="cpu", seed=0)
    values.update(overrides)
    return TrainConfig(**values)


@pytest.fixture(scope="module")
def trained(mnist_small, tmp_path_factory):
    path = tmp_path_factory.mktemp("ckpt") / "run.pt"
    run = fit(small_config(), checkpoint=path, progress=False, data=mnist_small)
    return run, path


def test_one_epoch_learns(trained, mnist_small):
    run, _ = trained
    losses = run.history.loss
    assert len(losses) == 63  # 2000 images / 32 per batch
    assert sum(losses[-5:]) / 5 < sum(losses[:5]) / 5
    accuracy = evaluate(run.model, run.head, mnist_small[1])
    assert accuracy > 0.4, f"test accuracy {accuracy:.3f} is not well above chance (0.1)"
    assert run.history.epoch_test_accuracy == [pytest.approx(accuracy)]


def test_lambda_is_the_schedule_at_each_step(trained):
    run, _ = trained
    schedule = LambdaSchedule()
    assert run.history.lam == [schedule(t) for t in range(len(run.history.lam))]


def test_evaluation_moves_nothing(trained, mnist_small):
    run, _ = trained
    before = {k: v.clone() for k, v in run.model.state_dict().items()}
    evaluate(run.model, run.head, mnist_small[1])
    for key, value in run.model.state_dict().items():
        assert torch.equal(value, before[key]), f"{key} changed during evaluation"


def test_checkpoint_round_trip_gives_identical_outputs(trained, mnist_small):
    run, path = trained
    loaded = load_checkpoint(path)
    assert loaded.config == run.config and loaded.step == run.step
    assert loaded.history.loss == run.history.loss
    test = mnist_small[1]
    torch.testing.assert_close(embed(loaded.model, test), embed(run.model, test), rtol=0, atol=0)
    torch.testing.assert_close(loaded.head.weight, run.head.weight.detach().cpu())


def test_interrupted_write_keeps_previous_checkpoint(trained, tmp_path, monkeypatch):
    run, path = trained
    target = tmp_path / "keep.pt"
    save_checkpoint(run, target)
    good = target.read_bytes()
    real_save = torch.save

    def crash_midway(obj, f, *args, **kwargs):
        real_save(obj, f, *args, **kwargs)  # the bytes go where torch.save was told to put them ...
        with open(f, "r+b") as handle:
            handle.truncate(1000)  # ... and then the power fails, leaving half a file there
        raise KeyboardInterrupt("power cut midway through the write")

    monkeypatch.setattr(checkpoints_module.torch, "save", crash_midway)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(run, target)
    assert target.read_bytes() == good
    assert sorted(os.listdir(tmp_path)) == ["keep.pt"], "no temp file may be left behind"
    assert load_checkpoint(target).step == run.step


def test_resume_continues_to_the_same_result(mnist_small, tmp_path):
    config = small_config(epochs=2, max_steps=None)
    straight = fit(config, progress=False, data=mnist_small)
    path = tmp_path / "r.pt"
    first = fit(config, checkpoint=path, progress=False, data=mnist_small, callback=lambda run: run.step < 40)
    assert first.step == 40
    resumed = fit(config, checkpoint=path, resume=True, progress=False, data=mnist_small)
    assert resumed.step == straight.step and resumed.epoch == straight.epoch == 2
    assert resumed.history.lam == straight.history.lam
    # the same batches in the same order: the resumed run ends where the straight one does
    torch.testing.assert_close(resumed.history.loss, straight.history.loss, rtol=1e-4, atol=1e-5)
    for key, value in straight.model.state_dict().items():
        torch.testing.assert_close(resumed.model.state_dict()[key], value, rtol=1e-4, atol=1e-5)


def test_exploding_loss_stops_with_a_message_and_keeps_checkpoint(mnist_small, tmp_path):
    path = tmp_path / "boom.pt"
    good = fit(small_config(epochs=1), checkpoint=path, progress=False, data=mnist_small)
    saved = path.read_bytes()
    # Continue the same run with a learning rate that blows it up.
    config = small_config(epochs=3, lr=1e6, optimizer="sgd", lambda_base=0.0, lambda_min=0.0)
    with pytest.raises(TrainingDiverged, match="Likely cause: .*λ was 0.*lower --lr"):
        fit(config, checkpoint=path, progress=False, data=mnist_small)
    assert path.read_bytes() == saved and load_checkpoint(path).step == good.step


def test_resume_refuses_other_settings_and_allows_more_epochs(mnist_small, tmp_path):
    path = tmp_path / "r.pt"
    fit(small_config(max_steps=10), checkpoint=path, progress=False, data=mnist_small)
    with pytest.raises(ValueError, match=r"other settings \(m: 4 -> 2\)"):
        fit(small_config(m=2), checkpoint=path, resume=True, progress=False, data=mnist_small)
    more = fit(small_config(max_steps=20), checkpoint=path, resume=True, progress=False, data=mnist_small)
    assert more.step == 20


def test_checkpoint_is_loaded_without_running_code(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    path = tmp_path / "evil.pt"
    torch.save({"format": "spheredemo-checkpoint-v1", "x": Evil()}, path)
    with pytest.raises(ValueError, match="not a readable spheredemo checkpoint"):
        load_checkpoint(path)


def test_bad_config_values_are_refused():
    with pytest.raises(ValueError, match="m must be a positive integer"):
        TrainConfig(m=2.5)
    with pytest.raises(ValueError, match="loss must be one of"):
        TrainConfig(loss="sphereface")
    with pytest.raises(ValueError, match="dim must be an integer >= 2"):
        TrainConfig(dim=1)


def test_readme_quick_start_margin_numbers():
    """The README's quick start: its MNIST command, parsed as the CLI parses it, ends at the λ and m_eff the
    README states (binary margin at θ12 = 90°), and so does one epoch of the official schedule."""
    import re
    from pathlib import Path

    from spheredemo.cli import build_parser
    from spheredemo.margins import effective_margin
    from spheredemo.train import lambda_schedule

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    command = re.search(r"python -m spheredemo\.train --dataset mnist .*$", readme, re.M).group(0)
    args = vars(build_parser().parse_args(command.split()[3:]))
    for key in ("out", "data", "resume", "no_progress"):
        args.pop(key)
    config = TrainConfig(**args)
    steps = config.epochs * math.ceil(60_000 / config.batch_size)
    quick = lambda_schedule(config, steps)(steps - 1)
    m_eff = effective_margin(config.m, quick, 90).m_eff
    text = " ".join(readme.split())
    assert f"ends at λ = {quick:.2f} and prints that m = {config.m} trained like m_eff = {m_eff:.2f}" in text
    official = LambdaSchedule()(math.ceil(60_000 / config.batch_size) - 1)
    assert (f"a one-epoch run would end at λ ≈ {official:.0f}, where m = 4 acts like m_eff ≈ "
            f"{effective_margin(4, official, 90).m_eff:.1f}") in text


@pytest.mark.gpu
def test_cuda_training_step(mnist_small):
    run = fit(small_config(device="cuda", max_steps=5), progress=False, data=mnist_small)
    assert next(run.model.parameters()).is_cuda and run.step == 5


def test_learning_rate_warms_up_then_decays():
    from spheredemo.train import lr_at

    config = small_config(lr=1.0, warmup_steps=4)
    assert [lr_at(config, step, 100) for step in range(3)] == pytest.approx(
        [0.25 * 0.5 * (1 + math.cos(math.pi * 0 / 100)), 0.5 * 0.5 * (1 + math.cos(math.pi / 100)),
         0.75 * 0.5 * (1 + math.cos(math.pi * 2 / 100))])
    assert lr_at(config, 50, 100) == pytest.approx(0.5)
    assert lr_at(small_config(lr=1.0, lr_schedule="constant", warmup_steps=2), 0, 100) == 0.5
    with pytest.raises(ValueError, match="warmup_steps must be an integer >= 0"):
        small_config(warmup_steps=-1)
