"""``RecordingTransport``: the single choke point every exchange passes through.

Each party's httpx client sends through its own ``RecordingTransport``, which wraps the network's
shared ``InProcessTransport``.  For every request it

1. asks the links what the request meets now (``Links.disturbance``) and applies it:

   * **outage** — no connection: ``httpx.ConnectError``, as a dead server would give;
   * **lost** (a result callback that vanishes) — ``httpx.ReadTimeout``: the sender waits for an
     answer that never comes, the receiver sees nothing;
   * **error** — the link answers in the receiver's place, which never sees the request: the HTTP
     status given (default 200 when only an OCPI status is given) with an OCPI envelope like the
     one a failing server writes (status 3000 for HTTP 5xx and 429, 2000 for other 4xx, or the
     OCPI status given), echoing the 2.2.1 message ids and routing headers so the answer is still
     well-formed OCPI;
   * **malformed** — the receiver handles the request, but only the first half of the response
     body arrives (a connection cut mid-body): not valid JSON, so the sender cannot read a status;

2. publishes one ``MessageExchanged`` on the bus — request and response as the sender saw them,
   headers and bodies, HTTP and OCPI status, message ids, the latency the caller waited on simulated
   time, and a ``fault: …`` note when a fault disturbed it (an unanswered request has status 0 and
   says why in ``error``: ``lost`` for a lost callback) — and
3. returns the response (or raises the transport error).

Nested exchanges (a receiver fetching the client's versions while handling a credentials POST, a
hub forwarding a request) happen inside the outer handler, in zero simulated time; they are
published before the outer exchange completes, so ``seq`` orders them as they happened.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx

from sim.bus import EventBus
from sim.events import MessageExchanged
from sim.net.inprocess import InProcessTransport
from sim.net.links import Disturbance, DisturbanceKind, Links
from sim.ocpi.common import OCPIVersion
from sim.ocpi.envelope import envelope
from sim.ocpi.headers import (
    CONTENT_TYPE_JSON,
    X_CORRELATION_ID,
    X_REQUEST_ID,
    MessageIdHeaders,
    RoutingHeaders,
    uses_routing_headers,
)
from sim.ocpi.messages import header_dict
from sim.ocpi.router import EXT_MODULE, EXT_NOTES, EXT_OCPI_STATUS, EXT_VERSION
from sim.ocpi.status import OCPIStatus
from sim.ocpi.wirejson import dumps, loads

EXT_LATENCY = "roamsim.latency_s"
"""Request extension: the latency the calling process waited before sending."""
LOST = "lost"
"""``error`` of an exchange whose request vanished on the link (a lost callback)."""
_REQUEST_ID, _CORRELATION_ID = X_REQUEST_ID.lower(), X_CORRELATION_ID.lower()


class RecordingTransport(httpx.BaseTransport):
    """Records and (when a fault is active) disturbs the exchanges of one sending party."""

    def __init__(
        self,
        inner: InProcessTransport,
        *,
        owner: str,
        bus: EventBus,
        clock: Callable[[], datetime],
        links: Links,
        sequence: itertools.count[int],
    ) -> None:
        self._inner = inner
        self._owner = owner
        self._bus = bus
        self._clock = clock
        self._links = links
        self._sequence = sequence

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Deliver (or fail) the request and publish the exchange."""
        request.read()
        sent = header_dict(request.headers)  # read once, for the receiver and the record
        receiver = self._inner.owner_of(request.url.host) or request.url.host
        hit = self._links.disturbance(self._owner, receiver, request.method, request.url.path)
        if hit is not None and hit.kind is DisturbanceKind.OUTAGE:
            error = f"{receiver} unreachable from {self._owner} (link down)"
            self._publish(request, sent, receiver, None, error=error, notes=_notes("link down", hit.label))
            raise httpx.ConnectError(error, request=request)
        if hit is not None and hit.kind is DisturbanceKind.LOST:
            self._publish(
                request, sent, receiver, None, error=LOST, notes=_notes("callback lost on the link", hit.label)
            )
            raise httpx.ReadTimeout(LOST, request=request)
        if hit is not None and hit.kind is DisturbanceKind.ERROR:
            response, what = self._link_answer(request, hit)
            self._publish(request, sent, receiver, response, notes=_notes(what, hit.label))
            return response
        try:
            response = self._inner.deliver(request, sent)
        except httpx.ConnectError as exc:
            self._publish(request, sent, receiver, None, error=str(exc))
            raise
        if hit is not None and hit.kind is DisturbanceKind.MALFORMED and response.content:
            response = _truncated(response)
            self._publish(
                request, sent, receiver, response, notes=_notes("response body cut short (malformed)", hit.label)
            )
            return response
        self._publish(request, sent, receiver, response)
        return response

    def _link_answer(self, request: httpx.Request, hit: Disturbance) -> tuple[httpx.Response, str]:
        """The answer the link gives in the receiver's place, and what to note about it."""
        http_status = hit.http_status or 200
        ocpi_status = hit.ocpi_status
        if ocpi_status is None:
            ocpi_status = OCPIStatus.SERVER_ERROR if http_status >= 500 or http_status == 429 else 2000
        if hit.http_status is not None:
            message = httpx.codes.get_reason_phrase(http_status) or f"HTTP {http_status}"
        else:
            message = _description(ocpi_status)
        module, version = _labels(request)
        answer_version = version or OCPIVersion.V2_1_1  # unversioned: whole seconds, which both accept
        body = envelope(None, timestamp=self._clock(), version=answer_version, status=ocpi_status, message=message)
        headers = {"Content-Type": CONTENT_TYPE_JSON}
        ids = MessageIdHeaders.from_headers(request.headers)
        if version is OCPIVersion.V2_2_1 and ids is not None:
            headers.update(ids.to_headers())
        routing = RoutingHeaders.from_headers(request.headers)
        if module and version and uses_routing_headers(module, version) and routing and routing.to:
            headers.update(routing.reply().to_headers())
        response = httpx.Response(http_status, content=dumps(body).encode("utf-8"), headers=headers, request=request)
        response.extensions.update(
            {EXT_MODULE: module, EXT_VERSION: version.value if version else None, EXT_NOTES: (), EXT_OCPI_STATUS: None}
        )
        shown = [f"HTTP {hit.http_status}"] if hit.http_status is not None else []
        shown += [f"OCPI {hit.ocpi_status}"] if hit.ocpi_status is not None else []
        return response, "link answers " + " with ".join(shown)

    def _publish(
        self,
        request: httpx.Request,
        sent: dict[str, str],
        receiver: str,
        response: httpx.Response | None,
        *,
        error: str | None = None,
        notes: tuple[str, ...] = (),
    ) -> None:
        response_body = response.content.decode("utf-8", "replace") if response is not None else None
        if response is not None:
            extensions: dict[str, Any] = dict(response.extensions)
        else:  # never answered: label it with what the sender meant to reach
            module, version = _labels(request)
            extensions = {EXT_MODULE: module, EXT_VERSION: version.value if version else None}
        ocpi_status = extensions.get(EXT_OCPI_STATUS)
        if ocpi_status is None and response_body:
            ocpi_status = _status_code_of(response_body)
        request_headers = sent.items()  # lower-case names, repeated ones joined as ``get`` does
        event = MessageExchanged(
            seq=next(self._sequence),
            time=self._clock(),
            from_party=self._owner,
            to_party=receiver,
            method=request.method,
            url=str(request.url),
            module=extensions.get(EXT_MODULE),
            ocpi_version=extensions.get(EXT_VERSION),
            request_headers=tuple([pair for pair in request_headers if pair[0] != "content-length"]),
            request_body=request.content.decode("utf-8", "replace") if request.content else None,
            response_status=response.status_code if response is not None else 0,
            response_headers=tuple(header_dict(response.headers).items()) if response is not None else (),
            response_body=response_body or None,
            ocpi_status=ocpi_status,
            request_id=sent.get(_REQUEST_ID),
            correlation_id=sent.get(_CORRELATION_ID),
            latency_s=float(request.extensions.get(EXT_LATENCY, 0.0)),
            error=error,
            notes=tuple(extensions.get(EXT_NOTES, ())) + notes,
        )
        self._bus.publish(event)


def _notes(what: str, label: str) -> tuple[str, ...]:
    return (f"fault: {what}" + (f" ({label})" if label else ""),)


def _description(code: int) -> str:
    try:
        return OCPIStatus(code).description
    except ValueError:  # a custom code (x900-x999)
        return f"OCPI status {code}"


def _labels(request: httpx.Request) -> tuple[str | None, OCPIVersion | None]:
    """(module, version) of a request: as its sender labelled it, else read from the path."""
    module = request.extensions.get(EXT_MODULE)
    version_text = request.extensions.get(EXT_VERSION)
    parts = [p for p in request.url.path.split("/") if p]
    if version_text is None and len(parts) >= 2 and parts[0] == "ocpi":
        version_text = parts[1]
    version = OCPIVersion(version_text) if version_text in {v.value for v in OCPIVersion} else None
    return (module if isinstance(module, str) else None), version


def _truncated(response: httpx.Response) -> httpx.Response:
    """The response with only the first half of its body (never valid JSON: an object cut open)."""
    content = response.content[: len(response.content) // 2]
    headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
    cut = httpx.Response(response.status_code, content=content, headers=headers, request=response.request)
    cut.extensions.update({k: v for k, v in response.extensions.items() if k != EXT_OCPI_STATUS})
    return cut


def _status_code_of(body: str) -> int | None:
    try:
        document = loads(body)
    except ValueError:
        return None
    code = document.get("status_code") if isinstance(document, dict) else None
    return code if isinstance(code, int) and not isinstance(code, bool) else None
