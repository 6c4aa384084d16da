"""OCPI 2.2.1 Sessions module: live charging sessions and the driver's charging preferences.

A PATCH with ``charging_periods`` appends them to the stored list (2.2.1 rule); a PUT replaces them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from sim.ocpi.common import CURRENCY, Bool, Number, OCPIModel, PatchModel
from sim.ocpi.v221.cdrs import AuthMethod, CdrToken, ChargingPeriod
from sim.ocpi.v221.tokens import ProfileType as ProfileType
from sim.ocpi.v221.types import CiString, CountryCode, DateTime, PartyId, Price, String


class SessionStatus(StrEnum):
    """Lifecycle state of a session."""

    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    INVALID = "INVALID"
    PENDING = "PENDING"
    RESERVATION = "RESERVATION"


class ChargingPreferencesResponse(StrEnum):
    """The CPO's answer to a charging-preferences PUT."""

    ACCEPTED = "ACCEPTED"
    DEPARTURE_REQUIRED = "DEPARTURE_REQUIRED"
    ENERGY_NEED_REQUIRED = "ENERGY_NEED_REQUIRED"
    NOT_POSSIBLE = "NOT_POSSIBLE"
    PROFILE_TYPE_NOT_SUPPORTED = "PROFILE_TYPE_NOT_SUPPORTED"


class ChargingPreferences(OCPIModel):
    """What the driver wants from smart charging for one session."""

    profile_type: ProfileType
    departure_time: DateTime | None = None
    energy_need: Number | None = None
    discharge_allowed: Bool | None = None


class Session(OCPIModel):
    """The CPO's live view of one charging session."""

    country_code: CountryCode
    party_id: PartyId
    id: Annotated[str, CiString(36)]
    start_date_time: DateTime
    end_date_time: DateTime | None = None
    kwh: Number
    cdr_token: CdrToken
    auth_method: AuthMethod
    authorization_reference: Annotated[str, CiString(36)] | None = None
    location_id: Annotated[str, CiString(36)]
    evse_uid: Annotated[str, CiString(36)]
    connector_id: Annotated[str, CiString(36)]
    meter_id: Annotated[str, String(255)] | None = None
    currency: Annotated[str, CURRENCY]
    charging_periods: list[ChargingPeriod] | None = None
    total_cost: Price | None = None
    status: SessionStatus
    last_updated: DateTime


class SessionPatch(PatchModel):
    """Partial Session for a PATCH: changed fields and new charging periods, ``last_updated`` always."""

    country_code: CountryCode | None = None
    party_id: PartyId | None = None
    id: Annotated[str, CiString(36)] | None = None
    start_date_time: DateTime | None = None
    end_date_time: DateTime | None = None
    kwh: Number | None = None
    cdr_token: CdrToken | None = None
    auth_method: AuthMethod | None = None
    authorization_reference: Annotated[str, CiString(36)] | None = None
    location_id: Annotated[str, CiString(36)] | None = None
    evse_uid: Annotated[str, CiString(36)] | None = None
    connector_id: Annotated[str, CiString(36)] | None = None
    meter_id: Annotated[str, String(255)] | None = None
    currency: Annotated[str, CURRENCY] | None = None
    charging_periods: list[ChargingPeriod] | None = None
    total_cost: Price | None = None
    status: SessionStatus | None = None
    last_updated: DateTime


__all__ = [  # noqa: RUF022 - priority order: main object, sub-objects, patch forms, enums
    "Session",
    "ChargingPreferences",
    "SessionPatch",
    "ChargingPreferencesResponse",
    "SessionStatus",
]
