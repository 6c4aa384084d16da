"""Where the period builder starts periods: every instant a tariff restriction could change the price.

A period starts at the timeline start and at every instant where a restriction of a tariff in use
could change the price; restrictions are evaluated at period starts exactly as
``sim.pricing.restrictions`` does (and the engine relies on that):

* **phase changes** (reservation → charging, charging ↔ parking) and the end of a reservation;
* **power/current**: segments are piecewise constant, so these only change at segment edges.  An
  edge between two charging segments splits only when the value moves across a threshold, i.e. when
  ``value >= t`` changes for some ``min_power``/``max_power`` (``min_current``/``max_current``) value
  ``t`` or the current becomes (un)known.  Adjacent segments on the same side of every threshold merge
  into one period whose ``MIN_POWER``/``MAX_POWER`` (``MIN_CURRENT``/``MAX_CURRENT``) are the extremes
  of its segments — still on that side, so the engine's reading (their mean) matches too;
* **calendar**: for every local date the timeline touches (± one day), the local wall times 00:00
  and every ``start_time``/``end_time`` are converted to UTC with ``zoneinfo`` — both readings
  (``fold`` 0 and 1) of a repeated wall time, and for a wall time that is skipped or repeated also the
  UTC-offset transition between the readings (on a spring-forward day a 02:30 ``start_time`` becomes
  true at the jump, 03:00 local; on a fall-back day a window starting at 02:30 opens at the first
  02:30, closes when the clock falls back to 02:00 and opens again at the second 02:30).  A
  candidate is kept only if some element's calendar restrictions (times, dates, weekdays) hold
  differently just before and at it — so midnight splits only where ``day_of_week``, ``start_date``,
  ``end_date`` or a 00:00 time makes it matter;
* **energy**: the instant the *reported* cumulative energy first reaches each ``min_kwh``/``max_kwh``
  (the Wh-floored meter reading must be ≥ the threshold rounded up to a whole Wh), solved
  exactly from the constant power of the segment, then rounded **up to the next whole second** (the
  restriction then surely holds at the period start; whole seconds also suit 2.1.1 DateTimes), but
  never past the end of that segment;
* **duration**: ``session_start + min_duration`` / ``+ max_duration`` seconds (exact);
* **tariff**: every ``TariffChange`` and every tariff ``start_date_time``/``end_date_time``, where the
  tariff in effect actually changes.

Thresholds come from every tariff in effect at some point of the timeline (extra periods are
allowed by the spec), or from every tariff of the timeline with ``all_tariffs`` — then a timeline
that only grows at its end (a running session) never gains a boundary inside a stretch it already
had.  ``extra`` instants start a period anyway (a running session's update instants, so that the
periods sent in an update are closed there and never change).  Boundaries outside the timeline are
dropped; duplicates collapse.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_CEILING, Decimal
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo

from sim.pricing.metering import ENERGY_QUANTUM, KWS_PER_WH, MICROS, ZERO, Meter, micros, observed
from sim.pricing.restrictions import PeriodState, restrictions_hold
from sim.pricing.tariff import PricingTariff, Restrictions
from sim.pricing.timeline import Phase, Segment, Timeline

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_JUST_BEFORE = timedelta(microseconds=1)


def period_starts(
    timeline: Timeline,
    *,
    extra: Iterable[datetime] = (),
    all_tariffs: bool = False,
    since: datetime | None = None,
    meter: Meter | None = None,
    rules: TariffRules | None = None,
) -> list[datetime]:
    """The sorted period starts of ``timeline``: its start, then every boundary inside it.

    ``extra`` instants are boundaries too; ``all_tariffs`` takes thresholds from every tariff of the
    timeline, not only those in effect (see the module docstring); ``since``: only the starts from
    that instant on (the list's tail, found without looking at the segments before it); ``meter``:
    the timeline's ``Meter`` if the caller has one; ``rules``: with ``all_tariffs``, the
    ``TariffRules`` of the timeline's tariffs and zone if the caller keeps them.
    """
    return _Boundaries(timeline, all_tariffs=all_tariffs, meter=meter, rules=rules).starts(extra, since)


@dataclass(frozen=True)
class _Thresholds:
    energy: tuple[Decimal, ...]
    duration: tuple[int, ...]
    power: tuple[Decimal, ...]
    current: tuple[Decimal, ...]
    calendar: tuple[Restrictions, ...]
    """Calendar-only restrictions of every element that has any."""
    walls: tuple[time, ...]


class TariffRules:
    """What the boundaries take from some tariffs in one time zone: their thresholds, and the calendar
    boundaries of each local day (worked out once per day).

    A running session keeps the rules of its tariffs for all its builds (``all_tariffs``): they depend
    only on the tariffs and the zone, which never change during a session.
    """

    def __init__(self, tariffs: Sequence[PricingTariff], zone: ZoneInfo) -> None:
        self.thresholds = _thresholds(tariffs)
        self.zone = zone
        self._days: dict[date, frozenset[datetime]] = {}

    def calendar_changes(self, day: date) -> frozenset[datetime]:
        """The instants of local ``day`` where the calendar restrictions hold differently just before
        and at the instant."""
        changes = self._days.get(day)
        if changes is None:
            thresholds = self.thresholds
            changes = self._days[day] = _calendar_changes(self.zone, day, thresholds.walls, thresholds.calendar)
        return changes


class _Boundaries:
    def __init__(
        self,
        timeline: Timeline,
        *,
        all_tariffs: bool = False,
        meter: Meter | None = None,
        rules: TariffRules | None = None,
    ) -> None:
        self.timeline = timeline
        self.zone = timeline.zone
        self.start, self.end = timeline.start, timeline.end
        self.tariff_edges = self._tariff_boundaries()
        if rules is None or not all_tariffs:
            used: list[PricingTariff] = list(timeline.tariffs) if all_tariffs else []
            for moment in [self.start, *self.tariff_edges]:
                tariff = timeline.tariff_at(moment)
                if tariff is not None and tariff not in used:
                    used.append(tariff)
            rules = TariffRules(used, self.zone)
        # With ``all_tariffs`` the tariffs used are exactly ``timeline.tariffs`` (the tariff in effect
        # is always one of them), so the given rules of those are what the lines above would make.
        self.rules = rules
        self.thresholds = rules.thresholds
        self.meter = meter or Meter(timeline.segments)

    def starts(self, extra: Iterable[datetime] = (), since: datetime | None = None) -> list[datetime]:
        first = self.start if since is None else max(self.start, since)
        found = {self.start} | {moment.astimezone(UTC) for moment in extra}
        found |= self._segment_boundaries(first)
        found |= self._calendar_boundaries(first)
        found |= self._energy_boundaries()
        found |= {self.timeline.session_start + timedelta(seconds=s) for s in self.thresholds.duration}
        found |= self.tariff_edges
        return sorted(b for b in found if first <= b < self.end)

    def _segment_boundaries(self, first: datetime) -> set[datetime]:
        """Starts of segments from ``first`` on whose price signature differs from the segment before."""
        segments = self.timeline.segments
        # Segments are contiguous and sorted: those starting before ``first`` give earlier boundaries.
        index = max(1, bisect_left([segment.start for segment in segments], first))
        return {
            after.start for before, after in pairwise(segments[index - 1 :])
            if self._signature(before) != self._signature(after)
        }  # fmt: skip

    def _signature(self, segment: Segment) -> tuple[object, ...]:
        if segment.phase is not Phase.CHARGING:
            return (segment.phase,)
        power = observed(segment.power_kw)
        current = None if segment.current_a is None else observed(segment.current_a)
        currents = self.thresholds.current
        return (
            segment.phase,
            tuple(power >= t for t in self.thresholds.power),
            None if current is None or not currents else tuple(current >= t for t in currents),
            current is None and bool(currents),
        )

    def _calendar_boundaries(self, since: datetime) -> set[datetime]:
        """Calendar boundaries; those of local days more than a day before ``since`` are all earlier
        than it and not looked for."""
        if not self.thresholds.calendar:
            return set()
        first = since.astimezone(self.zone).date() - timedelta(days=1)
        last = self.end.astimezone(self.zone).date() + timedelta(days=1)
        changes: set[datetime] = set()
        day = first
        while day <= last:
            changes |= self.rules.calendar_changes(day)
            day += timedelta(days=1)
        return {u for u in changes if self.start < u < self.end}

    def _energy_boundaries(self) -> set[datetime]:
        found: set[datetime] = set()
        for threshold in self.thresholds.energy:
            wh = int((threshold / ENERGY_QUANTUM).to_integral_value(rounding=ROUND_CEILING))
            if wh <= 0:
                continue  # holds from the start
            moment = self.meter.reaches(Decimal(wh) * KWS_PER_WH)
            if moment is not None:
                found.add(moment)
        return found

    def _tariff_boundaries(self) -> set[datetime]:
        timeline = self.timeline
        candidates = {c.at for c in timeline.tariff_changes}
        for tariff in timeline.tariffs:
            candidates |= {m for m in (tariff.start_date_time, tariff.end_date_time) if m is not None}
        return {
            u for u in candidates
            if self.start < u < self.end and timeline.tariff_at(u - _JUST_BEFORE) is not timeline.tariff_at(u)
        }  # fmt: skip


@lru_cache(maxsize=1024)
def _calendar_changes(
    zone: ZoneInfo, day: date, walls: tuple[time, ...], calendar: tuple[Restrictions, ...]
) -> frozenset[datetime]:
    """The wall-time candidates of one local day where the calendar restrictions hold differently just
    before and at the instant (the same for every period build of every session there)."""
    candidates: set[datetime] = set()
    for wall in walls:
        candidates |= _wall_time_candidates(zone, day, wall)
    return frozenset(
        u for u in candidates if _calendar_state(zone, calendar, u - _JUST_BEFORE) != _calendar_state(zone, calendar, u)
    )


def _calendar_state(zone: ZoneInfo, calendar: tuple[Restrictions, ...], moment: datetime) -> tuple[bool, ...]:
    state = PeriodState(
        local_start=moment.astimezone(zone),
        duration_s=ZERO,
        energy_before_kwh=ZERO,
        power_kw=None,
        current_a=None,
        reservation=False,
        reservation_expired=False,
    )
    return tuple(restrictions_hold(r, state) for r in calendar)


def _thresholds(tariffs: Sequence[PricingTariff]) -> _Thresholds:
    restrictions = [e.restrictions for t in tariffs for e in t.elements]

    def values(name: str) -> list[Decimal]:
        found: list[Decimal] = []
        for r in restrictions:
            for bound in ("min_", "max_"):
                value = getattr(r, bound + name)
                if value is not None:
                    found.append(Decimal(value))
        return sorted(set(found))

    calendar = [
        Restrictions(
            start_time=r.start_time,
            end_time=r.end_time,
            end_time_is_midnight=r.end_time_is_midnight,
            start_date=r.start_date,
            end_date=r.end_date,
            day_of_week=r.day_of_week,
        )
        for r in restrictions
        if r.start_time or r.end_time or r.start_date or r.end_date or r.day_of_week is not None
    ]
    walls = {time(0, 0)} | {t for r in calendar for t in (r.start_time, r.end_time) if t is not None}
    return _Thresholds(
        energy=tuple(values("kwh")),
        duration=tuple(int(v) for v in values("duration")),
        power=tuple(values("power")),
        current=tuple(values("current")),
        calendar=tuple(calendar),
        walls=tuple(sorted(walls)),
    )


def _wall_time_candidates(zone: ZoneInfo, day: date, wall: time) -> set[datetime]:
    """UTC instants where the local clock shows ``wall`` on ``day``, or jumps over/back across it.

    Both ``fold`` readings are taken; when they differ the wall time is skipped or repeated and the
    offset transition between them is added (the filter in the builder keeps what matters).
    """
    naive = datetime.combine(day, wall)
    readings = {naive.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1)}
    if len(readings) > 1:
        readings.add(_transition(zone, min(readings), max(readings)))
    return readings


def _transition(zone: ZoneInfo, low: datetime, high: datetime) -> datetime:
    """The first whole second in ``(low, high]`` whose UTC offset differs from that at ``low``."""

    def offset(second: int) -> timedelta | None:
        return (_EPOCH + timedelta(seconds=second)).astimezone(zone).utcoffset()

    lo, hi = _epoch_seconds(low), -(-micros(high - _EPOCH) // MICROS)
    before = offset(lo)
    if offset(hi) == before:
        return high
    while hi - lo > 1:
        middle = (lo + hi) // 2
        if offset(middle) == before:
            lo = middle
        else:
            hi = middle
    return _EPOCH + timedelta(seconds=hi)


def _epoch_seconds(moment: datetime) -> int:
    return micros(moment - _EPOCH) // MICROS


__all__ = ["TariffRules", "period_starts"]
