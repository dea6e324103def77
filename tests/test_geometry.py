"""Table 1 and Fig. 3 geometry against independent references: the defining equations, written out slowly."""

import math

import numpy as np
import pytest

from spheredemo.geometry import (
    BOUNDARY_LOSSES,
    VIEW_LIMIT,
    binary_boundaries,
    bounds_text,
    class_weights,
    direction,
    plane_region_labels,
    region_labels,
    sphere_grid,
    sphere_region_labels,
)


def polar_deg(xy):
    xy = np.atleast_2d(xy)
    return np.degrees(np.arctan2(xy[:, 1], xy[:, 0]))


def psi_reference(theta: float, m: int) -> float:
    """ψ of paper Eq. 6 written out slowly (θ in radians): find the sector k, then (−1)^k cos(mθ) − 2k."""
    for k in range(m):
        if k * math.pi / m <= theta <= (k + 1) * math.pi / m:
            return (-1) ** k * math.cos(m * theta) - 2 * k
    raise AssertionError("theta outside [0, pi]")


def angle_between(a, b) -> float:
    """The angle in radians between two vectors, by acos of the normalised dot product."""
    cos = sum(x * y for x, y in zip(a, b)) / (math.hypot(*a) * math.hypot(*b))
    return math.acos(max(-1.0, min(1.0, cos)))


def label_reference(point, w1, w2, loss, m=4, b1=0.0, b2=0.0, d=0.3) -> int:
    """One point's label from the constraints as the paper states them (Table 1, Fig. 3), in plain Python."""
    point, w1, w2 = (list(map(float, v)) for v in (point, w1, w2))
    if loss == "softmax":
        f1 = sum(p * w for p, w in zip(point, w1)) + b1
        f2 = sum(p * w for p, w in zip(point, w2)) + b2
        return 1 if f1 > f2 else 2 if f2 > f1 else 0
    if loss == "euclidean":
        d1, d2 = math.dist(point, w1), math.dist(point, w2)
        return 1 if d1 + d < d2 else 2 if d2 + d < d1 else 0
    if math.hypot(*point) == 0:
        return 0
    t1, t2 = angle_between(point, w1), angle_between(point, w2)
    m = 1 if loss == "modified" else m
    if psi_reference(t1, m) > math.cos(t2):
        return 1
    return 2 if psi_reference(t2, m) > math.cos(t1) else 0


@pytest.mark.parametrize("theta12", [20.0, 36.0, 90.0, 150.0, 180.0])
@pytest.mark.parametrize("m", [1, 2, 3, 4, 6])
def test_asoftmax_boundaries_and_margin(theta12, m):
    b = binary_boundaries(theta12, m, "asoftmax")
    assert np.linalg.norm(b.w1) == pytest.approx(1) and np.linalg.norm(b.w2) == pytest.approx(1)
    assert math.degrees(math.acos(np.clip(b.w1 @ b.w2, -1, 1))) == pytest.approx(theta12)
    phi1 = polar_deg(b.w1)[0]
    assert polar_deg(b.boundary1[1])[0] - phi1 == pytest.approx(theta12 / (m + 1))
    assert polar_deg(b.boundary2[1])[0] - phi1 == pytest.approx(m * theta12 / (m + 1))
    assert b.margin == pytest.approx((m - 1) / (m + 1) * theta12)
    if m == 1:
        assert len(b.wedge) == 0
    else:
        arc = b.wedge[1:]  # the wedge is the origin, then an arc of the unit circle
        np.testing.assert_allclose(b.wedge[0], [0, 0])
        np.testing.assert_allclose(np.linalg.norm(arc, axis=1), 1.0)
        angles = polar_deg(arc)
        assert angles.max() - angles.min() == pytest.approx(b.margin)
        assert f"{b.margin:.1f}°" in b.margin_text


@pytest.mark.parametrize("theta12", [20.0, 90.0, 150.0])
@pytest.mark.parametrize("m", [2, 3, 4])
def test_asoftmax_rays_solve_the_boundary_equations(theta12, m):
    """Table 1: class 1's boundary is ψ(θ1) = cos θ2, class 2's is cos θ1 = ψ(θ2), for points on each ray."""
    b = binary_boundaries(theta12, m, "asoftmax")
    for ray, (own, other) in ((b.boundary1, (b.w1, b.w2)), (b.boundary2, (b.w2, b.w1))):
        t_own, t_other = angle_between(ray[1], own), angle_between(ray[1], other)
        assert psi_reference(t_own, m) == pytest.approx(math.cos(t_other), abs=1e-9)


@pytest.mark.parametrize("theta12", [20.0, 60.0, 90.0, 180.0])
@pytest.mark.parametrize("m", [2, 4, 6])
def test_boundary_text_states_where_the_drawn_rays_are(theta12, m):
    b = binary_boundaries(theta12, m, "asoftmax")
    phi1 = polar_deg(b.w1)[0]
    ray1, ray2 = (polar_deg(s[1])[0] - phi1 for s in (b.boundary1, b.boundary2))
    assert b.boundary_text == f"class 1's boundary at {ray1:.1f}° from W1, class 2's at {ray2:.1f}°"


def test_boundary_text_of_each_loss():
    assert binary_boundaries(90, 4).boundary_text == "class 1's boundary at 18.0° from W1, class 2's at 72.0°"
    assert binary_boundaries(90, 1).boundary_text == "one boundary, the bisector, at 45.0° from W1"
    assert binary_boundaries(90, 4, "modified").boundary_text == "one boundary, the bisector, at 45.0° from W1"
    assert binary_boundaries(90, 4, "softmax", b1=0.5).boundary_text == ""


def test_paper_margins_for_ten_classes():
    # PAPER.md: θ12 = 36° gives 12°, 18°, 21.6° for m = 2, 3, 4.
    assert [round(binary_boundaries(36, m).margin, 6) for m in (2, 3, 4)] == [12.0, 18.0, 21.6]


def test_modified_is_the_bisector_and_softmax_bias_shifts_it():
    b = binary_boundaries(60, loss="modified")
    normal = b.w1 - b.w2
    for point in b.boundary1:
        assert normal @ point == pytest.approx(0, abs=1e-12)
    assert b.margin == 0 and len(b.wedge) == 0
    s = binary_boundaries(60, loss="softmax", b1=0.3, b2=-0.1)
    for point in s.boundary1:
        assert normal @ point + 0.4 == pytest.approx(0, abs=1e-12)  # (W1 − W2)·x + b1 − b2 = 0
    # the segment spans the whole view
    assert np.linalg.norm(s.boundary1[1] - s.boundary1[0]) > 2 * math.sqrt(2) * VIEW_LIMIT
    # biases ignored
    assert binary_boundaries(60, loss="modified", b1=0.3).boundary1 == pytest.approx(b.boundary1)


def test_arc_labels_match_the_loss():
    b = binary_boundaries(90, 4, "asoftmax")
    phi1 = 90 - 45
    at = lambda angle: b.arc_labels[np.argmin(np.abs(b.arc_angles - angle))]  # noqa: E731
    assert at(phi1) == 1 and at(phi1 + 90) == 2
    assert at(phi1 + 45) == 0  # the bisector lies inside the margin
    assert at(phi1 + 90 / 5 - 1) == 1 and at(phi1 + 90 / 5 + 1) == 0


def test_winning_arc_is_the_circle_where_that_class_wins():
    b = binary_boundaries(90, 4, "asoftmax")
    for label in (1, 2):
        x, y = b.winning_arc(label)
        wins = b.arc_labels == label
        np.testing.assert_array_equal(~np.isnan(x), wins)
        np.testing.assert_allclose(np.hypot(x[wins], y[wins]), 1.0)
        np.testing.assert_allclose(polar_deg(np.stack([x[wins], y[wins]], -1)) % 360, b.arc_angles[wins] % 360)


def test_class_weights_sit_either_side_of_the_y_axis():
    for theta12 in (10.0, 90.0, 180.0):
        w1, w2 = class_weights(theta12)
        assert polar_deg(w1)[0] == pytest.approx(90 - theta12 / 2)
        assert polar_deg(w2)[0] == pytest.approx(90 + theta12 / 2)
        s1, s2 = class_weights(theta12, dim=3)
        np.testing.assert_allclose(s1, [*w1, 0.0])
        np.testing.assert_allclose(s2, [*w2, 0.0])
    np.testing.assert_allclose(direction([0.0, 90.0, 180.0]), [[1, 0], [0, 1], [-1, 0]], atol=1e-15)


@pytest.mark.parametrize("loss", BOUNDARY_LOSSES)
def test_region_labels_match_the_constraints_point_by_point(loss):
    rng = np.random.default_rng(0)
    points = rng.normal(size=(400, 2))
    w1, w2 = class_weights(70.0)
    got = region_labels(points, w1, w2, loss, m=3, b1=0.4, b2=-0.1, euclidean_margin=0.25)
    want = [label_reference(p, w1, w2, loss, m=3, b1=0.4, b2=-0.1, d=0.25) for p in points]
    np.testing.assert_array_equal(got, want)


def test_region_labels_losses():
    w1, w2 = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    rng = np.random.default_rng(0)
    points = rng.normal(size=(2000, 2))
    x = points / np.linalg.norm(points, axis=1, keepdims=True)
    cos1, cos2 = x @ w1, x @ w2
    modified = region_labels(points, w1, w2, "modified")
    np.testing.assert_array_equal(modified, np.where(cos1 > cos2, 1, 2))
    np.testing.assert_array_equal(region_labels(points, w1, w2, "asoftmax", m=1), modified)
    a4 = region_labels(points, w1, w2, "asoftmax", m=4)
    reference = np.array([psi_reference(math.acos(np.clip(c, -1, 1)), 4) for c in cos1])
    np.testing.assert_array_equal(a4 == 1, reference > cos2)
    # A-Softmax regions are smaller
    assert np.all(modified[a4 == 1] == 1) and np.all(modified[a4 == 2] == 2)
    assert (a4 == 0).sum() > 0
    euclid = region_labels(points, w1, w2, "euclidean", euclidean_margin=0.3)
    d1, d2 = np.linalg.norm(points - w1, axis=1), np.linalg.norm(points - w2, axis=1)
    np.testing.assert_array_equal(euclid == 1, d1 + 0.3 < d2)
    soft = region_labels(points, w1, w2, "softmax", b1=0.5)
    np.testing.assert_array_equal(soft == 1, points @ w1 + 0.5 > points @ w2)
    assert region_labels(np.zeros((1, 2)), w1, w2, "asoftmax")[0] == 0  # the origin has no angle
    # 3D works
    assert region_labels(np.array([[1.0, 0, 0]]), [1.0, 0, 0], [0, 1.0, 0], "asoftmax")[0] == 1


def test_plane_labels_are_region_labels_on_the_view_grid():
    labels = plane_region_labels("asoftmax", 90.0, 4, n=21)
    grid = np.linspace(-VIEW_LIMIT, VIEW_LIMIT, 21)
    w1, w2 = class_weights(90.0)
    assert labels.shape == (21, 21)
    for i, j in [(0, 0), (20, 10), (15, 16), (5, 12), (10, 10)]:  # row i is y, column j is x
        assert labels[i, j] == label_reference((grid[j], grid[i]), w1, w2, "asoftmax", m=4)


def test_sphere_labels_are_region_labels_on_the_sphere_grid():
    points = sphere_grid(12)
    assert points.shape == (12, 24, 3)
    np.testing.assert_allclose(np.linalg.norm(points, axis=-1), 1.0)
    w1, w2 = class_weights(60.0, dim=3)
    for loss in BOUNDARY_LOSSES:
        labels = sphere_region_labels(loss, 60.0, 3, euclidean_margin=0.2, n=12, b1=0.1)
        assert labels.shape == (12, 24)
        # the poles (first and last rows) are equidistant from W1 and W2: ties decided by rounding
        want = [[label_reference(p, w1, w2, loss, m=3, b1=0.1, d=0.2) for p in row] for row in points[1:-1]]
        np.testing.assert_array_equal(labels[1:-1], want)


def test_bad_input_messages():
    with pytest.raises(ValueError, match=r"theta12_deg .* \(0, 180\]"):
        binary_boundaries(0)
    with pytest.raises(ValueError, match=r"theta12_deg=0.628319 looks like radians; pass degrees in \(0, 180\]"):
        binary_boundaries(math.pi / 5)
    with pytest.raises(ValueError, match="looks like radians"):
        class_weights(0.5)
    with pytest.raises(ValueError, match="m must be a positive integer"):
        binary_boundaries(90, 2.5)
    with pytest.raises(ValueError, match="loss must be one of"):
        binary_boundaries(90, 4, "arcface")
    with pytest.raises(ValueError, match="loss must be one of"):
        binary_boundaries(90, 4, "euclidean")  # Fig. 3 only: Table 1 has no Euclidean boundary
    with pytest.raises(ValueError, match="loss must be one of"):
        region_labels(np.zeros((1, 2)), [1, 0], [0, 1], "cosface")
    with pytest.raises(ValueError, match="dim must be 2"):
        class_weights(90, dim=4)


def test_bounds_text():
    assert bounds_text(3).splitlines()[0].startswith("✗") and bounds_text(3).splitlines()[1].startswith("✓")
    assert bounds_text(4).count("✓") == 2
    assert "3.73" in bounds_text(1)
