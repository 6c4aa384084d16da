"""The roaming network: parties as nodes, connections as edges, OCPI traffic moving along them.

Nodes and edges come from ``sim.live.network.network_graph`` (the scenario's links, then the
connections the parties registered); the layout is fixed: hubs in the centre, CPOs left, eMSPs
right.  Each exchange of a batch becomes a dot running along its edge from sender to receiver in
the colour of its module, red when it failed (no answer, HTTP ≥ 400, OCPI ≥ 2000), and the edge
flashes red.  Under heavy traffic — more than ``DOTS_PER_BATCH`` exchanges in one batch, or the
"as fast as possible" speed — dots would be a blur: the view switches to the link load instead (line
width and label in exchanges per second over the last seconds) until traffic has been light for
``CALM_S`` seconds.  Offline or faulty edges (``sim.live.network.link_state``) are drawn dashed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QSize, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsEllipseItem,
    QGraphicsScene,
    QGraphicsView,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from app.controller import SimController
from app.views.map_items import legend_label
from app.views.network_items import ERROR_COLOR, MODULE_COLORS, EdgeItem, NodeItem, role_color
from sim.events import FaultChanged, MessageExchanged
from sim.live.network import Edge, LinkLoad, edge_key, is_error, layout, link_state, module_category, network_graph

DOTS_PER_BATCH = 30
"""More exchanges than this in one batch switch the view to the link load."""
MAX_DOTS = 80
"""Dots alive at once at most (the oldest make way)."""
DOT_S = 0.8
"""Wall seconds a dot takes along its edge."""
FLASH_S = 0.8
"""Wall seconds an edge stays red after a failed exchange."""
CALM_S = 3.0
"""Light traffic for this long switches back from the load to dots."""
REFRESH_MS = 250
ANIMATION_MS = 33
WIDTH, HEIGHT = 800.0, 500.0


class _FittedView(QGraphicsView):
    """A view that keeps its whole scene in sight at any size, with a note in its bottom-left corner."""

    def __init__(self, scene: QGraphicsScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self.note = QLabel("", self)
        self.note.setObjectName("network-mode")
        self.note.setStyleSheet("QLabel { background: rgba(255, 255, 255, 210); color: #333; font-size: 10px; }")
        self.note.hide()

    def set_note(self, text: str) -> None:
        """Show ``text`` in the corner (hidden when empty)."""
        self.note.setText(text)
        self.note.setVisible(bool(text))
        self._place_note()

    def _place_note(self) -> None:
        self.note.setMaximumWidth(max(100, self.width() - 4))
        self.note.setWordWrap(True)
        self.note.adjustSize()
        self.note.move(2, self.height() - self.note.height() - 2)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        """Fit the scene again; keep the note in its corner."""
        super().resizeEvent(event)
        self.fit()
        self._place_note()

    def fit(self) -> None:
        """Show the whole scene rectangle."""
        rect = self.sceneRect()
        if not rect.isEmpty():
            self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)


@dataclass
class Dot:
    """One exchange on its way: the item, its edge, its direction and when it left (wall clock)."""

    item: QGraphicsEllipseItem
    edge: EdgeItem
    reverse: bool
    started: float
    exchange: MessageExchanged


class NetworkView(QWidget):
    """The network diagram with live traffic (see the module docstring)."""

    def __init__(self, controller: SimController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.nodes: dict[str, NodeItem] = {}
        self.edges: dict[frozenset[str], EdgeItem] = {}
        self.dots: list[Dot] = []
        self._spare: list[QGraphicsEllipseItem] = []
        self._flash_until: dict[frozenset[str], float] = {}
        self.load = LinkLoad(window_s=3.0)
        self.aggregated = False
        self._busy_until = 0.0
        self._bends = 0
        self.scene = QGraphicsScene(self)
        self.canvas = _FittedView(self.scene, self)
        self.canvas.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self.canvas.setFrameShape(QFrame.Shape.NoFrame)
        self.canvas.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.canvas.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.canvas.setBackgroundBrush(QBrush(QColor("#fbfbfa")))
        self.canvas.setMinimumHeight(140)
        self.mode_label = self.canvas.note
        layout_ = QVBoxLayout(self)
        layout_.setContentsMargins(0, 0, 0, 0)
        layout_.setSpacing(2)
        roles = [(role, role_color(role)) for role in ("HUB", "CPO", "EMSP", "SCSP")]
        legend = legend_label([*roles, *MODULE_COLORS.items(), ("error", ERROR_COLOR)])
        legend.setContentsMargins(4, 2, 4, 0)
        layout_.addWidget(legend)
        layout_.addWidget(self.canvas, 1)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(REFRESH_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self._animation = QTimer(self)
        self._animation.setInterval(ANIMATION_MS)
        self._animation.timeout.connect(self.animate)
        controller.scenario_loaded.connect(self._on_controller_scenario_loaded)
        controller.batch_ready.connect(self._on_controller_batch_ready)
        if controller.simulation is not None:
            self.rebuild()

    # --- building -------------------------------------------------------------------------------

    def _on_controller_scenario_loaded(self) -> None:
        self.rebuild()

    def rebuild(self) -> None:
        """Nodes and edges of the new simulation; no traffic yet."""
        self._clear_dots()
        self.scene.clear()
        self._spare.clear()
        self.nodes.clear()
        self.edges.clear()
        self._flash_until.clear()
        self.load.clear()
        self.aggregated = False
        self._busy_until = 0.0
        self._bends = 0
        sim = self.controller.sim()
        nodes, edges = network_graph(sim.scenario.parties, sim.parties)
        places = layout(nodes, WIDTH, HEIGHT)
        for node in nodes:
            item = NodeItem(node)
            item.setPos(*places[node.id])
            self.scene.addItem(item)
            self.nodes[node.id] = item
        for edge in edges:
            self._add_edge(edge)
        self.scene.setSceneRect(self.scene.itemsBoundingRect().adjusted(-20, -20, 20, 20))
        self.canvas.fit()
        self.refresh()
        self._refresh_timer.start()

    def _add_edge(self, edge: Edge) -> EdgeItem:
        a, b = self.nodes[edge.a].pos(), self.nodes[edge.b].pos()
        item = EdgeItem(edge, a, b, self._bend(edge, a, b))
        self.scene.addItem(item)
        self.edges[edge.key] = item
        return item

    def _bend(self, edge: Edge, a: QPointF, b: QPointF) -> float:
        """Curve an edge that would run through another node (a bilateral link past the hub)."""
        line = b - a
        length2 = QPointF.dotProduct(line, line) or 1.0
        for node_id, node in self.nodes.items():
            if node_id in (edge.a, edge.b):
                continue
            p = node.pos() - a
            t = max(0.0, min(1.0, QPointF.dotProduct(p, line) / length2))
            gap = node.pos() - (a + line * t)
            if QPointF.dotProduct(gap, gap) < 45.0**2:
                self._bends += 1
                return 130.0 if self._bends % 2 else -130.0  # alternate, so crossing curves keep apart
        return 0.0

    # --- traffic --------------------------------------------------------------------------------

    def _on_controller_batch_ready(self, batch: object) -> None:
        exchanges: list[MessageExchanged] = getattr(batch, "exchanges", [])
        faults = any(type(e) is FaultChanged for e in getattr(batch, "events", ()))
        self.show_exchanges(exchanges)
        if faults:
            self.refresh()

    def show_exchanges(self, exchanges: list[MessageExchanged], now: float | None = None) -> None:
        """Count the exchanges per edge and animate them (or, under heavy traffic, only count them)."""
        if not exchanges or not self.nodes:
            return
        now = time.monotonic() if now is None else now
        if len(exchanges) > DOTS_PER_BATCH or self.controller.speed is None:
            self._busy_until = now + CALM_S
        self._set_aggregated(now < self._busy_until)
        per_edge: dict[frozenset[str], int] = {}
        for exchange in exchanges:
            key = edge_key(exchange.from_party, exchange.to_party)
            edge = self.edges.get(key) or self._unlisted_edge(exchange)
            if edge is None:
                continue
            per_edge[key] = per_edge.get(key, 0) + 1
            if is_error(exchange):
                self._flash_until[key] = now + FLASH_S
                edge.set_flash(True)
            if not self.aggregated:
                self._launch(edge, exchange, now)
        for key, count in per_edge.items():
            self.load.add(key, count, now)
        if self.aggregated:
            self._update_loads(now)

    def _unlisted_edge(self, exchange: MessageExchanged) -> EdgeItem | None:
        """An exchange between parties the scenario does not link (e.g. a re-registration): draw the edge."""
        if exchange.from_party not in self.nodes or exchange.to_party not in self.nodes:
            return None
        version = exchange.ocpi_version or "?"
        return self._add_edge(Edge(exchange.from_party, exchange.to_party, version, True))

    def _set_aggregated(self, aggregated: bool) -> None:
        if aggregated == self.aggregated:
            return
        self.aggregated = aggregated
        if aggregated:
            self._clear_dots()
        else:
            for edge in self.edges.values():
                edge.set_load(0.0, False)
        self.canvas.set_note("Heavy traffic: link load in exchanges/s over the last 3 s" if aggregated else "")

    def _launch(self, edge: EdgeItem, exchange: MessageExchanged, now: float) -> None:
        if len(self.dots) >= MAX_DOTS:
            self._retire(self.dots.pop(0))
        item = self._spare.pop() if self._spare else self._new_dot_item()
        color = ERROR_COLOR if is_error(exchange) else MODULE_COLORS[module_category(exchange.module)]
        item.setBrush(QBrush(color))
        item.setToolTip(f"#{exchange.seq} {exchange.method} {exchange.module or ''} {exchange.response_status}")
        reverse = exchange.from_party == edge.edge.b
        item.setPos(edge.point_at(0.0, reverse))
        item.show()
        self.dots.append(Dot(item, edge, reverse, now, exchange))
        if not self._animation.isActive():
            self._animation.start()

    def _new_dot_item(self) -> QGraphicsEllipseItem:
        item = QGraphicsEllipseItem(-4.5, -4.5, 9, 9)
        item.setPen(QPen(QColor("white"), 1))
        item.setZValue(5)
        self.scene.addItem(item)
        return item

    def _retire(self, dot: Dot) -> None:
        dot.item.hide()
        self._spare.append(dot.item)

    def _clear_dots(self) -> None:
        for dot in self.dots:
            self._retire(dot)
        self.dots.clear()
        self._animation.stop()

    def animate(self, now: float | None = None) -> None:
        """Move every dot along its edge; dots that arrived disappear (the animation timer calls this)."""
        now = time.monotonic() if now is None else now
        alive = []
        for dot in self.dots:
            share = (now - dot.started) / DOT_S
            if share >= 1.0:
                self._retire(dot)
                continue
            dot.item.setPos(dot.edge.point_at(share, dot.reverse))
            alive.append(dot)
        self.dots = alive
        if not alive:
            self._animation.stop()

    # --- periodic refresh -----------------------------------------------------------------------

    def refresh(self, now: float | None = None) -> None:
        """Versions and registrations, link states, loads and the end of flashes (timer and faults)."""
        if self.controller.simulation is None or not self.nodes:
            return
        now = time.monotonic() if now is None else now
        sim = self.controller.sim()
        _nodes, edges = network_graph(sim.scenario.parties, sim.parties)
        links = sim.roaming.network.links
        for edge in edges:
            item = self.edges.get(edge.key) or self._add_edge(edge)
            if item.edge != edge:
                item.set_edge(edge)
        for key, item in self.edges.items():
            state = link_state(links, item.edge.a, item.edge.b)
            item.set_state(state.state, state.reasons)
            if key in self._flash_until and self._flash_until[key] <= now:
                del self._flash_until[key]
                item.set_flash(False)
        if self.aggregated and now >= self._busy_until:
            self._set_aggregated(False)
        if self.aggregated:
            self._update_loads(now)

    def _update_loads(self, now: float) -> None:
        for key, item in self.edges.items():
            item.set_load(self.load.rate(key, now), True)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        """Room for the diagram and its labels."""
        return QSize(480, 380)

    # --- for tests and other views ----------------------------------------------------------------

    def edge(self, a: str, b: str) -> EdgeItem | None:
        """The edge between two parties (either order)."""
        return self.edges.get(edge_key(a, b))


__all__ = ["DOTS_PER_BATCH", "NetworkView"]
