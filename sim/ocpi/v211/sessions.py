"""OCPI 2.1.1 Sessions module: the live view of a charging session pushed by the CPO.

2.1.1 uses ``start_datetime``/``end_datetime`` (no underscore between date and time), identifies the
token by ``auth_id``, embeds the Location (only the EVSE and Connector in use) and gives
``total_cost`` as a plain number excluding VAT.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from sim.ocpi.common import CURRENCY, Number, OCPIModel, PatchModel
from sim.ocpi.v211.cdrs import AuthMethod, ChargingPeriod
from sim.ocpi.v211.locations import Location
from sim.ocpi.v211.types import DateTime, String


class SessionStatus(StrEnum):
    """Lifecycle state of a session."""

    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    INVALID = "INVALID"
    PENDING = "PENDING"


class Session(OCPIModel):
    """A charging session in progress or just finished, as the CPO currently sees it."""

    id: Annotated[str, String(36)]
    start_datetime: DateTime
    end_datetime: DateTime | None = None
    kwh: Number
    auth_id: Annotated[str, String(36)]
    auth_method: AuthMethod
    location: Location
    meter_id: Annotated[str, String(255)] | None = None
    currency: Annotated[str, CURRENCY]
    charging_periods: list[ChargingPeriod] | None = None
    total_cost: Number | None = None
    status: SessionStatus
    last_updated: DateTime


class SessionPatch(PatchModel):
    """Partial Session for a PATCH; ``last_updated`` is optional in 2.1.1."""

    id: Annotated[str, String(36)] | None = None
    start_datetime: DateTime | None = None
    end_datetime: DateTime | None = None
    kwh: Number | None = None
    auth_id: Annotated[str, String(36)] | None = None
    auth_method: AuthMethod | None = None
    location: Location | None = None
    meter_id: Annotated[str, String(255)] | None = None
    currency: Annotated[str, CURRENCY] | None = None
    charging_periods: list[ChargingPeriod] | None = None
    total_cost: Number | None = None
    status: SessionStatus | None = None
    last_updated: DateTime | None = None


__all__ = ["Session", "SessionPatch", "SessionStatus"]
