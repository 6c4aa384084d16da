"""The 2.2.1 Hub: registration and HubClientInfo, addressed forwarding, broadcasts, GET all, relays, failures.

The network: two CPOs (NL-CPA, BE-CPB) and two eMSPs (DE-MSA, NL-MSB), all registered with the hub
NL-HUB, which hands out token A (``roaming.connect(party, hub)``).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sim.conformance import check
from sim.events import MessageExchanged
from sim.netbuilder import Roaming
from sim.ocpi.common import OCPIVersion
from sim.ocpi.headers import PartyRef
from sim.ocpi.v221.chargingprofiles import ChargingProfile, ChargingProfileResultType
from sim.ocpi.v221.commands import CommandResultType
from sim.ocpi.v221.hubclientinfo import ClientInfo, ConnectionStatus
from sim.ocpi.v221.locations import Location
from sim.ocpi.v221.locations_enums import Status
from sim.ocpi.v221.sessions import Session
from sim.ocpi.v221.types import Role
from sim.parties import registration
from sim.parties.connection import KnownClient
from sim.parties.hub import Hub
from sim.parties.modules.chargingprofiles_client import get_active_charging_profile, set_charging_profile
from sim.parties.modules.commands_client import start_session
from sim.parties.modules.hubclientinfo import fetch_client_info
from sim.parties.modules.locations_client import add_location, pull_locations, push_location, set_evse_status
from sim.parties.modules.pull import sync_state
from sim.parties.modules.tokens_client import add_token, push_tokens
from sim.parties.party import Exchange, Party
from sim.parties.platform import Platform

from .builders import body, connector_json, evse_json, join_hub, site, token
from .conftest import flow

V221 = OCPIVersion.V2_2_1
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
HUB_URL = "https://nl-hub.roamsim.test/ocpi/2.2.1"
PUT_INFO = "/ocpi/2.2.1/receiver/hubclientinfo"


@dataclass
class Net:
    """The hub and its four parties (all registered, announcements delivered)."""

    roaming: Roaming
    hub: Hub
    cpa: Platform
    cpb: Platform
    msa: Platform
    msb: Platform


def build(roaming: Roaming) -> Net:
    hub = roaming.hub("NL-HUB")
    return Net(roaming, hub, roaming.cpo("NL-CPA"), roaming.cpo("BE-CPB"), roaming.emsp("DE-MSA"),
               roaming.emsp("NL-MSB"))  # fmt: skip


@pytest.fixture
def net(roaming: Roaming) -> Net:
    built = build(roaming)
    join_hub(roaming, built.hub, built.cpa, built.msa, built.cpb, built.msb)
    return built


# --- builders and helpers ---------------------------------------------------------------------------


def location(owner: str, location_id: str, updated: datetime = T0) -> Location:
    """A Location without EVSEs."""
    return site(location_id, owner=owner, last_updated=updated)


def charger_location(owner: str, location_id: str) -> Location:
    """A Location with one EVSE ``E1`` (16 A) that accepts remote starts and charging profiles."""
    e1 = evse_json("E1", connector_json(max_amperage=16, last_updated=T0), evse_id="NL*CPA*E1", last_updated=T0,
                   capabilities=["REMOTE_START_STOP_CAPABLE", "CHARGING_PROFILE_CAPABLE"])  # fmt: skip
    return site(location_id, e1, owner=owner, last_updated=T0)


def session(cpo: str, session_id: str, emsp: str, updated: datetime = T0) -> Session:
    owner, driver = PartyRef.parse(cpo), PartyRef.parse(emsp)
    return Session.model_validate({
        "country_code": owner.country_code, "party_id": owner.party_id, "id": session_id,
        "start_date_time": updated - timedelta(minutes=30), "kwh": 4, "auth_method": "WHITELIST",
        "cdr_token": {"country_code": driver.country_code, "party_id": driver.party_id, "uid": "RFID-1",
                      "type": "RFID", "contract_id": f"{driver.country_code}-{driver.party_id}-C00001"},
        "location_id": "L1", "evse_uid": "E1", "connector_id": "1", "currency": "EUR", "status": "ACTIVE",
        "last_updated": updated,
    })  # fmt: skip


def send(
    roaming: Roaming,
    party: Party,
    method: str,
    path: str,
    *,
    to: str | None = "NL-HUB",
    body: Any = None,
    params: dict[str, str] | None = None,
    sender: PartyRef | None = None,
) -> Exchange:
    """``party`` sends ``method`` to ``{hub}/2.2.1/{path}`` with its token for the hub."""
    connection = party.connections["NL-HUB"]
    module = path.split("/")[1]
    request = party.build_request(
        method, f"{HUB_URL}/{path}", token=connection.token_out, version=V221, module=module, body=body,
        params=params, sender=sender or party.roles[0].party, to=PartyRef.parse(to) if to else None,
    )  # fmt: skip
    return roaming.run(party.call(request))


def header(event: MessageExchanged, name: str, *, response: bool = False) -> str | None:
    headers = event.response_headers if response else event.request_headers
    return next((v for k, v in headers if k.lower() == name.lower()), None)


def routing(event: MessageExchanged, *, response: bool = False) -> tuple[str, str]:
    """``(FROM, TO)`` of a request or response as ``CC-PID`` strings ('-' when absent)."""

    def pair(side: str) -> str:
        country = header(event, f"OCPI-{side}-country-code", response=response)
        party = header(event, f"OCPI-{side}-party-id", response=response)
        return f"{country}-{party}" if country and party else "-"

    return pair("from"), pair("to")


def infos_put(events: list[MessageExchanged]) -> list[tuple[str, str, str, str]]:
    """(to, party, role, status) of every ClientInfo PUT in ``events``."""
    found = []
    for e in events:
        if e.method == "PUT" and PUT_INFO in e.url:
            data = body(e)
            found.append((e.to_party, f"{data['country_code']}-{data['party_id']}", data["role"], data["status"]))
    return found


def known(party: Platform) -> dict[tuple[str, str, str], str]:
    return {key: client.status for key, client in sorted(party.hub_clients.items())}


# --- registration and HubClientInfo -----------------------------------------------------------------


def test_registration_announces_every_party_with_hubclientinfo(roaming: Roaming) -> None:
    net = build(roaming)
    mark = roaming.mark()
    roaming.connect(net.cpa, net.hub)
    roaming.settle()
    assert infos_put(roaming.since(mark)) == []  # nobody to tell, nobody to tell about

    mark = roaming.mark()
    roaming.connect(net.msa, net.hub)
    roaming.settle()
    assert flow(roaming.since(mark)) == [
        ("DE-MSA", "NL-HUB", "GET", "/ocpi/versions", 200, 1000),
        ("DE-MSA", "NL-HUB", "GET", "/ocpi/2.2.1", 200, 1000),
        ("NL-HUB", "DE-MSA", "GET", "/ocpi/versions", 200, 1000),
        ("NL-HUB", "DE-MSA", "GET", "/ocpi/2.2.1", 200, 1000),
        ("DE-MSA", "NL-HUB", "POST", "/ocpi/2.2.1/credentials", 200, 1000),
        ("NL-HUB", "NL-CPA", "PUT", f"{PUT_INFO}/DE/MSA", 201, 1000),
        ("NL-HUB", "DE-MSA", "PUT", f"{PUT_INFO}/NL/CPA", 201, 1000),
    ]
    put = roaming.since(mark)[5]
    assert body(put) == {"party_id": "MSA", "country_code": "DE", "role": "EMSP", "status": "CONNECTED",
                         "last_updated": "2026-03-02T06:10:00.550Z"}  # fmt: skip
    assert routing(put) == ("-", "-") and routing(put, response=True) == ("-", "-")  # a configuration module
    assert header(put, "X-Request-ID") is not None
    assert check(roaming.since(mark)) == []

    mark = roaming.mark()
    roaming.connect(net.cpb, net.hub)
    roaming.settle()
    roaming.connect(net.msb, net.hub)
    roaming.settle()
    assert infos_put(roaming.since(mark)) == [
        # BE-CPB arrives: the others hear of it (connections in name order), then it hears of them
        ("DE-MSA", "BE-CPB", "CPO", "CONNECTED"),
        ("NL-CPA", "BE-CPB", "CPO", "CONNECTED"),
        ("BE-CPB", "NL-CPA", "CPO", "CONNECTED"),
        ("BE-CPB", "DE-MSA", "EMSP", "CONNECTED"),
        # NL-MSB arrives
        ("BE-CPB", "NL-MSB", "EMSP", "CONNECTED"),
        ("DE-MSA", "NL-MSB", "EMSP", "CONNECTED"),
        ("NL-CPA", "NL-MSB", "EMSP", "CONNECTED"),
        ("NL-MSB", "NL-CPA", "CPO", "CONNECTED"),
        ("NL-MSB", "DE-MSA", "EMSP", "CONNECTED"),
        ("NL-MSB", "BE-CPB", "CPO", "CONNECTED"),
    ]
    assert check(roaming.since(mark)) == []
    assert known(net.cpa) == {("BE", "CPB", "CPO"): "CONNECTED", ("DE", "MSA", "EMSP"): "CONNECTED",
                              ("NL", "MSB", "EMSP"): "CONNECTED"}  # fmt: skip
    assert net.msa.hub_clients[("NL", "CPA", "CPO")] == KnownClient(PartyRef("NL", "CPA"), Role.CPO, "CONNECTED",
                                                                    "NL-HUB")  # fmt: skip
    assert net.msa.known_parties(Role.CPO) == [PartyRef("BE", "CPB"), PartyRef("NL", "CPA")]
    # The hub offers both interfaces of every functional module, and the ClientInfo list.
    endpoints = net.msa.connections["NL-HUB"].endpoints
    for module in ("locations", "sessions", "cdrs", "tariffs", "tokens", "commands", "chargingprofiles"):
        assert (module, "SENDER") in endpoints and (module, "RECEIVER") in endpoints
    assert endpoints[("hubclientinfo", "SENDER")] == f"{HUB_URL}/sender/hubclientinfo"


def test_a_211_only_platform_cannot_register_with_the_221_hub(roaming: Roaming) -> None:
    hub = roaming.hub("NL-HUB")
    old = roaming.emsp("DE-OLD", versions=[OCPIVersion.V2_1_1])
    assert [module for module, _, _ in old.advertised_endpoints(OCPIVersion.V2_1_1)].count("hubclientinfo") == 0
    mark = roaming.mark()
    with pytest.raises(registration.RegistrationError, match="no common OCPI version"):
        roaming.connect(old, hub)
    assert flow(roaming.since(mark)) == [("DE-OLD", "NL-HUB", "GET", "/ocpi/versions", 200, 1000)]
    assert hub.connections == {} and hub.directory.records == {}


def test_unregistering_suspends_the_party_everywhere(roaming: Roaming, net: Net) -> None:
    mark = roaming.mark()
    roaming.run(registration.unregister(net.msb, net.msb.connections["NL-HUB"]))
    roaming.settle()
    assert flow(roaming.since(mark)) == [
        ("NL-MSB", "NL-HUB", "DELETE", "/ocpi/2.2.1/credentials", 200, 1000),
        ("NL-HUB", "BE-CPB", "PUT", f"{PUT_INFO}/NL/MSB", 200, 1000),
        ("NL-HUB", "DE-MSA", "PUT", f"{PUT_INFO}/NL/MSB", 200, 1000),
        ("NL-HUB", "NL-CPA", "PUT", f"{PUT_INFO}/NL/MSB", 200, 1000),
    ]
    assert {s for *_, s in infos_put(roaming.since(mark))} == {"SUSPENDED"}
    assert check(roaming.since(mark)) == []
    assert net.cpa.hub_clients[("NL", "MSB", "EMSP")].status == "SUSPENDED"
    assert PartyRef("NL", "MSB") not in net.cpa.known_parties(Role.EMSP)
    # Known but gone: 4003, FROM the hub.
    mark = roaming.mark()
    answer = send(roaming, net.cpa, "PUT", "receiver/sessions/NL/CPA/S1", to="NL-MSB",
                  body=session("NL-CPA", "S1", "NL-MSB"))  # fmt: skip
    assert answer.ocpi_status == 4003 and answer.http_status == 200
    assert flow(roaming.since(mark)) == [
        ("NL-CPA", "NL-HUB", "PUT", "/ocpi/2.2.1/receiver/sessions/NL/CPA/S1", 200, 4003)
    ]
    assert routing(roaming.since(mark)[0], response=True) == ("NL-HUB", "NL-CPA")
    assert check(roaming.since(mark)) == []
    # The Sender list still tells about the suspended party.
    listed = roaming.run(fetch_client_info(net.cpa, net.cpa.connections["NL-HUB"]))
    assert [(i.party_id, i.status) for i in listed] == [
        ("MSA", ConnectionStatus.CONNECTED),
        ("CPB", ConnectionStatus.CONNECTED),
        ("MSB", ConnectionStatus.SUSPENDED),
    ]


def test_hubclientinfo_list_is_paginated_and_fetchable(roaming: Roaming, net: Net) -> None:
    net.hub.page_limit = 2
    mark = roaming.mark()
    first = send(roaming, net.msa, "GET", "sender/hubclientinfo", to=None)
    assert first.ok and [i["party_id"] for i in first.data] == ["CPA", "CPB"]  # DE-MSA itself is left out
    assert first.headers["x-total-count"] == "3" and first.headers["x-limit"] == "2"
    assert first.headers["link"] == f'<{HUB_URL}/sender/hubclientinfo?offset=2&limit=2>; rel="next"'
    later = send(roaming, net.msa, "GET", "sender/hubclientinfo", to=None,
                 params={"date_from": "2026-03-02T06:00:01Z"})  # fmt: skip
    assert [i["party_id"] for i in later.data] == ["CPB", "MSB"]  # registered after 06:00:01
    net.msa.hub_clients.clear()
    fetched = roaming.run(fetch_client_info(net.msa, net.msa.connections["NL-HUB"]))
    assert [(i.country_code, i.party_id, i.role) for i in fetched] == [
        ("NL", "CPA", Role.CPO), ("BE", "CPB", Role.CPO), ("NL", "MSB", Role.EMSP)]  # fmt: skip
    assert known(net.msa) == {("BE", "CPB", "CPO"): "CONNECTED", ("NL", "CPA", "CPO"): "CONNECTED",
                              ("NL", "MSB", "EMSP"): "CONNECTED"}  # fmt: skip
    assert check(roaming.since(mark)) == []


def test_hubclientinfo_receiver_only_listens_to_hubs(roaming: Roaming, net: Net) -> None:
    roaming.connect(net.msa, net.cpa)  # a direct link besides the hub
    cpa_to_msa = net.cpa.connections["DE-MSA"]
    url = cpa_to_msa.endpoint("hubclientinfo", "RECEIVER")
    assert url == "https://de-msa.roamsim.test/ocpi/2.2.1/receiver/hubclientinfo"
    good = {"party_id": "XYZ", "country_code": "FR", "role": "CPO", "status": "CONNECTED",
            "last_updated": "2026-03-02T07:00:00Z"}  # fmt: skip

    def put(party: Party, peer: str, path: str, document: Any) -> Exchange:
        connection = party.connections[peer]
        request = party.build_request("PUT", f"{url}/{path}", token=connection.token_out, version=V221,
                                      module="hubclientinfo", body=document)  # fmt: skip
        return roaming.run(party.call(request))

    before = dict(net.msa.hub_clients)
    assert put(net.cpa, "DE-MSA", "FR/XYZ", good).http_status == 404  # not a hub
    assert put(net.hub, "DE-MSA", "FR/XYZ", {**good, "status": "GONE"}).ocpi_status == 2001
    assert put(net.hub, "DE-MSA", "FR/XYZ", {**good, "last_updated": None}).ocpi_status == 2001
    assert put(net.hub, "DE-MSA", "FR/ABC", good).ocpi_status == 2001  # URL and body disagree
    assert net.msa.hub_clients == before
    created = put(net.hub, "DE-MSA", "fr/xyz", good)
    assert (created.http_status, created.ocpi_status, created.data) == (201, 1000, None)
    replaced = put(net.hub, "DE-MSA", "FR/XYZ", {**good, "status": "OFFLINE"})
    assert (replaced.http_status, replaced.ocpi_status) == (200, 1000)
    assert net.msa.hub_clients[("FR", "XYZ", "CPO")] == KnownClient(PartyRef("FR", "XYZ"), Role.CPO, "OFFLINE",
                                                                    "NL-HUB")  # fmt: skip

    def get(party: Party, peer: str, path: str) -> Exchange:
        connection = party.connections[peer]
        request = party.build_request("GET", f"{url}/{path}", token=connection.token_out, version=V221,
                                      module="hubclientinfo")  # fmt: skip
        return roaming.run(party.call(request))

    assert ClientInfo.model_validate(get(net.hub, "DE-MSA", "FR/XYZ").data).status is ConnectionStatus.OFFLINE
    assert get(net.hub, "DE-MSA", "FR/QQQ").http_status == 404
    assert get(net.cpa, "DE-MSA", "FR/XYZ").http_status == 404


# --- addressed forwarding ---------------------------------------------------------------------------


def test_addressed_session_put_keeps_ids_and_routing_on_both_hops(roaming: Roaming, net: Net) -> None:
    pushed = session("NL-CPA", "S1", "DE-MSA")
    mark = roaming.mark()
    answer = send(roaming, net.cpa, "PUT", "receiver/sessions/NL/CPA/S1", to="DE-MSA", body=pushed)
    assert (answer.http_status, answer.ocpi_status) == (201, 1000)
    events = roaming.since(mark)
    assert flow(events) == [
        ("NL-HUB", "DE-MSA", "PUT", "/ocpi/2.2.1/receiver/sessions/NL/CPA/S1", 201, 1000),
        ("NL-CPA", "NL-HUB", "PUT", "/ocpi/2.2.1/receiver/sessions/NL/CPA/S1", 201, 1000),
    ]
    forwarded, original = events
    request_id, correlation_id = header(original, "X-Request-ID"), header(original, "X-Correlation-ID")
    assert header(forwarded, "X-Request-ID") not in (None, request_id)
    assert header(forwarded, "X-Correlation-ID") == correlation_id
    assert routing(original) == routing(forwarded) == ("NL-CPA", "DE-MSA")
    assert routing(forwarded, response=True) == routing(original, response=True) == ("DE-MSA", "NL-CPA")
    assert header(original, "X-Request-ID", response=True) == request_id
    assert header(original, "X-Correlation-ID", response=True) == correlation_id
    hub_token = net.hub.connections["DE-MSA"].token_out
    assert header(forwarded, "Authorization") == "Token " + base64.b64encode(hub_token.encode()).decode()
    assert forwarded.request_body == original.request_body  # relayed as sent: last_updated untouched
    assert net.msa.emsp_data.sessions.get(PartyRef("NL", "CPA"), "S1") == pushed
    assert net.msb.emsp_data.sessions.get(PartyRef("NL", "CPA"), "S1") is None
    assert check(events) == []


def test_target_errors_are_relayed_and_open_routing_follows_the_cdr_token(roaming: Roaming, net: Net) -> None:
    mark = roaming.mark()
    wrong_id = send(roaming, net.cpa, "PUT", "receiver/sessions/NL/CPA/OTHER", to="DE-MSA",
                    body=session("NL-CPA", "S1", "DE-MSA"))  # fmt: skip
    assert wrong_id.ocpi_status == 2001  # the eMSP's answer, relayed
    assert len(net.msa.emsp_data.sessions) == 0
    open_routed = send(roaming, net.cpa, "PUT", "receiver/sessions/NL/CPA/S2", to=None,
                       body=session("NL-CPA", "S2", "NL-MSB"))  # fmt: skip
    assert (open_routed.http_status, open_routed.ocpi_status) == (201, 1000)
    events = roaming.since(mark)
    assert flow(events)[2:] == [
        ("NL-HUB", "NL-MSB", "PUT", "/ocpi/2.2.1/receiver/sessions/NL/CPA/S2", 201, 1000),
        ("NL-CPA", "NL-HUB", "PUT", "/ocpi/2.2.1/receiver/sessions/NL/CPA/S2", 201, 1000),
    ]
    assert routing(events[2]) == ("NL-CPA", "NL-MSB")  # the hub fills in TO
    assert net.msb.emsp_data.sessions.get(PartyRef("NL", "CPA"), "S2") is not None
    assert check(events) == []


def test_hub_refusals(roaming: Roaming, net: Net) -> None:
    mark = roaming.mark()
    unknown = send(roaming, net.cpa, "PUT", "receiver/sessions/NL/CPA/S1", to="FR-XYZ",
                   body=session("NL-CPA", "S1", "DE-MSA"))  # fmt: skip
    assert (unknown.http_status, unknown.ocpi_status) == (200, 4001)
    get_open = send(roaming, net.msa, "GET", "sender/locations/L1", to=None)
    assert get_open.ocpi_status == 4001  # a GET is never broadcast and the hub cannot guess the CPO
    command_open = send(roaming, net.msa, "POST", "receiver/commands/STOP_SESSION", to=None,
                        body={"response_url": "https://de-msa.roamsim.test/cb", "session_id": "S1"})  # fmt: skip
    assert command_open.ocpi_status == 4001
    no_interface = send(roaming, net.msa, "GET", "sender/tokens", to="NL-CPA")
    assert no_interface.ocpi_status == 4000  # a CPO has no tokens Sender interface
    spoofed = send(roaming, net.cpa, "PUT", "receiver/sessions/BE/CPB/S1", to="DE-MSA",
                   sender=PartyRef("BE", "CPB"), body=session("BE-CPB", "S1", "DE-MSA"))  # fmt: skip
    assert spoofed.ocpi_status == 2001
    assert all(e.from_party != "NL-HUB" for e in roaming.since(mark))  # nothing was forwarded
    assert {routing(e, response=True) for e in roaming.since(mark)} == {("NL-HUB", "NL-CPA"), ("NL-HUB", "DE-MSA")}
    assert check(roaming.since(mark)) == []
    # Without routing headers, or with a dead token.
    connection = net.cpa.connections["NL-HUB"]
    bare = net.cpa.build_request("GET", f"{HUB_URL}/sender/locations", token=connection.token_out, version=V221,
                                 module="locations")  # fmt: skip
    assert roaming.run(net.cpa.call(bare)).ocpi_status == 2001
    forged = net.cpa.build_request("GET", f"{HUB_URL}/sender/locations", token="not-a-token", version=V221,
                                   module="locations", sender=PartyRef("NL", "CPA"))  # fmt: skip
    assert roaming.run(net.cpa.call(forged)).http_status == 401


# --- broadcasts -------------------------------------------------------------------------------------


def test_broadcast_location_put_and_patch_reach_every_emsp(roaming: Roaming, net: Net) -> None:
    pushed = charger_location("NL-CPA", "L1")
    add_location(net.cpa, pushed)
    mark = roaming.mark()
    result = roaming.run(push_location(net.cpa, "L1"))
    assert result.ok
    events = roaming.since(mark)
    path = "/ocpi/2.2.1/receiver/locations/NL/CPA/L1"
    assert flow(events) == [
        ("NL-HUB", "DE-MSA", "PUT", path, 201, 1000),
        ("NL-HUB", "NL-MSB", "PUT", path, 201, 1000),
        ("NL-CPA", "NL-HUB", "PUT", path, 200, 1000),
    ]
    assert routing(events[2]) == ("NL-CPA", "NL-HUB")
    assert routing(events[2], response=True) == ("NL-HUB", "NL-CPA")
    assert [routing(e) for e in events[:2]] == [("NL-HUB", "DE-MSA"), ("NL-HUB", "NL-MSB")]
    assert {header(e, "X-Correlation-ID") for e in events} == {header(events[2], "X-Correlation-ID")}
    assert len({header(e, "X-Request-ID") for e in events}) == 3
    for emsp in (net.msa, net.msb):
        assert emsp.emsp_data.locations.get(PartyRef("NL", "CPA"), "L1") == pushed
    assert net.cpb.cpo_data.locations.get(PartyRef("NL", "CPA"), "L1") is None
    assert check(events) == []
    mark = roaming.mark()
    assert roaming.run(set_evse_status(net.cpa, "L1", "E1", Status.CHARGING)).ok
    path += "/E1"
    assert flow(roaming.since(mark)) == [
        ("NL-HUB", "DE-MSA", "PATCH", path, 200, 1000),
        ("NL-HUB", "NL-MSB", "PATCH", path, 200, 1000),
        ("NL-CPA", "NL-HUB", "PATCH", path, 200, 1000),
    ]
    for emsp in (net.msa, net.msb):
        stored = emsp.emsp_data.locations.get(PartyRef("NL", "CPA"), "L1")
        assert stored is not None and stored.evses is not None and stored.evses[0].status is Status.CHARGING
    assert check(roaming.since(mark)) == []


def test_broadcast_token_put_reaches_every_cpo(roaming: Roaming, net: Net) -> None:
    add_token(net.msa, token("DE-MSA", "0001", whitelist="ALWAYS", last_updated=T0))
    mark = roaming.mark()
    pushes = roaming.run(push_tokens(net.msa))
    assert [p.ok for p in pushes] == [True]
    path = "/ocpi/2.2.1/receiver/tokens/DE/MSA/0001"
    assert flow(roaming.since(mark)) == [
        ("NL-HUB", "BE-CPB", "PUT", path, 201, 1000),
        ("NL-HUB", "NL-CPA", "PUT", path, 201, 1000),
        ("DE-MSA", "NL-HUB", "PUT", path, 200, 1000),
    ]
    assert all(e.url.endswith("?type=RFID") for e in roaming.since(mark))
    assert len(net.cpa.cpo_data.tokens) == len(net.cpb.cpo_data.tokens) == 1
    assert len(net.msb.emsp_data.tokens) == 0
    assert check(roaming.since(mark)) == []


# --- GET all via the hub ----------------------------------------------------------------------------


def test_get_all_locations_merges_both_cpos_and_paginates(roaming: Roaming, net: Net) -> None:
    for n in (1, 2, 3):
        add_location(net.cpa, location("NL-CPA", f"A{n}", T0 + timedelta(hours=n)))
    for n in (1, 2):
        add_location(net.cpb, location("BE-CPB", f"B{n}", T0 + timedelta(hours=n)))
    sync_state(net.cpa, "locations").page_limit = 2  # the hub must follow NL-CPA's Link
    mark = roaming.mark()
    first = send(roaming, net.msa, "GET", "sender/locations", params={"limit": "3"})
    events = roaming.since(mark)
    assert flow(events) == [
        ("NL-HUB", "BE-CPB", "GET", "/ocpi/2.2.1/sender/locations", 200, 1000),
        ("NL-HUB", "NL-CPA", "GET", "/ocpi/2.2.1/sender/locations", 200, 1000),
        ("NL-HUB", "NL-CPA", "GET", "/ocpi/2.2.1/sender/locations", 200, 1000),
        ("DE-MSA", "NL-HUB", "GET", "/ocpi/2.2.1/sender/locations", 200, 1000),
    ]
    assert "offset=2" in events[2].url
    assert [routing(e) for e in events] == [("DE-MSA", "BE-CPB"), ("DE-MSA", "NL-CPA"), ("DE-MSA", "NL-CPA"),
                                            ("DE-MSA", "NL-HUB")]  # fmt: skip
    assert routing(events[3], response=True) == ("NL-HUB", "DE-MSA")
    assert [item["id"] for item in first.data] == ["B1", "B2", "A1"]  # party-name order, then each party's order
    assert first.headers["x-total-count"] == "5" and first.headers["x-limit"] == "3"
    assert first.headers["link"] == f'<{HUB_URL}/sender/locations?limit=3&offset=3>; rel="next"'
    assert first.data[0]["last_updated"] == "2026-03-01T13:00:00Z"
    second = send(roaming, net.msa, "GET", "sender/locations", params={"limit": "3", "offset": "3"})
    assert [item["id"] for item in second.data] == ["A2", "A3"] and "link" not in second.headers
    # Date filters travel to the owners.
    mark = roaming.mark()
    recent = send(roaming, net.msa, "GET", "sender/locations", params={"date_from": "2026-03-01T14:00:00Z"})
    assert [item["id"] for item in recent.data] == ["B2", "A2", "A3"]
    assert all("date_from=2026-03-01T14%3A00%3A00Z" in e.url for e in roaming.since(mark))
    assert check(roaming.since(mark)) == []
    # The eMSP's own pull through the hub ends up with everything.
    pulled = roaming.run(pull_locations(net.msb, net.msb.connections["NL-HUB"]))
    assert pulled.complete and len(net.msb.emsp_data.locations) == 5


def test_get_all_sessions_gives_each_emsp_only_its_own(roaming: Roaming, net: Net) -> None:
    for n, emsp in enumerate(("DE-MSA", "NL-MSB", "DE-MSA"), start=1):
        mine = session("NL-CPA", f"S{n}", emsp)
        net.cpa.cpo_data.sessions.put(PartyRef("NL", "CPA"), mine.id, mine)
    mark = roaming.mark()
    answer = send(roaming, net.msa, "GET", "sender/sessions", params={"date_from": "2026-01-01T00:00:00Z"})
    assert [item["id"] for item in answer.data] == ["S1", "S3"]
    assert send(roaming, net.msa, "GET", "sender/sessions").ocpi_status == 2001  # date_from is required
    assert check(roaming.since(mark)) == []


# --- commands and charging profiles: response_url relays --------------------------------------------


@pytest.fixture
def charging(roaming: Roaming, net: Net) -> Net:
    """NL-CPA has a remote-startable EVSE, DE-MSA a token; no messages yet."""
    add_location(net.cpa, charger_location("NL-CPA", "L1"))
    add_token(net.msa, token("DE-MSA", "0001", whitelist="ALWAYS", last_updated=T0))
    return net


def test_command_via_hub_gets_a_relay_response_url_and_the_result_comes_back(roaming: Roaming, charging: Net) -> None:
    net = charging
    mark = roaming.mark()
    outcome = roaming.run(start_session(net.msa, cpo=PartyRef("NL", "CPA"), location_id="L1", token_uid="0001"))
    assert outcome.result is not None and outcome.result.result is CommandResultType.ACCEPTED
    events = roaming.since(mark)
    relay_url = f"{HUB_URL}/sender/commands/relay/1"
    assert flow(events)[:4] == [
        ("NL-HUB", "NL-CPA", "POST", "/ocpi/2.2.1/receiver/commands/START_SESSION", 200, 1000),
        ("DE-MSA", "NL-HUB", "POST", "/ocpi/2.2.1/receiver/commands/START_SESSION", 200, 1000),
        ("NL-HUB", "DE-MSA", "POST", str(outcome.response_url).removeprefix("https://de-msa.roamsim.test"), 200, 1000),
        ("NL-CPA", "NL-HUB", "POST", "/ocpi/2.2.1/sender/commands/relay/1", 200, 1000),
    ]
    command_to_cpo, command, result_to_emsp, result = events[:4]
    assert body(command)["response_url"] == outcome.response_url
    assert body(command_to_cpo)["response_url"] == relay_url
    assert {k: v for k, v in body(command_to_cpo).items() if k != "response_url"} == {
        k: v for k, v in body(command).items() if k != "response_url"
    }
    assert net.hub.relays["1"].original_url == outcome.response_url
    assert {header(e, "X-Correlation-ID") for e in events[:4]} == {outcome.correlation_id}
    assert routing(command_to_cpo) == ("DE-MSA", "NL-CPA") and routing(result_to_emsp) == ("NL-CPA", "DE-MSA")
    hub_token = net.hub.connections["DE-MSA"].token_out
    assert header(result_to_emsp, "Authorization") == "Token " + base64.b64encode(hub_token.encode()).decode()
    assert header(result, "X-Request-ID", response=True) == header(result, "X-Request-ID")
    assert result_to_emsp.request_body == result.request_body
    assert check(events) == []
    # Only NL-CPA may post to its relay; unknown relays do not exist.
    roaming.settle()  # the session the command started, the EVSE status: not this test's subject
    mark = roaming.mark()
    for party, path in ((net.cpb, "sender/commands/relay/1"), (net.cpa, "sender/commands/relay/99")):
        answer = send(roaming, party, "POST", path, to="DE-MSA", body={"result": "ACCEPTED"})
        assert answer.http_status == 404
    assert all(e.from_party != "NL-HUB" for e in roaming.since(mark))


def test_result_for_a_requester_whose_link_is_down_is_4003(roaming: Roaming, charging: Net) -> None:
    net = charging
    roaming.run(start_session(net.msa, cpo=PartyRef("NL", "CPA"), location_id="L1", token_uid="0001"))
    roaming.settle()
    roaming.network.links.set_party_offline("DE-MSA")
    mark = roaming.mark()
    late = send(roaming, net.cpa, "POST", "sender/commands/relay/1", to="DE-MSA", body={"result": "TIMEOUT"})
    roaming.settle()
    assert (late.http_status, late.ocpi_status) == (200, 4003)
    events = roaming.since(mark)
    assert flow(events)[:2] == [
        ("NL-HUB", "DE-MSA", "POST", str(net.hub.relays["1"].original_url).removeprefix("https://de-msa.roamsim.test"),
         0, None),
        ("NL-CPA", "NL-HUB", "POST", "/ocpi/2.2.1/sender/commands/relay/1", 200, 4003),
    ]  # fmt: skip
    assert infos_put(events) == [(peer, "DE-MSA", "EMSP", "OFFLINE") for peer in ("BE-CPB", "NL-CPA", "NL-MSB")]
    assert check(events) == []


def test_charging_profiles_via_hub_relay_body_and_query_response_urls(roaming: Roaming, charging: Net) -> None:
    net = charging
    started = roaming.run(start_session(net.msa, cpo=PartyRef("NL", "CPA"), location_id="L1", token_uid="0001"))
    roaming.settle()
    session_id = next(iter(net.msa.emsp_data.sessions)).id
    assert started.result is not None
    profile = ChargingProfile.model_validate(
        {"charging_rate_unit": "W", "charging_profile_period": [{"start_period": 0, "limit": 7400}]}
    )
    mark = roaming.mark()
    outcome = roaming.run(set_charging_profile(net.msa, cpo=PartyRef("NL", "CPA"), session_id=session_id,
                                               profile=profile))  # fmt: skip
    roaming.settle(60)
    assert outcome.result is not None and outcome.result.result is ChargingProfileResultType.ACCEPTED
    events = roaming.since(mark)
    profiles = f"/ocpi/2.2.1/receiver/chargingprofiles/{session_id}"
    assert flow(events) == [
        ("NL-HUB", "NL-CPA", "PUT", profiles, 200, 1000),
        ("DE-MSA", "NL-HUB", "PUT", profiles, 200, 1000),
        ("NL-HUB", "DE-MSA", "POST", str(outcome.response_url).removeprefix("https://de-msa.roamsim.test"), 200, 1000),
        ("NL-CPA", "NL-HUB", "POST", "/ocpi/2.2.1/sender/chargingprofiles/relay/2", 200, 1000),
        # the CPO's ActiveChargingProfile update: Sender interface to Sender interface
        ("NL-HUB", "DE-MSA", "PUT", f"/ocpi/2.2.1/sender/chargingprofiles/{session_id}", 200, 1000),
        ("NL-CPA", "NL-HUB", "PUT", f"/ocpi/2.2.1/sender/chargingprofiles/{session_id}", 200, 1000),
    ]
    assert body(events[0])["response_url"] == f"{HUB_URL}/sender/chargingprofiles/relay/2"
    assert body(events[1])["response_url"] == outcome.response_url
    assert check(events) == []
    # GET carries its response_url in the query string: rewritten there.
    mark = roaming.mark()
    active = roaming.run(get_active_charging_profile(net.msa, cpo=PartyRef("NL", "CPA"), session_id=session_id,
                                                     duration_s=600))  # fmt: skip
    assert active.result is not None and active.result.result is ChargingProfileResultType.ACCEPTED
    to_cpo, from_emsp = roaming.since(mark)[:2]
    assert "response_url=https%3A%2F%2Fnl-hub.roamsim.test%2Focpi%2F2.2.1%2Fsender%2Fchargingprofiles%2Frelay%2F3" in (
        to_cpo.url
    )
    assert "duration=600" in to_cpo.url and "response_url=https%3A%2F%2Fde-msa" in from_emsp.url
    assert net.hub.relays["3"].original_url == active.response_url
    assert check(roaming.since(mark)) == []


# --- failures and liveness --------------------------------------------------------------------------


def test_link_down_gives_4003_and_offline_then_a_probe_brings_it_back(roaming: Roaming, net: Net) -> None:
    roaming.network.links.set_party_offline("DE-MSA")
    mark = roaming.mark()
    answer = send(roaming, net.cpa, "PUT", "receiver/sessions/NL/CPA/S1", to="DE-MSA",
                  body=session("NL-CPA", "S1", "DE-MSA"))  # fmt: skip
    assert (answer.http_status, answer.ocpi_status) == (200, 4003)
    roaming.settle()
    events = roaming.since(mark)
    assert flow(events)[:2] == [
        ("NL-HUB", "DE-MSA", "PUT", "/ocpi/2.2.1/receiver/sessions/NL/CPA/S1", 0, None),
        ("NL-CPA", "NL-HUB", "PUT", "/ocpi/2.2.1/receiver/sessions/NL/CPA/S1", 200, 4003),
    ]
    assert routing(events[1], response=True) == ("NL-HUB", "NL-CPA")
    assert infos_put(events) == [
        ("BE-CPB", "DE-MSA", "EMSP", "OFFLINE"),
        ("NL-CPA", "DE-MSA", "EMSP", "OFFLINE"),
        ("NL-MSB", "DE-MSA", "EMSP", "OFFLINE"),
    ]
    assert net.cpa.hub_clients[("DE", "MSA", "EMSP")].status == "OFFLINE"
    assert PartyRef("DE", "MSA") not in net.cpa.known_parties(Role.EMSP)
    assert check(events) == []
    # While OFFLINE, broadcasts leave it out; an addressed request is tried again (no new announcement).
    add_location(net.cpa, location("NL-CPA", "L1"))
    mark = roaming.mark()
    roaming.run(push_location(net.cpa, "L1"))
    again = send(roaming, net.cpb, "PUT", "receiver/sessions/BE/CPB/S9", to="DE-MSA",
                 body=session("BE-CPB", "S9", "DE-MSA"))  # fmt: skip
    roaming.settle()
    assert again.ocpi_status == 4003
    assert [(e.from_party, e.to_party, e.response_status) for e in roaming.since(mark)] == [
        ("NL-HUB", "NL-MSB", 201),
        ("NL-CPA", "NL-HUB", 200),
        ("NL-HUB", "DE-MSA", 0),
        ("BE-CPB", "NL-HUB", 200),
    ]
    # Back online: the "still alive" probe sees it and the others hear it is CONNECTED again.
    roaming.network.links.set_party_offline("DE-MSA", offline=False)
    mark = roaming.mark()
    assert roaming.run(net.hub.probe("DE-MSA")) is True
    roaming.settle()
    assert flow(roaming.since(mark))[0] == ("NL-HUB", "DE-MSA", "GET", "/ocpi/versions", 200, 1000)
    assert infos_put(roaming.since(mark)) == [
        ("BE-CPB", "DE-MSA", "EMSP", "CONNECTED"),
        ("NL-CPA", "DE-MSA", "EMSP", "CONNECTED"),
        ("NL-MSB", "DE-MSA", "EMSP", "CONNECTED"),
    ]
    assert net.cpa.hub_clients[("DE", "MSA", "EMSP")].status == "CONNECTED"
    assert check(roaming.since(mark)) == []


def test_liveness_checks_probe_silent_parties(roaming: Roaming, net: Net) -> None:
    net.hub.start_liveness_checks(interval_s=300)
    roaming.network.links.set_party_offline("NL-MSB")
    mark = roaming.mark()
    roaming.settle(301)
    probes = [(e.to_party, e.response_status) for e in roaming.since(mark) if e.url.endswith("/ocpi/versions")]
    assert probes == [("BE-CPB", 200), ("DE-MSA", 200), ("NL-CPA", 200), ("NL-MSB", 0)]
    roaming.settle(60)
    assert infos_put(roaming.since(mark)) == [
        ("BE-CPB", "NL-MSB", "EMSP", "OFFLINE"),
        ("DE-MSA", "NL-MSB", "EMSP", "OFFLINE"),
        ("NL-CPA", "NL-MSB", "EMSP", "OFFLINE"),
    ]
