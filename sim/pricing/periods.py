"""The period builder: a simulated charging timeline → OCPI 2.2.1 ``ChargingPeriod`` list (SPEC-DIGEST §9.1).

Input is a ``Timeline``: piecewise-constant ``Segment``s (RESERVATION, CHARGING or PARKING, with a
constant power and current each), the session start, the location's IANA time zone and the tariffs
(optionally a ``TariffChange`` schedule naming which tariff applies from when).  ``build_periods``
returns the periods; ``periods_to_inputs`` turns them into the engine's ``PeriodInput``s, so
``price_session(timeline.tariffs, periods_to_inputs(periods), session_start=timeline.session_start,
session_end=timeline.end, time_zone=timeline.time_zone)`` prices a simulated session.

Phases (2.2.1 erratum): CHARGING = the vehicle takes *or requests* power (an EVSE throttled to 0 kW
is still charging); PARKING = connected, not requesting power (no energy, no power/current);
RESERVATION = reserved, not yet connected.  Reservation segments must precede all others.

**Boundaries.**  A period starts at the timeline start and at every instant where a restriction of a
tariff in use could change the price; restrictions are evaluated at period starts exactly as
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
  (the Wh-floored meter reading below must be ≥ the threshold rounded up to a whole Wh), solved
  exactly from the constant power of the segment, then rounded **up to the next whole second** (the
  restriction then surely holds at the period start; whole seconds also suit 2.1.1 DateTimes), but
  never past the end of that segment;
* **duration**: ``session_start + min_duration`` / ``+ max_duration`` seconds (exact);
* **tariff**: every ``TariffChange`` and every tariff ``start_date_time``/``end_date_time``, where the
  tariff in effect actually changes.

Thresholds come from every tariff in effect at some point of the timeline (extra periods are
allowed by the spec).  Boundaries outside the timeline are dropped; duplicates collapse.

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
  threshold comparisons above use the reported values.
* Start times are exact (calendar and duration boundaries are whole seconds anyway).  A period shorter
  than 0.36 s, possible only when segment edges are closer than that, may report a zero time volume.

Power must be ≥ 0: energy export (V2G) is not modelled.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal, localcontext
from enum import StrEnum
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sim.ocpi.v221.cdrs import CdrDimension, CdrDimensionType, ChargingPeriod
from sim.pricing.engine import PeriodInput, default_tariff
from sim.pricing.restrictions import PeriodState, restrictions_hold
from sim.pricing.tariff import PricingTariff, Restrictions

ZERO = Decimal(0)
ENERGY_QUANTUM = Decimal("0.001")
"""Reported energy resolution: 1 Wh in kWh."""
TIME_QUANTUM = Decimal("0.0001")
"""Reported time resolution in hours (0.36 s)."""
OBSERVATION_QUANTUM = Decimal("0.0001")
"""Reported power (kW) and current (A) resolution, when a value has more decimals."""

_MICROS = 1_000_000
_MICROS_PER_TIME_QUANTUM = 360_000
_KWS_PER_WH = Decimal("3.6")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_JUST_BEFORE = timedelta(microseconds=1)


class TimelineError(ValueError):
    """The timeline or its events are inconsistent; the message says what is wrong."""


class Phase(StrEnum):
    """What the session is doing during a segment."""

    RESERVATION = "RESERVATION"
    CHARGING = "CHARGING"
    PARKING = "PARKING"


@dataclass(frozen=True)
class Segment:
    """A stretch ``[start, end)`` with constant phase, power (kW) and current (A, sum over phases).

    Only CHARGING segments draw power; PARKING and RESERVATION segments have power 0 and no current.
    ``current_a`` None means "not measured" (no ``MIN_CURRENT``/``MAX_CURRENT`` is reported).
    Datetimes must be aware; they are held in UTC.
    """

    start: datetime
    end: datetime
    phase: Phase
    power_kw: Decimal = ZERO
    current_a: Decimal | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", _utc(self.start, "segment start"))
        object.__setattr__(self, "end", _utc(self.end, "segment end"))
        if self.end <= self.start:
            raise TimelineError(f"segment {self.start.isoformat()} … {self.end.isoformat()} is empty or reversed")
        if self.power_kw < 0:
            raise TimelineError(f"segment at {self.start.isoformat()}: negative power (export) is not modelled")
        if self.phase is not Phase.CHARGING and (self.power_kw != 0 or self.current_a is not None):
            raise TimelineError(
                f"segment at {self.start.isoformat()}: a {self.phase.value} segment draws no power or current"
            )


@dataclass(frozen=True)
class TariffChange:
    """From ``at`` on, the tariff with id ``tariff_id`` applies (e.g. a charging-profile change)."""

    at: datetime
    tariff_id: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", _utc(self.at, "tariff change"))


class EventKind(StrEnum):
    """Events of ``Timeline.from_events``."""

    RESERVATION_START = "RESERVATION_START"
    """A reservation begins (must be the first event)."""
    RESERVATION_END = "RESERVATION_END"
    """The reservation expires or is cancelled; the timeline ends unless PLUG_IN follows at once."""
    PLUG_IN = "PLUG_IN"
    """The vehicle is connected and requests power (ends a reservation); optional power/current."""
    POWER = "POWER"
    """A power sample, held until the next event; the vehicle (again) requests power → CHARGING."""
    FULL = "FULL"
    """The vehicle stops requesting power (full, or stopped): CHARGING → PARKING."""
    UNPLUG = "UNPLUG"
    """The vehicle leaves: the timeline ends."""


@dataclass(frozen=True)
class TimelineEvent:
    """One event at an instant; ``power_kw``/``current_a`` for PLUG_IN and POWER."""

    at: datetime
    kind: EventKind
    power_kw: Decimal | None = None
    current_a: Decimal | None = None


@dataclass(frozen=True)
class Timeline:
    """A simulated session: contiguous segments, the session start, time zone and tariffs.

    ``session_start`` is the Session/CDR ``start_date_time`` (durations count from it); it is
    usually the start of the first segment.  ``tariff_changes`` (sorted or not) say which tariff
    applies from when; before the first change, or without any, the only tariff applies, or with
    several the first valid at the moment preferring an untyped or REGULAR one (the engine's rule).
    """

    session_start: datetime
    segments: tuple[Segment, ...]
    time_zone: str
    tariffs: tuple[PricingTariff, ...] = ()
    tariff_changes: tuple[TariffChange, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "session_start", _utc(self.session_start, "session start"))
        object.__setattr__(self, "segments", tuple(self.segments))
        object.__setattr__(self, "tariffs", tuple(self.tariffs))
        object.__setattr__(self, "tariff_changes", tuple(sorted(self.tariff_changes, key=lambda c: c.at)))
        if not self.segments:
            raise TimelineError("a timeline needs at least one segment")
        for before, after in pairwise(self.segments):
            if after.start != before.end:
                raise TimelineError(
                    f"segments must be contiguous: one ends {before.end.isoformat()}, "
                    f"the next starts {after.start.isoformat()}"
                )
            if after.phase is Phase.RESERVATION and before.phase is not Phase.RESERVATION:
                raise TimelineError(f"reservation after the vehicle was connected at {after.start.isoformat()}")
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise TimelineError(f"unknown time zone {self.time_zone!r}") from None
        known = {t.id.casefold() for t in self.tariffs}
        for change in self.tariff_changes:
            if change.tariff_id.casefold() not in known:
                raise TimelineError(
                    f"tariff change at {change.at.isoformat()} names unknown tariff {change.tariff_id!r}"
                )

    @property
    def start(self) -> datetime:
        """Start of the first segment."""
        return self.segments[0].start

    @property
    def end(self) -> datetime:
        """End of the last segment (the session end)."""
        return self.segments[-1].end

    @property
    def zone(self) -> ZoneInfo:
        """The location's time zone."""
        return ZoneInfo(self.time_zone)

    def tariff_at(self, moment: datetime) -> PricingTariff | None:
        """The tariff in effect at ``moment`` (None if no tariff applies)."""
        scheduled = [c for c in self.tariff_changes if c.at <= moment]
        if scheduled:
            wanted = scheduled[-1].tariff_id.casefold()
            return next(t for t in self.tariffs if t.id.casefold() == wanted)
        return default_tariff(self.tariffs, moment)

    @classmethod
    def from_events(
        cls,
        events: Iterable[TimelineEvent],
        *,
        time_zone: str,
        tariffs: Sequence[PricingTariff] = (),
        tariff_changes: Sequence[TariffChange] = (),
        session_start: datetime | None = None,
    ) -> Timeline:
        """Build segments from events (sorted by time, stable for equal times; see ``EventKind``).

        Power is sample-and-hold: a PLUG_IN or POWER value holds until the next event.  PLUG_IN
        without power starts charging at 0 kW.  ``session_start`` defaults to the first event.
        """
        ordered = sorted(events, key=lambda e: _utc(e.at, "event"))
        if not ordered:
            raise TimelineError("no events")
        segments: list[Segment] = []
        phase: Phase | None = None
        power, current = ZERO, None
        since = _utc(ordered[0].at, "event")
        ended_at: datetime | None = None
        previous: EventKind | None = None
        for event in ordered:
            at = _utc(event.at, "event")
            reservation_used = previous is EventKind.RESERVATION_END and event.kind is EventKind.PLUG_IN
            if ended_at is not None and not (reservation_used and at == ended_at):
                raise TimelineError(f"{event.kind.value} at {at.isoformat()} after the timeline ended")
            if phase is not None and at > since:
                _append(segments, Segment(since, at, phase, power, current))
            since = at
            phase, power, current, ended_at = _apply(event, at, phase, power, current, ended_at)
            previous = event.kind
        if phase is not None:
            raise TimelineError("the timeline has no end: add UNPLUG or RESERVATION_END")
        return cls(
            session_start=_utc(ordered[0].at, "event") if session_start is None else session_start,
            segments=tuple(segments),
            time_zone=time_zone,
            tariffs=tuple(tariffs),
            tariff_changes=tuple(tariff_changes),
        )


def _apply(
    event: TimelineEvent, at: datetime, phase: Phase | None, power: Decimal, current: Decimal | None,
    ended_at: datetime | None,
) -> tuple[Phase | None, Decimal, Decimal | None, datetime | None]:  # fmt: skip
    """The state after ``event``: phase, power, current, and when the timeline ended (if it did)."""
    kind = event.kind
    plugged = phase in (Phase.CHARGING, Phase.PARKING)

    def wrong(state: str) -> TimelineError:
        return TimelineError(f"{kind.value} at {at.isoformat()} {state}")

    if kind is EventKind.RESERVATION_START:
        if phase is not None or ended_at is not None:
            raise wrong("must be the first event")
        return Phase.RESERVATION, ZERO, None, None
    if kind is EventKind.RESERVATION_END:
        if phase is not Phase.RESERVATION:
            raise wrong("without an active reservation")
        return None, ZERO, None, at
    if kind is EventKind.PLUG_IN:
        if plugged:
            raise wrong("while already connected")
        return Phase.CHARGING, event.power_kw or ZERO, event.current_a, None
    if not plugged:
        raise wrong("while no vehicle is connected")
    if kind is EventKind.POWER:
        if event.power_kw is None:
            raise wrong("carries no power_kw")
        return Phase.CHARGING, event.power_kw, event.current_a, None
    if kind is EventKind.FULL:
        return Phase.PARKING, ZERO, None, None
    return None, ZERO, None, at  # UNPLUG


def _append(segments: list[Segment], segment: Segment) -> None:
    """Append, extending the previous segment when nothing changes."""
    if segments:
        last = segments[-1]
        if (last.phase, last.power_kw, last.current_a) == (segment.phase, segment.power_kw, segment.current_a):
            segments[-1] = Segment(last.start, segment.end, last.phase, last.power_kw, last.current_a)
            return
    segments.append(segment)


# --- the builder ------------------------------------------------------------------------------------


def build_periods(timeline: Timeline) -> list[ChargingPeriod]:
    """The OCPI 2.2.1 charging periods of ``timeline`` (rules in the module docstring)."""
    return _Builder(timeline).periods()


def periods_to_inputs(periods: Iterable[ChargingPeriod]) -> list[PeriodInput]:
    """The engine's view of the periods (``PeriodInput.from_ocpi`` of each)."""
    return [PeriodInput.from_ocpi(period.to_wire(), period.start_date_time) for period in periods]


@dataclass(frozen=True)
class _Thresholds:
    energy: tuple[Decimal, ...]
    duration: tuple[int, ...]
    power: tuple[Decimal, ...]
    current: tuple[Decimal, ...]
    calendar: tuple[Restrictions, ...]
    """Calendar-only restrictions of every element that has any."""
    walls: tuple[time, ...]


class _Builder:
    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self.zone = timeline.zone
        self.start, self.end = timeline.start, timeline.end
        self.tariff_edges = self._tariff_boundaries()
        used: list[PricingTariff] = []
        for moment in [self.start, *self.tariff_edges]:
            tariff = timeline.tariff_at(moment)
            if tariff is not None and tariff not in used:
                used.append(tariff)
        self.thresholds = _thresholds(used)
        # exact cumulative energy (kW·s) at each segment start
        self.kws_at_start: list[Decimal] = []
        total = ZERO
        for segment in timeline.segments:
            self.kws_at_start.append(total)
            total += segment.power_kw * _seconds(segment.end - segment.start)
        plugged = [s.start for s in timeline.segments if s.phase is not Phase.RESERVATION]
        self.plug_in = plugged[0] if plugged else self.end

    # boundaries

    def boundaries(self) -> list[datetime]:
        found = {self.start}
        found |= self._segment_boundaries()
        found |= self._calendar_boundaries()
        found |= self._energy_boundaries()
        found |= {self.timeline.session_start + timedelta(seconds=s) for s in self.thresholds.duration}
        found |= self.tariff_edges
        return sorted(b for b in found if self.start <= b < self.end)

    def _segment_boundaries(self) -> set[datetime]:
        segments = self.timeline.segments
        return {
            after.start for before, after in pairwise(segments)
            if self._signature(before) != self._signature(after)
        }  # fmt: skip

    def _signature(self, segment: Segment) -> tuple[object, ...]:
        if segment.phase is not Phase.CHARGING:
            return (segment.phase,)
        power = _observed(segment.power_kw)
        current = None if segment.current_a is None else _observed(segment.current_a)
        currents = self.thresholds.current
        return (
            segment.phase,
            tuple(power >= t for t in self.thresholds.power),
            None if current is None or not currents else tuple(current >= t for t in currents),
            current is None and bool(currents),
        )

    def _calendar_boundaries(self) -> set[datetime]:
        if not self.thresholds.calendar:
            return set()
        first = self.start.astimezone(self.zone).date() - timedelta(days=1)
        last = self.end.astimezone(self.zone).date() + timedelta(days=1)
        candidates: set[datetime] = set()
        day = first
        while day <= last:
            for wall in self.thresholds.walls:
                candidates |= _wall_time_candidates(self.zone, day, wall)
            day += timedelta(days=1)
        return {
            u for u in candidates
            if self.start < u < self.end and self._calendar_state(u - _JUST_BEFORE) != self._calendar_state(u)
        }  # fmt: skip

    def _calendar_state(self, moment: datetime) -> tuple[bool, ...]:
        state = PeriodState(
            local_start=moment.astimezone(self.zone),
            duration_s=ZERO,
            energy_before_kwh=ZERO,
            power_kw=None,
            current_a=None,
            reservation=False,
            reservation_expired=False,
        )
        return tuple(restrictions_hold(r, state) for r in self.thresholds.calendar)

    def _energy_boundaries(self) -> set[datetime]:
        found: set[datetime] = set()
        for threshold in self.thresholds.energy:
            wh = int((threshold / ENERGY_QUANTUM).to_integral_value(rounding=ROUND_CEILING))
            if wh <= 0:
                continue  # holds from the start
            moment = self._energy_reaches(Decimal(wh) * _KWS_PER_WH)
            if moment is not None:
                found.add(moment)
        return found

    def _energy_reaches(self, kws: Decimal) -> datetime | None:
        """First whole second (or segment end) at which the exact cumulative energy is ≥ ``kws``."""
        for segment, before in zip(self.timeline.segments, self.kws_at_start, strict=True):
            if segment.power_kw <= 0:
                continue
            after = before + segment.power_kw * _seconds(segment.end - segment.start)
            if before < kws <= after:
                with localcontext() as ctx:
                    ctx.prec = 60
                    micros = ((kws - before) * _MICROS / segment.power_kw).to_integral_value(rounding=ROUND_CEILING)
                exact = segment.start + timedelta(microseconds=int(micros))
                return min(_ceil_second(exact), segment.end)
        return None

    def _tariff_boundaries(self) -> set[datetime]:
        timeline = self.timeline
        candidates = {c.at for c in timeline.tariff_changes}
        for tariff in timeline.tariffs:
            candidates |= {m for m in (tariff.start_date_time, tariff.end_date_time) if m is not None}
        return {
            u for u in candidates
            if self.start < u < self.end and timeline.tariff_at(u - _JUST_BEFORE) is not timeline.tariff_at(u)
        }  # fmt: skip

    # volumes

    def periods(self) -> list[ChargingPeriod]:
        edges = self.boundaries()
        return [self._period(a, b) for a, b in zip(edges, [*edges[1:], self.end], strict=True)]

    def _period(self, start: datetime, end: datetime) -> ChargingPeriod:
        inside = [s for s in self.timeline.segments if s.start < end and s.end > start]
        phase = inside[0].phase
        dimensions: list[CdrDimension] = []
        if phase is Phase.RESERVATION:
            volume = _hours(self.start, end) - _hours(self.start, start)
            dimensions.append(CdrDimension(type=CdrDimensionType.RESERVATION_TIME, volume=volume))
        elif phase is Phase.PARKING:
            volume = _hours(self.plug_in, end) - _hours(self.plug_in, start)
            dimensions.append(CdrDimension(type=CdrDimensionType.PARKING_TIME, volume=volume))
        else:
            energy = (self._wh(end) - self._wh(start)) * ENERGY_QUANTUM
            volume = _hours(self.plug_in, end) - _hours(self.plug_in, start)
            powers = [_observed(s.power_kw) for s in inside]
            dimensions += [
                CdrDimension(type=CdrDimensionType.ENERGY, volume=energy),
                CdrDimension(type=CdrDimensionType.TIME, volume=volume),
                CdrDimension(type=CdrDimensionType.MIN_POWER, volume=min(powers)),
                CdrDimension(type=CdrDimensionType.MAX_POWER, volume=max(powers)),
            ]
            currents = [_observed(s.current_a) for s in inside if s.current_a is not None]
            if currents and len(currents) == len(inside):
                dimensions += [
                    CdrDimension(type=CdrDimensionType.MIN_CURRENT, volume=min(currents)),
                    CdrDimension(type=CdrDimensionType.MAX_CURRENT, volume=max(currents)),
                ]
        tariff = self.timeline.tariff_at(start)
        return ChargingPeriod(start_date_time=start, dimensions=dimensions, tariff_id=tariff.id if tariff else None)

    def _wh(self, moment: datetime) -> int:
        """Whole Wh of the cumulative energy at ``moment`` (floored, like a meter register)."""
        kws = ZERO
        for segment, before in zip(self.timeline.segments, self.kws_at_start, strict=True):
            if segment.start <= moment <= segment.end:
                kws = before + segment.power_kw * _seconds(moment - segment.start)
                break
        return int(kws // _KWS_PER_WH)


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

    lo, hi = _epoch_seconds(low), -(-_micros(high - _EPOCH) // _MICROS)
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


# --- small helpers ----------------------------------------------------------------------------------


def _utc(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise TimelineError(f"{what} {moment.isoformat()} must be timezone-aware")
    return moment.astimezone(UTC)


def _micros(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * _MICROS + delta.microseconds


def _seconds(delta: timedelta) -> Decimal:
    """A duration in seconds, exactly."""
    return Decimal(_micros(delta)).scaleb(-6)


def _epoch_seconds(moment: datetime) -> int:
    return _micros(moment - _EPOCH) // _MICROS


def _ceil_second(moment: datetime) -> datetime:
    return moment + timedelta(microseconds=_MICROS - moment.microsecond) if moment.microsecond else moment


def _hours(anchor: datetime, moment: datetime) -> Decimal:
    """Hours from ``anchor`` to ``moment`` floored to ``TIME_QUANTUM`` (0 before the anchor)."""
    micros = max(_micros(moment - anchor), 0)
    return Decimal(micros // _MICROS_PER_TIME_QUANTUM) * TIME_QUANTUM


def _observed(value: Decimal) -> Decimal:
    """A power or current as reported: at most four decimals."""
    rounded = value.quantize(OBSERVATION_QUANTUM, rounding=ROUND_HALF_EVEN)
    return value if rounded == value else rounded


__all__ = [
    "ENERGY_QUANTUM",
    "TIME_QUANTUM",
    "EventKind",
    "Phase",
    "Segment",
    "TariffChange",
    "Timeline",
    "TimelineError",
    "TimelineEvent",
    "build_periods",
    "periods_to_inputs",
]
