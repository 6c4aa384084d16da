"""Commands, CPO side: the simulated charger behind an accepted command, and the reservations.

``commands`` accepts a command and starts ``charge(...)`` as a SimPy process: after
``ChargerBehaviour.delay_s`` the charger answers (``ChargerBehaviour.outcomes`` per command, default
ACCEPTED, ``None`` = never), the EVSE's situation may turn an ACCEPTED into EVSE_OCCUPIED /
EVSE_INOPERATIVE / FAILED, the result is POSTed to the command's ``response_url`` (``post_result``)
and then the consequences run through the Sessions and Locations modules.  The module docstring of
``commands`` lists the flows and the spec choices.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import simpy

from sim.ocpi.common import OCPIVersion, case_fold
from sim.ocpi.headers import PartyRef
from sim.ocpi.v211 import convert_commands as conv
from sim.ocpi.v221.cdrs import AuthMethod
from sim.ocpi.v221.commands import (
    CancelReservation,
    CommandResult,
    CommandResultType,
    CommandType,
    ReserveNow,
    StartSession,
)
from sim.ocpi.v221.locations import EVSE
from sim.ocpi.v221.locations_enums import Status
from sim.ocpi.v221.sessions import SessionStatus
from sim.ocpi.v221.tokens import Token
from sim.parties.modules.common import state
from sim.parties.modules.locations import find_evse
from sim.parties.modules.locations_client import set_evse_status
from sim.parties.modules.results import Origin, post_to_origin
from sim.parties.modules.sessions import cdr_token
from sim.parties.modules.sessions_client import activate_reservation, set_session_status, start_session, stop_session
from sim.parties.party import Exchange

if TYPE_CHECKING:
    from sim.parties.platform import Platform

MODULE = "commands"

Steps = Generator[simpy.Event, Any, None]
Act = Callable[[], tuple[CommandResultType, Steps | None]]
"""Looks at the charger's situation when it answers: the result and, if ACCEPTED, the consequences."""


@dataclass
class ChargerBehaviour:
    """How the simulated chargers answer commands (change it to script a scenario or a test)."""

    delay_s: float = 5.0
    """Seconds between accepting a command and the charger's answer."""
    outcomes: dict[CommandType, CommandResultType | None] = field(default_factory=dict)
    """Per command: what the charger answers (default ACCEPTED); ``None`` = it never answers."""

    def outcome(self, command: CommandType) -> CommandResultType | None:
        """The charger's answer to ``command`` before the EVSE state is looked at."""
        return self.outcomes.get(command, CommandResultType.ACCEPTED)


@dataclass
class Reservation:
    """A live reservation made by RESERVE_NOW."""

    reservation_id: str
    charger_reservation_id: int
    """The CPO's own number for the charger (eMSP ids are not unique across eMSPs)."""
    location_id: str
    evse_uid: str
    token: Token
    expiry_date: datetime
    origin: Origin
    session_id: str | None = None
    """The 2.2.1 reservation Session (None for 2.1.1 commands)."""


ReservationKey = tuple[tuple[str, str], str]


@dataclass
class CPOCommandsState:
    """The CPO's command settings, live reservations and the results it posted."""

    behaviour: ChargerBehaviour = field(default_factory=ChargerBehaviour)
    timeout_s: int = 30
    """The ``timeout`` announced in 2.2.1 CommandResponses."""
    reservations: dict[ReservationKey, Reservation] = field(default_factory=dict)
    """By (eMSP party key, case-folded ``reservation_id``)."""
    next_charger_reservation: int = 1
    results: list[tuple[Origin, CommandResult, Exchange]] = field(default_factory=list)
    """Every result POSTed, with the answer it got (for reports and tests)."""


def cpo_state(cpo: Platform) -> CPOCommandsState:
    """The CPO's commands state."""
    return state(cpo, "commands:cpo", CPOCommandsState)


# --- answering ------------------------------------------------------------------------------------


def charge(cpo: Platform, origin: Origin, command: CommandType, act: Act) -> Steps:
    """The charger's part of one accepted command (run as a SimPy process)."""
    behaviour = cpo_state(cpo).behaviour
    yield cpo.env.timeout(behaviour.delay_s)
    outcome = behaviour.outcome(command)
    if outcome is None:
        return
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


def reservation_at(cpo: Platform, location_id: str, evse_uid: str) -> Reservation | None:
    """The live reservation holding EVSE ``evse_uid``, if any."""
    return next((r for r in cpo_state(cpo).reservations.values() if _holds(r, location_id, evse_uid)), None)


def _reserved_for(reservation: Reservation, origin: Origin, token: Token) -> bool:
    """Whether ``reservation`` was made by the commanding eMSP for ``token``."""
    return reservation.origin.emsp.key == origin.emsp.key and case_fold(reservation.token.uid) == case_fold(token.uid)


def _verdict(cpo: Platform, origin: Origin, location_id: str, uid: str, token: Token) -> CommandResultType:
    """What the charger says about using EVSE ``uid`` for ``token`` right now."""
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


def start(cpo: Platform, origin: Origin, cmd: StartSession, uids: list[str]) -> Act:
    """START_SESSION: pick the EVSE, start charging (a reservation for the token becomes the session), CHARGING."""

    def act() -> tuple[CommandResultType, Steps | None]:
        verdict, evse_uid = _pick(cpo, origin, cmd.location_id, uids, cmd.token)
        if verdict is not CommandResultType.ACCEPTED:
            return verdict, None
        return verdict, steps(evse_uid)

    def steps(evse_uid: str) -> Steps:
        connector_id = cmd.connector_id or _first_connector(cpo, cmd.location_id, evse_uid)
        reservation = reservation_at(cpo, cmd.location_id, evse_uid)
        if (
            reservation is not None
            and reservation.session_id is not None
            and _reserved_for(reservation, origin, cmd.token)
        ):
            _forget(cpo, reservation)  # 2.2.1: the RESERVATION session itself turns ACTIVE
            yield from activate_reservation(
                cpo,
                reservation.session_id,
                token=cdr_token(cmd.token),
                auth_method=AuthMethod.COMMAND,
                authorization_reference=cmd.authorization_reference,
                connector_id=connector_id,
            )
        else:
            if reservation is not None:  # e.g. a 2.1.1 reservation (no session of its own): used up
                yield from end_reservation(cpo, reservation, release_evse=False)
            yield from start_session(
                cpo,
                location_id=cmd.location_id,
                evse_uid=evse_uid,
                connector_id=connector_id,
                token=cdr_token(cmd.token),
                auth_method=AuthMethod.COMMAND,
                authorization_reference=cmd.authorization_reference,
            )
        yield from set_evse_status(cpo, cmd.location_id, evse_uid, Status.CHARGING)

    return act


def stop(cpo: Platform, session_id: str) -> Act:
    """STOP_SESSION: end the session (CDR) and free the EVSE."""

    def act() -> tuple[CommandResultType, Steps | None]:
        session = cpo.cpo_data.sessions.get(cpo.cpo_data.party, session_id)
        if session is None or session.status not in (SessionStatus.ACTIVE, SessionStatus.PENDING):
            return CommandResultType.FAILED, None
        return CommandResultType.ACCEPTED, steps(session.location_id, session.evse_uid)

    def steps(location_id: str, evse_uid: str) -> Steps:
        yield from stop_session(cpo, session_id)  # also tells ChargingProfiles (sessions.on_session_ended)
        if _evse(cpo, location_id, evse_uid) is not None:
            yield from set_evse_status(cpo, location_id, evse_uid, Status.AVAILABLE)

    return act


def _holds(reservation: Reservation | None, location_id: str, evse_uid: str) -> bool:
    """Whether ``reservation`` is the one holding EVSE ``evse_uid`` of ``location_id``."""
    return (
        reservation is not None
        and case_fold(reservation.location_id) == case_fold(location_id)
        and case_fold(reservation.evse_uid) == case_fold(evse_uid)
    )


def reserve(cpo: Platform, origin: Origin, cmd: ReserveNow, uids: list[str]) -> Act:
    """RESERVE_NOW: reserve an EVSE (replacing the same id's reservation), with a 2.2.1 Session."""
    store = cpo_state(cpo)
    key = (origin.emsp.key, case_fold(cmd.reservation_id))

    def act() -> tuple[CommandResultType, Steps | None]:
        previous = store.reservations.get(key)
        candidates = sorted(uids, key=lambda uid: not _holds(previous, cmd.location_id, uid))  # keep the held EVSE
        verdict, evse_uid = _pick(cpo, origin, cmd.location_id, candidates, cmd.token)
        if verdict is CommandResultType.EVSE_OCCUPIED and _holds(previous, cmd.location_id, evse_uid):
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
        if previous is not None and _holds(previous, reservation.location_id, reservation.evse_uid):
            reservation.session_id = previous.session_id  # replaced in place: EVSE and session stay as they are
            store.reservations[key] = reservation
        else:
            if previous is not None:
                yield from end_reservation(cpo, previous, release_evse=True)
            store.reservations[key] = reservation
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

    def act() -> tuple[CommandResultType, Steps | None]:
        reservation = cpo_state(cpo).reservations.get((origin.emsp.key, case_fold(cmd.reservation_id)))
        if reservation is None:
            return CommandResultType.UNKNOWN_RESERVATION, None
        return CommandResultType.ACCEPTED, end_reservation(cpo, reservation, release_evse=True)

    return act


def unlock() -> tuple[CommandResultType, Steps | None]:
    """UNLOCK_CONNECTOR: the charger releases the lock; nothing else changes."""
    return CommandResultType.ACCEPTED, None


def _expire(cpo: Platform, key: ReservationKey, reservation: Reservation) -> Steps:
    yield cpo.env.timeout(max(0.0, cpo.clock.seconds_until(reservation.expiry_date)))
    if cpo_state(cpo).reservations.get(key) is reservation:
        yield from end_reservation(cpo, reservation, release_evse=True)


def _forget(cpo: Platform, reservation: Reservation) -> None:
    """The reservation is over for the charger (its expiry timer then finds it gone)."""
    store = cpo_state(cpo)
    for key, held in list(store.reservations.items()):
        if held is reservation:
            del store.reservations[key]


def end_reservation(cpo: Platform, reservation: Reservation, *, release_evse: bool) -> Steps:
    """Forget ``reservation``; free its EVSE (if it is still RESERVED) and complete its session."""
    _forget(cpo, reservation)
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
