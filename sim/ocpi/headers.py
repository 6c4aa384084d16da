"""OCPI request headers: the credentials token, message ids and (2.2.1) routing.

Authorization
    ``Authorization: Token <value>``.  In 2.1.1 ``<value>`` is the credentials token as it is; in
    2.2.1 it is Base64 (standard alphabet, padded) of the token's UTF-8 bytes.  Many 2.1.1 and 2.2
    implementations send the raw token on 2.2.1 connections too, so a 2.2.1 server accepts both:
    ``read_authorization`` returns every reading of the header in order of preference and says which
    encoding each one assumes, so the caller can note in the trace that a peer sent a raw token.

Message ids (2.2.1)
    Every request carries a unique ``X-Request-ID`` and an ``X-Correlation-ID``; a response echoes
    both.  A hub forwarding a request makes a new request id and keeps the correlation id.  Ids here
    are UUIDs drawn from a seeded ``random.Random`` so the same scenario and seed give the same ids.

Routing (2.2.1)
    ``OCPI-to-party-id``, ``OCPI-to-country-code``, ``OCPI-from-party-id``,
    ``OCPI-from-country-code`` on requests and responses of the functional modules only — never on
    versions, credentials or hubclientinfo, which are platform-to-platform.
"""

from __future__ import annotations

import base64
import binascii
import random
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import httpx

from sim.ocpi.common import OCPIVersion
from sim.ocpi.status import Unauthorized

AUTHORIZATION = "Authorization"
X_REQUEST_ID = "X-Request-ID"
X_CORRELATION_ID = "X-Correlation-ID"
OCPI_TO_PARTY_ID = "OCPI-to-party-id"
OCPI_TO_COUNTRY_CODE = "OCPI-to-country-code"
OCPI_FROM_PARTY_ID = "OCPI-from-party-id"
OCPI_FROM_COUNTRY_CODE = "OCPI-from-country-code"
X_TOTAL_COUNT = "X-Total-Count"
X_LIMIT = "X-Limit"
LINK = "Link"
LOCATION = "Location"
CONTENT_TYPE_JSON = "application/json"

CONFIGURATION_MODULES = frozenset({"versions", "credentials", "hubclientinfo"})
"""Modules between platforms: no routing headers on these."""


class TokenEncoding(StrEnum):
    """How a credentials token is written in the Authorization header."""

    RAW = "raw"
    BASE64 = "base64"


def default_token_encoding(version: OCPIVersion) -> TokenEncoding:
    """The encoding the spec prescribes for a version."""
    return TokenEncoding.RAW if version is OCPIVersion.V2_1_1 else TokenEncoding.BASE64


@lru_cache(maxsize=1024)
def authorization_header(token: str, version: OCPIVersion, encoding: TokenEncoding | None = None) -> str:
    """The Authorization header value for ``token`` on a connection of ``version``.

    ``encoding`` overrides the spec's choice, to imitate a peer that sends raw tokens on 2.2.1.
    """
    chosen = encoding or default_token_encoding(version)
    if chosen is TokenEncoding.RAW:
        return f"Token {token}"
    return "Token " + base64.b64encode(token.encode("utf-8")).decode("ascii")


@dataclass(frozen=True)
class TokenReading:
    """One way to read an Authorization header: the token it names and the encoding that assumes."""

    token: str
    encoding: TokenEncoding


def _printable_ascii(text: str) -> bool:
    return bool(text) and all(0x21 <= ord(char) <= 0x7E for char in text)


def read_authorization(header: str | None, version: OCPIVersion) -> list[TokenReading]:
    """All plausible tokens in an Authorization header, most likely first.

    Raises ``Unauthorized`` when the header is missing or is not ``Token <value>``.  On 2.2.1 the
    Base64 reading comes first (when it decodes to printable ASCII) and the raw value second, so a
    server looks both up; on 2.1.1 only the raw value counts.
    """
    if header is None:
        raise Unauthorized("Authorization header missing")
    return list(_readings(header, version))


@lru_cache(maxsize=1024)
def _readings(header: str, version: OCPIVersion) -> tuple[TokenReading, ...]:
    """``read_authorization`` of a present header (a connection sends the same one every time)."""
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "token" or not value:
        raise Unauthorized("Authorization header must be 'Token <credentials token>'")
    raw = TokenReading(value, TokenEncoding.RAW)
    if version is OCPIVersion.V2_1_1:
        return (raw,)
    readings: list[TokenReading] = []
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        decoded = ""
    if _printable_ascii(decoded):
        readings.append(TokenReading(decoded, TokenEncoding.BASE64))
    readings.append(raw)
    return tuple(readings)


def raw_token_note(reading: TokenReading, version: OCPIVersion) -> str | None:
    """Trace remark when a 2.2.1 peer authenticated with a raw (not Base64) token."""
    if version is OCPIVersion.V2_2_1 and reading.encoding is TokenEncoding.RAW:
        return "peer sent a raw credentials token on a 2.2.1 connection (2.2.1 prescribes Base64); accepted"
    return None


# --- message ids ------------------------------------------------------------------------------------


class MessageIds:
    """Deterministic source of X-Request-ID / X-Correlation-ID values (UUID version 4 layout)."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def new(self) -> str:
        """A fresh id; the same seed gives the same sequence."""
        return uuid4_text(self._rng.getrandbits(128))


_VERSION_4_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))
_VERSION_4_SET = (0x8000 << 48) | (4 << 76)


def uuid4_text(bits: int) -> str:
    """``str(uuid.UUID(int=bits, version=4))`` without building the UUID object (the same variant and
    version bits set, the same lower-case 8-4-4-4-12 text)."""
    text = f"{(bits & _VERSION_4_CLEAR) | _VERSION_4_SET:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


@dataclass(frozen=True)
class MessageIdHeaders:
    """The id pair of one request (2.2.1)."""

    request_id: str
    correlation_id: str

    def to_headers(self) -> dict[str, str]:
        """As header name → value."""
        return {X_REQUEST_ID: self.request_id, X_CORRELATION_ID: self.correlation_id}

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> MessageIdHeaders | None:
        """Read the pair from (case-insensitive) headers; None unless both are present."""
        request_id = _get(headers, X_REQUEST_ID)
        correlation_id = _get(headers, X_CORRELATION_ID)
        if request_id is None or correlation_id is None:
            return None
        return cls(request_id, correlation_id)


# --- routing headers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartyRef:
    """A party as OCPI addresses it: ISO alpha-2 country code and three-character party id."""

    country_code: str
    party_id: str

    def __str__(self) -> str:
        return f"{self.country_code}-{self.party_id}"

    @property
    def key(self) -> tuple[str, str]:
        """Case-insensitive identity (both parts are CiStrings)."""
        return (self.country_code.upper(), self.party_id.upper())

    @classmethod
    def parse(cls, text: str) -> PartyRef:
        """Read ``NL-ABC`` (the simulator's party notation)."""
        country, sep, party = text.partition("-")
        if not sep or len(country) != 2 or len(party) != 3:
            raise ValueError(f"{text!r} is not a party reference like 'NL-ABC'")
        return cls(country, party)


@dataclass(frozen=True)
class RoutingHeaders:
    """The OCPI-to-* / OCPI-from-* pair of one message; ``to`` is None for open routing."""

    sender: PartyRef
    to: PartyRef | None

    def to_headers(self) -> dict[str, str]:
        """As header name → value."""
        headers = {
            OCPI_FROM_COUNTRY_CODE: self.sender.country_code,
            OCPI_FROM_PARTY_ID: self.sender.party_id,
        }
        if self.to is not None:
            headers[OCPI_TO_COUNTRY_CODE] = self.to.country_code
            headers[OCPI_TO_PARTY_ID] = self.to.party_id
        return headers

    def reply(self) -> RoutingHeaders:
        """The headers of the response to this message: TO and FROM swapped."""
        if self.to is None:
            raise ValueError("an open-routed request has no TO party to answer from")
        return RoutingHeaders(sender=self.to, to=self.sender)

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RoutingHeaders | None:
        """Read from (case-insensitive) headers; None if the FROM pair is absent."""
        from_country = _get(headers, OCPI_FROM_COUNTRY_CODE)
        from_party = _get(headers, OCPI_FROM_PARTY_ID)
        if from_country is None or from_party is None:
            return None
        to_country = _get(headers, OCPI_TO_COUNTRY_CODE)
        to_party = _get(headers, OCPI_TO_PARTY_ID)
        to = PartyRef(to_country, to_party) if to_country is not None and to_party is not None else None
        return cls(PartyRef(from_country, from_party), to)


def uses_routing_headers(module: str, version: OCPIVersion) -> bool:
    """Whether requests of ``module`` carry routing headers on a ``version`` connection."""
    return version is OCPIVersion.V2_2_1 and module not in CONFIGURATION_MODULES


def _get(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive header lookup that also works on plain dicts (fastest on lower-case ones)."""
    if isinstance(headers, httpx.Headers):
        found: str | None = headers.get(name)  # one case-insensitive scan (``in`` and ``[]`` would make two)
        return found
    if name in headers:
        return headers[name]
    lowered = name.lower()
    if lowered in headers:
        return headers[lowered]
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None
