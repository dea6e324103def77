"""Lesson 07 (the margin zoo): the prediction comes before the explorer that answers it, the committed lesson runs
cell by cell, each worked answer passes, and each exercise's check fails the classic slips by name: ArcFace's m in
degrees instead of radians, cos θ − m written as cos(θ − m), the margin read at the wrong θ12. (The headless run in
a fresh kernel is tests/test_notebooks.py::test_notebook_runs_headless[07_margin_zoo].)"""

import math
from pathlib import Path

import numpy as np
import pytest

from spheredemo import lessons
from tests.test_notebooks import _run_cell, _tags, read_lesson

LESSON = Path(__file__).resolve().parents[1] / "notebooks" / "07_margin_zoo.ipynb"


@pytest.fixture(scope="module")
def nb():
    return read_lesson(LESSON)


def test_the_prediction_comes_before_the_explorer_and_the_answers_are_hidden(nb):
    sources = [c.source for c in nb.cells]
    predict = next(i for i, s in enumerate(sources) if "Predict first" in s)
    explorer = next(i for i, s in enumerate(sources) if "margin_explorer(" in s and "import" not in s)
    formulas = next(i for i, s in enumerate(sources) if "The three boundaries exactly" in s)
    assert predict < formulas < explorer
    assert "ArcFace" in sources[predict] and "30°" in sources[predict] and "120°" in sources[predict]
    answers = [c for c in nb.cells if "answer" in _tags(c)]
    assert len(answers) == 4 and all(c.metadata["jupyter"]["source_hidden"] for c in answers)


def test_the_lesson_runs_cell_by_cell_and_every_worked_answer_passes(nb):
    namespace, shown = {}, []
    for cell in (c for c in nb.cells if c.cell_type == "code"):
        tags = _tags(cell)
        last = cell.source.strip().splitlines()[-1]
        if last.startswith(("import ", "from ", "    ")) or last.startswith("def "):
            exec(cell.source, namespace)  # a cell of imports or a def: nothing to show
            continue
        result = _run_cell(cell.source, namespace)
        shown.append(result)
        if "answer" in tags:
            assert result.passed and str(result).startswith("✔"), (cell.source, result)
        elif tags & {"exercise", "check"} and "lessons.check_" in cell.source:
            assert not result.passed and str(result).startswith("…"), (cell.source, result)
    explorer = next(v for v in shown if type(v).__name__ == "MarginExplorer")
    assert explorer.message.value == "" and "28.6°" in explorer.readout.value


def test_arcface_m_in_degrees_instead_of_radians_is_named():
    result = lessons.check_arcface_margin_answer({30: 0.5, 120: 0.5})
    assert not result.passed and "ArcFace's m is in radians" in str(result)
    slip = lessons.check_target_logit(lambda t, m, s: s * np.cos(t + np.radians(m)), "arcface")
    assert not slip.passed and "with m read as degrees" in str(slip)

    def converted(theta, m, s):  # the worked answer with m = np.radians(m) first: the switch moves too
        m = np.radians(m)
        return np.where(theta < np.pi - m, s * np.cos(theta + m), s * (np.cos(theta) - m * np.sin(m)))

    whole = lessons.check_target_logit(converted, "arcface")
    assert not whole.passed and "its switch at θ = π − m included, with m read as degrees" in str(whole)
    no_fix = lessons.check_target_logit(lambda t, m, s: s * np.cos(t + m), "arcface")
    assert not no_fix.passed and "past θ = π − m cos(θ + m) rises again" in str(no_fix)


def test_cos_theta_minus_m_written_as_cos_of_theta_minus_m_is_named():
    result = lessons.check_target_logit(lambda t, m, s: s * np.cos(t - m), "cosface")
    assert not result.passed and "This is exactly s·cos(θ − m)" in str(result)
    unscaled = lessons.check_target_logit(lambda t, m, s: s * np.cos(t) - m, "cosface")
    assert "This is exactly s·cos θ − m" in str(unscaled)
    assert "not defined yet" in str(lessons.check_target_logit(None, "cosface"))
    with pytest.raises(ValueError, match="loss must be 'cosface' or 'arcface'"):
        lessons.check_target_logit(np.cos, "asoftmax")


def test_the_margin_read_at_the_wrong_theta12_is_named():
    at_90 = 2 * math.sin(math.radians(18)) * math.sin(math.radians(54) / 2)  # A-Softmax's margin read at 90°
    result = lessons.check_matched_cosface_m(at_90, asoftmax_m=4, theta12_deg=36)
    assert not result.passed and "read at θ12 = 90° (54.0°), the wrong θ12" in str(result)
    formula = 2 * math.sin(math.radians(45)) * math.sin(math.radians(21.6) / 2)  # θ12 = 90° in the formula
    assert "uses θ12 = 90°" in str(lessons.check_matched_cosface_m(formula))
    assert lessons.check_matched_cosface_m(0.1158).passed
    assert "cannot be checked yet" in str(lessons.check_matched_cosface_m("0.12"))


def test_the_ending_shows_the_map_or_says_it_is_a_follow_up(monkeypatch):
    from spheredemo import face_map

    monkeypatch.setattr(face_map, "read_results", lambda *a, **k: [])
    note = lessons.margin_map()
    assert note.data.startswith("**Follow-up, not measured yet.**")
    assert "A-Softmax, CosFace, ArcFace have none" in note.data
