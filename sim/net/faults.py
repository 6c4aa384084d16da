"""``FaultSchedule``: the scenario's faults switched on and off on simulated time.

Each ``schema.Fault`` becomes one ``LinkFault`` (see ``sim.net.links`` for what each kind does to a
request, which requests it touches, and how overlapping faults combine) and one SimPy process that
adds it to the ``Links`` at ``at`` and removes it ``for`` later (never, without ``for``),
publishing ``FaultChanged`` both times with the same readable description.

Instants: ``at`` is seconds from the run start or a local ``"HH:MM"``; the caller passes
``resolve_instant`` (the scenario's start and time zone are not the network's business), e.g.
``lambda at: sim.scenario.timing.resolve_instant(at, scenario.start, scenario.time_zone)``.  Party
names in ``party`` and ``link`` go through ``resolve_party`` (default: as written — scenario ids
are the parties' network names).  ``seed`` seeds the per-link generators of ``links``.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import simpy

from sim.bus import EventBus
from sim.clock import SimClock
from sim.events import FaultChanged
from sim.net.links import LinkFault, LinkFaultKind, Links

if TYPE_CHECKING:
    from sim.scenario.schema import Fault


def seconds_only(at: float | str) -> float:
    """The default instant resolver: seconds as they are; a wall time needs the scenario's resolver."""
    if isinstance(at, str):
        raise ValueError(f"cannot place wall time {at!r} without the scenario's start (pass resolve_instant)")
    return float(at)


@dataclass(frozen=True)
class ScheduledFault:
    """One fault of the schedule: when it is on (seconds from the run start) and what it does."""

    fault: LinkFault
    start_s: float
    end_s: float | None
    """None: until the end of the run."""
    description: str


class FaultSchedule:
    """Switches the scenario's faults on and off (see the module docstring)."""

    def __init__(
        self,
        env: simpy.Environment,
        clock: SimClock,
        bus: EventBus,
        links: Links,
        faults: Sequence[Fault],
        seed: int | str = 0,
        resolve_instant: Callable[[float | str], float] = seconds_only,
        resolve_party: Callable[[str], str] = str,
    ) -> None:
        self.env = env
        self.clock = clock
        self.bus = bus
        self.links = links
        self.entries = [self._entry(fault, resolve_instant, resolve_party) for fault in faults]
        links.reseed(seed)
        self.active: list[str] = []
        """Descriptions of the faults on right now, in the order they came on."""
        for entry in self.entries:
            if entry.end_s is None or entry.end_s > env.now:
                env.process(self._run(entry))

    @staticmethod
    def _entry(
        fault: Fault, resolve_instant: Callable[[float | str], float], resolve_party: Callable[[str], str]
    ) -> ScheduledFault:
        link_fault = to_link_fault(fault, resolve_party)
        start = resolve_instant(fault.at)
        end = None if fault.for_ is None else start + fault.for_
        return ScheduledFault(link_fault, start, end, describe(link_fault, fault.for_))

    def _run(self, entry: ScheduledFault) -> Generator[simpy.Event, Any, None]:
        if entry.start_s > self.env.now:
            yield self.env.timeout(entry.start_s - self.env.now)
        handle = self.links.add_fault(entry.fault)
        self.active.append(entry.description)
        self.bus.publish(FaultChanged(self.clock.now(), entry.description, True))
        if entry.end_s is None:
            return
        yield self.env.timeout(max(0.0, entry.end_s - self.env.now))
        self.links.remove_fault(handle)
        self.active.remove(entry.description)
        self.bus.publish(FaultChanged(self.clock.now(), entry.description, False))


def parse_link(text: str) -> tuple[str, str]:
    """``"A->B"`` → ``("A", "B")`` (``ValueError`` otherwise)."""
    left, arrow, right = text.partition("->")
    if not arrow or not left.strip() or not right.strip():
        raise ValueError(f"{text!r} is not a link like 'NL-CPA->DE-MSA'")
    return left.strip(), right.strip()


def to_link_fault(fault: Fault, resolve_party: Callable[[str], str] = str) -> LinkFault:
    """The ``LinkFault`` a scenario fault describes (an errors fault without statuses answers HTTP 503)."""
    kind = LinkFaultKind(fault.kind.value)
    pair = None
    if fault.link is not None:
        a, b = parse_link(fault.link)
        pair = (resolve_party(a), resolve_party(b))
    party = resolve_party(fault.party) if fault.party is not None and pair is None else None
    http_status = fault.http_status
    if kind is LinkFaultKind.ERRORS and http_status is None and fault.ocpi_status is None:
        http_status = 503
    link_fault = LinkFault(
        kind,
        party=party,
        pair=pair,
        probability=fault.probability,
        latency_s=None if fault.latency_ms is None else fault.latency_ms / 1000,
        jitter_s=fault.jitter_ms / 1000,
        http_status=http_status if kind is LinkFaultKind.ERRORS else None,
        ocpi_status=fault.ocpi_status if kind is LinkFaultKind.ERRORS else None,
    )
    return replace(link_fault, label=describe(link_fault))


def describe(fault: LinkFault, for_s: float | None = None) -> str:
    """One readable line, e.g. ``HTTP 503 answers for requests to DE-MSA (30 % of requests), for 10m``."""
    kind = fault.kind
    share = "" if fault.probability >= 1 else f" ({fault.probability * 100:g} % of requests)"
    where = _where(fault)
    if kind is LinkFaultKind.OUTAGE:
        text = f"outage {where}{share}"
    elif kind is LinkFaultKind.LATENCY:
        mean = "base latency" if fault.latency_s is None else f"latency {fault.latency_s * 1000:g} ms"
        jitter = f" ± {fault.jitter_s * 1000:g} ms" if fault.jitter_s else ""
        text = f"{mean}{jitter} {where}"
    elif kind is LinkFaultKind.ERRORS:
        statuses = [f"HTTP {fault.http_status}"] if fault.http_status is not None else []
        statuses += [f"OCPI {fault.ocpi_status}"] if fault.ocpi_status is not None else []
        text = f"{' with '.join(statuses)} answers {where}{share}"
    elif kind is LinkFaultKind.LOST_CALLBACKS:
        text = f"lost result callbacks {where}{share}"
    else:
        text = f"malformed response bodies {where}{share}"
    return text if for_s is None else f"{text}, for {_span(for_s)}"


def _where(fault: LinkFault) -> str:
    if fault.pair is not None:
        return f"on link {fault.pair[0]}<->{fault.pair[1]}"
    if fault.party is None:
        return "on every link"
    return {
        LinkFaultKind.OUTAGE: f"of {fault.party}",
        LinkFaultKind.LATENCY: f"on the links of {fault.party}",
        LinkFaultKind.ERRORS: f"for requests to {fault.party}",
        LinkFaultKind.LOST_CALLBACKS: f"from {fault.party}",
        LinkFaultKind.MALFORMED: f"from {fault.party}",
    }[fault.kind]


def _span(seconds: float) -> str:
    """``600`` → ``10m``, ``5400`` → ``1h30m``, ``90`` → ``1m30s``."""
    whole = int(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m"), (secs, "s")) if n]
    fraction = seconds - whole
    if fraction:
        return f"{seconds:g}s"
    return "".join(parts) or "0s"
