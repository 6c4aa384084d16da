"""Pagination: query parsing, date windows, page cutting, Link/X-Total-Count/X-Limit headers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.ocpi.common import OCPIVersion
from sim.ocpi.pagination import PageRequest, next_link, paginate, read_count_headers
from sim.ocpi.status import InvalidOrMissingParameters

V211, V221 = OCPIVersion.V2_1_1, OCPIVersion.V2_2_1
START = datetime(2026, 3, 2, tzinfo=UTC)
OBJECTS = [START + timedelta(hours=hour) for hour in range(10)]  # stand-ins: their own last_updated
URL = "https://cpo.example/ocpi/2.2.1/locations"


def identity(moment: datetime) -> datetime:
    return moment


def test_query_is_parsed_and_written_back() -> None:
    query = {"offset": "10", "limit": "50", "date_from": "2026-03-02T00:00:00Z", "date_to": "2026-03-03T00:00:00Z"}
    request = PageRequest.from_query(query, V221)
    assert request == PageRequest(10, 50, START, START + timedelta(days=1))
    assert request.to_query(V221) == query


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"offset": "-1"}, "offset must be a non-negative integer, got '-1'"),
        ({"limit": "ten"}, "limit must be a non-negative integer"),
        ({"date_from": "2026-03-02T00:00:00+01:00"}, "date_from: .* offset"),
        ({"date_from": "2026-03-03T00:00:00Z", "date_to": "2026-03-02T00:00:00Z"}, "date_to lies before date_from"),
    ],
)
def test_bad_query_parameters_are_2001_with_the_reason(query: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidOrMissingParameters, match=message) as caught:
        PageRequest.from_query(query, V221)
    assert int(caught.value.status) == 2001


def test_sessions_require_date_from() -> None:
    with pytest.raises(InvalidOrMissingParameters, match="date_from is required"):
        PageRequest.from_query({}, V211, require_date_from=True)


def test_date_from_inclusive_date_to_exclusive() -> None:
    request = PageRequest(date_from=OBJECTS[2], date_to=OBJECTS[5])
    page = paginate(OBJECTS, request, url=URL, max_limit=100, last_updated=identity)
    assert page.items == OBJECTS[2:5]
    assert page.total_count == 3


def test_server_cap_applies_and_next_link_repeats_every_filter() -> None:
    url = f"{URL}?date_from=2026-03-02T01:00:00Z&date_to=2026-03-02T09:00:00Z&limit=500"
    request = PageRequest(limit=500, date_from=OBJECTS[1], date_to=OBJECTS[9])
    page = paginate(OBJECTS, request, url=url, max_limit=3, last_updated=identity)
    assert page.items == OBJECTS[1:4]
    assert page.headers() == {
        "X-Total-Count": "8",
        "X-Limit": "3",
        "Link": "<https://cpo.example/ocpi/2.2.1/locations?date_from=2026-03-02T01%3A00%3A00Z"
        '&date_to=2026-03-02T09%3A00%3A00Z&limit=3&offset=3>; rel="next"',
    }


def test_last_page_has_no_link() -> None:
    page = paginate(OBJECTS, PageRequest(offset=8, limit=5), url=URL, max_limit=100, last_updated=identity)
    assert page.items == OBJECTS[8:]
    assert "Link" not in page.headers()


def test_offset_beyond_the_end_gives_an_empty_last_page() -> None:
    page = paginate(OBJECTS, PageRequest(offset=50), url=URL, max_limit=100, last_updated=identity)
    assert page.items == [] and page.total_count == 10 and page.next_url is None


@given(st.integers(min_value=1, max_value=12), st.integers(min_value=1, max_value=12))
def test_following_links_yields_every_object_once_in_order(client_limit: int, server_cap: int) -> None:
    from urllib.parse import parse_qsl, urlsplit

    collected: list[datetime] = []
    url: str | None = f"{URL}?limit={client_limit}"
    pages = 0
    while url is not None:
        request = PageRequest.from_query(dict(parse_qsl(urlsplit(url).query)), V221)
        page = paginate(OBJECTS, request, url=url, max_limit=server_cap, last_updated=identity)
        collected += page.items
        url = next_link(page.headers().get("Link"))
        pages += 1
        assert pages <= len(OBJECTS) + 1
    assert collected == OBJECTS


def test_link_header_parsing() -> None:
    assert next_link('<https://a/x?offset=5>; rel="next"') == "https://a/x?offset=5"
    assert next_link('<https://a/p>; rel="prev", <https://a/n>; rel=next') == "https://a/n"
    assert next_link('<https://a/p>; rel="prev"') is None
    assert next_link(None) is None


def test_count_headers_are_read_case_insensitively() -> None:
    assert read_count_headers({"x-total-count": "8", "X-LIMIT": "3"}) == (8, 3)
    assert read_count_headers({"X-Total-Count": "many"}) == (None, None)
