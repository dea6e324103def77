"""Face training: the same fit, heads, checkpoints and CLI as MNIST, and verification of unseen people."""

import subprocess
import sys

import numpy as np
import pytest
import torch

from spheredemo.config import TrainConfig
from spheredemo.faces import lfw_training_set
from spheredemo.train import random_flip, embed, fit, load_checkpoint
from spheredemo.verify import pair_features, preprocessing_of, verify_run


def face_config(**overrides):
    values = dict(dataset="lfw", dim=16, loss="asoftmax", m=4, model="sphereface4", width=4, image_size=32,
                  epochs=2, batch_size=32, lambda_gamma=1.0, augment_flip=True, device="cpu", seed=0)
    values.update(overrides)
    return TrainConfig(**values)


@pytest.fixture(scope="module")
def face_run(lfw_root, tmp_path_factory):
    config = face_config(max_identities=8, per_class=12)
    path = tmp_path_factory.mktemp("faces") / "face.pt"
    run = fit(config, checkpoint=path, data_root=lfw_root, progress=False)
    return run, path


def test_face_fit_trains_and_round_trips(face_run, lfw_root):
    run, path = face_run
    assert run.step == 6 and run.history.epoch_test_accuracy == []  # 96 images / 32; no closed test set
    assert run.image_shape == (3, 32, 32) and len(run.classes) == 8
    loaded = load_checkpoint(path)
    assert loaded.classes == run.classes and loaded.image_shape == run.image_shape
    train = lfw_training_set(lfw_root, max_identities=8, preprocessing=preprocessing_of(loaded), progress=False)
    subset = train.subset(slice(0, 20))
    torch.testing.assert_close(embed(loaded.model, subset), embed(run.model, subset), rtol=0, atol=0)
    assert train.classes == run.classes


def test_verification_of_unseen_people_runs_the_protocol(face_run, lfw_root):
    import warnings

    from spheredemo.faces import load_lfw_pairs

    run, _ = face_run
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pairs = load_lfw_pairs(lfw_root, preprocessing=preprocessing_of(run), progress=False)
    features = pair_features(run, pairs)
    assert features.shape == (len(pairs.images), 32)  # [f(x); f(flipped x)]
    result = verify_run(run, pairs, features=features)
    assert result.folds == (1, 2, 3) and len(result.accuracies) == 3
    assert 0.4 < result.mean < 1 and 0 < result.auc < 1


def test_a_model_that_saw_a_test_identity_is_refused(lfw_root):
    from spheredemo.faces import load_lfw_pairs
    from spheredemo.train import Run

    config = face_config()
    with pytest.warns(UserWarning):
        pairs = load_lfw_pairs(lfw_root, preprocessing=preprocessing_of(Run(None, None, config, None,
                                                                              image_shape=(3, 32, 32))),
                               progress=False)
    leaky = Run(None, None, config, None, image_shape=(3, 32, 32), classes=("Tony_Blair", "Colin_Powell"))
    with pytest.raises(ValueError, match="leaky split.*Tony_Blair"):
        verify_run(leaky, pairs)


def test_flip_augmentation_mirrors_about_half_and_is_seeded():
    images = torch.arange(2 * 64 * 3).float().reshape(64, 1, 2, 3)
    flipped = random_flip(images, torch.Generator().manual_seed(1))
    mirrored = [torch.equal(f, i.flip(-1)) for f, i in zip(flipped, images)]
    kept = [torch.equal(f, i) for f, i in zip(flipped, images)]
    assert all(m != k for m, k in zip(mirrored, kept)) and 16 < sum(mirrored) < 48
    assert torch.equal(flipped, random_flip(images, torch.Generator().manual_seed(1)))


def test_face_config_is_checked():
    with pytest.raises(ValueError, match="model must be one of"):
        face_config(model="vgg")
    with pytest.raises(ValueError, match="face net; MNIST trains with mnist-cnn"):
        TrainConfig(dataset="mnist", model="sphereface20")
    with pytest.raises(ValueError, match="face_crop"):
        face_config(face_crop=0)
    assert face_config(model="auto").model_name == "sphereface10"
    assert TrainConfig().model_name == "mnist-cnn"


def test_cli_trains_a_face_model_with_the_margin_spelling_torchrun_accepts(lfw_root, tmp_path):
    out = tmp_path / "cli-face.pt"
    cmd = [sys.executable, "-m", "spheredemo.train", "--dataset", "lfw", "--data", str(lfw_root), "--dim", "8",
           "--loss", "asoftmax", "--margin", "3", "--model", "sphereface4", "--width", "4", "--image-size", "32",
           "--max-identities", "6", "--per-class", "10", "--epochs", "1", "--batch-size", "30",
           "--out", str(out), "--no-progress"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "LFW verification of unseen people:" in done.stdout and "over folds [1, 2, 3]" in done.stdout
    assert "final λ" in done.stdout and "m_eff" in done.stdout
    assert load_checkpoint(out).config.m == 3
    verify = subprocess.run([sys.executable, "-m", "spheredemo.verify", "--checkpoint", str(out), "--lfw",
                             str(lfw_root), "--roc", str(tmp_path / "roc.csv")], capture_output=True, text=True,
                            timeout=300)
    assert verify.returncode == 0, verify.stderr
    assert "fold  3: accuracy" in verify.stdout and "LFW verification:" in verify.stdout
    assert "the ones this model's training held out" in verify.stderr
    partial = subprocess.run([sys.executable, "-m", "spheredemo.verify", "--checkpoint", str(out), "--lfw",
                              str(lfw_root), "--folds", "3", "4"], capture_output=True, text=True, timeout=300)
    # fold 4's people were trained on: refused, naming the remedy; its missing images are counted, not dropped
    assert partial.returncode == 1 and "leaky split" in partial.stderr and "--folds" in partial.stderr
    assert "547 pairs of folds [4] miss an image" in partial.stderr
    roc = np.loadtxt(tmp_path / "roc.csv", delimiter=",", skiprows=1)
    assert roc[0, :2].tolist() == [0, 0] and roc[-1, :2].tolist() == [1, 1]


def test_verify_refuses_a_digit_model():
    from spheredemo.pretrained import CHECKPOINT_DIR

    digits = str(CHECKPOINT_DIR / "mnist-d2-asoftmax-m4.pt")
    done = subprocess.run([sys.executable, "-m", "spheredemo.verify", "--checkpoint", digits],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "verification needs a face model" in done.stderr


def test_affine_augmentation_is_configured_checked_and_seeded():
    from spheredemo.train.augment import augment as _augment

    with pytest.raises(ValueError, match=r"augment_zoom must be a finite number in \[0, 0.5\], got 0.7"):
        face_config(augment_zoom=0.7)
    with pytest.raises(ValueError, match=r"augment_rotate_deg must be a finite number in \[0, 45\]"):
        face_config(augment_rotate_deg=float("nan"))
    config = face_config(augment_zoom=0.1, augment_translate=0.03, augment_rotate_deg=5.0, augment_flip=False)
    images = torch.rand(8, 3, 32, 32)
    once = _augment(images, config, step=7, rank=0)
    assert once.shape == images.shape and not torch.allclose(once, images, atol=1e-3)
    assert torch.equal(once, _augment(images, config, step=7, rank=0))  # a resumed run draws the same views
    assert not torch.equal(once, _augment(images, config, step=8, rank=0))
    assert torch.equal(_augment(images, face_config(augment_flip=False), step=7, rank=0), images)


def test_light_and_erase_augmentation_is_configured_checked_and_seeded():
    from spheredemo.data import random_erase, random_photometric
    from spheredemo.train.augment import _generator, _stream_seed
    from spheredemo.train.augment import augment as _augment

    with pytest.raises(ValueError, match=r"augment_contrast must be a finite number in \[0, 0.9\], got 2"):
        face_config(augment_contrast=2)
    with pytest.raises(ValueError, match=r"augment_erase_size must be a finite number in \[0, 0.9\]"):
        face_config(augment_erase=0.5, augment_erase_size=1.5)
    config = face_config(augment_brightness=0.3, augment_contrast=0.3, augment_grayscale=0.2, augment_erase=0.5,
                         augment_erase_size=0.4, augment_flip=False)
    images = torch.rand(8, 3, 32, 32)
    once = _augment(images, config, step=7, rank=0)
    by_hand = random_erase(random_photometric(images, 0.3, 0.3, 0.2, _generator(_stream_seed("photometric", 0, 7), 0)),
                           0.5, 0.4, _generator(_stream_seed("erase", 0, 7), 0))
    assert torch.equal(once, by_hand) and torch.equal(once, _augment(images, config, step=7, rank=0))
    assert not torch.equal(once, _augment(images, config, step=8, rank=0))


def test_each_kind_of_augmentation_draws_from_its_own_stream():
    # seed 0 once gave the views and the flips one stream (seed·k + step = step for every k): no more
    from spheredemo.train.augment import _STREAMS, _stream_seed

    for seed in (0, 1, 2, 3):
        seeds = {kind: {_stream_seed(kind, seed, step) for step in range(20_000)} for kind in _STREAMS}
        kinds = list(seeds)
        for a in range(len(kinds)):
            for b in range(a + 1, len(kinds)):
                assert not seeds[kinds[a]] & seeds[kinds[b]], (seed, kinds[a], kinds[b])
