"""Commands, CPO side: the simulated charger behind an accepted command, and the reservations.

``commands`` accepts a command and starts ``charge(...)`` as a SimPy process: after
``ChargerBehaviour.delay_s`` the charger answers (``ChargerBehaviour.outcomes`` per command, default
ACCEPTED, ``None`` = never), the EVSE's situation may turn an ACCEPTED into EVSE_OCCUPIED /
EVSE_INOPERATIVE / FAILED, the result is POSTed to the command's ``response_url`` (``post_result``)
and then the consequences run through the Sessions and Locations modules.  The module docstring of
``commands`` lists the flows and the spec choices.

The charger's state, its settings and the reservations live in ``commands_state``; with a simulated
world attached (``CPOCommandsState.physical``) the charger's answers come from the charge points
(see there).  ``begin_session`` is how any start — a command's or a charge point's own — turns a
reservation of the token into the session.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from sim.ocpi.common import OCPIVersion, case_fold
from sim.ocpi.headers import PartyRef
from sim.ocpi.v211 import convert_commands as conv
from sim.ocpi.v221.cdrs import AuthMethod, CdrToken
from sim.ocpi.v221.commands import (
    CancelReservation,
    CommandResult,
    CommandResultType,
    CommandType,
    ReserveNow,
    StartSession,
    UnlockConnector,
)
from sim.ocpi.v221.locations import EVSE
from sim.ocpi.v221.locations_enums import Status
from sim.ocpi.v221.sessions import Session, SessionStatus
from sim.ocpi.v221.tokens import Token
from sim.parties.modules.commands_state import (
    Act,
    ChargerBehaviour,
    CPOCommandsState,
    Outcome,
    Physical,
    Reservation,
    ReservationKey,
    Steps,
    cpo_state,
    forget,
    holds,
    reservation_at,
    tell_physical,
)
from sim.parties.modules.locations import find_evse
from sim.parties.modules.locations_client import set_evse_status
from sim.parties.modules.results import Origin, post_to_origin
from sim.parties.modules.sessions import cdr_token
from sim.parties.modules.sessions_client import activate_reservation, set_session_status, start_session, stop_session
from sim.parties.party import Exchange

if TYPE_CHECKING:
    from sim.parties.platform import Platform

MODULE = "commands"

# --- answering ------------------------------------------------------------------------------------


def charge(cpo: Platform, origin: Origin, command: CommandType, act: Act) -> Steps:
    """The charger's part of one accepted command (run as a SimPy process)."""
    behaviour = cpo_state(cpo).behaviour
    yield cpo.env.timeout(behaviour.delay_s)
    outcome = behaviour.outcome(command)
    if outcome is None:
        return
    ignored = behaviour.start_timeout_probability
    if command is CommandType.START_SESSION and ignored > 0 and cpo.random_stream("charger").random() < ignored:
        return  # the charger never answers: the eMSP times out
    consequences: Steps | None = None
    if outcome is CommandResultType.ACCEPTED:
        outcome, consequences = act()
    yield from post_result(cpo, origin, CommandResult(result=outcome))
    if consequences is not None:
        yield from consequences


def post_result(cpo: Platform, origin: Origin, result: CommandResult) -> Generator[simpy.Event, Any, Exchange]:
    """POST ``result`` to the command's ``response_url`` (2.1.1: converted to a CommandResponse)."""

    def body_for(version: OCPIVersion) -> Any:
        return result if version is OCPIVersion.V2_2_1 else conv.command_result_to_211(result)

    exchange = yield from post_to_origin(cpo, origin, MODULE, body_for)
    cpo_state(cpo).results.append((origin, result, exchange))
    return exchange


# --- the EVSE's situation -------------------------------------------------------------------------


def _evse(cpo: Platform, location_id: str, evse_uid: str) -> EVSE | None:
    location = cpo.cpo_data.locations.get(cpo.cpo_data.party, location_id)
    return find_evse(location, evse_uid) if location is not None else None


def _reserved_for(reservation: Reservation, origin: Origin, token: Token) -> bool:
    """Whether ``reservation`` was made by the commanding eMSP for ``token``."""
    return reservation.origin.emsp.key == origin.emsp.key and case_fold(reservation.token.uid) == case_fold(token.uid)


def _verdict(cpo: Platform, origin: Origin, location_id: str, uid: str, token: Token) -> CommandResultType:
    """What the charger says about using EVSE ``uid`` for ``token`` right now."""
    physical = cpo_state(cpo).physical
    said = physical.verdict(origin, location_id, uid, token) if physical is not None else None
    if said is not None:
        return said
    evse = _evse(cpo, location_id, uid)
    if evse is None:
        return CommandResultType.FAILED
    if evse.status is Status.AVAILABLE:
        return CommandResultType.ACCEPTED
    if evse.status is Status.RESERVED:
        holder = reservation_at(cpo, location_id, uid)
        mine = holder is not None and _reserved_for(holder, origin, token)
        return CommandResultType.ACCEPTED if mine else CommandResultType.EVSE_OCCUPIED
    if evse.status in (Status.CHARGING, Status.BLOCKED):
        return CommandResultType.EVSE_OCCUPIED
    return CommandResultType.EVSE_INOPERATIVE


def _pick(
    cpo: Platform, origin: Origin, location_id: str, uids: list[str], token: Token
) -> tuple[CommandResultType, str]:
    """The first usable EVSE of ``uids``; otherwise the most telling refusal."""
    verdicts = [(_verdict(cpo, origin, location_id, uid, token), uid) for uid in uids]
    for wanted in (CommandResultType.ACCEPTED, CommandResultType.EVSE_OCCUPIED):
        found = next((uid for verdict, uid in verdicts if verdict is wanted), None)
        if found is not None:
            return wanted, found
    return verdicts[0]


def _first_connector(cpo: Platform, location_id: str, evse_uid: str) -> str:
    evse = _evse(cpo, location_id, evse_uid)
    return evse.connectors[0].id if evse is not None else "#NA"


# --- what each command does -----------------------------------------------------------------------


def begin_session(
    cpo: Platform,
    *,
    location_id: str,
    evse_uid: str,
    connector_id: str,
    token: CdrToken,
    auth_method: AuthMethod,
    authorization_reference: str | None = None,
) -> Generator[simpy.Event, Any, Session]:
    """Start charging ``token`` at an EVSE: a reservation of that token's eMSP for it becomes the session.

    2.2.1 (the reservation has a session): the RESERVATION session itself turns ACTIVE.  Otherwise a
    reservation held there is used up (a 2.1.1 one has no session of its own) and a new session
    starts.  The EVSE status is left to the caller.
    """
    reservation = reservation_at(cpo, location_id, evse_uid)
    mine = (
        reservation is not None
        and reservation.origin.emsp.key == PartyRef(token.country_code, token.party_id).key
        and case_fold(reservation.token.uid) == case_fold(token.uid)
    )
    if reservation is not None and mine and reservation.session_id is not None:
        forget(cpo, reservation)
        return (
            yield from activate_reservation(
                cpo,
                reservation.session_id,
                token=token,
                auth_method=auth_method,
                authorization_reference=authorization_reference,
                connector_id=connector_id,
            )
        )
    if reservation is not None:
        yield from end_reservation(cpo, reservation, release_evse=False)
    return (
        yield from start_session(
            cpo,
            location_id=location_id,
            evse_uid=evse_uid,
            connector_id=connector_id,
            token=token,
            auth_method=auth_method,
            authorization_reference=authorization_reference,
        )
    )


def start(cpo: Platform, origin: Origin, cmd: StartSession, uids: list[str]) -> Act:
    """START_SESSION: pick the EVSE, start charging (a reservation for the token becomes the session), CHARGING."""

    def act() -> Outcome:
        physical = cpo_state(cpo).physical
        outcome = physical.start(origin, cmd, uids) if physical is not None else None
        if outcome is not None:
            return outcome
        verdict, evse_uid = _pick(cpo, origin, cmd.location_id, uids, cmd.token)
        if verdict is not CommandResultType.ACCEPTED:
            return verdict, None
        return verdict, steps(evse_uid)

    def steps(evse_uid: str) -> Steps:
        yield from begin_session(
            cpo,
            location_id=cmd.location_id,
            evse_uid=evse_uid,
            connector_id=cmd.connector_id or _first_connector(cpo, cmd.location_id, evse_uid),
            token=cdr_token(cmd.token),
            auth_method=AuthMethod.COMMAND,
            authorization_reference=cmd.authorization_reference,
        )
        yield from set_evse_status(cpo, cmd.location_id, evse_uid, Status.CHARGING)

    return act


def stop(cpo: Platform, session_id: str) -> Act:
    """STOP_SESSION: end the session (CDR) and free the EVSE."""

    def act() -> Outcome:
        physical = cpo_state(cpo).physical
        outcome = physical.stop(session_id) if physical is not None else None
        if outcome is not None:
            return outcome
        session = cpo.cpo_data.sessions.get(cpo.cpo_data.party, session_id)
        if session is None or session.status not in (SessionStatus.ACTIVE, SessionStatus.PENDING):
            return CommandResultType.FAILED, None
        return CommandResultType.ACCEPTED, steps(session.location_id, session.evse_uid)

    def steps(location_id: str, evse_uid: str) -> Steps:
        yield from stop_session(cpo, session_id)  # also tells ChargingProfiles (sessions.on_session_ended)
        if _evse(cpo, location_id, evse_uid) is not None:
            yield from set_evse_status(cpo, location_id, evse_uid, Status.AVAILABLE)

    return act


def reserve(cpo: Platform, origin: Origin, cmd: ReserveNow, uids: list[str]) -> Act:
    """RESERVE_NOW: reserve an EVSE (replacing the same id's reservation), with a 2.2.1 Session."""
    store = cpo_state(cpo)
    key = (origin.emsp.key, case_fold(cmd.reservation_id))

    def act() -> Outcome:
        previous = store.reservations.get(key)
        candidates = sorted(uids, key=lambda uid: not holds(previous, cmd.location_id, uid))  # keep the held EVSE
        verdict, evse_uid = _pick(cpo, origin, cmd.location_id, candidates, cmd.token)
        if verdict is CommandResultType.EVSE_OCCUPIED and holds(previous, cmd.location_id, evse_uid):
            verdict = CommandResultType.ACCEPTED  # reserved by the very reservation being replaced
        if verdict is not CommandResultType.ACCEPTED:
            return verdict, None
        store.next_charger_reservation += 1
        reservation = Reservation(
            cmd.reservation_id,
            store.next_charger_reservation - 1,
            cmd.location_id,
            evse_uid,
            cmd.token,
            cmd.expiry_date,
            origin,
        )
        return verdict, steps(previous, reservation)

    def steps(previous: Reservation | None, reservation: Reservation) -> Steps:
        if previous is not None and holds(previous, reservation.location_id, reservation.evse_uid):
            reservation.session_id = previous.session_id  # replaced in place: EVSE and session stay as they are
            store.reservations[key] = reservation
            tell_physical(cpo, reservation)
        else:
            if previous is not None:
                yield from end_reservation(cpo, previous, release_evse=True)
            store.reservations[key] = reservation
            tell_physical(cpo, reservation)
            yield from set_evse_status(cpo, cmd.location_id, reservation.evse_uid, Status.RESERVED)
            if origin.version is OCPIVersion.V2_2_1:
                session = yield from start_session(
                    cpo,
                    location_id=cmd.location_id,
                    evse_uid=reservation.evse_uid,
                    connector_id=_first_connector(cpo, cmd.location_id, reservation.evse_uid),
                    token=cdr_token(cmd.token),
                    auth_method=AuthMethod.COMMAND,
                    authorization_reference=cmd.authorization_reference,
                    status=SessionStatus.RESERVATION,
                )
                reservation.session_id = session.id
        cpo.env.process(_expire(cpo, key, reservation))

    return act


def cancel(cpo: Platform, origin: Origin, cmd: CancelReservation) -> Act:
    """CANCEL_RESERVATION: end the eMSP's reservation, or answer UNKNOWN_RESERVATION."""

    def act() -> Outcome:
        reservation = cpo_state(cpo).reservations.get((origin.emsp.key, case_fold(cmd.reservation_id)))
        if reservation is None:
            return CommandResultType.UNKNOWN_RESERVATION, None
        return CommandResultType.ACCEPTED, end_reservation(cpo, reservation, release_evse=True)

    return act


def unlock(cpo: Platform, cmd: UnlockConnector) -> Act:
    """UNLOCK_CONNECTOR: the charger releases the lock; nothing else changes (with a world attached,
    the charge point ends a session stuck on that connector)."""

    def act() -> Outcome:
        physical = cpo_state(cpo).physical
        outcome = physical.unlock(cmd) if physical is not None else None
        return outcome if outcome is not None else (CommandResultType.ACCEPTED, None)

    return act


def _expire(cpo: Platform, key: ReservationKey, reservation: Reservation) -> Steps:
    yield cpo.env.timeout(max(0.0, cpo.clock.seconds_until(reservation.expiry_date)))
    if cpo_state(cpo).reservations.get(key) is reservation:
        yield from end_reservation(cpo, reservation, release_evse=True)


def end_reservation(cpo: Platform, reservation: Reservation, *, release_evse: bool) -> Steps:
    """Forget ``reservation``; free its EVSE (if it is still RESERVED) and complete its session."""
    forget(cpo, reservation)
    evse = _evse(cpo, reservation.location_id, reservation.evse_uid)
    if release_evse and evse is not None and evse.status is Status.RESERVED:
        yield from set_evse_status(cpo, reservation.location_id, reservation.evse_uid, Status.AVAILABLE)
    if reservation.session_id is not None:
        yield from set_session_status(cpo, reservation.session_id, SessionStatus.COMPLETED)


def cancel_reservation_by_cpo(
    cpo: Platform, reservation_id: str, *, emsp: PartyRef | None = None
) -> Generator[simpy.Event, Any, Exchange]:
    """The CPO cancels a reservation on its own (charger broken, road works …).

    POSTs CANCELED_RESERVATION to the RESERVE_NOW ``response_url`` (2.1.1: REJECTED, the only value
    it has), then frees the EVSE and completes the reservation session.  ``emsp`` picks among eMSPs
    using the same id; ``LookupError`` when no reservation (or more than one) matches.
    """
    matches = [
        reservation
        for (owner, rid), reservation in cpo_state(cpo).reservations.items()
        if rid == case_fold(reservation_id) and (emsp is None or owner == emsp.key)
    ]
    if len(matches) != 1:
        raise LookupError(f"{len(matches)} reservations match {reservation_id!r} (eMSP {emsp})")
    reservation = matches[0]
    result = CommandResult(result=CommandResultType.CANCELED_RESERVATION)
    exchange = yield from post_result(cpo, reservation.origin, result)
    yield from end_reservation(cpo, reservation, release_evse=True)
    return exchange


__all__ = [
    "MODULE",
    "Act",
    "CPOCommandsState",
    "ChargerBehaviour",
    "Outcome",
    "Physical",
    "Reservation",
    "ReservationKey",
    "Steps",
    "begin_session",
    "cancel",
    "cancel_reservation_by_cpo",
    "charge",
    "cpo_state",
    "end_reservation",
    "post_result",
    "reservation_at",
    "reserve",
    "start",
    "stop",
    "unlock",
]
