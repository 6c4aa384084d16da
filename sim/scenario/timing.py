"""When things happen in a run: scenario instants to simulated seconds."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


def resolve_instant(at: float | str, start: datetime, time_zone: str) -> float:
    """Seconds after ``start`` for an instant written as seconds or as ``"HH:MM"`` local wall time.

    A wall time means its first occurrence at or after the start, in the scenario's time zone (a
    run starting at 06:00 with an event at 05:00 gets it the next morning).
    """
    if not isinstance(at, str):
        return float(at)
    zone = ZoneInfo(time_zone)
    local_start = start.astimezone(zone)
    hours, minutes = (int(part) for part in at.split(":"))
    day = local_start.date()
    for offset in range(3):
        candidate = datetime.combine(day + timedelta(days=offset), time(hours, minutes), tzinfo=zone)
        moment = candidate.astimezone(UTC)  # compare and subtract in UTC: wall clocks lie across DST
        if moment >= start:
            return (moment - start).total_seconds()
    raise ValueError(f"cannot place {at!r} after {start.isoformat()}")  # pragma: no cover - 3 days always suffice
