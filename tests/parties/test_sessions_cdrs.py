"""Sessions and CDRs: the CPO's session lifecycle pushed to the token owner, CDRs, pulls, and bad input.

Networks: CPO NL-CPA with eMSP DE-MSA (2.2.1) or DE-MSB (2.1.1 only); a second eMSP NL-MSB to check
that a CPO only shows an eMSP its own sessions and CDRs; a hub NL-HUB for the routed case.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from sim.conformance import check
from sim.netbuilder import Roaming
from sim.ocpi.common import OCPIVersion, format_datetime
from sim.ocpi.headers import PartyRef
from sim.ocpi.v221.cdrs import CDR, AuthMethod, CdrToken, ChargingPeriod
from sim.ocpi.v221.locations import Location
from sim.ocpi.v221.sessions import Session, SessionStatus
from sim.ocpi.v221.tariffs import Tariff
from sim.ocpi.v221.types import Price
from sim.ocpi.wirejson import loads
from sim.parties.connection import SyncMode
from sim.parties.modules.cdrs import cdrs_state
from sim.parties.modules.cdrs_client import issue_cdr, pull_cdrs
from sim.parties.modules.sessions import cdr_token, sessions_state
from sim.parties.modules.sessions_client import (
    pull_sessions,
    set_session_status,
    start_session,
    stop_session,
    update_session,
)
from sim.parties.modules.tokens_client import add_token

from .builders import CPA as CPO
from .builders import STAMP as T0
from .builders import V211, V221, Bilateral, bilateral, body, connector_json, evse_json, join_hub, send, site, token
from .conftest import flow

Net = Bilateral


def location() -> Location:
    """LOC1: EVSE1 (RFID, charging preferences) and EVSE2, each one connector priced by TARIFF1."""
    priced = connector_json(tariff_ids=["TARIFF1"])
    return site(
        "LOC1",
        evse_json("EVSE1", priced, evse_id="NL*CPA*E1", capabilities=["RFID_READER", "CHARGING_PREFERENCES_CAPABLE"]),
        evse_json("EVSE2", priced),
        name="Stationsplein",
        postal_code="3511 ED",
    )


def tariff() -> Tariff:
    return Tariff.model_validate({
        "country_code": "NL", "party_id": "CPA", "id": "TARIFF1", "currency": "CHF", "last_updated": T0,
        "elements": [{"price_components": [{"type": "ENERGY", "price": Decimal("0.30"), "step_size": 1}]}],
    })  # fmt: skip


def driver(owner: PartyRef) -> CdrToken:
    """The eMSP's token RFID0001 as Sessions and CDRs name it."""
    return cdr_token(token(owner, whitelist="ALWAYS"))


def build(roaming: Roaming, version: OCPIVersion, sync: dict[str, SyncMode] | None = None) -> Net:
    net = bilateral(Net, roaming, version, sync=sync)
    net.cpo.cpo_data.locations.put(CPO, "LOC1", location())
    net.cpo.cpo_data.tariffs.put(CPO, "TARIFF1", tariff())
    add_token(net.emsp, token(net.owner, whitelist="ALWAYS"))
    return net


@pytest.fixture(params=[V221, V211], ids=["2.2.1", "2.1.1"])
def net(roaming: Roaming, request: pytest.FixtureRequest) -> Net:
    return build(roaming, request.param)


def period(start: datetime, **volumes: str) -> ChargingPeriod:
    dimensions = [{"type": kind, "volume": Decimal(volume)} for kind, volume in volumes.items()]
    return ChargingPeriod.model_validate({"start_date_time": start, "dimensions": dimensions})


def run_session(net: Net, *, cost: Price | None = None) -> tuple[Session, CDR]:
    """Start at EVSE1, three 10-minute progress reports (the last one parking), stop: (final session, CDR)."""
    roaming = net.roaming
    session = roaming.run(start_session(net.cpo, location_id="LOC1", evse_uid="EVSE1", connector_id="1",
                                        token=driver(net.owner), auth_method=AuthMethod.AUTH_REQUEST,
                                        authorization_reference="AUTH0001"))  # fmt: skip
    start = session.start_date_time.replace(microsecond=0)  # whole seconds survive 2.1.1 unchanged
    reports = [("3.5", period(start, ENERGY="3.5", TIME="0.1667")),
               ("7", period(start + timedelta(minutes=10), ENERGY="3.5", TIME="0.1667")),
               ("7", period(start + timedelta(minutes=20), PARKING_TIME="0.25"))]  # fmt: skip
    for number, (kwh, each) in enumerate(reports, start=1):
        roaming.settle(600)
        roaming.run(update_session(net.cpo, session.id, kwh=Decimal(kwh), period=each,
                                   total_cost=Price(excl_vat=Decimal("1.05") * number)))  # fmt: skip
    roaming.settle(900)
    cdr = roaming.run(stop_session(net.cpo, session.id, cost=cost))
    final = net.cpo.cpo_data.sessions.get(CPO, session.id)
    assert final is not None
    return final, cdr


# --- the pushed lifecycle ---------------------------------------------------------------------------


def test_session_lifecycle_221_appends_periods_and_posts_the_cdr(roaming: Roaming) -> None:
    net = build(roaming, V221)
    mark = roaming.mark()
    cost = Price(excl_vat=Decimal("2.10"), incl_vat=Decimal("2.54"))
    session, cdr = run_session(net, cost=cost)
    url = net.path("receiver", "sessions", "NL", "CPA", "SES000001")
    assert flow(roaming.since(mark)) == [
        ("NL-CPA", "DE-MSA", "PUT", url, 201, 1000),
        ("NL-CPA", "DE-MSA", "PATCH", url, 200, 1000),
        ("NL-CPA", "DE-MSA", "PATCH", url, 200, 1000),
        ("NL-CPA", "DE-MSA", "PATCH", url, 200, 1000),
        ("NL-CPA", "DE-MSA", "PATCH", url, 200, 1000),
        ("NL-CPA", "DE-MSA", "POST", "/ocpi/2.2.1/receiver/cdrs", 201, 1000),
    ]
    put, *progress, stop, post = roaming.since(mark)
    assert body(put)["status"] == "ACTIVE" and "charging_periods" not in body(put)
    assert [len(body(e)["charging_periods"]) for e in progress] == [1, 1, 1]  # only the new period: appended
    assert all("last_updated" in body(e) for e in (*progress, stop))
    assert set(body(stop)) == {"status", "end_date_time", "total_cost", "last_updated"}
    # The eMSP holds exactly what the CPO holds: three periods, COMPLETED, the final cost.
    assert net.emsp.emsp_data.sessions.get(CPO, "SES000001") == session
    assert session.status is SessionStatus.COMPLETED and len(session.charging_periods or []) == 3
    assert (session.currency, session.total_cost, session.kwh) == ("CHF", cost, Decimal("7"))
    # The CDR: built from the session, stored by the eMSP at the URL it names.
    location_header = dict(post.response_headers)["location"]
    assert location_header == "https://de-msa.roamsim.test/ocpi/2.2.1/receiver/cdrs/NL/CPA/CDR000001"
    assert net.emsp.emsp_data.cdrs.get(CPO, "CDR000001") == cdr == net.cpo.cpo_data.cdrs.get(CPO, "CDR000001")
    assert body(post) == cdr.to_wire()
    assert (cdr.session_id, cdr.authorization_reference, cdr.auth_method) == ("SES000001", "AUTH0001",
                                                                               AuthMethod.AUTH_REQUEST)  # fmt: skip
    assert cdr.end_date_time == session.end_date_time and cdr.start_date_time == session.start_date_time
    assert (cdr.total_energy, cdr.total_parking_time, cdr.total_cost) == (Decimal("7"), Decimal("0.25"), cost)
    assert session.end_date_time is not None
    elapsed = session.end_date_time - session.start_date_time
    assert elapsed == timedelta(minutes=45, milliseconds=400)  # 3 × 10 min + 15 min + four round trips
    assert cdr.total_time == Decimal("0.7501")  # 2700.4 s in hours, 4 decimals
    assert [t.id for t in cdr.tariffs or []] == ["TARIFF1"] and cdr.currency == "CHF"
    assert cdr.charging_periods == session.charging_periods
    snapshot = cdr.cdr_location
    assert (snapshot.id, snapshot.evse_uid, snapshot.evse_id, snapshot.connector_id, snapshot.address) == (
        "LOC1", "EVSE1", "NL*CPA*E1", "1", "Stationsplein 1")  # fmt: skip
    back = send(roaming, net.cpo, net.emsp, "GET", location_header)
    assert (back.http_status, back.data) == (200, loads(cdr.to_json()))
    assert check(roaming.since(mark)) == []


def test_session_lifecycle_211_sends_the_complete_period_list(roaming: Roaming) -> None:
    net = build(roaming, V211)
    mark = roaming.mark()
    session, cdr = run_session(net)
    url = net.path("receiver", "sessions", "NL", "CPA", "SES000001")
    assert flow(roaming.since(mark)) == [
        ("NL-CPA", "DE-MSB", "PUT", url, 201, 1000),
        *[("NL-CPA", "DE-MSB", "PATCH", url, 200, 1000)] * 4,
        ("NL-CPA", "DE-MSB", "POST", "/ocpi/2.1.1/receiver/cdrs", 201, 1000),
    ]
    put, *progress, stop, post = roaming.since(mark)
    assert body(put)["auth_id"] == "DE-MSB-CRFID0001" and body(put)["location"]["evses"][0]["uid"] == "EVSE1"
    assert [len(body(e)["charging_periods"]) for e in progress] == [1, 2, 3]  # 2.1.1: the whole list each time
    assert body(stop)["status"] == "COMPLETED" and "end_datetime" in body(stop)
    held = net.emsp.emsp_data.sessions.get(CPO, "SES000001")
    assert held is not None and held.charging_periods == session.charging_periods
    assert held.cdr_token == driver(net.owner)  # found through the eMSP's own token with that auth_id
    assert (held.status, held.kwh, held.location_id, held.evse_uid) == (SessionStatus.COMPLETED, Decimal("7"),
                                                                        "LOC1", "EVSE1")  # fmt: skip
    assert held.total_cost == Price(excl_vat=Decimal("3.15"))  # 2.1.1 carries no VAT
    location_header = dict(post.response_headers)["location"]
    assert location_header == "https://de-msb.roamsim.test/ocpi/2.1.1/receiver/cdrs/NL/CPA/CDR000001"
    stored = net.emsp.emsp_data.cdrs.get(CPO, "CDR000001")
    assert stored is not None and stored.cdr_token == cdr.cdr_token and stored.total_cost == cdr.total_cost
    assert cdr.total_cost == Price(excl_vat=Decimal("3.15"))  # no cost given: the session's running cost
    back = send(roaming, net.cpo, net.emsp, "GET", location_header)
    assert back.http_status == 200 and back.data["stop_date_time"] == body(post)["stop_date_time"]
    again = send(roaming, net.cpo, net.emsp, "GET", f"https://de-msb.roamsim.test{url}")
    assert again.data["location"]["id"] == "LOC1" and len(again.data["charging_periods"]) == 3
    assert check(roaming.since(mark)) == []


def test_status_changes_and_cdrs_without_periods(net: Net) -> None:
    roaming = net.roaming
    session = roaming.run(start_session(net.cpo, location_id="LOC1", evse_uid="EVSE2", connector_id="1",
                                        token=driver(net.owner), auth_method=AuthMethod.WHITELIST,
                                        status=SessionStatus.PENDING))  # fmt: skip
    mark = roaming.mark()
    roaming.run(set_session_status(net.cpo, session.id, SessionStatus.ACTIVE))
    assert [body(e) for e in roaming.since(mark)] == [
        {"status": "ACTIVE", "last_updated": format_datetime(net.cpo.cpo_data.sessions.values()[0].last_updated,
                                                             net.version)}
    ]  # fmt: skip
    roaming.settle(1800)
    cdr = roaming.run(stop_session(net.cpo, session.id))
    # No period was ever reported: the CDR still needs one (energy and duration of the whole session).
    assert [(d.type.value, d.volume) for d in cdr.charging_periods[0].dimensions] == [
        ("ENERGY", Decimal(0)), ("TIME", cdr.total_time)]  # fmt: skip
    assert cdr.cdr_location.evse_id == "EVSE2"  # the EVSE has no evse_id: its uid stands in
    assert cdr.total_cost == Price(excl_vat=Decimal(0)) and cdr.total_parking_time is None
    held = net.emsp.emsp_data.cdrs.values()
    assert len(held) == 1 and held[0].id == cdr.id
    assert all(d.ok for d in sessions_state(net.cpo).deliveries)
    assert check(roaming.since(mark)) == []


def test_sessions_and_cdrs_through_a_hub(roaming: Roaming) -> None:
    cpo, emsp = roaming.cpo("NL-CPA"), roaming.emsp("DE-MSA")
    cpo.cpo_data.locations.put(CPO, "LOC1", location())
    join_hub(roaming, roaming.hub("NL-HUB"), cpo, emsp)
    mark = roaming.mark()
    started = start_session(cpo, location_id="LOC1", evse_uid="EVSE1", connector_id="1",
                            token=driver(emsp.emsp_data.party), auth_method=AuthMethod.WHITELIST)  # fmt: skip
    session = roaming.run(started)
    roaming.settle(600)
    cdr = roaming.run(stop_session(cpo, session.id))
    url = "/ocpi/2.2.1/receiver/sessions/NL/CPA/SES000001"
    assert flow(roaming.since(mark)) == [
        ("NL-HUB", "DE-MSA", "PUT", url, 201, 1000),
        ("NL-CPA", "NL-HUB", "PUT", url, 201, 1000),
        ("NL-HUB", "DE-MSA", "PATCH", url, 200, 1000),
        ("NL-CPA", "NL-HUB", "PATCH", url, 200, 1000),
        ("NL-HUB", "DE-MSA", "POST", "/ocpi/2.2.1/receiver/cdrs", 201, 1000),
        ("NL-CPA", "NL-HUB", "POST", "/ocpi/2.2.1/receiver/cdrs", 201, 1000),
    ]
    to_hub = dict(roaming.since(mark)[-1].request_headers)
    assert (to_hub["ocpi-to-country-code"], to_hub["ocpi-to-party-id"]) == ("DE", "MSA")
    assert cdr.currency == "EUR"  # the connector's tariff is not stored at this CPO
    assert emsp.emsp_data.cdrs.get(CPO, cdr.id) == cdr
    assert check(roaming.since(mark)) == []


# --- pulling ----------------------------------------------------------------------------------------


def test_pull_sessions_and_cdrs_page_by_page(net: Net) -> None:
    roaming = net.roaming
    pulling = build_pulling(net)
    mark = roaming.mark()
    for _ in range(3):
        run_session(pulling)
    assert roaming.since(mark) == []  # nothing is pushed to a pulling eMSP
    assert len(net.emsp.emsp_data.sessions) == len(net.emsp.emsp_data.cdrs) == 0
    connection = net.emsp.connections["NL-CPA"]
    base = f"https://nl-cpa.roamsim.test/ocpi/{net.version.value}/sender"
    missing = send(roaming, net.emsp, net.cpo, "GET", f"{base}/sessions")
    assert (missing.http_status, missing.ocpi_status) == (200, 2001) and "date_from" in (missing.message or "")
    mark = roaming.mark()
    sessions = roaming.run(pull_sessions(net.emsp, connection, T0, limit=2))
    assert [(e.method, e.response_status, e.ocpi_status) for e in roaming.since(mark)] == [("GET", 200, 1000)] * 2
    first = urlsplit(roaming.since(mark)[0].url)
    assert first.path == f"/ocpi/{net.version.value}/sender/sessions"
    assert parse_qs(first.query) == {"date_from": [format_datetime(T0, net.version)], "limit": ["2"]}
    assert (sessions.pages, sessions.stored, sessions.rejected, sessions.complete) == (2, 3, [], True)
    assert net.emsp.emsp_data.sessions.values() == pulled_form(net, net.cpo.cpo_data.sessions.values())
    embedded = [key for key, _ in sorted(sessions_state(net.emsp).locations_211.items())]
    assert embedded == ([("NL", "CPA", f"ses00000{n}") for n in (1, 2, 3)] if net.version is V211 else [])
    cdr_mark = roaming.mark()
    cdrs = roaming.run(pull_cdrs(net.emsp, connection, limit=2))
    assert (cdrs.pages, cdrs.stored, cdrs.created, cdrs.complete) == (2, 3, 3, True)
    assert dict(roaming.since(cdr_mark)[0].response_headers)["x-total-count"] == "3"
    assert [c.id for c in net.emsp.emsp_data.cdrs.values()] == ["CDR000001", "CDR000002", "CDR000003"]
    embedded = [key for key, _ in sorted(cdrs_state(net.emsp).locations_211.items())]
    assert embedded == ([("NL", "CPA", f"cdr00000{n}") for n in (1, 2, 3)] if net.version is V211 else [])
    held = net.emsp.emsp_data.cdrs.values()[0]
    again = roaming.run(pull_cdrs(net.emsp, connection))
    assert (again.pages, again.stored, again.created) == (1, 0, 0)  # CDRs already held stay as they are
    assert net.emsp.emsp_data.cdrs.values()[0] is held
    assert check(roaming.since(mark)) == []


def build_pulling(net: Net) -> Net:
    """Switch the connection (both sides) to pull for sessions and CDRs."""
    for side in (net.emsp.connections["NL-CPA"], net.cpo.connections[net.emsp.name]):
        side.sync.update(sessions=SyncMode.PULL, cdrs=SyncMode.PULL)
    return net


def pulled_form(net: Net, sessions: list[Session]) -> list[Session]:
    """What a pull of ``sessions`` gives the eMSP: 2.1.1 loses the reference, the VAT and fractions of seconds."""
    if net.version is V221:
        return sessions

    def whole(moment: datetime | None) -> datetime | None:
        return moment.replace(microsecond=0) if moment else None

    return [s.model_copy(update={
        "authorization_reference": None, "total_cost": Price(excl_vat=s.total_cost.excl_vat) if s.total_cost else None,
        "start_date_time": whole(s.start_date_time), "end_date_time": whole(s.end_date_time),
        "last_updated": whole(s.last_updated),
    }) for s in sessions]  # fmt: skip


def test_a_cpo_only_lists_the_requesters_sessions_and_cdrs(roaming: Roaming) -> None:
    net = build_pulling(build(roaming, V221))
    run_session(net)
    other = roaming.emsp("NL-MSB")
    roaming.connect(other, net.cpo)
    mark = roaming.mark()
    connection = other.connections["NL-CPA"]
    assert roaming.run(pull_sessions(other, connection, T0)).stored == 0
    assert roaming.run(pull_cdrs(other, connection)).stored == 0
    assert [dict(e.response_headers)["x-total-count"] for e in roaming.since(mark)] == ["0", "0"]
    assert roaming.run(pull_cdrs(net.emsp, net.emsp.connections["NL-CPA"])).stored == 1
    assert check(roaming.since(mark)) == []


# --- charging preferences (2.2.1) -------------------------------------------------------------------


def test_charging_preferences_need_a_capable_evse(roaming: Roaming) -> None:
    net = build(roaming, V221)
    capable = roaming.run(start_session(net.cpo, location_id="LOC1", evse_uid="EVSE1", connector_id="1",
                                        token=driver(net.owner), auth_method=AuthMethod.WHITELIST))  # fmt: skip
    plain = roaming.run(start_session(net.cpo, location_id="LOC1", evse_uid="EVSE2", connector_id="1",
                                      token=driver(net.owner), auth_method=AuthMethod.WHITELIST))  # fmt: skip
    base = "https://nl-cpa.roamsim.test/ocpi/2.2.1/sender/sessions"
    wish = {"profile_type": "CHEAP", "departure_time": "2026-03-02T09:00:00Z", "energy_need": 20}
    mark = roaming.mark()
    accepted = send(roaming, net.emsp, net.cpo, "PUT", f"{base}/{capable.id}/charging_preferences", body=wish)
    assert (accepted.http_status, accepted.ocpi_status, accepted.data) == (200, 1000, "ACCEPTED")
    refused = send(roaming, net.emsp, net.cpo, "PUT", f"{base}/{plain.id}/charging_preferences", body=wish)
    assert (refused.http_status, refused.ocpi_status) == (404, 2001)
    unknown = send(roaming, net.emsp, net.cpo, "PUT", f"{base}/SES999999/charging_preferences", body=wish)
    assert (unknown.http_status, unknown.ocpi_status) == (404, 2000)
    invalid = send(roaming, net.emsp, net.cpo, "PUT", f"{base}/{capable.id}/charging_preferences",
                   body={"profile_type": "SLOW"})  # fmt: skip
    assert (invalid.http_status, invalid.ocpi_status) == (200, 2001)
    kept = list(sessions_state(net.cpo).preferences.values())
    assert [p.profile_type.value for p in kept] == ["CHEAP"]
    assert [(v.where, v.message[:27]) for v in check(roaming.since(mark))] == [
        ("request body", "invalid ChargingPreferences")]  # fmt: skip


# --- the eMSP's Receivers: bad input never changes a store -------------------------------------------


def test_receivers_221_reject_bad_input_and_keep_their_stores(roaming: Roaming) -> None:
    net = build(roaming, V221)
    session, cdr = run_session(net)
    sessions, cdrs = net.emsp.emsp_data.sessions.values(), net.emsp.emsp_data.cdrs.values()
    base = "https://de-msa.roamsim.test/ocpi/2.2.1/receiver"
    wire = session.to_wire()
    no_kwh = {k: v for k, v in wire.items() if k != "kwh"}
    stamp = "2026-03-02T08:00:00Z"
    cases = [
        ("PUT", f"{base}/sessions/NL/CPA/SES000002", {**no_kwh, "id": "SES000002"}, (200, 2001)),
        ("PUT", f"{base}/sessions/NL/CPA/SES000002", wire, (200, 2001)),  # id in URL ≠ id in body
        ("PUT", f"{base}/sessions/BE/CPB/SES000001", wire, (404, 2000)),  # not one of the peer's parties
        ("PATCH", f"{base}/sessions/NL/CPA/SES000001", {"kwh": 9}, (200, 2001)),  # no last_updated
        ("PATCH", f"{base}/sessions/NL/CPA/SES000001", {"kwh": "9", "last_updated": stamp}, (200, 2001)),
        ("PATCH", f"{base}/sessions/NL/CPA/SES000001", {"id": "X", "last_updated": stamp}, (200, 2001)),
        ("PATCH", f"{base}/sessions/NL/CPA/SES000009", {"kwh": 9, "last_updated": stamp}, (404, 2000)),
        ("GET", f"{base}/sessions/NL/CPA/SES000009", None, (404, 2000)),
        ("POST", f"{base}/cdrs", cdr.to_wire(), (200, 2001)),  # the same CDR again: immutable
        ("POST", f"{base}/cdrs", {**cdr.to_wire(), "id": "CDR000002", "charging_periods": []}, (200, 2001)),
        ("POST", f"{base}/cdrs", {**cdr.to_wire(), "id": "CDR000002", "country_code": "BE", "party_id": "CPB"},
         (200, 2001)),
        ("GET", f"{base}/cdrs/NL/CPA/CDR000009", None, (404, 2000)),
        ("GET", f"{base}/cdrs/BE/CPB/CDR000001", None, (404, 2000)),
    ]  # fmt: skip
    mark = roaming.mark()
    for method, url, payload, expected in cases:
        answer = send(roaming, net.cpo, net.emsp, method, url, body=payload)
        assert (answer.http_status, answer.ocpi_status) == expected, (method, url, answer.message)
        assert answer.data is None and "location" not in answer.headers
    assert net.emsp.emsp_data.sessions.values() == sessions and net.emsp.emsp_data.cdrs.values() == cdrs
    assert [v.message.split(":")[0] for v in check(roaming.since(mark))] == [
        "invalid Session", "invalid SessionPatch", "invalid SessionPatch", "invalid CDR"]  # fmt: skip
    # A PUT replaces everything, periods included (a PATCH could only append).
    replaced = send(roaming, net.cpo, net.emsp, "PUT", f"{base}/sessions/NL/CPA/SES000001",
                    body={k: v for k, v in wire.items() if k != "charging_periods"})  # fmt: skip
    assert (replaced.http_status, replaced.ocpi_status) == (200, 1000)
    held = net.emsp.emsp_data.sessions.get(CPO, "SES000001")
    assert held is not None and held.charging_periods is None


def test_receivers_211_reject_bad_input(roaming: Roaming) -> None:
    net = build(roaming, V211)
    run_session(net)
    base = "https://de-msb.roamsim.test/ocpi/2.1.1/receiver"
    mark = roaming.mark()
    wire = loads(roaming.exchanges[-1].request_body or "{}")  # the 2.1.1 CDR as it was posted
    duplicate = send(roaming, net.cpo, net.emsp, "POST", f"{base}/cdrs", body=wire)
    assert (duplicate.http_status, duplicate.ocpi_status) == (200, 2001)
    no_location = send(roaming, net.cpo, net.emsp, "POST", f"{base}/cdrs",
                       body={**wire, "id": "CDR000002", "location": {**wire["location"], "evses": []}})  # fmt: skip
    assert (no_location.http_status, no_location.ocpi_status) == (200, 2001)  # no EVSE: no CdrLocation
    bad_session = send(roaming, net.cpo, net.emsp, "PUT", f"{base}/sessions/NL/CPA/SES000002",
                       body={"id": "SES000002", "kwh": 1})  # fmt: skip
    assert (bad_session.http_status, bad_session.ocpi_status) == (200, 2001)
    assert len(net.emsp.emsp_data.cdrs) == len(net.emsp.emsp_data.sessions) == 1
    assert [v.message.split(":")[0] for v in check(roaming.since(mark))] == ["invalid Session"]


def test_issue_cdr_without_a_push_connection_only_stores_it(roaming: Roaming) -> None:
    net = build_pulling(build(roaming, V221))
    session = roaming.run(start_session(net.cpo, location_id="LOC1", evse_uid="EVSE1", connector_id="1",
                                        token=driver(net.owner), auth_method=AuthMethod.WHITELIST))  # fmt: skip
    mark = roaming.mark()
    cdr = roaming.run(issue_cdr(net.cpo, session, cost=Price(excl_vat=Decimal("1"))))
    assert roaming.since(mark) == [] and net.cpo.cpo_data.cdrs.values() == [cdr]
    assert cdr.total_cost == Price(excl_vat=Decimal("1")) and cdr.session_id == session.id
