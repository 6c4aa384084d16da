"""The whole window at once: play until sessions appear and every view agrees with the simulation;
a session picked in the table is drawn in the sequence view and its arrow opens in the inspector;
a fault switched on in the fault controls shows in the network view and the inspector."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.main import MainWindow
from app.views.faults_view import FaultsView
from app.views.inspector_view import InspectorView
from app.views.map_view import MapView
from app.views.network_view import NetworkView
from app.views.sequence_view import SequenceView
from app.views.sessions_view import SessionsView
from sim.events import ChargeStarted

DEMO = Path(__file__).resolve().parents[2] / "scenarios" / "bilateral-basics.yaml"


@pytest.fixture
def window(qtbot: QtBot) -> MainWindow:
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    assert window.open(DEMO)
    return window


def played_until_sessions(qtbot: QtBot, window: MainWindow, sessions: int) -> None:
    controller = window.controller
    window.run_controls.select_speed(None)
    controller.play()
    qtbot.waitUntil(lambda: controller.bridge is not None and controller.bridge.seen(ChargeStarted) >= sessions,
                    timeout=60_000)  # fmt: skip
    controller.pause()
    for view in window.views.values():  # the throttled parts draw now
        refresh = getattr(view, "refresh", None) or getattr(view, "refresh_live", None)
        if callable(refresh):
            refresh()


def test_playing_fills_every_view_with_what_the_simulation_holds(qtbot: QtBot, window: MainWindow) -> None:
    played_until_sessions(qtbot, window, 3)
    sim = window.controller.sim()
    sessions_view = window.views["sessions"]
    assert isinstance(sessions_view, SessionsView)
    sessions_view.refresh_live()
    stored = list(sim.parties["NL-UCP"].cpo.sessions.values())  # type: ignore[attr-defined]
    shown = [
        sessions_view.proxy.index(row, 0).data(Qt.ItemDataRole.DisplayRole)
        for row in range(sessions_view.proxy.rowCount())
    ]
    assert sorted(shown) == sorted(s.id for s in stored) and len(shown) >= 3

    inspector = window.views["inspector"]
    assert isinstance(inspector, InspectorView)
    assert inspector.model.rowCount() == len(window.controller.bridge.exchanges)  # type: ignore[union-attr]

    map_view = window.map_view
    assert isinstance(map_view, MapView)
    map_view.refresh()
    for (cpo, location_id), marker in map_view.markers.items():
        points = sim.world.at_location(cpo, location_id)
        assert marker.counts == dict(Counter(p.evse.status.value for p in points))
    assert sum(m.counts.get("CHARGING", 0) for m in map_view.markers.values()) >= 1


def test_a_session_picked_in_the_table_is_drawn_and_its_arrows_open_in_the_inspector(
    qtbot: QtBot, window: MainWindow
) -> None:
    played_until_sessions(qtbot, window, 2)
    sessions_view = window.views["sessions"]
    sequence = window.views["sequence"]
    inspector = window.views["inspector"]
    assert isinstance(sessions_view, SessionsView) and isinstance(sequence, SequenceView)
    assert isinstance(inspector, InspectorView)
    sessions_view.select_row(0)
    assert window.controller.selection.session is not None
    _cpo, session_id = window.controller.selection.session
    qtbot.waitUntil(lambda: bool(sequence.arrows()), timeout=5_000)
    labels = sequence.arrow_labels()
    assert labels[0] == "plug in, RFID card" or labels[0].startswith("start charging in the app"), labels
    assert f"PUT /ocpi/2.2.1/receiver/sessions/NL/UCP/{session_id} (sessions) status=ACTIVE" in labels
    seq = next(item.step.seq for item in sequence.arrows() if item.step.seq is not None)
    window.controller.selection.select_exchange(seq)
    current = inspector.table.currentIndex()
    assert inspector.model.exchange(inspector.proxy.mapToSource(current).row()).seq == seq


def test_a_party_taken_offline_shows_in_the_network_and_the_inspector(qtbot: QtBot, window: MainWindow) -> None:
    played_until_sessions(qtbot, window, 1)
    faults = window.views["faults"]
    network = window.views["network"]
    inspector = window.views["inspector"]
    assert isinstance(faults, FaultsView) and isinstance(network, NetworkView)
    assert isinstance(inspector, InspectorView)
    faults.select_party("NL-UCP")
    qtbot.mouseClick(faults.offline_button, Qt.MouseButton.LeftButton)
    edge = network.edge("DE-EMA", "NL-UCP")
    assert edge is not None and edge.state == "offline"
    before = inspector.model.rowCount()
    window.controller.run_to(window.controller.now_s + 3600)
    failed = [
        inspector.model.exchange(row)
        for row in range(before, inspector.model.rowCount())
        if inspector.model.exchange(row).response_status == 0
    ]
    assert failed, "exchanges with the offline CPO get no answer"
    assert all("NL-UCP" in (e.from_party, e.to_party) for e in failed)
