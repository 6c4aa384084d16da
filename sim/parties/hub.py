"""``Hub``: a 2.2.1 platform whose only role is HUB — it routes functional-module messages between
the parties connected to it and tells them who is there (HubClientInfo, see ``hub_clients``).

Every functional module (locations, sessions, cdrs, tariffs, tokens, commands, chargingprofiles) is
served as both SENDER and RECEIVER with catch-all routes; a request is handled by looking at its
``OCPI-to-*`` routing headers (SPEC-DIGEST §2.6–2.8):

Addressed (TO names a party)
    The party must be on one of the hub's connections: otherwise 4001 (unknown receiver), or 4003
    when it registered once and is gone.  The request goes to the same interface of that party
    (the requester called the hub's RECEIVER → the target's RECEIVER) with the same path suffix and
    query, the hub's token for that connection, a new ``X-Request-ID``, the same
    ``X-Correlation-ID`` and the original routing headers; the target's response is relayed as it
    is (``PassThrough``) with the requester's ``X-Request-ID``.  A link that is down gives 4003 and
    marks the party OFFLINE.  Bodies are relayed byte-for-byte in meaning (``last_updated`` is never
    touched), and as the very bytes received when the sender marked them relayable (``build_hop``).
Broadcast (TO absent or the hub; POST/PUT/PATCH/DELETE on a locations/tariffs/tokens RECEIVER)
    Sent to every other connected platform of the opposite role that has the module's RECEIVER
    interface: a CPO's push goes to every non-CPO party (eMSP, OTHER, NSP, NAP, SCSP), anybody
    else's push to every CPO.  Hub→receiver headers: TO = receiver, FROM = hub.  The requester gets
    1000 with FROM = hub whatever the receivers answered (their results are in the trace only).
GET all (GET on a Sender list URL with TO absent or the hub)
    Answered by the hub from every owner's list, merged and paginated by the hub (``hub_lists``).
Open routing (TO absent, anything else)
    Session PUTs and CDR POSTs are routed on content (the eMSP in ``cdr_token``); everything else
    gets 4001 because the hub cannot tell the receiver.

Commands and ChargingProfiles: a forwarded body (or GET/DELETE query) with a ``response_url`` gets
a hub relay URL instead (``.../sender/{module}/relay/{n}``); when the CPO POSTs the asynchronous
result there, the hub forwards it to the original ``response_url`` with its token for the requester
and the same correlation id, and relays the answer.  Only the platform the request was forwarded to
may post to a relay (others get HTTP 404), and a relay stays valid after its first result: a CPO
may later POST CANCELED_RESERVATION to a RESERVE_NOW ``response_url``.

Spec choices (beyond the brief):

* Requests without ``OCPI-from-*``, or naming a FROM party that is not one of the calling
  platform's parties, are refused with 2001 (a hub must know who speaks).
* Parties believed OFFLINE are skipped by broadcasts and GET all (send nothing to offline parties);
  an addressed request is always tried, so a party that is back is noticed at once.
* The hub's own refusals (4001, 4003, 2001 …) carry FROM = hub, TO = the requesting party.
* The target platform not offering the addressed interface → 4000 (generic hub error).
* Forwards happen inside the handler, in zero simulated time (``send`` keeps the raw response,
  which ``PassThrough`` needs; ``Party.send_now`` returns only the parsed ``Exchange``).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx
import simpy

from sim.clock import SimClock
from sim.net.network import Network
from sim.ocpi.common import OCPIVersion
from sim.ocpi.headers import X_REQUEST_ID, PartyRef, RoutingHeaders
from sim.ocpi.router import Handler, OCPIReply, OCPIRequest, PassThrough
from sim.ocpi.status import (
    ConnectionProblem,
    InvalidOrMissingParameters,
    NotFound,
    OCPIError,
    OCPIHubError,
    UnknownReceiver,
)
from sim.ocpi.v221.types import Role
from sim.parties.connection import Connection
from sim.parties.hub_clients import HubDirectory
from sim.parties.hub_lists import LIST_OWNERS, get_all
from sim.parties.modules.common import join_url
from sim.parties.party import EXT_RELAYABLE, Party, PartyRole

V221 = OCPIVersion.V2_2_1
FUNCTIONAL_MODULES = ("locations", "sessions", "cdrs", "tariffs", "tokens", "commands", "chargingprofiles")
BROADCAST_MODULES = frozenset({"locations", "tariffs", "tokens"})
RELAY_MODULES = ("commands", "chargingprofiles")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Relay:
    """A ``response_url`` the hub replaced: where the result must go, and who may post it."""

    module: str
    original_url: str
    requester: str
    """Name of the hub's connection to the party that gave the response_url."""
    requester_party: PartyRef
    target: str
    """Name of the hub's connection to the party that will post the result."""
    target_party: PartyRef


class Hub(Party):
    """An OCPI 2.2.1 hub (see the module docstring)."""

    def __init__(
        self,
        party: PartyRef,
        name: str,
        *,
        env: simpy.Environment,
        clock: SimClock,
        network: Network,
        seed: int | str = 0,
        page_limit: int = 100,
    ) -> None:
        roles = [PartyRole(Role.HUB, party, name)]
        super().__init__(roles, env=env, clock=clock, network=network, seed=seed, versions=[V221])
        self.page_limit = page_limit
        """Page-size cap of the hub's own list answers (GET all, ClientInfo list)."""
        self.directory = HubDirectory(self)
        self.relays: dict[str, Relay] = {}
        self._relay_urls: dict[str, str] = {}
        for module in FUNCTIONAL_MODULES:
            for interface in ("SENDER", "RECEIVER"):
                routes: list[tuple[str, str, Handler]] = []
                if module in RELAY_MODULES and interface == "SENDER":
                    # Before the catch-all: the router takes the first route that matches.
                    routes.append(("POST", "/relay/{relay_id}", partial(self._relay_result, module)))
                handler: Handler = partial(self._route, module, interface)
                routes += [(method, sub, handler) for method in METHODS for sub in ("", "/{rest:path}")]
                url = self.serve(V221, module, interface, routes)
                if interface == "SENDER":
                    self._relay_urls[module] = join_url(url, "relay")
        self.serve(V221, "hubclientinfo", "SENDER", [("GET", "", self.directory.get_list)])

    @property
    def party(self) -> PartyRef:
        """The hub's own party reference."""
        return self.ref(Role.HUB)

    # --- hooks and liveness ---------------------------------------------------------------------

    def on_connected(self, connection: Connection) -> None:
        """Announce the newcomer and welcome it (HubClientInfo pushes, as a SimPy process)."""
        self.directory.connected(connection)

    def on_disconnected(self, connection: Connection) -> None:
        """Announce the departed platform's parties as SUSPENDED."""
        self.directory.disconnected(connection)

    def probe(self, party_name: str) -> Generator[simpy.Event, Any, bool]:
        """The spec's "still alive" check on one connected platform (see ``HubDirectory.probe``)."""
        return (yield from self.directory.probe(party_name))

    def start_liveness_checks(self, interval_s: float = 300.0) -> simpy.Process:
        """Probe platforms silent for ``interval_s`` (default 5 minutes), forever, as a process."""
        return self.env.process(self.directory.watch(interval_s))

    # --- routing --------------------------------------------------------------------------------

    def _route(self, module: str, interface: str, request: OCPIRequest) -> OCPIReply | PassThrough:
        try:
            return self._dispatch(module, interface, request)
        except OCPIError as error:
            return self._refusal(request, error)

    def _refusal(self, request: OCPIRequest, error: OCPIError) -> OCPIReply:
        """The hub's own error answer: FROM = hub, TO = the requester (the router cannot know that)."""
        routing = request.routing
        own = request.peer.parties()
        claimed = [ref for ref in own if routing is not None and ref.key == routing.sender.key]
        requester = (claimed or own or [self.party])[0]
        return OCPIReply(
            status=error.status,
            message=error.message,
            http_status=error.http_status,
            routing=RoutingHeaders(self.party, requester),
        )

    def _dispatch(self, module: str, interface: str, request: OCPIRequest) -> OCPIReply | PassThrough:
        requester: Connection = request.peer
        routing = request.routing
        if routing is None:
            raise InvalidOrMissingParameters("OCPI-from-* routing headers are required on requests to a hub")
        if not any(ref.key == routing.sender.key for ref in requester.parties()):
            raise InvalidOrMissingParameters(f"OCPI-from-* names {routing.sender}, not a party of this connection")
        self.directory.heard_from(requester.peer)
        to = routing.to
        if to is not None and to.key != self.party.key:
            return self._forward(module, interface, request, routing.sender, to)
        rest = request.path_params.get("rest", "")
        if request.method == "GET":
            if interface == "SENDER" and not rest and module in LIST_OWNERS:
                return get_all(self, module, request, routing.sender)
            raise UnknownReceiver("a GET through the hub needs OCPI-to-* naming the party to ask")
        if interface == "RECEIVER" and module in BROADCAST_MODULES:
            return self._broadcast(module, request, routing.sender, requester)
        receiver = self._receiver_from_content(module, request) if to is None else None
        if receiver is None:
            raise UnknownReceiver(f"cannot tell the receiver of this {module} {request.method}: set OCPI-to-*")
        return self._forward(module, interface, request, routing.sender, receiver)

    def _receiver_from_content(self, module: str, request: OCPIRequest) -> PartyRef | None:
        """Open routing: the eMSP of a Session PUT or CDR POST is the owner of its ``cdr_token``."""
        if (module, request.method) not in {("sessions", "PUT"), ("cdrs", "POST")}:
            return None
        body = request.json()
        token = body.get("cdr_token") if isinstance(body, dict) else None
        if isinstance(token, dict):
            country, party = token.get("country_code"), token.get("party_id")
            if isinstance(country, str) and isinstance(party, str):
                return PartyRef(country, party)
        return None

    def connection_of(self, party: PartyRef) -> Connection | None:
        """The hub's connection to the platform hosting ``party``."""
        for name in sorted(self.connections):
            connection = self.connections[name]
            if any(ref.key == party.key for ref in connection.parties()):
                return connection
        return None

    def send(self, request: httpx.Request, connection: Connection) -> httpx.Response | None:
        """Send in zero simulated time; None (and the platform marked OFFLINE) when the link is down."""
        response = self.send_raw(request)
        if isinstance(response, httpx.TransportError):
            self.directory.unreachable(connection.peer)
            return None
        self.directory.heard_from(connection.peer)
        return response

    def _forward(
        self, module: str, interface: str, request: OCPIRequest, sender: PartyRef, to: PartyRef
    ) -> PassThrough:
        target = self.connection_of(to)
        if target is None:
            if self.directory.knows(to):
                raise ConnectionProblem(f"{to} is no longer connected to {self.name}")
            raise UnknownReceiver(f"{to} is not connected to {self.name}")
        base = target.endpoint(module, interface)
        if base is None:
            raise OCPIHubError(f"{to} does not offer the {module} {interface} interface")
        body = request.json() if request.http.content else None
        received, params = body, request.query
        if module in RELAY_MODULES:
            body, params = self._replace_response_urls(module, body, params, request.peer, sender, target, to)
        outgoing = self.build_hop(
            request, target, _suffixed(base, request), body, params, RoutingHeaders(sender, to), body is received
        )
        response = self.send(outgoing, target)
        if response is None:
            raise ConnectionProblem(f"{to} cannot be reached (link down); marked OFFLINE")
        request.notes.append(f"forwarded to {to} as {outgoing.headers[X_REQUEST_ID]}")
        return _relayed(response)

    def build_hop(
        self,
        request: OCPIRequest,
        target: Connection,
        url: str,
        body: Any,
        params: dict[str, str],
        routing: RoutingHeaders,
        unchanged: bool = True,
    ) -> httpx.Request:
        """The outgoing hop: same method, new request id, same correlation id, the hub's token.

        ``body`` is the received document (parsed, so a body that is not JSON was refused as before),
        ``unchanged`` unless the hub rewrote it.  An unchanged body the sender marked relayable goes on
        as the received bytes, which are what writing ``body`` again would give (``EXT_RELAYABLE``)."""
        ids = request.ids
        relayable = unchanged and body is not None and request.http.extensions.get(EXT_RELAYABLE, False)
        relayed = request.http.content if relayable else None
        return self.build_request(
            request.method,
            url,
            token=target.token_out,
            version=target.version,
            module=request.module,
            encoding=target.token_encoding,
            body=body,
            params=params or None,
            sender=routing.sender,
            to=routing.to,
            correlation_id=ids.correlation_id if ids else None,
            relayed_body=relayed,
        )

    # --- broadcast ------------------------------------------------------------------------------------

    def _broadcast(self, module: str, request: OCPIRequest, sender: PartyRef, requester: Connection) -> OCPIReply:
        from_cpo = any(r.role is Role.CPO and r.party.key == sender.key for r in requester.roles)
        body = request.json() if request.http.content else None
        for name in sorted(self.connections):
            connection = self.connections[name]
            base = connection.endpoint(module, "RECEIVER")
            if name == requester.peer or base is None or not self.directory.reachable(name):
                continue
            receivers = [
                r.party
                for r in connection.roles
                if (r.role not in (Role.CPO, Role.HUB) if from_cpo else r.role is Role.CPO)
            ]
            if not receivers:
                continue
            url = _suffixed(base, request)
            outgoing = self.build_hop(
                request, connection, url, body, request.query, RoutingHeaders(self.party, receivers[0])
            )
            self.send(outgoing, connection)
        return OCPIReply(include_data=False, routing=RoutingHeaders(self.party, sender))

    # --- response_url relays (commands, chargingprofiles) ---------------------------------------

    def _replace_response_urls(
        self,
        module: str,
        body: Any,
        params: dict[str, str],
        requester: Connection,
        sender: PartyRef,
        target: Connection,
        to: PartyRef,
    ) -> tuple[Any, dict[str, str]]:
        def relay_url(original: str) -> str:
            relay_id = str(len(self.relays) + 1)
            self.relays[relay_id] = Relay(module, original, requester.peer, sender, target.peer, to)
            return join_url(self._relay_urls[module], relay_id)

        if isinstance(body, dict) and isinstance(body.get("response_url"), str):
            body = {**body, "response_url": relay_url(body["response_url"])}
        if "response_url" in params:
            params = {**params, "response_url": relay_url(params["response_url"])}
        return body, params

    def _relay_result(self, module: str, request: OCPIRequest) -> OCPIReply | PassThrough:
        try:
            return self._relay(module, request)
        except OCPIError as error:
            return self._refusal(request, error)

    def _relay(self, module: str, request: OCPIRequest) -> PassThrough:
        relay = self.relays.get(request.path_params["relay_id"])
        if relay is None or relay.module != module or request.peer.peer != relay.target:
            raise NotFound("no such relay for this party")
        requester = self.connections.get(relay.requester)
        if requester is None:
            raise ConnectionProblem(f"{relay.requester_party} is no longer connected to {self.name}")
        self.directory.heard_from(request.peer.peer)
        routing = request.routing or RoutingHeaders(relay.target_party, relay.requester_party)
        body = request.json() if request.http.content else None
        hop = RoutingHeaders(routing.sender, routing.to or relay.requester_party)
        outgoing = self.build_hop(request, requester, relay.original_url, body, request.query, hop)
        response = self.send(outgoing, requester)
        if response is None:
            raise ConnectionProblem(f"{relay.requester_party} cannot be reached (link down); marked OFFLINE")
        request.notes.append(f"relayed to {relay.requester_party} as {outgoing.headers[X_REQUEST_ID]}")
        return _relayed(response)


def _relayed(response: httpx.Response) -> PassThrough:
    """Relay the target's response (the router swaps in the requester's ``X-Request-ID``)."""
    return PassThrough(response)


def _suffixed(base: str, request: OCPIRequest) -> str:
    """The target's module URL plus the path suffix the requester used after the hub's module URL."""
    rest = request.path_params.get("rest", "").strip("/")
    return join_url(base, rest) if rest else base


__all__ = ["BROADCAST_MODULES", "FUNCTIONAL_MODULES", "LIST_OWNERS", "Hub", "Relay"]
