"""Pagination of OCPI "GET list" endpoints: query parameters in, page and headers out.

A client may send ``offset``, ``limit``, ``date_from`` and ``date_to``.  The server answers one page
and three headers: ``X-Total-Count`` (objects matching the date filters), ``X-Limit`` (the page-size
cap it applies — an upper bound, not the size of this page) and, unless this is the last page,
``Link: <url>; rel="next"`` repeating every filter of the original request with the next offset.

Date filters compare ``last_updated``: ``date_from`` inclusive, ``date_to`` exclusive, so windows
``[a, b)`` and ``[b, c)`` never overlap.  That is 2.2.1's rule; 2.1.1 only says "after"/"before"
without fixing the bounds, and the simulator applies the same rule there so both versions behave
alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

import httpx

from sim.ocpi.common import OCPIVersion, format_datetime, parse_datetime
from sim.ocpi.headers import LINK, X_LIMIT, X_TOTAL_COUNT
from sim.ocpi.status import InvalidOrMissingParameters

T = TypeVar("T")

_LINK_PART = re.compile(r"<(?P<url>[^>]*)>\s*;\s*(?P<params>[^,]*)")
_REL_NEXT = re.compile(r'rel\s*=\s*"?next"?', re.IGNORECASE)


@dataclass(frozen=True)
class PageRequest:
    """The pagination and date-filter parameters of one GET list request."""

    offset: int = 0
    limit: int | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None

    @classmethod
    def from_query(
        cls, params: Mapping[str, str], version: OCPIVersion, *, require_date_from: bool = False
    ) -> PageRequest:
        """Read the parameters; raises ``InvalidOrMissingParameters`` (2001) saying which one is wrong.

        ``require_date_from`` is for the Sessions list, where ``date_from`` is mandatory.
        """
        offset = _non_negative_int(params, "offset")
        limit = _non_negative_int(params, "limit")
        date_from = _datetime_param(params, "date_from", version)
        date_to = _datetime_param(params, "date_to", version)
        if require_date_from and date_from is None:
            raise InvalidOrMissingParameters("query parameter date_from is required")
        if date_from is not None and date_to is not None and date_to < date_from:
            raise InvalidOrMissingParameters("date_to lies before date_from")
        return cls(offset=offset or 0, limit=limit, date_from=date_from, date_to=date_to)

    def to_query(self, version: OCPIVersion) -> dict[str, str]:
        """The parameters as a client sends them (only those that are set)."""
        query: dict[str, str] = {}
        if self.date_from is not None:
            query["date_from"] = format_datetime(self.date_from, version)
        if self.date_to is not None:
            query["date_to"] = format_datetime(self.date_to, version)
        if self.offset:
            query["offset"] = str(self.offset)
        if self.limit is not None:
            query["limit"] = str(self.limit)
        return query

    def admits(self, last_updated: datetime) -> bool:
        """Whether an object with this ``last_updated`` passes the date filters."""
        if self.date_from is not None and last_updated < self.date_from:
            return False
        return not (self.date_to is not None and last_updated >= self.date_to)


def _non_negative_int(params: Mapping[str, str], name: str) -> int | None:
    text = params.get(name)
    if text is None or text == "":
        return None
    if not text.isascii() or not text.isdigit():
        raise InvalidOrMissingParameters(f"query parameter {name} must be a non-negative integer, got {text!r}")
    return int(text)


def _datetime_param(params: Mapping[str, str], name: str, version: OCPIVersion) -> datetime | None:
    text = params.get(name)
    if text is None or text == "":
        return None
    try:
        return parse_datetime(text, version)
    except ValueError as exc:
        raise InvalidOrMissingParameters(f"query parameter {name}: {exc}") from None


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list answer, with what its headers must say."""

    items: list[T]
    total_count: int
    limit: int
    next_url: str | None

    def headers(self) -> dict[str, str]:
        """``X-Total-Count``, ``X-Limit`` and, unless this is the last page, ``Link``."""
        headers = {X_TOTAL_COUNT: str(self.total_count), X_LIMIT: str(self.limit)}
        if self.next_url is not None:
            headers[LINK] = f'<{self.next_url}>; rel="next"'
        return headers


def paginate(
    objects: Sequence[T],
    request: PageRequest,
    *,
    url: str | httpx.URL,
    max_limit: int,
    last_updated: Callable[[T], datetime],
) -> Page[T]:
    """Filter ``objects`` (kept in their stable, oldest-first order) by date and cut out one page.

    ``url`` is the URL of the request being answered: the next link keeps all its parameters and
    replaces ``offset`` and ``limit``.  A client asking for more than ``max_limit`` gets
    ``max_limit`` and the next link says so.
    """
    matching = [item for item in objects if request.admits(last_updated(item))]
    limit = max_limit if request.limit is None else min(request.limit, max_limit)
    start = min(request.offset, len(matching))
    items = matching[start : start + limit]
    next_offset = start + limit
    next_url = None
    if limit > 0 and next_offset < len(matching):
        base = httpx.URL(str(url))
        next_url = str(base.copy_set_param("offset", str(next_offset)).copy_set_param("limit", str(limit)))
    return Page(items=items, total_count=len(matching), limit=limit, next_url=next_url)


def next_link(link_header: str | None) -> str | None:
    """The URL of the ``rel="next"`` entry of a ``Link`` header, if any."""
    if not link_header:
        return None
    for match in _LINK_PART.finditer(link_header):
        if _REL_NEXT.search(match.group("params")):
            return match.group("url")
    return None


def read_count_headers(headers: Mapping[str, str]) -> tuple[int | None, int | None]:
    """``(X-Total-Count, X-Limit)`` of a list response, None where absent or not a number."""
    lowered = {key.lower(): value for key, value in headers.items()}

    def number(name: str) -> int | None:
        value = lowered.get(name.lower(), "").strip()
        return int(value) if value.isdigit() else None

    return number(X_TOTAL_COUNT), number(X_LIMIT)
