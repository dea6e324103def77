"""The face figures and the faces explorer and slide, checked on the data they draw (shipped face checkpoints)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from spheredemo import analysis, figures, pretrained  # noqa: E402
from spheredemo.verification import roc_curve  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def ctx():
    return figures.Context()


def explicit_angles(scores):
    return [np.degrees(np.arccos(min(1.0, max(-1.0, s)))) for s in scores]


def test_table3_faces_bars_are_the_seed_means_and_the_paper_diamonds_its_numbers(ctx):
    fig = figures.render("table3_faces", ctx)
    ax = fig.axes[0]
    manifest = pretrained.manifest()
    bars = [p for p in ax.patches if p.get_height() > 0]
    assert len(bars) == len(figures.FACE_MODELS)
    for bar, (name, _) in zip(bars, figures.FACE_MODELS):
        seeds = manifest[name]["seeds"].values()
        assert bar.get_height() == pytest.approx(100 * np.mean([s["lfw_accuracy"] for s in seeds]))
    diamonds = ax.collections[-1].get_offsets()
    assert sorted(np.asarray(diamonds)[:, 1].tolist()) == sorted(figures.PAPER_TABLE3.values())


def test_fig5_faces_histograms_are_the_pair_angles_and_the_threshold(ctx):
    fig = figures.render("fig5_faces", ctx)
    def row(k):  # the grid's row k, left to right; the row says what it shows at its left
        axes = sorted((ax for ax in fig.axes if ax.name != "3d" and ax.get_subplotspec().rowspan.start == k),
                      key=lambda ax: ax.get_subplotspec().colspan.start)
        return axes, axes[0].get_ylabel()

    histogram_axes, label = row(2)
    assert len(histogram_axes) == 4 and "unseen people" in label
    for ax, name in zip(histogram_axes, figures.FACE_3D_MODELS):
        assert f"{100 * pretrained.face_results(name).verification.mean:.1f}% right" in ax.get_title()
    for ax, name in zip(histogram_axes, figures.FACE_3D_MODELS):
        v = pretrained.face_results(name).verification
        angles = np.array(explicit_angles(v.scores))
        expected, _ = np.histogram(angles[v.same], np.linspace(0, 180, 61), density=True)
        heights = [p.get_height() for p in ax.patches][:60]
        np.testing.assert_allclose(heights, expected)
        threshold = [line for line in ax.get_lines() if line.get_linestyle() == "--"][0]
        assert threshold.get_xdata()[0] == pytest.approx(v.threshold_deg)
    held_out, label = row(1)
    assert len(held_out) == 4 and "held-out" in label
    for ax, name in zip(held_out, figures.FACE_3D_MODELS):  # pairs of images the model never trained on
        results = pretrained.face_results(name)
        pairs = analysis.pair_angles(results.held_out, figures._two_largest(results))
        assert f"{100 * pairs.overlap_fraction:.1f}% overlap" in ax.get_title()
        assert not set(results.held_out.labels.tolist()) - set(range(6))
    spheres = [ax for ax in fig.axes if ax.name == "3d"]
    points = np.concatenate([np.column_stack(s._offsets3d) for s in spheres[0].collections if hasattr(s, "_offsets3d")])
    np.testing.assert_allclose(np.linalg.norm(points, axis=1), 1.0, atol=1e-6)  # on the unit sphere


def test_roc_faces_draws_each_models_curve(ctx):
    fig = figures.render("roc_faces", ctx)
    lines = fig.axes[0].get_lines()[:len(figures.FACE_MODELS)]
    for line, (name, _) in zip(lines, figures.FACE_MODELS):
        v = pretrained.face_results(name).verification
        fpr, tpr, _ = roc_curve(v.scores, v.same)
        np.testing.assert_allclose(line.get_xdata(), fpr)
        np.testing.assert_allclose(line.get_ydata(), tpr)


def test_face_gallery_frames_say_right_or_wrong(ctx, lfw_root):
    from spheredemo.verification import notable_pairs

    fig = figures.render("face_gallery", ctx)
    v = pretrained.face_results(figures.GALLERY_MODEL).verification
    chosen = notable_pairs(v, n=2)
    expected = [key.startswith("hardest") for key in ("hardest_same", "hardest_different", "worst_same",
                                                      "worst_different") for _ in chosen[key]]
    framed = [ax for ax in fig.axes if ax.images]
    assert len(framed) == 2 * len(expected)
    colours = [matplotlib.colors.to_hex(ax.spines["left"].get_edgecolor()) for ax in framed[::2]]
    assert colours == ["#1a9850" if right else "#d73027" for right in expected]


def test_face_results_table_has_every_face_model(ctx, tmp_path):
    rows = figures.face_results_rows(ctx)
    assert [r["model"] for r in rows] == [n for n, _ in figures.FACE_MODELS] + figures.FACE_3D_MODELS
    manifest = pretrained.manifest()
    for row in rows:
        seeds = manifest[row["model"]]["seeds"]
        mean = 100 * np.mean([s["lfw_accuracy"] for s in seeds.values()])
        assert row["lfw_%_over_seeds"].startswith(f"{mean:.2f} ± ") and f"(n={len(seeds)})" in row["lfw_%_over_seeds"]


# --- the faces explorer and slide ------------------------------------------------------------------------

def test_face_explorer_swaps_models_and_browses_pairs(lfw_root):
    from spheredemo.widgets import face_explorer

    e = face_explorer()
    assert e.message.value == ""
    v = pretrained.face_results("lfw-d512-asoftmax-m4").verification
    assert f"{100 * v.mean:.1f} %" in e.readout.value and f"{v.threshold_deg:.1f}°" in e.readout.value
    e.controls["loss"].value = "softmax"
    assert e.controls["m"].disabled and e.shown == "lfw-d512-softmax"
    soft = pretrained.face_results("lfw-d512-softmax").verification
    heights = [p.get_height() for p in e.artists.positive]
    angles = np.array(explicit_angles(soft.scores))
    np.testing.assert_allclose(heights, np.histogram(angles[soft.same], np.linspace(0, 180, 61), density=True)[0])
    e.controls["kind"].value = "wrong"
    wrong = np.flatnonzero(~soft.correct())
    assert e.controls["pair"].max == len(wrong) - 1
    assert "✗ wrong" in e.pair_caption.value and len(e.pair_images[0].value) > 1000
    e.controls["kind"].value = "same"
    e.controls["pair"].value = 0
    first = np.flatnonzero(soft.same)[np.argmin(angles[soft.same])]
    assert f"{angles[first]:.1f}°" in e.pair_caption.value


def test_faces_slide_has_a_frame_per_model():
    from spheredemo.slides.charts import FACE_SLIDE_MODELS, face_states

    fig, _, captions, _ = face_states(pretrained.face_results)
    assert [f.name for f in fig.frames] == [key.label for key in FACE_SLIDE_MODELS]
    for frame, key in zip(fig.frames, FACE_SLIDE_MODELS):
        v = pretrained.face_results(key).verification
        assert frame.data[2].x[0] == pytest.approx(v.threshold_deg)
        assert f"{100 * v.mean:.1f} %" in captions[frame.name]
