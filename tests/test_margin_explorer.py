"""The margin explorer (spheredemo.widgets.margin_explorer) and the margin zoo's drawings: every control moves
the drawn data it should, the data is the package's math, the match button matches, bad arguments name the range;
the figure margin_zoo, the deck's plotly slide and its notes."""

import math

import numpy as np
import pytest

from spheredemo import geometry
from spheredemo.plots import zoo as zplots
from spheredemo.widgets import MarginExplorer, margin_explorer


def _drawn(e: MarginExplorer) -> dict:
    d = e.display
    data = {f"logit {loss}": np.array(line.get_ydata(), dtype=float) for loss, line in d.lines.items()}
    data.update({f"margin {loss}": np.array(line.get_ydata(), dtype=float) for loss, line in d.margin_lines.items()})
    data["other"] = np.array(d.other_line.get_xdata(), dtype=float)
    data["arc 1"] = np.array(d.arcs[0].get_xdata(), dtype=float)
    data["wedge"] = np.array(d.wedge.get_xy(), dtype=float)
    data["prob"] = np.array(d.prob_line.get_ydata(), dtype=float)
    data["prob free"] = np.array(d.prob_free_line.get_ydata(), dtype=float)
    data["marks"] = np.array(d.margin_marks.get_ydata(), dtype=float)
    data["png"] = bytes(e.view.image.value)
    return data


def _changed(before, after) -> set:
    out = set()
    for key in before:
        a, b = before[key], after[key]
        same = a == b if isinstance(a, bytes) else (a.shape == b.shape and np.allclose(a, b, equal_nan=True))
        if not same:
            out.add(key)
    return out


@pytest.mark.parametrize("family, control, value, must_change", [
    ("arcface", "family", "cosface", {"arc 1", "wedge", "prob", "png"}),
    ("asoftmax", "asoftmax_m", 2, {"logit asoftmax", "margin asoftmax", "arc 1", "wedge", "prob", "marks"}),
    ("asoftmax", "lam", 5.0, {"logit asoftmax", "margin asoftmax", "wedge", "prob", "marks"}),
    ("asoftmax", "x_norm", 10.0, {"prob", "prob free", "png"}),
    ("cosface", "cosface_m", 0.2, {"logit cosface", "margin cosface", "wedge", "prob", "marks"}),
    ("arcface", "arcface_m", 0.3, {"logit arcface", "margin arcface", "wedge", "prob", "marks"}),
    ("arcface", "s", 12.0, {"prob", "prob free", "png"}),
    ("cosface", "theta12", 90, {"other", "arc 1", "wedge", "marks", "png"}),
    ("arcface", "theta12", 90, {"other", "marks", "png"}),  # ArcFace's arcs: 90° ± m/2 from W1, W2 at every θ12
])
def test_each_control_changes_what_it_should(family, control, value, must_change):
    e = margin_explorer(family=family)
    before = _drawn(e)
    e.set(**{control: value})
    assert e.message.value == ""
    changed = _changed(before, _drawn(e))
    assert must_change <= changed, (control, changed)
    if control in ("x_norm", "s"):  # a scale moves no boundary and no margin: s sharpens, m shifts
        assert not {k for k in changed if k.startswith(("margin", "logit")) or k in ("wedge", "arc 1")}
    if control == "cosface_m":
        assert {k for k in changed if k.startswith("logit")} == {"logit cosface"}


def test_drawn_data_is_the_package_math():
    e = margin_explorer(family="cosface", cosface_m=0.35, theta12=36)
    theta = np.radians(zplots.THETA_DEG)
    np.testing.assert_allclose(e.display.lines["cosface"].get_ydata(), np.cos(theta) - 0.35)
    np.testing.assert_allclose(e.display.lines["arcface"].get_ydata()[:100], np.cos(theta[:100] + 0.5))
    assert e.display.boundaries.margin == pytest.approx(geometry.binary_margin_deg("cosface", 36, 0.35))
    assert "69.0° (wider than θ12)" in e.readout.value
    p = e.display.prob_line.get_ydata()
    f = 30 * (np.cos(theta) - 0.35)
    np.testing.assert_allclose(p, 1 / (1 + 103 * np.exp(-f)))
    # s sharpens: a larger s makes the fall from p ≈ 1 to p ≈ 0 narrower, around a nearby angle
    def width(values):
        return np.ptp(zplots.THETA_DEG[(values > 0.05) & (values < 0.95)])
    e.set(s=60.0)
    assert width(e.display.prob_line.get_ydata()) < width(p)


def test_match_the_margins_sets_the_other_two_and_they_part_elsewhere():
    e = margin_explorer(family="asoftmax", asoftmax_m=4, theta12=36)
    e.match_button.click()
    v = e.values()
    assert v["asoftmax_m"] == 4 and v["lam"] == 0.0
    assert v["cosface_m"] == pytest.approx(0.116) and v["arcface_m"] == pytest.approx(0.377)
    at = e.display.margins_at_theta12()
    assert all(abs(at[loss] - 21.6) < 0.1 for loss in at), at  # the slider's 0.001 steps: within 0.1°
    assert "matched to SphereFace (A-Softmax)'s 21.6° at θ12 = 36°" in e.match_text.value
    e.set(theta12=90)
    at = e.display.margins_at_theta12()
    assert at["asoftmax"] > at["arcface"] + 20 and at["arcface"] > at["cosface"] + 3
    # the status no longer claims the margins are matched once a slider moved
    assert "matched to" not in e.match_text.value and "press the button to match again" in e.match_text.value
    e.set(family="cosface", theta12=90, cosface_m=0.35)
    e.match()  # A-Softmax through λ: the smallest m that reaches the margin, λ bringing it down
    v, at = e.values(), e.display.margins_at_theta12()
    assert v["asoftmax_m"] == 2 and v["lam"] > 0 and abs(at["asoftmax"] - at["cosface"]) < 0.1
    assert e.match_text.value.startswith("matched to CosFace's")


def test_a_match_that_cannot_be_reached_says_so():
    e = margin_explorer(family="cosface", cosface_m=0.35, theta12=36)  # 69°: more than A-Softmax m = 6 gives
    e.match()
    assert "cannot reach it: SphereFace (A-Softmax)" in e.match_text.value
    e = margin_explorer(family="cosface", cosface_m=0.35, theta12=20)  # no margin at all
    e.match()
    assert e.match_text.value.startswith("cannot match: no feature on the circle satisfies")


def test_out_of_range_arguments_raise_naming_the_range():
    with pytest.raises(ValueError, match=r"arcface_m must be a number from 0 to 1.5 .*got 28.6"):
        margin_explorer(arcface_m=28.6)  # degrees for radians
    with pytest.raises(ValueError, match=r"theta12 must be an integer in 10..180"):
        margin_explorer(theta12=200)
    with pytest.raises(ValueError, match=r"family must be one of 'asoftmax', 'cosface', 'arcface'"):
        margin_explorer(family="sphereface")
    e = margin_explorer()
    with pytest.raises(ValueError, match=r"cosface_m must be a number from 0 to 1.5"):
        e.set(cosface_m=2.5)
    assert e.controls["cosface_m"].value == 0.35  # nothing clamped, nothing moved
    with pytest.raises(ValueError, match="lam"):
        zplots.ZooSettings(lam=-1.0)


def test_no_feature_satisfies_either_class_is_drawn_not_raised():
    e = margin_explorer(family="cosface", cosface_m=0.35, theta12=36)
    e.set(theta12=15)
    assert e.message.value == ""
    assert "no feature satisfies either class" in e.display.circle_title.get_text()
    assert "<u>CosFace m = 0.35</u>: no feature satisfies either class" in e.readout.value


def test_slide_style_draws_larger():
    default, slide = margin_explorer(), margin_explorer(style="slide")
    pixels = [f.get_size_inches() * f.dpi for f in (default.figure, slide.figure)]
    np.testing.assert_allclose(pixels[1], 1.5 * pixels[0])


def test_figure_margin_zoo_is_registered_and_draws():
    from spheredemo import figures

    assert "margin_zoo" in figures.FIGURES and figures.FIGURES["margin_zoo"].checkpoints == ()
    fig = figures.render("margin_zoo")
    ax_logit, ax_margin = fig.axes[:2]
    cos_line = next(line for line in ax_margin.get_lines() if line.get_label().startswith("CosFace"))
    i = list(cos_line.get_xdata()).index(36.0)
    assert cos_line.get_ydata()[i] == pytest.approx(69.0, abs=0.05)  # the picture shows the margin wider than θ12
    import matplotlib.pyplot as plt
    plt.close(fig)


def test_the_decks_plotly_figure_is_kernel_free_and_its_notes_come_from_the_data():
    fig = zplots.margin_zoo_plotly()
    assert len(fig.layout.sliders) == 3 and fig.layout.updatemenus[0].buttons[0].label == "all three"
    arc_slider = fig.layout.sliders[2]
    labels = [step.label for step in arc_slider.steps]
    assert labels == ["0", "0.1", "0.2", "0.3", "0.5", "0.7"] and arc_slider.active == labels.index("0.5")
    for slider in fig.layout.sliders:  # every step carries its data: restyle with precomputed y arrays
        for step in slider.steps:
            assert step.method == "restyle" and len(step.args[0]["y"]) == 2 and len(step.args[1]) == 2
    step = arc_slider.steps[labels.index("0.3")]
    curve_index = step.args[1][1]
    margins = [v for v in step.args[0]["y"][1] if v is not None]
    assert margins and all(v == pytest.approx(math.degrees(0.3), abs=1e-4) for v in margins)
    assert "ArcFace" in fig.data[curve_index].name
    html = fig.to_html(include_plotlyjs=False, full_html=False)
    assert "function(" not in html.split("Plotly.newPlot", 1)[1][:2000]  # no math shipped as JavaScript
    notes = zplots.margin_zoo_notes()
    assert notes.count("Ask the class") == 5 and notes.count("Answer:") == 5
    assert f"{geometry.binary_margin_deg('cosface', 36, 0.35):.1f}°" in notes
    assert f"{geometry.binary_margin_deg('asoftmax', 90, 4):.1f}° at 90°" in notes
    with pytest.raises(ValueError, match="style must be 'slide' or 'paper'"):
        zplots.margin_zoo_plotly(style="poster")
