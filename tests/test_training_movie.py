"""The training movie: frames recorded by fit's own callback during a real run, shipped, animated in the deck and
written as a GIF by ``python -m spheredemo.figures --only training_movie``."""

import subprocess
import sys

import numpy as np
import pytest

from spheredemo import offline_assets
from spheredemo.config import TrainConfig


def test_frames_come_from_a_real_training_run(data_root):
    from spheredemo.data import load_mnist

    shown = load_mnist("test", root=data_root).per_class(3, seed=0)
    config = TrainConfig(loss="asoftmax", m=4, dim=2, epochs=1, width=4, batch_size=32, per_class=40,
                         head_bias=False, lambda_min=0.0, seed=0)
    frames = offline_assets.record_training(config, shown, data_root)
    assert list(frames["step"][:-1]) == [10]  # fit's callback runs every 10 steps, then the trained model
    assert frames["step"][-1] >= 10
    assert frames["features"].shape == (len(frames["step"]), 30, 2)
    np.testing.assert_allclose(np.linalg.norm(frames["features"], axis=2), 1.0, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(frames["weights"], axis=2), 1.0, atol=1e-5)
    assert not np.allclose(frames["features"][0], frames["features"][-1])  # training moved the features
    assert frames["lam"][0] > frames["lam"][-1]  # λ anneals


def test_the_shipped_movie_and_its_gif(tmp_path):
    movie = offline_assets.training_movie()
    for m in offline_assets.MOVIE_MS:
        steps = movie[f"m{m}_step"]
        assert np.all(np.diff(steps) > 0) and np.all(steps[:-1] % 10 == 0)
        assert movie[f"m{m}_features"].shape[:2] == (len(steps), len(movie["labels"]))
    result = subprocess.run([sys.executable, "-m", "spheredemo.figures", "--only", "training_movie", "--out",
                             str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    from PIL import Image

    with Image.open(tmp_path / "training_movie.gif") as gif:
        assert gif.n_frames == len(movie["m1_step"]) and gif.info.get("loop") == 0
    assert (tmp_path / "training_movie.png").stat().st_size > 1000


def test_a_missing_movie_names_the_command(tmp_path):
    with pytest.raises(offline_assets.StaleCache, match="python -m spheredemo.offline_assets --movie"):
        offline_assets.training_movie(tmp_path / "none.npz")
