"""``httpx.Request`` / ``httpx.Response`` objects with a body in memory, built in one step.

``httpx.Request(..., content=body)`` and ``httpx.Response(..., content=body)`` normalise the headers,
add the automatic ones (``Host``, ``Content-Length``) through generic look-ups, and normalise them all
again — a noticeable share of an in-process exchange.  ``request`` and ``response`` give the very
same objects (same headers in the same order, same body, read) by working out the automatic headers
first and filling in the objects' attributes directly (see ``sim.ocpi.fastmessages``): the headers as
httpx keeps them (name, lower-case name, value), the body as the in-memory stream ``read()`` leaves.
When this httpx keeps its objects differently, a self-check at import sends every message through
httpx's own constructors instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from sim.ocpi import fastmessages

_BODY_METHODS = ("POST", "PUT", "PATCH")


def request(
    method: str,
    url: httpx.URL,
    headers: Sequence[tuple[bytes, bytes]],
    content: bytes | None,
    extensions: dict[str, Any],
) -> httpx.Request:
    """What ``httpx.Request(method, url, headers=headers, content=content, extensions=extensions)`` gives."""
    method = method.upper()
    body = content or b""
    listed = [(key, key.lower(), value) for key, value in headers]
    present = {lowered for _, lowered, _ in listed}
    automatic = 0
    if b"host" not in present and url.host:
        listed.insert(0, (b"Host", b"host", url.netloc))
        automatic = 1
    if body and b"content-length" not in present:
        listed.append((b"Content-Length", b"content-length", str(len(body)).encode("ascii")))
        present.add(b"content-length")
    if b"content-length" not in present and b"transfer-encoding" not in present and method in _BODY_METHODS:
        listed.insert(automatic, (b"Content-Length", b"content-length", b"0"))
    return _BUILD_REQUEST(method, url, listed, body, extensions)


def response(
    status_code: int, content: bytes, headers: Mapping[str, str], request: httpx.Request | None
) -> httpx.Response:
    """What ``httpx.Response(status_code, content=content, headers=headers, request=request)`` gives."""
    listed = [
        (key.encode("ascii"), key.lower().encode("ascii"), value.encode("ascii")) for key, value in headers.items()
    ]
    lowered = {name for _, name, _ in listed}
    if content and b"content-length" not in lowered:
        listed.append((b"Content-Length", b"content-length", str(len(content)).encode("ascii")))
    if b"content-encoding" in lowered:
        return _decoded_response(status_code, content, listed, request)
    return _BUILD_RESPONSE(status_code, listed, content, request)


def _decoded_response(
    status_code: int, content: bytes, listed: list[tuple[bytes, bytes, bytes]], request: httpx.Request | None
) -> httpx.Response:
    """A response whose body ``read()`` must decode: httpx's constructor and ``read`` do it all."""
    built = fastmessages.unread_response(status_code, listed, content, request)
    built.read()
    return built


def header_dict(headers: httpx.Headers) -> dict[str, str]:
    """``dict(headers.items())``: lower-case names, repeated ones joined with ``", "`` in the first one's
    place.  ``Headers.items`` works out the headers' encoding again for every name and value; here it
    is read once.  A response is read two or three times (the sender's record, its ``Exchange``, a hub's
    relay): the reading is kept with the headers and reused while they hold the same list in the same
    encoding (``fastmessages.remembered``)."""
    encoding = headers.encoding
    known = fastmessages.remembered(headers, encoding)
    if known is not None:
        return dict(known)
    found: dict[str, str] = {}
    for key, value in fastmessages.lowered_pairs(headers):
        name = key.decode(encoding)
        if name in found:
            found[name] += ", " + value.decode(encoding)
        else:
            found[name] = value.decode(encoding)
    fastmessages.remember(headers, encoding, found)
    return dict(found)


_BUILD_REQUEST = fastmessages.request_builder() or fastmessages.httpx_request
_BUILD_RESPONSE = fastmessages.response_builder() or fastmessages.httpx_response

__all__ = ["header_dict", "request", "response"]
