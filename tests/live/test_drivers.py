"""Where a driver on the way to a charger is drawn."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from sim.live.drivers import DriverDot, drivers_to_chargers, position_on
from sim.world.geo import Point


@dataclass(frozen=True)
class Leg:
    origin: Point
    destination: Point
    depart_s: float
    arrive_s: float
    to_charger: bool


@dataclass
class Emsp:
    name: str


@dataclass
class Driver:
    name: str
    emsp: Emsp
    leg: Leg | None


def test_position_is_interpolated_over_the_travel_time_and_clamped() -> None:
    leg = Leg(Point(52.0, 5.0), Point(52.2, 5.4), 100.0, 300.0, True)
    assert position_on(leg, 150.0) == pytest.approx((52.05, 5.1))
    assert position_on(leg, 0.0) == (52.0, 5.0)
    assert position_on(leg, 999.0) == pytest.approx((52.2, 5.4))
    assert position_on(Leg(Point(1, 2), Point(3, 4), 5.0, 5.0, True), 5.0) == (3, 4)


def test_only_drivers_heading_for_a_charger_are_listed() -> None:
    a, b = Point(52.0, 5.0), Point(52.2, 5.4)
    drivers = [
        Driver("d1", Emsp("DE-EMA"), Leg(a, b, 0.0, 100.0, True)),
        Driver("d2", Emsp("DE-EMA"), Leg(a, b, 0.0, 100.0, False)),
        Driver("d3", Emsp("NL-GRN"), None),
        object(),  # a driver that records no legs
    ]
    assert drivers_to_chargers(drivers, 50.0) == [DriverDot("d1", "DE-EMA", pytest.approx(52.1), pytest.approx(5.2))]
