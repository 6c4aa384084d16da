"""Conformance checker: does every recorded exchange follow the OCPI rules of its version?

``check(exchanges)`` looks at each ``MessageExchanged`` as an outside observer with the spec in
hand and returns every ``Violation`` found:

* the request body validates against the model the endpoint expects (by module, interface, method
  and path depth), and so does the response ``data`` of a successful answer;
* the response is an envelope with a status code and a DateTime of the version (2.1.1: no
  fractional seconds);
* 2.2.1 headers: ``X-Request-ID``/``X-Correlation-ID`` on the request and echoed by the response,
  routing headers on functional modules (request FROM; response FROM and TO) and never on
  configuration modules, Base64 Authorization unless the trace notes a deliberately raw token,
  ``Content-Type: application/json`` on requests with a body;
* paginated list answers carry ``X-Total-Count`` and ``X-Limit``; a stored CDR is answered with a
  ``Location`` header.

Paths are read with the simulator's endpoint scheme ``/ocpi/{version}/{sender|receiver}/{module}/…``
(the same for every party, hubs included).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, TypeAdapter, ValidationError

from sim.events import MessageExchanged
from sim.ocpi.common import OCPIVersion, parse_datetime
from sim.ocpi.headers import CONFIGURATION_MODULES, uses_routing_headers
from sim.ocpi.router import describe_validation_error
from sim.ocpi.v211 import cdrs as cdrs211
from sim.ocpi.v211 import commands as commands211
from sim.ocpi.v211 import credentials as credentials211
from sim.ocpi.v211 import locations as locations211
from sim.ocpi.v211 import sessions as sessions211
from sim.ocpi.v211 import tariffs as tariffs211
from sim.ocpi.v211 import tokens as tokens211
from sim.ocpi.v221 import cdrs as cdrs221
from sim.ocpi.v221 import chargingprofiles as profiles221
from sim.ocpi.v221 import commands as commands221
from sim.ocpi.v221 import credentials as credentials221
from sim.ocpi.v221 import hubclientinfo as hubclientinfo221
from sim.ocpi.v221 import locations as locations221
from sim.ocpi.v221 import sessions as sessions221
from sim.ocpi.v221 import tariffs as tariffs221
from sim.ocpi.v221 import tokens as tokens221
from sim.ocpi.wirejson import loads


@dataclass(frozen=True)
class Violation:
    """One rule an exchange broke."""

    seq: int
    summary: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"#{self.seq} {self.summary}: {self.where}: {self.message}"


@dataclass(frozen=True)
class ListOf:
    """Shape of a list answer: every item must be an ``item``."""

    item: type[BaseModel]


Shape = Any
"""A model class, ``ListOf(model)``, a union of models, an enum, or None (nothing to check)."""


def _v(version: OCPIVersion, for_211: Shape, for_221: Shape) -> Shape:
    return for_211 if version is OCPIVersion.V2_1_1 else for_221


def expected_shapes(
    version: OCPIVersion, module: str, interface: str | None, method: str, depth: int
) -> tuple[Shape, Shape]:
    """(request body shape, response data shape) of an endpoint; None where nothing is checked."""
    v211 = version is OCPIVersion.V2_1_1
    if module == "credentials":
        creds = _v(version, credentials211.Credentials, credentials221.Credentials)
        return (creds if method in ("POST", "PUT") else None), (creds if method != "DELETE" else None)
    listing = method == "GET" and depth == 0 and interface == "sender"
    table: dict[str, tuple[Shape, Shape, Shape]] = {
        # module: (object, patch, list item) per version
        "locations": (
            _v(version, locations211.Location, locations221.Location),
            _v(version, locations211.LocationPatch, locations221.LocationPatch),
            _v(version, locations211.Location, locations221.Location),
        ),
        "sessions": (
            _v(version, sessions211.Session, sessions221.Session),
            _v(version, sessions211.SessionPatch, sessions221.SessionPatch),
            _v(version, sessions211.Session, sessions221.Session),
        ),
        "tariffs": (
            _v(version, tariffs211.Tariff, tariffs221.Tariff),
            tariffs211.TariffPatch if v211 else None,
            _v(version, tariffs211.Tariff, tariffs221.Tariff),
        ),
        "tokens": (
            _v(version, tokens211.Token, tokens221.Token),
            _v(version, tokens211.TokenPatch, tokens221.TokenPatch),
            _v(version, tokens211.Token, tokens221.Token),
        ),
        "cdrs": (_v(version, cdrs211.CDR, cdrs221.CDR), None, _v(version, cdrs211.CDR, cdrs221.CDR)),
        "hubclientinfo": (hubclientinfo221.ClientInfo, None, hubclientinfo221.ClientInfo),
    }
    if listing and module in table:
        return None, ListOf(table[module][2])
    if module == "locations" and interface == "sender" and method == "GET":
        levels = _v(
            version,
            (None, locations211.Location, locations211.EVSE, locations211.Connector),
            (None, locations221.Location, locations221.EVSE, locations221.Connector),
        )
        return None, levels[min(depth, 3)]
    if module == "locations" and interface == "receiver" and depth >= 3:
        level = min(depth, 5) - 3
        full = _v(
            version,
            (locations211.Location, locations211.EVSE, locations211.Connector),
            (locations221.Location, locations221.EVSE, locations221.Connector),
        )[level]
        patch = _v(
            version,
            (locations211.LocationPatch, locations211.EVSEPatch, locations211.ConnectorPatch),
            (locations221.LocationPatch, locations221.EVSEPatch, locations221.ConnectorPatch),
        )[level]
        return {"PUT": full, "PATCH": patch}.get(method), (full if method == "GET" else None)
    if module in ("sessions", "tariffs", "tokens", "hubclientinfo") and interface == "receiver":
        full, patch, _ = table[module]
        return {"PUT": full, "PATCH": patch}.get(method), (full if method == "GET" else None)
    if module == "sessions" and interface == "sender" and method == "PUT" and depth == 2:
        return sessions221.ChargingPreferences, sessions221.ChargingPreferencesResponse
    if module == "cdrs" and interface == "receiver":
        cdr = table["cdrs"][0]
        return (cdr if method == "POST" else None), (cdr if method == "GET" else None)
    if module == "tokens" and interface == "sender" and method == "POST":
        return (
            _v(version, tokens211.LocationReferences, tokens221.LocationReferences),
            _v(version, tokens211.AuthorizationInfo, tokens221.AuthorizationInfo),
        )
    if module == "commands":
        if interface == "sender" and method == "POST":
            return _v(version, commands211.CommandResponse, commands221.CommandResult), None
        if interface == "receiver" and method == "POST":
            return None, _v(version, commands211.CommandResponse, commands221.CommandResponse)
    if module == "chargingprofiles":
        if interface == "receiver":
            request = profiles221.SetChargingProfile if method == "PUT" else None
            return request, profiles221.ChargingProfileResponse
        if method == "POST":
            return (
                profiles221.ActiveChargingProfileResult
                | profiles221.ChargingProfileResult
                | profiles221.ClearProfileResult
            ), None
        if method == "PUT":
            return profiles221.ActiveChargingProfile, None
    return None, None


_COMMAND_BODIES_211: dict[str, type[BaseModel]] = {
    "START_SESSION": commands211.StartSession,
    "STOP_SESSION": commands211.StopSession,
    "RESERVE_NOW": commands211.ReserveNow,
    "UNLOCK_CONNECTOR": commands211.UnlockConnector,
}
_COMMAND_BODIES_221: dict[str, type[BaseModel]] = {
    "START_SESSION": commands221.StartSession,
    "STOP_SESSION": commands221.StopSession,
    "RESERVE_NOW": commands221.ReserveNow,
    "UNLOCK_CONNECTOR": commands221.UnlockConnector,
    "CANCEL_RESERVATION": commands221.CancelReservation,
}


@dataclass(frozen=True)
class _Endpoint:
    version: OCPIVersion | None
    module: str
    interface: str | None
    segments: list[str]


def parse_path(path: str) -> _Endpoint | None:
    """Read ``/ocpi/versions``, ``/ocpi/{v}``, ``/ocpi/{v}/credentials``, ``/ocpi/{v}/{iface}/{module}/…``."""
    parts = [p for p in path.split("/") if p]
    if len(parts) < 2 or parts[0] != "ocpi":
        return None
    if parts[1] == "versions":
        return _Endpoint(None, "versions", None, [])
    try:
        version = OCPIVersion(parts[1])
    except ValueError:
        return None
    if len(parts) == 2:
        return _Endpoint(version, "versions", None, [])
    if parts[2] == "credentials":
        return _Endpoint(version, "credentials", None, parts[3:])
    if len(parts) >= 4 and parts[2] in ("sender", "receiver"):
        return _Endpoint(version, parts[3], parts[2], parts[4:])
    return None


def _validate(shape: Shape, value: Any) -> str | None:
    if isinstance(shape, ListOf):
        if not isinstance(value, list):
            return f"expected a list of {shape.item.__name__}"
        for index, item in enumerate(value):
            problem = _validate(shape.item, item)
            if problem:
                return f"[{index}] {problem}"
        return None
    try:
        if isinstance(shape, type) and issubclass(shape, BaseModel):
            shape.model_validate(value)
        else:
            TypeAdapter(shape).validate_python(value)
    except ValidationError as exc:
        name = getattr(shape, "__name__", str(shape))
        return describe_validation_error(name, exc)
    return None


def check(exchanges: Iterable[MessageExchanged]) -> list[Violation]:
    """Every violation in ``exchanges`` (empty when all conform)."""
    found: list[Violation] = []
    for exchange in exchanges:
        found.extend(check_exchange(exchange))
    return found


def check_exchange(exchange: MessageExchanged) -> list[Violation]:
    """The violations of one exchange."""
    summary = f"{exchange.method} {exchange.url} ({exchange.from_party} -> {exchange.to_party})"
    issues: list[tuple[str, str]] = []
    endpoint = parse_path(urlsplit(exchange.url).path)
    if exchange.response_status == 0 or endpoint is None:
        return []  # never answered (link down), or not an OCPI URL: nothing to hold against the spec
    version = endpoint.version or OCPIVersion(exchange.ocpi_version or OCPIVersion.V2_2_1.value)
    request_headers = {k.lower(): v for k, v in exchange.request_headers}
    response_headers = {k.lower(): v for k, v in exchange.response_headers}
    issues += _header_issues(exchange, endpoint, version, request_headers, response_headers)
    envelope, envelope_issues = _envelope(exchange, version)
    issues += envelope_issues
    succeeded = (
        envelope is not None
        and isinstance(envelope.get("status_code"), int)
        and (1000 <= envelope["status_code"] < 2000)
    )
    request_shape, response_shape = expected_shapes(
        version, endpoint.module, endpoint.interface, exchange.method, len(endpoint.segments)
    )
    if endpoint.module == "commands" and endpoint.interface == "receiver" and endpoint.segments:
        bodies = _COMMAND_BODIES_211 if version is OCPIVersion.V2_1_1 else _COMMAND_BODIES_221
        request_shape = bodies.get(endpoint.segments[0])
    if request_shape is not None and exchange.request_body:
        try:
            problem = _validate(request_shape, loads(exchange.request_body))
        except ValueError as exc:
            problem = f"request body is not JSON: {exc}"
        if problem:
            issues.append(("request body", problem))
    if succeeded and envelope is not None and response_shape is not None and envelope.get("data") is not None:
        problem = _validate(response_shape, envelope["data"])
        if problem:
            issues.append(("response data", problem))
    if succeeded and endpoint.interface == "sender" and exchange.method == "GET" and not endpoint.segments:
        for name in ("x-total-count", "x-limit"):
            if name not in response_headers:
                issues.append(("response headers", f"paginated list answer without {name}"))
    stored_cdr = succeeded and endpoint.module == "cdrs" and endpoint.interface == "receiver"
    if stored_cdr and exchange.method == "POST" and "location" not in response_headers:
        issues.append(("response headers", "stored CDR answered without a Location header"))
    return [Violation(exchange.seq, summary, where, message) for where, message in issues]


def _envelope(exchange: MessageExchanged, version: OCPIVersion) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    if not exchange.response_body:
        return None, [("response", f"HTTP {exchange.response_status} without an OCPI envelope")]
    try:
        document = loads(exchange.response_body)
    except ValueError:
        return None, [("response", "body is not JSON")]
    if not isinstance(document, dict):
        return None, [("response", "body is not an envelope object")]
    issues = []
    code = document.get("status_code")
    if not isinstance(code, int) or isinstance(code, bool) or not 1000 <= code <= 4999:
        issues.append(("response", f"status_code {code!r} is not an OCPI status code"))
    elif code >= 4000 and version is OCPIVersion.V2_1_1:
        issues.append(("response", f"status_code {code} does not exist in OCPI 2.1.1"))
    stamp = document.get("timestamp")
    if not isinstance(stamp, str):
        issues.append(("response", "timestamp missing"))
    else:
        try:
            parse_datetime(stamp, version)
        except ValueError as exc:
            issues.append(("response", f"timestamp: {exc}"))
    return document, issues


def _header_issues(
    exchange: MessageExchanged,
    endpoint: _Endpoint,
    version: OCPIVersion,
    request: dict[str, str],
    response: dict[str, str],
) -> list[tuple[str, str]]:
    issues: list[tuple[str, str]] = []
    authorization = request.get("authorization", "")
    if not authorization.startswith("Token "):
        issues.append(("request headers", "Authorization is not 'Token <value>'"))
    elif version is OCPIVersion.V2_2_1 and endpoint.version is not None:
        raw_noted = any("raw credentials token" in note for note in exchange.notes)
        if not raw_noted and not _is_base64(authorization.removeprefix("Token ")):
            issues.append(("request headers", "2.2.1 Authorization token is not Base64-encoded"))
    if version is not OCPIVersion.V2_2_1 or endpoint.version is None:
        return issues
    if exchange.request_body and not request.get("content-type", "").startswith("application/json"):
        issues.append(("request headers", "request with a body lacks Content-Type: application/json"))
    for name in ("x-request-id", "x-correlation-id"):
        if name not in request:
            issues.append(("request headers", f"{name} missing"))
        elif response.get(name) != request[name]:
            issues.append(
                ("response headers", f"{name} not echoed (sent {request[name]!r}, got {response.get(name)!r})")
            )
    routing = ("ocpi-from-country-code", "ocpi-from-party-id", "ocpi-to-country-code", "ocpi-to-party-id")
    if endpoint.module in CONFIGURATION_MODULES:
        for headers, side in ((request, "request"), (response, "response")):
            present = [name for name in routing if name in headers]
            if present:
                issues.append((f"{side} headers", f"routing headers on a configuration module: {', '.join(present)}"))
    elif uses_routing_headers(endpoint.module, version):
        if not all(name in request for name in routing[:2]):
            issues.append(("request headers", "OCPI-from-* missing on a functional module"))
        if not all(name in response for name in routing):
            issues.append(("response headers", "OCPI-from-*/OCPI-to-* missing on a functional module"))
    return issues


def _is_base64(value: str) -> bool:
    try:
        decoded = base64.b64decode(value, validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    return bool(decoded) and all(0x21 <= ord(c) <= 0x7E for c in decoded)
