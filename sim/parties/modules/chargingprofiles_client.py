"""ChargingProfiles module (2.2.1 only), eMSP side (Sender): set, read and clear profiles; receive updates.

Client operations (SimPy sub-processes returning a ``ProfileOutcome``): ``set_charging_profile``
(PUT SetChargingProfile), ``get_active_charging_profile`` (GET ``?duration=&response_url=``) and
``clear_charging_profile`` (DELETE ``?response_url=``) on the CPO's Receiver ``/{session_id}``, direct
or via hub (TO = the CPO), with a fresh ``X-Correlation-ID``.  Each waits for the asynchronous result
at most the ChargingProfileResponse's ``timeout``; none in time → ``timed_out=True``.  A CPO reached
only over 2.1.1 (no such module) gives an outcome with ``error`` and nothing is sent.

Endpoints on the eMSP's Sender interface, answered without ``data`` (the spec's rule for both):

* ``POST /result/{uid}`` — the ``response_url`` handed out (the spec leaves its structure open).  The
  body must be the result type of the pending request (ActiveChargingProfileResult,
  ChargingProfileResult or ClearProfileResult) → 2001 otherwise; unknown uid → HTTP 404.
* ``PUT /{session_id}`` — the CPO's ActiveChargingProfile updates, kept per (CPO, session) in
  ``EMSPProfilesState.active`` (latest) and ``received`` (all).  The CPO is the ``OCPI-from-*`` party.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import simpy

from sim.ocpi.common import OCPIModel, OCPIVersion, case_fold
from sim.ocpi.headers import PartyRef
from sim.ocpi.router import OCPIReply, OCPIRequest
from sim.ocpi.status import InvalidOrMissingParameters, NotFound
from sim.ocpi.v221.chargingprofiles import (
    ActiveChargingProfile,
    ActiveChargingProfileResult,
    ChargingProfile,
    ChargingProfileResponse,
    ChargingProfileResponseType,
    ChargingProfileResult,
    ClearProfileResult,
    SetChargingProfile,
)
from sim.ocpi.v221.types import Role
from sim.parties.connection import Connection
from sim.parties.modules.common import first_result, join_url, new_uid, peer_is_hub, reader_ref, state
from sim.parties.party import Exchange
from sim.parties.targets import direct_or_via_hub

if TYPE_CHECKING:
    from sim.parties.platform import Platform

MODULE = "chargingprofiles"
RESPONSE_URL_STREAM = "chargingprofiles:response_url"
"""The random stream (``Party.random_stream``) of the uids in the eMSP's ``response_url``."""

ProfileResult = ActiveChargingProfileResult | ChargingProfileResult | ClearProfileResult


@dataclass
class ProfileOutcome:
    """Everything the eMSP learned about one charging-profile request."""

    method: str
    """GET (active profile), PUT (set) or DELETE (clear)."""
    cpo: PartyRef
    session_id: str
    correlation_id: str | None = None
    response_url: str | None = None
    exchange: Exchange | None = None
    response: ChargingProfileResponse | None = None
    result: ProfileResult | None = None
    timed_out: bool = False
    error: str | None = None


@dataclass
class PendingProfileRequest:
    """A request waiting for its result."""

    uid: str
    result_type: type[ProfileResult]
    arrived: simpy.Event
    results: list[ProfileResult] = field(default_factory=list)


@dataclass
class EMSPProfilesState:
    """The eMSP's callback URL, pending requests and the ActiveChargingProfiles CPOs sent."""

    callback_url: str = ""
    pending: dict[str, PendingProfileRequest] = field(default_factory=dict)
    active: dict[tuple[tuple[str, str], str], ActiveChargingProfile] = field(default_factory=dict)
    """Latest update by (CPO party key, case-folded session id)."""
    received: list[tuple[PartyRef, str, ActiveChargingProfile]] = field(default_factory=list)


def emsp_state(emsp: Platform) -> EMSPProfilesState:
    """The eMSP's chargingprofiles state."""
    return state(emsp, "chargingprofiles:emsp", EMSPProfilesState)


def install_emsp(platform: Platform) -> None:
    """Serve the Sender interface (result callbacks and profile updates) when the platform speaks 2.2.1."""
    if OCPIVersion.V2_2_1 not in platform.versions:
        return
    routes = [("POST", "/result/{uid}", _result(platform)), ("PUT", "/{session_id}", _update(platform))]
    emsp_state(platform).callback_url = join_url(platform.serve(OCPIVersion.V2_2_1, MODULE, "SENDER", routes), "result")


def _result(emsp: Platform) -> Callable[[OCPIRequest], OCPIReply]:
    def handle(request: OCPIRequest) -> OCPIReply:
        pending = emsp_state(emsp).pending.get(case_fold(request.path_params["uid"]))
        if pending is None:
            raise NotFound("no charging-profile request is waiting for a result at this URL")
        result = request.model(pending.result_type)
        pending.results.append(result)
        if not pending.arrived.triggered:
            pending.arrived.succeed(result)
        return OCPIReply(include_data=False)

    return handle


def _update(emsp: Platform) -> Callable[[OCPIRequest], OCPIReply]:
    def handle(request: OCPIRequest) -> OCPIReply:
        profile = request.model(ActiveChargingProfile)
        connection: Connection = request.peer
        routing = request.routing
        if routing is not None and (peer_is_hub(connection) or routing.sender in connection.parties()):
            cpo = routing.sender
        elif connection.parties(Role.CPO):
            cpo = connection.parties(Role.CPO)[0]
        else:
            raise InvalidOrMissingParameters("cannot tell which CPO sends this ActiveChargingProfile")
        session_id = request.path_params["session_id"]
        store = emsp_state(emsp)
        store.active[(cpo.key, case_fold(session_id))] = profile
        store.received.append((cpo, session_id, profile))
        return OCPIReply(include_data=False)

    return handle


# --- requests -------------------------------------------------------------------------------------

Outcome = Generator[simpy.Event, Any, ProfileOutcome]


def _request(
    emsp: Platform,
    cpo: PartyRef,
    session_id: str,
    method: str,
    result_type: type[ProfileResult],
    make: Callable[[str], tuple[OCPIModel | None, dict[str, str] | None]],
) -> Outcome:
    """Send one request (``make(response_url)`` gives its body and query) and wait for the result."""
    outcome = ProfileOutcome(method, cpo, session_id)
    target = direct_or_via_hub(emsp, cpo, MODULE, "RECEIVER")
    if target is None or target.connection.version is not OCPIVersion.V2_2_1:
        outcome.error = f"{emsp.name} has no OCPI 2.2.1 chargingprofiles route to {cpo}"
        return outcome
    store = emsp_state(emsp)
    uid = new_uid(emsp, RESPONSE_URL_STREAM)
    outcome.response_url = join_url(store.callback_url, uid)
    pending = PendingProfileRequest(uid, result_type, emsp.env.event())
    store.pending[case_fold(uid)] = pending
    body, params = make(outcome.response_url)
    outcome.correlation_id = emsp.ids.new()
    outcome.exchange = yield from emsp.call_peer(
        target.connection,
        method,
        join_url(target.url, session_id),
        module=MODULE,
        body=body,
        params=params,
        sender=reader_ref(emsp),
        to=target.to,
        correlation_id=outcome.correlation_id,
    )
    try:
        outcome.response = outcome.exchange.model(ChargingProfileResponse)
    except ValueError:
        return outcome
    if outcome.response.result is not ChargingProfileResponseType.ACCEPTED:
        return outcome
    outcome.result = yield from first_result(emsp.env, pending.results, pending.arrived, outcome.response.timeout)
    outcome.timed_out = outcome.result is None
    return outcome


def set_charging_profile(emsp: Platform, *, cpo: PartyRef, session_id: str, profile: ChargingProfile) -> Outcome:
    """PUT a SetChargingProfile; the result is a ChargingProfileResult."""
    return (
        yield from _request(
            emsp,
            cpo,
            session_id,
            "PUT",
            ChargingProfileResult,
            lambda url: (SetChargingProfile(charging_profile=profile, response_url=url), None),
        )
    )


def get_active_charging_profile(emsp: Platform, *, cpo: PartyRef, session_id: str, duration_s: int) -> Outcome:
    """GET the ActiveChargingProfile for the next ``duration_s`` seconds (an ActiveChargingProfileResult)."""
    return (
        yield from _request(
            emsp,
            cpo,
            session_id,
            "GET",
            ActiveChargingProfileResult,
            lambda url: (None, {"duration": str(duration_s), "response_url": url}),
        )
    )


def clear_charging_profile(emsp: Platform, *, cpo: PartyRef, session_id: str) -> Outcome:
    """DELETE the session's profile; the result is a ClearProfileResult."""
    return (
        yield from _request(
            emsp, cpo, session_id, "DELETE", ClearProfileResult, lambda url: (None, {"response_url": url})
        )
    )


__all__ = [
    "EMSPProfilesState",
    "PendingProfileRequest",
    "ProfileOutcome",
    "clear_charging_profile",
    "emsp_state",
    "get_active_charging_profile",
    "install_emsp",
    "set_charging_profile",
]
