"""Embedding plots: assert on what was drawn (offsets, arrow ends, lines), never on pixels."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from spheredemo.analysis import Embeddings, pair_angles, unit  # noqa: E402
from spheredemo.plots import embeddings as eplots  # noqa: E402
from spheredemo.plots.style import class_color  # noqa: E402


def make_emb(dim, n_per_class=20, classes=3, seed=0, bias=None):
    rng = np.random.default_rng(seed)
    weight = rng.normal(size=(classes, dim)) * np.arange(1, classes + 1)[:, None]
    labels = np.repeat(np.arange(classes), n_per_class)
    norms = rng.uniform(1, 5, size=(len(labels), 1))
    features = unit(weight)[labels] * norms + rng.normal(scale=0.3, size=(len(labels), dim))
    return Embeddings(features, labels, weight, labels.copy(), bias=bias)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_circle_points_have_norm_one_and_arrows_follow_weights():
    emb = make_emb(2)
    art = eplots.draw_circle_features(emb, jitter=0.0)
    for c, scatter in enumerate(art.scatters):
        offsets = scatter.get_offsets()
        assert len(offsets) == 20
        np.testing.assert_allclose(np.linalg.norm(offsets, axis=1), 1.0, atol=1e-12)
        np.testing.assert_allclose(offsets, emb.unit_features[emb.labels == c])
        assert matplotlib.colors.to_hex(scatter.get_facecolor()[0]) == class_color(c)
    for c, arrow in enumerate(art.arrows):
        tip = np.array(arrow.xy)
        np.testing.assert_allclose(unit(tip), emb.unit_weight[c], atol=1e-12)  # the head's weights, normalised
    x, y = art.circle.get_data()
    np.testing.assert_allclose(np.hypot(x, y), 1.0)


def test_circle_jitter_only_moves_points_radially():
    emb = make_emb(2)
    art = eplots.draw_circle_features(emb, jitter=0.05)
    offsets = np.concatenate([s.get_offsets() for s in art.scatters])
    np.testing.assert_allclose(unit(offsets), emb.unit_features, atol=1e-12)
    assert np.abs(np.linalg.norm(offsets, axis=1) - 1).max() <= 0.05


def test_features_in_original_space_and_bias_annotation():
    emb = make_emb(2, bias=np.array([0.5, -0.25, 0.0]))
    art = eplots.draw_features(emb)
    np.testing.assert_allclose(np.concatenate([s.get_offsets() for s in art.scatters]), emb.features)
    assert "+0.50" in art.bias_text.get_text() and "-0.25" in art.bias_text.get_text()
    with pytest.raises(ValueError, match="needs 2D embeddings"):
        eplots.draw_features(make_emb(3))


def test_subsampling_caps_the_points():
    art = eplots.draw_features(make_emb(2, n_per_class=100), max_points=50)
    assert sum(len(s.get_offsets()) for s in art.scatters) == 50


def test_sphere_points_on_unit_sphere():
    emb = make_emb(3)
    art = eplots.draw_sphere_features(emb)
    for c, scatter in enumerate(art.scatters):
        x, y, z = scatter._offsets3d
        np.testing.assert_allclose(np.sqrt(np.square(x) + np.square(y) + np.square(z)), 1.0, atol=1e-12)
    for c, line in enumerate(art.arrows):
        x, y, z = line.get_data_3d()
        np.testing.assert_allclose(unit(np.array([x[1], y[1], z[1]])), emb.unit_weight[c], atol=1e-12)


def test_plotly_sphere_uses_the_same_result():
    emb = make_emb(3)
    fig = eplots.sphere_figure(emb)
    classes = [t for t in fig.data if t.name and t.name.startswith("class")]
    assert len(classes) == 3
    for c, trace in enumerate(classes):
        points = np.stack([trace.x, trace.y, trace.z], 1)
        np.testing.assert_allclose(points, emb.unit_features[emb.labels == c])
    weights = [t for t in fig.data if t.name and t.name.startswith("W_")]
    np.testing.assert_allclose(unit(np.array([[t.x[1], t.y[1], t.z[1]] for t in weights])), emb.unit_weight)


def test_pair_histograms_mark_the_extremes():
    pairs = pair_angles(make_emb(3), (0, 1))
    art = eplots.draw_pair_histograms(pairs, bins=36)
    assert art.max_positive_line.get_xdata()[0] == pytest.approx(pairs.max_positive)
    assert art.min_negative_line.get_xdata()[0] == pytest.approx(pairs.min_negative)
    _, pos, neg = pairs.histograms(36)
    np.testing.assert_allclose([b.get_height() for b in art.positive], pos)
    np.testing.assert_allclose([b.get_height() for b in art.negative], neg)


def test_weight_norms_and_biases():
    weight = np.array([[3.0, 4.0], [1.0, 0.0]])
    scatter = eplots.draw_weight_norms([100, 10], weight)
    np.testing.assert_allclose(scatter.get_offsets(), [[100, 5.0], [10, 1.0]])
    bars = eplots.draw_biases([0.1, -0.2, 0.05])
    assert [b.get_height() for b in bars] == pytest.approx([0.1, -0.2, 0.05])
