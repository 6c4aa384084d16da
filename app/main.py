"""The main window: the map in the middle, every other view in a dock, the run toolbar on top.

``launch`` is what ``roamsim gui`` and ``python -m app`` call.  The dock layout, the window geometry,
the speed and the recent files are kept in a settings file between runs (``settings.py``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import QApplication, QDockWidget, QFileDialog, QMainWindow, QMessageBox, QWidget

from app.controller import SimController
from app.settings import AppSettings
from app.views.charts_view import ChartsView
from app.views.faults_view import FaultsView
from app.views.inspector_view import InspectorView
from app.views.map_view import MapView
from app.views.network_view import NetworkView
from app.views.run_controls import RunControls
from app.views.sequence_view import SequenceView
from app.views.sessions_view import SessionsView
from app.views.tariffs_view import TariffsView

REPO = Path(__file__).resolve().parents[1]
DEMO_SCENARIO = REPO / "scenarios" / "bilateral-basics.yaml"
"""Opened when no file is given and none was open last time."""

DockFactory = Callable[[SimController], QWidget]
DOCKS: tuple[tuple[str, str, DockFactory, Qt.DockWidgetArea], ...] = (
    ("sessions", "Sessions", SessionsView, Qt.DockWidgetArea.RightDockWidgetArea),
    ("tariffs", "Tariffs", TariffsView, Qt.DockWidgetArea.RightDockWidgetArea),
    ("faults", "Faults", FaultsView, Qt.DockWidgetArea.RightDockWidgetArea),
    ("network", "Network", NetworkView, Qt.DockWidgetArea.LeftDockWidgetArea),
    ("charts", "KPIs", ChartsView, Qt.DockWidgetArea.LeftDockWidgetArea),
    ("inspector", "Messages", InspectorView, Qt.DockWidgetArea.BottomDockWidgetArea),
    ("sequence", "Sequence", SequenceView, Qt.DockWidgetArea.BottomDockWidgetArea),
)
"""(object name, title, view class, first area) of every dock; tabs group those that share an area."""
TABBED = (("sessions", "tariffs", "faults"), ("network", "charts"), ("inspector",))
DEFAULT_SPEED = 60.0
REMEMBERED = "remembered"
"""``launch(speed=REMEMBERED)``: the speed of the last run (else ``DEFAULT_SPEED``)."""
SCREENSHOT_SLICE_S = 300.0
"""``--screenshot`` runs to its time in steps of this many simulated seconds, each one drawn."""
LAYOUT_VERSION = 2
"""Bumped when the set of docks changes, so an old saved layout is not restored onto new docks."""


class MainWindow(QMainWindow):
    """Docks around the map, wired to one ``SimController``."""

    def __init__(self, controller: SimController | None = None, settings: AppSettings | None = None) -> None:
        super().__init__()
        self.setObjectName("roamsim-main")
        self.setWindowTitle("roamsim")
        self.controller = controller or SimController(self)
        self.settings = settings or AppSettings()
        self.run_controls = RunControls(self.controller, self)
        self.addToolBar(self.run_controls)
        self.run_controls.open_requested.connect(self.choose_file)
        self.map_view = MapView(self.controller, self)
        self.setCentralWidget(self.map_view)
        self.views: dict[str, QWidget] = {"map": self.map_view}
        self.docks: dict[str, QDockWidget] = {}
        for name, title, factory, area in DOCKS:
            dock = QDockWidget(title, self)
            dock.setObjectName(f"dock-{name}")
            view = factory(self.controller)
            dock.setWidget(view)
            self.addDockWidget(area, dock)
            self.docks[name], self.views[name] = dock, view
        self.splitDockWidget(self.docks["inspector"], self.docks["sequence"], Qt.Orientation.Horizontal)
        for group in TABBED:
            for other in group[1:]:
                self.tabifyDockWidget(self.docks[group[0]], self.docks[other])
            self.docks[group[0]].raise_()
        # The map is the centre of attention: side docks narrow, the message docks a third of the height.
        self.resizeDocks([self.docks["network"], self.docks["sessions"]], [400, 560], Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["inspector"]], [330], Qt.Orientation.Vertical)
        self.resizeDocks([self.docks["inspector"], self.docks["sequence"]], [800, 800], Qt.Orientation.Horizontal)
        self._menus()
        self.controller.load_failed.connect(self.show_load_error)
        self.controller.failed.connect(lambda message: QMessageBox.critical(self, "Simulation failed", message))
        self.controller.scenario_loaded.connect(self._title)
        self.controller.state_changed.connect(self._remember_speed)
        self.resize(1600, 1000)
        self.restore_layout()

    # --- menus --------------------------------------------------------------------------------

    def _menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(self.run_controls.open_action)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        file_menu.addAction(self.run_controls.reset_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut("Ctrl+Q")
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        run_menu = self.menuBar().addMenu("&Run")
        for action in (self.run_controls.play_action, self.run_controls.step_action):
            run_menu.addAction(action)
        view_menu = self.menuBar().addMenu("&View")
        for dock in self.docks.values():
            view_menu.addAction(dock.toggleViewAction())
        view_menu.addSeparator()
        default_layout = QAction("Default layout", self)
        default_layout.triggered.connect(self.default_layout)
        view_menu.addAction(default_layout)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = self.settings.recent_files()
        if not recent:
            self.recent_menu.addAction("(none)").setEnabled(False)
        for path in recent:
            action = self.recent_menu.addAction(str(path))
            action.triggered.connect(lambda _checked=False, p=path: self.open(p))

    # --- files --------------------------------------------------------------------------------

    def choose_file(self) -> None:
        """Ask for a scenario file and open it."""
        start = str(self.controller.path.parent if self.controller.path else REPO / "scenarios")
        name, _filter = QFileDialog.getOpenFileName(self, "Open scenario", start, "Scenarios (*.yaml *.yml *.json)")
        if name:
            self.open(Path(name))

    def open(self, path: str | Path, seed: int | None = None) -> bool:
        """Open a scenario (errors are shown in a dialog by ``show_load_error``)."""
        path = Path(path)
        if not self.controller.open(path, seed=seed):
            return False
        self.settings.add_recent(path)
        return True

    def show_load_error(self, title: str, message: str) -> None:
        """A scenario could not be opened: say which file, where in it and why."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, title, QMessageBox.StandardButton.Ok, self)
        box.setObjectName("load-error")
        box.setInformativeText(message)
        box.open()

    def _title(self) -> None:
        loaded = self.controller.loaded
        if loaded is not None:
            self.setWindowTitle(f"roamsim — {loaded.scenario.name} ({self.controller.path})")

    # --- layout -------------------------------------------------------------------------------

    def restore_layout(self) -> None:
        """Bring back the window geometry and docks of the last run (if saved for these docks)."""
        geometry, state = self.settings.window_state(LAYOUT_VERSION)
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state, LAYOUT_VERSION)
        self._default_state = self.saveState(LAYOUT_VERSION)

    def default_layout(self) -> None:
        """Show every dock where it first was."""
        for dock in self.docks.values():
            dock.show()
        self.restoreState(self._initial_state, LAYOUT_VERSION)

    def showEvent(self, event: object) -> None:  # noqa: N802 - Qt's name
        if not hasattr(self, "_initial_state"):
            self._initial_state = self.saveState(LAYOUT_VERSION)
        super().showEvent(event)  # type: ignore[arg-type]

    def _remember_speed(self) -> None:
        self.settings.set_speed(self.controller.speed)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self.controller.pause()
        self.settings.save_window(self.saveGeometry(), self.saveState(LAYOUT_VERSION), LAYOUT_VERSION)
        super().closeEvent(event)


def launch(
    path: Path | None,
    *,
    seed: int | None = None,
    speed: float | str | None = REMEMBERED,
    screenshot: Path | None = None,
    after: float | None = None,
    play: bool = False,
) -> int:
    """Open the window (on ``path``, else the last scenario, else the demo) and run Qt's event loop.

    ``speed`` is simulated seconds per real second, None for as fast as possible.
    With ``screenshot`` the scenario runs to ``after`` (simulated seconds), the whole window is saved
    as a PNG and the application exits (0, or 1 if the scenario could not be opened).
    """
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("roamsim")
    window = MainWindow()
    if path is None and screenshot is None:
        path = window.settings.last_file() or DEMO_SCENARIO
    if not window.open(path or DEMO_SCENARIO, seed=seed) and screenshot is not None:
        print(f"roamsim gui: {path}: the scenario could not be opened", file=sys.stderr)
        return 1
    chosen = window.settings.speed(DEFAULT_SPEED) if isinstance(speed, str) else speed
    window.run_controls.select_speed(chosen)
    window.show()
    if screenshot is not None:
        return take_screenshot(window, screenshot, after or 0.0)
    if play:
        QTimer.singleShot(0, window.controller.play)
    return int(app.exec())


def take_screenshot(window: MainWindow, path: Path, after_s: float) -> int:
    """Run to ``after_s``, let the views draw, save the window as ``path``."""
    app = QApplication.instance()
    assert app is not None
    # In slices, as playing would: views that sample over time (the KPI charts) get their points.
    controller = window.controller
    while controller.now_s < min(after_s, controller.duration_s) and controller.error is None:
        controller.run_to(min(after_s, controller.now_s + SCREENSHOT_SLICE_S))
        app.processEvents()
    for _ in range(5):  # let views process the last batch, redraw throttled parts and lay themselves out
        app.processEvents()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(path)):
        print(f"roamsim gui: could not write {path}", file=sys.stderr)
        return 1
    print(f"roamsim gui: saved {path} at +{after_s:g} s simulated")
    window.close()
    return 0
