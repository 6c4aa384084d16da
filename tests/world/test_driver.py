"""Driver flows on a tiny network with a fake world: the events a driver publishes, in order, in time.

The fake charge points implement exactly the ``ChargePoint`` interface of the design (status, plug in,
RFID start, waiting for a remote start, unplug, ``freed``) and log what was done to them; the eMSP
and CPO are real platforms, so app starts send real START_SESSION commands.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Generator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

import pytest
import simpy

from sim.events import ChargeAttempted, ChargeRefused, CommandCompleted, DriverGaveUp, DriverQueued
from sim.netbuilder import Roaming
from sim.ocpi.headers import PartyRef
from sim.ocpi.v221.locations import Connector, Location
from sim.parties.modules import locations_client, tariffs_client, tokens_client
from sim.parties.platform import Platform
from sim.scenario.schema import Area, DriverProfile, Drivers, TokenKind
from sim.world.driver import Driver, Preferences
from sim.world.ev import EV_PRESETS, EVModel, EVState
from sim.world.geo import Point, destination, distance_km, drive_seconds, road_km
from sim.world.population import TokenPolicy, driver_token, make_drivers
from sim.world.profiles import Area as Circle
from sim.world.profiles import Habits, Purpose, Trip, plan_day
from tests.world.test_chooser import AC22, DC50, location, tariff

CENTRE = Point(52.3700, 4.9000)
MONDAY = date(2026, 3, 2)
D = Decimal


# --- the fake world -----------------------------------------------------------------------------------


class State(Enum):
    FREE = "FREE"
    OCCUPIED = "OCCUPIED"
    RESERVED = "RESERVED"
    BROKEN = "BROKEN"


@dataclass(frozen=True)
class Outcome:
    started: bool
    session_id: str | None
    reason: str | None
    latency_s: float


class FakeChargePoint:
    """One EVSE; ``rfid``/``remote`` script the answers: (started, reason)."""

    def __init__(self, world: FakeWorld, cpo: Platform, location: Location, evse_index: int = 0) -> None:
        evse = (location.evses or [])[evse_index]
        self.world, self.env, self.cpo = world, world.env, cpo
        self.key = (cpo.name, location.id, evse.uid)
        self.location, self.evse_uid = location, evse.uid
        self.connector: Connector = evse.connectors[0]
        self.state = State.FREE
        self.rfid: tuple[bool, str | None] = (True, None)
        self.remote: tuple[bool, str | None] = (True, None)
        self.driver: Driver | None = None
        self.charging = False
        self._waiters: list[simpy.Event] = []

    @property
    def status(self) -> State:
        return self.state

    def set(self, state: State) -> None:
        self.state = state
        if state is State.FREE:
            waiters, self._waiters = self._waiters, []
            for event in waiters:
                event.succeed()

    def log(self, what: str) -> None:
        self.world.log.append((what, self.key[1], self.evse_uid, round(self.env.now - self.world.begin, 3)))

    def compatible_connector(self, ev: EVModel) -> Connector | None:
        return self.connector if ev.compatible(self.connector) else None

    def max_power_kw(self, connector: Connector) -> Decimal:
        return D(50) if connector.power_type == "DC" else D(11)

    def freed(self) -> simpy.Event:
        event = self.env.event()
        self._waiters.append(event)
        return event

    def plug_in(self, driver: Driver, connector_id: str) -> bool:
        if self.state is not State.FREE:
            return False
        self.state, self.driver = State.OCCUPIED, driver
        self.log("plug_in")
        return True

    def _begin(self, driver: Driver, answer: tuple[bool, str | None], latency: float) -> Outcome:
        ok, reason = answer
        if ok:
            self.charging = True
            self.env.process(self._charge(driver))
        return Outcome(ok, f"S-{self.evse_uid}" if ok else None, reason, latency)

    def start_by_rfid(self, driver: Driver) -> Generator[simpy.Event, Any, Outcome]:
        yield self.env.timeout(2)
        self.log("rfid")
        return self._begin(driver, self.rfid, 2.0)

    def await_remote_start(self, driver: Driver, timeout_s: float) -> Generator[simpy.Event, Any, Outcome]:
        yield self.env.timeout(10)
        self.log("remote")
        return self._begin(driver, self.remote, 10.0)

    def _charge(self, driver: Driver) -> Generator[simpy.Event, Any, None]:
        power = self.max_power_kw(self.connector)
        while self.charging:
            driver.ev.add_kwh(power / 60)
            yield self.env.timeout(60)

    def unplug(self, driver: Driver) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(0)
        self.charging = False
        self.driver = None
        self.log("unplug")
        self.set(State.FREE)


class FakeWorld:
    def __init__(self, roaming: Roaming) -> None:
        self.env, self.clock, self.bus = roaming.env, roaming.clock, roaming.bus
        self.charge_points: dict[tuple[str, str, str], FakeChargePoint] = {}
        self.truth: list[tuple[str, Location]] = []
        self.log: list[tuple[str, str, str, float]] = []
        self.begin = roaming.env.now
        """Times in the logs count from here (connecting the parties took a moment)."""

    def add(self, cpo: Platform, loc: Location) -> list[FakeChargePoint]:
        self.truth.append((cpo.name, loc))
        points = [FakeChargePoint(self, cpo, loc, n) for n in range(len(loc.evses or []))]
        self.charge_points.update((cp.key, cp) for cp in points)
        return points

    def at_location(self, cpo: str, location_id: str) -> list[FakeChargePoint]:
        return [cp for key, cp in self.charge_points.items() if key[:2] == (cpo, location_id)]

    def all_locations(self) -> list[tuple[str, Location]]:
        return list(self.truth)

    def rng_for(self, name: str) -> random.Random:
        return random.Random(f"1:{name}")


# --- a tiny network -----------------------------------------------------------------------------------


class Net:
    """CPO NL-CPA and eMSP DE-MSA (connected unless told otherwise), a fake world, an event log."""

    def __init__(self, *, connected: bool = True) -> None:
        self.roaming = Roaming(latency_s=0.05)
        self.env = self.roaming.env
        self.cpo = self.roaming.cpo("NL-CPA")
        self.emsp = self.roaming.emsp("DE-MSA")
        if connected:
            self.roaming.connect(self.emsp, self.cpo)
        self.world = FakeWorld(self.roaming)
        self.events: list[tuple[Any, ...]] = []
        self.roaming.bus.subscribe(self._record)
        tariffs_client.add_tariff(self.cpo, tariff("NL-CPA", "T1", "0.30"))
        self.cpos: dict[str, Platform] = {self.cpo.name: self.cpo}

    def _record(self, event: Any) -> None:
        if isinstance(event, ChargeAttempted):
            self.events.append(("attempted", event.location_id, event.method, self.t))
        elif isinstance(event, ChargeRefused):
            self.events.append(("refused", event.location_id, event.reason, self.t))
        elif isinstance(event, DriverQueued):
            self.events.append(("queued", event.location_id, self.t))
        elif isinstance(event, DriverGaveUp):
            self.events.append(("gave_up", event.reason, self.t))
        elif isinstance(event, CommandCompleted):
            self.events.append(("command", event.command, event.response, event.result, event.timed_out))

    @property
    def t(self) -> float:
        return round(self.env.now - self.world.begin, 3)

    def site(
        self,
        location_id: str,
        km_east: float,
        *,
        kinds: tuple[Any, ...] = (AC22,),
        cpo: str = "NL-CPA",
        in_copy: bool = True,
        status: str = "AVAILABLE",
    ) -> list[FakeChargePoint]:
        """A location in the world (and, by default, AVAILABLE in the eMSP's copy and the CPO's data)."""
        loc = location(cpo, location_id, destination(CENTRE, 90.0, km_east), [(status, k, "T1") for k in kinds])
        if in_copy:
            self.emsp.emsp_data.locations.put(PartyRef.parse(cpo), location_id, loc)
            self.emsp.emsp_data.tariffs.put(PartyRef.parse(cpo), "T1", tariff(cpo, "T1", "0.30"))
        if cpo not in self.cpos:
            self.cpos[cpo] = self.roaming.cpo(cpo)
            tariffs_client.add_tariff(self.cpos[cpo], tariff(cpo, "T1", "0.30"))
        locations_client.add_location(self.cpos[cpo], loc)
        return self.world.add(self.cpos[cpo], loc)

    def driver(
        self,
        *,
        kind: TokenKind = TokenKind.RFID,
        soc: str = "0.15",
        profile: DriverProfile = DriverProfile.COMMUTER,
        leave_at: float = 7200.0,
        **preferences: Any,
    ) -> Driver:
        """A driver parked at CENTRE, due to leave home-wards at ``leave_at``."""
        token = new_token(self.emsp, kind)
        habits = Habits(profile, CENTRE, Circle(CENTRE.lat, CENTRE.lon, 10.0), None, 480, 480, D("0.3"))
        ev = EVState(EV_PRESETS["compact"], D(soc))
        who = Driver(
            "DE-MSA/d0001",
            self.emsp,
            token,
            kind,
            ev,
            habits,
            self.world,
            rng=random.Random(7),
            preferences=Preferences(**preferences),
        )
        home = destination(CENTRE, 0.0, 3.0)
        depart = self.roaming.clock.at(self.world.begin + leave_at)
        who._trips = deque([Trip(depart, Purpose.HOME, home, road_km(CENTRE, home))])
        return who

    def stop(self, driver: Driver, until: float = 20000.0) -> None:
        self.env.process(driver.charge_stop())
        self.env.run(until=self.env.now + until)


def new_token(emsp: Platform, kind: TokenKind) -> Any:
    token = driver_token(emsp.emsp_data.party, 1, kind, TokenPolicy(), emsp.clock.now())
    tokens_client.add_token(emsp, token)
    return token


def arrival(km_east: float) -> float:
    return round(drive_seconds(road_km(CENTRE, destination(CENTRE, 90.0, km_east))), 3)


# --- flows ----------------------------------------------------------------------------------------------


def test_rfid_start_then_stay_until_the_planned_departure() -> None:
    net = Net()
    net.site("L1", 1.0)
    driver = net.driver()
    net.stop(driver)
    t0 = arrival(1.0)
    assert net.events == [("attempted", "L1", "rfid", t0)]
    assert net.world.log == [
        ("plug_in", "L1", "L1-E1", t0),
        ("rfid", "L1", "L1-E1", t0 + 2),
        ("unplug", "L1", "L1-E1", 7200.0),
    ]
    assert D("0.65") < driver.ev.soc < D("0.7")  # about 2 h at 11 kW: +0.5
    assert driver.position == destination(CENTRE, 90.0, 1.0)


def test_app_start_sends_start_session_and_publishes_the_command_outcome() -> None:
    net = Net()
    net.site("L1", 1.0)
    driver = net.driver(kind=TokenKind.APP)
    mark = net.roaming.mark()
    net.stop(driver)
    t0 = arrival(1.0)
    assert net.events == [("attempted", "L1", "app", t0), ("command", "START_SESSION", "ACCEPTED", "ACCEPTED", False)]
    commands = [(m.from_party, m.method, m.url) for m in net.roaming.since(mark) if m.module == "commands"]
    assert commands[0][:2] == ("DE-MSA", "POST") and commands[0][2].endswith("/START_SESSION")
    assert commands[1][:2] == ("NL-CPA", "POST") and "/START_SESSION/" in commands[1][2]  # the result
    assert [entry[0] for entry in net.world.log] == ["plug_in", "remote", "unplug"]


def test_a_refused_rfid_start_is_reported_with_its_reason_and_the_driver_moves_on() -> None:
    net = Net()
    (refusing,) = net.site("L1", 1.0)
    refusing.rfid = (False, "not_allowed")
    (other,) = net.site("L2", 2.0, cpo="NL-CPB")  # another CPO, without agreement with the eMSP
    other.rfid = (False, "unknown_token")
    net.site("L3", 3.0)  # the CPO that refused already: skipped
    net.stop(net.driver())
    t1 = arrival(1.0)
    t2 = round(t1 + 2 + drive_seconds(road_km(destination(CENTRE, 90, 1.0), destination(CENTRE, 90, 2.0))), 3)
    assert net.events == [
        ("attempted", "L1", "rfid", t1),
        ("refused", "L1", "not_allowed", t1 + 2),
        ("attempted", "L2", "rfid", t2),
        ("refused", "L2", "no_roaming_agreement", t2 + 2),
        ("gave_up", "refused", t2 + 2),
    ]
    assert [e[0] for e in net.world.log] == ["plug_in", "rfid", "unplug", "plug_in", "rfid", "unplug"]


def test_queue_then_start_when_a_charger_frees_up() -> None:
    net = Net()
    (busy,) = net.site("L1", 1.0)
    busy.set(State.OCCUPIED)  # the eMSP's copy still says AVAILABLE: stale
    t0 = arrival(1.0)
    net.env.process(free_at(net.env, busy, t0 + 300))
    net.stop(net.driver())
    assert net.events == [("queued", "L1", t0), ("attempted", "L1", "rfid", t0 + 300)]


def free_at(env: simpy.Environment, cp: FakeChargePoint, when: float) -> Generator[simpy.Event, Any, None]:
    yield env.timeout(when)
    cp.set(State.FREE)


def test_queue_then_give_up_after_patience_then_next_candidate_then_give_up() -> None:
    net = Net()
    for cp in net.site("L1", 1.0) + net.site("L2", 2.0):
        cp.set(State.OCCUPIED)
    net.stop(net.driver(patience_s=600.0))
    t1 = arrival(1.0)
    t2 = round(t1 + 600 + drive_seconds(road_km(destination(CENTRE, 90, 1.0), destination(CENTRE, 90, 2.0))), 3)
    assert net.events == [("queued", "L1", t1), ("queued", "L2", t2), ("gave_up", "queue_timeout", t2 + 600)]
    assert net.world.log == []


def test_broken_chargers_are_not_waited_for() -> None:
    net = Net()
    (broken,) = net.site("L1", 1.0)
    broken.set(State.BROKEN)
    net.stop(net.driver())
    assert net.events == [("gave_up", "unavailable", arrival(1.0))]


def test_no_candidate_means_giving_up_at_once() -> None:
    net = Net()
    net.site("FAR", 30.0)
    net.stop(net.driver())
    assert net.events == [("gave_up", "no_charger_found", 0.0)]


@pytest.mark.parametrize("kind", [TokenKind.RFID, TokenKind.APP])
def test_other_maps_lead_to_a_cpo_without_agreement_and_a_refusal(kind: TokenKind) -> None:
    net = Net()
    (foreign,) = net.site("X1", 1.0, cpo="FR-CPX", in_copy=False)
    foreign.rfid = foreign.remote = (False, "unknown_token")
    mark = net.roaming.mark()
    net.stop(net.driver(kind=kind, other_maps=1.0))
    t0 = arrival(1.0)
    expected: list[tuple[Any, ...]] = [("attempted", "X1", kind.value, t0)]
    if kind is TokenKind.APP:
        expected.append(("command", "START_SESSION", None, None, False))
    expected += [
        ("refused", "X1", "no_roaming_agreement", t0 + (2 if kind is TokenKind.RFID else 0)),
        ("gave_up", "refused", t0 + (2 if kind is TokenKind.RFID else 0)),
    ]
    assert net.events == expected
    assert net.roaming.since(mark) == []  # the eMSP has no way to that CPO: nothing was sent


def test_ride_hailing_drivers_charge_on_dc_and_leave_at_80_percent() -> None:
    net = Net()
    net.site("AC", 0.5)
    net.site("DC", 2.0, kinds=(DC50,))
    driver = net.driver(profile=DriverProfile.RIDE_HAILING, soc="0.2", leave_at=60.0)
    net.stop(driver)
    t0 = arrival(2.0)
    assert net.events == [("attempted", "DC", "rfid", t0)]
    unplugged = next(e[3] for e in net.world.log if e[0] == "unplug")
    # 24 kWh at the fake's 50 kW, charged in whole minutes: about half an hour, well before a full battery.
    assert 1700 <= unplugged - t0 <= 1900
    assert D("0.8") <= driver.ev.soc < D("0.9")


# --- a whole day, and a population -----------------------------------------------------------------


def commuter_day(seed: int) -> tuple[Net, Driver, Habits]:
    net = Net(connected=False)
    work = destination(CENTRE, 90.0, 8.0)
    net.site("W", 8.5)  # half a kilometre from work
    habits = Habits(DriverProfile.COMMUTER, CENTRE, Circle(CENTRE.lat, CENTRE.lon, 15.0), work, 480, 510, D("0.3"))
    token = new_token(net.emsp, TokenKind.RFID)
    ev = EVState(EV_PRESETS["suv"], D("0.25"))
    driver = Driver("DE-MSA/d0001", net.emsp, token, TokenKind.RFID, ev, habits, net.world, rng=random.Random(seed))
    net.env.process(driver.run())
    net.env.run(until=86400)
    return net, driver, habits


def test_a_commuter_day_drives_charges_at_work_and_goes_home() -> None:
    net, driver, habits = commuter_day(7)
    plan = plan_day(habits, MONDAY, "Europe/Amsterdam", random.Random(7))  # the driver's first draws
    to_work, home = plan.trips[0], plan.trips[1]
    depart = (to_work.depart - net.roaming.clock.start).total_seconds()
    at_work = depart + drive_seconds(road_km(CENTRE, to_work.destination))
    at_charger = round(at_work + drive_seconds(road_km(to_work.destination, destination(CENTRE, 90.0, 8.5))), 3)
    leave = (home.depart - net.roaming.clock.start).total_seconds()
    assert net.events[0] == ("attempted", "W", "rfid", at_charger)
    assert net.world.log[:3] == [
        ("plug_in", "W", "W-E1", at_charger),
        ("rfid", "W", "W-E1", at_charger + 2),
        ("unplug", "W", "W-E1", round(leave, 3)),
    ]
    assert driver.position == CENTRE  # home again
    assert D("0.5") < driver.ev.soc < D("1")


def test_the_same_seed_gives_the_same_day_and_another_seed_another() -> None:
    first, second, other = commuter_day(7)[0], commuter_day(7)[0], commuter_day(8)[0]
    assert (first.events, first.world.log) == (second.events, second.world.log)
    assert first.world.log != other.world.log


def test_make_drivers_builds_a_deterministic_population_with_unique_tokens() -> None:
    net = Net(connected=False)
    net.site("L1", 1.0)
    spec = Drivers(
        count=40, tokens={TokenKind.RFID: 0.5, TokenKind.APP: 0.5}, home_area=Area(lat=52.37, lon=4.9, radius_km=5)
    )
    drivers = make_drivers(net.emsp, spec, world=net.world, seed=42)
    again = make_drivers(net.emsp, spec, world=net.world, seed=42)
    other = make_drivers(net.emsp, spec, world=net.world, seed=43)
    assert [d.name for d in drivers][:2] == ["DE-MSA/d0001", "DE-MSA/d0002"]
    assert len({d.token.uid for d in drivers}) == 40
    assert drivers[0].token.uid in ("DEMSA-RFID-000001", "DEMSA-APP-000001")
    assert {d.kind for d in drivers} == {TokenKind.RFID, TokenKind.APP}
    assert all((d.token.type.value == "RFID") == (d.kind is TokenKind.RFID) for d in drivers)
    assert [(d.token.uid, d.home, d.ev.soc, d.ev.model.name) for d in drivers] == [
        (d.token.uid, d.home, d.ev.soc, d.ev.model.name) for d in again
    ]
    assert [d.home for d in drivers] != [d.home for d in other]
    assert {d.ev.model.name for d in drivers} == {"compact", "suv", "van"}
    assert all(d.preferences.patience_s == spec.patience for d in drivers)


def test_without_a_home_area_drivers_live_around_the_locations() -> None:
    net = Net(connected=False)
    net.site("L1", 1.0)
    net.site("L2", 9.0)
    drivers = make_drivers(net.emsp, Drivers(count=20), world=net.world, seed=1)
    middle = destination(CENTRE, 90.0, 5.0)
    assert all(distance_km(d.home, middle) <= 4.0 + 1.0 + 0.01 for d in drivers)
    with pytest.raises(ValueError, match="home area"):
        make_drivers(net.emsp, Drivers(count=1), world=FakeWorld(net.roaming), seed=1)


# --- with the real world (sim.world.world / chargepoint) ------------------------------------------------


def test_with_the_real_world_rfid_and_app_drivers_charge_and_the_emsp_gets_their_cdrs() -> None:
    from sim.scenario.schema import Reliability
    from sim.world.world import CPOSettings, World

    roaming = Roaming()
    cpo, emsp = roaming.cpo("NL-CPA"), roaming.emsp("DE-MSA")
    roaming.connect(emsp, cpo)
    tariffs_client.add_tariff(cpo, tariff("NL-CPA", "T1", "0.30"))
    locations_client.add_location(
        cpo, location("NL-CPA", "L1", destination(CENTRE, 90.0, 1.0), [("AVAILABLE", AC22, "T1")] * 2)
    )
    world = World(roaming.env, roaming.clock, roaming.bus, seed=1)
    world.add_cpo(cpo, CPOSettings(reliability=Reliability(mtbf=0)))
    roaming.run(locations_client.push_all_locations(cpo))
    roaming.run(tariffs_client.push_all_tariffs(cpo))
    log: list[tuple[str, str]] = []
    roaming.bus.subscribe(lambda e: log.append((type(e).__name__, getattr(e, "driver", ""))))
    world.start()

    habits = Habits(DriverProfile.SHOPPER, CENTRE, Circle(CENTRE.lat, CENTRE.lon, 10.0), None, 600, 0, D("0.3"))
    drivers = []
    for index, kind in enumerate((TokenKind.RFID, TokenKind.APP), start=1):
        token = driver_token(emsp.emsp_data.party, index, kind, TokenPolicy(), roaming.clock.now())
        tokens_client.add_token(emsp, token)
        who = Driver(
            f"DE-MSA/d{index:04d}",
            emsp,
            token,
            kind,
            EVState(EV_PRESETS["compact"], D("0.2")),
            habits,
            world,
            rng=random.Random(index),
        )
        who._trips = deque([Trip(roaming.clock.at(roaming.env.now + 3600), Purpose.HOME, CENTRE, 1.3)])
        drivers.append(who)
    roaming.run(tokens_client.push_tokens(emsp))
    for who in drivers:
        roaming.env.process(who.charge_stop())
    roaming.settle(7200)

    names = [name for name, _ in log]
    for who in drivers:
        mine = [name for name, driver in log if driver == who.name]
        assert mine == ["ChargeAttempted", "ChargeStarted", "ChargeEnded"], who.name
        assert who.ev.soc > D("0.4")
    assert names.count("AuthorizationDecided") == 1  # the RFID driver's
    assert names.count("CommandCompleted") == 1  # the app driver's START_SESSION
    assert "ChargeRefused" not in names and "DriverGaveUp" not in names
    assert "EVSEStatusChanged" in names
    assert len(emsp.emsp_data.cdrs) == 2  # both sessions billed to the eMSP


def test_with_the_real_world_a_queue_forms_and_a_foreign_cpo_refuses() -> None:
    from sim.scenario.schema import Reliability
    from sim.world.world import CPOSettings, World

    roaming = Roaming()
    cpa, cpx, emsp = roaming.cpo("NL-CPA"), roaming.cpo("FR-CPX"), roaming.emsp("DE-MSA")
    roaming.connect(emsp, cpa)  # no link at all to FR-CPX
    world = World(roaming.env, roaming.clock, roaming.bus, seed=1)
    for cpo, location_id, km in ((cpa, "L1", 1.0), (cpx, "X1", 0.5)):
        tariffs_client.add_tariff(cpo, tariff(cpo.name, "T1", "0.30"))
        locations_client.add_location(
            cpo, location(cpo.name, location_id, destination(CENTRE, 90.0, km), [("AVAILABLE", AC22, "T1")])
        )
        world.add_cpo(cpo, CPOSettings(reliability=Reliability(mtbf=0)))
    roaming.run(locations_client.push_all_locations(cpa))
    roaming.run(tariffs_client.push_all_tariffs(cpa))
    events: list[tuple[str, str, str, float]] = []
    begin = roaming.env.now

    def record(event: Any) -> None:
        detail = getattr(event, "reason", None) or getattr(event, "location_id", "")
        events.append(
            (
                type(event).__name__,
                event.driver,
                detail,
                round(event.time.timestamp() - roaming.clock.start.timestamp() - begin),
            )
        )

    for kind in (ChargeAttempted, ChargeRefused, DriverQueued, DriverGaveUp):
        roaming.bus.subscribe(record, kind)
    world.start()

    habits = Habits(DriverProfile.SHOPPER, CENTRE, Circle(CENTRE.lat, CENTRE.lon, 10.0), None, 600, 0, D("0.3"))
    # d0001 has enough once it leaves at 1800 s (0.55 + 5.5 kWh / 40 kWh > 0.6); the others need more.
    setups = (
        ("DE-MSA/d0001", 0.0, 1800.0, "0.55"),
        ("DE-MSA/d0002", 1.0, 3600.0, "0.2"),
        ("DE-MSA/d0003", 1.0, 3600.0, "0.2"),
    )
    drivers = []
    for index, (name, other_maps, leave, soc) in enumerate(setups, start=1):
        token = driver_token(emsp.emsp_data.party, index, TokenKind.RFID, TokenPolicy(), roaming.clock.now())
        tokens_client.add_token(emsp, token)
        car = EVState(EV_PRESETS["compact"], D(soc))
        wants = Preferences(other_maps=other_maps, patience_s=3600)
        who = Driver(name, emsp, token, TokenKind.RFID, car, habits, world, rng=random.Random(index), preferences=wants)
        who._trips = deque([Trip(roaming.clock.at(begin + leave), Purpose.HOME, CENTRE, 1.3)])
        drivers.append(who)
    roaming.run(tokens_client.push_tokens(emsp))
    # d0001 takes L1 (the app's only choice); d0002 and d0003 look on another map: X1 of FR-CPX is
    # nearest, they are refused there, then queue at L1 until d0001 leaves (at 1800 s).
    for who in drivers:
        roaming.env.process(who.charge_stop())
    roaming.settle(7200)
    by_driver = {who.name: [e[0] + ":" + e[2] for e in events if e[1] == who.name] for who in drivers}
    assert by_driver["DE-MSA/d0001"] == ["ChargeAttempted:L1"]
    assert by_driver["DE-MSA/d0002"] == [
        "ChargeAttempted:X1",
        "ChargeRefused:no_roaming_agreement",
        "DriverQueued:L1",
        "ChargeAttempted:L1",
    ]
    # d0003 queued behind d0002 and waited its whole patience in vain.
    assert by_driver["DE-MSA/d0003"][:3] == [
        "ChargeAttempted:X1",
        "ChargeRefused:no_roaming_agreement",
        "DriverQueued:L1",
    ]
    assert by_driver["DE-MSA/d0003"][3:] == ["DriverGaveUp:queue_timeout"]
    started = next(e[3] for e in events if e[1] == "DE-MSA/d0002" and e[2] == "L1" and e[0] == "ChargeAttempted")
    assert started == 1800
