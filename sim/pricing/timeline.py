"""The period builder's input: a simulated charging timeline (SPEC-DIGEST §9.1).

A ``Timeline`` holds piecewise-constant ``Segment``s (RESERVATION, CHARGING or PARKING, with a
constant power and current each), the session start, the location's IANA time zone and the tariffs
(optionally a ``TariffChange`` schedule naming which tariff applies from when).
``Timeline.from_events`` builds the segments from ``TimelineEvent``s (plug-in, power samples, full,
unplug, reservation start/end).  ``sim.pricing.periods.build_periods`` turns a timeline into
ChargingPeriods.

Phases (2.2.1 erratum): CHARGING = the vehicle takes *or requests* power (an EVSE throttled to 0 kW
is still charging); PARKING = connected, not requesting power (no energy, no power/current);
RESERVATION = reserved, not yet connected.  Reservation segments must precede all others.

Power must be ≥ 0: energy export (V2G) is not modelled.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sim.pricing.engine import default_tariff
from sim.pricing.tariff import PricingTariff

ZERO = Decimal(0)


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
        self._check_order()
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

    def _check_order(self) -> None:
        """Contiguous segments, reservations first (``TimelineError`` naming the first fault)."""
        segments = self.segments
        # The usual case at C speed (a running session's timeline is made again at every update):
        # contiguous, and no reservation but perhaps the first segment.  Otherwise the pairs are
        # checked one by one, which finds the first fault.
        if [s.start for s in segments[1:]] == [s.end for s in segments[:-1]] and Phase.RESERVATION not in [
            s.phase for s in segments[1:]
        ]:
            return
        for before, after in pairwise(segments):
            if after.start != before.end:
                raise TimelineError(
                    f"segments must be contiguous: one ends {before.end.isoformat()}, "
                    f"the next starts {after.start.isoformat()}"
                )
            if after.phase is Phase.RESERVATION and before.phase is not Phase.RESERVATION:
                raise TimelineError(f"reservation after the vehicle was connected at {after.start.isoformat()}")

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


def _utc(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise TimelineError(f"{what} {moment.isoformat()} must be timezone-aware")
    return moment.astimezone(UTC)


__all__ = [
    "EventKind",
    "Phase",
    "Segment",
    "TariffChange",
    "Timeline",
    "TimelineError",
    "TimelineEvent",
]
