"""``Simulation``: a loaded scenario turned into a running roaming network.

Building (``__init__``): the SimPy environment, clock, bus and network; one platform per party with
its versions; the CPOs' locations and tariffs; the physical world (a charge point per EVSE); the
drivers of every eMSP and their tokens; metrics; the fault schedule.

Running (``run`` / ``advance``): at time 0 a set-up process registers every link in the order the
scenario declares them (the declaring party receives token A from the other side and registers),
sets each connection's push/pull choice, pushes the initial data (locations, tariffs, tokens),
starts the pollers of pulled modules, the scheduled events and the smart-charging party, and then
the drivers.  Everything after that is caused by the drivers, the chargers and the faults.
"""

from __future__ import annotations

import gc
import time as wall
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TextIO

import simpy

from sim.events import MessageExchanged
from sim.metrics import Metrics
from sim.net.faults import FaultSchedule
from sim.net.links import LinkCondition
from sim.netbuilder import Roaming
from sim.ocpi.common import OCPIVersion
from sim.parties import registration
from sim.parties.connection import Connection, SyncMode
from sim.parties.hub import Hub
from sim.parties.modules import locations_client, tariffs_client, tokens_client
from sim.parties.party import Party
from sim.parties.platform import Platform
from sim.scenario import LoadedScenario
from sim.scenario.schema import Link, RoleName
from sim.scenario.timing import resolve_instant
from sim.simulation_events import schedule_events
from sim.trace import TraceWriter
from sim.world.driver import Driver
from sim.world.population import make_drivers
from sim.world.reconcile import Reconciler
from sim.world.smartcharging import SmartChargingOperator
from sim.world.world import World

PULLED_MODULES = ("locations", "tariffs")


@dataclass
class RunStats:
    """How a run went, beyond the KPIs."""

    simulated_s: float = 0.0
    wall_s: float = 0.0
    events: int = 0
    """SimPy events processed (counted when the run is driven step by step through ``advance``)."""
    exchanges: int = 0
    setup_problems: list[str] = field(default_factory=list)


class Simulation:
    """A roaming network built from a scenario (see the module docstring)."""

    def __init__(self, loaded: LoadedScenario, *, seed: int | None = None, trace: TextIO | None = None) -> None:
        self.loaded = loaded
        self.scenario = scenario = loaded.scenario
        self.seed = scenario.seed if seed is None else seed
        self.roaming = Roaming(start=scenario.start, seed=self.seed)
        self.env: simpy.Environment = self.roaming.env
        self.clock = self.roaming.clock
        self.bus = self.roaming.bus
        self.stats = RunStats()
        self.bus.subscribe(self._count_exchange, MessageExchanged)
        if trace is not None:
            TraceWriter(trace).attach(self.bus)
        self.parties: dict[str, Party] = {spec.id: self._make_party(spec) for spec in scenario.parties}
        self._load_cpo_data()
        self.world = World.build(self, [p for p in self.platforms() if p.cpo is not None])
        self.reconciler = Reconciler(self.bus, self.platforms())
        self.drivers: list[Driver] = self._make_drivers()
        evse_counts = {(cp.key[0], cp.key[1]): 0 for cp in self.world.charge_points.values()}
        for cp in self.world.charge_points.values():
            evse_counts[(cp.key[0], cp.key[1])] += 1
        self.metrics = Metrics(
            self.bus, self.clock, start=scenario.start, duration_s=scenario.duration, evse_counts=evse_counts
        )
        self.faults = FaultSchedule(
            self.env,
            self.clock,
            self.bus,
            self.roaming.network.links,
            scenario.faults,
            seed=self.seed,
            resolve_instant=lambda at: resolve_instant(at, scenario.start, scenario.time_zone),
        )
        self._pull_intervals: dict[tuple[str, str], float] = {}
        self._started = False

    # --- building -------------------------------------------------------------------------------

    def _make_party(self, spec: Any) -> Party:
        versions = [OCPIVersion(v.value) for v in spec.versions]
        ref = spec.id
        name = spec.name or ref
        if spec.role is RoleName.HUB:
            return self.roaming.hub(ref, name)
        if spec.role is RoleName.CPO:
            return self.roaming.cpo(ref, name, versions=versions)
        if spec.role is RoleName.EMSP:
            return self.roaming.emsp(ref, name, versions=versions)
        return self.roaming.scsp(ref, name, versions=versions)

    def platforms(self) -> list[Platform]:
        """Every CPO/eMSP platform, in scenario order."""
        return [p for p in self.parties.values() if isinstance(p, Platform)]

    def party(self, party_id: str) -> Party:
        """A party by its scenario id."""
        return self.parties[party_id]

    def _load_cpo_data(self) -> None:
        for party_id, tariffs in self.loaded.tariffs.items():
            for tariff in tariffs:
                tariffs_client.add_tariff(self.parties[party_id], tariff)  # type: ignore[arg-type]
        for party_id, locations in self.loaded.locations.items():
            for location in locations:
                locations_client.add_location(self.parties[party_id], location)  # type: ignore[arg-type]

    def _make_drivers(self) -> list[Driver]:
        drivers: list[Driver] = []
        for spec in self.scenario.parties:
            if spec.drivers is None or spec.role is not RoleName.EMSP:
                continue
            emsp = self.parties[spec.id]
            made = make_drivers(
                emsp,  # type: ignore[arg-type]
                spec.drivers,
                world=self.world,
                seed=self.seed,
                area=self.loaded.default_area,
                time_zone=self.scenario.time_zone,
            )
            for driver in made:
                tokens_client.add_token(emsp, driver.token)  # type: ignore[arg-type]
            drivers.extend(made)
        return drivers

    # --- running --------------------------------------------------------------------------------

    def start(self) -> None:
        """Schedule the set-up process (idempotent); ``run``/``advance`` call it."""
        if not self._started:
            self._started = True
            self.env.process(self._setup())

    def _setup(self) -> Generator[simpy.Event, Any, None]:
        for spec in self.scenario.parties:
            for link in spec.links:
                yield from self._connect(self.parties[spec.id], link)
        yield self.env.timeout(1)  # HubClientInfo announcements settle
        for platform in self.platforms():
            if platform.cpo is not None:
                yield from locations_client.push_all_locations(platform)
                yield from tariffs_client.push_all_tariffs(platform)
            if platform.emsp is not None:
                yield from tokens_client.push_tokens(platform)
        self._start_pollers()
        self.world.start()
        schedule_events(self)
        if self.scenario.smart_charging is not None:
            SmartChargingOperator(self, self.scenario.smart_charging).start()
        for driver in self.drivers:
            self.env.process(driver.run())

    def _connect(self, party: Party, link: Link) -> Generator[simpy.Event, Any, None]:
        other = self.parties[link.to or link.via or ""]
        latency = LinkCondition(latency_s=link.latency_ms / 1000)
        self.roaming.network.links.set_pair(party.name, other.name, latency)
        token_a = other.issue_token_a(party.name)
        version = OCPIVersion(link.version.value) if link.version else None
        try:
            connection = yield from registration.register(party, other.versions_url, token_a, version=version)
        except registration.RegistrationError as exc:
            self.stats.setup_problems.append(str(exc))
            return
        modes = {module: SyncMode(style.value) for module, style in link.sync.items()}
        for side in (connection, other.connections.get(party.name)):
            if side is not None:
                side.sync.update(modes)
        if not isinstance(other, Hub):
            self._pull_intervals[(party.name, other.name)] = link.pull_interval

    def _start_pollers(self) -> None:
        for platform in self.platforms():
            if platform.emsp is None:
                continue
            for connection in sorted(platform.connections.values(), key=lambda c: c.peer):
                interval = self._interval(platform, connection)
                for module in PULLED_MODULES:
                    if connection.sync_mode(module) is SyncMode.PULL:
                        poll = locations_client.poll_locations if module == "locations" else tariffs_client.poll_tariffs
                        poll(platform, connection, interval)

    def _interval(self, platform: Party, connection: Connection) -> float:
        return self._pull_intervals.get(
            (platform.name, connection.peer), self._pull_intervals.get((connection.peer, platform.name), 3600.0)
        )

    def run(self, until: float | None = None, *, progress: Callable[[Simulation], None] | None = None) -> RunStats:
        """Run to ``until`` simulated seconds (default: the scenario's duration)."""
        self.start()
        end = self.scenario.duration if until is None else until
        started = wall.perf_counter()
        step = max(end / 100, 60.0)
        target = self.env.now
        with fewer_collections():
            while target < end:
                target = min(end, target + step)
                self.env.run(until=target)
                if progress is not None:
                    progress(self)
        self.stats.simulated_s = self.env.now
        self.stats.wall_s += wall.perf_counter() - started
        return self.stats

    def advance(self, to: float, budget_s: float, stop: Callable[[], bool] | None = None) -> bool:
        """Run events up to simulated ``to`` for at most ``budget_s`` wall seconds; True when ``to`` was reached.

        ``stop`` is asked after every event; when it answers True the run halts there (False is
        returned).  This is how the GUI drives the simulation from a timer without blocking its
        event loop, and how it steps to the next exchange or runs until the next event of a kind.
        """
        self.start()
        deadline = wall.perf_counter() + budget_s
        while self.env.peek() <= to:
            if wall.perf_counter() >= deadline:
                return False
            self.env.step()
            self.stats.events += 1
            if stop is not None and stop():
                return False
        if to > self.env.now:
            self.env.run(until=to)
        self.stats.simulated_s = self.env.now
        return True

    def _count_exchange(self, event: MessageExchanged) -> None:
        self.stats.exchanges += 1


YOUNG_COLLECTION_THRESHOLD = 50_000
"""Allocations between collections of the youngest generation while a simulation runs interactively."""

RUN_YOUNG_COLLECTION_THRESHOLD = 200_000
"""The same during ``Simulation.run`` (and the benchmark), where nothing waits on one longer pause:
a quarter as many young collections, and more of the short-lived objects gone before one."""


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Let Python's cyclic garbage collector run less often while the simulation runs.

    A run allocates millions of short-lived objects and keeps a large heap (every exchange, every
    stored OCPI object); with the default threshold (700) the collector takes about a sixth of a
    city-scale run, mostly re-scanning objects that live to the end.  Collections (and so memory
    freed from reference cycles) happen later, never differently in what the run computes; the
    previous thresholds come back afterwards.
    """
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], RUN_YOUNG_COLLECTION_THRESHOLD), *before[1:])
    gc.freeze()  # what exists before the run (the built network and world) is not scanned again during it
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


__all__ = ["RunStats", "Simulation", "fewer_collections"]
