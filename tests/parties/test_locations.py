"""Locations module: CPO Sender (lists, single objects), eMSP Receiver (PUT/PATCH/GET), push, pull, poll."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from sim.conformance import check
from sim.netbuilder import Roaming
from sim.ocpi.common import OCPIVersion, format_datetime
from sim.ocpi.headers import PartyRef
from sim.ocpi.v211 import convert_locations
from sim.ocpi.v221.locations import Location
from sim.ocpi.v221.locations_enums import Status
from sim.ocpi.v221.types import Role
from sim.ocpi.wirejson import dumps, loads
from sim.parties.connection import SyncMode
from sim.parties.modules import locations_client as lc
from sim.parties.modules.pull import sync_state

from .builders import (
    CPA,
    EXAMPLES,
    OLD,
    V211,
    V221,
    Bilateral,
    catalog,
    connector_json,
    data,
    evse_json,
    headers,
    only_bad_bodies,
    path,
    query,
    site,
)
from .conftest import flow

# --- test objects ---------------------------------------------------------------------------------


def example_location(location_id: str = "LOC1", **changes: Any) -> Location:
    """The spec's 2.2.1 Location example (2 EVSEs, 3 connectors), owned by NL-CPA."""
    document = json.loads((EXAMPLES / "2.2.1" / "location_example.json").read_text())
    return Location.model_validate({**document, "country_code": "NL", "party_id": "CPA", "id": location_id, **changes})


def small_location(location_id: str, last_updated: datetime = OLD) -> Location:
    """A one-EVSE, one-connector Location built in code."""
    only = evse_json(f"{location_id}-E1", connector_json(last_updated=last_updated), last_updated=last_updated)
    return site(location_id, only, last_updated=last_updated)


def pushed_example(net: Bilateral) -> None:
    """The CPO adds the spec's example Location LOC1 and pushes it to the eMSP."""
    lc.add_location(net.cpo, example_location())
    net.roaming.run(lc.push_location(net.cpo, "LOC1"))


def as_received(location: Location, version: OCPIVersion) -> Location:
    """What the eMSP stores for ``location`` after it crossed a connection of ``version``."""
    if version is V221:
        return location
    return convert_locations.location_from_211(
        convert_locations.location_to_211(location), country_code="NL", party_id="CPA"
    )


def wire_json(location: Location, version: OCPIVersion) -> str:
    return location.to_json() if version is V221 else convert_locations.location_to_211(location).to_json()


# --- push -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [V221, V211])
def test_push_three_locations_put_201_then_200_on_repush(roaming: Roaming, version: OCPIVersion) -> None:
    net = catalog(roaming, version)
    locations = [example_location("LOC1"), small_location("LOC2"), small_location("LOC3")]
    for location in locations:
        assert lc.add_location(net.cpo, location) is True
    mark = roaming.mark()
    results = roaming.run(lc.push_all_locations(net.cpo))
    puts = [("NL-CPA", net.emsp.name, "PUT", path(net.receiver("locations", "NL", "CPA", loc.id))) for loc in locations]
    assert flow(roaming.since(mark)) == [(*put, 201, 1000) for put in puts]
    assert [e.request_body for e in roaming.since(mark)] == [wire_json(loc, version) for loc in locations]
    assert all(r.ok and len(r.deliveries) == 1 and not r.skipped for r in results)
    assert results[0].deliveries[0][0].to == net.cpo_conn.parties()[0]
    first = roaming.since(mark)[0]
    if version is V221:
        assert headers(first.request_headers)["ocpi-to-party-id"] == "MSP"
        assert headers(first.request_headers)["ocpi-from-party-id"] == "CPA"
        assert headers(first.response_headers)["ocpi-from-party-id"] == "MSP"
        assert "data" not in loads(first.response_body or "")  # push answers carry no data
    else:
        assert "ocpi-to-party-id" not in headers(first.request_headers)
    assert net.emsp.emsp_data.locations.values() == [as_received(loc, version) for loc in locations]

    again = roaming.mark()
    roaming.run(lc.push_all_locations(net.cpo))
    assert flow(roaming.since(again)) == [(*put, 200, 1000) for put in puts]
    assert len(net.emsp.emsp_data.locations) == 3
    assert check(roaming.since(mark)) == []


def test_push_goes_nowhere_on_pull_connections(roaming: Roaming) -> None:
    net = catalog(roaming, V221, sync=SyncMode.PULL)
    lc.add_location(net.cpo, small_location("LOC1"))
    mark = roaming.mark()
    result = roaming.run(lc.push_location(net.cpo, "LOC1"))
    assert result.deliveries == [] and roaming.since(mark) == []


def test_add_location_refuses_a_foreign_owner(roaming: Roaming) -> None:
    net = catalog(roaming, V221)
    with pytest.raises(ValueError, match="owned by BE-BEC"):
        lc.add_location(net.cpo, example_location(country_code="BE", party_id="BEC"))


@pytest.mark.parametrize("version", [V221, V211])
def test_evse_status_patch_exact_body_and_bumps(roaming: Roaming, version: OCPIVersion) -> None:
    net = catalog(roaming, version)
    pushed_example(net)
    roaming.settle(60)
    now = roaming.clock.now()
    mark = roaming.mark()
    result = roaming.run(lc.set_evse_status(net.cpo, "LOC1", "3256", Status.CHARGING))
    url = net.receiver("locations", "NL", "CPA", "LOC1", "3256")
    assert flow(roaming.since(mark)) == [("NL-CPA", net.emsp.name, "PATCH", path(url), 200, 1000)]
    assert roaming.since(mark)[0].request_body == dumps(
        {"status": "CHARGING", "last_updated": format_datetime(now, version)}
    )
    assert result.ok and result.object_id == "LOC1/3256"
    # The CPO bumped the EVSE and the Location to the time of the change.
    own = net.cpo.cpo_data.locations.get(CPA, "LOC1")
    assert own is not None and own.last_updated == now
    assert own.evses is not None and own.evses[0].status is Status.CHARGING and own.evses[0].last_updated == now
    # The receiver merged the status; in 2.2.1 it bumps the Location too, in 2.1.1 it keeps what it got.
    received = net.emsp.emsp_data.locations.get(CPA, "LOC1")
    assert received is not None and received.evses is not None
    evse = received.evses[0]
    assert evse.status is Status.CHARGING and evse.evse_id == "BE*BEC*E041503001"
    assert received.evses[1].status is Status.RESERVED
    wire_now = now if version is V221 else now.replace(microsecond=0)
    assert evse.last_updated == wire_now
    assert received.last_updated == (wire_now if version is V221 else example_location().last_updated)

    unchanged = roaming.mark()
    assert roaming.run(lc.set_evse_status(net.cpo, "LOC1", "3256", Status.CHARGING)).deliveries == []
    assert roaming.since(unchanged) == []
    assert check(roaming.since(mark)) == []


@pytest.mark.parametrize("version", [V221, V211])
def test_connector_tariffs_patch_bumps_evse_and_location(roaming: Roaming, version: OCPIVersion) -> None:
    net = catalog(roaming, version)
    pushed_example(net)
    roaming.settle(60)
    now = roaming.clock.now()
    mark = roaming.mark()
    roaming.run(lc.set_connector_tariffs(net.cpo, "LOC1", "3256", "2", ["T9"]))
    url = net.receiver("locations", "NL", "CPA", "LOC1", "3256", "2")
    assert flow(roaming.since(mark)) == [("NL-CPA", net.emsp.name, "PATCH", path(url), 200, 1000)]
    expected_body = {"tariff_ids": ["T9"]} if version is V221 else {"tariff_id": "T9"}
    assert loads(roaming.since(mark)[0].request_body or "") == {
        **expected_body,
        "last_updated": format_datetime(now, version),
    }
    received = net.emsp.emsp_data.locations.get(CPA, "LOC1")
    assert received is not None and received.evses is not None
    connector = received.evses[0].connectors[1]
    assert connector.tariff_ids == ["T9"] and received.evses[0].connectors[0].tariff_ids == ["11"]
    if version is V221:
        assert received.evses[0].last_updated == now and received.last_updated == now
    assert check(roaming.since(mark)) == []


@pytest.mark.parametrize("version", [V221, V211])
def test_unpublished_location_skipped_for_211_listed_for_nobody(roaming: Roaming, version: OCPIVersion) -> None:
    net = catalog(roaming, version)
    lc.add_location(net.cpo, small_location("PRIV").model_copy(update={"publish": False}))
    lc.add_location(net.cpo, small_location("PUB"))
    mark = roaming.mark()
    result = roaming.run(lc.push_location(net.cpo, "PRIV"))
    if version is V221:
        assert [d[1].http_status for d in result.deliveries] == [201] and result.skipped == []
    else:
        assert result.deliveries == [] and "not published" in result.skipped[0][1]
    listing = net.emsp_sends("GET", net.sender("locations"), "locations")
    assert [item["id"] for item in listing.data] == ["PUB"] and listing.headers["x-total-count"] == "1"
    single = net.emsp_sends("GET", net.sender("locations", "PRIV"), "locations")
    assert single.http_status == (200 if version is V221 else 404)
    assert check(roaming.since(mark)) == []


# --- Sender: single objects -----------------------------------------------------------------------


@pytest.mark.parametrize("version", [V221, V211])
def test_sender_get_location_evse_connector_and_404s(roaming: Roaming, version: OCPIVersion) -> None:
    net = catalog(roaming, version)
    location = example_location()
    lc.add_location(net.cpo, location)
    mark = roaming.mark()
    whole = net.emsp_sends("GET", net.sender("locations", "loc1"), "locations")  # ids are case-insensitive
    evse = net.emsp_sends("GET", net.sender("locations", "LOC1", "3257"), "locations")
    connector = net.emsp_sends("GET", net.sender("locations", "LOC1", "3256", "2"), "locations")
    assert [x.http_status for x in (whole, evse, connector)] == [200, 200, 200]
    assert whole.data == loads(wire_json(location, version))
    assert evse.data["uid"] == "3257" and evse.data["status"] == "RESERVED"
    connector_key = "tariff_ids" if version is V221 else "tariff_id"
    assert connector.data["id"] == "2" and connector.data[connector_key] == (["13"] if version is V221 else "13")
    unknown = [("NOPE",), ("LOC1", "9999"), ("LOC1", "3256", "7")]
    answers = [net.emsp_sends("GET", net.sender("locations", *p), "locations") for p in unknown]
    assert [(a.http_status, a.ocpi_status) for a in answers] == [(404, 2000)] * 3
    assert check(roaming.since(mark)) == []


# --- pull and poll --------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [V221, V211])
def test_pull_with_limit_2_over_5_follows_link(roaming: Roaming, version: OCPIVersion) -> None:
    net = catalog(roaming, version, sync=SyncMode.PULL)
    for i in range(1, 6):
        lc.add_location(net.cpo, small_location(f"LOC{i}"))
    mark = roaming.mark()
    result = roaming.run(lc.pull_locations(net.emsp, net.emsp_conn, limit=2, date_from=OLD))
    exchanges = roaming.since(mark)
    list_path = path(net.sender("locations"))
    assert flow(exchanges) == [(net.emsp.name, "NL-CPA", "GET", list_path, 200, 1000)] * 3
    stamp = format_datetime(OLD, version)
    assert [query(e) for e in exchanges] == [
        {"date_from": [stamp], "limit": ["2"]},
        {"date_from": [stamp], "limit": ["2"], "offset": ["2"]},
        {"date_from": [stamp], "limit": ["2"], "offset": ["4"]},
    ]
    links = [headers(e.response_headers).get("link") for e in exchanges]
    assert links[:2] == [f'<{exchanges[1].url}>; rel="next"', f'<{exchanges[2].url}>; rel="next"'] and links[2] is None
    assert [headers(e.response_headers)["x-total-count"] for e in exchanges] == ["5"] * 3
    assert [headers(e.response_headers)["x-limit"] for e in exchanges] == ["2"] * 3
    assert [[item["id"] for item in data(e)] for e in exchanges] == [["LOC1", "LOC2"], ["LOC3", "LOC4"], ["LOC5"]]
    if version is V221:
        request = headers(exchanges[0].request_headers)
        assert (request["ocpi-to-country-code"], request["ocpi-to-party-id"]) == ("NL", "CPA")
    assert (result.pages, result.stored, result.created, result.complete, result.rejected) == (3, 5, 5, True, [])
    stored = net.emsp.emsp_data.locations.values()
    assert stored == [as_received(small_location(f"LOC{i}"), version) for i in range(1, 6)]
    assert check(exchanges) == []


def test_server_caps_the_page_size_and_says_so(roaming: Roaming) -> None:
    net = catalog(roaming, V221, sync=SyncMode.PULL)
    sync_state(net.cpo, "locations").page_limit = 2
    for i in range(1, 4):
        lc.add_location(net.cpo, small_location(f"LOC{i}"))
    mark = roaming.mark()
    result = roaming.run(lc.pull_locations(net.emsp, net.emsp_conn, limit=10))
    exchanges = roaming.since(mark)
    assert [query(e) for e in exchanges] == [{"limit": ["10"]}, {"limit": ["2"], "offset": ["2"]}]
    assert headers(exchanges[0].response_headers)["x-limit"] == "2"
    assert result.pages == 2 and result.stored == 3
    assert check(exchanges) == []


@pytest.mark.parametrize("version", [V221, V211])
def test_poll_fetches_only_changed_locations(roaming: Roaming, version: OCPIVersion) -> None:
    net = catalog(roaming, version, sync=SyncMode.PULL)
    for i in range(1, 4):
        lc.add_location(net.cpo, small_location(f"LOC{i}"))
    mark = roaming.mark()
    first_start = roaming.clock.now()
    process = lc.poll_locations(net.emsp, net.emsp_conn, 3600)
    roaming.settle(10)
    assert flow(roaming.since(mark)) == [(net.emsp.name, "NL-CPA", "GET", path(net.sender("locations")), 200, 1000)]
    assert query(roaming.since(mark)[0]) == {} and len(data(roaming.since(mark)[0])) == 3
    assert len(net.emsp.emsp_data.locations) == 3

    changed = roaming.mark()
    roaming.run(lc.set_evse_status(net.cpo, "LOC2", "LOC2-E1", Status.CHARGING))
    assert roaming.since(changed) == []  # pull connection: nothing pushed
    roaming.settle(3600)
    second = roaming.since(changed)
    assert flow(second) == [(net.emsp.name, "NL-CPA", "GET", path(net.sender("locations")), 200, 1000)]
    assert query(second[0]) == {"date_from": [format_datetime(first_start, version)]}
    assert [item["id"] for item in data(second[0])] == ["LOC2"]
    received = net.emsp.emsp_data.locations.get(CPA, "LOC2")
    assert received is not None and received.evses is not None and received.evses[0].status is Status.CHARGING
    last = sync_state(net.emsp, "locations").last_pulls[net.emsp_conn.peer]
    assert last.date_from == first_start and last.stored == 1 and last.complete
    process.interrupt()
    roaming.settle(7200)
    assert len(roaming.since(changed)) == 1  # stopped
    assert check(roaming.since(mark)) == []


def test_pull_rejects_invalid_and_foreign_items_but_keeps_the_rest(roaming: Roaming) -> None:
    net = catalog(roaming, V221, sync=SyncMode.PULL)
    lc.add_location(net.cpo, small_location("GOOD"))
    # A Location slipped into the CPO's store under its own key while owned by someone else.
    net.cpo.cpo_data.locations.put(CPA, "ALIEN", small_location("ALIEN").model_copy(update={"party_id": "XYZ"}))
    result = roaming.run(lc.pull_locations(net.emsp, net.emsp_conn))
    assert result.stored == 1 and len(result.rejected) == 1 and "owned by NL-XYZ" in result.rejected[0]
    assert [loc.id for loc in net.emsp.emsp_data.locations] == ["GOOD"]


# --- Receiver: PUT/PATCH sub-objects, merging and errors ------------------------------------------


def test_receiver_evse_and_connector_put_and_location_patch_221(roaming: Roaming) -> None:
    net = catalog(roaming, V221)
    pushed_example(net)
    mark = roaming.mark()
    evse = (
        small_location("X").evses[0].model_copy(update={"uid": "NEW", "last_updated": datetime(2026, 1, 1, tzinfo=UTC)})
    )  # type: ignore[index]
    added = net.cpo_sends("PUT", net.receiver("locations", "NL", "CPA", "LOC1", "NEW"), "locations", evse)
    bumped = net.emsp.emsp_data.locations.get(CPA, "LOC1")
    # 2.2.1: the receiver bumps the Location to the new EVSE's last_updated.
    assert bumped is not None and bumped.last_updated == datetime(2026, 1, 1, tzinfo=UTC)
    replaced = net.cpo_sends("PUT", net.receiver("locations", "NL", "CPA", "LOC1", "NEW"), "locations", evse)
    connector = evse.connectors[0].model_copy(update={"id": "9"})
    plug = net.cpo_sends("PUT", net.receiver("locations", "NL", "CPA", "LOC1", "NEW", "9"), "locations", connector)
    name = {"name": "Gent Noord", "last_updated": "2026-02-01T00:00:00Z"}
    renamed = net.cpo_sends("PATCH", net.receiver("locations", "NL", "CPA", "LOC1"), "locations", name)
    assert [(x.http_status, x.ocpi_status) for x in (added, replaced, plug, renamed)] == [
        (201, 1000), (200, 1000), (201, 1000), (200, 1000)
    ]  # fmt: skip
    stored = net.emsp.emsp_data.locations.get(CPA, "LOC1")
    assert stored is not None and stored.evses is not None
    assert [e.uid for e in stored.evses] == ["3256", "3257", "NEW"]
    assert [c.id for c in stored.evses[2].connectors] == ["1", "9"]
    assert stored.name == "Gent Noord" and stored.city == "Gent" and stored.operator is not None
    assert stored.last_updated == datetime(2026, 2, 1, tzinfo=UTC)
    assert check(roaming.since(mark)) == []


@pytest.mark.parametrize("version", [V221, V211])
def test_invalid_body_2001_leaves_store_unchanged(roaming: Roaming, version: OCPIVersion) -> None:
    net = catalog(roaming, version)
    pushed_example(net)
    before = net.emsp.emsp_data.locations.values()
    body = loads(wire_json(example_location(), version))
    del body["address"]
    mark = roaming.mark()
    bad_put = net.cpo_sends("PUT", net.receiver("locations", "NL", "CPA", "LOC1"), "locations", body)
    new_put = net.cpo_sends("PUT", net.receiver("locations", "NL", "CPA", "LOC2"), "locations", {**body, "id": "LOC2"})
    bad_patch = net.cpo_sends(
        "PATCH", net.receiver("locations", "NL", "CPA", "LOC1", "3256"), "locations", {"status": "NOT_A_STATUS"}
    )
    answers = [(x.http_status, x.ocpi_status) for x in (bad_put, new_put, bad_patch)]
    assert answers == [(200, 2001)] * 3
    assert "address: required field missing" in (bad_put.message or "")
    if version is V221:  # 2.2.1 PATCH without last_updated is the spec's own 2001 example
        no_stamp = net.cpo_sends(
            "PATCH", net.receiver("locations", "NL", "CPA", "LOC1", "3256"), "locations", {"status": "CHARGING"}
        )
        assert (no_stamp.ocpi_status, "last_updated" in (no_stamp.message or "")) == (2001, True)
    assert net.emsp.emsp_data.locations.values() == before
    only_bad_bodies(roaming.since(mark), *range(len(roaming.since(mark))))


@pytest.mark.parametrize("version", [V221, V211])
def test_receiver_error_paths(roaming: Roaming, version: OCPIVersion) -> None:
    net = catalog(roaming, version)
    location = example_location()
    lc.add_location(net.cpo, location)
    roaming.run(lc.push_location(net.cpo, "LOC1"))
    mark = roaming.mark()
    full = loads(wire_json(location, version))
    evse = full["evses"][0]
    connector = evse["connectors"][0]
    stamp = {"last_updated": "2026-03-02T07:00:00Z"}
    attempts = {
        "wrong owner": ("PUT", ("NL", "XYZ", "LOC1"), full),
        "id mismatch": ("PUT", ("NL", "CPA", "LOC9"), full),
        "evse uid mismatch": ("PUT", ("NL", "CPA", "LOC1", "OTHER"), evse),
        "evse into unknown location": ("PUT", ("NL", "CPA", "LOC9", evse["uid"]), evse),
        "connector into unknown evse": ("PUT", ("NL", "CPA", "LOC1", "9999", connector["id"]), connector),
        "patch unknown location": ("PATCH", ("NL", "CPA", "LOC9"), {"name": "x", **stamp}),
        "patch unknown evse": ("PATCH", ("NL", "CPA", "LOC1", "9999"), {"status": "CHARGING", **stamp}),
        "patch unknown connector": ("PATCH", ("NL", "CPA", "LOC1", "3256", "7"), {"max_amperage": 8, **stamp}),
        "get unknown location": ("GET", ("NL", "CPA", "LOC9"), None),
        "get wrong owner": ("GET", ("BE", "BEC", "LOC1"), None),
    }
    answers = {
        what: net.cpo_sends(method, net.receiver("locations", *p), "locations", body)
        for what, (method, p, body) in attempts.items()
    }
    answers = {what: (x.http_status, x.ocpi_status) for what, x in answers.items()}
    assert answers == {
        "wrong owner": (404, 2000),
        "id mismatch": (200, 2001),
        "evse uid mismatch": (200, 2001),
        "evse into unknown location": (200, 2003),
        "connector into unknown evse": (200, 2001),
        "patch unknown location": (200, 2003),
        "patch unknown evse": (200, 2001),
        "patch unknown connector": (200, 2001),
        "get unknown location": (404, 2000),
        "get wrong owner": (404, 2000),
    }
    assert net.emsp.emsp_data.locations.values() == [as_received(location, version)]
    stored = net.cpo_sends("GET", net.receiver("locations", "NL", "CPA", "LOC1", "3256"), "locations")
    assert stored.http_status == 200 and stored.data == evse  # the CPO can verify its push
    assert check(roaming.since(mark)) == []
    # Nothing is ever deleted: no DELETE route (the router's 405 carries no routing headers, so it is
    # kept out of the conformance check above).
    delete = net.cpo_sends("DELETE", net.receiver("locations", "NL", "CPA", "LOC1"), "locations")
    assert (delete.http_status, delete.ocpi_status) == (405, 2000)
    assert len(net.emsp.emsp_data.locations) == 1


@pytest.mark.parametrize("version", [V221, V211])
def test_token_a_is_refused_on_locations(roaming: Roaming, version: OCPIVersion) -> None:
    net = catalog(roaming, version)
    token_a = net.cpo.issue_token_a("someone")
    mark = roaming.mark()
    sender = net.emsp.ref(Role.EMSP)
    request = net.emsp.build_request(
        "GET", net.sender("locations"), token=token_a, version=version, module="locations", sender=sender, to=CPA
    )
    answer = roaming.run(net.emsp.call(request))
    assert (answer.http_status, answer.ocpi_status) == (401, 2000)
    request = net.cpo.build_request(
        "PUT", net.receiver("locations", "NL", "CPA", "LOC1"), token=net.emsp.issue_token_a("x"),
        version=version, module="locations", body=loads(wire_json(example_location(), version)),
        sender=CPA, to=net.emsp.ref(Role.EMSP),
    )  # fmt: skip
    assert roaming.run(net.cpo.call(request)).http_status == 401
    assert len(net.emsp.emsp_data.locations) == 0
    assert check(roaming.since(mark)) == []


# --- via a hub ------------------------------------------------------------------------------------


def test_broadcast_push_and_get_all_via_hub(roaming: Roaming) -> None:
    hub = roaming.hub("NL-HUB")
    cpa, cpb, emsp = roaming.cpo("NL-CPA"), roaming.cpo("NL-CPB"), roaming.emsp("DE-MSP")
    for party in (cpa, cpb):
        roaming.connect(party, hub)
    emsp_conn, _ = roaming.connect(emsp, hub)
    roaming.settle(5)  # HubClientInfo announcements
    lc.add_location(cpa, small_location("A1"))
    lc.add_location(cpb, small_location("B1").model_copy(update={"party_id": "CPB"}))
    mark = roaming.mark()
    result = roaming.run(lc.push_location(cpa, "A1"))
    receiver = "/ocpi/2.2.1/receiver/locations/NL/CPA/A1"
    # The hub forwards the broadcast (recorded first: the hop ends before the CPO's PUT is answered).
    assert flow(roaming.since(mark)) == [
        ("NL-HUB", "DE-MSP", "PUT", receiver, 201, 1000),
        ("NL-CPA", "NL-HUB", "PUT", receiver, 200, 1000),
    ]
    assert [(target.via_hub, target.to) for target, _ in result.deliveries] == [(True, PartyRef("NL", "HUB"))]
    assert [loc.id for loc in emsp.emsp_data.locations] == ["A1"]

    pulled = roaming.mark()
    result = roaming.run(lc.pull_locations(emsp, emsp_conn, limit=1))
    own_gets = [e for e in roaming.since(pulled) if e.from_party == "DE-MSP"]
    assert [path(e.url) for e in own_gets] == ["/ocpi/2.2.1/sender/locations"] * 2
    request = headers(own_gets[0].request_headers)
    assert (request["ocpi-to-country-code"], request["ocpi-to-party-id"]) == ("NL", "HUB")  # GET all via hub
    assert (result.pages, result.stored, result.complete) == (2, 2, True)
    assert [(loc.party_id, loc.id) for loc in emsp.emsp_data.locations] == [("CPA", "A1"), ("CPB", "B1")]
    assert check(roaming.since(mark)) == []
