"""The sessions table's data, kept up to date from a running simulation (no Qt).

``SessionBook(simulation)`` holds one ``SessionRow`` per session the CPOs have created, in the order
they appeared.  It changes in two ways, both cheap:

* ``apply(events)`` with each batch of events: new sessions in the CPOs' stores become rows (a
  store keeps creation order, so only its tail is read), ``ChargeStarted`` names the driver,
  ``ChargeEnded`` and ``CDRIssued`` refresh the row, and the CDR's delivery (``CDRReceived``) and
  the eMSP's re-pricing (``CDRReconciled``) are noted on it;
* ``refresh()`` re-reads the rows of running sessions only: status, running cost and charging
  periods from the CPO's stored Session, energy and power from the charge point's meter.

What a row shows: the energy of a running session is the charge point's meter now (the stored
Session's ``kwh`` is only as recent as the last update the CPO sent); once the session has ended it
is the Session's ``kwh``.  The running cost is the Session's ``total_cost`` as the CPO last computed
it (at each session update).  Money stays ``Decimal``; ``format_money`` rounds it for display only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sim.events import CDRIssued, CDRReceived, CDRReconciled, ChargeEnded, ChargeStarted
from sim.ocpi.common import case_fold
from sim.ocpi.v221.sessions import Session, SessionStatus
from sim.parties.platform import Platform
from sim.pricing.timeline import Phase
from sim.world.charging import Charging
from sim.world.world import World

ENDED = frozenset({SessionStatus.COMPLETED.value, SessionStatus.INVALID.value})
"""Session statuses after which nothing live changes any more."""
CENT = Decimal("0.01")

RowKey = tuple[str, str]
"""(CPO platform name, case-folded session id)."""


@dataclass
class SessionRow:
    """One session as the table shows it (fields are refreshed in place)."""

    cpo: str
    session_id: str
    token_uid: str
    emsp: str
    location_id: str
    evse_uid: str
    connector_id: str
    status: str
    start: datetime
    end: datetime | None
    kwh: Decimal
    currency: str
    auth_method: str
    authorization_reference: str | None = None
    power_kw: Decimal | None = None
    """Power now (None once the session has ended)."""
    full: bool = False
    """The car is full (the session goes on, parking)."""
    cost_excl: Decimal | None = None
    cost_incl: Decimal | None = None
    charging_periods: int = 0
    tariff_ids: tuple[str, ...] = ()
    driver: str | None = None
    cdr_id: str | None = None
    cdr_total_excl: Decimal | None = None
    cdr_total_incl: Decimal | None = None
    cdr_kwh: Decimal | None = None
    cdr_received: bool = False
    reconciled: bool = False
    mismatch: bool = False
    mismatch_reason: str | None = None
    emsp_total_excl: Decimal | None = None
    last_updated: datetime | None = None
    """The stored Session's ``last_updated`` (when the running cost was last computed)."""

    @property
    def active(self) -> bool:
        """Whether the session may still change (not COMPLETED or INVALID)."""
        return self.status not in ENDED

    def duration_s(self, now: datetime) -> float:
        """Seconds from the start to the end, or to ``now`` while it runs."""
        return max(0.0, ((self.end or now) - self.start).total_seconds())

    @property
    def reconciliation(self) -> str:
        """What became of the CDR: empty (none yet), ``sent``, ``received``, ``OK`` or ``MISMATCH: …``."""
        if self.mismatch:
            return f"MISMATCH: {self.mismatch_reason or 'totals differ'}"
        if self.reconciled:
            return "OK"
        if self.cdr_received:
            return "received"
        return "sent" if self.cdr_id is not None else ""


@dataclass
class BookChanges:
    """What one ``apply`` or ``refresh`` changed: rows appended (indices) and rows changed in place."""

    inserted: list[int] = field(default_factory=list)
    changed: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.inserted or self.changed)


class SessionBook:
    """Every session of a simulation's CPOs as ``SessionRow``s (see the module docstring)."""

    def __init__(self, simulation: Any) -> None:
        """``simulation``: a ``sim.simulation.Simulation`` (its ``platforms()``, ``world`` and ``clock``)."""
        self.world: World = simulation.world
        self.clock = simulation.clock
        self.cpos: dict[str, Platform] = {p.name: p for p in simulation.platforms() if p.cpo is not None}
        self.rows: list[SessionRow] = []
        self.index: dict[RowKey, int] = {}
        self.active: set[int] = set()
        self._seen: dict[str, int] = dict.fromkeys(self.cpos, 0)
        self._party_of = {name: str(cpo.cpo_data.party) for name, cpo in self.cpos.items()}
        self._cpo_by_party = {party: name for name, party in self._party_of.items()}
        self._by_cdr: dict[tuple[str, str], int] = {}
        self._drivers: dict[RowKey, str] = {}
        self.apply(())
        for name, cpo in self.cpos.items():  # CDRs issued before this book existed
            for cdr in cpo.cpo_data.cdrs.values():
                if cdr.session_id is not None:
                    self._note_cdr(name, cdr.session_id, cdr.id, cdr.total_cost.excl_vat, cdr.total_cost.incl_vat)

    # --- reading --------------------------------------------------------------------------------

    def row(self, cpo: str, session_id: str) -> SessionRow | None:
        """The row of a session, or None."""
        at = self.index.get((cpo, case_fold(session_id)))
        return self.rows[at] if at is not None else None

    def row_index(self, cpo: str, session_id: str) -> int | None:
        """The index of a session's row, or None."""
        return self.index.get((cpo, case_fold(session_id)))

    def now(self) -> datetime:
        """The simulated time now."""
        now: datetime = self.clock.now()
        return now

    # --- changes --------------------------------------------------------------------------------

    def apply(self, events: Iterable[Any]) -> BookChanges:
        """Take in one batch of events (see the module docstring)."""
        changes = BookChanges()
        self._collect_new(changes)
        for event in events:
            if isinstance(event, ChargeStarted):
                key = (event.cpo, case_fold(event.session_id))
                self._drivers[key] = event.driver
                at = self.index.get(key)
                if at is not None:
                    self.rows[at].driver = event.driver
                    changes.changed.add(at)
            elif isinstance(event, ChargeEnded):
                at = self.index.get((event.cpo, case_fold(event.session_id)))
                if at is not None and self._update(at):
                    changes.changed.add(at)
            elif isinstance(event, CDRIssued):
                if event.session_id is not None:
                    at = self._note_cdr(event.cpo, event.session_id, event.cdr_id, event.total_excl, event.total_incl)
                    if at is not None:
                        self._update(at)
                        changes.changed.add(at)
            elif isinstance(event, CDRReceived | CDRReconciled):
                at = self._by_cdr.get((event.cpo, case_fold(event.cdr_id)))
                if at is not None:
                    self._note_delivery(self.rows[at], event)
                    changes.changed.add(at)
        return changes

    def refresh(self) -> BookChanges:
        """Re-read the running sessions (O(running sessions))."""
        changes = BookChanges()
        for at in sorted(self.active):
            if self._update(at):
                changes.changed.add(at)
        return changes

    # --- internals ------------------------------------------------------------------------------

    def _collect_new(self, changes: BookChanges) -> None:
        for name, cpo in self.cpos.items():
            store = cpo.cpo_data.sessions
            if len(store) == self._seen[name]:
                continue
            sessions = store.values()
            fresh = sessions[self._seen[name] :] if len(sessions) > self._seen[name] else sessions
            self._seen[name] = len(sessions)
            for session in fresh:
                key = (name, case_fold(session.id))
                if key in self.index:
                    continue
                self.index[key] = len(self.rows)
                self.rows.append(_row(name, session, self._drivers.get(key)))
                changes.inserted.append(len(self.rows) - 1)
                self.active.add(len(self.rows) - 1)
                self._update(len(self.rows) - 1)

    def _charging(self, row: SessionRow) -> Charging | None:
        point = self.world.sessions.get((row.cpo, case_fold(row.session_id)))
        plug = point.plug if point is not None else None
        if plug is None or plug.charging is None or case_fold(plug.session_id or "") != case_fold(row.session_id):
            return None
        return plug.charging

    def _update(self, at: int) -> bool:
        """Re-read one row from the CPO's store and the charge point; True when anything shown changed."""
        row = self.rows[at]
        cpo = self.cpos[row.cpo]
        session = cpo.cpo_data.sessions.get(cpo.cpo_data.party, row.session_id)
        before = _shown(row)
        metered = row.kwh
        if session is not None:
            _copy_session(row, session)
        charging = self._charging(row) if row.active else None
        if charging is not None:
            row.kwh = charging.kwh
            row.full = charging.phase is Phase.PARKING
            row.power_kw = charging.power_kw if charging.phase is Phase.CHARGING else Decimal(0)
            row.tariff_ids = _merge_ids(row.tariff_ids, (t.id for t in charging.tariffs))
        elif row.active:  # stopped, the final update not stored yet: keep the meter's last reading
            row.kwh = max(metered, row.kwh)
            row.power_kw = Decimal(0)
        else:
            row.power_kw = None
        if not row.active:
            self.active.discard(at)
        # A running session's duration changes on every refresh: the view redraws it then.
        return _shown(row) != before or row.active

    def _note_cdr(
        self, cpo: str, session_id: str, cdr_id: str, total_excl: Decimal, total_incl: Decimal | None
    ) -> int | None:
        at = self.index.get((cpo, case_fold(session_id)))
        if at is None:
            return None
        row = self.rows[at]
        row.cdr_id, row.cdr_total_excl, row.cdr_total_incl = cdr_id, total_excl, total_incl
        self._by_cdr[(self._party_of.get(cpo, cpo), case_fold(cdr_id))] = at
        platform = self.cpos.get(cpo)
        cdr = platform.cpo_data.cdrs.get(platform.cpo_data.party, cdr_id) if platform is not None else None
        if cdr is not None:
            row.cdr_kwh = cdr.total_energy
            row.tariff_ids = _merge_ids(row.tariff_ids, (p.tariff_id for p in cdr.charging_periods))
        return at

    @staticmethod
    def _note_delivery(row: SessionRow, event: CDRReceived | CDRReconciled) -> None:
        if isinstance(event, CDRReceived):
            row.cdr_received = True
            return
        row.cdr_received = True
        row.reconciled = True
        row.mismatch = event.mismatch
        row.mismatch_reason = event.reason
        row.emsp_total_excl = event.emsp_total_excl


def _row(cpo: str, session: Session, driver: str | None) -> SessionRow:
    token = session.cdr_token
    row = SessionRow(
        cpo=cpo,
        session_id=session.id,
        token_uid=token.uid,
        emsp=f"{token.country_code}-{token.party_id}",
        location_id=session.location_id,
        evse_uid=session.evse_uid,
        connector_id=session.connector_id,
        status=session.status.value,
        start=session.start_date_time,
        end=session.end_date_time,
        kwh=session.kwh,
        currency=session.currency,
        auth_method=session.auth_method.value,
        driver=driver,
    )
    _copy_session(row, session)
    return row


def _copy_session(row: SessionRow, session: Session) -> None:
    row.status = session.status.value
    row.start, row.end = session.start_date_time, session.end_date_time
    row.kwh = session.kwh
    row.currency = session.currency
    row.authorization_reference = session.authorization_reference
    row.last_updated = session.last_updated
    cost = session.total_cost
    row.cost_excl = cost.excl_vat if cost is not None else None
    row.cost_incl = cost.incl_vat if cost is not None else None
    periods = session.charging_periods or []
    row.charging_periods = len(periods)
    row.tariff_ids = _merge_ids(row.tariff_ids, (p.tariff_id for p in periods))


def _merge_ids(known: tuple[str, ...], more: Iterable[str | None]) -> tuple[str, ...]:
    ids = list(known)
    for tariff_id in more:
        if tariff_id is not None and tariff_id not in ids:
            ids.append(tariff_id)
    return tuple(ids)


def _shown(row: SessionRow) -> tuple[Any, ...]:
    return (row.status, row.end, row.kwh, row.power_kw, row.cost_excl, row.charging_periods, row.cdr_id, row.full)


# --- texts ------------------------------------------------------------------------------------------


def format_money(currency: str, amount: Decimal | None, places: Decimal = CENT) -> str:
    """``EUR 3.42`` (rounded half-up for display; the amount itself stays exact); empty for None."""
    if amount is None:
        return ""
    return f"{currency} {amount.quantize(places, rounding=ROUND_HALF_UP)}"


def format_kwh(kwh: Decimal) -> str:
    """``12.345`` (three decimals: the meter counts whole Wh)."""
    return f"{kwh:.3f}"


def format_power(kw: Decimal | None) -> str:
    """``11.0`` kW now; empty once the session has ended."""
    return "" if kw is None else f"{kw:.1f}"


def format_duration(seconds: float) -> str:
    """``2:05:09`` (hours:minutes:seconds, hours unbounded)."""
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


__all__ = [
    "ENDED",
    "BookChanges",
    "RowKey",
    "SessionBook",
    "SessionRow",
    "format_duration",
    "format_kwh",
    "format_money",
    "format_power",
]
