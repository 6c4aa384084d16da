"""Fixtures and assertion helpers for flow tests of the in-process OCPI network."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from sim.events import MessageExchanged
from sim.netbuilder import Roaming


@pytest.fixture
def roaming() -> Roaming:
    """A fresh network (seed 42, start 2026-03-02 06:00Z, 50 ms one-way latency)."""
    return Roaming()


def flow(exchanges: list[MessageExchanged]) -> list[tuple[str, str, str, str, int, int | None]]:
    """(from, to, method, path, HTTP status, OCPI status) per exchange — the shape flow tests assert."""
    return [
        (e.from_party, e.to_party, e.method, urlsplit(e.url).path, e.response_status, e.ocpi_status) for e in exchanges
    ]
