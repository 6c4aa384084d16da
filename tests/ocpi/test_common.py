"""DateTime, string, number and JSON rules of the common OCPI layer."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from sim.ocpi.common import (
    Charset,
    DateTime211,
    DateTime221,
    Int,
    Number,
    OCPIModel,
    OCPIVersion,
    Text,
    format_datetime,
    parse_datetime,
)
from sim.ocpi.wirejson import dumps, loads

V211, V221 = OCPIVersion.V2_1_1, OCPIVersion.V2_2_1

aware_times = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC))


class Stamped211(OCPIModel):
    at: DateTime211


class Stamped221(OCPIModel):
    at: DateTime221


class Named(OCPIModel):
    ascii_name: Annotated[str, Text(8, Charset.PRINTABLE_ASCII)] | None = None
    utf8_name: Annotated[str, Text(8, Charset.PRINTABLE_UTF8)] | None = None


class Priced(OCPIModel):
    price: Number
    step_size: Int


# --- DateTime -------------------------------------------------------------------------------------


@given(aware_times)
def test_datetime_221_is_utc_z_within_25_characters_and_round_trips_to_the_millisecond(moment: datetime) -> None:
    text = format_datetime(moment, V221)
    assert text.endswith("Z") and "+" not in text
    assert len(text) <= 25
    assert parse_datetime(text, V221) == moment.replace(microsecond=moment.microsecond // 1000 * 1000)


@given(aware_times)
def test_datetime_211_has_whole_seconds_and_round_trips(moment: datetime) -> None:
    text = format_datetime(moment, V211)
    assert len(text) == 20 and text.endswith("Z")
    assert parse_datetime(text, V211) == moment.replace(microsecond=0)


@given(aware_times)
def test_datetime_written_from_another_zone_is_converted_to_utc(moment: datetime) -> None:
    from zoneinfo import ZoneInfo

    local = moment.astimezone(ZoneInfo("Europe/Amsterdam"))
    assert format_datetime(local, V211) == format_datetime(moment, V211)


def test_datetime_shapes_the_spec_allows() -> None:
    expected = datetime(2015, 6, 29, 20, 39, 9, tzinfo=UTC)
    assert parse_datetime("2015-06-29T20:39:09Z", V211) == expected
    assert parse_datetime("2015-06-29T20:39:09", V211) == expected  # no zone means UTC
    assert parse_datetime("2015-06-29T20:39:09.2Z", V221) == expected.replace(microsecond=200000)
    assert parse_datetime("2015-06-29T20:39:09.123", V221) == expected.replace(microsecond=123000)


@pytest.mark.parametrize(
    ("text", "version", "reason"),
    [
        ("2015-06-29T20:39:09+00:00", V221, "offset \\+00:00"),
        ("2015-06-29T22:39:09+02:00", V211, "offset \\+02:00"),
        ("2015-06-29T20:39:09.123Z", V211, "fractional seconds"),
        ("2015-06-29T20:39:09.1234567Z", V221, "longer than 25"),
        ("2015-06-29 20:39:09Z", V221, "not an OCPI DateTime"),
        ("2015-02-30T20:39:09Z", V221, "not a real date"),
        ("29-06-2015T20:39:09Z", V221, "not an OCPI DateTime"),
    ],
)
def test_datetime_shapes_the_spec_forbids(text: str, version: OCPIVersion, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_datetime(text, version)


def test_model_datetime_field_serialises_in_the_version_format() -> None:
    at = datetime(2026, 3, 2, 6, 0, 0, 250000, tzinfo=UTC)
    assert Stamped221(at=at).to_json() == '{"at":"2026-03-02T06:00:00.250Z"}'
    assert Stamped211(at=at).to_json() == '{"at":"2026-03-02T06:00:00Z"}'


def test_model_rejects_naive_datetime_and_non_string() -> None:
    with pytest.raises(ValidationError, match="timezone-aware"):
        Stamped221(at=datetime(2026, 1, 1))
    with pytest.raises(ValidationError, match="got a number"):
        Stamped221.model_validate({"at": 1700000000})


# --- strings --------------------------------------------------------------------------------------


@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=8))
def test_printable_ascii_up_to_the_limit_is_accepted(text: str) -> None:
    assert Named(ascii_name=text).ascii_name == text


@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=9, max_size=40))
def test_string_over_the_limit_is_rejected_with_the_numbers(text: str) -> None:
    with pytest.raises(ValidationError, match=f"at most 8 characters allowed, got {len(text)}"):
        Named(ascii_name=text)


@given(st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Zs"]), max_size=8))
def test_printable_utf8_is_accepted_where_the_version_allows_it(text: str) -> None:
    assert Named(utf8_name=text).utf8_name == text


@pytest.mark.parametrize("char", ["\n", "\t", "\r", "\x00", "\x7f", "\x85"])
def test_control_characters_are_rejected_in_both_charsets(char: str) -> None:
    with pytest.raises(ValidationError, match="found U\\+00"):
        Named(utf8_name=f"a{char}b")
    with pytest.raises(ValidationError, match="only printable ASCII"):
        Named(ascii_name=f"a{char}b")


def test_non_ascii_letter_is_only_allowed_in_utf8_strings() -> None:
    assert Named(utf8_name="Café").utf8_name == "Café"
    with pytest.raises(ValidationError, match="found 'é' at position 3"):
        Named(ascii_name="Café")


def test_length_counts_characters_not_bytes() -> None:
    assert Named(utf8_name="éééééééé").utf8_name == "éééééééé"  # 8 characters, 16 bytes


def test_a_number_is_not_a_string() -> None:
    with pytest.raises(ValidationError, match="valid string"):
        Named.model_validate({"ascii_name": 3})


# --- numbers and JSON -----------------------------------------------------------------------------


def test_numbers_are_exact_decimals_and_serialise_without_float_artefacts() -> None:
    data = loads('{"price": 0.1, "step_size": 1}')
    priced = Priced.model_validate(data)
    assert priced.price == Decimal("0.1") and isinstance(priced.price, Decimal)
    assert priced.to_json() == '{"price":0.1,"step_size":1}'
    assert Priced(price=Decimal("0.1") + Decimal("0.2"), step_size=1).to_json() == '{"price":0.3,"step_size":1}'


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"price": "0.25", "step_size": 1}, "must be a JSON number, got a string '0.25'"),
        ({"price": True, "step_size": 1}, "must be a JSON number, got a boolean"),
        ({"price": 1, "step_size": Decimal("1.0")}, "valid integer"),
        ({"price": 1, "step_size": "1"}, "valid integer"),
        ({"price": 1, "step_size": True}, "valid integer"),
    ],
)
def test_numbers_and_integers_are_read_strictly(document: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Priced.model_validate(document)


@given(st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-(10**9), max_value=10**9))
def test_decimal_json_round_trip_is_exact(value: Decimal) -> None:
    text = dumps({"v": value})
    assert loads(text)["v"] == value
    assert "e" not in text.lower()  # plain notation, as OCPI peers expect
    json.loads(text)  # still standard JSON


def test_dumps_is_deterministic_and_keeps_non_ascii_text() -> None:
    document = {"b": [Decimal("2.00"), 1, None, True], "a": "Zürich"}
    assert dumps(document) == '{"b":[2.00,1,null,true],"a":"Zürich"}'
    assert dumps(document) == dumps(loads(dumps(document)))


def test_loads_rejects_non_json_constants() -> None:
    with pytest.raises(ValueError, match="NaN is not valid JSON"):
        loads('{"v": NaN}')
