"""Building blocks shared by the OCPI 2.1.1 and 2.2.1 wire models.

Everything here is about the *wire contract*: how a value must look in a JSON body.

* ``Text(n, charset)`` — metadata for ``string(n)`` and ``CiString(n)``: a maximum length in
  characters and the characters allowed (2.1.1 ``string`` is printable ASCII, 2.2.1 ``string`` is
  printable UTF-8 without control characters, ``CiString`` is printable ASCII in both).  Lengths are
  counted in characters, the digest's recommended reading.
* ``OCPIDateTime(version)`` — metadata for ``DateTime``: parsed leniently (with or without ``Z``,
  2.2.1 also with fractional seconds), always held as an aware UTC ``datetime`` and always written
  as ``YYYY-MM-DDTHH:MM:SSZ`` (2.2.1 adds ``.mmm`` when the time has a fraction).  Offsets such as
  ``+00:00`` are rejected: the spec says they are *not* UTC.
* ``Number``, ``Int``, ``Bool`` — JSON numbers become ``Decimal`` (never float); strings that look like
  numbers and booleans that look like integers are rejected, as a strict reader must.
* ``OCPIModel`` — the base of every wire object: tolerant of unknown fields when reading (OCPI asks
  receivers to be), strict when writing (optional fields left out when unset).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from types import ModuleType
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, Strict
from pydantic_core import PydanticCustomError, core_schema

from sim.ocpi.modeljson import model_json
from sim.ocpi.wirejson import dumps, wire_decimal


class OCPIVersion(StrEnum):
    """The protocol versions this simulator speaks."""

    V2_1_1 = "2.1.1"
    V2_2_1 = "2.2.1"


class Charset(StrEnum):
    """Which characters a string field may hold."""

    PRINTABLE_ASCII = "printable ASCII"
    PRINTABLE_UTF8 = "printable UTF-8"


_NON_PRINTABLE_ASCII = re.compile(r"[^\x20-\x7e]")
# Control characters (C0, DEL, C1) are forbidden in 2.2.1 strings; everything else in UTF-8 is fine.
_CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _describe_char(char: str) -> str:
    return f"U+{ord(char):04X}" if not char.isprintable() else repr(char)


@dataclass(frozen=True)
class Text:
    """Metadata for a length-limited OCPI string: ``Annotated[str, Text(36, Charset.PRINTABLE_ASCII)]``.

    ``pattern`` (a full-match regex) and its human description ``pattern_hint`` cover fields with a
    fixed shape such as coordinates, ``HH:MM`` times or ISO country codes.
    """

    max_length: int
    charset: Charset
    case_insensitive: bool = False
    pattern: str | None = None
    pattern_hint: str | None = None
    min_length: int = 0

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> core_schema.CoreSchema:
        compiled = re.compile(self.pattern) if self.pattern else None

        def check(value: str) -> str:
            if len(value) > self.max_length:
                raise PydanticCustomError(
                    "ocpi_string_too_long",
                    "at most {max_length} characters allowed, got {length}",
                    {"max_length": self.max_length, "length": len(value)},
                )
            if len(value) < self.min_length:
                raise PydanticCustomError(
                    "ocpi_string_too_short",
                    "at least {min_length} characters required, got {length}",
                    {"min_length": self.min_length, "length": len(value)},
                )
            # Printable ASCII passes both charsets; only other text needs the regex (and its message).
            ascii_printable = value.isascii() and value.isprintable()
            forbidden = (
                None
                if ascii_printable
                else (_NON_PRINTABLE_ASCII if self.charset is Charset.PRINTABLE_ASCII else _CONTROL_CHARACTER).search(
                    value
                )
            )
            if forbidden:
                raise PydanticCustomError(
                    "ocpi_string_charset",
                    "only {charset} characters allowed, found {char} at position {position}",
                    {
                        "charset": self.charset.value,
                        "char": _describe_char(forbidden.group()),
                        "position": forbidden.start(),
                    },
                )
            if compiled is not None and not compiled.fullmatch(value):
                raise PydanticCustomError(
                    "ocpi_string_pattern",
                    "{value} is not {hint}",
                    {"value": repr(value), "hint": self.pattern_hint or f"matching {self.pattern}"},
                )
            return value

        return core_schema.no_info_after_validator_function(
            check,
            core_schema.str_schema(strict=True),
            json_schema_input_schema=core_schema.str_schema(max_length=self.max_length),
        )


# --- DateTime ---------------------------------------------------------------------------------------

_DATETIME_SHAPE = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})T(?P<time>\d{2}:\d{2}:\d{2})(?P<fraction>\.\d+)?(?P<zone>Z|[+-]\d{2}:?\d{2})?"
)
DATETIME_MAX_LENGTH = 25


@lru_cache(maxsize=8192)  # the same timestamps come back in every message about an object
def parse_datetime(text: str, version: OCPIVersion = OCPIVersion.V2_2_1) -> datetime:
    """Parse an OCPI DateTime into an aware UTC datetime, or raise ``ValueError`` saying why.

    Accepted: ``2015-06-29T20:39:09Z`` and ``2015-06-29T20:39:09`` (no zone means UTC); in 2.2.1 also
    fractional seconds.  Rejected: offsets (``+00:00`` is explicitly not UTC in OCPI), more than 25
    characters, anything else.
    """
    match = _DATETIME_SHAPE.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not an OCPI DateTime (expected YYYY-MM-DDTHH:MM:SSZ)")
    zone, fraction = match.group("zone"), match.group("fraction")
    if zone is not None and zone != "Z":
        raise ValueError(f"{text!r} carries offset {zone}; OCPI DateTimes are UTC and written with 'Z'")
    if fraction is not None and version is OCPIVersion.V2_1_1:
        raise ValueError(f"{text!r} has fractional seconds, which OCPI 2.1.1 does not allow")
    if len(text) > DATETIME_MAX_LENGTH:
        raise ValueError(f"{text!r} is longer than {DATETIME_MAX_LENGTH} characters")
    try:
        parsed = datetime.fromisoformat(f"{match.group('date')}T{match.group('time')}")
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a real date and time: {exc}") from None
    if fraction is not None:
        digits = (fraction[1:] + "000000")[:6]
        parsed = parsed.replace(microsecond=int(digits))
    return parsed.replace(tzinfo=UTC)


@lru_cache(maxsize=8192)  # equal instants in any zone are one key, and give one text
def format_datetime(moment: datetime, version: OCPIVersion = OCPIVersion.V2_2_1) -> str:
    """Write an aware datetime as an OCPI DateTime in UTC with ``Z``.

    Whole seconds in 2.1.1; 2.2.1 keeps milliseconds when the time has a fraction (24 characters,
    inside the 25-character limit; microseconds would exceed it).
    """
    if moment.tzinfo is None:
        raise ValueError("refusing to format a naive datetime: simulation times are always aware UTC")
    utc = moment.astimezone(UTC)
    # ``isoformat`` is the fast way to the same text (it pads years below 1000, ``strftime`` does not).
    text = utc.isoformat(timespec="seconds")[:19] if utc.year >= 1000 else utc.strftime("%Y-%m-%dT%H:%M:%S")
    millis = utc.microsecond // 1000
    if version is OCPIVersion.V2_2_1 and millis:
        text += f".{millis:03d}"
    return text + "Z"


@dataclass(frozen=True)
class OCPIDateTime:
    """Metadata turning ``datetime`` into the OCPI DateTime of one version (see module docstring)."""

    version: OCPIVersion

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> core_schema.CoreSchema:
        version = self.version

        def validate(value: Any) -> datetime:
            if isinstance(value, datetime):
                if value.tzinfo is None:
                    raise PydanticCustomError("ocpi_datetime", "datetime must be timezone-aware (UTC)")
                return value.astimezone(UTC)
            if not isinstance(value, str):
                raise PydanticCustomError(
                    "ocpi_datetime", "must be an OCPI DateTime string, got {kind}", {"kind": _kind(value)}
                )
            try:
                return parse_datetime(value, version)
            except ValueError as exc:
                raise PydanticCustomError("ocpi_datetime", str(exc)) from None

        return core_schema.no_info_plain_validator_function(
            validate,
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda moment: format_datetime(moment, version)
            ),
            json_schema_input_schema=core_schema.str_schema(max_length=DATETIME_MAX_LENGTH),
        )


DateTime211 = Annotated[datetime, OCPIDateTime(OCPIVersion.V2_1_1)]
DateTime221 = Annotated[datetime, OCPIDateTime(OCPIVersion.V2_2_1)]


# --- numbers and other JSON scalars ----------------------------------------------------------------


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return f"a string {value!r}"
    if isinstance(value, (int, float, Decimal)):
        return "a number"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__


def _to_decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise PydanticCustomError("ocpi_number", "must be a JSON number, got {kind}", {"kind": _kind(value)})
    number = value if isinstance(value, Decimal) else Decimal(repr(value) if isinstance(value, float) else value)
    if not number.is_finite():
        raise PydanticCustomError("ocpi_number", "must be a finite number")
    return number


Number = Annotated[Decimal, BeforeValidator(_to_decimal), PlainSerializer(wire_decimal, when_used="json")]
"""OCPI ``number``: a JSON number held exactly as ``Decimal`` (written exactly by ``to_json``: the
serializer only acts under ``wirejson.WIRE_CONTEXT``; other JSON-mode dumps are as pydantic writes them)."""

Int = Annotated[int, Strict()]
"""OCPI ``int``: a JSON integer (no strings, no booleans, no 1.0)."""

Bool = Annotated[bool, Strict()]
"""OCPI ``boolean``."""


# --- the model base ---------------------------------------------------------------------------------


class OCPIModel(BaseModel):
    """Base of every OCPI wire object.

    Reading is tolerant (unknown fields are ignored here and reported by the validator as warnings);
    writing gives spec JSON: unset optional fields are left out, DateTimes in the version's format,
    Decimals as exact JSON numbers.
    """

    model_config = ConfigDict(extra="ignore", validate_assignment=True, use_enum_values=False)

    ocpi_patch: ClassVar[bool] = False
    """True for the partial (PATCH) form of an object."""

    def to_wire(self) -> dict[str, Any]:
        """The object as a JSON-ready dict (Decimals kept exact, unset fields left out)."""
        return self.model_dump(mode="python", exclude_none=True)

    def to_json(self) -> str:
        """The object as compact, deterministic wire JSON: ``dumps(self.to_wire())``, written by
        pydantic-core where the model allows (see ``sim.ocpi.modeljson``)."""
        return model_json(self)


class PatchModel(OCPIModel):
    """Base of the partial form of an object: every field optional, only the set ones are sent."""

    ocpi_patch: ClassVar[bool] = True


# --- shared field shapes ----------------------------------------------------------------------------

COUNTRY_CODE_ALPHA2 = Text(
    2,
    Charset.PRINTABLE_ASCII,
    case_insensitive=True,
    pattern=r"[A-Za-z]{2}",
    pattern_hint="an ISO 3166-1 alpha-2 country code (two letters)",
)
PARTY_ID = Text(
    3,
    Charset.PRINTABLE_ASCII,
    case_insensitive=True,
    pattern=r"[A-Za-z0-9]{3}",
    pattern_hint="a three-character party id",
)
COUNTRY_ALPHA3 = Text(
    3,
    Charset.PRINTABLE_ASCII,
    pattern=r"[A-Z]{3}",
    pattern_hint="an ISO 3166-1 alpha-3 country code (three capital letters)",
)
CURRENCY = Text(
    3, Charset.PRINTABLE_ASCII, pattern=r"[A-Z]{3}", pattern_hint="an ISO 4217 currency code (three capital letters)"
)
LANGUAGE = Text(
    2, Charset.PRINTABLE_ASCII, pattern=r"[A-Za-z]{2}", pattern_hint="an ISO 639-1 language code (two letters)"
)


def collect_model_classes(modules: Iterable[ModuleType]) -> list[type[OCPIModel]]:
    """Every OCPIModel class named in the modules' ``__all__``, in module order, each once.

    A version package lists its modules in type-detection priority, so this order is the order in
    which ``roamsim ocpi validate`` tries the classes.
    """
    found: list[type[OCPIModel]] = []
    for module in modules:
        for name in module.__all__:
            candidate = getattr(module, name)
            if isinstance(candidate, type) and issubclass(candidate, OCPIModel) and candidate not in found:
                found.append(candidate)
    return found


def case_fold(identifier: str) -> str:
    """Key for comparing CiString identifiers (case-insensitive, original spelling kept elsewhere)."""
    return identifier.casefold()


__all__ = [
    "COUNTRY_ALPHA3",
    "COUNTRY_CODE_ALPHA2",
    "CURRENCY",
    "LANGUAGE",
    "PARTY_ID",
    "Bool",
    "Charset",
    "DateTime211",
    "DateTime221",
    "Int",
    "Number",
    "OCPIDateTime",
    "OCPIModel",
    "OCPIVersion",
    "PatchModel",
    "Text",
    "case_fold",
    "collect_model_classes",
    "dumps",
    "format_datetime",
    "parse_datetime",
]
