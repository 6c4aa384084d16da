"""A party's OCPI server: an endpoint registry that turns an ``httpx.Request`` into an ``httpx.Response``.

``Router.add(method, template, handler, ...)`` registers an endpoint; templates name path parameters
in braces (``/ocpi/2.2.1/receiver/locations/{country_code}/{party_id}/{location_id}``) and
``{name:path}`` takes the rest of the path.  ``Router.dispatch`` does what every OCPI server must
do before and after the module logic:

* 404 for a path with no endpoint, 405 for a method the endpoint does not have;
* authentication through the party's ``authenticate`` callback (401 when it fails);
* the body parsed as JSON with exact decimals (400 when it is not JSON);
* ``OCPIError`` raised by a handler → the envelope with its OCPI code and HTTP status; a body that
  does not validate → 2001 naming every bad field; any other exception → HTTP 500 / 3000, so a bug
  in one handler never takes the party down;
* the response envelope with the simulated time, and in 2.2.1 the echoed ``X-Request-ID`` /
  ``X-Correlation-ID`` and, on functional modules, the routing headers with TO and FROM swapped.

Handlers run in zero simulated time.  What the router learned (module, version, notes such as "raw
token accepted") travels back in ``response.extensions`` for the recording transport.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from sim.ocpi import messages
from sim.ocpi.common import OCPIVersion
from sim.ocpi.envelope import envelope_json
from sim.ocpi.headers import (
    CONTENT_TYPE_JSON,
    X_REQUEST_ID,
    MessageIdHeaders,
    RoutingHeaders,
    uses_routing_headers,
)
from sim.ocpi.status import (
    InvalidJSON,
    InvalidOrMissingParameters,
    MethodNotAllowed,
    NotFound,
    OCPIError,
    OCPIStatus,
)
from sim.ocpi.wirejson import loads

ModelT = TypeVar("ModelT", bound=BaseModel)

EXT_MODULE = "roamsim.module"
EXT_VERSION = "roamsim.version"
EXT_NOTES = "roamsim.notes"
EXT_OCPI_STATUS = "roamsim.ocpi_status"


class Auth(StrEnum):
    """Which credentials an endpoint accepts."""

    NONE = "none"
    """No token needed (the simulator's own callback URLs that carry a secret in the path)."""
    TOKEN = "token"
    """A registered peer's token (B or C)."""
    TOKEN_OR_A = "token_or_a"
    """Also the out-of-band token A: only versions and credentials endpoints."""


@dataclass
class AuthResult:
    """Who is calling: the party's connection object for the peer (or None for token A)."""

    peer: Any
    token: str
    notes: list[str] = field(default_factory=list)


class Authenticator(Protocol):
    """The party's check of the Authorization header; raises ``Unauthorized``."""

    def __call__(self, request: httpx.Request, version: OCPIVersion | None, allow_token_a: bool) -> AuthResult: ...


@dataclass
class OCPIRequest:
    """What a handler gets: the HTTP request plus everything the router worked out."""

    http: httpx.Request
    path_params: dict[str, str]
    version: OCPIVersion | None
    module: str
    auth: AuthResult | None
    notes: list[str] = field(default_factory=list)
    _json: Any = None
    _json_read: bool = False
    _headers: dict[str, str] | None = None
    _routing: tuple[RoutingHeaders | None] | None = None
    _ids: tuple[MessageIdHeaders | None] | None = None

    @property
    def method(self) -> str:
        """HTTP method."""
        return self.http.method

    @property
    def query(self) -> dict[str, str]:
        """Query parameters (last value wins)."""
        url = self.http.url
        return dict(url.params) if url.query else {}  # most requests have none: no parsing then

    @property
    def peer(self) -> Any:
        """The authenticated peer's connection (None when unauthenticated or token A)."""
        return self.auth.peer if self.auth else None

    @property
    def headers(self) -> dict[str, str]:
        """The request headers by lower-case name (read once)."""
        if self._headers is None:
            self._headers = lowered_headers(self.http)
        return self._headers

    @property
    def routing(self) -> RoutingHeaders | None:
        """The 2.2.1 routing headers of the request, if any."""
        if self._routing is None:
            self._routing = (RoutingHeaders.from_headers(self.headers),)
        return self._routing[0]

    @property
    def ids(self) -> MessageIdHeaders | None:
        """The 2.2.1 message ids of the request, if any."""
        if self._ids is None:
            self._ids = (MessageIdHeaders.from_headers(self.headers),)
        return self._ids[0]

    def json(self) -> Any:
        """The body parsed as JSON (numbers with fractions as Decimal); ``InvalidJSON`` if it is not."""
        if not self._json_read:
            content = self.http.content
            if not content:
                raise InvalidOrMissingParameters("request body missing")
            try:
                self._json = loads(content)
            except (ValueError, UnicodeDecodeError) as exc:
                raise InvalidJSON(f"request body is not valid JSON: {exc}") from None
            self._json_read = True
        return self._json

    def model(self, cls: type[ModelT]) -> ModelT:
        """The body validated as ``cls``; ``InvalidOrMissingParameters`` (2001) lists every problem."""
        return validate_body(cls, self.json())


def lowered_headers(message: httpx.Request | httpx.Response) -> dict[str, str]:
    """The headers of a request or response by lower-case name (repeated ones joined with ``, ``, as
    ``httpx.Headers.get`` joins them)."""
    return messages.header_dict(message.headers)


def validate_body(cls: type[ModelT], data: Any) -> ModelT:
    """Validate ``data`` as ``cls`` or raise 2001 with a readable list of the bad fields."""
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        raise InvalidOrMissingParameters(describe_validation_error(cls.__name__, exc)) from None


def describe_validation_error(type_name: str, error: ValidationError) -> str:
    """``invalid Location: country: ...; evses[0].status: ...`` — short enough for a status_message."""
    parts = []
    for detail in error.errors(include_url=False)[:8]:
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in detail["loc"]).lstrip(".")
        message = "required field missing" if detail["type"] == "missing" else str(detail["msg"])
        parts.append(f"{path or '(body)'}: {message.removeprefix('Value error, ')}")
    more = error.error_count() - len(parts)
    suffix = f"; and {more} more" if more > 0 else ""
    return f"invalid {type_name}: " + "; ".join(parts) + suffix


@dataclass
class OCPIReply:
    """What a handler returns: envelope content, HTTP status and extra headers."""

    data: Any = None
    status: int = OCPIStatus.SUCCESS
    message: str | None = None
    http_status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    include_data: bool = True
    routing: RoutingHeaders | None = None


@dataclass
class PassThrough:
    """A reply that relays another party's response (a hub forwarding a request)."""

    response: httpx.Response


Handler = Callable[[OCPIRequest], OCPIReply | PassThrough]


@dataclass(frozen=True)
class Route:
    """One registered endpoint."""

    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Handler
    module: str
    version: OCPIVersion | None
    auth: Auth
    prefix: str = "/"
    """The literal start of every path the pattern matches (a cheap test before the regex)."""


BUCKET_DEPTH = 4
"""Path segments that index the routes (``/ocpi/{version}/{interface}/{module}``)."""


def literal_segments(template: str) -> list[str]:
    """The segments of ``template`` before its first parameter (all of them if it has none)."""
    literals: list[str] = []
    for segment in template.strip("/").split("/"):
        if re.fullmatch(r"\{(\w+)(:path)?\}", segment):
            break
        literals.append(segment)
    return literals


def literal_prefix(template: str) -> str:
    """The text every path matching ``template`` starts with: its segments before the first parameter."""
    literals = literal_segments(template)
    if len(literals) < len(template.strip("/").split("/")):  # a parameter follows
        return "/" + "".join(f"{literal}/" for literal in literals)
    return "/" + "/".join(literals)


def compile_template(template: str) -> re.Pattern[str]:
    """``/a/{x}/{rest:path}`` → a regex with named groups (one segment, or the rest of the path)."""
    parts = []
    for segment in template.strip("/").split("/"):
        match = re.fullmatch(r"\{(\w+)(:path)?\}", segment)
        if match is None:
            parts.append(re.escape(segment))
        elif match.group(2):
            parts.append(f"(?P<{match.group(1)}>.+)")
        else:
            parts.append(f"(?P<{match.group(1)}>[^/]+)")
    return re.compile("/" + "/".join(parts) + "/?")


class Router:
    """The endpoint registry of one party (see the module docstring)."""

    def __init__(self, *, authenticate: Authenticator, clock: Callable[[], datetime], owner: str) -> None:
        self._authenticate = authenticate
        self._clock = clock
        self.owner = owner
        self._routes: list[Route] = []
        # Routes whose template starts with BUCKET_DEPTH literal segments can only match paths that start
        # with those segments: ``match`` looks at that bucket and at the other routes, in registration order.
        self._buckets: dict[tuple[str, ...], list[int]] = {}
        self._anywhere: list[int] = []
        self._candidates: dict[tuple[str, ...], list[Route]] = {}

    @property
    def routes(self) -> list[Route]:
        """Registered endpoints in registration order."""
        return list(self._routes)

    def add(
        self,
        method: str,
        template: str,
        handler: Handler,
        *,
        module: str,
        version: OCPIVersion | None,
        auth: Auth = Auth.TOKEN,
    ) -> None:
        """Register ``handler`` for ``method`` on the path ``template``."""
        pattern, prefix = compile_template(template), literal_prefix(template)
        self._routes.append(Route(method.upper(), template, pattern, handler, module, version, auth, prefix))
        literals = literal_segments(template)
        if len(literals) >= BUCKET_DEPTH:
            self._buckets.setdefault(tuple(literals[:BUCKET_DEPTH]), []).append(len(self._routes) - 1)
        else:
            self._anywhere.append(len(self._routes) - 1)
        self._candidates.clear()

    def _routes_for(self, path: str) -> list[Route]:
        """Every route that could match ``path``, in registration order."""
        key = tuple(path.split("/")[1 : BUCKET_DEPTH + 1])
        found = self._candidates.get(key)
        if found is None:
            bucket = self._buckets.get(key)
            if bucket is None:
                return [self._routes[index] for index in self._anywhere]
            found = self._candidates[key] = [self._routes[index] for index in sorted(bucket + self._anywhere)]
        return found

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        """The route for a request; ``NotFound`` / ``MethodNotAllowed`` otherwise."""
        allowed = []
        for route in self._routes_for(path):
            if not path.startswith(route.prefix):
                continue
            found = route.pattern.fullmatch(path)
            if found is None:
                continue
            if route.method == method.upper():
                return route, found.groupdict()
            allowed.append(route.method)
        if allowed:
            raise MethodNotAllowed(f"{method.upper()} is not supported on {path} (allowed: {', '.join(allowed)})")
        raise NotFound(f"no OCPI endpoint at {path}")

    def dispatch(self, request: httpx.Request, headers: dict[str, str] | None = None) -> httpx.Response:
        """Handle one request completely and return the response (never raises).

        ``headers``: the request's headers by lower-case name when the caller has read them already
        (the handler gets a copy of its own)."""
        route: Route | None = None
        ocpi_request: OCPIRequest | None = None
        try:
            route, params = self.match(request.method, request.url.path)
            auth = None
            if route.auth is not Auth.NONE:
                auth = self._authenticate(request, route.version, route.auth is Auth.TOKEN_OR_A)
            ocpi_request = OCPIRequest(request, params, route.version, route.module, auth)
            if headers is not None:
                ocpi_request._headers = dict(headers)
            if auth is not None:
                ocpi_request.notes.extend(auth.notes)
            reply = route.handler(ocpi_request)
        except OCPIError as error:
            reply = OCPIReply(status=error.status, message=error.message, http_status=error.http_status)
        except Exception as exc:  # a handler bug must not take the party down; it shows up as 3000
            reply = OCPIReply(
                status=OCPIStatus.SERVER_ERROR,
                message=f"internal error in {self.owner}: {type(exc).__name__}: {exc}",
                http_status=500,
            )
        return self._respond(request, route, ocpi_request, reply)

    def _respond(
        self,
        request: httpx.Request,
        route: Route | None,
        ocpi_request: OCPIRequest | None,
        reply: OCPIReply | PassThrough,
    ) -> httpx.Response:
        # The versions list (and an unmatched path) belongs to no version: its timestamp is written in
        # whole seconds, which both versions accept, and the trace labels it with no version.
        labelled = route.version if route else None
        version = labelled or OCPIVersion.V2_1_1
        module = route.module if route else None
        notes = ocpi_request.notes if ocpi_request else []
        incoming_headers = ocpi_request.headers if ocpi_request else lowered_headers(request)
        ids = ocpi_request.ids if ocpi_request else MessageIdHeaders.from_headers(incoming_headers)
        if isinstance(reply, PassThrough):
            relayed = messages.header_dict(reply.response.headers)
            headers = {k: v for k, v in relayed.items() if k not in _HOP_HEADERS}
            if ids is not None:
                # The relayed answer carries the forwarded hop's request id; ours goes back instead.
                headers = {k: v for k, v in headers.items() if k.lower() != X_REQUEST_ID.lower()}
                headers[X_REQUEST_ID] = ids.request_id
            return _response(
                reply.response.status_code,
                reply.response.content,
                headers,
                request,
                module,
                labelled,
                notes,
                reply.response.extensions.get(EXT_OCPI_STATUS),
            )
        text = envelope_json(
            reply.data,
            timestamp=self._clock(),
            version=version,
            status=reply.status,
            message=reply.message,
            include_data=reply.include_data,
        )
        headers = {"Content-Type": CONTENT_TYPE_JSON}
        if labelled is not OCPIVersion.V2_1_1 and ids is not None:
            headers.update(ids.to_headers())
        # An unmatched path (404/405) has no module: answer in kind if the request was routed.
        if module is None or uses_routing_headers(module, version):
            routing = reply.routing
            incoming = ocpi_request.routing if ocpi_request else RoutingHeaders.from_headers(incoming_headers)
            if routing is None and incoming is not None and incoming.to is not None:
                routing = incoming.reply()
            if routing is not None:
                headers.update(routing.to_headers())
        headers.update(reply.headers)
        content = text.encode("utf-8")
        return _response(reply.http_status, content, headers, request, module, labelled, notes, int(reply.status))


_HOP_HEADERS = frozenset({"content-length", "transfer-encoding", "connection"})


def _response(
    status: int,
    content: bytes,
    headers: dict[str, str],
    request: httpx.Request,
    module: str | None,
    version: OCPIVersion | None,
    notes: list[str],
    ocpi_status: int | None,
) -> httpx.Response:
    response = messages.response(status, content, headers, request)
    response.extensions[EXT_MODULE] = module
    response.extensions[EXT_VERSION] = version.value if version else None
    response.extensions[EXT_NOTES] = tuple(notes)
    response.extensions[EXT_OCPI_STATUS] = ocpi_status
    return response


__all__ = [
    "EXT_MODULE",
    "EXT_NOTES",
    "EXT_OCPI_STATUS",
    "EXT_VERSION",
    "Auth",
    "AuthResult",
    "Authenticator",
    "Handler",
    "OCPIReply",
    "OCPIRequest",
    "PassThrough",
    "Route",
    "Router",
    "compile_template",
    "describe_validation_error",
    "literal_prefix",
    "literal_segments",
    "lowered_headers",
    "validate_body",
]
