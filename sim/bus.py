"""A small synchronous publish/subscribe bus for simulation events.

Subscribers are called in the order they subscribed, immediately, on the publisher's stack — there
is no queue and no thread, so the order of events in every consumer (trace, metrics, GUI bridge) is
the order they happened in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Handler = Callable[[Any], None]


class EventBus:
    """Delivers each published event to the handlers subscribed to its type (or to every type)."""

    def __init__(self) -> None:
        self._handlers: list[tuple[type | None, Handler]] = []

    def subscribe(self, handler: Handler, event_type: type | None = None) -> Callable[[], None]:
        """Call ``handler`` for every event of ``event_type`` (all events if None); returns an unsubscriber."""
        entry = (event_type, handler)
        self._handlers.append(entry)

        def unsubscribe() -> None:
            if entry in self._handlers:
                self._handlers.remove(entry)

        return unsubscribe

    def publish(self, event: object) -> None:
        """Hand ``event`` to every matching handler, in subscription order."""
        for event_type, handler in list(self._handlers):
            if event_type is None or isinstance(event, event_type):
                handler(event)
