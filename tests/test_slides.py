"""The offline slide deck: one self-contained HTML file, precomputed controls, generated notes, an atomic write."""

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from spheredemo import slides
from spheredemo.analysis import Embeddings
from spheredemo.geometry import binary_boundaries, class_weights
from spheredemo.margins import effective_margin, psi
from spheredemo.slides import charts, notes
from spheredemo.sphere_caps import cap_boundary


@pytest.fixture(scope="module")
def deck(tmp_path_factory):
    return slides.build_deck(tmp_path_factory.mktemp("deck"), embeddings=False, faces=False)


def _sections(text):
    """(id, data-lesson or None, html) of every slide, in order."""
    found = re.findall(r'<section class="slide" id="([^"]*)"(?: data-lesson="(\d)")?>(.*?)</section>', text, re.S)
    return [(slide_id, int(lesson) if lesson else None, body) for slide_id, lesson, body in found]


def _captions(text, target):
    raw = re.search(rf'<script type="application/json" id="{target}-captions">(.*?)</script>', text, re.S).group(1)
    return json.loads(raw)


def test_deck_is_one_self_contained_file(deck):
    assert [p.name for p in deck.parent.iterdir()] == [slides.DECK_NAME]  # no temp file left behind
    text = deck.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert len(text) > 3_000_000 and "Plotly" in text  # plotly.js is inline
    assert not re.search(r"<script[^>]+src=", text)  # nothing fetched: works offline
    assert not re.search(r"<link[^>]+href=[\"']https?:", text)
    for div in ("boundaries", "psi", "annealing", "caps"):
        assert f'id="{div}"' in text


def test_table1_holds_every_theta12_and_m_state(deck):
    captions = _captions(deck.read_text(encoding="utf-8"), "boundaries")
    for theta12 in charts.THETA12_CHOICES:
        for m in range(1, 7):
            b = binary_boundaries(theta12, m)
            assert captions[f"{theta12:g}|{m}"].startswith(f"m = {m}: {b.margin_text}")


def test_caps_are_exact_closed_curves():
    """m·θ1 = θ2 at every sampled point (θ1, θ2 from W1, W2; the mirror for class 2), the curve closed, on the
    sphere; a cap exists at every (θ12, m) the controls allow, even θ12 = 10°, m = 6."""
    for theta12, m in [(90, 4), (10, 6), (170, 2), (30, 3)]:
        w1, w2 = class_weights(theta12, dim=3)
        for label, (own, other) in ((1, (w1, w2)), (2, (w2, w1))):
            p = cap_boundary(theta12, m, label, n=97)
            np.testing.assert_allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-12)
            np.testing.assert_allclose(p[0], p[-1], atol=1e-12)
            t1, t2 = (np.degrees(np.arccos(np.clip(p @ w, -1, 1))) for w in (own, other))
            np.testing.assert_allclose(m * t1, t2, atol=1e-7)
            assert t1.min() == pytest.approx(theta12 / (m + 1), abs=1e-6)  # towards the other weight
    p = cap_boundary(90, 1, 1)
    np.testing.assert_allclose(p @ (w1 - w2), 0.0, atol=1e-12)  # m = 1: the bisecting great circle
    with pytest.raises(ValueError, match="label must be 1 or 2"):
        cap_boundary(90, 4, 3)


def test_caps_states_are_small_curves():
    fig, controls, captions = charts.caps_states(90.0)
    assert [f.name for f in fig.frames] == [str(m) for m in range(1, 7)] == controls[0].keys
    import plotly.io

    size = max(len(plotly.io.to_json(f)) for f in fig.frames)
    assert size < 20_000  # a few kB per state, not a mesh
    assert "54.0°" in captions["4"]


def test_psi_and_blend_states_follow_the_closed_forms():
    fig, controls, captions = charts.psi_states()
    frame = {f.name: f for f in fig.frames}["4"]
    np.testing.assert_allclose(frame.data[1].y, psi(np.radians(charts.THETA_DEG), 4))
    assert f"ψ(90°) = {float(psi(np.pi / 2, 4)):.2f}" in captions["4"]
    fig, controls, captions = charts.blend_states(90.0)
    assert [c.name for c in controls] == ["m", "lam"]
    for m in (2, 3, 4):
        for lam in charts.LAMBDA_CHOICES:
            r = effective_margin(m, lam, 90.0)
            assert f"m_eff = {r.m_eff:.2f}" in captions[f"{m}|{lam:g}"]
            frame = {f.name: f for f in fig.frames}[f"{m}|{lam:g}"]
            assert frame.data[1].x[0] == pytest.approx(r.theta1)


def _fake_load(key):
    loss, m = key.loss, key.m
    rng = np.random.default_rng(m or 0)
    labels = np.repeat(np.arange(10), 20)
    weight = rng.normal(size=(10, 2))
    features = weight[labels] + 0.1 * rng.normal(size=(200, 2))
    return Embeddings(features, labels, weight, labels.copy(), None, loss)


def test_embedding_states_frames_and_notes():
    fig, controls, captions, stats = charts.embedding_states(_fake_load, per_class=5)
    assert [f.name for f in fig.frames] == [key.label for key in charts.EMBEDDING_MODELS] == controls[0].keys
    for frame in fig.frames:
        x, y = np.asarray(frame.data[0].x), np.asarray(frame.data[0].y)
        np.testing.assert_allclose(np.hypot(x, y), 1.0, atol=1e-3)  # points on the unit circle
        assert "accuracy 100.00 %" in captions[frame.name]
        assert len(frame.data[-1].y) > 10  # the angle histogram moves with the model
    say, asks = notes.embedding_notes(stats)
    last = charts.EMBEDDING_MODELS[-1].label
    assert f"{stats[last].mean_own_angle:.1f}°" in say  # the number the slide's caption shows
    assert all(answer for _, answer in asks)


def test_cli(tmp_path, capsys):
    assert slides.main(["--out", str(tmp_path), "--no-embeddings", "--no-faces", "--theta12", "60"]) == 0
    assert (tmp_path / slides.DECK_NAME).is_file()
    assert "wrote" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        slides.main(["--help"])
    assert exit_info.value.code == 0
    assert "offline" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        slides.main(["--out", str(tmp_path), "--theta12", "200"])
    assert exit_info.value.code == 2
    assert "--theta12 (the angle between W1 and W2) must lie in (0, 180] degrees" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        slides.main(["--out", str(tmp_path), "--theta12", "0.5"])
    assert "looks like radians" in capsys.readouterr().err


def test_failed_write_keeps_the_old_deck(tmp_path, monkeypatch):
    path = slides.build_deck(tmp_path, embeddings=False, faces=False)
    old = path.read_bytes()

    def broken(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        slides.build_deck(tmp_path, theta12_deg=30, embeddings=False, faces=False)
    assert path.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == [slides.DECK_NAME]


def test_every_slide_has_notes_and_every_question_an_answer(deck):
    text = deck.read_text(encoding="utf-8")
    sections = _sections(text)
    assert len(sections) == text.count('<section class="slide"') >= 10
    for slide_id, _, body in sections:
        found = re.findall(r'<aside class="notes">(.*?)</aside>', body, re.S)
        assert len(found) == 1, slide_id
        assert "<b>Say:</b>" in found[0], slide_id
        asks = re.findall(r"<b>Ask the class:</b>(.*?)</p>", found[0], re.S)
        assert asks, slide_id
        for ask in asks:
            assert "?" in ask.split("<b>Answer:</b>")[0] or "Read" in ask, (slide_id, ask)
            assert "<b>Answer:</b>" in ask and ask.split("<b>Answer:</b>")[1].strip(), (slide_id, ask)
    assert "aside.notes { display: none; }" in text  # hidden until N is pressed
    title = dict((i, b) for i, _, b in sections)["title-slide"]
    assert "a margin m between" not in title  # m is not the margin (the misconceptions slide says so)


def test_notes_numbers_follow_the_closed_forms():
    made = notes.closed_form_notes(60.0)
    ask = dict(made["boundaries"][1])
    assert any("30.0° at m = 3" in a for a in ask.values())  # (3−1)/(3+1)·60°
    r = effective_margin(4, 5.0, 60.0)
    assert any(f"{r.m_eff:.2f}" in a for _, a in made["annealing"][1])


def test_deck_covers_every_lesson_in_order(deck):
    sections = _sections(deck.read_text(encoding="utf-8"))
    lessons = [lesson for _, lesson, _ in sections if lesson]
    assert lessons == sorted(lessons) and set(lessons) == set(slides.LESSONS) == set(range(1, 7))
    for slide_id, lesson, body in sections:
        if lesson:
            assert f"notebooks/{slides.LESSONS[lesson]}.ipynb" in body, slide_id
    ids = [slide_id for slide_id, _, _ in sections]
    assert ids[0] == "title-slide" and ids[-1] == "misconceptions-slide"
    assert "lesson3-slide" in ids and "lesson5-slide" in ids and "embeddings-slide" not in ids


def test_deck_keys_notes_presenter_and_full_screen(deck):
    text = deck.read_text(encoding="utf-8")
    for key in ("'n'", "'f'", "'p'", "'ArrowRight'", "'ArrowLeft'", "'Home'", "'End'"):
        assert key in text
    assert "requestFullscreen" in text and "window.open" in text and "postMessage" in text
    misconceptions = dict((i, b) for i, _, b in _sections(text))["misconceptions-slide"]
    for claim in ("not a distance", "does not scale the logits", "is <b>not</b> the margin"):
        assert claim in misconceptions


def test_no_embeddings_keeps_the_faces_slide(tmp_path):
    text = slides.build_deck(tmp_path, embeddings=False).read_text(encoding="utf-8")
    ids = [i for i, _, _ in _sections(text)]
    assert "faces-slide" in ids and "lesson3-slide" in ids


def test_the_command_builds_offline_from_the_package_alone(tmp_path):
    """``python -m spheredemo.slides`` with no SPHEREDEMO_DATA and an empty HOME: every model slide is there
    and nothing is written into HOME (no download, no cache)."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("SPHEREDEMO_DATA", "XDG_CACHE_HOME")}
    env["HOME"] = str(home)
    done = subprocess.run([sys.executable, "-W", "error::UserWarning", "-m", "spheredemo.slides", "--out",
                           str(tmp_path / "deck")], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert list(home.iterdir()) == []
    text = (tmp_path / "deck" / slides.DECK_NAME).read_text(encoding="utf-8")
    ids = [i for i, _, _ in _sections(text)]
    for slide in ("embeddings-slide", "faces-slide", "boundaries-slide", "caps-slide", "psi-slide", "annealing-slide"):
        assert slide in ids
    faces = dict((i, b) for i, _, b in _sections(text))["faces-slide"]
    assert "Answer:" in faces and "%" in faces
