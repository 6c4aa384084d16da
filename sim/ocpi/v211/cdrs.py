"""OCPI 2.1.1 CDRs module: the final, billing-relevant record of a charging session.

A 2.1.1 CDR names the token by ``auth_id``, embeds a Location holding only the EVSE and Connector
used, ends at ``stop_date_time`` and gives ``total_cost`` as a plain number excluding VAT.
ChargingPeriod, CdrDimension and AuthMethod live here and are shared with the Sessions module.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from sim.ocpi.common import CURRENCY, Number, OCPIModel
from sim.ocpi.v211.locations import Location
from sim.ocpi.v211.tariffs import Tariff
from sim.ocpi.v211.types import CiString, DateTime, String


class AuthMethod(StrEnum):
    """How the token was authorized: by asking the eMSP or from the local whitelist."""

    AUTH_REQUEST = "AUTH_REQUEST"
    WHITELIST = "WHITELIST"


class CdrDimensionType(StrEnum):
    """What a charging-period volume measures (2.1.1 still has FLAT)."""

    ENERGY = "ENERGY"
    FLAT = "FLAT"
    MAX_CURRENT = "MAX_CURRENT"
    MIN_CURRENT = "MIN_CURRENT"
    PARKING_TIME = "PARKING_TIME"
    TIME = "TIME"


class CdrDimension(OCPIModel):
    """One measured quantity of a charging period, in the unit of its type."""

    type: CdrDimensionType
    volume: Number


class ChargingPeriod(OCPIModel):
    """A stretch of a session, lasting until the next period starts, with its measurements."""

    start_date_time: DateTime
    dimensions: Annotated[list[CdrDimension], Field(min_length=1)]


class CDR(OCPIModel):
    """Charge detail record: what happened in a finished session and what it costs."""

    id: Annotated[str, CiString(36)]
    start_date_time: DateTime
    stop_date_time: DateTime
    auth_id: Annotated[str, String(36)]
    auth_method: AuthMethod
    location: Location
    meter_id: Annotated[str, String(255)] | None = None
    currency: Annotated[str, CURRENCY]
    tariffs: list[Tariff] | None = None
    charging_periods: Annotated[list[ChargingPeriod], Field(min_length=1)]
    total_cost: Number
    total_energy: Number
    total_time: Number
    total_parking_time: Number | None = None
    remark: Annotated[str, String(255)] | None = None
    last_updated: DateTime


__all__ = [  # noqa: RUF022 - ordered by detection priority, not alphabetically
    "CDR",
    "ChargingPeriod",
    "CdrDimension",
    "CdrDimensionType",
    "AuthMethod",
]
