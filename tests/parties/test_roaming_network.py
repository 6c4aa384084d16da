"""A whole roaming network built in code, every OCPI flow run once, the whole trace conformance-checked.

The network and its story are ``sim.demo`` (what ``roamsim demo`` shows): hub NL-HUB with CPOs NL-CPA
and BE-CPB and eMSPs DE-MSA and NL-MSB on OCPI 2.2.1, and a bilateral OCPI 2.1.1 link between CPO
FR-CPC and eMSP BE-MSC (locations pulled, the rest pushed).  Each test inspects one aspect of it.
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from sim import demo
from sim.conformance import check
from sim.demo import DemoNetwork as Network
from sim.netbuilder import Roaming
from sim.ocpi.common import OCPIVersion
from sim.ocpi.headers import PartyRef
from sim.ocpi.v221.cdrs import AuthMethod
from sim.ocpi.v221.commands import CommandResultType
from sim.ocpi.v221.sessions import SessionStatus
from sim.ocpi.v221.tokens import AllowedType
from sim.ocpi.v221.types import Price
from sim.trace import TraceWriter

V211 = OCPIVersion.V2_1_1


@pytest.fixture(scope="module")
def network() -> tuple[Network, str]:
    """Runs the demo once (seed 2026), with the JSONL trace written from the first exchange."""
    net = demo.build(Roaming(seed=2026))
    trace = io.StringIO()
    TraceWriter(trace).attach(net.roaming.bus)
    demo.play(net)
    return net, trace.getvalue()


def test_every_recorded_exchange_conforms(network: tuple[Network, str]) -> None:
    net, _ = network
    assert len(net.roaming.exchanges) > 150
    assert check(net.roaming.exchanges) == []


def test_every_handshake_completed_with_the_negotiated_version(network: tuple[Network, str]) -> None:
    net, _ = network
    assert sorted(net.hub.connections) == ["BE-CPB", "DE-MSA", "NL-CPA", "NL-MSB"]
    assert all(c.version is OCPIVersion.V2_2_1 for c in net.hub.connections.values())
    assert net.msc.connections["FR-CPC"].version is V211 and net.cpc.connections["BE-MSC"].version is V211
    # Every 2.2.1 party learned about the others from HubClientInfo.
    assert sorted(f"{c}-{p}:{r}" for c, p, r in net.msa.hub_clients) == ["BE-CPB:CPO", "NL-CPA:CPO", "NL-MSB:EMSP"]


def test_locations_and_tariffs_reached_every_emsp_by_push_and_pull(network: tuple[Network, str]) -> None:
    net, _ = network
    ref = PartyRef.parse
    for emsp in (net.msa, net.msb):
        assert [loc.id for loc in emsp.emsp_data.locations] == ["LOC-A1", "LOC-B1"]
        assert {t.id for t in emsp.emsp_data.tariffs} == {"T-A", "T-B"}
    assert net.results["pull-locations-msb"].complete
    assert [loc.id for loc in net.msc.emsp_data.locations] == ["LOC-C1"]  # pulled over 2.1.1
    assert net.msc.emsp_data.tariffs.get(ref("FR-CPC"), "T-C") is not None  # pushed over 2.1.1
    stored = net.msa.emsp_data.locations.get(ref("NL-CPA"), "LOC-A1")
    assert stored is not None and stored.evses is not None and stored.evses[1].status.value == "OUTOFORDER"


def test_tokens_were_authorized_locally_and_in_real_time(network: tuple[Network, str]) -> None:
    net, _ = network
    whitelist, via_hub, bilateral = (net.results[k] for k in ("auth-whitelist", "auth-hub-unpushed", "auth-211"))
    assert (whitelist.allowed, whitelist.method, whitelist.exchanges) == (AllowedType.ALLOWED, AuthMethod.WHITELIST, ())
    assert (via_hub.allowed, via_hub.method, via_hub.emsp) == (
        AllowedType.ALLOWED,
        AuthMethod.AUTH_REQUEST,
        PartyRef("NL", "MSB"),
    )
    assert via_hub.authorization_reference is not None
    assert (bilateral.allowed, bilateral.method) == (AllowedType.ALLOWED, AuthMethod.AUTH_REQUEST)
    assert {t.uid for t in net.cpa.cpo_data.tokens} == {"MSA-RFID-0001", "MSA-APP-0002"}  # broadcast by the hub
    assert {t.uid for t in net.cpc.cpo_data.tokens} == {"MSC-RFID-0004"}


def test_the_hub_session_ended_in_a_cdr_at_the_emsp(network: tuple[Network, str]) -> None:
    net, _ = network
    cdr = net.results["cdr-hub"]
    received = net.msa.emsp_data.cdrs.get(PartyRef("NL", "CPA"), cdr.id)
    assert received is not None and received.total_cost == Price(excl_vat=Decimal("3.85"), incl_vat=Decimal("4.6585"))
    session = net.msa.emsp_data.sessions.get(PartyRef("NL", "CPA"), cdr.session_id or "")
    assert session is not None and session.status is SessionStatus.COMPLETED
    assert session.charging_periods is not None and len(session.charging_periods) == 2  # PATCHes appended
    assert net.results["profile-set"].result is not None


@pytest.mark.parametrize("emsp", ["NL-MSB", "BE-MSC"])
def test_every_command_got_its_asynchronous_result(network: tuple[Network, str], emsp: str) -> None:
    net, _ = network
    names = ["reserve", "start", "stop", "unlock"] + (["cancel"] if emsp == "NL-MSB" else [])
    for name in names:
        outcome = net.results[f"{name}-{emsp}"]
        assert outcome.result is not None and outcome.result.result is CommandResultType.ACCEPTED, (name, outcome)
        assert not outcome.timed_out


def test_the_hub_forwarded_with_new_request_ids_and_the_same_correlation_ids(network: tuple[Network, str]) -> None:
    net, _ = network
    exchanges = net.roaming.exchanges
    forwarded = [e for e in exchanges if e.from_party == "NL-HUB" and e.module == "commands"]
    assert forwarded
    for hop in forwarded:
        incoming = [e for e in exchanges if e.to_party == "NL-HUB" and e.correlation_id == hop.correlation_id]
        assert incoming and all(e.request_id != hop.request_id for e in incoming)


def test_the_trace_is_one_json_line_per_exchange(network: tuple[Network, str]) -> None:
    net, trace = network
    lines = trace.splitlines()
    assert len(lines) == len(net.roaming.exchanges)
    assert lines[0].startswith('{"seq":1,"time":"2026-03-02T06:00:00.050Z","from":"NL-CPA","to":"NL-HUB",')
