"""The offline slide deck: one self-contained HTML file, precomputed sliders, an atomic write."""

import json
import os
import re

import numpy as np
import pytest

from spheredemo import slides
from spheredemo.analysis import Embeddings
from spheredemo.geometry import binary_boundaries


@pytest.fixture(scope="module")
def deck(tmp_path_factory):
    return slides.build_deck(tmp_path_factory.mktemp("deck"), embeddings=False)


def test_deck_is_one_self_contained_file(deck):
    assert [p.name for p in deck.parent.iterdir()] == [slides.DECK_NAME]  # no temp file left behind
    text = deck.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert len(text) > 3_000_000 and "Plotly" in text  # plotly.js is inline
    assert not re.search(r"<script[^>]+src=", text)  # nothing fetched: works offline
    assert not re.search(r"<link[^>]+href=[\"']https?:", text)
    for div in ("boundaries", "psi", "annealing", "caps"):
        assert f'id="{div}"' in text


def test_deck_holds_every_m_state(deck):
    text = deck.read_text(encoding="utf-8")
    for m in range(1, 7):
        shown = json.dumps(f"m = {m}: {binary_boundaries(90, m).margin_text}")[1:-1].replace(
            "/", "\\u002f"
        )
        assert shown in text  # as plotly's JSON writes it


def test_embedding_slider_frames():
    def load(key):
        loss, m = key.loss, key.m
        rng = np.random.default_rng(m or 0)
        labels = np.repeat(np.arange(10), 20)
        weight = rng.normal(size=(10, 2))
        features = weight[labels] + 0.1 * rng.normal(size=(200, 2))
        return Embeddings(features, labels, weight, labels.copy(), None, loss)

    fig = slides.embedding_slider_figure(load, per_class=5)
    assert [f.name for f in fig.frames] == [key.label for key in slides.EMBEDDING_MODELS]
    for frame in fig.frames:
        x, y = np.asarray(frame.data[0].x), np.asarray(frame.data[0].y)
        np.testing.assert_allclose(np.hypot(x, y), 1.0)  # points on the unit circle
        assert "accuracy 100.00 %" in frame.layout.annotations[0].text


def test_cli(tmp_path, capsys):
    assert slides.main(["--out", str(tmp_path), "--no-embeddings", "--theta12", "60"]) == 0
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
    path = slides.build_deck(tmp_path, embeddings=False)
    old = path.read_bytes()

    def broken(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        slides.build_deck(tmp_path, theta12_deg=30, embeddings=False)
    assert path.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == [slides.DECK_NAME]


def test_embedding_slider_shows_each_shipped_model(data_root):
    """With the real checkpoints: every frame holds that model's own unit features, frames differ."""
    from spheredemo import pretrained

    fig = slides.embedding_slider_figure(slides._pretrained_loader(), per_class=5)
    frames = {f.name: f for f in fig.frames}
    for key in slides.EMBEDDING_MODELS:
        label, emb = key.label, pretrained.embeddings(key)
        for c in range(10):
            expected = emb.unit_features[np.flatnonzero(emb.labels == c)[:5]]
            trace = frames[label].data[c]
            np.testing.assert_allclose(np.stack([trace.x, trace.y], 1), expected)
    first, last = (frames[key.label].data[0] for key in (slides.EMBEDDING_MODELS[0], slides.EMBEDDING_MODELS[-1]))
    assert not np.allclose(first.x, last.x), "swapping the model must move the points"


def _sections(text):
    """(id, data-lesson or None, html) of every slide, in order."""
    found = re.findall(r'<section class="slide" id="([^"]*)"(?: data-lesson="(\d)")?>(.*?)</section>', text, re.S)
    return [(slide_id, int(lesson) if lesson else None, body) for slide_id, lesson, body in found]


def test_every_slide_has_speaker_notes(deck):
    text = deck.read_text(encoding="utf-8")
    sections = _sections(text)
    assert len(sections) == text.count('<section class="slide"') >= 9
    for slide_id, _, body in sections:
        notes = re.findall(r'<aside class="notes">(.*?)</aside>', body, re.S)
        assert len(notes) == 1, slide_id
        assert "<b>Say:</b>" in notes[0] and "<b>Ask the class:</b>" in notes[0] and "?" in notes[0], slide_id
    assert "aside.notes { display: none; }" in text  # hidden until N is pressed
    assert "body.show-notes aside.notes" in text


def test_deck_covers_every_lesson_in_order(deck):
    sections = _sections(deck.read_text(encoding="utf-8"))
    lessons = [lesson for _, lesson, _ in sections if lesson]
    assert lessons == sorted(lessons) and set(lessons) == set(slides.LESSONS) == set(range(1, 7))
    for slide_id, lesson, body in sections:
        if lesson:
            assert f"notebooks/{slides.LESSONS[lesson]}.ipynb" in body, slide_id
    ids = [slide_id for slide_id, _, _ in sections]
    assert ids[0] == "title-slide" and ids[-1] == "misconceptions-slide"
    # without checkpoints lessons 3 and 5 are text slides that point to their notebook
    assert "lesson3-slide" in ids and "lesson5-slide" in ids and "embeddings-slide" not in ids


def test_deck_keys_notes_and_full_screen(deck):
    text = deck.read_text(encoding="utf-8")
    for key in ("'n'", "'f'", "'ArrowRight'", "'ArrowLeft'", "'Home'", "'End'"):
        assert key in text
    assert "requestFullscreen" in text and "exitFullscreen" in text
    assert 'id="keys"' in text and "F full screen" in text
    misconceptions = dict((i, b) for i, _, b in _sections(text))["misconceptions-slide"]
    for claim in ("not a distance", "does not scale the logits", "is <b>not</b> the margin"):
        assert claim in misconceptions


def test_deck_with_the_shipped_checkpoints_shows_them_in_lesson_order(tmp_path, data_root):
    text = slides.build_deck(tmp_path).read_text(encoding="utf-8")
    sections = _sections(text)
    by_id = {slide_id: lesson for slide_id, lesson, _ in sections}
    assert by_id["embeddings-slide"] == 3 and "lesson3-slide" not in by_id
    assert ("faces-slide" in by_id) != ("lesson5-slide" in by_id)  # the face figure, or its text slide
    lessons = [lesson for _, lesson, _ in sections if lesson]
    assert lessons == sorted(lessons) and set(lessons) == set(range(1, 7))
