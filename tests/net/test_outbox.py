"""Resilience: the outbox retries failed data pushes with back-off and keeps their order; pulls catch up.

Network: CPO ``NL-CPA`` with Location LOC1 (EVSE1, EVSE2) and eMSP ``DE-MSA`` owning token RFID0001,
on OCPI 2.2.1, everything pushed unless a test pulls.  Faults come from a ``FaultSchedule`` with
instants in seconds after the network's start; the CPO's backend is a process started at given times.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import simpy

from sim.conformance import check
from sim.events import MessageExchanged
from sim.net.faults import FaultSchedule
from sim.netbuilder import Roaming
from sim.ocpi.common import OCPIVersion, format_datetime
from sim.ocpi.v221.cdrs import AuthMethod, ChargingPeriod
from sim.ocpi.v221.locations_enums import Status
from sim.ocpi.v221.sessions import SessionStatus
from sim.ocpi.v221.tokens import TokenType
from sim.parties.connection import SyncMode
from sim.parties.modules import locations_client, sessions_client
from sim.parties.modules.sessions import cdr_token, sessions_state
from sim.parties.modules.tokens_client import add_token, authorize
from sim.parties.outbox import PeerMessage, retryable
from sim.parties.party import Exchange
from sim.parties.platform import Platform
from sim.scenario.schema import Fault
from tests.parties.builders import CPA, body, connector_json, evse_json, headers, join_hub, site, token

SESSION = "/ocpi/2.2.1/receiver/sessions/NL/CPA/SES000001"
CDRS = "/ocpi/2.2.1/receiver/cdrs"


@dataclass
class Net:
    roaming: Roaming
    cpo: Platform
    emsp: Platform

    def faults(self, *faults: dict[str, Any]) -> FaultSchedule:
        roaming = self.roaming
        made = [Fault.model_validate(f) for f in faults]
        return FaultSchedule(roaming.env, roaming.clock, roaming.bus, roaming.network.links, made, seed=roaming.seed)

    def at(self, seconds: float, action: Callable[[], Generator[simpy.Event, Any, Any]]) -> None:
        """Run the CPO backend's ``action`` at ``seconds`` after the start."""

        def later() -> Generator[simpy.Event, Any, None]:
            yield self.roaming.env.timeout(seconds - self.roaming.env.now)
            yield from action()

        self.roaming.env.process(later())

    def cpo_sent(self, exchanges: list[MessageExchanged]) -> list[tuple[float, str, str, int]]:
        """(seconds after start, method, path, HTTP status) of what the CPO sent."""
        start = self.roaming.clock.at(0)
        return [
            (round((e.time - start).total_seconds(), 2), e.method, urlsplit(e.url).path, e.response_status)
            for e in exchanges
            if e.from_party == self.cpo.name
        ]


def priced_site() -> Any:
    return site("LOC1", evse_json("EVSE1", connector_json()), evse_json("EVSE2", connector_json()))


def bilateral(sync: dict[str, SyncMode] | None = None, *, version: OCPIVersion = OCPIVersion.V2_2_1) -> Net:
    roaming = Roaming()
    cpo = roaming.cpo("NL-CPA")
    emsp = roaming.emsp("DE-MSA", versions=[version])
    roaming.connect(emsp, cpo, sync=sync)
    locations_client.add_location(cpo, priced_site())
    add_token(emsp, token(emsp.emsp_data.party, whitelist="ALLOWED_OFFLINE"))
    return Net(roaming, cpo, emsp)


@pytest.fixture
def net() -> Net:
    return bilateral()


def charging(net: Net, *, start: float, updates: list[float], stop: float) -> None:
    """A session at EVSE1 started at ``start``, one 5-minute period reported at each of ``updates``, stopped."""
    owner = net.emsp.emsp_data.party

    def begin() -> Generator[simpy.Event, Any, Any]:
        return sessions_client.start_session(
            net.cpo, location_id="LOC1", evse_uid="EVSE1", connector_id="1",
            token=cdr_token(token(owner)), auth_method=AuthMethod.WHITELIST,
        )  # fmt: skip

    net.at(start, begin)
    for number, moment in enumerate(updates, start=1):

        def update(number: int = number, moment: float = moment) -> Generator[simpy.Event, Any, Any]:
            began = net.roaming.clock.at(moment - 300)
            period = ChargingPeriod.model_validate(
                {"start_date_time": began, "dimensions": [{"type": "ENERGY", "volume": Decimal(2)}]}
            )
            return sessions_client.update_session(net.cpo, "SES000001", kwh=2 * number, period=period)

        net.at(moment, update)
    net.at(stop, lambda: sessions_client.stop_session(net.cpo, "SES000001"))


# --- a partner outage during a session --------------------------------------------------------------


def test_outage_during_a_session_delays_but_loses_nothing(net: Net) -> None:
    net.faults({"kind": "outage", "party": "DE-MSA", "at": 900, "for": 600})  # 06:15 to 06:25
    mark = net.roaming.mark()
    charging(net, start=60, updates=[360, 660, 960, 1260], stop=1380)
    net.roaming.settle(3600)
    exchanges = net.roaming.since(mark)
    assert net.cpo_sent(exchanges) == [
        (60.05, "PUT", SESSION, 201),
        (360.05, "PATCH", SESSION, 200),
        (660.05, "PATCH", SESSION, 200),
        (960.05, "PATCH", SESSION, 0),  # the outage: queued, retried after 5, 10, 20 … seconds
        (965.15, "PATCH", SESSION, 0),
        (975.25, "PATCH", SESSION, 0),
        (995.35, "PATCH", SESSION, 0),
        (1035.45, "PATCH", SESSION, 0),
        (1115.55, "PATCH", SESSION, 0),
        (1275.65, "PATCH", SESSION, 0),  # the 1260 PATCH waits behind it: nothing sent for it yet
        (1380.05, "POST", CDRS, 0),  # the stop PATCH waits too; the CDR has a queue of its own
        (1385.15, "POST", CDRS, 0),
        (1395.25, "POST", CDRS, 0),
        (1415.35, "POST", CDRS, 0),
        (1455.45, "POST", CDRS, 0),
        (1535.55, "POST", CDRS, 201),  # the outage ended at 1500
        (1595.75, "PATCH", SESSION, 200),  # 960's PATCH, then the ones behind it at once, in order
        (1595.85, "PATCH", SESSION, 200),
        (1595.95, "PATCH", SESSION, 200),
    ]
    sent = [e for e in exchanges if e.from_party == "NL-CPA" and e.method == "PATCH"]
    assert [body(e).get("kwh") for e in sent[2:]] == [6] * 8 + [8, None]
    assert body(sent[-1])["status"] == "COMPLETED"
    # Every try is a new request of the same conversation.
    tries = sent[2:10]
    assert len({headers(e.request_headers)["x-request-id"] for e in tries}) == 8
    assert len({headers(e.request_headers)["x-correlation-id"] for e in tries}) == 1
    # The eMSP ends up with exactly what the CPO has: every period once, COMPLETED, and the CDR.
    cpo_session = net.cpo.cpo_data.sessions.get(CPA, "SES000001")
    assert cpo_session is not None and cpo_session.status is SessionStatus.COMPLETED
    assert net.emsp.emsp_data.sessions.get(CPA, "SES000001") == cpo_session
    assert len(cpo_session.charging_periods or []) == 4
    assert net.emsp.emsp_data.cdrs.get(CPA, "CDR000001") == net.cpo.cpo_data.cdrs.get(CPA, "CDR000001")
    # What the CPO's session code was told: the failure, then "queued" for the pushes behind it.
    told = [(d.method, d.exchange.http_status if d.exchange else None, d.exchange and d.exchange.error)
            for d in sessions_state(net.cpo).deliveries]  # fmt: skip
    assert told[3:] == [
        ("PATCH", 0, "DE-MSA unreachable from NL-CPA (link down)"),
        ("PATCH", 0, "queued behind 1 push"),
        ("PATCH", 0, "queued behind 2 pushes"),
    ]
    assert net.cpo.outbox.queues == {} and net.cpo.outbox.pending() == []
    stats = net.cpo.outbox.stats
    assert (stats.queued, stats.retries, stats.delivered, stats.rejected) == (4, 14, 4, 0)
    assert check(exchanges) == []


def test_on_211_too_the_emsp_ends_up_with_the_whole_session_and_its_cdr() -> None:
    net = bilateral(version=OCPIVersion.V2_1_1)
    net.faults({"kind": "outage", "party": "DE-MSA", "at": 900, "for": 600})
    charging(net, start=60, updates=[360, 660, 960, 1260], stop=1380)
    net.roaming.settle(3600)
    held, cpo_session = (data.sessions.get(CPA, "SES000001") for data in (net.emsp.emsp_data, net.cpo.cpo_data))
    assert held is not None and cpo_session is not None and held.status is SessionStatus.COMPLETED
    assert held.charging_periods == cpo_session.charging_periods and len(held.charging_periods or []) == 4
    assert net.emsp.emsp_data.cdrs.get(CPA, "CDR000001") is not None
    assert net.cpo.outbox.stats.retries > 0 and net.cpo.outbox.queues == {}


def test_without_the_outbox_the_pushes_made_during_the_outage_are_lost(net: Net) -> None:
    net.cpo.resilient = False
    net.faults({"kind": "outage", "party": "DE-MSA", "at": 900, "for": 600})
    charging(net, start=60, updates=[360, 660, 960, 1260], stop=1380)
    net.roaming.settle(3600)
    held = net.emsp.emsp_data.sessions.get(CPA, "SES000001")
    assert held is not None and held.status is SessionStatus.ACTIVE and len(held.charging_periods or []) == 2
    assert net.emsp.emsp_data.cdrs.get(CPA, "CDR000001") is None


# --- what is retried and what is final --------------------------------------------------------------


def test_a_final_answer_to_a_retry_drops_that_push_and_the_next_goes_at_once(net: Net) -> None:
    """A PATCH of a session the eMSP never had is refused (404): retried pushes are not retried for ever."""
    connection = net.cpo.connections["DE-MSA"]
    net.faults({"kind": "outage", "party": "DE-MSA", "at": 100, "for": 10})
    settled: list[tuple[str, int]] = []
    net.cpo.outbox.listeners.append(lambda message, exchange: settled.append((message.method, exchange.http_status)))
    url = f"https://{net.emsp.host}{SESSION.replace('SES000001', 'UNKNOWN')}"
    patch = {"kwh": 1, "last_updated": format_datetime(net.roaming.clock.at(100))}

    def unknown() -> Generator[simpy.Event, Any, Exchange]:
        return net.cpo.call_peer(connection, "PATCH", url, module="sessions", body=patch, sender=CPA,
                                 to=connection.parties()[0])  # fmt: skip

    mark = net.roaming.mark()
    net.at(105, unknown)
    net.at(106, lambda: locations_client.push_location(net.cpo, "LOC1"))  # another queue: not held up
    net.at(107, lambda: sessions_client.start_session(
        net.cpo, location_id="LOC1", evse_uid="EVSE2", connector_id="1",
        token=cdr_token(token(net.emsp.emsp_data.party)), auth_method=AuthMethod.WHITELIST))  # fmt: skip
    net.roaming.settle(600)
    unknown_path = SESSION.replace("SES000001", "UNKNOWN")
    locations = "/ocpi/2.2.1/receiver/locations/NL/CPA/LOC1"
    assert net.cpo_sent(net.roaming.since(mark)) == [
        (105.05, "PATCH", unknown_path, 0),
        (106.05, "PUT", locations, 0),
        (110.15, "PATCH", unknown_path, 404),  # final: dropped; the PUT behind it goes at once
        (110.25, "PUT", SESSION, 201),
        (111.15, "PUT", locations, 201),
    ]
    assert settled == [("PATCH", 404), ("PUT", 201), ("PUT", 201)]
    stats = net.cpo.outbox.stats
    assert (stats.queued, stats.delivered, stats.rejected) == (3, 2, 1)


def test_a_bad_request_is_never_retried(net: Net) -> None:
    connection = net.cpo.connections["DE-MSA"]
    mark = net.roaming.mark()
    url, to = f"https://{net.emsp.host}{SESSION}", connection.parties()[0]
    invalid = {"id": "SES000001"}  # a Session without most of its fields
    refused = net.roaming.run(
        net.cpo.call_peer(connection, "PUT", url, module="sessions", body=invalid, sender=CPA, to=to)
    )
    net.roaming.settle(3600)
    assert (refused.http_status, refused.ocpi_status) == (200, 2001)
    assert len(net.roaming.since(mark)) == 1 and net.cpo.outbox.queues == {}


def test_server_errors_and_rate_limits_are_retried(net: Net) -> None:
    net.faults(
        {"kind": "errors", "party": "DE-MSA", "at": 100, "for": 12, "http_status": 429},
        {"kind": "errors", "party": "DE-MSA", "at": 112, "for": 20, "ocpi_status": 3000},
        {"kind": "errors", "party": "DE-MSA", "at": 132, "for": 40, "http_status": 502},
    )
    mark = net.roaming.mark()
    net.at(101, lambda: locations_client.push_location(net.cpo, "LOC1"))
    net.roaming.settle(600)
    exchanges = net.roaming.since(mark)
    assert [(t, status) for t, _, _, status in net.cpo_sent(exchanges)] == [
        (101.05, 429), (106.15, 429), (116.25, 200), (136.35, 502), (176.45, 201),
    ]  # fmt: skip
    assert [e.ocpi_status for e in exchanges] == [3000, 3000, 3000, 3000, 1000]
    assert check(exchanges) == []


@pytest.mark.parametrize(
    ("http_status", "ocpi_status", "again"),
    [
        (0, None, True), (500, 3000, True), (503, None, True), (429, None, True), (200, 3001, True),
        (200, 4003, True), (200, 4002, True), (200, 4001, False), (404, 3000, False), (400, 2000, False),
        (200, 2001, False), (200, 1000, False), (201, None, False),
    ],
)  # fmt: skip
def test_what_counts_as_retryable(http_status: int, ocpi_status: int | None, again: bool) -> None:
    assert retryable(Exchange(http_status, ocpi_status, None, None, {})) is again


def test_only_data_pushes_to_a_receiver_go_through_the_outbox(net: Net) -> None:
    connection = net.cpo.connections["DE-MSA"]
    receiver = connection.endpoint("sessions", "RECEIVER")
    tokens = connection.endpoint("tokens", "SENDER")
    assert receiver is not None and tokens is not None

    def message(method: str, url: str, module: str) -> bool:
        return PeerMessage(connection, method, url, module).is_data_push()

    assert message("PUT", f"{receiver}/NL/CPA/S1", "sessions")
    assert message("PATCH", f"{receiver}/NL/CPA/S1", "sessions")
    assert not message("GET", f"{receiver}/NL/CPA/S1", "sessions")
    assert not message("POST", f"{tokens}/RFID0001/authorize", "tokens")
    assert not message("POST", f"https://{net.emsp.host}/ocpi/2.2.1/sender/commands/START_SESSION/1", "commands")
    emsp_side = net.emsp.connections["NL-CPA"]
    preferences = f"{emsp_side.endpoint('sessions', 'SENDER')}/S1/charging_preferences"
    assert not PeerMessage(emsp_side, "PUT", preferences, "sessions").is_data_push()


def test_real_time_authorization_is_not_queued(net: Net) -> None:
    net.roaming.network.links.set_party_offline("DE-MSA")
    mark = net.roaming.mark()
    verdict = net.roaming.run(
        authorize(net.cpo, uid="RFID0001", token_type=TokenType.RFID, location_id="LOC1", evse_uids=[])
    )
    net.roaming.settle(3600)
    assert verdict.allowed is None and len(net.roaming.since(mark)) == 1  # asked once, not retried
    assert net.cpo.outbox.queues == {}


# --- via a hub: the receiver behind it unreachable --------------------------------------------------


def test_a_hubs_4003_is_retried_until_the_emsp_is_back() -> None:
    roaming = Roaming()
    cpo, emsp, hub = roaming.cpo("NL-CPA"), roaming.emsp("DE-MSA"), roaming.hub("NL-HUB")
    join_hub(roaming, hub, cpo, emsp)
    locations_client.add_location(cpo, priced_site())
    net = Net(roaming, cpo, emsp)
    now = roaming.env.now  # joining the hub took a while
    net.faults({"kind": "outage", "party": "DE-MSA", "at": now + 600, "for": 60})
    mark = roaming.mark()
    charging(net, start=now + 610, updates=[], stop=now + 3600)
    roaming.settle(1200)
    sent = [e for e in roaming.since(mark) if e.from_party == "NL-CPA"]
    assert [(e.method, urlsplit(e.url).path, e.ocpi_status) for e in sent] == [("PUT", SESSION, 4003)] * 4 + [
        ("PUT", SESSION, 1000)
    ]
    tries = [round(b.time.timestamp() - a.time.timestamp(), 2) for a, b in pairwise(sent)]
    assert tries == [5.1, 10.1, 20.1, 40.1]  # the outage ended 50 s after the first try
    assert emsp.emsp_data.sessions.get(CPA, "SES000001") is not None
    assert check(roaming.since(mark)) == []


# --- pull catch-up ----------------------------------------------------------------------------------


def test_after_an_outage_the_next_poll_fetches_everything_changed_meanwhile() -> None:
    net = bilateral(sync={"locations": SyncMode.PULL})
    connection = net.emsp.connections["NL-CPA"]
    net.faults({"kind": "outage", "party": "NL-CPA", "at": 1000, "for": 1200})
    locations_client.poll_locations(net.emsp, connection, 900)
    net.at(1500, lambda: locations_client.set_evse_status(net.cpo, "LOC1", "EVSE2", Status.CHARGING))
    mark = net.roaming.mark()
    net.roaming.settle(3000)
    polls = [e for e in net.roaming.since(mark) if e.from_party == "DE-MSA"]
    start = net.roaming.clock.at(0)
    assert [(round((e.time - start).total_seconds(), 2), e.response_status) for e in polls] == [
        (0.35, 200), (900.45, 200), (1800.55, 0), (2700.65, 200),
    ]  # fmt: skip
    since = [parse_qs(urlsplit(e.url).query).get("date_from") for e in polls]
    first_pull, second_pull = (e.time - timedelta(seconds=0.05) for e in polls[:2])
    assert since == [
        None,
        [format_datetime(first_pull)],
        [format_datetime(second_pull)],
        [format_datetime(second_pull)],  # the failed poll did not move the window
    ]
    evses = [body(polls[3], "response")["data"][0]["evses"][i]["status"] for i in (0, 1)]
    assert evses == ["AVAILABLE", "CHARGING"]
    held = net.emsp.emsp_data.locations.get(CPA, "LOC1")
    assert held is not None and [e.status for e in held.evses or []] == [Status.AVAILABLE, Status.CHARGING]
    assert check(net.roaming.since(mark)) == []


def test_a_session_that_ends_while_the_emsp_is_offline_behind_the_hub_still_delivers_its_cdr() -> None:
    # The hub announces the eMSP OFFLINE after its first 4003; the CPO must keep addressing it (and
    # queue) rather than drop the final PATCH and the CDR unsent.
    roaming = Roaming()
    cpo, emsp, hub = roaming.cpo("NL-CPA"), roaming.emsp("DE-MSA"), roaming.hub("NL-HUB")
    join_hub(roaming, hub, cpo, emsp)
    locations_client.add_location(cpo, priced_site())
    net = Net(roaming, cpo, emsp)
    now = roaming.env.now
    net.faults({"kind": "outage", "party": "DE-MSA", "at": now + 600, "for": 1800})
    mark = roaming.mark()
    charging(net, start=now + 10, updates=[], stop=now + 900)  # stops in the middle of the outage
    roaming.settle(4000)
    announced = [e.request_body for e in roaming.since(mark) if e.to_party == "NL-CPA" and e.module == "hubclientinfo"]
    assert any('"status":"OFFLINE"' in (body or "") for body in announced)  # the hub did report it offline
    delivered = [e for e in roaming.since(mark) if e.from_party == "NL-HUB" and e.to_party == "DE-MSA"]
    assert [urlsplit(e.url).path for e in delivered if e.ocpi_status == 1000][-1].endswith("/cdrs")
    assert len(emsp.emsp_data.cdrs) == 1
    assert cpo.outbox.pending() == []
