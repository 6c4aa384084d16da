"""How the period builder measures a timeline: exact energy and time, and the resolution it reports.

Energy is kept exactly in kW·s and read like a Wh meter register (``Meter``); time volumes are
floored to 0.0001 h (``hours``); power and current are reported with at most four decimals
(``observed``).  The rules are written out in ``sim.pricing.periods``.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal, localcontext

from sim.pricing.timeline import Segment

ZERO = Decimal(0)
ENERGY_QUANTUM = Decimal("0.001")
"""Reported energy resolution: 1 Wh in kWh."""
TIME_QUANTUM = Decimal("0.0001")
"""Reported time resolution in hours (0.36 s)."""
OBSERVATION_QUANTUM = Decimal("0.0001")
"""Reported power (kW) and current (A) resolution, when a value has more decimals."""
KWS_PER_WH = Decimal("3.6")
"""kW·s in one Wh."""
MICROS = 1_000_000
"""Microseconds in one second."""

_MICROS_PER_TIME_QUANTUM = 360_000


class Meter:
    """The exact cumulative energy (kW·s) of contiguous segments, read like a Wh register.

    A running session's meter grows with its timeline (``append``, ``plus``): the readings of the
    segments already in it never change.
    """

    def __init__(self, segments: Sequence[Segment] = ()) -> None:
        self.segments: list[Segment] = []
        self.kws_at_start: list[Decimal] = []
        """Exact cumulative energy (kW·s) at each segment start."""
        self._ends: list[datetime] = []
        self._total = ZERO
        for segment in segments:
            self.append(segment)

    def append(self, segment: Segment) -> None:
        """Add the segment that follows the last one."""
        self.segments.append(segment)
        self.kws_at_start.append(self._total)
        self._ends.append(segment.end)
        self._total += segment.power_kw * seconds(segment.end - segment.start)

    def plus(self, segment: Segment) -> Meter:
        """A new meter of these segments and ``segment`` after them (this one is left as it is)."""
        meter = Meter()
        meter.segments, meter.kws_at_start, meter._ends = list(self.segments), list(self.kws_at_start), list(self._ends)
        meter._total = self._total
        meter.append(segment)
        return meter

    def wh(self, moment: datetime) -> int:
        """Whole Wh of the cumulative energy at ``moment`` (floored, like a meter register)."""
        kws = ZERO
        # Segments are contiguous (a Timeline's are): the first one ending at or after ``moment`` is
        # the first that holds it, if any does.
        index = bisect_left(self._ends, moment)
        if index < len(self.segments):
            segment = self.segments[index]
            if segment.start <= moment:
                kws = self.kws_at_start[index] + segment.power_kw * seconds(moment - segment.start)
        return int(kws // KWS_PER_WH)

    def reaches(self, kws: Decimal) -> datetime | None:
        """First whole second (or segment end) at which the exact cumulative energy is ≥ ``kws``."""
        for segment, before in zip(self.segments, self.kws_at_start, strict=True):
            if segment.power_kw <= 0:
                continue
            after = before + segment.power_kw * seconds(segment.end - segment.start)
            if before < kws <= after:
                with localcontext() as ctx:
                    ctx.prec = 60
                    offset = ((kws - before) * MICROS / segment.power_kw).to_integral_value(rounding=ROUND_CEILING)
                exact = segment.start + timedelta(microseconds=int(offset))
                return min(_ceil_second(exact), segment.end)
        return None


def micros(delta: timedelta) -> int:
    """A duration in whole microseconds (exact: timedeltas have microsecond resolution)."""
    return (delta.days * 86_400 + delta.seconds) * MICROS + delta.microseconds


def seconds(delta: timedelta) -> Decimal:
    """A duration in seconds, exactly."""
    return Decimal(micros(delta)).scaleb(-6)


def hours(anchor: datetime, moment: datetime) -> Decimal:
    """Hours from ``anchor`` to ``moment`` floored to ``TIME_QUANTUM`` (0 before the anchor)."""
    elapsed = max(micros(moment - anchor), 0)
    return Decimal(elapsed // _MICROS_PER_TIME_QUANTUM) * TIME_QUANTUM


def observed(value: Decimal) -> Decimal:
    """A power or current as reported: at most four decimals."""
    rounded = value.quantize(OBSERVATION_QUANTUM, rounding=ROUND_HALF_EVEN)
    return value if rounded == value else rounded


def _ceil_second(moment: datetime) -> datetime:
    return moment + timedelta(microseconds=MICROS - moment.microsecond) if moment.microsecond else moment


__all__ = [
    "ENERGY_QUANTUM",
    "KWS_PER_WH",
    "MICROS",
    "OBSERVATION_QUANTUM",
    "TIME_QUANTUM",
    "ZERO",
    "Meter",
    "hours",
    "micros",
    "observed",
    "seconds",
]
