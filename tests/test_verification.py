"""The verification protocol against slow explicit references (every threshold tried, every pair compared)."""

import itertools

import numpy as np
import pytest

from spheredemo.verification import accuracy_at, best_threshold, cosine_scores, roc_auc, roc_curve, verify


def brute_best_accuracy(scores, same):
    candidates = [min(scores) - 1] + [(a + b) / 2 for a, b in itertools.combinations(sorted(set(scores)), 2)]
    candidates += [max(scores)]
    return max(np.mean([(s > t) == y for s, y in zip(scores, same)]) for t in candidates)


@pytest.mark.parametrize("seed", range(5))
def test_best_threshold_reaches_the_best_accuracy_of_any_threshold(seed):
    rng = np.random.default_rng(seed)
    same = rng.random(40) < 0.5
    scores = np.round(rng.normal(same * 0.8, 1.0), 1)  # rounding makes ties
    t = best_threshold(scores, same)
    assert accuracy_at(scores, same, t) == pytest.approx(brute_best_accuracy(scores, same))


def test_best_threshold_separates_separable_scores():
    scores, same = np.array([0.1, 0.2, 0.7, 0.9]), np.array([False, False, True, True])
    assert best_threshold(scores, same) == pytest.approx(0.45)
    assert best_threshold(np.array([0.5, 0.5]), np.array([True, True])) < 0.5  # all "same"


def test_each_fold_is_judged_with_the_threshold_of_the_other_folds():
    rng = np.random.default_rng(0)
    fold = np.repeat([1, 2, 3], 100)
    same = np.tile(np.r_[np.ones(50, bool), np.zeros(50, bool)], 3)
    scores = rng.normal(np.where(same, 0.6, 0.2) + 0.1 * fold, 0.2)  # the best threshold moves with the fold
    result = verify(scores, same, fold)
    for k, f in enumerate((1, 2, 3)):
        others = fold != f
        expected_t = best_threshold(scores[others], same[others])
        assert result.thresholds[k] == expected_t
        held = fold == f
        assert result.accuracies[k] == np.mean((scores[held] > expected_t) == same[held])
    assert result.mean == pytest.approx(np.mean(result.accuracies))
    assert result.std == pytest.approx(np.std(result.accuracies, ddof=1))
    assert result.correct().mean() == pytest.approx(result.mean)  # equal-size folds


def test_auc_is_the_chance_that_a_matched_pair_outscores_a_mismatched_one():
    rng = np.random.default_rng(1)
    same = rng.random(60) < 0.4
    scores = np.round(rng.normal(same * 0.5, 1.0), 1)
    pos, neg = scores[same], scores[~same]
    explicit = np.mean([1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg])
    assert roc_auc(scores, same) == pytest.approx(explicit)
    fpr, tpr, _ = roc_curve(scores, same)
    assert (fpr[0], tpr[0], fpr[-1], tpr[-1]) == (0, 0, 1, 1)
    assert np.all(np.diff(fpr) >= 0) and np.all(np.diff(tpr) >= 0)


def test_cosine_scores_match_an_explicit_formula():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(5, 7)), rng.normal(size=(5, 7))
    expected = [x @ y / np.linalg.norm(x) / np.linalg.norm(y) for x, y in zip(a, b)]
    np.testing.assert_allclose(cosine_scores(a, b), expected)
    assert cosine_scores(np.zeros((1, 3)), np.ones((1, 3)))[0] == 0


def test_angles_and_threshold_in_degrees():
    result = verify(np.array([1.0, 0.0, 0.5, -0.5]), np.array([True, False, True, False]), np.array([1, 1, 1, 1]))
    np.testing.assert_allclose(result.angles_deg(), [0, 90, 60, 120])
    # scores sorted: -0.5 (diff), 0 (diff), 0.5 (same), 1 (same): the best split is the midpoint 0.25
    assert result.threshold == pytest.approx(0.25)
    assert result.threshold_deg == pytest.approx(np.degrees(np.arccos(0.25)))  # 75.52°
    np.testing.assert_allclose(result.fold_thresholds_deg(), np.degrees(np.arccos(0.25)))


def test_ties_go_to_the_lowest_threshold_and_auc_needs_both_kinds():
    # splitting after 0.2 or after 0.6 both make one mistake: the lowest threshold wins
    scores, same = np.array([0.2, 0.4, 0.6, 0.8]), np.array([False, True, False, True])
    assert best_threshold(scores, same) == pytest.approx(0.3)
    only_matched = verify(np.array([0.9, 0.8, 0.3]), np.array([True, True, True]), np.array([4, 4, 4]))
    assert np.isnan(only_matched.auc) and "AUC nan" in only_matched.summary()


def test_bad_input_is_refused_with_a_message():
    with pytest.raises(ValueError, match="one length"):
        verify(np.zeros(3), np.zeros(2, bool), np.ones(3))
    with pytest.raises(ValueError, match="finite"):
        verify(np.array([np.nan, 0.1]), np.array([True, False]), np.array([1, 1]))
    with pytest.raises(ValueError, match="both matched and mismatched"):
        roc_curve(np.zeros(3), np.ones(3, bool))


def test_notable_pairs_are_the_extreme_correct_and_wrong_ones():
    from spheredemo.verification import notable_pairs

    # cos scores; threshold chosen on one fold = itself
    scores = np.cos(np.radians([10, 50, 70, 85, 40, 60, 80, 120]))
    same = np.array([True, True, True, True, False, False, False, False])
    result = verify(scores, same, np.ones(8))
    angles, correct = result.angles_deg(), result.correct()
    chosen = notable_pairs(result, n=1)
    right_same = [i for i in range(8) if same[i] and correct[i]]
    assert chosen["hardest_same"].tolist() == [max(right_same, key=lambda i: angles[i])]
    wrong_diff = [i for i in range(8) if not same[i] and not correct[i]]
    assert chosen["worst_different"].tolist() == ([min(wrong_diff, key=lambda i: angles[i])] if wrong_diff else [])
    for key, index in notable_pairs(result, n=3).items():
        assert len(index) <= 3 and all(same[i] == key.endswith("same") for i in index)
