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
    if any(key.lower() == "content-encoding" for key, _ in listed):
        built.read()
    else:
        _read_identity(built, content)
    return built


def _read_identity(response: httpx.Response, content: bytes) -> None:
    """The state ``response.read()`` leaves behind for an in-memory body without a Content-Encoding
    (the body as it is, the stream consumed and closed), without its generators and contexts.  The
    content decoder ``read`` would pick is not needed again: later reads return the body kept here."""
    response.is_stream_consumed = True
    response._num_bytes_downloaded = len(content)
    response.is_closed = True
    response._content = content


def header_dict(headers: httpx.Headers) -> dict[str, str]:
    """``dict(headers.items())``: lower-case names, repeated ones joined with ``", "`` in the first one's
    place.  ``Headers.items`` works out the headers' encoding again for every name and value; here it
    is read once."""
    encoding = headers.encoding
    found: dict[str, str] = {}
    for key, value in headers.raw:
        name = key.lower().decode(encoding)
        if name in found:
            found[name] += ", " + value.decode(encoding)
        else:
            found[name] = value.decode(encoding)
    return found


__all__ = ["header_dict", "request", "response"]
