"""Things that happened in a simulation, as immutable records published on the ``EventBus``.

Every consumer — the JSONL trace, metrics, reports, the GUI — reads these, never the parties'
internals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sim.ocpi.common import OCPIVersion, format_datetime


@dataclass(frozen=True)
class MessageExchanged:
    """One HTTP exchange between two parties (request and its response), as it crossed the network.

    ``response_status`` is 0 when the request never got an answer (party offline, link down); then
    ``error`` says why.  ``notes`` carries remarks worth showing next to the message (a raw token
    accepted on 2.2.1, an injected fault, a forwarded hop).
    """

    seq: int
    time: datetime
    from_party: str
    to_party: str
    method: str
    url: str
    module: str | None
    ocpi_version: str | None
    request_headers: tuple[tuple[str, str], ...]
    request_body: str | None
    response_status: int
    response_headers: tuple[tuple[str, str], ...]
    response_body: str | None
    ocpi_status: int | None
    request_id: str | None
    correlation_id: str | None
    latency_s: float
    error: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_record(self) -> dict[str, Any]:
        """A JSON-ready dict with a fixed key order (the trace line)."""
        return {
            "seq": self.seq,
            "time": format_datetime(self.time, OCPIVersion.V2_2_1),
            "from": self.from_party,
            "to": self.to_party,
            "method": self.method,
            "url": self.url,
            "module": self.module,
            "ocpi_version": self.ocpi_version,
            "http_status": self.response_status,
            "ocpi_status": self.ocpi_status,
            "request_id": self.request_id,
            "correlation_id": self.correlation_id,
            "latency_ms": round(self.latency_s * 1000, 3),
            "request_headers": dict(self.request_headers),
            "request_body": self.request_body,
            "response_headers": dict(self.response_headers),
            "response_body": self.response_body,
            "error": self.error,
            "notes": list(self.notes),
        }
