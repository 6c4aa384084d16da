"""``httpx.Request`` / ``httpx.Response`` objects with a body in memory, built in one step.

``httpx.Request(..., content=body)`` and ``httpx.Response(..., content=body)`` normalise the headers,
add the automatic ones (``Host``, ``Content-Length``) through generic look-ups, and normalise them all
again — a noticeable share of an in-process exchange.  ``request`` and ``response`` give the very
same objects (same headers in the same order, same body, read) by working out the automatic headers
first and handing httpx the finished list with the body as a ``ByteStream``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

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
    present = {key.lower() for key, _ in headers}
    automatic: list[tuple[bytes, bytes]] = []
    if b"host" not in present and url.host:
        automatic.append((b"Host", url.netloc))
    listed = [*automatic, *headers]
    if body and b"content-length" not in present:
        listed.append((b"Content-Length", str(len(body)).encode("ascii")))
        present.add(b"content-length")
    if b"content-length" not in present and b"transfer-encoding" not in present and method in _BODY_METHODS:
        listed.insert(len(automatic), (b"Content-Length", b"0"))
    built = httpx.Request(method, url, headers=listed, stream=httpx.ByteStream(body), extensions=extensions)
    built.read()
    return built


def response(
    status_code: int, content: bytes, headers: Mapping[str, str], request: httpx.Request | None
) -> httpx.Response:
    """What ``httpx.Response(status_code, content=content, headers=headers, request=request)`` gives."""
    listed = list(headers.items())
    if content and all(key.lower() != "content-length" for key, _ in listed):
        listed.append(("Content-Length", str(len(content))))
    built = httpx.Response(status_code, headers=listed, stream=httpx.ByteStream(content), request=request)
    built.read()
    return built


__all__ = ["request", "response"]
