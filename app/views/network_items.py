"""The pieces of the network diagram: party nodes, connection edges and the dots that travel them.

A ``NodeItem`` draws a party by role (hub: purple hexagon, CPO: green rounded square, eMSP: blue
circle, others: orange diamond) with its id and name below.  An ``EdgeItem`` is the line between
two parties with its OCPI version (and, under heavy traffic, its load) in a label at the middle;
offline edges are dashed red, degraded ones dashed orange, and an edge flashes red for a moment
after a failed exchange.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QGraphicsSimpleTextItem, QStyleOptionGraphicsItem, QWidget

from sim.live.network import MODULE_CATEGORIES, Edge, Node

ROLE_COLORS: dict[str, QColor] = {
    "HUB": QColor("#7b3fa0"),
    "CPO": QColor("#2e8b57"),
    "EMSP": QColor("#1f63c6"),
}
OTHER_ROLE_COLOR = QColor("#e07b00")
MODULE_COLORS: dict[str, QColor] = dict(
    zip(
        (key for key, _modules in MODULE_CATEGORIES),
        (
            QColor("#2e9e48"),  # locations
            QColor("#c79a00"),  # tariffs
            QColor("#8e44ad"),  # tokens
            QColor("#1f63c6"),  # sessions
            QColor("#00897b"),  # cdrs
            QColor("#e8590c"),  # commands
            QColor("#6d6d6d"),  # credentials/versions
            QColor("#c2185b"),  # hubclientinfo
            QColor("#5d4037"),  # chargingprofiles
            QColor("#90a4ae"),  # other
        ),
        strict=True,
    )
)
"""The colour of each module category (``sim.live.network.MODULE_CATEGORIES``)."""
ERROR_COLOR = QColor("#d62f2f")
DEGRADED_COLOR = QColor("#e07b00")
EDGE_COLOR = QColor("#7d8793")
NODE_SIZE = 30.0
ROLE_TEXT = {"HUB": "HUB", "CPO": "CPO", "EMSP": "eMSP", "SCSP": "SCSP", "NSP": "NSP"}


def role_color(role: str) -> QColor:
    """The fill of a node of ``role``."""
    return ROLE_COLORS.get(role, OTHER_ROLE_COLOR)


def _shape(role: str, r: float) -> QPainterPath:
    path = QPainterPath()
    if role == "HUB":
        path.addPolygon(QPolygonF([QPointF(r * math.cos(a), r * math.sin(a)) for a in _angles(6, 0.0)]))
        path.closeSubpath()
    elif role == "CPO":
        path.addRoundedRect(QRectF(-r * 0.85, -r * 0.85, r * 1.7, r * 1.7), 4, 4)
    elif role == "EMSP":
        path.addEllipse(QPointF(0, 0), r * 0.9, r * 0.9)
    else:
        path.addPolygon(QPolygonF([QPointF(r * math.cos(a), r * math.sin(a)) for a in _angles(4, math.pi / 2)]))
        path.closeSubpath()
    return path


def _angles(n: int, offset: float) -> list[float]:
    return [offset + 2 * math.pi * i / n for i in range(n)]


class NodeItem(QGraphicsItem):
    """One party: its role's shape with the role inside, id and name centred below on a white box."""

    def __init__(self, node: Node) -> None:
        super().__init__()
        self.node = node
        self._path = _shape(node.role, NODE_SIZE / 2 if node.role != "HUB" else NODE_SIZE * 0.7)
        self.setZValue(10)
        self.setToolTip(f"{node.id} — {node.name}\nrole: {node.role}")
        self.lines = [node.id] if node.name == node.id else [node.id, node.name]
        self._font = QFont()
        self._font.setPixelSize(11)
        metrics = QFontMetricsF(self._font)
        width = max(metrics.horizontalAdvance(line) for line in self.lines) + 8
        top = self._path.boundingRect().bottom() + 3
        self._label_box = QRectF(-width / 2, top, width, metrics.height() * len(self.lines) + 2)

    def label_text(self) -> str:
        """The id and the name, one per line."""
        return "\n".join(self.lines)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        """The shape and the label."""
        return self._path.boundingRect().adjusted(-2, -2, 2, 2).united(self._label_box)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        """The role's shape filled with the role's colour, the role inside, the label below."""
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(QColor("white"), 2))
        painter.setBrush(QBrush(role_color(self.node.role)))
        painter.drawPath(self._path)
        small = QFont(self._font)
        small.setPixelSize(8)
        small.setBold(True)
        painter.setFont(small)
        painter.drawText(self._path.boundingRect(), Qt.AlignmentFlag.AlignCenter, ROLE_TEXT.get(self.node.role, "?"))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(QColor(255, 255, 255, 215)))
        painter.drawRoundedRect(self._label_box, 3, 3)
        painter.setPen(QPen(QColor("#222222")))
        painter.setFont(self._font)
        painter.drawText(self._label_box, Qt.AlignmentFlag.AlignCenter, self.label_text())


class EdgeItem(QGraphicsItem):
    """One connection: the line, its label (version and load), its state."""

    def __init__(self, edge: Edge, a: QPointF, b: QPointF, bend: float = 0.0) -> None:
        super().__init__()
        self.edge = edge
        self.a, self.b = QPointF(a), QPointF(b)
        middle = (self.a + self.b) * 0.5
        direction = self.b - self.a
        length = math.hypot(direction.x(), direction.y()) or 1.0
        self.control = middle + QPointF(-direction.y() / length, direction.x() / length) * bend
        """The control point of the quadratic curve (the middle of the line when ``bend`` is 0)."""
        self._path = QPainterPath(self.a)
        self._path.quadTo(self.control, self.b)
        self.state = "ok"
        self.reasons: tuple[str, ...] = ()
        self.width = 1.5
        self.flashing = False
        self.load_text = ""
        self.setZValue(1)
        self.label = QGraphicsSimpleTextItem("", self)
        font = QFont(self.label.font())
        font.setPixelSize(10)
        self.label.setFont(font)
        self.label.setZValue(2)
        self._update_label()

    def point_at(self, share: float, reverse: bool = False) -> QPointF:
        """The point ``share`` (0…1) of the way from ``a`` to ``b`` (from ``b`` when ``reverse``)."""
        t = 1.0 - share if reverse else share
        return self.a * ((1 - t) ** 2) + self.control * (2 * (1 - t) * t) + self.b * (t**2)

    def label_text(self) -> str:
        """``2.2.1``, plus the load (``12.0/s``) and ``offline`` when they apply."""
        parts = [self.edge.version]
        if self.load_text:
            parts.append(self.load_text)
        if self.state != "ok":
            parts.append(self.state)
        return " · ".join(parts)

    def set_edge(self, edge: Edge) -> None:
        """The connection's version or registration changed."""
        self.edge = edge
        self._update_label()

    def set_state(self, state: str, reasons: tuple[str, ...]) -> None:
        """``ok``, ``degraded`` or ``offline``, with the reasons for the tooltip."""
        if (state, reasons) != (self.state, self.reasons):
            self.state, self.reasons = state, reasons
            self._update_label()
            self.update()

    def set_load(self, rate: float, aggregated: bool) -> None:
        """Line width and label from exchanges per second (shown only in the aggregated mode)."""
        width = 1.5 + min(8.0, 2.0 * math.log1p(rate)) if aggregated else 1.5
        text = f"{rate:.1f}/s" if aggregated else ""
        if width != self.width or text != self.load_text:
            self.width, self.load_text = width, text
            self._update_label()
            self.update()

    def set_flash(self, flashing: bool) -> None:
        """Red for a moment after a failed exchange."""
        if flashing != self.flashing:
            self.flashing = flashing
            self.update()

    def _update_label(self) -> None:
        self.label.setText(self.label_text())
        box = self.label.boundingRect()
        middle = self.point_at(0.5)
        self.label.setPos(middle.x() - box.width() / 2, middle.y() - box.height() / 2)
        tip = f"{self.edge.a} ↔ {self.edge.b}, OCPI {self.edge.version}"
        if not self.edge.connected:
            tip += " (not registered yet)"
        if self.reasons:
            tip += "\n" + "\n".join(self.reasons)
        self.setToolTip(tip)
        self.label.setToolTip(tip)

    def pen(self) -> QPen:
        """Grey solid; dashed red when offline, dashed orange when degraded; red while flashing."""
        color = EDGE_COLOR
        style = Qt.PenStyle.SolidLine
        if self.state == "offline":
            color, style = ERROR_COLOR, Qt.PenStyle.DashLine
        elif self.state == "degraded":
            color, style = DEGRADED_COLOR, Qt.PenStyle.DashLine
        if self.flashing:
            color = ERROR_COLOR
        pen = QPen(color, self.width, style)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        return pen

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        """The line's box, padded by the widest line."""
        return self._path.boundingRect().adjusted(-6, -6, 6, 6)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        """The line, then a white box behind the label."""
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(self.pen())
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._path)
        box = self.label.mapRectToParent(self.label.boundingRect()).adjusted(-3, -1, 3, 1)
        painter.setPen(QPen(self.pen().color(), 1))
        painter.setBrush(QBrush(QColor(255, 255, 255, 230)))
        painter.drawRoundedRect(box, 3, 3)


__all__ = ["ERROR_COLOR", "MODULE_COLORS", "ROLE_COLORS", "EdgeItem", "NodeItem", "role_color"]
