"""One OCPI exchange in plain words: what the request means, how it was routed, what the answer says.

``explain(exchange, roles)`` reads a ``MessageExchanged`` (its URL, method, module, routing headers
and bodies) and returns an ``Explanation`` of three parts, e.g. for a real-time authorization::

    The CPO NL-CPA asks the eMSP DE-EMA whether token DEEMA-RFID-000007 (RFID) may charge at
    location LOC-0001, EVSE LOC-0001-1 (real-time authorization; Tokens module, the eMSP's Sender
    interface).
    Answer: HTTP 200, OCPI 1000 success. ALLOWED: the driver may charge; authorization reference …

``roles`` maps party ids to their scenario roles (``CPO``, ``EMSP``, ``HUB``, ``SCSP``); without it the
roles are read from the module and the interface the URL addresses (SPEC-DIGEST §1.2).  Which party
requests and which answers is the ``OCPI-from-*``/``OCPI-to-*`` pair when present (a hub hop), else the
sender and the receiver.  ``path_pattern`` and ``short_path`` label URLs for the message inspector;
``check_bodies`` (``sim.explain_checks``) validates the bodies.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sim.events import MessageExchanged
from sim.explain_requests import (
    COMMAND_TYPES,
    CPO_OWNED,
    CPO_RECEIVES,
    Parties,
    cap,
    describe_request,
    parties,
)
from sim.ocpi.status import is_success, status_class
from sim.ocpi.wirejson import loads
from sim.sequence_exchange import Exchange, dig

PATH_WORDS = frozenset(
    {"ocpi", "versions", "sender", "receiver", "credentials", "authorize", "charging_preferences", "relay", "result"}
    | CPO_OWNED
    | CPO_RECEIVES
    | {"hubclientinfo"}
    | COMMAND_TYPES
)
_VERSION_SEGMENT = re.compile(r"\d+\.\d+(\.\d+)?")

STATUS_MEANINGS = {
    1000: "success",
    2000: "generic client error: the request was wrong",
    2001: "invalid or missing parameters: the request is incomplete or contradicts itself "
    "(e.g. a PATCH without last_updated, or an id in the URL that differs from the body)",
    2002: "not enough information: e.g. a real-time authorization without the location the eMSP needs",
    2003: "unknown location: the request names a location the CPO does not know",
    2004: "unknown token: the eMSP does not know the token (OCPI 2.2.1, answered with HTTP 404)",
    3000: "generic server error: the receiver could not handle a valid request",
    3001: "unable to use the client's API: the server could not read the client's versions or endpoints",
    3002: "unsupported version",
    3003: "no matching endpoints: the parties have no modules in common, or expected ones are missing",
    4000: "generic hub error (OCPI 2.2.1)",
    4001: "unknown receiver: the hub does not know the party named in the OCPI-to-* headers",
    4002: "timeout on forwarded request: the receiving party did not answer the hub in time",
    4003: "connection problem: the receiving party is known to the hub but not connected",
}
HTTP_MEANINGS = {
    400: "the body is not valid JSON",
    401: "missing or unknown credentials token",
    403: "forbidden",
    404: "not found: no such object or route (in 2.2.1 also a real-time authorization of an unknown token)",
    405: "method not allowed here (e.g. a credentials call out of turn)",
    429: "too many requests",
    500: "internal server error",
    502: "bad gateway",
    503: "service unavailable",
    504: "gateway timeout",
}
OUTCOME_WORDS = {
    "ALLOWED": "the driver may charge",
    "BLOCKED": "the token is blocked",
    "EXPIRED": "the token has expired",
    "NO_CREDIT": "the driver has no credit left",
    "NOT_ALLOWED": "the driver may not charge here",
    "ACCEPTED": "{answering} will carry it out",
    "REJECTED": "{answering} refuses it",
    "NOT_SUPPORTED": "not supported here",
    "UNKNOWN_SESSION": "the session is unknown",
    "CANCELED_RESERVATION": "the reservation was cancelled",
    "EVSE_OCCUPIED": "the EVSE is occupied",
    "EVSE_INOPERATIVE": "the EVSE is out of order",
    "FAILED": "the charger failed to carry it out",
    "TIMEOUT": "the charger did not answer in time",
    "UNKNOWN_RESERVATION": "the reservation is unknown",
    "TOO_OFTEN": "requested too often",
    "UNKNOWN": "nothing to clear",
}


@dataclass(frozen=True)
class Explanation:
    """What a request means (with its context in parentheses), its routing, and what the answer says."""

    what: str
    routing: str
    answer: str

    def text(self) -> str:
        """The parts that say something, one paragraph each."""
        return "\n".join(part for part in (self.what, self.routing, self.answer) if part)


# --- URL labels ----------------------------------------------------------------------------------


def path_pattern(url: str) -> str:
    """The URL path with every id replaced by ``*``: ``/ocpi/2.2.1/receiver/sessions/*/*/*``."""
    parts = urlsplit(url).path.split("/")
    kept = [p if p in PATH_WORDS or _VERSION_SEGMENT.fullmatch(p) else "*" for p in parts if p]
    return "/" + "/".join(kept)


def short_path(url: str, query_chars: int = 30) -> str:
    """The path after ``/ocpi/<version>/`` (``receiver/sessions/NL/CPA/S1``) with a shortened query."""
    parts = urlsplit(url)
    segments = [p for p in parts.path.split("/") if p]
    if segments[:1] == ["ocpi"]:
        segments = segments[1:]
        if len(segments) > 1 and _VERSION_SEGMENT.fullmatch(segments[0]):
            segments = segments[1:]
    text = "/".join(segments) or "/"
    if parts.query:
        query = parts.query if len(parts.query) <= query_chars else parts.query[: query_chars - 1] + "…"
        text += "?" + query
    return text


# --- status codes --------------------------------------------------------------------------------


def status_meaning(code: int) -> str:
    """What an OCPI status code means, in a phrase (custom x9xx codes by their class)."""
    if code in STATUS_MEANINGS:
        return STATUS_MEANINGS[code]
    return f"a custom {status_class(code)} code"


def http_meaning(status: int) -> str:
    """What an HTTP status means for an OCPI request."""
    if status in HTTP_MEANINGS:
        return HTTP_MEANINGS[status]
    if 200 <= status < 300:
        return "OK"
    return "server error" if status >= 500 else "client error"


# --- routing -------------------------------------------------------------------------------------


def _routing(ex: Exchange, roles: Mapping[str, str]) -> str:
    h = ex.request_headers
    if not any(name.startswith("ocpi-to-") or name.startswith("ocpi-from-") for name in h):
        return ""
    to_header = f"OCPI-to-country-code {h.get('ocpi-to-country-code')}, OCPI-to-party-id {h.get('ocpi-to-party-id')}"
    sender, receiver = ex.sender, ex.receiver
    if roles.get(receiver) == "HUB" and sender != receiver:
        if "ocpi-to-party-id" not in h:
            return f"Open routing: no OCPI-to-* headers, so the hub {receiver} picks the receiver from the content."
        if ex.destination == receiver:
            if ex.method == "GET":
                return f"Addressed to the hub {receiver} itself ({to_header}): it answers from every party's list."
            return (
                f"Addressed to the hub {receiver} itself ({to_header}): a broadcast, which the hub passes on "
                "to every connected party of the other role."
            )
        return f"Sent to the hub {receiver}, which forwards it to {ex.destination} named in the headers ({to_header})."
    if roles.get(sender) == "HUB":
        if ex.origin == sender:
            return f"The hub {sender} names itself in OCPI-from and {ex.destination} in OCPI-to: a broadcast copy."
        return f"Forwarded by the hub {sender} for {ex.origin} (OCPI-from-* headers), addressed to {ex.destination}."
    return f"Routing headers: from {ex.origin} to {ex.destination} (OCPI-from-*/OCPI-to-*)."


# --- the answer ----------------------------------------------------------------------------------


def _parse(body: str | None) -> Any:
    try:
        return loads(body) if body else None
    except ValueError:
        return None


def _header(ex: MessageExchanged, name: str) -> str | None:
    for key, value in ex.response_headers:
        if key.lower() == name:
            return value
    return None


def _success_details(event: MessageExchanged, ex: Exchange, answering: str) -> str:
    data = ex.response_data
    if ex.module == "versions":
        if isinstance(data, list):
            return f" Versions: {', '.join(str(dig(v, 'version')) for v in data)}."
        endpoints = dig(data, "endpoints")
        if isinstance(endpoints, list):
            names = [f"{dig(e, 'identifier')} {dig(e, 'role') or ''}".strip() for e in endpoints]
            return f" {len(names)} endpoints: {', '.join(names)}."
    if isinstance(data, list):
        total = _header(event, "x-total-count")
        more = " Link rel=next points to the next page." if _header(event, "link") else " No further page."
        of = f" of {total}" if total is not None else ""
        return f" {len(data)}{of} object{'s' if len(data) != 1 else ''} in this page.{more}"
    outcome = dig(data, "allowed") or dig(data, "result")
    if isinstance(outcome, str):
        text = f" {outcome}: {OUTCOME_WORDS.get(outcome, outcome.lower()).format(answering=answering)}"
        if dig(data, "authorization_reference"):
            text += f"; authorization reference {dig(data, 'authorization_reference')}"
        if dig(data, "timeout") is not None and outcome == "ACCEPTED":
            text += f"; the result is due within {dig(data, 'timeout')} s"
        return text + "."
    if ex.module == "credentials" and isinstance(data, dict):
        roles = [f"{r.get('role')} {r.get('country_code')}-{r.get('party_id')}" for r in data.get("roles") or []]
        if not roles and data.get("party_id"):  # 2.1.1: one party, no roles
            roles = [f"{data.get('country_code')}-{data.get('party_id')}"]
        return f" {answering} answers with its own credentials ({', '.join(roles)})."
    if event.response_status == 201:
        where = _header(event, "location")
        return " Created: the receiver did not have it before." + (f" Stored at {where}." if where else "")
    if event.method in ("PUT", "PATCH") and event.response_status == 200:
        return " The receiver updated the copy it had."
    return ""


def _answer(event: MessageExchanged, ex: Exchange, p: Parties) -> str:
    if event.response_status == 0:
        if event.error == "lost":
            return "No answer: the request was lost on the way; the receiver never saw it."
        return f"No answer: {event.error or 'the request failed'}."
    code = event.ocpi_status
    http = event.response_status
    parts = [f"Answer: HTTP {http}"]
    if not 200 <= http < 300:
        parts[0] += f" ({http_meaning(http)})"
    if code is None:
        return parts[0] + ", with no readable OCPI status (the body is not an OCPI envelope)."
    text = f"{parts[0]}, OCPI {code} {status_meaning(code)}"
    if is_success(code) and 200 <= http < 300:
        return text + "." + _success_details(event, ex, p.destination)
    message = dig(_parse(event.response_body), "status_message")
    if message:
        text += f". Message: “{message}”"
    return text + "."


def explain(event: MessageExchanged, roles: Mapping[str, str] | None = None) -> Explanation:
    """The exchange in plain words (see the module docstring)."""
    roles = roles or {}
    ex = Exchange(event.to_record())
    who = parties(ex, roles)
    what, context = describe_request(ex, who, roles)
    return Explanation(f"{cap(what)} ({context}).", _routing(ex, roles), _answer(event, ex, who))


__all__ = ["Explanation", "explain", "http_meaning", "path_pattern", "short_path", "status_meaning"]
