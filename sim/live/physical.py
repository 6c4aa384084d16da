"""The physical side of a charging session, for its sequence diagram (no Qt).

``PhysicalLog`` keeps the world's events as they are published — start attempts, refusals, starts,
ends and EVSE status changes — indexed by EVSE and by session, so that ``session_moments`` can tell
what happened at the charger during one session:

* the driver plugs in and holds an RFID card (``ChargeAttempted`` by ``rfid``), or plugs in and
  starts in the eMSP's app (``app``: a second arrow from the driver to the eMSP);
* the charge point starts charging (``ChargeStarted``);
* the EVSE's status changes the charge point reports to its CPO (``EVSEStatusChanged``) from the
  attempt to the end, plus the first one after the end (the EVSE free again);
* the car is full: no event says so; a running charge shows it (the charging process is parking),
  an ended one by its parking time (``ChargeEnded.parking_s`` > 0: full at start + charging time);
* the driver unplugs (``ChargeEnded``).

Each ``Moment`` names its two lanes with ``DRIVER`` or ``CHARGE_POINT`` or ``CPO``/``EMSP`` (the
session's parties); ``sim.live.flow`` puts them on the diagram.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sim.events import ChargeAttempted, ChargeEnded, ChargeRefused, ChargeStarted, EVSEStatusChanged
from sim.ocpi.common import case_fold
from sim.pricing.timeline import Phase
from sim.world.world import World

DRIVER = "driver"
CHARGE_POINT = "charge point"
CPO = "CPO"
EMSP = "eMSP"
PhysicalEvent = ChargeAttempted | ChargeRefused | ChargeStarted | ChargeEnded | EVSEStatusChanged
KINDS = (ChargeAttempted, ChargeRefused, ChargeStarted, ChargeEnded, EVSEStatusChanged)
RELEASE = timedelta(minutes=5)
"""How long after a session's end an EVSE status change still belongs to it (the EVSE freed)."""


@dataclass(frozen=True)
class Moment:
    """Something that happened at the charger: an arrow from ``source`` to ``target`` (lane roles)."""

    time: datetime
    source: str
    target: str
    text: str
    marker: bool = False
    """A state rather than an action (the car is full): drawn as a note on ``source``'s lane."""


@dataclass(frozen=True)
class SessionActors:
    """Who and where: the driver (None when unknown), the EVSE, the session's eMSP."""

    driver: str | None
    evse_uid: str
    emsp: str | None


class PhysicalLog:
    """The world's events by EVSE and by session (see the module docstring); ``record`` each batch."""

    def __init__(self) -> None:
        self.by_evse: dict[tuple[str, str], list[PhysicalEvent]] = defaultdict(list)
        self.started: dict[tuple[str, str], ChargeStarted] = {}
        self.ended: dict[tuple[str, str], ChargeEnded] = {}

    def record(self, events: Iterable[Any]) -> bool:
        """Take in a batch of events; True when any of them was physical."""
        any_physical = False
        for event in events:
            if not isinstance(event, KINDS):
                continue
            any_physical = True
            self.by_evse[(event.cpo, case_fold(event.evse_uid))].append(event)
            if isinstance(event, ChargeStarted):
                self.started[(event.cpo, case_fold(event.session_id))] = event
            elif isinstance(event, ChargeEnded):
                self.ended[(event.cpo, case_fold(event.session_id))] = event
        return any_physical

    def actors(self, cpo: str, session_id: str) -> SessionActors | None:
        """The driver, EVSE and eMSP of a session the log saw start (None otherwise)."""
        started = self.started.get((cpo, case_fold(session_id)))
        if started is None:
            return None
        return SessionActors(started.driver, started.evse_uid, started.emsp)

    def session_moments(self, cpo: str, session_id: str, world: World | None = None) -> list[Moment]:
        """What happened at the charger during the session, in time order (see the module docstring).

        ``world`` (the running simulation's) tells whether a running charge has filled the car.
        """
        key = (cpo, case_fold(session_id))
        started = self.started.get(key)
        if started is None:
            return []
        ended = self.ended.get(key)
        events = self.by_evse.get((cpo, case_fold(started.evse_uid)), [])
        attempt = _last_attempt(events, started)
        moments: list[Moment] = []
        if attempt is not None:
            if attempt.method == "app":
                moments.append(Moment(attempt.time, DRIVER, CHARGE_POINT, "plug in"))
                moments.append(Moment(attempt.time, DRIVER, EMSP, "start charging in the app"))
            else:
                moments.append(Moment(attempt.time, DRIVER, CHARGE_POINT, f"plug in, {attempt.method.upper()} card"))
        moments.append(Moment(started.time, CHARGE_POINT, DRIVER, f"charging started ({started.session_id})"))
        since = attempt.time if attempt is not None else started.time
        after_end: EVSEStatusChanged | None = None
        for event in events:
            if not isinstance(event, EVSEStatusChanged) or event.time < since:
                continue
            if ended is None or event.time <= ended.time:
                moments.append(Moment(event.time, CHARGE_POINT, CPO, f"EVSE status {event.status}"))
            elif event.time <= ended.time + RELEASE and after_end is None:
                after_end = event
        full = _full_at(started, ended, world, cpo, session_id)
        if full is not None:
            moments.append(Moment(full, CHARGE_POINT, CHARGE_POINT, "car full: charging stops", marker=True))
        if ended is not None:
            moments.append(Moment(ended.time, DRIVER, CHARGE_POINT, f"unplug ({ended.kwh} kWh)"))
        if after_end is not None:
            moments.append(Moment(after_end.time, CHARGE_POINT, CPO, f"EVSE status {after_end.status}"))
        moments.sort(key=lambda m: m.time)  # stable: an attempt's two arrows keep their order
        return moments


def _last_attempt(events: list[PhysicalEvent], started: ChargeStarted) -> ChargeAttempted | None:
    found = None
    for event in events:
        if event.time > started.time:
            break
        if isinstance(event, ChargeAttempted) and event.driver == started.driver:
            found = event
    return found


def _full_at(
    started: ChargeStarted, ended: ChargeEnded | None, world: World | None, cpo: str, session_id: str
) -> datetime | None:
    """When the car became full (None: not full, or not known)."""
    if ended is not None:
        if ended.parking_s <= 0:
            return None
        point = world.sessions.get((cpo, case_fold(session_id))) if world is not None else None
        session = point.cpo.cpo_data.sessions.get(point.cpo.cpo_data.party, session_id) if point else None
        start = session.start_date_time if session is not None else started.time
        return start + timedelta(seconds=ended.charging_s)
    if world is None:
        return None
    point = world.sessions.get((cpo, case_fold(session_id)))
    charging = point.charging if point is not None else None
    if (
        charging is None
        or case_fold(charging.session_id) != case_fold(session_id)
        or charging.phase is not Phase.PARKING
    ):
        return None
    ends = [segment.end for segment in charging.segments if segment.phase is Phase.CHARGING]
    return max(ends) if ends else charging.start


__all__ = ["CHARGE_POINT", "CPO", "DRIVER", "EMSP", "Moment", "PhysicalLog", "SessionActors"]
