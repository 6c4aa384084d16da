"""Daily plans: where a driver goes when, by behaviour profile, weekday and weekend.

A driver has lasting ``Habits`` (drawn once: workplace, usual times, the state of charge under
which they look for a charger) and gets one ``DayPlan`` per local calendar day, drawn from the
driver's own generator, day after day in order — so a plan depends only on the seed, the driver
and the day.  Times are local wall times of the scenario's time zone (people leave for work at
07:45 whatever the UTC offset), stored as aware UTC datetimes.

Profiles (minutes are local wall time):

- **commuter** — weekdays: home → work around 07:45 (±15 min day to day, habit drawn 07:00–08:30),
  a working day of about 8½ h (habit 7½–9½ h), work → home; one evening in four a short errand
  (1.5–5 km, ½–1½ h).  Weekends: none, one or two outings (3–30 km, 1–4 h) from late morning.
- **shopper** — weekdays: one or two trips between 09:30 and 17:30 to a place 2–8 km away, staying
  1–2 h.  Weekends: one to three trips (3–15 km, 1–3 h) between 09:00 and 19:00.
- **ride-hailing** — a shift of rides (1.5–8 km straight line each, 4–20 min between them, a
  30–45 min break halfway): weekdays from about 07:00 to 19:00, weekends about 10:30 to 23:15.
  Rides are ``missable``: a driver late by more than ``MISS_AFTER_S`` (e.g. while charging) skips
  them.  They charge on DC when low, not at the end of the day.

Every plan ends at home.  Where a trip's destination would leave the area, it is pulled back
towards the area's centre.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar
from zoneinfo import ZoneInfo

from sim.scenario.schema import DriverProfile, Drivers, TokenKind
from sim.world.ev import EVModel, ev_model
from sim.world.geo import AreaLike, Point, drive_seconds, road_km, sample_in_area, sample_near

K = TypeVar("K")

MISS_AFTER_S = 1200.0
"""A missable trip (a ride) is skipped when the driver could only leave this much later."""

LATEST_DEPARTURE_MIN = 23 * 60 + 45


class Purpose(StrEnum):
    """Why a trip is made (where it goes)."""

    HOME = "home"
    WORK = "work"
    SHOP = "shop"
    ERRAND = "errand"
    LEISURE = "leisure"
    RIDE = "ride"


@dataclass(frozen=True)
class Trip:
    """One planned drive: leave at ``depart`` for ``destination``."""

    depart: datetime
    """Aware, in UTC."""
    purpose: Purpose
    destination: Point
    km: float
    """Planned road distance from the plan's previous stop (for look-ahead; the drive itself is
    measured from wherever the car really is)."""
    missable: bool = False


@dataclass(frozen=True)
class DayPlan:
    """The trips of one local calendar day, in departure order."""

    day: date
    weekend: bool
    trips: tuple[Trip, ...]

    @property
    def total_km(self) -> float:
        """Planned road kilometres of the day."""
        return sum(trip.km for trip in self.trips)


@dataclass(frozen=True)
class Area:
    """A circle on the map (the area a driver moves in)."""

    lat: float
    lon: float
    radius_km: float


@dataclass(frozen=True)
class Habits:
    """What stays the same for a driver from day to day."""

    profile: DriverProfile
    home: Point
    area: Area
    work: Point | None
    """Commuters only."""
    leave_min: int
    """Commuter: usual departure to work; shopper: earliest outing; ride-hailing: weekday shift start."""
    stay_min: int
    """Commuter: usual working day; ride-hailing: weekday shift length; shopper: unused (0)."""
    charge_below: Decimal
    """The state of charge under which the driver looks for a charger."""


def draw_habits(profile: DriverProfile, home: Point, area: AreaLike, rng: random.Random) -> Habits:
    """A driver's habits (draws, in order: workplace for commuters, usual times, charging threshold)."""
    circle = Area(area.lat, area.lon, area.radius_km)
    work = sample_in_area(circle, rng) if profile is DriverProfile.COMMUTER else None
    if profile is DriverProfile.COMMUTER:
        leave, stay = rng.randint(420, 510), rng.randint(450, 570)
        threshold = 0.2 + 0.2 * rng.random()
    elif profile is DriverProfile.SHOPPER:
        leave, stay = rng.randint(570, 660), 0
        threshold = 0.2 + 0.2 * rng.random()
    else:
        leave, stay = rng.randint(390, 480), rng.randint(660, 750)
        threshold = 0.2 + 0.1 * rng.random()
    return Habits(profile, home, circle, work, leave, stay, Decimal(str(round(threshold, 2))))


@dataclass(frozen=True)
class Traits:
    """Who a driver of a population is: car, habits, token kind, state of charge at the start."""

    ev: EVModel
    kind: TokenKind
    soc: Decimal
    habits: Habits


def draw_traits(spec: Drivers, area: AreaLike, rng: random.Random) -> Traits:
    """One driver of a population (draws, in order: EV model, profile, token kind — one each, even
    from a mix of one — then home, starting state of charge uniform in ``spec.initial_soc``, habits)."""
    model = ev_model(weighted(rng, spec.ev_mix))
    profiles = spec.profile if isinstance(spec.profile, Mapping) else {spec.profile: 1.0}
    profile = weighted(rng, profiles)
    kind = weighted(rng, spec.tokens)
    home = sample_in_area(area, rng)
    low, high = spec.initial_soc
    soc = Decimal(str(round(low + (high - low) * rng.random(), 2)))
    return Traits(model, kind, soc, draw_habits(profile, home, area, rng))


def weighted(rng: random.Random, weights: Mapping[K, float]) -> K:
    """A key drawn with probability proportional to its weight (one draw; keys in mapping order)."""
    keys = list(weights)
    if not keys or sum(weights.values()) <= 0:
        raise ValueError("a mix needs at least one positive weight")
    return keys[_pick(rng, tuple(weights[k] for k in keys))]


class _Day:
    """Builds one day's trips in order, keeping the position and the earliest next departure."""

    def __init__(self, habits: Habits, day: date, zone: ZoneInfo) -> None:
        self.habits = habits
        self.midnight = datetime.combine(day, time(0), tzinfo=zone)
        self.position = habits.home
        self.free_at = 0.0
        """Minute of the day at which the driver has arrived at the last destination."""
        self.trips: list[Trip] = []

    def go(self, depart_min: float, purpose: Purpose, where: Point, *, missable: bool = False) -> float:
        """Plan a trip (no earlier than the last arrival); returns the arrival minute."""
        depart_min = max(depart_min, self.free_at)
        km = road_km(self.position, where)
        # Wall-clock arithmetic in the local zone, then UTC: "07:45" stays 07:45 across DST.
        depart = (self.midnight + timedelta(minutes=round(depart_min))).astimezone(UTC)
        self.trips.append(Trip(depart, purpose, where, round(km, 3), missable))
        self.position = where
        self.free_at = round(depart_min) + drive_seconds(km) / 60
        return self.free_at

    def home(self, depart_min: float) -> None:
        if self.position != self.habits.home:
            self.go(depart_min, Purpose.HOME, self.habits.home)


def plan_day(habits: Habits, day: date, time_zone: str, rng: random.Random) -> DayPlan:
    """The plan of one local calendar day (see the module docstring for each profile)."""
    weekend = day.weekday() >= 5
    builder = _Day(habits, day, ZoneInfo(time_zone))
    if habits.profile is DriverProfile.COMMUTER:
        (_commuter_weekend if weekend else _commuter_weekday)(builder, rng)
    elif habits.profile is DriverProfile.SHOPPER:
        _shopper(builder, rng, weekend)
    else:
        _ride_hailing(builder, rng, weekend)
    return DayPlan(day, weekend, tuple(builder.trips))


def _pick(rng: random.Random, weights: tuple[float, ...]) -> int:
    """Index drawn with the given weights (one draw)."""
    draw = rng.random() * sum(weights)
    for index, weight in enumerate(weights):
        draw -= weight
        if draw < 0:
            return index
    return len(weights) - 1


def _around(rng: random.Random, mean: float, sigma: float, low: float, high: float) -> float:
    return min(high, max(low, rng.gauss(mean, sigma)))


def _commuter_weekday(day: _Day, rng: random.Random) -> None:
    habits = day.habits
    assert habits.work is not None
    leave = _around(rng, habits.leave_min, 15, 300, 660)
    at_work = day.go(leave, Purpose.WORK, habits.work)
    home = day.go(at_work + _around(rng, habits.stay_min, 30, 360, 660), Purpose.HOME, habits.home)
    if rng.random() < 0.25:
        depart = home + rng.uniform(60, 150)
        where = sample_near(habits.home, 1.5, 5.0, rng, within=habits.area)
        stay = rng.uniform(30, 90)
        if depart <= 21 * 60 + 30:
            back = day.go(depart, Purpose.ERRAND, where)
            day.home(back + stay)


def _commuter_weekend(day: _Day, rng: random.Random) -> None:
    habits = day.habits
    outings = _pick(rng, (0.3, 0.5, 0.2))
    start = rng.uniform(600, 840)
    for _ in range(outings):
        where = sample_near(habits.home, 3.0, 30.0, rng, within=habits.area)
        stay = rng.uniform(60, 240)
        if max(start, day.free_at) > 20 * 60:
            break
        arrived = day.go(start, Purpose.LEISURE, where)
        back = day.go(arrived + stay, Purpose.HOME, habits.home)
        start = back + rng.uniform(60, 180)


def _shopper(day: _Day, rng: random.Random, weekend: bool) -> None:
    habits = day.habits
    if weekend:
        count = 1 + _pick(rng, (0.3, 0.45, 0.25))
        start, near, far, longest, last = rng.uniform(540, 720), 3.0, 15.0, 180.0, 19 * 60
    else:
        count = 1 + _pick(rng, (0.6, 0.4))
        start, near, far, longest, last = habits.leave_min + rng.uniform(0, 150), 2.0, 8.0, 120.0, 17 * 60 + 30
    for _ in range(count):
        where = sample_near(habits.home, near, far, rng, within=habits.area)
        stay = rng.uniform(60, longest)
        if max(start, day.free_at) > last:
            break
        arrived = day.go(start, Purpose.SHOP, where)
        back = day.go(arrived + stay, Purpose.HOME, habits.home)
        start = back + rng.uniform(30 if weekend else 60, 150)


def _ride_hailing(day: _Day, rng: random.Random, weekend: bool) -> None:
    habits = day.habits
    if weekend:
        start = _around(rng, 630, 20, 570, 720)
        end = _around(rng, 1395, 15, 1320, LATEST_DEPARTURE_MIN)
    else:
        start = _around(rng, habits.leave_min, 15, 330, 540)
        end = min(LATEST_DEPARTURE_MIN, _around(rng, habits.leave_min + habits.stay_min, 20, 960, 1260))
    middle = (start + end) / 2
    cursor, rested = start, False
    while cursor < end:
        where = sample_near(day.position, 1.5, 8.0, rng, within=habits.area)
        wait = rng.uniform(4, 20)
        arrived = day.go(cursor, Purpose.RIDE, where, missable=True)
        cursor = arrived + wait
        if not rested and cursor >= middle:
            cursor += rng.uniform(30, 45)
            rested = True
    day.home(cursor)


__all__ = [
    "MISS_AFTER_S",
    "Area",
    "DayPlan",
    "Habits",
    "Purpose",
    "Traits",
    "Trip",
    "draw_habits",
    "draw_traits",
    "plan_day",
    "weighted",
]
