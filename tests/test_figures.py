"""The figures command end to end (--quick, in a subprocess) and each figure's drawn data."""

import csv
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from spheredemo import figures, pretrained  # noqa: E402
from spheredemo.analysis import unit  # noqa: E402


@pytest.fixture(scope="module")
def quick():
    return figures.Context(quick=True)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_list_names_every_figure_with_its_paper_item():
    out = subprocess.run([sys.executable, "-m", "spheredemo.figures", "--list"], capture_output=True, text=True,
                         check=True).stdout
    for spec in figures.FIGURES.values():
        assert spec.name in out and spec.paper in out
    for item in ("Table 1", "Fig. 2", "Fig. 3", "Fig. 5", "Fig. 8", "Fig. 9", "Fig. 10", "Fig. 11", "Fig. 12"):
        assert item in out, f"{item} missing from the figure list"


def test_quick_run_writes_every_figure_table_and_gallery(tmp_path, data_root):
    from spheredemo import results

    readme = results.README.read_text()
    result = subprocess.run([sys.executable, "-m", "spheredemo.figures", "--quick", "--out", str(tmp_path),
                             "--format", "png", "svg"], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    gallery = (tmp_path / "README.md").read_text()
    for name in figures.FIGURES:
        assert (tmp_path / f"{name}.png").stat().st_size > 1000
        assert (tmp_path / f"{name}.svg").exists()
        assert f"({name}.png)" in gallery
    rows = list(csv.DictReader((tmp_path / "results.csv").open()))
    assert len(rows) == 12 and {r["dim"] for r in rows} == {"2", "3"}
    assert not list(tmp_path.glob("*.tmp")) and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert results.README.read_text() == readme  # a run into another folder leaves the checkout's README alone


def test_a_whole_run_into_the_checkout_rewrites_the_readme_results_too(tmp_path, monkeypatch, data_root):
    """One command after a retraining: a whole run into the default folder (a source checkout's figures/) writes
    the figures, the tables, the gallery and the README's generated results blocks, all from the same manifest."""
    from spheredemo import results
    from spheredemo.figures import output

    fresh = results.README.read_text()
    first = next(results._BLOCK.finditer(fresh))
    readme = tmp_path / "README.md"
    readme.write_text(fresh[:first.start("body")] + "a stale table" + fresh[first.end("body"):])
    monkeypatch.setattr(results, "README", readme)
    monkeypatch.setattr(output, "default_out", lambda: tmp_path / "figures")
    assert output.main(["--quick"]) == 0
    assert readme.read_text() == fresh and "a stale table" not in readme.read_text()
    assert (tmp_path / "figures" / "README.md").is_file() and (tmp_path / "figures" / "results.csv").is_file()
    # figures drawn from other checkpoints than the shipped ones (--quick --retrain's tiny ones) leave it alone
    readme.write_text("<!-- BEGIN generated: mnist-table (python -m spheredemo.results --write) -->\nstale\n"
                      "<!-- END generated: mnist-table -->\n")
    monkeypatch.setattr(pretrained, "CHECKPOINT_DIR", tmp_path / "checkpoints")
    assert output.main(["--quick"]) == 0
    assert "stale" in readme.read_text()


def test_unknown_figure_is_a_clear_error(tmp_path):
    result = subprocess.run([sys.executable, "-m", "spheredemo.figures", "--only", "fig99", "--out", str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "unknown figure(s) ['fig99']" in result.stderr


def test_fig2_draws_unit_circle_points_and_the_heads_weights(quick, data_root):
    fig = figures.render("fig2_mnist_2d", quick)
    circle_axes = [ax for ax in fig.axes if "unit circle" in ax.get_title()]
    assert len(circle_axes) == 3
    for ax, name in zip(circle_axes, figures.FIGURES["fig2_mnist_2d"].checkpoints):
        offsets = np.concatenate([c.get_offsets() for c in ax.collections])
        np.testing.assert_allclose(np.linalg.norm(offsets, axis=1), 1.0, atol=1e-9)
        weight = pretrained.load_run(name).head.weight.detach().numpy()
        tips = np.array([a.xy for a in ax.texts if hasattr(a, "xy")])
        np.testing.assert_allclose(unit(tips), unit(weight), atol=1e-6)


def test_fig5_histograms_mark_pair_extremes(quick, data_root):
    fig = figures.render("fig5_sphere_3d", quick)
    hist_axes = [ax for ax in fig.axes if "overlap" in ax.get_title()]
    assert len(hist_axes) == 4
    for ax in hist_axes:
        labels = [line.get_label() for line in ax.lines]
        assert any(label.startswith("max positive") for label in labels)
        assert any(label.startswith("min negative") for label in labels)


def test_fig9_plots_counts_against_weight_norms(quick, data_root):
    fig = figures.render("fig9_weight_norms", quick)
    offsets = fig.axes[0].collections[0].get_offsets()
    name = "mnist-d2-softmax-imbalanced"
    counts = pretrained.manifest()[name]["class_counts"]
    norms = np.linalg.norm(pretrained.load_run(name).head.weight.detach().numpy(), axis=1)
    np.testing.assert_allclose(offsets, np.stack([counts, norms], 1), rtol=1e-6)


def test_slide_style_is_16_by_9(quick, data_root):
    fig = figures.render("fig10_biases", figures.Context(quick=True, style="slide"))
    width, height = fig.get_size_inches()
    assert width / height == pytest.approx(16 / 9, rel=0.01)
    assert fig.axes[0].xaxis.label.get_fontsize() >= 18
    paper = figures.render("fig10_biases", quick)
    assert paper.axes[0].xaxis.label.get_fontsize() < 18


def test_render_refuses_unknown_names():
    with pytest.raises(ValueError, match="unknown figure 'nope'"):
        figures.render("nope")


def test_table1_titles_are_inside_the_figure():
    fig = figures.render("table1_boundaries", figures.Context(quick=True))
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        box = ax.title.get_window_extent(renderer)
        assert ax.get_title() and box.y1 <= fig.bbox.y1 and box.x0 >= 0 and box.x1 <= fig.bbox.x1, ax.get_title()


def test_every_mnist_caption_number_is_the_measured_one():
    """The "what to see" sentences quote captions.csv's numbers, rounded as printed."""
    values = {(r["figure"], r["quantity"]): float(r["value"]) for r in figures.caption_rows(figures.Context())}

    def caption(name):
        return figures.FIGURES[name].description

    def value(figure, start):
        return next(v for (f, q), v in values.items() if f == figure and q.startswith(start))

    angles = [value("fig2_mnist_2d", f"mnist-d2-{m}:") for m in ("softmax", "modified", "asoftmax-m4")]
    assert angles[2] == min(angles)
    for angle in angles:
        assert f"{angle:.1f}°" in caption("fig2_mnist_2d")
    for model in ("mnist-d2-modified-relu", "mnist-d2-modified-warmup"):
        for quantity in ("test accuracy", "features exactly 0", "features with both coordinates >= 0"):
            number = value("fig8_last_relu", f"{model}: {quantity}")
            assert f"{number:.1f} %" in caption("fig8_last_relu"), (model, quantity, number)
    assert value("fig8_last_relu", "mnist-d2-modified-relu: features with both coordinates >= 0") == 100.0
    assert value("fig8_last_relu", "mnist-d2-modified-relu: features exactly 0") < 1.0
    rho = value("fig9_weight_norms", "mnist-d2-softmax-imbalanced: rank")
    assert rho < 0.5 and f"rank correlation {rho:.2f}" in caption("fig9_weight_norms")  # the claim does not hold
    assert f"{value('fig9_weight_norms', 'mnist-d2-softmax-imbalanced: test accuracy'):.1f} %" in caption(
        "fig9_weight_norms")
    for dim in (2, 3):
        bias, logit = (value("fig10_biases", f"mnist-d{dim}-softmax: median |{q}") for q in ("b_j", "W_j"))
        assert bias < 0.05 * logit and f"{bias:.2f}" in caption("fig10_biases") and f"{logit:.1f}" in caption(
            "fig10_biases")
    for start in ("mnist-d2-softmax: test accuracy", "mnist-d2-softmax-nobias: test accuracy"):
        assert f"{value('fig11_bias', start):.2f} %" in caption("fig11_bias")
    with_bias = {key: figures.seed_spread(figures.Context(), "mnist-d2-softmax", key, scale) for key, scale in (
        ("test_accuracy", 100.0), ("mean_angle_to_own_W_deg", 1.0))}
    assert f"{with_bias['test_accuracy'].mean:.2f} ± {with_bias['test_accuracy'].std:.2f} %" in caption("fig11_bias")
    angles = [value("fig11_bias", f"{n}: mean angle") for n in ("mnist-d2-softmax", "mnist-d2-softmax-nobias")]
    assert all(f"{a:.1f}°" in caption("fig11_bias") for a in angles)
    spread = with_bias["mean_angle_to_own_W_deg"]
    assert f"{spread.mean:.1f} ± {spread.std:.1f}°" in caption("fig11_bias")
    without = value("fig11_bias", "mnist-d2-softmax-nobias: test accuracy")
    for number, s in ((without, with_bias["test_accuracy"]), (angles[1], spread)):  # "inside the seed spread"
        assert s.mean - s.std <= number <= s.mean + s.std, (number, s)
    gaps = [value("fig12_m_sweep_2d", f"mnist-d2-asoftmax-m{m}:") for m in (1, 2, 3, 4)]
    assert all(a < b for a, b in zip(gaps, gaps[1:])), gaps
    assert ", ".join(f"{g:.1f}°" for g in gaps) in caption("fig12_m_sweep_2d")


def test_angular_gaps_and_rank_correlation_against_explicit_references():
    from spheredemo.analysis import Embeddings, angular_gaps, rank_correlation

    # two classes at exactly known polar angles: class 0 in [-10°, 10°], class 1 in [80°, 100°]
    angles = np.radians(np.r_[np.linspace(-10, 10, 101), np.linspace(80, 100, 101)])
    features = np.c_[np.cos(angles), np.sin(angles)]
    labels = np.repeat([0, 1], 101)
    emb = Embeddings(features, labels, np.eye(2), labels)
    gaps = angular_gaps(emb, low=0, high=100)
    np.testing.assert_allclose(sorted(gaps), [70.0, 250.0])
    overlapping = Embeddings(np.r_[features, features[101:] @ np.array([[0.0, -1.0], [1.0, 0.0]])],
                             np.r_[labels, np.full(101, 2)], np.eye(3, 2), np.r_[labels, np.full(101, 2)])
    assert min(angular_gaps(overlapping, 0, 100)) == pytest.approx(-20.0)  # class 2 in [170°, 190°] vs 1
    assert rank_correlation([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert rank_correlation([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    a, b = [3, 1, 4, 1, 5], [9, 2, 6, 5, 3]
    ra, rb = [3, 1.5, 4, 1.5, 5], [5, 1, 4, 3, 2]  # average ranks by hand (1-based)
    expected = np.corrcoef(ra, rb)[0, 1]
    assert rank_correlation(a, b) == pytest.approx(expected)


def test_margin_zoo_draws_the_face_models_margins_where_validation_chose_other_than_the_defaults(tmp_path):
    import json

    from spheredemo import pretrained

    shipped = figures.render("margin_zoo", figures.Context())
    assert not [line for ax in shipped.axes for line in ax.get_lines() if "(tuned)" in line.get_label()]
    manifest = pretrained.manifest()
    manifest["lfw-d512-cosface"]["config"]["m"] = 0.2
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    fig = figures.render("margin_zoo", figures.Context(checkpoints=tmp_path))
    assert [line.get_label() for line in fig.axes[1].get_lines() if "(tuned)" in line.get_label()] == \
        ["CosFace m = 0.20 (tuned)"]
