"""The hub's client directory: who is connected, their ConnectionStatus, and the HubClientInfo pushes.

``HubDirectory`` keeps one ``ClientRecord`` per (party, role) that ever registered with the hub, in
registration order, and tells every connected platform about changes through the 2.2.1
HubClientInfo Receiver interface (``PUT {hubclientinfo_url}/{country_code}/{party_id}``):

* a platform completes registration → its parties become ``CONNECTED``; the hub PUTs their
  ClientInfo to every other connected platform, then PUTs every other connected party's ClientInfo
  to the newcomer (``welcome``);
* a platform unregisters (DELETE credentials) → ``SUSPENDED`` to the others;
* a forwarded request or a push finds the link down → ``OFFLINE`` to the others; any later answer
  from it (a forward, a probe) → ``CONNECTED`` again.

Pushes run as SimPy processes, one message after the other in a fixed order (connections sorted by
name), so the trace is deterministic.  Each announcement carries the status at the moment the change
happened.

Spec choices:

* Nothing is sent to a platform the hub believes OFFLINE (the spec: send nothing, don't queue); when
  it comes back it resynchronises with the Sender list (``fetch_client_info``).
* The welcome pushes start one link latency after registration completed at the hub: that is when
  the newcomer has received the hub's credentials and knows the hub's token (its ``Connection`` gets
  the hub's roles only then, and the HubClientInfo receiver only answers hubs).
* The Sender list (``GET {hubclientinfo_url}``, paginated, date filters on ``last_updated``) leaves
  out the requester's own parties, like the pushes do.
* Liveness: ``probe`` GETs a platform's versions endpoint (the spec's side-effect-free "still alive"
  check): a successful answer means CONNECTED, anything else OFFLINE.  ``watch`` probes every
  platform that has been silent for ``interval_s`` (the spec suggests starting with 5 minutes).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import simpy

from sim.ocpi.common import OCPIVersion
from sim.ocpi.headers import PartyRef
from sim.ocpi.pagination import PageRequest, paginate
from sim.ocpi.router import OCPIReply, OCPIRequest
from sim.ocpi.v221.hubclientinfo import ClientInfo, ConnectionStatus
from sim.ocpi.v221.types import Role
from sim.parties.connection import Connection
from sim.parties.modules.common import join_url

if TYPE_CHECKING:
    from sim.parties.hub import Hub

MODULE = "hubclientinfo"


@dataclass
class ClientRecord:
    """One party (role) behind the hub and the state of its connection."""

    party: PartyRef
    role: Role
    connection: str
    """Name of the hub's connection to the platform hosting the party."""
    status: ConnectionStatus
    last_updated: datetime

    def info(self) -> ClientInfo:
        """As the wire object."""
        return ClientInfo(
            party_id=self.party.party_id,
            country_code=self.party.country_code,
            role=self.role,
            status=self.status,
            last_updated=self.last_updated,
        )


class HubDirectory:
    """Client records of one hub and the processes that announce them (see the module docstring)."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.records: dict[tuple[str, str, str], ClientRecord] = {}
        """By (country_code, party_id, role), upper-cased; insertion = registration order."""
        self.last_heard: dict[str, float] = {}
        """Simulated time of the last sign of life of each connection (``watch`` reads it)."""

    # --- queries --------------------------------------------------------------------------------

    def records_of(self, connection: str) -> list[ClientRecord]:
        """The records of every party hosted by one connected platform."""
        return [r for r in self.records.values() if r.connection == connection]

    def knows(self, party: PartyRef) -> bool:
        """Whether ``party`` ever registered with the hub (whatever its status now)."""
        return any(r.party.key == party.key for r in self.records.values())

    def status_of(self, connection: str) -> ConnectionStatus | None:
        """The status of a connection's parties (they share one link), None if unknown."""
        found = self.records_of(connection)
        return found[0].status if found else None

    def reachable(self, connection: str) -> bool:
        """Whether the hub sends to this connection (registered and not believed OFFLINE)."""
        return connection in self.hub.connections and self.status_of(connection) is not ConnectionStatus.OFFLINE

    # --- changes --------------------------------------------------------------------------------

    def connected(self, connection: Connection) -> None:
        """A platform finished registering: CONNECTED, then the welcome pushes (as a process)."""
        self.last_heard[connection.peer] = self.hub.env.now
        for role in connection.roles:
            key = (*role.party.key, role.role.value)
            self.records[key] = ClientRecord(
                role.party, role.role, connection.peer, ConnectionStatus.CONNECTED, self.hub.clock.now()
            )
        self.hub.env.process(self.welcome(connection.peer))

    def disconnected(self, connection: Connection) -> None:
        """A platform unregistered: SUSPENDED to everybody else (as a process)."""
        self._change(connection.peer, ConnectionStatus.SUSPENDED)

    def heard_from(self, connection: str) -> None:
        """A platform answered or called: it is alive (CONNECTED again if it was OFFLINE)."""
        self.last_heard[connection] = self.hub.env.now
        if self.status_of(connection) is ConnectionStatus.OFFLINE:
            self._change(connection, ConnectionStatus.CONNECTED)

    def unreachable(self, connection: str) -> None:
        """A request to a platform found the link down: OFFLINE to everybody else."""
        if self.status_of(connection) is ConnectionStatus.CONNECTED:
            self._change(connection, ConnectionStatus.OFFLINE)

    def _change(self, connection: str, status: ConnectionStatus) -> None:
        now = self.hub.clock.now()
        changed = self.records_of(connection)
        for record in changed:
            record.status = status
            record.last_updated = now
        if changed:
            self.hub.env.process(self.announce([r.info() for r in changed], exclude=connection))

    # --- pushes ---------------------------------------------------------------------------------

    def welcome(self, newcomer: str) -> Generator[simpy.Event, Any, None]:
        """Tell the others about the newcomer, then tell the newcomer about the others."""
        yield self.hub.env.timeout(self.hub.network.latency(self.hub.name, newcomer))
        yield from self.announce([r.info() for r in self.records_of(newcomer)], exclude=newcomer)
        others = [
            r.info() for r in self.records.values() if r.connection != newcomer and r.connection in self.hub.connections
        ]
        connection = self.hub.connections.get(newcomer)
        if connection is not None:
            yield from self.put_infos(connection, others)

    def announce(self, infos: list[ClientInfo], *, exclude: str) -> Generator[simpy.Event, Any, None]:
        """PUT ``infos`` to every reachable connection except ``exclude``, in name order."""
        for name in sorted(self.hub.connections):
            connection = self.hub.connections.get(name)
            if name == exclude or connection is None or not self.reachable(name):
                continue
            yield from self.put_infos(connection, infos)

    def put_infos(self, connection: Connection, infos: list[ClientInfo]) -> Generator[simpy.Event, Any, None]:
        """PUT each ClientInfo to one platform's HubClientInfo Receiver (skipped if it has none)."""
        url = connection.endpoint(MODULE, "RECEIVER")
        if url is None:
            return
        for info in infos:
            exchange = yield from self.hub.call_peer(
                connection, "PUT", join_url(url, info.country_code, info.party_id), module=MODULE, body=info
            )
            if exchange.http_status == 0:
                self.unreachable(connection.peer)
                return
            self.heard_from(connection.peer)

    # --- liveness -------------------------------------------------------------------------------

    def probe(self, connection_name: str) -> Generator[simpy.Event, Any, bool]:
        """GET the platform's versions endpoint; True (and CONNECTED) when it answers successfully."""
        connection = self.hub.connections.get(connection_name)
        if connection is None:
            return False
        exchange = yield from self.hub.call(
            self.hub.build_request(
                "GET",
                connection.versions_url,
                token=connection.token_out,
                version=connection.version,
                module="versions",
                encoding=connection.token_encoding,
            )
        )
        if exchange.ok:
            self.heard_from(connection_name)
            return True
        self.unreachable(connection_name)
        return False

    def watch(self, interval_s: float) -> Generator[simpy.Event, Any, None]:
        """Forever: every ``interval_s``, probe each platform silent for at least that long."""
        while True:
            yield self.hub.env.timeout(interval_s)
            for name in sorted(self.hub.connections):
                if self.hub.env.now - self.last_heard.get(name, 0.0) >= interval_s:
                    yield from self.probe(name)

    # --- the Sender interface -------------------------------------------------------------------

    def get_list(self, request: OCPIRequest) -> OCPIReply:
        """``GET {hubclientinfo_url}``: every other party's ClientInfo, paginated."""
        page_request = PageRequest.from_query(request.query, OCPIVersion.V2_2_1)
        requester = request.peer.peer if request.peer is not None else None
        records = [r for r in self.records.values() if r.connection != requester]
        page = paginate(
            records,
            page_request,
            url=request.http.url,
            max_limit=self.hub.page_limit,
            last_updated=lambda record: record.last_updated,
        )
        return OCPIReply(data=[r.info() for r in page.items], headers=page.headers())


__all__ = ["ClientRecord", "HubDirectory"]
