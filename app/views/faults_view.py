"""Fault controls: take a party off the network and back, slow a link down, make it answer with
errors or take it down, and the list of faults on right now (manual and scheduled), each removable.

Every change goes through ``FaultActions`` (``self.actions``) and applies at the current simulated
instant; the list refreshes when an action is taken and when a batch carries ``FaultChanged``
(scheduled faults switching on and off).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.bridge import EventBatch
from app.controller import SimController
from app.fault_actions import FaultActions
from sim.events import FaultChanged
from sim.net.live_faults import ActiveFault, ErrorKind

COLUMNS = ("Fault", "Since", "Until", "Source", "")
"""The columns of the active-fault list (the last holds the remove button)."""


class FaultsView(QWidget):
    """Manual fault controls and the active-fault list (see the module docstring)."""

    def __init__(self, controller: SimController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        shared = getattr(controller, "fault_actions", None)  # one set of manual faults per controller
        self.actions: FaultActions = shared if isinstance(shared, FaultActions) else FaultActions(controller, self)
        """The only way this view changes the simulation."""
        self._zone = ZoneInfo("UTC")
        self._pairs: list[tuple[str, str]] = []
        self._faults: list[ActiveFault] = []

        # Party
        self.party_box = QComboBox()
        self.party_state = QLabel()
        self.offline_button = QPushButton("Take offline now")
        self.back_button = QPushButton("Bring back")
        party_group = QGroupBox("Party")
        party_layout = QGridLayout(party_group)
        party_layout.addWidget(self.party_box, 0, 0, 1, 2)
        party_layout.addWidget(self.party_state, 0, 2)
        party_layout.addWidget(self.offline_button, 1, 0)
        party_layout.addWidget(self.back_button, 1, 1)
        party_layout.setColumnStretch(2, 1)

        # Link
        self.link_box = QComboBox()
        self.latency_ms = QSpinBox()
        self.latency_ms.setRange(0, 120_000)
        self.latency_ms.setSingleStep(100)
        self.latency_ms.setValue(2000)
        self.latency_ms.setSuffix(" ms")
        self.latency_ms.setToolTip("One-way: a request and its answer each wait this long (round trip twice).")
        self.latency_button = QPushButton("Apply latency")
        self.error_rate = QDoubleSpinBox()
        self.error_rate.setRange(1, 100)
        self.error_rate.setDecimals(0)
        self.error_rate.setValue(100)
        self.error_rate.setSuffix(" %")
        self.error_kind = QComboBox()
        for kind in ErrorKind:
            self.error_kind.addItem(kind.label, kind)
        self.errors_button = QPushButton("Inject errors")
        self.down_button = QPushButton("Take link down")
        link_group = QGroupBox("Link (both directions)")
        link_layout = QGridLayout(link_group)
        link_layout.addWidget(self.link_box, 0, 0, 1, 4)
        link_layout.addWidget(QLabel("One-way latency"), 1, 0)
        link_layout.addWidget(self.latency_ms, 1, 1)
        link_layout.addWidget(self.latency_button, 1, 3)
        link_layout.addWidget(QLabel("Error answers"), 2, 0)
        link_layout.addWidget(self.error_rate, 2, 1)
        link_layout.addWidget(self.error_kind, 2, 2)
        link_layout.addWidget(self.errors_button, 2, 3)
        link_layout.addWidget(self.down_button, 3, 3)
        link_layout.setColumnStretch(2, 1)

        # Active faults
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.empty_label = QLabel("No fault is on.")
        self.restore_button = QPushButton("Restore all")
        faults_group = QGroupBox("Active faults")
        faults_layout = QVBoxLayout(faults_group)
        faults_layout.addWidget(self.empty_label)
        faults_layout.addWidget(self.table, 1)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.restore_button)
        faults_layout.addLayout(bottom)

        layout = QVBoxLayout(self)
        layout.addWidget(party_group)
        layout.addWidget(link_group)
        layout.addWidget(faults_group, 1)

        self.offline_button.clicked.connect(self._on_offline_clicked)
        self.back_button.clicked.connect(self._on_back_clicked)
        self.latency_button.clicked.connect(self._on_latency_clicked)
        self.errors_button.clicked.connect(self._on_errors_clicked)
        self.down_button.clicked.connect(self._on_down_clicked)
        self.restore_button.clicked.connect(self._on_restore_clicked)
        self.party_box.currentIndexChanged.connect(self._update_party_state)
        self.actions.changed.connect(self.refresh)
        controller.scenario_loaded.connect(self._on_controller_scenario_loaded)
        controller.batch_ready.connect(self._on_controller_batch_ready)
        if controller.simulation is not None:
            self._on_controller_scenario_loaded()
        else:
            self._show_faults([])
            self.setEnabled(False)

    # --- choices ------------------------------------------------------------------------------

    def _on_controller_scenario_loaded(self) -> None:
        """A new simulation: its parties and links, no manual fault, the scheduled ones as they are."""
        self.setEnabled(True)
        self._zone = ZoneInfo(self.controller.sim().scenario.time_zone)
        self.party_box.blockSignals(True)
        self.party_box.clear()
        for choice in self.actions.parties():
            self.party_box.addItem(choice.label, choice.network_name)
        self.party_box.blockSignals(False)
        self._pairs = []
        self._update_links()
        self._show_faults(self.actions.active())
        self._update_party_state()

    def _update_links(self) -> None:
        """Offer the connected pairs; keeps the choice when a new connection appears."""
        pairs = self.actions.links()
        if pairs == self._pairs:
            return
        chosen = self.link_box.currentData()
        self._pairs = pairs
        self.link_box.clear()
        for a, b in pairs:
            self.link_box.addItem(f"{a} ↔ {b}", (a, b))
        if chosen is not None and tuple(chosen) in pairs:
            self.link_box.setCurrentIndex(pairs.index(tuple(chosen)))

    def _on_controller_batch_ready(self, batch: EventBatch) -> None:
        if self.controller.simulation is None:
            return
        if any(isinstance(event, FaultChanged) for event in batch.events):
            self.refresh()
        self._update_links()

    def select_party(self, network_name: str) -> None:
        """Choose a party in the party box (for other views and tests)."""
        self.party_box.setCurrentIndex(self.party_box.findData(network_name))

    def select_link(self, a: str, b: str) -> None:
        """Choose the link between ``a`` and ``b`` in the link box."""
        pair = tuple(sorted((a, b)))
        self.link_box.setCurrentIndex(self._pairs.index(pair))  # type: ignore[arg-type]

    def _party(self) -> str | None:
        data = self.party_box.currentData()
        return str(data) if data is not None else None

    def _link(self) -> tuple[str, str] | None:
        data = self.link_box.currentData()
        return (str(data[0]), str(data[1])) if data is not None else None

    # --- actions ------------------------------------------------------------------------------

    def _on_offline_clicked(self) -> None:
        party = self._party()
        if party is not None:
            self.actions.take_offline(party)

    def _on_back_clicked(self) -> None:
        party = self._party()
        if party is not None:
            self.actions.bring_back(party)

    def _on_latency_clicked(self) -> None:
        link = self._link()
        if link is not None:
            self.actions.set_latency(*link, float(self.latency_ms.value()))

    def _on_errors_clicked(self) -> None:
        link = self._link()
        if link is not None:
            kind = ErrorKind(self.error_kind.currentData())
            self.actions.inject_errors(*link, kind, self.error_rate.value())

    def _on_down_clicked(self) -> None:
        link = self._link()
        if link is not None:
            self.actions.take_link_down(*link)

    def _on_restore_clicked(self) -> None:
        self.actions.restore_all()

    # --- the list -----------------------------------------------------------------------------

    def refresh(self) -> None:
        """Rebuild the active-fault list (a handful of rows) and the party buttons."""
        if self.controller.simulation is None:
            return
        faults = self.actions.active()
        if faults != self._faults or self.table.rowCount() != len(faults):
            self._show_faults(faults)
        self._update_party_state()

    def _show_faults(self, faults: list[ActiveFault]) -> None:
        self._faults = faults
        for row in range(self.table.rowCount()):  # replaced buttons are deleted later: hide them now
            old = self.table.cellWidget(row, len(COLUMNS) - 1)
            if old is not None:
                old.hide()
        self.table.setRowCount(0)
        self.table.setRowCount(len(faults))
        for row, fault in enumerate(self._faults):
            until = self._time(fault.until) if fault.until is not None else "—"
            texts = (fault.description, self._time(fault.since), until, "by hand" if fault.manual else "scenario")
            for column, text in enumerate(texts):
                item = QTableWidgetItem(text)
                item.setToolTip(fault.description)
                self.table.setItem(row, column, item)
            remove = QPushButton("Remove")
            remove.clicked.connect(lambda _=False, key=fault.key: self.actions.remove(key))
            self.table.setCellWidget(row, len(COLUMNS) - 1, remove)
        self.table.setVisible(bool(self._faults))
        self.empty_label.setVisible(not self._faults)
        self.restore_button.setEnabled(bool(self._faults))

    def _update_party_state(self) -> None:
        party = self._party()
        if party is None or self.controller.simulation is None:
            return
        offline = self.actions.is_offline(party)
        by_hand = self.actions.offline_by_hand(party)
        if offline:
            self.party_state.setText("<b style='color:#b00020'>offline</b>")
        elif self.actions.outage_fault_on(party):
            self.party_state.setText("<b style='color:#b00020'>cut off by an outage fault</b>")
        else:
            self.party_state.setText("online")
        self.offline_button.setEnabled(not offline)
        self.back_button.setEnabled(by_hand)

    def fault_rows(self) -> list[tuple[str, str]]:
        """(description, source) of each row of the list, as shown."""
        rows = []
        for row in range(self.table.rowCount()):
            description, source = self.table.item(row, 0), self.table.item(row, 3)
            rows.append((description.text() if description else "", source.text() if source else ""))
        return rows

    def _time(self, moment: datetime) -> str:
        return f"{moment.astimezone(self._zone):%H:%M:%S}"
