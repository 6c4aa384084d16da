"""Distances, drive times and sampling on the map."""

from __future__ import annotations

import random

import pytest

from sim.scenario.schema import Area
from sim.world.geo import (
    Point,
    bearing_deg,
    destination,
    distance_km,
    drive_seconds,
    enclosing_area,
    road_km,
    sample_in_area,
    sample_near,
)

AMSTERDAM = Point(52.3731, 4.8926)  # Dam square
UTRECHT = Point(52.0907, 5.1214)  # Dom tower


def test_amsterdam_to_utrecht_is_about_35_km_as_the_crow_flies() -> None:
    assert distance_km(AMSTERDAM, UTRECHT) == pytest.approx(35.0, abs=1.0)
    assert distance_km(UTRECHT, AMSTERDAM) == distance_km(AMSTERDAM, UTRECHT)
    assert distance_km(AMSTERDAM, AMSTERDAM) == 0.0


def test_a_degree_of_latitude_is_about_111_km() -> None:
    assert distance_km(Point(52.0, 5.0), Point(53.0, 5.0)) == pytest.approx(111.2, abs=0.2)


def test_roads_are_longer_than_the_straight_line_and_take_time() -> None:
    assert road_km(AMSTERDAM, UTRECHT) == pytest.approx(distance_km(AMSTERDAM, UTRECHT) * 1.3)
    assert drive_seconds(30.0) == pytest.approx(3600.0)  # 30 km at the urban 30 km/h
    assert drive_seconds(15.0, speed_kmh=90.0) == pytest.approx(600.0)
    with pytest.raises(ValueError):
        drive_seconds(-1.0)


def test_destination_goes_the_given_distance_in_the_given_direction() -> None:
    east = destination(AMSTERDAM, 90.0, 10.0)
    assert distance_km(AMSTERDAM, east) == pytest.approx(10.0, abs=0.01)
    assert east.lon > AMSTERDAM.lon
    assert bearing_deg(AMSTERDAM, UTRECHT) == pytest.approx(153, abs=2)  # south-south-east


def test_samples_fill_the_disc_uniformly_and_deterministically() -> None:
    area = Area(lat=52.37, lon=4.90, radius_km=10.0)
    centre = Point(area.lat, area.lon)
    points = [sample_in_area(area, random.Random(f"7:{n}")) for n in range(2000)]
    distances = [distance_km(centre, p) for p in points]
    assert max(distances) <= 10.0 + 1e-6
    # Uniform over the area: a quarter of the points lie within half the radius (not half of them).
    inner = sum(d <= 5.0 for d in distances) / len(distances)
    assert inner == pytest.approx(0.25, abs=0.04)
    assert points[:5] == [sample_in_area(area, random.Random(f"7:{n}")) for n in range(5)]


def test_points_near_stay_in_the_area() -> None:
    area = Area(lat=52.37, lon=4.90, radius_km=3.0)
    edge = destination(Point(area.lat, area.lon), 0.0, 2.9)
    rng = random.Random(1)
    for _ in range(200):
        point = sample_near(edge, 1.0, 2.5, rng, within=area)
        assert distance_km(point, Point(area.lat, area.lon)) <= 3.0 + 1e-6


def test_enclosing_area_holds_every_point() -> None:
    middle, radius = enclosing_area([AMSTERDAM, UTRECHT], margin_km=1.0)
    assert distance_km(middle, AMSTERDAM) <= radius
    assert distance_km(middle, UTRECHT) <= radius
    assert radius == pytest.approx(35.0 / 2 + 1.0, abs=1.0)
    with pytest.raises(ValueError):
        enclosing_area([])
