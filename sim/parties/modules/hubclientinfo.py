"""HubClientInfo (2.2.1 only): the Receiver interface every CPO/eMSP platform serves for its hubs.

A hub tells each connected platform which other parties sit behind it and whether they are
reachable, by PUTting one ``ClientInfo`` per party and role to
``{hubclientinfo_url}/{country_code}/{party_id}``.  The platform keeps what it learns in
``platform.hub_clients[(country_code, party_id, role)]`` as a ``KnownClient`` whose ``hub`` is the
name of the connection the PUT came on; ``targets.direct_or_via_hub`` and ``known_parties`` read it
to decide whether a party can be reached through that hub (only ``CONNECTED`` ones are addressed).

Server side (``install_receiver``), for platforms that speak 2.2.1:

* ``PUT /{country_code}/{party_id}`` — body ``ClientInfo`` (validated, 2001 when invalid); the owner
  pair in the URL must equal the one in the body (2001).  201 when the party is new, 200 when an
  entry is replaced; no ``data``.
* ``GET /{country_code}/{party_id}`` — the ClientInfo last received for that pair from the calling
  hub; HTTP 404 when there is none.

Spec choices:

* Only a hub may use this interface: a peer whose credentials hold no ``HUB`` role gets HTTP 404
  (the same answer a client-owned URL gives to a peer that is not allowed to write there), and
  nothing is stored.
* The URL carries no role, so a party listed under several roles with the same pair cannot be told
  apart by URL (SPEC-DIGEST §13).  The role is taken from the body; GET answers the first role
  stored for the pair (in the order the hub announced them).
* Every PUT replaces the entry, whatever its ``last_updated``: the hub owns the data and pushes its
  latest view; there is no out-of-order delivery in the simulator.
* It is a configuration module: no routing headers (the router leaves them out for it).

Client side: ``fetch_client_info`` GETs a hub's Sender list (every page) and stores it the same way
— the start-up synchronisation the spec describes.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import simpy

from sim.ocpi.common import OCPIVersion
from sim.ocpi.headers import PartyRef
from sim.ocpi.pagination import next_link
from sim.ocpi.router import OCPIReply, OCPIRequest
from sim.ocpi.status import InvalidOrMissingParameters, NotFound
from sim.ocpi.v221.hubclientinfo import ClientInfo
from sim.parties.connection import Connection, KnownClient
from sim.parties.modules.common import peer_is_hub, state, stored

if TYPE_CHECKING:
    from sim.parties.party import Party

MODULE = "hubclientinfo"

InfoKey = tuple[str, str, str, str]
"""(hub connection name, country_code, party_id, role) — country and party upper-cased."""


@dataclass
class HubClientInfoState:
    """The ClientInfo objects as received, for answering GET (``hub_clients`` keeps no timestamps)."""

    infos: dict[InfoKey, ClientInfo] = field(default_factory=dict)


def _state(party: Party) -> HubClientInfoState:
    return state(party, MODULE, HubClientInfoState)


def remember(party: Party, hub: str, info: ClientInfo) -> bool:
    """Store one ClientInfo received from the hub connection ``hub``; True when it was new."""
    ref = PartyRef(info.country_code, info.party_id)
    key = (ref.key[0], ref.key[1], info.role.value)
    infos = _state(party).infos
    info_key = (hub, *key)
    created = info_key not in infos
    infos[info_key] = info
    party.hub_clients[key] = KnownClient(party=ref, role=info.role, status=info.status.value, hub=hub)
    return created


def install_receiver(platform: Party) -> None:
    """Serve the HubClientInfo Receiver interface (2.2.1 platforms only)."""
    if OCPIVersion.V2_2_1 not in platform.versions:
        return

    def hub_of(request: OCPIRequest) -> Connection:
        connection: Connection | None = request.peer
        if connection is None or not peer_is_hub(connection):
            raise NotFound("HubClientInfo is only served to hubs")
        return connection

    def get_info(request: OCPIRequest) -> OCPIReply:
        hub = hub_of(request)
        owner = PartyRef(request.path_params["country_code"], request.path_params["party_id"])
        for (hub_name, country, party_id, _), info in _state(platform).infos.items():
            if hub_name == hub.peer and (country, party_id) == owner.key:
                return OCPIReply(data=info)
        raise NotFound(f"no ClientInfo for {owner} from {hub.peer}")

    def put_info(request: OCPIRequest) -> OCPIReply:
        hub = hub_of(request)
        owner = PartyRef(request.path_params["country_code"], request.path_params["party_id"])
        info = request.model(ClientInfo)
        if PartyRef(info.country_code, info.party_id).key != owner.key:
            raise InvalidOrMissingParameters(
                f"URL names {owner} but the ClientInfo says {info.country_code}-{info.party_id}"
            )
        return stored(remember(platform, hub.peer, info))

    platform.serve(
        OCPIVersion.V2_2_1,
        MODULE,
        "RECEIVER",
        [("GET", "/{country_code}/{party_id}", get_info), ("PUT", "/{country_code}/{party_id}", put_info)],
    )


def fetch_client_info(party: Party, hub: Connection) -> Generator[simpy.Event, Any, list[ClientInfo]]:
    """GET every page of the hub's ClientInfo list and store each entry; returns what was stored.

    Stops at the first failed page (what was read until then is kept); entries that do not
    validate are skipped.
    """
    url: str | None = hub.endpoint(MODULE, "SENDER")
    received: list[ClientInfo] = []
    while url is not None:
        exchange = yield from party.call_peer(hub, "GET", url, module=MODULE)
        if not exchange.ok or not isinstance(exchange.data, list):
            break
        for item in exchange.data:
            try:
                info = ClientInfo.model_validate(item)
            except ValueError:
                continue
            remember(party, hub.peer, info)
            received.append(info)
        url = next_link(exchange.headers.get("link"))
    return received


__all__ = ["MODULE", "HubClientInfoState", "fetch_client_info", "install_receiver", "remember"]
