"""The bridge between the simulation's event bus and Qt: events are buffered as they happen and handed
to the views once per timer tick, so the redraw rate never depends on the event rate."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sim.bus import EventBus
from sim.events import MessageExchanged


@dataclass
class EventBatch:
    """Everything published since the previous batch, in publication order."""

    events: list[Any] = field(default_factory=list)
    """Every event (exchanges and domain events alike)."""
    exchanges: list[MessageExchanged] = field(default_factory=list)
    """The ``MessageExchanged`` among ``events``."""
    now_s: float = 0.0
    """Simulated seconds since the start when the batch was taken."""

    def of(self, kind: type) -> list[Any]:
        """The events of one type."""
        return [e for e in self.events if isinstance(e, kind)]


class EventBridge:
    """Subscribes to every event on a bus; ``take`` hands over what arrived since the last call.

    Every exchange of the run is also kept in ``exchanges`` (the message inspector and the sequence
    diagram read them; a trace holds the same records).
    """

    def __init__(self, bus: EventBus) -> None:
        self._pending = EventBatch()
        self.exchanges: list[MessageExchanged] = []
        self.counts: dict[type, int] = {}
        self._unsubscribe = bus.subscribe(self._receive)

    def _receive(self, event: Any) -> None:
        self._pending.events.append(event)
        kind = type(event)
        self.counts[kind] = self.counts.get(kind, 0) + 1
        if kind is MessageExchanged:
            self._pending.exchanges.append(event)
            self.exchanges.append(event)

    def seen(self, kind: type) -> int:
        """How many events of ``kind`` have arrived so far."""
        return self.counts.get(kind, 0)

    def take(self, now_s: float) -> EventBatch:
        """The events since the previous ``take``."""
        batch, self._pending = self._pending, EventBatch()
        batch.now_s = now_s
        return batch

    def close(self) -> None:
        """Stop listening (the simulation is being replaced)."""
        self._unsubscribe()
