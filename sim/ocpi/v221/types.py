"""OCPI 2.2.1 basic types (spec chapter "Types"): string, CiString, DateTime, DisplayText, Price, Role, URL.

Field annotations in the 2.2.1 models read like the spec: ``Annotated[str, CiString(36)]`` for
``CiString(36)``, ``Annotated[str, String(255)]`` for ``string(255)``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from sim.ocpi.common import (
    COUNTRY_CODE_ALPHA2,
    LANGUAGE,
    PARTY_ID,
    Charset,
    DateTime221,
    Number,
    OCPIModel,
    Text,
)

VERSION = "2.2.1"


def String(max_length: int) -> Text:  # noqa: N802 - reads like the spec's type name
    """``string(n)``: case-sensitive printable UTF-8 without control characters."""
    return Text(max_length, Charset.PRINTABLE_UTF8)


def CiString(max_length: int) -> Text:  # noqa: N802 - reads like the spec's type name
    """``CiString(n)``: case-insensitive printable ASCII."""
    return Text(max_length, Charset.PRINTABLE_ASCII, case_insensitive=True)


DateTime = DateTime221
URL = Annotated[str, String(255)]
CountryCode = Annotated[str, COUNTRY_CODE_ALPHA2]
"""Owner ``country_code``: CiString(2), ISO 3166-1 alpha-2."""
PartyId = Annotated[str, PARTY_ID]
"""Owner ``party_id``: CiString(3)."""


class Role(StrEnum):
    """Role of a party on an OCPI platform."""

    CPO = "CPO"
    EMSP = "EMSP"
    HUB = "HUB"
    NAP = "NAP"
    NSP = "NSP"
    OTHER = "OTHER"
    SCSP = "SCSP"


class DisplayText(OCPIModel):
    """Text in one language, for showing to a person."""

    language: Annotated[str, LANGUAGE]
    text: Annotated[str, String(512)]


class Price(OCPIModel):
    """An amount of money excluding and (optionally) including VAT."""

    excl_vat: Number
    incl_vat: Number | None = None


__all__ = [
    "URL",
    "VERSION",
    "CiString",
    "CountryCode",
    "DateTime",
    "DisplayText",
    "PartyId",
    "Price",
    "Role",
    "String",
]
