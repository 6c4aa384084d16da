"""ChargingProfiles module (2.2.1 only), CPO side (Receiver): smart-charging limits on running sessions.

Endpoints on the CPO's Receiver interface, each answered at once with a ChargingProfileResponse
(``timeout`` = ``CPOProfilesState.timeout_s``, default 30 s) and, when ACCEPTED, later by a POST to
the request's ``response_url`` (``CPOProfilesState.delay_s`` after the request, default 5 s):

* ``GET /{session_id}?duration=&response_url=`` → ActiveChargingProfileResult with the
  ActiveChargingProfile for the next ``duration`` seconds;
* ``PUT /{session_id}`` (body SetChargingProfile) → ChargingProfileResult; the profile becomes the
  session's limit;
* ``DELETE /{session_id}?response_url=`` → ClearProfileResult; UNKNOWN when no profile was set.

A missing or malformed ``duration``/``response_url`` or body → 2001.  Synchronous results: unknown
session → UNKNOWN_SESSION; a session whose token belongs to another party, or that is no longer
ACTIVE/PENDING → REJECTED (the spec lets the CPO refuse parties without a contract); an EVSE without
CHARGING_PROFILE_CAPABLE → NOT_SUPPORTED.  ``CPOProfilesState.outcomes`` overrides what the charger
answers per request kind (default ACCEPTED; ``None`` = never answers).  TOO_OFTEN is not produced.

After a successful set the CPO PUTs the session's ActiveChargingProfile to the setter's
chargingprofiles Sender endpoint ``/{session_id}`` (direct or via hub, TO = the setter) at every
change ("every known change"): right after the set, after a clear (the EVSE maximum), when the
session ends with a profile still set (the EVSE maximum; after a clear nothing changes, so nothing is
sent) — however it ends: ``session_ended`` is registered with ``sessions.on_session_ended`` and runs
right after the COMPLETED/INVALID PATCH — and whenever the simulation calls ``push_active_profile``.
Never for sessions nobody set a profile on (the spec's rule); none after the session's end.

Choices:

* The ActiveChargingProfile is the set profile capped by the EVSE maximum, always in W (limits in A
  are converted with the connector's ``max_voltage`` and its number of phases); where no profile
  applies it shows the EVSE maximum (``max_electric_power``, else voltage × amperage × phases).  Its
  ``start_date_time`` is now, ``duration`` the asked one (updates: ``update_horizon_s``, 30 min, within
  the spec's 5–60 min guide).  A profile without ``start_date_time`` counts from the session start.
* The results and updates caused by a request carry that request's ``X-Correlation-ID``.
* ``session_limit_kw`` gives the simulation the limit in force now (None without a profile).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import simpy

from sim.ocpi.common import OCPIModel, OCPIVersion, case_fold
from sim.ocpi.headers import PartyRef
from sim.ocpi.router import OCPIReply, OCPIRequest
from sim.ocpi.status import InvalidOrMissingParameters
from sim.ocpi.v221.chargingprofiles import (
    ActiveChargingProfile,
    ActiveChargingProfileResult,
    ChargingProfile,
    ChargingProfilePeriod,
    ChargingProfileResponse,
    ChargingProfileResponseType,
    ChargingProfileResult,
    ChargingProfileResultType,
    ChargingRateUnit,
    ClearProfileResult,
    SetChargingProfile,
)
from sim.ocpi.v221.locations import Connector
from sim.ocpi.v221.locations_enums import Capability, PowerType
from sim.ocpi.v221.sessions import Session, SessionStatus
from sim.ocpi.v221.types import Role
from sim.parties.modules.chargingprofiles_client import install_emsp as install_sender
from sim.parties.modules.commands import requesting_party
from sim.parties.modules.common import join_url, state
from sim.parties.modules.locations import find_connector, find_evse
from sim.parties.modules.results import Origin, post_to_origin
from sim.parties.modules.sessions import on_session_ended
from sim.parties.party import Exchange
from sim.parties.targets import direct_or_via_hub

if TYPE_CHECKING:
    from sim.parties.platform import Platform

MODULE = "chargingprofiles"

Steps = Generator[simpy.Event, Any, None]


class ProfileRequest(StrEnum):
    """The three requests of the Receiver interface, by HTTP method."""

    ACTIVE = "GET"
    SET = "PUT"
    CLEAR = "DELETE"


@dataclass
class SessionProfile:
    """A session somebody set a profile on: who gets the updates, and the profile (None = cleared)."""

    subscriber: PartyRef
    profile: ChargingProfile | None


@dataclass(frozen=True)
class ProfileUpdate:
    """One ActiveChargingProfile PUT to a subscriber."""

    session_id: str
    profile: ActiveChargingProfile
    exchange: Exchange


@dataclass
class CPOProfilesState:
    """The CPO's charging-profile settings, the profiles in force and the updates it sent."""

    timeout_s: int = 30
    delay_s: float = 5.0
    outcomes: dict[ProfileRequest, ChargingProfileResultType | None] = field(default_factory=dict)
    update_horizon_s: int = 1800
    sessions: dict[str, SessionProfile] = field(default_factory=dict)
    """By case-folded session id."""
    updates: list[ProfileUpdate] = field(default_factory=list)


def cpo_state(cpo: Platform) -> CPOProfilesState:
    """The CPO's chargingprofiles state."""
    return state(cpo, "chargingprofiles:cpo", CPOProfilesState)


def install_cpo(platform: Platform) -> None:
    """Serve the Receiver interface (GET/PUT/DELETE ``/{session_id}``) when the platform speaks 2.2.1.

    Also follows the end of every session (``sessions.on_session_ended`` → ``session_ended``).
    """
    if OCPIVersion.V2_2_1 in platform.versions:
        routes = [(kind.value, "/{session_id}", _handler(platform, kind)) for kind in ProfileRequest]
        platform.serve(OCPIVersion.V2_2_1, MODULE, "RECEIVER", routes)
        on_session_ended(platform, session_ended)


def install_emsp(platform: Platform) -> None:
    """Serve the Sender interface (see ``chargingprofiles_client``)."""
    install_sender(platform)


# --- requests -------------------------------------------------------------------------------------


def _query_url(request: OCPIRequest) -> str:
    url = request.query.get("response_url", "")
    if not url.startswith(("http://", "https://")) or len(url) > 255:
        raise InvalidOrMissingParameters("query parameter response_url must be a URL of at most 255 characters")
    return url


def _query_duration(request: OCPIRequest) -> int:
    text = request.query.get("duration", "")
    if not text.isdigit():
        raise InvalidOrMissingParameters("query parameter duration must be a whole number of seconds")
    return int(text)


def _session(cpo: Platform, session_id: str) -> Session | None:
    return cpo.cpo_data.sessions.get(cpo.cpo_data.party, session_id)


def _connector(cpo: Platform, session: Session) -> Connector | None:
    location = cpo.cpo_data.locations.get(cpo.cpo_data.party, session.location_id)
    evse = find_evse(location, session.evse_uid) if location is not None else None
    return find_connector(evse, session.connector_id) if evse is not None else None


def _check(
    cpo: Platform, session_id: str, party: PartyRef, *, delegated: bool = False
) -> tuple[ChargingProfileResponseType, str | None]:
    """``delegated``: the requester is a smart-charging provider the CPO works with, which may set
    profiles on any session (the spec's "party with a contract with the CPO")."""
    session = _session(cpo, session_id)
    if session is None:
        return ChargingProfileResponseType.UNKNOWN_SESSION, f"unknown session {session_id!r}"
    owner = PartyRef(session.cdr_token.country_code, session.cdr_token.party_id)
    if not delegated and owner.key != party.key:
        return ChargingProfileResponseType.REJECTED, f"session {session.id} is not one of {party}'s"
    if session.status not in (SessionStatus.ACTIVE, SessionStatus.PENDING):
        return ChargingProfileResponseType.REJECTED, f"session {session.id} is {session.status.value}"
    location = cpo.cpo_data.locations.get(cpo.cpo_data.party, session.location_id)
    evse = find_evse(location, session.evse_uid) if location is not None else None
    if evse is None or Capability.CHARGING_PROFILE_CAPABLE not in (evse.capabilities or []):
        return ChargingProfileResponseType.NOT_SUPPORTED, f"EVSE {session.evse_uid} is not CHARGING_PROFILE_CAPABLE"
    return ChargingProfileResponseType.ACCEPTED, None


def _handler(cpo: Platform, kind: ProfileRequest) -> Callable[[OCPIRequest], OCPIReply]:
    def handle(request: OCPIRequest) -> OCPIReply:
        session_id = request.path_params["session_id"]
        profile: ChargingProfile | None = None
        duration = 0
        if kind is ProfileRequest.SET:
            body = request.model(SetChargingProfile)
            response_url, profile = body.response_url, body.charging_profile
        else:
            response_url = _query_url(request)
            duration = _query_duration(request) if kind is ProfileRequest.ACTIVE else 0
        party = requesting_party(request)
        delegated = request.peer is not None and request.peer.has_role(Role.SCSP)
        result, message = _check(cpo, session_id, party, delegated=delegated)
        if result is ChargingProfileResponseType.ACCEPTED:
            ids = request.ids
            correlation_id = ids.correlation_id if ids else None
            origin = Origin(party, response_url, correlation_id, OCPIVersion.V2_2_1, request.peer.peer)
            cpo.env.process(_answer(cpo, origin, kind, session_id, profile, duration))
        response = ChargingProfileResponse(result=result, timeout=cpo_state(cpo).timeout_s)
        return OCPIReply(data=response, message=message)

    return handle


def _answer(
    cpo: Platform, origin: Origin, kind: ProfileRequest, session_id: str, profile: ChargingProfile | None, duration: int
) -> Steps:
    store = cpo_state(cpo)
    yield cpo.env.timeout(store.delay_s)
    outcome = store.outcomes.get(kind, ChargingProfileResultType.ACCEPTED)
    if outcome is None:
        return
    accepted = outcome is ChargingProfileResultType.ACCEPTED
    entry = store.sessions.get(case_fold(session_id))
    changed = False
    body: OCPIModel
    if kind is ProfileRequest.ACTIVE:
        active = active_profile(cpo, session_id, duration) if accepted else None
        body = ActiveChargingProfileResult(result=outcome, profile=active)
    elif kind is ProfileRequest.SET:
        if accepted:
            store.sessions[case_fold(session_id)] = SessionProfile(origin.emsp, profile)
            changed = True
        body = ChargingProfileResult(result=outcome)
    else:
        if accepted and (entry is None or entry.profile is None):
            outcome = ChargingProfileResultType.UNKNOWN
        elif accepted and entry is not None:
            entry.profile = None
            changed = True
        body = ClearProfileResult(result=outcome)
    yield from post_to_origin(cpo, origin, MODULE, lambda _version: body)
    if changed:
        yield from push_active_profile(cpo, session_id, correlation_id=origin.correlation_id)


# --- the active profile ---------------------------------------------------------------------------

_PHASES = {PowerType.AC_1_PHASE: 1, PowerType.AC_2_PHASE: 2, PowerType.AC_2_PHASE_SPLIT: 2, PowerType.AC_3_PHASE: 3}


def _watts(amperes: Decimal, connector: Connector) -> Decimal:
    return amperes * connector.max_voltage * _PHASES.get(connector.power_type, 1)


def evse_max_w(connector: Connector) -> Decimal:
    """The most a connector can deliver, in W."""
    if connector.max_electric_power is not None:
        return Decimal(connector.max_electric_power)
    return _watts(Decimal(connector.max_amperage), connector)


def _profile_limit_w(
    profile: ChargingProfile, session: Session, connector: Connector | None, moment: datetime
) -> Decimal | None:
    """The profile's limit at ``moment`` in W (None when no period of it applies then)."""
    base = profile.start_date_time or session.start_date_time
    if moment < base or (profile.duration is not None and moment >= base + timedelta(seconds=profile.duration)):
        return None
    started = [p for p in profile.charging_profile_period or [] if base + timedelta(seconds=p.start_period) <= moment]
    if not started:
        return None
    limit = max(started, key=lambda p: p.start_period).limit
    if profile.charging_rate_unit is ChargingRateUnit.W:
        return limit
    return _watts(limit, connector) if connector is not None else None


def _profile_changes(profile: ChargingProfile, session: Session) -> list[datetime]:
    base = profile.start_date_time or session.start_date_time
    moments = [base + timedelta(seconds=p.start_period) for p in profile.charging_profile_period or []]
    if profile.duration is not None:
        moments.append(base + timedelta(seconds=profile.duration))
    return moments


def active_profile(cpo: Platform, session_id: str, duration_s: int) -> ActiveChargingProfile:
    """What the charger plans for the session over the next ``duration_s`` seconds (see the docstring)."""
    now = cpo.clock.now()
    session = _session(cpo, session_id)
    entry = cpo_state(cpo).sessions.get(case_fold(session_id))
    profile = entry.profile if entry is not None else None
    connector = _connector(cpo, session) if session is not None else None
    ceiling = evse_max_w(connector) if connector is not None else None
    moments = [now]
    if profile is not None and session is not None:
        end = now + timedelta(seconds=duration_s)
        moments += [moment for moment in _profile_changes(profile, session) if now < moment < end]
    periods: list[ChargingProfilePeriod] = []
    for moment in sorted(set(moments)):
        limit = _profile_limit_w(profile, session, connector, moment) if profile and session else None
        if limit is None or (ceiling is not None and limit > ceiling):
            limit = ceiling if ceiling is not None else limit
        if limit is None or (periods and periods[-1].limit == limit):
            continue
        offset = int((moment - now).total_seconds())
        if periods and periods[-1].start_period == offset:
            periods.pop()
        periods.append(ChargingProfilePeriod(start_period=offset, limit=limit))
    charging_profile = ChargingProfile(
        charging_rate_unit=ChargingRateUnit.W, duration=duration_s, charging_profile_period=periods
    )
    return ActiveChargingProfile(start_date_time=now, charging_profile=charging_profile)


def session_limit_kw(cpo: Platform, session_id: str) -> Decimal | None:
    """The limit a set profile puts on the session right now, in kW (None: no profile limits it now)."""
    entry = cpo_state(cpo).sessions.get(case_fold(session_id))
    if entry is None or entry.profile is None:  # the usual case, asked at every power step: no look-up
        return None
    session = _session(cpo, session_id)
    if session is None:
        return None
    limit = _profile_limit_w(entry.profile, session, _connector(cpo, session), cpo.clock.now())
    return limit / 1000 if limit is not None else None


# --- updates to the subscriber --------------------------------------------------------------------


def push_active_profile(
    cpo: Platform, session_id: str, *, correlation_id: str | None = None
) -> Generator[simpy.Event, Any, Exchange | None]:
    """PUT the session's current ActiveChargingProfile to whoever set a profile on it (None: nobody)."""
    store = cpo_state(cpo)
    entry = store.sessions.get(case_fold(session_id))
    if entry is None:
        return None
    profile = active_profile(cpo, session_id, store.update_horizon_s)
    target = direct_or_via_hub(cpo, entry.subscriber, MODULE, "SENDER")
    if target is None or target.connection.version is not OCPIVersion.V2_2_1:
        exchange = Exchange(0, None, None, None, {}, error=f"no chargingprofiles Sender of {entry.subscriber}")
    else:
        exchange = yield from cpo.call_peer(
            target.connection,
            "PUT",
            join_url(target.url, session_id),
            module=MODULE,
            body=profile,
            sender=cpo.ref(Role.CPO),
            to=target.to,
            correlation_id=correlation_id,
        )
    store.updates.append(ProfileUpdate(session_id, profile, exchange))
    return exchange


def session_ended(cpo: Platform, session_id: str) -> Steps:
    """The session ended: no more updates; a subscriber whose profile was still set gets the EVSE
    maximum one last time (after a clear it already has it: nothing changes, nothing is sent)."""
    entry = cpo_state(cpo).sessions.get(case_fold(session_id))
    if entry is None:
        return
    if entry.profile is not None:
        entry.profile = None
        yield from push_active_profile(cpo, session_id)
    cpo_state(cpo).sessions.pop(case_fold(session_id), None)


__all__ = [
    "CPOProfilesState",
    "ProfileRequest",
    "ProfileUpdate",
    "SessionProfile",
    "active_profile",
    "cpo_state",
    "evse_max_w",
    "install_cpo",
    "install_emsp",
    "push_active_profile",
    "session_ended",
    "session_limit_kw",
]
