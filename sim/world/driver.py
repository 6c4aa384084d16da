"""A driver: a person with an EV, a token of their eMSP and a daily plan, as a SimPy process.

``Driver.run`` follows the day plans (``sim.world.profiles``): wait for a trip's departure, drive
(simulated time, battery drained), arrive.  On arrival the driver charges when the battery is below
their threshold or holds too little for the rest of the day's trips plus a 10 % reserve:

1. search (``sim.world.chooser``: the eMSP's copy, or now and then a third-party map of the truth);
2. drive to the best candidate; at the site take a free EVSE with a compatible connector
   (``World.at_location``); if every usable one is taken, publish ``DriverQueued`` and wait for one
   to be ``freed()`` up to ``patience``, then try the next candidate; at most ``MAX_SITES`` sites;
3. plug in and start — RFID (``ChargePoint.start_by_rfid``: the CPO authorizes) or app (the eMSP
   sends START_SESSION through ``commands_client.start_session`` while the charge point waits for it,
   ``await_remote_start``; the driver publishes ``CommandCompleted``);
4. refused: publish ``ChargeRefused`` (the reason of the start outcome; ``no_roaming_agreement`` when
   the eMSP has no way to reach that CPO at all), unplug and try a candidate of another CPO;
5. started: stay for the planned stop — until the next trip's departure (at least ``MIN_STAY_S``),
   then longer, looking every ``POLL_S`` for up to ``MAX_EXTRA_STAY_S``, while the battery holds
   less than enough (the threshold + 30 points, or what the rest of the day needs, at most
   ``ENOUGH_CAP``) and still gains energy; ride-hailing drivers leave as soon as they reach
   ``RIDE_HAILING_TARGET`` — then unplug.  The car leaves at once: ``ChargePoint.unplug`` runs as a
   process of its own, so the backend's final messages never hold the driver up.

App drivers may use the app for more (``sim.world.driver_app`` sends the commands and explains the
choices): a share (``Preferences.reserve``) **reserve** the chosen EVSE (RESERVE_NOW) before driving
farther than ``RESERVE_BEYOND_KM`` to it; there it is theirs (tried first; RESERVED to anyone else;
started by app as usual — the CPO turns the reservation into the session), and unused (charging at
another EVSE, giving up, refused) they cancel it (2.1.1 has no CANCEL_RESERVATION: it expires).  A
share (``Preferences.remote_stop``) **stop from the app** (STOP_SESSION) at the end of the stay,
walk to the car (``WALK_S``, delaying the departure as much) and unplug.  Who does either is drawn
when the driver is made: two draws after the population's, only for app drivers of a population
using either share (so others draw exactly as before); a larger share keeps everyone drawn before.

Out of candidates or sites → ``DriverGaveUp``; the plan goes on.  The charge points publish
``ChargeStarted``/``ChargeEnded``; the driver publishes ``ChargeAttempted``, ``ChargeRefused``,
``DriverQueued``, ``DriverGaveUp`` and ``CommandCompleted``.  Every random draw comes from the
driver's own generator, in a fixed order.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Generator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sim.events import ChargeAttempted, ChargeRefused, CommandCompleted, DriverGaveUp, DriverQueued
from sim.ocpi.headers import PartyRef
from sim.ocpi.v221.commands import CommandResponseType, CommandResultType
from sim.ocpi.v221.locations import Connector
from sim.ocpi.v221.tariffs import Tariff
from sim.ocpi.v221.tokens import Token
from sim.parties.modules import commands_client
from sim.parties.modules.commands_client import CommandOutcome
from sim.parties.platform import Platform
from sim.parties.targets import direct_or_via_hub
from sim.scenario.schema import DriverProfile, TokenKind
from sim.world import chooser, driver_app
from sim.world.ev import EVState, is_dc
from sim.world.geo import Point, drive_seconds, road_km
from sim.world.ports import ChargePointPort, StartResult, WorldPort
from sim.world.profiles import MISS_AFTER_S, Habits, Trip, plan_day

Process = Generator[Any, Any, Any]

RESERVE_SHARE = Decimal("0.1")
"""Battery share a driver keeps in reserve beyond the planned trips."""
RIDE_HAILING_TARGET = Decimal("0.8")
"""Ride-hailing drivers charge on DC to here and go (the curve tapers above)."""
ENOUGH_CAP = Decimal("0.8")
"""The most a private driver waits for beyond the planned departure."""
MAX_SITES = 3
"""Charging sites a driver tries in one stop before giving up."""
APP_START_TIMEOUT_S = 120.0
"""How long an app user waits at the charger for a remote start before giving up on it."""
POLL_S = 600.0
MAX_EXTRA_STAY_S = 7200.0
MIN_STAY_S = 900.0
"""Nobody plugs in for less than a quarter of an hour."""


class Activity(StrEnum):
    """What a driver is doing (for views)."""

    PARKED = "parked"
    DRIVING = "driving"
    QUEUED = "queued"
    CHARGING = "charging"


class GaveUp(StrEnum):
    """Why a driver who needed to charge did not (``DriverGaveUp.reason``)."""

    NO_CHARGER_FOUND = "no_charger_found"
    QUEUE_TIMEOUT = "queue_timeout"
    UNAVAILABLE = "unavailable"
    REFUSED = "refused"


NO_ROAMING_AGREEMENT = "no_roaming_agreement"


@dataclass(frozen=True)
class Preferences:
    """How a driver searches and waits (from the scenario's ``drivers``)."""

    search_radius_km: float = 5.0
    patience_s: float = 900.0
    other_maps: float = 0.05
    reserve: float = 0.0
    """Share of app drivers who reserve a charger farther than ``driver_app.RESERVE_BEYOND_KM``."""
    remote_stop: float = 0.0
    """Share of app drivers who stop the session from the app before unplugging."""
    stuck_cable: float = 0.0
    """Share of departures where the cable is stuck and the eMSP's help desk unlocks it."""


@dataclass(frozen=True)
class Leg:
    """A drive in progress (for views): from where to where, leaving and arriving when (simulated
    seconds since the start), and whether the driver is heading for a charger."""

    origin: Point
    destination: Point
    depart_s: float
    arrive_s: float
    to_charger: bool


@dataclass(frozen=True)
class _Started:
    ok: bool
    reason: str | None
    session_id: str | None = None


class Driver:
    """One driver and their car (see the module docstring)."""

    def __init__(
        self,
        name: str,
        emsp: Platform,
        token: Token,
        kind: TokenKind,
        ev: EVState,
        habits: Habits,
        world: WorldPort,
        *,
        rng: random.Random,
        preferences: Preferences | None = None,
        estimator: chooser.PriceEstimator | None = None,
        time_zone: str = "Europe/Amsterdam",
    ) -> None:
        self.name = name
        self.emsp = emsp
        self.token = token
        self.kind = kind
        self.ev = ev
        self.habits = habits
        self.world = world
        self.rng = rng
        self.preferences = preferences or Preferences()
        self.estimator = estimator or chooser.PriceEstimator()
        self.zone = ZoneInfo(time_zone)
        self.position: Point = habits.home
        self.activity = Activity.PARKED
        self.leg: Leg | None = None
        """The drive in progress (None when not driving)."""
        self._trips: deque[Trip] = deque()
        self._next_day = world.clock.now().astimezone(self.zone).date()
        self.reserves = False
        """Reserves the chosen charger before driving there (app drivers only; module docstring)."""
        self.stops_remotely = False
        """Stops the session from the app before unplugging (app drivers only)."""
        self._cable_rng: random.Random | None = None
        wants = self.preferences
        if kind is TokenKind.APP and (wants.reserve > 0 or wants.remote_stop > 0):
            self.reserves = rng.random() < wants.reserve
            self.stops_remotely = rng.random() < wants.remote_stop

    @property
    def home(self) -> Point:
        """Where the driver lives."""
        return self.habits.home

    @property
    def profile(self) -> DriverProfile:
        """The driver's behaviour profile."""
        return self.habits.profile

    def __repr__(self) -> str:
        return f"<Driver {self.name} {self.profile.value} {self.ev.model.name} soc={self.ev.soc:.2f}>"

    # --- the day -----------------------------------------------------------------------------------

    def run(self) -> Process:
        """The SimPy process: follow the plans, charge when needed, forever."""
        env = self.world.env
        while True:
            trip = self._upcoming().popleft()
            depart = self._seconds(trip.depart)
            if depart < 0:
                self.position = trip.destination  # planned before the run started: done, no drain
                continue
            if trip.missable and env.now - depart > MISS_AFTER_S:
                continue
            if depart > env.now:
                yield env.timeout(depart - env.now)
            yield from self._drive(trip.destination)
            if self._needs_charge():
                yield from self.charge_stop()

    def _upcoming(self) -> deque[Trip]:
        """The planned trips not yet made (the next day's plan is drawn when they run out)."""
        while not self._trips:
            self._trips.extend(plan_day(self.habits, self._next_day, self.zone.key, self.rng).trips)
            self._next_day += timedelta(days=1)
        return self._trips

    def _next_departure_s(self) -> float:
        return self._seconds(self._upcoming()[0].depart)

    def _seconds(self, moment: datetime) -> float:
        return (moment.astimezone(UTC) - self.world.clock.start).total_seconds()

    def _drive(self, where: Point, *, to_charger: bool = False) -> Process:
        km = road_km(self.position, where)
        seconds = drive_seconds(km)
        now = self.world.env.now
        self.activity = Activity.DRIVING
        self.leg = Leg(self.position, where, now, now + seconds, to_charger)
        yield self.world.env.timeout(seconds)
        self.ev.drain_km(km)
        self.position = where
        self.activity = Activity.PARKED
        self.leg = None

    def _enough_soc(self) -> Decimal:
        """State of charge for the trips ahead plus the reserve: the rest of today's plan, or for a
        ride-hailing driver (who charges when low, not ahead of the day) the next ride."""
        if self.profile is DriverProfile.RIDE_HAILING:
            ahead = list(self._trips)[:1]
        else:
            today = self.world.clock.now().astimezone(self.zone).date()
            ahead = [trip for trip in self._trips if trip.depart.astimezone(self.zone).date() == today]
        kwh = sum((self.ev.kwh_for_km(trip.km) for trip in ahead), Decimal(0))
        return min(Decimal(1), kwh / self.ev.model.battery_kwh + RESERVE_SHARE)

    def _needs_charge(self) -> bool:
        return self.ev.soc < self.habits.charge_below or self.ev.soc < self._enough_soc()

    # --- a charging stop ---------------------------------------------------------------------------

    def charge_stop(self) -> Process:
        """Find a charger, start, stay and leave — or give up (see the module docstring)."""
        env, clock = self.world.env, self.world.clock
        fast = self.profile is DriverProfile.RIDE_HAILING
        target = RIDE_HAILING_TARGET if fast else Decimal(1)
        if fast:
            dwell = self.ev.model.charge_seconds(self.ev.soc, target, self.ev.model.max_dc_kw, True) + 600
        else:
            dwell = max(MIN_STAY_S, self._next_departure_s() - env.now)
        need = chooser.Need(
            self.position, self.preferences.search_radius_km, self.ev.soc, target, dwell, clock.now(), fast
        )
        candidates = chooser.search(
            self.emsp.emsp_data,
            lambda: list(self.world.all_locations()),
            self.ev.model,
            need,
            self.estimator,
            other_maps=self.preferences.other_maps,
            rng=self.rng,
            world_tariffs=self._true_tariffs,
        )
        outcome = GaveUp.NO_CHARGER_FOUND
        refused: set[str] = set()
        sites = 0
        for candidate in candidates:
            if candidate.cpo in refused or sites == MAX_SITES:
                continue
            sites += 1
            held = (yield from driver_app.reserve_if_far(self, candidate)) if self.reserves else None
            yield from self._drive(candidate.point, to_charger=True)
            result = yield from self._at_site(candidate, held)
            if result is None:
                return
            outcome = result
            if result is GaveUp.REFUSED:
                refused.add(candidate.cpo)
        self.world.bus.publish(DriverGaveUp(clock.now(), self.name, self.emsp.name, outcome.value))

    def _true_tariffs(self, cpo: str, location_id: str, connector: Connector) -> list[Tariff]:
        """A connector's tariffs as its CPO has them (what a third-party map shows)."""
        points = self.world.at_location(cpo, location_id)
        if not points:
            return []
        data = points[0].cpo.cpo_data
        found = (data.tariffs.get(data.party, tariff_id) for tariff_id in connector.tariff_ids or [])
        return [tariff for tariff in found if tariff is not None]

    def _at_site(
        self, candidate: chooser.Candidate, held: driver_app.Held | None = None
    ) -> Generator[Any, Any, GaveUp | None]:
        """Charge here (None) or say why not; ``held``: the driver's reservation here, used or cancelled."""
        env = self.world.env
        points = [cp for cp in self.world.at_location(candidate.cpo, candidate.location_id) if self._usable(cp)]
        if self.profile is DriverProfile.RIDE_HAILING:
            points.sort(key=lambda cp: -self._power(cp))  # stable: equal power keeps world order
        if held is not None:
            reserved = held
            points.sort(key=lambda cp: not reserved.at(cp))  # the reserved EVSE first
        deadline = env.now + self.preferences.patience_s
        queued = False
        while True:
            for cp in points:
                connector = cp.compatible_connector(self.ev.model)
                mine = held is not None and held.at(cp)  # RESERVED for everyone else, plugs in for us
                if (cp.status.name != "FREE" and not mine) or connector is None or not cp.plug_in(self, connector.id):
                    continue
                if not mine:
                    driver_app.release(self, held)  # charging at another EVSE: the reservation is not needed
                    held = None
                self.activity = Activity.CHARGING
                started = yield from self._start(cp, connector, candidate.cpo)
                if started.ok:
                    held = None  # used: the CPO turned it into the session
                    yield from self._stay(cp, connector)
                    if self.stops_remotely and started.session_id is not None:
                        yield from driver_app.stop_and_walk(self, candidate.cpo, started.session_id)
                    if self._cable_sticks():
                        yield from driver_app.help_desk_unlock(self, candidate.cpo, cp, connector.id)
                self._unplug(cp)
                driver_app.release(self, held)
                return None if started.ok else GaveUp.REFUSED
            # Wait only for taken ones: ``freed()`` of a FREE charge point fires at once.
            waiting = [cp for cp in points if cp.status.name in ("OCCUPIED", "RESERVED")]
            if not waiting or env.now >= deadline:
                self.activity = Activity.PARKED
                driver_app.release(self, held)
                return GaveUp.QUEUE_TIMEOUT if waiting else GaveUp.UNAVAILABLE
            if not queued:
                queued = True
                self.activity = Activity.QUEUED
                self.world.bus.publish(
                    DriverQueued(self.world.clock.now(), self.name, candidate.cpo, candidate.location_id)
                )
            yield env.any_of([cp.freed() for cp in waiting] + [env.timeout(deadline - env.now)])

    def _cable_sticks(self) -> bool:
        share = self.preferences.stuck_cable
        if share <= 0:
            return False
        if self._cable_rng is None:  # its own stream: scenarios without stuck cables draw exactly as before
            self._cable_rng = self.world.rng_for(f"cable:{self.name}")
        return self._cable_rng.random() < share

    def _unplug(self, cp: ChargePointPort) -> None:
        # The car leaves at once; the backend's final messages (session PATCH, CDR) go on without it.
        self.world.env.process(cp.unplug(self))
        self.activity = Activity.PARKED

    def _usable(self, cp: ChargePointPort) -> bool:
        return cp.compatible_connector(self.ev.model) is not None

    def _power(self, cp: ChargePointPort) -> Decimal:
        connector = cp.compatible_connector(self.ev.model)
        return cp.max_power_kw(connector) if connector is not None else Decimal(0)

    def _stay(self, cp: ChargePointPort, connector: Connector) -> Process:
        env = self.world.env
        if self.profile is DriverProfile.RIDE_HAILING:
            enough, until = RIDE_HAILING_TARGET, env.now
            until += self.ev.model.charge_seconds(self.ev.soc, enough, cp.max_power_kw(connector), is_dc(connector))
        else:
            enough = min(ENOUGH_CAP, max(self.habits.charge_below + Decimal("0.3"), self._enough_soc()))
            until = max(env.now + MIN_STAY_S, self._next_departure_s())
        if until > env.now:
            yield env.timeout(until - env.now)
        latest = env.now + MAX_EXTRA_STAY_S
        while self.ev.soc < enough and env.now < latest:
            before = self.ev.soc
            yield env.timeout(min(POLL_S, latest - env.now))
            if self.ev.soc <= before:
                break  # no energy flows any more (stopped, broken, throttled to 0): waiting is pointless

    # --- starting ----------------------------------------------------------------------------------

    def _start(self, cp: ChargePointPort, connector: Connector, cpo: str) -> Generator[Any, Any, _Started]:
        clock = self.world.clock
        location_id = cp.location.id
        self.world.bus.publish(
            ChargeAttempted(clock.now(), self.name, self.emsp.name, cpo, location_id, cp.evse_uid, self.kind.value)
        )
        if self.kind is TokenKind.RFID:
            outcome = yield from cp.start_by_rfid(self)
            started = _Started(outcome.started, outcome.reason, outcome.session_id)
        else:
            started = yield from self._app_start(cp, connector, cpo)
        if not started.ok:
            reason = started.reason or "not_started"
            if not self.has_agreement(cpo):
                reason = NO_ROAMING_AGREEMENT
            self.world.bus.publish(
                ChargeRefused(clock.now(), self.name, self.emsp.name, cpo, location_id, cp.evse_uid, reason)
            )
        return started

    def _app_start(self, cp: ChargePointPort, connector: Connector, cpo: str) -> Generator[Any, Any, _Started]:
        env, clock = self.world.env, self.world.clock
        sent_at = env.now
        waiting = env.process(cp.await_remote_start(self, APP_START_TIMEOUT_S))
        command: CommandOutcome = yield from commands_client.start_session(
            self.emsp,
            cpo=PartyRef.parse(cpo),
            location_id=cp.location.id,
            token_uid=self.token.uid,
            evse_uid=cp.evse_uid,
            connector_id=connector.id,
            token_type=self.token.type,
        )
        response = command.response.result.value if command.response is not None else None
        result = command.result.result.value if command.result is not None else None
        self.world.bus.publish(
            CommandCompleted(
                clock.now(),
                self.emsp.name,
                cpo,
                "START_SESSION",
                response,
                result,
                command.timed_out,
                env.now - sent_at,
            )
        )
        failure = command_failure(command)
        if failure is not None and not waiting.triggered:
            return _Started(False, failure)  # the app says it failed: the driver does not wait on
        outcome: StartResult = yield waiting
        if outcome.started:
            return _Started(True, None, outcome.session_id)
        return _Started(False, failure or ("command_timeout" if command.timed_out else outcome.reason))

    def has_agreement(self, cpo: str) -> bool:
        """Whether the driver's eMSP can reach this CPO at all (directly or through a hub)."""
        ref = PartyRef.parse(cpo)
        return any(
            direct_or_via_hub(self.emsp, ref, module, "RECEIVER") is not None for module in ("tokens", "commands")
        )


def command_failure(command: CommandOutcome) -> str | None:
    """Why a START_SESSION failed as the eMSP saw it, or None (accepted, or no answer yet: timed out)."""
    if command.exchange is None:
        return "cpo_unreachable" if command.error is None else NO_ROAMING_AGREEMENT
    if command.response is None:
        return "cpo_unreachable"
    if command.response.result is not CommandResponseType.ACCEPTED:
        return "command_rejected"
    if command.result is None:
        return None
    return {
        CommandResultType.ACCEPTED: None,
        CommandResultType.EVSE_OCCUPIED: "evse_occupied",
        CommandResultType.EVSE_INOPERATIVE: "evse_broken",
        CommandResultType.TIMEOUT: "command_timeout",
    }.get(command.result.result, "command_rejected")


__all__ = [
    "APP_START_TIMEOUT_S",
    "MAX_SITES",
    "NO_ROAMING_AGREEMENT",
    "RIDE_HAILING_TARGET",
    "Activity",
    "Driver",
    "GaveUp",
    "Leg",
    "Preferences",
    "command_failure",
]
