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

    def now(self) -> datetime:
        """The current simulated instant (microsecond resolution)."""
        return self.at(self.env.now)

    def at(self, seconds: float) -> datetime:
        """The instant ``seconds`` after the start."""
        return self.start + timedelta(microseconds=round(seconds * 1_000_000))

    def seconds_until(self, moment: datetime) -> float:
        """Simulated seconds from now until ``moment`` (negative if it has passed)."""
        return (moment - self.now()).total_seconds()
