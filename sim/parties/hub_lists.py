"""GET all via the hub: one list merged from every party that holds the data (SPEC-DIGEST §2.7).

A GET on a hub's Sender list URL with ``OCPI-to-*`` absent or naming the hub is answered by the hub
itself.  It fetches every page of the same list from every connected platform hosting a party of
the owning role (CPOs for locations, sessions, cdrs and tariffs; eMSPs for tokens), following each
one's ``Link`` headers, and passing ``date_from``/``date_to`` through so the owners filter.  The
lists are merged in platform-name order, each platform's own (stable) order kept, and the hub cuts
the merged list into pages itself: its ``Link`` points at the hub's URL and repeats the request's
filters, ``X-Total-Count`` counts the merged list, ``X-Limit`` is ``Hub.page_limit``.

Choices:

* Hub→owner hops carry FROM = the original requester (not the hub) and TO = the owner, so an owner
  can limit what it returns to what that requester may see.  The hub also keeps only the
  requester's own Sessions and CDRs (those whose ``cdr_token`` it owns): an owner may answer a hub
  with everything, since the hub relays for many.
* Objects are relayed as received (never re-serialised through a model): ``last_updated`` and every
  other field stay exactly as the owner sent them.
* The requester's own platform, platforms believed OFFLINE and platforms without the Sender
  interface are not asked.  An owner that fails part-way contributes what it returned until then;
  the answer is still 1000 (a partial list is what a hub can offer while a party is down).
* Sessions need ``date_from`` (2001 without it), checked by the hub before asking anybody.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.ocpi.common import OCPIVersion
from sim.ocpi.headers import PartyRef, RoutingHeaders
from sim.ocpi.pagination import PageRequest, next_link, paginate
from sim.ocpi.router import OCPIReply, OCPIRequest
from sim.ocpi.v221.types import Role
from sim.parties.connection import Connection
from sim.parties.party import Exchange

if TYPE_CHECKING:
    from sim.parties.hub import Hub

LIST_OWNERS: dict[str, Role] = {
    "locations": Role.CPO,
    "sessions": Role.CPO,
    "cdrs": Role.CPO,
    "tariffs": Role.CPO,
    "tokens": Role.EMSP,
}
"""Modules with a Sender list, and the role whose parties hold the data."""
MAX_PAGES = 1000
"""Guard against an owner whose ``Link`` headers never end."""


def get_all(hub: Hub, module: str, request: OCPIRequest, sender: PartyRef) -> OCPIReply:
    """Answer a GET all: merge every owner's list and return the page the requester asked for."""
    asked = PageRequest.from_query(request.query, OCPIVersion.V2_2_1, require_date_from=module == "sessions")
    filters = {k: v for k, v in request.query.items() if k in ("date_from", "date_to")}
    merged: list[Any] = []
    for name in sorted(hub.connections):
        connection = hub.connections[name]
        owners = connection.parties(LIST_OWNERS[module])
        base = connection.endpoint(module, "SENDER")
        if name == request.peer.peer or not owners or base is None or not hub.directory.reachable(name):
            continue
        merged += fetch_all(hub, request, connection, base, filters, RoutingHeaders(sender, owners[0]))
    if module in ("sessions", "cdrs"):
        merged = [item for item in merged if token_owner(item) == sender.key]
    # The owners applied the date filters already; the hub only cuts the merged list into pages.
    page = paginate(
        merged,
        PageRequest(offset=asked.offset, limit=asked.limit),
        url=request.http.url,
        max_limit=hub.page_limit,
        last_updated=lambda _: hub.clock.start,
    )
    return OCPIReply(data=page.items, headers=page.headers(), routing=RoutingHeaders(hub.party, sender))


def fetch_all(
    hub: Hub,
    request: OCPIRequest,
    connection: Connection,
    url: str,
    filters: dict[str, str],
    routing: RoutingHeaders,
) -> list[Any]:
    """Every page of one owner's list, as wire dicts (stops quietly at the first failure)."""
    items: list[Any] = []
    next_url: str | None = url
    params = filters
    for _ in range(MAX_PAGES):
        if next_url is None:
            break
        response = hub.send(hub.build_hop(request, connection, next_url, None, params, routing), connection)
        if response is None:
            break
        exchange = Exchange.from_response(response)
        if not exchange.ok or not isinstance(exchange.data, list):
            break
        items += exchange.data
        next_url = next_link(exchange.headers.get("link"))
        params = {}  # the Link repeats every filter
    return items


def token_owner(item: Any) -> tuple[str, str] | None:
    """The (country_code, party_id) key of a wire Session's or CDR's ``cdr_token``, if readable."""
    token = item.get("cdr_token") if isinstance(item, dict) else None
    if not isinstance(token, dict):
        return None
    country, party = token.get("country_code"), token.get("party_id")
    return PartyRef(country, party).key if isinstance(country, str) and isinstance(party, str) else None


__all__ = ["LIST_OWNERS", "MAX_PAGES", "fetch_all", "get_all", "token_owner"]
