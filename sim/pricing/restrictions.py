"""Whether a tariff element's restrictions hold for a charging period.

Restrictions are evaluated at the start of each period, in the location's local time (so DST and
midnight are handled by the time zone).  The 2.2.1 bounds apply to both versions: ``start_time``,
``min_*`` inclusive; ``end_time``, ``max_*`` exclusive; ``start_date`` inclusive, ``end_date``
exclusive; ``end_time`` before ``start_time`` wraps past midnight and ``00:00`` as ``end_time`` means
the end of the day.  Power and current restrictions compare the period's momentary value; a period
that says nothing about power or current does not satisfy such a restriction (it cannot be shown to
hold).  ``min_kwh``/``max_kwh`` compare the energy charged in the session before the period,
``min_duration``/``max_duration`` the seconds since the session started.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sim.pricing.tariff import ReservationKind, Restrictions


@dataclass(frozen=True)
class PeriodState:
    """What restrictions look at, for one period."""

    local_start: datetime
    """Period start in the location's time zone."""
    duration_s: Decimal
    """Seconds since the session started."""
    energy_before_kwh: Decimal
    """Energy charged in the session before this period."""
    power_kw: Decimal | None
    current_a: Decimal | None
    reservation: bool
    """The period is part of a reservation (priced only by reservation elements)."""
    reservation_expired: bool


def restrictions_hold(restrictions: Restrictions, state: PeriodState) -> bool:
    """True when every set restriction holds (they are AND-ed)."""
    r = restrictions
    if not _phase(r, state):
        return False
    return (
        _time_of_day(r, state.local_start)
        and _dates(r, state.local_start)
        and (r.day_of_week is None or state.local_start.isoweekday() in r.day_of_week)
        and _between(state.energy_before_kwh, r.min_kwh, r.max_kwh)
        and _between(state.duration_s, _decimal(r.min_duration), _decimal(r.max_duration))
        and _momentary(state.power_kw, r.min_power, r.max_power)
        and _momentary(state.current_a, r.min_current, r.max_current)
    )


def _phase(r: Restrictions, state: PeriodState) -> bool:
    """Reservation elements price only reservations (expiry ones only expired ones); others the rest."""
    if r.reservation is None:
        return not state.reservation
    if r.reservation is ReservationKind.RESERVATION_EXPIRES:
        return state.reservation and state.reservation_expired
    return state.reservation


def _decimal(value: int | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _between(value: Decimal, low: Decimal | None, high: Decimal | None) -> bool:
    if low is not None and value < low:
        return False
    return not (high is not None and value >= high)


def _momentary(value: Decimal | None, low: Decimal | None, high: Decimal | None) -> bool:
    if low is None and high is None:
        return True
    return value is not None and _between(value, low, high)


def _time_of_day(r: Restrictions, moment: datetime) -> bool:
    now = moment.time().replace(tzinfo=None)
    start, end = r.start_time, None if r.end_time_is_midnight else r.end_time
    if start is None:
        return end is None or now < end
    if end is None:
        return now >= start
    if start < end:
        return start <= now < end
    if start > end:  # the window wraps past midnight
        return now >= start or now < end
    return True  # equal bounds: the whole day


def _dates(r: Restrictions, moment: datetime) -> bool:
    day = moment.date()
    if r.start_date is not None and day < r.start_date:
        return False
    return not (r.end_date is not None and day >= r.end_date)
