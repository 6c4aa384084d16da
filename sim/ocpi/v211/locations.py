"""OCPI 2.1.1 Locations module: Location → EVSE → Connector and their supporting classes.

2.1.1 specifics: ids are case-sensitive ``string(39)`` (Connector ``string(36)``), a Location has a
required ``type`` and ``postal_code`` and an optional ``time_zone``, coordinates carry exactly six
decimals, a Connector has ``voltage``/``amperage``/``tariff_id``, EnvironmentalImpact names its
category ``source``, and opening hours are either ``regular_hours`` or ``twentyfourseven``.  The
module's enumerations are in ``sim.ocpi.v211.locations_enums``.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from sim.ocpi.common import COUNTRY_ALPHA3, Bool, Charset, Int, Number, OCPIModel, PatchModel, Text
from sim.ocpi.v211.locations_enums import (
    Capability,
    ConnectorFormat,
    ConnectorType,
    EnergySourceCategory,
    EnvironmentalImpactCategory,
    Facility,
    ImageCategory,
    LocationType,
    ParkingRestriction,
    PowerType,
    Status,
)
from sim.ocpi.v211.types import URL, DateTime, DisplayText, String

_ASCII = Charset.PRINTABLE_ASCII
_SIX_DECIMALS = "decimal degrees with exactly 6 decimals"
# GeoLocation latitude string(10) / longitude string(11), e.g. "51.047599" / "-126.104965".
Latitude = Annotated[str, Text(10, _ASCII, pattern=r"-?[0-9]{1,2}\.[0-9]{6}", pattern_hint=_SIX_DECIMALS)]
Longitude = Annotated[str, Text(11, _ASCII, pattern=r"-?[0-9]{1,3}\.[0-9]{6}", pattern_hint=_SIX_DECIMALS)]
# string(5) HH:MM local time, shared by RegularHours and TariffRestrictions.
TimeOfDay = Annotated[
    str, Text(5, _ASCII, pattern=r"([0-1][0-9]|2[0-3]):[0-5][0-9]", pattern_hint="a time of day HH:MM (24-hour)")
]
ImageSize = Annotated[Int, Field(ge=0, le=99_999)]  # int(5): at most five digits
Percentage = Annotated[Number, Field(ge=0, le=100)]


class GeoLocation(OCPIModel):
    """A WGS 84 point given as two decimal-degree strings."""

    latitude: Latitude
    longitude: Longitude


class AdditionalGeoLocation(OCPIModel):
    """A related point of interest, such as an entrance, with an optional name."""

    latitude: Latitude
    longitude: Longitude
    name: DisplayText | None = None


class Image(OCPIModel):
    """A link to a picture or logo and what it depicts."""

    url: URL
    thumbnail: URL | None = None
    category: ImageCategory
    type: Annotated[str, String(4)]
    width: ImageSize | None = None
    height: ImageSize | None = None


class BusinessDetails(OCPIModel):
    """Name, website and logo of a company (operator, owner, party)."""

    name: Annotated[str, String(100)]
    website: URL | None = None
    logo: Image | None = None


class RegularHours(OCPIModel):
    """One weekly opening period on one weekday, in local time."""

    weekday: Annotated[Int, Field(ge=1, le=7)]
    period_begin: TimeOfDay
    period_end: TimeOfDay

    @model_validator(mode="after")
    def _end_after_begin(self) -> RegularHours:
        if self.period_end <= self.period_begin:
            raise ValueError(f"period_end {self.period_end} must be later than period_begin {self.period_begin}")
        return self


class ExceptionalPeriod(OCPIModel):
    """A dated exception to the regular opening hours (extra opening or closing)."""

    period_begin: DateTime
    period_end: DateTime


class Hours(OCPIModel):
    """Opening times: either weekly regular hours or round the clock, plus dated exceptions."""

    regular_hours: list[RegularHours] | None = None
    twentyfourseven: Bool | None = None
    exceptional_openings: list[ExceptionalPeriod] | None = None
    exceptional_closings: list[ExceptionalPeriod] | None = None

    @model_validator(mode="after")
    def _regular_hours_or_twentyfourseven(self) -> Hours:
        if self.twentyfourseven is True and self.regular_hours:
            raise ValueError("regular_hours must not be given when twentyfourseven is true")
        if self.twentyfourseven is None and not self.regular_hours:
            raise ValueError("either regular_hours or twentyfourseven must be given")
        return self


class StatusSchedule(OCPIModel):
    """A planned EVSE status for a future period."""

    period_begin: DateTime
    period_end: DateTime | None = None
    status: Status


class EnergySource(OCPIModel):
    """Share of one kind of source in an energy mix."""

    source: EnergySourceCategory
    percentage: Percentage


class EnvironmentalImpact(OCPIModel):
    """Amount of a by-product in g/kWh (its category is called ``source`` in 2.1.1)."""

    source: EnvironmentalImpactCategory
    amount: Number


class EnergyMix(OCPIModel):
    """Where the energy delivered at a location or under a tariff comes from."""

    is_green_energy: Bool
    energy_sources: list[EnergySource] | None = None
    environ_impact: list[EnvironmentalImpact] | None = None
    supplier_name: Annotated[str, String(64)] | None = None
    energy_product_name: Annotated[str, String(64)] | None = None


class Connector(OCPIModel):
    """One plug or socket of an EVSE, with its electrical limits and tariff."""

    id: Annotated[str, String(36)]
    standard: ConnectorType
    format: ConnectorFormat
    power_type: PowerType
    voltage: Int
    amperage: Int
    tariff_id: Annotated[str, String(36)] | None = None
    terms_and_conditions: URL | None = None
    last_updated: DateTime


class EVSE(OCPIModel):
    """A charging unit that can serve one vehicle at a time through one of its connectors."""

    uid: Annotated[str, String(39)]
    evse_id: Annotated[str, String(48)] | None = None
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
    """A site with one or more EVSEs, as published by its CPO."""

    id: Annotated[str, String(39)]
    type: LocationType
    name: Annotated[str, String(255)] | None = None
    address: Annotated[str, String(45)]
    city: Annotated[str, String(45)]
    postal_code: Annotated[str, String(10)]
    country: Annotated[str, COUNTRY_ALPHA3]
    coordinates: GeoLocation
    related_locations: list[AdditionalGeoLocation] | None = None
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


class LocationPatch(PatchModel):
    """Partial Location for a PATCH; in 2.1.1 even ``last_updated`` may be left out."""

    id: Annotated[str, String(39)] | None = None
    type: LocationType | None = None
    name: Annotated[str, String(255)] | None = None
    address: Annotated[str, String(45)] | None = None
    city: Annotated[str, String(45)] | None = None
    postal_code: Annotated[str, String(10)] | None = None
    country: Annotated[str, COUNTRY_ALPHA3] | None = None
    coordinates: GeoLocation | None = None
    related_locations: list[AdditionalGeoLocation] | None = None
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
    last_updated: DateTime | None = None


class EVSEPatch(PatchModel):
    """Partial EVSE for a PATCH, typically just a new ``status``."""

    uid: Annotated[str, String(39)] | None = None
    evse_id: Annotated[str, String(48)] | None = None
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
    last_updated: DateTime | None = None


class ConnectorPatch(PatchModel):
    """Partial Connector for a PATCH, e.g. a new ``tariff_id``."""

    id: Annotated[str, String(36)] | None = None
    standard: ConnectorType | None = None
    format: ConnectorFormat | None = None
    power_type: PowerType | None = None
    voltage: Int | None = None
    amperage: Int | None = None
    tariff_id: Annotated[str, String(36)] | None = None
    terms_and_conditions: URL | None = None
    last_updated: DateTime | None = None


__all__ = [  # noqa: RUF022 - ordered by detection priority, not alphabetically
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
    "LocationPatch",
    "EVSEPatch",
    "ConnectorPatch",
]
