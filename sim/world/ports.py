"""What a driver needs of the physical world, as protocols (``sim.world.world.World`` and
``sim.world.chargepoint.ChargePoint`` provide it; tests use small fakes of the same shape).

Typing the driver against these instead of the concrete classes keeps the driver's modules free of
imports of the world's, and states exactly which part of them a driver relies on.
"""

from __future__ import annotations

import random
from collections.abc import Generator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from sim.bus import EventBus
from sim.clock import SimClock
from sim.ocpi.v221.locations import Connector, Location
from sim.parties.platform import Platform

if TYPE_CHECKING:
    from sim.world.driver import Driver


class _Named(Protocol):
    @property
    def name(self) -> str: ...


class StartResult(Protocol):
    """A start attempt's outcome (``sim.world.chargepoint.StartOutcome``)."""

    @property
    def started(self) -> bool: ...
    @property
    def session_id(self) -> str | None: ...
    @property
    def reason(self) -> str | None: ...
    @property
    def latency_s(self) -> float: ...


class ChargePointPort(Protocol):
    """One EVSE as a driver uses it (``sim.world.chargepoint.ChargePoint``)."""

    @property
    def key(self) -> tuple[str, str, str]: ...
    @property
    def cpo(self) -> Platform: ...
    @property
    def location(self) -> Location: ...
    @property
    def evse_uid(self) -> str: ...
    @property
    def status(self) -> _Named: ...
    def compatible_connector(self, ev: Any) -> Connector | None: ...
    def max_power_kw(self, connector: Connector) -> Decimal: ...
    def freed(self) -> Any: ...
    def plug_in(self, driver: Driver, connector_id: str) -> bool: ...
    def start_by_rfid(self, driver: Driver) -> Generator[Any, Any, StartResult]: ...
    def await_remote_start(self, driver: Driver, timeout_s: float) -> Generator[Any, Any, StartResult]: ...
    def unplug(self, driver: Driver) -> Generator[Any, Any, None]: ...


class WorldPort(Protocol):
    """The world as a driver uses it (``sim.world.world.World``)."""

    @property
    def env(self) -> Any: ...
    @property
    def clock(self) -> SimClock: ...
    @property
    def bus(self) -> EventBus: ...
    def at_location(self, cpo: str, location_id: str) -> Sequence[ChargePointPort]: ...
    def all_locations(self) -> Sequence[tuple[str, Location]]: ...
    def rng_for(self, name: str) -> random.Random: ...


__all__ = ["ChargePointPort", "StartResult", "WorldPort"]
