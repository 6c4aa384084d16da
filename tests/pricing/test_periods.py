"""The period builder (``sim.pricing.periods``): exact period starts and volumes, then end-to-end prices.

Volumes are checked as exact Decimals at the builder's precision (energy floored to 1 Wh, time to
0.0001 h, both cumulatively).  End-to-end tests price the built periods with ``price_session`` and
compare with the digest's worked examples (SPEC-DIGEST §9.7) at cents, since the spec's figures are
in cents and time volumes are floored to 0.0001 h (e.g. S1 gives 0.54988 → 0.55).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.ocpi.v221.cdrs import ChargingPeriod
from sim.ocpi.wirejson import loads
from sim.pricing import Category, Money, PricingResult, PricingTariff, parse_tariff, price_session
from sim.pricing.periods import build_periods, periods_to_inputs
from sim.pricing.restrictions import PeriodState, restrictions_hold
from sim.pricing.tariff import Restrictions
from sim.pricing.timeline import EventKind, Phase, Segment, TariffChange, Timeline, TimelineError, TimelineEvent

EXAMPLES = Path(__file__).parents[2].parent / "shared" / "ocpi" / "examples" / "2.2.1"
AMS = "Europe/Amsterdam"
AMSTERDAM = ZoneInfo(AMS)
D = Decimal
CENT = Decimal("0.01")


# --- helpers ----------------------------------------------------------------------------------------


def load(name: str) -> PricingTariff:
    return parse_tariff(loads((EXAMPLES / name).read_text(encoding="utf-8")))


def tariff(*elements: dict[str, Any], tariff_id: str = "T", **extra: Any) -> PricingTariff:
    """An inline 2.2.1 tariff (numbers as Decimals)."""
    return parse_tariff({"id": tariff_id, "currency": "EUR", "elements": list(elements), **extra})


def num(text: str) -> Decimal:
    return Decimal(text)


def time_element(price: str, **restrictions: Any) -> dict[str, Any]:
    return {"price_components": [{"type": "TIME", "price": num(price), "step_size": 1}], "restrictions": restrictions}


def energy_element(price: str, **restrictions: Any) -> dict[str, Any]:
    return {"price_components": [{"type": "ENERGY", "price": num(price), "step_size": 1}], "restrictions": restrictions}


def utc(year: int, month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=AMSTERDAM)


Part = tuple[Phase, float, str, str | None]
"""A segment of ``chain``: phase, minutes, power kW, current A (None: not measured)."""


def chain(start: datetime, *parts: Part) -> tuple[Segment, ...]:
    """Contiguous segments from ``start`` (durations in real time, not wall-clock time)."""
    segments = []
    at = start.astimezone(UTC)
    for phase, minutes, power, current in parts:
        end = at + timedelta(minutes=minutes)
        segments.append(Segment(at, end, phase, D(power), None if current is None else D(current)))
        at = end
    return tuple(segments)


def charging(minutes: float, power: str, current: str | None = None) -> Part:
    return (Phase.CHARGING, minutes, power, current)


def parking(minutes: float) -> Part:
    return (Phase.PARKING, minutes, "0", None)


def starts(periods: Sequence[ChargingPeriod]) -> list[datetime]:
    return [p.start_date_time for p in periods]


def volumes(period: ChargingPeriod) -> dict[str, Decimal]:
    return {d.type.value: d.volume for d in period.dimensions}


def price(timeline: Timeline, periods: Sequence[ChargingPeriod] | None = None) -> PricingResult:
    built = build_periods(timeline) if periods is None else periods
    return price_session(
        timeline.tariffs,
        periods_to_inputs(built),
        session_start=timeline.session_start,
        session_end=timeline.end,
        time_zone=timeline.time_zone,
    )


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def assert_time_sums(timeline: Timeline, periods: Sequence[ChargingPeriod]) -> None:
    """TIME + PARKING_TIME never exceed plug-in → end, and fall short by less than 0.0001 h."""
    plug_in = next(s.start for s in timeline.segments if s.phase is not Phase.RESERVATION)
    exact = D((timeline.end - plug_in) // timedelta(microseconds=1)) / D(3_600_000_000)
    total = sum((volumes(p).get("TIME", D(0)) + volumes(p).get("PARKING_TIME", D(0)) for p in periods), D(0))
    assert exact - D("0.0001") < total <= exact


# --- periods ----------------------------------------------------------------------------------------


def test_plain_charge_then_parking_gives_two_periods() -> None:
    simple = load("tariff_13_simple_3hour_5parking.json")  # €3/h charging, €5/h parking
    start = utc(2026, 1, 14, 10)
    timeline = Timeline(start, chain(start, charging(120, "11"), parking(60)), AMS, (simple,))

    periods = build_periods(timeline)

    assert starts(periods) == [start, utc(2026, 1, 14, 12)]
    assert volumes(periods[0]) == {
        "ENERGY": D("22.000"), "TIME": D("2.0000"), "MIN_POWER": D(11), "MAX_POWER": D(11),
    }  # fmt: skip
    assert volumes(periods[1]) == {"PARKING_TIME": D("1.0000")}
    assert [p.tariff_id for p in periods] == ["21", "21"]
    assert [d.type.value for d in periods[0].dimensions] == ["ENERGY", "TIME", "MIN_POWER", "MAX_POWER"]
    assert price(timeline, periods).totals.cost.excl == D(11)  # 2 h × 3 + 1 h × 5
    assert_time_sums(timeline, periods)


@pytest.mark.parametrize(
    ("day", "split_utc"),
    [
        ((2026, 1, 14), utc(2026, 1, 14, 17)),  # CET: 18:00 local = 17:00 UTC
        ((2026, 7, 15), utc(2026, 7, 15, 16)),  # CEST: 18:00 local = 16:00 UTC
    ],
    ids=["winter", "summer"],
)
def test_time_of_day_window_splits_at_local_end_time(day: tuple[int, int, int], split_utc: datetime) -> None:
    day_tariff = tariff(time_element("2.00", start_time="08:00", end_time="18:00"), time_element("1.00"))
    start = local(*day, 17)
    timeline = Timeline(start, chain(start, charging(120, "7.4")), AMS, (day_tariff,))

    periods = build_periods(timeline)

    assert starts(periods) == [start, split_utc]
    assert [volumes(p)["TIME"] for p in periods] == [D("1.0000"), D("1.0000")]
    assert [volumes(p)["ENERGY"] for p in periods] == [D("7.400"), D("7.400")]
    assert price(timeline, periods).totals.cost.excl == D(3)


def test_charge_across_local_midnight_splits_for_day_of_week() -> None:
    weekend = tariff(time_element("3.00", day_of_week=["SATURDAY", "SUNDAY"]), time_element("2.00"))
    start = local(2026, 1, 16, 23)  # Friday 23:00 local = 22:00 UTC
    timeline = Timeline(start, chain(start, charging(120, "11")), AMS, (weekend,))

    periods = build_periods(timeline)

    assert starts(periods) == [utc(2026, 1, 16, 22), utc(2026, 1, 16, 23)]  # Saturday 00:00 local
    assert price(timeline, periods).totals.cost.excl == D(5)  # 1 h × 2 + 1 h × 3


def test_midnight_does_not_split_without_a_calendar_reason() -> None:
    day_tariff = tariff(time_element("2.00", start_time="08:00", end_time="18:00"), time_element("1.00"))
    start = local(2026, 1, 16, 23)
    timeline = Timeline(start, chain(start, charging(120, "11")), AMS, (day_tariff,))

    assert starts(build_periods(timeline)) == [start]


def test_min_kwh_crossed_mid_segment_splits_at_the_next_whole_second() -> None:
    by_energy = tariff(energy_element("0.30", max_kwh=num("5")), energy_element("0.20", min_kwh=num("5")))
    start = utc(2026, 1, 14, 10)
    timeline = Timeline(start, chain(start, charging(60, "11")), AMS, (by_energy,))

    periods = build_periods(timeline)

    # 5 kWh at 11 kW after 5/11 h = 1636.36 s → the period starts at 1637 s (10:27:17).
    assert starts(periods) == [start, utc(2026, 1, 14, 10, 27, 17)]
    # 11 kW × 1637 s = 5001.94 Wh → 5.001 kWh before the second period (≥ 5: min_kwh holds there).
    assert volumes(periods[0])["ENERGY"] == D("5.001")
    assert volumes(periods[1])["ENERGY"] == D("5.999")
    assert [volumes(p)["TIME"] for p in periods] == [D("0.4547"), D("0.5453")]  # 1637 s → 0.4547 h
    result = price(timeline, periods)
    assert [line.element for line in result.lines if line.dimension == "ENERGY"] == [0, 1]
    assert result.totals.cost.excl == D("5.001") * D("0.30") + D("5.999") * D("0.20")


def test_energy_threshold_reached_exactly_on_a_second_and_across_segments() -> None:
    by_energy = tariff(energy_element("0.30", max_kwh=num("5.5")), energy_element("0.20"))
    start = utc(2026, 1, 14, 10)
    exact = Timeline(start, chain(start, charging(60, "11")), AMS, (by_energy,))
    assert starts(build_periods(exact)) == [start, utc(2026, 1, 14, 10, 30)]

    # 2 kWh in the first 10 min (12 kW), then 3.5 kWh more at 7 kW take exactly 30 min.
    tapered = Timeline(start, chain(start, charging(10, "12"), charging(60, "7")), AMS, (by_energy,))
    periods = build_periods(tapered)
    assert starts(periods) == [start, utc(2026, 1, 14, 10, 40)]
    assert [volumes(p)["ENERGY"] for p in periods] == [D("5.500"), D("3.500")]
    assert volumes(periods[0])["MIN_POWER"] == D(7) and volumes(periods[0])["MAX_POWER"] == D(12)


def test_energy_threshold_never_reached_adds_no_period() -> None:
    by_energy = tariff(energy_element("0.30", max_kwh=num("50")), energy_element("0.20"))
    start = utc(2026, 1, 14, 10)
    timeline = Timeline(start, chain(start, charging(60, "11"), parking(30)), AMS, (by_energy,))
    assert starts(build_periods(timeline)) == [start, utc(2026, 1, 14, 11)]


def test_duration_thresholds_split_at_session_durations() -> None:
    durations = load("tariffrestriction_example_max_duration.json")  # free < 30 min, 0.25 < 60 min, 0.40
    start = utc(2026, 1, 14, 10)
    # D1: 5 kWh in the first 30 min, 1.2 kWh in the next 10 min → 0.30.
    d1 = Timeline(start, chain(start, charging(30, "10"), charging(10, "7.2")), AMS, (durations,))
    periods = build_periods(d1)
    assert starts(periods) == [start, utc(2026, 1, 14, 10, 30)]
    assert [volumes(p)["ENERGY"] for p in periods] == [D("5.000"), D("1.200")]
    assert [volumes(p)["TIME"] for p in periods] == [D("0.5000"), D("0.1666")]
    assert price(d1, periods).totals.cost.excl == D("0.30")

    # Constant power across both thresholds: split at 30 and 60 min though no segment edge is there.
    steady = Timeline(start, chain(start, charging(70, "6")), AMS, (durations,))
    periods = build_periods(steady)
    assert starts(periods) == [start, utc(2026, 1, 14, 10, 30), utc(2026, 1, 14, 11)]
    assert [volumes(p)["ENERGY"] for p in periods] == [D("3.000"), D("3.000"), D("1.000")]
    assert price(steady, periods).totals.cost.excl == D("1.15")  # 0 + 3 × 0.25 + 1 × 0.40


def test_durations_count_from_the_session_start() -> None:
    durations = load("tariffrestriction_example_max_duration.json")
    session_start = utc(2026, 1, 14, 9, 50)  # authorised 10 min before the charge starts
    start = utc(2026, 1, 14, 10)
    timeline = Timeline(session_start, chain(start, charging(60, "6")), AMS, (durations,))
    assert starts(build_periods(timeline)) == [start, utc(2026, 1, 14, 10, 20), utc(2026, 1, 14, 10, 50)]


def test_tapering_power_splits_only_where_a_threshold_is_crossed() -> None:
    by_power = tariff(
        energy_element("0.20", max_power=num("4")),
        energy_element("0.30", max_power=num("16")),
        energy_element("0.40"),
    )
    start = utc(2026, 1, 14, 10)
    segments = chain(
        start,
        charging(20, "22"), charging(10, "20"),  # ≥ 16
        charging(30, "11"), charging(20, "9"),  # 4 … 16
        charging(30, "3.7"), charging(10, "3.0"),  # < 4
    )  # fmt: skip
    timeline = Timeline(start, segments, AMS, (by_power,))

    periods = build_periods(timeline)

    assert starts(periods) == [start, utc(2026, 1, 14, 10, 30), utc(2026, 1, 14, 11, 20)]
    assert [(volumes(p)["MIN_POWER"], volumes(p)["MAX_POWER"]) for p in periods] == [
        (D(20), D(22)), (D(9), D(11)), (D("3.0"), D("3.7")),
    ]  # fmt: skip
    # cumulative 10666.67 Wh, 19166.67 Wh, 21516.67 Wh → floored per boundary
    assert [volumes(p)["ENERGY"] for p in periods] == [D("10.666"), D("8.500"), D("2.350")]
    assert [volumes(p)["TIME"] for p in periods] == [D("0.5000"), D("0.8333"), D("0.6667")]
    result = price(timeline, periods)
    assert [line.element for line in result.lines if line.dimension == "ENERGY"] == [2, 1, 0]
    assert result.totals.cost.excl == D("10.666") * D("0.40") + D("8.5") * D("0.30") + D("2.35") * D("0.20")


def test_power_exactly_on_a_threshold_counts_as_at_or_above() -> None:
    by_power = tariff(energy_element("0.30", max_power=num("16")), energy_element("0.40"))
    start = utc(2026, 1, 14, 10)
    segments = chain(start, charging(10, "22"), charging(10, "16"), charging(10, "15"))
    periods = build_periods(Timeline(start, segments, AMS, (by_power,)))
    assert starts(periods) == [start, utc(2026, 1, 14, 10, 20)]


def test_no_power_thresholds_merge_all_charging_segments() -> None:
    flat_rate = tariff(time_element("2.00"))
    start = utc(2026, 1, 14, 10)
    segments = chain(start, charging(10, "22"), charging(10, "11"), charging(10, "0"), parking(5), charging(5, "3"))
    periods = build_periods(Timeline(start, segments, AMS, (flat_rate,)))
    assert starts(periods) == [start, utc(2026, 1, 14, 10, 30), utc(2026, 1, 14, 10, 35)]
    assert volumes(periods[0])["MIN_POWER"] == D(0)
    assert "MIN_CURRENT" not in volumes(periods[0])


def test_current_thresholds_and_reported_currents() -> None:
    complex_tariff = load("tariff_4_complex.json")  # max_current 32 / min_current 32
    start = local(2026, 6, 1, 9, 30)  # Monday
    segments = chain(start, charging(30, "22", "96"), charging(30, "15", "64"), charging(30, "7", "30.5"))
    periods = build_periods(Timeline(start, segments, AMS, (complex_tariff,)))
    assert starts(periods) == [start, start + timedelta(minutes=60)]
    assert (volumes(periods[0])["MIN_CURRENT"], volumes(periods[0])["MAX_CURRENT"]) == (D(64), D(96))
    assert (volumes(periods[1])["MIN_CURRENT"], volumes(periods[1])["MAX_CURRENT"]) == (D("30.5"), D("30.5"))


def test_unknown_current_splits_from_known_current_only_where_current_matters() -> None:
    complex_tariff = load("tariff_4_complex.json")
    start = local(2026, 6, 1, 9, 30)
    segments = chain(start, charging(30, "22", "96"), charging(30, "22"))
    periods = build_periods(Timeline(start, segments, AMS, (complex_tariff,)))
    assert starts(periods) == [start, start + timedelta(minutes=30)]
    assert "MAX_CURRENT" not in volumes(periods[1])

    flat_rate = tariff(time_element("2.00"))
    merged = build_periods(Timeline(start, segments, AMS, (flat_rate,)))
    assert starts(merged) == [start]
    assert "MAX_CURRENT" not in volumes(merged[0])  # not known for the whole period


def test_reservation_then_charging() -> None:
    reservation = load("tariff_16_reservation_2_euro_fee_5_euro_per_hour.json")  # R2
    start = utc(2026, 1, 14, 10)
    timeline = Timeline.from_events(
        [
            TimelineEvent(start, EventKind.RESERVATION_START),
            TimelineEvent(start + timedelta(minutes=13), EventKind.PLUG_IN, D(10)),
            TimelineEvent(start + timedelta(minutes=133), EventKind.UNPLUG),
        ],
        time_zone=AMS,
        tariffs=[reservation],
    )

    periods = build_periods(timeline)

    assert starts(periods) == [start, utc(2026, 1, 14, 10, 13)]
    assert volumes(periods[0]) == {"RESERVATION_TIME": D("0.2166")}  # 13 min
    assert volumes(periods[1])["ENERGY"] == D("20.000")
    assert volumes(periods[1])["TIME"] == D("2.0000")
    result = price(timeline, periods)
    assert result.totals.cost == Money(D("8.75"), D("10.00"))  # 2 + 15 min × 5 + 0.50 + 20 × 0.25
    assert result.totals.category(Category.RESERVATION) == Money(D("3.25"), D("3.90"))


def test_expired_reservation() -> None:
    expiring = load("tariff_17_reservation_with_expire_fee.json")  # R3: expiry fee 4, €2/h step 600
    start = utc(2026, 1, 14, 10)
    timeline = Timeline.from_events(
        [
            TimelineEvent(start, EventKind.RESERVATION_START),
            TimelineEvent(utc(2026, 1, 14, 11), EventKind.RESERVATION_END),
        ],
        time_zone=AMS,
        tariffs=[expiring],
    )
    periods = build_periods(timeline)
    assert [volumes(p) for p in periods] == [{"RESERVATION_TIME": D("1.0000")}]
    assert price(timeline, periods).totals.cost == Money(D("6.00"), D("7.20"))


def test_dst_spring_forward_starts_a_skipped_start_time_at_the_jump() -> None:
    night = tariff(time_element("1.00", start_time="02:30", end_time="06:00"), time_element("2.00"))
    start = local(2026, 3, 29, 0)  # 2026-03-29 02:00 CET → 03:00 CEST (01:00 UTC)
    timeline = Timeline(start, chain(start, charging(240, "11")), AMS, (night,))

    periods = build_periods(timeline)

    assert starts(periods) == [utc(2026, 3, 28, 23), utc(2026, 3, 29, 1)]
    assert [volumes(p)["TIME"] for p in periods] == [D("2.0000"), D("2.0000")]
    assert price(timeline, periods).totals.cost.excl == D(6)  # 2 h × 2 + 2 h × 1


def test_dst_fall_back_repeats_a_start_time() -> None:
    night = tariff(time_element("1.00", start_time="02:30", end_time="06:00"), time_element("2.00"))
    start = local(2026, 10, 25, 0)  # 2026-10-25 03:00 CEST → 02:00 CET (01:00 UTC)
    timeline = Timeline(start, chain(start, charging(300, "11")), AMS, (night,))

    periods = build_periods(timeline)

    # 02:30 CEST (00:30Z) opens, the fall back to 02:00 CET (01:00Z) closes, 02:30 CET (01:30Z) reopens.
    assert starts(periods) == [utc(2026, 10, 24, 22), utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1),
                               utc(2026, 10, 25, 1, 30)]  # fmt: skip
    assert [volumes(p)["TIME"] for p in periods] == [D("2.5000"), D("0.5000"), D("0.5000"), D("1.5000")]
    assert price(timeline, periods).totals.cost.excl == D(8)


def test_dst_day_midnight_and_day_of_week_in_another_zone() -> None:
    # America/Santiago springs forward at local midnight: 2026-09-06 00:00 does not exist (→ 01:00).
    sunday = tariff(time_element("3.00", day_of_week=["SUNDAY"]), time_element("2.00"))
    zone = ZoneInfo("America/Santiago")
    start = datetime(2026, 9, 5, 23, tzinfo=zone)  # Saturday 23:00 -04:00 = 03:00 UTC
    timeline = Timeline(start, chain(start, charging(120, "11")), "America/Santiago", (sunday,))
    periods = build_periods(timeline)
    assert starts(periods) == [utc(2026, 9, 6, 3), utc(2026, 9, 6, 4)]  # Sunday starts at the jump
    assert periods[1].start_date_time.astimezone(zone).hour == 1


def test_tariff_change_by_schedule_and_by_validity() -> None:
    regular = tariff(time_element("2.00"), tariff_id="REG", type="REGULAR")
    fast = tariff(time_element("3.00"), tariff_id="FAST", type="PROFILE_FAST")
    start = utc(2026, 1, 14, 10)
    scheduled = Timeline(
        start, chain(start, charging(120, "11")), AMS, (regular, fast),
        tariff_changes=(TariffChange(start, "REG"), TariffChange(utc(2026, 1, 14, 11), "fast")),
    )  # fmt: skip
    periods = build_periods(scheduled)
    assert starts(periods) == [start, utc(2026, 1, 14, 11)]
    assert [p.tariff_id for p in periods] == ["REG", "FAST"]
    assert price(scheduled, periods).totals.cost.excl == D(5)

    old = tariff(time_element("2.00"), tariff_id="OLD", end_date_time="2026-01-14T10:45:00Z")
    new = tariff(time_element("4.00"), tariff_id="NEW", start_date_time="2026-01-14T10:45:00Z")
    by_validity = Timeline(start, chain(start, charging(60, "11")), AMS, (old, new))
    periods = build_periods(by_validity)
    assert starts(periods) == [start, utc(2026, 1, 14, 10, 45)]
    assert [p.tariff_id for p in periods] == ["OLD", "NEW"]
    assert price(by_validity, periods).totals.cost.excl == D("2.50")


def test_no_tariff_still_builds_phase_periods() -> None:
    start = utc(2026, 1, 14, 10)
    periods = build_periods(Timeline(start, chain(start, charging(30, "11"), parking(30)), AMS))
    assert starts(periods) == [start, utc(2026, 1, 14, 10, 30)]
    assert all(p.tariff_id is None for p in periods)


# --- events and validation --------------------------------------------------------------------------


def test_from_events_builds_sample_and_hold_segments() -> None:
    start = utc(2026, 1, 14, 10)
    at = [start + timedelta(minutes=m) for m in range(0, 100, 10)]
    timeline = Timeline.from_events(
        [
            TimelineEvent(at[0], EventKind.PLUG_IN),
            TimelineEvent(at[1], EventKind.POWER, D(11), D(48)),
            TimelineEvent(at[2], EventKind.POWER, D(11), D(48)),  # unchanged: extends the segment
            TimelineEvent(at[3], EventKind.POWER, D("3.7"), D(16)),
            TimelineEvent(at[4], EventKind.FULL),
            TimelineEvent(at[5], EventKind.POWER, D(2)),  # the vehicle requests power again
            TimelineEvent(at[6], EventKind.FULL),
            TimelineEvent(at[7], EventKind.UNPLUG),
        ],
        time_zone=AMS,
    )
    assert timeline.session_start == start
    assert [(s.start, s.end, s.phase, s.power_kw, s.current_a) for s in timeline.segments] == [
        (at[0], at[1], Phase.CHARGING, D(0), None),
        (at[1], at[3], Phase.CHARGING, D(11), D(48)),
        (at[3], at[4], Phase.CHARGING, D("3.7"), D(16)),
        (at[4], at[5], Phase.PARKING, D(0), None),
        (at[5], at[6], Phase.CHARGING, D(2), None),
        (at[6], at[7], Phase.PARKING, D(0), None),
    ]


@pytest.mark.parametrize(
    ("kinds", "message"),
    [
        ([EventKind.PLUG_IN], "no end"),
        ([EventKind.POWER, EventKind.UNPLUG], "no vehicle is connected"),
        ([EventKind.PLUG_IN, EventKind.RESERVATION_START, EventKind.UNPLUG], "first event"),
        ([EventKind.PLUG_IN, EventKind.UNPLUG, EventKind.PLUG_IN, EventKind.UNPLUG], "after the timeline ended"),
        ([EventKind.RESERVATION_START, EventKind.RESERVATION_END, EventKind.PLUG_IN, EventKind.UNPLUG], "ended"),
        ([EventKind.PLUG_IN, EventKind.PLUG_IN, EventKind.UNPLUG], "already connected"),
    ],
)
def test_from_events_rejects_inconsistent_event_orders(kinds: list[EventKind], message: str) -> None:
    start = utc(2026, 1, 14, 10)
    events = [TimelineEvent(start + timedelta(minutes=5 * i), kind, D(1)) for i, kind in enumerate(kinds)]
    with pytest.raises(TimelineError, match=message):
        Timeline.from_events(events, time_zone=AMS)


def test_reservation_end_and_plug_in_at_the_same_instant_are_accepted() -> None:
    start = utc(2026, 1, 14, 10)
    timeline = Timeline.from_events(
        [
            TimelineEvent(start, EventKind.RESERVATION_START),
            TimelineEvent(utc(2026, 1, 14, 10, 20), EventKind.RESERVATION_END),
            TimelineEvent(utc(2026, 1, 14, 10, 20), EventKind.PLUG_IN, D(11)),
            TimelineEvent(utc(2026, 1, 14, 11), EventKind.UNPLUG),
        ],
        time_zone=AMS,
    )
    assert [s.phase for s in timeline.segments] == [Phase.RESERVATION, Phase.CHARGING]


def test_timeline_validation() -> None:
    start = utc(2026, 1, 14, 10)
    with pytest.raises(TimelineError, match="contiguous"):
        Timeline(start, (Segment(start, utc(2026, 1, 14, 11), Phase.CHARGING, D(1)),
                         Segment(utc(2026, 1, 14, 12), utc(2026, 1, 14, 13), Phase.PARKING)), AMS)  # fmt: skip
    with pytest.raises(TimelineError, match="reservation after"):
        Timeline(start, chain(start, charging(10, "1"), (Phase.RESERVATION, 10, "0", None)), AMS)
    with pytest.raises(TimelineError, match="draws no power"):
        Segment(start, utc(2026, 1, 14, 11), Phase.PARKING, D(1))
    with pytest.raises(TimelineError, match="negative"):
        Segment(start, utc(2026, 1, 14, 11), Phase.CHARGING, D(-1))
    with pytest.raises(TimelineError, match="aware"):
        Segment(datetime(2026, 1, 14, 10), utc(2026, 1, 14, 11), Phase.CHARGING)
    with pytest.raises(TimelineError, match="time zone"):
        Timeline(start, chain(start, charging(10, "1")), "Mars/Olympus")
    with pytest.raises(TimelineError, match="unknown tariff"):
        Timeline(start, chain(start, charging(10, "1")), AMS, (tariff(time_element("1")),),
                 tariff_changes=(TariffChange(start, "X"),))  # fmt: skip


# --- end to end: the digest's worked examples from built periods -------------------------------------


def _step_size_timeline(start: datetime, charge_minutes: int, park_minutes: int) -> Timeline:
    parts = [charging(charge_minutes, "11")] + ([parking(park_minutes)] if park_minutes else [])
    return Timeline(start, chain(start, *parts), AMS, (load("tariff_14_step_size.json"),))


@pytest.mark.parametrize(
    ("name", "start", "charge", "park", "expected_starts", "cost"),
    [
        # S1: 5 min × 1.20 + 5 min × 2.40 + parking 2 → 15 min × 1.00 = 0.10 + 0.20 + 0.25
        ("S1", local(2026, 1, 14, 16, 55), 10, 2, [(16, 55), (17, 0), (17, 5)], "0.55"),
        # S2: 35 → 45 min with the last TIME step (900 s): 25 min × 1.20 + 20 min × 2.40
        ("S2", local(2026, 1, 14, 16, 35), 35, 0, [(16, 35), (17, 0)], "1.30"),
        # S3: 12 min × 2.40 + 8 paid parking minutes → 15 min × 1.00 (parking free after 20:00)
        ("S3", local(2026, 1, 14, 19, 40), 12, 20, [(19, 40), (19, 52), (20, 0)], "0.73"),
        ("S1 summer", local(2026, 6, 10, 16, 55), 10, 2, [(16, 55), (17, 0), (17, 5)], "0.55"),
    ],
)
def test_step_size_examples_priced_from_built_periods(
    name: str, start: datetime, charge: int, park: int, expected_starts: list[tuple[int, int]], cost: str
) -> None:
    timeline = _step_size_timeline(start, charge, park)
    periods = build_periods(timeline)
    day = start.date()
    assert starts(periods) == [local(day.year, day.month, day.day, h, m) for h, m in expected_starts]
    result = price(timeline, periods)
    assert cents(result.totals.cost.excl) == D(cost)
    assert_time_sums(timeline, periods)


def test_s1_exact_lines() -> None:
    periods = build_periods(_step_size_timeline(local(2026, 1, 14, 16, 55), 10, 2))
    assert [volumes(p).get("TIME", volumes(p).get("PARKING_TIME")) for p in periods] == [
        D("0.0833"), D("0.0833"), D("0.0334"),
    ]  # fmt: skip
    result = price(_step_size_timeline(local(2026, 1, 14, 16, 55), 10, 2), periods)
    timed = [line for line in result.lines if line.dimension in ("TIME", "PARKING_TIME")]
    assert [cents(line.cost.excl) for line in timed] == [D("0.10"), D("0.20"), D("0.25")]


def test_complex_tariff_examples_from_events() -> None:
    complex_tariff = load("tariff_4_complex.json")

    def session(start: datetime, charge: int, park: int, current: str) -> PricingResult:
        timeline = Timeline.from_events(
            [
                TimelineEvent(start, EventKind.PLUG_IN, D(11), D(current)),
                TimelineEvent(start + timedelta(minutes=charge), EventKind.FULL),
                TimelineEvent(start + timedelta(minutes=charge + park), EventKind.UNPLUG),
            ],
            time_zone=AMS,
            tariffs=[complex_tariff],
        )
        assert len(build_periods(timeline)) == 2
        return price(timeline)

    # T10: Monday 09:30, 165 min at 16 A, 42 min parking → 2.50 + 2.75 + 45 min × 5 = 9.00 / 10.30
    assert session(local(2026, 6, 1, 9, 30), 165, 42, "16").totals.cost == Money(D("9.00"), D("10.30"))
    # T11 (digest's corrected figures): Saturday 13:30, 114 min at 43 A, 71 min parking → 75 min × 6
    assert session(local(2026, 6, 6, 13, 30), 114, 71, "43").totals.cost == Money(D("12.375"), D("13.975"))


def test_p1_energy_by_power_end_to_end() -> None:
    by_power = load("tariffrestriction_example_max_power.json")  # 0.20 < 16 kW, 0.35 < 32 kW, 0.50
    start = utc(2026, 1, 14, 10)
    # 1 kWh at 6 kW (10 min), 40 kWh at 48 kW (50 min), 0.5 kWh at 4 kW (7.5 min)
    timeline = Timeline(
        start, chain(start, charging(10, "6"), charging(50, "48"), charging(7.5, "4")), AMS, (by_power,)
    )
    periods = build_periods(timeline)
    assert [volumes(p)["ENERGY"] for p in periods] == [D("1.000"), D("40.000"), D("0.500")]
    assert price(timeline, periods).totals.cost.excl == D("20.30")


# --- invariants ---------------------------------------------------------------------------------------

_THRESHOLD_TARIFF = tariff(
    time_element("1.00", start_time="07:30", end_time="09:15"),
    time_element("1.50", start_time="22:00", end_time="02:45", day_of_week=["MONDAY", "SATURDAY"]),
    time_element("1.75", start_time="02:15", end_time="03:00"),
    energy_element("0.10", min_kwh=num("3.3333"), max_kwh=num("17.5")),
    energy_element("0.20", max_power=num("7.4"), min_current=num("16")),
    time_element("2.00", start_date="2026-03-29", end_date="2026-10-26", min_duration=5000),
    energy_element("0.30"),
)


@st.composite
def timelines(draw: st.DrawFn) -> Timeline:
    zone = draw(st.sampled_from(["Europe/Amsterdam", "America/Santiago", "Australia/Lord_Howe", "UTC"]))
    base = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(
        days=draw(st.sampled_from([0, 86, 87, 93, 94, 200, 247, 248, 275, 276, 296, 297])),
        seconds=draw(st.integers(0, 86_399)),
        microseconds=draw(st.sampled_from([0, 0, 250_000, 999_999])),
    )
    segments = []
    at = base
    for _ in range(draw(st.integers(1, 8))):
        phase = draw(st.sampled_from([Phase.CHARGING, Phase.CHARGING, Phase.PARKING]))
        length = timedelta(seconds=draw(st.integers(1, 5 * 3600)), microseconds=draw(st.integers(0, 999_999)))
        if phase is Phase.CHARGING:
            power = Decimal(draw(st.integers(0, 3500))) / 100
            current = draw(st.none() | st.integers(0, 200).map(Decimal))
            segments.append(Segment(at, at + length, phase, power, current))
        else:
            segments.append(Segment(at, at + length, phase))
        at += length
    if draw(st.booleans()):
        reserved = timedelta(seconds=draw(st.integers(1, 3600)))
        segments.insert(0, Segment(base - reserved, base, Phase.RESERVATION))
    return Timeline(segments[0].start, tuple(segments), zone, (_THRESHOLD_TARIFF,))


def _calendar_state(tariff_: PricingTariff, moment: datetime, zone: ZoneInfo) -> tuple[bool, ...]:
    state = PeriodState(moment.astimezone(zone), D(0), D(0), None, None, False, False)
    return tuple(
        restrictions_hold(
            Restrictions(
                start_time=e.restrictions.start_time, end_time=e.restrictions.end_time,
                end_time_is_midnight=e.restrictions.end_time_is_midnight, start_date=e.restrictions.start_date,
                end_date=e.restrictions.end_date, day_of_week=e.restrictions.day_of_week,
            ),
            state,
        )
        for e in tariff_.elements
    )  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(timelines())
def test_invariants(timeline: Timeline) -> None:
    periods = build_periods(timeline)
    begins = starts(periods)
    assert begins[0] == timeline.start and begins == sorted(set(begins)) and begins[-1] < timeline.end

    # every phase change starts a period, and each period has one phase
    for before, after in zip(timeline.segments, timeline.segments[1:], strict=False):
        if before.phase is not after.phase:
            assert after.start in begins

    # energy sums to the exact energy floored to 1 Wh; time never exceeds plug-in → end
    exact_kws = sum(
        (s.power_kw * D((s.end - s.start) // timedelta(microseconds=1)) / D(1_000_000) for s in timeline.segments),
        D(0),
    )
    energy = sum((volumes(p).get("ENERGY", D(0)) for p in periods), D(0))
    assert energy == D(int(exact_kws * 1000 // D(3600))) / 1000
    if any(s.phase is not Phase.RESERVATION for s in timeline.segments):
        assert_time_sums(timeline, periods)
    assert all(v >= 0 for p in periods for v in volumes(p).values())

    # calendar restrictions are constant inside every period (sampled every 10 minutes and at the edges)
    zone = ZoneInfo(timeline.time_zone)
    ends = [*begins[1:], timeline.end]
    for begin, end in zip(begins, ends, strict=True):
        expected = _calendar_state(_THRESHOLD_TARIFF, begin, zone)
        moment = begin
        while moment < end:
            assert _calendar_state(_THRESHOLD_TARIFF, moment, zone) == expected, (begin, moment)
            moment += timedelta(minutes=10)
        assert _calendar_state(_THRESHOLD_TARIFF, end - timedelta(microseconds=1), zone) == expected

    # the engine accepts the periods
    price(timeline, periods)
