"""The faces' validation protocol (issue 20): validation people drawn from the training identities, never
among the largest, in person-disjoint folds; validation models never see them; the λ schedule that reaches
its floor within the run."""

import math

import numpy as np
import pytest

from spheredemo import face_map, validation
from spheredemo.config import TrainConfig
from spheredemo.faces import LFW_HELD_OUT_FOLDS, pair_identities
from spheredemo.margins import REACH_LAMBDA, LambdaSchedule
from spheredemo.train import lambda_schedule


@pytest.fixture(scope="module")
def folds(lfw_root):
    return validation.validation_people(lfw_root)


@pytest.fixture(scope="module")
def pairs(lfw_root, face_cache):
    return validation.load_validation_pairs(lfw_root, cache=face_cache, progress=False)


def test_validation_people_are_training_identities_never_the_largest(lfw_root, folds):
    from spheredemo.faces import identity_folders, image_tree

    people = [name for fold in folds for name in fold]
    assert len(folds) == validation.VALIDATION_FOLDS and len(people) == validation.VALIDATION_PEOPLE
    assert len(set(people)) == len(people)  # person-disjoint folds
    reported = pair_identities(lfw_root, folds=set(LFW_HELD_OUT_FOLDS))
    assert not set(people) & reported  # nobody of the reported folds 1–3
    sizes = {name: len(files) for name, files in identity_folders(image_tree(lfw_root)).items()
             if name not in reported and len(files) >= 10}
    assert len(sizes) == 104
    largest = sorted(sizes, key=lambda n: (-sizes[n], n))[:validation.SKIP_LARGEST]
    assert not set(people) & set(largest)
    assert set(people) <= set(sizes)


def test_validation_people_do_not_depend_on_anything_but_the_copy(lfw_root, folds):
    assert validation.validation_people(lfw_root) == folds


def test_validation_pairs_are_balanced_and_fold_disjoint(pairs, folds):
    assert len(pairs) == 1200 and pairs.same.sum() == 600
    assert pairs.folds == [1, 2, 3, 4, 5]
    names = np.array(pairs.images.classes)[pairs.images.labels.numpy()]
    for fold, people in enumerate(folds, start=1):
        here = pairs.fold == fold
        left, right = names[pairs.left[here]], names[pairs.right[here]]
        assert set(left) | set(right) == set(people)  # a fold's pairs use its own people only
        same = pairs.same[here]
        assert (left[same] == right[same]).all() and (left[~same] != right[~same]).all()
        assert same.sum() == 120 and (~same).sum() == 120
    unique = {(min(a, b), max(a, b)) for a, b in zip(pairs.left, pairs.right)}
    assert len(unique) == len(pairs)  # no pair drawn twice


def test_a_validation_model_trains_without_the_validation_people(lfw_root, face_cache, folds):
    from spheredemo.faces import lfw_training_set
    from spheredemo.train.data import _validation_exclude

    config = TrainConfig(dataset="lfw", holdout="validation")
    excluded = _validation_exclude(config, lfw_root)
    train = lfw_training_set(lfw_root, exclude=excluded, cache=face_cache, progress=False)
    assert train.n_classes == 84
    assert not set(train.classes) & {name for fold in folds for name in fold}
    assert _validation_exclude(TrainConfig(dataset="lfw"), lfw_root) == ()


def test_holdout_is_checked():
    with pytest.raises(ValueError, match="holdout must be one of"):
        TrainConfig(dataset="lfw", holdout="folds")
    with pytest.raises(ValueError, match="applies to dataset 'lfw'"):
        TrainConfig(dataset="mnist", holdout="validation")
    with pytest.raises(ValueError, match=r"lambda_reach .* must lie in \(0, 1\]"):
        TrainConfig(lambda_reach=1.5)


@pytest.mark.parametrize("lambda_min", [0.0, 1.0, 2.0, 5.0])
def test_reaching_schedule_reaches_its_floor_at_the_step(lambda_min):
    schedule = LambdaSchedule.reaching(lambda_min, 1960)
    assert schedule(0) == 1000.0
    assert schedule(1960) == lambda_min and schedule(4899) == lambda_min
    before = schedule(1959)
    assert before == pytest.approx(max(lambda_min, REACH_LAMBDA), rel=0.01)
    steps = np.arange(0, 1960)
    values = np.array([schedule(int(t)) for t in steps])
    assert (np.diff(values) <= 0).all()  # falls monotonically
    assert schedule.first_step_at_min() <= 1960


def test_config_lambda_reach_derives_the_schedule():
    config = face_map.cell_config("asoftmax-m4-lmin2")
    assert config.lambda_reach == face_map.LAMBDA_REACH and config.max_steps == face_map.MAP_STEPS
    schedule = lambda_schedule(config, face_map.MAP_STEPS)
    reach = round(face_map.LAMBDA_REACH * face_map.MAP_STEPS)
    assert schedule(reach) == 2.0 and schedule(reach - 1) > 2.0
    # without lambda_reach the config's own γ is used, as before
    plain = TrainConfig(lambda_gamma=1.0, lambda_min=5.0)
    assert lambda_schedule(plain, 4900) == LambdaSchedule(1000.0, 1.0, 1.0, 5.0)


def test_map_cells_are_the_shipped_recipe_but_for_the_loss():
    from spheredemo.recipes import RECIPES

    shipped = RECIPES["lfw-d512-asoftmax-m4"]
    for name in ("softmax", "cosface-m0.35-sadacos", "arcface-m0.5-s30", "asoftmax-m3-lmin1"):
        config = face_map.cell_config(name)
        assert config.holdout == "validation"
        for key in ("model", "width", "image_size", "face_crop", "batch_size", "optimizer", "lr", "weight_decay",
                    "augment_zoom", "augment_translate", "augment_rotate_deg", "augment_flip"):
            assert getattr(config, key) == shipped[key], key
    assert face_map.ADACOS_S == pytest.approx(math.sqrt(2) * math.log(103), abs=0.01)
    assert face_map.cell_config("normsoftmax-s16").m == 0.0
    with pytest.raises(ValueError, match="no map cell named"):
        face_map.cell_config("arcface-m9")


def test_the_shipped_face_recipes_are_the_cells_validation_chose():
    """Each shipped 512-d recipe with a choice (A-Softmax m = 2, 3, 4; CosFace; ArcFace) trains the loss settings of
    the cell face_map.chosen_cells picks from the recorded results: never a setting read off folds 1–3."""
    from spheredemo.config import TrainConfig
    from spheredemo.margins import ZOO_DEFAULTS
    from spheredemo.recipes import RECIPES

    chosen = face_map.chosen_cells()
    assert set(chosen) == set(face_map.CHOSEN_FOR)
    for family, cell in chosen.items():
        recipe, picked = TrainConfig(**RECIPES[face_map.CHOSEN_FOR[family]]), face_map.cell_config(cell)
        defaults = ZOO_DEFAULTS.get(recipe.loss, {}) if recipe.loss != "asoftmax" else {}  # unset: the head's

        def value(config, key):
            return defaults.get(key) if getattr(config, key) is None else getattr(config, key)

        for key in ("loss", "m", "s", "weight_decay", "lr", "batch_size"):
            assert value(recipe, key) == value(picked, key), (family, cell, key)
        if recipe.loss == "asoftmax":  # the same λ_min and λ(t)
            assert recipe.lambda_min == picked.lambda_min  # over the run: reaching λ_min at 40 % of 4,900 steps
            assert recipe.lambda_reach == picked.lambda_reach == face_map.LAMBDA_REACH
            assert recipe.epochs * 49 == picked.max_steps == face_map.MAP_STEPS


def test_the_choice_is_seed_zeros_best_among_cells_that_trained():
    def record(cell, seed, accuracy, auc):
        return {"cell": cell, "seed": seed, "val_accuracy": accuracy, "val_auc": auc}

    results = [record("arcface-m0.2-s30", 0, 0.87, 0.94), record("arcface-m0.5-s30", 0, 0.87, 0.93),
               record("arcface-m0.1-s16", 0, 0.86, 0.93), record("cosface-m0.1-s16", 0, 0.85, 0.92),
               record("cosface-m0.2-s16", 0, 0.84, 0.95)]
    assert face_map.chosen_cells(results) == {"arcface": "arcface-m0.2-s30", "cosface": "cosface-m0.1-s16"}
    # a seed of the chosen cell that failed to train (AUC near chance) hands the choice to the next cell
    results.append(record("arcface-m0.2-s30", 1, 0.58, 0.59))
    assert face_map.chosen_cells(results)["arcface"] == "arcface-m0.5-s30"
    # an extra seed that merely scores lower chooses nothing
    results.append(record("arcface-m0.5-s30", 1, 0.80, 0.90))
    assert face_map.chosen_cells(results)["arcface"] == "arcface-m0.5-s30"
    # the speed checks and the probes of the rest of the recipe are never chosen
    results.append(record("asoftmax-m4-lmin5-bf16", 0, 0.99, 0.99))
    results.append(record("asoftmax-m4-from-m1", 0, 0.99, 0.99))
    assert "asoftmax-m4" not in face_map.chosen_cells(results)


def _tiny_face_command(lfw_root, out, *extra):
    import sys

    return [sys.executable, "-m", "spheredemo.train", "--dataset", "lfw", "--data", str(lfw_root), "--dim", "8",
            "--loss", "asoftmax", "--margin", "2", "--model", "sphereface4", "--width", "4", "--image-size", "32",
            "--max-identities", "6", "--per-class", "10", "--epochs", "1", "--batch-size", "30",
            "--out", str(out), "--no-progress", *extra]


def test_cli_verifies_a_validation_model_on_the_validation_people_only(lfw_root, tmp_path):
    import subprocess

    out = tmp_path / "val.pt"
    done = subprocess.run(_tiny_face_command(lfw_root, out, "--holdout", "validation", "--lambda-reach", "0.4",
                                             "--lambda-min", "0"), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "LFW verification of validation people:" in done.stdout and "over folds [1, 2, 3, 4, 5]" in done.stdout
    assert "unseen people" not in done.stdout  # the reported folds are never looked at
    assert "final λ = 0:" in done.stdout


def test_cli_keeps_the_checkpoint_and_says_so_when_the_lfw_report_fails(lfw_root, tmp_path):
    """Issue 18, point 3: an LFW copy whose pairs' images are missing fails after training with an error
    line, not a traceback, and the trained model is kept."""
    import subprocess

    copy = tmp_path / "lfw"
    (copy / "meta").mkdir(parents=True)
    (copy / "meta" / "pairs.txt").write_text((lfw_root / "meta" / "pairs.txt").read_text())
    images = copy / "lfw-deepfunneled"
    images.mkdir()
    for name in ("George_W_Bush", "Colin_Powell", "Tony_Blair"):  # trained on
        (images / name).symlink_to(lfw_root / "lfw-deepfunneled" / name)
    # the first pair of fold 1 is present but damaged: the report fails after training, when it decodes them
    name, first, second = (lfw_root / "meta" / "pairs.txt").read_text().splitlines()[1].split()
    (images / name).mkdir()
    for number in (first, second):
        (images / name / f"{name}_{int(number):04d}.jpg").write_bytes(b"not a jpeg")
    out = tmp_path / "kept.pt"
    done = subprocess.run(_tiny_face_command(copy, out, "--max-identities", "3"), capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "error: the LFW verification failed" in done.stderr and f"kept at {out}" in done.stderr
    assert out.is_file()


def _record(cell, seed, accuracy, final_lambda=None):
    config = face_map.cell_config(cell)
    return {"cell": cell, "seed": seed, "loss": config.loss, "m": config.m, "s": config.s,
            "lambda_min": config.lambda_min if config.loss == "asoftmax" else None, "final_lambda": final_lambda,
            "val_accuracy": accuracy, "val_fold_std": 0.05, "val_auc": accuracy + 0.05, "val_pairs": 1200,
            "steps": 4900}


def test_map_points_carry_each_familys_binary_margin_at_90_degrees():
    records = [_record("softmax", 0, 0.86), _record("asoftmax-m4-lmin0", 0, 0.64, 0.0),
               _record("asoftmax-m4-lmin5", 0, 0.88, 5.0), _record("asoftmax-m4-lmin5", 1, 0.86, 5.0),
               _record("cosface-m0.35-s16", 0, 0.84), _record("arcface-m0.5-s30", 0, 0.85),
               _record("normsoftmax-s16", 0, 0.85)]
    points = {p.cell: p for p in face_map.map_points(records)}
    assert points["softmax"].margin_deg == 0 and points["normsoftmax-s16"].family == "normalised softmax"
    assert points["asoftmax-m4-lmin0"].margin_deg == pytest.approx(3 / 5 * 90, abs=1e-6)  # (m−1)/(m+1)·θ12
    assert points["asoftmax-m4-lmin5"].m_eff == pytest.approx(1.62, abs=0.01)
    assert points["asoftmax-m4-lmin5"].accuracy == pytest.approx((87.0, math.sqrt(2)), abs=1e-9)
    assert points["asoftmax-m4-lmin5"].seeds == 2
    assert points["cosface-m0.35-s16"].margin_deg == pytest.approx(
        2 * math.degrees(math.asin(0.35 / (2 * math.sin(math.radians(45))))), abs=1e-9)
    assert points["arcface-m0.5-s30"].margin_deg == pytest.approx(math.degrees(0.5), abs=1e-9)


def test_the_map_figures_draw_from_the_results_and_refuse_an_empty_map(tmp_path):
    import json

    import matplotlib

    matplotlib.use("Agg")
    from spheredemo import figures
    from spheredemo.imageset import DataError

    ctx = figures.Context(checkpoints=tmp_path)
    with pytest.raises(DataError, match="the margin map has not been run"):
        figures.render("face_map_margin", ctx)
    (tmp_path / "face_map").mkdir()
    for record in (_record("softmax", 0, 0.86), _record("asoftmax-m2-lmin0", 0, 0.80, 0.0),
                   _record("asoftmax-m2-lmin5", 0, 0.87, 5.0), _record("cosface-m0.2-s16", 0, 0.85)):
        (tmp_path / "face_map" / f"{record['cell']}-s{record['seed']}.json").write_text(json.dumps(record))
    fig = figures.render("face_map_margin", ctx)
    lines = fig.axes[0].get_lines()
    assert any(list(line.get_ydata()) == [86.0, 86.0] for line in lines)  # softmax's reference line
    grid = figures.render("face_map_asoftmax", ctx)
    texts = [t.get_text() for t in grid.axes[0].texts]
    assert "80.0 %\nm_eff 2.00" in texts and any(t.startswith("87.0 %\nm_eff 1.") for t in texts)


def test_held_out_images_are_a_fixed_fifth_of_each_identity_never_trained_on(lfw_root, face_cache):
    import torch

    from spheredemo.train.data import held_out_images, load_training_data

    config = TrainConfig(dataset="lfw", dim=3, max_identities=6, holdout_images=0.2, seed=0)
    train, _ = load_training_data(config, lfw_root, progress=False)
    held = held_out_images(config, lfw_root)
    assert train.classes == held.classes and len(train.classes) == 6
    assert not set(train.paths) & set(held.paths)
    total = torch.bincount(train.labels) + torch.bincount(held.labels)
    assert torch.equal(torch.bincount(held.labels), torch.round(0.2 * total).long())
    other_seed = TrainConfig(**{**config.to_dict(), "seed": 2})
    assert held_out_images(other_seed, lfw_root).paths == held.paths  # one split for every training seed


def test_split_held_out_is_checked_and_keeps_one_image_per_class():
    import torch

    from spheredemo.imageset import ImageSet

    images = ImageSet(torch.zeros(5, 1, 4, 4, dtype=torch.uint8), torch.tensor([0, 0, 1, 1, 1]), ("a", "b"))
    kept, held = images.split_held_out(0.9)
    assert torch.bincount(kept.labels).tolist() == [1, 1] and torch.bincount(held.labels).tolist() == [1, 2]
    with pytest.raises(ValueError, match=r"must lie in \(0, 1\)"):
        images.split_held_out(1.0)
    with pytest.raises(ValueError, match="holdout_images applies to the face datasets"):
        TrainConfig(holdout_images=0.2)
    with pytest.raises(ValueError, match=r"holdout_images .* must lie in \[0, 1\)"):
        TrainConfig(dataset="lfw", holdout_images=1.5)


def test_the_bf16_speed_checks_are_not_drawn_as_cells_of_the_map():
    from spheredemo.plots.face_map import draw_asoftmax_grid

    fp32, bf16 = _record("asoftmax-m4-lmin5", 0, 0.88, 5.0), _record("asoftmax-m4-lmin5-bf16", 0, 0.80, 5.0)
    bf16["config"] = {"autocast": "bf16"}
    points = face_map.map_points([fp32, bf16])
    assert [p.autocast for p in points] == ["off", "bf16"]
    image = draw_asoftmax_grid(points)
    assert [t.get_text() for t in image.axes.texts] == ["88.0 %\nm_eff 1.62"]


def test_the_probe_cells_are_not_drawn_over_the_grid_cell_they_probe():
    """A weight-decay probe and a warm start share (m, λ_min) with a grid cell: the grid and the lines draw the
    grid cell only, so the heat map shows one number per square and the m = 2 line does not double back."""
    from spheredemo.plots.face_map import draw_asoftmax_grid, draw_map_lines

    grid = [_record("asoftmax-m2-lmin1", seed, value, 1.0) for seed, value in ((0, 0.90), (1, 0.88))]
    probes = [_record("asoftmax-m2-lmin1-wd0.03", 0, 0.83, 1.0), _record("asoftmax-m4-from-m1", 0, 0.89, 2.0)]
    probes[1]["m"] = 4
    points = face_map.map_points(grid + probes)
    assert [(p.cell, p.probe) for p in points] == [("asoftmax-m2-lmin1", False), ("asoftmax-m4-from-m1", True),
                                                   ("asoftmax-m2-lmin1-wd0.03", True)]
    image = draw_asoftmax_grid(points)
    assert [t.get_text() for t in image.axes.texts] == ["89.0 ± 1.4\n(2 seeds) %\nm_eff 1.56"]
    lines = draw_map_lines(points)
    assert list(lines) == ["A-Softmax m=2"] and len(lines["A-Softmax m=2"].lines[0].get_xdata()) == 1
