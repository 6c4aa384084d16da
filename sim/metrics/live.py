"""``LiveKPIs``: the time-series KPIs followed event by event, for charts that grow while a run goes on.

``sim.metrics.timeseries`` answers a whole series at once, after the fact; a live chart wants new
points as the events arrive, at a cost proportional to the events.  ``LiveKPIs.feed`` reads the
events in publication order (= simulated-time order) and keeps running totals with the same
definitions as the time series, so a sample here equals the row of ``Metrics.timeseries`` at the
same instant (events at exactly the instant included):

``active_sessions``   ``ChargeStarted`` so far minus ``ChargeEnded`` so far
``energy_kwh``        Σ ``ChargeEnded.kwh`` (Decimal)
``revenue``           Σ ``CDRIssued.total_excl`` per (CPO, currency), each CDR once (Decimal)
``refusals``          cumulative ``ChargeRefused``
``auth_denied``       cumulative ``AuthorizationDecided`` whose answer is not ``ALLOWED`` (blocked,
                      expired, no credit, not allowed, or no decision possible) — not in the time series
``errors``            cumulative erroneous exchanges (``sim.metrics.records.is_error``)

A sample is taken at every multiple of ``step_s`` run seconds once an event after it (or the
caller's ``advance_to``) shows that nothing more can happen at that instant; ``current`` is the
state after everything fed so far.  Charging power is not followed here: the time series derives
it after the fact from ended sessions, while a live chart reads the chargers (``charging_power_kw``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sim.events import AuthorizationDecided, CDRIssued, ChargeEnded, ChargeRefused, ChargeStarted, MessageExchanged
from sim.metrics.records import is_error

if TYPE_CHECKING:
    from sim.world.chargepoint import ChargePoint

ALLOWED = "ALLOWED"
RevenueKey = tuple[str, str]
"""(cpo, currency)."""


@dataclass(frozen=True)
class KPISample:
    """The KPIs at ``t_s`` run seconds."""

    t_s: float
    active_sessions: int
    energy_kwh: Decimal
    revenue: dict[RevenueKey, Decimal] = field(default_factory=dict)
    refusals: int = 0
    auth_denied: int = 0
    errors: int = 0


class LiveKPIs:
    """Running KPI totals and samples every ``step_s`` run seconds (see the module docstring)."""

    def __init__(self, start: datetime, step_s: float = 300.0) -> None:
        if step_s <= 0:
            raise ValueError(f"the sampling step must be positive, not {step_s}")
        self.start = start
        self.step_s = step_s
        self._samples_taken = 0
        self._next_sample_s = 0.0
        self._started = 0
        self._ended = 0
        self._energy = Decimal(0)
        self._revenue: dict[RevenueKey, Decimal] = {}
        self._cdrs: set[tuple[str, str]] = set()
        self._refusals = 0
        self._auth_denied = 0
        self._errors = 0
        self._last_s = 0.0
        self._pending: list[KPISample] = []

    def feed(self, events: Iterable[object]) -> None:
        """Take the events published since the previous call, in order."""
        for event in events:
            if isinstance(event, MessageExchanged):
                self._at(event.time)
                self._errors += is_error(event)
            elif isinstance(event, ChargeStarted):
                self._at(event.time)
                self._started += 1
            elif isinstance(event, ChargeEnded):
                self._at(event.time)
                self._ended += 1
                self._energy += event.kwh
            elif isinstance(event, CDRIssued):
                self._issued(event)
            elif isinstance(event, ChargeRefused):
                self._at(event.time)
                self._refusals += 1
            elif isinstance(event, AuthorizationDecided):
                self._at(event.time)
                self._auth_denied += event.allowed != ALLOWED

    def advance_to(self, now_s: float) -> None:
        """The clock reads ``now_s``: sample every step instant before it not sampled yet."""
        while self._next_sample_s < now_s:
            self._pending.append(self._snapshot(self._next_sample_s))
            self._samples_taken += 1
            self._next_sample_s = self._samples_taken * self.step_s
        self._last_s = max(self._last_s, now_s)

    def take_samples(self) -> list[KPISample]:
        """The step samples completed since the previous call, oldest first."""
        samples, self._pending = self._pending, []
        return samples

    def current(self, now_s: float | None = None) -> KPISample:
        """The KPIs after every event fed so far, stamped ``now_s`` (default: the latest instant seen)."""
        return self._snapshot(self._last_s if now_s is None else now_s)

    def _issued(self, event: CDRIssued) -> None:
        self._at(event.time)
        key = (event.cpo, event.cdr_id)
        if key in self._cdrs:  # delivered twice: counted once, as the metrics do
            return
        self._cdrs.add(key)
        revenue_key = (event.cpo, event.currency)
        self._revenue[revenue_key] = self._revenue.get(revenue_key, Decimal(0)) + event.total_excl

    def _at(self, moment: datetime) -> None:
        seconds = (moment - self.start).total_seconds()
        if seconds > self._next_sample_s:
            self.advance_to(seconds)
        self._last_s = max(self._last_s, seconds)

    def _snapshot(self, t_s: float) -> KPISample:
        return KPISample(
            t_s=t_s,
            active_sessions=max(self._started - self._ended, 0),
            energy_kwh=self._energy,
            revenue=dict(self._revenue),
            refusals=self._refusals,
            auth_denied=self._auth_denied,
            errors=self._errors,
        )


def charging_power_kw(charge_points: Iterable[ChargePoint]) -> Decimal:
    """Σ the power flowing now into the cars at ``charge_points`` (parked, finished or idle: 0)."""
    total = Decimal(0)
    for point in charge_points:
        charging = point.charging
        if charging is not None:
            total += charging.power_kw
    return total
