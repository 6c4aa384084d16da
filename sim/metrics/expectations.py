"""Checking a scenario's ``expect:`` thresholds against the summary."""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sim.scenario.schema import Expectation

OPERATORS = (">=", "<=", "==")
EQUAL_TOLERANCE = 1e-9
"""``==`` compares floats with this relative and absolute tolerance (the summary is rounded to 6 decimals)."""


@dataclass(frozen=True)
class ExpectationResult:
    """One threshold of one expectation: ``actual`` is None when the metric does not exist."""

    metric: str
    operator: str
    threshold: float | None
    actual: float | None
    passed: bool
    message: str


def evaluate(expectations: Iterable[Expectation], summary: Mapping[str, float | int]) -> list[ExpectationResult]:
    """One result per threshold given (``>=``, ``<=``, ``==`` in that order), in the expectations' order.

    An unknown metric fails, its message naming the closest known names; an expectation without any
    threshold fails too (it would otherwise pass without checking anything).
    """
    results: list[ExpectationResult] = []
    for expectation in expectations:
        thresholds = [
            (operator, value)
            for operator, value in zip(OPERATORS, (expectation.ge, expectation.le, expectation.eq), strict=True)
            if value is not None
        ]
        metric = expectation.metric
        if not thresholds:
            results.append(ExpectationResult(metric, "", None, None, False, f"{metric}: no threshold (>=, <= or ==)"))
            continue
        actual = summary.get(metric)
        for operator, threshold in thresholds:
            if actual is None:
                results.append(ExpectationResult(metric, operator, threshold, None, False, _unknown(metric, summary)))
                continue
            passed = _holds(float(actual), operator, threshold)
            verdict = "ok" if passed else "FAILED"
            message = f"{metric} = {_number(actual)}, expected {operator} {_number(threshold)}: {verdict}"
            results.append(ExpectationResult(metric, operator, threshold, float(actual), passed, message))
    return results


def _holds(actual: float, operator: str, threshold: float) -> bool:
    if operator == ">=":
        return actual >= threshold
    if operator == "<=":
        return actual <= threshold
    return math.isclose(actual, threshold, rel_tol=EQUAL_TOLERANCE, abs_tol=EQUAL_TOLERANCE)


def _unknown(metric: str, summary: Mapping[str, float | int]) -> str:
    close = difflib.get_close_matches(metric, list(summary), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return f"unknown metric {metric!r} (not in this run's summary){hint}"


def _number(value: float | int) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
