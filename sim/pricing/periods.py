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
from collections.abc import Iterable
from datetime import datetime

from sim.ocpi.v221.cdrs import CdrDimension, CdrDimensionType, ChargingPeriod
from sim.pricing.boundaries import period_starts
from sim.pricing.engine import PeriodInput
from sim.pricing.metering import ENERGY_QUANTUM, Meter, hours, observed
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


def periods_to_inputs(periods: Iterable[ChargingPeriod]) -> list[PeriodInput]:
    """The engine's view of the periods (``PeriodInput.from_ocpi`` of each)."""
    return [PeriodInput.from_ocpi(period.to_wire(), period.start_date_time) for period in periods]


class _Builder:
    def __init__(self, timeline: Timeline, meter: Meter) -> None:
        self.timeline = timeline
        self.start, self.end = timeline.start, timeline.end
        self.meter = meter
        plugged = [s.start for s in timeline.segments if s.phase is not Phase.RESERVATION]
        self.plug_in = plugged[0] if plugged else self.end
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


__all__ = ["build_periods", "periods_to_inputs"]
