"""The sessions view: every charging session of the run, live, with its details below.

Rows come from a ``SessionBook`` (``sim.live.sessions``): each batch appends new sessions and
updates ended ones (O(batch)); the running sessions' energy, power, duration and cost are re-read
at most twice a second (O(running sessions)), with a trailing refresh so the last state is always
shown.  Sorting is by any column (numbers numerically); the filter box matches any cell, the combo
narrows to active, completed or mismatched sessions.  Selecting a row selects the session for every
view (the sequence diagram draws it) and shows its details in the lower pane.
"""

from __future__ import annotations

import html
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.bridge import EventBatch
from app.controller import SimController
from app.models.sessions_model import COLUMNS, ROW_ROLE, STATES, SessionsFilter, SessionsModel
from sim.live.sessions import SessionBook, SessionRow, format_duration, format_kwh, format_power

REFRESH_S = 0.5
"""Running sessions are re-read at most this often (wall seconds)."""
WIDTH_SAMPLES = (
    "SES000000",
    "DEEMA-RFID-000000",
    "NL-XXX",
    "NL-XXX",
    "LOC-0000 / LOC-0000-00",
    "COMPLETED",
    "000.000",
    "000.0 (full)",
    "00:00:00",
    "EUR 000.00",
    "EUR 000.00",
    "MISMATCH: total differs",
)
"""Typical cell texts: the columns' first widths (long ids are elided in the middle)."""


class SessionsView(QWidget):
    """Live sessions table, filter controls and a details pane (see the module docstring)."""

    def __init__(self, controller: SimController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.book: SessionBook | None = None
        self.model = SessionsModel(self)
        self.proxy = SessionsFilter(self)
        self.proxy.setSourceModel(self.model)
        self._zone = ZoneInfo("UTC")
        self._last_refresh = 0.0
        self._selected: tuple[str, str] | None = None

        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText("Filter: session, token, party, location…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._on_filter_text_changed)
        self.state_combo = QComboBox(self)
        for key, text in STATES:
            self.state_combo.addItem(text, key)
        self.state_combo.currentIndexChanged.connect(self._on_state_combo_changed)
        self.count_label = QLabel(self)
        bar = QHBoxLayout()
        bar.addWidget(self.filter_edit, 1)
        bar.addWidget(self.state_combo)
        bar.addWidget(self.count_label)

        self.table = QTableView(self)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        metrics = self.table.fontMetrics()
        for column, (sample, title) in enumerate(zip(WIDTH_SAMPLES, COLUMNS, strict=True)):
            header.resizeSection(column, max(metrics.horizontalAdvance(sample), metrics.horizontalAdvance(title)) + 18)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_changed)
        self.details = QTextBrowser(self)
        self.details.setOpenLinks(False)
        self.details.setPlaceholderText("Select a session to see its details.")
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.splitter, 1)

        self._trailing = QTimer(self)  # the refresh after the last batch of a burst
        self._trailing.setSingleShot(True)
        self._trailing.timeout.connect(self.refresh_live)
        for signal in (
            self.proxy.rowsInserted,
            self.proxy.rowsRemoved,
            self.proxy.modelReset,
            self.proxy.layoutChanged,
        ):
            signal.connect(self._update_count)
        controller.scenario_loaded.connect(self._on_controller_scenario_loaded)
        controller.batch_ready.connect(self._on_controller_batch_ready)
        controller.selection.session_selected.connect(self._on_selection_session_selected)
        if controller.simulation is not None:
            self._on_controller_scenario_loaded()
        self._update_count()

    # --- building and updating ----------------------------------------------------------------

    def _on_controller_scenario_loaded(self) -> None:
        self._trailing.stop()
        simulation = self.controller.sim()
        loaded = self.controller.loaded
        self._zone = ZoneInfo(loaded.scenario.time_zone) if loaded is not None else ZoneInfo("UTC")
        self.book = SessionBook(simulation)
        self.model.set_book(self.book)
        self._selected = None
        self.details.clear()
        self._update_count()

    def _on_controller_batch_ready(self, batch: EventBatch) -> None:
        if self.book is None:
            return
        changes = self.book.apply(batch.events)
        self.model.apply(changes)
        wait = REFRESH_S - (time.perf_counter() - self._last_refresh)
        if wait <= 0:
            self.refresh_live()
        elif not self._trailing.isActive():
            self._trailing.start(int(wait * 1000) + 1)
        if self._selected is not None and any(self._is_selected(i) for i in changes.changed):
            self._show_details()

    def refresh_live(self) -> None:
        """Re-read the running sessions now (the throttled part of an update)."""
        self._trailing.stop()
        self._last_refresh = time.perf_counter()
        if self.book is None:
            return
        changes = self.book.refresh()
        self.model.apply(changes)
        if self._selected is not None and any(self._is_selected(i) for i in changes.changed):
            self._show_details()

    def _is_selected(self, index: int) -> bool:
        assert self.book is not None and self._selected is not None
        return self.book.row_index(*self._selected) == index

    def _update_count(self) -> None:
        total = self.model.rowCount()
        shown = self.proxy.rowCount()
        self.count_label.setText(f"{shown} of {total} sessions" if shown != total else f"{total} sessions")

    # --- filter -------------------------------------------------------------------------------

    def _on_filter_text_changed(self, text: str) -> None:
        self.proxy.set_text(text)
        self._update_count()

    def _on_state_combo_changed(self, _index: int) -> None:
        self.proxy.set_state(str(self.state_combo.currentData()))
        self._update_count()

    # --- selection ----------------------------------------------------------------------------

    def _on_table_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = current.data(ROW_ROLE) if current.isValid() else None
        if not isinstance(row, SessionRow):
            return
        key = (row.cpo, row.session_id)
        if key == self._selected:
            return
        self._selected = key
        self._show_details()
        self.controller.selection.select_session(row.cpo, row.session_id)

    def _on_selection_session_selected(self, cpo: str, session_id: str) -> None:
        """Another view selected a session: select its row (without selecting it again)."""
        if self.book is None or (cpo, session_id) == self._selected:
            return
        at = self.book.row_index(cpo, session_id)
        if at is None or at >= self.model.rowCount():
            return
        self._selected = (cpo, session_id)
        index = self.proxy.mapFromSource(self.model.index(at, 0))
        if index.isValid():
            flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
            self.table.selectionModel().setCurrentIndex(index, flags)
            self.table.scrollTo(index)
        self._show_details()

    def select_row(self, proxy_row: int) -> None:
        """Select a row of the table as shown (what a click does)."""
        self.table.selectRow(proxy_row)

    def selected_row(self) -> SessionRow | None:
        """The session whose details are shown."""
        return self.book.row(*self._selected) if self.book is not None and self._selected is not None else None

    # --- details ------------------------------------------------------------------------------

    def _show_details(self) -> None:
        row = self.selected_row()
        if row is None or self.book is None:
            self.details.clear()
            return
        self.details.setHtml(details_html(row, self.book.now(), self._zone))

    def details_text(self) -> str:
        """The details pane as plain text (what a reader sees)."""
        return self.details.toPlainText()


def details_html(row: SessionRow, now: datetime, zone: ZoneInfo) -> str:
    """The details pane of one session: its fields, periods, tariffs, CDR and reconciliation."""

    def when(moment: datetime | None) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if moment is not None else "—"

    def money(amount: object) -> str:
        return f"{row.currency} {amount}" if amount is not None else "—"

    fields: list[tuple[str, str]] = [
        ("Session", f"{row.cpo} / {row.session_id}"),
        ("Status", row.status + (" (car full, parking)" if row.full and row.active else "")),
        ("Token", f"{row.token_uid} ({row.emsp})"),
        ("Driver", row.driver or "—"),
        (
            "Authorization",
            row.auth_method + (f", reference {row.authorization_reference}" if row.authorization_reference else ""),
        ),
        ("Location / EVSE / connector", f"{row.location_id} / {row.evse_uid} / {row.connector_id}"),
        ("Start", when(row.start)),
        ("End", when(row.end)),
        ("Duration", format_duration(row.duration_s(now))),
        (
            "Energy",
            f"{format_kwh(row.kwh)} kWh"
            + (f", {format_power(row.power_kw)} kW now" if row.power_kw is not None else ""),
        ),
        (
            "Running cost",
            f"{money(row.cost_excl)} excl. VAT, {money(row.cost_incl)} incl. VAT (updated {when(row.last_updated)})",
        ),
        ("Charging periods", str(row.charging_periods)),
        ("Tariffs", ", ".join(row.tariff_ids) or "—"),
    ]
    if row.cdr_id is not None:
        delivery = (
            "reconciled by the eMSP"
            if row.reconciled
            else "received by the eMSP"
            if row.cdr_received
            else "not yet received"
        )
        fields += [
            ("CDR", f"{row.cdr_id}: {money(row.cdr_total_excl)} excl. VAT, {money(row.cdr_total_incl)} incl. VAT"),
            ("CDR delivery", delivery),
        ]
        if row.reconciled:
            verdict = f"MISMATCH — {row.mismatch_reason}" if row.mismatch else "totals agree"
            fields.append(("eMSP's price", f"{money(row.emsp_total_excl)} excl. VAT: {verdict}"))
    else:
        fields.append(("CDR", "not issued yet"))
    half = (len(fields) + 1) // 2
    pairs = [(fields[i], fields[i + half] if i + half < len(fields) else None) for i in range(half)]
    label = "<td style='color:#555;padding-right:10px'>{}</td><td style='padding-right:24px'>{}</td>"
    cells = "".join(
        "<tr>"
        + label.format(html.escape(left[0]), html.escape(left[1]))
        + (label.format(html.escape(right[0]), html.escape(right[1])) if right is not None else "")
        + "</tr>"
        for left, right in pairs
    )
    return f"<table cellspacing='0' cellpadding='2'>{cells}</table>"
