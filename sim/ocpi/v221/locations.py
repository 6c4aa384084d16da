"""OCPI 2.2.1 Locations module: Location → EVSE → Connector and their supporting classes.

The full objects are what a Sender returns and what a PUT carries; ``LocationPatch``, ``EVSEPatch``
and ``ConnectorPatch`` are the partial bodies of a PATCH (``last_updated`` is required there).  The
module's enumerations are in ``sim.ocpi.v221.locations_enums``.
"""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import Field, model_validator

from sim.ocpi.common import COUNTRY_ALPHA3, Bool, Charset, Int, Number, OCPIModel, PatchModel, Text
from sim.ocpi.v221.locations_enums import (
    Capability,
    ConnectorFormat,
    ConnectorType,
    EnergySourceCategory,
    EnvironmentalImpactCategory,
    Facility,
    ImageCategory,
    ParkingRestriction,
    ParkingType,
    PowerType,
    Status,
)
from sim.ocpi.v221.tokens import TokenType
from sim.ocpi.v221.types import URL, CiString, CountryCode, DateTime, DisplayText, PartyId, String

_COORDINATE_HINT = "decimal degrees with 5 to 7 decimals"
Latitude = Annotated[
    str, Text(10, Charset.PRINTABLE_UTF8, pattern=r"-?[0-9]{1,2}\.[0-9]{5,7}", pattern_hint=_COORDINATE_HINT)
]
"""``string(10)`` latitude, regex ``-?[0-9]{1,2}\\.[0-9]{5,7}``."""
Longitude = Annotated[
    str, Text(11, Charset.PRINTABLE_UTF8, pattern=r"-?[0-9]{1,3}\.[0-9]{5,7}", pattern_hint=_COORDINATE_HINT)
]
"""``string(11)`` longitude, regex ``-?[0-9]{1,3}\\.[0-9]{5,7}``."""
HourMinute = Annotated[
    str,
    Text(
        5,
        Charset.PRINTABLE_UTF8,
        pattern=r"([0-1][0-9]|2[0-3]):[0-5][0-9]",
        pattern_hint="a 24-hour time HH:MM with leading zeros",
    ),
]
"""``string(5)`` local time of day ``HH:MM`` (also used by TariffRestrictions)."""


# --- supporting classes -----------------------------------------------------------------------------


class GeoLocation(OCPIModel):
    """WGS 84 coordinates written as decimal-degree strings."""

    latitude: Latitude
    longitude: Longitude


class AdditionalGeoLocation(OCPIModel):
    """A further point of interest at a location, such as an entrance."""

    latitude: Latitude
    longitude: Longitude
    name: DisplayText | None = None


class Image(OCPIModel):
    """Link to a picture or logo and what it depicts."""

    url: URL
    thumbnail: URL | None = None
    category: ImageCategory
    type: Annotated[str, CiString(4)]
    width: Annotated[Int, Field(ge=0, le=99999)] | None = None
    height: Annotated[Int, Field(ge=0, le=99999)] | None = None


class BusinessDetails(OCPIModel):
    """Name, website and logo of a company."""

    name: Annotated[str, String(100)]
    website: URL | None = None
    logo: Image | None = None


class RegularHours(OCPIModel):
    """One weekly recurring opening period in local time."""

    weekday: Annotated[Int, Field(ge=1, le=7)]
    period_begin: HourMinute
    period_end: HourMinute

    @model_validator(mode="after")
    def _end_after_begin(self) -> Self:
        if self.period_end <= self.period_begin:
            raise ValueError(f"period_end ({self.period_end}) must be later than period_begin ({self.period_begin})")
        return self


class ExceptionalPeriod(OCPIModel):
    """A one-off opening or closing period (UTC)."""

    period_begin: DateTime
    period_end: DateTime


class Hours(OCPIModel):
    """When a location is open: 24/7 or weekly hours, plus one-off exceptions."""

    twentyfourseven: Bool
    regular_hours: list[RegularHours] | None = None
    exceptional_openings: list[ExceptionalPeriod] | None = None
    exceptional_closings: list[ExceptionalPeriod] | None = None

    @model_validator(mode="after")
    def _regular_hours_unless_always_open(self) -> Self:
        if not self.twentyfourseven and not self.regular_hours:
            raise ValueError("regular_hours needs at least one entry when twentyfourseven is false")
        return self


class StatusSchedule(OCPIModel):
    """A planned status of an EVSE for a period (informational only)."""

    period_begin: DateTime
    period_end: DateTime | None = None
    status: Status


class EnergySource(OCPIModel):
    """Share of one kind of source in an energy mix."""

    source: EnergySourceCategory
    percentage: Annotated[Number, Field(ge=0, le=100)]


class EnvironmentalImpact(OCPIModel):
    """Amount of one kind of waste or emission, in g/kWh."""

    category: EnvironmentalImpactCategory
    amount: Number


class EnergyMix(OCPIModel):
    """Where the electricity supplied at a location comes from."""

    is_green_energy: Bool
    energy_sources: list[EnergySource] | None = None
    environ_impact: list[EnvironmentalImpact] | None = None
    supplier_name: Annotated[str, String(64)] | None = None
    energy_product_name: Annotated[str, String(64)] | None = None


class PublishTokenType(OCPIModel):
    """Identifies token owners allowed to see an unpublished location."""

    uid: Annotated[str, CiString(36)] | None = None
    type: TokenType | None = None
    visual_number: Annotated[str, String(64)] | None = None
    issuer: Annotated[str, String(64)] | None = None
    group_id: Annotated[str, CiString(36)] | None = None

    @model_validator(mode="after")
    def _identifies_a_token(self) -> Self:
        if self.uid is None and self.visual_number is None and self.group_id is None:
            raise ValueError("at least one of uid, visual_number or group_id must be set")
        if self.uid is not None and self.type is None:
            raise ValueError("type must be set when uid is set")
        if self.visual_number is not None and self.issuer is None:
            raise ValueError("issuer must be set when visual_number is set")
        return self


# --- the objects ------------------------------------------------------------------------------------


class Connector(OCPIModel):
    """A socket or attached cable of an EVSE."""

    id: Annotated[str, CiString(36)]
    standard: ConnectorType
    format: ConnectorFormat
    power_type: PowerType
    max_voltage: Int
    max_amperage: Int
    max_electric_power: Int | None = None
    tariff_ids: list[Annotated[str, CiString(36)]] | None = None
    terms_and_conditions: URL | None = None
    last_updated: DateTime


class EVSE(OCPIModel):
    """One charging point that can serve one vehicle at a time through one of its connectors."""

    uid: Annotated[str, CiString(36)]
    evse_id: Annotated[str, CiString(48)] | None = None
    status: Status
    status_schedule: list[StatusSchedule] | None = None
    capabilities: list[Capability] | None = None
    connectors: Annotated[list[Connector], Field(min_length=1)]
    floor_level: Annotated[str, String(4)] | None = None
    coordinates: GeoLocation | None = None
    physical_reference: Annotated[str, String(16)] | None = None
    directions: list[DisplayText] | None = None
    parking_restrictions: list[ParkingRestriction] | None = None
    images: list[Image] | None = None
    last_updated: DateTime


class Location(OCPIModel):
    """A charging site of a CPO with its EVSEs."""

    country_code: CountryCode
    party_id: PartyId
    id: Annotated[str, CiString(36)]
    publish: Bool
    publish_allowed_to: list[PublishTokenType] | None = None
    name: Annotated[str, String(255)] | None = None
    address: Annotated[str, String(255)]
    city: Annotated[str, String(45)]
    postal_code: Annotated[str, String(10)] | None = None
    state: Annotated[str, String(45)] | None = None
    country: Annotated[str, COUNTRY_ALPHA3]
    coordinates: GeoLocation
    related_locations: list[AdditionalGeoLocation] | None = None
    parking_type: ParkingType | None = None
    evses: list[EVSE] | None = None
    directions: list[DisplayText] | None = None
    operator: BusinessDetails | None = None
    suboperator: BusinessDetails | None = None
    owner: BusinessDetails | None = None
    facilities: list[Facility] | None = None
    time_zone: Annotated[str, String(255)]
    opening_times: Hours | None = None
    charging_when_closed: Bool | None = None
    images: list[Image] | None = None
    energy_mix: EnergyMix | None = None
    last_updated: DateTime


# --- PATCH forms ------------------------------------------------------------------------------------


class ConnectorPatch(PatchModel):
    """Partial Connector for a PATCH: only the changed fields, ``last_updated`` always."""

    id: Annotated[str, CiString(36)] | None = None
    standard: ConnectorType | None = None
    format: ConnectorFormat | None = None
    power_type: PowerType | None = None
    max_voltage: Int | None = None
    max_amperage: Int | None = None
    max_electric_power: Int | None = None
    tariff_ids: list[Annotated[str, CiString(36)]] | None = None
    terms_and_conditions: URL | None = None
    last_updated: DateTime


class EVSEPatch(PatchModel):
    """Partial EVSE for a PATCH: only the changed fields, ``last_updated`` always."""

    uid: Annotated[str, CiString(36)] | None = None
    evse_id: Annotated[str, CiString(48)] | None = None
    status: Status | None = None
    status_schedule: list[StatusSchedule] | None = None
    capabilities: list[Capability] | None = None
    connectors: Annotated[list[Connector], Field(min_length=1)] | None = None
    floor_level: Annotated[str, String(4)] | None = None
    coordinates: GeoLocation | None = None
    physical_reference: Annotated[str, String(16)] | None = None
    directions: list[DisplayText] | None = None
    parking_restrictions: list[ParkingRestriction] | None = None
    images: list[Image] | None = None
    last_updated: DateTime


class LocationPatch(PatchModel):
    """Partial Location for a PATCH: only the changed fields, ``last_updated`` always."""

    country_code: CountryCode | None = None
    party_id: PartyId | None = None
    id: Annotated[str, CiString(36)] | None = None
    publish: Bool | None = None
    publish_allowed_to: list[PublishTokenType] | None = None
    name: Annotated[str, String(255)] | None = None
    address: Annotated[str, String(255)] | None = None
    city: Annotated[str, String(45)] | None = None
    postal_code: Annotated[str, String(10)] | None = None
    state: Annotated[str, String(45)] | None = None
    country: Annotated[str, COUNTRY_ALPHA3] | None = None
    coordinates: GeoLocation | None = None
    related_locations: list[AdditionalGeoLocation] | None = None
    parking_type: ParkingType | None = None
    evses: list[EVSE] | None = None
    directions: list[DisplayText] | None = None
    operator: BusinessDetails | None = None
    suboperator: BusinessDetails | None = None
    owner: BusinessDetails | None = None
    facilities: list[Facility] | None = None
    time_zone: Annotated[str, String(255)] | None = None
    opening_times: Hours | None = None
    charging_when_closed: Bool | None = None
    images: list[Image] | None = None
    energy_mix: EnergyMix | None = None
    last_updated: DateTime


__all__ = [  # noqa: RUF022 - priority order: main object, sub-objects, patch forms
    "Location",
    "EVSE",
    "Connector",
    "GeoLocation",
    "AdditionalGeoLocation",
    "BusinessDetails",
    "Image",
    "Hours",
    "RegularHours",
    "ExceptionalPeriod",
    "StatusSchedule",
    "EnergyMix",
    "EnergySource",
    "EnvironmentalImpact",
    "PublishTokenType",
    "LocationPatch",
    "EVSEPatch",
    "ConnectorPatch",
]
