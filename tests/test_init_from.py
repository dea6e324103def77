"""``TrainConfig.init_from`` (``--init-from``): a new run that starts from another run's weights, the official
code's m = 1-then-m = 4 recipe, unlike ``--resume`` (the same run continued); and the map cell that uses it."""

import pytest
import torch

from spheredemo.config import TrainConfig
from spheredemo.train import fit, load_checkpoint, save_checkpoint
from spheredemo.train.loop import _setup


def _started(config, data):
    """The run as fit starts it, before its first step."""
    return _setup(config, None, data, None, False).run


def _config(**overrides):
    values = dict(dim=2, loss="asoftmax", m=1, epochs=1, max_steps=8, batch_size=32, lr=3e-3, device="cpu", seed=0)
    values.update(overrides)
    return TrainConfig(**values)


@pytest.fixture(scope="module")
def m1_checkpoint(mnist_small, tmp_path_factory):
    path = tmp_path_factory.mktemp("init") / "m1.pt"
    save_checkpoint(fit(_config(), progress=False, data=mnist_small), path)
    return path


def test_a_new_run_starts_from_the_checkpoints_weights(m1_checkpoint, mnist_small):
    start = load_checkpoint(m1_checkpoint)
    # before its first step, the run holds is exactly the checkpoint's model and, both heads A-Softmax, its head
    run = _started(_config(m=4, lr=1e-3, init_from=str(m1_checkpoint)), mnist_small)
    assert run.step == 0
    for a, b in zip(start.model.state_dict().values(), run.model.state_dict().values(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    torch.testing.assert_close(start.head.weight, run.head.weight, rtol=0, atol=0)
    fresh = _started(_config(m=4, lr=1e-3), mnist_small)
    assert not torch.equal(fresh.head.weight, run.head.weight)
    # then it trains its own schedule from step 0 and records where it started
    more = fit(_config(m=4, lr=1e-3, max_steps=4, init_from=str(m1_checkpoint)), progress=False, data=mnist_small)
    assert more.step == 4 and more.config.init_from == str(m1_checkpoint)


def test_a_head_of_other_tensors_starts_fresh(m1_checkpoint, mnist_small):
    # softmax has a bias the A-Softmax head lacks: the trunk carries over, not the head
    run = _started(_config(loss="softmax", m=None, init_from=str(m1_checkpoint)), mnist_small)
    start = load_checkpoint(m1_checkpoint)
    for a, b in zip(start.model.state_dict().values(), run.model.state_dict().values(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_another_net_is_refused_by_name(m1_checkpoint, mnist_small):
    with pytest.raises(ValueError, match=r"another net \(dim: 2 there, 3 here\)"):
        fit(_config(dim=3, m=4, init_from=str(m1_checkpoint)), progress=False, data=mnist_small)
    with pytest.raises(FileNotFoundError, match="no checkpoint at"):
        fit(_config(m=4, init_from=str(m1_checkpoint.with_name("absent.pt"))), progress=False, data=mnist_small)
    with pytest.raises(ValueError, match="init_from must be the path"):
        _config(init_from="")


def test_the_cli_takes_init_from(m1_checkpoint):
    from spheredemo.cli import build_parser

    args = vars(build_parser().parse_args(["--init-from", str(m1_checkpoint), "--m", "4"]))
    assert args["init_from"] == str(m1_checkpoint)


def test_the_map_cell_from_m1_starts_from_the_m1_cell_of_its_seed(tmp_path):
    from spheredemo import face_map

    config = face_map.cell_config("asoftmax-m4-from-m1", seed=2, runs_dir=tmp_path)
    assert config.init_from == str(tmp_path / "asoftmax-m1-s2.pt")
    assert (config.m, config.lr, config.max_steps, config.holdout) == (4, 0.01, face_map.MAP_STEPS // 2,
                                                                       "validation")
    with pytest.raises(FileNotFoundError, match="train cell asoftmax-m1 with seed 2 first"):
        face_map.run_cell("asoftmax-m4-from-m1", 2, runs_dir=tmp_path, out_dir=tmp_path)
    # a two-stage recipe is a probe, not a setting the map chooses for the shipped recipe
    assert "asoftmax-m4-from-m1" not in face_map.chosen_cells().values()
