"""Commands module, eMSP side (Sender; 2.1.1 "eMSP interface"): send commands, receive their results.

Client operations (SimPy sub-processes returning a ``CommandOutcome``): ``start_session``,
``stop_session``, ``reserve_now``, ``cancel_reservation`` (2.2.1 only) and ``unlock_connector``.
Each one

1. finds the way to the CPO's commands Receiver (``direct_or_via_hub``; TO = the CPO),
2. registers a pending command under a fresh uid and hands out ``response_url =
   {own commands Sender url}/{COMMAND}/{uid}`` (the spec leaves its structure to the eMSP),
3. POSTs the command — START_SESSION / RESERVE_NOW carry the eMSP's own Token from
   ``platform.emsp.tokens`` (``LookupError`` when it has no such token) and, in 2.2.1, a fresh
   ``authorization_reference`` — with a new ``X-Correlation-ID`` that the CPO reuses for the result,
4. reads the synchronous CommandResponse and, when ACCEPTED, waits for the asynchronous result at most
   the response's ``timeout`` seconds (2.1.1 has no ``timeout``: ``EMSPCommandsState.default_timeout_s``,
   default 30).  No result in time → ``timed_out=True`` (the spec: no retries).

Results are kept in their 2.2.1 form (2.1.1 CommandResponses converted with ``convert_commands``).

Callback endpoint, in every version: ``POST {commands Sender url}/{command}/{uid}``.  An unknown uid
or a command name that does not match the pending command → HTTP 404; a body that is not a valid
CommandResult (2.1.1: CommandResponse) → 2001.  The answer has no ``data`` (the spec does not define
one).  A uid stays valid after its first result, because a CPO may later POST CANCELED_RESERVATION to
a RESERVE_NOW ``response_url``; later results are kept in ``PendingCommand.results``.

Errors of the peer (HTTP or OCPI) never raise: they are in the outcome (``exchange``, ``error``).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import simpy

from sim.ocpi.common import OCPIModel, OCPIVersion, case_fold
from sim.ocpi.headers import PartyRef
from sim.ocpi.router import OCPIReply, OCPIRequest
from sim.ocpi.status import NotFound
from sim.ocpi.v211 import commands as cmd211
from sim.ocpi.v211 import convert_commands as conv
from sim.ocpi.v211.convert import ConversionError
from sim.ocpi.v221.commands import (
    CancelReservation,
    CommandResponse,
    CommandResponseType,
    CommandResult,
    CommandResultType,
    CommandType,
    ReserveNow,
    StartSession,
    StopSession,
    UnlockConnector,
)
from sim.ocpi.v221.tokens import Token, TokenType
from sim.ocpi.v221.types import Role
from sim.parties.modules.common import first_result, join_url, new_uid, state
from sim.parties.modules.tokens import find_token, new_authorization_reference
from sim.parties.party import Exchange
from sim.parties.targets import direct_or_via_hub

if TYPE_CHECKING:
    from sim.parties.platform import Platform

MODULE = "commands"
RESPONSE_URL_STREAM = "commands:response_url"
"""The random stream (``Party.random_stream``) of the uids in the eMSP's ``response_url``."""


@dataclass
class CommandOutcome:
    """Everything the eMSP learned about one command."""

    command: CommandType
    cpo: PartyRef
    correlation_id: str | None = None
    """The X-Correlation-ID of the command POST (2.2.1), reused by the CPO for the result."""
    response_url: str | None = None
    exchange: Exchange | None = None
    """The command POST as the eMSP saw it (None when nothing was sent)."""
    response: CommandResponse | None = None
    """The synchronous CommandResponse (2.2.1 form), if the answer held a valid one."""
    result: CommandResult | None = None
    """The first asynchronous result (2.2.1 form), if one arrived in time."""
    timed_out: bool = False
    error: str | None = None
    """Why nothing was sent, if so."""

    @property
    def accepted(self) -> bool:
        """The CPO accepted the command and the charger carried it out."""
        return self.result is not None and self.result.result is CommandResultType.ACCEPTED


@dataclass
class PendingCommand:
    """A command sent and (perhaps) still waiting for its result."""

    uid: str
    command: CommandType
    cpo: PartyRef
    version: OCPIVersion
    sent_at: datetime
    arrived: simpy.Event
    results: list[CommandResult] = field(default_factory=list)


@dataclass
class EMSPCommandsState:
    """The eMSP's callback URLs, pending commands and the 2.1.1 result timeout."""

    default_timeout_s: int = 30
    """How long to wait for a 2.1.1 result (2.1.1 CommandResponses carry no ``timeout``)."""
    callback_urls: dict[OCPIVersion, str] = field(default_factory=dict)
    pending: dict[str, PendingCommand] = field(default_factory=dict)
    """By case-folded uid (the last segment of the ``response_url``)."""


def emsp_state(emsp: Platform) -> EMSPCommandsState:
    """The eMSP's commands state."""
    return state(emsp, "commands:emsp", EMSPCommandsState)


def install_emsp(platform: Platform) -> None:
    """Serve ``POST /{command}/{uid}`` on the commands Sender interface of every version."""
    urls = emsp_state(platform).callback_urls
    for version in platform.versions:
        urls[version] = platform.serve(
            version, MODULE, "SENDER", [("POST", "/{command}/{uid}", _callback(platform, version))]
        )


def _callback(emsp: Platform, version: OCPIVersion) -> Callable[[OCPIRequest], OCPIReply]:
    def handle(request: OCPIRequest) -> OCPIReply:
        pending = emsp_state(emsp).pending.get(case_fold(request.path_params["uid"]))
        if pending is None or pending.command.value != request.path_params["command"]:
            raise NotFound("no command is waiting for a result at this URL")
        if version is OCPIVersion.V2_2_1:
            result = request.model(CommandResult)
        else:
            result = conv.command_result_from_211(request.model(cmd211.CommandResponse))
        pending.results.append(result)
        if not pending.arrived.triggered:
            pending.arrived.succeed(result)
        return OCPIReply(include_data=False)

    return handle


# --- sending --------------------------------------------------------------------------------------

Outcome = Generator[simpy.Event, Any, CommandOutcome]
Command = StartSession | StopSession | ReserveNow | CancelReservation | UnlockConnector

_TO_211: dict[CommandType, Callable[[Any], OCPIModel]] = {
    CommandType.START_SESSION: conv.start_session_to_211,
    CommandType.STOP_SESSION: conv.stop_session_to_211,
    CommandType.RESERVE_NOW: conv.reserve_now_to_211,
    CommandType.UNLOCK_CONNECTOR: conv.unlock_connector_to_211,
}


def _read_response(exchange: Exchange, version: OCPIVersion, default_timeout: int) -> CommandResponse | None:
    if not isinstance(exchange.data, dict):
        return None
    try:
        if version is OCPIVersion.V2_2_1:
            return exchange.model(CommandResponse)
        wire = exchange.model(cmd211.CommandResponse)
    except ValueError:
        return None
    return conv.command_response_from_211(wire, default_timeout=default_timeout)


def send_command(emsp: Platform, cpo: PartyRef, command: CommandType, make: Callable[[str], Command]) -> Outcome:
    """Send one command (``make(response_url)`` builds its 2.2.1 body) and wait for its result."""
    outcome = CommandOutcome(command, cpo)
    target = direct_or_via_hub(emsp, cpo, MODULE, "RECEIVER")
    if target is None:
        outcome.error = f"{emsp.name} has no way to reach the commands interface of {cpo}"
        return outcome
    version = target.connection.version
    store = emsp_state(emsp)
    uid = new_uid(emsp, RESPONSE_URL_STREAM)
    outcome.response_url = join_url(store.callback_urls[version], command.value, uid)
    try:
        body_221 = make(outcome.response_url)
        body: OCPIModel = body_221 if version is OCPIVersion.V2_2_1 else _to_211(command, body_221)
    except ConversionError as exc:
        outcome.error = str(exc)
        return outcome
    pending = PendingCommand(uid, command, cpo, version, emsp.clock.now(), emsp.env.event())
    store.pending[case_fold(uid)] = pending
    outcome.correlation_id = emsp.ids.new() if version is OCPIVersion.V2_2_1 else None
    outcome.exchange = yield from emsp.call_peer(
        target.connection,
        "POST",
        join_url(target.url, command.value),
        module=MODULE,
        body=body,
        sender=emsp.ref(Role.EMSP),
        to=target.to,
        correlation_id=outcome.correlation_id,
    )
    outcome.response = _read_response(outcome.exchange, version, store.default_timeout_s)
    if outcome.response is None or outcome.response.result is not CommandResponseType.ACCEPTED:
        return outcome
    outcome.result = yield from first_result(emsp.env, pending.results, pending.arrived, outcome.response.timeout)
    outcome.timed_out = outcome.result is None
    return outcome


def _to_211(command: CommandType, body: Command) -> OCPIModel:
    convert = _TO_211.get(command)
    if convert is None:
        raise ConversionError(f"{command.value} does not exist in OCPI 2.1.1")
    return convert(body)


def own_token(emsp: Platform, token_uid: str, token_type: TokenType | None = None) -> Token:
    """One of the eMSP's own tokens (``LookupError`` when it has none with that uid)."""
    data = emsp.emsp_data
    token = find_token(data.tokens, token_uid, token_type, data.party)
    if token is None:
        raise LookupError(f"{emsp.name} has no token {token_uid!r}")
    return token


def _with_token(
    emsp: Platform,
    cpo: PartyRef,
    command: CommandType,
    model: type[StartSession | ReserveNow],
    token_uid: str,
    token_type: TokenType | None,
    **fields: Any,
) -> Outcome:
    """A command carrying one of the eMSP's own tokens and a fresh ``authorization_reference``."""
    token = own_token(emsp, token_uid, token_type)
    reference = new_authorization_reference(emsp)
    return (
        yield from send_command(
            emsp,
            cpo,
            command,
            lambda url: model(response_url=url, token=token, authorization_reference=reference, **fields),
        )
    )


def start_session(
    emsp: Platform,
    *,
    cpo: PartyRef,
    location_id: str,
    token_uid: str,
    evse_uid: str | None = None,
    connector_id: str | None = None,
    token_type: TokenType | None = None,
) -> Outcome:
    """START_SESSION for one of the eMSP's tokens (2.1.1 drops ``connector_id``)."""
    return (
        yield from _with_token(
            emsp,
            cpo,
            CommandType.START_SESSION,
            StartSession,
            token_uid,
            token_type,
            location_id=location_id,
            evse_uid=evse_uid,
            connector_id=connector_id,
        )
    )


def stop_session(emsp: Platform, *, cpo: PartyRef, session_id: str) -> Outcome:
    """STOP_SESSION for a session of the CPO."""
    return (
        yield from send_command(
            emsp,
            cpo,
            CommandType.STOP_SESSION,
            lambda url: StopSession(response_url=url, session_id=session_id),
        )
    )


def reserve_now(
    emsp: Platform,
    *,
    cpo: PartyRef,
    location_id: str,
    token_uid: str,
    expiry_date: datetime,
    reservation_id: str,
    evse_uid: str | None = None,
    token_type: TokenType | None = None,
) -> Outcome:
    """RESERVE_NOW until ``expiry_date`` (on 2.1.1 ``reservation_id`` must be digits: it goes as an int)."""
    return (
        yield from _with_token(
            emsp,
            cpo,
            CommandType.RESERVE_NOW,
            ReserveNow,
            token_uid,
            token_type,
            expiry_date=expiry_date,
            reservation_id=reservation_id,
            location_id=location_id,
            evse_uid=evse_uid,
        )
    )


def cancel_reservation(emsp: Platform, *, cpo: PartyRef, reservation_id: str) -> Outcome:
    """CANCEL_RESERVATION (2.2.1 only: on a 2.1.1 connection the outcome says so and nothing is sent)."""
    return (
        yield from send_command(
            emsp,
            cpo,
            CommandType.CANCEL_RESERVATION,
            lambda url: CancelReservation(response_url=url, reservation_id=reservation_id),
        )
    )


def unlock_connector(emsp: Platform, *, cpo: PartyRef, location_id: str, evse_uid: str, connector_id: str) -> Outcome:
    """UNLOCK_CONNECTOR (help-desk use only)."""
    return (
        yield from send_command(
            emsp,
            cpo,
            CommandType.UNLOCK_CONNECTOR,
            lambda url: UnlockConnector(
                response_url=url, location_id=location_id, evse_uid=evse_uid, connector_id=connector_id
            ),
        )
    )


__all__ = [
    "CommandOutcome",
    "EMSPCommandsState",
    "PendingCommand",
    "cancel_reservation",
    "emsp_state",
    "install_emsp",
    "own_token",
    "reserve_now",
    "send_command",
    "start_session",
    "stop_session",
    "unlock_connector",
]
