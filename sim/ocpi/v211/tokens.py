"""OCPI 2.1.1 Tokens module: driver tokens pushed to CPOs and real-time authorization.

2.1.1 tokens carry ``auth_id`` (the contract id), know only the types ``RFID`` and ``OTHER``, and
the authorization answer names its enum ``Allowed``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from sim.ocpi.common import LANGUAGE, Bool, OCPIModel, PatchModel
from sim.ocpi.v211.types import DateTime, DisplayText, String


class Allowed(StrEnum):
    """The eMSP's verdict on a token in a real-time authorization."""

    ALLOWED = "ALLOWED"
    BLOCKED = "BLOCKED"
    EXPIRED = "EXPIRED"
    NO_CREDIT = "NO_CREDIT"
    NOT_ALLOWED = "NOT_ALLOWED"


class TokenType(StrEnum):
    """Kind of token a driver identifies with."""

    OTHER = "OTHER"
    RFID = "RFID"


class WhitelistType(StrEnum):
    """How a CPO may authorize a token: from its cache, in real time, or both."""

    ALWAYS = "ALWAYS"
    ALLOWED = "ALLOWED"
    ALLOWED_OFFLINE = "ALLOWED_OFFLINE"
    NEVER = "NEVER"


class Token(OCPIModel):
    """A driver's means of identification (RFID card or other) issued by an eMSP."""

    uid: Annotated[str, String(36)]
    type: TokenType
    auth_id: Annotated[str, String(36)]
    visual_number: Annotated[str, String(64)] | None = None
    issuer: Annotated[str, String(64)]
    valid: Bool
    whitelist: WhitelistType
    language: Annotated[str, LANGUAGE] | None = None
    last_updated: DateTime


class LocationReferences(OCPIModel):
    """The location, and optionally EVSEs and connectors, an authorization is asked for."""

    location_id: Annotated[str, String(39)]
    evse_uids: list[Annotated[str, String(39)]] | None = None
    connector_ids: list[Annotated[str, String(36)]] | None = None


class AuthorizationInfo(OCPIModel):
    """The eMSP's answer to a real-time authorization request."""

    allowed: Allowed
    location: LocationReferences | None = None
    info: DisplayText | None = None


class TokenPatch(PatchModel):
    """Partial Token for a PATCH, e.g. ``{"valid": false}``; ``last_updated`` is optional."""

    uid: Annotated[str, String(36)] | None = None
    type: TokenType | None = None
    auth_id: Annotated[str, String(36)] | None = None
    visual_number: Annotated[str, String(64)] | None = None
    issuer: Annotated[str, String(64)] | None = None
    valid: Bool | None = None
    whitelist: WhitelistType | None = None
    language: Annotated[str, LANGUAGE] | None = None
    last_updated: DateTime | None = None


__all__ = [  # noqa: RUF022 - ordered by detection priority, not alphabetically
    "Token",
    "AuthorizationInfo",
    "LocationReferences",
    "TokenPatch",
    "Allowed",
    "TokenType",
    "WhitelistType",
]
