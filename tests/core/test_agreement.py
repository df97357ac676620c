import pytest

from simulator.judge.agreement import agreement, quadratic_kappa


def test_perfect_agreement():
    result = agreement([0, 1, 2, 2], [0, 1, 2, 2], [0, 1, 2])
    assert result.kappa == 1.0 and result.exact == 1.0 and result.macro_f1 == 1.0
    assert result.confusion == [[1, 0, 0], [0, 1, 0], [0, 0, 2]]


def test_kappa_matches_a_hand_computed_value():
    # sklearn.metrics.cohen_kappa_score([0,0,1,1,2,2],[0,1,1,2,2,0], weights="quadratic") == 0.25
    assert quadratic_kappa([[1, 1, 0], [0, 1, 1], [1, 0, 1]]) == pytest.approx(0.25)


def test_unscored_items_are_counted_not_dropped_or_zeroed():
    result = agreement([2, 2, 0], [2, None, 0], [0, 1, 2])
    assert result.n == 2 and result.unscored == 1 and result.exact == 1.0


def test_within_one_and_systematic_overrating():
    result = agreement([0, 0, 1, 1], [1, 1, 2, 2], [0, 1, 2])
    assert result.exact == 0.0 and result.within_one == 1.0
    assert result.kappa < 0.5


def test_undefined_kappa_is_none():
    assert agreement([1, 1], [1, 1], [0, 1, 2]).kappa is None
