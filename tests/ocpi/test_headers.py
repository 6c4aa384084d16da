"""Authorization token encoding per version, message ids and routing headers."""

from __future__ import annotations

import random

import pytest

from sim.ocpi.common import OCPIVersion
from sim.ocpi.headers import (
    MessageIdHeaders,
    MessageIds,
    PartyRef,
    RoutingHeaders,
    TokenEncoding,
    authorization_header,
    raw_token_note,
    read_authorization,
    uses_routing_headers,
)
from sim.ocpi.status import Unauthorized

V211, V221 = OCPIVersion.V2_1_1, OCPIVersion.V2_2_1


def test_221_token_is_base64_of_exactly_the_token() -> None:
    # The 2.2.1 document's own example encodes a trailing newline; the right value has none.
    assert authorization_header("example-token", V221) == "Token ZXhhbXBsZS10b2tlbg=="
    assert authorization_header("example-token", V211) == "Token example-token"
    assert authorization_header("example-token", V221, TokenEncoding.RAW) == "Token example-token"


def test_211_header_is_read_raw() -> None:
    assert read_authorization("Token ebf3b399-779f-4497-9b9d-ac6ad3cc44d2", V211)[0].token == (
        "ebf3b399-779f-4497-9b9d-ac6ad3cc44d2"
    )


def test_221_header_is_read_as_base64_first_then_raw() -> None:
    readings = read_authorization("Token ZXhhbXBsZS10b2tlbg==", V221)
    assert [(r.token, r.encoding) for r in readings] == [
        ("example-token", TokenEncoding.BASE64),
        ("ZXhhbXBsZS10b2tlbg==", TokenEncoding.RAW),
    ]
    assert raw_token_note(readings[0], V221) is None


def test_raw_token_from_a_221_peer_is_accepted_and_noted() -> None:
    readings = read_authorization("Token ebf3b399-779f-4497-9b9d-ac6ad3cc44d2", V221)
    assert [(r.token, r.encoding) for r in readings] == [("ebf3b399-779f-4497-9b9d-ac6ad3cc44d2", TokenEncoding.RAW)]
    assert "raw credentials token" in (raw_token_note(readings[0], V221) or "")
    assert raw_token_note(readings[0], V211) is None


@pytest.mark.parametrize("header", [None, "", "Bearer abc", "Token", "Token   "])
def test_missing_or_malformed_header_is_unauthorized(header: str | None) -> None:
    with pytest.raises(Unauthorized) as caught:
        read_authorization(header, V221)
    assert caught.value.http_status == 401


def test_scheme_is_case_insensitive() -> None:
    assert read_authorization("token abc", V211)[0].token == "abc"


def test_message_ids_are_uuid4_and_reproducible_per_seed() -> None:
    first = [MessageIds(random.Random("42:NL-ABC")).new() for _ in range(2)]
    assert first[0] == first[1]
    ids = MessageIds(random.Random(1))
    a, b = ids.new(), ids.new()
    assert a != b and a[14] == "4" and len(a) == 36


def test_message_id_headers_read_case_insensitively() -> None:
    pair = MessageIdHeaders("r-1", "c-1")
    assert pair.to_headers() == {"X-Request-ID": "r-1", "X-Correlation-ID": "c-1"}
    assert MessageIdHeaders.from_headers({"x-request-id": "r-1", "x-correlation-id": "c-1"}) == pair
    assert MessageIdHeaders.from_headers({"x-request-id": "r-1"}) is None


def test_routing_headers_and_their_reply() -> None:
    request = RoutingHeaders(sender=PartyRef("NL", "ABC"), to=PartyRef("DE", "XYZ"))
    assert request.to_headers() == {
        "OCPI-from-country-code": "NL",
        "OCPI-from-party-id": "ABC",
        "OCPI-to-country-code": "DE",
        "OCPI-to-party-id": "XYZ",
    }
    assert request.reply() == RoutingHeaders(sender=PartyRef("DE", "XYZ"), to=PartyRef("NL", "ABC"))
    lowered = {k.lower(): v for k, v in request.to_headers().items()}
    assert RoutingHeaders.from_headers(lowered) == request


def test_open_routing_has_no_to_party() -> None:
    open_routed = RoutingHeaders(sender=PartyRef("NL", "ABC"), to=None)
    assert "OCPI-to-party-id" not in open_routed.to_headers()
    assert RoutingHeaders.from_headers(open_routed.to_headers()) == open_routed
    with pytest.raises(ValueError, match="open-routed"):
        open_routed.reply()


def test_routing_headers_only_on_221_functional_modules() -> None:
    assert uses_routing_headers("locations", V221)
    assert not uses_routing_headers("credentials", V221)
    assert not uses_routing_headers("versions", V221)
    assert not uses_routing_headers("hubclientinfo", V221)
    assert not uses_routing_headers("locations", V211)


def test_party_ref_parse_and_case_insensitive_key() -> None:
    assert PartyRef.parse("NL-ABC") == PartyRef("NL", "ABC")
    assert PartyRef("nl", "abc").key == PartyRef("NL", "ABC").key
    with pytest.raises(ValueError, match="not a party reference"):
        PartyRef.parse("NLABC")
