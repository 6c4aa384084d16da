"""OCPI 2.2.1 Tariffs module: what a CPO charges an eMSP (2.2.1 has no Tariff PATCH, only PUT)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Self

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from sim.ocpi.common import CURRENCY, Charset, Int, Number, OCPIModel, Text
from sim.ocpi.v221.locations import EnergyMix, HourMinute
from sim.ocpi.v221.types import URL, CiString, CountryCode, DateTime, DisplayText, PartyId, Price


def _real_date(value: str) -> str:
    try:
        date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("ocpi_date", "{value} is not a real calendar date", {"value": value}) from None
    return value


LocalDate = Annotated[
    str,
    Text(10, Charset.PRINTABLE_UTF8, pattern=r"[0-9]{4}-[0-9]{2}-[0-9]{2}", pattern_hint="a date YYYY-MM-DD"),
    AfterValidator(_real_date),
]
"""``string(10)`` local calendar date ``YYYY-MM-DD``."""


class TariffDimensionType(StrEnum):
    """What a price component charges for."""

    ENERGY = "ENERGY"
    FLAT = "FLAT"
    PARKING_TIME = "PARKING_TIME"
    TIME = "TIME"


class TariffType(StrEnum):
    """Which sessions a tariff is meant for."""

    AD_HOC_PAYMENT = "AD_HOC_PAYMENT"
    PROFILE_CHEAP = "PROFILE_CHEAP"
    PROFILE_FAST = "PROFILE_FAST"
    PROFILE_GREEN = "PROFILE_GREEN"
    REGULAR = "REGULAR"


class DayOfWeek(StrEnum):
    """A day of the week (local time)."""

    MONDAY = "MONDAY"
    TUESDAY = "TUESDAY"
    WEDNESDAY = "WEDNESDAY"
    THURSDAY = "THURSDAY"
    FRIDAY = "FRIDAY"
    SATURDAY = "SATURDAY"
    SUNDAY = "SUNDAY"


class ReservationRestrictionType(StrEnum):
    """Marks a tariff element as pricing a reservation or its expiry."""

    RESERVATION = "RESERVATION"
    RESERVATION_EXPIRES = "RESERVATION_EXPIRES"


class PriceComponent(OCPIModel):
    """Price per unit of one dimension, excluding VAT, with its VAT rate and billing step."""

    type: TariffDimensionType
    price: Number
    vat: Number | None = None
    step_size: Int

    @model_validator(mode="after")
    def _vat_not_negative(self) -> Self:
        if self.vat is not None and self.vat < 0:
            raise ValueError(f"vat must not be negative, got {self.vat}")
        return self


class TariffRestrictions(OCPIModel):
    """Conditions (all of which must hold) under which a tariff element applies."""

    start_time: HourMinute | None = None
    end_time: HourMinute | None = None
    start_date: LocalDate | None = None
    end_date: LocalDate | None = None
    min_kwh: Number | None = None
    max_kwh: Number | None = None
    min_current: Number | None = None
    max_current: Number | None = None
    min_power: Number | None = None
    max_power: Number | None = None
    min_duration: Int | None = None
    max_duration: Int | None = None
    day_of_week: list[DayOfWeek] | None = None
    reservation: ReservationRestrictionType | None = None


_RESERVATION_DIMENSIONS = frozenset({TariffDimensionType.FLAT, TariffDimensionType.TIME})


class TariffElement(OCPIModel):
    """A group of price components that apply together under optional restrictions."""

    price_components: Annotated[list[PriceComponent], Field(min_length=1)]
    restrictions: TariffRestrictions | None = None

    @model_validator(mode="after")
    def _reservation_prices_only_flat_and_time(self) -> Self:
        if self.restrictions is None or self.restrictions.reservation is None:
            return self
        wrong = sorted({c.type.value for c in self.price_components} - _RESERVATION_DIMENSIONS)
        if wrong:
            raise ValueError(
                "an element with a reservation restriction may only have FLAT and TIME price components, "
                f"found {', '.join(wrong)}"
            )
        return self


class Tariff(OCPIModel):
    """A CPO's price list: ordered elements plus optional validity, limits and alternative texts."""

    country_code: CountryCode
    party_id: PartyId
    id: Annotated[str, CiString(36)]
    currency: Annotated[str, CURRENCY]
    type: TariffType | None = None
    tariff_alt_text: list[DisplayText] | None = None
    tariff_alt_url: URL | None = None
    min_price: Price | None = None
    max_price: Price | None = None
    elements: Annotated[list[TariffElement], Field(min_length=1)]
    start_date_time: DateTime | None = None
    end_date_time: DateTime | None = None
    energy_mix: EnergyMix | None = None
    last_updated: DateTime


__all__ = [  # noqa: RUF022 - priority order: main object, sub-objects, patch forms, enums
    "Tariff",
    "TariffElement",
    "PriceComponent",
    "TariffRestrictions",
    "DayOfWeek",
    "ReservationRestrictionType",
    "TariffDimensionType",
    "TariffType",
]
