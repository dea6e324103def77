"""Checks for the lessons in ``notebooks/``: a student's answer against the package, at many points.

Each ``check_*`` compares what the student wrote (a function or a number) with the package's own
math, :mod:`spheredemo.margins` and :class:`spheredemo.losses.ASoftmax`, computed here on a grid
of angles, m and λ that does not go through the student's code. It returns a :class:`CheckResult`
whose message says where the answer differs (which angles, which m, which λ) and, when the
difference is exactly a classic mistake (ψ without the −2k term, cos(mθ) without the sign flip,
λ applied at evaluation, degrees for radians ...), names it. A wrong answer never raises. An
answer that cannot be checked (not callable, wrong shape or type) raises ValueError; an exercise
stub still raising NotImplementedError (or returning None / ``...``) reads "not written yet".

:func:`train_side_by_side` trains the package's :class:`~spheredemo.losses.ASoftmax` head and the
student's own logits (:class:`StudentHead`) on the same digits from the same start.

One module per concern: :mod:`~spheredemo.lessons.checking` (the verdict and what every check shares),
:mod:`~spheredemo.lessons.boundaries` (lesson 1: boundaries and margin), :mod:`~spheredemo.lessons.psi`
(ψ and cos(mθ)), :mod:`~spheredemo.lessons.annealing` (the λ blend, m_eff, λ(t)),
:mod:`~spheredemo.lessons.logits` (the A-Softmax logits and the evaluation rule),
:mod:`~spheredemo.lessons.features` (trained features and faces), :mod:`~spheredemo.lessons.side_by_side`
(lesson 6's training), :mod:`~spheredemo.lessons.zoo` (lesson 7: SphereFace, CosFace and ArcFace side by side)
and :mod:`~spheredemo.lessons.pictures` (a package figure shown once). Every name is importable from here.
"""

from spheredemo.lessons.annealing import (check_annealed_target, check_effective_margin_answer, check_lambda_answer,
                                          check_lambda_steps_answer)
from spheredemo.lessons.boundaries import (check_boundary_answer, check_margin_answer, check_margin_formula,
                                           check_smallest_m)
from spheredemo.lessons.checking import THETA, CheckResult  # noqa: F401  (THETA: the checks' angle grid)
from spheredemo.lessons.features import (check_best_face_model, check_own_angles, check_separation_answer,
                                         check_tightest_answer, check_verification_accuracy, face_accuracies,
                                         face_seed_spreads)
from spheredemo.lessons.logits import check_accuracy, check_asoftmax_logits
from spheredemo.lessons.lambda_view import lambda_demo_view
from spheredemo.lessons.pictures import figure, loss_against_norm
from spheredemo.lessons.psi import check_cos_m_theta, check_psi, check_psi_value
from spheredemo.lessons.side_by_side import SideBySide, StudentHead, train_side_by_side
from spheredemo.lessons.zoo import check_arcface_margin_answer, check_matched_cosface_m, check_target_logit, margin_map

__all__ = [
    "CheckResult", "check_psi", "check_cos_m_theta", "check_annealed_target", "check_asoftmax_logits",
    "check_accuracy", "check_margin_formula", "check_own_angles", "check_verification_accuracy",
    "check_margin_answer", "check_boundary_answer", "check_smallest_m", "check_psi_value",
    "check_effective_margin_answer", "check_lambda_answer", "check_lambda_steps_answer", "check_tightest_answer",
    "check_separation_answer", "face_accuracies", "face_seed_spreads", "check_best_face_model", "StudentHead", "SideBySide",
    "train_side_by_side", "figure", "lambda_demo_view", "loss_against_norm",
    "check_arcface_margin_answer", "check_target_logit", "check_matched_cosface_m", "margin_map",
]
