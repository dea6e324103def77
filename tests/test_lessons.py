"""The lessons' checks: each passes on a right answer and on the notebook's worked answer, and fails on plausible
wrong answers, naming the slip; unusable input raises a ValueError that says what is expected."""

import math
import warnings
from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from spheredemo import lessons
from spheredemo.losses import ASoftmax
from spheredemo.margins import LambdaSchedule, annealed_target

REPO = Path(__file__).resolve().parents[1]
FACE_MODELS = [f"lfw-d512-{name}" for name in ("softmax", "modified", *(f"asoftmax-m{m}" for m in range(1, 5)))]


# --- right answers, written here independently of the notebooks and of spheredemo.margins -----------------------

def sector(theta, m):
    return np.clip(np.floor(m * np.asarray(theta) / math.pi), 0, m - 1)


def psi_numpy(theta, m):
    k = sector(theta, m)
    return (-1.0) ** k * np.cos(m * theta) - 2 * k


def psi_torch(theta, m):
    k = torch.clamp(torch.floor(m * theta / math.pi), max=m - 1)
    return (-1) ** k * torch.cos(m * theta) - 2 * k


def chebyshev(c, m):
    t_prev, t = c * 0 + 1, c
    for _ in range(m - 1):
        t_prev, t = t, 2 * c * t - t_prev
    return t


def blend(theta, m, lam):
    return (lam * np.cos(theta) + psi_numpy(theta, m)) / (1 + lam)


def logits_right(x, y, weight, m, lam=0.0, clamp=1e-7, keep_norm=True, unit_w=True, every_class=False):
    w = F.normalize(weight, dim=1) if unit_w else weight
    norm = x.norm(dim=1, keepdim=True)
    cos = (x @ w.T / norm / (1 if unit_w else weight.norm(dim=1))).clamp(-1, 1)
    scale = norm if keep_norm else 1.0
    if every_class:
        theta = torch.acos(cos.clamp(-1 + clamp, 1 - clamp))
        return scale * (lam * torch.cos(theta) + psi_torch(theta, m)) / (1 + lam)
    theta_y = torch.acos(cos.gather(1, y[:, None]).clamp(-1 + clamp, 1 - clamp))
    target = (lam * torch.cos(theta_y) + psi_torch(theta_y, m)) / (1 + lam)
    out = (scale * cos).scatter(1, y[:, None], scale * target)
    return out * weight.norm(dim=1) if not unit_w else out


def accuracy_right(x, y, weight):
    return (F.normalize(x, dim=1) @ F.normalize(weight, dim=1).T).argmax(1).eq(y).double().mean()


def accuracy_with_margin(x, y, weight, m=4, lam=5.0):
    """The classic slip: accuracy of the training logits, margin and λ applied at evaluation."""
    return logits_right(x, y, weight, m, lam).argmax(1).eq(y).double().mean()


def own_angles_right(x, y, w):
    u, v = x / np.linalg.norm(x, axis=1, keepdims=True), w / np.linalg.norm(w, axis=1, keepdims=True)
    return np.degrees(np.arccos(np.clip(np.sum(u * v[y], axis=1), -1, 1)))


def assert_passes(result):
    assert result.passed, result.message
    assert result.message.startswith("✔") and repr(result) == str(result) == result.message


def assert_fails(result, *hints):
    assert not result.passed, result.message
    assert result.message.startswith("✘"), result.message
    for hint in hints:
        assert hint in result.message, result.message


# --- ψ, cos(mθ), the λ blend ---------------------------------------------------------------------------------

@pytest.mark.parametrize("fn", [psi_numpy, psi_torch], ids=["numpy", "torch"])
def test_psi_passes_on_right_answers(fn):
    result = lessons.check_psi(fn)
    assert_passes(result)
    assert result.points == 5 * 721


@pytest.mark.parametrize("wrong, hints", [
    (lambda t, m: (-1.0) ** sector(t, m) * np.cos(m * t), ["without the −2k term", "m = 2, 3, 4, 5", "[90°, 180°]",
                                                           "matches for m = 1"]),
    (lambda t, m: np.cos(m * t) - 2 * sector(t, m), ["without the (−1)^k sign flip"]),
    (lambda t, m: np.cos(m * t), ["plain cos(mθ)"]),
    (lambda t, m: psi_numpy(np.radians(t), m), ["θ read as degrees", "m = 1, 2"]),
    (lambda t, m: np.cos(t), ["m is not used"]),
    (lambda t, m: psi_numpy(t, m) + 1e-3, ["differs", "m = 1, 2, 3, 4, 5"]),  # close, but not the function
], ids=["no -2k", "no sign flip", "cos(m theta)", "degrees", "cos theta", "offset"])
def test_psi_fails_on_plausible_wrong_answers(wrong, hints):
    assert_fails(lessons.check_psi(wrong), *hints)


def test_cos_m_theta_check():
    assert_passes(lessons.check_cos_m_theta(chebyshev))
    numpy_only = lessons.check_cos_m_theta(lambda c, m: np.polynomial.chebyshev.chebval(np.asarray(c), [0] * m + [1]))
    assert_passes(numpy_only)
    assert "values only" in numpy_only.message
    assert_fails(lessons.check_cos_m_theta(lambda c, m: np.cos(m * np.arccos(c))), "looks like acos was used")
    assert_fails(lessons.check_cos_m_theta(lambda c, m: torch.cos(m * torch.acos(c))), "gradient at c = ±1")
    assert_fails(lessons.check_cos_m_theta(lambda c, m: np.cos(m * c)), "cos(m·c)")

    def one_step_short(c, m):
        return chebyshev(c, m - 1) if m > 1 else c * 0 + 1

    assert_fails(lessons.check_cos_m_theta(one_step_short), "one step too few")

    def plus(c, m):
        t_prev, t = c * 0 + 1, c
        for _ in range(m - 1):
            t_prev, t = t, 2 * c * t + t_prev
        return t

    assert_fails(lessons.check_cos_m_theta(plus), "recursion with +")


@pytest.mark.parametrize("acos_answer", [
    lambda c, m: np.cos(m * np.arccos(c)),
    lambda c, m: np.cos(m * np.arccos(np.clip(c, -1, 1))),
    lambda c, m: torch.cos(m * torch.acos(c)),
    lambda c, m: torch.cos(m * torch.acos(torch.clamp(c, -1, 1))),
    lambda c, m: torch.cos(m * torch.acos(torch.as_tensor(c))).numpy(),
], ids=["numpy", "numpy clipped", "torch", "torch clamped", "torch values"])
def test_cos_m_theta_with_acos_fails_and_says_so(acos_answer):
    """Right values on [−1, 1], but acos: just past ±1 (T_m finite there, acos NaN or clipped) it shows."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # arccos(1 + 1e-6) is the check's finding, not a warning in the student's output
        result = lessons.check_cos_m_theta(acos_answer)
    assert_fails(result, "Your values are right on [−1, 1]", "looks like acos was used", "c = ±(1 + 10⁻⁶)",
                 "T_(n+1) = 2c·T_n − T_(n−1)")
    assert result.points == 6 * 801


def test_cos_m_theta_with_acos_names_the_infinite_gradient_too():
    result = lessons.check_cos_m_theta(lambda c, m: torch.cos(m * torch.acos(c)))
    assert_fails(result, "looks like acos was used", "yours gives nan", "gradient at c = ±1 is not finite")
    assert "gradient" not in lessons.check_cos_m_theta(lambda c, m: np.cos(m * np.arccos(c))).message


def test_cos_m_theta_polynomials_pass_past_one():
    """Any polynomial route passes: the recursion in numpy or torch, or T_m written out."""
    closed = {1: lambda c: c, 2: lambda c: 2 * c**2 - 1, 3: lambda c: 4 * c**3 - 3 * c,
              4: lambda c: 8 * c**4 - 8 * c**2 + 1, 5: lambda c: 16 * c**5 - 20 * c**3 + 5 * c,
              6: lambda c: 32 * c**6 - 48 * c**4 + 18 * c**2 - 1}
    assert_passes(lessons.check_cos_m_theta(lambda c, m: closed[m](c)))
    assert_passes(lessons.check_cos_m_theta(lambda c, m: chebyshev(torch.as_tensor(c), m)))


def test_a_function_check_handed_none_says_to_run_the_def_cell():
    """``globals().get(name)`` in a check cell run before the def cell: a message, not a NameError."""
    for check, name in ((lessons.check_cos_m_theta, "def cos_m_theta(c, m)"),
                        (lessons.check_margin_formula, "def margin(m, theta12)")):
        result = check(None)
        assert not result.passed and result.message.startswith("…"), result.message
        assert "not defined yet" in result.message and name in result.message


def test_a_check_shows_in_a_notebook_as_wrapping_prose_with_its_verdicts_colour():
    """The notebook shows ``_repr_html_``: the whole message, escaped, breaking lines only between words."""
    import html

    passed = lessons.check_cos_m_theta(lambda c, m: chebyshev(torch.as_tensor(c), m))
    failed = lessons.check_cos_m_theta(lambda c, m: c ** m)
    blank = lessons.check_cos_m_theta(None)
    for result, colour in ((passed, "#1b7f3b"), (failed, "#b3261e"), (blank, "#777777")):
        shown = result._repr_html_()
        assert html.escape(result.message) in shown and f"solid {colour}" in shown, shown
        assert "white-space:pre-wrap" in shown and "word-break:normal" in shown
    assert "✘ x: a &lt; b</div>" in lessons.checking.CheckResult("x", False, "✘ x: a < b", 0)._repr_html_()


def test_annealed_target_check():
    assert_passes(lessons.check_annealed_target(blend))
    assert_passes(lessons.check_annealed_target(lambda t, m, lam: (lam * torch.cos(t) + psi_torch(t, m)) / (1 + lam)))
    assert_fails(lessons.check_annealed_target(lambda t, m, lam: (np.cos(t) + lam * psi_numpy(t, m)) / (1 + lam)),
                 "λ on the wrong term", "m = 2, 3, 4 with λ = 0, 0.5, 5, 1000 each")
    assert_fails(lessons.check_annealed_target(lambda t, m, lam: lam * np.cos(t) + psi_numpy(t, m)),
                 "without dividing by 1 + λ")
    assert_fails(lessons.check_annealed_target(lambda t, m, lam: psi_numpy(t, m)), "ψ(θ) alone")
    # dividing by λ: infinite at λ = 0, still a wrong answer, never an exception
    with np.errstate(divide="ignore", invalid="ignore"):
        assert_fails(lessons.check_annealed_target(lambda t, m, lam: (lam * np.cos(t) + psi_numpy(t, m)) / lam))


# --- the A-Softmax logits and the evaluation rule ------------------------------------------------------------

def test_asoftmax_logits_check_passes_on_right_answers():
    assert_passes(lessons.check_asoftmax_logits(logits_right))

    def without_acos(x, y, weight, m, lam=0.0):  # the package's route: ψ from cos θ (Chebyshev), no acos
        logits = x @ F.normalize(weight, dim=1).T
        norm = x.norm(dim=1)
        cos_y = (logits.gather(1, y[:, None])[:, 0] / norm).clamp(-1, 1)
        return logits.scatter(1, y[:, None], (norm * annealed_target(cos_y, m, lam))[:, None])

    assert_passes(lessons.check_asoftmax_logits(without_acos))

    def detached(x, y, weight, m, lam=0.0):
        return logits_right(x, y, weight.detach(), m, lam)

    assert_fails(lessons.check_asoftmax_logits(detached), "no gradient reaches weight")


@pytest.mark.parametrize("wrong, hint", [
    (lambda x, y, w, m, lam=0.0: logits_right(x, y, w, m, lam, keep_norm=False), "x normalised"),
    (lambda x, y, w, m, lam=0.0: logits_right(x, y, w, m, lam, unit_w=False), "W not normalised"),
    (lambda x, y, w, m, lam=0.0: logits_right(x, y, w, m, lam, every_class=True), "margin on every class"),
    (lambda x, y, w, m, lam=0.0: logits_right(x, y, w, m, 0.0), "λ ignored"),
    (lambda x, y, w, m, lam=0.0: x @ F.normalize(w, dim=1).T, "modified softmax"),
    (lambda x, y, w, m, lam=0.0: logits_right(x, y, w, m, lam, clamp=0.0), "gradient is NaN or infinite"),
], ids=["x normalised", "W raw", "every class", "lambda ignored", "no margin", "acos at 1"])
def test_asoftmax_logits_check_fails_on_plausible_wrong_answers(wrong, hint):
    assert_fails(lessons.check_asoftmax_logits(wrong), hint)


def test_asoftmax_logits_check_says_where_once():
    """Wrong at every setting alike: said once, not once per (m, λ); wrong at some: those settings are named."""
    everywhere = lessons.check_asoftmax_logits(lambda x, y, w, m, lam=0.0: logits_right(x, y, w, m, lam,
                                                                                        keep_norm=False)).message
    assert "at every m and λ tried (m = 1, 2, 3, 4; λ = 0, 5), in the target and non-target logits." in everywhere
    assert everywhere.count("logits)") == 0 and everywhere.count("target logits") == 1
    at_m2 = lessons.check_asoftmax_logits(lambda x, y, w, m, lam=0.0: logits_right(x, y, w, 1 if m == 2 else m, lam))
    assert "differ from ASoftmax.logits at m = 2, λ = 0; m = 2, λ = 5, in the target logits." in at_m2.message


def test_accuracy_check():
    result = lessons.check_accuracy(accuracy_right)
    assert_passes(result)
    assert_fails(lessons.check_accuracy(accuracy_with_margin), "margin (m = 4, λ = 5)", "no margin and no λ")
    assert_fails(lessons.check_accuracy(lambda x, y, w: accuracy_with_margin(x, y, w, m=2, lam=0.0)), "m = 2, λ = 0")
    assert_fails(lessons.check_accuracy(lambda x, y, w: (x @ w.T).argmax(1).eq(y).double().mean()), "not normalised")
    assert_fails(lessons.check_accuracy(lambda x, y, w: 100 * accuracy_right(x, y, w)), "percent")
    assert lessons.check_accuracy(lambda x, y, w: 1.0).message.count("set ") == 3  # says where: each set's numbers


# --- lesson 1, 3, 5 functions ---------------------------------------------------------------------------------

def test_margin_formula_check():
    assert_passes(lessons.check_margin_formula(lambda m, t: (m - 1) / (m + 1) * t))
    assert_fails(lessons.check_margin_formula(lambda m, t: t / (m + 1)), "class 1's boundary", "m = 1, 3")
    assert_fails(lessons.check_margin_formula(lambda m, t: (m - 1) / m * t), "(m−1)/m·θ12")
    assert_fails(lessons.check_margin_formula(lambda m, t: math.radians((m - 1) / (m + 1) * t)), "radians")


def test_own_angles_check():
    assert_passes(lessons.check_own_angles(own_angles_right))
    assert_passes(lessons.check_own_angles(lambda x, y, w: torch.rad2deg(torch.acos(torch.clamp(
        (F.normalize(x, dim=1) * F.normalize(w, dim=1)[y]).sum(1), -1, 1)))))  # a torch answer is fine too
    assert_fails(lessons.check_own_angles(lambda x, y, w: np.radians(own_angles_right(x, y, w))), "radians")
    assert_fails(lessons.check_own_angles(lambda x, y, w: np.cos(np.radians(own_angles_right(x, y, w)))),
                 "cosines, not angles")

    def to_predicted(x, y, w):
        predicted = np.argmax((x / np.linalg.norm(x, axis=1, keepdims=True)) @ (
            w / np.linalg.norm(w, axis=1, keepdims=True)).T, axis=1)
        return own_angles_right(x, predicted, w)

    assert_fails(lessons.check_own_angles(to_predicted), "predicted class")


def test_verification_accuracy_check():
    assert_passes(lessons.check_verification_accuracy(lambda a, s, t: np.mean((a < t) == s)))
    assert_fails(lessons.check_verification_accuracy(lambda a, s, t: np.mean((a > t) == s)), "reversed")
    assert_fails(lessons.check_verification_accuracy(lambda a, s, t: 100 * np.mean((a < t) == s)), "percent")
    assert_fails(lessons.check_verification_accuracy(lambda a, s, t: np.mean((a < math.radians(t)) == s)), "radians")


# --- predictions ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("check, right, wrong, hint", [
    (lambda a: lessons.check_margin_answer(a, m=3, theta12_deg=60), 30, 15, "class 1's boundary"),
    (lambda a: lessons.check_margin_answer(a, m=3, theta12_deg=60), 30.2, math.radians(30), "radians"),
    (lambda a: lessons.check_margin_answer(a, m=4, theta12_deg=90), 54, 45, "bisector"),
    (lambda a: lessons.check_boundary_answer(a, m=4, theta12_deg=90), 18, 45, "bisector"),
    (lambda a: lessons.check_boundary_answer(a, m=4, theta12_deg=90), 18, 54, "margin between both"),
    (lambda a: lessons.check_boundary_answer(a, m=4, theta12_deg=90), 18, 22.5, "That is θ12/m = 90°/4"),
    (lambda a: lessons.check_boundary_answer(a, m=4, theta12_deg=90), 18, 72, "That is class 2's boundary"),
    (lambda a: lessons.check_smallest_m(a, case="binary"), 4, 2 + math.sqrt(3), "integer"),
    (lambda a: lessons.check_smallest_m(a, case="multiclass"), 3, 4, "too large"),
    (lambda a: lessons.check_psi_value(a, theta_deg=90, m=4), -3, 1, "cos(mθ)"),
    (lambda a: lessons.check_psi_value(a, theta_deg=60, m=4), -1.5, 0.5, "forgets the −2k"),
    (lambda a: lessons.check_psi_value(a, theta_deg=60, m=4), -1.5, -2.5, "sign flip"),
    (lambda a: lessons.check_effective_margin_answer(a, m=4, lam=5, theta12_deg=36), 1.84, 4, "λ is not the margin"),
    (lambda a: lessons.check_effective_margin_answer(a, m=4, lam=5, theta12_deg=36), 1.84, 10.6, "in degrees"),
    (lambda a: lessons.check_effective_margin_answer(a, m=4, lam=5, theta12_deg=36), 1.84, 1.5, "m ≈ 1.5"),
    (lambda a: lessons.check_effective_margin_answer(a, m=4, lam=5, theta12_deg=36), 1.84, 1.62, "m_eff at θ12 = 90°"),
    (lambda a: lessons.check_lambda_answer(a, step=240), 33.56, 1000 / (0.12 * 240), "1 +"),
    (lambda a: lessons.check_lambda_answer(a, step=240), 33.56, 5, "floor"),
    (lambda a: lessons.check_lambda_steps_answer(a), 1659, 1000 / (5 * 0.12), "1 +"),
    (lambda a: lessons.check_lambda_steps_answer(a), 1659, 1667, "1 +"),
    (lambda a: lessons.check_lambda_steps_answer(a), 1659, 1658, "still above λ_min = 5"),
], ids=["margin-boundary", "margin-radians", "margin-bisector", "boundary-bisector", "boundary-margin",
        "boundary-theta12-over-m", "boundary-class-2", "m-not-integer", "m-multiclass", "psi-cos", "psi-no-2k",
        "psi-no-sign", "meff-nominal", "meff-degrees", "meff-rough-1.5", "meff-at-90", "lambda-no-1", "lambda-floor",
        "steps-no-1", "steps-no-1-rounded", "steps-one-short"])
def test_predictions(check, right, wrong, hint):
    assert_passes(check(right))
    assert_fails(check(wrong), hint)
    unanswered = check(None)
    assert not unanswered.passed and unanswered.message.startswith("…") and "not answered yet" in unanswered.message


def test_psi_value_hint_leaves_k_to_the_student_and_speaks_degrees():
    for wrong in (1, 0, -1, -2.5, 7):
        message = lessons.check_psi_value(wrong, theta_deg=90, m=4).message
        assert "k = 2" not in message and "π" not in message, message
        assert "[k·180°/m, (k+1)·180°/m]" in message and "45° wide" in message


def test_readout_hints_say_where_the_readout_is():
    """The explorers' readout lines sit above the pictures, just under the sliders."""
    messages = [lessons.check_margin_answer(0, m=3, theta12_deg=60).message, lessons.check_boundary_answer(0).message,
                lessons.check_smallest_m(1).message, lessons.check_effective_margin_answer(0.5).message]
    for message in messages:
        assert "under the sliders" in message, message
        assert not any(f"under the {w}" in message for w in ("circle", "plots", "pictures", "boundary explorer"))
    assert "above the pictures" in messages[0] and "above the plots" in messages[3]
    assert "class 1's boundary at …° from W1" in messages[1]  # what the boundary explorer's readout says


def test_effective_margin_hints_fit_the_setting():
    """The rough "m ≈ 1.5" is issue 11's m = 4, λ = 5; the θ12 = 90° value is a slip only when 90° is not asked."""
    assert "issue" not in lessons.check_effective_margin_answer(1.5, m=3, lam=5, theta12_deg=36).message
    at_90 = lessons.check_effective_margin_answer(1.5, m=4, lam=5, theta12_deg=90)
    assert_fails(at_90, "m ≈ 1.5")
    assert "m_eff at θ12 = 90°" not in at_90.message


def test_prediction_with_a_schedule_of_its_own():
    fast = LambdaSchedule(1000.0, 199.0 / 120, 1.0, 0.0)  # the training explorer's default run: λ = 5 at step 120
    assert_passes(lessons.check_lambda_answer(5.0, step=120, schedule=fast))
    assert_fails(lessons.check_lambda_answer(33.56, step=120, schedule=fast))


@pytest.mark.parametrize("bad, says", [
    ("thirty", "'thirty' is text, not a number: write your prediction as a number in degrees, without quotes"),
    ("30", "'30' is text (it is in quotes): write the number itself, 30, without quotes"),
    (True, "The answer must be one finite number in degrees, got True"),
    ([30], "The answer must be one finite number in degrees, got [30]"),
    (float("nan"), "The answer must be one finite number in degrees, got nan"),
])
def test_a_prediction_that_is_not_a_number_gets_a_message_not_a_traceback(bad, says):
    """A string answer ('4') once raised a raw ValueError in the student's cell: now the check says what to write."""
    result = lessons.check_margin_answer(bad, m=3, theta12_deg=60)
    assert not result.passed and result.message.startswith("✘ margin at m = 3, θ12 = 60°: cannot be checked yet.")
    assert says in result.message, result.message
    assert "30" not in result.message.replace(str(bad), "")  # the right answer (30°) is not given away
    smallest = lessons.check_smallest_m("4")
    assert not smallest.passed and "'4' is text (it is in quotes): write the number itself, 4" in smallest.message


def test_a_count_instead_of_a_share_is_named():
    """"yours 273.000, the package 0.682" says what it looks like: a count of pairs (or features) decided right."""
    counted = lessons.check_verification_accuracy(lambda a, s, t: float(np.sum((a < t) == s)))
    assert_fails(counted, "This looks like a count, not a share: the number of pairs decided right (273 of 400")
    assert "divide by the number of pairs" in counted.message
    features = lessons.check_accuracy(lambda x, y, w: float(
        (torch.nn.functional.normalize(x, dim=1) @ torch.nn.functional.normalize(w, dim=1).T).argmax(1).eq(y).sum()))
    assert_fails(features, "This looks like a count, not a share: the number of features classified right")
    assert "This looks like a count" not in lessons.check_verification_accuracy(  # a share that is only wrong is not
        lambda a, s, t: np.mean((a < t + 1) == s)).message


def test_tightest_and_separation_read_the_shipped_models(data_root):
    for right in ("m=4", "m = 4", 4, "asoftmax-m4", "asoftmax-4", "A-Softmax m=4"):
        assert_passes(lessons.check_tightest_answer(right, dim=2))
    assert_fails(lessons.check_tightest_answer("softmax", dim=2), "7.8", "mean angle to own W")
    assert_fails(lessons.check_tightest_answer("m=9"), "The answer must be one of 'softmax', 'modified', 'm=1'")
    assert_passes(lessons.check_separation_answer("no", dim=3, m=4))
    assert_passes(lessons.check_separation_answer(False, dim=3, m=4))
    assert_fails(lessons.check_separation_answer("yes", dim=3, m=4), "158.5°", "max positive-pair angle")
    assert_fails(lessons.check_separation_answer("maybe"), "The answer must be one of 'yes', 'no'")


def test_best_face_model_accepts_every_model_the_seeds_cannot_tell_apart():
    """Lesson 5's "which loss verifies strangers best?": a model inside the seed noise of the highest mean (the
    README's rule, SeedSpread.beyond_noise, on the manifest's seeds) is right, and the message says the data cannot
    tell them apart and why; a model below it beyond the noise is not."""
    from spheredemo import figures, pretrained

    missing = [name for name in FACE_MODELS if name not in pretrained.manifest()]
    if missing:
        pytest.skip(f"face checkpoints not shipped yet: {missing}")
    spreads = lessons.face_seed_spreads()
    ctx = figures.Context()
    for key, name in zip(spreads, FACE_MODELS):  # the manifest's seeds, by the figures' own function
        assert spreads[key] == figures.seed_spread(ctx, name, "lfw_accuracy", 100.0)
    top = max(spreads, key=lambda key: spreads[key].mean)
    tied = [key for key in spreads if not spreads[key].beyond_noise(spreads[top])]
    for key in spreads:
        result = lessons.check_best_face_model(key)
        assert result.passed == (key in tied), (key, result.message)
        assert f"mean ± std over {spreads[key].n} seeds" in result.message
        if len(tied) > 1:
            assert f"{', '.join(tied)} cannot be told apart by these data" in result.message
        assert "shipped seed alone" in result.message  # the explorer's number is another one
    assert not lessons.check_best_face_model("m=9").passed  # a word outside the choices: a message


@pytest.mark.parametrize("means, stds, right", [
    ((84.0, 85.0, 85.5, 87.3, 87.1, 87.0), (0.2, 1.0, 0.5, 0.7, 0.3, 0.2), {"m=2", "m=3", "m=4"}),
    ((84.0, 85.0, 85.5, 89.0, 87.1, 87.0), (0.2, 1.0, 0.5, 0.1, 0.3, 0.2), {"m=2"}),
    ((86.0, 86.1, 86.2, 86.3, 86.4, 86.5), (0.5,) * 6, {"softmax", "modified", "m=1", "m=2", "m=3", "m=4"}),
], ids=["three-tied", "one-clear", "all-tied"])
def test_best_face_model_follows_the_numbers_not_a_fixed_answer(monkeypatch, means, stds, right):
    """A retraining changes the verdict with the numbers: no answer is written into the check."""
    from spheredemo.figures import SeedSpread
    from spheredemo.lessons import features

    keys = ("softmax", "modified", "m=1", "m=2", "m=3", "m=4")
    monkeypatch.setattr(features, "face_seed_spreads",
                        lambda: {k: SeedSpread(mean, std, 3) for k, mean, std in zip(keys, means, stds)})
    assert {k for k in keys if lessons.check_best_face_model(k).passed} == right
    if len(right) == 1:
        assert "is above every other model by more than the two seed spreads together" in (
            lessons.check_best_face_model("m=2").message)


# --- what cannot be checked, and what is not written yet -----------------------------------------------------

def test_unusable_input_raises_a_clear_value_error():
    with pytest.raises(ValueError, match="pass your function itself"):
        lessons.check_psi(psi_numpy(np.linspace(0, 1, 3), 2))
    with pytest.raises(ValueError, match=r"must return shape \(721,\)"):
        lessons.check_psi(lambda t, m: 0.5)
    with pytest.raises(ValueError, match="must return numbers"):
        lessons.check_psi(lambda t, m: "psi")
    with pytest.raises(ValueError, match=r"must return shape \(120, 4\)"):
        lessons.check_asoftmax_logits(lambda x, y, w, m, lam=0.0: x.norm(dim=1))
    with pytest.raises(ValueError, match=r"must return shape \(\)"):
        lessons.check_accuracy(lambda x, y, w: (x @ w.T).argmax(1))
    with pytest.raises(ValueError, match="'binary' or 'multiclass'"):
        lessons.check_smallest_m(4, case="ternary")


def stub_raises(*args):
    raise NotImplementedError


def stub_returns_nothing(*args):
    pass


@pytest.mark.parametrize("stub", [stub_raises, stub_returns_nothing])
@pytest.mark.parametrize("check", [lessons.check_psi, lessons.check_cos_m_theta, lessons.check_annealed_target,
                                   lessons.check_asoftmax_logits, lessons.check_accuracy, lessons.check_margin_formula,
                                   lessons.check_own_angles, lessons.check_verification_accuracy])
def test_a_stub_reads_not_written_yet(check, stub):
    result = check(stub)
    assert not result.passed
    assert result.message.startswith("…") and "not written yet" in result.message


def test_a_bug_in_the_students_function_shows_its_own_traceback():
    with pytest.raises(ZeroDivisionError):
        lessons.check_psi(lambda t, m: 1 / 0)


# --- your own head -------------------------------------------------------------------------------------------

def test_student_head_is_an_asoftmax_with_the_students_logits():
    torch.manual_seed(0)
    package = ASoftmax(2, 10, m=4)
    student = lessons.StudentHead(logits_right, 2, 10, m=4)
    student.load_state_dict(package.state_dict())
    x, y = torch.randn(16, 2), torch.randint(0, 10, (16,))
    torch.testing.assert_close(student.logits(x, y, lam=5.0), package.logits(x, y, lam=5.0), atol=1e-5, rtol=1e-5)
    assert torch.equal(student.predict(x), package.predict(x))  # evaluation: plain cosines, no student code
    student(x, y, lam=5.0).backward()
    assert student.weight.grad is not None and torch.isfinite(student.weight.grad).all()
    with pytest.raises(ValueError, match=r"shape \(16, 10\)"):
        lessons.StudentHead(lambda x, y, w, m, lam: x.norm(dim=1))(x, y)
    with pytest.raises(ValueError, match="logits must be your function"):
        lessons.StudentHead("asoftmax")
    with pytest.raises(ValueError, match="draw_every must be an integer >= 1, got 0"):
        lessons.train_side_by_side(logits_right, draw_every=0)  # refused before any digit loads


@pytest.mark.slow
def test_train_side_by_side_compares_the_two_heads(data_root):
    result = lessons.train_side_by_side(logits_right, m=4, per_class=20, epochs=2, batch_size=50, shown_per_class=5,
                                        show=False, data_root=data_root)
    assert set(result.runs) == {"package", "yours"} and result.runs["yours"].history.step[-1] == 8
    assert isinstance(result.runs["yours"].head, lessons.StudentHead)
    # one loop (fit's) stepped both heads from the same start on the same batches with the same λ: with the right
    # logits the two losses agree at every step, to float rounding
    package, yours = result.runs["package"].history, result.runs["yours"].history
    assert package.step == yours.step and package.lam == yours.lam
    np.testing.assert_allclose(yours.loss, package.loss, rtol=1e-4, atol=1e-5)
    assert result.passed and result.message.startswith("✔ side by side")
    assert result._repr_html_() == lessons.checking.verdict_html(result.message, True)  # the notebook's view
    assert abs(result.accuracy["yours"] - result.accuracy["package"]) < 0.05
    assert result.png.startswith(b"\x89PNG")

    def exploding(x, y, weight, m, lam=0.0):
        return logits_right(x, y, weight, m, lam) * float("nan")

    broken = lessons.train_side_by_side(exploding, per_class=20, epochs=1, batch_size=50, show=False,
                                        data_root=data_root)
    assert not broken.passed and "your head's loss became NaN or exploded at step 0" in broken.message


# --- the notebooks' worked answers: they pass, and a one-token slip in them fails --------------------------------

def _answer_cells(stem):
    """The sources of the notebook's worked answers that define a function, in order."""
    nb = nbformat.read(REPO / "notebooks" / f"{stem}.ipynb", as_version=4)
    return [c.source for c in nb.cells if "answer" in c.metadata.get("tags", []) and "def " in c.source]


def _define(stem, sources):
    """Run the notebook's answer cells (each without its last line, the check call) in one namespace."""
    namespace = {"lessons": lessons, "math": math, "torch": torch, "np": np}
    for source in sources:
        body = "\n".join(source.rstrip().splitlines()[:-1])
        exec(compile(body, f"<{stem} answer>", "exec"), namespace)
    return namespace


@pytest.mark.parametrize("stem, name, check, slip, hint", [
    ("01_decision_boundaries", "margin", lessons.check_margin_formula,
     ("(m - 1) / (m + 1) * theta12", "theta12 / (m + 1)"), "class 1's boundary"),
    ("02_psi_and_annealing", "cos_m_theta", lessons.check_cos_m_theta,
     ("2 * c * t - t_prev", "2 * c * t + t_prev"), "recursion with +"),
    ("03_mnist_on_the_hypersphere", "own_angles", lessons.check_own_angles,
     ("np.degrees(np.arccos(", "(np.arccos("), "radians"),
    ("04_train_your_own", "accuracy", lessons.check_accuracy,
     ("torch.nn.functional.normalize(weight, dim=1)", "weight"), "not normalised"),
    ("05_faces_on_the_hypersphere", "verification_accuracy", lessons.check_verification_accuracy,
     ("angles_deg < threshold_deg", "angles_deg > threshold_deg"), "reversed"),
    ("06_asoftmax_from_scratch", "psi", lessons.check_psi, (" - 2 * k", ""), "without the −2k term"),
    ("06_asoftmax_from_scratch", "psi", lessons.check_psi, ("(-1) ** k * ", ""), "without the (−1)^k sign flip"),
    ("06_asoftmax_from_scratch", "target", lessons.check_annealed_target,
     ("lam * torch.cos(theta) + psi(theta, m)", "torch.cos(theta) + lam * psi(theta, m)"), "λ on the wrong term"),
    ("06_asoftmax_from_scratch", "asoftmax_logits", lessons.check_asoftmax_logits,
     (".clamp(-1 + 1e-7, 1 - 1e-7)", ""), "gradient is NaN or infinite"),
    ("06_asoftmax_from_scratch", "asoftmax_logits", lessons.check_asoftmax_logits,
     ("x_norm * target(theta_y, m, lam)", "target(theta_y, m, lam)"), "target logits"),
], ids=["01-margin", "02-cos_m_theta", "03-own_angles", "04-accuracy", "05-verification", "06-psi-2k",
        "06-psi-sign", "06-target", "06-logits-clamp", "06-logits-norm"])
def test_worked_answer_passes_and_a_slip_fails(stem, name, check, slip, hint):
    sources = _answer_cells(stem)
    assert_passes(check(_define(stem, sources)[name]))
    old, new = slip
    assert sum(old in source for source in sources) == 1, f"the slip {old!r} must occur in one answer cell"
    assert_fails(check(_define(stem, [source.replace(old, new) for source in sources])[name]), hint)


# --- lesson 2's λ demonstration ---------------------------------------------------------------------------------

def test_the_lambda_demo_recipe_reruns_briefly(data_root, tmp_path):
    """The recipe the lesson shows, re-run for 20 steps by the package's own fit: curves every 10 steps, λ = 0 from
    the first step where the run says so, and with SGD the λ = 0 run stopping as diverged (an outcome, recorded)."""
    from dataclasses import asdict

    from spheredemo.lessons import lambda_demo

    runs = lambda_demo.record(["adam-lambda0", "adam-annealed", "sgd-lambda0"], steps=20, data_root=data_root)
    adam0, annealed, sgd0 = runs
    for r in (adam0, annealed):
        assert not r.diverged and list(r.step) == [10, 20]
        assert np.isfinite(r.loss).all() and (r.norm > 0).all() and 0 <= r.test_accuracy <= 1
        assert r.features.shape == (500, 2) and r.weight.shape == (10, 2)
        assert r.config == asdict(lambda_demo.config(r.name, 20))
    assert (adam0.lam == 0).all()
    assert annealed.lam[0] > 0 and annealed.lam[-1] == 0  # annealed to 0 by the run's middle (step 10 of 20)
    assert sgd0.diverged.startswith("training stopped at step"), sgd0.diverged
    path = lambda_demo.save(runs, tmp_path / "demo.npz")
    again = lambda_demo.load(path)
    assert [r.name for r in again] == [r.name for r in runs] and again[2].diverged == sgd0.diverged
    np.testing.assert_allclose(again[0].norm, adam0.norm)
    with pytest.raises(FileNotFoundError, match="python -m spheredemo.lessons.lambda_demo records it"):
        lambda_demo.load(tmp_path / "missing.npz")


def test_the_shipped_lambda_demo_is_the_recipe_and_what_lesson_2_says():
    """The shipped curves come from a run of the current recipe (its configs are the recipe's), and lesson 2's
    sentences about them are what the recorded runs did."""
    from dataclasses import asdict

    from spheredemo.lessons import lambda_demo

    runs = {r.name: r for r in lambda_demo.load()}
    assert list(runs) == [name for name, _, _ in lambda_demo.RUNS]
    for name, r in runs.items():
        assert r.config == asdict(lambda_demo.config(name)), name
        if not r.diverged:
            assert r.step[-1] == lambda_demo.STEPS and np.isfinite(r.loss).all()
            assert r.features.shape == (10 * lambda_demo.SHOWN_PER_CLASS, 2)
    assert (runs["adam-lambda0"].lam == 0).all() and runs["adam-annealed"].lam[-1] == 0
    # what lesson 2 says the runs showed
    assert not runs["adam-lambda0"].diverged and not runs["adam-annealed"].diverged
    assert runs["sgd-lambda0"].diverged and not runs["sgd-annealed"].diverged
    assert "training stopped at step 1:" in runs["sgd-lambda0"].diverged


def test_the_lambda_demo_view_draws_the_recorded_runs():
    import html

    from spheredemo.lessons import lambda_demo

    view = lessons.lambda_demo_view()
    assert bytes(view.view.image.value).startswith(b"\x89PNG")
    for line in lambda_demo.summary(view.runs).splitlines():
        assert html.escape(line) in view.text.value
    assert view.button.description == "Run live"


def test_the_loss_against_the_feature_norm_at_fixed_angles():
    """‖x‖ = 0 gives log C; inside the class's boundary the loss falls towards 0 as ‖x‖ grows, outside it grows
    about linearly (slope: the best other logit's angular part minus the target's); the picture is one PNG."""
    from spheredemo.lessons.pictures import norm_losses
    from spheredemo.margins import annealed_target

    norms = np.array([0.0, 50.0, 100.0])
    inside, outside = norm_losses(norms, 3.0, 4), norm_losses(norms, 12.0, 4)
    assert inside[0] == pytest.approx(math.log(10)) and inside[-1] < 1e-3
    slope = math.cos(math.radians(36 - 12)) - float(annealed_target(np.array([math.cos(math.radians(12))]), 4, 0.0)[0])
    assert (outside[-1] - outside[1]) / 50 == pytest.approx(slope, rel=1e-3)
    assert norm_losses(norms, 12.0, 1)[-1] < 1e-2  # m = 1: 12° is inside the bisector at 18°
    assert lessons.loss_against_norm().data.startswith(b"\x89PNG")


def test_the_lambda_demo_button_runs_the_recipe_live(data_root, tmp_path, monkeypatch):
    """'Run live' trains the recipe again in a thread (here one run of 10 steps) and redraws, saying what it reached."""
    import time

    from spheredemo.lessons import lambda_demo

    monkeypatch.setattr(lambda_demo, "RUNS", lambda_demo.RUNS[:1])
    path = lambda_demo.save(lambda_demo.record(steps=10, data_root=data_root), tmp_path / "demo.npz")
    view = lessons.lambda_demo_view(path, data_root=data_root)
    view.button.click()
    deadline = time.monotonic() + 300  # a guard for a loaded machine, not a timing check
    while "this machine, just now" not in view.text.value and time.monotonic() < deadline:
        time.sleep(0.5)
    assert "this machine, just now" in view.text.value, view.text.value
    assert "Adam + BatchNorm, λ = 0 from step 0: after 10 steps" in view.text.value
    assert bytes(view.view.image.value).startswith(b"\x89PNG") and not view.button.disabled
