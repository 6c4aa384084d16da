"""What an app driver's eMSP does for them besides starting a session: reservations and remote stops.

``sim.world.driver`` decides *when* (reserve before driving more than ``RESERVE_BEYOND_KM`` to the
chosen charger; stop from the app at the end of the stay); this module sends the commands through
the eMSP's ``commands_client`` — the eMSP's backend acting for its driver — and publishes
``CommandCompleted`` for each one (as the driver does for START_SESSION).

Choices:

* **Where the app can reserve**: only an EVSE the eMSP's copy of the CPO's Location shows
  ``RESERVABLE`` (the CPO refuses RESERVE_NOW elsewhere), and only at a CPO the eMSP can reach
  (``direct_or_via_hub``): the app shows no reserve button at a charger found on a third-party map.
* **What is reserved**: the EVSE of the chosen option (``Candidate.evse_uid``), until the arrival
  estimate plus ``RESERVATION_GRACE_S`` (rounded up to the second).  The driver waits for the
  result in the app, then drives.
* **Reservation ids** come from one counter per eMSP (``ReservationIds`` in the eMSP's module
  state): ``"1"``, ``"2"`` … — unique per eMSP, and made of digits so they also go over 2.1.1, where
  ``reservation_id`` is an int.
* **Held or not**: the driver counts on a reservation when the CPO accepted the command and the
  charger either confirmed it or did not answer in time (a lost result may still have reserved it;
  cancelling an unknown one costs an UNKNOWN_RESERVATION, holding it for nobody would cost the
  EVSE).  An explicit refusal (EVSE_OCCUPIED …) means no reservation: the driver goes anyway.
* **Cancelling** (``cancel``): CANCEL_RESERVATION over 2.2.1 when the driver will not use it — it
  charges at another EVSE, gives up at the site, or the start was refused — unless it already
  expired or the CPO cancelled it (a CANCELED_RESERVATION result on the RESERVE_NOW
  ``response_url``).  **OCPI 2.1.1 has no CANCEL_RESERVATION**: nothing is sent and the EVSE stays
  RESERVED until the expiry (at most ``RESERVATION_GRACE_S`` after the expected arrival).
* **Remote stop** (``stop_and_walk``): STOP_SESSION from the app; the driver walks to the car
  meanwhile (``WALK_S``) and unplugs after the walk and the command's outcome (``sim.world.driver``).
  No STOP is sent for a session the eMSP's copy already shows COMPLETED or INVALID (a charger
  failure ended it): the app has nothing to stop; the driver still walks to the car.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sim.events import CommandCompleted
from sim.ocpi.common import OCPIVersion, case_fold
from sim.ocpi.headers import PartyRef
from sim.ocpi.v221.commands import CommandResponseType, CommandResultType
from sim.ocpi.v221.locations_enums import Capability
from sim.ocpi.v221.sessions import SessionStatus
from sim.parties.modules import commands_client
from sim.parties.modules.commands_client import CommandOutcome
from sim.parties.modules.common import state
from sim.parties.modules.locations import find_evse
from sim.parties.platform import Platform
from sim.parties.targets import direct_or_via_hub
from sim.world.geo import distance_km, drive_seconds, road_km

if TYPE_CHECKING:
    from sim.world.chooser import Candidate
    from sim.world.driver import Driver
    from sim.world.ports import ChargePointPort

RESERVE_BEYOND_KM = 1.0
"""An app driver who reserves does so when the chosen charger is farther than this (straight line)."""
RESERVATION_GRACE_S = 900.0
"""A reservation lasts until the arrival estimate plus this."""
WALK_S = 120.0
"""After a remote stop the driver walks this long to the car, then unplugs."""

Steps = Generator[Any, Any, Any]


@dataclass
class ReservationIds:
    """An eMSP's counter of reservation ids (module state ``world:reservation_ids``)."""

    next: int = 1


def next_reservation_id(emsp: Platform) -> str:
    """A new reservation id of ``emsp``: digits, unique per eMSP (see the module docstring)."""
    ids = state(emsp, "world:reservation_ids", ReservationIds)
    ids.next += 1
    return str(ids.next - 1)


@dataclass(frozen=True)
class Held:
    """A reservation the driver counts on."""

    cpo: str
    location_id: str
    evse_uid: str
    reservation_id: str
    expiry: datetime
    version: OCPIVersion
    """The version of the eMSP's connection that carried the RESERVE_NOW."""
    response_url: str | None

    def at(self, cp: ChargePointPort) -> bool:
        """Whether ``cp`` is the reserved EVSE."""
        cpo, location_id, evse_uid = cp.key
        return (
            cpo == self.cpo
            and case_fold(location_id) == case_fold(self.location_id)
            and case_fold(evse_uid) == case_fold(self.evse_uid)
        )


def reservable(emsp: Platform, candidate: Candidate) -> OCPIVersion | None:
    """The version the eMSP would reserve ``candidate``'s EVSE over, or None when its app cannot."""
    ref = PartyRef.parse(candidate.cpo)
    target = direct_or_via_hub(emsp, ref, "commands", "RECEIVER")
    location = emsp.emsp_data.locations.get(ref, candidate.location_id)
    evse = find_evse(location, candidate.evse_uid) if location is not None else None
    if target is None or evse is None or Capability.RESERVABLE not in (evse.capabilities or []):
        return None
    return target.connection.version


def publish(driver: Driver, cpo: str, command: CommandOutcome, sent_at: float) -> None:
    """``CommandCompleted`` for one of the driver's commands (sent at simulated second ``sent_at``)."""
    world = driver.world
    world.bus.publish(
        CommandCompleted(
            world.clock.now(),
            driver.emsp.name,
            cpo,
            command.command.value,
            command.response.result.value if command.response is not None else None,
            command.result.result.value if command.result is not None else None,
            command.timed_out,
            world.env.now - sent_at,
        )
    )


def reserve_if_far(driver: Driver, candidate: Candidate) -> Steps:
    """Reserve the candidate's EVSE if it is farther than ``RESERVE_BEYOND_KM`` and the app can; the
    ``Held`` reservation or None."""
    if distance_km(driver.position, candidate.point) <= RESERVE_BEYOND_KM:
        return None
    version = reservable(driver.emsp, candidate)
    if version is None:
        return None
    drive_s = drive_seconds(road_km(driver.position, candidate.point))
    return (yield from reserve(driver, candidate, drive_s, version))


def reserve(driver: Driver, candidate: Candidate, drive_s: float, version: OCPIVersion) -> Steps:
    """RESERVE_NOW of the candidate's EVSE until the arrival estimate plus the grace; the ``Held``
    reservation, or None (see the module docstring)."""
    world, emsp = driver.world, driver.emsp
    sent_at = world.env.now
    expiry = _whole_second(world.clock.now() + timedelta(seconds=drive_s + RESERVATION_GRACE_S))
    reservation_id = next_reservation_id(emsp)
    command: CommandOutcome = yield from commands_client.reserve_now(
        emsp,
        cpo=PartyRef.parse(candidate.cpo),
        location_id=candidate.location_id,
        token_uid=driver.token.uid,
        expiry_date=expiry,
        reservation_id=reservation_id,
        evse_uid=candidate.evse_uid,
        token_type=driver.token.type,
    )
    publish(driver, candidate.cpo, command, sent_at)
    if command.response is None or command.response.result is not CommandResponseType.ACCEPTED:
        return None
    if command.result is not None and command.result.result is not CommandResultType.ACCEPTED:
        return None
    return Held(
        candidate.cpo,
        candidate.location_id,
        candidate.evse_uid,
        reservation_id,
        expiry,
        version,
        command.response_url,
    )


def _whole_second(moment: datetime) -> datetime:
    extra = moment.microsecond
    return moment.replace(microsecond=0) + timedelta(seconds=math.ceil(extra / 1_000_000))


def live(driver: Driver, held: Held) -> bool:
    """Whether, as far as the eMSP knows, ``held`` still holds its EVSE (not expired, not cancelled by the CPO)."""
    if driver.world.clock.now() >= held.expiry:
        return False
    uid = (held.response_url or "").rsplit("/", 1)[-1]
    pending = commands_client.emsp_state(driver.emsp).pending.get(case_fold(uid))
    results = pending.results if pending is not None else []
    return not any(result.result is CommandResultType.CANCELED_RESERVATION for result in results)


def cancel(driver: Driver, held: Held) -> Steps:
    """CANCEL_RESERVATION of ``held`` if it is still live — over 2.2.1 only (see the module docstring)."""
    if held.version is not OCPIVersion.V2_2_1 or not live(driver, held):
        return
    sent_at = driver.world.env.now
    command = yield from commands_client.cancel_reservation(
        driver.emsp, cpo=PartyRef.parse(held.cpo), reservation_id=held.reservation_id
    )
    publish(driver, held.cpo, command, sent_at)


def release(driver: Driver, held: Held | None) -> None:
    """Give up ``held`` (if any): ``cancel`` runs as a process of its own, the driver goes on."""
    if held is not None:
        driver.world.env.process(cancel(driver, held))


def stop_and_walk(driver: Driver, cpo: str, session_id: str) -> Steps:
    """STOP_SESSION from the app while walking to the car; back at the car once both are done.  The
    app offers no stop for a session its eMSP already knows ended (e.g. the charger failed)."""
    env = driver.world.env
    walk = env.timeout(WALK_S)
    known = driver.emsp.emsp_data.sessions.get(PartyRef.parse(cpo), session_id)
    if known is not None and known.status in (SessionStatus.COMPLETED, SessionStatus.INVALID):
        yield walk
        return
    command = env.process(stop(driver, cpo, session_id))
    yield env.all_of([walk, command])


def stop(driver: Driver, cpo: str, session_id: str) -> Steps:
    """STOP_SESSION of the driver's session from the app."""
    sent_at = driver.world.env.now
    command = yield from commands_client.stop_session(driver.emsp, cpo=PartyRef.parse(cpo), session_id=session_id)
    publish(driver, cpo, command, sent_at)


def help_desk_unlock(driver: Driver, cpo: str, cp: ChargePointPort, connector_id: str) -> Steps:
    """The cable will not come out: the driver calls the eMSP's help desk, which sends UNLOCK_CONNECTOR
    (the spec reserves that command for help desks, never for a driver's own app)."""
    sent_at = driver.world.env.now
    _, location_id, evse_uid = cp.key
    command = yield from commands_client.unlock_connector(
        driver.emsp, cpo=PartyRef.parse(cpo), location_id=location_id, evse_uid=evse_uid, connector_id=connector_id
    )
    publish(driver, cpo, command, sent_at)


__all__ = [
    "RESERVATION_GRACE_S",
    "RESERVE_BEYOND_KM",
    "WALK_S",
    "Held",
    "ReservationIds",
    "cancel",
    "help_desk_unlock",
    "live",
    "next_reservation_id",
    "publish",
    "release",
    "reservable",
    "reserve",
    "reserve_if_far",
    "stop",
    "stop_and_walk",
]
