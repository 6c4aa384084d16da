"""The physical world: every CPO's EVSEs as charge points, their failures, and the CPOs' hooks into them.

``World`` holds one ``ChargePoint`` per EVSE of each CPO added (``add_cpo``; ``build`` does it from
a simulation's scenario), in CPO, Location and EVSE order, keyed ``(cpo name, location id, EVSE
uid)``.  Drivers find charge points with ``at_location`` and search the truth with
``all_locations`` (the CPOs' own Locations as they are now).

Per CPO (``CPOSettings``, from the scenario's party): ``reliability`` (MTBF/MTTR of each EVSE),
``chargers`` (the command delay and the share of START_SESSION commands never answered) and
``session_update_interval``.  ``add_cpo`` attaches the CPO's commands hook
(``commands_state.CPOCommandsState.physical``):

* START_SESSION is ACCEPTED only for an EVSE (the named one, or any the command allows) where a
  car of that token is plugged in and its driver waits for a remote start; the charge point then
  starts the session (auth COMMAND, the command's ``authorization_reference``) once the result is
  POSTed, and ``await_remote_start`` resolves.  Otherwise FAILED when an EVSE is free but no such
  car is there, EVSE_OCCUPIED when taken or reserved, EVSE_INOPERATIVE when broken;
* STOP_SESSION ends the charge point's session (final PATCH, CDR); the car stays, the EVSE shows
  BLOCKED until the driver unplugs (``sim.world.chargepoint`` explains why);
* UNLOCK_CONNECTOR ends a session stuck on that connector the same way (ACCEPTED either way);
* RESERVE_NOW asks the physical state (free → ACCEPTED); the reserved charge point lets only the
  reserving token's driver plug in; expiry, cancellation and use free it (``freed()`` fires).

``start`` (once the network is set up) pushes every EVSE's true status where the CPO's stored one
differs (data files carry UNKNOWN, CHARGING … from another day) and starts the failure processes:
exponential times between failures and to repair, drawn from the EVSE's own generator
``rng_for("failures:{cpo}/{location}/{evse}")``.  An EVSE stored OUTOFORDER starts broken (repaired
after a repair time), one stored INOPERATIVE, PLANNED or REMOVED starts closed.  ``mtbf: 0`` turns
failures off.

``power_cap`` is the simulation's own smart-charging hook: a callable giving a charge point's extra
power limit in kW (None: none), read at every power step.  ``ChargePoint.recompute`` applies a
change at once.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Protocol

import simpy

from sim.bus import EventBus
from sim.clock import SimClock
from sim.ocpi.common import case_fold
from sim.ocpi.headers import PartyRef
from sim.ocpi.v221.cdrs import AuthMethod
from sim.ocpi.v221.commands import CommandResultType, StartSession, UnlockConnector
from sim.ocpi.v221.locations import EVSE, Location
from sim.ocpi.v221.locations_enums import Status
from sim.ocpi.v221.sessions import Session
from sim.ocpi.v221.tokens import Token
from sim.parties.modules.commands_state import Outcome, cpo_state, reservation_at
from sim.parties.modules.locations import find_connector
from sim.parties.modules.results import Origin
from sim.parties.modules.sessions import cdr_token
from sim.parties.platform import Platform
from sim.scenario.schema import ChargerBehaviour, Reliability, Scenario
from sim.world.chargepoint import ChargePoint, EVSEKey, EVSEState, Plug
from sim.world.charging import SAMPLE_S, Charging, version_with

PowerCap = Callable[[ChargePoint], Decimal | None]
_CLOSED = frozenset({Status.INOPERATIVE, Status.PLANNED, Status.REMOVED})


@dataclass(frozen=True)
class CPOSettings:
    """How one CPO's chargers behave (the scenario party's fields of the same names)."""

    reliability: Reliability = field(default_factory=Reliability)
    chargers: ChargerBehaviour = field(default_factory=ChargerBehaviour)
    session_update_interval: float = 900.0


class Assembly(Protocol):
    """What ``World.build`` reads from the simulation being assembled."""

    env: simpy.Environment
    clock: SimClock
    bus: EventBus
    seed: int
    scenario: Scenario


class World:
    """The charge points of every CPO (see the module docstring)."""

    def __init__(
        self, env: simpy.Environment, clock: SimClock, bus: EventBus, *, seed: int | str, sample_s: float = SAMPLE_S
    ) -> None:
        self.env, self.clock, self.bus, self.seed = env, clock, bus, seed
        self.sample_s = sample_s
        self.charge_points: dict[EVSEKey, ChargePoint] = {}
        self.settings: dict[str, CPOSettings] = {}
        self.sessions: dict[tuple[str, str], ChargePoint] = {}
        """The charge point of each session it started, by (CPO name, case-folded session id)."""
        self.power_cap: PowerCap | None = None
        self._cpos: list[Platform] = []
        self._index: dict[tuple[str, str, str], ChargePoint] = {}
        self._by_location: dict[tuple[str, str], list[ChargePoint]] | None = None
        """``_index`` grouped by (CPO name, case-folded location id), in its order; None: not made
        yet.  Made from ``_index`` and dropped whenever ``add_cpo`` changes it, so never stale."""
        self._evse_indexes: dict[tuple[str, str], tuple[Location, dict[str, EVSE]]] = {}
        """Per (CPO name, location id): the Location object last indexed and its EVSEs by case-folded
        uid.  Never stale: a Location is never changed in place (every change stores a new object),
        and the index is made again when the object differs."""
        self._started = False

    @classmethod
    def build(cls, simulation: Assembly, cpos: Sequence[Platform]) -> World:
        """The world of a simulation: ``cpos`` with their scenario settings (see ``CPOSettings``)."""
        world = cls(simulation.env, simulation.clock, simulation.bus, seed=simulation.seed)
        specs = {party.id: party for party in simulation.scenario.parties}
        for cpo in cpos:
            spec = specs.get(cpo.name)
            settings = CPOSettings()
            if spec is not None:
                settings = CPOSettings(spec.reliability, spec.chargers, spec.session_update_interval)
            world.add_cpo(cpo, settings)
        return world

    def rng_for(self, name: str) -> random.Random:
        """The world's random generator for ``name`` (seeded ``{seed}:{name}``)."""
        return random.Random(f"{self.seed}:{name}")

    def add_cpo(self, cpo: Platform, settings: CPOSettings | None = None) -> list[ChargePoint]:
        """A charge point per EVSE of ``cpo``'s Locations (creation order), and the commands hook."""
        settings = settings or CPOSettings()
        self._cpos.append(cpo)
        self.settings[cpo.name] = settings
        made = []
        for location in cpo.cpo_data.locations.owned_by(cpo.cpo_data.party):
            for evse in location.evses or []:
                point = ChargePoint(self, cpo, location, evse.uid)
                point.broken = evse.status is Status.OUTOFORDER
                point.closed = evse.status in _CLOSED
                self.charge_points[point.key] = point
                self._index[(cpo.name, case_fold(location.id), case_fold(evse.uid))] = point
                made.append(point)
        self._by_location = None
        state = cpo_state(cpo)
        state.behaviour = replace(
            state.behaviour,
            delay_s=settings.chargers.delay,
            start_timeout_probability=settings.chargers.start_timeout_probability,
        )
        state.physical = PhysicalChargers(self, cpo)
        return made

    def charge_point(self, cpo: str, location_id: str, evse_uid: str) -> ChargePoint | None:
        """A charge point by its CPO name, Location id and EVSE uid (ids case-insensitive)."""
        return self._index.get((cpo, case_fold(location_id), case_fold(evse_uid)))

    def at_location(self, cpo: str, location_id: str) -> list[ChargePoint]:
        """The charge points of one Location, in EVSE order."""
        if self._by_location is None:
            grouped: dict[tuple[str, str], list[ChargePoint]] = {}
            for key, point in self._index.items():
                grouped.setdefault((key[0], key[1]), []).append(point)
            self._by_location = grouped
        return list(self._by_location.get((cpo, case_fold(location_id)), ()))

    def evse_in(self, cpo: str, location: Location, evse_uid: str) -> EVSE | None:
        """``find_evse(location, evse_uid)`` for a Location of ``cpo``, through an index made once per
        Location object: after every change at a site, each of its charge points looks up its EVSE."""
        key = (cpo, location.id)
        known = self._evse_indexes.get(key)
        if known is None or known[0] is not location:
            index: dict[str, EVSE] = {}
            for evse in location.evses or ():
                index.setdefault(case_fold(evse.uid), evse)  # the first of equal uids, as find_evse finds it
            known = self._evse_indexes[key] = (location, index)
        return known[1].get(case_fold(evse_uid))

    def all_locations(self) -> list[tuple[str, Location]]:
        """Every CPO's own Locations as they are now: (CPO name, Location)."""
        return [(cpo.name, loc) for cpo in self._cpos for loc in cpo.cpo_data.locations.owned_by(cpo.cpo_data.party)]

    # --- running ----------------------------------------------------------------------------------

    def start(self) -> None:
        """Push every EVSE's true status and start the failure processes (once)."""
        if self._started:
            return
        self._started = True
        for point in self.charge_points.values():
            point.push_status()
            reliability = self.settings[point.cpo.name].reliability
            if reliability.mtbf > 0 or point.broken:
                rng = self.rng_for("failures:" + "/".join(point.key))
                self.env.process(_failures(self.env, point, reliability, rng))

    def new_charging(self, point: ChargePoint, plug: Plug, session: Session) -> Charging:
        """The charging process of a session that just started at ``point``."""
        cpo = point.cpo
        data = cpo.cpo_data
        connector = find_connector(point.evse, plug.connector.id) or plug.connector
        tariffs = [t for t in (data.tariffs.get(data.party, tid) for tid in connector.tariff_ids or []) if t]
        owner = PartyRef(session.cdr_token.country_code, session.cdr_token.party_id)

        def cap() -> Decimal | None:
            return self.power_cap(point) if self.power_cap is not None else None

        return Charging(
            cpo=cpo,
            session=session,
            ev=plug.driver.ev,
            connector=connector,
            tariffs=tariffs,
            time_zone=point.location.time_zone or "UTC",
            version=version_with(cpo, owner, "RECEIVER"),
            update_interval_s=self.settings[cpo.name].session_update_interval,
            send=point.backend,
            cap=cap,
            sample_s=self.sample_s,
        )


def _failures(
    env: simpy.Environment, point: ChargePoint, reliability: Reliability, rng: random.Random
) -> Generator[simpy.Event, Any, None]:
    def repair_time() -> float:
        return rng.expovariate(1.0 / reliability.mttr) if reliability.mttr > 0 else 0.0

    if point.broken:
        yield env.timeout(repair_time())
        point.repair()
    while reliability.mtbf > 0:
        yield env.timeout(rng.expovariate(1.0 / reliability.mtbf))
        point.break_down()
        yield env.timeout(repair_time())
        point.repair()


class PhysicalChargers:
    """A CPO's commands hook into the world (``commands_state.Physical``; module docstring)."""

    def __init__(self, world: World, cpo: Platform) -> None:
        self.world, self.cpo = world, cpo

    def _point(self, location_id: str, evse_uid: str) -> ChargePoint | None:
        return self.world.charge_point(self.cpo.name, location_id, evse_uid)

    def start(self, origin: Origin, cmd: StartSession, evse_uids: list[str]) -> Outcome | None:
        """START_SESSION: a waiting car of that token, else the most telling refusal."""
        points = [p for p in (self._point(cmd.location_id, uid) for uid in evse_uids) if p is not None]
        if not points:
            return None
        for point in points:
            plug = point.waiting_for(cmd.token.uid, origin.emsp)
            if plug is not None:
                plug.starting = True  # committed now; the session starts once the result is POSTed
                return CommandResultType.ACCEPTED, _remote_start(point, plug, cmd)
        states = {point.status for point in points}
        if EVSEState.FREE in states:
            return CommandResultType.FAILED, None
        if states & {EVSEState.OCCUPIED, EVSEState.RESERVED}:
            return CommandResultType.EVSE_OCCUPIED, None
        return CommandResultType.EVSE_INOPERATIVE, None

    def stop(self, session_id: str) -> Outcome | None:
        """STOP_SESSION: end the charge point's session (None: not a session of the world)."""
        point = self.world.sessions.get((self.cpo.name, case_fold(session_id)))
        if point is None:
            return None
        plug = point.plug
        if plug is None or plug.charging is None or case_fold(plug.session_id or "") != case_fold(session_id):
            return CommandResultType.FAILED, None
        return CommandResultType.ACCEPTED, _end(point, plug)

    def unlock(self, cmd: UnlockConnector) -> Outcome | None:
        """UNLOCK_CONNECTOR: ends a session running there."""
        point = self._point(cmd.location_id, cmd.evse_uid)
        if point is None:
            return None
        plug = point.plug
        if plug is None or plug.charging is None:
            return CommandResultType.ACCEPTED, None
        return CommandResultType.ACCEPTED, _end(point, plug)

    def verdict(self, origin: Origin, location_id: str, evse_uid: str, token: Token) -> CommandResultType | None:
        """RESERVE_NOW: whether the EVSE can be reserved for ``token`` now."""
        point = self._point(location_id, evse_uid)
        if point is None:
            return None
        status = point.status
        if status is EVSEState.BROKEN:
            return CommandResultType.EVSE_INOPERATIVE
        if status is EVSEState.OCCUPIED:
            return CommandResultType.EVSE_OCCUPIED
        if status is EVSEState.RESERVED:
            holder = reservation_at(self.cpo, location_id, evse_uid)
            mine = (
                holder is not None
                and holder.origin.emsp.key == origin.emsp.key
                and case_fold(holder.token.uid) == case_fold(token.uid)
            )
            return CommandResultType.ACCEPTED if mine else CommandResultType.EVSE_OCCUPIED
        return CommandResultType.ACCEPTED

    def reservation_changed(self, location_id: str, evse_uid: str) -> None:
        """A reservation started or ended there: drivers waiting for it to free up may go."""
        point = self._point(location_id, evse_uid)
        if point is not None:
            point.notify()


def _remote_start(point: ChargePoint, plug: Plug, cmd: StartSession) -> Generator[simpy.Event, Any, None]:
    token = cdr_token(cmd.token)
    yield point.start_session(plug, token, AuthMethod.COMMAND, cmd.authorization_reference, plug.wait_started)


def _end(point: ChargePoint, plug: Plug) -> Generator[simpy.Event, Any, None]:
    ending = point.end_session(plug)
    if ending is not None:
        yield ending


__all__ = ["Assembly", "CPOSettings", "PhysicalChargers", "PowerCap", "World"]
