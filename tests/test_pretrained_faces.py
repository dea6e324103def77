"""The shipped face checkpoints: recorded, loadable, cached results true to the models, and what the README
claims about them holds (LFW folds 1–3, people never seen in training)."""

import warnings

import numpy as np
import pytest
import torch

from spheredemo import pretrained
from spheredemo.figures import face_seed_stats, Context

FACE_NAMES = [name for name in pretrained.RECIPES if name.startswith("lfw-")]


def results(name):
    return pretrained.face_results(name)


def test_every_face_recipe_is_shipped_recorded_and_seeded():
    manifest = pretrained.manifest()
    for name in FACE_NAMES:
        entry = manifest[name]
        path = pretrained.CHECKPOINT_DIR / f"{name}.pt"
        assert path.stat().st_size < 8_000_000, f"{name} is {path.stat().st_size} bytes"
        for key, value in pretrained.RECIPES[name].items():
            assert entry["config"][key] == value, f"{name}: {key} is {entry['config'][key]!r}, recipe says {value!r}"
        assert entry["lfw_folds"] == [1, 2, 3] and entry["lfw_pairs"] == 1800
        assert str(entry["seed"]) in entry["seeds"]
        if name.startswith("lfw-d512-") and entry["config"]["loss"] in ("softmax", "modified", "asoftmax"):
            assert len(entry["seeds"]) >= 2, f"{name}: the m sweep is measured on several seeds"
        assert (pretrained.CHECKPOINT_DIR / f"{name}.lfw.npz").is_file()


def test_load_gives_a_face_model_for_load_faces_images(lfw_root):
    from spheredemo.faces import lfw_training_set

    model, head = pretrained.load("lfw", 512, "asoftmax", m=4)
    images = lfw_training_set(lfw_root, max_identities=2, progress=False)
    batch, _ = images.batch(torch.arange(4))
    with torch.no_grad():
        assert model(batch).shape == (4, 512)
    assert head.weight.shape == (104, 512) and not model.training
    with pytest.raises(ValueError, match="no shipped checkpoint for dim=512, loss='asoftmax', m=7"):
        pretrained.load("lfw", 512, "asoftmax", m=7)


def test_cached_pair_scores_are_what_the_model_computes(lfw_root):
    """Recomputed on this CPU from the checkpoint and the images: equal to float32 rounding (another CPU or BLAS
    changes the last bits, a different model changes the scores by far more)."""
    from spheredemo.faces import load_lfw_pairs
    from spheredemo.verification import cosine_scores
    from spheredemo.verify import pair_features, preprocessing_of

    name = "lfw-d512-asoftmax-m4"
    run = pretrained.load_run(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pairs = load_lfw_pairs(lfw_root, preprocessing=preprocessing_of(run), progress=False)
    features = pair_features(run, pairs)
    fresh = cosine_scores(features[pairs.left], features[pairs.right])
    cached = results(name)
    assert list(cached.left_paths) == [pairs.images.paths[i] for i in pairs.left]
    np.testing.assert_allclose(cached.verification.scores, fresh, atol=1e-4)
    other = results("lfw-d512-softmax").verification.scores
    assert np.abs(other - fresh).max() > 1e-2


def test_stale_face_cache_is_recomputed(tmp_path, lfw_root):
    import json
    import shutil

    name = "lfw-d3-asoftmax-m4"
    for suffix in (".pt", ".lfw.npz"):
        shutil.copy(pretrained.CHECKPOINT_DIR / f"{name}{suffix}", tmp_path / f"{name}{suffix}")
    entry = dict(pretrained.manifest()[name])
    (tmp_path / "manifest.json").write_text(json.dumps({name: entry}))
    np.savez(tmp_path / f"{name}.lfw.npz", checkpoint_sha256=np.array("0" * 64))  # another checkpoint's cache
    fresh = pretrained.face_results(name, tmp_path)
    np.testing.assert_allclose(fresh.verification.scores, results(name).verification.scores, atol=1e-4)
    assert fresh.train.features.shape == results(name).train.features.shape


def seed_means(names):
    ctx = Context()
    return {name: face_seed_stats(ctx, name) for name in names}


def test_more_seeds_are_added_without_touching_the_shipped_checkpoint(tmp_path, lfw_root):
    import hashlib

    name = "lfw-d3-asoftmax-m1"
    pretrained.retrain([name], tmp_path, device="cpu", quick=True, progress=False, face_seeds=(0,))
    before = hashlib.sha256((tmp_path / f"{name}.pt").read_bytes()).hexdigest()
    entry = pretrained.add_face_seeds([name], [1], tmp_path, progress=False)[name]
    assert set(entry["seeds"]) == {"0", "1"} and entry["file_sha256"] == before
    assert hashlib.sha256((tmp_path / f"{name}.pt").read_bytes()).hexdigest() == before
    assert 0 < entry["seeds"]["1"]["lfw_accuracy"] < 1


def test_face_seeds_must_include_the_shipped_seed(tmp_path):
    with pytest.raises(ValueError, match="must include the recipe's own seed 0"):
        pretrained.retrain(["lfw-d3-asoftmax-m1"], tmp_path, quick=True, face_seeds=(1, 2))
