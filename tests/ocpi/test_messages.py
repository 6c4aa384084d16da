"""The cheap ways of building and reading httpx messages give what httpx's own ways give."""

from __future__ import annotations

import json
import random
import uuid
from decimal import Decimal

import httpx
import pytest

from sim.ocpi import messages
from sim.ocpi.headers import uuid4_text
from sim.ocpi.wirejson import loads


def test_a_response_is_built_and_read_as_httpx_builds_and_reads_it() -> None:
    request = httpx.Request("PUT", "https://emsp.roamsim.test/ocpi/2.2.1/receiver/sessions/NL/CPA/S1")
    headers = {"Content-Type": "application/json", "X-Request-ID": "r-1", "OCPI-from-party-id": "ABC"}
    content = b'{"status_code":1000,"timestamp":"2026-03-02T06:15:01Z"}'
    built = messages.response(200, content, headers, request)
    expected = httpx.Response(200, content=content, headers=headers, request=request)
    assert built.headers.raw == expected.headers.raw
    assert (built.content, built.text, built.json()) == (expected.content, expected.text, expected.json())
    read = httpx.Response(200, headers=expected.headers.raw, stream=httpx.ByteStream(content), request=request)
    read.read()  # a response read from its stream, as a transport hands it over
    assert (built.is_closed, built.is_stream_consumed, built.num_bytes_downloaded) == (
        read.is_closed,
        read.is_stream_consumed,
        read.num_bytes_downloaded,
    )
    assert built.read() == content and list(built.iter_bytes()) == list(expected.iter_bytes())
    assert built.request is request


def test_an_empty_response_body_reads_as_httpx_reads_it() -> None:
    built = messages.response(204, b"", {}, None)
    expected = httpx.Response(204, content=b"")
    assert built.headers.raw == expected.headers.raw
    assert (built.content, built.is_closed, built.is_stream_consumed, built.num_bytes_downloaded) == (
        b"",
        True,
        True,
        0,
    )


def test_an_encoded_response_body_is_decoded_by_httpx() -> None:
    import gzip

    body = gzip.compress(b'{"a":1}')
    built = messages.response(200, body, {"Content-Encoding": "gzip"}, None)
    assert built.content == b'{"a":1}'


def test_header_dict_is_what_items_gives() -> None:
    headers = httpx.Headers([("Host", "a.test"), ("X-Thing", "1"), ("x-thing", "2"), ("Accept", "*/*")])
    assert messages.header_dict(headers) == dict(headers.items())
    assert list(messages.header_dict(headers)) == list(dict(headers.items()))
    latin = httpx.Headers([(b"X-Name", "Zoë".encode("latin-1"))])
    assert messages.header_dict(latin) == dict(latin.items())


def test_uuid4_text_is_what_the_uuid_module_writes() -> None:
    rng = random.Random(7)
    for bits in [0, 2**128 - 1, *(rng.getrandbits(128) for _ in range(2000))]:
        assert uuid4_text(bits) == str(uuid.UUID(int=bits, version=4))


@pytest.mark.parametrize(
    "text",
    ['{"a":1.50,"b":[1,2e3,-0.0],"c":"x\\u00e9"}', b'{"a":0.1}', '{"a":1}'.encode("utf-16"), b"[]"],
)
def test_loads_reads_as_json_loads_with_decimals(text: str | bytes) -> None:
    assert loads(text) == json.loads(text, parse_float=Decimal)


@pytest.mark.parametrize("text", ["\ufeff{}", "{", "NaN", '{"a":Infinity}', b"\xff\xfe"])
def test_loads_refuses_what_json_loads_refuses(text: str | bytes) -> None:
    with pytest.raises(ValueError):
        loads(text)


# --- the direct builders (sim.ocpi.fastmessages) ------------------------------------------------------


def test_this_httpx_is_built_directly() -> None:
    from sim.ocpi import fastmessages

    assert fastmessages.request_builder() is not None
    assert fastmessages.response_builder() is not None
    assert fastmessages._LAYOUT_KNOWN


@pytest.mark.parametrize("method", ["GET", "post", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("content", [None, b"", b'{"a":1}'])
@pytest.mark.parametrize(
    "headers",
    [
        [(b"User-Agent", b"roamsim"), (b"Authorization", b"Token x")],
        [(b"Host", b"other.test"), (b"X-A", b"1"), (b"x-a", b"2")],
        [(b"Content-Length", b"7")],
        [(b"Transfer-Encoding", b"chunked")],
    ],
)
def test_a_request_is_what_httpx_builds(method: str, content: bytes | None, headers: list[tuple[bytes, bytes]]) -> None:
    from sim.ocpi import fastmessages

    url = httpx.URL("https://emsp.roamsim.test/ocpi/2.2.1/receiver/tokens/NL/ABC/T1?type=RFID")
    built = messages.request(method, url, headers, content, {"roamsim.module": "tokens"})
    expected = httpx.Request(method, url, headers=headers, content=content, extensions={"roamsim.module": "tokens"})
    assert fastmessages._state(built) == fastmessages._state(expected)
    assert (built.content, built.headers.raw, built.method) == (expected.content, expected.headers.raw, expected.method)
    assert messages.header_dict(built.headers) == dict(expected.headers.items())


def test_a_response_state_is_what_httpx_and_read_leave() -> None:
    from sim.ocpi import fastmessages

    request = httpx.Request("GET", "https://a.test/x")
    headers = {"Content-Type": "application/json", "content-type": "text/plain", "X-Request-ID": "r"}
    built = messages.response(200, b'{"a":1}', headers, request)
    expected = httpx.Response(200, headers=[*headers.items(), ("Content-Length", "7")],
                              stream=httpx.ByteStream(b'{"a":1}'), request=request)  # fmt: skip
    expected.read()
    assert built.headers.encoding == "ascii"  # what ``read`` worked out (and kept) for the expected one
    state, wanted = fastmessages._state(built), fastmessages._state(expected)
    wanted.pop("_decoder")  # the decoder ``read`` picks is never needed again: the body is kept as it is
    assert state.keys() == wanted.keys()
    assert {k: v for k, v in state.items() if k != "stream"} == {k: v for k, v in wanted.items() if k != "stream"}
    assert messages.header_dict(built.headers) == dict(expected.headers.items())


def test_a_non_ascii_response_header_is_refused_as_httpx_refuses_it() -> None:
    with pytest.raises(UnicodeEncodeError):
        messages.response(200, b"", {"X-Name": "Zoë"}, None)
    with pytest.raises(UnicodeEncodeError):
        httpx.Response(200, headers={"X-Name": "Zoë"})


def test_a_kept_reading_is_dropped_when_the_headers_change() -> None:
    response = messages.response(200, b"{}", {"Content-Type": "application/json", "X-A": "1"}, None)
    first = messages.header_dict(response.headers)
    first["x-a"] = "changed by the caller"
    assert messages.header_dict(response.headers) == dict(response.headers.items())
    response.headers["X-A"] = "2"
    response.headers["X-B"] = "3"
    assert messages.header_dict(response.headers) == dict(response.headers.items())
    del response.headers["X-B"]
    assert messages.header_dict(response.headers) == dict(response.headers.items())
    response.headers.encoding = "latin-1"
    assert messages.header_dict(response.headers) == dict(response.headers.items())
