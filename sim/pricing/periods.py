"""The period builder: a simulated charging timeline → OCPI 2.2.1 ``ChargingPeriod`` list (SPEC-DIGEST §9.1).

Input is a ``Timeline`` (``sim.pricing.timeline``): piecewise-constant segments (RESERVATION,
CHARGING or PARKING, with a constant power and current each), the session start, the location's IANA
time zone and the tariffs.  ``build_periods`` returns the periods; ``periods_to_inputs`` turns them
into the engine's ``PeriodInput``s, so ``price_session(timeline.tariffs, periods_to_inputs(periods),
session_start=timeline.session_start, session_end=timeline.end, time_zone=timeline.time_zone)``
prices a simulated session.

A period starts at the timeline start and at every instant where a restriction of a tariff in use
could change the price (the rules are in ``sim.pricing.boundaries``), and at any ``extra_boundaries``
the caller forces.  A running session builds its periods again at every update from its timeline
so far, with the earlier update instants forced and ``all_tariffs`` set: the periods before an
update instant are then the same in every later build (volumes are meter readings at the period
edges, which do not depend on what comes after), so what was sent in an update never changes.

**Volumes and precision.**  Each period carries what was consumed in it: CHARGING → ``ENERGY`` (kWh)
and ``TIME`` (h), plus ``MIN_POWER``/``MAX_POWER`` (kW), and ``MIN_CURRENT``/``MAX_CURRENT`` (A)
when every segment of the period knows its current; PARKING → ``PARKING_TIME`` (h); RESERVATION →
``RESERVATION_TIME`` (h).  ``tariff_id`` is set whenever a tariff is in effect.

* Energy is reported in whole **Wh (0.001 kWh)**, the ENERGY step unit, like a Wh meter register read
  at every boundary: a period's volume is ``floor(E(end)) − floor(E(start))`` of the exact
  cumulative energy (kW·s are kept exactly).  The volumes therefore sum to the session energy floored
  to 1 Wh, never drift, and the energy *before* a period (the engine's ``min_kwh`` input) is exactly
  the floored meter reading at its start.
* Time is reported in **0.0001 h (0.36 s)**, OCPI's four decimals, the same way: cumulative time is
  floored, per stream.  TIME and PARKING_TIME form one stream from the first charging/parking instant,
  RESERVATION_TIME its own stream from the reservation start (the engine rounds them separately too).
  So TIME + PARKING_TIME never exceeds the time from plug-in to the end (nor the session length when
  the session starts no later than plug-in), and falls short of it by less than 0.0001 h.
* Power and current are reported as given, rounded half-even to four decimals if they have more; the
  threshold comparisons of the boundaries use the reported values.
* Start times are exact (calendar and duration boundaries are whole seconds anyway).  A period shorter
  than 0.36 s, possible only when segment edges are closer than that, may report a zero time volume.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sim.ocpi.v221.cdrs import CdrDimension, CdrDimensionType, ChargingPeriod
from sim.pricing.boundaries import TariffRules, period_starts
from sim.pricing.engine import PeriodInput
from sim.pricing.metering import ENERGY_QUANTUM, Meter, hours, observed
from sim.pricing.tariff import PricingTariff
from sim.pricing.timeline import Phase, Segment, Timeline


def build_periods(
    timeline: Timeline,
    *,
    extra_boundaries: Iterable[datetime] = (),
    all_tariffs: bool = False,
    since: datetime | None = None,
) -> list[ChargingPeriod]:
    """The OCPI 2.2.1 charging periods of ``timeline`` (rules in the module docstring).

    ``extra_boundaries``: instants where a period starts anyway (those outside the timeline are
    ignored); ``all_tariffs``: take price thresholds from every tariff of the timeline, not only
    those in effect (``sim.pricing.boundaries``); ``since``: only the periods starting then or later
    (the same ones the full list ends with — a running session builds only what it has not sent).
    """
    meter = Meter(timeline.segments)
    edges = period_starts(timeline, extra=extra_boundaries, all_tariffs=all_tariffs, since=since, meter=meter)
    return _Builder(timeline, meter).periods(edges)


class SessionPeriods:
    """``build_periods`` with ``all_tariffs`` for a running session, whose timeline only grows at its
    end and whose periods are built again at every update.

    The segments before the last can no longer change (``close`` hands each over once), so their
    meter readings are kept (``Meter`` grows with them), and so are the tariffs' thresholds and
    calendar boundaries (``TariffRules``: a session's tariffs and time zone never change).  A build
    measures only the last segment again, and gives the periods ``build_periods`` gives for the
    whole timeline.
    """

    def __init__(self, *, session_start: datetime, time_zone: str, tariffs: Sequence[PricingTariff]) -> None:
        self.session_start, self.time_zone, self.tariffs = session_start, time_zone, tuple(tariffs)
        self.closed: list[Segment] = []
        """The segments that will not change any more, in order."""
        self._meter = Meter()
        """The meter of ``closed``."""
        self._rules: TariffRules | None = None

    def close(self, segment: Segment) -> None:
        """``segment`` follows the closed ones and will not change any more."""
        self.closed.append(segment)
        self._meter.append(segment)

    def build(
        self, last: Segment, *, extra_boundaries: Iterable[datetime] = (), since: datetime | None = None
    ) -> list[ChargingPeriod]:
        """``build_periods(timeline, extra_boundaries=…, all_tariffs=True, since=…)`` of the timeline of
        the closed segments and ``last``."""
        timeline = Timeline(
            session_start=self.session_start,
            segments=(*self.closed, last),
            time_zone=self.time_zone,
            tariffs=self.tariffs,
        )
        if self._rules is None:
            self._rules = TariffRules(timeline.tariffs, timeline.zone)
        meter = self._meter.plus(last)
        edges = period_starts(
            timeline, extra=extra_boundaries, all_tariffs=True, since=since, meter=meter, rules=self._rules
        )
        return _Builder(timeline, meter).periods(edges)


def periods_to_inputs(periods: Iterable[ChargingPeriod]) -> list[PeriodInput]:
    """The engine's view of the periods (``PeriodInput.from_ocpi`` of each)."""
    return [PeriodInput.from_ocpi(_wire(period), period.start_date_time) for period in periods]


def _wire(period: ChargingPeriod) -> dict[str, Any]:
    """What ``PeriodInput.from_ocpi`` reads of ``period.to_wire()`` — the same objects (python-mode
    dumps keep Decimals and enum members), without dumping the whole model."""
    if type(period) is not ChargingPeriod:  # e.g. a subclass: as it dumps itself
        return period.to_wire()
    return {
        "dimensions": [{"type": dimension.type, "volume": dimension.volume} for dimension in period.dimensions],
        "tariff_id": period.tariff_id,
    }


class _Builder:
    def __init__(self, timeline: Timeline, meter: Meter) -> None:
        self.timeline = timeline
        self.start, self.end = timeline.start, timeline.end
        self.meter = meter
        self.plug_in = next((s.start for s in timeline.segments if s.phase is not Phase.RESERVATION), self.end)
        self.segment_ends = [s.end for s in timeline.segments]

    def periods(self, edges: list[datetime]) -> list[ChargingPeriod]:
        """The periods starting at ``edges`` (each ends where the next starts, the last at the end)."""
        return [self._period(a, b) for a, b in zip(edges, [*edges[1:], self.end], strict=True)]

    def _inside(self, start: datetime, end: datetime) -> list[Segment]:
        """The segments overlapping ``[start, end)``, in order (segments are contiguous and sorted)."""
        segments = self.timeline.segments
        index = bisect_right(self.segment_ends, start)  # the first segment ending after ``start``
        inside = []
        while index < len(segments) and segments[index].start < end:
            inside.append(segments[index])
            index += 1
        return inside

    def _period(self, start: datetime, end: datetime) -> ChargingPeriod:
        inside = self._inside(start, end)
        phase = inside[0].phase
        dimensions: list[CdrDimension] = []
        if phase is Phase.RESERVATION:
            volume = hours(self.start, end) - hours(self.start, start)
            dimensions.append(CdrDimension(type=CdrDimensionType.RESERVATION_TIME, volume=volume))
        elif phase is Phase.PARKING:
            volume = hours(self.plug_in, end) - hours(self.plug_in, start)
            dimensions.append(CdrDimension(type=CdrDimensionType.PARKING_TIME, volume=volume))
        else:
            energy = (self.meter.wh(end) - self.meter.wh(start)) * ENERGY_QUANTUM
            volume = hours(self.plug_in, end) - hours(self.plug_in, start)
            powers = [observed(s.power_kw) for s in inside]
            dimensions += [
                CdrDimension(type=CdrDimensionType.ENERGY, volume=energy),
                CdrDimension(type=CdrDimensionType.TIME, volume=volume),
                CdrDimension(type=CdrDimensionType.MIN_POWER, volume=min(powers)),
                CdrDimension(type=CdrDimensionType.MAX_POWER, volume=max(powers)),
            ]
            currents = [observed(s.current_a) for s in inside if s.current_a is not None]
            if currents and len(currents) == len(inside):
                dimensions += [
                    CdrDimension(type=CdrDimensionType.MIN_CURRENT, volume=min(currents)),
                    CdrDimension(type=CdrDimensionType.MAX_CURRENT, volume=max(currents)),
                ]
        tariff = self.timeline.tariff_at(start)
        return ChargingPeriod(start_date_time=start, dimensions=dimensions, tariff_id=tariff.id if tariff else None)


__all__ = ["SessionPeriods", "build_periods", "periods_to_inputs"]
