"""A session's live flow (``sim.live.flow``, ``flow_select``, ``physical``): the same exchanges as the
trace's sequence diagram, each step knowing its exchange, with the charger's moments merged in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sim.events import MessageExchanged
from sim.live.flow import MARKER, PHYSICAL, ExchangeCache, Flow, correlation_flow, roles_of, session_flow
from sim.live.flow_select import SessionCandidates, SessionClues
from sim.live.physical import PhysicalLog
from sim.scenario import load_scenario
from sim.sequence import exchanges_from_records, render, session_diagram
from sim.simulation import Simulation

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


class Run:
    """A scenario run to some hours, with its exchanges and physical log."""

    def __init__(self, name: str, hours: float) -> None:
        self.simulation = Simulation(load_scenario(SCENARIOS / f"{name}.yaml"))
        self.events: list[Any] = []
        self.simulation.bus.subscribe(self.events.append)
        self.simulation.start()
        self.simulation.advance(hours * 3600, 600)
        self.raw = [e for e in self.events if isinstance(e, MessageExchanged)]
        self.log = PhysicalLog()
        self.log.record(self.events)
        self.cache = ExchangeCache()
        self.roles = roles_of(self.simulation.parties)

    def flow(self, cpo: str, session_id: str) -> Flow:
        session = self.simulation.parties[cpo].cpo.sessions.get(self.simulation.parties[cpo].cpo.party, session_id)  # type: ignore[attr-defined]
        candidates = SessionCandidates(SessionClues.of(session))
        candidates.scan(self.raw)
        exchanges = self.cache.convert(candidates.events)
        return session_flow(exchanges, cpo, session_id, self.roles, self.log, self.simulation.world)


@pytest.fixture(scope="module")
def basics() -> Run:
    return Run("bilateral-basics", 9)


def ocpi(flow: Flow) -> list[tuple[str, str]]:
    return [(s.kind, s.label) for s in flow.steps if s.kind not in (PHYSICAL, MARKER)]


def test_the_flow_has_the_trace_diagrams_steps_each_with_its_exchange(basics: Run) -> None:
    full = exchanges_from_records([e.to_record() for e in basics.raw])
    by_seq = {e.seq: e for e in full}
    for number in range(1, 8):
        flow = basics.flow("NL-UCP", f"SES00000{number}")
        reference = session_diagram(full, f"NL-UCP/SES00000{number}")
        steps = [s for s in flow.steps if s.kind not in (PHYSICAL, MARKER)]
        assert [(s.kind, s.source, s.target, s.text) for s in steps] == [
            (s.kind, s.source, s.target, s.text) for s in reference.steps
        ]
        for step in steps:
            exchange = by_seq[step.seq]  # type: ignore[index]
            pair = (exchange.sender, exchange.receiver)
            assert (step.source, step.target) == (pair if step.kind == "request" else pair[::-1])
            assert step.time == exchange.time


def test_an_rfid_session_from_plug_in_to_the_cdr(basics: Run) -> None:
    flow = basics.flow("NL-UCP", "SES000005")
    assert [p.label for p in flow.participants] == [
        "DE-EMA/d0001 (driver)",
        "LOC-0005-2 (charge point)",
        "NL-UCP (CPO)",
        "DE-EMA (eMSP)",
    ]
    rows = [(s.kind, s.source, s.target, s.label) for s in flow.steps]
    assert rows[:9] == [
        ("physical", "DE-EMA/d0001", "LOC-0005-2", "plug in, RFID card"),
        (
            "request",
            "NL-UCP",
            "DE-EMA",
            "POST /ocpi/2.2.1/sender/tokens/DEEMA-RFID-000001/authorize?type=RFID (tokens)",
        ),
        ("response", "DE-EMA", "NL-UCP", "HTTP 200, OCPI 1000 allowed=ALLOWED"),
        ("request", "NL-UCP", "DE-EMA", "PUT /ocpi/2.2.1/receiver/sessions/NL/UCP/SES000005 (sessions) status=ACTIVE"),
        ("response", "DE-EMA", "NL-UCP", "HTTP 201, OCPI 1000"),
        ("physical", "LOC-0005-2", "DE-EMA/d0001", "charging started (SES000005)"),
        ("physical", "LOC-0005-2", "NL-UCP", "EVSE status CHARGING"),
        (
            "request",
            "NL-UCP",
            "DE-EMA",
            "PATCH /ocpi/2.2.1/receiver/locations/NL/UCP/LOC-0005/LOC-0005-2 (locations) status=CHARGING",
        ),
        ("response", "DE-EMA", "NL-UCP", "HTTP 200, OCPI 1000"),
    ]
    assert ("marker", "LOC-0005-2", "LOC-0005-2", "car full: charging stops") in rows
    assert rows[-8:] == [
        ("physical", "DE-EMA/d0001", "LOC-0005-2", "unplug (27.903 kWh)"),
        (
            "request",
            "NL-UCP",
            "DE-EMA",
            "PATCH /ocpi/2.2.1/receiver/sessions/NL/UCP/SES000005 (sessions) status=COMPLETED kwh=27.903",
        ),
        ("response", "DE-EMA", "NL-UCP", "HTTP 200, OCPI 1000"),
        ("request", "NL-UCP", "DE-EMA", "POST /ocpi/2.2.1/receiver/cdrs (cdrs) id=CDR000001"),
        ("response", "DE-EMA", "NL-UCP", "HTTP 201, OCPI 1000"),
        ("physical", "LOC-0005-2", "NL-UCP", "EVSE status AVAILABLE"),
        (
            "request",
            "NL-UCP",
            "DE-EMA",
            "PATCH /ocpi/2.2.1/receiver/locations/NL/UCP/LOC-0005/LOC-0005-2 (locations) status=AVAILABLE",
        ),
        ("response", "DE-EMA", "NL-UCP", "HTTP 200, OCPI 1000"),
    ]
    times = [s.time for s in flow.steps if s.time is not None]
    assert times == sorted(times)


def test_an_app_start_goes_from_the_driver_to_the_emsp(basics: Run) -> None:
    flow = basics.flow("NL-UCP", "SES000003")
    rows = [(s.kind, s.source, s.target, s.label) for s in flow.steps[:4]]
    assert rows == [
        ("physical", "DE-EMA/d0004", "LOC-0005-1", "plug in"),
        ("physical", "DE-EMA/d0004", "DE-EMA", "start charging in the app"),
        ("request", "DE-EMA", "NL-UCP", "POST /ocpi/2.2.1/receiver/commands/START_SESSION (commands)"),
        ("response", "NL-UCP", "DE-EMA", "HTTP 200, OCPI 1000 result=ACCEPTED"),
    ]
    # still running at 9 h, its car full: the marker is placed at the moment it filled up
    markers = [s for s in flow.steps if s.kind == MARKER]
    assert [(m.label, m.time.strftime("%H:%M:%S")) for m in markers] == [("car full: charging stops", "10:30:25")]  # type: ignore[union-attr]


def test_mermaid_of_the_flow_has_the_lanes_and_the_moments(basics: Run) -> None:
    text = render(basics.flow("NL-UCP", "SES000005").to_diagram(), "mermaid")
    lines = text.splitlines()
    assert lines[:6] == [
        "sequenceDiagram",
        "    title Session NL-UCP/SES000005 (2026-03-02, times in UTC)",
        "    participant DE_EMA_d0001 as DE-EMA/d0001 (driver)",
        "    participant LOC_0005_2 as LOC-0005-2 (charge point)",
        "    participant NL_UCP as NL-UCP (CPO)",
        "    participant DE_EMA as DE-EMA (eMSP)",
    ]
    assert lines[6] == "    DE_EMA_d0001->>LOC_0005_2: 07:01:22.844 plug in, RFID card"
    assert "    Note over LOC_0005_2,LOC_0005_2: 10:06:22.799 car full: charging stops" in lines


def test_candidates_grow_with_new_exchanges_of_the_session_only() -> None:
    run = Run("bilateral-basics", 3)
    session = run.simulation.parties["NL-UCP"].cpo.sessions.values()[0]  # type: ignore[attr-defined]
    candidates = SessionCandidates(SessionClues.of(session))
    candidates.scan(run.raw)
    assert candidates.events and all(e in run.raw for e in candidates.events)
    taken = len(run.events)
    run.simulation.advance(3 * 3600 + 20 * 60, 600)
    new = [e for e in run.events[taken:] if isinstance(e, MessageExchanged)]
    mine = [e for e in new if "SES000001" in e.url]
    assert len(mine) == 1 and len(new) > 1  # the quarter-hourly PATCH, among others
    assert candidates.extend(new)
    assert candidates.events[-1] is mine[0]
    assert not candidates.extend([e for e in new if e is not mine[0] and "LOC-0001-1" not in e.url])


def test_a_correlation_flow_and_an_unknown_session() -> None:
    run = Run("hub-network", 2)
    exchanges = run.cache.convert(run.raw)
    correlated = next(e for e in exchanges if e.correlation_id and e.module == "tokens" and e.method == "POST")
    flow = correlation_flow(exchanges, correlated.correlation_id or "", run.roles)
    assert flow.problem is None and correlated.seq in flow.seqs
    assert {p.role for p in flow.participants} >= {"hub", "CPO", "eMSP"}
    missing = session_flow(exchanges, "NL-DMN", "NOPE", run.roles, run.log)
    assert missing.steps == () and missing.problem == "no exchange matches session NL-DMN/NOPE"
