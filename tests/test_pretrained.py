"""The shipped checkpoints: loadable offline, recorded in the manifest, and the paper's claims hold."""

import hashlib
import json

import numpy as np
import pytest
import torch

from spheredemo import analysis, pretrained

SWEEP = ("asoftmax-m1", "asoftmax-m2", "asoftmax-m3", "asoftmax-m4")


def emb(name):
    return pretrained.embeddings(name, "test")


def test_every_recipe_is_shipped_small_and_recorded():
    manifest = pretrained.manifest()
    assert set(manifest) == set(pretrained.RECIPES)
    for name, entry in manifest.items():
        if name.startswith("lfw-"):
            continue  # the face checkpoints: tests/test_pretrained_faces.py
        path = pretrained.CHECKPOINT_DIR / f"{name}.pt"
        assert path.stat().st_size < 1_000_000, f"{name} is {path.stat().st_size} bytes"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["file_sha256"]
        for key, value in pretrained.RECIPES[name].items():  # trained by the recipe kept in the repository
            assert entry["config"][key] == value, f"{name}: {key} is {entry['config'][key]!r}, recipe says {value!r}"
        assert not entry["quick"]
        for key in ("seed", "data_sha256", "test_accuracy", "device", "train_seconds"):
            assert key in entry


@pytest.mark.parametrize("dim", [2, 3])
def test_load_gives_model_and_head(dim, mnist_test):
    model, head = pretrained.load("mnist", dim, "asoftmax", m=4)
    images, _ = mnist_test.batch(torch.arange(16))
    with torch.no_grad():
        features = model(images)
    assert features.shape == (16, dim) and head.weight.shape == (10, dim)
    assert not model.training


def test_load_refuses_what_is_not_shipped():
    with pytest.raises(ValueError, match="shipped checkpoints exist for datasets 'mnist' and 'lfw', got 'faces'"):
        pretrained.load("faces", 2, "asoftmax")
    with pytest.raises(ValueError, match="no shipped checkpoint for dim=2, loss='asoftmax', m=7"):
        pretrained.load("mnist", 2, "asoftmax", m=7)
    with pytest.raises(ValueError, match="m applies to loss='asoftmax' only"):
        pretrained.load("mnist", 2, "softmax", m=2)


def test_manifest_accuracy_matches_a_fresh_evaluation(data_root):
    name = "mnist-d2-asoftmax-m4"
    assert emb(name).accuracy == pytest.approx(pretrained.manifest()[name]["test_accuracy"], abs=1e-6)


@pytest.mark.parametrize("dim, target", [(2, 0.990), (3, 0.993)])
def test_asoftmax_m4_accuracy_target(dim, target, data_root):
    accuracy = emb(f"mnist-d{dim}-asoftmax-m4").accuracy
    assert accuracy >= target, f"{dim}D A-Softmax m=4 test accuracy {accuracy:.4f} < {target}"
    assert spread(f"mnist-d{dim}-asoftmax-m4", "test_accuracy").mean >= target  # and on the seeds' mean


def test_pair_overlap_falls_as_m_grows_in_3d(data_root):
    """Pairs of the two classes with the closest weights: m=4 shares the fewest pairs between the
    positive and negative angle distributions, fewer than m=1 (m=3 is above m=2: see the notes)."""
    classes = analysis.closest_pair(emb("mnist-d3-asoftmax-m4").weight)
    overlaps = [analysis.pair_angles(emb(f"mnist-d3-{model}"), classes).overlap_fraction for model in SWEEP]
    assert overlaps[-1] < overlaps[0], f"overlap fraction by m=1..4: {overlaps}"
    assert overlaps[-1] == min(overlaps), f"overlap fraction by m=1..4: {overlaps}"


def assert_same_features(cached, fresh):
    """Features computed on another CPU or BLAS differ in the last float32 bits (3.4e-5 on values near 30
    was seen between an Intel and an AMD machine); another model's features differ by whole units."""
    scale = float(np.abs(fresh).max())
    np.testing.assert_allclose(cached, fresh, rtol=0, atol=1e-5 * scale)


def test_shipped_test_features_are_what_the_model_computes(mnist_test):
    from spheredemo.analysis import Embeddings

    for name in pretrained.manifest():
        if name.startswith("mnist-"):
            assert (pretrained.CHECKPOINT_DIR / f"{name}.test.npz").is_file(), f"{name} has no cached features"
    name = "mnist-d3-asoftmax-m2"
    run = pretrained.load_run(name)
    fresh = Embeddings.from_model(run.model, run.head, mnist_test)
    assert_same_features(pretrained.embeddings(name).features, fresh.features)
    other = Embeddings.from_model(pretrained.load_run("mnist-d3-asoftmax-m3").model, run.head, mnist_test)
    with pytest.raises(AssertionError):  # the tolerance still tells one model from another
        assert_same_features(pretrained.embeddings(name).features, other.features)


def test_stale_cached_features_are_a_clear_error_and_nothing_is_written(tmp_path):
    """The catalog only reads: a cache of another checkpoint file is refused, naming the command that
    rewrites it, and the folder is left as it was."""
    import shutil

    name = "mnist-d2-asoftmax-m4"
    for suffix in (".pt", ".test.npz"):
        shutil.copy(pretrained.CHECKPOINT_DIR / f"{name}{suffix}", tmp_path / f"{name}{suffix}")
    (tmp_path / "manifest.json").write_text(json.dumps({name: {"file_sha256": "0" * 64}}))
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    with pytest.raises(pretrained.StaleCache, match="belong to another checkpoint file.*"
                       "python -m spheredemo.retrain --features-only --only mnist-d2-asoftmax-m4"):
        pretrained.embeddings(name, "test", None, tmp_path)
    (tmp_path / f"{name}.test.npz").unlink()
    with pytest.raises(pretrained.StaleCache, match="are missing; write them with"):
        pretrained.embeddings(name, "test", None, tmp_path)
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == {
        k: v for k, v in before.items() if k != f"{name}.test.npz"}


def test_importing_the_catalog_does_not_import_the_retraining_code():
    import subprocess
    import sys

    code = ("import sys, spheredemo.pretrained, spheredemo.figures; "
            "print('spheredemo.retrain' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_the_shipped_mnist_recipes_end_at_the_margin_the_readme_states():
    """README: the sweep ends at λ = 0.85, where m = 1..4 train like m_eff = 1.00, 1.60, 2.23, 2.87 (θ12 = 90°)."""
    from spheredemo.margins import effective_margin

    for dim in (2, 3):
        for m, expected in zip((1, 2, 3, 4), (1.00, 1.60, 2.23, 2.87)):
            lam = pretrained.load_run(f"mnist-d{dim}-asoftmax-m{m}").history.lam[-1]
            assert round(lam, 2) == 0.85
            assert round(effective_margin(m, lam, 90.0).m_eff, 2) == expected


# --- the appendix models: fair comparisons and a real Fig. 8 ----------------------------------------------

def recipe_differences(a: str, b: str) -> set:
    ra, rb = pretrained.RECIPES[a], pretrained.RECIPES[b]
    return {key for key in set(ra) | set(rb) if ra.get(key) != rb.get(key)}


@pytest.mark.parametrize("figure, compared", [
    ("fig2_mnist_2d", {"loss", "m"}),
    ("fig5_sphere_3d", {"m"}),
    ("fig8_last_relu", {"last_relu"}),
    ("fig10_biases", {"dim"}),
    ("fig11_bias", {"head_bias", "embedding_bias"}),
    ("fig12_m_sweep_2d", {"m"}),
])
def test_models_a_figure_compares_differ_only_in_what_it_compares(figure, compared):
    from spheredemo.figures import FIGURES

    names = FIGURES[figure].checkpoints
    for other in names[1:]:
        differences = recipe_differences(names[0], other)
        assert differences <= compared, f"{figure}: {names[0]} and {other} also differ in {differences - compared}"


def test_the_imbalanced_model_trains_as_many_steps_as_the_sweep():
    entries = pretrained.manifest()
    steps = entries["mnist-d2-softmax-imbalanced"]["steps"]
    assert abs(steps - entries["mnist-d2-softmax"]["steps"]) <= 0.02 * entries["mnist-d2-softmax"]["steps"]


def test_fig8_relu_model_is_alive_and_confined_to_the_first_quadrant(data_root):
    """Appendix A: a ReLU after the embedding leaves only the first quadrant. The model trains (no unit
    dead for every image), spreads its features over the quadrant, and classifies far above chance."""
    relu, plain = emb("mnist-d2-modified-relu"), emb("mnist-d2-modified-warmup")
    assert np.all(relu.features >= 0)
    assert np.mean(np.all(relu.features == 0, axis=1)) < 0.01, "dead features"
    class_angles = [np.degrees(np.arctan2(*relu.unit_features[relu.labels == c].mean(0)[::-1])) for c in range(10)]
    assert max(class_angles) - min(class_angles) > 45, f"class mean angles {class_angles} do not spread"
    assert relu.accuracy > 0.5, f"ReLU model accuracy {relu.accuracy:.3f} (chance: 0.1)"
    assert plain.accuracy > 0.97
    assert np.mean(np.all(plain.features >= 0, axis=1)) < 0.5  # without the ReLU the features use every quadrant


# --- several seeds: trends are claimed on the means, with the spread beside them ------------------------------

def spread(name, key, scale=1.0):
    from spheredemo.figures import Context, seed_spread

    return seed_spread(Context(), name, key, scale)


def test_every_swept_mnist_recipe_records_three_seeds_and_the_shipped_one_is_seed_0(data_root):
    entries = pretrained.manifest()
    for name in sorted(n for n in pretrained.SEEDED if n.startswith("mnist-")):
        seeds = entries[name]["seeds"]
        assert sorted(seeds, key=int) == ["0", "1", "2"], f"{name}: seeds {sorted(seeds)}"
        assert entries[name]["seed"] == 0
        assert seeds["0"]["test_accuracy"] == pytest.approx(emb(name).accuracy, abs=3e-4)  # 3 images: another CPU


def sweep_spreads(dim, key, scale=1.0):
    from spheredemo.keys import SWEEP, ModelKey

    return {loss_name: spread(ModelKey("mnist", dim).with_loss(loss_name).name, key, scale) for loss_name in SWEEP}


ASOFTMAX = ("asoftmax-m1", "asoftmax-m2", "asoftmax-m3", "asoftmax-m4")


@pytest.mark.parametrize("dim", [2, 3])
def test_the_margin_tightens_the_classes_beyond_the_seed_noise(dim, data_root):
    """README: from m = 1 to 4 the mean angle to the own W falls at every step by more than the seeds' spread
    (2D and 3D), Fig. 12's empty arc widens at every step (2D), the 3D AFS falls at every step; the 2D AFS only
    from m = 1 to 2, with m = 2, 3, 4 inside each other's spread."""
    checks = [("mean_angle_to_own_W_deg", -1, ASOFTMAX)]
    checks += [("mean_gap_deg", +1, ASOFTMAX)] if dim == 2 else [("angular_fisher_score", -1, ASOFTMAX)]
    for key, sign, models in checks:
        s = sweep_spreads(dim, key)
        for a, b in zip(models, models[1:]):
            assert sign * (s[b].mean - s[a].mean) > 0 and s[a].beyond_noise(s[b]), (key, a, b, s[a], s[b])
    if dim == 2:
        afs = sweep_spreads(2, "angular_fisher_score")
        assert afs["asoftmax-m1"].beyond_noise(afs["asoftmax-m2"])
        assert not any(afs[a].beyond_noise(afs[b]) for a, b in (("asoftmax-m2", "asoftmax-m3"),
                                                                  ("asoftmax-m3", "asoftmax-m4")))


@pytest.mark.parametrize("dim, m1_to_m4", [(2, 0.34), (3, 0.14)])
def test_accuracy_rises_with_m_only_across_the_whole_sweep(dim, m1_to_m4, data_root):
    """README: neighbouring m differ in accuracy inside the seed noise; m = 4 is above m = 1 beyond it; softmax,
    modified and m = 1 are within each other's noise."""
    s = sweep_spreads(dim, "test_accuracy", 100.0)
    assert not any(s[a].beyond_noise(s[b]) for a, b in zip(ASOFTMAX, ASOFTMAX[1:]))
    assert s["asoftmax-m4"].beyond_noise(s["asoftmax-m1"])
    assert round(s["asoftmax-m4"].mean - s["asoftmax-m1"].mean, 2) == m1_to_m4
    for a, b in (("softmax", "modified"), ("softmax", "asoftmax-m1"), ("modified", "asoftmax-m1")):
        assert not s[a].beyond_noise(s[b]), (a, b)


def test_softmax_spreads_wide_in_angle_and_the_seed_decides_how_wide(data_root):
    s = sweep_spreads(2, "mean_angle_to_own_W_deg")
    assert s["softmax"].beyond_noise(s["modified"]) and s["softmax"].std > 5 * s["modified"].std
    per_seed = [v["mean_angle_to_own_W_deg"] for v in pretrained.manifest()["mnist-d2-softmax"]["seeds"].values()]
    assert round(min(per_seed), 1) == 5.8 and round(max(per_seed), 1) == 11.9
    s3 = sweep_spreads(3, "mean_angle_to_own_W_deg")
    assert s3["softmax"].beyond_noise(s3["modified"])
