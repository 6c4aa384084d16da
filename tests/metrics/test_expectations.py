"""Expectations: thresholds that pass, fail, compare equal, and unknown metric names with suggestions."""

from __future__ import annotations

from typing import Any

from sim.metrics import evaluate
from sim.scenario.schema import Expectation

from .builders import Rig, attempted, started

SUMMARY = {"sessions_started": 12, "cdrs_delivered_ratio": 1.0, "error_ratio": 0.05, "refused.blocked": 0}


def _expect(**fields: Any) -> Expectation:
    return Expectation.model_validate(fields)


def test_thresholds_pass_and_fail() -> None:
    results = evaluate(
        [
            _expect(metric="sessions_started", **{">=": 10}),
            _expect(metric="error_ratio", **{"<=": 0.01}),
            _expect(metric="cdrs_delivered_ratio", **{"==": 1}),
            _expect(metric="refused.blocked", **{"==": 0}),
        ],
        SUMMARY,
    )

    assert [(r.metric, r.operator, r.threshold, r.actual, r.passed) for r in results] == [
        ("sessions_started", ">=", 10.0, 12.0, True),
        ("error_ratio", "<=", 0.01, 0.05, False),
        ("cdrs_delivered_ratio", "==", 1.0, 1.0, True),
        ("refused.blocked", "==", 0.0, 0.0, True),
    ]
    assert results[0].message == "sessions_started = 12, expected >= 10: ok"
    assert results[1].message == "error_ratio = 0.05, expected <= 0.01: FAILED"


def test_a_range_gives_one_result_per_bound() -> None:
    results = evaluate([_expect(metric="sessions_started", **{">=": 5, "<=": 11})], SUMMARY)

    assert [(r.operator, r.passed) for r in results] == [(">=", True), ("<=", False)]


def test_an_unknown_metric_fails_and_names_close_matches() -> None:
    (result,) = evaluate([_expect(metric="sessions_startd", **{">=": 1})], SUMMARY)

    assert (result.passed, result.actual) == (False, None)
    assert (
        result.message == "unknown metric 'sessions_startd' (not in this run's summary); did you mean sessions_started?"
    )
    (far,) = evaluate([_expect(metric="zzz", **{">=": 1})], SUMMARY)
    assert far.message == "unknown metric 'zzz' (not in this run's summary)"


def test_an_expectation_without_threshold_fails() -> None:
    (result,) = evaluate([_expect(metric="sessions_started")], SUMMARY)

    assert not result.passed
    assert "no threshold" in result.message


def test_metrics_evaluates_against_its_own_summary() -> None:
    rig = Rig()
    rig.play((1, attempted(1)), (2, started(2, "S1")))

    results = rig.metrics.evaluate(
        [
            _expect(metric="sessions_start_ratio", **{">=": 1.0}),
            _expect(metric="refused.no_roaming_agreement", **{"<=": 0}),  # present though nothing was refused
            _expect(metric="cdrs_delivered_ratio", **{">=": 1.0}),  # no CDR at all: 0, so it fails
        ]
    )
    assert [r.passed for r in results] == [True, True, False]
