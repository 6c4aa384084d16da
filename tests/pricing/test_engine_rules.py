"""Each pricing rule of ``sim.pricing.engine`` (SPEC-DIGEST §8.2 and §9) on small tariffs built in code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sim.ocpi.common import OCPIVersion
from sim.pricing import (
    Category,
    CostLine,
    Money,
    PeriodInput,
    PricingInputError,
    PricingResult,
    PricingTariff,
    TariffError,
    Totals,
    parse_tariff,
    price_session,
)

D = Decimal
AMS = ZoneInfo("Europe/Amsterdam")
V211, V221 = OCPIVersion.V2_1_1, OCPIVersion.V2_2_1


# --- building blocks -------------------------------------------------------------------------------


def component(kind: str, price: str, step: int = 1, vat: str | None = None) -> dict[str, Any]:
    built: dict[str, Any] = {"type": kind, "price": D(price), "step_size": step}
    if vat is not None:
        built["vat"] = D(vat)
    return built


def element(*components: dict[str, Any], **restrictions: Any) -> dict[str, Any]:
    built: dict[str, Any] = {"price_components": list(components)}
    if restrictions:
        built["restrictions"] = restrictions
    return built


def document(*elements: dict[str, Any], tariff_id: str = "T1", **extra: Any) -> dict[str, Any]:
    return {
        "country_code": "NL",
        "party_id": "CPO",
        "id": tariff_id,
        "currency": "EUR",
        "elements": list(elements),
        "last_updated": "2026-01-01T00:00:00Z",
        **extra,
    }


def tariff(
    *elements: dict[str, Any], tariff_id: str = "T1", version: OCPIVersion = V221, **extra: Any
) -> PricingTariff:
    return parse_tariff(document(*elements, tariff_id=tariff_id, **extra), version)


def run(
    tariffs: PricingTariff | list[PricingTariff],
    periods: list[PeriodInput],
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    zone: str = "UTC",
    version: OCPIVersion = V221,
    reservation_expired: bool | None = None,
) -> PricingResult:
    return price_session(
        tariffs if isinstance(tariffs, list) else [tariffs],
        periods,
        session_start=start or min(p.start for p in periods),
        session_end=end,
        time_zone=zone,
        version=version,
        reservation_expired=reservation_expired,
    )


def minutes(count: int) -> Decimal:
    return D(count) / 60


def at(hour: int, minute: int = 0, *, day: int = 10, month: int = 6, zone: Any = UTC) -> datetime:
    """A moment on 2026-06-10 (a Wednesday) unless told otherwise."""
    return datetime(2026, month, day, hour, minute, tzinfo=zone)


def paid(result: PricingResult, dimension: str) -> list[CostLine]:
    return [line for line in result.lines if line.dimension == dimension and line.paid]


# --- element choice per dimension (§9.2) ----------------------------------------------------------------


def test_energy_and_time_come_from_different_elements_in_the_same_period() -> None:
    t = tariff(
        element(component("ENERGY", "0.30"), max_power=D(10)),
        element(component("FLAT", "0.50")),  # a FLAT-only first match does not stop the other dimensions
        element(component("TIME", "2.00")),
        element(component("ENERGY", "0.25"), component("TIME", "1.00")),
    )
    result = run(
        t,
        [
            PeriodInput(start=at(10), energy=D(7), time=D(1), power_kw=D(7)),
            PeriodInput(start=at(11), energy=D(20), time=D(1), power_kw=D(20)),
        ],
    )
    chosen = [(line.period, line.dimension, line.element) for line in result.lines]
    assert chosen == [
        (0, "ENERGY", 0),
        (0, "TIME", 2),
        (0, "FLAT", 1),
        (1, "ENERGY", 3),
        (1, "TIME", 2),
    ]
    assert result.totals.cost == Money(D("0.50") + D("2.10") + D("5.00") + D("4.00"), D("11.60"))


def test_a_dimension_without_a_matching_element_is_free() -> None:
    t = tariff(element(component("ENERGY", "0.25"), start_time="08:00", end_time="09:00"))
    result = run(t, [PeriodInput(start=at(10), energy=D(10), time=D(1))])
    assert [(line.dimension, line.paid, line.cost) for line in result.lines] == [
        ("ENERGY", False, Money()),
        ("TIME", False, Money()),
    ]
    assert result.totals.cost == Money()


# --- restrictions at their bounds (§8.2) ----------------------------------------------------------------


def probe(restrictions: dict[str, Any], period: PeriodInput, *, zone: str = "UTC", **kwargs: Any) -> bool:
    """Whether the restricted element (ENERGY 1.00) prices the period rather than the fallback (0.00)."""
    t = tariff(element(component("ENERGY", "1.00"), **restrictions), element(component("ENERGY", "0.00")))
    result = run(t, [period], zone=zone, **kwargs)
    (line,) = paid(result, "ENERGY")
    return line.element == 0


def energy_at(moment: datetime, *, power_kw: Decimal | None = None, current_a: Decimal | None = None) -> PeriodInput:
    return PeriodInput(start=moment, energy=D(1), time=D("0.1"), power_kw=power_kw, current_a=current_a)


TIME_OF_DAY = [
    # (restrictions, local hour, local minute, day offset, expected)
    ({"start_time": "10:00", "end_time": "12:00"}, 9, 59, 0, False),
    ({"start_time": "10:00", "end_time": "12:00"}, 10, 0, 0, True),  # start_time inclusive
    ({"start_time": "10:00", "end_time": "12:00"}, 11, 59, 0, True),
    ({"start_time": "10:00", "end_time": "12:00"}, 12, 0, 0, False),  # end_time exclusive
    ({"start_time": "22:00", "end_time": "06:00"}, 21, 59, 0, False),  # wraps past midnight
    ({"start_time": "22:00", "end_time": "06:00"}, 22, 0, 0, True),
    ({"start_time": "22:00", "end_time": "06:00"}, 23, 59, 0, True),
    ({"start_time": "22:00", "end_time": "06:00"}, 0, 0, 1, True),
    ({"start_time": "22:00", "end_time": "06:00"}, 5, 59, 1, True),
    ({"start_time": "22:00", "end_time": "06:00"}, 6, 0, 1, False),
    ({"start_time": "20:00", "end_time": "00:00"}, 19, 59, 0, False),  # end_time 00:00 = end of the day
    ({"start_time": "20:00", "end_time": "00:00"}, 20, 0, 0, True),
    ({"start_time": "20:00", "end_time": "00:00"}, 23, 59, 0, True),
    ({"start_time": "20:00", "end_time": "00:00"}, 0, 0, 1, False),
    ({"start_time": "00:00", "end_time": "17:00"}, 0, 0, 0, True),
    ({"start_time": "00:00", "end_time": "17:00"}, 16, 59, 0, True),
    ({"start_time": "00:00", "end_time": "17:00"}, 17, 0, 0, False),
    ({"start_time": "10:00"}, 9, 59, 0, False),
    ({"start_time": "10:00"}, 10, 0, 0, True),
    ({"start_time": "10:00"}, 23, 59, 0, True),
    ({"end_time": "10:00"}, 0, 0, 0, True),
    ({"end_time": "10:00"}, 9, 59, 0, True),
    ({"end_time": "10:00"}, 10, 0, 0, False),
]


@pytest.mark.parametrize(("restrictions", "hour", "minute", "days", "expected"), TIME_OF_DAY)
def test_start_and_end_time(restrictions: dict[str, Any], hour: int, minute: int, days: int, expected: bool) -> None:
    moment = at(hour, minute, zone=AMS) + timedelta(days=days)
    assert probe(restrictions, energy_at(moment), zone="Europe/Amsterdam") is expected


DATES = [
    (datetime(2026, 6, 9, 23, 59, tzinfo=AMS), False),
    (datetime(2026, 6, 10, 0, 0, tzinfo=AMS), True),  # start_date inclusive
    (datetime(2026, 6, 11, 23, 59, tzinfo=AMS), True),
    (datetime(2026, 6, 12, 0, 0, tzinfo=AMS), False),  # end_date exclusive
    (datetime(2026, 6, 9, 22, 30, tzinfo=UTC), True),  # 2026-06-10 00:30 local: the local date counts
    (datetime(2026, 6, 11, 22, 0, tzinfo=UTC), False),  # 2026-06-12 00:00 local
]


@pytest.mark.parametrize(("moment", "expected"), DATES)
def test_start_and_end_date_in_local_time(moment: datetime, expected: bool) -> None:
    restrictions = {"start_date": "2026-06-10", "end_date": "2026-06-12"}
    assert probe(restrictions, energy_at(moment), zone="Europe/Amsterdam") is expected


@pytest.mark.parametrize(
    ("before", "expected"),
    [
        ([D("4.999")], False),
        ([D(5)], True),  # min_kwh inclusive
        ([D("2.5"), D("2.5")], True),  # energy of the whole session so far, over several periods
        ([D("9.999")], True),
        ([D(10)], False),  # max_kwh exclusive
        ([D(6), D(4)], False),
    ],
)
def test_min_and_max_kwh_over_the_session(before: list[Decimal], expected: bool) -> None:
    t = tariff(
        element(component("ENERGY", "1.00"), min_kwh=D(5), max_kwh=D(10)),
        element(component("ENERGY", "0.00")),
    )
    earlier = [PeriodInput(start=at(10, i), energy=kwh, time=minutes(1)) for i, kwh in enumerate(before)]
    result = run(t, [*earlier, PeriodInput(start=at(11), energy=D(1), time=minutes(6))])
    assert (paid(result, "ENERGY")[-1].element == 0) is expected


@pytest.mark.parametrize(
    ("current", "expected"),
    [(D("15.9"), False), (D(16), True), (D("31.9"), True), (D(32), False), (None, False)],
)
def test_min_and_max_current(current: Decimal | None, expected: bool) -> None:
    restrictions = {"min_current": D(16), "max_current": D(32)}
    assert probe(restrictions, energy_at(at(10), current_a=current)) is expected


@pytest.mark.parametrize(
    ("power", "expected"),
    [(D("10.99"), False), (D(11), True), (D("21.99"), True), (D(22), False), (None, False)],
)
def test_min_and_max_power(power: Decimal | None, expected: bool) -> None:
    restrictions = {"min_power": D(11), "max_power": D(22)}
    assert probe(restrictions, energy_at(at(10), power_kw=power)) is expected


@pytest.mark.parametrize(("seconds", "expected"), [(599, False), (600, True), (1199, True), (1200, False)])
def test_min_and_max_duration_since_session_start(seconds: int, expected: bool) -> None:
    restrictions = {"min_duration": 600, "max_duration": 1200}
    moment = at(10) + timedelta(seconds=seconds)
    assert probe(restrictions, energy_at(moment), start=at(10)) is expected


DAYS = [
    (datetime(2026, 6, 5, 23, 59, tzinfo=AMS), False),  # Friday
    (datetime(2026, 6, 6, 0, 0, tzinfo=AMS), True),  # Saturday
    (datetime(2026, 6, 6, 23, 59, tzinfo=AMS), True),
    (datetime(2026, 6, 7, 0, 0, tzinfo=AMS), False),  # Sunday
    (datetime(2026, 6, 5, 22, 30, tzinfo=UTC), True),  # Friday in UTC, Saturday 00:30 local
]


@pytest.mark.parametrize(("moment", "expected"), DAYS)
def test_day_of_week_in_local_time(moment: datetime, expected: bool) -> None:
    assert probe({"day_of_week": ["SATURDAY"]}, energy_at(moment), zone="Europe/Amsterdam") is expected


@pytest.mark.parametrize(("day", "expected"), [(1, True), (2, False)])
def test_restrictions_are_anded(day: int, expected: bool) -> None:
    restrictions = {"start_time": "10:00", "end_time": "12:00", "day_of_week": ["MONDAY"], "max_power": D(50)}
    period = energy_at(datetime(2026, 6, day, 11, tzinfo=UTC), power_kw=D(11))  # 2026-06-01 is a Monday
    assert probe(restrictions, period) is expected


# --- local time across DST changes -------------------------------------------------------------------------

DST = [
    # 2026-03-29: 02:00 CET → 03:00 CEST (01:00 UTC); 2026-10-25: 03:00 CEST → 02:00 CET (01:00 UTC)
    (datetime(2026, 3, 29, 5, 30, tzinfo=UTC), True),  # 07:30 CEST
    (datetime(2026, 3, 29, 7, 30, tzinfo=AMS), True),
    (datetime(2026, 3, 29, 4, 30, tzinfo=UTC), False),  # 06:30 CEST (07:30 if the winter offset were kept)
    (datetime(2026, 3, 29, 7, 0, tzinfo=UTC), False),  # 09:00 CEST
    (datetime(2026, 3, 28, 6, 30, tzinfo=UTC), True),  # the day before: 07:30 CET
    (datetime(2026, 10, 25, 6, 30, tzinfo=UTC), True),  # 07:30 CET
    (datetime(2026, 10, 25, 7, 30, tzinfo=AMS), True),
    (datetime(2026, 10, 25, 5, 30, tzinfo=UTC), False),  # 06:30 CET
    (datetime(2026, 10, 25, 8, 0, tzinfo=UTC), False),  # 09:00 CET
    (datetime(2026, 10, 24, 5, 30, tzinfo=UTC), True),  # the day before: 07:30 CEST
]


@pytest.mark.parametrize(("moment", "expected"), DST)
def test_time_window_follows_local_time_across_dst(moment: datetime, expected: bool) -> None:
    restrictions = {"start_time": "07:00", "end_time": "09:00"}
    assert probe(restrictions, energy_at(moment), zone="Europe/Amsterdam") is expected


# Python compares and subtracts aware datetimes that share one tzinfo by wall clock; the engine must
# work on instants (UTC), or durations, total_time and the period order go wrong around DST changes.


def test_duration_is_elapsed_time_across_dst_in_local_datetimes() -> None:
    # 01:30 CET (00:30 UTC) to 03:30 CEST (01:30 UTC) is one hour.
    start, later = datetime(2026, 3, 29, 1, 30, tzinfo=AMS), datetime(2026, 3, 29, 3, 30, tzinfo=AMS)
    assert probe({"max_duration": 3601}, energy_at(later), zone="Europe/Amsterdam", start=start) is True


def test_total_time_is_elapsed_time_across_dst_in_local_datetimes() -> None:
    start, end = datetime(2026, 10, 25, 1, 30, tzinfo=AMS), datetime(2026, 10, 25, 3, 30, tzinfo=AMS)
    t = tariff(element(component("ENERGY", "0.25")))
    result = run(t, [PeriodInput(start=start, energy=D(10), time=D(3))], start=start, end=end, zone="Europe/Amsterdam")
    assert result.totals.time == D(3)  # 01:30 CEST → 03:30 CET is three hours


def test_periods_in_the_repeated_autumn_hour_are_ordered_by_real_time() -> None:
    # By wall clock 02:15 (fold=1) would sort before 02:45 (fold=0) and take the step extra.
    t = tariff(element(component("ENERGY", "1.00", 1000)))
    first = datetime(2026, 10, 25, 2, 45, tzinfo=AMS)  # CEST, 00:45 UTC
    second = datetime(2026, 10, 25, 2, 15, tzinfo=AMS, fold=1)  # CET, 01:15 UTC
    result = run(
        t, [PeriodInput(start=second, energy=D("0.5")), PeriodInput(start=first, energy=D("0.2"))], start=first
    )
    assert [(line.volume, line.billed) for line in paid(result, "ENERGY")] == [
        (D("0.2"), D("0.2")),
        (D("0.5"), D("0.8")),
    ]


def test_duration_across_dst_with_utc_datetimes() -> None:
    start, later = datetime(2026, 3, 29, 0, 30, tzinfo=UTC), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert probe({"max_duration": 3601}, energy_at(later), zone="Europe/Amsterdam", start=start) is True
    assert probe({"max_duration": 3600}, energy_at(later), zone="Europe/Amsterdam", start=start) is False


# --- FLAT (§9.3) -----------------------------------------------------------------------------------------


def test_flat_is_billed_once_even_when_its_element_matches_every_period() -> None:
    t = tariff(element(component("FLAT", "1.00", vat="20"), component("ENERGY", "0.25", vat="10")))
    periods = [PeriodInput(start=at(10 + i), energy=D(4), time=D(1)) for i in range(3)]
    result = run(t, periods)
    flats = paid(result, "FLAT")
    assert [(line.period, line.billed, line.cost) for line in flats] == [(0, D(1), Money(D("1.00"), D("1.20")))]
    assert result.totals.cost == Money(D("4.00"), D("4.50"))


def test_two_distinct_flats_are_both_billed() -> None:
    t = tariff(
        element(component("FLAT", "1.00"), start_time="18:00", end_time="00:00"),  # evening fee
        element(component("FLAT", "0.50"), component("ENERGY", "0.25")),  # start fee
    )
    periods = [PeriodInput(start=at(17 + i), energy=D(4), time=D(1)) for i in range(3)]
    result = run(t, periods)
    assert [(line.period, line.element, line.cost.excl) for line in paid(result, "FLAT")] == [
        (0, 1, D("0.50")),
        (1, 0, D("1.00")),
    ]
    assert result.totals.category(Category.FIXED) == Money(D("1.50"), D("1.50"))
    assert result.totals.cost.excl == D("4.50")


def test_flat_whose_element_never_matches_is_not_billed() -> None:
    t = tariff(element(component("FLAT", "1.00"), day_of_week=["SUNDAY"]), element(component("ENERGY", "0.25")))
    result = run(t, [PeriodInput(start=at(10), energy=D(4), time=D(1))])  # a Wednesday
    assert paid(result, "FLAT") == []
    assert result.totals.cost.excl == D("1.00")


def test_flat_of_a_plain_element_is_fixed_cost() -> None:
    t = tariff(element(component("FLAT", "0.50", vat="20"), component("ENERGY", "0.25", vat="20")))
    result = run(t, [PeriodInput(start=at(10), energy=D(4), time=D(1))])
    assert result.totals.category(Category.FIXED) == Money(D("0.50"), D("0.60"))
    assert result.totals.cdr_fields(V221)["total_fixed_cost"] == {"excl_vat": D("0.5000"), "incl_vat": D("0.6000")}


def test_flat_of_a_parking_element_is_parking_cost() -> None:
    t = tariff(
        element(component("FLAT", "1.00", vat="20"), component("PARKING_TIME", "2.00", vat="20")),
        element(component("ENERGY", "0.25", vat="20")),
    )
    result = run(t, [PeriodInput(start=at(10), energy=D(4), time=D(1)), PeriodInput(start=at(11), parking=D(1))])
    assert result.totals.category(Category.PARKING) == Money(D("3.00"), D("3.60"))
    assert result.totals.category(Category.FIXED) == Money()
    assert result.totals.cdr_fields(V221)["total_parking_cost"] == {"excl_vat": D("3.0000"), "incl_vat": D("3.6000")}


def test_flat_of_an_element_with_energy_and_parking_is_fixed_cost() -> None:
    # A start fee beside ENERGY and PARKING_TIME prices: parking FLAT = element whose *other* components are
    # all PARKING_TIME (digest §9.6).
    t = tariff(element(component("FLAT", "0.50"), component("ENERGY", "0.25"), component("PARKING_TIME", "2.00")))
    result = run(t, [PeriodInput(start=at(10), energy=D(4), time=D(1)), PeriodInput(start=at(11), parking=D(1))])
    assert result.totals.category(Category.FIXED) == Money(D("0.50"), D("0.50"))
    assert result.totals.category(Category.PARKING) == Money(D("2.00"), D("2.00"))


def test_flat_of_a_reservation_element_is_reservation_cost() -> None:
    t = tariff(
        element(
            component("FLAT", "2.00", vat="20"), component("TIME", "5.00", 60, vat="20"), reservation="RESERVATION"
        ),
        element(component("FLAT", "0.50", vat="20"), component("ENERGY", "0.25", vat="10")),
    )
    result = run(
        t,
        [PeriodInput(start=at(10), reservation=D("0.25")), PeriodInput(start=at(10, 15), energy=D(4), time=D(1))],
    )
    assert result.totals.category(Category.RESERVATION) == Money(D("3.25"), D("3.90"))
    assert result.totals.category(Category.FIXED) == Money(D("0.50"), D("0.60"))
    fields = result.totals.cdr_fields(V221)
    assert fields["total_reservation_cost"] == {"excl_vat": D("3.2500"), "incl_vat": D("3.9000")}


# --- reservations (§9.2) ----------------------------------------------------------------------------------


RESERVATION_TARIFF = [
    element(component("FLAT", "4.00"), reservation="RESERVATION_EXPIRES"),
    element(component("TIME", "6.00", 600), reservation="RESERVATION_EXPIRES"),
    element(component("TIME", "3.00", 600), reservation="RESERVATION"),
    element(component("FLAT", "0.50"), component("ENERGY", "0.25"), component("TIME", "1.00")),
]


def test_reservation_followed_by_charging_uses_reservation_elements_only() -> None:
    t = tariff(*RESERVATION_TARIFF)
    result = run(
        t, [PeriodInput(start=at(10), reservation=D("0.5")), PeriodInput(start=at(10, 30), energy=D(4), time=D(1))]
    )
    assert [(line.dimension, line.element) for line in result.lines if line.paid] == [
        ("RESERVATION_TIME", 2),
        ("ENERGY", 3),
        ("TIME", 3),
        ("FLAT", 3),
    ]
    assert result.totals.category(Category.RESERVATION).excl == D("1.50")


@pytest.mark.parametrize("flag", [None, True])
def test_expired_reservation_uses_the_expiry_elements(flag: bool | None) -> None:
    t = tariff(*RESERVATION_TARIFF)
    result = run(t, [PeriodInput(start=at(10), reservation=D(1))], reservation_expired=flag)
    assert [(line.dimension, line.element) for line in result.lines if line.paid] == [
        ("RESERVATION_TIME", 1),
        ("FLAT", 0),
    ]
    assert result.totals.cost.excl == D("10.00")


def test_reservation_not_marked_expired_uses_the_reservation_price() -> None:
    t = tariff(*RESERVATION_TARIFF)
    result = run(t, [PeriodInput(start=at(10), reservation=D(1))], reservation_expired=False)
    assert [(line.dimension, line.element) for line in result.lines if line.paid] == [("RESERVATION_TIME", 2)]
    assert result.totals.cost.excl == D("3.00")


# --- step_size (§9.4) -----------------------------------------------------------------------------------


def test_energy_is_rounded_once_on_the_total_with_the_last_step_and_the_extra_on_the_last_period() -> None:
    # Digest: 4.3 kWh at €0.20 + 1.1 kWh at €0.27, both step 500 Wh → 5.5 kWh; the extra 0.1 kWh goes to €0.27.
    t = tariff(
        element(component("ENERGY", "0.20", 500), max_kwh=D("4.3")),
        element(component("ENERGY", "0.27", 500)),
    )
    result = run(t, [PeriodInput(start=at(10), energy=D("4.3")), PeriodInput(start=at(11), energy=D("1.1"))])
    assert [line.billed for line in paid(result, "ENERGY")] == [D("4.3"), D("1.2")]
    assert result.totals.cost.excl == D("0.86") + D("0.324")
    assert result.totals.energy == D("5.4")  # measured, not rounded


def test_energy_step_is_that_of_the_last_component_used() -> None:
    t = tariff(
        element(component("ENERGY", "0.20", 100), max_kwh=D("4.3")),
        element(component("ENERGY", "0.27", 1000)),
    )
    result = run(t, [PeriodInput(start=at(10), energy=D("4.3")), PeriodInput(start=at(11), energy=D("1.1"))])
    # 5.4 kWh → 6.0 kWh with the last step (1000 Wh); per-period rounding would have billed 4.3 + 2.0.
    assert [line.billed for line in paid(result, "ENERGY")] == [D("4.3"), D("1.7")]


def test_time_is_rounded_on_the_total_and_the_extra_goes_to_the_last_period() -> None:
    # Digest: 6 min at €5/h + 22 min at €7/h, step 10 min → 30 min; the after-switch part becomes 24 min.
    t = tariff(
        element(component("TIME", "5.00", 600), start_time="10:00", end_time="10:06"),
        element(component("TIME", "7.00", 600)),
    )
    result = run(t, [PeriodInput(start=at(10), time=minutes(6)), PeriodInput(start=at(10, 6), time=minutes(22))])
    assert [line.billed * 60 for line in paid(result, "TIME")] == [D(6), D(24)]
    assert result.totals.cost.excl == D("3.30")


def test_session_ending_in_parking_rounds_parking_only() -> None:
    t = tariff(element(component("TIME", "3.00", 900), component("PARKING_TIME", "6.00", 300)))
    result = run(t, [PeriodInput(start=at(10), time=minutes(10)), PeriodInput(start=at(10, 10), parking=minutes(7))])
    assert [line.billed * 60 for line in paid(result, "TIME")] == [D(10)]  # not 15
    assert [line.billed * 60 for line in paid(result, "PARKING_TIME")] == [D(10)]
    assert result.totals.cost.excl == D("1.50")


def test_session_ending_while_charging_rounds_total_charging_time_only() -> None:
    t = tariff(element(component("TIME", "3.00", 900), component("PARKING_TIME", "6.00", 300)))
    result = run(
        t,
        [
            PeriodInput(start=at(10), time=minutes(12)),
            PeriodInput(start=at(10, 12), parking=minutes(6)),
            PeriodInput(start=at(10, 18), time=minutes(6)),
        ],
    )
    assert [line.billed * 60 for line in paid(result, "TIME")] == [D(12), D(18)]  # 18 → 30 min in total
    assert [line.billed * 60 for line in paid(result, "PARKING_TIME")] == [D(6)]  # not 10
    assert result.totals.cost.excl == D("1.50") + D("0.60")


def test_free_last_time_periods_round_with_the_last_paid_step() -> None:
    # S3 shape: parking is free after 20:00; the 8 paid parking minutes round with the parking step (300 s).
    t = tariff(
        element(
            component("TIME", "2.40", 900), component("PARKING_TIME", "1.00", 300), start_time="17:00", end_time="20:00"
        ),
        element(component("TIME", "2.40", 900), start_time="20:00", end_time="00:00"),
    )
    result = run(
        t,
        [
            PeriodInput(start=at(19, 40), time=minutes(12)),
            PeriodInput(start=at(19, 52), parking=minutes(8)),
            PeriodInput(start=at(20), parking=minutes(12)),
        ],
    )
    assert [(line.period, line.billed * 60) for line in paid(result, "PARKING_TIME")] == [(1, D(10))]
    assert [line.billed * 60 for line in paid(result, "TIME")] == [D(12)]
    assert [line.paid for line in result.lines if line.period == 2] == [False]


def test_free_last_charging_rounds_the_paid_charging_time() -> None:
    t = tariff(element(component("TIME", "1.20", 600), end_time="20:00"))
    result = run(t, [PeriodInput(start=at(19, 53), time=minutes(7)), PeriodInput(start=at(20), time=minutes(10))])
    # 7 paid minutes → 10 (not 17 → 20): the free minutes are not part of the rounding base.
    assert [line.billed * 60 for line in paid(result, "TIME")] == [D(10)]
    assert result.totals.cost.excl == D("0.20")


def test_reservation_time_is_its_own_stream() -> None:
    t = tariff(
        element(component("TIME", "6.00", 300), reservation="RESERVATION"),
        element(component("TIME", "3.00", 900)),
    )
    result = run(
        t, [PeriodInput(start=at(10), reservation=minutes(12)), PeriodInput(start=at(10, 12), time=minutes(12))]
    )
    # Each stream rounds on its own: 12 → 15 and 12 → 15; one stream of 24 min would bill 30 - 12 = 18 for TIME.
    assert [line.billed * 60 for line in paid(result, "RESERVATION_TIME")] == [D(15)]
    assert [line.billed * 60 for line in paid(result, "TIME")] == [D(15)]
    assert result.totals.category(Category.RESERVATION).excl == D("1.50")
    assert result.totals.category(Category.TIME).excl == D("0.75")


def test_rounded_time_line_is_exact_when_the_measured_volume_is_exact() -> None:
    # 12 min (0.2 h) billed as 20 min: adding the 480 s extra in hours (0.1333…) would cost 0.9999…9.
    t = tariff(element(component("TIME", "3.00", 600)))
    result = run(t, [PeriodInput(start=at(10), time=D("0.2"))])
    assert result.totals.cost == Money(D("1.00"), D("1.00"))


# --- VAT (§9.5) -----------------------------------------------------------------------------------------


def test_vat_is_applied_per_component() -> None:
    t = tariff(element(component("FLAT", "1.00", vat="20"), component("ENERGY", "0.25", vat="10")))
    result = run(t, [PeriodInput(start=at(10), energy=D(10), time=D(1))])
    assert [(line.dimension, line.cost) for line in result.lines if line.paid] == [
        ("ENERGY", Money(D("2.50"), D("2.75"))),
        ("FLAT", Money(D("1.00"), D("1.20"))),
    ]
    assert result.totals.cost == Money(D("3.50"), D("3.95"))
    assert result.totals.has_vat is True


def test_without_vat_incl_equals_excl_and_incl_vat_is_omitted() -> None:
    t = tariff(element(component("FLAT", "1.00"), component("ENERGY", "0.25")))
    result = run(t, [PeriodInput(start=at(10), energy=D(10), time=D(1))])
    assert result.totals.cost == Money(D("3.50"), D("3.50"))
    assert result.totals.has_vat is False
    fields = result.totals.cdr_fields(V221)
    assert fields["total_cost"] == {"excl_vat": D("3.5000")}
    assert fields["total_energy_cost"] == {"excl_vat": D("2.5000")}


def test_a_component_without_vat_adds_its_excl_amount_to_incl() -> None:
    t = tariff(element(component("FLAT", "1.00"), component("ENERGY", "0.25", vat="10")))
    result = run(t, [PeriodInput(start=at(10), energy=D(10), time=D(1))])
    assert result.totals.cost == Money(D("3.50"), D("3.75"))
    assert result.totals.has_vat is True


def test_zero_vat_is_vat_information() -> None:
    t = tariff(element(component("ENERGY", "0.25", vat="0")))
    result = run(t, [PeriodInput(start=at(10), energy=D(10), time=D(1))])
    assert result.totals.cost == Money(D("2.50"), D("2.50"))
    assert result.totals.has_vat is True
    assert result.totals.cdr_fields(V221)["total_cost"] == {"excl_vat": D("2.5000"), "incl_vat": D("2.5000")}


# --- min/max price (§9.5) -------------------------------------------------------------------------------


def test_min_price_clamps_excl_only_when_incl_is_above_its_minimum() -> None:
    t = tariff(element(component("ENERGY", "0.25", vat="50")), min_price={"excl_vat": D("1.00"), "incl_vat": D("1.10")})
    result = run(t, [PeriodInput(start=at(10), energy=D(3), time=D(1))])
    assert result.totals.cost_before_limits == Money(D("0.75"), D("1.125"))
    assert result.totals.cost == Money(D("1.00"), D("1.125"))
    assert result.totals.category(Category.ENERGY) == Money(D("0.75"), D("1.125"))  # the breakdown is not clamped


def test_max_price_clamps_incl_only_when_excl_is_below_its_maximum() -> None:
    t = tariff(element(component("ENERGY", "0.30", vat="30")), max_price={"excl_vat": D(10), "incl_vat": D(11)})
    result = run(t, [PeriodInput(start=at(10), energy=D(30), time=D(3))])
    assert result.totals.cost_before_limits == Money(D("9.00"), D("11.70"))
    assert result.totals.cost == Money(D("9.00"), D("11.00"))


def test_min_and_max_price_both_clamp() -> None:
    limits: dict[str, Any] = {
        "min_price": {"excl_vat": D(1), "incl_vat": D("1.20")},
        "max_price": {"excl_vat": D(5), "incl_vat": D(6)},
    }
    t = tariff(element(component("ENERGY", "0.25", vat="20")), **limits)
    low = run(t, [PeriodInput(start=at(10), energy=D(2), time=D(1))])
    high = run(t, [PeriodInput(start=at(10), energy=D(40), time=D(1))])
    assert low.totals.cost == Money(D(1), D("1.20"))
    assert high.totals.cost == Money(D(5), D(6))


def test_limit_without_incl_vat_leaves_incl_unclamped() -> None:
    t = tariff(element(component("ENERGY", "0.25", vat="10")), min_price={"excl_vat": D("1.00")})
    result = run(t, [PeriodInput(start=at(10), energy=D(2), time=D(1))])
    assert result.totals.cost == Money(D("1.00"), D("0.55"))


# --- 2.1.1 ----------------------------------------------------------------------------------------------

LIMITED: dict[str, Any] = {
    "min_price": {"excl_vat": D(10), "incl_vat": D(12)},
    "max_price": {"excl_vat": D(20), "incl_vat": D(24)},
}


def test_211_tariff_ignores_vat_and_limits() -> None:
    t = tariff(
        element(component("FLAT", "0.50", vat="20"), component("ENERGY", "0.25", vat="10")), version=V211, **LIMITED
    )
    assert t.min_price is None and t.max_price is None
    assert all(c.vat is None for e in t.elements for c in e.components)
    result = run(t, [PeriodInput(start=at(10), energy=D(10), time=D(1))], version=V211)
    assert result.totals.cost == Money(D("3.00"), D("3.00"))
    assert result.totals.has_vat is False


def test_211_pricing_ignores_vat_and_limits_of_a_221_tariff() -> None:
    t = tariff(element(component("FLAT", "0.50", vat="20"), component("ENERGY", "0.25", vat="10")), **LIMITED)
    v221 = run(t, [PeriodInput(start=at(10), energy=D(10), time=D(1))])
    v211 = run(t, [PeriodInput(start=at(10), energy=D(10), time=D(1))], version=V211)
    assert v221.totals.cost == Money(D(10), D(12))  # 3.00 / 3.35 raised to the minimum
    assert v211.totals.cost == Money(D("3.00"), D("3.00"))
    assert v211.totals.has_vat is False


def test_211_ignores_current_restrictions() -> None:
    t = tariff(
        element(component("ENERGY", "1.00"), max_current=D(16)), element(component("ENERGY", "0.00")), version=V211
    )
    result = run(t, [PeriodInput(start=at(10), energy=D(1), current_a=D(32))], version=V211)
    assert paid(result, "ENERGY")[0].element == 0


# --- which tariff -------------------------------------------------------------------------------------------


def test_tariff_id_per_period_chooses_the_tariff() -> None:
    cheap = tariff(element(component("ENERGY", "0.25")), tariff_id="CHEAP")
    fast = tariff(element(component("ENERGY", "0.40")), tariff_id="FAST")
    result = run(
        [cheap, fast],
        [
            PeriodInput(start=at(10), energy=D(10), time=D(1), tariff_id="FAST"),
            PeriodInput(start=at(11), energy=D(10), time=D(1), tariff_id="CHEAP"),
        ],
    )
    assert [(line.tariff_id, line.cost.excl) for line in paid(result, "ENERGY")] == [
        ("FAST", D("4.00")),
        ("CHEAP", D("2.50")),
    ]
    assert result.totals.cost.excl == D("6.50")


def test_unknown_tariff_id_is_an_input_error() -> None:
    known = tariff(element(component("ENERGY", "0.25")), tariff_id="KNOWN")
    with pytest.raises(PricingInputError, match=r"names unknown tariff_id 'OTHER' \(tariffs given: KNOWN\)"):
        run(known, [PeriodInput(start=at(10), energy=D(1), tariff_id="OTHER")])


# --- parse_tariff errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (
            document(element(component("ENERGY", "0.25", vat="-5.0"))),
            "elements[0].price_components[0].vat: VAT must not be negative, got -5.0",
        ),
        (document(), "elements: a tariff needs at least one element"),
        ({"id": "T1", "currency": "EUR"}, "elements: a tariff needs at least one element"),
        (
            document(element(component("FLAT", "1.00")), element(component("KWH", "0.25"))),
            "elements[1].price_components[0].type: unknown dimension 'KWH' (known: ENERGY, FLAT, PARKING_TIME, TIME)",
        ),
        (
            document(element(component("TIME", "5.00"), component("ENERGY", "0.25"), reservation="RESERVATION")),
            "elements[0]: a reservation element may only price FLAT and TIME, not ENERGY",
        ),
        (
            document(element(component("ENERGY", "0.25"), start_time="25:00")),
            "elements[0].restrictions.start_time: '25:00' is not a time HH:MM",
        ),
        (
            document(element(component("ENERGY", "0.25"), end_time="7:30")),
            "elements[0].restrictions.end_time: '7:30' is not a time HH:MM",
        ),
        (
            document(element(component("ENERGY", "0.25"), start_time="12:60")),
            "elements[0].restrictions.start_time: '12:60' is not a time HH:MM",
        ),
    ],
    ids=[
        "negative-vat",
        "empty-elements",
        "no-elements",
        "unknown-dimension",
        "reservation-energy",
        "hh-25",
        "h-7",
        "mm-60",
    ],
)
def test_parse_tariff_errors(doc: dict[str, Any], message: str) -> None:
    with pytest.raises(TariffError) as raised:
        parse_tariff(doc)
    assert str(raised.value) == message


def test_parse_tariff_error_names_the_given_path() -> None:
    with pytest.raises(TariffError) as raised:
        parse_tariff(document(), path="tariffs[2]")
    assert str(raised.value) == "tariffs[2].elements: a tariff needs at least one element"


# --- Totals.cdr_fields ----------------------------------------------------------------------------------------


def totals(*, has_vat: bool) -> Totals:
    return Totals(
        cost=Money(D("5.62549"), D("6.00005")),
        cost_before_limits=Money(D("5.62549"), D("6.00005")),
        energy=D("20.45"),
        time=D(7) / 3,
        parking_time=D("0.00004"),
        by_category={
            Category.FIXED: Money(D("0.5"), D("0.6")),
            Category.ENERGY: Money(D("5.12549"), D("5.40005")),
            Category.TIME: Money(),
            Category.PARKING: Money(D(1) / 3, D(1) / 3),
            Category.RESERVATION: Money(D("1.23456789"), D("1.5")),
        },
        has_vat=has_vat,
    )


def test_cdr_fields_221_names_and_four_decimals() -> None:
    fields = totals(has_vat=True).cdr_fields(V221)
    assert fields == {
        "total_cost": {"excl_vat": D("5.6255"), "incl_vat": D("6.0001")},  # half-up at the fourth decimal
        "total_fixed_cost": {"excl_vat": D("0.5000"), "incl_vat": D("0.6000")},
        "total_energy_cost": {"excl_vat": D("5.1255"), "incl_vat": D("5.4001")},
        "total_time_cost": {"excl_vat": D("0.0000"), "incl_vat": D("0.0000")},
        "total_parking_cost": {"excl_vat": D("0.3333"), "incl_vat": D("0.3333")},
        "total_reservation_cost": {"excl_vat": D("1.2346"), "incl_vat": D("1.5000")},
        "total_energy": D("20.4500"),
        "total_time": D("2.3333"),
        "total_parking_time": D("0.0000"),
    }
    exponents = {value.as_tuple().exponent for value in _numbers(fields)}
    assert exponents == {-4}


def test_cdr_fields_221_without_vat_information_omits_incl_vat() -> None:
    fields = totals(has_vat=False).cdr_fields(V221)
    prices = [value for value in fields.values() if isinstance(value, dict)]
    assert len(prices) == 6
    assert all(set(price) == {"excl_vat"} for price in prices)
    assert fields["total_cost"] == {"excl_vat": D("5.6255")}


def test_cdr_fields_221_leave_out_categories_never_charged() -> None:
    t = tariff(element(component("ENERGY", "0.25", vat="10")))
    fields = run(t, [PeriodInput(start=at(10), energy=D(10))], end=at(11)).totals.cdr_fields(V221)
    assert set(fields) == {"total_cost", "total_energy_cost", "total_energy", "total_time", "total_parking_time"}
    assert fields["total_time"] == D("1.0000")


def test_cdr_fields_211_are_plain_numbers_excl_vat() -> None:
    fields = totals(has_vat=True).cdr_fields(V211)
    assert fields == {
        "total_cost": D("5.6255"),
        "total_energy": D("20.4500"),
        "total_time": D("2.3333"),
        "total_parking_time": D("0.0000"),
    }
    assert {value.as_tuple().exponent for value in fields.values()} == {-4}


def _numbers(value: Any) -> list[Decimal]:
    if isinstance(value, dict):
        return [number for item in value.values() for number in _numbers(item)]
    assert isinstance(value, Decimal)
    return [value]
