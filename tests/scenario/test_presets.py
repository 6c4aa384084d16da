"""Tariff presets: valid OCPI 2.2.1 (and 2.1.1 after conversion), priced sensibly by the tariff engine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from sim.ocpi.v211.convert_tariffs import tariff_to_211
from sim.ocpi.v221.tariffs import Tariff
from sim.pricing import PeriodInput, parse_tariff, price_session
from sim.scenario.presets import preset_id, preset_tariff
from sim.scenario.schema import TariffPreset

MONDAY = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
ZONE = "Europe/Amsterdam"


def tariff(preset: TariffPreset) -> Tariff:
    return preset_tariff(preset, country_code="NL", party_id="CPA", last_updated=MONDAY)


def price(preset: TariffPreset, start: datetime, *periods: tuple[int, dict[str, Any]]) -> tuple[Decimal, Decimal]:
    """Total cost (excl., incl. VAT) of periods given as (minutes after start, volumes)."""
    inputs = [PeriodInput(start=start + timedelta(minutes=minutes), **volumes) for minutes, volumes in periods]
    end = start + timedelta(hours=6)
    result = price_session(
        [parse_tariff(tariff(preset).to_wire())], inputs, session_start=start, session_end=end, time_zone=ZONE
    )
    return result.totals.cost.excl, result.totals.cost.incl


@pytest.mark.parametrize("preset", list(TariffPreset))
def test_every_preset_is_valid_in_both_versions(preset: TariffPreset) -> None:
    made = tariff(preset)
    assert Tariff.model_validate(made.to_wire()) == made
    assert (made.country_code, made.party_id, made.id, made.currency) == ("NL", "CPA", preset_id(preset), "EUR")
    assert made.tariff_alt_text and all(text.text.isascii() for text in made.tariff_alt_text)
    assert tariff_to_211(made).id == made.id


def test_a_preset_takes_the_id_it_is_given() -> None:
    made = preset_tariff(TariffPreset.FREE, country_code="DE", party_id="XYZ", last_updated=MONDAY, tariff_id="GRATIS")
    assert (made.id, made.country_code, made.party_id) == ("GRATIS", "DE", "XYZ")
    assert preset_id(TariffPreset.TIME_OF_DAY) == "TIME-OF-DAY"


def test_ac_standard_is_35_cents_a_kwh_plus_21_percent_vat() -> None:
    assert price(TariffPreset.AC_STANDARD, MONDAY, (0, {"energy": Decimal(10), "time": Decimal(1)})) == (
        Decimal("3.50"),
        Decimal("4.235"),
    )


def test_dc_fast_adds_a_per_minute_fee_from_45_minutes() -> None:
    quick = price(TariffPreset.DC_FAST, MONDAY, (0, {"energy": Decimal(30), "time": Decimal("0.5")}))
    assert quick == (Decimal("17.70"), Decimal("21.417"))  # 30 x 0.59, no time fee within 45 minutes
    long = price(
        TariffPreset.DC_FAST,
        MONDAY,
        (0, {"energy": Decimal(30), "time": Decimal("0.75")}),
        (45, {"energy": Decimal(5), "time": Decimal("0.25")}),
        (60, {"parking": Decimal("0.5")}),
    )
    # 35 kWh x 0.59 = 20.65; 15 min charging + 30 min parked after 45 min at 0.10/min = 4.50
    assert long == (Decimal("25.15"), Decimal("30.4315"))


@pytest.mark.parametrize(
    ("local_start", "expected"),
    [
        (datetime(2026, 3, 2, 17, 30), Decimal("4.50")),  # Monday evening peak
        (datetime(2026, 3, 2, 12, 0), Decimal("2.50")),  # Monday noon
        (datetime(2026, 3, 2, 21, 0), Decimal("2.50")),  # the peak has ended
        (datetime(2026, 3, 7, 17, 30), Decimal("2.50")),  # Saturday: no peak
    ],
)
def test_time_of_day_is_dearer_in_the_weekday_evening_peak(local_start: datetime, expected: Decimal) -> None:
    start = local_start.replace(tzinfo=UTC) - timedelta(hours=1)  # CET is UTC+1 in early March
    excl, incl = price(TariffPreset.TIME_OF_DAY, start, (0, {"energy": Decimal(10), "time": Decimal("0.5")}))
    assert (excl, incl) == (expected, expected * Decimal("1.21"))


def test_parking_penalty_charges_every_minute_plugged_in_without_charging() -> None:
    cost = price(
        TariffPreset.PARKING_PENALTY,
        MONDAY,
        (0, {"energy": Decimal(10), "time": Decimal(1)}),
        (60, {"parking": Decimal("0.5")}),
    )
    assert cost == (Decimal("6.50"), Decimal("7.865"))  # 3.50 energy + 30 min x 0.10


def test_free_is_free() -> None:
    assert price(TariffPreset.FREE, MONDAY, (0, {"energy": Decimal(25), "time": Decimal(2)})) == (
        Decimal(0),
        Decimal(0),
    )
