"""The sequence view: a selected session's OCPI calls and physical moments, clicking arrows, live updates."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from app.controller import SimController
from app.views.sequence_view import EMPTY_TEXT, SequenceView
from app.views.sessions_view import SessionsView

SHOTS = Path("/tmp/shots")


def make_view(qtbot: QtBot, controller: SimController) -> SequenceView:
    view = SequenceView(controller)
    qtbot.addWidget(view)
    view.resize(1100, 700)
    view.show()
    qtbot.waitExposed(view)
    return view


def positions(labels: list[str], *wanted: str) -> list[int]:
    """The index of the first label starting with each of ``wanted``, searching on after the previous one."""
    found, start = [], 0
    for prefix in wanted:
        at = next(i for i in range(start, len(labels)) if labels[i].startswith(prefix))
        found.append(at)
        start = at + 1
    return found


def exchange_seq(controller: SimController, method: str, url_end: str) -> int:
    assert controller.bridge is not None
    return next(e.seq for e in controller.bridge.exchanges if e.method == method and e.url.endswith(url_end))


def test_empty_until_a_session_is_selected(qtbot: QtBot, controller: SimController) -> None:
    view = make_view(qtbot, controller)
    controller.run_to(3 * 3600)
    assert view.stack.currentWidget() is view.empty and view.empty.text() == EMPTY_TEXT
    assert view.arrows() == [] and not view.copy_button.isEnabled()


def test_a_session_picked_in_the_table_is_drawn_in_order(qtbot: QtBot, controller: SimController) -> None:
    sessions = SessionsView(controller)
    qtbot.addWidget(sessions)
    view = make_view(qtbot, controller)
    controller.run_to(9 * 3600)
    row = [sessions.proxy.index(r, 0).data() for r in range(sessions.proxy.rowCount())].index("SES000005")
    with qtbot.waitSignal(controller.selection.session_selected):
        sessions.select_row(row)
    assert view.title.text() == "Session NL-UCP/SES000005 (2026-03-02), times in Europe/Amsterdam"
    labels = view.arrow_labels()
    order = positions(
        labels,
        "plug in, RFID card",
        "POST /ocpi/2.2.1/sender/tokens/DEEMA-RFID-000001/authorize",
        "HTTP 200, OCPI 1000 allowed=ALLOWED",
        "PUT /ocpi/2.2.1/receiver/sessions/NL/UCP/SES000005 (sessions) status=ACTIVE",
        "charging started (SES000005)",
        "EVSE status CHARGING",
        "PATCH /ocpi/2.2.1/receiver/locations/NL/UCP/LOC-0005/LOC-0005-2 (locations) status=CHARGING",
        "PATCH /ocpi/2.2.1/receiver/sessions/NL/UCP/SES000005 (sessions) kwh=2.750",
        "car full: charging stops",
        "unplug (27.903 kWh)",
        "PATCH /ocpi/2.2.1/receiver/sessions/NL/UCP/SES000005 (sessions) status=COMPLETED kwh=27.903",
        "POST /ocpi/2.2.1/receiver/cdrs (cdrs) id=CDR000001",
        "EVSE status AVAILABLE",
    )
    assert order == sorted(order) and order[0] == 0
    kinds = {item.full_label: item.step.kind for item in view.arrows()}
    assert kinds["plug in, RFID card"] == "physical" and kinds["car full: charging stops"] == "marker"
    lanes = [item.text() for item in view.scene.header.items() if hasattr(item, "text")]
    assert {"DE-EMA/d0001", "driver", "LOC-0005-2", "charge point", "NL-UCP", "CPO", "DE-EMA", "eMSP"} <= set(lanes)
    SHOTS.mkdir(exist_ok=True)
    assert view.grab().save(str(SHOTS / "sequence.png"))


def test_an_app_start_shows_the_command(qtbot: QtBot, controller: SimController) -> None:
    view = make_view(qtbot, controller)
    controller.run_to(3 * 3600)
    controller.selection.select_session("NL-UCP", "SES000003")
    labels = view.arrow_labels()
    assert positions(
        labels,
        "plug in",
        "start charging in the app",
        "POST /ocpi/2.2.1/receiver/commands/START_SESSION (commands)",
        "HTTP 200, OCPI 1000 result=ACCEPTED",
        "POST /ocpi/2.2.1/sender/commands/START_SESSION/",
        "PUT /ocpi/2.2.1/receiver/sessions/NL/UCP/SES000003",
        "charging started (SES000003)",
    ) == [0, 1, 2, 3, 4, 6, 8]


def test_clicking_an_arrow_selects_its_exchange(qtbot: QtBot, controller: SimController) -> None:
    view = make_view(qtbot, controller)
    controller.run_to(9 * 3600)
    controller.selection.select_session("NL-UCP", "SES000005")
    cdr = next(item for item in view.arrows() if item.full_label.startswith("POST /ocpi/2.2.1/receiver/cdrs"))
    expected = exchange_seq(controller, "POST", "/receiver/cdrs")
    assert cdr.step.seq == expected
    view.graphics.ensureVisible(cdr.sceneBoundingRect())
    point = view.graphics.mapFromScene(cdr.sceneBoundingRect().center())
    with qtbot.waitSignal(controller.selection.exchange_selected) as signal:
        qtbot.mouseClick(view.graphics.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert signal.args == [expected]
    # the request and its response are both highlighted, nothing else
    assert [item.full_label for item in view.arrows() if item.highlighted] == [
        "POST /ocpi/2.2.1/receiver/cdrs (cdrs) id=CDR000001",
        "HTTP 201, OCPI 1000",
    ]
    # an exchange selected elsewhere (the message inspector) is highlighted here
    put = exchange_seq(controller, "PUT", "/sessions/NL/UCP/SES000005")
    controller.selection.select_exchange(put)
    assert [item.step.seq for item in view.arrows() if item.highlighted] == [put, put]
    controller.selection.select_exchange(1)  # not in this flow: nothing highlighted
    assert not any(item.highlighted for item in view.arrows())


def test_a_running_session_is_redrawn_when_its_update_arrives(qtbot: QtBot, controller: SimController) -> None:
    view = make_view(qtbot, controller)
    controller.run_to(3 * 3600)
    controller.selection.select_session("NL-UCP", "SES000001")
    patches = [label for label in view.arrow_labels() if "(sessions) kwh=" in label]
    assert patches[-1].endswith("kwh=38.500")
    controller.run_to(3 * 3600 + 20 * 60)
    qtbot.waitUntil(lambda: view.arrow_labels()[-2].endswith("(sessions) kwh=44.000"), timeout=3000)
    assert view.arrow_labels()[-1] == "HTTP 200, OCPI 1000"


def test_copy_as_mermaid(qtbot: QtBot, controller: SimController) -> None:
    view = make_view(qtbot, controller)
    controller.run_to(3 * 3600)
    controller.selection.select_session("NL-UCP", "SES000002")
    assert view.copy_button.isEnabled()
    qtbot.mouseClick(view.copy_button, Qt.MouseButton.LeftButton)
    text = QGuiApplication.clipboard().text()
    assert text == view.mermaid()
    lines = text.splitlines()
    assert lines[:3] == [
        "sequenceDiagram",
        "    title Session NL-UCP/SES000002 (2026-03-02, times in UTC)",
        "    participant DE_EMA_d0003 as DE-EMA/d0003 (driver)",
    ]
    assert any(line.startswith("    NL_UCP->>DE_EMA: 06:25:18.083 POST /ocpi/2.2.1/sender/tokens/") for line in lines)


def test_a_correlation_id_and_a_reset(qtbot: QtBot, controller_at: object) -> None:
    controller = controller_at("hub-network")  # type: ignore[operator]
    view = make_view(qtbot, controller)
    controller.run_to(2 * 3600)
    exchange = next(e for e in controller.bridge.exchanges if e.module == "tokens" and e.correlation_id)
    controller.selection.select_correlation(exchange.correlation_id)
    assert view.title.text().startswith(f"Correlation {exchange.correlation_id}")
    seqs = {item.step.seq for item in view.arrows()}
    assert exchange.seq in seqs
    assert all(e.correlation_id == exchange.correlation_id for e in controller.bridge.exchanges if e.seq in seqs)
    controller.reset()
    assert view.stack.currentWidget() is view.empty and view.arrows() == []
