"""The margin math against its definitions (paper Eq. 6, Table 1, Appendix G)."""

import math

import numpy as np
import pytest
import torch

from spheredemo import margins

M_VALUES = [1, 2, 3, 4, 5]
THETA = np.linspace(0.0, math.pi, 2001)


def psi_reference(theta: float, m: int) -> float:
    """ψ written out slowly: find k by scanning the sectors, then (−1)^k cos(mθ) − 2k."""
    for k in range(m):
        if k * math.pi / m <= theta <= (k + 1) * math.pi / m:
            return (-1) ** k * math.cos(m * theta) - 2 * k
    raise AssertionError("theta outside [0, pi]")


@pytest.mark.parametrize("m", M_VALUES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_cos_m_theta_matches_cos_of_m_theta(m, dtype):
    theta = torch.tensor(THETA, dtype=dtype)
    got = margins.cos_m_theta(torch.cos(theta), m)
    assert got.dtype == dtype
    tol = 1e-5 if dtype == torch.float32 else 1e-12
    torch.testing.assert_close(got, torch.cos(m * theta), atol=tol, rtol=0)


def test_cos_m_theta_known_polynomials():
    c = np.linspace(-1, 1, 101)
    np.testing.assert_allclose(margins.cos_m_theta(c, 2), 2 * c**2 - 1, atol=1e-14)
    np.testing.assert_allclose(margins.cos_m_theta(c, 3), 4 * c**3 - 3 * c, atol=1e-14)
    np.testing.assert_allclose(margins.cos_m_theta(c, 4), 8 * c**4 - 8 * c**2 + 1, atol=1e-14)
    np.testing.assert_allclose(margins.cos_m_theta(c, 5), 16 * c**5 - 20 * c**3 + 5 * c, atol=1e-13)


@pytest.mark.parametrize("m", M_VALUES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_psi_matches_definition(m, dtype):
    expected = torch.tensor([psi_reference(t, m) for t in THETA], dtype=torch.float64)
    theta = torch.tensor(THETA, dtype=dtype)
    tol = 1e-5 if dtype == torch.float32 else 1e-10
    torch.testing.assert_close(margins.psi(theta, m).double(), expected, atol=tol, rtol=0)
    # ψ from cos θ (the form the loss uses) agrees with ψ from θ, away from the float32 rounding of θ.
    torch.testing.assert_close(margins.psi_from_cos(torch.cos(theta), m).double(), expected, atol=50 * tol, rtol=0)


@pytest.mark.parametrize("m", M_VALUES)
def test_psi_continuous_decreasing_and_ranged(m):
    values = margins.psi(THETA, m)
    steps = np.diff(values)
    assert (steps <= 1e-12).all(), "psi must be non-increasing on [0, pi]"
    assert np.abs(steps).max() < 0.02, "psi must be continuous (no jumps between sectors)"
    assert values[0] == pytest.approx(1.0)
    assert values[-1] == pytest.approx(1 - 2 * m)
    first_sector = THETA <= math.pi / m
    np.testing.assert_allclose(values[first_sector], np.cos(m * THETA[first_sector]), atol=1e-12)


@pytest.mark.parametrize("m", [2, 3, 4])
def test_psi_has_zero_slope_at_sector_edges(m):
    theta = torch.tensor([k * math.pi / m for k in range(1, m)], dtype=torch.float64, requires_grad=True)
    c = torch.cos(theta)
    (grad,) = torch.autograd.grad(margins.psi_from_cos(c, m).sum(), theta)
    torch.testing.assert_close(grad, torch.zeros_like(grad), atol=1e-6, rtol=0)


def test_m_equal_one_is_cosine():
    np.testing.assert_allclose(margins.psi(THETA, 1), np.cos(THETA), atol=1e-14)


def test_numpy_and_torch_agree_and_keep_types():
    c = np.linspace(-1, 1, 11)
    out_np = margins.psi_from_cos(c, 4)
    out_t = margins.psi_from_cos(torch.tensor(c), 4)
    assert isinstance(out_np, np.ndarray) and isinstance(out_t, torch.Tensor)
    np.testing.assert_allclose(out_np, out_t.numpy())


def test_psi_at_cos_plus_minus_one_has_finite_gradient():
    c = torch.tensor([-1.0, 1.0], requires_grad=True)
    out = margins.psi_from_cos(c, 4)
    out.sum().backward()
    assert torch.isfinite(out).all() and torch.isfinite(c.grad).all()
    assert out.tolist() == [-7.0, 1.0]


def test_angular_margin_fractions():
    for m, fraction in zip([1, 2, 3, 4], [0, 1 / 3, 1 / 2, 3 / 5]):
        assert margins.angular_margin(m, 1.0) == pytest.approx(fraction)
    # 10 uniformly spaced classes in 2D: θ12 = 36° gives 12°, 18°, 21.6° (PAPER.md).
    assert [float(margins.angular_margin(m, 36.0)) for m in (2, 3, 4)] == pytest.approx([12, 18, 21.6])


@pytest.mark.parametrize("m", [1, 2, 3, 4, 6])
def test_boundary_angles_solve_table1(m):
    theta12 = 74.5  # degrees
    b1, b2 = margins.boundary_angles(m, theta12)
    rad = math.radians
    # class-1 boundary: cos(mθ1) = cos θ2 with θ2 = θ12 − θ1
    assert math.cos(m * rad(b1)) == pytest.approx(math.cos(rad(theta12 - b1)))
    # class-2 boundary: cos θ1 = cos(mθ2)
    assert math.cos(rad(b2)) == pytest.approx(math.cos(m * rad(theta12 - b2)))
    assert b2 - b1 == pytest.approx(float(margins.angular_margin(m, theta12)))


def test_theta12_is_in_degrees_and_radians_are_refused():
    for fn in (lambda t: margins.angular_margin(4, t), lambda t: margins.boundary_angles(4, t),
               lambda t: margins.effective_margin(4, 5.0, t)):
        with pytest.raises(ValueError, match=r"theta12_deg=0.628319 looks like radians; pass degrees in \(0, 180\]"):
            fn(math.pi / 5)
        with pytest.raises(ValueError, match=r"theta12_deg .* must lie in \(0, 180\] degrees, got 200"):
            fn(200.0)
    assert margins.check_theta12_deg(36) == 36.0 and isinstance(margins.check_theta12_deg(36), float)
    assert margins.check_theta12_deg(1.0) == 1.0  # 1° is the smallest θ12 taken
    # arrays and tensors are checked element by element and keep their type
    np.testing.assert_allclose(margins.angular_margin(3, np.array([10.0, 180.0])), [5.0, 90.0])
    torch.testing.assert_close(margins.angular_margin(3, torch.tensor([10.0, 180.0])), torch.tensor([5.0, 90.0]))
    with pytest.raises(ValueError, match="looks like radians"):
        margins.angular_margin(3, np.array([36.0, 0.5]))
    for bad in (float("nan"), 0, -10):
        with pytest.raises(ValueError, match=r"must lie in \(0, 180\] degrees"):
            margins.check_theta12_deg(bad)
    for bad in ("36", True, None):
        with pytest.raises(ValueError, match="must be a number of degrees"):
            margins.check_theta12_deg(bad)
    with pytest.raises(ValueError, match="my_angle=0.5 looks like radians"):
        margins.check_theta12_deg(0.5, name="my_angle")


def test_softmax_boundary_contains_its_points():
    w1, w2 = np.array([1.0, 0.5]), np.array([-0.3, 1.2])
    normal, offset = margins.softmax_boundary(w1, w2, 0.4, -0.1)
    # a point on the line scores equally under both classes
    x = -offset * normal / normal.dot(normal)
    assert w1 @ x + 0.4 == pytest.approx(w2 @ x - 0.1)


def test_lambda_schedule_official_values():
    schedule = margins.LambdaSchedule()
    assert schedule(0) == 1000.0
    assert schedule(1) == pytest.approx(892.857, abs=1e-3)
    assert schedule(1658) > 5.0
    assert schedule(1659) == 5.0
    assert schedule.first_step_at_min() == 1659
    assert schedule(10**6) == 5.0


def test_lambda_schedule_is_pure():
    schedule = margins.LambdaSchedule()
    assert [schedule(7) for _ in range(3)] == [schedule(7)] * 3


@pytest.mark.parametrize("bad", [0, -1, 2.5, "4", None, True])
def test_bad_m_is_refused(bad):
    with pytest.raises(ValueError, match="m must be a positive integer"):
        margins.psi_from_cos(np.array([0.5]), bad)


def test_bad_inputs_say_what_is_allowed():
    with pytest.raises(ValueError, match=r"theta_rad must lie in \[0, pi\] radians"):
        margins.psi(np.array([-0.1]), 2)
    with pytest.raises(ValueError, match=r"theta_rad must lie in \[0, pi\].*look like degrees"):
        margins.psi(np.array([90.0]), 2)
    with pytest.raises(ValueError, match="step must be an integer >= 0"):
        margins.LambdaSchedule()(-1)
    with pytest.raises(ValueError, match="gamma must be a finite number >= 0"):
        margins.LambdaSchedule(gamma=-0.1)
    with pytest.raises(ValueError, match="lam .* must be a finite number >= 0"):
        margins.annealed_target(np.array([0.5]), 4, lam=-1)


def test_annealed_target_blends_cos_and_psi():
    c = np.linspace(-1, 1, 21)
    np.testing.assert_allclose(margins.annealed_target(c, 4, 0.0), margins.psi_from_cos(c, 4))
    blended = margins.annealed_target(c, 4, 5.0)
    np.testing.assert_allclose(blended, (5 * c + margins.psi_from_cos(c, 4)) / 6)
    np.testing.assert_allclose(margins.annealed_target(c, 4, 1e9), c, atol=1e-8)


@pytest.mark.parametrize("theta12, expected", [(36.0, 1.84), (90.0, 1.62)])
def test_effective_margin_of_m4_with_lambda_5_is_what_the_readme_says(theta12, expected):
    """An independent reference: ψ written from the paper piece by piece, the boundary found on a fine grid."""
    m, lam = 4, 5.0
    t12 = math.radians(theta12)
    theta1 = np.linspace(0, t12 / 2, 2_000_001)
    k = np.minimum(np.floor(theta1 * m / math.pi), m - 1)
    psi = (-1.0) ** k * np.cos(m * theta1) - 2 * k
    gap = (lam * np.cos(theta1) + psi) / (1 + lam) - np.cos(t12 - theta1)
    boundary = theta1[np.argmin(np.abs(gap))]
    reference = t12 / boundary - 1
    assert reference == pytest.approx(expected, abs=0.005)
    assert round(margins.effective_margin(m, lam, theta12).m_eff, 2) == expected


@pytest.mark.parametrize("theta12", [36.0, 90.0, 120.0])
@pytest.mark.parametrize("m", [1, 2, 3, 4])
def test_lambda_zero_gives_the_nominal_margin(m, theta12):
    r = margins.effective_margin(m, 0.0, theta12)
    assert r.theta1 == pytest.approx(theta12 / (m + 1), abs=1e-6)
    assert r.m_eff == pytest.approx(m, abs=1e-5)
    assert r.margin == pytest.approx((m - 1) / (m + 1) * theta12, abs=1e-5)


def test_the_root_solves_the_boundary_equation():
    r = margins.effective_margin(4, 5.0, 36.0)
    t1, t12 = math.radians(r.theta1), math.radians(36.0)
    assert float(margins.annealed_target(math.cos(t1), 4, 5.0)) == pytest.approx(
        math.cos(t12 - t1), abs=1e-8
    )


def test_annealing_shrinks_the_margin():
    m_eff = [margins.effective_margin(4, lam, 36.0).m_eff for lam in (0, 0.5, 1, 5, 50, 1000)]
    assert all(a > b for a, b in zip(m_eff, m_eff[1:]))
    assert m_eff[-1] == pytest.approx(1.0, abs=0.01)
    # sphereface issue #11: with λ = 5, m = 4 acts like a much smaller m (≈ 1.5–2)
    assert 1.4 < margins.effective_margin(4, 5.0, 36.0).m_eff < 2.0
    assert 1.4 < margins.effective_margin(4, 5.0, 90.0).m_eff < 2.0
    assert margins.effective_margin(1, 5.0, 36.0).m_eff == pytest.approx(1.0, abs=1e-6)


def test_effective_margin_refuses_bad_input():
    with pytest.raises(ValueError, match="looks like radians"):
        margins.effective_margin(4, 5.0, math.pi / 5)
    with pytest.raises(ValueError, match=r"lam .* >= 0"):
        margins.effective_margin(4, -1.0)
    with pytest.raises(ValueError, match=r"theta12_deg .* must lie in \(0, 180\]"):
        margins.effective_margin(4, 5.0, 0.0)
    with pytest.raises(ValueError, match="m must be a positive integer"):
        margins.effective_margin(0, 5.0)
