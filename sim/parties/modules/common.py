"""Pieces every module service needs: owner checks on client-owned URLs, push replies, module state.

Rules implemented here, once:

* A client-owned URL (``.../{country_code}/{party_id}/{id}``) names the object's owner.  It must be
  one of the authenticated peer's parties — or any party when the peer is a hub, which relays for
  many — otherwise the answer is HTTP 404 (the spec lets a server refuse writes into another
  party's namespace that way).
* In 2.2.1 the owner in the URL must equal the ``country_code``/``party_id`` inside the object, and
  the id in the URL the object's id: otherwise 2001.
* A push that creates an object is answered 201, one that replaces it 200, both without ``data``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, TypeVar, cast

import simpy

from sim.ocpi.headers import PartyRef
from sim.ocpi.router import OCPIReply, OCPIRequest
from sim.ocpi.status import InvalidOrMissingParameters, NotFound
from sim.ocpi.v221.types import Role
from sim.parties.connection import Connection

if TYPE_CHECKING:
    from sim.parties.party import Party

StateT = TypeVar("StateT")
ResultT = TypeVar("ResultT")


def state(party: Party, module: str, factory: Callable[[], StateT]) -> StateT:
    """The module's state object on ``party``, created on first use."""
    found = party.module_state.get(module)
    if found is None:
        found = factory()
        party.module_state[module] = found
    return cast(StateT, found)


def reader_ref(party: Party) -> PartyRef:
    """The party a platform acts as when it reads from or instructs a CPO: its eMSP, else its
    smart-charging provider (SCSP)."""
    return party.ref(Role.EMSP) if party.role(Role.EMSP) is not None else party.ref(Role.SCSP)


def peer_is_hub(connection: Connection | None) -> bool:
    """Whether the authenticated peer is a hub (it may act for any party)."""
    return connection is not None and connection.has_role(Role.HUB)


def url_owner(request: OCPIRequest) -> PartyRef:
    """The owner named by ``{country_code}/{party_id}`` in a client-owned URL, checked against the peer."""
    owner = PartyRef(request.path_params["country_code"], request.path_params["party_id"])
    connection: Connection | None = request.peer
    if connection is None:
        raise NotFound("unknown peer")
    if peer_is_hub(connection):
        return owner
    if not any(ref.key == owner.key for ref in connection.parties()):
        raise NotFound(f"{owner} is not one of the parties of this connection")
    return owner


def check_body_owner(owner: PartyRef, body: Any, *, id_field: str, url_id: str) -> None:
    """2.2.1: the object's owner fields and id must equal those in the URL (2001 otherwise)."""
    country = getattr(body, "country_code", None)
    party = getattr(body, "party_id", None)
    if country is not None and party is not None and PartyRef(country, party).key != owner.key:
        raise InvalidOrMissingParameters(f"URL names owner {owner} but the object says {country}-{party}")
    body_id = getattr(body, id_field, None)
    if body_id is not None and str(body_id).casefold() != url_id.casefold():
        raise InvalidOrMissingParameters(f"{id_field} in the URL is {url_id!r} but the object says {body_id!r}")


def stored(created: bool) -> OCPIReply:
    """The answer to a successful PUT/PATCH/POST push: 201 when new, 200 when replaced, no data."""
    return OCPIReply(http_status=201 if created else 200, include_data=False)


def join_url(base: str, *segments: str) -> str:
    """``base`` + ``/segment`` for each segment (endpoint URLs are opaque: exactly one slash)."""
    return "/".join([base.rstrip("/"), *(segment.strip("/") for segment in segments)])


def new_uid(party: Party, purpose: str) -> str:
    """A fresh UUID-4 string drawn from the party's ``purpose`` stream (see ``Party.random_stream``)."""
    return str(uuid.UUID(int=party.random_stream(purpose).getrandbits(128), version=4))


def first_result(
    env: simpy.Environment, results: list[ResultT], arrived: simpy.Event, timeout_s: float
) -> Generator[simpy.Event, Any, ResultT | None]:
    """The first asynchronous result of a request (Commands, ChargingProfiles), None if none came in time.

    ``results`` fills as results arrive and ``arrived`` fires with the first one; it may already be
    there when the synchronous answer has been read, and then nothing is waited for.
    """
    if not results:
        yield arrived | env.timeout(timeout_s)
    return results[0] if results else None
