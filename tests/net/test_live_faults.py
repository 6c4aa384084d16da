"""Faults switched on and off by hand while a network runs (``sim.net.live_faults``).

Network: CPO ``NL-CPA`` with one Location, eMSP ``DE-MSA`` connected over 2.2.1 (base latency 50 ms),
the CPO's outbox off so one push is one exchange.  Each test switches something by hand, pushes the
Location, and reads the exchange and the ``FaultChanged`` events as a trace would.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from sim.events import FaultChanged, MessageExchanged
from sim.net.faults import FaultSchedule
from sim.net.links import Links
from sim.net.live_faults import ErrorKind, LiveFaults, error_fault
from sim.netbuilder import Roaming
from sim.parties.modules.locations_client import add_location, push_location
from sim.parties.platform import Platform
from sim.scenario.schema import Fault
from tests.parties.builders import connector_json, evse_json, site

LINK = "on link DE-MSA<->NL-CPA"
OK = (200, 201)  # the first PUT of the Location creates it


@dataclass
class Net:
    roaming: Roaming
    cpo: Platform
    live: LiveFaults
    switches: list[tuple[float, str, bool]]

    @property
    def links(self) -> Links:
        return self.roaming.network.links

    def push(self) -> MessageExchanged:
        mark = self.roaming.mark()
        self.roaming.run(push_location(self.cpo, "LOC1"))
        (recorded,) = self.roaming.since(mark)
        return recorded

    def seconds(self) -> float:
        return self.roaming.env.now


def build(*scheduled: Fault) -> Net:
    roaming = Roaming(seed=7)
    cpo = roaming.cpo("NL-CPA")
    emsp = roaming.emsp("DE-MSA")
    roaming.connect(emsp, cpo)
    add_location(cpo, site("LOC1", evse_json("E1", connector_json())))
    cpo.resilient = False
    schedule = FaultSchedule(roaming.env, roaming.clock, roaming.bus, roaming.network.links, list(scheduled))
    switches: list[tuple[float, str, bool]] = []
    start = roaming.clock.at(0)
    roaming.bus.subscribe(
        lambda e: switches.append(((e.time - start).total_seconds(), e.description, e.active)), FaultChanged
    )
    live = LiveFaults(roaming.network.links, roaming.bus, roaming.clock.now, schedule)
    return Net(roaming, cpo, live, switches)


@pytest.fixture
def net() -> Net:
    return build()


def test_a_party_taken_offline_is_unreachable_until_brought_back(net: Net) -> None:
    net.roaming.settle(100)
    at = net.seconds()
    fault = net.live.take_offline("DE-MSA")
    assert fault.description == "DE-MSA taken offline, by hand"
    assert net.links.condition("NL-CPA", "DE-MSA").offline and net.live.is_offline("DE-MSA")
    assert net.live.offline_by_hand("DE-MSA") and not net.live.offline_by_hand("NL-CPA")
    failed = net.push()
    assert (failed.response_status, failed.error) == (0, "DE-MSA unreachable from NL-CPA (link down)")

    net.roaming.settle(60)
    assert net.live.bring_back("DE-MSA") is True
    assert net.live.bring_back("DE-MSA") is False  # only once
    assert not net.links.condition("NL-CPA", "DE-MSA").offline
    delivered = net.push()
    assert (delivered.response_status in OK, delivered.ocpi_status, delivered.error) == (True, 1000, None)
    assert net.switches == [
        (at, "DE-MSA taken offline, by hand", True),
        (at + 60.1, "DE-MSA taken offline, by hand", False),  # the failed push took its 2 × 50 ms
    ]


def test_taking_a_party_offline_twice_is_one_fault(net: Net) -> None:
    first = net.live.take_offline("NL-CPA")
    assert net.live.take_offline("NL-CPA") == first
    assert [f.key for f in net.live.active()] == [first.key]
    assert len(net.switches) == 1


def test_latency_on_a_link_sets_the_one_way_latency_and_a_new_value_replaces_the_old(net: Net) -> None:
    assert net.push().latency_s == pytest.approx(0.1)  # base: 50 ms each way
    net.live.set_latency("DE-MSA", "NL-CPA", 800)
    assert net.push().latency_s == pytest.approx(1.6)
    net.live.set_latency("NL-CPA", "DE-MSA", 300)  # same link, either order
    assert net.push().latency_s == pytest.approx(0.6)
    assert [f.description for f in net.live.active()] == [f"latency 300 ms {LINK}, by hand"]
    assert [(text, on) for _, text, on in net.switches] == [
        (f"latency 800 ms {LINK}, by hand", True),
        (f"latency 800 ms {LINK}, by hand", False),
        (f"latency 300 ms {LINK}, by hand", True),
    ]


@pytest.mark.parametrize(
    ("kind", "http_status", "ocpi_status", "error"),
    [
        (ErrorKind.HTTP_500, 500, 3000, None),
        (ErrorKind.HTTP_503, 503, 3000, None),
        (ErrorKind.OCPI_3000, 200, 3000, None),
        (ErrorKind.NO_ANSWER, 0, None, "DE-MSA unreachable from NL-CPA (link down)"),
        (ErrorKind.MALFORMED, OK, None, None),
        (ErrorKind.LOST_CALLBACKS, OK, 1000, None),  # a push is no result callback: untouched
    ],
)
def test_error_injection_at_100_percent_answers_every_request_with_the_chosen_error(
    net: Net, kind: ErrorKind, http_status: int | tuple[int, ...], ocpi_status: int | None, error: str | None
) -> None:
    net.live.inject_errors("NL-CPA", "DE-MSA", kind, 1.0)
    expected = http_status if isinstance(http_status, tuple) else (http_status,)
    for _ in range(3):
        exchange = net.push()
        assert exchange.response_status in expected
        assert (exchange.ocpi_status, exchange.error) == (ocpi_status, error)
    if kind is ErrorKind.MALFORMED:
        assert "fault: response body cut short (malformed)" in exchange.notes[-1]


def test_error_injection_hits_about_the_chosen_share(net: Net) -> None:
    fault = net.live.inject_errors("NL-CPA", "DE-MSA", ErrorKind.HTTP_503, 0.3)
    assert fault.description == f"HTTP 503 answers {LINK} (30 % of requests), by hand"
    statuses = [net.push().response_status for _ in range(200)]
    assert 40 <= statuses.count(503) <= 80
    assert set(statuses) <= {*OK, 503}


def test_other_errors_on_a_link_replace_the_previous_ones(net: Net) -> None:
    net.live.inject_errors("NL-CPA", "DE-MSA", ErrorKind.HTTP_500, 1.0)
    net.live.inject_errors("NL-CPA", "DE-MSA", ErrorKind.OCPI_3000, 1.0)
    assert net.push().response_status == 200
    assert [f.description for f in net.live.active()] == [f"OCPI 3000 answers {LINK}, by hand"]


def test_a_link_taken_down_gives_no_connection_either_way(net: Net) -> None:
    net.live.take_link_down("DE-MSA", "NL-CPA")
    assert net.push().response_status == 0
    assert net.live.active()[0].description == f"outage {LINK}, by hand"


def test_the_list_shows_scheduled_faults_with_their_span_and_they_can_be_removed_early() -> None:
    net = build(Fault.model_validate({"kind": "errors", "party": "DE-MSA", "at": 10, "for": 600, "http_status": 500}))
    net.roaming.settle(20)
    net.live.set_latency("NL-CPA", "DE-MSA", 200)
    manual, scheduled = net.live.active()
    assert (manual.manual, scheduled.manual) == (True, False)
    assert scheduled.description == "HTTP 500 answers for requests to DE-MSA, for 10m"
    start = net.roaming.clock.at(0)
    assert scheduled.until is not None
    assert (scheduled.since - start, scheduled.until - start) == (timedelta(seconds=10), timedelta(seconds=610))
    assert net.push().response_status == 500

    removed_at = net.seconds()
    assert net.live.remove(scheduled.key) is True
    assert net.live.remove(scheduled.key) is False
    assert net.push().response_status in OK
    assert [f.key for f in net.live.active()] == [manual.key]
    net.roaming.settle(1200)  # the schedule's own end comes and goes without harm
    assert net.push().response_status in OK
    assert [(at, on) for at, text, on in net.switches if text.startswith("HTTP 500")] == [
        (10.0, True),
        (removed_at, False),  # removed by hand
        (610.0, False),  # the schedule does not know; the metrics ignore a second off
    ]


def test_restore_all_switches_off_every_fault_manual_and_scheduled() -> None:
    net = build(Fault.model_validate({"kind": "outage", "party": "NL-CPA", "at": 0}))
    net.roaming.settle(1)
    net.live.take_offline("DE-MSA")
    net.live.set_latency("NL-CPA", "DE-MSA", 900)
    net.live.inject_errors("NL-CPA", "DE-MSA", ErrorKind.HTTP_503, 0.5)
    assert len(net.live.active()) == 4
    assert net.live.restore_all() == 4
    assert net.live.active() == [] and net.links.active_faults() == []
    assert not net.live.is_offline("DE-MSA")
    exchange = net.push()
    assert (exchange.response_status in OK, exchange.latency_s) == (True, pytest.approx(0.1))
    assert sum(on for _, _, on in net.switches) == sum(not on for _, _, on in net.switches) == 4


def test_a_rate_outside_0_to_1_is_refused() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        error_fault(ErrorKind.HTTP_500, ("A", "B"), 1.5)
