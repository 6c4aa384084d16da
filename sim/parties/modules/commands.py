"""Commands module, CPO side (Receiver; 2.1.1 "CPO interface"): the synchronous answer to a command.

Files: this one checks a command and answers it; ``commands_charger`` plays the charger afterwards
(result POST via ``results.post_to_origin``, consequences, reservations, ``cancel_reservation_by_cpo``);
``commands_state`` holds the charger settings, the live reservations and the physical hook;
``commands_client`` is the eMSP side (callback endpoint and the ``start_session`` … client operations).

Flow (both versions): the eMSP POSTs ``{commands_url}/{command}``.  The CPO answers at once with a
CommandResponse saying whether it accepted the command for the charger (not what the charger did);
in 2.2.1 the response also carries ``timeout`` (``CPOCommandsState.timeout_s``, default 30 s).  When
ACCEPTED, a SimPy process plays the charger: after ``ChargerBehaviour.delay_s`` it POSTs the outcome
to the command's ``response_url`` (2.2.1 CommandResult; 2.1.1 a CommandResponse again, converted by
``sim.ocpi.v211.convert_commands``) and then lets the consequences happen through the other modules:

* START_SESSION → ``sessions_client.start_session`` (or, on an EVSE the token reserved in 2.2.1,
  ``activate_reservation``) with the command's token and ``authorization_reference`` and
  ``auth_method`` COMMAND, then the EVSE goes CHARGING.  Domain objects are 2.2.1, so a session
  started by a 2.1.1 command is COMMAND too; on 2.1.1 wires it appears as AUTH_REQUEST (the convert
  module's mapping: the eMSP authorised it itself — WHITELIST would claim the CPO checked a local
  list, which it must not).
* STOP_SESSION → ``sessions_client.stop_session`` (Session COMPLETED, which also tells ChargingProfiles
  through ``sessions.on_session_ended``, then the CDR), and the EVSE goes AVAILABLE.
* RESERVE_NOW → the EVSE goes RESERVED (Locations push), and for a 2.2.1 command a Session with
  status RESERVATION is created.  The reservation ends at ``expiry_date`` (EVSE AVAILABLE again,
  session COMPLETED, nothing POSTed), on CANCEL_RESERVATION, on ``cancel_reservation_by_cpo`` (which
  POSTs CANCELED_RESERVATION — 2.1.1: REJECTED, its only way to say it — to the RESERVE_NOW
  ``response_url``) or when the reserving token starts charging there (then the session goes on).
* CANCEL_RESERVATION (2.2.1) → EVSE AVAILABLE + reservation session COMPLETED; an unknown
  reservation is still ACCEPTED synchronously (CommandResponseType has no better value) and the
  result is UNKNOWN_RESERVATION.  UNLOCK_CONNECTOR → only the result.

With a simulated world attached (``CPOCommandsState.physical``) the charger's answers and the
consequences of START/STOP/UNLOCK come from the charge points instead (``commands_state``).

Synchronous answers (HTTP 200 throughout): unknown command name → HTTP 404; body invalid → 2001;
unknown location → status 2003 with ``result: REJECTED``; STOP for an unknown session →
UNKNOWN_SESSION; a session or token of another eMSP, an unknown EVSE or connector, a missing
``connector_id`` where the EVSE has START_SESSION_CONNECTOR_REQUIRED, an expiry in the past →
REJECTED (with a ``message`` in 2.2.1).  Capabilities decide NOT_SUPPORTED: START/STOP need
REMOTE_START_STOP_CAPABLE, RESERVE_NOW needs RESERVABLE, UNLOCK_CONNECTOR needs UNLOCK_CAPABLE
(without ``evse_uid``: at least one EVSE of the location must have it).

Spec choices:

* Tokens in START_SESSION / RESERVE_NOW are never validated against the token cache (2.2.1 rule);
  only their owner must be the commanding eMSP ("an eMSP may only use its own tokens").
* The commanding eMSP is the 2.2.1 ``OCPI-from-*`` party (when the peer may speak for it: the peer
  itself or a hub), otherwise the connection's eMSP party (2.1.1).
* The result POST carries the command's ``X-Correlation-ID`` (the spec leaves it open; reusing it ties
  the asynchronous answer to its command in the trace).  So does a CPO-initiated cancellation.
* The result goes over the connection serving the ``response_url``'s host (the eMSP itself, or a hub
  that substituted its own URL); otherwise over the connection the command came in on.
* The charger, not the CPO, decides the EVSE when START/RESERVE name none: the first capable EVSE
  that is free.  At charger time an EVSE that is CHARGING, BLOCKED or reserved for someone else gives
  EVSE_OCCUPIED, one that is not operational EVSE_INOPERATIVE.  A reservation of the same eMSP for the
  same token lets START through and is used up.  2.2.1 ("Reservations": charging with the same Token
  moves the session to ACTIVE): the RESERVATION session itself turns ACTIVE
  (``sessions_client.activate_reservation``) with ``start_date_time`` = the start (the spec: the moment
  it became ACTIVE, so time-based tariffs do not bill the wait as charging), the START's
  ``authorization_reference`` ("last one wins") and connector; no second session is created.  2.1.1 has
  no RESERVATION status and so no reservation session: the reservation ends and a new session starts.
* The EVSE status changes of START/STOP are pushed here because the command is what moves the EVSE;
  ``set_evse_status`` sends nothing when the status is already right.
* Reservations are kept per (eMSP, ``reservation_id``) with an own charger reservation number (the
  spec forbids passing eMSP ids to chargers); the same id again replaces the reservation.
* ``ChargerBehaviour.outcomes`` overrides what the charger answers per command; ``None`` means it
  never answers, so nothing is POSTed and the eMSP times out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sim.ocpi.common import OCPIVersion
from sim.ocpi.headers import PartyRef
from sim.ocpi.router import OCPIReply, OCPIRequest
from sim.ocpi.status import InvalidOrMissingParameters, NotFound, OCPIStatus
from sim.ocpi.v211 import commands as cmd211
from sim.ocpi.v211 import convert_commands as conv
from sim.ocpi.v211.convert import ConversionError
from sim.ocpi.v221.commands import (
    CancelReservation,
    CommandResponse,
    CommandResponseType,
    CommandType,
    ReserveNow,
    StartSession,
    StopSession,
    UnlockConnector,
)
from sim.ocpi.v221.locations import EVSE, Location
from sim.ocpi.v221.locations_enums import Capability
from sim.ocpi.v221.sessions import SessionStatus
from sim.ocpi.v221.tokens import Token
from sim.ocpi.v221.types import DisplayText, Role
from sim.parties.connection import Connection
from sim.parties.modules.commands_charger import MODULE as MODULE
from sim.parties.modules.commands_charger import (
    Act,
    ChargerBehaviour,
    CPOCommandsState,
    Reservation,
    cancel_reservation_by_cpo,
    charge,
    cpo_state,
)
from sim.parties.modules.commands_charger import cancel as cancel_act
from sim.parties.modules.commands_charger import reserve as reserve_act
from sim.parties.modules.commands_charger import start as start_act
from sim.parties.modules.commands_charger import stop as stop_act
from sim.parties.modules.commands_charger import unlock as unlock_act
from sim.parties.modules.commands_client import install_emsp as install_sender
from sim.parties.modules.common import peer_is_hub
from sim.parties.modules.locations import find_connector, find_evse
from sim.parties.modules.results import Origin

if TYPE_CHECKING:
    from sim.parties.platform import Platform

Command = StartSession | StopSession | ReserveNow | CancelReservation | UnlockConnector
Verdict = tuple[CommandResponseType, OCPIStatus, str | None]
Decision = tuple[Verdict, Act | None]
ACCEPT: Verdict = (CommandResponseType.ACCEPTED, OCPIStatus.SUCCESS, None)


def install_cpo(platform: Platform) -> None:
    """Serve the commands Receiver interface (POST ``/{command}``) in every version."""
    for version in platform.versions:
        platform.serve(version, MODULE, "RECEIVER", [("POST", "/{command}", _receiver(platform, version))])


def install_emsp(platform: Platform) -> None:
    """Serve the eMSP's callback endpoints (see ``commands_client``)."""
    install_sender(platform)


def _receiver(cpo: Platform, version: OCPIVersion) -> Callable[[OCPIRequest], OCPIReply]:
    known = {c.value for c in (CommandType if version is OCPIVersion.V2_2_1 else cmd211.CommandType)}

    def handle(request: OCPIRequest) -> OCPIReply:
        name = request.path_params["command"]
        if name not in known:
            raise NotFound(f"unknown command {name!r} in OCPI {version.value}")
        command = CommandType(name)
        emsp = requesting_party(request)
        body = _parse(request, command, version, emsp)
        ids = request.ids
        origin = Origin(emsp, body.response_url, ids.correlation_id if ids else None, version, request.peer.peer)
        (result, status, message), act = _CHECKS[command](cpo, origin, body)
        if result is CommandResponseType.ACCEPTED and act is not None:
            cpo.env.process(charge(cpo, origin, command, act))
        text = [DisplayText(language="en", text=message)] if message is not None else None
        response = CommandResponse(result=result, timeout=cpo_state(cpo).timeout_s, message=text)
        data = response if version is OCPIVersion.V2_2_1 else conv.command_response_to_211(response)
        return OCPIReply(data=data, status=status, message=message)

    return handle


def requesting_party(request: OCPIRequest) -> PartyRef:
    """The 2.2.1 FROM party when the peer may speak for it (itself or a hub), else the connection's eMSP."""
    connection: Connection = request.peer
    routing = request.routing
    if routing is not None and (
        peer_is_hub(connection) or any(p.key == routing.sender.key for p in connection.parties())
    ):
        return routing.sender
    return (connection.parties(Role.EMSP) or connection.parties())[0]


_MODELS_221: dict[CommandType, type[Command]] = {
    CommandType.START_SESSION: StartSession,
    CommandType.STOP_SESSION: StopSession,
    CommandType.RESERVE_NOW: ReserveNow,
    CommandType.CANCEL_RESERVATION: CancelReservation,
    CommandType.UNLOCK_CONNECTOR: UnlockConnector,
}


def _parse(request: OCPIRequest, command: CommandType, version: OCPIVersion, emsp: PartyRef) -> Command:
    """The command body as its 2.2.1 model (2.1.1 converted; the token's owner is the eMSP)."""
    if version is OCPIVersion.V2_2_1:
        return request.model(_MODELS_221[command])
    try:
        if command is CommandType.START_SESSION:
            wire_start = request.model(cmd211.StartSession)
            return conv.start_session_from_211(wire_start, country_code=emsp.country_code, party_id=emsp.party_id)
        if command is CommandType.RESERVE_NOW:
            wire_reserve = request.model(cmd211.ReserveNow)
            return conv.reserve_now_from_211(wire_reserve, country_code=emsp.country_code, party_id=emsp.party_id)
        if command is CommandType.STOP_SESSION:
            return conv.stop_session_from_211(request.model(cmd211.StopSession))
        return conv.unlock_connector_from_211(request.model(cmd211.UnlockConnector))
    except ConversionError as exc:
        raise InvalidOrMissingParameters(str(exc)) from None


# --- the synchronous checks -------------------------------------------------------------------------


def _location(cpo: Platform, location_id: str) -> Location | None:
    return cpo.cpo_data.locations.get(cpo.cpo_data.party, location_id)


def _can(evse: EVSE, capability: Capability) -> bool:
    return capability in (evse.capabilities or [])


def _unknown_location(location_id: str) -> Decision:
    return (CommandResponseType.REJECTED, OCPIStatus.UNKNOWN_LOCATION, f"unknown location {location_id!r}"), None


def _rejected(message: str) -> Decision:
    return (CommandResponseType.REJECTED, OCPIStatus.SUCCESS, message), None


def _not_supported(message: str) -> Decision:
    return (CommandResponseType.NOT_SUPPORTED, OCPIStatus.SUCCESS, message), None


def _foreign_token(origin: Origin, token: Token) -> Decision | None:
    if PartyRef(token.country_code, token.party_id).key != origin.emsp.key:
        return _rejected(f"token {token.uid} belongs to {token.country_code}-{token.party_id}, not {origin.emsp}")
    return None


def _token_location(cpo: Platform, origin: Origin, location_id: str, token: Token) -> Location | Decision:
    """The Location of a command carrying a token, or its refusal: unknown location, another eMSP's token."""
    location = _location(cpo, location_id)
    if location is None:
        return _unknown_location(location_id)
    return _foreign_token(origin, token) or location


def _evses(location: Location, evse_uid: str | None, capability: Capability) -> list[EVSE] | Decision:
    """The EVSEs a command may use: the named one, or every one with ``capability``."""
    if evse_uid is None:
        capable = [e for e in location.evses or [] if _can(e, capability)]
        return capable or _not_supported(f"no EVSE of location {location.id} is {capability.value}")
    evse = find_evse(location, evse_uid)
    if evse is None:
        return _rejected(f"unknown EVSE {evse_uid!r} at location {location.id}")
    if not _can(evse, capability):
        return _not_supported(f"EVSE {evse.uid} is not {capability.value}")
    return [evse]


def _check_start(cpo: Platform, origin: Origin, cmd: StartSession) -> Decision:
    location = _token_location(cpo, origin, cmd.location_id, cmd.token)
    if not isinstance(location, Location):
        return location
    evses = _evses(location, cmd.evse_uid, Capability.REMOTE_START_STOP_CAPABLE)
    if not isinstance(evses, list):
        return evses
    needs_connector = [e for e in evses if _can(e, Capability.START_SESSION_CONNECTOR_REQUIRED)]
    if cmd.evse_uid is not None:
        if cmd.connector_id is not None and find_connector(evses[0], cmd.connector_id) is None:
            return _rejected(f"unknown connector {cmd.connector_id!r} at EVSE {evses[0].uid}")
        if cmd.connector_id is None and needs_connector:
            return _rejected(f"EVSE {evses[0].uid} needs a connector_id (START_SESSION_CONNECTOR_REQUIRED)")
    else:
        evses = [e for e in evses if e not in needs_connector]
        if not evses:
            return _rejected("every remotely startable EVSE here needs evse_uid and connector_id")
    return ACCEPT, start_act(cpo, origin, cmd, [e.uid for e in evses])


def _check_stop(cpo: Platform, origin: Origin, cmd: StopSession) -> Decision:
    session = cpo.cpo_data.sessions.get(cpo.cpo_data.party, cmd.session_id)
    if session is None:
        return (CommandResponseType.UNKNOWN_SESSION, OCPIStatus.SUCCESS, f"unknown session {cmd.session_id!r}"), None
    owner = PartyRef(session.cdr_token.country_code, session.cdr_token.party_id)
    if owner.key != origin.emsp.key:
        return _rejected(f"session {session.id} belongs to another eMSP")
    if session.status not in (SessionStatus.ACTIVE, SessionStatus.PENDING):
        return _rejected(f"session {session.id} is {session.status.value}")
    location = _location(cpo, session.location_id)
    evse = find_evse(location, session.evse_uid) if location is not None else None
    if evse is not None and not _can(evse, Capability.REMOTE_START_STOP_CAPABLE):
        return _not_supported(f"EVSE {evse.uid} is not REMOTE_START_STOP_CAPABLE")
    return ACCEPT, stop_act(cpo, cmd.session_id)


def _check_reserve(cpo: Platform, origin: Origin, cmd: ReserveNow) -> Decision:
    location = _token_location(cpo, origin, cmd.location_id, cmd.token)
    if not isinstance(location, Location):
        return location
    if cmd.expiry_date <= cpo.clock.now():
        return _rejected("expiry_date lies in the past")
    evses = _evses(location, cmd.evse_uid, Capability.RESERVABLE)
    if not isinstance(evses, list):
        return evses
    return ACCEPT, reserve_act(cpo, origin, cmd, [e.uid for e in evses])


def _check_cancel(cpo: Platform, origin: Origin, cmd: CancelReservation) -> Decision:
    return ACCEPT, cancel_act(cpo, origin, cmd)


def _check_unlock(cpo: Platform, origin: Origin, cmd: UnlockConnector) -> Decision:
    location = _location(cpo, cmd.location_id)
    if location is None:
        return _unknown_location(cmd.location_id)
    evses = _evses(location, cmd.evse_uid, Capability.UNLOCK_CAPABLE)
    if not isinstance(evses, list):
        return evses
    if find_connector(evses[0], cmd.connector_id) is None:
        return _rejected(f"unknown connector {cmd.connector_id!r} at EVSE {evses[0].uid}")
    return ACCEPT, unlock_act(cpo, cmd)


_CHECKS: dict[CommandType, Callable[[Platform, Origin, Any], Decision]] = {
    CommandType.START_SESSION: _check_start,
    CommandType.STOP_SESSION: _check_stop,
    CommandType.RESERVE_NOW: _check_reserve,
    CommandType.CANCEL_RESERVATION: _check_cancel,
    CommandType.UNLOCK_CONNECTOR: _check_unlock,
}


__all__ = [
    "CPOCommandsState",
    "ChargerBehaviour",
    "Origin",
    "Reservation",
    "cancel_reservation_by_cpo",
    "cpo_state",
    "install_cpo",
    "install_emsp",
    "requesting_party",
]
