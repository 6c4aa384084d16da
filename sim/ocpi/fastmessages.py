"""httpx ``Request`` / ``Response`` / ``Headers`` objects filled in directly, checked against httpx at import.

``httpx.Request(method, url, headers=pairs, stream=ByteStream(body))`` followed by ``read()`` leaves an
object holding: the method, the URL (a copy sharing the parsed form), ``Headers`` whose list holds
``(name, lower-case name, value)`` per pair, the extensions, the stream and the body.  httpx gets there
through generic normalisation (a type check and a conversion per name and value, a copy of the URL,
iteration over the stream).  The builders here set those attributes from headers already in httpx's
own form — a third of the cost.  These are httpx internals, so ``request_builder`` and
``response_builder`` first build sample messages both ways and compare every attribute; when they
differ (another httpx), they return None and ``sim.ocpi.messages`` uses httpx's constructors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

Triples = list[tuple[bytes, bytes, bytes]]
"""Headers as httpx keeps them: ``(name, lower-case name, value)``, in order."""
RequestBuilder = Callable[[str, httpx.URL, Triples, bytes, dict[str, Any]], httpx.Request]
ResponseBuilder = Callable[[int, Triples, bytes, "httpx.Request | None"], httpx.Response]


def httpx_request(
    method: str, url: httpx.URL, listed: Triples, body: bytes, extensions: dict[str, Any]
) -> httpx.Request:
    """The request as httpx's constructor makes it (``method`` upper-case, automatic headers in ``listed``)."""
    built = httpx.Request(
        method,
        url,
        headers=[(key, value) for key, _, value in listed],
        stream=httpx.ByteStream(body),
        extensions=extensions,
    )
    built.read()
    return built


def httpx_response(status_code: int, listed: Triples, content: bytes, request: httpx.Request | None) -> httpx.Response:
    """The response as httpx's constructor and ``read()`` leave it, for a body without Content-Encoding.

    ``read`` is not called: its generators and context managers would only store the body as it is
    (the content decoder it would pick is not needed again, later reads return the stored body)."""
    built = unread_response(status_code, listed, content, request)
    built.is_stream_consumed = True
    built._num_bytes_downloaded = len(content)
    built.is_closed = True
    built._content = content
    return built


def unread_response(status_code: int, listed: Triples, content: bytes, request: httpx.Request | None) -> httpx.Response:
    """httpx's own constructor on ``listed`` with the body as an in-memory stream, not read yet."""
    return httpx.Response(
        status_code,
        headers=[(key, value) for key, _, value in listed],
        stream=httpx.ByteStream(content),
        request=request,
    )


def _headers(listed: Triples) -> httpx.Headers:
    headers = httpx.Headers.__new__(httpx.Headers)
    headers._list = listed
    # What the ``encoding`` property works out on first reading: "ascii" when every name and value
    # decodes as ASCII (``isascii`` says exactly that, in C), else its own search, left to it.
    ascii_only = all(key.isascii() and value.isascii() for key, _, value in listed)
    headers._encoding = "ascii" if ascii_only else None
    return headers


def _fast_request(
    method: str, url: httpx.URL, listed: Triples, body: bytes, extensions: dict[str, Any]
) -> httpx.Request:
    built = httpx.Request.__new__(httpx.Request)
    built.method = method
    built.url = url  # immutable: httpx's copy would share the same parsed form
    built.headers = _headers(listed)
    built.extensions = dict(extensions)
    built.stream = httpx.ByteStream(body)
    built._content = body
    return built


def _fast_response(status_code: int, listed: Triples, content: bytes, request: httpx.Request | None) -> httpx.Response:
    built = httpx.Response.__new__(httpx.Response)
    built.status_code = status_code
    built.headers = _headers(listed)
    built._request = request
    built.next_request = None
    built.extensions = {}
    built.history = []
    built.is_closed = True
    built.is_stream_consumed = True
    built.default_encoding = "utf-8"
    built.stream = httpx.ByteStream(content)
    built._num_bytes_downloaded = len(content)
    built._content = content
    return built


def _state(message: httpx.Request | httpx.Response) -> dict[str, Any]:
    """Everything a message holds, comparable: streams by their bytes, headers by their list."""
    found: dict[str, Any] = {}
    for name, value in vars(message).items():
        if isinstance(value, httpx.Headers):
            value.encoding  # noqa: B018 - worked out now on both sides (httpx does it on first reading)
            value = (type(value), vars(value))
        elif isinstance(value, httpx.ByteStream):
            value = (type(value), b"".join(value))
        elif isinstance(value, httpx.URL):
            value = (type(value), str(value), value._uri_reference)
        found[name] = value
    return found


def _samples() -> list[tuple[str, httpx.URL, Triples, bytes, dict[str, Any]]]:
    url = httpx.URL("https://cpo.example.test/ocpi/2.2.1/receiver/sessions/NL/CPO/S1?type=RFID")
    listed = [
        (b"Host", b"host", b"cpo.example.test"),
        (b"User-Agent", b"user-agent", b"roamsim"),
        (b"Authorization", b"authorization", b"Token abc"),
        (b"Content-Length", b"content-length", b"2"),
    ]
    return [
        ("PUT", url, listed, b"{}", {"timeout": {"connect": 5.0}, "roamsim.module": "sessions"}),
        ("GET", url, listed[:3], b"", {}),
    ]


def request_builder() -> RequestBuilder | None:
    """``_fast_request`` if it makes what httpx makes here, else None."""
    try:
        for method, url, listed, body, extensions in _samples():
            fast, slow = (
                _fast_request(method, url, list(listed), body, extensions),
                httpx_request(method, url, list(listed), body, extensions),
            )
            if _state(fast) != _state(slow) or fast.content != slow.content or fast.headers.raw != slow.headers.raw:
                return None
    except Exception:  # pragma: no cover - another httpx layout
        return None
    return _fast_request


def response_builder() -> ResponseBuilder | None:
    """``_fast_response`` if it makes what httpx makes (and ``read`` leaves) here, else None."""
    try:
        for method, url, listed, body, extensions in _samples():
            request = httpx_request(method, url, list(listed), body, extensions)
            answer = [(b"Content-Type", b"content-type", b"application/json"), *listed[3:]]
            fast, slow = (
                _fast_response(200, list(answer), body, request),
                httpx_response(200, list(answer), body, request),
            )
            reread = httpx.Response(200, headers=[(k, v) for k, _, v in answer], content=body, request=request)
            if _state(fast) != _state(slow) or fast.content != reread.content or fast.text != reread.text:
                return None
            if (fast.is_closed, fast.is_stream_consumed) != (reread.is_closed, reread.is_stream_consumed):
                return None
    except Exception:  # pragma: no cover - another httpx layout
        return None
    return _fast_response


def lowered_pairs(headers: httpx.Headers) -> list[tuple[bytes, bytes]]:
    """``(lower-case name, value)`` of every header, from the list httpx keeps (``_LAYOUT_KNOWN``)."""
    if _LAYOUT_KNOWN:
        return [(lowered, value) for _, lowered, value in headers._list]
    return [(key.lower(), value) for key, value in headers.raw]


_READING = "_roamsim_reading"
"""Attribute of a ``Headers`` object keeping its last reading: (encoding, copy of its list, dict)."""


def remembered(headers: httpx.Headers, encoding: str) -> dict[str, str] | None:
    """The reading ``remember`` kept for ``headers``, if their list and encoding are still the same."""
    if not _LAYOUT_KNOWN:
        return None
    kept: tuple[str, list[tuple[bytes, bytes, bytes]], dict[str, str]] | None = vars(headers).get(_READING)
    if kept is None or kept[0] != encoding or kept[1] != headers._list:
        return None
    return kept[2]


def remember(headers: httpx.Headers, encoding: str, reading: dict[str, str]) -> None:
    """Keep ``reading`` with ``headers`` (a copy of their list tells a later change; the dict is not handed out)."""
    if _LAYOUT_KNOWN:
        vars(headers)[_READING] = (encoding, list(headers._list), reading)


def _layout_known() -> bool:
    """Whether ``Headers._list`` holds ``(name, lower-case name, value)`` as this module expects."""
    try:
        sample = httpx.Headers([(b"X-A", b"1"), (b"x-a", b"2")])
        return bool(sample._list == [(b"X-A", b"x-a", b"1"), (b"x-a", b"x-a", b"2")])
    except Exception:  # pragma: no cover - another httpx layout
        return False


_LAYOUT_KNOWN = _layout_known()

__all__ = [
    "httpx_request",
    "httpx_response",
    "lowered_pairs",
    "remember",
    "remembered",
    "request_builder",
    "response_builder",
    "unread_response",
]
