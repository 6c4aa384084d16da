"""``Metrics``: subscribes to the bus and answers KPIs, time series, settlement, expectations, invariants."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal

from sim.bus import EventBus
from sim.clock import SimClock
from sim.metrics import expectations, invariants, settlement, summary, timeseries
from sim.metrics.records import LocationKey, Records, SessionKey
from sim.pricing.result import Money
from sim.scenario.schema import Expectation

LATE_START_WINDOW_S = 600.0
"""How long after the eMSP gave up on a START_SESSION a session of that driver still counts as its own."""


class Metrics:
    """Every KPI of a run, computed from the events on ``bus`` (see ``sim.metrics`` for the keys).

    ``start`` is the run's origin (the clock's start); ``duration_s`` the planned run length: the run
    time of utilisation and of the time series is the time elapsed on ``clock`` capped at it, so a
    run cut short or a look mid-run is not diluted by time still to come.  ``evse_counts`` gives the
    EVSEs per (cpo, location_id); locations it does not name count the distinct EVSEs the events named.
    """

    def __init__(
        self,
        bus: EventBus,
        clock: SimClock,
        *,
        start: datetime,
        duration_s: float,
        evse_counts: Mapping[tuple[str, str], int] | None = None,
        late_start_window_s: float = LATE_START_WINDOW_S,
    ) -> None:
        self.clock = clock
        self.duration_s = duration_s
        self.evse_counts: dict[LocationKey, int] = dict(evse_counts or {})
        self.records = Records(start, late_start_window_s)
        self._unsubscribe = bus.subscribe(self.records.handle)

    def detach(self) -> None:
        """Stop listening to the bus (the figures so far stay available)."""
        self._unsubscribe()

    @property
    def now_s(self) -> float:
        """Run seconds on the clock."""
        return self.records.seconds(self.clock.now())

    @property
    def run_s(self) -> float:
        """The run time so far: elapsed simulated time, between 0 and ``duration_s``."""
        return min(max(self.now_s, 0.0), self.duration_s)

    def summary(self) -> dict[str, float | int]:
        """The flat KPI dict, keys in a fixed order (documented in ``sim.metrics``)."""
        return summary.build_summary(
            self.records, now_s=self.now_s, duration_s=self.duration_s, evse_counts=self.evse_counts
        )

    def timeseries(self, step_s: float) -> list[dict[str, float | int]]:
        """A few KPIs every ``step_s`` run seconds up to now (columns in ``sim.metrics.timeseries``)."""
        return timeseries.build_timeseries(self.records, step_s, self.run_s)

    def settlement(self) -> dict[tuple[str, str], Money]:
        """(emsp, cpo) → what the eMSP owes the CPO, from the CDRs it received (``ValueError`` on mixed currencies)."""
        return settlement.settlement_matrix(self.records)

    def settlement_by_currency(self) -> dict[tuple[str, str, str], tuple[int, Money]]:
        """(emsp, cpo, currency) → (CDRs, Σ totals); ``settlement_rows`` renders it."""
        return settlement.settlement_by_currency(self.records)

    def evaluate(self, expectations_: Iterable[Expectation]) -> list[expectations.ExpectationResult]:
        """Check a scenario's ``expect:`` list against the current summary."""
        return expectations.evaluate(expectations_, self.summary())

    def energy_consistent(self, tolerance: Decimal = invariants.TOLERANCE) -> list[str]:
        """Problems with Σ ``ChargeEnded`` kWh = Σ ``CDRIssued`` kWh (empty when it holds)."""
        return invariants.energy_consistent(self.records, tolerance)

    def cdr_totals_consistent(self, tolerance: Decimal = invariants.TOLERANCE) -> list[str]:
        """Problems with Σ CDR totals issued = Σ received, per currency and per CDR (empty when it holds)."""
        return invariants.cdr_totals_consistent(self.records, tolerance)

    def every_session_has_one_cdr(self, completed_sessions: Iterable[str | SessionKey] | None = None) -> list[str]:
        """Problems with "each completed session has exactly one CDR, delivered to its eMSP" (empty when it holds)."""
        return invariants.every_session_has_one_cdr(self.records, completed_sessions)
