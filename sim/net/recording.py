"""``RecordingTransport``: the single choke point every exchange passes through.

Each party's httpx client sends through its own ``RecordingTransport``, which wraps the network's
shared ``InProcessTransport``.  For every request it

1. applies the current link condition (an offline link raises ``httpx.ConnectError`` as a dead
   server would; an injected error status is answered without reaching the receiver), then
2. publishes one ``MessageExchanged`` on the bus — request and response, headers and bodies, HTTP and
   OCPI status, message ids, the latency the caller waited on simulated time — and
3. returns the response.

Nested exchanges (a receiver fetching the client's versions while handling a credentials POST, a
hub forwarding a request) happen inside the outer handler, in zero simulated time; they are
published before the outer exchange completes, so ``seq`` orders them as they happened.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime

import httpx

from sim.bus import EventBus
from sim.events import MessageExchanged
from sim.net.inprocess import InProcessTransport
from sim.net.links import Links
from sim.ocpi.headers import X_CORRELATION_ID, X_REQUEST_ID
from sim.ocpi.router import EXT_MODULE, EXT_NOTES, EXT_OCPI_STATUS, EXT_VERSION
from sim.ocpi.wirejson import loads

EXT_LATENCY = "roamsim.latency_s"
"""Request extension: the latency the calling process waited before sending."""


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
        receiver = self._inner.owner_of(request.url.host) or request.url.host
        condition = self._links.condition(self._owner, receiver)
        if condition.offline:
            error = f"{receiver} unreachable from {self._owner} (link down)"
            self._publish(request, receiver, None, error=error)
            raise httpx.ConnectError(error, request=request)
        if condition.error_status is not None:
            response = httpx.Response(condition.error_status, content=b"", request=request)
            self._publish(request, receiver, response, notes=(f"fault: link answers HTTP {condition.error_status}",))
            return response
        try:
            response = self._inner.handle_request(request)
        except httpx.ConnectError as exc:
            self._publish(request, receiver, None, error=str(exc))
            raise
        self._publish(request, receiver, response)
        return response

    def _publish(
        self,
        request: httpx.Request,
        receiver: str,
        response: httpx.Response | None,
        *,
        error: str | None = None,
        notes: tuple[str, ...] = (),
    ) -> None:
        response_body = response.content.decode("utf-8", "replace") if response is not None else None
        extensions = response.extensions if response is not None else {}
        ocpi_status = extensions.get(EXT_OCPI_STATUS)
        if ocpi_status is None and response_body:
            ocpi_status = _status_code_of(response_body)
        event = MessageExchanged(
            seq=next(self._sequence),
            time=self._clock(),
            from_party=self._owner,
            to_party=receiver,
            method=request.method,
            url=str(request.url),
            module=extensions.get(EXT_MODULE),
            ocpi_version=extensions.get(EXT_VERSION),
            request_headers=tuple((k, v) for k, v in request.headers.items() if k.lower() != "content-length"),
            request_body=request.content.decode("utf-8", "replace") if request.content else None,
            response_status=response.status_code if response is not None else 0,
            response_headers=tuple(response.headers.items()) if response is not None else (),
            response_body=response_body or None,
            ocpi_status=ocpi_status,
            request_id=request.headers.get(X_REQUEST_ID),
            correlation_id=request.headers.get(X_CORRELATION_ID),
            latency_s=float(request.extensions.get(EXT_LATENCY, 0.0)),
            error=error,
            notes=tuple(extensions.get(EXT_NOTES, ())) + notes,
        )
        self._bus.publish(event)


def _status_code_of(body: str) -> int | None:
    try:
        document = loads(body)
    except ValueError:
        return None
    code = document.get("status_code") if isinstance(document, dict) else None
    return code if isinstance(code, int) and not isinstance(code, bool) else None
