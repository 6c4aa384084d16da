"""The panel beside the map with the selected location: operator, address, EVSEs with their live
status, each EVSE's connectors (standard, power type, kW, tariff ids) and those tariffs' prices."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.views.map_items import status_color
from sim.live.locations import LocationInfo, connector_text, count_statuses, status_text

PLACEHOLDER = "Click a location on the map to see its EVSEs, connectors and tariffs."


def _swatch(color: QColor) -> QIcon:
    pixmap = QPixmap(10, 10)
    pixmap.fill(color)
    return QIcon(pixmap)


class LocationDetails(QWidget):
    """Details of one location; statuses refresh in place (``set_statuses``)."""

    closed = Signal()
    """The user closed the panel."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.info: LocationInfo | None = None
        self.title = QLabel(PLACEHOLDER)
        self.title.setObjectName("location-title")
        self.title.setWordWrap(True)
        self.summary = QLabel("")
        self.summary.setObjectName("location-summary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.evses = QTreeWidget()
        self.evses.setObjectName("location-evses")
        self.evses.setHeaderLabels(["EVSE / connector", "Status"])
        self.evses.setRootIsDecorated(True)
        header = self.evses.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.tariffs = QLabel("")
        self.tariffs.setObjectName("location-tariffs")
        self.tariffs.setWordWrap(True)
        self.tariffs.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tariffs.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        close = QToolButton()
        close.setText("×")
        close.setToolTip("Close the details")
        close.setAutoRaise(True)
        close.clicked.connect(self.closed)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.evses, 3)
        layout.addWidget(QLabel("<b>Tariffs</b>"))
        layout.addWidget(self.tariffs, 1)
        self._rows: dict[str, QTreeWidgetItem] = {}
        self.clear()

    def clear(self) -> None:
        """Nothing selected."""
        self.info = None
        self._rows.clear()
        self.title.setText(PLACEHOLDER)
        self.summary.setText("")
        self.evses.clear()
        self.tariffs.setText("")

    def show_location(self, info: LocationInfo, statuses: dict[str, str], tariffs: list[tuple[str, list[str]]]) -> None:
        """Fill the panel: ``statuses`` EVSE uid → OCPI status now, ``tariffs`` (id, its prices in words)."""
        self.info = info
        self.title.setText(f"<b>{_escape(info.name)}</b>")
        self.evses.clear()
        self._rows.clear()
        for evse in info.evses:
            row = QTreeWidgetItem([evse.uid, "", "", ""])
            if evse.evse_id:
                row.setToolTip(0, f"EVSE id {evse.evse_id}")
            for connector in evse.connectors:
                ids = ", ".join(connector.tariff_ids) or "none"
                kind, power, kw = connector_text(connector).split(" · ")
                child = QTreeWidgetItem([f"connector {connector.id}\n{kind}\n{power} · {kw}\ntariff {ids}"])
                child.setToolTip(0, child.text(0))
                row.addChild(child)
            self.evses.addTopLevelItem(row)
            for i in range(row.childCount()):
                row.child(i).setFirstColumnSpanned(True)  # one line across the panel, wrapped
            row.setExpanded(True)
            self._rows[evse.uid] = row
        blocks = [f"<b>{_escape(tid)}</b><br>" + "<br>".join(_escape(line) for line in lines) for tid, lines in tariffs]
        self.tariffs.setText("<br><br>".join(blocks) or "No tariff on these connectors.")
        self.set_statuses(statuses)

    def set_statuses(self, statuses: dict[str, str]) -> None:
        """Show each EVSE's status now (only EVSEs of the location shown)."""
        info = self.info
        if info is None:
            return
        for uid, row in self._rows.items():
            status = statuses.get(uid, "UNKNOWN")
            if row.text(1) != status:
                color = status_color(status)
                row.setText(1, status)
                row.setIcon(1, _swatch(color))
                row.setForeground(1, QBrush(color.darker(120)))
        counts = count_statuses(statuses.get(evse.uid, "UNKNOWN") for evse in info.evses)
        self.summary.setText(
            f"Operator: {_escape(info.operator)} ({_escape(info.cpo)})<br>{_escape(info.address)}<br>"
            f"Location id {_escape(info.id)}<br>{len(info.evses)} EVSEs: {_escape(status_text(counts))}"
        )

    def evse_rows(self) -> list[tuple[str, str]]:
        """(EVSE uid, status text) of every EVSE row, top to bottom."""
        rows = []
        for i in range(self.evses.topLevelItemCount()):
            item = self.evses.topLevelItem(i)
            rows.append((item.text(0), item.text(1)))
        return rows


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


__all__ = ["PLACEHOLDER", "LocationDetails"]
