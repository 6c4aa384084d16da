"""The incremental paths of a running session give exactly what pricing from scratch gives.

A running session prices and builds its periods again at every update: ``SessionPricer`` keeps the
lines and sums of the periods it priced, ``SessionPeriods`` the meter of the segments that can no
longer change.  These tests compare them with ``price_session`` and ``build_periods`` on the whole
session, by ``repr`` (so every Decimal keeps its exponent too).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.pricing import Category, Money, PeriodInput, PricingResult, SessionPricer, price_session
from sim.pricing.engine import _changed
from sim.pricing.metering import Meter
from sim.pricing.periods import SessionPeriods, build_periods, periods_to_inputs
from sim.pricing.result import CostLine
from sim.pricing.tariff import Component, Dimension, PricingTariff, parse_tariff
from sim.pricing.timeline import Phase, Segment, Timeline, TimelineError
from tests.pricing.test_engine_properties import Case, cases

D = Decimal
PROPERTIES = settings(max_examples=60, deadline=None)
START = datetime(2026, 3, 28, 20, 0, tzinfo=UTC)  # the evening before the spring-forward night


def plain_totals(result: PricingResult, periods: list[PeriodInput]) -> tuple[object, ...]:
    """The totals as a sum over every line and period, in order (what the engine once computed)."""
    excl: dict[Category, Decimal] = {}
    incl: dict[Category, Decimal] = {}
    for line in result.lines:
        excl[line.category] = excl.get(line.category, D(0)) + line.cost.excl
        incl[line.category] = incl.get(line.category, D(0)) + line.cost.incl
    ordered = sorted(periods, key=lambda p: p.start)
    return (
        {category: Money(excl[category], incl[category]) for category in excl},
        Money(sum(excl.values(), D(0)), sum(incl.values(), D(0))),
        sum((p.energy for p in ordered), D(0)),
        sum((p.parking for p in ordered), D(0)),
    )


@PROPERTIES
@given(case=cases())
def test_a_pricer_fed_growing_periods_prices_each_prefix_as_from_scratch(case: Case) -> None:
    pricer = SessionPricer([case.tariff], session_start=case.start, time_zone=case.zone)
    for count in range(1, len(case.periods) + 1):
        prefix = case.periods[:count]
        end = prefix[-1].start + timedelta(hours=1)
        kept = pricer.price(prefix, session_end=end)
        fresh = price_session([case.tariff], prefix, session_start=case.start, session_end=end, time_zone=case.zone)
        assert repr(kept) == repr(fresh)
        totals = kept.totals
        assert repr((totals.by_category, totals.cost_before_limits, totals.energy, totals.parking_time)) == repr(
            plain_totals(kept, prefix)
        )


@PROPERTIES
@given(case=cases())
def test_totals_are_the_in_order_sums_of_lines_and_periods(case: Case) -> None:
    result = price_session([case.tariff], case.periods, session_start=case.start, session_end=None, time_zone="UTC")
    totals = result.totals
    assert repr((totals.by_category, totals.cost_before_limits, totals.energy, totals.parking_time)) == repr(
        plain_totals(result, case.periods)
    )
    assert repr(totals.time) == repr(sum((p.time + p.parking for p in case.periods), D(0)))


def test_a_rounded_line_followed_by_more_lines_of_its_category() -> None:
    # PARKING_TIME is rounded on its last paid line; a parking FLAT fee and a free parking line of the
    # same category come after it, so the category is summed again from the rounded line on.
    tariff = parse_tariff(
        {
            "id": "T",
            "currency": "EUR",
            "elements": [
                {"price_components": [{"type": "PARKING_TIME", "price": D("6.00"), "vat": D(21), "step_size": 60}],
                 "restrictions": {"max_duration": 3600}},
                {"price_components": [{"type": "FLAT", "price": D("1.50"), "step_size": 1},
                                      {"type": "PARKING_TIME", "price": D(0), "step_size": 1}],
                 "restrictions": {"min_duration": 3600}},
                {"price_components": [{"type": "ENERGY", "price": D("0.35"), "vat": D(21), "step_size": 1}]},
            ],
        }
    )  # fmt: skip
    periods = [
        PeriodInput(START, energy=D("11.111"), time=D("0.5"), power_kw=D(22)),
        PeriodInput(START + timedelta(minutes=30), parking=D("0.4567")),
        PeriodInput(START + timedelta(minutes=60), parking=D("0.3334")),
    ]
    pricer = SessionPricer([tariff], session_start=START, time_zone="Europe/Amsterdam")
    for count in (1, 2, 3):
        end = START + timedelta(minutes=90)
        kept = pricer.price(periods[:count], session_end=end)
        fresh = price_session(
            [tariff], periods[:count], session_start=START, session_end=end, time_zone="Europe/Amsterdam"
        )
        assert repr(kept) == repr(fresh)
    assert [(line.dimension, line.category) for line in kept.lines] == [
        ("ENERGY", Category.ENERGY),
        ("TIME", Category.TIME),  # free
        ("PARKING_TIME", Category.PARKING),
        ("PARKING_TIME", Category.PARKING),
        ("FLAT", Category.PARKING),
    ]
    assert kept.lines[3].billed_units is not None  # rounded, and not its category's last line
    assert repr(kept.totals.by_category) == repr(plain_totals(kept, periods)[0])


def test_a_changed_line_is_dataclasses_replace() -> None:
    component = Component(Dimension.TIME, D("2.5"), D(21), 60)
    line = CostLine(3, "TIME", D("0.25"), D("0.25"), "T", 1, component, Category.TIME, Money(), (D(900), D(3600)))
    assert _changed(line, cost=Money(D(1), D(2))) == replace(line, cost=Money(D(1), D(2)))
    assert _changed(line, billed=D(1), billed_units=(D(3600), D(3600))) == replace(
        line, billed=D(1), billed_units=(D(3600), D(3600))
    )


def test_a_tariff_lists_the_candidates_of_each_dimension_in_element_order() -> None:
    tariff = parse_tariff(
        {
            "id": "T",
            "currency": "EUR",
            "elements": [
                {"price_components": [{"type": "TIME", "price": D(1)}, {"type": "TIME", "price": D(2)}]},
                {"price_components": [{"type": "ENERGY", "price": D(3)}]},
                {"price_components": [{"type": "TIME", "price": D(4)}, {"type": "FLAT", "price": D(5)}]},
            ],
        }
    )
    assert [(e.index, c.price) for e, c in tariff.pricing[Dimension.TIME]] == [(0, D(1)), (2, D(4))]
    assert [(e.index, c.price) for e, c in tariff.pricing[Dimension.FLAT]] == [(2, D(5))]
    assert tariff.pricing[Dimension.PARKING_TIME] == ()
    assert tariff == replace(tariff)  # the cache is no field: equality and hash as before
    assert hash(tariff) == hash(replace(tariff))


# --- periods of a growing timeline -------------------------------------------------------------------


def rich_tariff() -> PricingTariff:
    """Thresholds of every kind the boundaries look at."""

    def element(kind: str, price: str, **restrictions: Any) -> dict[str, Any]:
        return {"price_components": [{"type": kind, "price": D(price), "step_size": 1}], "restrictions": restrictions}

    return parse_tariff(
        {
            "id": "RICH",
            "currency": "EUR",
            "elements": [
                element("ENERGY", "0.45", start_time="17:00", end_time="21:00", day_of_week=["SATURDAY"]),
                element("ENERGY", "0.30", min_kwh=D(5), max_power=D(20)),
                element("ENERGY", "0.25"),
                element("TIME", "1.20", min_duration=2700, max_duration=7200),
                element("PARKING_TIME", "6.00", start_time="02:30", end_time="03:30"),
                element("PARKING_TIME", "2.00"),
            ],
        }
    )


steps = st.tuples(
    st.sampled_from([Phase.CHARGING, Phase.CHARGING, Phase.PARKING]),
    st.integers(1, 5400).map(lambda ms: timedelta(milliseconds=ms * 997)),
    st.sampled_from([D("0"), D("3.7"), D("11.000"), D("19.999"), D("22"), D("49.5")]),
)


@settings(max_examples=40, deadline=None)
@given(parts=st.lists(steps, min_size=1, max_size=25), every=st.sampled_from([600, 900, 1800]))
def test_session_periods_build_what_build_periods_builds(
    parts: list[tuple[Phase, timedelta, Decimal]], every: int
) -> None:
    tariffs = (rich_tariff(),)
    running = SessionPeriods(session_start=START, time_zone="Europe/Amsterdam", tariffs=tariffs)
    segments: list[Segment] = []
    marks: list[datetime] = []
    at = START
    for phase, length, power in parts:
        segment = Segment(at, at + length, phase, power if phase is Phase.CHARGING else D(0))
        if segments:
            running.close(segments[-1])
        segments.append(segment)
        at = segment.end
        due = START + timedelta(seconds=every * (len(marks) + 1))
        if due <= at:
            marks.append(due)
        timeline = Timeline(START, tuple(segments), "Europe/Amsterdam", tariffs)
        for since in {None, *marks[-2:]}:
            expected = build_periods(timeline, extra_boundaries=marks, all_tariffs=True, since=since)
            built = running.build(segment, extra_boundaries=marks, since=since)
            assert repr(built) == repr(expected)
            assert repr(periods_to_inputs(built)) == repr(
                [PeriodInput.from_ocpi(p.to_wire(), p.start_date_time) for p in expected]
            )


def test_a_meter_plus_a_segment_reads_as_a_meter_of_all_and_leaves_the_first_alone() -> None:
    at = START
    segments = []
    for minutes, power in ((7, "11.04"), (13, "0"), (1, "49.999"), (30, "3.7")):
        segments.append(Segment(at, at + timedelta(minutes=minutes), Phase.CHARGING, D(power)))
        at += timedelta(minutes=minutes)
    first = Meter(segments[:-1])
    grown = first.plus(segments[-1])
    whole = Meter(segments)
    moments = [START + timedelta(seconds=s) for s in range(0, 51 * 60 + 1, 37)]
    assert [grown.wh(m) for m in moments] == [whole.wh(m) for m in moments]
    targets = [D(kws) for kws in (1, 3600, 18000, 40000)]
    assert [grown.reaches(kws) for kws in targets] == [whole.reaches(kws) for kws in targets]
    assert first.segments == segments[:-1]  # left as it was
    assert first.wh(segments[-1].start) == whole.wh(segments[-1].start) == 2121


def test_timeline_order_checks_find_the_first_fault() -> None:
    def segment(start: int, end: int, phase: Phase) -> Segment:
        return Segment(START + timedelta(minutes=start), START + timedelta(minutes=end), phase)

    reserved, parked = Phase.RESERVATION, Phase.PARKING
    reserved_twice = (segment(0, 5, reserved), segment(5, 9, reserved), segment(9, 20, parked))
    assert Timeline(START, reserved_twice, "UTC").end == START + timedelta(minutes=20)
    gap_then_reservation = (segment(0, 5, parked), segment(6, 9, parked), segment(9, 20, reserved))
    with pytest.raises(TimelineError, match="contiguous: one ends 2026-03-28T20:05:00"):
        Timeline(START, gap_then_reservation, "UTC")
    reservation_then_gap = (segment(0, 5, parked), segment(5, 9, reserved), segment(10, 20, parked))
    with pytest.raises(TimelineError, match="reservation after the vehicle was connected at 2026-03-28T20:05:00"):
        Timeline(START, reservation_then_gap, "UTC")
