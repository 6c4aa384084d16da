"""OCPI 2.2.1 CDRs module: the final, billing-relevant record of a charging session.

CDRs are immutable once sent, so there is no PATCH form. ``ChargingPeriod``, ``CdrDimension``,
``CdrToken`` and ``AuthMethod`` are shared with the Sessions module.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Self

from pydantic import Field, model_validator

from sim.ocpi.common import COUNTRY_ALPHA3, CURRENCY, Bool, Int, Number, OCPIModel
from sim.ocpi.v221.locations import GeoLocation
from sim.ocpi.v221.locations_enums import ConnectorFormat, ConnectorType, PowerType
from sim.ocpi.v221.tariffs import Tariff
from sim.ocpi.v221.tokens import TokenType
from sim.ocpi.v221.types import CiString, CountryCode, DateTime, PartyId, Price, String


class AuthMethod(StrEnum):
    """How the token of a session was authorised."""

    AUTH_REQUEST = "AUTH_REQUEST"
    COMMAND = "COMMAND"
    WHITELIST = "WHITELIST"


class CdrDimensionType(StrEnum):
    """What a charging-period volume measures (and so its unit)."""

    CURRENT = "CURRENT"
    ENERGY = "ENERGY"
    ENERGY_EXPORT = "ENERGY_EXPORT"
    ENERGY_IMPORT = "ENERGY_IMPORT"
    MAX_CURRENT = "MAX_CURRENT"
    MIN_CURRENT = "MIN_CURRENT"
    MAX_POWER = "MAX_POWER"
    MIN_POWER = "MIN_POWER"
    PARKING_TIME = "PARKING_TIME"
    POWER = "POWER"
    RESERVATION_TIME = "RESERVATION_TIME"
    STATE_OF_CHARGE = "STATE_OF_CHARGE"
    TIME = "TIME"


class CdrToken(OCPIModel):
    """The token a session was charged with, as copied into Sessions and CDRs."""

    country_code: CountryCode
    party_id: PartyId
    uid: Annotated[str, CiString(36)]
    type: TokenType
    contract_id: Annotated[str, CiString(36)]


class CdrLocation(OCPIModel):
    """Snapshot of the location, EVSE and connector a session used."""

    id: Annotated[str, CiString(36)]
    name: Annotated[str, String(255)] | None = None
    address: Annotated[str, String(45)]
    city: Annotated[str, String(45)]
    postal_code: Annotated[str, String(10)] | None = None
    state: Annotated[str, String(20)] | None = None
    country: Annotated[str, COUNTRY_ALPHA3]
    coordinates: GeoLocation
    evse_uid: Annotated[str, CiString(36)]
    evse_id: Annotated[str, CiString(48)]
    connector_id: Annotated[str, CiString(36)]
    connector_standard: ConnectorType
    connector_format: ConnectorFormat
    connector_power_type: PowerType


class CdrDimension(OCPIModel):
    """One measured quantity within a charging period."""

    type: CdrDimensionType
    volume: Number


class ChargingPeriod(OCPIModel):
    """A stretch of a session with constant tariff-relevant conditions; ends where the next begins."""

    start_date_time: DateTime
    dimensions: Annotated[list[CdrDimension], Field(min_length=1)]
    tariff_id: Annotated[str, CiString(36)] | None = None


class SignedValue(OCPIModel):
    """One signed meter reading (start, end, intermediate) for calibration-law checks."""

    nature: Annotated[str, CiString(32)]
    plain_data: Annotated[str, String(5000)]
    signed_data: Annotated[str, String(5000)]


class SignedData(OCPIModel):
    """Calibration-law (Eichrecht) signed meter data belonging to a CDR."""

    encoding_method: Annotated[str, CiString(36)]
    encoding_method_version: Int | None = None
    public_key: Annotated[str, String(512)] | None = None
    signed_values: Annotated[list[SignedValue], Field(min_length=1)]
    url: Annotated[str, String(512)] | None = None


class CDR(OCPIModel):
    """Charge Detail Record: the final, immutable account of one session sent by the CPO."""

    country_code: CountryCode
    party_id: PartyId
    id: Annotated[str, CiString(39)]
    start_date_time: DateTime
    end_date_time: DateTime
    session_id: Annotated[str, CiString(36)] | None = None
    cdr_token: CdrToken
    auth_method: AuthMethod
    authorization_reference: Annotated[str, CiString(36)] | None = None
    cdr_location: CdrLocation
    meter_id: Annotated[str, String(255)] | None = None
    currency: Annotated[str, CURRENCY]
    tariffs: list[Tariff] | None = None
    charging_periods: Annotated[list[ChargingPeriod], Field(min_length=1)]
    signed_data: SignedData | None = None
    total_cost: Price
    total_fixed_cost: Price | None = None
    total_energy: Number
    total_energy_cost: Price | None = None
    total_time: Number
    total_time_cost: Price | None = None
    total_parking_time: Number | None = None
    total_parking_cost: Price | None = None
    total_reservation_cost: Price | None = None
    remark: Annotated[str, String(255)] | None = None
    invoice_reference_id: Annotated[str, CiString(39)] | None = None
    credit: Bool | None = None
    credit_reference_id: Annotated[str, CiString(39)] | None = None
    home_charging_compensation: Bool | None = None
    last_updated: DateTime

    @model_validator(mode="after")
    def _credit_needs_reference(self) -> Self:
        if self.credit and self.credit_reference_id is None:
            raise ValueError("credit_reference_id must be set when credit is true")
        return self


__all__ = [  # noqa: RUF022 - priority order: main object, sub-objects, patch forms, enums
    "CDR",
    "CdrToken",
    "CdrLocation",
    "ChargingPeriod",
    "CdrDimension",
    "SignedData",
    "SignedValue",
    "AuthMethod",
    "CdrDimensionType",
]
