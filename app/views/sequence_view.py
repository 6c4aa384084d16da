"""The sequence-diagram view: the OCPI flow of the selected session (or correlation id), with what
happened at the charger, drawn live.

What it shows comes from ``sim.live``: ``SessionCandidates`` keeps the exchanges that may belong to
the session (a scan of the run once on selection, then each batch's new ones), ``session_flow``
picks them exactly with ``sim.sequence`` and merges in the physical moments a ``PhysicalLog``
recorded from every batch.  A redraw happens only when a new exchange or physical event of the
shown session arrived, at most every ``REDRAW_S`` (with a trailing redraw so the last state shows).
Clicking an arrow selects its exchange for every view; an exchange selected elsewhere is
highlighted here when it is part of the flow.  "Copy as Mermaid" puts the diagram's Mermaid
source on the clipboard.
"""

from __future__ import annotations

import time
from datetime import tzinfo
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication, QPainter
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.bridge import EventBatch
from app.controller import SimController
from app.views.sequence_scene import HEADER_H, SequenceScene, StepItem
from sim.events import MessageExchanged
from sim.live.flow import ExchangeCache, Flow, correlation_flow, roles_of, session_flow
from sim.live.flow_select import SessionCandidates, SessionClues
from sim.live.physical import KINDS, PhysicalLog
from sim.ocpi.common import case_fold
from sim.sequence import render

REDRAW_S = 0.5
"""The diagram is redrawn at most this often while its session changes (wall seconds)."""
EMPTY_TEXT = "Select a session to see its OCPI flow"


class SequenceView(QWidget):
    """Sequence diagram of the selected session or correlation id (see the module docstring)."""

    def __init__(self, controller: SimController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.flow: Flow | None = None
        self.target: tuple[str, ...] | None = None
        """``("session", cpo, id)`` or ``("correlation", id)``; None: nothing selected."""
        self._cache = ExchangeCache()
        self._log = PhysicalLog()
        self._candidates: SessionCandidates | None = None
        self._correlated: list[MessageExchanged] = []
        self._roles: dict[str, str] = {}
        self._zone: tzinfo = ZoneInfo("UTC")
        self._last_draw = 0.0

        self.title = QLabel("", self)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_button = QPushButton("Copy as Mermaid", self)
        self.copy_button.setToolTip("Put the diagram's Mermaid source on the clipboard")
        self.copy_button.setEnabled(False)
        self.copy_button.clicked.connect(self.copy_mermaid)
        bar = QHBoxLayout()
        bar.addWidget(self.title, 1)
        bar.addWidget(self.copy_button)

        self.scene = SequenceScene(self)
        self.scene.on_click = self._on_scene_arrow_clicked
        self.header_view = QGraphicsView(self.scene.header, self)
        self.header_view.setFixedHeight(int(HEADER_H) + 2)
        self.header_view.setFrameShape(QFrame.Shape.NoFrame)
        self.header_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.header_view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.graphics = QGraphicsView(self.scene, self)
        self.graphics.setFrameShape(QFrame.Shape.NoFrame)
        self.graphics.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        for view in (self.header_view, self.graphics):
            view.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.graphics.horizontalScrollBar().valueChanged.connect(self.header_view.horizontalScrollBar().setValue)
        diagram = QWidget(self)
        column = QVBoxLayout(diagram)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.header_view)
        column.addWidget(self.graphics, 1)
        self.empty = QLabel(EMPTY_TEXT, self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet("color: #777; font-size: 13px")
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(diagram)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.stack, 1)

        self._trailing = QTimer(self)
        self._trailing.setSingleShot(True)
        self._trailing.timeout.connect(self.redraw)
        controller.scenario_loaded.connect(self._on_controller_scenario_loaded)
        controller.batch_ready.connect(self._on_controller_batch_ready)
        selection = controller.selection
        selection.session_selected.connect(self.show_session)
        selection.correlation_selected.connect(self.show_correlation)
        selection.exchange_selected.connect(self._on_selection_exchange_selected)
        if controller.simulation is not None:
            self._on_controller_scenario_loaded()

    # --- the run ------------------------------------------------------------------------------

    def _on_controller_scenario_loaded(self) -> None:
        simulation = self.controller.sim()
        loaded = self.controller.loaded
        self._zone = ZoneInfo(loaded.scenario.time_zone) if loaded is not None else ZoneInfo("UTC")
        self._roles = roles_of(simulation.parties)
        self._cache = ExchangeCache()
        self._log = PhysicalLog()
        self._trailing.stop()
        self.target, self.flow, self._candidates, self._correlated = None, None, None, []
        self.scene.draw(Flow("", (), ()), self._zone)
        self.title.setText("")
        self.copy_button.setEnabled(False)
        self.stack.setCurrentWidget(self.empty)

    def _on_controller_batch_ready(self, batch: EventBatch) -> None:
        self._log.record(batch.events)
        if self.target is None:
            return
        if self.target[0] == "correlation":
            new = [e for e in batch.exchanges if e.correlation_id == self.target[1]]
            self._correlated.extend(new)
            changed = bool(new)
        else:
            changed = self._candidates.extend(batch.exchanges) if self._candidates is not None else False
            changed = changed or self._touches_session(batch.events)
        if changed:
            self._schedule_redraw()

    def _touches_session(self, events: list[object]) -> bool:
        """Whether a physical event of the shown session's EVSE is among ``events``."""
        if self.target is None:
            return False
        if self._candidates is None:  # the CPO had not stored the session yet: look again
            self._find_session()
            return self._candidates is not None
        cpo, evse = self.target[1], case_fold(self._candidates.clues.evse_uid)
        return any(isinstance(e, KINDS) and e.cpo == cpo and case_fold(e.evse_uid) == evse for e in events)

    def _schedule_redraw(self) -> None:
        wait = REDRAW_S - (time.perf_counter() - self._last_draw)
        if wait <= 0:
            self.redraw()
        elif not self._trailing.isActive():
            self._trailing.start(int(wait * 1000) + 1)

    # --- what to show -------------------------------------------------------------------------

    def show_session(self, cpo: str, session_id: str) -> None:
        """Draw the flow of one session (the ``session_selected`` slot)."""
        self.target = ("session", cpo, session_id)
        self._candidates = None
        self._find_session()
        self.redraw(scroll_to_end=False)

    def _find_session(self) -> None:
        """Start collecting the session's exchanges once the CPO has stored it."""
        if self.target is None or self.target[0] != "session" or self.controller.bridge is None:
            return
        platform = getattr(self.controller.sim().parties.get(self.target[1]), "cpo", None)
        session = platform.sessions.get(platform.party, self.target[2]) if platform is not None else None
        if session is not None:
            self._candidates = SessionCandidates(SessionClues.of(session))
            self._candidates.scan(self.controller.bridge.exchanges)

    def show_correlation(self, correlation_id: str) -> None:
        """Draw every exchange of one correlation id (the ``correlation_selected`` slot)."""
        self.target = ("correlation", correlation_id)
        self._candidates = None
        exchanges = self.controller.bridge.exchanges if self.controller.bridge is not None else []
        self._correlated = [e for e in exchanges if e.correlation_id == correlation_id]
        self.redraw(scroll_to_end=False)

    def redraw(self, scroll_to_end: bool | None = None) -> None:
        """Rebuild the flow and draw it now (``scroll_to_end`` None: stay at the end if there before)."""
        self._trailing.stop()
        self._last_draw = time.perf_counter()
        if self.target is None or self.controller.simulation is None:
            return
        bar = self.graphics.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 4 if scroll_to_end is None else scroll_to_end
        position = bar.value()
        if self.target[0] == "correlation":
            exchanges = self._cache.convert(self._correlated)
            self.flow = correlation_flow(exchanges, self.target[1], self._roles)
        else:
            if self._candidates is None:
                self._find_session()
            events = self._candidates.events if self._candidates is not None else []
            exchanges = self._cache.convert(events)
            world = self.controller.sim().world
            self.flow = session_flow(exchanges, self.target[1], self.target[2], self._roles, self._log, world)
        self.scene.draw(self.flow, self._zone)
        self.stack.setCurrentIndex(1)
        self.copy_button.setEnabled(bool(self.flow.steps))
        note = f" — {self.flow.problem}" if self.flow.problem else ""
        title = self.flow.title.replace(", times in UTC)", ")")
        self.title.setText(f"{title}, times in {self._zone}{note}")
        self._on_selection_exchange_selected(self.controller.selection.exchange, scroll=False)
        bar.setValue(bar.maximum() if at_end else position)

    # --- exchanges ----------------------------------------------------------------------------

    def _on_scene_arrow_clicked(self, seq: int) -> None:
        self.controller.selection.select_exchange(seq)

    def _on_selection_exchange_selected(self, seq: int | None, scroll: bool = True) -> None:
        chosen = self.scene.highlight(seq)
        if chosen and scroll:
            self.graphics.ensureVisible(chosen[0].sceneBoundingRect(), 20, 40)

    def arrows(self) -> list[StepItem]:
        """The drawn steps, top to bottom."""
        return list(self.scene.step_items)

    def arrow_labels(self) -> list[str]:
        """The labels of the drawn steps, top to bottom (untruncated)."""
        return [item.full_label for item in self.scene.step_items]

    def mermaid(self) -> str:
        """The diagram as Mermaid source (empty when nothing is shown)."""
        return render(self.flow.to_diagram(), "mermaid") if self.flow is not None and self.flow.steps else ""

    def copy_mermaid(self) -> None:
        """Put the Mermaid source on the clipboard."""
        text = self.mermaid()
        if text:
            QGuiApplication.clipboard().setText(text)
