"""``FaultActions``: the one place in the GUI that changes network conditions while a run goes on.

Views call it; it applies the change at the current simulated instant through
``sim.net.live_faults.LiveFaults`` on the running simulation's links, which publishes ``FaultChanged``
on the simulation's bus (the trace, the metrics and the other views read it from there), and then
emits ``changed`` so fault lists refresh at once, even while paused.  After a reset or a newly
opened scenario it works on the new simulation, with no manual fault on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QObject, Signal

from sim.net.live_faults import ActiveFault, ErrorKind, LiveFaults
from sim.simulation import Simulation

if TYPE_CHECKING:  # the controller owns one FaultActions: import it for types only
    from app.controller import SimController

T = TypeVar("T")


@dataclass(frozen=True)
class PartyChoice:
    """A party as the fault controls offer it."""

    network_name: str
    """The name the links know it by."""
    label: str
    """``NL-UCP — Utrecht Charge Points (CPO)``."""


class FaultActions(QObject):
    """Manual faults on the controller's current simulation (see the module docstring)."""

    changed = Signal()
    """A fault was switched on or off through these actions."""

    def __init__(self, controller: SimController, parent: QObject | None = None) -> None:
        super().__init__(parent if parent is not None else controller)
        self.controller = controller
        self._live: LiveFaults | None = None
        self._for: Simulation | None = None

    @property
    def live(self) -> LiveFaults:
        """The manual faults of the current simulation (a fresh set after every reset or open)."""
        sim = self.controller.sim()
        if self._live is None or self._for is not sim:
            self._live = LiveFaults(sim.roaming.network.links, sim.bus, sim.clock.now, sim.faults)
            self._for = sim
        return self._live

    # --- what can be chosen -------------------------------------------------------------------

    def parties(self) -> list[PartyChoice]:
        """Every party of the scenario, in scenario order."""
        sim = self.controller.sim()
        choices = []
        for spec in sim.scenario.parties:
            name = sim.parties[spec.id].name
            business = f" — {spec.name}" if spec.name else ""
            choices.append(PartyChoice(name, f"{spec.id}{business} ({spec.role.value})"))
        return choices

    def links(self) -> list[tuple[str, str]]:
        """Pairs of connected parties (each pair once, sorted): the scenario's links and any made since."""
        sim = self.controller.sim()
        pairs: set[tuple[str, str]] = set()
        for spec in sim.scenario.parties:
            for link in spec.links:
                other = link.to or link.via
                if other in sim.parties:
                    pairs.add(_pair(sim.parties[spec.id].name, sim.parties[other].name))
        for party in sim.parties.values():
            for peer in party.connections:
                pairs.add(_pair(party.name, peer))
        return sorted(pairs)

    # --- actions ------------------------------------------------------------------------------

    def is_offline(self, party: str) -> bool:
        """Whether ``party`` is off the network now."""
        return self.live.is_offline(party)

    def outage_fault_on(self, party: str) -> bool:
        """Whether a fault (a scheduled outage, say) cuts ``party`` off now."""
        return self.live.outage_fault_on(party)

    def offline_by_hand(self, party: str) -> bool:
        """Whether ``party`` was taken offline here (so "Bring back" applies)."""
        return self.live.offline_by_hand(party)

    def take_offline(self, party: str) -> ActiveFault:
        """Take ``party`` off the network now."""
        return self._done(self.live.take_offline(party))

    def bring_back(self, party: str) -> bool:
        """Put a party taken offline by hand back on the network."""
        return self._done(self.live.bring_back(party))

    def set_latency(self, a: str, b: str, latency_ms: float) -> ActiveFault:
        """One-way latency of the link ``a``–``b`` from now on."""
        return self._done(self.live.set_latency(a, b, latency_ms))

    def inject_errors(self, a: str, b: str, kind: ErrorKind, rate_percent: float) -> ActiveFault:
        """Make the link ``a``–``b`` answer ``rate_percent`` % of its requests as ``kind`` says."""
        return self._done(self.live.inject_errors(a, b, kind, rate_percent / 100))

    def take_link_down(self, a: str, b: str) -> ActiveFault:
        """No connection between ``a`` and ``b`` from now on."""
        return self._done(self.live.take_link_down(a, b))

    def remove(self, key: str) -> bool:
        """Switch off one fault of ``active()`` (manual or scheduled) now."""
        return self._done(self.live.remove(key))

    def restore_all(self) -> int:
        """Switch off every fault now; returns how many were on."""
        return self._done(self.live.restore_all())

    def active(self) -> list[ActiveFault]:
        """The faults on now: manual ones first, then scheduled ones."""
        return self.live.active()

    def _done(self, result: T) -> T:
        self.changed.emit()
        self.controller.flush()  # the FaultChanged reaches every view now, even while paused
        return result


def _pair(a: str, b: str) -> tuple[str, str]:
    first, second = sorted((a, b))
    return first, second
