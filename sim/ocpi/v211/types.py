"""OCPI 2.1.1 basic types (spec chapter "Types"): string, CiString, DateTime, DisplayText, URL.

2.1.1 strings are printable ASCII, DateTimes have no fractional seconds, and there is no Price
type (money is a plain ``number`` excluding VAT) and no Role.
"""

from __future__ import annotations

from typing import Annotated

from sim.ocpi.common import COUNTRY_CODE_ALPHA2, LANGUAGE, PARTY_ID, Charset, DateTime211, OCPIModel, Text

VERSION = "2.1.1"


def String(max_length: int) -> Text:  # noqa: N802 - reads like the spec's type name
    """``string(n)``: case-sensitive printable ASCII."""
    return Text(max_length, Charset.PRINTABLE_ASCII)


def CiString(max_length: int) -> Text:  # noqa: N802 - reads like the spec's type name
    """``CiString(n)``: case-insensitive printable ASCII."""
    return Text(max_length, Charset.PRINTABLE_ASCII, case_insensitive=True)


DateTime = DateTime211
URL = Annotated[str, String(255)]
CountryCode = Annotated[str, COUNTRY_CODE_ALPHA2]
"""Party ``country_code``: string(2), ISO 3166-1 alpha-2."""
PartyId = Annotated[str, PARTY_ID]
"""Party ``party_id``: string(3)."""


class DisplayText(OCPIModel):
    """Text in one language, for showing to a person."""

    language: Annotated[str, LANGUAGE]
    text: Annotated[str, String(512)]


__all__ = ["URL", "VERSION", "CiString", "CountryCode", "DateTime", "DisplayText", "PartyId", "String"]
