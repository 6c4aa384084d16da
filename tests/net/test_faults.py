"""Link faults: what each kind does to a message and how the trace records it; the fault schedule.

Network: CPO ``NL-CPA`` with one Location and eMSP ``DE-MSA`` (2.2.1; ``DE-MSB`` speaks only 2.1.1),
the eMSP receiving pushes.  The CPO's outbox is switched off here (``resilient = False``) so each
test sees exactly one message per push; the outbox has its own tests.
"""

from __future__ import annotations

import random
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import simpy

from sim.conformance import check
from sim.events import FaultChanged, MessageExchanged
from sim.net.faults import FaultSchedule, describe, to_link_fault
from sim.net.links import Disturbance, DisturbanceKind, LinkCondition, LinkFault, LinkFaultKind, Links
from sim.netbuilder import Roaming
from sim.ocpi.common import OCPIVersion, format_datetime
from sim.parties.modules.locations_client import add_location, push_location
from sim.parties.platform import Platform
from sim.scenario.schema import Fault
from tests.parties.builders import CPA, body, chargers, connector_json, evse_json, headers, path, site, start

V211, V221 = OCPIVersion.V2_1_1, OCPIVersion.V2_2_1
LOCATION_URL = "/ocpi/{v}/receiver/locations/NL/CPA/LOC1"


@dataclass
class Net:
    roaming: Roaming
    cpo: Platform
    emsp: Platform

    @property
    def links(self) -> Links:
        return self.roaming.network.links

    def schedule(self, *faults: Fault, **kwargs: Any) -> FaultSchedule:
        """Schedule ``faults`` seeded like the network."""
        roaming = self.roaming
        return FaultSchedule(
            roaming.env, roaming.clock, roaming.bus, self.links, list(faults), seed=roaming.seed, **kwargs
        )

    def push(self) -> MessageExchanged:
        """PUT LOC1 to the eMSP; the one exchange it made."""
        mark = self.roaming.mark()
        self.roaming.run(push_location(self.cpo, "LOC1"))
        (recorded,) = self.roaming.since(mark)
        return recorded

    def at(self, seconds: float, process: Generator[simpy.Event, Any, Any]) -> None:
        """Start ``process`` at ``seconds`` after the network's start (simulated)."""

        def later() -> Generator[simpy.Event, Any, None]:
            yield self.roaming.env.timeout(seconds - self.roaming.env.now)
            yield from process

        self.roaming.env.process(later())


def build(version: OCPIVersion = V221, seed: int = 42) -> Net:
    roaming = Roaming(seed=seed)
    cpo = roaming.cpo("NL-CPA")
    emsp = roaming.emsp("DE-MSA") if version is V221 else roaming.emsp("DE-MSB", versions=[V211])
    roaming.connect(emsp, cpo)
    add_location(cpo, site("LOC1", evse_json("E1", connector_json())))
    cpo.resilient = False
    return Net(roaming, cpo, emsp)


@pytest.fixture
def net() -> Net:
    return build()


@pytest.fixture
def roaming() -> Roaming:
    return Roaming()


def fault(kind: str, **fields: Any) -> Fault:
    return Fault.model_validate({"kind": kind, **fields})


def on(net: Net, kind: str, **fields: Any) -> int:
    """Switch a scenario fault on now (no schedule)."""
    return net.links.add_fault(to_link_fault(fault(kind, **fields)))


# --- each kind, as the sender sees it and as the trace records it --------------------------------


def test_outage_gives_no_connection_labelled_and_noted(net: Net) -> None:
    on(net, "outage", party="DE-MSA")
    recorded = net.push()
    assert (recorded.response_status, recorded.error) == (0, "DE-MSA unreachable from NL-CPA (link down)")
    assert recorded.notes == ("fault: link down (outage of DE-MSA)",)
    assert (recorded.module, recorded.ocpi_version, recorded.response_body) == ("locations", "2.2.1", None)
    assert net.emsp.emsp_data.locations.get(CPA, "LOC1") is None
    assert check([recorded]) == []


@pytest.mark.parametrize("version", [V221, V211], ids=["2.2.1", "2.1.1"])
def test_http_error_is_answered_by_the_link_as_a_well_formed_envelope(version: OCPIVersion) -> None:
    net = build(version)
    on(net, "errors", party=net.emsp.name, http_status=503)
    recorded = net.push()
    assert (recorded.response_status, recorded.ocpi_status) == (503, 3000)
    assert body(recorded, "response") == {
        "status_code": 3000,
        "status_message": "Service Unavailable",
        "timestamp": format_datetime(recorded.time, version),
    }
    assert recorded.notes == (f"fault: link answers HTTP 503 (HTTP 503 answers for requests to {net.emsp.name})",)
    assert (recorded.module, recorded.ocpi_version) == ("locations", version.value)
    answer = headers(recorded.response_headers)
    if version is V221:
        request = headers(recorded.request_headers)
        assert answer["x-request-id"] == request["x-request-id"]
        assert answer["x-correlation-id"] == request["x-correlation-id"]
        assert (answer["ocpi-from-party-id"], answer["ocpi-to-party-id"]) == ("MSA", "CPA")
    else:
        assert "x-request-id" not in answer and "ocpi-from-party-id" not in answer
    assert net.emsp.emsp_data.locations.get(CPA, "LOC1") is None  # never reached the eMSP
    assert check([recorded]) == []


@pytest.mark.parametrize(
    ("fields", "statuses", "message", "note"),
    [
        ({"ocpi_status": 3001}, (200, 3001), "Unable to use the client's API", "OCPI 3001"),
        ({"http_status": 500, "ocpi_status": 3000}, (500, 3000), "Internal Server Error", "HTTP 500 with OCPI 3000"),
        ({"http_status": 429}, (429, 3000), "Too Many Requests", "HTTP 429"),
        ({"http_status": 404}, (404, 2000), "Not Found", "HTTP 404"),
        ({}, (503, 3000), "Service Unavailable", "HTTP 503"),
    ],
)
def test_error_answers_by_status(
    net: Net, fields: dict[str, int], statuses: tuple[int, int], message: str, note: str
) -> None:
    on(net, "errors", link="NL-CPA->DE-MSA", **fields)
    recorded = net.push()
    assert (recorded.response_status, recorded.ocpi_status) == statuses
    assert body(recorded, "response")["status_message"] == message
    assert recorded.notes == (f"fault: link answers {note} ({note} answers on link NL-CPA<->DE-MSA)",)
    assert check([recorded]) == []


def test_malformed_body_is_the_real_answer_cut_in_half() -> None:
    healthy, broken = build(), build()
    on(broken, "malformed", party="DE-MSA")
    whole, cut = healthy.push(), broken.push()
    assert whole.response_body is not None and cut.response_body is not None
    raw = whole.response_body.encode()
    assert cut.response_body.encode() == raw[: len(raw) // 2]
    assert (cut.response_status, cut.ocpi_status, whole.ocpi_status) == (201, None, 1000)
    assert cut.notes == ("fault: response body cut short (malformed) (malformed response bodies from DE-MSA)",)
    assert headers(cut.response_headers)["x-request-id"] == headers(cut.request_headers)["x-request-id"]
    # The receiver did handle it: the eMSP holds the Location; the CPO could not read the answer.
    assert broken.emsp.emsp_data.locations.get(CPA, "LOC1") is not None
    assert [(v.seq, v.where, v.message) for v in check([cut])] == [(cut.seq, "response", "body is not JSON")]


def test_lost_callbacks_vanish_and_the_command_times_out(roaming: Roaming) -> None:
    net = chargers(roaming, V221)
    roaming.network.links.add_fault(to_link_fault(fault("lost_callbacks", party="NL-CPA")))
    mark = roaming.mark()
    outcome = start(net, evse_uid="E1")
    exchanges = roaming.since(mark)
    callback = path(outcome.response_url)
    assert [(e.method, path(e.url), e.response_status) for e in exchanges] == [
        ("POST", "/ocpi/2.2.1/receiver/commands/START_SESSION", 200),
        ("POST", callback, 0),  # lost: the eMSP never hears the result
        ("PUT", "/ocpi/2.2.1/receiver/sessions/NL/CPA/SES000001", 201),  # other messages pass
        ("PATCH", "/ocpi/2.2.1/receiver/locations/NL/CPA/LOC1/E1", 200),
    ]
    lost = exchanges[1]
    assert (lost.error, lost.response_body, lost.module) == ("lost", None, "commands")
    assert lost.notes == ("fault: callback lost on the link (lost result callbacks from NL-CPA)",)
    assert outcome.timed_out and outcome.result is None
    assert check(exchanges) == []


def test_lost_callbacks_of_a_party_spare_the_callbacks_of_others(roaming: Roaming) -> None:
    net = chargers(roaming, V221)
    roaming.network.links.add_fault(to_link_fault(fault("lost_callbacks", party=net.emsp.name)))
    assert start(net, evse_uid="E1").accepted  # the CPO's callback: not the eMSP's


def test_latency_with_jitter_is_drawn_from_the_links_own_generator(net: Net) -> None:
    net.schedule(fault("latency", party="DE-MSA", latency_ms=800, jitter_ms=200))
    net.roaming.settle(1)
    expected = random.Random("42:link:NL-CPA->DE-MSA")
    for _ in range(3):
        sent_at = net.roaming.env.now
        recorded = net.push()
        one_way = expected.uniform(0.6, 1.0)
        assert recorded.latency_s == pytest.approx(2 * one_way)
        assert net.roaming.env.now - sent_at == pytest.approx(2 * one_way)
        assert recorded.time == net.roaming.clock.at(sent_at + one_way)
    assert net.links.latency("DE-MSA", "NL-CPA") != net.links.latency("DE-MSA", "NL-CPA")  # jitter both ways
    assert net.links.latency("NL-CPA", "XX-OTH") == 0.05  # links that do not touch the party: unchanged


# --- precedence, draws and determinism ----------------------------------------------------------


def test_precedence_outage_then_lost_then_error_then_malformed() -> None:
    links = Links()
    handles = {
        kind: links.add_fault(LinkFault(kind, pair=("A", "B"), http_status=502, label=kind.value))
        for kind in (LinkFaultKind.MALFORMED, LinkFaultKind.ERRORS, LinkFaultKind.LOST_CALLBACKS, LinkFaultKind.OUTAGE)
    }
    callback, push = ("POST", "/ocpi/2.2.1/sender/commands/START_SESSION/1"), ("PUT", "/ocpi/2.2.1/receiver/x")

    def seen() -> list[DisturbanceKind | None]:
        return [(hit.kind if (hit := links.disturbance("B", "A", *request)) else None) for request in (callback, push)]

    assert seen() == [DisturbanceKind.OUTAGE, DisturbanceKind.OUTAGE]
    links.remove_fault(handles[LinkFaultKind.OUTAGE])
    assert seen() == [DisturbanceKind.LOST, DisturbanceKind.ERROR]  # lost callbacks touch callbacks only
    links.remove_fault(handles[LinkFaultKind.LOST_CALLBACKS])
    assert seen() == [DisturbanceKind.ERROR, DisturbanceKind.ERROR]
    links.remove_fault(handles[LinkFaultKind.ERRORS])
    assert seen() == [DisturbanceKind.MALFORMED, DisturbanceKind.MALFORMED]
    links.set_pair("A", "B", LinkCondition(error_status=500))  # a base error comes before faulty ones
    assert links.disturbance("A", "B", *push) == Disturbance(DisturbanceKind.ERROR, http_status=500)
    links.set_party_offline("B")
    assert links.disturbance("A", "B", *push) == Disturbance(DisturbanceKind.OUTAGE)
    assert links.disturbance("A", "C", *push) is None


def test_draws_follow_a_fixed_order_and_stop_at_the_first_hit() -> None:
    links = Links(seed=7)
    links.add_fault(LinkFault(LinkFaultKind.ERRORS, party="B", probability=0.5, http_status=503))
    links.add_fault(LinkFault(LinkFaultKind.MALFORMED, party="B", probability=0.5))
    links.add_fault(LinkFault(LinkFaultKind.ERRORS, party="A", probability=0.5))  # does not touch A -> B
    replica = random.Random("7:link:A->B")
    for _ in range(40):
        if replica.random() < 0.5:
            expected: DisturbanceKind | None = DisturbanceKind.ERROR
        elif replica.random() < 0.5:
            expected = DisturbanceKind.MALFORMED
        else:
            expected = None
        hit = links.disturbance("A", "B", "PUT", "/ocpi/2.2.1/receiver/locations/NL/CPA/L1")
        assert (hit.kind if hit else None) == expected
    # Another direction has a generator of its own, untouched by the draws above.
    assert links.rng("B", "A").random() == random.Random("7:link:B->A").random()


def test_same_seed_same_trace_other_seed_other_draws() -> None:
    def run(seed: int) -> list[MessageExchanged]:
        net = build(seed=seed)
        net.schedule(
            fault("errors", party="DE-MSA", probability=0.3), fault("malformed", party="DE-MSA", probability=0.3)
        )
        net.roaming.settle(1)
        return [net.push() for _ in range(30)]

    first, again, other = run(42), run(42), run(43)
    assert [e.to_record() for e in first] == [e.to_record() for e in again]

    def outcomes(exchanges: list[MessageExchanged]) -> list[str]:
        return ["error" if e.response_status == 503 else "cut" if e.ocpi_status is None else "ok" for e in exchanges]

    assert set(outcomes(first)) == {"error", "cut", "ok"}  # each occurs in 30 pushes
    assert outcomes(first) != outcomes(other)


# --- the schedule ---------------------------------------------------------------------------------


def pushes_at(net: Net, *times: float) -> list[tuple[float, int]]:
    """Push LOC1 at each of ``times``; run past the last; (time, HTTP status) of every push."""
    results: list[tuple[float, int]] = []

    def push() -> Generator[simpy.Event, Any, None]:
        outcome = yield from push_location(net.cpo, "LOC1")
        results.append((round(net.roaming.env.now - 0.1, 1), outcome.deliveries[0][1].http_status))

    for moment in times:
        net.at(moment, push())
    net.roaming.settle(max(times) + 10 - net.roaming.env.now)
    return results


def switches(net: Net) -> list[tuple[float, str, bool]]:
    seen: list[tuple[float, str, bool]] = []
    start = net.roaming.clock.at(0)
    net.roaming.bus.subscribe(
        lambda e: seen.append(((e.time - start).total_seconds(), e.description, e.active)), FaultChanged
    )
    return seen


def test_outage_switches_on_at_its_time_and_off_after_its_duration(net: Net) -> None:
    seen = switches(net)
    schedule = net.schedule(fault("outage", party="DE-MSA", at="10m", **{"for": "10m"}))
    assert pushes_at(net, 590, 610, 1190, 1210) == [(590, 201), (610, 0), (1190, 0), (1210, 200)]
    assert seen == [(600, "outage of DE-MSA, for 10m", True), (1200, "outage of DE-MSA, for 10m", False)]
    assert schedule.active == [] and net.links.active_faults() == []


def test_wall_times_are_placed_by_the_scenarios_resolver(net: Net) -> None:
    zone = ZoneInfo("Europe/Amsterdam")
    local_start = net.roaming.clock.at(0).astimezone(zone)  # 07:00 local

    def resolve(at: float | str) -> float:
        if isinstance(at, float):
            return at
        hours, minutes = (int(part) for part in at.split(":"))
        return (local_start.replace(hour=hours, minute=minutes) - local_start).total_seconds()

    seen = switches(net)
    net.schedule(fault("errors", party="DE-MSA", at="07:30", http_status=502), resolve_instant=resolve)
    assert pushes_at(net, 1799, 1801) == [(1799, 201), (1801, 502)]
    assert seen == [(1800, "HTTP 502 answers for requests to DE-MSA", True)]  # no end: until the run ends
    with pytest.raises(ValueError, match="pass resolve_instant"):
        net.schedule(fault("outage", party="DE-MSA", at="07:30"))


def test_overlapping_faults_combine_and_each_ends_on_its_own(net: Net) -> None:
    seen = switches(net)
    net.schedule(
        fault("outage", party="DE-MSA", at=600, **{"for": 600}),
        fault("outage", link="NL-CPA->DE-MSA", at=900, **{"for": 600}),
        fault("errors", party="DE-MSA", at=1600, http_status=503, **{"for": 300}),
        fault("errors", link="DE-MSA->NL-CPA", at=1700, ocpi_status=3000, **{"for": 300}),
    )
    mark = net.roaming.mark()
    statuses = pushes_at(net, 1000, 1300, 1550, 1650, 1750, 1950, 2050)
    assert statuses == [(1000, 0), (1300, 0), (1550, 201), (1650, 503), (1750, 503), (1950, 200), (2050, 200)]
    # 1750: both error faults on, the first switched on answers; 1950: the 503s ended, OCPI 3000 is still on
    assert [e.ocpi_status for e in net.roaming.since(mark)] == [None, None, 1000, 3000, 3000, 3000, 1000]
    assert [(t, on) for t, _, on in seen] == [
        (600, True), (900, True), (1200, False), (1500, False), (1600, True), (1700, True), (1900, False), (2000, False)
    ]  # fmt: skip
    assert seen[1][1] == "outage on link NL-CPA<->DE-MSA, for 10m"


def test_a_fault_already_over_when_scheduled_is_skipped(net: Net) -> None:
    net.roaming.settle(100)
    seen = switches(net)
    schedule = net.schedule(
        fault("outage", party="DE-MSA", at=10, **{"for": 20}), fault("outage", party="NL-CPA", at=50)
    )
    net.roaming.settle(1)
    assert [(on, text) for _, text, on in seen] == [(True, "outage of NL-CPA")]  # late: switched on at once
    assert schedule.active == ["outage of NL-CPA"]


def test_descriptions_read_well() -> None:
    def text(kind: str, **fields: Any) -> str:
        made = fault(kind, **fields)
        return describe(to_link_fault(made), made.for_)

    assert text("outage", party="NL-CPA", probability=0.25) == "outage of NL-CPA (25 % of requests)"
    assert text("latency", link="A->B", latency_ms=800, jitter_ms=200, **{"for": "1h30m"}) == (
        "latency 800 ms ± 200 ms on link A<->B, for 1h30m"
    )
    assert text("latency", party="NL-CPA", jitter_ms=50) == "base latency ± 50 ms on the links of NL-CPA"
    assert text("errors", party="DE-MSA", ocpi_status=3000, probability=0.1) == (
        "OCPI 3000 answers for requests to DE-MSA (10 % of requests)"
    )
    assert text("lost_callbacks", party="NL-CPA", **{"for": 90}) == "lost result callbacks from NL-CPA, for 1m30s"
    assert text("malformed", probability=0.5) == "malformed response bodies on every link (50 % of requests)"
    with pytest.raises(ValueError, match="is not a link like"):
        to_link_fault(fault("outage", link="NL-CPA"))


def test_no_fault_means_no_draw(net: Net) -> None:
    net.schedule(fault("errors", party="DE-MSA", probability=1.0), fault("malformed", party="XX-NOT", probability=0.5))
    net.roaming.settle(1)
    assert net.push().response_status == 503
    assert net.links.rng("NL-CPA", "DE-MSA").random() == random.Random("42:link:NL-CPA->DE-MSA").random()
