"""A smart-charging service provider (SCSP, e.g. a grid operator) capping power during a grid peak.

Every day, from ``peak_start`` to ``peak_end`` local time, the SCSP looks every ``check_every``
at the sessions of the CPOs that delegated smart charging to it (it pulls their Locations once and
their Sessions list on each check — a CPO shows an SCSP peer all its sessions) and sets a
ChargingProfile capping each ACTIVE session at a location inside its area to ``limit_kw``.  At the
end of the peak it clears the profiles it set.  The chargers apply the cap on their next power
step; the CPO pushes every change of the ActiveChargingProfile back to the SCSP.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import simpy

from sim.ocpi.headers import PartyRef
from sim.ocpi.v211 import locations as l211
from sim.ocpi.v211 import sessions as s211
from sim.ocpi.v221.chargingprofiles import ChargingProfile
from sim.ocpi.v221.locations import Location
from sim.ocpi.v221.sessions import Session, SessionStatus
from sim.ocpi.v221.types import Role
from sim.parties.connection import Connection
from sim.parties.modules import chargingprofiles_client as profiles
from sim.parties.modules.pull import crawl
from sim.parties.platform import Platform
from sim.scenario.schema import SmartCharging
from sim.world.geo import Point, distance_km

if TYPE_CHECKING:
    from sim.simulation import Simulation

CHECK_EVERY_S = 300.0


def _not_on_211(item: Any, owner: PartyRef) -> Any:
    raise ValueError("smart charging needs OCPI 2.2.1 (ChargingProfiles does not exist in 2.1.1)")


class SmartChargingOperator:
    """The SCSP's daily peak-shaving routine (see the module docstring)."""

    def __init__(self, simulation: Simulation, spec: SmartCharging) -> None:
        party = simulation.party(spec.party)
        if not isinstance(party, Platform) or party.scsp is None:
            raise ValueError(f"{spec.party} is not a smart-charging (SCSP) party")
        self.scsp = party
        self.spec = spec
        self.env = simulation.env
        self.clock = simulation.clock
        self.zone = ZoneInfo(simulation.scenario.time_zone)
        self.capped: dict[tuple[str, str], PartyRef] = {}
        """(CPO name, session id) → CPO, for the sessions capped in the current peak."""

    def start(self) -> simpy.Process:
        """Start the daily routine."""
        return self.env.process(self._run())

    def _cpo_links(self) -> list[Connection]:
        return [c for c in sorted(self.scsp.connections.values(), key=lambda c: c.peer) if c.has_role(Role.CPO)]

    def _next(self, wall: str) -> float:
        """Seconds from now until the next local ``HH:MM``."""
        now = self.clock.now()
        local = now.astimezone(self.zone)
        hours, minutes = (int(p) for p in wall.split(":"))
        for days in range(3):
            moment = datetime.combine(local.date() + timedelta(days=days), time(hours, minutes), tzinfo=self.zone)
            if moment.astimezone(now.tzinfo) >= now:
                return (moment.astimezone(now.tzinfo) - now).total_seconds()
        return 86400.0  # pragma: no cover - three days always contain the next occurrence

    def _run(self) -> Generator[simpy.Event, Any, None]:
        yield from self._learn_locations()
        while True:
            yield self.env.timeout(self._next(self.spec.peak_start))
            end = self.env.now + self._next(self.spec.peak_end)
            while self.env.now < end:
                yield from self._cap_new_sessions()
                yield self.env.timeout(min(CHECK_EVERY_S, max(end - self.env.now, 1.0)))
            yield from self._release()

    def _learn_locations(self) -> Generator[simpy.Event, Any, None]:
        data = self.scsp.scsp
        assert data is not None
        for connection in self._cpo_links():
            yield from crawl(self.scsp, connection, "locations", store=data.locations, model_221=Location,
                             model_211=l211.Location, from_211=_not_on_211)  # fmt: skip

    def _in_area(self, location: Location | None) -> bool:
        if location is None:
            return False
        if self.spec.area is None:
            return True
        here = Point(float(location.coordinates.latitude), float(location.coordinates.longitude))
        centre = Point(self.spec.area.lat, self.spec.area.lon)
        return distance_km(here, centre) <= self.spec.area.radius_km

    def _cap_new_sessions(self) -> Generator[simpy.Event, Any, None]:
        data = self.scsp.scsp
        assert data is not None
        since = self.clock.now() - timedelta(days=2)
        limit = ChargingProfile.model_validate(
            {
                "charging_rate_unit": "W",
                "charging_profile_period": [{"start_period": 0, "limit": Decimal(str(self.spec.limit_kw * 1000))}],
            }
        )
        for connection in self._cpo_links():
            yield from crawl(self.scsp, connection, "sessions", store=data.sessions, model_221=Session,
                             model_211=s211.Session, from_211=_not_on_211, date_from=since, replace=True)  # fmt: skip
            for cpo in connection.parties(Role.CPO):
                for session in data.sessions.owned_by(cpo):
                    key = (str(cpo), session.id)
                    if session.status is not SessionStatus.ACTIVE or key in self.capped:
                        continue
                    if not self._in_area(data.locations.get(cpo, session.location_id)):
                        continue
                    outcome = yield from profiles.set_charging_profile(
                        self.scsp, cpo=cpo, session_id=session.id, profile=limit
                    )
                    if outcome.response is not None and outcome.response.result.value == "ACCEPTED":
                        self.capped[key] = cpo

    def _release(self) -> Generator[simpy.Event, Any, None]:
        for (_, session_id), cpo in sorted(self.capped.items()):
            yield from profiles.clear_charging_profile(self.scsp, cpo=cpo, session_id=session_id)
        self.capped.clear()
