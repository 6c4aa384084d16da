"""Points on the map, distances and drive times.

Distances are great-circle (haversine) distances on a sphere of the Earth's mean radius; a road
trip is longer than the straight line by ``ROAD_FACTOR``.  Drive times use one average urban speed
(``URBAN_SPEED_KMH``), door to door, on simulated time — enough for a roaming simulator, which
cares about when a car arrives at a charger, not about its route.

Coordinates are floats (geometry, not money); every random draw comes from the caller's generator.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Protocol

EARTH_RADIUS_KM = 6371.0088
"""The IUGG mean Earth radius."""

ROAD_FACTOR = 1.3
"""Road distance / straight-line distance.  Studies of urban road networks put this "circuity"
between about 1.2 and 1.4; 1.3 is a common middle value for European cities."""

URBAN_SPEED_KMH = 30.0
"""Average door-to-door speed in and around a city, stops and traffic lights included (typical
measured urban averages are 25–35 km/h)."""


@dataclass(frozen=True)
class Point:
    """A position in decimal degrees (WGS 84)."""

    lat: float
    lon: float


class AreaLike(Protocol):
    """A circle on the map (``sim.scenario.schema.Area`` is one)."""

    @property
    def lat(self) -> float: ...

    @property
    def lon(self) -> float: ...

    @property
    def radius_km(self) -> float: ...


def distance_km(a: Point, b: Point) -> float:
    """The great-circle distance between two points (haversine formula), in km."""
    phi1, phi2 = math.radians(a.lat), math.radians(b.lat)
    dphi = phi2 - phi1
    dlambda = math.radians(b.lon - a.lon)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def road_km(a: Point, b: Point) -> float:
    """The distance a car drives from ``a`` to ``b`` (straight line × ``ROAD_FACTOR``)."""
    return distance_km(a, b) * ROAD_FACTOR


def drive_seconds(km: float, speed_kmh: float = URBAN_SPEED_KMH) -> float:
    """Simulated seconds to drive ``km`` road kilometres at ``speed_kmh``."""
    if km < 0:
        raise ValueError("a distance cannot be negative")
    return km / speed_kmh * 3600.0


def destination(origin: Point, bearing_deg: float, km: float) -> Point:
    """The point ``km`` away from ``origin`` along the great circle leaving it at ``bearing_deg``."""
    delta = km / EARTH_RADIUS_KM
    theta = math.radians(bearing_deg)
    phi1, lambda1 = math.radians(origin.lat), math.radians(origin.lon)
    sin_phi2 = math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(theta)
    phi2 = math.asin(max(-1.0, min(1.0, sin_phi2)))
    lambda2 = lambda1 + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi1), math.cos(delta) - math.sin(phi1) * sin_phi2
    )
    lon = (math.degrees(lambda2) + 540.0) % 360.0 - 180.0
    return Point(round(math.degrees(phi2), 6), round(lon, 6))


def centre(area: AreaLike) -> Point:
    """The centre of an area."""
    return Point(area.lat, area.lon)


def sample_in_area(area: AreaLike, rng: random.Random) -> Point:
    """A point drawn uniformly over the disc of ``area`` (two draws: distance, then bearing).

    The distance from the centre is ``radius × √u``: the area within radius r grows with r², so
    this spreads points evenly instead of crowding them in the middle.
    """
    km = area.radius_km * math.sqrt(rng.random())
    bearing = rng.random() * 360.0
    return destination(centre(area), bearing, km)


def sample_near(
    origin: Point, min_km: float, max_km: float, rng: random.Random, within: AreaLike | None = None
) -> Point:
    """A point ``min_km``–``max_km`` (straight line) from ``origin`` in a random direction (two draws).

    With ``within``, a point that would fall outside that area is taken in the direction of the
    area's centre instead (as far, when the area is wide enough), so trips stay on the map.
    """
    km = min_km + (max_km - min_km) * rng.random()
    bearing = rng.random() * 360.0
    point = destination(origin, bearing, km)
    if within is not None and distance_km(point, centre(within)) > within.radius_km:
        middle = centre(within)
        # Along the line through the centre, ``km`` towards it ends |d − km| from it: inside when
        # km ≤ d + radius (a hair less, for rounding).
        reach = distance_km(origin, middle) + within.radius_km * 0.999
        point = destination(origin, bearing_deg(origin, middle), min(km, reach))
    return point


def bearing_deg(a: Point, b: Point) -> float:
    """The initial bearing from ``a`` to ``b`` in degrees (0 = north, clockwise)."""
    phi1, phi2 = math.radians(a.lat), math.radians(b.lat)
    dlambda = math.radians(b.lon - a.lon)
    y = math.sin(dlambda) * math.cos(phi2)
    x = math.cos(phi1) * math.sin(phi2) - math.sin(phi1) * math.cos(phi2) * math.cos(dlambda)
    return (math.degrees(math.atan2(y, x)) + 360.0) % 360.0


def enclosing_area(points: list[Point], margin_km: float = 1.0) -> tuple[Point, float]:
    """A circle around ``points``: their mean position and the largest distance from it plus ``margin_km``."""
    if not points:
        raise ValueError("no points to enclose")
    middle = Point(sum(p.lat for p in points) / len(points), sum(p.lon for p in points) / len(points))
    return middle, max(distance_km(middle, p) for p in points) + margin_km


__all__ = [
    "EARTH_RADIUS_KM",
    "ROAD_FACTOR",
    "URBAN_SPEED_KMH",
    "AreaLike",
    "Point",
    "bearing_deg",
    "centre",
    "destination",
    "distance_km",
    "drive_seconds",
    "enclosing_area",
    "road_km",
    "sample_in_area",
    "sample_near",
]
