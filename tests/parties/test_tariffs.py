"""Tariffs module: CPO Sender list, eMSP Receiver (GET/PUT/DELETE, PATCH in 2.1.1 only), push, pull, poll."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from sim.conformance import check
from sim.netbuilder import Roaming
from sim.ocpi.common import OCPIVersion, format_datetime, parse_datetime
from sim.ocpi.headers import PartyRef
from sim.ocpi.v211 import convert_tariffs
from sim.ocpi.v221.tariffs import Tariff
from sim.ocpi.v221.types import Role
from sim.ocpi.wirejson import loads
from sim.parties.connection import SyncMode
from sim.parties.modules import tariffs_client as tc

from .builders import CPA, EXAMPLES, OLD, V211, V221, catalog, data, headers, only_bad_bodies, path, query
from .conftest import flow


def example_tariff(name: str, tariff_id: str, **changes: Any) -> Tariff:
    """One of the spec's 2.2.1 tariff examples, owned by NL-CPA."""
    document = json.loads((EXAMPLES / "2.2.1" / name).read_text())
    return Tariff.model_validate({**document, "country_code": "NL", "party_id": "CPA", "id": tariff_id, **changes})


def simple_tariff(tariff_id: str, last_updated: datetime = OLD) -> Tariff:
    """€2/h charging time, with VAT (dropped on 2.1.1 wires)."""
    return example_tariff("tariff_1_simple_2hour.json", tariff_id, last_updated=format_datetime(last_updated))


def reservation_only(tariff_id: str) -> Tariff:
    """A Tariff that only prices reservations: 2.1.1 cannot express it."""
    return Tariff.model_validate(
        {
            "country_code": "NL", "party_id": "CPA", "id": tariff_id, "currency": "EUR",
            "elements": [{"price_components": [{"type": "TIME", "price": 5, "step_size": 60}],
                          "restrictions": {"reservation": "RESERVATION"}}],
            "last_updated": "2019-02-03T17:00:11Z",
        }
    )  # fmt: skip


def as_received(tariff: Tariff, version: OCPIVersion) -> Tariff:
    if version is V221:
        return tariff
    return convert_tariffs.tariff_from_211(convert_tariffs.tariff_to_211(tariff), country_code="NL", party_id="CPA")


def wire_json(tariff: Tariff, version: OCPIVersion) -> str:
    return tariff.to_json() if version is V221 else convert_tariffs.tariff_to_211(tariff).to_json()


# --- push and delete ------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [V221, V211])
def test_push_tariffs_put_201_then_200_and_delete(roaming: Roaming, version: OCPIVersion) -> None:
    net = catalog(roaming, version)
    tariffs = [simple_tariff("T1"), example_tariff("tariff_4_complex.json", "T2")]
    for tariff in tariffs:
        assert tc.add_tariff(net.cpo, tariff) is True
    mark = roaming.mark()
    results = roaming.run(tc.push_all_tariffs(net.cpo))
    puts = [("NL-CPA", net.emsp.name, "PUT", path(net.receiver("tariffs", "NL", "CPA", t.id))) for t in tariffs]
    assert flow(roaming.since(mark)) == [(*put, 201, 1000) for put in puts]
    assert [e.request_body for e in roaming.since(mark)] == [wire_json(t, version) for t in tariffs]
    assert all(r.ok for r in results)
    if version is V221:
        request = headers(roaming.since(mark)[0].request_headers)
        assert (request["ocpi-from-party-id"], request["ocpi-to-party-id"]) == ("CPA", "MSP")
    else:  # VAT, type and owner fields do not exist in 2.1.1
        assert "vat" not in (roaming.since(mark)[0].request_body or "")
    assert net.emsp.emsp_data.tariffs.values() == [as_received(t, version) for t in tariffs]

    again = roaming.mark()
    roaming.run(tc.push_tariff(net.cpo, "T1"))
    assert flow(roaming.since(again)) == [(*puts[0], 200, 1000)]

    gone = roaming.mark()
    result = roaming.run(tc.delete_tariff(net.cpo, "T1"))
    assert flow(roaming.since(gone)) == [("NL-CPA", net.emsp.name, "DELETE", puts[0][3], 200, 1000)]
    assert roaming.since(gone)[0].request_body is None and result.ok
    assert [t.id for t in net.emsp.emsp_data.tariffs] == ["T2"]
    assert [t.id for t in net.cpo.cpo_data.tariffs] == ["T2"]
    missing = net.cpo_sends("DELETE", net.receiver("tariffs", "NL", "CPA", "T1"), "tariffs")
    assert (missing.http_status, missing.ocpi_status) == (404, 2000)
    assert check(roaming.since(mark)) == []


def test_reservation_only_tariff_is_skipped_for_211(roaming: Roaming) -> None:
    net = catalog(roaming, V211)
    tc.add_tariff(net.cpo, reservation_only("RES"))
    mark = roaming.mark()
    result = roaming.run(tc.push_tariff(net.cpo, "RES"))
    assert result.deliveries == [] and "reservations" in result.skipped[0][1]
    listing = net.emsp_sends("GET", net.sender("tariffs"), "tariffs")
    assert listing.data == [] and listing.headers["x-total-count"] == "0"
    assert any("left out" in note for note in roaming.since(mark)[0].notes)
    assert check(roaming.since(mark)) == []


# --- Receiver -------------------------------------------------------------------------------------


def test_tariff_patch_211_merges_into_stored_tariff(roaming: Roaming) -> None:
    net = catalog(roaming, V211)
    tc.add_tariff(net.cpo, simple_tariff("12"))
    roaming.run(tc.push_tariff(net.cpo, "12"))
    mark = roaming.mark()
    patch = json.loads((EXAMPLES / "2.1.1" / "tariff_patch_example_change_price.json").read_text())
    now = roaming.clock.now()
    answer = net.cpo_sends("PATCH", net.receiver("tariffs", "NL", "CPA", "12"), "tariffs", patch)
    assert flow(roaming.since(mark)) == [
        ("NL-CPA", "DE-MSB", "PATCH", path(net.receiver("tariffs", "NL", "CPA", "12")), 200, 1000)
    ]
    assert answer.ok
    stored = net.emsp.emsp_data.tariffs.get(CPA, "12")
    assert stored is not None and stored.currency == "EUR" and stored.country_code == "NL"
    component = stored.elements[0].price_components[0]
    assert (component.price, component.step_size) == (Decimal("2.50"), 300)
    # No last_updated in the 2.1.1 PATCH (optional there): the time it was received stands in.
    assert now <= stored.last_updated <= roaming.clock.now()
    wrong_id = net.cpo_sends("PATCH", net.receiver("tariffs", "NL", "CPA", "12"), "tariffs", {**patch, "id": "13"})
    unknown = net.cpo_sends("PATCH", net.receiver("tariffs", "NL", "CPA", "99"), "tariffs", patch)
    invalid = net.cpo_sends("PATCH", net.receiver("tariffs", "NL", "CPA", "12"), "tariffs", {"elements": []})
    assert [(x.http_status, x.ocpi_status) for x in (wrong_id, unknown, invalid)] == [
        (200, 2001),
        (404, 2000),
        (200, 2001),
    ]
    assert net.emsp.emsp_data.tariffs.get(CPA, "12") == stored
    only_bad_bodies(roaming.since(mark), 3)  # the empty elements list


def test_tariff_patch_221_is_405(roaming: Roaming) -> None:
    net = catalog(roaming, V221)
    tc.add_tariff(net.cpo, simple_tariff("12"))
    roaming.run(tc.push_tariff(net.cpo, "12"))
    before = net.emsp.emsp_data.tariffs.values()
    answer = net.cpo_sends("PATCH", net.receiver("tariffs", "NL", "CPA", "12"), "tariffs", {"currency": "USD"})
    assert (answer.http_status, answer.ocpi_status) == (405, 2000)
    assert net.emsp.emsp_data.tariffs.values() == before


@pytest.mark.parametrize("version", [V221, V211])
def test_receiver_error_paths(roaming: Roaming, version: OCPIVersion) -> None:
    net = catalog(roaming, version)
    tariff = simple_tariff("T1")
    tc.add_tariff(net.cpo, tariff)
    roaming.run(tc.push_tariff(net.cpo, "T1"))
    mark = roaming.mark()
    body = loads(wire_json(tariff, version))
    attempts = {
        "invalid body": ("PUT", ("NL", "CPA", "T1"), {**body, "currency": "euro"}),
        "invalid new": ("PUT", ("NL", "CPA", "T2"), {**body, "id": "T2", "elements": []}),
        "wrong owner": ("PUT", ("NL", "XYZ", "T1"), body),
        "id mismatch": ("PUT", ("NL", "CPA", "T9"), body),
        "get unknown": ("GET", ("NL", "CPA", "T9"), None),
        "get wrong owner": ("GET", ("BE", "BEC", "T1"), None),
        "delete wrong owner": ("DELETE", ("BE", "BEC", "T1"), None),
        "get stored": ("GET", ("NL", "CPA", "t1"), None),
    }
    answers = {
        what: net.cpo_sends(method, net.receiver("tariffs", *segments), "tariffs", payload)
        for what, (method, segments, payload) in attempts.items()
    }
    assert {what: (x.http_status, x.ocpi_status) for what, x in answers.items()} == {
        "invalid body": (200, 2001),
        "invalid new": (200, 2001),
        "wrong owner": (404, 2000),
        "id mismatch": (200, 2001),
        "get unknown": (404, 2000),
        "get wrong owner": (404, 2000),
        "delete wrong owner": (404, 2000),
        "get stored": (200, 1000),
    }
    assert answers["get stored"].data == body
    assert net.emsp.emsp_data.tariffs.values() == [as_received(tariff, version)]
    if version is V221:  # the owner inside the object must match the URL too
        foreign = net.cpo_sends(
            "PUT", net.receiver("tariffs", "NL", "CPA", "T1"), "tariffs", {**body, "party_id": "XYZ"}
        )
        assert foreign.ocpi_status == 2001 and "NL-XYZ" in (foreign.message or "")
    only_bad_bodies(roaming.since(mark), 0, 1)


@pytest.mark.parametrize("version", [V221, V211])
def test_token_a_is_refused_on_tariffs(roaming: Roaming, version: OCPIVersion) -> None:
    net = catalog(roaming, version)
    mark = roaming.mark()
    request = net.emsp.build_request(
        "GET", net.sender("tariffs"), token=net.cpo.issue_token_a("x"), version=version, module="tariffs",
        sender=net.emsp.ref(Role.EMSP), to=CPA,
    )  # fmt: skip
    assert roaming.run(net.emsp.call(request)).http_status == 401
    assert check(roaming.since(mark)) == []


# --- pull and poll --------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [V221, V211])
def test_pull_tariffs_pages_and_replaces_known_list(roaming: Roaming, version: OCPIVersion) -> None:
    net = catalog(roaming, version, sync=SyncMode.PULL)
    for i in range(1, 6):
        tc.add_tariff(net.cpo, simple_tariff(f"T{i}"))
    # Stale: a tariff of this CPO the eMSP still holds but the CPO no longer lists; and another CPO's.
    net.emsp.emsp_data.tariffs.put(CPA, "OLD", simple_tariff("OLD"))
    other = simple_tariff("X").model_copy(update={"party_id": "OTH"})
    other_ref = PartyRef("NL", "OTH")
    net.emsp.emsp_data.tariffs.put(other_ref, "X", other)
    mark = roaming.mark()
    result = roaming.run(tc.pull_tariffs(net.emsp, net.emsp_conn, limit=2))
    exchanges = roaming.since(mark)
    assert flow(exchanges) == [(net.emsp.name, "NL-CPA", "GET", path(net.sender("tariffs")), 200, 1000)] * 3
    assert [query(e) for e in exchanges] == [
        {"limit": ["2"]}, {"limit": ["2"], "offset": ["2"]}, {"limit": ["2"], "offset": ["4"]}
    ]  # fmt: skip
    assert [headers(e.response_headers).get("x-total-count") for e in exchanges] == ["5"] * 3
    assert (result.pages, result.stored, result.removed, result.complete) == (3, 5, 1, True)
    assert net.emsp.emsp_data.tariffs.get(CPA, "OLD") is None
    assert net.emsp.emsp_data.tariffs.get(other_ref, "X") == other
    assert net.emsp.emsp_data.tariffs.owned_by(CPA) == [
        as_received(simple_tariff(f"T{i}"), version) for i in range(1, 6)
    ]
    assert check(exchanges) == []


@pytest.mark.parametrize("version", [V221, V211])
def test_poll_tariffs_fetches_only_changed(roaming: Roaming, version: OCPIVersion) -> None:
    net = catalog(roaming, version, sync=SyncMode.PULL)
    tc.add_tariff(net.cpo, simple_tariff("T1"))
    tc.add_tariff(net.cpo, simple_tariff("T2"))
    mark = roaming.mark()
    first_start = roaming.clock.now()
    process = tc.poll_tariffs(net.emsp, net.emsp_conn, 900)
    roaming.settle(60)
    assert [len(data(e)) for e in roaming.since(mark)] == [2]
    roaming.settle(900)  # the second (incremental) pull, at 900 s, finds nothing new
    changed_at = roaming.clock.now()
    tc.add_tariff(net.cpo, simple_tariff("T2", last_updated=changed_at))  # a new version of T2
    roaming.settle(900)
    polls = roaming.since(mark)
    assert flow(polls) == [(net.emsp.name, "NL-CPA", "GET", path(net.sender("tariffs")), 200, 1000)] * 3
    assert query(polls[1]) == {"date_from": [format_datetime(first_start, version)]}
    # The third pull starts from the second pull's start: just before that GET arrived (one latency).
    second_start = parse_datetime(query(polls[2])["date_from"][0])
    assert polls[1].time - timedelta(seconds=1) < second_start <= polls[1].time
    assert [[t["id"] for t in data(e)] for e in polls] == [["T1", "T2"], [], ["T2"]]
    assert len(net.emsp.emsp_data.tariffs) == 2  # an incremental pull never removes anything
    process.interrupt()
    assert check(polls) == []
