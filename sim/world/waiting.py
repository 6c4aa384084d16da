"""``FirstOf``: wait for whichever of some events comes first, scheduled exactly as SimPy's ``a | b``.

A charging session waits for the end of its step or a wake-up, once a simulated minute for hours:
``env.timeout(delay) | wake`` builds a ``simpy.AnyOf`` condition each time, which also assembles a
``ConditionValue`` of the events that occurred and unhooks itself from the others when it is
processed.  ``FirstOf`` triggers at the same moment in the same way — it succeeds (scheduled at
normal priority, now) when the first of its events is processed, or fails with it — so the run's
events happen in the same order; its value is simply None, and a later event finds it triggered and
does nothing.
"""

from __future__ import annotations

import simpy
from simpy.events import PENDING


class FirstOf(simpy.Event):
    """Succeeds when the first of ``events`` is processed (fails if that one failed)."""

    def __init__(self, env: simpy.Environment, *events: simpy.Event) -> None:
        super().__init__(env)
        for event in events:
            if event.callbacks is None:  # processed already
                self._check(event)
            else:
                event.callbacks.append(self._check)

    def _check(self, event: simpy.Event) -> None:
        if self._value is not PENDING:
            return
        if not event._ok:
            event._defused = True
            self.fail(event._value)
        else:
            self.succeed()


__all__ = ["FirstOf"]
