"""Analysis results against slow explicit references on small hand-made embeddings."""

import math

import numpy as np
import pytest

from spheredemo.analysis import Embeddings, angle_stats, angular_fisher_score, closest_pair, pair_angles, unit


def angle_deg(a, b):
    cos = sum(x * y for x, y in zip(a, b)) / (math.hypot(*a) * math.hypot(*b))
    return math.degrees(math.acos(max(-1.0, min(1.0, cos))))


def afs_reference(features, labels):
    """Appendix E written out one feature at a time."""
    mu = [sum(f[d] for f in features) / len(features) for d in range(len(features[0]))]
    s_w = s_b = 0.0
    for c in sorted(set(labels)):
        members = [f for f, label in zip(features, labels) if label == c]
        mu_c = [sum(f[d] for f in members) / len(members) for d in range(len(mu))]
        for f in members:
            s_w += 1 - math.cos(math.radians(angle_deg(f, mu_c)))
        s_b += len(members) * (1 - math.cos(math.radians(angle_deg(mu_c, mu))))
    return s_w / s_b


def random_embeddings(seed=0, n=40, dim=3, classes=4):
    rng = np.random.default_rng(seed)
    weight = rng.normal(size=(classes, dim))
    labels = np.repeat(np.arange(classes), n // classes)
    features = unit(weight)[labels] * 3 + rng.normal(scale=0.8, size=(len(labels), dim))
    cos = unit(features) @ unit(weight).T
    return Embeddings(features, labels, weight, cos.argmax(1))


def test_angular_fisher_score_matches_reference():
    emb = random_embeddings()
    expected = afs_reference(emb.features.tolist(), emb.labels.tolist())
    assert angular_fisher_score(emb.features, emb.labels) == pytest.approx(expected, rel=1e-10)


def test_tighter_classes_have_lower_afs():
    rng = np.random.default_rng(1)
    centers = unit(rng.normal(size=(3, 2)))
    labels = np.repeat(np.arange(3), 50)
    loose = centers[labels] + rng.normal(scale=0.5, size=(150, 2))
    tight = centers[labels] + rng.normal(scale=0.05, size=(150, 2))
    assert angular_fisher_score(tight, labels) < angular_fisher_score(loose, labels)


def test_pair_angles_match_explicit_loops():
    emb = random_embeddings(n=24)
    pairs = pair_angles(emb, (1, 2))
    fa = [f for f, label in zip(emb.features, emb.labels) if label == 1]
    fb = [f for f, label in zip(emb.features, emb.labels) if label == 2]
    positive = [angle_deg(g[i], g[j]) for g in (fa, fb) for i in range(len(g)) for j in range(i + 1, len(g))]
    negative = [angle_deg(a, b) for a in fa for b in fb]
    np.testing.assert_allclose(sorted(pairs.positive), sorted(positive), atol=1e-6)
    np.testing.assert_allclose(sorted(pairs.negative), sorted(negative), atol=1e-6)
    assert pairs.max_positive == pytest.approx(max(positive), abs=1e-6)
    assert pairs.min_negative == pytest.approx(min(negative), abs=1e-6)
    # overlap: the fewest pairs any single threshold puts on the wrong side, found by trying them all
    candidates = [0.0] + positive + negative
    wrong = min(sum(p > t for p in positive) + sum(q <= t for q in negative) for t in candidates)
    assert pairs.overlap_fraction == pytest.approx(wrong / (len(positive) + len(negative)))


def test_one_outlier_pair_barely_moves_the_overlap():
    rng = np.random.default_rng(0)
    positive, negative = rng.uniform(0, 40, 1000), rng.uniform(60, 120, 1000)
    from spheredemo.analysis import PairAngles

    clean = PairAngles((0, 1), positive, negative)
    assert clean.separated and clean.overlap_fraction == 0.0
    assert clean.max_positive < clean.best_threshold < clean.min_negative  # the split between the two
    noisy = PairAngles((0, 1), np.append(positive, 170.0), np.append(negative, 1.0))
    assert not noisy.separated and noisy.max_positive == 170.0 and noisy.min_negative == 1.0
    assert noisy.overlap_fraction == pytest.approx(2 / 2002)


def test_separated_pairs_have_no_overlap():
    features = np.array([[1, 0.01], [1, -0.01], [-1, 0.01], [-1, -0.01]], dtype=float)
    labels = np.array([0, 0, 1, 1])
    emb = Embeddings(features, labels, np.array([[1.0, 0], [-1.0, 0]]), labels)
    pairs = pair_angles(emb, (0, 1))
    assert pairs.separated and pairs.overlap_fraction == 0.0
    edges, pos, neg = pairs.histograms(bins=18)
    assert len(edges) == 19 and pos.sum() * 10 == pytest.approx(1) and neg.sum() * 10 == pytest.approx(1)


def test_angle_stats_and_closest_pair():
    weight = np.array([[1.0, 0.0], [0.0, 1.0], [math.cos(0.2), math.sin(0.2)]])
    features = np.array([[2.0, 0.0], [0.0, 0.5], [math.cos(0.1), math.sin(0.1)]])
    labels = np.array([0, 1, 2])
    emb = Embeddings(features, labels, weight, np.array([0, 1, 0]))
    stats = angle_stats(emb)
    assert stats.accuracy == pytest.approx(2 / 3)
    assert stats.mean_own_angle == pytest.approx(math.degrees(0.1) / 3)
    assert stats.max_own_angle == pytest.approx(math.degrees(0.1))
    assert stats.min_weight_angle == pytest.approx(math.degrees(0.2))
    assert closest_pair(weight) == (0, 2)


def test_pair_angles_bad_classes():
    emb = random_embeddings()
    with pytest.raises(ValueError, match="classes must lie in 0..3"):
        pair_angles(emb, (0, 7))
    with pytest.raises(ValueError, match="must differ"):
        pair_angles(emb, (2, 2))


def test_fisher_score_needs_two_classes():
    with pytest.raises(ValueError, match="at least two classes"):
        angular_fisher_score(np.ones((5, 2)), np.zeros(5))
