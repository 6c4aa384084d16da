"""Small, exact-where-it-matters statistics for the KPIs: mean, nearest-rank percentile, ratios, intervals.

Every function answers 0 for an empty input or a zero denominator, so a KPI over nothing is 0 — never
NaN, never an exception — and the summary stays a flat dict of numbers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

DIGITS = 6
"""Floats in the summary and the time series are rounded to this many decimals (stable printing)."""


def mean(values: Sequence[float]) -> float:
    """The arithmetic mean (``math.fsum``, so the result does not depend on float drift); 0 when empty."""
    return math.fsum(values) / len(values) if values else 0.0


def percentile(values: Iterable[float], pct: float) -> float:
    """The nearest-rank percentile: the smallest value with at least ``pct`` % of the values ≤ it.

    For ``n`` values sorted ascending that is the value at rank ``ceil(pct / 100 · n)`` (1-based), so it
    is always one of the values (no interpolation): the p95 of 1…20 is 19, of 1…10 is 10.  0 when empty.
    """
    if not 0 < pct <= 100:
        raise ValueError(f"a percentile lies in (0, 100], not {pct}")
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = math.ceil(pct / 100 * len(ordered))
    return float(ordered[max(rank, 1) - 1])


def ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator``, or 0 when the denominator is 0."""
    return numerator / denominator if denominator else 0.0


def rounded(value: float) -> float:
    """``value`` at ``DIGITS`` decimals, with -0.0 folded into 0.0."""
    return round(value, DIGITS) + 0.0


def union_length(intervals: Iterable[tuple[float, float]]) -> float:
    """The total length covered by the ``(start, end)`` intervals, overlaps counted once."""
    total = 0.0
    current_start: float | None = None
    current_end = 0.0
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if current_start is None or start > current_end:
            if current_start is not None:
                total += current_end - current_start
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    if current_start is not None:
        total += current_end - current_start
    return total
