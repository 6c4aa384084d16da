"""The statistics helpers: nearest-rank percentile, mean, ratio and interval union, with their empty cases."""

from __future__ import annotations

import pytest

from sim.metrics.stats import mean, percentile, ratio, rounded, union_length


def test_p95_is_the_nearest_rank_value() -> None:
    assert percentile(range(1, 21), 95) == 19  # rank ceil(0.95 * 20) = 19
    assert percentile(range(1, 11), 95) == 10  # rank ceil(9.5) = 10
    assert percentile(range(1, 31), 95) == 29  # rank ceil(28.5) = 29: rounds up, never to even
    assert percentile(range(1, 6), 50) == 3  # rank ceil(2.5) = 3
    assert percentile([5.0, 1.0, 3.0], 50) == 3.0  # sorted first
    assert percentile([7.0], 95) == 7.0
    assert percentile(range(1, 101), 100) == 100


def test_statistics_over_nothing_are_zero() -> None:
    assert percentile([], 95) == 0.0
    assert mean([]) == 0.0
    assert ratio(3, 0) == 0.0
    assert union_length([]) == 0.0


def test_a_percentile_outside_its_range_is_an_error() -> None:
    with pytest.raises(ValueError, match="percentile"):
        percentile([1.0], 0)


def test_mean_ratio_and_rounding() -> None:
    assert mean([0.1, 0.2, 0.3]) == pytest.approx(0.2)
    assert ratio(2, 3) == pytest.approx(2 / 3)
    assert rounded(2 / 3) == 0.666667
    assert str(rounded(-1e-12)) == "0.0"


def test_union_counts_overlaps_once() -> None:
    assert union_length([(0, 10), (5, 15), (20, 30), (21, 22), (40, 40)]) == 25
