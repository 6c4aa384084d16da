"""Daily plans per profile: deterministic per seed, weekday ≠ weekend, sensible times."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from sim.scenario.schema import Area, DriverProfile, Drivers, TokenKind
from sim.world.geo import Point, distance_km
from sim.world.profiles import DayPlan, Habits, Purpose, draw_habits, draw_traits, plan_day, weighted

AREA = Area(lat=52.37, lon=4.90, radius_km=10.0)
HOME = Point(52.36, 4.88)
MONDAY = date(2026, 3, 2)
SATURDAY = date(2026, 3, 7)
ZONE = "Europe/Amsterdam"


def habits(profile: DriverProfile, seed: str = "42:d1") -> Habits:
    return draw_habits(profile, HOME, AREA, random.Random(seed))


def plans(profile: DriverProfile, seed: str, days: int = 7) -> list[DayPlan]:
    rng = random.Random(seed)
    who = draw_habits(profile, HOME, AREA, rng)
    return [plan_day(who, MONDAY + timedelta(days=n), ZONE, rng) for n in range(days)]


def local_hours(plan: DayPlan) -> list[float]:
    zone = ZoneInfo(ZONE)
    return [t.depart.astimezone(zone).hour + t.depart.astimezone(zone).minute / 60 for t in plan.trips]


@pytest.mark.parametrize("profile", list(DriverProfile))
def test_plans_are_deterministic_per_seed_and_differ_between_seeds(profile: DriverProfile) -> None:
    assert plans(profile, "42:a") == plans(profile, "42:a")
    assert plans(profile, "42:a") != plans(profile, "42:b")


@pytest.mark.parametrize("profile", list(DriverProfile))
def test_every_plan_is_ordered_and_ends_at_home(profile: DriverProfile) -> None:
    for seed in range(20):
        for plan in plans(profile, f"s{seed}"):
            departures = [t.depart for t in plan.trips]
            assert departures == sorted(departures)
            assert all(t.depart.tzinfo is not None for t in plan.trips)
            if plan.trips:
                assert plan.trips[-1].destination == HOME
                assert plan.trips[-1].purpose is Purpose.HOME
            assert plan.weekend == (plan.day.weekday() >= 5)


def test_commuters_go_to_work_in_the_morning_and_home_in_the_evening_on_weekdays() -> None:
    for seed in range(30):
        rng = random.Random(f"c{seed}")
        who = draw_habits(DriverProfile.COMMUTER, HOME, AREA, rng)
        plan = plan_day(who, MONDAY, ZONE, rng)
        first, second = plan.trips[0], plan.trips[1]
        hours = local_hours(plan)
        assert (first.purpose, first.destination) == (Purpose.WORK, who.work)
        assert 5 <= hours[0] <= 11
        assert second.purpose is Purpose.HOME
        assert 6 <= hours[1] - hours[0] <= 11.5  # a working day
        assert first.km > 0


def test_weekends_differ_from_weekdays() -> None:
    for profile in DriverProfile:
        weekday_purposes, weekend_purposes = set(), set()
        weekday_starts, weekend_starts = [], []
        weekday_km, weekend_km = [], []
        for seed in range(30):
            week = plans(profile, f"w{seed}")
            for plan in week:
                purposes = {t.purpose for t in plan.trips}
                (weekend_purposes if plan.weekend else weekday_purposes).update(purposes)
                if plan.trips:
                    (weekend_starts if plan.weekend else weekday_starts).append(local_hours(plan)[0])
                    (weekend_km if plan.weekend else weekday_km).append(plan.total_km / len(plan.trips))
        start_shift = sum(weekend_starts) / len(weekend_starts) - sum(weekday_starts) / len(weekday_starts)
        trip_ratio = (sum(weekend_km) / len(weekend_km)) / (sum(weekday_km) / len(weekday_km))
        if profile is DriverProfile.COMMUTER:
            assert Purpose.WORK in weekday_purposes and Purpose.WORK not in weekend_purposes
            assert Purpose.LEISURE in weekend_purposes
        if profile is DriverProfile.SHOPPER:
            assert trip_ratio > 1.5  # weekend outings go further
        else:
            assert start_shift > 1.0, profile  # weekend days start later


def test_shoppers_make_one_or_two_midday_trips_with_stops_of_one_to_two_hours() -> None:
    for seed in range(30):
        rng = random.Random(f"s{seed}")
        who = draw_habits(DriverProfile.SHOPPER, HOME, AREA, rng)
        plan = plan_day(who, MONDAY, ZONE, rng)
        outings = [t for t in plan.trips if t.purpose is Purpose.SHOP]
        assert 1 <= len(outings) <= 2
        hours = local_hours(plan)
        assert all(9.5 <= h <= 19.5 for h in hours)
        stay = (plan.trips[1].depart - plan.trips[0].depart).total_seconds() / 3600
        assert 1.0 <= stay <= 2.6  # the stop plus the drive there


def test_ride_hailing_drivers_make_many_short_missable_trips() -> None:
    for seed in range(10):
        rng = random.Random(f"r{seed}")
        who = draw_habits(DriverProfile.RIDE_HAILING, HOME, AREA, rng)
        plan = plan_day(who, MONDAY, ZONE, rng)
        rides = [t for t in plan.trips if t.purpose is Purpose.RIDE]
        assert len(rides) >= 12
        assert all(t.missable for t in rides)
        assert all(t.km <= 8 * 1.3 + 1e-6 for t in rides)
        assert all(distance_km(t.destination, Point(AREA.lat, AREA.lon)) <= AREA.radius_km + 1e-6 for t in rides)
        assert 80 <= plan.total_km <= 400


def test_plans_follow_local_wall_time_across_the_dst_change() -> None:
    # 2026-03-29: Europe/Amsterdam moves from UTC+1 to UTC+2; the habit stays at the same wall time.
    rng = random.Random("dst")
    who = draw_habits(DriverProfile.COMMUTER, HOME, AREA, rng)
    before = plan_day(who, date(2026, 3, 27), ZONE, random.Random("x"))
    after = plan_day(who, date(2026, 3, 30), ZONE, random.Random("x"))
    assert local_hours(before)[0] == local_hours(after)[0]
    assert before.trips[0].depart.hour - after.trips[0].depart.hour == 1  # one hour earlier in UTC


def test_traits_are_drawn_from_the_mixes() -> None:
    spec = Drivers(
        ev_mix={"compact": 1.0, "van": 3.0},
        tokens={TokenKind.RFID: 0.5, TokenKind.APP: 0.5},
        profile={DriverProfile.SHOPPER: 1.0, DriverProfile.RIDE_HAILING: 1.0},
    )
    drawn = [draw_traits(spec, AREA, random.Random(f"t{n}")) for n in range(400)]
    vans = sum(t.ev.name == "van" for t in drawn) / len(drawn)
    assert vans == pytest.approx(0.75, abs=0.07)
    assert {t.kind for t in drawn} == {TokenKind.RFID, TokenKind.APP}
    assert {t.habits.profile for t in drawn} == {DriverProfile.SHOPPER, DriverProfile.RIDE_HAILING}
    assert all(Decimal("0.3") <= t.soc <= Decimal("0.9") for t in drawn)
    assert all(distance_km(t.habits.home, Point(AREA.lat, AREA.lon)) <= AREA.radius_km + 1e-6 for t in drawn)
    assert draw_traits(spec, AREA, random.Random("t1")) == drawn[1]


def test_weighted_draws_and_rejects_empty_mixes() -> None:
    rng = random.Random(0)
    assert {weighted(rng, {"a": 1.0, "b": 0.0}) for _ in range(50)} == {"a"}
    with pytest.raises(ValueError):
        weighted(rng, {"a": 0.0})


def test_habits_per_profile() -> None:
    commuter = habits(DriverProfile.COMMUTER)
    assert commuter.work is not None
    assert habits(DriverProfile.SHOPPER).work is None
    assert Decimal("0.2") <= commuter.charge_below <= Decimal("0.4")
    assert Decimal("0.2") <= habits(DriverProfile.RIDE_HAILING).charge_below <= Decimal("0.3")
