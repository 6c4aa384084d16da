"""OCPI 2.2.1 Commands module: remote actions an eMSP asks a CPO to perform on a charger.

The CPO answers the POST at once with a ``CommandResponse`` and later POSTs the charger's outcome,
a ``CommandResult``, to the command's ``response_url``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Self

from pydantic import model_validator

from sim.ocpi.common import Int, OCPIModel
from sim.ocpi.v221.tokens import Token
from sim.ocpi.v221.types import URL, CiString, DateTime, DisplayText


class CommandType(StrEnum):
    """The command named in the URL of a command POST."""

    CANCEL_RESERVATION = "CANCEL_RESERVATION"
    RESERVE_NOW = "RESERVE_NOW"
    START_SESSION = "START_SESSION"
    STOP_SESSION = "STOP_SESSION"
    UNLOCK_CONNECTOR = "UNLOCK_CONNECTOR"


class CommandResponseType(StrEnum):
    """Whether the CPO accepted a command for forwarding to the charger."""

    NOT_SUPPORTED = "NOT_SUPPORTED"
    REJECTED = "REJECTED"
    ACCEPTED = "ACCEPTED"
    UNKNOWN_SESSION = "UNKNOWN_SESSION"


class CommandResultType(StrEnum):
    """What the charger eventually did with a command."""

    ACCEPTED = "ACCEPTED"
    CANCELED_RESERVATION = "CANCELED_RESERVATION"
    EVSE_OCCUPIED = "EVSE_OCCUPIED"
    EVSE_INOPERATIVE = "EVSE_INOPERATIVE"
    FAILED = "FAILED"
    NOT_SUPPORTED = "NOT_SUPPORTED"
    REJECTED = "REJECTED"
    TIMEOUT = "TIMEOUT"
    UNKNOWN_RESERVATION = "UNKNOWN_RESERVATION"


class CommandResponse(OCPIModel):
    """The CPO's immediate answer to a command, with how long to wait for the result."""

    result: CommandResponseType
    timeout: Int
    message: list[DisplayText] | None = None


class CommandResult(OCPIModel):
    """The asynchronous outcome of a command, POSTed to its response_url."""

    result: CommandResultType
    message: list[DisplayText] | None = None


class CancelReservation(OCPIModel):
    """Request to cancel an earlier reservation."""

    response_url: URL
    reservation_id: Annotated[str, CiString(36)]


class ReserveNow(OCPIModel):
    """Request to reserve a location (or one of its EVSEs) for a token until a given time."""

    response_url: URL
    token: Token
    expiry_date: DateTime
    reservation_id: Annotated[str, CiString(36)]
    location_id: Annotated[str, CiString(36)]
    evse_uid: Annotated[str, CiString(36)] | None = None
    authorization_reference: Annotated[str, CiString(36)] | None = None


class StartSession(OCPIModel):
    """Request to start charging for a token at a location, EVSE or connector."""

    response_url: URL
    token: Token
    location_id: Annotated[str, CiString(36)]
    evse_uid: Annotated[str, CiString(36)] | None = None
    connector_id: Annotated[str, CiString(36)] | None = None
    authorization_reference: Annotated[str, CiString(36)] | None = None

    @model_validator(mode="after")
    def _connector_needs_evse(self) -> Self:
        if self.connector_id is not None and self.evse_uid is None:
            raise ValueError("evse_uid must be set when connector_id is set")
        return self


class StopSession(OCPIModel):
    """Request to stop a running session."""

    response_url: URL
    session_id: Annotated[str, CiString(36)]


class UnlockConnector(OCPIModel):
    """Request to release the cable lock of one connector (operator use only)."""

    response_url: URL
    location_id: Annotated[str, CiString(36)]
    evse_uid: Annotated[str, CiString(36)]
    connector_id: Annotated[str, CiString(36)]


__all__ = [  # noqa: RUF022 - priority order: main object, sub-objects, patch forms, enums
    "CommandResponse",
    "CommandResult",
    "CancelReservation",
    "ReserveNow",
    "StartSession",
    "StopSession",
    "UnlockConnector",
    "CommandType",
    "CommandResponseType",
    "CommandResultType",
]
