"""Sessions module (SPEC-DIGEST §6), client side: the CPO runs sessions, the eMSP pulls them.

A CPO session is pushed to the token owner's eMSP — directly, or through the hub that knows the owner
(``OCPI-to`` = the owner) — when that connection synchronises ``sessions`` by push; otherwise the eMSP
pulls.  The CPO always keeps the session in ``platform.cpo.sessions``.

* ``start_session`` creates the Session (id ``SES`` + a per-CPO counter; ``currency`` from the first
  stored tariff the connector references, else EUR), stores it and PUTs it.
* ``update_session`` records the energy so far, the new charging periods (``period`` for one,
  ``periods`` for several) and the running cost, and PATCHes them.  In 2.2.1 the PATCH carries only
  the new periods (the receiver appends); in 2.1.1, where peers may read PATCHed periods as a
  replacement, it carries the complete list.
* ``set_session_status`` PATCHes a status change; ``stop_session`` PATCHes ``COMPLETED`` with
  ``end_date_time`` (and the final energy, the last periods and ``total_cost`` when given), then
  issues the CDR — priced by the tariff engine when the caller passes its ``Totals`` (the world's
  charge points do), otherwise with the given ``cost``.
* ``activate_reservation`` (2.2.1) turns a RESERVATION session ACTIVE when the reserving token starts
  charging, with ``start_date_time`` = now (2.1.1 has no RESERVATION sessions: a 2.1.1 reservation
  simply ends and ``start_session`` creates the session).
* Whenever a session turns COMPLETED or INVALID (by any of these), the hooks registered with
  ``sessions.on_session_ended`` run after the PATCH (ChargingProfiles sends its last update there),
  before ``stop_session`` issues the CDR.

Every push's outcome is appended to ``SessionsState.deliveries``; a failed push is not retried (the
spec leaves recovery to the receiver's next pull).  ``pull_sessions`` is the eMSP's GET-all crawl.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import simpy

from sim.ocpi.common import OCPIVersion
from sim.ocpi.headers import PartyRef
from sim.ocpi.v211 import sessions as ses211
from sim.ocpi.v211.convert import ConversionError
from sim.ocpi.v211.convert_sessions import session_patch_to_211
from sim.ocpi.v221.cdrs import CDR, AuthMethod, CdrToken, ChargingPeriod
from sim.ocpi.v221.sessions import Session, SessionPatch, SessionStatus
from sim.ocpi.v221.tariffs import Tariff
from sim.ocpi.v221.types import Price
from sim.parties.connection import Connection
from sim.parties.modules.cdrs_client import deliver, issue_cdr, owner_target, total_cost
from sim.parties.modules.common import join_url
from sim.parties.modules.locations import find_connector, find_evse
from sim.parties.modules.pull import PullResult, crawl
from sim.parties.modules.sessions import (
    ENDED,
    MODULE,
    Delivery,
    EmbeddedLocations,
    owner_of,
    session_from_wire,
    session_to_wire,
    sessions_state,
    stored_location,
)

if TYPE_CHECKING:
    from sim.parties.platform import Platform
    from sim.pricing.result import Totals

DEFAULT_CURRENCY = "EUR"


def _currency(cpo: Platform, session_owner: Any, location_id: str, evse_uid: str, connector_id: str) -> str:
    location = stored_location(cpo, session_owner, location_id)
    evse = find_evse(location, evse_uid)
    connector = find_connector(evse, connector_id) if evse else None
    if connector is None:
        raise ValueError(f"Location {location_id} has no EVSE {evse_uid} with connector {connector_id}")
    for tariff_id in connector.tariff_ids or []:
        tariff = cpo.cpo_data.tariffs.get(session_owner, tariff_id)
        if tariff is not None:
            return tariff.currency
    return DEFAULT_CURRENCY


def _session(cpo: Platform, session_id: str) -> Session:
    data = cpo.cpo_data
    session = data.sessions.get(data.party, session_id)
    if session is None:
        raise ValueError(f"{cpo.name} has no session {session_id}")
    return session


def _push(
    cpo: Platform, session: Session, method: str, patch: SessionPatch | None = None
) -> Generator[simpy.Event, Any, Delivery | None]:
    """PUT (``patch`` None) or PATCH ``session`` to its token owner, if that connection pushes sessions."""
    target = owner_target(cpo, owner_of(session.cdr_token), MODULE)
    if target is None:
        return None
    url = join_url(target.url, session.country_code, session.party_id, session.id)
    try:
        if target.connection.version is OCPIVersion.V2_1_1:
            body: Any = session_to_wire(cpo, session) if patch is None else session_patch_to_211(patch)
        else:
            body = session if patch is None else patch
    except ConversionError as exc:
        delivery = Delivery(method, url, None, str(exc))
    else:
        delivery = yield from deliver(cpo, target, method, url, MODULE, body)
    sessions_state(cpo).deliveries.append(delivery)
    return delivery


def _change(
    cpo: Platform, session_id: str, changes: dict[str, Any], *, new_periods: Sequence[ChargingPeriod] = ()
) -> Generator[simpy.Event, Any, Session]:
    """Store ``changes`` (+ new periods) with a fresh ``last_updated`` and PATCH them to the owner."""
    session = _session(cpo, session_id)
    now = cpo.clock.now()
    periods = list(session.charging_periods or []) + list(new_periods)
    # The session's fields as they are (model instances are not validated again), not a dump to re-read.
    updated = Session.model_validate(
        {**dict(session), **changes, "charging_periods": periods or None, "last_updated": now}
    )
    cpo.cpo_data.sessions.put(owner_of(session), session.id, updated)
    target = owner_target(cpo, owner_of(session.cdr_token), MODULE)
    if target is not None:
        sent_periods = None
        if new_periods:
            sent_periods = periods if target.connection.version is OCPIVersion.V2_1_1 else list(new_periods)
        patch = SessionPatch.model_validate({**changes, "charging_periods": sent_periods, "last_updated": now})
        yield from _push(cpo, updated, "PATCH", patch)
    if updated.status in ENDED and session.status not in ENDED:
        for hook in list(sessions_state(cpo).ended_hooks):
            yield from hook(cpo, session.id)
    return updated


def start_session(
    cpo: Platform,
    *,
    location_id: str,
    evse_uid: str,
    connector_id: str,
    token: CdrToken,
    auth_method: AuthMethod,
    authorization_reference: str | None = None,
    status: SessionStatus = SessionStatus.ACTIVE,
) -> Generator[simpy.Event, Any, Session]:
    """Create, store and push a new Session at the given connector for ``token``."""
    data = cpo.cpo_data
    module_state = sessions_state(cpo)
    session_id = f"SES{module_state.next_number:06d}"
    module_state.next_number += 1
    now = cpo.clock.now()
    session = Session(
        country_code=data.party.country_code,
        party_id=data.party.party_id,
        id=session_id,
        start_date_time=now,
        kwh=Decimal(0),
        cdr_token=token,
        auth_method=auth_method,
        authorization_reference=authorization_reference,
        location_id=location_id,
        evse_uid=evse_uid,
        connector_id=connector_id,
        currency=_currency(cpo, data.party, location_id, evse_uid, connector_id),
        status=status,
        last_updated=now,
    )
    data.sessions.put(data.party, session.id, session)
    yield from _push(cpo, session, "PUT")
    return session


def update_session(
    cpo: Platform,
    session_id: str,
    *,
    kwh: Decimal | int | float,
    period: ChargingPeriod | None = None,
    periods: Sequence[ChargingPeriod] = (),
    total_cost: Price | None = None,
) -> Generator[simpy.Event, Any, Session]:
    """Record progress (energy so far, new charging periods, running cost) and PATCH it.

    ``period`` is one new period, ``periods`` several (both may be given: ``period`` comes first).
    """
    changes: dict[str, Any] = {"kwh": Decimal(str(kwh))}
    if total_cost is not None:
        changes["total_cost"] = total_cost
    new_periods = ([period] if period is not None else []) + list(periods)
    return (yield from _change(cpo, session_id, changes, new_periods=new_periods))


def set_session_status(cpo: Platform, session_id: str, status: SessionStatus) -> Generator[simpy.Event, Any, Session]:
    """Change a session's status and PATCH it."""
    return (yield from _change(cpo, session_id, {"status": status}))


def activate_reservation(
    cpo: Platform,
    session_id: str,
    *,
    token: CdrToken,
    auth_method: AuthMethod,
    authorization_reference: str | None = None,
    connector_id: str | None = None,
) -> Generator[simpy.Event, Any, Session]:
    """The reserving token starts charging: its RESERVATION session turns ACTIVE (2.2.1 "Reservations").

    ``start_date_time`` becomes now (the spec: the moment the session became ACTIVE), so the waiting
    time is not billed as charging.  ``token``, ``auth_method``, ``authorization_reference`` (the
    spec: "last one wins") and ``connector_id`` are those of the start; the PATCH carries the ones
    that differ from the reservation's.  ``ValueError`` unless the session is a RESERVATION.
    """
    session = _session(cpo, session_id)
    if session.status is not SessionStatus.RESERVATION:
        raise ValueError(f"session {session_id} is {session.status.value}, not a RESERVATION")
    changes: dict[str, Any] = {"status": SessionStatus.ACTIVE, "start_date_time": cpo.clock.now()}
    started = {
        "cdr_token": token,
        "auth_method": auth_method,
        "authorization_reference": authorization_reference,
        "connector_id": connector_id,
    }
    changes.update({name: value for name, value in started.items() if value not in (None, getattr(session, name))})
    return (yield from _change(cpo, session_id, changes))


def stop_session(
    cpo: Platform,
    session_id: str,
    *,
    cost: Price | None = None,
    kwh: Decimal | None = None,
    periods: Sequence[ChargingPeriod] = (),
    totals: Totals | None = None,
    version: OCPIVersion = OCPIVersion.V2_2_1,
    tariffs: Sequence[Tariff] | None = None,
    end: datetime | None = None,
) -> Generator[simpy.Event, Any, CDR]:
    """End a session (PATCH ``COMPLETED`` + ``end_date_time``), then issue its CDR.

    Without pricing, ``cost`` (if any) is the session's and the CDR's total cost.  A charge point
    passes what it measured and priced: the final ``kwh``, the ``periods`` not sent yet, the
    engine's ``totals`` for ``version`` (every CDR total field comes from them), the ``tariffs`` it
    priced with, and the ``end`` of its timeline (default: now).
    """
    changes: dict[str, Any] = {"status": SessionStatus.COMPLETED, "end_date_time": end or cpo.clock.now()}
    if kwh is not None:
        changes["kwh"] = kwh
    if totals is not None:
        cost = total_cost(totals, version)
    if cost is not None:
        changes["total_cost"] = cost
    session = yield from _change(cpo, session_id, changes, new_periods=periods)
    return (yield from issue_cdr(cpo, session, cost=cost, totals=totals, version=version, tariffs=tariffs))


def pull_sessions(
    emsp: Platform, connection: Connection, date_from: datetime, *, limit: int | None = None
) -> Generator[simpy.Event, Any, PullResult]:
    """GET the CPO's sessions changed since ``date_from`` (all pages) and store them (replacing)."""
    embedded = EmbeddedLocations(sessions_state(emsp).locations_211)

    def from_211(body: ses211.Session, cpo: PartyRef) -> Session:
        return embedded.hold(*session_from_wire(emsp, body, cpo))

    return (
        yield from crawl(
            emsp,
            connection,
            MODULE,
            store=emsp.emsp_data.sessions,
            model_221=Session,
            model_211=ses211.Session,
            from_211=from_211,
            limit=limit,
            date_from=date_from,
            on_stored=embedded.keep,
        )
    )
