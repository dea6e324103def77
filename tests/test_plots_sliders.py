"""Plotly slider figures: one frame per setting, one step per frame, the frames hold the geometry."""

import numpy as np
import pytest

from spheredemo.geometry import binary_boundaries
from spheredemo.plots.sliders import boundary_slider_figure, slider_steps


def test_slider_steps_jump_to_their_frames():
    steps = slider_steps(["a", 2])
    assert [s["label"] for s in steps] == ["a", "2"]
    assert [s["args"][0] for s in steps] == [["a"], ["2"]]
    assert all(s["method"] == "animate" and s["args"][1]["mode"] == "immediate" for s in steps)
    assert steps[0]["args"][1]["frame"] == dict(duration=0, redraw=True)


def test_boundary_slider_figure_frames():
    fig = boundary_slider_figure(90, range(1, 7))
    assert [f.name for f in fig.frames] == [str(m) for m in range(1, 7)]
    for m, frame in zip(range(1, 7), fig.frames):
        texts = [a.text for a in frame.layout.annotations if a.text and "margin" in a.text]
        assert texts == [f"m = {m}: " + binary_boundaries(90, m).margin_text]
    assert [s.label for s in fig.layout.sliders[0].steps] == [str(m) for m in range(1, 7)]


def test_boundary_slider_frames_hold_the_boundaries():
    fig = boundary_slider_figure(60, (2, 4))
    for m, frame in zip((2, 4), fig.frames):
        b = binary_boundaries(60, m)
        arc1, _, wedge, ray1, ray2 = frame.data
        np.testing.assert_allclose(np.asarray(arc1.x, dtype=float), b.winning_arc(1)[0])
        np.testing.assert_allclose(np.column_stack([wedge.x, wedge.y]), b.wedge)
        np.testing.assert_allclose(np.column_stack([ray1.x, ray1.y]), b.boundary1)
        np.testing.assert_allclose(np.column_stack([ray2.x, ray2.y]), b.boundary2)
    assert len(fig.data) == 6  # the five moving traces and the unit circle


def test_boundary_slider_refuses_radians():
    with pytest.raises(ValueError, match="looks like radians"):
        boundary_slider_figure(1.2 / 2)
