"""What the map draws over the basemap: a marker per charging location and the drivers on their way.

A ``LocationMarker`` is a pie of its EVSEs' statuses (one slice per status, ``STATUS_COLORS``), sized
by the number of EVSEs, with the count in the middle once it is large enough to read.  It keeps its
pixel size at any zoom (``ItemIgnoresTransformations``).  ``DriversLayer`` paints every driver dot
in one call, so 5,000 drivers cost one item, not 5,000.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsSceneHoverEvent,
    QGraphicsSceneMouseEvent,
    QLabel,
    QStyleOptionGraphicsItem,
    QWidget,
)

from sim.live.locations import CATEGORIES, LocationInfo, StatusCounts, category_of, status_text, tooltip_text

CATEGORY_COLORS: dict[str, QColor] = {
    "charging": QColor("#1f63c6"),
    "blocked": QColor("#79b0e3"),
    "reserved": QColor("#f08c00"),
    "faulted": QColor("#d62f2f"),
    "available": QColor("#2e9e48"),
    "unknown": QColor("#9a9a9a"),
}
"""The colour of each status category (``sim.live.locations.CATEGORIES``)."""
LEGEND: tuple[tuple[str, QColor], ...] = tuple((label, CATEGORY_COLORS[key]) for key, label, _s in CATEGORIES)
DRIVER_COLOR = QColor("#6a1b9a")
SELECTED_COLOR = QColor("#111111")


def legend_label(entries: list[tuple[str, QColor]]) -> QLabel:
    """A legend as one word-wrapped line of coloured squares and names (it wraps in a narrow dock)."""
    html = " &nbsp; ".join(
        f'<span style="color:{color.name()}">&#9632;</span>&nbsp;{text.replace(" ", "&nbsp;")}'
        for text, color in entries
    )
    label = QLabel(html)
    label.setObjectName("legend")
    label.setWordWrap(True)
    label.setStyleSheet("QLabel { font-size: 10px; }")
    return label


def status_color(status: str) -> QColor:
    """The colour of an OCPI EVSE status."""
    return CATEGORY_COLORS[category_of(status)]


def marker_radius(evses: int) -> float:
    """Radius in pixels: grows with the square root of the EVSE count, so area follows the count."""
    return min(16.0, 5.0 + 2.0 * math.sqrt(max(evses, 1)))


class LocationMarker(QGraphicsItem):
    """One location: a pie of EVSE statuses, a tooltip, and a click that selects it."""

    def __init__(
        self, info: LocationInfo, statuses: StatusCounts, position: QPointF, on_click: Callable[[str, str], None]
    ) -> None:
        super().__init__()
        self.info = info
        self.statuses = statuses
        self._on_click = on_click
        self.selected = False
        self.setPos(position)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setZValue(10)
        self.refresh()

    @property
    def key(self) -> tuple[str, str]:
        """(CPO id, location id)."""
        return self.info.cpo, self.info.id

    @property
    def counts(self) -> dict[str, int]:
        """OCPI status → EVSEs in it now."""
        return self.statuses.counts()

    def status_text(self) -> str:
        """``1 CHARGING, 1 AVAILABLE``."""
        return status_text(self.counts)

    def slice_colors(self) -> list[tuple[QColor, int]]:
        """(colour, EVSE count) of each slice, in drawing order."""
        return [(status_color(status), n) for status, n in self.counts.items()]

    def refresh(self) -> None:
        """The statuses changed: new tooltip, repaint."""
        self.setToolTip(tooltip_text(self.info, self.counts))
        self.update()

    def set_selected(self, selected: bool) -> None:
        """Draw (or stop drawing) the selection ring."""
        if selected != self.selected:
            self.selected = selected
            self.setZValue(20 if selected else 10)
            self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        """The pie plus the selection ring."""
        r = marker_radius(self.statuses.total) + 4
        return QRectF(-r, -r, 2 * r, 2 * r)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        """Slices clockwise from 12 o'clock, a white rim, the EVSE count when it fits."""
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        total = self.statuses.total
        r = marker_radius(total)
        box = QRectF(-r, -r, 2 * r, 2 * r)
        painter.setPen(Qt.PenStyle.NoPen)
        start = 90 * 16
        slices = self.slice_colors()
        if len(slices) == 1:
            painter.setBrush(QBrush(slices[0][0]))
            painter.drawEllipse(box)
        else:
            for color, n in slices:
                span = -round(360 * 16 * n / max(total, 1))
                painter.setBrush(QBrush(color))
                painter.drawPie(box, start, span)
                start += span
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(QColor("white"), 1.5))
        painter.drawEllipse(box)
        if self.selected:
            painter.setPen(QPen(SELECTED_COLOR, 2.5))
            painter.drawEllipse(box.adjusted(-3, -3, 3, 3))
        if r >= 9:
            text = str(total)
            font = QFont(painter.font())
            font.setPixelSize(max(7, int(min(r, 2.6 * r / len(text)))))
            font.setBold(True)
            painter.setFont(font)
            painter.setPen(QPen(QColor("white")))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:  # noqa: N802 - Qt's name
        """Raise the marker above its neighbours while the pointer is on it."""
        self.setZValue(30)
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:  # noqa: N802 - Qt's name
        """Back to its place in the stack."""
        self.setZValue(20 if self.selected else 10)
        super().hoverLeaveEvent(event)

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802 - Qt's name
        """A left click selects the location (accepted, so the map does not start panning)."""
        if event.button() is Qt.MouseButton.LeftButton:
            event.accept()
            self._on_click(*self.key)
        else:
            super().mousePressEvent(event)


class DriversLayer(QGraphicsItem):
    """Small dots for the drivers on their way to a charger (positions in scene coordinates)."""

    def __init__(self) -> None:
        super().__init__()
        self.points = QPolygonF()
        self._bounds = QRectF()
        self.names: list[str] = []
        self.setZValue(15)

    def set_points(self, points: list[QPointF], names: list[str]) -> None:
        """Replace the dots (one repaint)."""
        self.prepareGeometryChange()
        self.points = QPolygonF(points)
        self.names = names
        self._bounds = self.points.boundingRect() if points else QRectF()
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        """The dots' box, padded by a dot's radius at the current zoom."""
        views = self.scene().views() if self.scene() is not None else []
        pad = 8.0 / max(views[0].transform().m11(), 1e-9) if views else 0.0
        return self._bounds.adjusted(-pad, -pad, pad, pad)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        """Each dot a 9-pixel disc with a white rim, the same size at any zoom (drawn in pixels)."""
        if self.points.isEmpty():
            return
        at = painter.transform().map(self.points)
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(QColor("white"), 1.5))
        painter.setBrush(QBrush(DRIVER_COLOR))
        for point in at:
            painter.drawEllipse(point, 4.5, 4.5)
        painter.restore()


__all__ = [
    "CATEGORY_COLORS",
    "LEGEND",
    "DriversLayer",
    "LocationMarker",
    "legend_label",
    "marker_radius",
    "status_color",
]
