"""OCPI 2.1.1 Commands module: remote requests from an eMSP to a CPO's charge points.

In 2.1.1 the CommandResponse is both the CPO's immediate answer and the charge point's later result
(posted to ``response_url``), ``TIMEOUT`` is one of its values, and ``reservation_id`` is an int.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from sim.ocpi.common import Int, OCPIModel
from sim.ocpi.v211.tokens import Token
from sim.ocpi.v211.types import URL, DateTime, String


class CommandType(StrEnum):
    """The command named in the POST URL."""

    RESERVE_NOW = "RESERVE_NOW"
    START_SESSION = "START_SESSION"
    STOP_SESSION = "STOP_SESSION"
    UNLOCK_CONNECTOR = "UNLOCK_CONNECTOR"


class CommandResponseType(StrEnum):
    """Outcome of a command, from the CPO or, asynchronously, from the charge point."""

    NOT_SUPPORTED = "NOT_SUPPORTED"
    REJECTED = "REJECTED"
    ACCEPTED = "ACCEPTED"
    TIMEOUT = "TIMEOUT"
    UNKNOWN_SESSION = "UNKNOWN_SESSION"


class CommandResponse(OCPIModel):
    """Answer to a command: the synchronous reply and the asynchronous result share this shape."""

    result: CommandResponseType


class ReserveNow(OCPIModel):
    """Request to reserve an EVSE (or any EVSE of a location) for a token until a given time."""

    response_url: URL
    token: Token
    expiry_date: DateTime
    reservation_id: Int
    location_id: Annotated[str, String(39)]
    evse_uid: Annotated[str, String(39)] | None = None


class StartSession(OCPIModel):
    """Request to start charging for a token at a location (optionally a specific EVSE)."""

    response_url: URL
    token: Token
    location_id: Annotated[str, String(39)]
    evse_uid: Annotated[str, String(39)] | None = None


class StopSession(OCPIModel):
    """Request to stop a running session."""

    response_url: URL
    session_id: Annotated[str, String(36)]


class UnlockConnector(OCPIModel):
    """Help-desk request to release the lock of one connector."""

    response_url: URL
    location_id: Annotated[str, String(39)]
    evse_uid: Annotated[str, String(39)]
    connector_id: Annotated[str, String(36)]


__all__ = [  # noqa: RUF022 - ordered by detection priority, not alphabetically
    "CommandResponse",
    "ReserveNow",
    "StartSession",
    "StopSession",
    "UnlockConnector",
    "CommandType",
    "CommandResponseType",
]
