"""The in-process network itself: router rules, recording, faults, the credentials handshake, the trace."""

from __future__ import annotations

import io
import random
from dataclasses import replace

import pytest

from sim.conformance import check, check_exchange
from sim.net.links import LinkCondition
from sim.netbuilder import Roaming
from sim.ocpi.common import OCPIVersion
from sim.ocpi.headers import MessageIds, PartyRef, TokenEncoding
from sim.ocpi.router import OCPIReply, OCPIRequest
from sim.ocpi.v221.types import Role
from sim.parties import registration
from sim.parties.connection import Connection
from sim.parties.party import Party, PartyRole
from sim.trace import TraceWriter

from .conftest import flow

V211, V221 = OCPIVersion.V2_1_1, OCPIVersion.V2_2_1


def bare_party(roaming: Roaming, ref: str, role: Role, versions: tuple[OCPIVersion, ...] = (V221, V211)) -> Party:
    """A party with one trivial module interface (enough to register) and an endpoint that fails."""
    party = Party([PartyRole(role, PartyRef.parse(ref), f"{role.value} {ref}")], env=roaming.env,
                  clock=roaming.clock, network=roaming.network, seed=roaming.seed, versions=versions)  # fmt: skip
    interface = "SENDER" if role is Role.CPO else "RECEIVER"

    def echo(request: OCPIRequest) -> OCPIReply:
        if request.http.content:
            return OCPIReply(data={"echo": request.json()})
        return OCPIReply(data=[], headers={"X-Total-Count": "0", "X-Limit": "50"})  # an empty list page

    def broken(request: OCPIRequest) -> OCPIReply:
        raise RuntimeError("boom")

    for version in party.versions:
        party.serve(
            version, "locations", interface, [("GET", "", echo), ("POST", "/echo", echo), ("GET", "/x", broken)]
        )
    return party


@pytest.fixture
def pair(roaming: Roaming) -> tuple[Party, Party]:
    return bare_party(roaming, "NL-CPA", Role.CPO), bare_party(roaming, "DE-MSA", Role.EMSP)


def get(roaming: Roaming, party: Party, url: str, *, token: str, version: OCPIVersion = V221, **kw: object):  # type: ignore[no-untyped-def]
    request = party.build_request("GET", url, token=token, version=version, module="locations", **kw)  # type: ignore[arg-type]
    return roaming.run(party.call(request))


# --- the handshake --------------------------------------------------------------------------------


def test_handshake_221_exact_flow_tokens_and_conformance(roaming: Roaming, pair: tuple[Party, Party]) -> None:
    cpo, emsp = pair
    mark = roaming.mark()
    client_side, server_side = roaming.connect(emsp, cpo)
    assert flow(roaming.since(mark)) == [
        ("DE-MSA", "NL-CPA", "GET", "/ocpi/versions", 200, 1000),
        ("DE-MSA", "NL-CPA", "GET", "/ocpi/2.2.1", 200, 1000),
        ("NL-CPA", "DE-MSA", "GET", "/ocpi/versions", 200, 1000),  # the receiver fetches back with token B
        ("NL-CPA", "DE-MSA", "GET", "/ocpi/2.2.1", 200, 1000),
        ("DE-MSA", "NL-CPA", "POST", "/ocpi/2.2.1/credentials", 200, 1000),
    ]
    assert client_side.version is server_side.version is V221
    # Token B is what the server sends, token C what the client sends: each side's out is the other's in.
    assert client_side.token_out == server_side.token_in and server_side.token_out == client_side.token_in
    assert len({client_side.token_out, client_side.token_in}) == 2
    assert client_side.parties(Role.CPO) == [PartyRef("NL", "CPA")]
    assert server_side.parties(Role.EMSP) == [PartyRef("DE", "MSA")]
    assert ("locations", "SENDER") in client_side.endpoints
    assert check(roaming.since(mark)) == []


def test_mixed_versions_negotiate_the_highest_common(roaming: Roaming) -> None:
    cpo = bare_party(roaming, "NL-CPA", Role.CPO)
    emsp = bare_party(roaming, "DE-MSB", Role.EMSP, versions=(V211,))
    token_a = cpo.issue_token_a("DE-MSB")
    mark = roaming.mark()
    client_side = roaming.run(registration.register(emsp, cpo.versions_url, token_a))
    server_side = cpo.connections["DE-MSB"]
    assert client_side.version is server_side.version is V211
    assert [path for _, _, _, path, _, _ in flow(roaming.since(mark))] == [
        "/ocpi/versions", "/ocpi/2.1.1", "/ocpi/versions", "/ocpi/2.1.1", "/ocpi/2.1.1/credentials",
    ]  # fmt: skip
    post = roaming.since(mark)[-1]
    assert '"party_id":"MSB"' in (post.request_body or "")  # 2.1.1 credentials: one party, no roles
    headers = dict(post.request_headers)
    assert headers["authorization"] == f"Token {token_a}"  # 2.1.1 sends the token as it is
    assert "x-request-id" not in headers  # no message ids in 2.1.1
    assert server_side.parties(Role.EMSP) == [PartyRef("DE", "MSB")]  # the role follows from 2.1.1's pairing
    assert check(roaming.since(mark)) == []


def test_token_a_dies_and_registering_twice_is_refused(roaming: Roaming, pair: tuple[Party, Party]) -> None:
    cpo, emsp = pair
    token_a = cpo.issue_token_a("DE-MSA")
    connection = roaming.run(registration.register(emsp, cpo.versions_url, token_a))
    again = get(roaming, emsp, cpo.versions_url, token=token_a)
    assert (again.http_status, again.ocpi_status, again.message) == (401, 2000, "unknown credentials token")
    request = emsp.build_request(
        "POST", f"{cpo.base_url}/2.2.1/credentials", token=connection.token_out, version=V221,
        module="credentials", body=registration.credentials_object(emsp, "x", V221),
    )  # fmt: skip
    twice = roaming.run(emsp.call(request))
    assert (twice.http_status, twice.ocpi_status) == (405, 2000)
    assert "already registered" in (twice.message or "")


def test_token_a_only_opens_versions_and_credentials(roaming: Roaming, pair: tuple[Party, Party]) -> None:
    cpo, emsp = pair
    token_a = cpo.issue_token_a("DE-MSA")
    assert get(roaming, emsp, cpo.versions_url, token=token_a).ok
    module = get(roaming, emsp, f"{cpo.base_url}/2.2.1/sender/locations", token=token_a)
    assert (module.http_status, module.message) == (
        401,
        "credentials token A is only valid for the versions and credentials modules",
    )


def test_put_and_delete_without_registration_are_405(roaming: Roaming, pair: tuple[Party, Party]) -> None:
    cpo, emsp = pair
    token_a = cpo.issue_token_a("DE-MSA")
    for method in ("PUT", "DELETE"):
        body = registration.credentials_object(emsp, "x", V221) if method == "PUT" else None
        request = emsp.build_request(method, f"{cpo.base_url}/2.2.1/credentials", token=token_a, version=V221,
                                     module="credentials", body=body)  # fmt: skip
        exchange = roaming.run(emsp.call(request))
        assert (exchange.http_status, exchange.ocpi_status) == (405, 2000), method


def test_update_rotates_tokens_and_can_switch_version(roaming: Roaming) -> None:
    cpo = bare_party(roaming, "NL-CPA", Role.CPO)
    emsp = bare_party(roaming, "DE-MSA", Role.EMSP)
    token_a = cpo.issue_token_a("DE-MSA")
    emsp.versions = (V211,)  # register at 2.1.1 first, as an old peer would
    connection = roaming.run(registration.register(emsp, cpo.versions_url, token_a))
    assert connection.version is V211
    old_out, old_in = connection.token_out, connection.token_in
    emsp.versions = (V221, V211)
    mark = roaming.mark()
    roaming.run(registration.update_credentials(emsp, connection, V221))
    assert flow(roaming.since(mark))[-1] == ("DE-MSA", "NL-CPA", "PUT", "/ocpi/2.2.1/credentials", 200, 1000)
    assert connection.version is V221 and cpo.connections["DE-MSA"].version is V221
    assert connection.token_out != old_out and connection.token_in != old_in
    stale = get(roaming, emsp, cpo.versions_url, token=old_out)
    assert stale.http_status == 401
    assert get(roaming, emsp, cpo.versions_url, token=connection.token_out).ok
    assert check(roaming.since(mark)) == []


def test_unregister_ends_the_connection_on_both_sides(roaming: Roaming, pair: tuple[Party, Party]) -> None:
    cpo, emsp = pair
    client_side, _ = roaming.connect(emsp, cpo)
    roaming.run(registration.unregister(emsp, client_side))
    assert cpo.connections == {} and emsp.connections == {}
    assert get(roaming, emsp, cpo.versions_url, token=client_side.token_out).http_status == 401


def test_3001_when_the_client_api_cannot_be_reached(roaming: Roaming, pair: tuple[Party, Party]) -> None:
    cpo, emsp = pair
    roaming.network.links.set_pair("NL-CPA", "DE-MSA", LinkCondition(offline=True), both_ways=False)
    token_a = cpo.issue_token_a("DE-MSA")
    with pytest.raises(registration.RegistrationError, match="OCPI 3001"):
        roaming.run(registration.register(emsp, cpo.versions_url, token_a))
    assert cpo.connections == {}
    assert roaming.exchanges[-2].response_status == 0 and "link down" in (roaming.exchanges[-2].error or "")


def test_3002_when_the_client_does_not_offer_the_version(roaming: Roaming) -> None:
    cpo = bare_party(roaming, "NL-CPA", Role.CPO)
    emsp = bare_party(roaming, "DE-MSB", Role.EMSP, versions=(V211,))
    token_a = cpo.issue_token_a("DE-MSB")
    # The client would have stored token B before POSTing; it only offers 2.1.1.
    emsp.accept_token("token-b", Connection("DE-MSB", V211, "", "", "token-b", TokenEncoding.RAW))
    request = emsp.build_request(
        "POST", f"{cpo.base_url}/2.2.1/credentials", token=token_a, version=V221, module="credentials",
        body=registration.credentials_object(emsp, "token-b", V221),
    )  # fmt: skip
    exchange = roaming.run(emsp.call(request))
    assert (exchange.http_status, exchange.ocpi_status) == (200, 3002)
    assert exchange.message == "client does not offer OCPI 2.2.1 (offers 2.1.1)"


def test_3003_when_the_client_offers_no_module(roaming: Roaming) -> None:
    cpo = bare_party(roaming, "NL-CPA", Role.CPO)
    empty = Party([PartyRole(Role.EMSP, PartyRef("DE", "MSZ"), "empty")], env=roaming.env, clock=roaming.clock,
                  network=roaming.network, seed=1)  # fmt: skip
    with pytest.raises(registration.RegistrationError, match="3003: client offers no module besides credentials"):
        roaming.run(registration.register(empty, cpo.versions_url, cpo.issue_token_a("DE-MSZ")))


def test_raw_token_from_a_221_peer_is_accepted_and_noted(roaming: Roaming, pair: tuple[Party, Party]) -> None:
    cpo, emsp = pair
    client_side, _ = roaming.connect(emsp, cpo)
    client_side.token_encoding = TokenEncoding.RAW
    mark = roaming.mark()
    url = client_side.endpoint("locations", "SENDER")
    assert url is not None
    exchange = roaming.run(
        emsp.call_peer(
            client_side, "GET", url, module="locations", sender=PartyRef("DE", "MSA"), to=PartyRef("NL", "CPA")
        )
    )
    assert exchange.ok
    (recorded,) = roaming.since(mark)
    assert recorded.notes == (
        "peer sent a raw credentials token on a 2.2.1 connection (2.2.1 prescribes Base64); accepted",
    )
    assert check([recorded]) == []  # the checker accepts a raw token the trace explains


# --- router rules ---------------------------------------------------------------------------------


def test_router_answers_404_405_400_and_survives_handler_bugs(roaming: Roaming, pair: tuple[Party, Party]) -> None:
    cpo, emsp = pair
    client_side, _ = roaming.connect(emsp, cpo)
    base = client_side.endpoint("locations", "SENDER")
    assert base is not None
    me = PartyRef("DE", "MSA")

    def send(method: str, url: str, content: bytes | None = None):  # type: ignore[no-untyped-def]
        request = emsp.build_request(method, url, token=client_side.token_out, version=V221, module="locations",
                                     sender=me, to=PartyRef("NL", "CPA"))  # fmt: skip
        if content is not None:
            request = emsp.client.build_request(method, url, headers=request.headers, content=content)
        return roaming.run(emsp.call(request))

    assert (send("GET", f"{base}/nowhere/else").http_status, 404) == (404, 404)
    wrong = send("DELETE", base)
    assert (wrong.http_status, wrong.message) == (
        405,
        f"DELETE is not supported on {base.split('.test')[1]} (allowed: GET)",
    )
    bad_json = send("POST", f"{base}/echo", b"{not json")
    assert (bad_json.http_status, bad_json.ocpi_status) == (400, 2000)
    assert bad_json.message is not None and bad_json.message.startswith("request body is not valid JSON")
    crash = send("GET", f"{base}/x")
    assert (crash.http_status, crash.ocpi_status) == (500, 3000)
    assert crash.message == "internal error in NL-CPA: RuntimeError: boom"
    assert send("GET", base).ok  # still serving


def test_response_echoes_ids_and_swaps_routing_headers(roaming: Roaming, pair: tuple[Party, Party]) -> None:
    cpo, emsp = pair
    client_side, _ = roaming.connect(emsp, cpo)
    url = client_side.endpoint("locations", "SENDER")
    assert url is not None
    mark = roaming.mark()
    roaming.run(emsp.call_peer(client_side, "GET", url, module="locations", sender=PartyRef("DE", "MSA"),
                               to=PartyRef("NL", "CPA"), correlation_id="corr-1"))  # fmt: skip
    (exchange,) = roaming.since(mark)
    request, response = dict(exchange.request_headers), dict(exchange.response_headers)
    assert response["x-request-id"] == request["x-request-id"] == exchange.request_id
    assert response["x-correlation-id"] == request["x-correlation-id"] == "corr-1"
    assert (response["ocpi-from-country-code"], response["ocpi-from-party-id"]) == ("NL", "CPA")
    assert (response["ocpi-to-country-code"], response["ocpi-to-party-id"]) == ("DE", "MSA")
    assert exchange.latency_s == pytest.approx(0.1)  # 50 ms each way on simulated time
    assert exchange.time == roaming.clock.at(roaming.env.now - 0.05)


def test_injected_error_status_is_recorded_and_returned(roaming: Roaming, pair: tuple[Party, Party]) -> None:
    cpo, emsp = pair
    client_side, _ = roaming.connect(emsp, cpo)
    roaming.network.links.set_pair("DE-MSA", "NL-CPA", LinkCondition(error_status=503))
    mark = roaming.mark()
    url = client_side.endpoint("locations", "SENDER")
    assert url is not None
    exchange = roaming.run(emsp.call_peer(client_side, "GET", url, module="locations", sender=PartyRef("DE", "MSA")))
    assert exchange.http_status == 503 and not exchange.ok
    (recorded,) = roaming.since(mark)
    assert recorded.notes == ("fault: link answers HTTP 503",)
    roaming.network.links.restore_pair("DE-MSA", "NL-CPA")
    assert roaming.run(emsp.call_peer(client_side, "GET", url, module="locations", sender=PartyRef("DE", "MSA"))).ok


# --- the checker and the trace -------------------------------------------------------------------


def test_checker_reports_what_breaks_the_rules(roaming: Roaming, pair: tuple[Party, Party]) -> None:
    cpo, emsp = pair
    mark = roaming.mark()
    roaming.connect(emsp, cpo)
    post = roaming.since(mark)[-1]
    headers = tuple((k, v) for k, v in post.request_headers if k.lower() != "x-request-id")
    broken = replace(post, request_headers=headers, request_body=post.request_body.replace('"roles"', '"rolez"'))  # type: ignore[union-attr]
    messages = [(v.where, v.message) for v in check_exchange(broken)]
    assert ("request headers", "x-request-id missing") in messages
    assert ("request body", "invalid Credentials: roles: required field missing") in messages
    stamped = replace(post, response_body=(post.response_body or "").replace('Z"}', '+00:00"}'))
    assert any("offset +00:00" in v.message for v in check_exchange(stamped))


def _run_and_trace(seed: int) -> str:
    roaming = Roaming(seed=seed)
    stream = io.StringIO()
    TraceWriter(stream).attach(roaming.bus)
    cpo = bare_party(roaming, "NL-CPA", Role.CPO)
    emsp = bare_party(roaming, "DE-MSA", Role.EMSP)
    client_side, _ = roaming.connect(emsp, cpo)
    roaming.run(registration.update_credentials(emsp, client_side))
    return stream.getvalue()


def test_same_seed_gives_a_byte_identical_trace_and_another_seed_does_not() -> None:
    first, second = _run_and_trace(7), _run_and_trace(7)
    assert first == second
    assert len(first.splitlines()) == 10
    assert first.splitlines()[0].startswith('{"seq":1,"time":"2026-03-02T06:00:00.050Z","from":"DE-MSA","to":"NL-CPA"')
    assert _run_and_trace(8) != first


def test_random_streams_are_per_purpose_seeded_and_leave_the_token_stream_alone() -> None:
    drawing, quiet = (bare_party(Roaming(seed=7), "NL-CPA", Role.CPO) for _ in range(2))
    stream = drawing.random_stream("authorization_reference")
    assert drawing.random_stream("authorization_reference") is stream  # created once, then continued
    assert stream.random() == random.Random("7:NL-CPA:authorization_reference").random()
    drawing.random_stream("commands:response_url").getrandbits(128)
    # Draws on streams of their own move neither the credentials tokens nor the message ids.
    assert drawing.new_token() == quiet.new_token()
    assert drawing.ids.new() == quiet.ids.new() == MessageIds(random.Random("7:NL-CPA:ids")).new()


def test_a_link_may_pin_an_older_common_version(roaming: Roaming, pair: tuple[Party, Party]) -> None:
    cpo, emsp = pair
    client_side, server_side = roaming.connect(emsp, cpo, version=V211)
    assert client_side.version is server_side.version is V211
    assert flow(roaming.exchanges)[-1][3] == "/ocpi/2.1.1/credentials"


def test_pinning_a_version_one_side_lacks_fails_before_posting(roaming: Roaming) -> None:
    cpo = bare_party(roaming, "NL-CPA", Role.CPO, versions=(V211,))
    emsp = bare_party(roaming, "DE-MSA", Role.EMSP)
    with pytest.raises(registration.RegistrationError, match=r"OCPI 2\.2\.1 is not offered by both sides"):
        roaming.run(registration.register(emsp, cpo.versions_url, cpo.issue_token_a("DE-MSA"), version=V221))
    assert [e.method for e in roaming.exchanges] == ["GET"]  # only the versions list was fetched
