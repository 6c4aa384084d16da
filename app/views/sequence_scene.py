"""Drawing a ``sim.live.flow.Flow`` on a ``QGraphicsScene``: lanes, lifelines, arrows, notes, times.

Layout: a time column on the left, then one lane per participant; the gap between two lanes is
widened until the labels of the arrows spanning them fit (up to a maximum, beyond which a label is
elided and the tooltip has it whole).  One row per step, top to bottom.  OCPI requests are solid
dark-blue arrows, responses dashed grey ones, unanswered requests end in a red cross; physical
moments at the charger are green dash-dot arrows with italic labels, a state of the charger (the
car full) a green note on its lane; trace notes (faults, dates) yellow notes across their lanes.

An arrow of an exchange is a ``StepItem`` with its ``seq``; clicking it calls the scene's
``on_click(seq)``; ``set_highlight`` draws it selected.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import tzinfo

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsSceneMouseEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from sim.live.flow import MARKER, PHYSICAL, Flow, FlowStep

TIME_COLUMN = 96.0
ROW_H = 30.0
LINE_H = 15.0
HEADER_H = 42.0
MIN_GAP = 170.0
MAX_LABEL = 460.0
_VERSION_PREFIX = re.compile(r"^(\S+) /ocpi/[^/ ]+/")
_MODULE = re.compile(r" \(([a-z]+)\)(?= |$)")
LANE_BOX_W = 150.0
ARROWS = ("request", "response", "lost", PHYSICAL)

COLOURS = {
    "request": QColor(20, 60, 140),
    "response": QColor(110, 110, 110),
    "lost": QColor(190, 20, 20),
    PHYSICAL: QColor(0, 120, 60),
    MARKER: QColor(0, 120, 60),
}
HIGHLIGHT = QColor(255, 236, 150)
NOTE_FILL = QColor(255, 250, 205)
MARKER_FILL = QColor(220, 245, 225)
LANE_FILL = {"driver": QColor(225, 245, 228), "charge point": QColor(225, 245, 228)}
LANE_DEFAULT = QColor(228, 236, 250)


class StepItem(QGraphicsItem):
    """One step: an arrow with its label, or a note box (see the module docstring)."""

    def __init__(self, step: FlowStep, x1: float, x2: float, top: float, label: str, font: QFont) -> None:
        super().__init__()
        self.step, self.x1, self.x2 = step, x1, x2
        self.line_y = top + ROW_H - 8  # the arrow's line; its label sits above it
        self.full_label = label
        self.label_font = font
        self.highlighted = False
        self.on_click: Callable[[int], None] | None = None
        metrics = QFontMetricsF(font)
        self.lines = label.split("\n")
        if self.is_arrow:
            width = max(abs(x2 - x1) - 14, 40.0)
            self.lines = [metrics.elidedText(short_label(label), Qt.TextElideMode.ElideRight, width)]
            self._rect = QRectF(min(x1, x2), self.line_y - LINE_H - 4, max(abs(x2 - x1), 40.0), LINE_H + 10)
        else:
            text_w = max(metrics.horizontalAdvance(line) for line in self.lines) + 16
            left, right = min(x1, x2), max(x1, x2)
            middle = (left + right) / 2
            width = max(right - left + 40, text_w)
            self._rect = QRectF(middle - width / 2, top + 4, width, LINE_H * len(self.lines) + 6)
        tip = label if step.seq is None else f"#{step.seq}  {label}"
        self.setToolTip(tip)
        if step.seq is not None:
            self.setCursor(Qt.CursorShape.PointingHandCursor)

    @property
    def is_arrow(self) -> bool:
        """An arrow between two lanes (not a note)."""
        return self.step.kind in ARROWS and self.x1 != self.x2

    @property
    def text(self) -> str:
        """The label as drawn (possibly elided)."""
        return "\n".join(self.lines)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return self._rect.adjusted(-8, -2, 8, 2)

    def set_highlight(self, on: bool) -> None:
        """Draw as the selected exchange (or not)."""
        if on != self.highlighted:
            self.highlighted = on
            self.update()

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802 - Qt's name
        if event.button() == Qt.MouseButton.LeftButton and self.step.seq is not None and self.on_click is not None:
            self.on_click(self.step.seq)
            event.accept()
            return
        super().mousePressEvent(event)

    def paint(self, painter: QPainter, _option: QStyleOptionGraphicsItem, _widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.highlighted:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(HIGHLIGHT)
            painter.drawRoundedRect(self.boundingRect(), 4, 4)
        if self.is_arrow:
            self._paint_arrow(painter)
        else:
            self._paint_note(painter)

    def _paint_arrow(self, painter: QPainter) -> None:
        kind = self.step.kind
        colour = COLOURS[kind]
        pen = QPen(colour, 2.2 if self.highlighted else 1.4)
        if kind == "response":
            pen.setStyle(Qt.PenStyle.DashLine)
        elif kind == PHYSICAL:
            pen.setStyle(Qt.PenStyle.DashDotLine)
            pen.setWidthF(pen.widthF() + 0.6)
        painter.setPen(pen)
        x1, x2, y = self.x1, self.x2, self.line_y
        direction = 1.0 if x2 > x1 else -1.0
        painter.drawLine(QPointF(x1, y), QPointF(x2 - direction * 2, y))
        if kind == "lost":
            painter.setPen(QPen(colour, 2.0))
            for dx in (-5.0, 5.0):
                painter.drawLine(QPointF(x2 - 5, y - dx), QPointF(x2 + 5, y + dx))
        else:
            head = QPolygonF(
                [QPointF(x2, y), QPointF(x2 - direction * 9, y - 4.5), QPointF(x2 - direction * 9, y + 4.5)]
            )
            painter.setPen(QPen(colour, 1.0))
            painter.setBrush(QBrush(colour) if kind != "response" else Qt.BrushStyle.NoBrush)
            painter.drawPolygon(head)
        font = QFont(self.label_font)
        font.setItalic(kind == PHYSICAL)
        painter.setFont(font)
        painter.setPen(colour if kind != "response" else QColor(70, 70, 70))
        left = min(x1, x2) + 7
        painter.drawText(QPointF(left, y - 5), self.lines[0])

    def _paint_note(self, painter: QPainter) -> None:
        marker = self.step.kind in (MARKER, PHYSICAL)
        painter.setPen(QPen(COLOURS[MARKER] if marker else QColor(170, 150, 60), 1.0))
        painter.setBrush(MARKER_FILL if marker else NOTE_FILL)
        painter.drawRoundedRect(self._rect, 3, 3)
        painter.setFont(self.label_font)
        painter.setPen(QColor(40, 40, 40))
        for number, line in enumerate(self.lines):
            painter.drawText(QPointF(self._rect.left() + 8, self._rect.top() + LINE_H * (number + 1) - 2), line)


class SequenceScene(QGraphicsScene):
    """A flow drawn as a sequence diagram; ``header`` holds the lane boxes (kept in view by the widget)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.header = QGraphicsScene(parent)
        self.items_by_seq: dict[int, list[StepItem]] = {}
        self.step_items: list[StepItem] = []
        self.lane_x: dict[str, float] = {}
        self.text_font = QFont()
        self.text_font.setPointSizeF(8.5)
        self.on_click: Callable[[int], None] | None = None

    def draw(self, flow: Flow, zone: tzinfo) -> None:
        """Draw ``flow`` (times in ``zone``), replacing what was there."""
        self.clear()
        self.header.clear()
        self.items_by_seq, self.step_items = {}, []
        metrics = QFontMetricsF(self.text_font)
        names = [p.name for p in flow.participants]
        self.lane_x = _lane_positions(flow, names, metrics)
        right = max(self.lane_x.values(), default=TIME_COLUMN) + LANE_BOX_W / 2 + 40
        y = 4.0
        rows: list[tuple[FlowStep, float]] = []
        for step in flow.steps:
            rows.append((step, y))
            y += ROW_H + LINE_H * step.label.count("\n")
        bottom = y + ROW_H / 2
        lifeline = QPen(QColor(160, 160, 160), 1.0, Qt.PenStyle.DashLine)
        for name in names:
            self.addLine(self.lane_x[name], 0, self.lane_x[name], bottom, lifeline)
        for step, row_y in rows:
            self._add_step(step, row_y, zone, metrics)
        self.setSceneRect(QRectF(0, 0, right, bottom))
        self._draw_header(flow, right)

    def _add_step(self, step: FlowStep, top: float, zone: tzinfo, metrics: QFontMetricsF) -> None:
        x = self.lane_x
        if step.source not in x or step.target not in x:
            return
        item = StepItem(step, x[step.source], x[step.target], top, step.label, self.text_font)
        item.on_click = self._clicked
        self.addItem(item)
        self.step_items.append(item)
        if step.seq is not None:
            self.items_by_seq.setdefault(step.seq, []).append(item)
        stamp = _time_text(step, zone)
        if stamp:
            text = self.addSimpleText(stamp, self.text_font)
            text.setBrush(QColor(90, 90, 90) if step.kind != "response" else QColor(150, 150, 150))
            text.setPos(TIME_COLUMN - 10 - metrics.horizontalAdvance(stamp), top + ROW_H - 8 - LINE_H)

    def _clicked(self, seq: int) -> None:
        if self.on_click is not None:
            self.on_click(seq)

    def _draw_header(self, flow: Flow, right: float) -> None:
        bold = QFont(self.text_font)
        bold.setBold(True)
        for participant in flow.participants:
            middle = self.lane_x[participant.name]
            box = QRectF(middle - LANE_BOX_W / 2, 4, LANE_BOX_W, HEADER_H - 8)
            fill = LANE_FILL.get(participant.role or "", LANE_DEFAULT)
            self.header.addRect(box, QPen(QColor(120, 120, 140)), QBrush(fill))
            for text, font, top in ((participant.name, bold, 6.0), (participant.role or "", self.text_font, 21.0)):
                item = self.header.addSimpleText(text, font)
                width = QFontMetricsF(font).horizontalAdvance(text)
                item.setPos(middle - width / 2, top)
        self.header.setSceneRect(QRectF(0, 0, right, HEADER_H))

    def highlight(self, seq: int | None) -> list[StepItem]:
        """Mark the steps of exchange ``seq`` (and unmark the others); returns them."""
        chosen = self.items_by_seq.get(seq, []) if seq is not None else []
        for item in self.step_items:
            item.set_highlight(item in chosen)
        return chosen


def short_label(label: str) -> str:
    """A request label as drawn: without the ``/ocpi/<version>`` prefix and the ``(module)`` (the tooltip has both)."""
    return _MODULE.sub("", _VERSION_PREFIX.sub(r"\1 ", label), count=1)


def _lane_positions(flow: Flow, names: list[str], metrics: QFontMetricsF) -> dict[str, float]:
    """Lane centres: gaps of at least ``MIN_GAP``, widened so arrow labels fit."""
    position = {name: i for i, name in enumerate(names)}
    gaps = [MIN_GAP] * max(len(names) - 1, 0)
    spans = []
    for step in flow.steps:
        if step.kind in ARROWS and step.source in position and step.target in position and step.source != step.target:
            a, b = sorted((position[step.source], position[step.target]))
            spans.append((b - a, a, b, min(metrics.horizontalAdvance(short_label(step.label)) + 24, MAX_LABEL)))
    for _length, a, b, need in sorted(spans):
        have = sum(gaps[a:b])
        if have < need:
            for i in range(a, b):
                gaps[i] += (need - have) / (b - a)
    x = TIME_COLUMN + LANE_BOX_W / 2 + 10
    lanes = {}
    for i, name in enumerate(names):
        lanes[name] = x
        if i < len(gaps):
            x += gaps[i]
    return lanes


def _time_text(step: FlowStep, zone: tzinfo) -> str:
    """The left column: the local time of a request or moment, ``+50 ms`` for a response."""
    if step.kind == "response":
        return f"+{step.latency_s * 1000:.0f} ms" if step.latency_s is not None else ""
    if step.time is None:
        return ""
    local = step.time.astimezone(zone)
    return local.strftime("%H:%M:%S.") + f"{local.microsecond // 1000:03d}"


__all__ = ["SequenceScene", "StepItem"]
