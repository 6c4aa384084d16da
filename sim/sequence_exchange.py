"""Trace records as the sequence-diagram code reads them: one ``Exchange`` per JSONL line.

``load_exchanges`` reads a JSONL trace (``sim.trace``) and checks that every line is a trace record;
``Exchange.from_record`` also takes ``MessageExchanged.to_record()`` dicts, so the GUI can build the
same diagrams from live events.  Bodies are parsed lazily (most records are never looked inside).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sim.ocpi.wirejson import loads

REQUIRED_KEYS = ("seq", "time", "from", "to", "method", "url")

CPO_SENT_MODULES = frozenset({"locations", "sessions", "cdrs", "tariffs"})
"""Modules whose Sender interface the CPO hosts (the others' Receiver is the CPO's: tokens, commands,
chargingprofiles)."""
CPO_HOSTED_RECEIVERS = frozenset({"tokens", "commands", "chargingprofiles"})


class TraceUnreadable(ValueError):
    """The trace file is missing, unreadable or not a roamsim JSONL trace (one-line message)."""


def party_name(country_code: object, party_id: object) -> str | None:
    """``NL-CPA`` from ``NL`` and ``CPA`` (the simulator names parties this way)."""
    if isinstance(country_code, str) and isinstance(party_id, str) and country_code and party_id:
        return f"{country_code}-{party_id}"
    return None


def parse_time(text: object) -> datetime | None:
    """An OCPI timestamp (``…Z``, with or without fraction) as an aware datetime; None if not one."""
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _json(text: str | None) -> Any:
    if not text:
        return None
    try:
        return loads(text)
    except ValueError:
        return None


class Exchange:
    """One trace record with the derived views the selection and the renderers need."""

    def __init__(self, record: Mapping[str, Any]) -> None:
        self.record = record
        self.seq: int = int(record["seq"])
        self.time_text: str = str(record["time"])
        time = parse_time(self.time_text)
        if time is None:
            raise ValueError(f"time {self.time_text!r} is not an ISO 8601 timestamp")
        self.time: datetime = time
        self.sender: str = str(record["from"])
        self.receiver: str = str(record["to"])
        self.method: str = str(record["method"])
        self.url: str = str(record["url"])
        parts = urlsplit(self.url)
        self.path: str = parts.path
        self.query: str = parts.query
        self.module: str | None = record.get("module")
        self.version: str | None = record.get("ocpi_version")
        self.http_status: int = int(record.get("http_status") or 0)
        ocpi = record.get("ocpi_status")
        self.ocpi_status: int | None = int(ocpi) if isinstance(ocpi, int) else None
        self.correlation_id: str | None = record.get("correlation_id") or None
        headers = record.get("request_headers") or {}
        self.request_headers: Mapping[str, str] = {str(k).lower(): str(v) for k, v in headers.items()}
        self.request_body: str | None = record.get("request_body")
        self.response_body: str | None = record.get("response_body")
        self.error: str | None = record.get("error")
        self.notes: tuple[str, ...] = tuple(str(n) for n in record.get("notes") or ())

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Exchange:
        """An exchange from a trace record dict (a JSONL line or ``MessageExchanged.to_record()``)."""
        return cls(record)

    def __repr__(self) -> str:
        return f"Exchange({self.seq} {self.sender}->{self.receiver} {self.method} {self.path})"

    # --- addressing -------------------------------------------------------------------------------

    @cached_property
    def origin(self) -> str:
        """The party the request speaks for: ``OCPI-from-*`` when present, else the sender."""
        h = self.request_headers
        return party_name(h.get("ocpi-from-country-code"), h.get("ocpi-from-party-id")) or self.sender

    @cached_property
    def destination(self) -> str:
        """The party the request is meant for: ``OCPI-to-*`` when present, else the receiver."""
        h = self.request_headers
        return party_name(h.get("ocpi-to-country-code"), h.get("ocpi-to-party-id")) or self.receiver

    @cached_property
    def segments(self) -> tuple[str, ...]:
        """Path segments after ``/ocpi/<version>``: ``('receiver', 'sessions', 'NL', 'CPA', 'S1')``."""
        parts = [p for p in self.path.split("/") if p]
        if len(parts) >= 2 and parts[0] == "ocpi":
            return tuple(parts[2:])
        return tuple(parts)

    @property
    def side(self) -> str | None:
        """``sender`` or ``receiver``: which interface of the module the URL addresses."""
        return self.segments[0] if self.segments and self.segments[0] in ("sender", "receiver") else None

    @property
    def resource(self) -> tuple[str, ...]:
        """The segments after the interface and the module (ids, command type, ``authorize``…)."""
        return self.segments[2:] if self.side is not None else ()

    @property
    def cpo_side(self) -> str | None:
        """The party acting as CPO in this exchange, from the module and interface; None if n/a."""
        if self.side is None or self.module is None:
            return None
        if self.module in CPO_SENT_MODULES:
            return self.destination if self.side == "sender" else self.origin
        if self.module in CPO_HOSTED_RECEIVERS:
            return self.destination if self.side == "receiver" else self.origin
        return None

    @property
    def other_side(self) -> str | None:
        """The counterpart of ``cpo_side`` (an eMSP, or an SCSP for charging profiles)."""
        cpo = self.cpo_side
        if cpo is None:
            return None
        return self.origin if cpo == self.destination else self.destination

    # --- bodies -----------------------------------------------------------------------------------

    @cached_property
    def request_json(self) -> Any:
        """The request body parsed (Decimals for fractions), or None."""
        return _json(self.request_body)

    @cached_property
    def response_data(self) -> Any:
        """``data`` of the response envelope, or None."""
        body = _json(self.response_body)
        return body.get("data") if isinstance(body, dict) else None

    def request_field(self, *path: str) -> Any:
        """A (nested) field of the request body, or None."""
        return dig(self.request_json, *path)

    @property
    def response_url(self) -> str | None:
        """Where the asynchronous result of this request goes: the body's or the query's ``response_url``."""
        in_body = self.request_field("response_url")
        if isinstance(in_body, str):
            return in_body
        in_query = parse_qs(self.query).get("response_url")
        return in_query[0] if in_query else None

    def mentions(self, text: str) -> bool:
        """Cheap pre-check: ``text`` occurs in the URL or a body."""
        return text in self.url or text in (self.request_body or "") or text in (self.response_body or "")


def dig(value: Any, *path: str) -> Any:
    """``value[p0][p1]…`` through dicts; None where a step is missing."""
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def exchanges_from_records(records: Iterable[Mapping[str, Any]]) -> list[Exchange]:
    """Exchanges from record dicts, in ``seq`` order."""
    return sorted((Exchange(r) for r in records), key=lambda e: e.seq)


def load_exchanges(path: Path) -> list[Exchange]:
    """Every exchange of a JSONL trace file; ``TraceUnreadable`` with a one-line reason otherwise."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TraceUnreadable(f"{path}: no such file") from None
    except IsADirectoryError:
        raise TraceUnreadable(f"{path}: is a directory, not a trace file") from None
    except UnicodeDecodeError:
        raise TraceUnreadable(f"{path}: not a text file (expected a JSONL trace)") from None
    except OSError as exc:
        raise TraceUnreadable(f"{path}: cannot read: {exc.strerror}") from None
    exchanges = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            raise TraceUnreadable(f"{path}:{number}: not JSON Lines (expected one trace record per line)") from None
        missing = [key for key in REQUIRED_KEYS if not isinstance(record, dict) or key not in record]
        if missing:
            raise TraceUnreadable(f"{path}:{number}: not a trace record (missing {', '.join(missing)})")
        try:
            exchanges.append(Exchange(record))
        except (TypeError, ValueError) as exc:
            raise TraceUnreadable(f"{path}:{number}: not a trace record ({exc})") from None
    if not exchanges:
        raise TraceUnreadable(f"{path}: the trace holds no exchanges")
    exchanges.sort(key=lambda e: e.seq)
    return exchanges
