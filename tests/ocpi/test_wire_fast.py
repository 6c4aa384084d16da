"""The faster JSON helpers give exactly what the plain ones give."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.ocpi.common import OCPIVersion
from sim.ocpi.envelope import envelope, envelope_json, relayable, wire_data, wire_json
from sim.ocpi.v221.locations import EVSEPatch
from sim.ocpi.v221.types import Price
from sim.ocpi.wirejson import _DECIMAL_MARK, dumps, dumps_plain, loads, unmark

AT = datetime(2026, 3, 2, 6, 0, 0, 250000, tzinfo=UTC)


class Colour(StrEnum):
    RED = "RED"


@pytest.mark.parametrize(
    "text",
    [
        '{"a":"\\u00001.5\\u0000","b":["\\u0000-2\\u0000"]}',
        '{"a":"\\\\u00001.5\\\\u0000"}',  # a literal backslash: not a marker
        '{"a":"\\u0000x\\u0000","b":"\\u0000"}',  # NULs around text that is not a number
        '"\\u00001.\\u0000"',
        "{}",
    ],
)
def test_unmark_is_the_substitution(text: str) -> None:
    assert unmark(text) == _DECIMAL_MARK.sub(r"\1", text)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
    | st.decimals(allow_nan=False, allow_infinity=False),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=12,
)  # fmt: skip


@given(JSON_VALUES)
def test_dumps_plain_is_dumps(value: Any) -> None:
    try:
        expected = dumps(value)
    except (ValueError, TypeError) as exc:
        with pytest.raises(type(exc)):
            dumps_plain(value)
        return
    assert dumps_plain(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        {"latency_ms": 1e-05, "big": 1e16, "zero": -0.0},
        {"price": Decimal("1.50")},
        {"colour": Colour.RED, "pair": ("a", 1), 1: "int key"},
        {"text": 'é \u2028 \x00 \x1f \x7f "q" \\'},
    ],
)
def test_dumps_plain_on_values_it_hands_to_dumps(value: Any) -> None:
    assert dumps_plain(value) == dumps(value)


def test_dumps_plain_refuses_nan_as_dumps_does() -> None:
    with pytest.raises(ValueError):
        dumps_plain({"x": float("nan")})


def _patch(status: str = "CHARGING") -> EVSEPatch:
    return EVSEPatch.model_validate({"status": status, "last_updated": AT})


@pytest.mark.parametrize(
    "data",
    [_patch(), [_patch(), _patch("AVAILABLE")], (), [], {"a": Decimal("1.0"), "b": [1, "x"]}, None, "text", 3],
)
def test_wire_json_is_dumps_of_wire_data(data: Any) -> None:
    assert wire_json(data) == dumps(wire_data(data))


@pytest.mark.parametrize("data", [_patch(), [_patch()], {"x": 1}, None, []])
@pytest.mark.parametrize("message", [None, "fine"])
@pytest.mark.parametrize("include_data", [True, False])
@pytest.mark.parametrize("version", list(OCPIVersion))
def test_envelope_json_is_dumps_of_envelope(
    data: Any, message: str | None, include_data: bool, version: OCPIVersion
) -> None:
    arguments: dict[str, Any] = {"timestamp": AT, "version": version, "status": 1000, "message": message,
                                 "include_data": include_data}  # fmt: skip
    assert envelope_json(data, **arguments) == dumps(envelope(data, **arguments))


@given(st.decimals(allow_nan=False, allow_infinity=False), st.decimals(allow_nan=False, allow_infinity=False))
def test_relayable_bodies_come_back_byte_for_byte(excl: Decimal, incl: Decimal) -> None:
    price = Price(excl_vat=excl, incl_vat=incl)
    text = wire_json(price)
    if relayable(price, text):
        assert dumps(loads(text)) == text
    else:
        assert re.search(r"[:,\[]-0[,\]}]", text)


def test_relayable_refuses_what_it_cannot_vouch_for() -> None:
    negative_zero = Price(excl_vat=Decimal("-0"), incl_vat=Decimal("1"))
    text = wire_json(negative_zero)
    assert not relayable(negative_zero, text) and dumps(loads(text)) != text
    assert not relayable({"a": 1e-05}, wire_json({"a": 1e-05}))
    assert relayable([_patch()], wire_json([_patch()]))
    assert json.loads(wire_json([_patch()]))[0]["status"] == "CHARGING"


@pytest.mark.parametrize(
    "raw", [b"{", b"{}", b'{"a":1}', b"{\x00", b'{"\xc3\xa9":1}', "{}".encode("utf-16-le"), "{}".encode("utf-32-le")]
)
def test_loads_reads_the_encoding_as_detect_encoding_does(raw: bytes) -> None:
    try:
        expected: Any = json.loads(raw, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as exc:
        with pytest.raises(type(exc)):
            loads(raw)
        return
    assert loads(raw) == expected
