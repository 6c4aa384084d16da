"""What the metrics remember of the events: compact records in arrival order (= simulated-time order).

``Records.handle`` is the one bus subscriber; everything else in ``sim.metrics`` computes from these
records, so a summary, a time series or a settlement can be asked for at any moment of a run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from sim.events import (
    AuthorizationDecided,
    CDRIssued,
    CDRReceived,
    CDRReconciled,
    ChargeAttempted,
    ChargeEnded,
    ChargeRefused,
    ChargeStarted,
    CommandCompleted,
    DriverGaveUp,
    DriverQueued,
    EVSEStatusChanged,
    FaultChanged,
    MessageExchanged,
)
from sim.metrics.latestarts import LateStarts

LocationKey = tuple[str, str]
"""(cpo, location_id)."""
CDRKey = tuple[str, str]
"""(cpo, cdr_id): a CDR id is unique per CPO."""
SessionKey = tuple[str, str]
"""(cpo, session_id): session ids are unique per CPO only (two CPOs may both have ``SES000001``)."""

ACCEPTED = "ACCEPTED"
TIMEOUT = "TIMEOUT"
MODULES = frozenset(
    {"cdrs", "chargingprofiles", "commands", "credentials", "hubclientinfo", "locations", "sessions", "tariffs"}
    | {"tokens", "versions"}
)


@dataclass
class SessionRecord:
    """One session from ``ChargeStarted`` (and, once unplugged, ``ChargeEnded``); times in run seconds."""

    cpo: str
    location_id: str
    evse_uid: str
    session_id: str
    driver: str
    started_s: float
    ended_s: float | None = None
    kwh: Decimal | None = None
    charging_s: float = 0.0
    parking_s: float = 0.0


def command_outcome(event: CommandCompleted) -> str:
    """``timed_out`` (no result in time, or result TIMEOUT), ``accepted`` (response and result ACCEPTED),
    ``rejected`` (the CPO or charger said no) or ``failed`` (no usable answer: CPO unreachable, error)."""
    if event.timed_out or event.result == TIMEOUT:
        return "timed_out"
    if event.response == ACCEPTED and event.result == ACCEPTED:
        return "accepted"
    if (event.response is not None and event.response != ACCEPTED) or event.result is not None:
        return "rejected"
    return "failed"


def module_of(event: MessageExchanged) -> str:
    """The OCPI module of an exchange; from the URL when the receiver never answered (no label)."""
    if event.module:
        return event.module
    segments = [s for s in urlsplit(event.url).path.split("/") if s]
    for segment in segments:
        if segment in MODULES:
            return segment
    # ``/ocpi/2.2.1`` (version details) carries no module name.
    return "versions" if segments[:1] == ["ocpi"] and len(segments) <= 2 else "unknown"


def is_error(event: MessageExchanged) -> bool:
    """No answer, an HTTP status outside 2xx, an OCPI status outside 1xxx, or a transport error."""
    if event.error is not None or not 200 <= event.response_status <= 299:
        return True
    return event.ocpi_status is not None and not 1000 <= event.ocpi_status <= 1999


class Records:
    """The raw material of every KPI; fed by ``handle`` with each bus event."""

    def __init__(self, start: datetime, late_start_window_s: float) -> None:
        self.start = start
        self.cpos: dict[str, None] = {}
        self.emsps: dict[str, None] = {}
        self.evses_seen: dict[LocationKey, dict[str, None]] = {}
        # sessions
        self.attempts_by_method: Counter[str] = Counter()
        self.drivers_needing: dict[str, None] = {}
        self.refusals: Counter[str] = Counter()
        self.refusal_times: list[float] = []
        self.sessions: dict[SessionKey, SessionRecord] = {}
        self.start_times: list[float] = []
        self.end_times: list[float] = []
        self.start_latencies_s: list[float] = []
        # authorization and commands
        self.auth_latencies_s: list[float] = []
        self.auth_allowed: Counter[str] = Counter()
        self.auth_methods: Counter[str] = Counter()
        self.command_outcomes: Counter[str] = Counter()
        self.command_types: Counter[str] = Counter()
        self.command_latencies_s: list[float] = []
        self.late_starts = LateStarts(late_start_window_s)
        # queueing and abandonment
        self.queued = 0
        self.gave_up_times: list[float] = []
        self.gave_up_drivers: dict[str, None] = {}
        self.gave_up_reasons: Counter[str] = Counter()
        # CDRs
        self.issued: dict[CDRKey, tuple[float, CDRIssued]] = {}
        self.issued_duplicates = 0
        self.received: dict[CDRKey, tuple[float, CDRReceived]] = {}
        self.received_duplicates = 0
        self.reconciled = 0
        self.mismatches = 0
        self.unpriced = 0
        # messages
        self.messages = 0
        self.message_latencies_s: list[float] = []
        self.by_module: Counter[str] = Counter()
        self.by_party: Counter[str] = Counter()
        self.by_http: Counter[int] = Counter()
        self.by_ocpi: Counter[str] = Counter()
        self.errors_by_module: Counter[str] = Counter()
        self.errors_by_party: Counter[str] = Counter()
        self.error_times: list[float] = []
        # faults
        self.faults_on: dict[str, float] = {}
        self.fault_intervals: list[tuple[float, float]] = []
        self.faults_activated = 0
        self._dispatch: dict[type, Callable[[Any], None]] = {
            MessageExchanged: self._message,
            ChargeAttempted: self._attempted,
            ChargeRefused: self._refused,
            ChargeStarted: self._started,
            ChargeEnded: self._ended,
            DriverQueued: self._queued,
            DriverGaveUp: self._gave_up,
            AuthorizationDecided: self._authorized,
            CommandCompleted: self._command,
            EVSEStatusChanged: self._evse_status,
            CDRIssued: self._cdr_issued,
            CDRReceived: self._cdr_received,
            CDRReconciled: self._cdr_reconciled,
            FaultChanged: self._fault,
        }

    def handle(self, event: object) -> None:
        """Record ``event`` if it is one the metrics read (anything else is ignored)."""
        handler = self._dispatch.get(type(event))
        if handler is not None:
            handler(event)

    def seconds(self, moment: datetime) -> float:
        """Run seconds of a simulated instant."""
        return (moment - self.start).total_seconds()

    # --- the world ---------------------------------------------------------------------------------

    def _evse(self, cpo: str, location_id: str, evse_uid: str) -> None:
        self.cpos.setdefault(cpo, None)
        self.evses_seen.setdefault((cpo, location_id), {}).setdefault(evse_uid, None)

    def _attempted(self, event: ChargeAttempted) -> None:
        self._evse(event.cpo, event.location_id, event.evse_uid)
        self.emsps.setdefault(event.emsp, None)
        self.attempts_by_method[event.method] += 1
        self.drivers_needing.setdefault(event.driver, None)
        self.late_starts.attempted(event, self.seconds(event.time))

    def _refused(self, event: ChargeRefused) -> None:
        self._evse(event.cpo, event.location_id, event.evse_uid)
        self.emsps.setdefault(event.emsp, None)
        self.refusals[event.reason] += 1
        self.refusal_times.append(self.seconds(event.time))

    def _started(self, event: ChargeStarted) -> None:
        self._evse(event.cpo, event.location_id, event.evse_uid)
        self.emsps.setdefault(event.emsp, None)
        self.drivers_needing.setdefault(event.driver, None)
        at = self.seconds(event.time)
        self.sessions[(event.cpo, event.session_id)] = SessionRecord(
            event.cpo, event.location_id, event.evse_uid, event.session_id, event.driver, at
        )
        self.start_times.append(at)
        self.start_latencies_s.append(event.start_latency_s)
        self.late_starts.started(event, at)

    def _ended(self, event: ChargeEnded) -> None:
        self._evse(event.cpo, event.location_id, event.evse_uid)
        at = self.seconds(event.time)
        record = self.sessions.get((event.cpo, event.session_id))
        if record is None:  # started before the metrics subscribed: rebuild its start from its durations
            begun = at - event.charging_s - event.parking_s
            record = SessionRecord(event.cpo, event.location_id, event.evse_uid, event.session_id, event.driver, begun)
            self.sessions[(event.cpo, event.session_id)] = record
        record.ended_s = at
        record.kwh = event.kwh
        record.charging_s = event.charging_s
        record.parking_s = event.parking_s
        self.end_times.append(at)

    def _queued(self, event: DriverQueued) -> None:
        self.cpos.setdefault(event.cpo, None)
        self.queued += 1
        self.drivers_needing.setdefault(event.driver, None)

    def _gave_up(self, event: DriverGaveUp) -> None:
        self.emsps.setdefault(event.emsp, None)
        self.gave_up_times.append(self.seconds(event.time))
        self.gave_up_drivers.setdefault(event.driver, None)
        self.gave_up_reasons[event.reason] += 1
        self.drivers_needing.setdefault(event.driver, None)

    def _evse_status(self, event: EVSEStatusChanged) -> None:
        self._evse(event.cpo, event.location_id, event.evse_uid)

    # --- the parties' books ------------------------------------------------------------------------

    def _authorized(self, event: AuthorizationDecided) -> None:
        self.cpos.setdefault(event.cpo, None)
        self.auth_latencies_s.append(event.latency_s)
        self.auth_allowed[event.allowed if event.allowed is not None else "undecided"] += 1
        self.auth_methods[event.method] += 1

    def _command(self, event: CommandCompleted) -> None:
        self.cpos.setdefault(event.cpo, None)
        self.emsps.setdefault(event.emsp, None)
        outcome = command_outcome(event)
        self.command_outcomes[outcome] += 1
        self.command_types[event.command] += 1
        self.command_latencies_s.append(event.latency_s)
        self.late_starts.completed(event, self.seconds(event.time), outcome == "timed_out")

    def _cdr_issued(self, event: CDRIssued) -> None:
        self.cpos.setdefault(event.cpo, None)
        self.emsps.setdefault(event.emsp, None)
        key = (event.cpo, event.cdr_id)
        if key in self.issued:
            self.issued_duplicates += 1
        else:
            self.issued[key] = (self.seconds(event.time), event)

    def _cdr_received(self, event: CDRReceived) -> None:
        self.cpos.setdefault(event.cpo, None)
        self.emsps.setdefault(event.emsp, None)
        key = (event.cpo, event.cdr_id)
        if key in self.received:  # pushed and pulled, or a retried push: stored once, counted once
            self.received_duplicates += 1
        else:
            self.received[key] = (self.seconds(event.time), event)

    def _cdr_reconciled(self, event: CDRReconciled) -> None:
        self.reconciled += 1
        self.mismatches += event.mismatch
        self.unpriced += event.emsp_total_excl is None

    def _message(self, event: MessageExchanged) -> None:
        module = module_of(event)
        party = f"{event.from_party}->{event.to_party}"
        self.messages += 1
        self.message_latencies_s.append(event.latency_s)
        self.by_module[module] += 1
        self.by_party[party] += 1
        self.by_http[event.response_status] += 1
        self.by_ocpi[str(event.ocpi_status) if event.ocpi_status is not None else "none"] += 1
        if is_error(event):
            self.errors_by_module[module] += 1
            self.errors_by_party[party] += 1
            self.error_times.append(self.seconds(event.time))

    def _fault(self, event: FaultChanged) -> None:
        at = self.seconds(event.time)
        if event.active and event.description not in self.faults_on:
            self.faults_on[event.description] = at
            self.faults_activated += 1
        elif not event.active and event.description in self.faults_on:
            self.fault_intervals.append((self.faults_on.pop(event.description), at))

    def fault_time(self, until_s: float) -> list[tuple[float, float]]:
        """Every fault's active interval, the ones still on running until ``until_s``."""
        return self.fault_intervals + [(since, max(since, until_s)) for since in self.faults_on.values()]
