"""The margin zoo's geometry (spheredemo.margin_zoo, re-exported by spheredemo.geometry) against a slow explicit
reference: every family's training constraint written out here, the circle scanned at 0.01° steps, and each
boundary refined by bisection of its own equation; and the target logits against the heads' own logits."""

import math

import numpy as np
import pytest
import torch

from spheredemo import geometry, margins
from spheredemo.losses import ArcFace, ASoftmax, CosFace

# --- the reference: each family's target logit / scale, written out from the papers, no package math ------------


def ref_psi(theta, m):
    k = np.minimum(np.floor(theta * m / math.pi), m - 1)
    return (-1.0) ** k * np.cos(m * theta) - 2 * k


def ref_target(loss, theta, m, lam=0.0):
    """T(θ): the target logit divided by its scale, θ in radians."""
    if loss == "asoftmax":
        return (lam * np.cos(theta) + ref_psi(theta, m)) / (1 + lam)
    if loss == "cosface":
        return np.cos(theta) - m
    return np.where(theta + m < math.pi, np.cos(theta + m), np.cos(theta) - m * math.sin(m))


def ref_gap(loss, phi_deg, theta12, m, lam=0.0):
    """Class 1's constraint T(θ1) − cos θ2 at the signed angle φ from W1 towards W2."""
    phi = np.radians(phi_deg)
    theta1 = np.arccos(np.clip(np.cos(phi), -1, 1))
    return ref_target(loss, theta1, m, lam) - np.cos(math.radians(theta12) - phi)


def bisect(f, a, b, tol=1e-11):
    fa = f(a) > 0
    while b - a > tol:
        mid = 0.5 * (a + b)
        if (f(mid) > 0) == fa:
            a = mid
        else:
            b = mid
    return 0.5 * (a + b)


def brute_margin(loss, theta12, m, lam=0.0):
    """The width (degrees) of the arc where neither class holds around the bisector, or NaN where class 1 holds
    nowhere: scan φ at 0.01° from the far bisector to the near one, take the last φ where class 1 holds, bisect
    its edge; class 2's edge is its mirror (checked: the scan of class 2's constraint gives the same)."""
    phi = np.arange(theta12 / 2 - 180.0, theta12 / 2 + 1e-9, 0.01)
    holds = ref_gap(loss, phi, theta12, m, lam) > 0
    if not holds.any():
        return math.nan
    i = np.flatnonzero(holds)[-1]
    edge1 = bisect(lambda p: ref_gap(loss, np.array([p]), theta12, m, lam)[0], phi[i], phi[i] + 0.01)
    # class 2 from its own constraint: T(θ2) > cos θ1, θ2 = |θ12 − φ|
    def gap2(p):
        theta2 = math.acos(max(-1.0, min(1.0, math.cos(math.radians(theta12 - p)))))
        return float(ref_target(loss, np.array([theta2]), m, lam)[0]) - math.cos(math.radians(p))
    psi = np.arange(theta12 / 2, theta12 / 2 + 180.0, 0.01)
    holds2 = np.array([gap2(p) > 0 for p in psi[::20]])  # a coarse look, then the edge
    j = 20 * np.flatnonzero(holds2)[0]
    edge2 = bisect(gap2, psi[max(j - 20, 0)], psi[j])
    return edge2 - edge1


CASES = [(loss, t, m) for t in (12, 20, 30, 36, 45, 60, 90, 120, 150, 180)
         for loss, ms in (("asoftmax", (1, 2, 3, 4, 6)), ("cosface", (0.0, 0.1, 0.2, 0.35, 0.6, 1.0, 1.5)),
                          ("arcface", (0.0, 0.1, 0.3, 0.5, 1.0, 1.5)))
         for m in ms]


def test_binary_margin_matches_brute_force_root_finding_at_many_settings():
    checked = nan = 0
    for loss, t, m in CASES:
        brute = brute_margin(loss, t, m)
        mine = geometry.binary_margin_deg(loss, np.array([float(t)]), m)[0]
        if math.isnan(brute):
            assert math.isnan(mine), (loss, t, m, mine)
            nan += 1
        else:
            assert mine == pytest.approx(brute, abs=1e-6), (loss, t, m)
            checked += 1
    assert checked > 140 and nan >= 10  # both kinds of setting really occur


@pytest.mark.parametrize("m, lam, theta12", [(4, 5.0, 36), (4, 1.0, 90), (2, 0.5, 120), (3, 20.0, 60)])
def test_asoftmax_lambda_blend_margin_matches_brute_force(m, lam, theta12):
    assert geometry.binary_margin_deg("asoftmax", theta12, m, lam) == pytest.approx(
        brute_margin("asoftmax", theta12, m, lam), abs=1e-6)


def test_closed_forms_and_the_issue_numbers():
    assert geometry.binary_margin_deg("asoftmax", 36, 4) == pytest.approx(3 / 5 * 36)
    assert geometry.binary_margin_deg("cosface", 36, 0.35) == pytest.approx(
        2 * math.degrees(math.asin(0.35 / (2 * math.sin(math.radians(18))))))
    assert round(geometry.binary_margin_deg("cosface", 36, 0.35)) == 69  # wider than θ12 = 36° itself
    assert geometry.binary_margin_deg("arcface", 30, 0.5) == pytest.approx(math.degrees(0.5))
    assert geometry.binary_margin_deg("arcface", 120, 0.5) == pytest.approx(math.degrees(0.5))  # constant in θ12
    t = np.array([30.0, 60.0, 90.0, 150.0])
    assert np.all(np.diff(geometry.binary_margin_deg("asoftmax", t, 4)) > 0)  # grows with θ12
    assert np.all(np.diff(geometry.binary_margin_deg("cosface", t, 0.35)) < 0)  # shrinks
    # the margin is wider than θ12 exactly above m = 1 − cos θ12
    for theta12 in (20.0, 36.0, 90.0):
        edge = 1 - math.cos(math.radians(theta12))
        assert geometry.binary_margin_deg("cosface", theta12, edge * 0.99) < theta12
        assert geometry.binary_margin_deg("cosface", theta12, min(edge * 1.01, 1.99)) > theta12


def test_no_feature_satisfies_either_class_raises_for_a_scalar_nan_for_arrays():
    with pytest.raises(ValueError, match=r"no feature on the circle satisfies either class.*m ≥ 2·sin\(θ12/2\)"):
        geometry.binary_margin_deg("cosface", 20, 0.35)  # 2 sin 10° = 0.347
    with pytest.raises(ValueError, match=r"m ≥ θ12 = 0.5236 rad"):
        geometry.binary_margin_deg("arcface", 30, 0.6)
    out = geometry.binary_margin_deg("cosface", np.array([10.0, 20.0, 30.0]), 0.35)
    assert np.isnan(out[:2]).all() and np.isfinite(out[2])
    out = geometry.binary_margin_deg("arcface", np.array([20.0, 40.0]), 0.5)
    assert math.isnan(out[0]) and out[1] == pytest.approx(math.degrees(0.5))
    b = geometry.zoo_boundaries("cosface", 20, 0.35)  # the picture never raises: nobody wins anywhere
    assert not b.satisfiable and (b.arc_labels == 0).all()


def test_bad_margins_name_the_range():
    with pytest.raises(ValueError, match=r"arcface, radians\) must lie in \[0, 1.571\), got 28.6"):
        geometry.binary_margin_deg("arcface", 60, 28.6)  # degrees passed for radians
    with pytest.raises(ValueError, match=r"cosine margin of cosface\) must lie in \[0, 2\)"):
        geometry.binary_margin_deg("cosface", 60, 2.5)
    with pytest.raises(ValueError, match="m must be a positive integer"):
        geometry.binary_margin_deg("asoftmax", 60, 2.5)
    with pytest.raises(ValueError, match="loss must be one of"):
        geometry.binary_margin_deg("sphereface", 60, 2)
    with pytest.raises(ValueError, match="looks like radians"):
        geometry.binary_margin_deg("cosface", math.pi / 5, 0.35)


def test_the_circle_picture_follows_the_constraints():
    for loss, m in (("asoftmax", 4), ("cosface", 0.35), ("arcface", 0.5)):
        b = geometry.zoo_boundaries(loss, 60, m)
        w1 = 90 - 30
        phi = b.arc_angles - w1
        labels = np.where(ref_gap(loss, phi, 60, m) > 0, 1, 0)
        assert np.array_equal(labels == 1, b.arc_labels == 1), loss
        assert b.boundary1 == pytest.approx(w1 + (60 - b.margin) / 2)
        assert b.boundary2 - b.boundary1 == pytest.approx(b.margin)
    wide = geometry.zoo_boundaries("cosface", 36, 0.35)
    assert wide.wider_than_theta12 and wide.boundary1 < 90 - 18  # class 1's boundary lies beyond W1
    i_w1 = np.argmin(np.abs(wide.arc_angles - 72))
    assert wide.arc_labels[i_w1] == 0  # W1 itself does not satisfy its own class


def test_combined_form_generalises_the_three_and_matches_brute_force():
    for t in (30.0, 60.0, 90.0, 150.0):
        cosface = geometry.binary_margin_deg("cosface", t, 0.35)
        assert geometry.combined_margin_deg(t, 1, 0, 0.35) == pytest.approx(cosface, abs=1e-6)
        if t > 30:
            assert geometry.combined_margin_deg(t, 1, 0.5, 0) == pytest.approx(math.degrees(0.5), abs=1e-6)
        for m in (2, 3, 4):
            asoftmax = geometry.binary_margin_deg("asoftmax", t, m)
            assert geometry.combined_margin_deg(t, m, 0, 0) == pytest.approx(asoftmax, abs=1e-6)
    theta = np.linspace(0, math.pi, 361)
    np.testing.assert_allclose(geometry.combined_target(theta, 4, 0, 0), ref_psi(theta, 4), atol=1e-12)
    mixed = geometry.combined_target(theta, 1.3, 0.2, 0.1)
    assert np.all(np.diff(mixed) < 1e-12)  # the extension past π keeps it falling
    # a mixed setting, no closed form: against the brute-force scan of its own equation
    phi = np.arange(45 - 180.0, 45 + 1e-9, 0.01)
    def gap(p):
        return geometry.combined_target(np.radians(np.abs(p)), 1.3, 0.2, 0.1) - np.cos(np.radians(90 - p))
    i = np.flatnonzero(gap(phi) > 0)[-1]
    edge = bisect(lambda p: gap(np.array([p]))[0], phi[i], phi[i] + 0.01)
    assert geometry.combined_margin_deg(90, 1.3, 0.2, 0.1) == pytest.approx(90 - 2 * edge, abs=1e-6)
    with pytest.raises(ValueError, match="no feature on the circle satisfies"):
        geometry.combined_margin_deg(20, 1, 0, 0.35)


def test_sphere_boundary_curves_lie_on_the_boundary_equation():
    for loss, m in (("asoftmax", 4), ("cosface", 0.35), ("arcface", 0.5)):
        points = geometry.sphere_boundary_curve(loss, 60, m, n=31)
        ok = points[np.isfinite(points[:, 0])]
        assert len(ok) >= 5  # A-Softmax's cap closes off near the poles (ψ(90°) = −3 < cos θ2): few latitudes
        w1, w2 = geometry.class_weights(60, dim=3)
        theta1 = np.arccos(np.clip(ok @ w1, -1, 1))
        np.testing.assert_allclose(ref_target(loss, theta1, m), ok @ w2, atol=1e-6)
        np.testing.assert_allclose(np.linalg.norm(ok, axis=1), 1.0)
        equator = points[len(points) // 2]  # elevation 0: the circle's boundary
        b = geometry.zoo_boundaries(loss, 60, m)
        np.testing.assert_allclose(equator[:2], geometry.direction(b.boundary1), atol=1e-6)
    cos_plane = geometry.sphere_boundary_curve("cosface", 60, 0.35, n=31)
    w1, w2 = geometry.class_weights(60, dim=3)
    ok = cos_plane[np.isfinite(cos_plane[:, 0])]
    np.testing.assert_allclose(ok @ (w1 - w2), 0.35, atol=1e-6)  # CosFace's boundary is a plane's circle


def test_matched_margins_agree_at_theta12_and_part_elsewhere():
    match = geometry.matched_margins("asoftmax", 36, 4)
    assert match.cosface_m == pytest.approx(2 * math.sin(math.radians(18)) * math.sin(math.radians(10.8)))
    assert match.arcface_m == pytest.approx(math.radians(21.6))
    for loss, m, lam in (("cosface", match.cosface_m, 0), ("arcface", match.arcface_m, 0),
                         ("asoftmax", match.asoftmax_m, match.lam)):
        assert geometry.binary_margin_deg(loss, 36, m, lam) == pytest.approx(21.6, abs=1e-4)
    at90 = {loss: geometry.binary_margin_deg(loss, 90, m) for loss, m in
            (("asoftmax", 4), ("cosface", match.cosface_m), ("arcface", match.arcface_m))}
    assert at90["asoftmax"] > at90["arcface"] > at90["cosface"]  # 54°, 21.6°, 15.4°
    cos_ref = geometry.matched_margins("cosface", 90, 0.35)  # through λ for A-Softmax
    assert cos_ref.asoftmax_m == 2 and cos_ref.lam > 0 and cos_ref.unmatched == ()
    assert geometry.binary_margin_deg("asoftmax", 90, 2, cos_ref.lam) == pytest.approx(cos_ref.margin, abs=1e-3)
    wide = geometry.matched_margins("cosface", 36, 0.35)  # 69°: wider than any A-Softmax m ≤ 6 gives at 36°
    assert "asoftmax" in wide.unmatched and wide.asoftmax_m == 6


# --- target logits against the heads' own logits ------------------------------------------------------------------

def _features(n=400, dim=5, n_classes=7, seed=0):
    gen = torch.Generator().manual_seed(seed)
    norms = 0.5 + 3 * torch.rand(n, 1, generator=gen, dtype=torch.float64)
    x = torch.randn(n, dim, generator=gen, dtype=torch.float64) * norms
    return x, torch.randint(0, n_classes, (n,), generator=gen)


@pytest.mark.parametrize("head, kwargs", [
    (ASoftmax, dict(m=4)), (ASoftmax, dict(m=2)), (CosFace, dict()), (CosFace, dict(s=16.0, m=0.2)),
    (ArcFace, dict()), (ArcFace, dict(s=8.0, m=1.2)),
])
def test_target_logit_equals_the_heads_target_logits(head, kwargs):
    x, y = _features()
    h = head(5, 7, **kwargs).double()
    theta = torch.arccos(h.cosine(x).gather(1, y[:, None])[:, 0])
    lams = (0.0, 5.0) if head is ASoftmax else (0.0,)
    for lam in lams:
        if head is ASoftmax:
            theirs = h.logits(x, y, lam=lam).gather(1, y[:, None])[:, 0]
            mine = margins.target_logit("asoftmax", theta, m=kwargs["m"], lam=lam, x_norm=x.norm(dim=1))
        else:
            theirs = h.logits(x, y).gather(1, y[:, None])[:, 0]
            loss = "cosface" if head is CosFace else "arcface"
            mine = margins.target_logit(loss, theta, m=h.m, s=h.s)
        torch.testing.assert_close(mine, theirs, atol=1e-6, rtol=1e-6)
    if head is ArcFace:  # features past π − m take the head's extension too (the θ + m > π choice)
        assert bool((theta > math.pi - h.m).any())


def test_target_logit_defaults_are_the_heads_and_refuse_what_a_family_lacks():
    import inspect
    for loss, head in (("cosface", CosFace), ("arcface", ArcFace)):
        params = inspect.signature(head).parameters
        assert margins.ZOO_DEFAULTS[loss] == {"m": params["m"].default, "s": params["s"].default}
    assert margins.ZOO_DEFAULTS["asoftmax"]["m"] == inspect.signature(ASoftmax).parameters["m"].default
    t = np.radians([0.0, 60.0, 170.0])
    np.testing.assert_allclose(margins.target_logit("arcface", t), 30 * np.array(
        [math.cos(0.5), math.cos(math.radians(60) + 0.5), math.cos(math.radians(170)) - 0.5 * math.sin(0.5)]))
    with pytest.raises(ValueError, match="asoftmax has no scale s"):
        margins.target_logit("asoftmax", t, s=30)
    with pytest.raises(ValueError, match="cosface has no λ"):
        margins.target_logit("cosface", t, lam=5)
    with pytest.raises(ValueError, match="look like degrees"):
        margins.target_logit("arcface", np.array([0.0, 120.0]))
    with pytest.raises(ValueError, match=r"arcface, radians\) must lie in \[0, 1.571\)"):
        margins.target_logit("arcface", t, m=28.6)


def test_the_blended_margin_curve_is_margins_bisection_on_every_theta12_at_once():
    t = np.arange(10.0, 180.1, 7.0)
    for m, lam in ((4, 5.0), (2, 0.3), (6, 100.0)):
        curve = geometry.blended_margin_deg(m, lam, t)
        np.testing.assert_allclose(curve, [margins.effective_margin(m, lam, v).margin for v in t], atol=1e-6)
        np.testing.assert_allclose(geometry.binary_margin_deg("asoftmax", t, m, lam), curve)
    np.testing.assert_allclose(geometry.blended_margin_deg(3, 0.0, t), 0.5 * t, atol=1e-6)
