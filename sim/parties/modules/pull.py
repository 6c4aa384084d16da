"""Synchronisation machinery shared by the CPO-owned modules: Locations, Tariffs, Sessions and CDRs.

Three pieces:

* **Serving a list** (``list_reply``, Locations and Tariffs): the Sender's paginated ``GET
  {module_url}``.  Objects keep the store's creation order (oldest first, the spec's best practice:
  new objects only ever change the last page); ``date_from``/``date_to`` filter on ``last_updated``
  (inclusive/exclusive, applied the same way in 2.1.1); the page size is capped at
  ``SyncState.page_limit`` (default 50) and the ``X-Total-Count``/``X-Limit``/``Link`` headers come
  from ``sim.ocpi.pagination``.  An object the connection's version cannot express (e.g. a
  reservation-only Tariff on 2.1.1) is left out and the reason is noted in the trace; it is not
  counted in ``X-Total-Count`` either.
* **Crawling a list** (``crawl``, every module's pull): the Receiver's pull.  GET the first page
  (with the caller's ``limit``/``date_from``; Sessions always give a ``date_from``, which their
  Sender requires), then follow ``Link: rel="next"`` until there is none.  The TO party is the hub
  itself via a hub, else the CPO.  Every item is validated; 2.1.1 items are converted with the
  connection's CPO as owner, 2.2.1 items keep the owner they state — on a direct connection an item
  owned by someone other than the peer is rejected (the spec lets a receiver ignore those), via a hub
  any owner is accepted (GET all via hub merges many owners).  Invalid items are rejected one by one
  and never stop the crawl.  Options per module:

  - ``replace=True`` (Tariffs: "a pull receiver replaces its known list with the result"): a complete
    unfiltered pull on a direct connection also removes the peer's objects the Sender no longer
    lists.  Locations, Sessions and CDRs are never removed (the spec's "nothing is ever deleted").
  - ``keep_existing=True`` (CDRs, which are immutable): an object already held stays as it is and
    the listed copy is ignored (not counted as stored).  Otherwise a listed object replaces the one
    held (Sessions, Locations, Tariffs).
  - ``on_stored``: called with every object stored, e.g. to keep the Location a 2.1.1 Session or CDR
    embeds once that object is stored.

  A crawl stops after ``MAX_PAGES`` or when a ``Link`` points back to a page already fetched.
  Windows that shrink while crawling (``X-Total-Count`` going down under a ``date_to``) are not
  re-fetched: the simulator's pulls never send ``date_to``.
* **Delivering a push** (``deliver``, Locations and Tariffs): one PUT/PATCH/DELETE to every
  ``push_targets`` receiver of the module — direct eMSP peers that synchronise the module by push,
  and each hub once as a broadcast.  Targets are served one after the other (deterministic order); a
  body the target's version cannot express is skipped and recorded, never sent half-converted.
  Failed pushes are recorded, not retried (the spec: receivers resynchronise with GET).  Sessions and
  CDRs go to the token owner only (``cdrs_client.owner_target``).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import simpy
from pydantic import BaseModel, ValidationError

from sim.ocpi.common import OCPIVersion
from sim.ocpi.headers import LINK, PartyRef
from sim.ocpi.pagination import PageRequest, next_link, paginate
from sim.ocpi.router import OCPIReply, OCPIRequest, describe_validation_error
from sim.ocpi.v211.convert import ConversionError
from sim.ocpi.v221.cdrs import CDR
from sim.ocpi.v221.locations import Location
from sim.ocpi.v221.sessions import Session
from sim.ocpi.v221.tariffs import Tariff
from sim.ocpi.v221.types import Role
from sim.parties.connection import Connection
from sim.parties.modules.common import join_url, reader_ref, state
from sim.parties.party import Exchange
from sim.parties.stores import ObjectStore, object_key
from sim.parties.targets import Target, push_targets

if TYPE_CHECKING:
    from sim.parties.platform import Platform

Domain = TypeVar("Domain", Location, Tariff, Session, CDR)
"""A CPO-owned object the simulator synchronises by push and pull (held in its 2.2.1 form)."""
Wire211 = TypeVar("Wire211", bound=BaseModel)

DEFAULT_PAGE_LIMIT = 50
MAX_PAGES = 10_000


@dataclass
class SyncState:
    """Per-module state on a platform: the Sender's page cap and the Receiver's latest pulls."""

    page_limit: int = DEFAULT_PAGE_LIMIT
    """Largest page the Sender returns (``X-Limit``), whatever the client asks for."""
    last_pulls: dict[str, PullResult] = field(default_factory=dict)
    """The most recent pull per peer connection (by peer name)."""


def sync_state(platform: Platform, module: str) -> SyncState:
    """The module's ``SyncState`` on ``platform``."""
    return state(platform, module, SyncState)


# --- Sender: serving a list -----------------------------------------------------------------------


def list_reply(
    request: OCPIRequest,
    objects: Iterable[Domain],
    *,
    to_wire: Callable[[Domain], Any],
    page_limit: int,
) -> OCPIReply:
    """One page of ``objects`` (already in creation order) for a GET list, with pagination headers.

    ``to_wire`` turns a domain object into the connection's version; a ``ConversionError`` leaves
    that object out with a trace note (see the module docstring).
    """
    version = request.version or OCPIVersion.V2_2_1
    page_request = PageRequest.from_query(request.query, version)
    rows: list[tuple[datetime, Any]] = []
    for obj in objects:
        if not page_request.admits(obj.last_updated):
            continue
        try:
            rows.append((obj.last_updated, to_wire(obj)))
        except ConversionError as exc:
            request.notes.append(f"{type(obj).__name__} {obj.id} left out of the list: {exc}")
    page = paginate(rows, page_request, url=request.http.url, max_limit=page_limit, last_updated=lambda row: row[0])
    return OCPIReply(data=[wire for _, wire in page.items], headers=page.headers())


# --- Receiver: crawling a list --------------------------------------------------------------------


@dataclass
class PullResult:
    """What one pull of a Sender's list did."""

    peer: str
    module: str
    started_at: datetime
    date_from: datetime | None
    pages: int = 0
    stored: int = 0
    """Objects stored (created or replaced)."""
    created: int = 0
    removed: int = 0
    rejected: list[str] = field(default_factory=list)
    """One line per list item that was invalid, not convertible or owned by someone else."""
    exchanges: list[Exchange] = field(default_factory=list)
    error: str | None = None
    """Why the pull stopped early (an error answer, a missing endpoint, a runaway Link)."""
    complete: bool = False
    """True when the last page was reached without error."""


def peer_party(connection: Connection, role: Role) -> PartyRef | None:
    """The party of ``role`` on a direct connection (2.1.1 peers have exactly one party)."""
    found = connection.parties(role) or connection.parties()
    return found[0] if found else None


def hub_party(connection: Connection) -> PartyRef | None:
    """The hub party, when the connection is to a hub."""
    hubs = connection.parties(Role.HUB)
    return hubs[0] if hubs else None


def crawl(
    platform: Platform,
    connection: Connection,
    module: str,
    *,
    store: ObjectStore[Domain],
    model_221: type[Domain],
    model_211: type[Wire211],
    from_211: Callable[[Wire211, PartyRef], Domain],
    limit: int | None = None,
    date_from: datetime | None = None,
    replace: bool = False,
    keep_existing: bool = False,
    on_stored: Callable[[Domain], None] | None = None,
) -> Generator[simpy.Event, Any, PullResult]:
    """Pull every page of the peer's ``module`` Sender list into ``store`` (see the module docstring).

    ``from_211(item, cpo)`` turns a validated 2.1.1 item into its stored form, owned by the peer's
    CPO party; a ``ValueError`` (e.g. ``ConversionError``) rejects that item.
    """
    result = PullResult(connection.peer, module, platform.clock.now(), date_from)
    url = connection.endpoint(module, "SENDER")
    hub = hub_party(connection)
    cpo = peer_party(connection, Role.CPO)
    if url is None or cpo is None:
        result.error = f"{connection.peer} offers no {module} Sender interface"
        return result
    to = hub or cpo
    sender = reader_ref(platform)
    params: dict[str, str] | None = PageRequest(limit=limit, date_from=date_from).to_query(connection.version)
    seen_urls: set[str] = set()
    seen_keys: set[tuple[str, str, str]] = set()
    next_url: str | None = url
    while next_url is not None:
        if len(seen_urls) >= MAX_PAGES or next_url in seen_urls:
            result.error = f"stopped following Link headers at {next_url} (page already fetched or too many pages)"
            return result
        seen_urls.add(next_url)
        exchange = yield from platform.call_peer(
            connection, "GET", next_url, module=module, params=params, sender=sender, to=to
        )
        params = None  # the Link URL carries every parameter from now on
        result.exchanges.append(exchange)
        if not exchange.ok or not isinstance(exchange.data, list):
            result.error = f"GET {next_url}: {exchange.describe()}"
            return result
        result.pages += 1
        for item in exchange.data:
            found = _read_item(item, connection, model_221, model_211, from_211, cpo, via_hub=hub is not None)
            if isinstance(found, str):
                result.rejected.append(found)
                continue
            owner = PartyRef(found.country_code, found.party_id)
            seen_keys.add(object_key(owner, found.id))
            if keep_existing and store.get(owner, found.id) is not None:
                continue
            result.created += store.put(owner, found.id, found)
            result.stored += 1
            if on_stored is not None:
                on_stored(found)
        next_url = next_link(exchange.headers.get(LINK.lower()))
    result.complete = True
    if replace and date_from is None and hub is None:
        result.removed = _remove_unlisted(store, connection.parties(), seen_keys)
    return result


def _read_item(
    item: Any,
    connection: Connection,
    model_221: type[Domain],
    model_211: type[Wire211],
    from_211: Callable[[Wire211, PartyRef], Domain],
    cpo: PartyRef,
    *,
    via_hub: bool,
) -> Domain | str:
    """The stored form of one list item, or a line saying why it was rejected."""
    ident = item.get("id") if isinstance(item, dict) else None
    if connection.version is OCPIVersion.V2_1_1:
        try:
            wire = model_211.model_validate(item)
        except ValidationError as exc:
            return f"{ident!r}: " + describe_validation_error(model_211.__name__, exc)
        try:
            return from_211(wire, cpo)
        except ValueError as exc:  # ConversionError, or a 2.2.1 model the converted data does not fit
            return f"{ident!r}: {exc}"
    try:
        obj = model_221.model_validate(item)
    except ValidationError as exc:
        return f"{ident!r}: " + describe_validation_error(model_221.__name__, exc)
    owner = PartyRef(obj.country_code, obj.party_id)
    if not via_hub and all(ref.key != owner.key for ref in connection.parties()):
        return f"{ident!r}: owned by {owner}, which is not a party of {connection.peer}"
    return obj


def _remove_unlisted(store: ObjectStore[Domain], owners: Sequence[PartyRef], listed: set[tuple[str, str, str]]) -> int:
    removed = 0
    for owner in owners:
        for obj in store.owned_by(owner):
            if object_key(owner, obj.id) not in listed:
                store.remove(owner, obj.id)
                removed += 1
    return removed


def poll(
    platform: Platform,
    connection: Connection,
    module: str,
    interval_s: float,
    pull: Callable[[datetime | None], Generator[simpy.Event, Any, PullResult]],
) -> simpy.Process:
    """Start polling: ``pull(None)`` (a full pull), then every ``interval_s`` ``pull(since)``, incremental
    from the previous pull's start.

    A pull that did not complete keeps the old ``date_from``, so the next one covers its window
    again.  Each result is kept in ``SyncState.last_pulls``.  Interrupting the process ends it.
    """
    return platform.env.process(_polling(platform, connection, module, interval_s, pull))


def _polling(
    platform: Platform,
    connection: Connection,
    module: str,
    interval_s: float,
    pull: Callable[[datetime | None], Generator[simpy.Event, Any, PullResult]],
) -> Generator[simpy.Event, Any, None]:
    records = sync_state(platform, module).last_pulls
    since: datetime | None = None
    try:
        while True:
            result = yield from pull(since)
            records[connection.peer] = result
            if result.complete:
                since = result.started_at
            yield platform.env.timeout(interval_s)
    except simpy.Interrupt:
        return


# --- Sender (data owner): delivering a push -------------------------------------------------------


@dataclass
class PushResult:
    """What one push did: the answer of every receiver, and the receivers skipped."""

    module: str
    method: str
    object_id: str
    deliveries: list[tuple[Target, Exchange]] = field(default_factory=list)
    skipped: list[tuple[Target, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every delivery succeeded (skipped receivers do not count as failures)."""
        return all(exchange.ok for _, exchange in self.deliveries)


def deliver(
    platform: Platform,
    module: str,
    method: str,
    object_id: str,
    segments: Sequence[str],
    body_for: Callable[[OCPIVersion], Any] | None,
) -> Generator[simpy.Event, Any, PushResult]:
    """Send ``method`` to ``{receiver url}/{segments...}`` at every push target of ``module``.

    ``body_for(version)`` builds the body for a target's version (raising ``ConversionError`` when
    that version cannot express it); None sends no body.
    """
    result = PushResult(module, method, object_id)
    sender = platform.ref(Role.CPO)
    for target in push_targets(platform, module, Role.EMSP):
        body = None
        if body_for is not None:
            try:
                body = body_for(target.connection.version)
            except ConversionError as exc:
                result.skipped.append((target, str(exc)))
                continue
        url = join_url(target.url, *segments)
        exchange = yield from platform.call_peer(
            target.connection, method, url, module=module, body=body, sender=sender, to=target.to
        )
        result.deliveries.append((target, exchange))
    return result
