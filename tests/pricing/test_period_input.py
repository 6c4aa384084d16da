"""How pricing reads an OCPI ChargingPeriod (``PeriodInput.from_ocpi``)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sim.pricing import PeriodInput, parse_tariff, price_session

START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def period(*dimensions: tuple[str, str]) -> PeriodInput:
    return PeriodInput.from_ocpi(
        {
            "start_date_time": "2026-03-02T10:00:00Z",
            "dimensions": [{"type": t, "volume": Decimal(v)} for t, v in dimensions],
        },
        START,
    )


def test_volumes_and_observations_are_read_per_dimension() -> None:
    read = period(("ENERGY", "11"), ("TIME", "1"), ("MIN_CURRENT", "16"), ("MAX_CURRENT", "32"))
    assert (read.energy, read.time, read.parking, read.reservation) == (Decimal(11), Decimal(1), 0, 0)
    assert read.current_a == Decimal(24)  # the middle of the reported range
    assert read.power_kw == Decimal(11)  # no power reported: the period's average


def test_reported_zero_power_is_zero_not_unknown() -> None:
    throttled = period(("ENERGY", "0.5"), ("TIME", "1"), ("MIN_POWER", "0"), ("MAX_POWER", "0"))
    assert throttled.power_kw == Decimal(0)
    tariff = parse_tariff(
        {"id": "T", "currency": "EUR", "elements": [
            {"price_components": [{"type": "TIME", "price": 1, "step_size": 1}], "restrictions": {"max_power": 4}},
            {"price_components": [{"type": "TIME", "price": 9, "step_size": 1}]},
        ]}
    )  # fmt: skip
    result = price_session([tariff], [throttled], session_start=START, session_end=None, time_zone="UTC")
    assert result.totals.cost.excl == Decimal(1)  # the below-4-kW element applies at 0 kW


def test_flat_dimensions_of_211_periods_are_ignored() -> None:
    read = period(("FLAT", "1"), ("TIME", "0.5"))
    assert (read.energy, read.time) == (Decimal(0), Decimal("0.5"))
