"""The run toolbar: open, reset, play/pause, step, run until, speed, the simulated clock and live rates."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QTime, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QLabel, QTimeEdit, QToolBar, QToolButton, QWidget

from app.controller import SPEEDS, SimController
from sim.events import (
    CDRIssued,
    ChargeEnded,
    ChargeRefused,
    ChargeStarted,
    CommandCompleted,
    EVSEStatusChanged,
    FaultChanged,
    MessageExchanged,
)

UNTIL_EVENTS: tuple[tuple[str, type], ...] = (
    ("next session start", ChargeStarted),
    ("next session end", ChargeEnded),
    ("next CDR", CDRIssued),
    ("next refusal", ChargeRefused),
    ("next command result", CommandCompleted),
    ("next EVSE status change", EVSEStatusChanged),
    ("next fault change", FaultChanged),
    ("next OCPI exchange", MessageExchanged),
)
"""The kinds of event "run until" can stop at."""


def speed_label(speed: float | None) -> str:
    """``1×`` … ``3600×``, or ``max``."""
    if speed is None:
        return "as fast as possible"
    return f"{speed:g}×" if speed < 60 else f"{speed:g}× ({speed / 60:g} min/s)"


def clock_text(controller: SimController) -> str:
    """The simulated date and time (scenario time zone) and the elapsed time, e.g. ``Tue 2025-06-03 08:15:02``."""
    if controller.simulation is None or controller.loaded is None:
        return "no scenario"
    local = local_now(controller)
    elapsed = timedelta(seconds=int(controller.now_s))
    return f"{local:%a %Y-%m-%d %H:%M:%S} (+{elapsed})"


def local_now(controller: SimController) -> datetime:
    """The simulated now in the scenario's time zone."""
    assert controller.simulation is not None and controller.loaded is not None
    return controller.simulation.clock.now().astimezone(ZoneInfo(controller.loaded.scenario.time_zone))


class RunControls(QToolBar):
    """Toolbar actions wired to the controller; its labels refresh on every batch."""

    open_requested = Signal()
    """The user asked to open a scenario file (the main window shows the dialog)."""

    def __init__(self, controller: SimController, parent: QWidget | None = None) -> None:
        super().__init__("Run", parent)
        self.setObjectName("run-controls")
        self.controller = controller
        self.open_action = self._action("Open…", "Open a scenario file (Ctrl+O)", QKeySequence.StandardKey.Open)
        self.open_action.triggered.connect(self.open_requested.emit)
        self.reset_action = self._action("Reset", "Rebuild the scenario from its start (Ctrl+R)", "Ctrl+R")
        self.reset_action.triggered.connect(controller.reset)
        self.play_action = self._action("Play", "Play / pause (Space)", "Space")
        self.play_action.triggered.connect(controller.toggle)
        self.step_action = self._action("Step", "Run to the next OCPI exchange and pause (N)", "N")
        self.step_action.triggered.connect(controller.step)
        self.addSeparator()

        self.until_time = QTimeEdit(self)
        self.until_time.setDisplayFormat("HH:mm")
        self.until_time.setToolTip("Simulated time of day to run until")
        self.until_time.setTime(QTime(12, 0))
        self.addWidget(self.until_time)
        self.until_time_action = self._action("Run to time", "Play until the simulated clock reads this time", None)
        self.until_time_action.triggered.connect(self._run_until_time)
        self.until_event = QComboBox(self)
        self.until_event.setToolTip("Kind of event to run until")
        for label, _kind in UNTIL_EVENTS:
            self.until_event.addItem(label)
        self.addWidget(self.until_event)
        self.until_event_action = self._action("Run to event", "Play until the next event of the chosen kind", None)
        self.until_event_action.triggered.connect(self._run_until_event)
        self.addSeparator()

        self.speed = QComboBox(self)
        self.speed.setToolTip("Simulated seconds per real second")
        for choice in SPEEDS:
            self.speed.addItem(speed_label(choice), choice)
        self.speed.currentIndexChanged.connect(lambda index: controller.set_speed(self.speed.itemData(index)))
        self.addWidget(QLabel(" Speed ", self))
        self.addWidget(self.speed)
        self.addSeparator()
        self.clock = QLabel(self)
        self.clock.setObjectName("clock")
        self.clock.setMinimumWidth(260)
        self.addWidget(self.clock)
        self.rates = QLabel(self)
        self.rates.setObjectName("rates")
        self.rates.setMinimumWidth(250)
        self.addWidget(self.rates)
        self.state = QLabel(self)
        self.addWidget(self.state)

        controller.state_changed.connect(self.refresh)
        controller.batch_ready.connect(lambda _batch: self.refresh_clock())
        controller.scenario_loaded.connect(self.refresh)
        self._rates_timer = QTimer(self)  # rates read over a window: refresh twice a second, not per frame
        self._rates_timer.timeout.connect(self.refresh_rates)
        self._rates_timer.start(500)
        self.refresh()

    def _action(self, text: str, tip: str, shortcut: QKeySequence.StandardKey | str | None) -> QAction:
        action = QAction(text, self)
        action.setToolTip(tip)
        if shortcut is not None:
            action.setShortcut(shortcut)
        self.addAction(action)
        button = self.widgetForAction(action)
        if isinstance(button, QToolButton):
            button.setObjectName(f"button-{text.rstrip('…').lower().replace(' ', '-')}")
        return action

    def _run_until_time(self) -> None:
        controller = self.controller
        if controller.simulation is None or controller.loaded is None:
            return
        wanted = self.until_time.time()
        local = local_now(controller)
        target = local.replace(hour=wanted.hour(), minute=wanted.minute(), second=0, microsecond=0)
        if target <= local:
            target += timedelta(days=1)
        controller.run_until_time(controller.now_s + (target - local).total_seconds())

    def _run_until_event(self) -> None:
        _label, kind = UNTIL_EVENTS[self.until_event.currentIndex()]
        self.controller.run_until_event(kind)

    def select_speed(self, speed: float | None) -> None:
        """Show and apply a speed (the nearest offered choice is added if missing)."""
        index = self.speed.findData(speed)
        if index < 0:
            self.speed.addItem(speed_label(speed), speed)
            index = self.speed.count() - 1
        self.speed.setCurrentIndex(index)
        self.controller.set_speed(speed)

    def refresh(self) -> None:
        """Enable what makes sense now and show the state."""
        controller = self.controller
        loaded = controller.simulation is not None
        runnable = loaded and not controller.finished and controller.error is None
        self.play_action.setText("Pause" if controller.playing else "Play")
        for action in (self.play_action, self.step_action, self.until_time_action, self.until_event_action):
            action.setEnabled(runnable)
        self.reset_action.setEnabled(loaded)
        self.state.setText(f"  {controller.describe_state()}")
        index = self.speed.findData(controller.speed)
        if index >= 0 and index != self.speed.currentIndex():
            self.speed.blockSignals(True)
            self.speed.setCurrentIndex(index)
            self.speed.blockSignals(False)
        self.refresh_clock()
        self.refresh_rates()

    def refresh_clock(self) -> None:
        """The simulated clock."""
        self.clock.setText(clock_text(self.controller))

    def refresh_rates(self) -> None:
        """Events/s and exchanges/s of wall time."""
        events, exchanges = self.controller.rates()
        self.rates.setText(f"  {events:,.0f} events/s · {exchanges:,.0f} exchanges/s")
