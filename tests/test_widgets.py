"""The explorers without a browser: move a control, check that the drawn data follows the math."""

import ast
import re
from pathlib import Path

import matplotlib
import numpy as np
import pytest

from spheredemo.analysis import Embeddings, closest_pair, pair_angles
from spheredemo.margins import LambdaSchedule
from spheredemo.geometry import binary_boundaries
from spheredemo.margins import effective_margin
from spheredemo.widgets import (
    MODEL_CHOICES,
    BoundaryExplorer,
    EmbeddingExplorer,
    Explorer,
    PsiExplorer,
    TrainingExplorer,
    boundary_explorer,
    embedding_explorer,
    psi_explorer,
    training_explorer,
)

matplotlib.use("Agg")
PNG = b"\x89PNG"


def polar_deg(xy):
    xy = np.atleast_2d(xy)
    return np.degrees(np.arctan2(xy[:, 1], xy[:, 0]))


def wedge_width(explorer) -> float:
    angles = polar_deg(explorer.display.wedge.get_xy()[1:-1])
    return float(angles.max() - angles.min())


# --- boundary explorer -------------------------------------------------------------------------


def test_boundary_explorer_m_slider_sets_the_wedge():
    e = boundary_explorer()
    image = e.children[-2].children[0]
    assert bytes(image.value).startswith(PNG)
    theta12 = e.controls["theta12"].value
    for m in (2, 3, 4, 5, 6):
        before = bytes(image.value)
        e.controls["m"].value = m
        assert wedge_width(e) == pytest.approx((m - 1) / (m + 1) * theta12)
        assert f"{(m - 1) / (m + 1) * theta12:.1f}°" in e.readout.value
        assert bytes(image.value) != bytes(before) and bytes(image.value).startswith(PNG)
    e.controls["m"].value = 1
    assert not e.display.wedge.get_visible() and "margin = 0°" in e.readout.value
    assert e.message.value == ""


def test_boundary_explorer_readout_states_each_boundary_from_w1():
    """Lesson 1, exercise 2 reads class 1's boundary angle off the readout: θ12/(m+1) and mθ12/(m+1) from W1."""
    e = boundary_explorer()
    for m, theta12 in ((4, 90), (3, 60), (6, 170), (2, 10)):
        e.set(m=m, theta12=theta12)
        angle = lambda xy: polar_deg(xy[1])[0] - polar_deg(e.display.boundaries.w1)[0]  # noqa: E731
        drawn1, drawn2 = (angle(line.get_xydata()) for line in e.display.boundary_lines)
        assert drawn1 == pytest.approx(theta12 / (m + 1)) and drawn2 == pytest.approx(m * theta12 / (m + 1))
        assert (f"class 1's boundary at {theta12 / (m + 1):.1f}° from W1, class 2's at "
                f"{m * theta12 / (m + 1):.1f}°") in e.readout.value
    e.set(m=4, theta12=90)
    assert "class 1's boundary at 18.0° from W1, class 2's at 72.0°" in e.readout.value
    e.controls["m"].value = 1
    assert "one boundary, the bisector, at 45.0° from W1" in e.readout.value
    e.controls["loss"].value = "modified"
    assert "the bisector, at 45.0° from W1" in e.readout.value
    e.controls["loss"].value = "softmax"  # the biases move a line off the origin: no angle to state
    assert "boundary at" not in e.readout.value and "from W1" not in e.readout.value


def test_boundary_explorer_theta12_moves_the_weights():
    e = boundary_explorer()
    for theta12 in (30, 90, 170):
        e.controls["theta12"].value = theta12
        w1, w2 = (np.asarray(a.xy) for a in e.display.arrows)
        assert np.linalg.norm(w1) == pytest.approx(1) and np.linalg.norm(w2) == pytest.approx(1)
        assert polar_deg(w1)[0] == pytest.approx(90 - theta12 / 2)
        assert polar_deg(w2)[0] == pytest.approx(90 + theta12 / 2)
        for arc in e.display.arcs:  # class regions drawn on the unit circle
            x, y = arc.get_data()
            ok = ~np.isnan(x)
            np.testing.assert_allclose(np.hypot(x[ok], y[ok]), 1.0)
        assert wedge_width(e) == pytest.approx(3 / 5 * theta12)


def test_boundary_explorer_loss_and_biases():
    pytest.importorskip("anywidget", reason="plotly's FigureWidget needs anywidget")
    e = boundary_explorer()
    assert e.controls["b1"].disabled and not e.controls["m"].disabled
    e.controls["loss"].value = "softmax"
    assert not e.controls["b1"].disabled and e.controls["m"].disabled
    e.controls["b1"].value = 0.5
    x, y = e.display.boundary_lines[0].get_data()
    w1, w2 = (np.asarray(a.xy) for a in e.display.arrows)
    np.testing.assert_allclose((w1 - w2) @ np.array([x, y]) + 0.5, 0, atol=1e-12)
    sphere = e.views["sphere"]
    e.settle()
    assert sphere.data[0].name == "softmax"
    e.controls["loss"].value = "modified"
    e.settle()
    assert sphere.data[0].name == "modified" and not e.display.wedge.get_visible()


def test_the_caps_follow_once_the_sliders_rest():
    """Holding an arrow key: the circle follows every step, the WebGL caps only the last one, once it rests."""
    import time

    pytest.importorskip("anywidget", reason="plotly's FigureWidget needs anywidget")
    e = boundary_explorer(m=4)
    e.settle()
    sphere = e.views["sphere"]
    before = np.array(sphere.data[0].surfacecolor)
    for m in (3, 2, 1):
        e.controls["m"].value = m
    assert wedge_width(e) == pytest.approx(0.0)  # the circle is at m = 1 already
    np.testing.assert_array_equal(np.array(sphere.data[0].surfacecolor), before)  # the caps not yet
    deadline = time.monotonic() + 10  # the caps follow after sphere_settle_s; a loaded CI machine may be slow
    while np.array_equal(np.array(sphere.data[0].surfacecolor), before) and time.monotonic() < deadline:
        time.sleep(e.sphere_settle_s)
    after = np.array(sphere.data[0].surfacecolor)
    assert not np.array_equal(after, before)
    e.update(m=1)
    e.settle()
    np.testing.assert_array_equal(np.array(sphere.data[0].surfacecolor), after)  # m = 1 is what they show


def test_boundary_explorer_clamps_out_of_range_values():
    e = boundary_explorer()
    e.controls["m"].value = 99
    assert e.controls["m"].value == 6
    e.controls["theta12"].value = -40
    assert e.controls["theta12"].value == 10
    assert wedge_width(e) == pytest.approx(5 / 7 * 10)
    assert e.message.value == ""


@pytest.mark.parametrize("build, match", [
    (lambda: boundary_explorer(theta12=2, m=7), r"m must be an integer in 1\.\.6 .*, got 7"),
    (lambda: boundary_explorer(theta12=2), r"theta12 must be an integer in 10\.\.180 .*, got 2"),
    (lambda: boundary_explorer(theta12=36.5), r"theta12 must be an integer in 10\.\.180"),
    (lambda: boundary_explorer(b1=1.5), r"b1 must be a number from -1 to 1 .*, got 1\.5"),
    (lambda: boundary_explorer(loss="cosface"), r"loss must be one of 'softmax', 'modified', 'asoftmax'"),
    (lambda: psi_explorer(m=7), r"m must be an integer in 1\.\.6 .*, got 7"),
    (lambda: psi_explorer(lam=3), r"lam must be one of 0\.0, 0\.1, .*1000\.0 .*, got 3"),
    (lambda: psi_explorer(theta12=200), r"theta12 must be an integer in 10\.\.180 .*, got 200"),
    (lambda: embedding_explorer(dim=4, load=CountingLoader()), r"dim must be one of 2, 3 .*, got 4"),
    (lambda: embedding_explorer(model="m=5", load=CountingLoader()), r"model must be one of 'softmax'.*, got 'm=5'"),
    (lambda: __import__("spheredemo.widgets").widgets.face_explorer(m=5), r"m must be an integer in 1\.\.4 .*, got 5"),
    (lambda: __import__("spheredemo.widgets").widgets.face_explorer(loss="asoft"), r"loss must be one of 'softmax'"),
], ids=["boundary-m", "boundary-theta12", "boundary-theta12-float", "boundary-b1", "boundary-loss", "psi-m",
        "psi-lam", "psi-theta12", "embedding-dim", "embedding-model", "faces-m", "faces-loss"])
def test_every_explorer_refuses_an_argument_out_of_its_controls_range(build, match):
    """boundary_explorer(theta12=2, m=7) once showed θ12 = 10°, m = 6 without a word: a value the slider would
    clamp (or a selection would refuse with a bare TraitError) is a ValueError naming the argument and the range."""
    with pytest.raises(ValueError, match=match):
        build()


def test_set_refuses_what_a_slider_would_clamp_and_names_the_controls():
    e = boundary_explorer()
    with pytest.raises(ValueError, match=r"m must be an integer in 1\.\.6 .*, got 9"):
        e.set(m=9)
    with pytest.raises(ValueError, match=r"BoundaryExplorer has no control 'M'; its controls: m, theta12, loss"):
        e.set(M=3)
    assert e.controls["m"].value == 4  # nothing moved
    t = training_explorer()
    with pytest.raises(ValueError, match=r"epochs must be an integer in 1\.\.20 .*, got 50"):
        t.set(epochs=50)
    e.set(m=6, theta12=180)  # the ends themselves are allowed
    assert wedge_width(e) == pytest.approx(5 / 7 * 180)


def test_rapid_changes_leave_a_consistent_figure():
    pytest.importorskip("anywidget", reason="plotly's FigureWidget needs anywidget")
    e = boundary_explorer()
    rng = np.random.default_rng(0)
    for _ in range(40):
        e.set(m=int(rng.integers(1, 7)), theta12=int(rng.integers(10, 181)))
    m, theta12 = e.controls["m"].value, e.controls["theta12"].value
    expected = binary_boundaries(theta12, m)
    assert e.display.boundaries.m == m and e.display.boundaries.theta12 == theta12
    if m > 1:
        np.testing.assert_allclose(e.display.wedge.get_xy()[: len(expected.wedge)], expected.wedge)
    np.testing.assert_allclose(np.asarray(e.display.arrows[0].xy), expected.w1)
    assert expected.margin_text in e.readout.value
    e.settle()
    np.testing.assert_array_equal(e.views["sphere"].data[0].surfacecolor.shape, (40, 80))


def test_a_refused_update_is_a_message_not_a_traceback():
    e = boundary_explorer()

    def refuse(**values):
        raise ValueError("theta12 must lie in (0, 180] degrees, got 500")

    e.update = refuse
    e.controls["m"].value = 3  # must not raise
    assert "theta12 must lie in" in e.message.value
    with pytest.raises(ValueError, match="m must be a positive integer"):
        boundary_explorer().update(m=2.5)  # the plain update function itself raises


def test_without_anywidget_the_3d_views_say_what_they_need(monkeypatch):
    import plotly.graph_objects as go

    def missing(*args, **kwargs):
        raise ImportError("Please install anywidget to use the FigureWidget class")

    monkeypatch.setattr(go, "FigureWidget", missing)
    e = boundary_explorer()
    assert "anywidget" in e.views["sphere"].value and e.message.value == ""
    e.controls["m"].value = 2
    assert wedge_width(e) == pytest.approx(30.0)  # the 2D picture still works
    emb = embedding_explorer(load=CountingLoader())
    emb.controls["dim"].value = 3
    assert "anywidget" in emb.message.value


def test_boundary_update_is_plain_with_keyword_defaults():
    e = boundary_explorer(theta12=60)
    e.update(m=2)  # the other values are update's defaults, not the controls'
    assert e.display.boundaries.theta12 == 90 and wedge_width(e) == pytest.approx(30.0)
    assert "30.0°</b>" in e.readout.value and "class 2's at 60.0°" in e.readout.value
    e.update()
    assert wedge_width(e) == pytest.approx(3 / 5 * 90)


# --- ψ explorer --------------------------------------------------------------------------------


def test_psi_explorer_readout_follows_the_math():
    e = psi_explorer()
    for m, lam in ((4, 5.0), (4, 0.0), (2, 1000.0), (6, 1.0)):
        e.set(m=m, lam=lam)
        r = effective_margin(m, lam, e.controls["theta12"].value)
        assert f"m_eff ≈ {r.m_eff:.2f}" in e.readout.value
        assert e.display.boundary_line.get_xdata()[0] == pytest.approx(r.theta1)
    assert e.controls["gamma"].value == 0.12  # the official schedule to start with
    e.set(base=100.0, gamma=0.5, power=2.0, lambda_min=1.0)
    schedule = LambdaSchedule(e.controls["base"].value, e.controls["gamma"].value, 2.0, 1.0)
    assert e.display.schedule_line.get_ydata()[7] == pytest.approx(schedule(7))
    e.controls["m"].value = 50
    assert e.controls["m"].value == 6
    assert e.message.value == ""


def test_psi_explorer_readout_says_equal_when_the_boundary_has_not_moved():
    """At λ = 0 the boundary is θ12/(m+1): "equal to", not "7.2° instead of 7.2°"."""
    e = psi_explorer(lam=0.0)
    assert "class-1 boundary at 7.2° from W1, equal to θ12/(m+1) = 7.2°" in e.readout.value
    assert "instead of" not in e.readout.value and "equal to θ12/(m+1)" in e.display.text.get_text()
    e.set(lam=5.0)
    r = effective_margin(4, 5.0, 36)
    assert f"boundary at {r.theta1:.1f}° from W1, instead of θ12/(m+1) = 7.2°" in e.readout.value
    e.set(m=1)  # m = 1: no margin to dilute, the boundary stays at θ12/2 for every λ
    assert "equal to θ12/(m+1) = 18.0°" in e.readout.value


def test_psi_update_is_plain_with_keyword_defaults():
    e = psi_explorer(lam=0.0)
    e.update(m=2, lam=1000.0)
    r = effective_margin(2, 1000.0, 36)
    assert e.display.boundary_line.get_xdata()[0] == pytest.approx(r.theta1)
    assert f"m_eff ≈ {r.m_eff:.2f}" in e.readout.value
    e.update(base=10.0, gamma=1.0, power=1.0, lambda_min=0.0)
    assert e.display.schedule_line.get_ydata()[9] == pytest.approx(LambdaSchedule(10.0, 1.0, 1.0, 0.0)(9))


# --- embedding explorer ------------------------------------------------------------------------


def fake_embeddings(dim, loss, m, per_class=120, classes=10):
    """Features clustered around their class weight, tighter for larger m (no checkpoints)."""
    rng = np.random.default_rng(100 * dim + 10 * (m or 0) + len(loss))
    weight = rng.normal(size=(classes, dim))
    labels = np.repeat(np.arange(classes), per_class)
    features = 4 * weight[labels] / np.linalg.norm(weight[labels], axis=1, keepdims=True)
    features = features + rng.normal(scale=1.0 / (m or 0.7), size=features.shape)
    predictions = np.argmax(features @ weight.T / np.linalg.norm(weight, axis=1), axis=1)
    return Embeddings(features, labels, weight, predictions, None, f"{loss} {m}")


class CountingLoader:
    def __init__(self):
        self.calls = []

    def __call__(self, key):
        self.calls.append((key.dim, key.loss, key.m))
        return fake_embeddings(key.dim, key.loss, key.m)


def circle_points(e) -> np.ndarray:
    return np.concatenate([s.get_offsets() for s in e.features.circle_artists.scatters])


def test_embedding_explorer_swaps_points_and_statistics():
    load = CountingLoader()
    e = embedding_explorer(load=load, shown_per_class=50)
    assert e.message.value == "" and e.children[-2].layout.display is None
    scatters = list(e.features.circle_artists.scatters)
    first = circle_points(e)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0)
    e.controls["model"].value = "softmax"
    assert e.features.circle_artists.scatters == scatters  # moved in place, not redrawn
    emb = fake_embeddings(2, "softmax", None)
    for c, scatter in enumerate(scatters):
        expected = emb.unit_features[emb.labels == c][:50]
        np.testing.assert_allclose(scatter.get_offsets(), expected)
    for arrow, w in zip(e.features.circle_artists.arrows, emb.unit_weight):
        np.testing.assert_allclose(np.asarray(arrow.xy), 0.8 * w)
    fig5_pair = closest_pair(fake_embeddings(2, "asoftmax", 4).weight)
    pairs = pair_angles(emb, fig5_pair)  # the pair of Fig. 5, not softmax's own closest pair
    _, pos, _ = pairs.histograms(90)
    heights = [bar.get_height() for bar in e.histograms.artists.positive]
    np.testing.assert_allclose(heights, pos)
    assert f"{100 * emb.accuracy:.2f} %" in e.stats.value
    e.controls["model"].value = "asoftmax-m4"  # seen before: from the cache
    assert load.calls.count((2, "asoftmax", 4)) == 1
    np.testing.assert_allclose(circle_points(e), first)


def test_embedding_explorer_compares_every_model_on_one_pair_the_user_may_change():
    e = embedding_explorer(load=CountingLoader(), shown_per_class=20)
    fig5_pair = closest_pair(fake_embeddings(2, "asoftmax", 4).weight)
    shown = []
    for model in ("softmax", "modified", "asoftmax-m1", "asoftmax-m4"):
        e.controls["model"].value = model
        shown.append(e.histograms.legend.get_texts()[0].get_text())
    assert len(set(shown)) == 1 and f"({fig5_pair[0]}–{fig5_pair[0]}" in shown[0]
    e.controls["pair"].value = (1, 7)
    assert "(1–1, 7–7)" in e.histograms.legend.get_texts()[0].get_text()
    _, pos, _ = pair_angles(fake_embeddings(2, "asoftmax", 4), (1, 7)).histograms(90)
    np.testing.assert_allclose([bar.get_height() for bar in e.histograms.artists.positive], pos)


def test_embedding_explorer_3d_sphere():
    pytest.importorskip("anywidget", reason="plotly's FigureWidget needs anywidget")
    e = embedding_explorer(load=CountingLoader())
    e.controls["dim"].value = 3
    assert e.message.value == ""
    sphere = e.features.box.children[0]
    assert sphere is e.features.sphere
    e.controls["model"].value = "asoftmax-m2"
    assert e.features.sphere is sphere  # the same FigureWidget, new coordinates
    emb = fake_embeddings(3, "asoftmax", 2)
    points = np.stack([np.asarray(getattr(sphere.data[1], a)) for a in "xyz"], axis=1)  # class 0
    np.testing.assert_allclose(points, emb.unit_features[emb.labels == 0])
    np.testing.assert_allclose(np.linalg.norm(points, axis=1), 1.0)
    assert [label for label, _ in MODEL_CHOICES] == [
        "softmax",
        "modified",
        "m=1",
        "m=2",
        "m=3",
        "m=4",
    ]


def test_embedding_explorer_without_checkpoints_says_so():
    def missing(key):
        raise ValueError(f"no shipped checkpoint named {key.name!r}")

    e = embedding_explorer(load=missing)
    assert "no shipped checkpoint" in e.message.value
    assert e.children[-2].layout.display == "none"  # no empty figure boxes


def test_embedding_explorer_with_shipped_checkpoints(data_root):
    pretrained = pytest.importorskip("spheredemo.pretrained")
    if pretrained.ModelKey("mnist", 2).name not in pretrained.manifest():
        pytest.skip("the shipped checkpoints are not there yet")
    e = embedding_explorer()
    assert e.message.value == "" and "test accuracy" in e.stats.value
    np.testing.assert_allclose(np.linalg.norm(circle_points(e), axis=1), 1.0)


def test_embedding_explorer_names_each_digit_and_keeps_its_lines_visible():
    """The circle writes each digit beside its weight (and moves it with a swap); the histograms' legend never
    covers the max-positive or min-negative line (it did at 3D m = 4: 158.5° under the upper-right legend); the
    table says which pairs a number is of."""
    from spheredemo import pretrained
    from spheredemo.plots.embeddings import weight_label_position

    e = embedding_explorer()
    for model in ("asoftmax-m4", "softmax"):
        e.set(dim=2, model=model)
        labels = e.features.circle_artists.labels
        emb = pretrained.embeddings(pretrained.ModelKey("mnist", 2).with_loss(model))
        assert [t.get_text() for t in labels] == [str(c) for c in range(10)]
        for text, w in zip(labels, emb.unit_weight):
            np.testing.assert_allclose(text.get_position(), weight_label_position(w))
    for dim, model in ((3, "asoftmax-m4"), (2, "asoftmax-m4"), (3, "softmax"), (2, "modified")):
        e.set(dim=dim, model=model)
        a, legend = e.histograms.artists, e.histograms.legend
        box = legend.get_window_extent()
        for line in (a.max_positive_line, a.min_negative_line):
            x = a.ax.transData.transform((line.get_xdata()[0], 0))[0]
            assert not box.x0 <= x <= box.x1, (dim, model, line.get_xdata()[0])
    assert "max positive-pair angle (3–3, 5–5)" in e.stats.value and "min negative-pair angle (3–5)" in e.stats.value


def test_embedding_update_is_plain_with_keyword_defaults():
    load = CountingLoader()
    e = embedding_explorer(load=load, shown_per_class=30)
    e.update(model="asoftmax-m1", pair=(2, 5))
    emb = fake_embeddings(2, "asoftmax", 1)
    np.testing.assert_allclose(circle_points(e)[:30], emb.unit_features[emb.labels == 0][:30])
    assert "(2–2, 5–5)" in e.histograms.legend.get_texts()[0].get_text()
    assert ("emb", 2, "asoftmax-m1") in e.cache and load.calls.count((2, "asoftmax", 1)) == 1


# --- training explorer -------------------------------------------------------------------------


def test_training_explorer_never_trains_on_construction():
    e = training_explorer()
    assert e.run is None and e.thread is None and e.data is None
    assert e.progress.value == 0 and "press Train" in e.status.value
    e.controls["loss"].value = "softmax"
    assert e.controls["m"].disabled and e.run is None
    e.controls["epochs"].value = 500
    assert e.controls["epochs"].value == 20


def test_training_explorer_trains_redraws_and_stops(data_root):
    e = training_explorer(per_class=30, shown_per_class=10, data_root=data_root)
    e.controls["epochs"].value = 10  # 3 steps an epoch on 300 images
    e.train(blocking=True, max_steps=20)
    assert e.message.value == "" and e.run.step == 20 and e.progress.value == 20
    assert e.status.value.startswith("done after 20 steps")
    points = circle_points(e)
    assert len(points) == 100
    np.testing.assert_allclose(np.linalg.norm(points, axis=1), 1.0)
    assert not e.train_button.disabled and e.stop_button.disabled
    e.train(max_steps=200)
    e.stop()
    e.thread.join(timeout=60)
    assert e.run.step == 10  # stopped at the first 10-step check
    assert e.status.value.startswith("stopped")


def test_training_explorer_refuses_bad_settings_with_a_message(data_root):
    e = training_explorer(per_class=30, data_root=data_root)
    e.train(lr=-1.0)
    assert "lr must be" in e.message.value and e.thread is None


def test_training_update_says_what_train_would_run():
    e = training_explorer()  # 300 images per class, 128 a batch: 24 steps an epoch
    e.update(loss="softmax", epochs=2)
    assert e.status.value.startswith("ready: 48 steps on 3000 images") and e.controls["m"].disabled
    e.update()
    assert e.status.value.startswith("ready: 240 steps") and not e.controls["m"].disabled
    with pytest.raises(ValueError, match="m must be a positive integer"):
        e.update(m=0)
    assert e.run is None and e.thread is None  # an update never trains
    config = e.train_config(epochs=10)
    assert config.m == 4 and config.per_class == 300 and e.train_config(loss="modified").m is None
    lam = LambdaSchedule(config.lambda_base, config.lambda_gamma, config.lambda_power, config.lambda_min)
    assert lam(120) == pytest.approx(5.0)  # λ near 5 half-way through the run


# --- every explorer -------------------------------------------------------------------------------


def test_every_explorer_is_one_class_built_whole():
    """Controls, views and update come with the object: nothing is attached after construction."""
    made = {
        BoundaryExplorer: boundary_explorer(),
        PsiExplorer: psi_explorer(),
        EmbeddingExplorer: embedding_explorer(load=CountingLoader()),
        TrainingExplorer: training_explorer(),
    }
    for cls, e in made.items():
        assert type(e) is cls and isinstance(e, Explorer)
        assert cls.update is not Explorer.update and "update" not in vars(e)  # a method, not a bolted-on function
        assert set(e.controls) <= set(e.values()) and e.message.value == ""
    for name in ("display", "readout", "view"):
        assert hasattr(made[BoundaryExplorer], name) and hasattr(made[PsiExplorer], name)
    assert {"features", "histograms", "stats", "cache"} <= set(vars(made[EmbeddingExplorer]))


def test_widget_modules_import_no_sibling_but_base():
    package = Path(__file__).resolve().parents[1] / "spheredemo" / "widgets"
    for path in package.glob("*.py"):
        if path.name == "__init__.py":
            continue
        modules = {node.module for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                   if isinstance(node, ast.ImportFrom) and node.module}
        siblings = {m for m in modules if m.startswith("spheredemo.widgets")}
        assert siblings <= {"spheredemo.widgets._base"}, (path.name, siblings)


def test_psi_updates_paste_the_legends_over_the_moving_lines():
    """The ψ explorer keeps its legends' pixels and pastes them over the moving lines instead of drawing them at
    every update: the picture equals a plain draw of everything in z-order (legends on top), inside the legends
    exactly, elsewhere but for a few edge pixels."""
    import io

    from PIL import Image

    e = psi_explorer()
    for m in (3, 2, 5):
        e.controls["m"].value = m
    updated = np.asarray(Image.open(io.BytesIO(e.view.image.value)).convert("RGB")).astype(int)
    for artist in e.view.dynamic:  # the reference: one plain draw, nothing blitted
        artist.set_animated(False)
    canvas = e.view.figure.canvas
    canvas.draw()
    reference = np.asarray(canvas.buffer_rgba())[..., :3].astype(int)
    differs = np.any(np.abs(updated - reference) > 8, axis=-1)  # (H, W)
    assert differs.mean() < 0.001, f"{100 * differs.mean():.2f} % of the pixels differ"
    height = reference.shape[0]
    for legend in e.display.legends:
        box = legend.get_window_extent(canvas.get_renderer())
        inside = differs[height - int(box.y1) + 2:height - int(box.y0) - 2, int(box.x0) + 2:int(box.x1) - 2]
        assert inside.size and not inside.any(), "a moving line shows through a legend"


# --- the faces explorer with and without an LFW copy ------------------------------------------------------------

def test_face_explorer_says_how_each_family_trained_and_tells_a_pair_from_its_threshold():
    """CosFace and ArcFace name their logit and the (s, m) they trained with (the m slider is A-Softmax's); the
    readout points at lesson 2 for m_eff; a pair's angle and threshold get the digits that tell them apart."""
    from spheredemo.widgets import face_explorer

    e = face_explorer()
    assert "lesson 2" in e.readout.value and "lesson 3" not in e.readout.value
    e.controls["loss"].value = "cosface"
    assert e.message.value == "" and "target logit s·(cos θ_y − m) with s = 30, m = 0.35 (lesson 7" in e.readout.value
    e.controls["loss"].value = "arcface"
    assert "target logit s·cos(θ_y + m) with s = 30, m = 0.5 rad" in e.readout.value
    e.set(loss="asoftmax", m=4, kind="wrong", pair=0)  # 69.99° against a 69.98° threshold on the shipped seed
    angle, threshold = re.findall(r"([0-9.]+)°", e.pair_caption.value)[:2]
    assert angle != threshold and "says <b>different people</b>" in e.pair_caption.value
    assert float(angle) > float(threshold)


def test_face_explorer_without_lfw_shows_a_note_and_no_empty_image(tmp_path, monkeypatch):
    """No LFW copy: the numbers still work, and in the faces' place a note says how to get them; no Image widget
    without a PNG (a broken icon in the browser) is shown."""
    from spheredemo import pretrained
    from spheredemo.widgets import face_explorer

    monkeypatch.delenv("SPHEREDEMO_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    e = face_explorer()
    v = pretrained.face_results("lfw-d512-asoftmax-m4").verification
    assert f"{100 * v.mean:.1f} %" in e.readout.value and e.message.value == ""
    assert e.faces.children == (e.placeholder,)
    note = e.placeholder.value
    assert 'face_explorer(lfw="path/to/lfw")' in note and "SPHEREDEMO_DATA" in note
    assert "--lfw" not in note and "root" not in note  # no flags the explorer does not have
    e.set(kind="different", pair=3)
    assert e.faces.children == (e.placeholder,) and "pair 4 of 900" in e.pair_caption.value
    # a relative SPHEREDEMO_DATA that names nothing from the kernel's folder: the note says so, and the fix
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SPHEREDEMO_DATA", "../shared/data")
    note = face_explorer().placeholder.value
    assert "SPHEREDEMO_DATA=../shared/data is a relative path" in note and "absolute path" in note


def test_face_explorer_takes_the_lfw_folder_and_shows_both_faces(lfw_root, tmp_path, monkeypatch):
    from spheredemo.imageset import DataError
    from spheredemo.widgets import face_explorer

    monkeypatch.delenv("SPHEREDEMO_DATA", raising=False)
    e = face_explorer(lfw=str(lfw_root))
    assert e.faces.children == tuple(e.pair_images)
    assert all(bytes(image.value).startswith(PNG) for image in e.pair_images)
    first = bytes(e.pair_images[0].value)
    e.set(pair=5)
    assert bytes(e.pair_images[0].value) != first
    with pytest.raises(DataError, match=r"face_explorer\(lfw='.*nowhere'\): no such folder"):
        face_explorer(lfw=str(tmp_path / "nowhere"))


def test_psi_explorer_takes_lambda_from_the_schedule_at_step_t():
    """λ = schedule(T) in place of the free λ slider: moving T, γ or λ_min moves m_eff, as the math says."""
    e = psi_explorer(lam_from="schedule", steps=1659)
    assert e.controls["lam"].disabled and not e.controls["steps"].disabled
    for values in ({}, {"gamma": 0.5, "lambda_min": 0.0}, {"steps": 30000}, {"lambda_min": 20.0}, {"steps": 0}):
        e.set(**values)
        v = e.values()
        lam = LambdaSchedule(v["base"], v["gamma"], v["power"], v["lambda_min"])(v["steps"])
        r = effective_margin(v["m"], lam, v["theta12"])
        assert e.display.result.lam == pytest.approx(lam)
        assert f"acts like m_eff ≈ {r.m_eff:.2f}" in e.readout.value
        assert f"the schedule at step T = {v['steps']:,} gives λ = {lam:.3g}" in e.readout.value
    e.set(lam_from="slider")
    assert e.display.result.lam == e.controls["lam"].value and "the schedule at step" not in e.readout.value
    assert e.controls["steps"].disabled and not e.controls["lam"].disabled
    with pytest.raises(ValueError, match=r"steps must be an integer in 0\.\.30000"):
        psi_explorer(lam_from="schedule", steps=-5)


@pytest.mark.parametrize("m, lam, theta12", [(4, 0.0, 36), (4, 5.0, 36), (2, 1.0, 10), (6, 0.0, 180)])
def test_psi_zoom_magnifies_the_boundary_crossing(m, lam, theta12):
    """At θ12 = 36° the crossing is a few pixels of the main panel: the zoom's window holds θ1* and the nominal
    θ12/(m+1), and its two curves meet at θ1* (the boundary the readout names)."""
    e = psi_explorer(m=m, lam=lam, theta12=theta12)
    e.set(m=m)  # a move (the zoom follows once the sliders rest; settle() applies it now)
    e.settle()
    z, r = e.zoom, e.display.result
    theta, blend = (np.asarray(a) for a in z.blend.get_data())
    other = np.asarray(z.other.get_data()[1])
    low, high = z.ax.get_xlim()
    assert low <= r.theta1 <= high and low <= theta12 / (m + 1) <= high
    assert high - low <= max(0.3 * theta12, 3.0) + 2 * abs(r.theta1 - theta12 / (m + 1))  # a zoom, not the panel
    assert np.interp(r.theta1, theta, blend - other) == pytest.approx(0.0, abs=1e-3)
    assert z.crossing.get_xdata()[0] == pytest.approx(r.theta1)
    assert bytes(z.view.image.value).startswith(PNG)
