"""``httpx.URL`` objects for the simulator's own addresses, parsed cheaply and remembered.

Every request is built with an ``httpx.URL``, and parsing one (``httpx.URL(text)``) runs httpx's
general parser: length and character checks, a regular expression per component, percent-quoting of
every component, host and path normalisation.  The simulator's addresses are all of one plain shape
— ``https://{lower-case host}/{path of unreserved characters}``, no port, query or fragment — for
which that work changes nothing: the parsed components are the text's own pieces.  ``parse_url``
builds those URLs from the pieces directly (the same immutable ``httpx.URL`` the parser gives, as a
self-check at import confirms, else every URL takes the general parser) and parses anything else
the general way.  Parsed URLs are kept per text: ``httpx.URL`` is immutable, and the same addresses
come back in every message about an object.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx

_PLAIN = re.compile(r"(https?)://((?:[a-z0-9-]+\.)*[a-z][a-z0-9-]*)(/[A-Za-z0-9._~/-]*)")
"""Scheme, host (lower case, not an IP address) and path (unreserved characters only): the shape
whose parse is its own pieces, unless a path segment is ``.`` or ``..`` (removed by normalisation)."""

_LONGEST = 2048
"""Longer texts take the general parser (which refuses URLs beyond its own, much larger, limit)."""

CACHE_SIZE = 65_536
"""URLs kept: enough for every EVSE, session and token address a city-scale day uses repeatedly."""


def _pieces_builder() -> Callable[[str, str, str, str | None], httpx.URL] | None:
    """A function making the ``httpx.URL`` of (scheme, host, path, query) from its pieces, or None when this
    httpx keeps its parsed form differently from the one this was written for."""
    try:
        from httpx._urlparse import ParseResult
    except ImportError:  # pragma: no cover - another httpx layout
        return None

    def build(scheme: str, host: str, path: str, query: str | None = None) -> httpx.URL:
        url = httpx.URL.__new__(httpx.URL)
        url._uri_reference = ParseResult(scheme, "", host, None, path, query, None)
        return url

    try:
        same = build("https", "a-b.example.test", "/ocpi/2.2.1/x_y~z/ID-1.2", "a=1&b=x.y")._uri_reference == (
            httpx.URL("https://a-b.example.test/ocpi/2.2.1/x_y~z/ID-1.2", params={"a": "1", "b": "x.y"})._uri_reference
        )
    except Exception:  # pragma: no cover - another httpx layout
        return None
    return build if same else None


_BUILD = _pieces_builder()
_PLAIN_QUERY = re.compile(r"[A-Za-z0-9._~=&-]*")
"""A query (as httpx encodes parameters) that quoting leaves as it is."""
_cache: dict[str, httpx.URL] = {}
_with_query: dict[tuple[str, tuple[tuple[str, str], ...]], httpx.URL] = {}


def parse_url(text: str) -> httpx.URL:
    """``httpx.URL(text)`` (see the module docstring)."""
    found = _cache.get(text)
    if found is None:
        found = _parse(text)
        if len(_cache) >= CACHE_SIZE:
            _cache.clear()  # a run that outgrows it starts over rather than growing without bound
        _cache[text] = found
    return found


def parse_url_with_query(text: str, params: tuple[tuple[str, str], ...]) -> httpx.URL:
    """``httpx.URL(text, params=dict(params))``, remembered the same way."""
    key = (text, params)
    found = _with_query.get(key)
    if found is None:
        found = _parse_with_query(text, params)
        if len(_with_query) >= CACHE_SIZE:
            _with_query.clear()
        _with_query[key] = found
    return found


def _parse_with_query(text: str, params: tuple[tuple[str, str], ...]) -> httpx.URL:
    base = parse_url(text)
    if not params:
        return httpx.URL(base, params={})
    query = str(httpx.QueryParams(dict(params)))
    match = _PLAIN.fullmatch(text) if len(text) <= _LONGEST else None
    if match is None or _BUILD is None or not _PLAIN_QUERY.fullmatch(query):
        return httpx.URL(base, params=dict(params))
    scheme, host, path = match.groups()
    return _BUILD(scheme, host, path, query)


def _parse(text: str) -> httpx.URL:
    match = _PLAIN.fullmatch(text) if len(text) <= _LONGEST else None
    if match is None or _BUILD is None:
        return httpx.URL(text)
    scheme, host, path = match.groups()
    if "." in path:
        segments = path.split("/")
        if "." in segments or ".." in segments:
            return httpx.URL(text)
    return _BUILD(scheme, host, path, None)


__all__ = ["CACHE_SIZE", "parse_url", "parse_url_with_query"]
