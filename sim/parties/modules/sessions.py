"""Sessions module (SPEC-DIGEST §6), server side: the CPO's Sender and the eMSP's Receiver.

CPO **Sender** ``{sessions}``:

* GET list, paginated; ``date_from`` is required (2001 without it, both versions).  A CPO answers
  only the sessions of tokens owned by the requesting peer's parties (the spec allows a server to
  return only what concerns the requester); a hub peer sees all, since it relays for many.  On 2.1.1
  each Session embeds the stored Location reduced to the EVSE and Connector used.
* 2.2.1 PUT ``{sessions}/{session_id}/charging_preferences``: HTTP 404 with 2001 unless the session's
  EVSE advertises ``CHARGING_PREFERENCES_CAPABLE``; otherwise the preferences are kept in module state
  (for smart charging) and answered ``ACCEPTED``.  Unknown session (or not the requester's) → 404.

eMSP **Receiver** ``{sessions}/{country_code}/{party_id}/{session_id}`` (GET, PUT, PATCH):

* PUT stores or replaces the whole Session, ``charging_periods`` included.
* PATCH merges the sent fields into the stored Session.  2.2.1 ``charging_periods`` are APPENDED;
  2.1.1 ``charging_periods`` REPLACE the list (the spec does not define it; our CPO sends the complete
  list in 2.1.1 PATCHes, so both readings agree).  A PATCH for a session not stored → 404.
* 2.1.1 Sessions name the token only by ``auth_id``: the eMSP finds its own token with that contract
  id to build the ``cdr_token``, or else assumes an RFID token ``uid = contract_id`` of its own.  The
  Location embedded in a 2.1.1 Session is kept (module state) so a 2.1.1 GET can give it back.

Client operations (start/update/stop a session, pull) are in ``sessions_client``; other modules
follow the end of the CPO's sessions through ``on_session_ended`` (ChargingProfiles does), so this
module never imports them.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import simpy

from sim.ocpi.common import OCPIVersion, case_fold
from sim.ocpi.headers import PartyRef
from sim.ocpi.pagination import PageRequest, paginate
from sim.ocpi.router import OCPIReply, OCPIRequest, validate_body
from sim.ocpi.status import InvalidOrMissingParameters, NotFound
from sim.ocpi.v211 import sessions as ses211
from sim.ocpi.v211.convert import ConversionError
from sim.ocpi.v211.convert_locations import location_from_211
from sim.ocpi.v211.convert_sessions import session_from_211, session_patch_from_211, session_to_211
from sim.ocpi.v221.cdrs import CDR, CdrToken
from sim.ocpi.v221.locations import Location
from sim.ocpi.v221.locations_enums import Capability
from sim.ocpi.v221.sessions import (
    ChargingPreferences,
    ChargingPreferencesResponse,
    Session,
    SessionPatch,
    SessionStatus,
)
from sim.ocpi.v221.tokens import Token
from sim.ocpi.v221.types import Role
from sim.parties.connection import Connection
from sim.parties.modules.common import check_body_owner, peer_is_hub, state, stored, url_owner
from sim.parties.modules.locations import find_evse
from sim.parties.modules.tokens import converted, merged, version_items
from sim.parties.party import Exchange
from sim.parties.stores import Key, object_key

if TYPE_CHECKING:
    from sim.parties.platform import Platform

MODULE = "sessions"
LIST_LIMIT = 50
"""Page-size cap of the CPO's session list."""


class PreferencesNotSupported(InvalidOrMissingParameters):
    """2001 with HTTP 404: the 2.2.1 answer for Charging Preferences on an EVSE that cannot use them."""

    http_status = 404


@dataclass(frozen=True)
class Delivery:
    """The outcome of one push (PUT/PATCH/POST) of a session or CDR to the token owner's eMSP."""

    method: str
    url: str | None
    exchange: Exchange | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """The receiver stored it."""
        return self.exchange is not None and self.exchange.ok


SessionEnded = Callable[["Platform", str], Generator[simpy.Event, Any, None]]
"""Told ``(cpo, session_id)`` when one of the CPO's sessions ends (see ``on_session_ended``)."""

ENDED = frozenset({SessionStatus.COMPLETED, SessionStatus.INVALID})
"""The final statuses: a session reaching one of them has ended."""


@dataclass
class SessionsState:
    """Module state: id counter, preferences and end hooks (CPO), Locations embedded in 2.1.1 Sessions (eMSP)."""

    next_number: int = 1
    preferences: dict[Key, ChargingPreferences] = field(default_factory=dict)
    locations_211: dict[Key, Location] = field(default_factory=dict)
    deliveries: list[Delivery] = field(default_factory=list)
    """CPO: the outcome of every Session push, in order."""
    ended_hooks: list[SessionEnded] = field(default_factory=list)
    """CPO: run in order, after the push, whenever a session turns COMPLETED or INVALID."""


def sessions_state(platform: Platform) -> SessionsState:
    """The Sessions module state of ``platform``."""
    return state(platform, MODULE, SessionsState)


def on_session_ended(platform: Platform, hook: SessionEnded) -> None:
    """Run ``hook(platform, session_id)`` whenever one of the CPO's sessions ends (registered once).

    Modules that follow sessions (ChargingProfiles) register here, so the Sessions module never
    imports them and every way a session ends (stop, status change, reservation over) tells them.
    """
    hooks = sessions_state(platform).ended_hooks
    if hook not in hooks:
        hooks.append(hook)


# --- helpers shared with the CDRs module ------------------------------------------------------------


def owner_of(obj: Any) -> PartyRef:
    """The owner of a 2.2.1 object (``country_code`` + ``party_id``)."""
    return PartyRef(obj.country_code, obj.party_id)


def accepts_owner(peer: Connection | None, owner: PartyRef) -> bool:
    """Whether ``owner`` is one of the authenticated peer's parties (any party when the peer is a hub).

    Used both ways: which sessions/CDRs a CPO lists to a peer (those of its tokens), and which
    objects an eMSP accepts from a peer (those it owns).
    """
    return peer is not None and (peer_is_hub(peer) or any(ref.key == owner.key for ref in peer.parties()))


def sees_session(peer: Connection | None, session: Session) -> bool:
    """Sessions a CPO shows a peer: its tokens' sessions; every session to a hub, and to a
    smart-charging provider the CPO delegated smart charging to (an SCSP peer)."""
    return accepts_owner(peer, owner_of(session.cdr_token)) or (peer is not None and peer.has_role(Role.SCSP))


def stored_location(platform: Platform, owner: PartyRef, location_id: str) -> Location:
    """The CPO's own Location (``ValueError`` when it has none with that id)."""
    location = platform.cpo_data.locations.get(owner, location_id)
    if location is None:
        raise ValueError(f"{platform.name} has no Location {location_id!r} of {owner}")
    return location


def cdr_token(token: Token) -> CdrToken:
    """The CdrToken naming ``token`` in Sessions and CDRs."""
    return CdrToken(
        country_code=token.country_code,
        party_id=token.party_id,
        uid=token.uid,
        type=token.type,
        contract_id=token.contract_id,
    )


def own_cdr_token(platform: Platform, contract_id: str) -> CdrToken | None:
    """The eMSP's own token with ``contract_id`` (a 2.1.1 ``auth_id``) as a CdrToken, if it has one."""
    emsp = platform.emsp_data
    for token in emsp.tokens.owned_by(emsp.party):
        if case_fold(token.contract_id) == case_fold(contract_id):
            return cdr_token(token)
    return None


def token_arguments(platform: Platform, auth_id: str | None) -> dict[str, Any]:
    """``token``/``token_owner`` for the ``*_from_211`` conversions of Sessions and CDRs."""
    emsp = platform.emsp_data
    token = own_cdr_token(platform, auth_id) if auth_id else None
    if token is not None:
        return {"token": token}
    return {"token_owner": (emsp.party.country_code, emsp.party.party_id)}


def session_from_wire(platform: Platform, body: ses211.Session, owner: PartyRef) -> tuple[Session, Location]:
    """A received 2.1.1 Session as (2.2.1 Session, its embedded Location), owned by ``owner``.

    ``ConversionError`` when 2.2.1 cannot hold it (a receiver answers 2001, a pull rejects the item).
    """
    country, party = owner.country_code, owner.party_id
    session = session_from_211(body, country_code=country, party_id=party, **token_arguments(platform, body.auth_id))
    return session, location_from_211(body.location, country_code=country, party_id=party)


Held = TypeVar("Held", Session, CDR)


@dataclass
class EmbeddedLocations:
    """A 2.1.1 pull's Locations embedded in Sessions or CDRs, kept in ``kept`` once their object is stored."""

    kept: dict[Key, Location]
    pending: dict[Key, Location] = field(default_factory=dict)

    def hold(self, obj: Held, location: Location) -> Held:
        """Remember ``location`` until ``obj`` is stored; returns ``obj``."""
        self.pending[object_key(owner_of(obj), obj.id)] = location
        return obj

    def keep(self, obj: Session | CDR) -> None:
        """``obj`` was stored: keep its Location (a pull ``on_stored`` hook)."""
        key = object_key(owner_of(obj), obj.id)
        if key in self.pending:
            self.kept[key] = self.pending.pop(key)


def embedded_location(platform: Platform, kept: dict[Key, Location], obj: Session | CDR, location_id: str) -> Location:
    """The Location to embed when an eMSP shows a Session or CDR in 2.1.1 (HTTP 404 when it has none).

    The one the object arrived with (a 2.1.1 push or pull), else the eMSP's copy of the CPO's Location.
    """
    owner = owner_of(obj)
    location = kept.get(object_key(owner, obj.id)) or platform.emsp_data.locations.get(owner, location_id)
    if location is None:
        kind = type(obj).__name__
        raise NotFound(f"{kind} {obj.id!r} cannot be shown in OCPI 2.1.1: its Location is unknown here")
    return location


def sender_list(
    request: OCPIRequest,
    version: OCPIVersion,
    objects: list[Any],
    *,
    require_date_from: bool,
    to_211: Callable[[Any], Any],
    limit: int,
) -> OCPIReply:
    """A paginated GET list answer of the CPO's sessions or CDRs the requester may see."""
    page_request = PageRequest.from_query(request.query, version, require_date_from=require_date_from)
    mine = [obj for obj in objects if sees_session(request.peer, obj)]
    page = paginate(mine, page_request, url=request.http.url, max_limit=limit, last_updated=lambda o: o.last_updated)
    items = version_items(page.items, to_211) if version is OCPIVersion.V2_1_1 else page.items
    return OCPIReply(data=items, headers=page.headers())


# --- CPO Sender -------------------------------------------------------------------------------------


def install_cpo(platform: Platform) -> None:
    """Serve the Sessions Sender interface for every version (Charging Preferences in 2.2.1)."""
    for version in platform.versions:
        _install_sender(platform, version)


def session_to_wire(platform: Platform, session: Session) -> ses211.Session:
    """The 2.1.1 form of one of the CPO's sessions (with its stored Location embedded)."""
    location = platform.cpo_data.locations.get(owner_of(session), session.location_id)
    if location is None:
        raise ConversionError(f"Session {session.id!r}: 2.1.1 embeds its Location {session.location_id!r}, unknown")
    return session_to_211(session, location=location)


def _install_sender(platform: Platform, version: OCPIVersion) -> None:
    cpo = platform.cpo_data

    def list_sessions(request: OCPIRequest) -> OCPIReply:
        return sender_list(
            request,
            version,
            cpo.sessions.values(),
            require_date_from=True,
            to_211=lambda s: session_to_wire(platform, s),
            limit=LIST_LIMIT,
        )

    def put_preferences(request: OCPIRequest) -> OCPIReply:
        session_id = request.path_params["session_id"]
        session = cpo.sessions.get(cpo.party, session_id)
        if session is None or not sees_session(request.peer, session):
            raise NotFound(f"no session {session_id!r} of yours is known here")
        location = cpo.locations.get(owner_of(session), session.location_id)
        evse = find_evse(location, session.evse_uid) if location else None
        if evse is None or Capability.CHARGING_PREFERENCES_CAPABLE not in (evse.capabilities or []):
            raise PreferencesNotSupported(f"EVSE {session.evse_uid} does not accept charging preferences")
        preferences = request.model(ChargingPreferences)
        sessions_state(platform).preferences[object_key(owner_of(session), session.id)] = preferences
        return OCPIReply(data=ChargingPreferencesResponse.ACCEPTED.value)

    routes = [("GET", "", list_sessions)]
    if version is OCPIVersion.V2_2_1:
        routes.append(("PUT", "/{session_id}/charging_preferences", put_preferences))
    platform.serve(version, MODULE, "SENDER", routes)


# --- eMSP Receiver ----------------------------------------------------------------------------------


def install_emsp(platform: Platform) -> None:
    """Serve the Sessions Receiver interface for every version."""
    for version in platform.versions:
        _install_receiver(platform, version)


def _install_receiver(platform: Platform, version: OCPIVersion) -> None:
    emsp = platform.emsp_data
    module_state = sessions_state(platform)
    v211 = version is OCPIVersion.V2_1_1

    def current(owner: PartyRef, session_id: str) -> Session:
        session = emsp.sessions.get(owner, session_id)
        if session is None:
            raise NotFound(f"no session {session_id!r} of {owner} is stored here")
        return session

    def get_session(request: OCPIRequest) -> OCPIReply:
        owner = url_owner(request)
        session = current(owner, request.path_params["session_id"])
        if not v211:
            return OCPIReply(data=session)
        location = embedded_location(platform, module_state.locations_211, session, session.location_id)
        return OCPIReply(data=converted(lambda: session_to_211(session, location=location)))

    def put_session(request: OCPIRequest) -> OCPIReply:
        owner = url_owner(request)
        session_id = request.path_params["session_id"]
        if v211:
            body = request.model(ses211.Session)
            check_body_owner(owner, body, id_field="id", url_id=session_id)
            session, location = converted(lambda: session_from_wire(platform, body, owner))
            module_state.locations_211[object_key(owner, session.id)] = location
        else:
            session = request.model(Session)
            check_body_owner(owner, session, id_field="id", url_id=session_id)
        return stored(emsp.sessions.put(owner, session.id, session))

    def patch_session(request: OCPIRequest) -> OCPIReply:
        owner = url_owner(request)
        embedded: Location | None = None
        if v211:
            body = request.model(ses211.SessionPatch)
            patch = converted(
                lambda: session_patch_from_211(
                    body, received_at=platform.clock.now(), **token_arguments(platform, body.auth_id)
                )
            )
            if body.location is not None:
                location211 = body.location
                embedded = converted(
                    lambda: location_from_211(location211, country_code=owner.country_code, party_id=owner.party_id)
                )
        else:
            patch = request.model(SessionPatch)
        session = current(owner, request.path_params["session_id"])
        check_body_owner(owner, patch, id_field="id", url_id=session.id)
        if v211:
            updated = merged(session, patch.model_dump(exclude_none=True))
        else:
            # 2.2.1: a PATCH appends the periods it carries (none or [] changes nothing); correcting
            # periods takes a PUT.  2.1.1 peers send the complete list, which simply replaces.
            # The merge takes the validated objects as they are (pydantic does not validate model
            # instances again), so a long session's periods are not dumped and re-read on every PATCH.
            changes = {name: value for name, value in patch if value is not None}
            added = changes.pop("charging_periods", None) or []
            if added:
                changes["charging_periods"] = [*(session.charging_periods or []), *added]
            updated = validate_body(Session, {**dict(session), **changes})
        if embedded is not None:
            module_state.locations_211[object_key(owner, session.id)] = embedded
        emsp.sessions.put(owner, session.id, updated)
        return stored(False)

    path = "/{country_code}/{party_id}/{session_id}"
    platform.serve(
        version,
        MODULE,
        "RECEIVER",
        [("GET", path, get_session), ("PUT", path, put_session), ("PATCH", path, patch_session)],
    )
