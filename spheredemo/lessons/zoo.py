"""Lesson 7: the margin zoo. A student's predictions and functions for SphereFace (A-Softmax), CosFace and ArcFace
against :func:`spheredemo.margins.target_logit` and :mod:`spheredemo.margin_zoo`, naming the classic slips: ArcFace's
m in degrees instead of radians, cos θ − m written as cos(θ − m), the margin read at the wrong θ12; and the lesson's
ending on the faces' margin map where it exists."""

from __future__ import annotations

import math

import numpy as np

from spheredemo.lessons.checking import (THETA, CheckResult, _call_array, _diagnose, _failed, _not_defined,
                                         _not_written, _NotWritten, _number, _passed, _quiet_invalid)
from spheredemo.margin_zoo import binary_margin_deg
from spheredemo.margins import target_logit

__all__ = ["check_arcface_margin_answer", "check_target_logit", "check_matched_cosface_m", "margin_map"]

#: the (m, s) settings the target-logit checks call a student's function with
TARGET_SETTINGS = {"cosface": ((0.35, 30.0), (0.2, 16.0), (0.5, 64.0), (0.0, 30.0)),
                   "arcface": ((0.5, 30.0), (0.3, 16.0), (1.2, 64.0), (0.0, 30.0))}


def check_arcface_margin_answer(answer, theta12_deg=30.0, m=0.5) -> CheckResult:
    """A prediction of ArcFace's binary margin (degrees) between two classes θ12 = ``theta12_deg`` degrees apart,
    ``m`` in radians as the heads take it: m itself in degrees while m < θ12 (±0.5°). ``answer`` may be a dict
    {θ12: prediction} to check several θ12 at once (one verdict: passed when every one is right)."""
    if isinstance(answer, dict):
        if not answer:
            raise ValueError("answer must be a number of degrees, or a dict {theta12_deg: prediction}")
        results = [check_arcface_margin_answer(value, key, m) for key, value in answer.items()]
        passed = all(r.passed for r in results)
        blank = all(r.message.startswith("…") for r in results)
        lead = "✔" if passed else "…" if blank else "✘"
        verdict = "passed" if passed else "not answered yet" if blank else "not yet"
        name = f"ArcFace margins at θ12 = {', '.join(f'{float(k):g}°' for k in answer)}"
        return CheckResult(name, passed, f"{lead} {name}: {verdict}.\n" + "\n".join(r.message for r in results),
                           sum(r.points for r in results))
    t = float(theta12_deg)
    truth = binary_margin_deg("arcface", t, m)
    mistakes = [(m, f"That is m = {m:g} itself: ArcFace's m is in radians (as the package's heads and ArcFace's "
                    f"code take it), and the margin in degrees is {m:g}·180/π; read as degrees (as "
                    "pytorch-metric-learning's ArcFaceLoss takes it) m = 0.5 would be a margin of half a degree."),
                (math.radians(m), "That is m converted the wrong way: m is already in radians; degrees = m·180/π."),
                ((t - math.degrees(m)) / 2, "That is where class 1's boundary lies, (θ12 − m)/2 from W1; the margin "
                                            "is the gap between the two boundaries."),
                ((math.degrees(m) - 1) / (math.degrees(m) + 1) * t if math.degrees(m) > 1 else -1.0,
                 "That is A-Softmax's rule (m−1)/(m+1)·θ12: ArcFace adds m to the angle, so its margin does not "
                 "grow with θ12."),
                (2 * math.degrees(m), "That is twice m: θ1 + m = θ2 moves each boundary by m/2 from the bisector.")]
    return _number(f"ArcFace margin at m = {m:g} rad, θ12 = {t:g}°", answer, truth, 0.5, "°", mistakes,
                   f"Set θ12 = {t:g} in the explorer and read ArcFace's margin in the bold line just under the "
                   "sliders, above the pictures.")


def _reference(loss):
    return lambda theta, m, s: target_logit(loss, theta, m=m, s=s)


def _target_mistakes(loss) -> dict:
    """Explanation -> fn(θ, m, s) of each classic slip in writing ``loss``'s target logit."""
    common = {"This is exactly the target without the scale s: the logit is s times the angular part (s sharpens "
              "the softmax; the check passes s).": lambda t, m, s: target_logit(loss, t, m=m, s=1.0)}
    if loss == "cosface":
        return {
            "This is exactly s·cos(θ − m): CosFace subtracts m from the cosine, cos θ − m, not from the angle. "
            "cos(θ − m) is larger than cos θ for small θ: it would make the target easier, not harder.":
                lambda t, m, s: s * np.cos(t - m),
            "This is exactly s·cos(θ + m): that is ArcFace's margin, added to the angle; CosFace's is cos θ − m.":
                lambda t, m, s: s * np.cos(t + m),
            "This is exactly s·cos θ − m: the scale multiplies the whole difference, s(cos θ − m).":
                lambda t, m, s: s * np.cos(t) - m,
            **common,
        }
    return {
        "This is exactly s·cos(θ + m) with m read as degrees: ArcFace's m is in radians (as the package's heads and "
        "ArcFace's code take it; pytorch-metric-learning's ArcFaceLoss takes degrees).":
            lambda t, m, s: s * np.cos(t + np.radians(m)),
        "This is exactly ArcFace's target, its switch at θ = π − m included, with m read as degrees (m = "
        "np.radians(m) or the like): m is already in radians (as the package's heads and ArcFace's code take it).":
            lambda t, m, s: target_logit("arcface", t, m=np.radians(m), s=s),
        "This is exactly s·cos(θ + m) everywhere: past θ = π − m cos(θ + m) rises again, so a feature farther from "
        "its class would score higher; ArcFace's code (and the package's head) use cos θ − m·sin m there.":
            lambda t, m, s: s * np.cos(t + m),
        "This is exactly s·cos θ − m: that is CosFace's margin (on the cosine); ArcFace adds m to the angle.":
            lambda t, m, s: s * (np.cos(t) - m),
        "This is exactly s·cos(θ − m): ArcFace adds m to the angle, cos(θ + m).": lambda t, m, s: s * np.cos(t - m),
        **common,
    }


def check_target_logit(fn, loss="cosface") -> CheckResult:
    """Compare ``fn(theta, m, s)`` (θ in radians, a numpy array) with the package's target logit of ``loss``
    ("cosface": s(cos θ − m); "arcface": s·cos(θ + m), and s(cos θ − m·sin m) from θ = π − m on), at 721 angles in
    [0, π] for four (m, s) settings; names the classic slip it matches. ``fn`` None reads "not defined yet"."""
    if loss not in TARGET_SETTINGS:
        raise ValueError(f"loss must be 'cosface' or 'arcface', got {loss!r}")
    name, what = f"{loss} target logit", f"{loss}_target"
    if fn is None:
        return _not_defined(name, what, f"{what}(theta, m, s)")
    settings, reference = TARGET_SETTINGS[loss], _reference(loss)
    try:
        with _quiet_invalid():
            yours = {ms: _call_array(fn, what, THETA, *ms) for ms in settings}
    except _NotWritten:
        return _not_written(name, what)
    points = len(settings) * len(THETA)
    wrong = {ms: ~np.isclose(yours[ms], reference(THETA, *ms), atol=1e-6) for ms in settings}
    if not any(w.any() for w in wrong.values()):
        return _passed(name, f"Your {what} matches the package at {points:,} points ({len(THETA)} angles from 0° to "
                             f"180° for (m, s) = {', '.join(f'({m:g}, {s:g})' for m, s in settings)}).", points)
    first = next(ms for ms in settings if wrong[ms].any())
    degrees = np.degrees(THETA)[wrong[first]]
    i = int(np.flatnonzero(wrong[first])[0])
    where = (f"At (m, s) = ({first[0]:g}, {first[1]:g}) it differs on θ from {degrees[0]:g}° to {degrees[-1]:g}° "
             f"({int(wrong[first].sum())} of {len(THETA)} angles); first at θ = {np.degrees(THETA[i]):g}°: yours "
             f"{yours[first][i]:.4f}, the package {reference(THETA, *first)[i]:.4f}.")
    known = {text: {ms: f(THETA, *ms) for ms in settings} for text, f in _target_mistakes(loss).items()}
    return _failed(name, where + _diagnose(yours, known), points)


def check_matched_cosface_m(answer, asoftmax_m=4, theta12_deg=36.0) -> CheckResult:
    """A prediction of the CosFace m whose binary margin at θ12 = ``theta12_deg`` equals A-Softmax m's,
    (m−1)/(m+1)·θ12: m = 2 sin(θ12/2) sin(δ/2) (±0.005)."""
    t = float(theta12_deg)
    delta = binary_margin_deg("asoftmax", t, asoftmax_m)

    def cos_m(theta12, margin):
        return 2 * math.sin(math.radians(theta12) / 2) * math.sin(math.radians(margin) / 2)

    truth = cos_m(t, delta)
    at_90 = binary_margin_deg("asoftmax", 90.0, asoftmax_m)
    mistakes = [(cos_m(90.0, delta), "That uses θ12 = 90° in 2 sin(θ12/2) sin(δ/2): the margin is matched at one "
                                     f"θ12, here {t:g}°, and both factors take that θ12."),
                (cos_m(t, at_90), f"That matches A-Softmax's margin read at θ12 = 90° ({at_90:.1f}°), the wrong θ12: "
                                  f"at {t:g}° it is (m−1)/(m+1)·{t:g}° = {delta:.1f}°."),
                (cos_m(90.0, at_90), "That is the match at θ12 = 90°, the wrong θ12: the question asks for "
                                     f"θ12 = {t:g}°."),
                (math.radians(delta), "That is ArcFace's matching m (δ in radians); CosFace's margin is on the "
                                      "cosine: m = 2 sin(θ12/2) sin(δ/2)."),
                (2 * math.sin(math.radians(t) / 2) * math.sin(math.radians(delta)), "That forgets the half: "
                 "sin(δ/2), since each boundary sits δ/2 from the bisector."),
                (1 - math.cos(math.radians(delta)), "That is 1 − cos δ: the condition is cos θ1 − m = cos θ2 with "
                                                    "θ1 and θ2 the two boundary angles, θ12/2 ∓ δ/2.")]
    return _number(f"CosFace m matching A-Softmax m = {asoftmax_m} at θ12 = {t:g}°", answer, truth, 0.005, "",
                   mistakes, "Solve cos(θ12/2 − δ/2) − m = cos(θ12/2 + δ/2) for m; or press “match the margins” "
                             "with A-Softmax selected and read CosFace m on its slider.")


def margin_map():
    """The lesson's ending: the faces' margin map (validation accuracy of unseen people against the binary margin at
    θ12 = 90°, a line per family and setting; figure ``face_map_margin``, in the slide style: its two wide panels
    and 13-line legend are shrunk to the notebook's width) once it has cells of all three families, else a
    note, clearly a follow-up, saying which families have no cell yet and how to train them. No number is shown
    that the map has not measured."""
    from IPython.display import Markdown

    from spheredemo.face_map import CELLS, map_points
    from spheredemo.lessons.pictures import figure

    points = map_points()
    present = {p.family for p in points}
    missing = [family for family in ("A-Softmax", "CosFace", "ArcFace") if family not in present]
    if not missing:
        return figure("face_map_margin", style="slide")
    return Markdown(
        f"**Follow-up, not measured yet.** The faces' margin map has {len(points)} of its {len(CELLS)} cells "
        f"trained; {', '.join(missing)} {'has' if len(missing) == 1 else 'have'} none yet, so the lesson cannot end "
        "on it today. When `python -m spheredemo.face_map --cells ...` has trained them (`--list` names them), this "
        "cell shows the validation accuracy of people never trained on against each cell's binary margin at "
        "θ12 = 90°, a line per family and setting (figure `face_map_margin`).")
