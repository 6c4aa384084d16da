"""OCPI 2.1.1 Tariffs module: Tariff → TariffElement → PriceComponent with optional restrictions.

2.1.1 prices are plain numbers excluding VAT; a Tariff has no owner fields, no type, no price
limits and no validity period, and the eMSP interface accepts PATCH (removed in 2.2).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field

from sim.ocpi.common import CURRENCY, Charset, Int, Number, OCPIModel, PatchModel, Text
from sim.ocpi.v211.locations import EnergyMix, TimeOfDay
from sim.ocpi.v211.types import URL, DateTime, DisplayText, String


def _real_date(value: str) -> str:
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a real calendar date") from None
    return value


CalendarDate = Annotated[
    str,
    Text(10, Charset.PRINTABLE_ASCII, pattern=r"[0-9]{4}-[0-9]{2}-[0-9]{2}", pattern_hint="a date YYYY-MM-DD"),
    AfterValidator(_real_date),
]
"""string(10) ``YYYY-MM-DD`` that must also be an existing date."""


class TariffDimensionType(StrEnum):
    """What a price component charges for."""

    ENERGY = "ENERGY"
    FLAT = "FLAT"
    PARKING_TIME = "PARKING_TIME"
    TIME = "TIME"


class DayOfWeek(StrEnum):
    """A weekday in a tariff restriction."""

    MONDAY = "MONDAY"
    TUESDAY = "TUESDAY"
    WEDNESDAY = "WEDNESDAY"
    THURSDAY = "THURSDAY"
    FRIDAY = "FRIDAY"
    SATURDAY = "SATURDAY"
    SUNDAY = "SUNDAY"


class PriceComponent(OCPIModel):
    """Price per unit of one dimension (excl. VAT) and the block size it is billed in."""

    type: TariffDimensionType
    price: Number
    step_size: Int


class TariffRestrictions(OCPIModel):
    """Conditions under which a tariff element applies (time, date, energy, power, duration, weekday)."""

    start_time: TimeOfDay | None = None
    end_time: TimeOfDay | None = None
    start_date: CalendarDate | None = None
    end_date: CalendarDate | None = None
    min_kwh: Number | None = None
    max_kwh: Number | None = None
    min_power: Number | None = None
    max_power: Number | None = None
    min_duration: Int | None = None
    max_duration: Int | None = None
    day_of_week: list[DayOfWeek] | None = None


class TariffElement(OCPIModel):
    """A group of price components that apply together, optionally restricted."""

    price_components: Annotated[list[PriceComponent], Field(min_length=1)]
    restrictions: TariffRestrictions | None = None


class Tariff(OCPIModel):
    """A CPO's price list for charging, in one currency."""

    id: Annotated[str, String(36)]
    currency: Annotated[str, CURRENCY]
    tariff_alt_text: list[DisplayText] | None = None
    tariff_alt_url: URL | None = None
    elements: Annotated[list[TariffElement], Field(min_length=1)]
    energy_mix: EnergyMix | None = None
    last_updated: DateTime


class TariffPatch(PatchModel):
    """Partial Tariff for a PATCH (allowed in 2.1.1 only); ``last_updated`` is optional."""

    id: Annotated[str, String(36)] | None = None
    currency: Annotated[str, CURRENCY] | None = None
    tariff_alt_text: list[DisplayText] | None = None
    tariff_alt_url: URL | None = None
    elements: Annotated[list[TariffElement], Field(min_length=1)] | None = None
    energy_mix: EnergyMix | None = None
    last_updated: DateTime | None = None


__all__ = [  # noqa: RUF022 - ordered by detection priority, not alphabetically
    "Tariff",
    "TariffElement",
    "PriceComponent",
    "TariffRestrictions",
    "TariffPatch",
    "TariffDimensionType",
    "DayOfWeek",
]
