"""Things that happened in a simulation, as immutable records published on the ``EventBus``.

Every consumer — the JSONL trace, metrics, reports, the GUI — reads these, never the parties'
internals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
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


# --- domain events: what happened in the world and in the parties' books -------------------------
# Published on the same bus as MessageExchanged. Metrics, reports and the GUI read these, never the
# parties' or the world's internals. ``time`` is always the simulated instant.


@dataclass(frozen=True)
class ChargeAttempted:
    """A driver at a charger tries to start charging (``method``: ``rfid`` or ``app``)."""

    time: datetime
    driver: str
    emsp: str
    cpo: str
    location_id: str
    evse_uid: str
    method: str


@dataclass(frozen=True)
class ChargeRefused:
    """A start attempt failed; ``reason`` is a short code (``not_allowed``, ``blocked``, ``unknown_token``,
    ``no_roaming_agreement``, ``cpo_unreachable``, ``command_rejected``, ``command_timeout``,
    ``evse_occupied``, ``evse_broken`` …)."""

    time: datetime
    driver: str
    emsp: str
    cpo: str
    location_id: str
    evse_uid: str
    reason: str


@dataclass(frozen=True)
class ChargeStarted:
    """Energy may flow: a session exists at the CPO."""

    time: datetime
    driver: str
    emsp: str
    cpo: str
    location_id: str
    evse_uid: str
    session_id: str
    method: str
    start_latency_s: float
    """From the start attempt to the session (authorization or command round trip)."""


@dataclass(frozen=True)
class ChargeEnded:
    """The driver unplugged; the session is completed."""

    time: datetime
    driver: str
    cpo: str
    location_id: str
    evse_uid: str
    session_id: str
    kwh: Decimal
    charging_s: float
    parking_s: float


@dataclass(frozen=True)
class DriverQueued:
    """A driver found every suitable EVSE at a location occupied and waits."""

    time: datetime
    driver: str
    cpo: str
    location_id: str


@dataclass(frozen=True)
class DriverGaveUp:
    """A driver who needed to charge gave up (abandonment); ``reason`` says why."""

    time: datetime
    driver: str
    emsp: str
    reason: str


@dataclass(frozen=True)
class AuthorizationDecided:
    """A CPO decided on a token (``allowed`` None: no decision possible)."""

    time: datetime
    cpo: str
    emsp: str | None
    token_uid: str
    allowed: str | None
    method: str
    latency_s: float


@dataclass(frozen=True)
class CommandCompleted:
    """An eMSP's command finished: accepted and carried out, rejected, or timed out."""

    time: datetime
    emsp: str
    cpo: str
    command: str
    response: str | None
    result: str | None
    timed_out: bool
    latency_s: float


@dataclass(frozen=True)
class EVSEStatusChanged:
    """A CPO's EVSE changed status (and the CPO pushes it where it pushes)."""

    time: datetime
    cpo: str
    location_id: str
    evse_uid: str
    status: str


@dataclass(frozen=True)
class CDRIssued:
    """A CPO created a CDR (before delivery)."""

    time: datetime
    cpo: str
    emsp: str
    cdr_id: str
    session_id: str | None
    currency: str
    total_excl: Decimal
    total_incl: Decimal | None
    kwh: Decimal


@dataclass(frozen=True)
class CDRReceived:
    """An eMSP stored a CDR (pushed or pulled)."""

    time: datetime
    emsp: str
    cpo: str
    cdr_id: str
    currency: str
    total_excl: Decimal
    total_incl: Decimal | None


@dataclass(frozen=True)
class CDRReconciled:
    """An eMSP re-priced a received CDR from its own copy of the tariff."""

    time: datetime
    emsp: str
    cpo: str
    cdr_id: str
    cpo_total_excl: Decimal
    emsp_total_excl: Decimal | None
    """None when the eMSP could not price it (tariff unknown to it)."""
    mismatch: bool
    reason: str | None = None


@dataclass(frozen=True)
class FaultChanged:
    """A scenario fault switched on or off."""

    time: datetime
    description: str
    active: bool
