"""Where the drivers on their way to a charger are now, for the map (no Qt).

A driver's drive is a straight leg from ``origin`` to ``destination``, leaving at ``depart_s`` and
arriving at ``arrive_s`` (simulated seconds since the start); the simulator moves the car there in
one step at arrival, so a map places it in between by linear interpolation of latitude and longitude
— at city scale the difference from a great circle is far below a marker's size.

``drivers_to_chargers`` reads each driver's ``leg`` (``None`` when not driving) and keeps the legs
with ``to_charger`` set.  A driver without a ``leg`` attribute is never shown: the simulator must
record the leg for the map to know where the car is heading.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol


class PointLike(Protocol):
    """A position in decimal degrees (``sim.world.geo.Point`` is one)."""

    @property
    def lat(self) -> float: ...

    @property
    def lon(self) -> float: ...


class LegLike(Protocol):
    """A drive in progress."""

    @property
    def origin(self) -> PointLike: ...

    @property
    def destination(self) -> PointLike: ...

    @property
    def depart_s(self) -> float: ...

    @property
    def arrive_s(self) -> float: ...

    @property
    def to_charger(self) -> bool: ...


@dataclass(frozen=True)
class DriverDot:
    """A driver on the map: name, eMSP and where the car is now."""

    name: str
    emsp: str
    lat: float
    lon: float


def position_on(leg: LegLike, now_s: float) -> tuple[float, float]:
    """(lat, lon) of a car on ``leg`` at ``now_s``, clamped to the leg's ends."""
    span = leg.arrive_s - leg.depart_s
    share = 1.0 if span <= 0 else min(1.0, max(0.0, (now_s - leg.depart_s) / span))
    a, b = leg.origin, leg.destination
    return a.lat + (b.lat - a.lat) * share, a.lon + (b.lon - a.lon) * share


def drivers_to_chargers(drivers: Iterable[object], now_s: float) -> list[DriverDot]:
    """The drivers driving to a charger now, in the order given, with their interpolated positions."""
    dots = []
    for driver in drivers:
        leg: LegLike | None = getattr(driver, "leg", None)
        if leg is None or not leg.to_charger:
            continue
        lat, lon = position_on(leg, now_s)
        emsp = getattr(getattr(driver, "emsp", None), "name", "")
        dots.append(DriverDot(str(getattr(driver, "name", "")), str(emsp), lat, lon))
    return dots


__all__ = ["DriverDot", "LegLike", "PointLike", "drivers_to_chargers", "position_on"]
