"""A session's whole flow for the live sequence diagram: its OCPI exchanges and what happened at the
charger, each step knowing its exchange (no Qt).

``sim.sequence`` picks a session's exchanges and lays them out as a ``Diagram`` whose steps carry
text only.  ``session_flow`` / ``correlation_flow`` build the same diagram and add to every step
the ``seq`` of its exchange and its time (``step_exchanges`` maps them back: a request step is its
exchange's ``request_label``; a response closes the innermost open request, as the layout nests hub
hops inside their cause), then merge the physical moments of ``sim.live.physical`` in by time on
two extra lanes, the driver and the charge point.  Lanes: driver, charge point, the CPOs, the hubs,
the eMSPs, anyone else.  ``Flow.to_diagram`` gives a ``Diagram`` again (physical moments as arrows
and notes) for ``sim.sequence.render`` — Mermaid or PlantUML of what the view shows.

``ExchangeCache`` turns the GUI's ``MessageExchanged`` events into ``Exchange``s, once each; which
events may belong to a session is worked out by ``sim.live.flow_select``, so only those are.
"""

from __future__ import annotations

import re
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sim.events import MessageExchanged
from sim.live.physical import CHARGE_POINT, CPO, DRIVER, EMSP, Moment, PhysicalLog
from sim.sequence import Diagram, Exchange, Participant, SelectionError, Step
from sim.sequence_render import build_diagram, request_label
from sim.sequence_select import select_correlation, select_session
from sim.world.world import World

STAMP = re.compile(r"^\d\d:\d\d:\d\d\.\d{3} ")
"""The UTC time a request label starts with."""
_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
PHYSICAL = "physical"
MARKER = "marker"


@dataclass(frozen=True)
class FlowStep:
    """One row of the diagram.

    ``kind``: ``request``, ``response``, ``lost`` (no answer), ``note`` (as in ``sim.sequence``),
    ``physical`` (an action at the charger) or ``marker`` (a state at the charger, on one lane).
    ``seq``: the exchange of an OCPI step (None for physical steps and date notes).
    """

    kind: str
    source: str
    target: str
    text: str
    time: datetime | None = None
    seq: int | None = None
    latency_s: float | None = None
    """A response's round trip."""

    @property
    def label(self) -> str:
        """The text without the leading UTC time stamp (the view shows the time in its own column)."""
        return STAMP.sub("", self.text, count=1)


@dataclass(frozen=True)
class Flow:
    """What the sequence view draws."""

    title: str
    participants: tuple[Participant, ...]
    steps: tuple[FlowStep, ...]
    problem: str | None = None
    """Why there is nothing (or only the physical side) to draw, in words."""

    @property
    def seqs(self) -> frozenset[int]:
        """The exchanges shown."""
        return frozenset(step.seq for step in self.steps if step.seq is not None)

    def to_diagram(self) -> Diagram:
        """The flow as a ``sim.sequence`` diagram (physical steps as arrows with their UTC time)."""
        steps = []
        for step in self.steps:
            if step.kind in (PHYSICAL, MARKER):
                stamp = _stamp(step.time) if step.time is not None else ""
                kind = "note" if step.kind == MARKER else "request"
                steps.append(Step(kind, step.source, step.target, stamp + step.text))
            else:
                steps.append(Step(step.kind, step.source, step.target, step.text))
        return Diagram(title=self.title, participants=self.participants, steps=tuple(steps))


class ExchangeCache:
    """``Exchange``s of a run's ``MessageExchanged`` events, each converted once (on first use)."""

    def __init__(self) -> None:
        self.by_seq: dict[int, Exchange] = {}

    def convert(self, events: Iterable[MessageExchanged]) -> list[Exchange]:
        """The exchanges of ``events``, in seq order."""
        found = []
        for event in events:
            exchange = self.by_seq.get(event.seq)
            if exchange is None:
                exchange = self.by_seq[event.seq] = Exchange.from_record(event.to_record())
            found.append(exchange)
        found.sort(key=lambda e: e.seq)
        return found


def roles_of(parties: Mapping[str, object]) -> dict[str, str]:
    """The role of each party of a simulation (``hub``, ``CPO``, ``eMSP``, ``CPO/eMSP``, ``SCSP``)."""
    roles = {}
    for name, party in parties.items():
        if getattr(party, "cpo", None) is None and getattr(party, "emsp", None) is None:
            roles[name] = "SCSP" if getattr(party, "scsp", None) is not None else "hub"
        elif getattr(party, "cpo", None) is not None and getattr(party, "emsp", None) is not None:
            roles[name] = "CPO/eMSP"
        else:
            roles[name] = "CPO" if getattr(party, "cpo", None) is not None else "eMSP"
    return roles


def step_exchanges(diagram: Diagram, exchanges: Sequence[Exchange]) -> list[Exchange | None]:
    """The exchange of each step of ``diagram`` (built from ``exchanges``); None for date notes."""
    waiting: dict[tuple[str, str, str], deque[Exchange]] = defaultdict(deque)
    for exchange in sorted(exchanges, key=lambda e: e.seq):
        waiting[(exchange.sender, exchange.receiver, request_label(exchange))].append(exchange)
    open_requests: list[Exchange | None] = []
    found: list[Exchange | None] = []
    last: Exchange | None = None
    for step in diagram.steps:
        if step.kind in ("request", "lost"):
            queue = waiting.get((step.source, step.target, step.text))
            last = queue.popleft() if queue else None
            open_requests.append(last)
        elif step.kind == "response" or step.text.startswith("no answer:"):
            last = open_requests.pop() if open_requests else None
        elif _DATE.match(step.text):
            found.append(None)
            continue
        found.append(last)
    return found


def session_flow(
    exchanges: Sequence[Exchange],
    cpo: str,
    session_id: str,
    roles: Mapping[str, str],
    log: PhysicalLog | None = None,
    world: World | None = None,
) -> Flow:
    """The flow of one session (``exchanges`` in seq order); see the module docstring."""
    title = f"Session {cpo}/{session_id}"
    problem: str | None = None
    try:
        selection = select_session(exchanges, f"{cpo}/{session_id}")
    except SelectionError as exc:
        diagram, chosen, problem = Diagram(title, (), ()), [], str(exc)
    else:
        diagram, chosen = build_diagram(selection, roles), selection.exchanges
    steps = _ocpi_steps(diagram, chosen)
    participants = list(diagram.participants)
    actors = log.actors(cpo, session_id) if log is not None else None
    if log is not None and actors is not None:
        lanes = {CPO: cpo, EMSP: actors.emsp or cpo, CHARGE_POINT: actors.evse_uid, DRIVER: actors.driver or "driver"}
        moments = log.session_moments(cpo, session_id, world)
        steps = _merge(steps, moments, lanes)
        known = {p.name for p in participants}
        for role in (CPO, EMSP):
            if lanes[role] not in known and any(role in (m.source, m.target) for m in moments):
                participants.append(Participant(lanes[role], roles.get(lanes[role], role)))
        participants[:0] = [Participant(lanes[DRIVER], DRIVER), Participant(lanes[CHARGE_POINT], CHARGE_POINT)]
    return Flow(diagram.title or title, tuple(_lane_order(participants, cpo)), tuple(steps), problem)


def correlation_flow(exchanges: Sequence[Exchange], correlation_id: str, roles: Mapping[str, str]) -> Flow:
    """Every exchange with one ``X-Correlation-ID``."""
    try:
        selection = select_correlation(exchanges, correlation_id)
    except SelectionError as exc:
        return Flow(f"Correlation {correlation_id}", (), (), str(exc))
    diagram = build_diagram(selection, roles)
    return Flow(
        diagram.title,
        tuple(_lane_order(list(diagram.participants), None)),
        tuple(_ocpi_steps(diagram, selection.exchanges)),
    )


def _ocpi_steps(diagram: Diagram, exchanges: Sequence[Exchange]) -> list[FlowStep]:
    steps = []
    for step, exchange in zip(diagram.steps, step_exchanges(diagram, exchanges), strict=True):
        if exchange is None:
            steps.append(FlowStep(step.kind, step.source, step.target, step.text))
            continue
        latency = float(exchange.record.get("latency_ms") or 0) / 1000 if step.kind == "response" else None
        steps.append(FlowStep(step.kind, step.source, step.target, step.text, exchange.time, exchange.seq, latency))
    return steps


def _merge(steps: list[FlowStep], moments: list[Moment], lanes: Mapping[str, str]) -> list[FlowStep]:
    """Physical moments placed before the first OCPI step that is later (OCPI order kept)."""
    merged: list[FlowStep] = []
    pending = deque(moments)
    latest: datetime | None = None
    for step in steps:
        if step.time is not None:
            latest = step.time if latest is None else max(latest, step.time)
            while pending and pending[0].time < latest:
                merged.append(_physical(pending.popleft(), lanes))
        merged.append(step)
    merged.extend(_physical(moment, lanes) for moment in pending)
    return merged


def _physical(moment: Moment, lanes: Mapping[str, str]) -> FlowStep:
    kind = MARKER if moment.marker else PHYSICAL
    return FlowStep(kind, lanes[moment.source], lanes[moment.target], moment.text, moment.time)


def _lane_order(participants: list[Participant], cpo: str | None) -> list[Participant]:
    """Driver, charge point, CPOs (the session's first), hubs, eMSPs, others; otherwise as given."""
    rank = {DRIVER: 0, CHARGE_POINT: 1, "CPO": 2, "CPO/eMSP": 2, "hub": 3, "eMSP": 4}

    def key(item: tuple[int, Participant]) -> tuple[int, int, int]:
        position, participant = item
        return rank.get(participant.role or "", 5), 0 if participant.name == cpo else 1, position

    unique = {p.name: p for p in participants}
    return [p for _, p in sorted(enumerate(unique.values()), key=key)]


def _stamp(time: datetime) -> str:
    return time.strftime("%H:%M:%S.") + f"{time.microsecond // 1000:03d} "


__all__ = [
    "MARKER",
    "PHYSICAL",
    "ExchangeCache",
    "Flow",
    "FlowStep",
    "correlation_flow",
    "roles_of",
    "session_flow",
    "step_exchanges",
]
