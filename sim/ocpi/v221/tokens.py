"""OCPI 2.2.1 Tokens module: the eMSP's driver tokens and real-time authorization.

``ProfileType`` (a Sessions-module enum) is defined here because ``Token.default_profile_type`` needs
it and this module sits left of ``sessions`` in the import order; ``sessions`` re-exports it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from sim.ocpi.common import LANGUAGE, Bool, OCPIModel, PatchModel
from sim.ocpi.v221.types import CiString, CountryCode, DateTime, DisplayText, PartyId, String


class TokenType(StrEnum):
    """What kind of identifier a token is."""

    AD_HOC_USER = "AD_HOC_USER"
    APP_USER = "APP_USER"
    OTHER = "OTHER"
    RFID = "RFID"


class WhitelistType(StrEnum):
    """How a CPO may authorise a token without asking the eMSP."""

    ALWAYS = "ALWAYS"
    ALLOWED = "ALLOWED"
    ALLOWED_OFFLINE = "ALLOWED_OFFLINE"
    NEVER = "NEVER"


class AllowedType(StrEnum):
    """The eMSP's verdict in a real-time authorization."""

    ALLOWED = "ALLOWED"
    BLOCKED = "BLOCKED"
    EXPIRED = "EXPIRED"
    NO_CREDIT = "NO_CREDIT"
    NOT_ALLOWED = "NOT_ALLOWED"


class ProfileType(StrEnum):
    """Smart-charging preference a driver can choose (Sessions module enum)."""

    CHEAP = "CHEAP"
    FAST = "FAST"
    GREEN = "GREEN"
    REGULAR = "REGULAR"


class EnergyContract(OCPIModel):
    """The driver's own electricity supplier contract, if the eMSP knows it."""

    supplier_name: Annotated[str, String(64)]
    contract_id: Annotated[str, String(64)] | None = None


class LocationReferences(OCPIModel):
    """Where a token wants to charge (authorize request) or may charge (authorize answer)."""

    location_id: Annotated[str, CiString(36)]
    evse_uids: list[Annotated[str, CiString(36)]] | None = None


class Token(OCPIModel):
    """A driver's charging token (RFID card, app user …) owned by an eMSP."""

    country_code: CountryCode
    party_id: PartyId
    uid: Annotated[str, CiString(36)]
    type: TokenType
    contract_id: Annotated[str, CiString(36)]
    visual_number: Annotated[str, String(64)] | None = None
    issuer: Annotated[str, String(64)]
    group_id: Annotated[str, CiString(36)] | None = None
    valid: Bool
    whitelist: WhitelistType
    language: Annotated[str, LANGUAGE] | None = None
    default_profile_type: ProfileType | None = None
    energy_contract: EnergyContract | None = None
    last_updated: DateTime


class AuthorizationInfo(OCPIModel):
    """The eMSP's answer to a real-time authorization request."""

    allowed: AllowedType
    token: Token
    location: LocationReferences | None = None
    authorization_reference: Annotated[str, CiString(36)] | None = None
    info: DisplayText | None = None


class TokenPatch(PatchModel):
    """Partial Token for a PATCH: only the changed fields, ``last_updated`` always."""

    country_code: CountryCode | None = None
    party_id: PartyId | None = None
    uid: Annotated[str, CiString(36)] | None = None
    type: TokenType | None = None
    contract_id: Annotated[str, CiString(36)] | None = None
    visual_number: Annotated[str, String(64)] | None = None
    issuer: Annotated[str, String(64)] | None = None
    group_id: Annotated[str, CiString(36)] | None = None
    valid: Bool | None = None
    whitelist: WhitelistType | None = None
    language: Annotated[str, LANGUAGE] | None = None
    default_profile_type: ProfileType | None = None
    energy_contract: EnergyContract | None = None
    last_updated: DateTime


__all__ = [  # noqa: RUF022 - priority order: main object, sub-objects, patch forms, enums
    "Token",
    "AuthorizationInfo",
    "LocationReferences",
    "EnergyContract",
    "TokenPatch",
    "AllowedType",
    "ProfileType",
    "TokenType",
    "WhitelistType",
]
