"""``LiveFaults``: faults switched on and off by hand while a simulation runs (the GUI's fault controls).

It works on the same ``Links`` as the scenario's ``FaultSchedule`` and takes effect at the current
simulated instant: the next request sent meets the new condition (requests already on their way
are not called back).  Each change publishes ``FaultChanged`` on the bus, as the schedule does, so
the trace, the metrics and every view see it.

What the actions do on ``Links``:

* ``take_offline(party)`` — the party's base condition goes offline (``Links.set_party_offline``):
  every request to or from it fails with no connection; ``bring_back`` undoes it;
* ``set_latency(a, b, ms)`` — a latency fault on the link (both directions): the one-way latency
  becomes ``ms`` (a latency fault never makes a link faster than its base latency);
* ``inject_errors(a, b, kind, rate)`` — an errors (or outage, lost-callbacks, malformed) fault on
  the link hitting ``rate`` of its requests, see ``ErrorKind``;
* ``take_link_down(a, b)`` — an outage fault on the link.

Links are named in alphabetical order (``A<->B`` whichever way they were given).  One manual fault
per (what, where): setting the latency of a link again, or other errors on it,
replaces the previous manual one (its ``FaultChanged`` off, then the new one on).  Manual
descriptions end in ``, by hand``, so they never collide with a scheduled fault's description
(the metrics pair on and off by description).

``active()`` lists the manual faults and the scheduled ones on right now; ``remove`` switches either
kind off early.  A scheduled fault removed early publishes its own ``FaultChanged`` off again when
its time is up (the schedule does not know it was removed); the metrics ignore that second off.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from sim.bus import EventBus
from sim.events import FaultChanged
from sim.net.faults import FaultSchedule, describe
from sim.net.links import LinkFault, LinkFaultKind, Links

BY_HAND = ", by hand"
"""The suffix of every manual fault's description."""


class ErrorKind(StrEnum):
    """What a link answers (or fails to) when error injection hits a request."""

    HTTP_500 = "http_500"
    HTTP_503 = "http_503"
    OCPI_3000 = "ocpi_3000"
    NO_ANSWER = "no_answer"
    LOST_CALLBACKS = "lost_callbacks"
    MALFORMED = "malformed"

    @property
    def label(self) -> str:
        """How the GUI names the choice."""
        return _ERROR_LABELS[self]


_ERROR_LABELS = {
    ErrorKind.HTTP_500: "HTTP 500 Internal Server Error",
    ErrorKind.HTTP_503: "HTTP 503 Service Unavailable",
    ErrorKind.OCPI_3000: "OCPI 3000 server error (HTTP 200)",
    ErrorKind.NO_ANSWER: "No answer (connection fails)",
    ErrorKind.LOST_CALLBACKS: "Lost result callbacks (sender times out)",
    ErrorKind.MALFORMED: "Malformed response bodies",
}


def error_fault(kind: ErrorKind, pair: tuple[str, str], rate: float) -> LinkFault:
    """The ``LinkFault`` for ``kind`` on the link ``pair`` hitting ``rate`` (0…1) of its requests."""
    if not 0 <= rate <= 1:
        raise ValueError(f"the error rate must be between 0 and 1, not {rate}")
    if kind is ErrorKind.HTTP_500:
        fault = LinkFault(LinkFaultKind.ERRORS, pair=pair, probability=rate, http_status=500)
    elif kind is ErrorKind.HTTP_503:
        fault = LinkFault(LinkFaultKind.ERRORS, pair=pair, probability=rate, http_status=503)
    elif kind is ErrorKind.OCPI_3000:
        fault = LinkFault(LinkFaultKind.ERRORS, pair=pair, probability=rate, ocpi_status=3000)
    elif kind is ErrorKind.NO_ANSWER:
        fault = LinkFault(LinkFaultKind.OUTAGE, pair=pair, probability=rate)
    elif kind is ErrorKind.LOST_CALLBACKS:
        fault = LinkFault(LinkFaultKind.LOST_CALLBACKS, pair=pair, probability=rate)
    else:
        fault = LinkFault(LinkFaultKind.MALFORMED, pair=pair, probability=rate)
    return _labelled(fault)


def _labelled(fault: LinkFault) -> LinkFault:
    return replace(fault, label=describe(fault) + BY_HAND)


@dataclass(frozen=True)
class ActiveFault:
    """One fault on right now, as the fault list shows it."""

    key: str
    """What ``LiveFaults.remove`` takes."""
    description: str
    manual: bool
    since: datetime
    until: datetime | None = None
    """When a scheduled fault switches itself off (None: manual, or on until the end of the run)."""


@dataclass
class _Manual:
    slot: tuple[str, ...]
    description: str
    since: datetime
    handle: int | None = None
    offline_party: str | None = None


class LiveFaults:
    """Manual faults on ``links`` (see the module docstring); ``schedule`` names the scheduled ones."""

    def __init__(
        self, links: Links, bus: EventBus, now: Callable[[], datetime], schedule: FaultSchedule | None = None
    ) -> None:
        self.links = links
        self.bus = bus
        self.now = now
        self.schedule = schedule
        self._manual: dict[str, _Manual] = {}
        self._next = 1

    # --- parties ----------------------------------------------------------------------------------

    def is_offline(self, party: str) -> bool:
        """Whether the party is off the network now (by hand or otherwise)."""
        return self.links.condition(party, party).offline

    def outage_fault_on(self, party: str) -> bool:
        """Whether a fault cuts every request to and from ``party`` now (a scheduled outage, say)."""
        return any(
            f.kind is LinkFaultKind.OUTAGE and f.party == party and f.probability >= 1
            for f in self.links.active_faults()
        )

    def offline_by_hand(self, party: str) -> bool:
        """Whether ``party`` was taken offline by ``take_offline`` (and not brought back yet)."""
        return self._find(("offline", party)) is not None

    def take_offline(self, party: str) -> ActiveFault:
        """Take ``party`` off the network: every request to or from it fails from now on."""
        slot = ("offline", party)
        found = self._find(slot)
        if found is not None:
            return found
        self.links.set_party_offline(party, True)
        return self._switched_on(_Manual(slot, f"{party} taken offline{BY_HAND}", self.now(), offline_party=party))

    def bring_back(self, party: str) -> bool:
        """Put a party taken offline by hand back on the network; False if it was not."""
        for key, manual in self._manual.items():
            if manual.slot == ("offline", party):
                return self.remove(key)
        return False

    # --- links ------------------------------------------------------------------------------------

    def set_latency(self, a: str, b: str, latency_ms: float) -> ActiveFault:
        """One-way latency of the link between ``a`` and ``b`` (both directions), from now on."""
        if latency_ms < 0:
            raise ValueError(f"latency cannot be negative ({latency_ms} ms)")
        pair = _pair_key(a, b)
        fault = _labelled(LinkFault(LinkFaultKind.LATENCY, pair=pair, latency_s=latency_ms / 1000))
        return self._add_link_fault(("latency", *pair), fault)

    def inject_errors(self, a: str, b: str, kind: ErrorKind, rate: float) -> ActiveFault:
        """Make the link answer ``rate`` (0…1) of its requests as ``kind`` says, from now on."""
        pair = _pair_key(a, b)
        return self._add_link_fault(("errors", *pair), error_fault(kind, pair, rate))

    def take_link_down(self, a: str, b: str) -> ActiveFault:
        """No connection between ``a`` and ``b`` (either way) from now on."""
        pair = _pair_key(a, b)
        fault = _labelled(LinkFault(LinkFaultKind.OUTAGE, pair=pair))
        return self._add_link_fault(("down", *pair), fault)

    def _add_link_fault(self, slot: tuple[str, ...], fault: LinkFault) -> ActiveFault:
        for key, manual in list(self._manual.items()):
            if manual.slot == slot:
                if manual.description == fault.label:
                    return self._active(key, manual)
                self.remove(key)
        handle = self.links.add_fault(fault)
        return self._switched_on(_Manual(slot, fault.label, self.now(), handle=handle))

    # --- the list ---------------------------------------------------------------------------------

    def active(self) -> list[ActiveFault]:
        """Manual faults (in the order they were made), then the scheduled faults on now (oldest first)."""
        listed = [self._active(key, manual) for key, manual in self._manual.items()]
        manual_handles = {m.handle for m in self._manual.values() if m.handle is not None}
        claimed: set[int] = set()
        for handle, fault in fault_handles(self.links):
            if handle in manual_handles:
                continue
            description, since, until = self._scheduled(fault, claimed)
            listed.append(ActiveFault(f"scheduled-{handle}", description, False, since, until))
        return listed

    def _scheduled(self, fault: LinkFault, claimed: set[int]) -> tuple[str, datetime, datetime | None]:
        """Description and span of a scheduled fault, from the schedule entry it came from."""
        now = self.now()
        if self.schedule is not None:
            start = self.schedule.clock.start
            run_s = (now - start).total_seconds()
            for index, entry in enumerate(self.schedule.entries):
                on_now = entry.start_s <= run_s and (entry.end_s is None or run_s < entry.end_s)
                if index not in claimed and entry.fault == fault and on_now:
                    claimed.add(index)
                    until = None if entry.end_s is None else start + timedelta(seconds=entry.end_s)
                    return entry.description, start + timedelta(seconds=entry.start_s), until
        return fault.label or describe(fault), now, None

    def remove(self, key: str) -> bool:
        """Switch off the fault ``key`` (from ``active``) now; False if it is not on."""
        manual = self._manual.pop(key, None)
        if manual is not None:
            if manual.offline_party is not None:
                self.links.set_party_offline(manual.offline_party, False)
            if manual.handle is not None:
                self.links.remove_fault(manual.handle)
            self.bus.publish(FaultChanged(self.now(), manual.description, False))
            return True
        for entry in self.active():
            if entry.key == key and not entry.manual:
                self.links.remove_fault(int(key.removeprefix("scheduled-")))
                self.bus.publish(FaultChanged(self.now(), entry.description, False))
                return True
        return False

    def restore_all(self) -> int:
        """Switch off every fault, manual and scheduled; returns how many were on."""
        keys = [entry.key for entry in self.active()]
        return sum(self.remove(key) for key in keys)

    # --- helpers ----------------------------------------------------------------------------------

    def _find(self, slot: tuple[str, ...]) -> ActiveFault | None:
        for key, manual in self._manual.items():
            if manual.slot == slot:
                return self._active(key, manual)
        return None

    def _switched_on(self, manual: _Manual) -> ActiveFault:
        key = f"manual-{self._next}"
        self._next += 1
        self._manual[key] = manual
        self.bus.publish(FaultChanged(manual.since, manual.description, True))
        return self._active(key, manual)

    @staticmethod
    def _active(key: str, manual: _Manual) -> ActiveFault:
        return ActiveFault(key, manual.description, True, manual.since)


def _pair_key(a: str, b: str) -> tuple[str, str]:
    first, second = sorted((a, b))
    return first, second


def fault_handles(links: Links) -> list[tuple[int, LinkFault]]:
    """(handle, fault) of every fault switched on in ``links``, oldest first."""
    return links.fault_handles()
