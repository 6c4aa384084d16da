"""``parse_url`` gives exactly the URL httpx's own parser gives, for every shape of address."""

from __future__ import annotations

import httpx
import pytest

from sim.net.urls import parse_url, parse_url_with_query

ADDRESSES = [
    "https://nl-cpa.roamsim.test/ocpi/versions",
    "https://nl-cpa.roamsim.test/ocpi/2.2.1/receiver/locations/NL/CPA/LOC-1/LOC-1-E1",
    "https://de-msa.roamsim.test/ocpi/2.1.1/sender/tokens/MSA-RFID-0001/authorize",
    "https://hub.roamsim.test/ocpi/2.2.1/sender/commands/relay/12",
    "http://a-b.example.test/x_y~z/ID-1.2/",
    "https://host.test/",
    "https://host.test",
    "https://host.test/a/./b",
    "https://host.test/a/../b",
    "https://host.test/a/..",
    "https://host.test/a/.hidden/b..c",
    "https://HOST.test/a",
    "HTTPS://host.test/a",
    "https://host.test:443/a",
    "https://host.test:8443/a",
    "https://127.0.0.1/a",
    "https://host.test/a b",
    "https://host.test/a%20b",
    "https://host.test/a?x=1",
    "https://host.test/a#frag",
    "https://user@host.test/a",
    "https://host.test/ä",
    "https://hößt.test/a",
    "https://host.test/a;b,c=d",
    "/relative/path",
]


@pytest.mark.parametrize("address", ADDRESSES)
def test_parse_url_matches_httpx(address: str) -> None:
    parsed, expected = parse_url(address), httpx.URL(address)
    assert parsed == expected
    assert str(parsed) == str(expected)
    assert (parsed.scheme, parsed.host, parsed.port, parsed.path, parsed.raw_path, parsed.query) == (
        expected.scheme,
        expected.host,
        expected.port,
        expected.path,
        expected.raw_path,
        expected.query,
    )
    assert parsed.netloc == expected.netloc
    assert parse_url(address) is parsed  # remembered


def test_an_invalid_address_is_refused_as_httpx_refuses_it() -> None:
    with pytest.raises(httpx.InvalidURL):
        parse_url("https://host.test/a\nb")


@pytest.mark.parametrize(
    ("address", "params"),
    [
        ("https://de-msa.roamsim.test/ocpi/2.2.1/receiver/tokens/DE/MSA/T1", (("type", "RFID"),)),
        ("https://hub.roamsim.test/ocpi/2.2.1/sender/sessions", (("date_from", "2026-03-02T06:15:01Z"),)),
        ("https://hub.roamsim.test/ocpi/2.2.1/sender/sessions", (("offset", "10"), ("limit", "5"))),
        ("https://a.test/x", (("response_url", "https://b.test/cb/1"),)),
        ("https://a.test/x", (("q", "a b"), ("r", "ä"))),
        ("https://a.test/x", ()),
        ("https://A.test/x/../y", (("type", "RFID"),)),
        ("https://a.test:8443/x", (("type", "RFID"),)),
    ],
)
def test_parse_url_with_query_matches_httpx(address: str, params: tuple[tuple[str, str], ...]) -> None:
    parsed, expected = parse_url_with_query(address, params), httpx.URL(httpx.URL(address), params=dict(params))
    assert parsed == expected
    assert (str(parsed), parsed.raw_path, parsed.query, parsed.params) == (
        str(expected),
        expected.raw_path,
        expected.query,
        expected.params,
    )
