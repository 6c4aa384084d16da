"""``Party``: one OCPI platform — its identity, its server (a Router) and its client side.

A party serves the Versions, version details and Credentials endpoints for every version it
supports (see ``registration``); role classes (CPO, eMSP, Hub) add their module interfaces with
``serve``.  Outbound messages go through ``call`` (a SimPy sub-process that waits the link latency
on simulated time, there and back) or ``send_now`` (zero simulated time, for the requests a handler
must make while answering, such as the credentials callback or a hub's forwarding).  ``call_peer``
hands data pushes to the party's ``outbox`` (retried with back-off, in order, when they fail).

Paths: ``/ocpi/versions``, ``/ocpi/{version}`` (details), ``/ocpi/{version}/credentials`` and
``/ocpi/{version}/{sender|receiver}/{module}/...`` for module interfaces.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

import httpx
import simpy
from pydantic import BaseModel, ValidationError

from sim.bus import EventBus
from sim.clock import SimClock
from sim.net.network import Network
from sim.net.recording import EXT_LATENCY
from sim.net.urls import parse_url, parse_url_with_query
from sim.ocpi import messages
from sim.ocpi.common import OCPIVersion
from sim.ocpi.envelope import relayable, wire_json
from sim.ocpi.headers import (
    AUTHORIZATION,
    CONTENT_TYPE_JSON,
    X_CORRELATION_ID,
    X_REQUEST_ID,
    MessageIds,
    PartyRef,
    RoutingHeaders,
    TokenEncoding,
    authorization_header,
    raw_token_note,
    read_authorization,
    uses_routing_headers,
)
from sim.ocpi.router import EXT_MODULE, EXT_VERSION, Auth, AuthResult, Handler, Router, describe_validation_error
from sim.ocpi.status import Unauthorized
from sim.ocpi.v221.types import Role
from sim.ocpi.wirejson import loads
from sim.parties.connection import Connection, KnownClient
from sim.parties.outbox import Outbox, PeerMessage

ModelT = TypeVar("ModelT", bound=BaseModel)

EXT_RELAYABLE = "roamsim.relayable"
"""Request extension: the body is a model's wire JSON that ``loads`` + ``dumps`` would give back byte for
byte (see ``envelope.relayable``), so a hub may pass these bytes on instead of writing them again."""

SUPPORTED_VERSIONS: tuple[OCPIVersion, ...] = (OCPIVersion.V2_2_1, OCPIVersion.V2_1_1)
"""Newest first: the order in which a mutual version is picked."""


@dataclass(frozen=True)
class PartyRole:
    """One role this platform hosts: ``(role, country_code + party_id, business name)``."""

    role: Role
    party: PartyRef
    name: str


@dataclass(frozen=True)
class Exchange:
    """The outcome of one outbound request as the caller sees it."""

    http_status: int
    ocpi_status: int | None
    data: Any
    message: str | None
    headers: dict[str, str]
    error: str | None = None

    @property
    def ok(self) -> bool:
        """HTTP 2xx with an OCPI success code."""
        return 200 <= self.http_status < 300 and self.ocpi_status is not None and 1000 <= self.ocpi_status < 2000

    def describe(self) -> str:
        """One line for logs and error messages."""
        if self.error:
            return self.error
        return f"HTTP {self.http_status}, OCPI {self.ocpi_status}: {self.message or ''}".rstrip(": ")

    def model(self, cls: type[ModelT]) -> ModelT:
        """``data`` validated as ``cls``; ``ValueError`` saying what is wrong."""
        try:
            return cls.model_validate(self.data)
        except ValidationError as exc:
            raise ValueError(f"peer answered with {describe_validation_error(cls.__name__, exc)}") from None

    @classmethod
    def from_response(cls, response: httpx.Response) -> Exchange:
        """Read the envelope of a response (tolerating bodies that are not one)."""
        headers = messages.header_dict(response.headers)
        try:
            document = loads(response.content) if response.content else None
        except ValueError:
            document = None
        if not isinstance(document, dict):
            return cls(response.status_code, None, None, None, headers, error=None)
        code = document.get("status_code")
        return cls(
            response.status_code,
            code if isinstance(code, int) else None,
            document.get("data"),
            document.get("status_message") if isinstance(document.get("status_message"), str) else None,
            headers,
        )


class Party:
    """Base of CPO, EMSP and Hub (see the module docstring)."""

    def __init__(
        self,
        roles: Sequence[PartyRole],
        *,
        env: simpy.Environment,
        clock: SimClock,
        network: Network,
        seed: int | str = 0,
        versions: Sequence[OCPIVersion] = SUPPORTED_VERSIONS,
    ) -> None:
        if not roles:
            raise ValueError("a party needs at least one role")
        self.roles = list(roles)
        self.name = str(self.roles[0].party)
        self.env = env
        self.clock = clock
        self.network = network
        self.bus: EventBus = network.bus
        self.versions = tuple(v for v in SUPPORTED_VERSIONS if v in versions)
        self.host = f"{self.name.lower()}.roamsim.test"
        self.base_url = f"https://{self.host}/ocpi"
        self.seed = seed
        self.rng = random.Random(f"{seed}:{self.name}")
        """Credentials tokens only; every other draw takes a ``random_stream`` of its own."""
        self._streams: dict[str, random.Random] = {}
        self.ids = MessageIds(self.random_stream("ids"))
        self.connections: dict[str, Connection] = {}
        self._by_token: dict[str, Connection] = {}
        self._token_a: dict[str, str] = {}
        self._endpoints: dict[OCPIVersion, list[tuple[str, str | None, str]]] = {v: [] for v in self.versions}
        self.module_state: dict[str, Any] = {}
        """Per-module state objects, created by the module services (see ``modules.common.state``)."""
        self.hub_clients: dict[tuple[str, str, str], KnownClient] = {}
        """Parties behind hubs, by (country_code, party_id, role), from HubClientInfo."""
        self.router = Router(authenticate=self.authenticate, clock=clock.now, owner=self.name)
        self.client = network.attach(self.name, self.host, self.router)
        self._transport = network.recorder(self.name)
        self.resilient = True
        """Retry failed data pushes and keep their order (``outbox``); False sends everything once."""
        self.outbox = Outbox(self)
        from sim.parties import registration  # late import: registration needs the Party type

        registration.install(self)

    # --- identity -------------------------------------------------------------------------------

    def role(self, role: Role) -> PartyRole | None:
        """This platform's party for ``role``, if it hosts it."""
        return next((r for r in self.roles if r.role is role), None)

    def ref(self, role: Role) -> PartyRef:
        """The party reference used for ``role`` (``ValueError`` if the role is not hosted)."""
        found = self.role(role)
        if found is None:
            raise ValueError(f"{self.name} does not host role {role.value}")
        return found.party

    @property
    def versions_url(self) -> str:
        """The URL handed out with token A."""
        return f"{self.base_url}/versions"

    def version_url(self, version: OCPIVersion) -> str:
        """The version details URL of ``version``."""
        return f"{self.base_url}/{version.value}"

    # --- serving --------------------------------------------------------------------------------

    def serve(
        self,
        version: OCPIVersion,
        module: str,
        interface: str | None,
        routes: Iterable[tuple[str, str, Handler]],
        *,
        auth: Auth = Auth.TOKEN,
        advertise: bool = True,
    ) -> str:
        """Register a module interface's endpoints below its base path and advertise it.

        ``routes`` are ``(method, sub-template, handler)`` with sub-templates relative to the module
        URL (``""``, ``"/{location_id}"`` …).  Returns the module URL.
        """
        segment = (interface or "SENDER").lower()
        base_path = f"/ocpi/{version.value}/{segment}/{module}"
        for method, sub_template, handler in routes:
            self.router.add(method, base_path + sub_template, handler, module=module, version=version, auth=auth)
        url = f"https://{self.host}{base_path}"
        if advertise and version in self._endpoints:
            self._endpoints[version].append((module, interface, url))
        return url

    def advertised_endpoints(self, version: OCPIVersion) -> list[tuple[str, str | None, str]]:
        """``(module, interface role, url)`` for the version details answer."""
        return list(self._endpoints.get(version, []))

    # --- randomness -----------------------------------------------------------------------------

    def random_stream(self, purpose: str) -> random.Random:
        """The party's random stream for ``purpose``, seeded ``{seed}:{name}:{purpose}`` (created once).

        One stream per purpose keeps draws independent: an extra authorization reference never
        shifts the credentials tokens or the message ids that follow it.
        """
        stream = self._streams.get(purpose)
        if stream is None:
            stream = self._streams[purpose] = random.Random(f"{self.seed}:{self.name}:{purpose}")
        return stream

    # --- credentials tokens ---------------------------------------------------------------------

    def new_token(self) -> str:
        """A fresh credentials token (deterministic per seed)."""
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def issue_token_a(self, given_to: str) -> str:
        """Create token A for a peer to register with, as if sent out of band."""
        token = self.new_token()
        self._token_a[token] = given_to
        return token

    def revoke_token_a(self, token: str) -> None:
        """Token A is dead once registration completed."""
        self._token_a.pop(token, None)

    def accept_token(self, token: str, connection: Connection) -> None:
        """From now on ``token`` authenticates ``connection``."""
        self._by_token[token] = connection

    def forget_token(self, token: str) -> None:
        """``token`` no longer authenticates anyone."""
        self._by_token.pop(token, None)

    def authenticate(self, request: httpx.Request, version: OCPIVersion | None, allow_token_a: bool) -> AuthResult:
        """Find the connection behind an Authorization header (see ``Router``)."""
        readings = read_authorization(request.headers.get(AUTHORIZATION), version or OCPIVersion.V2_2_1)
        for reading in readings:
            connection = self._by_token.get(reading.token)
            if connection is not None:
                note = raw_token_note(reading, version or connection.version)
                return AuthResult(connection, reading.token, [note] if note else [])
            if reading.token in self._token_a:
                if allow_token_a:
                    return AuthResult(None, reading.token)
                raise Unauthorized("credentials token A is only valid for the versions and credentials modules")
        raise Unauthorized("unknown credentials token")

    def add_connection(self, connection: Connection) -> None:
        """Keep a completed registration."""
        connection.registered = True
        self.connections[connection.peer] = connection
        self.accept_token(connection.token_in, connection)
        self.on_connected(connection)

    def remove_connection(self, connection: Connection) -> None:
        """Forget a peer (after DELETE credentials either way)."""
        connection.registered = False
        self.connections.pop(connection.peer, None)
        self.forget_token(connection.token_in)
        self.on_disconnected(connection)

    def on_connected(self, connection: Connection) -> None:
        """Hook: a peer finished registering (the Hub announces it with HubClientInfo)."""

    def on_disconnected(self, connection: Connection) -> None:
        """Hook: a peer unregistered."""

    def hub_knows(self, connection: Connection, party: PartyRef) -> bool:
        """Whether ``party`` is reached through the hub behind ``connection``: CONNECTED, or OFFLINE
        for now — a push to it is then answered 4003 by the hub and queued for retry instead of
        being dropped unsent (SUSPENDED or PLANNED parties are not reachable)."""
        return any(
            client.party.key == party.key
            and client.hub == connection.peer
            and client.status in ("CONNECTED", "OFFLINE")
            for client in self.hub_clients.values()
        )

    def known_parties(self, role: Role) -> list[PartyRef]:
        """Every party of ``role`` this platform can address: direct peers, then CONNECTED hub clients."""
        found: dict[tuple[str, str], PartyRef] = {}
        for connection in sorted(self.connections.values(), key=lambda c: c.peer):
            for ref in connection.parties(role):
                found.setdefault(ref.key, ref)
        for key in sorted(self.hub_clients):
            client = self.hub_clients[key]
            if client.role is role and client.connected:
                found.setdefault(client.party.key, client.party)
        return list(found.values())

    def connection_for(self, party: PartyRef) -> Connection | None:
        """The connection through which ``party`` is reached directly, if any."""
        for connection in self.connections.values():
            if any(ref.key == party.key for ref in connection.parties()):
                return connection
        return None

    # --- sending --------------------------------------------------------------------------------

    def build_request(
        self,
        method: str,
        url: str,
        *,
        token: str,
        version: OCPIVersion,
        module: str,
        encoding: TokenEncoding | None = None,
        body: Any = None,
        params: dict[str, str] | None = None,
        sender: PartyRef | None = None,
        to: PartyRef | None = None,
        correlation_id: str | None = None,
        request_id: str | None = None,
        relayed_body: bytes | None = None,
    ) -> httpx.Request:
        """An OCPI request with the version's Authorization, ids and routing headers.

        ``relayed_body``: instead of ``body``, the bytes of a received request marked ``EXT_RELAYABLE``
        (a hub passing it on): they are what writing their document again would give."""
        # The headers as ASCII byte pairs in the order the dict of them used to give: Authorization,
        # Content-Type, the ids, the routing pair; the fixed ones encoded once (``_authorization``, ``_routing``).
        pairs = [_authorization(token, version, encoding)]
        content = None
        relayable_body = False
        if relayed_body is not None:
            content, relayable_body = relayed_body, True
            pairs.append(_CONTENT_TYPE)
        elif body is not None:
            text = wire_json(body)
            content, relayable_body = text.encode("utf-8"), relayable(body, text)
            pairs.append(_CONTENT_TYPE)
        if version is OCPIVersion.V2_2_1:
            pairs.append((_X_REQUEST_ID, (request_id or self.ids.new()).encode("ascii")))
            pairs.append((_X_CORRELATION_ID, (correlation_id or self.ids.new()).encode("ascii")))
            if sender is not None and uses_routing_headers(module, version):
                pairs.extend(_routing(sender, to))
        # What ``self.client.build_request`` makes, without its merging machinery: the client's default
        # headers first, then these; the client's timeout extension; a parsed URL reused per address.
        # The module and version also label a request that is never answered.
        client = self.client
        extensions: dict[str, Any] = {
            "timeout": client.timeout.as_dict(),
            EXT_MODULE: module,
            EXT_VERSION: version.value,
        }
        if relayable_body:
            extensions[EXT_RELAYABLE] = True
        return messages.request(
            method,
            _url(url) if params is None else _url(url, tuple(params.items())),
            [*client.headers.raw, *pairs],
            content,
            extensions,
        )

    def send_raw(self, request: httpx.Request, *, latency_s: float = 0.0) -> httpx.Response | httpx.TransportError:
        """Send in zero simulated time and return the response itself, or the transport failure."""
        request.extensions[EXT_LATENCY] = latency_s
        try:
            response = self._transport.handle_request(request)
        except httpx.TransportError as exc:
            return exc
        response.read()
        return response

    def send_now(self, request: httpx.Request, *, latency_s: float = 0.0) -> Exchange:
        """Send in zero simulated time (inside a handler); transport failures become an Exchange."""
        response = self.send_raw(request, latency_s=latency_s)
        if isinstance(response, httpx.TransportError):
            return Exchange(0, None, None, None, {}, error=str(response))
        return Exchange.from_response(response)

    def call(self, request: httpx.Request) -> Generator[simpy.Event, Any, Exchange]:
        """Send as a SimPy sub-process: wait the link latency there, deliver, wait it back (one draw)."""
        receiver = self.network.owner_of_host(request.url.host) or request.url.host
        latency = self.network.latency(self.name, receiver)
        yield self.env.timeout(latency)
        exchange = self.send_now(request, latency_s=2 * latency)
        yield self.env.timeout(latency)
        return exchange

    def call_peer(
        self,
        connection: Connection,
        method: str,
        url: str,
        *,
        module: str,
        body: Any = None,
        params: dict[str, str] | None = None,
        sender: PartyRef | None = None,
        to: PartyRef | None = None,
        correlation_id: str | None = None,
    ) -> Generator[simpy.Event, Any, Exchange]:
        """``call`` with the connection's token, version and token encoding.

        Data pushes go through the party's ``outbox`` while ``resilient``: one that fails is retried
        later, and the ones after it wait their turn (see ``sim.parties.outbox``).
        """
        message = PeerMessage(connection, method, url, module, body, params, sender, to, correlation_id)
        if self.resilient and message.is_data_push():
            return (yield from self.outbox.send(message))
        return (yield from self.call(self.peer_request(message)))

    def peer_request(self, message: PeerMessage) -> httpx.Request:
        """The request for ``message`` as of now (the connection's current token; a new X-Request-ID)."""
        connection = message.connection
        return self.build_request(
            message.method,
            message.url,
            token=connection.token_out,
            version=connection.version,
            module=message.module,
            encoding=connection.token_encoding,
            body=message.body,
            params=message.params,
            sender=message.sender,
            to=message.to,
            correlation_id=message.correlation_id,
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


_CONTENT_TYPE = (b"Content-Type", CONTENT_TYPE_JSON.encode("ascii"))
_X_REQUEST_ID, _X_CORRELATION_ID = X_REQUEST_ID.encode("ascii"), X_CORRELATION_ID.encode("ascii")


@lru_cache(maxsize=4096, typed=True)  # typed: a plain "raw" must not share the entry of TokenEncoding.RAW
def _authorization(token: str, version: OCPIVersion, encoding: TokenEncoding | None) -> tuple[bytes, bytes]:
    """The Authorization header as bytes, once per connection token (Base64 in 2.2.1)."""
    return AUTHORIZATION.encode("ascii"), authorization_header(token, version, encoding).encode("ascii")


@lru_cache(maxsize=4096)
def _routing(sender: PartyRef, to: PartyRef | None) -> tuple[tuple[bytes, bytes], ...]:
    """The OCPI-from-* / OCPI-to-* headers as bytes, once per pair of parties."""
    return tuple(
        (name.encode("ascii"), value.encode("ascii")) for name, value in RoutingHeaders(sender, to).to_headers().items()
    )


def _url(url: str, params: tuple[tuple[str, str], ...] | None = None) -> httpx.URL:
    """``url`` parsed (with ``params`` as its query), once per distinct address: ``httpx.URL`` is immutable."""
    return parse_url(url) if params is None else parse_url_with_query(url, params)
