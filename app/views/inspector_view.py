"""The message inspector: every OCPI exchange of the run, filterable, with each one explained.

The table (``MessagesModel`` behind a ``MessageFilter``) grows by one batch per tick and follows the
newest message unless the user scrolled up or selected a row.  Filters: modules (a menu of check
boxes), party (sender or receiver), status, a wildcard search over path and bodies, and "hide
messages like this" rules from the row menu.  Selecting a row shows its plain-language explanation
(``sim.explain``), the validation of both bodies against the OCPI models (``sim.explain_checks``,
the checks of ``roamsim ocpi validate``), the error and notes of the exchange, and the request and
response as they went over the wire with pretty-printed JSON.  The selection is shared: picking a row
tells ``controller.selection``; an exchange selected elsewhere (the sequence diagram) is selected
here, clearing whichever filters hid it.
"""

from __future__ import annotations

from html import escape
from zoneinfo import ZoneInfo

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPoint, Qt, QTimer
from PySide6.QtGui import QAction, QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QSplitter,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.bridge import EventBatch
from app.controller import SimController
from app.models.messages_model import COLUMNS, MessageFilter, MessagesModel, Status
from sim.events import MessageExchanged
from sim.explain import explain
from sim.explain_checks import check_bodies
from sim.ocpi.wirejson import dumps, loads

MODULES: tuple[str | None, ...] = (
    "versions",
    "credentials",
    "locations",
    "sessions",
    "cdrs",
    "tariffs",
    "tokens",
    "commands",
    "chargingprofiles",
    "hubclientinfo",
    None,
)
"""The module filter's choices; None = exchanges without a module (an unknown path)."""
SEARCH_DELAY_MS = 300
"""Typing pauses this long before the search runs (it reads every body)."""
COLUMN_WIDTHS = (52, 130, 128, 58, 104, 42, 44, 60, 300)


def pretty_body(body: str | None) -> str:
    """A JSON body indented (numbers exactly as sent), anything else as it is."""
    if not body:
        return "(no body)"
    try:
        return dumps(loads(body), indent=2)
    except ValueError:
        return body


def request_text(event: MessageExchanged) -> str:
    """Request line, headers and pretty body."""
    headers = "\n".join(f"{name}: {value}" for name, value in event.request_headers)
    return f"{event.method} {event.url}\n{headers}\n\n{pretty_body(event.request_body)}"


def response_text(event: MessageExchanged) -> str:
    """Status line, headers and pretty body (or why there was no answer)."""
    latency = f"(after {event.latency_s * 1000:.0f} ms)"
    if event.response_status == 0:
        return f"No answer {latency}: {event.error}"
    headers = "\n".join(f"{name}: {value}" for name, value in event.response_headers)
    return f"HTTP {event.response_status} {latency}\n{headers}\n\n{pretty_body(event.response_body)}"


class InspectorView(QWidget):
    """Every exchange of the run with filters and an explained detail pane (see the module docstring)."""

    def __init__(self, controller: SimController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.model = MessagesModel(self)
        self.proxy = MessageFilter(self.model, self)
        self.roles: dict[str, str] = {}
        self.current_seq: int | None = None
        self._build_filters()
        self._build_table()
        self._build_details()
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([640, 360])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(self.filter_bar)
        layout.addWidget(splitter, 1)
        controller.scenario_loaded.connect(self._on_controller_scenario_loaded)
        controller.batch_ready.connect(self._on_controller_batch_ready)
        controller.selection.exchange_selected.connect(self._on_selection_exchange_selected)
        if controller.simulation is not None:
            self._on_controller_scenario_loaded()

    # --- building -------------------------------------------------------------------------------

    def _build_filters(self) -> None:
        self.module_button = QToolButton(self)
        self.module_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.module_button)
        menu.addAction("All modules", lambda: self.set_modules(None))
        menu.addSeparator()
        self.module_actions: dict[str | None, QAction] = {}
        for module in MODULES:
            action = menu.addAction(module or "(no module)")
            action.setCheckable(True)
            action.setChecked(True)
            action.toggled.connect(self._on_module_toggled)
            self.module_actions[module] = action
        self.module_button.setMenu(menu)
        self.party_combo = QComboBox(self)
        self.party_combo.setToolTip("Only exchanges this party sent or received")
        self.party_combo.currentIndexChanged.connect(self._on_party_combo_changed)
        self.status_combo = QComboBox(self)
        for status in Status:
            self.status_combo.addItem(status.value if status is not Status.ALL else "all statuses", status)
        self.status_combo.currentIndexChanged.connect(self._on_status_combo_changed)
        self.search_edit = QLineEdit(self)
        self.search_edit.setPlaceholderText("Search path and bodies (* and ? wildcards)")
        self.search_edit.setClearButtonEnabled(True)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_search)
        self.search_edit.textChanged.connect(lambda _text: self._search_timer.start())
        self.hidden_label = QLabel(self)
        self.reset_hidden_button = QToolButton(self)
        self.reset_hidden_button.setText("Show hidden")
        self.reset_hidden_button.clicked.connect(self.reset_hidden)
        self.count_label = QLabel(self)
        bar = QHBoxLayout()
        widgets: list[QWidget] = [self.module_button, self.party_combo, self.status_combo, self.search_edit]
        widgets += [self.hidden_label, self.reset_hidden_button, self.count_label]
        for widget in widgets:
            bar.addWidget(widget, 1 if widget is self.search_edit else 0)
        self.filter_bar = bar
        self._update_module_button()
        self._update_hidden()

    def _build_table(self) -> None:
        table = QTableView(self)
        table.setModel(self.proxy)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setWordWrap(False)
        table.setAlternatingRowColors(True)
        vertical = table.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # no per-row measuring on 60k rows
        vertical.setDefaultSectionSize(table.fontMetrics().height() + 6)
        header = table.horizontalHeader()
        for column, width in enumerate(COLUMN_WIDTHS[: len(COLUMNS)]):
            table.setColumnWidth(column, width)
        header.setStretchLastSection(True)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._on_table_context_menu)
        table.selectionModel().currentRowChanged.connect(self._on_table_current_row_changed)
        self.table = table

    def _build_details(self) -> None:
        fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.explanation = QTextBrowser(self)
        self.explanation.setOpenLinks(False)
        self.request_edit = QPlainTextEdit(self)
        self.response_edit = QPlainTextEdit(self)
        for edit in (self.request_edit, self.response_edit):
            edit.setReadOnly(True)
            edit.setFont(fixed)
            edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.request_edit, "Request")
        self.tabs.addTab(self.response_edit, "Response")
        details = QSplitter(Qt.Orientation.Vertical, self)
        details.addWidget(self.explanation)
        details.addWidget(self.tabs)
        details.setStretchFactor(0, 1)
        details.setStretchFactor(1, 1)
        details.setSizes([300, 300])
        self.details = details
        self.show_exchange(None)

    # --- filters --------------------------------------------------------------------------------

    def set_modules(self, modules: set[str | None] | None) -> None:
        """Show only these modules (None: all) and tick the menu to match."""
        for module, action in self.module_actions.items():
            action.blockSignals(True)
            action.setChecked(modules is None or module in modules)
            action.blockSignals(False)
        self._on_module_toggled()

    def _on_module_toggled(self, _checked: bool = False) -> None:
        chosen = {m for m, action in self.module_actions.items() if action.isChecked()}
        self.proxy.set_modules(None if len(chosen) == len(self.module_actions) else chosen)
        self._update_module_button()
        self._update_counts()

    def _update_module_button(self) -> None:
        chosen = [m for m, action in self.module_actions.items() if action.isChecked()]
        if len(chosen) == len(self.module_actions):
            text = "Modules: all"
        elif len(chosen) == 1:
            text = f"Module: {chosen[0] or '(none)'}"
        else:
            text = f"Modules: {len(chosen)} of {len(self.module_actions)}"
        self.module_button.setText(text)

    def _on_party_combo_changed(self, _index: int) -> None:
        self.proxy.set_party(self.party_combo.currentData())
        self._update_counts()

    def _on_status_combo_changed(self, _index: int) -> None:
        self.proxy.set_status(Status(self.status_combo.currentData()))
        self._update_counts()

    def set_party(self, party: str | None) -> None:
        """Show only exchanges of ``party`` (None: every party)."""
        index = self.party_combo.findData(party)
        self.party_combo.setCurrentIndex(max(index, 0))

    def set_status(self, status: Status) -> None:
        """Show all, OK, HTTP-error or OCPI-error exchanges."""
        self.status_combo.setCurrentIndex(self.status_combo.findData(status))

    def apply_search(self) -> None:
        """Run the search typed so far now (typing waits ``SEARCH_DELAY_MS`` first)."""
        self._search_timer.stop()
        self.proxy.set_search(self.search_edit.text())
        self._update_counts()

    def hide_like(self, source_row: int) -> None:
        """Hide every exchange with this row's method, module and path pattern."""
        self.proxy.hide_like(source_row)
        self._update_hidden()
        self._update_counts()

    def reset_hidden(self) -> None:
        """Show every hidden exchange again."""
        self.proxy.reset_hidden()
        self._update_hidden()
        self._update_counts()

    def _update_hidden(self) -> None:
        count = len(self.proxy.hidden)
        self.hidden_label.setText(f"hidden: {count} rule{'s' if count != 1 else ''}")
        self.hidden_label.setToolTip("\n".join(f"{m} {mod} {p}" for m, mod, p in self.proxy.hidden))
        self.reset_hidden_button.setEnabled(bool(count))

    def _update_counts(self) -> None:
        self.count_label.setText(f"{self.proxy.rowCount():,} of {self.model.rowCount():,} messages")

    def visible_exchanges(self) -> list[MessageExchanged]:
        """The exchanges the table shows, top to bottom."""
        rows = (self.proxy.mapToSource(self.proxy.index(r, 0)).row() for r in range(self.proxy.rowCount()))
        return [self.model.exchange(row) for row in rows]

    # --- controller signals ---------------------------------------------------------------------

    def _on_controller_scenario_loaded(self) -> None:
        loaded, bridge = self.controller.loaded, self.controller.bridge
        if loaded is None or bridge is None:
            return
        self.roles = {spec.id: spec.role.value for spec in loaded.scenario.parties}
        self.model.reset(bridge.exchanges, ZoneInfo(loaded.scenario.time_zone))
        party = self.party_combo.currentData()
        self.party_combo.blockSignals(True)
        self.party_combo.clear()
        self.party_combo.addItem("all parties", None)
        for party_id in sorted(self.roles):
            self.party_combo.addItem(party_id, party_id)
        self.party_combo.setCurrentIndex(max(self.party_combo.findData(party), 0))
        self.party_combo.blockSignals(False)
        self.proxy.set_party(self.party_combo.currentData())
        self.show_exchange(None)
        self._update_counts()

    def _on_controller_batch_ready(self, batch: EventBatch) -> None:
        if not batch.exchanges:
            return
        bar = self.table.verticalScrollBar()
        follow = not self.table.selectionModel().hasSelection() and bar.value() >= bar.maximum() - 2
        if self.model.append(batch.exchanges) and follow:
            self.table.scrollToBottom()
        self._update_counts()

    # --- selection ------------------------------------------------------------------------------

    def _on_table_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        event = self.model.exchange(self.proxy.mapToSource(current).row())
        if event.seq == self.current_seq:
            return
        self.show_exchange(event)
        self.controller.selection.select_exchange(event.seq)

    def _on_selection_exchange_selected(self, seq: int) -> None:
        if seq != self.current_seq:
            self.select_seq(seq)

    def select_seq(self, seq: int) -> bool:
        """Select and scroll to an exchange, clearing the filters that hide it; False if unknown."""
        row = self.model.row_of(seq)
        if row is None:
            return False
        self._clear_filters_hiding(row)
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        self.show_exchange(self.model.exchange(row))
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        return True

    def _clear_filters_hiding(self, row: int) -> None:
        reasons = self.proxy.rejections(row)
        if "module" in reasons:
            self.set_modules(None)
        if "party" in reasons:
            self.set_party(None)
        if "status" in reasons:
            self.set_status(Status.ALL)
        if "search" in reasons:
            self.search_edit.clear()
            self.apply_search()
        if "hidden" in reasons:
            rule = self.model.hide_rule(row)
            self.proxy.beginFilterChange()
            self.proxy.hidden.remove(rule)
            self.proxy.endFilterChange()
            self._update_hidden()
            self._update_counts()

    # --- details --------------------------------------------------------------------------------

    def show_exchange(self, event: MessageExchanged | None) -> None:
        """Fill the detail pane with one exchange (None: a hint)."""
        self.current_seq = None if event is None else event.seq
        if event is None:
            self.explanation.setHtml("<p><i>Select a message to see what it means.</i></p>")
            self.request_edit.setPlainText("")
            self.response_edit.setPlainText("")
            return
        local = event.time.astimezone(self.model.zone)
        title = (
            f"#{event.seq} · {local:%Y-%m-%d %H:%M:%S} · {event.from_party} → {event.to_party} · "
            f"{event.method} {event.module or ''} · OCPI {event.ocpi_version or '?'}"
        )
        explained = explain(event, self.roles)
        paragraphs = [f"<p><b>{escape(title)}</b></p>"]
        paragraphs += [
            f"<p>{escape(part)}</p>" for part in (explained.what, explained.routing, explained.answer) if part
        ]
        checks = check_bodies(event)
        if event.error:
            checks.append(f"Error: {event.error}")
        checks += [f"Note: {note}" for note in event.notes]
        paragraphs.append("<p style='color:#455a64'>" + "<br>".join(escape(c) for c in checks) + "</p>")
        self.explanation.setHtml("".join(paragraphs))
        self.request_edit.setPlainText(request_text(event))
        self.response_edit.setPlainText(response_text(event))

    def detail_text(self) -> str:
        """The explanation pane as plain text (what the user reads)."""
        return self.explanation.toPlainText()

    # --- the row menu ---------------------------------------------------------------------------

    def _on_table_context_menu(self, position: QPoint) -> None:
        index = self.table.indexAt(position)
        if not index.isValid():
            return
        row = self.proxy.mapToSource(index).row()
        event = self.model.exchange(row)
        method, module, pattern = self.model.hide_rule(row)
        menu = QMenu(self)
        menu.addAction(f"Hide messages like this ({method} {module or ''} {pattern})", lambda: self.hide_like(row))
        if event.correlation_id:
            correlation = event.correlation_id
            menu.addAction(
                "Show this correlation's flow", lambda: self.controller.selection.select_correlation(correlation)
            )
        menu.exec(self.table.viewport().mapToGlobal(position))
