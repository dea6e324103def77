"""What every lesson check shares: the verdict (:class:`CheckResult`), calling a student's function, naming a
known slip, the θ grid of the function checks, and reading a number or a word the student predicted.

A wrong answer is a verdict, never an exception. An answer that cannot be checked raises ValueError; a stub
(NotImplementedError, None or ``...``) raises :class:`_NotWritten`, which each check turns into "not written yet".
"""

from __future__ import annotations

import math
import numbers
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["CheckResult", "THETA", "verdict_html"]

THETA = np.linspace(0.0, math.pi, 721)  # the angle grid of the function checks: 0..180° in 0.25° steps
_AGAIN = " (then run this cell again; the worked answer is below)"


@dataclass
class CheckResult:
    """The verdict of a check: ``passed`` and a message saying where the answer differs."""

    name: str  # what was checked, e.g. "ψ(θ)"
    passed: bool
    message: str  # starts with ✔ (passed), ✘ (differs) or … (not written / answered yet)
    points: int = 0  # how many values were compared

    def __repr__(self) -> str:  # what print() and a console show
        return self.message

    __str__ = __repr__

    def _repr_html_(self) -> str:
        return verdict_html(self.message, self.passed)


def verdict_html(message: str, passed: bool) -> str:
    """What a notebook cell shows of a verdict: the message as prose that wraps between words (JupyterLab wraps a
    plain-text result anywhere, "di ffers"), its line breaks kept, with a bar in the verdict's colour."""
    import html

    colour = "#1b7f3b" if passed else ("#b3261e" if message.startswith("✘") else "#777777")
    return (f'<div class="spheredemo-check" style="border-left:4px solid {colour};padding:2px 10px;'
            f'white-space:pre-wrap;word-break:normal;overflow-wrap:break-word">{html.escape(message)}</div>')


class _NotWritten(Exception):
    """The student's function is still a stub."""


def _passed(name, text, points=0) -> CheckResult:
    return CheckResult(name, True, f"✔ {name}: passed. {text}", points)


def _failed(name, text, points=0) -> CheckResult:
    return CheckResult(name, False, f"✘ {name}: not yet. {text}", points)


def _not_written(name, function: str) -> CheckResult:
    """The exercise cell defining ``function`` is still a stub."""
    return CheckResult(name, False, f"… {name}: {function} is not written yet: fill in the exercise cell above{_AGAIN}")


def _not_defined(name, function: str, signature: str) -> CheckResult:
    """The check was handed None: the cell with the student's ``def`` has not run yet (``globals().get``)."""
    return CheckResult(name, False, f"… {name}: {function} is not defined yet: run the cell with def {signature} "
                                    f"above first{_AGAIN}")


def _blank(answer) -> bool:
    """An answer cell left as it was: None or ``...``."""
    return answer is None or answer is Ellipsis


def _not_answered(name, what: str) -> CheckResult:
    """A prediction cell left blank; ``what`` says what to put in it."""
    return CheckResult(name, False, f"… {name}: not answered yet: put {what} and run it again")


def _to_array(value, what: str) -> np.ndarray:
    if _blank(value):
        raise _NotWritten
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().double().numpy()
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must return numbers (a float, numpy array or torch tensor), "
                         f"got {type(value).__name__}") from None


def _call(fn, what: str, args, shape, torch_args=None) -> np.ndarray:
    """``fn(*args)`` as a float64 array of ``shape``; retried with ``torch_args`` if it only takes tensors."""
    if not callable(fn):
        raise ValueError(f"pass your function itself (e.g. check(psi), not check(psi(...))); got {type(fn).__name__}")
    try:
        try:
            out = fn(*args)
        except (TypeError, AttributeError):
            if torch_args is None:
                raise
            out = fn(*torch_args)
    except NotImplementedError:
        raise _NotWritten from None
    out = _to_array(out, what)
    if out.shape != tuple(shape):
        raise ValueError(f"{what} must return shape {tuple(shape)} for this input, got {out.shape}")
    return out


def _call_array(fn, what: str, array: np.ndarray, *rest) -> np.ndarray:
    """``fn(array, *rest)`` with a copy of the numpy ``array`` (as a torch tensor if ``fn`` only takes those), as a
    float64 array of the same shape."""
    return _call(fn, what, (array.copy(), *rest), array.shape, (torch.tensor(array), *rest))


@contextmanager
def _quiet_invalid():
    """numpy's invalid-value warnings off: arccos past ±1 is a check's finding, not a warning to show."""
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _diagnose(yours, mistakes: dict) -> str:
    """The explanation of the first known mistake that gives exactly ``yours`` (an array, or a dict of arrays
    with the same keys as each mistake's values); "" if none does."""
    def as_dict(values):
        return values if isinstance(values, dict) else {0: values}

    for explanation, values in mistakes.items():
        values, mine = as_dict(values), as_dict(yours)
        if all(np.allclose(mine[key], values[key], atol=1e-5, equal_nan=True) for key in mine):
            return " " + explanation
    return ""


# --- the θ-grid function checks ------------------------------------------------------------------------------

def _intervals(degrees: np.ndarray) -> str:
    """Angles on the 0.25° grid as a short list of ranges: "[90.25°, 180°]"."""
    if len(degrees) == 0:
        return "nowhere"
    breaks = np.flatnonzero(np.diff(degrees) > 0.26)
    starts, ends = np.r_[degrees[0], degrees[breaks + 1]], np.r_[degrees[breaks], degrees[-1]]
    parts = [f"{a:g}°" if a == b else f"[{a:g}°, {b:g}°]" for a, b in zip(starts, ends)]
    return ", ".join(parts[:4]) + (f" and {len(parts) - 4} more ranges" if len(parts) > 4 else "")


def _settings_text(settings) -> str:
    """(m,) or (m, λ) settings as "m = 2, 3", "m = 2, 3 with λ = 0, 5 each" or "m = 2 (λ = 0), m = 3 (λ = 5)"."""
    by_m = {}
    for s in settings:
        by_m.setdefault(s[0], []).extend(s[1:])
    if all(not lams for lams in by_m.values()):
        return "m = " + ", ".join(map(str, by_m))
    lam_lists = {tuple(lams) for lams in by_m.values()}
    if len(lam_lists) == 1 and len(by_m) > 1:
        return f"m = {', '.join(map(str, by_m))} with λ = {', '.join(f'{lam:g}' for lam in lam_lists.pop())} each"
    return ", ".join(f"m = {m} (λ = {', '.join(f'{lam:g}' for lam in lams)})" for m, lams in by_m.items())


def _theta_check(name, fn, reference, mistakes, settings, what) -> CheckResult:
    """Shared by the θ-grid checks: ``reference(theta, *s)`` per setting ``s`` ((m,) or (m, λ)), yours
    ``fn(theta, *s)`` with θ a numpy array in radians (a torch tensor if your function only takes those)."""
    try:
        yours = {s: _call_array(fn, what, THETA, *s) for s in settings}
    except _NotWritten:
        return _not_written(name, what)
    wrong = {s: ~np.isclose(yours[s], reference(THETA, *s), atol=1e-5) for s in settings}
    points = len(settings) * len(THETA)
    if not any(w.any() for w in wrong.values()):
        return _passed(name, f"Your {what} matches the package at {points:,} points ({len(THETA)} angles from 0° to "
                             f"180° for each of {_settings_text(settings)}).", points)
    known = {text: {s: f(THETA, *s) for s in settings} for text, f in mistakes.items()}
    return _failed(name, _theta_difference(yours, reference, wrong, settings, what) + _diagnose(yours, known), points)


def _theta_difference(yours: dict, reference, wrong: dict, settings, what: str) -> str:
    """Where ``yours`` differs: the settings, the angles of the first one and its largest difference."""
    degrees = np.degrees(THETA)
    bad = [s for s in settings if wrong[s].any()]
    first = bad[0]
    expected = reference(THETA, *first)
    i = int(np.nanargmax(np.where(wrong[first], np.abs(np.nan_to_num(yours[first], nan=np.inf) - expected), -1)))
    good = [s for s in settings if s not in bad]
    return (f"Your {what} differs from the package for {_settings_text(bad)}"
            + (f"; it matches for {_settings_text(good)}" if good else "") + ". "
            f"At {_settings_text([first])} it differs on θ ∈ {_intervals(degrees[wrong[first]])}; most at θ = "
            f"{degrees[i]:g}°: yours {yours[first][i]:.4f}, the package {expected[i]:.4f}.")


def _feature_sets():
    """Three labelled sets of 200 features near their class boundaries, weights not of norm 1 (float64)."""
    gen = torch.Generator().manual_seed(0)
    sets = []
    for dim, n_classes in ((2, 4), (2, 10), (3, 6)):
        scale = 0.5 + torch.rand(n_classes, 1, generator=gen, dtype=torch.float64)
        weight = torch.randn(n_classes, dim, generator=gen, dtype=torch.float64) * scale
        y = torch.arange(200) % n_classes
        noise = 0.6 * torch.randn(200, dim, generator=gen, dtype=torch.float64)
        sets.append((torch.nn.functional.normalize(weight[y], dim=1) + noise, y, weight))
    return sets


# --- predictions: a number or a word the student reads off an explorer ---------------------------------------

def _unreadable(name, text: str) -> CheckResult:
    """A prediction that is no answer of the kind asked (text for a number, a word not among the choices): a check
    message saying what to write, never a traceback in the student's cell."""
    return CheckResult(name, False, f"✘ {name}: cannot be checked yet. {text}")


def _number(name, answer, expected, tol, unit, mistakes=(), where="", mistake_tol=None) -> CheckResult:
    """A numeric prediction within ``tol`` of ``expected``; ``mistakes`` are (value, explanation) pairs, each named
    for an answer within ``mistake_tol`` of its value (default ``tol``). An answer that is not a finite number
    (text such as '4', True, a list, NaN) gets a message saying what to write."""
    in_unit = {"°": " in degrees", " steps": " of steps"}.get(unit, "")
    if _blank(answer):
        return _not_answered(name, f"your prediction in the cell (a number{in_unit})")
    if isinstance(answer, torch.Tensor) and answer.numel() == 1:
        answer = answer.item()
    if isinstance(answer, str):
        try:
            number = float(answer.strip().rstrip("°"))
        except ValueError:
            return _unreadable(name, f"{answer!r} is text, not a number: write your prediction as a number{in_unit}, "
                                     "without quotes (like 12.5, not 'twelve and a half').")
        return _unreadable(name, f"{answer!r} is text (it is in quotes): write the number itself, {number:g}, without "
                                 "quotes, and run the cell again.")
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real) or not math.isfinite(answer):
        return _unreadable(name, f"The answer must be one finite number{in_unit}, got {answer!r}.")
    if abs(answer - expected) <= tol:  # no value echoed: a worked answer's output must not spoil the exercise
        accepts = "only the package's value itself" if tol == 0 else f"anything within ±{tol:.3g}{unit} of the package's value"
        return _passed(name, f"Your prediction is right (the check accepts {accepts}).", 1)
    mistake_tol = tol if mistake_tol is None else mistake_tol
    hint = next((text for value, text in mistakes if abs(answer - value) <= mistake_tol), "")
    side = "too large" if answer > expected else "too small"
    return _failed(name, f"{answer:g}{unit} is {side}. " + (hint + " " if hint else "") + where, 1)


def _choice(answer, allowed: dict, what: str):
    """The canonical key of a word answer (case and spaces ignored), or ValueError listing what is allowed."""
    key = str(answer).strip().lower().replace(" ", "")
    if isinstance(answer, bool):
        key = "yes" if answer else "no"
    elif isinstance(answer, numbers.Integral):
        key = f"m={answer}"
    for canonical, spellings in allowed.items():
        if key in spellings:
            return canonical
    raise ValueError(f"{what} must be one of {', '.join(repr(k) for k in allowed)}, got {answer!r}")


def _count_slip(truth, totals, counted: str, items: str) -> dict:
    """The "a count, not a share" slip as a :func:`_diagnose` entry: the right shares ``truth`` times the number of
    ``items`` (``totals``, one per value); ``counted`` says what was counted ("pairs decided right")."""
    totals = np.asarray(totals, dtype=np.float64)
    counts = np.asarray(truth, dtype=np.float64) * totals
    first = f"{float(np.ravel(counts)[0]):.0f} of {float(np.ravel(totals)[0]):.0f}"
    return {f"This looks like a count, not a share: the number of {counted} ({first} here), where the check wants "
            f"the fraction; divide by the number of {items} (np.mean does both at once).": counts}
