"""``sessions.csv``: one row per charging session, put together from the domain events of a run.

``ChargeStarted`` opens a row (CPO, session id, driver, eMSP, location, EVSE, method, start),
``ChargeEnded`` completes it (end, kWh, charging and parking hours) and the CPO's ``CDRIssued`` for
that session adds the CDR id, currency and cost — the CPO's totals as issued (a CDR without a
VAT-inclusive total, as on 2.1.1, gives incl. = excl., as in the settlement).  Rows are in start
order; a session still running when the run stops has empty end, energy and cost cells.  Times are
OCPI DateTimes (UTC), hours have 6 decimals, kWh and money are written exactly as in the events.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sim.bus import EventBus
from sim.events import CDRIssued, ChargeEnded, ChargeStarted
from sim.ocpi.common import format_datetime

SESSION_COLUMNS = (
    "cpo",
    "session_id",
    "driver",
    "emsp",
    "location_id",
    "evse_uid",
    "method",
    "start",
    "end",
    "kwh",
    "charging_h",
    "parking_h",
    "cdr_id",
    "currency",
    "cost_excl_vat",
    "cost_incl_vat",
)


@dataclass
class _Row:
    started: ChargeStarted | None = None
    ended: ChargeEnded | None = None
    cdr: CDRIssued | None = None


def _exact(value: Decimal | None) -> str:
    return "" if value is None else format(value, "f")


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.6f}"


class SessionLog:
    """Collects the sessions of a run from the bus (subscribe before the run starts)."""

    def __init__(self, bus: EventBus) -> None:
        self._rows: dict[tuple[str, str], _Row] = {}
        bus.subscribe(self._started, ChargeStarted)
        bus.subscribe(self._ended, ChargeEnded)
        bus.subscribe(self._cdr, CDRIssued)

    def _row(self, cpo: str, session_id: str) -> _Row:
        return self._rows.setdefault((cpo, session_id), _Row())

    def _started(self, event: ChargeStarted) -> None:
        self._row(event.cpo, event.session_id).started = event

    def _ended(self, event: ChargeEnded) -> None:
        self._row(event.cpo, event.session_id).ended = event

    def _cdr(self, event: CDRIssued) -> None:
        if event.session_id is not None and (event.cpo, event.session_id) in self._rows:
            self._row(event.cpo, event.session_id).cdr = event

    def __len__(self) -> int:
        return len(self._rows)

    def rows(self) -> list[dict[str, str]]:
        """One dict per session with the ``SESSION_COLUMNS`` as strings, in start order."""
        return [self._render(cpo, session_id, row) for (cpo, session_id), row in self._rows.items()]

    @staticmethod
    def _render(cpo: str, session_id: str, row: _Row) -> dict[str, str]:
        started, ended, cdr = row.started, row.ended, row.cdr
        driver = started.driver if started else ended.driver if ended else ""
        location = started.location_id if started else ended.location_id if ended else ""
        evse = started.evse_uid if started else ended.evse_uid if ended else ""
        incl = None if cdr is None else cdr.total_excl if cdr.total_incl is None else cdr.total_incl
        return {
            "cpo": cpo,
            "session_id": session_id,
            "driver": driver,
            "emsp": started.emsp if started else "",
            "location_id": location,
            "evse_uid": evse,
            "method": started.method if started else "",
            "start": format_datetime(started.time) if started else "",
            "end": format_datetime(ended.time) if ended else "",
            "kwh": _exact(ended.kwh) if ended else "",
            "charging_h": _hours(ended.charging_s) if ended else "",
            "parking_h": _hours(ended.parking_s) if ended else "",
            "cdr_id": cdr.cdr_id if cdr else "",
            "currency": cdr.currency if cdr else "",
            "cost_excl_vat": _exact(cdr.total_excl) if cdr else "",
            "cost_incl_vat": _exact(incl),
        }
