"""OCPI 2.2.1 ChargingProfiles module: smart-charging limits set on, and reported for, a running session.

Requests are answered at once with a ``ChargingProfileResponse``; the outcome arrives later as one of
the ``*Result`` objects POSTed to the request's ``response_url``.
"""

from __future__ import annotations

from enum import StrEnum

from sim.ocpi.common import Int, Number, OCPIModel
from sim.ocpi.v221.types import URL, DateTime


class ChargingRateUnit(StrEnum):
    """Unit of profile limits: watts (all phases together) or amperes (per phase)."""

    W = "W"
    A = "A"


class ChargingProfileResponseType(StrEnum):
    """Whether the CPO accepted a charging-profile request for forwarding."""

    ACCEPTED = "ACCEPTED"
    NOT_SUPPORTED = "NOT_SUPPORTED"
    REJECTED = "REJECTED"
    TOO_OFTEN = "TOO_OFTEN"
    UNKNOWN_SESSION = "UNKNOWN_SESSION"


class ChargingProfileResultType(StrEnum):
    """What the charger did with a charging-profile request."""

    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    UNKNOWN = "UNKNOWN"


class ChargingProfilePeriod(OCPIModel):
    """A limit that applies from an offset (seconds) until the next period starts."""

    start_period: Int
    limit: Number


class ChargingProfile(OCPIModel):
    """A schedule of maximum power or current over time."""

    start_date_time: DateTime | None = None
    duration: Int | None = None
    charging_rate_unit: ChargingRateUnit
    min_charging_rate: Number | None = None
    charging_profile_period: list[ChargingProfilePeriod] | None = None


class ActiveChargingProfile(OCPIModel):
    """The schedule the charger actually plans, computed at a given moment."""

    start_date_time: DateTime
    charging_profile: ChargingProfile


class SetChargingProfile(OCPIModel):
    """Request body to set a charging profile on a session."""

    charging_profile: ChargingProfile
    response_url: URL


class ChargingProfileResponse(OCPIModel):
    """The CPO's immediate answer to a charging-profile request, with how long to wait."""

    result: ChargingProfileResponseType
    timeout: Int


class ActiveChargingProfileResult(OCPIModel):
    """Asynchronous answer to a GET of the active charging profile."""

    result: ChargingProfileResultType
    profile: ActiveChargingProfile | None = None


class ChargingProfileResult(OCPIModel):
    """Asynchronous answer to setting a charging profile."""

    result: ChargingProfileResultType


class ClearProfileResult(OCPIModel):
    """Asynchronous answer to removing a charging profile."""

    result: ChargingProfileResultType


__all__ = [  # noqa: RUF022 - priority order: main object, sub-objects, patch forms, enums
    "SetChargingProfile",
    "ChargingProfileResponse",
    "ActiveChargingProfileResult",
    "ChargingProfileResult",
    "ClearProfileResult",
    "ActiveChargingProfile",
    "ChargingProfile",
    "ChargingProfilePeriod",
    "ChargingRateUnit",
    "ChargingProfileResponseType",
    "ChargingProfileResultType",
]
