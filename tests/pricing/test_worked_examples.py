"""The worked tariff examples of SPEC-DIGEST §9.7 (OCPI 2.2.1 mod_tariffs), priced by the engine.

Every example names its tariff file in ``shared/ocpi/examples/2.2.1``, the periods in the scenario's
local time, the session start and end, and the expected figures excl. / incl. VAT, compared as exact
Decimals.  Time volumes are hours built as ``minutes / 60``; billed time is compared in minutes.

Time zones: examples without time-of-day or weekday restrictions (T1–T9, R1–R4, P1, D1) run in UTC;
T10, T11 and S1–S3 state local clock times and run in Europe/Amsterdam (summer time, CEST) on
Monday 2026-06-01 (T10), Saturday 2026-06-06 (T11) and Wednesday 2026-06-10 (S1–S3).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sim.ocpi.wirejson import loads
from sim.pricing import Category, Money, PeriodInput, PricingResult, PricingTariff, parse_tariff, price_session

EXAMPLES = Path(__file__).parents[2].parent / "shared" / "ocpi" / "examples" / "2.2.1"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
D = Decimal


def minutes(count: int | str) -> Decimal:
    """A duration in minutes as the hours volume of a period."""
    return D(count) / 60


def load(name: str) -> PricingTariff:
    return parse_tariff(loads((EXAMPLES / name).read_text(encoding="utf-8")))


def money(excl: str, incl: str) -> Money:
    return Money(D(excl), D(incl))


@dataclass(frozen=True)
class Example:
    """One worked example: tariff, scenario and expected figures."""

    tariff: str
    zone: str
    start: datetime
    end: datetime
    periods: tuple[PeriodInput, ...]
    cost: Money
    categories: dict[Category, Money]
    billed: dict[str, list[Decimal]]
    """Billed volume of each paid line per dimension, in period order: kWh for ENERGY, minutes otherwise."""
    before_limits: Money | None = None
    """The sum of the lines when a min/max price changes the total (None: equal to ``cost``)."""
    has_vat: bool = True
    xfail: dict[str, str] = field(default_factory=dict)
    """Aspect ("cost", "categories", "billed") → reason, where the engine disagrees with the digest."""


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=AMSTERDAM)


def after(start: datetime, count: int | str) -> datetime:
    return start + timedelta(minutes=float(count))


T_UTC = utc(2026, 6, 1, 10)  # a plain start for the examples without time restrictions
T5_START = utc(2019, 3, 1, 10)  # tariff_6 ends 2019-06-30T23:59:59Z
T10_START = local(2026, 6, 1, 9, 30)  # Monday 09:30
T11_START = local(2026, 6, 6, 13, 30)  # Saturday 13:30
S1_START = local(2026, 6, 10, 16, 55)
S2_START = local(2026, 6, 10, 16, 35)
S3_START = local(2026, 6, 10, 19, 40)

EXAMPLES_97: dict[str, Example] = {
    "T1": Example(  # €0.25/kWh, 10 % VAT: 20 kWh
        tariff="tariff_8_simple_025kwh.json",
        zone="UTC",
        start=T_UTC,
        end=after(T_UTC, 120),
        periods=(PeriodInput(start=T_UTC, energy=D(20), time=D(2), power_kw=D(10)),),
        cost=money("5.00", "5.50"),
        categories={Category.ENERGY: money("5.00", "5.50")},
        billed={"ENERGY": [D(20)]},
    ),
    "T2": Example(  # + start fee €0.50, 20 % VAT: 20 kWh
        tariff="tariff_9_025kwh_start.json",
        zone="UTC",
        start=T_UTC,
        end=after(T_UTC, 120),
        periods=(PeriodInput(start=T_UTC, energy=D(20), time=D(2), power_kw=D(10)),),
        cost=money("5.50", "6.10"),
        categories={Category.FIXED: money("0.50", "0.60"), Category.ENERGY: money("5.00", "5.50")},
        billed={"ENERGY": [D(20)], "FLAT": [D(1)]},
    ),
    "T3-20kWh": Example(  # €0.25/kWh + min price 0.50 / 0.55: 20 kWh, the minimum does not apply
        tariff="tariff_12_025kwh_min_price.json",
        zone="UTC",
        start=T_UTC,
        end=after(T_UTC, 120),
        periods=(PeriodInput(start=T_UTC, energy=D(20), time=D(2), power_kw=D(10)),),
        cost=money("5.00", "5.50"),
        categories={Category.ENERGY: money("5.00", "5.50")},
        billed={"ENERGY": [D(20)]},
    ),
    "T3-below-2kWh": Example(  # same tariff, 1.5 kWh (< 2 kWh): 0.375 / 0.4125 raised to the minimum
        tariff="tariff_12_025kwh_min_price.json",
        zone="UTC",
        start=T_UTC,
        end=after(T_UTC, 30),
        periods=(PeriodInput(start=T_UTC, energy=D("1.5"), time=D("0.5"), power_kw=D(3)),),
        cost=money("0.50", "0.55"),
        before_limits=money("0.375", "0.4125"),
        categories={Category.ENERGY: money("0.375", "0.4125")},  # the breakdown is not clamped
        billed={"ENERGY": [D("1.5")]},
    ),
    "T4": Example(  # start 0.50 + €0.25/kWh + parking €2/h step 900: 20 kWh, 40 min parking → 45 billed
        tariff="tariff_10_025kwh_parking_start.json",
        zone="UTC",
        start=T_UTC,
        end=after(T_UTC, 160),
        periods=(
            PeriodInput(start=T_UTC, energy=D(20), time=D(2), power_kw=D(10)),
            PeriodInput(start=after(T_UTC, 120), parking=minutes(40)),
        ),
        cost=money("7.00", "7.90"),
        # The start fee is fixed cost although its element also prices PARKING_TIME (digest §9.6).
        categories={
            Category.FIXED: money("0.50", "0.60"),
            Category.ENERGY: money("5.00", "5.50"),
            Category.PARKING: money("1.50", "1.80"),
        },
        billed={"ENERGY": [D(20)], "PARKING_TIME": [D(45)], "FLAT": [D(1)]},
    ),
    "T5-50kWh": Example(  # start 0.50 + €0.25/kWh, max 10 / 11: 50 kWh → 13.00 / 14.35 capped
        tariff="tariff_6_025kwh_start_max_price.json",
        zone="UTC",
        start=T5_START,
        end=after(T5_START, 300),
        periods=(PeriodInput(start=T5_START, energy=D(50), time=D(5), power_kw=D(10)),),
        cost=money("10.00", "11.00"),
        before_limits=money("13.00", "14.35"),
        categories={Category.FIXED: money("0.50", "0.60"), Category.ENERGY: money("12.50", "13.75")},
        billed={"ENERGY": [D(50)], "FLAT": [D(1)]},
    ),
    "T5-30kWh": Example(  # same tariff, 30 kWh: below the maximum
        tariff="tariff_6_025kwh_start_max_price.json",
        zone="UTC",
        start=T5_START,
        end=after(T5_START, 180),
        periods=(PeriodInput(start=T5_START, energy=D(30), time=D(3), power_kw=D(10)),),
        cost=money("8.00", "8.85"),
        categories={Category.FIXED: money("0.50", "0.60"), Category.ENERGY: money("7.50", "8.25")},
        billed={"ENERGY": [D(30)], "FLAT": [D(1)]},
    ),
    "T6": Example(  # €2/h charging, step 60: 2.5 h
        tariff="tariff_1_simple_2hour.json",
        zone="UTC",
        start=T_UTC,
        end=after(T_UTC, 150),
        periods=(PeriodInput(start=T_UTC, energy=D(25), time=D("2.5"), power_kw=D(10)),),
        cost=money("5.00", "5.50"),
        categories={Category.TIME: money("5.00", "5.50")},
        billed={"TIME": [D(150)]},
    ),
    "T7": Example(  # €3/h step 60 + parking €5/h step 300: 150 min charging + 42 min parking (→ 45)
        tariff="tariff_13_simple_3hour_5parking.json",
        zone="UTC",
        start=T_UTC,
        end=after(T_UTC, 192),
        periods=(
            PeriodInput(start=T_UTC, energy=D(25), time=D("2.5"), power_kw=D(10)),
            PeriodInput(start=after(T_UTC, 150), parking=minutes(42)),
        ),
        cost=money("11.25", "12.75"),
        categories={Category.TIME: money("7.50", "8.25"), Category.PARKING: money("3.75", "4.50")},
        billed={"TIME": [D(150)], "PARKING_TIME": [D(45)]},
    ),
    "T8": Example(  # €1.90/h, VAT 5.2 %, step 300: 2.5 h
        tariff="tariff_2_alt_text.json",
        zone="UTC",
        start=T_UTC,
        end=after(T_UTC, 150),
        periods=(PeriodInput(start=T_UTC, energy=D(25), time=D("2.5"), power_kw=D(10)),),
        # The spec says 5.00 incl. VAT: 4.75 × 1.052 = 4.997, rounded to cents.
        cost=money("4.75", "4.997"),
        categories={Category.TIME: money("4.75", "4.997")},
        billed={"TIME": [D(150)]},
    ),
    "T9": Example(  # start 0.50 + €0.25/kWh step 100 Wh: 20.45 kWh → 20.5 billed
        tariff="tariff_3_alt_url.json",
        zone="UTC",
        start=T_UTC,
        end=after(T_UTC, 120),
        periods=(PeriodInput(start=T_UTC, energy=D("20.45"), time=D(2), power_kw=D("10.225")),),
        # The spec rounds each line to cents: energy 5.13 / 5.64, total 5.63 / 6.24.  Exact: 5.125 / 5.6375.
        cost=money("5.625", "6.2375"),
        categories={Category.FIXED: money("0.50", "0.60"), Category.ENERGY: money("5.125", "5.6375")},
        billed={"ENERGY": [D("20.5")], "FLAT": [D(1)]},
    ),
    "T10": Example(  # complex: Monday 09:30, 165 min at 16 A (≤ 32 A), then 42 min parking (→ 45)
        tariff="tariff_4_complex.json",
        zone="Europe/Amsterdam",
        start=T10_START,
        end=after(T10_START, 207),
        periods=(
            PeriodInput(start=T10_START, energy=D(10), time=D("2.75"), current_a=D(16)),
            PeriodInput(start=after(T10_START, 165), parking=minutes(42)),
        ),
        # FLAT 2.50 / 2.875 + TIME 165 min × €1/h (not rounded: parking follows) 2.75 / 3.30
        # + parking 45 min × €5/h 3.75 / 4.125
        cost=money("9.00", "10.30"),
        categories={
            Category.FIXED: money("2.50", "2.875"),
            Category.TIME: money("2.75", "3.30"),
            Category.PARKING: money("3.75", "4.125"),
        },
        billed={"TIME": [D(165)], "PARKING_TIME": [D(45)], "FLAT": [D(1)]},
    ),
    "T11": Example(  # complex: Saturday 13:30, 114 min at 43 A (≥ 32 A), then 71 min parking (→ 75)
        tariff="tariff_4_complex.json",
        zone="Europe/Amsterdam",
        start=T11_START,
        end=after(T11_START, 185),
        periods=(
            PeriodInput(start=T11_START, energy=D(50), time=D("1.9"), current_a=D(43)),
            PeriodInput(start=after(T11_START, 114), parking=minutes(71)),
        ),
        # Digest's corrected arithmetic (the spec prints 12.28 / 13.861): FLAT 2.50 / 2.875
        # + TIME 1.9 h × €1.25/h 2.375 / 2.85 + parking 75 min × €6/h 7.50 / 8.25.
        cost=money("12.375", "13.975"),
        categories={
            Category.FIXED: money("2.50", "2.875"),
            Category.TIME: money("2.375", "2.85"),
            Category.PARKING: money("7.50", "8.25"),
        },
        billed={"TIME": [D(114)], "PARKING_TIME": [D(75)], "FLAT": [D(1)]},
    ),
    "R1": Example(  # reservation €5/h step 60 + start fee + energy: 15 min reservation, 20 kWh
        tariff="tariff_15_reservation_5_euro_per_hour.json",
        zone="UTC",
        start=T_UTC,
        end=after(T_UTC, 135),
        periods=(
            PeriodInput(start=T_UTC, reservation=minutes(15)),
            PeriodInput(start=after(T_UTC, 15), energy=D(20), time=D(2), power_kw=D(10)),
        ),
        cost=money("6.75", "7.60"),
        categories={
            Category.RESERVATION: money("1.25", "1.50"),
            Category.FIXED: money("0.50", "0.60"),
            Category.ENERGY: money("5.00", "5.50"),
        },
        billed={"RESERVATION_TIME": [D(15)], "ENERGY": [D(20)], "FLAT": [D(1)]},
    ),
    "R2": Example(  # reservation fee €2 + €5/h step 300: 13 min (→ 15) reservation, 20 kWh
        tariff="tariff_16_reservation_2_euro_fee_5_euro_per_hour.json",
        zone="UTC",
        start=T_UTC,
        end=after(T_UTC, 133),
        periods=(
            PeriodInput(start=T_UTC, reservation=minutes(13)),
            PeriodInput(start=after(T_UTC, 13), energy=D(20), time=D(2), power_kw=D(10)),
        ),
        cost=money("8.75", "10.00"),
        categories={
            Category.RESERVATION: money("3.25", "3.90"),  # fee 2.00 / 2.40 + time 1.25 / 1.50
            Category.FIXED: money("0.50", "0.60"),
            Category.ENERGY: money("5.00", "5.50"),
        },
        billed={"RESERVATION_TIME": [D(15)], "ENERGY": [D(20)], "FLAT": [D(1), D(1)]},
    ),
    "R3-charged": Example(  # expiry fee €4, reservation €2/h step 600: 22 min (→ 30), then 20 kWh
        tariff="tariff_17_reservation_with_expire_fee.json",
        zone="UTC",
        start=T_UTC,
        end=after(T_UTC, 142),
        periods=(
            PeriodInput(start=T_UTC, reservation=minutes(22)),
            PeriodInput(start=after(T_UTC, 22), energy=D(20), time=D(2), power_kw=D(10)),
        ),
        cost=money("6.50", "7.30"),
        categories={
            Category.RESERVATION: money("1.00", "1.20"),
            Category.FIXED: money("0.50", "0.60"),
            Category.ENERGY: money("5.00", "5.50"),
        },
        billed={"RESERVATION_TIME": [D(30)], "ENERGY": [D(20)], "FLAT": [D(1)]},
    ),
    "R3-expired": Example(  # same tariff, the reservation expires after 60 min: fee 4.00 + 60 min × €2/h
        tariff="tariff_17_reservation_with_expire_fee.json",
        zone="UTC",
        start=T_UTC,
        end=after(T_UTC, 60),
        periods=(PeriodInput(start=T_UTC, reservation=D(1)),),
        cost=money("6.00", "7.20"),
        categories={Category.RESERVATION: money("6.00", "7.20")},
        billed={"RESERVATION_TIME": [D(60)], "FLAT": [D(1)]},
    ),
    "R4-charged": Example(  # expiry €6/h, reservation €3/h, step 600: 22 min (→ 30), then 20 kWh
        tariff="tariff_18_reservation_with_expire_time.json",
        zone="UTC",
        start=T_UTC,
        end=after(T_UTC, 142),
        periods=(
            PeriodInput(start=T_UTC, reservation=minutes(22)),
            PeriodInput(start=after(T_UTC, 22), energy=D(20), time=D(2), power_kw=D(10)),
        ),
        cost=money("7.00", "7.90"),
        categories={
            Category.RESERVATION: money("1.50", "1.80"),
            Category.FIXED: money("0.50", "0.60"),
            Category.ENERGY: money("5.00", "5.50"),
        },
        billed={"RESERVATION_TIME": [D(30)], "ENERGY": [D(20)], "FLAT": [D(1)]},
    ),
    "R4-expired": Example(  # same tariff, the reservation expires after 90 min: 90 min × €6/h
        tariff="tariff_18_reservation_with_expire_time.json",
        zone="UTC",
        start=T_UTC,
        end=after(T_UTC, 90),
        periods=(PeriodInput(start=T_UTC, reservation=D("1.5")),),
        cost=money("9.00", "10.80"),
        categories={Category.RESERVATION: money("9.00", "10.80")},
        billed={"RESERVATION_TIME": [D(90)]},
    ),
    "P1": Example(  # ENERGY by max_power 16 / 32 / fallback: 1 kWh @ 6 kW, 40 kWh @ 48 kW, 0.5 kWh @ 4 kW
        tariff="tariffrestriction_example_max_power.json",
        zone="UTC",
        start=T_UTC,
        end=after(T_UTC, "67.5"),
        periods=(
            PeriodInput(start=T_UTC, energy=D(1), time=minutes(10), power_kw=D(6)),
            PeriodInput(start=after(T_UTC, 10), energy=D(40), time=minutes(50), power_kw=D(48)),
            PeriodInput(start=after(T_UTC, 60), energy=D("0.5"), time=minutes("7.5"), power_kw=D(4)),
        ),
        # 0.20 + 20.00 + 0.10 excl.; all components 20 % VAT
        cost=money("20.30", "24.36"),
        categories={Category.ENERGY: money("20.30", "24.36")},
        billed={"ENERGY": [D(1), D(40), D("0.5")]},
    ),
    "D1": Example(  # ENERGY free < 30 min, €0.25 < 60 min, €0.40 after: 5 kWh in 30 min, 1.2 kWh in 10 min
        tariff="tariffrestriction_example_max_duration.json",
        zone="UTC",
        start=T_UTC,
        end=after(T_UTC, 40),
        periods=(
            PeriodInput(start=T_UTC, energy=D(5), time=D("0.5"), power_kw=D(10)),
            PeriodInput(start=after(T_UTC, 30), energy=D("1.2"), time=minutes(10), power_kw=D("7.2")),
        ),
        cost=money("0.30", "0.36"),
        categories={Category.ENERGY: money("0.30", "0.36")},
        billed={"ENERGY": [D(5), D("1.2")]},  # the free first line is paid at price 0.00
    ),
    "S1": Example(  # step-size tariff: plug in 16:55, charge 10 min, park 2 min (→ 15 with the parking step)
        tariff="tariff_14_step_size.json",
        zone="Europe/Amsterdam",
        start=S1_START,
        end=after(S1_START, 12),
        periods=(
            PeriodInput(start=S1_START, energy=D(1), time=minutes(5), power_kw=D(12)),
            PeriodInput(start=after(S1_START, 5), energy=D(1), time=minutes(5), power_kw=D(12)),
            PeriodInput(start=after(S1_START, 10), parking=minutes(2)),
        ),
        # 5 min × €1.20/h + 5 min × €2.40/h + 15 min × €1/h = 0.10 + 0.20 + 0.25 (no VAT in this tariff)
        cost=money("0.55", "0.55"),
        categories={Category.TIME: money("0.30", "0.30"), Category.PARKING: money("0.25", "0.25")},
        billed={"TIME": [D(5), D(5)], "PARKING_TIME": [D(15)]},
        has_vat=False,
    ),
    "S2": Example(  # same: 16:35, charge 35 min, no parking → 45 min total, 20 min on the last component
        tariff="tariff_14_step_size.json",
        zone="Europe/Amsterdam",
        start=S2_START,
        end=after(S2_START, 35),
        periods=(
            PeriodInput(start=S2_START, energy=D(5), time=minutes(25), power_kw=D(12)),
            PeriodInput(start=after(S2_START, 25), energy=D(2), time=minutes(10), power_kw=D(12)),
        ),
        # 25 min × €1.20/h + 20 min × €2.40/h = 0.50 + 0.80
        cost=money("1.30", "1.30"),
        categories={Category.TIME: money("1.30", "1.30")},
        billed={"TIME": [D(25), D(20)]},
        has_vat=False,
    ),
    "S3": Example(  # same: 19:40, charge 12 min, park 20 min (parking free after 20:00)
        tariff="tariff_14_step_size.json",
        zone="Europe/Amsterdam",
        start=S3_START,
        end=after(S3_START, 32),
        periods=(
            PeriodInput(start=S3_START, energy=D("2.4"), time=minutes(12), power_kw=D(12)),
            PeriodInput(start=after(S3_START, 12), parking=minutes(8)),
            PeriodInput(start=after(S3_START, 20), parking=minutes(12)),
        ),
        # 12 min × €2.40/h (not rounded) + billable parking 8 min → 15 min × €1/h = 0.48 + 0.25
        cost=money("0.73", "0.73"),
        categories={Category.TIME: money("0.48", "0.48"), Category.PARKING: money("0.25", "0.25")},
        billed={"TIME": [D(12)], "PARKING_TIME": [D(15)]},  # the free 20:00–20:12 parking is not a paid line
        has_vat=False,
    ),
}


def price(example: Example) -> PricingResult:
    return price_session(
        [load(example.tariff)],
        list(example.periods),
        session_start=example.start,
        session_end=example.end,
        time_zone=example.zone,
    )


def cases(aspect: str) -> list[object]:
    return [
        pytest.param(
            example,
            id=name,
            marks=[pytest.mark.xfail(strict=True, reason=example.xfail[aspect])] if aspect in example.xfail else [],
        )
        for name, example in EXAMPLES_97.items()
    ]


@pytest.mark.parametrize("example", cases("cost"))
def test_total_cost_excl_and_incl_vat(example: Example) -> None:
    totals = price(example).totals
    assert totals.cost == example.cost
    assert totals.cost_before_limits == (example.before_limits or example.cost)
    assert totals.has_vat is example.has_vat


@pytest.mark.parametrize("example", cases("categories"))
def test_category_totals(example: Example) -> None:
    totals = price(example).totals
    charged = {category: money for category, money in totals.by_category.items() if money != Money()}
    assert charged == example.categories


@pytest.mark.parametrize("example", cases("billed"))
def test_billed_volumes_after_step_rounding(example: Example) -> None:
    result = price(example)
    billed: dict[str, list[Decimal]] = {}
    for line in result.lines:
        if line.paid:
            unit = D(1) if line.dimension in ("ENERGY", "FLAT") else D(60)
            billed.setdefault(line.dimension, []).append(line.billed * unit)
    assert billed == example.billed
    # Measured volumes are kept as measured, and the totals report them unrounded.
    assert [line.volume for line in result.lines if line.dimension == "ENERGY"] == [
        p.energy for p in example.periods if p.energy
    ]
    assert result.totals.energy == sum((p.energy for p in example.periods), D(0))
    assert result.totals.parking_time == sum((p.parking for p in example.periods), D(0))
    assert result.totals.time == D((example.end - example.start).total_seconds()) / 3600
