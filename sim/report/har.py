"""The message trace as an HTTP Archive (HAR 1.2), for browser dev tools and HAR viewers.

One entry per ``MessageExchanged``, in the trace's order (entry *n* is line *n* of ``trace.jsonl``;
``_seq`` repeats its ``seq``).  Every entry has the fields HAR 1.2 requires — ``startedDateTime``,
``time``, ``request`` (method, url, httpVersion, cookies, headers, queryString, headersSize,
bodySize, ``postData`` when there is a body), ``response`` (status, statusText, httpVersion,
cookies, headers, content, redirectURL, headersSize, bodySize), ``cache`` and ``timings`` (send,
wait, receive) — and the log has its ``creator`` and one page for the whole run, which every entry
refers to (some viewers group by page).

Times are simulated:

* ``startedDateTime`` is the exchange's simulated instant, the ``time`` of the trace line, with
  milliseconds and ``Z``; entries are therefore in time order.
* The simulator charges a link's round-trip latency to the caller before the request is handled
  (``sim.net``); the HAR shows that same latency as the wait for the response: ``timings.wait`` =
  ``time`` = the exchange's latency in ms, ``send`` and ``receive`` 0, the phases that do not apply
  (blocked, dns, connect, ssl) -1.

An exchange that never got an answer (link down, a lost callback) has response status 0, an empty
``statusText`` and ``httpVersion``, ``bodySize`` -1 and its reason in ``_error``, as browsers export
failed requests.  OCPI details are custom fields (HAR allows names starting with ``_``): ``_from``,
``_to``, ``_module``, ``_ocpiVersion``, ``_ocpiStatus``, ``_requestId``, ``_correlationId``,
``_notes``.

The file is written as the run goes: the log's head at once, one entry per line, the tail on
``close`` — so memory stays flat however long the run.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TextIO
from urllib.parse import parse_qsl, urlsplit

import httpx

from sim import __version__
from sim.bus import EventBus
from sim.events import MessageExchanged
from sim.ocpi.wirejson import dumps, dumps_plain

HAR_VERSION = "1.2"
PAGE_ID = "run"
DEFAULT_MIME_TYPE = "application/json"
NOT_APPLICABLE = -1


def har_datetime(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and ``Z`` (``2026-03-02T05:00:00.050Z``)."""
    utc = moment.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


def _headers(pairs: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in pairs]


def _header(pairs: tuple[tuple[str, str], ...], name: str) -> str | None:
    return next((value for key, value in pairs if key.lower() == name), None)


def _size(body: str | None) -> int:
    return len(body.encode("utf-8")) if body is not None else 0


def _request(event: MessageExchanged) -> dict[str, Any]:
    query = urlsplit(event.url).query
    request: dict[str, Any] = {
        "method": event.method,
        "url": event.url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": _headers(event.request_headers),
        "queryString": [{"name": k, "value": v} for k, v in parse_qsl(query, keep_blank_values=True)],
        "headersSize": NOT_APPLICABLE,
        "bodySize": _size(event.request_body),
    }
    if event.request_body is not None:
        mime_type = _header(event.request_headers, "content-type") or DEFAULT_MIME_TYPE
        request["postData"] = {"mimeType": mime_type, "text": event.request_body}
    return request


def _response(event: MessageExchanged) -> dict[str, Any]:
    status = event.response_status
    if status == 0:  # never answered
        return {
            "status": 0,
            "statusText": "",
            "httpVersion": "",
            "cookies": [],
            "headers": [],
            "content": {"size": 0, "mimeType": "x-unknown"},
            "redirectURL": "",
            "headersSize": NOT_APPLICABLE,
            "bodySize": NOT_APPLICABLE,
        }
    content: dict[str, Any] = {
        "size": _size(event.response_body),
        "mimeType": _header(event.response_headers, "content-type") or DEFAULT_MIME_TYPE,
    }
    if event.response_body is not None:
        content["text"] = event.response_body
    location = _header(event.response_headers, "location") if 300 <= status <= 399 else None
    return {
        "status": status,
        "statusText": httpx.codes.get_reason_phrase(status),
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": _headers(event.response_headers),
        "content": content,
        "redirectURL": location or "",
        "headersSize": NOT_APPLICABLE,
        "bodySize": _size(event.response_body),
    }


def har_entry(event: MessageExchanged) -> dict[str, Any]:
    """One HAR 1.2 entry (see the module docstring)."""
    latency_ms = round(event.latency_s * 1000, 3)
    entry: dict[str, Any] = {
        "pageref": PAGE_ID,
        "startedDateTime": har_datetime(event.time),
        "time": latency_ms,
        "request": _request(event),
        "response": _response(event),
        "cache": {},
        "timings": {
            "blocked": NOT_APPLICABLE,
            "dns": NOT_APPLICABLE,
            "connect": NOT_APPLICABLE,
            "ssl": NOT_APPLICABLE,
            "send": 0,
            "wait": latency_ms,
            "receive": 0,
        },
        "_seq": event.seq,
        "_from": event.from_party,
        "_to": event.to_party,
        "_module": event.module,
        "_ocpiVersion": event.ocpi_version,
        "_ocpiStatus": event.ocpi_status,
        "_requestId": event.request_id,
        "_correlationId": event.correlation_id,
        "_notes": list(event.notes),
    }
    if event.error is not None:
        entry["_error"] = event.error
    if event.notes:
        entry["comment"] = "; ".join(event.notes)
    return entry


class HarWriter:
    """Streams every exchange published on a bus into a HAR 1.2 document; ``close`` completes it."""

    def __init__(self, stream: TextIO, *, title: str, started: datetime) -> None:
        self._stream = stream
        self.count = 0
        self._closed = False
        log_head = {
            "version": HAR_VERSION,
            "creator": {"name": "roamsim", "version": __version__},
            "pages": [
                {
                    "startedDateTime": har_datetime(started),
                    "id": PAGE_ID,
                    "title": title,
                    "pageTimings": {"onContentLoad": NOT_APPLICABLE, "onLoad": NOT_APPLICABLE},
                }
            ],
        }
        head = dumps({"log": log_head})
        # ``{"log":{...}}`` opened again after its last member, to append the entries.
        stream.write(head[:-2] + ',"entries":[')

    def __call__(self, event: MessageExchanged) -> None:
        self._stream.write(("," if self.count else "") + "\n" + dumps_plain(har_entry(event)))
        self.count += 1

    def attach(self, bus: EventBus) -> None:
        """Record everything published on ``bus`` from now on."""
        bus.subscribe(self, MessageExchanged)

    def close(self) -> None:
        """Write the end of the document (idempotent; the stream itself is the caller's)."""
        if not self._closed:
            self._closed = True
            self._stream.write("\n]}}\n")
