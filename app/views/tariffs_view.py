"""The tariffs view: every CPO's tariffs in plain words, as OCPI JSON, and what a session would cost.

The tree lists each CPO of the scenario with its tariffs (read from the CPO's own store, so a tariff
the CPO changes during the run shows up here).  Selecting a tariff shows it described line by line
(``sim.pricing.describe.describe_tariff``) next to its pretty-printed OCPI 2.2.1 JSON, and a price
preview: start, energy, charging time, parking time and optionally a constant power go through the
same period builder and tariff engine as a simulated session (``preview_session``), and every cost
line and total is shown exactly, excl. and incl. VAT.  Tariffs are re-read on ``scenario_loaded`` and,
while the run goes on, at most every ``REFRESH_S`` seconds when their ids or ``last_updated`` changed.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from decimal import Decimal
from html import escape
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QDateTime, QModelIndex, Qt, QTime, QTimeZone
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.bridge import EventBatch
from app.controller import SimController
from sim.ocpi.common import OCPIVersion
from sim.ocpi.v221.locations import Location
from sim.ocpi.v221.tariffs import Tariff
from sim.ocpi.wirejson import dumps, loads
from sim.pricing.describe import (
    Preview,
    PreviewError,
    SessionSketch,
    as_pricing_tariff,
    describe_tariff,
    money,
    preview_rows,
    preview_session,
    total_rows,
)
from sim.pricing.tariff import TariffError

REFRESH_S = 2.0
"""At most this often (wall time) the CPOs' tariff stores are compared with what is shown."""
LINE_COLUMNS = ("Period start", "Dimension", "Volume", "Billed", "Unit price", "VAT %", "Excl. VAT", "Incl. VAT")
TARIFF_ROLE = Qt.ItemDataRole.UserRole + 1

Signature = tuple[tuple[str, tuple[tuple[str, str], ...]], ...]


class TariffsView(QWidget):
    """Tariffs per CPO, described, as JSON, with a price preview (see the module docstring)."""

    def __init__(self, controller: SimController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.tariffs: dict[tuple[str, str], Tariff] = {}
        """Every tariff shown, by (CPO id, tariff id)."""
        self.time_zones: dict[tuple[str, str], str] = {}
        self.selected: tuple[str, str] | None = None
        self.preview: Preview | None = None
        self._signature: Signature = ()
        self._checked_at = 0.0
        self.tree = QTreeWidget(self)
        self.tree.setHeaderLabels(["Tariff", "In plain words"])
        self.tree.setColumnWidth(0, 110)
        self.tree.currentItemChanged.connect(self._on_tree_current_item_changed)
        self.description = QTextBrowser(self)
        self.json_edit = QPlainTextEdit(self)
        self.json_edit.setReadOnly(True)
        self.json_edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.json_edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        top = QSplitter(Qt.Orientation.Horizontal, self)
        top.addWidget(self.description)
        top.addWidget(self.json_edit)
        details = QSplitter(Qt.Orientation.Vertical, self)
        details.addWidget(top)
        details.addWidget(self._build_preview())
        main = QSplitter(Qt.Orientation.Horizontal, self)
        main.addWidget(self.tree)
        main.addWidget(details)
        details.setSizes([230, 370])
        main.setSizes([240, 660])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(main)
        controller.scenario_loaded.connect(self._on_controller_scenario_loaded)
        controller.batch_ready.connect(self._on_controller_batch_ready)
        if controller.simulation is not None:
            self._on_controller_scenario_loaded()

    # --- the preview form -----------------------------------------------------------------------

    def _build_preview(self) -> QWidget:
        box = QGroupBox("Price preview", self)
        self.start_edit = QDateTimeEdit(self)
        # The fields are wall-clock time in the tariff's zone (``sketch``); the edit keeps them in UTC
        # only so that no daylight-saving rule of the machine running the GUI shifts them.
        self.start_edit.setTimeZone(QTimeZone.utc())
        self.start_edit.setDisplayFormat("ddd yyyy-MM-dd HH:mm")
        self.start_edit.setCalendarPopup(True)
        self.energy_spin = QDoubleSpinBox(self)
        self.energy_spin.setRange(0, 1000)
        self.energy_spin.setDecimals(3)
        self.energy_spin.setSuffix(" kWh")
        self.energy_spin.setValue(20)
        self.charging_spin = _minutes(self, 120)
        self.parking_spin = _minutes(self, 0)
        self.power_spin = QDoubleSpinBox(self)
        self.power_spin.setRange(0, 1000)
        self.power_spin.setDecimals(1)
        self.power_spin.setSuffix(" kW")
        self.power_spin.setSpecialValueText("even over the charging time")
        self.power_spin.setToolTip(
            "Charge at this power until the energy is in, then draw nothing for the rest of the charging time "
            "(the vehicle still counts as charging). Empty: the energy flows evenly."
        )
        self.start_label = QLabel("Plug-in", self)
        left, right = QFormLayout(), QFormLayout()
        left.addRow(self.start_label, self.start_edit)
        left.addRow("Energy", self.energy_spin)
        left.addRow("Power", self.power_spin)
        right.addRow("Charging time", self.charging_spin)
        right.addRow("Then parking", self.parking_spin)
        form = QHBoxLayout()
        form.addLayout(left, 3)
        form.addLayout(right, 2)
        for edit in (self.energy_spin, self.charging_spin, self.parking_spin, self.power_spin):
            edit.valueChanged.connect(self.update_preview)
        self.start_edit.dateTimeChanged.connect(self.update_preview)
        self.lines_table = _table(LINE_COLUMNS, self)
        self.preview_note = QLabel(self)
        self.preview_note.setWordWrap(True)
        layout = QVBoxLayout(box)
        layout.addLayout(form)
        layout.addWidget(self.lines_table, 1)
        layout.addWidget(self.preview_note)
        return box

    def sketch(self) -> SessionSketch:
        """The session the form describes (the start in the tariff's time zone)."""
        zone = ZoneInfo(self.time_zone())
        moment = self.start_edit.dateTime()
        date, clock = moment.date(), moment.time()
        start = datetime(date.year(), date.month(), date.day(), clock.hour(), clock.minute(), tzinfo=zone)
        power = self.power_spin.value()
        return SessionSketch(
            start=start,
            energy_kwh=Decimal(f"{self.energy_spin.value():.{self.energy_spin.decimals()}f}"),
            charging=timedelta(minutes=self.charging_spin.value()),
            parking=timedelta(minutes=self.parking_spin.value()),
            power_kw=Decimal(f"{power:.{self.power_spin.decimals()}f}") if power > 0 else None,
        )

    def time_zone(self) -> str:
        """Where the selected tariff's time restrictions are read: a location using it, else the scenario's."""
        if self.selected in self.time_zones:
            return self.time_zones[self.selected]
        loaded = self.controller.loaded
        return loaded.scenario.time_zone if loaded is not None else "UTC"

    def update_preview(self) -> None:
        """Price the form's session with the selected tariff and fill the tables."""
        self.preview = None
        self.lines_table.setRowCount(0)
        tariff = self.tariffs.get(self.selected) if self.selected else None
        self.start_label.setText(f"Plug-in ({self.time_zone()})")
        if tariff is None:
            self.preview_note.setText("Select a tariff to price a session with it.")
            return
        try:
            priced = as_pricing_tariff(tariff, OCPIVersion.V2_2_1)
            self.preview = preview_session(priced, self.sketch(), time_zone=self.time_zone())
        except (PreviewError, TariffError) as exc:
            self.preview_note.setText(f"Cannot price this: {exc}")
            return
        self._fill(self.preview)
        totals = self.preview.result.totals
        currency = self.preview.result.currency
        text = (
            f"<b>Total {money(_four(totals.cost.excl), currency)} excl. VAT, "
            f"{money(_four(totals.cost.incl), currency)} incl. VAT</b> "
            f"(amounts in {currency})"
        )
        notes = list(self.preview.result.notes)
        if not totals.has_vat:
            notes.append("the tariff states no VAT: incl. VAT equals excl. VAT")
        self.preview_note.setText(text + "".join(f"<br>{escape(n)}" for n in notes))

    def _fill(self, preview: Preview) -> None:
        """One row per cost line, then the cost totals (bold) under the amount columns."""
        lines = preview_rows(preview)
        totals = total_rows(preview)
        table = self.lines_table
        table.setRowCount(len(lines) + len(totals))
        for r, row in enumerate(lines):
            for c, text in enumerate(row):
                table.setItem(r, c, _cell(text, right=c >= 2))
        bold = table.font()
        bold.setBold(True)
        for r, (label, excl, incl) in enumerate(totals, start=len(lines)):
            for c, text in ((0, label), (6, excl), (7, incl)):
                item = _cell(text, right=c > 0)
                item.setFont(bold)
                table.setItem(r, c, item)
            table.setSpan(r, 0, 1, 6)

    def table_rows(self) -> list[tuple[str, ...]]:
        """The preview table as the user reads it, row by row (empty cells as "")."""
        table = self.lines_table
        rows = []
        for r in range(table.rowCount()):
            items = (table.item(r, c) for c in range(table.columnCount()))
            rows.append(tuple(item.text() if item is not None else "" for item in items))
        return rows

    # --- tariffs --------------------------------------------------------------------------------

    def _signature_now(self) -> Signature:
        if self.controller.simulation is None:
            return ()
        return tuple(
            (
                str(platform.cpo.party),
                tuple((t.id, str(t.last_updated)) for t in platform.cpo.tariffs.values()),
            )
            for platform in self.controller.sim().platforms()
            if platform.cpo is not None
        )

    def _on_controller_scenario_loaded(self) -> None:
        self.selected = None
        loaded = self.controller.loaded
        if loaded is not None:
            start = loaded.scenario.start.astimezone(ZoneInfo(loaded.scenario.time_zone))
            self.start_edit.blockSignals(True)
            self.start_edit.setDateTime(
                QDateTime(QDate(start.year, start.month, start.day), QTime(start.hour, start.minute), QTimeZone.utc())
            )
            self.start_edit.blockSignals(False)
        self.refresh()

    def _on_controller_batch_ready(self, _batch: EventBatch) -> None:
        now = time.monotonic()
        if now - self._checked_at < REFRESH_S:
            return
        self._checked_at = now
        if self._signature_now() != self._signature:
            self.refresh()

    def refresh(self) -> None:
        """Re-read every CPO's tariffs and rebuild the tree, keeping the selection."""
        keep = self.selected
        self._signature = self._signature_now()
        self.tariffs.clear()
        self.time_zones.clear()
        self.tree.blockSignals(True)
        self.tree.clear()
        names = {}
        if self.controller.loaded is not None:
            names = {spec.id: spec.name for spec in self.controller.loaded.scenario.parties}
        chosen: QTreeWidgetItem | None = None
        for platform in self.controller.sim().platforms() if self.controller.simulation is not None else []:
            cpo = platform.cpo
            if cpo is None:
                continue
            cpo_id = str(cpo.party)
            tariffs = cpo.tariffs.values()
            count = f"{len(tariffs)} tariff{'s' if len(tariffs) != 1 else ''}"
            top = QTreeWidgetItem(self.tree, [f"{cpo_id} · {names.get(cpo_id) or 'CPO'} · {count}"])
            top.setFirstColumnSpanned(True)
            self._note_time_zones(cpo_id, cpo.locations.values())
            for tariff in tariffs:
                key = (cpo_id, tariff.id)
                self.tariffs[key] = tariff
                lines = _describe(tariff)
                item = QTreeWidgetItem(top, [tariff.id, "; ".join(lines)])
                item.setToolTip(1, "\n".join(lines))
                item.setData(0, TARIFF_ROLE, key)
                if key == keep:
                    chosen = item
            top.setExpanded(True)
        self.tree.blockSignals(False)
        self.select(keep if chosen is not None else None)

    def _note_time_zones(self, cpo_id: str, locations: list[Location]) -> None:
        """Remember, per tariff, the time zone of the first location with a connector naming it."""
        for location in locations:
            for evse in location.evses or []:
                for connector in evse.connectors:
                    for tariff_id in connector.tariff_ids or []:
                        self.time_zones.setdefault((cpo_id, tariff_id), location.time_zone)

    def _on_tree_current_item_changed(self, current: QTreeWidgetItem | None, _previous: object) -> None:
        self.select(_key(current) if current is not None else None)

    def select(self, key: tuple[str, str] | None) -> None:
        """Show one tariff (CPO id, tariff id), or nothing."""
        self.selected = key if key in self.tariffs else None
        self._mark_in_tree(self.selected)
        tariff = self.tariffs.get(self.selected) if self.selected else None
        if tariff is None:
            self.description.setHtml("<p><i>Select a tariff.</i></p>")
            self.json_edit.setPlainText("")
        else:
            wire = loads(tariff.to_json())
            items = "".join(f"<li>{escape(line)}</li>" for line in _describe(tariff))
            alt = "".join(
                f"<p><i>The CPO's own words ({escape(t.get('language', '?'))}): {escape(t.get('text', ''))}</i></p>"
                for t in wire.get("tariff_alt_text") or []
            )
            title = f"{self.selected[1]} · {self.selected[0]} · {wire.get('currency')}"  # type: ignore[index]
            self.description.setHtml(f"<p><b>{escape(title)}</b></p><ul>{items}</ul>{alt}")
            self.json_edit.setPlainText(dumps(wire, indent=2))
        self.update_preview()

    def _mark_in_tree(self, key: tuple[str, str] | None) -> None:
        current = self.tree.currentItem()
        if current is not None and _key(current) == key:
            return
        self.tree.blockSignals(True)
        if key is None:
            self.tree.setCurrentIndex(QModelIndex())
        tops = (self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount()))
        for top in (t for t in tops if t is not None):
            for child in (top.child(i) for i in range(top.childCount())):
                if child is not None and _key(child) == key:
                    self.tree.setCurrentItem(child)
        self.tree.blockSignals(False)

    def described(self) -> dict[tuple[str, str], list[str]]:
        """Each tariff shown with its description lines, by (CPO id, tariff id)."""
        return {key: _describe(tariff) for key, tariff in self.tariffs.items()}


# --- helpers -------------------------------------------------------------------------------------


def _key(item: QTreeWidgetItem) -> tuple[str, str] | None:
    key = item.data(0, TARIFF_ROLE)
    return (str(key[0]), str(key[1])) if key else None


def _describe(tariff: Tariff) -> list[str]:
    try:
        return describe_tariff(tariff)
    except TariffError as exc:
        return [f"cannot be read for pricing: {exc}"]


def _four(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.0001"))


def _minutes(parent: QWidget, value: int) -> QSpinBox:
    spin = QSpinBox(parent)
    spin.setRange(0, 7 * 24 * 60)
    spin.setSuffix(" min")
    spin.setValue(value)
    return spin


def _table(columns: tuple[str, ...], parent: QWidget) -> QTableWidget:
    table = QTableWidget(0, len(columns), parent)
    table.setHorizontalHeaderLabels(list(columns))
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 6)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return table


def _cell(text: str, *, right: bool) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item
