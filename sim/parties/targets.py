"""Where a party sends a module message: a direct connection, or a hub that routes it.

``Target`` bundles the connection to use, the peer's module URL, and the routing headers' TO party.
``direct_or_via_hub`` finds the way to one party (a direct connection to it, otherwise a hub
connection whose HubClientInfo lists it as CONNECTED); ``push_targets`` lists every receiver a data
owner pushes to: direct peers of the receiving role that synchronise the module by push, plus each
hub once (a broadcast: TO is the hub itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.ocpi.headers import PartyRef
from sim.ocpi.v221.types import Role
from sim.parties.connection import Connection, SyncMode

if TYPE_CHECKING:
    from sim.parties.party import Party


@dataclass(frozen=True)
class Target:
    """One way to reach a module interface of a party."""

    connection: Connection
    url: str
    to: PartyRef | None
    via_hub: bool


def _hub_party(connection: Connection) -> PartyRef | None:
    hubs = connection.parties(Role.HUB)
    return hubs[0] if hubs else None


def direct_or_via_hub(party: Party, to: PartyRef, module: str, interface: str) -> Target | None:
    """The way to reach ``to``'s ``module`` interface, or None if there is none."""
    direct = party.connection_for(to)
    if direct is not None and _hub_party(direct) is None:
        url = direct.endpoint(module, interface)
        return Target(direct, url, to, via_hub=False) if url else None
    for connection in sorted(party.connections.values(), key=lambda c: c.peer):
        if _hub_party(connection) is None:
            continue
        if party.hub_knows(connection, to):
            url = connection.endpoint(module, interface)
            if url:
                return Target(connection, url, to, via_hub=True)
    return None


def push_targets(party: Party, module: str, receiver_role: Role) -> list[Target]:
    """Every receiver of a broadcast-style push of ``module`` (direct push peers, then hubs)."""
    targets = []
    for connection in sorted(party.connections.values(), key=lambda c: c.peer):
        hub = _hub_party(connection)
        if connection.sync_mode(module) is not SyncMode.PUSH:
            continue
        url = connection.endpoint(module, "RECEIVER")
        if url is None:
            continue
        if hub is not None:
            targets.append(Target(connection, url, hub, via_hub=True))
        elif connection.has_role(receiver_role):
            for peer in connection.parties(receiver_role)[:1]:
                targets.append(Target(connection, url, peer, via_hub=False))
    return targets
