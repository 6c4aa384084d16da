"""The simulation clock: SimPy's ``env.now`` (seconds since the scenario start) as aware UTC datetimes.

Every timestamp that leaves a party — an envelope's ``timestamp``, a ``last_updated``, a query's
``date_from`` — comes from here, never from the wall clock, so a run can be replayed exactly.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import simpy


class SimClock:
    """Maps simulated seconds to datetimes; ``start`` is the scenario's start instant."""

    def __init__(self, env: simpy.Environment, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the simulation start must be timezone-aware")
        self.env = env
        self.start = start.astimezone(UTC)
        self._last: tuple[float, datetime] = (0.0, self.start)
        """The last instant worked out: many things ask for the time at the same simulated moment."""

    def now(self) -> datetime:
        """The current simulated instant (microsecond resolution)."""
        return self.at(self.env.now)

    def at(self, seconds: float) -> datetime:
        """The instant ``seconds`` after the start."""
        last_seconds, last_moment = self._last
        if seconds == last_seconds:
            return last_moment
        moment = self.start + timedelta(microseconds=round(seconds * 1_000_000))
        self._last = (seconds, moment)
        return moment

    def seconds_until(self, moment: datetime) -> float:
        """Simulated seconds from now until ``moment`` (negative if it has passed)."""
        return (moment - self.now()).total_seconds()
